/* Token profiles: the shipped token-profiles/ directory (every ATR and USB
 * id of docs/cucm-domain's eToken table identifies the right family), strict
 * parsing (each malformed input names file, line and key), and the
 * directory-level checks (overlapping ATRs, USB ids claimed twice). */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcsc.h"
#include "profiles.h"

static const char *profiles_dir(void)
{
	const char *d = getenv(CTL_PROFILES_ENV);

	return d && *d ? d : "token-profiles";
}

static ctl_profile_set *load_shipped(void)
{
	ctl_profile_set *set = NULL;
	ctl_err err;

	ctl_err_clear(&err);
	cr_assert_eq(ctl_profiles_load_dir(profiles_dir(), &set, &err), CTL_OK,
		     "loading %s: %s", profiles_dir(), err.msg);
	return set;
}

static size_t parse_atr(const char *hex, unsigned char *out)
{
	size_t n = 0;

	while (*hex) {
		unsigned v;

		cr_assert_eq(sscanf(hex, "%2x", &v), 1);
		out[n++] = (unsigned char)v;
		hex += 2;
		while (*hex == ' ')
			hex++;
	}
	return n;
}

/* docs: cucm-domain.md, "ATRs (pcsc-tools' list)". */
static const struct {
	const char *atr, *profile, *label;
} known_atrs[] = {
	{"3B D5 18 00 81 31 3A 7D 80 73 C8 21 10 30", "etoken-pro-java",
	 "eToken PRO 72K / NG-Flash (also seen on 5110)"},
	{"3B D5 18 00 81 31 FE 7D 80 73 C8 21 10 F4", "etoken-pro-java",
	 "SafeNet eToken Java-based (5100)"},
	{"3B E2 00 FF C1 10 31 FE 55 C8 02 9C", "aladdin-etoken-pro-cardos",
	 "eToken PRO, CardOS M4.0"},
	{"3B F2 98 00 FF C1 10 31 FE 55 C8 03 15", "aladdin-etoken-pro-cardos",
	 "eToken PRO, CardOS M4.01 / M4.01a"},
	{"3B F2 98 00 FF C1 10 31 FE 55 C8 04 12", "aladdin-etoken-pro-cardos",
	 "eToken PRO, CardOS M4.01 / M4.01a"},
	{"3B F2 18 00 02 C1 0A 31 FE 58 C8 09 75", "aladdin-etoken-pro-cardos",
	 "eToken PRO, CardOS V4.2B"},
	{"3B F2 18 00 FF C1 0A 31 FE 55 C8 06 8A", "aladdin-etoken-pro-cardos",
	 "eToken PRO, CardOS M4.2"},
	{"3B FF 96 00 00 81 31 FE 43 80 31 80 65 B0 84 65 66 FB 12 01 78 82 90 00 85",
	 "etoken-5110", "eToken 5110+ FIPS"},
	{"3B FF 96 00 00 81 31 FE 43 80 31 80 65 B0 85 59 56 FB 12 0F FE 82 90 00 00",
	 "etoken-5110", "eToken 5110 SC"},
	{"3B FF 96 00 00 81 31 FE 43 80 31 80 65 B0 85 59 56 FB 12 01 78 82 90 00 88",
	 "etoken-5110", "eToken 5110 eSignature"},
	{"3B FF 96 00 00 81 31 FE 43 80 31 80 65 B0 84 56 51 10 12 01 78 82 90 00 6A",
	 "etoken-5300", "eToken 5300"},
};

