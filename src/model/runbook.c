/* runbook.c: runbooks in YAML (man/patronus-dr-runbook.5): loading, checking, variables. */
#include "system.h"

#include <dirent.h>
#include <fcntl.h>
#include <yaml.h>

#include "engine/host/action.h"
#include "model/incident.h"
#include "model/runbook.h"
#include "util/conf.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* One problem found in a file, kept until all are sorted by position. */
struct rb_error {
	size_t	 line;		/* 1-based */
	size_t	 column;	/* 1-based */
	size_t	 seq;		/* order found, for a stable sort */
	char	*msg;
};

/* The state of one load: the document and the problems found so far. */
struct rb_parse {
	const char	*file;		/* as named by the caller, for messages */
	yaml_document_t	 doc;
	struct runbook	*rb;
	struct rb_error	*errs;
	size_t		 nerrs;
	size_t		 errcap;
	size_t		 dropped;	/* problems past RB_MAX_ERRORS */
	unsigned char	*seen;		/* per node: visited, so an alias is caught */
	size_t		 nnodes;
};

/* Whether enough problems were found that no more are kept (skip costly hints). */
#define RB_FULL(rp) ((rp)->nerrs >= RB_MAX_ERRORS)

/* The most steps of a runbook, and answers or questions of a step. */
#define RB_MAX_STEPS	1000
#define RB_MAX_CHOICES	100

/* The most problems kept for one file; a line says how many more there were. */
#define RB_MAX_ERRORS 100

static const char *const rb_incident_vars[] = RB_INCIDENT_VARS;

static void	rb_step_clear(struct rb_step *);

/* The keys of a runbook, of a step, of a decide and its answers, of a question. */
enum { RK_ID, RK_TITLE, RK_DESCRIPTION, RK_RTO, RK_RPO, RK_RESTORE_BEFORE, RK_ROLES,
    RK_DETECTION, RK_PREREQUISITES, RK_STEPS, RK_SCHEDULE, RK_UNATTENDED, RK__COUNT };
static const char *const rb_keys[RK__COUNT] = { "id", "title", "description", "rto",
    "rpo", "restore_before", "roles", "detection", "prerequisites", "steps", "schedule",
    "unattended" };

enum { SK_ID, SK_TITLE, SK_ROLE, SK_EXPECT, SK_DESCRIPTION, SK_DRILL, SK_CONFIRM,
    SK_RUN, SK_ACTION, SK_WITH, SK_CHECKLIST, SK_DECIDE, SK_PROMPT, SK_USE,
    SK_RESTORES_SERVICE, SK__COUNT };
static const char *const step_keys[SK__COUNT] = { "id", "title", "role", "expect",
    "description", "drill", "confirm", "run", "action", "with", "checklist", "decide",
    "prompt", "use", "restores_service" };

/* The keys that give a step its work, with the kind each means. */
static const struct {
	int		key;
	enum rb_kind	kind;
} step_kinds[] = {
	{ SK_RUN, RB_RUN }, { SK_ACTION, RB_ACTION }, { SK_CHECKLIST, RB_CHECKLIST },
	{ SK_DECIDE, RB_DECIDE }, { SK_PROMPT, RB_PROMPT }, { SK_USE, RB_USE },
};

enum { DK_QUESTION, DK_ANSWERS, DK_DEFAULT, DK__COUNT };
static const char *const decide_keys[DK__COUNT] = { "question", "answers", "default" };
enum { AK_ANSWER, AK_NEXT, AK__COUNT };
static const char *const answer_keys[AK__COUNT] = { "answer", "next" };
enum { QK_ID, QK_TEXT, QK__COUNT };
static const char *const question_keys[QK__COUNT] = { "id", "text" };

/* Record a problem at a mark. */
static void PDR_PRINTF(3, 4)
rb_error(struct rb_parse *rp, const yaml_mark_t *mark, const char *fmt, ...)
{
	va_list		 ap;
	struct rb_error	*e;

	if (rp->nerrs >= RB_MAX_ERRORS) {
		rp->dropped++;
		return;
	}
	if (rp->nerrs == rp->errcap) {
		rp->errcap = rp->errcap == 0 ? 8 : rp->errcap * 2;
		rp->errs = xreallocarray(rp->errs, rp->errcap, sizeof *rp->errs);
	}
	e = &rp->errs[rp->nerrs];
	e->line = mark->line + 1;
	e->column = mark->column + 1;
	e->seq = rp->nerrs++;
	va_start(ap, fmt);
	e->msg = xvasprintf(fmt, ap);
	va_end(ap);
}

/* Order problems by position, then by the order they were found. */
static int
rb_error_cmp(const void *a, const void *b)
{
	const struct rb_error	*x = a, *y = b;

	if (x->line != y->line)
		return (x->line < y->line ? -1 : 1);
	if (x->column != y->column)
		return (x->column < y->column ? -1 : 1);
	return (x->seq < y->seq ? -1 : x->seq > y->seq);
}

/* Append one line "FILE:LINE:COLUMN: msg" to a message list (*errors may be NULL). */
static void
rb_append_error(char **errors, const char *file, size_t line, size_t column,
    const char *msg)
{
	char	*s;

	if (*errors == NULL)
		s = xasprintf("%s:%zu:%zu: %s", file, line, column, msg);
	else
		s = xasprintf("%s\n%s:%zu:%zu: %s", *errors, file, line, column, msg);
	free(*errors);
	*errors = s;
}

/* Hand the sorted problems to *errors and forget them. */
static void
rb_flush_errors(struct rb_parse *rp, char **errors)
{
	size_t	i;

	qsort(rp->errs, rp->nerrs, sizeof *rp->errs, rb_error_cmp);
	for (i = 0; i < rp->nerrs; i++) {
		if (errors != NULL)
			rb_append_error(errors, rp->file, rp->errs[i].line,
			    rp->errs[i].column, rp->errs[i].msg);
		free(rp->errs[i].msg);
	}
	if (rp->dropped > 0 && errors != NULL && rp->nerrs > 0) {
		char	*msg = xasprintf(_("%zu more problems not shown"), rp->dropped);

		rb_append_error(errors, rp->file, rp->errs[rp->nerrs - 1].line,
		    rp->errs[rp->nerrs - 1].column, msg);
		free(msg);
	}
	free(rp->errs);
	rp->errs = NULL;
	rp->nerrs = rp->errcap = rp->dropped = 0;
}

/* A 1-based mark from a libyaml one. */
static struct rb_mark
rb_mark_of(const yaml_node_t *n)
{
	struct rb_mark	m;

	m.line = (int)n->start_mark.line + 1;
	m.column = (int)n->start_mark.column + 1;
	return (m);
}

/* A libyaml mark from a 1-based one, for messages. */
static yaml_mark_t
rb_ymark(struct rb_mark m)
{
	yaml_mark_t	y;

	memset(&y, 0, sizeof y);
	y.line = (size_t)m.line - 1;
	y.column = (size_t)m.column - 1;
	return (y);
}

/* The name of a node's type, for messages. */
static const char *
rb_node_type(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return (_("a mapping"));
	case YAML_SEQUENCE_NODE:
		return (_("a list"));
	default:
		return (_("a single value"));
	}
}

/* Whether a scalar is YAML null: ~, null or nothing. */
static bool
rb_is_null(const yaml_node_t *n)
{
	const char	*v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return (false);
	v = (const char *)n->data.scalar.value;
	return (*v == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	    strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0);
}

/*
 * A node of the document by index, or NULL when it was already visited: the
 * same node twice means a YAML alias, which runbooks do not use (and which
 * could make a small file expand without bound).
 */
static yaml_node_t *
rb_node(struct rb_parse *rp, int idx)
{
	yaml_node_t	*n;
	size_t		 i;

	if ((n = yaml_document_get_node(&rp->doc, idx)) == NULL)
		return (NULL);
	i = (size_t)idx - 1;
	if (i >= rp->nnodes)
		return (NULL);
	if (rp->seen[i] != 0) {
		if (rp->seen[i] == 1)
			rb_error(rp, &n->start_mark, _("this node is used again through a "
			    "YAML alias; runbooks do not use aliases (write it out)"));
		rp->seen[i] = 2;
		return (NULL);
	}
	rp->seen[i] = 1;
	return (n);
}

/* The edit distance of two short names, or a large number for long ones. */
static size_t
rb_distance(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), i, j, prev[65], cur[65];

	if (la > 64 || lb > 64)
		return (SIZE_MAX);
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			cur[j] = prev[j - 1] + (a[i - 1] != b[j - 1]);
			if (prev[j] + 1 < cur[j])
				cur[j] = prev[j] + 1;
			if (cur[j - 1] + 1 < cur[j])
				cur[j] = cur[j - 1] + 1;
		}
		memcpy(prev, cur, (lb + 1) * sizeof *prev);
	}
	return (prev[lb]);
}

/*
 * A hint naming the closest of the n candidates to name, for a message:
 * " (did you mean \"X\"?)", or "" when none is close. Points to static memory.
 */
static const char *
rb_suggest(const char *name, const char *const *cands, size_t n)
{
	static char	 hint[128];
	const char	*best = NULL;
	size_t		 i, d, bestd = SIZE_MAX, limit;

	limit = strlen(name) <= 3 ? 1 : 2;
	for (i = 0; i < n; i++) {
		if ((d = rb_distance(name, cands[i])) < bestd) {
			bestd = d;
			best = cands[i];
		}
	}
	if (best == NULL || bestd > limit) {
		hint[0] = '\0';
		return (hint);
	}
	xsnprintf(hint, sizeof hint, _(" (did you mean \"%s\"?)"), best);
	return (hint);
}

