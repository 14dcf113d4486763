#!/bin/sh
# Experiment 05's `prepare` step (manifest.json; experiments/run.py runs it before listing the
# cases): builds the tokio servers (experiments/peers/rust/src/bin/echo_server.rs and
# http_server.rs) with the Rust peers' own build script, offline from Debian's crates. A Rust
# build that fails does not fail the experiment: the tokio cases then fail on their own, saying
# that the server is missing, and every other server's cases run. The failure is printed here.
here=$(cd "$(dirname "$0")" && pwd)
if ! "$here/../peers/rust/build.sh" >/dev/null; then
  echo "prepare.sh: the tokio servers were not built (see above); the tokio cases will fail" >&2
fi
exit 0
