/* tui.c: the terminal, the poll() loop, signals and the drawing helpers of the TUI. */
#include "system.h"

#include <fcntl.h>
#include <langinfo.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wctype.h>

#include "ui/tui-int.h"
#include "util/str.h"
#include "util/xmalloc.h"

/* How long the TUI waits for another writer of the record before saying it was not recorded. */
#define TUI_RECORD_BUSY_MS 500

/* The self-pipe that signal handlers write to, and what arrived. */
static int			tui_sigpipe[2] = { -1, -1 };
static volatile sig_atomic_t	tui_got_hup;
static volatile sig_atomic_t	tui_got_winch;
static struct sigaction		tui_old_winch;
static bool			tui_curses_on;

/* Milliseconds since the epoch (the record's clock). */
int64_t
tui_now_ms(void)
{
	return (incident_now_ms());
}

/* End curses if it is on: called on every way out, fatal ones included. */
static void
tui_restore(void)
{
	if (tui_curses_on) {
		tui_curses_on = false;
		curs_set(1);
		endwin();
	}
}

/* Note a signal and wake the loop; SIGWINCH is passed on to curses' own handler. */
static void
tui_signal(int sig)
{
	int	saved = errno;
	char	c = (char)sig;

	if (sig == SIGWINCH) {
		tui_got_winch = 1;
		if (tui_old_winch.sa_handler != SIG_DFL &&
		    tui_old_winch.sa_handler != SIG_IGN &&
		    tui_old_winch.sa_handler != NULL)
			tui_old_winch.sa_handler(sig);
	} else
		tui_got_hup = sig;
	if (tui_sigpipe[1] != -1)
		(void)!write(tui_sigpipe[1], &c, 1);
	errno = saved;
}

/* Install the handlers for SIGHUP, SIGTERM, SIGINT, SIGWINCH; ignore SIGPIPE. */
static int
tui_signals(char **cause)
{
	struct sigaction	sa;
	int			i;

	if (pipe(tui_sigpipe) != 0) {
		*cause = xasprintf("pipe: %s", strerror(errno));
		return (-1);
	}
	for (i = 0; i < 2; i++) {
		fcntl(tui_sigpipe[i], F_SETFL, fcntl(tui_sigpipe[i], F_GETFL) | O_NONBLOCK);
		fcntl(tui_sigpipe[i], F_SETFD, FD_CLOEXEC);
	}
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = tui_signal;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGWINCH, &sa, &tui_old_winch);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return (0);
}

/* Put back the default signal handlers and close the self-pipe. */
static void
tui_signals_done(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	if (tui_sigpipe[0] != -1) {
		close(tui_sigpipe[0]);
		close(tui_sigpipe[1]);
		tui_sigpipe[0] = tui_sigpipe[1] = -1;
	}
}

/* Choose attributes: colours when the terminal has them and NO_COLOR is unset. */
static void
tui_colors(struct tui *t)
{
	static const struct { enum tui_role r; short fg; short bg; attr_t a; attr_t mono; } map[] = {
		{ ROLE_NORMAL, -1, -1, A_NORMAL, A_NORMAL },
		{ ROLE_HEADER, COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE },
		{ ROLE_DRILL, COLOR_BLACK, COLOR_MAGENTA, A_BOLD, A_REVERSE | A_BOLD },
		{ ROLE_ATTENTION, COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_BOLD | A_UNDERLINE },
		{ ROLE_ALARM, COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD | A_BLINK },
		{ ROLE_DONE, COLOR_GREEN, -1, A_NORMAL, A_NORMAL },
		{ ROLE_FAILED, COLOR_RED, -1, A_BOLD, A_BOLD },
		{ ROLE_SKIPPED, COLOR_YELLOW, -1, A_NORMAL, A_DIM },
		{ ROLE_RUNNING, COLOR_CYAN, -1, A_BOLD, A_BOLD },
		{ ROLE_SELECTED, -1, -1, A_REVERSE, A_REVERSE },
		{ ROLE_DIM, -1, -1, A_DIM, A_DIM },
		{ ROLE_TITLE, -1, -1, A_BOLD, A_BOLD },
		{ ROLE_COMMAND, COLOR_CYAN, -1, A_NORMAL, A_BOLD },
	};
	const char	*nc = getenv("NO_COLOR");
	size_t		 i;

	t->color = has_colors() && (nc == NULL || *nc == '\0');
	if (t->color && start_color() == OK) {
		use_default_colors();
		for (i = 0; i < nitems(map); i++) {
			init_pair((short)(i + 1), map[i].fg, map[i].bg);
			t->attr[map[i].r] = COLOR_PAIR(i + 1) | map[i].a;
		}
	} else {
		t->color = false;
		for (i = 0; i < nitems(map); i++)
			t->attr[map[i].r] = map[i].mono;
	}
}

