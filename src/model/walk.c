/* walk.c: the state of a runbook walk, rebuilt from the incident record's events. */
#include "system.h"

#include "model/walk.h"
#include "util/xmalloc.h"

/* Checklist items a step may have as recorded (an index past it is a damaged record). */
#define WALK_ITEMS_MAX 1000

/* The runbook of a walk over the record alone. */
static const struct runbook walk_no_runbook;


/* Set up an empty walk over an (expanded) runbook; rb must outlive the walk. */
void
walk_init(struct walk *w, const struct runbook *rb)
{
	size_t	i;

	memset(w, 0, sizeof *w);
	if (rb == NULL)
		rb = &walk_no_runbook;
	w->rb = rb;
	w->current = -1;
	w->nsteps = rb->nsteps;
	w->steps = xcalloc(rb->nsteps > 0 ? rb->nsteps : 1, sizeof *w->steps);
	for (i = 0; i < rb->nsteps; i++) {
		w->steps[i].decision = -1;
		w->steps[i].id = xstrdup(rb->steps[i].id);
		w->steps[i].title = rb->steps[i].title != NULL ? xstrdup(rb->steps[i].title) :
		    NULL;
		if (rb->steps[i].nitems > 0) {
			w->steps[i].nticks = rb->steps[i].nitems;
			w->steps[i].ticks = xcalloc(rb->steps[i].nitems, sizeof (bool));
			w->steps[i].tick_items = xcalloc(rb->steps[i].nitems, sizeof (char *));
		}
		if (rb->steps[i].nquestions > 0)
			w->steps[i].answers = xcalloc(rb->steps[i].nquestions,
			    sizeof (char *));
		buf_init(&w->steps[i].output);
	}
}

/* The step index of a recorded step id the runbook lacks, added at the end. */
static int
walk_extra(struct walk *w, const char *id)
{
	struct walk_step	*s;
	size_t			 i;

	for (i = w->rb->nsteps; i < w->nsteps; i++)
		if (strcmp(w->steps[i].id, id) == 0)
			return ((int)i);
	w->steps = xreallocarray(w->steps, w->nsteps + 1, sizeof *w->steps);
	s = &w->steps[w->nsteps];
	memset(s, 0, sizeof *s);
	s->id = xstrdup(id);
	s->extra = true;
	s->decision = -1;
	buf_init(&s->output);
	return ((int)w->nsteps++);
}

/* Free everything the walk owns (not the runbook). */
void
walk_clear(struct walk *w)
{
	size_t	i, j;

	if (w->steps != NULL) {
		for (i = 0; i < w->nsteps; i++) {
			free(w->steps[i].ticks);
			str_list_free(w->steps[i].tick_items, w->steps[i].nticks);
			if (i < w->rb->nsteps)
				for (j = 0; j < w->rb->steps[i].nquestions; j++)
					free(w->steps[i].answers[j]);
			free(w->steps[i].answers);
			free(w->steps[i].id);
			free(w->steps[i].title);
			free(w->steps[i].fail_status);
			free(w->steps[i].remark);
			free(w->steps[i].decision_question);
			free(w->steps[i].decision_answer);
			for (j = 0; j < w->steps[i].nans; j++) {
				free(w->steps[i].ans[j].question_id);
				free(w->steps[i].ans[j].question);
				free(w->steps[i].ans[j].answer);
			}
			free(w->steps[i].ans);
			for (j = 0; j < w->steps[i].nruns; j++) {
				free(w->steps[i].runs[j].command);
				free(w->steps[i].runs[j].status);
				buf_clear(&w->steps[i].runs[j].output);
			}
			free(w->steps[i].runs);
			free(w->steps[i].command);
			free(w->steps[i].status);
			free(w->steps[i].skip_reason);
			buf_clear(&w->steps[i].output);
			run_claim_clear(&w->steps[i].claim);
		}
	}
	free(w->steps);
	free(w->outcome);
	free(w->restored_set);
	incident_events_free(w->evs, w->nevs);
	memset(w, 0, sizeof *w);
}

/* Replace *dst with a copy of src (NULL allowed). */
static void
walk_set(char **dst, const char *src)
{
	free(*dst);
	*dst = src != NULL ? xstrdup(src) : NULL;
}

