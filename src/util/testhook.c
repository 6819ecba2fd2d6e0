/* testhook.c: the test suite's hooks (testhook.h); not part of the interface. */
#include "system.h"

#include "util/testhook.h"

void		(*testhook_checkpoint)(const char *);
int64_t		(*testhook_clock)(void);
const char	*testhook_host;

/* The value of a hook's $PDR_TEST_NAME; NULL when it is unset or empty. */
const char *
testhook_get(enum testhook h)
{
	static const char *const	 names[TESTHOOK__COUNT] = {
		[TESTHOOK_KILL_AT] = "PDR_TEST_KILL_AT",
		[TESTHOOK_COPY_WAIT_MS] = "PDR_TEST_COPY_WAIT_MS",
		[TESTHOOK_MAX_SEND] = "PDR_TEST_MAX_SEND",
		[TESTHOOK_MAX_RECV] = "PDR_TEST_MAX_RECV",
		[TESTHOOK_CRASH_AT] = "PDR_TEST_CRASH_AT",
		[TESTHOOK_HUP_AT] = "PDR_TEST_HUP_AT",
		[TESTHOOK_STOP_AT] = "PDR_TEST_STOP_AT",
		[TESTHOOK_PART_STOP] = "PDR_TEST_PART_STOP",
	};
	const char			*v;

	if ((unsigned)h >= TESTHOOK__COUNT)
		return (NULL);
	v = getenv(names[h]);
	return (v != NULL && *v != '\0' ? v : NULL);
}
