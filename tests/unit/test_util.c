/* The small utility layer: MAC addresses as phones' file names use them,
 * hex, times, PEM or DER, the display sanitiser, error context. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "text.h"
#include "util.h"

Test(util, mac_forms_accepted)
{
	static const char *const ok[] = {
		"001A2B3C4D5E", "001a2b3c4d5e", "00:1A:2B:3C:4D:5E", "00-1a-2b-3c-4d-5e",
		"SEP001A2B3C4D5E", "sep001a2b3c4d5e", "SEP00:1A:2B:3C:4D:5E", "Sep00-1A-2B-3C-4D-5E",
	};
	char out[13];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		memset(out, 'x', sizeof(out));
		cr_assert(ctl_mac_parse(ok[i], out), "%s refused", ok[i]);
		cr_assert_str_eq(out, "001A2B3C4D5E", "%s", ok[i]);
	}
}

Test(util, mac_malformed_refused)
{
	static const char *const bad[] = {
		"", "SEP", "001A2B3C4D5", "001A2B3C4D5E0", "001A2B3C4D5G", "00:1A:2B:3C:4D:5E:",
		":00:1A:2B:3C:4D:5E", "00:1A-2B:3C:4D:5E", "001A:2B3C:4D5E", "00::1A:2B:3C:4D:5E",
		"0:01A:2B:3C:4D:5E", "00 1A 2B 3C 4D 5E", "SEPSEP001A2B3C4D5E", "00:1A:2B3C4D5E",
	};
	char out[13];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert(!ctl_mac_parse(bad[i], out), "`%s' accepted", bad[i]);
}

/* ---- hex ---------------------------------------------------------------- */

Test(util, hex_encode_forms_and_cut)
{
	static const uint8_t b[] = {0x00, 0xAB, 0x7F, 0xFF};
	char out[16];

	cr_assert_str_eq(ctl_hex_encode(b, 4, ':', true, out, sizeof(out)), "00:AB:7F:FF");
	cr_assert_str_eq(ctl_hex_encode(b, 4, 0, false, out, sizeof(out)), "00ab7fff");
	cr_assert_str_eq(ctl_hex_encode(b, 4, ' ', true, out, sizeof(out)), "00 AB 7F FF");
	cr_assert_str_eq(ctl_hex_encode(b, 0, ':', true, out, sizeof(out)), "");
	/* Too small: whole bytes only, always terminated. */
	cr_assert_str_eq(ctl_hex_encode(b, 4, ':', true, out, 9), "00:AB:7F");
	cr_assert_str_eq(ctl_hex_encode(b, 4, 0, true, out, 8), "00AB7F");
	cr_assert_str_eq(ctl_hex_encode(b, 4, 0, true, out, 1), "");
	ctl_hex_colon(b, 2, out, sizeof(out));
	cr_assert_str_eq(out, "00:AB");
	char *d = ctl_hex_dup(b, 4, 0, false);
	cr_assert_str_eq(d, "00ab7fff");
	free(d);
}

