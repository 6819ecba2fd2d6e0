/* report.c: post-incident and drill reports from the incident record: Markdown, HTML, status update. */
#include "system.h"

#include <sys/stat.h>

#include <time.h>

#include "ui/report.h"
#include "util/json.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* Lines of a command's output kept in the report's excerpt (the last ones). */
#define REPORT_EXCERPT_LINES 12
/* Checklist items a step may have in a report. */
#define REPORT_ITEMS_MAX 1000
/* Steps not done yet that an interim status update names. */
#define REPORT_NEXT_STEPS 5

/* Whether step id is step or one of the steps inlined under it. */
static bool
report_under(const char *id, const char *step)
{
	size_t	n = strlen(step);

	return (strncmp(id, step, n) == 0 && (id[n] == '\0' || id[n] == '.'));
}

/* The step of id, or NULL. */
static struct report_step *
report_find_step(const struct report *r, const char *id)
{
	size_t	i;

	for (i = 0; i < r->nsteps; i++)
		if (strcmp(r->steps[i].id, id) == 0)
			return (&r->steps[i]);
	return (NULL);
}

/* The step of id, added at the end when the runbook did not name it. */
static struct report_step *
report_step(struct report *r, const char *id)
{
	struct report_step	*s;

	if ((s = report_find_step(r, id)) != NULL)
		return (s);
	r->steps = xreallocarray(r->steps, r->nsteps + 1, sizeof *r->steps);
	s = &r->steps[r->nsteps++];
	memset(s, 0, sizeof *s);
	s->id = xstrdup(id);
	return (s);
}

/* Add a checklist item to a step; returns its index. */
static size_t
report_add_item(struct report_step *s, const char *item)
{
	s->items = xreallocarray(s->items, s->nitems + 1, sizeof *s->items);
	s->ticked = xreallocarray(s->ticked, s->nitems + 1, sizeof *s->ticked);
	s->items[s->nitems] = xstrdup(item);
	s->ticked[s->nitems] = false;
	return (s->nitems++);
}

/* Remember an operator once. */
static void
report_add_operator(struct report *r, const struct incident_event *ev)
{
	char	*who;
	size_t	 i;

	who = ev->client != NULL ? xasprintf("%s@%s", ev->operator, ev->client) :
	    xstrdup(ev->operator);
	for (i = 0; i < r->noperators; i++) {
		if (strcmp(r->operators[i], who) == 0) {
			free(who);
			return;
		}
	}
	r->operators = xreallocarray(r->operators, r->noperators + 1, sizeof *r->operators);
	r->operators[r->noperators++] = who;
}

/* Apply one event to the steps and commands. */
static void
report_apply(struct report *r, const struct incident_event *ev)
{
	struct report_step	*s = NULL;
	struct report_command	*c;
	char			*item;
	int64_t			 idx, v;
	size_t			 i;

	if (ev->step != NULL && ev->kind != INCIDENT_EV_CURSOR && ev->kind != INCIDENT_EV_NOTE) {
		s = report_step(r, ev->step);
		if (s->start_ms == 0)
			s->start_ms = ev->time_ms;
		if (s->state == REPORT_STEP_PENDING)
			s->state = REPORT_STEP_STARTED;
	}
	switch (ev->kind) {
	case INCIDENT_EV_STEP_STARTED:
		if (s != NULL && s->title == NULL)
			s->title = xstrdup(ev->payload);
		break;
	case INCIDENT_EV_STEP_DONE:
	case INCIDENT_EV_STEP_SKIPPED:
	case INCIDENT_EV_STEP_FAILED:
		if (s == NULL)
			break;
		s->state = ev->kind == INCIDENT_EV_STEP_DONE ? REPORT_STEP_DONE :
		    ev->kind == INCIDENT_EV_STEP_SKIPPED ? REPORT_STEP_SKIPPED : REPORT_STEP_FAILED;
		s->end_ms = ev->time_ms;
		free(s->reason);
		s->reason = *ev->payload != '\0' ? xstrdup(ev->payload) : NULL;
		break;
	case INCIDENT_EV_COMMAND_STARTED:
		r->cmds = xreallocarray(r->cmds, r->ncmds + 1, sizeof *r->cmds);
		c = &r->cmds[r->ncmds++];
		memset(c, 0, sizeof *c);
		c->step = xstrdup(ev->step != NULL ? ev->step : "");
		c->command = xstrdup(ev->payload);
		c->run = ev->run != NULL ? xstrdup(ev->run) : NULL;
		c->start_ms = ev->time_ms;
		buf_init(&c->output);
		break;
	case INCIDENT_EV_OUTPUT:
	case INCIDENT_EV_EXIT:
		for (i = r->ncmds; i > 0; i--) {
			c = &r->cmds[i - 1];
			/* two runs of one step are never merged: the run ids must agree */
			if (c->status == NULL && strcmp(c->step, ev->step != NULL ? ev->step : "") == 0 &&
			    (c->run == NULL) == (ev->run == NULL) &&
			    (c->run == NULL || strcmp(c->run, ev->run) == 0))
				break;
		}
		if (i == 0)
			break;
		if (ev->kind == INCIDENT_EV_OUTPUT) {
			buf_adds(&c->output, ev->payload);
			break;
		}
		c->end_ms = ev->time_ms;
		if ((c->status = incident_event_get(ev, "status")) == NULL)
			c->status = xstrdup("?");
		c->code = incident_event_get_int(ev, "code", &v) == 0 ? v : -1;
		break;
	case INCIDENT_EV_CHECK_TICKED:
	case INCIDENT_EV_CHECK_UNTICKED:
		/* An index far past any checklist is a damaged record: ignored. */
		if (s == NULL || incident_event_get_int(ev, "index", &idx) != 0 || idx < 0 ||
		    idx >= REPORT_ITEMS_MAX)
			break;
		item = incident_event_get(ev, "item");
		while ((size_t)idx >= s->nitems)
			report_add_item(s, (size_t)idx == s->nitems && item != NULL ? item : "");
		if (*s->items[idx] == '\0' && item != NULL) {
			free(s->items[idx]);
			s->items[idx] = xstrdup(item);
		}
		s->ticked[idx] = ev->kind == INCIDENT_EV_CHECK_TICKED;
		free(item);
		break;
	case INCIDENT_EV_RESTORED:
		free(r->restored_set);
		r->restored_set = incident_event_get(ev, "set");
		if (incident_event_get_int(ev, "backup_ms", &v) == 0)
			r->backup_ms = v;
		break;
	default:
		break;
	}
}

/*
 * Without a restored event: the output of `patronus-dr restore db` as the
 * TUI recorded it, when it ran in English: "restored TARGET from SET (" names
 * the set and "data-loss window: ... (backup of YYYY-mm-dd HH:MM:SS," its
 * time. The last restore wins.
 */
static void
report_restore_output(struct report *r)
{
	const char	*p, *q, *from;
	char		*when, *set, *cause = NULL;
	time_t		 t;
	size_t		 i;

	for (i = 0; i < r->ncmds; i++) {
		if ((p = r->cmds[i].output.data) == NULL)
			continue;
		if ((q = strstr(p, "\nrestored ")) != NULL || strncmp(p, "restored ", 9) == 0) {
			q = q != NULL ? q + 1 : p;
			if ((from = strstr(q, " from ")) != NULL &&
			    from < q + strcspn(q, "\n")) {
				from += 6;
				set = xstrndup(from, strcspn(from, " \n"));
				free(r->restored_set);
				r->restored_set = set;
			}
		}
		if ((q = strstr(p, "data-loss window: ")) != NULL &&
		    (q = strstr(q, "(backup of ")) != NULL) {
			when = xstrndup(q + 11, strcspn(q + 11, ",\n"));
			if (time_parse(when, 0, &t, &cause) == 0)
				r->backup_ms = (int64_t)t * 1000;
			free(cause);
			cause = NULL;
			free(when);
		}
	}
}

