#!/bin/sh
# settle.sh: a step's run is settled truthfully whatever happens to the TUI (#22). The TUI is
# killed (kill -9) at several moments of a chatty command, a quiet one (sleep; date >> marker),
# a backup and a restore: each time the run's supervisor finishes and records it, and what the
# record says, what `incidents show` and `resume` show and what really happened (marker files,
# output bytes, the live database's inode and hash) agree. A supervisor killed itself leaves a
# run that is settled as "outcome unknown", never "running" nor "interrupted". Two TUIs
# pressing x together or 0.3 s apart start the step once. SIGHUP at the moment of a restore's
# swap leaves the record telling the truth about the live file. A killed backup's temporaries
# are listed by `backups` and removed by the next backup. No timing is asserted.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/tui-lib.sh"

D="$T/demo"
demo_sandbox "$D"
C="$D/dr.yaml"
LIVE="$D/var/lib/patronus/sdwan.db"
REC="$D/var/lib/patronus/dr/incidents.db"
mkdir -p "$T/runbooks"
sed -i "s|^runbook_dirs:.*|runbook_dirs: [\"$T/runbooks\"]|" "$C"
# A database large enough that copying it takes a while.
sqlite3 "$LIVE" "CREATE TABLE bulk (b BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL
    SELECT i + 1 FROM n WHERE i < 30000) INSERT INTO bulk SELECT randomblob(1000) FROM n"
run "$PDR" --config "$C" backup --no-offsite
expect_rc 0 "a backup of the sandbox"

cat >"$T/runbooks/settle-test.yaml" <<YAML
id: settle-test
title: Settle test
rto: 1h
roles: [Operations Team]
steps:
  - id: chatty
    title: A chatty command
    role: Operations Team
    run: i=0; while [ \$i -lt 40 ]; do echo "chatty line \$i"; i=\$((i + 1)); sleep 0.05; done; echo x >>$T/chatty.marker
  - id: quiet
    title: A quiet command
    role: Operations Team
    # the marker is written by a grandchild of the supervisor (the inner sh), which must die
    # with it too: PR_SET_PDEATHSIG alone took only the outer shell
    run: sh -c 'sleep 3; date >>$T/quiet.marker'
  - id: backup
    title: A backup
    role: Operations Team
    action: backup
  - id: restore
    title: A restore
    role: Operations Team
    action: restore-db
YAML
run "$PDR" --config "$C" runbooks lint "$T/runbooks/settle-test.yaml"
expect_rc 0 "the test runbook is sound"
[ "$rc" -eq 0 ] || { cat "$T/out" "$T/err"; finish; exit 1; }

# The output the chatty command really writes, in bytes.
CHATTY_BYTES=$(i=0; while [ $i -lt 40 ]; do echo "chatty line $i"; i=$((i + 1)); done | wc -c)

# SQL on the record, waiting for a writer rather than failing
SQL="sqlite3 -cmd '.timeout 10000' $REC"
# q SQL: one query on the record.
q() { sqlite3 -cmd '.timeout 10000' "$REC" "$1"; }
# runs STEP: how many runs of STEP were claimed.
runs() { q "SELECT count(*) FROM events WHERE kind = 'run-claimed' AND step = '$1'"; }
# last_run STEP: the run id of STEP's newest claim.
last_run() { q "SELECT run FROM events WHERE kind = 'run-claimed' AND step = '$1' ORDER BY seq DESC LIMIT 1"; }
# exit_of RUN: the payload of RUN's exit event(s).
exit_of() { q "SELECT payload FROM events WHERE kind = 'exit' AND run = '$1'"; }
# tui_pid NAME: the TUI process under session NAME's pane.
tui_pid() { pgrep -P "$($TM display -p -t "$1" '#{pane_pid}')" | head -1; }
# step_index STEP: its number in the list (1-based).
step_index() { case $1 in chatty) echo 1;; quiet) echo 2;; backup) echo 3;; restore) echo 4;; esac; }