/* A glyph: the UTF-8 one when the locale is UTF-8, else the ASCII one. */
const char *
tui_glyph(struct tui *t, const char *utf8, const char *ascii)
{
	return (t->utf8 ? utf8 : ascii);
}

/* The next character of s into *wc (a '?' for a byte that is not one); returns its length. */
static size_t
tui_mbchar(const char *s, mbstate_t *ps, wchar_t *wc)
{
	size_t	n;

	n = mbrtowc(wc, s, MB_CUR_MAX, ps);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		memset(ps, 0, sizeof *ps);
		*wc = L'?';
		return (1);
	}
	/* iswprint passes the bidirectional controls, which would reorder the line. */
	if (!iswprint((wint_t)*wc) || str_is_bidi_control((uint32_t)*wc))
		*wc = *wc == L'\t' ? L' ' : L'?';
	return (n);
}

/* The width of s on the screen. */
int
tui_width(const char *s)
{
	mbstate_t	st;
	wchar_t		wc;
	int		w = 0, cw;

	memset(&st, 0, sizeof st);
	while (*s != '\0') {
		s += tui_mbchar(s, &st, &wc);
		if ((cw = wcwidth(wc)) > 0)
			w += cw;
	}
	return (w);
}

/* Write s at y,x in at most width columns (the rest cut), with attr. */
void
tui_put(int y, int x, int width, attr_t attr, const char *s)
{
	mbstate_t	st;
	wchar_t		wc[2];
	cchar_t		cc;
	int		cw, used = 0;

	if (width <= 0 || y < 0 || y >= LINES || x >= COLS)
		return;
	if (x + width > COLS)
		width = COLS - x;
	memset(&st, 0, sizeof st);
	move(y, x);
	wc[1] = L'\0';
	while (*s != '\0') {
		s += tui_mbchar(s, &st, &wc[0]);
		if ((cw = wcwidth(wc[0])) < 0)
			continue;
		if (used + cw > width)
			break;
		setcchar(&cc, wc, attr, PAIR_NUMBER(attr), NULL);
		add_wch(&cc);
		used += cw;
	}
}

/*
 * Write s at y,x in at most width columns; when it does not fit, the last
 * column shows a cut mark (an ellipsis, "~" in ASCII), so no cut goes unseen.
 */
void
tui_put_cut(struct tui *t, int y, int x, int width, attr_t attr, const char *s)
{
	if (width <= 1 || tui_width(s) <= width) {
		tui_put(y, x, width, attr, s);
		return;
	}
	tui_put(y, x, width - 1, attr, s);
	tui_fill(y, x + width - 1, 1, attr);
	tui_put(y, x + width - 1, 1, attr, tui_glyph(t, "\xe2\x80\xa6", "~"));
}

/* tui_put with a format. */
void
tui_putf(int y, int x, int width, attr_t attr, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	tui_put(y, x, width, attr, s);
	free(s);
}

/* Fill width cells at y,x with blanks of attr. */
void
tui_fill(int y, int x, int width, attr_t attr)
{
	if (y < 0 || y >= LINES || width <= 0)
		return;
	if (x + width > COLS)
		width = COLS - x;
	attrset(attr);
	mvhline(y, x, ' ', width);
	attrset(A_NORMAL);
}

