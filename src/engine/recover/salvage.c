/*
 * salvage.c: the plan's "assess damage": integrity check and a dump of what
 * can be read, always of a private copy of the database (the evidence is
 * never opened by SQLite). The schema comes from SQLite with
 * writable_schema on, as .dump reads it, and from page 1's b-tree when that
 * fails; the rows from salvage-dump.c.
 */
#include "system.h"

#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "engine/recover/extract.h"
#include "engine/recover/restore.h"
#include "engine/recover/salvage-dump.h"
#include "engine/recover/salvage.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* One row of the schema. */
struct salvage_obj {
	char		*type, *name, *tbl, *sql;	/* owned */
	uint32_t	 root;
	bool		 pages;				/* read page by page */
};

/* The schema as far as it can be read. */
struct salvage_schema {
	struct salvage_obj	*o;
	size_t			 n;
	struct salvage_report	*r;	/* where a page walk reports damage */
};

/* The files that go with a database: its WAL and its rollback journal. */
static const char *const salvage_suffixes[] = { "-wal", "-journal" };

/* Open a database read-only, never creating it. Returns NULL with *cause. */
static sqlite3 *
salvage_open(const char *path, char **cause)
{
	sqlite3	*db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		*cause = xasprintf("%s: %s", path, db != NULL ? sqlite3_errmsg(db) :
		    _("out of memory"));
		sqlite3_close(db);
		return (NULL);
	}
	sqlite3_exec(db, "PRAGMA writable_schema=ON", NULL, NULL, NULL);
	return (db);
}

/*
 * Copy db, with its -wal and -journal when present, into a new private
 * folder under dir, and fold the WAL into the copy: what SQLite and the page
 * reader then see is everything committed, and the evidence is left as it
 * was (no -shm appears beside it). *copy (owned) is the copy's path; remove
 * it with salvage_copy_remove. Returns FAIL_NONE, or the class of the failure
 * with *cause.
 */