# open_step NAME STEP: in the TUI of session NAME, make STEP current (Tab, up to the top, down, Enter).
open_step() {
	tui_keys "$1" Tab k k k k k
	_k=1
	while [ $_k -lt "$(step_index "$2")" ]; do tui_keys "$1" j; _k=$((_k + 1)); done
	tui_keys "$1" Enter
	tui_wait "$1" "Step $(step_index "$2")/4" "$1: step $2 is open"
}

tui_start s0 100 30 "$PDR" --config "$C" run settle-test
tui_wait s0 'INC-[0-9]{8}-[0-9]{4}-settle-test' "an incident is declared"
ID=$(newest_incident "$REC")
tui_keys s0 q
tui_wait s0 '^\[exit 0\]' "the TUI leaves, the incident stays open"

# kill9 STEP DELAY: run STEP from a TUI, kill -9 the TUI DELAY seconds after the claim, then
# wait (bounded) until the run's supervisor has recorded its end. Sets $RUN.
kill9() {
	_n=k$$_$1_$(echo "$2" | tr . _)
	_before=$(runs "$1")
	tui_start "$_n" 100 30 "$PDR" --config "$C" resume "$ID"
	tui_wait "$_n" 'Settle test' "$1/$2: resumed"
	open_step "$_n" "$1"
	tui_keys "$_n" x
	[ "$1" = restore ] && { tui_wait "$_n" '\(y/n\)' "$1/$2: asks first"; tui_keys "$_n" y; }
	wait_for "$1/$2: the run is claimed" 30 sh -c "[ \$($SQL \"SELECT count(*) FROM events WHERE kind = 'run-claimed' AND step = '$1'\") -gt $_before ]"
	RUN=$(last_run "$1")
	sleep "$2"
	kill -9 "$(tui_pid "$_n")"
	wait_for "$1/$2: the supervisor records the end" 90 sh -c "[ -n \"\$($SQL \"SELECT 1 FROM events WHERE kind = 'exit' AND run = '$RUN'\")\" ]"
	$TM kill-session -t "$_n" 2>/dev/null
	_e=$(exit_of "$RUN")
	case $_e in *'"status":"exit 0"'*) ok "$1/$2: the record says exit 0";;
	*) fail "$1/$2: the record says $_e";; esac
	[ "$(exit_of "$RUN" | wc -l)" -eq 1 ] && ok "$1/$2: one end for the run" || fail "$1/$2: $(exit_of "$RUN" | wc -l) ends"
}

# check_resume STEP RESULT: resume shows STEP's result, not running; incidents show has no run.
check_resume() {
	run "$PDR" --config "$C" incidents show "$ID"
	expect_no_match "$T/out" '^(Running|Settled|Ended): ' "$1: incidents show: no run left open"
	tui_start rs 100 30 "$PDR" --config "$C" resume "$ID"
	tui_wait rs 'Settle test' "$1: resumed to look"
	open_step rs "$1"
	tui_wait rs "Result: $2" "$1: resume shows \"$2\""
	tui_wait_gone rs 'Running' "$1: resume does not call it running"
	tui_keys rs q
	$TM kill-session -t rs 2>/dev/null
}

# A chatty command: its output, all of it, and its exit are in the record.
for d in 0.1 1; do
	kill9 chatty "$d"
	b=$(q "SELECT coalesce(sum(length(CAST(payload AS BLOB))), 0) FROM events WHERE kind = 'output' AND run = '$RUN'")
	[ "$b" -eq "$CHATTY_BYTES" ] && ok "chatty/$d: every output byte recorded ($b)" || fail "chatty/$d: $b of $CHATTY_BYTES bytes recorded"
	case $(exit_of "$RUN") in *"\"output_bytes\":$CHATTY_BYTES,"*) ok "chatty/$d: the exit carries the real byte count";;
	*) fail "chatty/$d: exit $(exit_of "$RUN")";; esac
done
[ "$(wc -l <"$T/chatty.marker")" -eq 2 ] && ok "chatty: ran to the end twice, as recorded" || fail "chatty: marker has $(wc -l <"$T/chatty.marker") lines"
check_resume chatty 'exit 0'

