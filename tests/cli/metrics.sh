#!/bin/sh
# metrics.sh: with metrics_file set, backup, verify and prune rewrite it; it parses
# strictly as Prometheus text format and carries the figures of the last backup.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/backup-fixture.sh"

make_host "$T/h" 17
C="$T/h/dr.yaml"
M="$T/textfile/patronus_dr.prom"
mkdir -p "$T/textfile"
printf 'metrics_file: %s\n' "$M" >>"$C"
parse() { python3 "$srcdir/tests/cli/prom-parse.py" "$M" >"$T/samples" 2>"$T/perr"; }
# value KEY: the value of sample KEY (name{labels}).
value() { awk -v k="$1" '$1 == k { print $2 }' "$T/samples"; }

now=1795000000
PATRONUS_DR_NOW=@$now run "$PDR" --config "$C" backup
expect_rc 0 "backup with metrics_file"
[ -f "$M" ] && ok "metrics file written" || fail "no metrics file"
ls -A "$T/textfile" | grep -qv '^patronus_dr.prom$' && fail "temporary file left next to it" ||
    ok "only the metrics file in its folder (atomic rename)"
parse && ok "parses as Prometheus text format" || { fail "Prometheus text format"; cat "$T/perr"; }
[ "$(grep -c '^# HELP ' "$M")" = "$(grep -c '^# TYPE ' "$M")" ] && ok "a TYPE for every HELP" ||
    fail "HELP and TYPE counts differ"

