/* cmd-restore.c: put the database, the config or the WireGuard keys back from a backup set. */
#include "system.h"

#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/cmd.h"
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

/* How long restore db waits for a running stream's round to end, by default. */
#define RESTORE_STREAM_WAIT_MS	30000

/*
 * Pause a running stream (pitr_pause) for the install: *fd for pitr_unpause.
 * Returns 0, or the exit status after saying why not (75: it did not pause).
 */
static int
restore_pause(struct cmd_ctx *ctx, const struct restore_args *ra, int *fd)
{
	char	*cause = NULL, *live;
	int	 r;

	/* a drill's sandbox: the stream copies the live database, not this one */
	if ((live = sandbox_live_path(ctx->conf.path, "database")) != NULL) {
		free(live);
		*fd = -1;
		return (0);
	}
	if ((r = pitr_pause(ctx->conf.backup_dir, ra->wait_ms, fd, &cause)) == 0)
		return (0);
	cmd_error("%s", cause);
	free(cause);
	return (r == 1 ? EX_TEMPFAIL : EX_CANTCREAT);
}

/*
 * Ask on the terminal whether to go ahead, after what. Returns 1 for yes, 0
 * for no, -1 when there is no terminal to ask on.
 */
static int
restore_confirm(const char *what)
{
	char	 line[64];
	FILE	*tty;
	int	 fd;

	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) == -1)
		return (-1);
	if ((tty = fdopen(fd, "r+")) == NULL) {
		close(fd);
		return (-1);
	}
	fprintf(tty, "%s\n%s", what, _("Go ahead? [y/N] "));
	fflush(tty);
	if (fgets(line, sizeof line, tty) == NULL)
		line[0] = '\0';
	fclose(tty);
	return (line[0] == 'y' || line[0] == 'Y');
}

/* Ask unless --yes; returns an exit code when not to go on, else 0. */
static int
restore_ask(const struct restore_args *ra, const char *what)
{
	int	r;

	if (ra->yes)
		return (0);
	r = restore_confirm(what);
	if (r == 1)
		return (0);
	if (r == -1) {
		cmd_error(_("no terminal to ask for confirmation on; run with --yes "
		    "to restore without asking"));
		return (EX_USAGE);
	}
	cmd_error(_("not confirmed; nothing changed"));
	return (1);
}

/*
 * Print the data-loss window: the point's time (ms) against ra->ref_ms (the
 * incident start given, or the detection time of the incident the TUI runs
 * this under, so that every figure of one incident is measured the same way),
 * else against now.
 */
static void
restore_print_window(const struct restore_args *ra, int64_t when_ms)
{
	char	bw[64], rw[64], dw[TIMEUTIL_BUFSZ];
	int64_t	ref = ra->ref_ms != 0 ? ra->ref_ms : time_now_ms();
	int64_t	d = ref - when_ms;

	time_format_iso_ms(when_ms, bw, sizeof bw);
	time_format_iso_ms(ref, rw, sizeof rw);
	if (d < 0)
		d = 0;
	if (d < 10000)
		pitr_format_ms(d, dw, sizeof dw);
	else
		duration_format(d / 1000, dw, sizeof dw);
	printf(_("data-loss window: %s (backup of %s, %s %s)\n"), dw, bw,
	    ra->ref_ms != 0 ? ra->ref_what : _("now"), rw);
}

/* The incident record's folder: PATRONUS_DR_STATE_DIR (a drill's sandbox) when set, else state_dir. */
static const char *
restore_state_dir(struct cmd_ctx *ctx)
{
	const char	*state = getenv("PATRONUS_DR_STATE_DIR");

	return (state != NULL && *state != '\0' ? state : ctx->conf.state_dir);
}

/*
 * Where data-loss windows end: --incident-start when given, else (under an
 * incident, PATRONUS_DR_INCIDENT) its detection time from the record.
 */
static void
restore_reference(struct cmd_ctx *ctx, struct restore_args *ra)
{
	struct incident_store	*st;
	struct incident		 inc;
	const char		*id = getenv("PATRONUS_DR_INCIDENT");
	char			*cause = NULL;

	if (ra->incident != NULL) {
		ra->ref_ms = ra->incident_ms;
		ra->ref_what = _("incident start");
		return;
	}
	if (id == NULL || *id == '\0')
		return;
	if (incident_store_open(restore_state_dir(ctx), &st, &cause) != 0) {
		free(cause);
		return;
	}
	if (incident_get(st, id, &inc, &cause) == 1) {
		ra->ref_ms = inc.detected_ms;
		ra->ref_what = _("detection");
		incident_clear(&inc);
	} else
		free(cause);
	incident_store_close(st);
}

/* path, or path.N for the first N from 2 that is free (caller frees). */
static char *
restore_unique(const char *path)
{
	char	*p = xstrdup(path);
	int	 n;

	for (n = 2; fs_exists(p) && n < 1000; n++) {
		free(p);
		p = xasprintf("%s.%d", path, n);
	}
	return (p);
}

/* Read the encryption key; NULL with *why (caller frees) and *fc when it cannot be used. */
static char *
restore_password(const struct conf *c, char **why, enum fail_class *fc)
{
	char	*pw = NULL;

	*why = NULL;
	if ((*fc = fs_load_key(c->encryption_key, &pw, why)) != FAIL_NONE)
		return (NULL);
	return (pw);
}

/* Say what to do when the key file is gone. */
static void
restore_key_hint(void)
{
	cmd_error(_("the key proves where a set comes from: put it back from its offline "
	    "copy first (or name a set with --from and accept it unauthenticated with "
	    "--allow-unsigned); nothing changed"));
}

/* Free a key, wiping it first. */
static void
restore_password_free(char *pw)
{
	if (pw != NULL) {
		OPENSSL_cleanse(pw, strlen(pw));
		free(pw);
	}
}

