/* cmd-prune.c: apply retention to the backup sets. */
#include "system.h"

#include <sys/stat.h>

#include <openssl/crypto.h>
#include <time.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "engine/set/catalog.h"
#include "engine/backup/metrics.h"
#include "engine/stream/offstream.h"
#include "engine/remote/remote.h"
#include "engine/backup/retention.h"
#include "engine/stream/segment.h"
#include "engine/stream/stream.h"
#include "model/incident.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/proc.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* Stream generations of one store older than stream.retention (never its newest). */
static int
cmd_prune_remote_stream(struct cmd_ctx *ctx, struct remote *r, bool dry)
{
	char	*dir, *cause = NULL, **gens;
	size_t	 n, i;
	int	 rc = EX_OK;

	dir = str_join_path(ctx->conf.backup_dir, STREAM_DIR);
	if (offstream_prune(r, dir, ctx->conf.stream_retention, NULL, (int64_t)time(NULL) * 1000,
	    dry, &gens, &n, &cause) == -1) {
		cmd_error("%s", cause);
		free(cause);
		rc = EX_IOERR;
	}
	for (i = 0; i < n; i++) {
		printf("%-6s %s %s/%s: %s\n", dry ? _("would remove") : _("remove"),
		    remote_kind_names[r->kind], STREAM_DIR, gens[i],
		    _("stream generation older than stream.retention"));
		if (!dry)
			log_info(_("prune: removed stream generation %s from %s"), gens[i],
			    r->where);
	}
	str_list_free(gens, n);
	free(dir);
	return (rc);
}

/* The sets named with --keep (bare names), which no rule removes. */
struct prune_keep {
	char	**names;
	size_t	  n;
};

/* Hold the set name back from removal when --keep named it; its verdict then says so. */
static void
prune_hold(const struct prune_keep *pk, const char *name, struct retention_verdict *v)
{
	size_t	i;

	for (i = 0; i < pk->n && v->remove; i++)
		if (strcmp(pk->names[i], name) == 0) {
			v->remove = false;
			free(v->why);
			v->why = xstrdup(_("named with --keep"));
		}
}

/* Apply retention to the sets of every off-site store; returns an exit status. */
static int
cmd_prune_remote(struct cmd_ctx *ctx, bool dry, const struct prune_keep *pk)
{
	struct remote			 r[REMOTE__KINDS];
	struct remote_set		*sets;
	struct retention_verdict	*v;
	enum fail_class			 fc;
	char				*cause = NULL;
	size_t				 nr, n, i, k, removed;
	int				 rc = EX_OK;

	if ((fc = remote_configure(&ctx->conf, r, &nr, &cause)) != FAIL_NONE) {
		cmd_error("%s", cause);
		free(cause);
		return (fail_exit(fc));
	}
	if (nr == 0) {
		cmd_error("%s", _("--remote: no off-site store is configured"));
		return (EX_CONFIG);
	}
	for (k = 0; k < nr; k++) {
		if (remote_sets(&r[k], &sets, &n, &cause) == -1) {
			cmd_error("%s", cause);
			free(cause);
			cause = NULL;
			rc = EX_UNAVAILABLE;
			continue;
		}
		remote_retention(&ctx->conf, sets, n, &v);
		removed = 0;
		for (i = 0; i < n; i++) {
			prune_hold(pk, sets[i].name, &v[i]);
			printf("%-6s %s %s/%s: %s\n", v[i].remove ? (dry ? _("would remove") :
			    _("remove")) : _("keep"), remote_kind_names[r[k].kind],
			    backup_tier_names[sets[i].tier], sets[i].name, v[i].why);
			if (!v[i].remove || dry)
				continue;
			log_info(_("prune: removing %s/%s from %s: %s"),
			    backup_tier_names[sets[i].tier], sets[i].name, r[k].where, v[i].why);
			if (remote_remove_set(&r[k], &sets[i], &cause) == -1) {
				cmd_error("%s", cause);
				free(cause);
				cause = NULL;
				rc = EX_IOERR;
			} else
				removed++;
		}
		if (!dry)
			printf(_("%zu of %zu sets removed from %s\n"), removed, n, r[k].where);
		retention_verdicts_free(v, n);
		remote_sets_free(sets, n);
		if (cmd_prune_remote_stream(ctx, &r[k], dry) != EX_OK)
			rc = EX_IOERR;
	}
	for (k = 0; k < nr; k++)
		remote_clear(&r[k]);
	return (rc);
}

