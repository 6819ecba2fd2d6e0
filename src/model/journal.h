/* journal.h: the incident record off the host: a journal per incident on each off-site store. */
#ifndef PDR_JOURNAL_H
#define PDR_JOURNAL_H

#include "system.h"

#include "model/incident.h"

struct conf;
struct remote;
struct buf;

/*
 * On each store, under record/ID/:
 *   events-FFFFFFFFFF-LLLLLLLLLL.jsonl   events FIRST..LAST, one JSON object a
 *                                        line, with their hashes; never replaced
 *   head.json                            the chain head: {"incident", "seq",
 *                                        "hash", "host", "shipped_ms", "hmac"};
 *                                        replaced by each shipment (the witness);
 *                                        hmac: HMAC-SHA256 of "ID\nSEQ\nHASH\n"
 *                                        keyed from the encryption key, so that
 *                                        the head, and the chain up to it, is
 *                                        known to come from a host with the key
 * Locally, STATE_DIR/journal/ID.KIND holds "SEQ HASH" of what that store has.
 */
#define JOURNAL_DIR "record"

/* A chain head as a store keeps it. */
struct journal_head {
	int64_t	 seq;
	char	 hash[INCIDENT_HASH_HEX];
	char	*host;		/* the host that shipped it, escaped (caller frees) */
	int64_t	 shipped_ms;
	char	 mac[65];	/* its "hmac", "" when it has none */
};

/*
 * Ship what each configured store lacks of incident id: new events as one
 * journal file, then the head. A store whose head was moved by another host
 * (events this record does not have) is not written: the record forked, and
 * the line says so. One line per store into report. Returns 0 when every
 * store is up to date, 1 when one failed or forked (named in report), -1 and
 * *cause when the record cannot be read or no store is configured.
 */
int	journal_ship(const struct conf *, struct incident_store *, const char *, struct buf *,
	    char **);

/* The ids of the incidents a store keeps (str_list_free). Returns 0, or -1 and *cause. */
int	journal_list(struct remote *, char ***, size_t *, char **);

/*
 * The head of incident id on a store. Returns 1 and *h (free h->host), 0 when
 * the store has none, -1 and *cause (also for a malformed head).
 */
int	journal_head_get(struct remote *, const char *, struct journal_head *, char **);

/*
 * Every event of incident id a store keeps, in seq order, its head signed
 * with password (the encryption key; NULL: not checked), checked against
 * itself (no gap, no two different events of one seq, each hash its own, the
 * chain unbroken) and against the head: the chain must reach it. Returns 0
 * and *evs / *n (incident_events_free) and *h (free h->host), 1 and *cause
 * when the journal is malformed or does not hold together (named), -1 and
 * *cause when it cannot be read.
 */
int	journal_fetch(struct remote *, const char *, const char *, struct incident_event **,
	    size_t *, struct journal_head *, char **);

/*
 * Check the local chain of id against the newest head of the stores. Returns
 * 0 when the record holds the head (one line per store into report), 1 when
 * it was rewritten or rolled back (named), 2 when no store could be asked,
 * -1 and *cause.
 */
int	journal_witness(const struct conf *, struct incident_store *, const char *, struct buf *,
	    char **);

#endif
