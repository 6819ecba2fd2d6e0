/* probe.c: the plan's service and configuration checks: an HTTP request, a YAML parse. */
#include "system.h"

#include <curl/curl.h>
#include <yaml.h>

#include "engine/host/probe.h"
#include "util/fsutil.h"
#include "util/xmalloc.h"

/* Drop a response body: only the status matters. */
static size_t
probe_discard(char *ptr, size_t size, size_t n, void *arg)
{
	(void)ptr;
	(void)arg;
	return (size * n);
}

/*
 * GET url with a timeout of timeout_ms milliseconds, without following
 * redirects: the HTTP status into *status, the time taken into *latency_us.
 * Returns -1 with *cause when no response came.
 */
int
probe_http(const char *url, int64_t timeout_ms, long *status, int64_t *latency_us,
    char **cause)
{
	char		 err[CURL_ERROR_SIZE];
	curl_off_t	 t = 0;
	CURL		*h;
	CURLcode	 r;
	int		 rc = -1;

	*status = 0;
	*latency_us = 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		*cause = xstrdup(_("libcurl cannot start"));
		return (-1);
	}
	if ((h = curl_easy_init()) == NULL) {
		*cause = xstrdup(_("libcurl cannot start"));
		curl_global_cleanup();
		return (-1);
	}
	err[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, probe_discard);
	curl_easy_setopt(h, CURLOPT_USERAGENT, PACKAGE "/" VERSION);
	r = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &t);
	*latency_us = (int64_t)t;
	if (r != CURLE_OK) {
		*cause = xasprintf("%s: %s", url, err[0] != '\0' ? err :
		    curl_easy_strerror(r));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	rc = 0;
out:
	curl_easy_cleanup(h);
	curl_global_cleanup();
	return (rc);
}

/*
 * Parse a YAML file to the end; the number of documents goes to *docs.
 * Returns -1 with *cause as FILE:LINE:COLUMN: problem (also for an empty file).
 */
int
probe_yaml(const char *path, size_t *docs, char **cause)
{
	yaml_parser_t	 p;
	yaml_event_t	 ev;
	FILE		*f;
	bool		 done = false;
	int		 rc = -1;

	*docs = 0;
	if ((f = fs_fopen_regular(path)) == NULL) {
		*cause = errno == EINVAL ? xasprintf(_("%s: not a regular file"), path) :
		    xasprintf("%s: %s", path, strerror(errno));
		return (-1);
	}
	if (!yaml_parser_initialize(&p)) {
		*cause = xasprintf(_("%s: libyaml cannot start"), path);
		fclose(f);
		return (-1);
	}
	yaml_parser_set_input_file(&p, f);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			*cause = xasprintf("%s:%zu:%zu: %s%s%s", path,
			    p.problem_mark.line + 1, p.problem_mark.column + 1,
			    p.problem != NULL ? p.problem : _("bad YAML"),
			    p.context != NULL ? " " : "",
			    p.context != NULL ? p.context : "");
			goto out;
		}
		if (ev.type == YAML_DOCUMENT_START_EVENT)
			(*docs)++;
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	if (*docs == 0) {
		*cause = xasprintf(_("%s:1:1: empty, no YAML document"), path);
		goto out;
	}
	rc = 0;
out:
	yaml_parser_delete(&p);
	fclose(f);
	return (rc);
}
