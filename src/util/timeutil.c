/* timeutil.c: durations ("15m", "2h30m") and points in time. */
#include "system.h"

#include <ctype.h>
#include <limits.h>

#include "util/timeutil.h"
#include "util/xmalloc.h"

/*
 * Parse a duration: one or more NUMBER UNIT pairs with units s, m, h, d, w
 * ("90s", "15m", "2h", "1h30m", "1d"), or a bare number of seconds. Fills
 * *secs; on error returns -1 and sets *cause (the caller frees).
 */
int
duration_parse(const char *s, int64_t *secs, char **cause)
{
	const char	*p = s;
	int64_t		 total = 0, n, mult;
	bool		 any = false;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0')
		goto bad;
	while (*p != '\0' && !isspace((unsigned char)*p)) {
		if (!isdigit((unsigned char)*p))
			goto bad;
		n = 0;
		while (isdigit((unsigned char)*p)) {
			if (n > (INT64_MAX - 9) / 10)
				goto big;
			n = n * 10 + (*p++ - '0');
		}
		switch (*p) {
		case 's': mult = 1; p++; break;
		case 'm': mult = 60; p++; break;
		case 'h': mult = 3600; p++; break;
		case 'd': mult = 86400; p++; break;
		case 'w': mult = 604800; p++; break;
		case '\0':
			if (any)
				goto bad;	/* "1h30" is ambiguous */
			mult = 1;
			break;
		default:
			goto bad;
		}
		if (n > (INT64_MAX / 4) / mult || total > INT64_MAX / 4 - n * mult)
			goto big;
		total += n * mult;
		any = true;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '\0')
		goto bad;
	*secs = total;
	return (0);
bad:
	*cause = xasprintf(_("bad duration \"%s\" (use e.g. 90s, 15m, 2h, 1h30m, 1d)"), s);
	return (-1);
big:
	*cause = xasprintf(_("duration \"%s\" is too large"), s);
	return (-1);
}

/* Write secs as a short duration ("1h05m", "4m30s", "45s", "-2m") into buf. */
char *
duration_format(int64_t secs, char *buf, size_t len)
{
	const char	*sign = "";
	int64_t		 d, h, m, s;

	if (secs < 0) {
		sign = "-";
		secs = -secs;
	}
	d = secs / 86400;
	h = (secs % 86400) / 3600;
	m = (secs % 3600) / 60;
	s = secs % 60;
	if (d > 0)
		snprintf(buf, len, "%s%" PRId64 "d%02" PRId64 "h", sign, d, h);
	else if (h > 0)
		snprintf(buf, len, "%s%" PRId64 "h%02" PRId64 "m", sign, h, m);
	else if (m > 0)
		snprintf(buf, len, "%s%" PRId64 "m%02" PRId64 "s", sign, m, s);
	else
		snprintf(buf, len, "%s%" PRId64 "s", sign, s);
	return (buf);
}

/* Write secs exactly as runbooks and dr.yaml write durations ("1h30m", "2d", "45s"). */
char *
duration_format_spec(int64_t secs, char *buf, size_t len)
{
	static const struct {
		char	unit;
		int64_t	secs;
	} units[] = { { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 } };
	size_t		i, off = 0;
	int		n;

	if (len > 0)
		buf[0] = '\0';
	if (secs <= 0) {
		snprintf(buf, len, "0s");
		return (buf);
	}
	for (i = 0; i < nitems(units) && off < len; i++) {
		if (secs < units[i].secs)
			continue;
		n = snprintf(buf + off, len - off, "%" PRId64 "%c", secs / units[i].secs,
		    units[i].unit);
		if (n < 0)
			break;
		off += (size_t)n;
		secs %= units[i].secs;
	}
	return (buf);
}

/*
 * Parse a point in time: "now", "-20m" (a duration before now),
 * "YYYY-mm-dd HH:MM[:SS]", "YYYY-mm-ddTHH:MM[:SS][Z]", "YYYYmmdd-HHMMSS"
 * (local time, UTC with Z), "HH:MM" (today, or yesterday if that is in the
 * future), or "@EPOCH". Returns -1 with *cause on error.
 */
int
time_parse(const char *s, time_t now, time_t *out, char **cause)
{
	struct tm	 tm;
	const char	*end;
	int64_t		 secs;
	char		*c = NULL;
	bool		 utc = false;

	if (strcmp(s, "now") == 0) {
		*out = now;
		return (0);
	}
	if (s[0] == '-' && duration_parse(s + 1, &secs, &c) == 0) {
		*out = now - (time_t)secs;
		return (0);
	}
	free(c);
	if (s[0] == '@') {
		char		*ep;
		long long	 v;

		errno = 0;
		v = strtoll(s + 1, &ep, 10);
		if (errno == 0 && *ep == '\0' && ep != s + 1) {
			*out = (time_t)v;
			return (0);
		}
		goto bad;
	}

	memset(&tm, 0, sizeof tm);
	if ((end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL &&
	    (end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm)) == NULL &&
	    (end = strptime(s, "%Y%m%d-%H%M%S", &tm)) == NULL) {
		memset(&tm, 0, sizeof tm);
		if ((end = strptime(s, "%Y-%m-%dT%H:%M", &tm)) == NULL &&
		    (end = strptime(s, "%Y-%m-%d %H:%M", &tm)) == NULL) {
			struct tm	now_tm;

			memset(&tm, 0, sizeof tm);
			if ((end = strptime(s, "%H:%M", &tm)) == NULL || *end != '\0')
				goto bad;
			localtime_r(&now, &now_tm);
			now_tm.tm_hour = tm.tm_hour;
			now_tm.tm_min = tm.tm_min;
			now_tm.tm_sec = 0;
			now_tm.tm_isdst = -1;
			*out = mktime(&now_tm);
			if (*out > now)
				*out -= 86400;
			return (0);
		}
	}
	if (*end == 'Z') {
		utc = true;
		end++;
	}
	if (*end != '\0')
		goto bad;
	tm.tm_isdst = -1;
	*out = utc ? timegm(&tm) : mktime(&tm);
	return (0);
bad:
	*cause = xasprintf(_("bad time \"%s\" (use e.g. 2025-10-11 14:05, 14:05, -20m or now)"), s);
	return (-1);
}

/* Write t as local "YYYY-mm-dd HH:MM:SS" into buf. */
char *
time_format_iso(time_t t, char *buf, size_t len)
{
	struct tm	tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	return (buf);
}

/* Local time with milliseconds, "2026-11-27 15:30:02.120", of unix ms into buf. */
char *
time_format_iso_ms(int64_t ms, char *buf, size_t len)
{
	char	s[TIMEUTIL_BUFSZ];

	time_format_iso((time_t)(ms / 1000), s, sizeof s);
	snprintf(buf, len, "%s.%03d", s, (int)(ms % 1000));
	return (buf);
}

/* The wall clock (CLOCK_REALTIME) in unix ms: for points that are recorded. */
int64_t
time_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* The monotonic clock in ms: for timeouts and elapsed times, immune to clock steps. */
int64_t
time_mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Write t as the plan's file stamp "YYYYmmdd-HHMMSS" (local time) into buf. */
char *
time_format_stamp(time_t t, char *buf, size_t len)
{
	struct tm	tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%Y%m%d-%H%M%S", &tm);
	return (buf);
}
