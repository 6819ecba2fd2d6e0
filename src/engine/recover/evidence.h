/* evidence.h: hashed, read-only evidence for a security incident, without shelling out. */
#ifndef PDR_EVIDENCE_H
#define PDR_EVIDENCE_H

#include "system.h"

#include <time.h>

#include "util/fail.h"

/* What to collect. */
struct evidence_opts {
	const char		*dir;		/* new or empty folder to fill */
	const char		*database;	/* copied with -wal/-shm */
	const char		*log_dir;	/* copied whole */
	const char *const	*paths;		/* searched for recently changed files */
	size_t			 npaths;
	time_t			 since;		/* "recently": changed at or after this */
};

/* What evidence_collect did. */
struct evidence_result {
	size_t		 files;		/* items hashed into the manifest */
	uint64_t	 bytes;
	size_t		 processes;
	size_t		 connections;
	size_t		 recent;
};

#define EVIDENCE_MANIFEST "SHA256SUMS"

enum fail_class	evidence_collect(const struct evidence_opts *, struct evidence_result *,
	    char **);

#endif
