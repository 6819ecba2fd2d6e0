/*
 * tui-main.c: the main screen: header with clocks, step list, step pane, output, footer.
 *
 * Its state is its screen data (struct main_state: the focus, the cursors, the scroll
 * positions); tui_main_draw (tui-main-draw.c) lays out main_header, main_list, main_pane,
 * main_output, the status line and main_footer. Every key is a row of tui_main_keys[]
 * (tui-main-keys.c: {key, when: pane, step kind, open/idle/busy; handler; footer label;
 * help}): tui_main_key runs the first row that applies, main_footer and the help screen
 * (tui-dialog.c) read the same rows. A new key is one row there; the step's own work
 * stays in the main_key_* functions. The supervisor of a step's command is
 * tui-main-child.c's. This file holds the screen's table, its state, a step's
 * settings and command, and the once-a-second tick.
 */
#include "system.h"


#include "engine/host/action.h"
#include "engine/set/catalog.h"
#include "engine/stream/pitr.h"
#include "ui/tui-main-int.h"
#include "util/xmalloc.h"

/* The main screen's state: the bottom of the screen stack. */
struct main_state *
tui_main_st(struct tui *t)
{
	return (t->stack[0].data);
}

/* The step the pane shows: the list cursor while the list has the focus, else the current one. */
int
tui_main_view(struct tui *t, struct main_state *m)
{
	if (m->focus == MF_LIST)
		return (m->list_cur);
	return (t->w.current);
}

/*
 * The settings step i works with, and their file in *path: in a drill with a
 * sandbox, the sandbox's, except for actions that keep the live settings
 * (drill_live); else the live ones.
 */
const struct conf *
tui_main_step_conf(struct tui *t, int i, const char **path)
{
	const struct rb_step	*rs = &t->w.rb->steps[i];
	const struct action_def	*def;

	def = rs->kind == RB_ACTION ? action_find(rs->action) : NULL;
	if (t->o->inc->mode == INCIDENT_MODE_DRILL && t->o->drill_conf != NULL &&
	    (def == NULL || !def->drill_live)) {
		*path = t->o->drill_config;
		return (t->o->drill_conf);
	}
	*path = t->o->config_path;
	return (t->o->conf);
}

/*
 * What a drill does with step i: the runbook's rule, except that an action
 * which would replace data in the sandbox is only simulated when the drill
 * has no sandbox (one declared before drills had them).
 */
enum rb_drill
tui_main_drill_rule(struct tui *t, const struct rb_step *rs)
{
	const struct action_def	*def;
	enum rb_drill		 d = runbook_drill_rule(rs);

	def = rs->kind == RB_ACTION ? action_find(rs->action) : NULL;
	if (d == RB_DRILL_RUN && t->o->drill_conf == NULL && def != NULL &&
	    def->destructive)
		return (RB_DRILL_SIMULATE);
	return (d);
}

/*
 * The command of a run or action step with its variables substituted, as it
 * is shown and recorded. For an action, *argvp gets the child's argv (caller
 * frees it and its strings); for a run step it is left NULL. Returns NULL and
 * *cause when a variable or the action is unknown.
 */
char *
tui_main_command(struct tui *t, int i, char ***argvp, char **cause)
{
	const struct conf	*c;
	const char		*path;
	struct rb_var		*vars;
	char			*cmd;
	size_t			 nv;
	int64_t			 before;

	c = tui_main_step_conf(t, i, &path);
	vars = runbook_vars_incident(c, t->o->inc, t->o->conf->state_dir, &nv);
	/* restore_before: detected: only points before the detection, to the ms */
	before = t->w.rb->restore_before_detected ? t->o->inc->detected_ms : -1;
	cmd = runbook_step_command(&t->w.rb->steps[i], vars, nv, t->o->self, path, before,
	    argvp, cause);
	runbook_vars_free(vars, nv);
	return (cmd);
}

/* Make step i the current one in the record (step-started the first time). */
void
tui_main_goto(struct tui *t, int i)
{
	const struct rb_step	*rs = &t->w.rb->steps[i];

	if (i == t->w.current)
		return;
	if (!t->w.steps[i].visited)
		tui_record(t, rs->id, INCIDENT_EV_STEP_STARTED, rs->title);
	else
		tui_record(t, rs->id, INCIDENT_EV_CURSOR, "");
}

/* Relayout: the wrapped output changes, so it follows its end again. */
static void
main_resize(struct tui *t, struct screen *sc)
{
	struct main_state	*m = sc->data;

	m->out_top = -1;
	m->item_show = true;
}

/* Free the main screen's state. */
static void
main_clear(struct screen *sc)
{
	struct main_state	*m = sc->data;

	free(m->result_seen);
	free(m);
}

/*
 * The newest restorable point (the newest set's own time, from its name, or
 * the stream's caught-up point, whichever is newer) and whether the configured protection can meet
 * the incident's RPO target; a target newly out of reach goes on the status line.
 */
