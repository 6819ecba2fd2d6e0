/*
 * tui-main-child.c: the child process of a step: the supervisor (cmd-supervise.c)
 * that runs a step's command and records it, started by x, cancelled by c,
 * followed through its pipe, let go when the TUI ends; runs whose supervisor
 * is gone are settled.
 */
#include "system.h"

#include <signal.h>

#include "engine/host/action.h"
#include "ui/tui-main-int.h"
#include "util/xmalloc.h"

/*
 * The argv that starts the supervisor of a step's command: self [--config
 * FILE] supervise --incident ID --step STEP --run RUN --client CLIENT
 * --command TEXT [-- ARGV...]. The array is the caller's to free; its
 * strings stay s's.
 */
const char **
tui_main_supervise_argv(const struct tui_supervise *s)
{
	const char	**sv;
	size_t		  k = 0, n;

	for (n = 0; s->argv != NULL && s->argv[n] != NULL; n++)
		;
	sv = xcalloc(n + 16, sizeof *sv);
	sv[k++] = s->self;
	if (s->config != NULL) {
		sv[k++] = "--config";
		sv[k++] = s->config;
	}
	sv[k++] = "supervise";
	sv[k++] = "--incident";
	sv[k++] = s->incident;
	sv[k++] = "--step";
	sv[k++] = s->step;
	sv[k++] = "--run";
	sv[k++] = s->run;
	sv[k++] = "--client";
	sv[k++] = s->client;
	sv[k++] = "--command";
	sv[k++] = s->command;
	if (s->argv != NULL) {
		sv[k++] = "--";
		for (n = 0; s->argv[n] != NULL; n++)
			sv[k++] = s->argv[n];
	}
	sv[k] = NULL;
	return (sv);
}

/*
 * Start the supervisor of step i's command (cmd-supervise.c): it claims the
 * run in the record, runs the command and records its output and exit, even
 * when this TUI is gone. What it says goes to the status line.
 */
static void
main_start(struct tui *t, int i)
{
	const struct rb_step	*rs = &t->w.rb->steps[i];
	struct tui_supervise	 s;
	struct proc_opts	 po;
	const char		*path, **sv;
	char			*cmd, **argv = NULL, **env, *cause = NULL, *client;
	int			 r;

	if ((cmd = tui_main_command(t, i, &argv, &cause)) == NULL) {
		tui_status(t, true, "%s", cause);
		free(cause);
		return;
	}
	free(t->proc_run);
	t->proc_run = run_new_id();
	client = run_client();
	memset(&s, 0, sizeof s);
	s.self = t->o->self;
	s.config = t->o->config_path;
	s.incident = t->o->inc->id;
	s.step = rs->id;
	s.run = t->proc_run;
	s.client = client;
	s.command = cmd;
	s.argv = argv;
	sv = tui_main_supervise_argv(&s);
	/* the step's settings (a drill's sandbox) for the command; the record stays ours */
	tui_main_step_conf(t, i, &path);
	env = runbook_step_env(t->o->inc, rs->id, path, t->o->conf->state_dir, NULL);
	memset(&po, 0, sizeof po);
	po.env = (const char *const *)env;
	r = proc_start(sv, &po, &t->proc, &cause);
	runbook_step_env_free(env);
	free(sv);
	free(client);
	if (r != 0) {
		t->proc = NULL;
		tui_status(t, true, _("not started: %s"), cause);
		free(cause);
		goto out;
	}
	t->proc_step = i;
	t->proc_bytes = t->proc_dropped = 0;
	buf_reset(&t->proc_msg);
	tui_main_st(t)->out_top = -1;
out:
	free(cmd);
	runbook_step_env_free(argv);
}

/* The answer to "run this command?". */
static void
main_run_confirmed(struct tui *t, bool ok, const char *text, void *arg)
{
	if (ok)
		main_start(t, (int)(intptr_t)arg);
}

