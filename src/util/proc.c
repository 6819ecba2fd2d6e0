/* proc.c: child processes for a poll() loop: one output pipe, cancel, reap, never block. */
#include "system.h"

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "util/proc.h"
#include "util/timeutil.h"
#include "util/xmalloc.h"

/* A running (or ended) child. */
struct proc {
	pid_t		 pid;
	int		 fd;		/* read end of the output pipe, -1 after EOF */
	enum proc_state	 state;
	int		 status;	/* from waitpid */
	int64_t		 grace_ms;
	int64_t		 cancel_at;	/* monotonic ms of the SIGTERM, 0 when not cancelled */
	bool		 cancelled;
	bool		 killed;
};

/*
 * In the child, when it must die with its parent: fork the command, which
 * returns from here to exec, and stay as its guard, the leader of the
 * session and process group the command and all its children share.
 * PR_SET_PDEATHSIG alone would take only the process it is set on (the
 * shell of a run: command), leaving what that shell started running on
 * unrecorded; the guard gets SIGUSR1 when the parent dies and kills the
 * whole group. A cancel's SIGTERM is the command's, not the guard's: the
 * guard ignores it and, when the command ends, ends as it did (the same exit
 * status, or the same signal), so the parent sees the command's end.
 */
static void
proc_guard(pid_t parent, int errfd)
{
	static const int	 ignored[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE };
	struct rlimit		 nocore = { 0, 0 };
	sigset_t		 set;
	siginfo_t		 si;
	size_t			 i;
	pid_t			 cmd;
	int			 st, null;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((cmd = fork()) == -1) {
		/* no guard: the command itself dies with the parent, as before guards */
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
			_exit(127);
		return;
	}
	if (cmd == 0) {
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		return;
	}
	/* The guard: nothing of the command's descriptors, so its EOF is the command's. */
	close(errfd);
	if ((null = open("/dev/null", O_RDWR)) != -1) {
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	for (i = 0; i < nitems(ignored); i++)
		signal(ignored[i], SIG_IGN);
	/* The parent may have died between its fork and this prctl: then go at once. */
	if (prctl(PR_SET_PDEATHSIG, SIGUSR1) == -1 || getppid() != parent)
		kill(0, SIGKILL);
	for (;;) {
		if (sigwaitinfo(&set, &si) == -1)
			continue;
		if (si.si_signo == SIGUSR1)
			kill(0, SIGKILL);	/* the group, the guard with it */
		if (waitpid(cmd, &st, WNOHANG) != cmd)
			continue;
		if (WIFEXITED(st))
			_exit(WEXITSTATUS(st));
		/* Die by the command's signal, without a core of our own. */
		setrlimit(RLIMIT_CORE, &nocore);
		signal(WTERMSIG(st), SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, WTERMSIG(st));
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(WTERMSIG(st));
		_exit(128 + WTERMSIG(st));
	}
}

/* In the child: reset signals, wire the descriptors and exec; never returns. */
static PDR_NORETURN void
proc_child(const char *const *argv, const struct proc_opts *o, int out, int errfd,
    pid_t parent)
{
	static const int	 sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGTERM,
	    SIGCHLD, SIGTSTP, SIGTTIN, SIGTTOU, SIGWINCH, SIGALRM, SIGUSR1, SIGUSR2 };
	sigset_t		 set;
	size_t			 i;
	int			 null, e;
	const char *const	*env;

	for (i = 0; i < nitems(sigs); i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	if (setsid() == -1)
		goto fail;

	if ((null = open("/dev/null", O_RDONLY)) == -1)
		goto fail;
	if (dup2(null, STDIN_FILENO) == -1 || dup2(out, STDOUT_FILENO) == -1 ||
	    dup2(out, STDERR_FILENO) == -1)
		goto fail;
	if (null > STDERR_FILENO)
		close(null);
	if (out > STDERR_FILENO)
		close(out);
	/* errfd is close-on-exec; every other inherited descriptor goes now. */
#ifdef HAVE_CLOSE_RANGE
	if (errfd > 3)
		close_range(3, (unsigned int)errfd - 1, 0);
	close_range((unsigned int)errfd + 1, ~0U, 0);
#else
	{
		long	max = sysconf(_SC_OPEN_MAX), fd;

		if (max < 0 || max > 65536)
			max = 65536;
		for (fd = 3; fd < max; fd++)
			if (fd != errfd)
				close((int)fd);
	}
#endif
	if (o != NULL && o->die_with_parent)
		proc_guard(parent, errfd);	/* returns in the command's process only */
	if (o != NULL && o->cwd != NULL && chdir(o->cwd) == -1)
		goto fail;
	if (o != NULL && o->env != NULL) {
		for (env = o->env; *env != NULL; env++)
			if (putenv((char *)*env) != 0)
				goto fail;
	}
	execvp(argv[0], (char *const *)argv);
fail:
	e = errno;
	if (write(errfd, &e, sizeof e) != (ssize_t)sizeof e)
		_exit(127);
	_exit(127);
}

/* Start argv with its output on one non-blocking pipe; see proc.h. */
int
proc_start(const char *const *argv, const struct proc_opts *o, struct proc **pp,
    char **cause)
{
	struct proc	*p;
	int		 out[2], ep[2], e;
	ssize_t		 n;
	pid_t		 pid, self = getpid();

	*pp = NULL;
	if (argv == NULL || argv[0] == NULL) {
		*cause = xstrdup(_("no command to run"));
		return (-1);
	}
	if (pipe2(out, O_CLOEXEC) == -1) {
		*cause = xasprintf(_("cannot create a pipe: %s"), strerror(errno));
		return (-1);
	}
	if (pipe2(ep, O_CLOEXEC) == -1) {
		*cause = xasprintf(_("cannot create a pipe: %s"), strerror(errno));
		close(out[0]);
		close(out[1]);
		return (-1);
	}
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1) {
		*cause = xasprintf(_("cannot start %s: %s"), argv[0], strerror(errno));
		close(out[0]);
		close(out[1]);
		close(ep[0]);
		close(ep[1]);
		return (-1);
	}
	if (pid == 0) {
		close(out[0]);
		close(ep[0]);
		proc_child(argv, o, out[1], ep[1], self);
	}
	close(out[1]);
	close(ep[1]);
	/*
	 * The error pipe closes on a successful exec, or carries errno. Either way
	 * the child has made its own session (and group) by then.
	 */
	do
		n = read(ep[0], &e, sizeof e);
	while (n == -1 && errno == EINTR);
	close(ep[0]);
	if (n == (ssize_t)sizeof e) {
		*cause = xasprintf(_("cannot run %s: %s"), argv[0], strerror(e));
		close(out[0]);
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
		return (-1);
	}
	if (fcntl(out[0], F_SETFL, fcntl(out[0], F_GETFL) | O_NONBLOCK) == -1) {
		*cause = xasprintf(_("cannot set up the output pipe: %s"), strerror(errno));
		close(out[0]);
		kill(-pid, SIGKILL);
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			;
		return (-1);
	}

	p = xcalloc(1, sizeof *p);
	p->pid = pid;
	p->fd = out[0];
	p->state = PROC_RUNNING;
	p->grace_ms = (o != NULL && o->grace_ms > 0) ? o->grace_ms : PROC_GRACE_MS;
	*pp = p;
	return (0);
}

