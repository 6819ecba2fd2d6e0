#!/bin/sh
# calendar.sh: the drill calendar (#17): runbooks' schedule:, `drills` showing the last
# drill done and the next due, `check drills` naming the overdue, the metrics gauge,
# calendar months and abandoned or open drills that do not count.
. "$srcdir/tests/cli/lib.sh"

export TZ=UTC
FIX="$top_builddir/tests/pdr-incident-fixture"
STATE="$T/state"
RB="$T/runbooks"
mkdir -p "$RB"
printf 'state_dir: %s\nbackup_dir: %s/backup\nmetrics_file: %s/m.prom\n' "$STATE" "$T" "$T" >"$T/dr.yaml"
pdr() { run "$PDR" --config "$T/dr.yaml" "$@"; }
ms() { echo "$(date -u -d "$1" +%s)000"; }
at() { PDR_FIXTURE_NOW_MS=$(ms "$1"); export PDR_FIXTURE_NOW_MS; }
fx() { "$FIX" "$STATE" "$@" || fail "fixture: $*"; }

# A host that never drilled: every shipped scheduled runbook is named, nothing is created.
pdr check drills
expect_rc 1 "check drills on a host that never drilled"
for rb in monthly-backup-test failover-drill datacenter-loss; do
	expect_match "$T/out" "^$rb +(monthly|quarterly) +never +OVERDUE: never drilled" "$rb: never drilled, overdue"
done
expect_match "$T/out" "FAILED: scheduled drills overdue: 3 of 3" "the verdict counts them"
[ ! -e "$STATE/incidents.db" ] && ok "checking created no record" || fail "check drills created $STATE/incidents.db"
[ "$(wc -L <"$T/out")" -le 80 ] && ok "fits 80 columns" || fail "wider than 80: $(wc -L <"$T/out")"

# A monthly backup test done 10 days ago: due in about 20 days, not overdue.
now=$(date -u +%s)
at "@$((now - 10 * 86400))"
id=$(fx declare monthly-backup-test drill "Monthly backup test" 1800 0)
fx close "$id" "drill complete"
# A failover drill done 100 days ago: a quarter is past, overdue.
at "@$((now - 100 * 86400))"
id2=$(fx declare failover-drill drill "Quarterly failover test" 7200 3600)
fx close "$id2" "drill complete"
# A datacenter-loss drill opened by mistake and abandoned, and one still open: neither counts.
at "@$((now - 2 * 86400))"
id3=$(fx declare datacenter-loss drill "Complete datacenter loss" 14400 3600)
fx close "$id3" "abandoned: opened by mistake"
fx declare datacenter-loss drill "Complete datacenter loss" 14400 3600 >/dev/null
unset PDR_FIXTURE_NOW_MS

pdr check drills
expect_rc 1 "check drills with one overdue and one never done"
due=$(date -u -d "@$((now - 10 * 86400))" +%Y-%m-%d)
expect_match "$T/out" "^monthly-backup-test +monthly +$due [0-9:]{5} +[0-9-]{10} \(in (19|20|21)d\)" \
    "monthly-backup-test: last drill shown, next due in about 20 days"
expect_match "$T/out" "^failover-drill +quarterly +[0-9-]{10} [0-9:]{5} +[0-9-]{10} OVERDUE by [0-9]+d" \
    "failover-drill: overdue by days"
expect_match "$T/out" "^datacenter-loss +quarterly +never +OVERDUE: never drilled" \
    "an abandoned and an open drill do not count as done"
expect_match "$T/out" "overdue: 2 of 3" "two of three overdue"

pdr drills
expect_rc 0 "drills with history"
expect_match "$T/out" "^SCHEDULED RUNBOOK +EVERY +LAST DRILL +NEXT DUE" "drills ends with the calendar"
expect_match "$T/out" "^failover-drill +quarterly .*OVERDUE" "drills shows the overdue one"
pdr drills monthly-backup-test
expect_match "$T/out" "^monthly-backup-test +monthly" "drills RUNBOOK shows its own row"
expect_no_match "$T/out" "^failover-drill +quarterly" "and no other"

