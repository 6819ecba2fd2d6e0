/* tui-dialog.c: the line editor, the yes/no question, help and the timeline. */
#include "system.h"

#include <limits.h>
#include <time.h>
#include <wctype.h>

#include "ui/tui-int.h"
#include "util/str.h"
#include "util/xmalloc.h"

#define EDIT_MAX 1024

/* A line editor over the screen. */
struct edit {
	char		*title;
	wchar_t		 text[EDIT_MAX + 1];
	size_t		 len;
	size_t		 pos;
	bool		 fresh;		/* the text given: typing replaces it, other keys edit it */
	tui_done_fn	 done;
	void		*arg;
};

/* A yes/no question over the screen. */
struct confirm {
	char		*title;
	char		*msg;
	tui_done_fn	 done;
	void		*arg;
};

/* The scroll position of the timeline. */
struct timeline {
	int		 top;		/* first row shown, -1: follow the end */
	int		 n;		/* rows when last drawn */
	int		 h;		/* rows shown */
};

/* The size and place of a dialog box of h lines. */
static void
dlg_place(struct tui *t, int h, int *y, int *x, int *w)
{
	*w = t->cols - 4 < 72 ? t->cols - 4 : 72;
	*x = (t->cols - *w) / 2;
	*y = (t->rows - h) / 2;
	if (*y < 0)
		*y = 0;
}

/* Put n of the nl wrapped lines from y,x in w columns; the last one shown ends in a cut mark when some are left out. */
static void
dlg_lines(struct tui *t, int y, int x, int w, attr_t a, char **lines, size_t n, size_t nl)
{
	size_t	i;
	char	*s;

	for (i = 0; i < n; i++) {
		if (i + 1 == n && nl > n) {
			s = xasprintf("%s %s", lines[i], lines[i + 1]);
			tui_put_cut(t, y + (int)i, x, w, a, s);
			free(s);
		} else
			tui_put(y + (int)i, x, w, a, lines[i]);
	}
}

/* Draw the line editor. */
static void
edit_draw(struct tui *t, struct screen *sc)
{
	struct edit	*e = sc->data;
	char		**lines, *mb;
	size_t		  n, nl, start;
	int		  y, x, w, h, fw, cw = 0, k;
	mbstate_t	  st;
	const wchar_t	 *src;

	lines = tui_wrap(e->title, t->cols - 10 < 68 ? t->cols - 10 : 68, &nl);
	n = nl > 4 ? 4 : nl;
	h = (int)n + 5;
	dlg_place(t, h, &y, &x, &w);
	tui_box(t, y, x, h, w, _("Enter text"));
	dlg_lines(t, y + 1, x + 2, w - 4, t->attr[ROLE_TITLE], lines, n, nl);
	str_list_free(lines, nl);
	fw = w - 4;
	/* scroll so the cursor fits in the field */
	start = 0;
	for (k = (int)e->pos - 1, cw = 0; k >= 0; k--) {
		cw += wcwidth(e->text[k]) > 0 ? wcwidth(e->text[k]) : 1;
		if (cw >= fw - 1) {
			start = (size_t)k + 1;
			break;
		}
	}
	tui_fill(y + (int)n + 2, x + 2, fw, t->attr[ROLE_SELECTED]);
	memset(&st, 0, sizeof st);
	mb = xcalloc(EDIT_MAX * MB_CUR_MAX + 1, 1);
	src = e->text + start;
	wcsrtombs(mb, &src, EDIT_MAX * MB_CUR_MAX, &st);
	tui_put(y + (int)n + 2, x + 2, fw, t->attr[ROLE_SELECTED] |
	    (e->fresh ? A_UNDERLINE : 0), mb);
	free(mb);
	tui_put_cut(t, y + h - 2, x + 2, w - 4, t->attr[ROLE_DIM], e->fresh ?
	    _("Typing replaces the answer; arrows or Backspace edit it. Enter accept, Esc cancel") :
	    _("Enter accept  Esc cancel  ^U clear  arrows move"));
	for (k = (int)start, cw = 0; k < (int)e->pos; k++)
		cw += wcwidth(e->text[k]) > 0 ? wcwidth(e->text[k]) : 1;
	leaveok(stdscr, FALSE);
	curs_set(1);
	move(y + (int)n + 2, x + 2 + cw);
}

/* Free a line editor. */
static void
edit_clear(struct screen *sc)
{
	struct edit	*e = sc->data;

	free(e->title);
	free(e);
}

