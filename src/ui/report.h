/* report.h: post-incident and drill reports from the incident record: Markdown, HTML, status update. */
#ifndef PDR_REPORT_H
#define PDR_REPORT_H

#include "system.h"

#include "model/incident.h"
#include "model/runbook.h"
#include "model/walk.h"
#include "util/str.h"

/* What report_render writes. */
enum report_format {
	REPORT_MD,	/* plain Markdown */
	REPORT_HTML,	/* one self-contained HTML file with inline SVG */
	REPORT_STATUS,	/* the Communications Lead's update (plain text) */
	REPORT_BACKUP_TEST,	/* the plan's "Backup Test Report" of a monthly-backup-test */
	REPORT_NOTICE,	/* the plan's failover-test notice of a drill (report-people.c) */
};

/* One role of the runbook: who acted in its steps, how to reach its holders (report-people.c). */
struct report_role {
	char	*role;
	char	**acted;	/* operators recorded on its steps, in order */
	size_t	 nacted;
	char	*contact;	/* from dr.yaml's contacts:, NULL when none */
};

/* One success criterion of a drill. */
struct report_criterion {
	const char	*name;		/* translated, static */
	bool		 pass;
	char		*detail;	/* owned */
};

/*
 * A report: the record of one incident and what follows from it. Every
 * step's state comes from the walk (walk.c), the one replay of the record.
 */
struct report {
	struct incident		 inc;
	struct walk		 w;		/* the record replayed; w.evs is the timeline */
	const struct incident_event *evs;	/* w.evs */
	size_t			 nevs;
	const struct runbook	*rb;		/* as given to report_build (not owned), or NULL */
	char			*command;	/* how to run this program for the hints, e.g.
						   "patronus-dr --config '/x/dr.yaml'" (owned) */
	bool			 interim;	/* the incident is still open */
	bool			 abandoned;	/* closed by incidents close: neither pass nor fail */
	int64_t			 as_of_ms;	/* closed, else the last event */
	bool			 chain_ok;
	int64_t			 chain_bad_seq;
	char			 head[INCIDENT_HASH_HEX];

	int64_t			 rto_end_ms;	/* when service was restored (or the close / last event) */
	const char		*rto_end_what;	/* what that time is, translated */
	bool			 service_unconfirmed;	/* a restores_service step is not done */
	int64_t			 rto_achieved;	/* seconds */
	int64_t			 rpo_achieved;	/* seconds, -1 when no restore is recorded */
	const char		*restored_set;	/* w.restored_set, or NULL */
	int64_t			 backup_ms;	/* the restored point's time, 0 when none */
	bool			 restore_before;	/* the runbook's restore_before: detected */

	const struct walk_run	**runs;		/* every command run, in the record's order */
	size_t			*run_step;	/* the walk step of each */
	size_t			 nruns;
	struct report_criterion	*crit;		/* drills only */
	size_t			 ncrit;
	bool			 pass;		/* drill: every criterion passed and closed */
	char			**operators;
	size_t			 noperators;
	struct report_role	*roles;		/* report-people.c */
	size_t			 nroles;
	/* The runbook's drill calendar (report_set_calendar); next_due_ms -1: no schedule. */
	char			*schedule;
	int64_t			 last_drill_ms;	/* the last drill done, 0 when none */
	int64_t			 next_due_ms;
};

/* One drill in the history. */
struct report_history {
	char		*id;
	int64_t		 declared_ms;
	int64_t		 rto;
	int64_t		 rto_achieved;
	int64_t		 rpo;
	int64_t		 rpo_achieved;	/* -1 when unknown */
	bool		 closed;
	bool		 pass;
	bool		 abandoned;	/* neither pass nor fail */
};

/*
 * Build the report of incident id from the store; rb is its runbook with use:
 * steps expanded (NULL when it cannot be loaded: no expected durations, and
 * steps and checklists only as recorded); it must outlive the report.
 * command is how the hints name this program ("patronus-dr --config FILE";
 * NULL: "patronus-dr"). Returns 1 and fills *r (report_clear), 0 when there is
 * no such incident, -1 and *cause.
 */
int	report_build(struct incident_store *, const char *id, const struct runbook *rb,
	    const char *command, struct report *r, char **cause);
/* Free what a report owns. */
void	report_clear(struct report *);
struct conf;
/* Fill each role's contact from dr.yaml's contacts: (report-people.c). */
void	report_set_contacts(struct report *, const struct conf *);
/* The runbook's schedule, last drill done (0: never) and next due (0: now, -1: none). */
void	report_set_calendar(struct report *, const char *, int64_t, int64_t);
/* Append the report in the format; hist (n rows, oldest first) is the drill history for HTML. */
void	report_render(struct buf *, const struct report *, enum report_format,
	    const struct report_history *hist, size_t n);
/* The history row of a report (report_history_clear). */
void	report_history_of(const struct report *, struct report_history *);
/* Free what a history row owns. */
void	report_history_clear(struct report_history *);
/* Append the drill history as a text table and a bar chart (UTF-8 blocks, or ASCII). */
void	report_history_text(struct buf *, const struct report_history *, size_t, bool utf8, int);

#endif
