#!/usr/bin/env bash
# Build-time benchmark (workload 7): a cold `cargo build -p seclai` of a clean copy of the
# repository, then the incremental rebuild after a one-field edit of the spec.
# Usage: scripts/bench-build.sh [CARGO BUILD ARGS...]   (e.g. `--features schemars`; prints two
#        lines: cold seconds, and the median of three incremental rebuilds after one-field edits)
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
cargo build --quiet -p seclai "$@"
cold_ms=$(( ($(date +%s%N) - start) / 1000000 ))
# One field added to a response schema, three times (a new field each time): the median is
# reported with the three runs.
incr=()
for n in 1 2 3; do
  python3 - "$n" <<'PY'
import sys
p = "openapi/seclai.yaml"
s = open(p).read()
anchor = "  AgentRunResponse:\n"
i = s.index(anchor)
j = s.index("      properties:\n", i) + len("      properties:\n")
field = "        benchmark_field_%s:\n          description: A field added by the build benchmark.\n          type: string\n          nullable: true\n" % sys.argv[1]
s = s[:j] + field + s[j:]
open(p, "w").write(s)
PY
  start=$(date +%s%N)
  cargo build --quiet -p seclai "$@"
  incr+=($(( ($(date +%s%N) - start) / 1000000 )))
done
secs() { echo "$(($1 / 1000)).$(( ($1 % 1000) / 100 ))"; }
sorted=($(printf '%s\n' "${incr[@]}" | sort -n))
echo "cold build of seclai: $(secs "$cold_ms") s"
echo "incremental rebuild after a one-field spec edit: $(secs "${sorted[1]}") s (median of $(secs "${incr[0]}"), $(secs "${incr[1]}"), $(secs "${incr[2]}") s)"
