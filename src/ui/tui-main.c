/*
 * tui-main.c: the main screen: header with clocks, step list, step pane, output, footer.
 *
 * Its state is its screen data (struct main_state: the focus, the cursors, the scroll
 * positions); main_draw lays out main_header, main_list, main_pane, main_output, the
 * status line and main_footer. Every key is a row of tui_main_keys[] ({key, when: pane,
 * step kind, open/idle/busy; handler; footer label; help}): main_key runs the first row
 * that applies, main_footer and the help screen (tui-dialog.c) read the same rows. A new
 * key is one row there; the step's own work stays in the main_key_* functions.
 */
#include "system.h"

#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <time.h>

#include "engine/host/action.h"
#include "engine/set/catalog.h"
#include "engine/stream/pitr.h"
#include "ui/tui-int.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* A line of the step pane that says how the step's command runs or ended (struct pline's item). */
#define PL_RESULT	-2

/* One line of the step pane; item is the index of what the cursor selects on it, or -1. */
struct pline {
	char	*text;
	attr_t	 attr;
	int	 item;
};

/* The lines of the step pane while they are built, wrapped to width. */
struct plines {
	struct pline	*l;
	size_t		 n;
	int		 width;
};

/* Which pane of the main screen has the focus (Tab moves it in this order). */
enum main_focus { MF_STEP, MF_LIST, MF_OUT };

/* The main screen's state (its screen data): the focus, the cursors, the scroll positions. */
struct main_state {
	enum main_focus	 focus;
	int		 seen_step;	/* the current step when last drawn */
	int		 list_cur;	/* the step list's cursor */
	int		 list_top;
	int		 list_h;	/* the list's height when last drawn */
	int		 item_cur;	/* the item of the current step the keys act on */
	bool		 item_show;	/* scroll the step pane to it at the next draw */
	int		 pane_top;	/* the step pane's first line */
	int		 pane_h;
	int		 pane_n;	/* the step pane's lines when last drawn */
	bool		 pane_more;	/* the step pane has more below */
	int		 result_step;	/* the step whose result line was last seen */
	char		*result_seen;	/* that line; a new one is scrolled into view */
	int		 out_top;	/* the output's first row; -1: follow its end */
	int		 out_h;
	int		 out_n;		/* rows of output when last drawn */
};

/* The main screen's state: the bottom of the screen stack. */
static struct main_state *
main_st(struct tui *t)
{
	return (t->stack[0].data);
}

/* The step the pane shows: the list cursor while the list has the focus, else the current one. */
static int
main_view(struct tui *t, struct main_state *m)
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
static const struct conf *
main_step_conf(struct tui *t, int i, const char **path)
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
static enum rb_drill
main_drill_rule(struct tui *t, const struct rb_step *rs)
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
static char *
main_command(struct tui *t, int i, char ***argvp, char **cause)
{
	const struct conf	*c;
	const char		*path;
	struct rb_var		*vars;
	char			*cmd;
	size_t			 nv;
	int64_t			 before;

	c = main_step_conf(t, i, &path);
	vars = runbook_vars_incident(c, t->o->inc, t->o->conf->state_dir, &nv);
	/* restore_before: detected: only points before the detection, to the ms */
	before = t->w.rb->restore_before_detected ? t->o->inc->detected_ms : -1;
	cmd = runbook_step_command(&t->w.rb->steps[i], vars, nv, t->o->self, path, before,
	    argvp, cause);
	runbook_vars_free(vars, nv);
	return (cmd);
}

/* Add one line, as it is, to the pane. */
static void
pl_line(struct plines *pl, attr_t attr, int item, char *text)
{
	pl->l = xreallocarray(pl->l, pl->n + 1, sizeof *pl->l);
	pl->l[pl->n].text = text;
	pl->l[pl->n].attr = attr;
	pl->l[pl->n].item = item;
	pl->n++;
}

/* Add text word-wrapped to width, each line prefixed with indent spaces. */
static void
pl_wrap(struct plines *pl, attr_t attr, int item, int width, int indent, const char *text)
{
	char	**lines;
	size_t	  n, i;

	lines = tui_wrap(text, width - indent, &n);
	for (i = 0; i < n; i++)
		pl_line(pl, attr, item, xasprintf("%*s%s", indent, "", lines[i]));
	str_list_free(lines, n);
}

/* Add a formatted line to the pane, wrapped to its width: nothing in the pane is cut. */
static void
pl_add(struct plines *pl, attr_t attr, int item, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	pl_wrap(pl, attr, item, pl->width, 0, s);
	free(s);
}

/* Free the pane's lines. */
static void
pl_clear(struct plines *pl)
{
	size_t	i;

	for (i = 0; i < pl->n; i++)
		free(pl->l[i].text);
	free(pl->l);
}

/* How many items the cursor moves over in step i (checklist items, answers, questions). */
static int
main_nitems(struct tui *t, int i)
{
	const struct rb_step	*rs;

	if (i < 0)
		return (0);
	rs = &t->w.rb->steps[i];
	switch (rs->kind) {
	case RB_CHECKLIST:
		return ((int)rs->nitems);
	case RB_DECIDE:
		return ((int)rs->nanswers);
	case RB_PROMPT:
		return ((int)rs->nquestions);
	default:
		return (0);
	}
}

/* What a drill does with step i, as a sentence, or NULL when it runs normally. */
static const char *
main_drill_text(struct tui *t, int i)
{
	const struct rb_step	*rs = &t->w.rb->steps[i];
	const char		*path;

	if (t->o->inc->mode != INCIDENT_MODE_DRILL ||
	    (rs->kind != RB_RUN && rs->kind != RB_ACTION))
		return (NULL);
	switch (main_drill_rule(t, rs)) {
	case RB_DRILL_SIMULATE:
		return (_("Drill: simulated, not run (x records it)"));
	case RB_DRILL_SKIP:
		return (_("Drill: skipped in drills (x skips it)"));
	default:
		if (main_step_conf(t, i, &path) != t->o->conf)
			return (_("Drill: runs in the drill's sandbox, never on live paths"));
		return (_("Drill: runs with the live settings (it only reads them or adds "
		    "to backup_dir)"));
	}
}

static bool	main_run_ours(struct tui *, int);

/* The line of a running step: ours, another live run (who, pid, age), or one nobody can watch. */
static void
main_pane_run(struct tui *t, int i, int width, struct plines *pl)
{
	const struct run_claim	*c = &t->w.steps[i].claim;
	char			*who, *s;

	if (main_run_ours(t, i)) {
		pl_wrap(pl, t->attr[ROLE_RUNNING], PL_RESULT, width, 0, _("Running... (c cancels)"));
		return;
	}
	who = run_holder_text(c, tui_now_ms());
	switch (run_life(c)) {
	case RUN_ALIVE:
		s = xasprintf(_("Running, %s (c cancels)"), who);
		break;
	case RUN_GONE:
		s = xasprintf(_("Its supervisor is gone (%s): being settled"), who);
		break;
	case RUN_ELSEWHERE:
		s = xasprintf(_("Running, %s: cannot be checked here (c gives it up)"), who);
		break;
	default:
		s = xasprintf(_("Unfinished, %s (c marks it interrupted)"), who);
		break;
	}
	pl_wrap(pl, t->attr[ROLE_RUNNING], PL_RESULT, width, 0, s);
	free(s);
	free(who);
}

