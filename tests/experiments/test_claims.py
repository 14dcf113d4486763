"""Tests of experiments/claims.py, the check that every figure the prose quotes comes from the
run its document names: figure tags and their rounding, spans, ranges, ratios, U tests,
assertions on verdicts, named runs that must be kept, generated tables, and the lint for
untagged figures. The last test plants a wrong figure in a copy of each real paper's text and
requires the check to name it.

Run: python3 tests/experiments/test_claims.py  (ctest: claims.tests; the real documents are
checked by ctest claims.check)."""

import csv
import importlib.util
import re
import tempfile
import unittest
from pathlib import Path
from unittest import mock

CLAIMS_PY = Path(__file__).resolve().parents[2] / "experiments" / "claims.py"
spec = importlib.util.spec_from_file_location("gentask_claims", CLAIMS_PY)
claims = importlib.util.module_from_spec(spec)
spec.loader.exec_module(claims)

STAMP = "20260101-000000"
OTHER = "20260102-000000"


def write_run(root, stamp, rows, samples):
    folder = root / stamp
    folder.mkdir(parents=True)
    with (folder / "summary.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["experiment", "workload", "variant", "param",
                                          "metric", "median", "min", "max", "reps", "unit"])
        w.writeheader()
        for r in rows:
            w.writerow(r)
    with (folder / "samples.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["experiment", "workload", "variant", "param",
                                          "metric", "rep", "value", "unit"])
        w.writeheader()
        for key, values in samples.items():
            for i, v in enumerate(values):
                w.writerow(dict(zip(["experiment", "workload", "variant", "param", "metric"],
                                    key), rep=i, value=v, unit="ns"))


def row(variant, metric, median, lo, hi, reps=5):
    return {"experiment": "02-typed", "workload": "spawn", "variant": variant, "param": "n=10",
            "metric": metric, "median": median, "min": lo, "max": hi, "reps": reps,
            "unit": "ns"}


