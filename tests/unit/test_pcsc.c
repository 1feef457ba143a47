/* PC/SC enumeration without hardware: the no-service state (a private,
 * non-existent socket path, so a pcscd another test runs does not matter),
 * and the "PC/SC readers" section rendered from synthetic scans: eToken
 * with and without its PKCS#11 module, unknown card, empty and mute readers,
 * JSON. Tokens found by USB id in a made-up sysfs folder. The live path
 * (pcscd + vpcd + virtual card) is tests/e2e/pcsc.sh. */
#include <criterion/criterion.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pcsc.h"
#include "profiles.h"
#include "tokens_pcsc.h"
#include "usb.h"

/* pcsc-lite's client reads PCSCLITE_CSOCK_NAME once per process; Criterion
 * runs each test in a fresh process, so setting it first is enough. */
static void no_pcscd(void)
{
	cr_assert_eq(setenv("PCSCLITE_CSOCK_NAME", "/nonexistent/ctlsign-test/pcscd.comm", 1), 0);
}

static ctl_profile_set *profiles(void)
{
	const char *d = getenv(CTL_PROFILES_ENV);
	ctl_profile_set *set = NULL;
	ctl_err err;

	ctl_err_clear(&err);
	cr_assert_eq(ctl_profiles_load_dir(d && *d ? d : "token-profiles", &set, &err), CTL_OK,
		     "%s", err.msg);
	return set;
}

Test(pcsc, no_service_is_a_state_not_an_error, .init = no_pcscd)
{
	ctl_pcsc_listing scan;
	ctl_err err;

	ctl_err_clear(&err);
	cr_assert_eq(ctl_pcsc_scan(NULL, &scan, &err), CTL_OK, "%s", err.msg);
	cr_expect_eq(scan.state, CTL_PCSC_NO_SERVICE);
	cr_expect_eq((unsigned long)scan.rv, 0x8010001DUL);  /* SCARD_E_NO_SERVICE */
	cr_expect_eq(scan.n_readers, 0);
	ctl_pcsc_scan_free(&scan);
}

Test(pcsc, section_without_service, .init = no_pcscd)
{
	char *text = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&text, &n);
	struct json_object *root = json_object_new_object(), *pcsc, *v;

	cr_assert_not_null(out);
	cr_expect_eq(tokens_pcsc_section(out, NULL, false, NULL, 0), 0);
	fclose(out);
	cr_expect_str_eq(text, "PC/SC: no PC/SC service running (pcscd not started)\n");
	free(text);

	cr_expect_eq(tokens_pcsc_section(stdout, root, true, NULL, 0), 0);
	cr_assert(json_object_object_get_ex(root, "pcsc", &pcsc));
	cr_assert(json_object_object_get_ex(pcsc, "state", &v));
	cr_expect_str_eq(json_object_get_string(v), "no-service");
	cr_assert(json_object_object_get_ex(pcsc, "service_running", &v));
	cr_expect_not(json_object_get_boolean(v));
	cr_assert(json_object_object_get_ex(pcsc, "readers", &v));
	cr_expect_eq(json_object_array_length(v), 0);
	json_object_put(root);
}

/* ---- rendering synthetic scans ---------------------------------------- */

static const unsigned char atr_5110[] = {
	0x3B, 0xFF, 0x96, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x43, 0x80, 0x31, 0x80, 0x65,
	0xB0, 0x84, 0x65, 0x66, 0xFB, 0x12, 0x01, 0x78, 0x82, 0x90, 0x00, 0x85,
};
static const unsigned char atr_jcop[] = {
	0x3B, 0x8A, 0x80, 0x01, 0x4A, 0x43, 0x4F, 0x50, 0x33, 0x31, 0x56, 0x32, 0x33,
	0x32, 0x7A,
};

static ctl_profile_set *set;
static ctl_pcsc_reader readers[4];
static ctl_pcsc_listing scan = {.state = CTL_PCSC_OK, .readers = readers, .n_readers = 4};

static void card(ctl_pcsc_reader *r, const char *name, const unsigned char *atr,
		 size_t len)
{
	memset(r, 0, sizeof(*r));
	r->name = (char *)name;
	r->card = atr ? CTL_CARD_PRESENT : CTL_CARD_ABSENT;
	if (atr) {
		memcpy(r->atr, atr, len);
		r->atr_len = len;
		r->profile = ctl_profiles_match_atr(set, atr, len, &r->pattern);
	}
}