Test(util, hex_decode_exact)
{
	uint8_t out[4];

	cr_assert(ctl_hex_decode("00ab7FFF", 0, out, 4));
	cr_assert(out[0] == 0 && out[1] == 0xAB && out[2] == 0x7F && out[3] == 0xFF);
	cr_assert(ctl_hex_decode("00:AB:7f:ff", ':', out, 4));
	cr_assert(out[1] == 0xAB && out[3] == 0xFF);
	static const char *const bad[] = {"00ab7f", "00ab7fff00", "00ab7fgg", "00:ab:7f:f:f",
					  "00:ab7f:ff", "00:ab:7f:ff:", ":00:ab:7f:ff", "00 ab 7f ff"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert(!ctl_hex_decode(bad[i], strchr(bad[i], ':') ? ':' : 0, out, 4), "%s", bad[i]);
	uint8_t v;
	cr_assert(ctl_hex_pair("aF", &v) && v == 0xAF);
	cr_assert(!ctl_hex_pair("a", &v) && !ctl_hex_pair("g0", &v));
	cr_assert_eq(ctl_hex_digit('f'), 15);
	cr_assert_eq(ctl_hex_digit('x'), -1);
}

/* ---- times, PEM ----------------------------------------------------------- */

Test(util, times_unknown_is_empty)
{
	char out[32] = "junk";

	cr_assert_str_eq(ctl_time_iso(1431000000, out, sizeof(out)), "2015-05-07T12:00:00Z");
	cr_assert_str_eq(ctl_date_iso(1431000000, out, sizeof(out)), "2015-05-07");
	cr_assert_str_eq(ctl_time_iso((time_t)-1, out, sizeof(out)), "");
	cr_assert_str_eq(ctl_date_iso((time_t)-1, out, sizeof(out)), "");
	cr_assert_str_eq(ctl_time_iso(0, out, 5), "", "does not fit: empty, not cut");
}

Test(util, pem_or_der)
{
	static const char pem[] = "junk\n-----BEGIN CERTIFICATE-----\nMII...";
	static const uint8_t der[] = {0x30, 0x82, 0x01, 0x00};

	cr_assert(ctl_is_pem((const uint8_t *)pem, sizeof(pem) - 1));
	cr_assert(!ctl_is_pem(der, sizeof(der)));
	cr_assert(!ctl_is_pem((const uint8_t *)"-----BEGI", 9));
}

/* ---- the display sanitiser (text.h) -------------------------------------- */

static void safe(const char *in, unsigned flags, const char *want)
{
	char out[256];

	ctl_text_safe(in, out, sizeof(out), flags);
	cr_assert_str_eq(out, want, "cleaning `%s'", in);
	/* Cleaning is idempotent. */
	char again[256];
	ctl_text_safe(out, again, sizeof(again), flags);
	cr_assert_str_eq(again, out);
}

Test(text, plain_text_unchanged)
{
	safe("CN=SAST-ADN008580ef;OU=IPCBU;O=Cisco Systems", 0,
	     "CN=SAST-ADN008580ef;OU=IPCBU;O=Cisco Systems");
	safe("Z\xC3\xBCrich \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x94\x91", 0,
	     "Z\xC3\xBCrich \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x94\x91");
	safe("back\\slash \\x41", 0, "back\\slash \\x41");
}

Test(text, controls_escaped)
{
	safe("a\x1b[31mred\x1b]0;title\x07", 0, "a\\x1B[31mred\\x1B]0;title\\x07");
	safe("tab\there\x7f", 0, "tab\\x09here\\x7F");
	safe("two\nlines\r", 0, "two\\x0Alines\\x0D");
	safe("two\nlines\r", CTL_TEXT_LINES, "two\nlines\\x0D");
}

Test(text, invalid_utf8_bytes_escaped)
{
	safe("\xff\xfe", 0, "\\xFF\\xFE");
	safe("over\xC0\x80long", 0, "over\\xC0\\x80long");
	safe("over\xE0\x80\xAFlong", 0, "over\\xE0\\x80\\xAFlong");
	safe("sur\xED\xA0\x80rogate", 0, "sur\\xED\\xA0\\x80rogate");
	safe("big\xF4\x90\x80\x80", 0, "big\\xF4\\x90\\x80\\x80");
	safe("cut\xE2\x80", 0, "cut\\xE2\\x80");
}

Test(text, bidi_and_c1_escaped)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"\xE2\x80\xAA", "\\u202A"}, {"\xE2\x80\xAB", "\\u202B"}, {"\xE2\x80\xAC", "\\u202C"},
		{"\xE2\x80\xAD", "\\u202D"}, {"\xE2\x80\xAE", "\\u202E"}, {"\xE2\x81\xA6", "\\u2066"},
		{"\xE2\x81\xA7", "\\u2067"}, {"\xE2\x81\xA8", "\\u2068"}, {"\xE2\x81\xA9", "\\u2069"},
		{"\xE2\x80\x8E", "\\u200E"}, {"\xE2\x80\x8F", "\\u200F"}, {"\xD8\x9C", "\\u061C"},
		{"\xE2\x80\xA8", "\\u2028"}, {"\xE2\x80\xA9", "\\u2029"}, {"\xC2\x85", "\\u0085"},
		{"\xC2\x9B", "\\u009B"}, {"\xC2\xA0", "\xC2\xA0"}, {"\xE2\x80\x8D", "\xE2\x80\x8D"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		safe(cases[i].in, 0, cases[i].out);
}

Test(text, cut_at_a_whole_character)
{
	char out[8];

	cr_assert_str_eq(ctl_text_safe("abcdefghij", out, sizeof(out), 0), "abcdefg");
	cr_assert_str_eq(ctl_text_safe("abcd\x1b", out, sizeof(out), 0), "abcd");
	cr_assert_str_eq(ctl_text_safe("ab\xE6\x97\xA5\xE6\x97\xA5", out, sizeof(out), 0),
			 "ab\xE6\x97\xA5");
	cr_assert_str_eq(ctl_text_safe("x", out, 1, 0), "");
	/* The room macro is enough for the worst expansion. */
	char big[CTL_TEXT_ROOM(4)];
	cr_assert_str_eq(ctl_text_safe("\xff\xff\xff\xff", big, sizeof(big), 0), "\\xFF\\xFF\\xFF\\xFF");
	char *d = ctl_text_dup("\xC2\x9B\xE2\x80\xAE\x1b", 0);
	cr_assert_str_eq(d, "\\u009B\\u202E\\x1B");
	free(d);
}

/* ---- errors --------------------------------------------------------------- */

Test(util, err_wrap_keeps_status_and_position)
{
	ctl_err e;
	char big[CTL_ERR_MSG * 2];

	ctl_err_set(&e, CTL_E_MALFORMED, 12, 9, 3, "length runs past end of file");
	cr_assert_eq(ctl_err_wrap(&e, "`%s'", "CTLFile.tlv"), CTL_E_MALFORMED);
	cr_assert_str_eq(e.msg, "`CTLFile.tlv': length runs past end of file");
	cr_assert(e.offset == 12 && e.tag == 9 && e.record == 3);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ctl_err_wrap(&e, "%s", big);
	cr_assert_eq(strlen(e.msg), CTL_ERR_MSG - 1, "cut, terminated");
}
