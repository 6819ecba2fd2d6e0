/* cmd-restore.c: put the database, the config or the WireGuard keys back from a backup set. */
#include "system.h"

#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/cmd.h"
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
 * Pause a running stream (pitr_pause) for the install: *fd for pitr_unpause.
 * Returns 0, or the exit status after saying why not (75: it did not pause).
 */
int
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
int
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
void
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
char *
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
char *
restore_password(const struct conf *c, char **why, enum fail_class *fc)
{
	char	*pw = NULL;

	*why = NULL;
	if ((*fc = fs_load_key(c->encryption_key, &pw, why)) != FAIL_NONE)
		return (NULL);
	return (pw);
}

/* Say what to do when the key file is gone. */
void
restore_key_hint(void)
{
	cmd_error(_("the key proves where a set comes from: put it back from its offline "
	    "copy first (or name a set with --from and accept it unauthenticated with "
	    "--allow-unsigned); nothing changed"));
}

/* Free a key, wiping it first. */
void
restore_password_free(char *pw)
{
	if (pw != NULL) {
		OPENSSL_cleanse(pw, strlen(pw));
		free(pw);
	}
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
void
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
void
restore_record(struct cmd_ctx *ctx, const char *set, int64_t point_ms, const char *hex)
{
	restore_record_part(ctx, "db", set, point_ms, ctx->conf.database, hex);
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
	struct pitr_result		 pr;
	char				*pw, *why = NULL, *cause = NULL, *from_db = NULL, *from_name;
	char				*tmp;
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
		cmd_offsite_note(ctx, restore_local_newest(ctx, picked ? &p : NULL));
	/* Without --from, the stream's newest good point (before the limit) when it is newer. */
	if (ra.kind == RESTORE_DB && !named &&
	    restore_stream_newer(ctx, picked ? &p : NULL, ra.before_ms, &tmp, &pr)) {
		if (picked)
			restore_pick_clear(&p);
		else if (pw == NULL)
			cmd_error("%s", cause);	/* why no set was considered */
		free(cause);
		restore_password_free(pw);
		if (ra.before_ms != INT64_MAX)
			ra.at_ms = ra.before_ms - 1;
		/* rebuilt already when its point was found: installed as it is */
		return (restore_stream_install(ctx, &ra, tmp, &pr));
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
