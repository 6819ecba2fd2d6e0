/* stream-int.h: the running stream, shared by stream.c, stream-db.c and stream-gen.c. */
#ifndef PDR_STREAM_INT_H
#define PDR_STREAM_INT_H

#include "system.h"

#include <sys/types.h>

#include <sqlite3.h>

#include "engine/stream/segment.h"
#include "engine/stream/stream.h"
#include "engine/stream/wal.h"

struct offstream;

/* The running stream. */
struct stream {
	const struct stream_opts *o;
	enum stream_error	*err;
	char			*streamdir;
	char			*walpath;
	char			*walname;
	int			 lockfd;
	sqlite3			*rd[2];		/* read connections, used alternately */
	int			 cur;		/* which holds the read transaction; -1 none */
	sqlite3			*ck;		/* checkpoints */
	int			 dbfd;
	dev_t			 db_dev;
	ino_t			 db_ino;
	int			 inofd;

	char			*gen;		/* current generation, NULL before the first */
	char			*gendir;
	uint64_t		 seq;		/* newest durable segment */
	unsigned char		 prev_sha[SEGMENT_SHALEN];
	struct segment_pos	 pos;
	uint32_t		 page_size;

	int64_t			 segment_ms;
	int64_t			 caught_up_ms;
	int64_t			 lag_ms;
	int64_t			 oldest_ms;
	int64_t			 status_ms;	/* last status write */
	int64_t			 prune_ms;	/* last retention pass */
	int64_t			 wake_ms;	/* when the pending change was noticed */
	uint64_t		 wal_frames;	/* valid frames in the WAL at the last round */
	char			*gen_reason;	/* why the current generation started */
	int64_t			 gen_ms;
	unsigned		 n_gens;	/* generations this process started */
	bool			 released;	/* no read transaction held since the last round */
	struct offstream	*off;		/* the off-site uploaders, NULL: none */
	int			 pausefd;	/* stream/pause, shared during a round */
	uint32_t		 ctr_low;	/* change counter on disk, last seen */
	uint32_t		 ctr_high;	/* ... of the newest page 1 copied */
	bool			 ctr_have_low;
	bool			 ctr_have_high;
};

int	 stream_exec(struct stream *, sqlite3 *, const char *, char **);
int	 stream_begin(struct stream *, int, char **);
void	 stream_end(struct stream *, int);
int	 stream_connect_all(struct stream *, char **);
void	 stream_disconnect(struct stream *);
bool	 stream_db_replaced(struct stream *);
int	 stream_db_counter(struct stream *, int, const char *, uint32_t *, char **);
void	 stream_ctr_shipped(struct stream *, uint32_t);
char	*stream_ctr_check(struct stream *, bool);

int	 stream_new_generation(struct stream *, const char *, char **);
int	 stream_resume(struct stream *, char **, char **);
void	 stream_retention(struct stream *);

#endif
