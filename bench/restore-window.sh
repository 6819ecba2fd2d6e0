#!/bin/sh
# restore-window.sh: how long `restore db` under an incident leaves the live database replaced
# while the record does not say so yet: from the rename of the new file over the live name to
# the fsync of the incident record's WAL that makes the "restored" event durable (strace -ttt).
# Not a test: it prints figures. Give a second binary to compare (e.g. one from before #22;
# it needs a state_dir of its own, since a newer record is refused by an older program).
# Usage: bench/restore-window.sh PATRONUS-DR [OTHER-PATRONUS-DR]; SIZE=200M (default); RUNS=3.
set -eu
SIZE=${SIZE:-200M}
RUNS=${RUNS:-3}
command -v strace >/dev/null && command -v tmux >/dev/null ||
	{ echo "needs strace and tmux"; exit 1; }
B=$(mktemp -d "${TMPDIR:-/var/tmp}/pdr-bench.XXXXXX")
SOCK=pdrbench$$
trap 'tmux -L $SOCK kill-server 2>/dev/null; rm -rf "$B"' EXIT

PDR=$(realpath "$1")
"$PDR" demo --dir "$B/s" --no-tui >/dev/null
C="$B/s/dr.yaml"
DB="$B/s/var/lib/patronus/sdwan.db"
rows=$(($(numfmt --from=iec "$SIZE") / 4096))
sqlite3 "$DB" "CREATE TABLE bulk (b BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
    WHERE i < $rows) INSERT INTO bulk SELECT randomblob(4000) FROM n; PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
"$PDR" --config "$C" backup --no-offsite >/dev/null 2>&1
echo "database: $(du -h "$DB" | cut -f1)"

# window BINARY: RUNS restores, each printing the window in seconds.
window() {
	_b=$(realpath "$1")
	_c="$B/dr-$(basename "$(dirname "$(dirname "$_b")")").yaml"
	sed "s|^state_dir:.*|state_dir: \"$B/state-$$-$(echo "$_b" | md5sum | cut -c1-8)\"|" "$C" >"$_c"
	tmux -L $SOCK -f /dev/null new-session -d -s d -x 100 -y 30 "$_b --config $_c run database-corruption"
	sleep 2
	tmux -L $SOCK send-keys -t d q
	sleep 1
	_state=$(sed -n 's/^state_dir: "\(.*\)"/\1/p' "$_c")
	_id=$(sqlite3 "$_state/incidents.db" "SELECT id FROM incidents ORDER BY declared_ms DESC LIMIT 1")
	_i=0
	while [ $_i -lt "$RUNS" ]; do
		PATRONUS_DR_INCIDENT=$_id PATRONUS_DR_STEP=restore strace -ttt \
		    -e trace=openat,rename,renameat,renameat2,fsync,fdatasync -o "$B/trace" \
		    "$_b" --config "$_c" restore db --yes >/dev/null 2>&1
		awk '
		    !r && /rename/ && /restore-/ && /sdwan\.db"/ { r = $1 }
		    /openat\(.*incidents\.db-wal"/ { fd = $NF }
		    r && fd != "" && ($2 ~ "^f(data)?sync\\(" fd "\\)") { printf "%.3f\n", $1 - r; exit }
		' "$B/trace"
		_i=$((_i + 1))
	done | sort -n | awk -v b="$1" '{ v[NR] = $1 } END { printf "%s: swap to durable restored event, s: min %s, median %s, max %s\n", b, v[1], v[int((NR + 1) / 2)], v[NR] }'
}
for b in "$@"; do window "$b"; done
