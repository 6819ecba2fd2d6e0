/*
 * test-report.c: unit tests of the reports (src/ui/report.c): escaping, scoring, the
 * history chart, and the report-truth cases: every format says no more than the record.
 */
#include "system.h"

#include <check.h>
#include <time.h>
#include <unistd.h>

#include "model/incident.h"
#include "ui/report.h"
#include "util/str.h"
#include "util/testhook.h"
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
	testhook_clock = test_clock;
	testhook_host = "host";
}

/* Remove the test's folder. */
static void
teardown(void)
{
	testlib_tmp_remove();
	free(state_dir);
	testhook_clock = NULL;
	testhook_host = NULL;
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

	ck_assert_msg(report_build(st, id, NULL, NULL, r, &cause) == 1, "%s", cause);
}

/* The report of id rendered in format f (caller frees). */
static char *
render(struct incident_store *st, const char *id, enum report_format f)
{
	struct report	r;
	struct buf	b;

	build(st, id, &r);
	buf_init(&b);
	report_render(&b, &r, f, NULL, 0);
	report_clear(&r);
	return (buf_steal(&b));
}

/* Whether text holds needle; fails the test naming the format otherwise. */
#define HAS(text, needle) ck_assert_msg(strstr((text), (needle)) != NULL, \
	"missing \"%s\" in:\n%s", (needle), (text))
#define HASNT(text, needle) ck_assert_msg(strstr((text), (needle)) == NULL, \
	"unexpected \"%s\" in:\n%s", (needle), (text))

/* Append an exit event with status "exit CODE". */
static void
exit_with(struct incident_store *st, const char *id, const char *step, int code)
{
	char	*cause = NULL, status[32];

	clock_ms += 60000;
	snprintf(status, sizeof status, "exit %d", code);
	ck_assert_msg(incident_append_exit(st, id, step, status, code, 0, false, 0, 0, NULL,
	    &cause) == 0, "%s", cause);
}

/* Close id now (outcome NULL: "closed"). */
static void
close_now(struct incident_store *st, const char *id)
{
	char	*cause = NULL;

	clock_ms += 60000;
	ck_assert_msg(incident_close(st, id, NULL, NULL, &cause) == 0, "%s", cause);
}

/* A drill whose step "restore" failed (exit 66) and was then skipped; "fix" ran fine. */
static struct incident_store *
failed_then(const char *then, char **idp)
{
	struct incident_store	*st = declare("other", INCIDENT_MODE_DRILL, idp);

	append(st, *idp, "fix", INCIDENT_EV_STEP_STARTED, "Fix");
	append(st, *idp, "fix", INCIDENT_EV_COMMAND_STARTED, "true");
	exit_with(st, *idp, "fix", 0);
	append(st, *idp, "fix", INCIDENT_EV_STEP_DONE, "");
	append(st, *idp, "restore", INCIDENT_EV_STEP_STARTED, "Restore from backup");
	append(st, *idp, "restore", INCIDENT_EV_COMMAND_STARTED, "patronus-dr restore db");
	exit_with(st, *idp, "restore", 66);
	if (strcmp(then, "skip") == 0)
		append(st, *idp, "restore", INCIDENT_EV_STEP_SKIPPED, "no sets");
	else
		append(st, *idp, "restore", INCIDENT_EV_STEP_DONE, "");
	close_now(st, *idp);
	return (st);
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
	ck_assert_ptr_nonnull(strstr(b.data, "&lt;&amp;&gt;\"' \\\\x1b\\[1m é 😀 \\\\xc0\\\\x80"));
	ck_assert_ptr_null(strstr(b.data, "<&>"));
	ck_assert_ptr_null(strchr(b.data, '\033'));
	buf_clear(&b);
	report_clear(&r);
	/* a right-to-left override and a C1 CSI: shown, never obeyed (the one escaping function) */
	append(st, id, NULL, INCIDENT_EV_NOTE, "paid \xe2\x80\xae 0001$ csi \xc2\x9b" "2J");
	build(st, id, &r);
	buf_init(&b);
	report_render(&b, &r, REPORT_HTML, NULL, 0);
	ck_assert_ptr_nonnull(strstr(b.data, "paid \\u{202e} 0001$ csi \\u{009b}2J"));
	ck_assert_ptr_null(strstr(b.data, "\xe2\x80\xae"));
	buf_reset(&b);
	report_render(&b, &r, REPORT_STATUS, NULL, 0);
	ck_assert_ptr_null(strstr(b.data, "\xe2\x80\xae"));
	ck_assert_ptr_null(strstr(b.data, "\xc2\x9b"));
	buf_clear(&b);
	report_clear(&r);
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
	ck_assert_uint_eq(r.w.nsteps, 2);
	ck_assert_int_eq(r.w.steps[0].state, WALK_FAILED);
	ck_assert_str_eq(r.w.steps[0].fail_status, "exit 3");
	report_clear(&r);
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
	ck_assert_uint_eq(r.w.nsteps, 1);
	ck_assert_uint_eq(r.w.steps[0].nticks, 0);
	report_clear(&r);
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
	buf_clear(&b);
}
END_TEST