enum fail_class
salvage_copy(const char *db, const char *dir, char **copy, char **cause)
{
	sqlite3		*c = NULL;
	char		*tmpd, *src, *dst;
	size_t		 i;
	int		 e;
	enum fail_class	 fc;

	*copy = NULL;
	if (access(db, R_OK) != 0) {
		e = errno;
		*cause = xasprintf("%s: %s", db, strerror(e));
		return (fail_errno(e));
	}
	tmpd = xasprintf("%s/.salvage-XXXXXX", dir);
	if (mkdtemp(tmpd) == NULL) {
		e = errno;
		*cause = xasprintf("%s: %s", tmpd, strerror(e));
		free(tmpd);
		return (fail_errno(e));
	}
	*copy = xasprintf("%s/db", tmpd);
	free(tmpd);
	if ((fc = restore_copy_file(db, *copy, 0600, true, NULL, cause)) != FAIL_NONE)
		goto fail;
	for (i = 0; i < nitems(salvage_suffixes); i++) {
		src = xasprintf("%s%s", db, salvage_suffixes[i]);
		dst = xasprintf("%s%s", *copy, salvage_suffixes[i]);
		fc = fs_exists(src) ? restore_copy_file(src, dst, 0600, true, NULL, cause) :
		    FAIL_NONE;
		free(src);
		free(dst);
		if (fc != FAIL_NONE)
			goto fail;
	}
	if (sqlite3_open_v2(*copy, &c, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK)
		sqlite3_exec(c, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	sqlite3_close(c);
	return (FAIL_NONE);
fail:
	salvage_copy_remove(*copy);
	free(*copy);
	*copy = NULL;
	return (fc);
}

/* Remove a copy made by salvage_copy, with its folder. */
void
salvage_copy_remove(const char *copy)
{
	char	*p, *dir;
	size_t	 i;

	if (copy == NULL)
		return;
	unlink(copy);
	for (i = 0; i < nitems(salvage_suffixes); i++) {
		p = xasprintf("%s%s", copy, salvage_suffixes[i]);
		unlink(p);
		free(p);
	}
	p = xasprintf("%s-shm", copy);
	unlink(p);
	free(p);
	dir = fs_dirname(copy);
	rmdir(dir);
	free(dir);
}

/* Add the lines of a message of the integrity check to the report (one row may hold several). */
static void
salvage_problem(struct salvage_report *r, const char *msg)
{
	const char	*nl;
	char		*line;

	do {
		nl = strchr(msg, '\n');
		line = nl != NULL ? xstrndup(msg, (size_t)(nl - msg)) : xstrdup(msg);
		r->problems = xreallocarray(r->problems, r->nproblems + 1,
		    sizeof *r->problems);
		r->problems[r->nproblems++] = str_escape(line);	/* names from the file */
		free(line);
		msg = nl != NULL ? nl + 1 : NULL;
	} while (msg != NULL && *msg != '\0');
}

/* Add a note on what the dump left out to the report. */
static void
salvage_note(struct salvage_report *r, const char *msg)
{
	r->notes = xreallocarray(r->notes, r->nnotes + 1, sizeof *r->notes);
	r->notes[r->nnotes++] = str_escape(msg);
}

/*
 * PRAGMA integrity_check of path (a copy): r->intact and all its messages.
 * A file that SQLite cannot read at all counts as damaged. Returns FAIL_NONE,
 * or FAIL_IO with *cause only when the file cannot be opened.
 */
enum fail_class
salvage_check(const char *path, struct salvage_report *r, char **cause)
{
	sqlite3		*db;
	sqlite3_stmt	*st = NULL;
	const char	*msg;
	int		 rc;

	memset(r, 0, sizeof *r);
	if ((db = salvage_open(path, cause)) == NULL)
		return (FAIL_IO);
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check(1000000)", -1, &st, NULL) !=
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
	return (FAIL_NONE);
}

/* Add a schema row, unless one of that name is there already. Returns whether it was added. */
static bool
salvage_schema_add(struct salvage_schema *s, const char *type, const char *name,
    const char *tbl, int64_t root, const char *sql, bool pages)
{
	struct salvage_obj	*o;
	size_t			 i;

	for (i = 0; i < s->n; i++) {
		if (strcmp(s->o[i].name, name) == 0)
			return (false);
	}
	s->o = xreallocarray(s->o, s->n + 1, sizeof *s->o);
	o = &s->o[s->n++];
	o->type = xstrdup(type);
	o->name = xstrdup(name);
	o->tbl = xstrdup(tbl != NULL ? tbl : name);
	o->sql = sql != NULL ? xstrdup(sql) : NULL;
	o->root = root > 0 && root <= UINT32_MAX ? (uint32_t)root : 0;
	o->pages = pages;
	return (true);
}

/* Free the rows of a schema. */
static void
salvage_schema_clear(struct salvage_schema *s)
{
	size_t	i;

	for (i = 0; i < s->n; i++) {
		free(s->o[i].type);
		free(s->o[i].name);
		free(s->o[i].tbl);
		free(s->o[i].sql);
	}
	free(s->o);
	memset(s, 0, sizeof *s);
}

/* Copy a text value of a schema record into a string (owned), or NULL. */
static char *
salvage_text(const struct ps_value *v)
{
	char	*s;

	if (v->type != SQLITE_TEXT || memchr(v->p, 0, v->n) != NULL)
		return (NULL);
	s = xmalloc(v->n + 1);
	memcpy(s, v->p, v->n);
	s[v->n] = '\0';
	return (s);
}

/* A row of page 1's tree: a schema row, when it has the shape of one. */
static int
salvage_on_schema_row(void *arg, const struct ps_row *row)
{
	struct salvage_schema	*s = arg;
	char			*type, *name, *tbl, *sql;

	if (row->nv < 5)
		return (0);
	type = salvage_text(&row->v[0]);
	name = salvage_text(&row->v[1]);
	tbl = salvage_text(&row->v[2]);
	sql = salvage_text(&row->v[4]);
	if (type != NULL && name != NULL && (strcmp(type, "table") == 0 ||
	    strcmp(type, "index") == 0 || strcmp(type, "view") == 0 ||
	    strcmp(type, "trigger") == 0))
		salvage_schema_add(s, type, name, tbl,
		    row->v[3].type == SQLITE_INTEGER ? row->v[3].i : 0, sql, true);
	free(type);
	free(name);
	free(tbl);
	free(sql);
	return (0);
}

/* Damage to page 1's tree, where the schema lives. */
static int
salvage_on_schema_damage(void *arg, const struct ps_damage *pd)
{
	struct salvage_schema	*s = arg;

	sdump_damage(s->r, "sqlite_schema", pd);
	return (0);
}

/*
 * The schema: as SQLite reads it; when that fails, completed with the rows
 * of page 1's b-tree read page by page (which also marks page 1's pages).
 */
static void
salvage_schema(struct sdump *d, struct salvage_schema *s)
{
	struct salvage_schema	 pg = { NULL, 0, NULL };
	struct ps_visitor	 vis = { salvage_on_schema_row, salvage_on_schema_damage, &pg };
	sqlite3_stmt		*st = NULL;
	const char		*type, *name;
	char			*pcause;
	size_t			 i;
	int			 rc = SQLITE_ERROR;

	pg.r = d->r;
	if (sqlite3_prepare_v2(d->db, "SELECT type, name, tbl_name, rootpage, sql "
	    "FROM sqlite_schema", -1, &st, NULL) == SQLITE_OK) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			type = (const char *)sqlite3_column_text(st, 0);
			name = (const char *)sqlite3_column_text(st, 1);
			if (type != NULL && name != NULL)
				salvage_schema_add(s, type, name,
				    (const char *)sqlite3_column_text(st, 2),
				    sqlite3_column_int64(st, 3),
				    (const char *)sqlite3_column_text(st, 4), false);
		}
	}
	if (rc != SQLITE_DONE) {
		d->r->schema_errors++;
		pcause = xasprintf(_("the schema cannot be read by SQLite: %s"),
		    sqlite3_errmsg(d->db));
		salvage_note(d->r, pcause);
		free(pcause);
	}
	sqlite3_finalize(st);
	if (d->pf == NULL)
		return;
	ps_walk(d->pf, 1, false, &vis);
	if (rc != SQLITE_DONE || s->n == 0) {
		for (i = 0; i < pg.n; i++) {
			if (salvage_schema_add(s, pg.o[i].type, pg.o[i].name, pg.o[i].tbl,
			    pg.o[i].root, pg.o[i].sql, true))
				d->r->schema_pages = true;
		}
	}
	salvage_schema_clear(&pg);
}