/* Build the lines of the step pane for step i in width columns. */
static void
main_pane_lines(struct tui *t, int i, int width, struct plines *pl)
{
	const struct rb_step	*rs = &t->w.rb->steps[i];
	const struct walk_step	*ws = &t->w.steps[i];
	const struct incident_event *ev;
	const struct conf_contact *ct;
	char			 e1[16], e2[16], exp[TIMEUTIL_BUFSZ];
	char			*cmd, *cause = NULL, *s, *reach;
	const char		*drill, *mark;
	int64_t			 el;
	size_t			 k;
	attr_t			 a;

	pl_add(pl, t->attr[ROLE_TITLE], -1, _("Step %d/%zu: %s"), i + 1, t->w.rb->nsteps,
	    rs->title);
	el = 0;
	if (ws->started_ms > 0) {
		if (ws->state == WALK_DONE || ws->state == WALK_SKIPPED)
			el = ws->ended_ms - ws->started_ms;
		else
			el = (t->w.closed ? t->w.closed_ms : tui_now_ms()) - ws->started_ms;
	}
	a = rs->expect > 0 && el > rs->expect * 1000 ? t->attr[ROLE_ATTENTION] : A_NORMAL;
	if (rs->expect > 0)
		tui_dur(rs->expect, exp, sizeof exp);
	else
		xsnprintf(exp, sizeof exp, "-");
	s = xasprintf(_("Role: %s  Expected: %s  Elapsed: %s  State: %s"),
	    rs->role != NULL ? rs->role : "-", exp,
	    ws->started_ms > 0 ? tui_clock(el, e1, sizeof e1) : "-",
	    i == t->w.current && ws->state == WALK_PENDING ? _("current") :
	    walk_state_name(ws->state));
	pl_wrap(pl, a, -1, width, 0, s);
	free(s);
	(void)e2;
	/* who holds the role and how to reach them (dr.yaml's contacts:; C lists them all) */
	if (t->o->conf != NULL && rs->role != NULL &&
	    (ct = conf_contact_find(t->o->conf, rs->role)) != NULL &&
	    (reach = conf_contact_text(ct)) != NULL) {
		s = xasprintf(_("Reach: %s"), reach);
		pl_wrap(pl, A_NORMAL, -1, width, 0, s);
		free(s);
		free(reach);
	}
	if (rs->description != NULL)
		pl_wrap(pl, A_NORMAL, -1, width, 0, rs->description);

	switch (rs->kind) {
	case RB_RUN:
	case RB_ACTION:
		if (rs->kind == RB_ACTION)
			pl_add(pl, t->attr[ROLE_DIM], -1, _("Action: %s"), rs->action);
		if ((cmd = main_command(t, i, NULL, &cause)) == NULL) {
			pl_wrap(pl, t->attr[ROLE_FAILED], -1, width, 0, cause);
			free(cause);
		} else {
			s = xasprintf("$ %s", cmd);
			pl_wrap(pl, t->attr[ROLE_COMMAND], -1, width, 2, s);
			free(s);
			free(cmd);
		}
		if ((drill = main_drill_text(t, i)) != NULL)
			pl_wrap(pl, t->attr[ROLE_DRILL], -1, width, 0, drill);
		else if (rs->confirm)
			pl_add(pl, t->attr[ROLE_DIM], -1, "%s", _("Asks for confirmation before it runs."));
		if (ws->running)
			main_pane_run(t, i, width, pl);
		else if (ws->status != NULL)
			pl_add(pl, ws->exit_ok ? t->attr[ROLE_DONE] : t->attr[ROLE_FAILED], PL_RESULT,
			    _("Result: %s"), ws->status);
		break;
	case RB_CHECKLIST:
		for (k = 0; k < rs->nitems; k++) {
			s = xasprintf("[%s] %s", ws->ticks[k] ? "x" : " ", rs->items[k]);
			pl_wrap(pl, ws->ticks[k] ? t->attr[ROLE_DONE] : A_NORMAL, (int)k, width, 2, s);
			free(s);
		}
		break;
	case RB_DECIDE:
		pl_wrap(pl, t->attr[ROLE_TITLE], -1, width, 0, rs->question);
		for (k = 0; k < rs->nanswers; k++) {
			mark = ws->decision == (int)k ? "(*)" : "( )";
			if (rs->answers[k].next != NULL)
				s = xasprintf("%s %s -> %s", mark, rs->answers[k].label,
				    rs->answers[k].next);
			else
				s = xasprintf("%s %s", mark, rs->answers[k].label);
			pl_wrap(pl, ws->decision == (int)k ? t->attr[ROLE_DONE] : A_NORMAL,
			    (int)k, width, 2, s);
			free(s);
		}
		break;
	case RB_PROMPT:
		for (k = 0; k < rs->nquestions; k++) {
			s = xasprintf("? %s", rs->questions[k].text);
			pl_wrap(pl, A_NORMAL, (int)k, width, 2, s);
			free(s);
			s = xasprintf("> %s", ws->answers[k] != NULL ? ws->answers[k] :
			    _("(no answer yet: Enter)"));
			pl_wrap(pl, ws->answers[k] != NULL ? t->attr[ROLE_DONE] : t->attr[ROLE_DIM],
			    (int)k, width, 4, s);
			free(s);
		}
		break;
	case RB_USE:
		pl_add(pl, A_NORMAL, -1, _("Uses runbook %s"), rs->use);
		break;
	}
	if (ws->state == WALK_SKIPPED && ws->skip_reason != NULL) {
		s = xasprintf(_("Skipped: %s"), ws->skip_reason);
		pl_wrap(pl, t->attr[ROLE_SKIPPED], -1, width, 0, s);
		free(s);
	}
	/* the notes on this step, newest last */
	for (k = 0; k < t->w.nevs; k++) {
		ev = &t->w.evs[k];
		if (ev->kind != INCIDENT_EV_NOTE || ev->step == NULL ||
		    strcmp(ev->step, rs->id) != 0)
			continue;
		s = xasprintf(_("Note (%s): %s"), ev->operator != NULL ? ev->operator : "?",
		    ev->payload);
		pl_wrap(pl, t->attr[ROLE_ATTENTION] & ~A_BOLD, -1, width, 0, s);
		free(s);
	}
}

/*
 * The RTO clock as the header shows it (caller frees), and in *a its
 * attribute: attention at 75% of the target, alarm past it.
 */
char *
tui_main_rto(struct tui *t, attr_t *a)
{
	const struct incident	*inc = t->o->inc;
	char			 c1[16], c2[16], c3[16];
	int64_t			 now, el, target, left;

	now = t->w.closed ? t->w.closed_ms : tui_now_ms();
	el = now - inc->detected_ms;
	target = inc->rto * 1000;
	left = target - el;
	if (target > 0 && el > target)
		*a = t->attr[ROLE_ALARM];
	else if (target > 0 && el * 4 >= target * 3)
		*a = t->attr[ROLE_ATTENTION];
	else
		*a = t->attr[ROLE_TITLE];
	return (xasprintf(left >= 0 ? _("RTO %s/%s left %s") : _("RTO %s/%s OVER %s"),
	    tui_clock(el, c1, sizeof c1), tui_clock(target, c2, sizeof c2),
	    tui_clock(left, c3, sizeof c3)));
}

/*
 * The header's RPO in words that fit beside the RTO clock on 80 columns:
 * whether the target is met, at risk or cannot be met, and why: the data
 * between the restorable point (with restore_before: detected, the newest
 * before the detection) and the detection, which a restore loses; once the
 * record has a restored point, what was lost. "RPO 15m met: loses 4m",
 * "RPO 15m cannot be met: no backup". *a gets the attribute. The caller frees.
 */
