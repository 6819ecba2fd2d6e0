/* incident.c: the incident record: incidents and their append-only, hash-chained events (sqlite3). */
#include "system.h"

#include <sys/stat.h>
#include <sys/time.h>
#include <pwd.h>
#include <time.h>
#include <unistd.h>
#include <utmpx.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "model/incident.h"
#include "util/fsutil.h"
#include "util/json.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* An open store. */
struct incident_store {
	sqlite3	*db;
	char	*path;
	char	*run;		/* the run id every append carries, or NULL */
	bool	 in_tx;		/* inside incident_tx_begin: appends do not begin or commit */
	char	*tx_appended;	/* the incident an append inside it went to: hooked at commit */
};

/* Wait this long for another process's write lock. */
#define INCIDENT_BUSY_MS 15000

/* The schema this version writes (PRAGMA user_version). */
#define INCIDENT_SCHEMA_VERSION 2

/* The first event's prev_hash. */
static const char incident_zero_hash[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* Kind names, indexed by enum incident_ev. */
/*
 * Every event kind, described once: its name as stored, its payload (text, or
 * a flat JSON object with these keys, read with incident_event_get) and what
 * the walk (walk.c, the one replay of the record) does with it. A new kind is
 * one row here, one enum value in incident.h and, when it changes a step's
 * state, one case in walk_apply; incident_event_describe says it in words.
 */
const struct incident_ev_info incident_ev_table[INCIDENT_EV__COUNT] = {
	[INCIDENT_EV_UNKNOWN] = { NULL, "text: as stored", "timeline only" },
	[INCIDENT_EV_DECLARED] = { "declared",
	    "JSON {runbook, title, mode, detected_ms, rto, rpo, host}",
	    "timeline only (the incident row holds the same)" },
	[INCIDENT_EV_STEP_STARTED] = { "step-started",
	    "text: the step's title",
	    "the step becomes current; its title when the runbook lacks the step" },
	[INCIDENT_EV_STEP_DONE] = { "step-done",
	    "text: \"\" or a remark; \"simulated (drill): ...\" for a simulated command",
	    "state done (simulated when so marked); failed stays set" },
	[INCIDENT_EV_STEP_SKIPPED] = { "step-skipped",
	    "text: the reason",
	    "state skipped; failed stays set" },
	[INCIDENT_EV_STEP_FAILED] = { "step-failed",
	    "text: the reason",
	    "state failed; failed set" },
	[INCIDENT_EV_COMMAND_STARTED] = { "command-started",
	    "text: the command as shown and run",
	    "a new run; state running, output cleared" },
	[INCIDENT_EV_OUTPUT] = { "output",
	    "text: a chunk of the child's output",
	    "appended to the run" },
	[INCIDENT_EV_EXIT] = { "exit",
	    "JSON {status, code, signal, cancelled, output_bytes, output_dropped, unknown}"
	    " (unknown: settled after its supervisor vanished, run.h)",
	    "the run ends; exit 0 clears failed, else state failed" },
	[INCIDENT_EV_CHECK_TICKED] = { "check-ticked",
	    "JSON {index, item}",
	    "item index ticked" },
	[INCIDENT_EV_CHECK_UNTICKED] = { "check-unticked",
	    "JSON {index, item}",
	    "item index unticked" },
	[INCIDENT_EV_DECISION] = { "decision",
	    "JSON {question, answer, next}",
	    "the decision (the last one counts)" },
	[INCIDENT_EV_PROMPT_ANSWER] = { "prompt-answer",
	    "JSON {question_id, question, answer}",
	    "the answer to question_id (the last one counts; earlier ones are revisions)" },
	[INCIDENT_EV_NOTE] = { "note",
	    "text: the note",
	    "counted; shown with its step" },
	[INCIDENT_EV_CLOCK] = { "clock",
	    "text: rto-50, rto-80 (older records: rto-75), rto-breached or rpo-breached",
	    "the clock flags" },
	[INCIDENT_EV_CURSOR] = { "cursor",
	    "text: \"\"",
	    "the step becomes current" },
	[INCIDENT_EV_RESUMED] = { "resumed",
	    "text: \"\"",
	    "timeline only" },
	[INCIDENT_EV_CLOSED] = { "closed",
	    "text: the outcome",
	    "the walk is closed" },
	[INCIDENT_EV_RESTORED] = { "restored",
	    "JSON {set, backup_ms, file, sha256}",
	    "the restored set and the time of its point (the achieved RPO's end)" },
	[INCIDENT_EV_ABANDONED] = { "abandoned",
	    "text: the reason",
	    "the walk is closed as abandoned: neither pass nor fail" },
	[INCIDENT_EV_RUN_CLAIMED] = { "run-claimed",
	    "JSON {run, command, client, host, boot, pid, start}; the run column names it",
	    "a new run of the step (run.h): state running, output cleared; later "
	    "output and exit of another run are not its" },
};

int64_t		(*incident_test_clock)(void);
void		(*incident_appended_hook)(const char *);
const char	*incident_test_host;

static const char incident_schema[] =
    "CREATE TABLE IF NOT EXISTS incidents ("
    " id TEXT PRIMARY KEY,"
    " runbook_id TEXT NOT NULL,"
    " runbook_title TEXT NOT NULL,"
    " mode TEXT NOT NULL CHECK (mode IN ('incident', 'drill')),"
    " declared_ms INTEGER NOT NULL,"
    " detected_ms INTEGER NOT NULL,"
    " closed_ms INTEGER,"
    " rto INTEGER NOT NULL,"
    " rpo INTEGER NOT NULL,"
    " host TEXT NOT NULL,"
    " last_seq INTEGER NOT NULL DEFAULT 0,"
    " last_hash TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS events ("
    " incident_id TEXT NOT NULL REFERENCES incidents(id),"
    " seq INTEGER NOT NULL,"
    " time_ms INTEGER NOT NULL,"
    " operator TEXT NOT NULL,"
    " client TEXT,"
    " step TEXT,"
    " kind TEXT NOT NULL,"
    " payload TEXT NOT NULL,"
    " prev_hash TEXT NOT NULL,"
    " hash TEXT NOT NULL,"
    " run TEXT,"
    " PRIMARY KEY (incident_id, seq));"
    "CREATE INDEX IF NOT EXISTS events_step ON events (incident_id, step, kind);"
    "CREATE INDEX IF NOT EXISTS incidents_open ON incidents (closed_ms, declared_ms);"
    /* Append-only: the program never changes or removes an event. */
    "CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events"
    " BEGIN SELECT RAISE(ABORT, 'incident events are append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events"
    " BEGIN SELECT RAISE(ABORT, 'incident events are append-only'); END;"
    "PRAGMA user_version = 2;";

/* From schema 1: events name the run of a step's command (incident.h). */
static const char incident_schema_1to2[] =
    "ALTER TABLE events ADD COLUMN run TEXT;"
    "PRAGMA user_version = 2;";

/* Milliseconds since the epoch. */
int64_t
incident_now_ms(void)
{
	if (incident_test_clock != NULL)
		return (incident_test_clock());
	return (time_now_ms());
}

/* The name of a kind, or NULL. */
const char *
incident_ev_name(enum incident_ev k)
{
	if ((int)k < 0 || k >= INCIDENT_EV__COUNT)
		return (NULL);
	return (incident_ev_table[k].name);
}

/* The kind for a name. */
enum incident_ev
incident_ev_from_name(const char *name)
{
	int	i;

	for (i = 1; i < INCIDENT_EV__COUNT; i++)
		if (strcmp(incident_ev_table[i].name, name) == 0)
			return ((enum incident_ev)i);
	return (INCIDENT_EV_UNKNOWN);
}

/* "incident" or "drill". */
const char *
incident_mode_name(enum incident_mode m)
{
	return (m == INCIDENT_MODE_DRILL ? "drill" : "incident");
}

/* Who acts: $SUDO_USER, else $USER, else the uid's name or number. */
char *
incident_operator(void)
{
	const char	*s;
	struct passwd	*pw;

	if ((s = getenv("SUDO_USER")) != NULL && *s != '\0')
		return (xstrdup(s));
	if ((s = getenv("USER")) != NULL && *s != '\0')
		return (xstrdup(s));
	if ((pw = getpwuid(getuid())) != NULL)
		return (xstrdup(pw->pw_name));
	return (xasprintf("uid %ld", (long)getuid()));
}

/*
 * The SSH client address, or NULL: the first field of $SSH_CONNECTION, else
 * (sudo drops that variable) the remote host utmp records for our terminal.
 */
char *
incident_client(void)
{
	struct utmpx	*u;
	const char	*s, *tty = NULL;
	char		*host = NULL;
	size_t		 n;
	int		 fd;

	if ((s = getenv("SSH_CONNECTION")) != NULL && *s != '\0') {
		n = strcspn(s, " ");
		return (n > 0 ? xstrndup(s, n) : NULL);
	}
	for (fd = 0; fd <= 2 && tty == NULL; fd++)
		tty = ttyname(fd);
	if (tty == NULL || strncmp(tty, "/dev/", 5) != 0)
		return (NULL);
	tty += 5;
	setutxent();
	while ((u = getutxent()) != NULL) {
		if (u->ut_type != USER_PROCESS ||
		    strncmp(u->ut_line, tty, sizeof u->ut_line) != 0)
			continue;
		n = strnlen(u->ut_host, sizeof u->ut_host);
		if (n > 0 && host == NULL)
			host = xstrndup(u->ut_host, n);
	}
	endutxent();
	return (host);
}

/* A cause naming the store and sqlite's message. */
static int
incident_db_error(struct incident_store *st, const char *what, char **cause)
{
	*cause = xasprintf("%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
	return (-1);
}

/* Run SQL without results. */
static int
incident_exec(struct incident_store *st, const char *sql, char **cause)
{
	char	*msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		*cause = xasprintf("%s: %s", st->path, msg != NULL ? msg :
		    sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		return (-1);
	}
	return (0);
}

/* Prepare a statement. */
static int
incident_prepare(struct incident_store *st, const char *sql, sqlite3_stmt **stmt,
    char **cause)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL) != SQLITE_OK)
		return (incident_db_error(st, _("cannot prepare a query"), cause));
	return (0);
}