Test(profiles, shipped_set_loads)
{
	ctl_profile_set *set = load_shipped();
	static const char *const ids[] = {
		"aladdin-etoken-pro-cardos", "etoken-5110", "etoken-5300", "etoken-7300",
		"etoken-fusion", "etoken-pro-java", "softhsm2",
	};

	cr_assert_eq(set->n, sizeof(ids) / sizeof(ids[0]));
	for (size_t i = 0; i < set->n; i++) {
		const ctl_profile *p = &set->v[i];

		cr_expect_str_eq(p->id, ids[i]);
		cr_expect(p->name && *p->name && p->middleware && p->n_key_sizes > 0);
		cr_expect(p->modules[CTL_OS_LINUX].n > 0, "%s: no linux module", p->id);
		cr_expect(p->models.n > 0 && p->manufacturers.n > 0);
		if (p->kind == CTL_KIND_USB_TOKEN) {
			/* The Cisco eToken PIN policy: 15 retries, the 16th locks. */
			cr_expect_eq(p->pin_retries, 15, "%s", p->id);
			cr_expect_eq(p->pin_locks_after, 16, "%s", p->id);
			cr_expect(p->pin_lock_permanent);
			cr_expect_str_eq(p->modules[CTL_OS_WINDOWS].v[0], "eTPKCS11.dll");
			cr_expect_str_eq(p->modules[CTL_OS_MACOS].v[0], "libeTPkcs11.dylib");
			cr_expect(p->n_usb_ids > 0, "%s has no USB id", p->id);
		}
	}
	ctl_profiles_free(set);
}

Test(profiles, every_known_atr_names_its_family)
{
	ctl_profile_set *set = load_shipped();

	for (size_t i = 0; i < sizeof(known_atrs) / sizeof(known_atrs[0]); i++) {
		unsigned char atr[CTL_ATR_MAX];
		size_t n = parse_atr(known_atrs[i].atr, atr);
		const ctl_atr_pattern *pat = NULL;
		const ctl_profile *p = ctl_profiles_match_atr(set, atr, n, &pat);
		size_t matches = 0;

		cr_assert_not_null(p, "no profile for %s", known_atrs[i].atr);
		cr_expect_str_eq(p->id, known_atrs[i].profile, "%s", known_atrs[i].atr);
		cr_assert_not_null(pat);
		cr_expect_str_eq(pat->label, known_atrs[i].label);
		/* Exactly one pattern in the whole set may match. */
		for (size_t a = 0; a < set->n; a++)
			for (size_t b = 0; b < set->v[a].n_atrs; b++)
				matches += ctl_atr_match(&set->v[a].atrs[b], atr, n);
		cr_expect_eq(matches, 1, "%s matches %zu patterns", known_atrs[i].atr, matches);
	}
	ctl_profiles_free(set);
}

Test(profiles, unknown_atrs_match_nothing)
{
	ctl_profile_set *set = load_shipped();
	unsigned char atr[CTL_ATR_MAX];
	size_t n;

	/* A JCOP card, a truncated eToken ATR, and a 5110 ATR with one
	 * compared byte changed. */
	n = parse_atr("3B 8A 80 01 4A 43 4F 50 33 31 56 32 33 32 7A", atr);
	cr_expect_null(ctl_profiles_match_atr(set, atr, n, NULL));
	n = parse_atr("3B D5 18 00 81 31 3A 7D 80 73 C8 21 10", atr);
	cr_expect_null(ctl_profiles_match_atr(set, atr, n, NULL));
	n = parse_atr("3B FF 96 00 00 81 31 FE 43 80 31 80 65 B0 84 65 66 FB 12 01 78 82 90 00 86", atr);
	cr_expect_null(ctl_profiles_match_atr(set, atr, n, NULL));
	cr_expect_null(ctl_profiles_match_atr(set, atr, 0, NULL));
	cr_expect_null(ctl_profiles_match_atr(NULL, atr, n, NULL));
	ctl_profiles_free(set);
}

Test(profiles, mask_semantics)
{
	ctl_atr_pattern pat = {.len = 3};
	unsigned char atr[3] = {0x3B, 0x12, 0xAB};

	memcpy(pat.bytes, "\x3B\x10\x00", 3);
	memcpy(pat.mask, "\xFF\xF0\x00", 3);
	cr_expect(ctl_atr_match(&pat, atr, 3));
	atr[1] = 0x22;
	cr_expect_not(ctl_atr_match(&pat, atr, 3));
	atr[1] = 0x1F;
	atr[2] = 0x00;
	cr_expect(ctl_atr_match(&pat, atr, 3));
	cr_expect_not(ctl_atr_match(&pat, atr, 2));
}