static char *
main_rpo_words(struct tui *t, attr_t *a)
{
	const struct incident	*inc = t->o->inc;
	char			 c1[TIMEUTIL_BUFSZ], c2[TIMEUTIL_BUFSZ];
	int64_t			 point, lost;
	bool			 restored = t->w.restored_set != NULL && t->w.restored_ms > 0;

	*a = A_NORMAL;
	if (inc->rpo <= 0)
		return (xstrdup(_("RPO -")));
	tui_dur(inc->rpo, c2, sizeof c2);
	point = restored ? t->w.restored_ms : t->rpo_newest_ms;
	if (point == 0) {
		*a = t->attr[ROLE_ALARM];
		return (xasprintf(t->w.rb->restore_before_detected ?
		    _("RPO %s cannot be met: none pre-detection") :
		    _("RPO %s cannot be met: no backup"), c2));
	}
	lost = inc->detected_ms - point;
	if (lost < 0)
		lost = 0;
	tui_dur(lost / 1000, c1, sizeof c1);
	if (restored) {
		if (lost > inc->rpo * 1000)
			*a = t->attr[ROLE_ALARM];
		return (xasprintf(lost > inc->rpo * 1000 ? _("RPO %s missed: lost %s (restored)") :
		    _("RPO %s met: lost %s (restored)"), c2, c1));
	}
	if (lost > inc->rpo * 1000) {
		*a = t->attr[ROLE_ALARM];
		return (xasprintf(_("RPO %s cannot be met: loses %s"), c2, c1));
	}
	if (lost * 4 >= inc->rpo * 3000) {
		*a = t->attr[ROLE_ATTENTION];
		return (xasprintf(_("RPO %s at risk: loses %s"), c2, c1));
	}
	if (lost == 0)
		return (xasprintf(_("RPO %s met: loses nothing"), c2));
	if (lost < 1000)
		return (xasprintf(_("RPO %s met: loses under 1s"), c2));
	return (xasprintf(_("RPO %s met: loses %s"), c2, c1));
}

/* The header: DRILL, incident id, title, RTO and RPO clocks. */
static void
main_header(struct tui *t)
{
	const struct incident	*inc = t->o->inc;
	char			*s;
	attr_t			 a;
	int			 x = 0;

	tui_fill(0, 0, t->cols, t->attr[ROLE_HEADER]);
	if (inc->mode == INCIDENT_MODE_DRILL) {
		tui_put(0, 0, 7, t->attr[ROLE_DRILL], _(" DRILL "));
		x = 8;
	}
	s = xasprintf("%s  %s%s", inc->id, t->w.rb->title, t->w.closed ? _("  [CLOSED]") : "");
	tui_put_cut(t, 0, x, t->cols - x, t->attr[ROLE_HEADER], s);
	free(s);

	tui_fill(1, 0, t->cols, A_NORMAL);
	s = tui_main_rto(t, &a);
	tui_put(1, 0, t->cols, a, s);
	x = tui_width(s) + 2;
	free(s);

	s = main_rpo_words(t, &a);
	tui_put_cut(t, 1, x, t->cols - x, a, s);
	x += tui_width(s) + 2;
	free(s);
	if (t->w.current >= 0 && x < t->cols) {
		s = xasprintf(_("Step %d/%zu"), t->w.current + 1, t->w.rb->nsteps);
		tui_put_cut(t, 1, x, t->cols - x, A_NORMAL, s);
		free(s);
	}
	tui_hline(t, 2, 0, t->cols, A_NORMAL);
}

/* The glyph and attribute of step i in the list. */
static const char *
main_step_glyph(struct tui *t, int i, attr_t *a)
{
	const struct walk_step	*ws = &t->w.steps[i];

	switch (ws->state) {
	case WALK_RUNNING:
		*a = t->attr[ROLE_RUNNING];
		return ("*");
	case WALK_DONE:
		*a = t->attr[ROLE_DONE];
		return (ws->simulated ? "~" : tui_glyph(t, "\xe2\x9c\x93", "+"));
	case WALK_SKIPPED:
		*a = t->attr[ROLE_SKIPPED];
		return ("-");
	case WALK_FAILED:
		*a = t->attr[ROLE_FAILED];
		return (tui_glyph(t, "\xe2\x9c\x97", "!"));
	default:
		*a = A_NORMAL;
		return (i == t->w.current ? ">" : " ");
	}
}

/* Keep a scroll position within 0..n-h (the last screenful). */
static int
main_clamp(int top, int n, int h)
{
	if (top > n - h)
		top = n - h;
	return (top < 0 ? 0 : top);
}

/*
 * A pane's scroll marks on the rule above (y0) or below (y1) it, at the
 * right end of the box x,w: "more above" / "more below" with the key that
 * scrolls, so that a cut pane says so.
 */
static void
main_marks(struct tui *t, int y0, int y1, int x, int w, bool above, bool below, bool focus)
{
	char	*s;

	if (above) {
		s = xasprintf(" %s %s ", tui_glyph(t, "\xe2\x86\x91", "^"),
		    focus ? _("more: PgUp") : _("more: Esc, PgUp"));
		tui_put(y0, x + w - tui_width(s) - 1, tui_width(s), t->attr[ROLE_TITLE], s);
		free(s);
	}
	if (below) {
		s = xasprintf(" %s %s ", tui_glyph(t, "\xe2\x86\x93", "v"),
		    focus ? _("more: PgDn") : _("more: Esc, PgDn"));
		tui_put(y1, x + w - tui_width(s) - 1, tui_width(s), t->attr[ROLE_TITLE], s);
		free(s);
	}
}

/* The step list in the box y,x h high, w wide; a title that does not fit ends in a cut mark. */
static void
main_list(struct tui *t, struct main_state *m, int y, int x, int h, int w)
{
	int	n = (int)t->w.rb->nsteps, i, row;
	attr_t	a;
	const char *g;
	char	*s;

	m->list_h = h;
	if (m->list_cur >= n)
		m->list_cur = n - 1;
	if (m->list_cur < 0)
		m->list_cur = 0;
	if (m->list_cur < m->list_top)
		m->list_top = m->list_cur;
	if (m->list_cur >= m->list_top + h)
		m->list_top = m->list_cur - h + 1;
	m->list_top = main_clamp(m->list_top, n, h);
	for (row = 0; row < h && m->list_top + row < n; row++) {
		i = m->list_top + row;
		g = main_step_glyph(t, i, &a);
		if (i == t->w.current)
			a |= A_BOLD;
		if (m->focus == MF_LIST && i == m->list_cur) {
			a = t->attr[ROLE_SELECTED];
			tui_fill(y + row, x, w, a);
		}
		s = xasprintf("%s%2d %s", g, i + 1, t->w.rb->steps[i].title);
		tui_put_cut(t, y + row, x, w, a, s);
		free(s);
	}
}

/*
 * A command of the step in view that started or ended since the last draw:
 * scroll its result line (the last line of its kind) into view, as the
 * output follows its end. A step newly in view starts at its title.
 */
static void
main_pane_result(struct main_state *m, int view, struct plines *pl, int h)
{
	const char	*line = NULL;
	size_t		 k;
	int		 at = -1;

	for (k = 0; k < pl->n; k++)
		if (pl->l[k].item == PL_RESULT) {
			line = pl->l[k].text;
			at = (int)k;
		}
	if (view == m->result_step && line != NULL && (m->result_seen == NULL ||
	    strcmp(m->result_seen, line) != 0) && at >= m->pane_top + h)
		m->pane_top = at - h + 1;
	if (view != m->result_step || line == NULL || m->result_seen == NULL ||
	    strcmp(m->result_seen, line) != 0) {
		free(m->result_seen);
		m->result_seen = line != NULL ? xstrdup(line) : NULL;
		m->result_step = view;
	}
}

/*
 * The step pane in the box y,x h high, w wide. It starts at the step's title
 * and scrolls (PgUp/PgDn); moving the item cursor scrolls it into view. The
 * item the keys act on is marked (and reversed while the pane has the focus).
 */
