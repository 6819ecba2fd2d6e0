#!/bin/sh
# fetch-pipe.sh: the fetch pipeline (#21) against S3 on loopback through the SigV4 checker: a
# set's database comes as ranged GETs in parallel, every one after the first with If-Match of
# the object's ETag, and arrives whole and verified. Then tests/s3/badstore.py answers as bad
# stores do: a reset mid-part, a short part and a range answered with the whole object are
# asked again and named; an object replaced between parts is named, and nothing of it is kept
# or verified; an object whose ETag is a multipart one ("MD5-N") comes whole with If-Match of
# it; a store that answers no range at all gives the object in one piece. A restore
# of the set fetched and verified does not hash it again; restore all moves in the copy of the
# database written beside the live one as it arrived, and leaves none behind when it cannot.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/backup-fixture.sh"
. "$srcdir/tests/cli/offsite-lib.sh"
. "$srcdir/tests/cli/standby-lib.sh"
standby_primary
trap 'badstore_stop; offsite_cleanup' EXIT
sqlite3 "$DB" "CREATE TABLE filler(b); INSERT INTO filler VALUES (randomblob(3000000));"
run "$PDR" --config "$C" backup --type daily
expect_rc 0 "a backup, copied to both stores"
NAME=$(ls "$B/daily" | sed -n 's/\.db$//p')
OBJDB="$OBJ/daily/$NAME.db._S3rver_object"
[ -f "$OBJDB" ] && ok "the set is on S3" || fail "the set is not on S3"
# parts of 256 KiB: about a dozen for the 3 MB database, four at once
export PATRONUS_DR_S3_GET_PART_SIZE=262144 PATRONUS_DR_S3_PARALLEL=4

# fetch_db CONFIG: fetch the set from S3 into an empty backup_dir.
fetch_db() {
	rm -rf "$B"
	: >"$T/requests.log"
	run "$PDR" --config "$1" fetch --from s3 "$NAME"
}

# --- a good store: ranged parts, If-Match, the bytes whole ------------------------------------
fetch_db "$C"
expect_rc 0 "fetch from a good store"
cmp -s "$B/daily/$NAME.db" "$OBJDB" && ok "the database is the store's, byte for byte" ||
	fail "the database differs from the store's"
n=$(grep -c "\"GET\", \"target\": \"/pdr/site-a/daily/$NAME.db\".*\"Range\", \"bytes=[0-9]*-[0-9]*\"" "$T/requests.log")
[ "$n" -ge 10 ] && ok "the database came as $n ranged GETs" || fail "$n ranged GETs of the database"
first=$(grep "\"target\": \"/pdr/site-a/daily/$NAME.db\"" "$T/requests.log" | head -1)
case $first in *'"bytes=0-262143"'*) ok "the first GET asks for the first part" ;;
*) fail "the first GET: $first" ;; esac
m=$(grep "\"target\": \"/pdr/site-a/daily/$NAME.db\"" "$T/requests.log" | grep -c '"If-Match", "\\"[0-9a-f]\{32\}\\""')
[ "$m" -eq $((n - 1)) ] && ok "every GET after the first carries If-Match of the ETag ($m)" ||
	fail "$m of $((n - 1)) later GETs carry If-Match"
expect_match "$T/out" "it verifies|verif" "the fetched set verifies"
check_log "$T/requests.log" "every S3 request passed the SigV4 checker"
# the set fetched and verified is not hashed again by the restore
run "$PDR" --config "$C" restore db --yes
expect_rc 0 "restore db from the fetched set"
expect_match "$T/out" "$NAME\\.db: verified and unchanged since \\(inode, size, change time\\): the copy's SHA-256 is the manifest's, not computed again" \
    "the restore does not hash the verified set again, and says so"
cmp -s "$DB" "$OBJDB" && ok "the restored database is the set's" || fail "the restored database differs"

# --- restore all: the database written beside the live one as it arrives, moved in -----------
rm -rf "$B"
run "$PDR" --config "$C" restore all --from-remote s3 --yes
expect_rc 0 "restore all --from-remote s3"
expect_match "$T/out" "/\\.sdwan\\.db\\.fetch-[A-Za-z0-9]{6}: written as the set was fetched, whose copy verified: its SHA-256 is the manifest's, not computed again" \
    "the database went in from its copy made while it was fetched, not copied again"
expect_no_match "$T/out" "^copying " "no second copy of the database"
cmp -s "$DB" "$OBJDB" && ok "the live database is the set's, byte for byte" || fail "the live database differs"
cmp -s "$B/daily/$NAME.db" "$OBJDB" && ok "the set's own copy is whole too" || fail "the set's copy differs"
[ "$(stat -c %a "$DB")" = 600 ] && ok "the live database has mode 0600" || fail "mode $(stat -c %a "$DB")"
left=$(ls -A "$(dirname "$DB")" | grep '\.fetch-')
[ -z "$left" ] && ok "nothing staged is left beside the live database" || fail "left: $left"

