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
buf_free(struct buf *b)
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

/*
 * Append len bytes of s for a terminal or a log: control characters (other
 * than newline and tab) and DEL as \xHH, so that untrusted text cannot move
 * the cursor or change the terminal.
 */
void
str_add_safe(struct buf *b, const char *s, size_t len)
{
	unsigned char	c;
	size_t		i;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			buf_printf(b, "\\x%02x", c);
		else
			buf_addc(b, (char)c);
	}
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

/* s made safe for a terminal as str_add_safe does it. Caller frees. */
char *
str_safe(const char *s)
{
	struct buf	b;

	buf_init(&b);
	str_add_safe(&b, s, strlen(s));
	return (buf_steal(&b));
}
