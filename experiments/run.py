#!/usr/bin/python3
"""Runs gentask's experiments and writes results/<stamp>/ and results/latest/.

Each experiment folder (experiments/NN-name/, and the peers in experiments/peers/*/ and the
machine's floors in experiments/floors/) has a manifest.json naming its binary (Google
Benchmark's command line and JSON: experiments/peers/WORKLOADS.md states the contract), its work
unit (e.g. "future", or one per workload in `unit_by_workload`), its baseline variant if any,
and, for a binary CMake does not build (the Rust peers), a `build` command. The peers' manifests
share the experiment name `peers` (told apart by `id`). A manifest of `"kind": "compile"`
(experiment 10) names a `driver` script instead of a binary: see run_compile_driver. For every
other experiment this script:

  1. runs the binary with repetitions (Google Benchmark, JSON out), and reads per repetition the
     time per iteration and the counters `units` and `allocs_per_unit` (see common/harness.hpp);
  2. runs every case twice under callgrind (`--gentask-measure`, two iteration counts) and takes
     the difference, so start-up costs cancel: instructions per unit, deterministic;
  3. writes summary.csv rows: experiment,workload,variant,param,metric,median,min,max,reps,unit.

Then it writes report.md (provenance, a headline table of gentask against each peer and of each
variant against its baseline, with the Mann-Whitney U test, the floors, one section per
experiment with its targets and budgets, plots), budgets.csv (every manifest's `budgets`: limits
over the rows of the whole run, see "Budgets" below) and refreshes the generated tables in
experiments/*/README.md and papers/*.md (between `<!-- table:... -->` and `<!-- end table -->`).

Usage: run.py --build-dir build/release [NAME...] [--full] [--no-callgrind] [--no-peers]
       run.py --tables-only   (regenerate the tables of READMEs and papers from results/latest)
       run.py --report-only   (rewrite results/latest/report.md from its summary.csv and raw/)
NAME selects experiments by folder name, experiment name ("peers") or number prefix ("01"). A
peer that cannot be built is reported (a clear message, a non-zero exit) and the rest of the
report is still written. Rows of experiments not run
this time are carried over from the previous results/latest/summary.csv, and the report says so.
"""

import argparse
import csv
import datetime
import json
import math
import os
import platform
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPERIMENTS = ROOT / "experiments"
RESULTS = ROOT / "results"
COLUMNS = ["experiment", "workload", "variant", "param", "metric", "median", "min", "max",
           "reps", "unit"]


def log(msg):
    print(f"[experiments] {msg}", flush=True)


# The allocator every measured process runs with (gentask's binaries, the peers, the floors:
# all use glibc's malloc). By default glibc gives the top of its heap back to the kernel when a
# free leaves more than 128 KiB unused there, and raises that threshold only after a large
# mmapped block was freed: so whether a workload that frees a whole batch per iteration pays
# page faults to grow the heap again at every iteration depends on what the process allocated
# before (in a process of its own it does; after other cases that freed large blocks it does
# not: NOTES section 7). "fixed" pins both thresholds, as a process that has run a while
# would have them, so every process measures steady state under the same allocator settings;
# "default" leaves glibc's behaviour as it is (--malloc default).
MALLOC_TUNABLES = {
    "fixed": "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824",
    "default": None,
}
BENCH_ENV = None  # the environment of measured processes, set by main() from --malloc


def bench_env():
    return BENCH_ENV


# ---------------------------------------------------------------------------------------------
# Statistics

def mann_whitney_p(a, b):
    """Two-sided Mann-Whitney U test p-value; None with fewer than 5 samples on a side.

    Exact (enumerating the U distribution, midranks for ties) for small samples, normal
    approximation with tie correction otherwise.
    """
    m, n = len(a), len(b)
    if m < 5 or n < 5:
        return None
    pooled = sorted((v, i) for i, v in enumerate(list(a) + list(b)))
    ranks = [0.0] * (m + n)
    i = 0
    while i < len(pooled):
        j = i
        while j + 1 < len(pooled) and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[pooled[k][1]] = (i + j) / 2 + 1
        i = j + 1
    r1 = sum(ranks[:m])
    u1 = r1 - m * (m + 1) / 2
    u = min(u1, m * n - u1)
    if m + n <= 24:
        # counts[u] = number of rank arrangements giving U = u (no ties)
        counts = _u_distribution(m, n)
        total = math.comb(m + n, m)
        p = 2 * sum(c for k, c in enumerate(counts) if k <= u + 1e-9) / total
        return min(1.0, p)
    mean = m * n / 2
    ties = {}
    for v, _ in pooled:
        ties[v] = ties.get(v, 0) + 1
    tie_term = sum(t ** 3 - t for t in ties.values()) / ((m + n) * (m + n - 1))
    sd = math.sqrt(m * n / 12 * ((m + n + 1) - tie_term))
    if sd == 0:
        return 1.0
    z = (abs(u - mean) - 0.5) / sd
    return min(1.0, math.erfc(z / math.sqrt(2)))


def _u_distribution(m, n):
    # f[i][j][u]: arrangements of i + j items with statistic u
    f = [[None] * (n + 1) for _ in range(m + 1)]
    for i in range(m + 1):
        for j in range(n + 1):
            if i == 0 or j == 0:
                f[i][j] = [1]
                continue
            size = i * j + 1
            row = [0] * size
            a = f[i - 1][j]  # largest item in the first sample: adds j to U
            for k, c in enumerate(a):
                row[k + j] += c
            b = f[i][j - 1]
            for k, c in enumerate(b):
                row[k] += c
            f[i][j] = row
    return f[m][n]


def fmt(v, digits=3):
    if v is None:
        return "n/a"
    if v == 0:
        return "0"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.{digits}g}"


# ---------------------------------------------------------------------------------------------
# Running

def manifest_files():
    """The numbered gentask experiments, then the peers (experiments/peers/*/) and the floors:
    each folder's `manifest.json`, then its `manifest.<id>.json` files (a second binary of the
    same experiment, such as one built with other compile-time switches; its rows merge into the
    experiment of the same name)."""
    folders = [f for f in sorted(EXPERIMENTS.iterdir())
               if f.is_dir() and re.match(r"\d\d-", f.name)]
    peers = EXPERIMENTS / "peers"
    if peers.is_dir():
        folders += [f for f in sorted(peers.iterdir()) if f.is_dir()]
    folders.append(EXPERIMENTS / "floors")
    files = []
    for f in folders:
        if (f / "manifest.json").exists():
            files.append(f / "manifest.json")
            files += sorted(f.glob("manifest.*.json"))
    return files


def load_manifests(selected):
    manifests = []
    for path in manifest_files():
        folder = path.parent
        data = json.loads(path.read_text())
        data["folder"] = folder
        data.setdefault("id", data["name"])
        data.setdefault("baseline", None)
        names = {folder.name, data["name"], data["id"]}
        if selected and not any(s in names or any(n.startswith(s + "-") or
                                                   (s[:2].isdigit() and n.startswith(s))
                                                   for n in names) for s in selected):
            continue
        manifests.append(data)
    return manifests


def unit_of(manifest, workload):
    """The work unit of a workload: the manifest's `unit_by_workload` entry, else its `unit`."""
    return manifest.get("unit_by_workload", {}).get(workload, manifest["unit"])


def prepare_binary(manifest, build_dir):
    """The binary to run: built by CMake into the build directory, or (for the Rust peers) by
    the manifest's own `build` command into the source tree; a `prepare` command runs first and
    the binary is CMake's (experiment 05 builds the Rust servers its binary starts). Raises
    RuntimeError with a message a reader can act on."""
    command = manifest.get("build") or manifest.get("prepare")
    if command:
        cmd = [str(ROOT / command[0])] + command[1:]
        log(f"{manifest['id']}: building ({' '.join(command)})")
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"could not build: {(proc.stderr or proc.stdout).strip()[-800:]}")
    return (ROOT if manifest.get("build") else build_dir) / manifest["binary"]


def split_name(name):
    if name.endswith("/real_time"):  # Google Benchmark's suffix for UseRealTime()
        name = name[: -len("/real_time")]
    parts = name.split("/")
    if len(parts) != 3:
        raise ValueError(f"benchmark name {name!r} is not workload/variant/param")
    check_param(parts[2], name)
    return parts


# Param keys whose values name a choice rather than a size: a peer's API and executor, a
# per-leaf yield policy, what an idle task awaits, the compiler of a compile-time experiment
# (`"kind": "compile"`). Every other value is an integer.
NAMED_PARAM_KEYS = ("api", "await", "compiler", "exec", "yield")


def check_param(param, name):
    """summary.csv's contract for `param`: `key=value` pairs joined by `;`, keys sorted, values
    integers (except the NAMED_PARAM_KEYS). Raises ValueError naming the benchmark."""
    pairs = [kv.split("=", 1) for kv in param.split(";")]
    if any(len(kv) != 2 or not kv[0] or not kv[1] for kv in pairs):
        raise ValueError(f"benchmark {name!r}: param {param!r} is not key=value;key=value")
    keys = [k for k, _ in pairs]
    if keys != sorted(keys) or len(set(keys)) != len(keys):
        raise ValueError(f"benchmark {name!r}: param keys {keys} are not sorted and distinct")
    for k, v in pairs:
        if k not in NAMED_PARAM_KEYS and not re.fullmatch(r"-?\d+", v):
            raise ValueError(f"benchmark {name!r}: param {k}={v} is not an integer")


def regex_escape(text):
    """`text` as a literal in the regular expressions of Google Benchmark's filter (std::regex
    or POSIX) and of the Rust peers' (the regex crate)."""
    return re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", text)


def list_cases(binary, pattern=None):
    """The benchmark names a binary registers (Google Benchmark's `--benchmark_list_tests`),
    restricted to `pattern` (its `--benchmark_filter`)."""
    cmd = [str(binary), "--benchmark_list_tests=true"]
    if pattern:
        cmd.append(f"--benchmark_filter={pattern}")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=bench_env())
    if proc.returncode != 0:
        raise RuntimeError(f"{binary} --benchmark_list_tests failed with exit code "
                           f"{proc.returncode}: {proc.stderr.strip()[-300:]}")
    return [line.strip() for line in proc.stdout.splitlines() if line.strip()]


def plan_jobs(prepared, mode, seed):
    """One job per (binary, case, repetition), in one order shuffled by `seed` across every
    variant and peer, so that drift of the machine during the run hits every side alike."""
    jobs = []
    for manifest, binary, cases in prepared:
        reps = manifest[mode]["repetitions"]
        for case in cases:
            for rep in range(reps):
                jobs.append((manifest, binary, case, rep))
    random.Random(seed).shuffle(jobs)
    return jobs


