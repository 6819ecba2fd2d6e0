/*
 * tui-main-draw.c: drawing the main screen: header with clocks, step list,
 * step pane, output, status line and footer (tui_main_draw lays them out).
 */
#include "system.h"

#include <limits.h>

#include "ui/tui-main-int.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

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
int
tui_main_nitems(struct tui *t, int i)
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
	switch (tui_main_drill_rule(t, rs)) {
	case RB_DRILL_SIMULATE:
		return (_("Drill: simulated, not run (x records it)"));
	case RB_DRILL_SKIP:
		return (_("Drill: skipped in drills (x skips it)"));
	default:
		if (tui_main_step_conf(t, i, &path) != t->o->conf)
			return (_("Drill: runs in the drill's sandbox, never on live paths"));
		return (_("Drill: runs with the live settings (it only reads them or adds "
		    "to backup_dir)"));
	}
}

/* The line of a running step: ours, another live run (who, pid, age), or one nobody can watch. */
static void
main_pane_run(struct tui *t, int i, int width, struct plines *pl)
{
	const struct run_claim	*c = &t->w.steps[i].claim;
	char			*who, *s;

	if (tui_main_run_ours(t, i)) {
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
	struct buf		 state;
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
	/* the record's words, as the report has them: a failure stays one after a skip */
	buf_init(&state);
	if (i == t->w.current && ws->state == WALK_PENDING && !ws->failed)
		buf_adds(&state, _("current"));
	else
		walk_step_describe(&t->w, i, &state);
	s = xasprintf(_("Role: %s  Expected: %s  Elapsed: %s  State: %s"),
	    rs->role != NULL ? rs->role : "-", exp,
	    ws->started_ms > 0 ? tui_clock(el, e1, sizeof e1) : "-", state.data);
	buf_clear(&state);
	pl_wrap(pl, ws->failed ? t->attr[ROLE_FAILED] : a, -1, width, 0, s);
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
		if ((cmd = tui_main_command(t, i, NULL, &cause)) == NULL) {
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

	/* a failure stays one after a skip or a done: the list shows it as the report counts it */
	if (ws->failed && ws->state != WALK_RUNNING) {
		*a = t->attr[ROLE_FAILED];
		return (tui_glyph(t, "\xe2\x9c\x97", "!"));
	}
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
int
tui_main_clamp(int top, int n, int h)
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
	m->list_top = tui_main_clamp(m->list_top, n, h);
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
	int		view = tui_main_view(t, m), first = -1, last = -1, row, ni;
	bool		mine;
	size_t		k;
	attr_t		a;

	if (view < 0) {
		tui_put(y, x, w, A_NORMAL, _("No step."));
		return;
	}
	main_pane_lines(t, view, w, &pl);
	ni = tui_main_nitems(t, view);
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
	m->pane_top = tui_main_clamp(m->pane_top, (int)pl.n, h);
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
	int			 view = tui_main_view(t, m), first, row, total;
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
	first = m->out_top >= 0 ? m->out_top : tui_main_clamp(total - h, total, h);
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
bool
tui_main_key_applies(struct tui *t, struct main_state *m, const struct tui_key *k)
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
		if (tui_main_keys[r].label == NULL ||
		    !tui_main_key_applies(t, m, &tui_main_keys[r]))
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
void
tui_main_draw(struct tui *t, struct screen *sc)
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
