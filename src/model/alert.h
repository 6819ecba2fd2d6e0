/* alert.h: notifications that follow the incident record (notify.webhook, notify.command). */
#ifndef PDR_ALERT_H
#define PDR_ALERT_H

#include "system.h"

struct conf;
struct incident_store;

/*
 * Send a notification for every notable event of incident id that a channel
 * has not had yet: declared, a step failed (its title and why), RTO at 50 %,
 * 80 % and 100 % (and the older 75 %), closed (with its outcome) or
 * abandoned. Each is a
 * JSON object {"text", "incident", "event", "seq", "step", "head": {"seq",
 * "hash"}}: the chain head at the time of sending, so the chat log is a
 * witness of the record too. notify.webhook gets it as a POST, notify.command
 * on its standard input; each channel's progress is STATE_DIR/journal/ID.notified-
 * CHANNEL, advanced only after a send succeeded (at least once). Returns 0
 * when every channel is up to date (also when none is configured), 1 with
 * *cause when a send failed (to be retried), -1 and *cause.
 */
int	alert_follow(const struct conf *, struct incident_store *, const char *, char **);

/* Whether notify.webhook or notify.command is set. */
bool	alert_configured(const struct conf *);

#endif
