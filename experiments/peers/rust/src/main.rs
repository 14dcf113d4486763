//! `gentask-peers`: the Rust peers (tokio, futures-rs) of gentask's shared workloads
//! (experiments/peers/WORKLOADS.md), speaking the binary contract stated there: Google
//! Benchmark's command line and JSON, plus `--gentask-list` and
//! `--gentask-measure=NAME --gentask-iterations=K` for callgrind.

// Their suggestions need newer Rust than Debian 12's rustc 1.63, which builds this crate too.
#![allow(clippy::manual_is_multiple_of, clippy::unnecessary_map_or)]

mod alloc;
mod harness;
mod idle;
mod join_all;
mod pingpong;
mod post;
mod spawn;
mod timers;
mod util;
mod wake;

use harness::{probe_iterations_for, run_case, Case, MinTime, Report};
use std::io::Write as _;
use util::Drivers;

#[global_allocator]
static GLOBAL: alloc::CountingAllocator = alloc::CountingAllocator;

const WAKE_SIZES: [usize; 4] = [1, 100, 10_000, 100_000];
const JOIN_ALL_SIZES: [u32; 9] = [1, 4, 8, 16, 30, 64, 256, 1024, 10_000];

/// Every case, in the order they run.
fn cases() -> Vec<Case> {
    let mut v = Vec::new();

    // spawn_complete: batches of 1000; callgrind up to n = 10000, as experiment 02.
    for n in [1_000u64, 10_000, 100_000] {
        let c = Case::new(
            "spawn_complete",
            "tokio",
            &format!("batch=1000;n={n}"),
            n as f64,
            move || spawn::SpawnComplete::new(n, 1000, Drivers::Off),
        )
        .probe(probe_iterations_for(n as usize));
        v.push(if n <= 10_000 { c } else { c.no_callgrind() });
    }
    v.push(
        Case::new("spawn_detached", "tokio", "n=10000", 10_000.0, || {
            spawn::SpawnDetached::new(10_000)
        })
        .probe(16),
    );
    v.push(Case::new("yield_loop", "tokio", "n=1000", 1_000.0, || {
        pingpong::YieldLoop::new(1_000, Drivers::Off)
    }));
    v.push(Case::new(
        "ping_pong_oneshot",
        "tokio",
        "n=1000",
        1_000.0,
        || pingpong::PingPongOneshot::tokio(1_000, Drivers::Off),
    ));
    v.push(Case::new(
        "ping_pong_oneshot",
        "futures",
        "exec=tokio_current_thread;n=1000",
        1_000.0,
        || pingpong::PingPongOneshot::futures(1_000, Drivers::Off),
    ));
    v.push(Case::new(
        "ping_pong_mpsc",
        "tokio",
        "n=1000",
        1_000.0,
        || pingpong::PingPongMpsc::new(1_000),
    ));

    let wakes = wake::WAKES_PER_ITERATION as f64;
    for n in WAKE_SIZES {
        v.push(Case::new(
            "wake_one_of_n",
            "tokio",
            &format!("api=join_set;n={n}"),
            wakes,
            move || wake::JoinSetWake::new(n, Drivers::Off),
        ));
    }
    for n in WAKE_SIZES {
        v.push(Case::new(
            "wake_one_of_n",
            "futures",
            &format!("api=futures_unordered;exec=tokio_current_thread;n={n}"),
            wakes,
            move || wake::FuTokioWake::new(n, Drivers::Off),
        ));
    }
    for n in WAKE_SIZES {
        v.push(Case::new(
            "wake_one_of_n",
            "futures",
            &format!("api=futures_unordered;exec=local_pool;n={n}"),
            wakes,
            move || wake::FuLocalPoolWake::new(n),
        ));
    }

    // join_all, as experiment 05: futures' join_all (all polled up to 30 children, a
    // FuturesOrdered above); every size under callgrind (n = 10000 only in the full set).
    for n in JOIN_ALL_SIZES {
        v.push(
            Case::new(
                "join_all",
                "futures",
                &format!("api=join_all;exec=tokio_current_thread;n={n}"),
                f64::from(n),
                move || join_all::JoinAll::new(n),
            )
            .probe(probe_iterations_for(n as usize)),
        );
    }

    // Not under callgrind, as in experiment 02 (valgrind serialises the two threads).
    v.push(
        Case::new("cross_thread_spawn", "tokio", "n=10000", 10_000.0, || {
            spawn::CrossThreadSpawn::new(10_000)
        })
        .probe(8)
        .no_callgrind(),
    );
    // Latency, not CPU work: no callgrind; wall time decides the iteration count (an
    // iteration takes N x (100 us + the sleep's overshoot)), as experiment 04.
    v.push(
        Case::new("wake_from_idle", "tokio", "n=1000", 1_000.0, || {
            idle::WakeFromIdle::new(1_000)
        })
        .probe(2)
        .use_real_time()
        .no_callgrind(),
    );
    // Experiment 06's UI-invoke workloads (src/post.rs): tokio's remote spawn onto a
    // current_thread runtime. Threads and pacing: no callgrind; wall time decides, as there.
    const POST_LATENCY_N: u64 = 1_000;
    v.push(
        Case::new(
            "post_to_run",
            "tokio",
            &format!("n={POST_LATENCY_N}"),
            POST_LATENCY_N as f64,
            || post::PostToRun::new(POST_LATENCY_N),
        )
        .probe(1)
        .use_real_time()
        .no_callgrind(),
    );
    const POST_THROUGHPUT_N: u64 = 10_000;
    for producers in [1u64, 4] {
        v.push(
            Case::new(
                "post_throughput",
                "tokio",
                &format!("producers={producers}"),
                POST_THROUGHPUT_N as f64,
                move || post::PostThroughput::new(POST_THROUGHPUT_N, producers),
            )
            .probe(2)
            .use_real_time()
            .no_callgrind(),
        );
    }
    const IDLE_N: usize = 100_000;
    // idle_memory, like for like with experiment 02: each task awaits its own oneshot
    // (`await=oneshot`) or nothing (`await=nothing`, `std::future::pending`).
    for wait in [idle::Wait::Nothing, idle::Wait::Oneshot] {
        for payload in [8usize, 16, 128] {
            let param = format!("await={};n=100000;payload={payload}", wait.name());
            let case = match payload {
                8 => Case::new("idle_memory", "tokio", &param, IDLE_N as f64, move || {
                    idle::IdleMemory::<8>::new(IDLE_N, wait)
                }),
                16 => Case::new("idle_memory", "tokio", &param, IDLE_N as f64, move || {
                    idle::IdleMemory::<16>::new(IDLE_N, wait)
                }),
                _ => Case::new("idle_memory", "tokio", &param, IDLE_N as f64, move || {
                    idle::IdleMemory::<128>::new(IDLE_N, wait)
                }),
            };
            v.push(case.probe(2).no_callgrind());
        }
    }
    // The same four workloads with tokio's drivers on (`enable_all()`): variants
    // `tokio_enable_all` and `futures_enable_all` (FuturesUnordered and futures' oneshot on that
    // runtime), the same params, so each row lines up with its driver-less one. Run through
    // manifest.enable_all.json (manifest.json's filter leaves them out).
    push_driver_cases(&mut v, Drivers::All);
    // Experiment 05's timers (src/timers.rs): 1e5 sleeps per iteration; two iterations in the
    // allocation pass, as gentask's side.
    const TIMER_N: u64 = 100_000;
    v.push(
        Case::new(
            "timer_arm_cancel",
            "tokio",
            &format!("n={TIMER_N}"),
            TIMER_N as f64,
            || timers::TimerArmCancel::new(TIMER_N),
        )
        .probe(2),
    );
    v.push(
        Case::new(
            "timer_fire",
            "tokio",
            &format!("n={TIMER_N}"),
            TIMER_N as f64,
            || timers::TimerFire::new(TIMER_N),
        )
        .probe(2),
    );
    v
}