static void	restore_record(struct cmd_ctx *, const char *, int64_t, const char *);
static void	restore_record_part(struct cmd_ctx *, const char *, const char *, int64_t,
	    const char *, const char *);

/*
 * restore db: keep the live database for forensics, then install the backup
 * (staged: its copy already written beside the live one as it was fetched,
 * moved in instead of copied; NULL: copied).
 */
static int
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
static int
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
	if (pitr_rebuild(ctx->conf.backup_dir, ra->at_ms, tmp, &r, &cause) != 0) {
		ex = r.gendir == NULL ? EX_NOINPUT : r.bad_db ? EX_DATAERR :
		    fail_exit(fail_errno(errno));
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

/* Archive the current config folder dir into state_dir, as the plan's "backup current config". */
static int
restore_save_config(struct cmd_ctx *ctx, const char *dir, const char *stamp, char **saved,
    char **cause)
{
	struct hashio_out	 out;
	struct archive_stats	 stats;
	char			*path;

	*saved = NULL;
	if (!fs_exists(dir))
		return (0);
	if (fs_mkdir_p(ctx->conf.state_dir, 0700, cause) != 0)
		return (-1);
	path = xasprintf("%s/config-before-restore-%s.tar.gz", ctx->conf.state_dir,
	    stamp);
	*saved = restore_unique(path);
	free(path);
	if (hashio_open(&out, *saved, cause) != 0)
		goto fail;
	memset(&stats, 0, sizeof stats);
	if (archive_pack_dir(dir, NULL, 0, hashio_sink, &out, &stats,
	    cause) != 0) {
		hashio_abort(&out);
		archive_stats_clear(&stats);
		goto fail;
	}
	archive_stats_clear(&stats);
	if (hashio_commit(&out, cause) != 0)
		goto fail;
	log_info(_("current config saved in %s (%zu entries)"), *saved, stats.entries);
	return (0);
fail:
	free(*saved);
	*saved = NULL;
	return (-1);
}

/* restore config / restore keys: check the archive whole, then swap the tree in. */
static int
restore_run_tree(struct cmd_ctx *ctx, const struct restore_args *ra,
    const struct restore_pick *p, const char *password)
{
	static const char	 marks[] = { '+', '~', '-' };
	struct extract_opts	 o;
	struct extract_result	 r;
	char			 stamp[TIMEUTIL_BUFSZ], *data = NULL, *cause = NULL;
	char			*prefix, *kept, *what, *saved = NULL, *mine, hex[HASHIO_HEXLEN];
	size_t			 len = 0, entries = 0, i;
	bool			 keys = ra->kind == RESTORE_KEYS;
	int			 ex;

	memset(&o, 0, sizeof o);
	o.name = keys ? p->wireguard : p->config;
	o.target = ra->to != NULL ? ra->to : keys ? ctx->conf.wireguard_dir :
	    ctx->conf.config_dir;
	o.private_files = keys;
	o.carry = ctx->conf.encryption_key;
	if (o.target[0] != '/') {
		cmd_error(_("%s: not an absolute path"), o.target);
		return (EX_CONFIG);
	}
	if (extract_load(o.name, keys ? password : NULL, &data, &len, hex, &cause) != 0 ||
	    restore_recheck(p->db, o.name, hex, password, ra->allow_unsigned, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		if (data != NULL) {
			OPENSSL_cleanse(data, len);
			free(data);
		}
		return (EX_DATAERR);
	}
	/* The archive's own top folder, mapped onto the target when they differ. */
	if (extract_root(data, len, o.name, &prefix, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		OPENSSL_cleanse(data, len);
		free(data);
		return (EX_DATAERR);
	}
	o.prefix = prefix;
	mine = extract_prefix(o.target);
	if (strcmp(mine, prefix) != 0)
		printf(_("the archive holds /%s; it is restored as %s\n"), prefix, o.target);
	free(mine);
	time_format_stamp(time(NULL), stamp, sizeof stamp);
	what = xasprintf("%s.pre-restore-%s", o.target, stamp);
	kept = restore_unique(what);
	free(what);
	o.kept = kept;
	ex = EX_OK;
	if (extract_check(data, len, &o, &entries, &cause) != 0) {
		cmd_error("%s", cause);
		ex = EX_DATAERR;
		goto out;
	}
	what = xasprintf(_("Replace %s with the %zu entries of %s?\n"
	    "The current tree is kept as %s."), o.target, entries, o.name, kept);
	ex = restore_ask(ra, what);
	free(what);
	if (ex != 0)
		goto out;
	if (!keys && restore_save_config(ctx, o.target, stamp, &saved, &cause) != 0) {
		cmd_error("%s", cause);
		ex = EX_CANTCREAT;
		goto out;
	}
	/*
	 * A tree is small: a hangup or cancel waits until the swap is done and
	 * the line that says so is written (the supervisor records it).
	 */
	proc_defer_signals();
	if (extract_tree(data, len, &o, &r, &cause) != 0) {
		ex = fail_exit(fail_errno(errno));
		if (r.installed) {
			/* the tree is live: the record and the operator are told so */
			const char	*base = strrchr(o.target, '/');

			base = base != NULL ? base + 1 : o.target;
			printf(_("restored %s from %s, but a step after the swap failed: the "
			    "previous tree may be left beside it as .%s.restore-* (the next "
			    "restore keeps it as %s.pre-restore-interrupted-*)\n"),
			    cmd_esc(o.target), o.name, cmd_esc(base), cmd_esc(base));
			fflush(stdout);
			restore_record_part(ctx, keys ? "keys" : "config", p->name,
			    (int64_t)p->when * 1000, o.name, NULL);
		}
		cmd_error("%s", cause);
		proc_undefer_signals();
		extract_result_clear(&r);
		goto out;
	}
	for (i = 0; i < r.ndiffs; i++)
		printf("%c %s/%s\n", marks[r.diffs[i].kind], cmd_esc(o.target),
		    cmd_esc(r.diffs[i].path));
	printf(_("restored %s from %s: %zu added, %zu changed, %zu removed\n"),
	    o.target, o.name, r.added, r.changed, r.removed);
	fflush(stdout);
	restore_record_part(ctx, keys ? "keys" : "config", p->name, (int64_t)p->when * 1000,
	    o.name, NULL);
	proc_undefer_signals();
	if (r.kept)
		printf(_("previous tree kept as %s\n"), kept);
	if (!keys && str_has_prefix(ctx->conf.encryption_key, o.target) &&
	    !fs_exists(ctx->conf.encryption_key))
		printf(_("WARNING: the encryption key %s is not in the restored config "
		    "(backups leave it out): put it back from its offline copy before "
		    "restore keys\n"), ctx->conf.encryption_key);
	if (saved != NULL)
		printf(_("previous config archived as %s\n"), saved);
	extract_result_clear(&r);
out:
	if (data != NULL) {
		OPENSSL_cleanse(data, len);
		free(data);
	}
	free(saved);
	free(cause);
	free(kept);
	free(prefix);
	return (ex);
}

/*
 * Under an incident (PATRONUS_DR_INCIDENT, and the step in PATRONUS_DR_STEP,
 * the run in PATRONUS_DR_RUN, as the TUI's supervisor sets them for a step's
 * command): append a "restored" event for one part (db, config, keys) with the
 * set, its time (where the data-loss window ends), the file installed (the
 * database) or read (the archive) and its SHA-256 (hex; NULL: hashed here),
 * for the report's achieved RPO. The database's is hashed before it is
 * installed: nothing expensive runs between the install and this event. The
 * record is in
 * PATRONUS_DR_STATE_DIR when set (a drill's actions run with the sandbox's
 * settings, whose state_dir is the sandbox's), else in state_dir. A failure
 * to record is said on stderr; the restore stands.
 */
static void
restore_record_part(struct cmd_ctx *ctx, const char *part, const char *set, int64_t point_ms,
    const char *file, const char *hex)
{
	struct incident_store	*st;
	struct buf		 b;
	const char		*id = getenv("PATRONUS_DR_INCIDENT");
	const char		*step = getenv("PATRONUS_DR_STEP");
	char			 own[HASHIO_HEXLEN], *cause = NULL;
	int			 rc;

	if (id == NULL || *id == '\0')
		return;
	if (step != NULL && *step == '\0')
		step = NULL;
	if (hex == NULL && hashio_file(file, own, NULL, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		return;
	}
	if (hex == NULL)
		hex = own;
	buf_init(&b);
	buf_adds(&b, "{\"set\":");
	json_add_string(&b, set);
	buf_printf(&b, ",\"backup_ms\":%jd,\"file\":", (intmax_t)point_ms);
	json_add_string(&b, file);
	buf_printf(&b, ",\"sha256\":\"%s\",\"part\":", hex);
	json_add_string(&b, part);
	buf_adds(&b, "}");
	rc = incident_store_open(restore_state_dir(ctx), &st, &cause);
	if (rc == 0) {
		incident_store_set_run(st, getenv("PATRONUS_DR_RUN"));
		rc = incident_append(st, id, step, INCIDENT_EV_RESTORED, b.data, NULL, &cause);
		incident_store_close(st);
	}
	if (rc != 0) {
		cmd_error("%s", cause);
		free(cause);
	}
	buf_clear(&b);
}

/* The "restored" event of the database: the set or segment, the point it holds, its hash. */
static void
restore_record(struct cmd_ctx *ctx, const char *set, int64_t point_ms, const char *hex)
{
	restore_record_part(ctx, "db", set, point_ms, ctx->conf.database, hex);
}

/*
 * Whether the stream holds a good point newer than the set p (NULL: no set
 * verifies); says which it is either way when there is a stream.
 */
static bool
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

/* The live database's folder when restore all made it for a staged copy, else NULL. */
static char *restore_stage_dir;

/*
 * A new empty file beside the live database (.BASE.fetch-XXXXXX) for the
 * fetched set's database to be written to as well, so that installing it is
 * a rename, not a second copy; those a killed run left are removed first.
 * The folder is made (0755, as the install would) when it is not there.
 * NULL when the file cannot be made.
 */
static char *
restore_stage_new(const struct conf *c)
{
	char	*dir, *path, *cause = NULL;
	int	 fd;

	restore_sweep(c->database, "fetch");
	dir = fs_dirname(c->database);
	if (!fs_exists(dir)) {
		if (fs_mkdir_p(dir, 0755, &cause) == -1) {
			free(cause);
			free(dir);
			return (NULL);
		}
		restore_stage_dir = xstrdup(dir);
	}
	path = xasprintf("%s/.%s.fetch-XXXXXX", dir, strrchr(c->database, '/') != NULL ?
	    strrchr(c->database, '/') + 1 : c->database);
	free(dir);
	if ((fd = mkostemp(path, O_CLOEXEC)) == -1) {
		free(path);
		return (NULL);
	}
	close(fd);
	return (path);
}

/*
 * Remove and forget the staged copy of a fetched database, if there is one
 * (and the folder made for it when nothing else went in).
 */
static void
restore_unstage(char **staged)
{
	if (*staged != NULL)
		unlink(*staged);
	free(*staged);
	*staged = NULL;
	if (restore_stage_dir != NULL)
		rmdir(restore_stage_dir);
	free(restore_stage_dir);
	restore_stage_dir = NULL;
}

/* What restore all asks of the stores: which kind, which set or time. */
struct restore_all_args {
	bool		 remote;	/* --from-remote */
	int		 kind;		/* of store, -1: every one */
	const char	*want;		/* NAME, or NULL for the newest */
};

/*
 * restore all --from-remote: ask each store what it holds (printed, with
 * ages), bring the newest stream into backup_dir/stream (the next store when
 * one fails) unless a set was named, and fetch the newest set that verifies
 * (fallback_fetch_newest). *db_from gets the fetched set's .db (caller frees),
 * NULL when none could be; *staged (caller frees and removes) a copy of its
 * database written beside the live one as it was fetched, NULL when there is
 * none. Returns EX_OK, or the exit status when there is nothing to restore
 * or this host cannot hold it.
 */
static int
restore_all_fetch(struct cmd_ctx *ctx, const struct restore_args *ra,
    const struct restore_all_args *aa, char **db_from, char **staged)
{
	struct remote		 r[REMOTE__KINDS];
	struct fallback_survey	 sv;
	struct fallback_fetched	 got;
	enum fallback_fail	 f;
	char			*dir, *cause = NULL, *safe;
	size_t			 nr, i, n, skipped;
	bool			 streamed = false;
	int			 ex;

	*db_from = NULL;
	if ((ex = cmd_fetch_stores(ctx, aa->kind, r, &nr)) != EX_OK)
		return (ex);
	*staged = restore_stage_new(&ctx->conf);
	for (i = 0; i < nr; i++)
		r[i].stage_db = *staged;
	fallback_survey(r, nr, aa->want == NULL, &sv);
	cmd_fetch_print_survey(&sv, time(NULL));
	dir = str_join_path(ctx->conf.backup_dir, "stream");
	for (i = 0; i < sv.n && aa->want == NULL && !streamed; i++) {
		if (sv.v[i].stream_newest == NULL)
			continue;
		log_info(_("Fetching the stream from %s into %s"), sv.v[i].store->where, dir);
		if (offstream_fetch(sv.v[i].store, dir, &n, &skipped, &cause) == -1) {
			safe = str_safe(cause);
			printf(_("skipped: the stream on %s: %s\n"), sv.v[i].store->where, safe);
			free(safe);
			free(cause);
			cause = NULL;
			continue;
		}
		printf(_("fetched the stream from %s: %zu files (%zu already there)\n"),
		    sv.v[i].store->where, n, skipped);
		streamed = true;
	}
	free(dir);
	fflush(stdout);
	/* --before: sets taken wholly before it (named at S: taken before S + 1 s). */
	f = fallback_fetch_newest(&ctx->conf, &sv, aa->want,
	    ra->before_ms != INT64_MAX ? (time_t)((ra->before_ms - 1000) / 1000) :
	    ra->at_ms != INT64_MAX ? (time_t)(ra->at_ms / 1000) : 0, &got, &cause);
	cmd_fetch_print_skips(got.skips, got.nskips);
	ex = EX_OK;
	if (f == FALLBACK_OK) {
		if (got.here)
			printf(_("%s is here already, verified and unchanged since\n"), got.name);
		else
			printf(_("fetched %s from %s; it verifies\n"), got.name,
			    got.store->where);
		*db_from = xstrdup(got.db);
	}
	if (*staged != NULL && (f != FALLBACK_OK || !got.staged)) {
		unlink(*staged);
		free(*staged);
		*staged = NULL;
	}
	if (f != FALLBACK_OK) {
		fflush(stdout);
		safe = str_safe(cause);
		cmd_error("%s", safe);
		free(safe);
		free(cause);
		/* Disk full here, or nothing at all: the stream alone cannot give config and keys. */
		if (f == FALLBACK_LOCAL || (!streamed && aa->want == NULL) || aa->want != NULL)
			ex = cmd_fetch_fail_exit(f);
	}
	fflush(stdout);
	fallback_fetched_clear(&got);
	fallback_survey_clear(&sv);
	for (i = 0; i < nr; i++)
		remote_clear(&r[i]);
	return (ex);
}

/*
 * The stream's newest good point at or before ra->at_ms in backup_dir/stream,
 * in *point_ms; false when there is no usable stream (said why).
 */
static bool
restore_all_stream_point(struct cmd_ctx *ctx, const struct restore_args *ra, int64_t *point_ms)
{
	struct pitr_result	 r;
	char			*path, *cause = NULL, t[64], age[TIMEUTIL_BUFSZ];
	int64_t			 now = time_now_ms();

	path = str_join_path(ctx->conf.backup_dir, "stream");
	if (!fs_exists(path)) {
		free(path);
		return (false);
	}
	free(path);
	if (pitr_rebuild(ctx->conf.backup_dir, ra->at_ms, NULL, &r, &cause) != 0) {
		printf(_("skipped: the stream: %s\n"), cmd_esc(cause));
		free(cause);
		pitr_result_clear(&r);
		return (false);
	}
	*point_ms = r.point_ms;
	duration_format(now > r.point_ms ? (now - r.point_ms) / 1000 : 0, age, sizeof age);
	printf(_("stream: newest good point %s (%s old), generation %s%s\n"),
	    time_format_iso_ms(r.point_ms, t, sizeof t), age, r.generation,
	    r.broken ? _(", the chain is broken after it") : "");
	pitr_result_clear(&r);
	return (true);
}

/*
 * restore all: the database (from the newest point: the stream's when newer
 * than the set), the config and the keys (from the set), one question for the
 * three, one forensic copy and one "restored" event per part. Stops at the
 * first part that fails and says which were not done.
 */
static int
restore_run_all(struct cmd_ctx *ctx, struct restore_args *ra, const struct restore_all_args *aa)
{
	struct restore_pick	 p;
	char			*pw, *why = NULL, *cause = NULL, *db_from = NULL, *what;
	char			*staged = NULL, *fetched = NULL;
	char			 t[64], b[TIMEUTIL_BUFSZ];
	int64_t			 point_ms = 0;
	bool			 picked, stream;
	int			 ex;
	enum fail_class		 fc;

	if (aa->remote && (ex = restore_all_fetch(ctx, ra, aa, &db_from, &staged)) != EX_OK)
		return (ex);
	if (staged != NULL)
		fetched = xstrdup(db_from);
	if (!aa->remote && aa->want != NULL)
		db_from = xstrdup(aa->want);
	/*
	 * The newest (before --before): what was just fetched and stamped, or a
	 * newer set here; not verified twice.
	 */
	if (aa->remote && aa->want == NULL && (ra->at_ms == INT64_MAX ||
	    ra->before_ms != INT64_MAX)) {
		free(db_from);
		db_from = NULL;
	}
	/* the key authenticates every set and decrypts the keys: none, nothing changes */
	pw = restore_password(&ctx->conf, &why, &fc);
	if (pw == NULL) {
		cmd_error("%s", why);
		if (fc == FAIL_NOINPUT)
			restore_key_hint();
		free(why);
		free(db_from);
		free(fetched);
		restore_unstage(&staged);
		return (fail_exit(fc));
	}
	picked = restore_pick_before(&ctx->conf, db_from, ra->before_ms, RESTORE_KEYS, pw, why,
	    false, &p, &cause) == 0;
	free(why);
	free(db_from);
	if (picked && ra->at_ms != INT64_MAX && (int64_t)p.when * 1000 > ra->at_ms) {
		restore_pick_clear(&p);
		picked = false;
		cause = xstrdup(_("the newest set that verifies is newer than the time asked for"));
	}
	stream = aa->want == NULL && restore_all_stream_point(ctx, ra, &point_ms) &&
	    (!picked || point_ms > (int64_t)p.when * 1000);
	/* The staged copy is of the fetched set's database: used when that is what goes in. */
	if (stream || !picked || fetched == NULL || strcmp(fetched, p.db) != 0)
		restore_unstage(&staged);
	free(fetched);
	if (!picked) {
		cmd_error("%s", cause);
		free(cause);
		if (!stream) {
			restore_password_free(pw);
			return (aa->remote ? 1 : EX_NOINPUT);
		}
		cmd_error(_("only the database can be restored (from the stream); config "
		    "and keys need a backup set"));
	}
	if (stream)
		printf(_("database: from the stream, as at %s%s\n"),
		    time_format_iso_ms(point_ms, t, sizeof t), picked ?
		    _(" (newer than the newest set)") : "");
	else
		printf(_("database: from %s (%s)\n"), p.name, time_format_iso(p.when, b,
		    sizeof b));
	if (picked)
		printf(_("config and keys: from %s (%s)\n"), p.name, time_format_iso(p.when, b,
		    sizeof b));
	fflush(stdout);
	if (picked)
		what = xasprintf(_("Replace the database %s, the config %s and the keys %s?\n"
		    "Each is kept first (DB.corrupted.TIME, DIR.pre-restore-TIME)."),
		    ctx->conf.database, ctx->conf.config_dir, ctx->conf.wireguard_dir);
	else
		what = xasprintf(_("Replace the database %s alone (no set for the config and "
		    "the keys)?\nIt is kept first as DB.corrupted.TIME."), ctx->conf.database);
	ex = restore_ask(ra, what);
	free(what);
	ra->yes = true;
	if (ex == 0 && stream) {
		ra->kind = RESTORE_DB;
		ex = restore_run_stream(ctx, ra);
	} else if (ex == 0) {
		ra->kind = RESTORE_DB;
		/* restore_run_db records it as soon as it is installed */
		if ((ex = restore_run_db(ctx, ra, &p, pw, staged)) == EX_OK)
			restore_print_window(ra, (int64_t)p.when * 1000);
	}
	restore_unstage(&staged);
	if (ex == 0 && picked) {
		ra->kind = RESTORE_CONFIG;
		/* restore_run_tree records it as soon as it is swapped in */
		if ((ex = restore_run_tree(ctx, ra, &p, pw)) != EX_OK)
			cmd_error(_("the config was not restored, nor the keys"));
	}
	if (ex == 0 && picked) {
		ra->kind = RESTORE_KEYS;
		if (pw == NULL) {
			cmd_error(_("the keys were not restored: the encryption key %s cannot "
			    "be read"), ctx->conf.encryption_key);
			ex = EX_NOINPUT;
		} else if ((ex = restore_run_tree(ctx, ra, &p, pw)) != EX_OK)
			cmd_error(_("the keys were not restored"));
	}
	if (ex == 0 && !picked)
		ex = 1;
	if (ex == 0)
		printf(_("restored: database, config and keys\n"));
	if (picked)
		restore_pick_clear(&p);
	restore_password_free(pw);
	return (ex);
}

/* The newest point here in unix ms: the set picked, or the stream's newest when later. */
static int64_t
restore_local_newest(struct cmd_ctx *ctx, const struct restore_pick *p)
{
	struct pitr_result	 r;
	char			*path, *cause = NULL;
	int64_t			 best = p != NULL ? (int64_t)p->when * 1000 : 0;

	path = str_join_path(ctx->conf.backup_dir, "stream");
	if (fs_exists(path) && pitr_rebuild(ctx->conf.backup_dir, INT64_MAX, NULL, &r,
	    &cause) == 0 && r.point_ms > best)
		best = r.point_ms;
	else
		free(cause);
	if (fs_exists(path))
		pitr_result_clear(&r);
	free(path);
	return (best);
}

/* Parse the options, pick the set, and run the restore of one kind. */
static int
cmd_restore_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct restore_all_args		 aa;
	struct restore_args		 ra;
	struct restore_pick		 p;
	char				*pw, *why = NULL, *cause = NULL, *from_db = NULL, *from_name;
	char				 stamp[64];
	bool				 picked, named, latest = false;
	int				 opt, ex;
	enum fail_class			 fc;

	memset(&aa, 0, sizeof aa);
	aa.kind = -1;
	memset(&ra, 0, sizeof ra);
	ra.at_ms = INT64_MAX;
	ra.before_ms = INT64_MAX;
	ra.wait_ms = RESTORE_STREAM_WAIT_MS;
	while ((opt = cmd_getopts(e, argc, argv)) != -1) {
		switch (opt) {
		case 'u':
			ra.allow_unsigned = true;
			break;
		case 't':
			ra.to = optarg;
			break;
		case 'R':
			aa.remote = true;
			break;
		case 'l':
			latest = true;
			break;
		case 'w':
			if (duration_parse(optarg, &ra.wait_ms, &cause) != 0) {
				free(cause);
				cmd_usage_error(e, _("--wait wants a duration such as 30s, "
				    "not \"%s\""), optarg);
			}
			ra.wait_ms *= 1000;
			break;
		case 'a':
			ra.at = optarg;
			break;
		case 'b':
			ra.before = optarg;
			break;
		case 'f':
			ra.from = optarg;
			break;
		case 'i':
			ra.incident = optarg;
			break;
		case 'y':
			ra.yes = true;
			break;
		case 'C':
			ra.copy = true;
			break;
		}
	}
	if (optind >= argc)
		cmd_usage_error(e, _("say what to restore: db, config, keys or all"));
	if (strcmp(argv[optind], "all") == 0) {
		optind++;
		if (aa.remote && optind < argc && remote_kind_parse(argv[optind]) != -1)
			aa.kind = remote_kind_parse(argv[optind++]);
		if (optind < argc)
			aa.want = argv[optind++];
		if (optind < argc)
			cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind]);
		if (ra.from != NULL || ra.to != NULL)
			cmd_usage_error(e, _("restore all takes a set NAME, not --from or --to"));
		/* It was accepted and ignored: restore all takes signed sets and stream only. */
		if (ra.allow_unsigned)
			cmd_usage_error(e, _("--allow-unsigned is for restore db, config or keys: "
			    "restore all uses signed sets and a signed stream only"));
		if ((latest ? 1 : 0) + (aa.want != NULL) + (ra.at != NULL) > 1)
			cmd_usage_error(e, _("give one of --latest, NAME and --at"));
		if (!aa.remote && ra.at != NULL)
			cmd_usage_error(e, _("restore all --at is for --from-remote; restore db "
			    "--at rebuilds the database alone"));
		if (ra.before != NULL && (ra.at != NULL || aa.want != NULL))
			cmd_usage_error(e, _("give one of --latest, NAME, --at and --before"));
		if (ra.before != NULL) {
			if (pitr_parse_time(ra.before, time_now_ms(), &ra.before_ms, &cause) != 0) {
				cmd_error("--before: %s", cause);
				free(cause);
				return (EX_USAGE);
			}
			/* The stream's newest point taken before it, too. */
			ra.at_ms = ra.before_ms - 1;
			printf(_("only points before %s: later backups may hold the damage\n"),
			    time_format_iso_ms(ra.before_ms, stamp, sizeof stamp));
			fflush(stdout);
		}
		if (ra.incident != NULL && pitr_parse_time(ra.incident, time_now_ms(),
		    &ra.incident_ms, &cause) != 0) {
			cmd_error("--incident-start: %s", cause);
			free(cause);
			return (EX_USAGE);
		}
		if (ra.at != NULL && pitr_parse_time(ra.at, time_now_ms(), &ra.at_ms,
		    &cause) != 0) {
			cmd_error("--at: %s", cause);
			free(cause);
			return (EX_USAGE);
		}
		/* NAME as backups names it: a path here, the bare name off-site */
		if (aa.want != NULL) {
			if (catalog_resolve(ctx->conf.backup_dir, aa.want, !aa.remote, &from_db,
			    &from_name, &cause) != 0) {
				cmd_error("%s", cause);
				free(cause);
				return (EX_NOINPUT);
			}
			aa.want = aa.remote ? from_name : from_db;
		}
		restore_reference(ctx, &ra);
		ex = restore_run_all(ctx, &ra, &aa);
		if (aa.want != NULL) {
			free(from_db);
			free(from_name);
		}
		return (ex);
	}
	if (aa.remote || latest)
		cmd_usage_error(e, _("--from-remote and --latest are for restore all"));
	if (ra.to != NULL && strcmp(argv[optind], "config") != 0 &&
	    strcmp(argv[optind], "keys") != 0)
		cmd_usage_error(e, _("--to is for restore config and restore keys"));
	if (strcmp(argv[optind], "db") == 0)
		ra.kind = RESTORE_DB;
	else if (strcmp(argv[optind], "config") == 0)
		ra.kind = RESTORE_CONFIG;
	else if (strcmp(argv[optind], "keys") == 0)
		ra.kind = RESTORE_KEYS;
	else
		cmd_usage_error(e, _("unknown kind \"%s\" (db, config or keys)"),
		    argv[optind]);
	if (optind + 1 < argc)
		cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind + 1]);
	if (ra.incident != NULL &&
	    pitr_parse_time(ra.incident, time_now_ms(), &ra.incident_ms, &cause) != 0) {
		cmd_error("--incident-start: %s", cause);
		free(cause);
		return (EX_USAGE);
	}
	if (ra.before != NULL) {
		if (ra.at != NULL)
			cmd_usage_error(e, _("--at and --before exclude each other"));
		if (pitr_parse_time(ra.before, time_now_ms(), &ra.before_ms, &cause) != 0) {
			cmd_error("--before: %s", cause);
			free(cause);
			return (EX_USAGE);
		}
	}
	if (ra.allow_unsigned && ra.kind != RESTORE_DB && ra.from == NULL)
		cmd_usage_error(e, _("--allow-unsigned needs --from: no unsigned set is "
		    "picked by itself"));
	/* restore db without --from: --allow-unsigned is for the stream, never for a set. */
	if (ra.allow_unsigned && ra.from == NULL) {
		segment_auth_allow_unsigned(true);
		ra.allow_unsigned = false;
	}
	/* One run at a time in backup_dir: no backup or prune while this one reads. */
	if ((ex = cmd_lock(&ctx->conf, "restore", ra.wait_ms, false)) != 0)
		return (ex);
	restore_reference(ctx, &ra);
	if (ra.at != NULL) {
		if (ra.kind != RESTORE_DB)
			cmd_usage_error(e, _("--at is for restore db only"));
		if (ra.from != NULL)
			cmd_usage_error(e, _("--at and --from exclude each other"));
		if (pitr_parse_time(ra.at, time_now_ms(), &ra.at_ms, &cause) != 0) {
			cmd_error("--at: %s", cause);
			free(cause);
			return (EX_USAGE);
		}
		printf(_("restoring the database as at %s from the stream\n"),
		    time_format_iso_ms(ra.at_ms, stamp, sizeof stamp));
		fflush(stdout);
		return (restore_run_stream(ctx, &ra));
	}

	/* --from names the set as backups does, or by its .db path */
	if (ra.from != NULL) {
		if (catalog_resolve(ctx->conf.backup_dir, ra.from, true, &from_db, &from_name,
		    &cause) != 0) {
			cmd_error("%s", cause);
			free(cause);
			return (EX_NOINPUT);
		}
		free(from_name);
		ra.from = from_db;
	}
	/*
	 * The key proves a set's origin: without it (or with one others can
	 * read) no set is restored, unless one named with --from is accepted
	 * unauthenticated with --allow-unsigned (the key file gone, not open).
	 * restore db without --from goes on to say why the stream cannot be
	 * used either: its files are signed with the same key (segment_auth),
	 * unless --allow-unsigned takes them unchecked.
	 */
	pw = restore_password(&ctx->conf, &why, &fc);
	if (pw == NULL && (ra.kind == RESTORE_KEYS || fc != FAIL_NOINPUT || (!ra.allow_unsigned &&
	    !(ra.kind == RESTORE_DB && ra.from == NULL)))) {
		cmd_error("%s", why);
		if (fc == FAIL_NOINPUT && ra.kind != RESTORE_KEYS)
			restore_key_hint();
		free(why);
		free(from_db);
		return (fail_exit(fc));
	}
	if (ra.before_ms != INT64_MAX && ra.from == NULL) {
		printf(_("only points before %s: later backups may hold the damage\n"),
		    time_format_iso_ms(ra.before_ms, stamp, sizeof stamp));
		fflush(stdout);
	}
	picked = restore_pick_before(&ctx->conf, ra.from, ra.before_ms, ra.kind, pw, why,
	    ra.allow_unsigned, &p, &cause) == 0;
	free(why);
	named = from_db != NULL;
	ra.from = NULL;		/* p has what it named */
	free(from_db);
	if (ra.kind == RESTORE_DB && !named && ra.before_ms == INT64_MAX)
		cmd_fetch_offsite_note(ctx, restore_local_newest(ctx, picked ? &p : NULL));
	/* Without --from, the stream's newest good point (before the limit) when it is newer. */
	if (ra.kind == RESTORE_DB && !named &&
	    restore_stream_newer(ctx, picked ? &p : NULL, ra.before_ms)) {
		if (picked)
			restore_pick_clear(&p);
		else if (pw == NULL)
			cmd_error("%s", cause);	/* why no set was considered */
		free(cause);
		restore_password_free(pw);
		if (ra.before_ms != INT64_MAX)
			ra.at_ms = ra.before_ms - 1;
		return (restore_run_stream(ctx, &ra));
	}
	if (!picked) {
		cmd_error("%s", cause);
		if (pw == NULL)
			restore_key_hint();
		free(cause);
		restore_password_free(pw);
		return (named ? 1 : EX_NOINPUT);
	}
	printf(_("restoring from %s%s\n"), p.name, p.skipped > 0 ?
	    _(" (newer sets skipped, see above)") : "");
	if (p.unauthenticated)
		printf(_("WARNING: %s is not authenticated (%s): its checksums match its "
		    "manifest, but nothing proves who made it; installing it because of "
		    "--allow-unsigned\n"), p.db, pw == NULL ? _("the key cannot be read") :
		    _("its manifest has no HMAC line"));
	fflush(stdout);
	if (ra.kind == RESTORE_DB)
		ex = restore_run_db(ctx, &ra, &p, pw, NULL);
	else
		ex = restore_run_tree(ctx, &ra, &p, pw);
	if (ex == EX_OK)
		restore_print_window(&ra, (int64_t)p.when * 1000);
	restore_pick_clear(&p);
	restore_password_free(pw);
	return (ex);
}

