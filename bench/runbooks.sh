#!/bin/sh
# runbooks.sh [BUILDDIR]: how long loading and checking every shipped runbook
# takes (target < 10 ms). A benchmark, not a test: it prints figures only.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/_build}
[ -f "$build/Makefile" ] || { echo "no configured build in $build (give BUILDDIR)" >&2; exit 66; }
make -s -C "$build" bench/bench-runbooks patronus-dr >/dev/null
echo "# in-process, runbook_set_load of $top/runbooks"
"$build/bench/bench-runbooks" "$top/runbooks" 200
echo "# whole process: patronus-dr runbooks list (startup, dr.yaml, load, print)"
cfg=$(mktemp)
trap 'rm -f "$cfg"' EXIT
printf 'runbook_dirs: [%s/runbooks]\n' "$top" >"$cfg"
start=$(date +%s%N)
i=0
while [ $i -lt 50 ]; do
	"$build/patronus-dr" --config "$cfg" runbooks list >/dev/null
	i=$((i + 1))
done
end=$(date +%s%N)
echo "runbooks list: mean $(( (end - start) / 50 / 1000 )) us over 50 runs"
