/* restore-int.h: what the restore command's files share (cmd-restore.c, restore-db.c, restore-tree.c, restore-all.c). */
#ifndef PDR_RESTORE_INT_H
#define PDR_RESTORE_INT_H

#include "system.h"

#include "cli/cmd.h"
#include "engine/recover/restore.h"
#include "engine/stream/pitr.h"
#include "util/fail.h"

/* The options every restore kind takes. */
struct restore_args {
	enum restore_kind	 kind;
	const char		*from;
	const char		*incident;
	const char		*at;		/* --at TIME, or NULL */
	int64_t			 at_ms;		/* INT64_MAX: the newest point */
	const char		*before;	/* --before TIME, or NULL */
	int64_t			 before_ms;	/* INT64_MAX: no limit */
	int64_t			 incident_ms;	/* --incident-start as an instant */
	bool			 yes;
	bool			 copy;
	bool			 allow_unsigned;
	int64_t			 wait_ms;	/* for a running stream to pause */
	const char		*to;		/* --to DIR: config or keys go there */
	int64_t			 ref_ms;	/* data-loss windows end here (ms); 0: now */
	const char		*ref_what;	/* "incident start", "detection" */
};

/* What restore all asks of the stores: which kind, which set or time. */
struct restore_all_args {
	bool		 remote;	/* --from-remote */
	int		 kind;		/* of store, -1: every one */
	const char	*want;		/* NAME, or NULL for the newest */
};

/* How long restore db waits for a running stream's round to end, by default. */
#define RESTORE_STREAM_WAIT_MS	30000

int	restore_run_db(struct cmd_ctx *ctx, const struct restore_args *ra,
	    const struct restore_pick *p, const char *password, const char *staged);
int	restore_run_stream(struct cmd_ctx *ctx, const struct restore_args *ra);
char	*restore_beside_tmp(const struct conf *c, const char *tag, bool *made, int *ex,
	    char **cause);
int	restore_stream_install(struct cmd_ctx *ctx, const struct restore_args *ra, char *tmp,
	    struct pitr_result *r);
bool	restore_stream_newer(struct cmd_ctx *ctx, const struct restore_pick *p,
	    int64_t before_ms, char **tmp, struct pitr_result *r);
int	restore_run_tree(struct cmd_ctx *ctx, const struct restore_args *ra,
	    const struct restore_pick *p, const char *password);
int	restore_run_all(struct cmd_ctx *ctx, struct restore_args *ra,
	    const struct restore_all_args *aa);
int	restore_pause(struct cmd_ctx *ctx, const struct restore_args *ra, int *fd);
int	restore_ask(const struct restore_args *ra, const char *what);
void	restore_print_window(const struct restore_args *ra, int64_t when_ms);
char	*restore_unique(const char *path);
char	*restore_password(const struct conf *c, char **why, enum fail_class *fc);
void	restore_key_hint(void);
void	restore_password_free(char *pw);
void	restore_record_part(struct cmd_ctx *ctx, const char *part, const char *set,
	    int64_t point_ms, const char *file, const char *hex);
void	restore_record(struct cmd_ctx *ctx, const char *set, int64_t point_ms,
	    const char *hex);

#endif
