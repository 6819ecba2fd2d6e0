/* dbio.h: a SQLite VFS over the default one that reads ahead and writes in large blocks. */
#ifndef PDR_DBIO_H
#define PDR_DBIO_H

#include "system.h"

/* The VFS's name (dbio_vfs() returns it once registered). */
#define DBIO_VFS "pdr-bulk"

/* Size of one read-ahead window and of one coalesced write. */
#define DBIO_BLOCK (1024 * 1024)

/* What the VFS did, summed over all files since the start (for tests and -v). */
struct dbio_stats {
	uint64_t	hits;		/* reads served from a window */
	uint64_t	misses;		/* reads passed through */
	uint64_t	fills;		/* windows read */
	uint64_t	writes;		/* writes asked for */
	uint64_t	flushes;	/* writes done */
};

const char *dbio_vfs(void);
void	 dbio_stats(struct dbio_stats *);

#endif
