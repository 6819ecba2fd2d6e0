/* test-run.c: unit tests of runs claimed and settled in the incident record (src/model/run.c). */
#include "system.h"

#include <sys/wait.h>
#include <check.h>
#include <unistd.h>

#include "model/incident.h"
#include "model/run.h"
#include "model/runbook.h"
#include "model/walk.h"
#include "util/json.h"
#include "util/proc.h"
#include "util/str.h"
#include "util/xmalloc.h"
#include "testlib.h"

static char			*state_dir;
static struct incident_store	*st;
static char			*id;

/* A fresh record with one open incident per test. */
static void
setup(void)
{
	struct incident_decl	 d = { .runbook_id = "w", .runbook_title = "W",
	    .mode = INCIDENT_MODE_DRILL, .rto = 1800 };
	char			*cause = NULL;

	state_dir = testlib_state_setup("run-test");
	st = testlib_store(state_dir);
	ck_assert_msg(incident_declare(st, &d, &id, &cause) == 0, "%s", cause);
}

/* Close the record and remove the test's folder. */
static void
teardown(void)
{
	incident_store_close(st);
	free(id);
	testlib_tmp_remove();
	free(state_dir);
}

/* Append a run-claimed event for step as another supervisor would, with its host and pid. */
static void
claim_as(const char *step, const char *run, const char *host, long pid)
{
	struct buf	 b;
	char		 boot[PROC_BOOT_ID_MAX], *cause = NULL;

	proc_boot_id(boot, sizeof boot);
	buf_init(&b);
	buf_adds(&b, "{\"run\":");
	json_add_string(&b, run);
	buf_adds(&b, ",\"command\":\"sleep 1\",\"client\":\"test\",\"host\":");
	json_add_string(&b, host);
	buf_adds(&b, ",\"boot\":");
	json_add_string(&b, boot);
	buf_printf(&b, ",\"pid\":%ld,\"start\":1}", pid);
	incident_store_set_run(st, run);
	ck_assert_msg(incident_append(st, id, step, INCIDENT_EV_RUN_CLAIMED, b.data, NULL,
	    &cause) == 0, "%s", cause);
	incident_store_set_run(st, NULL);
	buf_clear(&b);
}

/* A pid that is certainly gone: a child that has exited and been reaped. */
static long
dead_pid(void)
{
	pid_t	pid = fork();

	if (pid == 0)
		_exit(0);
	ck_assert_int_gt(pid, 0);
	waitpid(pid, NULL, 0);
	return ((long)pid);
}

/* The payload of the newest event of kind for step (caller frees), or NULL. */
static char *
newest(const char *step, enum incident_ev kind, char **run)
{
	struct incident_event	*evs;
	size_t			 n, i;
	char			*cause = NULL, *p = NULL;

	ck_assert_msg(incident_events(st, id, 0, &evs, &n, &cause) == 0, "%s", cause);
	for (i = n; i > 0 && p == NULL; i--)
		if (evs[i - 1].kind == kind && evs[i - 1].step != NULL &&
		    strcmp(evs[i - 1].step, step) == 0) {
			p = xstrdup(evs[i - 1].payload);
			if (run != NULL)
				*run = evs[i - 1].run != NULL ? xstrdup(evs[i - 1].run) : NULL;
		}
	incident_events_free(evs, n);
	return (p);
}

