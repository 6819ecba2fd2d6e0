/* str.h: growable strings, shell quoting and small string helpers. */
#ifndef PDR_STR_H
#define PDR_STR_H

#include "system.h"

/* A growable, always NUL-terminated byte buffer. */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 size;
};

void	 buf_init(struct buf *);
void	 buf_clear(struct buf *);
void	 buf_reset(struct buf *);
void	 buf_add(struct buf *, const void *, size_t);
void	 buf_adds(struct buf *, const char *);
void	 buf_addc(struct buf *, char);
void	 buf_printf(struct buf *, const char *, ...) PDR_PRINTF(2, 3);
char	*buf_steal(struct buf *);

void	 str_shell_quote(struct buf *, const char *);
void	 str_add_safe(struct buf *, const char *, size_t);
char	*str_join_path(const char *, const char *);
bool	 str_has_prefix(const char *, const char *);
bool	 str_has_suffix(const char *, const char *);
char	*str_trim(char *);
void	 str_list_free(char **, size_t);
void	 str_hex(const unsigned char *, size_t, char *);
/* str_escape_buf: keep newlines and tabs (for texts of several lines). */
#define STR_ESCAPE_LINES	0x1

bool	 str_is_bidi_control(uint32_t);
void	 str_escape_mem(struct buf *, const char *, size_t, int);
void	 str_escape_buf(struct buf *, const char *, int);
char	*str_escape(const char *);
char	*str_safe(const char *);

#endif
