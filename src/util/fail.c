/* fail.c: failure classes, from an errno value and to a sysexits code. */
#include "system.h"

#include "util/fail.h"

/*
 * The class of a failed file or system operation's errno: a missing path is
 * no input, a refusal no permission, a full, read-only or taken place cannot
 * create, anything else (0 included: a failure that set no errno) I/O.
 */
enum fail_class
fail_errno(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		return (FAIL_NOINPUT);
	case EACCES:
	case EPERM:
		return (FAIL_PERM);
	case ENOSPC:
	case EDQUOT:
	case EROFS:
	case EEXIST:
		return (FAIL_CANTCREAT);
	default:
		return (FAIL_IO);
	}
}

/*
 * fail_errno for a file being made: its folder missing is "cannot create"
 * (73), not "no input" (66), which would send the operator looking for input.
 */
enum fail_class
fail_errno_create(int err)
{
	return (err == ENOENT || err == ENOTDIR ? FAIL_CANTCREAT : fail_errno(err));
}

/* The exit code (sysexits.h) of a class; 0 for FAIL_NONE. */
int
fail_exit(enum fail_class fc)
{
	static const int	 code[FAIL__COUNT] = {
		[FAIL_NONE] = EX_OK,
		[FAIL_CHECK] = 1,
		[FAIL_USAGE] = EX_USAGE,
		[FAIL_DATA] = EX_DATAERR,
		[FAIL_NOINPUT] = EX_NOINPUT,
		[FAIL_CANTCREAT] = EX_CANTCREAT,
		[FAIL_IO] = EX_IOERR,
		[FAIL_TEMPFAIL] = EX_TEMPFAIL,
		[FAIL_PERM] = EX_NOPERM,
		[FAIL_CONFIG] = EX_CONFIG,
	};

	if ((unsigned)fc >= FAIL__COUNT)
		return (EX_SOFTWARE);
	return (code[fc]);
}