/* Append output to a step, keeping at most WALK_OUTPUT_MAX newest bytes. */
static void
walk_output(struct walk_step *s, const char *p, size_t len)
{
	size_t	drop;

	buf_add(&s->output, p, len);
	if (s->output.len > WALK_OUTPUT_MAX) {
		drop = s->output.len - WALK_OUTPUT_MAX / 2;
		while (drop < s->output.len && s->output.data[drop - 1] != '\n')
			drop++;
		memmove(s->output.data, s->output.data + drop, s->output.len - drop);
		s->output.len -= drop;
		s->output.data[s->output.len] = '\0';
		s->output_cut = true;
	}
}

/* A deep copy of an event into dst. */
static void
walk_ev_copy(struct incident_event *dst, const struct incident_event *src)
{
	*dst = *src;
	dst->incident_id = src->incident_id != NULL ? xstrdup(src->incident_id) : NULL;
	dst->operator = src->operator != NULL ? xstrdup(src->operator) : NULL;
	dst->client = src->client != NULL ? xstrdup(src->client) : NULL;
	dst->step = src->step != NULL ? xstrdup(src->step) : NULL;
	dst->kind_name = src->kind_name != NULL ? xstrdup(src->kind_name) : NULL;
	dst->payload = xstrdup(src->payload != NULL ? src->payload : "");
	dst->run = src->run != NULL ? xstrdup(src->run) : NULL;
}

/* The index of a decide step's answer by label, or -1. */
static int
walk_answer_index(const struct rb_step *rs, const char *label)
{
	size_t	i;

	if (label == NULL)
		return (-1);
	for (i = 0; i < rs->nanswers; i++)
		if (strcmp(rs->answers[i].label, label) == 0)
			return ((int)i);
	return (-1);
}

/* Record the last answer to a question of a step (earlier ones count as revisions). */
static void
walk_answer(struct walk_step *s, const struct incident_event *ev)
{
	struct walk_answer	*a = NULL;
	char			*qid;
	size_t			 i;

	if ((qid = incident_event_get(ev, "question_id")) == NULL)
		qid = xstrdup("");
	for (i = 0; i < s->nans; i++)
		if (strcmp(s->ans[i].question_id, qid) == 0)
			a = &s->ans[i];
	if (a == NULL) {
		s->ans = xreallocarray(s->ans, s->nans + 1, sizeof *s->ans);
		a = &s->ans[s->nans++];
		memset(a, 0, sizeof *a);
		a->question_id = qid;
	} else {
		free(qid);
		free(a->question);
		free(a->answer);
		a->revisions++;
	}
	a->question = incident_event_get(ev, "question");
	a->answer = incident_event_get(ev, "answer");
	a->time_ms = ev->time_ms;
}

/* The run a step's output or exit belongs to: its last one while it has not ended. */
static struct walk_run *
walk_open_run(struct walk_step *s)
{
	if (s->nruns == 0 || s->runs[s->nruns - 1].status != NULL)
		return (NULL);
	return (&s->runs[s->nruns - 1]);
}

/* A tick or untick of item index as recorded; a step's items grow only when the runbook lacks them. */
static void
walk_tick(const struct walk *w, struct walk_step *s, int i, const struct incident_event *ev)
{
	int64_t	n;
	size_t	k, want;

	if (incident_event_get_int(ev, "index", &n) != 0 || n < 0 || n >= WALK_ITEMS_MAX)
		return;
	if ((size_t)n >= s->nticks) {
		if ((size_t)i < w->rb->nsteps)
			return;		/* the runbook says how many items there are */
		want = (size_t)n + 1;
		s->ticks = xreallocarray(s->ticks, want, sizeof *s->ticks);
		s->tick_items = xreallocarray(s->tick_items, want, sizeof *s->tick_items);
		for (k = s->nticks; k < want; k++) {
			s->ticks[k] = false;
			s->tick_items[k] = NULL;
		}
		s->nticks = want;
	}
	free(s->tick_items[n]);
	s->tick_items[n] = incident_event_get(ev, "item");
	s->ticks[n] = ev->kind == INCIDENT_EV_CHECK_TICKED;
}

