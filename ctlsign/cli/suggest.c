/* "Did you mean": what a mistyped command or option was probably meant to
 * be, and one message for every way getopt_long can refuse an option. */
#include "suggest.h"

#include "cli.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define WORD_MAX 64

size_t cli_distance(const char *a, const char *b)
{
	/* Three rows of the optimal-string-alignment table: i-2, i-1, i. */
	size_t d[3][WORD_MAX + 1];
	size_t la = strlen(a), lb = strlen(b), i, j;

	if (la >= WORD_MAX || lb >= WORD_MAX)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		d[0][j] = d[1][j] = d[2][j] = j;
	for (i = 1; i <= la; i++) {
		size_t *cur = d[i % 3], *prev = d[(i + 2) % 3], *prev2 = d[(i + 1) % 3];
		int ca = tolower((unsigned char)a[i - 1]);

		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			int cb = tolower((unsigned char)b[j - 1]);
			size_t best = prev[j - 1] + (ca != cb);

			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && prev2[j - 2] + 1 < best)
				best = prev2[j - 2] + 1;
			cur[j] = best;
		}
	}
	return d[la % 3][lb];
}

const char *cli_suggest(const char *word, const char *const *cands, size_t n)
{
	size_t len = strlen(word), limit = len <= 5 ? 1 : len <= 10 ? 2 : 3;
	size_t best = (size_t)-1;
	const char *pick = NULL;

	for (size_t i = 0; i < n; i++) {
		size_t d = cli_distance(word, cands[i]);

		if (d <= limit && d < strlen(cands[i]) && d < best) {
			best = d;
			pick = cands[i];
		}
	}
	return pick;
}

bool cli_unknown_command(const char *word, const char *const *verbs, size_t n)
{
	static const char *const top[] = {"--help", "--version"};
	const char *pick = word[0] == '-' ? cli_suggest(word, top, 2) : cli_suggest(word, verbs, n);

	if (word[0] == '-') {
		if (pick)
			msg_error("unknown option `%s'; did you mean `%s'?", word, pick);
		else
			msg_error("unknown option `%s'", word);
	} else if (pick) {
		msg_error("unknown command `%s'; did you mean `%s'?", word, pick);
	} else {
		msg_error("unknown command `%s'", word);
	}
	if (pick)
		fprintf(stderr, "Run `ctlsign --help' for the list of commands.\n");
	return pick != NULL;
}

/* The long option NAME (LEN bytes, no "--") names: exact, else the only
 * one it abbreviates. *nmatch: how many it abbreviates. */
static const struct option *long_match(const struct option *opts, const char *name, size_t len,
				       size_t *nmatch)
{
	const struct option *hit = NULL;

	*nmatch = 0;
	for (const struct option *o = opts; o->name; o++) {
		if (strncmp(o->name, name, len))
			continue;
		if (strlen(o->name) == len) {
			*nmatch = 1;
			return o;
		}
		(*nmatch)++;
		hit = o;
	}
	return *nmatch == 1 ? hit : NULL;
}

static void try_help(const char *verb)
{
	fprintf(stderr, "Run `ctlsign %s --help' for its options.\n", verb);
}

/* A long option getopt_long did not know, or that is an abbreviation of
 * several: el is the argument as given. */
static int unknown_long(const char *verb, const char *el, const struct option *opts)
{
	const char *name = el + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name), nmatch, n = 0;
	const char *names[64], *pick = NULL;
	const struct option *o;
	char word[WORD_MAX];

	long_match(opts, name, len, &nmatch);
	if (nmatch > 1) {
		fprintf(stderr, "ctlsign: %s: option `--%.*s' is ambiguous; it could be:", verb,
			(int)len, name);
		for (o = opts; o->name; o++)
			if (!strncmp(o->name, name, len))
				fprintf(stderr, " --%s", o->name);
		fputc('\n', stderr);
		return EXIT_USAGE;
	}
	for (o = opts; o->name && n < sizeof(names) / sizeof(names[0]); o++)
		names[n++] = o->name;
	if (len < sizeof(word)) {
		snprintf(word, sizeof(word), "%.*s", (int)len, name);
		pick = cli_suggest(word, names, n);
	}
	if (pick)
		msg_error("%s: unknown option `--%.*s'; did you mean `--%s'?", verb, (int)len, name,
			  pick);
	else
		msg_error("%s: unknown option `--%.*s'", verb, (int)len, name);
	return EXIT_USAGE;
}

int cli_bad_option(const char *verb, int argc, char **argv, const struct option *opts)
{
	/* getopt_long has moved optind past a long option it refused, and set
	 * optopt to 0 when it knows no such option, else to the option's val.
	 * A refused short option may sit inside a cluster such as -jx, with
	 * optind not moved yet: then optopt, the character, is what tells. */
	const char *el = optind > 0 && optind <= argc ? argv[optind - 1] : NULL;
	const struct option *p;

	if (el && el[0] == '-' && el[1] == '-' && el[2]) {
		const char *name = el + 2, *eq = strchr(name, '=');
		size_t nmatch;
		const struct option *o =
			long_match(opts, name, eq ? (size_t)(eq - name) : strlen(name), &nmatch);

		if (optopt == 0) {
			unknown_long(verb, el, opts);
			try_help(verb);
			return EXIT_USAGE;
		}
		if (o && !o->flag && o->val == optopt) {
			if (o->has_arg == no_argument)
				msg_error("%s: option `--%s' takes no argument", verb, o->name);
			else
				msg_error("%s: option `--%s' needs an argument", verb, o->name);
			try_help(verb);
			return EXIT_USAGE;
		}
	}
	for (p = opts; p->name; p++)
		if (!p->flag && p->val == optopt && optopt > 0 && optopt < 256 && isalnum(optopt) &&
		    p->has_arg == required_argument) {
			msg_error("%s: option `-%c' (--%s) needs an argument", verb, optopt, p->name);
			try_help(verb);
			return EXIT_USAGE;
		}
	if (optopt > 0 && optopt < 256 && isprint(optopt))
		msg_error("%s: unknown option `-%c'", verb, optopt);
	else
		msg_error("%s: unknown option", verb);
	try_help(verb);
	return EXIT_USAGE;
}
