/* cmd-backup.c: take a backup set as the plan's backup script does. */
#include "system.h"

#include <sys/stat.h>
#include <signal.h>
#include <stdarg.h>
#include <unistd.h>
#include <time.h>

#include "cli/cmd.h"
#include "engine/backup/backup.h"
#include "engine/set/hashio.h"
#include "engine/backup/metrics.h"
#include "engine/backup/retention.h"
#include "engine/set/manifest.h"
#include "engine/remote/remote.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/testhook.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

static long	cmd_backup_kill_at = -1;
static long	cmd_backup_stop_at = -1;
static long	cmd_backup_points;

/*
 * Test hook: die by SIGKILL ($PDR_TEST_KILL_AT) or stop until SIGCONT
 * ($PDR_TEST_STOP_AT, for a test to change backup_dir meanwhile) at the Nth
 * checkpoint.
 */
static void
cmd_backup_checkpoint(const char *what)
{
	(void)what;
	++cmd_backup_points;
	if (cmd_backup_points == cmd_backup_kill_at)
		raise(SIGKILL);
	if (cmd_backup_points == cmd_backup_stop_at)
		raise(SIGSTOP);
}

/* The size of the four files of the set res made, 0 when unknown. */
static uint64_t
cmd_backup_size(const struct backup_result *res)
{
	struct stat	 sb;
	uint64_t	 size = 0;
	size_t		 i;
	char		*name, *path;

	if (res->dir == NULL || res->name == NULL)
		return (0);
	for (i = 0; i < PART__COUNT; i++) {
		name = xasprintf("%s%s", res->name, catalog_suffixes[i]);
		path = str_join_path(res->dir, name);
		if (stat(path, &sb) == 0)
			size += (uint64_t)sb.st_size;
		free(path);
		free(name);
	}
	return (size);
}

/*
 * The off-site gauges of a backup: per target configured, whether
 * its copy of this set was made (offsite.c queues the failed ones).
 */
static void
cmd_backup_remote_metrics(const struct conf *c, struct metrics *m,
    const struct backup_result *res, time_t end)
{
	const char	*v;
	char		*l;
	bool		 on;
	int		 k;

	for (k = 0; k < REMOTE__KINDS; k++) {
		/* dr.yaml's remote section, else the plan's variables (remote.c). */
		v = getenv(k == REMOTE_SFTP ? "REMOTE_BACKUP_ENABLED" : "S3_BACKUP_ENABLED");
		on = (k == REMOTE_SFTP ? c->sftp_url != NULL : c->s3_bucket != NULL) ||
		    (v != NULL && strcmp(v, "true") == 0);
		if (!on)
			continue;
		l = xasprintf("target=\"%s\"", remote_kind_names[k]);
		metrics_set(m, "patronus_dr_remote_copy_last_success", l,
		    res->offsite_broken || (res->offsite_failed & (1u << k)) ? 0 : 1);
		metrics_set(m, "patronus_dr_remote_copy_last_timestamp_seconds", l, (double)end);
		free(l);
	}
}

/* Take one backup set; exit 0, or the failure's sysexits code. */
/*
 * Under backup_dir's lock (cmd_lock: no other backup, prune or fetch runs),
 * remove what a killed backup left (its hidden temporaries), logging each.
 */
static void
cmd_backup_sweep(const struct conf *c)
{
	struct stat	 st;
	char		**list, size[32];
	size_t		 n, i;

	list = NULL;
	n = 0;
	retention_stale(c->backup_dir, time(NULL), -1, &list, &n);
	for (i = 0; i < n; i++) {
		if (lstat(list[i], &st) == 0)
			manifest_du_size((uint64_t)st.st_size, size, sizeof size);
		else
			xsnprintf(size, sizeof size, "?");
		if (unlink(list[i]) == 0)
			log_info(_("removed %s (%s), left by an interrupted backup"), list[i],
			    size);
	}
	str_list_free(list, n);
}

