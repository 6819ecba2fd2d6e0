/* table.h: text tables and lines that fit the terminal's width (one helper for every table command). */
#ifndef PDR_TABLE_H
#define PDR_TABLE_H

#include "system.h"

#include "util/str.h"

/* A column's flags. */
#define TABLE_RIGHT	0x1	/* right-aligned (numbers) */
#define TABLE_CUT	0x2	/* may be shortened with an ellipsis in the middle (ids, paths) */
#define TABLE_WRAP	0x4	/* the last column: wraps onto more lines, or moves below */
#define TABLE_LINE	0x8	/* when the row does not fit: on a line of its own above the rest */

/* A column: its heading (translated already) and flags. */
struct table_col {
	const char	*head;
	unsigned	 flags;
};

/* A table being filled: ncols cells per row. */
struct table {
	const struct table_col	*cols;
	size_t			 ncols;
	char			**cells;	/* nrows * ncols, owned */
	size_t			 nrows;
	bool			 nohead;	/* no heading line */
};

int	 table_width(void);
const char *table_ellipsis(void);
int	 table_text_width(const char *);
char	*table_cut_middle(const char *, int);
void	 table_init(struct table *, const struct table_col *, size_t);
void	 table_add(struct table *, ...);
void	 table_render(const struct table *, int, struct buf *);
void	 table_clear(struct table *);
void	 table_fill(struct buf *, const char *, int, int, int);
void	 table_lines(struct buf *, const char *, int);

#endif
