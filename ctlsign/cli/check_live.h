/* check --live in the command layer: its options, the progress line on a
 * terminal, and the JSON of what each node presented (docs/json.md). */
#ifndef CTLSIGN_CHECK_LIVE_H
#define CTLSIGN_CHECK_LIVE_H

#include <json-c/json.h>
#include <stdbool.h>

#include "cluster.h"
#include "live.h"

typedef struct check_live {
	bool on;              /* --live */
	bool ports_given;     /* --live-port */
	bool timeout_given;   /* --timeout */
	ctl_live_opts o;
	ctl_live l;
	bool ran;
} check_live;

/* --live-port SPEC, --timeout SECONDS: EXIT_OK, or EXIT_USAGE with the
 * message printed. */
int check_live_ports(check_live *cl, const char *arg);
int check_live_timeout(check_live *cl, const char *arg);
/* After the options: --live needs --cluster, --live-port and --timeout need
 * --live. EXIT_OK, or EXIT_USAGE with the message printed. */
int check_live_usage(const check_live *cl, bool have_cluster);
/* Contact every node; a progress line on stderr when `progress' and stderr
 * is a terminal. EXIT_OK, or the exit status of a failure (printed). */
int check_live_run(check_live *cl, const ctl_cluster *c, bool progress);
/* The `live' array: one object per service of each node (empty without
 * --live). */
json_object *check_live_json(const check_live *cl);
void check_live_free(check_live *cl);

#endif