Test(profiles, usb_ids)
{
	ctl_profile_set *set = load_shipped();
	static const struct {
		uint16_t v, p;
		const char *id;
	} ids[] = {
		{0x0529, 0x0600, "aladdin-etoken-pro-cardos"},
		{0x0529, 0x0620, "etoken-pro-java"},
		{0x0529, 0x0602, "etoken-7300"},
		{0x08E6, 0x34CC, "etoken-5300"},
		{0x08E6, 0x34CE, "etoken-5300"},
		{0x08E6, 0x34CF, "etoken-5110"},
		{0x08E6, 0x34D2, "etoken-fusion"},
	};

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const ctl_profile *p = ctl_profiles_find_usb(set, ids[i].v, ids[i].p);

		cr_assert_not_null(p, "%04X:%04X", ids[i].v, ids[i].p);
		cr_expect_str_eq(p->id, ids[i].id);
	}
	cr_expect_null(ctl_profiles_find_usb(set, 0x0529, 0x0601));
	cr_expect_null(ctl_profiles_find_usb(set, 0x1050, 0x0407));
	ctl_profiles_free(set);
}

Test(profiles, pkcs11_strings)
{
	ctl_profile_set *set = load_shipped();
	const ctl_profile *fam[8], *p;
	char words[256];

	/* CK_TOKEN_INFO fields arrive space padded. */
	cr_assert_eq(ctl_profiles_families(set, "SoftHSM project                 ",
					   "SoftHSM v2      ", fam, 8), 1);
	cr_expect_str_eq(fam[0]->id, "softhsm2");
	cr_expect_eq(fam[0]->pin_retries, -1);
	cr_expect_eq(fam[0]->pin_locks_after, -1);
	cr_expect_str_eq(ctl_profile_pin_policy(fam[0], words, sizeof(words)),
			 "no wrong-PIN counter: the PIN never locks");
	cr_assert_eq(ctl_profiles_families(set, "softhsm PROJECT", "softhsm v2", fam, 8), 1);
	/* SafeNet's strings: every eToken family shows them, and they agree on
	 * the PIN policy. */
	size_t n = ctl_profiles_families(set, "SafeNet, Inc.", "eToken", fam, 8);
	cr_assert_geq(n, 4);
	for (size_t i = 0; i < n; i++) {
		cr_expect_eq(fam[i]->kind, CTL_KIND_USB_TOKEN);
		cr_expect_str_eq(ctl_profile_pin_policy(fam[i], words, sizeof(words)),
				 "15 wrong PINs tolerated, the 16th locks it; only the administrator "
				 "(SO) password set at initialisation unlocks it");
	}
	cr_expect_eq(ctl_profiles_families(set, "SafeNet, Inc.", "SoftHSM v2", fam, 8), 0);
	cr_expect_eq(ctl_profiles_families(set, "OpenSC Project", "PKCS#15", fam, 8), 0);
	cr_expect_eq(ctl_profiles_families(set, NULL, NULL, fam, 8), 0);
	cr_expect_eq(ctl_profiles_families(set, "SoftHSM", "SoftHSM v2", fam, 8), 0, "no prefix match");

	p = ctl_profiles_find_usb(set, 0x08E6, 0x34CF);
	cr_assert_not_null(p);
	cr_expect(ctl_profile_claims_pkcs11_string(p, "eToken"));
	cr_expect(ctl_profile_claims_pkcs11_string(p, "SafeNet, Inc.   "));
	cr_expect_not(ctl_profile_claims_pkcs11_string(p, "SoftHSM v2"));
	cr_expect_not(ctl_profile_claims_pkcs11_string(p, NULL));
	cr_expect(ctl_profile_signs_with(p, 4096));
	cr_expect_not(ctl_profile_signs_with(p, 1536));
	p = ctl_profiles_find_usb(set, 0x0529, 0x0602);
	cr_expect_not(ctl_profile_signs_with(p, 4096), "the 7300 signs up to 2048 bits");
	ctl_profiles_free(set);
}

