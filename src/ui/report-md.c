/* report-md.c: the post-incident or drill report as Markdown. */
#include "system.h"

#include "ui/report-int.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

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

/* Append the report as Markdown. */
void
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
