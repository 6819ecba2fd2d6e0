/*
 * report-html.c: the report as one HTML file: its style, the step and history
 * charts (SVG), no script.
 */
#include "system.h"

#include "ui/report-int.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

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
void
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
