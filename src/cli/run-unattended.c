/* run-unattended.c: walk a drill without a person (run --drill --unattended), for a timer. */
#include "system.h"

#include <poll.h>
#include <stdarg.h>
#include <time.h>

#include "cli/cmd.h"
#include "engine/host/action.h"
#include "model/incident.h"
#include "model/run.h"
#include "model/runbook.h"
#include "model/walk.h"
#include "ui/report.h"
#include "ui/tui.h"
#include "util/fsutil.h"
#include "util/proc.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* The least and the most a step's command may run before it is cancelled, in seconds. */
#define UNATTENDED_MIN_LIMIT	600
#define UNATTENDED_MAX_LIMIT	(6 * 3600)

/* A child's run: what it printed last, how it ended. */
struct unattended_child {
	char	 last[512];	/* its last non-empty output line */
	char	 status[128];	/* "exit 0", "signal 9 (Killed)" */
	int	 code;		/* exit status, -1 when signalled or not started */
};

/* Print for the operator's terminal or journal, control characters escaped (runbook text included). */
static void PDR_PRINTF(1, 2)
unattended_print(const char *fmt, ...)
{
	struct buf	 b;
	va_list		 ap;
	char		*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	buf_init(&b);
	str_add_safe(&b, s, strlen(s));
	fputs(b.data, stdout);
	buf_clear(&b);
	free(s);
}