/* 1. Failed, then skipped: "No step failed" fails, in words, in md, html and status. */
START_TEST(test_truth_failed_then_skipped)
{
	struct incident_store	*st;
	char			*id, *md, *html, *status;

	st = failed_then("skip", &id);
	md = render(st, id, REPORT_MD);
	HAS(md, "- [FAIL] No step failed: restore: failed (exit 66), then skipped: no sets");
	HAS(md, "| failed (exit 66), then skipped: no sets |");
	HAS(md, "**Drill result: FAIL**");
	HASNT(md, "[PASS] No step failed");
	html = render(st, id, REPORT_HTML);
	HAS(html, "<td>failed (exit 66), then skipped: no sets</td>");
	HAS(html, "<span class=\"fail\">FAIL</span>");
	status = render(st, id, REPORT_STATUS);
	HAS(status, "Subject: [DRILL FAILED]");
	HAS(status, "Failed:\n- Restore from backup: failed (exit 66), then skipped: no sets\n");
	free(md);
	free(html);
	free(status);
	free(id);
	incident_store_close(st);
}
END_TEST

/* 2. Failed, then marked done anyway: still failed, never among the actions taken. */
START_TEST(test_truth_failed_then_done)
{
	struct incident_store	*st;
	char			*id, *md, *status, *actions;

	st = failed_then("done", &id);
	md = render(st, id, REPORT_MD);
	HAS(md, "- [FAIL] No step failed: restore: failed (exit 66), then marked done anyway");
	status = render(st, id, REPORT_STATUS);
	actions = strstr(status, "Actions Taken:");
	ck_assert_ptr_nonnull(actions);
	HAS(actions, "Actions Taken:\n- Fix\n\nFailed:\n- Restore from backup: failed "
	    "(exit 66), then marked done anyway\n");
	free(md);
	free(status);
	free(id);
	incident_store_close(st);
}
END_TEST

/* 3. A retried step that then succeeded is not failed. */
START_TEST(test_truth_retried)
{
	struct incident_store	*st;
	char			*id, *md;

	st = declare("other", INCIDENT_MODE_DRILL, &id);
	append(st, id, "a", INCIDENT_EV_COMMAND_STARTED, "false");
	exit_with(st, id, "a", 1);
	append(st, id, "a", INCIDENT_EV_COMMAND_STARTED, "true");
	exit_with(st, id, "a", 0);
	append(st, id, "a", INCIDENT_EV_STEP_DONE, "");
	close_now(st, id);
	md = render(st, id, REPORT_MD);
	HAS(md, "- [PASS] No step failed: no step failed");
	HAS(md, "| a — a | done |");
	free(md);
	free(id);
	incident_store_close(st);
}
END_TEST

