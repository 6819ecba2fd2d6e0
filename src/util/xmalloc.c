/* xmalloc.c: allocation wrappers that never return NULL. */
#include "system.h"

#include <unistd.h>

#include "util/xmalloc.h"

void (*xmalloc_fatal_hook)(void);

/* Restore the terminal (through the hook), say what allocation failed and exit 71. */
PDR_NORETURN void
xmalloc_die(const char *what, size_t n)
{
	if (xmalloc_fatal_hook != NULL)
		xmalloc_fatal_hook();
	fprintf(stderr, "patronus-dr: %s of %zu bytes failed\n", what, n);
	exit(EX_OSERR);
}

/* Allocate n bytes; the caller frees. */
void *
xmalloc(size_t n)
{
	void	*p;

	if (n == 0)
		n = 1;
	if ((p = malloc(n)) == NULL)
		xmalloc_die("malloc", n);
	return (p);
}

/* Allocate n zeroed members of size each; the caller frees. */
void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = calloc(n, size)) == NULL)
		xmalloc_die("calloc", n * size);
	return (p);
}

/* Resize p to n bytes. */
void *
xrealloc(void *p, size_t n)
{
	return (xreallocarray(p, 1, n));
}

/* Resize p to n members of size each, checking for overflow. */
void *
xreallocarray(void *p, size_t n, size_t size)
{
	void	*np;

	if (size != 0 && n > SIZE_MAX / size)
		xmalloc_die("reallocarray (overflow)", n);
	if (n * size == 0)
		n = size = 1;
	if ((np = realloc(p, n * size)) == NULL)
		xmalloc_die("realloc", n * size);
	return (np);
}

/* Copy a string; the caller frees. */
char *
xstrdup(const char *s)
{
	return (xstrndup(s, strlen(s)));
}

/* Copy at most n bytes of a string; the caller frees. */
char *
xstrndup(const char *s, size_t n)
{
	char	*p;
	size_t	 len;

	len = strnlen(s, n);
	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return (p);
}

/* Format into a new string; the caller frees. */
char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return (s);
}

/* Format into a new string from a va_list; the caller frees. */
char *
xvasprintf(const char *fmt, va_list ap)
{
	char	*s;

	if (vasprintf(&s, fmt, ap) == -1)
		xmalloc_die("vasprintf", strlen(fmt));
	return (s);
}

/* snprintf that dies on truncation instead of silently cutting a path. */
int
xsnprintf(char *buf, size_t len, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len)
		xmalloc_die("snprintf (truncated)", len);
	return (n);
}
