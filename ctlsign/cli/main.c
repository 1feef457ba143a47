/* ctlsign: dispatch to one verb per file. */
#include "cli.h"
#include "suggest.h"
#include "version.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <link.h>
#include <malloc.h>
#include <stdint.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* What each command needs of OpenSSL's global setup, which is most of what
 * starting costs: CONF, the configuration file (its TLS policy: fetch-cert,
 * check --live); NAMES, the legacy name tables (EVP_get_cipherbyname: an
 * encrypted PEM key, PKCS#11 and TLS code); STRINGS, OpenSSL's error texts
 * (about a thousand strings hashed into a table: a tenth of a verify, a
 * twentieth of a build). The others skip them, and ctl_err_ssl gives
 * OpenSSL's error code instead of its text (`openssl errstr CODE'). */
enum { OSSL_CONF = 1, OSSL_NAMES = 2, OSSL_STRINGS = 4 };
#define OSSL_ALL (OSSL_CONF | OSSL_NAMES | OSSL_STRINGS)

/* The heap a command is known to grow to, in KiB, made present in one
 * system call before it starts (prefault): a build signed on a token
 * touches some 470 KiB of heap (OpenSSL's providers, the PKCS#11 module,
 * the lists) and reaches some 90 KiB down its stack (the write's read-back
 * buffer): otherwise about 130 page faults, each a trap that costs tens of
 * microseconds on a virtual machine (docs/benchmarks.md). 0: the heap grows
 * as it is touched. */
#define HEAP_BUILD 768
#define STACK_PREFAULT (96 * 1024)

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *desc;
	unsigned ossl;
	unsigned heap_kib;
} verbs[] = {
	{"show", show_main, "print a CTL/ITL file the way CUCM's `show ctl` does", 0, 0},
	{"verify", verify_main, "check a CTL/ITL signature and say who signed it", 0, 0},
	{"build", build_main, "build and sign a CTL/ITL from the cluster's certificates",
	 OSSL_NAMES, HEAP_BUILD},
	{"check", check_main, "find what would lock phones out before publishing (preflight)",
	 OSSL_ALL, 0},
	{"plan", plan_main, "the safe order for regenerating certificates, step by step",
	 OSSL_NAMES | OSSL_STRINGS, 0},
	{"diff", diff_main, "what changed between two CTL/ITL files; will phones take the new?", 0, 0},
	{"tokens", tokens_main, "list PKCS#11 tokens, their certificates and PC/SC readers",
	 OSSL_NAMES | OSSL_STRINGS, 0},
	{"fetch", fetch_main, "download a cluster's CTL/ITL over TFTP or HTTP, check, keep",
	 OSSL_NAMES | OSSL_STRINGS, 0},
	{"fetch-cert", fetch_cert_main, "show (and keep) the certificate a node presents over TLS",
	 OSSL_ALL, 0},
};

#if defined(__GLIBC__) && defined(M_TOP_PAD) && !defined(__SANITIZE_ADDRESS__)
#define PREFAULT 1
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* ctlsign's own zeroed data: the part of its writable segment past the
 * file's bytes (the program is the first object dl_iterate_phdr shows). */
static int own_bss(struct dl_phdr_info *info, size_t size, void *out)
{
	(void)size;
	for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_W) && ph->p_memsz > ph->p_filesz) {
			((uintptr_t *)out)[0] = info->dlpi_addr + ph->p_vaddr + ph->p_filesz;
			((uintptr_t *)out)[1] = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
		}
	}
	return 1;
}

#endif

/* Extend the heap by `kib' KiB and make its pages present at once, with
 * the 96 KiB of stack below this frame (the kernel maps 128 KiB of stack at
 * exec) and ctlsign's own zeroed data (MADV_POPULATE_WRITE, Linux 5.14: one
 * system call each instead of a page fault per page). Only with glibc's own
 * allocator (a sanitizer's has no brk heap), and only an optimisation:
 * whatever fails leaves the pages to be faulted in as usual. */
