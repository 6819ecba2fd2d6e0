/*
 * salvage-dump.c: the rows of a salvage dump. Each table is read by SQLite
 * first, seeking around damaged pages; when that meets an error, its b-tree
 * is walked page by page and the rows SQLite could not reach are added.
 * Rows are written as .dump writes them, so that they load back unchanged.
 */
#include "system.h"

#include <math.h>

#include "engine/recover/salvage-dump.h"
#include "util/log.h"
#include "util/xmalloc.h"

/* Rounds of seek-and-read on one table before the rest is left to the page walk. */
#define SDUMP_MAX_ROUNDS 4096

/* Mix a key for the set. */
static uint64_t
sdump_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (x);
}

/* Add k to the set. Returns false when it was there already. */
static bool
sdump_set_add(struct sdump_set *s, uint64_t k)
{
	uint64_t	*old;
	size_t		 i, ocap;

	if (k == 0) {
		if (s->zero)
			return (false);
		return (s->zero = true);
	}
	if ((s->n + 1) * 2 > s->cap) {
		old = s->keys;
		ocap = s->cap;
		s->cap = ocap == 0 ? 1024 : ocap * 2;
		s->keys = xcalloc(s->cap, sizeof *s->keys);
		s->n = 0;
		for (i = 0; i < ocap; i++) {
			if (old[i] != 0)
				sdump_set_add(s, old[i]);
		}
		free(old);
	}
	for (i = sdump_mix(k) & (s->cap - 1); s->keys[i] != 0; i = (i + 1) & (s->cap - 1)) {
		if (s->keys[i] == k)
			return (false);
	}
	s->keys[i] = k;
	s->n++;
	return (true);
}

/* Whether k is in the set. */
static bool
sdump_set_has(const struct sdump_set *s, uint64_t k)
{
	size_t	i;

	if (k == 0)
		return (s->zero);
	if (s->cap == 0)
		return (false);
	for (i = sdump_mix(k) & (s->cap - 1); s->keys[i] != 0; i = (i + 1) & (s->cap - 1)) {
		if (s->keys[i] == k)
			return (true);
	}
	return (false);
}

/* Empty the set. */
static void
sdump_set_clear(struct sdump_set *s)
{
	free(s->keys);
	memset(s, 0, sizeof *s);
}

/* FNV-1a of n bytes: the key of a WITHOUT ROWID row in the set. */
static uint64_t
sdump_hash(const char *p, size_t n)
{
	uint64_t	h = 0xcbf29ce484222325ULL;

	while (n-- > 0) {
		h ^= (uint8_t)*p++;
		h *= 0x100000001b3ULL;
	}
	return (h);
}

/* Append an SQL identifier in double quotes. */
void
sdump_ident(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			buf_addc(b, '"');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

/* Whether n bytes are valid UTF-8 without a NUL. */
static bool
sdump_utf8(const uint8_t *p, size_t n)
{
	size_t		i = 0, k, len;
	uint32_t	c;

	while (i < n) {
		c = p[i];
		if (c == 0)
			return (false);
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4;
		else
			return (false);
		if (i + len > n)
			return (false);
		c &= 0x3f >> (len - 1);
		for (k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return (false);
			c = c << 6 | (p[i + k] & 0x3f);
		}
		if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
		    (len == 4 && (c < 0x10000 || c > 0x10ffff)))
			return (false);
		i += len;
	}
	return (true);
}

/* Append n bytes as hex digits. */
static void
sdump_hex(struct buf *b, const uint8_t *p, size_t n)
{
	char	hex[3];
	size_t	k;

	for (k = 0; k < n; k++) {
		str_hex(p + k, 1, hex);
		buf_add(b, hex, 2);
	}
}

/*
 * Append a value as an SQL literal that loads back to the same value: REALs
 * keep a decimal point, text that is not valid UTF-8 or holds a NUL is
 * written as a cast of its bytes.
 */