def run_one_process(manifest, binary, case, mode, out):
    """One repetition of one case in a process of its own: Google Benchmark with one
    repetition, filtered to exactly `case`. Returns the JSON's iteration entry and context."""
    settings = manifest[mode]
    cmd = [str(binary), "--benchmark_repetitions=1",
           f"--benchmark_min_time={settings['min_time']}",
           f"--benchmark_filter=^{regex_escape(case)}$",
           "--benchmark_out_format=json", f"--benchmark_out={out}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=bench_env())
    warnings = [line.strip("* ").strip() for line in (proc.stdout + proc.stderr).splitlines()
                if "WARNING" in line]
    if proc.returncode != 0:
        raise RuntimeError(f"{binary} failed on {case} with exit code {proc.returncode}: "
                           f"{(proc.stderr or proc.stdout).strip()[-300:]}")
    data = json.loads(out.read_text())
    entries = [b for b in data["benchmarks"] if b.get("run_type") == "iteration"]
    if len(entries) != 1 or entries[0]["name"] != case:
        raise RuntimeError(f"{binary}: the filter for {case} ran "
                           f"{[b.get('name') for b in entries]}")
    return entries[0], data.get("context", {}), warnings


def run_interleaved(prepared, raw_dir, mode, seed):
    """Runs every repetition of every case of every prepared binary as its own process, in the
    order `plan_jobs` gives. Returns per manifest id: its samples (as parse_benchmark_json
    gives them), context and warnings, and the failures (a binary that fails loses its
    manifest's samples; the other manifests go on)."""
    jobs = plan_jobs(prepared, mode, seed)
    entries = {m["id"]: [] for m, _, _ in prepared}
    contexts, warnings, failures = {}, [], {}
    scratch = raw_dir / "process.json"
    started = datetime.datetime.now()
    for index, (manifest, binary, case, rep) in enumerate(jobs, 1):
        mid = manifest["id"]
        if mid in failures:
            continue
        try:
            entry, ctx, warn = run_one_process(manifest, binary, case, mode, scratch)
        except (RuntimeError, ValueError, json.JSONDecodeError) as e:
            failures[mid] = str(e)
            log(f"ERROR: {mid}: {e}")
            continue
        if entry.get("error_occurred"):  # SkipWithError: this case fails, the others go on
            failures.setdefault(f"{mid}: {case}", entry.get("error_message", "skipped"))
            continue
        entry["repetition_index"] = rep
        entry["gentask_process_index"] = index
        entries[mid].append(entry)
        contexts.setdefault(mid, ctx)
        warnings += warn
        units = entry.get("units", 1.0)
        scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[entry.get("time_unit", "ns")]
        elapsed = (datetime.datetime.now() - started).total_seconds()
        print(f"    [{index}/{len(jobs)} {elapsed:.0f} s] {mid} {case} rep {rep + 1}: "
              f"{fmt(entry['real_time'] * scale / units)} ns/unit", flush=True)
    scratch.unlink(missing_ok=True)
    results = {}
    for manifest, _, _ in prepared:
        mid = manifest["id"]
        if mid in failures:
            continue
        out = raw_dir / f"{mid}.benchmark.json"
        out.write_text(json.dumps({"context": contexts.get(mid, {}),
                                   "replication": {"unit": "process", "seed": seed},
                                   "benchmarks": entries[mid]}, indent=1))
        samples, context = parse_benchmark_json(out)
        results[mid] = (samples, context)
    return results, warnings, failures


def run_benchmarks(manifest, binary, raw_dir, mode):
    settings = manifest[mode]
    out = raw_dir / f"{manifest['id']}.benchmark.json"
    cmd = [str(binary), f"--benchmark_repetitions={settings['repetitions']}",
           f"--benchmark_min_time={settings['min_time']}",
           "--benchmark_out_format=json", f"--benchmark_out={out}",
           "--benchmark_report_aggregates_only=false"]
    if settings.get("filter"):
        cmd.append(f"--benchmark_filter={settings['filter']}")
    log(f"{manifest['id']}: Google Benchmark, {settings['repetitions']} repetitions, "
        f"min time {settings['min_time']} s per repetition")
    warnings = []
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=bench_env(),
                          text=True) as proc:
        for line in proc.stdout:
            line = line.rstrip()
            if "WARNING" in line:
                warnings.append(line.strip("* ").strip())
            if line and not line.startswith("-"):
                print("    " + line, flush=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{binary} failed with exit code {proc.returncode}")
    samples, context = parse_benchmark_json(out)
    return samples, context, warnings


def parse_benchmark_json(out):
    """Per-repetition samples of a Google Benchmark JSON file, keyed by (workload, variant,
    param), and its context."""
    data = json.loads(out.read_text())
    samples = {}
    for b in data["benchmarks"]:
        if b.get("run_type") != "iteration" or b.get("error_occurred"):
            continue
        workload, variant, param = split_name(b["run_name"])
        scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
        units = b.get("units", 1.0)
        entry = samples.setdefault((workload, variant, param),
                                   {"ns": [], "allocs": [], "extra": {}})
        entry["ns"].append(b["real_time"] * scale / units)
        entry["allocs"].append(b.get("allocs_per_unit", float("nan")))
        for counter, value in b.items():
            if counter.startswith("metric:"):
                _, metric, unit_name = counter.split(":", 2)
                entry["extra"].setdefault((metric, unit_name), []).append(value)
    return samples, data.get("context", {})


def callgrind_total(binary, case, iterations):
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", str(binary),
         f"--gentask-measure={case}", f"--gentask-iterations={iterations}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=bench_env())
    if proc.returncode != 0:
        raise RuntimeError(f"callgrind failed on {case}: {proc.stderr[-500:]}")
    m = re.search(r"Collected : (\d+)", proc.stderr)
    if not m:
        raise RuntimeError(f"no instruction count for {case}")
    return int(m.group(1))


def run_callgrind(manifest, binary, raw_dir, mode):
    if shutil.which("valgrind") is None:
        log("valgrind not found: no instruction counts (./lab experiments installs it)")
        return {}
    listing = subprocess.run([str(binary), "--gentask-list"], capture_output=True, text=True,
                             check=True, env=bench_env()).stdout
    cases = [line.split("\t") for line in listing.splitlines() if line.strip()]
    pattern = manifest[mode].get("filter")
    if pattern:
        cases = [c for c in cases if re.search(pattern, c[0])]
    small, large = manifest["callgrind"]["iterations"]
    reps = manifest["callgrind"].get(f"{mode}_repetitions", 1)
    results = {}
    raw = {}
    for index, (case, units) in enumerate(cases, 1):
        log(f"{manifest['id']}: callgrind {index}/{len(cases)} {case}")
        values = []
        for _ in range(reps):
            lo = callgrind_total(binary, case, small)
            hi = callgrind_total(binary, case, large)
            values.append((hi - lo) / ((large - small) * float(units)))
            raw.setdefault(case, []).append({"iterations": [small, large], "totals": [lo, hi]})
        results[tuple(split_name(case))] = values
    (raw_dir / f"{manifest['id']}.callgrind.json").write_text(json.dumps(raw, indent=1))
    return results


SAMPLE_COLUMNS = ["experiment", "workload", "variant", "param", "metric", "rep", "value",
                  "unit"]


# ---------------------------------------------------------------------------------------------
# Compile-time experiments: a manifest with `"kind": "compile"` names no binary but a `driver`
# script (relative to the repository) that generates translation units, compiles each one
# `--reps` times (a compiler process per repetition, in an order shuffled with `--seed`) and
# writes `--out` as JSON: {"rows": [summary rows], "samples": [samples.csv rows],
# "provenance": {...}}. The manifest's `quick` and `full` give `repetitions` and the driver's
# extra `args`. The driver's rows obey the same contract as a binary's (experiment = the
# manifest's name, workload/variant/param with the param rules above, the summary columns).

def is_compile(manifest):
    return manifest.get("kind") == "compile"


def run_compile_driver(manifest, mode, seed, raw_dir, args_override=None):
    """Runs a compile manifest's driver (with `args_override`, a list, instead of the mode's
    `args` when given); returns (rows, sample rows, the driver's provenance). Raises
    RuntimeError (a driver that fails, or rows that break the contract)."""
    settings = manifest[mode]
    out = raw_dir / f"{manifest['id']}.compile.json"
    driver_args = settings.get("args", []) if args_override is None else args_override
    cmd = [sys.executable, str(ROOT / manifest["driver"]), *driver_args,
           "--reps", str(settings["repetitions"]), "--seed", str(seed), "--out", str(out)]
    log(f"{manifest['id']}: compiling ({settings['repetitions']} repetitions per translation "
        f"unit, driver {manifest['driver']})")
    output = []
    with subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True) as proc:
        for line in proc.stdout:  # the driver's progress, one line per compile
            output.append(line.rstrip())
            print("    " + output[-1], flush=True)
    if proc.returncode != 0 or not out.exists():
        raise RuntimeError(f"compile driver {manifest['driver']} failed with exit code "
                           f"{proc.returncode}: {chr(10).join(output).strip()[-800:]}")
    try:
        data = json.loads(out.read_text())
    except json.JSONDecodeError as e:
        raise RuntimeError(f"compile driver {manifest['driver']}: {out.name} is not JSON: {e}")
    rows, samples = [], []
    for r in data.get("rows", []):
        if set(COLUMNS) - set(r) or r["experiment"] != manifest["name"]:
            raise RuntimeError(f"compile driver {manifest['driver']}: row {r} does not have the "
                               f"summary columns with experiment {manifest['name']!r}")
        try:
            check_param(r["param"], f"{r['workload']}/{r['variant']}/{r['param']}")
        except ValueError as e:
            raise RuntimeError(f"compile driver {manifest['driver']}: {e}")
        rows.append(dict({k: r[k] for k in COLUMNS},
                         **{k: float(r[k]) for k in ("median", "min", "max")},
                         reps=int(r["reps"])))
    for r in data.get("samples", []):
        samples.append({k: r[k] for k in SAMPLE_COLUMNS})
    if not rows:
        raise RuntimeError(f"compile driver {manifest['driver']} gave no rows")
    return rows, samples, data.get("provenance", {})


def summarize(manifest, samples, instructions, sample_rows=None):
    """summary.csv's rows for one manifest; with `sample_rows`, also appends one row per
    repetition (samples.csv: the values the medians, ranges and U tests come from)."""
    rows = []

    def add(key, metric, values, unit_name):
        values = [v for v in values if not (isinstance(v, float) and math.isnan(v))]
        if not values:
            return
        workload, variant, param = key
        rows.append({"experiment": manifest["name"], "workload": workload, "variant": variant,
                     "param": param, "metric": metric, "median": statistics.median(values),
                     "min": min(values), "max": max(values), "reps": len(values),
                     "unit": unit_name})
        if sample_rows is not None:
            for rep, v in enumerate(values):
                sample_rows.append({"experiment": manifest["name"], "workload": workload,
                                    "variant": variant, "param": param, "metric": metric,
                                    "rep": rep, "value": v, "unit": unit_name})

    skip_time = set(manifest.get("untimed_workloads", []))
    for key, s in sorted(samples.items()):
        unit = unit_of(manifest, key[0])
        if key[0] not in skip_time:
            add(key, f"ns_per_{unit}", s["ns"], "ns")
        add(key, f"allocs_per_{unit}", s["allocs"], "allocations")
        for (metric, unit_name), values in sorted(s["extra"].items()):
            add(key, metric, values, unit_name)
    for key, values in sorted(instructions.items()):
        add(key, f"instructions_per_{unit_of(manifest, key[0])}", values, "instructions")
    return rows


