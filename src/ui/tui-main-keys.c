/*
 * tui-main-keys.c: the keys of the main screen: tui_main_keys[] ({key, when:
 * pane, step kind, open/idle/busy; handler; footer label; help}) and the work
 * of each key on the current step. tui_main_key runs the first row that applies;
 * main_footer and the help screen (tui-dialog.c) read the same rows.
 */
#include "system.h"

#include <limits.h>

#include "ui/tui-main-int.h"
#include "util/xmalloc.h"

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
void
tui_main_advance(struct tui *t, int i)
{
	int	next = walk_next(&t->w, i);

	if (next >= 0) {
		tui_main_goto(t, next);
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
	tui_main_advance(t, i);
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
			msg = xasprintf(_("Unanswered: %zu of %zu questions. Mark the step done "
			    "anyway? (y/n)"), open, rs->nquestions);
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

/*
 * What the operator typed did not reach the record (the status line says
 * why: a full disk, a locked record): the editor again with the text in it,
 * so that it is not lost; Enter tries again, Esc gives it up.
 */
static void
main_edit_again(struct tui *t, const char *text, tui_done_fn done, void *arg)
{
	tui_edit(t, _("NOT RECORDED (see below): Enter tries again, Esc drops it"), text, done,
	    arg);
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
		tui_main_advance(t, i);
	else
		main_edit_again(t, text, main_skip_done, arg);
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
	else
		main_edit_again(t, text, main_note_done, arg);
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
	struct main_state	*m = tui_main_st(t);
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
	int			 i = (int)((intptr_t)arg >> 16), q = (int)((intptr_t)arg & 0xffff), r;
	const struct rb_step	*rs = &t->w.rb->steps[i];
	struct incident_event	 ev;
	char			*cause = NULL;

	if (!ok)
		return;
	memset(&ev, 0, sizeof ev);
	r = incident_append_answer(t->o->store, t->o->inc->id, rs->id, rs->questions[q].id,
	    rs->questions[q].text, text, &ev, &cause);
	if (tui_appended(t, r, &ev, &cause) != 0) {
		main_edit_again(t, text, main_answer_done, arg);
		return;
	}
	main_next_question(t, i, q);
}

/* Space (and Enter on a checklist): tick or untick the item under the cursor. */
static void
main_key_tick(struct tui *t, int i)
{
	const struct rb_step	*rs = &t->w.rb->steps[i];
	struct main_state	*m = tui_main_st(t);
	struct incident_event	 ev;
	char			*cause = NULL;
	bool			 on;
	int			 r;

	if (rs->kind != RB_CHECKLIST || m->item_cur < 0 || (size_t)m->item_cur >= rs->nitems)
		return;
	on = !t->w.steps[i].ticks[m->item_cur];
	memset(&ev, 0, sizeof ev);
	r = incident_append_check(t->o->store, t->o->inc->id, rs->id, on, m->item_cur,
	    rs->items[m->item_cur], &ev, &cause);
	if (tui_appended(t, r, &ev, &cause) != 0)
		return;
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
	int			 a = tui_main_st(t)->item_cur, r;

	if (a < 0 || a >= tui_main_nitems(t, i))
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
		r = incident_append_decision(t->o->store, t->o->inc->id, rs->id, rs->question,
		    rs->answers[a].label, rs->answers[a].next, &ev, &cause);
		if (tui_appended(t, r, &ev, &cause) != 0)
			return;
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
	int	view = tui_main_view(t, m), ni, base, last;

	switch (m->focus) {
	case MF_LIST:
		m->list_cur = main_scroll_by(m->list_cur, arg, m->list_h,
		    (int)t->w.rb->nsteps - 1);
		break;
	case MF_STEP:
		ni = tui_main_nitems(t, view);
		if ((arg == SC_LINE || arg == -SC_LINE) && ni > 0 && view == t->w.current) {
			m->item_cur = main_scroll_by(m->item_cur, arg, 1, ni - 1);
			m->item_show = true;
		} else
			m->pane_top = main_scroll_by(m->pane_top, arg, m->pane_h,
			    tui_main_clamp(INT_MAX / 2, m->pane_n, m->pane_h));
		break;
	case MF_OUT:
		last = tui_main_clamp(INT_MAX / 2, m->out_n, m->out_h);
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
		tui_main_goto(t, m->list_cur);
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
		tui_main_key_run(t, cur);
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
		tui_main_key_cancel(t, cur);
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
		tui_help(t, tui_main_keys, tui_main_nkeys);
		break;
	case KO_CONTACTS:
		tui_contacts(t);
		break;
	case KO_QUIT:
		/* a child that has just ended is settled first, as the tick would */
		if (t->proc != NULL && (proc_tick(t->proc) || proc_fd(t->proc) == -1))
			tui_main_child_io(t);
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
int
tui_main_key(struct tui *t, struct screen *sc, int fn, wint_t k)
{
	struct main_state	*m = sc->data;
	const struct tui_key	*row;
	size_t			 r;

	if (!fn && k == L'\n')
		k = L'\r';
	for (r = 0; r < tui_main_nkeys; r++) {
		row = &tui_main_keys[r];
		if (row->fn != (fn != 0) || row->key != k ||
		    !tui_main_key_applies(t, m, row))
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