/* The schema version the file says it has (PRAGMA user_version), or -1. */
static int
incident_user_version(struct incident_store *st, char **cause)
{
	sqlite3_stmt	*s;
	int		 v;

	if (incident_prepare(st, "PRAGMA user_version", &s, cause) != 0)
		return (-1);
	if (sqlite3_step(s) != SQLITE_ROW) {
		incident_db_error(st, _("cannot read the schema version"), cause);
		sqlite3_finalize(s);
		return (-1);
	}
	v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return (v);
}

/* Open (creating) STATE_DIR/incidents.db. */
int
incident_store_open(const char *state_dir, struct incident_store **stp, char **cause)
{
	struct incident_store	*st;
	char			*mkcause = NULL;
	int			 rc, version;

	*stp = NULL;
	if (state_dir == NULL || *state_dir == '\0') {
		*cause = xstrdup(_("no state_dir set for the incident record"));
		return (-1);
	}
	if (fs_mkdir_p(state_dir, 0700, &mkcause) != 0) {
		*cause = xasprintf(_("cannot create the state folder %s"), mkcause);
		free(mkcause);
		return (-1);
	}
	st = xcalloc(1, sizeof *st);
	st->path = str_join_path(state_dir, "incidents.db");
	rc = sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		if (st->db != NULL)
			incident_db_error(st, _("cannot open"), cause);
		else
			*cause = xasprintf("%s: %s", st->path, sqlite3_errstr(rc));
		incident_store_close(st);
		return (-1);
	}
	sqlite3_busy_timeout(st->db, INCIDENT_BUSY_MS);
	sqlite3_extended_result_codes(st->db, 1);
	if (incident_exec(st, "PRAGMA journal_mode = WAL", cause) != 0 ||
	    incident_exec(st, "PRAGMA synchronous = FULL", cause) != 0 ||
	    incident_exec(st, "PRAGMA foreign_keys = ON", cause) != 0) {
		incident_store_close(st);
		return (-1);
	}
	/* Create the tables once; opening an existing store writes nothing. */
	if ((version = incident_user_version(st, cause)) == -1) {
		incident_store_close(st);
		return (-1);
	}
	if (version < INCIDENT_SCHEMA_VERSION) {
		if (incident_exec(st, "BEGIN IMMEDIATE", cause) != 0) {
			incident_store_close(st);
			return (-1);
		}
		if (incident_exec(st, version == 1 ? incident_schema_1to2 :
		    incident_schema, cause) != 0 ||
		    incident_exec(st, "COMMIT", cause) != 0) {
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			incident_store_close(st);
			return (-1);
		}
	} else if (version > INCIDENT_SCHEMA_VERSION) {
		*cause = xasprintf(_("%s: made by a newer version (schema %d)"), st->path,
		    version);
		incident_store_close(st);
		return (-1);
	}
	*stp = st;
	return (0);
}

