#!/bin/sh
# retention.sh: tiers of a simulated fortnight of real backups, and prune over a simulated
# year of hourly sets keeps exactly what restic's forget --keep-* keeps (computed here in perl).
. "$srcdir/tests/cli/lib.sh"
# table lines read whole (tables.sh checks them at 80 columns)
COLUMNS=1000
export COLUMNS
. "$srcdir/tests/cli/backup-fixture.sh"

make_host "$T/h"
C="$T/h/dr.yaml"
BD="$T/h/backup/patronus"

# Part 1: real backups every 6 hours from Sun 2025-12-28 00:00 UTC, across an ISO week,
# a month and a year; each set's tier as the first of its month, week or day says.
t=1766880000
i=0
tierbad=0
seen_m=" "; seen_w=" "; seen_d=" "
while [ $i -lt 40 ]; do
	m=$(date -u -d "@$t" +%Y%m); w=$(date -u -d "@$t" +%G%V); d=$(date -u -d "@$t" +%Y%m%d)
	case "$seen_m" in *" $m "*) case "$seen_w" in *" $w "*) case "$seen_d" in *" $d "*) want=hourly;;
		*) want=daily;; esac;; *) want=weekly;; esac;; *) want=monthly;; esac
	seen_m="$seen_m$m "; seen_w="$seen_w$w "; seen_d="$seen_d$d "
	PATRONUS_DR_NOW="@$t" run "$PDR" --config "$C" backup
	if [ "$rc" -ne 0 ]; then fail "backup at @$t exit $rc"; cat "$T/err"; break; fi
	stamp=$(date -u -d "@$t" +%Y%m%d-%H%M%S)
	[ -f "$BD/$want/patronus-$want-$stamp-manifest.txt" ] || {
		tierbad=$((tierbad + 1)); echo "  @$t ($stamp): expected $want, got $(ls "$BD"/*/*"$stamp"-manifest.txt)"; }
	t=$((t + 21600)); i=$((i + 1))
done
[ $tierbad -eq 0 ] && ok "40 simulated backups each in the tier of its month, ISO week or day" ||
	fail "$tierbad backups in the wrong tier"
L="$T/h/var/log/patronus/backup.log"
[ "$(grep -c '^Backup type: monthly$' "$L")" -eq 2 ] && ok "two monthly backups (December, January)" ||
	fail "monthly backups: $(grep -c '^Backup type: monthly$' "$L")"
[ "$(grep -c '^Backup type: weekly$' "$L")" -eq 2 ] && ok "two weekly backups (Mon Dec 29 opens 2026-W01, Mon Jan 5 W02)" ||
	fail "weekly backups: $(grep -c '^Backup type: weekly$' "$L")"
[ "$(grep -c '^Backup type: daily$' "$L")" -eq 6 ] && ok "six daily backups (the other days of the ten)" ||
	fail "daily backups: $(grep -c '^Backup type: daily$' "$L")"
[ "$(grep -c '^Backup type: hourly$' "$L")" -eq 30 ] && ok "thirty hourly backups" ||
	fail "hourly backups: $(grep -c '^Backup type: hourly$' "$L")"
run "$PDR" --config "$C" backups
expect_rc 0 "backups after the fortnight"
[ "$(grep -c ' complete ' "$T/out")" -ge 24 ] && ok "at least 24 complete sets listed" || fail "complete sets: $(cat "$T/out")"
expect_no_match "$T/out" 'incomplete|corrupt|not verified' "every set left by backup is complete"

