#!/bin/sh
# links.sh: symbolic links and FIFOs an attacker puts into backup_dir and state_dir. A name
# swapped for a link is never followed to write (the stream's lock, the backup's temporary
# copy, the incident record), so a file elsewhere is never truncated or overwritten; a FIFO
# put where a set's database belongs is refused as not a regular file, never waited on
# (verify, restore db --from, restore-test --from, assess each end and say why).
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/restore-fixture.sh"

make_sandbox "$T/s"
take_backup
echo "precious victim data" >"$T/victim"
victim_unchanged() {
	if [ "$(cat "$T/victim")" = "precious victim data" ]; then ok "$1"; else
		fail "$1: the victim now holds: $(head -c 40 "$T/victim" | od -c | head -2)"
		echo "precious victim data" >"$T/victim"; fi
}

# --- the stream's lock: a symbolic link to a file elsewhere ----------------------------------
mkdir -p "$BK/stream"
ln -s "$T/victim" "$BK/stream/lock"
run timeout 60 "$PDR" --config "$C" stream --once
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && ok "stream refuses a lock that is a symbolic link (exit $rc)" ||
	fail "stream with a symbolic link for its lock: exit $rc"
expect_match "$T/err" 'lock: Too many levels of symbolic links' "it names the lock and why"
victim_unchanged "the file the lock pointed at is not truncated nor written"
rm -f "$BK/stream/lock"

# --- the backup's temporary copy, swapped for a link once reserved ---------------------------
# PDR_TEST_STOP_AT=1 stops the backup at its first checkpoint ("start"), after the temporary
# name is reserved and before the copy is written into it.
PDR_TEST_STOP_AT=1 "$PDR" --config "$C" backup --no-prune >"$T/b.out" 2>&1 &
bpid=$!
state=$(wait_stopped "$bpid")
if [ "$state" = T ]; then ok "the backup stopped at its first checkpoint"; else
	fail "the backup did not stop (state '$state')"; fi
n=0
for f in "$BK"/*/.patronus-*.db.tmp; do
	[ -e "$f" ] || continue
	rm -f "$f" && ln -s "$T/victim" "$f" && n=$((n + 1))
done
[ "$n" -eq 1 ] && ok "its reserved temporary copy is swapped for a symbolic link" ||
	fail "found $n reserved temporary copies"
kill -CONT "$bpid"
wait "$bpid"
rc=$?
[ "$rc" -ne 0 ] && ok "the backup fails rather than write through the link (exit $rc)" ||
	fail "the backup succeeded through a symbolic link"
expect_match "$T/b.out" 'Too many levels of symbolic links|not a new regular file' \
	"it says the temporary copy is a link"
victim_unchanged "the file the link pointed at is not overwritten with the database"
if find "$BK" -name 'patronus-*' -type l | grep -q .; then
	fail "a set file is a symbolic link: $(find "$BK" -name 'patronus-*' -type l)"
else ok "no set file is left as a symbolic link"; fi

# --- the backup's copy swapped for another regular file once written --------------------
# PDR_TEST_STOP_AT=3 stops the backup at its third checkpoint ("copied"): the copy is written,
# not yet hashed nor signed. An attacker moves it away and puts a database of its own making
# under its name: that must not be signed into a set.
sqlite3 "$T/evil.db" "CREATE TABLE sites (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO sites VALUES (1, 'attacker');
    CREATE TABLE paths (id INTEGER PRIMARY KEY);"
nsets=$(ls "$BK"/*/patronus-*-manifest.txt | wc -l)
PDR_TEST_STOP_AT=3 "$PDR" --config "$C" backup --no-prune >"$T/b3.out" 2>&1 &
bpid=$!
state=$(wait_stopped "$bpid")
[ "$state" = T ] && ok "the backup stopped with its copy written" || fail "the backup did not stop ($state)"
n=0
for f in "$BK"/*/.patronus-*.db.tmp; do
	[ -e "$f" ] || continue
	mv "$f" "$T/moved-away.db" && cp "$T/evil.db" "$f" && n=$((n + 1))
done
[ "$n" -eq 1 ] && ok "the copy is swapped for the attacker's database" || fail "found $n copies"
kill -CONT "$bpid"
wait "$bpid"
rc=$?
[ "$rc" -ne 0 ] && ok "the backup fails rather than sign another file (exit $rc)" ||
	fail "the backup signed the swapped file"
expect_match "$T/b3.out" 'replaced by another file while the backup wrote it; nothing signed' \
	"it says the copy was replaced"
[ "$(ls "$BK"/*/patronus-*-manifest.txt | wc -l)" -eq "$nsets" ] && ok "no new set (no manifest signed)" ||
	fail "a new set was signed"
