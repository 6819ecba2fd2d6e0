/* test-pagescan.c: unit tests of the page-level reader of SQLite files (src/engine/recover/pagescan.c). */
#include "system.h"

#include <check.h>
#include <unistd.h>

#include <sqlite3.h>

#include "engine/recover/pagescan.h"
#include "util/fsutil.h"
#include "util/xmalloc.h"

#define NROWS 600

/* What a walk saw. */
struct seen {
	long	 rows;
	long	 bad;		/* rows whose values are not what was written */
	long	 damage;
	bool	 range;		/* a damage came with a rowid range */
	int64_t	 lo, hi;
	int64_t	 maxid;
};

/* A database of NROWS rows in t (with long TEXT on overflow pages) and a WITHOUT ROWID w; its bytes. */
static uint8_t *
make_db(size_t *size)
{
	char	 path[] = "/tmp/test-pagescan.XXXXXX";
	sqlite3	*db;
	char	*data = NULL, *cause = NULL;
	int	 fd;

	ck_assert_int_ne(fd = mkstemp(path), -1);
	close(fd);
	unlink(path);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA page_size=1024;"
	    "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL, d);"
	    "CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID;"
	    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 600)"
	    " INSERT INTO t SELECT x * 15373061492473, printf('%.*c', CASE WHEN x % 50 = 0"
	    " THEN 3000 ELSE 20 END, 'b'), x / 4.0, NULL FROM c;"
	    "INSERT INTO w VALUES('k1', 1), ('k2', X'00ff');", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(fs_read_file(path, 1 << 24, &data, size, &cause), 0);
	unlink(path);
	return ((uint8_t *)data);
}

/* Check a row of t against what make_db wrote. */
static int
on_row(void *arg, const struct ps_row *r)
{
	struct seen	*s = arg;
	int64_t		 x = r->rowid / 15373061492473;
	size_t		 want = x % 50 == 0 ? 3000 : 20, k;

	s->rows++;
	if (r->rowid > s->maxid)
		s->maxid = r->rowid;
	/* SQLite stores an integral REAL as an integer; the column's affinity makes it REAL. */
	if (r->nv != 4 || r->v[0].type != SQLITE_NULL || r->v[1].type != SQLITE_TEXT ||
	    r->v[1].n != want || (r->v[2].type == SQLITE_FLOAT ? r->v[2].d != x / 4.0 :
	    r->v[2].type != SQLITE_INTEGER || x % 4 != 0 || r->v[2].i != x / 4) ||
	    r->v[3].type != SQLITE_NULL) {
		s->bad++;
		return (0);
	}
	for (k = 0; k < r->v[1].n; k++) {
		if (r->v[1].p[k] != 'b')
			s->bad++;
	}
	return (0);
}

/* Count damage. */
static int
on_damage(void *arg, const struct ps_damage *d)
{
	struct seen	*s = arg;

	s->damage++;
	if (d->range) {
		s->range = true;
		s->lo = d->lo;
		s->hi = d->hi;
	}
	return (0);
}

/* The root page of t, from page 1's b-tree (its second field is the name). */
static int
on_schema(void *arg, const struct ps_row *r)
{
	uint32_t	*root = arg;

	if (r->nv == 5 && r->v[1].n == 1 && r->v[1].p[0] == 't')
		*root = (uint32_t)r->v[3].i;
	return (0);
}

/* Walk t of the file in data; its root from page 1. */
static void
walk_t(const uint8_t *data, size_t size, struct seen *s, uint32_t *root)
{
	struct ps_file		 f;
	struct ps_visitor	 sv = { on_schema, NULL, root };
	struct ps_visitor	 tv = { on_row, on_damage, s };

	memset(s, 0, sizeof *s);
	ps_open_mem(&f, data, size);
	ck_assert_uint_eq(f.pgsz, 1024);
	ps_mark_freelist(&f);
	if (*root == 0)
		ps_walk(&f, 1, false, &sv);
	ck_assert_uint_gt(*root, 1);
	ps_walk(&f, *root, false, &tv);
	ps_close(&f);
}

START_TEST(test_intact)
{
	struct seen	 s;
	uint32_t	 root = 0;
	size_t		 size;
	uint8_t		*data = make_db(&size);

	walk_t(data, size, &s, &root);
	ck_assert_int_eq(s.rows, NROWS);
	ck_assert_int_eq(s.bad, 0);
	ck_assert_int_eq(s.damage, 0);
	ck_assert_int_eq(s.maxid, (int64_t)NROWS * 15373061492473);
	free(data);
}
END_TEST

/* A leaf zeroed: its rows are lost, reported with their range; every other row is read. */
START_TEST(test_leaf_zeroed)
{
	struct ps_file	 f;
	struct seen	 s;
	uint32_t	 root = 0, n, leaf = 0;
	size_t		 size;
	uint8_t		*data = make_db(&size);

	ps_open_mem(&f, data, size);
	for (n = f.npages; n > 2 && leaf == 0; n--) {
		if (data[(size_t)(n - 1) * 1024] == 0x0d)
			leaf = n;
	}
	ps_close(&f);
	ck_assert_uint_ne(leaf, 0);
	walk_t(data, size, &s, &root);
	memset(data + (size_t)(leaf - 1) * 1024, 0, 1024);
	walk_t(data, size, &s, &root);
	ck_assert_int_eq(s.bad, 0);
	ck_assert_int_lt(s.rows, NROWS);
	ck_assert_int_gt(s.rows, NROWS / 2);
	ck_assert_int_eq(s.damage, 1);
	ck_assert(s.range);
	ck_assert_int_le(s.lo, s.hi);
	free(data);
}
END_TEST

/* The 100-byte header zeroed: the page size is guessed, the rows are read all the same. */
START_TEST(test_header_zeroed)
{
	struct seen	 s;
	uint32_t	 root = 0;
	size_t		 size;
	uint8_t		*data = make_db(&size);

	memset(data, 0, 100);
	walk_t(data, size, &s, &root);
	ck_assert_int_eq(s.rows, NROWS);
	ck_assert_int_eq(s.bad, 0);
	free(data);
}
END_TEST

/* Truncated mid-file: the pages past the end are damage with a range, nothing is read past it. */
START_TEST(test_truncated)
{
	struct seen	 s;
	uint32_t	 root = 0;
	size_t		 size;
	uint8_t		*data = make_db(&size);

	walk_t(data, size / 2, &s, &root);
	ck_assert_int_eq(s.bad, 0);
	ck_assert_int_lt(s.rows, NROWS);
	ck_assert_int_gt(s.damage, 0);
	free(data);
}
END_TEST

/* The suite. */
static Suite *
pagescan_suite(void)
{
	Suite	*s = suite_create("pagescan");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_intact);
	tcase_add_test(tc, test_leaf_zeroed);
	tcase_add_test(tc, test_header_zeroed);
	tcase_add_test(tc, test_truncated);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(pagescan_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