/* Whether every item of the steps with this id (or under it) is ticked, and there is one. */
static bool
report_all_ticked(const struct report *r, const char *id)
{
	size_t	i, j, n = 0;

	for (i = 0; i < r->nsteps; i++) {
		if (!report_under(r->steps[i].id, id))
			continue;
		for (j = 0; j < r->steps[i].nitems; j++, n++)
			if (!r->steps[i].ticked[j])
				return (false);
	}
	return (n > 0);
}

/* "1h35m of 2h00m" (caller frees). */
static char *
report_of(int64_t got, int64_t target)
{
	char	a[TIMEUTIL_BUFSZ], b[TIMEUTIL_BUFSZ];

	return (xasprintf(_("%s of %s"), duration_format(got, a, sizeof a),
	    duration_format(target, b, sizeof b)));
}

/* "failover not done (1h10m so far)" (caller frees). */
static char *
report_not_done(int64_t got)
{
	char	a[TIMEUTIL_BUFSZ];

	return (xasprintf(_("failover not done (%s since detection)"),
	    duration_format(got, a, sizeof a)));
}

/* Add a criterion. */
static void
report_crit(struct report *r, const char *name, bool pass, char *detail)
{
	r->crit = xreallocarray(r->crit, r->ncrit + 1, sizeof *r->crit);
	r->crit[r->ncrit].name = name;
	r->crit[r->ncrit].pass = pass;
	r->crit[r->ncrit].detail = detail;
	r->ncrit++;
}

/* The RPO criterion: a restore recorded and its data-loss window within the target. */
static void
report_crit_rpo(struct report *r)
{
	if (r->rpo_achieved < 0)
		report_crit(r, _("Data loss within RPO"), false,
		    xstrdup(_("no restored backup recorded")));
	else
		report_crit(r, _("Data loss within RPO"), r->rpo_achieved <= r->inc.rpo,
		    report_of(r->rpo_achieved, r->inc.rpo));
}

/* Score the plan's success criteria of a drill. */
static void
report_score(struct report *r)
{
	const struct report_step	*s;
	bool				 failed = false, ticked = true, any = false;
	size_t				 i, j;

	if (strcmp(r->inc.runbook_id, "failover-drill") == 0) {
		report_crit(r, _("Failover completed within RTO"),
		    r->rto_end_ms != 0 && r->rto_achieved <= r->inc.rto,
		    r->rto_end_ms != 0 ? report_of(r->rto_achieved, r->inc.rto) :
		    report_not_done(r->rto_achieved));
		report_crit(r, _("All functionality works in DR site"),
		    report_all_ticked(r, "validate"),
		    xstrdup(report_all_ticked(r, "validate") ?
		    _("every validation check ticked") : _("not every validation check ticked")));
		report_crit_rpo(r);
		s = report_find_step(r, "failback");
		report_crit(r, _("Failback completed successfully"),
		    s != NULL && s->state == REPORT_STEP_DONE && report_all_ticked(r, "failback"),
		    xstrdup(s != NULL && s->state == REPORT_STEP_DONE ? (report_all_ticked(r,
		    "failback") ? _("failback done, every check ticked") :
		    _("failback done, not every check ticked")) : _("failback not done")));
	} else {
		report_crit(r, _("Completed within RTO"), r->rto_achieved <= r->inc.rto,
		    report_of(r->rto_achieved, r->inc.rto));
		if (r->inc.rpo > 0)
			report_crit_rpo(r);
		for (i = 0; i < r->nsteps; i++) {
			if (r->steps[i].state == REPORT_STEP_FAILED)
				failed = true;
			for (j = 0; j < r->steps[i].nitems; j++, any = true)
				if (!r->steps[i].ticked[j])
					ticked = false;
		}
		report_crit(r, _("No step failed"), !failed, xstrdup(failed ?
		    _("a step failed") : _("no step failed")));
		if (any)
			report_crit(r, _("Every checklist item ticked"), ticked, xstrdup(ticked ?
			    _("all ticked") : _("some not ticked")));
	}
	r->pass = !r->interim;
	for (i = 0; i < r->ncrit; i++)
		if (!r->crit[i].pass)
			r->pass = false;
}

/* Build the report of an incident. */
int
report_build(struct incident_store *st, const char *id, const struct runbook *rb,
    struct report *r, char **cause)
{
	struct incident_verify_result	 vr;
	struct report_step		*s;
	bool				 svc = false;
	size_t				 i, j;
	int				 rc;

	memset(r, 0, sizeof *r);
	r->rpo_achieved = -1;
	if ((rc = incident_get(st, id, &r->inc, cause)) != 1)
		return (rc);
	if (incident_events(st, id, 0, &r->evs, &r->nevs, cause) != 0) {
		incident_free(&r->inc);
		return (-1);
	}
	memset(&vr, 0, sizeof vr);
	if ((rc = incident_verify(st, id, &vr, cause)) == -1) {
		report_free(r);
		return (-1);
	}
	r->chain_ok = rc == 0;
	r->chain_bad_seq = vr.bad_seq;
	free(vr.why);
	if (r->nevs > 0)
		snprintf(r->head, sizeof r->head, "%s", r->evs[r->nevs - 1].hash);

	if (rb != NULL) {
		for (i = 0; i < rb->nsteps; i++) {
			s = report_step(r, rb->steps[i].id);
			s->title = xstrdup(rb->steps[i].title);
			s->expect = rb->steps[i].expect;
			s->restores = rb->steps[i].restores_service;
			if (rb->steps[i].kind == RB_CHECKLIST)
				for (j = 0; j < rb->steps[i].nitems; j++)
					report_add_item(s, rb->steps[i].items[j]);
		}
	}
	for (i = 0; i < r->nevs; i++) {
		report_add_operator(r, &r->evs[i]);
		report_apply(r, &r->evs[i]);
	}
	r->interim = r->inc.closed_ms == 0;
	r->as_of_ms = r->interim ? (r->nevs > 0 ? r->evs[r->nevs - 1].time_ms :
	    r->inc.declared_ms) : r->inc.closed_ms;

	/* The RTO ends with the last step marked restores_service: done, else at the close. */
	for (i = 0; i < r->nsteps; i++)
		if (r->steps[i].restores)
			svc = true;
	if (svc) {
		r->rto_end_what = _("end of the service-restoring step");
		for (i = 0; i < r->nsteps; i++)
			if (r->steps[i].restores && r->steps[i].state == REPORT_STEP_DONE &&
			    r->steps[i].end_ms > r->rto_end_ms)
				r->rto_end_ms = r->steps[i].end_ms;
		if (r->rto_end_ms == 0 && r->interim)
			r->rto_end_what = _("service not yet restored; last event");
		else if (r->rto_end_ms == 0)
			r->rto_end_what = _("service never restored; close");
	} else
		r->rto_end_what = r->interim ? _("still open; last event") : _("close");
	r->rto_achieved = ((r->rto_end_ms != 0 ? r->rto_end_ms : r->as_of_ms) -
	    r->inc.detected_ms) / 1000;
	if (r->backup_ms == 0)
		report_restore_output(r);
	if (r->backup_ms > 0) {
		r->rpo_achieved = (r->inc.detected_ms - r->backup_ms) / 1000;
		if (r->rpo_achieved < 0)
			r->rpo_achieved = 0;
	}
	if (r->inc.mode == INCIDENT_MODE_DRILL)
		report_score(r);
	return (1);
}

