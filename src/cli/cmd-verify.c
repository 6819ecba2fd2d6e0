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
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* Verify one set; exit 0 when every check passes, 1 when any fails. */
static int
cmd_verify_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct verify_report		 r;
	struct verify_opts		 vo;
	struct metrics			 m;
	int64_t				 t0;
	time_t				 now;
	struct catalog_set		 s;
	struct buf			 b;
	char				*password = NULL, *key_why = NULL, *why = NULL, *cause = NULL;
	char				*db, *name;
	bool				 json = false;
	size_t				 i, failed = 0;
	int64_t				 wait_ms = 30000;
	int				 opt, rc;
	enum fail_class			 key_fail;
	bool				 allow_unsigned = false;

	while ((opt = cmd_getopts(e, argc, argv)) != -1) {
		if (opt == 'j')
			json = true;
		else if (opt == 'u')
			allow_unsigned = true;
		else if (opt == 'w')
			wait_ms = cmd_wait_ms(e, optarg);
	}
	if (optind + 1 != argc)
		cmd_usage_error(e, _("expected one backup set (NAME, TIER/NAME or BACKUP.db)"));
	/* No backup or prune changes the sets while they are read and stamped. */
	if ((rc = cmd_lock(&ctx->conf, "verify", wait_ms, false)) != 0)
		return (rc);
	/* the set as backups names it, or its .db path */
	if (catalog_resolve(ctx->conf.backup_dir, argv[optind], true, &db, &name, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		return (EX_NOINPUT);
	}
	free(name);

	if ((key_fail = fs_load_key(ctx->conf.encryption_key, &password, &key_why)) !=
	    FAIL_NONE)
		password = NULL;
	t0 = time_mono_ms();
	verify_opts_conf(&vo, &ctx->conf, password, key_why);
	vo.allow_unsigned = allow_unsigned;
	rc = verify_run(db, &vo, &r);
	if (cmd_now(&now) == -1)
		now = time(NULL);
	metrics_init(&m);
	metrics_set(&m, "patronus_dr_verify_last_success", NULL, rc == 0 ? 1 : 0);
	metrics_set(&m, "patronus_dr_verify_last_timestamp_seconds", NULL, (double)now);
	metrics_set(&m, "patronus_dr_verify_duration_seconds", NULL,
	    (double)(time_mono_ms() - t0) / 1000);
	cmd_metrics(&ctx->conf, &m, now);
	if (password != NULL) {
		OPENSSL_cleanse(password, strlen(password));
		free(password);
	}

	/*
	 * Remember the outcome for `backups`, when the state folder is ours to
	 * write: a verdict on the set's content only (verify_verdict).
	 */
	if (verify_verdict(&r) >= 0 && catalog_set_from_db(db, &s, &cause) == 0) {
		why = verify_first_failure(&r);
		if (catalog_stamp(ctx->conf.state_dir, &s, verify_verdict(&r) == 1, why,
		    &cause) == -1)
			free(cause);
		catalog_set_clear(&s);
		free(why);
	} else {
		free(cause);
		cause = NULL;
	}

	buf_init(&b);
	if (json) {
		buf_adds(&b, "{\"backup\": ");
		json_add_string(&b, db);
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
		printf(_("Verifying backup: %s\n"), cmd_esc(db));
		for (i = 0; i < r.n; i++) {
			printf("%-8s %-10s %s: %s\n", _(verify_status_name(r.checks[i].status)),
			    r.checks[i].check, cmd_esc(r.checks[i].file),
			    cmd_esc(r.checks[i].detail));
			if (r.checks[i].status == VERIFY_FAIL)
				failed++;
		}
		if (rc == 0)
			printf(_("Backup verification successful\n"));
		else if (!verify_content_failed(&r) && key_fail != FAIL_NONE)
			/* the key's fault, not the set's: no verdict on the set */
			printf(_("Backup verification NOT DONE: %zu checks could not be made "
			    "without a usable key; nothing is found wrong with the set\n"), failed);
		else
			printf(_("Backup verification FAILED: %zu checks failed\n"), failed);
	}
	buf_clear(&b);
	free(key_why);
	if (rc != 0 && !verify_content_failed(&r) && key_fail != FAIL_NONE)
		rc = fail_exit(key_fail);
	else if (rc != 0)
		rc = 1;
	verify_report_clear(&r);
	free(db);
	return (rc);
}

/* The options of verify (options.c makes getopt's tables, the usage and the help of them). */
static const struct cmd_opt cmd_verify_opts[] = {
	{ "json", 'j', NULL,
	    N_("one JSON object instead of lines"),
	    0, NULL },
	{ "allow-unsigned", 'u', NULL,
	    N_("a manifest without HMAC line (a set of the plan's\n"
	    "own script) only warns"),
	    0, NULL },
	{ "wait", 'w', N_("DURATION"),
	    N_("wait this long for another run on backup_dir (30s)"),
	    0, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_verify_entry = {
	.name = "verify",
	.args = "SET",
	.summary = N_("verify a backup set as the plan's verify script does, and more"),
	.help = N_("SET is the set's name as backups prints it (patronus-TIER-DATE-TIME\n"
	    "or TIER/NAME) or the path of its .db file, absolute or relative to the\n"
	    "current folder or to backup_dir.\n"
	    "\n"
	    "Checks the database (PRAGMA integrity_check, sites count), the manifest\n"
	    "and its HMAC line (a manifest without one fails as \"unsigned\"), the\n"
	    "SHA-256 of all three files, and each archive (the WireGuard one\n"
	    "decrypted) read whole with the very checks restore makes before it\n"
	    "extracts (names, links, types, duplicates, sizes): a set that verifies\n"
	    "restores. One line per check. The outcome is remembered for `backups`,\n"
	    "unless a check could not be made for want of the key.\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_verify_exec,
	.opts = cmd_verify_opts,
	.opt_col = 20,
	.help_tail = N_("Exit status: 0 every check passed, 1 a check failed (the line names the\n"
	    "file and the reason), 66 or 77 the key file is missing, or readable by\n"
	    "others, and no other check failed, 75 another run held\n"
	    "backup_dir/.lock all the --wait (its pid is named).\n"),
};
