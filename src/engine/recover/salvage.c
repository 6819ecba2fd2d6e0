/* salvage.c: the plan's "assess damage": integrity check and a dump of what can be read. */
#include "system.h"

#include <sys/stat.h>
#include <math.h>
#include <unistd.h>

#include <sqlite3.h>

#include "engine/recover/extract.h"
#include "engine/recover/salvage.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* Consecutive failed seeks past a damaged part before a table is given up. */
#define SALVAGE_MAX_JUMPS 48

/* Open a database read-only, never creating it. Returns NULL with *cause. */
static sqlite3 *
salvage_open(const char *path, char **cause)
{
	sqlite3	*db = NULL;

	if (access(path, R_OK) != 0) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return (NULL);
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		*cause = xasprintf("%s: %s", path, db != NULL ? sqlite3_errmsg(db) :
		    _("out of memory"));
		sqlite3_close(db);
		return (NULL);
	}
	return (db);
}

/* Add a problem line to the report. */
static void
salvage_problem(struct salvage_report *r, const char *msg)
{
	if (r->nproblems >= SALVAGE_MAX_PROBLEMS)
		return;
	r->problems = xreallocarray(r->problems, r->nproblems + 1, sizeof *r->problems);
	r->problems[r->nproblems++] = xstrdup(msg);
}

/*
 * PRAGMA integrity_check of path: r->intact and its messages. A file that
 * sqlite cannot read at all counts as damaged. Returns -1 with *cause only
 * when the file cannot be opened.
 */
int
salvage_check(const char *path, struct salvage_report *r, char **cause)
{
	sqlite3		*db;
	sqlite3_stmt	*st = NULL;
	const char	*msg;
	int		 rc;

	memset(r, 0, sizeof *r);
	if ((db = salvage_open(path, cause)) == NULL)
		return (-1);
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check(100)", -1, &st, NULL) !=
	    SQLITE_OK) {
		salvage_problem(r, sqlite3_errmsg(db));
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		msg = (const char *)sqlite3_column_text(st, 0);
		if (msg != NULL && strcmp(msg, "ok") == 0)
			r->intact = true;
		else
			salvage_problem(r, msg != NULL ? msg : "?");
	}
	if (rc != SQLITE_DONE) {
		r->intact = false;
		salvage_problem(r, sqlite3_errmsg(db));
	}
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return (0);
}

/* Append an SQL identifier in double quotes. */
static void
salvage_ident(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			buf_addc(b, '"');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

/* Append column i of the current row as an SQL literal. */
static void
salvage_value(struct buf *b, sqlite3_stmt *st, int i)
{
	const unsigned char	*p;
	char			 hex[3];
	double			 d;
	int			 n, k;

	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		buf_printf(b, "%lld", (long long)sqlite3_column_int64(st, i));
		break;
	case SQLITE_FLOAT:
		d = sqlite3_column_double(st, i);
		if (isnan(d))
			buf_adds(b, "NULL");
		else if (isinf(d))
			buf_adds(b, d > 0 ? "1e999" : "-1e999");
		else
			buf_printf(b, "%.17g", d);
		break;
	case SQLITE_TEXT:
		p = sqlite3_column_text(st, i);
		n = sqlite3_column_bytes(st, i);
		buf_addc(b, '\'');
		for (k = 0; k < n; k++) {
			if (p[k] == '\'')
				buf_addc(b, '\'');
			buf_addc(b, (char)p[k]);
		}
		buf_addc(b, '\'');
		break;
	case SQLITE_BLOB:
		p = sqlite3_column_blob(st, i);
		n = sqlite3_column_bytes(st, i);
		buf_adds(b, "X'");
		for (k = 0; k < n; k++) {
			str_hex(p + k, 1, hex);
			buf_add(b, hex, 2);
		}
		buf_addc(b, '\'');
		break;
	default:
		buf_adds(b, "NULL");
		break;
	}
}

