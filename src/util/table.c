/*
 * table.c: text tables and lines that fit the terminal: the width from
 * $COLUMNS or the terminal (80 when output is not a terminal), long ids and
 * paths shortened in the middle or moved to a line of their own, the last
 * column wrapped. Every table command prints through it.
 */
#include "system.h"

#include <langinfo.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include "util/table.h"
#include "util/xmalloc.h"

#define TABLE_MIN_WIDTH	40
#define TABLE_MIN_CUT	12	/* a shortened column keeps at least this many columns */
#define TABLE_MIN_WRAP	16	/* a wrapped last column narrower than this moves below */

/*
 * The width to fit: $COLUMNS when it is a number (as ls(1) reads it), else
 * the terminal's on standard output, else 80; never less than 40.
 */
int
table_width(void)
{
	struct winsize	 ws;
	const char	*c = getenv("COLUMNS");
	char		*end;
	long		 n;
	int		 w = 80;

	if (c != NULL && *c != '\0') {
		n = strtol(c, &end, 10);
		if (*end == '\0' && n > 0 && n < 10000)
			w = (int)n;
	} else if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
	    ws.ws_col > 0)
		w = ws.ws_col;
	return (w < TABLE_MIN_WIDTH ? TABLE_MIN_WIDTH : w);
}

/* The cut mark: an ellipsis in a UTF-8 locale, "~" in others. */
const char *
table_ellipsis(void)
{
	const char	*cs = nl_langinfo(CODESET);

	if (cs != NULL && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0))
		return ("\xe2\x80\xa6");
	return ("~");
}

/* The next character of s: its byte length and, in *w, its columns (bad bytes: 1 each). */
static size_t
table_char(const char *s, int *w)
{
	mbstate_t	st;
	wchar_t		wc;
	size_t		n;

	memset(&st, 0, sizeof st);
	n = mbrtowc(&wc, s, MB_CUR_MAX, &st);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		*w = 1;
		return (1);
	}
	*w = wcwidth(wc) >= 0 ? wcwidth(wc) : 1;
	return (n);
}

/* The columns s takes on a terminal. */
int
table_text_width(const char *s)
{
	int	w = 0, cw;

	while (*s != '\0') {
		s += table_char(s, &cw);
		w += cw;
	}
	return (w);
}

/* How many bytes of s fit in width columns (whole characters). */
static size_t
table_fit(const char *s, int width)
{
	const char	*p = s;
	size_t		 n;
	int		 w = 0, cw;

	while (*p != '\0') {
		n = table_char(p, &cw);
		if (w + cw > width)
			break;
		w += cw;
		p += n;
	}
	return ((size_t)(p - s));
}

/*
 * s in at most width columns: as it is when it fits, else its start and its
 * end with an ellipsis between them (ids and paths differ at both ends).
 * Caller frees.
 */
char *
table_cut_middle(const char *s, int width)
{
	const char	*tail;
	size_t		 head;
	int		 sw = table_text_width(s), keep, hw;

	if (sw <= width)
		return (xstrdup(s));
	if (width < 2)
		width = 2;
	keep = width - 1;
	hw = keep / 2;
	head = table_fit(s, hw);
	/* the tail: skip characters until what is left fits keep - hw */
	for (tail = s + head; table_text_width(tail) > keep - hw; ) {
		int	cw;

		tail += table_char(tail, &cw);
	}
	return (xasprintf("%.*s%s%s", (int)head, s, table_ellipsis(), tail));
}

/* Start an empty table of ncols columns (cols is kept, not copied). */
void
table_init(struct table *t, const struct table_col *cols, size_t ncols)
{
	t->cols = cols;
	t->ncols = ncols;
	t->cells = NULL;
	t->nrows = 0;
	t->nohead = false;
}

/*
 * Add a row: ncols strings (NULL: "-"), copied and escaped for the terminal
 * (str_escape: control characters, bidi, bad UTF-8), since ids, titles and
 * paths come from files others may write.
 */