static void setup(void)
{
	set = profiles();
	card(&readers[0], "Virtual PCD 00 00", atr_5110, sizeof(atr_5110));
	card(&readers[1], "Virtual PCD 00 01", atr_jcop, sizeof(atr_jcop));
	card(&readers[2], "Empty Reader 00 00", NULL, 0);
	card(&readers[3], "Mute Reader 00 00", NULL, 0);
	readers[3].card = CTL_CARD_MUTE;
}

static void teardown(void)
{
	ctl_profiles_free(set);
}

static char *render(const char *const *models, size_t n_models)
{
	char *text = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&text, &n);

	cr_assert_not_null(out);
	tokens_found f = {.scan = &scan, .profiles = set};

	cr_expect_eq(tokens_pcsc_render(out, NULL, false, &f, models, n_models), 0);
	fclose(out);
	return text;
}

TestSuite(pcsc_render, .init = setup, .fini = teardown);

Test(pcsc_render, etoken_without_middleware_gets_hint)
{
	static const char *const models[] = {"SoftHSM v2", "SoftHSM project"};
	char *t = render(models, 2);

	cr_expect(strstr(t, "PC/SC readers:\n  Virtual PCD 00 00\n    card:     present\n") != NULL, "%s", t);
	cr_expect(strstr(t, "    ATR:      3B FF 96 00 00 81 31 FE 43 80 31 80 65 B0 84 65 66 FB 12 01 78 82 90 00 85\n") != NULL, "%s", t);
	cr_expect(strstr(t, "    token:    SafeNet eToken 5110 / 5110+ FIPS (eToken 5110+ FIPS)\n") != NULL, "%s", t);
	cr_expect(strstr(t, "    hint:     no PKCS#11 module shows this token: install "
			    "SafeNet Authentication Client (libIDPrimePKCS11.so or libeTPkcs11.so)\n") != NULL,
		  "%s", t);
	cr_expect(strstr(t, "  Virtual PCD 00 01\n    card:     present\n    ATR:      3B 8A 80 01") != NULL, "%s", t);
	cr_expect(strstr(t, "    token:    unknown card\n") != NULL, "%s", t);
	cr_expect(strstr(t, "  Empty Reader 00 00\n    card:     none\n") != NULL, "%s", t);
	cr_expect(strstr(t, "  Mute Reader 00 00\n    card:     present but mute") != NULL, "%s", t);
	/* Only the eToken gets a hint. */
	cr_expect_null(strstr(strstr(t, "hint:") + 1, "hint:"), "%s", t);
	free(t);
}

Test(pcsc_render, etoken_with_its_module_has_no_hint)
{
	/* What SafeNet Authentication Client reports, space padded. */
	static const char *const models[] = {"eToken          ", "SafeNet, Inc.                   "};
	char *t = render(models, 2);

	cr_expect(strstr(t, "token:    SafeNet eToken 5110") != NULL, "%s", t);
	cr_expect_null(strstr(t, "hint:"), "%s", t);
	free(t);
}

Test(pcsc_render, no_profiles_still_lists_readers)
{
	char *text = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&text, &n);

	readers[0].profile = NULL;
	readers[0].pattern = NULL;
	tokens_found f = {.scan = &scan};

	cr_expect_eq(tokens_pcsc_render(out, NULL, false, &f, NULL, 0), 0);
	fclose(out);
	cr_expect(strstr(text, "token:    not identified (no token profiles loaded)") != NULL, "%s", text);
	cr_expect_null(strstr(text, "hint:"));
	free(text);
}

Test(pcsc_render, no_readers)
{
	ctl_pcsc_listing none = {.state = CTL_PCSC_NO_READERS};
	char *text = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&text, &n);

	tokens_found f = {.scan = &none, .profiles = set};

	cr_expect_eq(tokens_pcsc_render(out, NULL, false, &f, NULL, 0), 0);
	fclose(out);
	cr_expect_str_eq(text, "PC/SC: no smart card readers found\n");
	free(text);
}