/* Keys of the line editor. */
static int
edit_key(struct tui *t, struct screen *sc, int fn, wint_t k)
{
	struct edit	*e = sc->data;
	tui_done_fn	 done;
	void		*arg;
	const wchar_t	*src;
	mbstate_t	 st;
	char		*mb;

	if ((fn && k == KEY_ENTER) || (!fn && (k == L'\r' || k == L'\n'))) {
		mb = xcalloc(EDIT_MAX * MB_CUR_MAX + 1, 1);
		memset(&st, 0, sizeof st);
		e->text[e->len] = L'\0';
		src = e->text;
		wcsrtombs(mb, &src, EDIT_MAX * MB_CUR_MAX, &st);
		done = e->done;
		arg = e->arg;
		tui_pop(t);
		done(t, true, str_trim(mb), arg);
		free(mb);
		return (SCR_REDRAW);
	}
	if (!fn && k == 27) {
		done = e->done;
		arg = e->arg;
		tui_pop(t);
		done(t, false, "", arg);
		return (SCR_REDRAW);
	}
	/* the answer so far: the first character typed replaces it, any other key edits it */
	if (e->fresh && !fn && iswprint(k))
		e->len = e->pos = 0;
	e->fresh = false;
	if ((fn && k == KEY_BACKSPACE) || (!fn && (k == 127 || k == 8))) {
		if (e->pos > 0) {
			wmemmove(e->text + e->pos - 1, e->text + e->pos, e->len - e->pos);
			e->pos--;
			e->len--;
		}
	} else if (fn && k == KEY_DC) {
		if (e->pos < e->len) {
			wmemmove(e->text + e->pos, e->text + e->pos + 1, e->len - e->pos - 1);
			e->len--;
		}
	} else if (fn && k == KEY_LEFT) {
		if (e->pos > 0)
			e->pos--;
	} else if (fn && k == KEY_RIGHT) {
		if (e->pos < e->len)
			e->pos++;
	} else if ((fn && k == KEY_HOME) || (!fn && k == 1))
		e->pos = 0;
	else if ((fn && k == KEY_END) || (!fn && k == 5))
		e->pos = e->len;
	else if (!fn && k == 21)	/* ^U */
		e->len = e->pos = 0;
	else if (!fn && k == 11)	/* ^K */
		e->len = e->pos;
	else if (!fn && iswprint(k) && e->len < EDIT_MAX) {
		wmemmove(e->text + e->pos + 1, e->text + e->pos, e->len - e->pos);
		e->text[e->pos++] = (wchar_t)k;
		e->len++;
	}
	e->text[e->len] = L'\0';
	return (SCR_REDRAW);
}

static const struct screen_ops edit_screen = {
	.name = "edit",
	.draw = edit_draw,
	.key = edit_key,
	.clear_data = edit_clear,
};

/*
 * Open the line editor with a title (the question) and initial text (NULL:
 * empty), which the first character typed replaces and any other key
 * (arrows, Backspace) starts to edit; done gets the trimmed text on Enter,
 * ok false on Esc.
 */
void
tui_edit(struct tui *t, const char *title, const char *initial, tui_done_fn done, void *arg)
{
	struct edit	*e = xcalloc(1, sizeof *e);
	mbstate_t	 st;
	const char	*src = initial;
	size_t		 n;

	e->title = xstrdup(title);
	e->done = done;
	e->arg = arg;
	if (initial != NULL) {
		memset(&st, 0, sizeof st);
		n = mbsrtowcs(e->text, &src, EDIT_MAX, &st);
		e->len = e->pos = n == (size_t)-1 ? 0 : n;
		e->fresh = e->len > 0;
	}
	e->text[e->len] = L'\0';
	tui_push(t, &edit_screen, e);
}

/* Draw a yes/no question. */
static void
confirm_draw(struct tui *t, struct screen *sc)
{
	struct confirm	*c = sc->data;
	char		**lines;
	size_t		  n, nl;
	int		  y, x, w, h;

	lines = tui_wrap(c->msg, t->cols - 10 < 68 ? t->cols - 10 : 68, &nl);
	n = (int)nl > t->rows - 4 ? (size_t)(t->rows - 4) : nl;
	h = (int)n + 2;
	dlg_place(t, h, &y, &x, &w);
	tui_box(t, y, x, h, w, c->title);
	dlg_lines(t, y + 1, x + 2, w - 4, A_NORMAL, lines, n, nl);
	str_list_free(lines, nl);
}

