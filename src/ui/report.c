/* report.c: post-incident and drill reports from the incident record: Markdown, HTML, status update. */
#include "system.h"

#include <sys/stat.h>

#include <time.h>

#include "ui/report.h"
#include "ui/report-int.h"
#include "util/json.h"
#include "util/str.h"
#include "util/table.h"
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

/* The index of step id in the walk, or -1. */
static int
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
static int64_t
report_expect(const struct report *r, size_t i)
{
	const struct rb_step	*rs = report_rb_step(r, i);

	return (rs != NULL ? rs->expect : 0);
}

/* Whether step i left no trace in the record. */
static bool
report_not_reached(const struct report *r, size_t i)
{
	const struct walk_step	*s = &r->w.steps[i];

	return (s->state == WALK_PENDING && !s->failed && s->first_ms == 0 && !s->visited);
}

/* Whether step i is done for real: not simulated, and no failure left standing. */
static bool
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
		    xstrdup(_("no restored backup recorded")));
	else
		report_crit(r, _("Data loss within RPO"), r->rpo_achieved <= r->inc.rpo,
		    report_of(r->rpo_achieved, r->inc.rpo));
}

/* "restore: failed (exit 66), then skipped: no sets; ..." of every step with a failure standing (caller frees), NULL when none. */
static char *
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

/* ---- text helpers ---- */

/* Local time "2026-11-27 15:30:02" of ms into buf. */
const char *
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
void
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
	buf_clear(&t);
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
	buf_clear(&t);
}

/*
 * Append recorded text for Markdown, on one line: defused as report_line
 * does (control characters as \xHH), then &<> as entities (a Markdown
 * renderer passes HTML through) and Markdown's own marks escaped with a
 * backslash, so a note or an answer can neither inject markup nor break a
 * table. The one escaping of the Markdown report.
 */
void
report_md_text(struct buf *b, const char *s)
{
	struct buf	 t;
	const char	*p;

	buf_init(&t);
	report_line(&t, s);
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
		case '\\': case '`': case '*': case '_': case '[': case ']': case '|':
		case '#': case '~': case '!':
			buf_addc(b, '\\');
			buf_addc(b, *p);
			break;
		default:
			buf_addc(b, *p);
			break;
		}
	}
	buf_clear(&t);
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

/* The title of walk step i, or its id. */
static const char *
report_title(const struct report *r, size_t i)
{
	return (r->w.steps[i].title != NULL ? r->w.steps[i].title : r->w.steps[i].id);
}

/* The state of walk step i in words (caller frees; raw, the renderer escapes it). */
static char *
report_state(const struct report *r, size_t i)
{
	struct buf	b;

	if (report_not_reached(r, i))
		return (xstrdup(_("not reached")));
	buf_init(&b);
	walk_step_describe(&r->w, (int)i, &b);
	return (buf_steal(&b));
}

/* The remark of step i beside its state: the done remark, or NULL. */
static const char *
report_remark(const struct report *r, size_t i)
{
	const struct walk_step	*s = &r->w.steps[i];

	return (s->state == WALK_DONE ? s->remark : NULL);
}

