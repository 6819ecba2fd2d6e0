/*
 * options.c: a subcommand's options declared once (struct cmd_opt): the
 * getopt_long tables, the usage line and the help's option list are made
 * here from the entry's table.
 */
#include "system.h"

#include "cli/cmd.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* Whether o goes with the subcommand word (one of o->sub's '|'-separated names, or all when NULL). */
bool
cmd_opt_in_sub(const struct cmd_opt *o, const char *word)
{
	const char	*p, *bar;
	size_t		 len = strlen(word);

	if (o->sub == NULL || strcmp(o->sub, word) == 0)
		return (true);
	for (p = o->sub; *p != '\0'; p = *bar != '\0' ? bar + 1 : bar) {
		if ((bar = strchr(p, '|')) == NULL)
			bar = p + strlen(p);
		if ((size_t)(bar - p) == len && strncmp(p, word, len) == 0)
			return (true);
	}
	return (false);
}

/* The option called name (without "--") of e, or NULL. */
const struct cmd_opt *
cmd_opt_find(const struct cmd_entry *e, const char *name)
{
	const struct cmd_opt	*o;

	for (o = e->opts; o != NULL && o->name != NULL; o++)
		if (strcmp(o->name, name) == 0)
			return (o);
	return (NULL);
}

/*
 * getopt_long's tables for e: the short options into so ("h" first, after
 * "+" with CMD_OPTS_FIRST), the long ones (with "help" unless the table lists
 * it, to show it, and a zero row at the end) into *lo, which the caller
 * frees. An optional argument (CMD_OPT_OPTIONAL) is the next operand, which
 * the command takes itself: getopt sees no argument.
 */
void
cmd_opts_getopt(const struct cmd_entry *e, struct buf *so, struct option **lo)
{
	const struct cmd_opt	*o;
	size_t			 n = 0, i = 0;

	for (o = e->opts; o != NULL && o->name != NULL; o++)
		n++;
	*lo = xcalloc(n + 2, sizeof **lo);
	buf_adds(so, (e->flags & CMD_OPTS_FIRST) ? "+h" : "h");
	for (o = e->opts; o != NULL && o->name != NULL; o++, i++) {
		(*lo)[i].name = o->name;
		(*lo)[i].has_arg = o->arg != NULL && !(o->flags & CMD_OPT_OPTIONAL) ?
		    required_argument : no_argument;
		(*lo)[i].val = o->key;
		if ((o->flags & CMD_OPT_SHORT) && o->key != 'h') {
			buf_addc(so, (char)o->key);
			if ((*lo)[i].has_arg == required_argument)
				buf_addc(so, ':');
		}
	}
	if (cmd_opt_find(e, "help") == NULL) {
		(*lo)[i].name = "help";
		(*lo)[i].val = 'h';
	}
}

/* Append " [--NAME ARG]" (as o's flags say) to b. */
static void
cmd_opts_usage_one(const struct cmd_opt *o, struct buf *b)
{
	bool	req = (o->flags & CMD_OPT_REQUIRED) != 0;

	buf_printf(b, " %s--%s", req ? "" : "[", o->name);
	if (o->arg != NULL)
		buf_printf(b, (o->flags & CMD_OPT_OPTIONAL) ? " [%s]" : " %s", o->arg);
	buf_printf(b, "%s%s", req ? "" : "]", (o->flags & CMD_OPT_REPEAT) ? "..." : "");
}

/*
 * Append one form of the usage to b: the subcommand word(s) and operands
 * (form NULL: e's own operands), then the options that go with it; where
 * e's operands have "%s" (e.g. "%s [-- ARGV...]"), the options go there.
 */