/* Close the store. */
void
incident_store_close(struct incident_store *st)
{
	if (st == NULL)
		return;
	if (st->db != NULL)
		sqlite3_close(st->db);
	free(st->path);
	free(st->run);
	free(st->tx_appended);
	free(st);
}

/* The database file's path. */
const char *
incident_store_path(const struct incident_store *st)
{
	return (st->path);
}

static void	incident_rollback(struct incident_store *);
static int	incident_commit(struct incident_store *, char **);

/* An append to id is durable: tell the hook, or, inside a shared transaction, at its commit. */
static void
incident_appended(struct incident_store *st, const char *id)
{
	if (st->in_tx) {
		free(st->tx_appended);
		st->tx_appended = xstrdup(id);
		return;
	}
	if (incident_appended_hook != NULL)
		incident_appended_hook(id);
}

/* Name the run every later append carries (NULL: none). */
void
incident_store_set_run(struct incident_store *st, const char *run)
{
	free(st->run);
	st->run = run != NULL && *run != '\0' ? xstrdup(run) : NULL;
}

/* Begin a write transaction that several reads and appends share. */
int
incident_tx_begin(struct incident_store *st, char **cause)
{
	if (incident_exec(st, "BEGIN IMMEDIATE", cause) != 0)
		return (-1);
	st->in_tx = true;
	return (0);
}

