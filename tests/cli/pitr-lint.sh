#!/bin/sh
# pitr-lint.sh: runbooks lint checks each RPO target against the protection dr.yaml
# configures: hourly backups cannot meet the plan's 15-minute (and 5-minute) RPO; a
# running, caught-up stream (a status file and a lock held by a real process) can;
# a stream that is behind or stopped cannot. Warnings exit 0, with --strict 1.
. "$srcdir/tests/cli/lib.sh"

holder=
trap '[ -n "$holder" ] && kill "$holder" 2>/dev/null; rm -rf "$T"' EXIT

RB="$srcdir/runbooks"
BK="$T/bk"
mkdir -p "$BK/stream"
printf 'backup_dir: %s\nrunbook_dirs: [%s]\n' "$BK" "$T" >"$T/dr.yaml"

# hold_lock: a process holds BK/stream/lock as the running stream does (flock LOCK_EX).
hold_lock() {
	sh -c 'exec 9>"$1"; flock 9; exec sleep 120' _ "$BK/stream/lock" &
	holder=$!
	n=0
	# until the lock is taken: flock -n fails while it is held
	while flock -n -s "$BK/stream/lock" true 2>/dev/null && [ $n -lt 1000 ]; do
		n=$((n + 1)); sleep 0.01
	done
}

# write_status CAUGHT_UP_MS: the status file the stream writes, caught up at that time.
write_status() {
	printf 'pid %s\ngeneration 20261127-120000-0a1b2c3d\nsequence 12\nsegment_ms %s\ncaught_up_ms %s\nlag_ms 150\ninterval_ms 1000\noldest_ms %s\n' \
	    "${holder:-1}" "$1" "$1" "$(($1 - 3600000))" >"$BK/stream/status"
}

now_ms() { date +%s%3N; }

# --- hourly backups, no stream -------------------------------------------------------------
run "$PDR" --config "$T/dr.yaml" runbooks lint "$RB/database-corruption.yaml" \
    "$RB/single-node-failure.yaml" "$RB/datacenter-loss.yaml"
expect_rc 0 "lint with warnings only exits 0"
expect_match "$T/err" '/runbooks/database-corruption\.yaml:[0-9]+:[0-9]+: warning: database-corruption: the schedule cannot keep RPO target 15m: backups every 1h, no stream running$' \
    "15m RPO under hourly backups: warned, both figures named"
expect_match "$T/err" '/runbooks/single-node-failure\.yaml:[0-9]+:[0-9]+: warning: single-node-failure: the schedule cannot keep RPO target 5m: backups every 1h, no stream running$' \
    "5m RPO under hourly backups: warned"
expect_no_match "$T/err" 'datacenter-loss' "1h RPO under hourly backups: no warning"
expect_match "$T/out" 'database-corruption\.yaml: ok' "the file itself still lints ok"
line=$(grep -n '^rpo:' "$RB/database-corruption.yaml" | cut -d: -f1)
expect_match "$T/err" "database-corruption\\.yaml:$line:6: warning" "the warning points at the rpo: line ($line)"

run "$PDR" --config "$T/dr.yaml" runbooks lint --strict "$RB/database-corruption.yaml"
expect_rc 1 "lint --strict with a warning"
run "$PDR" --config "$T/dr.yaml" runbooks --strict lint "$RB/datacenter-loss.yaml"
expect_rc 0 "lint --strict without a warning"

# A shorter timer meets the targets.
printf 'backup_dir: %s\nrunbook_dirs: [%s]\nbackup_interval: 5m\n' "$BK" "$T" >"$T/dr5.yaml"
run "$PDR" --config "$T/dr5.yaml" runbooks lint --strict "$RB/database-corruption.yaml" \
    "$RB/single-node-failure.yaml"
expect_rc 0 "backups every 5m meet 15m and 5m"
[ -s "$T/err" ] && fail "warnings with backups every 5m: $(cat "$T/err")" || ok "no warning with backups every 5m"

# --- a stream that ran but is not running now (status file, no lock) -----------------------
write_status "$(now_ms)"
run "$PDR" --config "$T/dr.yaml" runbooks lint "$RB/database-corruption.yaml"
expect_match "$T/err" 'the schedule cannot keep RPO target 15m: backups every 1h, no stream running$' \
    "a status file without the lock held: not running, warned"

# --- a running stream, caught up -------------------------------------------------------------
hold_lock
write_status "$(now_ms)"
run "$PDR" --config "$T/dr.yaml" runbooks lint --strict "$RB/database-corruption.yaml" \
    "$RB/single-node-failure.yaml"
expect_rc 0 "lint --strict with a running, caught-up stream"
[ -s "$T/err" ] && fail "warnings with a running stream: $(cat "$T/err")" ||
    ok "no warning with the stream running and caught up"

# --- a running stream 20 minutes behind ----------------------------------------------------------
write_status "$(($(now_ms) - 1200000))"
run "$PDR" --config "$T/dr.yaml" runbooks lint "$RB/database-corruption.yaml" "$RB/datacenter-loss.yaml"
expect_rc 0 "lint with a stream behind"
expect_match "$T/err" 'database-corruption: the schedule cannot keep RPO target 15m: backups every 1h, stream polling every 1\.0s but 20m[0-9s]* behind$' \
    "a stream 20m behind: warned, its interval and lag named"
expect_no_match "$T/err" 'datacenter-loss' "1h RPO: the stream 20m behind still meets it"
kill "$holder"; wait "$holder" 2>/dev/null; holder=

# A status file that is not the stream's: named, and the stream counts as not running.
printf 'caught_up_ms soon\n' >"$BK/stream/status"
run "$PDR" --config "$T/dr.yaml" runbooks lint "$RB/database-corruption.yaml"
expect_rc 0 "lint with a bad status file"
expect_match "$T/err" "stream/status:1: caught_up_ms: not a number" "the bad status file is named"
expect_match "$T/err" "no stream running" "and the stream counts as not running"

# --- no dr.yaml: the check is skipped with a note ---------------------------------------------
if [ ! -e /etc/patronus/dr.yaml ]; then
	run "$PDR" runbooks lint "$RB/database-corruption.yaml"
	expect_rc 0 "lint without a dr.yaml"
	expect_match "$T/out" '^note: no dr.yaml .*RPO targets are not checked' "says the RPO check is skipped"
	expect_no_match "$T/err" 'warning' "no warning without a dr.yaml"
fi

finish