/// spawn_complete, yield_loop, ping_pong_oneshot (tokio's and futures' oneshot) and
/// wake_one_of_n on tokio (JoinSet; FuturesUnordered on `tokio_current_thread`) on a runtime
/// with `drivers`, as the driver-less cases above (the same params, probes and callgrind
/// listing), under the variants `drivers.variant("tokio")` and `drivers.variant("futures")`.
fn push_driver_cases(v: &mut Vec<Case>, drivers: Drivers) {
    let (tokio, futures) = (drivers.variant("tokio"), drivers.variant("futures"));
    for n in [1_000u64, 10_000, 100_000] {
        let c = Case::new(
            "spawn_complete",
            &tokio,
            &format!("batch=1000;n={n}"),
            n as f64,
            move || spawn::SpawnComplete::new(n, 1000, drivers),
        )
        .probe(probe_iterations_for(n as usize));
        v.push(if n <= 10_000 { c } else { c.no_callgrind() });
    }
    v.push(Case::new(
        "yield_loop",
        &tokio,
        "n=1000",
        1_000.0,
        move || pingpong::YieldLoop::new(1_000, drivers),
    ));
    v.push(Case::new(
        "ping_pong_oneshot",
        &tokio,
        "n=1000",
        1_000.0,
        move || pingpong::PingPongOneshot::tokio(1_000, drivers),
    ));
    v.push(Case::new(
        "ping_pong_oneshot",
        &futures,
        "exec=tokio_current_thread;n=1000",
        1_000.0,
        move || pingpong::PingPongOneshot::futures(1_000, drivers),
    ));
    let wakes = wake::WAKES_PER_ITERATION as f64;
    for n in WAKE_SIZES {
        v.push(Case::new(
            "wake_one_of_n",
            &tokio,
            &format!("api=join_set;n={n}"),
            wakes,
            move || wake::JoinSetWake::new(n, drivers),
        ));
    }
    for n in WAKE_SIZES {
        v.push(Case::new(
            "wake_one_of_n",
            &futures,
            &format!("api=futures_unordered;exec=tokio_current_thread;n={n}"),
            wakes,
            move || wake::FuTokioWake::new(n, drivers),
        ));
    }
}

