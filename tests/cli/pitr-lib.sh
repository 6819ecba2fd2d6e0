# pitr-lib.sh: helpers for the point-in-time restore tests. Sourced after lib.sh.
# $WRITER is the test writer (tests/pdr-pitr-writer): its commit k changes the tables t and
# big in a way that depends on k only, so "$WRITER sql K" rebuilds the state after commit K.

WRITER="${top_builddir:-.}/tests/pdr-pitr-writer"
[ -x "$WRITER" ] || { echo "# SKIP $WRITER not built"; exit 77; }

# The encryption key the stream signs its files with (the test writer's too): $SKEY, 0600.
SKEY="$T/stream.key"
(umask 077; printf 'stream-test-key-%s\n' "$$" >"$SKEY")
PDR_STREAM_KEYFILE=$SKEY
export PDR_STREAM_KEYFILE

# ms_arg MS: the --at argument for a point in unix ms, "@SECONDS.mmm".
ms_arg() { printf '@%d.%03d' "$(($1 / 1000))" "$(($1 % 1000))"; }

# ref_dump K: the sqlite3 .dump of tables t and big after commit K, built by sqlite3 from the
# writer's SQL (cached in $T/ref).
ref_dump() {
	mkdir -p "$T/ref"
	if [ ! -f "$T/ref/$1.dump" ]; then
		rm -f "$T/ref/db"
		"$WRITER" sql "$1" | sqlite3 "$T/ref/db" && sqlite3 "$T/ref/db" '.dump t big' >"$T/ref/$1.dump"
	fi
	cat "$T/ref/$1.dump"
}

# restored_k DB: the last commit a database holds (0: none), from its commits table.
restored_k() { sqlite3 "$1" 'SELECT coalesce(max(k), 0) FROM commits' 2>&1; }

# same_state DESC DB K: DB holds exactly the state after commit K, row for row (.dump of t and big).
same_state() {
	sqlite3 "$2" '.dump t big' >"$T/got.dump" 2>&1
	ref_dump "$3" >"$T/want.dump"
	if [ -s "$T/want.dump" ] && cmp -s "$T/got.dump" "$T/want.dump"; then ok "$1"; else
		fail "$1: differs from the state after commit $3"
		diff "$T/want.dump" "$T/got.dump" | head -5 | sed 's/^/  | /'
	fi
}

# seg_time FILE: the capture time (unix ms) in a segment's header (offset 24, 8 bytes big-endian).
seg_time() { printf '%d' "0x$(od -An -tx1 -j24 -N8 "$1" | tr -d ' \n')"; }

# same DESC A B: two strings are equal and not empty.
same() {
	if [ -n "$2" ] && [ "$2" = "$3" ]; then ok "$1"; else fail "$1: '$2' != '$3'"; fi
}