/* Free what a report owns. */
void
report_free(struct report *r)
{
	size_t	i, j;

	for (i = 0; i < r->nsteps; i++) {
		free(r->steps[i].id);
		free(r->steps[i].title);
		free(r->steps[i].reason);
		for (j = 0; j < r->steps[i].nitems; j++)
			free(r->steps[i].items[j]);
		free(r->steps[i].items);
		free(r->steps[i].ticked);
	}
	free(r->steps);
	for (i = 0; i < r->ncmds; i++) {
		free(r->cmds[i].step);
		free(r->cmds[i].command);
		free(r->cmds[i].run);
		free(r->cmds[i].status);
		buf_free(&r->cmds[i].output);
	}
	free(r->cmds);
	for (i = 0; i < r->ncrit; i++)
		free(r->crit[i].detail);
	free(r->crit);
	str_list_free(r->operators, r->noperators);
	free(r->restored_set);
	incident_events_free(r->evs, r->nevs);
	incident_free(&r->inc);
	memset(r, 0, sizeof *r);
}

/* The history row of a report. */
void
report_history_of(const struct report *r, struct report_history *h)
{
	h->id = xstrdup(r->inc.id);
	h->declared_ms = r->inc.declared_ms;
	h->rto = r->inc.rto;
	h->rto_achieved = r->rto_achieved;
	h->rpo = r->inc.rpo;
	h->rpo_achieved = r->rpo_achieved;
	h->closed = !r->interim;
	h->pass = r->pass;
}

/* Free what a history row owns. */
void
report_history_free(struct report_history *h)
{
	free(h->id);
	h->id = NULL;
}

/* ---- text helpers ---- */

/* Local time "2026-11-27 15:30:02" of ms into buf. */
static const char *
report_time(int64_t ms, char *buf, size_t len)
{
	return (time_format_iso((time_t)(ms / 1000), buf, len));
}

/* The name of the local time zone at ms ("UTC", "CET") into buf. */
static const char *
report_zone(int64_t ms, char *buf, size_t len)
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);

	localtime_r(&t, &tm);
	if (strftime(buf, len, "%Z", &tm) == 0)
		xsnprintf(buf, len, "?");
	return (buf);
}

/* A duration in seconds as text into buf. */
static const char *
report_dur(int64_t secs, char *buf, size_t len)
{
	return (duration_format(secs, buf, len));
}

