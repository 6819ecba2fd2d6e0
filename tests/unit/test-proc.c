/* test-proc.c: unit tests of src/util/proc (children on a pipe, reaping, cancel). */
#include "system.h"

#include <check.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include "util/proc.h"
#include "util/str.h"
#include "util/xmalloc.h"
#include "testlib.h"

/* Drive a child as the TUI does (poll, read, reap, tick) until it is finished. */
static void
drive(struct proc *p, struct buf *out)
{
	struct pollfd	 pfd;
	char		*cause = NULL;
	int		 i;

	for (i = 0; i < 600 && !proc_finished(p); i++) {
		pfd.fd = proc_fd(p);
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (pfd.fd != -1)
			poll(&pfd, 1, 100);
		else
			poll(NULL, 0, 50);
		ck_assert_int_ne(proc_read(p, out, 0, &cause), -1);
		proc_tick(p);
	}
	ck_assert_msg(proc_finished(p), "child did not finish");
}

/* Read output until it contains text (or the child ends). */
static void
wait_for(struct proc *p, struct buf *out, const char *text)
{
	struct pollfd	 pfd;
	char		*cause = NULL;
	int		 i;

	for (i = 0; i < 600 && strstr(out->data, text) == NULL; i++) {
		pfd.fd = proc_fd(p);
		pfd.events = POLLIN;
		if (pfd.fd == -1)
			break;
		poll(&pfd, 1, 100);
		ck_assert_int_ne(proc_read(p, out, 0, &cause), -1);
	}
	ck_assert_ptr_nonnull(strstr(out->data, text));
}

/* True when no child of ours is left, not even a zombie. */
static bool
no_children(void)
{
	return (waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);
}

START_TEST(test_output_and_exit)
{
	struct proc	*p;
	struct buf	 out;
	char		*cause = NULL, st[64];

	buf_init(&out);
	ck_assert_int_eq(proc_start_shell("echo to-stdout; echo to-stderr >&2; exit 7", NULL,
	    &p, &cause), 0);
	ck_assert_int_gt(proc_fd(p), 2);
	drive(p, &out);
	ck_assert_ptr_nonnull(strstr(out.data, "to-stdout\n"));
	ck_assert_ptr_nonnull(strstr(out.data, "to-stderr\n"));
	ck_assert_int_eq(proc_state(p), PROC_EXITED);
	ck_assert_int_eq(proc_exit_code(p), 7);
	ck_assert_int_eq(proc_term_signal(p), 0);
	ck_assert_str_eq(proc_status_string(p, st, sizeof st), "exit 7");
	ck_assert_int_eq(proc_fd(p), -1);
	proc_free(p);
	ck_assert(no_children());
	buf_clear(&out);
}
END_TEST

START_TEST(test_argv_env_cwd_stdin)
{
	const char *const	 argv[] = { "sh", "-c",
	    "pwd; echo \"V=$PDR_TEST_V\"; cat; echo cat-done", NULL };
	const char *const	 env[] = { "PDR_TEST_V=hello world", NULL };
	struct proc_opts	 o = { .cwd = "/", .env = env };
	struct proc		*p;
	struct buf		 out;
	char			*cause = NULL;

	buf_init(&out);
	ck_assert_int_eq(proc_start(argv, &o, &p, &cause), 0);
	drive(p, &out);
	ck_assert_str_eq(out.data, "/\nV=hello world\ncat-done\n");
	ck_assert_int_eq(proc_exit_code(p), 0);
	proc_free(p);
	buf_clear(&out);
}
END_TEST

START_TEST(test_exec_failure)
{
	const char *const	 argv[] = { "/nonexistent/pdr-no-such-program", NULL };
	struct proc		*p;
	char			*cause = NULL;

	ck_assert_int_eq(proc_start(argv, NULL, &p, &cause), -1);
	ck_assert_ptr_null(p);
	ck_assert_ptr_nonnull(strstr(cause, "No such file or directory"));
	free(cause);
	ck_assert(no_children());

	/* Through the shell a missing command is the shell's exit 127. */
	ck_assert_int_eq(proc_start_shell("pdr-no-such-command-xyz", NULL, &p, &cause), 0);
	{
		struct buf	out;

		buf_init(&out);
		drive(p, &out);
		ck_assert_int_eq(proc_exit_code(p), 127);
		buf_clear(&out);
	}
	proc_free(p);
}
END_TEST