/* End the shared transaction: commit when ok, else roll back. Returns 0, or -1 and *cause. */
int
incident_tx_end(struct incident_store *st, bool ok, char **cause)
{
	char	*id = st->tx_appended;
	int	 rc = 0;

	st->in_tx = false;
	st->tx_appended = NULL;
	if (!ok)
		incident_rollback(st);
	else if ((rc = incident_commit(st, cause)) == 0 && id != NULL)
		incident_appended(st, id);
	free(id);
	return (rc);
}

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

/* SHA-256 of the canonical encoding (incident.h) into out (65 bytes). */
static void
incident_hash(const struct incident_hashin *h, char *out)
{
	EVP_MD_CTX	*md;
	unsigned char	 dig[32];
	unsigned int	 dlen = 0;
	char		 num[32];

	if ((md = EVP_MD_CTX_new()) == NULL) {
		fprintf(stderr, "%s: out of memory\n", PACKAGE);
		abort();
	}
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

/* A column as a new string, or NULL for SQL NULL. */
static char *
incident_col(sqlite3_stmt *s, int i)
{
	const unsigned char	*t;

	if ((t = sqlite3_column_text(s, i)) == NULL)
		return (NULL);
	return (xstrndup((const char *)t, (size_t)sqlite3_column_bytes(s, i)));
}

/* Copy a hash column into a fixed buffer (cut to 64 characters). */
static void
incident_col_hash(sqlite3_stmt *s, int i, char *out)
{
	const unsigned char	*t = sqlite3_column_text(s, i);

	snprintf(out, INCIDENT_HASH_HEX, "%s", t != NULL ? (const char *)t : "");
}

/* Undo an open transaction after an error (keeps the first cause). */
static void
incident_rollback(struct incident_store *st)
{
	if (st->in_tx)
		return;
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
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

	if (incident_prepare(st, "INSERT INTO events (incident_id, seq, time_ms, operator, "
	    "client, step, kind, payload, prev_hash, hash, run) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &s, cause) != 0)
		goto out;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, seq);
	sqlite3_bind_int64(s, 3, now);
	sqlite3_bind_text(s, 4, op, -1, SQLITE_STATIC);
	if (client != NULL)
		sqlite3_bind_text(s, 5, client, -1, SQLITE_STATIC);
	if (step != NULL)
		sqlite3_bind_text(s, 6, step, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, payload, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, prev, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, hash, -1, SQLITE_STATIC);
	if (st->run != NULL)
		sqlite3_bind_text(s, 11, st->run, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		incident_db_error(st, _("cannot append an event"), cause);
		goto out;
	}
	sqlite3_finalize(s);
	s = NULL;

	if (incident_prepare(st, closing ?
	    "UPDATE incidents SET last_seq = ?, last_hash = ?, closed_ms = ? WHERE id = ?" :
	    "UPDATE incidents SET last_seq = ?, last_hash = ? WHERE id = ?", &s, cause) != 0)
		goto out;
	sqlite3_bind_int64(s, 1, seq);
	sqlite3_bind_text(s, 2, hash, -1, SQLITE_STATIC);
	if (closing) {
		sqlite3_bind_int64(s, 3, now);
		sqlite3_bind_text(s, 4, id, -1, SQLITE_STATIC);
	} else
		sqlite3_bind_text(s, 3, id, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		incident_db_error(st, _("cannot update the incident"), cause);
		goto out;
	}

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

/* Begin a write transaction (waits for other writers up to the busy timeout). */
static int
incident_begin(struct incident_store *st, char **cause)
{
	if (st->in_tx)
		return (0);
	return (incident_exec(st, "BEGIN IMMEDIATE", cause));
}

/* Commit; on failure roll back. */
static int
incident_commit(struct incident_store *st, char **cause)
{
	if (st->in_tx)
		return (0);
	if (incident_exec(st, "COMMIT", cause) != 0) {
		incident_rollback(st);
		return (-1);
	}
	return (0);
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
	sqlite3_stmt	*s;
	int		 rc;

	if (incident_prepare(st, "SELECT 1 FROM incidents WHERE id = ?", &s, cause) != 0)
		return (-1);
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		rc = 1;
		break;
	case SQLITE_DONE:
		rc = 0;
		break;
	default:
		rc = incident_db_error(st, _("cannot read the incidents"), cause);
		break;
	}
	sqlite3_finalize(s);
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
	sqlite3_stmt	*s = NULL;
	struct buf	 b;
	char		*base, *id = NULL, host[256];
	int64_t		 now, detected;
	int		 n, ex;

	*idp = NULL;
	if (d->runbook_id == NULL || *d->runbook_id == '\0') {
		*cause = xstrdup(_("an incident needs a runbook id"));
		return (-1);
	}
	now = incident_now_ms();
	detected = d->detected_ms > 0 ? d->detected_ms : now;
	if (incident_test_host != NULL)
		snprintf(host, sizeof host, "%s", incident_test_host);
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
	if (incident_prepare(st, "INSERT INTO incidents (id, runbook_id, runbook_title, mode, "
	    "declared_ms, detected_ms, rto, rpo, host, last_seq, last_hash) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)", &s, cause) != 0)
		goto fail;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, d->runbook_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, d->runbook_title != NULL ? d->runbook_title : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(s, 4, incident_mode_name(d->mode), -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, now);
	sqlite3_bind_int64(s, 6, detected);
	sqlite3_bind_int64(s, 7, d->rto);
	sqlite3_bind_int64(s, 8, d->rpo);
	sqlite3_bind_text(s, 9, host, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, incident_zero_hash, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		incident_db_error(st, _("cannot declare the incident"), cause);
		goto fail;
	}
	sqlite3_finalize(s);
	s = NULL;

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
	sqlite3_finalize(s);
	incident_rollback(st);
	free(base);
	free(id);
	return (-1);
}

#define INCIDENT_COLS "id, runbook_id, runbook_title, mode, declared_ms, detected_ms, " \
	"closed_ms, rto, rpo, host, last_seq"

/* Fill an incident from a row of INCIDENT_COLS. */
static void
incident_from_row(sqlite3_stmt *s, struct incident *inc)
{
	const unsigned char	*mode;

	memset(inc, 0, sizeof *inc);
	inc->id = incident_col(s, 0);
	inc->runbook_id = incident_col(s, 1);
	inc->runbook_title = incident_col(s, 2);
	mode = sqlite3_column_text(s, 3);
	inc->mode = mode != NULL && strcmp((const char *)mode, "drill") == 0 ?
	    INCIDENT_MODE_DRILL : INCIDENT_MODE_INCIDENT;
	inc->declared_ms = sqlite3_column_int64(s, 4);
	inc->detected_ms = sqlite3_column_int64(s, 5);
	inc->closed_ms = sqlite3_column_type(s, 6) == SQLITE_NULL ? 0 :
	    sqlite3_column_int64(s, 6);
	inc->rto = sqlite3_column_int64(s, 7);
	inc->rpo = sqlite3_column_int64(s, 8);
	inc->host = incident_col(s, 9);
	inc->last_seq = sqlite3_column_int64(s, 10);
	if (inc->id == NULL)
		inc->id = xstrdup("");
	if (inc->runbook_id == NULL)
		inc->runbook_id = xstrdup("");
	if (inc->runbook_title == NULL)
		inc->runbook_title = xstrdup("");
	if (inc->host == NULL)
		inc->host = xstrdup("");
}

/* Run a query for at most one incident; 1 found, 0 none, -1 error. */
static int
incident_get_one(struct incident_store *st, const char *sql, const char *id,
    struct incident *inc, char **cause)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (incident_prepare(st, sql, &s, cause) != 0)
		return (-1);
	if (id != NULL)
		sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	switch (sqlite3_step(s)) {
	case SQLITE_ROW:
		incident_from_row(s, inc);
		rc = 1;
		break;
	case SQLITE_DONE:
		rc = 0;
		break;
	default:
		rc = incident_db_error(st, _("cannot read the incidents"), cause);
		break;
	}
	sqlite3_finalize(s);
	return (rc);
}

/* Look an incident up by id. */
int
incident_get(struct incident_store *st, const char *id, struct incident *inc, char **cause)
{
	return (incident_get_one(st, "SELECT " INCIDENT_COLS " FROM incidents WHERE id = ?",
	    id, inc, cause));
}

/* The most recent open incident. */
int
incident_find_open(struct incident_store *st, struct incident *inc, char **cause)
{
	return (incident_get_one(st, "SELECT " INCIDENT_COLS " FROM incidents "
	    "WHERE closed_ms IS NULL ORDER BY declared_ms DESC, rowid DESC LIMIT 1",
	    NULL, inc, cause));
}

/* Fill one element of a collected array from the statement's current row. */
typedef void (*incident_row_fn)(sqlite3_stmt *, void *elem, const void *arg);

/*
 * Step s to its end, one element of elem bytes a row, filled by fn (given
 * arg), in a growing array; finalize s. Returns 0 with *arr (caller frees,
 * NULL when no row) and *n, or -1 with *cause naming what (the read) and
 * *arr / *n holding the rows filled so far, for the caller to free.
 */
static int
incident_collect(struct incident_store *st, sqlite3_stmt *s, size_t elem, incident_row_fn fn,
    const void *arg, const char *what, void **arr, size_t *n, char **cause)
{
	char	*l = NULL;
	size_t	 cnt = 0, size = 0;
	int	 r;

	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		if (cnt == size) {
			size = size == 0 ? 16 : size * 2;
			l = xreallocarray(l, size, elem);
		}
		fn(s, l + cnt++ * elem, arg);
	}
	*arr = l;
	*n = cnt;
	if (r != SQLITE_DONE) {
		incident_db_error(st, what, cause);
		sqlite3_finalize(s);
		return (-1);
	}
	sqlite3_finalize(s);
	return (0);
}