/* The hint for a misspelt ${variable}: the closest dr.yaml key or incident.* name. */
static const char *
rb_suggest_var(const char *name)
{
	const char	*cands[CONF__COUNT + nitems(rb_incident_vars)];
	size_t		 i, n = 0;

	for (i = 0; i < CONF__COUNT; i++)
		cands[n++] = conf_key_name((enum conf_key)i);
	for (i = 0; i < nitems(rb_incident_vars); i++)
		cands[n++] = rb_incident_vars[i];
	return (rb_suggest(name, cands, n));
}

/* The hint for a misspelt action name. */
static const char *
rb_suggest_action(const char *name)
{
	const struct action_def	*defs;
	const char		*cands[64];
	size_t			 i, n;

	defs = action_list(&n);
	for (i = 0; i < n && i < nitems(cands); i++)
		cands[i] = defs[i].name;
	return (rb_suggest(name, cands, i));
}

/* The hint for a misspelt parameter of an action. */
static const char *
rb_suggest_param(const struct action_def *def, const char *name)
{
	const char	*cands[32];
	size_t		 n = 0;

	while (n < nitems(cands) && def->params[n].name != NULL) {
		cands[n] = def->params[n].name;
		n++;
	}
	return (rb_suggest(name, cands, n));
}

/*
 * Sort the pairs of a mapping into vals[] by key (keys[] has nkeys names):
 * unknown and duplicate keys are problems. knodes[] gets the key nodes.
 */
static void
rb_map(struct rb_parse *rp, yaml_node_t *map, const char *where,
    const char *const *keys, size_t nkeys, yaml_node_t **vals, yaml_node_t **knodes)
{
	yaml_node_pair_t	*pair;
	yaml_node_t		*k;
	const char		*name;
	size_t			 i;

	for (i = 0; i < nkeys; i++)
		vals[i] = knodes[i] = NULL;
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		k = rb_node(rp, pair->key);
		if (k == NULL || k->type != YAML_SCALAR_NODE) {
			if (k != NULL)
				rb_error(rp, &k->start_mark, _("keys must be plain names"));
			continue;
		}
		name = (const char *)k->data.scalar.value;
		for (i = 0; i < nkeys; i++)
			if (strcmp(keys[i], name) == 0)
				break;
		if (i == nkeys) {
			rb_error(rp, &k->start_mark, _("unknown key \"%s\" in %s%s"), name, where,
			    RB_FULL(rp) ? "" : rb_suggest(name, keys, nkeys));
			continue;
		}
		if (vals[i] != NULL) {
			rb_error(rp, &k->start_mark, _("duplicate key \"%s\" (first at line %zu)"),
			    name, knodes[i]->start_mark.line + 1);
			continue;
		}
		vals[i] = rb_node(rp, pair->value);	/* NULL for an alias */
		knodes[i] = k;
	}
}

/* Check the ${variables} of a text; problems point at its node. */
static void
rb_check_vars(struct rb_parse *rp, const yaml_node_t *n, const char *text)
{
	const char	*p, *end;
	char		*name;

	for (p = text; (p = strchr(p, '$')) != NULL; ) {
		if (p[1] == '$' && p[2] == '{') {	/* $${ is a literal ${ */
			p += 3;
			continue;
		}
		if (p[1] != '{') {
			p++;
			continue;
		}
		if ((end = strchr(p + 2, '}')) == NULL) {
			rb_error(rp, &n->start_mark, _("unterminated \"${\" (write \"$${\" for "
			    "a literal \"${\")"));
			return;
		}
		name = xstrndup(p + 2, (size_t)(end - p - 2));
		if (!runbook_var_known(name))
			rb_error(rp, &n->start_mark, _("undefined variable \"${%s}\"%s"), name,
			    RB_FULL(rp) ? "" : rb_suggest_var(name));
		free(name);
		p = end + 1;
	}
}

/*
 * The text of a scalar, copied (the caller frees), or NULL after a problem:
 * not a single value, or empty when required.
 */
static char *
rb_text(struct rb_parse *rp, yaml_node_t *n, const char *key, bool vars)
{
	const char	*v;

	if (n->type == YAML_MAPPING_NODE) {
		rb_error(rp, &n->start_mark, _("%s: expected text, found a mapping (put "
		    "text that contains \": \" in quotes)"), key);
		return (NULL);
	}
	if (n->type != YAML_SCALAR_NODE) {
		rb_error(rp, &n->start_mark, _("%s: expected text, found %s"), key,
		    rb_node_type(n));
		return (NULL);
	}
	if (rb_is_null(n)) {
		rb_error(rp, &n->start_mark, _("%s: a value is required"), key);
		return (NULL);
	}
	v = (const char *)n->data.scalar.value;
	if (vars)
		rb_check_vars(rp, n, v);
	return (xstrdup(v));
}

/* Whether a name is a valid id: letters, digits, '-' and '_'. */
static bool
rb_valid_id(const char *s)
{
	if (*s == '\0')
		return (false);
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return (false);
	return (true);
}

/* An id (runbook, step or question), copied, or NULL after a problem. */
static char *
rb_id(struct rb_parse *rp, yaml_node_t *n, const char *key)
{
	char	*v;

	if ((v = rb_text(rp, n, key, false)) == NULL)
		return (NULL);
	if (!rb_valid_id(v)) {
		rb_error(rp, &n->start_mark, _("%s: \"%s\" is not a valid id (use letters, "
		    "digits, '-' and '_')"), key, v);
		free(v);
		return (NULL);
	}
	return (v);
}

/* A duration ("15m", "2h"), or -1 after a problem. */
static int64_t
rb_duration(struct rb_parse *rp, yaml_node_t *n, const char *key)
{
	char	*v, *cause = NULL;
	int64_t	 secs;

	if ((v = rb_text(rp, n, key, false)) == NULL)
		return (-1);
	if (duration_parse(v, &secs, &cause) != 0) {
		rb_error(rp, &n->start_mark, "%s: %s", key, cause);
		free(cause);
		free(v);
		return (-1);
	}
	free(v);
	return (secs);
}

/* A list of texts, copied into *list and *count; problems for anything else. */
static void
rb_text_list(struct rb_parse *rp, yaml_node_t *n, const char *key, bool vars,
    char ***list, size_t *count)
{
	yaml_node_item_t	*it;
	yaml_node_t		*item;
	char			*v;
	size_t			 cap;

	*list = NULL;
	*count = 0;
	if (n->type != YAML_SEQUENCE_NODE) {
		if (!rb_is_null(n))
			rb_error(rp, &n->start_mark, _("%s: expected a list, found %s"), key,
			    rb_node_type(n));
		return;
	}
	cap = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	*list = xcalloc(cap + 1, sizeof **list);
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		if ((item = rb_node(rp, *it)) == NULL)
			continue;
		if ((v = rb_text(rp, item, key, vars)) != NULL)
			(*list)[(*count)++] = v;
	}
}

/* Report a required key that is missing from a mapping (knode: its key node, or NULL). */
static void
rb_require(struct rb_parse *rp, yaml_node_t *map, yaml_node_t *knode, const char *key,
    const char *where)
{
	if (knode == NULL)
		rb_error(rp, &map->start_mark, _("missing required key \"%s\" in %s"), key,
		    where);
}

/* Parse the with: parameters of an action step and check them against the registry. */
static void
rb_parse_with(struct rb_parse *rp, struct rb_step *st, yaml_node_t *actnode,
    yaml_node_t *with)
{
	const struct action_def		*def;
	const struct action_param	*ap;
	yaml_node_pair_t		*pair;
	yaml_node_t			*k, *v;
	struct rb_param			*p;
	size_t				 i, cap;
	bool				 seen;

	def = st->action != NULL ? action_find(st->action) : NULL;
	if (st->action != NULL && def == NULL)
		rb_error(rp, &actnode->start_mark, _("unknown action \"%s\"%s"), st->action,
		    RB_FULL(rp) ? "" : rb_suggest_action(st->action));
	if (with != NULL && with->type != YAML_MAPPING_NODE) {
		if (!rb_is_null(with))
			rb_error(rp, &with->start_mark,
			    _("with: expected a mapping of parameters, found %s"),
			    rb_node_type(with));
		with = NULL;
	}
	if (with != NULL) {
		cap = (size_t)(with->data.mapping.pairs.top - with->data.mapping.pairs.start);
		if (cap > RB_MAX_CHOICES) {
			rb_error(rp, &with->start_mark, _("with: more than %d parameters"),
			    RB_MAX_CHOICES);
			return;
		}
		st->params = xcalloc(cap + 1, sizeof *st->params);
		for (pair = with->data.mapping.pairs.start;
		    pair < with->data.mapping.pairs.top; pair++) {
			k = rb_node(rp, pair->key);
			v = rb_node(rp, pair->value);
			if (k == NULL || v == NULL)
				continue;
			if (k->type != YAML_SCALAR_NODE) {
				rb_error(rp, &k->start_mark, _("keys must be plain names"));
				continue;
			}
			for (i = 0; i < st->nparams; i++)
				if (strcmp(st->params[i].name,
				    (const char *)k->data.scalar.value) == 0)
					break;
			if (i < st->nparams) {
				rb_error(rp, &k->start_mark, _("duplicate key \"%s\" (first at "
				    "line %d)"), st->params[i].name, st->params[i].mark.line);
				continue;
			}
			ap = NULL;
			if (def != NULL && (ap = action_find_param(def,
			    (const char *)k->data.scalar.value)) == NULL) {
				rb_error(rp, &k->start_mark, _("action \"%s\" has no parameter "
				    "\"%s\"%s"), def->name, (const char *)k->data.scalar.value,
				    RB_FULL(rp) ? "" : rb_suggest_param(def,
				    (const char *)k->data.scalar.value));
				continue;
			}
			if (v->type != YAML_SCALAR_NODE || rb_is_null(v)) {
				rb_error(rp, &v->start_mark, _("with: %s: expected a value"),
				    (const char *)k->data.scalar.value);
				continue;
			}
			if (ap != NULL && ap->flag &&
			    action_flag_value((const char *)v->data.scalar.value) == -1) {
				rb_error(rp, &v->start_mark, _("with: %s: expected true or false"),
				    ap->name);
				continue;
			}
			rb_check_vars(rp, v, (const char *)v->data.scalar.value);
			p = &st->params[st->nparams++];
			p->name = xstrdup((const char *)k->data.scalar.value);
			p->value = xstrdup((const char *)v->data.scalar.value);
			p->mark = rb_mark_of(k);
		}
	}
	if (def == NULL)
		return;
	for (ap = def->params; ap->name != NULL; ap++) {
		if (!ap->required)
			continue;
		seen = false;
		for (i = 0; i < st->nparams; i++)
			if (strcmp(st->params[i].name, ap->name) == 0)
				seen = true;
		if (!seen)
			rb_error(rp, with != NULL ? &with->start_mark : &actnode->start_mark,
			    _("action \"%s\" needs the parameter \"%s\" (with: {%s: ...})"),
			    def->name, ap->name, ap->name);
	}
}

