/* fail.h: failure classes: what kind of failure a call met, said in its return value. */
#ifndef PDR_FAIL_H
#define PDR_FAIL_H

#include "system.h"

/*
 * The class of a failure, as curl's CURLcode says one: returned by engine
 * functions beside *cause, so that the cli layer picks the exit code from it
 * (fail_exit) rather than from errno, which any later call may have changed.
 * FAIL_NONE is 0: `if (f(...) != FAIL_NONE)` reads as `!= 0`.
 */
enum fail_class {
	FAIL_NONE = 0,	/* no failure (exit 0) */
	FAIL_CHECK,	/* a check ran and failed (exit 1) */
	FAIL_USAGE,	/* the command line is wrong (64) */
	FAIL_DATA,	/* the input is malformed or does not match (65) */
	FAIL_NOINPUT,	/* an input is missing (66) */
	FAIL_CANTCREAT,	/* an output cannot be made: no room, read-only, exists (73) */
	FAIL_IO,	/* reading or writing failed (74) */
	FAIL_TEMPFAIL,	/* busy or unreachable for now; try again (75) */
	FAIL_PERM,	/* not allowed (77) */
	FAIL_CONFIG,	/* the settings are wrong (78) */
	FAIL__COUNT
};

enum fail_class	fail_errno(int);
enum fail_class	fail_errno_create(int);
int		fail_exit(enum fail_class);

#endif