Test(pcsc_render, json)
{
	struct json_object *root = json_object_new_object(), *pcsc, *arr, *r, *v;
	tokens_found f = {.scan = &scan, .profiles = set};

	cr_assert_eq(tokens_pcsc_render(NULL, root, true, &f, NULL, 0), 0);
	cr_assert(json_object_object_get_ex(root, "pcsc", &pcsc));
	cr_assert(json_object_object_get_ex(pcsc, "state", &v));
	cr_expect_str_eq(json_object_get_string(v), "ok");
	cr_assert(json_object_object_get_ex(pcsc, "readers", &arr));
	cr_assert_eq(json_object_array_length(arr), 4);

	r = json_object_array_get_idx(arr, 0);
	cr_assert(json_object_object_get_ex(r, "name", &v));
	cr_expect_str_eq(json_object_get_string(v), "Virtual PCD 00 00");
	cr_assert(json_object_object_get_ex(r, "card_present", &v));
	cr_expect(json_object_get_boolean(v));
	cr_assert(json_object_object_get_ex(r, "atr", &v));
	cr_expect_str_eq(json_object_get_string(v),
			 "3B FF 96 00 00 81 31 FE 43 80 31 80 65 B0 84 65 66 FB 12 01 78 82 90 00 85");
	cr_assert(json_object_object_get_ex(r, "profile", &v));
	cr_expect_str_eq(json_object_get_string(v), "SafeNet eToken 5110 / 5110+ FIPS");
	cr_assert(json_object_object_get_ex(r, "profile_id", &v));
	cr_expect_str_eq(json_object_get_string(v), "etoken-5110");
	cr_assert(json_object_object_get_ex(r, "pkcs11_visible", &v));
	cr_expect_not(json_object_get_boolean(v));
	cr_assert(json_object_object_get_ex(r, "modules", &v));
	cr_expect_str_eq(json_object_get_string(json_object_array_get_idx(v, 0)), "libIDPrimePKCS11.so");
	cr_assert(json_object_object_get_ex(r, "hint", &v));
	cr_expect(strstr(json_object_get_string(v), "SafeNet Authentication Client") != NULL);
	cr_assert(json_object_object_get_ex(r, "vendor", &v));
	cr_expect_str_eq(json_object_get_string(v), "SafeNet (Thales)");
	cr_assert(json_object_object_get_ex(r, "connection", &v));
	cr_expect_str_eq(json_object_get_string(v), "ccid");
	cr_assert(json_object_object_get_ex(r, "notes", &v));
	cr_expect(strstr(json_object_get_string(v), "FIPS mode") != NULL);

	r = json_object_array_get_idx(arr, 1);
	cr_assert(json_object_object_get_ex(r, "identified", &v));
	cr_expect_str_eq(json_object_get_string(v), "unknown card");
	cr_assert(json_object_object_get_ex(r, "profile", &v));
	cr_expect_null(v);
	cr_assert(json_object_object_get_ex(r, "hint", &v));
	cr_expect_null(v);

	r = json_object_array_get_idx(arr, 2);
	cr_assert(json_object_object_get_ex(r, "card", &v));
	cr_expect_str_eq(json_object_get_string(v), "absent");
	cr_assert(json_object_object_get_ex(r, "atr", &v));
	cr_expect_null(v);
	json_object_put(root);
}

Test(pcsc_render, family_visible)
{
	static const char *const softhsm[] = {"SoftHSM v2"};
	static const char *const idprime[] = {"SoftHSM v2", "IDPrime MD"};
	const ctl_profile *p = readers[0].profile;

	cr_assert_not_null(p);
	cr_expect_not(ctl_pcsc_family_visible(p, NULL, 0));
	cr_expect_not(ctl_pcsc_family_visible(p, softhsm, 1));
	cr_expect(ctl_pcsc_family_visible(p, idprime, 2));
	cr_expect_not(ctl_pcsc_family_visible(NULL, idprime, 2));
}

/* ---- tokens by USB id ----------------------------------------------------- */

static char sysfs[64];

static void device(const char *name, const char *vendor, const char *product)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", sysfs, name);
	cr_assert_eq(mkdir(path, 0755), 0, "%s", path);
	if (!vendor)
		return;
	snprintf(path, sizeof(path), "%s/%s/idVendor", sysfs, name);
	cr_assert_not_null(f = fopen(path, "w"));
	fprintf(f, "%s\n", vendor);
	fclose(f);
	snprintf(path, sizeof(path), "%s/%s/idProduct", sysfs, name);
	cr_assert_not_null(f = fopen(path, "w"));
	fprintf(f, "%s\n", product);
	fclose(f);
}

