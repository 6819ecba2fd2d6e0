#!/bin/sh
# stream-busy.sh: a writer committing every 2 ms for 60 s with busy_timeout 0 never sees
# SQLITE_BUSY while the stream follows it (read transactions held, PASSIVE checkpoints
# only), and the newest point rebuilt from snapshot + segments equals the live database.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/stream-lib.sh"

make_db
start_holder
printf 'stream:\n  checkpoint_frames: 500\n' >>"$C"
start_stream
start_writer 60 2 0
wait "$WP"
wrc=$?
[ $wrc -eq 0 ] && grep -q ' busy 0 errors 0$' "$T/writer.out" &&
	ok "60 s writer, busy_timeout 0: $(cat "$T/writer.out")" ||
	fail "writer exit $wrc: $(cat "$T/writer.out"); $(head -3 "$T/writer.err")"
sleep 1.5
lag=$(status_key lag_ms)
echo "# status: sequence $(status_key sequence) lag_ms $lag wal_frames $(status_key wal_frames);" \
    "-wal $(stat -c %s "$DB-wal") bytes"
kill -0 "$SP" 2>/dev/null && ok "the stream is still running" || fail "the stream died: $(tail -5 "$T/stream.log")"
stop_stream
[ "$src" -eq 0 ] && ok "SIGTERM: exit 0" || fail "SIGTERM: exit $src"
[ "$(n_gens)" -eq 1 ] && ok "one generation throughout" ||
	fail "$(n_gens) generations: $(grep -i generation "$T/stream.log" | head -5)"
grep -q "checkpoint" "$T/stream.log" && ok "the stream checkpointed (PASSIVE) past 500 frames" ||
	fail "no checkpoint by the stream"
compare "rebuild after 60 s of commits equals the live database"
finish
