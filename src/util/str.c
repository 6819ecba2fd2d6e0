/* str.c: growable strings, shell quoting and small string helpers. */
#include "system.h"

#include <ctype.h>

#include "util/str.h"
#include "util/xmalloc.h"

/* Start an empty buffer. */
void
buf_init(struct buf *b)
{
	b->size = 64;
	b->data = xmalloc(b->size);
	b->data[0] = '\0';
	b->len = 0;
}

/* Release a buffer's memory. */
void
buf_clear(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->size = 0;
}

/* Empty a buffer, keeping its memory. */
void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->data[0] = '\0';
}

/* Make room for n more bytes and the terminating NUL. */
static void
buf_grow(struct buf *b, size_t n)
{
	if (b->len + n + 1 <= b->size)
		return;
	while (b->len + n + 1 > b->size)
		b->size *= 2;
	b->data = xrealloc(b->data, b->size);
}

/* Append n bytes. */
void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_grow(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* Append a string. */
void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Append one character. */
void
buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

/* Append formatted text. */
void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	buf_adds(b, s);
	free(s);
}

/* Hand the buffer's string to the caller, who frees it; the buffer is left empty. */
char *
buf_steal(struct buf *b)
{
	char	*s = b->data;

	b->data = NULL;
	b->len = b->size = 0;
	return (s);
}

/* Append len bytes of s for a terminal or a log, lines kept: str_escape_mem with STR_ESCAPE_LINES. */
void
str_add_safe(struct buf *b, const char *s, size_t len)
{
	str_escape_mem(b, s, len, STR_ESCAPE_LINES);
}

/* Append s quoted for /bin/sh: bare when it is plainly safe, else in single quotes. */
void
str_shell_quote(struct buf *b, const char *s)
{
	const char	*p;
	bool		 safe = (*s != '\0');

	for (p = s; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr("@%+=:,./-_", *p) == NULL) {
			safe = false;
			break;
		}
	}
	if (safe) {
		buf_adds(b, s);
		return;
	}
	buf_addc(b, '\'');
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addc(b, *p);
	}
	buf_addc(b, '\'');
}

/* Join a directory and a name with exactly one slash; the caller frees. */
char *
str_join_path(const char *dir, const char *name)
{
	size_t	len = strlen(dir);

	while (len > 1 && dir[len - 1] == '/')
		len--;
	while (*name == '/')
		name++;
	return (xasprintf("%.*s/%s", (int)len, dir, name));
}

/* Whether s starts with prefix. */
bool
str_has_prefix(const char *s, const char *prefix)
{
	return (strncmp(s, prefix, strlen(prefix)) == 0);
}

/* Whether s ends with suffix. */
bool
str_has_suffix(const char *s, const char *suffix)
{
	size_t	ls = strlen(s), lx = strlen(suffix);

	return (ls >= lx && strcmp(s + ls - lx, suffix) == 0);
}

/* Strip leading and trailing white space in place; returns the start. */
char *
str_trim(char *s)
{
	char	*end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return (s);
}

/* Write n bytes as lower-case hex into out, which holds 2n+1 bytes. */
void
str_hex(const unsigned char *p, size_t n, char *out)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * n] = '\0';
}

/* Free an array of n strings and the array (either may be NULL when n is 0). */
void
str_list_free(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The length of the valid UTF-8 sequence at p (1-4, within left bytes), or 0 when it is not one. */
static size_t
str_utf8_len(const unsigned char *p, size_t left, uint32_t *cp)
{
	size_t	n, i;

	if (p[0] < 0x80) {
		*cp = p[0];
		return (1);
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		*cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		*cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		*cp = p[0] & 0x07;
	} else
		return (0);
	if (n > left)
		return (0);
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return (0);
		*cp = (*cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && (*cp < 0x800 || (*cp >= 0xd800 && *cp <= 0xdfff))) ||
	    (n == 4 && (*cp < 0x10000 || *cp > 0x10ffff)))
		return (0);
	return (n);
}

/*
 * Whether cp is a bidirectional control (the embeddings and overrides, the
 * isolates, the marks): shown as it is, it reorders the text around it.
 */
bool
str_is_bidi_control(uint32_t cp)
{
	return ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	    cp == 0x200e || cp == 0x200f || cp == 0x061c);
}

/*
 * Append len bytes of s to b made safe for a terminal: control characters
 * (C0, NUL included, DEL, C1), the bidirectional overrides and bytes that are
 * not UTF-8 become visible escapes (\n, \t, \xNN, \u{NNNN}); everything else
 * is kept as it is. With STR_ESCAPE_LINES in flags newlines and tabs stay.
 * The one escaping function for every untrusted text that reaches a terminal.
 */
void
str_escape_mem(struct buf *b, const char *s, size_t len, int flags)
{
	const unsigned char	*p = (const unsigned char *)s, *end = p + len;
	uint32_t		 cp;
	size_t			 n;

	while (p < end) {
		n = str_utf8_len(p, (size_t)(end - p), &cp);
		if (n == 0) {
			buf_printf(b, "\\x%02x", *p++);
			continue;
		}
		if ((cp == '\n' || cp == '\t') && (flags & STR_ESCAPE_LINES))
			buf_addc(b, (char)cp);
		else if (cp == '\n')
			buf_adds(b, "\\n");
		else if (cp == '\t')
			buf_adds(b, "\\t");
		else if (cp < 0x20 || cp == 0x7f)
			buf_printf(b, "\\x%02x", (unsigned)cp);
		else if ((cp >= 0x80 && cp <= 0x9f) || str_is_bidi_control(cp))
			buf_printf(b, "\\u{%04x}", (unsigned)cp);
		else
			buf_add(b, p, n);
		p += n;
	}
}

/* str_escape_mem over the string s. */
void
str_escape_buf(struct buf *b, const char *s, int flags)
{
	str_escape_mem(b, s, strlen(s), flags);
}

/* s made safe for a terminal as str_add_safe does it (lines kept). Caller frees. */
char *
str_safe(const char *s)
{
	struct buf	b;

	buf_init(&b);
	str_add_safe(&b, s, strlen(s));
	return (buf_steal(&b));
}

/* s made safe for a terminal (see str_escape_buf); NULL gives "". The caller frees. */
char *
str_escape(const char *s)
{
	struct buf	b;

	buf_init(&b);
	if (s != NULL)
		str_escape_buf(&b, s, 0);
	return (buf_steal(&b));
}
