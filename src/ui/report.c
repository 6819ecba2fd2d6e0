/*
 * report.c: post-incident and drill reports from the incident record: the
 * report's model (steps, criteria, score, history) and report_render, which
 * hands it to a renderer: report-md.c (Markdown), report-html.c (HTML),
 * report-status.c (status update, Backup Test Report), report-people.c
 * (notice); report-text.c holds what they say alike.
 */
#include "system.h"

#include "ui/report-int.h"
#include "util/table.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* Checklist items a step may have in a report. */
#define REPORT_ITEMS_MAX 1000

/* Whether step id is step or one of the steps inlined under it. */
bool
report_under(const char *id, const char *step)
{
	size_t	n = strlen(step);

	return (strncmp(id, step, n) == 0 && (id[n] == '\0' || id[n] == '.'));
}

/* The index of step id in the walk, or -1. */
int
report_find_step(const struct report *r, const char *id)
{
	size_t	i;

	for (i = 0; i < r->w.nsteps; i++)
		if (strcmp(r->w.steps[i].id, id) == 0)
			return ((int)i);
	return (-1);
}

/* The runbook's step of walk step i, or NULL when the runbook lacks it. */
static const struct rb_step *
report_rb_step(const struct report *r, size_t i)
{
	return (i < r->w.rb->nsteps ? &r->w.rb->steps[i] : NULL);
}

/* The expected duration of step i in seconds, 0 when unknown. */
int64_t
report_expect(const struct report *r, size_t i)
{
	const struct rb_step	*rs = report_rb_step(r, i);

	return (rs != NULL ? rs->expect : 0);
}

/* Whether step i left no trace in the record. */
bool
report_not_reached(const struct report *r, size_t i)
{
	const struct walk_step	*s = &r->w.steps[i];

	return (s->state == WALK_PENDING && !s->failed && s->first_ms == 0 && !s->visited);
}

/* Whether step i is done for real: not simulated, and no failure left standing. */
bool
report_done(const struct report *r, size_t i)
{
	const struct walk_step	*s = &r->w.steps[i];

	return (s->state == WALK_DONE && !s->simulated && !s->failed);
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

/* Whether every item of the steps with this id (or under it) is ticked, and there is one. */
static bool
report_all_ticked(const struct report *r, const char *id)
{
	size_t	i, j, n = 0;

	for (i = 0; i < r->w.nsteps; i++) {
		if (!report_under(r->w.steps[i].id, id))
			continue;
		for (j = 0; j < r->w.steps[i].nticks; j++, n++)
			if (!r->w.steps[i].ticks[j])
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
		    xstrdup(_("no database restore recorded")));
	else
		report_crit(r, _("Data loss within RPO"), r->rpo_achieved <= r->inc.rpo,
		    report_of(r->rpo_achieved, r->inc.rpo));
}

/* "restore: failed (exit 66), then skipped: no sets; ..." of every step with a failure standing (caller frees), NULL when none. */
char *
report_failed_steps(const struct report *r)
{
	struct buf	b;
	size_t		i;

	buf_init(&b);
	for (i = 0; i < r->w.nsteps; i++) {
		if (!r->w.steps[i].failed && r->w.steps[i].state != WALK_FAILED)
			continue;
		if (b.len > 0)
			buf_adds(&b, "; ");
		buf_printf(&b, "%s: ", r->w.steps[i].id);
		walk_step_describe(&r->w, (int)i, &b);
	}
	if (b.len == 0) {
		buf_clear(&b);
		return (NULL);
	}
	return (buf_steal(&b));
}

/* Score the plan's success criteria of a drill. */
static void
report_score(struct report *r)
{
	bool	ticked = true, any = false, done;
	char	*failed;
	size_t	i, j;
	int	k;

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
		k = report_find_step(r, "failback");
		done = k >= 0 && report_done(r, (size_t)k);
		report_crit(r, _("Failback completed successfully"),
		    done && report_all_ticked(r, "failback"),
		    xstrdup(done ? (report_all_ticked(r, "failback") ?
		    _("failback done, every check ticked") :
		    _("failback done, not every check ticked")) : _("failback not done")));
	} else {
		report_crit(r, _("Completed within RTO"), r->rto_achieved <= r->inc.rto,
		    report_of(r->rto_achieved, r->inc.rto));
		if (r->inc.rpo > 0)
			report_crit_rpo(r);
		failed = report_failed_steps(r);
		for (i = 0; i < r->w.nsteps; i++)
			for (j = 0; j < r->w.steps[i].nticks; j++, any = true)
				if (!r->w.steps[i].ticks[j])
					ticked = false;
		report_crit(r, _("No step failed"), failed == NULL, failed != NULL ? failed :
		    xstrdup(_("no step failed")));
		if (any)
			report_crit(r, _("Every checklist item ticked"), ticked, xstrdup(ticked ?
			    _("all ticked") : _("some not ticked")));
	}
	r->pass = !r->interim && !r->abandoned;
	for (i = 0; i < r->ncrit; i++)
		if (!r->crit[i].pass)
			r->pass = false;
}

