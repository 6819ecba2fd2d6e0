#!/bin/sh
# bench/demo.sh: how long `patronus-dr demo` takes to make (and --reset) a sandbox, and its size.
# Usage: bench/demo.sh [PATRONUS-DR [RUNS]]  (default: ./patronus-dr, 5 runs). Prints figures only.
set -eu
PDR=${1:-./patronus-dr}
RUNS=${2:-5}
T=$(mktemp -d "${TMPDIR:-/tmp}/pdr-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT

now() { date +%s.%N; }
start=$(now)
"$PDR" demo --dir "$T/sb" --no-tui >/dev/null
first=$(awk -v a="$start" -v b="$(now)" 'BEGIN { print b - a }')
start=$(now)
i=0
while [ "$i" -lt "$RUNS" ]; do
	"$PDR" demo --dir "$T/sb" --reset --no-tui >/dev/null
	i=$((i + 1))
done
reset=$(awk -v a="$start" -v b="$(now)" -v n="$RUNS" 'BEGIN { print (b - a) / n }')
db="$T/sb/var/lib/patronus/sdwan.db"
printf 'first sandbox:        %.3f s\n' "$first"
printf 'demo --reset (mean):  %.3f s over %d runs\n' "$reset" "$RUNS"
printf 'database:             %s bytes, %s sites, %s paths, %s health rows\n' \
    "$(stat -c %s "$db")" "$(sqlite3 "$db" 'SELECT COUNT(*) FROM sites')" \
    "$(sqlite3 "$db" 'SELECT COUNT(*) FROM paths')" \
    "$(sqlite3 "$db" 'SELECT COUNT(*) FROM path_health')"
printf 'sandbox on disk:      %s\n' "$(du -sh "$T/sb" | cut -f1)"
