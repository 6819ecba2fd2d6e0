#!/bin/sh
# journal-hostile.sh: a store that an attacker writes hands back an incident's chain head
# (record/ID/head.json) whose "host" carries terminal escapes: incidents fetch and incidents
# verify print it escaped, never raw (the chain does not cover head.json's host). Needs sshd.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/offsite-lib.sh"

command -v python3 >/dev/null || skip "no python3"
FIX="$top_builddir/tests/pdr-incident-fixture"
start_sshd "$T/ssh" || skip "cannot start sshd"
R="$T/sftp-root"
mkdir -p "$R"
# conf DIR: a host's dr.yaml, with the sftp store.
conf() {
	mkdir -p "$1"
	cat >"$1/dr.yaml" <<YAML
state_dir: $1/state
backup_dir: $1/backup
remote:
  sftp: {url: "sftp://$(id -un)@127.0.0.1:$SSH_PORT$R", identity: $SSH_KEY, known_hosts: $SSH_KNOWN}
YAML
}
conf "$T/a"
conf "$T/b"
export PATRONUS_DR_NO_SHIP=1
id=$(PDR_FIXTURE_HOST=host-a "$FIX" "$T/a/state" declare database-corruption drill "Database corruption" 1800 900)
PDR_FIXTURE_HOST=host-a "$FIX" "$T/a/state" event "$id" note - "a note" >/dev/null
run "$PDR" --config "$T/a/dr.yaml" incidents ship "$id"
expect_rc 0 "incidents ship"
H="$R/record/$id/head.json"
[ -f "$H" ] && ok "the store holds the chain head" || { fail "no $H"; finish; exit 1; }
# The attacker's head: the same chain head, a host with an OSC title, a clear screen and an RLO.
python3 - "$H" <<'PY'
import json, sys
p = sys.argv[1]
h = json.load(open(p))
h["host"] = "evil\u001b]0;PWNED\u0007\u001b[2J\u202etsoh"
open(p, "w").write(json.dumps(h))
PY
esc=$(printf '\033')
run "$PDR" --config "$T/b/dr.yaml" incidents fetch "$id"
expect_rc 0 "incidents fetch of the record (its chain holds)"
if grep -q "$esc" "$T/out" "$T/err"; then fail "incidents fetch printed a raw escape from the store's head"
	grep "$esc" "$T/out" "$T/err" | od -c | head -4; else ok "incidents fetch prints no raw escape"; fi
expect_match "$T/out" 'shipped by evil\\x1b\]0;PWNED\\x07\\x1b\[2J\\u\{202e\}tsoh' \
	"the store's host is shown escaped"
run "$PDR" --config "$T/b/dr.yaml" incidents verify "$id"
if grep -q "$esc" "$T/out" "$T/err"; then fail "incidents verify printed a raw escape"; else
	ok "incidents verify prints no raw escape"; fi
# A record that the store says is further on, written by that host: the fork message names it.
python3 - "$H" <<'PY'
import json, sys
p = sys.argv[1]
h = json.load(open(p))
h["seq"] = 99
open(p, "w").write(json.dumps(h))
PY
run "$PDR" --config "$T/b/dr.yaml" incidents verify "$id"
if grep -q "$esc" "$T/out" "$T/err"; then fail "incidents verify (rolled back) printed a raw escape"
	grep "$esc" "$T/out" "$T/err" | od -c | head -4; else
	ok "incidents verify of a store that claims more prints no raw escape"; fi
finish
