/* salvage-dump.h: the rows of a salvage dump, read by SQLite and page by page (internal). */
#ifndef PDR_SALVAGE_DUMP_H
#define PDR_SALVAGE_DUMP_H

#include "system.h"

#include <stdio.h>

#include <sqlite3.h>

#include "engine/recover/pagescan.h"
#include "engine/recover/salvage.h"
#include "util/str.h"

/* A set of 64-bit keys (rowids, or hashes of WITHOUT ROWID rows). */
struct sdump_set {
	uint64_t	*keys;
	size_t		 cap, n;
	bool		 zero;
};

/* What is known of one table of the schema. */
struct sdump_table {
	char		*name, *sql;	/* owned */
	uint32_t	 root;
	bool		 without_rowid;
	bool		 known;		/* its columns were read from the schema */
	int		 ipk;		/* the column that is the rowid, or -1 */
	char		**cols;		/* owned: the columns an INSERT gives, in order */
	int		 ncols;
	int		*rec;		/* record field -> column, -1: not inserted */
	int		 nrec;
	int		 nkey;		/* WITHOUT ROWID: the key fields that lead rec */
	const char	*rowid_name;	/* "rowid", "_rowid_", "oid", or NULL */
	struct sdump_set seen;		/* rows written (rowids or hashes) */
	size_t		 rt;		/* its entry in the report's tables */
};

/* A dump being written. */
struct sdump {
	FILE			*f;		/* the dump */
	FILE			*lf;		/* lost_and_found rows, kept aside */
	int			 lf_fields;	/* most fields of a lost_and_found row */
	sqlite3			*db;		/* the copy, read by SQLite */
	sqlite3			*shadow;	/* the schema alone, in memory */
	sqlite3_stmt		*conv;		/* SELECT ?: UTF-16 text to UTF-8 */
	struct ps_file		*pf;		/* the copy, page by page (NULL: unreadable) */
	struct salvage_report	*r;
	struct salvage_table	*t;		/* the table being read */
	struct sdump_table	*st;
	struct sdump_set	 moved;		/* rowids on a page outside their parent's bounds */
	struct sdump_set	 shared;	/* rowids on a page another tree reaches too */
	struct sdump_set	 badpages;	/* pages out of place in the table's tree */
	struct buf		 b;
	bool			 emit;		/* page-level rows go to the dump */
	bool			 walked;	/* the table's first walk is done */
	bool			 divert;	/* the walk that moves out-of-place pages */
	bool			 adopting;	/* writing the rows of an orphan page */
	bool			 lost_index;	/* lost_and_found rows of an index tree */
	bool			 index_damage;	/* an index (not a table) has damage */
	int			 werr;		/* errno of a failed write */
};

int	sdump_table_info(struct sdump *, struct sdump_table *);
void	sdump_table_clear(struct sdump_table *);
int	sdump_table_rows(struct sdump *, struct sdump_table *, struct salvage_table *);
void	sdump_walk_index(struct sdump *, const char *, uint32_t);
void	sdump_orphans(struct sdump *, struct sdump_table *, size_t);
int	sdump_lost_found(struct sdump *, const char *);
void	sdump_ident(struct buf *, const char *);
void	sdump_literal(struct sdump *, struct buf *, const struct ps_value *);
void	sdump_damage(struct salvage_report *, const char *, const struct ps_damage *);
void	sdump_flush(struct sdump *, FILE *);
int	sdump_on_row(void *, const struct ps_row *);
void	sdump_lost(struct sdump *, const struct ps_row *);

#endif
