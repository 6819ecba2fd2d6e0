#!/bin/sh
# pitr-restore.sh: restore db --at on chains whose every segment is known: the test writer
# commits 400 times and ships its WAL's committed frames itself (after every 1-3 commits),
# logging each segment's capture time and last commit. At random points and at the edges,
# the restore must reach exactly the newest segment captured by then and hold exactly the
# state after its last commit (sqlite3 .dump against sqlite3's own rebuild from the writer's
# SQL). Then a segment deleted, corrupted (a flipped byte, a truncated file, a broken link)
# in the middle: named with the reason, and the restore stops at the last good point and
# says so. Also: forensic copy, restore db choosing the stream or a set, rpo, usage.
. "$srcdir/tests/cli/lib.sh"
# rpo and backups lines read whole (tables.sh checks them at 80 columns)
COLUMNS=1000
export COLUMNS
. "$srcdir/tests/cli/pitr-lib.sh"
. "$srcdir/tests/cli/restore-fixture.sh"

SB="$T/bk"
GEN="$SB/stream/20261127-120000-0a1b2c3d"
mkdir -p "$T/live" "$T/r"
"$WRITER" write "$T/live/x.db" 400 "$T/log" "$GEN" || { fail "the test writer"; finish; exit 1; }
# conf FILE BACKUP_DIR DATABASE: a dr.yaml for restores into DATABASE.
conf() {
	printf 'database: %s\nbackup_dir: %s\nstate_dir: %s/state\nencryption_key: %s/no-key\n' \
	    "$3" "$2" "$T" "$T" >"$1"
}
conf "$T/dr.yaml" "$SB" "$T/r/x.db"
CF="$T/dr.yaml"
nseg=$(grep -c '^S ' "$T/log")
snap_ms=$(sed -n 's/^Time-Ms: //p' "$GEN/snapshot.sha256")
last_ms=$(awk '$1 == "S" { t = $3 } END { print t }' "$T/log")
[ "$nseg" -ge 100 ] && ok "the writer shipped $nseg segments" || fail "only $nseg segments"

# check_at MS LABEL: restore at MS reaches the newest segment captured by then and holds
# exactly the state after its last commit, none committed later.
check_at() {
	set -- "$1" "$2" $(awk -v t="$1" '$1 == "S" && $3 <= t { s = $2; k = $4 } END { print s + 0, k + 0 }' "$T/log")
	run "$PDR" --config "$CF" restore db --at "$(ms_arg "$1")" --yes
	expect_rc 0 "$2: restore db --at $(ms_arg "$1")"
	if [ "$3" -gt 0 ]; then
		expect_match "$T/out" "^point reached: .* \\(segment $3 of stream generation" "$2: reached segment $3"
	else
		expect_match "$T/out" "^point reached: .* \\(the snapshot of stream generation" "$2: reached the snapshot"
	fi
	k=$(restored_k "$T/r/x.db")
	same "$2: holds commits up to $4" "$k" "$4"
	if [ "$k" -gt 0 ]; then
		start=$(awk -v k="$k" '$1 == k { print $2 }' "$T/log")
		[ "$start" -le "$1" ] && ok "$2: its last commit began before the point" ||
			fail "$2: commit $k began at $start, after $1"
	fi
	same_state "$2: row for row the state after commit $4" "$T/r/x.db" "$4"
}

# --- random points, and the edges ---------------------------------------------------------
i=0
while [ $i -lt 20 ]; do
	i=$((i + 1))
	r=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
	check_at $((snap_ms + r % (last_ms - snap_ms + 200))) "random point $i"
done
t50=$(awk '$1 == "S" && $2 == 50 { print $3 }' "$T/log")
check_at "$t50" "exactly segment 50's capture time"
check_at $((t50 - 1)) "1 ms before segment 50's capture"
check_at "$snap_ms" "the snapshot's time"
expect_no_match "$T/err" "broken" "no break reported on a whole chain"

