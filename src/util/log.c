/* log.c: messages to the terminal, the log file and syslog. */
#include "system.h"

#include <fcntl.h>
#include <syslog.h>
#include <unistd.h>

#include "util/log.h"
#include "util/str.h"
#include "util/xmalloc.h"

static const char	*log_ident = "patronus-dr";
static int		 log_verbosity = LOG_LVL_INFO;
static bool		 log_echo = true;
static bool		 log_syslog;
static FILE		*log_file;

/* Name the program in messages and syslog. */
void
log_init(const char *ident)
{
	log_ident = ident;
}

/* Show messages up to this level (LOG_LVL_INFO by default; -v gives debug). */
void
log_set_verbosity(int level)
{
	log_verbosity = level;
}

/* Whether messages also go to the terminal (info to stdout, warnings and errors to stderr). */
void
log_set_echo(bool echo)
{
	log_echo = echo;
}

/* Append messages to a log file too, as the plan's scripts do. Returns -1 with *cause. */
int
log_open_file(const char *path, char **cause)
{
	FILE	*f;
	int	 fd;

	/* not inherited by the children (notify, the shipper), and never through a link */
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640)) == -1 ||
	    (f = fdopen(fd, "a")) == NULL) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	setvbuf(f, NULL, _IOLBF, 0);
	if (log_file != NULL)
		fclose(log_file);
	log_file = f;
	return (0);
}

/* Send messages to syslog (facility daemon) too. */
void
log_set_syslog(bool on)
{
	if (on && !log_syslog)
		openlog(log_ident, LOG_PID, LOG_DAEMON);
	else if (!on && log_syslog)
		closelog();
	log_syslog = on;
}

/* Close the log file and syslog. */
void
log_close(void)
{
	if (log_file != NULL)
		fclose(log_file);
	log_file = NULL;
	log_set_syslog(false);
}

/* Log one message at a level. */
void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

/* msg with every line after the first indented by four spaces; takes msg, returns the new one. */
static char *
log_indent(char *msg)
{
	struct buf	 b;
	const char	*p, *nl;

	if (strchr(msg, '\n') == NULL)
		return (msg);
	buf_init(&b);
	for (p = msg; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		buf_add(&b, p, (size_t)(nl - p + 1));
		buf_adds(&b, "    ");
	}
	buf_adds(&b, p);
	free(msg);
	return (buf_steal(&b));
}

/* Log one message at a level, from a va_list. */
void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	static const int	 prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	const char		*prefix = "";
	struct buf		 b;
	char			*msg, *raw;

	if ((int)level > log_verbosity && level == LOG_LVL_DEBUG)
		return;
	raw = xvasprintf(fmt, ap);
	/*
	 * Messages carry names from backup sets and archives: never raw to a
	 * terminal. A message of several lines keeps them, indented, so that no
	 * line of it (a name with a newline in it) can pass for a message of its
	 * own ("ERROR: ..." at the start of a line).
	 */
	buf_init(&b);
	str_escape_buf(&b, raw, STR_ESCAPE_LINES);
	free(raw);
	msg = log_indent(buf_steal(&b));
	if (level == LOG_LVL_ERROR)
		prefix = "ERROR: ";
	else if (level == LOG_LVL_WARN)
		prefix = "WARNING: ";
	if (log_echo && (int)level <= log_verbosity) {
		if (level <= LOG_LVL_WARN) {
			fflush(stdout);
			fprintf(stderr, "%s%s\n", prefix, msg);
		} else {
			printf("%s\n", msg);
			fflush(stdout);
		}
	}
	if (log_file != NULL)
		fprintf(log_file, "%s%s\n", prefix, msg);
	if (log_syslog)
		syslog(prio[level], "%s%s", prefix, msg);
	free(msg);
}