/* The runs of every step in the order the record started them. */
static void
report_index_runs(struct report *r)
{
	size_t	*seen, i;
	int	 k;

	seen = xcalloc(r->w.nsteps + 1, sizeof *seen);
	for (i = 0; i < r->nevs; i++) {
		if (r->evs[i].kind != INCIDENT_EV_COMMAND_STARTED || r->evs[i].step == NULL ||
		    (k = report_find_step(r, r->evs[i].step)) < 0 ||
		    seen[k] >= r->w.steps[k].nruns)
			continue;
		r->runs = xreallocarray(r->runs, r->nruns + 1, sizeof *r->runs);
		r->run_step = xreallocarray(r->run_step, r->nruns + 1, sizeof *r->run_step);
		r->runs[r->nruns] = &r->w.steps[k].runs[seen[k]++];
		r->run_step[r->nruns++] = (size_t)k;
	}
	free(seen);
}

/* Build the report of an incident. */
int
report_build(struct incident_store *st, const char *id, const struct runbook *rb,
    const char *command, struct report *r, char **cause)
{
	struct incident_verify_result	 vr;
	struct incident_event		*evs = NULL;
	const struct rb_step		*rs;
	size_t				 i, n = 0;
	bool				 svc = false;
	int				 rc;

	memset(r, 0, sizeof *r);
	r->rpo_achieved = -1;
	if ((rc = incident_get(st, id, &r->inc, cause)) != 1)
		return (rc);
	if (incident_events(st, id, 0, &evs, &n, cause) != 0) {
		incident_clear(&r->inc);
		return (-1);
	}
	memset(&vr, 0, sizeof vr);
	if ((rc = incident_verify(st, id, &vr, cause)) == -1) {
		incident_events_free(evs, n);
		incident_clear(&r->inc);
		return (-1);
	}
	r->chain_ok = rc == 0;
	r->chain_bad_seq = vr.bad_seq;
	free(vr.why);
	if (n > 0)
		snprintf(r->head, sizeof r->head, "%s", evs[n - 1].hash);

	r->rb = rb;
	r->command = xstrdup(command != NULL ? command : PACKAGE);
	r->restore_before = rb != NULL && rb->restore_before_detected;
	walk_init(&r->w, rb);
	r->w.keep_runs = true;
	walk_replay(&r->w, evs, n);
	incident_events_free(evs, n);
	r->evs = r->w.evs;
	r->nevs = r->w.nevs;
	for (i = 0; i < r->nevs; i++)
		report_add_operator(r, &r->evs[i]);
	report_people_build(r);
	report_index_runs(r);
	r->interim = r->inc.closed_ms == 0;
	r->abandoned = r->w.abandoned;
	r->as_of_ms = r->interim ? (r->nevs > 0 ? r->evs[r->nevs - 1].time_ms :
	    r->inc.declared_ms) : r->inc.closed_ms;

	/* The RTO ends with the last step marked restores_service done for real, else at the close. */
	for (i = 0; i < r->w.nsteps; i++)
		if ((rs = report_rb_step(r, i)) != NULL && rs->restores_service)
			svc = true;
	if (svc) {
		r->rto_end_what = _("end of the service-restoring step");
		for (i = 0; i < r->w.nsteps; i++) {
			rs = report_rb_step(r, i);
			if (rs != NULL && rs->restores_service &&
			    r->w.steps[i].state == WALK_DONE && !r->w.steps[i].failed &&
			    r->w.steps[i].ended_ms > r->rto_end_ms)
				r->rto_end_ms = r->w.steps[i].ended_ms;
		}
		r->service_unconfirmed = r->rto_end_ms == 0;
		if (r->rto_end_ms == 0 && r->interim)
			r->rto_end_what = _("service not yet restored; last event");
		else if (r->rto_end_ms == 0)
			r->rto_end_what = _("service never restored; close");
	} else
		r->rto_end_what = r->interim ? _("still open; last event") : _("close");
	r->rto_achieved = ((r->rto_end_ms != 0 ? r->rto_end_ms : r->as_of_ms) -
	    r->inc.detected_ms) / 1000;
	/* The RPO only from a restored event: the point the restore says it installed. */
	r->restored_set = r->w.restored_set;
	r->backup_ms = r->w.restored_ms;
	if (r->restored_set != NULL && r->backup_ms > 0) {
		r->rpo_achieved = (r->inc.detected_ms - r->backup_ms) / 1000;
		if (r->rpo_achieved < 0)
			r->rpo_achieved = 0;
	}
	if (r->inc.mode == INCIDENT_MODE_DRILL && !r->abandoned)
		report_score(r);
	return (1);
}

