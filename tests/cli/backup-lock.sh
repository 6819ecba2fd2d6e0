#!/bin/sh
# backup-lock.sh: runs that share a backup_dir never destroy each other. backup, prune,
# fetch, verify and restore hold backup_dir/.lock; a second run waits up to --wait or
# exits 75 naming the holder's pid; two backups of the same second get names that cannot
# collide ("-2"); a failed run removes only what it made. 20 rounds of three concurrent
# backups and a prune: every backup that exits 0 leaves its own set that verifies (or
# that a retention run named as removed), and there is always a good set.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/backup-fixture.sh"

make_host "$T/h"
C="$T/h/dr.yaml"
BD="$T/h/backup/patronus"
t=1767225600	# 2026-01-01 00:00:00 UTC

# 1. Two backups in the same second: the second gets NAME-2, both verify, and the
# plan's own verify script and glob (patronus-hourly-*.db) still find them.
PATRONUS_DR_NOW="@$t" run "$PDR" --config "$C" backup --type hourly --no-prune
expect_rc 0 "first backup of a second"
PATRONUS_DR_NOW="@$t" run "$PDR" --config "$C" backup --type hourly --no-prune
expect_rc 0 "second backup of the same second"
b1="$BD/hourly/patronus-hourly-20260101-000000"
b2="$BD/hourly/patronus-hourly-20260101-000000-2"
[ -f "$b2-manifest.txt" ] && ok "the second set is named ...-000000-2" || { fail "no -2 set"; ls "$BD/hourly"; }
for b in "$b1" "$b2"; do
	run "$PDR" --config "$C" verify "$b.db"
	expect_rc 0 "$(basename "$b") verifies"
done
grep -q "patronus-hourly-20260101-000000-2.db" "$b2-manifest.txt" &&
	ok "the -2 manifest names its own files" || fail "the -2 manifest names other files"
run plan_verify "$srcdir/tests/data/patronus-verify-backup.sh" "$b2.db"
expect_rc 0 "the plan's verify script accepts the -2 set"
n=$(ls "$BD"/hourly/patronus-hourly-*.db | wc -l)
[ "$n" = 2 ] && ok "the plan's glob finds both sets" || fail "the plan's glob finds $n sets"
run "$PDR" --config "$C" backups
expect_match "$T/out" 'patronus-hourly-20260101-000000-2' "backups lists the -2 set"
# The newest of the two is the -2 one: it is listed first.
first=$(grep -o 'patronus-hourly-20260101-000000[-0-9]*' "$T/out" | head -1)
[ "$first" = patronus-hourly-20260101-000000-2 ] && ok "-2 is the newer set of the second" ||
	fail "listed first: $first"
# A stale temporary file (a crashed run): the next backup, holding the lock and so sure no
# run owns it, removes it (#22) and the name is free again.
: >"$BD/hourly/.patronus-hourly-20260101-000000-3.db.tmp"
PATRONUS_DR_NOW="@$t" run "$PDR" --config "$C" backup --type hourly --no-prune
expect_rc 0 "third backup of the same second"
[ ! -e "$BD/hourly/.patronus-hourly-20260101-000000-3.db.tmp" ] &&
	ok "the crashed run's temporary file is removed" || fail "the stale temporary file is left"
[ -f "$BD/hourly/patronus-hourly-20260101-000000-3-manifest.txt" ] &&
	ok "and its name is the third set's (-3)" || { fail "no -3 set"; ls -a "$BD/hourly"; }
rm -rf "$BD"/hourly && mkdir "$BD/hourly"

# 2. A held lock: exit 75 at once, naming the holder's pid and command; nothing made.
printf 'pid 4242 (backup)\n' >"$BD/.lock"
flock -o "$BD/.lock" sleep 30 &
hold=$!
sleep 0.3
for cmd in "backup --no-prune" "prune" "verify $b1.db --wait 0" "restore db --yes --wait 0"; do
	# shellcheck disable=SC2086
	PATRONUS_DR_NOW="@$t" run "$PDR" --config "$C" $cmd
	expect_rc 75 "${cmd%% *} while another run holds the lock"
	expect_match "$T/err" 'pid 4242 \(backup\)' "${cmd%% *}: the message names the holder's pid"