START_TEST(test_signal_death)
{
	struct proc	*p;
	struct buf	 out;
	char		*cause = NULL, st[64];

	buf_init(&out);
	ck_assert_int_eq(proc_start_shell("kill -USR1 $$; sleep 5", NULL, &p, &cause), 0);
	drive(p, &out);
	ck_assert_int_eq(proc_state(p), PROC_SIGNALLED);
	ck_assert_int_eq(proc_term_signal(p), SIGUSR1);
	ck_assert_int_eq(proc_exit_code(p), -1);
	ck_assert_ptr_nonnull(strstr(proc_status_string(p, st, sizeof st), "signal 10"));
	proc_free(p);
	buf_clear(&out);
}
END_TEST

START_TEST(test_nonblocking_read)
{
	const char *const	 argv[] = { "sleep", "1000", NULL };
	struct proc		*p;
	struct buf		 out;
	char			*cause = NULL;
	int			 fl;

	buf_init(&out);
	ck_assert_int_eq(proc_start(argv, NULL, &p, &cause), 0);
	fl = fcntl(proc_fd(p), F_GETFL);
	ck_assert(fl & O_NONBLOCK);
	ck_assert(fcntl(proc_fd(p), F_GETFD) & FD_CLOEXEC);
	/* A silent child: the read returns at once with nothing. */
	ck_assert_int_eq(proc_read(p, &out, 0, &cause), 0);
	ck_assert_uint_eq(out.len, 0);
	ck_assert_int_eq(proc_reap(p), 0);
	ck_assert_int_eq(proc_state(p), PROC_RUNNING);
	/* Its own process group and session. */
	ck_assert_int_eq(getpgid(proc_pid(p)), proc_pid(p));
	ck_assert_int_eq(getsid(proc_pid(p)), proc_pid(p));
	/* Freeing a running child kills and reaps it: no zombie. */
	proc_free(p);
	ck_assert(no_children());
	buf_clear(&out);
}
END_TEST

START_TEST(test_cancel_sleep)
{
	const char *const	 argv[] = { "sleep", "1000", NULL };
	struct proc		*p;
	struct buf		 out;
	char			*cause = NULL;

	buf_init(&out);
	ck_assert_int_eq(proc_start(argv, NULL, &p, &cause), 0);
	ck_assert(!proc_cancelled(p));
	proc_cancel(p);
	ck_assert(proc_cancelled(p));
	drive(p, &out);
	ck_assert_int_eq(proc_state(p), PROC_SIGNALLED);
	ck_assert_int_eq(proc_term_signal(p), SIGTERM);
	ck_assert(!proc_killed(p));
	proc_free(p);
	ck_assert(no_children());
	buf_clear(&out);
}
END_TEST

START_TEST(test_cancel_trap_term)
{
	struct proc_opts	 o = { .grace_ms = 300 };
	struct proc		*p;
	struct buf		 out;
	char			*cause = NULL;

	buf_init(&out);
	ck_assert_int_eq(proc_start_shell("trap '' TERM; echo ready; "
	    "while :; do sleep 1; done", &o, &p, &cause), 0);
	wait_for(p, &out, "ready");
	proc_cancel(p);
	drive(p, &out);
	ck_assert(proc_killed(p));
	ck_assert_int_eq(proc_state(p), PROC_SIGNALLED);
	ck_assert_int_eq(proc_term_signal(p), SIGKILL);
	proc_free(p);
	ck_assert(no_children());
	buf_clear(&out);
}
END_TEST

/* The state letter of a process from /proc, 0 when it is gone. */
static char
proc_letter(pid_t pid)
{
	char	 path[64], line[512], *rp;
	FILE	*f;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (0);
	if (fgets(line, sizeof line, f) == NULL) {
		fclose(f);
		return (0);
	}
	fclose(f);
	if ((rp = strrchr(line, ')')) == NULL || rp[1] == '\0')
		return (0);
	return (rp[2]);
}

START_TEST(test_cancel_reaches_group)
{
	struct proc	*p;
	struct buf	 out;
	char		*cause = NULL, *nl, letter;
	long		 gpid;
	int		 i;

	buf_init(&out);
	/* A grandchild that holds the pipe: cancel must end it too. */
	ck_assert_int_eq(proc_start_shell("sleep 1000 & echo \"bg $!\"; wait", NULL, &p,
	    &cause), 0);
	wait_for(p, &out, "\n");
	ck_assert_int_eq(sscanf(out.data, "bg %ld", &gpid), 1);
	nl = strchr(out.data, '\n');
	ck_assert_ptr_nonnull(nl);
	ck_assert_int_ne(proc_letter((pid_t)gpid), 0);
	proc_cancel(p);
	drive(p, &out);
	for (i = 0; i < 100; i++) {
		letter = proc_letter((pid_t)gpid);
		if (letter == 0 || letter == 'Z')
			break;
		poll(NULL, 0, 50);
	}
	ck_assert_msg(letter == 0 || letter == 'Z', "grandchild %ld still runs (%c)", gpid,
	    letter);
	proc_free(p);
	ck_assert(no_children());
	buf_clear(&out);
}
END_TEST

