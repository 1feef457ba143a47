/* Reading, parsing and describing a trust list for the commands. */
#ifndef CTLSIGN_LOAD_H
#define CTLSIGN_LOAD_H

#include <json-c/json.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "ctl.h"
#include "verify.h"

typedef struct loaded {
	const char *path;
	uint8_t *buf;
	size_t len;
	struct stat st;
	bool have_st;
	ctl_file *f;      /* NULL when the file did not parse */
	ctl_err err;      /* why it did not */
} loaded;

/* Read and parse. Returns CTL_OK, or the status of the failure (err set). */
ctl_status load_file(const char *path, loaded *L);
/* The same with ctl_parse_ex() flags: CTL_PARSE_LAZY for a command that
 * needs only some certificates (verify: the signer's). */
ctl_status load_file_ex(const char *path, unsigned parse_flags, loaded *L);
void load_free(loaded *L);

/* "CTL"/"ITL": from FILENAME when parsed, else from the file's name. */
const char *load_kind(const loaded *L);

/* The JSON document `show --json` prints (verification included when v is
 * not NULL), without its records: describe_print prints it with them. */
json_object *describe_json(const loaded *L, const ctl_verify_result *v, ctl_status vst);
/* Print that document, each record made, printed and freed in turn (its
 * certificate too, but the signer's): memory for one record, whatever the
 * list's size; the bytes json_print would give for the whole tree. The
 * first certificate that does not decode is returned (CTL_E_MALFORMED, err
 * set), its record printed with "certificate": null. */
ctl_status describe_print(json_object *root, loaded *L, const ctl_verify_result *v, time_t now,
			  ctl_err *err);

/* A JSON string of text from a file: invalid UTF-8 bytes become "\xNN". */
json_object *json_text(const char *s);
/* Lower-case hex of a buffer into a new json string. */
json_object *json_hex(const uint8_t *p, size_t n);
/* ISO 8601 UTC ("2015-05-07T03:10:47Z"); "" for (time_t)-1. */
void iso_utc(time_t t, char *out, size_t n);
/* Print a json document to stdout, pretty, with a trailing newline. */
void json_print(json_object *o);

#endif