/*
 * A line-drawing character: U+2500 box drawing when the locale is UTF-8, else
 * ASCII. The alternate character set is not used: terminals in UTF-8 mode
 * (tmux, screen, the Linux console) often ignore its switch under TERM=vt100.
 */
static void
tui_linechar(struct tui *t, cchar_t *cc, wchar_t utf8, wchar_t ascii, attr_t attr)
{
	wchar_t	wc[2];

	wc[0] = t->utf8 ? utf8 : ascii;
	wc[1] = L'\0';
	setcchar(cc, wc, attr, PAIR_NUMBER(attr), NULL);
}

/* A horizontal line of n cells at y,x. */
void
tui_hline(struct tui *t, int y, int x, int n, attr_t attr)
{
	cchar_t	cc;

	if (n <= 0)
		return;
	tui_linechar(t, &cc, L'\x2500', L'-', attr);
	mvhline_set(y, x, &cc, n);
}

/* A vertical line of n cells at y,x. */
void
tui_vline(struct tui *t, int y, int x, int n, attr_t attr)
{
	cchar_t	cc;

	if (n <= 0)
		return;
	tui_linechar(t, &cc, L'\x2502', L'|', attr);
	mvvline_set(y, x, &cc, n);
}

/* One corner (or any single line-drawing cell) at y,x. */
static void
tui_corner(struct tui *t, int y, int x, wchar_t utf8, attr_t attr)
{
	cchar_t	cc;

	tui_linechar(t, &cc, utf8, L'+', attr);
	mvadd_wch(y, x, &cc);
}

/* A framed, cleared box with a title, for dialogs. */
void
tui_box(struct tui *t, int y, int x, int h, int w, const char *title)
{
	attr_t	a = t->attr[ROLE_TITLE];
	int	i;

	for (i = 0; i < h; i++)
		tui_fill(y + i, x, w, A_NORMAL);
	tui_hline(t, y, x + 1, w - 2, a);
	tui_hline(t, y + h - 1, x + 1, w - 2, a);
	tui_vline(t, y + 1, x, h - 2, a);
	tui_vline(t, y + 1, x + w - 1, h - 2, a);
	tui_corner(t, y, x, L'\x250c', a);
	tui_corner(t, y, x + w - 1, L'\x2510', a);
	tui_corner(t, y + h - 1, x, L'\x2514', a);
	tui_corner(t, y + h - 1, x + w - 1, L'\x2518', a);
	if (title != NULL)
		tui_putf(y, x + 2, w - 4, a, " %s ", title);
}

/*
 * Word-wrap text into lines of at most width columns (newlines kept). Returns
 * the lines and *n; free with str_list_free.
 */
char **
tui_wrap(const char *text, int width, size_t *n)
{
	char		**lines = NULL;
	const char	 *p = text, *brk, *q;
	mbstate_t	  st;
	wchar_t		  wc;
	size_t		  len;
	int		  w, cw;

	*n = 0;
	if (width < 4)
		width = 4;
	while (*p != '\0') {
		memset(&st, 0, sizeof st);
		w = 0;
		brk = NULL;
		for (q = p; *q != '\0' && *q != '\n'; q += len) {
			len = tui_mbchar(q, &st, &wc);
			cw = wcwidth(wc) > 0 ? wcwidth(wc) : 0;
			if (w + cw > width)
				break;
			w += cw;
			if (*q == ' ')
				brk = q;
		}
		if (*q != '\0' && *q != '\n' && brk != NULL && brk > p)
			q = brk;
		lines = xreallocarray(lines, *n + 1, sizeof *lines);
		lines[(*n)++] = xstrndup(p, (size_t)(q - p));
		p = q;
		if (*p == ' ' || *p == '\n')
			p++;
	}
	return (lines);
}

/*
 * Cut len bytes of text into lines of exactly width columns (the last one of
 * each text line shorter), every character kept: output lines read in full
 * when the rows are put side by side. A '\r' before a newline is dropped.
 * Returns the lines and *n; free with str_list_free.
 */