/* A run of step s ended: its status, and whether the step has failed since its last good run. */
static void
walk_exit(struct walk *w, struct walk_step *s, const struct incident_event *ev)
{
	struct walk_run	*r;
	char		*v, *v2;
	int64_t		 n;

	s->running = false;
	v = incident_event_get(ev, "status");
	s->exit_ok = v != NULL && strcmp(v, "exit 0") == 0;
	if (incident_event_get_int(ev, "cancelled", &n) == 0 && n != 0) {
		v2 = xasprintf(_("cancelled, %s"), v != NULL ? v : "?");
		free(v);
		v = v2;
		s->exit_ok = false;
	}
	if (incident_event_get_int(ev, "output_dropped", &n) == 0 && n > 0)
		s->output_cut = true;
	/* settled after its supervisor vanished (run.h): said in the reader's language */
	if (incident_event_get_int(ev, "unknown", &n) == 0 && n != 0 && v != NULL &&
	    strcmp(v, RUN_UNKNOWN_STATUS) == 0) {
		free(v);
		v = xstrdup(_("ended while nobody watched: outcome unknown"));
	}
	if (w->keep_runs && (r = walk_open_run(s)) != NULL) {
		r->end_ms = ev->time_ms;
		r->status = xstrdup(v != NULL ? v : "?");
		r->code = incident_event_get_int(ev, "code", &n) == 0 ? n : -1;
	}
	free(s->status);
	s->status = v;
	s->state = s->exit_ok ? WALK_PENDING : WALK_FAILED;
	s->ended_ms = ev->time_ms;
	if (s->exit_ok) {
		s->failed = false;
		walk_set(&s->fail_status, NULL);
	} else {
		s->failed = true;
		walk_set(&s->fail_status, s->status != NULL ? s->status : "?");
	}
}

/*
 * Apply one event of the record: the one replay that the TUI, incidents
 * show, drills and every report read a step's state from (walk_kinds says
 * what each kind does). Events at or below the last applied seq are ignored;
 * kinds the walk does not act on only go to the timeline.
 */
