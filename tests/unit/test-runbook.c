/* test-runbook.c: unit tests of runbook loading, checking and variables (src/model/runbook*.c). */
#include "system.h"

#include <check.h>
#include <unistd.h>

#include "engine/host/action.h"
#include "model/runbook.h"
#include "util/conf.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xmalloc.h"
#include "testlib.h"

/* The path of a shipped runbook in the source tree; the caller frees. */
static char *
shipped(const char *id)
{
	const char	*src = getenv("srcdir");

	return (xasprintf("%s/runbooks/%s.yaml", src != NULL ? src : ".", id));
}

/* Load YAML text, expecting failure; returns the errors (the caller frees). */
static char *
load_bad(const char *text)
{
	struct runbook	*rb;
	char		*errors = NULL;

	rb = runbook_load_buffer("t.yaml", text, strlen(text), &errors);
	ck_assert_ptr_null(rb);
	ck_assert_ptr_nonnull(errors);
	return (errors);
}

/* A minimal valid runbook followed by extra step text. */
#define HEAD "id: t\ntitle: T\nrto: 30m\nsteps:\n"

START_TEST(test_load_database_corruption)
{
	struct runbook	*rb;
	char		*path = shipped("database-corruption"), *errors = NULL;
	int		 i;
	const struct rb_step *st;

	rb = runbook_load(path, &errors);
	if (rb == NULL)
		ck_abort_msg("load failed: %s", errors);
	ck_assert_ptr_null(errors);
	ck_assert_str_eq(rb->id, "database-corruption");
	ck_assert_int_eq(rb->rto, 30 * 60);
	ck_assert_int_eq(rb->rpo, 15 * 60);
	ck_assert_uint_ge(rb->nsteps, 10);
	ck_assert_str_eq(rb->steps[0].id, "stop-services");
	ck_assert_int_eq(rb->steps[0].kind, RB_RUN);
	ck_assert(rb->steps[0].confirm);
	ck_assert_int_eq(runbook_drill_rule(&rb->steps[0]), RB_DRILL_SIMULATE);

	i = runbook_step_index(rb, "integrity");
	ck_assert_int_ge(i, 0);
	st = &rb->steps[i];
	ck_assert_int_eq(st->kind, RB_DECIDE);
	ck_assert_uint_eq(st->nanswers, 2);
	ck_assert_int_ge(runbook_step_index(rb, st->answers[0].next), 0);
	ck_assert_int_eq(runbook_drill_rule(st), RB_DRILL_RUN);

	/* ok skips the restore; not ok goes on to the salvage dump. */
	ck_assert_int_eq(runbook_next_step(rb, (size_t)i, 0),
	    runbook_step_index(rb, "start-services"));
	ck_assert_int_eq(runbook_next_step(rb, (size_t)i, 1),
	    runbook_step_index(rb, "review-dump"));
	ck_assert_int_eq(runbook_next_step(rb, (size_t)i, 2), -1);
	ck_assert_int_eq(runbook_next_step(rb, 0, 0), 1);
	ck_assert_int_eq(runbook_next_step(rb, rb->nsteps - 1, 0), -1);

	i = runbook_step_index(rb, "restore");
	ck_assert_int_ge(i, 0);
	ck_assert_str_eq(rb->steps[i].action, "restore-db");
	/* it runs, against the drill's sandbox */
	ck_assert_int_eq(runbook_drill_rule(&rb->steps[i]), RB_DRILL_RUN);
	i = runbook_step_index(rb, "forensic-copy");
	ck_assert_int_ge(i, 0);
	ck_assert_ptr_nonnull(strstr(rb->steps[i].run, "corrupted"));
	i = runbook_step_index(rb, "document");
	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(rb->steps[i].kind, RB_PROMPT);
	ck_assert_str_eq(rb->steps[i].questions[0].text, "What caused corruption?");
	ck_assert_int_eq(runbook_step_index(rb, "no-such-step"), -1);
	runbook_free(rb);
	free(path);
}
END_TEST

