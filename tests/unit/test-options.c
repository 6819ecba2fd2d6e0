/*
 * test-options.c: unit tests of the options declared once (src/cli/options.c):
 * every command's table is sound, getopt, the usage line and the help are
 * made from it, every runbook action's argv (engine/host/action.c) is
 * made of a command's words and options, and the argv the TUI starts
 * supervise with (ui/tui-main-child.c) parses with supervise's own table.
 */
#include "system.h"

#include <check.h>
#include <ctype.h>

#include "cli/cmd.h"
#include "engine/host/action.h"
#include "ui/tui-main-int.h"
#include "util/str.h"
#include "util/xmalloc.h"
#include "testlib.h"

/* A made-up command with every kind of option and two forms. */
static const struct cmd_opt t_opts[] = {
	{ "all", 'a', NULL, "every one", CMD_OPT_SHORT, NULL },
	{ "bee", 256, "NAME", "a bee's name, told\nover two lines", 0, "one" },
	{ "keep", 'k', "SET", "keep it", CMD_OPT_SHORT | CMD_OPT_REPEAT, "one" },
	{ "reason", 'r', "TEXT", "why", CMD_OPT_REQUIRED, "two" },
	{ "from-far", 'R', "KIND", "from afar", CMD_OPT_OPTIONAL, "two" },
	{ "secret", 's', "X", NULL, CMD_OPT_HIDDEN, NULL },
	{ NULL, 0, NULL, NULL, 0, NULL }
};
static const struct cmd_sub t_subs[] = { { "one", "FILE..." }, { "two", "[ID]" }, { NULL, NULL } };
static const struct cmd_entry t_entry = {
	.name = "t", .args = "[%s]", .summary = "test", .help = "",
	.opts = t_opts, .opt_col = 14, .subs = t_subs,
};

/*
 * Whether the action def's argv is made of its command's words and options:
 * the command, its subcommand word, each option word (and its value) of the
 * command words, the yes flag, and every parameter that is not positional
 * an option of that command and subcommand, taking a value unless a flag.
 * Returns 0, or -1 with *why set (caller frees).
 */
static int
t_action_check(const struct action_def *def, char **why)
{
	const struct cmd_entry		*e;
	const struct cmd_opt		*o;
	const struct action_param	*p;
	const char			*sub = NULL, *w;
	bool				 value;
	size_t				 i;

	if ((e = cmd_find(def->command[0])) == NULL) {
		*why = xasprintf("%s: no command %s", def->name, def->command[0]);
		return (-1);
	}
	for (i = 1; def->command[i] != NULL; i++) {
		w = def->command[i];
		if (strncmp(w, "--", 2) != 0) {
			sub = w;
			continue;
		}
		if ((o = cmd_opt_find(e, w + 2)) == NULL || (o->flags & CMD_OPT_HIDDEN)) {
			*why = xasprintf("%s: %s is no option of %s", def->name, w, e->name);
			return (-1);
		}
		if (o->arg != NULL && !(o->flags & CMD_OPT_OPTIONAL) && def->command[++i] == NULL) {
			*why = xasprintf("%s: %s wants a value", def->name, w);
			return (-1);
		}
	}
	if (sub != NULL && e->subs != NULL) {
		for (i = 0; e->subs[i].name != NULL; i++) {
			struct cmd_opt	probe = { .sub = e->subs[i].name };

			if (cmd_opt_in_sub(&probe, sub))
				break;
		}
		if (e->subs[i].name == NULL) {
			*why = xasprintf("%s: %s %s is no form of the command", def->name,
			    e->name, sub);
			return (-1);
		}
	}
	if (def->yes_flag != NULL && ((o = cmd_opt_find(e, def->yes_flag + 2)) == NULL ||
	    o->arg != NULL)) {
		*why = xasprintf("%s: %s is no flag of %s", def->name, def->yes_flag, e->name);
		return (-1);
	}
	for (p = def->params; p->name != NULL; p++) {
		if (p->positional)
			continue;
		if ((o = cmd_opt_find(e, p->name)) == NULL || (o->flags & CMD_OPT_HIDDEN) ||
		    (sub != NULL && !cmd_opt_in_sub(o, sub))) {
			*why = xasprintf("%s: with: %s is no option of %s%s%s", def->name,
			    p->name, e->name, sub != NULL ? " " : "", sub != NULL ? sub : "");
			return (-1);
		}
		value = o->arg != NULL && !(o->flags & CMD_OPT_OPTIONAL);
		if (p->flag == value) {
			*why = xasprintf("%s: with: %s is %s, --%s %s", def->name, p->name,
			    p->flag ? "a flag" : "a value", o->name,
			    value ? "wants a value" : "takes none");
			return (-1);
		}
	}
	return (0);
}