# --- a reset mid-part: that part asked again for what it lacks ---------------------------------
badstore cutonce "$NAME.db"
fetch_db "$T/bad.yaml"
expect_rc 0 "fetch through resets mid-part"
expect_match "$T/err" "$NAME\\.db: bytes [0-9]+-[0-9]+: .*received\\); asking again for what is missing" \
    "each reset is named with its bytes"
cmp -s "$B/daily/$NAME.db" "$OBJDB" && ok "the database is whole after the resets" ||
	fail "the database differs after the resets"
badstore_stop

# --- a short part: detected, asked again --------------------------------------------------------
badstore short "$NAME.db"
fetch_db "$T/bad.yaml"
expect_rc 0 "fetch through short parts"
expect_match "$T/err" "$NAME\\.db: bytes [0-9]+-[0-9]+: a short answer \\([0-9]+ of [0-9]+ bytes\\); asking again" \
    "a short part is named"
cmp -s "$B/daily/$NAME.db" "$OBJDB" && ok "the database is whole after short parts" ||
	fail "the database differs after short parts"
badstore_stop

# --- a range answered with the whole object (200, not 206) --------------------------------------
badstore whole "$NAME.db"
fetch_db "$T/bad.yaml"
expect_rc 0 "fetch when ranges are answered with the whole object"
expect_match "$T/err" "$NAME\\.db: bytes [0-9]+-[0-9]+ were answered with the whole object \\(200, not 206\\)" \
    "a range answered whole is named"
cmp -s "$B/daily/$NAME.db" "$OBJDB" && ok "the database is whole" || fail "the database differs"
badstore_stop

# --- the object replaced between parts: named, nothing kept, nothing verified -----------------
badstore replace "$NAME.db"
fetch_db "$T/bad.yaml"
expect_rc 69 "fetch when the object is replaced between parts"
expect_match "$T/out" "^skipped: $NAME on s3://.*: the download broke: .*$NAME\\.db: the object changed on the store while it was being fetched \\(its ETag is no longer [0-9a-f]{32}\\)" \
    "the replaced object is named"
expect_no_match "$T/out" "damaged" "a replaced object is not taken for damage"
left=$(find "$B" -name "*$NAME*" | head -3)
[ -z "$left" ] && ok "nothing of the mixed download is kept" || fail "left: $left"
run "$PDR" --config "$C" backups
expect_no_match "$T/out" "$NAME" "no set of it is listed here"
run "$PDR" --config "$T/bad.yaml" restore all --from-remote s3 --yes
expect_rc 69 "restore all when the object is replaced between parts"
left=$(ls -A "$(dirname "$DB")" | grep '\.fetch-')
[ -z "$left" ] && ok "restore all leaves no staged copy of a replaced object" || fail "left: $left"
badstore_stop

# --- a multipart ETag ("MD5-N", as AWS answers for an object uploaded in parts) -----------------
badstore etagparts "$NAME.db"
fetch_db "$T/bad.yaml"
expect_rc 0 "fetch of an object whose ETag is a multipart one"
expect_no_match "$T/out" "damaged|skipped" "a multipart ETag is not taken for an MD5"
cmp -s "$B/daily/$NAME.db" "$OBJDB" && ok "the object with a multipart ETag is the store's" ||
	fail "the object with a multipart ETag differs"
badstore_stop

# --- a store that answers no range: the object in one piece --------------------------------------
badstore norange "$NAME.db"
fetch_db "$T/bad.yaml"
expect_rc 0 "fetch from a store that answers no range"
expect_match "$T/out" "$NAME\\.db: the store does not answer ranged GETs; downloading it in one piece" \
    "says it downloads the object in one piece"
cmp -s "$B/daily/$NAME.db" "$OBJDB" && ok "the database fetched in one piece is the store's" ||
	fail "the database fetched in one piece differs"
badstore_stop

# --- a listing that loops (the same continuation token for ever): named, not followed -----------
badstore looptoken same
run timeout 60 "$PDR" --config "$T/bad.yaml" fetch --from s3
[ "$rc" -ne 124 ] && ok "fetch ends on a looping listing (exit $rc)" || fail "fetch hung on a looping listing"
[ "$rc" -ne 0 ] && ok "and does not call it a success" || fail "exit 0 on a looping listing"
cat "$T/out" "$T/err" >"$T/both"
expect_match "$T/both" "the listing's next page token is the one just asked for" "the loop is named"
badstore_stop
finish