/* incident_collect's filler for incident_list. */
static void
incident_list_row(sqlite3_stmt *s, void *elem, const void *arg)
{
	(void)arg;
	incident_from_row(s, elem);
}

/* Every incident, newest first. */
int
incident_list(struct incident_store *st, struct incident **list, size_t *n, char **cause)
{
	sqlite3_stmt	*s;
	void		*l;
	size_t		 cnt;

	*list = NULL;
	*n = 0;
	if (incident_prepare(st, "SELECT " INCIDENT_COLS " FROM incidents "
	    "ORDER BY declared_ms DESC, rowid DESC", &s, cause) != 0)
		return (-1);
	if (incident_collect(st, s, sizeof **list, incident_list_row, NULL,
	    _("cannot read the incidents"), &l, &cnt, cause) != 0) {
		incident_list_free(l, cnt);
		return (-1);
	}
	*list = l;
	*n = cnt;
	return (0);
}

/* Free what an incident owns. */
void
incident_clear(struct incident *inc)
{
	if (inc == NULL)
		return;
	free(inc->id);
	free(inc->runbook_id);
	free(inc->runbook_title);
	free(inc->host);
	memset(inc, 0, sizeof *inc);
}

/* Free a list of incidents. */
void
incident_list_free(struct incident *l, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		incident_clear(&l[i]);
	free(l);
}