/* Whether sql creates a virtual table. */
static bool
salvage_is_virtual(const char *sql)
{
	return (sql != NULL && strncasecmp(sql, "CREATE VIRTUAL TABLE", 20) == 0);
}

/* Append a string as an SQL literal. */
static void
salvage_quote(struct sdump *d, struct buf *b, const char *s)
{
	sdump_literal(d, b, &(struct ps_value){ .type = SQLITE_TEXT,
	    .p = (const uint8_t *)s, .n = strlen(s) });
}

/* Add a table to the report and return it. */
static struct salvage_table *
salvage_add_table(struct salvage_report *r, const char *name)
{
	struct salvage_table	*t;

	r->tables = xreallocarray(r->tables, r->ntables + 1, sizeof *r->tables);
	t = &r->tables[r->ntables++];
	memset(t, 0, sizeof *t);
	t->name = str_escape(name);
	return (t);
}

/*
 * Dump the rows of one table of the schema (o) into the dump, with its
 * CREATE statement first (or, for a virtual table, its schema row, as .dump
 * writes it; its shadow tables are dumped as the tables they are).
 */
static int
salvage_one_table(struct sdump *d, const struct salvage_obj *o, bool *vtab,
    struct sdump_table **tabs, size_t *ntabs)
{
	struct sdump_table	*t;
	struct salvage_table	*rt;
	char			*pcause;
	bool			 seq;
	int			 rc;

