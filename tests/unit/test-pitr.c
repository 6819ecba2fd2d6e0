/* test-pitr.c: unit tests of src/engine/stream/pitr.c (times, figures, the RPO check, the status file). */
#include "system.h"

#include <check.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine/stream/pitr.h"
#include "util/conf.h"
#include "util/fsutil.h"
#include "util/xmalloc.h"

START_TEST(test_parse_time)
{
	static const struct { const char *in; int64_t ms; } ok[] = {
		{ "@1764251103.250", 1764251103250 }, { "@1764251103.25", 1764251103250 },
		{ "@1764251103.2", 1764251103200 }, { "@1764251103.007", 1764251103007 },
		/* whole seconds are the instant the second begins, not its end (#15) */
		{ "@1764251103", 1764251103000 }, { "now", 1764251200123 },
		{ "-1m", 1764251140000 },
		/* a clock time with milliseconds (TZ is UTC in the tests) */
		{ "2025-11-27 13:45:03.250", 1764251103250 },
		{ "2025-11-27 13:45:03.2", 1764251103200 },
		{ "2025-11-27 13:45:03", 1764251103000 },
	};
	static const char *const bad[] = {
		"@1764251103.", "@1764251103.1234", "@.5", "@12x.5", "@5.-1", "soon",
		"2025-11-27 13:45:03.1234", "2025-11-27 13:45:03.x",
	};
	int64_t	ms;
	char	*cause;
	size_t	i;

	for (i = 0; i < nitems(ok); i++) {
		cause = NULL;
		ck_assert_msg(pitr_parse_time(ok[i].in, 1764251200123, &ms, &cause) == 0,
		    "%s", ok[i].in);
		ck_assert_msg(ms == ok[i].ms, "%s: %" PRId64, ok[i].in, ms);
	}
	for (i = 0; i < nitems(bad); i++) {
		cause = NULL;
		ck_assert_msg(pitr_parse_time(bad[i], 1764251200123, &ms, &cause) == -1,
		    "%s", bad[i]);
		ck_assert_ptr_nonnull(cause);
		free(cause);
	}
}
END_TEST

START_TEST(test_format_ms)
{
	static const struct { int64_t ms; const char *out; } t[] = {
		{ -5, "0ms" }, { 0, "0ms" }, { 850, "850ms" }, { 1000, "1.0s" }, { 2450, "2.4s" },
		{ 9999, "9.9s" }, { 10000, "10s" }, { 900000, "15m" }, { 3600000, "1h" },
		{ 5400000, "1h30m" }, { 1200500, "20m" }, { 86400000 + 125000, "1d2m5s" },
	};
	char	buf[64];
	size_t	i;

	for (i = 0; i < nitems(t); i++)
		ck_assert_str_eq(pitr_format_ms(t[i].ms, buf, sizeof buf), t[i].out);
}
END_TEST

START_TEST(test_protection)
{
	struct conf		c;
	struct stream_status	st;
	struct pitr_protection	p;
	char			*w;
	int64_t			now = 1764251200000;

	conf_defaults(&c);
	/* Hourly backups, no stream: 15m cannot be met, 1h can. */
	pitr_protection(&c, NULL, now, &p);
	ck_assert_int_eq(p.window_ms, 3600000);
	w = pitr_rpo_warning("database-corruption", 900, &p);
	ck_assert_str_eq(w, "database-corruption: the schedule cannot keep RPO target 15m: backups "
	    "every 1h, no stream running");
	free(w);
	ck_assert_ptr_null(pitr_rpo_warning("datacenter-loss", 3600, &p));
	ck_assert_ptr_null(pitr_rpo_warning("no-rpo", 0, &p));

	/* A status file but no lock: not running. */
	memset(&st, 0, sizeof st);
	st.present = true;
	st.caught_up_ms = now - 1000;
	st.interval_ms = 1000;
	pitr_protection(&c, &st, now, &p);
	ck_assert(!p.running);
	ck_assert_int_eq(p.window_ms, 3600000);

	/* Running and caught up a second ago: interval + behind. */
	st.running = true;
	pitr_protection(&c, &st, now, &p);
	ck_assert(p.streaming);
	ck_assert_int_eq(p.window_ms, 2000);
	ck_assert_ptr_null(pitr_rpo_warning("single-node-failure", 300, &p));

	/* Running, 20 minutes behind. */
	st.caught_up_ms = now - 1200000;
	pitr_protection(&c, &st, now, &p);
	w = pitr_rpo_warning("database-corruption", 900, &p);
	ck_assert_str_eq(w, "database-corruption: the schedule cannot keep RPO target 15m: backups "
	    "every 1h, stream polling every 1.0s but 20m behind");
	free(w);

	/* Running, never caught up. */
	st.caught_up_ms = 0;
	pitr_protection(&c, &st, now, &p);
	w = pitr_rpo_warning("database-corruption", 900, &p);
	ck_assert_str_eq(w, "database-corruption: the schedule cannot keep RPO target 15m: backups "
	    "every 1h, stream running but not caught up yet");
	free(w);
	conf_clear(&c);
}
END_TEST

