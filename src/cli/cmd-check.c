/* cmd-check.c: the plan's checks: a service answers over HTTP, config.yaml parses, drills are on schedule. */
#include "system.h"

#include "cli/cmd.h"
#include "model/calendar.h"
#include "model/incident.h"
#include "engine/host/probe.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* check http URL: one GET, its status and latency against what is expected. */
static int
check_http(const struct cmd_entry *e, int argc, char **argv)
{
	char				*cause = NULL, *end;
	int64_t				 timeout = 10, us;
	long				 expect = 0, status;
	int				 opt;
	bool				 good;

	while ((opt = cmd_getopts(e, argc, argv)) != -1) {
		switch (opt) {
		case 'e':
			errno = 0;
			expect = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || expect < 100 || expect > 599)
				cmd_usage_error(e, _("--expect wants an HTTP status, "
				    "not \"%s\""), optarg);
			break;
		case 't':
			if (duration_parse(optarg, &timeout, &cause) != 0 || timeout <= 0) {
				free(cause);
				cmd_usage_error(e, _("--timeout wants a duration such "
				    "as 5s, not \"%s\""), optarg);
			}
			break;
		}
	}
	if (optind >= argc)
		cmd_usage_error(e, _("check http wants a URL"));
	if (optind + 1 < argc)
		cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind + 1]);
	if (probe_http(argv[optind], timeout * 1000, &status, &us, &cause) != 0) {
		printf(_("FAILED %s: no answer after %" PRId64 " ms\n"), cmd_esc(cause), us / 1000);
		free(cause);
		return (1);
	}
	good = expect != 0 ? status == expect : status >= 200 && status < 400;
	printf("%s %s: HTTP %ld in %" PRId64 " ms", good ? "ok" : "FAILED",
	    argv[optind], status, us / 1000);
	if (!good && expect != 0)
		printf(_(", expected %ld"), expect);
	else if (!good)
		printf(_(", expected 2xx or 3xx"));
	putchar('\n');
	return (good ? EX_OK : 1);
}

/* check config: CONFIG_DIR/config.yaml parses as YAML. */
static int
check_config(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	char	*path, *cause = NULL;
	size_t	 docs;
	int	 ex;

	if (optind + 1 < argc)
		cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind + 1]);
	path = str_join_path(ctx->conf.config_dir, "config.yaml");
	if (!fs_exists(path)) {
		cmd_error(_("%s: no such file"), path);
		free(path);
		return (EX_NOINPUT);
	}
	if (probe_yaml(path, &docs, &cause) != 0) {
		printf(_("FAILED %s\n"), cmd_esc(cause));
		ex = 1;
	} else {
		printf(_("ok %s: parses as YAML\n"), path);
		ex = EX_OK;
	}
	free(cause);
	free(path);
	return (ex);
}

/*
 * check drills: every runbook with a schedule: has been drilled within it;
 * names each overdue or never-drilled one.
 */
static int
check_drills(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct incident_store	*st = NULL;
	struct calendar_row	*rows = NULL;
	struct buf		 b;
	char			*db, *cause = NULL;
	size_t			 n = 0, overdue;
	int			 rc;

	if (optind + 1 < argc)
		cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind + 1]);
	/* no record yet is a host that never drilled: nothing is created to say so */
	db = str_join_path(ctx->conf.state_dir, "incidents.db");
	if (fs_exists(db) && incident_store_open(ctx->conf.state_dir, &st, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		free(db);
		return (EX_IOERR);
	}
	free(db);
	rc = cmd_drill_calendar(&ctx->conf, st, &rows, &n);
	if (st != NULL)
		incident_store_close(st);
	if (rc != 0)
		return (EX_IOERR);
	if (n == 0) {
		printf(_("ok: no runbook has a schedule:\n"));
		return (EX_OK);
	}
	buf_init(&b);
	overdue = cmd_calendar_text(&b, rows, n, time_now_ms());
	fwrite(b.data, 1, b.len, stdout);
	buf_clear(&b);
	calendar_free(rows, n);
	if (overdue > 0) {
		printf(_("FAILED: scheduled drills overdue: %zu of %zu\n"), overdue, n);
		return (1);
	}
	printf(_("ok: every scheduled drill is within its schedule\n"));
	return (EX_OK);
}

/* Run one of the checks. */
static int
cmd_check_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{

	if (argc >= 2 && strcmp(argv[1], "http") == 0) {
		optind = 0;
		return (check_http(e, argc - 1, argv + 1));
	}
	while (cmd_getopts(e, argc, argv) != -1)
		cmd_usage_error(e, _("--expect and --timeout go with check http"));
	if (optind >= argc)
		cmd_usage_error(e, _("say what to check: http URL, config or drills"));
	if (strcmp(argv[optind], "config") == 0) {
		return (check_config(e, ctx, argc, argv));
	}
	if (strcmp(argv[optind], "drills") == 0)
		return (check_drills(e, ctx, argc, argv));
	cmd_usage_error(e, _("unknown check \"%s\" (http, config or drills)"), argv[optind]);
}

/* The options of check: http's (options.c). */
static const struct cmd_opt cmd_check_opts[] = {
	{ "expect", 'e', N_("STATUS"), N_("with http: the status that passes"),
	    CMD_OPT_SHORT, "http" },
	{ "timeout", 't', N_("D"), N_("with http: give up after D (default 10s)"),
	    CMD_OPT_SHORT, "http" },
	{ NULL, 0, NULL, NULL, 0, NULL }
};

/* Its checks, for the usage line. */
static const struct cmd_sub cmd_check_subs[] = {
	{ "http", "URL" }, { "config", "" }, { "drills", "" }, { NULL, NULL }
};

const struct cmd_entry cmd_check_entry = {
	.name = "check",
	.args = "%s",
	.summary = N_("the plan's service and configuration checks"),
	.help = N_("  http URL    one GET with libcurl (no redirects followed); prints the\n"
	    "              status and the latency. Passes on 2xx or 3xx, or on the\n"
	    "              status given with --expect.\n"
	    "  config      CONFIG_DIR/config.yaml parses as YAML; an error names\n"
	    "              FILE:LINE:COLUMN.\n"
	    "  drills      every runbook with a schedule: was drilled within it; names\n"
	    "              each overdue or never-drilled one (abandoned drills do not\n"
	    "              count).\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_check_exec,
	.opts = cmd_check_opts,
	.opt_col = 24,
	.help_tail = N_("Exit status: 0 passed, 1 failed, 66 config.yaml missing.\n"),
	.subs = cmd_check_subs,
};