char **
tui_wrap_hard(const char *text, size_t len, int width, size_t *n)
{
	char		**lines = NULL;
	const char	 *p = text, *end = text + len, *q, *eol;
	mbstate_t	  st;
	wchar_t		  wc;
	size_t		  cl, cap = 0;
	int		  w, cw;

	*n = 0;
	if (width < 1)
		width = 1;
	while (p < end) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		q = p;
		do {
			memset(&st, 0, sizeof st);
			for (p = q, w = 0; q < eol; q += cl) {
				if (*q == '\r' && q + 1 == eol) {
					cl = 1;
					continue;
				}
				cl = *q == '\0' ? 1 : tui_mbchar(q, &st, &wc);
				if (q + cl > eol)
					cl = (size_t)(eol - q);
				cw = *q == '\0' ? 1 : wcwidth(wc) > 0 ? wcwidth(wc) : 0;
				if (w + cw > width)
					break;
				w += cw;
			}
			if (*n == cap) {
				cap = cap == 0 ? 64 : cap * 2;
				lines = xreallocarray(lines, cap, sizeof *lines);
			}
			lines[(*n)++] = xstrndup(p, (size_t)(q - p));
		} while (q < eol);
		p = eol + 1;
	}
	return (lines);
}

/* A duration in seconds the way runbooks write it ("2m", "1h30m", "45s") into buf. */
char *
tui_dur(int64_t secs, char *buf, size_t len)
{
	if (secs >= 3600 && secs % 3600 / 60 != 0)
		snprintf(buf, len, "%" PRId64 "h%02dm", secs / 3600, (int)(secs % 3600 / 60));
	else if (secs >= 3600)
		snprintf(buf, len, "%" PRId64 "h", secs / 3600);
	else if (secs >= 60)
		snprintf(buf, len, "%" PRId64 "m", secs / 60);
	else
		snprintf(buf, len, "%" PRId64 "s", secs < 0 ? 0 : secs);
	return (buf);
}

/* A duration as M:SS or H:MM:SS (negative as its absolute value) into buf. */
char *
tui_clock(int64_t ms, char *buf, size_t len)
{
	int64_t	s = (ms < 0 ? -ms : ms) / 1000;

	if (s >= 3600)
		snprintf(buf, len, "%" PRId64 ":%02d:%02d", s / 3600, (int)(s / 60 % 60),
		    (int)(s % 60));
	else
		snprintf(buf, len, "%02d:%02d", (int)(s / 60), (int)(s % 60));
	return (buf);
}

/* Show a message on the status line for a few seconds; alarm for errors. */
void
tui_status(struct tui *t, bool alarm, const char *fmt, ...)
{
	va_list	ap;

	free(t->status);
	va_start(ap, fmt);
	t->status = xvasprintf(fmt, ap);
	va_end(ap);
	t->status_alarm = alarm;
	t->status_step = t->w.current;
	t->status_until_ms = tui_now_ms() + (alarm ? 10000 : 5000);
}

/* Push a screen (a dialog) on the stack; data is owned by it from now on. */
void
tui_push(struct tui *t, const struct screen_ops *ops, void *data)
{
	if (t->nstack == TUI_MAX_SCREENS) {
		if (ops->clear_data != NULL) {
			struct screen s = { ops, data };
			ops->clear_data(&s);
		}
		return;
	}
	t->stack[t->nstack].ops = ops;
	t->stack[t->nstack].data = data;
	t->nstack++;
}

/* Pop (and free) the screen on top of the stack. */
void
tui_pop(struct tui *t)
{
	struct screen	*s;

	if (t->nstack <= 1)
		return;
	s = &t->stack[--t->nstack];
	if (s->ops->clear_data != NULL)
		s->ops->clear_data(s);
	curs_set(0);
	leaveok(stdscr, TRUE);
}

