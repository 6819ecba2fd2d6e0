/* incident-import.c: taking events kept elsewhere (an off-site copy) back into the record. */
#include "system.h"

#include <sqlite3.h>

#include "model/incident.h"
#include "model/incident-int.h"
#include "util/json.h"
#include "util/xmalloc.h"

/* Insert the incident row of id from its "declared" event's payload. */
static int
incident_import_row(struct incident_store *st, const char *id, const struct incident_event *ev,
    char **cause)
{
	struct incident_decl	 d;
	char			*runbook, *title, *mode, *host;
	int64_t			 detected = 0, rto = 0, rpo = 0;
	int			 rc = 1;

	runbook = json_get_string(ev->payload, "runbook");
	title = json_get_string(ev->payload, "title");
	mode = json_get_string(ev->payload, "mode");
	host = json_get_string(ev->payload, "host");
	if (runbook == NULL || *runbook == '\0' || title == NULL || mode == NULL ||
	    host == NULL || (strcmp(mode, "incident") != 0 && strcmp(mode, "drill") != 0) ||
	    json_get_int(ev->payload, "detected_ms", &detected) != 0 ||
	    json_get_int(ev->payload, "rto", &rto) != 0 ||
	    json_get_int(ev->payload, "rpo", &rpo) != 0) {
		*cause = xasprintf(_("%s: event 1 does not declare the incident"), id);
		goto out;
	}
	d.runbook_id = runbook;
	d.runbook_title = title;
	d.mode = strcmp(mode, "drill") == 0 ? INCIDENT_MODE_DRILL : INCIDENT_MODE_INCIDENT;
	d.detected_ms = detected;
	d.rto = rto;
	d.rpo = rpo;
	rc = incident_insert_incident(st, id, &d, ev->time_ms, host, _("cannot add the incident"),
	    cause);
out:
	free(runbook);
	free(title);
	free(mode);
	free(host);
	return (rc);
}

/* Insert one checked event and move the incident's head to it. */
static int
incident_import_one(struct incident_store *st, const char *id, const struct incident_event *ev,
    char **cause)
{
	struct incident_hashin	h;
	enum incident_ev	k = incident_ev_from_name(ev->kind_name);

	/* as incident_close and incident_abandon do, either event closes it */
	incident_event_hashin(id, ev, &h);
	return (incident_insert_event(st, &h, ev->hash, k == INCIDENT_EV_CLOSED ||
	    k == INCIDENT_EV_ABANDONED, _("cannot add an event"), cause));
}

/* Import events kept elsewhere into the store (incident.h). */
int
incident_import(struct incident_store *st, const char *id, const struct incident_event *evs,
    size_t n, int64_t *added, char **cause)
{
	sqlite3_stmt		*s = NULL;
	struct incident_event	*have = NULL;
	char			 head[INCIDENT_HASH_HEX], want[INCIDENT_HASH_HEX];
	int64_t			 last = 0;
	size_t			 nhave = 0, i;
	int			 rc = -1, r;

	*added = 0;
	if (incident_begin(st, cause) != 0)
		return (-1);
	if (incident_prepare(st, "SELECT last_seq, last_hash, closed_ms FROM incidents WHERE id = ?",
	    &s, cause) != 0)
		goto fail;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	if ((r = sqlite3_step(s)) == SQLITE_ROW) {
		last = sqlite3_column_int64(s, 0);
		incident_col_hash(s, 1, head);
	} else if (r == SQLITE_DONE)
		snprintf(head, sizeof head, "%s", incident_zero_hash);
	else {
		incident_db_error(st, _("cannot read the incident"), cause);
		goto fail;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (last > 0) {
		incident_rollback(st);
		if (incident_events(st, id, 0, &have, &nhave, cause) != 0)
			return (-1);
		if (incident_begin(st, cause) != 0)
			goto out;
		/* a writer may have appended meanwhile: the head read again decides */
		if (incident_prepare(st, "SELECT last_seq, last_hash FROM incidents WHERE id = ?",
		    &s, cause) != 0)
			goto fail;
		sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_ROW) {
			incident_db_error(st, _("cannot read the incident"), cause);
			goto fail;
		}
		last = sqlite3_column_int64(s, 0);
		incident_col_hash(s, 1, head);
		sqlite3_finalize(s);
		s = NULL;
	}
	for (i = 0; i < n; i++) {
		if (i > 0 && evs[i].seq != evs[i - 1].seq + 1) {
			*cause = xasprintf(_("%s: the copy has no event %" PRId64 " (a gap before "
			    "event %" PRId64 ")"), id, evs[i - 1].seq + 1, evs[i].seq);
			rc = 1;
			goto fail;
		}
		incident_event_rehash(id, &evs[i], want);
		if (strcmp(want, evs[i].hash) != 0) {
			*cause = xasprintf(_("%s: event %" PRId64 " of the copy does not match its "
			    "hash (changed after it was written)"), id, evs[i].seq);
			rc = 1;
			goto fail;
		}
		if (evs[i].seq <= last) {
			/* one the store has: it must be the very same event */
			if ((size_t)evs[i].seq > nhave ||
			    strcmp(have[evs[i].seq - 1].hash, evs[i].hash) != 0) {
				*cause = xasprintf(_("%s: event %" PRId64 " differs between the copy "
				    "and this record: the record forked there"), id, evs[i].seq);
				rc = 1;
				goto fail;
			}
			continue;
		}
		if (evs[i].seq != last + 1) {
			*cause = xasprintf(_("%s: the copy starts at event %" PRId64 ", this record "
			    "ends at %" PRId64), id, evs[i].seq, last);
			rc = 1;
			goto fail;
		}
		if (strcmp(evs[i].prev_hash, head) != 0) {
			*cause = xasprintf(_("%s: event %" PRId64 " of the copy does not follow "
			    "event %" PRId64 " (chain broken)"), id, evs[i].seq, last);
			rc = 1;
			goto fail;
		}
		if (evs[i].seq == 1) {
			if (strcmp(evs[i].kind_name, "declared") != 0) {
				*cause = xasprintf(_("%s: event 1 does not declare the incident"), id);
				rc = 1;
				goto fail;
			}
			if ((r = incident_import_row(st, id, &evs[i], cause)) != 0) {
				rc = r;
				goto fail;
			}
		}
		if (incident_import_one(st, id, &evs[i], cause) != 0)
			goto fail;
		last = evs[i].seq;
		snprintf(head, sizeof head, "%s", evs[i].hash);
		(*added)++;
	}
	if (incident_commit(st, cause) != 0)
		goto out;
	rc = 0;
	goto out;
fail:
	sqlite3_finalize(s);
	incident_rollback(st);
out:
	incident_events_free(have, nhave);
	return (rc);
}
