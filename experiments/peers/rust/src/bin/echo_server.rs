//! Experiment 05's tokio TCP echo server (variant `tokio`): tokio's own idiom, as its echo
//! example writes it. A `current_thread` runtime with the I/O driver; the root future accepts on
//! a `TcpListener` forever and `tokio::spawn`s one task per connection, which loops
//! `read` into its 4096-byte buffer (allocated once per connection, reused) and `write_all` of
//! what it read, until the peer closes or an error.
//!
//! The server contract (experiments/05-io-reactor/README.md, "Servers"): `--port 0`, the
//! `listening <port>` line, SIGTERM exits 0, SIGUSR1 writes `allocations <n>` (the counting
//! global allocator).

#[allow(dead_code)]
#[path = "../alloc.rs"]
mod alloc;
#[path = "../server_contract.rs"]
mod server_contract;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[global_allocator]
static GLOBAL: alloc::CountingAllocator = alloc::CountingAllocator;

fn main() {
    let port = server_contract::port_from_args();
    server_contract::install();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind 127.0.0.1");
        server_contract::announce_listening(listener.local_addr().expect("local_addr").port());
        loop {
            let (mut socket, _) = match listener.accept().await {
                Ok(pair) => pair,
                Err(e) => {
                    eprintln!("accept: {e}");
                    continue;
                }
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                loop {
                    let n = match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    if socket.write_all(&buf[..n]).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
}
