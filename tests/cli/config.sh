#!/bin/sh
# config.sh: dr.yaml lookup order, every key shown by `config`, malformed files refused with 78.
. "$srcdir/tests/cli/lib.sh"

# Without any file: the plan's defaults (the default path is absent on a build machine).
if [ ! -e /etc/patronus/dr.yaml ]; then
	run "$PDR" config
	expect_rc 0 "config with no settings file"
	expect_match "$T/out" '^database +/var/lib/patronus/sdwan\.db +default$' "default database"
	expect_match "$T/out" '^retention\.hourly +24 +default$' "default hourly retention"
	expect_match "$T/out" '^backup_interval +1h00m +default$' "default backup interval"
fi

cat >"$T/dr.yaml" <<'YAML'
# every key of the contract
database: /srv/p/sdwan.db
config_dir: /srv/p/etc
wireguard_dir: /srv/p/wg
backup_dir: backups
encryption_key: /srv/p/etc/key
log_file: /srv/p/log/backup.log
state_dir: /srv/p/state
runbook_dirs: [/srv/p/runbooks, local-runbooks]
backup_interval: 15m
retention: {hourly: 48, daily: 14, weekly: 8, monthly: 24}
remote:
  sftp: {url: "sftp://backup@127.0.0.1/backup/patronus", identity: /srv/p/id, known_hosts: /srv/p/kh}
  s3: {endpoint: "http://127.0.0.1:4568", bucket: pb, prefix: "host1/", region: eu-west-1}
metrics_file: /srv/p/metrics.prom
notify: {webhook: "http://127.0.0.1:9999/hook", timeout: 3s}
YAML

check_key() { # KEY VALUE LINE
	expect_match "$T/out" "^$1 +$2 +$T/dr\.yaml:$3\$" "config shows $1 from line $3"
}
run "$PDR" --config "$T/dr.yaml" config
expect_rc 0 "config with a full settings file"
check_key database /srv/p/sdwan.db 2
check_key config_dir /srv/p/etc 3
check_key wireguard_dir /srv/p/wg 4
check_key backup_dir "$T/backups" 5
check_key encryption_key /srv/p/etc/key 6
check_key log_file /srv/p/log/backup.log 7
check_key state_dir /srv/p/state 8
check_key runbook_dirs "\[/srv/p/runbooks, $T/local-runbooks\]" 9
check_key backup_interval 15m00s 10
check_key retention.hourly 48 11
check_key retention.daily 14 11
check_key retention.weekly 8 11
check_key retention.monthly 24 11
check_key remote.sftp.url sftp://backup@127.0.0.1/backup/patronus 13
check_key remote.sftp.identity /srv/p/id 13
check_key remote.sftp.known_hosts /srv/p/kh 13
check_key remote.s3.endpoint http://127.0.0.1:4568 14
check_key remote.s3.bucket pb 14
check_key remote.s3.prefix host1/ 14
check_key remote.s3.region eu-west-1 14
check_key metrics_file /srv/p/metrics.prom 15
check_key notify.webhook http://127.0.0.1:9999/hook 16
check_key notify.timeout 3s 16

# Lookup order: --config, then $PATRONUS_DR_CONFIG.
printf 'database: /from/env.db\n' >"$T/env.yaml"
PATRONUS_DR_CONFIG="$T/env.yaml" run "$PDR" config
expect_match "$T/out" '^database +/from/env\.db ' "PATRONUS_DR_CONFIG is read"
PATRONUS_DR_CONFIG="$T/env.yaml" run "$PDR" --config "$T/dr.yaml" config
expect_match "$T/out" '^database +/srv/p/sdwan\.db ' "--config wins over PATRONUS_DR_CONFIG"
PATRONUS_DR_CONFIG="$T/missing.yaml" run "$PDR" config
expect_rc 78 "a missing file named by PATRONUS_DR_CONFIG"
expect_match "$T/err" "^$T/missing\.yaml:1:1: No such file or directory\$" "missing file named"

# Malformed files: each refused with the exact place and exit 78.
bad() { # NAME LINE:COL MESSAGE-PATTERN, YAML on stdin
	cat >"$T/$1.yaml"
	run "$PDR" --config "$T/$1.yaml" config
	expect_rc 78 "malformed $1"
	expect_match "$T/err" "^$T/$1\.yaml:$2: $3" "malformed $1 points at $2"
	[ -s "$T/out" ] && fail "malformed $1 prints no settings" || ok "malformed $1 prints no settings"
}
printf 'database: /x\ndatabse: /y\n' | bad unknown-key 2:1 'unknown key "databse"'
printf 'retention:\n  hourly: 24\n  daily: seven\n' | bad bad-count 3:10 'retention\.daily: "seven" is not a count'
printf 'backup_interval: 2 hours\n' | bad bad-duration 1:18 'backup_interval: bad duration'
printf 'database: "/x\nconfig_dir: /y\n' | bad syntax 3:1 'found unexpected end of stream'
printf 'database:\n  - /a\n  - /b\n' | bad wrong-type 2:3 'database: expected a single value, found a list'
printf 'retention: 24\n' | bad section-scalar 1:12 'retention: expected a mapping of settings'
printf 'remote:\n  s3: {endpoint: "http://x", bucket: b}\n  ftp: {url: x}\n' | bad unknown-nested 3:3 'unknown key "remote\.ftp"'
printf 'state_dir: /a\nstate_dir: /b\n' | bad duplicate 2:1 'duplicate key "state_dir"'
printf 'notify:\n  timeout: 0s\n' | bad zero-timeout 2:12 'notify\.timeout: must be longer than 0s'
printf '\tdatabase: /x\n' | bad tab 1:1 'found character that cannot start any token'
# An empty path would become the settings file's folder; a tag would change the value.
printf 'database: ""\n' | bad empty-path 1:11 'database: an empty path'
printf "config_dir: ''\n" | bad empty-path-single 1:13 'config_dir: an empty path'
printf 'config_dir: !!binary L2V0Yy9wYXRyb251cw==\n' | bad binary 1:13 'config_dir: the YAML tag tag:yaml.org,2002:binary is not accepted'
printf 'backup_dir: !secret /b\n' | bad local-tag 1:13 'backup_dir: the YAML tag !secret is not accepted'
printf 'retention: {hourly: !!float 2.5}\n' | bad float-tag 1:21 'retention\.hourly: the YAML tag tag:yaml.org,2002:float'
printf 'backup_dir: !!str /b\nretention: {hourly: !!int 5}\n' >"$T/tags.yaml"
run "$PDR" --config "$T/tags.yaml" config
expect_rc 0 "!!str and !!int are accepted"

# All errors of a file, not just the first.
printf 'a: 1\nretention: {daily: x}\n' >"$T/two.yaml"
run "$PDR" --config "$T/two.yaml" config
expect_match "$T/err" "^$T/two\.yaml:1:1: unknown key" "first of two errors"
expect_match "$T/err" "^$T/two\.yaml:2:20: retention\.daily" "second of two errors"

# An unreadable file.
if [ "$(id -u)" -ne 0 ]; then
	printf 'database: /x\n' >"$T/locked.yaml"; chmod 000 "$T/locked.yaml"
	run "$PDR" --config "$T/locked.yaml" config
	expect_rc 78 "unreadable settings file"
fi
run "$PDR" --config "$T" config
expect_rc 78 "a folder as settings file"
expect_match "$T/err" "^$T:1:1: " "a folder as settings file is named"

finish
