/* offstream.h: off-site copies of the stream (SFTP, S3): uploads beside the capture, fetch, retention. */
#ifndef PDR_OFFSTREAM_H
#define PDR_OFFSTREAM_H

#include "system.h"

#include "engine/remote/remote.h"
#include "util/str.h"

/* The store's folder of the stream: stream/GEN/FILE, as under backup_dir. */
#define OFFSTREAM_DIR		"stream"
/* Per store, in each local generation: the highest sequence copied (0: the snapshot). */
#define OFFSTREAM_PROGRESS	".offsite-"

struct conf;
struct offstream;

/* Where one store's copy of the stream stands, as the status file says. Strings owned. */
struct offstream_point {
	bool		 present;	/* the status file has this store's keys */
	char		*generation;	/* NULL: none copied */
	uint64_t	 sequence;
	int64_t		 ms;		/* capture time of the newest segment copied */
	char		*error;		/* NULL: none */
};

int	offstream_start(const struct conf *, const char *, int64_t, bool, struct offstream **,
	    char **);
void	offstream_kick(struct offstream *, const char *);
void	offstream_status(struct offstream *, struct buf *);
int	offstream_stop(struct offstream *, char **);
void	offstream_free(struct offstream *);

int	offstream_prune(struct remote *, const char *, int64_t, const char *, int64_t, bool,
	    char ***, size_t *, char **);
int	offstream_fetch(struct remote *, const char *, size_t *, size_t *, char **);
int	offstream_newest_ms(struct remote *, const char *, int64_t *, char **);
int	offstream_fetch_newest(struct remote *, const char *, int64_t, const char *,
	    int (*)(void *, const char *, const char *), void *, size_t *, size_t *, char **);
struct stream_status;
void	offstream_points(const struct stream_status *, struct offstream_point *);
void	offstream_points_clear(struct offstream_point *);

#endif
