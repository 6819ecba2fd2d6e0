/* json.c: JSON text: string escaping and reading members of flat objects. */
#include "system.h"

#include "util/json.h"
#include "util/xmalloc.h"

/* Append len bytes of s as a quoted JSON string. */
void
json_add_stringn(struct buf *b, const char *s, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 c;
	size_t			 i;

	buf_addc(b, '"');
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		switch (c) {
		case '"':
			buf_adds(b, "\\\"");
			break;
		case '\\':
			buf_adds(b, "\\\\");
			break;
		case '\b':
			buf_adds(b, "\\b");
			break;
		case '\f':
			buf_adds(b, "\\f");
			break;
		case '\n':
			buf_adds(b, "\\n");
			break;
		case '\r':
			buf_adds(b, "\\r");
			break;
		case '\t':
			buf_adds(b, "\\t");
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				buf_adds(b, "\\u00");
				buf_addc(b, hex[c >> 4]);
				buf_addc(b, hex[c & 0xf]);
			} else
				buf_addc(b, (char)c);
		}
	}
	buf_addc(b, '"');
}

/* Append s as a quoted JSON string; NULL becomes null. */
void
json_add_string(struct buf *b, const char *s)
{
	if (s == NULL)
		buf_adds(b, "null");
	else
		json_add_stringn(b, s, strlen(s));
}

/* Skip white space. */
static const char *
json_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return (p);
}

/* The value of four hex digits at p, or -1. */
static long
json_hex4(const char *p)
{
	long	v = 0;
	int	i;

	for (i = 0; i < 4; i++) {
		v <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			v |= p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			v |= p[i] - 'a' + 10;
		else if (p[i] >= 'A' && p[i] <= 'F')
			v |= p[i] - 'A' + 10;
		else
			return (-1);
	}
	return (v);
}

/* Append code point cp as UTF-8. */
static void
json_utf8(struct buf *b, unsigned long cp)
{
	if (cp < 0x80)
		buf_addc(b, (char)cp);
	else if (cp < 0x800) {
		buf_addc(b, (char)(0xc0 | (cp >> 6)));
		buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_addc(b, (char)(0xe0 | (cp >> 12)));
		buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		buf_addc(b, (char)(0xf0 | (cp >> 18)));
		buf_addc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
		buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_addc(b, (char)(0x80 | (cp & 0x3f)));
	}
}

/*
 * Parse the string starting at p (on its opening quote). Returns the position
 * after the closing quote, or NULL when malformed; the text goes to b if not NULL.
 */
static const char *
json_string(const char *p, struct buf *b)
{
	long	cp, lo;

	if (*p++ != '"')
		return (NULL);
	for (;;) {
		if (*p == '\0')
			return (NULL);
		if (*p == '"')
			return (p + 1);
		if (*p != '\\') {
			if (b != NULL)
				buf_addc(b, *p);
			p++;
			continue;
		}
		p++;
		switch (*p) {
		case '"': case '\\': case '/':
			if (b != NULL)
				buf_addc(b, *p);
			break;
		case 'b': if (b != NULL) buf_addc(b, '\b'); break;
		case 'f': if (b != NULL) buf_addc(b, '\f'); break;
		case 'n': if (b != NULL) buf_addc(b, '\n'); break;
		case 'r': if (b != NULL) buf_addc(b, '\r'); break;
		case 't': if (b != NULL) buf_addc(b, '\t'); break;
		case 'u':
			if ((cp = json_hex4(p + 1)) == -1)
				return (NULL);
			p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && p[1] == '\\' && p[2] == 'u' &&
			    (lo = json_hex4(p + 3)) >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			}
			if (b != NULL)
				json_utf8(b, (unsigned long)cp);
			break;
		default:
			return (NULL);
		}
		p++;
	}
}

/* Skip one value (string, number, literal; nested objects/arrays by bracket count). */
static const char *
json_skip(const char *p)
{
	int	depth = 0;

	p = json_ws(p);
	if (*p == '"')
		return (json_string(p, NULL));
	if (*p != '{' && *p != '[') {
		while (*p != '\0' && *p != ',' && *p != '}' && *p != ']')
			p++;
		return (p);
	}
	do {
		if (*p == '"') {
			if ((p = json_string(p, NULL)) == NULL)
				return (NULL);
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']')
			depth--;
		else if (*p == '\0')
			return (NULL);
		p++;
	} while (depth > 0);
	return (p);
}

/* The position of the value of member key in the top-level object obj, or NULL. */
static const char *
json_find(const char *obj, const char *key)
{
	struct buf	 k;
	const char	*p;
	bool		 match;

	if (obj == NULL || *(p = json_ws(obj)) != '{')
		return (NULL);
	p = json_ws(p + 1);
	buf_init(&k);
	while (*p == '"') {
		buf_reset(&k);
		if ((p = json_string(p, &k)) == NULL)
			break;
		p = json_ws(p);
		if (*p != ':')
			break;
		p = json_ws(p + 1);
		match = strcmp(k.data, key) == 0;
		if (match) {
			buf_clear(&k);
			return (p);
		}
		if ((p = json_skip(p)) == NULL)
			break;
		p = json_ws(p);
		if (*p != ',')
			break;
		p = json_ws(p + 1);
	}
	buf_clear(&k);
	return (NULL);
}

/* The string member key of obj, unescaped (caller frees), or NULL. */
char *
json_get_string(const char *obj, const char *key)
{
	const char	*p;
	struct buf	 b;

	if ((p = json_find(obj, key)) == NULL || *p != '"')
		return (NULL);
	buf_init(&b);
	if (json_string(p, &b) == NULL) {
		buf_clear(&b);
		return (NULL);
	}
	return (buf_steal(&b));
}

/* The integer (or boolean) member key of obj into *v. */
int
json_get_int(const char *obj, const char *key, int64_t *v)
{
	const char	*p;
	char		*end;
	long long	 n;

	if ((p = json_find(obj, key)) == NULL)
		return (-1);
	if (strncmp(p, "true", 4) == 0) {
		*v = 1;
		return (0);
	}
	if (strncmp(p, "false", 5) == 0) {
		*v = 0;
		return (0);
	}
	errno = 0;
	n = strtoll(p, &end, 10);
	if (end == p || errno != 0)
		return (-1);
	*v = n;
	return (0);
}
