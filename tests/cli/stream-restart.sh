#!/bin/sh
# stream-restart.sh: when the chain breaks the stream starts a new generation and reports
# it: a TRUNCATE checkpoint by someone else while it was down, and the database file
# replaced under the running stream. Retention removes old generations, never the current.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/stream-lib.sh"

make_db
start_holder
start_stream
start_writer 1 5 0
wait "$WP"
sleep 1.5
stop_stream
gen1=$(newest_gen)
start_writer 1 5 0
wait "$WP"
run sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE)"
[ "$(cat "$T/out")" = "0|0|0" ] && ok "someone else checkpointed with TRUNCATE while the stream was down" ||
	fail "TRUNCATE checkpoint: $(cat "$T/out" "$T/err")"
start_writer 1 5 0
wait "$WP"
start_stream
gen2=$(newest_gen)
[ "$gen2" != "$gen1" ] && [ "$(n_gens)" -eq 2 ] && ok "a new generation was started ($gen2)" ||
	fail "generations: $(ls "$SD")"
expect_match "$T/stream.log" "NEW generation $gen2 started: cannot continue generation $gen1" \
    "the log says why"
[ "$(status_key generation)" = "$gen2" ] && status_key generation_reason | grep -q "checkpointed away" &&
	ok "the status reports the new generation and why" || fail "status: $(cat "$SD/status")"
start_writer 1 5 0
wait "$WP"
sleep 1.5
compare "the new generation rebuilds to the live database"

# The database file replaced (as a restore installs one): a new generation.
sqlite3 "$DB" ".backup '$T/copy.db'"
sqlite3 "$T/copy.db" "PRAGMA journal_mode=wal; INSERT INTO t(ts, v, n) VALUES (1, 'restored', 0);" >/dev/null
# As a restore does it with the service stopped: stale -wal/-shm removed, the file renamed in.
kill "$HP"; wait "$HP" 2>/dev/null
rm -f "$DB-wal" "$DB-shm"
mv "$T/copy.db" "$DB"
sleep 1.5
start_holder
start_writer 1 5 0
wait "$WP"
sleep 1.5
gen3=$(newest_gen)
[ "$gen3" != "$gen2" ] && ok "the replaced database file started generation $gen3" ||
	fail "no new generation: $(tail -3 "$T/stream.log")"
expect_match "$T/stream.log" "NEW generation $gen3 started: the database file was replaced" \
    "the log says the database file was replaced"
compare "the new generation rebuilds to the replaced database"
stop_stream

# Retention: generations older than the window go, the current one stays.
# Age gen1 and gen2: their snapshots at 1970, their segments (capture times inside) gone.
for g in $gen1 $gen2; do
	sed -i 's/^Time-Ms: .*/Time-Ms: 1000/' "$SD/$g/snapshot.sha256"
	rm -f "$SD/$g"/*.seg
done
printf 'stream:\n  retention: 1h\n' >>"$C"
run "$PDR" --config "$C" prune --dry-run
expect_rc 0 "prune --dry-run"
expect_match "$T/out" "^would remove stream/$gen1: stream generation older than stream.retention" \
    "prune --dry-run lists an old generation"
expect_no_match "$T/out" "stream/$gen3" "prune keeps the newest generation"
run "$PDR" --config "$C" stream --once
expect_rc 0 "stream --once with retention 1h"
[ ! -d "$SD/$gen1" ] && [ ! -d "$SD/$gen2" ] && [ -d "$SD/$gen3" ] &&
	ok "generations older than the retention window removed, the current kept" ||
	fail "after retention: $(ls "$SD")"
finish