static void usb_setup(void)
{
	setup();
	snprintf(sysfs, sizeof(sysfs), "/tmp/ctlsign-usb-test.XXXXXX");
	cr_assert(mkdtemp(sysfs));
	device("1-2", "0529", "0602");      /* eToken 7300: no ATR known */
	device("1-3", "08e6", "34cf");      /* eToken 5110: also in reader 0 */
	device("2-1", "0529", "0600");      /* eToken PRO (CardOS): vendor driver */
	device("1-4", "1d6b", "0002");      /* a hub: no token */
	device("1-2:1.0", "0529", "0602");  /* an interface, not a device */
	device("usb1", NULL, NULL);         /* no id files */
}

static void usb_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sysfs);
	cr_assert_eq(system(cmd), 0);
	teardown();
}

TestSuite(usb, .init = usb_setup, .fini = usb_teardown);

Test(usb, known_families_by_id_sorted)
{
	ctl_usb_token *u = NULL;
	size_t n = 0;
	ctl_err err;

	cr_assert_eq(ctl_usb_scan(sysfs, set, &u, &n, &err), CTL_OK);
	cr_assert_eq(n, 3);
	cr_expect_str_eq(u[0].device, "1-2");
	cr_expect_str_eq(u[0].profile->id, "etoken-7300");
	cr_expect_str_eq(u[1].device, "1-3");
	cr_expect_eq(u[1].vendor, 0x08E6);
	cr_expect_eq(u[1].product, 0x34CF);
	cr_expect_str_eq(u[2].device, "2-1");
	cr_expect_str_eq(u[2].profile->id, "aladdin-etoken-pro-cardos");
	free(u);
	/* No sysfs, no profiles: nothing found, no error. */
	cr_assert_eq(ctl_usb_scan("/nonexistent/sysfs", set, &u, &n, &err), CTL_OK);
	cr_expect_eq(n, 0);
	cr_assert_eq(ctl_usb_scan(sysfs, NULL, &u, &n, &err), CTL_OK);
	cr_expect_eq(n, 0);
}

Test(usb, shown_with_hints)
{
	static const char *const models[] = {"SoftHSM v2"};
	ctl_usb_token *u = NULL;
	tokens_found f = {.scan = &scan, .profiles = set};
	char *text = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&text, &n);
	struct json_object *root = json_object_new_object(), *arr, *v;
	ctl_err err;

	cr_assert_eq(ctl_usb_scan(sysfs, set, &u, &f.nusb, &err), CTL_OK);
	f.usb = u;
	cr_assert_eq(tokens_pcsc_render(out, NULL, false, &f, models, 1), 0);
	fclose(out);
	cr_expect(strstr(text, "USB tokens (by USB id):\n  1-2: SafeNet eToken 7300 (0529:0602)\n"
			       "    hint:     no PKCS#11 module shows this token: install SafeNet "
			       "Authentication Client") != NULL, "%s", text);
	cr_expect(strstr(text, "  1-3: SafeNet eToken 5110 / 5110+ FIPS (08E6:34CF), in a PC/SC "
			       "reader above\n    notes:    FIPS mode") != NULL, "%s", text);
	cr_expect(strstr(text, "  2-1: Aladdin eToken PRO 32K/64K (CardOS) (0529:0600)\n") != NULL,
		  "%s", text);
	cr_expect(strstr(text, "no PC/SC reader without the vendor's reader driver") != NULL, "%s",
		  text);
	free(text);

	cr_assert_eq(tokens_pcsc_render(NULL, root, true, &f, models, 1), 0);
	cr_assert(json_object_object_get_ex(root, "usb", &arr));
	cr_assert_eq(json_object_array_length(arr), 3);
	cr_assert(json_object_object_get_ex(json_object_array_get_idx(arr, 0), "usb_id", &v));
	cr_expect_str_eq(json_object_get_string(v), "0529:0602");
	cr_assert(json_object_object_get_ex(json_object_array_get_idx(arr, 1), "in_a_reader", &v));
	cr_expect(json_object_get_boolean(v));
	cr_assert(json_object_object_get_ex(json_object_array_get_idx(arr, 2), "connection", &v));
	cr_expect_str_eq(json_object_get_string(v), "vendor-driver");
	json_object_put(root);
	free(u);
}
