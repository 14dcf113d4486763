#!/usr/bin/python3
"""Checks that the figures the project's prose quotes come from the run each document names.

Every paper, the lab notebook and the READMEs quote measured figures. This script makes a
figure that is not in its run's data fail `./lab test` (ctest `claims.check`). A document says:

  <!-- run: 20261206-123456 -->          the run it quotes as current (results/<stamp>/ kept)
  <!-- run B: 20261205-071435 -->        another run, named B (quoted as history, say)
  <!-- rows:
  cm = 02/spawn_complete/closed_map/batch=1000;n=10000
  tb = @B peers/spawn_complete/tokio/batch=1000;n=10000
  -->                                     short names for summary.csv rows (experiment by name
                                          or number prefix / workload / variant / param)

and then tags each figure where it stands, right after it:

  385 <!-- = cm.instructions_per_task -->                 a median
  38.7 [37.8-39.4] <!-- = range(cm.ns_per_task) -->      median [min-max]
  2.24x [1.97-2.82] <!-- = ratio(tb.ns_per_task, cm.ns_per_task) -->
                                                          ratio of medians, range as the report's
  1.58x-1.65x <!-- = span(ratio(a.m, b.m), ratio(c.m, d.m)) -->   the low and high of several
  p = 0.008 <!-- = p(a.ns_per_task, b.ns_per_task) -->    two-sided U test (samples.csv)
  +44 % <!-- = (a.m - b.m) / b.m * 100 -->                arithmetic on figures
  1.057x <!-- = ratio(a.m, b.m) ; > 1.05 -->              ... and the verdict the prose draws
  48 bytes <!-- given: the design target -->             a number that is not a measurement

A figure matches when it equals the computed value within the rounding it is written with
(half a unit of its last digit). An assertion after `;` must hold on the computed value (a
median), so the prose's verdict cannot silently flip when the document moves to a new run.

What `check` verifies, for every document (papers/, NOTES.md, README.md, the experiments'
READMEs):
  1. every tagged figure against its run, and every assertion;
  2. every run the document names (any stamp YYYYMMDD-HHMMSS in its text) is kept in the
     repository (results/<stamp>/summary.csv);
  3. every generated table (`<!-- table: ... -->`) equals what its run regenerates;
  4. outside code, comments, generated tables and history blocks
     (`<!-- history: what and which run -->` ... `<!-- end history -->`), no figure-like token
     stands untagged: a ratio (`1.2x`), a time (`38 ns`), a p-value, a bracketed range, a count
     of instructions, bytes or allocations, a percentage.
What it cannot verify: figures written in words ("half", "a third", "twice"), numbers that do
not look like figures (a size such as N = 1e5), statements whose truth is not a number, and the
reading of a figure beyond the assertion its tag states. Inside history blocks, tags are still
checked against their runs; untagged figures there are the notebook's record of runs or
measurements that are not kept, and the block's label says so.

Usage:
  claims.py check [FILE...]               (default: every document; exit 1 on a failure)
  claims.py rebase STAMP FILE...          point FILEs' `run:` at STAMP, rewrite their tagged
                                          figures and tables from it, list what moved and every
                                          assertion that no longer holds
  claims.py tables [FILE...]              regenerate tables only (documents without `run:`
                                          follow results/latest)
  claims.py eval FILE EXPR...             the value of each tag expression in FILE's context
                                          (its runs and rows): for writing a figure
"""

import ast
import csv
import importlib.util
import math
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "results"

_spec = importlib.util.spec_from_file_location("gentask_run_for_claims",
                                               Path(__file__).resolve().parent / "run.py")
runner = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(runner)

STAMP = re.compile(r"\b20\d{6}-\d{6}\b")
RUN_DECL = re.compile(r"<!--\s*run(?:\s+([A-Za-z][\w-]*))?:\s*(\S+)\s*-->")
ROWS_DECL = re.compile(r"<!--\s*rows:(.*?)-->", re.S)
TAG = re.compile(r"<!--\s*(=|given\b:?)(.*?)-->", re.S)
HISTORY = re.compile(r"<!--\s*history:(.*?)-->(.*?)<!--\s*end history\s*-->", re.S)
TABLE = re.compile(r"(<!-- table: ([^>]*?) -->\n)(.*?)(<!-- end table -->)", re.S)
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
COMMENT = re.compile(r"<!--.*?-->", re.S)

