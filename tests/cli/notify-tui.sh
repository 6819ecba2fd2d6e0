#!/bin/sh
# notify-tui.sh: run posts to notify.webhook when a drill is declared, and the TUI when
# 75% of the RTO is used and when it is breached (a drill detected 31 minutes ago, RTO 30m).
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/tui-lib.sh"
. "$srcdir/tests/cli/webhook-lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "# SKIP python3 is not installed"; exit 77; }
trap 'webhook_stop; $TM kill-server >/dev/null 2>&1; rm -rf "$T"' EXIT

D="$T/sandbox"
demo_sandbox "$D"
listen answer
printf 'notify:\n  webhook: http://127.0.0.1:%s/\n  timeout: 2s\n' "$port" >>"$D/dr.yaml"
S=n
tui_start $S 80 24 "$PDR" --config "$D/dr.yaml" run database-corruption --drill --detected -31m
tui_wait $S 'RTO .*OVER' "the TUI shows the RTO breached"
# texts TEXT: wait (10 s) for a POST whose text contains TEXT.
texts() {
	i=0
	while [ $i -lt 100 ]; do
		cat "$T"/post-*.json 2>/dev/null | grep -q -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
texts 'drill DRILL-[0-9-]*database-corruption declared: Database corruption (RTO 30m' &&
    ok "declared posted" || { fail "no 'declared' post"; cat "$T"/post-*.json; }
texts '75% of the RTO (30m[0-9s]*) used' && ok "RTO 75% posted" || { fail "no 75% post"; cat "$T"/post-*.json; }
texts 'RTO (30m[0-9s]*) breached' && ok "RTO breached posted" || { fail "no breached post"; cat "$T"/post-*.json; }
n=$(ls "$T"/post-*.json | wc -l)
[ "$n" -eq 3 ] && ok "three posts, each once" || fail "$n posts"
for f in "$T"/post-*.json; do
	sed 1d "$f" | python3 -c 'import json,sys; j=json.load(sys.stdin); assert list(j)==["text"]' ||
	    fail "not {\"text\": ...}: $(cat "$f")"
done
tui_keys $S q
tui_wait $S '^\[exit 0\]' "q leaves"

finish
