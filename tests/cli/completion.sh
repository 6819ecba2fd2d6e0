#!/bin/sh
# completion.sh: the bash completion (completion/patronus-dr.bash) offers exactly
# each command's options, those its --help lists (made from the command's option
# table, src/cli/options.c), and no option where an option's value is expected.
. "$srcdir/tests/cli/lib.sh"

if ! command -v bash >/dev/null 2>&1; then
	echo "SKIP: bash is not installed"
	exit 77
fi
comp="$srcdir/completion/patronus-dr.bash"

# What _patronus_dr offers for the last of the words given, sorted, one a line.
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _patronus_dr
	    printf "%s\n" "${COMPREPLY[@]}"' complete "$comp" "$@" 2>/dev/null | sort -u
}

# Whether the completion ($comp) offers exactly command $1's options ($T/want, $T/got).
same_options() {
	"$PDR" "$1" --help >"$T/h" 2>&1
	# the options: each line of the list begins with one
	{ echo --help; sed -nE 's/^  (-[a-zA-Z0-9], )?(--[a-z][a-z-]*).*/\2/p' "$T/h"; } |
	    sort -u >"$T/want"
	complete_words "$PDR" "$1" -- | grep -- '^--' >"$T/got"
	cmp -s "$T/want" "$T/got"
}

for c in $("$PDR" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'); do
	if same_options "$c"; then
		ok "$c: completes its $(($(wc -l <"$T/want") - 1)) options"
	else
		fail "$c: the completion's options differ from --help (< help, > completion):"
		diff "$T/want" "$T/got" | grep '^[<>]' | sed 's/^/  | /'
	fi
	# after an option that wants a value, no option is offered
	for o in $(sed -nE 's/^  (-[a-zA-Z0-9], )?(--[a-z][a-z-]*) [A-Z].*/\2/p' "$T/h"); do
		complete_words "$PDR" "$c" "$o" "" >"$T/val"
		if grep -q -- '^-' "$T/val"; then
			fail "$c $o VALUE: options offered for the value: $(tr '\n' ' ' <"$T/val")"
		else
			ok "$c $o VALUE: no option offered"
		fi
	done
done

# The global options, before the command: those of the program's --help.
"$PDR" --help | sed -nE '/^Options:/,/^$/s/^  (-[a-zA-Z0-9], )?(--[a-z][a-z-]*).*/\2/p' |
    sort -u >"$T/want"
complete_words "$PDR" -- >"$T/got"
if [ -s "$T/want" ] && cmp -s "$T/want" "$T/got"; then
	ok "global: completes its $(wc -l <"$T/want") options"
else
	fail "global: the completion's options differ from --help (< help, > completion):"
	diff "$T/want" "$T/got" | grep '^[<>]' | sed 's/^/  | /'
fi

# The check can fail: a completion that forgot one option is caught.
sed 's/opts="--dry-run --remote --wait --keep"/opts="--dry-run --remote --wait"/' "$comp" \
    >"$T/short.bash"
comp="$T/short.bash"
same_options prune && fail "a completion without prune --keep passes the check" ||
    ok "a completion without prune --keep fails the check"

finish