static void
main_pane(struct tui *t, struct main_state *m, int y, int x, int h, int w)
{
	struct plines	pl = { NULL, 0, w };
	int		view = main_view(t, m), first = -1, last = -1, row, ni;
	bool		mine;
	size_t		k;
	attr_t		a;

	if (view < 0) {
		tui_put(y, x, w, A_NORMAL, _("No step."));
		return;
	}
	main_pane_lines(t, view, w, &pl);
	ni = main_nitems(t, view);
	mine = view == t->w.current && ni > 0;
	if (m->item_cur >= ni)
		m->item_cur = ni - 1;
	if (m->item_cur < 0)
		m->item_cur = 0;
	for (k = 0; k < pl.n; k++) {
		if (mine && pl.l[k].item == m->item_cur) {
			if (first < 0)
				first = (int)k;
			last = (int)k;
		}
	}
	if (first >= 0 && m->item_show) {
		if (last >= m->pane_top + h)
			m->pane_top = last - h + 1;
		if (first < m->pane_top)
			m->pane_top = first;
	}
	m->item_show = false;
	main_pane_result(m, view, &pl, h);
	m->pane_top = main_clamp(m->pane_top, (int)pl.n, h);
	m->pane_h = h;
	for (row = 0; row < h && m->pane_top + row < (int)pl.n; row++) {
		k = (size_t)(m->pane_top + row);
		a = pl.l[k].attr;
		if (mine && pl.l[k].item == m->item_cur) {
			if (m->focus == MF_STEP) {
				a = t->attr[ROLE_SELECTED];
				tui_fill(y + row, x, w, a);
			}
			tui_put_cut(t, y + row, x, w, a, pl.l[k].text);
			if ((int)k == first)
				tui_put(y + row, x, 1, a | A_BOLD, tui_glyph(t, "\xe2\x96\xb6", ">"));
		} else
			tui_put_cut(t, y + row, x, w, a, pl.l[k].text);
	}
	m->pane_more = m->pane_top + h < (int)pl.n;
	m->pane_n = (int)pl.n;
	pl_clear(&pl);
}

/*
 * The output of the step the pane shows, each line wrapped (every character
 * kept), following the end unless scrolled back.
 */
static void
main_output(struct tui *t, struct main_state *m, int y, int x, int h, int w)
{
	int			 view = main_view(t, m), first, row, total;
	const struct walk_step	*ws;
	char			**lines, *title;
	size_t			 nl;
	attr_t			 a;

	tui_hline(t, y, x, w, t->attr[ROLE_DIM]);
	if (view < 0)
		return;
	ws = &t->w.steps[view];
	title = xasprintf(_(" Output of step %d%s%s%s "), view + 1,
	    ws->status != NULL ? " (" : "", ws->status != NULL ? ws->status : "",
	    ws->status != NULL ? ")" : "");
	a = m->focus == MF_OUT ? t->attr[ROLE_SELECTED] : t->attr[ROLE_TITLE];
	if (m->focus == MF_OUT)
		tui_put(y, x, 2, a, tui_glyph(t, "\xe2\x96\xb6 ", "> "));
	tui_put_cut(t, y, x + 2, w - 26, a, title);
	free(title);
	h--;
	y++;
	if (h <= 0)
		return;
	lines = tui_wrap_hard(ws->output.data != NULL ? ws->output.data : "", ws->output.len,
	    w, &nl);
	if (nl == 0 && !ws->ran && !ws->simulated) {
		tui_put(y, x, w, t->attr[ROLE_DIM], _("(nothing has run in this step)"));
		str_list_free(lines, nl);
		m->out_n = 0;
		return;
	}
	/* a last line for the status */
	total = (int)nl + ((ws->status != NULL || ws->running || ws->output_cut) ? 1 : 0);
	m->out_n = total;
	m->out_h = h;
	if (m->out_top >= 0 && m->out_top >= total - h)
		m->out_top = -1;
	first = m->out_top >= 0 ? m->out_top : main_clamp(total - h, total, h);
	for (row = 0; row < h && first + row < total; row++) {
		if (first + row < (int)nl)
			tui_put(y + row, x, w, A_NORMAL, lines[first + row]);
		else {
			a = ws->running ? t->attr[ROLE_RUNNING] :
			    ws->exit_ok ? t->attr[ROLE_DONE] : t->attr[ROLE_FAILED];
			title = xasprintf("%s%s%s",
			    ws->output_cut ? _("[older output not kept] ") : "",
			    ws->running ? _("running...") : _("ended: "),
			    ws->running || ws->status == NULL ? "" : ws->status);
			tui_put_cut(t, y + row, x, w, a, title);
			free(title);
		}
	}
	str_list_free(lines, nl);
	if (m->out_top >= 0) {
		title = xasprintf(_(" %s %d more lines: End "), tui_glyph(t, "\xe2\x86\x93", "v"),
		    total - first - h);
		tui_put(y - 1, x + w - tui_width(title) - 1, tui_width(title),
		    t->attr[ROLE_TITLE], title);
		free(title);
	}
}

/* Whether key row k applies now: its pane, the incident, the step's kind and whether it runs. */
static bool
main_key_applies(struct tui *t, struct main_state *m, const struct tui_key *k)
{
	static const unsigned	 pane[] = { TK_STEP, TK_LIST, TK_OUT };
	int			 cur = t->w.current;
	bool			 busy;

	if (!(k->when & pane[m->focus]))
		return (false);
	if ((k->when & TK_OPEN) && t->w.closed)
		return (false);
	if ((k->when & (TK_IDLE | TK_BUSY)) || k->kinds != 0) {
		if (cur < 0)
			return (false);
		busy = t->proc != NULL || t->w.steps[cur].running;
		if ((k->when & TK_IDLE) && busy)
			return (false);
		if ((k->when & TK_BUSY) && !busy)
			return (false);
		if (k->kinds != 0 && !(k->kinds & TK_KIND(t->w.rb->steps[cur].kind)))
			return (false);
	}
	return (true);
}

/* The footer's text of key row k: its key (bold) and label at x; returns its width. */
static int
main_footer_key(struct tui *t, const struct tui_key *k, int x, bool draw)
{
	const char	*key = k->fkey != NULL ? k->fkey : k->name;

	if (draw) {
		tui_put(t->rows - 1, x, t->cols - x, t->attr[ROLE_HEADER] | A_BOLD, key);
		tui_put(t->rows - 1, x + tui_width(key) + 1, t->cols - x - tui_width(key) - 1,
		    t->attr[ROLE_HEADER], _(k->label));
	}
	return (tui_width(key) + 1 + tui_width(_(k->label)));
}

/*
 * The footer, read from the key table: the keys that apply now, in the
 * table's order; those flagged TK_RIGHT (help, quit) at the right end, one
 * column short of the corner. Two spaces between keys, one when that makes
 * them fit (German); when not all fit, a cut mark says the help (?) has the
 * rest.
 */
static void
main_footer(struct tui *t, struct main_state *m)
{
	const struct tui_key	*left[32], *right[4];
	int			 nl = 0, nr = 0, i, j, x = 0, need = 0, rneed = 0, gap, avail;
	size_t			 r;

	tui_fill(t->rows - 1, 0, t->cols, t->attr[ROLE_HEADER]);
	for (r = 0; r < tui_main_nkeys; r++) {
		if (tui_main_keys[r].label == NULL || !main_key_applies(t, m, &tui_main_keys[r]))
			continue;
		if (tui_main_keys[r].when & TK_RIGHT) {
			if (nr < (int)nitems(right))
				right[nr++] = &tui_main_keys[r];
			continue;
		}
		for (j = 0; j < nl; j++)
			if (strcmp(left[j]->label, tui_main_keys[r].label) == 0)
				break;
		if (j == nl && nl < (int)nitems(left))
			left[nl++] = &tui_main_keys[r];
	}
	for (i = 0; i < nl; i++)
		need += main_footer_key(t, left[i], 0, false);
	for (i = 0; i < nr; i++)
		rneed += main_footer_key(t, right[i], 0, false);
	gap = need + 2 * (nl > 0 ? nl - 1 : 0) + 1 + rneed + 2 * (nr > 0 ? nr - 1 : 0) + 1 >
	    t->cols ? 1 : 2;
	rneed += gap * (nr > 0 ? nr - 1 : 0);
	for (i = 0, x = t->cols - 1 - rneed; i < nr; i++)
		x += main_footer_key(t, right[i], x, true) + gap;
	avail = t->cols - 1 - rneed - 1;
	/* not all fit: room for the cut mark and a space after the last one shown */
	if (need + gap * (nl > 0 ? nl - 1 : 0) > avail)
		avail -= 2;
	for (i = 0, x = 0; i < nl; i++) {
		if (x + main_footer_key(t, left[i], 0, false) > avail) {
			tui_put(t->rows - 1, x, 1, t->attr[ROLE_HEADER] | A_BOLD,
			    tui_glyph(t, "\xe2\x80\xa6", "~"));
			break;
		}
		x += main_footer_key(t, left[i], x, true) + gap;
	}
}

