/* system.h: what every patronus-dr source file includes first. */
#ifndef PDR_SYSTEM_H
#define PDR_SYSTEM_H

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#if ENABLE_NLS
# include <libintl.h>
# define _(s) gettext(s)
#else
# define _(s) (s)
#endif
#define N_(s) (s)

#define nitems(a) (sizeof (a) / sizeof (a)[0])

#ifdef __GNUC__
# define PDR_PRINTF(f, a) __attribute__((format(printf, f, a)))
# define PDR_NORETURN __attribute__((noreturn))
#else
# define PDR_PRINTF(f, a)
# define PDR_NORETURN
#endif

#endif
