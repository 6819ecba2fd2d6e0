/* test-report.c: unit tests of the reports (src/ui/report.c): escaping, scoring, the history chart. */
#include "system.h"

#include <check.h>
#include <time.h>
#include <unistd.h>

#include "model/incident.h"
#include "ui/report.h"
#include "util/str.h"
#include "util/xmalloc.h"
#include "testlib.h"

static char	*state_dir;
static int64_t	 clock_ms;

/* The tests' clock: clock_ms, moved by the tests. */
static int64_t
test_clock(void)
{
	return (clock_ms);
}

/* A fresh state folder and a fixed clock per test. */
static void
setup(void)
{
	state_dir = testlib_state_setup("report-test");
	setenv("TZ", "UTC", 1);
	tzset();
	clock_ms = INT64_C(1795000000000);
	incident_test_clock = test_clock;
	incident_test_host = "host";
}

/* Remove the test's folder. */
static void
teardown(void)
{
	testlib_tmp_remove();
	free(state_dir);
	incident_test_clock = NULL;
	incident_test_host = NULL;
}

/* Open the store and declare a drill or incident of rb; *idp set (caller frees). */
static struct incident_store *
declare(const char *rb, enum incident_mode mode, char **idp)
{
	struct incident_decl	 d = { .runbook_id = rb, .runbook_title = "T",
	    .mode = mode, .rto = 1800, .rpo = 900 };
	struct incident_store	*st = testlib_store(state_dir);
	char			*cause = NULL;

	ck_assert_msg(incident_declare(st, &d, idp, &cause) == 0, "%s", cause);
	return (st);
}

/* Append an event a minute after the last, failing the test on error. */
static void
append(struct incident_store *st, const char *id, const char *step, enum incident_ev k,
    const char *payload)
{
	clock_ms += 60000;
	testlib_append(st, id, step, k, payload);
}

/* Build the report of id, failing the test on error. */
static void
build(struct incident_store *st, const char *id, struct report *r)
{
	char	*cause = NULL;

	ck_assert_msg(report_build(st, id, NULL, r, &cause) == 1, "%s", cause);
}

/* HTML escapes markup characters; Markdown and HTML show control bytes and bytes that are not UTF-8 as \xHH. */
START_TEST(test_escaping)
{
	struct incident_store	*st;
	struct report		 r;
	struct buf		 b;
	char			*id;

	st = declare("rb", INCIDENT_MODE_INCIDENT, &id);
	append(st, id, NULL, INCIDENT_EV_NOTE, "<&>\"' \033[1m é 😀 "
	    "\xc0\x80 \xed\xa0\x80 \xf4\x90\x80\x80 \xe2\x82 end");
	build(st, id, &r);
	buf_init(&b);
	report_render(&b, &r, REPORT_HTML, NULL, 0);
	ck_assert_ptr_nonnull(strstr(b.data, "&lt;&amp;&gt;&quot;&#39; \\x1b[1m é 😀 "
	    "\\xc0\\x80 \\xed\\xa0\\x80 \\xf4\\x90\\x80\\x80 \\xe2\\x82 end"));
	ck_assert_ptr_null(strstr(b.data, "<&>"));
	ck_assert_ptr_null(strchr(b.data, '\033'));
	buf_reset(&b);
	report_render(&b, &r, REPORT_MD, NULL, 0);
	ck_assert_ptr_nonnull(strstr(b.data, "<&>\"' \\x1b[1m é 😀 \\xc0\\x80"));
	buf_free(&b);
	report_free(&r);
	free(id);
	incident_store_close(st);
}
END_TEST