NUM = r"\d[\d,]*(?:\.\d+)?(?:e[+-]?\d+)?"
UNIT = r"(?:\s?(?:x|%|ns|us|µs|ms|s|bytes|instructions|allocations?|calls?|polls?))?"
FIG_RANGE = re.compile(rf"(?P<med>[+]?{NUM}){UNIT}\s*\[(?P<lo>{NUM}){UNIT}\s?-\s?(?P<hi>{NUM})"
                       rf"{UNIT}\]{UNIT}\s*$")
FIG_SPAN = re.compile(rf"(?P<lo>{NUM}){UNIT}\s?-\s?(?P<hi>{NUM}){UNIT}\s*$")
FIG_ONE = re.compile(rf"(?P<one>[+]?{NUM}){UNIT}\s*$")

# Figure-like tokens that must not stand untagged in current prose.
LINT = [
    (re.compile(rf"(?<![\w.]){NUM}\s?x\b"), "a ratio"),
    (re.compile(rf"(?<![\w.]){NUM}\s?(?:ns|us|µs|ms)\b"), "a time"),
    (re.compile(r"\bp\s?[=<>]\s?\d"), "a p-value"),
    (re.compile(rf"\[{NUM}\s?[a-zµ%]*\s?-\s?{NUM}\s?[a-zµ%]*\]"), "a range"),
    (re.compile(rf"(?<![\w.]){NUM}\s(?:instructions|bytes|allocations?)\b"), "a count"),
    (re.compile(rf"(?<![\w.]){NUM}\s?%"), "a percentage"),
]


def documents():
    docs = sorted((ROOT / "papers").glob("*.md")) + [ROOT / "NOTES.md", ROOT / "README.md"]
    docs += sorted((ROOT / "experiments").glob("*/README.md"))
    docs += sorted((ROOT / "experiments" / "peers").glob("*/README.md"))
    return [d for d in docs if d.exists()]


# ---------------------------------------------------------------------------------------------
# Runs

class Run:
    """One kept run: results/<stamp>/summary.csv (and samples.csv, if kept)."""

    _cache = {}

    def __init__(self, stamp):
        self.stamp = stamp
        folder = RESULTS / stamp
        summary = folder / "summary.csv"
        if not summary.exists():
            raise LookupError(f"run {stamp} is not kept in the repository "
                              f"({summary.relative_to(ROOT)} is missing)")
        self.rows = []
        with summary.open() as f:
            for r in csv.DictReader(f):
                for k in ("median", "min", "max"):
                    r[k] = float(r[k])
                r["reps"] = int(r["reps"])
                self.rows.append(r)
        self.index = {(r["experiment"], r["workload"], r["variant"], r["param"], r["metric"]): r
                      for r in self.rows}
        self.experiments = sorted({r["experiment"] for r in self.rows})
        self.samples = None
        samples = folder / "samples.csv"
        if samples.exists():
            self.samples = {}
            with samples.open() as f:
                for r in csv.DictReader(f):
                    key = (r["experiment"], r["workload"], r["variant"], r["param"], r["metric"])
                    self.samples.setdefault(key, []).append(float(r["value"]))

    @classmethod
    def get(cls, stamp):
        if stamp not in cls._cache:
            cls._cache[stamp] = Run(stamp)
        return cls._cache[stamp]

    def experiment(self, name):
        if name in self.experiments:
            return name
        found = [e for e in self.experiments if e.startswith(name + "-")]
        if len(found) != 1:
            raise LookupError(f"run {self.stamp} has no experiment {name!r}")
        return found[0]


def resolve_run(name, runs):
    """A run named in a document (`None` for its own, a declared name, or a stamp)."""
    if name is None:
        if None not in runs:
            raise LookupError("the document quotes figures but names no run "
                              "(<!-- run: STAMP -->)")
        return runs[None]
    if name in runs:
        return runs[name]
    if STAMP.fullmatch(name) or name == "latest":
        return name
    raise LookupError(f"run {name!r} is not declared (<!-- run {name}: STAMP -->)")