void
sdump_literal(struct sdump *d, struct buf *b, const struct ps_value *v)
{
	const uint8_t	*p = v->p;
	char		 num[64];
	size_t		 n = v->n, k;
	int		 enc = d->pf != NULL ? d->pf->enc : 1;

	switch (v->type) {
	case SQLITE_INTEGER:
		buf_printf(b, "%lld", (long long)v->i);
		break;
	case SQLITE_FLOAT:
		if (isnan(v->d))
			buf_adds(b, "NULL");
		else if (isinf(v->d))
			buf_adds(b, v->d > 0 ? "1e999" : "-1e999");
		else {
			sqlite3_snprintf((int)sizeof num, num, "%!.17g", v->d);
			buf_adds(b, num);
		}
		break;
	case SQLITE_TEXT:
		if (enc != 1 && d->conv != NULL) {
			/* Page-level text of a UTF-16 database. */
			sqlite3_reset(d->conv);
			sqlite3_bind_text64(d->conv, 1, (const char *)p, n, SQLITE_STATIC,
			    enc == 2 ? SQLITE_UTF16LE : SQLITE_UTF16BE);
			if (sqlite3_step(d->conv) == SQLITE_ROW) {
				p = sqlite3_column_text(d->conv, 0);
				n = (size_t)sqlite3_column_bytes(d->conv, 0);
			}
		}
		if (p == NULL)
			p = (const uint8_t *)"";
		if (!sdump_utf8(p, n)) {
			buf_adds(b, "CAST(X'");
			sdump_hex(b, p, n);
			buf_adds(b, "' AS TEXT)");
			break;
		}
		buf_addc(b, '\'');
		for (k = 0; k < n; k++) {
			if (p[k] == '\'')
				buf_addc(b, '\'');
			buf_addc(b, (char)p[k]);
		}
		buf_addc(b, '\'');
		break;
	case SQLITE_BLOB:
		buf_adds(b, "X'");
		sdump_hex(b, p, n);
		buf_addc(b, '\'');
		break;
	default:
		buf_adds(b, "NULL");
		break;
	}
}

/* Write the buffer to f and empty it; remembers a failure in d->werr. */
void
sdump_flush(struct sdump *d, FILE *f)
{
	if (d->b.len > 0 && fwrite(d->b.data, 1, d->b.len, f) != d->b.len && d->werr == 0)
		d->werr = errno != 0 ? errno : EIO;
	buf_reset(&d->b);
}

/* Free what sdump_table_info put in t. */
void
sdump_table_clear(struct sdump_table *t)
{
	str_list_free(t->cols, (size_t)t->ncols);
	free(t->rec);
	sdump_set_clear(&t->seen);
	free(t->name);
	free(t->sql);
	memset(t, 0, sizeof *t);
}

/* Whether the statement sql prepares on db. */
static bool
sdump_prepares(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*st = NULL;
	bool		 ok;

	ok = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK;
	sqlite3_finalize(st);
	return (ok);
}

/*
 * The columns of table t from its CREATE statement, created in the shadow
 * database: those an INSERT gives (generated ones are left out), the order
 * of its records, its INTEGER PRIMARY KEY and a name for its rowid.
 * Returns -1 when the statement does not describe a table SQLite can make.
 */
