#!/bin/sh
# stream-forge.sh: the stream's files are signed (HMAC-SHA256 under a key derived from the
# encryption key) and nothing unsigned or wrongly signed is installed. The review's attack:
# a hand-made generation (snapshot.db with sites='ATTACKER', snapshot.sha256 with its true
# SHA-256 and a current Time-Ms) without HMAC line, or with a wrong one, is named and
# skipped by restore db --yes, restore db --at, restore all and rpo. A genuine stream still
# restores (row for row the live database), and sha256sum -c accepts its snapshot.sha256.
# A segment appended to a genuine chain (its header made to follow the last one, the HMAC
# not), or one copied from another generation, is refused and the chain stops before it.
# A stream written before signing (PDRSEG01, no HMAC line) is used only with --allow-unsigned.
# Without the key file the stream is not used; with --allow-unsigned it is, saying so. backups
# says when the point stream/status names does not verify.
. "$srcdir/tests/cli/lib.sh"
COLUMNS=1000
export COLUMNS
. "$srcdir/tests/cli/pitr-lib.sh"
command -v sqlite3 >/dev/null 2>&1 || { echo "# SKIP sqlite3 is not installed"; exit 77; }
command -v xxd >/dev/null 2>&1 || { echo "# SKIP xxd is not installed"; exit 77; }

SB="$T/bk"
GEN="$SB/stream/20261127-120000-0a1b2c3d"
mkdir -p "$T/live" "$T/r"
"$WRITER" write "$T/live/x.db" 40 "$T/log" "$GEN" || { fail "the test writer"; finish; exit 1; }
# a second genuine generation, of another database, for the segment moved between them
"$WRITER" write "$T/live/y.db" 10 "$T/log2" "$T/other/20261127-110000-0c0c0c0c" ||
	{ fail "the test writer (2)"; finish; exit 1; }
nseg=$(grep -c '^S ' "$T/log")
# conf FILE BACKUP_DIR: a dr.yaml restoring into $T/r/x.db, the key $SKEY.
conf() {
	printf 'database: %s/r/x.db\nbackup_dir: %s\nstate_dir: %s/state\nencryption_key: %s\n' \
	    "$T" "$2" "$T" "$SKEY" >"$1"
}
conf "$T/dr.yaml" "$SB"
# attacked: no site row named ATTACKER in the restored database
attacked() { [ "$(sqlite3 "$T/r/x.db" "SELECT count(*) FROM sites WHERE name = 'ATTACKER'" 2>/dev/null)" = 1 ]; }

# --- a genuine stream -------------------------------------------------------------------
(cd "$GEN" && sha256sum -c snapshot.sha256 >"$T/sum.out" 2>&1) &&
	ok "sha256sum -c accepts a signed snapshot.sha256" || { fail "sha256sum -c"; cat "$T/sum.out"; }
expect_match "$GEN/snapshot.sha256" "^HMAC-SHA256: [0-9a-f]{64}$" "snapshot.sha256 carries an HMAC line"
[ "$(head -c 8 "$GEN/00000001.seg")" = PDRSEG02 ] && ok "segments are PDRSEG02" || fail "segment magic"
run "$PDR" --config "$T/dr.yaml" restore db --yes
expect_rc 0 "restore db from a genuine stream"
sqlite3 "$T/live/x.db" .dump >"$T/live.dump"
sqlite3 "$T/r/x.db" .dump >"$T/got.dump" 2>&1
cmp -s "$T/live.dump" "$T/got.dump" && ok "the restored database is the live one, row for row (.dump)" ||
	fail "the restored database differs from the live one"
expect_no_match "$T/out" "unsigned" "a signed stream is not called unsigned"

