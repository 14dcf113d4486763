#!/bin/sh
# Builds the Rust peers (tokio, futures-rs) fully offline from Debian's crate packages and
# prints the binary's path. Run from anywhere; experiments/run.py runs it as the manifest's
# `build` command.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

PATH="$PATH:$HOME/.cargo/bin"
if ! command -v cargo >/dev/null 2>&1; then
  echo "build.sh: cargo not found (install Rust with rustup, or Debian's: apt-get install cargo)" >&2
  exit 1
fi

registry=/usr/share/cargo/registry
# Every crate Cargo.lock pins (but this one) must be in Debian's registry at that version; a
# missing one names the Debian package that ships it (librust-<name>-dev).
missing=$(awk -v reg="$registry" '
  /^name = / { gsub(/"/, "", $3); name = $3 }
  /^version = / { gsub(/"/, "", $3);
    if (name != "" && name != "gentask-peers") {
      dir = reg "/" name "-" $3
      if (system("test -d \"" dir "\"") != 0) printf " librust-%s-dev(%s %s)", name, name, $3
    } }' Cargo.lock)
if [ -n "$missing" ]; then
  echo "build.sh: the Debian crate registry $registry lacks crates Cargo.lock pins:$missing" >&2
  echo "  install them: apt-get install -y$(echo "$missing" | sed 's/([^)]*)//g')" >&2
  exit 1
fi

cargo build --release --offline --quiet
echo "$here/target/release/gentask-peers"