int
sdump_table_info(struct sdump *d, struct sdump_table *t)
{
	static const char *const rowid_names[] = { "rowid", "_rowid_", "oid" };
	sqlite3_stmt	*st = NULL;
	struct buf	 q;
	char		*cidx = NULL;	/* cid -> column, or -1 */
	const char	*name, *type;
	int		 cid, hidden, pk, npk = 0, ipk = -1, i, k, ncid = 0, rc = -1;

	t->ipk = -1;
	buf_init(&q);
	if (sqlite3_exec(d->shadow, t->sql, NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	buf_adds(&q, "SELECT cid, name, type, pk, hidden FROM pragma_table_xinfo(");
	sdump_literal(d, &q, &(struct ps_value){ .type = SQLITE_TEXT,
	    .p = (const uint8_t *)t->name, .n = strlen(t->name) });
	buf_adds(&q, ") ORDER BY cid");
	if (sqlite3_prepare_v2(d->shadow, q.data, -1, &st, NULL) != SQLITE_OK)
		goto out;
	t->rec = NULL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		cid = sqlite3_column_int(st, 0);
		name = (const char *)sqlite3_column_text(st, 1);
		type = (const char *)sqlite3_column_text(st, 2);
		pk = sqlite3_column_int(st, 3);
		hidden = sqlite3_column_int(st, 4);
		if (name == NULL || cid != ncid)
			goto out;
		cidx = xrealloc(cidx, (size_t)ncid + 1);
		cidx[ncid++] = -1;
		if (pk > 0) {
			npk++;
			if (type != NULL && strcasecmp(type, "INTEGER") == 0)
				ipk = t->ncols;
		}
		if (hidden != 2) {	/* virtual generated columns are not stored */
			t->rec = xreallocarray(t->rec, (size_t)t->nrec + 1, sizeof *t->rec);
			t->rec[t->nrec++] = hidden == 3 ? -1 : t->ncols;
		}
		if (hidden == 2 || hidden == 3)
			continue;
		cidx[cid] = (char)(t->ncols < 127 ? t->ncols : -1);
		t->cols = xreallocarray(t->cols, (size_t)t->ncols + 1, sizeof *t->cols);
		t->cols[t->ncols++] = xstrdup(name);
	}
	sqlite3_finalize(st);
	st = NULL;
	buf_reset(&q);
	buf_adds(&q, "SELECT rowid FROM ");
	sdump_ident(&q, t->name);
	t->without_rowid = !sdump_prepares(d->shadow, q.data);
	if (!t->without_rowid && npk == 1 && ipk >= 0) {
		/* INTEGER PRIMARY KEY DESC is no alias of the rowid; the quirk is kept. */
		buf_reset(&q);
		buf_adds(&q, "SELECT 1 FROM pragma_index_list(");
		sdump_literal(d, &q, &(struct ps_value){ .type = SQLITE_TEXT,
		    .p = (const uint8_t *)t->name, .n = strlen(t->name) });
		buf_adds(&q, ") WHERE origin = 'pk'");
		if (sqlite3_prepare_v2(d->shadow, q.data, -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) != SQLITE_ROW)
			t->ipk = ipk;
		sqlite3_finalize(st);
		st = NULL;
	}
	if (t->without_rowid) {
		/* The record holds the key columns first, then the rest. */
		buf_reset(&q);
		buf_adds(&q, "SELECT x.cid, x.key FROM pragma_index_list(");
		sdump_literal(d, &q, &(struct ps_value){ .type = SQLITE_TEXT,
		    .p = (const uint8_t *)t->name, .n = strlen(t->name) });
		buf_adds(&q, ") AS l, pragma_index_xinfo(l.name) AS x "
		    "WHERE l.origin = 'pk' ORDER BY x.seqno");
		if (sqlite3_prepare_v2(d->shadow, q.data, -1, &st, NULL) != SQLITE_OK)
			goto out;
		t->nrec = 0;
		while (sqlite3_step(st) == SQLITE_ROW) {
			cid = sqlite3_column_int(st, 0);
			t->rec = xreallocarray(t->rec, (size_t)t->nrec + 1, sizeof *t->rec);
			t->rec[t->nrec++] = cid >= 0 && cid < ncid ? cidx[cid] : -1;
			if (sqlite3_column_int(st, 1) != 0)
				t->nkey++;
		}
	} else {
		for (i = 0; i < 3 && t->rowid_name == NULL; i++) {
			for (k = 0; k < t->ncols; k++) {
				if (strcasecmp(t->cols[k], rowid_names[i]) == 0)
					break;
			}
			if (k == t->ncols)
				t->rowid_name = rowid_names[i];
		}
	}
	t->known = t->ncols > 0 && t->ncols < 127;
	rc = t->known ? 0 : -1;
out:
	sqlite3_finalize(st);
	free(cidx);
	buf_clear(&q);
	return (rc);
}

/*
 * Write one row of t: values[i] for its first n columns (fewer than all when
 * the record predates an ADD COLUMN: the others take their default), with
 * the rowid when the table has one that is no column. A row already written
 * is skipped. suspect, when not NULL, says why the row is doubtful.
 */
static void
sdump_row(struct sdump *d, struct sdump_table *t, int64_t rowid, const struct ps_value *values,
    int n, const char *suspect)
{
	struct buf	*b = &d->b;
	size_t		 start;
	bool		 byrowid = !t->without_rowid && t->rowid_name != NULL;
	bool		 extra = byrowid && t->ipk < 0;
	int		 i;

	buf_reset(b);
	if (byrowid && sdump_set_has(&d->moved, (uint64_t)rowid))
		return;		/* in lost_and_found: its page is not where it belongs */
	if (byrowid && suspect == NULL && sdump_set_has(&d->shared, (uint64_t)rowid))
		suspect = "its page is also on the freelist or in another tree, or a page "
		    "of its value is all zeros";
	if (byrowid && !sdump_set_add(&t->seen, (uint64_t)rowid))
		return;
	buf_adds(b, "INSERT INTO ");
	sdump_ident(b, t->name);
	buf_addc(b, '(');
	if (extra)
		buf_adds(b, t->rowid_name);
	for (i = 0; i < n; i++) {
		if (i > 0 || extra)
			buf_addc(b, ',');
		sdump_ident(b, t->cols[i]);
	}
	buf_adds(b, ") VALUES(");
	start = b->len;
	if (extra)
		buf_printf(b, "%lld", (long long)rowid);
	for (i = 0; i < n; i++) {
		if (i > 0 || extra)
			buf_addc(b, ',');
		sdump_literal(d, b, &values[i]);
	}
	if (!byrowid &&
	    !sdump_set_add(&t->seen, sdump_hash(b->data + start, b->len - start))) {
		buf_reset(b);
		return;
	}
	buf_adds(b, ");\n");
	if (suspect != NULL) {
		fprintf(d->f, "-- suspect (%s):\n", suspect);
		d->t->suspect++;
		d->r->suspect++;
	}
	sdump_flush(d, d->f);
	d->t->rows++;
}

/* Turn column i of the current row of st into a value (borrowed from st). */
static void
sdump_column(sqlite3_stmt *st, int i, struct ps_value *v)
{
	memset(v, 0, sizeof *v);
	v->type = sqlite3_column_type(st, i);
	switch (v->type) {
	case SQLITE_INTEGER:
		v->i = sqlite3_column_int64(st, i);
		break;
	case SQLITE_FLOAT:
		v->d = sqlite3_column_double(st, i);
		break;
	case SQLITE_TEXT:
		v->p = sqlite3_column_text(st, i);
		v->n = (size_t)sqlite3_column_bytes(st, i);
		break;
	case SQLITE_BLOB:
		v->p = sqlite3_column_blob(st, i);
		v->n = (size_t)sqlite3_column_bytes(st, i);
		break;
	}
}

/*
 * Prepare a read of t: SELECT key, columns FROM t ordered by key (NULL: in
 * the table's own order), bounded to [?1, ?2] when bounded; probe: only the
 * first key at or after ?1.
 */
static sqlite3_stmt *
sdump_prepare(struct sdump *d, struct sdump_table *t, const char *key, const char *order,
    bool bounded, bool probe)
{
	sqlite3_stmt	*st = NULL;
	struct buf	 q;
	int		 i;

	buf_init(&q);
	buf_adds(&q, "SELECT ");
	buf_adds(&q, key != NULL ? key : "0");
	for (i = 0; i < t->ncols && !probe; i++) {
		buf_addc(&q, ',');
		sdump_ident(&q, t->cols[i]);
	}
	buf_adds(&q, " FROM ");
	sdump_ident(&q, t->name);
	if (key != NULL && bounded)
		buf_printf(&q, " WHERE %s >= ?1 AND %s <= ?2", key, key);
	if (order != NULL)
		buf_printf(&q, " ORDER BY %s", order);
	if (probe)
		buf_adds(&q, " LIMIT 1");
	if (sqlite3_prepare_v2(d->db, q.data, -1, &st, NULL) != SQLITE_OK)
		st = NULL;
	buf_clear(&q);
	return (st);
}

/*
 * Read rows with st (bound to [lo, hi] when bounded) until the end or an
 * error; *last is the key of the last row read (unchanged when none), *nread
 * counts the rows. Returns SQLITE_DONE or the error.
 */
static int
sdump_read(struct sdump *d, struct sdump_table *t, sqlite3_stmt *st, bool bounded, int64_t lo,
    int64_t hi, int64_t *last, long *nread)
{
	struct ps_value	*v;
	int		 rc, i;

	v = xcalloc((size_t)t->ncols + 1, sizeof *v);
	sqlite3_reset(st);
	if (bounded) {
		sqlite3_bind_int64(st, 1, lo);
		sqlite3_bind_int64(st, 2, hi);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && d->werr == 0) {
		for (i = 0; i < t->ncols; i++)
			sdump_column(st, i + 1, &v[i]);
		*last = sqlite3_column_int64(st, 0);
		sdump_row(d, t, *last, v, t->ncols, NULL);
		(*nread)++;
	}
	free(v);
	return (rc == SQLITE_ROW ? SQLITE_DONE : rc);
}

/* Whether a seek to the first key in [k, hi] succeeds. */
static bool
sdump_probe(sqlite3_stmt *st, int64_t k, int64_t hi)
{
	int	rc;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, k);
	sqlite3_bind_int64(st, 2, hi);
	rc = sqlite3_step(st);
	return (rc == SQLITE_ROW || rc == SQLITE_DONE);
}

