#!/bin/sh
# report.sh: `report` (md, html, status) against golden files from a recorded
# incident with a fixed clock; the HTML checked by xmllint; `drills` over
# several recorded drills, passing and failing.
# PDR_REGEN_GOLDEN=1 rewrites the golden files from the current output.
. "$srcdir/tests/cli/lib.sh"

export TZ=UTC LC_ALL=C
FIX="$top_builddir/tests/pdr-incident-fixture"
STATE="$T/state/dr"
GOLD="$srcdir/tests/data/golden"
printf 'state_dir: %s\nrunbook_dirs: [%s]\n' "$STATE" "$srcdir/tests/data/report/runbooks" \
	>"$T/dr.yaml"
pdr() { run "$PDR" --config "$T/dr.yaml" "$@"; }
export PDR_FIXTURE_HOST=dr-site.example.com SUDO_USER=alice \
	SSH_CONNECTION="192.0.2.7 50022 192.0.2.1 22"
# ms DAY TIME: milliseconds since the epoch of a UTC time.
ms() { echo "$(date -u -d "$1 $2" +%s)000"; }
# at DAY TIME: the fixture's clock for what follows.
at() { PDR_FIXTURE_NOW_MS=$(ms "$1" "$2"); export PDR_FIXTURE_NOW_MS; }
fx() { "$FIX" "$STATE" "$@" || fail "fixture: $*"; }

# golden NAME FILE: FILE is the golden file NAME (or rewrite it). The test's folder, which the
# hints name in their --config, reads as $T.
golden() {
	sed "s|$T|\$T|g" "$2" >"$T/golden.cmp"
	if [ -n "${PDR_REGEN_GOLDEN:-}" ]; then
		cp "$T/golden.cmp" "$GOLD/$1" && ok "golden $1 rewritten"
	elif diff -u "$GOLD/$1" "$T/golden.cmp" >"$T/diff"; then
		ok "$1 matches the golden file"
	else
		cat "$T/diff" >&2
		fail "$1 differs from the golden file"
	fi
}

# The recorded incident: a database corruption, detected 14:02, declared 14:05.
D=2026-11-27
at $D 14:05:00
inc=$(fx declare report-demo incident "Database corruption (report test)" 1800 900 \
	"$(ms $D 14:02:00)")
[ "$inc" = INC-20261127-1405-report-demo ] && ok "incident id $inc" || fail "incident id: $inc"
at $D 14:05:30; fx event "$inc" step-started stop "Stop services"
at $D 14:05:31; fx event "$inc" command-started stop "systemctl stop patronus-sdwan"
at $D 14:05:32; fx output "$inc" stop "$(printf 'stopped \033[32mok\033[0m, not UTF-8: \377.')"
at $D 14:05:33; fx exit "$inc" stop "exit 0" 0 0 0
at $D 14:05:34; fx event "$inc" step-done stop
at $D 14:06:00; fx event "$inc" step-started restore "Restore the newest backup that verifies"
at $D 14:06:02; fx event "$inc" command-started restore "patronus-dr restore db --latest"
at $D 14:07:10; fx output "$inc" restore "verifying /backup/patronus/hourly/patronus-hourly-20261127-1300.db
restoring from patronus-hourly-20261127-1300.db
restored /var/lib/patronus/sdwan.db"
at $D 14:07:11; fx exit "$inc" restore "exit 0" 0 0 0
at $D 14:07:11; fx event "$inc" restored restore \
	"{\"set\":\"/backup/patronus/hourly/patronus-hourly-20261127-1300.db\",\"backup_ms\":$(ms $D 13:50:00)}"
at $D 14:09:00; fx event "$inc" step-done restore
at $D 14:09:30; fx event "$inc" step-started verify "Verify the service"
at $D 14:10:00; fx check "$inc" verify 0 "Service active"
at $D 14:10:20; fx check "$inc" verify 1 "Sites connected"
at $D 14:10:25; fx check "$inc" verify 2 "Dashboard <b>reachable</b>"
at $D 14:10:40; fx check "$inc" verify 2 "Dashboard <b>reachable</b>" untick
at $D 14:12:00; fx event "$inc" note verify "dashboard slow: <script>alert(1)</script> & \"quotes\""
at $D 14:20:00; fx event "$inc" step-done verify "dashboard slow"
at $D 14:20:05; fx event "$inc" step-skipped notify "no customer impact <i>visible</i>"
at $D 14:21:00; fx event "$inc" step-started document "Document incident"
at $D 14:25:00; fx answer "$inc" document cause "What caused corruption?" "disk full during a write"
at $D 14:26:00; fx answer "$inc" document loss "How much data was lost?" "12 minutes of site changes"
at $D 14:27:00; fx answer "$inc" document prevent "What can prevent recurrence?" "alert at 80% disk"
at $D 14:27:30; fx event "$inc" step-done document
at $D 14:28:00; fx close "$inc" resolved

