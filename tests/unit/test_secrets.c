/* Secrets are wiped on every path: after use, and when reading them fails. */
#include <criterion/criterion.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "build.h"
#include "signer_pem.h"
#include "pin.h"

#define SECRET "S3cret-0123456789"

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		if (c[i])
			return false;
	return true;
}

static bool holds(const void *p, size_t n, const char *s)
{
	return memmem(p, n, s, strlen(s)) != NULL;
}

static char *secret_file(const char *content)
{
	static char path[] = "/tmp/ctlsign-secret-XXXXXX";
	int fd;

	strcpy(path, "/tmp/ctlsign-secret-XXXXXX");
	fd = mkstemp(path);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
	return path;
}

Test(secrets, pin_wiped_after_use)
{
	ctl_pin p;
	ctl_err err;
	char warn[256];
	char *path = secret_file(SECRET "\n");

	ctl_pin_init(&p);
	cr_assert_eq(ctl_pin_from_source(&p, path, warn, sizeof(warn), &err), CTL_OK, "%s", err.msg);
	cr_assert(holds(p.buf, p.len, SECRET), "the PIN was read");
	ctl_pin_wipe(&p);
	cr_assert(all_zero(&p, sizeof(p)), "the whole PIN structure is zero after wipe");
	unlink(path);
}

Test(secrets, pin_wiped_when_too_long)
{
	ctl_pin p;
	ctl_err err;
	char warn[256];
	char big[CTL_PIN_MAX + 40];
	char *path;

	memset(big, 'Q', sizeof(big) - 2);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	path = secret_file(big);
	ctl_pin_init(&p);
	cr_assert_neq(ctl_pin_from_source(&p, path, warn, sizeof(warn), &err), CTL_OK);
	cr_assert(!holds(p.buf, sizeof(p.buf), "QQQQ"), "no part of a refused PIN is left in the buffer");
	ctl_pin_wipe(&p);
	unlink(path);
}

