/*
 * notify.c: webhook notifications (notify.webhook): a JSON POST with a "text"
 * field, as Slack and Mattermost incoming webhooks take it. Each is sent by a
 * detached grandchild with a hard time limit, so a slow or dead webhook never
 * delays a backup or the TUI, and its outcome goes to syslog and the log file
 * only through the child's own stderr, which is /dev/null.
 */
#include "system.h"

#include <sys/wait.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "engine/backup/notify.h"
#include "engine/set/setlock.h"
#include "util/json.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* Discard the webhook's answer. */
static size_t
notify_discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return (size * n);
}

/*
 * POST body (JSON) to url within timeout_ms and wait for the answer: for a
 * process that is itself detached (the incident follower). Returns 0 on a
 * 2xx answer, or -1 and *cause naming the URL and what went wrong.
 */
int
notify_post_wait(const char *url, long timeout_ms, const char *body, char **cause)
{
	struct curl_slist	*h = NULL;
	CURL			*curl;
	CURLcode		 rc;
	long			 code = 0;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || (curl = curl_easy_init()) == NULL) {
		*cause = xstrdup(_("notify: libcurl cannot start"));
		return (-1);
	}
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, notify_discard);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, PACKAGE "/" VERSION);
	if ((rc = curl_easy_perform(curl)) == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(curl);
	curl_slist_free_all(h);
	if (rc != CURLE_OK) {
		*cause = xasprintf(_("notify: %s: %s"), url, curl_easy_strerror(rc));
		return (-1);
	}
	if (code < 200 || code >= 300) {
		*cause = xasprintf(_("notify: %s answered HTTP %ld"), url, code);
		return (-1);
	}
	return (0);
}

/*
 * Run command with /bin/sh -c, body on its standard input, and wait for it
 * at most timeout_ms (then it is killed). Returns 0 when it exited 0, or -1
 * and *cause.
 */
int
notify_command_wait(const char *command, long timeout_ms, const char *body, char **cause)
{
	int		 in[2], status, fd;
	pid_t		 pid, w;
	size_t		 off = 0, len = strlen(body);
	ssize_t		 n;
	long		 waited = 0;
	struct timespec	 ts = { 0, 20 * 1000000L };

	if (pipe(in) != 0) {
		*cause = xasprintf(_("notify: %s"), strerror(errno));
		return (-1);
	}
	if ((pid = fork()) == -1) {
		*cause = xasprintf(_("notify: cannot start a process: %s"), strerror(errno));
		close(in[0]);
		close(in[1]);
		return (-1);
	}
	if (pid == 0) {
		dup2(in[0], STDIN_FILENO);
		close(in[0]);
		close(in[1]);
		if ((fd = open("/dev/null", O_WRONLY)) != -1) {
			dup2(fd, STDOUT_FILENO);
			if (fd > STDERR_FILENO)
				close(fd);
		}
		setpgid(0, 0);
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	signal(SIGPIPE, SIG_IGN);
	while (off < len && (n = write(in[1], body + off, len - off)) > 0)
		off += (size_t)n;
	close(in[1]);
	while ((w = waitpid(pid, &status, WNOHANG)) == 0 && waited < timeout_ms) {
		nanosleep(&ts, NULL);
		waited += 20;
	}
	if (w == 0) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		*cause = xasprintf(_("notify.command did not end within %ld ms: killed"),
		    timeout_ms);
		return (-1);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		*cause = WIFEXITED(status) ? xasprintf(_("notify.command exited %d"),
		    WEXITSTATUS(status)) : xasprintf(_("notify.command ended by signal %d"),
		    WTERMSIG(status));
		return (-1);
	}
	return (0);
}

/* In the grandchild: POST body to url within timeout_ms; exit 0 on a 2xx answer. */
static PDR_NORETURN void
notify_child(const char *url, long timeout_ms, const char *body)
{
	sigset_t	 none;
	char		*cause = NULL;
	int		 fd;

	/* Hard bound whatever libcurl does: the kernel ends us (handlers of the parent reset). */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGALRM, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	alarm((unsigned)(timeout_ms / 1000 + 2));
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	_exit(notify_post_wait(url, timeout_ms, body, &cause) == 0 ? 0 : 1);
}

/*
 * Send text to webhook (an http or https URL) within timeout seconds, from a
 * detached process: returns as soon as it is started. Returns 0, or -1 and
 * *cause when no process could be started. The caller keeps its strings.
 */
int
notify_send(const char *webhook, int64_t timeout, const char *text, char **cause)
{
	struct buf	 b;
	pid_t		 pid;
	long		 ms;
	int		 status;

	if (webhook == NULL || *webhook == '\0')
		return (0);
	ms = timeout > 0 && timeout < 3600 ? (long)timeout * 1000 : 5000;
	buf_init(&b);
	buf_adds(&b, "{\"text\": ");
	json_add_string(&b, text);
	buf_adds(&b, "}");
	fflush(stdout);
	fflush(stderr);
	switch ((pid = fork())) {
	case -1:
		*cause = xasprintf(_("notify: cannot start a process: %s"), strerror(errno));
		buf_clear(&b);
		return (-1);
	case 0:
		/* The child starts the sender and exits, so nobody waits for it. */
		setsid();
		signal(SIGHUP, SIG_IGN);
		setlock_forget();
		if (fork() == 0)
			notify_child(webhook, ms, b.data);
		_exit(0);
	}
	buf_clear(&b);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	return (0);
}

/* A notification text: "patronus-dr on HOST: " and the formatted message; the caller frees. */
char *
notify_text(const char *fmt, ...)
{
	va_list	 ap;
	char	 host[256], *msg, *s;

	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "?");
	host[sizeof host - 1] = '\0';
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	s = xasprintf(_("patronus-dr on %s: %s"), host, msg);
	free(msg);
	return (s);
}