/*
 * Forget what belonged to the step that was current: the cursors, the
 * scroll positions. Called when another step became current (here or in
 * another TUI).
 */
static void
main_step_changed(struct tui *t, struct main_state *m)
{
	const struct walk_step	*ws;
	const struct rb_step	*rs;
	size_t			 q;

	m->seen_step = t->w.current;
	m->item_cur = 0;
	m->pane_top = 0;
	m->pane_n = INT_MAX / 2;
	m->out_top = -1;
	m->list_cur = t->w.current >= 0 ? t->w.current : 0;
	if (t->w.current < 0)
		return;
	rs = &t->w.rb->steps[t->w.current];
	ws = &t->w.steps[t->w.current];
	/* a prompt starts at its first question without an answer */
	if (rs->kind == RB_PROMPT)
		for (q = 0; q < rs->nquestions; q++)
			if (ws->answers[q] == NULL) {
				m->item_cur = (int)q;
				break;
			}
}

/* Draw the main screen. */
static void
main_draw(struct tui *t, struct screen *sc)
{
	struct main_state	*m = sc->data;
	char			**sl = NULL;
	size_t			  nsl = 0, ns = 0, i;
	int			  bh, oh, th, lw, top = 3;

	if (t->w.current != m->seen_step)
		main_step_changed(t, m);
	/* a message belongs to the step that was current when it came */
	if (t->status != NULL && t->status_step != t->w.current) {
		free(t->status);
		t->status = NULL;
	}
	main_header(t);
	if (t->status != NULL) {
		sl = tui_wrap(t->status, t->cols, &nsl);
		ns = nsl > 3 ? 3 : nsl;
	}
	bh = t->rows - 4 - (ns > 0 ? (int)ns : 1);
	oh = bh * 2 / 5;
	if (oh < 3)
		oh = 3;
	th = bh - oh;
	lw = t->cols / 3;
	if (lw > 36)
		lw = 36;
	main_list(t, m, top, 0, th, lw);
	tui_vline(t, top, lw, th, t->attr[ROLE_DIM]);
	main_pane(t, m, top, lw + 2, th, t->cols - lw - 2);
	main_output(t, m, top + th, 0, oh, t->cols);
	/* after the output, whose rule the step pane's "more below" mark is on */
	main_marks(t, top - 1, top + th, lw + 2, t->cols - lw - 2, m->pane_top > 0,
	    m->pane_more, m->focus == MF_STEP);
	for (i = 0; i < ns; i++)
		tui_put(top + bh + (int)i, 0, t->cols, t->status_alarm ? t->attr[ROLE_ALARM] :
		    t->attr[ROLE_TITLE], sl[i]);
	if (sl != NULL) {
		/* a message longer than three lines ends in a cut mark */
		if (nsl > ns)
			tui_put(top + bh + 2, t->cols - 1, 1, t->status_alarm ?
			    t->attr[ROLE_ALARM] : t->attr[ROLE_TITLE],
			    tui_glyph(t, "\xe2\x80\xa6", "~"));
		str_list_free(sl, nsl);
	}
	main_footer(t, m);
}

/* Make step i the current one in the record (step-started the first time). */
static void
main_goto(struct tui *t, int i)
{
	const struct rb_step	*rs = &t->w.rb->steps[i];

	if (i == t->w.current)
		return;
	if (!t->w.steps[i].visited)
		tui_record(t, rs->id, INCIDENT_EV_STEP_STARTED, rs->title);
	else
		tui_record(t, rs->id, INCIDENT_EV_CURSOR, "");
}

/* The answer to "close the incident?". */
static void
main_close_done(struct tui *t, bool ok, const char *text, void *arg)
{
	struct incident_event	 ev;
	struct run_claim	 holder;
	char			*cause = NULL, *who;
	int			 r;

	if (!ok) {
		tui_status(t, false, "%s", _("The incident stays open."));
		return;
	}
	memset(&ev, 0, sizeof ev);
	/* never closed under a run that is still going: its end would have no place */
	if ((r = run_close(t->o->store, t->o->inc->id, INCIDENT_EV_CLOSED,
	    t->o->inc->mode == INCIDENT_MODE_DRILL ? "drill complete" : "resolved",
	    &holder, &ev, &cause)) == 1) {
		who = run_holder_text(&holder, tui_now_ms());
		tui_status(t, true, _("Not closed: step %s is %s."), holder.step, who);
		free(who);
		run_claim_clear(&holder);
		tui_sync(t);
		return;
	}
	if (r != 0) {
		tui_status(t, true, _("not closed: %s"), cause);
		free(cause);
		return;
	}
	tui_own(t, ev.seq);
	incident_event_clear(&ev);
	tui_sync(t);
	if (t->o->closed != NULL)
		t->o->closed(t->o->conf);
	tui_status(t, false, "%s", _("Incident closed. q leaves."));
}

/* Move on from step i: to the next step, or offer to close after the last. */
static void
main_advance(struct tui *t, int i)
{
	int	next = walk_next(&t->w, i);

	if (next >= 0) {
		main_goto(t, next);
		return;
	}
	tui_confirm(t, _("Close the incident"),
	    _("That was the last step. Close the incident now? (y/n)"), main_close_done, NULL);
}

/* Record step i done (unless it is already) and move on. */
static void
main_done_now(struct tui *t, int i)
{
	if (t->w.steps[i].state != WALK_DONE &&
	    tui_record(t, t->w.rb->steps[i].id, INCIDENT_EV_STEP_DONE, "") != 0)
		return;
	main_advance(t, i);
}

/* The answer to "mark done anyway?". */
static void
main_done_confirmed(struct tui *t, bool ok, const char *text, void *arg)
{
	if (ok)
		main_done_now(t, (int)(intptr_t)arg);
}

/* d: mark the current step done (asking when work is left) and move on. */
static void
main_key_done(struct tui *t, int i)
{
	const struct rb_step	*rs = &t->w.rb->steps[i];
	const struct walk_step	*ws = &t->w.steps[i];
	size_t			 q, open = 0;
	char			*msg;

	if (ws->running) {
		tui_status(t, true, "%s", _("The step is running: cancel it (c) or wait."));
		return;
	}
	msg = NULL;
	if (rs->kind == RB_DECIDE && ws->decision < 0) {
		tui_status(t, true, "%s", _("Choose an answer first (arrows, Enter)."));
		return;
	}
	if (rs->kind == RB_CHECKLIST && walk_ticked(&t->w, i) < rs->nitems)
		msg = xasprintf(_("%zu of %zu items are not ticked. Mark the step done anyway? (y/n)"),
		    rs->nitems - walk_ticked(&t->w, i), rs->nitems);
	if (rs->kind == RB_PROMPT) {
		for (q = 0; q < rs->nquestions; q++)
			if (ws->answers[q] == NULL)
				open++;
		if (open > 0)
			msg = xasprintf(_("%zu questions have no answer. Mark the step done anyway? (y/n)"),
			    open);
	}
	if ((rs->kind == RB_RUN || rs->kind == RB_ACTION) && !ws->ran && !ws->simulated &&
	    ws->state != WALK_DONE)
		msg = xstrdup(_("The command has not been run here. Mark the step done anyway? (y/n)"));
	else if ((rs->kind == RB_RUN || rs->kind == RB_ACTION) && ws->state == WALK_FAILED)
		msg = xstrdup(_("The command failed. Mark the step done anyway? (y/n)"));
	if (msg != NULL) {
		tui_confirm(t, _("Mark done"), msg, main_done_confirmed, (void *)(intptr_t)i);
		free(msg);
		return;
	}
	main_done_now(t, i);
}