/* x: run, simulate or skip the command of step i, as the drill rule and confirm: say. */
void
tui_main_key_run(struct tui *t, int i)
{
	const struct rb_step	*rs = &t->w.rb->steps[i];
	const struct action_def	*def;
	char			*cmd, *cause = NULL, *msg;
	bool			 ask;

	if (rs->kind != RB_RUN && rs->kind != RB_ACTION) {
		tui_status(t, true, "%s", _("This step has no command to run."));
		return;
	}
	if (t->proc != NULL) {
		tui_status(t, true, "%s", _("A command is running already."));
		return;
	}
	/* a run whose supervisor is gone does not hold the step: the claim settles it */
	if (t->w.steps[i].running && run_life(&t->w.steps[i].claim) != RUN_GONE) {
		msg = run_holder_text(&t->w.steps[i].claim, tui_now_ms());
		tui_status(t, true, _("Not started: the step is %s."), msg);
		free(msg);
		return;
	}
	if ((cmd = tui_main_command(t, i, NULL, &cause)) == NULL) {
		tui_status(t, true, "%s", cause);
		free(cause);
		return;
	}
	if (t->o->inc->mode == INCIDENT_MODE_DRILL) {
		switch (tui_main_drill_rule(t, rs)) {
		case RB_DRILL_SIMULATE:
			msg = xasprintf("%s%s", WALK_SIMULATED, cmd);
			if (tui_record(t, rs->id, INCIDENT_EV_STEP_DONE, msg) == 0)
				tui_status(t, false, "%s", _("Simulated (drill): not run. d moves on."));
			free(msg);
			free(cmd);
			return;
		case RB_DRILL_SKIP:
			if (tui_record(t, rs->id, INCIDENT_EV_STEP_SKIPPED,
			    _("not run in drills (drill: skip)")) == 0)
				tui_main_advance(t, i);
			free(cmd);
			return;
		default:
			break;
		}
	}
	def = rs->kind == RB_ACTION ? action_find(rs->action) : NULL;
	ask = rs->confirm || (def != NULL && def->destructive);
	if (ask) {
		msg = xasprintf(_("Run this command?\n$ %s\n(y/n)"), cmd);
		tui_confirm(t, _("Confirm"), msg, main_run_confirmed, (void *)(intptr_t)i);
		free(msg);
	} else
		main_start(t, i);
	free(cmd);
}

/* Whether step i's last run is the one this TUI's supervisor claimed. */
bool
tui_main_run_ours(struct tui *t, int i)
{
	const struct run_claim	*c = &t->w.steps[i].claim;

	return (t->proc != NULL && t->proc_step == i && t->proc_run != NULL &&
	    c->run != NULL && strcmp(c->run, t->proc_run) == 0);
}

/* Ask the supervisor of step i's live run to cancel it. */
static void
main_cancel_run(struct tui *t, int i)
{
	char	*cause = NULL;

	if (run_cancel(&t->w.steps[i].claim, &cause) != 0) {
		tui_status(t, true, _("not cancelled: %s"), cause);
		free(cause);
		return;
	}
	tui_status(t, false, "%s", _("Cancelling: SIGTERM sent, SIGKILL follows in 3 s."));
}

/* The answer to "cancel another operator's run?". */
static void
main_cancel_confirmed(struct tui *t, bool ok, const char *text, void *arg)
{
	int	i = (int)(intptr_t)arg;

	if (ok && t->w.steps[i].running)
		main_cancel_run(t, i);
}

/* The answer to "give up a run of another host?". */
static void
main_abandon_confirmed(struct tui *t, bool ok, const char *text, void *arg)
{
	int		 i = (int)(intptr_t)arg, r;
	char		*cause = NULL;

	if (!ok || !t->w.steps[i].running || t->w.steps[i].claim.run == NULL)
		return;
	if ((r = run_abandon(t->o->store, t->o->inc->id, t->w.rb->steps[i].id,
	    t->w.steps[i].claim.run, &cause)) < 0) {
		tui_status(t, true, _("not recorded: %s"), cause);
		free(cause);
		return;
	}
	tui_sync(t);
	tui_status(t, false, "%s", r > 0 ? _("Recorded as ended, outcome unknown.") :
	    _("The run has ended meanwhile."));
}

/*
 * c: cancel the step's run through its supervisor, ours at once, another
 * TUI's after asking; a run whose supervisor is gone is settled as "outcome
 * unknown" (never "interrupted"); a run of an older version is marked
 * interrupted. Everything is checked before anything is written.
 */
void
tui_main_key_cancel(struct tui *t, int i)
{
	const struct run_claim	*c;
	char			*cause = NULL, *who, *msg;
	int			 r;

	if (i < 0)
		return;
	if (t->proc != NULL && t->proc_step == i && !t->w.steps[i].running) {
		/* not claimed yet: the supervisor cancels as soon as it has */
		kill(proc_pid(t->proc), SIGTERM);
		tui_status(t, false, "%s", _("Cancelling: SIGTERM sent, SIGKILL follows in 3 s."));
		return;
	}
	if (!t->w.steps[i].running) {
		tui_status(t, true, "%s", _("Nothing is running."));
		return;
	}
	c = &t->w.steps[i].claim;
	switch (run_life(c)) {
	case RUN_ALIVE:
		if (tui_main_run_ours(t, i)) {
			main_cancel_run(t, i);
			break;
		}
		who = run_holder_text(c, tui_now_ms());
		msg = xasprintf(_("The step is %s. Cancel that run? (y/n)"), who);
		tui_confirm(t, _("Cancel"), msg, main_cancel_confirmed, (void *)(intptr_t)i);
		free(msg);
		free(who);
		break;
	case RUN_GONE:
		if ((r = run_settle(t->o->store, t->o->inc->id, t->w.rb->steps[i].id,
		    &cause)) < 0) {
			tui_status(t, true, _("not recorded: %s"), cause);
			free(cause);
			break;
		}
		tui_sync(t);
		tui_status(t, false, "%s", r > 0 ?
		    _("Its supervisor is gone: recorded as ended, outcome unknown.") :
		    _("The run has ended meanwhile."));
		break;
	case RUN_ELSEWHERE:
		who = run_holder_text(c, tui_now_ms());
		msg = xasprintf(_("The step is %s, which cannot be checked from here. Only if "
		    "that host is gone: record the run as ended, outcome unknown? (y/n)"), who);
		tui_confirm(t, _("Cancel"), msg, main_abandon_confirmed, (void *)(intptr_t)i);
		free(msg);
		free(who);
		break;
	case RUN_UNCLAIMED:
		if ((r = run_mark_interrupted(t->o->store, t->o->inc->id,
		    t->w.rb->steps[i].id, &cause)) < 0) {
			tui_status(t, true, _("not recorded: %s"), cause);
			free(cause);
			break;
		}
		tui_sync(t);
		tui_status(t, false, "%s", _("The unfinished run is marked as interrupted."));
		break;
	}
}