/* Every command's table: unique names and keys, no -h, help for what is shown, subs that exist. */
START_TEST(test_tables_sound)
{
	const struct cmd_entry	*const *l, *e;
	const struct cmd_opt	*o, *q;
	const struct cmd_sub	*s;
	size_t			 n, i;
	bool			 found;

	l = cmd_list(&n);
	ck_assert_uint_ge(n, 20);
	for (i = 0; i < n; i++) {
		e = l[i];
		for (o = e->opts; o != NULL && o->name != NULL; o++) {
			ck_assert_msg(o->key != 'h' || strcmp(o->name, "help") == 0,
			    "%s --%s takes -h", e->name, o->name);
			ck_assert_msg(!(o->flags & CMD_OPT_SHORT) || (o->key < 128 &&
			    isalnum(o->key)), "%s --%s: short key", e->name, o->name);
			ck_assert_msg((o->flags & CMD_OPT_HIDDEN) || (o->help != NULL &&
			    *o->help != '\0'), "%s --%s has no help", e->name, o->name);
			ck_assert_msg((o->flags & CMD_OPT_HIDDEN) || e->opt_col > 0,
			    "%s has no option column", e->name);
			for (q = o + 1; q->name != NULL; q++) {
				ck_assert_msg(strcmp(o->name, q->name) != 0, "%s --%s twice",
				    e->name, o->name);
				ck_assert_msg(o->key != q->key, "%s --%s and --%s share a key",
				    e->name, o->name, q->name);
			}
			if (o->sub == NULL || e->subs == NULL)
				continue;
			found = false;
			for (s = e->subs; s->name != NULL; s++)
				found = found || strcmp(s->name, o->sub) == 0;
			ck_assert_msg(found, "%s --%s: no form %s", e->name, o->name, o->sub);
		}
	}
}
END_TEST

/* getopt's tables: each option long, the short ones in the string, the values they take. */
START_TEST(test_getopt_tables)
{
	struct option	*lo = NULL;
	struct buf	 so;

	buf_init(&so);
	cmd_opts_getopt(&t_entry, &so, &lo);
	ck_assert_str_eq(so.data, "hak:");
	ck_assert_str_eq(lo[1].name, "bee");
	ck_assert_int_eq(lo[1].has_arg, required_argument);
	ck_assert_int_eq(lo[1].val, 256);
	ck_assert_int_eq(lo[4].has_arg, no_argument);	/* optional: the next operand */
	ck_assert_str_eq(lo[5].name, "secret");		/* hidden, still accepted */
	ck_assert_str_eq(lo[6].name, "help");
	ck_assert_ptr_null(lo[7].name);
	free(lo);
	buf_clear(&so);
}
END_TEST

