/*
 * salvage-lost.c: the rows no table's tree reaches. A table leaf page that no
 * walk from a root found is given to the one damaged table it fits, or kept
 * for lost_and_found, which is written after the tables with as many value
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
	if (row->root == 0)
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

/*
 * The one table an orphan page can belong to: a rowid table with as many
 * fields as each of its rows, whose tree lost a part (damage with a rowid
 * range) that holds all of its rowids. NULL when none or more than one fit.
 */
static struct sdump_table *
sdump_adopter(struct sdump *d, struct sdump_table *tabs, size_t ntabs,
    const struct sdump_page *p)
{
	struct sdump_table	*found = NULL;
	size_t			 i, k;

	if (p->n == 0 || p->nv_min != p->nv_max)
		return (NULL);
	for (i = 0; i < ntabs; i++) {
		if (!tabs[i].known || tabs[i].without_rowid || tabs[i].nrec != p->nv_min ||
		    tabs[i].rowid_name == NULL)
			continue;
		for (k = 0; k < d->r->ndamage; k++) {
			if (d->r->damage[k].range && d->r->damage[k].table != NULL &&
			    strcmp(d->r->damage[k].table, tabs[i].name) == 0 &&
			    d->r->damage[k].lo <= p->lo && p->hi <= d->r->damage[k].hi)
				break;
		}
		if (k == d->r->ndamage)
			continue;
		if (found != NULL)
			return (NULL);	/* more than one table would fit */
		found = &tabs[i];
	}
	return (found);
}

/*
 * The rows of table leaf pages that no tree reached: each page to the one
 * table whose damaged part it fits (sdump_adopter; its rows are flagged
 * suspect), or else to lost_and_found.
 */
void
sdump_orphans(struct sdump *d, struct sdump_table *tabs, size_t ntabs)
{
	struct ps_visitor	 sum = { sdump_on_orphan_sum, NULL, NULL };
	struct ps_visitor	 lost = { sdump_on_orphan, NULL, d };
	struct ps_visitor	 adopt = { sdump_on_adopted, NULL, d };
	struct sdump_page	 p;
	struct sdump_table	*t;
	uint32_t		*pages, *roots;
	size_t			 n, i;

	if (d->pf == NULL)
		return;
	n = ps_orphans(d->pf, &pages, &roots);
	for (i = 0; i < n && d->werr == 0; i++) {
		memset(&p, 0, sizeof p);
		sum.arg = &p;
		ps_walk_leaf(d->pf, pages[i], roots[i], &sum);
		if ((t = sdump_adopter(d, tabs, ntabs, &p)) == NULL) {
			ps_walk_leaf(d->pf, pages[i], roots[i], &lost);
			continue;
		}
		d->st = t;
		d->t = &d->r->tables[t->rt];
		d->adopting = true;
		ps_walk_leaf(d->pf, pages[i], roots[i], &adopt);
		d->adopting = false;
		d->st = NULL;
		d->t = NULL;
	}
	free(pages);
	free(roots);
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
	buf_free(&n);
	return (d->werr != 0 || ferror(d->f) ? -1 : 0);
}