/* Wait (bounded) until pid is gone or a zombie; returns its last state letter. */
static char
wait_gone(pid_t pid)
{
	char	letter = 0;
	int	i;

	for (i = 0; i < 200; i++) {
		letter = proc_letter(pid);
		if (letter == 0 || letter == 'Z')
			break;
		poll(NULL, 0, 50);
	}
	return (letter);
}

/*
 * die_with_parent: the command runs under a guard, which the parent sees
 * end as the command did (exit status, signal, cancel, exec failure).
 */
START_TEST(test_guarded_ends_as_command)
{
	const char *const	 argv[] = { "pdr-no-such-command-xyz", NULL };
	struct proc_opts	 o = { .die_with_parent = true, .grace_ms = 300 };
	struct proc		*p;
	struct buf		 out;
	char			*cause = NULL;

	buf_init(&out);
	ck_assert_int_eq(proc_start_shell("echo out; echo err >&2; exit 7", &o, &p, &cause), 0);
	drive(p, &out);
	ck_assert_int_eq(proc_state(p), PROC_EXITED);
	ck_assert_int_eq(proc_exit_code(p), 7);
	ck_assert_str_eq(out.data, "out\nerr\n");
	proc_free(p);
	buf_reset(&out);
	ck_assert_int_eq(proc_start_shell("kill -USR1 $$; sleep 5", &o, &p, &cause), 0);
	drive(p, &out);
	ck_assert_int_eq(proc_state(p), PROC_SIGNALLED);
	ck_assert_int_eq(proc_term_signal(p), SIGUSR1);
	proc_free(p);
	/* a cancel's SIGTERM reaches the command, and its end is the guard's */
	ck_assert_int_eq(proc_start_shell("echo ready; sleep 1000", &o, &p, &cause), 0);
	wait_for(p, &out, "ready");
	proc_cancel(p);
	drive(p, &out);
	ck_assert_int_eq(proc_state(p), PROC_SIGNALLED);
	ck_assert_int_eq(proc_term_signal(p), SIGTERM);
	ck_assert(!proc_killed(p));
	proc_free(p);
	ck_assert_int_eq(proc_start_shell("trap '' TERM; echo ready2; while :; do sleep 1; done",
	    &o, &p, &cause), 0);
	wait_for(p, &out, "ready2");
	proc_cancel(p);
	drive(p, &out);
	ck_assert(proc_killed(p));
	ck_assert_int_eq(proc_term_signal(p), SIGKILL);
	proc_free(p);
	ck_assert_int_eq(proc_start(argv, &o, &p, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "pdr-no-such-command-xyz"));
	free(cause);
	ck_assert(no_children());
	buf_clear(&out);
}
END_TEST

/*
 * die_with_parent: when the parent dies (kill -9 of a supervisor), what its
 * command started dies too, not only the shell (PR_SET_PDEATHSIG alone).
 */
START_TEST(test_guarded_parent_death)
{
	struct proc_opts	 o = { .die_with_parent = true };
	struct proc		*p;
	struct buf		 out;
	char			*cause = NULL, letter, line[64];
	long			 gpid = 0;
	pid_t			 parent;
	int			 pp[2], st;
	ssize_t			 n;

	ck_assert_int_eq(pipe(pp), 0);
	if ((parent = fork()) == 0) {
		close(pp[0]);
		buf_init(&out);
		if (proc_start_shell("sleep 1000 & echo \"bg $!\"; wait", &o, &p, &cause) != 0)
			_exit(2);
		wait_for(p, &out, "\n");
		if (write(pp[1], out.data, out.len) != (ssize_t)out.len)
			_exit(3);
		close(pp[1]);
		pause();	/* until killed */
		_exit(4);
	}
	ck_assert_int_gt(parent, 0);
	close(pp[1]);
	n = read(pp[0], line, sizeof line - 1);
	close(pp[0]);
	ck_assert_int_gt(n, 0);
	line[n] = '\0';
	ck_assert_int_eq(sscanf(line, "bg %ld", &gpid), 1);
	ck_assert_int_ne(proc_letter((pid_t)gpid), 0);
	kill(parent, SIGKILL);
	ck_assert_int_eq(waitpid(parent, &st, 0), parent);
	letter = wait_gone((pid_t)gpid);
	ck_assert_msg(letter == 0 || letter == 'Z', "the command's child %ld outlived the "
	    "parent (%c)", gpid, letter);
}
END_TEST