# --- a time is an instant, to the millisecond ------------------------------------------------
# "14:05:03" is 14:05:03.000: nothing the stream captured after that instant comes back (a
# commit is known to the stream by the capture that copied it). At the boundary of segment
# 60's capture time C: --at C holds its last commit, --at C - 1 ms does not, and the commit
# after it is absent from both; the time may be written "YYYY-mm-dd HH:MM:SS.mmm".
# at_text MS: MS as local "YYYY-mm-dd HH:MM:SS.mmm".
at_text() { printf '%s.%03d' "$(date -d "@$(($1 / 1000))" '+%Y-%m-%d %H:%M:%S')" "$(($1 % 1000))"; }
has_row() { sqlite3 "$T/r/x.db" "SELECT count(*) FROM t WHERE id = $1" 2>&1; }
t60=$(awk '$1 == "S" && $2 == 60 { print $3 }' "$T/log")
k60=$(awk '$1 == "S" && $2 == 60 { print $4 }' "$T/log")
k59=$(awk '$1 == "S" && $2 == 59 { print $4 }' "$T/log")
run "$PDR" --config "$CF" restore db --at "$(at_text "$t60")" --yes
expect_rc 0 "--at \"$(at_text "$t60")\" (segment 60's capture, to the ms)"
expect_match "$T/out" "^point reached: .*\\.$(printf %03d $((t60 % 1000))) \\(segment 60 of" "says the point reached, to the ms"
same "at the instant: commit $k60, captured then, is present" "$(has_row "$k60")" 1
same "at the instant: commit $((k60 + 1)), captured later, is absent" "$(has_row $((k60 + 1)))" 0
run "$PDR" --config "$CF" restore db --at "$(at_text $((t60 - 1)))" --yes
expect_rc 0 "--at 1 ms before segment 60's capture"
same "1 ms before: commit $k60 (captured 1 ms after the time) is absent" "$(has_row "$k60")" 0
same "1 ms before: commit $k59 is present" "$(has_row "$k59")" 1
expect_match "$T/out" "^point reached: .* \\(segment 59 of" "1 ms before: reached segment 59"

# Whole seconds are the start of that second: nothing captured during it comes back.
sec=$((last_ms / 1000))
run "$PDR" --config "$CF" restore db --at "$(date -d "@$sec" '+%Y-%m-%d %H:%M:%S')" --yes
expect_rc 0 "--at in whole seconds"
k=$(restored_k "$T/r/x.db")
want=$(awk -v t=$((sec * 1000)) '$1 == "S" && $3 <= t { k = $4 } END { print k + 0 }' "$T/log")
same "whole seconds: up to HH:MM:SS.000, not the end of that second" "$k" "$want"
expect_match "$T/out" "^restoring the database as at .* $(date -d "@$sec" '+%H:%M:%S')\\.000" \
	"says the instant it reads: .000"

# --- forensic copy and install, as restore db does -------------------------------------------
cp "$T/r/x.db" "$T/before.db"
rm -f "$T/r/x.db".corrupted.*
run "$PDR" --config "$CF" restore db --at "$(ms_arg "$t50")" --yes
expect_rc 0 "restore --at over an existing database"
set -- "$T/r/x.db".corrupted.*
cmp -s "$1" "$T/before.db" && ok "forensic copy $(basename "$1") holds the replaced database" ||
	fail "forensic copy differs from the replaced database"
expect_match "$T/out" "^forensic copy: $T/r/x.db.corrupted." "the forensic copy is named"
expect_match "$T/out" "^restored $T/r/x.db from $GEN/00000050.seg \\([0-9]+ bytes\\), mode 0600" \
    "says what it restored from"
expect_match "$T/out" "^data-loss window: " "prints the data-loss window"
same "restored mode 600" "$(stat -c %a "$T/r/x.db")" 600
same "integrity_check" "$(sqlite3 "$T/r/x.db" 'PRAGMA integrity_check')" ok
ls -a "$T/r" | grep -q '\.pitr-\|\.restore-' && fail "a temporary file is left" || ok "no temporary file left"
cp "$T/r/x.db" "$T/before.db"
run setsid -w "$PDR" --config "$CF" restore db --at "$(ms_arg "$last_ms")"
expect_rc 64 "no terminal and no --yes: refused"
cmp -s "$T/r/x.db" "$T/before.db" && ok "the refusal changed nothing" || fail "the refusal changed the database"

