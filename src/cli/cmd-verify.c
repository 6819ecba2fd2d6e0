/* cmd-verify.c: verify a backup set as the plan's verify script does, and more. */
#include "system.h"

#include <openssl/crypto.h>

#include "cli/cmd.h"
#include "engine/set/catalog.h"
#include "engine/backup/metrics.h"
#include "engine/set/verify.h"
#include "util/fsutil.h"
#include "util/json.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* Verify one set; exit 0 when every check passes, 1 when any fails. */
static int
cmd_verify_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "wait", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	struct verify_report		 r;
	struct metrics			 m;
	double				 t0;
	time_t				 now;
	struct catalog_set		 s;
	struct buf			 b;
	char				*password = NULL, *key_why = NULL, *why = NULL, *cause = NULL;
	bool				 json = false;
	size_t				 i, failed = 0;
	int64_t				 wait_ms = 30000;
	int				 opt, rc;

	while ((opt = cmd_getopt(e, argc, argv, "hjw:", longopts)) != -1) {
		if (opt == 'j')
			json = true;
		else if (opt == 'w')
			wait_ms = cmd_wait_ms(e, optarg);
	}
	if (optind + 1 != argc)
		cmd_usage_error(e, _("expected one backup file (BACKUP.db)"));
	/* No backup or prune changes the sets while they are read and stamped. */
	if ((rc = cmd_lock(&ctx->conf, "verify", wait_ms, false)) != 0)
		return (rc);

	if (fs_read_key(ctx->conf.encryption_key, &password, &key_why) == -1)
		password = NULL;
	t0 = cmd_monotonic();
	rc = verify_run(argv[optind], password, key_why, &r);
	if (cmd_now(&now) == -1)
		now = time(NULL);
	metrics_init(&m);
	metrics_set(&m, "patronus_dr_verify_last_success", NULL, rc == 0 ? 1 : 0);
	metrics_set(&m, "patronus_dr_verify_last_timestamp_seconds", NULL, (double)now);
	metrics_set(&m, "patronus_dr_verify_duration_seconds", NULL, cmd_monotonic() - t0);
	cmd_metrics(&ctx->conf, &m, now);
	if (password != NULL) {
		OPENSSL_cleanse(password, strlen(password));
		free(password);
	}

	/* Remember the outcome for `backups`, when the state folder is ours to write. */
	if (catalog_set_from_db(argv[optind], &s, &cause) == 0) {
		for (i = 0; i < r.n && why == NULL; i++)
			if (r.checks[i].status == VERIFY_FAIL)
				why = xasprintf("%s: %s", r.checks[i].file, r.checks[i].detail);
		if (catalog_stamp(ctx->conf.state_dir, &s, rc == 0, why, &cause) == -1)
			free(cause);
		catalog_set_clear(&s);
		free(why);
	} else
		free(cause);

	buf_init(&b);
	if (json) {
		buf_adds(&b, "{\"backup\": ");
		json_add_string(&b, argv[optind]);
		buf_printf(&b, ", \"ok\": %s, \"sites\": %ld, \"checks\": [",
		    rc == 0 ? "true" : "false", r.sites);
		for (i = 0; i < r.n; i++) {
			buf_adds(&b, i > 0 ? ", {\"check\": " : "{\"check\": ");
			json_add_string(&b, r.checks[i].check);
			buf_adds(&b, ", \"file\": ");
			json_add_string(&b, r.checks[i].file);
			buf_printf(&b, ", \"status\": \"%s\", \"detail\": ",
			    r.checks[i].status == VERIFY_OK ? "ok" :
			    r.checks[i].status == VERIFY_WARN ? "warning" : "fail");
			json_add_string(&b, r.checks[i].detail);
			buf_addc(&b, '}');
		}
		buf_adds(&b, "]}\n");
		fputs(b.data, stdout);
	} else {
		printf(_("Verifying backup: %s\n"), argv[optind]);
		for (i = 0; i < r.n; i++) {
			printf("%-8s %-10s %s: %s\n", _(verify_status_name(r.checks[i].status)),
			    r.checks[i].check, r.checks[i].file, r.checks[i].detail);
			if (r.checks[i].status == VERIFY_FAIL)
				failed++;
		}
		if (rc == 0)
			printf(_("Backup verification successful\n"));
		else
			printf(_("Backup verification FAILED: %zu checks failed\n"), failed);
	}
	buf_free(&b);
	verify_report_free(&r);
	free(key_why);
	return (rc == 0 ? EX_OK : 1);
}

const struct cmd_entry cmd_verify_entry = {
	.name = "verify",
	.args = "BACKUP.db [--json] [--wait DURATION]",
	.summary = N_("verify a backup set as the plan's verify script does, and more"),
	.help = N_("Checks the database (PRAGMA integrity_check, sites count), the manifest\n"
	    "and its HMAC line (a manifest without one passes with a warning), the\n"
	    "SHA-256 of all three files, that the configuration archive reads to its\n"
	    "end and that the WireGuard archive decrypts and reads to its end.\n"
	    "One line per check.\n\n"
	    "  --json   one JSON object instead of lines\n"
	    "  --wait DURATION\n"
	    "           wait this long for another run on backup_dir (30s)\n\n"
	    "Exit status: 0 every check passed, 1 a check failed (the line names the\n"
	    "file and the reason), 75 another run held backup_dir/.lock all the\n"
	    "--wait (its pid is named).\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_verify_exec,
};