/* Stream generations older than stream.retention (never the newest); returns an exit status. */
static int
cmd_prune_stream(struct cmd_ctx *ctx, bool dry, time_t now)
{
	char	*dir, *cause = NULL, **gens;
	size_t	 n, i;

	dir = str_join_path(ctx->conf.backup_dir, STREAM_DIR);
	if (stream_prune(dir, ctx->conf.stream_retention, NULL, (int64_t)now * 1000, dry,
	    &gens, &n, &cause) == -1) {
		cmd_error("%s", cause);
		free(cause);
		free(dir);
		return (EX_IOERR);
	}
	for (i = 0; i < n; i++) {
		printf("%-6s %s/%s: %s\n", dry ? _("would remove") : _("remove"), STREAM_DIR,
		    gens[i], _("stream generation older than stream.retention"));
		if (!dry)
			log_info(_("prune: removed stream generation %s/%s"), dir, gens[i]);
	}
	str_list_free(gens, n);
	free(dir);
	return (EX_OK);
}

/*
 * The open incident (not a drill: a drill restores in its sandbox) whose
 * restores' forensic copies must all stay: 1 and *id, 0 when none is open.
 * A record that cannot be read counts as one open ("?"): evidence is kept.
 */
static int
cmd_prune_open_incident(const struct conf *c, char **id)
{
	struct incident_store	*st;
	struct incident		*list;
	char			*db, *cause = NULL;
	size_t			 n, i;
	int			 found = 0;

	*id = NULL;
	db = str_join_path(c->state_dir, "incidents.db");
	if (!fs_exists(db)) {
		free(db);
		return (0);
	}
	free(db);
	if (incident_store_open(c->state_dir, &st, &cause) != 0 ||
	    incident_list(st, &list, &n, &cause) != 0) {
		log_warn(_("prune: the incident record cannot be read (%s): forensic copies "
		    "are kept"), cause);
		free(cause);
		*id = xstrdup("?");
		return (1);
	}
	for (i = 0; i < n && !found; i++) {
		if (list[i].closed_ms == 0 && list[i].mode == INCIDENT_MODE_INCIDENT) {
			*id = xstrdup(list[i].id);
			found = 1;
		}
	}
	incident_list_free(list, n);
	incident_store_close(st);
	return (found);
}

/*
 * Remove (or, dry, show) the forensic copies restore left beyond the newest
 * retention.forensic of each kind, saying what goes; while an incident is
 * open none goes (its first copy is the evidence). Returns 0, or 74 when one
 * could not be removed.
 */
static int
cmd_prune_forensic(struct cmd_ctx *ctx, bool dry)
{
	struct stat	 st;
	char		**list, *cause = NULL, *open_id;
	size_t		 n, i;
	int		 rc = EX_OK, r;

	retention_forensic(&ctx->conf, &list, &n);
	if (n > 0 && cmd_prune_open_incident(&ctx->conf, &open_id) == 1) {
		for (i = 0; i < n; i++)
			printf(_("%-6s %s: forensic copy kept while incident %s is open "
			    "(retention.forensic applies once it is closed)\n"), _("keep"),
			    cmd_esc(list[i]), cmd_esc(open_id));
		free(open_id);
		str_list_free(list, n);
		return (EX_OK);
	}
	for (i = 0; i < n; i++) {
		printf(_("%-6s %s: forensic copy beyond the newest %d of its kind "
		    "(retention.forensic)\n"), dry ? _("would remove") : _("remove"),
		    cmd_esc(list[i]), ctx->conf.retention_forensic);
		if (dry)
			continue;
		r = lstat(list[i], &st) == 0 && S_ISDIR(st.st_mode) ?
		    fs_remove_tree(list[i], &cause) : unlink(list[i]);
		if (r != 0) {
			cmd_error("%s", cause != NULL ? cause : strerror(errno));
			free(cause);
			cause = NULL;
			rc = EX_IOERR;
		} else
			log_info(_("prune: removed forensic copy %s"), list[i]);
	}
	str_list_free(list, n);
	return (rc);
}

