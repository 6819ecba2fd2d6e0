#!/bin/sh
# stream-kill.sh: kill -9 of the stream at random moments while a writer commits; each
# restart either continues the chain with no gap or starts a new generation and says so;
# every generation's chain checks; the final rebuild equals the live database.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/stream-lib.sh"

make_db
start_holder
start_stream
start_writer 40 3 0
rounds=0
while [ $rounds -lt 8 ] && kill -0 "$WP" 2>/dev/null; do
	sleep "$(awk -v s="$$$rounds" 'BEGIN { srand(s); printf "%.2f", 0.3 + rand() * 3 }')"
	kill -9 "$SP"
	wait "$SP" 2>/dev/null
	sleep "$(awk -v s="$rounds$$" 'BEGIN { srand(s); printf "%.2f", rand() }')"
	start_stream
	rounds=$((rounds + 1))
done
wait "$WP"
wrc=$?
[ $wrc -eq 0 ] && ok "writer: $(cat "$T/writer.out")" ||
	fail "writer exit $wrc: $(cat "$T/writer.out"); $(head -3 "$T/writer.err")"
sleep 1.5
stop_stream
[ "$src" -eq 0 ] && ok "SIGTERM after $rounds kill -9 rounds: exit 0" || fail "SIGTERM: exit $src"
cont=$(grep -c "continuing generation" "$T/stream.log")
new=$(grep -c "NEW generation" "$T/stream.log")
[ $((cont + new)) -eq "$rounds" ] &&
	ok "each of $rounds restarts continued ($cont) or started a new generation and said so ($new)" ||
	fail "$rounds restarts, $cont continued, $new new generations"
bad=0
for g in $(ls "$SD" | grep -E '^[0-9]{8}-[0-9]{6}-[0-9a-f]{8}$'); do
	[ -f "$SD/$g/snapshot.sha256" ] || continue	# killed while taking the snapshot
	"$REBUILD" "$SD/$g" "$T/g.db" >"$T/g.out" 2>&1 || { bad=$((bad + 1)); cat "$T/g.out"; }
	rm -f "$T/g.db"*
done
[ $bad -eq 0 ] && ok "every generation's chain checks (no gap) [$(n_gens) generations]" ||
	fail "$bad generations with a broken chain"
compare "after $rounds kill -9 rounds the rebuild equals the live database"
finish
