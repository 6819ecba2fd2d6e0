/* fuzz-pagescan.c: libFuzzer target for the page-level reader of SQLite files (pagescan.c). */
#include "system.h"

#include <sqlite3.h>

#include "engine/recover/pagescan.h"
#include "util/xmalloc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Touch every byte of a row's values, so that a value outside the file shows. */
static int
fuzz_row(void *arg, const struct ps_row *row)
{
	unsigned	*sum = arg;
	int		 i;
	size_t		 k;

	for (i = 0; i < row->nv; i++) {
		if (row->v[i].type == SQLITE_TEXT || row->v[i].type == SQLITE_BLOB) {
			for (k = 0; k < row->v[i].n; k++)
				*sum += row->v[i].p[k];
		}
	}
	return (0);
}

/* Damage is reported with a reason and a page. */
static int
fuzz_damage(void *arg, const struct ps_damage *d)
{
	(void)arg;
	if (d->why == NULL)
		abort();
	return (0);
}

/*
 * Read one input as a database file: the freelist, every b-tree page as a
 * root of a table and of an index tree, then the orphan leaves, as
 * salvage does.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ps_file		 f;
	unsigned		 sum = 0;
	struct ps_visitor	 vis = { fuzz_row, fuzz_damage, &sum };
	uint32_t		*pages, *roots, n;
	size_t			 i, count;

	ps_open_mem(&f, data, size);
	ps_mark_freelist(&f);
	ps_walk(&f, 1, false, &vis);
	for (n = 2; n <= f.npages && n < 64; n++)
		ps_walk(&f, n, (n & 1) != 0, &vis);
	count = ps_orphans(&f, &pages, &roots);
	for (i = 0; i < count; i++)
		ps_walk_leaf(&f, pages[i], roots[i], &vis);
	(void)ps_count_cells(&f, PS_TABLE_LEAF, 1);
	free(pages);
	free(roots);
	ps_close(&f);
	return ((int)(sum & 0));
}
