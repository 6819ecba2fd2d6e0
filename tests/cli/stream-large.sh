#!/bin/sh
# stream-large.sh: a stream whose snapshot's WAL, segment and open transaction are each
# bigger than the 1 MiB chunks it reads and writes in (64 KiB pages, so a chunk is a few
# frames): the snapshot and the segment rebuild to what stock sqlite3 reads from the live
# database, the segment ends at the last commit (the open transaction's frames are left
# out), restore db --at now installs that state, and no temporary file is left behind.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/stream-lib.sh"

nockpt=".dbconfig no_ckpt_on_close on"
# rows N SIZE: N committed transactions, each one row of SIZE random bytes.
rows() {
	i=0 sql="PRAGMA wal_autocheckpoint=0;"
	while [ $i -lt "$1" ]; do sql="$sql INSERT INTO b(v) VALUES (randomblob($2));"; i=$((i + 1)); done
	sqlite3 "$DB" "$nockpt" "$sql" >/dev/null
}
wal_size() { stat -c %s "$DB-wal" 2>/dev/null || echo 0; }
# dump_live: sqlite3 .dump of the live database (.dbconfig prints its setting first).
dump_live() { sqlite3 "$DB" "$nockpt" .dump | sed 1d; }
# same_as_live DESC: the newest generation rebuilds to what sqlite3 reads from the live
# database (read without the checkpoint on close that would end the WAL the stream follows).
same_as_live() {
	rm -f "$T/rebuilt.db"
	"$REBUILD" "$SD" "$T/rebuilt.db" >"$T/rebuild.out" 2>&1 || fail "$1: $(cat "$T/rebuild.out")"
	sqlite3 "$T/rebuilt.db" .dump >"$T/rebuilt.dump"
	dump_live >"$T/live.dump"
	[ -s "$T/live.dump" ] && cmp -s "$T/rebuilt.dump" "$T/live.dump" &&
		ok "$1 ($(cat "$T/rebuild.out"), $(grep -c '^INSERT' "$T/live.dump") rows)" ||
		fail "$1: the rebuild differs from the live database"
}

sqlite3 "$DB" "PRAGMA page_size=65536; PRAGMA journal_mode=wal;
    CREATE TABLE b(id INTEGER PRIMARY KEY, v BLOB);" >/dev/null
printf 'database: %s\nbackup_dir: %s\nstate_dir: %s/state\nencryption_key: %s/no-key\n' \
    "$DB" "$BD" "$T" "$T" >"$C"
rows 12 300000
[ "$(wal_size)" -gt 3000000 ] && ok "the WAL holds $(wal_size) bytes, three chunks" ||
	fail "the WAL holds $(wal_size) bytes"
run "$PDR" --config "$C" stream --once
expect_rc 0 "stream --once: a snapshot of the file and a WAL of 3 MiB"
same_as_live "the snapshot (WAL frames applied a chunk at a time)"

# What a capture killed while writing a segment leaves is removed when the stream resumes.
: >"$SD/$(newest_gen)/00000001.seg.tmp.AbC123"

# Committed frames, then an open transaction whose pages spill into the WAL after them.
rows 10 300000
committed=$(wal_size)
mkfifo "$T/fifo"
sqlite3 "$DB" <"$T/fifo" >"$T/open.out" 2>&1 &
OP=$!
bgpids="$bgpids $OP"
exec 3>"$T/fifo"
printf '%s\n' "$nockpt" "PRAGMA cache_size=2;" "BEGIN;" \
    "INSERT INTO b(v) SELECT randomblob(100000) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40) SELECT i FROM n);" \
    "SELECT 'spilled';" >&3
i=0
while ! grep -q spilled "$T/open.out" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
[ "$(wal_size)" -gt $((committed + 1048576)) ] &&
	ok "an open transaction spilled $(($(wal_size) - committed)) bytes of frames into the WAL" ||
	fail "the open transaction did not spill into the WAL ($(wal_size) after $committed)"
dump_live >"$T/committed.dump"
run "$PDR" --config "$C" -v stream --once
expect_rc 0 "stream --once beside the open transaction"
expect_match "$T/out" "continuing generation" "it continued the generation"
expect_match "$T/out" "removed .*00000001.seg.tmp.AbC123" "the segment a killed capture left was removed, and named"
seg="$SD/$(newest_gen)/00000001.seg"
size=$(stat -c %s "$seg" 2>/dev/null || echo 0)
n=$(printf '%d' "0x$(od -An -tx1 -j12 -N4 "$seg" | tr -d ' \n')")
# The frames committed after the snapshot's: all in the segment, nothing after them.
snapframe=$(sed -n 's/^Wal-Frame: //p' "$SD/$(newest_gen)/snapshot.sha256")
want=$(((committed - 32) / (24 + 65536) - snapframe))
[ "$size" -gt 2097152 ] && [ "$n" -eq "$want" ] && [ "$size" -eq $((112 + n * (24 + 65536))) ] &&
	ok "one segment of $n frames ($size bytes): the committed ones, none of the open transaction's" ||
	fail "segment: $size bytes, $n frames; $want committed after the snapshot's frame $snapframe"
same_as_live "the snapshot and the segment rebuild to the committed state"
printf 'ROLLBACK;\n.quit\n' >&3
exec 3>&-
wait "$OP"

run "$PDR" --config "$C" restore db --at now --yes
expect_rc 0 "restore db --at now from the stream"
[ "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok ] && ok "the restored database passes integrity_check" ||
	fail "integrity_check: $(sqlite3 "$DB" 'PRAGMA integrity_check' | head -3)"
sqlite3 "$DB" .dump >"$T/restored.dump"
cmp -s "$T/restored.dump" "$T/committed.dump" &&
	ok "restored: $(grep -c '^INSERT' "$T/restored.dump") rows, the .dump identical to the committed state" ||
	fail "the restored database differs from the committed state"
left=$(find "$SD" "$T" -maxdepth 2 \( -name '*.tmp*' -o -name '.*pitr*' \) | wc -l)
[ "$left" -eq 0 ] && ok "no temporary file left in the stream or beside the database" ||
	fail "left behind: $(find "$SD" "$T" -maxdepth 2 \( -name '*.tmp*' -o -name '.*pitr*' \))"
finish