/* cmd_getopts parses with the tables: long, short, a value, the operands left. */
START_TEST(test_getopts_parses)
{
	char	*argv[] = { "t", "one", "-a", "--bee", "b1", "-k", "s1", "--keep=s2", "f",
	    NULL };
	int	 argc = 9, c, seen[3] = { 0, 0, 0 };

	optind = 0;
	while ((c = cmd_getopts(&t_entry, argc, argv)) != -1) {
		if (c == 'a')
			seen[0]++;
		else if (c == 256) {
			seen[1]++;
			ck_assert_str_eq(optarg, "b1");
		} else if (c == 'k')
			seen[2]++;
	}
	ck_assert_int_eq(seen[0], 1);
	ck_assert_int_eq(seen[1], 1);
	ck_assert_int_eq(seen[2], 2);
	ck_assert_int_eq(argc - optind, 2);
	ck_assert_str_eq(argv[optind], "one");
}
END_TEST

/* The usage line: each form with its options, brackets as the flags say, the hidden one left out. */
START_TEST(test_usage_line)
{
	struct cmd_entry	 flat = t_entry;
	struct buf		 b;

	buf_init(&b);
	cmd_opts_usage(&t_entry, &b);
	ck_assert_str_eq(b.data, "[one FILE... [--all] [--bee NAME] [--keep SET]... | "
	    "two [ID] [--all] --reason TEXT [--from-far [KIND]]]");
	buf_reset(&b);
	flat.subs = NULL;
	flat.args = "%s [-- ARGV...]";
	cmd_opts_usage(&flat, &b);
	ck_assert_str_eq(b.data, "[--all] [--bee NAME] [--keep SET]... --reason TEXT "
	    "[--from-far [KIND]] [-- ARGV...]");
	buf_reset(&b);
	flat.args = "ID";
	flat.opts = NULL;
	cmd_opts_usage(&flat, &b);
	ck_assert_str_eq(b.data, "ID");
	buf_clear(&b);
}
END_TEST

/* The option list: the help from opt_col, continued lines there too, a long name on its own line. */
START_TEST(test_help_list)
{
	struct buf	b;

	buf_init(&b);
	cmd_opts_help(&t_entry, &b);
	ck_assert_str_eq(b.data,
	    "  -a, --all   every one\n"
	    "  --bee NAME  a bee's name, told\n"
	    "              over two lines\n"
	    "  -k, --keep SET\n"
	    "              keep it\n"
	    "  --reason TEXT\n"
	    "              why\n"
	    "  --from-far [KIND]\n"
	    "              from afar\n");
	buf_clear(&b);
}
END_TEST

/* Every command's usage and help name each shown option once, and no hidden one; lines fit 80 columns. */
START_TEST(test_every_help)
{
	const struct cmd_entry	*const *l, *e;
	const struct cmd_opt	*o;
	struct buf		 u, h;
	const char		*p, *nl;
	char			*needle;
	size_t			 n, i;

	l = cmd_list(&n);
	for (i = 0; i < n; i++) {
		e = l[i];
		buf_init(&u);
		buf_init(&h);
		cmd_opts_usage(e, &u);
		cmd_opts_help(e, &h);
		for (o = e->opts; o != NULL && o->name != NULL; o++) {
			needle = xasprintf("--%s", o->name);
			if (o->flags & CMD_OPT_HIDDEN) {
				ck_assert_msg(strstr(h.data, needle) == NULL, "%s %s hidden, shown",
				    e->name, needle);
			} else {
				ck_assert_msg(strstr(u.data, needle) != NULL, "%s usage lacks %s",
				    e->name, needle);
				ck_assert_msg(strstr(h.data, needle) != NULL, "%s help lacks %s",
				    e->name, needle);
			}
			free(needle);
		}
		for (p = h.data; *p != '\0'; p = *nl != '\0' ? nl + 1 : nl) {
			if ((nl = strchr(p, '\n')) == NULL)
				nl = p + strlen(p);
			ck_assert_msg(nl - p <= 80, "%s: help line over 80 columns: %.*s",
			    e->name, (int)(nl - p), p);
		}
		buf_clear(&u);
		buf_clear(&h);
	}
}
END_TEST

