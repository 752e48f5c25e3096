#!/usr/bin/env bash
# Build-time benchmark (workload 7): a cold `cargo build -p seclai` of a clean copy of the
# repository, then the incremental rebuild after a one-field edit of the spec.
# Usage: scripts/bench-build.sh            (prints two lines: cold and incremental seconds)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/seclai-bench-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
# The committed tree (what a fresh clone builds), with its own empty target directory.
git archive HEAD | tar -x -C "$work"
# The links to the spec and cassettes come back as links.
cd "$work"
export CARGO_TARGET_DIR="$work/target"
# Dependencies are downloaded first, so the timing is the build alone.
cargo fetch --quiet
start=$(date +%s%N)
cargo build --quiet -p seclai
cold_ms=$(( ($(date +%s%N) - start) / 1000000 ))
# One field added to a response schema.
python3 - <<'PY'
import re
p = "openapi/seclai.yaml"
s = open(p).read()
anchor = "  AgentRunResponse:\n"
i = s.index(anchor)
j = s.index("      properties:\n", i) + len("      properties:\n")
s = s[:j] + "        benchmark_field:\n          description: A field added by the build benchmark.\n          type: string\n          nullable: true\n" + s[j:]
open(p, "w").write(s)
PY
start=$(date +%s%N)
cargo build --quiet -p seclai
incr_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "cold build of seclai: $((cold_ms / 1000)).$(( (cold_ms % 1000) / 100 )) s"
echo "incremental rebuild after a one-field spec edit: $((incr_ms / 1000)).$(( (incr_ms % 1000) / 100 )) s"
