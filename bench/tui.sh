#!/bin/sh
# bench/tui.sh: the TUI's cost on a drill of database-corruption in an 80x24 tmux pane:
# bytes written to the terminal per second while idle (only the clocks tick), time from
# `run` to the first full screen (best and median of RUNS), peak memory (RSS).
# Not a test: prints figures only.
# Usage: bench/tui.sh [PATRONUS-DR [IDLE-SECONDS [RUNS]]]  (default: ./patronus-dr, 10 s, 5).
set -eu
PDR=$(readlink -f "${1:-./patronus-dr}")
IDLE=${2:-10}
RUNS=${3:-5}
T=$(mktemp -d "${TMPDIR:-/tmp}/pdr-bench.XXXXXX")
TM="tmux -L pdrbench$$ -f /dev/null"
trap '$TM kill-server >/dev/null 2>&1 || :; rm -rf "$T"' EXIT

"$PDR" demo --dir "$T/sb" --no-tui >/dev/null

# session N IDLE: run a drill in an 80x24 pane under script(1) (every byte written, with the
# time of each chunk) and time(1) (peak RSS); wait for the first screen, stay IDLE seconds,
# leave with q. Leaves $T/ts.N, $T/timing.N, $T/rss.N and, for IDLE > 0, $T/idle.N (bytes).
session() {
	$TM new-session -d -s "s$1" -x 80 -y 24 "env LC_ALL=C.UTF-8 TERM=tmux-256color \
	    /usr/bin/time -f '%M %U %S' -o $T/rss.$1 script -q -f -T $T/timing.$1 \
	    -c '$PDR --config $T/sb/dr.yaml run database-corruption --drill' $T/ts.$1; sleep 60"
	i=0
	until grep -q 'q quit' "$T/ts.$1" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 100 ] || { echo "no screen after 10 s" >&2; exit 1; }
		sleep 0.1
	done
	if [ "$2" -gt 0 ]; then
		sleep 2
		b0=$(stat -c %s "$T/ts.$1")
		sleep "$2"
		echo $(( $(stat -c %s "$T/ts.$1") - b0 )) >"$T/idle.$1"
	fi
	$TM send-keys -t "s$1" q
	i=0
	until [ -s "$T/rss.$1" ]; do
		i=$((i + 1)); [ $i -lt 100 ] || { echo "the TUI did not end" >&2; exit 1; }
		sleep 0.1
	done
	$TM kill-session -t "s$1"
}

# first N: milliseconds from script's start to the chunk that completes the first screen
# (the footer's "q quit"); the typescript's header line is not in the timing file.
first() {
	hdr=$(head -1 "$T/ts.$1" | wc -c)
	off=$(( $(grep -abo 'q quit' "$T/ts.$1" | head -1 | cut -d: -f1) - hdr ))
	awk -v off="$off" '{ t += $1; n += $2; if (n > off) { printf "%.1f\n", t * 1000; exit } }' \
	    "$T/timing.$1"
}

session 0 "$IDLE"
n=1
while [ $n -le "$RUNS" ]; do
	session $n 0
	n=$((n + 1))
done
times=$(n=1; while [ $n -le "$RUNS" ]; do first $n; n=$((n + 1)); done | sort -n)
idle=$(cat "$T/idle.0")
printf 'idle output:          %s bytes/s (%d bytes in %d s, clocks ticking)\n' \
    "$((idle / IDLE))" "$idle" "$IDLE"
printf 'run to first screen:  best %s ms, median %s ms of %d runs (script(1) start to the footer)\n' \
    "$(echo "$times" | head -1)" "$(echo "$times" | sed -n "$(( (RUNS + 1) / 2 ))p")" "$RUNS"
printf 'first screen:         %s bytes\n' "$(( $(grep -abo 'q quit' "$T/ts.0" | head -1 | cut -d: -f1) - $(head -1 "$T/ts.0" | wc -c) ))"
printf 'peak RSS:             %s KiB (max of %d runs)\n' \
    "$(cut -d' ' -f1 "$T"/rss.* | sort -n | tail -1)" "$((RUNS + 1))"
printf 'CPU to first screen:  %s ms user+sys (median of the %d runs that left at once)\n' \
    "$(n=1; while [ $n -le "$RUNS" ]; do awk '{ printf "%.0f\n", ($2 + $3) * 1000 }' "$T/rss.$n"; n=$((n + 1)); done | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")" "$RUNS"
printf 'load average:         %s (the figures above are wall-clock times)\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
