/* incident.h: the incident record: incidents and their append-only, hash-chained events (sqlite3). */
#ifndef PDR_INCIDENT_H
#define PDR_INCIDENT_H

#include "system.h"

/*
 * The store is STATE_DIR/incidents.db (state_dir created 0700 when missing),
 * sqlite in WAL mode with synchronous=FULL: an append has reached the disk
 * when the function returns. Any number of processes may open the same store;
 * appends take the write lock (BEGIN IMMEDIATE) so the chain stays linear.
 *
 * Every event carries prev_hash (the hash of the event before it, 64 zeros
 * for the first) and hash = SHA-256 over the canonical encoding: the
 * concatenation of these fields, each as a netstring "LEN:BYTES," (LEN in
 * decimal, BYTES raw UTF-8):
 *   "pdr-event-1", prev_hash (64 lower-case hex), incident id, seq (decimal),
 *   time_ms (decimal), operator, client ("" when none), step ("" when none),
 *   kind name, payload
 * An event that names a run (the run column, run.h) begins with "pdr-event-2"
 * instead and has the run id as one more field at the end.
 * The incident row also keeps the last seq and hash, so removing the last
 * events is found too. Hex is lower-case.
 */
struct incident_store;
struct buf;

/* Incident or drill. */
enum incident_mode {
	INCIDENT_MODE_INCIDENT,
	INCIDENT_MODE_DRILL,
};

/*
 * Event kinds. incident_ev_table (incident.c) describes each once: its name,
 * its payload (text, or a flat JSON object read with incident_event_get /
 * incident_event_get_int) and what the walk does with it.
 */
enum incident_ev {
	INCIDENT_EV_UNKNOWN,		/* a kind this version does not know (kind_name holds it) */
	INCIDENT_EV_DECLARED,		/* JSON {runbook, title, mode, detected_ms, rto, rpo, host} */
	INCIDENT_EV_STEP_STARTED,	/* the step's title */
	INCIDENT_EV_STEP_DONE,		/* "" or a remark */
	INCIDENT_EV_STEP_SKIPPED,	/* the reason */
	INCIDENT_EV_STEP_FAILED,	/* the reason, e.g. "exit 3" */
	INCIDENT_EV_COMMAND_STARTED,	/* the command text exactly as shown and run */
	INCIDENT_EV_OUTPUT,		/* a chunk of the child's output (bounded per run) */
	INCIDENT_EV_EXIT,		/* JSON {status: "exit 0"|"signal 15 (..)", code, signal, cancelled, output_bytes, output_dropped} */
	INCIDENT_EV_CHECK_TICKED,	/* JSON {index, item} (index 0-based) */
	INCIDENT_EV_CHECK_UNTICKED,	/* JSON {index, item} */
	INCIDENT_EV_DECISION,		/* JSON {question, answer, next} (next "" for the following step) */
	INCIDENT_EV_PROMPT_ANSWER,	/* JSON {question_id, question, answer} */
	INCIDENT_EV_NOTE,		/* the note text */
	INCIDENT_EV_CLOCK,		/* threshold crossed: "rto-75", "rto-breached" or "rpo-breached" */
	INCIDENT_EV_CURSOR,		/* the current step (its id is in step); payload "" */
	INCIDENT_EV_RESUMED,		/* "" (a TUI reopened the incident) */
	INCIDENT_EV_CLOSED,		/* the outcome, e.g. "resolved", "drill complete" */
	INCIDENT_EV_RESTORED,		/* JSON {set, backup_ms}: the backup set restored and when it was taken (the RPO's end) */
	INCIDENT_EV_ABANDONED,		/* the reason: closed by `incidents close` (opened by mistake) */
	INCIDENT_EV_RUN_CLAIMED,	/* JSON {run, command, client, host, boot, pid, start}: a run of the step's command is claimed (run.h) */
	INCIDENT_EV__COUNT
};

/* One row of incident_ev_table. */
struct incident_ev_info {
	const char	*name;		/* as stored, e.g. "step-started"; NULL for UNKNOWN */
	const char	*payload;	/* "text: ..." or "JSON {keys}" */
	const char	*reads;		/* what the walk does with it */
};
extern const struct incident_ev_info incident_ev_table[INCIDENT_EV__COUNT];

/* Output kept per command run (per step, since its last command-started event). */
#define INCIDENT_OUTPUT_MAX (64 * 1024)

/* Room for a hash in hex with its NUL. */
#define INCIDENT_HASH_HEX 65

/* One incident. Strings owned by the struct (incident_clear). Times in ms since the epoch. */
struct incident {
	char			*id;		/* "INC-20261127-1530-database-corruption", "DRILL-..." */
	char			*runbook_id;
	char			*runbook_title;
	enum incident_mode	 mode;
	int64_t			 declared_ms;
	int64_t			 detected_ms;	/* when the problem began (RTO/RPO clocks) */
	int64_t			 closed_ms;	/* 0 while open */
	int64_t			 rto;		/* target, seconds */
	int64_t			 rpo;		/* target, seconds; 0 when none */
	char			*host;
	int64_t			 last_seq;	/* events so far */
};

