"""Tests of experiments/run.py, the runner whose summary.csv and report.md are the project's
public figures: its statistics (the U test, n/a below 5 repetitions, ratio cells), the headline
against the peers (proposal choice, floors, U test), and its failure contract (a peer that
cannot be built gives a clear message and a non-zero exit, and the rest of the report is still
written).

Run: python3 tests/experiments/test_runner.py  (ctest: experiments.runner)."""

import contextlib
import csv
import importlib.util
import json
import os
import stat
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock

RUN_PY = Path(__file__).resolve().parents[2] / "experiments" / "run.py"
spec = importlib.util.spec_from_file_location("gentask_run", RUN_PY)
run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run)


class mann_whitney(unittest.TestCase):
    def test_fewer_than_5_samples_on_a_side_gives_no_p_value(self):
        self.assertIsNone(run.mann_whitney_p([1, 2, 3, 4], [5, 6, 7, 8, 9]))
        self.assertIsNone(run.mann_whitney_p([1, 2, 3, 4, 5], [6, 7, 8, 9]))
        self.assertIsNone(run.mann_whitney_p([], []))

    def test_completely_separated_5_against_5_is_the_exact_two_sided_minimum(self):
        # 2 of the C(10, 5) = 252 arrangements are as extreme.
        self.assertAlmostEqual(run.mann_whitney_p([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]), 2 / 252)
        self.assertAlmostEqual(run.mann_whitney_p([6, 7, 8, 9, 10], [1, 2, 3, 4, 5]), 2 / 252)

    def test_one_swapped_pair_doubles_the_tail(self):
        # U = 1: the arrangements with U <= 1 are 2 of 252 on each side.
        self.assertAlmostEqual(run.mann_whitney_p([1, 2, 3, 4, 6], [5, 7, 8, 9, 10]), 4 / 252)

    def test_identical_samples_are_not_significant(self):
        self.assertEqual(run.mann_whitney_p([3.0] * 5, [3.0] * 5), 1.0)
        self.assertGreater(run.mann_whitney_p([1, 3, 5, 7, 9], [2, 4, 6, 8, 10]), 0.5)

    def test_the_normal_approximation_is_used_for_large_samples_and_is_symmetric(self):
        a = list(range(15))
        b = [x + 100 for x in range(15)]
        p = run.mann_whitney_p(a, b)
        self.assertLess(p, 1e-4)
        self.assertAlmostEqual(p, run.mann_whitney_p(b, a))
        self.assertGreater(run.mann_whitney_p(a, list(reversed(a))), 0.9)


class ratio_cells(unittest.TestCase):
    def row(self, median, lo, hi):
        return {"median": median, "min": lo, "max": hi}

    def test_a_ratio_of_medians_with_the_span_of_the_extreme_samples(self):
        self.assertEqual(run.ratio_cell(self.row(20, 18, 24), self.row(10, 8, 12)),
                         "2.00x [1.50-3.00]")

    def test_untimed_rows_give_a_bare_ratio(self):
        self.assertEqual(run.ratio_cell(self.row(234, 234, 234), self.row(68, 68, 68)), "3.44x")

    def test_a_missing_or_zero_baseline_is_not_a_ratio(self):
        self.assertEqual(run.ratio_cell(None, self.row(1, 1, 1)), "n/a")
        self.assertEqual(run.ratio_cell(self.row(1, 1, 1), self.row(0, 0, 0)), "n/a")

    def test_formatting_keeps_three_significant_digits_and_groups_thousands(self):
        self.assertEqual(run.fmt(27.46), "27.5")
        self.assertEqual(run.fmt(1156.9), "1,157")
        self.assertEqual(run.fmt(0), "0")
        self.assertEqual(run.fmt(None), "n/a")


class param_contract(unittest.TestCase):
    def test_sorted_integer_params_and_named_selectors_pass(self):
        self.assertEqual(run.split_name("wake_one_of_n/tokio/api=join_set;n=100"),
                         ["wake_one_of_n", "tokio", "api=join_set;n=100"])
        self.assertEqual(run.split_name("spawn_complete/open_map/batch=1000;n=10/real_time")[2],
                         "batch=1000;n=10")

    def test_unsorted_keys_non_integer_values_and_bad_shapes_are_refused(self):
        for bad in ("w/v/n=10;batch=1", "w/v/n=ten", "w/v/n=1.5", "w/v/n", "w/v/n=1;n=2",
                    "w/v", "w/v/n=1/extra"):
            with self.assertRaises(ValueError, msg=bad):
                run.split_name(bad)