#define EVENT_COLS "seq, time_ms, operator, client, step, kind, payload, prev_hash, hash, run"

/* Fill an event from a row of EVENT_COLS. */
static void
incident_event_from_row(sqlite3_stmt *s, const char *id, struct incident_event *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->seq = sqlite3_column_int64(s, 0);
	ev->incident_id = xstrdup(id);
	ev->time_ms = sqlite3_column_int64(s, 1);
	ev->operator = incident_col(s, 2);
	if (ev->operator == NULL)
		ev->operator = xstrdup("");
	ev->client = incident_col(s, 3);
	ev->step = incident_col(s, 4);
	ev->kind_name = incident_col(s, 5);
	if (ev->kind_name == NULL)
		ev->kind_name = xstrdup("");
	ev->kind = incident_ev_from_name(ev->kind_name);
	ev->payload = incident_col(s, 6);
	if (ev->payload == NULL)
		ev->payload = xstrdup("");
	incident_col_hash(s, 7, ev->prev_hash);
	incident_col_hash(s, 8, ev->hash);
	ev->run = incident_col(s, 9);
}

/* incident_collect's filler for incident_events: arg is the incident id. */
static void
incident_events_row(sqlite3_stmt *s, void *elem, const void *arg)
{
	incident_event_from_row(s, arg, elem);
}

/* The events with seq > after. */
int
incident_events(struct incident_store *st, const char *id, int64_t after,
    struct incident_event **evs, size_t *n, char **cause)
{
	sqlite3_stmt	*s;
	void		*l;
	size_t		 cnt;

	*evs = NULL;
	*n = 0;
	if (incident_prepare(st, "SELECT " EVENT_COLS " FROM events "
	    "WHERE incident_id = ? AND seq > ? ORDER BY seq", &s, cause) != 0)
		return (-1);
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, after);
	if (incident_collect(st, s, sizeof **evs, incident_events_row, id,
	    _("cannot read the events"), &l, &cnt, cause) != 0) {
		incident_events_free(l, cnt);
		return (-1);
	}
	*evs = l;
	*n = cnt;
	return (0);
}

/* Free what one event owns. */
void
incident_event_clear(struct incident_event *ev)
{
	if (ev == NULL)
		return;
	free(ev->incident_id);
	free(ev->operator);
	free(ev->client);
	free(ev->step);
	free(ev->kind_name);
	free(ev->payload);
	free(ev->run);
	memset(ev, 0, sizeof *ev);
}