/* What incident_declare needs. */
struct incident_decl {
	const char		*runbook_id;
	const char		*runbook_title;
	enum incident_mode	 mode;
	int64_t			 detected_ms;	/* 0: now */
	int64_t			 rto;		/* seconds */
	int64_t			 rpo;		/* seconds, 0 when none */
};

/* One event. Strings owned by the struct (incident_event_clear / incident_events_free). */
struct incident_event {
	int64_t			 seq;		/* 1, 2, ... within the incident */
	char			*incident_id;
	int64_t			 time_ms;
	char			*operator;	/* $SUDO_USER, else $USER (else the uid) */
	char			*client;	/* SSH client address (incident_client), or NULL */
	char			*step;		/* step id, or NULL */
	enum incident_ev	 kind;
	char			*kind_name;	/* as stored, e.g. "step-started" */
	char			*payload;	/* never NULL ("" when empty) */
	char			 prev_hash[INCIDENT_HASH_HEX];
	char			 hash[INCIDENT_HASH_HEX];
	char			*run;		/* the run of a step's command it belongs to, or NULL */
};

/* The result of incident_verify when the chain is broken. */
struct incident_verify_result {
	int64_t			 events;	/* events checked */
	int64_t			 bad_seq;	/* the first bad event, 0 when all hold */
	char			*why;		/* what is wrong with it (caller frees), or NULL */
};

/* Open (creating when missing) STATE_DIR/incidents.db. Returns 0 and *stp, or -1 and *cause. */
int		 incident_store_open(const char *state_dir, struct incident_store **stp,
		    char **cause);
/* Close the store. NULL is fine. */
void		 incident_store_close(struct incident_store *);
/* The path of the store's database file (owned by the store). */
const char	*incident_store_path(const struct incident_store *);
/*
 * How long an append through this store waits for another writer of the
 * record, in ms (negative: the default, 15 s). The TUI waits less, so that
 * its clocks never stop for long: what is not written is said, and retried.
 */
void		 incident_store_set_busy(struct incident_store *, int ms);
/* Name the run (NULL: none) that every later append through this store carries. */
void		 incident_store_set_run(struct incident_store *, const char *run);
/*
 * Begin a write transaction (BEGIN IMMEDIATE: one writer at a time) in which
 * reads and appends are one atomic step; the appends inside it do not commit.
 */
int		 incident_tx_begin(struct incident_store *, char **cause);
/* Commit the transaction (ok) or roll it back. Returns 0, or -1 and *cause. */
int		 incident_tx_end(struct incident_store *, bool ok, char **cause);

/*
 * Declare an incident (or drill) and append its "declared" event, in one
 * transaction. Returns 0 and *idp (a new unique id, caller frees), or -1 and *cause.
 */
int		 incident_declare(struct incident_store *, const struct incident_decl *,
		    char **idp, char **cause);

/*
 * Append an event (step may be NULL, payload NULL means ""). Operator and
 * client come from the environment, the time from the clock. Durable when it
 * returns 0; fills *ev when ev is not NULL (clear it with incident_event_clear).
 * Refused (-1 and *cause) when the incident does not exist or is closed.
 */
int		 incident_append(struct incident_store *, const char *id, const char *step,
		    enum incident_ev kind, const char *payload, struct incident_event *ev,
		    char **cause);

/*
 * Append a chunk of a child's output for step, unless INCIDENT_OUTPUT_MAX
 * bytes were already kept since the step's last command-started event (the
 * chunk is cut to fit). Returns 1 when (some of it was) stored, 0 when
 * dropped, -1 and *cause on error. Invalid UTF-8 is kept as it is.
 */
int		 incident_append_output(struct incident_store *, const char *id,
		    const char *step, const char *data, size_t len, char **cause);

/* Append an exit event: status text ("exit 0", "signal 9 (Killed)"), code (-1 when signalled), signal (0 when exited), cancelled, output bytes seen and dropped. */
int		 incident_append_exit(struct incident_store *, const char *id, const char *step,
		    const char *status, int code, int sig, bool cancelled, uint64_t output_bytes,
		    uint64_t output_dropped, struct incident_event *ev, char **cause);
/* Append check-ticked (ticked true) or check-unticked for checklist item index (0-based) with its text. */
int		 incident_append_check(struct incident_store *, const char *id, const char *step,
		    bool ticked, int index, const char *item, struct incident_event *ev,
		    char **cause);
/* Append a decision: the question, the answer label chosen and the next step id (NULL: the following step). */
int		 incident_append_decision(struct incident_store *, const char *id,
		    const char *step, const char *question, const char *answer,
		    const char *next, struct incident_event *ev, char **cause);
/* Append the answer to a prompt question (question_id from the runbook). */
int		 incident_append_answer(struct incident_store *, const char *id, const char *step,
		    const char *question_id, const char *question, const char *answer,
		    struct incident_event *ev, char **cause);

