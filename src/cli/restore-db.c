/* restore-db.c: restore db: the database from a set, or rebuilt from the stream (the point, the question, the install). */
#include "system.h"

#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/restore-int.h"
#include "engine/set/catalog.h"
#include "engine/set/archive.h"
#include "engine/set/crypt.h"
#include "engine/recover/extract.h"
#include "engine/set/hashio.h"
#include "engine/remote/fallback.h"
#include "engine/stream/offstream.h"
#include "engine/remote/remote.h"
#include "engine/host/sandbox.h"
#include "engine/stream/pitr.h"
#include "engine/recover/restore.h"
#include "model/incident.h"
#include "engine/stream/segment.h"
#include "util/fsutil.h"
#include "util/json.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/*
 * restore db: keep the live database for forensics, then install the backup
 * (staged: its copy already written beside the live one as it was fetched,
 * moved in instead of copied; NULL: copied).
 */
int
restore_run_db(struct cmd_ctx *ctx, const struct restore_args *ra,
    const struct restore_pick *p, const char *password, const char *staged)
{
	struct restore_db_result	 r;
	struct stat			 st;
	char				 stamp[TIMEUTIL_BUFSZ], *what, *cause = NULL;
	char				 want[HASHIO_HEXLEN];
	size_t				 i;
	int				 ex, pfd;
	enum fail_class			 fc;

	if (lstat(ctx->conf.database, &st) == 0)
		what = xasprintf(_("Replace the database %s (%jd bytes) with %s?\n"
		    "The current file is kept as %s.corrupted.TIME first."),
		    ctx->conf.database, (intmax_t)st.st_size, p->db, ctx->conf.database);
	else
		what = xasprintf(_("Install %s as the database %s (none there now)?"),
		    p->db, ctx->conf.database);
	ex = restore_ask(ra, what);
	free(what);
	if (ex != 0)
		return (ex);
	/* What the manifest says the file is: the copy must be that, not a swap. */
	if (restore_manifest_sum(p->db, p->db, password, ra->allow_unsigned, want,
	    &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		return (EX_DATAERR);
	}
	if ((ex = restore_pause(ctx, ra, &pfd)) != 0)
		return (ex);
	time_format_stamp(time(NULL), stamp, sizeof stamp);
	if ((fc = staged != NULL ? restore_db_move_known(staged, ctx->conf.database, stamp,
	    !ra->copy, want, &r, &cause) : restore_db_verified(p->db, ctx->conf.database,
	    stamp, !ra->copy, want, p->db_verified ? &p->db_st : NULL, &r, &cause)) !=
	    FAIL_NONE) {
		ex = fail_exit(fc);
		if (r.installed) {
			restore_record(ctx, p->db, (int64_t)p->when * 1000, r.sha256);
			proc_undefer_signals();
		}
		pitr_unpause(pfd, r.installed ? p->db : NULL);
		cmd_error("%s", cause);
		free(cause);
		restore_db_result_clear(&r);
		return (ex);
	}
	/* installed: say so in the record before a deferred hangup may end us */
	restore_record(ctx, p->db, (int64_t)p->when * 1000, r.sha256);
	proc_undefer_signals();
	pitr_unpause(pfd, p->db);
	printf(_("restored %s from %s (%" PRIu64 " bytes), mode 0600\n"),
	    ctx->conf.database, p->db, r.bytes);
	for (i = 0; i < nitems(r.forensic); i++)
		if (r.forensic[i] != NULL)
			printf(_("forensic copy: %s\n"), r.forensic[i]);
	restore_db_result_clear(&r);
	return (EX_OK);
}

/* Say that a point of the stream was taken unauthenticated (--allow-unsigned). */
static void
restore_print_unsigned(const struct pitr_result *r)
{
	if (r->unsigned_used)
		printf(_("WARNING: unsigned: stream generation %s was used without "
		    "authentication (--allow-unsigned); its origin is not proven\n"),
		    r->generation);
}

/* Print where a rebuild from the stream got to, and, to stderr, why it stopped short. */
static void
restore_print_point(const struct restore_args *ra, const struct pitr_result *r)
{
	char	t[64], a[64];

	if (r->sequence > 0)
		printf(_("point reached: %s (segment %" PRIu64 " of stream generation %s, "
		    "%" PRIu64 " on disk)\n"), time_format_iso_ms(r->point_ms, t, sizeof t),
		    r->sequence, r->generation, r->top);
	else
		printf(_("point reached: %s (the snapshot of stream generation %s, no "
		    "segment applied)\n"), time_format_iso_ms(r->point_ms, t, sizeof t),
		    r->generation);
	if (r->next_ms > 0)
		printf(_("next point left out: %s, after the time asked for\n"),
		    time_format_iso_ms(r->next_ms, t, sizeof t));
	restore_print_unsigned(r);
	if (r->later_ms > 0)
		printf(_("note: generation %s ends there; the next one begins at %s (its "
		    "snapshot): what was committed in between is not in the stream\n"),
		    r->generation, time_format_iso_ms(r->later_ms, t, sizeof t));
	if (!r->broken)
		return;
	fflush(stdout);
	cmd_error(_("the stream chain is broken: %s"), r->why);
	if (ra->at_ms != INT64_MAX)
		cmd_error(_("the last good point is %s, before the %s asked for"),
		    time_format_iso_ms(r->point_ms, t, sizeof t),
		    time_format_iso_ms(ra->at_ms, a, sizeof a));
	else
		cmd_error(_("the last good point is %s"),
		    time_format_iso_ms(r->point_ms, t, sizeof t));
}

/*
 * restore db from the stream: rebuild the database as at ra->at_ms into a
 * temporary file in the live database's folder (every link checked,
 * integrity_check), then install it as restore db installs a set.
 */
int
restore_run_stream(struct cmd_ctx *ctx, const struct restore_args *ra)
{
	struct restore_db_result	 res;
	struct pitr_result		 r;
	struct stat			 st;
	char				 stamp[TIMEUTIL_BUFSZ], t[64], *dir, *tmp, *what;
	char				*cause = NULL, *src;
	const char			*base;
	size_t				 i;
	int				 fd, ex, pfd = -1;
	enum fail_class			 fc;

	restore_sweep(ctx->conf.database, "pitr");
	dir = fs_dirname(ctx->conf.database);
	if (fs_mkdir_p(dir, 0755, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		free(dir);
		return (EX_CANTCREAT);
	}
	base = strrchr(ctx->conf.database, '/');
	base = base != NULL ? base + 1 : ctx->conf.database;
	tmp = xasprintf("%s/.%s.pitr-XXXXXX", dir, base);
	free(dir);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		ex = fail_exit(fail_errno(errno));
		cmd_error("%s: %s", tmp, strerror(errno));
		free(tmp);
		return (ex);
	}
	close(fd);
	log_info(_("rebuilding the database from %s/stream"), ctx->conf.backup_dir);
	if ((fc = pitr_rebuild(ctx->conf.backup_dir, ra->at_ms, tmp, &r, &cause)) !=
	    FAIL_NONE) {
		ex = fail_exit(fc);
		if (r.generation != NULL)
			restore_print_point(ra, &r);
		cmd_error("%s", cause);
		if (r.gendir == NULL && ra->at_ms != INT64_MAX) {
			what = cmd_hint(&ctx->conf, "backups", NULL);
			cmd_error(_("a backup set of that time can be restored with --from "
			    "(see: %s)"), what);
			free(what);
		}
		free(cause);
		pitr_result_clear(&r);
		unlink(tmp);
		free(tmp);
		return (ex);
	}
	restore_print_point(ra, &r);
	fflush(stdout);
	src = r.sequence > 0 ? segment_path(r.gendir, r.sequence) : xasprintf("%s/snapshot.db", r.gendir);
	if (lstat(ctx->conf.database, &st) == 0)
		what = xasprintf(_("Replace the database %s (%jd bytes) with the database as "
		    "at %s rebuilt from the stream?\n%s"
		    "The current file is kept as %s.corrupted.TIME first."),
		    ctx->conf.database, (intmax_t)st.st_size,
		    time_format_iso_ms(r.point_ms, t, sizeof t), r.broken ?
		    _("THE CHAIN IS BROKEN: that is its last good point, not the time asked for.\n") :
		    "", ctx->conf.database);
	else
		what = xasprintf(_("Install the database as at %s rebuilt from the stream "
		    "as %s (none there now)?\n%s"), time_format_iso_ms(r.point_ms, t, sizeof t),
		    ctx->conf.database, r.broken ? _("THE CHAIN IS BROKEN: that is its "
		    "last good point, not the time asked for.\n") : "");
	ex = restore_ask(ra, what);
	free(what);
	if (ex == 0)
		ex = restore_pause(ctx, ra, &pfd);
	if (ex == 0) {
		time_format_stamp(time(NULL), stamp, sizeof stamp);
		/* The rebuild is beside the live file already: moved in, not copied. */
		if ((fc = restore_db_move(tmp, ctx->conf.database, stamp, !ra->copy, &res,
		    &cause)) != FAIL_NONE) {
			ex = fail_exit(fc);
			if (res.installed) {
				restore_record(ctx, src, r.point_ms, res.sha256);
				proc_undefer_signals();
			}
			pitr_unpause(pfd, res.installed ? src : NULL);
			cmd_error("%s", cause);
			free(cause);
		} else {
			/* installed: say so in the record before a deferred hangup may end us */
			restore_record(ctx, src, r.point_ms, res.sha256);
			proc_undefer_signals();
			pitr_unpause(pfd, src);
			printf(_("restored %s from %s (%" PRIu64 " bytes), mode 0600\n"),
			    ctx->conf.database, src, res.bytes);
			for (i = 0; i < nitems(res.forensic); i++)
				if (res.forensic[i] != NULL)
					printf(_("forensic copy: %s\n"), res.forensic[i]);
			if (r.broken)
				printf(_("WARNING: the stream chain is broken; restored its last "
				    "good point %s\n"), time_format_iso_ms(r.point_ms, t, sizeof t));
			restore_print_window(ra, r.point_ms);
			/* installed, but short of what was asked: a runbook must see it */
			if (r.broken)
				ex = 1;
		}
		restore_db_result_clear(&res);
	}
	unlink(tmp);
	free(tmp);
	free(src);
	pitr_result_clear(&r);
	return (ex);
}

/*
 * Whether the stream holds a good point newer than the set p (NULL: no set
 * verifies); says which it is either way when there is a stream.
 */
bool
restore_stream_newer(struct cmd_ctx *ctx, const struct restore_pick *p, int64_t before_ms)
{
	struct pitr_result	 r;
	char			*path, *cause = NULL, t[64], b[64];
	bool			 newer;

	path = xasprintf("%s/stream", ctx->conf.backup_dir);
	if (!fs_exists(path)) {
		free(path);
		return (false);
	}
	free(path);
	if (pitr_rebuild(ctx->conf.backup_dir, before_ms != INT64_MAX ? before_ms - 1 :
	    INT64_MAX, NULL, &r, &cause) != 0) {
		log_warn(_("the stream cannot be used: %s"), cause);
		free(cause);
		pitr_result_clear(&r);
		return (false);
	}
	newer = p == NULL || r.point_ms > (int64_t)p->when * 1000;
	time_format_iso_ms(r.point_ms, t, sizeof t);
	if (p != NULL)
		time_format_iso(p->when, b, sizeof b);
	if (newer && p != NULL)
		printf(_("the stream's newest good point (%s) is newer than the newest set "
		    "that verifies (%s, %s): restoring from the stream\n"), t, p->name, b);
	else if (newer)
		printf(_("no backup set verifies; the stream's newest good point is %s: "
		    "restoring from the stream\n"), t);
	else
		printf(_("the newest set that verifies (%s, %s) is newer than the stream's "
		    "newest good point (%s)\n"), p->name, b, t);
	if (newer)
		restore_print_unsigned(&r);
	fflush(stdout);
	pitr_result_clear(&r);
	return (newer);
}
