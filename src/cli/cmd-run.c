/* cmd-run.c: declare an incident (or a drill) of a runbook and walk it in the TUI. */
#include "system.h"

#include <limits.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "engine/backup/metrics.h"
#include "model/incident.h"
#include "model/runbook.h"
#include "ui/tui.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* This program's path (for engine actions run as children); the caller frees. */
static char *
run_self(void)
{
	char	 path[PATH_MAX];
	ssize_t	 n;

	if ((n = readlink("/proc/self/exe", path, sizeof path - 1)) <= 0)
		return (xstrdup(PACKAGE));
	path[n] = '\0';
	return (xstrdup(path));
}

/*
 * Load the runbook id from the runbook folders (the source tree's first when
 * this binary runs from its build tree, then runbook_dirs) and expand its
 * use: steps. Returns the runbook (runbook_free), or NULL after printing why.
 */
static struct runbook *
run_load_runbook(const struct conf *c, const char *id, int *rc)
{
	struct runbook_set	 set;
	struct runbook		*rb, *x = NULL;
	char			**dirs, *errors = NULL;
	size_t			  n = 0;

	dirs = cmd_runbook_dirs(c, &n);
	memset(&set, 0, sizeof set);
	*rc = EX_NOINPUT;
	if (runbook_set_load(&set, dirs, n, &errors) != 0)
		cmd_error("%s", errors != NULL ? errors : _("no runbook folder can be read"));
	else if ((rb = runbook_set_find(&set, id)) == NULL)
		cmd_error(_("no runbook \"%s\" in the runbook folders"), id);
	else {
		free(errors);
		errors = NULL;
		if ((x = runbook_expand(&set, rb, &errors)) == NULL) {
			cmd_error("%s: %s", rb->file, errors != NULL ? errors : "?");
			*rc = EX_DATAERR;
		}
	}
	free(errors);
	runbook_set_free(&set);
	str_list_free(dirs, n);
	return (x);
}

/*
 * Rewrite metrics_file (when set) so that the incident and drill gauges show
 * an incident declared or closed now, not only after the next backup, verify
 * or prune. Quiet on the terminal (the TUI may own it): a failure goes to the
 * log file and syslog only.
 */
static void
run_metrics(const struct conf *c)
{
	struct metrics	m;

	if (c->metrics_file == NULL)
		return;
	metrics_init(&m);
	log_set_echo(false);
	cmd_metrics(c, &m, time(NULL));
	log_set_echo(true);
}

/*
 * Walk an open incident in the TUI with its runbook (rb, expanded, or NULL to
 * load it; freed here), then say how it ended. Returns the exit status.
 */
static int
run_walk(struct cmd_ctx *ctx, struct incident_store *st, const struct incident *inc,
    struct runbook *rb, bool resumed)
{
	struct tui_opts	 o;
	enum tui_end	 end;
	char		*cause = NULL, *self;
	int		 rc;

