#!/usr/bin/env bash
# What an application pays to build with seclai: a new crate (`cargo new`) depending on a clean
# copy of this repository by path, whose main is the README's example; its cold dev and release
# builds, and the rebuild after touching only the application, each in its own target dir.
# Usage: scripts/bench-app-build.sh   (prints four lines, in seconds)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/seclai-app-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/sdk"
git archive HEAD | tar -x -C "$work/sdk"
cargo new --quiet --name app "$work/app"
cd "$work/app"
cat >> Cargo.toml <<'TOML'
seclai = { path = "../sdk/crates/seclai" }
futures = { version = "0.3", default-features = false, features = ["std"] }
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }

[workspace]
TOML
# The README's example (its first Rust block), called from main.
{
  awk '/^```rust$/ {on=1; next} on && /^```$/ {exit} on {print}' "$work/sdk/README.md"
  printf '\n#[tokio::main]\nasync fn main() {\n    if let Err(e) = demo().await {\n        eprintln!("{e}");\n    }\n}\n'
} > src/main.rs
# The versions the SDK is tested with; dependencies downloaded first, so the timing is the build.
cp "$work/sdk/Cargo.lock" Cargo.lock
cargo fetch --quiet
export CARGO_TARGET_DIR="$work/app/target"
timed() { local start; start=$(date +%s%N); "$@"; local ms=$(( ($(date +%s%N) - start) / 1000000 )); echo "$((ms / 1000)).$(( (ms % 1000) / 100 ))"; }
dev=$(timed cargo build --quiet)
touch src/main.rs
dev_again=$(timed cargo build --quiet)
release=$(timed cargo build --quiet --release)
touch src/main.rs
release_again=$(timed cargo build --quiet --release)
echo "cold dev build of the application: $dev s"
echo "dev rebuild after touching only the application: $dev_again s"
echo "cold release build of the application: $release s"
echo "release rebuild after touching only the application: $release_again s"
