#!/bin/sh
# check-layers.sh [SRCDIR]: the layer rule of ARCHITECTURE.md as a check.
# Reads every #include "..." under SRCDIR (default: src) and fails, naming
# FILE:LINE, on an include that goes upward against
#     cli -> ui -> model -> engine -> util
# (src/main.c belongs to cli; system.h and config.h are the base every layer
# may include). An include whose folder is not a layer fails too, so a new
# folder has to be placed in the order before anything can include it. A
# file that includes the same header twice (quoted or <...>) fails too.
# Exit 0 when every include goes down or stays in its layer, once, 1 otherwise.
src=${1:-src}
[ -d "$src" ] || { echo "check-layers: no folder $src" >&2; exit 2; }

# rank PATH: the layer of a path relative to SRCDIR, or nothing when it is none.
rank() {
	case $1 in
	main.c|cli/*) echo 4 ;;
	ui/*) echo 3 ;;
	model/*) echo 2 ;;
	engine/*) echo 1 ;;
	util/*|system.h|config.h) echo 0 ;;
	esac
}

fail=0
files=$(cd "$src" && find . -type f \( -name '*.c' -o -name '*.h' \) | sed 's|^\./||' | sort)
for f in $files; do
	from=$(rank "$f")
	if [ -z "$from" ]; then
		echo "$src/$f: not in a layer (cli, ui, model, engine, util)"
		fail=1
		continue
	fi
	# the same header included twice: named at its second line
	dup=$(grep -n '^[[:space:]]*#[[:space:]]*include' "$src/$f" |
		sed 's/^\([0-9]*\):[[:space:]]*#[[:space:]]*include[[:space:]]*\([^[:space:]]*\).*/\1 \2/' |
		awk -v f="$src/$f" '{ if (seen[$2]++) print f ":" $1 ": includes " $2 " again" }')
	if [ -n "$dup" ]; then
		echo "$dup"
		fail=1
	fi
	# FILE:LINE:INCLUDED for every quoted include of the file
	out=$(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$src/$f" |
		sed 's/^\([0-9]*\):.*"\([^"]*\)".*/\1 \2/')
	[ -n "$out" ] || continue
	while read -r line inc; do
		to=$(rank "$inc")
		if [ -z "$to" ]; then
			echo "$src/$f:$line: includes \"$inc\", which is in no layer"
			fail=1
		elif [ "$to" -gt "$from" ]; then
			echo "$src/$f:$line: includes \"$inc\" from a layer above it (cli -> ui -> model -> engine -> util)"
			fail=1
		fi
	done <<EOT
$out
EOT
done
[ $fail = 0 ] && echo "check-layers: every include of $src goes down (cli -> ui -> model -> engine -> util), once"
exit $fail
