/* runbook.c: a runbook in memory: freeing, stepping through, drill rules, names, schedule. */
#include "system.h"

#include "engine/host/action.h"
#include "model/runbook.h"
#include "model/runbook-int.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* Free what a step owns (not the step itself). */
void
rb_step_clear(struct rb_step *st)
{
	size_t	i;

	free(st->id);
	free(st->title);
	free(st->role);
	free(st->description);
	free(st->run);
	free(st->action);
	for (i = 0; i < st->nparams; i++) {
		free(st->params[i].name);
		free(st->params[i].value);
	}
	free(st->params);
	str_list_free(st->items, st->nitems);
	free(st->question);
	for (i = 0; i < st->nanswers; i++) {
		free(st->answers[i].label);
		free(st->answers[i].next);
	}
	free(st->answers);
	for (i = 0; i < st->nquestions; i++) {
		free(st->questions[i].id);
		free(st->questions[i].text);
	}
	free(st->questions);
	free(st->use);
	memset(st, 0, sizeof *st);
}

/* Free a runbook and everything it owns. */
void
runbook_free(struct runbook *rb)
{
	size_t	i;

	if (rb == NULL)
		return;
	free(rb->id);
	free(rb->title);
	free(rb->file);
	free(rb->description);
	str_list_free(rb->roles, rb->nroles);
	str_list_free(rb->detection, rb->ndetection);
	str_list_free(rb->prerequisites, rb->nprerequisites);
	for (i = 0; i < rb->nsteps; i++)
		rb_step_clear(&rb->steps[i]);
	free(rb->steps);
	free(rb);
}

/* A copy of a string, or NULL. */
char *
rb_dup(const char *s)
{
	return (s == NULL ? NULL : xstrdup(s));
}

/* Whether a role is one of the runbook's roles. */
bool
rb_has_role(const struct runbook *rb, const char *role)
{
	size_t	i;

	for (i = 0; i < rb->nroles; i++)
		if (strcmp(rb->roles[i], role) == 0)
			return (true);
	return (false);
}

/* The index of the step with this id, or -1. */
int
runbook_step_index(const struct runbook *rb, const char *id)
{
	size_t	i;

	for (i = 0; i < rb->nsteps; i++)
		if (rb->steps[i].id != NULL && strcmp(rb->steps[i].id, id) == 0)
			return ((int)i);
	return (-1);
}

/* The index of the step after step i (for a decide: after its answer), or -1. */
int
runbook_next_step(const struct runbook *rb, size_t i, size_t answer)
{
	const struct rb_step	*st;

	if (i >= rb->nsteps)
		return (-1);
	st = &rb->steps[i];
	if (st->kind == RB_DECIDE) {
		if (answer >= st->nanswers)
			return (-1);
		if (st->answers[answer].next != NULL)
			return (runbook_step_index(rb, st->answers[answer].next));
	}
	return (i + 1 < rb->nsteps ? (int)(i + 1) : -1);
}

/*
 * What a step does in a drill: its drill: key, else run for checklists,
 * decisions, prompts and actions (those that replace live data run against
 * the drill's sandbox), simulate for commands, unknown actions and the
 * destructive ones that work on live paths (prune).
 */
enum rb_drill
runbook_drill_rule(const struct rb_step *st)
{
	const struct action_def	*def;

	if (st->drill != RB_DRILL_DEFAULT)
		return (st->drill);
	switch (st->kind) {
	case RB_RUN:
		return (RB_DRILL_SIMULATE);
	case RB_ACTION:
		def = st->action != NULL ? action_find(st->action) : NULL;
		/* the others replace the sandbox's copies, never the live data */
		return (def == NULL || (def->destructive && def->drill_live) ?
		    RB_DRILL_SIMULATE : RB_DRILL_RUN);
	default:
		return (RB_DRILL_RUN);
	}
}

/* The YAML key of a kind of step. */
const char *
runbook_kind_name(enum rb_kind kind)
{
	switch (kind) {
	case RB_RUN:
		return ("run");
	case RB_ACTION:
		return ("action");
	case RB_CHECKLIST:
		return ("checklist");
	case RB_DECIDE:
		return ("decide");
	case RB_PROMPT:
		return ("prompt");
	case RB_USE:
		return ("use");
	}
	return ("?");
}

/* The YAML value of a drill rule ("default" when none is given). */
const char *
runbook_drill_name(enum rb_drill d)
{
	switch (d) {
	case RB_DRILL_DEFAULT:
		return ("default");
	case RB_DRILL_RUN:
		return ("run");
	case RB_DRILL_SIMULATE:
		return ("simulate");
	case RB_DRILL_SKIP:
		return ("skip");
	}
	return ("?");
}

/* t plus months calendar months in UTC; a day past the target month's end becomes its last day. */
static time_t
rb_add_months(time_t t, int months)
{
	struct tm	tm, last;
	time_t		end;

	gmtime_r(&t, &tm);
	last = tm;
	last.tm_mday = 1;
	last.tm_mon += months + 1;
	last.tm_isdst = 0;
	end = timegm(&last) - 86400;	/* the last day of the target month */
	gmtime_r(&end, &last);
	tm.tm_mon += months;
	if (tm.tm_mday > last.tm_mday)
		tm.tm_mday = last.tm_mday;
	tm.tm_isdst = 0;
	return (timegm(&tm));
}

/* When the runbook is next due to be drilled (runbook.h). */
int64_t
runbook_next_due_ms(const struct runbook *rb, int64_t last_ms)
{
	if (rb->schedule_months == 0 && rb->schedule_secs == 0)
		return (-1);
	if (last_ms <= 0)
		return (0);
	if (rb->schedule_secs != 0)
		return (last_ms + rb->schedule_secs * 1000);
	return ((int64_t)rb_add_months((time_t)(last_ms / 1000), rb->schedule_months) * 1000 +
	    last_ms % 1000);
}

/* The schedule as written, into buf (runbook.h). */
const char *
runbook_schedule_text(const struct runbook *rb, char *buf, size_t len)
{
	char	dbuf[TIMEUTIL_BUFSZ];

	switch (rb->schedule_months) {
	case 1:
		snprintf(buf, len, "monthly");
		return (buf);
	case 3:
		snprintf(buf, len, "quarterly");
		return (buf);
	case 12:
		snprintf(buf, len, "yearly");
		return (buf);
	}
	if (rb->schedule_secs == 86400)
		snprintf(buf, len, "daily");
	else if (rb->schedule_secs == 7 * 86400)
		snprintf(buf, len, "weekly");
	else if (rb->schedule_secs != 0)
		snprintf(buf, len, "%s", duration_format_spec(rb->schedule_secs, dbuf, sizeof dbuf));
	else if (len > 0)
		buf[0] = '\0';
	return (buf);
}