/* A drill of a runbook without its own criteria: within RTO, RPO, no failed step, checks ticked. */
START_TEST(test_score_generic)
{
	struct incident_store	*st;
	struct report		 r;
	char			*id, *cause = NULL, restored[128];

	st = declare("other", INCIDENT_MODE_DRILL, &id);
	append(st, id, "a", INCIDENT_EV_STEP_STARTED, "A");
	append(st, id, "a", INCIDENT_EV_STEP_FAILED, "exit 3");
	ck_assert(incident_append_check(st, id, "b", true, 1, "second", NULL, &cause) == 0);
	snprintf(restored, sizeof restored, "{\"set\":\"s\",\"backup_ms\":%" PRId64 "}",
	    clock_ms - 600000);
	append(st, id, "b", INCIDENT_EV_RESTORED, restored);
	clock_ms += 60000;
	ck_assert(incident_close(st, id, NULL, NULL, &cause) == 0);
	build(st, id, &r);
	ck_assert(!r.interim);
	ck_assert_int_eq(r.rto_achieved, 240);
	/* The loss window runs from the backup (10 minutes before minute 2) to detection. */
	ck_assert_int_eq(r.rpo_achieved, 480);
	ck_assert_uint_eq(r.ncrit, 4);
	ck_assert(r.crit[0].pass);		/* within RTO */
	ck_assert(r.crit[1].pass);		/* within RPO */
	ck_assert(!r.crit[2].pass);		/* a step failed */
	ck_assert(!r.crit[3].pass);		/* item 0 of b never ticked */
	ck_assert(!r.pass);
	ck_assert_uint_eq(r.nsteps, 2);
	ck_assert_int_eq(r.steps[0].state, REPORT_STEP_FAILED);
	ck_assert_str_eq(r.steps[0].reason, "exit 3");
	report_free(&r);
	free(id);
	incident_store_close(st);
}
END_TEST

/* A tick index far past any checklist (a damaged record) is ignored, not allocated. */
START_TEST(test_huge_index)
{
	struct incident_store	*st;
	struct report		 r;
	char			*id;

	st = declare("rb", INCIDENT_MODE_INCIDENT, &id);
	append(st, id, "s", INCIDENT_EV_CHECK_TICKED, "{\"index\":2000000000,\"item\":\"x\"}");
	build(st, id, &r);
	ck_assert_uint_eq(r.nsteps, 1);
	ck_assert_uint_eq(r.steps[0].nitems, 0);
	report_free(&r);
	free(id);
	incident_store_close(st);
}
END_TEST

/* The history table and chart: ASCII only with utf8 false; bars scale to the longest. */
START_TEST(test_history_text)
{
	struct report_history	 h[2] = {
		{ .id = (char *)"D1", .declared_ms = 0, .rto = 7200, .rto_achieved = 3600,
		  .rpo = 3600, .rpo_achieved = -1, .closed = true, .pass = false },
		{ .id = (char *)"D2", .declared_ms = 0, .rto = 7200, .rto_achieved = 14400,
		  .rpo = 0, .rpo_achieved = 60, .closed = false, .pass = false },
	};
	struct buf		 b;
	size_t			 i;

	buf_init(&b);
	report_history_text(&b, h, 2, false, 80);
	for (i = 0; i < b.len; i++)
		ck_assert_int_lt((unsigned char)b.data[i], 0x80);
	ck_assert_ptr_nonnull(strstr(b.data, "1h00m/2h00m       ?/1h00m"));
	ck_assert_ptr_nonnull(strstr(b.data, "1m00s/-"));
	/* 1h of a 4h scale: 10 of 40 cells, the target mark at cell 20. */
	ck_assert_ptr_nonnull(strstr(b.data, "  1 | ##########          | 1h00m FAIL\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "  2 | ########################################"
	    " 4h00m open\n"));
	buf_reset(&b);
	report_history_text(&b, h, 2, true, 80);
	ck_assert_ptr_nonnull(strstr(b.data, "█"));
	buf_reset(&b);
	report_history_text(&b, h, 0, true, 80);
	ck_assert_ptr_null(strstr(b.data, "Achieved"));
	buf_free(&b);
}
END_TEST

/* The suite. */
static Suite *
report_suite(void)
{
	Suite	*s = suite_create("report");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_score_generic);
	tcase_add_test(tc, test_huge_index);
	tcase_add_test(tc, test_history_text);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (testlib_run(report_suite(), NULL));
}