Test(profiles, pin_policy_words)
{
	ctl_profile p = {.pin_retries = 3, .pin_locks_after = 4, .pin_lock_permanent = false};
	char w[256];

	cr_expect_str_eq(ctl_profile_pin_policy(&p, w, sizeof(w)),
			 "3 wrong PINs tolerated, the 4th locks it");
	p.pin_locks_after = -1;
	cr_expect_str_eq(ctl_profile_pin_policy(&p, w, sizeof(w)),
			 "3 wrong PINs counted; the PIN never locks");
	p.pin_retries = -1;
	p.pin_locks_after = 2;
	p.pin_lock_permanent = true;
	cr_expect_str_eq(ctl_profile_pin_policy(&p, w, sizeof(w)),
			 "the 2nd wrong PIN locks it; only the administrator (SO) password set at "
			 "initialisation unlocks it");
	p.pin_locks_after = 11;
	cr_expect(strstr(ctl_profile_pin_policy(&p, w, sizeof(w)), "the 11th"), "%s", w);
}

/* ---- strict parsing -------------------------------------------------- */

static const char base[] =
	"# test profile\n"                 /* 1 */
	"[profile]\n"                      /* 2 */
	"name = Test Token\n"              /* 3 */
	"vendor = Test\n"                  /* 4 */
	"kind = usb-token\n"               /* 5 */
	"connection = ccid\n"              /* 6 */
	"middleware = Test Client\n"       /* 7 */
	"usb_ids = 1234:ABCD\n"            /* 8 */
	"key_sizes = 1024 | 2048\n"        /* 9 */
	"\n"                               /* 10 */
	"[pin]\n"                          /* 11 */
	"retries = 15\n"                   /* 12 */
	"locks_after = 16\n"               /* 13 */
	"lock_permanent = yes\n"           /* 14 */
	"\n"                               /* 15 */
	"[modules]\n"                      /* 16 */
	"linux = libtest.so\n"             /* 17 */
	"\n"                               /* 18 */
	"[pkcs11]\n"                       /* 19 */
	"manufacturers = Test, Inc.\n"     /* 20 */
	"models = Test Model\n"            /* 21 */
	"\n"                               /* 22 */
	"[atr:one]\n"                      /* 23 */
	"label = Test ATR\n"               /* 24 */
	"bytes = 3B 01 02 00\n"            /* 25 */
	"mask = FF FF FF 00\n";            /* 26 */

/* base with the first `from' replaced by `to'. */
static char *mutate(const char *from, const char *to)
{
	const char *at = strstr(base, from);
	size_t a, n;
	char *r;

	cr_assert_not_null(at, "`%s' not in base", from);
	a = (size_t)(at - base);
	n = strlen(base) - strlen(from) + strlen(to);
	r = malloc(n + 1);
	cr_assert_not_null(r);
	memcpy(r, base, a);
	strcpy(r + a, to);
	strcat(r, at + strlen(from));
	return r;
}

static ctl_status parse_text(const char *text, size_t len, ctl_profile *p,
			     ctl_err *err)
{
	ctl_err_clear(err);
	return ctl_profile_parse("t.profile", "t", text, len, p, err);
}

Test(profiles, base_parses)
{
	ctl_profile p;
	ctl_err err;

	cr_assert_eq(parse_text(base, strlen(base), &p, &err), CTL_OK, "%s", err.msg);
	cr_expect_str_eq(p.id, "t");
	cr_expect_str_eq(p.name, "Test Token");
	cr_expect_eq(p.n_usb_ids, 1);
	cr_expect_eq(p.usb_ids[0].vendor, 0x1234);
	cr_expect_eq(p.usb_ids[0].product, 0xABCD);
	cr_expect_eq(p.n_key_sizes, 2);
	cr_expect_eq(p.key_sizes[1], 2048);
	cr_expect_str_eq(p.manufacturers.v[0], "Test, Inc.");
	cr_expect_eq(p.n_atrs, 1);
	cr_expect_eq(p.atrs[0].len, 4);
	cr_expect_eq(p.atrs[0].line, 23);
	cr_expect_eq(p.atrs[0].mask[3], 0x00);
	cr_expect_eq(p.modules[CTL_OS_WINDOWS].n, 0);
	ctl_profile_clear(&p);
}

