/*
 * testhook.h: the hooks the test suite uses to interrupt, slow down or
 * crash the program at chosen points. For the tests only: NOT part of
 * patronus-dr's interface. Their names and meanings may change in any
 * release, and no production header declares a hook: the command line,
 * the model and the engine reach them through this header alone.
 */
#ifndef PDR_TESTHOOK_H
#define PDR_TESTHOOK_H

#include "system.h"

/* The hooks set from the environment, each $PDR_TEST_NAME. */
enum testhook {
	TESTHOOK_KILL_AT,	/* backup dies by SIGKILL at its Nth checkpoint */
	TESTHOOK_COPY_WAIT_MS,	/* ms backup retries the online copy of a busy database */
	TESTHOOK_MAX_SEND,	/* bytes per second an upload sends at most */
	TESTHOOK_MAX_RECV,	/* bytes per second a download receives at most */
	TESTHOOK_CRASH_AT,	/* a restore step at which to die by SIGKILL */
	TESTHOOK_HUP_AT,	/* a restore step at which to send ourselves SIGHUP */
	TESTHOOK_STOP_AT,	/* backup stops itself (SIGSTOP) at its Nth checkpoint */
	TESTHOOK_PART_STOP,	/* an SFTP download in parts stops itself (SIGSTOP) once N are in */
	TESTHOOK__COUNT
};

const char	*testhook_get(enum testhook);

/*
 * Called (when set) at each step of writing a backup set that a kill could
 * interrupt, with the step's name; the backup command sets it for
 * $PDR_TEST_KILL_AT and $PDR_TEST_STOP_AT.
 */
extern void	(*testhook_checkpoint)(const char *);

/*
 * The incident record's clock (unix ms) and host name; NULL in the program.
 * The unit tests and tests/pdr-incident-fixture set a fixed clock and host
 * so that records, and their hashes, are reproducible.
 */
extern int64_t		 (*testhook_clock)(void);
extern const char	*testhook_host;

#endif