/* Remember the last non-empty line of a chunk of output. */
static void
unattended_last_line(struct unattended_child *ch, const char *data, size_t len)
{
	const char	*end = data + len, *p, *q;

	while (end > data && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	if (end == data)
		return;
	for (p = end; p > data && p[-1] != '\n'; p--)
		;
	q = end;
	if ((size_t)(q - p) >= sizeof ch->last)
		q = p + sizeof ch->last - 1;
	memcpy(ch->last, p, (size_t)(q - p));
	ch->last[q - p] = '\0';
}

/* The first write to the record that failed: the drill cannot pass without its record. */
static char	*unattended_rec_err;

/* Keep cause as the record's failure (the first one); a later one is dropped. */
static void
unattended_rec_fail(char *cause)
{
	if (unattended_rec_err == NULL)
		unattended_rec_err = cause != NULL ? cause : xstrdup("?");
	else
		free(cause);
}

/* Append an event for step; a failure is kept for the verdict (unattended_rec_fail). */
static void
unattended_append(const struct tui_opts *o, const char *step, enum incident_ev kind,
    const char *payload)
{
	char	*cause = NULL;

	if (incident_append(o->store, o->inc->id, step, kind, payload, NULL, &cause) != 0)
		unattended_rec_fail(cause);
}

/*
 * Run step rs's command (argv, or the shell command cmd when argv is NULL)
 * with env, its output into the record and on standard output (rs NULL:
 * neither, a command of the program's own), cancelled after its limit.
 * Fills *ch. Returns 0 when it exited 0.
 */
static int
unattended_run(const struct tui_opts *o, const struct rb_step *rs, char **argv,
    const char *cmd, char **env, struct unattended_child *ch)
{
	struct proc_opts	 po;
	struct proc		*p = NULL;
	struct pollfd		 pfd;
	struct buf		 b, safe;
	char			*cause = NULL;
	uint64_t		 bytes = 0, dropped = 0;
	int64_t			 limit, start = time_mono_ms();
	int			 r;

	memset(ch, 0, sizeof *ch);
	ch->code = -1;
	memset(&po, 0, sizeof po);
	po.env = (const char *const *)env;
	po.grace_ms = 3000;
	r = argv != NULL ? proc_start((const char *const *)argv, &po, &p, &cause) :
	    proc_start_shell(cmd, &po, &p, &cause);
	if (r != 0) {
		snprintf(ch->last, sizeof ch->last, "%s", cause);
		snprintf(ch->status, sizeof ch->status, "%s", cause);
		free(cause);
		cause = NULL;
		if (rs != NULL && incident_append_exit(o->store, o->inc->id, rs->id, ch->status,
		    127, 0, false, 0, 0, NULL, &cause) != 0)
			unattended_rec_fail(cause);
		return (-1);
	}
	limit = rs != NULL ? rs->expect * 10 : 0;
	if (limit < UNATTENDED_MIN_LIMIT)
		limit = UNATTENDED_MIN_LIMIT;
	if (limit > UNATTENDED_MAX_LIMIT)
		limit = UNATTENDED_MAX_LIMIT;
	buf_init(&b);
	buf_init(&safe);
	for (;;) {
		if (proc_fd(p) != -1) {
			pfd.fd = proc_fd(p);
			pfd.events = POLLIN;
			poll(&pfd, 1, 1000);
			buf_reset(&b);
			if (proc_read(p, &b, 0, &cause) < 0) {
				fprintf(stderr, "%s\n", cause);
				free(cause);
				cause = NULL;
				proc_close_output(p);
			}
			if (b.len > 0 && rs == NULL) {
				buf_reset(&safe);
				str_add_safe(&safe, b.data, b.len);
				unattended_last_line(ch, safe.data, safe.len);
			}
			else if (b.len > 0) {
				bytes += b.len;
				if ((r = incident_append_output(o->store, o->inc->id, rs->id,
				    b.data, b.len, &cause)) <= 0)
					dropped += b.len;
				if (r < 0) {
					unattended_rec_fail(cause);
					cause = NULL;
				}
				buf_reset(&safe);
				str_add_safe(&safe, b.data, b.len);
				fwrite(safe.data, 1, safe.len, stdout);
				fflush(stdout);
				unattended_last_line(ch, safe.data, safe.len);
			}
		} else {
			struct timespec	ts = { 0, 100 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
		if (!proc_cancelled(p) && time_mono_ms() - start > limit * 1000) {
			fprintf(stderr, _("%s: still running after %jd s: cancelled\n"),
			    rs != NULL ? rs->id : cmd, (intmax_t)limit);
			proc_cancel(p);
		}
		if (proc_tick(p) && proc_fd(p) == -1)
			break;
	}
	buf_clear(&b);
	buf_clear(&safe);
	proc_status_string(p, ch->status, sizeof ch->status);
	ch->code = proc_exit_code(p);
	if (rs != NULL && incident_append_exit(o->store, o->inc->id, rs->id, ch->status,
	    ch->code, proc_term_signal(p), proc_cancelled(p), bytes, dropped, NULL, &cause) != 0)
		unattended_rec_fail(cause);
	proc_free(p);
	return (ch->code == 0 ? 0 : -1);
}

/*
 * What the drill does with step rs: the runbook's rule, but an action that
 * would replace data in the sandbox is simulated when there is no sandbox
 * (as the TUI does).
 */
static enum rb_drill
unattended_rule(const struct tui_opts *o, const struct rb_step *rs)
{
	const struct action_def	*def;
	enum rb_drill		 d = runbook_drill_rule(rs);

	def = rs->kind == RB_ACTION ? action_find(rs->action) : NULL;
	if (d == RB_DRILL_RUN && o->drill_conf == NULL && def != NULL && def->destructive)
		return (RB_DRILL_SIMULATE);
	return (d);
}

/*
 * Carry out a run or action step; returns 0, or -1 with *why (caller frees)
 * saying why it failed.
 */
static int
unattended_command(const struct tui_opts *o, const struct rb_step *rs, int *simulated,
    char **why)
{
	const struct action_def	*def;
	const struct conf	*c = o->conf;
	const char		*path = o->config_path;
	struct unattended_child	 ch;
	struct run_claim	 holder;
	struct rb_var		*vars;
	char			*cmd, **argv = NULL, **env, *cause = NULL, *msg, *run, *client;
	char			*held;
	size_t			 nv;
	int			 rc, r;

	def = rs->kind == RB_ACTION ? action_find(rs->action) : NULL;
	if (o->drill_conf != NULL && (def == NULL || !def->drill_live)) {
		c = o->drill_conf;
		path = o->drill_config;
	}
	vars = runbook_vars_incident(c, o->inc, o->conf->state_dir, &nv);
	/* restore_before: detected: only points before the detection, as in the TUI */
	cmd = runbook_step_command(rs, vars, nv, o->self, path,
	    o->rb->restore_before_detected ? o->inc->detected_ms : -1, &argv, &cause);
	runbook_vars_free(vars, nv);
	if (cmd == NULL) {
		*why = cause;
		unattended_append(o, rs->id, INCIDENT_EV_STEP_FAILED, cause);
		return (-1);
	}
	switch (unattended_rule(o, rs)) {
	case RB_DRILL_SIMULATE:
		msg = xasprintf("%s%s", WALK_SIMULATED, cmd);
		unattended_append(o, rs->id, INCIDENT_EV_STEP_DONE, msg);
		unattended_print("  %s\n", msg);
		free(msg);
		(*simulated)++;
		rc = 0;
		goto out;
	case RB_DRILL_SKIP:
		unattended_append(o, rs->id, INCIDENT_EV_STEP_SKIPPED,
		    _("not run in drills (drill: skip)"));
		printf("  %s\n", _("not run in drills (drill: skip)"));
		rc = 0;
		goto out;
	default:
		break;
	}
	unattended_print("  $ %s\n", cmd);
	fflush(stdout);
	/* this process is the run's supervisor: it claims the run, its events name it (run.h) */
	run = run_new_id();
	client = run_client();
	r = run_claim(o->store, o->inc->id, rs->id, run, cmd, client, &holder, &cause);
	free(client);
	if (r != 0) {
		if (r == 1) {
			held = run_holder_text(&holder, incident_now_ms());
			*why = xasprintf(_("Not started: the step is %s."), held);
			free(held);
			run_claim_clear(&holder);
		} else
			*why = cause;
		free(run);
		rc = -1;
		goto out;
	}
	incident_store_set_run(o->store, run);
	env = runbook_step_env(o->inc, rs->id, path, o->conf->state_dir, run);
	rc = unattended_run(o, rs, argv, cmd, env, &ch);
	runbook_step_env_free(env);
	if (rc != 0)
		unattended_append(o, rs->id, INCIDENT_EV_STEP_FAILED, ch.status);
	incident_store_set_run(o->store, NULL);
	free(run);
	if (rc != 0)
		*why = ch.last[0] != '\0' ? xasprintf("%s: %s", ch.status, ch.last) :
		    xstrdup(ch.status);
	else
		unattended_append(o, rs->id, INCIDENT_EV_STEP_DONE, "");
out:
	free(cmd);
	runbook_step_env_free(argv);
	return (rc);
}

/* Write the drill's Markdown report to its folder with this program's report command. */
static void
unattended_report(const struct tui_opts *o)
{
	struct unattended_child	 ch;
	char			*out, *argv[8];
	size_t			 n = 0;

	out = xasprintf("%s/incidents/%s/report.md", o->conf->state_dir, o->inc->id);
	argv[n++] = (char *)o->self;
	if (o->config_path != NULL) {
		argv[n++] = (char *)"--config";
		argv[n++] = (char *)o->config_path;
	}
	argv[n++] = (char *)"report";
	argv[n++] = (char *)o->inc->id;
	argv[n++] = (char *)"-o";
	argv[n++] = out;
	argv[n] = NULL;
	if (unattended_run(o, NULL, argv, "report", NULL, &ch) == 0)
		printf(_("Report: %s\n"), out);
	else
		fprintf(stderr, _("the report could not be written: %s\n"), ch.last);
	free(out);
}

/*
 * After the close: the drill report's verdict, so that the exit status says
 * what the report, drills and the metrics say. NULL when it passed, else the
 * criteria it missed (caller frees).
 */
static char *
unattended_verdict(const struct tui_opts *o)
{
	struct report	 r;
	struct buf	 b;
	char		*cause = NULL;
	size_t		 i;

	memset(&r, 0, sizeof r);
	if (report_build(o->store, o->inc->id, o->rb, NULL, &r, &cause) != 1) {
		b.data = xasprintf(_("the drill's report cannot be built: %s"),
		    cause != NULL ? cause : o->inc->id);
		free(cause);
		return (b.data);
	}
	if (r.pass) {
		report_clear(&r);
		return (NULL);
	}
	buf_init(&b);
	buf_adds(&b, _("the drill report's success criteria not met: "));
	for (i = 0; i < r.ncrit; i++) {
		if (r.crit[i].pass)
			continue;
		if (b.data[b.len - 1] != ' ')
			buf_adds(&b, "; ");
		buf_adds(&b, r.crit[i].name);
		if (r.crit[i].detail != NULL)
			buf_printf(&b, " (%s)", r.crit[i].detail);
	}
	report_clear(&r);
	return (buf_steal(&b));
}

/*
 * Walk the open drill o->inc without a person: steps that need none run (or
 * are simulated or skipped, as in the TUI), decisions take their default:,
 * checklists and prompts are recorded as not checked; the first failed step
 * ends the walk. Then the drill is closed, the metrics and the report
 * written; *verdict (caller prints it last and frees it) says PASS or FAIL
 * and why: a failed step, else the drill report's verdict. Returns 0 (passed) or 1 (failed), or 74 when the record cannot
 * be written.
 */
int
run_unattended(const struct tui_opts *o, char **verdict)
{
	const struct runbook	*rb = o->rb;
	const struct rb_step	*rs;
	char			*why = NULL, *fail = NULL, *cause = NULL;
	size_t			 done = 0, ran = 0, unchecked = 0, answer, *visits;
	int			 i = rb->nsteps > 0 ? 0 : -1, simulated = 0;

	unattended_print(_("Drill %s of %s, unattended: %zu steps\n"), o->inc->id, rb->id,
	    rb->nsteps);
	visits = xcalloc(rb->nsteps + 1, sizeof *visits);
	while (i >= 0 && fail == NULL) {
		rs = &rb->steps[i];
		answer = 0;
		/* a person breaks a loop of decisions; the defaults never would */
		if (visits[i]++ > 0) {
			fail = xasprintf(_("the default answers lead round in a loop: step %s "
			    "comes again"), rs->id);
			break;
		}
		unattended_print("[%s] %s\n", rs->id, rs->title);
		if (incident_append(o->store, o->inc->id, rs->id, INCIDENT_EV_STEP_STARTED,
		    rs->title, NULL, &cause) != 0) {
			fail = xasprintf(_("the record cannot be written: %s"), cause);
			free(cause);
			break;
		}
		switch (rs->kind) {
		case RB_CHECKLIST:
		case RB_PROMPT:
			unattended_append(o, rs->id, INCIDENT_EV_STEP_SKIPPED,
			    _("not checked (unattended)"));
			printf("  %s\n", _("not checked (unattended)"));
			unchecked++;
			break;
		case RB_DECIDE:
			answer = rs->default_answer;
			if (incident_append_decision(o->store, o->inc->id, rs->id, rs->question,
			    rs->answers[answer].label, rs->answers[answer].next, NULL, &cause) != 0) {
				unattended_rec_fail(cause);
				cause = NULL;
			}
			unattended_append(o, rs->id, INCIDENT_EV_STEP_DONE, "");
			unattended_print(_("  %s -> %s (the default)\n"), rs->question,
			    rs->answers[answer].label);
			break;
		case RB_RUN:
		case RB_ACTION:
			if (unattended_command(o, rs, &simulated, &why) != 0) {
				fail = xasprintf(_("step %s (%s) failed: %s"), rs->id, rs->title,
				    why);
				free(why);
				why = NULL;
			} else
				ran++;
			break;
		default:
			break;
		}
		done++;
		if (fail == NULL)
			i = runbook_next_step(rb, (size_t)i, answer);
	}
	free(visits);
	*verdict = NULL;
	if (fail == NULL && unattended_rec_err != NULL)
		fail = xasprintf(_("the record cannot be written: %s"), unattended_rec_err);
	free(unattended_rec_err);
	unattended_rec_err = NULL;
	if (incident_close(o->store, o->inc->id, "drill complete", NULL, &cause) != 0) {
		*verdict = xasprintf(_("FAIL: drill %s: not closed: %s"), o->inc->id, cause);
		free(cause);
		free(fail);
		return (EX_IOERR);
	}
	if (o->closed != NULL)
		o->closed(o->conf);
	unattended_report(o);
	if (fail == NULL)
		fail = unattended_verdict(o);
	if (fail != NULL) {
		*verdict = xasprintf(_("FAIL: drill %s of %s: %s"), o->inc->id, rb->id, fail);
		free(fail);
		return (1);
	}
	*verdict = xasprintf(_("PASS: drill %s of %s: %zu steps, %zu commands run (%d "
	    "simulated), %zu checklists and prompts not checked"), o->inc->id, rb->id, done,
	    ran - (size_t)simulated, simulated, unchecked);
	return (0);
}
