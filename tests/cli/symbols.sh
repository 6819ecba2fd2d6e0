#!/bin/sh
# symbols.sh: every global symbol that the program's libraries define starts with its module's
# prefix (STYLE.md: a global symbol says where it lives), read with nm from libpdr.a and
# libpdrcli.a; and the check fails on one that does not (main_key in tui-main.o).
. "$srcdir/tests/cli/lib.sh"

command -v nm >/dev/null 2>&1 || { echo "# SKIP: nm is not installed"; exit 77; }
B=$(dirname "$PDR")

# unprefixed: read "MEMBER SYMBOL" lines (MEMBER as libpdr_a-FILE.o), print those whose
# symbol's first word (up to "_") is neither the file's first word (up to "-") nor the
# module's known short prefix.
unprefixed() {
	awk '{
		m = $1; sub(/^libpdr(cli)?_a-/, "", m); sub(/\.o$/, "", m)
		f = m; sub(/-.*/, "", f)
		if ($2 ~ /^__/) next	# made by the compiler (__odr_asan.NAME under ASan)
		p = $2; sub(/_.*/, "", p)
		if (p == f) next
		# the short prefixes a module uses for all it exports
		if (f == "fsutil" && p == "fs") next
		if (f == "runbook" && p == "rb") next
		if (f == "str" && p == "buf") next
		if (f == "pagescan" && p == "ps") next
		if (f == "salvage" && p == "sdump") next
		if (f == "segauth" && p == "segment") next
		if (f == "timeutil" && (p == "time" || p == "duration")) next
		if (f == "xmalloc" && $2 ~ /^x/) next
		# the command line shares cmd_ (common.c, offsite.c, options.c, run-walk.c, ...)
		if (m ~ /^(common|offsite|options|run-walk|incidents-offsite)$/ && p == "cmd") next
		# restore in the command line (cmd-restore.c, restore-*.c): restore_ as in the engine
		if (m == "cmd-restore" && p == "restore") next
		# named for what they serve rather than their file:
		# the backup tiers kept by the catalogue, the stream status read by pitr
		if (f == "catalog" && $2 ~ /^backup_tier_/) next
		if (f == "pitr" && $2 ~ /^stream_status_/) next
		print m ": " $2
	}'
}

# MEMBER SYMBOL for each global symbol defined in the two libraries
nm -A -g --defined-only "$B/libpdr.a" "$B/libpdrcli.a" 2>"$T/nm.err" |
	awk 'NF == 3 { split($1, a, ":"); print a[2], $3 }' >"$T/syms"
n=$(wc -l <"$T/syms")
[ "$n" -gt 500 ] && ok "nm lists the libraries' global symbols ($n)" ||
	{ fail "nm lists $n global symbols"; cat "$T/nm.err"; }
unprefixed <"$T/syms" >"$T/bad"
if [ -s "$T/bad" ]; then
	fail "global symbols without their module's prefix: $(wc -l <"$T/bad")"
	sed 's/^/  | /' "$T/bad"
else
	ok "every global symbol starts with its module's prefix"
fi

# The check itself fails on what it is for.
printf 'libpdr_a-tui-main-keys.o main_key\nlibpdr_a-tui-main-keys.o tui_main_key\nlibpdrcli_a-cmd-incidents.o incidents_open\n' |
	unprefixed >"$T/bad2"
got=$(tr '\n' ' ' <"$T/bad2")
if [ "$got" = "tui-main-keys: main_key cmd-incidents: incidents_open " ]; then
	ok "it names a main_* function of the main screen and the cli's incidents_open"
else
	fail "the check on made-up symbols said: $got"
fi

finish