/* 4. A simulated step is listed as simulated in the status update, never under Actions Taken. */
START_TEST(test_truth_simulated)
{
	struct incident_store	*st;
	char			*id, *status, *md, *taken, *sim;

	st = declare("other", INCIDENT_MODE_DRILL, &id);
	append(st, id, "restore", INCIDENT_EV_STEP_STARTED, "Restore from backup");
	append(st, id, "restore", INCIDENT_EV_STEP_DONE, "simulated (drill): patronus-dr "
	    "restore db --yes");
	close_now(st, id);
	status = render(st, id, REPORT_STATUS);
	taken = strstr(status, "Actions Taken:\n");
	sim = strstr(status, "Simulated (drill; nothing was changed):\n- Restore from backup\n");
	ck_assert_ptr_nonnull(taken);
	ck_assert_msg(sim != NULL, "%s", status);
	ck_assert(strncmp(taken, "Actions Taken:\n- none yet\n", 26) == 0);
	md = render(st, id, REPORT_MD);
	HAS(md, "| simulated (drill) |");
	free(status);
	free(md);
	free(id);
	incident_store_close(st);
}
END_TEST

/* 5. An open incident's status update is in progress, not resolved, not operational. */
START_TEST(test_truth_open_incident)
{
	struct incident_store	*st;
	char			*id, *status, *md, *html;

	st = declare("other", INCIDENT_MODE_INCIDENT, &id);
	append(st, id, "a", INCIDENT_EV_STEP_STARTED, "A");
	status = render(st, id, REPORT_STATUS);
	HAS(status, "Subject: [UPDATE] Patronus SD-WAN recovery in progress");
	HAS(status, "Current Status: RECOVERY IN PROGRESS");
	HASNT(status, "RESOLVED");
	HASNT(status, "OPERATIONAL");
	md = render(st, id, REPORT_MD);
	HAS(md, "INTERIM REPORT");
	html = render(st, id, REPORT_HTML);
	HAS(html, "INTERIM REPORT");
	free(status);
	free(md);
	free(html);
	free(id);
	incident_store_close(st);
}
END_TEST

/* 6. A closed incident with a failure standing is closed, not confirmed: never RESOLVED. */
START_TEST(test_truth_closed_incident_failed)
{
	struct incident_store	*st;
	char			*id, *status;

	st = declare("other", INCIDENT_MODE_INCIDENT, &id);
	append(st, id, "a", INCIDENT_EV_COMMAND_STARTED, "false");
	exit_with(st, id, "a", 1);
	append(st, id, "a", INCIDENT_EV_STEP_SKIPPED, "moved on");
	close_now(st, id);
	status = render(st, id, REPORT_STATUS);
	HAS(status, "Subject: [CLOSED]");
	HAS(status, "Current Status: NOT CONFIRMED OPERATIONAL");
	HASNT(status, "RESOLVED");
	HASNT(status, "Current Status: OPERATIONAL");
	free(status);
	free(id);
	incident_store_close(st);
}
END_TEST

/* 7. A failed drill's status never says RESOLVED or OPERATIONAL, in any format. */
START_TEST(test_truth_failed_drill)
{
	struct incident_store	*st;
	char			*id, *f[3];
	int			 k;

	st = failed_then("skip", &id);
	f[0] = render(st, id, REPORT_STATUS);
	f[1] = render(st, id, REPORT_MD);
	f[2] = render(st, id, REPORT_HTML);
	for (k = 0; k < 3; k++) {
		HASNT(f[k], "RESOLVED");
		HASNT(f[k], "OPERATIONAL");
		free(f[k]);
	}
	free(id);
	incident_store_close(st);
}
END_TEST