# ---------------------------------------------------------------------------------------------
# Figures and expressions

class Figure:
    """A computed figure: a scalar, a triple (median, min, max) or a pair (low, high)."""

    def __init__(self, value, lo=None, hi=None, kind="scalar"):
        self.value, self.lo, self.hi, self.kind = value, lo, hi, kind

    def scalar(self):
        if self.kind == "pair":
            raise ValueError("a span (low-high) is not a single figure")
        return self.value


def _u_test(a, b):
    return runner.mann_whitney_p(a, b)


class Evaluator:
    def __init__(self, aliases, runs):
        self.aliases = aliases  # name -> (run name or None, experiment, workload, variant, param)
        self.runs = runs

    def row(self, alias, metric):
        if alias not in self.aliases:
            raise LookupError(f"no row named {alias!r} (<!-- rows: {alias} = ... -->)")
        run_name, exp, workload, variant, param = self.aliases[alias]
        run = Run.get(resolve_run(run_name, self.runs))
        key = (run.experiment(exp), workload, variant, param, metric)
        if key not in run.index:
            raise LookupError(f"run {run.stamp} has no row {'/'.join(key[:4])} {metric}")
        return run, key, run.index[key]

    def eval(self, text):
        tree = ast.parse(text.strip(), mode="eval")
        return self._eval(tree.body)

    def _ref(self, node):
        """`alias.metric` or `alias.metric.stat` -> (row, stat)."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            raise ValueError("a figure is alias.metric[.median|.min|.max|.reps]")
        parts.append(node.id)
        parts.reverse()
        if len(parts) == 2:
            return parts[0], parts[1], "median"
        if len(parts) == 3 and parts[2] in ("median", "min", "max", "reps"):
            return parts[0], parts[1], parts[2]
        raise ValueError(f"{'.'.join(parts)} is not alias.metric[.median|.min|.max|.reps]")

    def _eval(self, node):
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return Figure(float(node.value))
        if isinstance(node, ast.Attribute):
            alias, metric, stat = self._ref(node)
            _, _, r = self.row(alias, metric)
            return Figure(float(r[stat]))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return Figure(-self._eval(node.operand).scalar())
        if isinstance(node, ast.BinOp):
            a, b = self._eval(node.left).scalar(), self._eval(node.right).scalar()
            ops = {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b}
            if isinstance(node.op, ast.Div):
                return Figure(a / b)
            if type(node.op) in ops:
                return Figure(ops[type(node.op)])
            raise ValueError("only + - * / are allowed")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name, args = node.func.id, node.args
            if name == "range" and len(args) == 1:
                alias, metric, _ = self._ref(args[0])
                _, _, r = self.row(alias, metric)
                return Figure(r["median"], r["min"], r["max"], "triple")
            if name == "ratio" and len(args) == 2:
                (_, _, a), (_, _, b) = (self.row(*self._ref(x)[:2]) for x in args)
                value = a["median"] / b["median"]
                lo, hi = ((a["min"] / b["max"], a["max"] / b["min"]) if b["min"] > 0
                          else (value, value))
                return Figure(value, lo, hi, "triple")
            if name == "p" and len(args) == 2:
                samples = []
                for x in args:
                    run, key, _ = self.row(*self._ref(x)[:2])
                    if run.samples is None or key not in run.samples:
                        raise LookupError(f"run {run.stamp} keeps no samples of "
                                          f"{'/'.join(key[:4])} {key[4]}")
                    samples.append(run.samples[key])
                p = _u_test(*samples)
                if p is None:
                    raise ValueError("fewer than 5 samples on a side: no p-value")
                return Figure(p)
            if name == "span" and args:
                values = [self._eval(x).scalar() for x in args]
                return Figure(None, min(values), max(values), "pair")
            if name in ("min", "max") and args:
                values = [self._eval(x).scalar() for x in args]
                return Figure(min(values) if name == "min" else max(values))
            raise ValueError(f"unknown function {name}()")
        raise ValueError(f"cannot read {ast.dump(node)[:60]}")


def tolerance(written):
    """Half a unit of the written figure's last digit."""
    text = written.replace(",", "").lstrip("+")
    mantissa, _, exponent = text.lower().partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return 0.5 * 10.0 ** (-decimals) * 10.0 ** (int(exponent) if exponent else 0)


