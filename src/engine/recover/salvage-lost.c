/*
 * salvage-lost.c: the rows no table's tree reaches. A table leaf page (or an
 * index tree, which may hold a WITHOUT ROWID table's rows) that no walk from
 * a root found is given to the one damaged table it fits, or kept for
 * lost_and_found, which is written after the tables with as many value
 * columns as its widest row, as SQLite's own recovery names them.
 */
#include "system.h"

#include "engine/recover/salvage-dump.h"
#include "util/xmalloc.h"

/* Append the fields of a row to the lost_and_found rows kept aside. */
void
sdump_lost(struct sdump *d, const struct ps_row *row)
{
	struct buf	*b = &d->b;
	int		 i;

	buf_reset(b);
	buf_adds(b, "INSERT INTO @LF@(rootpgno,pgno,nfield,id");
	for (i = 0; i < row->nv; i++)
		buf_printf(b, ",c%d", i);
	buf_printf(b, ") VALUES(%u,%u,%d,", row->root, row->pgno, row->nv);
	if (row->root == 0 || d->lost_index)
		buf_adds(b, "NULL");
	else
		buf_printf(b, "%lld", (long long)row->rowid);
	for (i = 0; i < row->nv; i++) {
		buf_addc(b, ',');
		sdump_literal(d, b, &row->v[i]);
	}
	buf_adds(b, ");\n");
	if (row->nv > d->lf_fields)
		d->lf_fields = row->nv;
	sdump_flush(d, d->lf);
	d->r->lost_found++;
}

/* What the rows of one orphan page have in common. */
struct sdump_page {
	int	 nv_min, nv_max;
	int64_t	 lo, hi;
	long	 n;
};

/* Sum up a row of an orphan page. */
static int
sdump_on_orphan_sum(void *arg, const struct ps_row *row)
{
	struct sdump_page	*p = arg;

	if (p->n++ == 0) {
		p->nv_min = p->nv_max = row->nv;
		p->lo = p->hi = row->rowid;
		return (0);
	}
	p->nv_min = row->nv < p->nv_min ? row->nv : p->nv_min;
	p->nv_max = row->nv > p->nv_max ? row->nv : p->nv_max;
	p->lo = row->rowid < p->lo ? row->rowid : p->lo;
	p->hi = row->rowid > p->hi ? row->rowid : p->hi;
	return (0);
}

/* A row of an orphan page of no known table: to lost_and_found. */
static int
sdump_on_orphan(void *arg, const struct ps_row *row)
{
	sdump_lost(arg, row);
	return (0);
}

/* A row of an orphan page given to the table d->st. */
static int
sdump_on_adopted(void *arg, const struct ps_row *row)
{
	struct sdump	*d = arg;
	long		 before = d->t->rows;

	d->emit = true;
	sdump_on_row(d, &(struct ps_row){ row->root, row->pgno, row->cell, row->rowid,
	    row->v, row->nv, row->flags });
	d->emit = false;
	if (d->t->rows > before)
		d->r->rows++;
	return (0);
}

/* Whether the table or index name has damage in the report (with a rowid range: in lo..hi). */
static bool
sdump_damaged(const struct salvage_report *r, const char *name, bool range, int64_t lo,
    int64_t hi)
{
	size_t	k;

	for (k = 0; k < r->ndamage; k++) {
		if (r->damage[k].table == NULL || strcmp(r->damage[k].table, name) != 0)
			continue;
		if (!range || (r->damage[k].range && r->damage[k].lo <= lo &&
		    hi <= r->damage[k].hi))
			return (true);
	}
	return (false);
}

/*
 * The one table an orphan page or tree can belong to: a table with as many
 * fields as each of its rows, of its kind (rowid or WITHOUT ROWID), whose
 * tree lost a part; for rowid tables a part (a rowid range) that holds all
 * of its rowids. NULL when none or more than one fit, or, for an index tree,
 * when an index has damage too (its entries could be an index's).
 */
static struct sdump_table *
sdump_adopter(struct sdump *d, struct sdump_table *tabs, size_t ntabs,
    const struct sdump_page *p, bool index)
{
	struct sdump_table	*found = NULL;
	size_t			 i;

	if (p->n == 0 || p->nv_min != p->nv_max || (index && d->index_damage))
		return (NULL);
	for (i = 0; i < ntabs; i++) {
		if (!tabs[i].known || tabs[i].without_rowid != index ||
		    tabs[i].nrec != p->nv_min || (!index && tabs[i].rowid_name == NULL) ||
		    !sdump_damaged(d->r, tabs[i].name, !index, p->lo, p->hi))
			continue;
		if (found != NULL)
			return (NULL);	/* more than one table would fit */
		found = &tabs[i];
	}
	return (found);
}

