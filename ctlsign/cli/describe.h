/* The JSON document of one trust list that `show --json' and `verify
 * --json' print (docs/json.md), written as it is made: memory stays flat
 * whatever the file holds. */
#ifndef CTLSIGN_DESCRIBE_H
#define CTLSIGN_DESCRIBE_H

#include <json-c/json.h>
#include <stdio.h>
#include <time.h>

#include "load.h"
#include "verify.h"

/* Print the document of L (parsed) to out: verification included when v is
 * not NULL; "phones" is the verdict of `verify --trust' (a json-c object,
 * or NULL for null). Each record's certificate is decoded as the record is
 * printed and dropped after it (but the signer's): memory for one
 * certificate, whatever the list's size. Returns CTL_OK, or the first
 * certificate that does not decode (CTL_E_MALFORMED, err set; its record
 * shows "certificate": null). */
ctl_status describe_print(FILE *out, loaded *L, const ctl_verify_result *v, ctl_status vst,
			  time_t now, json_object *phones, ctl_err *err);

#endif
