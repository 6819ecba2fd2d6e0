#!/bin/sh
# journal-hostile.sh: what a store that an attacker writes hands back of the incident record.
# A chain head (record/ID/head.json) whose "host" carries terminal escapes: incidents fetch
# and incidents verify print it escaped, never raw (the chain does not cover the host). A
# record the attacker made and shipped (a chain that holds, as anyone can make one): a host
# with the encryption key refuses it, since its head is not signed with that key; a host
# without the key installs it saying NOT AUTHENTICATED. Needs sshd.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/offsite-lib.sh"

command -v python3 >/dev/null || skip "no python3"
FIX="$top_builddir/tests/pdr-incident-fixture"
start_sshd "$T/ssh" || skip "cannot start sshd"
R="$T/sftp-root"
mkdir -p "$R"
# The site's encryption key, which hosts a and b have; the attacker has another.
(umask 077; printf 'journal-test-key-%s\n' "$$" >"$T/site.key"; printf 'attacker-key-%s-xyz\n' "$$" >"$T/evil.key")
# conf DIR [KEY]: a host's dr.yaml, with the sftp store (and the key file KEY).
conf() {
	mkdir -p "$1"
	cat >"$1/dr.yaml" <<YAML
state_dir: $1/state
backup_dir: $1/backup
encryption_key: ${2:-$1/no-key}
remote:
  sftp: {url: "sftp://$(id -un)@127.0.0.1:$SSH_PORT$R", identity: $SSH_KEY, known_hosts: $SSH_KNOWN}
YAML
}
conf "$T/a" "$T/site.key"
conf "$T/b" "$T/site.key"
export PATRONUS_DR_NO_SHIP=1
id=$(PDR_FIXTURE_HOST=host-a "$FIX" "$T/a/state" declare database-corruption drill "Database corruption" 1800 900)
PDR_FIXTURE_HOST=host-a "$FIX" "$T/a/state" event "$id" note - "a note" >/dev/null
run "$PDR" --config "$T/a/dr.yaml" incidents ship "$id"
expect_rc 0 "incidents ship"
H="$R/record/$id/head.json"
[ -f "$H" ] && ok "the store holds the chain head" || { fail "no $H"; finish; exit 1; }
cp "$H" "$T/head.orig"
grep -q '"hmac":"[0-9a-f]\{64\}"' "$H" && ok "the head is signed (hmac)" || fail "the head has no hmac: $(cat "$H")"
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
expect_match "$T/out" "holds a head of $id that is not signed with this host's key: not taken as a witness" \
	"a head the attacker moved on is not taken as a witness (with the key)"
expect_no_match "$T/out" 'ROLLED BACK' "and raises no false 'rolled back'"
# --- the witness still catches what it is for: host b behind a signed head ------------------
cp "$T/head.orig" "$H"
PDR_FIXTURE_HOST=host-a "$FIX" "$T/a/state" event "$id" note - "a later note" >/dev/null
run "$PDR" --config "$T/a/dr.yaml" incidents ship "$id"
expect_rc 0 "host a ships a later note (a new signed head)"
run "$PDR" --config "$T/b/dr.yaml" incidents verify "$id"
expect_rc 1 "host b, behind it, is told its record is not the witness's"
expect_match "$T/out" 'ROLLED BACK' "a signed head further on: ROLLED BACK"
run "$PDR" --config "$T/b/dr.yaml" incidents fetch "$id"
expect_rc 0 "host b catches up"
cp "$H" "$T/head.orig"
# --- a record the attacker made and shipped to the store -------------------------------------
cp "$T/head.orig" "$H"
# A fabricated drill of the quarterly failover test, closed, shipped by a host of the
# attacker's (its own state_dir; without the site's key, then with a key of its own).
for how in nokey otherkey; do
	if [ "$how" = nokey ]; then conf "$T/evil-$how"; else conf "$T/evil-$how" "$T/evil.key"; fi
	fid=$(PDR_FIXTURE_HOST=host-a "$FIX" "$T/evil-$how/state" declare failover-drill drill "Quarterly failover test" 7200 3600)
	PDR_FIXTURE_HOST=host-a "$FIX" "$T/evil-$how/state" close "$fid" >/dev/null
	run "$PDR" --config "$T/evil-$how/dr.yaml" incidents ship "$fid"
	expect_rc 0 "$how: the attacker ships a record of its own making"
	run "$PDR" --config "$T/b/dr.yaml" incidents fetch "$fid"
	[ "$rc" -ne 0 ] && ok "$how: a host with the key refuses it (exit $rc)" || fail "$how: fetched"
	expect_match "$T/out" "$fid: from sftp: NOT fetched: .*the head of $fid is not signed" \
		"$how: and says its head is not signed with the key"
	run "$PDR" --config "$T/b/dr.yaml" incidents list
	expect_no_match "$T/out" "$fid" "$how: the fabricated drill is not in the record"
	rm -rf "$R/record/$fid"