void
walk_apply(struct walk *w, const struct incident_event *ev)
{
	const struct rb_step	*rs = NULL;
	struct walk_step	*s = NULL;
	struct walk_run		*r;
	const char		*p = ev->payload != NULL ? ev->payload : "";
	char			*v, *part;
	int64_t			 n;
	int			 i = -1;
	size_t			 q;

	if (ev->seq <= w->last_seq)
		return;
	w->last_seq = ev->seq;
	w->generation++;
	w->evs = xreallocarray(w->evs, w->nevs + 1, sizeof *w->evs);
	walk_ev_copy(&w->evs[w->nevs++], ev);

	if (ev->step != NULL && *ev->step != '\0') {
		if ((i = runbook_step_index(w->rb, ev->step)) >= 0)
			rs = &w->rb->steps[i];
		else if (ev->kind != INCIDENT_EV_NOTE)
			i = walk_extra(w, ev->step);
		if (i >= 0) {
			s = &w->steps[i];
			if (s->first_ms == 0 && ev->kind != INCIDENT_EV_NOTE &&
			    ev->kind != INCIDENT_EV_CURSOR)
				s->first_ms = ev->time_ms;
		}
	}

	switch (ev->kind) {
	case INCIDENT_EV_NOTE:
		w->nnotes++;
		return;
	case INCIDENT_EV_CLOSED:
	case INCIDENT_EV_ABANDONED:
		w->closed = true;
		w->closed_ms = ev->time_ms;
		/* older records: a close whose outcome says "abandoned" */
		w->abandoned = ev->kind == INCIDENT_EV_ABANDONED ||
		    strncmp(p, "abandoned", 9) == 0;
		walk_set(&w->outcome, p);
		return;
	case INCIDENT_EV_CLOCK:
		/* a higher threshold implies the lower ones (75: older records) */
		if (strcmp(p, "rto-50") == 0)
			w->clock_half = true;
		else if (strcmp(p, "rto-75") == 0 || strcmp(p, "rto-80") == 0)
			w->clock_attention = w->clock_half = true;
		else if (strcmp(p, "rto-breached") == 0)
			w->clock_alarm = w->clock_attention = w->clock_half = true;
		else if (strcmp(p, "rpo-breached") == 0)
			w->rpo_alarm = true;
		return;
	case INCIDENT_EV_RESTORED:
		/* The config's and the keys' events do not move the database's point. */
		if ((part = incident_event_get(ev, "part")) != NULL && strcmp(part, "db") != 0) {
			free(part);
			return;
		}
		free(part);
		free(w->restored_set);
		w->restored_set = incident_event_get(ev, "set");
		if (incident_event_get_int(ev, "backup_ms", &n) == 0)
			w->restored_ms = n;
		return;
	default:
		break;
	}
	if (s == NULL)
		return;
	/* output and ends of another run than the step's last one are not its (never merged) */
	if ((ev->kind == INCIDENT_EV_OUTPUT || ev->kind == INCIDENT_EV_EXIT ||
	    (ev->kind == INCIDENT_EV_STEP_FAILED && ev->run != NULL)) &&
	    s->claim.step != NULL && !run_event_of(&s->claim, ev))
		return;

	switch (ev->kind) {
	case INCIDENT_EV_STEP_STARTED:
	case INCIDENT_EV_CURSOR:
		if (rs != NULL)
			w->current = i;
		if (!s->visited)
			s->started_ms = ev->time_ms;
		s->visited = true;
		if (ev->kind == INCIDENT_EV_STEP_STARTED && s->title == NULL && *p != '\0')
			s->title = xstrdup(p);
		break;
	case INCIDENT_EV_RUN_CLAIMED:
	case INCIDENT_EV_COMMAND_STARTED:
		if (ev->kind == INCIDENT_EV_COMMAND_STARTED && ev->run != NULL &&
		    run_event_of(&s->claim, ev)) {
			walk_set(&s->command, p);
			break;
		}
		run_claim_clear(&s->claim);
		run_claim_from_event(ev, &s->claim);
		walk_set(&s->command, s->claim.command);
		s->ran = s->running = true;
		s->simulated = false;
		s->state = WALK_RUNNING;
		walk_set(&s->status, NULL);
		buf_reset(&s->output);
		s->output_cut = false;
		if (w->keep_runs) {
			s->runs = xreallocarray(s->runs, s->nruns + 1, sizeof *s->runs);
			r = &s->runs[s->nruns++];
			memset(r, 0, sizeof *r);
			r->command = xstrdup(s->command != NULL ? s->command : "");
			r->start_ms = ev->time_ms;
			r->code = -1;
			buf_init(&r->output);
		}
		break;
	case INCIDENT_EV_OUTPUT:
		walk_output(s, p, strlen(p));
		if (w->keep_runs && (r = walk_open_run(s)) != NULL)
			buf_adds(&r->output, p);
		break;
	case INCIDENT_EV_EXIT:
		walk_exit(w, s, ev);
		break;
	case INCIDENT_EV_STEP_FAILED:
		s->running = false;
		s->state = WALK_FAILED;
		if (s->status == NULL)
			walk_set(&s->status, p);
		if (!s->failed || s->fail_status == NULL)
			walk_set(&s->fail_status, *p != '\0' ? p : _("failed"));
		s->failed = true;
		walk_set(&s->remark, *p != '\0' ? p : NULL);
		s->ended_ms = ev->time_ms;
		break;
	case INCIDENT_EV_CHECK_TICKED:
	case INCIDENT_EV_CHECK_UNTICKED:
		walk_tick(w, s, i, ev);
		break;
	case INCIDENT_EV_DECISION:
		v = incident_event_get(ev, "answer");
		s->decision = rs != NULL ? walk_answer_index(rs, v) : -1;
		free(s->decision_answer);
		s->decision_answer = v;
		free(s->decision_question);
		s->decision_question = incident_event_get(ev, "question");
		break;
	case INCIDENT_EV_PROMPT_ANSWER:
		walk_answer(s, ev);
		v = incident_event_get(ev, "question_id");
		for (q = 0; v != NULL && rs != NULL && q < rs->nquestions; q++) {
			if (strcmp(rs->questions[q].id, v) == 0) {
				free(s->answers[q]);
				s->answers[q] = incident_event_get(ev, "answer");
			}
		}
		free(v);
		break;
	case INCIDENT_EV_STEP_SKIPPED:
		walk_set(&s->skip_reason, p);
		walk_set(&s->remark, *p != '\0' ? p : NULL);
		s->state = WALK_SKIPPED;
		s->ended_ms = ev->time_ms;
		break;
	case INCIDENT_EV_STEP_DONE:
		if (str_has_prefix(p, WALK_SIMULATED)) {
			s->simulated = true;
			walk_set(&s->status, _("simulated (drill)"));
		}
		walk_set(&s->remark, *p != '\0' ? p : NULL);
		s->state = WALK_DONE;
		s->ended_ms = ev->time_ms;
		break;
	default:
		break;
	}
}

/* Replay events (in seq order) into w. */
void
walk_replay(struct walk *w, const struct incident_event *evs, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		walk_apply(w, &evs[i]);
}

