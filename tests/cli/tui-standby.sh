#!/bin/sh
# tui-standby.sh: the datacenter-loss runbook walked in the TUI (tmux, 80x24) on a standby at
# the primary's paths that holds only dr.yaml, the encryption key, the SSH identity and the S3
# credentials; both stores on loopback, the SFTP host down. The set on the stores was made an
# hour before it is fetched (its name says so; its files are new here). No RPO breach is recorded
# before anything is known; the availability step lists both stores; one recovery step restores
# database, config and keys byte-identical, with one "restored" event per part; the RPO clock
# then shows the set's own age, not the minutes since it was fetched. The same walk on a standby
# laid out elsewhere maps the archives' trees onto its folders.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/tui-lib.sh"
. "$srcdir/tests/cli/backup-fixture.sh"
. "$srcdir/tests/cli/offsite-lib.sh"
trap '$TM kill-server >/dev/null 2>&1; offsite_cleanup' EXIT
. "$srcdir/tests/cli/standby-lib.sh"
standby_primary

# The primary's clock is an hour behind the standby's: its set is named an hour ago.
TZ=UTC+1 run "$PDR" --config "$C" backup --type daily
expect_rc 0 "the primary's backup, copied to both stores"
SET=$(ls "$R/daily" | sed -n 's/\.db$//p')
[ -n "$SET" ] && ok "the set on the stores: $SET" || fail "no set on the stores"

# The datacenter is gone; the standby at the same paths, the SFTP host down too.
lose_primary
stop_sshd
REC="$H/var/lib/patronus/dr/incidents.db"

tui_start dc 80 24 "$PDR" --config "$C" run datacenter-loss
tui_wait dc 'INC-[0-9]{8}-[0-9]{4}-datacenter-loss' "the incident is declared"
tui_wait dc 'RPO 1h cannot be met: no backup' "the RPO clock says there is no backup here yet"
# two changes of the RTO clock (a tick a second): the RPO has been judged again since
for _t in 1 2; do
	c=$(tui_screen dc | sed -n 's/^RTO \([0-9:]*\)\/.*/\1/p')
	tui_until_gone dc "^RTO $c/" || fail "the RTO clock stands at $c"
done
id=$(newest_incident "$REC")
events "$REC" "$id" >"$T/events"
expect_no_match "$T/events" 'rpo-breached' "no RPO breach recorded before anything is known"

# A set fetched now that was made an hour ago: the clock takes its own time, not its files'.
run "$PDR" --config "$C" fetch --latest
expect_rc 0 "fetch --latest beside the TUI"
tui_wait dc 'RPO 1h cannot be met: loses 1h(0[0-9]m)?' "the RPO clock gives the fetched set's own age (an hour), not its fetch time"

# The step list: down to the availability step (6: declare, connect, network, then
# complete-rebuild's install-prerequisites, install-software, backups-available).
tui_keys dc Tab
i=0
while [ $i -lt 5 ]; do tui_keys dc j; i=$((i + 1)); done
tui_keys dc Enter
tui_wait dc 'Step 6/[0-9]+: Verify the off-site backups' "the availability step is current"
tui_keys dc x
tui_wait dc 'ended: exit 0' "the availability step passes with one store answering"
tui_has dc "$SET" "it lists the set"
tui_keys dc d
tui_wait dc 'Step 7/[0-9]+: Restore database, configuration and keys' "the recovery step is next"
tui_keys dc x
tui_wait dc '\(y/n\)' "the TUI asks before the recovery"
tui_keys dc y
tui_wait dc 'ended: exit 0' "the recovery ends with exit 0" 60
tui_wait dc 'RPO 1h missed: lost 1h(0[0-9]m)? \(restored\)' "after the recovery the header gives the data lost from the set's own time"

sqlite3 "$DB" .dump >"$T/standby.dump"
cmp -s "$T/standby.dump" "$T/primary.dump" && ok "the database is the primary's, row for row" ||
	fail "the database differs"