/* Parse a decide's default: the label of one of its answers. */
static void
rb_parse_default(struct rb_parse *rp, struct rb_step *st, yaml_node_t *n)
{
	char	*label;
	size_t	 i;

	if ((label = rb_text(rp, n, "default", true)) == NULL)
		return;
	for (i = 0; i < st->nanswers; i++)
		if (strcmp(st->answers[i].label, label) == 0) {
			st->has_default = true;
			st->default_answer = i;
		}
	if (!st->has_default)
		rb_error(rp, &n->start_mark, _("default: \"%s\" is not one of the answers"),
		    label);
	free(label);
}

/* Parse a decide: mapping (question and answers). */
static void
rb_parse_decide(struct rb_parse *rp, struct rb_step *st, yaml_node_t *n)
{
	yaml_node_t		*dv[DK__COUNT], *dk[DK__COUNT], *av[AK__COUNT], *ak[AK__COUNT];
	yaml_node_item_t	*it;
	yaml_node_t		*item;
	struct rb_answer	*a;
	size_t			 cap, i;

	if (n->type != YAML_MAPPING_NODE) {
		rb_error(rp, &n->start_mark, _("decide: expected a mapping with question and "
		    "answers, found %s"), rb_node_type(n));
		return;
	}
	rb_map(rp, n, _("a decide"), decide_keys, DK__COUNT, dv, dk);
	rb_require(rp, n, dk[DK_QUESTION], "question", _("a decide"));
	rb_require(rp, n, dk[DK_ANSWERS], "answers", _("a decide"));
	if (dv[DK_QUESTION] != NULL)
		st->question = rb_text(rp, dv[DK_QUESTION], "question", true);
	if (dv[DK_ANSWERS] == NULL)
		return;
	if (dv[DK_ANSWERS]->type != YAML_SEQUENCE_NODE) {
		rb_error(rp, &dv[DK_ANSWERS]->start_mark, _("answers: expected a list, found %s"),
		    rb_node_type(dv[DK_ANSWERS]));
		return;
	}
	cap = (size_t)(dv[DK_ANSWERS]->data.sequence.items.top -
	    dv[DK_ANSWERS]->data.sequence.items.start);
	if (cap > RB_MAX_CHOICES) {
		rb_error(rp, &dv[DK_ANSWERS]->start_mark, _("answers: more than %d"),
		    RB_MAX_CHOICES);
		return;
	}
	st->answers = xcalloc(cap + 1, sizeof *st->answers);
	for (it = dv[DK_ANSWERS]->data.sequence.items.start;
	    it < dv[DK_ANSWERS]->data.sequence.items.top; it++) {
		if ((item = rb_node(rp, *it)) == NULL)
			continue;
		if (item->type != YAML_MAPPING_NODE) {
			rb_error(rp, &item->start_mark, _("answers: expected a mapping "
			    "(answer: TEXT, next: STEP), found %s"), rb_node_type(item));
			continue;
		}
		rb_map(rp, item, _("an answer"), answer_keys, AK__COUNT, av, ak);
		rb_require(rp, item, ak[AK_ANSWER], "answer", _("an answer"));
		if (av[AK_ANSWER] == NULL)
			continue;
		a = &st->answers[st->nanswers];
		if ((a->label = rb_text(rp, av[AK_ANSWER], "answer", true)) == NULL)
			continue;
		for (i = 0; i < st->nanswers; i++)
			if (strcmp(st->answers[i].label, a->label) == 0)
				rb_error(rp, &av[AK_ANSWER]->start_mark,
				    _("duplicate answer \"%s\""), a->label);
		a->mark = rb_mark_of(item);
		a->next_mark = a->mark;
		if (av[AK_NEXT] != NULL && !rb_is_null(av[AK_NEXT])) {
			a->next = rb_id(rp, av[AK_NEXT], "next");
			a->next_mark = rb_mark_of(av[AK_NEXT]);
		}
		st->nanswers++;
	}
	if (cap < 2)
		rb_error(rp, &dv[DK_ANSWERS]->start_mark,
		    _("decide needs at least two answers"));
	if (dv[DK_DEFAULT] != NULL)
		rb_parse_default(rp, st, dv[DK_DEFAULT]);
}

/* Parse a prompt: list of questions (id and text). */
static void
rb_parse_prompt(struct rb_parse *rp, struct rb_step *st, yaml_node_t *n)
{
	yaml_node_t		*qv[QK__COUNT], *qk[QK__COUNT];
	yaml_node_item_t	*it;
	yaml_node_t		*item;
	struct rb_question	*q;
	size_t			 cap, i;

	if (n->type != YAML_SEQUENCE_NODE || n->data.sequence.items.top ==
	    n->data.sequence.items.start) {
		rb_error(rp, &n->start_mark, _("prompt: expected a list of questions "
		    "(- id: NAME, text: QUESTION)"));
		return;
	}
	cap = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (cap > RB_MAX_CHOICES) {
		rb_error(rp, &n->start_mark, _("prompt: more than %d questions"),
		    RB_MAX_CHOICES);
		return;
	}
	st->questions = xcalloc(cap + 1, sizeof *st->questions);
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		if ((item = rb_node(rp, *it)) == NULL)
			continue;
		if (item->type != YAML_MAPPING_NODE) {
			rb_error(rp, &item->start_mark, _("prompt: expected a question "
			    "(id: NAME, text: QUESTION), found %s"), rb_node_type(item));
			continue;
		}
		rb_map(rp, item, _("a question"), question_keys, QK__COUNT, qv, qk);
		rb_require(rp, item, qk[QK_ID], "id", _("a question"));
		rb_require(rp, item, qk[QK_TEXT], "text", _("a question"));
		if (qv[QK_ID] == NULL || qv[QK_TEXT] == NULL)
			continue;
		q = &st->questions[st->nquestions];
		q->id = rb_id(rp, qv[QK_ID], "id");
		q->text = rb_text(rp, qv[QK_TEXT], "text", true);
		if (q->id == NULL || q->text == NULL) {
			free(q->id);
			free(q->text);
			q->id = q->text = NULL;
			continue;
		}
		for (i = 0; i < st->nquestions; i++)
			if (strcmp(st->questions[i].id, q->id) == 0)
				rb_error(rp, &qv[QK_ID]->start_mark,
				    _("duplicate question id \"%s\""), q->id);
		q->mark = rb_mark_of(item);
		st->nquestions++;
	}
}

/* Parse a true/false value (confirm:, restores_service:). */
static bool
rb_bool(struct rb_parse *rp, yaml_node_t *n, const char *key)
{
	int	v = -1;

	if (n->type == YAML_SCALAR_NODE)
		v = action_flag_value((const char *)n->data.scalar.value);
	if (v == -1) {
		rb_error(rp, &n->start_mark, _("%s: expected true or false"), key);
		return (false);
	}
	return (v == 1);
}

/* Parse a drill: value (run, simulate or skip). */
static enum rb_drill
rb_parse_drill(struct rb_parse *rp, yaml_node_t *n)
{
	const char	*v;

	if (n->type == YAML_SCALAR_NODE) {
		v = (const char *)n->data.scalar.value;
		if (strcmp(v, "run") == 0)
			return (RB_DRILL_RUN);
		if (strcmp(v, "simulate") == 0)
			return (RB_DRILL_SIMULATE);
		if (strcmp(v, "skip") == 0)
			return (RB_DRILL_SKIP);
	}
	rb_error(rp, &n->start_mark, _("drill: expected run, simulate or skip"));
	return (RB_DRILL_DEFAULT);
}

/* Whether a role is one of the runbook's roles. */
static bool
rb_has_role(const struct runbook *rb, const char *role)
{
	size_t	i;

	for (i = 0; i < rb->nroles; i++)
		if (strcmp(rb->roles[i], role) == 0)
			return (true);
	return (false);
}

/*
 * Parse one step (a mapping) into st; returns false when it has no usable id.
 * *idnode is set to the node of its id.
 */