START_TEST(test_claim_live_refuses)
{
	struct run_claim		 h, *c;
	struct incident_verify_result	 vr;
	size_t				 n;
	char				*cause = NULL, *p, *run = NULL;

	/* this process claims: its pid lives, so a second claim is refused naming it */
	ck_assert_int_eq(run_claim(st, id, "r", "run1", "echo hi", "tty1", &h, &cause), 0);
	p = newest("r", INCIDENT_EV_COMMAND_STARTED, &run);
	ck_assert_str_eq(p, "echo hi");
	ck_assert_str_eq(run, "run1");
	free(p);
	free(run);
	ck_assert_int_eq(run_claim(st, id, "r", "run2", "echo hi", "tty2", &h, &cause), 1);
	ck_assert_str_eq(h.run, "run1");
	ck_assert_str_eq(h.client, "tty1");
	ck_assert_int_eq(h.pid, (int64_t)getpid());
	ck_assert_int_eq(run_life(&h), RUN_ALIVE);
	run_claim_clear(&h);
	/* another step is free */
	ck_assert_int_eq(run_claim(st, id, "other", "run3", "true", "", &h, &cause), 0);
	/* nothing to settle while the supervisor lives */
	ck_assert_int_eq(run_settle(st, id, NULL, &cause), 0);
	ck_assert_int_eq(run_open(st, id, NULL, &c, &n, &cause), 0);
	ck_assert_uint_eq(n, 2);
	run_claims_free(c, n);
	/* its exit closes it; the step can be claimed again */
	incident_store_set_run(st, "run1");
	ck_assert_int_eq(incident_append_exit(st, id, "r", "exit 0", 0, 0, false, 3, 0, NULL,
	    &cause), 0);
	incident_store_set_run(st, NULL);
	ck_assert_int_eq(run_open(st, id, "r", &c, &n, &cause), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(run_claim(st, id, "r", "run4", "echo hi", "", &h, &cause), 0);
	/* events that name a run are in the chain like any other */
	ck_assert_int_eq(incident_verify(st, id, &vr, &cause), 0);
}
END_TEST

START_TEST(test_gone_is_settled_unknown)
{
	struct run_claim	 h, *c;
	size_t			 n;
	char			 host[256], *cause = NULL, *p, *run = NULL;
	int64_t			 v;
	struct incident_event	 e;

	ck_assert_int_eq(gethostname(host, sizeof host), 0);
	claim_as("r", "gone1", host, dead_pid());
	incident_store_set_run(st, "gone1");
	ck_assert_int_eq(incident_append_output(st, id, "r", "12345", 5, &cause), 1);
	incident_store_set_run(st, NULL);
	ck_assert_int_eq(run_open(st, id, "r", &c, &n, &cause), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(run_life(&c[0]), RUN_GONE);
	ck_assert_uint_eq(c[0].output_bytes, 5);
	run_claims_free(c, n);
	ck_assert_int_eq(run_settle(st, id, NULL, &cause), 1);
	p = newest("r", INCIDENT_EV_EXIT, &run);
	ck_assert_str_eq(run, "gone1");
	memset(&e, 0, sizeof e);
	e.payload = p;
	ck_assert_int_eq(incident_event_get_int(&e, "unknown", &v), 0);
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(incident_event_get_int(&e, "output_bytes", &v), 0);
	ck_assert_int_eq(v, 5);
	ck_assert_ptr_nonnull(strstr(p, RUN_UNKNOWN_STATUS));
	ck_assert_ptr_null(strstr(p, "interrupted"));
	free(p);
	free(run);
	/* settled once: a second look writes nothing */
	ck_assert_int_eq(run_settle(st, id, NULL, &cause), 0);
	/* a gone run does not block a new claim: it is settled in the claim's transaction */
	claim_as("r", "gone2", host, dead_pid());
	ck_assert_int_eq(run_claim(st, id, "r", "new", "echo", "", &h, &cause), 0);
	p = newest("r", INCIDENT_EV_EXIT, &run);
	ck_assert_str_eq(run, "gone2");
	free(p);
	free(run);
}
END_TEST

START_TEST(test_elsewhere_and_unclaimed)
{
	struct run_claim	 h;
	char			*cause = NULL, *p;

	/* a run on another host cannot be checked: never settled, a claim is refused */
	claim_as("r", "far", "another-host.example", 1);
	ck_assert_int_eq(run_settle(st, id, NULL, &cause), 0);
	ck_assert_int_eq(run_claim(st, id, "r", "mine", "echo", "", &h, &cause), 1);
	ck_assert_int_eq(run_life(&h), RUN_ELSEWHERE);
	ck_assert_int_ne(run_cancel(&h, &cause), 0);
	free(cause);
	cause = NULL;
	run_claim_clear(&h);
	/* given up on the operator's word (that host is gone): outcome unknown, the step free */
	ck_assert_int_eq(run_abandon(st, id, "r", "far", &cause), 1);
	p = newest("r", INCIDENT_EV_EXIT, NULL);
	ck_assert_ptr_nonnull(strstr(p, RUN_UNKNOWN_STATUS));
	free(p);
	ck_assert_int_eq(run_abandon(st, id, "r", "far", &cause), 0);
	ck_assert_int_eq(run_claim(st, id, "r", "mine", "echo", "", &h, &cause), 0);
	/* a run of this host is never given up that way */
	ck_assert_int_eq(run_abandon(st, id, "r", "mine", &cause), 0);
	/* a command-started of an older version (no run): only c marks it interrupted */
	testlib_append(st, id, "old", INCIDENT_EV_COMMAND_STARTED, "echo old");
	testlib_append(st, id, "old", INCIDENT_EV_OUTPUT, "abc\n");
	ck_assert_int_eq(run_settle(st, id, "old", &cause), 0);
	ck_assert_int_eq(run_mark_interrupted(st, id, "old", &cause), 1);
	p = newest("old", INCIDENT_EV_EXIT, NULL);
	ck_assert_ptr_nonnull(strstr(p, "\"output_bytes\":4"));
	free(p);
	ck_assert_int_eq(run_mark_interrupted(st, id, "old", &cause), 0);
}
END_TEST

START_TEST(test_import_keeps_run)
{
	struct incident_store		*b;
	struct incident_event		*evs, *got;
	struct incident_verify_result	 vr;
	struct run_claim		 h;
	size_t				 n, ngot, i, named = 0;
	int64_t				 added;
	char				*dir, *cause = NULL;

	/* a record with events that name a run, copied elsewhere (an off-site journal's way) */
	ck_assert_int_eq(run_claim(st, id, "r", "runX", "echo hi", "tty", &h, &cause), 0);
	incident_store_set_run(st, "runX");
	ck_assert_int_eq(incident_append_output(st, id, "r", "hi\n", 3, &cause), 1);
	ck_assert_int_eq(incident_append_exit(st, id, "r", "exit 0", 0, 0, false, 3, 0, NULL,
	    &cause), 0);
	incident_store_set_run(st, NULL);
	ck_assert_int_eq(incident_events(st, id, 0, &evs, &n, &cause), 0);
	dir = xasprintf("%s/standby", testlib_dir);
	b = testlib_store(dir);
	ck_assert_msg(incident_import(b, id, evs, n, &added, &cause) == 0, "%s", cause);
	ck_assert_int_eq(added, (int64_t)n);
	ck_assert_int_eq(incident_verify(b, id, &vr, &cause), 0);
	ck_assert_int_eq(incident_events(b, id, 0, &got, &ngot, &cause), 0);
	ck_assert_uint_eq(ngot, n);
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(got[i].hash, evs[i].hash);
		if (got[i].run != NULL && strcmp(got[i].run, "runX") == 0)
			named++;
	}
	ck_assert_uint_eq(named, 4);	/* claimed, command-started, output, exit */
	/* a run id changed on the way is found */
	free(evs[n - 1].run);
	evs[n - 1].run = xstrdup("runY");
	incident_store_close(b);
	free(dir);
	dir = xasprintf("%s/standby2", testlib_dir);
	b = testlib_store(dir);
	ck_assert_int_ne(incident_import(b, id, evs, n, &added, &cause), 0);
	free(cause);
	incident_store_close(b);
	free(dir);
	incident_events_free(evs, n);
	incident_events_free(got, ngot);
}
END_TEST

START_TEST(test_close_waits_for_runs)
{
	struct run_claim	 h;
	struct incident		 inc;
	char			 host[256], *cause = NULL, *p;

	ck_assert_int_eq(gethostname(host, sizeof host), 0);
	ck_assert_int_eq(run_claim(st, id, "r", "live", "sleep 1", "", &h, &cause), 0);
	claim_as("s", "gone", host, dead_pid());
	/* a live run refuses the close, naming it; the gone one is not settled then either */
	ck_assert_int_eq(run_close(st, id, INCIDENT_EV_CLOSED, "resolved", &h, NULL, &cause), 1);
	ck_assert_str_eq(h.run, "live");
	run_claim_clear(&h);
	ck_assert_int_eq(incident_get(st, id, &inc, &cause), 1);
	ck_assert_int_eq(inc.closed_ms, 0);
	incident_clear(&inc);
	/* once it has ended, the close settles the gone one and closes */
	incident_store_set_run(st, "live");
	ck_assert_int_eq(incident_append_exit(st, id, "r", "exit 0", 0, 0, false, 0, 0, NULL,
	    &cause), 0);
	incident_store_set_run(st, NULL);
	ck_assert_msg(run_close(st, id, INCIDENT_EV_ABANDONED, "by mistake", &h, NULL, &cause) == 0,
	    "%s", cause);
	ck_assert_int_eq(incident_get(st, id, &inc, &cause), 1);
	ck_assert_int_ne(inc.closed_ms, 0);
	incident_clear(&inc);
	p = newest("s", INCIDENT_EV_EXIT, NULL);
	ck_assert_ptr_nonnull(strstr(p, RUN_UNKNOWN_STATUS));
	free(p);
}
END_TEST

/* Apply an event of kind for step in run to w. */
static void
wev(struct walk *w, int64_t seq, const char *step, const char *run, enum incident_ev kind,
    const char *payload)
{
	struct incident_event	e;

	memset(&e, 0, sizeof e);
	e.seq = seq;
	e.time_ms = 1000 * seq;
	e.operator = (char *)"alice";
	e.step = (char *)step;
	e.run = (char *)run;
	e.kind = kind;
	e.kind_name = (char *)incident_ev_name(kind);
	e.payload = (char *)payload;
	walk_apply(w, &e);
}

START_TEST(test_walk_never_merges)
{
	static const char	 text[] = "id: w\ntitle: W\nrto: 30m\nsteps:\n"
	    "  - id: r\n    title: R\n    run: echo hi\n";
	struct runbook		*rb;
	struct walk		 w;
	char			*errors = NULL;

	rb = runbook_load_buffer("w.yaml", text, strlen(text), &errors);
	ck_assert_ptr_nonnull(rb);
	walk_init(&w, rb);
	wev(&w, 1, "r", "A", INCIDENT_EV_RUN_CLAIMED, "{\"run\":\"A\",\"command\":\"echo hi\","
	    "\"host\":\"h\",\"boot\":\"b\",\"pid\":42,\"start\":7,\"client\":\"ssh 10.0.0.1\"}");
	wev(&w, 2, "r", "A", INCIDENT_EV_COMMAND_STARTED, "echo hi");
	wev(&w, 3, "r", "A", INCIDENT_EV_OUTPUT, "from A\n");
	ck_assert(w.steps[0].running);
	ck_assert_int_eq(w.steps[0].claim.pid, 42);
	ck_assert_str_eq(w.steps[0].claim.client, "ssh 10.0.0.1");
	ck_assert_str_eq(w.steps[0].output.data, "from A\n");
	/* a late event of another run changes nothing of A's */
	wev(&w, 4, "r", "B", INCIDENT_EV_OUTPUT, "from B\n");
	wev(&w, 5, "r", "B", INCIDENT_EV_EXIT, "{\"status\":\"exit 3\",\"code\":3}");
	ck_assert(w.steps[0].running);
	ck_assert_str_eq(w.steps[0].output.data, "from A\n");
	wev(&w, 6, "r", "A", INCIDENT_EV_EXIT, "{\"status\":\"exit 0\",\"code\":0}");
	ck_assert(!w.steps[0].running);
	ck_assert_str_eq(w.steps[0].status, "exit 0");
	ck_assert(w.steps[0].exit_ok);
	walk_clear(&w);
	runbook_free(rb);
}
END_TEST

/* The run suite. */
static Suite *
run_suite(void)
{
	Suite	*s = suite_create("run");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_claim_live_refuses);
	tcase_add_test(tc, test_gone_is_settled_unknown);
	tcase_add_test(tc, test_elsewhere_and_unclaimed);
	tcase_add_test(tc, test_walk_never_merges);
	tcase_add_test(tc, test_import_keeps_run);
	tcase_add_test(tc, test_close_waits_for_runs);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (testlib_run(run_suite(), NULL));
}
