/* report-int.h: what the report's own files share (report.c, report-people.c). */
#ifndef PDR_REPORT_INT_H
#define PDR_REPORT_INT_H

#include "system.h"

#include "ui/report.h"

/* report.c */
const char	*report_time(int64_t, char *, size_t);
void		 report_html(struct buf *, const char *);
void		 report_md_text(struct buf *, const char *);

/* report-people.c */
void		 report_people_build(struct report *);
void		 report_people_clear(struct report *);
void		 report_people_md(struct buf *, const struct report *);
void		 report_people_html(struct buf *, const struct report *);
void		 report_calendar_md(struct buf *, const struct report *);
void		 report_calendar_html(struct buf *, const struct report *);
void		 report_notice(struct buf *, const struct report *);

#endif
