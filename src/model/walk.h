/* walk.h: the state of a runbook walk, rebuilt from the incident record's events (no curses). */
#ifndef PDR_WALK_H
#define PDR_WALK_H

#include "system.h"

#include <time.h>

#include "model/incident.h"
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

/* What the record says about one step. */
struct walk_step {
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
};

/* The remark of a step-done event that stands for a simulated command in a drill. */
#define WALK_SIMULATED "simulated (drill): "

/* Output kept per step for the screen; older bytes are dropped. */
#define WALK_OUTPUT_MAX (256 * 1024)

/* A whole walk. */
struct walk {
	const struct runbook	*rb;		/* expanded; not owned */
	struct walk_step	*steps;		/* rb->nsteps */
	int			 current;	/* index, -1 before the first step */
	int64_t			 last_seq;	/* highest seq applied */
	struct incident_event	*evs;		/* every event applied, for the timeline */
	size_t			 nevs;
	size_t			 nnotes;
	bool			 closed;
	int64_t			 closed_ms;
	bool			 clock_half;		/* "rto-50" (or higher) recorded */
	bool			 clock_attention;	/* "rto-80" (older: "rto-75") recorded */
	bool			 clock_alarm;		/* "rto-breached" recorded */
	bool			 rpo_alarm;		/* "rpo-breached" recorded */
	unsigned		 generation;	/* bumped by every applied event */
};

void		 walk_init(struct walk *, const struct runbook *);
void		 walk_free(struct walk *);
/* Apply one event (events must come in seq order; older seqs are ignored). */
void		 walk_apply(struct walk *, const struct incident_event *);
/* The step that follows index i when it is done: decision target or the next one, -1 at the end. */
int		 walk_next(const struct walk *, int);
/* The name of a state for the screen. */
const char	*walk_state_name(enum walk_state);
/* Number of ticked items of a step and whether every item is ticked. */
size_t		 walk_ticked(const struct walk *, int);

#endif
