#!/bin/sh
# notify.sh: with notify.webhook set, a failed backup POSTs {"text": ...} to a
# listener on loopback; a webhook that never answers does not hold the backup
# up beyond notify.timeout.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/backup-fixture.sh"
. "$srcdir/tests/cli/webhook-lib.sh"

command -v python3 >/dev/null 2>&1 || { echo "# SKIP python3 is not installed"; exit 77; }
make_host "$T/h"
C="$T/h/dr.yaml"
trap 'webhook_stop; rm -rf "$T"' EXIT

listen answer
cp "$C" "$T/ok.yaml"
printf 'notify:\n  webhook: http://127.0.0.1:%s/hooks/pdr\n  timeout: 2s\n' "$port" >>"$C"

# A good backup sends nothing.
run "$PDR" --config "$C" backup
expect_rc 0 "backup succeeds"

# A failed backup (the database is gone) sends one notification.
mv "$T/h/var/lib/patronus/sdwan.db" "$T/h/var/lib/patronus/sdwan.db.away"
run "$PDR" --config "$C" backup
expect_rc 66 "backup without its database fails"
if wait_file "$T/post-1.json"; then
	ok "the webhook received a POST"
	sed -n 1p "$T/post-1.json" | grep -q '^application/json' && ok "Content-Type application/json" ||
	    fail "Content-Type: $(sed -n 1p "$T/post-1.json")"
	sed 1d "$T/post-1.json" >"$T/body.json"
	python3 - "$T/body.json" "$T/h/var/lib/patronus/sdwan.db" >"$T/check" 2>&1 <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert list(j) == ["text"], "keys %r" % list(j)
t = j["text"]
assert t.startswith("patronus-dr on "), t
assert "backup FAILED" in t, t
assert sys.argv[2] in t, "cause does not name the database: " + t
print(t)
PY
	[ $? -eq 0 ] && ok "JSON {\"text\": ...} names the failure: $(cat "$T/check")" ||
	    { fail "notification body"; cat "$T/check" "$T/body.json"; }
else
	fail "no POST within 10 s"
fi
sleep 0.5
[ ! -f "$T/post-2.json" ] && ok "exactly one notification (none for the good backup)" ||
    fail "more than one notification"

# A webhook that accepts and never answers: the backup is not held up (timeout 2s, bound 8s).
listen mute
mv "$T/h/var/lib/patronus/sdwan.db.away" "$T/h/var/lib/patronus/sdwan.db"
cp "$T/ok.yaml" "$C"
printf 'notify:\n  webhook: http://127.0.0.1:%s/hooks/pdr\n  timeout: 2s\n' "$port" >>"$C"
chmod 644 "$T/h/etc/patronus/backup-encryption-key"
start=$(date +%s)
run "$PDR" --config "$C" backup
end=$(date +%s)
expect_rc 77 "backup with an unsafe key fails"
[ $((end - start)) -le 8 ] && ok "a mute webhook does not hold the backup up ($((end - start)) s <= 8 s)" ||
    fail "backup took $((end - start)) s with a mute webhook (timeout 2 s)"
# And its output is not held open by the sender: command substitution returns too.
start=$(date +%s)
out=$("$PDR" --config "$C" backup 2>&1)
end=$(date +%s)
[ $((end - start)) -le 8 ] && ok "stdout/stderr not held open by the sender" ||
    fail "command substitution waited $((end - start)) s"

finish
