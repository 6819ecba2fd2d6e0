#!/bin/sh
# bench/pitr.sh: the readers of a long stream chain. Builds one generation of about 1000
# segments (COMMITS commits of tests/pdr-pitr-writer shipped every 1-3 commits, ~25 MB), then
# times, RUNS times each: `rpo` (walks and verifies the whole chain), `restore db --at` the
# newest point and the middle one, and `restore db` without --at (picks the stream's newest
# point, then rebuilds). Prints wall and CPU (user+sys) seconds from /usr/bin/time beside the
# load average. PAD_MB pads the database with a table of random blobs before the snapshot, so
# that the copies of the rebuilt file weigh as they would on a real database. Not a test: it
# asserts nothing.
#   usage: [COMMITS=2000] [PAD_MB=0] [RUNS=3] [PDR=_build/patronus-dr] [BENCH_DIR=dir] sh bench/pitr.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(dirname "$here")
: "${PDR:=$srcdir/_build/patronus-dr}"
: "${COMMITS:=2000}"
: "${RUNS:=3}"
: "${PAD_MB:=0}"
export LC_ALL=C TZ=UTC
builddir=$(dirname "$PDR")
W="$builddir/tests/pdr-pitr-writer"
[ -x "$PDR" ] || { echo "bench: no binary at $PDR (build first or set PDR)"; exit 1; }
[ -x "$W" ] || make -s -C "$builddir" tests/pdr-pitr-writer >/dev/null || exit 1
B=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/pdr-bench.XXXXXX")
trap 'rm -rf "$B"' EXIT
G="$B/backup/stream/20261127-000000-0badcafe"
mkdir -p "$B/r"
# the writer signs the stream's files with this key, as the stream does; the readers check them
(umask 077; openssl rand -base64 32 >"$B/key")
PDR_STREAM_KEYFILE=$B/key
export PDR_STREAM_KEYFILE
printf 'database: %s/r/x.db\nbackup_dir: %s/backup\nstate_dir: %s/state\nencryption_key: %s/key\n' \
    "$B" "$B" "$B" "$B" >"$B/dr.yaml"

echo "# $(uname -srm), $(nproc) CPUs"
if [ "$PAD_MB" -gt 0 ]; then
	sqlite3 "$B/live.db" "PRAGMA journal_mode=wal; CREATE TABLE pad(b BLOB);
	    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $((PAD_MB * 256)))
	    INSERT INTO pad SELECT randomblob(4000) FROM n;" >/dev/null || exit 1
fi
"$W" write "$B/live.db" "$COMMITS" "$B/log" "$G" || exit 1
nseg=$(ls "$G" | grep -c '\.seg$')
echo "# chain: $nseg segments, $(du -sm "$G" | cut -f1) MB in $G; snapshot $(du -m "$G/snapshot.db" | cut -f1) MB"
last=$(awk '$1 == "S" { t = $3 } END { print t }' "$B/log")
mid=$(awk -v n=$((nseg / 2)) '$1 == "S" && $2 == n { print $3 }' "$B/log")
at() { printf '@%d.%03d' "$(($1 / 1000))" "$(($1 % 1000))"; }

# bench NAME CMD...: RUNS timed runs of CMD, one line each.
bench() {
	name=$1
	shift
	i=0
	while [ $i -lt "$RUNS" ]; do
		rm -f "$B"/r/x.db*
		/usr/bin/time -f '%e %U %S' -o "$B/time" "$@" >"$B/out" 2>&1 ||
			{ echo "$name: failed"; tail -3 "$B/out"; }
		awk -v n="$name" -v l="$(uptime | sed 's/.*load average: //')" \
		    '{ printf "%-28s wall %6.2f s  cpu %6.2f s  (load %s)\n", n, $1, $2 + $3, l }' "$B/time"
		i=$((i + 1))
	done
}

bench "rpo" "$PDR" --config "$B/dr.yaml" rpo
bench "restore db --at newest" "$PDR" --config "$B/dr.yaml" restore db --at "$(at "$last")" --yes
bench "restore db --at middle" "$PDR" --config "$B/dr.yaml" restore db --at "$(at "$mid")" --yes
bench "restore db (no --at)" "$PDR" --config "$B/dr.yaml" restore db --yes
echo "# restored database: $(du -m "$B/r/x.db" | cut -f1) MB"
