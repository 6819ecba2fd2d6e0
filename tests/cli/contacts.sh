#!/bin/sh
# contacts.sh: the plan's Recovery Contacts in dr.yaml (#17): parsed by role, shown by
# `config`, bad keys refused at FILE:LINE:COLUMN with 78, and `runbooks lint` warning
# about a runbook role that has no contact.
. "$srcdir/tests/cli/lib.sh"

cat >"$T/dr.yaml" <<EOF
state_dir: $T/state
contacts:
  Incident Commander: {primary: "Alice Example <alice@example.com>", secondary: Bob, phone: "+49 30 1234567", chat: "#patronus-incident"}
  database administrator:
    primary: Carol
  Network Engineer: {primary: Dan}
  Operations Team: {primary: Erin}
  Communications Lead: {primary: Frank}
EOF
run "$PDR" --config "$T/dr.yaml" config
expect_rc 0 "config with contacts"
expect_match "$T/out" '^contacts: Incident Commander$' "the role is listed"
expect_match "$T/out" "Alice Example <alice@example.com> +$T/dr.yaml:3\$" "primary with where it was set"
expect_match "$T/out" '^ +Bob$' "secondary"
expect_match "$T/out" '\+49 30 1234567  #patronus-incident' "phone and chat"
expect_match "$T/out" '^contacts: database administrator$' "a second role"

# lint: the security incident names Security Team, which has no contact; the role
# written in another case ("database administrator") still matches.
run "$PDR" --config "$T/dr.yaml" runbooks lint "$srcdir/runbooks/security-incident.yaml"
expect_rc 0 "lint warns but passes"
expect_match "$T/err" 'security-incident.yaml:[0-9]+:[0-9]+: warning: role "Security Team" has no contact in .*dr.yaml \(contacts:\)' \
    "a role without a contact is named at its first step"
[ "$(grep -c 'role "Security Team"' "$T/err")" = 1 ] && ok "once per role" || fail "warned $(grep -c 'role "Security Team"' "$T/err") times"
expect_no_match "$T/err" 'role "Database Administrator"' "the role matches its contact ignoring case"
expect_no_match "$T/err" 'role "Incident Commander"' "a role with a contact is not named"
run "$PDR" --config "$T/dr.yaml" runbooks lint --strict "$srcdir/runbooks/security-incident.yaml"
expect_rc 1 "lint --strict fails on the missing contact"

# Without contacts: nothing is said about roles.
printf 'state_dir: %s\n' "$T/state" >"$T/plain.yaml"
run "$PDR" --config "$T/plain.yaml" runbooks lint "$srcdir/runbooks/security-incident.yaml"
expect_no_match "$T/err" 'has no contact' "no contacts configured: no role warnings"

# The report lists each role: who acted in its steps, and how to reach its holders.
FIX="$top_builddir/tests/pdr-incident-fixture"
id=$(SUDO_USER=carol "$FIX" "$T/state" declare failover-drill drill "Quarterly failover test" 7200 3600)
SUDO_USER=dave "$FIX" "$T/state" event "$id" step-started schedule "Schedule test" >/dev/null
SUDO_USER=erin "$FIX" "$T/state" event "$id" step-started failover.declare "Declare disaster" >/dev/null
run "$PDR" --config "$T/dr.yaml" report "$id"
expect_rc 0 "report of a drill with roles"
expect_match "$T/out" '^## Roles$' "the report has a Roles section"
expect_match "$T/out" '^- \*\*Incident Commander:\*\* in its steps: erin; contact: Alice Example &lt;alice@example.com&gt; \(primary\), Bob \(secondary\), \+49 30 1234567, \\#patronus-incident$' \
    "the Incident Commander: who acted, and the contact escaped for Markdown"
expect_match "$T/out" '^- \*\*Communications Lead:\*\* in its steps: dave; contact: Frank \(primary\)$' "the Communications Lead"
expect_match "$T/out" '^- \*\*Security Team:\*\*|^- \*\*Database Administrator:\*\* in its steps: nobody recorded; contact: Carol \(primary\)$' \
    "a role nobody acted in, matched to its contact ignoring case"
run "$PDR" --config "$T/dr.yaml" report "$id" --format html
expect_match "$T/out" '<td>Incident Commander</td><td>erin</td><td>Alice Example &lt;alice@example.com&gt; \(primary\)' "the HTML report has the roles table"

# Bad contacts: exit 78 at FILE:LINE:COLUMN, every one of them.
cat >"$T/bad.yaml" <<'EOF'
contacts:
  Incident Commander: {primary: Alice, pager: "555"}
  Security Team: "Mallory"
  Operations Team:
    primary: [a, b]
    primary: Eve
EOF
run "$PDR" --config "$T/bad.yaml" config
expect_rc 78 "bad contacts are a configuration error"
expect_match "$T/err" 'bad.yaml:2:40: contacts.Incident Commander: unknown key "pager"' "an unknown key at its place"
expect_match "$T/err" 'bad.yaml:3:18: contacts.Security Team: expected a mapping' "a role that is not a mapping"
expect_match "$T/err" 'bad.yaml:5:14: primary: expected a single value, found a list' "a list where a text is expected"
expect_match "$T/err" 'bad.yaml:6:5: contacts.Operations Team: duplicate key "primary"' "a duplicate key"
printf 'contacts: [Alice]\n' >"$T/bad2.yaml"
run "$PDR" --config "$T/bad2.yaml" config
expect_rc 78 "contacts as a list"
expect_match "$T/err" 'bad2.yaml:1:11: contacts: expected a mapping of role names' "named"

finish