Test(profiles, optional_mask_and_inline_comment)
{
	char *t = mutate("mask = FF FF FF 00\n", "");
	char *t2;
	ctl_profile p;
	ctl_err err;

	t2 = strdup(t);
	free(t);
	t = t2;
	/* `;' after a blank starts an inline comment (inih); CRLF is fine. */
	t2 = malloc(strlen(t) + 64);
	strcpy(t2, t);
	strcat(t2, "\n[atr:two]\r\nlabel = Two ; a comment\r\nbytes = 3B 02\r\n");
	cr_assert_eq(parse_text(t2, strlen(t2), &p, &err), CTL_OK, "%s", err.msg);
	cr_expect_eq(p.n_atrs, 2);
	cr_expect_eq(p.atrs[0].mask[3], 0xFF, "mask defaults to all FF");
	cr_expect_str_eq(p.atrs[1].label, "Two");
	cr_expect_eq(p.atrs[1].len, 2);
	ctl_profile_clear(&p);
	free(t);
	free(t2);
}

static const struct {
	const char *from, *to, *want;
} bad[] = {
	{"name = Test Token\n", "name = Test Token\nname = Again\n",
	 "t.profile:4: [profile] name: duplicate key (first at line 3)"},
	{"vendor = Test\n", "vendour = Test\n", "t.profile:4: [profile] vendour: unknown key"},
	{"[pin]\n", "[pins]\n", "t.profile:12: [pins] retries: unknown section"},
	{"# test profile\n", "name = x\n", "t.profile:1: name: key outside a [section]"},
	{"vendor = Test\n", "vendor =\n", "t.profile:4: [profile] vendor: empty value"},
	{"kind = usb-token\n", "kind = dongle\n",
	 "t.profile:5: [profile] kind: `dongle': expected `usb-token' or `software'"},
	{"connection = ccid\n", "connection = usb\n", "t.profile:6: [profile] connection: `usb'"},
	{"usb_ids = 1234:ABCD\n", "usb_ids = 1234-ABCD\n",
	 "t.profile:8: [profile] usb_ids: `1234-ABCD': expected VVVV:PPPP"},
	{"usb_ids = 1234:ABCD\n", "usb_ids = 1234:ABCG\n", "t.profile:8: [profile] usb_ids: `1234:ABCG'"},
	{"key_sizes = 1024 | 2048\n", "key_sizes = 1024 | big\n",
	 "t.profile:9: [profile] key_sizes: `big': expected an RSA modulus size"},
	{"key_sizes = 1024 | 2048\n", "key_sizes = 1024 | 02048\n", "t.profile:9: [profile] key_sizes: `02048'"},
	{"key_sizes = 1024 | 2048\n", "key_sizes = 1024 |\n",
	 "t.profile:9: [profile] key_sizes: empty item in `|' list"},
	{"retries = 15\n", "retries = lots\n",
	 "t.profile:12: [pin] retries: `lots': expected 1-255 or `none'"},
	{"locks_after = 16\n", "locks_after = none\n",
	 "t.profile:13: [pin] locks_after: `none': expected 1-255 or `never'"},
	{"lock_permanent = yes\n", "lock_permanent = true\n",
	 "t.profile:14: [pin] lock_permanent: `true': expected `yes' or `no'"},
	{"linux = libtest.so\n", "linux = libtest.so | | x.so\n",
	 "t.profile:17: [modules] linux: empty item"},
	{"linux = libtest.so\n", "solaris = libtest.so\n", "t.profile:17: [modules] solaris: unknown key"},
	{"name = Test Token\n", "", "t.profile:2: [profile] name: missing key"},
	{"linux = libtest.so\n", "", "t.profile:16: [modules] linux: missing key"},
	{"[pkcs11]\nmanufacturers = Test, Inc.\nmodels = Test Model\n", "",
	 "t.profile: [pkcs11] manufacturers: missing key"},
	{"label = Test ATR\n", "", "t.profile:23: [atr:one] label: missing key"},
	{"bytes = 3B 01 02 00\n", "", "t.profile:23: [atr:one] bytes: missing key"},
	{"bytes = 3B 01 02 00\n", "bytes = 3B 01 0G 00\n",
	 "t.profile:25: [atr:one] bytes: byte 3: expected two hex digits, got `0G'"},
	{"bytes = 3B 01 02 00\n", "bytes = 3B  01 02 00\n",
	 "t.profile:25: [atr:one] bytes: byte 1: bytes must be separated by one space"},
	{"bytes = 3B 01 02 00\n", "bytes = 3B0102 00\n", "t.profile:25: [atr:one] bytes: byte 1:"},
	{"bytes = 3B 01 02 00\n", "bytes = 3B 01 02 00 \n", NULL},  /* inih trims: fine */
	{"bytes = 3B 01 02 00\n",
	 "bytes = 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 13 14 15 16 17 18 19 1A 1B 1C 1D 1E 1F 20 21\n",
	 "t.profile:25: [atr:one] bytes: more than 33 bytes"},
	{"mask = FF FF FF 00\n", "mask = FF FF FF\n",
	 "t.profile:26: [atr:one] mask: 3 bytes, but `bytes' has 4"},
	{"bytes = 3B 01 02 00\n", "bytes = 3B 01 02 03\n",
	 "t.profile:26: [atr:one] mask: byte 4: bytes 03 has bits outside mask 00"},
	{"label = Test ATR\n", "label = Test ATR\nlabel = Again\n", "t.profile:25: [atr:one] label: duplicate key"},
	{"label = Test ATR\n", "lable = Test ATR\n", "t.profile:24: [atr:one] lable: unknown key"},
	{"[atr:one]\n", "[atr:One]\n", "t.profile:24: [atr:One]: ATR section names"},
	{"[atr:one]\n", "[atr:]\n", "t.profile:24: [atr:]: ATR section names"},
	{"kind = usb-token\n", "kind = software\n",
	 "t.profile:2: [profile] kind: a software token has no ATR and no USB id"},
	{"usb_ids = 1234:ABCD\n", "", NULL},  /* an ATR alone identifies it */
	{"vendor = Test\n", "vendor = Test\n  continued\n",
	 "t.profile:5: indented line (continuation lines are not allowed)"},
	{"vendor = Test\n", "vendor = Test\n   \n", NULL},  /* blank line with spaces */
	{"[pin]\n", "[pin]\nretries 15\n",
	 "t.profile:12: expected `key = value', `[section]' or a comment, not `retries 15'"},
	{"[pin]\n", "[pin\n", "t.profile:11: section header `[pin' does not end with `]'"},
	/* The first problem wins, whether inih or our handler saw it. */
	{"vendor = Test\nkind", "vendour = Test\nkind",
	 "t.profile:4: [profile] vendour: unknown key"},
	{"name = Test Token\nvendor = Test\n", "name = Test Token\noops\nvendour = Test\n",
	 "t.profile:4: expected `key = value'"},
	{"vendor = Test\nkind", "vendor = Test\nkind = x\nbogus\nkind", "t.profile:5: [profile] kind: `x'"},
};