/* backup: make one set (tier by the clock, or --type), verify it, prune, notify; an exit code. */
static int
cmd_backup_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct backup_opts		 o;
	struct backup_result		 res;
	struct metrics			 m;
	const char			*v;
	int64_t				 t0;
	time_t				 end;
	char				*cause = NULL;
	int64_t				 wait_ms = 0;
	int				 opt, rc;
	bool				 retry_only = false;
	unsigned			 failed;

	memset(&o, 0, sizeof o);
	o.conf = &ctx->conf;
	o.tier = -1;
	o.prune = true;
	o.offsite = true;
	while ((opt = cmd_getopts(e, argc, argv)) != -1) {
		switch (opt) {
		case 'w':
			wait_ms = cmd_wait_ms(e, optarg);
			break;
		case 'r':
			retry_only = true;
			break;
		case 'o':
			o.offsite = false;
			break;
		case 'n':
			o.prune = false;
			break;
		case 't':
			if ((o.tier = backup_tier_parse(optarg)) == -1)
				cmd_usage_error(e, _("--type: \"%s\" is not hourly, daily, weekly "
				    "or monthly"), optarg);
			break;
		}
	}
	if (optind < argc)
		cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind]);
	if (cmd_now(&o.now) == -1)
		cmd_usage_error(e, _("PATRONUS_DR_NOW must be @SECONDS-SINCE-1970"));
	if ((v = testhook_get(TESTHOOK_COPY_WAIT_MS)) != NULL)
		o.wait_ms = (int)strtol(v, NULL, 10);
	if ((v = testhook_get(TESTHOOK_KILL_AT)) != NULL) {
		cmd_backup_kill_at = strtol(v, NULL, 10);
		testhook_checkpoint = cmd_backup_checkpoint;
	}
	if ((v = testhook_get(TESTHOOK_STOP_AT)) != NULL) {
		cmd_backup_stop_at = strtol(v, NULL, 10);
		testhook_checkpoint = cmd_backup_checkpoint;
	}

	cmd_open_log(&ctx->conf);
	if ((rc = cmd_lock(&ctx->conf, "backup", wait_ms, true)) != 0)
		return (rc);
	if (retry_only) {
		/* Only the queued off-site copies: no new set. */
		if (remote_offsite(&ctx->conf, BACKUP_HOURLY, NULL, &failed, &cause) == -1) {
			cmd_error("%s", cause);
			free(cause);
			return (EX_CONFIG);
		}
		if (failed != 0) {
			for (int k = 0; k < REMOTE__KINDS; k++)
				if (failed & (1u << k))
					cmd_error(_("the %s copies failed and stay queued"),
					    remote_kind_names[k]);
			return (EX_TEMPFAIL);
		}
		return (EX_OK);
	}
	cmd_backup_sweep(&ctx->conf);
	metrics_init(&m);
	t0 = time_mono_ms();
	if (backup_run(&o, &res, &cause) == 0) {
		rc = EX_OK;
		end = o.now + (time_t)((time_mono_ms() - t0) / 1000);
		metrics_set(&m, "patronus_dr_backup_last_success", NULL, 1);
		metrics_set(&m, "patronus_dr_backup_last_success_timestamp_seconds", NULL,
		    (double)end);
		metrics_set(&m, "patronus_dr_backup_sites", NULL, (double)res.sites);
		metrics_set(&m, "patronus_dr_backup_paths", NULL, (double)res.paths);
		metrics_set(&m, "patronus_dr_backup_size_bytes", NULL, (double)cmd_backup_size(&res));
		if (o.offsite)
			cmd_backup_remote_metrics(&ctx->conf, &m, &res, end);
		if (res.offsite_broken) {
			cmd_error(_("backup %s is complete here, but the off-site copies could not "
			    "be made: see above"), res.name);
			cmd_notify(&ctx->conf, _("backup %s is complete here, but the off-site "
			    "copies could not be made"), res.name);
			rc = EX_CONFIG;
		} else if (res.offsite_failed != 0) {
			for (int k = 0; k < REMOTE__KINDS; k++)
				if (res.offsite_failed & (1u << k)) {
					cmd_error(_("backup %s is complete here; its %s copy failed "
					    "and is queued for the next run"), res.name,
					    remote_kind_names[k]);
					cmd_notify(&ctx->conf, _("backup %s is complete here; its %s "
					    "copy failed and is queued for the next run"), res.name,
					    remote_kind_names[k]);
				}
			rc = EX_TEMPFAIL;
		}
	} else {
		/* backup_run logged the cause (stderr, log file, syslog). */
		rc = fail_exit(res.fail);
		end = o.now + (time_t)((time_mono_ms() - t0) / 1000);
		metrics_set(&m, "patronus_dr_backup_last_success", NULL, 0);
		cmd_notify(&ctx->conf, _("backup FAILED: %s"), cause != NULL ? cause : "?");
		free(cause);
	}
	metrics_set(&m, "patronus_dr_backup_last_run_timestamp_seconds", NULL, (double)end);
	metrics_set(&m, "patronus_dr_backup_duration_seconds", NULL,
	    (double)(time_mono_ms() - t0) / 1000);
	cmd_metrics(&ctx->conf, &m, end);
	backup_result_clear(&res);
	return (rc);
}