done
# Everything the store keeps, at once: the genuine record comes, a fabricated one does not.
fid=$(PDR_FIXTURE_HOST=host-a "$FIX" "$T/evil-nokey/state" declare failover-drill drill "Quarterly failover test" 7200 3600)
PDR_FIXTURE_HOST=host-a "$FIX" "$T/evil-nokey/state" close "$fid" >/dev/null
run "$PDR" --config "$T/evil-nokey/dr.yaml" incidents ship "$fid"
conf "$T/c" "$T/site.key"
run "$PDR" --config "$T/c/dr.yaml" incidents fetch
expect_match "$T/out" "^$id: from sftp .* the chain holds" "fetch of all: the genuine record comes"
expect_match "$T/out" "^$fid: from sftp: NOT fetched" "fetch of all: the fabricated one does not"
run "$PDR" --config "$T/c/dr.yaml" drills failover-drill
expect_no_match "$T/out" "$fid" "the drill history has no fabricated failover test"
# A host without the key cannot tell: it says so on the first line.
conf "$T/d"
run "$PDR" --config "$T/d/dr.yaml" incidents fetch "$id"
expect_match "$T/out" '^NOT AUTHENTICATED: key file .*: what is fetched is installed without knowing who shipped it' \
	"a host without the key says the record is not authenticated"
# A record shipped before heads were signed (or without the key): `incidents ship` with the
# key signs the head the store has, and a host with the key then fetches it.
conf "$T/f"
gid=$(PDR_FIXTURE_HOST=host-f "$FIX" "$T/f/state" declare database-corruption incident "Database corruption" 1800 900)
run "$PDR" --config "$T/f/dr.yaml" incidents ship "$gid"
expect_match "$T/out" 'the heads go unsigned' "shipped without the key: it says the heads go unsigned"
run "$PDR" --config "$T/b/dr.yaml" incidents fetch "$gid"
[ "$rc" -ne 0 ] && ok "its unsigned head is refused by a host with the key" || fail "unsigned head fetched"
conf "$T/f" "$T/site.key"
run "$PDR" --config "$T/f/dr.yaml" incidents ship
expect_rc 0 "incidents ship (every incident) with the key"
grep -q '"hmac"' "$R/record/$gid/head.json" && ok "the store's head is signed now, no new event needed" ||
	fail "the head is still unsigned"
run "$PDR" --config "$T/b/dr.yaml" incidents fetch "$gid"
expect_rc 0 "a host with the key fetches it now"
# A key others can read stops the fetch (77), as it stops a restore.
cp "$T/site.key" "$T/open.key"; chmod 644 "$T/open.key"
conf "$T/e" "$T/open.key"
run "$PDR" --config "$T/e/dr.yaml" incidents fetch "$id"
expect_rc 77 "a key file others can read stops incidents fetch"
finish
