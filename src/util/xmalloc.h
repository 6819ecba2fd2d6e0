/* xmalloc.h: allocation that never returns NULL, and string helpers. */
#ifndef PDR_XMALLOC_H
#define PDR_XMALLOC_H

#include "system.h"

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) PDR_PRINTF(1, 2);
char	*xvasprintf(const char *, va_list) PDR_PRINTF(1, 0);
int	 xsnprintf(char *, size_t, const char *, ...) PDR_PRINTF(3, 4);

/* Die of a failed allocation (what, n bytes): the hook, a message, exit 71. */
PDR_NORETURN void xmalloc_die(const char *what, size_t n);

/* Called before the process dies of an allocation failure (e.g. to end curses). */
extern void (*xmalloc_fatal_hook)(void);

#endif