# --- the review's attack: a hand-made generation ---------------------------------------------
# forge BACKUP_DIR HMAC-LINE: stream/20261207-000000-deadbeef with an ATTACKER snapshot.
forge() {
	F="$1/stream/20261207-000000-deadbeef"
	mkdir -p "$F"
	rm -f "$F/snapshot.db"
	sqlite3 "$F/snapshot.db" "CREATE TABLE sites(name TEXT); INSERT INTO sites VALUES('ATTACKER');"
	{
		printf '%s  snapshot.db\n' "$(sha256sum "$F/snapshot.db" | cut -c1-64)"
		printf 'Time-Ms: %s\nPage-Size: 4096\nWal-Salt: 0 0\nWal-Frame: 0\n' "$(date +%s)000"
		[ -n "$2" ] && printf '%s\n' "$2"
	} >"$F/snapshot.sha256"
	(cd "$F" && sha256sum -c snapshot.sha256 >/dev/null 2>&1) || fail "the forgery passes sha256sum -c"
}
# refused NAME REASON: restore db --yes, restore db --at, restore all and rpo skip the forgery.
refused() {
	run "$PDR" --config "$T/dr.yaml" restore db --yes
	expect_rc 0 "$1: restore db --yes restores the genuine generation"
	expect_match "$T/err" "20261207-000000-deadbeef/snapshot.sha256: $2" "$1: restore db names the file and why"
	attacked && fail "$1: restore db installed the forgery" || ok "$1: restore db did not install it"
	expect_match "$T/out" "of stream generation 20261127-120000-0a1b2c3d" "$1: the genuine generation is used"
	run "$PDR" --config "$T/dr.yaml" restore db --at now --yes
	expect_rc 0 "$1: restore db --at now"
	expect_match "$T/err" "20261207-000000-deadbeef/snapshot.sha256: $2" "$1: restore db --at names it"
	attacked && fail "$1: restore db --at installed the forgery" || ok "$1: restore db --at did not"
	run "$PDR" --config "$T/dr.yaml" rpo
	expect_match "$T/err" "20261207-000000-deadbeef/snapshot.sha256: $2" "$1: rpo names it"
	expect_no_match "$T/out" "20261207-000000-deadbeef" "$1: rpo does not count it"
	run "$PDR" --config "$T/dr.yaml" restore all --yes
	expect_match "$T/err" "20261207-000000-deadbeef/snapshot.sha256: $2" "$1: restore all names it"
	attacked && fail "$1: restore all installed the forgery" || ok "$1: restore all did not"
}
forge "$SB" ""
refused "no HMAC" "unsigned"
forge "$SB" "HMAC-SHA256: $(printf '%064d' 7)"
refused "a wrong HMAC" "HMAC does not match"
rm -rf "$F"

# nothing_installed LABEL: the last run failed and $T/r/x.db was not created.
nothing_installed() {
	[ "$rc" -ne 0 ] && ok "$1: fails (exit $rc)" || fail "$1: exit 0"
	[ -e "$T/r/x.db" ] && fail "$1: something was installed" || ok "$1: nothing installed"
}
# the forgery alone (the review's exact case): nothing to restore, nothing installed
mkdir -p "$T/bk-f"
conf "$T/dr-f.yaml" "$T/bk-f"
forge "$T/bk-f" ""
rm -f "$T/r/x.db"
run "$PDR" --config "$T/dr-f.yaml" restore db --yes
nothing_installed "a forged stream alone: restore db"
expect_match "$T/err" "deadbeef/snapshot.sha256: unsigned" "a forged stream alone: named"
run "$PDR" --config "$T/dr-f.yaml" restore db --at now --yes
nothing_installed "a forged stream alone: restore db --at"
# backups shows the status file (not signed) and says when the point it names does not verify
now=$(date +%s)000
printf 'generation 20261207-000000-deadbeef\nsequence 0\nsegment_ms %s\ncaught_up_ms %s\n' "$now" "$now" \
    >"$T/bk-f/stream/status"
run "$PDR" --config "$T/dr-f.yaml" backups
expect_match "$T/out" "^WARNING: the stream's newest point is not authenticated: .*deadbeef/snapshot.sha256: unsigned" \
    "backups: the forged point is called unauthenticated"
run "$PDR" --config "$T/dr-f.yaml" stream status
expect_match "$T/out" "^WARNING: the stream's newest point is not authenticated: .*deadbeef/snapshot.sha256: unsigned" \
    "stream status: the forged point is called unauthenticated"
# the genuine point: the segment the stream names, captured when its signed header says
seg_ms=$(printf '%d' "0x$(od -An -tx1 -j24 -N8 "$GEN/$(printf '%08d' "$nseg").seg" | tr -d ' \n')")
# caught up just after that capture (the status file's word; $now, in whole seconds, may fall before it)
printf 'generation %s\nsequence %s\nsegment_ms %s\ncaught_up_ms %s\n' "${GEN##*/}" "$nseg" "$seg_ms" "$((seg_ms + 1))" \
    >"$SB/stream/status"
