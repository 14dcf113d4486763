#!/usr/bin/env python3
"""Runs one of the tokio-style reactor's example servers and checks it over loopback.

    check_server.py echo|http SERVER [--dispatch one_trip|two_trip]

The server must follow experiment 05's contract: print `listening <port>`, serve, write
`allocations <n>` on SIGUSR1, and exit 0 on SIGTERM. Bounded: every socket has a 5-second
timeout and the server is killed if it outlives the check."""
import os
import select
import signal
import socket
import subprocess
import sys

TIMEOUT = 5.0


def read_line(proc):
    ready, _, _ = select.select([proc.stdout], [], [], TIMEOUT)
    if not ready:
        raise AssertionError("the server printed nothing within 5 s")
    return proc.stdout.readline().decode().strip()


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    s.settimeout(TIMEOUT)
    return s


def recv_exactly(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def check_echo(port):
    conns = [connect(port) for _ in range(8)]
    for round_ in range(3):
        for i, c in enumerate(conns):
            c.sendall(b"%d:%d:" % (i, round_) + b"x" * 60)
        for i, c in enumerate(conns):
            want = b"%d:%d:" % (i, round_) + b"x" * 60
            got = recv_exactly(c, len(want))
            assert got == want, f"connection {i}: {got!r} != {want!r}"
    big = bytes(range(256)) * 4096  # 1 MiB: the writes meet full buffers
    c = conns[0]
    c.sendall(big[:1])
    assert recv_exactly(c, 1) == big[:1]
    import threading
    t = threading.Thread(target=c.sendall, args=(big,))
    t.start()
    assert recv_exactly(c, len(big)) == big, "1 MiB did not come back whole"
    t.join()
    conns[1].shutdown(socket.SHUT_WR)  # half-close: the server ends that connection
    assert conns[1].recv(1) == b""
    for c in conns:
        c.close()


OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!"
NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"


def check_http(port):
    c = connect(port)
    c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert recv_exactly(c, len(OK)) == OK
    # Pipelined, in one write: answered in order.
    c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
              b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    want = OK + NOT_FOUND + OK
    assert recv_exactly(c, len(want)) == want, "pipelined responses"
    # Split across writes.
    c.sendall(b"GET / HT")
    c.sendall(b"TP/1.1\r\nHost: x\r\n\r\n")
    assert recv_exactly(c, len(OK)) == OK
    # Connection: close is answered, then the connection ends.
    c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert recv_exactly(c, len(OK)) == OK
    assert c.recv(1) == b"", "the server kept a Connection: close connection open"
    c.close()
    # Pipelined past the 4096-byte read buffer, a short request cut across the reads (the rest
    # comes later): answered, not taken for a request longer than the buffer.
    import time
    p = connect(port)
    p.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    req = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    burst = req * (4096 // len(req) + 1)
    p.sendall(burst[:4099])
    time.sleep(0.05)
    p.sendall(burst[4099:])
    want = OK * (len(burst) // len(req))
    assert recv_exactly(p, len(want)) == want, "a pipelined request cut across reads"
    # A request whose head is longer than the buffer closes the connection.
    p.sendall(b"GET / HTTP/1.1\r\nX-Long: " + b"y" * 5000 + b"\r\n\r\n")
    try:
        closed = p.recv(1024) == b""
    except ConnectionResetError:  # closed with the request's rest unread
        closed = True
    assert closed, "a request longer than the buffer was taken"
    p.close()
    # A malformed request closes the connection.
    m = connect(port)
    m.sendall(b"NONSENSE\r\n\r\n")
    assert m.recv(1024) == b""
    m.close()


def main():
    kind, server = sys.argv[1], sys.argv[2]
    proc = subprocess.Popen([server, "--port", "0"] + sys.argv[3:], stdout=subprocess.PIPE)
    try:
        line = read_line(proc)
        assert line.startswith("listening "), f"first line: {line!r}"
        port = int(line.split()[1])
        (check_echo if kind == "echo" else check_http)(port)
        os.kill(proc.pid, signal.SIGUSR1)
        line = read_line(proc)
        assert line.startswith("allocations "), f"after SIGUSR1: {line!r}"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=TIMEOUT) == 0, f"exit status {proc.returncode}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    print(f"{kind} server ok")


if __name__ == "__main__":
    main()