/*
 * Read t with SQLite by an integer key (the rowid, or the single key column
 * of a WITHOUT ROWID table) around damage: in key order until an error;
 * then from the end in descending order down to the damage; then in the
 * gap: jump forward by doubling steps to a key that can be sought, search
 * back for the first such key, read on from there, and so on. Returns the
 * errors met.
 */
static long
sdump_seek_read(struct sdump *d, struct sdump_table *t, const char *key)
{
	sqlite3_stmt	*all, *asc, *desc, *probe;
	char		*down = xasprintf("%s DESC", key);
	int64_t		 lo = INT64_MIN, hi = INT64_MAX, last, top, k, ok, bad;
	uint64_t	 step, range;
	long		 errors = 0, n, rounds = 0;
	int		 rc;

	all = sdump_prepare(d, t, key, key, false, false);
	asc = sdump_prepare(d, t, key, key, true, false);
	desc = sdump_prepare(d, t, key, down, true, false);
	probe = sdump_prepare(d, t, key, key, true, true);
	if (all == NULL || asc == NULL || desc == NULL || probe == NULL) {
		errors++;
		goto out;
	}
	/* First the whole table in key order: keys of any type. */
	last = lo;
	n = 0;
	if ((rc = sdump_read(d, t, all, false, 0, 0, &last, &n)) == SQLITE_DONE)
		goto out;
	errors++;
	if (n > 0 && last == INT64_MAX)
		goto out;
	bad = n > 0 ? last + 1 : lo;	/* the first key not read */
	/* From the end down to the damage. */
	top = hi;
	n = 0;
	if (sdump_read(d, t, desc, true, bad, hi, &top, &n) == SQLITE_DONE)
		goto out;
	if (n > 0) {
		if (top == bad)
			goto out;
		hi = top - 1;
	}
	while (rounds++ < SDUMP_MAX_ROUNDS && d->werr == 0 && bad < hi) {
		/* Jump forward to a key that can be sought. */
		range = (uint64_t)hi - (uint64_t)bad;
		for (step = 1; ; step *= 2) {
			if (step >= range || step > UINT64_MAX / 2) {
				ok = hi;
				if (!sdump_probe(probe, ok, hi))
					goto out;
				step = range;
				break;
			}
			k = (int64_t)((uint64_t)bad + step);
			if (sdump_probe(probe, k, hi)) {
				ok = k;
				break;
			}
		}
		/* Search back for the first key after the damage that can be sought. */
		if (step > 1)
			bad = (int64_t)((uint64_t)bad + step / 2);
		while ((uint64_t)ok - (uint64_t)bad > 1) {
			k = (int64_t)((uint64_t)bad + ((uint64_t)ok - (uint64_t)bad) / 2);
			if (sdump_probe(probe, k, hi))
				ok = k;
			else
				bad = k;
		}
		lo = ok;
		last = lo;
		n = 0;
		if (sdump_read(d, t, asc, true, lo, hi, &last, &n) == SQLITE_DONE)
			break;
		errors++;
		if (n > 0 && last >= hi)
			break;
		bad = n > 0 ? last + 1 : lo + 1;
		if (bad <= lo)
			break;
	}
out:
	free(down);
	sqlite3_finalize(all);
	sqlite3_finalize(asc);
	sqlite3_finalize(desc);
	sqlite3_finalize(probe);
	return (errors);
}

