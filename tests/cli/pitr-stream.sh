#!/bin/sh
# pitr-stream.sh: point-in-time restore from the real `patronus-dr stream`. The test writer
# commits 600 times into a live WAL database while the stream follows it; then restore db
# --at at 24 random points and the edges: each must reach the newest segment captured by
# then (read from the segment headers), hold exactly the state after one commit of the
# writer (sqlite3 .dump against sqlite3's own rebuild from the writer's SQL), one that began
# before the point, never going back as the point moves on. While the stream runs and is
# caught up, runbooks lint has no RPO warning and rpo names the stream; a deleted segment
# in the middle is named and the restore stops before it.
. "$srcdir/tests/cli/lib.sh"
# rpo and backups lines read whole (tables.sh checks them at 80 columns)
COLUMNS=1000
export COLUMNS
. "$srcdir/tests/cli/pitr-lib.sh"
command -v sqlite3 >/dev/null 2>&1 || { echo "# SKIP sqlite3 is not installed"; exit 77; }

SP=
trap '[ -n "$SP" ] && kill -9 "$SP" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
DB="$T/live/sdwan.db"
SB="$T/backup"
mkdir -p "$T/live" "$T/r"
printf 'database: %s\nbackup_dir: %s\nstate_dir: %s/state\nrunbook_dirs: [%s]\nencryption_key: %s\n' \
    "$DB" "$SB" "$T" "$T" "$SKEY" >"$T/live.yaml"
printf 'database: %s/r/x.db\nbackup_dir: %s\nstate_dir: %s/state\nencryption_key: %s/stream.key\n' \
    "$T" "$SB" "$T" "$T" >"$T/dr.yaml"
CF="$T/dr.yaml"

# status_key KEY: a value of the stream's status file.
status_key() { sed -n "s/^$1 //p" "$SB/stream/status" 2>/dev/null; }

"$WRITER" write "$DB" 0 "$T/log" || { fail "the writer creates the database"; finish; exit 1; }
"$PDR" --config "$T/live.yaml" -v stream >"$T/stream.log" 2>&1 &
SP=$!
i=0
while [ "$(status_key pid)" != "$SP" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
[ "$(status_key pid)" = "$SP" ] && ok "the stream runs (pid $SP)" || { fail "the stream did not start"; cat "$T/stream.log"; finish; exit 1; }

"$WRITER" write "$DB" 600 "$T/log" || fail "the writer"
end=$(awk 'END { print $3 }' "$T/log")
i=0
while [ "$(status_key caught_up_ms)" -le "$end" ] 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
[ "$(status_key caught_up_ms)" -gt "$end" ] && ok "the stream caught up after the last commit" ||
	fail "the stream did not catch up: $(cat "$SB/stream/status")"

# --- while it runs, caught up: the plan's RPO targets can be met ----------------------------
run "$PDR" --config "$T/live.yaml" runbooks lint --strict "$srcdir/runbooks/database-corruption.yaml" \
    "$srcdir/runbooks/single-node-failure.yaml"
expect_rc 0 "lint --strict with the stream running"
expect_no_match "$T/err" "cannot keep RPO" "no RPO warning with the stream running and caught up"
run "$PDR" --config "$T/live.yaml" rpo --target 5m
expect_rc 0 "rpo within 5m with the stream"
expect_match "$T/out" "^stream: running \\(pid $SP\\), caught up [0-9.]+m?s ago" "rpo: the stream runs, caught up"
expect_match "$T/out" "^newest restorable point: .*, from the stream$" "rpo: the newest point is the stream's"

run "$PDR" --config "$T/live.yaml" backups
expect_rc 0 "backups with the stream running"
expect_match "$T/out" "^stream: running \(pid $SP\), generation [0-9]{8}-[0-9]{6}-[0-9a-f]{8}$" "backups: the stream runs"
expect_match "$T/out" "^newest point: segment [0-9]+ captured .* ago\)$" "backups: its newest point"
expect_match "$T/out" "^caught up: .* ago\)$" "backups: when it last caught up"

kill -TERM "$SP"
wait "$SP"
rc=$?
SP=
expect_rc 0 "the stream stops on SIGTERM"
run "$PDR" --config "$T/live.yaml" backups
expect_match "$T/out" "^stream: NOT running \(last status .*\), generation " "backups: the stream has stopped"
run "$PDR" --config "$T/live.yaml" runbooks lint "$srcdir/runbooks/database-corruption.yaml"
expect_match "$T/err" "the schedule cannot keep RPO target 15m: backups every 1h, no stream running" \
    "lint warns again once the stream has stopped"

gen=$(ls "$SB/stream" | grep -E '^[0-9]{8}-[0-9]{6}-[0-9a-f]{8}$' | tail -1)
GD="$SB/stream/$gen"
for f in "$GD"/*.seg; do
	n=${f##*/}
	echo "$(echo "${n%.seg}" | sed 's/^0*//') $(seg_time "$f")"
