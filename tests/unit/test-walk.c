/* test-walk.c: unit tests of the walk state rebuilt from the record's events (src/model/walk.c). */
#include "system.h"

#include <check.h>

#include "model/incident.h"
#include "model/runbook.h"
#include "model/walk.h"
#include "util/str.h"
#include "util/xmalloc.h"
#include "testlib.h"

static const char rb_text[] =
    "id: w\ntitle: W\nrto: 30m\nrpo: 15m\nsteps:\n"
    "  - id: c\n    title: C\n    checklist: [one, two]\n"
    "  - id: r\n    title: R\n    run: echo hi\n"
    "  - id: q\n    title: Q\n    decide:\n      question: ok?\n      answers:\n"
    "        - answer: yes\n        - answer: no\n          next: p\n"
    "  - id: x\n    title: X\n    run: echo x\n"
    "  - id: p\n    title: P\n    prompt:\n      - id: why\n        text: Why?\n";

static struct runbook	*rb;
static struct walk	 w;
static int64_t		 seq;

/* A fresh walk over the test runbook. */
static void
setup(void)
{
	char	*errors = NULL;

	rb = runbook_load_buffer("w.yaml", rb_text, strlen(rb_text), &errors);
	if (rb == NULL)
		ck_abort_msg("runbook: %s", errors);
	walk_init(&w, rb);
	seq = 0;
}

/* Free the walk and the runbook. */
static void
teardown(void)
{
	walk_clear(&w);
	runbook_free(rb);
}

/* Apply an event of kind for step with payload, as the record would hand it over. */
static void
ev(const char *step, enum incident_ev kind, const char *payload)
{
	struct incident_event	e;

	memset(&e, 0, sizeof e);
	e.seq = ++seq;
	e.time_ms = 1000 * seq;
	e.operator = (char *)"alice";
	e.step = (char *)step;
	e.kind = kind;
	e.kind_name = (char *)incident_ev_name(kind);
	e.payload = (char *)payload;
	walk_apply(&w, &e);
}

START_TEST(test_steps_and_ticks)
{
	ck_assert_int_eq(w.current, -1);
	ev("c", INCIDENT_EV_STEP_STARTED, "C");
	ck_assert_int_eq(w.current, 0);
	ck_assert(w.steps[0].visited);
	ck_assert_int_eq(w.steps[0].started_ms, 1000);
	ev("c", INCIDENT_EV_CHECK_TICKED, "{\"index\":1,\"item\":\"two\"}");
	ck_assert(!w.steps[0].ticks[0]);
	ck_assert(w.steps[0].ticks[1]);
	ck_assert_uint_eq(walk_ticked(&w, 0), 1);
	ev("c", INCIDENT_EV_CHECK_TICKED, "{\"index\":0,\"item\":\"one\"}");
	ev("c", INCIDENT_EV_CHECK_UNTICKED, "{\"index\":1,\"item\":\"two\"}");
	ck_assert(w.steps[0].ticks[0]);
	ck_assert(!w.steps[0].ticks[1]);
	/* an index out of range is ignored */
	ev("c", INCIDENT_EV_CHECK_TICKED, "{\"index\":7,\"item\":\"?\"}");
	ck_assert_uint_eq(walk_ticked(&w, 0), 1);
	ev("c", INCIDENT_EV_STEP_DONE, "");
	ck_assert_int_eq(w.steps[0].state, WALK_DONE);
	ck_assert_int_eq(walk_next(&w, 0), 1);
	ev("r", INCIDENT_EV_STEP_STARTED, "R");
	ck_assert_int_eq(w.current, 1);
	/* a cursor event back to a visited step keeps its start time */
	ev("c", INCIDENT_EV_CURSOR, "");
	ck_assert_int_eq(w.current, 0);
	ck_assert_int_eq(w.steps[0].started_ms, 1000);
	ck_assert_uint_eq(w.nevs, 8);
}
END_TEST

