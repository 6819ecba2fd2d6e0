#!/bin/sh
# drills.sh: the plan's success criteria scored in drill reports, and `drills`
# (history table and trend chart) over several recorded failover drills,
# passing, failing and still open.
. "$srcdir/tests/cli/lib.sh"

export TZ=UTC
FIX="$top_builddir/tests/pdr-incident-fixture"
STATE="$T/state/dr"
printf 'state_dir: %s\n' "$STATE" >"$T/dr.yaml"
pdr() { run "$PDR" --config "$T/dr.yaml" "$@"; }
export PDR_FIXTURE_HOST=dr-site.example.com SUDO_USER=bob
unset SSH_CONNECTION
ms() { echo "$(date -u -d "$1" +%s)000"; }
at() { PDR_FIXTURE_NOW_MS=$(ms "$1"); export PDR_FIXTURE_NOW_MS; }
fx() { "$FIX" "$STATE" "$@" || fail "fixture: $*"; }

# drill DAY FAILOVER_DONE BACKUP_TIME VALIDATE_TICKS FAILBACK(done|skip|open)
# A failover drill of the shipped runbook (RTO 2h, RPO 1h) begun at 10:00.
drill() {
	at "$1 10:00"
	id=$(fx declare failover-drill drill "Quarterly failover test" 7200 3600)
	at "$1 10:01"; fx event "$id" step-started schedule "Schedule test (with notice)"
	fx check "$id" schedule 0 "Notice sent"
	fx check "$id" schedule 1 "Primary available"
	fx event "$id" step-done schedule
	at "$1 10:05"; fx event "$id" step-started failover.verify-service "Verify service"
	at "$1 $3"
	fx event "$id" restored failover.verify-service "{\"set\":\"patronus-hourly.db\",\"backup_ms\":$(ms "$1 $3")}"
	at "$1 $2"; fx event "$id" step-done failover.verify-service
	fx event "$id" step-started validate "Validate DR site (30 minutes)"
	i=0
	while [ $i -lt "$4" ]; do fx check "$id" validate $i "check $i"; i=$((i + 1)); done
	fx event "$id" step-done validate
	case $5 in
	done)	fx event "$id" step-started failback "Failback"
		fx check "$id" failback 0 "DNS back"
		fx check "$id" failback 1 "Monitored"
		fx event "$id" step-done failback
		fx close "$id" "drill complete";;
	skip)	fx event "$id" step-skipped failback "primary not ready"
		fx close "$id" "drill complete";;
	open)	;;
	esac
	echo "$id"
}
# (backup times precede 10:00: the loss window runs from the drill's start)
d1=$(drill 2026-03-02 11:20 09:30 6 done)	# pass: 1h20m, 30m, all checks, failback
d2=$(drill 2026-06-01 12:30 08:00 5 done)	# fail: 2h30m, 2h, a check missed
d3=$(drill 2026-09-07 11:00 09:40 6 skip)	# fail: no failback
d4=$(drill 2026-11-27 10:40 09:50 6 open)	# still open
at "2026-10-01 09:00"
other=$(fx declare monthly-backup-test drill "Monthly backup test" 1800 0)
at "2026-10-01 09:20"; fx close "$other" "drill complete"

pdr report "$d1"
expect_rc 0 "report of a passing drill"
o="$T/out"
expect_match "$o" "^# Drill report: $d1\$" "drill heading"
expect_match "$o" '^- \[PASS\] Failover completed within RTO: 1h20m of 2h00m$' "d1 failover within RTO"
expect_match "$o" '^- \[PASS\] All functionality works in DR site: every validation check ticked$' "d1 checks"
expect_match "$o" '^- \[PASS\] Data loss within RPO: 30m00s of 1h00m$' "d1 data loss"
expect_match "$o" '^- \[PASS\] Failback completed successfully' "d1 failback"
expect_match "$o" '^\*\*Drill result: PASS\*\*$' "d1 passes"
expect_match "$o" 'achieved 1h20m \(detection to end of the service-restoring step' "RTO to the failover's end (restores_service: on the use: step)"
expect_match "$o" '^\| validate — Validate DR site \(30 minutes\) \| done \| 30m00s \|' "runbook's expected duration"

