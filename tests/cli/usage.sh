#!/bin/sh
# usage.sh: --help, --version, usage errors and their exit codes.
. "$srcdir/tests/cli/lib.sh"

run "$PDR" --version
expect_rc 0 "--version"
expect_match "$T/out" '^patronus-dr [0-9]+\.[0-9]+\.[0-9]+$' "--version prints name and version"

run "$PDR" --help
expect_rc 0 "--help"
expect_match "$T/out" '^Usage: patronus-dr ' "--help starts with usage"
expect_match "$T/out" '^  config ' "--help lists config"
expect_match "$T/out" '78 bad configuration' "--help lists exit codes"

run "$PDR"
expect_rc 64 "no command"
expect_match "$T/err" 'no command given' "no command: says so"
expect_match "$T/err" '^Usage:' "no command: usage on stderr"

run "$PDR" frobnicate
expect_rc 64 "unknown command"
expect_match "$T/err" 'unknown command "frobnicate"' "unknown command is named"
[ -s "$T/out" ] && fail "unknown command prints nothing on stdout" || ok "unknown command prints nothing on stdout"

run "$PDR" --bogus config
expect_rc 64 "unknown global option"
expect_match "$T/err" 'unknown option.*--bogus' "unknown global option is named"

run "$PDR" --config
expect_rc 64 "--config without its argument"

run "$PDR" config --bogus
expect_rc 64 "unknown command option"
expect_match "$T/err" '^Usage: patronus-dr config' "command usage on stderr"

run "$PDR" config extra-arg
expect_rc 64 "unexpected argument"

for cmd in $("$PDR" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p'); do
	run "$PDR" "$cmd" --help
	expect_rc 0 "$cmd --help"
	expect_match "$T/out" "^Usage: patronus-dr $cmd" "$cmd --help shows its usage"
	grep -q "^\.It Cm $cmd" "$srcdir/man/patronus-dr.1" && ok "man page documents $cmd" ||
		fail "man page documents $cmd"
done

# German, from po/de.po compiled here (a .gmo left in a build tree may be stale).
mkdir -p "$T/locale/de/LC_MESSAGES"
# with the translations a branch left for the lead to merge (po/de-*.pending.po), as po.sh does
set -- "$srcdir"/po/de-*.pending.po
if [ -f "$1" ]; then msgcat --use-first -o "$T/de.po" "$srcdir/po/de.po" "$@"
else cp "$srcdir/po/de.po" "$T/de.po"; fi
if msgfmt -o "$T/locale/de/LC_MESSAGES/patronus-dr.mo" "$T/de.po"; then
	PATRONUS_DR_LOCALEDIR="$T/locale" LANGUAGE=de run "$PDR" --help
	expect_rc 0 "German --help"
	expect_match "$T/out" '^Aufruf: patronus-dr ' "LANGUAGE=de --help prints German"
	expect_match "$T/out" 'Befehle:' "German command list"
	expect_no_match "$T/out" '^Commands:' "no English heading left in German --help"
	"$PDR" --help | grep '^  [a-z]' >"$T/english"
	if grep -Fxf "$T/english" "$T/out" >"$T/same"; then
		fail "every command summary and option in --help is German:"; sed 's/^/  | /' "$T/same"
	else
		ok "every command summary and option in --help is German"
	fi
else
	fail "po/de.po compiles"
fi

finish