	if (rb == NULL && (rb = run_load_runbook(&ctx->conf, inc->runbook_id, &rc)) == NULL)
		return (rc);
	self = run_self();
	memset(&o, 0, sizeof o);
	o.conf = &ctx->conf;
	o.config_path = ctx->conf.path;
	o.self = self;
	o.store = st;
	o.inc = inc;
	o.rb = rb;
	o.resumed = resumed;
	o.closed = run_metrics;
	rc = EX_OK;
	if (tui_main(&o, &end, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		rc = EX_IOERR;
	} else if (end == TUI_CLOSED)
		printf(_("%s %s is closed.\n"), inc->mode == INCIDENT_MODE_DRILL ?
		    _("Drill") : _("Incident"), inc->id);
	else if (end == TUI_LEFT)
		printf(_("%s stays open; continue with: %s resume %s\n"), inc->id, PACKAGE,
		    inc->id);
	free(self);
	runbook_free(rb);
	return (rc);
}

/* Walk an open incident in the TUI, loading its runbook. Returns the exit status. */
int
cmd_tui_walk(struct cmd_ctx *ctx, struct incident_store *st, const struct incident *inc,
    bool resumed)
{
	return (run_walk(ctx, st, inc, NULL, resumed));
}

/*
 * Declare an incident (or drill) of runbook id, detected at detected_ms (0:
 * now), and walk it. Returns the exit status.
 */
int
cmd_run_start(struct cmd_ctx *ctx, const char *id, bool drill, int64_t detected_ms)
{
	struct incident_store	*st = NULL;
	struct incident_decl	 d;
	struct incident		 inc;
	struct runbook		*rb;
	char			*cause = NULL, *iid = NULL, *dir;
	int			 rc;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		cmd_error(_("run needs a terminal (the TUI) on standard input and output"));
		return (EX_USAGE);
	}
	if (tui_can_start(&cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		return (EX_USAGE);
	}
	if ((rb = run_load_runbook(&ctx->conf, id, &rc)) == NULL)
		return (rc);
	if (incident_store_open(ctx->conf.state_dir, &st, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		runbook_free(rb);
		return (EX_CANTCREAT);
	}
	memset(&d, 0, sizeof d);
	d.runbook_id = rb->id;
	d.runbook_title = rb->title;
	d.mode = drill ? INCIDENT_MODE_DRILL : INCIDENT_MODE_INCIDENT;
	d.detected_ms = detected_ms;
	d.rto = rb->rto;
	d.rpo = rb->rpo;
	memset(&inc, 0, sizeof inc);
	if (incident_declare(st, &d, &iid, &cause) != 0 ||
	    incident_get(st, iid, &inc, &cause) != 1) {
		cmd_error("%s", cause != NULL ? cause : _("the new incident cannot be read"));
		free(cause);
		free(iid);
		runbook_free(rb);
		incident_store_close(st);
		return (EX_IOERR);
	}
	run_metrics(&ctx->conf);
	/* incident.dir: this incident's own folder for copies, dumps, evidence */
	dir = xasprintf("%s/incidents/%s", ctx->conf.state_dir, iid);
	if (fs_mkdir_p(dir, 0700, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
	}
	free(dir);
	rc = run_walk(ctx, st, &inc, rb, false);
	incident_free(&inc);
	free(iid);
	incident_store_close(st);
	return (rc);
}

/*
 * The TUI on a demo sandbox (config is its dr.yaml): the sandbox's open
 * incident or drill is resumed, else a drill of database-corruption starts.
 * Returns the exit status.
 */
int
cmd_demo_walk(struct cmd_ctx *ctx, const char *config)
{
	struct cmd_ctx		 c;
	struct incident_store	*st = NULL;
	struct incident		 inc;
	char			*cause = NULL;
	int			 r, rc;

	memset(&c, 0, sizeof c);
	c.config_path = config;
	c.verbose = ctx->verbose;
	if ((rc = cmd_load_config(&c)) != EX_OK)
		return (rc);
	if (incident_store_open(c.conf.state_dir, &st, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		conf_free(&c.conf);
		return (EX_CANTCREAT);
	}
	memset(&inc, 0, sizeof inc);
	if ((r = incident_find_open(st, &inc, &cause)) < 0) {
		cmd_error("%s", cause);
		free(cause);
		rc = EX_IOERR;
	} else if (r == 1) {
		rc = cmd_tui_walk(&c, st, &inc, true);
		incident_free(&inc);
	}
	incident_store_close(st);
	if (r == 0)
		rc = cmd_run_start(&c, "database-corruption", true, 0);
	conf_free(&c.conf);
	return (rc);
}

/* patronus-dr run RUNBOOK-ID [--drill] [--detected TIME] */
static int
cmd_run_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "drill", no_argument, NULL, 'D' },
		{ "detected", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char			*detected = NULL;
	char				*cause = NULL;
	time_t				 t;
	bool				 drill = false;
	int				 opt;

	while ((opt = cmd_getopt(e, argc, argv, "Dt:h", longopts)) != -1) {
		switch (opt) {
		case 'D':
			drill = true;
			break;
		case 't':
			detected = optarg;
			break;
		}
	}
	if (optind >= argc)
		cmd_usage_error(e, _("which runbook? (patronus-dr runbooks lists them)"));
	if (optind + 1 < argc)
		cmd_usage_error(e, _("unexpected argument \"%s\""), argv[optind + 1]);
	t = 0;
	if (detected != NULL) {
		if (time_parse(detected, time(NULL), &t, &cause) != 0) {
			cmd_usage_error(e, "--detected: %s", cause);
		}
		if (t > time(NULL))
			cmd_usage_error(e, _("--detected: %s is in the future"), detected);
	}
	return (cmd_run_start(ctx, argv[optind], drill, (int64_t)t * 1000));
}

const struct cmd_entry cmd_run_entry = {
	.name = "run",
	.args = "RUNBOOK-ID [--drill] [--detected TIME]",
	.summary = N_("declare an incident (or a drill) and walk its runbook in the TUI"),
	.help = N_("Declares an incident of the runbook in the incident record (STATE_DIR/\n"
	    "incidents.db) and opens the full-screen walk: the steps, the RTO and RPO\n"
	    "clocks, each step's command before it runs, its live output, checklists,\n"
	    "decisions and prompts. Every tick, note, answer and output is recorded\n"
	    "before the screen shows it. q leaves with the incident open (resume\n"
	    "continues it); ? lists the keys.\n\n"
	    "  -D, --drill          a drill: destructive steps follow their drill rule\n"
	    "                       (simulated or skipped) and never touch live paths\n"
	    "  -t, --detected TIME  when the problem began, for the clocks (default:\n"
	    "                       now): \"2026-11-27 03:12\", \"-20m\"\n"),
	.flags = CMD_NEEDS_CONFIG,
	.exec = cmd_run_exec,
};