START_TEST(test_close_output)
{
	struct proc	*p;
	struct buf	 out;
	char		*cause = NULL, letter;
	long		 gpid;
	int		 i;

	buf_init(&out);
	/* The child exits at once, leaving a process that keeps the pipe open. */
	ck_assert_int_eq(proc_start_shell("sleep 1000 & echo \"bg $!\"", NULL, &p, &cause), 0);
	wait_for(p, &out, "\n");
	ck_assert_int_eq(sscanf(out.data, "bg %ld", &gpid), 1);
	for (i = 0; i < 600 && !proc_reap(p); i++)
		poll(NULL, 0, 20);
	ck_assert_int_eq(proc_exit_code(p), 0);
	ck_assert_int_ne(proc_fd(p), -1);
	ck_assert(!proc_finished(p));
	proc_close_output(p);
	ck_assert_int_eq(proc_fd(p), -1);
	ck_assert(proc_finished(p));
	ck_assert_int_eq(proc_read(p, &out, 0, &cause), 1);
	proc_free(p);
	/* What it left behind is not ours to wait for; end it for the test. */
	letter = proc_letter((pid_t)gpid);
	ck_assert_msg(letter != 0 && letter != 'Z', "background sleep gone (%c)", letter);
	kill((pid_t)gpid, SIGKILL);
	buf_clear(&out);
}
END_TEST

START_TEST(test_descriptors_closed)
{
	struct proc	*p;
	struct buf	 out;
	char		*cause = NULL, *cmd;
	int		 fd;

	/* A descriptor the parent left open without close-on-exec. */
	fd = open("/dev/null", O_RDONLY);
	ck_assert_int_gt(fd, 2);
	cmd = xasprintf("if [ -e /proc/self/fd/%d ]; then echo leaked; fi; "
	    "ls /proc/$$/fd | sort -n | tr '\\n' ' '", fd);
	buf_init(&out);
	ck_assert_int_eq(proc_start_shell(cmd, NULL, &p, &cause), 0);
	drive(p, &out);
	ck_assert_msg(strstr(out.data, "leaked") == NULL, "%s", out.data);
	close(fd);
	free(cmd);
	proc_free(p);
	buf_clear(&out);
}
END_TEST

START_TEST(test_read_bounded)
{
	struct proc	*p;
	struct buf	 out;
	char		*cause = NULL;
	int		 i;

	buf_init(&out);
	ck_assert_int_eq(proc_start_shell("head -c 300000 /dev/zero | tr '\\0' x", NULL, &p,
	    &cause), 0);
	/* Each read takes at most max bytes, so a flood cannot starve the loop. */
	for (i = 0; i < 200 && out.len == 0; i++) {
		poll(NULL, 0, 20);
		ck_assert_int_ne(proc_read(p, &out, 1000, &cause), -1);
	}
	ck_assert_uint_gt(out.len, 0);
	ck_assert_uint_le(out.len, 1000);
	drive(p, &out);
	ck_assert_uint_eq(out.len, 300000);
	ck_assert_int_eq(proc_exit_code(p), 0);
	proc_free(p);
	buf_clear(&out);
}
END_TEST

static Suite *
proc_suite(void)
{
	Suite	*s = suite_create("proc");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_output_and_exit);
	tcase_add_test(tc, test_argv_env_cwd_stdin);
	tcase_add_test(tc, test_exec_failure);
	tcase_add_test(tc, test_signal_death);
	tcase_add_test(tc, test_nonblocking_read);
	tcase_add_test(tc, test_cancel_sleep);
	tcase_add_test(tc, test_cancel_trap_term);
	tcase_add_test(tc, test_cancel_reaches_group);
	tcase_add_test(tc, test_guarded_ends_as_command);
	tcase_add_test(tc, test_guarded_parent_death);
	tcase_add_test(tc, test_close_output);
	tcase_add_test(tc, test_descriptors_closed);
	tcase_add_test(tc, test_read_bounded);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (testlib_run(proc_suite(), NULL));
}
