/* archive.h: gzip tar archives of a folder, written and read with libarchive. */
#ifndef PDR_ARCHIVE_H
#define PDR_ARCHIVE_H

#include "system.h"

#include "engine/set/hashio.h"

/* What archive_pack_dir did. */
struct archive_stats {
	size_t	 entries;
	bool	 excluded;	/* the excluded file was inside the folder and left out */
};

int	 archive_pack_dir(const char *, const char *, hashio_sink_fn, void *,
	    struct archive_stats *, char **);
int	 archive_scan(const char *, hashio_source_fn, void *, size_t *, char **);
char	*archive_member_name(const char *, const char *);

#endif
