//! Puts the versions of the peers (from Cargo.lock) and of rustc into the binary, for the JSON
//! context.

use std::process::Command;

fn locked_version(lock: &str, name: &str) -> String {
    let needle = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == needle {
            if let Some(v) = lines.next() {
                if let Some(rest) = v.trim().strip_prefix("version = ") {
                    return rest.trim_matches('"').to_string();
                }
            }
        }
    }
    "unknown".to_string()
}

fn main() {
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-changed=build.rs");
    let lock = std::fs::read_to_string("Cargo.lock").unwrap_or_default();
    for (crate_name, var) in [
        ("tokio", "PEER_TOKIO_VERSION"),
        ("futures", "PEER_FUTURES_VERSION"),
        ("futures-util", "PEER_FUTURES_UTIL_VERSION"),
    ] {
        println!(
            "cargo:rustc-env={var}={}",
            locked_version(&lock, crate_name)
        );
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=PEER_RUSTC_VERSION={version}");
}
