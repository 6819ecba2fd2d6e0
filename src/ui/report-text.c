/*
 * report-text.c: what every report renderer says alike: times, escaping for
 * each format, a step's words, the verdicts.
 */
#include "system.h"

#include <time.h>

#include "ui/report-int.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* Local time "2026-11-27 15:30:02" of ms into buf. */
const char *
report_time(int64_t ms, char *buf, size_t len)
{
	return (time_format_iso((time_t)(ms / 1000), buf, len));
}

/* The name of the local time zone at ms ("UTC", "CET") into buf. */
const char *
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
const char *
report_dur(int64_t secs, char *buf, size_t len)
{
	return (duration_format(secs, buf, len));
}

/*
 * Append text defused for a report: control characters (but newline and
 * tab), C1, the bidirectional overrides and bytes that are not UTF-8 as
 * visible escapes, by str_escape_buf, the one escaping function.
 */
void
report_safe(struct buf *b, const char *s)
{
	str_escape_buf(b, s, STR_ESCAPE_LINES);
}

/* The characters HTML and Markdown (which passes HTML through) both write as entities. */
#define REPORT_ESC_ENTITIES	['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;"

/* What HTML writes for each character it escapes (NULL: the character as it is). */
static const char *const report_esc_html[256] = {
	REPORT_ESC_ENTITIES, ['"'] = "&quot;", ['\''] = "&#39;",
};

/* What Markdown writes: the entities, and its own marks behind a backslash. */
static const char *const report_esc_md[256] = {
	REPORT_ESC_ENTITIES,
	['\\'] = "\\\\", ['`'] = "\\`", ['*'] = "\\*", ['_'] = "\\_", ['['] = "\\[",
	[']'] = "\\]", ['|'] = "\\|", ['#'] = "\\#", ['~'] = "\\~", ['!'] = "\\!",
};

/* Append the defused text t with each character that esc names written as it says; frees t. */
static void
report_escape(struct buf *b, struct buf *t, const char *const esc[256])
{
	const char	*p;

	for (p = t->data != NULL ? t->data : ""; *p != '\0'; p++) {
		if (esc[(unsigned char)*p] != NULL)
			buf_adds(b, esc[(unsigned char)*p]);
		else
			buf_addc(b, *p);
	}
	buf_clear(t);
}

/* Append text for HTML: defused like report_safe, &<>"' as entities. */
void
report_html(struct buf *b, const char *s)
{
	struct buf	 t;

	buf_init(&t);
	report_safe(&t, s);
	report_escape(b, &t, report_esc_html);
}

/* Append text on one line (newlines as " / "), defused. */
void
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

	buf_init(&t);
	report_line(&t, s);
	report_escape(b, &t, report_esc_md);
}

/* The last REPORT_EXCERPT_LINES lines of out (caller frees); *cut set to the lines left out. */
char *
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
const char *
report_title(const struct report *r, size_t i)
{
	return (r->w.steps[i].title != NULL ? r->w.steps[i].title : r->w.steps[i].id);
}

/* The state of walk step i in words (caller frees; raw, the renderer escapes it). */
char *
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
const char *
report_remark(const struct report *r, size_t i)
{
	const struct walk_step	*s = &r->w.steps[i];

	return (s->state == WALK_DONE ? s->remark : NULL);
}

/* The actual duration of step i into buf, "-" when it has none. */
const char *
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
char *
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
char *
report_heading(const struct report *r)
{
	return (xasprintf(r->inc.mode == INCIDENT_MODE_DRILL ? _("Drill report: %s") :
	    _("Post-incident report: %s"), r->inc.id));
}

/* The drill's result in one word: ABANDONED, INCOMPLETE, PASS or FAIL. */
const char *
report_result(const struct report *r)
{
	if (r->abandoned)
		return (_("ABANDONED"));
	if (r->interim)
		return (_("INCOMPLETE"));
	return (r->pass ? _("PASS") : _("FAIL"));
}

/* The command a hint names, e.g. "patronus-dr --config '/x/dr.yaml' incidents verify ID" (caller frees). */
char *
report_hint(const struct report *r, const char *sub)
{
	struct buf	b;

	buf_init(&b);
	buf_printf(&b, "%s %s ", r->command, sub);
	str_shell_quote(&b, r->inc.id);
	return (buf_steal(&b));
}

/* The summary's target lines: labels[k] (static, translated) and texts[k] (caller frees). Returns their count. */
size_t
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
		texts[n++] = xasprintf(_("target %s, achieved: unknown (no database restore "
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

/*
 * Append every decision and the last answer to each prompt question, step by
 * step, with emit (one per format); earlier answers stay in the timeline.
 * Returns how many.
 */
size_t
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

/* The result of a drill in the history: open, abandoned, PASS or FAIL. */
const char *
report_history_result(const struct report_history *h)
{
	if (!h->closed)
		return (_("open"));
	if (h->abandoned)
		return (_("abandoned"));
	return (h->pass ? _("PASS") : _("FAIL"));
}