/* Every runbook action's argv: its command, form and options exist as the table declares them. */
START_TEST(test_actions_are_options)
{
	const struct action_def	*defs;
	size_t			 n, i;
	char			*why = NULL;

	defs = action_list(&n);
	ck_assert_uint_ge(n, 10);
	for (i = 0; i < n; i++) {
		ck_assert_msg(t_action_check(&defs[i], &why) == 0, "%s", why);
	}
}
END_TEST

/* The check above fails on a parameter that is no option, a flag that wants a value, a bad form. */
START_TEST(test_action_check_fails)
{
	static const char *const words[] = { "restore", "db", NULL };
	static const char *const bad_sub[] = { "restore", "everything", NULL };
	static const char *const bad_word[] = { "report", "--formats", "md", NULL };
	static const struct action_param bogus[] = {
		{ "bogus", false, "", false, false }, { NULL, false, NULL, false, false }
	};
	static const struct action_param flag_with_value[] = {
		{ "at", false, "", false, true }, { NULL, false, NULL, false, false }
	};
	static const struct action_param other_form[] = {
		{ "latest", false, "", false, true }, { NULL, false, NULL, false, false }
	};
	struct action_def	 d = { "t", "", words, bogus, false, false, NULL, false };
	char			*why = NULL;

	ck_assert_int_eq(t_action_check(&d, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "bogus"));
	free(why);
	d.params = flag_with_value;
	ck_assert_int_eq(t_action_check(&d, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "wants a value"));
	free(why);
	d.params = other_form;		/* --latest goes with restore all */
	ck_assert_int_eq(t_action_check(&d, &why), -1);
	free(why);
	d.command = bad_sub;
	d.params = flag_with_value + 1;
	ck_assert_int_eq(t_action_check(&d, &why), -1);
	free(why);
	d.command = bad_word;
	ck_assert_int_eq(t_action_check(&d, &why), -1);
	free(why);
	d.command = words;
	d.yes_flag = "--yep";
	ck_assert_int_eq(t_action_check(&d, &why), -1);
	free(why);
}
END_TEST

/*
 * Whether argv (from tui_main_supervise_argv for s) is what supervise reads:
 * [--config FILE] then the command supervise, each option word an option of
 * its table taking a value when it wants one, every required option there,
 * and parsed by supervise's getopt tables (cmd_getopts) into s's values and
 * s's argv after them. Returns 0, or -1 with *why set (caller frees).
 */