START_TEST(test_errors_have_positions)
{
	char	*e;

	e = load_bad(HEAD "  - id: a\n    title: A\n    bogus: 1\n    run: ls\n");
	ck_assert_str_eq(e, "t.yaml:7:5: unknown key \"bogus\" in a step");
	free(e);

	/* Every problem of a file is reported, sorted by position. */
	e = load_bad("id: t\nrto: 5x\nsteps:\n  - id: a\n    title: A\n"
	    "  - id: a\n    title: B\n    run: ls\n");
	ck_assert_str_eq(e, "t.yaml:1:1: missing required key \"title\" in a runbook\n"
	    "t.yaml:2:6: rto: bad duration \"5x\" (use e.g. 90s, 15m, 2h, 1h30m, 1d)\n"
	    "t.yaml:4:5: a step needs work: one of run, action, checklist, decide, prompt or use\n"
	    "t.yaml:6:9: duplicate step id \"a\" (first at line 4)");
	free(e);

	e = load_bad("id: t\ntitle: [unclosed\n");
	ck_assert(str_has_prefix(e, "t.yaml:3:1: YAML syntax:"));
	free(e);
}
END_TEST

START_TEST(test_error_cap)
{
	struct buf	 b;
	char		*e, *p;
	int		 i, lines = 1;

	buf_init(&b);
	buf_adds(&b, HEAD);
	for (i = 0; i < 150; i++)
		buf_printf(&b, "  - id: s%d\n    title: S\n", i);
	e = load_bad(b.data);
	for (p = e; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	ck_assert_int_eq(lines, 101);
	ck_assert(str_has_suffix(e, ": 50 more problems not shown"));
	free(e);
	buf_clear(&b);
}
END_TEST

/* Inputs that must be refused with a message, never crash or loop. */
START_TEST(test_hostile_inputs)
{
	static const char nul[] = "id: t\0\ntitle: T\n";
	static const char *const texts[] = {
		"",
		"---\n",
		"id: t\ntitle: T\nrto: 30m\nsteps: &a [ *a ]\n",
		"id: t\ntitle: T\nrto: 30m\nsteps:\n  - &s {id: a, title: A, checklist: [*s]}\n",
		"id: t\ntitle: T\nrto: 99999999999999999999999h\nsteps: [{id: a, title: A, run: ls}]\n",
		"id: t\ntitle: T\nrto: 30m\nsteps: [{id: a, title: A, run: \"${\"}]\n",
		"id: t\ntitle: T\nrto: 30m\nsteps: [{id: a, title: A, use: t}]\n"
		    "more: *undefined\n",
		"\xff\xfe\x00\x00garbage",
		"id: t\ntitle: \xc3\x28\n",
		"? [a, b]\n: c\n",
		"id: !!binary aGVsbG8=\ntitle: T\nrto: 1m\nsteps: 3\n",
		"id: t\ntitle: T\nrto: 1m\nsteps:\n\t- id: a\n",
	};
	struct runbook	*rb;
	char		*errors;
	size_t		 i;

	for (i = 0; i < nitems(texts); i++) {
		errors = NULL;
		rb = runbook_load_buffer("h.yaml", texts[i], strlen(texts[i]), &errors);
		if (rb != NULL)
			ck_abort_msg("input %zu was accepted", i);
		ck_assert_msg(errors != NULL && str_has_prefix(errors, "h.yaml:"),
		    "input %zu: no message", i);
		free(errors);
	}
	errors = NULL;
	ck_assert_ptr_null(runbook_load_buffer("h.yaml", nul, sizeof nul - 1, &errors));
	ck_assert(str_has_prefix(errors, "h.yaml:1:6: YAML syntax:"));
	free(errors);
	/* Aliases that would multiply a small file are refused, not expanded. */
	{
		struct buf	b;
		int		j;

		buf_init(&b);
		buf_adds(&b, "id: t\ntitle: T\nrto: 1m\nsteps:\n  - id: a\n    title: A\n"
		    "    checklist: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
		for (j = 1; j < 8; j++)
			buf_printf(&b, "  - id: a%d\n    title: A\n    checklist: &l%d "
			    "[*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d]\n", j, j,
			    j - 1, j - 1, j - 1, j - 1, j - 1, j - 1, j - 1, j - 1);
		errors = NULL;
		ck_assert_ptr_null(runbook_load_buffer("h.yaml", b.data, b.len, &errors));
		ck_assert(strstr(errors, "YAML alias") != NULL);
		free(errors);

		/* More steps than a runbook may have. */
		buf_reset(&b);
		buf_adds(&b, HEAD);
		for (j = 0; j < 1001; j++)
			buf_printf(&b, "  - {id: s%d, title: S, run: ls}\n", j);
		errors = NULL;
		ck_assert_ptr_null(runbook_load_buffer("h.yaml", b.data, b.len, &errors));
		ck_assert_str_eq(errors, "h.yaml:5:3: steps: 1001 steps, more than the 1000 "
		    "a runbook may have");
		free(errors);
		buf_clear(&b);
	}
	/* A NULL errors pointer is allowed. */
	ck_assert_ptr_null(runbook_load_buffer("h.yaml", "x", 1, NULL));
}
END_TEST

/* decide default:, unattended: true, and the drill rules of the actions that keep live settings. */
START_TEST(test_unattended)
{
	struct runbook	*rb;
	char		*e, *cause = NULL;
	static const char ask[] = "id: t\ntitle: T\nrto: 30m\nunattended: true\nsteps:\n"
	    "  - id: q\n    title: Q\n    decide:\n      question: Which?\n"
	    "      default: two\n      answers:\n        - {answer: one, next: b}\n"
	    "        - {answer: two}\n"
	    "  - id: a\n    title: A\n    action: prune\n"
	    "  - id: b\n    title: B\n    action: keys-rotate\n"
	    "  - id: c\n    title: C\n    action: restore-test\n";

	rb = runbook_load_buffer("t.yaml", ask, strlen(ask), &e);
	if (rb == NULL)
		ck_abort_msg("load failed: %s", e);
	ck_assert(rb->unattended);
	ck_assert(rb->steps[0].has_default);
	ck_assert_uint_eq(rb->steps[0].default_answer, 1);
	ck_assert_int_eq(runbook_unattended_check(NULL, rb, &cause), 0);
	ck_assert_ptr_null(cause);
	ck_assert_int_eq(runbook_drill_rule(&rb->steps[1]), RB_DRILL_SIMULATE);
	ck_assert_int_eq(runbook_drill_rule(&rb->steps[2]), RB_DRILL_RUN);
	ck_assert_int_eq(runbook_drill_rule(&rb->steps[3]), RB_DRILL_RUN);
	rb->steps[0].has_default = false;
	ck_assert_int_eq(runbook_unattended_check(NULL, rb, &cause), 1);
	ck_assert_str_eq(cause, "t.yaml:6:5: step \"q\" is a decide without default: it "
	    "needs a person; give it a default: to run it unattended");
	free(cause);
	runbook_free(rb);

	e = load_bad(HEAD "  - id: q\n    title: Q\n    decide:\n      question: Which?\n"
	    "      default: three\n      answers:\n        - {answer: one}\n"
	    "        - {answer: two}\n  - id: b\n    title: B\n    run: ls\n");
	ck_assert_str_eq(e, "t.yaml:9:16: default: \"three\" is not one of the answers");
	free(e);
	e = load_bad("id: t\ntitle: T\nrto: 30m\nunattended: true\nsteps:\n"
	    "  - id: q\n    title: Q\n    decide:\n      question: Which?\n"
	    "      answers:\n        - {answer: one}\n        - {answer: two}\n"
	    "  - id: b\n    title: B\n    run: ls\n");
	ck_assert_str_eq(e, "t.yaml:6:5: step \"q\": a decide without default: cannot run "
	    "unattended (the runbook says unattended: true)");
	free(e);
	e = load_bad("id: t\ntitle: T\nrto: 30m\nunattended: maybe\nsteps:\n"
	    "  - id: b\n    title: B\n    run: ls\n");
	ck_assert_str_eq(e, "t.yaml:4:13: unattended: expected true or false");
	free(e);
}
END_TEST

START_TEST(test_step_checks)
{
	char	*e;

	e = load_bad(HEAD "  - title: A\n    id: a\n    run: ls\n");
	ck_assert_str_eq(e, "t.yaml:5:5: a step begins with its id (write \"- id: a\" first)");
	free(e);
	e = load_bad(HEAD "  - id: a\n    title: A\n    run: ls\n    use: other\n");
	ck_assert_str_eq(e, "t.yaml:8:5: a step does one kind of work: run and use both given");
	free(e);
	e = load_bad(HEAD "  - id: a\n    title: A\n    action: restore-everything\n");
	ck_assert_str_eq(e, "t.yaml:7:13: unknown action \"restore-everything\"");
	free(e);
	e = load_bad(HEAD "  - id: a\n    title: A\n    action: verify\n    with: {bak: x}\n");
	ck_assert(strstr(e, "t.yaml:8:12: action \"verify\" has no parameter \"bak\"") != NULL);
	ck_assert(strstr(e, "t.yaml:8:11: action \"verify\" needs the parameter \"backup\"") != NULL);
	free(e);
	e = load_bad(HEAD "  - id: a\n    title: A\n    run: cp ${databse} /tmp\n");
	ck_assert_str_eq(e, "t.yaml:7:10: undefined variable \"${databse}\" (did you mean "
	    "\"database\"?)");
	free(e);
	e = load_bad(HEAD "  - id: a\n    titel: A\n    action: restor-db\n");
	ck_assert_str_eq(e, "t.yaml:5:5: missing required key \"title\" in a step\n"
	    "t.yaml:6:5: unknown key \"titel\" in a step (did you mean \"title\"?)\n"
	    "t.yaml:7:13: unknown action \"restor-db\" (did you mean \"restore-db\"?)");
	free(e);
	e = load_bad(HEAD "  - id: a\n    title: A\n    decide:\n      question: Q?\n"
	    "      answers:\n        - {answer: yes, next: b}\n        - {answer: no, next: nowhere}\n"
	    "  - id: b\n    title: B\n    run: ls\n");
	ck_assert_str_eq(e, "t.yaml:11:30: answer \"no\" leads to step \"nowhere\", which "
	    "does not exist");
	free(e);
}
END_TEST

START_TEST(test_subst)
{
	struct rb_var	 vars[] = {
		{ "database", "/var/lib/patronus/sdwan.db" },
		{ "backup_dir", "/backup/my dir's" },
		{ "remote.sftp.url", NULL },
	};
	char		*s, *cause = NULL;

	s = runbook_subst("cp ${database} ${backup_dir}/x", vars, nitems(vars), true, &cause);
	ck_assert_str_eq(s, "cp /var/lib/patronus/sdwan.db '/backup/my dir'\\''s'/x");
	free(s);
	s = runbook_subst("Copy ${backup_dir} $${HOME} $x", vars, nitems(vars), false, &cause);
	ck_assert_str_eq(s, "Copy /backup/my dir's ${HOME} $x");
	free(s);
	ck_assert_ptr_null(runbook_subst("${nope}", vars, nitems(vars), true, &cause));
	ck_assert_str_eq(cause, "undefined variable \"${nope}\"");
	free(cause);
	ck_assert_ptr_null(runbook_subst("${remote.sftp.url}", vars, nitems(vars), true, &cause));
	ck_assert_str_eq(cause, "variable \"${remote.sftp.url}\" has no value");
	free(cause);
	ck_assert_ptr_null(runbook_subst("a ${database", vars, nitems(vars), true, &cause));
	free(cause);
	ck_assert(runbook_var_known("retention.hourly"));
	ck_assert(runbook_var_known("incident.id"));
	ck_assert(!runbook_var_known("incident.nope"));
}
END_TEST

START_TEST(test_vars_conf)
{
	struct conf	 c;
	struct rb_var	 extra[] = { { "incident.id", "42" } }, *v;
	size_t		 n, i;
	char		*s, *cause = NULL;

	conf_defaults(&c);
	v = runbook_vars_conf(&c, extra, nitems(extra), &n);
	ck_assert_uint_eq(n, CONF__COUNT + 1);
	s = runbook_subst("${database} ${retention.daily} ${incident.id}", v, n, true, &cause);
	ck_assert_str_eq(s, "/var/lib/patronus/sdwan.db 7 42");
	free(s);
	for (i = 0; i < n; i++)
		ck_assert(runbook_var_known(v[i].name));
	runbook_vars_free(v, n);
	conf_clear(&c);
}
END_TEST

/* Load a runbook from text that must be valid. */
static struct runbook *
load_ok(const char *name, const char *text)
{
	struct runbook	*rb;
	char		*errors = NULL;

	rb = runbook_load_buffer(name, text, strlen(text), &errors);
	if (rb == NULL)
		ck_abort_msg("%s", errors);
	return (rb);
}

START_TEST(test_use_expand)
{
	struct runbook_set	 set;
	struct runbook		*outer, *inner, *x;
	char			*errors = NULL;

	inner = load_ok("inner.yaml", "id: inner\ntitle: I\nrto: 1h\nroles: [Ops]\nsteps:\n"
	    "  - id: q\n    title: Q\n    role: Ops\n    decide:\n      question: Q?\n      answers:\n"
	    "        - {answer: a, next: z}\n        - {answer: b}\n"
	    "  - id: y\n    title: Y\n    run: ls\n"
	    "  - id: z\n    title: Z\n    checklist: [done]\n");
	outer = load_ok("outer.yaml", "id: outer\ntitle: O\nrto: 2h\nsteps:\n"
	    "  - id: d\n    title: D\n    decide:\n      question: Q?\n      answers:\n"
	    "        - {answer: rebuild, next: rebuild}\n        - {answer: no, next: end}\n"
	    "  - id: rebuild\n    title: R\n    role: Boss\n    drill: skip\n    use: inner\n"
	    "  - id: end\n    title: E\n    prompt: [{id: why, text: Why?}]\n");
	set.books = xcalloc(2, sizeof *set.books);
	set.books[0] = inner;
	set.books[1] = outer;
	set.n = 2;
	ck_assert_int_eq(runbook_check_refs(&set, outer, &errors), 0);
	ck_assert_ptr_null(errors);
	x = runbook_expand(&set, outer, &errors);
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(x->nsteps, 5);
	ck_assert_str_eq(x->steps[1].id, "rebuild.q");
	ck_assert_str_eq(x->steps[3].id, "rebuild.z");
	ck_assert_str_eq(x->steps[0].answers[0].next, "rebuild.q");
	ck_assert_str_eq(x->steps[0].answers[1].next, "end");
	ck_assert_str_eq(x->steps[1].answers[0].next, "rebuild.z");
	ck_assert_ptr_null(x->steps[1].answers[1].next);
	ck_assert_uint_eq(x->nroles, 1);
	/* Inlined steps take the use: step's role and drill rule when they have none. */
	ck_assert_str_eq(x->steps[1].role, "Ops");
	ck_assert_str_eq(x->steps[2].role, "Boss");
	ck_assert_int_eq(runbook_drill_rule(&x->steps[2]), RB_DRILL_SKIP);
	ck_assert_int_eq(runbook_drill_rule(&x->steps[4]), RB_DRILL_RUN);
	runbook_free(x);
	runbook_set_clear(&set);
}
END_TEST

START_TEST(test_use_cycle)
{
	struct runbook_set	 set;
	char			*errors = NULL;

	set.books = xcalloc(2, sizeof *set.books);
	set.books[0] = load_ok("a.yaml", "id: a\ntitle: A\nrto: 1h\nsteps:\n"
	    "  - id: s\n    title: S\n    use: b\n");
	set.books[1] = load_ok("b.yaml", "id: b\ntitle: B\nrto: 1h\nsteps:\n"
	    "  - id: s\n    title: S\n    use: a\n  - id: t\n    title: T\n    use: zz\n");
	set.n = 2;
	ck_assert_int_eq(runbook_check_refs(&set, set.books[0], &errors), 1);
	ck_assert_str_eq(errors, "a.yaml:7:10: use: \"b\" makes a cycle (a -> b -> a)");
	free(errors);
	errors = NULL;
	ck_assert_int_eq(runbook_check_refs(&set, set.books[1], &errors), 2);
	ck_assert_str_eq(errors, "b.yaml:7:10: use: \"a\" makes a cycle (b -> a -> b)\n"
	    "b.yaml:10:10: use: no runbook \"zz\" in the runbook folders");
	free(errors);
	errors = NULL;
	ck_assert_ptr_null(runbook_expand(&set, set.books[0], &errors));
	ck_assert_ptr_nonnull(errors);
	free(errors);
	runbook_set_clear(&set);
}
END_TEST

START_TEST(test_action_argv)
{
	const struct action_def	*d;
	const char		*names[] = { "incident-start", "from" };
	const char		*values[] = { "2026-01-01T00:00:00Z", "/b/x.db" };
	const char		*pn[] = { "dry-run", "remote" }, *pv[] = { "true", "false" };
	char			**argv;
	size_t			 n, i;

	d = action_find("restore-db");
	ck_assert_ptr_nonnull(d);
	ck_assert(d->destructive);
	argv = action_argv(d, "/usr/bin/patronus-dr", "/etc/dr.yaml", names, values, 2, false);
	ck_assert_str_eq(argv[0], "/usr/bin/patronus-dr");
	ck_assert_str_eq(argv[1], "--config");
	ck_assert_str_eq(argv[2], "/etc/dr.yaml");
	ck_assert_str_eq(argv[3], "restore");
	ck_assert_str_eq(argv[4], "db");
	ck_assert_str_eq(argv[5], "--incident-start");
	ck_assert_str_eq(argv[6], "2026-01-01T00:00:00Z");
	ck_assert_str_eq(argv[7], "--from");
	ck_assert_str_eq(argv[8], "/b/x.db");
	ck_assert_ptr_null(argv[9]);
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);

	/* once the operator confirmed, a restore runs without asking again */
	argv = action_argv(d, "pdr", NULL, names, values, 1, true);
	ck_assert_str_eq(argv[1], "restore");
	ck_assert_str_eq(argv[2], "db");
	ck_assert_str_eq(argv[3], "--yes");
	ck_assert_str_eq(argv[4], "--incident-start");
	ck_assert_ptr_null(argv[6]);
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
	ck_assert_ptr_null(action_find("assess")->yes_flag);

	argv = action_argv(action_find("prune"), "pdr", NULL, pn, pv, 2, true);
	ck_assert_str_eq(argv[1], "prune");
	ck_assert_str_eq(argv[2], "--dry-run");
	ck_assert_ptr_null(argv[3]);
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);

	names[0] = "backup";
	argv = action_argv(action_find("verify"), "pdr", NULL, names, values, 1, false);
	ck_assert_str_eq(argv[1], "verify");
	ck_assert_str_eq(argv[2], "--");
	ck_assert_str_eq(argv[3], "2026-01-01T00:00:00Z");
	ck_assert_ptr_null(argv[4]);
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);

	names[0] = "from-remote";
	values[0] = "true";
	argv = action_argv(action_find("restore-all"), "pdr", NULL, names, values, 1, true);
	ck_assert_str_eq(argv[1], "restore");
	ck_assert_str_eq(argv[2], "all");
	ck_assert_str_eq(argv[3], "--yes");
	ck_assert_str_eq(argv[4], "--from-remote");
	ck_assert_ptr_null(argv[5]);
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
	ck_assert(action_find("restore-all")->destructive);
	ck_assert_ptr_nonnull(action_find_param(action_find("restore-all"), "before"));

	d = action_list(&n);
	ck_assert_uint_eq(n, 17);
	for (i = 0; i < n; i++)
		ck_assert_ptr_eq(action_find(d[i].name), &d[i]);
	ck_assert_ptr_null(action_find("nope"));
	ck_assert(!action_find("assess")->destructive);
	ck_assert(action_find("keys-rotate")->destructive);
	ck_assert(!action_find("keys-rotate")->drill_live);
	ck_assert(action_find("backup")->drill_live);
	ck_assert(action_find("restore-test")->drill_live);
}
END_TEST

static Suite *
runbook_suite(void)
{
	Suite	*s = suite_create("runbook");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_load_database_corruption);
	tcase_add_test(tc, test_errors_have_positions);
	tcase_add_test(tc, test_error_cap);
	tcase_add_test(tc, test_hostile_inputs);
	tcase_add_test(tc, test_step_checks);
	tcase_add_test(tc, test_subst);
	tcase_add_test(tc, test_vars_conf);
	tcase_add_test(tc, test_use_expand);
	tcase_add_test(tc, test_use_cycle);
	tcase_add_test(tc, test_action_argv);
	tcase_add_test(tc, test_unattended);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (testlib_run(runbook_suite(), NULL));
}
