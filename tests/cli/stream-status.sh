#!/bin/sh
# stream-status.sh: `stream status` (text and --json, its exit status: 66 no stream folder, 0
# running and fresh, 1 not running or stale, other status keys shown as they are), and the
# restore handshake with a running stream: while stream/pause is held exclusively the stream
# writes no segment and says it is paused; a restore that cannot take it gives up with 75
# naming the stream's pid and changes nothing; restore db --at with the stream running
# installs the state after one commit begun by then, the stream is not killed, starts a new
# generation from the restored file with the reason "database restored", and what is
# committed after it is in the new generation.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/pitr-lib.sh"
command -v sqlite3 >/dev/null 2>&1 || { echo "# SKIP sqlite3 is not installed"; exit 77; }
command -v flock >/dev/null 2>&1 || { echo "# SKIP flock(1) is not installed"; exit 77; }

SP=
trap '[ -n "$SP" ] && kill -9 "$SP" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
DB="$T/live/sdwan.db"
SB="$T/backup"
SD="$SB/stream"
mkdir -p "$T/live" "$T/r"
printf 'database: %s\nbackup_dir: %s\nstate_dir: %s/state\nencryption_key: %s/stream.key\n' \
    "$DB" "$SB" "$T" "$T" >"$T/live.yaml"
printf 'database: %s/r/x.db\nbackup_dir: %s\nstate_dir: %s/state\nencryption_key: %s/stream.key\n' \
    "$T" "$SB" "$T" "$T" >"$T/dr.yaml"
L="$T/live.yaml"

# status_key KEY: a value of the stream's status file.
status_key() { sed -n "s/^$1 //p" "$SD/status" 2>/dev/null; }
# nseg: how many segments the newest generation holds.
nseg() { ls "$SD/$(ls "$SD" | grep -E '^[0-9]{8}-[0-9]{6}-[0-9a-f]{8}$' | tail -1)" | grep -c '\.seg$'; }
# wait_for CMD...: up to 20 s until CMD succeeds.
wait_for() { i=0; while ! "$@" && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done; "$@"; }
# caught_up_after MS: the stream's status says it caught up after MS.
caught_up_after() { [ "$(status_key caught_up_ms)" -gt "$1" ] 2>/dev/null; }
# json_check PYTHON-EXPR DESC: the last run's stdout is one JSON object d for which EXPR holds.
json_check() {
	if ! command -v python3 >/dev/null 2>&1; then ok "$2 (# SKIP no python3)"; return; fi
	if python3 -c "import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" \
	    "$T/out" 2>"$T/json.err"; then ok "$2"; else
		fail "$2: $(cat "$T/json.err")"; sed 's/^/  | /' "$T/out"; fi
}

# --- no stream folder --------------------------------------------------------------------
run "$PDR" --config "$L" stream status
expect_rc 66 "stream status without a stream folder"
expect_match "$T/err" "stream: no stream folder" "says there is no stream folder"
run "$PDR" --config "$L" stream --json
expect_rc 64 "--json without status is a usage error"

# --- running ---------------------------------------------------------------------------
"$WRITER" write "$DB" 0 "$T/log" || { fail "the writer creates the database"; finish; exit 1; }
cp "$DB" "$T/old.db"
"$PDR" --config "$L" -v stream >"$T/stream.log" 2>&1 &
SP=$!
stream_up() { [ "$(status_key pid)" = "$SP" ]; }
wait_for stream_up && ok "the stream runs (pid $SP)" ||
	{ fail "the stream did not start"; cat "$T/stream.log"; finish; exit 1; }