db=$(ls "$T"/h/backup/patronus/*/patronus-*.db)
base=${db%.db}
size=$(cat "$db" "$base-config.tar.gz" "$base-wireguard.tar.gz.enc" "$base-manifest.txt" | wc -c)
sites=$(sqlite3 "$db" 'SELECT count(*) FROM sites')
paths=$(sqlite3 "$db" 'SELECT count(*) FROM paths')
tier=$(basename "$(dirname "$db")")
[ "$(value patronus_dr_backup_last_success)" = 1 ] && ok "last backup succeeded" || fail "backup_last_success"
[ "$(value patronus_dr_backup_size_bytes)" = "$size" ] && ok "size $size bytes" ||
    fail "size $(value patronus_dr_backup_size_bytes), expected $size"
[ "$(value patronus_dr_backup_sites)" = "$sites" ] && ok "sites $sites" || fail "sites $(value patronus_dr_backup_sites)"
[ "$(value patronus_dr_backup_paths)" = "$paths" ] && ok "paths $paths" || fail "paths $(value patronus_dr_backup_paths)"
t=$(value patronus_dr_backup_last_success_timestamp_seconds)
[ -n "$t" ] && [ "$t" -ge $now ] && [ "$t" -le $((now + 120)) ] && ok "last success time $t" ||
    fail "last success time '$t' (backup at $now)"
d=$(value patronus_dr_backup_duration_seconds)
[ -n "$d" ] && ok "duration $d s" || fail "no duration"
[ "$(value "patronus_dr_backup_sets{tier=\"$tier\"}")" = 1 ] && ok "one set in $tier" || fail "sets in $tier"
# its age is measured when the backup ends: at most the seconds from $now to the success time
a=$(value "patronus_dr_backup_newest_age_seconds{tier=\"$tier\"}")
[ -n "$a" ] && [ "$a" -ge 0 ] && [ "$a" -le $((t - now)) ] && ok "newest $tier set age $a (<= $((t - now)))" ||
    fail "newest age '$a', expected 0..$((t - now))"
[ "$(value patronus_dr_incidents_open)" = 0 ] && ok "no open incident" || fail "incidents_open"

# A second backup an hour later: ages move, the first set's figures are replaced.
PATRONUS_DR_NOW=@$((now + 3600)) run "$PDR" --config "$C" backup --type hourly --no-prune
expect_rc 0 "second backup"
parse || fail "parses after the second backup"
[ "$(value 'patronus_dr_backup_oldest_age_seconds{tier="'"$tier"'"}')" = 3600 ] &&
    ok "oldest $tier set is 3600 s old" || fail "oldest age $(value "patronus_dr_backup_oldest_age_seconds{tier=\"$tier\"}")"

# verify adds its result and keeps the backup's figures.
PATRONUS_DR_NOW=@$((now + 3700)) run "$PDR" --config "$C" verify "$db"
expect_rc 0 "verify"
parse || fail "parses after verify"
[ "$(value patronus_dr_verify_last_success)" = 1 ] && ok "verify result 1" || fail "verify_last_success"
[ "$(value patronus_dr_verify_last_timestamp_seconds)" = $((now + 3700)) ] && ok "verify time" || fail "verify time"
[ "$(value patronus_dr_backup_sites)" = "$sites" ] && ok "backup figures kept by verify" || fail "verify lost backup figures"

# A damaged set: verify says 0.
printf 'x' >>"$base-config.tar.gz"
run "$PDR" --config "$C" verify "$db"
expect_rc 1 "verify of a damaged set"
parse || fail "parses after a failed verify"
[ "$(value patronus_dr_verify_last_success)" = 0 ] && ok "verify result 0 after damage" || fail "verify result after damage"

# prune rewrites it too.
PATRONUS_DR_NOW=@$((now + 7200)) run "$PDR" --config "$C" prune
expect_rc 0 "prune"
parse || fail "parses after prune"
[ "$(value patronus_dr_prune_last_timestamp_seconds)" = $((now + 7200)) ] && ok "prune time" || fail "prune time"
[ -n "$(value patronus_dr_prune_removed_sets)" ] && ok "prune removed count" || fail "prune removed count"

# A failed backup: last_success 0, the last success time kept.
chmod 644 "$T/h/etc/patronus/backup-encryption-key"
run "$PDR" --config "$C" backup
expect_rc 77 "backup with an unsafe key fails"
parse || fail "parses after a failed backup"
[ "$(value patronus_dr_backup_last_success)" = 0 ] && ok "failure recorded as 0" || fail "failure not recorded"
[ "$(value patronus_dr_backup_last_success_timestamp_seconds)" -ge $((now + 3600)) ] &&
    ok "last success time kept" || fail "last success time lost"

# An open incident and a closed drill show in the gauges.
FIX="$top_builddir/tests/pdr-incident-fixture"
"$FIX" "$T/h/var/lib/patronus/dr" declare database-corruption incident >/dev/null
drill=$("$FIX" "$T/h/var/lib/patronus/dr" declare single-node-failure drill "Node" 600 0)
"$FIX" "$T/h/var/lib/patronus/dr" close "$drill" >/dev/null
chmod 600 "$T/h/etc/patronus/backup-encryption-key"
run "$PDR" --config "$C" verify "$db"
parse || fail "parses with incidents"
[ "$(value patronus_dr_incidents_open)" = 1 ] && ok "one open incident" || fail "incidents_open $(value patronus_dr_incidents_open)"
[ -n "$(value 'patronus_dr_drill_last_success{runbook="single-node-failure"}')" ] &&
    ok "last drill result per runbook" || { fail "no drill gauge"; grep drill "$T/samples"; }
[ "$(value 'patronus_dr_drill_rto_target_seconds{runbook="single-node-failure"}')" = 600 ] &&
    ok "drill RTO target" || fail "drill RTO target"
[ -n "$(value 'patronus_dr_drill_last_rto_achieved_seconds{runbook="single-node-failure"}')" ] &&
    ok "drill achieved RTO" || fail "drill achieved RTO"

# An off-site target that refuses connections: the set is complete here, the copy failed.
printf 'x\n' >"$T/id" && chmod 600 "$T/id" && : >"$T/known_hosts"
printf 'remote:\n  sftp:\n    url: sftp://backup@127.0.0.1:1/backup\n    identity: %s\n    known_hosts: %s\n' \
    "$T/id" "$T/known_hosts" >>"$C"
PATRONUS_DR_NOW=@$((now + 10800)) run "$PDR" --config "$C" backup --no-prune
[ "$rc" -eq 75 ] || [ "$rc" -eq 78 ] && ok "backup with an unreachable SFTP target: exit $rc" ||
    { fail "backup with an unreachable SFTP target: exit $rc"; cat "$T/err"; }
parse || fail "parses after an off-site failure"
[ "$(value 'patronus_dr_remote_copy_last_success{target="sftp"}')" = 0 ] &&
    ok "remote copy result per target: sftp 0" ||
    { fail "remote copy gauge"; grep remote "$T/samples"; }
[ "$(value patronus_dr_backup_last_success)" = 1 ] && ok "the local backup itself succeeded" ||
    fail "local backup gauge after an off-site failure"

# The parser is strict: a broken line is caught.
printf 'patronus_dr_bogus{tier=hourly} 1\n' >>"$M"
parse && fail "parser accepts a malformed sample" || ok "parser rejects a malformed sample"

finish
