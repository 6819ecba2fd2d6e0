#!/bin/sh
# salvage.sh [DIV]: how many rows a salvage gets back from a damaged database,
# for a catalogue of kinds of damage done to a database like a Patronus
# controller's (241,600 rows / DIV, about 55 MB at DIV 1): per case the rows
# byte-identical to the original recovered by `patronus-dr assess`, by stock
# `sqlite3 .dump` and, where the sqlite3 at hand has a working `.recover`
# (SQLITE_ENABLE_DBPAGE_VTAB; Debian's lacks it), by `.recover` (its tables;
# "+N" its lost_and_found), and the rows each invented. The .dump script's
# closing "ROLLBACK; -- due to errors" is turned into COMMIT, or nothing of a
# damaged file would load. ex and secs: the exit status and wall time of
# assess. Printed, never asserted.
set -u
div=${1:-1}
top=$(cd "$(dirname "$0")/.." && pwd)
PDR=${PDR:-$top/_build/patronus-dr}
. "$top/tests/cli/salvage-lib.sh"
W=$(mktemp -d "${TMPDIR:-/tmp}/pdr-bench-salvage.XXXXXX")
trap 'rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
printf 'state_dir: %s/state\ndatabase: %s/x.db\n' "$W" "$W" >"$W/dr.yaml"

salvage_gen "$W/orig.db" "$div"
total=$(salvage_compare "$W/orig.db" "$W/orig.db" | cut -d' ' -f1)
O=$W/orig.db
PS=4096
pages() { salvage_pages "$O" "$1"; }
first() { pages "$1" | head -n 1; }
root() { sqlite3 "$O" "SELECT rootpage FROM sqlite_schema WHERE name = '$1'"; }
# zero PAGE...: zero those pages of the copy (none given: the case has no such page).
zero() { for _p in "$@"; do salvage_zero_page "$W/x.db" "$_p"; done; }
npages=$(sqlite3 "$O" "PRAGMA page_count")
recover_ok=no
sqlite3 "$O" ".recover" >/dev/null 2>&1 && sqlite3 "$O" ".recover" 2>&1 | grep -q '^INSERT' &&
	recover_ok=yes