/* The supervisor has ended: its run is in the record; say what it said when it did not run it. */
static void
main_child_end(struct tui *t)
{
	char	 st[128];
	int	 code;

	tui_sync(t);
	code = proc_exit_code(t->proc);
	proc_status_string(t->proc, st, sizeof st);
	while (t->proc_msg.len > 0 && t->proc_msg.data[t->proc_msg.len - 1] == ' ')
		t->proc_msg.data[--t->proc_msg.len] = '\0';
	if (code == EX_TEMPFAIL && t->proc_msg.len > 0)
		tui_status(t, true, "%s", t->proc_msg.data);
	else if (code == EX_TEMPFAIL)
		tui_status(t, false, "%s", _("Not started: cancelled before it began."));
	else if (code != 0)
		tui_status(t, true, _("the supervisor of the step's command failed (%s): %s"), st,
		    t->proc_msg.len > 0 ? t->proc_msg.data : "-");
	proc_free(t->proc);
	t->proc = NULL;
	t->proc_step = -1;
	buf_reset(&t->proc_msg);
}

/* Read what the supervisor says: a newline means the record has grown; text is a message. */
void
tui_main_child_io(struct tui *t)
{
	struct buf	 b;
	char		*cause = NULL;
	size_t		 k;
	int		 r;

	if (t->proc == NULL)
		return;
	buf_init(&b);
	if (proc_fd(t->proc) != -1) {
		r = proc_read(t->proc, &b, 0, &cause);
		for (k = 0; k < b.len; k++)
			if (b.data[k] != '\n' && t->proc_msg.len < 4096)
				buf_addc(&t->proc_msg, b.data[k]);
			else if (b.data[k] == '\n' && t->proc_msg.len > 0 &&
			    t->proc_msg.data[t->proc_msg.len - 1] != ' ')
				buf_addc(&t->proc_msg, ' ');
		if (b.len > 0)
			tui_sync(t);
		if (r < 0) {
			tui_status(t, true, "%s", cause);
			free(cause);
		}
	}
	buf_clear(&b);
	if (proc_fd(t->proc) == -1 && proc_reap(t->proc))
		main_child_end(t);
}

/* The screen's child hook: the supervisor's pipe is ready (or closed): follow the record. */
int
tui_main_child(struct tui *t, struct screen *sc)
{
	tui_main_child_io(t);
	return (SCR_REDRAW);
}

/*
 * The screen's hangup hook: the TUI is ending with its supervisor running:
 * let it go on. It records the output and the end itself; resume shows the
 * run meanwhile.
 */
void
tui_main_hangup(struct tui *t, struct screen *sc, const char *why)
{
	(void)why;
	if (t->proc == NULL)
		return;
	proc_detach(t->proc);
	t->proc = NULL;
	t->proc_step = -1;
}

/*
 * Settle the runs whose supervisor is gone (at most every 2 s, only when the
 * walk shows a running step that is not ours). Returns whether any was.
 */
bool
tui_main_settle(struct tui *t)
{
	int64_t	 now = tui_now_ms();
	size_t	 i;
	char	*cause = NULL;
	int	 r;
	bool	 look = false;

	if (t->w.closed || now - t->settle_ms < 2000)
		return (false);
	for (i = 0; i < t->w.rb->nsteps && !look; i++)
		look = t->w.steps[i].running && !tui_main_run_ours(t, (int)i) &&
		    run_life(&t->w.steps[i].claim) == RUN_GONE;
	if (!look)
		return (false);
	t->settle_ms = now;
	if ((r = run_settle(t->o->store, t->o->inc->id, NULL, &cause)) < 0) {
		tui_status(t, true, _("not recorded: %s"), cause);
		free(cause);
		return (false);
	}
	tui_sync(t);
	if (r > 0)
		tui_status(t, false, "%s", _("A run whose supervisor is gone is recorded as "
		    "ended, outcome unknown."));
	return (r > 0);
}