/* The reason for a skip, from the line editor. */
static void
main_skip_done(struct tui *t, bool ok, const char *text, void *arg)
{
	int	i = (int)(intptr_t)arg;

	if (!ok)
		return;
	if (*text == '\0') {
		tui_status(t, true, "%s", _("A skip needs a reason; not skipped."));
		return;
	}
	if (tui_record(t, t->w.rb->steps[i].id, INCIDENT_EV_STEP_SKIPPED, text) == 0)
		main_advance(t, i);
}

/* A note from the line editor. */
static void
main_note_done(struct tui *t, bool ok, const char *text, void *arg)
{
	int	i = (int)(intptr_t)arg;

	if (!ok || *text == '\0')
		return;
	if (tui_record(t, i >= 0 ? t->w.rb->steps[i].id : NULL, INCIDENT_EV_NOTE, text) == 0)
		tui_status(t, false, "%s", _("Note recorded."));
}

/*
 * After question q of step i was answered: the marked question stays, or
 * moves to the next one without an answer (after q, then from the top), so
 * the next answer cannot land on a question the operator did not see marked.
 */
static void
main_next_question(struct tui *t, int i, int q)
{
	const struct rb_step	*rs = &t->w.rb->steps[i];
	struct main_state	*m = main_st(t);
	size_t			 k, j;

	if (i != t->w.current)
		return;
	m->item_cur = q;
	for (k = 1; k < rs->nquestions; k++) {
		j = ((size_t)q + k) % rs->nquestions;
		if (t->w.steps[i].answers[j] == NULL) {
			m->item_cur = (int)j;
			break;
		}
	}
	m->item_show = true;
}