static bool
rb_parse_step(struct rb_parse *rp, struct rb_step *st, yaml_node_t *n, yaml_node_t **idnode)
{
	yaml_node_t	*sv[SK__COUNT], *sk[SK__COUNT], *first, *work = NULL;
	int		 workkey = -1;
	size_t		 i;

	if (n->type != YAML_MAPPING_NODE) {
		rb_error(rp, &n->start_mark, _("a step must be a mapping (- id: NAME ...), "
		    "found %s"), rb_node_type(n));
		return (false);
	}
	st->mark = rb_mark_of(n);
	rb_map(rp, n, _("a step"), step_keys, SK__COUNT, sv, sk);
	if (sk[SK_ID] == NULL) {
		rb_error(rp, &n->start_mark, _("missing required key \"id\" in a step"));
	} else if (sv[SK_ID] != NULL &&
	    n->data.mapping.pairs.start < n->data.mapping.pairs.top &&
	    (first = yaml_document_get_node(&rp->doc,
	    n->data.mapping.pairs.start->key)) != sk[SK_ID] &&
	    first != NULL) {
		rb_error(rp, &first->start_mark, _("a step begins with its id "
		    "(write \"- id: %s\" first)"), sv[SK_ID]->type == YAML_SCALAR_NODE ?
		    (const char *)sv[SK_ID]->data.scalar.value : "NAME");
	}
	if (sv[SK_ID] != NULL)
		st->id = rb_id(rp, sv[SK_ID], "id");
	*idnode = sv[SK_ID];
	rb_require(rp, n, sk[SK_TITLE], "title", _("a step"));
	if (sv[SK_TITLE] != NULL)
		st->title = rb_text(rp, sv[SK_TITLE], "title", true);
	if (sv[SK_ROLE] != NULL && (st->role = rb_text(rp, sv[SK_ROLE], "role", false))
	    != NULL && rp->rb->nroles > 0 && !rb_has_role(rp->rb, st->role))
		rb_error(rp, &sv[SK_ROLE]->start_mark, _("role \"%s\" is not one of the "
		    "runbook's roles"), st->role);
	if (sv[SK_EXPECT] != NULL)
		st->expect = rb_duration(rp, sv[SK_EXPECT], "expect");
	if (st->expect < 0)
		st->expect = 0;
	if (sv[SK_DESCRIPTION] != NULL && !rb_is_null(sv[SK_DESCRIPTION]))
		st->description = rb_text(rp, sv[SK_DESCRIPTION], "description", true);
	if (sv[SK_DRILL] != NULL)
		st->drill = rb_parse_drill(rp, sv[SK_DRILL]);
	if (sv[SK_CONFIRM] != NULL)
		st->confirm = rb_bool(rp, sv[SK_CONFIRM], "confirm");
	if (sv[SK_RESTORES_SERVICE] != NULL)
		st->restores_service = rb_bool(rp, sv[SK_RESTORES_SERVICE], "restores_service");

	for (i = 0; i < nitems(step_kinds); i++) {
		if (sk[step_kinds[i].key] == NULL)
			continue;
		if (workkey != -1) {
			rb_error(rp, &sk[step_kinds[i].key]->start_mark, _("a step does one "
			    "kind of work: %s and %s both given"), step_keys[workkey],
			    step_keys[step_kinds[i].key]);
			continue;
		}
		work = sv[step_kinds[i].key];
		workkey = step_kinds[i].key;
		st->kind = step_kinds[i].kind;
	}
	if (workkey == -1) {
		rb_error(rp, &n->start_mark, _("a step needs work: one of run, action, "
		    "checklist, decide, prompt or use"));
		return (st->id != NULL);
	}
	if (work == NULL)
		return (st->id != NULL);	/* an alias, reported */
	st->work_mark = rb_mark_of(work);
	if (sv[SK_WITH] != NULL && st->kind != RB_ACTION)
		rb_error(rp, &sk[SK_WITH]->start_mark, _("with: gives the parameters of an "
		    "action: step"));
	if (sv[SK_CONFIRM] != NULL && st->kind != RB_RUN && st->kind != RB_ACTION)
		rb_error(rp, &sk[SK_CONFIRM]->start_mark, _("confirm: applies to run: and "
		    "action: steps"));
	switch (st->kind) {
	case RB_RUN:
		st->run = rb_text(rp, work, "run", true);
		break;
	case RB_ACTION:
		st->action = rb_text(rp, work, "action", false);
		rb_parse_with(rp, st, work, sv[SK_WITH]);
		break;
	case RB_CHECKLIST:
		if (rb_is_null(work) || (work->type == YAML_SEQUENCE_NODE &&
		    work->data.sequence.items.top == work->data.sequence.items.start))
			rb_error(rp, &work->start_mark, _("checklist: expected a list of "
			    "items"));
		else
			rb_text_list(rp, work, "checklist", true, &st->items, &st->nitems);
		break;
	case RB_DECIDE:
		rb_parse_decide(rp, st, work);
		break;
	case RB_PROMPT:
		rb_parse_prompt(rp, st, work);
		break;
	case RB_USE:
		st->use = rb_id(rp, work, "use");
		break;
	}
	return (st->id != NULL);
}

/* Parse the steps: list, then check ids and decide targets across steps. */
static void
rb_parse_steps(struct rb_parse *rp, yaml_node_t *n)
{
	struct runbook		*rb = rp->rb;
	yaml_node_item_t	*it;
	yaml_node_t		*item, *idnode;
	struct rb_step		*st;
	yaml_mark_t		 ym;
	size_t			 cap, i, j;

	if (n->type != YAML_SEQUENCE_NODE) {
		rb_error(rp, &n->start_mark, _("steps: expected a list of steps, found %s"),
		    rb_is_null(n) ? _("nothing") : rb_node_type(n));
		return;
	}
	cap = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (cap == 0) {
		rb_error(rp, &n->start_mark, _("steps: a runbook needs at least one step"));
		return;
	}
	if (cap > RB_MAX_STEPS) {
		rb_error(rp, &n->start_mark, _("steps: %zu steps, more than the %d a runbook "
		    "may have"), cap, RB_MAX_STEPS);
		return;
	}
	rb->steps = xcalloc(cap, sizeof *rb->steps);
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		if ((item = rb_node(rp, *it)) == NULL)
			continue;
		st = &rb->steps[rb->nsteps];
		idnode = NULL;
		if (!rb_parse_step(rp, st, item, &idnode)) {
			rb_step_clear(st);	/* a problem was reported */
			continue;
		}
		for (j = 0; j < rb->nsteps; j++) {
			if (strcmp(rb->steps[j].id, st->id) == 0) {
				rb_error(rp, &idnode->start_mark, _("duplicate step id \"%s\" "
				    "(first at line %d)"), st->id, rb->steps[j].mark.line);
				break;
			}
		}
		rb->nsteps++;
	}

	for (i = 0; i < rb->nsteps; i++) {
		st = &rb->steps[i];
		for (j = 0; j < st->nanswers; j++) {
			if (st->answers[j].next == NULL)
				continue;
			if (runbook_step_index(rb, st->answers[j].next) == -1) {
				ym = rb_ymark(st->answers[j].next_mark);
				rb_error(rp, &ym, _("answer \"%s\" leads to step \"%s\", which "
				    "does not exist"), st->answers[j].label, st->answers[j].next);
			}
		}
		if (st->kind == RB_DECIDE && i + 1 == rb->nsteps) {
			for (j = 0; j < st->nanswers; j++) {
				if (st->answers[j].next != NULL)
					continue;
				ym = rb_ymark(st->answers[j].mark);
				rb_error(rp, &ym, _("answer \"%s\" leads to no step (the decide "
				    "is the last step: give next:)"), st->answers[j].label);
			}
		}
	}
}

/*
 * schedule: how often the runbook is to be drilled: daily, weekly, monthly,
 * quarterly, yearly (calendar months for the last three) or a duration ("90d").
 */
static void
rb_parse_schedule(struct rb_parse *rp, yaml_node_t *n)
{
	static const struct { const char *name; int months; int64_t secs; } named[] = {
		{ "daily", 0, 86400 }, { "weekly", 0, 7 * 86400 }, { "monthly", 1, 0 },
		{ "quarterly", 3, 0 }, { "yearly", 12, 0 },
	};
	struct runbook	*rb = rp->rb;
	const char	*v;
	int64_t		 secs;
	size_t		 i;

	rb->schedule_mark = rb_mark_of(n);
	if (n->type == YAML_SCALAR_NODE) {
		v = (const char *)n->data.scalar.value;
		for (i = 0; i < nitems(named); i++) {
			if (strcmp(v, named[i].name) == 0) {
				rb->schedule_months = named[i].months;
				rb->schedule_secs = named[i].secs;
				return;
			}
		}
		if (*v >= '0' && *v <= '9') {
			if ((secs = rb_duration(rp, n, "schedule")) > 0)
				rb->schedule_secs = secs;
			else if (secs == 0)
				rb_error(rp, &n->start_mark, _("schedule: must be longer than 0s"));
			return;
		}
	}
	rb_error(rp, &n->start_mark, _("schedule: expected daily, weekly, monthly, "
	    "quarterly, yearly or a duration such as 90d"));
}

