#!/usr/bin/python3
"""Compares the time verdicts of two kept runs: which comparisons changed their verdict, and how
the p-values moved.

A comparison is a pair of cells of one run that the report compares: each gentask variant
against its experiment's baseline (same workload and param), and each peer against each of
gentask's proposal variants on the shared workloads (the report's headline). Its verdict, from
the two-sided Mann-Whitney U test on the per-repetition samples (samples.csv) at `--alpha`:
`faster` or `slower` (the first cell against the second, p < alpha) or `level`.

Usage: compare_runs.py STAMP_A STAMP_B [--alpha 0.05] [--out FILE.md]
Prints (or writes) a Markdown report: the counts, every changed verdict, and the p-values at
the floor of the test for each run's repetition count.
"""

import argparse
import importlib.util
import math
import sys
from pathlib import Path

_here = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("gentask_claims_for_compare", _here / "claims.py")
claims = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(claims)
runner = claims.runner

PEER_SIDE = "peers"


def time_metric(metric):
    return metric.startswith("ns_per_") or metric in ("latency_p50_ns", "latency_p99_ns")


def comparisons(run, manifests):
    """(label, key_a, key_b): key_a against key_b, both (experiment, workload, variant, param,
    metric) keys of `run`."""
    out = []
    baselines = {m["name"]: m.get("baseline") for m in manifests}
    proposals = {m["name"]: set(m.get("proposals", [])) for m in manifests}
    rows = [r for r in run.rows if time_metric(r["metric"])]
    by_cell = {(r["experiment"], r["workload"], r["param"], r["metric"]): [] for r in rows}
    for r in rows:
        by_cell[(r["experiment"], r["workload"], r["param"], r["metric"])].append(r["variant"])
    for (exp, workload, param, metric), variants in sorted(by_cell.items()):
        base = baselines.get(exp)
        if exp in (PEER_SIDE, "floors") or not base or base not in variants:
            continue
        if workload in runner.PACED_WORKLOADS and metric.startswith("ns_per_"):
            continue
        for v in sorted(variants):
            if v != base:
                out.append((f"{exp} {workload} {param} {metric}: {v} / {base}",
                            (exp, workload, v, param, metric), (exp, workload, base, param, metric)))
    for r in rows:
        if r["experiment"] != PEER_SIDE:
            continue
        if r["workload"] in runner.PACED_WORKLOADS and r["metric"].startswith("ns_per_"):
            continue
        base_param = runner.strip_api(r["param"])
        for exp, props in proposals.items():
            for v in sorted(props):
                key = (exp, r["workload"], v, base_param, r["metric"])
                if key in run.index:
                    out.append((f"peers {r['workload']} {r['param']} {r['metric']}: "
                                f"{r['variant']} / {v}",
                                (PEER_SIDE, r["workload"], r["variant"], r["param"], r["metric"]),
                                key))
    return out


def verdict(run, key_a, key_b, alpha):
    a, b = run.samples.get(key_a), run.samples.get(key_b)
    if not a or not b:
        return None
    p = runner.mann_whitney_p(a, b)
    ratio = run.index[key_a]["median"] / run.index[key_b]["median"]
    if p is None:
        return ratio, None, "n/a"
    if p >= alpha:
        return ratio, p, "level"
    return ratio, p, "slower" if ratio > 1 else "faster"


def floor_p(n):
    """The smallest two-sided p the U test gives with n against n samples."""
    if n < 5:
        return None
    return runner.mann_whitney_p(list(range(n)), list(range(n, 2 * n)))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--alpha", type=float, default=0.05)
    ap.add_argument("--out")
    args = ap.parse_args(argv)
    run_a, run_b = claims.Run.get(args.a), claims.Run.get(args.b)
    for run in (run_a, run_b):
        if run.samples is None:
            print(f"run {run.stamp} keeps no samples.csv")
            return 2
    manifests = runner.load_manifests([])
    pairs = {label: (ka, kb) for label, ka, kb in comparisons(run_b, manifests)}
    pairs.update({label: (ka, kb) for label, ka, kb in comparisons(run_a, manifests)})
    rows, changed = [], []
    counts = {"both": 0}
    at_floor = {args.a: 0, args.b: 0}
    for label, (ka, kb) in sorted(pairs.items()):
        va, vb = verdict(run_a, ka, kb, args.alpha), verdict(run_b, ka, kb, args.alpha)
        if va is None or vb is None:
            continue
        counts["both"] += 1
        for stamp, v, run in ((args.a, va, run_a), (args.b, vb, run_b)):
            n = min(len(run.samples[ka]), len(run.samples[kb]))
            fp = floor_p(n)
            if v[1] is not None and fp is not None and v[1] <= fp * (1 + 1e-9):
                at_floor[stamp] += 1
        line = (label, va, vb)
        rows.append(line)
        if va[2] != vb[2]:
            changed.append(line)

    def pfmt(p):
        return "n/a" if p is None else f"{p:.2g}"

    def cell(v):
        return f"{v[0]:.2f}x, p = {pfmt(v[1])}, {v[2]}"

    moved = {}
    for _, va, vb in changed:
        moved[(va[2], vb[2])] = moved.get((va[2], vb[2]), 0) + 1
    out = [f"# Time verdicts: run {args.a} against run {args.b}", "",
           f"Generated by `experiments/compare_runs.py {args.a} {args.b} --alpha {args.alpha}`. "
           "A comparison is a variant against its experiment's baseline, or a peer against a "
           "gentask proposal variant, on the same workload and param; its verdict is the "
           f"two-sided U test on the per-repetition samples at alpha = {args.alpha}: the first "
           "cell `faster` or `slower` than the second, or `level`. Ratios are of medians.", "",
           f"- comparisons in both runs: {counts['both']}",
           f"- verdicts that changed: {len(changed)}"
           + ("" if not moved else " (" + ", ".join(f"{a} to {b}: {n}" for (a, b), n
                                                     in sorted(moved.items())) + ")"),
           f"- p at the floor of the test (the smallest p its repetition counts allow): "
           f"{at_floor[args.a]} in run {args.a}, {at_floor[args.b]} in run {args.b}", ""]
    out += ["## Changed verdicts", "", f"| comparison | run {args.a} | run {args.b} |",
            "|---|---|---|"]
    out += [f"| {label} | {cell(va)} | {cell(vb)} |" for label, va, vb in changed]
    out += ["", "## Every comparison", "", f"| comparison | run {args.a} | run {args.b} |",
            "|---|---|---|"]
    out += [f"| {label} | {cell(va)} | {cell(vb)} |" for label, va, vb in rows]
    text = "\n".join(out) + "\n"
    if args.out:
        Path(args.out).write_text(text)
        print(f"wrote {args.out}: {counts['both']} comparisons, {len(changed)} changed verdicts")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