Test(secrets, pin_wiped_when_env_too_long)
{
	ctl_pin p;
	ctl_err err;
	char big[CTL_PIN_MAX + 40];

	memset(big, 'Z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	setenv("CTLSIGN_TEST_BIG_PIN", big, 1);
	ctl_pin_init(&p);
	cr_assert_neq(ctl_pin_from_env(&p, "CTLSIGN_TEST_BIG_PIN", &err), CTL_OK);
	cr_assert(!holds(p.buf, sizeof(p.buf), "ZZZZ"), "no part of a refused PIN is left in the buffer");
	cr_assert(!strstr(err.msg, "ZZZZ"), "the error does not quote the PIN");
	ctl_pin_wipe(&p);
}

static ctl_status fake_prompt(void *ctx, const char *prompt, bool echo, char *buf, size_t bufsz,
			      ctl_err *err)
{
	(void)ctx;
	(void)prompt;
	(void)echo;
	(void)err;
	snprintf(buf, bufsz, "%s", SECRET);
	return CTL_OK;
}

Test(secrets, prompted_pin_wiped_after_use)
{
	ctl_pin p;
	ctl_err err;

	ctl_pin_init(&p);
	cr_assert_eq(ctl_pin_from_prompt(&p, fake_prompt, NULL, "PIN: ", &err), CTL_OK, "%s", err.msg);
	cr_assert(holds(p.buf, p.len, SECRET));
	ctl_pin_wipe(&p);
	cr_assert(all_zero(&p, sizeof(p)));
}

/* From the first secret until exit: copies may linger where no wipe reaches
 * (stdio buffers, the module's memory), so dumpable is never turned back on. */
Test(secrets, process_stays_undumpable_after_a_pin_is_wiped)
{
	ctl_pin p;

	cr_assert_eq(prctl(PR_GET_DUMPABLE), 1, "test processes start dumpable");
	ctl_pin_init(&p);
	cr_assert_eq(prctl(PR_GET_DUMPABLE), 0, "no core file while a PIN is in memory");
	ctl_pin_wipe(&p);
	cr_assert_eq(prctl(PR_GET_DUMPABLE), 0, "dumpable turned back on after the wipe");
	ctl_pin_init(&p);
	ctl_pin_wipe(&p);
	cr_assert_eq(prctl(PR_GET_DUMPABLE), 0);
}

Test(secrets, process_stays_undumpable_after_a_key_file)
{
	ctl_signer *s = NULL;
	ctl_warnings w = {0};
	ctl_err err;

	cr_assert_eq(prctl(PR_GET_DUMPABLE), 1);
	ctl_err_clear(&err);
	cr_assert_neq(ctl_pem_signer_open("/nonexistent/signer.key", NULL, NULL, &s, &w, &err),
		      CTL_OK);
	cr_assert_eq(prctl(PR_GET_DUMPABLE), 0, "a failed key load turned dumpable back on");
	ctl_warnings_free(&w);
}

/* An environment PIN leaves the environment the moment it is read: the
 * variable is removed and its bytes wiped where they were (for the initial
 * environment that is what /proc/PID/environ shows). */
Test(secrets, env_pin_removed_and_wiped_in_place)
{
	static char entry[] = "CTLSIGN_TEST_ENV_PIN=" SECRET;
	char *value = entry + strlen("CTLSIGN_TEST_ENV_PIN=");
	ctl_pin p;
	ctl_err err;

	cr_assert_eq(putenv(entry), 0);
	ctl_pin_init(&p);
	cr_assert_eq(ctl_pin_from_env(&p, "CTLSIGN_TEST_ENV_PIN", &err), CTL_OK, "%s", err.msg);
	cr_assert(holds(p.buf, p.len, SECRET), "the PIN was read");
	cr_assert_null(getenv("CTLSIGN_TEST_ENV_PIN"), "the variable is still set");
	cr_assert(all_zero(value, strlen(SECRET)), "the value was not wiped in place");
	ctl_pin_wipe(&p);
}

Test(secrets, env_pin_removed_and_wiped_when_refused)
{
	static char entry[] = "CTLSIGN_TEST_ENV_PIN=" SECRET "\n\n";
	char *value = entry + strlen("CTLSIGN_TEST_ENV_PIN=");
	size_t n = strlen(value);
	ctl_pin p;
	ctl_err err;

	cr_assert_eq(putenv(entry), 0);
	ctl_pin_init(&p);
	cr_assert_neq(ctl_pin_from_env(&p, "CTLSIGN_TEST_ENV_PIN", &err), CTL_OK);
	cr_assert_null(getenv("CTLSIGN_TEST_ENV_PIN"));
	cr_assert(all_zero(value, n), "a refused value was not wiped");
	ctl_pin_wipe(&p);
}

/* ---- Passphrases: called what they are, asked once --------------------- */

static ctl_status empty_prompt(void *ctx, const char *prompt, bool echo, char *buf, size_t bufsz,
			       ctl_err *err)
{
	(void)ctx;
	(void)prompt;
	(void)echo;
	(void)err;
	snprintf(buf, bufsz, "%s", "");
	return CTL_OK;
}

Test(secrets, passphrase_messages_say_passphrase)
{
	ctl_pin p;
	ctl_err err;
	char warn[256];
	char *path = secret_file("");

	ctl_pin_init_as(&p, CTL_SECRET_PASSPHRASE);
	cr_assert_eq(ctl_pin_from_prompt(&p, empty_prompt, NULL, "Passphrase: ", &err),
		     CTL_E_INTERRUPTED);
	cr_assert(strstr(err.msg, "no passphrase entered"), "%s", err.msg);
	cr_assert_null(strstr(err.msg, "PIN"), "%s", err.msg);
	cr_assert_eq(ctl_pin_from_source(&p, path, warn, sizeof(warn), &err), CTL_E_TOKEN);
	cr_assert(strstr(err.msg, "passphrase from `"), "%s", err.msg);
	cr_assert(strstr(err.msg, path), "the file is not named: %s", err.msg);
	cr_assert_eq(ctl_pin_from_source(&p, "file:/nonexistent/pass", warn, sizeof(warn), &err),
		     CTL_E_IO);
	cr_assert(strstr(err.msg, "passphrase file `/nonexistent/pass'"), "%s", err.msg);
	ctl_pin_wipe(&p);
	unlink(path);

	ctl_pin_init(&p);
	cr_assert_eq(ctl_pin_from_prompt(&p, empty_prompt, NULL, "PIN: ", &err), CTL_E_INTERRUPTED);
	cr_assert(strstr(err.msg, "no PIN entered"), "%s", err.msg);
	ctl_pin_wipe(&p);
}

static int cancelled_pass(char *buf, int n, void *ctx)
{
	(void)buf;
	(void)n;
	(*(int *)ctx)++;
	return -1;
}

/* An encrypted key whose passphrase is not given: the question is asked
 * once, however many decoders OpenSSL tries. */
Test(secrets, passphrase_asked_once_when_cancelled)
{
	char *path = secret_file("");
	EVP_PKEY *k = EVP_RSA_gen(1024);
	FILE *f = fopen(path, "w");
	ctl_signer *s = NULL;
	ctl_warnings w = {0};
	ctl_err err;
	int asked = 0;

	cr_assert(k && f);
	cr_assert(PEM_write_PrivateKey(f, k, EVP_aes_256_cbc(), (unsigned char *)"pass1234", 8, NULL,
				       NULL));
	fclose(f);
	EVP_PKEY_free(k);
	cr_assert_neq(ctl_pem_signer_open(path, cancelled_pass, &asked, &s, &w, &err), CTL_OK);
	cr_assert_eq(asked, 1, "the passphrase was asked for %d times", asked);
	cr_assert(strstr(err.msg, path), "%s", err.msg);
	ctl_warnings_free(&w);
	unlink(path);
}

Test(secrets, missing_key_file_is_named)
{
	ctl_signer *s = NULL;
	ctl_warnings w = {0};
	ctl_err err;

	cr_assert_eq(ctl_pem_signer_open("/nonexistent/signer.key", NULL, NULL, &s, &w, &err),
		     CTL_E_IO);
	cr_assert(strstr(err.msg, "/nonexistent/signer.key"), "%s", err.msg);
	ctl_warnings_free(&w);
}