/* Parse the root mapping of a runbook. */
static void
rb_parse_root(struct rb_parse *rp, yaml_node_t *root)
{
	struct runbook	*rb = rp->rb;
	yaml_node_t	*v[RK__COUNT], *k[RK__COUNT];
	int64_t		 secs;
	static const int required[] = { RK_ID, RK_TITLE, RK_RTO, RK_STEPS };
	size_t		 i;

	if (root->type != YAML_MAPPING_NODE) {
		rb_error(rp, &root->start_mark, _("a runbook is a mapping (id:, title:, "
		    "rto:, steps: ...), found %s"), rb_node_type(root));
		return;
	}
	rb_map(rp, root, _("a runbook"), rb_keys, RK__COUNT, v, k);
	for (i = 0; i < nitems(required); i++)
		rb_require(rp, root, k[required[i]], rb_keys[required[i]], _("a runbook"));
	if (v[RK_ID] != NULL) {
		rb->id = rb_id(rp, v[RK_ID], "id");
		rb->id_mark = rb_mark_of(v[RK_ID]);
	}
	if (v[RK_TITLE] != NULL)
		rb->title = rb_text(rp, v[RK_TITLE], "title", false);
	if (v[RK_DESCRIPTION] != NULL && !rb_is_null(v[RK_DESCRIPTION]))
		rb->description = rb_text(rp, v[RK_DESCRIPTION], "description", false);
	if (v[RK_RTO] != NULL && (secs = rb_duration(rp, v[RK_RTO], "rto")) >= 0) {
		if (secs == 0)
			rb_error(rp, &v[RK_RTO]->start_mark, _("rto: must be longer than 0s"));
		rb->rto = secs;
	}
	if (v[RK_RPO] != NULL && (secs = rb_duration(rp, v[RK_RPO], "rpo")) >= 0) {
		rb->rpo = secs;
		rb->rpo_mark = rb_mark_of(v[RK_RPO]);
	}
	if (v[RK_RESTORE_BEFORE] != NULL && !rb_is_null(v[RK_RESTORE_BEFORE])) {
		if (v[RK_RESTORE_BEFORE]->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)v[RK_RESTORE_BEFORE]->data.scalar.value,
		    "detected") == 0)
			rb->restore_before_detected = true;
		else
			rb_error(rp, &v[RK_RESTORE_BEFORE]->start_mark,
			    _("restore_before: the only value is \"detected\""));
	}
	if (v[RK_ROLES] != NULL)
		rb_text_list(rp, v[RK_ROLES], "roles", false, &rb->roles, &rb->nroles);
	if (v[RK_DETECTION] != NULL)
		rb_text_list(rp, v[RK_DETECTION], "detection", false, &rb->detection,
		    &rb->ndetection);
	if (v[RK_PREREQUISITES] != NULL)
		rb_text_list(rp, v[RK_PREREQUISITES], "prerequisites", false,
		    &rb->prerequisites, &rb->nprerequisites);
	if (v[RK_STEPS] != NULL)
		rb_parse_steps(rp, v[RK_STEPS]);
	if (v[RK_UNATTENDED] != NULL && (rb->unattended = rb_bool(rp, v[RK_UNATTENDED],
	    "unattended")))
		for (i = 0; i < rb->nsteps; i++)
			if (rb->steps[i].kind == RB_DECIDE && !rb->steps[i].has_default) {
				yaml_mark_t ym = rb_ymark(rb->steps[i].mark);

				rb_error(rp, &ym, _("step \"%s\": a decide without default: "
				    "cannot run unattended (the runbook says unattended: true)"),
				    rb->steps[i].id != NULL ? rb->steps[i].id : "?");
			}
	if (v[RK_SCHEDULE] != NULL && !rb_is_null(v[RK_SCHEDULE]))
		rb_parse_schedule(rp, v[RK_SCHEDULE]);
}

/* The 1-based line and column of a byte offset in a buffer. */
static yaml_mark_t
rb_offset_mark(const char *data, size_t len, size_t offset)
{
	yaml_mark_t	m;
	size_t		i;

	memset(&m, 0, sizeof m);
	for (i = 0; i < offset && i < len; i++) {
		if (data[i] == '\n') {
			m.line++;
			m.column = 0;
		} else if (((unsigned char)data[i] & 0xc0) != 0x80)
			m.column++;
	}
	return (m);
}

/* Report a libyaml parse failure with its position and reason. */
static void
rb_syntax_error(struct rb_parse *rp, yaml_parser_t *parser, const char *data, size_t len)
{
	yaml_mark_t	m;

	if (parser->error == YAML_READER_ERROR) {
		m = rb_offset_mark(data, len, parser->problem_offset);
		rb_error(rp, &m, _("YAML syntax: %s"), parser->problem != NULL ?
		    parser->problem : _("unreadable input"));
		return;
	}
	if (parser->error == YAML_MEMORY_ERROR) {
		memset(&m, 0, sizeof m);
		rb_error(rp, &m, _("YAML syntax: out of memory"));
		return;
	}
	m = parser->problem_mark;
	if (parser->context != NULL)
		rb_error(rp, &m, _("YAML syntax: %s %s"), parser->problem != NULL ?
		    parser->problem : "", parser->context);
	else
		rb_error(rp, &m, _("YAML syntax: %s"), parser->problem != NULL ?
		    parser->problem : _("unparsable input"));
}

/*
 * Load and check a runbook from memory; name is used in messages and kept as
 * the runbook's file. Returns NULL with every problem in *errors.
 */
struct runbook *
runbook_load_buffer(const char *name, const char *data, size_t len, char **errors)
{
	struct rb_parse	 rp;
	yaml_parser_t	 parser;
	yaml_document_t	 extra;
	yaml_node_t	*root, *xroot;
	struct runbook	*rb;
	yaml_mark_t	 m;

	if (errors != NULL)
		*errors = NULL;
	memset(&rp, 0, sizeof rp);
	rp.file = name;
	rb = rp.rb = xcalloc(1, sizeof *rb);
	rb->file = xstrdup(name);

	if (len > RUNBOOK_MAX_SIZE) {
		memset(&m, 0, sizeof m);
		rb_error(&rp, &m, _("too large for a runbook (over %d bytes)"), RUNBOOK_MAX_SIZE);
		goto out;
	}
	if (!yaml_parser_initialize(&parser))
		abort();
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	if (!yaml_parser_load(&parser, &rp.doc)) {
		rb_syntax_error(&rp, &parser, data, len);
		yaml_parser_delete(&parser);
		goto out;
	}
	rp.nnodes = (size_t)(rp.doc.nodes.top - rp.doc.nodes.start);
	rp.seen = xcalloc(rp.nnodes + 1, 1);
	if ((root = yaml_document_get_root_node(&rp.doc)) == NULL) {
		memset(&m, 0, sizeof m);
		rb_error(&rp, &m, _("empty file: expected a runbook (id:, title:, rto:, "
		    "steps: ...)"));
	} else {
		rp.seen[0] = 1;
		rb_parse_root(&rp, root);
		if (!yaml_parser_load(&parser, &extra))
			rb_syntax_error(&rp, &parser, data, len);
		else {
			if ((xroot = yaml_document_get_root_node(&extra)) != NULL)
				rb_error(&rp, &xroot->start_mark, _("a runbook file holds one "
				    "YAML document; remove what follows \"---\""));
			yaml_document_delete(&extra);
		}
	}
	yaml_document_delete(&rp.doc);
	yaml_parser_delete(&parser);
	free(rp.seen);
out:
	if (rp.nerrs > 0) {
		rb_flush_errors(&rp, errors);
		runbook_free(rb);
		return (NULL);
	}
	free(rp.errs);
	return (rb);
}

/* Load and check one runbook file; NULL with every problem in *errors. */
struct runbook *
runbook_load(const char *path, char **errors)
{
	struct runbook	*rb;
	char		*data = NULL, *cause = NULL;
	size_t		 len;

	if (errors != NULL)
		*errors = NULL;
	/* Runbook folders may be writable by others: no links, no FIFOs, a size cap. */
	if (fs_read_file_flags(path, O_NOFOLLOW, RUNBOOK_MAX_SIZE, &data, &len, &cause) != 0) {
		if (errors != NULL)
			*errors = cause;
		else
			free(cause);
		return (NULL);
	}
	rb = runbook_load_buffer(path, data, len, errors);
	free(data);
	return (rb);
}

/* Free what a step owns (not the step itself). */
static void
rb_step_clear(struct rb_step *st)
{
	size_t	i;

	free(st->id);
	free(st->title);
	free(st->role);
	free(st->description);
	free(st->run);
	free(st->action);
	for (i = 0; i < st->nparams; i++) {
		free(st->params[i].name);
		free(st->params[i].value);
	}
	free(st->params);
	str_list_free(st->items, st->nitems);
	free(st->question);
	for (i = 0; i < st->nanswers; i++) {
		free(st->answers[i].label);
		free(st->answers[i].next);
	}
	free(st->answers);
	for (i = 0; i < st->nquestions; i++) {
		free(st->questions[i].id);
		free(st->questions[i].text);
	}
	free(st->questions);
	free(st->use);
	memset(st, 0, sizeof *st);
}

/* Free a runbook and everything it owns. */
void
runbook_free(struct runbook *rb)
{
	size_t	i;

	if (rb == NULL)
		return;
	free(rb->id);
	free(rb->title);
	free(rb->file);
	free(rb->description);
	str_list_free(rb->roles, rb->nroles);
	str_list_free(rb->detection, rb->ndetection);
	str_list_free(rb->prerequisites, rb->nprerequisites);
	for (i = 0; i < rb->nsteps; i++)
		rb_step_clear(&rb->steps[i]);
	free(rb->steps);
	free(rb);
}

/* Order runbooks by id. */
static int
rb_cmp_id(const void *a, const void *b)
{
	const struct runbook *const	*x = a, *const *y = b;

	return (strcmp((*x)->id, (*y)->id));
}

/* Whether a file name is a runbook's (*.yaml or *.yml, not hidden). */
static int
rb_dirent_filter(const struct dirent *d)
{
	return (d->d_name[0] != '.' && (str_has_suffix(d->d_name, ".yaml") ||
	    str_has_suffix(d->d_name, ".yml")));
}

/* Add a runbook to a set, replacing one with the same id. Takes rb. */
static void
rb_set_add(struct runbook_set *set, struct runbook *rb)
{
	size_t	i;

	for (i = 0; i < set->n; i++) {
		if (strcmp(set->books[i]->id, rb->id) == 0) {
			runbook_free(set->books[i]);
			set->books[i] = rb;
			return;
		}
	}
	set->books = xreallocarray(set->books, set->n + 1, sizeof *set->books);
	set->books[set->n++] = rb;
}

