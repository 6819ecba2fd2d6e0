/* tui-main.c: the main screen: header with clocks, step list, step pane, output, footer. */
#include "system.h"

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

/* One line of the step pane; item is the index of what the cursor selects on it, or -1. */
struct pline {
	char	*text;
	attr_t	 attr;
	int	 item;
};

/* The lines of the step pane while they are built. */
struct plines {
	struct pline	*l;
	size_t		 n;
};

/* The step the pane shows: the list cursor while the list has the focus, else the current one. */
static int
main_view(struct tui *t)
{
	if (t->focus == FOCUS_LIST)
		return (t->list_cur);
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

/* Add a line to the pane. */
static void
pl_add(struct plines *pl, attr_t attr, int item, const char *fmt, ...)
{
	va_list	ap;

	pl->l = xreallocarray(pl->l, pl->n + 1, sizeof *pl->l);
	va_start(ap, fmt);
	pl->l[pl->n].text = xvasprintf(fmt, ap);
	va_end(ap);
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
		pl_add(pl, attr, item, "%*s%s", indent, "", lines[i]);
	str_list_free(lines, n);
}

/* Free the pane's lines. */
static void
pl_free(struct plines *pl)
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

/* Build the lines of the step pane for step i in width columns. */
static void
main_pane_lines(struct tui *t, int i, int width, struct plines *pl)
{
	const struct rb_step	*rs = &t->w.rb->steps[i];
	const struct walk_step	*ws = &t->w.steps[i];
	const struct incident_event *ev;
	char			 e1[16], e2[16], exp[TIMEUTIL_BUFSZ];
	char			*cmd, *cause = NULL, *s;
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
			pl_add(pl, t->attr[ROLE_RUNNING], -1, "%s", t->proc != NULL &&
			    t->proc_step == i ? _("Running... (c cancels)") :
			    _("Running (started elsewhere or interrupted; c marks it ended)"));
		else if (ws->status != NULL)
			pl_add(pl, ws->exit_ok ? t->attr[ROLE_DONE] : t->attr[ROLE_FAILED], -1,
			    _("Result: %s"), ws->status);
		break;
	case RB_CHECKLIST:
		for (k = 0; k < rs->nitems; k++) {
			s = xasprintf("[%s] %s", ws->ticks[k] ? "x" : " ", rs->items[k]);
			pl_wrap(pl, ws->ticks[k] ? t->attr[ROLE_DONE] : A_NORMAL, (int)k, width, 0, s);
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
			    (int)k, width, 0, s);
			free(s);
		}
		break;
	case RB_PROMPT:
		for (k = 0; k < rs->nquestions; k++) {
			s = xasprintf("? %s", rs->questions[k].text);
			pl_wrap(pl, A_NORMAL, (int)k, width, 0, s);
			free(s);
			s = xasprintf("> %s", ws->answers[k] != NULL ? ws->answers[k] :
			    _("(no answer yet: Enter)"));
			pl_wrap(pl, ws->answers[k] != NULL ? t->attr[ROLE_DONE] : t->attr[ROLE_DIM],
			    (int)k, width, 2, s);
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
	char			 c1[16], c2[16], c3[16], *s;
	int64_t			 now, el, target, left;
	attr_t			 a;
	int			 x = 0;

	now = t->w.closed ? t->w.closed_ms : tui_now_ms();
	tui_fill(0, 0, t->cols, t->attr[ROLE_HEADER]);
	if (inc->mode == INCIDENT_MODE_DRILL) {
		tui_put(0, 0, 7, t->attr[ROLE_DRILL], _(" DRILL "));
		x = 8;
	}
	tui_putf(0, x, t->cols - x, t->attr[ROLE_HEADER], "%s  %s%s", inc->id,
	    t->w.rb->title, t->w.closed ? _("  [CLOSED]") : "");

	tui_fill(1, 0, t->cols, A_NORMAL);
	el = now - inc->detected_ms;
	target = inc->rto * 1000;
	left = target - el;
	if (target > 0 && el > target)
		a = t->attr[ROLE_ALARM];
	else if (target > 0 && el * 4 >= target * 3)
		a = t->attr[ROLE_ATTENTION];
	else
		a = t->attr[ROLE_TITLE];
	s = xasprintf(left >= 0 ? _("RTO %s/%s left %s") : _("RTO %s/%s OVER %s"),
	    tui_clock(el, c1, sizeof c1), tui_clock(target, c2, sizeof c2),
	    tui_clock(left, c3, sizeof c3));
	tui_put(1, 0, t->cols, a, s);
	x = tui_width(s) + 2;
	free(s);

	s = main_rpo_words(t, &a);
	tui_put(1, x, t->cols - x, a, s);
	x += tui_width(s) + 2;
	free(s);
	if (t->w.current >= 0)
		tui_putf(1, x, t->cols - x, A_NORMAL, _("Step %d/%zu"), t->w.current + 1,
		    t->w.rb->nsteps);
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

/* The step list in the box y,x h high, w wide. */
static void
main_list(struct tui *t, int y, int x, int h, int w)
{
	int	n = (int)t->w.rb->nsteps, i, row;
	attr_t	a;
	const char *g;

	if (t->list_cur >= n)
		t->list_cur = n - 1;
	if (t->list_cur < 0)
		t->list_cur = 0;
	if (t->list_cur < t->list_top)
		t->list_top = t->list_cur;
	if (t->list_cur >= t->list_top + h)
		t->list_top = t->list_cur - h + 1;
	for (row = 0; row < h && t->list_top + row < n; row++) {
		i = t->list_top + row;
		g = main_step_glyph(t, i, &a);
		if (i == t->w.current)
			a |= A_BOLD;
		if (t->focus == FOCUS_LIST && i == t->list_cur) {
			a = t->attr[ROLE_SELECTED];
			tui_fill(y + row, x, w, a);
		}
		tui_putf(y + row, x, w, a, "%s%2d %s", g, i + 1, t->w.rb->steps[i].title);
	}
}

/* The step pane in the box y,x h high, w wide, scrolled to keep the item cursor visible. */
static void
main_pane(struct tui *t, int y, int x, int h, int w)
{
	struct plines	pl = { NULL, 0 };
	int		view = main_view(t), first = -1, last = -1, row;
	size_t		k;
	attr_t		a;

	if (view < 0) {
		tui_put(y, x, w, A_NORMAL, _("No step."));
		return;
	}
	main_pane_lines(t, view, w, &pl);
	if (t->item_cur >= main_nitems(t, view))
		t->item_cur = main_nitems(t, view) - 1;
	if (t->item_cur < 0)
		t->item_cur = 0;
	for (k = 0; k < pl.n; k++) {
		if (pl.l[k].item == t->item_cur && main_nitems(t, view) > 0) {
			if (first < 0)
				first = (int)k;
			last = (int)k;
		}
	}
	if (first >= 0) {
		if (last >= t->pane_top + h)
			t->pane_top = last - h + 1;
		if (first < t->pane_top)
			t->pane_top = first;
	} else if (t->pane_top > (int)pl.n - h)
		t->pane_top = (int)pl.n - h;
	if (t->pane_top < 0)
		t->pane_top = 0;
	for (row = 0; row < h && t->pane_top + row < (int)pl.n; row++) {
		k = (size_t)(t->pane_top + row);
		a = pl.l[k].attr;
		if (t->focus == FOCUS_PANE && pl.l[k].item >= 0 && pl.l[k].item == t->item_cur &&
		    view == t->w.current) {
			a = t->attr[ROLE_SELECTED];
			tui_fill(y + row, x, w, a);
		}
		tui_put(y + row, x, w, a, pl.l[k].text);
	}
	if (t->pane_top + h < (int)pl.n)
		tui_put(y + h - 1, x + w - 3, 3, t->attr[ROLE_DIM], "...");
	pl_free(&pl);
}

/* The output of the step the pane shows, newest at the bottom unless scrolled back. */
static void
main_output(struct tui *t, int y, int x, int h, int w)
{
	int			 view = main_view(t), nl = 0, first, row, i;
	const struct walk_step	*ws;
	const char		*p, *end, *q;
	size_t			*starts = NULL, cap = 0;
	char			*line, *title;
	attr_t			 a;

	tui_hline(t, y, x, w, t->attr[ROLE_DIM]);
	if (view < 0)
		return;
	ws = &t->w.steps[view];
	title = xasprintf(_(" Output of step %d%s%s%s "), view + 1,
	    ws->status != NULL ? " (" : "", ws->status != NULL ? ws->status : "",
	    ws->status != NULL ? ")" : "");
	tui_put(y, x + 2, w - 4, t->attr[ROLE_TITLE], title);
	free(title);
	h--;
	y++;
	if (h <= 0)
		return;

	/* line starts; a last line is added for the status */
	p = ws->output.data != NULL ? ws->output.data : "";
	end = p + ws->output.len;
	for (q = p; q < end; ) {
		if (nl == (int)cap) {
			cap = cap == 0 ? 64 : cap * 2;
			starts = xreallocarray(starts, cap, sizeof *starts);
		}
		starts[nl++] = (size_t)(q - p);
		if ((q = memchr(q, '\n', (size_t)(end - q))) == NULL)
			break;
		q++;
	}
	if (nl == 0 && !ws->ran && !ws->simulated) {
		tui_put(y, x, w, t->attr[ROLE_DIM], _("(nothing has run in this step)"));
		free(starts);
		return;
	}
	i = nl + ((ws->status != NULL || ws->running || ws->output_cut) ? 1 : 0);
	if (t->out_back > i - h)
		t->out_back = i - h > 0 ? i - h : 0;
	first = i - h - t->out_back;
	if (first < 0)
		first = 0;
	for (row = 0; row < h && first + row < i; row++) {
		if (first + row < nl) {
			q = p + starts[first + row];
			end = memchr(q, '\n', (size_t)(p + ws->output.len - q));
			if (end == NULL)
				end = p + ws->output.len;
			line = xstrndup(q, (size_t)(end - q));
			if (*line != '\0' && line[strlen(line) - 1] == '\r')
				line[strlen(line) - 1] = '\0';
			tui_put(y + row, x, w, A_NORMAL, line);
			free(line);
		} else {
			a = ws->running ? t->attr[ROLE_RUNNING] :
			    ws->exit_ok ? t->attr[ROLE_DONE] : t->attr[ROLE_FAILED];
			tui_putf(y + row, x, w, a, "%s%s%s",
			    ws->output_cut ? _("[older output not kept] ") : "",
			    ws->running ? _("running...") : _("ended: "),
			    ws->running || ws->status == NULL ? "" : ws->status);
		}
	}
	if (t->out_back > 0)
		tui_putf(y + h - 1, x + w - 12, 12, t->attr[ROLE_DIM], _("[-%d lines]"),
		    t->out_back);
	free(starts);
}

/* One key and its label for the footer. */
struct fkey {
	const char	*key;
	const char	*label;
};

/* The footer: the keys that work here; ? and q always at the right. */
static void
main_footer(struct tui *t)
{
	struct fkey	 k[12];
	int		 n = 0, i, x = 0, view = main_view(t), w, right, gap;
	const struct rb_step *rs = view >= 0 ? &t->w.rb->steps[view] : NULL;
	char		*s;

	tui_fill(t->rows - 1, 0, t->cols, t->attr[ROLE_HEADER]);
	if (t->focus == FOCUS_LIST) {
		k[n++] = (struct fkey){ "Enter", _("select") };
		k[n++] = (struct fkey){ "j/k", _("move") };
		k[n++] = (struct fkey){ "Tab", _("back") };
	} else if (rs != NULL && !t->w.closed) {
		if (t->proc != NULL || t->w.steps[view].running)
			k[n++] = (struct fkey){ "c", _("cancel") };
		else if (rs->kind == RB_RUN || rs->kind == RB_ACTION)
			k[n++] = (struct fkey){ "x", _("run") };
		else if (rs->kind == RB_CHECKLIST)
			k[n++] = (struct fkey){ "Space", _("tick") };
		else if (rs->kind == RB_DECIDE)
			k[n++] = (struct fkey){ "Enter", _("choose") };
		else if (rs->kind == RB_PROMPT)
			k[n++] = (struct fkey){ "Enter", _("answer") };
		k[n++] = (struct fkey){ "d", _("done") };
		k[n++] = (struct fkey){ "s", _("skip") };
		k[n++] = (struct fkey){ "n", _("note") };
		k[n++] = (struct fkey){ "t", _("timeline") };
		k[n++] = (struct fkey){ "Tab", _("steps") };
	} else {
		k[n++] = (struct fkey){ "t", _("timeline") };
		k[n++] = (struct fkey){ "Tab", _("steps") };
	}
	s = xasprintf("? %s  q %s", _("help"), _("quit"));
	right = tui_width(s);
	tui_put(t->rows - 1, t->cols - right - 1, right, t->attr[ROLE_HEADER], s);
	free(s);
	/* One space less between the keys when that makes all of them fit (German). */
	for (i = 0, w = 0; i < n; i++)
		w += tui_width(k[i].key) + tui_width(k[i].label) + 3;
	gap = w > t->cols - right - 2 ? 2 : 3;
	for (i = 0; i < n; i++) {
		w = tui_width(k[i].key) + tui_width(k[i].label) + gap;
		if (x + w > t->cols - right - 2)
			break;
		tui_put(t->rows - 1, x + 1, t->cols, t->attr[ROLE_HEADER] | A_BOLD, k[i].key);
		tui_put(t->rows - 1, x + 2 + tui_width(k[i].key), t->cols,
		    t->attr[ROLE_HEADER], k[i].label);
		x += w;
	}
}

/* Draw the main screen. */
static void
main_draw(struct tui *t, struct screen *sc)
{
	int	bh, oh, th, lw, top = 3;

	main_header(t);
	bh = t->rows - 5;
	oh = bh * 2 / 5;
	if (oh < 3)
		oh = 3;
	th = bh - oh;
	lw = t->cols / 3;
	if (lw > 36)
		lw = 36;
	main_list(t, top, 0, th, lw);
	tui_vline(t, top, lw, th, t->attr[ROLE_DIM]);
	main_pane(t, top, lw + 2, th, t->cols - lw - 2);
	main_output(t, top + th, 0, oh, t->cols);
	if (t->status != NULL)
		tui_put(t->rows - 2, 0, t->cols, t->status_alarm ? t->attr[ROLE_ALARM] :
		    t->attr[ROLE_TITLE], t->status);
	main_footer(t);
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
	t->item_cur = 0;
	t->pane_top = 0;
	t->out_back = 0;
	t->list_cur = t->w.current;
}

/* The answer to "close the incident?". */
static void
main_close_done(struct tui *t, bool ok, const char *text, void *arg)
{
	struct incident_event	 ev;
	char			*cause = NULL;

	if (!ok) {
		tui_status(t, false, "%s", _("The incident stays open."));
		return;
	}
	memset(&ev, 0, sizeof ev);
	if (incident_close(t->o->store, t->o->inc->id,
	    t->o->inc->mode == INCIDENT_MODE_DRILL ? "drill complete" : "resolved",
	    &ev, &cause) != 0) {
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
	if ((size_t)q + 1 < rs->nquestions)
		t->item_cur = q + 1;
}

/* Start the child of step i: record the command, then run it. */
static void
main_start(struct tui *t, int i)
{
	const struct rb_step	*rs = &t->w.rb->steps[i];
	struct proc_opts	 po;
	const char		*path;
	char			*cmd, **argv = NULL, **env, *cause = NULL;
	int			 r;

	if ((cmd = main_command(t, i, &argv, &cause)) == NULL) {
		tui_status(t, true, "%s", cause);
		free(cause);
		return;
	}
	if (tui_record(t, rs->id, INCIDENT_EV_COMMAND_STARTED, cmd) != 0)
		goto out;
	main_step_conf(t, i, &path);
	env = runbook_step_env(t->o->inc, rs->id, path, t->o->conf->state_dir);
	memset(&po, 0, sizeof po);
	po.env = (const char *const *)env;
	po.grace_ms = 3000;
	if (argv != NULL)
		r = proc_start((const char *const *)argv, &po, &t->proc, &cause);
	else
		r = proc_start_shell(cmd, &po, &t->proc, &cause);
	runbook_step_env_free(env);
	if (r != 0) {
		t->proc = NULL;
		incident_append_exit(t->o->store, t->o->inc->id, rs->id, cause, 127, 0,
		    false, 0, 0, NULL, NULL);
		tui_record(t, rs->id, INCIDENT_EV_STEP_FAILED, cause);
		free(cause);
		goto out;
	}
	t->proc_step = i;
	t->proc_bytes = t->proc_dropped = 0;
	t->out_back = 0;
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
	if (t->proc != NULL || t->w.steps[i].running) {
		tui_status(t, true, "%s", _("A command is running already."));
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

/* c: cancel the running child (SIGTERM, then SIGKILL), or settle a run nobody owns. */
static void
main_key_cancel(struct tui *t, int i)
{
	if (t->proc != NULL) {
		if (!proc_cancelled(t->proc)) {
			proc_cancel(t->proc);
			tui_status(t, false, "%s",
			    _("Cancelling: SIGTERM sent, SIGKILL follows in 3 s."));
		}
		return;
	}
	if (i >= 0 && t->w.steps[i].running) {
		incident_append_exit(t->o->store, t->o->inc->id, t->w.rb->steps[i].id,
		    "interrupted", -1, 0, true, 0, 0, NULL, NULL);
		tui_sync(t);
		tui_status(t, false, "%s", _("The unfinished run is marked as interrupted."));
		return;
	}
	tui_status(t, true, "%s", _("Nothing is running."));
}

/* Space (and Enter on a checklist): tick or untick the item under the cursor. */
static void
main_key_tick(struct tui *t, int i)
{
	const struct rb_step	*rs = &t->w.rb->steps[i];
	struct incident_event	 ev;
	char			*cause = NULL;
	bool			 on;

	if (rs->kind != RB_CHECKLIST || t->item_cur < 0 || (size_t)t->item_cur >= rs->nitems)
		return;
	on = !t->w.steps[i].ticks[t->item_cur];
	memset(&ev, 0, sizeof ev);
	if (incident_append_check(t->o->store, t->o->inc->id, rs->id, on, t->item_cur,
	    rs->items[t->item_cur], &ev, &cause) != 0) {
		tui_status(t, true, _("not recorded: %s"), cause);
		free(cause);
		return;
	}
	tui_own(t, ev.seq);
	incident_event_clear(&ev);
	tui_sync(t);
	if (on && (size_t)t->item_cur + 1 < rs->nitems)
		t->item_cur++;
}

/* Enter in the pane: choose a decision answer, answer a prompt, or tick. */
static void
main_key_enter(struct tui *t, int i)
{
	const struct rb_step	*rs = &t->w.rb->steps[i];
	const struct walk_step	*ws = &t->w.steps[i];
	struct incident_event	 ev;
	char			*cause = NULL;
	int			 a = t->item_cur;

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

/* Keys of the main screen. */
static int
main_key(struct tui *t, struct screen *sc, int fn, wint_t k)
{
	int	cur = t->w.current, n;
	bool	open = !t->w.closed;

	if (fn && (k == KEY_PPAGE || k == KEY_NPAGE)) {
		t->out_back += k == KEY_PPAGE ? 5 : -5;
		if (t->out_back < 0)
			t->out_back = 0;
		return (SCR_REDRAW);
	}
	if (!fn && k == L'\t') {
		t->focus = t->focus == FOCUS_LIST ? FOCUS_PANE : FOCUS_LIST;
		t->list_cur = cur >= 0 ? cur : 0;
		return (SCR_REDRAW);
	}
	if ((fn && (k == KEY_UP || k == KEY_DOWN)) || (!fn && (k == L'k' || k == L'j'))) {
		n = (fn && k == KEY_UP) || (!fn && k == L'k') ? -1 : 1;
		if (t->focus == FOCUS_LIST) {
			t->list_cur += n;
			if (t->list_cur >= (int)t->w.rb->nsteps)
				t->list_cur = (int)t->w.rb->nsteps - 1;
			if (t->list_cur < 0)
				t->list_cur = 0;
		} else {
			t->item_cur += n;
			if (t->item_cur >= main_nitems(t, cur))
				t->item_cur = main_nitems(t, cur) - 1;
			if (t->item_cur < 0)
				t->item_cur = 0;
		}
		return (SCR_REDRAW);
	}
	if (fn && k == KEY_BTAB) {
		t->focus = FOCUS_LIST;
		return (SCR_REDRAW);
	}
	if ((fn && k == KEY_ENTER) || (!fn && (k == L'\r' || k == L'\n'))) {
		if (t->focus == FOCUS_LIST) {
			if (open)
				main_goto(t, t->list_cur);
			t->focus = FOCUS_PANE;
		} else if (open && cur >= 0)
			main_key_enter(t, cur);
		return (SCR_REDRAW);
	}
	if (fn)
		return (0);
	switch (k) {
	case L'?':
		tui_help(t);
		return (SCR_REDRAW);
	case L't':
		tui_timeline(t);
		return (SCR_REDRAW);
	case L'q':
		if (t->proc != NULL) {
			tui_confirm(t, _("Leave"), _("A command is running. Cancel it and leave? (y/n)"),
			    main_quit_confirmed, NULL);
			return (SCR_REDRAW);
		}
		return (SCR_QUIT);
	default:
		break;
	}
	if (!open) {
		tui_status(t, true, "%s", _("The incident is closed."));
		return (SCR_REDRAW);
	}
	if (t->focus == FOCUS_LIST && k != L'n') {
		tui_status(t, true, "%s", _("Open a step first (Enter) or go back (Tab)."));
		return (SCR_REDRAW);
	}
	if (cur < 0)
		return (0);
	n = cur;
	switch (k) {
	case L' ':
		main_key_tick(t, n);
		break;
	case L'x':
		main_key_run(t, n);
		break;
	case L'd':
		main_key_done(t, n);
		break;
	case L's':
		if (t->w.steps[n].running)
			tui_status(t, true, "%s", _("The step is running: cancel it (c) first."));
		else
			tui_edit(t, _("Reason for skipping this step"), NULL, main_skip_done,
			    (void *)(intptr_t)n);
		break;
	case L'n':
		tui_edit(t, _("Note for the record"), NULL, main_note_done, (void *)(intptr_t)n);
		break;
	case L'c':
		main_key_cancel(t, n);
		break;
	default:
		return (0);
	}
	return (SCR_REDRAW);
}

/* Nothing to relayout beyond what draw computes; keep the cursors in range. */
static void
main_resize(struct tui *t, struct screen *sc)
{
	t->pane_top = 0;
}

const struct screen_ops tui_main_screen = {
	.name = "main",
	.draw = main_draw,
	.key = main_key,
	.resize = main_resize,
	.tick = NULL,
	.free = NULL,
};

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
	stream_status_free(&st);
}

/* Before the first screen: the first step becomes current when none is; the backups are scanned. */
void
tui_main_first(struct tui *t)
{
	if (t->w.current < 0 && t->w.rb->nsteps > 0 && !t->w.closed)
		main_goto(t, 0);
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

/* Record how the child ended (why: the reason of a cancel, or NULL) and let it go. */
static void
main_child_end(struct tui *t, const char *why)
{
	const char	*step = t->w.rb->steps[t->proc_step].id;
	char		 st[128], *cause;
	int		 code, sig;

	proc_status_string(t->proc, st, sizeof st);
	code = proc_exit_code(t->proc);
	sig = proc_term_signal(t->proc);
	incident_append_exit(t->o->store, t->o->inc->id, step, st, code, sig,
	    proc_cancelled(t->proc), t->proc_bytes, t->proc_dropped, NULL, NULL);
	tui_sync(t);
	if (code != 0) {
		if (why != NULL) {
			cause = xasprintf(_("%s; cancelled: %s"), st, why);
			tui_record(t, step, INCIDENT_EV_STEP_FAILED, cause);
			free(cause);
		} else
			tui_record(t, step, INCIDENT_EV_STEP_FAILED, st);
	}
	proc_free(t->proc);
	t->proc = NULL;
	t->proc_step = -1;
}

/* Read the child's output into the record; record its end once it is reaped. */
static void
main_child_io(struct tui *t, const char *why)
{
	struct buf	 b;
	char		*cause = NULL;
	int		 r = 1, kept;

	if (t->proc == NULL)
		return;
	buf_init(&b);
	if (proc_fd(t->proc) != -1) {
		r = proc_read(t->proc, &b, 0, &cause);
		if (b.len > 0) {
			t->proc_bytes += b.len;
			kept = incident_append_output(t->o->store, t->o->inc->id,
			    t->w.rb->steps[t->proc_step].id, b.data, b.len, NULL);
			if (kept <= 0)
				t->proc_dropped += b.len;
			tui_sync(t);
		}
		if (r < 0) {
			tui_status(t, true, "%s", cause);
			free(cause);
		}
	}
	buf_free(&b);
	if (proc_fd(t->proc) == -1 && proc_reap(t->proc))
		main_child_end(t, why);
}

/* The child's pipe is ready (or closed): record its output, then its end. */
void
tui_child_event(struct tui *t)
{
	main_child_io(t, NULL);
}

/* The TUI is ending with a child running: cancel it, wait briefly, record its end. */
void
tui_child_hangup(struct tui *t, const char *why)
{
	struct timespec	ts = { 0, 50 * 1000 * 1000 };
	int64_t		limit = tui_now_ms() + 4000;

	if (t->proc == NULL)
		return;
	proc_cancel(t->proc);
	while (t->proc != NULL && tui_now_ms() < limit) {
		main_child_io(t, why);
		if (t->proc != NULL) {
			proc_tick(t->proc);
			nanosleep(&ts, NULL);
		}
	}
	if (t->proc != NULL) {
		incident_append_exit(t->o->store, t->o->inc->id,
		    t->w.rb->steps[t->proc_step].id, "signal 9 (Killed)", -1, 9, true,
		    t->proc_bytes, t->proc_dropped, NULL, NULL);
		proc_free(t->proc);	/* SIGKILL and reap */
		t->proc = NULL;
	}
}