def number(written):
    return float(written.replace(",", "").lstrip("+"))


def matches(written, value):
    return abs(number(written) - value) <= tolerance(written) * (1 + 1e-9) + 1e-12 * abs(value)


def format_like(written, value):
    """`value` written with the same digits after the point (and thousands separators, sign,
    exponent) as `written`: for rebasing a document to a new run."""
    text = written.lstrip("+")
    sign = "+" if written.startswith("+") and value >= 0 else ""
    mantissa, _, exponent = text.lower().partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    if exponent:
        return sign + f"{value:.{decimals}e}".replace("e-0", "e-").replace("e+0", "e")
    out = f"{value:,.{decimals}f}" if "," in text else f"{value:.{decimals}f}"
    return sign + out


# ---------------------------------------------------------------------------------------------
# Documents

INLINE_CODE = re.compile(r"`[^`\n]*`")


class Document:
    def __init__(self, path, text=None):
        self.path = Path(path)
        self.text = self.path.read_text() if text is None else text
        # Code (fenced blocks and inline spans) is quoted text: nothing in it is a declaration,
        # a tag or a figure.
        self.code = [m.span() for m in FENCE.finditer(self.text)]
        self.code += [m.span() for m in INLINE_CODE.finditer(self.masked(self.code))]
        self.runs = {}
        self.run_offsets = {}
        for m in RUN_DECL.finditer(self.text):
            if not self.in_spans(m.start(), self.code):
                self.runs[m.group(1)] = m.group(2)
                self.run_offsets[m.group(1)] = m.start()
        self.aliases = {}
        self.problems = []
        for block in ROWS_DECL.finditer(self.text):
            if self.in_spans(block.start(), self.code):
                continue
            for offset, line in self._lines(block.group(1), block.start(1)):
                line = line.strip()
                if not line:
                    continue
                m = re.fullmatch(r"([A-Za-z_]\w*)\s*=\s*(?:@(\S+)\s+)?([^/\s]+)/([^/\s]+)/"
                                 r"([^/\s]+)/(\S+)", line)
                if not m:
                    self.problem(offset, f"cannot read the row declaration {line!r}")
                    continue
                self.aliases[m.group(1)] = (m.group(2), m.group(3), m.group(4), m.group(5),
                                            m.group(6))

    @staticmethod
    def _lines(text, start):
        pos = start
        for line in text.split("\n"):
            yield pos, line
            pos += len(line) + 1

    def line_of(self, offset):
        return self.text.count("\n", 0, offset) + 1

    def problem(self, offset, message):
        try:
            where = self.path.relative_to(ROOT)
        except ValueError:
            where = self.path
        self.problems.append(f"{where}:{self.line_of(offset)}: {message}")

    def masked(self, spans):
        """The text with `spans` blanked (offsets and line numbers kept)."""
        chars = list(self.text)
        for a, b in spans:
            for i in range(a, b):
                if chars[i] != "\n":
                    chars[i] = " "
        return "".join(chars)

    def fences(self):
        return [m.span() for m in FENCE.finditer(self.text)]

    def in_spans(self, offset, spans):
        return any(a <= offset < b for a, b in spans)

    # -- checks --------------------------------------------------------------------------------

    def check(self, rebase=None):
        """Runs every check; with `rebase` (a new text being built), also returns the text
        with each tagged figure rewritten from its run."""
        fences = self.code
        for m in STAMP.finditer(self.masked(fences)):
            stamp = m.group(0)
            if not (RESULTS / stamp / "summary.csv").exists():
                self.problem(m.start(), f"names run {stamp}, which is not kept in the "
                                        f"repository (results/{stamp}/summary.csv)")
        for name, stamp in self.runs.items():
            if stamp != "latest" and not STAMP.fullmatch(stamp):
                self.problem(self.run_offsets[name],
                             f"run {name or ''}: {stamp!r} is not a stamp YYYYMMDD-HHMMSS")
        evaluator = Evaluator(self.aliases, self.runs)
        covered = []
        edits = []
        moved = []
        for m in TAG.finditer(self.text):
            if self.in_spans(m.start(), fences):
                continue
            before_start = self.text.rfind("\n", 0, m.start()) + 1
            before = self.text[before_start:m.start()]
            fig = (FIG_RANGE.search(before) or FIG_SPAN.search(before) or FIG_ONE.search(before))
            if m.group(1).startswith("given"):
                if fig:
                    covered.append((before_start + fig.start(), m.end()))
                else:
                    covered.append(m.span())
                continue
            if not fig:
                self.problem(m.start(), "a figure tag with no figure right before it")
                continue
            covered.append((before_start + fig.start(), m.end()))
            expr, _, assertion = m.group(2).partition(";")
            try:
                value = evaluator.eval(expr)
            except (LookupError, ValueError, SyntaxError, ZeroDivisionError) as e:
                self.problem(m.start(), f"{expr.strip()}: {e}")
                continue
            groups = fig.groupdict()
            written = [(k, groups[k]) for k in ("one", "med", "lo", "hi") if groups.get(k)]
            wanted = {"one": value.value, "med": value.value, "lo": value.lo, "hi": value.hi}
            if value.kind == "pair" and "one" in groups and groups["one"]:
                self.problem(m.start(), f"{expr.strip()} is a span: write it as low-high")
                continue
            if value.kind == "scalar" and (groups.get("lo") or groups.get("hi")):
                if not groups.get("med"):
                    self.problem(m.start(), f"{expr.strip()} is one figure, written as a span")
                    continue
            for k, w in written:
                target = wanted[k]
                if target is None:
                    self.problem(m.start(), f"{expr.strip()} gives no {k} for {w}")
                    continue
                if not matches(w, target):
                    self.problem(m.start(), f"{w} is {target:.6g} in its run "
                                            f"({expr.strip()})")
                if rebase is not None:
                    new = format_like(w, target)
                    if new != w.lstrip("+") and new != w:
                        moved.append(f"{self.path.name}:{self.line_of(m.start())}: {w} -> {new}")
                    start = before_start + fig.start(k)
                    edits.append((start, start + len(w), new))
            if assertion.strip():
                a = re.fullmatch(r"\s*(<=|>=|<|>|==)\s*(-?[\d.]+(?:e-?\d+)?)\s*", assertion)
                if not a:
                    self.problem(m.start(), f"cannot read the assertion {assertion.strip()!r}")
                    continue
                v = value.value if value.kind != "pair" else None
                if v is None:
                    self.problem(m.start(), "an assertion needs a single figure, not a span")
                    continue
                bound = float(a.group(2))
                ok = {"<": v < bound, "<=": v <= bound, ">": v > bound, ">=": v >= bound,
                      "==": v == bound}[a.group(1)]
                if not ok:
                    self.problem(m.start(), f"the verdict no longer holds: {expr.strip()} is "
                                            f"{v:.6g}, not {a.group(1)} {a.group(2)}")
        self.check_tables(fences)
        self.lint(fences, covered)
        if rebase is None:
            return None
        text = self.text
        for start, end, new in sorted(edits, reverse=True):
            text = text[:start] + new + text[end:]
        return text, moved

    def table_rows(self, spec):
        run_name = spec.get("run")
        stamp = resolve_run(run_name, self.runs) if (run_name or None in self.runs) \
            else "latest"
        if stamp == "latest":
            path = RESULTS / "latest" / "summary.csv"
            if not path.exists():
                raise LookupError("results/latest/summary.csv is missing")
            rows = []
            with path.open() as f:
                for r in csv.DictReader(f):
                    for k in ("median", "min", "max"):
                        r[k] = float(r[k])
                    r["reps"] = int(r["reps"])
                    rows.append(r)
            return rows
        return Run.get(stamp).rows

    def render_tables(self, text=None):
        text = self.text if text is None else text

        def render(m):
            spec = dict(kv.split("=", 1) for kv in m.group(2).split())
            rows = self.table_rows(spec)
            body = runner.render_table(spec, rows)
            return m.group(1) + body + m.group(4) if body is not None else m.group(0)

        return TABLE.sub(render, text)

    def check_tables(self, fences):
        for m in TABLE.finditer(self.text):
            if self.in_spans(m.start(), fences):
                continue
            spec = dict(kv.split("=", 1) for kv in m.group(2).split())
            try:
                body = runner.render_table(spec, self.table_rows(spec))
            except LookupError as e:
                self.problem(m.start(), f"table {m.group(2)}: {e}")
                continue
            if body is None:
                self.problem(m.start(), f"table {m.group(2)}: its run has no such rows")
            elif body != m.group(3):
                self.problem(m.start(), f"table {m.group(2)} differs from its run's data "
                                        "(regenerate: experiments/claims.py tables)")

    def lint(self, fences, covered):
        skip = list(fences) + [m.span() for m in HISTORY.finditer(self.text)]
        skip += [m.span() for m in TABLE.finditer(self.text)]
        skip += [m.span() for m in COMMENT.finditer(self.text)]
        skip += covered
        for m in HISTORY.finditer(self.text):
            if not m.group(1).strip():
                self.problem(m.start(), "a history block must say what it records")
        text = self.masked(skip)
        seen = set()
        for pattern, what in LINT:
            for m in pattern.finditer(text):
                if m.start() in seen:
                    continue
                seen.add(m.start())
                self.problem(m.start(), f"{what} without a figure tag: {m.group(0).strip()!r} "
                                        "(tag it <!-- = ... -->, mark it <!-- given: ... -->, "
                                        "or put it in a history block)")


