#!/bin/sh
# incidents.sh: `incidents list|show|verify` on records written through src/model/incident.c,
# and tampering done with the real sqlite3 found by verify.
. "$srcdir/tests/cli/lib.sh"

FIX="$top_builddir/tests/pdr-incident-fixture"
STATE="$T/state/dr"
printf 'state_dir: %s\n' "$STATE" >"$T/dr.yaml"
pdr() { run "$PDR" --config "$T/dr.yaml" "$@"; }
# jq EXPR: evaluate a JSON path over $T/out with sqlite3's JSON functions.
jq_out() { sqlite3 :memory: "SELECT json_extract(readfile('$T/out'), '$1')"; }
# raw SQL as someone with write access to the file would run it.
tamper() {
	sqlite3 "$STATE/incidents.db" "DROP TRIGGER IF EXISTS events_no_update;
	    DROP TRIGGER IF EXISTS events_no_delete; $1"
}

# No record yet: an empty list, and listing creates nothing.
pdr incidents
expect_rc 0 "incidents with no record"
expect_match "$T/out" "^No incidents recorded in $STATE\.\$" "says there are none"
pdr incidents list --json
expect_rc 0 "list --json with no record"
[ "$(cat "$T/out")" = "[]" ] && ok "empty JSON array" || fail "empty JSON array: $(cat "$T/out")"
[ -e "$STATE" ] && fail "listing created the state folder" || ok "listing creates no state folder"
pdr incidents show INC-nope
expect_rc 66 "show of an unknown incident, no record"
pdr incidents verify INC-nope
expect_rc 66 "verify of an unknown incident, no record"
expect_match "$T/err" 'no incident "INC-nope"' "unknown incident named"

# A drill with one of every event kind, by an operator logged in over SSH.
export SUDO_USER=alice SSH_CONNECTION="192.0.2.7 50022 192.0.2.1 22"
drill=$("$FIX" "$STATE" declare database-corruption drill "Database \"corruption\" \\ sdwan.db
(tab	here)" 1800 3600) || fail "declare a drill"
case "$drill" in DRILL-*-database-corruption) ok "drill id $drill";; *) fail "drill id: $drill";; esac
st=$(stat -c %a "$STATE")
[ "$st" = 700 ] && ok "state folder created 0700" || fail "state folder mode $st"
esc=$(printf '\033')
"$FIX" "$STATE" event "$drill" step-started assess "Assess the damage" &&
"$FIX" "$STATE" event "$drill" command-started assess "patronus-dr assess /var/lib/patronus/sdwan.db" &&
"$FIX" "$STATE" output "$drill" assess "integrity_check: ok
${esc}[31mred${esc}[0m tables: 12" &&
"$FIX" "$STATE" exit "$drill" assess "exit 0" 0 0 0 &&
"$FIX" "$STATE" event "$drill" step-done assess &&
"$FIX" "$STATE" check "$drill" stop 0 "Stop the patronus service" &&
"$FIX" "$STATE" check "$drill" stop 0 "Stop the patronus service" untick &&
"$FIX" "$STATE" decision "$drill" choose "Is the database readable?" "No, restore" restore-db &&
"$FIX" "$STATE" answer "$drill" ticket ticket "Ticket number?" "OPS-42" &&
"$FIX" "$STATE" event "$drill" step-skipped notify "no customers affected in a drill" &&
"$FIX" "$STATE" event "$drill" note - "called the vendor
second line of the note" &&
"$FIX" "$STATE" event "$drill" clock - rto-75 &&
"$FIX" "$STATE" event "$drill" step-failed restore-db "exit 3" &&
"$FIX" "$STATE" event "$drill" cursor restore-db &&
"$FIX" "$STATE" event "$drill" resumed &&
ok "events appended" || fail "events appended"
unset SUDO_USER SSH_CONNECTION
inc=$(USER=bob "$FIX" "$STATE" declare site-loss) || fail "declare an incident"
case "$inc" in INC-*-site-loss) ok "incident id $inc";; *) fail "incident id: $inc";; esac
USER=bob "$FIX" "$STATE" close "$inc" "resolved" || fail "close the incident"