/* The length of the valid UTF-8 sequence at p (not ASCII), or 0 when it is not one. */
static size_t
report_utf8_len(const char *p)
{
	const unsigned char	*u = (const unsigned char *)p;
	uint32_t		 cp;
	size_t			 n, i;

	if (u[0] >= 0xc2 && u[0] <= 0xdf)
		n = 2, cp = u[0] & 0x1f;
	else if (u[0] >= 0xe0 && u[0] <= 0xef)
		n = 3, cp = u[0] & 0x0f;
	else if (u[0] >= 0xf0 && u[0] <= 0xf4)
		n = 4, cp = u[0] & 0x07;
	else
		return (0);
	for (i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return (0);
		cp = (cp << 6) | (u[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
		return (0);
	return (n);
}

/* Append text with control characters (but newline and tab) and bytes that are not UTF-8 as \xHH. */
static void
report_safe(struct buf *b, const char *s)
{
	unsigned char	c;
	size_t		n;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c >= 0x80 && (n = report_utf8_len(s)) > 0) {
			buf_add(b, s, n);
			s += n - 1;
		} else if ((c < 0x20 && c != '\n' && c != '\t') || c >= 0x7f)
			buf_printf(b, "\\x%02x", c);
		else
			buf_addc(b, (char)c);
	}
}

/* Append text for HTML: defused like report_safe, &<>"' as entities. */
static void
report_html(struct buf *b, const char *s)
{
	struct buf	 t;
	const char	*p;

	buf_init(&t);
	report_safe(&t, s);
	for (p = t.data != NULL ? t.data : ""; *p != '\0'; p++) {
		switch (*p) {
		case '&':
			buf_adds(b, "&amp;");
			break;
		case '<':
			buf_adds(b, "&lt;");
			break;
		case '>':
			buf_adds(b, "&gt;");
			break;
		case '"':
			buf_adds(b, "&quot;");
			break;
		case '\'':
			buf_adds(b, "&#39;");
			break;
		default:
			buf_addc(b, *p);
			break;
		}
	}
	buf_free(&t);
}

/* Append text on one line (newlines as " / "), defused. */
static void
report_line(struct buf *b, const char *s)
{
	struct buf	 t;
	const char	*p;

	buf_init(&t);
	report_safe(&t, s);
	for (p = t.data != NULL ? t.data : ""; *p != '\0'; p++) {
		if (*p == '\n') {
			if (p[1] != '\0')
				buf_adds(b, " / ");
		} else
			buf_addc(b, *p);
	}
	buf_free(&t);
}

/* Append text for a Markdown table cell: one line, '|' escaped. */
static void
report_cell(struct buf *b, const char *s)
{
	struct buf	 t;
	const char	*p;

	buf_init(&t);
	report_line(&t, s);
	for (p = t.data != NULL ? t.data : ""; *p != '\0'; p++) {
		if (*p == '|')
			buf_addc(b, '\\');
		buf_addc(b, *p);
	}
	buf_free(&t);
}

/* The last REPORT_EXCERPT_LINES lines of out (caller frees); *cut set to the lines left out. */
static char *
report_excerpt(const struct buf *out, size_t *cut)
{
	const char	*s = out->data != NULL ? out->data : "", *p;
	size_t		 len = strlen(s), lines = 0;

	while (len > 0 && s[len - 1] == '\n')
		len--;
	*cut = 0;
	for (p = s + len; p > s; p--) {
		if (p[-1] == '\n' && ++lines == REPORT_EXCERPT_LINES)
			break;
	}
	if (p > s) {
		const char *q;

		for (q = s; q < p; q++)
			if (*q == '\n')
				(*cut)++;
	}
	return (xstrndup(p, (size_t)(s + len - p)));
}

/* The title of a step, or its id. */
static const char *
report_step_title(const struct report_step *s)
{
	return (s->title != NULL ? s->title : s->id);
}

/* The state of a step as a word. */
static const char *
report_state_name(enum report_state st)
{
	switch (st) {
	case REPORT_STEP_PENDING:
		return (_("not reached"));
	case REPORT_STEP_STARTED:
		return (_("started"));
	case REPORT_STEP_DONE:
		return (_("done"));
	case REPORT_STEP_SKIPPED:
		return (_("skipped"));
	case REPORT_STEP_FAILED:
		return (_("failed"));
	}
	return ("?");
}

/* What one event says, one line (caller frees; not yet defused). */
static char *
report_describe(const struct incident_event *ev)
{
	struct buf	b;

	buf_init(&b);
	incident_event_describe(ev, false, &b);
	return (buf_steal(&b));
}

/* The verdict of achieved against target. */
static const char *
report_verdict(int64_t got, int64_t target)
{
	return (got <= target ? _("MET") : _("MISSED"));
}

/* The document's heading (without markup). */
static char *
report_heading(const struct report *r)
{
	return (xasprintf(r->inc.mode == INCIDENT_MODE_DRILL ? _("Drill report: %s") :
	    _("Post-incident report: %s"), r->inc.id));
}

/* ---- Markdown ---- */

/* Append text as an indented (4 spaces) code block. */
static void
report_md_code(struct buf *b, const char *text)
{
	struct buf	 t;
	const char	*p;

	buf_init(&t);
	report_safe(&t, text);
	buf_adds(b, "    ");
	for (p = t.data != NULL ? t.data : ""; *p != '\0'; p++) {
		buf_addc(b, *p);
		if (*p == '\n' && p[1] != '\0')
			buf_adds(b, "    ");
	}
	if (t.len == 0 || t.data[t.len - 1] != '\n')
		buf_addc(b, '\n');
	buf_free(&t);
}

/* The RTO and RPO lines, shared by md and status. */
static void
report_md_targets(struct buf *b, const struct report *r)
{
	char	d1[TIMEUTIL_BUFSZ], d2[TIMEUTIL_BUFSZ], t[TIMEUTIL_BUFSZ];

	buf_printf(b, _("- **RTO:** target %s, achieved %s (detection to %s, %s): %s%s\n"),
	    report_dur(r->inc.rto, d1, sizeof d1), report_dur(r->rto_achieved, d2, sizeof d2),
	    r->rto_end_what, report_time(r->rto_end_ms != 0 ? r->rto_end_ms : r->as_of_ms, t,
	    sizeof t), report_verdict(r->rto_achieved, r->inc.rto),
	    r->interim ? _(" so far") : "");
	if (r->rpo_achieved >= 0) {
		buf_printf(b, _("- **RPO:** target %s, achieved %s (backup of %s restored: "),
		    r->inc.rpo > 0 ? report_dur(r->inc.rpo, d1, sizeof d1) : "-",
		    report_dur(r->rpo_achieved, d2, sizeof d2),
		    report_time(r->backup_ms, t, sizeof t));
		report_line(b, r->restored_set != NULL ? r->restored_set : "?");
		buf_printf(b, "): %s\n", r->inc.rpo > 0 ?
		    report_verdict(r->rpo_achieved, r->inc.rpo) : "-");
	} else
		buf_printf(b, _("- **RPO:** target %s, achieved: unknown (no restored backup recorded)\n"),
		    r->inc.rpo > 0 ? report_dur(r->inc.rpo, d1, sizeof d1) : "-");
}

/* Append the report as Markdown. */
static void
report_md(struct buf *b, const struct report *r)
{
	const struct report_step	*s;
	const struct report_command	*c;
	const struct incident_event	*ev;
	char				*h, *x, t[TIMEUTIL_BUFSZ], d1[TIMEUTIL_BUFSZ];
	char				 d2[TIMEUTIL_BUFSZ];
	size_t				 i, j, cut, n;
	bool				 any;

	h = report_heading(r);
	buf_printf(b, "# %s\n\n", h);
	free(h);
	if (r->interim)
		buf_printf(b, _("> **INTERIM REPORT:** the %s is still open; figures are as of "
		    "the last event (%s).\n\n"), incident_mode_name(r->inc.mode),
		    report_time(r->as_of_ms, t, sizeof t));

	buf_printf(b, "## %s\n\n", _("Summary"));
	buf_printf(b, _("- **Runbook:** %s ("), r->inc.runbook_id);
	report_line(b, r->inc.runbook_title);
	buf_adds(b, ")\n");
	buf_printf(b, _("- **Mode:** %s\n"), incident_mode_name(r->inc.mode));
	buf_printf(b, _("- **Host:** %s\n"), r->inc.host);
	buf_printf(b, _("- **Time zone:** %s\n"), report_zone(r->inc.detected_ms, t, sizeof t));
	buf_printf(b, _("- **Detected:** %s\n"), report_time(r->inc.detected_ms, t, sizeof t));
	buf_printf(b, _("- **Declared:** %s\n"), report_time(r->inc.declared_ms, t, sizeof t));
	if (r->interim)
		buf_printf(b, _("- **Closed:** not yet\n"));
	else
		buf_printf(b, _("- **Closed:** %s\n"), report_time(r->inc.closed_ms, t, sizeof t));
	buf_printf(b, _("- **Operators:** "));
	for (i = 0; i < r->noperators; i++) {
		if (i > 0)
			buf_adds(b, ", ");
		report_line(b, r->operators[i]);
	}
	buf_adds(b, "\n");
	report_md_targets(b, r);
	buf_adds(b, "\n");

	if (r->inc.mode == INCIDENT_MODE_DRILL) {
		buf_printf(b, "## %s\n\n", _("Success criteria"));
		for (i = 0; i < r->ncrit; i++)
			buf_printf(b, "- [%s] %s: %s\n", r->crit[i].pass ? _("PASS") : _("FAIL"),
			    r->crit[i].name, r->crit[i].detail);
		buf_printf(b, _("\n**Drill result: %s**\n\n"), r->interim ? _("INCOMPLETE") :
		    r->pass ? _("PASS") : _("FAIL"));
	}

	buf_printf(b, "## %s\n\n", _("Steps"));
	buf_printf(b, "| %s | %s | %s | %s | %s |\n|---|---|---|---|---|\n", _("Step"),
	    _("State"), _("Expected"), _("Actual"), _("Remark"));
	for (i = 0; i < r->nsteps; i++) {
		s = &r->steps[i];
		buf_adds(b, "| ");
		report_cell(b, s->id);
		buf_adds(b, " — ");
		report_cell(b, report_step_title(s));
		buf_printf(b, " | %s | %s | %s | ", report_state_name(s->state),
		    s->expect > 0 ? report_dur(s->expect, d1, sizeof d1) : "-",
		    s->end_ms != 0 && s->state != REPORT_STEP_SKIPPED ?
		    report_dur((s->end_ms - s->start_ms) / 1000, d2, sizeof d2) : "-");
		if (s->reason != NULL)
			report_cell(b, s->reason);
		if (s->expect > 0 && s->end_ms != 0 && (s->end_ms - s->start_ms) / 1000 > s->expect)
			buf_adds(b, s->reason != NULL ? _("; over time") : _("over time"));
		buf_adds(b, " |\n");
	}
	buf_adds(b, "\n");

	any = false;
	for (i = 0; i < r->nsteps; i++) {
		s = &r->steps[i];
		if (s->state != REPORT_STEP_SKIPPED)
			continue;
		if (!any)
			buf_printf(b, "## %s\n\n", _("Skipped steps"));
		any = true;
		buf_adds(b, "- ");
		report_line(b, s->id);
		buf_adds(b, ": ");
		report_line(b, s->reason != NULL ? s->reason : _("no reason given"));
		buf_adds(b, "\n");
	}
	if (any)
		buf_adds(b, "\n");

	any = false;
	for (i = 0; i < r->nsteps; i++) {
		s = &r->steps[i];
		if (s->nitems == 0)
			continue;
		if (!any)
			buf_printf(b, "## %s\n\n", _("Checklists"));
		any = true;
		buf_printf(b, "%s `", _("Step"));
		report_line(b, s->id);
		buf_adds(b, "`:\n\n");
		for (j = 0; j < s->nitems; j++) {
			buf_printf(b, "- [%c] ", s->ticked[j] ? 'x' : ' ');
			report_line(b, s->items[j]);
			buf_adds(b, "\n");
		}
		buf_adds(b, "\n");
	}

	if (r->ncmds > 0)
		buf_printf(b, "## %s\n\n", _("Commands and actions"));
	for (i = 0; i < r->ncmds; i++) {
		c = &r->cmds[i];
		buf_printf(b, "%s `", _("Step"));
		report_line(b, c->step);
		buf_printf(b, _("`, %s, %s:\n\n"), report_time(c->start_ms, t, sizeof t),
		    c->status != NULL ? c->status : _("did not end"));
		report_md_code(b, c->command);
		buf_adds(b, "\n");
		if (c->output.len > 0) {
			x = report_excerpt(&c->output, &cut);
			if (cut > 0)
				buf_printf(b, _("Output (last %d lines; %zu earlier lines left out):\n\n"),
				    REPORT_EXCERPT_LINES, cut);
			else
				buf_printf(b, "%s\n\n", _("Output:"));
			report_md_code(b, x);
			buf_adds(b, "\n");
			free(x);
		}
	}

	for (n = 0, i = 0; i < r->nevs; i++)
		n += r->evs[i].kind == INCIDENT_EV_PROMPT_ANSWER ||
		    r->evs[i].kind == INCIDENT_EV_DECISION;
	if (n > 0) {
		buf_printf(b, "## %s\n\n", _("Answers and decisions"));
		for (i = 0; i < r->nevs; i++) {
			ev = &r->evs[i];
			if (ev->kind != INCIDENT_EV_PROMPT_ANSWER && ev->kind != INCIDENT_EV_DECISION)
				continue;
			x = incident_event_get(ev, "question");
			buf_adds(b, "- **");
			report_line(b, x != NULL ? x : "");
			buf_adds(b, "** ");
			free(x);
			x = incident_event_get(ev, "answer");
			report_line(b, x != NULL ? x : "");
			buf_adds(b, "\n");
			free(x);
		}
		buf_adds(b, "\n");
	}

	for (n = 0, i = 0; i < r->nevs; i++)
		n += r->evs[i].kind == INCIDENT_EV_NOTE;
	if (n > 0) {
		buf_printf(b, "## %s\n\n", _("Notes"));
		for (i = 0; i < r->nevs; i++) {
			ev = &r->evs[i];
			if (ev->kind != INCIDENT_EV_NOTE)
				continue;
			buf_printf(b, "- %s %s: ", report_time(ev->time_ms, t, sizeof t),
			    ev->operator);
			report_line(b, ev->payload);
			buf_adds(b, "\n");
		}
		buf_adds(b, "\n");
	}

	buf_printf(b, "## %s\n\n", _("Timeline"));
	for (i = 0; i < r->nevs; i++) {
		ev = &r->evs[i];
		x = report_describe(ev);
		buf_printf(b, "- %3" PRId64 "  %s  ", ev->seq, report_time(ev->time_ms, t,
		    sizeof t));
		report_line(b, ev->operator);
		if (ev->client != NULL) {
			buf_addc(b, '@');
			report_line(b, ev->client);
		}
		buf_adds(b, "  ");
		report_line(b, ev->step != NULL ? ev->step : "-");
		buf_adds(b, "  ");
		report_line(b, x);
		buf_adds(b, "\n");
		free(x);
	}
	buf_adds(b, "\n");

	buf_printf(b, "## %s\n\n", _("Record"));
	buf_printf(b, _("- **Events:** %zu\n"), r->nevs);
	buf_printf(b, _("- **Chain head:** `%s`\n"), r->head);
	if (r->chain_ok)
		buf_printf(b, _("- **Chain:** holds (check with `patronus-dr incidents verify %s`)\n"),
		    r->inc.id);
	else
		buf_printf(b, _("- **Chain:** BROKEN at event %" PRId64 "\n"), r->chain_bad_seq);
}

/* ---- status update ---- */

/* Whether a ticked checklist item says the sites are connected. */
static bool
report_sites_connected(const struct report *r)
{
	size_t	i, j;

	for (i = 0; i < r->nsteps; i++)
		for (j = 0; j < r->steps[i].nitems; j++)
			if (r->steps[i].ticked[j] &&
			    (strcasestr(r->steps[i].items[j], "sites connected") != NULL ||
			    strcasestr(r->steps[i].items[j], "sites reconnected") != NULL))
				return (true);
	return (false);
}

/* Append the Communications Lead's update, from the plan's "Failover Complete" message. */
static void
report_status(struct buf *b, const struct report *r)
{
	char	d1[TIMEUTIL_BUFSZ], d2[TIMEUTIL_BUFSZ];
	size_t	i, n;

	if (r->interim) {
		buf_printf(b, _("Subject: [UPDATE] Patronus SD-WAN recovery in progress\n\n"));
		buf_printf(b, _("The Patronus SD-WAN %s \""), r->inc.mode == INCIDENT_MODE_DRILL ?
		    _("drill") : _("recovery"));
		report_line(b, r->inc.runbook_title);
		buf_printf(b, _("\" is in progress (%s since detection).\n\n"),
		    report_dur(r->rto_achieved, d1, sizeof d1));
		buf_printf(b, _("Current Status: RECOVERY IN PROGRESS\n"));
	} else {
		buf_printf(b, _("Subject: [RESOLVED] Patronus SD-WAN %s Complete\n\n"),
		    r->inc.mode == INCIDENT_MODE_DRILL ? _("Failover Test") : _("Recovery"));
		buf_printf(b, _("The Patronus SD-WAN %s \""), r->inc.mode == INCIDENT_MODE_DRILL ?
		    _("drill") : _("recovery"));
		report_line(b, r->inc.runbook_title);
		buf_printf(b, _("\" is complete: service restored %s after detection (RTO %s, %s).\n\n"),
		    report_dur(r->rto_achieved, d1, sizeof d1), report_dur(r->inc.rto, d2,
		    sizeof d2), r->rto_achieved <= r->inc.rto ? _("met") : _("missed"));
		buf_printf(b, _("Current Status: OPERATIONAL\n"));
	}
	buf_printf(b, _("Location: %s\n"), r->inc.host);
	if (r->rpo_achieved >= 0)
		buf_printf(b, _("Data Loss: %s (%s RPO of %s)\n"),
		    report_dur(r->rpo_achieved, d1, sizeof d1), r->inc.rpo > 0 &&
		    r->rpo_achieved <= r->inc.rpo ? _("within") : _("outside"),
		    report_dur(r->inc.rpo, d2, sizeof d2));
	else
		buf_printf(b, _("Data Loss: unknown (no restored backup in the record)\n"));
	buf_printf(b, _("Connectivity: %s\n"), report_sites_connected(r) ?
	    _("All sites reconnected (checked)") : _("not confirmed in the record"));
	buf_printf(b, _("\nActions Taken:\n"));
	for (n = 0, i = 0; i < r->nsteps; i++) {
		if (r->steps[i].state != REPORT_STEP_DONE)
			continue;
		buf_adds(b, "- ");
		report_line(b, report_step_title(&r->steps[i]));
		buf_adds(b, "\n");
		n++;
	}
	if (n == 0)
		buf_printf(b, _("- none yet\n"));
	buf_printf(b, _("\nNext Steps:\n"));
	if (r->interim) {
		/* The next few steps not done yet, and how many follow. */
		for (n = 0, i = 0; i < r->nsteps; i++) {
			if (r->steps[i].state != REPORT_STEP_PENDING &&
			    r->steps[i].state != REPORT_STEP_STARTED)
				continue;
			if (n++ < REPORT_NEXT_STEPS) {
				buf_adds(b, "- ");
				report_line(b, report_step_title(&r->steps[i]));
				buf_adds(b, "\n");
			}
		}
		if (n > REPORT_NEXT_STEPS)
			buf_printf(b, _("- and %zu more steps of the runbook\n"),
			    n - REPORT_NEXT_STEPS);
	} else {
		buf_printf(b, _("- Continue monitoring (24 hours)\n"));
		buf_printf(b, _("- Post-incident review scheduled\n"));
	}
	buf_printf(b, _("\nThank you for your patience.\n"));
}

/* ---- Backup Test Report ---- */

/* The value after "Testing backup: " in the output of the runbook's select step (caller frees), or NULL. */
static char *
report_tested_backup(const struct report *r)
{
	const char	*p, *key = "Testing backup: ";
	size_t		 i;

	for (i = 0; i < r->ncmds; i++) {
		if (r->cmds[i].output.data == NULL ||
		    (p = strstr(r->cmds[i].output.data, key)) == NULL)
			continue;
		if (p != r->cmds[i].output.data && p[-1] != '\n')
			continue;
		p += strlen(key);
		return (xstrndup(p, strcspn(p, "\n")));
	}
	return (NULL);
}

/* The last command of the steps under id: 1 when it exited 0, 0 when not, -1 when none ran. */
static int
report_step_ok(const struct report *r, const char *id, const struct report_command **cp)
{
	size_t	i;

	*cp = NULL;
	for (i = r->ncmds; i > 0; i--) {
		if (report_under(r->cmds[i - 1].step, id)) {
			*cp = &r->cmds[i - 1];
			return (r->cmds[i - 1].status != NULL && r->cmds[i - 1].code == 0 &&
			    strcmp(r->cmds[i - 1].status, "exit 0") == 0);
		}
	}
	return (-1);
}

/*
 * Append the plan's "Backup Test Report" of a monthly backup test, from the
 * record: the backup restored (or named by the select step's "Testing
 * backup:" line), the validate step's integrity check (its output starts
 * with "ok") and exit status, the record-count check as ticked.
 */
static void
report_backup_test(struct buf *b, const struct report *r)
{
	const struct report_command	*c;
	const struct report_step	*s;
	char				*tested, t[TIMEUTIL_BUFSZ];
	const char			*integrity, *access, *counts;
	struct stat			 sb;
	int				 ok;
	size_t				 j;

	if ((tested = r->restored_set != NULL ? xstrdup(r->restored_set) : NULL) == NULL)
		tested = report_tested_backup(r);
	ok = report_step_ok(r, "validate", &c);
	integrity = ok == -1 ? _("NOT RUN") : ok == 1 && c->output.data != NULL &&
	    strncmp(c->output.data, "ok\n", 3) == 0 ? _("PASS") : _("FAIL");
	access = ok == -1 ? _("NOT RUN") : ok == 1 ? _("PASS") : _("FAIL");
	counts = _("not confirmed");
	if ((s = report_find_step(r, "check")) != NULL)
		for (j = 0; j < s->nitems; j++)
			if (strstr(s->items[j], "ecord count") != NULL && s->ticked[j])
				counts = _("match expectations (ticked)");

	buf_adds(b, "Backup Test Report\n==================\n");
	buf_printf(b, "Date: %s\n", report_time(r->as_of_ms, t, sizeof t));
	buf_adds(b, "Backup Tested: ");
	report_line(b, tested != NULL ? tested : _("unknown"));
	buf_adds(b, "\nBackup Date: ");
	if (r->backup_ms > 0)
		buf_adds(b, report_time(r->backup_ms, t, sizeof t));
	else if (tested != NULL && stat(tested, &sb) == 0)
		buf_adds(b, report_time((int64_t)sb.st_mtime * 1000, t, sizeof t));
	else
		buf_adds(b, _("unknown"));
	buf_printf(b, "\n\nResults:\n- Integrity Check: %s\n- Data Accessible: %s\n"
	    "- Record Counts: %s\n\nStatus: %s\n", integrity, access, counts,
	    strcmp(integrity, _("PASS")) == 0 && strcmp(access, _("PASS")) == 0 ?
	    "SUCCESS" : "FAILURE");
	buf_printf(b, "\n%s %s, %zu events, chain head %s\n", _("From the record of"),
	    r->inc.id, r->nevs, r->head);
	free(tested);
}

/* ---- HTML ---- */

static const char report_css[] =
    "body{font-family:sans-serif;max-width:60em;margin:1em auto;color:#111}"
    "h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #999;margin-top:1.5em}"
    "table{border-collapse:collapse;width:100%}td,th{border:1px solid #bbb;padding:.2em .4em;"
    "text-align:left;vertical-align:top}pre{background:#f4f4f4;padding:.4em;"
    "white-space:pre-wrap;word-break:break-all}.pass{color:#060;font-weight:bold}"
    ".fail{color:#a00;font-weight:bold}.interim{border:2px solid #a60;padding:.5em}"
    "code{word-break:break-all}svg{max-width:100%}"
    "@media print{body{max-width:none}h2{page-break-after:avoid}pre{page-break-inside:avoid}}";

/* Append <td>text</td>. */
static void
report_td(struct buf *b, const char *text)
{
	buf_adds(b, "<td>");
	report_html(b, text);
	buf_adds(b, "</td>");
}

/* Append the SVG timeline of the steps against the RTO target. */
static void
report_svg_steps(struct buf *b, const struct report *r)
{
	const struct report_step	*s;
	int64_t				 t0 = r->inc.detected_ms, t1, end;
	double				 scale, x, w, xr;
	size_t				 i, n = 0;
	int				 y;
	char				 d[TIMEUTIL_BUFSZ];

	t1 = t0 + r->inc.rto * 1000;
	for (i = 0; i < r->nsteps; i++) {
		s = &r->steps[i];
		if (s->start_ms == 0)
			continue;
		n++;
		end = s->end_ms != 0 ? s->end_ms : r->as_of_ms;
		if (end > t1)
			t1 = end;
	}
	if (r->as_of_ms > t1)
		t1 = r->as_of_ms;
	t1 += (t1 - t0) / 20 + 1;
	scale = 560.0 / (double)(t1 - t0);
	buf_printf(b, "<svg width=\"800\" height=\"%zu\" viewBox=\"0 0 800 %zu\" role=\"img\">\n",
	    n * 20 + 50, n * 20 + 50);
	buf_printf(b, "<title>%s</title>\n", _("Steps against the RTO target"));
	xr = 220 + (double)(r->inc.rto * 1000) * scale;
	y = 20;
	for (i = 0; i < r->nsteps; i++) {
		s = &r->steps[i];
		if (s->start_ms == 0)
			continue;
		end = s->end_ms != 0 ? s->end_ms : r->as_of_ms;
		x = 220 + (double)(s->start_ms - t0) * scale;
		w = (double)(end - s->start_ms) * scale;
		if (w < 2)
			w = 2;
		buf_printf(b, "<text x=\"215\" y=\"%d\" text-anchor=\"end\" font-size=\"11\">", y + 12);
		report_html(b, s->id);
		buf_printf(b, "</text><rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"14\" "
		    "fill=\"%s\"><title>", x, y, w,
		    s->state == REPORT_STEP_DONE ? "#4a8" : s->state == REPORT_STEP_FAILED ?
		    "#c44" : s->state == REPORT_STEP_SKIPPED ? "#bbb" : "#e93");
		report_html(b, report_step_title(s));
		buf_printf(b, " (%s)</title></rect>\n", report_state_name(s->state));
		y += 20;
	}
	buf_printf(b, "<line x1=\"%.1f\" y1=\"10\" x2=\"%.1f\" y2=\"%d\" stroke=\"#a00\" "
	    "stroke-dasharray=\"4 3\"/>\n", xr, xr, y + 4);
	buf_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\" font-size=\"11\" "
	    "fill=\"#a00\">RTO %s</text>\n", xr - 3, y + 18, report_dur(r->inc.rto, d, sizeof d));
	if (r->rto_end_ms != 0)
		buf_printf(b, "<line x1=\"%.1f\" y1=\"10\" x2=\"%.1f\" y2=\"%d\" stroke=\"#060\"/>\n",
		    220 + (double)(r->rto_end_ms - t0) * scale,
		    220 + (double)(r->rto_end_ms - t0) * scale, y + 4);
	buf_printf(b, "<text x=\"220\" y=\"%d\" font-size=\"11\">%s</text>\n", y + 18,
	    _("detection"));
	buf_adds(b, "</svg>\n");
}