/* A prompt answer from the line editor; arg packs step << 16 | question. */
static void
main_answer_done(struct tui *t, bool ok, const char *text, void *arg)
{
	int			 i = (int)((intptr_t)arg >> 16), q = (int)((intptr_t)arg & 0xffff);
	const struct rb_step	*rs = &t->w.rb->steps[i];
	struct incident_event	 ev;
	char			*cause = NULL;

	if (!ok)
		return;
	memset(&ev, 0, sizeof ev);
	if (incident_append_answer(t->o->store, t->o->inc->id, rs->id, rs->questions[q].id,
	    rs->questions[q].text, text, &ev, &cause) != 0) {
		tui_status(t, true, _("not recorded: %s"), cause);
		free(cause);
		return;
	}
	tui_own(t, ev.seq);
	incident_event_clear(&ev);
	tui_sync(t);
	main_next_question(t, i, q);
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
	struct proc_opts	 po;
	const char		*path, **sv;
	char			*cmd, **argv = NULL, **env, *cause = NULL, *client;
	int			 r;
	size_t			 k, n;

	if ((cmd = main_command(t, i, &argv, &cause)) == NULL) {
		tui_status(t, true, "%s", cause);
		free(cause);
		return;
	}
	free(t->proc_run);
	t->proc_run = run_new_id();
	client = run_client();
	for (n = 0; argv != NULL && argv[n] != NULL; n++)
		;
	sv = xcalloc(n + 20, sizeof *sv);
	k = 0;
	sv[k++] = t->o->self;
	if (t->o->config_path != NULL) {
		sv[k++] = "--config";
		sv[k++] = t->o->config_path;
	}
	sv[k++] = "supervise";
	sv[k++] = "--incident";
	sv[k++] = t->o->inc->id;
	sv[k++] = "--step";
	sv[k++] = rs->id;
	sv[k++] = "--run";
	sv[k++] = t->proc_run;
	sv[k++] = "--client";
	sv[k++] = client;
	sv[k++] = "--command";
	sv[k++] = cmd;
	if (argv != NULL) {
		sv[k++] = "--";
		for (n = 0; argv[n] != NULL; n++)
			sv[k++] = argv[n];
	}
	sv[k] = NULL;
	/* the step's settings (a drill's sandbox) for the command; the record stays ours */
	main_step_conf(t, i, &path);
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
	main_st(t)->out_top = -1;
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
static void
main_key_run(struct tui *t, int i)
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
	if ((cmd = main_command(t, i, NULL, &cause)) == NULL) {
		tui_status(t, true, "%s", cause);
		free(cause);
		return;
	}
	if (t->o->inc->mode == INCIDENT_MODE_DRILL) {
		switch (main_drill_rule(t, rs)) {
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
				main_advance(t, i);
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
static bool
main_run_ours(struct tui *t, int i)
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
static void
main_key_cancel(struct tui *t, int i)
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
		if (main_run_ours(t, i)) {
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

/* Space (and Enter on a checklist): tick or untick the item under the cursor. */
static void
main_key_tick(struct tui *t, int i)
{
	const struct rb_step	*rs = &t->w.rb->steps[i];
	struct main_state	*m = main_st(t);
	struct incident_event	 ev;
	char			*cause = NULL;
	bool			 on;

	if (rs->kind != RB_CHECKLIST || m->item_cur < 0 || (size_t)m->item_cur >= rs->nitems)
		return;
	on = !t->w.steps[i].ticks[m->item_cur];
	memset(&ev, 0, sizeof ev);
	if (incident_append_check(t->o->store, t->o->inc->id, rs->id, on, m->item_cur,
	    rs->items[m->item_cur], &ev, &cause) != 0) {
		tui_status(t, true, _("not recorded: %s"), cause);
		free(cause);
		return;
	}
	tui_own(t, ev.seq);
	incident_event_clear(&ev);
	tui_sync(t);
	if (on && (size_t)m->item_cur + 1 < rs->nitems) {
		m->item_cur++;
		m->item_show = true;
	}
}

/* Enter in the pane: choose a decision answer, answer a prompt, or tick. */
static void
main_key_enter(struct tui *t, int i)
{
	const struct rb_step	*rs = &t->w.rb->steps[i];
	const struct walk_step	*ws = &t->w.steps[i];
	struct incident_event	 ev;
	char			*cause = NULL;
	int			 a = main_st(t)->item_cur;

	if (a < 0 || a >= main_nitems(t, i))
		return;
	switch (rs->kind) {
	case RB_CHECKLIST:
		main_key_tick(t, i);
		break;
	case RB_PROMPT:
		tui_edit(t, rs->questions[a].text, ws->answers[a],
		    main_answer_done, (void *)(intptr_t)((i << 16) | a));
		break;
	case RB_DECIDE:
		memset(&ev, 0, sizeof ev);
		if (incident_append_decision(t->o->store, t->o->inc->id, rs->id, rs->question,
		    rs->answers[a].label, rs->answers[a].next, &ev, &cause) != 0) {
			tui_status(t, true, _("not recorded: %s"), cause);
			free(cause);
			return;
		}
		tui_own(t, ev.seq);
		incident_event_clear(&ev);
		tui_sync(t);
		main_done_now(t, i);
		break;
	default:
		break;
	}
}

/* The answer to "a command is running; leave?". */
static void
main_quit_confirmed(struct tui *t, bool ok, const char *text, void *arg)
{
	if (ok)
		t->quit = true;
}

/* Up/Down, j/k, PgUp/PgDn, ^U/^D, Home/End: how far a scroll key moves (main_k_scroll's arg). */
enum { SC_LINE = 1, SC_HALF, SC_PAGE, SC_EDGE };

/* Move a cursor or a scroll position by what arg says in a pane h lines high; SC_EDGE: to an end. */
static int
main_scroll_by(int pos, int arg, int h, int last)
{
	int	n = arg < 0 ? -arg : arg;

	if (n == SC_EDGE)
		return (arg < 0 ? 0 : last);
	n = n == SC_LINE ? 1 : n == SC_HALF ? (h / 2 > 0 ? h / 2 : 1) : (h > 1 ? h - 1 : 1);
	pos += arg < 0 ? -n : n;
	if (pos > last)
		pos = last;
	return (pos < 0 ? 0 : pos);
}

/*
 * The scroll keys, on the pane that has the focus: the step list's cursor;
 * in the step pane the item cursor (Up/Down on a step with items) or the
 * pane; the output, which follows its end again when scrolled down to it.
 */
static int
main_k_scroll(struct tui *t, struct main_state *m, int arg)
{
	int	view = main_view(t, m), ni, base, last;

	switch (m->focus) {
	case MF_LIST:
		m->list_cur = main_scroll_by(m->list_cur, arg, m->list_h,
		    (int)t->w.rb->nsteps - 1);
		break;
	case MF_STEP:
		ni = main_nitems(t, view);
		if ((arg == SC_LINE || arg == -SC_LINE) && ni > 0 && view == t->w.current) {
			m->item_cur = main_scroll_by(m->item_cur, arg, 1, ni - 1);
			m->item_show = true;
		} else
			m->pane_top = main_scroll_by(m->pane_top, arg, m->pane_h,
			    main_clamp(INT_MAX / 2, m->pane_n, m->pane_h));
		break;
	case MF_OUT:
		last = main_clamp(INT_MAX / 2, m->out_n, m->out_h);
		base = m->out_top >= 0 ? m->out_top : last;
		m->out_top = main_scroll_by(base, arg, m->out_h, last);
		/* at the end: follow it again */
		if (m->out_top >= last)
			m->out_top = -1;
		break;
	}
	return (SCR_REDRAW);
}

/* Tab (arg 1) and Shift-Tab (-1) move the focus: step pane, step list, output; Esc (0) back to the step. */
static int
main_k_focus(struct tui *t, struct main_state *m, int arg)
{
	if (arg == 0)
		m->focus = MF_STEP;
	else
		m->focus = (enum main_focus)((m->focus + 3 + arg) % 3);
	if (m->focus == MF_LIST)
		m->list_cur = t->w.current >= 0 ? t->w.current : 0;
	return (SCR_REDRAW);
}

/* Enter in the step list: make the step under the cursor current and show it. */
static int
main_k_open(struct tui *t, struct main_state *m, int arg)
{
	if (!t->w.closed && m->list_cur >= 0 && (size_t)m->list_cur < t->w.rb->nsteps)
		main_goto(t, m->list_cur);
	m->focus = MF_STEP;
	return (SCR_REDRAW);
}

/* The keys that act on the current step: the handler of each, by arg. */
enum { KA_ENTER, KA_TICK, KA_RUN, KA_DONE, KA_SKIP, KA_NOTE, KA_CANCEL };

/* The step keys: Enter, Space, x, d, s, n, c on the current step. */
static int
main_k_step(struct tui *t, struct main_state *m, int arg)
{
	int	cur = t->w.current;

	switch (arg) {
	case KA_ENTER:
		main_key_enter(t, cur);
		break;
	case KA_TICK:
		main_key_tick(t, cur);
		break;
	case KA_RUN:
		main_key_run(t, cur);
		break;
	case KA_DONE:
		main_key_done(t, cur);
		break;
	case KA_SKIP:
		if (t->w.steps[cur].running)
			tui_status(t, true, "%s", _("The step is running: cancel it (c) first."));
		else
			tui_edit(t, _("Reason for skipping this step"), NULL, main_skip_done,
			    (void *)(intptr_t)cur);
		break;
	case KA_NOTE:
		tui_edit(t, _("Note for the record"), NULL, main_note_done, (void *)(intptr_t)cur);
		break;
	case KA_CANCEL:
		main_key_cancel(t, cur);
		break;
	}
	return (SCR_REDRAW);
}

/* t, ?, q and ^L: the timeline, the help, leaving, a redraw. */
enum { KO_TIMELINE, KO_HELP, KO_QUIT, KO_REDRAW, KO_CONTACTS };

/* The keys that open another screen or leave. */
static int
main_k_other(struct tui *t, struct main_state *m, int arg)
{
	switch (arg) {
	case KO_TIMELINE:
		tui_timeline(t);
		break;
	case KO_HELP:
		tui_help(t);
		break;
	case KO_CONTACTS:
		tui_contacts(t);
		break;
	case KO_QUIT:
		/* a child that has just ended is settled first, as the tick would */
		if (t->proc != NULL && (proc_tick(t->proc) || proc_fd(t->proc) == -1))
			tui_child_event(t);
		if (t->proc != NULL) {
			tui_confirm(t, _("Leave"), _("A command is running. It goes on and is "
			    "recorded; resume shows it. Leave? (y/n)"), main_quit_confirmed, NULL);
			break;
		}
		return (SCR_QUIT);
	case KO_REDRAW:
		clearok(curscr, TRUE);
		break;
	}
	return (SCR_REDRAW);
}

#define KIND_CMD	(TK_KIND(RB_RUN) | TK_KIND(RB_ACTION))
#define KIND_ITEMS	(TK_KIND(RB_CHECKLIST) | TK_KIND(RB_DECIDE) | TK_KIND(RB_PROMPT))
#define TK_WORK		(TK_STEP | TK_OUT | TK_OPEN | TK_ACTION)

/*
 * The keys of the main screen, one row each: {key, when, handler, footer,
 * help}. The first row that applies to a key handles it; a key no row
 * applies to does nothing. The footer lists the rows with a label that
 * apply now, in this order; the help screen lists every row.
 */
const struct tui_key tui_main_keys[] = {
	{ true, KEY_ENTER, "Enter", TK_LIST, 0, main_k_open, 0, NULL, N_("select"),
	  N_("step list: make the step under the cursor the current one") },
	{ false, L'\r', "Enter", TK_LIST, 0, main_k_open, 0, NULL, NULL,
	  N_("step list: make the step under the cursor the current one") },
	{ false, L'j', "j", TK_LIST, 0, main_k_scroll, SC_LINE, "j/k", N_("move"),
	  N_("down: the step's items (or its text), the step list, the output") },
	{ false, L'k', "k", TK_LIST, 0, main_k_scroll, -SC_LINE, "j/k", NULL,
	  N_("up: the step's items (or its text), the step list, the output") },
	{ false, L'x', "x", TK_WORK | TK_IDLE, KIND_CMD, main_k_step, KA_RUN, NULL, N_("run"),
	  N_("run the command or action (asks first if it must)") },
	/* x while the step runs (here or in another TUI): says who runs it, starts nothing */
	{ false, L'x', "x", TK_WORK | TK_BUSY, KIND_CMD, main_k_step, KA_RUN, NULL, NULL,
	  N_("run the command or action (asks first if it must)") },
	{ false, L'c', "c", TK_WORK | TK_BUSY, 0, main_k_step, KA_CANCEL, NULL, N_("cancel"),
	  N_("cancel the running command (SIGTERM, then SIGKILL)") },
	{ false, L' ', "Space", TK_WORK, TK_KIND(RB_CHECKLIST), main_k_step, KA_TICK, NULL,
	  N_("tick"), N_("tick or untick the checklist item under the cursor") },
	{ true, KEY_ENTER, "Enter", TK_STEP | TK_OPEN | TK_ACTION, TK_KIND(RB_CHECKLIST),
	  main_k_step, KA_ENTER, NULL, NULL, N_("tick or untick the checklist item under the cursor") },
	{ false, L'\r', "Enter", TK_STEP | TK_OPEN | TK_ACTION, TK_KIND(RB_CHECKLIST),
	  main_k_step, KA_ENTER, NULL, NULL, N_("tick or untick the checklist item under the cursor") },
	{ true, KEY_ENTER, "Enter", TK_STEP | TK_OPEN | TK_ACTION, TK_KIND(RB_DECIDE),
	  main_k_step, KA_ENTER, NULL, N_("choose"), N_("choose the answer under the cursor") },
	{ false, L'\r', "Enter", TK_STEP | TK_OPEN | TK_ACTION, TK_KIND(RB_DECIDE),
	  main_k_step, KA_ENTER, NULL, NULL, N_("choose the answer under the cursor") },
	{ true, KEY_ENTER, "Enter", TK_STEP | TK_OPEN | TK_ACTION, TK_KIND(RB_PROMPT),
	  main_k_step, KA_ENTER, NULL, N_("answer"),
	  N_("answer the marked question (its answer so far is there to edit)") },
	{ false, L'\r', "Enter", TK_STEP | TK_OPEN | TK_ACTION, TK_KIND(RB_PROMPT),
	  main_k_step, KA_ENTER, NULL, NULL,
	  N_("answer the marked question (its answer so far is there to edit)") },
	{ false, L'd', "d", TK_WORK, 0, main_k_step, KA_DONE, NULL, N_("done"),
	  N_("mark the step done and go to the next one") },
	{ false, L's', "s", TK_WORK, 0, main_k_step, KA_SKIP, NULL, N_("skip"),
	  N_("skip the step, with a reason") },
	{ false, L'n', "n", TK_PANES | TK_OPEN | TK_ACTION, 0, main_k_step, KA_NOTE, NULL,
	  N_("note"), N_("add a note to the record") },
	{ false, L't', "t", TK_PANES, 0, main_k_other, KO_TIMELINE, NULL, N_("timeline"),
	  N_("the incident's timeline") },
	{ false, L'C', "C", TK_PANES, 0, main_k_other, KO_CONTACTS, NULL, NULL,
	  N_("the recovery contacts: every role's holders and how to reach them") },
	{ false, L'\t', "Tab", TK_STEP, 0, main_k_focus, 1, NULL, N_("steps"),
	  N_("move the focus: step, step list, output") },
	{ false, L'\t', "Tab", TK_LIST, 0, main_k_focus, 1, NULL, N_("output"),
	  N_("move the focus: step, step list, output") },
	{ false, L'\t', "Tab", TK_OUT, 0, main_k_focus, 1, NULL, N_("step"),
	  N_("move the focus: step, step list, output") },
	{ true, KEY_BTAB, "Shift-Tab", TK_PANES, 0, main_k_focus, -1, NULL, NULL,
	  N_("move the focus back") },
	{ false, 27, "Esc", TK_LIST | TK_OUT, 0, main_k_focus, 0, NULL, NULL,
	  N_("back to the step") },
	{ true, KEY_UP, "Up", TK_PANES, 0, main_k_scroll, -SC_LINE, NULL, NULL,
	  N_("up: the step's items (or its text), the step list, the output") },
	{ false, L'k', "k", TK_STEP | TK_OUT, 0, main_k_scroll, -SC_LINE, NULL, NULL,
	  N_("up: the step's items (or its text), the step list, the output") },
	{ true, KEY_DOWN, "Down", TK_PANES, 0, main_k_scroll, SC_LINE, NULL, NULL,
	  N_("down: the step's items (or its text), the step list, the output") },
	{ false, L'j', "j", TK_STEP | TK_OUT, 0, main_k_scroll, SC_LINE, NULL, NULL,
	  N_("down: the step's items (or its text), the step list, the output") },
	{ true, KEY_PPAGE, "PgUp", TK_PANES, 0, main_k_scroll, -SC_PAGE, "PgUp/Dn", N_("scroll"),
	  N_("scroll the pane with the focus a page up") },
	{ true, KEY_NPAGE, "PgDn", TK_PANES, 0, main_k_scroll, SC_PAGE, NULL, NULL,
	  N_("scroll the pane with the focus a page down") },
	{ false, 0x15, "^U", TK_PANES, 0, main_k_scroll, -SC_HALF, NULL, NULL,
	  N_("scroll the pane with the focus half a page up") },
	{ false, 0x04, "^D", TK_PANES, 0, main_k_scroll, SC_HALF, NULL, NULL,
	  N_("scroll the pane with the focus half a page down") },
	{ true, KEY_HOME, "Home", TK_PANES, 0, main_k_scroll, -SC_EDGE, NULL, NULL,
	  N_("to the start: first step, the step's title, the oldest output") },
	{ true, KEY_END, "End", TK_PANES, 0, main_k_scroll, SC_EDGE, NULL, NULL,
	  N_("to the end: last step, the end of the step, the newest output (followed)") },
	{ false, 0x0c, "^L", TK_PANES, 0, main_k_other, KO_REDRAW, NULL, NULL,
	  N_("redraw the screen") },
	{ false, L'?', "?", TK_PANES | TK_RIGHT, 0, main_k_other, KO_HELP, NULL, N_("help"),
	  N_("this help") },
	{ false, L'q', "q", TK_PANES | TK_RIGHT, 0, main_k_other, KO_QUIT, NULL, N_("quit"),
	  N_("leave; the incident stays open for resume") },
};
const size_t tui_main_nkeys = nitems(tui_main_keys);

/* Keys of the main screen: the first row of the key table that applies runs. */
static int
main_key(struct tui *t, struct screen *sc, int fn, wint_t k)
{
	struct main_state	*m = sc->data;
	const struct tui_key	*row;
	size_t			 r;

	if (!fn && k == L'\n')
		k = L'\r';
	for (r = 0; r < tui_main_nkeys; r++) {
		row = &tui_main_keys[r];
		if (row->fn != (fn != 0) || row->key != k || !main_key_applies(t, m, row))
			continue;
		if ((row->when & TK_ACTION) && t->status != NULL) {
			/* a new action: the message of the last one goes */
			free(t->status);
			t->status = NULL;
		}
		return (row->run(t, m, row->arg) | SCR_HANDLED);
	}
	return (0);
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
main_free(struct screen *sc)
{
	struct main_state	*m = sc->data;

	free(m->result_seen);
	free(m);
}

static const struct screen_ops tui_main_screen = {
	.name = "main",
	.draw = main_draw,
	.key = main_key,
	.resize = main_resize,
	.tick = NULL,
	.free = main_free,
};

/* Push the main screen with its state: the focus, the cursors and scroll positions. */
void
tui_main_open(struct tui *t)
{
	struct main_state	*m = xcalloc(1, sizeof *m);

	m->focus = MF_STEP;
	m->seen_step = -2;
	m->result_step = -2;
	m->out_top = -1;
	tui_push(t, &tui_main_screen, m);
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

static bool	main_settle(struct tui *);

/* Before the first screen: the first step becomes current when none is; the backups are scanned. */
void
tui_main_first(struct tui *t)
{
	if (t->w.current < 0 && t->w.rb->nsteps > 0 && !t->w.closed)
		main_goto(t, 0);
	main_settle(t);
	main_scan_rpo(t);
}

/*
 * Once a second: read other TUIs' events, reap a child, record crossed
 * clock thresholds, rescan the backups now and then. Returns whether to redraw.
 */
int
tui_main_tick(struct tui *t)
{
	const struct incident	*inc = t->o->inc;
	int64_t			 now = tui_now_ms(), el;

	if (t->w.current < 0 && t->w.rb->nsteps > 0 && !t->w.closed)
		main_goto(t, 0);
	tui_sync(t);
	if (t->proc != NULL && (proc_tick(t->proc) || proc_fd(t->proc) == -1))
		tui_child_event(t);
	main_settle(t);
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
	return (1);
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
static void
main_child_io(struct tui *t)
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

/* The supervisor's pipe is ready (or closed): follow the record. */
void
tui_child_event(struct tui *t)
{
	main_child_io(t);
}

/*
 * The TUI is ending with its supervisor running: let it go on. It records
 * the output and the end itself; resume shows the run meanwhile.
 */
void
tui_child_hangup(struct tui *t, const char *why)
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
static bool
main_settle(struct tui *t)
{
	int64_t	 now = tui_now_ms();
	size_t	 i;
	char	*cause = NULL;
	int	 r;
	bool	 look = false;

	if (t->w.closed || now - t->settle_ms < 2000)
		return (false);
	for (i = 0; i < t->w.rb->nsteps && !look; i++)
		look = t->w.steps[i].running && !main_run_ours(t, (int)i) &&
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
