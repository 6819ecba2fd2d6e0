/* test-incident.c: unit tests of the incident record (src/model/incident*.c). */
#include "system.h"

#include <check.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "model/incident.h"
#include "util/json.h"
#include "util/str.h"
#include "util/xmalloc.h"
#include "testlib.h"

static char	*state_dir;

/* A fresh state folder (not yet created: the store creates it) per test. */
static void
setup(void)
{
	state_dir = testlib_state_setup("incident-test");
}

/* Remove the test's folder. */
static void
teardown(void)
{
	testlib_tmp_remove();
	free(state_dir);
}

/* Declare a drill of runbook rb, failing the test on error. */
static char *
declare(struct incident_store *st, const char *rb, enum incident_mode mode)
{
	struct incident_decl	 d = { .runbook_id = rb, .runbook_title = "Database corruption",
	    .mode = mode, .rto = 1800, .rpo = 3600 };
	char			*id = NULL, *cause = NULL;

	ck_assert_msg(incident_declare(st, &d, &id, &cause) == 0, "%s", cause);
	return (id);
}

/* Run raw SQL on the store's file, as someone tampering with it would. */
static void
tamper(const char *sql)
{
	sqlite3	*db;
	char	*path = str_join_path(state_dir, "incidents.db"), *err = NULL;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(db, "DROP TRIGGER IF EXISTS events_no_update;"
	    "DROP TRIGGER IF EXISTS events_no_delete;", NULL, NULL, &err) == SQLITE_OK, "%s", err);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK, "%s: %s", sql, err);
	sqlite3_close(db);
	free(path);
}

/* An incident with ten events: declared plus nine. */
static char *
ten_events(struct incident_store *st)
{
	char	*id = declare(st, "database-corruption", INCIDENT_MODE_DRILL);
	int	 i;
	char	 note[32];

	for (i = 2; i <= 10; i++) {
		snprintf(note, sizeof note, "note %d", i);
		testlib_append(st, id, "assess", INCIDENT_EV_NOTE, note);
	}
	return (id);
}

/* Verify and expect the first bad event to be seq, with why matching what. */
static void
expect_bad(struct incident_store *st, const char *id, int64_t seq, const char *what)
{
	struct incident_verify_result	 r;
	char				*cause = NULL;

	ck_assert_int_eq(incident_verify(st, id, &r, &cause), 1);
	ck_assert_int_eq(r.bad_seq, seq);
	ck_assert_ptr_nonnull(r.why);
	ck_assert_msg(strstr(r.why, what) != NULL, "why: %s", r.why);
	free(r.why);
}