Test(profiles, malformed_inputs_name_file_line_key)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *t = mutate(bad[i].from, bad[i].to);
		ctl_profile p;
		ctl_err err;
		ctl_status st = parse_text(t, strlen(t), &p, &err);

		if (!bad[i].want) {
			cr_expect_eq(st, CTL_OK, "case %zu: %s", i, err.msg);
			ctl_profile_clear(&p);
		} else {
			cr_expect_eq(st, CTL_E_MALFORMED, "case %zu accepted", i);
			cr_expect(strstr(err.msg, bad[i].want) != NULL,
				  "case %zu: got `%s', want `%s'", i, err.msg, bad[i].want);
			cr_expect_null(p.name, "case %zu: output not left empty", i);
		}
		free(t);
	}
}

Test(profiles, long_line_and_nul_byte)
{
	char line[300], *t;
	ctl_profile p;
	ctl_err err;
	size_t n;

	memset(line, 'x', sizeof(line));
	memcpy(line, "notes = ", 8);
	strcpy(line + 200, "\n");
	t = mutate("vendor = Test\n", line);
	cr_expect_eq(parse_text(t, strlen(t), &p, &err), CTL_E_MALFORMED);
	cr_expect(strstr(err.msg, "t.profile:4: line is 200 characters long; at most 190 fit") != NULL,
		  "%s", err.msg);
	free(t);

	/* An earlier syntax error still comes first. */
	{
		char *t0 = mutate("[pin]\n", "[pin\n");

		t = malloc(strlen(t0) + sizeof(line) + 1);
		strcpy(t, t0);
		strcat(t, "\n");
		strcat(t, line);
		free(t0);
	}
	cr_expect_eq(parse_text(t, strlen(t), &p, &err), CTL_E_MALFORMED);
	cr_expect(strstr(err.msg, "t.profile:11: section header") != NULL, "%s", err.msg);
	free(t);

	t = strdup(base);
	n = strlen(t);
	t[strstr(t, "Test Client") - t] = '\0';
	cr_expect_eq(parse_text(t, n, &p, &err), CTL_E_MALFORMED);
	cr_expect(strstr(err.msg, "t.profile:7: NUL byte") != NULL, "%s", err.msg);
	free(t);
}

