/* cmd-check.c: the plan's checks: a service answers over HTTP, config.yaml parses. */
#include "system.h"

#include "cli/cmd.h"
#include "engine/host/probe.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* check http URL: one GET, its status and latency against what is expected. */
static int
check_http(const struct cmd_entry *e, int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "expect", required_argument, NULL, 'e' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char				*cause = NULL, *end;
	int64_t				 timeout = 10, us;
	long				 expect = 0, status;
	int				 opt;
	bool				 good;

	while ((opt = cmd_getopt(e, argc, argv, "e:t:h", longopts)) != -1) {
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
		printf(_("FAILED %s: no answer after %" PRId64 " ms\n"), cause, us / 1000);
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
		printf(_("FAILED %s\n"), cause);
		ex = 1;
	} else {
		printf(_("ok %s: parses as YAML\n"), path);
		ex = EX_OK;
	}
	free(cause);
	free(path);
	return (ex);
}

/* Run one of the checks. */
static int
cmd_check_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};

	if (argc >= 2 && strcmp(argv[1], "http") == 0) {
		optind = 0;
		return (check_http(e, argc - 1, argv + 1));
	}
	while (cmd_getopt(e, argc, argv, "h", longopts) != -1)
		;
	if (optind >= argc)
		cmd_usage_error(e, _("say what to check: http URL or config"));
	if (strcmp(argv[optind], "config") == 0) {
		return (check_config(e, ctx, argc, argv));
	}
	cmd_usage_error(e, _("unknown check \"%s\" (http or config)"), argv[optind]);
}

const struct cmd_entry cmd_check_entry = {
	.name = "check",
	.args = "http URL [--expect STATUS] [--timeout D] | config",
	.summary = N_("the plan's service and configuration checks"),
	.help = N_("  http URL    one GET with libcurl (no redirects followed); prints the\n"
	    "              status and the latency. Passes on 2xx or 3xx, or on the\n"
	    "              status given with --expect.\n"
	    "    -e, --expect STATUS   the status that passes\n"
	    "    -t, --timeout D       give up after D (default 10s)\n"
	    "  config      CONFIG_DIR/config.yaml parses as YAML; an error names\n"
	    "              FILE:LINE:COLUMN.\n"
	    "\n"
	    "Exit status: 0 passed, 1 failed, 66 config.yaml missing.\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_check_exec,
};
