/* cmd-run.c: declare an incident (or a drill) of a runbook and walk it in the TUI (run-walk.c). */
#include "system.h"

#include <time.h>

#include "cli/cmd.h"
#include "util/timeutil.h"

/* patronus-dr run RUNBOOK-ID [--drill [--keep-sandbox] [--unattended]] [--detected TIME] */
static int
cmd_run_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	const char			*detected = NULL;
	char				*cause = NULL;
	time_t				 t;
	unsigned			 flags = 0;
	int				 opt;

	while ((opt = cmd_getopts(e, argc, argv)) != -1) {
		switch (opt) {
		case 'D':
			flags |= RUN_DRILL;
			break;
		case 't':
			detected = optarg;
			break;
		case 'k':
			flags |= RUN_KEEP_SANDBOX;
			break;
		case 'u':
			flags |= RUN_UNATTENDED;
			break;
		}
	}
	if (optind >= argc)
		cmd_usage_error(e, _("which runbook? (patronus-dr runbooks lists them)"));
	if (optind + 1 < argc)
		cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind + 1]);
	if ((flags & (RUN_UNATTENDED | RUN_KEEP_SANDBOX)) != 0 && !(flags & RUN_DRILL))
		cmd_usage_error(e, _("--unattended and --keep-sandbox go with --drill (an "
		    "incident is walked by a person, on the live host)"));
	t = 0;
	if (detected != NULL) {
		if (time_parse(detected, time(NULL), &t, &cause) != 0) {
			cmd_usage_error(e, "--detected: %s", cause);
		}
		if (t > time(NULL))
			cmd_usage_error(e, _("--detected: %s is in the future"), detected);
	}
	return (cmd_run_start(ctx, argv[optind], flags, (int64_t)t * 1000));
}

/* The options of run (options.c makes getopt's tables, the usage and the help of them). */
static const struct cmd_opt cmd_run_opts[] = {
	{ "drill", 'D', NULL,
	    N_("a drill, in a sandbox laid out first from the live\n"
	    "host (an online copy of the database, copies of\n"
	    "config_dir and wireguard_dir): restores and key\n"
	    "rotation run for real there, never on live paths;\n"
	    "run: commands are simulated unless the step says\n"
	    "drill: run. The sandbox is removed when the drill\n"
	    "closes. No room for it: refused, nothing declared"),
	    CMD_OPT_SHORT, NULL },
	{ "keep-sandbox", 'k', NULL,
	    N_("keep the sandbox after the drill, for inspection"),
	    CMD_OPT_SHORT, NULL },
	{ "unattended", 'u', NULL,
	    N_("with --drill, no terminal: run every step that needs\n"
	    "no person, take each decide's default:, record\n"
	    "checklists and prompts as not checked, close the\n"
	    "drill, write its report and the metrics; the last\n"
	    "line says PASS or FAIL and why"),
	    CMD_OPT_SHORT, NULL },
	{ "detected", 't', N_("TIME"),
	    N_("when the problem began, for the clocks (default:\n"
	    "now): \"2026-11-27 03:12\", \"-20m\""),
	    CMD_OPT_SHORT, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_run_entry = {
	.name = "run",
	.args = "RUNBOOK-ID",
	.summary = N_("declare an incident (or a drill) and walk its runbook in the TUI"),
	.help = N_("Declares an incident of the runbook in the incident record (STATE_DIR/\n"
	    "incidents.db) and opens the full-screen walk: the steps, the RTO and RPO\n"
	    "clocks, each step's command before it runs, its live output, checklists,\n"
	    "decisions and prompts. Every tick, note, answer and output is recorded\n"
	    "before the screen shows it. q leaves with the incident open (resume\n"
	    "continues it); ? lists the keys.\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_run_exec,
	.opts = cmd_run_opts,
	.opt_col = 23,
	.help_tail = N_("Exit status (--unattended): 0 the drill passed, 1 it failed (a step\n"
	    "failed, or the drill report's success criteria were missed), 65 a decide\n"
	    "without default:, 73 no sandbox could be made.\n"),
};