# Part 2: a year of hourly sets (2025, UTC), made from one real set by hard links and the
# plan's manifest text; spread over the tiers as the plan's script would; then prune.
rm -rf "$BD" "$T/h/var/lib/patronus/dr/verified"
PATRONUS_DR_NOW=@1735603200 run "$PDR" --config "$C" backup --type hourly --no-prune
expect_rc 0 "template set"
set -- "$BD"/hourly/*.db
tpl=${1%.db}
mv "$tpl.db" "$T/tpl.db"; mv "$tpl-config.tar.gz" "$T/tpl-config.tar.gz"
mv "$tpl-wireguard.tar.gz.enc" "$T/tpl-wireguard.tar.gz.enc"; rm "$tpl-manifest.txt"
start=1735689600	# 2025-01-01 00:00
end=$((start + 365 * 86400))
perl -MPOSIX=strftime -e '
	my ($T, $BD, $start, $end) = @ARGV;
	my %sum;
	for my $s (".db", "-config.tar.gz", "-wireguard.tar.gz.enc") {
		my $out = `sha256sum "$T/tpl$s"`; ($sum{$s}) = split / /, $out;
	}
	for (my $t = $start; $t < $end; $t += 3600) {
		my @g = gmtime $t;
		my $tier = $g[3] == 1 ? "monthly" : $g[6] == 0 ? "weekly" : $g[2] == 0 ? "daily" : "hourly";
		my $name = "patronus-$tier-" . strftime("%Y%m%d-%H%M%S", @g);
		mkdir "$BD/$tier";
		for my $s (".db", "-config.tar.gz", "-wireguard.tar.gz.enc") {
			link "$T/tpl$s", "$BD/$tier/$name$s" or die "link: $!";
		}
		open my $m, ">", "$BD/$tier/$name-manifest.txt" or die;
		print $m "Patronus SD-WAN Backup Manifest\n================================\n\n",
		    "Backup Type: $tier\nTimestamp: ", strftime("%Y%m%d-%H%M%S", @g), "\n",
		    "Date: ", strftime("%a %b %e %H:%M:%S UTC %Y", @g), "\nHostname: test\nVersion: unknown\n\n",
		    "Contents:\n- Database: $name.db (40K, 12 sites, 21 paths)\n",
		    "- Configuration: $name-config.tar.gz\n- WireGuard Keys: $name-wireguard.tar.gz.enc (encrypted)\n\n",
		    "Checksums (SHA256):\n";
		print $m "$sum{$_}  $name$_\n" for (".db", "-config.tar.gz", "-wireguard.tar.gz.enc");
		close $m;
	}
	# What restic keeps: for each rule, the newest set of each of the N newest periods that have one.
	my @times;
	for (my $t = $end - 3600; $t >= $start; $t -= 3600) { push @times, $t; }
	my %keep;
	for my $rule (["%Y%m%d%H", 24], ["%Y%m%d", 7], ["%G%V", 4], ["%Y%m", 12]) {
		my ($fmt, $n) = @$rule; my %seen;
		for my $t (@times) {
			my $k = strftime($fmt, gmtime $t);
			next if $seen{$k};
			last if keys %seen >= $n;
			$seen{$k} = 1; $keep{$t} = 1;
		}
	}
	open my $e, ">", "$T/expected" or die;
	print $e strftime("%Y%m%d-%H%M%S", gmtime $_), "\n" for sort keys %keep;
' "$T" "$BD" "$start" "$end" || fail "perl could not make the year"
[ "$(ls "$BD"/*/*-manifest.txt | wc -l)" -eq 8760 ] && ok "8760 hourly sets made" || fail "sets made: $(ls "$BD"/*/*-manifest.txt | wc -l)"
# Two interrupted sets: one older than a day (removed), one younger (kept).
now=$((end - 1800))
for age in 172800 3600; do
	st=$(date -u -d "@$((now - age))" +%Y%m%d-%H%M%S)
	cp "$T/tpl.db" "$BD/hourly/patronus-hourly-$st.db"
	touch -d "@$((now - age))" "$BD/hourly/patronus-hourly-$st.db"
done
old=$(date -u -d "@$((now - 172800))" +%Y%m%d-%H%M%S)
young=$(date -u -d "@$((now - 3600))" +%Y%m%d-%H%M%S)
# A leftover temporary file older than a day.
cp "$T/tpl.db" "$BD/daily/.patronus-daily-20250101-000000.db.tmp"
touch -d "@$((now - 172800))" "$BD/daily/.patronus-daily-20250101-000000.db.tmp"

PATRONUS_DR_NOW="@$now" run "$PDR" --config "$C" prune --dry-run
expect_rc 0 "prune --dry-run over the year"
grep -E '^keep +[a-z]+/patronus-' "$T/out" | grep -v incomplete | sed -E 's/.*patronus-[a-z]+-([0-9-]+):.*/\1/' | sort >"$T/kept"
cmp -s "$T/kept" "$T/expected" && ok "dry run keeps exactly what restic keeps ($(wc -l <"$T/expected") sets)" ||
	{ fail "dry run keeps other sets than restic"; diff "$T/expected" "$T/kept" | head -20; }
[ "$(wc -l <"$T/expected")" -eq 43 ] && ok "43 sets: 24 hours, 6 days, 2 weeks, 11 months" || fail "expected count"
expect_match "$T/out" "^would remove hourly/patronus-hourly-$old: incomplete for more than a day" "old incomplete set would go"
expect_match "$T/out" "^keep +hourly/patronus-hourly-$young: incomplete, less than a day old" "young incomplete set stays"
expect_match "$T/out" "^keep +[a-z]+/patronus-[a-z]+-20251231-230000: kept by rule: hourly, daily, weekly, monthly" "newest kept by all four rules"
expect_match "$T/out" "^would remove [a-z]+/patronus-[a-z]+-20250615-120000: not needed by retention" "a mid-year set would go, with the reason"
expect_match "$T/out" "^would remove .*/\.patronus-daily-20250101-000000\.db\.tmp: temporary file" "stale temporary file would go"
[ "$(ls "$BD"/*/*-manifest.txt | wc -l)" -eq 8760 ] && ok "dry run removed nothing" || fail "dry run removed sets"

# --keep holds a set back, named as backups names it; an unknown name removes nothing
mid=$(cd "$BD" && ls */patronus-*-20250615-120000.db | sed 's/\.db$//')
PATRONUS_DR_NOW="@$now" run "$PDR" --config "$C" prune --dry-run --keep "$mid"
expect_rc 0 "prune --dry-run --keep TIER/NAME"
expect_match "$T/out" "^keep +$mid: named with --keep\$" "--keep holds the mid-year set back"
PATRONUS_DR_NOW="@$now" run "$PDR" --config "$C" prune --keep patronus-hourly-19990101-000000
expect_rc 66 "prune --keep of a set that is not here"
expect_match "$T/err" "^patronus-dr: --keep: patronus-hourly-19990101-000000: no such backup set" "it says so"
[ "$(ls "$BD"/*/*-manifest.txt | wc -l)" -eq 8760 ] && ok "and removes nothing" || fail "prune removed sets"

PATRONUS_DR_NOW="@$now" run "$PDR" --config "$C" prune
expect_rc 0 "prune over the year"
ls "$BD"/*/ | sed -n -E 's/^patronus-[a-z]+-([0-9]{8}-[0-9]{6})-manifest\.txt$/\1/p' | sort >"$T/left"
cmp -s "$T/left" "$T/expected" && ok "prune leaves exactly what restic keeps" ||
	{ fail "prune leaves other sets"; diff "$T/expected" "$T/left" | head; }
[ -f "$BD/hourly/patronus-hourly-$old.db" ] && fail "old incomplete set still there" || ok "old incomplete set removed"
[ -f "$BD/hourly/patronus-hourly-$young.db" ] && ok "young incomplete set kept" || fail "young incomplete set removed"
[ -e "$BD/daily/.patronus-daily-20250101-000000.db.tmp" ] && fail "stale temporary left" || ok "stale temporary removed"
[ "$(ls "$BD"/*/ | grep -c 'patronus-.*\.db$')" -eq 44 ] && ok "no stray files of removed sets" || fail "stray files: $(ls -R "$BD" | head)"
expect_match "$T/h/var/log/patronus/backup.log" '^prune: removing ' "removals are logged"
PATRONUS_DR_NOW="@$now" run "$PDR" --config "$C" prune
expect_match "$T/out" '^0 of 44 sets removed$' "a second prune removes nothing"

