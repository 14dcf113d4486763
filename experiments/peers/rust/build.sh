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
missing=""
for spec in tokio-1.:librust-tokio-dev futures-0.3:librust-futures-dev \
            regex-1.:librust-regex-dev libc-0.2:librust-libc-dev; do
  crate=${spec%%:*}
  package=${spec#*:}
  if ! ls -d "$registry/$crate"* >/dev/null 2>&1; then
    missing="$missing $package"
  fi
done
if [ -n "$missing" ]; then
  echo "build.sh: the Debian crate registry $registry lacks crates this peer needs;" >&2
  echo "  install them: apt-get install -y$missing" >&2
  echo "  (librust-tokio-dev and librust-futures-dev pull in the rest)" >&2
  exit 1
fi

cargo build --release --offline --quiet
echo "$here/target/release/gentask-peers"
