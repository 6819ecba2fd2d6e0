/* cmd-supervise.c: the hidden supervisor of a step's command: claims the run, records its output and exit. */
#include "system.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "model/incident.h"
#include "model/run.h"
#include "util/proc.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* The signal that asked for a cancel (SIGTERM, SIGINT), 0 while none came. */
static volatile sig_atomic_t supervise_cancel;

/* SIGTERM or SIGINT: cancel the command (the main loop does it). */
static void
supervise_on_signal(int sig)
{
	supervise_cancel = sig;
}

/* Whether the watcher (a TUI reading our standard output) is still there to be woken. */
static bool supervise_watched = true;

/* Wake the watcher: one newline says "the record has grown". */
static void
supervise_ping(void)
{
	ssize_t	n;

	if (!supervise_watched)
		return;
	do
		n = write(STDOUT_FILENO, "\n", 1);
	while (n == -1 && errno == EINTR);
	if (n != 1)
		supervise_watched = false;	/* the TUI is gone: the record is enough */
}

/* What the supervisor was asked to run. */
struct supervise_args {
	const char	*incident;
	const char	*step;
	const char	*run;
	const char	*client;
	const char	*command;
	char		**argv;		/* the action's argv, NULL: command through /bin/sh -c */
};

/* Run the claimed command, recording its output and its end. Returns the exit code of supervise. */
static int
supervise_loop(struct incident_store *st, const struct supervise_args *a)
{
	struct proc_opts	 po;
	struct proc		*p = NULL;
	struct pollfd		 pfd;
	struct buf		 b;
	const char		*env[2];
	char			*e1, *cause = NULL, status[128], *why;
	uint64_t		 bytes = 0, dropped = 0;
	int64_t			 ended_ms = 0;
	int			 r, kept, code, sig, ex = EX_OK;
	bool			 cancelled = false;

	e1 = xasprintf("PATRONUS_DR_RUN=%s", a->run);
	env[0] = e1;
	env[1] = NULL;
	memset(&po, 0, sizeof po);
	po.env = env;
	po.grace_ms = 3000;
	po.die_with_parent = true;	/* only a kill -9 of this supervisor: then no orphan runs unrecorded */
	if (a->argv != NULL)
		r = proc_start((const char *const *)a->argv, &po, &p, &cause);
	else
		r = proc_start_shell(a->command, &po, &p, &cause);
	free(e1);
	if (r != 0) {
		char	*werr = NULL;

		if (incident_append_exit(st, a->incident, a->step, cause, 127, 0, false, 0, 0,
		    NULL, &werr) != 0 || incident_append(st, a->incident, a->step,
		    INCIDENT_EV_STEP_FAILED, cause, NULL, &werr) != 0) {
			cmd_error("%s", werr);
			free(werr);
		}
		free(cause);
		supervise_ping();
		return (EX_OK);
	}
	buf_init(&b);
	for (;;) {
		if (supervise_cancel != 0 && !cancelled) {
			proc_cancel(p);
			cancelled = true;
		}
		if (proc_fd(p) == -1) {
			if (proc_tick(p))
				break;
			poll(NULL, 0, 50);
			continue;
		}
		/* ended, but something it left running holds the pipe: 2 s more, then stop reading */
		if (ended_ms == 0 && proc_reap(p))
			ended_ms = time_mono_ms();
		if (ended_ms != 0 && time_mono_ms() - ended_ms > 2000) {
			proc_close_output(p);
			continue;
		}
		pfd.fd = proc_fd(p);
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 250) == -1 && errno != EINTR)
			break;
		if (cancelled)
			proc_tick(p);
		buf_reset(&b);
		r = proc_read(p, &b, 0, &cause);
		if (b.len > 0) {
			bytes += b.len;
			kept = incident_append_output(st, a->incident, a->step, b.data, b.len,
			    &cause);
			if (kept < 0) {
				cmd_error("%s", cause);
				free(cause);
				cause = NULL;
			}
			if (kept <= 0)
				dropped += b.len;
			else
				supervise_ping();
		}
		if (r < 0) {
			cmd_error("%s", cause);
			free(cause);
			cause = NULL;
			proc_close_output(p);
		}
	}
	buf_clear(&b);
	proc_status_string(p, status, sizeof status);
	code = proc_exit_code(p);
	sig = proc_term_signal(p);
	if (incident_append_exit(st, a->incident, a->step, status, code, sig, cancelled, bytes,
	    dropped, NULL, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		cause = NULL;
		ex = EX_IOERR;
	}
	if (code != 0) {
		why = cancelled ? xasprintf("%s; cancelled", status) : xstrdup(status);
		if (incident_append(st, a->incident, a->step, INCIDENT_EV_STEP_FAILED, why, NULL,
		    &cause) != 0) {
			cmd_error("%s", cause);
			free(cause);
			ex = EX_IOERR;
		}
		free(why);
	}
	supervise_ping();
	proc_free(p);
	return (ex);
}