/* Keys of a yes/no question: y yes; n, Esc or q no. */
static int
confirm_key(struct tui *t, struct screen *sc, int fn, wint_t k)
{
	struct confirm	*c = sc->data;
	tui_done_fn	 done = c->done;
	void		*arg = c->arg;
	bool		 yes;

	if (fn || (k != L'y' && k != L'Y' && k != L'n' && k != L'N' && k != 27 && k != L'q'))
		return (SCR_HANDLED);
	yes = k == L'y' || k == L'Y';
	tui_pop(t);
	done(t, yes, "", arg);
	return (SCR_REDRAW);
}

/* Free a yes/no question. */
static void
confirm_clear(struct screen *sc)
{
	struct confirm	*c = sc->data;

	free(c->title);
	free(c->msg);
	free(c);
}

static const struct screen_ops confirm_screen = {
	.name = "confirm",
	.draw = confirm_draw,
	.key = confirm_key,
	.clear_data = confirm_clear,
};

/* Ask a yes/no question; done gets ok true for y. */
void
tui_confirm(struct tui *t, const char *title, const char *msg, tui_done_fn done, void *arg)
{
	struct confirm	*c = xcalloc(1, sizeof *c);

	c->title = xstrdup(title);
	c->msg = xstrdup(msg);
	c->done = done;
	c->arg = arg;
	tui_push(t, &confirm_screen, c);
}

/* The scroll position of the help (and of the contacts box), and the keys the help lists. */
struct help {
	int			 top;
	const struct tui_key	*keys;	/* the help's: the key table it lists */
	size_t			 nkeys;
};

/* Whether the list "a, b, c" has the key name. */
static bool
help_has(const char *list, const char *name)
{
	size_t		 len = strlen(name);
	const char	*p = list;

	for (;;) {
		if (strncmp(p, name, len) == 0 && (p[len] == ',' || p[len] == '\0'))
			return (true);
		if ((p = strstr(p, ", ")) == NULL)
			return (false);
		p += 2;
	}
}

/*
 * The help's lines, read from its key table (the main screen's): one line
 * per help text, with every key that does it (caller frees both lists).
 */
static size_t
help_lines(const struct help *hp, char ***keysp, const char ***textp)
{
	const struct tui_key	 *tk = hp->keys;
	char			**keys = NULL, *k;
	const char		**text = NULL;
	size_t			  n = 0, r, i;

	for (r = 0; r < hp->nkeys; r++) {
		for (i = 0; i < n; i++)
			if (strcmp(text[i], tk[r].help) == 0)
				break;
		if (i == n) {
			keys = xreallocarray(keys, n + 1, sizeof *keys);
			text = xreallocarray(text, n + 1, sizeof *text);
			keys[n] = xstrdup(tk[r].name);
			text[n++] = tk[r].help;
			continue;
		}
		/* another key for the same thing, unless it is the same key in another pane */
		if (!help_has(keys[i], tk[r].name)) {
			k = xasprintf("%s, %s", keys[i], tk[r].name);
			free(keys[i]);
			keys[i] = k;
		}
	}
	*keysp = keys;
	*textp = text;
	return (n);
}

/* The help's rows in a box w wide: key column kw, the text wrapped beside it (caller frees). */
static char **
help_rows(const struct help *hp, int w, int *kw, size_t *nrows)
{
	char		**keys, **rows = NULL, **wl;
	const char	**text;
	size_t		  n, i, nw, j;

	n = help_lines(hp, &keys, &text);
	*kw = 0;
	for (i = 0; i < n; i++)
		if (tui_width(keys[i]) > *kw)
			*kw = tui_width(keys[i]);
	*nrows = 0;
	for (i = 0; i < n; i++) {
		wl = tui_wrap(_(text[i]), w - *kw - 2, &nw);
		for (j = 0; j < nw; j++) {
			rows = xreallocarray(rows, *nrows + 1, sizeof *rows);
			rows[(*nrows)++] = xasprintf("%-*s  %s", *kw, j == 0 ? keys[i] : "",
			    wl[j]);
		}
		str_list_free(wl, nw);
	}
	str_list_free(keys, n);
	free(text);
	return (rows);
}

