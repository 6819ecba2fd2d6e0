/* report-people.c: the people of a report: who held each role and how to reach them; the drill calendar. */
#include "system.h"

#include <time.h>

#include "model/runbook.h"
#include "ui/report-int.h"
#include "util/conf.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* The role row of name, added when new. */
static struct report_role *
report_role(struct report *r, const char *name)
{
	struct report_role	*ro;
	size_t			 i;

	for (i = 0; i < r->nroles; i++)
		if (strcmp(r->roles[i].role, name) == 0)
			return (&r->roles[i]);
	r->roles = xreallocarray(r->roles, r->nroles + 1, sizeof *r->roles);
	ro = &r->roles[r->nroles++];
	memset(ro, 0, sizeof *ro);
	ro->role = xstrdup(name);
	return (ro);
}

/* Each role of the runbook (declared, then as its steps name them) and who acted in its steps. */
void
report_people_build(struct report *r)
{
	const struct incident_event	*ev;
	struct report_role		*ro;
	char				*who;
	size_t				 i, j;
	int				 k;

	r->next_due_ms = -1;
	if (r->rb == NULL)
		return;
	for (i = 0; i < r->rb->nroles; i++)
		report_role(r, r->rb->roles[i]);
	for (i = 0; i < r->rb->nsteps; i++)
		if (r->rb->steps[i].role != NULL)
			report_role(r, r->rb->steps[i].role);
	for (i = 0; i < r->nevs; i++) {
		ev = &r->evs[i];
		if (ev->step == NULL || (k = runbook_step_index(r->rb, ev->step)) < 0 ||
		    r->rb->steps[k].role == NULL)
			continue;
		ro = report_role(r, r->rb->steps[k].role);
		who = ev->client != NULL ? xasprintf("%s@%s", ev->operator, ev->client) :
		    xstrdup(ev->operator);
		for (j = 0; j < ro->nacted; j++)
			if (strcmp(ro->acted[j], who) == 0)
				break;
		if (j < ro->nacted) {
			free(who);
			continue;
		}
		ro->acted = xreallocarray(ro->acted, ro->nacted + 1, sizeof *ro->acted);
		ro->acted[ro->nacted++] = who;
	}
}

/* Free the roles and the calendar. */
void
report_people_clear(struct report *r)
{
	size_t	i;

	for (i = 0; i < r->nroles; i++) {
		free(r->roles[i].role);
		str_list_free(r->roles[i].acted, r->roles[i].nacted);
		free(r->roles[i].contact);
	}
	free(r->roles);
	r->roles = NULL;
	r->nroles = 0;
	free(r->schedule);
	r->schedule = NULL;
}

/* Fill each role's contact from dr.yaml's contacts: (report.h). */
void
report_set_contacts(struct report *r, const struct conf *c)
{
	const struct conf_contact	*ct;
	size_t				 i;

	for (i = 0; i < r->nroles; i++) {
		if ((ct = conf_contact_find(c, r->roles[i].role)) == NULL)
			continue;
		free(r->roles[i].contact);
		r->roles[i].contact = conf_contact_text(ct);
	}
}

/* The runbook's drill calendar (report.h). */
void
report_set_calendar(struct report *r, const char *schedule, int64_t last_ms, int64_t next_ms)
{
	free(r->schedule);
	r->schedule = schedule != NULL ? xstrdup(schedule) : NULL;
	r->last_drill_ms = last_ms;
	r->next_due_ms = next_ms;
}

/* The acted-in list of a role, or "nobody recorded", as plain text; the caller frees. */
static char *
report_acted(const struct report_role *ro)
{
	struct buf	b;
	size_t		i;

	if (ro->nacted == 0)
		return (xstrdup(_("nobody recorded")));
	buf_init(&b);
	for (i = 0; i < ro->nacted; i++)
		buf_printf(&b, "%s%s", i > 0 ? ", " : "", ro->acted[i]);
	return (buf_steal(&b));
}

/* The roles as a Markdown section: "Role: acted …; contact …". */
void
report_people_md(struct buf *b, const struct report *r)
{
	char	*acted;
	size_t	 i;

	if (r->nroles == 0)
		return;
	buf_printf(b, "## %s\n\n", _("Roles"));
	for (i = 0; i < r->nroles; i++) {
		buf_adds(b, "- **");
		report_md_text(b, r->roles[i].role);
		buf_printf(b, ":** %s ", _("in its steps:"));
		acted = report_acted(&r->roles[i]);
		report_md_text(b, acted);
		free(acted);
		buf_printf(b, "; %s ", _("contact:"));
		report_md_text(b, r->roles[i].contact != NULL ? r->roles[i].contact :
		    _("none in dr.yaml"));
		buf_addc(b, '\n');
	}
	buf_addc(b, '\n');
}

