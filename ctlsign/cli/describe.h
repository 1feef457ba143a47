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
 * or NULL for null). */
void describe_print(FILE *out, const loaded *L, const ctl_verify_result *v, ctl_status vst,
		    time_t now, json_object *phones);

#endif