def code_size_rows(manifest, build_dir):
    """summary.csv's rows for a manifest's `code_size` entries: each names a variant and the
    object files (relative to the build directory) its translation units compile to; the rows
    are workload `code_size`, param `tus=<number of objects>`, metrics `code_bytes` (the sum of
    the objects' `.text*` sections, as `size -A` gives them: the machine code, each inline
    function and template instantiation once per object) and `object_bytes` (the files' sizes).
    Deterministic: one value, reps 1. Raises RuntimeError for a missing object."""
    rows = []
    for entry in manifest.get("code_size", []):
        code = size = 0
        for rel in entry["objects"]:
            path = build_dir / rel
            if not path.exists():
                raise RuntimeError(f"code_size: {path} was not built")
            out = subprocess.run(["size", "-A", str(path)], capture_output=True, text=True,
                                 check=True).stdout
            for line in out.splitlines():
                parts = line.split()
                if len(parts) >= 2 and parts[0].startswith(".text") and parts[1].isdigit():
                    code += int(parts[1])
            size += path.stat().st_size
        for metric, value, unit_name in (("code_bytes", code, "bytes"),
                                         ("object_bytes", size, "bytes")):
            rows.append({"experiment": manifest["name"], "workload": "code_size",
                         "variant": entry["variant"], "param": f"tus={len(entry['objects'])}",
                         "metric": metric, "median": float(value), "min": float(value),
                         "max": float(value), "reps": 1, "unit": unit_name})
    return rows


# ---------------------------------------------------------------------------------------------
# Provenance

def sh(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, shell=True,
                              cwd=ROOT).stdout.strip()
    except OSError:
        return ""


def tree_state():
    """The commit and the tracked files that differ from it, read when the run starts (the
    measured binaries are built from that tree; documents edited while a long run measures do
    not make its figures come from another tree)."""
    changed = [line for line in sh("git diff --name-only HEAD").splitlines() if line.strip()]
    return {"commit": sh("git rev-parse HEAD"), "changed": changed}


def provenance(build_dir, context, warnings, mode, tree=None):
    cache = {}
    cache_file = build_dir / "CMakeCache.txt"
    if cache_file.exists():
        for line in cache_file.read_text().splitlines():
            m = re.match(r"([A-Za-z_]+):[A-Z]+=(.*)", line)
            if m:
                cache[m.group(1)] = m.group(2)
    cxx = cache.get("CMAKE_CXX_COMPILER", "c++")
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    tree = tree or tree_state()
    return {
        "commit": tree["commit"] + (" (with uncommitted changes)" if tree["changed"] else ""),
        "uncommitted_changes": tree["changed"],
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": mode,
        "compiler": sh(f"{cxx} --version | head -1"),
        "flags": (cache.get("CMAKE_CXX_FLAGS", "") + " " +
                  cache.get("CMAKE_CXX_FLAGS_RELEASE", "")).strip() + " -std=c++20",
        "cpu": cpu,
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "google_benchmark": sh("dpkg-query -W -f='${Version}' libbenchmark-dev"),
        "google_benchmark_build_type": context.get("library_build_type", "unknown"),
        "benchmark_warnings": sorted(set(warnings)),
        "valgrind": sh("valgrind --version"),
    }


# ---------------------------------------------------------------------------------------------
# Report

def index_rows(rows):
    table = {}
    for r in rows:
        table[(r["experiment"], r["workload"], r["param"], r["variant"], r["metric"])] = r
    return table


def param_sort_key(param):
    nums = re.findall(r"[-\d.]+", param)
    return [float(x) for x in nums if x not in ("-", ".")] or [0.0]


def ratio_cell(a, b):
    """Ratio of medians, with the range spanned by the extreme samples."""
    if a is None or b is None or not b["median"]:
        return "n/a"
    ratio = a["median"] / b["median"]
    lo, hi = (a["min"] / b["max"], a["max"] / b["min"]) if b["min"] > 0 else (ratio, ratio)
    if f"{lo:.2f}" != f"{hi:.2f}":
        return f"{ratio:.2f}x [{lo:.2f}-{hi:.2f}]"
    return f"{ratio:.2f}x"


def experiment_section(manifest, rows, samples, plots_dir, report_dir, manifests=()):
    name = manifest["name"]
    baseline = manifest["baseline"]
    lines = [f"## {name}: {manifest['title']}", ""]
    readme = manifest["folder"] / "README.md"
    question = ""
    if readme.exists():
        m = re.search(r"## Question\s+(.+?)\n\n", readme.read_text(), re.S)
        if m:
            question = " ".join(m.group(1).split())
    if question:
        lines += [f"*Question.* {question}", ""]
    if is_compile(manifest):
        lines += [f"*Compile time.* Generated translation units compiled by "
                  f"`{manifest['driver']}`: each repetition is one compiler process, all of "
                  "them in one order shuffled with the run's seed; `compile_s` is the wall "
                  "time, `compile_cpu_s` the compiler's user + system time, "
                  "`compiler_peak_rss_kb` its peak resident set (GNU time), `object_bytes` the "
                  "object file's size; the param names the compiler.", ""]
    exp_rows = [r for r in rows if r["experiment"] == name]
    table = index_rows(exp_rows)
    workloads = sorted({r["workload"] for r in exp_rows})
    if not workloads:
        lines += ["No results in this run (see *Peers and failures* below).", ""]
    variants = sorted({r["variant"] for r in exp_rows}, key=lambda v: (v == baseline, v))
    for workload in workloads:
        unit = unit_of(manifest, workload)
        params = sorted({r["param"] for r in exp_rows if r["workload"] == workload},
                        key=lambda p: (param_sort_key(p), p))
        lines += [f"### {workload}", ""]
        has_core = any(r["workload"] == workload and r["metric"] in
                       (f"ns_per_{unit}", f"instructions_per_{unit}") for r in exp_rows)
        if has_core:
            lines += [f"| param | variant | ns/{unit} median [min-max] | instructions/{unit} | "
                      f"allocs/{unit} | time vs {baseline or '-'} | U-test p | "
                      f"instructions vs {baseline or '-'} |",
                      "|---|---|---|---|---|---|---|---|"]
        for param in params if has_core else []:
            for variant in variants:
                ns = table.get((name, workload, param, variant, f"ns_per_{unit}"))
                ins = table.get((name, workload, param, variant, f"instructions_per_{unit}"))
                al = table.get((name, workload, param, variant, f"allocs_per_{unit}"))
                if not (ns or ins):
                    continue
                base_ns = table.get((name, workload, param, baseline, f"ns_per_{unit}"))
                base_ins = table.get((name, workload, param, baseline, f"instructions_per_{unit}"))
                if baseline is None:
                    time_ratio, p_text, ins_ratio = "", "", ""
                elif variant == baseline:
                    time_ratio, p_text, ins_ratio = "1 (baseline)", "", "1 (baseline)"
                else:
                    time_ratio = ratio_cell(ns, base_ns)
                    p = None
                    key = (workload, variant, param)
                    base_key = (workload, baseline, param)
                    if key in samples and base_key in samples:
                        p = mann_whitney_p(samples[key]["ns"], samples[base_key]["ns"])
                    p_text = "n/a (fewer than 5 reps)" if p is None else f"{p:.3g}"
                    ins_ratio = ratio_cell(ins, base_ins)
                ns_text = (f"{fmt(ns['median'])} [{fmt(ns['min'])}-{fmt(ns['max'])}] "
                           f"(n={ns['reps']})" if ns else "n/a")
                lines.append(f"| {param} | {variant} | {ns_text} | "
                             f"{fmt(ins['median']) if ins else 'n/a'} | "
                             f"{fmt(al['median']) if al else 'n/a'} | {time_ratio} | {p_text} | "
                             f"{ins_ratio} |")
        if has_core:
            lines.append("")
        standard = {f"ns_per_{unit}", f"instructions_per_{unit}", f"allocs_per_{unit}"}
        extra = [r for r in exp_rows if r["workload"] == workload and r["metric"] not in standard]
        if extra:
            lines += ["| param | variant | metric | median [min-max] (n) | unit |",
                      "|---|---|---|---|---|"]
            for r in sorted(extra, key=lambda r: (param_sort_key(r["param"]), r["variant"],
                                                  r["metric"])):
                lines.append(f"| {r['param']} | {r['variant']} | {r['metric']} | "
                             f"{fmt(r['median'])} [{fmt(r['min'])}-{fmt(r['max'])}] "
                             f"({r['reps']}) | {r['unit']} |")
            lines.append("")
        extra = gentask_series(manifests, rows, workload, unit) if name == "peers" else None
        for plot in make_plots(name, workload, unit, exp_rows, variants, params, plots_dir,
                               extra, manifest.get("plot_metrics")):
            lines += [f"![{workload}]({plot.relative_to(report_dir)})", ""]
    targets = manifest.get("targets", [])
    if targets:
        lines += ["### Targets", "", "| target | measured | met |", "|---|---|---|"]
        for t in targets:
            lines += target_lines(name, t, table, exp_rows)
        lines.append("")
    if manifest.get("budgets"):
        lines += budget_section(evaluate_budgets(manifest["budgets"], rows, name))
    return lines


def target_lines(name, target, table, exp_rows):
    out = []
    metric = target["metric"]
    workloads = target.get("workloads")  # optional: the target holds only on these workloads
    param_match = target.get("param_match")  # optional: ... and on params this regex finds
    for r in sorted((r for r in exp_rows if r["variant"] == target["variant"] and
                     r["metric"] == metric and (not workloads or r["workload"] in workloads)
                     and (not param_match or re.search(param_match, r["param"]))),
                    key=lambda r: (r["workload"], param_sort_key(r["param"]))):
        where = f"{r['workload']} {r['param']}"
        if "max_ratio" in target:
            base = table.get((name, r["workload"], r["param"], target["against"], metric))
            if not base or not base["median"]:
                continue
            ratio = r["median"] / base["median"]
            ok = ratio <= target["max_ratio"]
            out.append(f"| {target['variant']} {metric} <= {target['max_ratio']}x "
                       f"{target['against']} ({where}) | {ratio:.3f}x | {'yes' if ok else 'NO'} |")
        elif "max_value" in target:
            ok = r["max"] <= target["max_value"]
            out.append(f"| {target['variant']} {metric} <= {target['max_value']} ({where}) | "
                       f"{fmt(r['max'])} (max) | {'yes' if ok else 'NO'} |")
    return out


# ---------------------------------------------------------------------------------------------
# Budgets: limits over the rows of the whole run (every experiment, the peers, the floors), where
# `targets` compare the rows of one experiment. A manifest's `budgets` list holds entries
#
#   {"label": "...", "row": SPEC, "max_value": X}                   the row's median <= X
#   {"label": "...", "row": SPEC, "against": [SPEC, ...], "max_ratio": R}
#                         the row's median / the smallest median of the `against` rows <= R
#   {"label": "...", "row": SPEC, "against": [SPEC, ...]}           the ratio, shown for reference
#
# with SPEC = {"experiment", "workload", "variant", "param", "metric"} naming one summary row
# exactly, and optionally "time_against": [SPEC, ...] (the rows the time is compared with;
# by default the `against` row that gave the denominator), "stat": "median" (the default),
# "min" or "max" (the row's statistic a `max_value` is checked on), and "note". Beside each
# budget the report shows the time: for an instruction metric `instructions_per_<unit>`, the
# `ns_per_<unit>` medians of the same rows and their ratio with its [min-max] spread; for a
# metric that is a time (`ns_per_<unit>`, `..._ns`), the same rows'. A row the run does not hold
# reads "not measured"; the budgets are also written to budgets.csv beside summary.csv.