pdr incidents list
expect_rc 0 "incidents list"
expect_match "$T/out" '^ID +RUNBOOK +MODE +STATE +DECLARED +CLOSED$' "list heading"
expect_match "$T/out" "^$drill +database-corruption +drill +open +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} +-\$" "open drill listed"
expect_match "$T/out" "^$inc +site-loss +incident +closed +[0-9-]{10} [0-9:]{8} +[0-9-]{10} [0-9:]{8}\$" "closed incident listed"
[ "$(sed -n 2p "$T/out" | cut -d' ' -f1)" = "$inc" ] && ok "newest first" || fail "newest first"

pdr incidents list --json
expect_rc 0 "incidents list --json"
[ "$(sqlite3 :memory: "SELECT json_valid(readfile('$T/out'))")" = 1 ] && ok "valid JSON" ||
	fail "valid JSON: $(cat "$T/out")"
[ "$(jq_out '$[1].id')" = "$drill" ] && ok "JSON id" || fail "JSON id"
[ "$(jq_out '$[1].mode')/$(jq_out '$[1].state')" = "drill/open" ] && ok "JSON mode and state" ||
	fail "JSON mode and state"
[ "$(jq_out '$[1].title')" = "Database \"corruption\" \\ sdwan.db
(tab	here)" ] && ok "JSON title escaped and read back" || fail "JSON title: $(jq_out '$[1].title')"
[ "$(jq_out '$[1].closed')" = "" ] && ok "open: closed is null" || fail "open: closed"
[ "$(jq_out '$[1].rto')/$(jq_out '$[1].rpo')" = "1800/3600" ] && ok "JSON targets" || fail "JSON targets"
[ "$(jq_out '$[1].events')" = 16 ] && ok "JSON event count" || fail "JSON events: $(jq_out '$[1].events')"
jq_out '$[0].closed' | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z$' &&
	ok "JSON closed time RFC 3339" || fail "JSON closed time: $(jq_out '$[0].closed')"

pdr incidents show "$drill"
expect_rc 0 "incidents show"
o="$T/out"
expect_match "$o" "^Incident: +$drill \\(drill, open\\)\$" "show: heading"
expect_match "$o" '^Targets: +RTO 30m00s, RPO 1h00m$' "show: targets"
expect_match "$o" '^Events: +16$' "show: event count"
expect_match "$o" '^ +1  [0-9-]{10} [0-9:]{8}\.[0-9]{3}  alice@192\.0\.2\.7 +- +declared a drill of database-corruption' "show: declared, by whom and from where"
expect_match "$o" ' assess +step started: Assess the damage$' "show: step started"
expect_match "$o" ' assess +command: patronus-dr assess /var/lib/patronus/sdwan\.db$' "show: command"
expect_match "$o" '^      \| integrity_check: ok$' "show: output line"
expect_match "$o" '^      \| \\x1b\[31mred\\x1b\[0m tables: 12$' "show: escape sequences defused"
expect_no_match "$o" "$esc" "show: no raw escape character"
expect_match "$o" ' assess +ended: exit 0, 0 bytes of output$' "show: exit status"
expect_match "$o" ' stop +ticked 1\. Stop the patronus service$' "show: tick"
expect_match "$o" ' stop +unticked 1\. Stop the patronus service$' "show: untick"
expect_match "$o" ' choose +decision: Is the database readable\? -> No, restore \(next: restore-db\)$' "show: decision"
expect_match "$o" ' ticket +answer: Ticket number\? \[ticket\] = OPS-42$' "show: prompt answer"
expect_match "$o" ' notify +step skipped: no customers affected in a drill$' "show: skip with reason"
expect_match "$o" ' - +note: called the vendor$' "show: note"
expect_match "$o" '^      \| second line of the note$' "show: note's second line"
expect_match "$o" 'clock: three quarters of the RTO used$' "show: clock threshold"
expect_match "$o" ' restore-db +step failed: exit 3$' "show: step failed"
expect_match "$o" '^ +16  .* resumed$' "show: resumed, last"

pdr incidents show "$inc"
expect_match "$T/out" "^Incident: +$inc \\(incident, closed\\)\$" "show: closed incident"
expect_match "$T/out" '^Closed: +[0-9-]{10} [0-9:.]{12} \(after [0-9]+s\)$' "show: closed time"
expect_match "$T/out" '^ +2  .*  bob +- +closed: resolved$' "show: close event by its operator"

pdr incidents verify "$drill"
expect_rc 0 "verify an intact drill"
expect_match "$T/out" "^$drill: the chain of 16 events holds\$" "verify says it holds"
pdr incidents verify "$inc"
expect_rc 0 "verify an intact closed incident"

# The record refuses changes through SQL unless its triggers are dropped first.
if sqlite3 "$STATE/incidents.db" "UPDATE events SET payload = 'x' WHERE seq = 1" 2>"$T/sqlerr"; then
	fail "UPDATE of an event refused"
else
	expect_match "$T/sqlerr" 'append-only' "UPDATE of an event refused"
fi

# Tampering, each on its own copy of the drill: verify names the first bad event.
fresh() { # a new drill with 8 events; prints its id
	id=$("$FIX" "$STATE" declare database-corruption drill)
	for i in 2 3 4 5 6 7 8; do "$FIX" "$STATE" event "$id" note - "note $i"; done
	echo "$id"
}
a=$(fresh)
tamper "UPDATE events SET payload = 'note five' WHERE incident_id = '$a' AND seq = 5"
pdr incidents verify "$a"
expect_rc 1 "verify an edited event"
expect_match "$T/out" "^$a: BROKEN at event 5: event 5 was changed" "edited event named"

a=$(fresh)
tamper "UPDATE events SET operator = 'mallory' WHERE incident_id = '$a' AND seq = 3"
pdr incidents verify "$a"
expect_rc 1 "verify an event with a changed operator"
expect_match "$T/out" "BROKEN at event 3: " "changed operator named"

a=$(fresh)
tamper "DELETE FROM events WHERE incident_id = '$a' AND seq = 4"
pdr incidents verify "$a"
expect_rc 1 "verify with an event deleted"
expect_match "$T/out" "^$a: BROKEN at event 4: event 4 is missing" "deleted event named"

a=$(fresh)
tamper "DELETE FROM events WHERE incident_id = '$a' AND seq = 8"
pdr incidents verify "$a"
expect_rc 1 "verify with the last event deleted"
expect_match "$T/out" "BROKEN at event 8: event 8 is missing" "deleted last event named"

a=$(fresh)
tamper "UPDATE events SET seq = -1 WHERE incident_id = '$a' AND seq = 6;
	UPDATE events SET seq = 6 WHERE incident_id = '$a' AND seq = 7;
	UPDATE events SET seq = 7 WHERE incident_id = '$a' AND seq = -1"
pdr incidents verify "$a"
expect_rc 1 "verify with two events swapped"
expect_match "$T/out" "^$a: BROKEN at event 6: event 6 does not follow event 5" "swapped events named"
# The other records are untouched by all that.
pdr incidents verify "$drill"
expect_rc 0 "the drill still verifies"

# Usage errors.
pdr incidents bogus
expect_rc 64 "unknown subcommand"
expect_match "$T/err" 'unknown subcommand "bogus"' "unknown subcommand named"
pdr incidents show
expect_rc 64 "show without an id"
pdr incidents verify a b
expect_rc 64 "verify with two ids"
pdr incidents show "$drill" --json
expect_rc 64 "--json with show"
pdr incidents list extra
expect_rc 64 "list with an argument"
pdr incidents --help
expect_rc 0 "incidents --help"
expect_match "$T/out" '^Usage: patronus-dr incidents \[list \[--json\] \| show ID \| verify ID \[--offline\] \| close ID --reason TEXT \| ship \[ID\] \| fetch' "help usage line"
pdr incidents show INC-nope
expect_rc 66 "show of an unknown incident"

# A state_dir that cannot be a folder.
printf 'x' >"$T/file"
printf 'state_dir: %s/sub\n' "$T/file" >"$T/bad.yaml"
run "$PDR" --config "$T/bad.yaml" incidents
expect_rc 0 "list where no record can exist"
"$FIX" "$T/file/sub" declare x 2>"$T/err" && fail "store under a file" ||
	expect_match "$T/err" "$T/file" "store under a file names the path"

finish