evil=
for m in "$BK"/*/patronus-*-manifest.txt; do
	db=${m%-manifest.txt}.db
	sqlite3 "$db" "SELECT name FROM sites" 2>/dev/null | grep -qx attacker && evil="$evil $db"
done
[ -z "$evil" ] && ok "no set holds the attacker's database" ||
	fail "a set holds the attacker's database:$evil"

# --- a FIFO where a set's database belongs ----------------------------------------------------
F="$BK/hourly/patronus-hourly-20991231-235959"
mkfifo "$F.db"
for x in -config.tar.gz -wireguard.tar.gz.enc -manifest.txt; do cp "${SET%.db}$x" "$F$x"; done
fifo_case() {
	desc=$1
	shift
	run timeout 60 "$PDR" --config "$C" "$@"
	if [ "$rc" -eq 124 ]; then fail "$desc: still waiting on the FIFO after 60 s"; return; fi
	[ "$rc" -ne 0 ] && ok "$desc ends with a failure (exit $rc)" || fail "$desc: exit 0"
	if grep -q "$F.db: not a regular file" "$T/out" "$T/err"; then ok "$desc: 'not a regular file'"
	else fail "$desc: does not say 'not a regular file'"; sed 's/^/  | /' "$T/out" "$T/err" | tail -5; fi
}
fifo_case "verify NAME" verify patronus-hourly-20991231-235959
fifo_case "restore db --from NAME" restore db --yes --from patronus-hourly-20991231-235959
fifo_case "restore-test --from NAME" restore-test --from patronus-hourly-20991231-235959
fifo_case "assess FIFO" assess "$F.db"
rm -f "$F"*

# --- the incident record: STATE_DIR/incidents.db a symbolic link ------------------------------
mkdir "$T/st"
: >"$T/empty"
ln -s "$T/empty" "$T/st/incidents.db"
sed "s#^state_dir:.*#state_dir: $T/st#" "$C" >"$T/st.yaml"
run "$PDR" --config "$T/st.yaml" incidents list
expect_rc 74 "incidents list refuses a record that is a symbolic link"
expect_match "$T/err" 'incidents.db: a symbolic link; not followed' "and says so"
[ ! -s "$T/empty" ] && ok "the file it pointed at is still empty" ||
	fail "the record was written into the link's target ($(wc -c <"$T/empty") bytes)"

# --- links the administrator made stay usable: backup_dir and state_dir behind a link -------
# (only a link in place of a file the program writes is refused, not one above it)
mkdir -p "$T/disk/backup" "$T/disk/state"
ln -s "$T/disk/backup" "$T/backup-link"
ln -s "$T/disk/state" "$T/state-link"
sed -e "s#^backup_dir:.*#backup_dir: $T/backup-link/patronus#" \
    -e "s#^state_dir:.*#state_dir: $T/state-link#" "$C" >"$T/linked.yaml"
run "$PDR" --config "$T/linked.yaml" backup --no-prune
expect_rc 0 "a backup into a backup_dir behind a link"
ls "$T"/disk/backup/patronus/*/patronus-*.db >/dev/null 2>&1 && ok "the set is in the link's target" ||
	fail "no set under $T/disk/backup"
run "$PDR" --config "$T/linked.yaml" run monthly-backup-test --drill --unattended
expect_rc 0 "a drill recorded in a state_dir behind a link"
[ -f "$T/disk/state/incidents.db" ] && ok "the record is in the link's target" ||
	fail "no incidents.db under $T/disk/state"

finish
