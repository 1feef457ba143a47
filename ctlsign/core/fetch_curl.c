/* Downloads from a cluster's TFTP service (TFTP or HTTP) through libcurl.
 * Built into the network module, which the binary loads only for the
 * commands that download (ctlsign/modules/). */
#include "fetch.h"

#include <curl/curl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool curl_ready;

static ctl_status curl_start(ctl_err *err)
{
	if (curl_ready)
		return CTL_OK;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "cannot initialise libcurl");
	atexit(curl_global_cleanup);
	curl_ready = true;
	return CTL_OK;
}

ctl_status ctl_fetch_init(ctl_err *err)
{
	return curl_start(err);
}

struct sink {
	uint8_t *buf;
	size_t n, cap, max;
	bool too_big, nomem;
};

/* Keeps at most max bytes: one more stops the transfer. */
static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
	struct sink *s = ud;
	size_t k = size * nmemb;

	if (k > s->max - s->n) {
		s->too_big = true;
		return 0;
	}
	if (s->n + k > s->cap) {
		size_t nc = s->cap ? s->cap : 65536;
		uint8_t *q;

		while (nc < s->n + k)
			nc *= 2;
		if (nc > s->max)
			nc = s->max;
		if (!(q = realloc(s->buf, nc))) {
			s->nomem = true;
			return 0;
		}
		s->buf = q;
		s->cap = nc;
	}
	if (k) {
		memcpy(s->buf + s->n, p, k);
		s->n += k;
	}
	return k;
}

struct watch {
	long stall_ms;
	curl_off_t seen;
	struct timespec last;
	bool stalled;
};

static long ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - t->tv_sec) * 1000L + (now.tv_nsec - t->tv_nsec) / 1000000L;
}

/* A transfer that brings nothing (new) for stall_ms is given up, whether the
 * server never answers or stops half way. */
static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct watch *w = ud;

	(void)dltotal;
	(void)ultotal;
	(void)ulnow;
	if (dlnow != w->seen) {
		w->seen = dlnow;
		clock_gettime(CLOCK_MONOTONIC, &w->last);
		return 0;
	}
	if (ms_since(&w->last) > w->stall_ms) {
		w->stalled = true;
		return 1;
	}
	return 0;
}

struct where {
	char scheme[8];
	char host[300];
	long port;
};

static ctl_status url_check(const char *url, const char *who, struct where *w, ctl_err *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL, *pass = NULL;
	ctl_status rc = CTL_OK;

	if (!u)
		return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "%sout of memory", who);
	if (!ctl_is_url(url) || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
		rc = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
				 "%snot a tftp://HOST[:PORT]/NAME or http://HOST[:PORT]/NAME URL", who);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK) {
		rc = ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
				 "%scredentials in a URL are not accepted (the TFTP service "
				 "needs none)", who);
		goto out;
	}
	snprintf(w->scheme, sizeof(w->scheme), "%s", scheme);
	snprintf(w->host, sizeof(w->host), "%s", host);
	w->port = strtol(port, NULL, 10);
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(user);
	curl_free(pass);
	curl_url_cleanup(u);
	return rc;
}

/* The download; messages start with `who' (the URL, or "" when the caller
 * names the input itself). */