/*
 * Load every runbook of the folders into set (empty it first with
 * runbook_set_clear); later folders override earlier ones by id. Problems of
 * files are put in *errors (NULL when none). Returns -1 when no folder can be
 * read.
 */
int
runbook_set_load(struct runbook_set *set, char *const *dirs, size_t ndirs, char **errors)
{
	struct dirent	**names;
	struct runbook	 *rb;
	char		 *path, *errs, *s;
	size_t		  i;
	int		  n, j, readable = 0;

	memset(set, 0, sizeof *set);
	*errors = NULL;
	for (i = 0; i < ndirs; i++) {
		if ((n = scandir(dirs[i], &names, rb_dirent_filter, alphasort)) < 0)
			continue;
		readable++;
		for (j = 0; j < n; j++) {
			path = str_join_path(dirs[i], names[j]->d_name);
			free(names[j]);
			if ((rb = runbook_load(path, &errs)) != NULL)
				rb_set_add(set, rb);
			else if (errs != NULL) {
				s = *errors == NULL ? errs : xasprintf("%s\n%s", *errors, errs);
				if (s != errs)
					free(errs);
				free(*errors);
				*errors = s;
			}
			free(path);
		}
		free(names);
	}
	if (set->n > 1)
		qsort(set->books, set->n, sizeof *set->books, rb_cmp_id);
	if (readable == 0 && ndirs > 0) {
		free(*errors);
		*errors = xasprintf(_("no runbook folder can be read (%s%s)"), dirs[0],
		    ndirs > 1 ? ", ..." : "");
		return (-1);
	}
	return (0);
}

/* Free every runbook of a set. */
void
runbook_set_clear(struct runbook_set *set)
{
	size_t	i;

	for (i = 0; i < set->n; i++)
		runbook_free(set->books[i]);
	free(set->books);
	set->books = NULL;
	set->n = 0;
}

/* The runbook of a set with this id, or NULL. */
struct runbook *
runbook_set_find(const struct runbook_set *set, const char *id)
{
	size_t	i;

	for (i = 0; i < set->n; i++)
		if (strcmp(set->books[i]->id, id) == 0)
			return (set->books[i]);
	return (NULL);
}

/*
 * Whether following use: steps from rb reaches target; path[] collects the
 * ids on the way (depth entries at most) for the message.
 */
static bool
rb_reaches(const struct runbook_set *set, const struct runbook *rb, const char *target,
    const char **path, size_t depth, size_t max)
{
	const struct runbook	*next;
	size_t			 i, d;

	if (depth >= max)
		return (false);
	for (d = 0; d < depth; d++)
		if (strcmp(path[d], rb->id) == 0)
			return (false);	/* a cycle not through target, found elsewhere */
	path[depth] = rb->id;
	if (strcmp(rb->id, target) == 0)
		return (true);
	for (i = 0; i < rb->nsteps; i++) {
		if (rb->steps[i].kind != RB_USE || rb->steps[i].use == NULL)
			continue;
		if ((next = runbook_set_find(set, rb->steps[i].use)) == NULL)
			continue;
		if (rb_reaches(set, next, target, path, depth + 1, max))
			return (true);
	}
	return (false);
}

/* Append problems of use: steps (unknown runbook, cycle) to *errors; returns their number. */
int
runbook_check_refs(const struct runbook_set *set, const struct runbook *rb, char **errors)
{
	const struct runbook	*target;
	const struct rb_step	*st;
	const char		**path;
	struct buf		  b;
	char			 *msg;
	size_t			  i, d, max = set->n + 2;
	int			  found = 0;

	path = xcalloc(max, sizeof *path);
	for (i = 0; i < rb->nsteps; i++) {
		st = &rb->steps[i];
		if (st->kind != RB_USE || st->use == NULL)
			continue;
		if (strcmp(st->use, rb->id) == 0) {
			msg = xasprintf(_("use: runbook \"%s\" uses itself"), rb->id);
		} else if ((target = runbook_set_find(set, st->use)) == NULL) {
			msg = xasprintf(_("use: no runbook \"%s\" in the runbook folders"),
			    st->use);
		} else if (rb_reaches(set, target, rb->id, path, 0, max)) {
			buf_init(&b);
			buf_adds(&b, rb->id);
			for (d = 0; d < max && path[d] != NULL; d++) {
				buf_printf(&b, " -> %s", path[d]);
				if (strcmp(path[d], rb->id) == 0)
					break;
			}
			msg = xasprintf(_("use: \"%s\" makes a cycle (%s)"), st->use, b.data);
			buf_clear(&b);
		} else
			msg = NULL;
		memset(path, 0, max * sizeof *path);
		if (msg == NULL)
			continue;
		rb_append_error(errors, rb->file, (size_t)st->work_mark.line,
		    (size_t)st->work_mark.column, msg);
		free(msg);
		found++;
	}
	free(path);
	return (found);
}

/* A copy of a list of strings. */
static char **
rb_copy_list(char *const *list, size_t n)
{
	char	**copy;
	size_t	  i;

	copy = xcalloc(n + 1, sizeof *copy);
	for (i = 0; i < n; i++)
		copy[i] = xstrdup(list[i]);
	return (copy);
}

/* A copy of a string, or NULL. */
static char *
rb_dup(const char *s)
{
	return (s == NULL ? NULL : xstrdup(s));
}

/* A step id with a prefix ("USESTEP.id"), or a plain copy when prefix is NULL. */
static char *
rb_prefixed(const char *prefix, const char *id)
{
	if (id == NULL)
		return (NULL);
	return (prefix == NULL ? xstrdup(id) : xasprintf("%s.%s", prefix, id));
}

/* Copy a step into dst, prefixing its id and decide targets. */
static void
rb_step_copy(struct rb_step *dst, const struct rb_step *src, const char *prefix)
{
	size_t	i;

	*dst = *src;
	dst->id = rb_prefixed(prefix, src->id);
	dst->title = rb_dup(src->title);
	dst->role = rb_dup(src->role);
	dst->description = rb_dup(src->description);
	dst->run = rb_dup(src->run);
	dst->action = rb_dup(src->action);
	dst->params = xcalloc(src->nparams + 1, sizeof *dst->params);
	for (i = 0; i < src->nparams; i++) {
		dst->params[i] = src->params[i];
		dst->params[i].name = xstrdup(src->params[i].name);
		dst->params[i].value = xstrdup(src->params[i].value);
	}
	dst->items = rb_copy_list(src->items, src->nitems);
	dst->question = rb_dup(src->question);
	dst->answers = xcalloc(src->nanswers + 1, sizeof *dst->answers);
	for (i = 0; i < src->nanswers; i++) {
		dst->answers[i] = src->answers[i];
		dst->answers[i].label = xstrdup(src->answers[i].label);
		dst->answers[i].next = rb_prefixed(prefix, src->answers[i].next);
	}
	dst->questions = xcalloc(src->nquestions + 1, sizeof *dst->questions);
	for (i = 0; i < src->nquestions; i++) {
		dst->questions[i] = src->questions[i];
		dst->questions[i].id = xstrdup(src->questions[i].id);
		dst->questions[i].text = xstrdup(src->questions[i].text);
	}
	dst->use = rb_dup(src->use);
}

/*
 * Append the expanded steps of rb to out, ids under prefix; -1 on a cycle or
 * missing runbook. from is the use: step being expanded (NULL at the top):
 * steps without a role or drill rule take its.
 */
static int
rb_expand_into(const struct runbook_set *set, const struct runbook *rb, const char *prefix,
    const struct rb_step *from, struct runbook *out, size_t *cap, int depth, char **cause)
{
	struct rb_step		*copy;
	struct rb_step		 via;
	const struct runbook	*used;
	const struct rb_step	*st;
	char			*sub;
	size_t			 i;

	if (depth > 16) {
		*cause = xasprintf(_("%s: use: steps nest too deep (a cycle?)"), rb->file);
		return (-1);
	}
	for (i = 0; i < rb->nsteps; i++) {
		st = &rb->steps[i];
		if (st->kind == RB_USE) {
			if ((used = runbook_set_find(set, st->use)) == NULL) {
				*cause = xasprintf(_("%s:%d:%d: use: no runbook \"%s\""),
				    rb->file, st->work_mark.line, st->work_mark.column, st->use);
				return (-1);
			}
			sub = rb_prefixed(prefix, st->id);
			via = *st;
			if (from != NULL && via.role == NULL)
				via.role = from->role;
			if (from != NULL && via.drill == RB_DRILL_DEFAULT)
				via.drill = from->drill;
			if (from != NULL && from->restores_service)
				via.restores_service = true;
			if (rb_expand_into(set, used, sub, &via, out, cap, depth + 1,
			    cause) != 0) {
				free(sub);
				return (-1);
			}
			free(sub);
			continue;
		}
		if (out->nsteps == *cap) {
			*cap = *cap == 0 ? 16 : *cap * 2;
			out->steps = xreallocarray(out->steps, *cap, sizeof *out->steps);
		}
		copy = &out->steps[out->nsteps++];
		rb_step_copy(copy, st, prefix);
		if (from != NULL && copy->role == NULL && from->role != NULL)
			copy->role = xstrdup(from->role);
		if (from != NULL && copy->drill == RB_DRILL_DEFAULT)
			copy->drill = from->drill;
		if (from != NULL && from->restores_service)
			copy->restores_service = true;
	}
	return (0);
}

/*
 * The id of the first real step that a (possibly use:) step id stands for
 * once expanded, looked up in the unexpanded runbook rb; the caller frees.
 */