	if (salvage_is_virtual(o->sql)) {
		pcause = xasprintf("%s;", o->sql);
		rc = sqlite3_complete(pcause);
		free(pcause);
		if (!rc)
			return (0);	/* a damaged schema row */
		buf_reset(&d->b);
		if (!*vtab)
			buf_adds(&d->b, "PRAGMA writable_schema=ON;\n");
		*vtab = true;
		buf_adds(&d->b, "INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)"
		    "VALUES('table',");
		salvage_quote(d, &d->b, o->name);
		buf_addc(&d->b, ',');
		salvage_quote(d, &d->b, o->tbl);
		buf_adds(&d->b, ",0,");
		salvage_quote(d, &d->b, o->sql);
		buf_adds(&d->b, ");\n");
		fputs(d->b.data, d->f);
		buf_reset(&d->b);
		return (0);
	}
	*tabs = xreallocarray(*tabs, *ntabs + 1, sizeof **tabs);
	t = &(*tabs)[(*ntabs)++];
	memset(t, 0, sizeof *t);
	t->name = xstrdup(o->name);
	t->sql = xstrdup(o->sql);
	t->root = o->root;
	seq = strcmp(o->name, "sqlite_sequence") == 0;
	if (seq || strcmp(o->name, "sqlite_stat1") == 0) {
		/* SQLite makes these itself: emptied or made, then filled. */
		fputs(seq ? "DELETE FROM sqlite_sequence;\n" : "ANALYZE sqlite_schema;\n", d->f);
		t->ipk = -1;
		t->ncols = seq ? 2 : 3;
		t->cols = xcalloc(3, sizeof *t->cols);
		t->cols[0] = xstrdup(seq ? "name" : "tbl");
		t->cols[1] = xstrdup(seq ? "seq" : "idx");
		if (!seq)
			t->cols[2] = xstrdup("stat");
		t->rec = xcalloc(3, sizeof *t->rec);
		t->rec[1] = 1;
		t->rec[2] = 2;
		t->nrec = t->ncols;
		t->known = true;
	} else if (sdump_table_info(d, t) == 0)
		fprintf(d->f, "%s;\n", o->sql);
	else {
		/* Its pages go to lost_and_found, as those of a table without a schema. */
		pcause = xasprintf(_("table %s left out of the dump: its schema does not "
		    "parse"), o->name);
		salvage_note(d->r, pcause);
		log_warn("%s", d->r->notes[d->r->nnotes - 1]);
		free(pcause);
		sdump_table_clear(t);
		(*ntabs)--;
		return (0);
	}
	rt = salvage_add_table(d->r, o->name);
	t->rt = d->r->ntables - 1;
	log_info(_("reading table %s"), rt->name);
	rc = sdump_table_rows(d, t, rt);
	d->r->rows += rt->rows;
	extract_checkpoint("salvage-table");
	return (rc);
}

/* A name for lost_and_found that no table of the schema has (owned). */
static char *
salvage_lf_name(const struct salvage_schema *s)
{
	char	*name = xstrdup("lost_and_found");
	size_t	 i;
	int	 n = 0;

	for (i = 0; i < s->n; i++) {
		if (strcasecmp(s->o[i].name, name) == 0) {
			free(name);
			name = xasprintf("lost_and_found_%d", ++n);
			i = (size_t)-1;
		}
	}
	return (name);
}

/* Format a rowid bound for the report: the ends of the range are "min" and "max". */
static void
salvage_bound(struct buf *b, int64_t v)
{
	if (v == INT64_MIN)
		buf_adds(b, "min");
	else if (v == INT64_MAX)
		buf_adds(b, "max");
	else
		buf_printf(b, "%lld", (long long)v);
}

