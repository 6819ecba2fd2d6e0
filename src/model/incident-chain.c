/* incident-chain.c: the record's hash chain: an event's hash, checking an incident's chain. */
#include "system.h"

#include <openssl/evp.h>
#include <sqlite3.h>

#include "model/incident.h"
#include "model/incident-int.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* Append one field of the canonical encoding as a netstring. */
static void
incident_netstring(EVP_MD_CTX *md, const char *s, size_t len)
{
	char	head[32];
	int	n;

	if (s == NULL) {
		s = "";
		len = 0;
	}
	n = snprintf(head, sizeof head, "%zu:", len);
	EVP_DigestUpdate(md, head, (size_t)n);
	EVP_DigestUpdate(md, s, len);
	EVP_DigestUpdate(md, ",", 1);
}

/* SHA-256 of the canonical encoding (incident.h) into out (65 bytes). */
void
incident_hash(const struct incident_hashin *h, char *out)
{
	EVP_MD_CTX	*md;
	unsigned char	 dig[32];
	unsigned int	 dlen = 0;
	char		 num[32];

	if ((md = EVP_MD_CTX_new()) == NULL)
		xmalloc_die("EVP_MD_CTX_new", sizeof *h);
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	if (h->run != NULL && *h->run != '\0')
		incident_netstring(md, "pdr-event-2", 11);
	else
		incident_netstring(md, "pdr-event-1", 11);
	incident_netstring(md, h->prev, strlen(h->prev));
	incident_netstring(md, h->id, strlen(h->id));
	snprintf(num, sizeof num, "%" PRId64, h->seq);
	incident_netstring(md, num, strlen(num));
	snprintf(num, sizeof num, "%" PRId64, h->time_ms);
	incident_netstring(md, num, strlen(num));
	incident_netstring(md, h->operator, h->operator != NULL ? strlen(h->operator) : 0);
	incident_netstring(md, h->client, h->client != NULL ? strlen(h->client) : 0);
	incident_netstring(md, h->step, h->step != NULL ? strlen(h->step) : 0);
	incident_netstring(md, h->kind, strlen(h->kind));
	incident_netstring(md, h->payload, h->payload_len);
	if (h->run != NULL && *h->run != '\0')
		incident_netstring(md, h->run, strlen(h->run));
	EVP_DigestFinal_ex(md, dig, &dlen);
	EVP_MD_CTX_free(md);
	str_hex(dig, sizeof dig, out);
}

/* The fields of event ev of incident id as the hash covers them, into *h (pointing into ev). */
void
incident_event_hashin(const char *id, const struct incident_event *ev,
    struct incident_hashin *h)
{
	h->prev = ev->prev_hash;
	h->id = id;
	h->seq = ev->seq;
	h->time_ms = ev->time_ms;
	h->operator = ev->operator;
	h->client = ev->client;
	h->step = ev->step;
	h->kind = ev->kind_name;
	h->payload = ev->payload;
	h->payload_len = strlen(ev->payload);
	h->run = ev->run;
}

/* The hash an event should have, from its own fields (incident_hash), into out. */
void
incident_event_rehash(const char *id, const struct incident_event *ev, char *out)
{
	struct incident_hashin	h;

	incident_event_hashin(id, ev, &h);
	incident_hash(&h, out);
}

/* Whether an event's hash is the hash of its own fields (incident.h). */
bool
incident_event_hash_ok(const char *id, const struct incident_event *ev)
{
	char	want[INCIDENT_HASH_HEX];

	incident_event_rehash(id, ev, want);
	return (strcmp(want, ev->hash) == 0);
}

/* Record the first bad event. */
static int
incident_bad(struct incident_verify_result *r, int64_t seq, char *why)
{
	r->bad_seq = seq;
	r->why = why;
	return (1);
}