class scratch(unittest.TestCase):
    """A results tree with two kept runs of the same cells."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.results = Path(self.tmp.name) / "results"
        fast = [10.0, 10.5, 11.0, 11.5, 12.0]
        slow = [20.0, 21.0, 22.0, 23.0, 24.0]
        write_run(self.results, STAMP,
                  [row("fast", "ns_per_task", 11, 10, 12), row("slow", "ns_per_task", 22, 20, 24),
                   row("fast", "instructions_per_task", 385, 385, 385, 1),
                   row("slow", "instructions_per_task", 561, 561, 561, 1)],
                  {("02-typed", "spawn", "fast", "n=10", "ns_per_task"): fast,
                   ("02-typed", "spawn", "slow", "n=10", "ns_per_task"): slow})
        write_run(self.results, OTHER,
                  [row("fast", "ns_per_task", 30, 29, 31), row("slow", "ns_per_task", 22, 20, 24)],
                  {})
        claims.Run._cache.clear()
        self.patch = mock.patch.object(claims, "RESULTS", self.results)
        self.patch.start()

    def tearDown(self):
        self.patch.stop()
        claims.Run._cache.clear()
        self.tmp.cleanup()

    def problems(self, body, runs=f"<!-- run: {STAMP} -->\n<!-- run B: {OTHER} -->\n"):
        text = runs + ("<!-- rows:\nf = 02/spawn/fast/n=10\ns = 02/spawn/slow/n=10\n"
                       "fb = @B 02/spawn/fast/n=10\n-->\n") + body
        path = Path(self.tmp.name) / "doc.md"
        path.write_text(text)
        doc = claims.Document(path)
        doc.check()
        return doc.problems


class figures(scratch):
    def test_a_figure_within_its_rounding_passes(self):
        self.assertEqual(self.problems("It costs 385 <!-- = f.instructions_per_task --> "
                                       "instructions.\n"), [])
        self.assertEqual(self.problems("A ratio of 0.69x <!-- = f.instructions_per_task / "
                                       "s.instructions_per_task -->.\n"), [])

    def test_a_wrong_figure_fails_and_says_what_the_run_has(self):
        problems = self.problems("It costs 386 <!-- = f.instructions_per_task -->.\n")
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("386 is 385 in its run", problems[0])
        self.assertIn("doc.md:8", problems[0])

    def test_the_rounding_is_the_written_precision(self):
        # 385 / 561 = 0.68627: "0.69" passes, "0.686" passes, "0.687" does not.
        tag = "<!-- = f.instructions_per_task / s.instructions_per_task -->"
        self.assertEqual(self.problems(f"0.686x {tag}\n"), [])
        self.assertEqual(len(self.problems(f"0.687x {tag}\n")), 1)
        self.assertEqual(len(self.problems(f"0.7x {tag}\n")), 0)
        self.assertEqual(len(self.problems(f"0.68x {tag}\n")), 1)

    def test_a_range_checks_median_min_and_max(self):
        self.assertEqual(self.problems("11 [10-12] ns <!-- = range(f.ns_per_task) -->\n"), [])
        problems = self.problems("11 [10-13] ns <!-- = range(f.ns_per_task) -->\n")
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("13 is 12", problems[0])

    def test_a_ratio_carries_the_reports_range(self):
        # 22 / 11 = 2; range 20 / 12 = 1.67 to 24 / 10 = 2.4, as run.py's ratio_cell.
        self.assertEqual(self.problems("2.00x [1.67-2.40] <!-- = ratio(s.ns_per_task, "
                                       "f.ns_per_task) -->\n"), [])
        self.assertEqual(self.problems("2.0x <!-- = ratio(s.ns_per_task, f.ns_per_task) -->\n"),
                         [])

    def test_a_span_is_the_low_and_high_of_several(self):
        tag = "<!-- = span(f.ns_per_task, s.ns_per_task) -->"
        self.assertEqual(self.problems(f"between 11-22 ns {tag}\n"), [])
        self.assertEqual(len(self.problems(f"between 11-23 ns {tag}\n")), 1)
        self.assertEqual(len(self.problems(f"about 11 ns {tag}\n")), 1)  # not a span

    def test_a_p_value_is_recomputed_from_the_kept_samples(self):
        self.assertEqual(self.problems("p = 0.008 <!-- = p(f.ns_per_task, s.ns_per_task) -->\n"),
                         [])
        problems = self.problems("p = 0.05 <!-- = p(f.ns_per_task, s.ns_per_task) -->\n")
        self.assertEqual(len(problems), 1, problems)

    def test_a_row_of_a_named_run(self):
        self.assertEqual(self.problems("then 30 ns <!-- = fb.ns_per_task -->\n"), [])

    def test_an_assertion_guards_the_verdict(self):
        tag = "<!-- = ratio(f.ns_per_task, s.ns_per_task) ; < 1 -->"
        self.assertEqual(self.problems(f"faster: 0.5x {tag}\n"), [])
        problems = self.problems(f"faster: 1.36x <!-- = ratio(fb.ns_per_task, s.ns_per_task) "
                                 f"; < 1 -->\n")
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("the verdict no longer holds", problems[0])

    def test_an_unknown_row_metric_or_alias_is_a_problem(self):
        for tag in ("f.ns_per_wake", "x.ns_per_task", "f.ns_per_task.mean", "nope(f.ns)"):
            self.assertEqual(len(self.problems(f"1 ns <!-- = {tag} -->\n")), 1, tag)

    def test_a_tag_with_no_figure_before_it_is_a_problem(self):
        self.assertEqual(len(self.problems("Nothing here <!-- = f.ns_per_task -->\n")), 1)

    def test_a_document_that_names_no_run_cannot_tag_figures(self):
        problems = self.problems("11 ns <!-- = f.ns_per_task -->\n", runs="")
        self.assertTrue(any("names no run" in p for p in problems), problems)


class runs_and_lint(scratch):
    def test_a_run_that_is_not_kept_is_a_problem(self):
        problems = self.problems("As run 20251231-235959 showed.\n")
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("not kept", problems[0])
        self.assertEqual(self.problems(f"As run {OTHER} showed.\n"), [])

    def test_untagged_figures_are_found(self):
        for text in ("it is 2.5x faster", "about 38 ns", "p = 0.01", "12 [10-14]",
                     "385 instructions", "48 bytes", "3 allocations", "up 44 %"):
            problems = self.problems(text + ".\n")
            self.assertEqual(len(problems), 1, (text, problems))
            self.assertIn("without a figure tag", problems[0])

    def test_given_numbers_history_code_and_comments_are_not_figures(self):
        body = ("The target is 48 bytes <!-- given: the design card's target -->.\n"
                "<!-- history: run 20251231 (not kept), as it was recorded -->\n"
                "It was 2.5x then.\n<!-- end history -->\n"
                "```\nconst int x = 5; // 3 ns\n```\n"
                "An inline `1.5x` and a comment <!-- 2x -->.\n")
        self.assertEqual(self.problems(body), [])

    def test_a_history_block_must_say_what_it_records(self):
        problems = self.problems("<!-- history: -->\n2x\n<!-- end history -->\n")
        self.assertEqual(len(problems), 1, problems)

    def test_a_generated_table_must_match_its_run(self):
        spec = "experiment=02-typed metric=instructions_per_task baseline=slow"
        body = claims.runner.render_table(dict(kv.split("=", 1) for kv in spec.split()),
                                          claims.Run.get(STAMP).rows)
        good = f"<!-- table: {spec} -->\n{body}<!-- end table -->\n"
        self.assertEqual(self.problems(good), [])
        bad = good.replace("| 385 |", "| 384 |")
        self.assertNotEqual(bad, good)
        problems = self.problems(bad)
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("differs from its run's data", problems[0])


class rebase(scratch):
    def test_rebase_rewrites_figures_with_their_precision_and_reports_flipped_verdicts(self):
        path = Path(self.tmp.name) / "paper.md"
        path.write_text(f"<!-- run: {OTHER} -->\n<!-- rows:\nf = 02/spawn/fast/n=10\n"
                        "s = 02/spawn/slow/n=10\n-->\n"
                        "fast takes 30.0 ns <!-- = f.ns_per_task -->, "
                        "1.36x <!-- = ratio(f.ns_per_task, s.ns_per_task) ; > 1 --> of slow.\n")
        with mock.patch("builtins.print"):
            status = claims.main(["rebase", STAMP, str(path)])
        text = path.read_text()
        self.assertIn(f"<!-- run: {STAMP} -->", text)
        self.assertIn("fast takes 11.0 ns", text)
        self.assertIn("0.50x", text)
        self.assertEqual(status, 1)  # "> 1" no longer holds: the prose must be reread


class formatting(unittest.TestCase):
    def test_tolerance_is_half_a_unit_of_the_last_written_digit(self):
        self.assertAlmostEqual(claims.tolerance("385"), 0.5)
        self.assertAlmostEqual(claims.tolerance("1,128"), 0.5)
        self.assertAlmostEqual(claims.tolerance("0.72"), 0.005)
        self.assertAlmostEqual(claims.tolerance("3.4e-6"), 0.05e-6)

    def test_format_like_keeps_the_written_form(self):
        self.assertEqual(claims.format_like("1,128", 1315.2), "1,315")
        self.assertEqual(claims.format_like("0.72", 1.456), "1.46")
        self.assertEqual(claims.format_like("3.4e-6", 1.23e-5), "1.2e-5")
        self.assertEqual(claims.format_like("+44", 20.4), "+20")


class real_documents(unittest.TestCase):
    def test_a_planted_wrong_figure_in_any_real_document_is_found(self):
        planted = 0
        for path in claims.documents():
            text = path.read_text()
            code = claims.Document(path).code
            for m in claims.TAG.finditer(text):
                if m.group(1) != "=" or any(a <= m.start() < b for a, b in code):
                    continue
                line_start = text.rfind("\n", 0, m.start()) + 1
                fig = claims.FIG_ONE.search(text[line_start:m.start()])
                if not fig or "[" in text[line_start:m.start()][-12:]:
                    continue
                written = fig.group("one")
                start = line_start + fig.start("one")
                wrong = str(round(claims.number(written) * 1.5 + 7))
                bad = text[:start] + wrong + text[start + len(written):]
                doc = claims.Document(path, bad)
                doc.check()
                line = bad.count("\n", 0, start) + 1
                self.assertTrue(any(f":{line}: {wrong} is " in p for p in doc.problems),
                                (path, written, wrong, doc.problems))
                planted += 1
                break  # one figure per document
        self.assertGreater(planted, 0, "no real document has a tagged figure to plant into")


if __name__ == "__main__":
    unittest.main(verbosity=1)