wait_for caught_up_after 0
run "$PDR" --config "$L" stream status
expect_rc 0 "stream status of a running stream"
expect_match "$T/out" "^stream: running \\(pid $SP\\), generation [0-9]{8}-[0-9]{6}-[0-9a-f]{8}$" "names the pid and generation"
expect_match "$T/out" "^generations on disk: 1$" "counts the generations on disk"
expect_match "$T/out" "^generation_reason: no generation yet$" "shows the status file's other keys"
expect_match "$T/out" "^state: ok, caught up [0-9.]+m?s ago \\(within 5\\.0s\\)$" "state ok"
run "$PDR" --config "$L" stream status --json
expect_rc 0 "stream status --json"
json_check "d['running'] is True and d['pid'] == $SP and d['state'] == 'fresh' and d['generations'] == 1 and d['bound_ms'] == 5000 and d['other']['generation_reason'] == 'no generation yet' and isinstance(d['other']['generation_ms'], int)" \
    "--json: one object with running, pid, state, generations, the other keys"

# --- the stream waits while stream/pause is held exclusively -------------------------------
before=$(nseg)
exec 7<"$SD/pause"
flock -x 7
for i in 1 2 3 4 5; do
	sqlite3 "$DB" "CREATE TABLE IF NOT EXISTS extra(x); INSERT INTO extra VALUES($i);" 7<&-
done
wait_for grep -q "stream: paused: a restore" "$T/stream.log" &&
	ok "the stream says it is paused" || fail "the stream did not pause: $(tail -3 "$T/stream.log")"
same "no segment is written while paused" "$(nseg)" "$before"
now=$(($(date +%s%N) / 1000000))
exec 7<&-
wait_for caught_up_after "$now" && ok "the stream goes on once the pause ends" || fail "the stream did not go on"
[ "$(nseg)" -gt "$before" ] && ok "the commits made while paused are shipped then" || fail "no new segment after the pause"
expect_match "$T/stream.log" "the restore \\(pid .*\\) is done, going on" "the stream says it goes on"

# --- a writer, then restore db --at with the stream running ----------------------------------
"$WRITER" write "$DB" 300 "$T/log" || fail "the writer"
end=$(awk 'END { print $3 }' "$T/log")
wait_for caught_up_after "$end" && ok "the stream caught up with the writer" || fail "the stream did not catch up"
gen1=$(status_key generation)
at=$(awk '$1 == 150 { print $3 }' "$T/log")

# A round in hand (the pause held shared) that does not end: the restore gives up, naming the pid.
sha_before=$(sha256sum "$DB" | cut -d' ' -f1)
exec 7<"$SD/pause"
flock -s 7
run "$PDR" --config "$L" restore db --at "$(ms_arg "$at")" --yes --wait 1s 7<&-
exec 7<&-
expect_rc 75 "restore db gives up when the stream does not pause"
expect_match "$T/err" "the stream \\(pid $SP\\) did not pause within 1\\.0s; nothing changed" "names the stream's pid"
same "the database is unchanged" "$(sha256sum "$DB" | cut -d' ' -f1)" "$sha_before"
kill -0 "$SP" 2>/dev/null && ok "the stream still runs" || fail "the stream died"

run "$PDR" --config "$L" restore db --at "$(ms_arg "$at")" --yes
expect_rc 0 "restore db --at with the stream running"
expect_match "$T/out" "^point reached: .* \\(segment [0-9]+ of stream generation $gen1" "from the stream's generation"
expect_match "$T/out" "^restored $DB from .*\\.seg" "installed from the stream"
k=$(restored_k "$DB")
start=$(awk -v k="$k" '$1 == k { print $2 }' "$T/log")
[ "$k" -gt 0 ] && [ -n "$start" ] && [ "$start" -le "$at" ] &&
	ok "the restored file holds commits up to $k, begun by then" || fail "restored commit $k begun at $start, after $at"
same_state "the restored file is row for row the state after commit $k" "$DB" "$k"
ls "$T/live" | grep -q '^\.sdwan\.db\.pitr-' && fail "a rebuild file is left beside the database" ||
	ok "no rebuild file is left beside the database"
kill -0 "$SP" 2>/dev/null && ok "the stream was not killed" || fail "the stream died: $(tail -5 "$T/stream.log")"