done
[ -z "$(ls "$BD/hourly")" ] && ok "nothing was made while locked" || fail "files appeared: $(ls "$BD/hourly")"
# --wait: the run waits for the holder and then goes on.
(sleep 1; kill "$hold") &
PATRONUS_DR_NOW="@$t" run "$PDR" --config "$C" backup --no-prune --wait 20
expect_rc 0 "backup --wait 20 goes on once the holder ends"
wait "$hold" 2>/dev/null
run "$PDR" --config "$C" backup --wait soon
expect_rc 64 "a malformed --wait is a usage error"
# The lock file names the last holder only while it runs; a symlink or FIFO is refused.
rm -f "$BD/.lock" && ln -s /etc/passwd "$BD/.lock"
run "$PDR" --config "$C" backup --no-prune
[ "$rc" != 0 ] && ok "a symlinked lock file is refused (exit $rc)" || fail "followed a symlinked lock file"
rm -f "$BD/.lock" && mkfifo "$BD/.lock"
run timeout 10 "$PDR" --config "$C" backup --no-prune
[ "$rc" != 0 ] && [ "$rc" != 124 ] && ok "a FIFO lock file is refused without hanging (exit $rc)" ||
	fail "FIFO lock file: exit $rc"
rm -f "$BD/.lock"
rm -rf "$BD"/hourly/* "$BD"/daily/* "$BD"/weekly/* "$BD"/monthly/*

# 3. 20 rounds of three concurrent backups and a prune, all in the same second.
# Rounds 1-15 wait for each other; rounds 16-20 do not (--wait 0): those that lose exit
# 75 and name a pid of this round.
bad=0 lost=0 named=0 good_min=99 r=1
while [ $r -le 20 ]; do
	now=$((t + r * 3600))
	w=120; [ $r -gt 15 ] && w=0
	np=--no-prune; [ $((r % 2)) = 0 ] && np=
	pids=
	for k in 1 2 3; do
		# shellcheck disable=SC2086
		PATRONUS_DR_NOW="@$now" "$PDR" --config "$C" backup --type hourly $np --wait $w \
			>"$T/b$k.out" 2>&1 &
		eval "p$k=\$!"
		pids="$pids $!"
	done
	PATRONUS_DR_NOW="@$now" "$PDR" --config "$C" prune --wait $w >"$T/p.out" 2>&1 &
	pp=$!
	pids="$pids $pp"
	for k in 1 2 3; do
		eval "wait \$p$k"; eval "rc$k=$?"
	done
	wait "$pp"; prc=$?
	cat "$T/b1.out" "$T/b2.out" "$T/b3.out" "$T/p.out" >"$T/round.out"
	for k in 1 2 3 p; do
		if [ "$k" = p ]; then c=$prc; f="$T/p.out"; else eval "c=\$rc$k"; f="$T/b$k.out"; fi
		case $c in
		0) ;;
		75) lost=$((lost + 1))
		    holder=$(sed -n 's/.*(pid \([0-9]*\) (\(backup\|prune\))).*/\1/p' "$f" | head -1)
		    case " $pids " in *" $holder "*) named=$((named + 1)) ;;
		    *) bad=$((bad + 1)); echo "round $r: exit 75 names no pid of the round:"; cat "$f" ;; esac ;;
		*) bad=$((bad + 1)); echo "round $r: run $k exited $c"; tail -5 "$f" ;;
		esac
		[ "$k" = p ] && continue
		[ "$c" = 0 ] || continue
		m=$(sed -n 's/^Manifest created: //p' "$f")
		[ -n "$m" ] || { bad=$((bad + 1)); echo "round $r: backup $k says no manifest"; continue; }
		name=$(basename "${m%-manifest.txt}")
		if [ -f "$m" ]; then
			"$PDR" --config "$C" verify "${m%-manifest.txt}.db" >"$T/v.out" 2>&1 ||
				{ bad=$((bad + 1)); echo "round $r: $name does not verify"; cat "$T/v.out"; }
		elif ! grep -Eq "remov(e|ing) .*$name:" "$T/round.out"; then
			bad=$((bad + 1)); echo "round $r: $name is gone, and no run removed it"
		fi
	done
	good=0
	for m in "$BD"/*/patronus-*-manifest.txt; do
		[ -f "$m" ] || continue
		"$PDR" --config "$C" verify "${m%-manifest.txt}.db" >/dev/null 2>&1 && good=$((good + 1))
	done
	[ $good -lt $good_min ] && good_min=$good
	[ $good -gt 0 ] || { bad=$((bad + 1)); echo "round $r: no good set left"; }
	ls -a "$BD"/hourly | grep -q '\.tmp$' && { bad=$((bad + 1)); echo "round $r: temporary files left"; }
	r=$((r + 1))
done
[ $bad = 0 ] && ok "20 rounds: every backup that exited 0 left its own set that verifies (or was pruned by name)" ||
	fail "20 rounds: $bad problems"
[ $good_min -gt 0 ] && ok "there was always a good set (at least $good_min)" || fail "a round left no good set"
[ $lost -gt 0 ] && [ $named = $lost ] && ok "$lost runs without --wait exited 75, each naming a pid of its round" ||
	fail "exit 75: $lost runs, $named named a pid of the round"
[ ! -s "$BD/.lock" ] && ok "the lock file is empty when no run holds it" || fail "lock file says: $(cat "$BD/.lock")"

finish