def summary_row(experiment, workload, variant, param, metric, values, unit="ns"):
    return {"experiment": experiment, "workload": workload, "variant": variant, "param": param,
            "metric": metric, "median": sorted(values)[len(values) // 2], "min": min(values),
            "max": max(values), "reps": len(values), "unit": unit}


class peer_headline(unittest.TestCase):
    manifests = [
        {"name": "02-typed", "id": "02-typed", "baseline": "boxed",
         "proposals": ["closed_map"], "unit": "task"},
        {"name": "peers", "id": "peers-rust", "baseline": None, "unit": "task",
         "thread_safety": {"tokio/spawn_complete": "atomic task state"}},
        {"name": "floors", "id": "floors", "baseline": None, "unit": "call",
         "floor_of_workload": {"spawn_complete": ["indirect_call"]}},
    ]

    def rows_and_samples(self, reps):
        ours = [10.0 + i * 0.1 for i in range(reps)]
        boxed = [5.0 + i * 0.1 for i in range(reps)]  # faster, but a baseline
        tokio = [30.0 + i * 0.1 for i in range(reps)]
        p = "n=1000"
        rows = [summary_row("02-typed", "spawn_complete", "closed_map", p, "ns_per_task", ours),
                summary_row("02-typed", "spawn_complete", "boxed", p, "ns_per_task", boxed),
                summary_row("peers", "spawn_complete", "tokio", p, "ns_per_task", tokio),
                summary_row("02-typed", "spawn_complete", "closed_map", p,
                            "instructions_per_task", [400.0], "instructions"),
                summary_row("peers", "spawn_complete", "tokio", p, "instructions_per_task",
                            [900.0], "instructions"),
                summary_row("floors", "indirect_call", "floor", "n=1", "ns_per_call", [2.0])]
        samples = {"02-typed": {("spawn_complete", "closed_map", p): {"ns": ours, "extra": {}},
                                ("spawn_complete", "boxed", p): {"ns": boxed, "extra": {}}},
                   "peers-rust": {("spawn_complete", "tokio", p): {"ns": tokio, "extra": {}}}}
        return rows, samples

    def headline_row(self, reps):
        rows, samples = self.rows_and_samples(reps)
        lines = run.peer_headline(self.manifests, rows, samples)
        lines = lines[:lines.index("#### Every variant beside the peers")]
        found = [line for line in lines if line.startswith("| spawn_complete | n=1000")]
        self.assertEqual(len(found), 1, lines)
        return [c.strip() for c in found[0].strip("|").split("|")]

    def test_gentask_is_the_proposal_and_best_may_be_a_baseline(self):
        cells = self.headline_row(5)
        self.assertTrue(cells[3].startswith("closed_map 10.2"), cells)
        self.assertTrue(cells[4].startswith("boxed (02) 5.2"), cells)
        self.assertEqual(cells[5], "tokio")

    def test_the_ratio_is_peer_over_gentask_with_its_spread_and_u_test(self):
        cells = self.headline_row(5)
        self.assertTrue(cells[7].startswith("2.96x ["), cells)
        self.assertEqual(cells[8], f"{2 / 252:.3g}")
        self.assertEqual(cells[10], "900 / 400 = 2.25x")

    def test_the_floor_is_named_with_gentasks_multiple_of_it(self):
        self.assertEqual(self.headline_row(5)[11], "indirect_call 2, 5.1x")

    def test_every_variant_stands_beside_the_peer_fastest_first(self):
        rows, samples = self.rows_and_samples(5)
        lines = run.peer_headline(self.manifests, rows, samples)
        start = lines.index("#### Every variant beside the peers")
        table = [line for line in lines[start:] if line.startswith("| spawn_complete")]
        self.assertEqual([line.split("|")[4].strip() for line in table],
                         ["boxed (02)", "closed_map (02)", "tokio"])
        self.assertIn("| 400 |", table[1])

    def test_a_comparison_across_a_thread_safety_difference_is_marked_and_explained(self):
        self.assertEqual(self.headline_row(5)[12], "yes")
        rows, samples = self.rows_and_samples(5)
        lines = run.peer_headline(self.manifests, rows, samples)
        self.assertIn("- tokio: atomic task state (spawn_complete)", lines)
        self.assertTrue(any("issue 17" in line for line in lines))

    def test_a_workload_without_a_note_is_not_marked(self):
        manifests = [dict(m, thread_safety={}) for m in self.manifests]
        rows, samples = self.rows_and_samples(5)
        lines = run.peer_headline(manifests, rows, samples)
        row = next(line for line in lines if line.startswith("| spawn_complete | n=1000"))
        self.assertEqual(row.strip("|").split("|")[12].strip(), "no")

    def test_four_repetitions_give_no_p_value(self):
        self.assertEqual(self.headline_row(4)[8], "n/a (fewer than 5 reps)")


def spec(experiment, workload, variant, param, metric):
    return {"experiment": experiment, "workload": workload, "variant": variant, "param": param,
            "metric": metric}


class budgets(unittest.TestCase):
    """The manifests' `budgets`: limits over every row of the run (any experiment, the peers,
    the floors), a table in the declaring manifest's section and budgets.csv."""
    ours = spec("02-typed", "spawn_complete", "closed_map", "n=1000", "instructions_per_task")
    tokio = spec("peers", "spawn_complete", "tokio", "n=1000", "instructions_per_task")
    child = spec("03-fu", "wake_one_of_n", "spawn_per_child", "n=1", "instructions_per_wake")
    pool = spec("peers", "wake_one_of_n", "futures", "api=futures_unordered;exec=local_pool;n=1",
                "instructions_per_wake")
    current = spec("peers", "wake_one_of_n", "futures",
                   "api=futures_unordered;exec=tokio_current_thread;n=1", "instructions_per_wake")

    def rows(self):
        def row(s, values, unit="instructions", metric=None):
            return summary_row(s["experiment"], s["workload"], s["variant"], s["param"],
                               metric or s["metric"], values, unit)
        return [row(self.ours, [100.0]),
                row(self.ours, [10.0, 11.0, 12.0, 13.0, 14.0], "ns", "ns_per_task"),
                row(self.tokio, [900.0]),
                row(self.tokio, [30.0, 31.0, 32.0, 33.0, 34.0], "ns", "ns_per_task"),
                row(self.child, [250.0]),
                row(self.child, [60.0, 61.0, 62.0], "ns", "ns_per_wake"),
                row(self.pool, [750.0]),
                row(self.pool, [200.0, 210.0, 220.0], "ns", "ns_per_wake"),
                row(self.current, [700.0]),
                row(self.current, [130.0, 140.0, 150.0], "ns", "ns_per_wake")]

    def line(self, budget, rows=None):
        lines = run.budget_section(run.evaluate_budgets([budget], rows or self.rows(), "08"))
        found = [line for line in lines if line.startswith("| " + budget["label"] + " |")]
        self.assertEqual(len(found), 1, lines)
        return [c.strip() for c in found[0].strip("|").split("|")]

    def test_a_value_budget_that_is_met_shows_its_margin_and_the_time_beside_the_peer(self):
        cells = self.line({"label": "spawn", "row": self.ours, "max_value": 120,
                           "time_against": [dict(self.tokio, metric="ns_per_task")]})
        self.assertEqual(cells[1:5], ["100", "<= 120", "yes", "0.83x (under by 17%)"])
        self.assertEqual(cells[5], "12 [10-14] ns / 32 [30-34] = 0.38x [0.29-0.47] (against "
                                   "`peers/spawn_complete/tokio/n=1000 ns_per_task`)")

    def test_a_ratio_budget_that_is_missed_says_no_and_how_far_over(self):
        cells = self.line({"label": "half of tokio", "row": self.ours, "against": [self.tokio],
                           "max_ratio": 0.1})
        self.assertEqual(cells[1], "0.111x (100 / 900, against `peers/spawn_complete/tokio/n=1000`)")
        self.assertEqual(cells[2:5], ["<= 0.1x", "no", "1.11x (over by 11%)"])
        self.assertEqual(cells[5], "12 [10-14] ns / 32 [30-34] = 0.38x [0.29-0.47]")

    def test_the_smallest_of_the_against_rows_is_the_denominator_and_is_named(self):
        e = run.evaluate_budgets([{"label": "a third", "row": self.child,
                                   "against": [self.pool, self.current], "max_ratio": 1 / 3}],
                                 self.rows())[0]
        self.assertEqual((e["numerator"], e["denominator"]), (250.0, 700.0))
        self.assertAlmostEqual(e["measured"], 250 / 700)
        self.assertEqual(e["met"], "no")
        self.assertIn("exec=tokio_current_thread", e["against"])
        # the time compares with the same row (its ns_per_wake), whatever is faster in time
        self.assertAlmostEqual(e["time"]["ratio"], 61 / 140)
        cells = self.line({"label": "a third", "row": self.child,
                           "against": [self.pool, self.current], "max_ratio": 1 / 3})
        self.assertIn("(250 / 700, against `peers/wake_one_of_n/futures/"
                      "api=futures_unordered;exec=tokio_current_thread;n=1`)", cells[1])

    def test_a_missing_row_reads_not_measured_and_a_missing_against_row_is_named(self):
        gone = spec("peers", "spawn_complete", "tokio_enable_all", "n=1000",
                    "instructions_per_task")
        cells = self.line({"label": "absent", "row": dict(self.ours, variant="typed_atomic"),
                           "max_value": 120})
        self.assertEqual(cells[1:4], ["not measured (`02-typed/spawn_complete/typed_atomic/"
                                      "n=1000 instructions_per_task`)", "<= 120",
                                      "not measured"])
        cells = self.line({"label": "partly", "row": self.ours, "against": [gone, self.tokio],
                           "max_ratio": 0.5})
        self.assertTrue(cells[1].startswith("0.111x (100 / 900"), cells)
        self.assertIn("not measured: `peers/spawn_complete/tokio_enable_all/n=1000 "
                      "instructions_per_task`", cells[1])
        self.assertEqual(cells[3], "yes")
        cells = self.line({"label": "none", "row": self.ours, "against": [gone],
                           "max_ratio": 0.5})
        self.assertEqual(cells[1:4], ["not measured (`peers/spawn_complete/tokio_enable_all/"
                                      "n=1000 instructions_per_task`)", "<= 0.5x",
                                      "not measured"])
        self.assertEqual(self.line({"label": "bad", "row": {"experiment": "x"},
                                    "max_value": 1})[3], "invalid")

    def test_a_reference_ratio_has_no_limit_and_a_table_of_its_own(self):
        lines = run.budget_section(run.evaluate_budgets(
            [{"label": "ref", "row": self.ours, "against": [self.tokio]}], self.rows()))
        self.assertNotIn("### Budgets", lines)
        self.assertIn("### Ratios for reference", lines)
        self.assertIn("| ref | 0.111x (100 / 900, against `peers/spawn_complete/tokio/n=1000`) | "
                      "12 [10-14] ns / 32 [30-34] = 0.38x [0.29-0.47] |", lines)
        e = run.evaluate_budgets([{"label": "ref", "row": self.ours, "against": [self.tokio]}],
                                 self.rows())[0]
        self.assertEqual((e["kind"], e["met"], e["limit"], e["margin"]),
                         ("reference", "n/a", None, None))

    def test_a_run_writes_budgets_csv_and_the_declaring_section_shows_them(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            contract = failure_contract()
            contract.scratch_tree(root)
            fast = spec("01-fake", "work", "fast", "n=10", "ns_per_task")  # 10..14 ns
            floor = spec("floors", "indirect_call", "floor", "n=1", "ns_per_call")  # 2..6 ns
            contract.manifest(
                root / "experiments" / "01-fake", name="01-fake", binary="bin/fake01",
                unit="task", baseline="slow",
                budgets=[{"label": "fast under 20 ns", "row": fast, "max_value": 20},
                         {"label": "fast within 2x the floor", "row": fast, "against": [floor],
                          "max_ratio": 2, "note": "a scratch budget"},
                         {"label": "never measured", "row": dict(fast, variant="gone"),
                          "max_value": 1}])
            self.assertEqual(contract.run_in(root), 0)
            latest = root / "results" / "latest"
            with (latest / "budgets.csv").open() as f:
                got = list(csv.DictReader(f))
            self.assertEqual(list(got[0])[:5], ["label", "measured", "budget", "met", "margin"])
            self.assertEqual([(r["label"], r["measured"], r["budget"], r["met"], r["margin"])
                              for r in got],
                             [("fast under 20 ns", "12", "20", "yes", "0.6"),
                              ("fast within 2x the floor", "3", "2", "no", "1.5"),
                              ("never measured", "", "1", "not measured", "")])
            self.assertEqual(got[1]["against"], "floors/indirect_call/floor/n=1 ns_per_call")
            self.assertEqual(got[1]["time_ratio"], "3")
            report = (latest / "report.md").read_text()
            section = report[report.index("## 01-fake"):]
            self.assertIn("### Budgets", section)
            self.assertIn("| fast within 2x the floor | 3.000x (12 / 4, against "
                          "`floors/indirect_call/floor/n=1 ns_per_call`) | <= 2x | no | "
                          "1.50x (over by 50%) | 12 [10-14] ns / 4 [2-6] = 3.00x [1.67-7.00] |",
                          section)
            self.assertIn("- fast within 2x the floor: a scratch budget", section)


FAKE_BENCHMARK = """\
#!{python}
# A stand-in for a Google Benchmark binary: the command line and JSON run.py reads. Each
# process appends one line per case it runs to a log beside it; a case's k-th run (counted
# over all processes) reports base + k, so per-process repetitions differ as they should.
import json, os, re, sys
args = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
cases = {cases}
if "benchmark_filter" in args:
    cases = [c for c in cases if re.search(args["benchmark_filter"], c[0])]
if args.get("benchmark_list_tests") == "true":
    print("\\n".join(name for name, _ in cases))
    sys.exit(0)
log = os.path.join(os.path.dirname(os.path.abspath(__file__)), "runs.log")
open(os.path.join(os.path.dirname(log), "env.log"), "a").write(
    os.environ.get("GLIBC_TUNABLES", "-") + "\\n")
reps = int(args["benchmark_repetitions"])
benchmarks = []
for name, base in cases:
    for i in range(reps):
        done = ([line.split()[0] for line in open(log)].count(name)
                if os.path.exists(log) else 0)
        open(log, "a").write(name + " " + str(os.getpid()) + "\\n")
        benchmarks.append({{"name": name, "run_name": name, "run_type": "iteration",
                           "real_time": base + done, "time_unit": "ns", "units": 1.0,
                           "allocs_per_unit": 0.0}})
json.dump({{"context": {{"library_build_type": "release"}}, "benchmarks": benchmarks}},
          open(args["benchmark_out"], "w"))
"""


class failure_contract(unittest.TestCase):
    """A whole run in a scratch tree: one experiment, one peer whose build fails, the floors."""

    def write(self, path, text, executable=False):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if executable:
            path.chmod(path.stat().st_mode | stat.S_IXUSR)

    def fake_binary(self, path, cases):
        self.write(path, FAKE_BENCHMARK.format(python=sys.executable, cases=repr(cases)), True)

    def manifest(self, folder, **fields):
        fields.setdefault("title", "A scratch experiment")
        fields.setdefault("quick", {"repetitions": 5, "min_time": 0.01})
        fields.setdefault("full", {"repetitions": 15, "min_time": 0.1})
        fields.setdefault("callgrind", {"iterations": [1, 2]})
        self.write(folder / "manifest.json", json.dumps(fields))

    def run_in(self, root, *argv):
        with mock.patch.object(run, "ROOT", root), \
                mock.patch.object(run, "EXPERIMENTS", root / "experiments"), \
                mock.patch.object(run, "RESULTS", root / "results"), \
                mock.patch.object(sys, "argv", ["run.py", "--build-dir", "build",
                                                "--no-callgrind", *argv]), \
                open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
            return run.main()

    def test_a_peer_that_cannot_be_built_fails_the_run_and_the_report_is_still_written(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            exp = root / "experiments"
            self.manifest(exp / "01-fake", name="01-fake", binary="bin/fake01", unit="task",
                          baseline="slow", proposals=["fast"])
            self.fake_binary(root / "build" / "bin" / "fake01",
                             [("work/fast/n=10", 10.0), ("work/slow/n=10", 20.0)])
            self.manifest(exp / "peers" / "broken", name="peers", id="peers-broken",
                          binary="experiments/peers/broken/never", unit="task",
                          build=["experiments/peers/broken/build.sh"])
            self.write(exp / "peers" / "broken" / "build.sh",
                       "#!/bin/sh\necho 'cargo: not found' >&2\nexit 3\n", True)
            self.manifest(exp / "floors", name="floors", binary="bin/floors", unit="call")
            self.fake_binary(root / "build" / "bin" / "floors", [("indirect_call/floor/n=1", 2.0)])

            self.assertEqual(self.run_in(root), 1)

            latest = root / "results" / "latest"
            report = (latest / "report.md").read_text()
            self.assertIn("FAILED: peers-broken: could not build: cargo: not found", report)
            with (latest / "summary.csv").open() as f:
                rows = list(csv.DictReader(f))
            self.assertEqual(list(rows[0].keys()), run.COLUMNS)
            fast = [r for r in rows if r["variant"] == "fast" and r["metric"] == "ns_per_task"]
            self.assertEqual(len(fast), 1)
            self.assertEqual((fast[0]["median"], fast[0]["min"], fast[0]["max"], fast[0]["reps"]),
                             ("12", "10", "14", "5"))
            self.assertTrue(any(r["experiment"] == "floors" for r in rows))
            self.assertIn("| n=10 | fast | 12 [10-14] (n=5) | n/a | 0 | 0.55x [0.42-0.70] | "
                          "0.00794 |", report)
            self.assertIn("No results in this run", report)  # the failed peer's section
            prov = json.loads((latest / "provenance.json").read_text())
            self.assertEqual(prov["mode"], "quick")
            self.assertEqual(len(prov["failures"]), 1)

    def scratch_tree(self, root):
        self.manifest(root / "experiments" / "01-fake", name="01-fake", binary="bin/fake01",
                      unit="task", baseline="slow", proposals=["fast"])
        self.fake_binary(root / "build" / "bin" / "fake01",
                         [("work/fast/n=10", 10.0), ("work/slow/n=10", 20.0)])
        self.manifest(root / "experiments" / "floors", name="floors", binary="bin/floors",
                      unit="call")
        self.fake_binary(root / "build" / "bin" / "floors", [("indirect_call/floor/n=1", 2.0)])

    def test_each_repetition_is_a_process_and_the_order_replays_from_its_seed(self):
        orders = []
        for _ in range(2):
            with tempfile.TemporaryDirectory() as tmp:
                root = Path(tmp)
                self.scratch_tree(root)
                self.assertEqual(self.run_in(root, "--seed", "7"), 0)
                lines = (root / "build" / "bin" / "runs.log").read_text().splitlines()
                log = [line.split()[0] for line in lines]
                # 5 repetitions of 2 cases and 5 of the floor (both fakes log to one file),
                # each in a process of its own
                self.assertEqual(len(log), 15)
                self.assertEqual(log.count("work/fast/n=10"), 5)
                self.assertEqual(len({line.split()[1] for line in lines}), 15)
                prov = json.loads((root / "results" / "latest" / "provenance.json").read_text())
                self.assertEqual(prov["replication"]["unit"], "process")
                self.assertEqual(prov["replication"]["seed"], 7)
                self.assertIn("--seed 7", prov["replication"]["command"])
                report = (root / "results" / "latest" / "report.md").read_text()
                self.assertIn("Each repetition of each case is a process of its own", report)
                self.assertIn("seed 7", report)
                with (root / "results" / "latest" / "samples.csv").open() as f:
                    samples = [r for r in csv.DictReader(f) if r["variant"] == "fast"
                               and r["metric"] == "ns_per_task"]
                self.assertEqual(sorted(float(r["value"]) for r in samples),
                                 [10.0, 11.0, 12.0, 13.0, 14.0])
                orders.append(log)
        self.assertEqual(orders[0], orders[1])
        self.assertNotEqual(orders[0], sorted(orders[0]))  # shuffled, not case by case

    def test_provenance_is_the_tree_the_run_started_from_and_names_what_changed_during_it(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            self.scratch_tree(root)
            (root / "NOTES.md").write_text("notes\n")
            git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(root)]
            for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "scratch"]):
                subprocess.run(git + cmd, check=True, capture_output=True)
            # The floor binary edits a tracked file, as a writer editing notes during a run.
            floors = root / "build" / "bin" / "floors"
            floors.write_text(floors.read_text() + "open(%r, 'a').write('edited\\n')\n"
                              % str(root / "NOTES.md"))
            subprocess.run(git + ["commit", "-q", "-am", "fake floors edit NOTES"], check=True,
                           capture_output=True)
            self.assertEqual(self.run_in(root), 0)
            prov = json.loads((root / "results" / "latest" / "provenance.json").read_text())
            self.assertNotIn("uncommitted", prov["commit"])
            self.assertEqual(prov["uncommitted_changes"], [])
            self.assertEqual(prov["changed_during_run"], ["NOTES.md"])
            report = (root / "results" / "latest" / "report.md").read_text()
            self.assertIn("Edited while the run measured", report)

    def test_every_measured_process_runs_with_the_same_pinned_malloc_thresholds(self):
        for flag, expected in ((None, run.MALLOC_TUNABLES["fixed"]), ("default", "-")):
            with tempfile.TemporaryDirectory() as tmp:
                root = Path(tmp)
                self.scratch_tree(root)
                args = ["--malloc", flag] if flag else []
                with mock.patch.dict(os.environ, {"GLIBC_TUNABLES": "glibc.malloc.tcache_count=0"}):
                    self.assertEqual(self.run_in(root, *args), 0)
                seen = set((root / "build" / "bin" / "env.log").read_text().split())
                self.assertEqual(seen, {expected}, flag)
                prov = json.loads((root / "results" / "latest" / "provenance.json").read_text())
                self.assertEqual(prov["malloc"]["mode"], flag or "fixed")
                report = (root / "results" / "latest" / "report.md").read_text()
                self.assertIn("thresholds pinned" if not flag else "default, dynamic", report)

    def test_in_process_replication_is_still_available_and_the_report_says_so(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            self.scratch_tree(root)
            self.assertEqual(self.run_in(root, "--replication", "in-process"), 0)
            report = (root / "results" / "latest" / "report.md").read_text()
            self.assertIn("ran in one process", report)

    def test_a_successful_run_exits_zero_and_full_mode_takes_more_repetitions(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            self.manifest(root / "experiments" / "01-fake", name="01-fake", binary="bin/fake01",
                          unit="task", baseline="slow", proposals=["fast"])
            self.fake_binary(root / "build" / "bin" / "fake01",
                             [("work/fast/n=10", 10.0), ("work/slow/n=10", 20.0)])
            self.manifest(root / "experiments" / "floors", name="floors", binary="bin/floors",
                          unit="call")
            self.fake_binary(root / "build" / "bin" / "floors", [("indirect_call/floor/n=1", 2.0)])

            self.assertEqual(self.run_in(root, "--full"), 0)

            with (root / "results" / "latest" / "summary.csv").open() as f:
                reps = {r["reps"] for r in csv.DictReader(f) if r["unit"] == "ns"}
            self.assertEqual(reps, {"15"})

    def test_a_case_that_skips_with_an_error_fails_alone_and_gives_no_figure(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            self.scratch_tree(root)
            # Google Benchmark's SkipWithError: exit 0, an entry with error_occurred and 0 ns.
            fake = root / "build" / "bin" / "fake01"
            fake.write_text(fake.read_text().replace(
                "benchmarks.append(",
                "benchmarks.append({'name': name, 'run_name': name, 'run_type': 'iteration', "
                "'real_time': 0.0, 'time_unit': 'ns', 'error_occurred': True, "
                "'error_message': 'no server in this build'} if name.startswith('work/slow') "
                "else "))
            self.assertEqual(self.run_in(root), 1)
            latest = root / "results" / "latest"
            with (latest / "summary.csv").open() as f:
                rows = list(csv.DictReader(f))
            self.assertFalse(any(r["variant"] == "slow" for r in rows))
            fast = [r for r in rows if r["variant"] == "fast" and r["metric"] == "ns_per_task"]
            self.assertEqual(fast[0]["reps"], "5")
            prov = json.loads((latest / "provenance.json").read_text())
            self.assertEqual(prov["failures"],
                             ["01-fake: work/slow/n=10: no server in this build"])
            self.assertIn("FAILED: 01-fake: work/slow/n=10: no server in this build",
                          (latest / "report.md").read_text())

    def test_a_prepare_command_runs_first_and_the_binary_comes_from_the_build_directory(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            self.scratch_tree(root)
            self.manifest(root / "experiments" / "01-fake", name="01-fake", binary="bin/fake01",
                          unit="task", baseline="slow", prepare=["experiments/01-fake/prep.sh"])
            self.write(root / "experiments" / "01-fake" / "prep.sh",
                       "#!/bin/sh\necho prepared > build/bin/prepared.txt\n", True)
            self.assertEqual(self.run_in(root), 0)
            self.assertTrue((root / "build" / "bin" / "prepared.txt").exists())
            with (root / "results" / "latest" / "summary.csv").open() as f:
                self.assertTrue(any(r["variant"] == "fast" for r in csv.DictReader(f)))
            self.write(root / "experiments" / "01-fake" / "prep.sh",
                       "#!/bin/sh\necho 'cargo: not found' >&2\nexit 1\n", True)
            self.assertEqual(self.run_in(root), 1)
            prov = json.loads((root / "results" / "latest" / "provenance.json").read_text())
            self.assertEqual(prov["failures"], ["01-fake: could not build: cargo: not found"])


FAKE_COMPILE_DRIVER = """\
#!{python}
# A stand-in for a compile-time experiment's driver (`"kind": "compile"`): the command line and
# JSON run.py reads. It logs its arguments beside itself and gives `--reps` samples per row.
import json, os, sys
argv = sys.argv[1:]
opts = {{a: argv[i + 1] for i, a in enumerate(argv) if a in ("--reps", "--seed", "--out")}}
open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "driver.log"), "a").write(
    " ".join(argv) + "\\n")
if os.environ.get("FAKE_DRIVER_FAIL"):
    print("g++: internal compiler error")
    sys.exit(4)
reps = int(opts["--reps"])
params = {params}
rows, samples = [], []
for workload, variant, param, base in params:
    values = [base + i for i in range(reps)]
    rows.append({{"experiment": "10-fake", "workload": workload, "variant": variant,
                  "param": param, "metric": "compile_s", "median": sorted(values)[reps // 2],
                  "min": min(values), "max": max(values), "reps": reps, "unit": "s"}})
    samples += [{{"experiment": "10-fake", "workload": workload, "variant": variant,
                  "param": param, "metric": "compile_s", "rep": i, "value": v, "unit": "s"}}
                for i, v in enumerate(values)]
json.dump({{"rows": rows, "samples": samples,
           "provenance": {{"compilers": {{"gcc": "g++ (fake) 12"}}, "flags": "-O3"}}}},
          open(opts["--out"], "w"))
"""


class compile_kind(unittest.TestCase):
    """A manifest of `"kind": "compile"` (experiment 10): no binary, a driver that compiles
    generated translation units and gives summary rows, run after the timing processes."""

    params = [("root_types", "open_map", "compiler=gcc;types=10", 1.0),
              ("root_types", "closed_map", "compiler=gcc;types=10", 1.5),
              ("root_types", "open_map", "compiler=gcc;types=400", 2.0),
              ("root_types", "closed_map", "compiler=gcc;types=400", 5.0)]

    def tree(self, root, params=None):
        contract = failure_contract()
        contract.scratch_tree(root)
        folder = root / "experiments" / "10-fake"
        contract.write(folder / "driver.py", FAKE_COMPILE_DRIVER.format(
            python=sys.executable, params=repr(params or self.params)), True)
        contract.write(folder / "manifest.json", json.dumps({
            "name": "10-fake", "kind": "compile", "title": "Scratch compile cost",
            "driver": "experiments/10-fake/driver.py", "unit": "tu",
            "plot_metrics": ["compile_s"],
            "quick": {"repetitions": 3, "args": []},
            "full": {"repetitions": 7, "args": ["--full"]},
            "targets": [{"metric": "compile_s", "variant": "closed_map", "against": "open_map",
                         "max_ratio": 2.0, "workloads": ["root_types"],
                         "param_match": "(^|;)types=400$"}]}))
        return contract

    def test_the_compiler_is_a_named_param_choice(self):
        self.assertEqual(run.split_name("root_types/closed_map/compiler=gcc;types=400")[2],
                         "compiler=gcc;types=400")
        with self.assertRaises(ValueError):
            run.split_name("root_types/closed_map/types=400;compiler=gcc")  # unsorted
        with self.assertRaises(ValueError):
            run.split_name("include/umbrella/header=umbrella")  # not a named choice

    def test_the_driver_gives_rows_samples_a_report_section_and_the_target(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            contract = self.tree(root)
            self.assertEqual(contract.run_in(root, "--seed", "11"), 0)
            args = (root / "experiments" / "10-fake" / "driver.log").read_text().split()
            self.assertEqual(args[args.index("--reps") + 1], "3")
            self.assertEqual(args[args.index("--seed") + 1], "11")
            self.assertNotIn("--full", args)
            latest = root / "results" / "latest"
            with (latest / "summary.csv").open() as f:
                rows = [r for r in csv.DictReader(f) if r["experiment"] == "10-fake"]
            self.assertEqual(len(rows), 4)
            closed = next(r for r in rows if r["param"] == "compiler=gcc;types=400"
                          and r["variant"] == "closed_map")
            self.assertEqual((closed["median"], closed["min"], closed["max"], closed["reps"],
                              closed["unit"]), ("6", "5", "7", "3", "s"))
            with (latest / "samples.csv").open() as f:
                samples = [r for r in csv.DictReader(f) if r["experiment"] == "10-fake"]
            self.assertEqual(len(samples), 12)
            report = (latest / "report.md").read_text()
            section = report[report.index("## 10-fake"):]
            self.assertIn("*Compile time.*", section)
            self.assertIn("| compiler=gcc;types=400 | closed_map | compile_s | 6 [5-7] (3) | s |",
                          section)
            # 6 / 3 = 2.000x at the limit: met; types=10 is not the target's
            self.assertIn("| closed_map compile_s <= 2.0x open_map (root_types "
                          "compiler=gcc;types=400) | 2.000x | yes |", section)
            self.assertNotIn("types=10) |", section)
            self.assertIn("| 10-fake (compile) | gcc: g++ (fake) 12; flags -O3", report)
            prov = json.loads((latest / "provenance.json").read_text())
            self.assertEqual(prov["replication"]["repetitions"]["10-fake"], 3)
            self.assertEqual(prov["compile"]["10-fake"]["flags"], "-O3")
            self.assertTrue((latest / "raw" / "10-fake.compile.json").exists())
            # the benchmark experiments ran beside it
            with (latest / "summary.csv").open() as f:
                self.assertTrue(any(r["experiment"] == "01-fake" for r in csv.DictReader(f)))

    def test_full_mode_passes_the_manifests_args_and_repetitions(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            contract = self.tree(root)
            self.assertEqual(contract.run_in(root, "10", "--full"), 0)
            args = (root / "experiments" / "10-fake" / "driver.log").read_text().split()
            self.assertIn("--full", args)
            self.assertEqual(args[args.index("--reps") + 1], "7")

    def test_compile_args_replace_the_modes_args_and_are_recorded(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            contract = self.tree(root)
            self.assertEqual(contract.run_in(root, "10", "--full", "--compile-args",
                                             "--types 400 --workloads root_types"), 0)
            args = (root / "experiments" / "10-fake" / "driver.log").read_text().split()
            self.assertNotIn("--full", args)  # the manifest's full args are replaced
            self.assertEqual(args[args.index("--types") + 1], "400")
            self.assertEqual(args[args.index("--workloads") + 1], "root_types")
            self.assertEqual(args[args.index("--reps") + 1], "7")  # the mode's repetitions
            latest = root / "results" / "latest"
            prov = json.loads((latest / "provenance.json").read_text())
            self.assertEqual(prov["compile"]["10-fake"]["args_override"],
                             "--types 400 --workloads root_types")
            self.assertIn("--compile-args '--types 400 --workloads root_types'",
                          prov["replication"]["command"])
            self.assertIn("driver arguments replaced for this run: "
                          "`--types 400 --workloads root_types`",
                          (latest / "report.md").read_text())

    def test_a_failing_driver_fails_the_run_and_the_rest_is_still_written(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            contract = self.tree(root)
            with mock.patch.dict(os.environ, {"FAKE_DRIVER_FAIL": "1"}):
                self.assertEqual(contract.run_in(root), 1)
            latest = root / "results" / "latest"
            prov = json.loads((latest / "provenance.json").read_text())
            self.assertEqual(len(prov["failures"]), 1)
            self.assertIn("10-fake: compile driver experiments/10-fake/driver.py failed with "
                          "exit code 4: g++: internal compiler error", prov["failures"][0])
            with (latest / "summary.csv").open() as f:
                self.assertTrue(any(r["experiment"] == "01-fake" for r in csv.DictReader(f)))

    def test_rows_that_break_the_param_contract_are_refused(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            contract = self.tree(root, [("include", "umbrella", "header=umbrella", 1.0)])
            self.assertEqual(contract.run_in(root), 1)
            prov = json.loads((root / "results" / "latest" / "provenance.json").read_text())
            self.assertIn("param header=umbrella is not an integer", prov["failures"][0])


class code_size(unittest.TestCase):
    """A manifest's `code_size` entries: rows of the `.text` bytes and file sizes of the object
    files a variant's translation units compile to (experiment 09)."""

    def test_the_rows_sum_the_text_sections_and_the_files(self):
        obj = Path("/usr/lib/x86_64-linux-gnu/crt1.o")  # any object file the toolchain has
        if not obj.exists():
            self.skipTest("no crt1.o here")
        listing = subprocess.run(["size", "-A", str(obj)], capture_output=True, text=True,
                                 check=True).stdout
        text = sum(int(line.split()[1]) for line in listing.splitlines()
                   if line.startswith(".text") and line.split()[1].isdigit())
        manifest = {"name": "09-fake", "code_size": [
            {"variant": "two", "objects": [obj.name, obj.name]}]}
        rows = run.code_size_rows(manifest, obj.parent)
        by_metric = {r["metric"]: r for r in rows}
        self.assertEqual(set(by_metric), {"code_bytes", "object_bytes"})
        self.assertEqual(by_metric["code_bytes"]["median"], 2.0 * text)
        self.assertEqual(by_metric["object_bytes"]["median"], 2.0 * obj.stat().st_size)
        for r in rows:
            self.assertEqual((r["workload"], r["variant"], r["param"], r["reps"]),
                             ("code_size", "two", "tus=2", 1))
            run.check_param(r["param"], "code_size")

    def test_a_missing_object_is_an_error_naming_it(self):
        manifest = {"name": "09-fake", "code_size": [{"variant": "v", "objects": ["nope.o"]}]}
        with self.assertRaisesRegex(RuntimeError, "nope.o was not built"):
            run.code_size_rows(manifest, Path("/nonexistent"))


class compile_cost_driver(unittest.TestCase):
    """experiments/10-compile-cost/compile_cost.py's generated translation units (not compiled
    here: `./lab test` compiles nothing of experiment 10)."""

    driver_path = RUN_PY.parent / "10-compile-cost" / "compile_cost.py"

    def driver(self):
        spec_ = importlib.util.spec_from_file_location("gentask_compile_cost", self.driver_path)
        module = importlib.util.module_from_spec(spec_)
        spec_.loader.exec_module(module)
        return module

    def test_every_configuration_is_named_within_the_param_contract(self):
        cc = self.driver()
        configs = cc.configurations(cc.QUICK)
        self.assertEqual(len(configs), 3 * 4 + 3 * 3 + 5)
        only = cc.configurations(dict(cc.QUICK, types=[400], workloads=["root_types"]))
        self.assertEqual([(w, v, p) for w, v, p, _ in only],
                         [("root_types", v, "types=400")
                          for v in ("open_map", "closed_map", "closed_map_named", "boxed")])
        for workload, variant, param, _ in configs:
            run.split_name(f"{workload}/{variant}/" +
                           ";".join(sorted(["compiler=gcc"] + param.split(";"))))

    def test_the_root_types_tu_spawns_n_distinct_types_on_the_chosen_storage(self):
        cc = self.driver()
        text = cc.root_types_tu("closed_map", 3)
        self.assertIn("gentask::closed_map_storage<ct::root_0, ct::root_1, ct::root_2>", text)
        self.assertEqual(text.count("reactor.spawn_detached("), 3)
        self.assertIn("basic_reactor<gentask::open_map_storage>", cc.root_types_tu("open_map", 3))
        self.assertIn("basic_reactor<gentask::boxed_storage>", cc.root_types_tu("boxed", 3))
        # the same closed map, declared through a named type: the reactor's type names it alone
        named = cc.root_types_tu("closed_map_named", 3)
        self.assertIn("struct app_roots : gentask::closed_map_storage<ct::root_0, ct::root_1, "
                      "ct::root_2> {};", named)
        self.assertIn("basic_reactor<app_roots>", named)

    def test_the_fixed_chain_has_no_template_on_the_task(self):
        cc = self.driver()
        fixed = cc.chain_depth_tu("fixed_task", 4)
        self.assertNotIn("template <gentask::task", fixed)
        self.assertIn("#define POLL_HEAD using TASK = fixed_task;", fixed)
        # generic_handwritten is the same text with the poll's head a template on the task
        generic = cc.chain_depth_tu("generic_handwritten", 4)
        self.assertEqual(generic.replace(cc.GENERIC_HEAD, cc.FIXED_HEAD)
                         .replace("generic_handwritten", "fixed_task"), fixed)
        self.assertIn("gentask::and_then", cc.chain_depth_tu("generic_task", 4))


class generated_tables(unittest.TestCase):
    def test_a_document_following_the_latest_run_is_refreshed_except_a_table_naming_its_run(self):
        rows = [{"experiment": "01-fake", "workload": "w", "variant": v, "param": "n=1",
                 "metric": "ns_per_task", "median": m, "min": m, "max": m, "reps": 5,
                 "unit": "ns"} for v, m in (("a", 2.0), ("b", 4.0))]
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            doc = root / "experiments" / "01-fake" / "README.md"
            doc.parent.mkdir(parents=True)
            (root / "papers").mkdir()
            stale = "| stale |\n"
            doc.write_text("<!-- table: experiment=01-fake metric=ns_per_task -->\n" + stale +
                           "<!-- end table -->\n"
                           "<!-- table: experiment=01-fake metric=ns_per_task "
                           "run=20990101-000000 -->\n" + stale + "<!-- end table -->\n")
            with mock.patch.object(run, "EXPERIMENTS", root / "experiments"), \
                    mock.patch.object(run, "ROOT", root), contextlib.redirect_stderr(None):
                run.refresh_generated_tables(rows)
            text = doc.read_text()
            first, second = text.split("run=20990101-000000")
            self.assertNotIn("stale", first)  # regenerated from the rows
            self.assertIn("| w |", first)
            self.assertIn("stale", second)  # left as its own run made it


if __name__ == "__main__":
    unittest.main(verbosity=1)