/* The step after index i: the decision's target when it has one, else i + 1; -1 past the end. */
int
walk_next(const struct walk *w, int i)
{
	const struct rb_step	*rs;
	int			 t;

	if (i < 0)
		return (w->rb->nsteps > 0 ? 0 : -1);
	rs = &w->rb->steps[i];
	if (rs->kind == RB_DECIDE && w->steps[i].decision >= 0 &&
	    rs->answers[w->steps[i].decision].next != NULL &&
	    (t = runbook_step_index(w->rb, rs->answers[w->steps[i].decision].next)) >= 0)
		return (t);
	if ((size_t)i + 1 < w->rb->nsteps)
		return (i + 1);
	return (-1);
}

/* The name of a step state, translated. */
const char *
walk_state_name(enum walk_state st)
{
	switch (st) {
	case WALK_PENDING:
		return (_("pending"));
	case WALK_RUNNING:
		return (_("running"));
	case WALK_DONE:
		return (_("done"));
	case WALK_SKIPPED:
		return (_("skipped"));
	case WALK_FAILED:
		return (_("failed"));
	}
	return ("?");
}

/* How many checklist items of step i are ticked. */
size_t
walk_ticked(const struct walk *w, int i)
{
	size_t	j, n = 0;

	for (j = 0; j < w->steps[i].nticks; j++)
		if (w->steps[i].ticks[j])
			n++;
	return (n);
}

/* The text of item j of step i. */
const char *
walk_item(const struct walk *w, int i, size_t j)
{
	if ((size_t)i < w->rb->nsteps && j < w->rb->steps[i].nitems)
		return (w->rb->steps[i].items[j]);
	if (j < w->steps[i].nticks && w->steps[i].tick_items[j] != NULL)
		return (w->steps[i].tick_items[j]);
	return ("");
}

/*
 * Append what a step marked done left open, so that "done" claims no more
 * than the record: "; its command not run here", "; items ticked: 2 of 5",
 * "; questions answered: 1 of 3".
 */
static void
walk_step_gaps(const struct walk *w, int i, struct buf *b)
{
	const struct walk_step	*s = &w->steps[i];
	const struct rb_step	*rs = NULL;
	size_t			 q, nq = 0, answered = 0;

	if (w->rb != NULL && !s->extra && (size_t)i < w->rb->nsteps)
		rs = &w->rb->steps[i];
	/* marked done with its command never run nor simulated: the record has no action */
	if (rs != NULL && (rs->kind == RB_RUN || rs->kind == RB_ACTION) && !s->ran &&
	    !s->simulated && !s->failed)
		buf_adds(b, _("; its command not run here"));
	if (s->nticks > 0 && walk_ticked(w, i) < s->nticks)
		buf_printf(b, _("; items ticked: %zu of %zu"), walk_ticked(w, i), s->nticks);
	if (rs != NULL && s->answers != NULL)
		nq = rs->nquestions;
	for (q = 0; q < nq; q++)
		if (s->answers[q] != NULL)
			answered++;
	if (answered < nq)
		buf_printf(b, _("; questions answered: %zu of %zu"), answered, nq);
}

/*
 * What the record says of step i, in words (raw: the caller escapes it):
 * "not reached", "done", "simulated (drill)", "failed (exit 66)",
 * "failed (exit 66), then skipped: REASON", "failed (exit 1), then marked
 * done anyway"...
 */
void
walk_step_describe(const struct walk *w, int i, struct buf *b)
{
	const struct walk_step	*s = &w->steps[i];
	const char		*why = s->fail_status != NULL ? s->fail_status : "?";

	switch (s->state) {
	case WALK_PENDING:
		if (s->failed)
			buf_printf(b, _("failed (%s)"), why);
		else
			buf_adds(b, s->first_ms != 0 || s->visited ? _("started") :
			    _("not reached"));
		break;
	case WALK_RUNNING:
		buf_adds(b, _("running"));
		break;
	case WALK_FAILED:
		buf_printf(b, _("failed (%s)"), why);
		break;
	case WALK_SKIPPED:
		if (s->failed)
			buf_printf(b, _("failed (%s), then skipped: %s"), why,
			    s->skip_reason != NULL && *s->skip_reason != '\0' ? s->skip_reason :
			    _("no reason given"));
		else
			buf_printf(b, _("skipped: %s"), s->skip_reason != NULL &&
			    *s->skip_reason != '\0' ? s->skip_reason : _("no reason given"));
		break;
	case WALK_DONE:
		if (s->failed)
			buf_printf(b, _("failed (%s), then marked done anyway"), why);
		else if (s->simulated)
			buf_adds(b, _("simulated (drill)"));
		else
			buf_adds(b, _("done"));
		walk_step_gaps(w, i, b);
		break;
	}
}