def check_files(paths):
    problems = []
    for p in paths:
        doc = Document(p)
        doc.check()
        problems += doc.problems
    return problems


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    command, args = argv[0], argv[1:]
    if command == "check":
        paths = [Path(a) for a in args] or documents()
        problems = check_files(paths)
        for p in problems:
            print(p)
        print(f"claims: {len(paths)} documents, {len(problems)} problems")
        return 1 if problems else 0
    if command == "tables":
        for p in [Path(a) for a in args] or documents():
            doc = Document(p)
            new = doc.render_tables()
            if new != doc.text:
                p.write_text(new)
                print(f"claims: regenerated the tables of {p}")
        return 0
    if command == "eval":
        if len(args) < 2:
            print("usage: claims.py eval FILE EXPR...")
            return 2
        doc = Document(Path(args[0]))
        evaluator = Evaluator(doc.aliases, doc.runs)
        for expr in args[1:]:
            try:
                v = evaluator.eval(expr)
            except (LookupError, ValueError, SyntaxError, ZeroDivisionError) as e:
                print(f"{expr}: {e}")
                continue
            if v.kind == "scalar":
                print(f"{expr} = {v.value:.6g}")
            elif v.kind == "triple":
                print(f"{expr} = {v.value:.6g} [{v.lo:.6g}-{v.hi:.6g}]")
            else:
                print(f"{expr} = {v.lo:.6g}-{v.hi:.6g}")
        return 0
    if command == "rebase":
        if len(args) < 2 or not STAMP.fullmatch(args[0]):
            print("usage: claims.py rebase STAMP FILE...")
            return 2
        stamp, failures = args[0], 0
        Run.get(stamp)  # the run must be kept
        for p in (Path(a) for a in args[1:]):
            text = p.read_text()
            if not RUN_DECL.search(text):
                print(f"{p}: no <!-- run: STAMP --> to rebase")
                failures += 1
                continue
            text = RUN_DECL.sub(lambda m: m.group(0) if m.group(1)
                                else f"<!-- run: {stamp} -->", text)
            doc = Document(p, text)
            new, moved = doc.check(rebase=True)
            doc = Document(p, new)
            new = doc.render_tables()
            p.write_text(new)
            for line in moved:
                print(line)
            after = Document(p)
            after.check()
            for problem in after.problems:
                print(problem)
            failures += len(after.problems)
        return 1 if failures else 0
    print(f"unknown command {command!r}")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