BUDGET_KEYS = ("experiment", "workload", "variant", "param", "metric")
BUDGET_COLUMNS = ["label", "measured", "budget", "met", "margin", "manifest", "kind", "numerator",
                  "denominator", "against", "time_ratio", "time_ratio_min", "time_ratio_max",
                  "note"]


def row_name(spec, metric=True):
    """A row spec as `experiment/workload/variant/param[ metric]`."""
    name = "/".join(str(spec.get(k, "?")) for k in BUDGET_KEYS[:4])
    return f"{name} {spec.get('metric', '?')}" if metric else name


def time_metric_of(metric):
    """The time metric shown beside a budget on `metric`: `ns_per_<unit>` for an instruction
    count per unit, the metric itself when it is a time, else None."""
    if metric.startswith("instructions_per_"):
        return "ns_per_" + metric[len("instructions_per_"):]
    if metric.startswith("ns_per_") or metric.endswith("_ns"):
        return metric
    return None


def evaluate_budget(budget, table, manifest_name=""):
    """One budget against the rows of a run (`table`: index_rows of every row). Returns a dict:
    label, kind (`value`, `ratio` or `reference`), met (`yes`, `no`, `not measured`, `n/a` for
    a reference ratio, `invalid`), measured, limit, margin (measured / limit), numerator and
    denominator (ratios), against (the `against` row that gave the denominator), missing (the
    specs the run does not hold), time (None or a dict: the time rows and their ratio), note."""
    out = {"label": budget.get("label", "?"), "manifest": manifest_name, "kind": None,
           "met": "not measured", "measured": None, "limit": None, "margin": None,
           "numerator": None, "denominator": None, "against": None, "missing": [],
           "time": None, "note": budget.get("note", ""), "error": None}
    specs = [budget.get("row")] + list(budget.get("against", [])) + \
        list(budget.get("time_against", []))
    bad = [s for s in specs if not isinstance(s, dict) or any(k not in s for k in BUDGET_KEYS)]
    if bad or ("max_value" in budget and "against" in budget) or \
            ("max_value" not in budget and not budget.get("against")) or \
            budget.get("stat", "median") not in ("median", "min", "max"):
        out["met"] = "invalid"
        out["error"] = ("a row spec lacks one of " + ", ".join(BUDGET_KEYS) if bad else
                        "`stat` is median, min or max"
                        if budget.get("stat", "median") not in ("median", "min", "max") else
                        "give `max_value`, or `against` (with `max_ratio` for a limit)")
        return out

    def lookup(spec, metric=None):
        return table.get((spec["experiment"], spec["workload"], spec["param"], spec["variant"],
                          metric or spec["metric"]))

    row = lookup(budget["row"])
    if row is None:
        out["missing"].append(row_name(budget["row"]))
    if "max_value" in budget:
        out["kind"] = "value"
        out["limit"] = float(budget["max_value"])
        chosen = None
        if row is not None:
            out["measured"] = float(row[budget.get("stat", "median")])
    else:
        out["kind"] = "ratio" if "max_ratio" in budget else "reference"
        out["limit"] = float(budget["max_ratio"]) if "max_ratio" in budget else None
        present = []
        for spec in budget["against"]:
            r = lookup(spec)
            if r is None:
                out["missing"].append(row_name(spec))
            elif not r["median"]:
                out["missing"].append(row_name(spec) + " (median 0: not a denominator)")
            else:
                present.append((r["median"], spec, r))
        chosen = min(present, key=lambda c: c[0]) if present else None
        if chosen:
            out["denominator"] = chosen[0]
            out["against"] = row_name(chosen[1], metric=chosen[1]["metric"] !=
                                      budget["row"]["metric"])
        if row is not None:
            out["numerator"] = row["median"]
        if row is not None and chosen:
            out["measured"] = row["median"] / chosen[0]
    if out["measured"] is not None:
        if out["limit"] is None:
            out["met"] = "n/a"
        else:
            out["met"] = "yes" if out["measured"] <= out["limit"] else "no"
            if out["limit"]:
                out["margin"] = out["measured"] / out["limit"]

    # The time beside it: the same rows' time metric.
    t_metric = time_metric_of(budget["row"]["metric"])
    t_row = lookup(budget["row"], t_metric) if t_metric and row is not None else None
    if t_row is not None:
        t_base, t_spec = None, None
        if budget.get("time_against"):
            cands = [(lookup(s), s) for s in budget["time_against"]]
            cands = [(r, s) for r, s in cands if r is not None and r["median"]]
            if cands:
                t_base, t_spec = min(cands, key=lambda c: c[0]["median"])
        elif chosen:
            m = time_metric_of(chosen[1]["metric"])
            t_base = lookup(chosen[1], m) if m else None
            t_spec = dict(chosen[1], metric=m)
        time = {"row": t_row, "base": t_base, "ratio": None, "lo": None, "hi": None,
                "against": row_name(t_spec) if t_spec else None,
                "explicit": bool(budget.get("time_against"))}
        if t_base is not None and t_base["median"]:
            time["ratio"] = t_row["median"] / t_base["median"]
            time["lo"], time["hi"] = ((t_row["min"] / t_base["max"], t_row["max"] / t_base["min"])
                                      if t_base["min"] > 0 else (time["ratio"], time["ratio"]))
        out["time"] = time
    return out


def evaluate_budgets(budgets, rows, manifest_name=""):
    """Every budget of a list over every row of the run."""
    table = index_rows(rows)
    return [evaluate_budget(b, table, manifest_name) for b in budgets]


def budget_section(evaluated):
    """The report's *Budgets* table of one manifest's evaluated budgets, then (where there are
    any) the ratios it shows for reference, without a limit, in a table of their own."""
    limits = [e for e in evaluated if e["kind"] != "reference"]
    references = [e for e in evaluated if e["kind"] == "reference"]
    head = "| label | measured | budget | met | margin | time: median [min-max], ratio |"
    lines = []
    if limits:
        lines += ["### Budgets", "",
                  "Limits over the rows of the whole run (every experiment, the peers and the "
                  "floors; the manifest's `budgets`). A ratio's denominator is the smallest "
                  "median of its `against` rows, named in the cell. Margin: measured / budget. "
                  "Time: the same rows' time per unit (median [min-max]) and its ratio, with the "
                  "range spanned by the extreme samples.", "", head, "|---|---|---|---|---|---|"]
        lines += ["| " + " | ".join(budget_cells(e)) + " |" for e in limits] + [""]
    if references:
        lines += ["### Ratios for reference", "",
                  "Ratios without a limit (the manifest's `budgets` entries that give no "
                  "`max_ratio`): a row over the smallest median of its `against` rows, and the "
                  "same rows' times.", "",
                  "| label | measured | time: median [min-max], ratio |", "|---|---|---|"]
        for e in references:
            cells = budget_cells(e)
            lines.append(f"| {cells[0]} | {cells[1]} | {cells[5]} |")
        lines.append("")
    notes = [f"- {e['label']}: {e['note']}" for e in evaluated if e["note"]]
    if notes:
        lines += notes + [""]
    return lines


def budget_cells(e):
    """One evaluated budget as the cells of the report's table: label, measured, budget, met,
    margin, time."""
    if e["met"] == "invalid":
        return [e["label"], f"invalid budget: {e['error']}", "", "invalid", "", ""]
    if e["measured"] is None:
        measured = "not measured (" + "; ".join(f"`{m}`" for m in e["missing"]) + ")"
    elif e["kind"] == "value":
        measured = fmt(e["measured"])
    else:
        measured = (f"{e['measured']:.3f}x ({fmt(e['numerator'])} / {fmt(e['denominator'])}, "
                    f"against `{e['against']}`)")
        if e["missing"]:  # against rows the run does not hold (the others decided)
            measured += "; not measured: " + "; ".join(f"`{m}`" for m in e["missing"])
    if e["kind"] == "value":
        limit = f"<= {fmt(e['limit'])}"
    elif e["limit"] is not None:
        limit = f"<= {e['limit']:.3g}x"
    else:
        limit = "none (reference)"
    if e["margin"] is not None:
        over = e["margin"] - 1
        margin = (f"{e['margin']:.2f}x ({'over' if over > 0 else 'under'} by "
                  f"{abs(over) * 100:.0f}%)" if abs(over) >= 0.005 else
                  f"{e['margin']:.2f}x (at the limit)")
    elif e["measured"] is not None and e["limit"] == 0:
        margin = "at the limit" if e["measured"] == 0 else f"over by {fmt(e['measured'])}"
    else:
        margin = ""
    time = ""
    t = e["time"]
    if t:
        r = t["row"]
        time = f"{fmt(r['median'])} [{fmt(r['min'])}-{fmt(r['max'])}] {r['unit']}"
        if t["base"] is not None:
            b = t["base"]
            time += (f" / {fmt(b['median'])} [{fmt(b['min'])}-{fmt(b['max'])}] = "
                     f"{ratio_cell(r, b)}")
            if t["explicit"]:
                time += f" (against `{t['against']}`)"
    return [e["label"], measured, limit, e["met"], margin, time]


def budget_csv_rows(evaluated):
    """budgets.csv's rows (BUDGET_COLUMNS): numbers with six significant digits, empty where
    there is none."""
    def num(v):
        return "" if v is None else f"{v:.6g}"
    out = []
    for e in evaluated:
        t = e["time"] or {}
        out.append({"label": e["label"], "measured": num(e["measured"]),
                    "budget": num(e["limit"]), "met": e["met"], "margin": num(e["margin"]),
                    "manifest": e["manifest"], "kind": e["kind"] or "",
                    "numerator": num(e["numerator"]), "denominator": num(e["denominator"]),
                    "against": e["against"] or "", "time_ratio": num(t.get("ratio")),
                    "time_ratio_min": num(t.get("lo")), "time_ratio_max": num(t.get("hi")),
                    "note": e["note"] or e["error"] or ""})
    return out


def write_budgets(path, manifests, rows):
    """budgets.csv: every manifest's budgets evaluated over the run's rows (written even when
    the manifest's own experiment did not run: the rows they name may be others')."""
    evaluated = []
    for m in merge_by_name(manifests):
        evaluated += evaluate_budgets(m.get("budgets", []), rows, m["name"])
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=BUDGET_COLUMNS)
        w.writeheader()
        for r in budget_csv_rows(evaluated):
            w.writerow(r)
    return evaluated


def gentask_series(manifests, rows, workload, unit):
    """gentask's side of a peer workload, for the peers' plots: each proposal variant (the
    manifests' `proposals`) and the best of all variants at each size (an envelope whose points
    are labelled with the variant that gives them), for the time and the instruction metric."""
    proposals = {m["name"]: set(m.get("proposals", [])) for m in manifests}
    series = {}
    for metric in (f"ns_per_{unit}", f"instructions_per_{unit}"):
        ours = [r for r in rows if r["workload"] == workload and r["metric"] == metric
                and r["experiment"] not in ("peers", "floors")]
        for r in ours:
            if r["variant"] in proposals.get(r["experiment"], set()):
                label = f"gentask {r['variant']} (proposal)"
                series.setdefault((metric, label), {})[r["param"]] = (r, None)
        best = {}
        for r in ours:
            if r["param"] not in best or r["median"] < best[r["param"]]["median"]:
                best[r["param"]] = r
        if best:
            series[(metric, "gentask best of all variants")] = {
                p: (r, r["variant"]) for p, r in best.items()}
    return series


