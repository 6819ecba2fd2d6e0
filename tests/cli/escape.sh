#!/bin/sh
# escape.sh: untrusted text never reaches the terminal raw. Runbook titles, descriptions and
# checklist items (runbooks list/show), paths in config, archive member names in restore's
# output and in its errors carry ESC, OSC title and OSC 52 clipboard writes, clear-screen
# and forged lines; each comes out as visible \xNN / \n escapes. A FIFO or a symbolic link
# in a runbook folder is refused without hanging.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/backup-fixture.sh"

# raw FILE DESC: FILE holds no ESC, BEL, CSI (0x9b) or carriage return.
raw() {
	if LC_ALL=C grep -q "$(printf '[\033\007\015\233]')" "$1"; then
		fail "$2: raw control bytes reach the terminal"; od -c "$1" | grep -m3 '033\|007'
	else ok "$2: no raw control byte"; fi
}

mkdir "$T/rb"
# YAML double-quoted escapes put the bytes into the strings.
cat >"$T/rb/evil.yaml" <<'YAML'
id: evil
title: "Evil \e]0;pwned\a\e]52;c;cm0gLXJmIC8K\a\e[2J title\nFAKE: all steps done"
rto: 1h
description: "line one\e[31m red\nline two\e[0m"
steps:
  - id: s1
    title: "step \e[5mblink"
    expect: 5m
    checklist:
      - "item \e]52;c;ZXZpbA==\a clipboard"
      - "item \x9b31m csi"
YAML
printf 'runbook_dirs: [%s/rb]\n' "$T" >"$T/dr.yaml"
run "$PDR" --config "$T/dr.yaml" runbooks list
expect_rc 0 "runbooks list with a hostile title"
raw "$T/out" "runbooks list"
expect_match "$T/out" 'Evil \\x1b\]0;pwned\\x07\\x1b\]52;c;cm0gLXJmIC8K\\x07\\x1b\[2J title\\nFAKE' \
	"the title's escapes and newline are shown, not obeyed"
expect_no_match "$T/out" '^FAKE' "no forged line in the list"
run "$PDR" --config "$T/dr.yaml" runbooks show evil
expect_rc 0 "runbooks show of the hostile runbook"
raw "$T/out" "runbooks show"
expect_match "$T/out" '^ +\[ \] item \\x1b\]52;c;ZXZpbA==\\x07 clipboard$' "a checklist item's OSC 52 is shown"
expect_match "$T/out" 'item \\u\{009b\}31m csi' "a C1 CSI is shown"
expect_match "$T/out" '^line one\\x1b\[31m red$' "description lines keep their line breaks, escaped within"
expect_no_match "$T/out" '^FAKE' "no forged line"

# A FIFO and a symbolic link in the runbook folder: refused, runbooks list does not hang.
mkfifo "$T/rb/fifo.yaml"
ln -s /etc/passwd "$T/rb/link.yaml"
run timeout 20 "$PDR" --config "$T/dr.yaml" runbooks list
[ "$rc" != 124 ] && ok "runbooks list does not hang on a FIFO (exit $rc)" || fail "runbooks list hung on a FIFO"
expect_match "$T/err" 'fifo\.yaml: not a regular file' "the FIFO is named and refused"
expect_match "$T/err" 'link\.yaml: a symbolic link; not followed' "the link is named and refused"
expect_match "$T/out" '^evil ' "the good runbook is still listed"
rm -f "$T/rb/fifo.yaml" "$T/rb/link.yaml"
# dr.yaml, and a file check config reads, that are FIFOs: named and refused, no hang.
mkfifo "$T/fifo-dr.yaml"
run timeout 20 "$PDR" --config "$T/fifo-dr.yaml" config
expect_rc 78 "a FIFO as dr.yaml is refused (not a hang)"
expect_match "$T/err" 'fifo-dr\.yaml:1:1: not a regular file' "named as not a regular file"
rm -f "$T/fifo-dr.yaml"

# config: a path with control characters.
make_host "$T/h"
C="$T/h/dr.yaml"
printf 'runbook_dirs: ["%s/rb\\e]0;x\\a"]\n' "$T" >>"$C"
run "$PDR" --config "$C" config
expect_rc 0 "config with a hostile path"
raw "$T/out" "config"
expect_match "$T/out" 'rb\\x1b\]0;x\\x07' "the path's escape is shown"

# restore: archive member names with escapes, in the list of changes and in a refusal.
CFG="$T/h/etc/patronus"
evil=$(printf 'evil\033[2J\033]0;t\007name')
echo x >"$CFG/$evil"
run "$PDR" --config "$C" backup --no-prune
expect_rc 0 "backup of a config tree with a hostile file name"
raw "$T/out" "backup's output"
rm "$CFG/$evil"
run "$PDR" --config "$C" restore config --yes
expect_rc 0 "restore config"
raw "$T/out" "restore's list of changes"
expect_match "$T/out" '^\+ .*/evil\\x1b\[2J\\x1b\]0;t\\x07name$' "the added name is shown escaped"
[ -f "$CFG/$evil" ] && ok "and the file itself is back under its real name" || fail "file not restored"
# A refused archive whose member name carries escapes: the error is escaped too.
set -- "$T"/h/backup/patronus/*/patronus-*.db
SET=$1
python3 - "$T/bad.tar.gz" "${CFG#/}" <<'PY'
import io, sys, tarfile
out = tarfile.open(sys.argv[1], "w:gz", format=tarfile.GNU_FORMAT)
ti = tarfile.TarInfo(sys.argv[2]); ti.type = tarfile.DIRTYPE; out.addfile(ti)
ti = tarfile.TarInfo(sys.argv[2] + "/../../\x1b]0;owned\x07\x1b[2J"); ti.size = 2
out.addfile(ti, io.BytesIO(b"x\n"))
out.close()
PY
cp "$T/bad.tar.gz" "${SET%.db}-config.tar.gz"
run "$PDR" --config "$C" verify "$SET"
expect_rc 1 "verify of the doctored set fails"
raw "$T/out" "verify's lines"
run "$PDR" --config "$C" restore config --yes --from "$SET"
[ "$rc" != 0 ] && ok "restore refuses it (exit $rc)" || fail "restored"
raw "$T/err" "restore's error"

# A log line carries a name with a newline in it (a stale restore folder beside the config):
# the name's second line must not stand as a message of its own.
mkdir "$(dirname "$CFG")/.$(basename "$CFG").restore-x
ERROR: backup FAILED: forged line"
sleep 1
run "$PDR" --config "$C" backup --no-prune
expect_rc 0 "a good set after the doctored one"
run "$PDR" --config "$C" restore config --yes
expect_rc 0 "restore config beside a stale folder whose name holds a newline"
expect_match "$T/err" 'interrupted restore' "the stale folder is named"
expect_no_match "$T/err" '^ERROR: backup FAILED' "no forged line of its own in the log"
LOG=$(sed -n 's/^log_file: *//p' "$C")
[ -z "$LOG" ] || expect_no_match "$LOG" '^ERROR: backup FAILED' "nor in the log file"

finish
