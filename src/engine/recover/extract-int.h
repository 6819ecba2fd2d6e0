/*
 * extract-int.h: what the files of the extraction share: extract-check.c
 * reads and checks an archive whole before anything is written; extract.c
 * writes it beside the live folder and swaps it in.
 */
#ifndef PDR_EXTRACT_INT_H
#define PDR_EXTRACT_INT_H

#include "system.h"

#include <archive.h>

#include "engine/recover/extract.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* A growable list of strings. */
struct strlist {
	char	**v;
	size_t	  n;
	size_t	  size;
};

/* Append a copy of s to the list. */
static inline void
strlist_add(struct strlist *l, const char *s)
{
	if (l->n == l->size) {
		l->size = l->size == 0 ? 32 : l->size * 2;
		l->v = xreallocarray(l->v, l->size, sizeof *l->v);
	}
	l->v[l->n++] = xstrdup(s);
}

/* Whether s is in the list. */
static inline bool
strlist_has(const struct strlist *l, const char *s)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return (true);
	return (false);
}

/* Free the strings and the list. */
static inline void
strlist_clear(struct strlist *l)
{
	str_list_free(l->v, l->n);
	memset(l, 0, sizeof *l);
}

/* Order strings for qsort. */
static inline int
strlist_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* extract-check.c */
int		 extract_relname(const char *, const char *, char **, char **);
struct archive	*extract_reader(const void *, size_t, const char *, char **);

#endif