def make_plots(name, workload, unit, exp_rows, variants, params, plots_dir, extra=None,
               metrics=None):
    """Cost against size, one line per variant (and per named param such as a peer's `api=`),
    with min-max bars; `extra` adds gentask's series on the same axes (the peers' plots).
    `metrics`: the metrics plotted (default: instructions and time per unit)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    if len(params) < 2:
        return []
    parsed = {p: dict(kv.split("=", 1) for kv in p.split(";") if "=" in kv) for p in params}
    def numeric(v):
        try:
            float(v)
            return True
        except ValueError:
            return False
    # The x axis: the numeric key with the most distinct values (a key such as `yield=none`
    # names a series instead).
    keys = sorted(k for k in {k for d in parsed.values() for k in d}
                  if all(numeric(d[k]) for d in parsed.values() if k in d))
    if not keys:
        return []
    x_key = max(keys, key=lambda k: len({d[k] for d in parsed.values() if k in d}))
    made = []
    for metric in metrics or (f"instructions_per_{unit}", f"ns_per_{unit}"):
        fig, ax = plt.subplots(figsize=(9, 4.2))
        drew = False
        for variant in variants:
            series = {}
            for p in params:
                d = parsed[p]
                if x_key not in d:
                    continue
                r = next((r for r in exp_rows if r["workload"] == workload and r["param"] == p
                          and r["variant"] == variant and r["metric"] == metric), None)
                if r:
                    rest = ";".join(f"{k}={v}" for k, v in sorted(d.items()) if k != x_key)
                    series.setdefault(rest, []).append(
                        (float(d[x_key]), r["median"], r["min"], r["max"]))
            for rest, pts in sorted(series.items()):
                if len(pts) < 2:
                    continue
                pts.sort()
                drew = True
                ax.errorbar([q[0] for q in pts], [q[1] for q in pts],
                            yerr=[[q[1] - q[2] for q in pts], [q[3] - q[1] for q in pts]],
                            marker="o", capsize=3,
                            label=variant + (f" ({rest})" if rest else ""))
        ours_drawn = False
        for (m, label), points in sorted((extra or {}).items()):
            if m != metric:
                continue
            pts = []
            for p, (r, who) in points.items():
                d = dict(kv.split("=", 1) for kv in p.split(";") if "=" in kv)
                if x_key in d and numeric(d[x_key]):
                    pts.append((float(d[x_key]), r["median"], r["min"], r["max"], who))
            if len(pts) < 2:
                continue
            pts.sort()
            envelope = any(q[4] for q in pts)
            ax.errorbar([q[0] for q in pts], [q[1] for q in pts],
                        yerr=[[q[1] - q[2] for q in pts], [q[3] - q[1] for q in pts]],
                        marker="s" if not envelope else "D", capsize=3, linewidth=2.2,
                        linestyle="--" if envelope else "-", color="black" if envelope else None,
                        label=label)
            if envelope:
                for q in pts:
                    ax.annotate(q[4], (q[0], q[1]), textcoords="offset points", xytext=(4, 4),
                                fontsize=6)
            ours_drawn = True
        if not drew and not ours_drawn:
            plt.close(fig)
            continue
        ax.set_xscale("log", base=2)
        ax.set_xlabel(x_key)
        ax.set_ylabel(metric.replace("_", " "))
        ax.set_title(f"{name}: {workload}" + (" (gentask: squares = proposal, dashed = best of "
                                              "all its variants)" if ours_drawn else ""),
                     fontsize=8)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
        fig.tight_layout()
        path = plots_dir / f"{name}__{workload}__{metric}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        made.append(path)
    return made


def headline(manifests, rows, samples_by_exp, plots_dir=None, report_dir=None):
    lines = ["## Headline", ""] + peer_headline(manifests, rows, samples_by_exp, plots_dir,
                                                report_dir) + [
             "Each gentask variant against its experiment's baseline, per workload and size: "
             "ratio of medians (instructions are deterministic; time is median over "
             "repetitions).", "",
             "| experiment | workload | param | variant | vs | instructions ratio | time ratio |",
             "|---|---|---|---|---|---|---|"]
    table = index_rows(rows)
    for m in manifests:
        name, base = m["name"], m["baseline"]
        if base is None:
            continue
        for r in sorted((r for r in rows if r["experiment"] == name and r["variant"] != base and
                         r["metric"] == f"instructions_per_{unit_of(m, r['workload'])}"),
                        key=lambda r: (r["workload"], param_sort_key(r["param"]))):
            unit = unit_of(m, r["workload"])
            b = table.get((name, r["workload"], r["param"], base, r["metric"]))
            tn = table.get((name, r["workload"], r["param"], r["variant"], f"ns_per_{unit}"))
            tb = table.get((name, r["workload"], r["param"], base, f"ns_per_{unit}"))
            lines.append(f"| {name} | {r['workload']} | {r['param']} | {r['variant']} | {base} | "
                         f"{ratio_cell(r, b)} | {ratio_cell(tn, tb)} |")
    lines.append("")
    return lines


def strip_api(param):
    """A peer's param without its `api=` and `exec=` keys: the workload's own parameters."""
    return ";".join(kv for kv in param.split(";") if not kv.startswith(("api=", "exec=")))


# What a peer row is compared on: the timed metric, except where the timed figure is the pacing
# of the workload (wake_from_idle: compare the latency percentiles instead), and idle memory.
PEER_METRICS = ("latency_p50_ns", "latency_p99_ns", "bytes_per_idle_task")  # in the table
PACED_WORKLOADS = ("wake_from_idle", "post_to_run")
# A peer may report a metric under a more specific name that matches gentask's measurement
# (tokio's counting allocator counts requested bytes; glibc's mallinfo2 figure matches ours).
PEER_METRIC_ALIASES = {"bytes_per_idle_task": "malloc_bytes_per_idle_task"}


def compared(r):
    if r["metric"].startswith("ns_per_"):
        return r["workload"] not in PACED_WORKLOADS
    return r["metric"] in PEER_METRICS


def peer_headline(manifests, rows, samples_by_exp, plots_dir=None, report_dir=None):
    """For each workload both gentask and a peer ran: gentask's proposal (its best variant among
    the manifests' `proposals`), gentask's best variant of all (baselines included), each peer,
    the ratios peer / gentask with their spread, and the U test on the times."""
    proposals = {m["name"]: set(m.get("proposals", [])) for m in manifests}
    peer_rows = [r for r in rows if r["experiment"] == "peers" and compared(r)
                 and r["metric"] not in PEER_METRIC_ALIASES.values()]
    if not peer_rows:
        return []
    table = index_rows(rows)
    ours = [r for r in rows if r["experiment"] not in ("peers", "floors") and compared(r)]
    ns_samples = {}
    latency_samples = {}
    for m in manifests:
        for (w, v, p), smp in samples_by_exp.get(m["id"], {}).items():
            ns_samples[(m["name"], w, v, p)] = smp["ns"]
            for (metric, _), values in smp["extra"].items():
                if metric.startswith("latency_"):
                    latency_samples[(m["name"], w, v, p, metric)] = values

    def cell(r):
        return f"{fmt(r['median'])} [{fmt(r['min'])}-{fmt(r['max'])}]"

    out = ["### gentask against the peers", "",
           "Same workload and parameters, same run: time per unit (or, for `wake_from_idle`, "
           "the latency percentiles; for `idle_memory`, heap bytes per idle task), median "
           "[min-max] over the repetitions. *gentask* is the proposal's best variant "
           "(`proposals` in each manifest); *best* is gentask's best variant of all, "
           "baselines included. Ratios are peer / gentask: above 1, gentask is faster or "
           "smaller. U test on the per-repetition times, or on the per-repetition percentiles for latencies (n/a for memory, which does not vary). `api=` and "
           "`exec=` name the peer's API and executor. *floor* is the primitive the workload "
           "cannot do without, measured in the same run (experiments/floors; one indirect "
           "call per poll, a malloc/free pair where a runtime boxes its tasks, an atomic "
           "RMW per cross-thread push, an eventfd wake of a blocked thread), with gentask's "
           "figure as a multiple of it.", "",
           "| workload | param | metric | gentask | best (all variants) | peer | peer figure | "
           "peer / gentask | U-test p | peer / best | instructions: peer / gentask | "
           "floor: median, gentask / floor | crosses a thread-safety difference |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    crossing = {}  # note -> the headline rows it marks
    floor_of = next((m.get("floor_of_workload", {}) for m in manifests
                     if m["name"] == "floors"), {})
    floor_rows = [r for r in rows if r["experiment"] == "floors"]

    def floor_cell(workload, metric, mine):
        """The primitives `workload` cannot do without (the floors manifest's
        `floor_of_workload`), each with its median and gentask's multiple of it."""
        cells = []
        for name in floor_of.get(workload, []):
            f = next((r for r in floor_rows if r["workload"] == name and
                      (r["metric"] == metric if metric.startswith("latency_")
                       else r["metric"].startswith("ns_per_"))), None)
            if f and f["median"]:
                cells.append(f"{name} {fmt(f['median'])}" +
                             (f", {mine['median'] / f['median']:.1f}x" if mine else ""))
        return "; ".join(cells) or "n/a"

    bars = {}
    for pr in sorted(peer_rows, key=lambda r: (r["workload"], param_sort_key(r["param"]),
                                                r["metric"], r["variant"], r["param"])):
        base_param = strip_api(pr["param"])
        cands = [r for r in ours if r["workload"] == pr["workload"] and r["param"] == base_param
                 and r["metric"] == pr["metric"]]
        if not cands:
            continue
        alias = PEER_METRIC_ALIASES.get(pr["metric"])
        peer = table.get((pr["experiment"], pr["workload"], pr["param"], pr["variant"], alias)) \
            if alias else None
        peer = peer or pr
        prop = [r for r in cands if r["variant"] in proposals.get(r["experiment"], set())]
        mine = min(prop, key=lambda r: r["median"]) if prop else None
        best = min(cands, key=lambda r: r["median"])
        p_text = "n/a"
        if mine and pr["metric"].startswith("ns_per_"):
            a = ns_samples.get((pr["experiment"], pr["workload"], pr["variant"], pr["param"]))
            b = ns_samples.get((mine["experiment"], mine["workload"], mine["variant"],
                                mine["param"]))
            p = mann_whitney_p(a, b) if a and b else None
            p_text = "n/a (fewer than 5 reps)" if p is None else f"{p:.3g}"
        elif mine and pr["metric"].startswith("latency_"):
            a = latency_samples.get((pr["experiment"], pr["workload"], pr["variant"],
                                     pr["param"], pr["metric"]))
            b = latency_samples.get((mine["experiment"], mine["workload"], mine["variant"],
                                     mine["param"], pr["metric"]))
            p = mann_whitney_p(a, b) if a and b else None
            p_text = "n/a (fewer than 5 reps)" if p is None else f"{p:.3g}"
        label = pr["variant"] + (f" ({';'.join(kv for kv in pr['param'].split(';') if kv.startswith(('api=', 'exec=')))})"
                                 if pr["param"] != base_param else "")
        metric_name = peer["metric"] if peer is not pr else pr["metric"]
        ins_text = "n/a"
        if mine and pr["metric"].startswith("ns_per_"):
            ins_metric = "instructions_per_" + pr["metric"][len("ns_per_"):]
            pi = table.get((pr["experiment"], pr["workload"], pr["param"], pr["variant"],
                            ins_metric))
            mi = table.get((mine["experiment"], mine["workload"], mine["param"], mine["variant"],
                            ins_metric))
            if pi and mi:
                ins_text = f"{fmt(pi['median'])} / {fmt(mi['median'])} = {ratio_cell(pi, mi)}"
        out.append(f"| {pr['workload']} | {base_param} | {metric_name} | "
                   f"{(mine['variant'] + ' ' + cell(mine)) if mine else 'n/a'} | "
                   f"{best['variant']} ({best['experiment'][:2]}) {cell(best)} | {label} | "
                   f"{cell(peer)} | {ratio_cell(peer, mine) if mine else 'n/a'} | {p_text} | "
                   f"{ratio_cell(peer, best)} | {ins_text} | "
                   f"{floor_cell(pr['workload'], pr['metric'], mine)} | "
                   f"{thread_safety_cell(manifests, pr, crossing)} |")
        if mine and mine["median"]:
            ratio = peer["median"] / mine["median"]
            lo, hi = ((peer["min"] / mine["max"], peer["max"] / mine["min"])
                      if mine["min"] > 0 else (ratio, ratio))
            ins_ratio = None
            if pr["metric"].startswith("ns_per_"):
                ins_metric = "instructions_per_" + pr["metric"][len("ns_per_"):]
                pi = table.get((pr["experiment"], pr["workload"], pr["param"], pr["variant"],
                                ins_metric))
                mi = table.get((mine["experiment"], mine["workload"], mine["param"],
                                mine["variant"], ins_metric))
                if pi and mi and mi["median"]:
                    ins_ratio = pi["median"] / mi["median"]
            bars.setdefault(label, []).append(
                (f"{pr['workload']} {base_param}" + ("" if pr["metric"].startswith("ns_per_")
                                                     else f" {pr['metric']}"),
                 ratio, lo, hi, ins_ratio))
    if crossing:
        out += ["", "Rows marked *yes* compare across a thread-safety difference: gentask's "
                "local task state, wake handles and channels belong to one reactor thread and "
                "use no atomic instruction, where the peer's side of the same workload does "
                "thread-safe work (crossing threads in gentask takes a `remote_waking_task` or "
                "the remote handle, measured in `cross_thread_spawn` and `wake_from_idle`). "
                "How much of each lead that difference explains is the ablation of the "
                "task-life issue (issue 17); until it lands, the claims ledger "
                "(papers/README.md) marks it pending. What the peer does thread-safely:", ""]
        for note, marked in sorted(crossing.items()):
            out.append(f"- {note} ({', '.join(sorted(set(marked)))})")
    out += side_by_side(manifests, rows, peer_rows)
    # A floor measured as a latency (a paced wake) is shown by its percentiles only.
    paced = {r["workload"] for r in rows if r["experiment"] == "floors" and
             "latency" in r["metric"]}
    floors = [r for r in rows if r["experiment"] == "floors" and
              ("latency" in r["metric"] or
               (r["metric"].startswith("ns_per_") and r["workload"] not in paced))]
    if floors:
        out += ["", "The machine's floors, same run:", "", "| floor | param | metric | median "
                "[min-max] |", "|---|---|---|---|"]
        for r in sorted(floors, key=lambda r: (r["workload"], r["metric"])):
            out.append(f"| {r['workload']} | {r['param']} | {r['metric']} | {cell(r)} |")
    out.append("")
    if plots_dir is not None and bars:
        plot = peer_ratio_plot(bars, plots_dir)
        if plot:
            out += [f"![peer / gentask]({plot.relative_to(report_dir)})", ""]
    if plots_dir is not None:
        plot = latency_plot(rows, plots_dir)
        if plot:
            out += ["Wake-from-idle latency distributions (nearest-rank percentiles of each "
                    "repetition's samples; the line is the median over repetitions, the bars "
                    "span min-max), with the floor of an eventfd wake of a blocked thread:", "",
                    f"![latency]({plot.relative_to(report_dir)})", ""]
    return out