run "$PDR" --config "$T/dr.yaml" backups
expect_match "$T/out" "20261127-120000-0a1b2c3d" "backups: the genuine stream's line"
expect_no_match "$T/out" "not authenticated" "backups: the genuine point is not called unauthenticated"
run "$PDR" --config "$T/dr.yaml" stream status
expect_no_match "$T/out" "not authenticated" "stream status: the genuine point is not called unauthenticated"
run "$PDR" --config "$T/dr.yaml" rpo
expect_match "$T/out" "^note: that is when stream/status \\(not signed\\) says the stream last caught up; the newest signed point, segment $nseg's capture, is " \
    "rpo: a point taken from the status file's caught-up time is said to be the status file's"
# the status file claiming a later capture than the signed segment's: said, not believed
printf 'generation %s\nsequence %s\nsegment_ms %s\ncaught_up_ms %s\n' "${GEN##*/}" "$nseg" "$((seg_ms + 60000))" "$now" \
    >"$SB/stream/status"
run "$PDR" --config "$T/dr.yaml" stream status
expect_match "$T/out" "^WARNING: the stream's newest point is not authenticated: .*$(printf '%08d' "$nseg")\.seg: stream/status says it was captured at .*, its signed header says " \
    "stream status: a capture time the signed header does not hold is called out"
rm -f "$SB/stream/status"

# --- segments: appended to the chain, or moved from another generation -----------------------
# be64 FILE OFFSET: an 8-byte big-endian number of a file; put FILE OFFSET HEX: write bytes.
be64() { printf '%d' "0x$(od -An -tx1 -j"$2" -N8 "$1" | tr -d ' \n')"; }
be32() { printf '%d' "0x$(od -An -tx1 -j"$2" -N4 "$1" | tr -d ' \n')"; }
put() { printf '%s' "$3" | xxd -r -p | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null; }
last=$(printf '%08d.seg' "$nseg")
next=$(printf '%08d.seg' $((nseg + 1)))
# appended NAME REASON MAKE...: a copy of the stream with segment nseg+1 made by MAKE FILE.
appended() {
	name=$1 reason=$2
	shift 2
	rm -rf "$T/bk-$name"
	cp -a "$SB" "$T/bk-$name"
	conf "$T/dr-$name.yaml" "$T/bk-$name"
	"$@" "$T/bk-$name/stream/${GEN##*/}/$next"
	run "$PDR" --config "$T/dr-$name.yaml" restore db --at now --yes
	expect_rc 1 "$name: the chain is broken, the last good point restored"
	expect_match "$T/err" "chain is broken: .*/$next: $reason" "$name: segment $((nseg + 1)) is named, and why"
	expect_match "$T/out" "^point reached: .* \\(segment $nseg of" "$name: stops at segment $nseg, before it"
	same "$name: holds the last genuine commit" "$(restored_k "$T/r/x.db")" "$(restored_k "$T/live/x.db")"
	run "$PDR" --config "$T/dr-$name.yaml" rpo
	expect_match "$T/out" "chain is broken \\(.*$next: $reason" "$name: rpo names it"
}
# follow FILE: the last genuine segment made to follow itself: sequence, first frame and the
# previous file's SHA-256 in the header as a true successor's; its HMAC left as it was.
follow() {
	src="$(dirname "$1")/$last"
	cp "$src" "$1"
	put "$1" 16 "$(printf '%016x' $((nseg + 1)))"
	put "$1" 32 "$(printf '%016x' $(($(be64 "$src" 32) + $(be32 "$src" 12))))"
	put "$1" 48 "$(sha256sum "$src" | cut -c1-64)"
}
appended forged "HMAC does not match" follow
# to_v1 FILE: a segment made PDRSEG01: the same 112 header bytes, no HMAC.
to_v1() {
	{ printf PDRSEG01; tail -c +9 "$1" | head -c 104; tail -c +145 "$1"; } >"$1.v1"
	mv "$1.v1" "$1"
}
# unsigned FILE: the same successor as PDRSEG01 (no HMAC at all)
unsigned_seg() {
	follow "$1"
	to_v1 "$1"
}
appended unsigned "unsigned" unsigned_seg
# moved FILE: segment 1 of the other genuine generation (same key), renamed into this chain
moved() { cp "$T/other/20261127-110000-0c0c0c0c/00000001.seg" "$1"; }
appended moved "HMAC does not match" moved

