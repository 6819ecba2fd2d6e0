/* runbook.h: runbooks in YAML (man/patronus-dr-runbook.5): loading, checking, variables. */
#ifndef PDR_RUNBOOK_H
#define PDR_RUNBOOK_H

#include "system.h"

/* The one kind of work a step does. */
enum rb_kind {
	RB_RUN,		/* a shell command (run:) */
	RB_ACTION,	/* an engine action (action: with with:) */
	RB_CHECKLIST,	/* items to tick (checklist:) */
	RB_DECIDE,	/* a question whose answers lead to steps (decide:) */
	RB_PROMPT,	/* questions whose answers go into the record (prompt:) */
	RB_USE,		/* another runbook, inline (use:) */
};

/* How a step behaves in a drill (drill:). */
enum rb_drill {
	RB_DRILL_DEFAULT,	/* run for checklists/decide/prompt/read-only; simulate else */
	RB_DRILL_RUN,
	RB_DRILL_SIMULATE,
	RB_DRILL_SKIP,
};

/* A place in a runbook file, 1-based, for messages. */
struct rb_mark {
	int	line;
	int	column;
};

/* One with: parameter of an action. Values may hold ${variables}. */
struct rb_param {
	char		*name;
	char		*value;
	struct rb_mark	 mark;
};

/* One answer of a decide step; next is a step id, or NULL for the following step. */
struct rb_answer {
	char		*label;
	char		*next;
	struct rb_mark	 mark;
	struct rb_mark	 next_mark;	/* of the next: value; = mark when there is none */
};

/* One question of a prompt step; id names the answer in the record. */
struct rb_question {
	char		*id;
	char		*text;
	struct rb_mark	 mark;
};

/* One step. Only the members of its kind are set. */
struct rb_step {
	char			*id;
	char			*title;
	char			*role;		/* may be NULL */
	char			*description;	/* may be NULL */
	int64_t			 expect;	/* expected duration in seconds, 0 if not given */
	enum rb_kind		 kind;
	enum rb_drill		 drill;
	bool			 confirm;	/* ask before running (run/action) */
	bool			 restores_service; /* the RTO ends when this step is done (reports) */
	struct rb_mark		 mark;		/* of the step's mapping */
	struct rb_mark		 work_mark;	/* of the value of run:, action:, ... use: */

	char			*run;		/* RB_RUN: the command, ${vars} unexpanded */
	char			*action;	/* RB_ACTION: registry name */
	struct rb_param		*params;
	size_t			 nparams;
	char			**items;	/* RB_CHECKLIST */
	size_t			 nitems;
	char			*question;	/* RB_DECIDE */
	struct rb_answer	*answers;
	size_t			 nanswers;
	bool			 has_default;	/* RB_DECIDE: default: names an answer */
	size_t			 default_answer; /* its index, taken by run --unattended */
	struct rb_question	*questions;	/* RB_PROMPT */
	size_t			 nquestions;
	char			*use;		/* RB_USE: runbook id */
};

/* One runbook. */
struct runbook {
	char		*id;
	struct rb_mark	 id_mark;	/* of the id's value */
	char		*title;
	char		*file;		/* path it was loaded from */
	char		*description;	/* may be NULL */
	int64_t		 rto;		/* seconds */
	int64_t		 rpo;		/* seconds; 0 when the runbook has no RPO */
	struct rb_mark	 rpo_mark;	/* of the rpo's value; line 0 when none */
	/* restore_before: detected: the damage may sit in backups taken after the
	 * detection, so restores and the RPO count only points before it */
	bool		 restore_before_detected;
	char		**roles;
	size_t		 nroles;
	char		**detection;
	size_t		 ndetection;
	char		**prerequisites;
	size_t		 nprerequisites;
	struct rb_step	*steps;
	size_t		 nsteps;
	bool		 unattended;	/* unattended: true: meant for run --drill --unattended */
	int		 schedule_months; /* schedule: in calendar months, 0 if none */
	int64_t		 schedule_secs;	/* schedule: as a duration, 0 if none */
	struct rb_mark	 schedule_mark;	/* of the schedule's value; line 0 when none */
};

/* All runbooks found in the runbook folders. */
struct runbook_set {
	struct runbook	**books;
	size_t		  n;
};

/*
 * Variables for ${name} substitution: dr.yaml keys by their dotted names
 * (conf_key_name: "database", "retention.hourly", "remote.sftp.url"...) and
 * the incident's values, RB_INCIDENT_VARS. A NULL value is "not set".
 */
struct rb_var {
	const char	*name;
	const char	*value;
};

/*
 * The incident variables the engine provides besides dr.yaml's keys:
 *   incident.id        the incident's id
 *   incident.start     when it was declared (ISO 8601)
 *   incident.detected  when it was detected (run --detected, else start)
 *   incident.mode      "incident" or "drill"
 *   incident.runbook   the id of the runbook being run
 *   incident.dir       a folder of this incident's own for copies, dumps,
 *                      evidence (STATE_DIR/incidents/ID), created on declare
 */
#define RB_INCIDENT_VARS { "incident.id", "incident.start", "incident.detected", \
	"incident.mode", "incident.runbook", "incident.dir" }

/* The most a runbook file may hold. */
#define RUNBOOK_MAX_SIZE (1024 * 1024)