/* The width of a scrolled box (the help, the contacts): at most 76 columns. */
static int
scroll_box_width(struct tui *t)
{
	return (t->cols - 4 < 76 ? t->cols - 4 : 76);
}

/*
 * Place a scrolled box of n rows, w columns wide, centred: clamp hp->top to
 * the rows there are, draw its frame with title, and return how many rows fit
 * inside; *y, *x and *h are its place and height.
 */
static int
scroll_box_place(struct tui *t, struct help *hp, size_t n, int w, const char *title,
    int *y, int *x, int *h)
{
	int	inner;

	*h = (int)n + 4;
	if (*h > t->rows - 2)
		*h = t->rows - 2;
	*x = (t->cols - w) / 2;
	*y = (t->rows - *h) / 2;
	inner = *h - 4;
	if (hp->top > (int)n - inner)
		hp->top = (int)n - inner;
	if (hp->top < 0)
		hp->top = 0;
	tui_box(t, *y, *x, *h, w, title);
	return (inner);
}

/* Draw the help box: every key of the table, scrolled by the help's own keys. */
static void
help_draw(struct tui *t, struct screen *sc)
{
	struct help	*hp = sc->data;
	char		**rows, *hint;
	size_t		  n;
	int		  y, x, w, h, i, kw, inner;

	w = scroll_box_width(t);
	rows = help_rows(hp, w - 4, &kw, &n);
	inner = scroll_box_place(t, hp, n, w, _("Keys"), &y, &x, &h);
	for (i = 0; i < inner && hp->top + i < (int)n; i++) {
		tui_put(y + 1 + i, x + 2, w - 4, A_NORMAL, rows[hp->top + i]);
		tui_put(y + 1 + i, x + 2, kw, t->attr[ROLE_TITLE], rows[hp->top + i]);
	}
	str_list_free(rows, n);
	if (hp->top > 0 || hp->top + inner < (int)n) {
		hint = xasprintf(_("%d-%d of %zu: j/k, PgUp/PgDn scroll; any other key closes this help."),
		    hp->top + 1, hp->top + inner < (int)n ? hp->top + inner : (int)n, n);
		tui_put_cut(t, y + h - 2, x + 2, w - 4, t->attr[ROLE_DIM], hint);
		free(hint);
	} else
		tui_put_cut(t, y + h - 2, x + 2, w - 4, t->attr[ROLE_DIM],
		    _("Any key closes this help."));
}

/* The help's keys: j/k, arrows, PgUp/PgDn, Home/End scroll; any other key closes it. */
static int
help_key(struct tui *t, struct screen *sc, int fn, wint_t k)
{
	struct help	*hp = sc->data;
	int		 page = t->rows - 6 > 1 ? t->rows - 6 : 1;

	if ((fn && k == KEY_UP) || (!fn && k == L'k'))
		hp->top--;
	else if ((fn && k == KEY_DOWN) || (!fn && k == L'j'))
		hp->top++;
	else if ((fn && k == KEY_PPAGE) || (!fn && k == 0x15))
		hp->top -= page;
	else if ((fn && k == KEY_NPAGE) || (!fn && k == 0x04))
		hp->top += page;
	else if (fn && k == KEY_HOME)
		hp->top = 0;
	else if (fn && k == KEY_END)
		hp->top = INT_MAX / 2;
	else
		tui_pop(t);
	return (SCR_REDRAW);
}

/* Free the help's state. */
static void
help_clear(struct screen *sc)
{
	free(sc->data);
}

static const struct screen_ops help_screen = {
	.name = "help",
	.draw = help_draw,
	.key = help_key,
	.clear_data = help_clear,
};

/* Open the help box over the screen whose key table (nkeys rows) it lists. */
void
tui_help(struct tui *t, const struct tui_key *keys, size_t nkeys)
{
	struct help	*hp = xcalloc(1, sizeof *hp);

	hp->keys = keys;
	hp->nkeys = nkeys;
	tui_push(t, &help_screen, hp);
}