/* Append the SVG chart of the drill history: achieved RTO per drill against the target. */
static void
report_svg_history(struct buf *b, const struct report_history *h, size_t n)
{
	int64_t		max = 1;
	double		x, bh, yt;
	size_t		i;
	char		d[TIMEUTIL_BUFSZ];

	for (i = 0; i < n; i++) {
		if (h[i].rto_achieved > max)
			max = h[i].rto_achieved;
		if (h[i].rto > max)
			max = h[i].rto;
	}
	buf_printf(b, "<svg width=\"%zu\" height=\"200\" viewBox=\"0 0 %zu 200\" role=\"img\">\n",
	    n * 40 + 60, n * 40 + 60);
	buf_printf(b, "<title>%s</title>\n", _("Achieved RTO per drill against the target"));
	for (i = 0; i < n; i++) {
		x = 50 + (double)i * 40;
		bh = 150.0 * (double)h[i].rto_achieved / (double)max;
		yt = 170 - 150.0 * (double)h[i].rto / (double)max;
		buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"24\" height=\"%.1f\" fill=\"%s\">"
		    "<title>", x, 170 - bh, bh, h[i].pass ? "#4a8" : "#c44");
		report_html(b, h[i].id);
		buf_printf(b, ": %s</title></rect>\n", report_dur(h[i].rto_achieved, d, sizeof d));
		buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#a00\" "
		    "stroke-dasharray=\"3 2\"/>\n", x - 4, yt, x + 28, yt);
		buf_printf(b, "<text x=\"%.1f\" y=\"188\" font-size=\"10\">%zu</text>\n", x + 8,
		    i + 1);
	}
	buf_printf(b, "<line x1=\"45\" y1=\"170\" x2=\"%zu\" y2=\"170\" stroke=\"#333\"/>\n",
	    n * 40 + 55);
	buf_adds(b, "</svg>\n");
}