/* Write the report and the integrity check's lines beside the dump at out. */
static int
salvage_write_report(const char *label, const char *out, struct salvage_report *r,
    char **cause)
{
	struct buf	b;
	size_t		i;
	int		rc;

	buf_init(&b);
	for (i = 0; i < r->nproblems; i++)
		buf_printf(&b, "%s\n", r->problems[i]);
	if (r->nproblems == 0)
		buf_adds(&b, "ok\n");
	free(r->integrity_path);
	r->integrity_path = xasprintf("%s.integrity.txt", out);
	rc = fs_write_atomic(r->integrity_path, b.data, b.len, 0600, cause);
	buf_reset(&b);
	if (rc != 0)
		goto out;
	buf_printf(&b, "salvage of %s\n\n", label);
	buf_printf(&b, "%ld rows in %zu tables, %ld of them suspect (marked \"-- suspect\" "
	    "in the dump); %ld rows that belong to no known table in lost_and_found; "
	    "%ld rows found on the file's table pages%s\n\n", r->rows, r->ntables, r->suspect,
	    r->lost_found, r->cells, r->schema_pages ? "; the schema was read page by page" :
	    "");
	buf_adds(&b, "table\trows\tread page by page\tsuspect\tread errors\n");
	for (i = 0; i < r->ntables; i++)
		buf_printf(&b, "%s\t%ld\t%ld\t%ld\t%ld\n", r->tables[i].name,
		    r->tables[i].rows, r->tables[i].rows_pages, r->tables[i].suspect,
		    r->tables[i].errors);
	for (i = 0; i < r->nnotes; i++)
		buf_printf(&b, "%s%s\n", i == 0 ? "\n" : "", r->notes[i]);
	if (r->index_orphans > 0)
		buf_printf(&b, "\n%ld parts of damaged indexes that no tree reaches left out: "
		    "the dump's CREATE INDEX makes their entries again\n", r->index_orphans);
	buf_printf(&b, "\ndamaged pages: %zu\n", r->ndamage);
	for (i = 0; i < r->ndamage; i++) {
		buf_printf(&b, "page %u", r->damage[i].pgno);
		if (r->damage[i].cell >= 0)
			buf_printf(&b, " cell %d", r->damage[i].cell);
		buf_printf(&b, " (%s): %s", r->damage[i].table != NULL ? r->damage[i].table :
		    "?", r->damage[i].why);
		if (r->damage[i].range) {
			buf_adds(&b, "; rowids ");
			salvage_bound(&b, r->damage[i].lo);
			buf_adds(&b, "..");
			salvage_bound(&b, r->damage[i].hi);
			buf_adds(&b, " not read from it");
		}
		buf_addc(&b, '\n');
	}
	free(r->report_path);
	r->report_path = xasprintf("%s.report.txt", out);
	rc = fs_write_atomic(r->report_path, b.data, b.len, 0600, cause);
out:
	buf_clear(&b);
	return (rc);
}

/*
 * Dump what can be read of the database at path (a copy made by
 * salvage_copy; label names the original in the dump) into out: an SQL
 * script that sqlite3 loads, written under a temporary name, mode 0600, then
 * renamed. The schema, each table's rows (read by SQLite, then page by page
 * past damage), lost_and_found, then indexes, views and triggers. Beside it
 * OUT.report.txt (damaged pages, lost rowids, rows per table) and
 * OUT.integrity.txt. Fills r. Returns -1 with *cause.
 */
