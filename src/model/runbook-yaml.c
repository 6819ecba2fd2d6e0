/* runbook-yaml.c: reading YAML nodes: problems and their positions, hints, typed values. */
#include "system.h"

#include "engine/host/action.h"
#include "model/runbook.h"
#include "model/runbook-int.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* Record a problem at a mark. */
void PDR_PRINTF(3, 4)
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
void
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
void
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
void
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

/* A 1-based mark from a libyaml one. */
struct rb_mark
rb_mark_of(const yaml_node_t *n)
{
	struct rb_mark	m;

	m.line = (int)n->start_mark.line + 1;
	m.column = (int)n->start_mark.column + 1;
	return (m);
}

/* A libyaml mark from a 1-based one, for messages. */
yaml_mark_t
rb_ymark(struct rb_mark m)
{
	yaml_mark_t	y;

	memset(&y, 0, sizeof y);
	y.line = (size_t)m.line - 1;
	y.column = (size_t)m.column - 1;
	return (y);
}

/* The name of a node's type, for messages. */
const char *
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
bool
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
yaml_node_t *
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
const char *
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

/* The hint for a misspelt action name. */
const char *
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
const char *
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
void
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
void
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
char *
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
char *
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
int64_t
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
void
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
void
rb_require(struct rb_parse *rp, yaml_node_t *map, yaml_node_t *knode, const char *key,
    const char *where)
{
	if (knode == NULL)
		rb_error(rp, &map->start_mark, _("missing required key \"%s\" in %s"), key,
		    where);
}

/* Parse a true/false value (confirm:, restores_service:). */
bool
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