/* The options of restore (options.c makes getopt's tables, the usage and the help of them). */
static const struct cmd_opt cmd_restore_opts[] = {
	{ "at", 'a', N_("TIME"),
	    N_("db as at TIME, an instant to the ms\n"
	    "(14:05:03 is 14:05:03.000: nothing\n"
	    "committed later comes back), e.g.\n"
	    "14:05, -20m, \"2026-11-27 14:05:03.250\",\n"
	    "@EPOCH.mmm"),
	    CMD_OPT_SHORT, NULL },
	{ "before", 'b', N_("TIME"),
	    N_("without --from: the newest point taken\n"
	    "before TIME (a runbook's restore_before:\n"
	    "detected passes the detection time)"),
	    CMD_OPT_SHORT, NULL },
	{ "from", 'f', N_("SET"),
	    N_("the set to restore from: its name as backups\n"
	    "prints it, TIER/NAME, or its .db path"),
	    CMD_OPT_SHORT, "db|config|keys" },
	{ "incident-start", 'i', N_("TIME"),
	    N_("data-loss window against this time"),
	    CMD_OPT_SHORT, NULL },
	{ "yes", 'y', NULL,
	    N_("do not ask"),
	    CMD_OPT_SHORT, NULL },
	{ "copy", 'C', NULL,
	    N_("forensic copy by bytes, not a hard link"),
	    CMD_OPT_SHORT, NULL },
	{ "allow-unsigned", 'u', NULL,
	    N_("with --from: accept a set whose origin\n"
	    "cannot be checked (and say so); db\n"
	    "without --from: the stream likewise"),
	    CMD_OPT_SHORT, "db|config|keys" },
	{ "wait", 'w', N_("DURATION"),
	    N_("for a running stream to pause, and for\n"
	    "another run on backup_dir (30s)"),
	    CMD_OPT_SHORT, NULL },
	{ "to", 't', N_("DIR"),
	    N_("config or keys: into DIR, not the\n"
	    "configured folder"),
	    CMD_OPT_SHORT, "db|config|keys" },
	{ "from-remote", 'R', N_("KIND"),
	    N_("restore all: ask the off-site stores"),
	    CMD_OPT_SHORT | CMD_OPT_OPTIONAL, "all" },
	{ "latest", 'l', NULL,
	    N_("restore all: the newest point (default)"),
	    CMD_OPT_SHORT, "all" },
	{ NULL, 0, NULL, NULL, 0, NULL }
};

