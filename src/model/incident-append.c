/* incident-append.c: writing the record: declaring an incident, appending its events. */
#include "system.h"

#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "model/incident.h"
#include "model/incident-int.h"
#include "util/json.h"
#include "util/str.h"
#include "util/testhook.h"
#include "util/xmalloc.h"

/*
 * Inside a write transaction: insert the row of incident id as d declares it
 * (d->detected_ms as given), declared at declared_ms on host, with no event
 * yet. what names the insert in a failure's *cause.
 */
int
incident_insert_incident(struct incident_store *st, const char *id,
    const struct incident_decl *d, int64_t declared_ms, const char *host, const char *what,
    char **cause)
{
	sqlite3_stmt	*s;
	int		 rc = 0;

	if (incident_prepare(st, "INSERT INTO incidents (id, runbook_id, runbook_title, mode, "
	    "declared_ms, detected_ms, rto, rpo, host, last_seq, last_hash) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)", &s, cause) != 0)
		return (-1);
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, d->runbook_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, d->runbook_title != NULL ? d->runbook_title : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(s, 4, incident_mode_name(d->mode), -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, declared_ms);
	sqlite3_bind_int64(s, 6, d->detected_ms);
	sqlite3_bind_int64(s, 7, d->rto);
	sqlite3_bind_int64(s, 8, d->rpo);
	sqlite3_bind_text(s, 9, host, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, incident_zero_hash, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		rc = incident_db_error(st, what, cause);
	sqlite3_finalize(s);
	return (rc);
}

/*
 * Inside a write transaction: insert the event whose fields are h and hash is
 * hash, and move its incident's head to it (closing: also set the incident's
 * closed time, the event's). what names the insert in a failure's *cause.
 */
int
incident_insert_event(struct incident_store *st, const struct incident_hashin *h,
    const char *hash, bool closing, const char *what, char **cause)
{
	sqlite3_stmt	*s = NULL;
	int		 rc = -1;

	if (incident_prepare(st, "INSERT INTO events (incident_id, seq, time_ms, operator, "
	    "client, step, kind, payload, prev_hash, hash, run) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &s, cause) != 0)
		return (-1);
	sqlite3_bind_text(s, 1, h->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, h->seq);
	sqlite3_bind_int64(s, 3, h->time_ms);
	sqlite3_bind_text(s, 4, h->operator, -1, SQLITE_STATIC);
	if (h->client != NULL)
		sqlite3_bind_text(s, 5, h->client, -1, SQLITE_STATIC);
	if (h->step != NULL)
		sqlite3_bind_text(s, 6, h->step, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, h->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, h->payload, (int)h->payload_len, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, h->prev, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, hash, -1, SQLITE_STATIC);
	if (h->run != NULL)
		sqlite3_bind_text(s, 11, h->run, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		incident_db_error(st, what, cause);
		goto out;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (incident_prepare(st, closing ?
	    "UPDATE incidents SET last_seq = ?1, last_hash = ?2, closed_ms = ?3 WHERE id = ?4" :
	    "UPDATE incidents SET last_seq = ?1, last_hash = ?2 WHERE id = ?4", &s, cause) != 0)
		return (-1);
	sqlite3_bind_int64(s, 1, h->seq);
	sqlite3_bind_text(s, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, h->time_ms);
	sqlite3_bind_text(s, 4, h->id, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		incident_db_error(st, _("cannot update the incident"), cause);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return (rc);
}

/*
 * Inside a write transaction: append one event with payload of len bytes.
 * When closing, also set the incident's closed time. Fills ev if not NULL.
 */
static int
incident_append_tx(struct incident_store *st, const char *id, const char *step,
    const char *kind, const char *payload, size_t len, bool closing,
    struct incident_event *ev, char **cause)
{
	sqlite3_stmt		*s = NULL;
	struct incident_hashin	 h;
	char			 prev[INCIDENT_HASH_HEX], hash[INCIDENT_HASH_HEX];
	char			*op = NULL, *client = NULL;
	int64_t			 seq, now;
	int			 rc = -1;

	if (incident_prepare(st, "SELECT last_seq, last_hash, closed_ms FROM incidents "
	    "WHERE id = ?", &s, cause) != 0)
		return (-1);
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		break;
	case SQLITE_DONE:
		*cause = xasprintf(_("%s: no incident \"%s\""), st->path, id);
		goto out;
	default:
		incident_db_error(st, _("cannot read the incident"), cause);
		goto out;
	}
	if (sqlite3_column_type(s, 2) != SQLITE_NULL) {
		*cause = xasprintf(_("%s: incident %s is closed"), st->path, id);
		goto out;
	}
	seq = sqlite3_column_int64(s, 0) + 1;
	incident_col_hash(s, 1, prev);
	sqlite3_finalize(s);
	s = NULL;

	op = incident_operator();
	client = incident_client();
	now = incident_now_ms();
	if (payload == NULL) {
		payload = "";
		len = 0;
	}
	h.prev = prev;
	h.id = id;
	h.seq = seq;
	h.time_ms = now;
	h.operator = op;
	h.client = client;
	h.step = step;
	h.kind = kind;
	h.payload = payload;
	h.payload_len = len;
	h.run = st->run;
	incident_hash(&h, hash);

	if (incident_insert_event(st, &h, hash, closing, _("cannot append an event"),
	    cause) != 0)
		goto out;

	if (ev != NULL) {
		memset(ev, 0, sizeof *ev);
		ev->seq = seq;
		ev->incident_id = xstrdup(id);
		ev->time_ms = now;
		ev->operator = op;
		op = NULL;
		ev->client = client;
		client = NULL;
		ev->step = step != NULL ? xstrdup(step) : NULL;
		ev->kind_name = xstrdup(kind);
		ev->kind = incident_ev_from_name(kind);
		ev->payload = xstrndup(payload, len);
		ev->run = st->run != NULL ? xstrdup(st->run) : NULL;
		memcpy(ev->prev_hash, prev, sizeof prev);
		memcpy(ev->hash, hash, sizeof hash);
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	free(op);
	free(client);
	return (rc);
}

/* Append one event in its own transaction. */
static int
incident_append_raw(struct incident_store *st, const char *id, const char *step,
    const char *kind, const char *payload, size_t len, bool closing,
    struct incident_event *ev, char **cause)
{
	if (incident_begin(st, cause) != 0)
		return (-1);
	if (incident_append_tx(st, id, step, kind, payload, len, closing, ev, cause) != 0) {
		incident_rollback(st);
		return (-1);
	}
	if (incident_commit(st, cause) != 0) {
		if (ev != NULL)
			incident_event_clear(ev);
		return (-1);
	}
	incident_appended(st, id);
	return (0);
}

/* Append an event; see incident.h. */
int
incident_append(struct incident_store *st, const char *id, const char *step,
    enum incident_ev kind, const char *payload, struct incident_event *ev, char **cause)
{
	const char	*name = incident_ev_name(kind);

	if (name == NULL) {
		*cause = xstrdup(_("unknown event kind"));
		return (-1);
	}
	if (kind == INCIDENT_EV_CLOSED)
		return (incident_close(st, id, payload, ev, cause));
	if (kind == INCIDENT_EV_ABANDONED)
		return (incident_abandon(st, id, payload != NULL ? payload : "", ev, cause));
	return (incident_append_raw(st, id, step, name, payload,
	    payload != NULL ? strlen(payload) : 0, false, ev, cause));
}

/* Append a JSON payload built in b, then free b. */
static int
incident_append_json(struct incident_store *st, const char *id, const char *step,
    enum incident_ev kind, struct buf *b, struct incident_event *ev, char **cause)
{
	int	rc;

	rc = incident_append_raw(st, id, step, incident_ev_name(kind), b->data, b->len,
	    false, ev, cause);
	buf_clear(b);
	return (rc);
}

/* Bytes of output kept for step since its last command-started event, or -1. */
static int64_t
incident_output_kept(struct incident_store *st, const char *id, const char *step,
    char **cause)
{
	sqlite3_stmt	*s;
	int64_t		 n;

	if (incident_prepare(st, "SELECT COALESCE(SUM(length(CAST(payload AS BLOB))), 0) "
	    "FROM events WHERE incident_id = ?1 AND step IS ?2 AND kind = 'output' AND "
	    "seq > (SELECT COALESCE(MAX(seq), 0) FROM events WHERE incident_id = ?1 AND "
	    "step IS ?2 AND kind = 'command-started')", &s, cause) != 0)
		return (-1);
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	if (step != NULL)
		sqlite3_bind_text(s, 2, step, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW) {
		incident_db_error(st, _("cannot read the output kept"), cause);
		sqlite3_finalize(s);
		return (-1);
	}
	n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return (n);
}

/* Append a bounded chunk of output; 1 stored, 0 dropped, -1 error. */
int
incident_append_output(struct incident_store *st, const char *id, const char *step,
    const char *data, size_t len, char **cause)
{
	struct buf	 b;
	int64_t		 kept;
	size_t		 room, i;
	unsigned char	 next;
	int		 rc;

	if (len == 0)
		return (0);
	if (incident_begin(st, cause) != 0)
		return (-1);
	if ((kept = incident_output_kept(st, id, step, cause)) == -1) {
		incident_rollback(st);
		return (-1);
	}
	if (kept >= INCIDENT_OUTPUT_MAX) {
		incident_rollback(st);
		return (0);
	}
	room = INCIDENT_OUTPUT_MAX - (size_t)kept;
	/* NUL bytes cannot be text: each becomes U+FFFD. */
	buf_init(&b);
	for (i = 0; i < len && b.len < room; i++) {
		if (data[i] == '\0')
			buf_adds(&b, "\xef\xbf\xbd");
		else
			buf_addc(&b, data[i]);
	}
	/* Cut to the allowance without cutting a UTF-8 sequence in two. */
	next = 0;
	if (b.len > room) {
		next = (unsigned char)b.data[room];
		b.len = room;
	} else if (i < len)
		next = (unsigned char)data[i];
	if ((next & 0xc0) == 0x80) {
		while (b.len > 0 && ((unsigned char)b.data[b.len - 1] & 0xc0) == 0x80)
			b.len--;
		if (b.len > 0 && (unsigned char)b.data[b.len - 1] >= 0xc0)
			b.len--;
	}
	b.data[b.len] = '\0';
	if (b.len == 0) {
		buf_clear(&b);
		incident_rollback(st);
		return (0);
	}
	rc = incident_append_tx(st, id, step, "output", b.data, b.len, false, NULL, cause);
	buf_clear(&b);
	if (rc != 0) {
		incident_rollback(st);
		return (-1);
	}
	if (incident_commit(st, cause) != 0)
		return (-1);
	incident_appended(st, id);
	return (1);
}

/* Append an exit event. */
int
incident_append_exit(struct incident_store *st, const char *id, const char *step,
    const char *status, int code, int sig, bool cancelled, uint64_t output_bytes,
    uint64_t output_dropped, struct incident_event *ev, char **cause)
{
	struct buf	b;

	buf_init(&b);
	buf_adds(&b, "{\"status\":");
	json_add_string(&b, status != NULL ? status : "");
	buf_printf(&b, ",\"code\":%d,\"signal\":%d,\"cancelled\":%s,"
	    "\"output_bytes\":%" PRIu64 ",\"output_dropped\":%" PRIu64 "}",
	    code, sig, cancelled ? "true" : "false", output_bytes, output_dropped);
	return (incident_append_json(st, id, step, INCIDENT_EV_EXIT, &b, ev, cause));
}

/* Append check-ticked or check-unticked. */
int
incident_append_check(struct incident_store *st, const char *id, const char *step,
    bool ticked, int index, const char *item, struct incident_event *ev, char **cause)
{
	struct buf	b;

	buf_init(&b);
	buf_printf(&b, "{\"index\":%d,\"item\":", index);
	json_add_string(&b, item != NULL ? item : "");
	buf_addc(&b, '}');
	return (incident_append_json(st, id, step, ticked ? INCIDENT_EV_CHECK_TICKED :
	    INCIDENT_EV_CHECK_UNTICKED, &b, ev, cause));
}

/* Append a decision. */
int
incident_append_decision(struct incident_store *st, const char *id, const char *step,
    const char *question, const char *answer, const char *next,
    struct incident_event *ev, char **cause)
{
	struct buf	b;

	buf_init(&b);
	buf_adds(&b, "{\"question\":");
	json_add_string(&b, question != NULL ? question : "");
	buf_adds(&b, ",\"answer\":");
	json_add_string(&b, answer != NULL ? answer : "");
	buf_adds(&b, ",\"next\":");
	json_add_string(&b, next != NULL ? next : "");
	buf_addc(&b, '}');
	return (incident_append_json(st, id, step, INCIDENT_EV_DECISION, &b, ev, cause));
}

/* Append a prompt answer. */
int
incident_append_answer(struct incident_store *st, const char *id, const char *step,
    const char *question_id, const char *question, const char *answer,
    struct incident_event *ev, char **cause)
{
	struct buf	b;

	buf_init(&b);
	buf_adds(&b, "{\"question_id\":");
	json_add_string(&b, question_id != NULL ? question_id : "");
	buf_adds(&b, ",\"question\":");
	json_add_string(&b, question != NULL ? question : "");
	buf_adds(&b, ",\"answer\":");
	json_add_string(&b, answer != NULL ? answer : "");
	buf_addc(&b, '}');
	return (incident_append_json(st, id, step, INCIDENT_EV_PROMPT_ANSWER, &b, ev, cause));
}

/* Close an incident with its closed event. */
int
incident_close(struct incident_store *st, const char *id, const char *outcome,
    struct incident_event *ev, char **cause)
{
	if (outcome == NULL || *outcome == '\0')
		outcome = "closed";
	return (incident_append_raw(st, id, NULL, "closed", outcome, strlen(outcome), true,
	    ev, cause));
}

/* Close an incident opened by mistake: an "abandoned" event with the reason. */
int
incident_abandon(struct incident_store *st, const char *id, const char *reason,
    struct incident_event *ev, char **cause)
{
	return (incident_append_raw(st, id, NULL, incident_ev_name(INCIDENT_EV_ABANDONED),
	    reason, strlen(reason), true, ev, cause));
}

/* Whether an incident id is taken; -1 on error. */
static int
incident_exists(struct incident_store *st, const char *id, char **cause)
{
	struct incident	inc;
	int		rc;

	if ((rc = incident_get(st, id, &inc, cause)) == 1)
		incident_clear(&inc);
	return (rc);
}

/* The base of a new id: PREFIX-YYYYmmdd-HHMM-RUNBOOK (runbook cut and cleaned). */
static char *
incident_make_id(const struct incident_decl *d, int64_t now_ms)
{
	struct tm	 tm;
	time_t		 t = (time_t)(now_ms / 1000);
	char		 when[32], rb[33];
	const char	*src = d->runbook_id != NULL ? d->runbook_id : "";
	size_t		 i;

	localtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y%m%d-%H%M", &tm);
	for (i = 0; i < sizeof rb - 1 && src[i] != '\0'; i++) {
		unsigned char c = (unsigned char)src[i];

		rb[i] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.') ? (char)c : '-';
	}
	rb[i] = '\0';
	return (xasprintf("%s-%s%s%s", d->mode == INCIDENT_MODE_DRILL ? "DRILL" : "INC",
	    when, *rb != '\0' ? "-" : "", rb));
}

/* Declare an incident and append its declared event. */
int
incident_declare(struct incident_store *st, const struct incident_decl *d, char **idp,
    char **cause)
{
	struct incident_decl	 row;
	struct buf		 b;
	char			*base, *id = NULL, host[256];
	int64_t		 now, detected;
	int		 n, ex;

	*idp = NULL;
	if (d->runbook_id == NULL || *d->runbook_id == '\0') {
		*cause = xstrdup(_("an incident needs a runbook id"));
		return (-1);
	}
	now = incident_now_ms();
	detected = d->detected_ms > 0 ? d->detected_ms : now;
	if (testhook_host != NULL)
		snprintf(host, sizeof host, "%s", testhook_host);
	else if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "%s", "unknown");
	host[sizeof host - 1] = '\0';
	base = incident_make_id(d, now);

	if (incident_begin(st, cause) != 0) {
		free(base);
		return (-1);
	}
	for (n = 1; ; n++) {
		free(id);
		id = n == 1 ? xstrdup(base) : xasprintf("%s-%d", base, n);
		if ((ex = incident_exists(st, id, cause)) == -1)
			goto fail;
		if (ex == 0)
			break;
	}
	row = *d;
	row.detected_ms = detected;
	if (incident_insert_incident(st, id, &row, now, host, _("cannot declare the incident"),
	    cause) != 0)
		goto fail;

	buf_init(&b);
	buf_adds(&b, "{\"runbook\":");
	json_add_string(&b, d->runbook_id);
	buf_adds(&b, ",\"title\":");
	json_add_string(&b, d->runbook_title != NULL ? d->runbook_title : "");
	buf_printf(&b, ",\"mode\":\"%s\",\"detected_ms\":%" PRId64 ",\"rto\":%" PRId64
	    ",\"rpo\":%" PRId64 ",\"host\":", incident_mode_name(d->mode), detected,
	    d->rto, d->rpo);
	json_add_string(&b, host);
	buf_addc(&b, '}');
	n = incident_append_tx(st, id, NULL, "declared", b.data, b.len, false, NULL, cause);
	buf_clear(&b);
	if (n != 0)
		goto fail;
	if (incident_commit(st, cause) != 0) {
		free(base);
		free(id);
		return (-1);
	}
	free(base);
	*idp = id;
	if (incident_appended_hook != NULL)
		incident_appended_hook(id);
	return (0);

fail:
	incident_rollback(st);
	free(base);
	free(id);
	return (-1);
}