START_TEST(test_command_output_exit)
{
	ev("r", INCIDENT_EV_STEP_STARTED, "R");
	ev("r", INCIDENT_EV_COMMAND_STARTED, "echo hi");
	ck_assert(w.steps[1].running);
	ck_assert_int_eq(w.steps[1].state, WALK_RUNNING);
	ck_assert_str_eq(w.steps[1].command, "echo hi");
	ev("r", INCIDENT_EV_OUTPUT, "h");
	ev("r", INCIDENT_EV_OUTPUT, "i\n");
	ck_assert_str_eq(w.steps[1].output.data, "hi\n");
	ev("r", INCIDENT_EV_EXIT, "{\"status\":\"exit 3\",\"code\":3,\"signal\":0,"
	    "\"cancelled\":false,\"output_bytes\":3,\"output_dropped\":0}");
	ck_assert(!w.steps[1].running);
	ck_assert(!w.steps[1].exit_ok);
	ck_assert_int_eq(w.steps[1].state, WALK_FAILED);
	ck_assert_str_eq(w.steps[1].status, "exit 3");
	/* a second run starts with empty output; a cancel is named */
	ev("r", INCIDENT_EV_COMMAND_STARTED, "echo hi");
	ck_assert_uint_eq(w.steps[1].output.len, 0);
	ck_assert_ptr_null(w.steps[1].status);
	ev("r", INCIDENT_EV_EXIT, "{\"status\":\"signal 15 (Terminated)\",\"code\":-1,"
	    "\"signal\":15,\"cancelled\":true,\"output_bytes\":0,\"output_dropped\":0}");
	ck_assert_str_eq(w.steps[1].status, "cancelled, signal 15 (Terminated)");
	ck_assert_int_eq(w.steps[1].state, WALK_FAILED);
	ev("r", INCIDENT_EV_COMMAND_STARTED, "echo hi");
	ev("r", INCIDENT_EV_EXIT, "{\"status\":\"exit 0\",\"code\":0,\"signal\":0,"
	    "\"cancelled\":false,\"output_bytes\":0,\"output_dropped\":70000}");
	ck_assert(w.steps[1].exit_ok);
	ck_assert(w.steps[1].output_cut);
	ck_assert_int_eq(w.steps[1].state, WALK_PENDING);
}
END_TEST

START_TEST(test_decision_prompt_skip_simulate)
{
	ck_assert_int_eq(walk_next(&w, 2), 3);
	ev("q", INCIDENT_EV_DECISION, "{\"question\":\"ok?\",\"answer\":\"no\",\"next\":\"p\"}");
	ck_assert_int_eq(w.steps[2].decision, 1);
	ck_assert_int_eq(walk_next(&w, 2), 4);
	ev("q", INCIDENT_EV_DECISION, "{\"question\":\"ok?\",\"answer\":\"yes\",\"next\":\"\"}");
	ck_assert_int_eq(walk_next(&w, 2), 3);
	ck_assert_int_eq(walk_next(&w, 4), -1);
	ev("p", INCIDENT_EV_PROMPT_ANSWER,
	    "{\"question_id\":\"why\",\"question\":\"Why?\",\"answer\":\"disk \\\"full\\\"\"}");
	ck_assert_str_eq(w.steps[4].answers[0], "disk \"full\"");
	ev("x", INCIDENT_EV_STEP_SKIPPED, "not needed");
	ck_assert_int_eq(w.steps[3].state, WALK_SKIPPED);
	ck_assert_str_eq(w.steps[3].skip_reason, "not needed");
	ev("r", INCIDENT_EV_STEP_DONE, WALK_SIMULATED "echo hi");
	ck_assert(w.steps[1].simulated);
	ck_assert_int_eq(w.steps[1].state, WALK_DONE);
}
END_TEST

START_TEST(test_notes_clock_closed_order)
{
	ev(NULL, INCIDENT_EV_NOTE, "hello");
	ev("zzz", INCIDENT_EV_NOTE, "on a step the runbook lacks");
	ck_assert_uint_eq(w.nnotes, 2);
	ev(NULL, INCIDENT_EV_CLOCK, "rto-75");
	ck_assert(w.clock_attention);
	ck_assert(!w.clock_alarm);
	ev(NULL, INCIDENT_EV_CLOCK, "rto-breached");
	ev(NULL, INCIDENT_EV_CLOCK, "rpo-breached");
	ck_assert(w.clock_alarm);
	ck_assert(w.rpo_alarm);
	ck_assert(!w.closed);
	ev(NULL, INCIDENT_EV_CLOSED, "drill complete");
	ck_assert(w.closed);
	ck_assert_int_eq(w.closed_ms, 6000);
	/* an event at or below the last seq applied is ignored */
	seq = 2;
	ev(NULL, INCIDENT_EV_NOTE, "again");
	ck_assert_uint_eq(w.nnotes, 2);
	ck_assert_uint_eq(w.nevs, 6);
	ck_assert_int_eq(w.last_seq, 6);
}
END_TEST