static ctl_status fetch(const char *url, const char *who, size_t max, long timeout_ms,
			uint8_t **out, size_t *len, bool *not_found, ctl_err *err)
{
	struct sink s = {.max = max};
	struct watch w = {0};
	struct where at = {0};
	char ebuf[CURL_ERROR_SIZE] = "";
	long total_ms, code = 0;
	bool http;
	CURL *c = NULL;
	CURLcode cc;
	ctl_status rc;

	*out = NULL;
	*len = 0;
	if (not_found)
		*not_found = false;
	if ((rc = url_check(url, who, &at, err)))
		return rc;
	if ((rc = curl_start(err)))
		return rc;
	if (timeout_ms <= 0)
		timeout_ms = CTL_FETCH_TIMEOUT_MS;
	total_ms = timeout_ms * 12 > CTL_FETCH_TOTAL_MIN_MS ? timeout_ms * 12 : CTL_FETCH_TOTAL_MIN_MS;
	http = !strcasecmp(at.scheme, "http");
	w.stall_ms = timeout_ms;
	clock_gettime(CLOCK_MONOTONIC, &w.last);
	if (!(c = curl_easy_init()))
		return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "%scannot start libcurl", who);
	if (curl_easy_setopt(c, CURLOPT_URL, url) ||
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "tftp,http") ||
	    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "tftp,http") ||
	    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) ||
	    /* The TFTP service is on the cluster's network: no proxy. */
	    curl_easy_setopt(c, CURLOPT_PROXY, "") ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) ||
	    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf) ||
	    curl_easy_setopt(c, CURLOPT_USERAGENT, "ctlsign") ||
	    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L) ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms) ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, total_ms) ||
	    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max) ||
	    /* 1428: a TFTP data packet that fits a 1500-byte Ethernet frame
	     * (RFC 2348); a server without options falls back to 512. */
	    curl_easy_setopt(c, CURLOPT_TFTP_BLKSIZE, 1428L) ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data) ||
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s) ||
	    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress) ||
	    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &w) ||
	    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L)) {
		rc = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "%slibcurl refused an option", who);
		goto out;
	}
	cc = curl_easy_perform(c);
	if (http)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (s.nomem) {
		rc = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "%sout of memory", who);
	} else if (s.too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		rc = ctl_err_set(err, CTL_E_MALFORMED, -1, -1, -1,
				 "%slarger than the %zu-byte limit; download stopped", who, max);
	} else if (cc == CURLE_TFTP_NOTFOUND ||
		   (cc == CURLE_HTTP_RETURNED_ERROR && (code == 404 || code == 410))) {
		if (not_found)
			*not_found = true;
		rc = ctl_err_set(err, CTL_E_IO, -1, -1, -1,
				 "%snot found on the server (%s %s)", who,
				 http ? "HTTP" : "TFTP", http ? (code == 404 ? "404" : "410")
							: "file not found");
	} else if (cc == CURLE_HTTP_RETURNED_ERROR) {
		rc = ctl_err_set(err, CTL_E_IO, -1, -1, -1, "%s%s port %ld answered HTTP %ld", who,
				 at.host, at.port, code);
	} else if (w.stalled || cc == CURLE_OPERATION_TIMEDOUT) {
		rc = ctl_err_set(err, CTL_E_IO, -1, -1, -1,
				 "%s%s from %s port %ld (%s) within %g s: %s", who,
				 w.seen ? "transfer stalled: nothing more" : "no answer",
				 at.host, at.port, http ? "HTTP" : "TFTP", (double)timeout_ms / 1000,
				 curl_easy_strerror(w.stalled ? CURLE_OPERATION_TIMEDOUT : cc));
	} else if (cc == CURLE_COULDNT_RESOLVE_HOST) {
		rc = ctl_err_set(err, CTL_E_IO, -1, -1, -1, "%scannot resolve %s: %s", who,
				 at.host, curl_easy_strerror(cc));
	} else if (cc != CURLE_OK) {
		rc = ctl_err_set(err, CTL_E_IO, -1, -1, -1, "%s%s port %ld (%s): %s%s%s%s", who,
				 at.host, at.port, http ? "HTTP" : "TFTP", curl_easy_strerror(cc),
				 ebuf[0] ? " (" : "", ebuf, ebuf[0] ? ")" : "");
	} else {
		if (!s.buf && !(s.buf = malloc(1))) {
			rc = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "%sout of memory", who);
			goto out;
		}
		*out = s.buf;
		*len = s.n;
		s.buf = NULL;
	}
out:
	free(s.buf);
	curl_easy_cleanup(c);
	return rc;
}

ctl_status ctl_fetch_url(const char *url, size_t max, long timeout_ms, uint8_t **out,
			 size_t *len, bool *not_found, ctl_err *err)
{
	char who[1100];
	const char *auth = url ? strstr(url, "://") : NULL, *at;

	/* Name the URL, but never repeat a password someone put in it. */
	if (auth && (at = strchr(auth + 3, '@')) && at < auth + 3 + strcspn(auth + 3, "/?#"))
		snprintf(who, sizeof(who), "%.*s***%.1000s: ", (int)(auth + 3 - url), url, at);
	else
		snprintf(who, sizeof(who), "%.1024s: ", url ? url : "");
	return fetch(url, who, max, timeout_ms, out, len, not_found, err);
}

ctl_status ctl_fetch_input(const char *url, size_t max, uint8_t **out, size_t *len, ctl_err *err)
{
	return fetch(url, "", max, CTL_FETCH_TIMEOUT_MS, out, len, NULL, err);
}
