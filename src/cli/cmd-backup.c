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
#include "engine/set/setlock.h"
#include "engine/backup/metrics.h"
#include "engine/backup/retention.h"
#include "engine/set/manifest.h"
#include "engine/backup/notify.h"
#include "engine/remote/remote.h"
#include "model/calendar.h"
#include "model/incident.h"
#include "ui/report.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/testhook.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

static long	cmd_backup_kill_at = -1;
static long	cmd_backup_points;

/* Test hook: die by SIGKILL at the Nth checkpoint ($PDR_TEST_KILL_AT). */
static void
cmd_backup_checkpoint(const char *what)
{
	(void)what;
	if (++cmd_backup_points == cmd_backup_kill_at)
		raise(SIGKILL);
}

/*
 * The time a command runs at: now, or $PATRONUS_DR_NOW ("@EPOCH"), a test hook
 * that lets the tests simulate a year of backups. Returns -1 when it is malformed.
 */
int
cmd_now(time_t *now)
{
	const char	*v = getenv("PATRONUS_DR_NOW");
	char		*end;
	long long	 t;

	*now = time(NULL);
	if (v == NULL || *v == '\0')
		return (0);
	errno = 0;
	if (*v != '@' || (t = strtoll(v + 1, &end, 10), errno != 0) || *end != '\0' ||
	    end == v + 1)
		return (-1);
	*now = (time_t)t;
	return (0);
}

/* Seconds on the monotonic clock. */
double
cmd_monotonic(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
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

/* The milliseconds of a --wait DURATION (e.g. 0, 30, 30s, 2m); a bad one is a usage error. */
int64_t
cmd_wait_ms(const struct cmd_entry *e, const char *arg)
{
	int64_t	 secs;
	char	*cause = NULL;

	if (duration_parse(arg, &secs, &cause) != 0 || secs > 24 * 3600) {
		free(cause);
		cmd_usage_error(e, _("--wait wants a duration such as 0, 30s or 5m (at most "
		    "a day), not \"%s\""), arg);
	}
	return (secs * 1000);
}

/*
 * Take backup_dir's lock for the command what (creating the folder when
 * create), waiting up to wait_ms for another run. Returns 0, or the exit
 * status after saying why not: 75 when another run holds it (its pid named).
 */
int
cmd_lock(const struct conf *c, const char *what, int64_t wait_ms, bool create)
{
	char		*cause = NULL;
	enum fail_class	 fc;

	if ((fc = setlock_take(c->backup_dir, what, wait_ms, create, &cause)) == FAIL_NONE)
		return (0);
	cmd_error("%s", cause);
	free(cause);
	return (fail_exit(fc));
}

/* Open the log file (creating its folder) and syslog, as the plan's script logs. */
void
cmd_open_log(const struct conf *c)
{
	char	*dir, *cause = NULL;

	dir = fs_dirname(c->log_file);
	if (fs_mkdir_p(dir, 0750, &cause) == -1 || log_open_file(c->log_file, &cause) == -1) {
		log_warn(_("cannot write the log file: %s"), cause);
		free(cause);
	}
	free(dir);
	log_set_syslog(true);
}

/* Send a notification to notify.webhook, when set, without waiting for it. */
void
cmd_notify(const struct conf *c, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg, *text, *cause = NULL;

	if (c->notify_webhook == NULL)
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	text = notify_text("%s", msg);
	if (notify_send(c->notify_webhook, c->notify_timeout, text, &cause) != 0) {
		log_warn("%s", cause);
		free(cause);
	}
	free(text);
	free(msg);
}

/* The runbook of incident id in the list l of n, or NULL. */
static const char *
cmd_metrics_runbook(const struct incident *l, size_t n, const char *id)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(l[i].id, id) == 0)
			return (l[i].runbook_id);
	return (NULL);
}

/*
 * The drill calendar gauge: when each scheduled runbook is next due, 0 when
 * it was never drilled, so that `time() > next_due` alerts in both cases.
 */