/*
 * Close an incident: append the "closed" event with outcome (NULL: "closed")
 * and set its closed time. Returns 0, or -1 and *cause (also when already closed).
 */
int		 incident_close(struct incident_store *, const char *id, const char *outcome,
		    struct incident_event *ev, char **cause);

/*
 * Close an incident (or drill) opened by mistake: append an "abandoned" event
 * with the reason and set its closed time; reports show it as abandoned,
 * neither passed nor failed. Returns 0, or -1 and *cause (also when closed).
 */
int		 incident_abandon(struct incident_store *, const char *id, const char *reason,
		    struct incident_event *ev, char **cause);

/* Look an incident up by id. Returns 1 and fills *inc (incident_clear), 0 when there is none, -1 and *cause. */
int		 incident_get(struct incident_store *, const char *id, struct incident *inc,
		    char **cause);
/* The most recently declared open incident (or drill). Returns 1 and *inc, 0 when none is open, -1 and *cause. */
int		 incident_find_open(struct incident_store *, struct incident *inc, char **cause);
/* Every incident, newest first. Returns 0 and *list / *n (incident_list_free), or -1 and *cause. */
int		 incident_list(struct incident_store *, struct incident **list, size_t *n,
		    char **cause);
/* Free what an incident struct owns (not the struct). */
void		 incident_clear(struct incident *);
/* Free a list from incident_list. */
void		 incident_list_free(struct incident *, size_t);

/*
 * The events of an incident with seq > after (0: all), in order. Returns 0
 * and *evs / *n (incident_events_free; *evs NULL when n is 0), or -1 and
 * *cause. A TUI polls this with the last seq it has seen.
 */
int		 incident_events(struct incident_store *, const char *id, int64_t after,
		    struct incident_event **evs, size_t *n, char **cause);
/* Free what one event owns (not the struct). */
void		 incident_event_clear(struct incident_event *);
/* Free an array from incident_events. */
void		 incident_events_free(struct incident_event *, size_t);

/*
 * Check the chain of an incident: seq 1..last without gaps, each prev_hash
 * equal to the hash before it, each hash equal to its content's, the last one
 * equal to the incident's recorded head. Returns 0 when it holds, 1 with
 * r->bad_seq and r->why (caller frees) naming the first bad event, -1 and
 * *cause when it cannot be read (or the incident does not exist).
 */
int		 incident_verify(struct incident_store *, const char *id,
		    struct incident_verify_result *r, char **cause);

/* The name of a kind ("step-started"), or NULL for INCIDENT_EV_UNKNOWN. */
const char	*incident_ev_name(enum incident_ev);
/* The kind for a name, INCIDENT_EV_UNKNOWN when it is none. */
enum incident_ev incident_ev_from_name(const char *);
/* "incident" or "drill". */
const char	*incident_mode_name(enum incident_mode);

/* A string member of a JSON payload (caller frees), or NULL when absent or not a string. */
char		*incident_event_get(const struct incident_event *, const char *key);
/* An integer (or boolean, as 0/1) member of a JSON payload into *v. Returns 0, or -1 when absent. */
int		 incident_event_get_int(const struct incident_event *, const char *key,
		    int64_t *v);

/*
 * Append what an event says to b (raw: the caller escapes it for its output).
 * verbose (incidents show): every field and the output's text; else (reports)
 * one short line.
 */
void		 incident_event_describe(const struct incident_event *, bool verbose,
		    struct buf *b);
/* Local time with milliseconds into buf: "2026-11-27 15:30:02.120". Returns buf. */

/* Who acts: $SUDO_USER, else $USER, else the uid as text (caller frees). */
char		*incident_operator(void);
/* The SSH client address (first field of $SSH_CONNECTION, else utmp's host for our tty), or NULL (caller frees). */
char		*incident_client(void);

/* Milliseconds since the epoch, now. */
int64_t		 incident_now_ms(void);

/*
 * Called after each event the store committed (declare, append, output),
 * with the incident's id: the command line ships the record off-site from
 * there. NULL: nothing is called.
 */
extern void	 (*incident_appended_hook)(const char *);

/*
 * Import the events evs (n, in seq order, each with its hashes) of incident
 * id kept elsewhere (an off-site journal): events the store has already must
 * be the very same (same hash); new ones must continue the chain (prev_hash)
 * and match their own hash; the first event of an incident the store does
 * not know must be "declared", whose payload makes the incident row; a
 * "closed" or "abandoned" event closes it. All or nothing. Returns 0 and
 * *added (events new to the store), 1 and *cause when the copy disagrees
 * with itself or with the store (nothing changed), -1 and *cause on an error
 * of the store.
 */
int		 incident_import(struct incident_store *, const char *, const struct incident_event *,
		    size_t, int64_t *, char **);
/* Whether an event's hash is the hash of its own fields and its incident id. */
bool		 incident_event_hash_ok(const char *, const struct incident_event *);

#endif