# Forensic copies that restore keeps are bounded by retention.forensic: prune names and
# removes the oldest beyond it, of each kind, with all their files.
DBF="$T/h/var/lib/patronus/sdwan.db"
CFG="$T/h/etc/patronus"
for d in 01 02 03 04 05; do
	: >"$DBF.corrupted.202601$d-000000"
	mkdir -p "$CFG.pre-restore-202601$d-000000/tls"
	: >"$T/h/var/lib/patronus/dr/config-before-restore-202601$d-000000.tar.gz"
done
: >"$DBF.corrupted.20260101-000000-wal"
: >"$DBF.corrupted.20260105-000000.2"
: >"$DBF.corrupted.20260101-000000.tmp.x"
echo "retention: {forensic: 2}" >>"$C"
# While an incident is open, none goes: its first copy is the evidence (a drill does not count:
# it restores in its sandbox).
FIX="$top_builddir/tests/pdr-incident-fixture"
ST="$T/h/var/lib/patronus/dr"
drill=$("$FIX" "$ST" declare database-corruption drill "a drill" 1800 3600)
inc=$("$FIX" "$ST" declare database-corruption incident "corrupted" 1800 3600)
PATRONUS_DR_NOW="@$now" run "$PDR" --config "$C" prune
expect_rc 0 "prune while an incident is open"
n=$(grep -c "^keep .*: forensic copy kept while incident $inc is open" "$T/out")
[ "$n" = 11 ] && ok "each forensic copy beyond retention is kept, naming the open incident" ||
	{ fail "kept $n forensic files"; cat "$T/out"; }