cmp -s "$H/etc/wireguard/wg0.conf" "$T/primary-etc/wireguard/wg0.conf" && ok "the keys are back, identical" ||
	fail "wg0.conf differs"
cmp -s "$H/etc/patronus/config.yaml" "$T/primary-etc/patronus/config.yaml" && ok "the config is back, identical" ||
	fail "config.yaml differs"

tui_keys dc q
# the step's supervisor may not be reaped yet: the TUI then asks before leaving
tui_until dc '\(y/n\)|^\[exit 0\]'
tui_screen dc | grep -q '(y/n)' && tui_keys dc y
tui_wait dc '^\[exit 0\]' "q leaves the TUI"
events "$REC" "$id" >"$T/events"
expect_match "$T/events" '\|rebuild\.recover\|command-started\|.*restore all --yes --from-remote --incident-start ' \
    "the record holds the one recovery command"
expect_match "$T/events" 'skipped: sftp://.*cannot be listed' "the skipped store is in the record"
for part in db config keys; do
	n=$(grep -c "|rebuild\.recover|restored|.*\"part\":\"$part\"" "$T/events")
	[ "$n" -eq 1 ] && ok "one restored event for the $part" || fail "$n restored events for the $part"
done
expect_match "$T/events" 'data-loss window: .*incident start' \
    "the data-loss window is measured against the incident start"

# The same walk on a standby laid out elsewhere (dr.yaml's paths are not the primary's): the
# archives' trees are mapped onto its folders.
S="$T/s"
mkdir -p "$S/state"
cp "$T/primary-etc/patronus/backup-encryption-key" "$S/key"
chmod 600 "$S/key"
{ printf 'database: %s/db/sdwan.db\nconfig_dir: %s/conf\nwireguard_dir: %s/wg\n' "$S" "$S" "$S"
  printf 'backup_dir: %s/backups\nencryption_key: %s/key\nstate_dir: %s/state\n' "$S" "$S" "$S"
  printf 'log_file: %s/backup.log\n' "$S"
  sed -n '/^remote:/,$p' "$C"; } >"$S/dr.yaml"
tui_start el 80 24 "$PDR" --config "$S/dr.yaml" run datacenter-loss
tui_wait el 'INC-[0-9]{8}-[0-9]{4}-datacenter-loss' "other paths: the incident is declared"
tui_keys el Tab
i=0
while [ $i -lt 6 ]; do tui_keys el j; i=$((i + 1)); done
tui_keys el Enter
tui_wait el 'Step 7/[0-9]+: Restore database, configuration and keys' "other paths: the recovery step is current"
tui_keys el x
tui_wait el '\(y/n\)' "other paths: the TUI asks before the recovery"
tui_keys el y
tui_wait el 'ended: exit 0' "other paths: the recovery ends with exit 0" 60
sqlite3 "$S/db/sdwan.db" .dump | cmp -s - "$T/primary.dump" && ok "other paths: the database is the primary's" ||
	fail "other paths: the database differs"
cmp -s "$S/wg/wg0.conf" "$T/primary-etc/wireguard/wg0.conf" &&
	cmp -s "$S/conf/config.yaml" "$T/primary-etc/patronus/config.yaml" &&
	ok "other paths: config and keys under the configured folders" || fail "other paths: config or keys differ"
tui_keys el q
# the step's supervisor may not be reaped yet: the TUI then asks before leaving
tui_until el '\(y/n\)|^\[exit 0\]'
tui_screen el | grep -q '(y/n)' && tui_keys el y
tui_wait el '^\[exit 0\]' "other paths: q leaves the TUI"
id=$(newest_incident "$S/state/incidents.db")
events "$S/state/incidents.db" "$id" >"$T/events2"
expect_match "$T/events2" 'the archive holds .*/etc/patronus; it is restored as '"$S"'/conf' \
    "other paths: the record says the config's tree was mapped"

check_log "$T/requests.log" "every S3 request passed the SigV4 checker"
finish