/* Start "/bin/sh -c cmd"; see proc.h. */
int
proc_start_shell(const char *cmd, const struct proc_opts *o, struct proc **pp, char **cause)
{
	const char	*argv[] = { "/bin/sh", "-c", cmd, NULL };

	return (proc_start(argv, o, pp, cause));
}

/* The output pipe for poll(), -1 after EOF. */
int
proc_fd(const struct proc *p)
{
	return (p->fd);
}

/* The child's pid and process group. */
pid_t
proc_pid(const struct proc *p)
{
	return (p->pid);
}

/* Append what output is available now, up to max bytes; 1 at EOF. */
int
proc_read(struct proc *p, struct buf *out, size_t max, char **cause)
{
	char	 chunk[8192];
	size_t	 got = 0, want;
	ssize_t	 n;

	if (max == 0)
		max = 64 * 1024;
	if (p->fd == -1)
		return (1);
	while (got < max) {
		want = max - got < sizeof chunk ? max - got : sizeof chunk;
		n = read(p->fd, chunk, want);
		if (n > 0) {
			buf_add(out, chunk, (size_t)n);
			got += (size_t)n;
			continue;
		}
		if (n == 0) {
			close(p->fd);
			p->fd = -1;
			return (1);
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		*cause = xasprintf(_("cannot read the output of process %ld: %s"),
		    (long)p->pid, strerror(errno));
		return (-1);
	}
	return (0);
}

/* Reap the child if it has ended; 1 once it has. */
int
proc_reap(struct proc *p)
{
	pid_t	r;
	int	status;

	if (p->state != PROC_RUNNING)
		return (1);
	do
		r = waitpid(p->pid, &status, WNOHANG);
	while (r == -1 && errno == EINTR);
	if (r == 0)
		return (0);
	if (r == -1) {
		/* Reaped elsewhere (SIGCHLD ignored): treat as gone, status unknown. */
		p->state = PROC_EXITED;
		p->status = 255 << 8;
		return (1);
	}
	p->status = status;
	if (WIFSIGNALED(status))
		p->state = PROC_SIGNALLED;
	else
		p->state = PROC_EXITED;
	return (1);
}

/* The state after the last reap. */
enum proc_state
proc_state(const struct proc *p)
{
	return (p->state);
}

/* The exit status, or -1. */
int
proc_exit_code(const struct proc *p)
{
	if (p->state != PROC_EXITED)
		return (-1);
	return (WEXITSTATUS(p->status));
}

/* The terminating signal, or 0. */
int
proc_term_signal(const struct proc *p)
{
	if (p->state != PROC_SIGNALLED)
		return (0);
	return (WTERMSIG(p->status));
}

/* A short description of the state into buf. */
char *
proc_status_string(const struct proc *p, char *buf, size_t len)
{
	switch (p->state) {
	case PROC_RUNNING:
		snprintf(buf, len, "%s", _("running"));
		break;
	case PROC_EXITED:
		snprintf(buf, len, _("exit %d"), proc_exit_code(p));
		break;
	case PROC_SIGNALLED:
		snprintf(buf, len, _("signal %d (%s)"), proc_term_signal(p),
		    strsignal(proc_term_signal(p)));
		break;
	}
	return (buf);
}

/* True when reaped and the output has ended. */
bool
proc_finished(const struct proc *p)
{
	return (p->state != PROC_RUNNING && p->fd == -1);
}

/* Close the output pipe without waiting for its end. */
void
proc_close_output(struct proc *p)
{
	if (p->fd != -1) {
		close(p->fd);
		p->fd = -1;
	}
}

/* SIGTERM to the group now; SIGKILL later from proc_tick. */
void
proc_cancel(struct proc *p)
{
	if (p->cancelled)
		return;
	p->cancelled = true;
	p->cancel_at = time_mono_ms();
	/* Once reaped, the group is signalled only while a member still holds the pipe. */
	if (proc_reap(p) && p->fd == -1)
		return;
	kill(-p->pid, SIGTERM);
	/* A shell -c that runs one command may exec it in place; the pid is then the command. */
	kill(p->pid, SIGTERM);
}

/* True once cancelled. */
bool
proc_cancelled(const struct proc *p)
{
	return (p->cancelled);
}

/* True once the group was sent SIGKILL. */
bool
proc_killed(const struct proc *p)
{
	return (p->killed);
}

/* SIGKILL a cancelled group whose grace has passed; reap. */
int
proc_tick(struct proc *p)
{
	if (proc_reap(p) && p->fd == -1)
		return (1);
	if (p->cancelled && !p->killed && time_mono_ms() - p->cancel_at >= p->grace_ms) {
		p->killed = true;
		kill(-p->pid, SIGKILL);
		kill(p->pid, SIGKILL);
	}
	return (proc_reap(p));
}

/* Let a child go on alone: close the pipe and forget it, without a signal. */
void
proc_detach(struct proc *p)
{
	if (p == NULL)
		return;
	if (p->fd != -1)
		close(p->fd);
	free(p);
}

/* When process pid started (field 22 of /proc/PID/stat, clock ticks since boot): 0, or -1 when it is gone. */
int
proc_start_time(pid_t pid, uint64_t *start)
{
	char			 path[64], buf[1024], *p;
	ssize_t			 n;
	int			 fd, field;
	unsigned long long	 v;

	if (pid <= 0)
		return (-1);
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return (-1);
	buf[n] = '\0';
	/* the command name (field 2) may hold spaces and parentheses: skip to its last ')' */
	if ((p = strrchr(buf, ')')) == NULL)
		return (-1);
	p++;
	/* a zombie (Z) or dead (X) process has ended: its outcome is with its parent */
	if (p[0] == ' ' && (p[1] == 'Z' || p[1] == 'X'))
		return (-1);
	/* p is at the space before field 3; field 22 is 19 spaces on */
	for (field = 3; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p + 1, "%llu", &v) != 1)
		return (-1);
	*start = (uint64_t)v;
	return (0);
}