/* The options of backup (options.c makes getopt's tables, the usage and the help of them). */
static const struct cmd_opt cmd_backup_opts[] = {
	{ "type", 't', N_("TIER"),
	    N_("put the set in this tier; without it, the first backup of\n"
	    "a month is monthly, else the first of an ISO week weekly,\n"
	    "else the first of a day daily, else hourly"),
	    0, NULL },
	{ "no-prune", 'n', NULL,
	    N_("do not apply retention afterwards"),
	    0, NULL },
	{ "no-offsite", 'o', NULL,
	    N_("do not copy off-site (nor retry queued copies)"),
	    0, NULL },
	{ "retry-offsite", 'r', NULL,
	    N_("take no backup; only retry the queued off-site copies"),
	    0, NULL },
	{ "wait", 'w', N_("DURATION"),
	    N_("wait this long for another run on backup_dir (backup,\n"
	    "prune, fetch, verify, restore) to end; default 0: exit 75\n"
	    "at once, naming its pid, so that timer runs never pile up"),
	    0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_backup_entry = {
	.name = "backup",
	.args = "",
	.summary = N_("take a backup set as the plan's backup script does"),
	.help = N_("Checks the live database, copies it online, checks the copy, archives\n"
	    "config_dir (never the encryption key) and wireguard_dir (encrypted as\n"
	    "openssl enc -aes-256-cbc -salt -pbkdf2 does), writes the manifest with\n"
	    "SHA-256 checksums and an HMAC line, copies the set off-site (SFTP and/or\n"
	    "S3, when dr.yaml's remote section or the plan's REMOTE_BACKUP_* and\n"
	    "S3_BACKUP_* variables say so; the manifest last), then applies retention.\n"
	    "Each file appears only when complete; the manifest last. A failed off-site\n"
	    "copy leaves the local set complete and is queued in state_dir for the\n"
	    "next run.\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_backup_exec,
	.opts = cmd_backup_opts,
	.opt_col = 16,
	.help_tail = N_("Exit status: 0 done, 1 an integrity check failed, 66 an input is missing,\n"
	    "73 cannot create the set, 74 I/O error or database busy too long,\n"
	    "75 the set is complete here but an off-site copy failed (queued), or\n"
	    "another run holds backup_dir/.lock (nothing done),\n"
	    "77 the key file is readable by group or others, 78 the remote settings\n"
	    "are unusable (the set is complete here).\n"),
};