/* Check the chain of one incident. */
int
incident_verify(struct incident_store *st, const char *id, struct incident_verify_result *r,
    char **cause)
{
	struct incident		 inc;
	struct incident_hashin	 h;
	sqlite3_stmt		*s = NULL;
	char			 prev[INCIDENT_HASH_HEX], hash[INCIDENT_HASH_HEX];
	char			 head[INCIDENT_HASH_HEX];
	const unsigned char	*stored;
	int64_t			 expect = 1, seq;
	int			 rc, found;

	memset(r, 0, sizeof *r);
	/* One read transaction: the incident row and its events from one snapshot. */
	if (incident_exec(st, "BEGIN", cause) != 0)
		return (-1);
	if ((found = incident_get(st, id, &inc, cause)) != 1) {
		if (found == 0)
			*cause = xasprintf(_("%s: no incident \"%s\""), st->path, id);
		incident_rollback(st);
		return (-1);
	}
	if (incident_prepare(st, "SELECT last_hash FROM incidents WHERE id = ?", &s,
	    cause) != 0)
		goto fail;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW) {
		incident_db_error(st, _("cannot read the incident"), cause);
		goto fail;
	}
	incident_col_hash(s, 0, head);
	sqlite3_finalize(s);
	s = NULL;

	if (incident_prepare(st, "SELECT " EVENT_COLS " FROM events WHERE incident_id = ? "
	    "ORDER BY seq", &s, cause) != 0)
		goto fail;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	memcpy(prev, incident_zero_hash, sizeof prev);
	rc = 0;
	while (rc == 0 && (found = sqlite3_step(s)) == SQLITE_ROW) {
		seq = sqlite3_column_int64(s, 0);
		r->events++;
		if (seq != expect) {
			rc = incident_bad(r, expect, seq > expect ?
			    xasprintf(_("event %" PRId64 " is missing (event %" PRId64
			    " follows event %" PRId64 ")"), expect, seq, expect - 1) :
			    xasprintf(_("event %" PRId64 " is out of order"), seq));
			break;
		}
		stored = sqlite3_column_text(s, 7);
		if (stored == NULL || strcmp((const char *)stored, prev) != 0) {
			rc = incident_bad(r, seq, expect == 1 ?
			    xasprintf(_("event %" PRId64 " does not begin the chain "
			    "(its previous hash is not zero)"), seq) :
			    xasprintf(_("event %" PRId64 " does not follow event %" PRId64
			    " (its previous hash differs: events removed, reordered or "
			    "edited)"), seq, seq - 1));
			break;
		}
		h.prev = prev;
		h.id = id;
		h.seq = seq;
		h.time_ms = sqlite3_column_int64(s, 1);
		h.operator = (const char *)sqlite3_column_text(s, 2);
		h.client = (const char *)sqlite3_column_text(s, 3);
		h.step = (const char *)sqlite3_column_text(s, 4);
		h.kind = (const char *)sqlite3_column_text(s, 5);
		if (h.kind == NULL)
			h.kind = "";
		h.payload = (const char *)sqlite3_column_text(s, 6);
		h.payload_len = (size_t)sqlite3_column_bytes(s, 6);
		h.run = (const char *)sqlite3_column_text(s, 9);
		incident_hash(&h, hash);
		stored = sqlite3_column_text(s, 8);
		if (stored == NULL || strcmp((const char *)stored, hash) != 0) {
			rc = incident_bad(r, seq, xasprintf(_("event %" PRId64 " was changed "
			    "(its content does not match its hash)"), seq));
			break;
		}
		memcpy(prev, hash, sizeof prev);
		expect++;
	}
	if (rc == 0 && found != SQLITE_DONE) {
		incident_db_error(st, _("cannot read the events"), cause);
		goto fail;
	}
	if (rc == 0 && expect - 1 != inc.last_seq) {
		if (expect - 1 < inc.last_seq)
			rc = incident_bad(r, expect, xasprintf(_("event %" PRId64 " is missing "
			    "(the record has %" PRId64 " events, %" PRId64 " found)"), expect,
			    inc.last_seq, expect - 1));
		else
			rc = incident_bad(r, inc.last_seq + 1, xasprintf(_("event %" PRId64
			    " is beyond the end the record names (%" PRId64 ")"),
			    inc.last_seq + 1, inc.last_seq));
	} else if (rc == 0 && strcmp(prev, head) != 0)
		rc = incident_bad(r, expect - 1, xasprintf(_("event %" PRId64 " does not "
		    "match the last hash the record names"), expect - 1));
	sqlite3_finalize(s);
	incident_clear(&inc);
	incident_rollback(st);
	return (rc);

fail:
	sqlite3_finalize(s);
	incident_clear(&inc);
	incident_rollback(st);
	return (-1);
}