# The drill report fills the plan's "Last DR Test" and "Next DR Test".
run "$PDR" --config "$T/dr.yaml" report "$id"
expect_match "$T/out" "^- \*\*Last DR Test:\*\* $due [0-9:]{8}\$" "the report's Last DR Test"
expect_match "$T/out" "^- \*\*Next DR Test:\*\* [0-9-]{10} [0-9:]{8} \(monthly\)\$" "the report's Next DR Test"
run "$PDR" --config "$T/dr.yaml" report "$id3"
expect_match "$T/out" "^- \*\*Next DR Test:\*\* due now \(quarterly\)\$" "an abandoned drill's report: the next is due now"

# The plan's failover-test notice, from the record: the drill's date and its window.
run "$PDR" --config "$T/dr.yaml" report "$id2" --format notice
expect_rc 0 "report --format notice of a drill"
d2=$(date -u -d "@$((now - 100 * 86400))" +%Y-%m-%d)
expect_match "$T/out" "^Subject: DR Failover Test - $d2\$" "the plan's subject with the drill's date"
expect_match "$T/out" "^We will be conducting a disaster recovery failover test on $d2 from [0-9]{2}:[0-9]{2} to [0-9]{2}:[0-9]{2} UTC\.\$" \
    "the window: declared to declared + RTO"
expect_match "$T/out" "^Rollback Plan: Immediate if issues detected\$" "the plan's rollback line"
iid=$(fx declare single-node-failure incident "Single node failure" 600 0)
run "$PDR" --config "$T/dr.yaml" report "$iid" --format notice
expect_rc 64 "an incident has no failover-test notice"

# The gauge: next due per runbook, 0 when never drilled (written by prune, backup, verify).
pdr prune
[ -f "$T/m.prom" ] || fail "no metrics file after prune (exit $rc)"
expect_match "$T/m.prom" '^patronus_dr_drill_next_due_timestamp_seconds\{runbook="datacenter-loss"\} 0$' \
    "gauge: never drilled is 0"
g=$(sed -n 's/^patronus_dr_drill_next_due_timestamp_seconds{runbook="monthly-backup-test"} //p' "$T/m.prom")
[ -n "$g" ] && [ "$g" -gt "$now" ] && [ "$g" -le $((now + 22 * 86400)) ] &&
    ok "gauge: monthly-backup-test due within the month ($g)" || fail "gauge monthly-backup-test: '$g'"
expect_match "$T/m.prom" '^# HELP patronus_dr_drill_next_due_timestamp_seconds ' "the gauge has its HELP"

# Calendar months: a drill on 31 January is next due on the last day of February.
cat >"$RB/cal.yaml" <<'EOY'
id: cal-test
title: Calendar test
rto: 10m
schedule: monthly
steps:
  - id: one
    title: One
    checklist: [done]
EOY
cat >"$RB/every.yaml" <<'EOY'
id: every-test
title: Duration schedule
rto: 10m
schedule: 45d
steps:
  - id: one
    title: One
    checklist: [done]
EOY
printf 'runbook_dirs: [%s]\n' "$RB" >>"$T/dr.yaml"
at "2027-01-31 09:00"
id4=$(fx declare cal-test drill "Calendar test" 600 0)
fx close "$id4"
at "2027-01-01 09:00"
id5=$(fx declare every-test drill "Duration schedule" 600 0)
fx close "$id5"
unset PDR_FIXTURE_NOW_MS
pdr drills cal-test
expect_match "$T/out" "^cal-test +monthly +2027-01-31 09:00 +2027-02-28 " "31 January + 1 month = 28 February"
pdr drills every-test
expect_match "$T/out" "^every-test +45d +2027-01-01 09:00 +2027-02-15 " "a duration schedule: 45 days later"

# A bad schedule is refused at FILE:LINE:COLUMN.
sed 's/schedule: monthly/schedule: fortnightly/' "$RB/cal.yaml" >"$T/bad.yaml"
run "$PDR" --config "$T/dr.yaml" runbooks lint "$T/bad.yaml"
expect_rc 65 "runbooks lint refuses an unknown schedule"
expect_match "$T/err" "bad.yaml:4:11: schedule: expected daily, weekly, monthly, quarterly, yearly or a duration" \
    "named at file:line:column"
sed 's/schedule: monthly/schedule: 0s/' "$RB/cal.yaml" >"$T/bad0.yaml"
run "$PDR" --config "$T/dr.yaml" runbooks lint "$T/bad0.yaml"
expect_rc 65 "a zero schedule is refused"

finish