static void
main_scan_rpo(struct tui *t)
{
	const struct conf	*c = t->o->conf;
	struct stream_status	 st;
	struct pitr_protection	 prot;
	int64_t			 now = tui_now_ms(), sp, limit = INT64_MAX;
	char			*cause = NULL, *warn;

	/* restore_before: detected: only points from before the detection count */
	if (t->w.rb->restore_before_detected)
		limit = t->o->inc->detected_ms;
	t->rpo_newest_ms = catalog_newest(c->backup_dir, limit);
	t->rpo_stream = false;
	t->rpo_scanned_ms = now;
	if (stream_status_read(c->backup_dir, &st, &cause) != 0) {
		free(cause);
		memset(&st, 0, sizeof st);
	}
	sp = st.caught_up_ms > st.segment_ms ? st.caught_up_ms : st.segment_ms;
	/* a stream that kept points from before the limit reaches just before it */
	if (sp >= limit)
		sp = st.oldest_ms > 0 && st.oldest_ms < limit ? limit - 1 : 0;
	if (st.present && sp > t->rpo_newest_ms) {
		t->rpo_newest_ms = sp;
		t->rpo_stream = true;
	}
	pitr_protection(c, &st, now, &prot);
	warn = pitr_rpo_warning(t->w.rb->id, t->o->inc->rpo, &prot);
	if (warn != NULL && t->rpo_warn == NULL && !t->w.closed)
		tui_status(t, true, "%s", warn);
	free(t->rpo_warn);
	t->rpo_warn = warn;
	stream_status_clear(&st);
}

/* Before the first screen: the first step becomes current when none is; the backups are scanned. */
static void
main_first(struct tui *t)
{
	if (t->w.current < 0 && t->w.rb->nsteps > 0 && !t->w.closed)
		tui_main_goto(t, 0);
	tui_main_settle(t);
	main_scan_rpo(t);
}

/*
 * Once a second (the screen's tick): read other TUIs' events, reap a child,
 * record crossed clock thresholds, rescan the backups now and then. Redraws.
 */
static int
main_tick(struct tui *t, struct screen *sc)
{
	const struct incident	*inc = t->o->inc;
	int64_t			 now = tui_now_ms(), el;

	if (t->w.current < 0 && t->w.rb->nsteps > 0 && !t->w.closed)
		tui_main_goto(t, 0);
	tui_sync(t);
	if (t->proc != NULL && (proc_tick(t->proc) || proc_fd(t->proc) == -1))
		tui_main_child_io(t);
	tui_main_settle(t);
	if (now - t->rpo_scanned_ms >= 10000)
		main_scan_rpo(t);
	if (!t->w.closed && inc->rto > 0) {
		el = now - inc->detected_ms;
		/*
		 * The highest threshold crossed and not yet recorded (it implies
		 * the lower ones); the incident's follower tells notify.webhook
		 * and notify.command from the record (alert.c).
		 */
		if (!t->w.clock_alarm && el > inc->rto * 1000)
			tui_record(t, NULL, INCIDENT_EV_CLOCK, "rto-breached");
		else if (!t->w.clock_attention && el * 5 >= inc->rto * 4000)
			tui_record(t, NULL, INCIDENT_EV_CLOCK, "rto-80");
		else if (!t->w.clock_half && el * 2 >= inc->rto * 1000)
			tui_record(t, NULL, INCIDENT_EV_CLOCK, "rto-50");
	}
	/*
	 * No "rpo-breached" event: the data lost is fixed by the point a restore
	 * installs, which the record gets as a "restored" event; the header says
	 * whether the target is met from it (main_rpo_words).
	 */
	if (t->status != NULL && now >= t->status_until_ms) {
		free(t->status);
		t->status = NULL;
	}
	return (SCR_REDRAW);
}

/* On a terminal too small for the screen: the RTO clock keeps running (caller frees). */
static char *
main_small(struct tui *t, struct screen *sc, attr_t *a)
{
	return (tui_main_rto(t, a));
}

static const struct screen_ops tui_main_screen = {
	.name = "main",
	.draw = tui_main_draw,
	.key = tui_main_key,
	.resize = main_resize,
	.tick = main_tick,
	.child = tui_main_child,
	.hangup = tui_main_hangup,
	.small = main_small,
	.clear_data = main_clear,
};

/*
 * Push the main screen with its state (the focus, the cursors and scroll
 * positions), record a resume, and make the first step current.
 */
static void
main_open(struct tui *t)
{
	struct main_state	*m = xcalloc(1, sizeof *m);

	m->focus = MF_STEP;
	m->seen_step = -2;
	m->result_step = -2;
	m->out_top = -1;
	tui_push(t, &tui_main_screen, m);
	if (t->o->resumed)
		tui_record(t, NULL, INCIDENT_EV_RESUMED, "");
	main_first(t);
}

/*
 * Walk the incident on the terminal, the main screen first, until the
 * operator leaves, closes it, or a signal ends the TUI (tui_run).
 */
int
tui_main(const struct tui_opts *o, enum tui_end *end, char **cause)
{
	return (tui_run(o, main_open, end, cause));
}
