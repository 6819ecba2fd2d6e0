#!/bin/sh
# bench/incident.sh: the incident record's cost: durable append latency, and how long
# `incidents verify` and `incidents show` take on a large incident. Prints figures only.
# Usage: bench/incident.sh [BUILDDIR [EVENTS]]  (default: ., 2000 events)
set -eu
B=${1:-.}
N=${2:-2000}
T=$(mktemp -d "${TMPDIR:-/tmp}/pdr-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
printf 'state_dir: %s/state\n' "$T" >"$T/dr.yaml"
FIX="$B/tests/pdr-incident-fixture"
[ -x "$FIX" ] || { echo "build $FIX first (make check or make tests/pdr-incident-fixture)" >&2; exit 1; }

now() { date +%s.%N; }
id=$("$FIX" "$T/state" declare database-corruption drill)
"$FIX" "$T/state" bench "$id" "$N"
# Two writers at once on the same incident.
start=$(now)
"$FIX" "$T/state" bench "$id" "$N" >"$T/a" & p=$!
"$FIX" "$T/state" bench "$id" "$N" >"$T/b"
wait "$p"
both=$(awk -v a="$start" -v b="$(now)" 'BEGIN { print b - a }')
printf 'two writers:          %d appends each in %.2f s (%.0f appends/s together)\n' \
    "$N" "$both" "$(awk -v s="$both" -v n="$N" 'BEGIN { print 2 * n / s }')"
start=$(now)
"$B/patronus-dr" --config "$T/dr.yaml" incidents verify "$id" >/dev/null
printf 'verify %6d events:  %.3f s\n' "$((3 * N + 1))" \
    "$(awk -v a="$start" -v b="$(now)" 'BEGIN { print b - a }')"
start=$(now)
"$B/patronus-dr" --config "$T/dr.yaml" incidents show "$id" >/dev/null
printf 'show   %6d events:  %.3f s\n' "$((3 * N + 1))" \
    "$(awk -v a="$start" -v b="$(now)" 'BEGIN { print b - a }')"
printf 'record on disk:       %s\n' "$(du -sh "$T/state" | cut -f1)"