/* Its two forms, one usage line each. */
static const struct cmd_sub cmd_restore_subs[] = {
	{ "db|config|keys", "" }, { "all", "[NAME]" }, { NULL, NULL }
};

const struct cmd_entry cmd_restore_entry = {
	.name = "restore",
	.args = "%s",
	.summary = N_("put the database, config or WireGuard keys back from a backup"),
	.help = N_("Without --from, uses the newest set across all tiers that carries an\n"
	    "HMAC line and passes verify; damaged and unsigned sets are skipped and\n"
	    "named. The encryption key must be readable by its owner only (else 77,\n"
	    "nothing changed); a set without HMAC line (made by the plan's own\n"
	    "script) is restored only when named with --from and --allow-unsigned,\n"
	    "which also accepts a named set when the key file is gone. The stream\n"
	    "is signed with the same key: an unsigned or wrongly signed generation\n"
	    "or segment is named and not used, and without the key the stream is\n"
	    "not used; restore db --allow-unsigned without --from takes it\n"
	    "unchecked (never a set) and says \"unsigned\". Asks on the\n"
	    "terminal unless --yes; with no terminal and no --yes it refuses (64).\n"
	    "\n"
	    "  db      keeps the live database (and -wal, -shm, -journal) as\n"
	    "          DB.corrupted.YYYYmmdd-HHMMSS (a hard link, or a copy with\n"
	    "          --copy), then installs the backup atomically, mode 0600,\n"
	    "          owner of the file it replaces.\n"
	    "  config  saves the current config dir in STATE_DIR/config-before-\n"
	    "          restore-STAMP.tar.gz, checks the whole archive (no \"..\",\n"
	    "          absolute names, entries outside its top folder, which is\n"
	    "          mapped onto config_dir (or --to DIR), links out of\n"
	    "          the tree, writes through links), then swaps the new tree in\n"
	    "          with one rename; the old tree stays as DIR.pre-restore-STAMP.\n"
	    "  keys    decrypts the WireGuard archive with the encryption key and\n"
	    "          swaps it in the same way; private files get mode 0600.\n"
	    "Restored files are owned like the live tree (never as the archive\n"
	    "says), never world-writable or set-ID; *.key and *private* files 0600.\n"
	    "\n"
	    "restore db without --from uses the stream's newest good point when it\n"
	    "is newer than the newest set (and says so). With --at it rebuilds the\n"
	    "database as it was at TIME from BACKUP_DIR/stream: the newest snapshot\n"
	    "at or before it, then every segment captured by then, each link\n"
	    "checked; it prints the point reached. A missing or damaged segment\n"
	    "stops it at the last good point, named with the file and the reason;\n"
	    "the question says so, and --yes accepts that point.\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_restore_exec,
	.opts = cmd_restore_opts,
	.opt_col = 31,
	.subs = cmd_restore_subs,
	.sub_lines = 1,
	.help_tail = N_("  all     the database, then config and keys, after one question.\n"
	    "          With --from-remote, asks every store (or KIND), lists its\n"
	    "          sets and stream with their age, fetches the newest stream\n"
	    "          and the newest set that verifies (as fetch --latest: each\n"
	    "          skip named); the database comes from the stream's newest\n"
	    "          good point when it is newer than that set. NAME: that set,\n"
	    "          no stream; --at: nothing newer than TIME; --before: only\n"
	    "          points taken before TIME. One \"restored\" event per part\n"
	    "          under an incident.\n"
	    "\n"
	    "restore db never races a running stream: it takes backup_dir/stream/\n"
	    "pause exclusively for the install (the stream holds it only during\n"
	    "a capture round), so the stream waits and then starts a new\n"
	    "generation from the restored file, reason \"database restored\".\n"
	    "\n"
	    "Exit status: 0 restored, 1 the --from set fails verify or not\n"
	    "confirmed, 64 usage or no terminal, 65 archive refused or the rebuilt\n"
	    "database fails integrity_check, 66 no set passes verify (--at: no\n"
	    "stream snapshot at or before TIME), 74 I/O error, 75 the running\n"
	    "stream did not pause within --wait (its pid is named; nothing\n"
	    "changed), or another run (backup, prune, fetch) held backup_dir/.lock\n"
	    "all that time (its pid is named), 66 the key file is missing, 77 the\n"
	    "key file is readable by others or cannot be read.\n"),
};