/* Append the report as one self-contained HTML file. */
static void
report_html_doc(struct buf *b, const struct report *r, const struct report_history *hist,
    size_t nhist)
{
	const struct report_step	*s;
	const struct report_command	*c;
	const struct incident_event	*ev;
	struct buf			 m;
	char				*h, *x, *end, t[TIMEUTIL_BUFSZ];
	char				 d1[TIMEUTIL_BUFSZ], d2[TIMEUTIL_BUFSZ];
	size_t				 i, j, cut;

	h = report_heading(r);
	buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
	    "<title>");
	report_html(b, h);
	buf_printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", report_css);
	report_html(b, h);
	buf_adds(b, "</h1>\n");
	free(h);
	if (r->interim) {
		buf_adds(b, "<p class=\"interim\"><strong>");
		buf_printf(b, _("INTERIM REPORT: the %s is still open; figures are as of the last "
		    "event (%s)."), incident_mode_name(r->inc.mode),
		    report_time(r->as_of_ms, t, sizeof t));
		buf_adds(b, "</strong></p>\n");
	}

	/* The summary is the Markdown one, escaped, so the two say the same. */
	buf_printf(b, "<h2>%s</h2>\n<table>\n", _("Summary"));
	buf_printf(b, "<tr><th>%s</th>", _("Runbook"));
	x = xasprintf("%s (%s)", r->inc.runbook_id, r->inc.runbook_title);
	report_td(b, x);
	free(x);
	buf_printf(b, "</tr>\n<tr><th>%s</th><td>%s</td></tr>\n", _("Mode"),
	    incident_mode_name(r->inc.mode));
	buf_printf(b, "<tr><th>%s</th>", _("Host"));
	report_td(b, r->inc.host);
	buf_printf(b, "</tr>\n<tr><th>%s</th><td>%s</td></tr>\n", _("Time zone"),
	    report_zone(r->inc.detected_ms, t, sizeof t));
	buf_printf(b, "<tr><th>%s</th><td>%s</td></tr>\n", _("Detected"),
	    report_time(r->inc.detected_ms, t, sizeof t));
	buf_printf(b, "<tr><th>%s</th><td>%s</td></tr>\n", _("Declared"),
	    report_time(r->inc.declared_ms, t, sizeof t));
	buf_printf(b, "<tr><th>%s</th><td>%s</td></tr>\n", _("Closed"), r->interim ?
	    _("not yet") : report_time(r->inc.closed_ms, t, sizeof t));
	buf_printf(b, "<tr><th>%s</th><td>", _("Operators"));
	for (i = 0; i < r->noperators; i++) {
		if (i > 0)
			buf_adds(b, ", ");
		report_html(b, r->operators[i]);
	}
	buf_adds(b, "</td></tr>\n</table>\n");
	buf_init(&m);
	report_md_targets(&m, r);
	buf_adds(b, "<ul>\n");
	for (x = m.data; x != NULL && *x != '\0'; ) {
		char *nl = strchr(x, '\n');

		*nl = '\0';
		buf_adds(b, "<li>");
		/* "- **RTO:** rest": the label in bold. */
		if (strncmp(x, "- **", 4) == 0 && (end = strstr(x + 4, ":** ")) != NULL) {
			*end = '\0';
			buf_adds(b, "<strong>");
			report_html(b, x + 4);
			buf_adds(b, ":</strong> ");
			report_html(b, end + 4);
		} else
			report_html(b, x + 2);
		buf_adds(b, "</li>\n");
		x = nl + 1;
	}
	buf_adds(b, "</ul>\n");
	buf_free(&m);

	if (r->inc.mode == INCIDENT_MODE_DRILL) {
		buf_printf(b, "<h2>%s</h2>\n<table>\n", _("Success criteria"));
		for (i = 0; i < r->ncrit; i++) {
			buf_printf(b, "<tr><td class=\"%s\">%s</td>", r->crit[i].pass ? "pass" :
			    "fail", r->crit[i].pass ? _("PASS") : _("FAIL"));
			report_td(b, r->crit[i].name);
			report_td(b, r->crit[i].detail);
			buf_adds(b, "</tr>\n");
		}
		buf_printf(b, "</table>\n<p>%s <span class=\"%s\">%s</span></p>\n",
		    _("Drill result:"), r->pass ? "pass" : "fail", r->interim ?
		    _("INCOMPLETE") : r->pass ? _("PASS") : _("FAIL"));
	}

	buf_printf(b, "<h2>%s</h2>\n", _("Timeline of the steps"));
	report_svg_steps(b, r);
	buf_printf(b, "<table>\n<tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>\n",
	    _("Step"), _("State"), _("Expected"), _("Actual"), _("Remark"));
	for (i = 0; i < r->nsteps; i++) {
		s = &r->steps[i];
		x = xasprintf("%s — %s", s->id, report_step_title(s));
		buf_adds(b, "<tr>");
		report_td(b, x);
		free(x);
		report_td(b, report_state_name(s->state));
		report_td(b, s->expect > 0 ? report_dur(s->expect, d1, sizeof d1) : "-");
		report_td(b, s->end_ms != 0 && s->state != REPORT_STEP_SKIPPED ?
		    report_dur((s->end_ms - s->start_ms) / 1000, d2, sizeof d2) : "-");
		report_td(b, s->reason != NULL ? s->reason : "");
		buf_adds(b, "</tr>\n");
	}
	buf_adds(b, "</table>\n");

	for (i = 0, j = 0; i < r->nsteps; i++)
		j += r->steps[i].nitems;
	if (j > 0) {
		buf_printf(b, "<h2>%s</h2>\n", _("Checklists"));
		for (i = 0; i < r->nsteps; i++) {
			s = &r->steps[i];
			if (s->nitems == 0)
				continue;
			buf_adds(b, "<p><code>");
			report_html(b, s->id);
			buf_adds(b, "</code></p>\n<ul>\n");
			for (j = 0; j < s->nitems; j++) {
				buf_printf(b, "<li>%s ", s->ticked[j] ? "&#9745;" : "&#9744;");
				report_html(b, s->items[j]);
				buf_adds(b, "</li>\n");
			}
			buf_adds(b, "</ul>\n");
		}
	}

	if (r->ncmds > 0)
		buf_printf(b, "<h2>%s</h2>\n", _("Commands and actions"));
	for (i = 0; i < r->ncmds; i++) {
		c = &r->cmds[i];
		buf_adds(b, "<p><code>");
		report_html(b, c->step);
		buf_printf(b, "</code> %s, ", report_time(c->start_ms, t, sizeof t));
		report_html(b, c->status != NULL ? c->status : _("did not end"));
		buf_adds(b, "</p>\n<pre>");
		report_html(b, c->command);
		buf_adds(b, "</pre>\n");
		if (c->output.len > 0) {
			x = report_excerpt(&c->output, &cut);
			if (cut > 0)
				buf_printf(b, _("<p>Output (last %d lines; %zu earlier lines left "
				    "out):</p>\n"), REPORT_EXCERPT_LINES, cut);
			buf_adds(b, "<pre>");
			report_html(b, x);
			buf_adds(b, "</pre>\n");
			free(x);
		}
	}

	buf_printf(b, "<h2>%s</h2>\n<ul>\n", _("Answers, decisions and notes"));
	for (i = 0; i < r->nevs; i++) {
		ev = &r->evs[i];
		if (ev->kind == INCIDENT_EV_PROMPT_ANSWER || ev->kind == INCIDENT_EV_DECISION) {
			buf_adds(b, "<li><strong>");
			x = incident_event_get(ev, "question");
			report_html(b, x != NULL ? x : "");
			free(x);
			buf_adds(b, "</strong> ");
			x = incident_event_get(ev, "answer");
			report_html(b, x != NULL ? x : "");
			free(x);
			buf_adds(b, "</li>\n");
		} else if (ev->kind == INCIDENT_EV_NOTE) {
			buf_printf(b, "<li>%s ", report_time(ev->time_ms, t, sizeof t));
			report_html(b, ev->operator);
			buf_adds(b, ": <pre>");
			report_html(b, ev->payload);
			buf_adds(b, "</pre></li>\n");
		}
	}
	buf_adds(b, "</ul>\n");

	buf_printf(b, "<h2>%s</h2>\n<table>\n<tr><th>#</th><th>%s</th><th>%s</th><th>%s</th>"
	    "<th>%s</th></tr>\n", _("Timeline"), _("Time"), _("Operator"), _("Step"),
	    _("Event"));
	for (i = 0; i < r->nevs; i++) {
		ev = &r->evs[i];
		buf_printf(b, "<tr><td>%" PRId64 "</td><td>%s</td>", ev->seq,
		    report_time(ev->time_ms, t, sizeof t));
		x = ev->client != NULL ? xasprintf("%s@%s", ev->operator, ev->client) :
		    xstrdup(ev->operator);
		report_td(b, x);
		free(x);
		report_td(b, ev->step != NULL ? ev->step : "-");
		x = report_describe(ev);
		report_td(b, x);
		free(x);
		buf_adds(b, "</tr>\n");
	}
	buf_adds(b, "</table>\n");

	if (r->inc.mode == INCIDENT_MODE_DRILL && nhist > 0) {
		buf_printf(b, "<h2>%s</h2>\n", _("Drill history"));
		report_svg_history(b, hist, nhist);
		buf_printf(b, "<table>\n<tr><th>#</th><th>%s</th><th>%s</th><th>RTO</th><th>RPO</th>"
		    "<th>%s</th></tr>\n", _("Drill"), _("Declared"), _("Result"));
		for (i = 0; i < nhist; i++) {
			buf_printf(b, "<tr><td>%zu</td>", i + 1);
			report_td(b, hist[i].id);
			buf_printf(b, "<td>%s</td><td>%s / %s</td><td>",
			    report_time(hist[i].declared_ms, t, sizeof t),
			    report_dur(hist[i].rto_achieved, d1, sizeof d1),
			    report_dur(hist[i].rto, d2, sizeof d2));
			if (hist[i].rpo_achieved >= 0)
				buf_printf(b, "%s / ", report_dur(hist[i].rpo_achieved, d1, sizeof d1));
			else
				buf_adds(b, "? / ");
			buf_printf(b, "%s</td><td class=\"%s\">%s</td></tr>\n",
			    report_dur(hist[i].rpo, d2, sizeof d2), hist[i].pass ? "pass" : "fail",
			    !hist[i].closed ? _("open") : hist[i].pass ? _("PASS") : _("FAIL"));
		}
		buf_adds(b, "</table>\n");
	}

	buf_printf(b, "<h2>%s</h2>\n<p>", _("Record"));
	buf_printf(b, _("%zu events; chain head <code>%s</code>; "), r->nevs, r->head);
	if (r->chain_ok)
		buf_printf(b, _("the chain holds (check with <code>patronus-dr incidents verify "
		    "%s</code>)."), r->inc.id);
	else
		buf_printf(b, _("the chain is BROKEN at event %" PRId64 "."), r->chain_bad_seq);
	buf_adds(b, "</p>\n</body>\n</html>\n");
}