newgen() { [ -n "$(status_key generation)" ] && [ "$(status_key generation)" != "$gen1" ]; }
wait_for newgen && ok "the stream started a new generation $(status_key generation)" ||
	fail "no new generation: $(cat "$SD/status")"
gen2=$(status_key generation)
wait_for caught_up_after "$(sed -n 's/^Time-Ms: //p' "$SD/$gen2/snapshot.sha256")"
run "$PDR" --config "$L" stream status
expect_rc 0 "stream status after the restore"
expect_match "$T/out" "^generation_reason: database restored \\(by pid [0-9]+ from .*\\.seg\\)$" "the reason is \"database restored\""
expect_match "$T/out" "^generations on disk: 2$" "two generations on disk"
expect_match "$T/stream.log" "NEW generation $gen2 started: database restored" "the stream log says why"
cp "$SD/$gen2/snapshot.db" "$T/snap.db"
same_state "the new generation's snapshot is the restored state" "$T/snap.db" "$k"

# What is committed after the restore is in the new generation.
sqlite3 "$DB" "INSERT INTO t VALUES(1000000, 'after the restore');"
now=$(($(date +%s%N) / 1000000))
wait_for caught_up_after "$now"
run "$PDR" --config "$T/dr.yaml" restore db --yes
expect_rc 0 "restore db (elsewhere) from the stream's newest point"
expect_match "$T/out" "^point reached: .* \\(segment [0-9]+ of stream generation $gen2" "from the new generation"
sqlite3 "$DB" '.dump t big' >"$T/live.dump"
sqlite3 "$T/r/x.db" '.dump t big' >"$T/x.dump"
grep -q "after the restore" "$T/x.dump" && cmp -s "$T/live.dump" "$T/x.dump" &&
	ok "the new generation holds the commit after the restore, row for row" ||
	fail "the rebuild of the new generation differs from the live database"

# An older copy written over the live file in place (same inode): caught by the change counter.
gen3=$(status_key generation)
cat "$T/old.db" >"$DB"
newgen3() { [ -n "$(status_key generation)" ] && [ "$(status_key generation)" != "$gen3" ]; }
wait_for newgen3 && ok "a database overwritten in place starts a new generation" ||
	fail "the stream did not notice the file overwritten in place: $(cat "$SD/status")"
expect_match "$SD/status" "^generation_reason the database file was overwritten in place \\(its change counter went back from [0-9]+ to [0-9]+\\)$" \
    "the reason names the change counter"

# --- not running, other keys, stale ----------------------------------------------------------
kill -TERM "$SP"
wait "$SP"
rc=$?
SP=
expect_rc 0 "the stream stops on SIGTERM"
echo "offsite_s3_sequence 42" >>"$SD/status"
echo "offsite_note all uploaded" >>"$SD/status"
run "$PDR" --config "$L" stream status
expect_rc 1 "stream status of a stopped stream"
expect_match "$T/out" "^stream: NOT running" "says it is not running"
expect_match "$T/out" "^state: NOT RUNNING" "the state line says so"
expect_match "$T/out" "^offsite_s3_sequence: 42$" "a key it does not know is shown"
run "$PDR" --config "$L" stream status --json
expect_rc 1 "--json of a stopped stream"
json_check "d['running'] is False and d['state'] == 'not running' and d['other']['offsite_s3_sequence'] == 42 and d['other']['offsite_note'] == 'all uploaded'" \
    "--json: not running, the other keys with numbers as numbers"

old=$(($(date +%s%N) / 1000000 - 60000))
sed -i "s/^caught_up_ms .*/caught_up_ms $old/" "$SD/status"
exec 8<"$SD/lock"
flock -x 8
run "$PDR" --config "$L" stream status 8<&-
expect_rc 1 "stream status of a stream that holds its lock but has not caught up for a minute"
expect_match "$T/out" "^state: STALE, last caught up 1m ago \\(more than 5\\.0s\\)$" "says it is stale"
exec 8<&-
finish
