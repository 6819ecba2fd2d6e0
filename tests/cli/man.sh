#!/bin/sh
# man.sh: the man pages render without warnings (man --warnings, mandoc -T lint),
# and patronus-dr(1) documents every command, every option of --help and every exit code.
. "$srcdir/tests/cli/lib.sh"

for m in "$srcdir"/man/patronus-dr.1 "$srcdir"/man/patronus-dr.yaml.5 "$srcdir"/man/patronus-dr-runbook.5; do
	n=$(basename "$m")
	if command -v mandoc >/dev/null 2>&1; then
		run mandoc -T lint -W warning "$m"
		[ "$rc" -eq 0 ] && [ ! -s "$T/out" ] && [ ! -s "$T/err" ] && ok "mandoc -T lint: $n" ||
		    { fail "mandoc -T lint: $n"; cat "$T/out" "$T/err" | head; }
	else
		echo "# SKIP mandoc -T lint $n: mandoc is not installed"
	fi
	if command -v man >/dev/null 2>&1; then
		for w in 80 132; do
			MANWIDTH=$w run man --warnings -l "$m"
			[ "$rc" -eq 0 ] && [ ! -s "$T/err" ] && ok "man --warnings at $w columns: $n" ||
			    { fail "man --warnings at $w columns: $n"; head "$T/err"; }
		done
	else
		echo "# SKIP man --warnings $n: man is not installed"
	fi
done

# Every command's options, from its --help, appear in patronus-dr(1).
man1="$srcdir/man/patronus-dr.1"
for c in $("$PDR" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'); do
	"$PDR" "$c" --help >"$T/h" 2>&1
	# Options: those of the usage line and those that begin a line of the list.
	for o in $( { sed -n 1p "$T/h"; grep -E '^ +(-[a-zA-Z], )?--' "$T/h"; } |
	    grep -oE -- '--[a-z][a-z-]+' | sort -u); do
		[ "$o" = --help ] && continue
		grep -q -- "Fl -${o#--}" "$man1" && ok "$c $o documented" || fail "$c $o not in patronus-dr(1)"
	done
done
# And the other way: every option patronus-dr(1) names is one of the program's
# (its global options, or a command's usage line and option list): none removed
# from a command's option table is still documented.
{ "$PDR" --help | sed -n '/^Options:/,/^$/p'
  for c in $("$PDR" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'); do
	"$PDR" "$c" --help >"$T/h" 2>&1
	sed -n '1,2p' "$T/h"; grep -E '^ +(-[a-zA-Z], )?--' "$T/h"
  done; } | grep -oE -- '--[a-z][a-z-]+' | sort -u >"$T/opts"
grep -oE 'Fl -[a-z][a-z-]+' "$man1" | sed 's/^Fl -/--/' | sort -u >"$T/manopts"
comm -13 "$T/opts" "$T/manopts" >"$T/extra"
[ -s "$T/opts" ] && [ ! -s "$T/extra" ] && ok "every option in patronus-dr(1) is one of the program's" ||
    fail "patronus-dr(1) names options no command has: $(tr '\n' ' ' <"$T/extra")"

for x in 0 1 64 65 66 73 74 77 78; do
	grep -q "^\.It $x\$" "$man1" && ok "exit $x documented" || fail "exit $x not in EXIT STATUS"
done
for s in FILES EXAMPLES 'EXIT STATUS' ENVIRONMENT; do
	grep -q "^\.Sh $s\$" "$man1" && ok "section $s" || fail "no section $s"
done

finish