# A quiet command: it finishes unwatched, and the record says so.
for d in 0.2 2; do
	kill9 quiet "$d"
done
[ "$(wc -l <"$T/quiet.marker")" -eq 2 ] && ok "quiet: ran twice, as recorded" || fail "quiet: marker has $(wc -l <"$T/quiet.marker") lines"
check_resume quiet 'exit 0'

# A backup: a new complete set per run (retention keeps the newest of a period), no temporaries.
for d in 0.2 1; do
	sleep 1.1	# sets are named by the second
	m0=$(ls -t "$D"/backup/patronus/*/*-manifest.txt | head -1)
	kill9 backup "$d"
	m1=$(ls -t "$D"/backup/patronus/*/*-manifest.txt | head -1)
	[ "$m0" != "$m1" ] && [ -s "${m1%-manifest.txt}.db" ] && ok "backup/$d: a new complete set, as recorded" ||
		fail "backup/$d: no new set ($m0, $m1)"
	ls -a "$D"/backup/patronus/*/ | grep -q '\.tmp' && fail "backup/$d: temporaries left" || ok "backup/$d: no temporaries left"
done
check_resume backup 'exit 0'

# A restore: the live file is the set's, and the record's restored event says so, with the run.
for d in 0.2 1; do
	ino0=$(stat -c %i "$LIVE")
	kill9 restore "$d"
	ino1=$(stat -c %i "$LIVE")
	[ "$ino0" != "$ino1" ] && ok "restore/$d: the live database was replaced (inode $ino0 -> $ino1)" || fail "restore/$d: same inode"
	SET=$(q "SELECT json_extract(payload, '\$.set') FROM events WHERE kind = 'restored' AND run = '$RUN'")
	cmp -s "$LIVE" "$SET" && ok "restore/$d: it is the file of the set the record names" || fail "restore/$d: the live file differs from the set '$SET'"
	h=$(sha256sum "$LIVE" | cut -d' ' -f1)
	r=$(q "SELECT json_extract(payload, '\$.sha256') FROM events WHERE kind = 'restored' AND run = '$RUN'")
	[ "$r" = "$h" ] && ok "restore/$d: the restored event names the run and the live file's hash" || fail "restore/$d: restored event sha256 '$r', live $h"
done
check_resume restore 'exit 0'

# The supervisor itself killed: its command dies with it, all of it (the inner sh that writes
# the marker too), and the run is settled, not running.
before=$(wc -l <"$T/quiet.marker")
tui_start sk 100 30 "$PDR" --config "$C" resume "$ID"
tui_wait sk 'Settle test' "supervisor kill: resumed"
open_step sk quiet
n=$(runs quiet)
tui_keys sk x
wait_for "supervisor kill: claimed" 30 sh -c "[ \$($SQL \"SELECT count(*) FROM events WHERE kind = 'run-claimed' AND step = 'quiet'\") -gt $n ]"
RUN=$(last_run quiet)
sup=$(q "SELECT json_extract(payload, '\$.pid') FROM events WHERE kind = 'run-claimed' AND run = '$RUN'")
tui_wait sk "Running\\.\\.\\. \\(c cancels\\)" "supervisor kill: our TUI shows the run as its own"
kill -9 "$(tui_pid sk)"
kill -9 "$sup"
$TM kill-session -t sk 2>/dev/null
wait_for "supervisor kill: the supervisor is gone" 30 sh -c "! kill -0 $sup"
run "$PDR" --config "$C" incidents show "$ID"
expect_match "$T/out" '^Settled: +1 run' "supervisor kill: incidents show settles the run"
expect_match "$T/out" 'ended: ended while nobody watched: outcome unknown' "supervisor kill: the record says outcome unknown"
expect_no_match "$T/out" 'interrupted' "supervisor kill: never called interrupted"
sleep 4
[ "$(wc -l <"$T/quiet.marker")" -eq "$before" ] && ok "supervisor kill: the command and what it started died with its supervisor (no marker line)" ||
	fail "supervisor kill: the command ran on unrecorded"
check_resume quiet 'ended while nobody watched: outcome unknown'

# Two TUIs pressing x on one step: together, 0.3 s apart, and after the second TUI shows the
# first one's run (x is then not in its footer, but pressing it must still say who runs it).
for gap in 0 0.3 seen; do
	n=$(runs quiet)
	before=$(wc -l <"$T/quiet.marker")
	tui_start ta 100 30 "$PDR" --config "$C" resume "$ID"
	tui_start tb 100 30 "$PDR" --config "$C" resume "$ID"
	tui_wait ta 'Settle test' "x/$gap: TUI a"
	tui_wait tb 'Settle test' "x/$gap: TUI b"
	open_step ta quiet
	open_step tb quiet
	tui_keys ta x
	case $gap in
	0) ;;
	seen) tui_wait tb 'c cancel' "x/seen: TUI b shows the other TUI's run (c cancel in its footer)";;
	*) sleep "$gap";;
	esac
	tui_keys tb x
	wait_for "x/$gap: a run is claimed" 30 sh -c "[ \$($SQL \"SELECT count(*) FROM events WHERE kind = 'run-claimed' AND step = 'quiet'\") -gt $n ]"
	RUN=$(last_run quiet)
	refused='Not started: the step is run by [^ ]+ \(.*\), pid [0-9]+'
	wait_for "x/$gap: the other TUI is refused, naming who holds the step" 30 sh -c \
	    "$TM capture-pane -p -t ta | grep -Eq '$refused' || $TM capture-pane -p -t tb | grep -Eq '$refused'" ||
		{ $TM capture-pane -p -t ta | sed 's/^/  a| /'; $TM capture-pane -p -t tb | sed 's/^/  b| /'; }
	wait_for "x/$gap: the run ends" 30 sh -c "[ -n \"\$($SQL \"SELECT 1 FROM events WHERE kind = 'exit' AND run = '$RUN'\")\" ]"
	[ "$(runs quiet)" -eq $((n + 1)) ] && ok "x/$gap: one run claimed" || fail "x/$gap: $(( $(runs quiet) - n )) runs claimed"
	sleep 0.5
	[ "$(wc -l <"$T/quiet.marker")" -eq $((before + 1)) ] && ok "x/$gap: the command ran once" || fail "x/$gap: the command ran $(( $(wc -l <"$T/quiet.marker") - before )) times"
	tui_wait ta 'Result: exit 0' "x/$gap: TUI a shows the one result"
	tui_wait tb 'Result: exit 0' "x/$gap: TUI b shows the one result"
	$TM kill-session -t ta 2>/dev/null
	$TM kill-session -t tb 2>/dev/null
done

# SIGHUP at the restore's swap, under a supervised run (the TUI's way, driven directly).
hup() {
	ino0=$(stat -c %i "$LIVE")
	h0=$(sha256sum "$LIVE" | cut -d' ' -f1)
	r=hup$2
	PDR_TEST_HUP_AT=$1 PATRONUS_DR_INCIDENT=$ID PATRONUS_DR_STEP=restore \
	    "$PDR" --config "$C" supervise --incident "$ID" --step restore --run "$r" \
	    --command "restore db --yes" -- "$PDR" --config "$C" restore db --yes >/dev/null 2>&1
	e=$(exit_of "$r")
	case $e in *'"status":"signal 1 (Hangup)"'*) ok "SIGHUP at $1: the record says the restore died by SIGHUP";;
	*) fail "SIGHUP at $1: exit $e"; q "SELECT payload FROM events WHERE kind = 'output' AND run = '$r'" | sed 's/^/  | /';; esac
	ino1=$(stat -c %i "$LIVE")
	h1=$(sha256sum "$LIVE" | cut -d' ' -f1)
	rs=$(q "SELECT json_extract(payload, '\$.sha256') FROM events WHERE kind = 'restored' AND run = '$r'")
	if [ "$ino0" != "$ino1" ]; then
		[ "$rs" = "$h1" ] && ok "SIGHUP at $1: the live file was replaced and the record says so ($rs)" ||
			fail "SIGHUP at $1: live file replaced, restored event '$rs'"
	else
		[ -z "$rs" ] && [ "$h0" = "$h1" ] && ok "SIGHUP at $1: the live file is untouched and no restored event claims otherwise" ||
			fail "SIGHUP at $1: live untouched, restored event '$rs'"
	fi
}
# a different live file, so that each swap shows
for point in db-staged db-stale-removed db-installed; do
	sqlite3 "$LIVE" "INSERT INTO bulk VALUES (randomblob(10))"
	hup "$point" "$(echo $point | tr -d -)"
done
run "$PDR" --config "$C" incidents verify "$ID"
expect_rc 0 "the record's chain holds through it all"

# A killed backup's temporaries: listed by backups, removed by the next backup.
sh -c 'PDR_TEST_KILL_AT=3 "$0" --config "$1" backup --no-offsite' "$PDR" "$C" >/dev/null 2>&1
ls -a "$D"/backup/patronus/*/ | grep -q '^\.patronus-.*\.tmp' && ok "a killed backup leaves a temporary" || fail "the killed backup left no temporary"
run "$PDR" --config "$C" backups
expect_match "$T/out" '^left over by an interrupted backup: .*/\.patronus-.*\.tmp \(.*\); the next backup removes it' "backups lists it"
sleep 1.1
run "$PDR" --config "$C" backup --no-offsite
expect_rc 0 "the next backup"
expect_match "$D/var/log/patronus/backup.log" 'removed .*\.patronus-.*\.tmp .*left by an interrupted backup' "its log says it removed the leftover"
ls -a "$D"/backup/patronus/*/ | grep -q '\.tmp' && fail "temporaries left after the next backup" || ok "no temporaries after the next backup"
run "$PDR" --config "$C" backups
expect_no_match "$T/out" '^left over' "backups lists nothing left over"

# A killed restore's temporary: listed by backups, removed by the next restore.
sh -c 'PDR_TEST_CRASH_AT=db-staged "$0" --config "$1" restore db --yes --copy' "$PDR" "$C" >/dev/null 2>&1
ls -a "$(dirname "$LIVE")" | grep -q '^\.sdwan\.db\.restore-' && ok "a killed restore leaves a temporary" || fail "the killed restore left no temporary"
run "$PDR" --config "$C" backups
expect_match "$T/out" '^left over by a restore: .*/\.sdwan\.db\.restore-.* \(.*\); the next restore removes it' "backups lists it"
run "$PDR" --config "$C" restore db --yes
expect_rc 0 "the next restore"
ls -a "$(dirname "$LIVE")" | grep -q '^\.sdwan\.db\.restore-' && fail "the restore's temporary is still there" || ok "the next restore removed it"
run "$PDR" --config "$C" backups
expect_no_match "$T/out" '^left over' "backups lists nothing left over after the restore"

# A record of the schema before runs (no run column, user_version 1) is brought up to date
# when opened, and its chain still holds.
sed "s|^state_dir:.*|state_dir: \"$T/state1\"|" "$C" >"$T/dr1.yaml"
tui_start v1 100 30 "$PDR" --config "$T/dr1.yaml" run settle-test
tui_wait v1 'INC-[0-9]{8}-[0-9]{4}-settle-test' "schema 1: an incident"
tui_keys v1 q
tui_wait v1 '^\[exit 0\]' "schema 1: the TUI leaves"
sqlite3 "$T/state1/incidents.db" 'ALTER TABLE events DROP COLUMN run; PRAGMA user_version = 1'
ID1=$(newest_incident "$T/state1/incidents.db")
run "$PDR" --config "$T/dr1.yaml" incidents verify "$ID1"
expect_rc 0 "schema 1: the chain holds after the upgrade"
[ "$(sqlite3 "$T/state1/incidents.db" 'PRAGMA user_version')" = 2 ] && ok "schema 1: upgraded to 2" || fail "schema 1: not upgraded"

finish