# An interim report of the open incident is taken before the close: replay on a copy.
pdr report "$inc"
expect_rc 0 "report (md)"
golden incident.md "$T/out"
pdr report "$inc" --format status
expect_rc 0 "report --format status"
golden incident.status "$T/out"
pdr report "$inc" --format html -o "$T/report.html"
expect_rc 0 "report --format html -o FILE"
[ -s "$T/out" ] && fail "-o writes nothing on stdout" || ok "-o writes nothing on stdout"
golden incident.html "$T/report.html"

# The HTML: well-formed for a real HTML parser (inline SVG tags aside, which
# libxml2's HTML 4 parser does not know), and as XML; no external references.
xmllint --html --noout "$T/report.html" 2>"$T/xmlerr"
grep 'parser error' "$T/xmlerr" | grep -Ev 'Tag (svg|rect|line|text|title) invalid' >"$T/xmlbad"
[ -s "$T/xmlbad" ] && fail "xmllint --html: $(cat "$T/xmlbad")" || ok "xmllint --html finds no error"
xmllint --noout "$T/report.html" 2>"$T/xmlerr" && ok "well-formed as XML too" ||
	fail "not well-formed XML: $(head -3 "$T/xmlerr")"
expect_no_match "$T/report.html" 'http|src=|<script|<link|url\(' "no external reference, no script"
expect_match "$T/report.html" '&lt;script&gt;alert\(1\)&lt;/script&gt; &amp; &quot;quotes&quot;' \
	"operator note shown as text"
expect_match "$T/report.html" 'no customer impact &lt;i&gt;visible&lt;/i&gt;' "skip reason escaped"
expect_match "$T/report.html" '<svg width=' "inline SVG timeline"
expect_match "$T/report.html" 'stopped \\x1b\[32mok\\x1b\[0m, not UTF-8: \\xff\.' \
	"escape sequences and bytes not UTF-8 defused"
head=$(sqlite3 "$STATE/incidents.db" "SELECT last_hash FROM incidents WHERE id = '$inc'")
expect_match "$T/report.html" "chain head <code>$head</code>" "HTML names the chain head"

# What the Markdown says, checked apart from the golden file.
pdr report "$inc"
o="$T/out"
expect_match "$o" '^- \*\*RTO:\*\* target 30m00s, achieved 7m00s \(detection to end of the service-restoring step, 2026-11-27 14:09:00\): MET$' "RTO from detection to the restores_service step, met"
expect_match "$o" '^- \*\*RPO:\*\* target 15m00s, achieved 12m00s .*: MET$' "RPO from the restored backup, met"
expect_match "$o" "^- \*\*Chain head:\*\* \`$head\`\$" "md names the chain head"
expect_match "$o" '^\| restore — Restore the newest backup that verifies \| done \| 10m00s \| 3m00s \|' "expected against actual"
expect_match "$o" '^\| verify — Verify the service \| done; items ticked: 2 of 3 \| 5m00s \| 10m30s \| dashboard slow; over time \|$' "over time; done says what it left unticked"
expect_match "$o" '^- \[ \] Dashboard &lt;b&gt;reachable&lt;/b&gt;$' "unticked item as ticked at the end, markup escaped"
expect_match "$o" '^- \*\*What caused corruption\?\*\* disk full during a write$' "prompt answers"
expect_match "$o" '^- notify: no customer impact &lt;i&gt;visible&lt;/i&gt;$' "skipped with reason, markup escaped"
expect_match "$o" "^- \\*\\*Chain:\\*\\* holds \\(check with \`patronus-dr --config $T/dr.yaml incidents verify $inc\`\\)\$" \
	"the verify hint carries --config"

# An interim report: a new open incident.
at $D 15:00:00
open=$(fx declare report-demo incident "Database corruption (report test)" 1800 900)
at $D 15:40:00; fx event "$open" step-started stop "Stop services"
pdr report "$open"
expect_rc 0 "interim report"
expect_match "$T/out" '^> \*\*INTERIM REPORT:\*\* the incident is still open' "marked interim"
expect_match "$T/out" 'achieved 40m00s .*: MISSED so far$' "RTO missed so far"
expect_match "$T/out" 'achieved: unknown \(no database restore recorded\)' "RPO unknown"
pdr report "$open" --format status
expect_match "$T/out" '^Subject: \[UPDATE\]' "interim status update"
expect_match "$T/out" '^Current Status: RECOVERY IN PROGRESS$' "in progress"
expect_match "$T/out" '^Data Loss: unknown' "data loss not known yet"
expect_match "$T/out" '^- Stop services$' "next steps: the step under way"
expect_match "$T/out" '^- Document incident$' "next steps: the steps to come"

