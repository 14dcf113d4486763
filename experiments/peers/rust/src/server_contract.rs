//! The server contract of experiment 05 (experiments/05-io-reactor/README.md, "Servers"), the
//! Rust side of `experiments/common/server_contract.hpp`, for the tokio servers in `src/bin/`:
//!
//! - `SERVER --port P` (P = 0: the kernel picks a port) binds 127.0.0.1;
//! - it writes `listening <port>` as one line on stdout once it accepts connections;
//! - SIGTERM ends it at once with exit status 0 (`_exit(0)` from the handler);
//! - SIGUSR1 makes it write `allocations <n>` as one line on stdout: n is the number of heap
//!   allocations (the counting global allocator of `alloc.rs`: alloc, alloc_zeroed and realloc,
//!   counted from the start of the process), formatted and written with write(2) inside the
//!   handler (async-signal-safe: one relaxed atomic load and a write).
//!
//! A binary uses it with `#[path = "../alloc.rs"] mod alloc;` and
//! `#[path = "../server_contract.rs"] mod server_contract;` and installs the counting allocator
//! as its global allocator.

use crate::alloc;
use std::sync::atomic::Ordering::Relaxed;

/// Writes `word <n>\n` to fd 1 with one write(2); usable inside a signal handler (no allocation,
/// no lock).
fn write_number_line(word: &[u8], mut n: u64) {
    let mut line = [0u8; 64];
    let mut len = 0;
    for &b in word.iter().take(40) {
        line[len] = b;
        len += 1;
    }
    line[len] = b' ';
    len += 1;
    let mut digits = [0u8; 24];
    let mut d = 0;
    loop {
        digits[d] = b'0' + (n % 10) as u8;
        d += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    while d > 0 {
        d -= 1;
        line[len] = digits[d];
        len += 1;
    }
    line[len] = b'\n';
    len += 1;
    let mut off = 0;
    while off < len {
        // SAFETY: writes initialised bytes of a local buffer to fd 1.
        let w = unsafe { libc::write(1, line[off..].as_ptr() as *const libc::c_void, len - off) };
        if w > 0 {
            off += w as usize;
        } else if w < 0 && unsafe { *libc::__errno_location() } == libc::EINTR {
            continue;
        } else {
            return;
        }
    }
}

extern "C" fn on_sigusr1(_: libc::c_int) {
    // SAFETY: errno is thread-local; saved and restored around the handler's write.
    let saved = unsafe { *libc::__errno_location() };
    write_number_line(b"allocations", alloc::ALLOCATIONS.load(Relaxed));
    unsafe { *libc::__errno_location() = saved };
}

extern "C" fn on_sigterm(_: libc::c_int) {
    // SAFETY: _exit is async-signal-safe.
    unsafe { libc::_exit(0) }
}

/// Turns allocation counting on for the life of the process and installs the SIGUSR1 and
/// SIGTERM handlers (SA_RESTART; Rust's runtime already ignores SIGPIPE).
pub fn install() {
    alloc::COUNTING.store(true, Relaxed);
    for (signal, handler) in [
        (libc::SIGUSR1, on_sigusr1 as extern "C" fn(libc::c_int)),
        (libc::SIGTERM, on_sigterm as extern "C" fn(libc::c_int)),
    ] {
        // SAFETY: a zeroed sigaction with an empty mask and a handler that only does
        // async-signal-safe work.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            libc::sigemptyset(&mut sa.sa_mask);
            sa.sa_flags = libc::SA_RESTART;
            sa.sa_sigaction = handler as usize;
            if libc::sigaction(signal, &sa, std::ptr::null_mut()) != 0 {
                panic!("sigaction failed");
            }
        }
    }
}

/// The value of `--port P`; exits with status 2 and a usage line otherwise.
pub fn port_from_args() -> u16 {
    let args: Vec<String> = std::env::args().collect();
    for pair in args.windows(2) {
        if pair[0] == "--port" {
            if let Ok(p) = pair[1].parse::<u16>() {
                return p;
            }
        }
    }
    eprintln!("usage: {} --port P (0: any free port)", args.get(0).map(String::as_str).unwrap_or("server"));
    std::process::exit(2);
}

/// Writes `listening <port>` on stdout (one write(2): nothing buffered to flush).
pub fn announce_listening(port: u16) {
    write_number_line(b"listening", u64::from(port));
}
