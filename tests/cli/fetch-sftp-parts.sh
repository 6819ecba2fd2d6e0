#!/bin/sh
# fetch-sftp-parts.sh: an SFTP file fetched as ranged reads over several connections (small parts
# here; PATRONUS_DR_SFTP_PARALLEL=4, the default is one connection), against a private sshd. A
# whole fetch comes over more than one SSH session and is the store's; then the file is changed
# on the store while its parts come, and each change is named and nothing of it is kept or
# verified: replaced by another file (another modification time), truncated in place (its time
# put back: the short read names it), and replaced by a file of the same size and time (only the
# SHA-256 of the authenticated manifest can tell: named as damage); then restore all in parts
# installs the copy written beside the live database as the parts came.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/backup-fixture.sh"
. "$srcdir/tests/cli/offsite-lib.sh"
. "$srcdir/tests/cli/standby-lib.sh"
standby_primary
sqlite3 "$DB" "CREATE TABLE filler(b); INSERT INTO filler VALUES (randomblob(3000000));"
run "$PDR" --config "$C" backup --type daily
expect_rc 0 "a backup, copied to both stores"
NAME=$(ls "$B/daily" | sed -n 's/\.db$//p')
RDB="$R/daily/$NAME.db"
[ -f "$RDB" ] && ok "the set is on the SFTP store" || fail "no $RDB"
cp -p "$RDB" "$T/good.db"
lose_primary
export PATRONUS_DR_SFTP_PART_SIZE=262144 PATRONUS_DR_SFTP_PARALLEL=4

# --- a whole fetch in parts --------------------------------------------------------------------
n0=$(grep -c "Accepted publickey" "$SSH_DIR/sshd.log")
run "$PDR" --config "$C" fetch --from sftp "$NAME"
expect_rc 0 "fetch --from sftp in parts"
n1=$(grep -c "Accepted publickey" "$SSH_DIR/sshd.log")
[ $((n1 - n0)) -ge 2 ] && ok "the parts came over $((n1 - n0)) SSH sessions" ||
	fail "one SSH session only ($((n1 - n0)))"
cmp -s "$B/daily/$NAME.db" "$T/good.db" && ok "the database fetched in parts is the store's" ||
	fail "the database fetched in parts differs"
expect_match "$T/out" "^Fetched $B/daily/$NAME from sftp://" "it verifies"

# change_during HOW: fetch again, the download stopping itself once its first part is in
# ($PDR_TEST_PART_STOP=1: twelve parts, four at a time, so eight are still to be asked for);
# change the store's file (HOW: replace, truncate or same), then let it go on: the parts asked
# for after that read the changed file. No race with the download's speed.
change_during() {
	rm -rf "$B"
	PDR_TEST_PART_STOP=1 "$PDR" --config "$C" fetch --from sftp "$NAME" >"$T/out" 2>"$T/err" &
	FPID=$!
	st=$(wait_stopped "$FPID")
	[ "$st" = T ] || fail "the download did not stop after its first part ($st)"
	case $1 in
	replace)
		head -c "$(wc -c <"$T/good.db")" /dev/urandom >"$T/other.db"
		touch -d '2001-01-01 00:00:00' "$T/other.db"
		mv "$T/other.db" "$RDB" ;;
	truncate)
		truncate -s 1000000 "$RDB"
		touch -r "$T/good.db" "$RDB" ;;
	same)
		cp "$T/good.db" "$T/other.db"
		# in the last part, the last to be asked for
		printf 'XXXXXXXX' | dd of="$T/other.db" bs=1 seek=$(($(wc -c <"$T/good.db") - 100)) \
		    conv=notrunc 2>/dev/null
		touch -r "$RDB" "$T/other.db"
		mv "$T/other.db" "$RDB" ;;
	esac
	kill -CONT "$FPID"
	wait "$FPID"
	rc=$?
}

# nothing_kept WHAT: no file of the set in backup_dir, no temporary file.
nothing_kept() {
	left=$(find "$B" -name "*$NAME*" 2>/dev/null | head -3)
	[ -z "$left" ] && ok "nothing of $1 is kept" || fail "left after $1: $left"
}

# --- replaced between parts: another modification time ----------------------------------------
change_during replace
expect_rc 69 "fetch when the file is replaced between parts"
expect_match "$T/out" "^skipped: $NAME on sftp://.*: the download broke: .*$NAME\\.db: bytes [0-9]+-[0-9]+: modified at 978307200, not [0-9]+: the file changed on the store while it was being fetched; nothing of it is kept" \
    "the replaced file is named, with both times"
expect_no_match "$T/out" "damaged|^Fetched" "a replaced file is neither damage nor fetched"
nothing_kept "the replaced file"
cp "$T/good.db" "$RDB"

# --- truncated in place, its time put back: a part comes short or starts past the end ---------
touch -r "$T/good.db" "$RDB"
change_during truncate
expect_rc 69 "fetch when the file is truncated between parts"
expect_match "$T/out" "^skipped: $NAME on sftp://.*: the download broke: .*$NAME\\.db: bytes [0-9]+-[0-9]+: ([0-9]+ of [0-9]+ bytes came|.*beyond file size.*): the file changed on the store while it was being fetched" \
    "the truncated file is named by the bytes that came"
expect_no_match "$T/out" "damaged|^Fetched" "a truncated file is neither damage nor fetched"
nothing_kept "the truncated file"
cp "$T/good.db" "$RDB"
touch -r "$T/good.db" "$RDB"

# --- replaced by a file of the same size and time: the manifest's SHA-256 names it -------------
change_during same
expect_rc 1 "fetch when the file is replaced by one of the same size and time"
expect_match "$T/out" "^skipped: $NAME on sftp://.*: damaged: .*$NAME\\.db: SHA-256 [0-9a-f]{64} of the download is not [0-9a-f]{64}, the one its set's manifest gives" \
    "bytes mixed from two files are caught by the SHA-256"
expect_no_match "$T/out" "^Fetched" "never fetched as verified"
nothing_kept "the mixed download"
cp "$T/good.db" "$RDB"

# --- the store's file as it was: fetched whole again ------------------------------------------
run "$PDR" --config "$C" fetch --from sftp "$NAME"
expect_rc 0 "fetch once the file is back"
cmp -s "$B/daily/$NAME.db" "$T/good.db" && ok "then the database is the store's" ||
	fail "the database differs"

# --- restore all in parts: the copy written beside the live database as the parts come -------
rm -rf "$B"
run "$PDR" --config "$C" restore all --from-remote sftp --yes
expect_rc 0 "restore all --from-remote sftp in parts"
expect_match "$T/out" "written as the set was fetched, whose copy verified" \
    "the database installed is the copy written as the parts came"
cmp -s "$DB" "$T/good.db" && ok "the installed database is the store's" ||
	fail "the installed database differs"
left=$(ls -A "$(dirname "$DB")" | grep '\.fetch-')
[ -z "$left" ] && ok "no staged copy is left beside the live database" || fail "left: $left"
finish
