/* archive.h: gzip tar archives of a folder, written and read with libarchive. */
#ifndef PDR_ARCHIVE_H
#define PDR_ARCHIVE_H

#include "system.h"

#include "engine/set/hashio.h"

/* What archive_pack_dir did. Notes owned; archive_stats_clear frees them. */
struct archive_stats {
	size_t	 entries;
	bool	 excluded;	/* the excluded file was inside the folder and left out */
	char	**notes;	/* what was changed or left out, and why */
	size_t	 nnotes;
};

/* archive_pack_dir: leave out (with a note) what restore would refuse; store links relative. */
#define ARCHIVE_PACK_RESTORABLE	0x1

int	 archive_pack_dir(const char *, const char *, int, hashio_sink_fn, void *,
	    struct archive_stats *, char **);
void	 archive_stats_clear(struct archive_stats *);
char	*archive_member_name(const char *, const char *);
const char *archive_component(const char **, size_t *);
bool	 archive_is_up(const char *, size_t);
bool	 archive_link_inside(const char *, const char *);

#endif
