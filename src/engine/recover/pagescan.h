/* pagescan.h: reading an SQLite file page by page, without SQLite, as its file format documents. */
#ifndef PDR_PAGESCAN_H
#define PDR_PAGESCAN_H

#include "system.h"

/* What a page turned out to be. */
enum ps_kind {
	PS_UNKNOWN = 0,		/* none of the below, or not yet seen */
	PS_TABLE_LEAF,		/* b-tree page 0x0d */
	PS_TABLE_INTERIOR,	/* 0x05 */
	PS_INDEX_LEAF,		/* 0x0a */
	PS_INDEX_INTERIOR,	/* 0x02 */
	PS_OVERFLOW,		/* reached through an overflow chain */
	PS_FREE,		/* a freelist trunk or leaf page */
	PS_BAD			/* reached from a tree, but not a readable b-tree page */
};

/* One value of a record: type is SQLITE_INTEGER, _FLOAT, _TEXT, _BLOB or _NULL. */
struct ps_value {
	int		 type;
	int64_t		 i;
	double		 d;
	const uint8_t	*p;	/* text or blob bytes, borrowed from the scanner */
	size_t		 n;
};

/* An opened file. Pages are numbered from 1, as SQLite does. */
struct ps_file {
	const uint8_t	*data;		/* the whole file, mapped or borrowed */
	size_t		 size;
	void		*map;		/* owned mapping, or NULL */
	uint32_t	 pgsz;		/* page size */
	uint32_t	 usable;	/* page size less the reserved bytes */
	uint32_t	 npages;	/* pages in the file (from its size) */
	uint32_t	 hdr_npages;	/* page count the header claims (0: not valid) */
	bool		 hdr_ok;	/* the 100-byte header was readable */
	int		 enc;		/* 1 UTF-8, 2 UTF-16le, 3 UTF-16be */
	uint8_t		*kind;		/* enum ps_kind per page, [0] unused */
	uint32_t	*owner;		/* the root page of the tree a page was reached from */
	uint32_t	 nfree;		/* pages found on the freelist */
};

/* Why a row is suspect (flags of ps_row). */
#define PS_ROW_OUT_OF_RANGE	0x1	/* its key lies outside its parent's bounds */
#define PS_ROW_SHARED_PAGE	0x2	/* its page is also reached from another tree */
#define PS_ROW_ZERO_OVERFLOW	0x4	/* a page of its overflow chain is all zeros */

/* One row (a table leaf cell or an index record) handed to a walk's callback. */
struct ps_row {
	uint32_t		 root;		/* the tree's root page */
	uint32_t		 pgno;		/* the leaf page */
	int			 cell;		/* the cell on that page */
	int64_t			 rowid;		/* table trees only */
	const struct ps_value	*v;		/* the record's fields, valid during the call */
	int			 nv;
	int			 flags;		/* PS_ROW_* */
};

/* A page or cell of a tree that could not be read. lo..hi: keys it held when known. */
struct ps_damage {
	uint32_t	 root;
	uint32_t	 pgno;
	int		 cell;		/* -1: the whole page */
	bool		 range;		/* lo and hi are known (table trees) */
	int64_t		 lo, hi;
	const char	*why;		/* static text, marked N_() */
};

/* Callbacks of a walk; either may be NULL. A nonzero return stops the walk. */
struct ps_visitor {
	int	(*row)(void *, const struct ps_row *);
	int	(*damage)(void *, const struct ps_damage *);
	void	 *arg;
};

int	 ps_open(struct ps_file *, const char *, char **);
void	 ps_open_mem(struct ps_file *, const uint8_t *, size_t);
void	 ps_close(struct ps_file *);
void	 ps_mark_freelist(struct ps_file *);
int	 ps_walk(struct ps_file *, uint32_t, bool, const struct ps_visitor *);
size_t	 ps_orphans(struct ps_file *, uint32_t **, uint32_t **);
size_t	 ps_orphan_index_trees(struct ps_file *, uint32_t **);
int	 ps_walk_leaf(struct ps_file *, uint32_t, uint32_t, const struct ps_visitor *);
long	 ps_count_cells(struct ps_file *, enum ps_kind, uint32_t);

#endif
