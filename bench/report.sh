#!/bin/sh
# bench/report.sh: how long `report` (md, html, status) takes on a large incident
# (notes plus commands with 64 KiB of output each), and `drills` over many drills.
# Prints figures only. Usage: bench/report.sh [BUILDDIR [EVENTS [DRILLS]]]
# (default: ., 2000 events, 50 drills)
set -eu
B=${1:-.}
N=${2:-2000}
D=${3:-50}
T=$(mktemp -d "${TMPDIR:-/tmp}/pdr-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
printf 'state_dir: %s/state\n' "$T" >"$T/dr.yaml"
FIX="$B/tests/pdr-incident-fixture"
[ -x "$FIX" ] || { echo "build $FIX first (make check or make tests/pdr-incident-fixture)" >&2; exit 1; }

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
id=$("$FIX" "$T/state" declare database-corruption)
"$FIX" "$T/state" bench "$id" "$N" >/dev/null
out=$(head -c 49152 /dev/urandom | base64)
for i in 1 2 3 4 5 6 7 8 9 10; do
	"$FIX" "$T/state" event "$id" command-started "s$i" "step $i command"
	"$FIX" "$T/state" output "$id" "s$i" "$out"
	"$FIX" "$T/state" exit "$id" "s$i" "exit 0" 0 0 0
done
"$FIX" "$T/state" close "$id" resolved
for f in md html status; do
	start=$(now)
	"$B/patronus-dr" --config "$T/dr.yaml" report "$id" --format "$f" -o "$T/r.$f"
	printf 'report --format %-6s %5d events, 10 x %d KiB output: %s s, %d bytes\n' "$f" \
	    "$((N + 32))" "$(( ${#out} / 1024 ))" "$(since "$start")" "$(wc -c <"$T/r.$f")"
done
i=0
while [ $i -lt "$D" ]; do
	d=$("$FIX" "$T/state" declare failover-drill drill)
	"$FIX" "$T/state" event "$d" step-done failover.verify-service
	"$FIX" "$T/state" close "$d" done
	i=$((i + 1))
done
start=$(now)
"$B/patronus-dr" --config "$T/dr.yaml" drills failover-drill >/dev/null
printf 'drills over %d drills:  %s s\n' "$D" "$(since "$start")"
