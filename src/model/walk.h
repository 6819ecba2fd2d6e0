/* walk.h: the state of a runbook walk, rebuilt from the incident record's events (no curses). */
#ifndef PDR_WALK_H
#define PDR_WALK_H

#include "system.h"

#include <time.h>

#include "model/incident.h"
#include "model/run.h"
#include "model/runbook.h"
#include "util/str.h"

/* The state of one step as the step list shows it. */
enum walk_state {
	WALK_PENDING,
	WALK_RUNNING,
	WALK_DONE,
	WALK_SKIPPED,
	WALK_FAILED,
};

/* One command or action run of a step, kept when walk.keep_runs is set (reports). */
struct walk_run {
	char		*command;
	int64_t		 start_ms;
	int64_t		 end_ms;	/* 0 while it has not ended */
	char		*status;	/* "exit 0", "signal 15 (...)"; NULL while running */
	int64_t		 code;		/* exit code, -1 when signalled or unknown */
	struct buf	 output;	/* as recorded */
};

/* The last answer to one prompt question of a step; earlier ones stay in the timeline. */
struct walk_answer {
	char		*question_id;
	char		*question;
	char		*answer;
	int64_t		 time_ms;
	size_t		 revisions;	/* answers given before this one */
};

/* What the record says about one step. */
struct walk_step {
	char		*id;		/* the runbook's, or as recorded */
	char		*title;		/* the runbook's, else the step-started payload; may be NULL */
	bool		 extra;		/* recorded but not in the runbook */
	int64_t		 first_ms;	/* its first event of any kind, 0 if none */
	enum walk_state	 state;
	bool		 visited;	/* has been the current step */
	int64_t		 started_ms;	/* when it first became current, 0 if never */
	int64_t		 ended_ms;	/* when it was done/skipped/failed last */
	bool		*ticks;		/* nitems of the checklist */
	char		**answers;	/* nquestions of the prompt, NULL unanswered */
	int		 decision;	/* answer index, -1 none */
	char		*command;	/* last command run or simulated, NULL none */
	bool		 ran;		/* a run was started */
	bool		 simulated;
	bool		 running;	/* a command started without an exit yet */
	char		*status;	/* "exit 0", "cancelled: ..." ... NULL none */
	bool		 exit_ok;
	char		*skip_reason;
	struct buf	 output;	/* newest output, at most WALK_OUTPUT_MAX */
	bool		 output_cut;	/* older output was dropped */

	/*
	 * failed: a run failed (or step-failed was recorded) and no later run
	 * succeeded; skipping the step or marking it done does not clear it. The
	 * report counts such a step as failed: "failed (exit 66), then skipped".
	 */
	bool		 failed;
	char		*fail_status;	/* the failure: "exit 66", the step-failed reason */
	char		*remark;	/* the last done remark, skip or fail reason; NULL none */
	size_t		 nticks;	/* ticks has room for the runbook's items, or as recorded */
	char		**tick_items;	/* nticks: item text as recorded, NULL when none */
	struct walk_answer *ans;	/* the last answer per question id, in first-answer order */
	size_t		 nans;
	char		*decision_question;	/* as recorded, NULL before a decision */
	char		*decision_answer;
	struct walk_run	*runs;		/* keep_runs only */
	size_t		 nruns;
	struct run_claim claim;		/* the last run's claim (run NULL: unclaimed, step NULL: none) */
};

/* The remark of a step-done event that stands for a simulated command in a drill. */
#define WALK_SIMULATED "simulated (drill): "

/* Output kept per step for the screen; older bytes are dropped. */
#define WALK_OUTPUT_MAX (256 * 1024)

/* A whole walk. */
struct walk {
	const struct runbook	*rb;		/* expanded; not owned */
	struct walk_step	*steps;		/* rb->nsteps, then the extra ones */
	size_t			 nsteps;	/* rb->nsteps + steps recorded the runbook lacks */
	bool			 keep_runs;	/* keep every run and its output (set before applying) */
	int			 current;	/* index, -1 before the first step */
	int64_t			 last_seq;	/* highest seq applied */
	struct incident_event	*evs;		/* every event applied, for the timeline */
	size_t			 nevs;
	size_t			 nnotes;
	bool			 closed;
	int64_t			 closed_ms;
	char			*outcome;	/* the closed payload, or the abandon reason */
	bool			 abandoned;	/* closed by `incidents close`: neither pass nor fail */
	char			*restored_set;	/* the last restored event's set, NULL none */
	int64_t			 restored_ms;	/* the time of the point it restored */
	bool			 clock_half;		/* "rto-50" (or higher) recorded */
	bool			 clock_attention;	/* "rto-80" (older: "rto-75") recorded */
	bool			 clock_alarm;		/* "rto-breached" recorded */
	bool			 rpo_alarm;		/* "rpo-breached" recorded */
	unsigned		 generation;	/* bumped by every applied event */
};

/* Set up an empty walk over an (expanded) runbook, or none (NULL: the steps as recorded). */
void		 walk_init(struct walk *, const struct runbook *);
void		 walk_clear(struct walk *);
/* Apply one event (events must come in seq order; older seqs are ignored). */
void		 walk_apply(struct walk *, const struct incident_event *);
/* The step that follows index i when it is done: decision target or the next one, -1 at the end. */
int		 walk_next(const struct walk *, int);
/* The name of a state for the screen. */
const char	*walk_state_name(enum walk_state);
/* Number of ticked items of a step and whether every item is ticked. */
size_t		 walk_ticked(const struct walk *, int);
/* The text of item j of step i: the runbook's, else as recorded, else "". */
const char	*walk_item(const struct walk *, int, size_t);
/* Step i's state in words, as every report and incidents show say it (raw text, appended to b). */
void		 walk_step_describe(const struct walk *, int, struct buf *);
/* Replay the events of an incident (in seq order) into a walk set up with walk_init. */
void		 walk_replay(struct walk *, const struct incident_event *, size_t);

#endif
