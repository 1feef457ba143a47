/* "Did you mean": the edit distance, when a suggestion is made, and the
 * message for each way getopt_long refuses an option. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "suggest.h"

Test(suggest, distance)
{
	cr_assert_eq(cli_distance("verify", "verify"), 0);
	cr_assert_eq(cli_distance("", "abc"), 3);
	cr_assert_eq(cli_distance("abc", ""), 3);
	cr_assert_eq(cli_distance("verfy", "verify"), 1);       /* deletion */
	cr_assert_eq(cli_distance("verifyy", "verify"), 1);     /* insertion */
	cr_assert_eq(cli_distance("vorify", "verify"), 1);      /* substitution */
	cr_assert_eq(cli_distance("trsut", "trust"), 1);        /* neighbours swapped */
	cr_assert_eq(cli_distance("sing-with", "sign-with"), 1);
	cr_assert_eq(cli_distance("TRUST", "trust"), 0);        /* case is no edit */
	cr_assert_eq(cli_distance("ca", "abc"), 3);             /* OSA: no edit of a swapped pair */
	cr_assert_eq(cli_distance("kitten", "sitting"), 3);
	char longw[80];
	memset(longw, 'a', sizeof(longw) - 1);
	longw[sizeof(longw) - 1] = '\0';
	cr_assert_eq(cli_distance(longw, "a"), (size_t)-1, "a word past 63 bytes is far");
}

static const char *const verbs[] = {"show", "verify", "build", "diff", "tokens", "fetch", "fetch-cert"};
#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

Test(suggest, closest)
{
	cr_assert_str_eq(cli_suggest("verfy", verbs, NVERBS), "verify");
	cr_assert_str_eq(cli_suggest("shwo", verbs, NVERBS), "show");
	cr_assert_str_eq(cli_suggest("fetchcert", verbs, NVERBS), "fetch-cert");
	cr_assert_str_eq(cli_suggest("fetch_cert", verbs, NVERBS), "fetch-cert");
	cr_assert_str_eq(cli_suggest("token", verbs, NVERBS), "tokens");
	cr_assert_str_eq(cli_suggest("feth", verbs, NVERBS), "fetch");
	/* Too far: no guess. */
	cr_assert_null(cli_suggest("xyzzy", verbs, NVERBS));
	cr_assert_null(cli_suggest("vrfy", verbs, NVERBS), "2 edits in 4 letters is another word");
	cr_assert_null(cli_suggest("sign", verbs, NVERBS));
	cr_assert_null(cli_suggest("", verbs, NVERBS));
	cr_assert_null(cli_suggest("x", (const char *const[]){"y"}, 1), "never the whole word replaced");
	/* Ties go to the first candidate. */
	cr_assert_str_eq(cli_suggest("dif", (const char *const[]){"diff", "dig"}, 2), "diff");
	/* Longer words allow more edits: 2 up to 10 letters, 3 beyond. */
	cr_assert_str_eq(cli_suggest("--sgin-wth", (const char *const[]){"--sign-with"}, 1),
			 "--sign-with");
	cr_assert_str_eq(cli_suggest("alow-expierd-", (const char *const[]){"allow-expired"}, 1),
			 "allow-expired");
	cr_assert_null(cli_suggest("allow-x", (const char *const[]){"allow-expired"}, 1));
}

static const struct option opts[] = {
	{"trust", required_argument, NULL, 't'},
	{"cluster", required_argument, NULL, 'c'},
	{"current", required_argument, NULL, 256},
	{"json", no_argument, NULL, 'j'},
	{"legacy", no_argument, NULL, 'L'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* Parse argv like a verb does; the exit code of the first refusal (-1 when
 * there is none). */
static int parse(int argc, char **argv)
{
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "t:c:jh", opts, NULL)) != -1)
		if (c == '?')
			return cli_bad_option("verify", argc, argv, opts);
	return -1;
}

#define PARSE(...)                                                                      \
	do {                                                                            \
		char *av[] = {"verify", __VA_ARGS__, NULL};                             \
		cr_assert_eq(parse((int)(sizeof(av) / sizeof(av[0])) - 1, av), EXIT_USAGE); \
		fflush(stderr);                                                         \
	} while (0)

#define HINT "Run `ctlsign verify --help' for its options.\n"

Test(suggest, unknown_long, .init = cr_redirect_stderr)
{
	PARSE("--trsut", "x.tlv");
	cr_assert_stderr_eq_str("ctlsign: verify: unknown option `--trsut'; did you mean `--trust'?\n" HINT);
}

Test(suggest, unknown_long_with_value, .init = cr_redirect_stderr)
{
	PARSE("-j", "--clustr=c.ini", "x.tlv");
	cr_assert_stderr_eq_str("ctlsign: verify: unknown option `--clustr'; did you mean `--cluster'?\n" HINT);
}

