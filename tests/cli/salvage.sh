#!/bin/sh
# salvage.sh: assess's salvage dump against damage. The dump always loads in
# stock sqlite3 and never invents a row; values come back byte for byte (NUL
# and invalid UTF-8 text, integral REALs, rowids of tables without an
# INTEGER PRIMARY KEY, a column named rowid, the extreme rowids,
# sqlite_sequence, generated columns, FTS5); a file truncated in its free
# tail comes back whole; with the header or page 1's schema cells damaged,
# the rows are read page by page; the evidence (a WAL database) is left
# untouched; the report names the damaged page and its lost rowids.
. "$srcdir/tests/cli/lib.sh"
. "$srcdir/tests/cli/salvage-lib.sh"

printf 'state_dir: %s/state\ndatabase: %s/none.db\n' "$T" "$T" >"$T/dr.yaml"
C=$T/dr.yaml

# same DESCRIPTION GOT EXPECTED
same() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: got '$2', expected '$3'"; fi; }

# assess_case NAME DB: assess --dump DB into $T/NAME.sql (exit status in $arc,
# output in $T/NAME.out) and load it into $T/NAME.db without an error.
assess_case() {
	rm -f "$T/$1.db" "$T/$1.sql"
	run "$PDR" --config "$C" assess --dump -o "$T/$1.sql" "$2"
	cp "$T/out" "$T/$1.out"
	arc=$rc
	if sqlite3 "$T/$1.db" <"$T/$1.sql" >"$T/load.out" 2>&1 && [ ! -s "$T/load.out" ]; then
		ok "$1: stock sqlite3 loads the dump without an error"
	else
		fail "$1: the dump does not load (assess exit $arc)"; head -5 "$T/load.out"
		head -20 "$T/$1.out"
	fi
}

# expect_rows NAME ORIG MIN: at least MIN rows of ORIG are back byte for byte, none invented.
expect_rows() {
	set -- "$1" "$2" "$3" "$(salvage_compare "$2" "$T/$1.db")"
	if [ "${4#* }" -eq 0 ]; then ok "$1: no invented row"; else
		fail "$1: ${4#* } rows that the original lacks"; fi
	if [ "${4% *}" -ge "$3" ]; then ok "$1: ${4% *} rows back byte for byte (at least $3)"
	else fail "$1: ${4% *} rows back byte for byte, fewer than $3"; fi
}

# q DB SQL: one value
q() { sqlite3 "$1" "$2"; }

# --- an intact database with every value that is easy to get wrong ------------------------
V=$T/src-values.db
sqlite3 "$V" <<'SQL'
CREATE TABLE t(a, b REAL, c TEXT);
INSERT INTO t(rowid, a, b, c) VALUES(5, 1, 61.0, 'x' || char(0) || 'y'),
  (9, 2, 1.5e300, CAST(X'FF00C3' AS TEXT)), (-9223372036854775808, 3, -2.5, 'min'),
  (9223372036854775807, 4, 0.1, 'it''s max');
CREATE TABLE r(rowid TEXT, x);
INSERT INTO r(_rowid_, rowid, x) VALUES(100, 'r1', 1), (7, 'r2', 2);
CREATE TABLE s(id INTEGER PRIMARY KEY AUTOINCREMENT, v);
INSERT INTO s(id, v) VALUES(1200, 'a');
DELETE FROM s;
INSERT INTO s(id, v) VALUES(10, 'b');
CREATE TABLE g(a INTEGER PRIMARY KEY, b, c AS (b * 2), d AS (b + 1) STORED, e);
INSERT INTO g(a, b, e) VALUES(1, 2, 3), (2, 5, 6);
CREATE TABLE w(k TEXT, n INT, v, PRIMARY KEY(n, k)) WITHOUT ROWID;
INSERT INTO w VALUES('a', 1, 'x'), ('b', 2, randomblob(9000));
CREATE VIRTUAL TABLE f USING fts5(body);
INSERT INTO f VALUES('hello world'), ('second doc');
CREATE VIEW v AS SELECT * FROM t;
CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO s(v) VALUES('trig'); END;
CREATE INDEX ti ON t(c);
CREATE TABLE "evil
DROP TABLE t"(x);
INSERT INTO "evil
DROP TABLE t" VALUES(1);
SQL
assess_case values "$V"
same "values: assess --dump of an intact database exits 0" "$arc" 0
n=$(salvage_compare "$V" "$V")
expect_rows values "$V" "${n% *}"
L=$T/values.db
same "values: text with a NUL comes back as its 3 bytes of text" \
    "$(q "$L" "SELECT typeof(c) || ' ' || hex(c) FROM t WHERE rowid = 5")" "text 780079"