START_TEST(test_declare_append_reload_verify)
{
	struct incident_store		*st = testlib_store(state_dir);
	struct incident_verify_result	 r;
	struct incident_event		*evs, ev;
	struct incident			 inc;
	struct stat			 sb;
	char				*id, *cause = NULL, *s;
	size_t				 n;
	int64_t				 v;

	ck_assert_int_eq(stat(state_dir, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0700);
	setenv("SUDO_USER", "alice", 1);
	setenv("SSH_CONNECTION", "192.0.2.7 50022 192.0.2.1 22", 1);
	id = declare(st, "database-corruption", INCIDENT_MODE_DRILL);
	ck_assert_msg(strncmp(id, "DRILL-", 6) == 0, "%s", id);
	ck_assert_msg(str_has_suffix(id, "-database-corruption"), "%s", id);

	testlib_append(st, id, "assess", INCIDENT_EV_STEP_STARTED, "Assess the damage");
	testlib_append(st, id, "assess", INCIDENT_EV_COMMAND_STARTED, "patronus-dr assess");
	ck_assert_int_eq(incident_append_output(st, id, "assess", "ok\n", 3, &cause), 1);
	ck_assert_int_eq(incident_append_exit(st, id, "assess", "exit 0", 0, 0, false, 3, 0,
	    NULL, &cause), 0);
	ck_assert_int_eq(incident_append_check(st, id, "stop", true, 1,
	    "Stop \"patronus\"\nservice", NULL, &cause), 0);
	ck_assert_int_eq(incident_append_decision(st, id, "choose", "Which backup?",
	    "hourly", "restore-db", &ev, &cause), 0);
	ck_assert_int_eq(ev.seq, 7);
	ck_assert_str_eq(ev.kind_name, "decision");
	ck_assert_str_eq(ev.operator, "alice");
	ck_assert_str_eq(ev.client, "192.0.2.7");
	incident_event_clear(&ev);
	ck_assert_int_eq(incident_append_answer(st, id, "ask", "ticket", "Ticket number?",
	    "OPS-42", NULL, &cause), 0);
	testlib_append(st, id, "assess", INCIDENT_EV_STEP_SKIPPED, "not needed in a drill");
	testlib_append(st, id, NULL, INCIDENT_EV_NOTE, "called the vendor");
	testlib_append(st, id, NULL, INCIDENT_EV_CLOCK, "rto-75");
	testlib_append(st, id, "restore-db", INCIDENT_EV_CURSOR, NULL);
	incident_store_close(st);

	/* Reopened by another "process": everything is there, in order. */
	st = testlib_store(state_dir);
	ck_assert_int_eq(incident_find_open(st, &inc, &cause), 1);
	ck_assert_str_eq(inc.id, id);
	ck_assert_int_eq(inc.mode, INCIDENT_MODE_DRILL);
	ck_assert_str_eq(inc.runbook_title, "Database corruption");
	ck_assert_int_eq(inc.rto, 1800);
	ck_assert_int_eq(inc.rpo, 3600);
	ck_assert_int_eq(inc.closed_ms, 0);
	ck_assert_int_eq(inc.last_seq, 12);
	ck_assert_int_eq(inc.detected_ms, inc.declared_ms);
	incident_clear(&inc);

	ck_assert_int_eq(incident_events(st, id, 0, &evs, &n, &cause), 0);
	ck_assert_uint_eq(n, 12);
	ck_assert_int_eq(evs[0].kind, INCIDENT_EV_DECLARED);
	ck_assert_str_eq(evs[0].prev_hash, "000000000000000000000000000000000000000000000000"
	    "0000000000000000");
	ck_assert_ptr_null(evs[0].step);
	ck_assert_int_eq(incident_event_get_int(&evs[0], "rto", &v), 0);
	ck_assert_int_eq(v, 1800);
	s = incident_event_get(&evs[0], "mode");
	ck_assert_str_eq(s, "drill");
	free(s);
	ck_assert_int_eq(evs[3].kind, INCIDENT_EV_OUTPUT);
	ck_assert_str_eq(evs[3].payload, "ok\n");
	ck_assert_int_eq(incident_event_get_int(&evs[4], "code", &v), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(incident_event_get_int(&evs[4], "cancelled", &v), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(evs[5].kind, INCIDENT_EV_CHECK_TICKED);
	s = incident_event_get(&evs[5], "item");
	ck_assert_str_eq(s, "Stop \"patronus\"\nservice");
	free(s);
	ck_assert_int_eq(incident_event_get_int(&evs[5], "index", &v), 0);
	ck_assert_int_eq(v, 1);
	s = incident_event_get(&evs[6], "next");
	ck_assert_str_eq(s, "restore-db");
	free(s);
	s = incident_event_get(&evs[7], "answer");
	ck_assert_str_eq(s, "OPS-42");
	free(s);
	ck_assert_str_eq(evs[8].payload, "not needed in a drill");
	ck_assert_str_eq(evs[11].kind_name, "cursor");
	ck_assert_str_eq(evs[11].step, "restore-db");
	ck_assert_str_eq(evs[11].payload, "");
	for (n = 1; n < 12; n++) {
		ck_assert_int_eq(evs[n].seq, (int64_t)n + 1);
		ck_assert_str_eq(evs[n].prev_hash, evs[n - 1].hash);
		ck_assert_int_ge(evs[n].time_ms, evs[0].time_ms);
	}
	incident_events_free(evs, 12);

	/* Polling for what is new since seq 10. */
	ck_assert_int_eq(incident_events(st, id, 10, &evs, &n, &cause), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(evs[0].seq, 11);
	incident_events_free(evs, n);
	ck_assert_int_eq(incident_events(st, id, 12, &evs, &n, &cause), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(evs);

	ck_assert_int_eq(incident_verify(st, id, &r, &cause), 0);
	ck_assert_int_eq(r.events, 12);
	ck_assert_int_eq(r.bad_seq, 0);

	/* Closing: no open incident left, no more appends, still verifies. */
	ck_assert_int_eq(incident_close(st, id, "drill complete", NULL, &cause), 0);
	ck_assert_int_eq(incident_find_open(st, &inc, &cause), 0);
	ck_assert_int_eq(incident_append(st, id, NULL, INCIDENT_EV_NOTE, "late", NULL, &cause),
	    -1);
	ck_assert_ptr_nonnull(strstr(cause, "is closed"));
	free(cause);
	cause = NULL;
	ck_assert_int_eq(incident_close(st, id, NULL, NULL, &cause), -1);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(incident_get(st, id, &inc, &cause), 1);
	ck_assert_int_gt(inc.closed_ms, 0);
	ck_assert_int_eq(inc.last_seq, 13);
	incident_clear(&inc);
	ck_assert_int_eq(incident_verify(st, id, &r, &cause), 0);
	ck_assert_int_eq(r.events, 13);

	/* Unknown incidents. */
	ck_assert_int_eq(incident_get(st, "INC-nope", &inc, &cause), 0);
	ck_assert_int_eq(incident_append(st, "INC-nope", NULL, INCIDENT_EV_NOTE, "x", NULL,
	    &cause), -1);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(incident_verify(st, "INC-nope", &r, &cause), -1);
	free(cause);
	free(id);
	incident_store_close(st);
}
END_TEST

START_TEST(test_ids_and_list)
{
	struct incident_store	*st = testlib_store(state_dir);
	struct incident		*l, inc;
	struct incident_decl	 d = { .runbook_id = "db corrupt/../x", .runbook_title = "T",
	    .mode = INCIDENT_MODE_INCIDENT, .detected_ms = 1000, .rto = 60 };
	char			*a, *b, *c, *cause = NULL;
	size_t			 n;

	a = declare(st, "site-loss", INCIDENT_MODE_INCIDENT);
	b = declare(st, "site-loss", INCIDENT_MODE_INCIDENT);
	ck_assert_msg(strncmp(a, "INC-", 4) == 0, "%s", a);
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(incident_declare(st, &d, &c, &cause), 0);
	ck_assert_msg(strchr(c, '/') == NULL && strchr(c, ' ') == NULL, "%s", c);
	ck_assert_int_eq(incident_get(st, c, &inc, &cause), 1);
	ck_assert_int_eq(inc.detected_ms, 1000);
	incident_clear(&inc);

	ck_assert_int_eq(incident_list(st, &l, &n, &cause), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(l[0].id, c);	/* newest first */
	ck_assert_str_eq(l[2].id, a);
	incident_list_free(l, n);
	/* The most recent open one. */
	ck_assert_int_eq(incident_close(st, c, NULL, NULL, &cause), 0);
	ck_assert_int_eq(incident_find_open(st, &inc, &cause), 1);
	ck_assert_str_eq(inc.id, b);
	incident_clear(&inc);
	free(c);
	d.runbook_id = "";
	ck_assert_int_eq(incident_declare(st, &d, &c, &cause), -1);
	free(cause);
	free(a);
	free(b);
	incident_store_close(st);
	/* A store that cannot be created is named. */
	{
		struct incident_store	*bad;

		cause = NULL;
		ck_assert_int_eq(incident_store_open("/proc/pdr-no/state", &bad, &cause), -1);
		ck_assert_ptr_nonnull(strstr(cause, "/proc/pdr-no"));
		free(cause);
	}
}
END_TEST

START_TEST(test_append_only_triggers)
{
	struct incident_store	*st = testlib_store(state_dir);
	sqlite3			*db;
	char			*id = ten_events(st), *err = NULL;

	ck_assert_int_eq(sqlite3_open(incident_store_path(st), &db), SQLITE_OK);
	ck_assert_int_ne(sqlite3_exec(db, "UPDATE events SET payload = 'x'", NULL, NULL, &err),
	    SQLITE_OK);
	ck_assert_ptr_nonnull(strstr(err, "append-only"));
	sqlite3_free(err);
	ck_assert_int_ne(sqlite3_exec(db, "DELETE FROM events", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	free(id);
	incident_store_close(st);
}
END_TEST

START_TEST(test_tamper_payload)
{
	struct incident_store	*st = testlib_store(state_dir);
	char			*id = ten_events(st), *sql;

	sql = xasprintf("UPDATE events SET payload = 'note X' WHERE incident_id = '%s' "
	    "AND seq = 6", id);
	tamper(sql);
	expect_bad(st, id, 6, "event 6 was changed");
	free(sql);
	free(id);
	incident_store_close(st);
}
END_TEST

START_TEST(test_tamper_operator_and_time)
{
	struct incident_store	*st = testlib_store(state_dir);
	char			*id = ten_events(st), *sql;

	sql = xasprintf("UPDATE events SET time_ms = time_ms + 1 WHERE incident_id = '%s' "
	    "AND seq = 9", id);
	tamper(sql);
	expect_bad(st, id, 9, "changed");
	free(sql);
	free(id);
	incident_store_close(st);
}
END_TEST

START_TEST(test_tamper_delete)
{
	struct incident_store	*st = testlib_store(state_dir);
	char			*id = ten_events(st), *sql;

	sql = xasprintf("DELETE FROM events WHERE incident_id = '%s' AND seq = 4", id);
	tamper(sql);
	expect_bad(st, id, 4, "event 4 is missing");
	free(sql);
	free(id);
	incident_store_close(st);
}
END_TEST

START_TEST(test_tamper_delete_last)
{
	struct incident_store	*st = testlib_store(state_dir);
	char			*id = ten_events(st), *sql;

	sql = xasprintf("DELETE FROM events WHERE incident_id = '%s' AND seq = 10", id);
	tamper(sql);
	expect_bad(st, id, 10, "event 10 is missing");
	free(sql);
	free(id);
	incident_store_close(st);
}
END_TEST

START_TEST(test_tamper_reorder)
{
	struct incident_store	*st = testlib_store(state_dir);
	char			*id = ten_events(st), *sql;

	sql = xasprintf("UPDATE events SET seq = -1 WHERE incident_id = '%1$s' AND seq = 3;"
	    "UPDATE events SET seq = 3 WHERE incident_id = '%1$s' AND seq = 5;"
	    "UPDATE events SET seq = 5 WHERE incident_id = '%1$s' AND seq = -1;", id);
	tamper(sql);
	expect_bad(st, id, 3, "event 3 does not follow event 2");
	free(sql);
	free(id);
	incident_store_close(st);
}
END_TEST

START_TEST(test_tamper_rehash_one)
{
	struct incident_store	*st = testlib_store(state_dir);
	struct incident_event	*evs;
	char			*id = ten_events(st), *sql, *cause = NULL;
	size_t			 n;

	/* Replacing event 5 by event 6 (hash and all): event 5 no longer follows 4. */
	ck_assert_int_eq(incident_events(st, id, 0, &evs, &n, &cause), 0);
	sql = xasprintf("UPDATE events SET payload = '%s', hash = '%s', prev_hash = '%s' "
	    "WHERE incident_id = '%s' AND seq = 5", evs[5].payload, evs[5].hash,
	    evs[5].prev_hash, id);
	tamper(sql);
	expect_bad(st, id, 5, "does not follow event 4");
	incident_events_free(evs, n);
	free(sql);
	free(id);
	incident_store_close(st);
}
END_TEST

START_TEST(test_output_bounded)
{
	struct incident_store	*st = testlib_store(state_dir);
	struct incident_event	*evs;
	char			*id = declare(st, "x", INCIDENT_MODE_DRILL), *chunk, *cause = NULL;
	size_t			 n, i, total;
	struct incident_verify_result r;

	chunk = xmalloc(30000);
	memset(chunk, 'a', 30000);
	chunk[10] = '\0';		/* a NUL byte is kept as U+FFFD */
	testlib_append(st, id, "s1", INCIDENT_EV_COMMAND_STARTED, "yes");
	ck_assert_int_eq(incident_append_output(st, id, "s1", chunk, 30000, &cause), 1);
	ck_assert_int_eq(incident_append_output(st, id, "s1", chunk + 1, 29999, &cause), 1);
	ck_assert_int_eq(incident_append_output(st, id, "s1", chunk + 1, 29999, &cause), 1);
	ck_assert_int_eq(incident_append_output(st, id, "s1", chunk + 1, 29999, &cause), 0);
	/* Another step has its own allowance. */
	ck_assert_int_eq(incident_append_output(st, id, "s2", chunk + 1, 100, &cause), 1);
	ck_assert_int_eq(incident_events(st, id, 0, &evs, &n, &cause), 0);
	ck_assert_uint_eq(n, 6);
	for (total = 0, i = 2; i < 5; i++) {
		ck_assert_int_eq(evs[i].kind, INCIDENT_EV_OUTPUT);
		total += strlen(evs[i].payload);
	}
	ck_assert_uint_eq(total, INCIDENT_OUTPUT_MAX);
	ck_assert(memcmp(evs[2].payload + 10, "\xef\xbf\xbd", 3) == 0);
	incident_events_free(evs, n);
	/* A new run of the step starts a new allowance. */
	testlib_append(st, id, "s1", INCIDENT_EV_COMMAND_STARTED, "yes");
	ck_assert_int_eq(incident_append_output(st, id, "s1", chunk + 1, 100, &cause), 1);
	ck_assert_int_eq(incident_verify(st, id, &r, &cause), 0);
	free(chunk);
	free(id);
	incident_store_close(st);
}
END_TEST

/* In a child process: open the store and append count notes; exit 0 when all went in. */
static void
appender(const char *id, int count, const char *who)
{
	struct incident_store	*st;
	char			*cause = NULL, note[64];
	int			 i;

	if (incident_store_open(state_dir, &st, &cause) != 0)
		_exit(2);
	setenv("USER", who, 1);
	for (i = 0; i < count; i++) {
		snprintf(note, sizeof note, "%s %d", who, i);
		if (incident_append(st, id, NULL, INCIDENT_EV_NOTE, note, NULL, &cause) != 0) {
			fprintf(stderr, "%s\n", cause);
			_exit(3);
		}
	}
	incident_store_close(st);
	_exit(0);
}

START_TEST(test_concurrent_appends)
{
	struct incident_store		*st = testlib_store(state_dir);
	struct incident_verify_result	 r;
	struct incident_event		*evs;
	char				*id = declare(st, "x", INCIDENT_MODE_INCIDENT), *cause = NULL;
	pid_t				 a, b;
	int				 sa, sb, na = 0, nb = 0;
	size_t				 n, i;

	incident_store_close(st);
	if ((a = fork()) == 0)
		appender(id, 200, "alpha");
	if ((b = fork()) == 0)
		appender(id, 200, "beta");
	ck_assert_int_eq(waitpid(a, &sa, 0), a);
	ck_assert_int_eq(waitpid(b, &sb, 0), b);
	ck_assert(WIFEXITED(sa) && WEXITSTATUS(sa) == 0);
	ck_assert(WIFEXITED(sb) && WEXITSTATUS(sb) == 0);

	st = testlib_store(state_dir);
	ck_assert_int_eq(incident_verify(st, id, &r, &cause), 0);
	ck_assert_int_eq(r.events, 401);
	ck_assert_int_eq(incident_events(st, id, 0, &evs, &n, &cause), 0);
	ck_assert_uint_eq(n, 401);
	for (i = 1; i < n; i++) {
		ck_assert_int_eq(evs[i].seq, (int64_t)i + 1);
		if (strcmp(evs[i].operator, "alpha") == 0)
			na++;
		else if (strcmp(evs[i].operator, "beta") == 0)
			nb++;
	}
	ck_assert_int_eq(na, 200);
	ck_assert_int_eq(nb, 200);
	incident_events_free(evs, n);
	free(id);
	incident_store_close(st);
}
END_TEST

START_TEST(test_json)
{
	struct buf	 b;
	char		*s;
	int64_t		 v;
	const char	*obj = "{ \"a\" : {\"x\": [1, \"}\"]}, \"s\": \"q\\\"\\\\\\n\\u00e9\\ud83d\\ude00\","
	    " \"n\": -42, \"t\": true, \"f\": false, \"z\": null }";

	buf_init(&b);
	json_add_stringn(&b, "a\"b\\c\n\t\x01\x7f\0é", 12);
	ck_assert_str_eq(b.data, "\"a\\\"b\\\\c\\n\\t\\u0001\\u007f\\u0000é\"");
	buf_reset(&b);
	json_add_string(&b, NULL);
	ck_assert_str_eq(b.data, "null");
	buf_clear(&b);

	s = json_get_string(obj, "s");
	ck_assert_str_eq(s, "q\"\\\n\xc3\xa9\xf0\x9f\x98\x80");
	free(s);
	ck_assert_ptr_null(json_get_string(obj, "x"));	/* only top-level members */
	ck_assert_ptr_null(json_get_string(obj, "n"));	/* not a string */
	ck_assert_ptr_null(json_get_string("[1]", "n"));
	ck_assert_ptr_null(json_get_string("{\"s\": \"unterminated", "s"));
	ck_assert_int_eq(json_get_int(obj, "n", &v), 0);
	ck_assert_int_eq(v, -42);
	ck_assert_int_eq(json_get_int(obj, "t", &v), 0);
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(json_get_int(obj, "f", &v), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(json_get_int(obj, "z", &v), -1);
	ck_assert_int_eq(json_get_int(obj, "missing", &v), -1);
}
END_TEST

START_TEST(test_kind_names)
{
	int	i;

	for (i = 1; i < INCIDENT_EV__COUNT; i++)
		ck_assert_int_eq(incident_ev_from_name(incident_ev_name((enum incident_ev)i)), i);
	ck_assert_int_eq(incident_ev_from_name("bogus"), INCIDENT_EV_UNKNOWN);
	ck_assert_ptr_null(incident_ev_name(INCIDENT_EV_UNKNOWN));
	ck_assert_str_eq(incident_mode_name(INCIDENT_MODE_DRILL), "drill");
	unsetenv("SUDO_USER");
	setenv("USER", "bob", 1);
	{
		char	*o = incident_operator();

		ck_assert_str_eq(o, "bob");
		free(o);
		ck_assert_ptr_null(incident_client());
	}
}
END_TEST

/*
 * A copy of an incident's events (as an off-site journal keeps them) goes
 * into another store whole: in parts, with the same hashes, runs, head and
 * closed time; again it adds nothing; a changed copy is refused and leaves
 * nothing behind.
 */
START_TEST(test_import_copy)
{
	struct incident_store		*a = testlib_store(state_dir), *b, *c;
	struct incident_event		*evs = NULL, *got = NULL;
	struct incident			 ia, ib;
	struct incident_verify_result	 r;
	char				*id, *cause = NULL, *saved;
	char				*bdir = str_join_path(state_dir, "copy");
	char				*cdir = str_join_path(state_dir, "changed");
	size_t				 n, ngot, i;
	int64_t				 added;

	id = ten_events(a);
	incident_store_set_run(a, "run-1");
	testlib_append(a, id, "assess", INCIDENT_EV_NOTE, "with a run");
	incident_store_set_run(a, NULL);
	ck_assert_int_eq(incident_close(a, id, "drill complete", NULL, &cause), 0);
	ck_assert_int_eq(incident_events(a, id, 0, &evs, &n, &cause), 0);
	ck_assert_uint_eq(n, 12);

	b = testlib_store(bdir);
	ck_assert_msg(incident_import(b, id, evs, 5, &added, &cause) == 0, "%s", cause);
	ck_assert_int_eq(added, 5);
	ck_assert_int_eq(incident_get(b, id, &ib, &cause), 1);
	ck_assert_int_eq(ib.last_seq, 5);
	ck_assert_int_eq(ib.closed_ms, 0);
	incident_clear(&ib);
	ck_assert_msg(incident_import(b, id, evs, n, &added, &cause) == 0, "%s", cause);
	ck_assert_int_eq(added, 7);
	ck_assert_int_eq(incident_get(a, id, &ia, &cause), 1);
	ck_assert_int_eq(incident_get(b, id, &ib, &cause), 1);
	ck_assert_int_eq(ib.last_seq, 12);
	ck_assert_int_gt(ia.closed_ms, 0);
	ck_assert_int_eq(ib.closed_ms, ia.closed_ms);
	/* the copy has the declared event's time (the store's row: a moment before it) */
	ck_assert_int_eq(ib.declared_ms, evs[0].time_ms);
	ck_assert_int_le(ia.declared_ms, evs[0].time_ms);
	ck_assert_int_eq(ib.detected_ms, ia.detected_ms);
	ck_assert_int_eq(ib.rto, ia.rto);
	ck_assert_str_eq(ib.host, ia.host);
	ck_assert_str_eq(ib.runbook_id, ia.runbook_id);
	incident_clear(&ia);
	incident_clear(&ib);
	ck_assert_int_eq(incident_verify(b, id, &r, &cause), 0);
	ck_assert_int_eq(r.events, 12);
	ck_assert_int_eq(incident_events(b, id, 0, &got, &ngot, &cause), 0);
	ck_assert_uint_eq(ngot, n);
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(got[i].hash, evs[i].hash);
		ck_assert_str_eq(got[i].payload, evs[i].payload);
		ck_assert_int_eq(got[i].time_ms, evs[i].time_ms);
		ck_assert(incident_event_hash_ok(id, &got[i]));
	}
	ck_assert_str_eq(got[10].run, "run-1");
	ck_assert_ptr_null(got[9].run);
	incident_events_free(got, ngot);
	ck_assert_int_eq(incident_import(b, id, evs, n, &added, &cause), 0);
	ck_assert_int_eq(added, 0);

	saved = evs[7].payload;
	evs[7].payload = xstrdup("changed");
	c = testlib_store(cdir);
	ck_assert_int_eq(incident_import(c, id, evs, n, &added, &cause), 1);
	ck_assert_ptr_nonnull(strstr(cause, "does not match its hash"));
	free(cause);
	cause = NULL;
	ck_assert_int_eq(incident_get(c, id, &ib, &cause), 0);
	free(evs[7].payload);
	evs[7].payload = saved;

	incident_events_free(evs, n);
	incident_store_close(a);
	incident_store_close(b);
	incident_store_close(c);
	free(id);
	free(bdir);
	free(cdir);
}
END_TEST

/*
 * An abandoned incident's copy is closed in the store it goes into, as in the
 * store it came from: "abandoned" closes an incident as "closed" does.
 */
START_TEST(test_import_abandoned)
{
	struct incident_store	*a = testlib_store(state_dir), *b;
	struct incident_event	*evs = NULL;
	struct incident		 ia, ib;
	char			*id, *cause = NULL, *bdir = str_join_path(state_dir, "copy");
	size_t			 n;
	int64_t			 added;

	id = declare(a, "database-corruption", INCIDENT_MODE_INCIDENT);
	testlib_append(a, id, NULL, INCIDENT_EV_NOTE, "declared by mistake");
	ck_assert_int_eq(incident_abandon(a, id, "opened by mistake", NULL, &cause), 0);
	ck_assert_int_eq(incident_events(a, id, 0, &evs, &n, &cause), 0);
	ck_assert_uint_eq(n, 3);
	b = testlib_store(bdir);
	ck_assert_msg(incident_import(b, id, evs, n, &added, &cause) == 0, "%s", cause);
	ck_assert_int_eq(added, 3);
	ck_assert_int_eq(incident_get(a, id, &ia, &cause), 1);
	ck_assert_int_eq(incident_get(b, id, &ib, &cause), 1);
	ck_assert_int_gt(ia.closed_ms, 0);
	ck_assert_int_eq(ib.closed_ms, ia.closed_ms);
	incident_clear(&ia);
	incident_clear(&ib);
	ck_assert_int_eq(incident_find_open(b, &ib, &cause), 0);
	ck_assert_int_eq(incident_append(b, id, NULL, INCIDENT_EV_NOTE, "late", NULL, &cause),
	    -1);
	ck_assert_ptr_nonnull(strstr(cause, "is closed"));
	free(cause);
	incident_events_free(evs, n);
	incident_store_close(a);
	incident_store_close(b);
	free(id);
	free(bdir);
}
END_TEST

static Suite *
incident_suite(void)
{
	Suite	*s = suite_create("incident");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_declare_append_reload_verify);
	tcase_add_test(tc, test_ids_and_list);
	tcase_add_test(tc, test_append_only_triggers);
	tcase_add_test(tc, test_tamper_payload);
	tcase_add_test(tc, test_tamper_operator_and_time);
	tcase_add_test(tc, test_tamper_delete);
	tcase_add_test(tc, test_tamper_delete_last);
	tcase_add_test(tc, test_tamper_reorder);
	tcase_add_test(tc, test_tamper_rehash_one);
	tcase_add_test(tc, test_output_bounded);
	tcase_add_test(tc, test_concurrent_appends);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_kind_names);
	tcase_add_test(tc, test_import_copy);
	tcase_add_test(tc, test_import_abandoned);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (testlib_run(incident_suite(), NULL));
}
