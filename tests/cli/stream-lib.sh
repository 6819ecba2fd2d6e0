# stream-lib.sh: helpers for the stream tests, sourced after lib.sh: a WAL-mode database,
# a dr.yaml, the stream in the background, and the rebuild compared with the live database.
command -v sqlite3 >/dev/null 2>&1 || { echo "# SKIP sqlite3 is not installed"; exit 77; }
WRITER="$top_builddir/tests/stream-writer"
REBUILD="$top_builddir/tests/stream-rebuild"
DB="$T/sdwan.db"
BD="$T/backup"
C="$T/dr.yaml"
SD="$BD/stream"
SP=

# The encryption key the stream signs its files with (the test writer's too): $SKEY, 0600.
SKEY="$T/stream.key"
(umask 077; printf 'stream-test-key-%s\n' "$$" >"$SKEY")
PDR_STREAM_KEYFILE=$SKEY
export PDR_STREAM_KEYFILE
bgpids=
trap 'for p in $bgpids; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"' EXIT

# make_db: a WAL-mode database with one table, and a dr.yaml pointing at it.
make_db() {
	sqlite3 "$DB" "PRAGMA page_size=1024; PRAGMA journal_mode=wal;
	    CREATE TABLE t(id INTEGER PRIMARY KEY, ts INTEGER, v TEXT, n INTEGER);
	    INSERT INTO t(ts, v, n) VALUES (0, 'first', 0);" >/dev/null
	printf 'database: %s\nbackup_dir: %s\nencryption_key: %s\n' "$DB" "$BD" "$SKEY" >"$C"
}

# status_key KEY: the value of KEY in the status file.
status_key() { sed -n "s/^$1 //p" "$SD/status" 2>/dev/null; }

# start_stream: the stream in the background ($SP), waiting until its status names it.
start_stream() {
	"$PDR" --config "$C" -v stream >>"$T/stream.log" 2>&1 &
	SP=$!
	bgpids="$bgpids $SP"
	i=0
	while [ "$(status_key pid)" != "$SP" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
}

# stop_stream: SIGTERM, and its exit status in $src.
stop_stream() { kill -TERM "$SP"; wait "$SP"; src=$?; }

# start_writer SECONDS INTERVAL_MS BUSY_MS: the test writer in the background ($WP).
start_writer() {
	"$WRITER" "$DB" "$1" "$2" "$3" >"$T/writer.out" 2>"$T/writer.err" &
	WP=$!
	bgpids="$bgpids $WP"
}

# start_holder: a connection held open in the background, as the service holds one ($HP).
start_holder() {
	"$WRITER" "$DB" 600 -1 0 &
	HP=$!
	bgpids="$bgpids $HP"
}

# newest_gen: the newest generation's name.
newest_gen() { ls "$SD" | grep -E '^[0-9]{8}-[0-9]{6}-[0-9a-f]{8}$' | tail -1; }

# n_gens: how many generations there are.
n_gens() { ls "$SD" | grep -cE '^[0-9]{8}-[0-9]{6}-[0-9a-f]{8}$'; }

# compare DESC: rebuild the newest generation and diff its dump with the live database's.
compare() {
	rm -f "$T/rebuilt.db" "$T/rebuilt.db-wal" "$T/rebuilt.db-shm"
	if ! "$REBUILD" "$SD" "$T/rebuilt.db" >"$T/rebuild.out" 2>&1; then
		fail "$1: rebuild failed: $(cat "$T/rebuild.out")"; return
	fi
	sqlite3 "$T/rebuilt.db" .dump >"$T/rebuilt.dump"
	sqlite3 "$DB" .dump >"$T/live.dump"
	if [ -s "$T/live.dump" ] && cmp -s "$T/rebuilt.dump" "$T/live.dump"; then
		ok "$1 ($(cat "$T/rebuild.out"), $(grep -c '^INSERT' "$T/live.dump") rows)"
	else
		fail "$1: the rebuilt database differs from the live one"
		diff "$T/rebuilt.dump" "$T/live.dump" | head -10
	fi
}