static char *
rb_first_target(const struct runbook_set *set, const struct runbook *rb, const char *id,
    int depth)
{
	const struct runbook	*used;
	int			 idx;
	char			*inner, *s;

	if ((idx = runbook_step_index(rb, id)) == -1 || rb->steps[idx].kind != RB_USE ||
	    depth > 16)
		return (xstrdup(id));
	if ((used = runbook_set_find(set, rb->steps[idx].use)) == NULL || used->nsteps == 0)
		return (xstrdup(id));
	inner = rb_first_target(set, used, used->steps[0].id, depth + 1);
	s = xasprintf("%s.%s", id, inner);
	free(inner);
	return (s);
}

/* Point decide answers that name a use: step at the first step it expanded to. */
static void
rb_fix_targets(const struct runbook_set *set, const struct runbook *rb, const char *prefix,
    struct runbook *out, int depth)
{
	const struct runbook	*used;
	struct rb_step		*st;
	char			*want, *target, *sub;
	size_t			 i, j;

	if (depth > 16)
		return;
	for (i = 0; i < rb->nsteps; i++) {
		if (rb->steps[i].kind == RB_USE) {
			if ((used = runbook_set_find(set, rb->steps[i].use)) != NULL) {
				sub = rb_prefixed(prefix, rb->steps[i].id);
				rb_fix_targets(set, used, sub, out, depth + 1);
				free(sub);
			}
			continue;
		}
		if (rb->steps[i].kind != RB_DECIDE)
			continue;
		want = rb_prefixed(prefix, rb->steps[i].id);
		st = &out->steps[runbook_step_index(out, want)];
		free(want);
		for (j = 0; j < rb->steps[i].nanswers; j++) {
			if (rb->steps[i].answers[j].next == NULL)
				continue;
			target = rb_first_target(set, rb, rb->steps[i].answers[j].next, depth);
			free(st->answers[j].next);
			st->answers[j].next = rb_prefixed(prefix, target);
			free(target);
		}
	}
}

/*
 * A copy of rb with every use: step replaced by the used runbook's steps, ids
 * prefixed "USESTEP."; NULL with *cause when a used runbook is missing or the
 * uses make a cycle. The caller frees with runbook_free.
 */
struct runbook *
runbook_expand(const struct runbook_set *set, const struct runbook *rb, char **cause)
{
	struct runbook	*out;
	size_t		 cap = 0, i, j;
	const struct runbook *used;

	out = xcalloc(1, sizeof *out);
	out->id = xstrdup(rb->id);
	out->id_mark = rb->id_mark;
	out->title = xstrdup(rb->title);
	out->file = xstrdup(rb->file);
	out->description = rb_dup(rb->description);
	out->rto = rb->rto;
	out->rpo = rb->rpo;
	out->rpo_mark = rb->rpo_mark;
	out->restore_before_detected = rb->restore_before_detected;
	out->roles = rb_copy_list(rb->roles, rb->nroles);
	out->nroles = rb->nroles;
	out->detection = rb_copy_list(rb->detection, rb->ndetection);
	out->ndetection = rb->ndetection;
	out->prerequisites = rb_copy_list(rb->prerequisites, rb->nprerequisites);
	out->nprerequisites = rb->nprerequisites;
	out->unattended = rb->unattended;
	if (runbook_check_refs(set, rb, cause) > 0 ||
	    rb_expand_into(set, rb, NULL, NULL, out, &cap, 0, cause) != 0) {
		runbook_free(out);
		return (NULL);
	}
	rb_fix_targets(set, rb, NULL, out, 0);
	/* The roles of used runbooks join the list. */
	for (i = 0; i < rb->nsteps; i++) {
		if (rb->steps[i].kind != RB_USE ||
		    (used = runbook_set_find(set, rb->steps[i].use)) == NULL)
			continue;
		for (j = 0; j < used->nroles; j++) {
			if (rb_has_role(out, used->roles[j]))
				continue;
			out->roles = xreallocarray(out->roles, out->nroles + 2,
			    sizeof *out->roles);
			out->roles[out->nroles++] = xstrdup(used->roles[j]);
			out->roles[out->nroles] = NULL;
		}
	}
	return (out);
}

/* The index of the step with this id, or -1. */
int
runbook_step_index(const struct runbook *rb, const char *id)
{
	size_t	i;

	for (i = 0; i < rb->nsteps; i++)
		if (rb->steps[i].id != NULL && strcmp(rb->steps[i].id, id) == 0)
			return ((int)i);
	return (-1);
}

/* The index of the step after step i (for a decide: after its answer), or -1. */
int
runbook_next_step(const struct runbook *rb, size_t i, size_t answer)
{
	const struct rb_step	*st;

	if (i >= rb->nsteps)
		return (-1);
	st = &rb->steps[i];
	if (st->kind == RB_DECIDE) {
		if (answer >= st->nanswers)
			return (-1);
		if (st->answers[answer].next != NULL)
			return (runbook_step_index(rb, st->answers[answer].next));
	}
	return (i + 1 < rb->nsteps ? (int)(i + 1) : -1);
}

/*
 * Whether rb (not expanded) can be walked without a person: every decide has
 * a default:, its own and those of the runbooks its use: steps bring in (a
 * used one's is named at the use: step). Appends each problem to *errors as
 * FILE:LINE:COLUMN lines (the caller frees); returns their number.
 */
int
runbook_unattended_check(const struct runbook_set *set, const struct runbook *rb,
    char **errors)
{
	const struct runbook	*used;
	struct runbook		*x;
	char			*msg, *why = NULL;
	size_t			 i, j;
	int			 n = 0;

	for (i = 0; i < rb->nsteps; i++) {
		if (rb->steps[i].kind == RB_DECIDE && !rb->steps[i].has_default) {
			msg = xasprintf(_("step \"%s\" is a decide without default: it needs a "
			    "person; give it a default: to run it unattended"), rb->steps[i].id);
			rb_append_error(errors, rb->file, (size_t)rb->steps[i].mark.line,
			    (size_t)rb->steps[i].mark.column, msg);
			free(msg);
			n++;
		}
		if (rb->steps[i].kind != RB_USE || set == NULL ||
		    (used = runbook_set_find(set, rb->steps[i].use)) == NULL)
			continue;
		if ((x = runbook_expand(set, used, &why)) == NULL) {
			free(why);
			why = NULL;
			continue;
		}
		for (j = 0; j < x->nsteps; j++) {
			if (x->steps[j].kind != RB_DECIDE || x->steps[j].has_default)
				continue;
			msg = xasprintf(_("step \"%s\" uses runbook \"%s\", whose step \"%s\" "
			    "is a decide without default: it needs a person"), rb->steps[i].id,
			    used->id, x->steps[j].id);
			rb_append_error(errors, rb->file, (size_t)rb->steps[i].mark.line,
			    (size_t)rb->steps[i].mark.column, msg);
			free(msg);
			n++;
		}
		runbook_free(x);
	}
	return (n);
}

/*
 * What a step does in a drill: its drill: key, else run for checklists,
 * decisions, prompts and actions (those that replace live data run against
 * the drill's sandbox), simulate for commands, unknown actions and the
 * destructive ones that work on live paths (prune).
 */
enum rb_drill
runbook_drill_rule(const struct rb_step *st)
{
	const struct action_def	*def;

	if (st->drill != RB_DRILL_DEFAULT)
		return (st->drill);
	switch (st->kind) {
	case RB_RUN:
		return (RB_DRILL_SIMULATE);
	case RB_ACTION:
		def = st->action != NULL ? action_find(st->action) : NULL;
		/* the others replace the sandbox's copies, never the live data */
		return (def == NULL || (def->destructive && def->drill_live) ?
		    RB_DRILL_SIMULATE : RB_DRILL_RUN);
	default:
		return (RB_DRILL_RUN);
	}
}

/* Whether name is a variable runbooks may use. */
bool
runbook_var_known(const char *name)
{
	size_t	i;

	for (i = 0; i < CONF__COUNT; i++)
		if (strcmp(conf_key_name((enum conf_key)i), name) == 0)
			return (true);
	for (i = 0; i < nitems(rb_incident_vars); i++)
		if (strcmp(rb_incident_vars[i], name) == 0)
			return (true);
	return (false);
}

/* The variables of dr.yaml and the extra ones; free with runbook_vars_free. */
struct rb_var *
runbook_vars_conf(const struct conf *c, const struct rb_var *extra, size_t nextra,
    size_t *nvars)
{
	struct rb_var	*v;
	size_t		 i, n = 0;

	v = xcalloc(CONF__COUNT + nextra + 1, sizeof *v);
	for (i = 0; i < CONF__COUNT; i++, n++) {
		v[n].name = xstrdup(conf_key_name((enum conf_key)i));
		v[n].value = conf_value_string(c, (enum conf_key)i);
	}
	for (i = 0; i < nextra; i++, n++) {
		v[n].name = xstrdup(extra[i].name);
		v[n].value = rb_dup(extra[i].value);
	}
	*nvars = n;
	return (v);
}

/* Free variables made by runbook_vars_conf. */
void
runbook_vars_free(struct rb_var *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free((char *)v[i].name);
		free((char *)v[i].value);
	}
	free(v);
}

/*
 * The variables of a step of incident inc: dr.yaml's keys from c (the
 * sandbox's settings in a drill) and the incident's, incident.dir under
 * state_dir (the record's). Free with runbook_vars_free.
 */