/* The actual duration of step i into buf, "-" when it has none. */
static const char *
report_actual(const struct report *r, size_t i, char *buf, size_t len, int64_t *secs)
{
	const struct walk_step	*s = &r->w.steps[i];

	*secs = -1;
	if (s->ended_ms == 0 || s->first_ms == 0 || s->state == WALK_SKIPPED)
		return ("-");
	*secs = (s->ended_ms - s->first_ms) / 1000;
	return (duration_format(*secs, buf, len));
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

/* The drill's result in one word: ABANDONED, INCOMPLETE, PASS or FAIL. */
static const char *
report_result(const struct report *r)
{
	if (r->abandoned)
		return (_("ABANDONED"));
	if (r->interim)
		return (_("INCOMPLETE"));
	return (r->pass ? _("PASS") : _("FAIL"));
}

/* The command a hint names, e.g. "patronus-dr --config '/x/dr.yaml' incidents verify ID" (caller frees). */
static char *
report_hint(const struct report *r, const char *sub)
{
	struct buf	b;

	buf_init(&b);
	buf_printf(&b, "%s %s ", r->command, sub);
	str_shell_quote(&b, r->inc.id);
	return (buf_steal(&b));
}

/* The summary's target lines: labels[k] (static, translated) and texts[k] (caller frees). Returns their count. */
static size_t
report_targets(const struct report *r, const char *labels[4], char *texts[4])
{
	char	d1[TIMEUTIL_BUFSZ], d2[TIMEUTIL_BUFSZ], t[TIMEUTIL_BUFSZ], t2[TIMEUTIL_BUFSZ];
	size_t	n = 0;

	labels[n] = _("RTO");
	texts[n++] = xasprintf(_("target %s, achieved %s (detection to %s, %s): %s%s"),
	    report_dur(r->inc.rto, d1, sizeof d1), report_dur(r->rto_achieved, d2, sizeof d2),
	    r->rto_end_what, report_time(r->rto_end_ms != 0 ? r->rto_end_ms : r->as_of_ms, t,
	    sizeof t), report_verdict(r->rto_achieved, r->inc.rto),
	    r->interim ? _(" so far") : "");
	labels[n] = _("RPO");
	if (r->rpo_achieved >= 0)
		texts[n++] = xasprintf(_("target %s, achieved %s (backup of %s restored: %s): %s"),
		    r->inc.rpo > 0 ? report_dur(r->inc.rpo, d1, sizeof d1) : "-",
		    report_dur(r->rpo_achieved, d2, sizeof d2),
		    report_time(r->backup_ms, t, sizeof t),
		    r->restored_set != NULL ? r->restored_set : "?", r->inc.rpo > 0 ?
		    report_verdict(r->rpo_achieved, r->inc.rpo) : "-");
	else
		texts[n++] = xasprintf(_("target %s, achieved: unknown (no restored backup "
		    "recorded)"), r->inc.rpo > 0 ? report_dur(r->inc.rpo, d1, sizeof d1) : "-");
	if (r->rpo_achieved >= 0) {
		labels[n] = _("Data loss");
		texts[n++] = xasprintf(_("measured from the point restored to the detection "
		    "(%s), as every restore under the incident prints its data-loss window"),
		    report_time(r->inc.detected_ms, t, sizeof t));
	}
	if (r->restore_before) {
		labels[n] = _("Restore point");
		if (r->backup_ms > r->inc.detected_ms)
			texts[n++] = xasprintf(_("only points before the detection (%s) count "
			    "(restore_before: detected), but the point restored (%s) is later: "
			    "it may hold the damage"), report_time(r->inc.detected_ms, t, sizeof t),
			    report_time(r->backup_ms, t2, sizeof t2));
		else
			texts[n++] = xasprintf(_("only points before the detection (%s) count "
			    "(restore_before: detected): later backups may hold the damage"),
			    report_time(r->inc.detected_ms, t, sizeof t));
	}
	return (n);
}

/* ---- Markdown ---- */

/* Append text as an indented (4 spaces) code block: control characters defused. */
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
	buf_clear(&t);
}

/* Append "- **Label:** text" with text escaped. */
static void
report_md_item(struct buf *b, const char *label, const char *text)
{
	buf_printf(b, "- **%s:** ", label);
	report_md_text(b, text);
	buf_addc(b, '\n');
}

/* Append one answer (or decision) as a Markdown list item. */
static void
report_md_answer(struct buf *b, const char *question, const char *answer, size_t revisions)
{
	buf_adds(b, "- **");
	report_md_text(b, question != NULL ? question : "");
	buf_adds(b, "** ");
	report_md_text(b, answer != NULL ? answer : "");
	if (revisions > 0)
		buf_printf(b, _(" *(final answer; %zu earlier in the timeline)*"), revisions);
	buf_addc(b, '\n');
}

/* Append one answer (or decision) as an HTML list item. */
static void
report_html_answer(struct buf *b, const char *question, const char *answer,
    size_t revisions)
{
	buf_adds(b, "<li><strong>");
	report_html(b, question != NULL ? question : "");
	buf_adds(b, "</strong> ");
	report_html(b, answer != NULL ? answer : "");
	if (revisions > 0) {
		buf_adds(b, " <em>");
		buf_printf(b, _("(final answer; %zu earlier in the timeline)"), revisions);
		buf_adds(b, "</em>");
	}
	buf_adds(b, "</li>\n");
}

/*
 * Append every decision and the last answer to each prompt question, step by
 * step, with emit (one per format); earlier answers stay in the timeline.
 * Returns how many.
 */
