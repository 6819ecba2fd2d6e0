/* stream.h: continuous capture of a WAL-mode database into BACKUP_DIR/stream (STREAM-CONTRACT.md). */
#ifndef PDR_STREAM_H
#define PDR_STREAM_H

#include "system.h"

#include <signal.h>

#include "engine/stream/segment.h"

/* Why stream_run failed: the cli layer turns this into an exit status. */
enum stream_error {
	STREAM_ERR_NONE,
	STREAM_ERR_IO,		/* reading, writing: 74 */
	STREAM_ERR_NODB,	/* database missing: 66 */
	STREAM_ERR_NOTWAL,	/* not a WAL-mode SQLite database: 78 */
	STREAM_ERR_LOCKED,	/* another stream runs: 75 */
	STREAM_ERR_CREATE,	/* cannot create the stream folder: 73 */
	STREAM_ERR_CONFIG,	/* the off-site stores are misconfigured: 78 */
	STREAM_ERR_OFFSITE,	/* --once: an off-site copy failed: 75 */
};

struct conf;

/* What to stream where, and how. Strings are borrowed. */
struct stream_opts {
	const char	*database;
	const char	*backup_dir;
	int64_t		 interval_ms;		/* polling fallback */
	int64_t		 retention_s;		/* keep generations this long */
	int		 checkpoint_frames;	/* PASSIVE checkpoint past this; 0: never */
	bool		 once;			/* catch up once and return */
	const struct conf *conf;		/* its off-site stores; NULL: none */
};

int	stream_run(const struct stream_opts *, volatile sig_atomic_t *, enum stream_error *,
	    char **);
int	stream_prune(const char *, int64_t, const char *, int64_t, bool, char ***, size_t *,
	    char **);

#endif
