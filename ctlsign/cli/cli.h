/* Shared helpers for the command layer (the only code that prints or exits). */
#ifndef CTLSIGN_CLI_H
#define CTLSIGN_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "err.h"
#include "exitcodes.h"
#include "text.h"
#include "util.h"

/* One verb per file: <verb>_main(argc, argv) returns the exit code.
 * argv[0] is the verb name; parse options with getopt_long. */
int show_main(int argc, char **argv);
int verify_main(int argc, char **argv);
int build_main(int argc, char **argv);
int diff_main(int argc, char **argv);
int check_main(int argc, char **argv);
int plan_main(int argc, char **argv);
int tokens_main(int argc, char **argv);
int fetch_main(int argc, char **argv);
int fetch_cert_main(int argc, char **argv);

/* "ctlsign: " + message to stderr. */
void msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "ctlsign: `FILE': <where>: <msg>" for a core error and return the
 * exit code for it. file may be NULL. */
int report(const char *file, const ctl_err *e);

/* From here on, SIGINT, SIGTERM and SIGHUP undo a ctl_write_atomic in
 * progress (the previous file and backup as they were, no temporary name
 * left) before the process ends of the signal. */
void cli_undo_write_on_signals(void);

/* A --timeout: seconds (fractions allowed), more than 0, at most 3600, into
 * milliseconds. False for anything else. */
bool cli_seconds(const char *s, long *ms);

/* A terminal to ask on (/dev/tty opens). */
bool cli_have_tty(void);

/* Global quiet flag (-q): suppress warnings. */
extern bool cli_quiet;

#endif