fn usage_error(msg: &str) -> ! {
    eprintln!("gentask-peers: {msg}");
    eprintln!(
        "usage: gentask-peers [--benchmark_filter=REGEX] [--benchmark_repetitions=R] \
         [--benchmark_min_time=T[s]|Kx] [--benchmark_out=FILE] [--benchmark_out_format=json] \
         [--benchmark_list_tests]\n       gentask-peers --gentask-list\n       \
         gentask-peers --gentask-measure=NAME --gentask-iterations=K"
    );
    std::process::exit(2);
}

fn parse_min_time(v: &str) -> MinTime {
    if let Some(k) = v.strip_suffix('x') {
        return MinTime::Iterations(
            k.parse()
                .unwrap_or_else(|_| usage_error(&format!("bad min_time {v}"))),
        );
    }
    let s = v.strip_suffix('s').unwrap_or(v);
    match s.parse::<f64>() {
        Ok(t) if t >= 0.0 => MinTime::Seconds(t),
        _ => usage_error(&format!("bad --benchmark_min_time={v}")),
    }
}

fn parse_bool(v: &str) -> bool {
    matches!(v, "" | "true" | "1" | "yes" | "on" | "True" | "TRUE")
}

/// A filter as Google Benchmark reads it: a regular expression searched in the name; a leading
/// `-` negates it; empty or `all` matches everything.
struct Filter {
    regex: Option<regex::Regex>,
    negate: bool,
}

impl Filter {
    fn new(spec: &str) -> Filter {
        let (negate, pattern) = match spec.strip_prefix('-') {
            Some(p) => (true, p),
            None => (false, spec),
        };
        if pattern.is_empty() || pattern == "all" {
            return Filter {
                regex: None,
                negate,
            };
        }
        match regex::Regex::new(pattern) {
            Ok(r) => Filter {
                regex: Some(r),
                negate,
            },
            Err(e) => usage_error(&format!("bad --benchmark_filter: {e}")),
        }
    }
    fn matches(&self, name: &str) -> bool {
        let m = self.regex.as_ref().map_or(true, |r| r.is_match(name));
        m != self.negate
    }
}

fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: a valid buffer of the given length.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr() as *mut libc::c_char, buf.len()) };
    if rc != 0 {
        return String::new();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

fn local_date() -> String {
    // SAFETY: time, localtime_r and strftime on valid pointers and a sized buffer.
    unsafe {
        let t = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&t, &mut tm);
        let mut buf = [0u8; 64];
        let fmt = b"%Y-%m-%dT%H:%M:%S%z\0";
        let len = libc::strftime(
            buf.as_mut_ptr() as *mut libc::c_char,
            buf.len(),
            fmt.as_ptr() as *const libc::c_char,
            &tm,
        );
        String::from_utf8_lossy(&buf[..len]).into_owned()
    }
}

