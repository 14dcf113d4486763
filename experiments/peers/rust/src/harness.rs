//! The harness: the Rust side of `experiments/common/harness.hpp` and `main.cpp`, and of the
//! part of Google Benchmark they rely on (its command line, its iteration search, its JSON).
//!
//! A case is one (workload, variant, param) cell. Per repetition, exactly as the C++ harness's
//! benchmark function does: `min(8, probe_iterations)` warm-up iterations, `probe_iterations`
//! iterations with allocation counting on (`allocs_per_unit`), the case's untimed extra metrics,
//! then the timed iterations with counting off. The iteration count of the timed loop is found
//! as Google Benchmark finds it (start at 1, grow by its predictor until the run's CPU time,
//! or wall time for a `real_time` case, reaches min_time, or its wall time 5 x min_time) on the
//! first repetition, and reused by the others. Time is taken from outside the loop of iterations only; each iteration runs the
//! case's work inside the runtime (one `block_on` per iteration, the runtime kept warm).

use crate::alloc::AllocationProbe;
use std::fmt::Write as _;
use std::time::Instant;

/// A metric a case measures itself (once per repetition, untimed): the counter
/// `metric:<name>:<unit>`.
pub struct Metric {
    pub name: &'static str,
    pub unit: &'static str,
    pub value: f64,
}

pub fn metric(name: &'static str, unit: &'static str, value: f64) -> Metric {
    Metric { name, unit, value }
}

/// One case's state (its runtime, its warm sets...), made once and kept across iterations and
/// repetitions.
pub trait Workload {
    /// One iteration: `units` work units.
    fn iteration(&mut self);
    /// Untimed metrics of the case, once per repetition (before timing).
    fn extras(&mut self) -> Vec<Metric> {
        Vec::new()
    }
}

pub struct Case {
    pub name: String,
    pub units: f64,
    /// Listed by `--gentask-list` (counted under callgrind).
    pub callgrind: bool,
    /// Iterations of the untimed pass that counts allocations.
    pub probe_iterations: usize,
    /// Wall time, not CPU time, decides the iteration count (Google Benchmark's
    /// `UseRealTime`, the C++ harness's `case_options::real_time`): for cases that mostly wait.
    pub real_time: bool,
    pub make: Box<dyn Fn() -> Box<dyn Workload>>,
}

impl Case {
    pub fn new<W: Workload + 'static>(
        workload: &str,
        variant: &str,
        param: &str,
        units: f64,
        make: impl Fn() -> W + 'static,
    ) -> Case {
        let name = format!("{workload}/{variant}/{param}");
        assert_eq!(
            name.split('/').count(),
            3,
            "case name {name} is not workload/variant/param"
        );
        Case {
            name,
            units,
            callgrind: true,
            probe_iterations: 64,
            real_time: false,
            make: Box::new(move || Box::new(make()) as Box<dyn Workload>),
        }
    }
    pub fn no_callgrind(mut self) -> Case {
        self.callgrind = false;
        self
    }
    pub fn probe(mut self, iterations: usize) -> Case {
        self.probe_iterations = iterations;
        self
    }
    pub fn use_real_time(mut self) -> Case {
        self.real_time = true;
        self
    }
}

/// Iterations of the allocation pass: about 200000 units, at least 2, at most 64 (experiment
/// 02's `probe_iterations_for`).
pub fn probe_iterations_for(n: usize) -> usize {
    (200_000 / n).clamp(2, 64)
}

#[derive(Clone, Copy)]
pub enum MinTime {
    Seconds(f64),
    Iterations(u64),
}

pub struct Report {
    pub name: String,
    pub family_index: usize,
    pub repetitions: usize,
    pub repetition_index: usize,
    pub iterations: u64,
    pub real_ns: f64,
    pub cpu_ns: f64,
    pub units: f64,
    pub allocs_per_unit: f64,
    pub extras: Vec<Metric>,
}

/// Process CPU time in seconds (Google Benchmark's default CPU clock).
fn process_cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid clock id and a valid out pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// Runs `iterations` iterations; (real seconds, CPU seconds).
fn timed(w: &mut dyn Workload, iterations: u64) -> (f64, f64) {
    let cpu0 = process_cpu_seconds();
    let t0 = Instant::now();
    for _ in 0..iterations {
        w.iteration();
    }
    let real = t0.elapsed().as_secs_f64();
    let cpu = process_cpu_seconds() - cpu0;
    (real, cpu)
}

const MAX_ITERATIONS: u64 = 1_000_000_000;