/* Apply retention (or, with --dry-run, show it); exit 0, or 74 when a removal failed. */
static int
cmd_prune_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct catalog_set		*sets;
	struct retention_verdict	*v;
	struct metrics			 m;
	struct prune_keep		 pk = { NULL, 0 };
	char				*password = NULL, *cause = NULL, **stale, *db, *name;
	bool				 dry = false, remote = false;
	size_t				 n, nstale, i, removed = 0;
	time_t				 now;
	int64_t				 wait_ms = 0;
	int				 opt, rc = EX_OK, ret;

	while ((opt = cmd_getopts(e, argc, argv)) != -1) {
		if (opt == 'n')
			dry = true;
		else if (opt == 'r')
			remote = true;
		else if (opt == 'w')
			wait_ms = cmd_wait_ms(e, optarg);
		else if (opt == 'k') {
			/* a set named the way backups names it; it must be here */
			if (catalog_resolve(ctx->conf.backup_dir, optarg, true, &db, &name,
			    &cause) != 0) {
				cmd_error("--keep: %s", cause);
				free(cause);
				str_list_free(pk.names, pk.n);
				return (EX_NOINPUT);
			}
			free(db);
			pk.names = xreallocarray(pk.names, pk.n + 1, sizeof *pk.names);
			pk.names[pk.n++] = name;
		}
	}
	if (optind < argc)
		cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind]);
	if (cmd_now(&now) == -1)
		cmd_usage_error(e, _("PATRONUS_DR_NOW must be @SECONDS-SINCE-1970"));
	if ((ret = cmd_lock(&ctx->conf, "prune", wait_ms, false)) != 0) {
		str_list_free(pk.names, pk.n);
		return (ret);
	}

	if (fs_read_key(ctx->conf.encryption_key, &password, &cause) == -1) {
		free(cause);
		password = NULL;
	}
	cause = NULL;
	if (!dry) {
		log_set_echo(false);
		cmd_open_log(&ctx->conf);
	}
	if (retention_plan(&ctx->conf, password, now, &sets, &n, &v, &stale, &nstale,
	    &cause) == -1) {
		cmd_error("%s", cause);
		free(cause);
		free(password);
		str_list_free(pk.names, pk.n);
		return (EX_IOERR);
	}
	if (password != NULL) {
		OPENSSL_cleanse(password, strlen(password));
		free(password);
	}
	for (i = 0; i < n; i++) {
		prune_hold(&pk, sets[i].name, &v[i]);
		printf("%-6s %s/%s: %s\n", v[i].remove ? (dry ? _("would remove") : _("remove")) :
		    _("keep"), backup_tier_names[sets[i].tier], sets[i].name, v[i].why);
		if (!v[i].remove || dry)
			continue;
		/* logged first, then removed whole: a hangup waits for both */
		fflush(stdout);
		proc_defer_signals();
		log_info(_("prune: removing %s/%s: %s"), sets[i].dir, sets[i].name, v[i].why);
		if (retention_remove(&ctx->conf, &sets[i], &cause) == -1) {
			cmd_error("%s", cause);
			free(cause);
			cause = NULL;
			rc = EX_IOERR;
		} else
			removed++;
		proc_undefer_signals();
	}
	for (i = 0; i < nstale; i++) {
		printf("%-6s %s: %s\n", dry ? _("would remove") : _("remove"), stale[i],
		    _("temporary file of an interrupted backup, older than a day"));
		if (!dry && unlink(stale[i]) == 0)
			log_info(_("prune: removed %s"), stale[i]);
		free(stale[i]);
	}
	free(stale);
	retention_verdicts_free(v, n);
	catalog_free(sets, n);
	if (!dry)
		printf(_("%zu of %zu sets removed\n"), removed, n);
	if (cmd_prune_forensic(ctx, dry) != EX_OK)
		rc = EX_IOERR;
	if (cmd_prune_stream(ctx, dry, now) != EX_OK)
		rc = EX_IOERR;
	if (remote && (ret = cmd_prune_remote(ctx, dry, &pk)) != EX_OK && rc == EX_OK)
		rc = ret;
	str_list_free(pk.names, pk.n);
	if (!dry) {
		metrics_init(&m);
		metrics_set(&m, "patronus_dr_prune_last_success", NULL, rc == EX_OK ? 1 : 0);
		metrics_set(&m, "patronus_dr_prune_last_timestamp_seconds", NULL, (double)now);
		metrics_set(&m, "patronus_dr_prune_removed_sets", NULL, (double)removed);
		cmd_metrics(&ctx->conf, &m, now);
	}
	return (rc);
}