/* Write the buffer to f and empty it. */
static int
salvage_flush(FILE *f, struct buf *b)
{
	if (b->len > 0 && fwrite(b->data, 1, b->len, f) != b->len)
		return (-1);
	buf_reset(b);
	return (0);
}

/*
 * Dump the rows of one table that can be read, as INSERT statements. Reads
 * in rowid order; after a read error it seeks past the damage with growing
 * jumps, so that rows beyond an unreadable page are still found.
 */
static int
salvage_table(sqlite3 *db, FILE *f, struct salvage_table *t)
{
	sqlite3_stmt	*st = NULL;
	struct buf	 b, q;
	sqlite3_int64	 last = INT64_MIN, jump = 1;
	bool		 rowid = true, progress;
	int		 rc, i, n, jumps = 0;

	buf_init(&b);
	buf_init(&q);
	buf_adds(&q, "SELECT rowid, * FROM ");
	salvage_ident(&q, t->name);
	buf_adds(&q, " WHERE rowid > ? ORDER BY rowid");
	if (sqlite3_prepare_v2(db, q.data, -1, &st, NULL) != SQLITE_OK) {
		/* A WITHOUT ROWID table: read it in one go, as far as it goes. */
		rowid = false;
		buf_reset(&q);
		buf_adds(&q, "SELECT 0, * FROM ");
		salvage_ident(&q, t->name);
		if (sqlite3_prepare_v2(db, q.data, -1, &st, NULL) != SQLITE_OK) {
			t->errors++;
			goto out;
		}
	}
	t->complete = false;
	for (;;) {
		if (rowid) {
			sqlite3_reset(st);
			sqlite3_bind_int64(st, 1, last);
		}
		progress = false;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			n = sqlite3_column_count(st);
			buf_adds(&b, "INSERT INTO ");
			salvage_ident(&b, t->name);
			buf_adds(&b, " VALUES(");
			for (i = 1; i < n; i++) {
				if (i > 1)
					buf_addc(&b, ',');
				salvage_value(&b, st, i);
			}
			buf_adds(&b, ");\n");
			if (salvage_flush(f, &b) != 0) {
				sqlite3_finalize(st);
				buf_free(&b);
				buf_free(&q);
				return (-1);
			}
			t->rows++;
			last = sqlite3_column_int64(st, 0);
			progress = true;
		}
		if (rc == SQLITE_DONE) {
			t->complete = t->errors == 0;
			break;
		}
		t->errors++;
		if (!rowid)
			break;
		if (progress) {
			jump = 1;
			jumps = 0;
		}
		if (++jumps > SALVAGE_MAX_JUMPS || last > INT64_MAX - jump)
			break;
		if (last == INT64_MIN)
			last = 0;
		last += jump;
		jump *= 2;
	}
out:
	sqlite3_finalize(st);
	buf_free(&b);
	buf_free(&q);
	return (0);
}

/* Whether a schema object is sqlite's own and cannot be created by SQL. */
static bool
salvage_internal(const char *name)
{
	return (str_has_prefix(name, "sqlite_"));
}

/*
 * Dump what can be read of the database at path into out (an SQL script that
 * sqlite3 loads, written under a temporary name, mode 0600, then renamed):
 * the schema, then every table row by row, skipping what cannot be read.
 * Fills the tables of r. Returns -1 with *cause.
 */
