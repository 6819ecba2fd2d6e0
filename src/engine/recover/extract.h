/* extract.h: check a tar archive whole, then swap it in for a live folder atomically. */
#ifndef PDR_EXTRACT_H
#define PDR_EXTRACT_H

#include "system.h"

#include <sys/types.h>

#include "engine/set/hashio.h"
#include "util/fail.h"

/* How one path of the target differs after the swap. */
enum extract_change { EXTRACT_ADDED, EXTRACT_CHANGED, EXTRACT_REMOVED };

/* One difference between the old tree and the new one. */
struct extract_diff {
	enum extract_change	 kind;
	char			*path;		/* relative to the target, owned */
};

/* What to extract and where. */
struct extract_opts {
	const char	*name;		/* the archive's name, for messages */
	const char	*target;	/* live folder, absolute */
	const char	*prefix;	/* entry names under it: target without the leading '/' */
	const char	*kept;		/* where the old tree goes; NULL removes it after the swap */
	bool		 private_files;	/* regular files get 0600 unless named *public* */
	const char	*carry;		/* a file under target that backups leave out
					   (the encryption key): carried over from the
					   old tree when the archive lacks it; or NULL */
};

/* What extract_tree did. Owned; extract_result_clear frees it. */
struct extract_result {
	size_t			 entries;
	size_t			 added;
	size_t			 changed;
	size_t			 removed;
	struct extract_diff	*diffs;
	size_t			 ndiffs;
	bool			 kept;		/* the old tree is at opts->kept */
	bool			 installed;	/* the new tree is in place (even when a later step failed) */
};

/* Largest config or WireGuard archive read into memory. */
#define EXTRACT_MAX_ARCHIVE (512UL * 1024 * 1024)

int	extract_load(const char *, const char *, char **, size_t *, char *, char **);
int	extract_check(const void *, size_t, const struct extract_opts *, size_t *, char **);
int	extract_check_stream(hashio_source_fn, void *, const struct extract_opts *, size_t *,
	    char **);
enum fail_class extract_tree(const void *, size_t, const struct extract_opts *,
	    struct extract_result *, char **);
void	extract_result_clear(struct extract_result *);
char	*extract_prefix(const char *);
int	extract_root(const void *, size_t, const char *, char **, char **);
void	extract_checkpoint(const char *);

#endif