/*
 * Put the rows of page (a leaf; an index tree's top when index) into the
 * table that fits them (flagged suspect), or into lost_and_found.
 */
static void
sdump_orphan(struct sdump *d, struct sdump_table *tabs, size_t ntabs, uint32_t page,
    uint32_t root, bool index)
{
	struct sdump_page	 p;
	struct ps_visitor	 sum = { sdump_on_orphan_sum, NULL, &p };
	struct ps_visitor	 lost = { sdump_on_orphan, NULL, d };
	struct ps_visitor	 adopt = { sdump_on_adopted, NULL, d };
	struct sdump_table	*t;

	memset(&p, 0, sizeof p);
	if (index)
		ps_walk(d->pf, page, true, &sum);
	else
		ps_walk_leaf(d->pf, page, root, &sum);
	if ((t = sdump_adopter(d, tabs, ntabs, &p, index)) == NULL) {
		d->lost_index = index;
		if (index)
			ps_walk(d->pf, page, true, &lost);
		else
			ps_walk_leaf(d->pf, page, root, &lost);
		d->lost_index = false;
		return;
	}
	d->st = t;
	d->t = &d->r->tables[t->rt];
	d->adopting = true;
	if (index)
		ps_walk(d->pf, page, true, &adopt);
	else
		ps_walk_leaf(d->pf, page, root, &adopt);
	d->adopting = false;
	d->st = NULL;
	d->t = NULL;
}

/*
 * Whether the index trees no walk reached can only be entries of damaged
 * indexes: an index has damage, no WITHOUT ROWID table has, and the schema
 * was read whole (a table left out of it, or read page by page, could own
 * them).
 */
static bool
sdump_index_entries(struct sdump *d, struct sdump_table *tabs, size_t ntabs)
{
	size_t	i;

	if (!d->index_damage || d->r->schema_pages || d->r->nnotes > 0)
		return (false);
	for (i = 0; i < ntabs; i++) {
		if (tabs[i].without_rowid && sdump_damaged(d->r, tabs[i].name, false, 0, 0))
			return (false);
	}
	return (true);
}

/*
 * The rows of table leaf pages and of index trees that no walk reached:
 * each page (tree) to the one damaged table it fits (sdump_adopter; its
 * rows are flagged suspect), or else to lost_and_found.
 */
void
sdump_orphans(struct sdump *d, struct sdump_table *tabs, size_t ntabs)
{
	uint32_t	*pages, *roots;
	size_t		 n, i;

	if (d->pf == NULL)
		return;
	n = ps_orphans(d->pf, &pages, &roots);
	for (i = 0; i < n && d->werr == 0; i++)
		sdump_orphan(d, tabs, ntabs, pages[i], roots[i], false);
	free(pages);
	free(roots);
	n = ps_orphan_index_trees(d->pf, &pages);
	if (n > 0 && sdump_index_entries(d, tabs, ntabs)) {
		/* The entries of a damaged index: CREATE INDEX makes them again. */
		d->r->index_orphans = (long)n;
		n = 0;
	}
	for (i = 0; i < n && d->werr == 0; i++)
		sdump_orphan(d, tabs, ntabs, pages[i], pages[i], true);
	free(pages);
}

/*
 * Write lost_and_found (named name) into the dump: its CREATE TABLE with as
 * many value columns as the widest row, then the rows kept aside. Returns -1
 * on a write error.
 */
int
sdump_lost_found(struct sdump *d, const char *name)
{
	struct buf	 n;
	char		 line[8192];
	size_t		 len;
	int		 i;

	if (d->r->lost_found == 0)
		return (d->werr != 0 ? -1 : 0);
	buf_init(&n);
	sdump_ident(&n, name);
	fprintf(d->f, "CREATE TABLE %s(rootpgno INTEGER, pgno INTEGER, nfield INTEGER, "
	    "id INTEGER", n.data);
	for (i = 0; i < d->lf_fields; i++)
		fprintf(d->f, ", c%d", i);
	fputs(");\n", d->f);
	if (fflush(d->lf) != 0 || fseek(d->lf, 0, SEEK_SET) != 0)
		d->werr = errno;
	/* Each kept line begins with INSERT INTO @LF@: the name goes in its place. */
	while (d->werr == 0 && fgets(line, sizeof line, d->lf) != NULL) {
		len = strlen(line);
		if (str_has_prefix(line, "INSERT INTO @LF@")) {
			fprintf(d->f, "INSERT INTO %s", n.data);
			fwrite(line + 16, 1, len - 16, d->f);
		} else
			fwrite(line, 1, len, d->f);
	}
	buf_clear(&n);
	return (d->werr != 0 || ferror(d->f) ? -1 : 0);
}
