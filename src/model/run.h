/* run.h: the runs of a step's command: claimed in the record before they start, settled by what happened. */
#ifndef PDR_RUN_H
#define PDR_RUN_H

#include "system.h"

#include "model/incident.h"

/*
 * A run is one execution of a step's command under its supervisor
 * (`patronus-dr supervise`, cmd-supervise.c). Its first event is run-claimed,
 * appended in the same write transaction that found no other live run of the
 * step, so two TUIs cannot start a step twice. The claim names the run, the
 * operator, the client (SSH connection or terminal), the host, the boot and
 * the supervisor's pid with its start time; every later event of the run
 * (command-started, output, exit, step-failed, restored) carries the run id
 * in its run column. The supervisor records the output and the exit itself,
 * whether or not a TUI watches. A run whose claim has no exit is open; an
 * open run whose supervisor is gone from this host and boot is settled as
 * "ended while nobody watched: outcome unknown", never left running.
 */

/* An open run, as its claim says. Strings owned (run_claim_clear). */
struct run_claim {
	char		*run;		/* NULL for a command-started without a claim (older records) */
	char		*step;
	char		*operator;
	char		*client;
	char		*host;
	char		*boot;
	char		*command;
	int64_t		 pid;
	uint64_t	 start;		/* the pid's start time (clock ticks since boot) */
	int64_t		 time_ms;	/* when it was claimed */
	uint64_t	 output_bytes;	/* output recorded for it so far */
};

/* Whether the supervisor of an open run lives. */
enum run_life {
	RUN_ALIVE,		/* same host and boot, the pid runs and started when claimed */
	RUN_GONE,		/* same host: the pid is gone, or the machine rebooted */
	RUN_ELSEWHERE,		/* claimed on another host: cannot be checked from here */
	RUN_UNCLAIMED,		/* a command-started of an older version, without a claim */
};

/* The status an exit event gives a run settled after its supervisor vanished. */
#define RUN_UNKNOWN_STATUS "ended while nobody watched: outcome unknown"

/* A new run id: 16 random hex digits (caller frees). */
char		*run_new_id(void);
/* The client of this process: SSH connection and terminal, or "" (caller frees). */
char		*run_client(void);
/* Fill a claim from a run-claimed event, or from a command-started without a run (run NULL). */
void		 run_claim_from_event(const struct incident_event *, struct run_claim *);
/* Whether event ev belongs to the run c (the same run id, or both without one). */
bool		 run_event_of(const struct run_claim *, const struct incident_event *);
/* Free what a claim owns. */
void		 run_claim_clear(struct run_claim *);
/* Free an array of claims. */
void		 run_claims_free(struct run_claim *, size_t);
/* Whether the supervisor of an open run lives, checked on this host. */
enum run_life	 run_life(const struct run_claim *);
/* Who holds a run, as a sentence for the screen (caller frees). */
char		*run_holder_text(const struct run_claim *, int64_t now_ms);

/*
 * The open runs of incident id (of step only, when not NULL). Returns 0 and
 * *claims / *n (run_claims_free), or -1 and *cause.
 */
int		 run_open(struct incident_store *, const char *id, const char *step,
		    struct run_claim **claims, size_t *n, char **cause);

/*
 * Claim step for run, the command shown, the client and this process's pid,
 * in one write transaction: an open run of the step whose supervisor is gone
 * is settled first; a live one (or one that cannot be checked) refuses the
 * claim. Appends run-claimed and command-started. Returns 0 when claimed, 1
 * when refused (*holder filled, run_claim_clear), -1 and *cause.
 */
int		 run_claim(struct incident_store *, const char *id, const char *step,
		    const char *run, const char *command, const char *client,
		    struct run_claim *holder, char **cause);

/*
 * Close incident id with kind (INCIDENT_EV_CLOSED and the outcome, or
 * INCIDENT_EV_ABANDONED and the reason) in one write transaction with the
 * check that no run is open: runs whose supervisor is gone are settled first;
 * a live one (or one that cannot be checked) refuses the close. Returns 0
 * when closed (*ev filled when not NULL), 1 when refused (*holder filled,
 * run_claim_clear), -1 and *cause.
 */
int		 run_close(struct incident_store *, const char *id, enum incident_ev kind,
		    const char *text, struct run_claim *holder, struct incident_event *ev,
		    char **cause);

/*
 * Settle the open runs of incident id (of step only, when not NULL) whose
 * supervisor is gone, each checked again inside the write transaction: an
 * exit event (RUN_UNKNOWN_STATUS, with the output bytes recorded) and
 * step-failed. Returns how many were settled, or -1 and *cause.
 */
int		 run_settle(struct incident_store *, const char *id, const char *step,
		    char **cause);

/*
 * Mark a run of an older version (RUN_UNCLAIMED) of step as interrupted, with
 * the output bytes recorded for it, unless an exit came meanwhile. Returns 1
 * when marked, 0 when there was none, -1 and *cause.
 */
int		 run_mark_interrupted(struct incident_store *, const char *id,
		    const char *step, char **cause);

/*
 * Give up run of step, claimed on another host that cannot be checked from
 * here (the operator says it is gone, e.g. after a failover), as ended with
 * its outcome unknown, unless it has ended meanwhile. A run of this host is
 * never given up. Returns 1 when recorded, 0 when there was none, -1 and *cause.
 */
int		 run_abandon(struct incident_store *, const char *id, const char *step,
		    const char *run, char **cause);

/* Ask a live run's supervisor to cancel it (SIGTERM). Returns 0, or -1 and *cause when it does not live here. */
int		 run_cancel(const struct run_claim *, char **cause);

#endif