int
salvage_dump(const char *path, const char *label, const char *out, struct salvage_report *r,
    char **cause)
{
	struct salvage_schema	 s = { NULL, 0, NULL };
	struct ps_file		 pf;
	struct sdump		 d;
	struct sdump_table	*tabs = NULL;
	char			*tmp, *pcause = NULL, *lf = NULL, *clean = NULL;
	size_t			 i, ntabs = 0;
	int			 rc = -1, fd = -1, pass;
	bool			 vtab = false;

	memset(&d, 0, sizeof d);
	d.r = r;
	buf_init(&d.b);
	if ((d.db = salvage_open(path, cause)) == NULL)
		return (-1);
	if (ps_open(&pf, path, &pcause) == 0)
		d.pf = &pf;
	else {
		salvage_note(r, pcause);
		free(pcause);
	}
	sqlite3_open(":memory:", &d.shadow);
	sqlite3_prepare_v2(d.shadow, "SELECT ?", -1, &d.conv, NULL);
	tmp = xasprintf("%s.tmp.XXXXXX", out);
	if ((fd = mkstemp(tmp)) == -1 || fchmod(fd, 0600) == -1 ||
	    (d.f = fdopen(fd, "w")) == NULL || (d.lf = tmpfile()) == NULL) {
		*cause = xasprintf("%s: %s", out, strerror(errno));
		goto out;
	}
	fd = -1;
	/* One read transaction: the many seeks around damage take no lock each. */
	sqlite3_exec(d.db, "BEGIN", NULL, NULL, NULL);
	if (d.pf != NULL)
		ps_mark_freelist(d.pf);
	salvage_schema(&d, &s);

	clean = str_escape(label);
	fprintf(d.f, "-- salvage of %s by %s %s: what could be read\n"
	    "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n", clean, PACKAGE, VERSION);
	/* Tables and their rows; the indexes' pages are walked to know them. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < s.n; i++) {
			if (strcmp(s.o[i].type, "index") == 0 && pass == 0)
				sdump_walk_index(&d, s.o[i].name, s.o[i].root);
			if (strcmp(s.o[i].type, "table") != 0 || s.o[i].sql == NULL ||
			    (str_has_prefix(s.o[i].name, "sqlite_") !=
			    (pass == 1)))
				continue;
			if (pass == 1 && strcmp(s.o[i].name, "sqlite_sequence") != 0 &&
			    strcmp(s.o[i].name, "sqlite_stat1") != 0)
				continue;
			if (salvage_one_table(&d, &s.o[i], &vtab, &tabs, &ntabs) != 0)
				goto werr;
		}
	}
	sdump_orphans(&d, tabs, ntabs);
	lf = salvage_lf_name(&s);
	if (sdump_lost_found(&d, lf) != 0)
		goto werr;
	/* Indexes, views, triggers: those that SQLite can make on what was dumped. */
	for (i = 0; i < s.n; i++) {
		if (strcmp(s.o[i].type, "table") == 0 || s.o[i].sql == NULL ||
		    str_has_prefix(s.o[i].name, "sqlite_"))
			continue;
		if (sqlite3_exec(d.shadow, s.o[i].sql, NULL, NULL, NULL) != SQLITE_OK) {
			pcause = xasprintf(_("%s %s left out of the dump: %s"), s.o[i].type,
			    s.o[i].name, sqlite3_errmsg(d.shadow));
			salvage_note(r, pcause);
			free(pcause);
			continue;
		}
		fprintf(d.f, "%s;\n", s.o[i].sql);
	}
	if (vtab)
		fputs("PRAGMA writable_schema=OFF;\n", d.f);
	fputs("COMMIT;\n", d.f);
	if (d.werr != 0 || fflush(d.f) != 0 || fsync(fileno(d.f)) != 0)
		goto werr;
	if (fclose(d.f) != 0) {
		d.f = NULL;
		goto werr;
	}
	d.f = NULL;
	if (rename(tmp, out) == -1)
		goto werr;
	if (fs_fsync_parent(out, cause) != 0)
		goto out;
	if (d.pf != NULL)
		r->cells = ps_count_cells(d.pf, PS_TABLE_LEAF, 1);
	r->almost_nothing = r->rows * 10 < r->cells || (r->rows == 0 && r->lost_found == 0);
	rc = salvage_write_report(clean, out, r, cause);
	goto out;
werr:
	*cause = xasprintf("%s: %s", out, strerror(d.werr != 0 ? d.werr : errno));
out:
	if (rc != 0)
		unlink(tmp);
	if (d.f != NULL)
		fclose(d.f);
	if (d.lf != NULL)
		fclose(d.lf);
	if (fd != -1)
		close(fd);
	free(tmp);
	free(lf);
	free(clean);
	salvage_schema_clear(&s);
	sqlite3_finalize(d.conv);
	sqlite3_close(d.shadow);
	sqlite3_close(d.db);
	if (d.pf != NULL)
		ps_close(d.pf);
	for (i = 0; i < ntabs; i++)
		sdump_table_clear(&tabs[i]);
	free(tabs);
	free(d.moved.keys);
	free(d.shared.keys);
	free(d.badpages.keys);
	buf_clear(&d.b);
	return (rc);
}

/* Free what salvage_check and salvage_dump put in r. */
void
salvage_report_clear(struct salvage_report *r)
{
	size_t	i;

	str_list_free(r->problems, r->nproblems);
	str_list_free(r->notes, r->nnotes);
	for (i = 0; i < r->ntables; i++)
		free(r->tables[i].name);
	free(r->tables);
	for (i = 0; i < r->ndamage; i++)
		free(r->damage[i].table);
	free(r->damage);
	free(r->report_path);
	free(r->integrity_path);
	memset(r, 0, sizeof *r);
}
