/* "Did you mean": the closest command or option to a mistyped one. */
#ifndef CTLSIGN_CLI_SUGGEST_H
#define CTLSIGN_CLI_SUGGEST_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

/* Edit distance between a and b, ignoring case: insertions, deletions,
 * substitutions and swaps of two neighbouring characters (optimal string
 * alignment), each costing 1. Words longer than 63 bytes are "far". */
size_t cli_distance(const char *a, const char *b);

/* The candidate closest to word, or NULL when none is close enough to be
 * what was meant: at most 1 edit for words up to 5 characters, 2 up to 10,
 * 3 beyond (and fewer edits than the candidate has characters). Ties go to
 * the first candidate. */
const char *cli_suggest(const char *word, const char *const *cands, size_t n);

/* `ctlsign WORD' where WORD is no command (verbs: the n command names):
 * says so on stderr, with the closest command, or the closest of --help and
 * --version for a WORD that starts with `-'. True when it suggested one
 * (false: the caller shows the list of commands). */
bool cli_unknown_command(const char *word, const char *const *verbs, size_t n);

/* For every verb's getopt_long loop, whose `opterr = 0' keeps getopt's own
 * message away: called when getopt_long returned '?', it says on stderr
 * what was wrong with the option getopt_long just looked at (unknown, with
 * the closest long option of opts; ambiguous, with the ones it could be; an
 * argument missing or not allowed), then how to see the options. Every
 * short option is the val of a long one in opts (as --help shows them).
 * Returns EXIT_USAGE. */
int cli_bad_option(const char *verb, int argc, char **argv, const struct option *opts);

#endif