START_TEST(test_status_read)
{
	struct stream_status	 st;
	char			 dir[] = "/tmp/test-pitr.XXXXXX", *path, *cause = NULL, *text;
	static const char	 status[] = "pid 4242\ngeneration 20261127-120000-0a1b2c3d\n"
	    "sequence 17\nsegment_ms 1764251190000\ncaught_up_ms 1764251199000\n"
	    "lag_ms 150\ninterval_ms 1000\noldest_ms 1764164800000\nfuture_key x y\n";

	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* No stream folder: not present, not an error. */
	ck_assert_int_eq(stream_status_read(dir, &st, &cause), 0);
	ck_assert(!st.present && !st.running);
	path = xasprintf("%s/stream", dir);
	ck_assert_int_eq(fs_mkdir_p(path, 0700, &cause), 0);
	free(path);
	path = xasprintf("%s/stream/status", dir);
	ck_assert_int_eq(fs_write_atomic(path, status, sizeof status - 1, 0600, &cause), 0);
	ck_assert_int_eq(stream_status_read(dir, &st, &cause), 0);
	ck_assert(st.present && !st.running);
	ck_assert_int_eq(st.pid, 4242);
	ck_assert_str_eq(st.generation, "20261127-120000-0a1b2c3d");
	ck_assert_uint_eq(st.sequence, 17);
	ck_assert(st.segment_ms == 1764251190000 && st.caught_up_ms == 1764251199000);
	ck_assert(st.lag_ms == 150 && st.interval_ms == 1000 && st.oldest_ms == 1764164800000);
	text = pitr_status_text(&st, 1764251200000, true);
	ck_assert_msg(strstr(text, "\"running\": false, \"present\": true, \"pid\": 4242, "
	    "\"generation\": \"20261127-120000-0a1b2c3d\", \"sequence\": 17") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "\"behind_ms\": 1000}") != NULL, "%s", text);
	free(text);
	text = pitr_status_text(&st, 1764251200000, false);
	ck_assert_msg(strstr(text, "stream: NOT running") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "newest point: segment 17 captured") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "future_key") == NULL, "%s", text);
	free(text);

	/* The keys it does not know are kept, in order, and shown with PITR_STATUS_ALL. */
	ck_assert_uint_eq(st.nextra, 1);
	ck_assert_str_eq(pitr_status_value(&st, "future_key"), "x y");
	ck_assert_ptr_null(pitr_status_value(&st, "pid"));
	pitr_status_gens(dir, &st);
	ck_assert(st.have_gens && st.gens == 0);
	text = pitr_status_text(&st, 1764251200000, PITR_STATUS_ALL);
	ck_assert_msg(strstr(text, "generations on disk: 0\nfuture_key: x y\n"
	    "state: NOT RUNNING") != NULL, "%s", text);
	free(text);
	text = pitr_status_text(&st, 1764251200000, PITR_STATUS_ALL | PITR_STATUS_JSON);
	ck_assert_msg(strstr(text, "\"state\": \"not running\", \"bound_ms\": 5000, "
	    "\"generations\": 0, \"other\": {\"future_key\": \"x y\"}}\n") != NULL, "%s", text);
	free(text);
	stream_status_clear(&st);

	/* A value that is not a number: the file and line are named. */
	ck_assert_int_eq(fs_write_atomic(path, "sequence 1\nlag_ms -3\n", 21, 0600, &cause), 0);
	ck_assert_int_eq(stream_status_read(dir, &st, &cause), -1);
	ck_assert_msg(strstr(cause, "stream/status:2: lag_ms: not a number") != NULL, "%s", cause);
	free(cause);
	unlink(path);
	free(path);
	path = xasprintf("%s/stream", dir);
	rmdir(path);
	free(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_verdict)
{
	struct stream_status	st;
	int64_t			now = 1764251200000, bound;

	memset(&st, 0, sizeof st);
	ck_assert_int_eq(pitr_status_verdict(&st, now, &bound), PITR_NOT_RUNNING);
	ck_assert_int_eq(bound, 5000);
	st.running = true;
	ck_assert_int_eq(pitr_status_verdict(&st, now, NULL), PITR_STARTING);
	st.present = true;
	st.interval_ms = 1000;
	st.caught_up_ms = now - 5000;
	ck_assert_int_eq(pitr_status_verdict(&st, now, NULL), PITR_FRESH);
	st.caught_up_ms = now - 5001;
	ck_assert_int_eq(pitr_status_verdict(&st, now, NULL), PITR_STALE);
	/* A slow polling interval widens the bound to three intervals. */
	st.interval_ms = 10000;
	ck_assert_int_eq(pitr_status_verdict(&st, now, &bound), PITR_FRESH);
	ck_assert_int_eq(bound, 30000);
	st.caught_up_ms = now - 30001;
	ck_assert_int_eq(pitr_status_verdict(&st, now, NULL), PITR_STALE);
}
END_TEST

static Suite *
pitr_suite(void)
{
	Suite	*s = suite_create("pitr");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_parse_time);
	tcase_add_test(tc, test_format_ms);
	tcase_add_test(tc, test_protection);
	tcase_add_test(tc, test_status_read);
	tcase_add_test(tc, test_verdict);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(pitr_suite());
	int	 failed;

	setenv("TZ", "UTC", 1);
	setenv("LC_ALL", "C", 1);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
