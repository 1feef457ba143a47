/* The cluster file parser: one full file into the exact struct, and a
 * negative test for every refusal, each checking the line and key named. */
#include <criterion/criterion.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster.h"
#include "format.h"

static char dir[PATH_MAX];      /* realpath of this test's scratch folder */
static char file[PATH_MAX + 32];
static ctl_cluster *c;
static ctl_err err;

static void setup(void)
{
	char tmpl[] = "/tmp/ctlsign-cluster-XXXXXX";

	cr_assert_not_null(mkdtemp(tmpl));
	cr_assert_not_null(realpath(tmpl, dir));
	snprintf(file, sizeof(file), "%s/cluster.ini", dir);
	c = NULL;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void teardown(void)
{
	ctl_cluster_free(c);
	c = NULL;
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(cluster, .init = setup, .fini = teardown);

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(text, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

static ctl_status load(const char *text)
{
	write_file(file, text, strlen(text));
	return ctl_cluster_load(file, &c, &err);
}

/* dir + "/" + rel, for comparing resolved paths. */
static const char *in_dir(const char *rel)
{
	static char buf[4][PATH_MAX + 64];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, rel);
	return buf[i];
}

/* The file must be refused as malformed with "cluster.ini:LINE: WHAT" in the
 * message (WHAT is "key `K'" or "section [S]"), plus `also' if given. */
static void refuse(const char *text, int line, const char *what, const char *also)
{
	char want[sizeof(file) + 256];
	ctl_status st = load(text);

	cr_assert_eq(st, CTL_E_MALFORMED, "status %d, msg: %s", st, err.msg);
	cr_assert_null(c);
	cr_assert_eq(err.status, CTL_E_MALFORMED);
	if (line > 0)
		snprintf(want, sizeof(want), "%s:%d: %s", file, line, what);
	else
		snprintf(want, sizeof(want), "%s: %s", file, what);
	cr_assert_not_null(strstr(err.msg, want), "want `%s' in: %s", want, err.msg);
	if (also)
		cr_assert_not_null(strstr(err.msg, also), "want `%s' in: %s", also, err.msg);
}

/* The smallest valid file; negative tests append to or edit it. */
#define MIN_CLUSTER "[cluster]\nrelease = 12.5\n"
#define MIN_NODE "[node ccm1]\nroles = CCM+TFTP\ncallmanager = cm.pem\n"
#define MIN MIN_CLUSTER MIN_NODE

static const char full[] =
	"# every section kind and every key\n"                       /* 1 */
	"[cluster]\n"                                                /* 2 */
	"release = 12.5(1)SU3\n"                                     /* 3 */
	"mode = Mixed\n"                                             /* 4 */
	"digest = SHA256\n"                                          /* 5 */
	"signer-version = 1.1\n"                                     /* 6 */
	"signer = token:token1\n"                                    /* 7 */
	"signer-key = /etc/ctlsign/override.key\n"                   /* 8 */
	"\n"                                                         /* 9 */
	"[node ccm1]\n"                                              /* 10 */
	"host = ccm1.example.com\n"                                  /* 11 */
	"ipv4 = 10.0.0.11\n"                                         /* 12 */
	"roles = CCM+TFTP, capf TVS\n"                               /* 13 */
	"publisher = yes\n"                                          /* 14 */
	"callmanager = certs/ccm1-CallManager.pem\n"                 /* 15 */
	"callmanager-key = keys/ccm1-CallManager.key\n"              /* 16 */
	"capf = certs/ccm1-CAPF.pem\n"                               /* 17 */
	"tvs = ./certs/ccm1-TVS.pem\n"                               /* 18 */
	"itlrecovery = certs/ITLRecovery.pem\n"                      /* 19 */
	"itlrecovery-key = keys/ITLRecovery.key\n"                   /* 20 */
	"\n"                                                         /* 21 */
	"[node ccm2]\n"                                              /* 22 */
	"roles = CCM\n"                                              /* 23 */
	"publisher = no\n"                                           /* 24 */
	"callmanager = /abs/ccm2-CallManager.pem\n"                  /* 25 */
	"[tftp alt1]\n"                                              /* 26 */
	"host = tftp-alt.example.com\n"                              /* 27 */
	"ipv4 = 10.0.1.5\n"                                          /* 28 */
	"cert = certs/alt1.pem\n"                                    /* 29 */
	"[firewall asa1]\n"                                          /* 30 */
	"ipv4 = 192.168.1.1\n"                                       /* 31 */
	"cert = certs/asa1.pem\n"                                    /* 32 */
	"[app-server web1]\n"                                        /* 33 */
	"cert = certs/web1.pem\n"                                    /* 34 */
	"[token token1]\n"                                           /* 35 */
	"cert = tokens/token1.pem\n"                                 /* 36 */
	"uri = pkcs11:token=eToken;serial=0054f509\n"                /* 37 */
	"[token token2]\n"                                           /* 38 */
	"cert = tokens/token2.pem\n";                                /* 39 */

Test(cluster, full_file_parses_into_exact_struct)
{
	const ctl_cluster_node *n;
	const ctl_cluster_extra *x;
	const ctl_cluster_token *t;

	cr_assert_eq(load(full), CTL_OK, "%s", err.msg);
	cr_assert_not_null(c);
	cr_assert_eq(err.status, CTL_OK);
	cr_assert_str_eq(c->path, file);
	cr_assert_str_eq(c->release, "12.5(1)SU3");
	cr_assert_eq(c->rel.major, 12);
	cr_assert_eq(c->rel.minor, 5);
	cr_assert_eq(c->rel.mr, 1);
	cr_assert_eq(c->rel.su, 3);
	cr_assert(!c->non_secure);
	cr_assert_eq(c->digest_code, CTL_DIGEST_SHA256);
	cr_assert_eq(c->signer_version, 11);
	cr_assert_eq(c->signer_kind, CTL_SIGNER_TOKEN);
	cr_assert_str_eq(c->signer_token, "token1");
	cr_assert_null(c->signer_uri);
	cr_assert_str_eq(c->signer_key, "/etc/ctlsign/override.key");

	cr_assert_eq(c->nnodes, 2);
	n = &c->nodes[0];
	cr_assert_str_eq(n->name, "ccm1");
	cr_assert_str_eq(n->host, "ccm1.example.com");
	cr_assert(n->has_ip);
	cr_assert_arr_eq(n->ip, ((uint8_t[]){10, 0, 0, 11}), 4);
	cr_assert_eq(n->roles, CTL_NODE_CCM | CTL_NODE_TFTP | CTL_NODE_CAPF | CTL_NODE_TVS);
	cr_assert(n->publisher);
	cr_assert_str_eq(n->callmanager_cert, in_dir("certs/ccm1-CallManager.pem"));
	cr_assert_str_eq(n->callmanager_key, in_dir("keys/ccm1-CallManager.key"));
	cr_assert_str_eq(n->capf_cert, in_dir("certs/ccm1-CAPF.pem"));
	cr_assert_str_eq(n->tvs_cert, in_dir("certs/ccm1-TVS.pem"));
	cr_assert_str_eq(n->itlrecovery_cert, in_dir("certs/ITLRecovery.pem"));
	cr_assert_str_eq(n->itlrecovery_key, in_dir("keys/ITLRecovery.key"));
	cr_assert_eq(n->src.line, 10);

	n = &c->nodes[1];
	cr_assert_str_eq(n->name, "ccm2");
	cr_assert_str_eq(n->host, "ccm2");          /* default: the section name */
	cr_assert_not(n->has_ip);
	cr_assert_eq(n->roles, CTL_NODE_CCM);
	cr_assert_not(n->publisher);
	cr_assert_str_eq(n->callmanager_cert, "/abs/ccm2-CallManager.pem");
	cr_assert_null(n->callmanager_key);
	cr_assert_null(n->capf_cert);
	cr_assert_null(n->tvs_cert);
	cr_assert_null(n->itlrecovery_cert);
	cr_assert_null(n->itlrecovery_key);
	cr_assert_eq(n->src.line, 22);

	cr_assert_eq(c->nextra, 3);
	x = &c->extra[0];
	cr_assert_str_eq(x->name, "alt1");
	cr_assert_eq(x->role, CTL_ROLE_TFTP);
	cr_assert_str_eq(x->host, "tftp-alt.example.com");
	cr_assert(x->has_ip);
	cr_assert_arr_eq(x->ip, ((uint8_t[]){10, 0, 1, 5}), 4);
	cr_assert_str_eq(x->cert, in_dir("certs/alt1.pem"));
	cr_assert_eq(x->src.line, 26);
	x = &c->extra[1];
	cr_assert_str_eq(x->name, "asa1");
	cr_assert_eq(x->role, CTL_ROLE_CCM);
	cr_assert_str_eq(x->host, "asa1");
	cr_assert(x->has_ip);
	cr_assert_arr_eq(x->ip, ((uint8_t[]){192, 168, 1, 1}), 4);
	cr_assert_str_eq(x->cert, in_dir("certs/asa1.pem"));
	cr_assert_eq(x->src.line, 30);
	x = &c->extra[2];
	cr_assert_str_eq(x->name, "web1");
	cr_assert_eq(x->role, CTL_ROLE_APP_SERVER);
	cr_assert_str_eq(x->host, "web1");
	cr_assert_not(x->has_ip);
	cr_assert_str_eq(x->cert, in_dir("certs/web1.pem"));
	cr_assert_eq(x->src.line, 33);

	cr_assert_eq(c->ntokens, 2);
	t = &c->tokens[0];
	cr_assert_str_eq(t->name, "token1");
	cr_assert_str_eq(t->cert, in_dir("tokens/token1.pem"));
	cr_assert_str_eq(t->uri, "pkcs11:token=eToken;serial=0054f509");
	cr_assert_eq(t->src.line, 35);
	t = &c->tokens[1];
	cr_assert_str_eq(t->name, "token2");
	cr_assert_str_eq(t->cert, in_dir("tokens/token2.pem"));
	cr_assert_null(t->uri);
	cr_assert_eq(t->src.line, 38);
}

Test(cluster, minimal_file_and_defaults)
{
	cr_assert_eq(load(MIN), CTL_OK, "%s", err.msg);
	cr_assert_str_eq(c->release, "12.5");
	cr_assert(!c->non_secure);
	cr_assert_eq(c->digest_code, CTL_DIGEST_SHA1);
	cr_assert_eq(c->signer_version, 0);
	cr_assert_eq(c->signer_kind, CTL_SIGNER_PRESET);
	cr_assert_null(c->signer_token);
	cr_assert_null(c->current_ctl);
	cr_assert_null(c->current_itl);
	cr_assert_null(c->signer_key);
	cr_assert_eq(c->nnodes, 1);
	cr_assert_eq(c->nextra, 0);
	cr_assert_eq(c->ntokens, 0);
	cr_assert_not(c->nodes[0].publisher);
}

Test(cluster, relative_paths_resolve_against_the_files_folder)
{
	char sub[PATH_MAX + 16], sub_file[PATH_MAX + 32], cwd[PATH_MAX];
	static const char text[] = MIN_CLUSTER
		"[node a]\nroles = TFTP\ncallmanager = ../certs/a.pem\n"
		"[node b]\nroles = CCM\ncallmanager = .//b.pem\n"
		"[node c]\nroles = CCM\ncallmanager = /etc/c.pem\n";

	snprintf(sub, sizeof(sub), "%s/conf", dir);
	cr_assert_eq(mkdir(sub, 0700), 0);
	snprintf(sub_file, sizeof(sub_file), "%s/cluster.ini", sub);
	write_file(sub_file, text, strlen(text));
	cr_assert_eq(ctl_cluster_load(sub_file, &c, &err), CTL_OK, "%s", err.msg);
	cr_assert_str_eq(c->nodes[0].callmanager_cert, in_dir("conf/../certs/a.pem"));
	cr_assert_str_eq(c->nodes[1].callmanager_cert, in_dir("conf/b.pem"));
	cr_assert_str_eq(c->nodes[2].callmanager_cert, "/etc/c.pem");
	ctl_cluster_free(c);
	c = NULL;

	/* A bare file name: its folder is the working directory, made absolute. */
	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	cr_assert_eq(chdir(sub), 0);
	cr_assert_eq(ctl_cluster_load("cluster.ini", &c, &err), CTL_OK, "%s", err.msg);
	cr_assert_eq(chdir(cwd), 0);
	cr_assert_str_eq(c->path, "cluster.ini");
	cr_assert_str_eq(c->nodes[1].callmanager_cert, in_dir("conf/b.pem"));
}

Test(cluster, crlf_comments_indentation_and_bom)
{
	static const char text[] =
		"\xEF\xBB\xBF; a comment\r\n"
		"# another\r\n"
		"[cluster]   ; inline\r\n"
		"   release = 10.5(2)   # inline hash\r\n"
		"\r\n"
		"[ node   ccm1 ]\r\n"
		"\troles = ccm+tftp ; inline\r\n"
		"\tcallmanager = certs/a b.pem\r\n"
		"[token t1]\r\n"
		"cert = t1.pem\r\n"
		"uri = pkcs11:token=eToken;serial=1234#x\r\n";

	cr_assert_eq(load(text), CTL_OK, "%s", err.msg);
	cr_assert_str_eq(c->release, "10.5(2)");
	cr_assert_eq(c->rel.major, 10);
	cr_assert_eq(c->rel.minor, 5);
	cr_assert_eq(c->rel.mr, 2);
	cr_assert_str_eq(c->nodes[0].name, "ccm1");
	cr_assert_eq(c->nodes[0].roles, CTL_NODE_CCM | CTL_NODE_TFTP);
	cr_assert_str_eq(c->nodes[0].callmanager_cert, in_dir("certs/a b.pem"));
	cr_assert_eq(c->nodes[0].src.line, 6);
	/* `;' and `#' only start a comment after a blank. */
	cr_assert_str_eq(c->tokens[0].uri, "pkcs11:token=eToken;serial=1234#x");
}

Test(cluster, release_forms)
{
	static const struct { const char *s; ctl_release r; } ok[] = {
		{"9.1(2)", {9, 1, 2, 0}}, {"10.0", {10, 0, 0, 0}},
		{"10.5(1)", {10, 5, 1, 0}}, {"11.5", {11, 5, 0, 0}},
		{"12", {12, 0, 0, 0}}, {"14", {14, 0, 0, 0}},
		{"14SU3", {14, 0, 0, 3}}, {"12.5(1)SU7", {12, 5, 1, 7}},
		{"11.5(1)SU3a", {11, 5, 1, 3}}, {"15su1", {15, 0, 0, 1}},
	};
	static const char *const bad[] = {
		"", "12.", "12.x", ".5", "12.5()", "12.5(1", "12(1)", "12.5.1",
		"12.5.1.11900-146", "14SU", "14SUx", "14 SU3", "0", "1234", "12.5(1)SU3ab",
	};
	ctl_release r;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cr_assert(ctl_release_parse(ok[i].s, &r), "%s", ok[i].s);
		cr_assert_eq(ctl_release_cmp(&r, ok[i].r.major, ok[i].r.minor, ok[i].r.mr,
					     ok[i].r.su), 0, "%s", ok[i].s);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_not(ctl_release_parse(bad[i], &r), "`%s' accepted", bad[i]);
	cr_assert(ctl_release_parse("11.5(1)SU3", &r));
	cr_assert_gt(ctl_release_cmp(&r, 10, 5, 2, 0), 0);
	cr_assert_lt(ctl_release_cmp(&r, 12, 0, 0, 0), 0);
	cr_assert_lt(ctl_release_cmp(&r, 11, 5, 1, 4), 0);
}

/* ---- refusals ---- */

Test(cluster, unreadable_file_is_io_error)
{
	char missing[PATH_MAX + 32];

	snprintf(missing, sizeof(missing), "%s/nope.ini", dir);
	cr_assert_eq(ctl_cluster_load(missing, &c, &err), CTL_E_IO);
	cr_assert_null(c);
	cr_assert_not_null(strstr(err.msg, missing), "%s", err.msg);
	cr_assert_not_null(strstr(err.msg, "No such file"), "%s", err.msg);

	cr_assert_eq(ctl_cluster_load(dir, &c, &err), CTL_E_IO);
	cr_assert_not_null(strstr(err.msg, dir), "%s", err.msg);
	cr_assert_not_null(strstr(err.msg, "directory"), "%s", err.msg);
}

Test(cluster, empty_file_has_no_nodes)
{
	refuse("", 0, "no [node NAME] section", NULL);
	refuse("# only comments\n\n; here\n", 0, "no [node NAME] section", NULL);
	refuse(MIN_CLUSTER, 0, "no [node NAME] section", NULL);
}

Test(cluster, missing_cluster_section_or_release)
{
	refuse(MIN_NODE, 0, "no [cluster] section", NULL);
	refuse("[cluster]\nmode = mixed\n" MIN_NODE, 1, "section [cluster]", "missing `release'");
	refuse("[cluster]\n" MIN_NODE, 1, "section [cluster]", "missing `release'");
}

Test(cluster, file_over_1mib_refused)
{
	size_t n = 1024 * 1024 + 1;
	char *big = malloc(n);

	cr_assert_not_null(big);
	memset(big, '\n', n);
	memcpy(big, MIN, strlen(MIN));
	write_file(file, big, n);
	free(big);
	cr_assert_eq(ctl_cluster_load(file, &c, &err), CTL_E_MALFORMED);
	cr_assert_null(c);
	cr_assert_not_null(strstr(err.msg, file), "%s", err.msg);
	cr_assert_not_null(strstr(err.msg, "1 MiB"), "%s", err.msg);
}

Test(cluster, syntax_errors_name_their_line)
{
	refuse(MIN "host ccm1\n", 6, "expected `key = value'", "host ccm1");
	refuse(MIN "[node x\n", 6, "section header `[node x' does not end with `]'", NULL);
	refuse("release = 12.5\n" MIN, 1, "key `release'", "before any section");
}

Test(cluster, nul_byte_refused)
{
	static const char text[] = MIN "host = a\0b\n";

	write_file(file, text, sizeof(text) - 1);
	cr_assert_eq(ctl_cluster_load(file, &c, &err), CTL_E_MALFORMED);
	cr_assert_not_null(strstr(err.msg, "cluster.ini:6: NUL byte"), "%s", err.msg);
}

Test(cluster, overlong_line_refused_not_split)
{
	char text[1024];
	char path[400];

	memset(path, 'p', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	snprintf(text, sizeof(text), MIN "capf = %s\n", path);
	refuse(text, 6, "line is ", "characters long");

	/* A long comment is fine: comments do not count. */
	snprintf(text, sizeof(text), MIN "; %s\ncallmanager-key = k.pem   ; %s\n", path, path);
	cr_assert_eq(load(text), CTL_OK, "%s", err.msg);
}

Test(cluster, unknown_sections_and_keys)
{
	refuse(MIN "[nodes ccm2]\nroles = CCM\n", 6, "section [nodes ccm2]", "unknown section");
	refuse(MIN "hots = ccm1\n", 6, "key `hots'", "unknown in [node ccm1]");
	refuse(MIN "cert = x.pem\n", 6, "key `cert'", "unknown in [node ccm1]");
	refuse(MIN "[tftp t]\ncert = t.pem\nroles = TFTP\n", 8, "key `roles'", "unknown in [tftp t]");
	refuse(MIN "[token t]\ncert = t.pem\nhost = t\n", 8, "key `host'", "unknown in [token t]");
	refuse("[cluster]\nrelease = 12.5\nroles = CCM\n" MIN_NODE, 3, "key `roles'",
	       "unknown in [cluster]");
}

Test(cluster, section_names)
{
	refuse(MIN "[node]\n", 6, "section [node]", "needs a name");
	refuse(MIN "[cluster x]\n", 6, "section [cluster x]", "takes no name");
	refuse(MIN "[node a/b]\n", 6, "section [node a/b]", "the name may use");
}

Test(cluster, duplicates)
{
	refuse(MIN "roles = CCM\n", 6, "key `roles'", "line 4 already");
	refuse(MIN "ROLES = CCM\n", 6, "key `roles'", "line 4 already");
	refuse(MIN MIN_NODE, 6, "section [node ccm1]", "already used by [node ccm1] at line 3");
	refuse(MIN "[node CCM1]\n", 6, "section [node CCM1]", "already used by [node ccm1]");
	refuse(MIN "[tftp ccm1]\ncert = x\n", 6, "section [tftp ccm1]", "already used by [node ccm1]");
	refuse(MIN MIN_CLUSTER, 6, "section [cluster]", "already at line 1");
	/* An empty repeated section is caught too (inih alone never reports it). */
	refuse(MIN "[token t]\ncert = t.pem\n[token t]\n", 8, "section [token t]", "line 6");
}

Test(cluster, values_empty_or_quoted)
{
	refuse(MIN "host =\n", 6, "key `host'", "empty value");
	refuse(MIN "host = ; just a comment\n", 6, "key `host'", "empty value");
	refuse(MIN "capf = \"x.pem\"\n", 6, "key `capf'", "no quotes needed");
	refuse(MIN "capf = ~/x.pem\n", 6, "key `capf'", "`~' is not expanded");
}

Test(cluster, ipv4_strict)
{
	static const char *const bad[] = {
		"10.0.0.300", "10.0.0", "10.0.0.1.5", "010.0.0.1", "10.0.0.x",
		"0x0a.0.0.1", "10.0.0.1/24", "::1", "ccm1",
	};
	char text[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), MIN "ipv4 = %s\n", bad[i]);
		refuse(text, 6, "key `ipv4'", "is not an IPv4 address");
		cr_assert_not_null(strstr(err.msg, bad[i]), "%s", err.msg);
	}
	refuse(MIN "[firewall f]\ncert = f.pem\nipv4 = 1.2.3\n", 8, "key `ipv4'", "`1.2.3'");
}

Test(cluster, host_names)
{
	refuse(MIN "host = ccm1 .example\n", 6, "key `host'", "is not a host name");
	refuse(MIN "host = -ccm1\n", 6, "key `host'", "is not a host name");
}

Test(cluster, roles_known)
{
	refuse(MIN_CLUSTER "[node a]\nroles = CCM, SRST\ncallmanager = a.pem\n", 4,
	       "key `roles'", "unknown role `SRST'");
	refuse(MIN_CLUSTER "[node a]\nroles = CCM + TFTP\ncallmanager = a.pem\n", 4,
	       "key `roles'", "unknown role `+'");
	refuse(MIN_CLUSTER "[node a]\nroles = ,\ncallmanager = a.pem\n", 4,
	       "key `roles'", "no role given");
	refuse(MIN_CLUSTER "[node a]\ncallmanager = a.pem\n", 3, "section [node a]",
	       "missing `roles'");
}

Test(cluster, required_certificates_per_role)
{
	refuse(MIN_CLUSTER "[node a]\nroles = TFTP\n", 3, "section [node a]", "`callmanager'");
	refuse(MIN_CLUSTER "[node a]\nroles = CCM\n[node b]\nroles = CCM\ncallmanager = b\n", 3,
	       "section [node a]", "`callmanager'");
	refuse(MIN_CLUSTER "[node a]\nroles = CCM, CAPF\ncallmanager = a\n", 3, "section [node a]",
	       "`capf'");
	refuse(MIN_CLUSTER "[node a]\nroles = CAPF TVS\ncapf = c.pem\n", 3, "section [node a]",
	       "`tvs'");
	refuse(MIN_CLUSTER "[node a]\nroles = CCM\ncallmanager = a\ncapf = c.pem\n", 6,
	       "key `capf'", "has no CAPF");
	refuse(MIN_CLUSTER "[node a]\nroles = CCM\ncallmanager = a\ntvs = t.pem\n", 6,
	       "key `tvs'", "has no TVS");
	refuse(MIN_CLUSTER "[node a]\nroles = CAPF\ncapf = c.pem\ncallmanager-key = k\n", 6,
	       "key `callmanager-key'", "without `callmanager'");
	refuse(MIN_CLUSTER "[node a]\nroles = CCM\npublisher = yes\ncallmanager = a\n"
	       "itlrecovery-key = k\n", 7, "key `itlrecovery-key'", "without `itlrecovery'");
	refuse(MIN_CLUSTER "[tftp t]\nhost = t\n" MIN_NODE, 3, "section [tftp t]", "missing `cert'");
	refuse(MIN "[token t]\nuri = pkcs11:token=x\n", 6, "section [token t]", "missing `cert'");
	/* The CAPF-only node needs no CallManager certificate. */
	cr_assert_eq(load(MIN "[node pub]\nroles = CAPF\ncapf = capf.pem\n"), CTL_OK, "%s", err.msg);
}

Test(cluster, publisher_rules)
{
	refuse(MIN "publisher = yes\n" "[node b]\nroles = CCM\ncallmanager = b\npublisher = yes\n",
	       10, "key `publisher'", "[node ccm1] at line 6 is the publisher already");
	refuse(MIN "publisher = maybe\n", 6, "key `publisher'", "is not yes or no");
	refuse(MIN "publisher = true\n", 6, "key `publisher'", "is not yes or no");
	refuse(MIN "itlrecovery = itl.pem\n", 6, "key `itlrecovery'", "only the publisher");
	refuse(MIN "publisher = no\nitlrecovery = itl.pem\n", 7, "key `itlrecovery'",
	       "only the publisher");
	/* Publisher may come after itlrecovery in the section. */
	cr_assert_eq(load(MIN "itlrecovery = itl.pem\npublisher = YES\n"), CTL_OK, "%s", err.msg);
}

Test(cluster, release_refused)
{
	refuse("[cluster]\nrelease = 12.x\n" MIN_NODE, 2, "key `release'", "`12.x' is not a release");
	refuse("[cluster]\nrelease = 12.5.1.11900-146\n" MIN_NODE, 2, "key `release'",
	       "is not a release");
	refuse("[cluster]\nrelease = 10.5\n" MIN_NODE, 2, "key `release'", "10.5(1) or 10.5(2)");
	refuse("[cluster]\nrelease = 10\n" MIN_NODE, 2, "key `release'", "ambiguous");
	refuse("[cluster]\nrelease = 11SU2\n" MIN_NODE, 2, "key `release'", "11.0 or 11.5");
}

Test(cluster, cluster_choices_refused)
{
	refuse("[cluster]\nrelease = 12.5\nmode = secure\n" MIN_NODE, 3, "key `mode'",
	       "mixed or non-secure");
	refuse("[cluster]\nrelease = 12.5\ndigest = md5\n" MIN_NODE, 3, "key `digest'",
	       "sha1, sha256 or sha512");
	refuse("[cluster]\nrelease = 12.5\nsigner-version = 2.0\n" MIN_NODE, 3,
	       "key `signer-version'", "1.0 or 1.1");
	refuse("[cluster]\nrelease = 12.5\nsigner = tvs\n" MIN_NODE, 3, "key `signer'",
	       "itlrecovery, callmanager, token:NAME or a pkcs11: URI");
	refuse("[cluster]\nrelease = 12.5\nsigner = token:\n" MIN_NODE, 3, "key `signer'",
	       "[token NAME]");
	refuse("[cluster]\nrelease = 12.5\nsigner = pkcs11:\n" MIN_NODE, 3, "key `signer'",
	       "not a PKCS#11 URI");
	refuse("[cluster]\nrelease = 12.5\nsigner = token:t9\n" MIN_NODE
	       "[token t1]\ncert = t1.pem\n", 3, "key `signer'", "no [token t9] section");
	refuse(MIN "[token t]\ncert = t.pem\nuri = eToken\n", 8, "key `uri'", "not a PKCS#11 URI");
}

Test(cluster, signer_forms_accepted)
{
	cr_assert_eq(load("[cluster]\nrelease = 11.5\nsigner = CallManager\nmode = NON-SECURE\n"
			  "digest = sha512\nsigner-version = 1.0\n" MIN_NODE), CTL_OK, "%s", err.msg);
	cr_assert_eq(c->signer_kind, CTL_SIGNER_CALLMANAGER);
	cr_assert(c->non_secure);
	cr_assert_eq(c->digest_code, CTL_DIGEST_SHA512);
	cr_assert_eq(c->signer_version, 10);
	ctl_cluster_free(c);
	c = NULL;
	cr_assert_eq(load("[cluster]\nrelease = 14\n"
			  "signer = pkcs11:token=eToken;object=SAST;type=private\n"
			  "signer-key = k.pem\n" MIN_NODE), CTL_OK, "%s", err.msg);
	cr_assert_eq(c->signer_kind, CTL_SIGNER_TOKEN);
	cr_assert_str_eq(c->signer_uri, "pkcs11:token=eToken;object=SAST;type=private");
	cr_assert_str_eq(c->signer_key, in_dir("k.pem"));
}

Test(cluster, current_lists)
{
	cr_assert_eq(load("[cluster]\nrelease = 12.5\ncurrent-ctl = published/CTLFile.tlv\n"
			  "current-itl = tftp://cucm-pub/ITLFile.tlv\n" MIN_NODE), CTL_OK, "%s", err.msg);
	cr_assert_str_eq(c->current_ctl, in_dir("published/CTLFile.tlv"));
	cr_assert_str_eq(c->current_itl, "tftp://cucm-pub/ITLFile.tlv");
	ctl_cluster_free(c);
	c = NULL;
	refuse("[cluster]\nrelease = 12.5\ncurrent-ctl = a.tlv\ncurrent-ctl = b.tlv\n" MIN_NODE, 4,
	       "key `current-ctl'", "repeated");
	refuse("[cluster]\nrelease = 12.5\n" MIN_NODE "current-itl = x.tlv\n", 6, "key `current-itl'",
	       "unknown in [node");
}

Test(cluster, hostile_input_is_sanitised_in_messages)
{
	refuse(MIN "ipv4 = 1.2.3.\x1b[31m\n", 6, "key `ipv4'", "`1.2.3.\\x1B[31m'");
	cr_assert_null(strchr(err.msg, '\x1b'));
}

Test(cluster, null_err_is_allowed)
{
	write_file(file, "bogus\n", 6);
	cr_assert_eq(ctl_cluster_load(file, &c, NULL), CTL_E_MALFORMED);
	cr_assert_null(c);
}

/* docs/examples/cluster.ini must stay valid (run from the repository root). */
Test(cluster, documented_example_parses)
{
	if (access("docs/examples/cluster.ini", R_OK) != 0) {
		teardown();   /* a skipped test does not run .fini */
		cr_skip_test("docs/examples/cluster.ini not found from %s", getcwd(file, sizeof(file)));
	}
	cr_assert_eq(ctl_cluster_load("docs/examples/cluster.ini", &c, &err), CTL_OK, "%s", err.msg);
	cr_assert_geq(c->nnodes, 1);
}