same "values: invalid UTF-8 text comes back as its bytes" \
    "$(q "$L" "SELECT typeof(c) || ' ' || hex(c) FROM t WHERE rowid = 9")" "text FF00C3"
same "values: an integral REAL stays REAL" "$(q "$L" "SELECT typeof(b) || ' ' || b FROM t WHERE rowid = 5")" \
    "real 61.0"
same "values: the rowids of a table without INTEGER PRIMARY KEY are kept" \
    "$(q "$L" "SELECT group_concat(rowid) FROM (SELECT rowid FROM t ORDER BY rowid)")" \
    "-9223372036854775808,5,9,9223372036854775807"
same "values: a column named rowid, and the table's own rowids" \
    "$(q "$L" "SELECT group_concat(_rowid_ || '=' || rowid) FROM (SELECT _rowid_, rowid FROM r ORDER BY 1)")" \
    "7=r2,100=r1"
same "values: sqlite_sequence is kept (1200, not 10)" "$(q "$L" "SELECT seq FROM sqlite_sequence WHERE name = 's'")" 1200
same "values: generated columns are computed again" "$(q "$L" "SELECT group_concat(c || '/' || d) FROM g")" "4/3,10/6"
same "values: the FTS5 table answers" "$(q "$L" "SELECT body FROM f WHERE f MATCH 'hello'")" "hello world"
same "values: the view and the trigger are back" "$(q "$L" "SELECT count(*) FROM sqlite_schema WHERE name IN ('v', 'tr', 'ti')")" 3
same "values: the loaded database passes integrity_check" "$(q "$L" "PRAGMA integrity_check")" ok
expect_no_match "$T/values.out" "^DROP" "values: a table name with a newline is not printed raw"
same "values: that table is dumped all the same" "$(q "$L" "SELECT x FROM \"evil
DROP TABLE t\"")" 1

# --- the evidence is never touched: a WAL database without its -shm ----------------------
python3 - "$T/src-wal.db" <<'PY'
import os, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("PRAGMA journal_mode=WAL")
c.execute("PRAGMA wal_autocheckpoint=0")
c.execute("CREATE TABLE a(x)")
c.executemany("INSERT INTO a VALUES(?)", [(i,) for i in range(500)])
c.commit()
os._exit(0)		# no checkpoint: the rows stay in the -wal
PY
rm -f "$T/src-wal.db-shm"
[ -s "$T/src-wal.db-wal" ] && ok "wal: the rows are in the -wal" || fail "wal: no -wal to test with"
before=$(sha256sum "$T/src-wal.db" "$T/src-wal.db-wal")
assess_case wal "$T/src-wal.db"
same "wal: assess exits 0" "$arc" 0
same "wal: the rows of the -wal are in the dump" "$(q "$T/wal.db" "SELECT count(*) FROM a")" 500
[ -e "$T/src-wal.db-shm" ] && fail "wal: assess left a -shm beside the evidence" ||
	ok "wal: no -shm beside the evidence"
same "wal: the evidence and its -wal are unchanged" "$(sha256sum "$T/src-wal.db" "$T/src-wal.db-wal")" "$before"
ls -a "$T/state" 2>/dev/null | grep -q '^\.salvage' && fail "wal: the private copy was left behind" ||
	ok "wal: the private copy is removed"

