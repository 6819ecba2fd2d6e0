/* cmd-backup.c: take a backup set as the plan's backup script does. */
#include "system.h"

#include <signal.h>
#include <time.h>

#include "cmd.h"
#include "engine/backup.h"
#include "engine/hashio.h"
#include "engine/remote.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/xmalloc.h"

static long	cmd_backup_kill_at = -1;
static long	cmd_backup_points;

/* Test hook: die by SIGKILL at the Nth checkpoint ($PATRONUS_DR_TEST_KILL_AT). */
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

/* Take one backup set; exit 0, or the failure's sysexits code. */
static int
cmd_backup_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "no-offsite", no_argument, NULL, 'o' },
		{ "no-prune", no_argument, NULL, 'n' },
		{ "retry-offsite", no_argument, NULL, 'r' },
		{ "type", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct backup_opts		 o;
	struct backup_result		 res;
	const char			*v;
	char				*cause = NULL;
	int				 opt, rc;
	bool				 retry_only = false;
	unsigned			 failed;

	memset(&o, 0, sizeof o);
	o.conf = &ctx->conf;
	o.tier = -1;
	o.prune = true;
	o.offsite = true;
	while ((opt = cmd_getopt(e, argc, argv, "hnort:", longopts)) != -1) {
		switch (opt) {
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
	if ((v = getenv("PATRONUS_DR_TEST_COPY_WAIT_MS")) != NULL && *v != '\0')
		o.wait_ms = (int)strtol(v, NULL, 10);
	if ((v = getenv("PATRONUS_DR_TEST_KILL_AT")) != NULL && *v != '\0') {
		cmd_backup_kill_at = strtol(v, NULL, 10);
		hashio_checkpoint_hook = cmd_backup_checkpoint;
	}

	cmd_open_log(&ctx->conf);
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
	if (backup_run(&o, &res, &cause) == 0) {
		rc = EX_OK;
		if (res.offsite_broken) {
			cmd_error(_("backup %s is complete here, but the off-site copies could not "
			    "be made: see above"), res.name);
			rc = EX_CONFIG;
		} else if (res.offsite_failed != 0) {
			for (int k = 0; k < REMOTE__KINDS; k++)
				if (res.offsite_failed & (1u << k))
					cmd_error(_("backup %s is complete here; its %s copy failed "
					    "and is queued for the next run"), res.name,
					    remote_kind_names[k]);
			rc = EX_TEMPFAIL;
		}
	} else {
		/* backup_run logged the cause (stderr, log file, syslog). */
		rc = res.err == EBADMSG ? 1 : fs_errno_exit(res.err);
		free(cause);
	}
	backup_result_free(&res);
	return (rc);
}

const struct cmd_entry cmd_backup_entry = {
	.name = "backup",
	.args = "[--type hourly|daily|weekly|monthly] [--no-prune] [--no-offsite] "
	    "[--retry-offsite]",
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
	    "                take no backup; only retry the queued off-site copies\n\n"
	    "Exit status: 0 done, 1 an integrity check failed, 66 an input is missing,\n"
	    "73 cannot create the set, 74 I/O error or database busy too long,\n"
	    "75 the set is complete here but an off-site copy failed (queued),\n"
	    "77 the key file is readable by group or others, 78 the remote settings\n"
	    "are unusable (the set is complete here).\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_backup_exec,
};