expect_no_match "$T/out" 'forensic copy beyond the newest' "none is removed"
[ -e "$DBF.corrupted.20260101-000000" ] && ok "the oldest copy (the evidence) is there" || fail "the evidence was removed"
"$FIX" "$ST" close "$inc" >/dev/null
PATRONUS_DR_NOW="@$now" run "$PDR" --config "$C" prune --dry-run
expect_match "$T/out" "^would remove $DBF\.corrupted\.20260101-000000-wal: forensic copy beyond the newest 2" \
	"dry run names a forensic copy's -wal with it"
[ -e "$DBF.corrupted.20260101-000000" ] && ok "dry run removes nothing" || fail "dry run removed a forensic copy"
PATRONUS_DR_NOW="@$now" run "$PDR" --config "$C" prune
expect_rc 0 "prune with forensic copies beyond retention.forensic"
n=$(grep -c 'forensic copy beyond the newest 2' "$T/out")
[ "$n" = 11 ] && ok "prune names each forensic file it removes (11)" || fail "prune named $n forensic files"
left=$(ls "$T/h/var/lib/patronus" | grep -c '^sdwan\.db\.corrupted\.2026010[0-9]-000000\(\.2\)\?$')
[ "$left" = 2 ] && ok "two database copies are left (the newest)" || fail "$left database copies left"
[ -e "$DBF.corrupted.20260105-000000.2" ] && [ -e "$DBF.corrupted.20260105-000000" ] &&
	ok "the newest two are the ones kept" || fail "kept: $(ls "$T/h/var/lib/patronus")"
[ "$(ls -d "$CFG".pre-restore-* | wc -l)" = 2 ] && ok "two kept config trees are left" || fail "config trees: $(ls -d "$CFG".pre-restore-*)"
[ "$(ls "$T/h/var/lib/patronus/dr"/config-before-restore-* | wc -l)" = 2 ] && ok "two config archives are left" ||
	fail "config archives left: $(ls "$T/h/var/lib/patronus/dr")"
[ -e "$DBF.corrupted.20260101-000000.tmp.x" ] && ok "a temporary file is not taken for a copy" || fail "removed a .tmp file"

finish
