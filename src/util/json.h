/* json.h: JSON text: string escaping and reading members of flat objects. */
#ifndef PDR_JSON_H
#define PDR_JSON_H

#include "system.h"

#include "util/str.h"

/* Append s as a quoted JSON string (control characters, quotes, backslashes escaped). */
void	 json_add_string(struct buf *, const char *s);
/* Append len bytes of s as a quoted JSON string (NUL bytes become \u0000). */
void	 json_add_stringn(struct buf *, const char *s, size_t len);
/* The string member key of the JSON object text obj, unescaped (caller frees), or NULL. */
char	*json_get_string(const char *obj, const char *key);
/* The integer (true/false as 1/0) member key of obj into *v. Returns 0, or -1 when absent or not a number. */
int	 json_get_int(const char *obj, const char *key, int64_t *v);

#endif