/* The recovery contacts as lines of at most width columns: the role, then how to reach it. */
static char **
contacts_rows(struct tui *t, int width, size_t *n)
{
	const struct conf	*c = t->o->conf;
	char			**rows = NULL, *text, **w;
	size_t			  i, j, nw;

	*n = 0;
	for (i = 0; c != NULL && i < c->ncontacts; i++) {
		rows = xreallocarray(rows, *n + 1, sizeof *rows);
		rows[(*n)++] = xstrdup(c->contacts[i].role);
		text = conf_contact_text(&c->contacts[i]);
		w = tui_wrap(text != NULL ? text : _("(nobody given)"), width - 2, &nw);
		for (j = 0; j < nw; j++) {
			rows = xreallocarray(rows, *n + 1, sizeof *rows);
			rows[(*n)++] = xasprintf("  %s", w[j]);
		}
		str_list_free(w, nw);
		free(text);
	}
	if (*n == 0) {
		rows = xcalloc(1, sizeof *rows);
		rows[(*n)++] = xstrdup(_("No contacts: add contacts: to dr.yaml (see patronus-dr.yaml(5))."));
	}
	return (rows);
}

/* Draw the contacts box: the rows of contacts_rows, scrolled as the help is. */
static void
contacts_draw(struct tui *t, struct screen *sc)
{
	struct help	*hp = sc->data;
	char		**rows;
	size_t		  n;
	int		  y, x, w, h, i, inner;

	w = scroll_box_width(t);
	rows = contacts_rows(t, w - 4, &n);
	inner = scroll_box_place(t, hp, n, w, _("Recovery contacts"), &y, &x, &h);
	for (i = 0; i < inner && hp->top + i < (int)n; i++)
		tui_put_cut(t, y + 1 + i, x + 2, w - 4, rows[hp->top + i][0] == ' ' ? A_NORMAL :
		    t->attr[ROLE_TITLE], rows[hp->top + i]);
	str_list_free(rows, n);
	tui_put_cut(t, y + h - 2, x + 2, w - 4, t->attr[ROLE_DIM], hp->top > 0 ||
	    hp->top + inner < (int)n ? _("j/k, PgUp/PgDn scroll; any other key closes.") :
	    _("Any key closes this list."));
}

static const struct screen_ops contacts_screen = {
	.name = "contacts",
	.draw = contacts_draw,
	.key = help_key,
	.clear_data = help_clear,
};

/* Open the recovery contacts box (C). */
void
tui_contacts(struct tui *t)
{
	tui_push(t, &contacts_screen, xcalloc(1, sizeof (struct help)));
}

/* The JSON member key of an event, or "" (caller frees). */
static char *
timeline_get(const struct incident_event *ev, const char *key)
{
	char	*v = incident_event_get(ev, key);

	return (v != NULL ? v : xstrdup(""));
}

/* What the timeline shows of an event's payload (caller frees). */
static char *
timeline_payload(const struct incident_event *ev)
{
	char	*a, *b, *r;
	int64_t	 n;

	switch (ev->kind) {
	case INCIDENT_EV_OUTPUT:
		return (xasprintf(_("%zu bytes"), strlen(ev->payload)));
	case INCIDENT_EV_DECLARED:
		a = timeline_get(ev, "mode");
		b = timeline_get(ev, "runbook");
		r = xasprintf("%s %s", a, b);
		break;
	case INCIDENT_EV_EXIT:
		a = timeline_get(ev, "status");
		b = NULL;
		r = xasprintf("%s%s", a, incident_event_get_int(ev, "cancelled", &n) == 0 &&
		    n != 0 ? _(" (cancelled)") : "");
		break;
	case INCIDENT_EV_CHECK_TICKED:
	case INCIDENT_EV_CHECK_UNTICKED:
		a = timeline_get(ev, "item");
		b = NULL;
		r = xasprintf("[%s] %s", ev->kind == INCIDENT_EV_CHECK_TICKED ? "x" : " ", a);
		break;
	case INCIDENT_EV_DECISION:
		a = timeline_get(ev, "answer");
		b = timeline_get(ev, "next");
		r = *b != '\0' ? xasprintf("%s -> %s", a, b) : xstrdup(a);
		break;
	case INCIDENT_EV_PROMPT_ANSWER:
		a = timeline_get(ev, "question_id");
		b = timeline_get(ev, "answer");
		r = xasprintf("%s: %s", a, b);
		break;
	default:
		return (xstrdup(ev->payload));
	}
	free(a);
	free(b);
	return (r);
}