/*
 * Read a WITHOUT ROWID table with SQLite in its key's order, and after an
 * error from the end back in descending order. Returns the errors met.
 */
static long
sdump_scan_read(struct sdump *d, struct sdump_table *t)
{
	sqlite3_stmt	*st;
	struct buf	 o;
	int64_t		 last = 0;
	long		 n = 0, errors = 0;
	int		 i, pass;

	buf_init(&o);
	for (i = 0; i < t->nkey; i++) {
		if (i > 0)
			buf_addc(&o, ',');
		if (t->rec[i] >= 0)
			sdump_ident(&o, t->cols[t->rec[i]]);
		else
			buf_adds(&o, "1");
		buf_adds(&o, " DESC");
	}
	for (pass = 0; pass < 2; pass++) {
		st = sdump_prepare(d, t, NULL, pass == 0 || o.len == 0 ? NULL : o.data, false,
		    false);
		if (st == NULL) {
			errors++;
			break;
		}
		if (sdump_read(d, t, st, false, 0, 0, &last, &n) == SQLITE_DONE) {
			sqlite3_finalize(st);
			break;
		}
		errors++;
		sqlite3_finalize(st);
	}
	buf_clear(&o);
	return (errors);
}

/* Turn a ps_damage into a line of the report, under the name of its table or index. */
void
sdump_damage(struct salvage_report *r, const char *table, const struct ps_damage *pd)
{
	struct salvage_damage	*dm;

	r->damage = xreallocarray(r->damage, r->ndamage + 1, sizeof *r->damage);
	dm = &r->damage[r->ndamage++];
	dm->table = table != NULL ? str_escape(table) : NULL;
	dm->pgno = pd->pgno;
	dm->cell = pd->cell;
	dm->why = pd->why;
	dm->range = pd->range;
	/* A subtree holds keys in (lo, hi]; INT64_MIN stands for "no lower bound". */
	dm->lo = pd->lo == INT64_MAX || pd->lo == INT64_MIN ? pd->lo :
	    pd->lo + (pd->cell < 0 ? 1 : 0);
	dm->hi = pd->hi;
	if (dm->range && dm->lo > dm->hi)
		dm->range = false;
}