def thread_safety_cell(manifests, peer_row, crossing):
    """`yes` when the peers' manifests note that, in this workload (and API), the peer does
    thread-safe work that gentask's side does not (their `thread_safety` maps, keyed
    `<variant>/<workload>` or `<variant>/<workload>/api=<api>`); `no` otherwise. The note is
    collected into `crossing` for the list under the table."""
    if not peer_row["metric"].startswith("ns_per_"):
        return "no"  # memory and cross-thread latency: no single-thread shortcut on either side
    notes = {}
    for m in manifests:
        notes.update(m.get("thread_safety", {}))
    api = next((kv for kv in peer_row["param"].split(";") if kv.startswith("api=")), None)
    base = f"{peer_row['variant']}/{peer_row['workload']}"
    note = notes.get(f"{base}/{api}") if api else None
    note = note or notes.get(base)
    if not note:
        return "no"
    crossing.setdefault(f"{peer_row['variant']}: {note}", []).append(
        peer_row["workload"] + (f" {api}" if api else ""))
    return "yes"


def side_by_side(manifests, rows, peer_rows):
    """Every variant of every gentask experiment beside every peer, per shared workload and
    size: the compared metric (time per unit, latency percentile, idle bytes), with
    instructions and allocations where measured, fastest first."""
    table = index_rows(rows)
    shared = sorted({(r["workload"], strip_api(r["param"]), r["metric"]) for r in peer_rows},
                    key=lambda k: (k[0], param_sort_key(k[1]), k[1], k[2]))
    out = []
    for workload, param, metric in shared:
        cands = [r for r in rows if r["workload"] == workload and r["metric"] == metric and
                 r["experiment"] != "floors" and strip_api(r["param"]) == param and
                 (r["experiment"] == "peers" or r["param"] == param)]
        if not any(r["experiment"] != "peers" for r in cands):
            continue
        if not out:
            out += ["", "#### Every variant beside the peers", "",
                    "Each shared workload and size: every gentask variant (its experiment in "
                    "brackets; baselines included) and every peer, fastest (or smallest) "
                    "first, with instructions and allocations per unit where measured.", "",
                    "| workload | param | metric | variant | median [min-max] (n) | "
                    "instructions | allocs |", "|---|---|---|---|---|---|---|"]
        # A peer's figure under the more specific name that matches gentask's measurement.
        alias = PEER_METRIC_ALIASES.get(metric)
        if alias:
            cands = [table.get((r["experiment"], workload, r["param"], r["variant"], alias), r)
                     if r["experiment"] == "peers" else r for r in cands]
        for r in sorted(cands, key=lambda r: r["median"]):
            unit = metric.split("_per_", 1)[1] if "_per_" in metric else None
            ins = table.get((r["experiment"], workload, r["param"], r["variant"],
                             f"instructions_per_{unit}")) if unit else None
            al = table.get((r["experiment"], workload, r["param"], r["variant"],
                            f"allocs_per_{unit}")) if unit else None
            extra = ";".join(kv for kv in r["param"].split(";") if kv.startswith(("api=", "exec=")))
            who = (f"{r['variant']} ({r['experiment'][:2]})" if r["experiment"] != "peers"
                   else r["variant"] + (f" ({extra})" if extra else ""))
            out.append(f"| {workload} | {param} | {r['metric']} | {who} | {fmt(r['median'])} "
                       f"[{fmt(r['min'])}-{fmt(r['max'])}] ({r['reps']}) | "
                       f"{fmt(ins['median']) if ins else 'n/a'} | "
                       f"{fmt(al['median']) if al else 'n/a'} |")
    return out