void
table_add(struct table *t, ...)
{
	va_list		 ap;
	const char	*s;
	size_t		 i;

	t->cells = xreallocarray(t->cells, (t->nrows + 1) * t->ncols, sizeof *t->cells);
	va_start(ap, t);
	for (i = 0; i < t->ncols; i++) {
		s = va_arg(ap, const char *);
		t->cells[t->nrows * t->ncols + i] = str_escape(s != NULL ? s : "-");
	}
	va_end(ap);
	t->nrows++;
}

/* Free a table's cells. */
void
table_clear(struct table *t)
{
	size_t	i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = 0;
}

/* Append s padded to width columns (right-aligned when right). */
static void
table_pad(struct buf *b, const char *s, int width, bool right, bool last)
{
	int	pad = width - table_text_width(s);

	if (right)
		for (; pad > 0; pad--)
			buf_addc(b, ' ');
	buf_adds(b, s);
	if (!right && !last)
		for (; pad > 0; pad--)
			buf_addc(b, ' ');
}

/*
 * Append text word-wrapped to width columns, the first line starting at
 * column col (where the buffer is), each line after it indented by indent
 * spaces; a word longer than a line is cut across lines. Ends with a newline.
 */
void
table_fill(struct buf *b, const char *text, int col, int width, int indent)
{
	const char	*p = text, *brk, *q;
	size_t		 n;
	int		 w, cw, avail = width - col, first = 1;

	if (*p == '\0') {
		buf_addc(b, '\n');
		return;
	}
	while (*p != '\0') {
		if (!first) {
			buf_printf(b, "%*s", indent, "");
			avail = width - indent;
		}
		if (avail < 8)
			avail = 8;
		for (q = p, w = 0, brk = NULL; *q != '\0'; q += n) {
			n = table_char(q, &cw);
			if (w + cw > avail)
				break;
			w += cw;
			if (*q == ' ')
				brk = q;
		}
		if (*q != '\0' && brk != NULL && brk > p)
			q = brk;
		if (q == p)		/* not even one character fits */
			q += table_char(q, &cw);
		for (brk = q; brk > p && brk[-1] == ' '; brk--)
			;
		buf_add(b, p, (size_t)(brk - p));
		buf_addc(b, '\n');
		p = q;
		while (*p == ' ')
			p++;
		first = 0;
	}
}

/*
 * Append text (which may hold newlines) wrapped to width, the lines after
 * the first of each indented by two spaces, as prose commands (rpo) print
 * theirs.
 */
void
table_lines(struct buf *b, const char *text, int width)
{
	char	*s, *line, *nl;

	s = xstrdup(text);
	for (line = s; *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		table_fill(b, line, 0, width, 2);
		if (nl == NULL)
			break;
	}
	free(s);
}

/* The widest word (run of non-spaces) of s, in columns. */
static int
table_word_width(const char *s)
{
	int	w = 0, best = 0, cw;

	while (*s != '\0') {
		if (*s == ' ') {
			w = 0;
			s++;
			continue;
		}
		s += table_char(s, &cw);
		if ((w += cw) > best)
			best = w;
	}
	return (best);
}

/*
 * Append one row's cells (cells[c] for the columns in use) laid out in
 * widths w. The last column, when TABLE_WRAP, starts at column start: as it
 * is when it fits there, else wrapped from there; on the next lines,
 * indented by four, when below or when a word of it would not fit there.
 */
static void
table_row(const struct table *t, char *const *cells, const int *w, const bool *use,
    int indent, int start, bool below, int width, struct buf *b)
{
	size_t	c, last = 0;
	char	*s;

	for (c = 0; c < t->ncols; c++)
		if (use[c])
			last = c;
	buf_printf(b, "%*s", indent, "");
	for (c = 0; c < t->ncols; c++) {
		if (!use[c])
			continue;
		if (c == last && (t->cols[c].flags & TABLE_WRAP)) {
			/* a word that would be cut beside the others: this cell below */
			if (!below && table_word_width(cells[c]) <= width - start) {
				table_fill(b, cells[c], start, width, start);
				return;
			}
			/* too narrow beside the others: on the next lines */
			while (b->len > 0 && b->data[b->len - 1] == ' ')
				b->data[--b->len] = '\0';
			buf_addc(b, '\n');
			buf_printf(b, "%*s", indent + 4, "");
			table_fill(b, cells[c], indent + 4, width, indent + 4);
			return;
		}
		s = (t->cols[c].flags & TABLE_CUT) ? table_cut_middle(cells[c], w[c]) :
		    xstrdup(cells[c]);
		table_pad(b, s, w[c], (t->cols[c].flags & TABLE_RIGHT) != 0, c == last);
		free(s);
		if (c != last)
			buf_adds(b, "  ");
	}
	buf_addc(b, '\n');
}