fn context(executable: &str) -> Vec<(&'static str, String)> {
    let s = harness::context_string;
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    vec![
        ("date", s(&local_date())),
        ("host_name", s(&hostname())),
        ("executable", s(executable)),
        ("num_cpus", cpus.to_string()),
        ("library_build_type", s(if cfg!(debug_assertions) { "debug" } else { "release" })),
        ("library_version", s(concat!("gentask-peers ", env!("CARGO_PKG_VERSION")))),
        ("peer_tokio_version", s(env!("PEER_TOKIO_VERSION"))),
        ("peer_futures_version", s(env!("PEER_FUTURES_VERSION"))),
        ("peer_futures_util_version", s(env!("PEER_FUTURES_UTIL_VERSION"))),
        ("peer_rustc_version", s(env!("PEER_RUSTC_VERSION"))),
        ("peer_tokio_runtime", s(&util::runtime_description())),
        ("peer_tokio_coop_budget", s("on: tokio's default 128 per task poll (no future is wrapped in task::unconstrained)")),
        ("peer_allocator", s("glibc malloc (std System) behind a counting #[global_allocator]")),
        ("peer_tokio_features", s("rt, net, time, sync, macros, io-util, test-util (compiled in; which drivers the runtime enables: peer_tokio_runtime; the timer cases enable the timer driver, timer_fire on a paused clock)")),
        ("peer_rust_profile", s("release: opt-level 3, lto fat, codegen-units 1, debug 1, panic unwind")),
    ]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut repetitions = 1usize;
    let mut min_time = MinTime::Seconds(0.5);
    let mut filter = Filter::new("");
    let mut out: Option<String> = None;
    let mut list_tests = false;
    let mut measure: Option<String> = None;
    let mut measure_iterations = 0u64;
    for arg in &args[1..] {
        let (key, value) = match arg.split_once('=') {
            Some((k, v)) => (k, v),
            None => (arg.as_str(), ""),
        };
        match key {
            "--gentask-list" => {
                let stdout = std::io::stdout();
                let mut lock = stdout.lock();
                for c in cases().into_iter().filter(|c| c.callgrind) {
                    let _ = writeln!(lock, "{}\t{}", c.name, c.units);
                }
                return;
            }
            "--gentask-measure" => measure = Some(value.to_string()),
            "--gentask-iterations" => {
                measure_iterations = value
                    .parse()
                    .unwrap_or_else(|_| usage_error(&format!("bad {arg}")))
            }
            "--benchmark_repetitions" => {
                repetitions = value
                    .parse()
                    .unwrap_or_else(|_| usage_error(&format!("bad {arg}")));
                repetitions = repetitions.max(1);
            }
            "--benchmark_min_time" => min_time = parse_min_time(value),
            "--benchmark_filter" => filter = Filter::new(value),
            "--benchmark_out" => out = Some(value.to_string()),
            "--benchmark_out_format" => {
                if value != "json" {
                    usage_error(&format!(
                        "only --benchmark_out_format=json is supported, not {value}"
                    ));
                }
            }
            "--benchmark_list_tests" => list_tests = parse_bool(value),
            k if k.starts_with("--benchmark_") => {} // other Google Benchmark flags: ignored
            _ => usage_error(&format!("unrecognized argument {arg}")),
        }
    }

    if let Some(name) = measure {
        match cases().into_iter().find(|c| c.name == name) {
            Some(c) => {
                let mut w = (c.make)();
                for _ in 0..measure_iterations {
                    w.iteration();
                }
                return;
            }
            None => {
                eprintln!("no case named {name} (see --gentask-list)");
                std::process::exit(2);
            }
        }
    }

    let selected: Vec<Case> = cases()
        .into_iter()
        .filter(|c| filter.matches(&c.name))
        .collect();
    if list_tests {
        for c in &selected {
            println!("{}", c.name);
        }
        return;
    }
    let ctx = context(&args[0]);
    println!("Running {}", args[0]);
    println!(
        "tokio {}, futures {}, {}; {}",
        env!("PEER_TOKIO_VERSION"),
        env!("PEER_FUTURES_VERSION"),
        env!("PEER_RUSTC_VERSION"),
        util::runtime_description()
    );
    harness::print_header();
    let mut reports: Vec<Report> = Vec::new();
    for (family, case) in selected.iter().enumerate() {
        reports.extend(run_case(case, family, repetitions, min_time));
    }
    if let Some(path) = out {
        if let Err(e) = std::fs::write(&path, harness::to_json(&ctx, &reports)) {
            eprintln!("gentask-peers: cannot write {path}: {e}");
            std::process::exit(1);
        }
    }
}