# The monthly backup test: the plan's Backup Test Report into the log folder and the record.
mkdir -p "$T/backup/daily"
bk="$T/backup/daily/patronus-daily-20261120.db"
sqlite3 "$bk" "CREATE TABLE sites (id INTEGER); INSERT INTO sites VALUES (1);"
touch -d "2026-11-20 02:00:00" "$bk"
printf 'state_dir: %s\nlog_file: %s\n' "$STATE" "$T/log/dr/backup.log" >"$T/bt.yaml"
at $D 16:00:00
bt=$(fx declare monthly-backup-test drill "Monthly backup test" 1800 0)
at $D 16:01:00; fx event "$bt" command-started select "RANDOM_BACKUP=..."
fx output "$bt" select "Testing backup: $bk
"
fx exit "$bt" select "exit 0" 0 0 0
fx event "$bt" step-done select
at $D 16:05:00; fx event "$bt" command-started validate "sqlite3 ... PRAGMA integrity_check;"
fx output "$bt" validate "ok
site-a
site-b
"
fx exit "$bt" validate "exit 0" 0 0 0
fx event "$bt" step-done validate
at $D 16:08:00; fx check "$bt" check 0 "Integrity check returned ok"
fx check "$bt" check 1 "Sites and paths are readable"
fx check "$bt" check 2 "Record counts match expectations"
at $D 16:09:00; fx event "$bt" command-started report "patronus-dr report $bt --format backup-test --record"
run "$PDR" --config "$T/bt.yaml" report "$bt" --format backup-test --record
expect_rc 0 "report --format backup-test --record"
log="$T/log/dr/backup-test-20261127.log"
expect_match "$T/out" "^Backup Test Report written to $log and to the record of $bt\$" "says where"
expect_match "$log" '^Backup Test Report$' "log: heading"
expect_match "$log" "^Backup Tested: $bk\$" "log: the backup tested, from the select step's output"
expect_match "$log" '^Backup Date: 2026-11-20 02:00:00$' "log: the backup's date"
expect_match "$log" '^- Integrity Check: PASS$' "log: integrity check"
expect_match "$log" '^- Data Accessible: PASS$' "log: data accessible"
expect_match "$log" '^- Record Counts: match expectations \(ticked\)$' "log: record counts"
expect_match "$log" '^Status: SUCCESS$' "log: status"
run "$PDR" --config "$T/bt.yaml" incidents show "$bt"
expect_match "$T/out" 'note: Backup Test Report$' "the report is in the record"
run "$PDR" --config "$T/bt.yaml" incidents verify "$bt"
expect_rc 0 "the record's chain still holds"
fx close "$bt" "test done"
run "$PDR" --config "$T/bt.yaml" report "$bt" --format backup-test --record
expect_rc 65 "--record refused once closed"
run "$PDR" --config "$T/bt.yaml" report "$bt" --record
expect_rc 64 "--record without backup-test"
# A failed validation is a FAILURE.
at $D 17:00:00
bt2=$(fx declare monthly-backup-test drill "Monthly backup test" 1800 0)
fx event "$bt2" command-started validate "sqlite3 ..."
fx output "$bt2" validate "*** in database main ***
Page 3: btreeInitPage() returns error code 11
"
fx exit "$bt2" validate "exit 1" 1 0 0
run "$PDR" --config "$T/bt.yaml" report "$bt2" --format backup-test
expect_match "$T/out" '^- Integrity Check: FAIL$' "failed integrity check"
expect_match "$T/out" '^Backup Tested: unknown$' "no backup named"
expect_match "$T/out" '^Status: FAILURE$' "failure"

# No restored event: the RPO is unknown; restore db's own (English) output is not read.
at $D 18:00:00
rs=$(fx declare report-demo incident "Database corruption (report test)" 1800 900 \
	"$(ms $D 17:55:00)")
at $D 18:01:00; fx event "$rs" command-started restore "patronus-dr restore db"
fx output "$rs" restore "restoring from patronus-hourly-20261127-170000
data-loss window: 25m00s (backup of 2026-11-27 17:30:00, incident start 2026-11-27 17:55:00)
restored /var/lib/patronus/sdwan.db from /backup/patronus/hourly/patronus-hourly-20261127-170000/patronus.db (4096 bytes), mode 0600
"
fx exit "$rs" restore "exit 0" 0 0 0
pdr report "$rs"
expect_match "$T/out" '^- \*\*RPO:\*\* target 15m00s, achieved: unknown \(no database restore recorded\)$' \
	"no RPO guessed from restore db's output"

# restores_service: takes true or false only.
mkdir -p "$T/rb"
sed 's/restores_service: true/restores_service: maybe/' \
	"$srcdir/tests/data/report/runbooks/report-demo.yaml" >"$T/rb/report-demo.yaml"
run "$PDR" runbooks lint "$T/rb/report-demo.yaml"
expect_rc 65 "restores_service: maybe refused"
expect_match "$T/err" 'report-demo\.yaml:[0-9]+:[0-9]+: restores_service: expected true or false' "named at its place"

# Usage and missing input.
pdr report
expect_rc 64 "report without an id"
pdr report "$inc" --format pdf
expect_rc 64 "unknown format"
pdr report INC-nope
expect_rc 66 "unknown incident"
printf 'state_dir: %s\n' "$T/empty" >"$T/empty.yaml"
run "$PDR" --config "$T/empty.yaml" report "$inc"
expect_rc 66 "no record at all"
pdr report "$inc" -o "$T/no/such/dir/r.md"
[ "$rc" -ne 0 ] && ok "-o into a missing folder fails ($rc)" || fail "-o into a missing folder"

finish