/* The options of prune (options.c makes getopt's tables, the usage and the help of them). */
static const struct cmd_opt cmd_prune_opts[] = {
	{ "dry-run", 'n', NULL,
	    N_("only show what would be removed"),
	    0, NULL },
	{ "remote", 'r', NULL,
	    N_("prune the off-site copies too"),
	    0, NULL },
	{ "wait", 'w', N_("DURATION"),
	    N_("wait this long for another run on backup_dir to end\n"
	    "(default 0)"),
	    0, NULL },
	{ "keep", 'k', N_("SET"),
	    N_("never remove this set (here, and off-site with --remote):\n"
	    "its name as backups prints it, TIER/NAME or its .db path;\n"
	    "may be given more than once"),
	    CMD_OPT_REPEAT, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_prune_entry = {
	.name = "prune",
	.args = "",
	.summary = N_("apply retention to the backup sets"),
	.help = N_("Keeps what restic's forget --keep-hourly/daily/weekly/monthly keeps with\n"
	    "the counts of dr.yaml's retention, over all tiers together: walking from\n"
	    "the newest set, each rule keeps the newest set of each calendar hour, day,\n"
	    "ISO week or month that has one, until its count is used; one set may be\n"
	    "kept by several rules. The newest set that verifies is never removed.\n"
	    "Incomplete sets older than a day are removed; corrupt sets are kept for\n"
	    "inspection. Each set is listed with what happens to it and why.\n"
	    "\n"
	    "With --remote, the same rules then apply to the sets of each off-site\n"
	    "store (SFTP, S3): the newest whole set there is never removed, sets that\n"
	    "lack a file are kept (a queued upload completes them), and a set's\n"
	    "manifest is removed first.\n"
	    "\n"
	    "Generations of the stream (backup_dir/stream) whose newest point is older\n"
	    "than stream.retention are removed too, never the newest. So are the\n"
	    "forensic copies restore keeps (DB.corrupted.*, DIR.pre-restore-*,\n"
	    "STATE_DIR/config-before-restore-*) beyond the newest retention.forensic\n"
	    "(3) of each kind; each is named.\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_prune_exec,
	.opts = cmd_prune_opts,
	.opt_col = 14,
	.help_tail = N_("Exit status: 0 done, 66 a --keep set is not here (nothing removed), 74\n"
	    "a removal failed, 75 another run holds backup_dir/.lock (its pid is\n"
	    "named; nothing removed).\n"),
};
