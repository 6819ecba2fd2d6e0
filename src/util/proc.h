/* proc.h: child processes for a poll() loop: one output pipe, cancel, reap, never block. */
#ifndef PDR_PROC_H
#define PDR_PROC_H

#include "system.h"

#include "util/str.h"

/*
 * A child runs in its own session and process group (setsid), so it has no
 * controlling terminal and a cancel reaches its whole group. Its stdin is
 * /dev/null; its stdout and stderr share one pipe whose read end is
 * non-blocking and close-on-exec in the parent. Signal dispositions and the
 * signal mask are reset to the defaults in the child; descriptors >= 3 are
 * closed before exec. The caller polls proc_fd() for POLLIN (and POLLHUP),
 * calls proc_read() when it is ready, proc_reap() on every tick (or on
 * SIGCHLD), and proc_tick() on every tick while a cancel is pending.
 */
struct proc;

/* Options for proc_start; a NULL pointer means all defaults. */
struct proc_opts {
	const char	*cwd;		/* working directory, NULL: inherited */
	const char	*const *env;	/* "NAME=VALUE" to set in the child, NULL-terminated, or NULL */
	int64_t		 grace_ms;	/* SIGTERM to SIGKILL delay on cancel, 0: PROC_GRACE_MS */
	bool		 die_with_parent;	/* the command and all it started killed when the starting process dies */
};

/* Default delay between SIGTERM and SIGKILL when a child is cancelled. */
#define PROC_GRACE_MS 5000

/* What became of a child. */
enum proc_state {
	PROC_RUNNING,		/* not reaped yet */
	PROC_EXITED,		/* exited; proc_exit_code() is its status */
	PROC_SIGNALLED,		/* killed by proc_term_signal() */
};

/*
 * Start argv[0] (searched in PATH) with argv. Returns 0 and *pp (free with
 * proc_free), or -1 and *cause (caller frees) when the pipe, fork or exec
 * fails (an exec failure is reported here, not as an exit status).
 */
int		 proc_start(const char *const *argv, const struct proc_opts *,
		    struct proc **pp, char **cause);
/* Start "/bin/sh -c cmd" like proc_start; the shell reports a missing command as exit 127. */
int		 proc_start_shell(const char *cmd, const struct proc_opts *,
		    struct proc **pp, char **cause);

/* The read end of the output pipe for poll(), or -1 once the output has ended. */
int		 proc_fd(const struct proc *);
/* The child's pid (also its process group id). */
pid_t		 proc_pid(const struct proc *);

/*
 * Append the output available now, at most max bytes (0: 64 KiB), to out
 * without blocking. Returns 0 while the pipe is open, 1 when the output has
 * ended (the fd is closed, proc_fd returns -1; later calls return 1), -1 and
 * *cause on a read error.
 */
int		 proc_read(struct proc *, struct buf *out, size_t max, char **cause);

/* Reap the child if it has ended (waitpid WNOHANG). Returns 1 once it has ended, 0 while it runs. */
int		 proc_reap(struct proc *);
/* The state after the last proc_reap. */
enum proc_state	 proc_state(const struct proc *);
/* The exit status when PROC_EXITED, else -1. */
int		 proc_exit_code(const struct proc *);
/* The signal that ended the child when PROC_SIGNALLED, else 0. */
int		 proc_term_signal(const struct proc *);
/* "running", "exit 0", "exit 3" or "signal 15 (Terminated)" into buf (size >= 64); returns buf. */
char		*proc_status_string(const struct proc *, char *buf, size_t len);
/* True when the child has been reaped and its output has ended. */
bool		 proc_finished(const struct proc *);
/*
 * Stop reading: close the pipe now (proc_fd then returns -1). For a child
 * that has ended while something it left running still holds the pipe open.
 */
void		 proc_close_output(struct proc *);

/*
 * Cancel: SIGTERM to the child's process group now, SIGKILL from proc_tick
 * once the grace period has passed (measured on the monotonic clock). Does
 * nothing when the child has been reaped already. Never blocks.
 */
void		 proc_cancel(struct proc *);
/* True once proc_cancel was called. */
bool		 proc_cancelled(const struct proc *);
/* True once the group was sent SIGKILL. */
bool		 proc_killed(const struct proc *);
/* Drive a pending cancel: SIGKILL the group when its grace has passed; reaps too. Returns proc_reap(). */
int		 proc_tick(struct proc *);

/*
 * Free a child: if it still runs, SIGKILL its group and reap it (a SIGKILLed
 * child ends at once, so the wait is short). Closes the pipe. NULL is fine.
 */
void		 proc_free(struct proc *);

/* Forget a child without signalling it: it goes on alone (its output pipe is closed). NULL is fine. */
void		 proc_detach(struct proc *);

/* When process pid started, in clock ticks since boot, into *start: 0, or -1 when there is no such process. */
int		 proc_start_time(pid_t pid, uint64_t *start);
/* Room for a boot id with its NUL. */
#define PROC_BOOT_ID_MAX 64
/* This boot's id (/proc/sys/kernel/random/boot_id) into buf, "" when unknown. Returns buf. */
char		*proc_boot_id(char *buf, size_t len);

/*
 * Hold SIGTERM, SIGHUP and SIGINT back (sigprocmask) while live data is
 * replaced and recorded; calls nest. proc_undefer_signals ends the outermost
 * one, and a signal that came meanwhile is delivered then.
 */
void		 proc_defer_signals(void);
void		 proc_undefer_signals(void);

/* Milliseconds on the monotonic clock, for timing steps and grace periods. */

#endif