# --- a stream written before signing (PDRSEG01, no HMAC line): only with --allow-unsigned ---
rm -rf "$T/bk-old"
cp -a "$SB" "$T/bk-old"
OG="$T/bk-old/stream/${GEN##*/}"
grep -v '^HMAC-SHA256:' "$OG/snapshot.sha256" >"$OG/sum.tmp" && mv "$OG/sum.tmp" "$OG/snapshot.sha256"
k=1
while [ $k -le "$nseg" ]; do
	f="$OG/$(printf %08d $k).seg"
	to_v1 "$f"
	# each links to the previous file as written then
	[ $k -gt 1 ] && put "$f" 48 "$(sha256sum "$OG/$(printf %08d $((k - 1))).seg" | cut -c1-64)"
	k=$((k + 1))
done
conf "$T/dr-old.yaml" "$T/bk-old"
rm -f "$T/r/x.db"
run "$PDR" --config "$T/dr-old.yaml" restore db --at now --yes
nothing_installed "an unsigned (old) stream: restore db --at"
expect_match "$T/err" "${GEN##*/}/snapshot.sha256: unsigned" "an unsigned stream: named"
run "$PDR" --config "$T/dr-old.yaml" restore db --at now --yes --allow-unsigned
expect_rc 0 "an unsigned stream, --allow-unsigned: restored"
expect_match "$T/out" "^WARNING: unsigned: stream generation ${GEN##*/}" "an unsigned stream: says unsigned"
expect_match "$T/out" "^point reached: .* \\(segment $nseg of" "an unsigned stream: the whole chain"
same "an unsigned stream: holds the last commit" "$(restored_k "$T/r/x.db")" "$(restored_k "$T/live/x.db")"

# --- no key: the stream is not used; --allow-unsigned uses it, and says so ------------------
mv "$SKEY" "$T/key.away"
rm -f "$T/r/x.db"
run "$PDR" --config "$T/dr.yaml" restore db --yes
nothing_installed "no key: restore db"
expect_match "$T/err" "cannot be authenticated: key file .*stream.key" "no key: says the stream cannot be authenticated"
run "$PDR" --config "$T/dr.yaml" rpo
expect_match "$T/out" "no point to restore to: .*no usable stream" "no key: rpo has no stream point"
expect_no_match "$T/out" "292278994" "no key: no made-up time in the reason"
run "$PDR" --config "$T/dr.yaml" restore db --at now --yes
nothing_installed "no key: restore db --at"
run "$PDR" --config "$T/dr.yaml" restore db --yes --allow-unsigned
expect_rc 0 "no key, --allow-unsigned: restore db uses the stream"
expect_match "$T/out" "^WARNING: unsigned: stream generation 20261127-120000-0a1b2c3d was used without authentication" \
    "--allow-unsigned: says unsigned"
same "--allow-unsigned: holds the last commit" "$(restored_k "$T/r/x.db")" "$(restored_k "$T/live/x.db")"
run "$PDR" --config "$T/dr.yaml" restore config --yes --allow-unsigned
expect_rc 64 "--allow-unsigned without --from is for restore db (the stream) only"
run "$PDR" --config "$T/dr.yaml" restore all --yes --allow-unsigned
expect_rc 64 "restore all takes no --allow-unsigned (it was ignored)"
# the stream itself does not start without the key
printf 'database: %s/live/x.db\nbackup_dir: %s/bk-s\nstate_dir: %s/state\nencryption_key: %s\n' \
    "$T" "$T" "$T" "$SKEY" >"$T/live.yaml"
run "$PDR" --config "$T/live.yaml" stream --once
expect_rc 78 "stream without its key file: refused"
expect_match "$T/err" "stream.key.*does not start without it" "stream names the key file"
[ -e "$T/bk-s/stream" ] && fail "stream wrote something without a key" || ok "stream wrote nothing"
mv "$T/key.away" "$SKEY"
chmod 644 "$SKEY"
run "$PDR" --config "$T/live.yaml" stream --once
expect_rc 77 "stream with a key others can read: refused"
chmod 600 "$SKEY"
finish