/* This boot's id (/proc/sys/kernel/random/boot_id) into buf, "" when unknown. Returns buf. */
char *
proc_boot_id(char *buf, size_t len)
{
	ssize_t	n;
	int	fd;

	buf[0] = '\0';
	if ((fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC)) == -1)
		return (buf);
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return (buf);
}

/* How deep proc_defer_signals calls nest, and the mask to go back to. */
static int	 proc_deferred;
static sigset_t	 proc_defer_old;

/* Hold SIGTERM, SIGHUP and SIGINT back until proc_undefer_signals; calls nest. */
void
proc_defer_signals(void)
{
	sigset_t	set;

	if (proc_deferred++ > 0)
		return;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, &proc_defer_old);
}

/* End the outermost proc_defer_signals: a signal that came meanwhile is delivered now. */
void
proc_undefer_signals(void)
{
	if (proc_deferred == 0 || --proc_deferred > 0)
		return;
	sigprocmask(SIG_SETMASK, &proc_defer_old, NULL);
}

/* Free a child, killing and reaping it if it still runs. */
void
proc_free(struct proc *p)
{
	if (p == NULL)
		return;
	if (p->state == PROC_RUNNING && !proc_reap(p)) {
		kill(-p->pid, SIGKILL);
		kill(p->pid, SIGKILL);
		while (waitpid(p->pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	if (p->fd != -1)
		close(p->fd);
	free(p);
}