# One case: a name and the shell commands that damage $W/x.db.
case_run() {
	name=$1 damage=$2
	cp "$O" "$W/x.db"
	eval "$damage"
	rm -rf "$W/state" "$W"/a.db "$W"/d.db "$W"/r.db "$W"/*.sql*
	t0=$(date +%s.%N)
	"$PDR" --config "$W/dr.yaml" assess --dump -o "$W/a.sql" "$W/x.db" >"$W/a.out" 2>&1
	arc=$?
	secs=$(echo "$(date +%s.%N) - $t0" | bc)
	sqlite3 "$W/a.db" <"$W/a.sql" >/dev/null 2>&1
	a=$(salvage_compare "$O" "$W/a.db")
	alf=$(sqlite3 "$W/a.db" "SELECT count(*) FROM lost_and_found" 2>/dev/null || echo 0)
	sqlite3 "$W/x.db" .dump 2>/dev/null | sed 's/^ROLLBACK; -- due to errors$/COMMIT;/' |
	    sqlite3 "$W/d.db" >/dev/null 2>&1
	d=$(salvage_compare "$O" "$W/d.db")
	if [ $recover_ok = yes ]; then
		sqlite3 "$W/x.db" .recover 2>/dev/null | sqlite3 "$W/r.db" >/dev/null 2>&1
		r=$(salvage_compare "$O" "$W/r.db")
		rlf=$(sqlite3 "$W/r.db" "SELECT count(*) FROM lost_and_found" 2>/dev/null || echo 0)
		rs="${r% *}+$rlf"
		ri="${r#* }"
	else
		rs=n/a ri=n/a
	fi
	printf '%-44s %3s %5.1f %8s+%-6s %4s %8s %4s %12s %4s\n' "$name" "$arc" "$secs" \
	    "${a% *}" "$alf" "${a#* }" "${d% *}" "${d#* }" "$rs" "$ri"
}

echo "# $total rows in the original, $npages pages of $PS bytes; .recover: $recover_ok"
printf '%-44s %3s %5s %15s %4s %8s %4s %12s %4s\n' "damage" "ex" "secs" "assess(+l&f)" \
    "inv" ".dump" "inv" ".recover" "inv"
case_run "none" ":"
case_run "truncated by one page (free tail)" \
    "truncate -s $(( (npages - 1) * PS )) \$W/x.db"
case_run "truncated to 90 %" "truncate -s $(( npages * 9 / 10 * PS )) \$W/x.db"
case_run "header page count halved" \
    "python3 -c 'import sys; f=open(sys.argv[1],\"r+b\"); f.seek(28); f.write(($npages // 2).to_bytes(4,\"big\"))' \$W/x.db"
case_run "100-byte header zeroed" "salvage_poke \$W/x.db 0 100"
case_run "page size field zeroed" "salvage_poke \$W/x.db 16 2"
case_run "schema cells on page 1 damaged (a few)" "salvage_poke \$W/x.db 3600 120 255"
case_run "schema cells on page 1 damaged (all)" "salvage_poke \$W/x.db 1000 3096 255"
case_run "page 1 zeroed past the header" "salvage_poke \$W/x.db 100 3996"
case_run "root page of the biggest table" "zero $(root paths)"
case_run "interior page of the biggest table" \
    "zero $(pages "name='paths' AND pagetype='internal' AND pageno != $(root paths)" | head -n 1)"
case_run "one leaf of the biggest table" \
    "zero $(pages "name='paths' AND pagetype='leaf'" | sed -n 100p)"
case_run "ten leaves of the biggest table" \
    "zero $(pages "name='paths' AND pagetype='leaf'" | awk 'NR % 300 == 7' | head -n 10 | tr '\n' ' ')"
case_run "one leaf of a WITHOUT ROWID table (kv)" \
    "zero $(pages "name='kv' AND pagetype='leaf'" | sed -n 50p)"
case_run "interior page of a WITHOUT ROWID table" \
    "zero $(pages "name='kv' AND pagetype='internal' AND pageno != $(root kv)" | head -n 1)"
case_run "root page of a WITHOUT ROWID table" "zero $(root kv)"
case_run "one leaf of the sparse-id table (tokens)" \
    "zero $(pages "name='tokens' AND pagetype='leaf'" | sed -n 20p)"
case_run "root page of the sparse-id table" "zero $(root tokens)"
case_run "an overflow page of blobs" \
    "zero $(pages "name='blobs' AND pagetype='overflow'" | sed -n 500p)"
case_run "interior page of blobs" \
    "zero $(pages "name='blobs' AND pagetype='internal' AND pageno != $(root blobs)" | head -n 1)"
case_run "an index root page (events_at)" "zero $(root events_at)"
case_run "cell pointers of a leaf garbled" \
    "salvage_poke \$W/x.db $(( ($(pages "name='events' AND pagetype='leaf'" | sed -n 100p) - 1) * PS + 8 )) 40 255"
case_run "freelist trunk garbled" \
    "salvage_poke \$W/x.db $(( ($(sqlite3 "$O" 'SELECT 0' >/dev/null; python3 -c "import sys; d=open(sys.argv[1],'rb').read(40); print(int.from_bytes(d[32:36],'big'))" "$O") - 1) * PS )) 64 7"
case_run "two leaves of two tables swapped" \
    "python3 -c '
import sys
f=open(sys.argv[1],\"r+b\"); a,b=int(sys.argv[2]),int(sys.argv[3])
f.seek((a-1)*$PS); x=f.read($PS); f.seek((b-1)*$PS); y=f.read($PS)
f.seek((a-1)*$PS); f.write(y); f.seek((b-1)*$PS); f.write(x)' \$W/x.db $(pages "name='events' AND pagetype='leaf'" | sed -n 10p) $(pages "name='audit' AND pagetype='leaf'" | sed -n 10p)"
case_run "every 100th page zeroed" \
    "zero \$(seq 2 100 $npages)"
case_run "the last 10 % of pages zeroed" \
    "salvage_poke \$W/x.db $(( npages * 9 / 10 * PS )) $(( (npages - npages * 9 / 10) * PS ))"
case_run "random bytes on 1 % of the pages" \
    "python3 -c '
import sys, random
r=random.Random(7); f=open(sys.argv[1],\"r+b\")
for i in range($npages // 100):
    p=r.randrange(2,$npages); f.seek((p-1)*$PS+r.randrange(0,$PS-64)); f.write(bytes(r.randrange(256) for _ in range(64)))' \$W/x.db"