/* Append the report in the format. */
void
report_render(struct buf *b, const struct report *r, enum report_format f,
    const struct report_history *hist, size_t n)
{
	switch (f) {
	case REPORT_MD:
		report_md(b, r);
		break;
	case REPORT_HTML:
		report_html_doc(b, r, hist, n);
		break;
	case REPORT_STATUS:
		report_status(b, r);
		break;
	case REPORT_BACKUP_TEST:
		report_backup_test(b, r);
		break;
	}
}

/* Append a bar of frac (0..1) of width cells, with eighth blocks or '#'. */
static void
report_bar(struct buf *b, double frac, int width, bool utf8)
{
	static const char *const eighths[] = { "", "▏", "▎", "▍", "▌", "▋", "▊", "▉" };
	int	cells = (int)(frac * width * 8 + 0.5), i;

	for (i = 0; i < cells / 8; i++)
		buf_adds(b, utf8 ? "█" : "#");
	if (utf8)
		buf_adds(b, eighths[cells % 8]);
	else if (cells % 8 >= 4)
		buf_addc(b, '#');
}

/* Append the drill history as a table and a bar chart of the achieved RTO. */
void
report_history_text(struct buf *b, const struct report_history *h, size_t n, bool utf8)
{
	char	t[TIMEUTIL_BUFSZ], d1[TIMEUTIL_BUFSZ], d2[TIMEUTIL_BUFSZ], rpo[64], rto[64];
	int64_t	max = 1;
	size_t	i;
	int	width = 40, tcol;

	buf_printf(b, "%-3s %-44s %-19s %-17s %-17s %s\n", "#", _("DRILL"), _("DECLARED"),
	    _("RTO (GOT/TARGET)"), _("RPO (GOT/TARGET)"), _("RESULT"));
	for (i = 0; i < n; i++) {
		snprintf(rpo, sizeof rpo, "%s/%s", h[i].rpo_achieved >= 0 ?
		    report_dur(h[i].rpo_achieved, d1, sizeof d1) : "?",
		    h[i].rpo > 0 ? report_dur(h[i].rpo, d2, sizeof d2) : "-");
		buf_printf(b, "%-3zu %-44s %-19s ", i + 1, h[i].id,
		    report_time(h[i].declared_ms, t, sizeof t));
		snprintf(rto, sizeof rto, "%s/%s", report_dur(h[i].rto_achieved, d1, sizeof d1),
		    report_dur(h[i].rto, d2, sizeof d2));
		buf_printf(b, "%-17s %-17s %s\n", rto, rpo, !h[i].closed ? _("open") :
		    h[i].pass ? _("PASS") : _("FAIL"));
		if (h[i].rto_achieved > max)
			max = h[i].rto_achieved;
		if (h[i].rto > max)
			max = h[i].rto;
	}
	if (n == 0)
		return;
	buf_printf(b, "\n%s\n", _("Achieved RTO per drill (| marks the target):"));
	for (i = 0; i < n; i++) {
		size_t	start;
		int	col = 0;

		buf_printf(b, "%3zu %s ", i + 1, utf8 ? "│" : "|");
		start = b->len;
		report_bar(b, (double)h[i].rto_achieved / (double)max, width, utf8);
		/* Count columns (UTF-8 lead bytes) to place the target mark. */
		for (; start < b->len; start++)
			if (((unsigned char)b->data[start] & 0xc0) != 0x80)
				col++;
		tcol = (int)((double)h[i].rto / (double)max * width + 0.5);
		for (; col < tcol; col++)
			buf_addc(b, ' ');
		buf_printf(b, "%s %s %s\n", col == tcol ? "|" : "", report_dur(h[i].rto_achieved,
		    d1, sizeof d1), !h[i].closed ? _("open") : h[i].pass ? _("PASS") : _("FAIL"));
	}
}