struct rb_var *
runbook_vars_incident(const struct conf *c, const struct incident *inc, const char *state_dir,
    size_t *n)
{
	char		 start[TIMEUTIL_BUFSZ], det[TIMEUTIL_BUFSZ];
	char		*dir;
	struct rb_var	 extra[6], *v;

	time_format_iso((time_t)(inc->declared_ms / 1000), start, sizeof start);
	time_format_iso((time_t)(inc->detected_ms / 1000), det, sizeof det);
	dir = xasprintf("%s/incidents/%s", state_dir, inc->id);
	extra[0].name = "incident.id";
	extra[0].value = inc->id;
	extra[1].name = "incident.start";
	extra[1].value = start;
	extra[2].name = "incident.detected";
	extra[2].value = det;
	extra[3].name = "incident.mode";
	extra[3].value = incident_mode_name(inc->mode);
	extra[4].name = "incident.runbook";
	extra[4].value = inc->runbook_id;
	extra[5].name = "incident.dir";
	extra[5].value = dir;
	v = runbook_vars_conf(c, extra, nitems(extra), n);
	free(dir);
	return (v);
}

/* Whether an action step sets the parameter name in its with:. */
static bool
rb_has_param(const struct rb_step *rs, const char *name)
{
	size_t	k;

	for (k = 0; k < rs->nparams; k++)
		if (strcmp(rs->params[k].name, name) == 0)
			return (true);
	return (false);
}

/*
 * The command of a run or action step with its variables substituted, as it
 * is shown and recorded ("patronus-dr ARGS..." for an action). With
 * before_ms >= 0 (the runbook's restore_before: detected), an action that
 * takes "before" and is not given one gets it: only points taken before
 * that instant, to the millisecond. For an action, *argvp (when not NULL)
 * gets the child's argv: self, --config config (when not NULL), the words
 * and options (caller frees it and its strings); for a run step it is set
 * to NULL. Returns NULL and *cause when a variable or the action is
 * unknown. The caller frees the result.
 */
char *
runbook_step_command(const struct rb_step *rs, const struct rb_var *vars, size_t nv,
    const char *self, const char *config, int64_t before_ms, char ***argvp, char **cause)
{
	const struct action_def		*def;
	const char			**names, **values;
	char				**argv, *cmd = NULL;
	struct buf			 b;
	size_t				 k, np;
	bool				 bad = false;

	if (argvp != NULL)
		*argvp = NULL;
	if (rs->kind == RB_RUN)
		return (runbook_subst(rs->run, vars, nv, true, cause));
	if (rs->kind != RB_ACTION)
		return (NULL);
	if ((def = action_find(rs->action)) == NULL) {
		*cause = xasprintf(_("unknown action \"%s\""), rs->action);
		return (NULL);
	}
	names = xcalloc(rs->nparams + 2, sizeof *names);
	values = xcalloc(rs->nparams + 2, sizeof *values);
	for (k = 0; k < rs->nparams; k++) {
		names[k] = rs->params[k].name;
		if ((values[k] = runbook_subst(rs->params[k].value, vars, nv, false,
		    bad ? NULL : cause)) == NULL && !bad)
			bad = true;
	}
	np = rs->nparams;
	if (!bad && before_ms >= 0 && action_find_param(def, "before") != NULL &&
	    !rb_has_param(rs, "before")) {
		names[np] = "before";
		values[np++] = xasprintf("@%" PRId64 ".%03d", before_ms / 1000,
		    (int)(before_ms % 1000));
	}
	if (!bad) {
		/* destructive actions run only after the confirm dialog */
		argv = action_argv(def, self, config, names, values, np, true);
		buf_init(&b);
		buf_adds(&b, PACKAGE);
		for (k = 1; argv[k] != NULL; k++) {
			buf_addc(&b, ' ');
			str_shell_quote(&b, argv[k]);
		}
		cmd = buf_steal(&b);
		if (argvp != NULL)
			*argvp = argv;
		else
			str_list_free(argv, k);
	}
	for (k = 0; k < rs->nparams + 1; k++)
		free((char *)values[k]);
	free(names);
	free(values);
	return (cmd);
}

/*
 * The environment a step's child gets (NULL-terminated "NAME=VALUE" strings;
 * free with runbook_step_env_free): PATRONUS_DR_INCIDENT, _DRILL, _STEP,
 * _CONFIG (the settings the step works with, when not NULL),
 * _STATE_DIR (where the incident record is, for the events an action adds)
 * and _RUN (the run those events name, run.h, when not NULL).
 */
char **
runbook_step_env(const struct incident *inc, const char *step, const char *config,
    const char *state_dir, const char *run)
{
	char	**env;
	size_t	  n = 0;

	env = xcalloc(7, sizeof *env);
	env[n++] = xasprintf("PATRONUS_DR_INCIDENT=%s", inc->id);
	env[n++] = xasprintf("PATRONUS_DR_DRILL=%d", inc->mode == INCIDENT_MODE_DRILL);
	env[n++] = xasprintf("PATRONUS_DR_STEP=%s", step);
	env[n++] = xasprintf("PATRONUS_DR_STATE_DIR=%s", state_dir);
	if (config != NULL)
		env[n++] = xasprintf("PATRONUS_DR_CONFIG=%s", config);
	if (run != NULL)
		env[n++] = xasprintf("PATRONUS_DR_RUN=%s", run);
	env[n] = NULL;
	return (env);
}

/* Free a NULL-terminated array of strings (runbook_step_env, an action's argv); NULL is fine. */
void
runbook_step_env_free(char **v)
{
	size_t	n;

	if (v == NULL)
		return;
	for (n = 0; v[n] != NULL; n++)
		;
	str_list_free(v, n);
}

/*
 * text with each ${name} replaced by its value (shell-quoted when quote is
 * true) and $${ by a literal ${. The last variable of a name wins. NULL with
 * *cause for an unknown or unset name. The caller frees.
 */
char *
runbook_subst(const char *text, const struct rb_var *vars, size_t nvars, bool quote,
    char **cause)
{
	struct buf	 b;
	const char	*p, *end, *value;
	char		*name;
	size_t		 i;
	bool		 found;

	buf_init(&b);
	for (p = text; *p != '\0'; ) {
		if (p[0] == '$' && p[1] == '$' && p[2] == '{') {
			buf_adds(&b, "${");
			p += 3;
			continue;
		}
		if (p[0] != '$' || p[1] != '{') {
			buf_addc(&b, *p++);
			continue;
		}
		if ((end = strchr(p + 2, '}')) == NULL) {
			*cause = xstrdup(_("unterminated \"${\""));
			buf_clear(&b);
			return (NULL);
		}
		name = xstrndup(p + 2, (size_t)(end - p - 2));
		found = false;
		value = NULL;
		for (i = 0; i < nvars; i++) {
			if (strcmp(vars[i].name, name) == 0) {
				found = true;
				value = vars[i].value;
			}
		}
		if (!found || value == NULL) {
			*cause = found ? xasprintf(_("variable \"${%s}\" has no value"), name) :
			    xasprintf(_("undefined variable \"${%s}\""), name);
			free(name);
			buf_clear(&b);
			return (NULL);
		}
		free(name);
		if (quote)
			str_shell_quote(&b, value);
		else
			buf_adds(&b, value);
		p = end + 1;
	}
	return (buf_steal(&b));
}

/* The YAML key of a kind of step. */
const char *
runbook_kind_name(enum rb_kind kind)
{
	switch (kind) {
	case RB_RUN:
		return ("run");
	case RB_ACTION:
		return ("action");
	case RB_CHECKLIST:
		return ("checklist");
	case RB_DECIDE:
		return ("decide");
	case RB_PROMPT:
		return ("prompt");
	case RB_USE:
		return ("use");
	}
	return ("?");
}

/* The YAML value of a drill rule ("default" when none is given). */
const char *
runbook_drill_name(enum rb_drill d)
{
	switch (d) {
	case RB_DRILL_DEFAULT:
		return ("default");
	case RB_DRILL_RUN:
		return ("run");
	case RB_DRILL_SIMULATE:
		return ("simulate");
	case RB_DRILL_SKIP:
		return ("skip");
	}
	return ("?");
}

/* t plus months calendar months in UTC; a day past the target month's end becomes its last day. */
static time_t
rb_add_months(time_t t, int months)
{
	struct tm	tm, last;
	time_t		end;

	gmtime_r(&t, &tm);
	last = tm;
	last.tm_mday = 1;
	last.tm_mon += months + 1;
	last.tm_isdst = 0;
	end = timegm(&last) - 86400;	/* the last day of the target month */
	gmtime_r(&end, &last);
	tm.tm_mon += months;
	if (tm.tm_mday > last.tm_mday)
		tm.tm_mday = last.tm_mday;
	tm.tm_isdst = 0;
	return (timegm(&tm));
}

/* When the runbook is next due to be drilled (runbook.h). */
int64_t
runbook_next_due_ms(const struct runbook *rb, int64_t last_ms)
{
	if (rb->schedule_months == 0 && rb->schedule_secs == 0)
		return (-1);
	if (last_ms <= 0)
		return (0);
	if (rb->schedule_secs != 0)
		return (last_ms + rb->schedule_secs * 1000);
	return ((int64_t)rb_add_months((time_t)(last_ms / 1000), rb->schedule_months) * 1000 +
	    last_ms % 1000);
}

/* The schedule as written, into buf (runbook.h). */
const char *
runbook_schedule_text(const struct runbook *rb, char *buf, size_t len)
{
	char	dbuf[TIMEUTIL_BUFSZ];

	switch (rb->schedule_months) {
	case 1:
		snprintf(buf, len, "monthly");
		return (buf);
	case 3:
		snprintf(buf, len, "quarterly");
		return (buf);
	case 12:
		snprintf(buf, len, "yearly");
		return (buf);
	}
	if (rb->schedule_secs == 86400)
		snprintf(buf, len, "daily");
	else if (rb->schedule_secs == 7 * 86400)
		snprintf(buf, len, "weekly");
	else if (rb->schedule_secs != 0)
		snprintf(buf, len, "%s", duration_format_spec(rb->schedule_secs, dbuf, sizeof dbuf));
	else if (len > 0)
		buf[0] = '\0';
	return (buf);
}