static void
cmd_opts_usage_form(const struct cmd_entry *e, const struct cmd_sub *form, struct buf *b)
{
	const struct cmd_opt	*o;
	const char		*words, *pct;
	struct buf		 ob;

	buf_init(&ob);
	for (o = e->opts; o != NULL && o->name != NULL; o++) {
		if (o->flags & CMD_OPT_HIDDEN)
			continue;
		if (form != NULL && o->sub != NULL && strcmp(o->sub, form->name) != 0)
			continue;
		cmd_opts_usage_one(o, &ob);
	}
	if (form == NULL) {
		words = e->args != NULL ? e->args : "";
		if ((pct = strstr(words, "%s")) != NULL) {
			buf_add(b, words, (size_t)(pct - words));
			buf_adds(b, ob.len > 0 ? ob.data + 1 : "");
			buf_adds(b, pct + 2);
		} else
			buf_printf(b, "%s%s", words, *words != '\0' ? ob.data : ob.data +
			    (ob.len > 0));
	} else if (e->flags & CMD_OPTS_FIRST) {
		/* getopt stops at the first operand: the options before them */
		buf_printf(b, "%s%s", form->name, *form->name != '\0' ? ob.data : ob.data +
		    (ob.len > 0));
		if (*form->args != '\0')
			buf_printf(b, " %s", form->args);
	} else {
		buf_adds(b, form->name);
		if (*form->args != '\0')
			buf_printf(b, "%s%s", *form->name != '\0' ? " " : "", form->args);
		buf_adds(b, *form->name != '\0' || *form->args != '\0' ? ob.data : ob.data +
		    (ob.len > 0));
	}
	buf_clear(&ob);
}

/*
 * The usage after "COMMAND " into b: the operands and each option not
 * hidden; with subs, each form with its own options, joined by " | " (or one
 * line each) and put where args has "%s".
 */
void
cmd_opts_usage(const struct cmd_entry *e, struct buf *b)
{
	const struct cmd_sub	*s;
	const char		*pct;
	struct buf		 forms;

	if (e->subs == NULL) {
		cmd_opts_usage_form(e, NULL, b);	/* operands and options */
		return;
	}
	buf_init(&forms);
	for (s = e->subs; s->name != NULL; s++) {
		if (s != e->subs)
			buf_adds(&forms, e->sub_lines ? "\n       " : " | ");
		cmd_opts_usage_form(e, s, &forms);
	}
	if (e->args == NULL || (pct = strstr(e->args, "%s")) == NULL)
		buf_adds(b, forms.data);
	else {
		buf_add(b, e->args, (size_t)(pct - e->args));
		buf_adds(b, forms.data);
		buf_adds(b, pct + 2);
	}
	buf_clear(&forms);
}

/*
 * The help's option list into b: each option not hidden, "  -X, --NAME ARG"
 * (the argument's name and the help translated) then its help from column opt_col, on the next line when the
 * name does not leave two spaces before it.
 */
void
cmd_opts_help(const struct cmd_entry *e, struct buf *b)
{
	const struct cmd_opt	*o;
	const char		*p, *nl;
	size_t			 start, col = (size_t)e->opt_col;

	for (o = e->opts; o != NULL && o->name != NULL; o++) {
		if (o->flags & CMD_OPT_HIDDEN)
			continue;
		start = b->len;
		buf_adds(b, "  ");
		if (o->flags & CMD_OPT_SHORT)
			buf_printf(b, "-%c, ", (char)o->key);
		buf_printf(b, "--%s", o->name);
		if (o->arg != NULL)
			buf_printf(b, (o->flags & CMD_OPT_OPTIONAL) ? " [%s]" : " %s",
			    _(o->arg));
		if (b->len - start + 2 > col) {
			buf_addc(b, '\n');
			start = b->len;
		}
		while (b->len - start < col)
			buf_addc(b, ' ');
		for (p = _(o->help); *p != '\0'; p = nl) {
			if ((nl = strchr(p, '\n')) == NULL)
				nl = p + strlen(p);
			else
				nl++;
			if (p != _(o->help))
				buf_printf(b, "%*s", (int)col, "");
			buf_add(b, p, (size_t)(nl - p));
		}
		if (b->len > 0 && b->data[b->len - 1] != '\n')
			buf_addc(b, '\n');
	}
}