static void prefault(unsigned kib)
{
#ifdef PREFAULT
	size_t page = (size_t)sysconf(_SC_PAGESIZE), want = (size_t)kib * 1024;
	char *first, *start, *end, *sp = __builtin_frame_address(0);

	if (!kib || !page || !mallopt(M_TOP_PAD, (int)want) || !(first = malloc(1)))
		return;
	/* The first chunk opens the brk heap, which now reaches `want' past it. */
	start = first - ((uintptr_t)first & (page - 1));
	end = sbrk(0);
	/* (an allocator that did not take it from the brk heap: left alone) */
	if ((uintptr_t)end > (uintptr_t)start &&
	    (uintptr_t)end - (uintptr_t)start <= want + 2 * page + 256 * 1024)
		(void)madvise(start, (uintptr_t)end - (uintptr_t)start, MADV_POPULATE_WRITE);
	free(first);
	sp -= (uintptr_t)sp & (page - 1);
	(void)madvise(sp - STACK_PREFAULT, STACK_PREFAULT, MADV_POPULATE_WRITE);
	{
		static char anchor; /* in that zeroed data: where the pointers come from */
		uintptr_t bss[2] = {0, 0}, at = (uintptr_t)&anchor;

		dl_iterate_phdr(own_bss, bss);
		bss[0] &= ~(uintptr_t)(page - 1);
		if (bss[0] <= at && at < bss[1])
			(void)madvise(&anchor - (at - bss[0]), bss[1] - bss[0], MADV_POPULATE_WRITE);
	}
#else
	(void)kib;
#endif
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: ctlsign <command> [options] [args]\n\n"
		     "Build, sign, inspect and check Cisco CTLFile.tlv / ITLFile.tlv trust lists.\n\n"
		     "Commands:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(out, "  %-10s %s\n", verbs[i].name, verbs[i].desc);
	fprintf(out, "\n`ctlsign <command> --help` describes each command.\n\n"
		     "Exit status:\n"
		     "  0    success (verify: signature valid)\n"
		     "  1    signature invalid, signer not found or not trusted, phones would reject it\n"
		     "  2    usage error\n"
		     "  3    malformed input (trust list, certificate, key, cluster file)\n"
		     "  4    I/O error (cannot read or write a file; network; not found on the server)\n"
		     "  5    refused as unsafe (phones would reject it, token rules, expired\n"
		     "       certificate, key/signer mismatch, limits, unconfirmed fingerprint)\n"
		     "  6    credential or token error (wrong PIN or passphrase, PIN locked, login refused)\n"
		     "  7    token removed or not present\n"
		     "  69   a module of ctlsign cannot be loaded (token or network code):\n"
		     "       reinstall ctlsign\n"
		     "  70   internal error\n"
		     "  130  interrupted\n");
}

int main(int argc, char **argv)
{
	/* A file-size limit must fail the write (EFBIG), not kill us mid-file. */
	signal(SIGXFSZ, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		cli_version(stdout);
		return EXIT_OK;
	}
	const char *names[sizeof(verbs) / sizeof(verbs[0])];
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (!strcmp(argv[1], verbs[i].name)) {
			uint64_t init = OPENSSL_INIT_NO_ATEXIT;

			if (!(verbs[i].ossl & OSSL_CONF))
				init |= OPENSSL_INIT_NO_LOAD_CONFIG;
			if (!(verbs[i].ossl & OSSL_NAMES))
				init |= OPENSSL_INIT_NO_ADD_ALL_CIPHERS | OPENSSL_INIT_NO_ADD_ALL_DIGESTS;
			if (!(verbs[i].ossl & OSSL_STRINGS))
				init |= OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS;
			prefault(verbs[i].heap_kib);
			OPENSSL_init_crypto(init, NULL);
			return verbs[i].fn(argc - 1, argv + 1);
		}
		names[i] = verbs[i].name;
	}
	if (!cli_unknown_command(argv[1], names, sizeof(names) / sizeof(names[0])))
		usage(stderr);
	return EXIT_USAGE;
}
