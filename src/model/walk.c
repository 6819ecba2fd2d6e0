/* walk.c: the state of a runbook walk, rebuilt from the incident record's events. */
#include "system.h"

#include "model/walk.h"
#include "util/xmalloc.h"

/* Set up an empty walk over an (expanded) runbook; rb must outlive the walk. */
void
walk_init(struct walk *w, const struct runbook *rb)
{
	size_t	i;

	memset(w, 0, sizeof *w);
	w->rb = rb;
	w->current = -1;
	w->steps = xcalloc(rb->nsteps > 0 ? rb->nsteps : 1, sizeof *w->steps);
	for (i = 0; i < rb->nsteps; i++) {
		w->steps[i].decision = -1;
		if (rb->steps[i].nitems > 0)
			w->steps[i].ticks = xcalloc(rb->steps[i].nitems, sizeof (bool));
		if (rb->steps[i].nquestions > 0)
			w->steps[i].answers = xcalloc(rb->steps[i].nquestions,
			    sizeof (char *));
		buf_init(&w->steps[i].output);
	}
}

/* Free everything the walk owns (not the runbook). */
void
walk_free(struct walk *w)
{
	size_t	i, j;

	if (w->steps != NULL) {
		for (i = 0; i < w->rb->nsteps; i++) {
			free(w->steps[i].ticks);
			for (j = 0; j < w->rb->steps[i].nquestions; j++)
				free(w->steps[i].answers[j]);
			free(w->steps[i].answers);
			free(w->steps[i].command);
			free(w->steps[i].status);
			free(w->steps[i].skip_reason);
			buf_free(&w->steps[i].output);
		}
	}
	free(w->steps);
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

/*
 * Apply one event of the record. Events at or below the last applied seq are
 * ignored; kinds the walk does not act on only go to the timeline.
 */
void
walk_apply(struct walk *w, const struct incident_event *ev)
{
	const struct rb_step	*rs = NULL;
	struct walk_step	*s = NULL;
	const char		*p = ev->payload != NULL ? ev->payload : "";
	char			*v, *v2;
	int64_t			 n;
	int			 i = -1;
	size_t			 q;

	if (ev->seq <= w->last_seq)
		return;
	w->last_seq = ev->seq;
	w->generation++;
	w->evs = xreallocarray(w->evs, w->nevs + 1, sizeof *w->evs);
	walk_ev_copy(&w->evs[w->nevs++], ev);

	if (ev->step != NULL && *ev->step != '\0' &&
	    (i = runbook_step_index(w->rb, ev->step)) >= 0) {
		rs = &w->rb->steps[i];
		s = &w->steps[i];
	}

	switch (ev->kind) {
	case INCIDENT_EV_NOTE:
		w->nnotes++;
		return;
	case INCIDENT_EV_CLOSED:
		w->closed = true;
		w->closed_ms = ev->time_ms;
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
	default:
		break;
	}
	if (s == NULL)
		return;

	switch (ev->kind) {
	case INCIDENT_EV_STEP_STARTED:
	case INCIDENT_EV_CURSOR:
		w->current = i;
		if (!s->visited)
			s->started_ms = ev->time_ms;
		s->visited = true;
		break;
	case INCIDENT_EV_COMMAND_STARTED:
		walk_set(&s->command, p);
		s->ran = s->running = true;
		s->simulated = false;
		s->state = WALK_RUNNING;
		walk_set(&s->status, NULL);
		buf_reset(&s->output);
		s->output_cut = false;
		break;
	case INCIDENT_EV_OUTPUT:
		walk_output(s, p, strlen(p));
		break;
	case INCIDENT_EV_EXIT:
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
		free(s->status);
		s->status = v;
		s->state = s->exit_ok ? WALK_PENDING : WALK_FAILED;
		s->ended_ms = ev->time_ms;
		break;
	case INCIDENT_EV_STEP_FAILED:
		s->running = false;
		s->state = WALK_FAILED;
		if (s->status == NULL)
			walk_set(&s->status, p);
		s->ended_ms = ev->time_ms;
		break;
	case INCIDENT_EV_CHECK_TICKED:
	case INCIDENT_EV_CHECK_UNTICKED:
		if (incident_event_get_int(ev, "index", &n) == 0 && n >= 0 &&
		    (size_t)n < rs->nitems)
			s->ticks[n] = ev->kind == INCIDENT_EV_CHECK_TICKED;
		break;
	case INCIDENT_EV_DECISION:
		v = incident_event_get(ev, "answer");
		s->decision = walk_answer_index(rs, v);
		free(v);
		break;
	case INCIDENT_EV_PROMPT_ANSWER:
		v = incident_event_get(ev, "question_id");
		for (q = 0; v != NULL && q < rs->nquestions; q++) {
			if (strcmp(rs->questions[q].id, v) == 0) {
				free(s->answers[q]);
				s->answers[q] = incident_event_get(ev, "answer");
			}
		}
		free(v);
		break;
	case INCIDENT_EV_STEP_SKIPPED:
		walk_set(&s->skip_reason, p);
		s->state = WALK_SKIPPED;
		s->ended_ms = ev->time_ms;
		break;
	case INCIDENT_EV_STEP_DONE:
		if (str_has_prefix(p, WALK_SIMULATED)) {
			s->simulated = true;
			walk_set(&s->status, _("simulated (drill)"));
		}
		s->state = WALK_DONE;
		s->ended_ms = ev->time_ms;
		break;
	default:
		break;
	}
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

	for (j = 0; j < w->rb->steps[i].nitems; j++)
		if (w->steps[i].ticks[j])
			n++;
	return (n);
}