Test(suggest, unknown_long_far, .init = cr_redirect_stderr)
{
	PARSE("--frobnicate", "x.tlv");
	cr_assert_stderr_eq_str("ctlsign: verify: unknown option `--frobnicate'\n" HINT);
}

Test(suggest, ambiguous, .init = cr_redirect_stderr)
{
	PARSE("--c", "x", "y.tlv");
	cr_assert_stderr_eq_str("ctlsign: verify: option `--c' is ambiguous; it could be: --cluster --current\n" HINT);
}

Test(suggest, long_needs_argument, .init = cr_redirect_stderr)
{
	PARSE("--json", "--trust");
	cr_assert_stderr_eq_str("ctlsign: verify: option `--trust' needs an argument\n" HINT);
}

Test(suggest, abbreviation_needs_argument, .init = cr_redirect_stderr)
{
	PARSE("--cl");
	cr_assert_stderr_eq_str("ctlsign: verify: option `--cluster' needs an argument\n" HINT);
}

Test(suggest, long_takes_no_argument, .init = cr_redirect_stderr)
{
	PARSE("--json=yes", "x.tlv");
	cr_assert_stderr_eq_str("ctlsign: verify: option `--json' takes no argument\n" HINT);
}

Test(suggest, short_needs_argument, .init = cr_redirect_stderr)
{
	PARSE("-j", "-t");
	cr_assert_stderr_eq_str("ctlsign: verify: option `-t' (--trust) needs an argument\n" HINT);
}

Test(suggest, short_unknown, .init = cr_redirect_stderr)
{
	PARSE("-x", "x.tlv");
	cr_assert_stderr_eq_str("ctlsign: verify: unknown option `-x'\n" HINT);
}

/* -jx: getopt_long refuses x without moving past the cluster; the element
 * before it (a long option here) is not the one at fault. */
Test(suggest, short_unknown_in_cluster, .init = cr_redirect_stderr)
{
	PARSE("--json", "-xj", "x.tlv");
	cr_assert_stderr_eq_str("ctlsign: verify: unknown option `-x'\n" HINT);
}

/* A long option's val that is no short option: -L is unknown, not --legacy. */
Test(suggest, short_only_as_long, .init = cr_redirect_stderr)
{
	PARSE("-L", "x.tlv");
	cr_assert_stderr_eq_str("ctlsign: verify: unknown option `-L'\n" HINT);
}

Test(suggest, unknown_command, .init = cr_redirect_stderr)
{
	cr_assert(cli_unknown_command("verfy", verbs, NVERBS));
	cr_assert_not(cli_unknown_command("frobnicate", verbs, NVERBS));
	cr_assert(cli_unknown_command("--verison", verbs, NVERBS));
	cr_assert_not(cli_unknown_command("--frobnicate", verbs, NVERBS));
	fflush(stderr);
	cr_assert_stderr_eq_str("ctlsign: unknown command `verfy'; did you mean `verify'?\n"
				"Run `ctlsign --help' for the list of commands.\n"
				"ctlsign: unknown command `frobnicate'\n"
				"ctlsign: unknown option `--verison'; did you mean `--version'?\n"
				"Run `ctlsign --help' for the list of commands.\n"
				"ctlsign: unknown option `--frobnicate'\n");
}

/* Every verb: getopt's own message is off, ours is there, exit 2. */
Test(suggest, every_verb, .init = cr_redirect_stderr)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
		const char *typo, *meant;
	} v[] = {
		{"show", show_main, "--jsn", "--json"},
		{"verify", verify_main, "--trsut", "--trust"},
		{"build", build_main, "--sing-with", "--sign-with"},
		{"diff", diff_main, "--via-tsv", "--via-tvs"},
		{"tokens", tokens_main, "--uri-onyl", "--uri-only"},
		{"fetch", fetch_main, "--tfpt", "--tftp"},
		{"fetch-cert", fetch_cert_main, "--fingerprnt", "--fingerprint"},
	};
	char want[4096] = "";

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *av[] = {(char *)v[i].name, (char *)v[i].typo, "x", NULL};
		size_t len = strlen(want);

		cr_assert_eq(v[i].fn(3, av), EXIT_USAGE, "%s", v[i].name);
		snprintf(want + len, sizeof(want) - len,
			 "ctlsign: %s: unknown option `%s'; did you mean `%s'?\n"
			 "Run `ctlsign %s --help' for its options.\n",
			 v[i].name, v[i].typo, v[i].meant, v[i].name);
	}
	fflush(stderr);
	cr_assert_stderr_eq_str(want);
}
