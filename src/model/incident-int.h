/* incident-int.h: what the incident record's files share (incident*.c), not for other layers. */
#ifndef PDR_INCIDENT_INT_H
#define PDR_INCIDENT_INT_H

#include "system.h"

#include <sqlite3.h>

#include "model/incident.h"

/* An open store. */
struct incident_store {
	sqlite3	*db;
	char	*path;
	char	*run;		/* the run id every append carries, or NULL */
	bool	 in_tx;		/* inside incident_tx_begin: appends do not begin or commit */
	char	*tx_appended;	/* the incident an append inside it went to: hooked at commit */
};

/* The fields an event's hash covers. */
struct incident_hashin {
	const char	*prev;
	const char	*id;
	int64_t		 seq;
	int64_t		 time_ms;
	const char	*operator;
	const char	*client;
	const char	*step;
	const char	*kind;
	const char	*payload;
	size_t		 payload_len;
	const char	*run;		/* NULL or "": the encoding of schema 1 */
};

/* The columns of an event, in the order incident_event_from_row and incident_verify read. */
#define EVENT_COLS "seq, time_ms, operator, client, step, kind, payload, prev_hash, hash, run"

/* The first event's prev_hash (incident.c). */
extern const char	incident_zero_hash[];

/* incident.c */
int		 incident_db_error(struct incident_store *, const char *, char **);
int		 incident_exec(struct incident_store *, const char *, char **);
int		 incident_prepare(struct incident_store *, const char *, sqlite3_stmt **,
		     char **);
void		 incident_appended(struct incident_store *, const char *);
char		*incident_col(sqlite3_stmt *, int);
void		 incident_col_hash(sqlite3_stmt *, int, char *);
void		 incident_rollback(struct incident_store *);
int		 incident_begin(struct incident_store *, char **);
int		 incident_commit(struct incident_store *, char **);

/* incident-append.c */
int		 incident_insert_incident(struct incident_store *, const char *,
		     const struct incident_decl *, int64_t, const char *, const char *,
		     char **);
int		 incident_insert_event(struct incident_store *, const struct incident_hashin *,
		     const char *, bool, const char *, char **);

/* incident-chain.c */
void		 incident_event_hashin(const char *, const struct incident_event *,
		     struct incident_hashin *);
void		 incident_hash(const struct incident_hashin *, char *);
void		 incident_event_rehash(const char *, const struct incident_event *, char *);

#endif