Test(profiles, software_profile)
{
	static const char text[] =
		"[profile]\nname = Soft\nvendor = V\nkind = software\nconnection = none\n"
		"middleware = M\nkey_sizes = 2048\n"
		"[pin]\nretries = none\nlocks_after = never\nlock_permanent = no\n"
		"[modules]\nlinux = libsoft.so\n[pkcs11]\nmanufacturers = V\nmodels = Soft\n";
	ctl_profile p;
	ctl_err err;

	cr_assert_eq(parse_text(text, strlen(text), &p, &err), CTL_OK, "%s", err.msg);
	cr_expect_eq(p.kind, CTL_KIND_SOFTWARE);
	cr_expect_eq(p.pin_retries, -1);
	cr_expect_eq(p.pin_locks_after, -1);
	cr_expect_not(p.pin_lock_permanent);
	ctl_profile_clear(&p);
}

/* ---- directories ----------------------------------------------------- */

static char tmpdir[64];

static void mkdir_tmp(void)
{
	strcpy(tmpdir, "/tmp/ctlsign-prof.XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void rm_tmp(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	cr_expect_eq(system(cmd), 0);
}

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

TestSuite(profile_dirs, .init = mkdir_tmp, .fini = rm_tmp);

Test(profile_dirs, empty_and_missing)
{
	ctl_profile_set *set = (void *)1;
	ctl_err err;

	ctl_err_clear(&err);
	write_file("README", "not a profile\n");
	write_file(".hidden.profile", "junk\n");
	cr_expect_eq(ctl_profiles_load_dir(tmpdir, &set, &err), CTL_E_IO);
	cr_expect_null(set);
	cr_expect(strstr(err.msg, "holds no *.profile file") != NULL, "%s", err.msg);
	cr_expect_eq(ctl_profiles_load_dir("/nonexistent/ctlsign", &set, &err), CTL_E_IO);
	cr_expect(strstr(err.msg, "`/nonexistent/ctlsign'") != NULL, "%s", err.msg);
}

Test(profile_dirs, loads_sorted_and_ignores_other_files)
{
	ctl_profile_set *set = NULL;
	char *b = mutate("usb_ids = 1234:ABCD\n", "usb_ids = 1234:0002\n");
	char *b2 = mutate("bytes = 3B 01 02 00\n", "bytes = 3B 09 02 00\n");
	ctl_err err;

	ctl_err_clear(&err);
	write_file("b.profile", b);
	write_file("a.profile", b2);
	write_file("a.profile~", "junk");
	cr_assert_eq(ctl_profiles_load_dir(tmpdir, &set, &err), CTL_OK, "%s", err.msg);
	cr_expect_eq(set->n, 2);
	cr_expect_str_eq(set->v[0].id, "a");
	cr_expect_str_eq(set->v[1].id, "b");
	ctl_profiles_free(set);
	free(b);
	free(b2);
}

Test(profile_dirs, bad_file_is_named)
{
	ctl_profile_set *set = NULL;
	char *b = mutate("retries = 15\n", "retries = 0\n");
	char want[160];
	ctl_err err;

	ctl_err_clear(&err);
	write_file("x.profile", b);
	cr_expect_eq(ctl_profiles_load_dir(tmpdir, &set, &err), CTL_E_MALFORMED);
	cr_expect_null(set);
	snprintf(want, sizeof(want), "%s/x.profile:12: [pin] retries: `0'", tmpdir);
	cr_expect(strstr(err.msg, want) != NULL, "%s", err.msg);
	free(b);
}

Test(profile_dirs, overlapping_atrs_rejected)
{
	ctl_profile_set *set = NULL;
	/* a's pattern 3B 01 02 xx (masked) covers b's exact 3B 01 02 07. */
	char *a = strdup(base);
	char *b = mutate("bytes = 3B 01 02 00\nmask = FF FF FF 00\n", "bytes = 3B 01 02 07\n");
	char *b2 = mutate("usb_ids = 1234:ABCD\n", "usb_ids = 1234:0002\n");
	char *b3;
	ctl_err err;

	ctl_err_clear(&err);
	write_file("a.profile", a);
	b3 = strdup(b);
	free(b);
	b = b3;
	/* give b its own USB id so only the ATR clashes */
	b3 = strstr(b, "1234:ABCD");
	memcpy(b3, "1234:0003", 9);
	write_file("b.profile", b);
	cr_expect_eq(ctl_profiles_load_dir(tmpdir, &set, &err), CTL_E_MALFORMED);
	cr_expect_null(set);
	cr_expect(strstr(err.msg, "b.profile:23: [atr:one] can match the same ATR as [atr:one] in ") != NULL,
		  "%s", err.msg);
	cr_expect(strstr(err.msg, "a.profile:23") != NULL, "%s", err.msg);

	/* Same ATR pattern length but a differing compared byte: fine, but the
	 * USB id is claimed twice. */
	b3 = mutate("bytes = 3B 01 02 00\n", "bytes = 3B 01 03 00\n");
	write_file("b.profile", b3);
	cr_expect_eq(ctl_profiles_load_dir(tmpdir, &set, &err), CTL_E_MALFORMED);
	cr_expect(strstr(err.msg, "b.profile: [profile] usb_ids: 1234:ABCD is also claimed by ") != NULL,
		  "%s", err.msg);

	write_file("b.profile", b2);
	cr_expect_eq(ctl_profiles_load_dir(tmpdir, &set, &err), CTL_E_MALFORMED,
		     "b2 has the same ATR as a");
	free(a);
	free(b);
	free(b2);
	free(b3);
}

Test(profile_dirs, default_dir_from_env)
{
	char buf[256];
	ctl_err err;

	ctl_err_clear(&err);
	setenv(CTL_PROFILES_ENV, tmpdir, 1);
	cr_assert_eq(ctl_profiles_default_dir(buf, sizeof(buf), &err), CTL_OK);
	cr_expect_str_eq(buf, tmpdir);
	cr_expect_eq(ctl_profiles_default_dir(buf, 4, &err), CTL_E_USAGE);
	unsetenv(CTL_PROFILES_ENV);
}

Test(profiles, atr_format)
{
	unsigned char atr[] = {0x3B, 0xD5, 0x0A};
	char buf[3 * CTL_ATR_MAX];

	cr_expect_str_eq(ctl_atr_format(atr, 3, buf, sizeof(buf)), "3B D5 0A");
	cr_expect_str_eq(ctl_atr_format(atr, 0, buf, sizeof(buf)), "");
	cr_expect_str_eq(ctl_atr_format(atr, 3, buf, 6), "3B D5", "truncates at a byte boundary");
}