/* Take a column from the widest TABLE_CUT column in use (not skip); false when none can give. */
static bool
table_shrink(const struct table *t, int *w, const bool *use, size_t skip)
{
	size_t	c, best = t->ncols;

	for (c = 0; c < t->ncols; c++)
		if (use[c] && c != skip && (t->cols[c].flags & TABLE_CUT) &&
		    w[c] > TABLE_MIN_CUT && (best == t->ncols || w[c] > w[best]))
			best = c;
	if (best == t->ncols)
		return (false);
	w[best]--;
	return (true);
}

/*
 * Append the table laid out in width columns: natural widths when they fit;
 * else a TABLE_LINE column moves to a line of its own above each row, the
 * TABLE_CUT columns are shortened in the middle (widest first), and the last
 * column, when TABLE_WRAP, wraps where it starts (or goes below its row
 * when a word of it would not fit there, or below every row when the
 * others leave it too little room).
 */
void
table_render(const struct table *t, int width, struct buf *b)
{
	int		*w, total, rest, cw, indent = 0;
	bool		*use, line = false, below = false, wrap;
	size_t		 c, r, lastc = 0;
	char		**heads, *s;

	w = xcalloc(t->ncols, sizeof *w);
	use = xcalloc(t->ncols, sizeof *use);
	heads = xcalloc(t->ncols, sizeof *heads);
	for (c = 0; c < t->ncols; c++) {
		use[c] = true;
		heads[c] = (char *)t->cols[c].head;
		w[c] = table_text_width(t->cols[c].head);
		for (r = 0; r < t->nrows; r++)
			if ((cw = table_text_width(t->cells[r * t->ncols + c])) > w[c])
				w[c] = cw;
	}
	for (total = -2, c = 0; c < t->ncols; c++)
		total += w[c] + 2;
	/* a line of its own only when wrapping the last column is not enough */
	if (total > width && !((t->cols[t->ncols - 1].flags & TABLE_WRAP) &&
	    total - w[t->ncols - 1] + TABLE_MIN_WRAP <= width)) {
		for (c = 0; c < t->ncols; c++)
			if (t->cols[c].flags & TABLE_LINE) {
				use[c] = false;
				line = true;
				total -= w[c] + 2;
			}
		if (line) {
			indent = 1;
			total += indent;
		}
	}
	for (c = 0; c < t->ncols; c++)
		if (use[c])
			lastc = c;
	wrap = (t->cols[lastc].flags & TABLE_WRAP) != 0;
	rest = total - w[lastc];
	if (wrap && total > width) {
		/* room for the last column beside the others, shortening them if need be */
		while (rest + TABLE_MIN_WRAP > width && table_shrink(t, w, use, lastc))
			rest--;
		below = rest + TABLE_MIN_WRAP > width;
		total = below ? rest - 2 : rest;
	}
	/* shorten the TABLE_CUT columns, the widest first */
	while (total > width && table_shrink(t, w, use, wrap ? lastc : t->ncols)) {
		total--;
		rest--;
	}
	/* the headings */
	if (line && !t->nohead)
		for (c = 0; c < t->ncols; c++)
			if (!use[c]) {
				buf_adds(b, t->cols[c].head);
				buf_addc(b, '\n');
			}
	if (!t->nohead)
		table_row(t, heads, w, use, indent, rest, below, width, b);
	for (r = 0; r < t->nrows; r++) {
		if (line)
			for (c = 0; c < t->ncols; c++)
				if (!use[c]) {
					s = table_cut_middle(t->cells[r * t->ncols + c], width);
					buf_adds(b, s);
					buf_addc(b, '\n');
					free(s);
				}
		table_row(t, t->cells + r * t->ncols, w, use, indent, rest, below, width, b);
	}
	free(w);
	free(use);
	free(heads);
}
