/* cmd-resume.c: reopen an open incident in the TUI, at the step where it was left. */
#include "system.h"

#include <unistd.h>

#include "cli/cmd.h"
#include "model/incident.h"
#include "util/xmalloc.h"

/* patronus-dr resume [INCIDENT-ID] */
static int
cmd_resume_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct incident_store		*st = NULL;
	struct incident			 inc;
	char				*cause = NULL, *hint;
	int				 opt, r, rc;

	while ((opt = cmd_getopts(e, argc, argv)) != -1)
		;
	if (optind + 1 < argc)
		cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind + 1]);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		cmd_error(_("resume needs a terminal (the TUI) on standard input and output"));
		return (EX_USAGE);
	}
	if (incident_store_open(ctx->conf.state_dir, &st, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		return (EX_CANTCREAT);
	}
	memset(&inc, 0, sizeof inc);
	if (optind < argc)
		r = incident_get(st, argv[optind], &inc, &cause);
	else
		r = incident_find_open(st, &inc, &cause);
	if (r < 0) {
		cmd_error("%s", cause);
		free(cause);
		incident_store_close(st);
		return (EX_IOERR);
	}
	if (r == 0) {
		if (optind < argc)
			cmd_error(_("no incident \"%s\""), argv[optind]);
		else
			cmd_error(_("no open incident to resume"));
		incident_store_close(st);
		return (EX_NOINPUT);
	}
	if (inc.closed_ms != 0) {
		hint = cmd_hint(&ctx->conf, "incidents show", inc.id);
		cmd_error(_("%s is closed; its timeline: %s"), inc.id, hint);
		free(hint);
		incident_clear(&inc);
		incident_store_close(st);
		return (EX_DATAERR);
	}
	rc = cmd_tui_walk(ctx, st, &inc, true);
	incident_clear(&inc);
	incident_store_close(st);
	return (rc);
}

const struct cmd_entry cmd_resume_entry = {
	.name = "resume",
	.args = "[INCIDENT-ID]",
	.summary = N_("reopen an open incident in the TUI where it was left"),
	.help = N_("Reopens an open incident (default: the most recently declared one) in\n"
	    "the TUI, on the step where it was left, with every tick, note, answer\n"
	    "and output from the record. Several operators may have the same\n"
	    "incident open at once; each sees the others' events within 2 seconds.\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_resume_exec,
};