/* Record damage met by a walk of the current table. */
static int
sdump_on_damage(void *arg, const struct ps_damage *pd)
{
	struct sdump	*d = arg;

	if (d->walked)
		return (0);	/* the second walk of a table: reported already */
	sdump_damage(d->r, d->st != NULL ? d->st->name : NULL, pd);
	if (d->t != NULL)
		d->t->errors++;
	return (0);
}

/* A row found by the page walk of the current table: written when SQLite did not. */
int
sdump_on_row(void *arg, const struct ps_row *row)
{
	struct sdump		*d = arg;
	struct sdump_table	*t = d->st;
	struct ps_value		*v;
	const char		*why = NULL;
	long			 before;
	int			 i, c, n = 0;

	if (!t->without_rowid && !d->adopting) {
		/*
		 * A page out of place (another table's, or stale: a row outside its
		 * parent's bounds, or with more fields than the table has) is not
		 * this table's, though SQLite would read it as such: all of its rows
		 * go to lost_and_found (d->divert), and none to the table.
		 */
		if (!d->emit && !d->divert && ((row->flags & PS_ROW_OUT_OF_RANGE) != 0 ||
		    row->nv > t->nrec))
			sdump_set_add(&d->badpages, row->pgno);
		if (d->divert) {
			if (sdump_set_has(&d->badpages, row->pgno) &&
			    sdump_set_add(&d->moved, (uint64_t)row->rowid))
				sdump_lost(d, row);
			return (0);
		}
		if (sdump_set_has(&d->badpages, row->pgno))
			return (0);
	}
	if (!d->emit) {
		if ((row->flags & (PS_ROW_SHARED_PAGE | PS_ROW_ZERO_OVERFLOW)) != 0 &&
		    !t->without_rowid)
			sdump_set_add(&d->shared, (uint64_t)row->rowid);
		return (0);
	}
	if (row->nv > t->nrec) {
		sdump_lost(d, row);	/* more fields than the table has: not its row */
		return (0);
	}
	v = xcalloc((size_t)t->ncols + 1, sizeof *v);
	for (i = 0; i < row->nv; i++) {
		if ((c = t->rec[i]) < 0)
			continue;
		v[c] = row->v[i];
		if (c + 1 > n)
			n = c + 1;
	}
	if (t->ipk >= 0) {
		if (row->nv > t->ipk && v[t->ipk].type != SQLITE_NULL)
			why = "its INTEGER PRIMARY KEY field is not NULL";
		v[t->ipk].type = SQLITE_INTEGER;
		v[t->ipk].i = row->rowid;
		if (t->ipk + 1 > n)
			n = t->ipk + 1;
	}
	if ((row->flags & PS_ROW_SHARED_PAGE) != 0)
		why = "its page is also on the freelist or in another tree";
	if ((row->flags & PS_ROW_ZERO_OVERFLOW) != 0)
		why = "a page of its value is all zeros (damage, or zeroblob)";
	if (d->adopting)
		why = "found on a page no tree reaches, put here by its rowid and fields";
	before = d->t->rows;
	sdump_row(d, t, row->rowid, v, n, why);
	if (d->t->rows > before)
		d->t->rows_pages++;
	free(v);
	return (0);
}