/* Remember that this TUI appended the event seq. */
void
tui_own(struct tui *t, int64_t seq)
{
	t->own = xreallocarray(t->own, t->nown + 1, sizeof *t->own);
	t->own[t->nown++] = seq;
}

/* Whether this TUI appended seq. */
static bool
tui_is_own(struct tui *t, int64_t seq)
{
	size_t	i;

	for (i = t->nown; i > 0; i--)
		if (t->own[i - 1] == seq)
			return (true);
	return (false);
}

/*
 * Read the events appended since the last one applied (by this TUI or any
 * other) and apply them. Returns the number applied, -1 on error (shown).
 */
int
tui_sync(struct tui *t)
{
	struct incident_event	*evs;
	size_t			 n, i;
	char			*cause = NULL;

	if (incident_events(t->o->store, t->o->inc->id, t->w.last_seq, &evs, &n,
	    &cause) != 0) {
		tui_status(t, true, _("cannot read the record: %s"), cause);
		free(cause);
		return (-1);
	}
	for (i = 0; i < n; i++) {
		walk_apply(&t->w, &evs[i]);
		if (t->synced && !tui_is_own(t, evs[i].seq) && evs[i].kind == INCIDENT_EV_NOTE)
			tui_status(t, false, _("Note from %s: %s"),
			    evs[i].operator != NULL ? evs[i].operator : "?", evs[i].payload);
	}
	incident_events_free(evs, n);
	t->synced = true;
	return ((int)n);
}

/*
 * After an append to the record that returned r (0: *ev holds the event;
 * else *cause says why, and is freed here): mark the event ours and apply
 * everything new, so the screen shows it only once it is on disk, or put the
 * error on the status line. Returns 0 or -1.
 */
int
tui_appended(struct tui *t, int r, struct incident_event *ev, char **cause)
{
	if (r != 0) {
		tui_status(t, true, _("not recorded: %s"), *cause);
		free(*cause);
		*cause = NULL;
		return (-1);
	}
	tui_own(t, ev->seq);
	incident_event_clear(ev);
	tui_sync(t);
	return (0);
}

/*
 * Append an event for step (NULL: none) to the record and apply everything
 * new, so the screen shows it only once it is on disk. Returns 0, or -1 with
 * the error on the status line.
 */
int
tui_record(struct tui *t, const char *step, enum incident_ev kind, const char *payload)
{
	struct incident_event	 ev;
	char			*cause = NULL;
	int			 r;

	memset(&ev, 0, sizeof ev);
	r = incident_append(t->o->store, t->o->inc->id, step, kind, payload, &ev, &cause);
	return (tui_appended(t, r, &ev, &cause));
}

/*
 * On a terminal smaller than the TUI needs: one line that says the size
 * needed (wrapped when narrower still), and the line the topmost screen that
 * has one keeps (the main screen's RTO clock, which keeps running).
 */
static void
tui_small(struct tui *t)
{
	char	**lines, *s;
	size_t	  n, i;
	attr_t	  a = A_NORMAL;
	int	  k;

	s = xasprintf(_("Terminal %dx%d is too small: needs %dx%d. q leaves."),
	    t->cols, t->rows, TUI_MIN_COLS, TUI_MIN_ROWS);
	lines = tui_wrap(s, t->cols, &n);
	free(s);
	for (i = 0; i < n && (int)i < t->rows - 1; i++)
		tui_put(i, 0, t->cols, A_BOLD, lines[i]);
	str_list_free(lines, n);
	for (k = t->nstack - 1; k >= 0; k--)
		if (t->stack[k].ops->small != NULL)
			break;
	if (k < 0 || (s = t->stack[k].ops->small(t, &t->stack[k], &a)) == NULL)
		return;
	tui_put_cut(t, (int)i, 0, t->cols, a, s);
	free(s);
}

/* Draw every screen of the stack, bottom up, and send the changes to the terminal. */
static void
tui_draw(struct tui *t)
{
	int	i;

	erase();
	if (t->rows < TUI_MIN_ROWS || t->cols < TUI_MIN_COLS)
		tui_small(t);
	else {
		for (i = 0; i < t->nstack; i++)
			t->stack[i].ops->draw(t, &t->stack[i]);
	}
	wnoutrefresh(stdscr);
	doupdate();
}