/*
 * Load and check one file. On success returns the runbook (free with
 * runbook_free). On failure returns NULL and *errors holds every problem, one
 * "FILE:LINE:COLUMN: what is wrong" per line (the caller frees).
 */
struct runbook	*runbook_load(const char *, char **);
void		 runbook_free(struct runbook *);

/* Like runbook_load, from len bytes of memory; name is used in messages. */
struct runbook	*runbook_load_buffer(const char *, const char *, size_t, char **);

/*
 * Load every *.yaml and *.yml in the folders into set (which is overwritten:
 * free a used one first), sorted by id; later folders override earlier ones
 * by id. Files that fail to load are reported in *errors (NULL when there is
 * no problem; the caller frees), the others are kept. Returns -1 only when no
 * folder can be read. Folders that do not exist are skipped.
 */
int		 runbook_set_load(struct runbook_set *, char *const *, size_t, char **);
void		 runbook_set_clear(struct runbook_set *);
struct runbook	*runbook_set_find(const struct runbook_set *, const char *);

/*
 * Checks that need the other runbooks: use: targets exist, no use: cycles.
 * Appends problems to *errors like runbook_load. Returns the number found.
 */
int		 runbook_check_refs(const struct runbook_set *, const struct runbook *,
		    char **);

/*
 * A copy of rb with every use: step replaced by the steps of the used runbook,
 * their ids prefixed "USESTEP." (nested: "USESTEP.INNER.ID"), decide targets
 * adjusted, and role and drill rule taken from the use: step where a step
 * has none. NULL with *cause when a used runbook is missing or uses form a
 * cycle. Free with runbook_free.
 */
struct runbook	*runbook_expand(const struct runbook_set *, const struct runbook *, char **);

/* The index of a step by id, or -1. */
int		 runbook_step_index(const struct runbook *, const char *);

/*
 * The index of the step that follows step i: for a decide step, the one its
 * answer (an index into answers) leads to; -1 after the last step or for a
 * bad answer or a target that does not exist.
 */
int		 runbook_next_step(const struct runbook *, size_t, size_t);

/*
 * Whether rb (not expanded) can be walked without a person (run
 * --unattended): every decide has a default:, its own and those its use:
 * steps bring in from set (which may be NULL). Appends each problem to
 * *errors as FILE:LINE:COLUMN lines; returns their number.
 */
int		 runbook_unattended_check(const struct runbook_set *, const struct runbook *,
		    char **);

/*
 * When a runbook with a schedule: is next due to be drilled, in ms since the
 * epoch: last_ms (the last drill done, 0 when never) plus the schedule, whole
 * calendar months counted in UTC. 0 when it was never drilled (due now), -1
 * when the runbook has no schedule.
 */
int64_t		 runbook_next_due_ms(const struct runbook *, int64_t);
/* The schedule as written ("monthly", "90d"), into buf; "" when none. */
const char	*runbook_schedule_text(const struct runbook *, char *, size_t);

/* Whether a step is effectively run, simulated or skipped in a drill. */
enum rb_drill	 runbook_drill_rule(const struct rb_step *);

/*
 * Replace ${name} in text with variable values; when quote is true each value
 * is shell-quoted (for run:). $${ gives a literal ${; other $ are left alone.
 * An unknown name, or one whose value is NULL, fails with *cause. The caller
 * frees the result (and *cause).
 */
char		*runbook_subst(const char *, const struct rb_var *, size_t, bool, char **);

/* The names of the kinds and drill rules, as written in YAML. */
const char	*runbook_kind_name(enum rb_kind);
const char	*runbook_drill_name(enum rb_drill);

/* Whether ${name} is a variable runbooks may use (a dr.yaml key or incident.*). */
bool		 runbook_var_known(const char *);

struct conf;
/*
 * The variables of dr.yaml (every key, unset ones with a NULL value) followed
 * by the n extra ones given (e.g. the incident's); *nvars is set. Free with
 * runbook_vars_free: it owns copies of every name and value.
 */
struct rb_var	*runbook_vars_conf(const struct conf *, const struct rb_var *, size_t,
		    size_t *);
void		 runbook_vars_free(struct rb_var *, size_t);

struct incident;
/*
 * The variables of a step of an incident: dr.yaml's keys from the settings
 * given (a drill's sandbox's) and RB_INCIDENT_VARS, incident.dir under the
 * state_dir given (the record's). Free with runbook_vars_free.
 */
struct rb_var	*runbook_vars_incident(const struct conf *, const struct incident *,
		    const char *, size_t *);

/*
 * The command of a run or action step, variables substituted, as shown and
 * recorded; an action that takes "before" and is not given one gets the
 * instant given in ms (restore_before: detected; -1: none); for an action *argv (when the pointer is not NULL) gets the
 * child's argv: self, --config FILE (left out when NULL), words and options
 * (caller frees the array and its strings). NULL and *cause on an unknown
 * variable or action. The caller frees the result.
 */
char		**runbook_step_env(const struct incident *, const char *, const char *,
		    const char *, const char *);
void		 runbook_step_env_free(char **);
char		*runbook_step_command(const struct rb_step *, const struct rb_var *, size_t,
		    const char *, const char *, int64_t, char ***, char **);

#endif
