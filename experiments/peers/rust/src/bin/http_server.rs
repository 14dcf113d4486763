//! Experiment 05's tokio HTTP/1.1 server (variant `tokio`, workload `http`): `GET /` answers
//! `Hello, World!`, with keep-alive and pipelining. The parser is `httparse` (Debian's
//! librust-httparse-dev; the parser is not the subject). The tokio side is the echo server's
//! idiom (echo_server.rs): a `current_thread` runtime, a `TcpListener`, `tokio::spawn` per
//! connection. Each connection task reads into its 4096-byte buffer (after any partial request
//! left from the previous read), parses every complete request in it, appends each response to
//! its output buffer (so the responses to pipelined requests that came in one read go out in one
//! `write_all`), moves a partial request to the front, and reads again. Both buffers are
//! allocated once per connection and keep their capacity: steady state allocates nothing.
//!
//! Responses: `GET /` -> 200 with `Content-Type: text/plain`, `Content-Length: 13` and the body
//! `Hello, World!`; any other request -> 404 with `Content-Length: 0`. A request that asks to
//! close (HTTP/1.0 without `Connection: keep-alive`, or `Connection: close`) gets its response,
//! then the connection is closed; a malformed request, or one larger than the buffer, closes
//! the connection.
//!
//! The server contract (experiments/05-io-reactor/README.md, "Servers"): `--port 0`, the
//! `listening <port>` line, SIGTERM exits 0, SIGUSR1 writes `allocations <n>`.

#[allow(dead_code)]
#[path = "../alloc.rs"]
mod alloc;
#[path = "../server_contract.rs"]
mod server_contract;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[global_allocator]
static GLOBAL: alloc::CountingAllocator = alloc::CountingAllocator;

const OK_RESPONSE: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!";
const NOT_FOUND_RESPONSE: &[u8] = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";

/// `bytes` without leading and trailing ASCII whitespace (`<[u8]>::trim_ascii` needs Rust 1.80;
/// Debian 12's rustc is 1.63).
fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(start, |i| i + 1);
    &bytes[start..end]
}

/// Whether the connection stays open after this request (http_parser's
/// `http_should_keep_alive`, which the Asio server uses).
fn keep_alive(req: &httparse::Request) -> bool {
    let mut close = false;
    let mut keep = false;
    for h in req.headers.iter() {
        if h.name.eq_ignore_ascii_case("connection") {
            for token in h.value.split(|&b| b == b',') {
                let token = trim(token);
                close |= token.eq_ignore_ascii_case(b"close");
                keep |= token.eq_ignore_ascii_case(b"keep-alive");
            }
        }
    }
    if req.version == Some(1) {
        !close
    } else {
        keep
    }
}

async fn serve(mut socket: TcpStream) {
    let mut buf = vec![0u8; 4096];
    let mut out: Vec<u8> = Vec::with_capacity(4096);
    let mut filled = 0;
    loop {
        let n = match socket.read(&mut buf[filled..]).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        filled += n;
        let mut start = 0;
        let mut closing = false;
        while start < filled {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut req = httparse::Request::new(&mut headers);
            match req.parse(&buf[start..filled]) {
                Ok(httparse::Status::Complete(len)) => {
                    let root = req.method == Some("GET") && req.path == Some("/");
                    out.extend_from_slice(if root { OK_RESPONSE } else { NOT_FOUND_RESPONSE });
                    start += len;
                    if !keep_alive(&req) {
                        closing = true;
                        break;
                    }
                }
                Ok(httparse::Status::Partial) => break,
                Err(_) => return,
            }
        }
        if !closing {
            buf.copy_within(start..filled, 0);
            filled -= start;
            if filled == buf.len() {
                return; // a request larger than the buffer
            }
        }
        if !out.is_empty() {
            if socket.write_all(&out).await.is_err() {
                return;
            }
            out.clear();
        }
        if closing {
            return;
        }
    }
}

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
            match listener.accept().await {
                Ok((socket, _)) => {
                    tokio::spawn(serve(socket));
                }
                Err(e) => eprintln!("accept: {e}"),
            }
        }
    });
}