/* Take the terminal's new size and let every screen relayout. */
static void
tui_resize(struct tui *t)
{
	int	i;

	getmaxyx(stdscr, t->rows, t->cols);
	for (i = 0; i < t->nstack; i++)
		if (t->stack[i].ops->resize != NULL)
			t->stack[i].ops->resize(t, &t->stack[i]);
}

/* Read every key waiting on the terminal and hand each to the top screen. Returns flags. */
static int
tui_keys(struct tui *t)
{
	struct screen	*top;
	wint_t		 wk;
	int		 r, flags = 0, n = 0;

	while ((r = get_wch(&wk)) != ERR) {
		if (++n > 4096)
			break;
		if (r == KEY_CODE_YES && wk == KEY_RESIZE) {
			tui_resize(t);
			flags |= SCR_REDRAW;
			continue;
		}
		if (r == KEY_CODE_YES && wk == KEY_MOUSE)
			continue;
		if (r == OK && wk == 0x0c) {	/* ^L */
			clearok(curscr, TRUE);
			flags |= SCR_REDRAW;
			continue;
		}
		top = &t->stack[t->nstack - 1];
		if (t->rows < TUI_MIN_ROWS || t->cols < TUI_MIN_COLS) {
			if (r == OK && wk == L'q')
				flags |= SCR_QUIT;
			continue;
		}
		flags |= top->ops->key(t, top, r == KEY_CODE_YES, wk);
		if (flags & SCR_QUIT)
			break;
	}
	return (flags);
}

/* Empty the self-pipe. */
static void
tui_drain(void)
{
	char	buf[64];

	while (read(tui_sigpipe[0], buf, sizeof buf) > 0)
		;
}

/* The poll() loop: terminal, signals, the child's pipe and the one-second tick. */
static void
tui_loop(struct tui *t)
{
	struct pollfd	pfd[3];
	nfds_t		nfd;
	int64_t		now, next_tick;
	int		flags, timeout, i, cfd = -1;

	next_tick = tui_now_ms();	/* the first tick right after the first screen */
	flags = SCR_REDRAW;
	while (!t->quit) {
		if (flags & SCR_REDRAW)
			tui_draw(t);
		flags = 0;

		pfd[0].fd = STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[1].fd = tui_sigpipe[0];
		pfd[1].events = POLLIN;
		nfd = 2;
		cfd = t->proc != NULL ? proc_fd(t->proc) : -1;
		if (cfd != -1) {
			pfd[2].fd = cfd;
			pfd[2].events = POLLIN;
			nfd = 3;
		}
		now = tui_now_ms();
		timeout = next_tick > now ? (int)(next_tick - now) : 0;
		/* a child whose output ended is reaped soon, not at the next tick */
		if (t->proc != NULL && cfd == -1 && timeout > 50)
			timeout = 50;
		for (i = 0; i < (int)nfd; i++)
			pfd[i].revents = 0;
		if (poll(pfd, nfd, timeout) == -1 && errno != EINTR)
			break;

		if (pfd[1].revents & POLLIN)
			tui_drain();
		if (tui_got_hup) {
			/* ^C leaves like q; the terminal is still there */
			t->end = tui_got_hup == SIGINT ? TUI_LEFT : TUI_HANGUP;
			break;
		}
		if (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			tui_got_hup = SIGHUP;
			t->end = TUI_HANGUP;
			break;
		}
		if (tui_got_winch || (pfd[0].revents & POLLIN)) {
			tui_got_winch = 0;
			flags |= tui_keys(t);
			if (flags & SCR_QUIT)
				break;
		}
		if (t->proc != NULL && (cfd == -1 || (nfd == 3 && pfd[2].revents != 0))) {
			for (i = 0; i < t->nstack; i++)
				if (t->stack[i].ops->child != NULL)
					flags |= t->stack[i].ops->child(t, &t->stack[i]);
		}
		now = tui_now_ms();
		if (now >= next_tick) {
			next_tick = (now / 1000 + 1) * 1000;
			for (i = 0; i < t->nstack; i++)
				if (t->stack[i].ops->tick != NULL)
					flags |= t->stack[i].ops->tick(t, &t->stack[i]);
		}
	}
}