/*
 * Dump the rows of table t: by SQLite (by rowid, or by a single integer key
 * for WITHOUT ROWID tables, seeking around damage), then, when that met an
 * error or the table's b-tree has damage, by walking its pages.
 */
int
sdump_table_rows(struct sdump *d, struct sdump_table *t, struct salvage_table *st)
{
	struct ps_visitor	 vis = { sdump_on_row, sdump_on_damage, d };
	struct buf		 q;
	size_t			 i;
	long			 errs;

	d->t = st;
	d->st = t;
	sdump_set_clear(&d->moved);
	sdump_set_clear(&d->shared);
	/* The page walk first: its damage, and the pages that are out of place. */
	d->emit = false;
	d->walked = false;
	sdump_set_clear(&d->badpages);
	if (d->pf != NULL && t->root > 0 && t->known)
		ps_walk(d->pf, t->root, t->without_rowid, &vis);
	d->walked = true;
	if (d->badpages.n > 0 || d->badpages.zero) {
		for (i = 0; i < d->badpages.cap; i++) {
			if (d->badpages.keys[i] == 0)
				continue;
			sdump_damage(d->r, t->name, &(struct ps_damage){ t->root,
			    (uint32_t)d->badpages.keys[i], -1, false, 0, 0,
			    N_("page out of place (another table's, or stale): its rows are in "
			    "lost_and_found") });
			st->errors++;
		}
		d->divert = true;
		ps_walk(d->pf, t->root, t->without_rowid, &vis);
		d->divert = false;
	}
	if (!t->known)
		st->errors = 1;
	else if (!t->without_rowid && t->rowid_name != NULL)
		st->errors += sdump_seek_read(d, t, t->rowid_name);
	else if ((errs = sdump_scan_read(d, t)) > 0 && t->without_rowid && t->nkey == 1 &&
	    t->rec[0] >= 0) {
		/*
		 * In key order and back from the end, keys of any type; then, for
		 * an integer key, the seek past the damage (rows read twice are
		 * written once).
		 */
		buf_init(&q);
		sdump_ident(&q, t->cols[t->rec[0]]);
		st->errors += sdump_seek_read(d, t, q.data);
		buf_clear(&q);
	} else
		st->errors += errs;
	/* Then its rows past what SQLite could read. */
	d->emit = t->known && (st->errors > 0 || d->r->schema_pages);
	if (d->emit && d->pf != NULL && t->root > 0)
		ps_walk(d->pf, t->root, t->without_rowid, &vis);
	st->complete = st->errors == 0;
	d->emit = false;
	d->walked = false;
	d->st = NULL;
	d->t = NULL;
	return (d->werr != 0 ? -1 : 0);
}

/* Walk the pages of an index (to know them, and report its damage). */
void
sdump_walk_index(struct sdump *d, const char *name, uint32_t root)
{
	struct sdump_table	 t = { .name = (char *)name };
	struct ps_visitor	 vis = { NULL, sdump_on_damage, d };
	size_t			 before;

	if (d->pf == NULL || root == 0)
		return;
	d->st = &t;
	before = d->r->ndamage;
	ps_walk(d->pf, root, true, &vis);
	if (d->r->ndamage > before)
		d->index_damage = true;
	d->st = NULL;
}
