/* report.h: post-incident and drill reports from the incident record: Markdown, HTML, status update. */
#ifndef PDR_REPORT_H
#define PDR_REPORT_H

#include "system.h"

#include "model/incident.h"
#include "model/runbook.h"
#include "util/str.h"

/* What report_render writes. */
enum report_format {
	REPORT_MD,	/* plain Markdown */
	REPORT_HTML,	/* one self-contained HTML file with inline SVG */
	REPORT_STATUS,	/* the Communications Lead's update (plain text) */
	REPORT_BACKUP_TEST,	/* the plan's "Backup Test Report" of a monthly-backup-test */
};

/* Where a step got to. */
enum report_state {
	REPORT_STEP_PENDING,	/* no event yet */
	REPORT_STEP_STARTED,
	REPORT_STEP_DONE,
	REPORT_STEP_SKIPPED,
	REPORT_STEP_FAILED,
};

/* One step, from the runbook (when known) and the record. Strings owned. */
struct report_step {
	char			*id;
	char			*title;
	int64_t			 expect;	/* seconds, 0 when unknown */
	bool			 restores;	/* restores_service: in the runbook */
	int64_t			 start_ms;	/* first event of the step, 0 when none */
	int64_t			 end_ms;	/* last done/skipped/failed, 0 when none */
	enum report_state	 state;
	char			*reason;	/* the skip or fail reason, the done remark; or NULL */
	char			**items;	/* checklist items (runbook, else as recorded) */
	bool			*ticked;	/* as ticked at the end */
	size_t			 nitems;
};

/* One command or action run. Strings owned. */
struct report_command {
	char		*step;
	char		*command;
	int64_t		 start_ms;
	int64_t		 end_ms;	/* 0 when it has not ended */
	char		*status;	/* "exit 0", or NULL when it has not ended */
	int64_t		 code;
	struct buf	 output;	/* as recorded */
	char		*run;		/* its run id (run.h), NULL in older records */
};

/* One success criterion of a drill. */
struct report_criterion {
	const char	*name;		/* translated, static */
	bool		 pass;
	char		*detail;	/* owned */
};

/* A report: the record of one incident and what follows from it. */
struct report {
	struct incident		 inc;
	struct incident_event	*evs;
	size_t			 nevs;
	bool			 interim;	/* the incident is still open */
	int64_t			 as_of_ms;	/* closed, else the last event */
	bool			 chain_ok;
	int64_t			 chain_bad_seq;
	char			 head[INCIDENT_HASH_HEX];

	int64_t			 rto_end_ms;	/* when service was restored (or the close / last event) */
	const char		*rto_end_what;	/* what that time is, translated */
	int64_t			 rto_achieved;	/* seconds */
	int64_t			 rpo_achieved;	/* seconds, -1 when no restore is recorded */
	char			*restored_set;	/* or NULL */
	int64_t			 backup_ms;

	struct report_step	*steps;
	size_t			 nsteps;
	struct report_command	*cmds;
	size_t			 ncmds;
	struct report_criterion	*crit;		/* drills only */
	size_t			 ncrit;
	bool			 pass;		/* drill: every criterion passed and closed */
	char			**operators;
	size_t			 noperators;
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
};

/*
 * Build the report of incident id from the store; rb is its runbook with use:
 * steps expanded (NULL when it cannot be loaded: no expected durations, and
 * checklists only as recorded). Returns 1 and fills *r (report_free), 0 when
 * there is no such incident, -1 and *cause.
 */
int	report_build(struct incident_store *, const char *id, const struct runbook *rb,
	    struct report *r, char **cause);
/* Free what a report owns. */
void	report_free(struct report *);
/* Append the report in the format; hist (n rows, oldest first) is the drill history for HTML. */
void	report_render(struct buf *, const struct report *, enum report_format,
	    const struct report_history *hist, size_t n);
/* The history row of a report (report_history_free). */
void	report_history_of(const struct report *, struct report_history *);
/* Free what a history row owns. */
void	report_history_free(struct report_history *);
/* Append the drill history as a text table and a bar chart (UTF-8 blocks, or ASCII). */
void	report_history_text(struct buf *, const struct report_history *, size_t, bool utf8);

#endif
