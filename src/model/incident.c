/* incident.c: the incident record (sqlite3): the event kinds, the store, its transactions. */
#include "system.h"

#include <sys/stat.h>

#include <pwd.h>
#include <unistd.h>
#include <utmpx.h>

#include <sqlite3.h>

#include "model/incident.h"
#include "model/incident-int.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/testhook.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* Wait this long for another process's write lock. */
#define INCIDENT_BUSY_MS 15000

/* The schema this version writes (PRAGMA user_version). */
#define INCIDENT_SCHEMA_VERSION 2

/* The first event's prev_hash. */
const char incident_zero_hash[] =
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

void		(*incident_appended_hook)(const char *);

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
	if (testhook_clock != NULL)
		return (testhook_clock());
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
int
incident_db_error(struct incident_store *st, const char *what, char **cause)
{
	*cause = xasprintf("%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
	return (-1);
}

/* Run SQL without results. */
int
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
int
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

/*
 * PRAGMA journal_mode = WAL, retried for up to INCIDENT_BUSY_MS: while another
 * run turns a new record into WAL, SQLite answers SQLITE_BUSY at once, without
 * calling the busy handler, so two runs starting on a fresh state_dir had one
 * of them fail with "database is locked". Returns -1 with *cause.
 */
static int
incident_wal(struct incident_store *st, char **cause)
{
	int64_t	deadline = time_mono_ms() + INCIDENT_BUSY_MS;
	int	rc;

	while ((rc = sqlite3_exec(st->db, "PRAGMA journal_mode = WAL", NULL, NULL,
	    NULL)) != SQLITE_OK) {
		if ((rc & 0xff) != SQLITE_BUSY || time_mono_ms() >= deadline) {
			*cause = xasprintf("%s: %s", st->path, sqlite3_errmsg(st->db));
			return (-1);
		}
		usleep(10 * 1000);
	}
	return (0);
}

/* Open (creating) STATE_DIR/incidents.db. */
int
incident_store_open(const char *state_dir, struct incident_store **stp, char **cause)
{
	struct incident_store	*st;
	struct stat		 lsb;
	char			*mkcause = NULL, *real;
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
	/*
	 * Never through a symbolic link put in its place: it would write the
	 * record elsewhere. state_dir itself may sit behind a link (resolved).
	 */
	real = fs_resolve_dir(st->path);
	rc = sqlite3_open_v2(real, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW, NULL);
	free(real);
	if (rc != SQLITE_OK) {
		if (lstat(st->path, &lsb) == 0 && S_ISLNK(lsb.st_mode))
			*cause = xasprintf(_("%s: a symbolic link; not followed"), st->path);
		else if (st->db != NULL)
			incident_db_error(st, _("cannot open"), cause);
		else
			*cause = xasprintf("%s: %s", st->path, sqlite3_errstr(rc));
		incident_store_close(st);
		return (-1);
	}
	sqlite3_busy_timeout(st->db, INCIDENT_BUSY_MS);
	sqlite3_extended_result_codes(st->db, 1);
	if (incident_wal(st, cause) != 0 ||
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
		/* Another run may have made the tables while this one waited. */
		if ((version = incident_user_version(st, cause)) == -1) {
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			incident_store_close(st);
			return (-1);
		}
		if ((version < INCIDENT_SCHEMA_VERSION && incident_exec(st, version == 1 ?
		    incident_schema_1to2 : incident_schema, cause) != 0) ||
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

/* How long appends wait for another writer (incident.h). */
void
incident_store_set_busy(struct incident_store *st, int ms)
{
	sqlite3_busy_timeout(st->db, ms < 0 ? INCIDENT_BUSY_MS : ms);
}

/* The database file's path. */
const char *
incident_store_path(const struct incident_store *st)
{
	return (st->path);
}

/* An append to id is durable: tell the hook, or, inside a shared transaction, at its commit. */
void
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

/* A column as a new string, or NULL for SQL NULL. */
char *
incident_col(sqlite3_stmt *s, int i)
{
	const unsigned char	*t;

	if ((t = sqlite3_column_text(s, i)) == NULL)
		return (NULL);
	return (xstrndup((const char *)t, (size_t)sqlite3_column_bytes(s, i)));
}

/* Copy a hash column into a fixed buffer (cut to 64 characters). */
void
incident_col_hash(sqlite3_stmt *s, int i, char *out)
{
	const unsigned char	*t = sqlite3_column_text(s, i);

	snprintf(out, INCIDENT_HASH_HEX, "%s", t != NULL ? (const char *)t : "");
}

/* Undo an open transaction after an error (keeps the first cause). */
void
incident_rollback(struct incident_store *st)
{
	if (st->in_tx)
		return;
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Begin a write transaction (waits for other writers up to the busy timeout). */
int
incident_begin(struct incident_store *st, char **cause)
{
	if (st->in_tx)
		return (0);
	return (incident_exec(st, "BEGIN IMMEDIATE", cause));
}

/* Commit; on failure roll back. */
int
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
