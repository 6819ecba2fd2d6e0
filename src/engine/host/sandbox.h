/* sandbox.h: a drill's own copy of the live host, where its restores run for real. */
#ifndef PDR_SANDBOX_H
#define PDR_SANDBOX_H

#include "system.h"

#include "util/conf.h"
#include "util/fail.h"

/*
 * The layout under DIR (STATE_DIR/incidents/ID/sandbox):
 *   .patronus-dr-sandbox   marker: "KEY LIVE-PATH" lines naming the live paths copied
 *   dr.yaml                database, config_dir, wireguard_dir, encryption_key (when
 *                          it lies in config_dir), log_file and state_dir point below;
 *                          backup_dir, runbook_dirs, retention and stream stay the
 *                          live ones; no remote, metrics_file or notify
 *   db/BASENAME            an online copy of the live database (SQLite backup API)
 *   config/, wireguard/    copies of config_dir and wireguard_dir: reflinks where the
 *                          file system can, else byte copies (never hard links: a
 *                          write in place would reach the live file)
 *   state/, log/           the sandbox's own state_dir and log folder
 *   keep                   present when the drill was started with --keep-sandbox
 */
#define SANDBOX_MARKER	".patronus-dr-sandbox"
#define SANDBOX_CONFIG	"dr.yaml"
#define SANDBOX_KEEP	"keep"

/* What sandbox_make did, for the bench and -v. */
struct sandbox_stats {
	uint64_t	db_bytes;	/* the database copy */
	int64_t		db_ms;
	uint64_t	tree_bytes;	/* config and WireGuard files */
	size_t		files;
	size_t		reflinked;	/* of files: shared with the live file until written */
	int64_t		tree_ms;
};

char	*sandbox_dir(const char *, const char *);
enum fail_class	 sandbox_make(const struct conf *, const char *, bool,
	    struct sandbox_stats *, char **);
int	 sandbox_remove(const char *, char **);
char	*sandbox_live_path(const char *, const char *);
bool	 sandbox_kept(const char *);

#endif