/* A failure stands through a skip or a done; a later good run clears it; the words say so. */
START_TEST(test_failed_stands)
{
	struct buf	b;

	buf_init(&b);
	ev("r", INCIDENT_EV_COMMAND_STARTED, "echo hi");
	ev("r", INCIDENT_EV_EXIT, "{\"status\":\"exit 66\",\"code\":66}");
	ck_assert(w.steps[1].failed);
	ck_assert_str_eq(w.steps[1].fail_status, "exit 66");
	ev("r", INCIDENT_EV_STEP_SKIPPED, "no sets");
	ck_assert_int_eq(w.steps[1].state, WALK_SKIPPED);
	ck_assert(w.steps[1].failed);
	walk_step_describe(&w, 1, &b);
	ck_assert_str_eq(b.data, "failed (exit 66), then skipped: no sets");
	ev("r", INCIDENT_EV_STEP_DONE, "");
	buf_reset(&b);
	walk_step_describe(&w, 1, &b);
	ck_assert_str_eq(b.data, "failed (exit 66), then marked done anyway");
	ev("r", INCIDENT_EV_COMMAND_STARTED, "echo hi");
	ev("r", INCIDENT_EV_EXIT, "{\"status\":\"exit 0\",\"code\":0}");
	ev("r", INCIDENT_EV_STEP_DONE, "");
	ck_assert(!w.steps[1].failed);
	buf_reset(&b);
	walk_step_describe(&w, 1, &b);
	ck_assert_str_eq(b.data, "done");
	buf_clear(&b);
}
END_TEST

/* Runs are kept with keep_runs; the last answer counts; a step the runbook lacks is kept as recorded; abandoned closes. */
START_TEST(test_runs_answers_extra_abandoned)
{
	w.keep_runs = true;
	ev("r", INCIDENT_EV_COMMAND_STARTED, "one");
	ev("r", INCIDENT_EV_OUTPUT, "a\n");
	ev("r", INCIDENT_EV_EXIT, "{\"status\":\"exit 1\",\"code\":1}");
	ev("r", INCIDENT_EV_COMMAND_STARTED, "two");
	ev("r", INCIDENT_EV_OUTPUT, "b\n");
	ck_assert_uint_eq(w.steps[1].nruns, 2);
	ck_assert_str_eq(w.steps[1].runs[0].command, "one");
	ck_assert_str_eq(w.steps[1].runs[0].output.data, "a\n");
	ck_assert_str_eq(w.steps[1].runs[0].status, "exit 1");
	ck_assert_int_eq(w.steps[1].runs[0].code, 1);
	ck_assert_ptr_null(w.steps[1].runs[1].status);
	ck_assert_str_eq(w.steps[1].runs[1].output.data, "b\n");
	ev("p", INCIDENT_EV_PROMPT_ANSWER, "{\"question_id\":\"why\",\"question\":\"Why?\","
	    "\"answer\":\"first\"}");
	ev("p", INCIDENT_EV_PROMPT_ANSWER, "{\"question_id\":\"why\",\"question\":\"Why?\","
	    "\"answer\":\"final\"}");
	ck_assert_uint_eq(w.steps[4].nans, 1);
	ck_assert_str_eq(w.steps[4].ans[0].answer, "final");
	ck_assert_uint_eq(w.steps[4].ans[0].revisions, 1);
	ck_assert_str_eq(w.steps[4].answers[0], "final");
	ck_assert_uint_eq(w.nsteps, rb->nsteps);
	ev("gone", INCIDENT_EV_STEP_STARTED, "A step since removed");
	ev("gone", INCIDENT_EV_CHECK_TICKED, "{\"index\":2,\"item\":\"third\"}");
	ck_assert_uint_eq(w.nsteps, rb->nsteps + 1);
	ck_assert(w.steps[rb->nsteps].extra);
	ck_assert_str_eq(w.steps[rb->nsteps].title, "A step since removed");
	ck_assert_uint_eq(w.steps[rb->nsteps].nticks, 3);
	ck_assert_str_eq(walk_item(&w, (int)rb->nsteps, 2), "third");
	ck_assert_str_eq(walk_item(&w, (int)rb->nsteps, 0), "");
	ck_assert_int_ne(w.current, (int)rb->nsteps);
	ev(NULL, INCIDENT_EV_ABANDONED, "opened by mistake");
	ck_assert(w.closed);
	ck_assert(w.abandoned);
	ck_assert_str_eq(w.outcome, "opened by mistake");
}
END_TEST

/* Every kind has one row in the table: a name that maps back to it, its payload and how it reads. */
START_TEST(test_kind_table)
{
	int	k;

	for (k = 1; k < INCIDENT_EV__COUNT; k++) {
		ck_assert_ptr_nonnull(incident_ev_table[k].name);
		ck_assert_ptr_nonnull(incident_ev_table[k].payload);
		ck_assert_ptr_nonnull(incident_ev_table[k].reads);
		ck_assert_int_eq(incident_ev_from_name(incident_ev_table[k].name), k);
	}
}
END_TEST

/* The walk suite. */
static Suite *
walk_suite(void)
{
	Suite	*s = suite_create("walk");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_steps_and_ticks);
	tcase_add_test(tc, test_command_output_exit);
	tcase_add_test(tc, test_decision_prompt_skip_simulate);
	tcase_add_test(tc, test_notes_clock_closed_order);
	tcase_add_test(tc, test_failed_stands);
	tcase_add_test(tc, test_runs_answers_extra_abandoned);
	tcase_add_test(tc, test_kind_table);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (testlib_run(walk_suite(), NULL));
}