static size_t
report_answers(struct buf *b, const struct report *r,
    void (*emit)(struct buf *, const char *, const char *, size_t))
{
	const struct walk_step	*s;
	size_t			 i, j, n = 0;

	for (i = 0; i < r->w.nsteps; i++) {
		s = &r->w.steps[i];
		if (s->decision_answer != NULL) {
			emit(b, s->decision_question, s->decision_answer, 0);
			n++;
		}
		for (j = 0; j < s->nans; j++, n++)
			emit(b, s->ans[j].question, s->ans[j].answer, s->ans[j].revisions);
	}
	return (n);
}

/* Append the report as Markdown. */
static void
report_md(struct buf *b, const struct report *r)
{
	const struct walk_step		*s;
	const struct walk_run		*c;
	const struct incident_event	*ev;
	const char			*labels[4];
	char				*h, *x, *texts[4], t[TIMEUTIL_BUFSZ], d1[TIMEUTIL_BUFSZ];
	char				 d2[TIMEUTIL_BUFSZ];
	size_t				 i, j, cut, n;
	int64_t				 secs;
	bool				 any;

	h = report_heading(r);
	buf_printf(b, "# %s\n\n", h);
	free(h);
	if (r->abandoned) {
		buf_printf(b, _("> **ABANDONED:** the %s was closed as opened by mistake: "),
		    incident_mode_name(r->inc.mode));
		report_md_text(b, r->w.outcome != NULL ? r->w.outcome : "");
		buf_adds(b, _(". It is neither a pass nor a fail.\n\n"));
	} else if (r->interim)
		buf_printf(b, _("> **INTERIM REPORT:** the %s is still open; figures are as of "
		    "the last event (%s).\n\n"), incident_mode_name(r->inc.mode),
		    report_time(r->as_of_ms, t, sizeof t));

	buf_printf(b, "## %s\n\n", _("Summary"));
	x = xasprintf("%s (%s)", r->inc.runbook_id, r->inc.runbook_title);
	report_md_item(b, _("Runbook"), x);
	free(x);
	report_md_item(b, _("Mode"), incident_mode_name(r->inc.mode));
	report_md_item(b, _("Host"), r->inc.host);
	report_md_item(b, _("Time zone"), report_zone(r->inc.detected_ms, t, sizeof t));
	report_md_item(b, _("Detected"), report_time(r->inc.detected_ms, t, sizeof t));
	report_md_item(b, _("Declared"), report_time(r->inc.declared_ms, t, sizeof t));
	report_md_item(b, _("Closed"), r->interim ? _("not yet") :
	    report_time(r->inc.closed_ms, t, sizeof t));
	buf_printf(b, "- **%s:** ", _("Operators"));
	for (i = 0; i < r->noperators; i++) {
		if (i > 0)
			buf_adds(b, ", ");
		report_md_text(b, r->operators[i]);
	}
	buf_adds(b, "\n");
	n = report_targets(r, labels, texts);
	for (i = 0; i < n; i++) {
		report_md_item(b, labels[i], texts[i]);
		free(texts[i]);
	}
	report_calendar_md(b, r);
	buf_adds(b, "\n");
	report_people_md(b, r);

	if (r->inc.mode == INCIDENT_MODE_DRILL) {
		buf_printf(b, "## %s\n\n", _("Success criteria"));
		if (r->abandoned)
			buf_printf(b, "%s\n", _("Not scored: the drill was abandoned."));
		for (i = 0; i < r->ncrit; i++) {
			buf_printf(b, "- [%s] %s: ", r->crit[i].pass ? _("PASS") : _("FAIL"),
			    r->crit[i].name);
			report_md_text(b, r->crit[i].detail);
			buf_addc(b, '\n');
		}
		buf_printf(b, _("\n**Drill result: %s**\n\n"), report_result(r));
	}

	buf_printf(b, "## %s\n\n", _("Steps"));
	buf_printf(b, "| %s | %s | %s | %s | %s |\n|---|---|---|---|---|\n", _("Step"),
	    _("State"), _("Expected"), _("Actual"), _("Remark"));
	for (i = 0; i < r->w.nsteps; i++) {
		buf_adds(b, "| ");
		report_md_text(b, r->w.steps[i].id);
		buf_adds(b, " — ");
		report_md_text(b, report_title(r, i));
		buf_adds(b, " | ");
		x = report_state(r, i);
		report_md_text(b, x);
		free(x);
		buf_printf(b, " | %s | %s | ", report_expect(r, i) > 0 ?
		    report_dur(report_expect(r, i), d1, sizeof d1) : "-",
		    report_actual(r, i, d2, sizeof d2, &secs));
		if (report_remark(r, i) != NULL)
			report_md_text(b, report_remark(r, i));
		if (report_expect(r, i) > 0 && secs > report_expect(r, i))
			buf_adds(b, report_remark(r, i) != NULL ? _("; over time") :
			    _("over time"));
		buf_adds(b, " |\n");
	}
	buf_adds(b, "\n");

	any = false;
	for (i = 0; i < r->w.nsteps; i++) {
		s = &r->w.steps[i];
		if (s->state != WALK_SKIPPED)
			continue;
		if (!any)
			buf_printf(b, "## %s\n\n", _("Skipped steps"));
		any = true;
		buf_adds(b, "- ");
		report_md_text(b, s->id);
		buf_adds(b, ": ");
		if (s->failed) {
			x = report_state(r, i);
			report_md_text(b, x);
			free(x);
		} else
			report_md_text(b, s->skip_reason != NULL && *s->skip_reason != '\0' ?
			    s->skip_reason : _("no reason given"));
		buf_adds(b, "\n");
	}
	if (any)
		buf_adds(b, "\n");

	any = false;
	for (i = 0; i < r->w.nsteps; i++) {
		s = &r->w.steps[i];
		if (s->nticks == 0)
			continue;
		if (!any)
			buf_printf(b, "## %s\n\n", _("Checklists"));
		any = true;
		buf_printf(b, "%s `", _("Step"));
		report_md_text(b, s->id);
		buf_adds(b, "`:\n\n");
		for (j = 0; j < s->nticks; j++) {
			buf_printf(b, "- [%c] ", s->ticks[j] ? 'x' : ' ');
			report_md_text(b, walk_item(&r->w, (int)i, j));
			buf_adds(b, "\n");
		}
		buf_adds(b, "\n");
	}

	if (r->nruns > 0)
		buf_printf(b, "## %s\n\n", _("Commands and actions"));
	for (i = 0; i < r->nruns; i++) {
		c = r->runs[i];
		buf_printf(b, "%s `", _("Step"));
		report_md_text(b, r->w.steps[r->run_step[i]].id);
		buf_printf(b, "`, %s, ", report_time(c->start_ms, t, sizeof t));
		report_md_text(b, c->status != NULL ? c->status : _("did not end"));
		buf_adds(b, ":\n\n");
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

	for (n = 0, i = 0; i < r->w.nsteps; i++)
		n += r->w.steps[i].nans + (r->w.steps[i].decision_answer != NULL);
	if (n > 0) {
		buf_printf(b, "## %s\n\n", _("Answers and decisions"));
		report_answers(b, r, report_md_answer);
		buf_addc(b, '\n');
	}

	for (n = 0, i = 0; i < r->nevs; i++)
		n += r->evs[i].kind == INCIDENT_EV_NOTE;
	if (n > 0) {
		buf_printf(b, "## %s\n\n", _("Notes"));
		for (i = 0; i < r->nevs; i++) {
			ev = &r->evs[i];
			if (ev->kind != INCIDENT_EV_NOTE)
				continue;
			buf_printf(b, "- %s ", report_time(ev->time_ms, t, sizeof t));
			report_md_text(b, ev->operator);
			buf_adds(b, ": ");
			report_md_text(b, ev->payload);
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
		report_md_text(b, ev->operator);
		if (ev->client != NULL) {
			buf_addc(b, '@');
			report_md_text(b, ev->client);
		}
		buf_adds(b, "  ");
		report_md_text(b, ev->step != NULL ? ev->step : "-");
		buf_adds(b, "  ");
		report_md_text(b, x);
		buf_adds(b, "\n");
		free(x);
	}
	buf_adds(b, "\n");

	buf_printf(b, "## %s\n\n", _("Record"));
	buf_printf(b, _("- **Events:** %zu\n"), r->nevs);
	buf_printf(b, _("- **Chain head:** `%s`\n"), r->head);
	if (r->chain_ok) {
		x = report_hint(r, "incidents verify");
		buf_printf(b, _("- **Chain:** holds (check with `%s`)\n"), x);
		free(x);
	} else
		buf_printf(b, _("- **Chain:** BROKEN at event %" PRId64 "\n"), r->chain_bad_seq);
}

/* ---- status update ---- */

/* Whether a ticked checklist item says the sites are connected. */
static bool
report_sites_connected(const struct report *r)
{
	const char	*item;
	size_t		 i, j;

	for (i = 0; i < r->w.nsteps; i++) {
		for (j = 0; j < r->w.steps[i].nticks; j++) {
			item = walk_item(&r->w, (int)i, j);
			if (r->w.steps[i].ticks[j] &&
			    (strcasestr(item, "sites connected") != NULL ||
			    strcasestr(item, "sites reconnected") != NULL))
				return (true);
		}
	}
	return (false);
}

/*
 * Append "- TITLE[: state]" for every step of a kind (0 done for real, 1
 * simulated, 2 failed), or none_text when none is; b NULL only counts them.
 * Returns how many.
 */
static size_t
report_status_list(struct buf *b, const struct report *r, int which, const char *none_text)
{
	const struct walk_step	*s;
	char			*x;
	size_t			 i, n = 0;
	bool			 take;

	for (i = 0; i < r->w.nsteps; i++) {
		s = &r->w.steps[i];
		switch (which) {
		case 0:		/* done for real */
			take = report_done(r, i);
			break;
		case 1:		/* simulated in a drill */
			take = s->state == WALK_DONE && s->simulated && !s->failed;
			break;
		default:	/* failed, whatever came after */
			take = s->failed || s->state == WALK_FAILED;
			break;
		}
		if (!take)
			continue;
		if (b == NULL) {
			n++;
			continue;
		}
		buf_adds(b, "- ");
		report_line(b, report_title(r, i));
		if (which == 2) {
			buf_adds(b, ": ");
			x = report_state(r, i);
			report_line(b, x);
			free(x);
		}
		buf_adds(b, "\n");
		n++;
	}
	if (n == 0 && none_text != NULL && b != NULL)
		buf_printf(b, "- %s\n", none_text);
	return (n);
}

/*
 * Append the Communications Lead's update, from the plan's "Failover
 * Complete" message, saying no more than the record shows: an open incident
 * is in progress, a closed one with a failure standing (or its service step
 * not done) is not resolved, a drill says PASSED or FAILED and never
 * OPERATIONAL, an abandoned one says so; simulated steps are listed as
 * simulated, never as actions taken.
 */
static void
report_status(struct buf *b, const struct report *r)
{
	char	d1[TIMEUTIL_BUFSZ], d2[TIMEUTIL_BUFSZ], *failed;
	bool	drill = r->inc.mode == INCIDENT_MODE_DRILL, ok;
	size_t	i, n;

	failed = report_failed_steps(r);
	ok = failed == NULL && !r->service_unconfirmed;
	if (r->abandoned) {
		buf_printf(b, _("Subject: [ABANDONED] Patronus SD-WAN %s closed without a "
		    "result\n\n"), drill ? _("drill") : _("incident"));
		buf_printf(b, _("The Patronus SD-WAN %s \""), drill ? _("drill") : _("incident"));
		report_line(b, r->inc.runbook_title);
		buf_adds(b, _("\" was opened by mistake and closed: "));
		report_line(b, r->w.outcome != NULL ? r->w.outcome : "");
		buf_adds(b, ".\n\n");
		buf_printf(b, _("Current Status: ABANDONED (neither a pass nor a fail)\n"));
	} else if (r->interim) {
		buf_printf(b, drill ? _("Subject: [UPDATE] Patronus SD-WAN drill in progress\n\n") :
		    _("Subject: [UPDATE] Patronus SD-WAN recovery in progress\n\n"));
		buf_printf(b, _("The Patronus SD-WAN %s \""), drill ? _("drill") : _("recovery"));
		report_line(b, r->inc.runbook_title);
		buf_printf(b, _("\" is in progress (%s since detection).\n\n"),
		    report_dur(r->rto_achieved, d1, sizeof d1));
		buf_printf(b, drill ? _("Current Status: DRILL IN PROGRESS\n") :
		    _("Current Status: RECOVERY IN PROGRESS\n"));
	} else if (drill) {
		buf_printf(b, r->pass ? _("Subject: [DRILL PASSED] Patronus SD-WAN Failover "
		    "Test Complete\n\n") : _("Subject: [DRILL FAILED] Patronus SD-WAN Failover "
		    "Test Complete\n\n"));
		buf_printf(b, _("The Patronus SD-WAN drill \""));
		report_line(b, r->inc.runbook_title);
		buf_printf(b, _("\" is closed after %s (RTO %s, %s).\n\n"),
		    report_dur(r->rto_achieved, d1, sizeof d1), report_dur(r->inc.rto, d2,
		    sizeof d2), r->rto_achieved <= r->inc.rto ? _("met") : _("missed"));
		if (r->pass)
			buf_printf(b, _("Current Status: DRILL PASSED\n"));
		else {
			buf_printf(b, _("Current Status: DRILL FAILED ("));
			for (n = 0, i = 0; i < r->ncrit; i++) {
				if (r->crit[i].pass)
					continue;
				buf_adds(b, n++ > 0 ? ", " : "");
				buf_adds(b, r->crit[i].name);
			}
			buf_adds(b, ")\n");
		}
	} else if (ok) {
		buf_printf(b, _("Subject: [RESOLVED] Patronus SD-WAN Recovery Complete\n\n"));
		buf_printf(b, _("The Patronus SD-WAN %s \""), _("recovery"));
		report_line(b, r->inc.runbook_title);
		buf_printf(b, _("\" is complete: service restored %s after detection (RTO %s, %s).\n\n"),
		    report_dur(r->rto_achieved, d1, sizeof d1), report_dur(r->inc.rto, d2,
		    sizeof d2), r->rto_achieved <= r->inc.rto ? _("met") : _("missed"));
		buf_printf(b, _("Current Status: OPERATIONAL\n"));
	} else {
		buf_printf(b, _("Subject: [CLOSED] Patronus SD-WAN recovery closed, not "
		    "confirmed\n\n"));
		buf_printf(b, _("The Patronus SD-WAN %s \""), _("recovery"));
		report_line(b, r->inc.runbook_title);
		buf_printf(b, _("\" is closed after %s, but the record does not show the "
		    "service restored: %s.\n\n"), report_dur(r->rto_achieved, d1, sizeof d1),
		    failed != NULL ? _("a step failed") : r->rto_end_what);
		buf_printf(b, _("Current Status: NOT CONFIRMED OPERATIONAL\n"));
	}
	buf_printf(b, "%s ", _("Location:"));
	report_line(b, r->inc.host);
	buf_addc(b, '\n');
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
	report_status_list(b, r, 0, _("none yet"));
	if (report_status_list(NULL, r, 1, NULL) > 0) {
		buf_printf(b, _("\nSimulated (drill; nothing was changed):\n"));
		report_status_list(b, r, 1, NULL);
	}
	if (failed != NULL) {
		buf_printf(b, _("\nFailed:\n"));
		report_status_list(b, r, 2, NULL);
	}
	free(failed);
	buf_printf(b, _("\nNext Steps:\n"));
	if (r->interim) {
		/* The next few steps not done yet, and how many follow. */
		for (n = 0, i = 0; i < r->w.nsteps; i++) {
			if (r->w.steps[i].state != WALK_PENDING &&
			    r->w.steps[i].state != WALK_RUNNING)
				continue;
			if (n++ < REPORT_NEXT_STEPS) {
				buf_adds(b, "- ");
				report_line(b, report_title(r, i));
				buf_adds(b, "\n");
			}
		}
		if (n > REPORT_NEXT_STEPS)
			buf_printf(b, _("- and %zu more steps of the runbook\n"),
			    n - REPORT_NEXT_STEPS);
	} else if (r->abandoned) {
		buf_printf(b, _("- none: it was opened by mistake\n"));
	} else if (drill) {
		buf_printf(b, _("- Post-drill review scheduled\n"));
	} else if (ok) {
		buf_printf(b, _("- Continue monitoring (24 hours)\n"));
		buf_printf(b, _("- Post-incident review scheduled\n"));
	} else {
		buf_printf(b, _("- Confirm the service by hand before calling it restored\n"));
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

	for (i = 0; i < r->nruns; i++) {
		if (r->runs[i]->output.data == NULL ||
		    (p = strstr(r->runs[i]->output.data, key)) == NULL)
			continue;
		if (p != r->runs[i]->output.data && p[-1] != '\n')
			continue;
		p += strlen(key);
		return (xstrndup(p, strcspn(p, "\n")));
	}
	return (NULL);
}

/* The last command of the steps under id: 1 when it exited 0, 0 when not, -1 when none ran. */
static int
report_step_ok(const struct report *r, const char *id, const struct walk_run **cp)
{
	size_t	i;

	*cp = NULL;
	for (i = r->nruns; i > 0; i--) {
		if (report_under(r->w.steps[r->run_step[i - 1]].id, id)) {
			*cp = r->runs[i - 1];
			return (r->runs[i - 1]->status != NULL && r->runs[i - 1]->code == 0 &&
			    strcmp(r->runs[i - 1]->status, "exit 0") == 0);
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
	const struct walk_run		*c;
	char				*tested, t[TIMEUTIL_BUFSZ];
	const char			*integrity, *access, *counts;
	struct stat			 sb;
	int				 ok, k;
	size_t				 j;

	if ((tested = r->restored_set != NULL ? xstrdup(r->restored_set) : NULL) == NULL)
		tested = report_tested_backup(r);
	ok = report_step_ok(r, "validate", &c);
	integrity = ok == -1 ? _("NOT RUN") : ok == 1 && c->output.data != NULL &&
	    strncmp(c->output.data, "ok\n", 3) == 0 ? _("PASS") : _("FAIL");
	access = ok == -1 ? _("NOT RUN") : ok == 1 ? _("PASS") : _("FAIL");
	counts = _("not confirmed");
	if ((k = report_find_step(r, "check")) >= 0)
		for (j = 0; j < r->w.steps[k].nticks; j++)
			if (strstr(walk_item(&r->w, k, j), "ecord count") != NULL &&
			    r->w.steps[k].ticks[j])
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

/* The colour of step i in the SVG timeline. */
static const char *
report_svg_colour(const struct report *r, size_t i)
{
	const struct walk_step	*s = &r->w.steps[i];

	if (s->failed || s->state == WALK_FAILED)
		return ("#c44");
	if (s->state == WALK_DONE)
		return (s->simulated ? "#9bd" : "#4a8");
	return (s->state == WALK_SKIPPED ? "#bbb" : "#e93");
}

/* Append the SVG timeline of the steps against the RTO target. */
static void
report_svg_steps(struct buf *b, const struct report *r)
{
	const struct walk_step	*s;
	int64_t			 t0 = r->inc.detected_ms, t1, end;
	double			 scale, x, w, xr;
	size_t			 i, n = 0;
	int			 y;
	char			*st, d[TIMEUTIL_BUFSZ];

	t1 = t0 + r->inc.rto * 1000;
	for (i = 0; i < r->w.nsteps; i++) {
		s = &r->w.steps[i];
		if (s->first_ms == 0)
			continue;
		n++;
		end = s->ended_ms != 0 ? s->ended_ms : r->as_of_ms;
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
	for (i = 0; i < r->w.nsteps; i++) {
		s = &r->w.steps[i];
		if (s->first_ms == 0)
			continue;
		end = s->ended_ms != 0 ? s->ended_ms : r->as_of_ms;
		x = 220 + (double)(s->first_ms - t0) * scale;
		w = (double)(end - s->first_ms) * scale;
		if (w < 2)
			w = 2;
		buf_printf(b, "<text x=\"215\" y=\"%d\" text-anchor=\"end\" font-size=\"11\">", y + 12);
		report_html(b, s->id);
		buf_printf(b, "</text><rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"14\" "
		    "fill=\"%s\"><title>", x, y, w, report_svg_colour(r, i));
		report_html(b, report_title(r, i));
		buf_adds(b, " (");
		st = report_state(r, i);
		report_html(b, st);
		free(st);
		buf_adds(b, ")</title></rect>\n");
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

/* The result of a drill in the history: open, abandoned, PASS or FAIL. */
static const char *
report_history_result(const struct report_history *h)
{
	if (!h->closed)
		return (_("open"));
	if (h->abandoned)
		return (_("abandoned"));
	return (h->pass ? _("PASS") : _("FAIL"));
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
		    "<title>", x, 170 - bh, bh, h[i].abandoned ? "#bbb" : h[i].pass ? "#4a8" :
		    "#c44");
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
	const struct walk_step		*s;
	const struct walk_run		*c;
	const struct incident_event	*ev;
	const char			*labels[4];
	char				*h, *x, *texts[4], t[TIMEUTIL_BUFSZ];
	char				 d1[TIMEUTIL_BUFSZ], d2[TIMEUTIL_BUFSZ];
	size_t				 i, j, cut, n;
	int64_t				 secs;

	h = report_heading(r);
	buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
	    "<title>");
	report_html(b, h);
	buf_printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", report_css);
	report_html(b, h);
	buf_adds(b, "</h1>\n");
	free(h);
	if (r->abandoned) {
		buf_adds(b, "<p class=\"interim\"><strong>");
		buf_printf(b, _("ABANDONED: the %s was closed as opened by mistake: "),
		    incident_mode_name(r->inc.mode));
		report_html(b, r->w.outcome != NULL ? r->w.outcome : "");
		buf_adds(b, _(". It is neither a pass nor a fail."));
		buf_adds(b, "</strong></p>\n");
	} else if (r->interim) {
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
	buf_adds(b, "</td></tr>\n");
	report_calendar_html(b, r);
	buf_adds(b, "</table>\n");
	report_people_html(b, r);
	/* The same target lines as the Markdown summary, so the two say the same. */
	n = report_targets(r, labels, texts);
	buf_adds(b, "<ul>\n");
	for (i = 0; i < n; i++) {
		buf_printf(b, "<li><strong>%s:</strong> ", labels[i]);
		report_html(b, texts[i]);
		buf_adds(b, "</li>\n");
		free(texts[i]);
	}
	buf_adds(b, "</ul>\n");

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
		    _("Drill result:"), r->pass ? "pass" : "fail", report_result(r));
	}

	buf_printf(b, "<h2>%s</h2>\n", _("Timeline of the steps"));
	report_svg_steps(b, r);
	buf_printf(b, "<table>\n<tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>\n",
	    _("Step"), _("State"), _("Expected"), _("Actual"), _("Remark"));
	for (i = 0; i < r->w.nsteps; i++) {
		x = xasprintf("%s — %s", r->w.steps[i].id, report_title(r, i));
		buf_adds(b, "<tr>");
		report_td(b, x);
		free(x);
		x = report_state(r, i);
		report_td(b, x);
		free(x);
		report_td(b, report_expect(r, i) > 0 ? report_dur(report_expect(r, i), d1,
		    sizeof d1) : "-");
		report_td(b, report_actual(r, i, d2, sizeof d2, &secs));
		report_td(b, report_remark(r, i) != NULL ? report_remark(r, i) : "");
		buf_adds(b, "</tr>\n");
	}
	buf_adds(b, "</table>\n");

	for (i = 0, j = 0; i < r->w.nsteps; i++)
		j += r->w.steps[i].nticks;
	if (j > 0) {
		buf_printf(b, "<h2>%s</h2>\n", _("Checklists"));
		for (i = 0; i < r->w.nsteps; i++) {
			s = &r->w.steps[i];
			if (s->nticks == 0)
				continue;
			buf_adds(b, "<p><code>");
			report_html(b, s->id);
			buf_adds(b, "</code></p>\n<ul>\n");
			for (j = 0; j < s->nticks; j++) {
				buf_printf(b, "<li>%s ", s->ticks[j] ? "&#9745;" : "&#9744;");
				report_html(b, walk_item(&r->w, (int)i, j));
				buf_adds(b, "</li>\n");
			}
			buf_adds(b, "</ul>\n");
		}
	}

	if (r->nruns > 0)
		buf_printf(b, "<h2>%s</h2>\n", _("Commands and actions"));
	for (i = 0; i < r->nruns; i++) {
		c = r->runs[i];
		buf_adds(b, "<p><code>");
		report_html(b, r->w.steps[r->run_step[i]].id);
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

	/* The last answer to each question; its revisions are in the timeline. */
	buf_printf(b, "<h2>%s</h2>\n<ul>\n", _("Answers, decisions and notes"));
	report_answers(b, r, report_html_answer);
	for (i = 0; i < r->nevs; i++) {
		ev = &r->evs[i];
		if (ev->kind != INCIDENT_EV_NOTE)
			continue;
		buf_printf(b, "<li>%s ", report_time(ev->time_ms, t, sizeof t));
		report_html(b, ev->operator);
		buf_adds(b, ": <pre>");
		report_html(b, ev->payload);
		buf_adds(b, "</pre></li>\n");
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
			    report_history_result(&hist[i]));
		}
		buf_adds(b, "</table>\n");
	}

	buf_printf(b, "<h2>%s</h2>\n<p>", _("Record"));
	buf_printf(b, _("%zu events; chain head <code>%s</code>; "), r->nevs, r->head);
	if (r->chain_ok) {
		buf_printf(b, "%s <code>", _("the chain holds (check with"));
		x = report_hint(r, "incidents verify");
		report_html(b, x);
		free(x);
		buf_adds(b, "</code>).");
	} else
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