pdr report "$d2"
o="$T/out"
expect_match "$o" '^- \[FAIL\] Failover completed within RTO: 2h30m of 2h00m$' "d2 RTO missed"
expect_match "$o" '^- \[FAIL\] All functionality works in DR site: not every validation check ticked$' "d2 a check missed"
expect_match "$o" '^- \[FAIL\] Data loss within RPO: 2h00m of 1h00m$' "d2 RPO missed"
expect_match "$o" '^- \[PASS\] Failback completed successfully' "d2 failback"
expect_match "$o" '^\*\*Drill result: FAIL\*\*$' "d2 fails"

pdr report "$d3"
expect_match "$T/out" '^- \[FAIL\] Failback completed successfully: failback not done$' "d3 no failback"
expect_match "$T/out" '^\| failback — Failback \(return to primary\) \| skipped: primary not ready \|' "d3 failback skipped, with its reason"
expect_match "$T/out" '^\*\*Drill result: FAIL\*\*$' "d3 fails"

pdr report "$d4"
expect_match "$T/out" '^> \*\*INTERIM REPORT:\*\* the drill is still open' "d4 interim"
expect_match "$T/out" '^\*\*Drill result: INCOMPLETE\*\*$' "d4 incomplete"
pdr report "$d4" --format status
expect_match "$T/out" '^- and [0-9]+ more steps of the runbook$' "interim update names a few next steps"

pdr drills failover-drill --ascii
expect_rc 0 "drills failover-drill"
o="$T/out"
cp "$o" "$T/drills.txt"
expect_match "$o" '^# +DRILL +DECLARED +RTO \(GOT/TARGET\) +RPO \(GOT/TARGET\) +RESULT$' "history heading"
expect_match "$o" "^1 +$d1 +2026-03-02 10:00:00 +1h20m/2h00m +30m00s/1h00m +PASS\$" "d1 row"
expect_match "$o" "^2 +$d2 +2026-06-01 10:00:00 +2h30m/2h00m +2h00m/1h00m +FAIL\$" "d2 row"
expect_match "$o" "^3 +$d3 +2026-09-07 10:00:00 +1h00m/2h00m +20m00s/1h00m +FAIL\$" "d3 row"
expect_match "$o" "^4 +$d4 .* +open\$" "d4 row, open"
expect_no_match "$o" "$other" "other runbooks' drills left out"
# The chart: the longest bar (2h30m) is 40 cells; 1h20m is 21; the target at 32.
expect_match "$o" '^  1 \| #{21} {11}\| 1h20m PASS$' "d1 bar and target mark"
expect_match "$o" '^  2 \| #{40} 2h30m FAIL$' "d2 bar past the target"
expect_no_match "$o" '█' "--ascii: no block characters"

LC_ALL=C.UTF-8 pdr drills failover-drill
expect_match "$T/out" '^  2 │ (█){40} 2h30m FAIL$' "UTF-8 chart with blocks"

pdr drills
expect_rc 0 "drills of every runbook"
expect_match "$T/out" "$other" "all drills listed"
pdr drills no-such-runbook
expect_rc 0 "drills of a runbook without any"
expect_match "$T/out" '^No drills of no-such-runbook recorded\.$' "says so"

pdr report "$d2" --format html -o "$T/d2.html"
expect_rc 0 "drill report as HTML"
expect_match "$T/d2.html" '<h2>Drill history</h2>' "HTML carries the drill history"
[ "$(grep -c '^<rect x=.*fill=.*<title>DRILL-' "$T/d2.html")" = 4 ] && ok "history chart: 4 bars" ||
	fail "history chart bars: $(grep -c '^<rect x=.*<title>DRILL-' "$T/d2.html")"
xmllint --noout "$T/d2.html" && ok "drill HTML well-formed" || fail "drill HTML well-formed"

finish