# --- a database like a controller's, and damage -------------------------------------------
O=$T/orig.db
salvage_gen "$O" 25
total=$(salvage_compare "$O" "$O")
total=${total% *}
npages=$(q "$O" "PRAGMA page_count")

cp "$O" "$T/x.db"
truncate -s $(( (npages - 1) * 4096 )) "$T/x.db"
assess_case tail "$T/x.db"
expect_rows tail "$O" "$total"

cp "$O" "$T/x.db"
salvage_poke "$T/x.db" 0 100
assess_case header "$T/x.db"
same "header: a file whose header is zeroed is damaged (exit 1)" "$arc" 1
expect_match "$T/header.out" "the schema was read page by page" "header: says the schema was read page by page"
expect_rows header "$O" "$total"

# Page 1's schema cells: the first tables' cells lie at the end of page 1.
cp "$O" "$T/x.db"
salvage_poke "$T/x.db" 3900 196 255
assess_case schema "$T/x.db"
expect_rows schema "$O" 1
lf=$(q "$T/schema.db" "SELECT count(*) FROM lost_and_found" 2>/dev/null)
[ "${lf:-0}" -gt 0 ] && ok "schema: rows of tables whose schema is lost are in lost_and_found ($lf)" ||
	fail "schema: nothing in lost_and_found"
n=$(salvage_compare "$O" "$T/schema.db")
same "schema: every row is in its table or in lost_and_found" "$(( ${n% *} + lf ))" "$total"

# One leaf of each kind of table: exactly its rows are lost, the report says which.
for spec in paths:leaf:rowid kv:leaf:without tokens:leaf:sparse; do
	tb=${spec%%:*}
	pg=$(salvage_pages "$O" "name = '$tb' AND pagetype = 'leaf'" | sed -n 3p)
	cells=$(q "$O" "SELECT ncell FROM dbstat WHERE pageno = $pg")
	cp "$O" "$T/x.db"
	salvage_zero_page "$T/x.db" "$pg"
	assess_case "$tb" "$T/x.db"
	same "$tb: damaged (exit 1)" "$arc" 1
	expect_rows "$tb" "$O" $((total - cells))
	expect_match "$T/$tb.sql.report.txt" "^page $pg \\($tb\\)" "$tb: the report names page $pg and its table"
	expect_match "$T/$tb.sql.report.txt" "^$tb	[0-9]+	0	0	[0-9]+$" \
	    "$tb: SQLite reads every other row, in key order and back from the end"
	sqlite3 "$T/x.db" "PRAGMA integrity_check(100000)" >"$T/ic.txt" 2>/dev/null
	if [ -s "$T/ic.txt" ] && ! grep -Fxvqf "$T/$tb.sql.integrity.txt" "$T/ic.txt"; then
		ok "$tb: every integrity_check line is in the file beside the dump"
	else
		fail "$tb: integrity_check lines missing beside the dump"
		grep -Fxvf "$T/$tb.sql.integrity.txt" "$T/ic.txt" | head -3
	fi
done
expect_match "$T/paths.sql.report.txt" "^page [0-9]+ \\(paths\\): .*; rowids [0-9]+\\.\\.[0-9]+ not read" \
    "paths: the report gives the rowids of the lost page"
expect_match "$T/paths.sql.report.txt" "^paths	[0-9]+	0	0	[0-9]+$" \
    "paths: SQLite's seek past the bad leaf reads every other row (none left for the page walk)"
expect_match "$T/paths.sql.report.txt" "^events	[0-9]+	0	0	0$" \
    "paths: an undamaged table is read by SQLite alone, none of it page by page or suspect"