/// Runs one case: `repetitions` reports.
pub fn run_case(
    case: &Case,
    family_index: usize,
    repetitions: usize,
    min_time: MinTime,
) -> Vec<Report> {
    let mut w = (case.make)();
    let mut fixed = match min_time {
        MinTime::Iterations(k) => Some(k.max(1)),
        MinTime::Seconds(_) => None,
    };
    let mut reports = Vec::new();
    for rep in 0..repetitions {
        let probe = case.probe_iterations;
        for _ in 0..probe.min(8) {
            w.iteration();
        }
        let allocs = {
            let p = AllocationProbe::new();
            for _ in 0..probe {
                w.iteration();
            }
            p.count()
        };
        let extras = w.extras();
        let (iterations, real, cpu) = match (fixed, min_time) {
            (Some(k), _) => {
                let (real, cpu) = timed(&mut *w, k);
                (k, real, cpu)
            }
            (None, MinTime::Seconds(min)) => {
                // Google Benchmark's BenchmarkRunner: decide on CPU time (real time with
                // UseRealTime), stop also at 5 x min_time of real time; PredictNumItersNeeded.
                let mut iters = 1u64;
                loop {
                    let (real, cpu) = timed(&mut *w, iters);
                    let seconds = if case.real_time { real } else { cpu };
                    if iters >= MAX_ITERATIONS || seconds >= min || real >= 5.0 * min {
                        break (iters, real, cpu);
                    }
                    let significant = seconds / min > 0.1;
                    let multiplier = if significant {
                        min * 1.4 / seconds.max(1e-9)
                    } else {
                        10.0
                    };
                    let next = (multiplier * iters as f64).max(iters as f64 + 1.0).round() as u64;
                    iters = next.min(MAX_ITERATIONS);
                }
            }
            (None, MinTime::Iterations(_)) => unreachable!(),
        };
        fixed = Some(iterations);
        let report = Report {
            name: case.name.clone(),
            family_index,
            repetitions,
            repetition_index: rep,
            iterations,
            real_ns: real * 1e9 / iterations as f64,
            cpu_ns: cpu * 1e9 / iterations as f64,
            units: case.units,
            allocs_per_unit: allocs as f64 / (probe as f64 * case.units),
            extras,
        };
        print_report(&report);
        reports.push(report);
    }
    reports
}

pub fn print_header() {
    let rule = "-".repeat(100);
    println!("{rule}");
    println!(
        "{:<60} {:>13} {:>13} {:>10}",
        "Benchmark", "Time", "CPU", "Iterations"
    );
    println!("{rule}");
}

fn print_report(r: &Report) {
    let mut line = format!(
        "{:<60} {:>10.0} ns {:>10.0} ns {:>10} units={} allocs_per_unit={:.4}",
        r.name, r.real_ns, r.cpu_ns, r.iterations, r.units, r.allocs_per_unit
    );
    for m in &r.extras {
        let _ = write!(line, " {}={:.4}", m.name, m.value);
    }
    println!("{line}");
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_number(v: f64) -> String {
    if v.is_finite() {
        // Debug formatting of f64 round-trips and is valid JSON for finite values
        // (e.g. 1.0, 2.5e-7).
        format!("{v:?}")
    } else {
        // Google Benchmark writes NaN and inf as such; Python's json reads them.
        if v.is_nan() {
            "NaN".into()
        } else if v > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    }
}

/// Google Benchmark's JSON: `{"context": {...}, "benchmarks": [...]}`, one iteration entry per
/// repetition.
pub fn to_json(context: &[(&str, String)], reports: &[Report]) -> String {
    let mut s = String::from("{\n  \"context\": {\n");
    for (i, (k, v)) in context.iter().enumerate() {
        let comma = if i + 1 < context.len() { "," } else { "" };
        let _ = writeln!(s, "    {}: {}{}", json_string(k), v, comma);
    }
    s.push_str("  },\n  \"benchmarks\": [\n");
    for (i, r) in reports.iter().enumerate() {
        s.push_str("    {\n");
        let mut fields: Vec<(String, String)> = vec![
            ("name".into(), json_string(&r.name)),
            ("family_index".into(), r.family_index.to_string()),
            ("per_family_instance_index".into(), "0".into()),
            ("run_name".into(), json_string(&r.name)),
            ("run_type".into(), json_string("iteration")),
            ("repetitions".into(), r.repetitions.to_string()),
            ("repetition_index".into(), r.repetition_index.to_string()),
            ("threads".into(), "1".into()),
            ("iterations".into(), r.iterations.to_string()),
            ("real_time".into(), json_number(r.real_ns)),
            ("cpu_time".into(), json_number(r.cpu_ns)),
            ("time_unit".into(), json_string("ns")),
            ("allocs_per_unit".into(), json_number(r.allocs_per_unit)),
        ];
        for m in &r.extras {
            fields.push((
                format!("metric:{}:{}", m.name, m.unit),
                json_number(m.value),
            ));
        }
        fields.push(("units".into(), json_number(r.units)));
        for (j, (k, v)) in fields.iter().enumerate() {
            let comma = if j + 1 < fields.len() { "," } else { "" };
            let _ = writeln!(s, "      {}: {}{}", json_string(k), v, comma);
        }
        let comma = if i + 1 < reports.len() { "," } else { "" };
        let _ = writeln!(s, "    }}{comma}");
    }
    s.push_str("  ]\n}\n");
    s
}

pub fn context_string(v: &str) -> String {
    json_string(v)
}