static void
cmd_metrics_calendar(const struct conf *c, struct incident_store *st, struct metrics *m)
{
	struct calendar_row	*rows = NULL;
	size_t			 n = 0, i;
	char			*lab;

	if (cmd_drill_calendar(c, st, &rows, &n) != 0)
		return;
	metrics_drop(m, "patronus_dr_drill_next_due_timestamp_seconds");
	for (i = 0; i < n; i++) {
		lab = xasprintf("runbook=\"%s\"", rows[i].runbook_id);
		metrics_set(m, "patronus_dr_drill_next_due_timestamp_seconds", lab,
		    (double)(rows[i].next_due_ms / 1000));
		free(lab);
	}
	calendar_free(rows, n);
}

/* The incident and drill gauges: open incidents, each runbook's last drill. */
static void
cmd_metrics_incidents(const struct conf *c, struct metrics *m)
{
	struct incident_store	*st = NULL;
	struct report_history	*h = NULL;
	struct incident		*l = NULL;
	const char		*rb, *other;
	char			*db, *cause = NULL, *lab;
	size_t			 nl = 0, nh = 0, i, j, open = 0;

	db = str_join_path(c->state_dir, "incidents.db");
	if (access(db, F_OK) != 0) {
		free(db);
		metrics_set(m, "patronus_dr_incidents_open", NULL, 0);
		return;
	}
	free(db);
	if (incident_store_open(c->state_dir, &st, &cause) != 0 ||
	    incident_list(st, &l, &nl, &cause) != 0) {
		log_warn("%s", cause);
		free(cause);
		if (st != NULL)
			incident_store_close(st);
		return;
	}
	for (i = 0; i < nl; i++)
		if (l[i].mode != INCIDENT_MODE_DRILL && l[i].closed_ms == 0)
			open++;
	metrics_set(m, "patronus_dr_incidents_open", NULL, (double)open);
	if (cmd_report_history(c, st, NULL, &h, &nh) == 0) {
		metrics_drop(m, "patronus_dr_drill_last_timestamp_seconds");
		metrics_drop(m, "patronus_dr_drill_last_success");
		metrics_drop(m, "patronus_dr_drill_last_rto_achieved_seconds");
		metrics_drop(m, "patronus_dr_drill_rto_target_seconds");
		/*
		 * Oldest first: the last row of a runbook is its last drill. An
		 * abandoned drill (incidents close) is no result: passed over.
		 */
		for (i = 0; i < nh; i++) {
			if (h[i].abandoned ||
			    (rb = cmd_metrics_runbook(l, nl, h[i].id)) == NULL)
				continue;
			for (j = i + 1; j < nh; j++)
				if (!h[j].abandoned &&
				    (other = cmd_metrics_runbook(l, nl, h[j].id)) != NULL &&
				    strcmp(other, rb) == 0)
					break;
			if (j < nh)
				continue;
			lab = xasprintf("runbook=\"%s\"", rb);
			metrics_set(m, "patronus_dr_drill_last_timestamp_seconds", lab,
			    (double)(h[i].declared_ms / 1000));
			metrics_set(m, "patronus_dr_drill_rto_target_seconds", lab,
			    (double)h[i].rto);
			if (h[i].closed) {
				metrics_set(m, "patronus_dr_drill_last_success", lab,
				    h[i].pass ? 1 : 0);
				metrics_set(m, "patronus_dr_drill_last_rto_achieved_seconds", lab,
				    (double)h[i].rto_achieved);
			}
			free(lab);
		}
		cmd_report_history_free(h, nh);
	}
	incident_list_free(l, nl);
	cmd_metrics_calendar(c, st, m);
	incident_store_close(st);
}

/*
 * With metrics_file set, rewrite it with m, the backup tiers as they are now
 * and the incident gauges; a failure is a warning. Frees m.
 */
