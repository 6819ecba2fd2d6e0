/* runbook-set.c: the runbooks of the folders: loading, use: references, expansion. */
#include "system.h"

#include <dirent.h>

#include "model/runbook.h"
#include "model/runbook-int.h"
#include "util/str.h"
#include "util/xmalloc.h"

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
