# salvage-lib.sh: a database like a Patronus controller's, for the salvage
# test and bench/salvage.sh, and the helpers that damage it and count rows.
# Sourced; needs sqlite3 and python3.

# salvage_gen DB DIV: the database, with 241,600 rows / DIV in 9 tables
# (rowid tables with and without an INTEGER PRIMARY KEY, WITHOUT ROWID,
# sparse 63-bit ids, overflow TEXT and BLOB, AUTOINCREMENT, a view, a
# trigger, indexes) and the free pages of a dropped table at its tail.
salvage_gen() {
	_db=$1 _d=${2:-1}
	rm -f "$_db"
	sqlite3 "$_db" <<SQL
PRAGMA page_size=4096;
CREATE TABLE sites(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, lat REAL, lon REAL, created TEXT);
CREATE TABLE paths(src INTEGER, dst INTEGER, latency REAL, loss REAL, label TEXT, state TEXT);
CREATE TABLE kv(k TEXT PRIMARY KEY, v TEXT, n INTEGER) WITHOUT ROWID;
CREATE TABLE tokens(id INTEGER PRIMARY KEY, token BLOB, scope TEXT);
CREATE TABLE blobs(id INTEGER PRIMARY KEY, kind TEXT, body BLOB, note TEXT);
CREATE TABLE events(id INTEGER PRIMARY KEY, at INTEGER, site INTEGER, kind TEXT, detail TEXT);
CREATE TABLE audit(who TEXT, what TEXT, at REAL);
CREATE TABLE policies(name TEXT, rule TEXT, prio INTEGER, PRIMARY KEY(name, prio)) WITHOUT ROWID;
CREATE TABLE counters(rowid TEXT, value INTEGER);
CREATE TABLE scratch(x, y);
CREATE INDEX paths_src ON paths(src, dst);
CREATE INDEX events_at ON events(at);
CREATE VIEW busy AS SELECT site, count(*) AS n FROM events GROUP BY site;
CREATE TRIGGER audit_sites AFTER INSERT ON sites BEGIN
  INSERT INTO audit VALUES('trigger', 'site ' || new.name, 0.5);
END;
BEGIN;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1200 / $_d)
INSERT INTO sites(name, lat, lon, created) SELECT 'site-' || x, x * 0.25, -x * 1.0, '2026-01-01' FROM c;
DELETE FROM sites WHERE id % 97 = 0;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 150000 / $_d)
INSERT INTO paths SELECT x % 1200, (x * 7) % 1200, (x % 1000) / 10.0, 61.0, 'path ' || x || ' ' || printf('%.60c', 'p'), CASE x % 3 WHEN 0 THEN 'up' WHEN 1 THEN 'down' ELSE 'degraded' END FROM c;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 15000 / $_d)
INSERT INTO kv SELECT printf('key/%08d', x), 'value ' || x || printf('%.40c', 'v'), x FROM c;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 4997 / $_d)
INSERT INTO tokens SELECT ((x * 1000003) % 1000) * 9223372036854775 + x, randomblob(24), 'scope-' || (x % 5) FROM c;
INSERT INTO tokens VALUES(9223372036854775807, X'01', 'max'), (-9223372036854775808, X'02', 'min'), (0, X'', 'zero');
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000 / $_d)
INSERT INTO blobs SELECT x, CASE WHEN x % 2 THEN 'cert' ELSE 'config' END, randomblob(2000 + (x * 7919) % 18000), printf('%.*c', 1000 + x % 5000, 'n') FROM c;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 60000 / $_d)
INSERT INTO events SELECT x, 1767225600 + x * 60, x % 1200, 'kind' || (x % 7), 'detail of event ' || x FROM c;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000 / $_d)
INSERT INTO audit SELECT 'op' || (x % 9), 'did ' || x, x + 0.5 FROM c;
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000 / $_d)
INSERT INTO policies SELECT 'policy-' || (x % 50), 'rule ' || x, x FROM c;
INSERT INTO counters(_rowid_, rowid, value) VALUES(10, 'a', 1), (20, 'b', 2), (30, 'c' || char(0) || 'd', 3);
INSERT INTO audit VALUES('nul', 'x' || char(0) || 'y', 61.0), ('bad utf8', CAST(X'C0FF' AS TEXT), 1e300);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000 / $_d)
INSERT INTO scratch SELECT x, printf('%.200c', 's') FROM c;
COMMIT;
DROP TABLE scratch;
SQL
}

# salvage_tables DB: the tables to compare, one a line (no sqlite_ ones but sqlite_sequence).
salvage_tables() {
	sqlite3 "$1" "SELECT name FROM sqlite_schema WHERE type = 'table' AND
	    (name NOT LIKE 'sqlite_%' OR name = 'sqlite_sequence') AND sql NOT LIKE 'CREATE VIRTUAL%'
	    ORDER BY name"
}

# salvage_rows DB TABLE: one line per row, byte for byte: the rowid when the
# table has one, then the type and hex of each stored column.
salvage_rows() {
	_cols=$(sqlite3 "$1" "SELECT group_concat('typeof(\"'||name||'\")||'':''||hex(\"'||name||'\")', '||''|''||') FROM pragma_table_xinfo('$2') WHERE hidden IN (0, 3)" 2>/dev/null)
	[ -n "$_cols" ] || return 0
	if sqlite3 "$1" "SELECT _rowid_ FROM \"$2\" LIMIT 0" >/dev/null 2>&1 &&
	    [ "$2" != sqlite_sequence ]; then
		sqlite3 "$1" "SELECT _rowid_||'|'||$_cols FROM \"$2\"" 2>/dev/null
	else
		sqlite3 "$1" "SELECT $_cols FROM \"$2\"" 2>/dev/null
	fi
}

# salvage_compare ORIG LOADED: "SAME INVENTED" summed over ORIG's tables: rows
# of LOADED byte-identical to a row of ORIG, and rows of LOADED that ORIG lacks.
salvage_compare() {
	_same=0 _inv=0
	for _t in $(salvage_tables "$1"); do
		salvage_rows "$1" "$_t" | LC_ALL=C sort >"$1.$_t.o"
		salvage_rows "$2" "$_t" | LC_ALL=C sort >"$1.$_t.l"
		_same=$((_same + $(LC_ALL=C comm -12 "$1.$_t.o" "$1.$_t.l" | wc -l)))
		_inv=$((_inv + $(LC_ALL=C comm -13 "$1.$_t.o" "$1.$_t.l" | wc -l)))
		rm -f "$1.$_t.o" "$1.$_t.l"
	done
	echo "$_same $_inv"
}

# salvage_pages DB SQL-WHERE: page numbers from dbstat matching a condition, one a line.
salvage_pages() {
	sqlite3 "$1" "SELECT pageno FROM dbstat WHERE $2 ORDER BY pageno"
}

# salvage_poke FILE OFFSET LENGTH [BYTE]: overwrite LENGTH bytes at OFFSET with BYTE (0).
salvage_poke() {
	python3 - "$@" <<'PY'
import sys
path, off, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
b = int(sys.argv[4]) if len(sys.argv) > 4 else 0
with open(path, 'r+b') as f:
    f.seek(off)
    f.write(bytes([b]) * n)
PY
}

# salvage_zero_page FILE PGNO [PAGESIZE]: zero one whole page.
salvage_zero_page() {
	salvage_poke "$1" $(( ($2 - 1) * ${3:-4096} )) "${3:-4096}"
}
