/* curlio.h: what the off-site stores share around libcurl. */
#ifndef PDR_CURLIO_H
#define PDR_CURLIO_H

#include "system.h"

struct remote;

int	 curlio_init(char **);
char	*curlio_error(int, const char *);
long	 curlio_env_long(const char *, long);
long	 curlio_timeout(void);
long	 curlio_test_rate(void);
void	 curlio_cancelable(struct remote *, void *);

#endif