def latency_plot(rows, plots_dir):
    """Percentile against latency for every side that reports `latency_p<NN>_ns` metrics."""
    series = {}
    for r in rows:
        m = re.fullmatch(r"latency_p(\d+)_ns", r["metric"])
        if not m:
            continue
        label = f"{r['variant']} ({r['experiment']}: {r['workload']} {r['param']})"
        series.setdefault(label, []).append((int(m.group(1)), r["median"], r["min"], r["max"]))
    series = {k: sorted(v) for k, v in series.items() if len(v) >= 3}
    if not series:
        return None
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(7, 4))
    for label, pts in sorted(series.items()):
        ax.errorbar([q[0] for q in pts], [q[1] / 1000 for q in pts],
                    yerr=[[(q[1] - q[2]) / 1000 for q in pts], [(q[3] - q[1]) / 1000 for q in pts]],
                    marker="o", capsize=3, label=label)
    ax.set_xlabel("percentile")
    ax.set_ylabel("latency (us)")
    ax.set_yscale("log")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    path = plots_dir / "peers__wake_latency_percentiles.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def peer_ratio_plot(bars, plots_dir):
    """Two panels, one row per workload and size: peer / gentask in time (or memory, or
    latency) with the min-max range of the ratio, and beside it the instruction ratio, which
    does not move between machines. One colour per peer; the legend sits outside the bars."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    labels = sorted({b[0] for series in bars.values() for b in series})
    peers = sorted(bars)
    present = {w: [p for p in peers if any(b[0] == w for b in bars[p])] for w in labels}
    height = 0.8 / max(1, max(len(v) for v in present.values()))
    fig, (ax_t, ax_i) = plt.subplots(1, 2, sharey=True, figsize=(11, 0.5 * len(labels) + 2.4),
                                     gridspec_kw={"width_ratios": [3, 2]})
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, peer in enumerate(peers):
        colour = colours[i % len(colours)]
        values = {b[0]: b for b in bars[peer]}
        rows = []
        for j, w in enumerate(labels):
            if w in values:
                k = present[w].index(peer)
                rows.append((j + (k - (len(present[w]) - 1) / 2) * height, values[w]))
        ys = [y for y, _ in rows]
        xs = [b[1] for _, b in rows]
        err = [[b[1] - b[2] for _, b in rows], [b[3] - b[1] for _, b in rows]]
        ax_t.barh(ys, xs, height=height * 0.9, color=colour, label=peer)
        ax_t.errorbar(xs, ys, xerr=err, fmt="none", ecolor="black", elinewidth=0.8, capsize=2)
        ins = [(y, b[4]) for y, b in rows if b[4]]
        if ins:
            ax_i.barh([y for y, _ in ins], [v for _, v in ins], height=height * 0.9,
                      color=colour)
    ax_t.set_yticks(range(len(labels)))
    ax_t.set_yticklabels(labels, fontsize=7)
    ax_t.invert_yaxis()
    for ax, title in ((ax_t, "time, memory or latency: bar = ratio of medians, "
                              "whisker = min-max"),
                      (ax_i, "instructions (callgrind: machine-independent)")):
        ax.axvline(1.0, color="black", linewidth=0.8)
        ax.set_xscale("log")
        ax.grid(True, axis="x", alpha=0.3)
        ax.set_title(title, fontsize=8)
    ax_t.set_xlabel("peer / gentask (log; above 1: gentask faster or smaller)", fontsize=8)
    ax_i.set_xlabel("peer / gentask instructions (log)", fontsize=8)
    handles, names = ax_t.get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=min(4, len(peers)), fontsize=7,
               frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    path = plots_dir / "peers__ratio_to_gentask.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def merge_by_name(manifests):
    """One report section per experiment name (the peers' manifests share `peers`)."""
    merged = {}
    for m in manifests:
        if m["name"] not in merged:
            merged[m["name"]] = dict(m, ids=[m["id"]],
                                     unit_by_workload=dict(m.get("unit_by_workload", {})),
                                     budgets=list(m.get("budgets", [])))
        else:
            merged[m["name"]]["ids"].append(m["id"])
            merged[m["name"]]["unit_by_workload"].update(m.get("unit_by_workload", {}))
            merged[m["name"]]["budgets"] += m.get("budgets", [])
            merged[m["name"]]["title"] += "; " + m["title"]
    return list(merged.values())


# What two full-mode runs on two machines of the same kind showed (NOTES.md section 6; both runs
# are kept in results/): the reason a time verdict is stated for the machine it was measured on.
MACHINE_NOTE = (
    "Two machines of one kind already disagreed: between the full runs 20261123-192653 and "
    "20261205-071435 (NOTES.md section 6) the peers' times moved 1.5x-2.6x and the cross-thread "
    "and system-call figures 4-6x, while instruction counts and memory did not move. A time "
    "verdict in this report holds for the machine it was measured on; the instruction and "
    "memory verdicts hold on any machine that runs the same binaries.")


def replication_preamble(prov, manifests):
    """The unit of replication, how the order was drawn and how to replay it."""
    rep = prov.get("replication") or {"unit": "in-process"}
    counts = sorted(set((rep.get("repetitions") or {}).values()))
    reps = "/".join(str(c) for c in counts) or "the manifests' count of"
    lines = ["## Unit of replication", ""]
    if rep.get("unit") == "process":
        lines.append(
            f"Each repetition of each case is a process of its own ({reps} repetitions per "
            "case): Google Benchmark runs one repetition of the one case its filter names, and "
            "within that process the iterations are as Google Benchmark sets them, so a "
            "repetition's figure is the mean over its iterations. All the processes of the "
            "run, every gentask variant, peer and floor, ran in one order shuffled with seed "
            f"{rep.get('seed')} (replay: `{rep.get('command', '')}`), so drift of the machine "
            "during the run hits every side alike. The min-max spread and the U test "
            "therefore compare processes: heap layout, CPU placement and the machine's state "
            "vary between the samples, as they do between runs of a real program.")
    else:
        lines.append(
            f"All {reps} repetitions of a case ran in one process, one experiment after "
            "another (`--replication in-process`). Repetitions that share a process share its "
            "heap layout and CPU placement, so the spread understates what differs between "
            "processes and the U test is overconfident (15 against 15 samples often reach its "
            "floor, p = 3.4e-6). Use the default (one process per repetition) for figures "
            "that are quoted.")
    malloc = prov.get("malloc") or {}
    if malloc.get("mode") == "fixed":
        lines += ["", "Every measured process (gentask's, the peers', the floors') ran with glibc "
                  f"malloc's thresholds pinned (`GLIBC_TUNABLES={malloc.get('GLIBC_TUNABLES')}`): "
                  "by default glibc gives the top of its heap back to the kernel after a large "
                  "free and adapts that threshold to what the process freed before, so a "
                  "workload that frees a whole batch per iteration would pay page faults at "
                  "every iteration in a fresh process and none after other cases had run. "
                  "Pinned, every process measures steady state under the same allocator "
                  "settings (`--malloc default` measures glibc's own behaviour)."]
    elif malloc.get("mode") == "default":
        lines += ["", "The measured processes ran with glibc malloc's default, dynamic trim and "
                  "mmap thresholds (`--malloc default`): workloads that free a whole batch per "
                  "iteration may pay page faults to regrow the heap, depending on what the "
                  "process allocated before."]
    lines += ["", MACHINE_NOTE, ""]
    return lines


def write_report(path, prov, manifests, rows, samples_by_exp, plots_dir, carried):
    lines = ["# gentask experiment report", "",
             "Generated by `./lab experiments` (experiments/run.py). Every figure is a median over "
             "repetitions with its min-max spread and the number of repetitions; ratios are "
             "ratios of medians with the range spanned by the extreme samples; the U test is "
             "two-sided Mann-Whitney on the per-repetition times. Instruction counts come from "
             "callgrind (the difference of two run lengths, so start-up cancels) and do not "
             "vary between runs; times on these shared machines vary by 30-100 % between "
             "identical runs, so compare times only within one report.", ""]
    lines += replication_preamble(prov, manifests)
    lines += ["## Provenance", "", "| | |", "|---|---|"]
    for k in ("commit", "date", "mode", "compiler", "flags", "cpu", "cores", "kernel",
              "google_benchmark", "google_benchmark_build_type", "valgrind"):
        lines.append(f"| {k} | {prov.get(k, '')} |")
    lines.append(f"| boost (Asio) | {prov.get('boost', '')} |")
    for mid, info in sorted((prov.get("compile") or {}).items()):
        compilers = "; ".join(f"{k}: {v}" for k, v in sorted(info.get("compilers", {}).items()))
        narrowed = (f"; driver arguments replaced for this run: `{info['args_override']}`"
                    if info.get("args_override") is not None else "")
        lines.append(f"| {mid} (compile) | {compilers}; flags {info.get('flags', '?')}; peak "
                     f"RSS {info.get('peak_rss', '?')}{narrowed} |")
    rust = prov.get("peers", {}).get("peers-rust", {})
    for label, key in (("tokio", "peer_tokio_version"), ("futures-rs", "peer_futures_version"),
                       ("rustc", "peer_rustc_version"), ("rust profile", "peer_rust_profile")):
        if rust.get(key):
            lines.append(f"| {label} | {rust[key]} |")
    lines.append("")
    if prov.get("uncommitted_changes"):
        lines += ["Tracked files that differed from the commit when the run started: " +
                  ", ".join(f"`{p}`" for p in prov["uncommitted_changes"]) + ".", ""]
    if prov.get("changed_during_run"):
        lines += ["Edited while the run measured (after its binaries were built): " +
                  ", ".join(f"`{p}`" for p in prov["changed_during_run"]) + ".", ""]
    if prov.get("benchmark_warnings"):
        lines += ["Google Benchmark printed: " + "; ".join(f"`{w}`" for w in
                                                            prov["benchmark_warnings"]) +
                  ". Debian builds the library without NDEBUG; its timing loop is inlined into "
                  "our Release binaries, so the warning does not apply to the measured code, "
                  "and instruction counts do not depend on it.", ""]
    if carried:
        lines += ["Carried over unchanged from an earlier run (not re-run this time): " +
                  ", ".join(f"{k} (from {v})" for k, v in sorted(carried.items())) + ".", ""]
    lines += headline(manifests, rows, samples_by_exp, plots_dir, path.parent)
    for m in merge_by_name(manifests):
        samples = {}
        for i in m["ids"]:
            samples.update(samples_by_exp.get(i, {}))
        lines += experiment_section(m, rows, samples, plots_dir, path.parent, manifests)
    if prov.get("peers") or prov.get("failures"):
        lines += ["## Peers and failures", ""]
        for k, v in sorted(prov.get("peers", {}).items()):
            if v:
                lines.append(f"- {k}: " + ", ".join(f"{a} {b}" for a, b in sorted(v.items())))
        for f in prov.get("failures", []):
            lines.append(f"- FAILED: {f}")
        lines.append("")
    path.write_text("\n".join(lines) + "\n")


def render_table(spec, rows):
    """The body of a generated table `<!-- table: experiment=X metric=Y [baseline=V]
    [workload=W1,W2] [run=R] -->` from `rows` (a run's summary.csv), or None when the run has no
    such rows. Values are rounded as summary.csv stores them, so a table is the same whether
    made by a run or from its summary.csv."""
    rows = [dict(r, **{k: float(f"{r[k]:.6g}") for k in ("median", "min", "max")}) for r in rows]
    table = index_rows(rows)
    exp, metric = spec["experiment"], spec["metric"]
    base = spec.get("baseline")
    workloads = spec.get("workload", "").split(",") if spec.get("workload") else None
    sel = [r for r in rows if r["experiment"] == exp and r["metric"] == metric
           and (workloads is None or r["workload"] in workloads)]
    if not sel:
        return None
    variants = sorted({r["variant"] for r in sel}, key=lambda v: (v == base, v))
    keys = sorted({(r["workload"], r["param"]) for r in sel},
                  key=lambda k: (k[0], param_sort_key(k[1]), k[1]))
    others = [v for v in variants if v != base] if base else []
    head = "| workload | param | " + " | ".join(variants) + " |" + \
        "".join(f" {v} / {base} |" for v in others)
    out = [head, "|" + "---|" * (2 + len(variants) + len(others))]
    for w, p in keys:
        cells = []
        for v in variants:
            r = table.get((exp, w, p, v, metric))
            cells.append(f"{fmt(r['median'])} [{fmt(r['min'])}-{fmt(r['max'])}]"
                         if r and fmt(r["min"]) != fmt(r["max"])
                         else (fmt(r["median"]) if r else ""))
        line = f"| {w} | {p} | " + " | ".join(cells) + " |"
        if base:
            b = table.get((exp, w, p, base, metric))
            for v in others:
                r = table.get((exp, w, p, v, metric))
                line += f" {ratio_cell(r, b) if r and b else ''} |"
        out.append(line)
    return "\n".join(out) + "\n"


def refresh_generated_tables(rows):
    """Regenerates the tables of the documents that follow the latest run: those that name no
    run of their own (`<!-- run: STAMP -->`; experiments/claims.py keeps those pinned to it and
    `claims.py rebase` moves them), except a table that names its own run (`run=STAMP` in its
    marker). Lists the documents pinned to another run."""
    files = list(EXPERIMENTS.glob("*/README.md")) + list(EXPERIMENTS.glob("peers/*/README.md"))
    files += list((ROOT / "papers").glob("*.md"))
    marker = re.compile(r"(<!-- table: ([^>]*?) -->\n)(.*?)(<!-- end table -->)", re.S)
    pinned = []
    for f in files:
        text = f.read_text()
        m = re.search(r"<!--\s*run:\s*(\S+)\s*-->", text)
        if m:
            pinned.append(f"{f.relative_to(ROOT)} ({m.group(1)})")
            continue

        def render(m):
            spec = dict(kv.split("=", 1) for kv in m.group(2).split())
            if "run" in spec:
                return m.group(0)  # a table that names its run is that run's (claims.py)
            body = render_table(spec, rows)
            return m.group(0) if body is None else m.group(1) + body + m.group(4)

        new = marker.sub(render, text)
        if new != text:
            f.write_text(new)
            log(f"refreshed the generated tables in {f.relative_to(ROOT)}")
    if pinned:
        log("documents that quote a run of their own (move one to this run with "
            "`experiments/claims.py rebase <stamp> <file>`): " + ", ".join(sorted(pinned)))


# ---------------------------------------------------------------------------------------------

def write_samples(path, sample_rows, carried):
    """samples.csv: every repetition's value (rows of experiments carried over come from the
    previous run's samples.csv, where it has one)."""
    previous = RESULTS / "latest" / "samples.csv"
    if carried and previous.exists():
        with previous.open() as f:
            sample_rows = sample_rows + [r for r in csv.DictReader(f)
                                         if r["experiment"] in carried]
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=SAMPLE_COLUMNS)
        w.writeheader()
        for r in sample_rows:
            w.writerow({k: (f"{r[k]:.6g}" if isinstance(r[k], float) else r[k])
                        for k in SAMPLE_COLUMNS})