/* Free an array of events. */
void
incident_events_free(struct incident_event *evs, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		incident_event_clear(&evs[i]);
	free(evs);
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

/* A string member of the event's JSON payload. */
char *
incident_event_get(const struct incident_event *ev, const char *key)
{
	return (json_get_string(ev->payload, key));
}

/* An integer member of the event's JSON payload. */
int
incident_event_get_int(const struct incident_event *ev, const char *key, int64_t *v)
{
	return (json_get_int(ev->payload, key, v));
}

/* A string member of the event's JSON payload, or dflt when absent (caller frees). */
static char *
incident_event_get_or(const struct incident_event *ev, const char *key, const char *dflt)
{
	char	*s = incident_event_get(ev, key);

	return (s != NULL ? s : xstrdup(dflt));
}

/* The words for a clock threshold, or NULL for one this version does not know. */
static const char *
incident_clock_name(const char *payload)
{
	if (strcmp(payload, "rto-75") == 0)
		return (_("clock: three quarters of the RTO used"));
	if (strcmp(payload, "rto-breached") == 0)
		return (_("clock: RTO breached"));
	if (strcmp(payload, "rpo-breached") == 0)
		return (_("clock: RPO breached"));
	return (NULL);
}

/*
 * Append what an event says to b, raw (the caller escapes it for its
 * output). verbose (incidents show): every field, the output's text, on more
 * lines where needed; else (reports) one short line, the output as its size.
 */
void
incident_event_describe(const struct incident_event *ev, bool verbose, struct buf *b)
{
	const char	*dflt = verbose ? "" : "?", *clock;
	char		*a = NULL, *c = NULL, *d = NULL, t[64];
	char		 d1[TIMEUTIL_BUFSZ], d2[TIMEUTIL_BUFSZ];
	int64_t		 v1 = 0, v2 = 0, v3 = 0, v4 = 0;

	switch (ev->kind) {
	case INCIDENT_EV_DECLARED:
		a = incident_event_get_or(ev, "mode", "");
		if (!verbose) {
			buf_adds(b, strcmp(a, "drill") == 0 ? _("drill declared") :
			    _("incident declared"));
			break;
		}
		c = incident_event_get_or(ev, "runbook", "");
		d = incident_event_get_or(ev, "title", "");
		incident_event_get_int(ev, "rto", &v1);
		incident_event_get_int(ev, "rpo", &v2);
		incident_event_get_int(ev, "detected_ms", &v3);
		buf_printf(b, _("declared %s of %s (%s): RTO %s, RPO %s, detected %s"),
		    strcmp(a, "drill") == 0 ? _("a drill") : _("an incident"), c, d,
		    duration_format(v1, d1, sizeof d1),
		    v2 > 0 ? duration_format(v2, d2, sizeof d2) : "-",
		    time_format_iso_ms(v3, t, sizeof t));
		break;
	case INCIDENT_EV_STEP_STARTED:
		buf_printf(b, _("step started: %s"), ev->payload);
		break;
	case INCIDENT_EV_STEP_DONE:
		if (*ev->payload != '\0')
			buf_printf(b, _("step done: %s"), ev->payload);
		else
			buf_adds(b, _("step done"));
		break;
	case INCIDENT_EV_STEP_SKIPPED:
		buf_printf(b, _("step skipped: %s"), ev->payload);
		break;
	case INCIDENT_EV_STEP_FAILED:
		buf_printf(b, _("step failed: %s"), ev->payload);
		break;
	case INCIDENT_EV_COMMAND_STARTED:
		buf_printf(b, _("command: %s"), ev->payload);
		break;
	case INCIDENT_EV_OUTPUT:
		if (verbose)
			buf_printf(b, _("output:\n%s"), ev->payload);
		else
			buf_printf(b, _("output (%zu bytes)"), strlen(ev->payload));
		break;
	case INCIDENT_EV_EXIT:
		a = incident_event_get_or(ev, "status", dflt);
		if (!verbose) {
			buf_printf(b, _("ended: %s"), a);
			break;
		}
		incident_event_get_int(ev, "cancelled", &v1);
		incident_event_get_int(ev, "output_bytes", &v3);
		incident_event_get_int(ev, "output_dropped", &v4);
		buf_printf(b, _("ended: %s%s, %" PRId64 " bytes of output%s"), a,
		    v1 ? _(" (cancelled)") : "", v3, v4 > 0 ? _(", not all kept") : "");
		break;
	case INCIDENT_EV_CHECK_TICKED:
	case INCIDENT_EV_CHECK_UNTICKED:
		a = incident_event_get_or(ev, "item", "");
		incident_event_get_int(ev, "index", &v1);
		buf_printf(b, ev->kind == INCIDENT_EV_CHECK_TICKED ? _("ticked %" PRId64 ". %s") :
		    _("unticked %" PRId64 ". %s"), v1 + 1, a);
		break;
	case INCIDENT_EV_DECISION:
		a = incident_event_get_or(ev, "question", "");
		c = incident_event_get_or(ev, "answer", "");
		d = incident_event_get_or(ev, "next", "");
		if (verbose && *d != '\0')
			buf_printf(b, _("decision: %s -> %s (next: %s)"), a, c, d);
		else
			buf_printf(b, _("decision: %s -> %s"), a, c);
		break;
	case INCIDENT_EV_PROMPT_ANSWER:
		a = incident_event_get_or(ev, "question", "");
		c = incident_event_get_or(ev, "answer", "");
		d = incident_event_get_or(ev, "question_id", "");
		if (verbose)
			buf_printf(b, _("answer: %s [%s] = %s"), a, d, c);
		else
			buf_printf(b, _("answer: %s = %s"), a, c);
		break;
	case INCIDENT_EV_NOTE:
		buf_printf(b, _("note: %s"), ev->payload);
		break;
	case INCIDENT_EV_CLOCK:
		if ((clock = incident_clock_name(ev->payload)) != NULL)
			buf_adds(b, clock);
		else if (verbose)
			buf_printf(b, _("clock: %s"), ev->payload);
		else
			buf_adds(b, ev->payload);
		break;
	case INCIDENT_EV_CURSOR:
		buf_adds(b, verbose ? _("current step") : _("moved to the step"));
		break;
	case INCIDENT_EV_RESUMED:
		buf_adds(b, _("resumed"));
		break;
	case INCIDENT_EV_CLOSED:
		buf_printf(b, _("closed: %s"), ev->payload);
		break;
	case INCIDENT_EV_ABANDONED:
		buf_printf(b, _("abandoned (opened by mistake): %s"), ev->payload);
		break;
	case INCIDENT_EV_RESTORED:
		a = incident_event_get_or(ev, "set", "?");
		buf_printf(b, _("restored backup %s"), a);
		/* incidents show: the whole record (time, file installed, SHA-256) below. */
		if (verbose)
			buf_printf(b, "\n%s", ev->payload);
		break;
	case INCIDENT_EV_RUN_CLAIMED:
		a = incident_event_get_or(ev, "run", "?");
		c = incident_event_get_or(ev, "host", "?");
		d = incident_event_get_or(ev, "client", "");
		incident_event_get_int(ev, "pid", &v1);
		if (verbose)
			buf_printf(b, _("run %s claimed: pid %" PRId64 " on %s, client %s"), a,
			    v1, c, *d != '\0' ? d : "-");
		else
			buf_printf(b, _("run %s claimed"), a);
		break;
	default:
		buf_printf(b, "%s: %s", ev->kind_name, ev->payload);
		break;
	}
	free(a);
	free(c);
	free(d);
}

/* The hash an event should have, from its own fields (incident_hash), into out. */
static void
incident_event_rehash(const char *id, const struct incident_event *ev, char *out)
{
	struct incident_hashin	h;

	h.prev = ev->prev_hash;
	h.id = id;
	h.seq = ev->seq;
	h.time_ms = ev->time_ms;
	h.operator = ev->operator;
	h.client = ev->client;
	h.step = ev->step;
	h.kind = ev->kind_name;
	h.payload = ev->payload;
	h.payload_len = strlen(ev->payload);
	h.run = ev->run;
	incident_hash(&h, out);
}

/* Insert the incident row of id from its "declared" event's payload. */
static int
incident_import_row(struct incident_store *st, const char *id, const struct incident_event *ev,
    char **cause)
{
	sqlite3_stmt	*s = NULL;
	char		*runbook, *title, *mode, *host;
	int64_t		 detected = 0, rto = 0, rpo = 0;
	int		 rc = 1;

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
	rc = -1;
	if (incident_prepare(st, "INSERT INTO incidents (id, runbook_id, runbook_title, mode, "
	    "declared_ms, detected_ms, rto, rpo, host, last_seq, last_hash) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)", &s, cause) != 0)
		goto out;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, runbook, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, mode, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, ev->time_ms);
	sqlite3_bind_int64(s, 6, detected);
	sqlite3_bind_int64(s, 7, rto);
	sqlite3_bind_int64(s, 8, rpo);
	sqlite3_bind_text(s, 9, host, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, incident_zero_hash, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		incident_db_error(st, _("cannot add the incident"), cause);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
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
	sqlite3_stmt	*s = NULL;
	int		 rc = -1;

	if (incident_prepare(st, "INSERT INTO events (incident_id, seq, time_ms, operator, "
	    "client, step, kind, payload, prev_hash, hash, run) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &s, cause) != 0)
		return (-1);
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, ev->seq);
	sqlite3_bind_int64(s, 3, ev->time_ms);
	sqlite3_bind_text(s, 4, ev->operator, -1, SQLITE_STATIC);
	if (ev->client != NULL)
		sqlite3_bind_text(s, 5, ev->client, -1, SQLITE_STATIC);
	if (ev->step != NULL)
		sqlite3_bind_text(s, 6, ev->step, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, ev->kind_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, ev->payload, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, ev->prev_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, ev->hash, -1, SQLITE_STATIC);
	if (ev->run != NULL)
		sqlite3_bind_text(s, 11, ev->run, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		incident_db_error(st, _("cannot add an event"), cause);
		goto out;
	}
	sqlite3_finalize(s);
	if (incident_prepare(st, strcmp(ev->kind_name, "closed") == 0 ?
	    "UPDATE incidents SET last_seq = ?1, last_hash = ?2, closed_ms = ?3 WHERE id = ?4" :
	    "UPDATE incidents SET last_seq = ?1, last_hash = ?2 WHERE id = ?4", &s, cause) != 0)
		return (-1);
	sqlite3_bind_int64(s, 1, ev->seq);
	sqlite3_bind_text(s, 2, ev->hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, ev->time_ms);
	sqlite3_bind_text(s, 4, id, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE) {
		incident_db_error(st, _("cannot update the incident"), cause);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return (rc);
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

/* Whether an event's hash is the hash of its own fields (incident.h). */
bool
incident_event_hash_ok(const char *id, const struct incident_event *ev)
{
	char	want[INCIDENT_HASH_HEX];

	incident_event_rehash(id, ev, want);
	return (strcmp(want, ev->hash) == 0);
}
