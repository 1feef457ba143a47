/* The strict INI reader the cluster file and the token profiles share
 * (inifile.h): line numbers in callbacks, BOM, NUL bytes, long lines,
 * comments, indentation, section lines, and the first failure winning. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "inifile.h"

struct seen {
	char log[1024];
	int fail_at_line;   /* a callback refuses this line */
};

static int on_section(ctl_ini *ini, void *ctx, const char *name, size_t len)
{
	struct seen *s = ctx;
	size_t n = strlen(s->log);

	snprintf(s->log + n, sizeof(s->log) - n, "%d[%.*s]", ctl_ini_line(ini), (int)len, name);
	if (ctl_ini_line(ini) == s->fail_at_line)
		return ctl_ini_fail(ini, CTL_E_MALFORMED, ctl_ini_line(ini), "section refused here");
	return 1;
}

static int on_value(ctl_ini *ini, void *ctx, const char *section, const char *key,
		    const char *value)
{
	struct seen *s = ctx;
	size_t n = strlen(s->log);

	snprintf(s->log + n, sizeof(s->log) - n, "%d:%s.%s=%s;", ctl_ini_line(ini), section, key,
		 value);
	if (ctl_ini_line(ini) == s->fail_at_line)
		return ctl_ini_fail(ini, CTL_E_MALFORMED, ctl_ini_line(ini), "key `%s': refused", key);
	return 1;
}

static ctl_status run(const char *text, size_t len, bool indent, int fail_at, struct seen *s,
		      ctl_err *err, ctl_ini *ini)
{
	static ctl_ini_spec spec;

	spec = (ctl_ini_spec){.path = "f.ini", .max_line = 40, .comment = ";#", .indent = indent,
			      .section = on_section, .value = on_value, .ctx = s};
	memset(s, 0, sizeof(*s));
	s->fail_at_line = fail_at;
	ctl_err_clear(err);
	return ctl_ini_read(ini, &spec, text, len, err);
}

#define RUN(text, indent, fail_at) run(text, sizeof(text) - 1, indent, fail_at, &s, &err, &ini)

Test(inifile, lines_sections_comments_bom_crlf)
{
	static const char text[] = "\xEF\xBB\xBF; comment\r\n# another\r\n[a]  ; inline\r\n"
				   "k = v # hash\r\n\r\n  [ b c ]\r\n\tx: y;z\r\n[empty]\r\n";
	struct seen s;
	ctl_err err;
	ctl_ini ini;

	cr_assert_eq(RUN(text, true, 0), CTL_OK, "%s", err.msg);
	cr_assert_str_eq(s.log, "3[a]4:a.k=v;6[ b c ]7: b c .x=y;z;8[empty]");
	cr_assert_eq(ctl_ini_section_line(&ini, "a"), 3);
	cr_assert_eq(ctl_ini_section_line(&ini, "empty"), 8);
	cr_assert_eq(ctl_ini_section_line(&ini, "none"), 0);
	/* A failure found after the read (a missing key) is still recorded once. */
	ctl_ini_fail(&ini, CTL_E_MALFORMED, 3, "[a] need: missing key");
	ctl_ini_fail(&ini, CTL_E_MALFORMED, 8, "second");
	cr_assert_eq(ctl_ini_status(&ini), CTL_E_MALFORMED);
	cr_assert_str_eq(err.msg, "f.ini:3: [a] need: missing key");
	ctl_ini_done(&ini);
}

Test(inifile, reader_refusals_name_the_line)
{
	static const struct {
		const char *text;
		size_t len;
		bool indent;
		const char *want;
	} cases[] = {
#define C(text, indent, want) {text, sizeof(text) - 1, indent, want}
		C("[a]\nk = v\x00w\n", true, "f.ini:2: NUL byte"),
		C("[a]\n  k = v\n", false, "f.ini:2: indented line (continuation lines are not allowed)"),
		C("[a]\nk = 0123456789012345678901234567890123456789\n", true,
		  "f.ini:2: line is 44 characters long; at most 40 fit"),
		C("[a]\nno equals here\n", true,
		  "f.ini:2: expected `key = value', `[section]' or a comment, not `no equals here'"),
		C("[a\nk = v\n", true, "f.ini:1: section header `[a' does not end with `]'"),
		C("[a]\nk = \x1b[31m\nbad \x1b]0;x\x07\n", true,
		  "f.ini:3: expected `key = value', `[section]' or a comment, not `bad \\x1B]0;x\\x07'"),
#undef C
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct seen s;
		ctl_err err;
		ctl_ini ini;

		cr_assert_eq(run(cases[i].text, cases[i].len, cases[i].indent, 0, &s, &err, &ini),
			     CTL_E_MALFORMED, "case %zu accepted", i);
		cr_assert(strstr(err.msg, cases[i].want), "case %zu: %s", i, err.msg);
		ctl_ini_done(&ini);
	}
}

Test(inifile, long_comment_and_indented_blank_line_are_fine)
{
	static const char text[] = "[a]\n; 0123456789012345678901234567890123456789012345\n"
				   "k = v   ; 0123456789012345678901234567890123456789\n   \n";
	struct seen s;
	ctl_err err;
	ctl_ini ini;

	cr_assert_eq(RUN(text, false, 0), CTL_OK, "%s", err.msg);
	cr_assert_str_eq(s.log, "1[a]3:a.k=v;");
	ctl_ini_done(&ini);
}

Test(inifile, first_failure_wins_and_reading_stops)
{
	static const char text[] = "[a]\nk = 1\nl = 2\nbroken\nm = 3\n";
	struct seen s;
	ctl_err err;
	ctl_ini ini;

	/* A callback's refusal at line 3 comes before the syntax error at 4. */
	cr_assert_eq(RUN(text, true, 3), CTL_E_MALFORMED);
	cr_assert_str_eq(err.msg, "f.ini:3: key `l': refused");
	cr_assert_str_eq(s.log, "1[a]2:a.k=1;3:a.l=2;", "nothing read after the failure");
	ctl_ini_done(&ini);
	/* Without it, the reader's own refusal at line 4. */
	cr_assert_eq(RUN(text, true, 0), CTL_E_MALFORMED);
	cr_assert(strstr(err.msg, "f.ini:4: expected `key = value'"), "%s", err.msg);
	ctl_ini_done(&ini);
	/* A section callback's refusal stops too. */
	cr_assert_eq(RUN(text, true, 1), CTL_E_MALFORMED);
	cr_assert_str_eq(err.msg, "f.ini:1: section refused here");
	cr_assert_str_eq(s.log, "1[a]");
	ctl_ini_done(&ini);
}

Test(inifile, empty_input)
{
	struct seen s;
	ctl_err err;
	ctl_ini ini;

	cr_assert_eq(run("", 0, true, 0, &s, &err, &ini), CTL_OK);
	cr_assert_str_eq(s.log, "");
	ctl_ini_done(&ini);
}
