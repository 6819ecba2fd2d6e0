#!/bin/sh
# stream.sh: patronus-dr stream refuses what it must (no database, not WAL, a second
# instance), writes its status and lock, ships committed transactions as a chained
# generation that rebuilds to the live database, continues it after a restart, and
# stops cleanly on SIGTERM.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/stream-lib.sh"

printf 'database: %s\nbackup_dir: %s\nencryption_key: %s\n' "$DB" "$BD" "$SKEY" >"$C"
run "$PDR" --config "$C" stream --once
expect_rc 66 "no database"
expect_match "$T/err" "sdwan.db" "the missing database is named"

sqlite3 "$DB" "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t(v) VALUES ('x');"
run "$PDR" --config "$C" stream --once
expect_rc 78 "a database in rollback-journal mode"
expect_match "$T/err" "not in WAL mode" "says WAL mode is required"
[ "$(sqlite3 "$DB" 'PRAGMA journal_mode')" = delete ] && ok "the journal mode was left alone" ||
	fail "the stream changed the journal mode"
rm -f "$DB"

make_db
start_holder
start_writer 1 5 0
wait "$WP"
run "$PDR" --config "$C" stream --once
expect_rc 0 "stream --once on a live database"
gen=$(newest_gen)
[ "$(n_gens)" -eq 1 ] && ok "one generation named YYYYmmdd-HHMMSS-xxxxxxxx ($gen)" ||
	fail "generations: $(ls "$SD")"
(cd "$SD/$gen" && sha256sum -c --status snapshot.sha256) && ok "sha256sum -c snapshot.sha256" ||
	fail "snapshot.sha256 does not check"
bad=0
for k in Time-Ms Page-Size Wal-Salt Wal-Frame; do
	grep -Eq "^$k: [0-9]+( [0-9]+)?$" "$SD/$gen/snapshot.sha256" || bad=1
done
[ $bad -eq 0 ] && ok "snapshot.sha256 has Time-Ms, Page-Size, Wal-Salt, Wal-Frame" ||
	fail "snapshot.sha256: $(cat "$SD/$gen/snapshot.sha256")"
[ "$(stat -c %a "$SD/$gen/snapshot.db")" = 600 ] && ok "snapshot.db is 0600" || fail "snapshot.db mode"
compare "the snapshot alone equals the live database"

# A running stream: it continues the generation, holds the lock, refuses a second one.
start_stream
grep -q "continuing generation $gen after segment 0" "$T/stream.log" && [ "$(n_gens)" -eq 1 ] &&
	ok "the stream continued the --once generation" || fail "no continuation: $(cat "$T/stream.log")"
[ "$(status_key pid)" = "$SP" ] && ok "status names the running stream's pid" ||
	fail "status pid $(status_key pid), stream $SP"
flock -n -s "$SD/lock" true && fail "the lock is free while the stream runs" ||
	ok "stream/lock is held (flock -s -n fails)"
run "$PDR" --config "$C" stream --once
expect_rc 75 "a second stream"
expect_match "$T/err" "another stream is running \\(pid $SP\\)" "names the pid holding the lock"
start_writer 3 5 0
wait "$WP"
[ $? -eq 0 ] && ok "the writer saw no SQLITE_BUSY ($(cat "$T/writer.out"))" ||
	fail "writer: $(cat "$T/writer.out") $(head -3 "$T/writer.err")"
sleep 1.5
bad=0
for k in pid generation sequence segment_ms caught_up_ms lag_ms interval_ms oldest_ms; do
	grep -Eq "^$k [0-9a-f-]+$" "$SD/status" || bad=1
done
[ $bad -eq 0 ] && ok "status has every contract key" || fail "status: $(cat "$SD/status")"
seq=$(status_key sequence)
[ "${seq:-0}" -gt 0 ] && ok "status: sequence $seq, lag_ms $(status_key lag_ms)" || fail "no segment"
[ "$(status_key generation)" = "$gen" ] && ok "status: generation $gen" || fail "status generation"
[ "$(status_key interval_ms)" = 1000 ] && ok "status: interval_ms 1000 (stream.interval default 1s)" ||
	fail "interval_ms $(status_key interval_ms)"
top=$(ls "$SD/$gen" | grep -E '^[0-9]{8}\.seg$' | tail -1)
[ "$top" = "$(printf %08d "$seq").seg" ] && ok "the newest segment file is $top" ||
	fail "newest segment $top, status sequence $seq"
[ "$(head -c 8 "$SD/$gen/$top")" = PDRSEG02 ] && ok "segments start with PDRSEG02 (signed)" || fail "magic"
[ "$(stat -c %a "$SD/$gen/$top")" = 600 ] && ok "segments are 0600" || fail "segment mode"
stop_stream
[ "$src" -eq 0 ] && ok "SIGTERM: clean exit 0" || fail "SIGTERM: exit $src"
flock -n -s "$SD/lock" true && ok "the lock is free after the stream ended" || fail "lock still held"
ls -a "$SD/$gen" | grep -q tmp && fail "temporary files left" || ok "no temporary file left"
compare "snapshot + segments rebuild to the live database"

# Nothing written while it was down: a restart continues the same generation.
start_stream
start_writer 1 5 0
wait "$WP"
sleep 1.5
stop_stream
[ "$(n_gens)" -eq 1 ] && grep -q "continuing generation $gen after segment $seq" "$T/stream.log" &&
	ok "a restart continued generation $gen after segment $seq" ||
	fail "restart: $(n_gens) generations; $(tail -3 "$T/stream.log")"
compare "after the restart the rebuild still equals the live database"

# Help.
run "$PDR" stream --help
expect_rc 0 "stream --help"
expect_match "$T/out" "--once" "help names --once"
finish