void
cmd_metrics(const struct conf *c, struct metrics *m, time_t now)
{
	struct catalog_set	*sets = NULL;
	size_t			 n = 0;
	char			*cause = NULL;

	if (c->metrics_file == NULL) {
		metrics_clear(m);
		return;
	}
	if (catalog_scan(c->backup_dir, NULL, NULL, &sets, &n, &cause) == 0) {
		metrics_catalog(m, sets, n, now);
		catalog_free(sets, n);
	} else {
		log_warn("%s", cause);
		free(cause);
		cause = NULL;
	}
	cmd_metrics_incidents(c, m);
	if (metrics_write(c->metrics_file, m, &cause) != 0) {
		log_warn(_("cannot write the metrics file: %s"), cause);
		free(cause);
	}
	metrics_clear(m);
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

static int
cmd_backup_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "no-offsite", no_argument, NULL, 'o' },
		{ "no-prune", no_argument, NULL, 'n' },
		{ "retry-offsite", no_argument, NULL, 'r' },
		{ "type", required_argument, NULL, 't' },
		{ "wait", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	struct backup_opts		 o;
	struct backup_result		 res;
	struct metrics			 m;
	const char			*v;
	double				 t0;
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
	while ((opt = cmd_getopt(e, argc, argv, "hnort:w:", longopts)) != -1) {
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
	t0 = cmd_monotonic();
	if (backup_run(&o, &res, &cause) == 0) {
		rc = EX_OK;
		end = o.now + (time_t)(cmd_monotonic() - t0);
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
		end = o.now + (time_t)(cmd_monotonic() - t0);
		metrics_set(&m, "patronus_dr_backup_last_success", NULL, 0);
		cmd_notify(&ctx->conf, _("backup FAILED: %s"), cause != NULL ? cause : "?");
		free(cause);
	}
	metrics_set(&m, "patronus_dr_backup_last_run_timestamp_seconds", NULL, (double)end);
	metrics_set(&m, "patronus_dr_backup_duration_seconds", NULL, cmd_monotonic() - t0);
	cmd_metrics(&ctx->conf, &m, end);
	backup_result_clear(&res);
	return (rc);
}

const struct cmd_entry cmd_backup_entry = {
	.name = "backup",
	.args = "[--type hourly|daily|weekly|monthly] [--no-prune] [--no-offsite] "
	    "[--retry-offsite] [--wait DURATION]",
	.summary = N_("take a backup set as the plan's backup script does"),
	.help = N_("Checks the live database, copies it online, checks the copy, archives\n"
	    "config_dir (never the encryption key) and wireguard_dir (encrypted as\n"
	    "openssl enc -aes-256-cbc -salt -pbkdf2 does), writes the manifest with\n"
	    "SHA-256 checksums and an HMAC line, copies the set off-site (SFTP and/or\n"
	    "S3, when dr.yaml's remote section or the plan's REMOTE_BACKUP_* and\n"
	    "S3_BACKUP_* variables say so; the manifest last), then applies retention.\n"
	    "Each file appears only when complete; the manifest last. A failed off-site\n"
	    "copy leaves the local set complete and is queued in state_dir for the\n"
	    "next run.\n\n"
	    "  --type TIER   put the set in this tier; without it, the first backup of\n"
	    "                a month is monthly, else the first of an ISO week weekly,\n"
	    "                else the first of a day daily, else hourly\n"
	    "  --no-prune    do not apply retention afterwards\n"
	    "  --no-offsite  do not copy off-site (nor retry queued copies)\n"
	    "  --retry-offsite\n"
	    "                take no backup; only retry the queued off-site copies\n"
	    "  --wait DURATION\n"
	    "                wait this long for another run on backup_dir (backup,\n"
	    "                prune, fetch, verify, restore) to end; default 0: exit 75\n"
	    "                at once, naming its pid, so that timer runs never pile up\n\n"
	    "Exit status: 0 done, 1 an integrity check failed, 66 an input is missing,\n"
	    "73 cannot create the set, 74 I/O error or database busy too long,\n"
	    "75 the set is complete here but an off-site copy failed (queued), or\n"
	    "another run holds backup_dir/.lock (nothing done),\n"
	    "77 the key file is readable by group or others, 78 the remote settings\n"
	    "are unusable (the set is complete here).\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_backup_exec,
};