static int
t_supervise_check(const char **argv, const struct tui_supervise *s, char **why)
{
	static const char *const	 names[] = { "incident", "step", "run", "client",
	    "command" };
	const char			*want[5], *w;
	const struct cmd_entry		*e;
	const struct cmd_opt		*o;
	char				**v;
	size_t				 i, k, seen[5] = { 0 };
	int				 argc, c;

	want[0] = s->incident;
	want[1] = s->step;
	want[2] = s->run;
	want[3] = s->client;
	want[4] = s->command;
	i = 1;
	if (argv[i] != NULL && strcmp(argv[i], "--config") == 0) {
		if (s->config == NULL || argv[i + 1] == NULL ||
		    strcmp(argv[i + 1], s->config) != 0) {
			*why = xstrdup("--config without the TUI's settings file");
			return (-1);
		}
		i += 2;
	}
	if (argv[i] == NULL || (e = cmd_find(argv[i])) == NULL ||
	    strcmp(e->name, "supervise") != 0) {
		*why = xasprintf("not supervise: %s", argv[i] != NULL ? argv[i] : "(end)");
		return (-1);
	}
	v = (char **)argv + i;
	for (k = 1; v[k] != NULL && strcmp(v[k], "--") != 0; k++) {
		w = v[k];
		if (strncmp(w, "--", 2) != 0 || (o = cmd_opt_find(e, w + 2)) == NULL) {
			*why = xasprintf("%s: not an option of supervise", w);
			return (-1);
		}
		if (o->arg != NULL && v[++k] == NULL) {
			*why = xasprintf("%s: wants a value", w);
			return (-1);
		}
	}
	for (o = e->opts; o->name != NULL; o++) {
		for (k = 1; v[k] != NULL && strcmp(v[k], "--") != 0; k++) {
			if (strcmp(v[k] + 2, o->name) == 0)
				break;
			if (cmd_opt_find(e, v[k] + 2)->arg != NULL)
				k++;	/* its value */
		}
		if ((o->flags & CMD_OPT_REQUIRED) && (v[k] == NULL || strcmp(v[k], "--") == 0)) {
			*why = xasprintf("--%s: supervise needs it, the TUI does not pass it",
			    o->name);
			return (-1);
		}
	}
	for (argc = 0; v[argc] != NULL; argc++)
		;
	optind = 0;
	while ((c = cmd_getopts(e, argc, v)) != -1) {
		for (o = e->opts; o->name != NULL && o->key != c; o++)
			;
		for (k = 0; k < nitems(names) && o->name != NULL; k++)
			if (strcmp(o->name, names[k]) == 0)
				break;
		if (o->name == NULL || k == nitems(names) || strcmp(optarg, want[k]) != 0) {
			*why = xasprintf("--%s: %s", o->name != NULL ? o->name : "?",
			    optarg != NULL ? optarg : "(no value)");
			return (-1);
		}
		seen[k]++;
	}
	for (k = 0; k < nitems(names); k++) {
		if (seen[k] != 1) {
			*why = xasprintf("--%s given %zu times", names[k], seen[k]);
			return (-1);
		}
	}
	for (k = 0; s->argv != NULL && s->argv[k] != NULL; k++) {
		if (optind + (int)k >= argc || strcmp(v[optind + k], s->argv[k]) != 0) {
			*why = xasprintf("the command's argv differs at %zu", k);
			return (-1);
		}
	}
	if (optind + (int)k != argc) {
		*why = xasprintf("%d words left after the command's argv", argc - optind - (int)k);
		return (-1);
	}
	return (0);
}

/* The argv the TUI starts a step's supervisor with parses with supervise's own options. */
START_TEST(test_tui_supervise_argv)
{
	char *const		 cmd[] = { "sh", "-c", "echo --step", NULL };
	struct tui_supervise	 s = { "/usr/bin/patronus-dr", "/etc/patronus-dr/dr.yaml",
	    "INC-20261207-0300", "stop-services", "r-1", "ssh 10.0.0.1 pts/3",
	    "sh -c 'echo --step'", cmd };
	const char		**argv;
	char			 *why = NULL;

	argv = tui_main_supervise_argv(&s);
	ck_assert_msg(t_supervise_check(argv, &s, &why) == 0, "%s", why);
	free(argv);
	/* without --config and with the command through sh -c */
	s.config = NULL;
	s.argv = NULL;
	argv = tui_main_supervise_argv(&s);
	ck_assert_msg(t_supervise_check(argv, &s, &why) == 0, "%s", why);

	/* the check fails on a word supervise does not know and on a required one left out */
	argv[4] = "--stepp";
	ck_assert_int_eq(t_supervise_check(argv, &s, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "--stepp"));
	free(why);
	argv[4] = "--client";
	argv[5] = "x";
	ck_assert_int_eq(t_supervise_check(argv, &s, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "--step: supervise needs it"));
	free(why);
	free(argv);
}
END_TEST

/* The options suite. */
static Suite *
options_suite(void)
{
	Suite	*s = suite_create("options");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_tables_sound);
	tcase_add_test(tc, test_getopt_tables);
	tcase_add_test(tc, test_getopts_parses);
	tcase_add_test(tc, test_usage_line);
	tcase_add_test(tc, test_help_list);
	tcase_add_test(tc, test_every_help);
	tcase_add_test(tc, test_actions_are_options);
	tcase_add_test(tc, test_action_check_fails);
	tcase_add_test(tc, test_tui_supervise_argv);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (testlib_run(options_suite(), NULL));
}
