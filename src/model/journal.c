/* journal.c: the incident record off the host: journals and chain heads on the off-site stores. */
#include "system.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "engine/remote/remote.h"
#include "engine/set/manifest.h"
#include "model/journal.h"
#include "util/conf.h"
#include "util/fsutil.h"
#include "util/json.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* The most a journal file or head may hold: a hostile store cannot make us read more. */
#define JOURNAL_MAX_FILE	(64 * 1024 * 1024)
#define JOURNAL_MAX_HEAD	4096

/* The domain of the key that signs chain heads (journal_head_mac). */
#define JOURNAL_MAC_DOMAIN "patronus-dr journal head v1"

static const char journal_zero_hash[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* A scratch folder for downloads (caller removes it and frees), or NULL with *cause. */
static char *
journal_scratch(char **cause)
{
	const char	*tmp = getenv("TMPDIR");
	char		*dir;

	dir = xasprintf("%s/pdr-journal.XXXXXX", tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		*cause = xasprintf(_("%s: cannot create a scratch folder: %s"), dir,
		    strerror(errno));
		free(dir);
		return (NULL);
	}
	return (dir);
}

/* Remove a scratch folder and free its name. */
static void
journal_scratch_done(char *dir)
{
	char	*cause = NULL;

	if (dir != NULL && fs_remove_tree(dir, &cause) != 0)
		free(cause);
	free(dir);
}

/* Whether s is 64 lower-case hex digits. */
static bool
journal_is_hash(const char *s)
{
	size_t	i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return (false);
	return (s[64] == '\0');
}

/* Append one event as a journal line. */
static void
journal_add_event(struct buf *b, const struct incident_event *ev)
{
	buf_printf(b, "{\"seq\":%" PRId64 ",\"time_ms\":%" PRId64 ",\"operator\":", ev->seq,
	    ev->time_ms);
	json_add_string(b, ev->operator);
	buf_adds(b, ",\"client\":");
	if (ev->client != NULL)
		json_add_string(b, ev->client);
	else
		buf_adds(b, "null");
	buf_adds(b, ",\"step\":");
	if (ev->step != NULL)
		json_add_string(b, ev->step);
	else
		buf_adds(b, "null");
	buf_adds(b, ",\"kind\":");
	json_add_string(b, ev->kind_name);
	buf_adds(b, ",\"payload\":");
	json_add_string(b, ev->payload);
	/* the run of a step's command (run.h), only on events that name one */
	if (ev->run != NULL) {
		buf_adds(b, ",\"run\":");
		json_add_string(b, ev->run);
	}
	buf_printf(b, ",\"prev_hash\":\"%s\",\"hash\":\"%s\"}\n", ev->prev_hash, ev->hash);
}

/* Parse one journal line into ev. Returns 0, or -1 when it is not a well-formed event. */
static int
journal_parse_event(const char *line, const char *id, struct incident_event *ev)
{
	char	*prev, *hash;

	memset(ev, 0, sizeof *ev);
	if (json_get_int(line, "seq", &ev->seq) != 0 || ev->seq < 1 ||
	    json_get_int(line, "time_ms", &ev->time_ms) != 0)
		return (-1);
	ev->operator = json_get_string(line, "operator");
	ev->client = json_get_string(line, "client");
	ev->step = json_get_string(line, "step");
	ev->kind_name = json_get_string(line, "kind");
	ev->payload = json_get_string(line, "payload");
	ev->run = json_get_string(line, "run");
	prev = json_get_string(line, "prev_hash");
	hash = json_get_string(line, "hash");
	if (ev->operator == NULL || ev->kind_name == NULL || ev->payload == NULL ||
	    prev == NULL || hash == NULL || !journal_is_hash(prev) || !journal_is_hash(hash)) {
		free(prev);
		free(hash);
		incident_event_clear(ev);
		return (-1);
	}
	memcpy(ev->prev_hash, prev, INCIDENT_HASH_HEX);
	memcpy(ev->hash, hash, INCIDENT_HASH_HEX);
	free(prev);
	free(hash);
	ev->incident_id = xstrdup(id);
	ev->kind = incident_ev_from_name(ev->kind_name);
	return (0);
}

/*
 * The HMAC-SHA256 (hex into out, 65 bytes) of the chain head (id, seq, hash),
 * keyed by SHA-256 of a domain string and the encryption key, as a set's
 * manifest is: only a host with the key makes a head that verifies.
 */
static void
journal_head_mac(const char *password, const char *id, int64_t seq, const char *hash,
    char *out)
{
	unsigned char	 key[32], md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	struct buf	 b;

	manifest_domain_hash(JOURNAL_MAC_DOMAIN, sizeof JOURNAL_MAC_DOMAIN, password, key);
	buf_init(&b);
	buf_printf(&b, "%s\n%" PRId64 "\n%s\n", id, seq, hash);
	HMAC(EVP_sha256(), key, (int)sizeof key, (const unsigned char *)b.data, b.len, md,
	    &mdlen);
	OPENSSL_cleanse(key, sizeof key);
	buf_clear(&b);
	str_hex(md, mdlen, out);
}

/* Whether head h of incident id carries the HMAC password gives it. */
static bool
journal_head_signed(const struct journal_head *h, const char *id, const char *password)
{
	char	mac[65];

	if (h->mac[0] == '\0')
		return (false);
	journal_head_mac(password, id, h->seq, h->hash, mac);
	return (CRYPTO_memcmp(mac, h->mac, 64) == 0);
}

/* Parse a head's text. Returns 0 and *h, or -1 when it is not a head of incident id. */
static int
journal_parse_head(const char *text, const char *id, struct journal_head *h)
{
	char	*inc, *hash, *raw;

	memset(h, 0, sizeof *h);
	inc = json_get_string(text, "incident");
	hash = json_get_string(text, "hash");
	if (inc == NULL || strcmp(inc, id) != 0 || hash == NULL || !journal_is_hash(hash) ||
	    json_get_int(text, "seq", &h->seq) != 0 || h->seq < 1) {
		free(inc);
		free(hash);
		return (-1);
	}
	memcpy(h->hash, hash, INCIDENT_HASH_HEX);
	/* The store's word, not covered by the chain: escaped once here for every message. */
	if ((raw = json_get_string(text, "host")) != NULL) {
		h->host = str_escape(raw);
		free(raw);
	}
	if (json_get_int(text, "shipped_ms", &h->shipped_ms) != 0)
		h->shipped_ms = 0;
	if ((raw = json_get_string(text, "hmac")) != NULL && journal_is_hash(raw))
		memcpy(h->mac, raw, sizeof h->mac);
	free(raw);
	free(inc);
	free(hash);
	return (0);
}

/* The folder of incident id on a store: "record/ID"; the caller frees. */
static char *
journal_tier(const char *id)
{
	return (xasprintf("%s/%s", JOURNAL_DIR, id));
}

/* Whether an incident id is safe as a folder name on a store. */
static bool
journal_id_ok(const char *id)
{
	const char	*p;

	if (*id == '\0' || *id == '.' || strlen(id) > 200)
		return (false);
	for (p = id; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			return (false);
	return (true);
}

/* The head of incident id on a store (journal.h). */
int
journal_head_get(struct remote *r, const char *id, struct journal_head *h, char **cause)
{
	struct remote_object	*o = NULL;
	char			*tier, *dir, *local = NULL, *text = NULL;
	size_t			 no = 0, i, len;
	int			 rc = -1;

	memset(h, 0, sizeof *h);
	if (!journal_id_ok(id)) {
		*cause = xasprintf(_("\"%s\" is not an incident id"), id);
		return (-1);
	}
	tier = journal_tier(id);
	if (remote_list_under(r, JOURNAL_DIR, &o, &no, cause) != 0) {
		free(tier);
		return (-1);
	}
	for (i = 0; i < no; i++)
		if (strcmp(o[i].tier, tier) == 0 && strcmp(o[i].file, "head.json") == 0)
			break;
	if (i == no) {
		remote_objects_free(o, no);
		free(tier);
		return (0);
	}
	remote_objects_free(o, no);
	if ((dir = journal_scratch(cause)) == NULL) {
		free(tier);
		return (-1);
	}
	local = str_join_path(dir, "head.json");
	if (remote_get(r, tier, "head.json", local, cause) != 0)
		goto out;
	if (fs_read_file(local, JOURNAL_MAX_HEAD, &text, &len, cause) != 0)
		goto out;
	if (journal_parse_head(text, id, h) != 0) {
		*cause = xasprintf(_("%s: %s/head.json is not a chain head of %s"), r->where,
		    tier, id);
		goto out;
	}
	rc = 1;
out:
	free(text);
	free(local);
	free(tier);
	journal_scratch_done(dir);
	return (rc);
}

/* Order events by seq. */
static int
journal_cmp_seq(const void *a, const void *b)
{
	const struct incident_event	*x = a, *y = b;

	return (x->seq < y->seq ? -1 : x->seq > y->seq);
}

/* Read one journal file into *evs / *n. Returns 0, 1 and *cause when malformed, -1. */
static int
journal_read_file(const char *path, const char *name, const char *id,
    struct incident_event **evs, size_t *n, char **cause)
{
	char	*text = NULL, *line, *nl;
	size_t	 len, lineno = 0;

	if (fs_read_file(path, JOURNAL_MAX_FILE, &text, &len, cause) != 0)
		return (-1);
	for (line = text; *line != '\0'; line = nl + 1) {
		lineno++;
		if ((nl = strchr(line, '\n')) == NULL) {
			*cause = xasprintf(_("%s:%zu: the journal line is not complete"), name,
			    lineno);
			free(text);
			return (1);
		}
		*nl = '\0';
		*evs = xreallocarray(*evs, *n + 1, sizeof **evs);
		if (journal_parse_event(line, id, &(*evs)[*n]) != 0) {
			*cause = xasprintf(_("%s:%zu: not a journal event"), name, lineno);
			free(text);
			return (1);
		}
		(*n)++;
	}
	free(text);
	return (0);
}

/* Every event of incident id a store keeps, checked (journal.h). */
int
journal_fetch(struct remote *r, const char *id, const char *password,
    struct incident_event **evs, size_t *n, struct journal_head *h, char **cause)
{
	struct remote_object	*o = NULL;
	char			*tier, *dir = NULL, *local, *name;
	const char		*prev;
	size_t			 no = 0, i, j;
	int			 rc = -1, hr;

	*evs = NULL;
	*n = 0;
	memset(h, 0, sizeof *h);
	if ((hr = journal_head_get(r, id, h, cause)) != 1) {
		if (hr == 0)
			*cause = xasprintf(_("%s: no record of %s"), r->where, id);
		return (hr == 0 ? 1 : -1);
	}
	/* Anyone who can write the store can make a chain that holds: only the key tells. */
	if (password != NULL && !journal_head_signed(h, id, password)) {
		*cause = xasprintf(h->mac[0] == '\0' ? _("%s: the head of %s is not signed "
		    "(forged, or shipped without the encryption key)") : _("%s: the head of %s is "
		    "not signed with this host's encryption key (forged, or another key)"),
		    r->where, id);
		free(h->host);
		h->host = NULL;
		return (1);
	}
	tier = journal_tier(id);
	if (remote_list_under(r, JOURNAL_DIR, &o, &no, cause) != 0 ||
	    (dir = journal_scratch(cause)) == NULL)
		goto out;
	for (i = 0; i < no; i++) {
		if (strcmp(o[i].tier, tier) != 0 || strncmp(o[i].file, "events-", 7) != 0)
			continue;
		local = str_join_path(dir, o[i].file);
		name = xasprintf("%s/%s/%s", r->where, tier, o[i].file);
		if (remote_get(r, tier, o[i].file, local, cause) != 0)
			rc = -1;
		else
			rc = journal_read_file(local, name, id, evs, n, cause);
		unlink(local);
		free(local);
		free(name);
		if (rc != 0)
			goto out;
	}
	rc = 1;
	qsort(*evs, *n, sizeof **evs, journal_cmp_seq);
	/* Overlapping files (a shipment repeated after a crash) hold the same events. */
	for (i = 0, j = 0; i < *n; i++) {
		if (j > 0 && (*evs)[i].seq == (*evs)[j - 1].seq) {
			if (strcmp((*evs)[i].hash, (*evs)[j - 1].hash) != 0) {
				*cause = xasprintf(_("%s: %s holds two different events %" PRId64),
				    r->where, tier, (*evs)[i].seq);
				goto out;
			}
			incident_event_clear(&(*evs)[i]);
			continue;
		}
		(*evs)[j++] = (*evs)[i];
	}
	*n = j;
	prev = journal_zero_hash;
	for (i = 0; i < *n; i++) {
		if ((*evs)[i].seq != (int64_t)i + 1) {
			*cause = xasprintf(_("%s: %s has no event %zu"), r->where, tier, i + 1);
			goto out;
		}
		if (strcmp((*evs)[i].prev_hash, prev) != 0 ||
		    !incident_event_hash_ok(id, &(*evs)[i])) {
			*cause = xasprintf(_("%s: %s: event %zu was changed after it was written "
			    "(its hash does not hold)"), r->where, tier, i + 1);
			goto out;
		}
		prev = (*evs)[i].hash;
	}
	if (h->seq > (int64_t)*n || strcmp((*evs)[h->seq - 1].hash, h->hash) != 0) {
		*cause = xasprintf(_("%s: %s: the journal does not reach its head (event %"
		    PRId64 ")"), r->where, tier, h->seq);
		goto out;
	}
	rc = 0;
out:
	if (rc != 0) {
		incident_events_free(*evs, *n);
		*evs = NULL;
		*n = 0;
		free(h->host);
		h->host = NULL;
	}
	remote_objects_free(o, no);
	journal_scratch_done(dir);
	free(tier);
	return (rc);
}

/* The ids of the incidents a store keeps (journal.h). */
int
journal_list(struct remote *r, char ***ids, size_t *n, char **cause)
{
	struct remote_object	*o = NULL;
	const char		*id;
	size_t			 no = 0, i, j;

	*ids = NULL;
	*n = 0;
	if (remote_list_under(r, JOURNAL_DIR, &o, &no, cause) != 0)
		return (-1);
	for (i = 0; i < no; i++) {
		if (strcmp(o[i].file, "head.json") != 0 ||
		    strncmp(o[i].tier, JOURNAL_DIR "/", sizeof JOURNAL_DIR) != 0)
			continue;
		id = o[i].tier + sizeof JOURNAL_DIR;
		if (!journal_id_ok(id))
			continue;
		for (j = 0; j < *n; j++)
			if (strcmp((*ids)[j], id) == 0)
				break;
		if (j < *n)
			continue;
		*ids = xreallocarray(*ids, *n + 1, sizeof **ids);
		(*ids)[(*n)++] = xstrdup(id);
	}
	remote_objects_free(o, no);
	return (0);
}

/* The local progress file of a store: STATE_DIR/journal/ID.KIND; the caller frees. */
static char *
journal_progress_path(const struct conf *c, const char *id, const struct remote *r)
{
	return (xasprintf("%s/journal/%s.%s", c->state_dir, id, remote_kind_names[r->kind]));
}

/* Read a store's progress: what it has of the record. 0 and seq 0 when none. */
static void
journal_progress_read(const char *path, int64_t *seq, char *hash)
{
	char	*text = NULL, *cause = NULL;
	size_t	 len;

	*seq = 0;
	snprintf(hash, INCIDENT_HASH_HEX, "%s", journal_zero_hash);
	if (fs_read_file(path, 256, &text, &len, &cause) != 0) {
		free(cause);
		return;
	}
	if (sscanf(text, "%" SCNd64 " %64s", seq, hash) != 2 || !journal_is_hash(hash)) {
		*seq = 0;
		snprintf(hash, INCIDENT_HASH_HEX, "%s", journal_zero_hash);
	}
	free(text);
}

/* Put a local file as record/ID/NAME. */
static int
journal_put(struct remote *r, const char *id, const char *local, const char *name, char **cause)
{
	char	*tier = journal_tier(id);
	int	 rc;

	rc = remote_put(r, local, tier, name, cause);
	free(tier);
	return (rc);
}

/*
 * Put the head of events 1..n of id on a store (through scratch folder dir),
 * signed with password when it is not NULL. Returns 0, or -1 with *cause.
 */
static int
journal_put_head(struct remote *r, const char *id, const char *dir,
    const struct incident_event *evs, size_t n, const char *password, char **cause)
{
	struct buf	 b;
	char		*local, host[256], mac[65];
	int		 rc;

	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "unknown");
	host[sizeof host - 1] = '\0';
	buf_init(&b);
	buf_adds(&b, "{\"incident\":");
	json_add_string(&b, id);
	buf_printf(&b, ",\"seq\":%zu,\"hash\":\"%s\",\"host\":", n, evs[n - 1].hash);
	json_add_string(&b, host);
	buf_printf(&b, ",\"shipped_ms\":%" PRId64, time_now_ms());
	if (password != NULL) {
		journal_head_mac(password, id, (int64_t)n, evs[n - 1].hash, mac);
		buf_printf(&b, ",\"hmac\":\"%s\"", mac);
	}
	buf_adds(&b, "}\n");
	local = str_join_path(dir, "head.json");
	rc = fs_write_atomic(local, b.data, b.len, 0600, cause) != 0 ||
	    journal_put(r, id, local, "head.json", cause) != 0 ? -1 : 0;
	free(local);
	buf_clear(&b);
	return (rc);
}

/*
 * Ship the events after *seq of the record to one store, then its head.
 * Returns 0 (and moves *seq / hash), 1 with *cause when the store's head is
 * not this record's (a fork), -1 with *cause.
 */
static int
journal_ship_one(const char *id, struct remote *r, const struct incident_event *evs, size_t n,
    const char *password, const char *progress, int64_t *seq, char *hash, int64_t *had,
    char **cause)
{
	struct journal_head	 h;
	struct buf		 b;
	char			*dir, *local, *name;
	bool			 signed_head = false;
	int			 hr, rc = -1;

	/* The lease: the store's head must be one this record has. */
	if ((hr = journal_head_get(r, id, &h, cause)) == -1)
		return (-1);
	if (hr == 1) {
		if (h.seq > (int64_t)n || strcmp(evs[h.seq - 1].hash, h.hash) != 0) {
			*cause = xasprintf(_("the record on %s reaches event %" PRId64 " (written on "
			    "%s) that this record does not have: it forked; run `incidents fetch "
			    "%s` and reconcile before writing more"), r->where, h.seq,
			    h.host != NULL ? h.host : "?", id);
			free(h.host);
			return (1);
		}
		/* the store is ahead of what we remembered (a crash before the progress was kept) */
		*seq = h.seq;
		snprintf(hash, INCIDENT_HASH_HEX, "%s", h.hash);
		signed_head = password != NULL && journal_head_signed(&h, id, password);
		free(h.host);
	} else
		*seq = 0;
	*had = *seq;
	if (*seq >= (int64_t)n) {
		/* up to date; a head shipped unsigned (before signing, without the key) is signed now */
		if (password == NULL || signed_head)
			goto progress;
		if ((dir = journal_scratch(cause)) == NULL)
			return (-1);
		rc = journal_put_head(r, id, dir, evs, n, password, cause);
		journal_scratch_done(dir);
		if (rc != 0)
			return (-1);
		goto progress;
	}
	if ((dir = journal_scratch(cause)) == NULL)
		return (-1);
	buf_init(&b);
	for (size_t i = (size_t)*seq; i < n; i++)
		journal_add_event(&b, &evs[i]);
	name = xasprintf("events-%010" PRId64 "-%010zu.jsonl", *seq + 1, n);
	local = str_join_path(dir, name);
	if (fs_write_atomic(local, b.data, b.len, 0600, cause) != 0 ||
	    journal_put(r, id, local, name, cause) != 0) {
		buf_clear(&b);
		free(local);
		free(name);
		journal_scratch_done(dir);
		return (-1);
	}
	free(local);
	free(name);
	buf_clear(&b);
	/* the head last: a store with a head has every event up to it */
	rc = journal_put_head(r, id, dir, evs, n, password, cause);
	journal_scratch_done(dir);
	if (rc != 0)
		return (-1);
	*seq = (int64_t)n;
	snprintf(hash, INCIDENT_HASH_HEX, "%s", evs[n - 1].hash);
progress:
	buf_init(&b);
	buf_printf(&b, "%" PRId64 " %s\n", *seq, hash);
	rc = fs_write_atomic(progress, b.data, b.len, 0600, cause);
	buf_clear(&b);
	return (rc);
}

/* Ship what each store lacks of incident id (journal.h). */
int
journal_ship(const struct conf *c, struct incident_store *st, const char *id, struct buf *report,
    char **cause)
{
	struct remote		 r[REMOTE__KINDS];
	struct incident_event	*evs = NULL;
	char			*progress, *dir, *why = NULL, *password = NULL;
	char			 hash[INCIDENT_HASH_HEX];
	size_t			 nr = 0, n = 0, i;
	int64_t			 seq, had = 0;
	int			 rc = 0, one;

	if (remote_configure(c, r, &nr, cause) != 0)
		return (-1);
	if (nr == 0) {
		*cause = xstrdup(_("no off-site store is configured (remote: in dr.yaml)"));
		return (-1);
	}
	if (incident_events(st, id, 0, &evs, &n, cause) != 0 || n == 0) {
		if (n == 0 && *cause == NULL)
			*cause = xasprintf(_("no incident %s in the record"), id);
		for (i = 0; i < nr; i++)
			remote_clear(&r[i]);
		return (-1);
	}
	dir = str_join_path(c->state_dir, "journal");
	if (fs_mkdir_p(dir, 0700, cause) != 0) {
		free(dir);
		incident_events_free(evs, n);
		for (i = 0; i < nr; i++)
			remote_clear(&r[i]);
		return (-1);
	}
	free(dir);
	/* The heads are signed with the encryption key; without it they go unsigned, said so. */
	if (fs_load_key(c->encryption_key, &password, &why) != FAIL_NONE) {
		buf_printf(report, _("the heads go unsigned (a fetch with the key refuses them): "
		    "%s\n"), why);
		free(why);
		why = NULL;
		password = NULL;
	}
	for (i = 0; i < nr; i++) {
		progress = journal_progress_path(c, id, &r[i]);
		journal_progress_read(progress, &seq, hash);
		one = journal_ship_one(id, &r[i], evs, n, password, progress, &seq, hash, &had,
		    &why);
		if (one == 0)
			buf_printf(report, _("%s: %s: events 1-%zu (%" PRId64 " new), head %.12s\n"),
			    remote_kind_names[r[i].kind], r[i].where, n, seq - had,
			    evs[n - 1].hash);
		else {
			buf_printf(report, _("%s: %s: %s\n"), remote_kind_names[r[i].kind],
			    one == 1 ? _("FORKED") : _("not shipped"), why);
			free(why);
			why = NULL;
			rc = 1;
		}
		free(progress);
		remote_clear(&r[i]);
	}
	if (password != NULL) {
		OPENSSL_cleanse(password, strlen(password));
		free(password);
	}
	incident_events_free(evs, n);
	return (rc);
}

/* Check the local chain of id against the newest head of the stores (journal.h). */
int
journal_witness(const struct conf *c, struct incident_store *st, const char *id,
    struct buf *report, char **cause)
{
	struct remote		 r[REMOTE__KINDS];
	struct incident_event	*evs = NULL;
	struct journal_head	 h;
	char			*why = NULL, *password = NULL;
	size_t			 nr = 0, n = 0, i;
	int			 rc = 2, hr;

	if (remote_configure(c, r, &nr, cause) != 0)
		return (-1);
	if (incident_events(st, id, 0, &evs, &n, cause) != 0) {
		for (i = 0; i < nr; i++)
			remote_clear(&r[i]);
		return (-1);
	}
	/* With the key, only a head signed with it is a witness (anyone may write a store). */
	if (fs_load_key(c->encryption_key, &password, &why) != FAIL_NONE) {
		free(why);
		why = NULL;
		password = NULL;
	}
	for (i = 0; i < nr; i++) {
		hr = journal_head_get(&r[i], id, &h, &why);
		if (hr == -1) {
			buf_printf(report, _("witness %s: cannot ask: %s\n"),
			    remote_kind_names[r[i].kind], why);
			free(why);
			why = NULL;
		} else if (hr == 0) {
			buf_printf(report, _("witness %s: %s holds no head of %s\n"),
			    remote_kind_names[r[i].kind], r[i].where, id);
			if (rc == 2)
				rc = 3;
		} else if (password != NULL && !journal_head_signed(&h, id, password)) {
			buf_printf(report, _("witness %s: %s holds a head of %s that is not signed "
			    "with this host's key: not taken as a witness\n"),
			    remote_kind_names[r[i].kind], r[i].where, id);
			if (rc == 2)
				rc = 3;
		} else if (h.seq > (int64_t)n) {
			buf_printf(report, _("witness %s: ROLLED BACK: %s has event %" PRId64 " (head "
			    "%.12s, shipped by %s), this record ends at event %zu\n"),
			    remote_kind_names[r[i].kind], r[i].where, h.seq, h.hash,
			    h.host != NULL ? h.host : "?", n);
			rc = 1;
		} else if (strcmp(evs[h.seq - 1].hash, h.hash) != 0) {
			buf_printf(report, _("witness %s: REWRITTEN: event %" PRId64 " of this record "
			    "is not the one %s holds (head %.12s, here %.12s)\n"),
			    remote_kind_names[r[i].kind], h.seq, r[i].where, h.hash,
			    evs[h.seq - 1].hash);
			rc = 1;
		} else {
			buf_printf(report, _("witness %s: %s holds event %" PRId64 " of %zu, head "
			    "%.12s: matches\n"), remote_kind_names[r[i].kind], r[i].where, h.seq,
			    n, h.hash);
			if (rc != 1)
				rc = 0;
		}
		if (hr == 1)
			free(h.host);
		remote_clear(&r[i]);
	}
	if (password != NULL) {
		OPENSSL_cleanse(password, strlen(password));
		free(password);
	}
	incident_events_free(evs, n);
	return (rc == 3 ? 2 : rc);
}