int
salvage_dump(const char *path, const char *out, struct salvage_report *r, char **cause)
{
	sqlite3			*db;
	sqlite3_stmt		*st = NULL;
	struct strlist {
		char	**type, **name, **sql;
		size_t	  n;
	}			 s = { NULL, NULL, NULL, 0 };
	struct salvage_table	*t;
	FILE			*f = NULL;
	char			*tmp;
	const char		*type, *name, *sql;
	size_t			 i;
	int			 rc = -1, fd = -1, pass;

	if ((db = salvage_open(path, cause)) == NULL)
		return (-1);
	tmp = xasprintf("%s.tmp.XXXXXX", out);
	if ((fd = mkstemp(tmp)) == -1 || fchmod(fd, 0600) == -1 ||
	    (f = fdopen(fd, "w")) == NULL) {
		*cause = xasprintf("%s: %s", out, strerror(errno));
		goto out;
	}
	fd = -1;
	/* The schema as far as it can be read. */
	if (sqlite3_prepare_v2(db, "SELECT type, name, sql FROM sqlite_schema "
	    "WHERE sql IS NOT NULL", -1, &st, NULL) == SQLITE_OK) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			type = (const char *)sqlite3_column_text(st, 0);
			name = (const char *)sqlite3_column_text(st, 1);
			sql = (const char *)sqlite3_column_text(st, 2);
			if (type == NULL || name == NULL || sql == NULL)
				continue;
			s.type = xreallocarray(s.type, s.n + 1, sizeof *s.type);
			s.name = xreallocarray(s.name, s.n + 1, sizeof *s.name);
			s.sql = xreallocarray(s.sql, s.n + 1, sizeof *s.sql);
			s.type[s.n] = xstrdup(type);
			s.name[s.n] = xstrdup(name);
			s.sql[s.n] = xstrdup(sql);
			s.n++;
		}
		if (rc != SQLITE_DONE) {
			r->schema_errors++;
			salvage_problem(r, sqlite3_errmsg(db));
		}
	} else {
		r->schema_errors++;
		salvage_problem(r, sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	st = NULL;
	rc = -1;

	fprintf(f, "-- salvage of %s by %s %s: what could be read\n"
	    "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n", path, PACKAGE, VERSION);
	/* Tables and their rows first, then indexes, views and triggers. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < s.n; i++) {
			if ((strcmp(s.type[i], "table") == 0) != (pass == 0) ||
			    salvage_internal(s.name[i]))
				continue;
			fprintf(f, "%s;\n", s.sql[i]);
			if (pass == 1 || str_has_prefix(s.sql[i], "CREATE VIRTUAL"))
				continue;
			r->tables = xreallocarray(r->tables, r->ntables + 1,
			    sizeof *r->tables);
			t = &r->tables[r->ntables++];
			memset(t, 0, sizeof *t);
			t->name = xstrdup(s.name[i]);
			log_info(_("reading table %s"), t->name);
			if (salvage_table(db, f, t) != 0) {
				*cause = xasprintf("%s: %s", out, strerror(errno));
				goto out;
			}
			r->rows += t->rows;
			extract_checkpoint("salvage-table");
		}
	}
	fputs("COMMIT;\n", f);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		*cause = xasprintf("%s: %s", out, strerror(errno));
		goto out;
	}
	if (fclose(f) != 0) {
		f = NULL;
		*cause = xasprintf("%s: %s", out, strerror(errno));
		goto out;
	}
	f = NULL;
	if (rename(tmp, out) == -1) {
		*cause = xasprintf("%s: %s", out, strerror(errno));
		goto out;
	}
	rc = fs_fsync_parent(out, cause);
out:
	if (rc != 0)
		unlink(tmp);
	if (f != NULL)
		fclose(f);
	if (fd != -1)
		close(fd);
	free(tmp);
	for (i = 0; i < s.n; i++) {
		free(s.type[i]);
		free(s.name[i]);
		free(s.sql[i]);
	}
	free(s.type);
	free(s.name);
	free(s.sql);
	sqlite3_close(db);
	return (rc);
}

/* Free what salvage_check and salvage_dump put in r. */
void
salvage_report_free(struct salvage_report *r)
{
	size_t	i;

	str_list_free(r->problems, r->nproblems);
	for (i = 0; i < r->ntables; i++)
		free(r->tables[i].name);
	free(r->tables);
	memset(r, 0, sizeof *r);
}