/* Free what a report owns. */
void
report_clear(struct report *r)
{
	size_t	i;

	for (i = 0; i < r->ncrit; i++)
		free(r->crit[i].detail);
	free(r->crit);
	str_list_free(r->operators, r->noperators);
	report_people_clear(r);
	free(r->runs);
	free(r->run_step);
	free(r->command);
	walk_clear(&r->w);
	incident_clear(&r->inc);
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
	h->abandoned = r->abandoned;
}

/* Free what a history row owns. */
void
report_history_clear(struct report_history *h)
{
	free(h->id);
	h->id = NULL;
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
	case REPORT_NOTICE:
		report_notice(b, r);
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

/* Append the drill history as a table and a bar chart of the achieved RTO, within cols columns. */
void
report_history_text(struct buf *b, const struct report_history *h, size_t n, bool utf8,
    int cols)
{
	struct table_col	 tc[] = {
		{ "#", 0 }, { _("DRILL"), TABLE_LINE }, { _("DECLARED"), 0 },
		{ _("RTO (GOT/TARGET)"), 0 }, { _("RPO (GOT/TARGET)"), 0 }, { _("RESULT"), 0 },
	};
	struct table		 tb;
	char	t[TIMEUTIL_BUFSZ], d1[TIMEUTIL_BUFSZ], d2[TIMEUTIL_BUFSZ], rpo[64], rto[64];
	char	num[32];
	int64_t	max = 1;
	size_t	i;
	int	width = 40, tcol, label = 0, lw;

	table_init(&tb, tc, nitems(tc));
	for (i = 0; i < n; i++) {
		snprintf(rpo, sizeof rpo, "%s/%s", h[i].rpo_achieved >= 0 ?
		    report_dur(h[i].rpo_achieved, d1, sizeof d1) : "?",
		    h[i].rpo > 0 ? report_dur(h[i].rpo, d2, sizeof d2) : "-");
		snprintf(rto, sizeof rto, "%s/%s", report_dur(h[i].rto_achieved, d1, sizeof d1),
		    report_dur(h[i].rto, d2, sizeof d2));
		snprintf(num, sizeof num, "%zu", i + 1);
		table_add(&tb, num, h[i].id, report_time(h[i].declared_ms, t, sizeof t), rto, rpo,
		    report_history_result(&h[i]));
		if (h[i].rto_achieved > max)
			max = h[i].rto_achieved;
		if (h[i].rto > max)
			max = h[i].rto;
		/* the chart's label after each bar: " 2h30m FAIL" */
		lw = 2 + table_text_width(report_dur(h[i].rto_achieved, d1, sizeof d1)) +
		    table_text_width(report_history_result(&h[i]));
		if (lw > label)
			label = lw;
	}
	table_render(&tb, cols, b);
	table_clear(&tb);
	/* the chart within the width: "  1 | " bars, the target mark, the label */
	if (width > cols - 6 - 1 - label)
		width = cols - 6 - 1 - label;
	if (width < 10)
		width = 10;
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
		    d1, sizeof d1), report_history_result(&h[i]));
	}
}