# --- damage in the middle of the chain ------------------------------------------------------
# damaged NAME REASON-ERE DAMAGE-COMMAND...: a copy of the stream with segment 80 damaged by
# the command (run on the file); restore at the newest time stops at segment 79 and says why.
k79=$(awk '$1 == "S" && $2 == 79 { print $4 }' "$T/log")
k78=$(awk '$1 == "S" && $2 == 78 { print $4 }' "$T/log")
t78=$(awk '$1 == "S" && $2 == 78 { print $3 }' "$T/log")
damaged() {
	name=$1 reason=$2
	shift 2
	cp -a "$SB" "$T/bk-$name"
	mkdir -p "$T/r-$name"
	"$@" "$T/bk-$name/stream/${GEN##*/}/00000080.seg"
	conf "$T/dr-$name.yaml" "$T/bk-$name" "$T/r-$name/x.db"
	run setsid -w "$PDR" --config "$T/dr-$name.yaml" restore db --at "$(ms_arg "$last_ms")"
	expect_rc 64 "$name: no --yes, no terminal: refused"
	[ -e "$T/r-$name/x.db" ] && fail "$name: installed without --yes" || ok "$name: nothing installed"
	run "$PDR" --config "$T/dr-$name.yaml" restore db --at "$(ms_arg "$last_ms")" --yes
	expect_rc 1 "$name: --yes installs the last good point, and exits 1: short of the time asked for"
	expect_match "$T/err" "chain is broken: .*/00000080\\.seg: $reason" "$name: the segment is named with the reason"
	expect_match "$T/err" "the last good point is .*, before the .* asked for" "$name: says it stopped short"
	expect_match "$T/out" "^point reached: .* \\(segment 79 of" "$name: stops at segment 79"
	expect_match "$T/out" "^WARNING: the stream chain is broken; restored its last good point" \
	    "$name: the result says so too"
	same_state "$name: the state after commit $k79, segment 79's last" "$T/r-$name/x.db" "$k79"
	# At segment 78's capture time the walk stops at 79, captured later: 80 is not read.
	run "$PDR" --config "$T/dr-$name.yaml" restore db --at "$(ms_arg "$t78")" --yes
	expect_rc 0 "$name: a point before the damage"
	expect_no_match "$T/err" "broken" "$name: before the damage, no break"
	same_state "$name: the state at segment 78" "$T/r-$name/x.db" "$k78"
}
# flip FILE OFFSET: invert one byte.
flip() {
	b=$(od -An -tu1 -j"$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((255 - b)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
# flip_mid FILE: a byte of the first page in the payload; flip_link FILE: a byte of the
# previous file's SHA-256 in the header (the payload still matches its own hash).
flip_mid() { flip "$1" 300; }
flip_link() { flip "$1" 50; }
damaged deleted "missing" rm -f
damaged flipped "payload does not match its SHA-256" flip_mid
damaged truncated "payload of [0-9]+ bytes is not" truncate -s -100
damaged unlinked "does not follow the previous file" flip_link
run "$PDR" --config "$T/dr-deleted.yaml" rpo
expect_match "$T/out" "^WARNING: the stream chain is broken \\(.*00000080\\.seg: missing" "rpo names the break"
expect_match "$T/out" "^newest stream point: .*\\(segment 79 of" "rpo: the newest good point is segment 79"

# A damaged snapshot: that generation cannot be used, and there is no other.
cp -a "$SB" "$T/bk-snap"
flip "$T/bk-snap/stream/${GEN##*/}/snapshot.db" 5000
conf "$T/dr-snap.yaml" "$T/bk-snap" "$T/r/x.db"
run "$PDR" --config "$T/dr-snap.yaml" restore db --at "$(ms_arg "$last_ms")" --yes
expect_rc 66 "a damaged snapshot and no other generation"
expect_match "$T/err" "snapshot\\.db: does not match its SHA-256" "the snapshot is named"

# --- two generations: a time between the first's end and the second's snapshot ---------------
cp -a "$SB" "$T/bk-gap"
"$WRITER" write "$T/live/y.db" 5 "$T/log3" "$T/bk-gap/stream/20261127-130000-0b0b0b0b" ||
	fail "the writer's second generation"
conf "$T/dr-gap.yaml" "$T/bk-gap" "$T/r/x.db"
run "$PDR" --config "$T/dr-gap.yaml" restore db --at "$(ms_arg $((last_ms + 1)))" --yes
expect_rc 0 "restore between two generations"
expect_match "$T/out" "^point reached: .* \\(segment $nseg of stream generation ${GEN##*/}," \
    "the first generation's last segment"
expect_match "$T/out" "^note: generation ${GEN##*/} ends there; the next one begins at .*not in the stream" \
    "says the time asked for falls between two generations"
same "the first generation's last state" "$(restored_k "$T/r/x.db")" 400
run "$PDR" --config "$T/dr-gap.yaml" restore db --at now --yes
expect_rc 0 "restore now with two generations"
expect_match "$T/out" "^point reached: .* of stream generation 20261127-130000-0b0b0b0b," "now: the newer generation"
expect_no_match "$T/out" "^note: generation" "no note when the generation covers the time"
same "the second generation's state" "$(restored_k "$T/r/x.db")" 5

# --- restore db without --at: the stream or a set, whichever is newer ----------------------
make_sandbox "$T/s"
take_backup
sleep 1
"$WRITER" write "$DB" 30 "$T/log2" "$BK/stream/20261127-130000-00000001" >/dev/null ||
	fail "the writer on the sandbox database"
good_counts=$(counts "$DB")
run "$PDR" --config "$D/dr.yaml" rpo
expect_match "$T/out" "^newest set that verifies: $(basename "$SET" .db)" "rpo names the set"
expect_match "$T/out" "^newest restorable point: .*, from the stream$" "rpo: the stream's point is newer than the set"
run "$PDR" --config "$D/dr.yaml" restore db --yes
expect_rc 0 "restore db with a stream newer than the newest set"
expect_match "$T/out" "newest good point .* is newer than the newest set that verifies \\($(basename "$SET" .db)" \
    "says it restores from the stream, and why"
same "restored up to the stream's last commit" "$(restored_k "$DB")" 30
same "the sandbox's rows are there too" "$(counts "$DB")" "$good_counts"
run "$PDR" --config "$D/dr.yaml" restore db --yes --from "$SET"
expect_rc 0 "--from still forces a set"
same "--from: the set has no commit of the writer" "$(sqlite3 "$DB" 'SELECT count(*) FROM sqlite_master WHERE name = "commits"')" 0
sleep 1
take_backup
run "$PDR" --config "$D/dr.yaml" restore db --yes
expect_rc 0 "restore db with a set newer than the stream"
expect_match "$T/out" "newest set that verifies \\($(basename "$SET" .db).*is newer than the stream" \
    "says the set is newer"
expect_match "$T/out" "^restoring from $(basename "$SET" .db)" "restores the newer set"

# --- usage -----------------------------------------------------------------------------------
run "$PDR" --config "$CF" restore db --at "$(ms_arg "$last_ms")" --from "$SET" --yes
expect_rc 64 "--at with --from"
run "$PDR" --config "$CF" restore config --at now --yes
expect_rc 64 "--at with restore config"
run "$PDR" --config "$CF" restore db --at "soonish" --yes
expect_rc 64 "--at with a bad time"
run "$PDR" --config "$CF" restore db --at "$(ms_arg $((snap_ms - 60000)))" --yes
expect_rc 66 "--at before the oldest snapshot"
expect_match "$T/err" "no stream snapshot at or before" "says there is no snapshot that old"

finish