# Two bad leaves: the rows between them are found by jumping past the first and
# searching back (reading from the end stops at the second), all by SQLite.
p1=$(salvage_pages "$O" "name = 'paths' AND pagetype = 'leaf'" | sed -n 3p)
p2=$(salvage_pages "$O" "name = 'paths' AND pagetype = 'leaf'" | sed -n 12p)
cells=$(q "$O" "SELECT sum(ncell) FROM dbstat WHERE pageno IN ($p1, $p2)")
cp "$O" "$T/x.db"
salvage_zero_page "$T/x.db" "$p1"
salvage_zero_page "$T/x.db" "$p2"
assess_case twoleaves "$T/x.db"
expect_rows twoleaves "$O" $((total - cells))
expect_match "$T/twoleaves.sql.report.txt" "^paths	[0-9]+	0	0	[0-9]+$" \
    "twoleaves: the rows between the bad leaves are read by SQLite's seek, not page by page"

# An interior page: its leaves are read all the same, by seek or page by page.
pg=$(salvage_pages "$O" "name = 'paths' AND pagetype = 'internal'" | sed -n 2p)
if [ -n "$pg" ]; then
	cp "$O" "$T/x.db"
	salvage_zero_page "$T/x.db" "$pg"
	assess_case interior "$T/x.db"
	n=$(salvage_compare "$O" "$T/interior.db")
	lf=$(q "$T/interior.db" "SELECT count(*) FROM lost_and_found" 2>/dev/null)
	same "interior: every row is in its table or in lost_and_found" "$(( ${n% *} + ${lf:-0} ))" "$total"
	expect_rows interior "$O" 1
fi

# The root page of a rowid table and of a WITHOUT ROWID table: the leaves no
# tree reaches fit only that table's lost range; they come back, flagged suspect.
for tb in paths kv tokens; do
	pg=$(q "$O" "SELECT rootpage FROM sqlite_schema WHERE name = '$tb'")
	cells=$(q "$O" "SELECT CASE WHEN pagetype = 'leaf' OR '$tb' = 'kv' THEN ncell ELSE 0 END
	    FROM dbstat WHERE pageno = $pg")
	cp "$O" "$T/x.db"
	salvage_zero_page "$T/x.db" "$pg"
	assess_case "root-$tb" "$T/x.db"
	expect_rows "root-$tb" "$O" $((total - cells))
	expect_match "$T/root-$tb.sql" "^-- suspect \(found on a page no tree reaches" \
	    "root-$tb: the rows put back by their fields are flagged suspect"
done

# An index's root page: its entries are not kept, the dump makes the index again.
cp "$O" "$T/x.db"
salvage_zero_page "$T/x.db" "$(q "$O" "SELECT rootpage FROM sqlite_schema WHERE name = 'events_at'")"
assess_case index "$T/x.db"
expect_rows index "$O" "$total"
same "index: no index entries in lost_and_found" \
    "$(q "$T/index.db" "SELECT count(*) FROM sqlite_schema WHERE name = 'lost_and_found'")" 0
same "index: the index is made again" "$(q "$T/index.db" "PRAGMA integrity_check")" ok

# Two leaves of two tables swapped: the misplaced rows are not put in the wrong table.
a=$(salvage_pages "$O" "name = 'events' AND pagetype = 'leaf'" | sed -n 5p)
b=$(salvage_pages "$O" "name = 'paths' AND pagetype = 'leaf'" | sed -n 5p)
cp "$O" "$T/x.db"
python3 - "$T/x.db" "$a" "$b" <<'PY'
import sys
f = open(sys.argv[1], "r+b"); a, b = int(sys.argv[2]), int(sys.argv[3])
f.seek((a - 1) * 4096); x = f.read(4096); f.seek((b - 1) * 4096); y = f.read(4096)
f.seek((a - 1) * 4096); f.write(y); f.seek((b - 1) * 4096); f.write(x)
PY
assess_case swapped "$T/x.db"
expect_rows swapped "$O" 1

# Almost nothing: page 1 gone past its header, every table unknown.
cp "$O" "$T/x.db"
salvage_poke "$T/x.db" 100 3996
assess_case nothing "$T/x.db"
same "nothing: a distinct exit status when almost nothing was salvaged" "$arc" 2
expect_match "$T/nothing.out" "^ALMOST NOTHING salvaged" "nothing: says so"
expect_rows nothing "$O" 0

finish