/* Start curses on the terminal. Returns 0, or -1 and *cause. */
static int
tui_start(struct tui *t, char **cause)
{
	const char	*cs;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		*cause = xstrdup(_("the TUI needs a terminal on standard input and output"));
		return (-1);
	}
	if (newterm(NULL, stdout, stdin) == NULL) {
		*cause = xasprintf(_("cannot use the terminal type \"%s\""),
		    getenv("TERM") != NULL ? getenv("TERM") : "");
		return (-1);
	}
	tui_curses_on = true;
	cs = nl_langinfo(CODESET);
	t->utf8 = cs != NULL && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	leaveok(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	tui_colors(t);
	getmaxyx(stdscr, t->rows, t->cols);
	return (0);
}

/*
 * Walk the incident on the terminal until the operator leaves, closes it, or
 * a signal ends the TUI; first pushes the first screen. The record is read and
 * written through o->store. Returns 0 and *end, or -1 and *cause (caller frees).
 */
int
tui_run(const struct tui_opts *o, void (*first)(struct tui *), enum tui_end *end,
    char **cause)
{
	struct tui	 t;
	void		(*old_hook)(void) = xmalloc_fatal_hook;
	const char	*why;
	int		 i;

	memset(&t, 0, sizeof t);
	t.o = o;
	t.end = TUI_LEFT;
	t.proc_step = -1;
	buf_init(&t.proc_msg);
	t.operator = incident_operator();
	/* a writer holding the record stalls the loop this long at most, not 15 s */
	incident_store_set_busy(o->store, TUI_RECORD_BUSY_MS);
	walk_init(&t.w, o->rb);
	if (tui_sync(&t) < 0) {
		*cause = xstrdup(t.status);
		goto fail;
	}
	xmalloc_fatal_hook = tui_restore;
	if (tui_start(&t, cause) != 0)
		goto fail;
	/* after newterm, so that curses' own SIGWINCH handler is the one chained to */
	if (tui_signals(cause) != 0)
		goto fail;
	first(&t);
	tui_loop(&t);
	if (t.proc != NULL) {
		if (tui_got_hup == SIGTERM)
			why = _("the TUI was terminated (SIGTERM)");
		else if (tui_got_hup == SIGINT)
			why = _("the TUI was interrupted (SIGINT)");
		else if (t.end == TUI_HANGUP)
			why = _("the terminal hung up");
		else
			why = _("the operator left");
		for (i = 0; i < t.nstack; i++)
			if (t.stack[i].ops->hangup != NULL)
				t.stack[i].ops->hangup(&t, &t.stack[i], why);
	}
	tui_got_hup = 0;
	while (t.nstack > 1)
		tui_pop(&t);
	tui_restore();
	xmalloc_fatal_hook = old_hook;
	tui_signals_done();
	*end = t.w.closed ? TUI_CLOSED : t.end;
	if (t.nstack == 1 && t.stack[0].ops->clear_data != NULL)
		t.stack[0].ops->clear_data(&t.stack[0]);
	walk_clear(&t.w);
	free(t.status);
	free(t.rpo_warn);
	free(t.own);
	free(t.proc_run);
	buf_clear(&t.proc_msg);
	free(t.operator);
	incident_store_set_busy(o->store, -1);
	return (0);

fail:
	incident_store_set_busy(o->store, -1);
	tui_restore();
	xmalloc_fatal_hook = old_hook;
	tui_signals_done();
	walk_clear(&t.w);
	free(t.status);
	free(t.own);
	free(t.proc_run);
	buf_clear(&t.proc_msg);
	free(t.operator);
	return (-1);
}