/* 8. A prompt's answer is its last one; the earlier ones only in the timeline. */
START_TEST(test_truth_last_answer)
{
	struct incident_store	*st;
	char			*id, *cause = NULL, *md, *html, *answers;

	st = declare("other", INCIDENT_MODE_INCIDENT, &id);
	ck_assert(incident_append_answer(st, id, "doc", "cause", "What caused it?", "first",
	    NULL, &cause) == 0);
	ck_assert(incident_append_answer(st, id, "doc", "cause", "What caused it?",
	    "first second", NULL, &cause) == 0);
	ck_assert(incident_append_answer(st, id, "doc", "cause", "What caused it?", "final",
	    NULL, &cause) == 0);
	md = render(st, id, REPORT_MD);
	answers = strstr(md, "## Answers and decisions");
	ck_assert_ptr_nonnull(answers);
	ck_assert_msg(strstr(answers, "## Timeline") != NULL, "%s", md);
	*strstr(answers, "## Timeline") = '\0';
	HAS(answers, "- **What caused it?** final *(final answer; 2 earlier in the timeline)*");
	HASNT(answers, "first");
	html = render(st, id, REPORT_HTML);
	HAS(html, "<strong>What caused it?</strong> final <em>");
	HASNT(html, "</strong> first");
	free(md);
	free(html);
	free(id);
	incident_store_close(st);
}
END_TEST

/* 9. An abandoned drill is neither PASS nor FAIL: md, html, status and the history say so. */
START_TEST(test_truth_abandoned)
{
	struct incident_store	*st;
	struct report		 r;
	struct report_history	 h;
	struct buf		 b;
	char			*id, *cause = NULL, *md, *html, *status;

	st = declare("other", INCIDENT_MODE_DRILL, &id);
	append(st, id, "a", INCIDENT_EV_STEP_STARTED, "A");
	clock_ms += 60000;
	ck_assert(incident_abandon(st, id, "wrong runbook", NULL, &cause) == 0);
	ck_assert(incident_abandon(st, id, "again", NULL, &cause) == -1);
	free(cause);
	md = render(st, id, REPORT_MD);
	HAS(md, "**ABANDONED:** the drill was closed as opened by mistake: wrong runbook");
	HAS(md, "**Drill result: ABANDONED**");
	HASNT(md, "[FAIL]");
	HASNT(md, "[PASS]");
	html = render(st, id, REPORT_HTML);
	HAS(html, "ABANDONED");
	HASNT(html, "class=\"fail\">FAIL");
	status = render(st, id, REPORT_STATUS);
	HAS(status, "Subject: [ABANDONED]");
	HAS(status, "Current Status: ABANDONED");
	HASNT(status, "FAILED");
	HASNT(status, "PASSED");
	build(st, id, &r);
	report_history_of(&r, &h);
	buf_init(&b);
	report_history_text(&b, &h, 1, false, 80);
	HAS(b.data, "abandoned");
	HASNT(b.data, "FAIL");
	buf_clear(&b);
	report_history_clear(&h);
	report_clear(&r);
	free(md);
	free(html);
	free(status);
	free(id);
	incident_store_close(st);
}
END_TEST

/* Each format's escape table, whole: every character it names, and only those, written its way. */
START_TEST(test_escape_tables)
{
	struct incident_store	*st;
	char			*id, *md, *html;

	st = declare("rb", INCIDENT_MODE_INCIDENT, &id);
	append(st, id, NULL, INCIDENT_EV_NOTE, "a&b<c>d\"e'f\\g`h*i_j[k]l|m#n~o!p");
	md = render(st, id, REPORT_MD);
	HAS(md, "a&amp;b&lt;c&gt;d\"e'f\\\\g\\`h\\*i\\_j\\[k\\]l\\|m\\#n\\~o\\!p");
	html = render(st, id, REPORT_HTML);
	HAS(html, "a&amp;b&lt;c&gt;d&quot;e&#39;f\\g`h*i_j[k]l|m#n~o!p");
	free(md);
	free(html);
	free(id);
	incident_store_close(st);
}
END_TEST

