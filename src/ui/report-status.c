/*
 * report-status.c: the status update for the people waiting on a recovery,
 * and the Backup Test Report.
 */
#include "system.h"

#include <sys/stat.h>

#include "ui/report-int.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* Steps not done yet that an interim status update names. */
#define REPORT_NEXT_STEPS 5

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
		x = report_state(r, i);
		/* a failure's state, and what a step done left open ("done; items ticked: 0 of 2") */
		if (which == 2 || (which == 0 && strcmp(x, _("done")) != 0)) {
			buf_adds(b, ": ");
			report_line(b, x);
		}
		free(x);
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
void
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
		buf_printf(b, _("Data Loss: unknown (no database restore in the record)\n"));
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
void
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