/* One event as a line of the timeline (caller frees). */
static char *
timeline_line(const struct incident_event *ev)
{
	struct tm	 tm;
	time_t		 s = (time_t)(ev->time_ms / 1000);
	char		 hms[16], *payload, *p, *line;

	localtime_r(&s, &tm);
	strftime(hms, sizeof hms, "%H:%M:%S", &tm);
	payload = timeline_payload(ev);
	for (p = payload; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	line = xasprintf("%s %s%s%s %s%s%s: %s", hms,
	    ev->operator != NULL ? ev->operator : "?", ev->client != NULL ? "@" : "",
	    ev->client != NULL ? ev->client : "", ev->step != NULL ? ev->step : "",
	    ev->step != NULL ? " " : "", ev->kind_name != NULL ? ev->kind_name : "?", payload);
	free(payload);
	return (line);
}

/* Draw the timeline over the body of the screen: each event wrapped, nothing cut. */
static void
timeline_draw(struct tui *t, struct screen *sc)
{
	struct timeline	*tl = sc->data;
	int		 y = 3, h = t->rows - 5, top, i, n = 0, cap = 0;
	char		*line, **wl, **rows = NULL;
	attr_t		*attrs = NULL, a;
	size_t		 k, nw, j;

	tui_box(t, y, 0, h, t->cols, _("Timeline"));
	h -= 2;
	for (k = 0; k < t->w.nevs; k++) {
		line = timeline_line(&t->w.evs[k]);
		wl = tui_wrap(line, t->cols - 2 - 9, &nw);
		free(line);
		a = t->w.evs[k].kind == INCIDENT_EV_NOTE ? t->attr[ROLE_TITLE] : A_NORMAL;
		for (j = 0; j < nw; j++) {
			if (n == cap) {
				cap = cap == 0 ? 64 : cap * 2;
				rows = xreallocarray(rows, (size_t)cap, sizeof *rows);
				attrs = xreallocarray(attrs, (size_t)cap, sizeof *attrs);
			}
			/* the first line has the time (9 columns); the rest are indented under it */
			rows[n] = j == 0 ? xstrdup(wl[j]) : xasprintf("%9s%s", "", wl[j]);
			attrs[n++] = a;
		}
		str_list_free(wl, nw);
	}
	tl->n = n;
	tl->h = h;
	top = tl->top < 0 || tl->top > n - h ? n - h : tl->top;
	if (top < 0)
		top = 0;
	if (tl->top >= 0)
		tl->top = top;
	for (i = 0; i < h && top + i < n; i++)
		tui_put_cut(t, y + 1 + i, 1, t->cols - 2, attrs[top + i], rows[top + i]);
	str_list_free(rows, (size_t)n);
	free(attrs);
	tui_putf(y + h + 1, 2, t->cols - 4, t->attr[ROLE_DIM], " %s ",
	    _("j/k PgUp/PgDn scroll  q/t/Esc close"));
}

/* Keys of the timeline. */
static int
timeline_key(struct tui *t, struct screen *sc, int fn, wint_t k)
{
	struct timeline	*tl = sc->data;
	int		 h = tl->h > 0 ? tl->h : 1, n = tl->n;

	if (tl->top < 0)
		tl->top = n - h > 0 ? n - h : 0;
	if ((fn && k == KEY_UP) || (!fn && k == L'k'))
		tl->top--;
	else if ((fn && k == KEY_DOWN) || (!fn && k == L'j'))
		tl->top++;
	else if ((fn && k == KEY_PPAGE) || (!fn && k == 0x15))
		tl->top -= fn ? h - 1 : h / 2;
	else if ((fn && k == KEY_NPAGE) || (!fn && k == 0x04))
		tl->top += fn ? h - 1 : h / 2;
	else if (fn && k == KEY_HOME)
		tl->top = 0;
	else if (fn && k == KEY_END)
		tl->top = -1;
	else if (!fn && (k == L'q' || k == L't' || k == 27)) {
		tui_pop(t);
		return (SCR_REDRAW);
	} else
		return (0);
	if (tl->top < 0 && !(fn && k == KEY_END))
		tl->top = 0;
	if (tl->top >= 0 && tl->top >= n - h)
		tl->top = -1;
	return (SCR_REDRAW);
}

/* Free the timeline's state. */
static void
timeline_clear(struct screen *sc)
{
	free(sc->data);
}

static const struct screen_ops timeline_screen = {
	.name = "timeline",
	.draw = timeline_draw,
	.key = timeline_key,
	.clear_data = timeline_clear,
};

/* Open the timeline of the incident. */
void
tui_timeline(struct tui *t)
{
	struct timeline	*tl = xcalloc(1, sizeof *tl);

	tl->top = -1;
	tui_push(t, &timeline_screen, tl);
}