/* The roles as an HTML table. */
void
report_people_html(struct buf *b, const struct report *r)
{
	char	*acted;
	size_t	 i;

	if (r->nroles == 0)
		return;
	buf_printf(b, "<h2>%s</h2>\n<table>\n<tr><th>%s</th><th>%s</th><th>%s</th></tr>\n",
	    _("Roles"), _("Role"), _("In its steps"), _("Contact"));
	for (i = 0; i < r->nroles; i++) {
		buf_adds(b, "<tr><td>");
		report_html(b, r->roles[i].role);
		buf_adds(b, "</td><td>");
		acted = report_acted(&r->roles[i]);
		report_html(b, acted);
		free(acted);
		buf_adds(b, "</td><td>");
		report_html(b, r->roles[i].contact != NULL ? r->roles[i].contact :
		    _("none in dr.yaml"));
		buf_adds(b, "</td></tr>\n");
	}
	buf_adds(b, "</table>\n");
}

/* The plan's "Last DR Test" and "Next DR Test" texts into the two buffers; false without a schedule. */
static bool
report_calendar_texts(const struct report *r, char *last, char *next, size_t len)
{
	char	t[64];

	if (r->inc.mode != INCIDENT_MODE_DRILL || r->next_due_ms < 0 || r->schedule == NULL)
		return (false);
	if (r->last_drill_ms > 0)
		snprintf(last, len, "%s", report_time(r->last_drill_ms, t, sizeof t));
	else
		snprintf(last, len, "%s", _("none done yet"));
	if (r->next_due_ms == 0)
		snprintf(next, len, _("due now (%s)"), r->schedule);
	else
		snprintf(next, len, _("%s (%s)"), report_time(r->next_due_ms, t, sizeof t),
		    r->schedule);
	return (true);
}

/* The drill calendar as two Markdown summary lines. */
void
report_calendar_md(struct buf *b, const struct report *r)
{
	char	last[128], next[128];

	if (!report_calendar_texts(r, last, next, sizeof last))
		return;
	buf_printf(b, "- **%s:** %s\n- **%s:** %s\n", _("Last DR Test"), last, _("Next DR Test"),
	    next);
}

/* The drill calendar as two HTML summary rows. */
void
report_calendar_html(struct buf *b, const struct report *r)
{
	char	last[128], next[128];

	if (!report_calendar_texts(r, last, next, sizeof last))
		return;
	buf_printf(b, "<tr><th>%s</th><td>%s</td></tr>\n<tr><th>%s</th><td>%s</td></tr>\n",
	    _("Last DR Test"), last, _("Next DR Test"), next);
}

/*
 * The plan's failover-test notice ("Schedule Test (with notice)") from the
 * record: the drill's date and its window, from its declaration to the RTO
 * it has to meet; the runbook's title and the host, escaped as plain text.
 */
void
report_notice(struct buf *b, const struct report *r)
{
	struct tm	tm;
	time_t		t0 = (time_t)(r->inc.declared_ms / 1000), t1 = t0 + (time_t)r->inc.rto;
	char		day[32], from[16], to[16], *title, *host;

	localtime_r(&t0, &tm);
	strftime(day, sizeof day, "%Y-%m-%d", &tm);
	strftime(from, sizeof from, "%H:%M", &tm);
	localtime_r(&t1, &tm);
	strftime(to, sizeof to, "%H:%M %Z", &tm);
	title = str_escape(r->inc.runbook_title);
	host = str_escape(r->inc.host);
	buf_printf(b, _("Subject: DR Failover Test - %s\n\n"), day);
	buf_printf(b, _("We will be conducting a disaster recovery failover test on %s from %s "
	    "to %s.\n\n"), day, from, to);
	buf_printf(b, _("Test: %s (%s), on %s.\n"), title, r->inc.id, host);
	buf_printf(b, "%s\n", _("Expected Impact: None (transparent failover)"));
	buf_printf(b, "%s\n\n", _("Rollback Plan: Immediate if issues detected"));
	buf_printf(b, "%s\n", _("Thank you."));
	free(title);
	free(host);
}