/* patronus-dr supervise --incident ID --step STEP --run RUN [--client C] --command TEXT [-- ARGV...] */
static int
cmd_supervise_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv)
{
	struct supervise_args		 a;
	struct incident_store		*st = NULL;
	struct run_claim		 holder;
	struct sigaction		 sa;
	const char			*state;
	char				*cause = NULL, *who, *msg;
	int				 opt, rc;

	memset(&a, 0, sizeof a);
	while ((opt = cmd_getopts(e, argc, argv)) != -1) {
		switch (opt) {
		case 'i':
			a.incident = optarg;
			break;
		case 's':
			a.step = optarg;
			break;
		case 'r':
			a.run = optarg;
			break;
		case 'C':
			a.client = optarg;
			break;
		case 'c':
			a.command = optarg;
			break;
		}
	}
	if (a.incident == NULL || a.step == NULL || a.run == NULL || a.command == NULL)
		cmd_usage_error(e, _("--incident, --step, --run and --command are needed"));
	if (optind < argc)
		a.argv = argv + optind;

	/* No terminal to lose: a hangup is not ours; SIGTERM and SIGINT cancel the command. */
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = supervise_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	/* the record is where the TUI says (a drill's step runs with the sandbox's settings) */
	if ((state = getenv("PATRONUS_DR_STATE_DIR")) == NULL || *state == '\0')
		state = ctx->conf.state_dir;
	if (incident_store_open(state, &st, &cause) != 0) {
		cmd_error("%s", cause);
		free(cause);
		return (EX_CANTCREAT);
	}
	if (supervise_cancel != 0) {
		/* cancelled before it was claimed: nothing ran, nothing to record */
		incident_store_close(st);
		return (EX_TEMPFAIL);
	}
	rc = run_claim(st, a.incident, a.step, a.run, a.command, a.client, &holder, &cause);
	if (rc < 0) {
		cmd_error("%s", cause);
		free(cause);
		incident_store_close(st);
		return (EX_IOERR);
	}
	if (rc == 1) {
		who = run_holder_text(&holder, incident_now_ms());
		msg = xasprintf(_("Not started: the step is %s."), who);
		printf("%s\n", msg);
		fflush(stdout);
		free(msg);
		free(who);
		run_claim_clear(&holder);
		incident_store_close(st);
		return (EX_TEMPFAIL);
	}
	supervise_ping();
	incident_store_set_run(st, a.run);
	rc = supervise_loop(st, &a);
	incident_store_close(st);
	return (rc);
}

/* The options of supervise (options.c makes getopt's tables, the usage and the help of them). */
static const struct cmd_opt cmd_supervise_opts[] = {
	{ "incident", 'i', N_("ID"), N_("the incident the step belongs to"),
	    CMD_OPT_REQUIRED, NULL },
	{ "step", 's', N_("STEP"), N_("the step's id"), CMD_OPT_REQUIRED, NULL },
	{ "run", 'r', N_("RUN"), N_("the run the step is claimed for"), CMD_OPT_REQUIRED, NULL },
	{ "client", 'C', N_("CLIENT"), N_("the SSH connection and terminal that started it"),
	    0, NULL },
	{ "command", 'c', N_("TEXT"), N_("the command as the step shows it"),
	    CMD_OPT_REQUIRED, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL }
};

const struct cmd_entry cmd_supervise_entry = {
	.name = "supervise",
	.args = "%s [-- ARGV...]",
	.summary = N_("(internal) run a step's command and record it"),
	.help = N_("Used by the TUI: claims the step for the run in the incident record,\n"
	    "runs the command (ARGV, else TEXT through /bin/sh -c) and records its\n"
	    "output and exit there, whether or not a TUI still watches. SIGTERM\n"
	    "cancels the command; a hangup is ignored. Exits 75 when another live\n"
	    "run holds the step.\n"),
	.flags = CMD_NEEDS_CONFIG | CMD_HIDDEN,
	.exec = cmd_supervise_exec,
	.opts = cmd_supervise_opts,
	.opt_col = 20,
};