/* 10. HTML and ESC in notes and answers: escaped for each format, nothing raw gets through. */
START_TEST(test_truth_hostile_text)
{
	struct incident_store	*st;
	char			*id, *cause = NULL, *md, *html, *status;
	const char		*evil = "<script>x</script>\033]0;pwn\007 *b* [l](j:x) | #";

	st = declare("other", INCIDENT_MODE_INCIDENT, &id);
	append(st, id, "doc", INCIDENT_EV_NOTE, evil);
	ck_assert(incident_append_answer(st, id, "doc", "q", "Q <i>?", evil, NULL,
	    &cause) == 0);
	append(st, id, "doc", INCIDENT_EV_STEP_STARTED, "<b>Title</b>\033[2J");
	md = render(st, id, REPORT_MD);
	HASNT(md, "<script>");
	HASNT(md, "<b>");
	HASNT(md, "<i>");
	ck_assert_ptr_null(strchr(md, '\033'));
	ck_assert_ptr_null(strchr(md, '\007'));
	HAS(md, "&lt;script&gt;x&lt;/script&gt;\\\\x1b\\]0;pwn\\\\x07 \\*b\\* \\[l\\](j:x) \\| \\#");
	html = render(st, id, REPORT_HTML);
	HASNT(html, "<script>");
	HASNT(html, "<b>Title");
	HASNT(html, "<i>?");
	ck_assert_ptr_null(strchr(html, '\033'));
	HAS(html, "&lt;script&gt;x&lt;/script&gt;\\x1b]0;pwn\\x07");
	status = render(st, id, REPORT_STATUS);
	ck_assert_ptr_null(strchr(status, '\033'));
	HAS(status, "- <b>Title</b>\\x1b[2J\n");
	free(md);
	free(html);
	free(status);
	free(id);
	incident_store_close(st);
}
END_TEST

/* 11. A closed incident without failures is resolved; the hint carries the given command. */
START_TEST(test_truth_resolved_and_hint)
{
	struct incident_store	*st;
	struct report		 r;
	struct buf		 b;
	char			*id, *cause = NULL;

	st = declare("other", INCIDENT_MODE_INCIDENT, &id);
	append(st, id, "a", INCIDENT_EV_COMMAND_STARTED, "true");
	exit_with(st, id, "a", 0);
	append(st, id, "a", INCIDENT_EV_STEP_DONE, "");
	close_now(st, id);
	ck_assert_msg(report_build(st, id, NULL, "patronus-dr --config '/a b/dr.yaml'", &r,
	    &cause) == 1, "%s", cause);
	buf_init(&b);
	report_render(&b, &r, REPORT_STATUS, NULL, 0);
	HAS(b.data, "Subject: [RESOLVED]");
	HAS(b.data, "Current Status: OPERATIONAL");
	HAS(b.data, "Actions Taken:\n- a\n");
	buf_reset(&b);
	report_render(&b, &r, REPORT_MD, NULL, 0);
	HAS(b.data, "`patronus-dr --config '/a b/dr.yaml' incidents verify ");
	buf_clear(&b);
	report_clear(&r);
	free(id);
	incident_store_close(st);
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
	tcase_add_test(tc, test_escape_tables);
	tcase_add_test(tc, test_score_generic);
	tcase_add_test(tc, test_huge_index);
	tcase_add_test(tc, test_history_text);
	tcase_add_test(tc, test_truth_failed_then_skipped);
	tcase_add_test(tc, test_truth_failed_then_done);
	tcase_add_test(tc, test_truth_retried);
	tcase_add_test(tc, test_truth_simulated);
	tcase_add_test(tc, test_truth_open_incident);
	tcase_add_test(tc, test_truth_closed_incident_failed);
	tcase_add_test(tc, test_truth_failed_drill);
	tcase_add_test(tc, test_truth_last_answer);
	tcase_add_test(tc, test_truth_abandoned);
	tcase_add_test(tc, test_truth_hostile_text);
	tcase_add_test(tc, test_truth_resolved_and_hint);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (testlib_run(report_suite(), NULL));
}