done >"$T/segs"
nseg=$(wc -l <"$T/segs")
[ "$nseg" -ge 10 ] && ok "the stream wrote $nseg segments in generation $gen" || fail "only $nseg segments"
snap_ms=$(sed -n 's/^Time-Ms: //p' "$GD/snapshot.sha256")
last_ms=$(awk 'END { print $2 }' "$T/segs")

# check_at MS LABEL: the restore at MS reaches the newest segment captured by then and
# holds the state after one commit, begun by then; $prev_k is the commit of an earlier point.
check_at() {
	seq=$(awk -v t="$1" '$2 <= t { s = $1 } END { print s + 0 }' "$T/segs")
	run "$PDR" --config "$CF" restore db --at "$(ms_arg "$1")" --yes
	expect_rc 0 "$2: restore db --at $(ms_arg "$1")"
	if [ "$seq" -gt 0 ]; then
		expect_match "$T/out" "^point reached: .* \\(segment $seq of stream generation $gen" \
		    "$2: reached segment $seq, the newest captured by then"
	else
		expect_match "$T/out" "^point reached: .* \\(the snapshot of stream generation $gen" \
		    "$2: reached the snapshot"
	fi
	k=$(restored_k "$T/r/x.db")
	start=$(awk -v k="$k" '$1 == k { print $2 }' "$T/log")
	if [ "$k" -eq 0 ]; then
		ok "$2: holds no commit yet"
	elif [ -n "$start" ] && [ "$start" -le "$1" ]; then
		ok "$2: holds commits up to $k, begun by then"
	else
		fail "$2: holds commit $k, begun at $start, after $1"
	fi
	[ "$k" -ge "$prev_k" ] && ok "$2: not older than an earlier point's ($prev_k)" ||
		fail "$2: commit $k, older than an earlier point's $prev_k"
	prev_k=$k
	same_state "$2: row for row the state after commit $k" "$T/r/x.db" "$k"
}

# 24 random points, in time order, and the edges.
i=0
while [ $i -lt 24 ]; do
	r=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
	echo $((snap_ms + r % (last_ms - snap_ms + 300)))
	i=$((i + 1))
done | sort -n >"$T/points"
prev_k=0
check_at "$snap_ms" "the snapshot's time"
i=0
while read -r t; do
	i=$((i + 1))
	check_at "$t" "random point $i"
done <"$T/points"
mid=$(awk -v n=$((nseg / 2)) '$1 == n { print $2 }' "$T/segs")
prev_k=0
check_at "$mid" "exactly the capture time of segment $((nseg / 2))"
check_at "$last_ms" "the newest segment's capture time"
same "the newest point holds every commit" "$(restored_k "$T/r/x.db")" 600
expect_no_match "$T/err" "broken" "no break reported on the stream's chain"

# Without --at: no set, the stream's newest point.
run "$PDR" --config "$CF" restore db --yes
expect_rc 0 "restore db without --at"
expect_match "$T/out" "no backup set verifies; the stream's newest good point is" "says it uses the stream"
same "restore db: every commit" "$(restored_k "$T/r/x.db")" 600

# --- a segment deleted in the middle -----------------------------------------------------------
m=$((nseg / 2))
before=$(awk -v n=$((m - 1)) '$1 == n { print $2 }' "$T/segs")
rm "$GD/$(printf %08d "$m").seg"
run "$PDR" --config "$CF" restore db --at "$(ms_arg "$last_ms")" --yes
expect_rc 1 "a deleted segment: --yes installs the last good point, exit 1 (short of the time asked for)"
expect_match "$T/err" "chain is broken: .*/$(printf %08d "$m")\\.seg: missing" "the deleted segment is named"
expect_match "$T/out" "^point reached: .* \\(segment $((m - 1)) of" "stops at segment $((m - 1))"
k=$(restored_k "$T/r/x.db")
cp "$T/r/x.db" "$T/broken.db"
run "$PDR" --config "$CF" restore db --at "$(ms_arg "$before")" --yes
same "the same state as a restore at segment $((m - 1))'s time" "$(restored_k "$T/r/x.db")" "$k"
same_state "row for row the state after commit $k" "$T/broken.db" "$k"

finish