def replay_command(args, seed):
    """The command that replays this run's selection, mode and order."""
    parts = ["./lab", "experiments", *args.names]
    parts += [flag for flag, on in (("--full", args.full), ("--no-peers", args.no_peers),
                                    ("--no-callgrind", args.no_callgrind)) if on]
    if args.replication == "process":
        parts += ["--seed", str(seed)]
    else:
        parts += ["--replication", args.replication]
    if args.malloc != "fixed":
        parts += ["--malloc", args.malloc]
    if args.compile_args is not None:
        parts += ["--compile-args", shlex.quote(args.compile_args)]
    return " ".join(parts)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("names", nargs="*", help="experiments to run (folder name or number)")
    ap.add_argument("--build-dir", default="build/release")
    ap.add_argument("--full", action="store_true", help="more repetitions and longer runs")
    ap.add_argument("--no-callgrind", action="store_true", help="skip instruction counts")
    ap.add_argument("--seed", type=int, default=None,
                    help="the seed of the shuffled order of the timing processes (printed and "
                         "stored in provenance.json; the same seed, selection and mode replay "
                         "the same order)")
    ap.add_argument("--malloc", choices=("fixed", "default"), default="fixed",
                    help="fixed (the default): every measured process runs with glibc malloc's "
                         "trim and mmap thresholds pinned (GLIBC_TUNABLES), so that what a process "
                         "allocated before does not decide whether a workload pays page faults to "
                         "regrow its heap; default: glibc's own dynamic behaviour")
    ap.add_argument("--replication", choices=("process", "in-process"), default="process",
                    help="process (the default): each repetition of each case is a process of "
                         "its own, all of them in one shuffled order; in-process: all "
                         "repetitions of a case in one process, experiment after experiment "
                         "(the runner's behaviour before, kept to measure what the unit of "
                         "replication changes)")
    ap.add_argument("--compile-args", default=None, metavar="ARGS",
                    help="replace the compile experiments' driver arguments of this mode (one "
                         "string, e.g. \"--types 400 --workloads root_types\": a narrower "
                         "run of one point of a curve; the provenance and report record it)")
    ap.add_argument("--no-peers", action="store_true",
                    help="skip the peers (tokio, futures-rs, Asio) in experiments/peers/")
    ap.add_argument("--report-only", action="store_true",
                    help="rewrite results/latest/report.md (and plots, tables) from its "
                         "summary.csv and raw/ without running anything")
    ap.add_argument("--tables-only", action="store_true",
                    help="only regenerate the tables in READMEs and papers from results/latest")
    args = ap.parse_args()

    if args.tables_only:
        latest = RESULTS / "latest" / "summary.csv"
        if not latest.exists():
            log("no results/latest/summary.csv: run the experiments first")
            return 2
        rows = []
        with latest.open() as f:
            for r in csv.DictReader(f):
                for k in ("median", "min", "max"):
                    r[k] = float(r[k])
                r["reps"] = int(r["reps"])
                rows.append(r)
        refresh_generated_tables(rows)
        return 0

    if args.report_only:
        latest = RESULTS / "latest"
        rows = []
        with (latest / "summary.csv").open() as f:
            for r in csv.DictReader(f):
                for k in ("median", "min", "max"):
                    r[k] = float(r[k])
                r["reps"] = int(r["reps"])
                rows.append(r)
        prov = json.loads((latest / "provenance.json").read_text())
        names = {r["experiment"] for r in rows}
        shown = [m for m in load_manifests([]) if m["name"] in names]
        samples_by_exp = {}
        for m in shown:
            raw = latest / "raw" / f"{m['id']}.benchmark.json"
            if raw.exists():
                samples_by_exp[m["id"]] = parse_benchmark_json(raw)[0]
        write_report(latest / "report.md", prov, shown, rows, samples_by_exp, latest / "plots",
                     prov.get("carried_over", {}))
        write_budgets(latest / "budgets.csv", load_manifests([]), rows)
        refresh_generated_tables(rows)
        log("rewrote results/latest/report.md")
        return 0

    global BENCH_ENV
    tunables = MALLOC_TUNABLES[args.malloc]
    BENCH_ENV = dict(os.environ)
    BENCH_ENV.pop("GLIBC_TUNABLES", None)
    if tunables:
        BENCH_ENV["GLIBC_TUNABLES"] = tunables
    build_dir = (ROOT / args.build_dir).resolve()
    mode = "full" if args.full else "quick"
    manifests = load_manifests(args.names)
    if args.no_peers:
        manifests = [m for m in manifests if m["folder"].parent.name != "peers"]
    if not manifests:
        log(f"no experiment matches {args.names}")
        return 2

    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d-%H%M%S")
    tree = tree_state()
    out_dir = RESULTS / stamp
    raw_dir = out_dir / "raw"
    plots_dir = out_dir / "plots"
    raw_dir.mkdir(parents=True)
    plots_dir.mkdir()

    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2 ** 32)
    rows, samples_by_exp, failures, sample_rows = [], {}, [], []
    context, warnings, peer_contexts = {}, [], {}
    prepared = []
    compile_manifests = [m for m in manifests if is_compile(m)]
    for i, m in enumerate(manifests, 1):
        if is_compile(m):
            continue  # compiled after the timing processes (run_compile_driver)
        log(f"experiment {i}/{len(manifests)}: {m['id']} ({mode}): preparing")
        try:
            binary = prepare_binary(m, build_dir)
            if not binary.exists():
                raise RuntimeError(f"{binary} was not built")
            cases = list_cases(binary, m[mode].get("filter"))
            if not cases:
                raise RuntimeError(f"no case matches the {mode} filter")
        except (RuntimeError, OSError) as e:
            failures.append(f"{m['id']}: {e}")
            log(f"ERROR: {failures[-1]}")
            continue
        prepared.append((m, binary, cases))

    def accept(m, samples, ctx):
        nonlocal context
        if m["id"] == m["name"] and not m["name"].startswith(("peers", "floors")):
            context = context or ctx
        peer_contexts[m["id"]] = {k: v for k, v in ctx.items()
                                  if k.startswith(("peer_", "library_version"))}
        samples_by_exp[m["id"]] = samples

    timed = {}
    if args.replication == "process":
        jobs = sum(len(c) * m[mode]["repetitions"] for m, _, c in prepared)
        log(f"timing: {jobs} processes (one per repetition of each case), shuffled with seed "
            f"{seed}; replay this order with --seed {seed}")
        results, warn, failed = run_interleaved(prepared, raw_dir, mode, seed)
        warnings += warn
        failures += [f"{mid}: {e}" for mid, e in failed.items()]
        for m, _, _ in prepared:
            if m["id"] in results:
                timed[m["id"]] = results[m["id"]]
    else:
        log("timing: all repetitions of a case in one process (--replication in-process)")
        for m, binary, _ in prepared:
            try:
                samples, ctx, warn = run_benchmarks(m, binary, raw_dir, mode)
            except (RuntimeError, ValueError, subprocess.CalledProcessError) as e:
                failures.append(f"{m['id']}: {e}")
                log(f"ERROR: {failures[-1]}")
                continue
            warnings += warn
            timed[m["id"]] = (samples, ctx)
    for m, binary, _ in prepared:
        if m["id"] not in timed:
            continue
        samples, ctx = timed[m["id"]]
        try:
            instructions = {} if args.no_callgrind else run_callgrind(m, binary, raw_dir, mode)
        except (RuntimeError, ValueError, subprocess.CalledProcessError) as e:
            failures.append(f"{m['id']}: {e}")
            log(f"ERROR: {failures[-1]}")
            continue
        try:
            sizes = code_size_rows(m, build_dir)
        except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
            failures.append(f"{m['id']}: {e}")
            log(f"ERROR: {failures[-1]}")
            sizes = []
        accept(m, samples, ctx)
        rows += summarize(m, samples, instructions, sample_rows) + sizes
    # Compile-time experiments run after the timing processes, so that no compiler competes
    # with a measured process for the cores.
    compile_info = {}
    for m in compile_manifests:
        try:
            got, got_samples, info = run_compile_driver(
                m, mode, seed, raw_dir,
                shlex.split(args.compile_args) if args.compile_args is not None else None)
            if args.compile_args is not None:
                info = dict(info, args_override=args.compile_args)
        except (RuntimeError, OSError) as e:
            failures.append(f"{m['id']}: {e}")
            log(f"ERROR: {failures[-1]}")
            continue
        rows += got
        sample_rows += got_samples
        compile_info[m["id"]] = info

    # Carry over experiments not run this time.
    carried = {}
    run_names = {m["name"] for m in manifests}
    previous = RESULTS / "latest" / "summary.csv"
    if previous.exists():
        prev_prov = RESULTS / "latest" / "provenance.json"
        prev_stamp = json.loads(prev_prov.read_text()).get("stamp", "?") if prev_prov.exists() \
            else "?"
        with previous.open() as f:
            for r in csv.DictReader(f):
                if r["experiment"] not in run_names:
                    for k in ("median", "min", "max"):
                        r[k] = float(r[k])
                    r["reps"] = int(r["reps"])
                    rows.append(r)
                    carried[r["experiment"]] = prev_stamp

    with (out_dir / "summary.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({k: (f"{r[k]:.6g}" if isinstance(r[k], float) else r[k])
                        for k in COLUMNS})

    write_samples(out_dir / "samples.csv", sample_rows, carried)

    prov = provenance(build_dir, context, warnings, mode, tree)
    after = tree_state()
    if after != tree:
        prov["changed_during_run"] = sorted(set(after["changed"]) - set(tree["changed"])) + (
            [f"HEAD moved to {after['commit']}"] if after["commit"] != tree["commit"] else [])
    prov["stamp"] = stamp
    prov["malloc"] = {"mode": args.malloc, "GLIBC_TUNABLES": tunables}
    prov["replication"] = {
        "unit": args.replication,
        "seed": seed if args.replication == "process" else None,
        "repetitions": dict({m["id"]: m[mode]["repetitions"] for m, _, _ in prepared},
                            **{m["id"]: m[mode]["repetitions"] for m in compile_manifests}),
        "command": replay_command(args, seed),
    }
    prov["carried_over"] = carried
    prov["compile"] = compile_info
    prov["failures"] = failures
    prov["peers"] = peer_contexts
    prov["boost"] = sh("dpkg-query -W -f='${Version}' libboost-dev")
    (out_dir / "provenance.json").write_text(json.dumps(prov, indent=1))
    all_manifests = load_manifests([])
    shown = [m for m in all_manifests if m["name"] in run_names or m["name"] in carried]
    write_report(out_dir / "report.md", prov, shown, rows, samples_by_exp, plots_dir, carried)
    write_budgets(out_dir / "budgets.csv", all_manifests, rows)
    refresh_generated_tables(rows)

    latest = RESULTS / "latest"
    if latest.is_symlink() or latest.is_file():
        latest.unlink()
    elif latest.exists():
        shutil.rmtree(latest)
    shutil.copytree(out_dir, latest)
    log(f"wrote {out_dir.relative_to(ROOT)}/ and results/latest/ "
        f"({len(rows)} summary rows): report.md, summary.csv, plots/")
    if failures:
        for f in failures:
            log(f"FAILED: {f}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
