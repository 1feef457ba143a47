/* The cluster description file (docs/cluster-file.md): INI, read strictly
 * (inifile.h: line numbers, NUL bytes, long lines, the first error), because
 * a typo that silently drops a node or a certificate ends up as a CTL that
 * takes phones off the network. Comments (`;' or `#', at the start of a
 * line or after a blank) and indentation are dropped. */
#include "cluster.h"

#include "format.h"
#include "inifile.h"
#include "io.h"
#include "text.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define CLUSTER_FILE_MAX (1024u * 1024u)
#define CLUSTER_LINE_MAX 198   /* what inih (INI_MAX_LINE 200) reads whole */
#define SECTION_NAME_MAX 63
#define HOST_MAX 253
#define SHOW_MAX 80         /* input echoed in messages is cut here */
#define SHOW_ROOM CTL_TEXT_EXCERPT_ROOM(SHOW_MAX)

enum sec_kind { SEC_NONE, SEC_CLUSTER, SEC_NODE, SEC_TFTP, SEC_FIREWALL, SEC_APP, SEC_TOKEN };

static const char *const sec_words[] = {
	[SEC_NONE] = "", [SEC_CLUSTER] = "cluster", [SEC_NODE] = "node",
	[SEC_TFTP] = "tftp", [SEC_FIREWALL] = "firewall",
	[SEC_APP] = "app-server", [SEC_TOKEN] = "token",
};

enum key_id {
	K_RELEASE, K_MODE, K_DIGEST, K_SIGNER_VERSION, K_SIGNER, K_SIGNER_KEY,
	K_HOST, K_IPV4, K_ROLES, K_PUBLISHER, K_CALLMANAGER, K_CALLMANAGER_KEY,
	K_CAPF, K_TVS, K_ITLRECOVERY, K_ITLRECOVERY_KEY, K_CERT, K_URI,
	K_CURRENT_CTL, K_CURRENT_ITL,
	K_COUNT
};

static const char *const key_names[K_COUNT] = {
	[K_RELEASE] = "release", [K_MODE] = "mode", [K_DIGEST] = "digest",
	[K_SIGNER_VERSION] = "signer-version", [K_SIGNER] = "signer",
	[K_SIGNER_KEY] = "signer-key", [K_HOST] = "host", [K_IPV4] = "ipv4",
	[K_ROLES] = "roles", [K_PUBLISHER] = "publisher",
	[K_CALLMANAGER] = "callmanager", [K_CALLMANAGER_KEY] = "callmanager-key",
	[K_CAPF] = "capf", [K_TVS] = "tvs", [K_ITLRECOVERY] = "itlrecovery",
	[K_ITLRECOVERY_KEY] = "itlrecovery-key", [K_CERT] = "cert", [K_URI] = "uri",
	[K_CURRENT_CTL] = "current-ctl", [K_CURRENT_ITL] = "current-itl",
};

#define B(k) (1u << (k))
static const unsigned sec_keys[] = {
	[SEC_NONE] = 0,
	[SEC_CLUSTER] = B(K_RELEASE) | B(K_MODE) | B(K_DIGEST) | B(K_SIGNER_VERSION) |
			B(K_SIGNER) | B(K_SIGNER_KEY) | B(K_CURRENT_CTL) | B(K_CURRENT_ITL),
	[SEC_NODE] = B(K_HOST) | B(K_IPV4) | B(K_ROLES) | B(K_PUBLISHER) |
		     B(K_CALLMANAGER) | B(K_CALLMANAGER_KEY) | B(K_CAPF) | B(K_TVS) |
		     B(K_ITLRECOVERY) | B(K_ITLRECOVERY_KEY),
	[SEC_TFTP] = B(K_HOST) | B(K_IPV4) | B(K_CERT),
	[SEC_FIREWALL] = B(K_HOST) | B(K_IPV4) | B(K_CERT),
	[SEC_APP] = B(K_HOST) | B(K_IPV4) | B(K_CERT),
	[SEC_TOKEN] = B(K_CERT) | B(K_URI),
};

static const struct { const char *word; unsigned bits; } role_words[] = {
	{"CCM", CTL_NODE_CCM},
	{"TFTP", CTL_NODE_TFTP},
	{"CCM+TFTP", CTL_NODE_CCM | CTL_NODE_TFTP},
	{"CAPF", CTL_NODE_CAPF},
	{"TVS", CTL_NODE_TVS},
};

struct seen_sec {
	enum sec_kind kind;
	char *name;            /* NULL for [cluster] */
	size_t len;
	int line;
};

struct parse {
	const char *path;      /* as the caller gave it: messages name it */
	char *dir;             /* the file's folder, absolute */
	ctl_cluster *c;
	ctl_ini ini;           /* the reader: line numbers, the first failure */
	/* arrays grow by doubling: these are their capacities */
	size_t cap_nodes, cap_extra, cap_tokens, cap_secs;
	/* the section being read */
	enum sec_kind kind;
	size_t idx;            /* into c->nodes / c->extra / c->tokens */
	int sec_line;
	char sec_text[8 + SECTION_NAME_MAX + 8];
	int key_line[K_COUNT]; /* where each key was set in it; 0: not yet */
	/* the whole file */
	struct seen_sec *secs;
	size_t nsecs;
	int publisher_line;
	char publisher_name[SECTION_NAME_MAX + 1];
	int signer_line;
};

/* ---- messages ---- */

/* Input for a message: cut and cleaned (text.h), so a hostile file can
 * neither drive the terminal nor flood it. */
static const char *show(char *buf, size_t n, const char *s, size_t len)
{
	return ctl_text_excerpt(s, len, SHOW_MAX, buf, n);
}

#define SHOW(buf, s) show(buf, sizeof(buf), (s), strlen(s))

/* "PATH:LINE: key `K': msg" */
__attribute__((format(printf, 4, 5)))
static int fail_key(struct parse *p, int line, const char *key, const char *fmt, ...)
{
	char msg[CTL_ERR_MSG], k[SHOW_ROOM];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ctl_ini_fail(&p->ini, CTL_E_MALFORMED, line, "key `%s': %s", SHOW(k, key), msg);
}

/* "PATH:LINE: section [S]: msg" */
__attribute__((format(printf, 4, 5)))
static int fail_sec(struct parse *p, int line, const char *sec, const char *fmt, ...)
{
	char msg[CTL_ERR_MSG], t[SHOW_ROOM];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ctl_ini_fail(&p->ini, CTL_E_MALFORMED, line, "section [%s]: %s", SHOW(t, sec), msg);
}

/* "PATH:LINE: msg" (line > 0) or "PATH: msg" (the whole file). */
#define fail_at(p, st, line, ...) ctl_ini_fail(&(p)->ini, (st), (line), __VA_ARGS__)

static int fail_oom(struct parse *p)
{
	return fail_at(p, CTL_E_INTERNAL, 0, "out of memory");
}

/* ---- values ---- */

bool ctl_release_parse(const char *s, ctl_release *out)
{
	ctl_release r = {0, 0, 0, 0};
	unsigned *parts[] = {&r.major, &r.minor, &r.mr};
	int i;

	/* Each number: 1-3 digits. */
	for (i = 0; i < 3; i++) {
		int n = 0;

		if (i == 1) {
			if (*s != '.')
				break;
			s++;
		} else if (i == 2) {
			if (*s != '(')
				break;
			s++;
		}
		while (isdigit((unsigned char)*s) && n < 4) {
			*parts[i] = *parts[i] * 10 + (unsigned)(*s - '0');
			s++;
			n++;
		}
		if (n == 0 || n > 3)
			return false;
		if (i == 2) {
			if (*s != ')')
				return false;
			s++;
		}
	}
	if (r.major == 0)
		return false;
	if ((s[0] == 'S' || s[0] == 's') && (s[1] == 'U' || s[1] == 'u')) {
		int n = 0;

		s += 2;
		while (isdigit((unsigned char)*s) && n < 4) {
			r.su = r.su * 10 + (unsigned)(*s - '0');
			s++;
			n++;
		}
		if (n == 0 || n > 3)
			return false;
		if (*s >= 'a' && *s <= 'z')    /* "SU1a" */
			s++;
	}
	if (*s)
		return false;
	if (out)
		*out = r;
	return true;
}

int ctl_release_cmp(const ctl_release *r, unsigned major, unsigned minor,
		    unsigned mr, unsigned su)
{
	const unsigned a[4] = {r->major, r->minor, r->mr, r->su};
	const unsigned b[4] = {major, minor, mr, su};
	int i;

	for (i = 0; i < 4; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

static bool is_name_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '-' || ch == '_' || ch == '.';
}

static bool valid_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > SECTION_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!is_name_char(s[i]))
			return false;
	return true;
}

/* A DNS name (or a literal address) as it goes into a record. */
static bool valid_host(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > HOST_MAX || s[0] == '-' || s[0] == '.')
		return false;
	for (i = 0; i < len; i++)
		if (!is_name_char(s[i]))
			return false;
	return true;
}

/* RFC 7512 URIs carry no blanks; anything else is left to the PKCS#11 layer. */
static bool valid_pkcs11_uri(const char *s)
{
	size_t i;

	if (strncasecmp(s, "pkcs11:", 7) != 0 || s[7] == '\0')
		return false;
	for (i = 7; s[i]; i++)
		if (isspace((unsigned char)s[i]) || (unsigned char)s[i] < 0x20)
			return false;
	return true;
}

/* value relative to the file's folder unless absolute. */
static char *resolve(const struct parse *p, const char *value)
{
	char *out;
	size_t dl, vl;

	if (value[0] == '/')
		return strdup(value);
	while (value[0] == '.' && value[1] == '/') {
		value += 2;
		while (*value == '/')
			value++;
	}
	dl = strlen(p->dir);
	vl = strlen(value);
	out = malloc(dl + vl + 2);
	if (!out)
		return NULL;
	memcpy(out, p->dir, dl);
	if (dl == 0 || p->dir[dl - 1] != '/')
		out[dl++] = '/';
	memcpy(out + dl, value, vl + 1);
	return out;
}

/* Store a duplicate of the value (or the resolved path) in *slot. */
static int set_str(struct parse *p, char **slot, char *dup)
{
	if (!dup)
		return fail_oom(p);
	free(*slot);
	*slot = dup;
	return 1;
}

static int set_path(struct parse *p, const char *key, char **slot, const char *value)
{
	if (value[0] == '~')
		return fail_key(p, ctl_ini_line(&p->ini), key, "`~' is not expanded: write the full path, "
				"or one relative to the cluster file's folder");
	return set_str(p, slot, resolve(p, value));
}

static int set_ipv4(struct parse *p, const char *key, bool *has, uint8_t ip[4], const char *value)
{
	struct in_addr a;
	char v[SHOW_ROOM];

	if (inet_pton(AF_INET, value, &a) != 1)
		return fail_key(p, ctl_ini_line(&p->ini), key, "`%s' is not an IPv4 address "
				"(four decimal numbers 0-255, e.g. 10.0.0.11)", SHOW(v, value));
	memcpy(ip, &a.s_addr, 4);   /* network order: ip[0] is the first number */
	*has = true;
	return 1;
}

static int set_host(struct parse *p, const char *key, char **slot, const char *value)
{
	char v[SHOW_ROOM];

	if (!valid_host(value))
		return fail_key(p, ctl_ini_line(&p->ini), key, "`%s' is not a host name "
				"(letters, digits, `-', `_' and `.', at most %d characters)",
				SHOW(v, value), HOST_MAX);
	return set_str(p, slot, strdup(value));
}

static int set_roles(struct parse *p, const char *key, unsigned *roles, const char *value)
{
	const char *s = value;
	char v[SHOW_ROOM];
	unsigned bits = 0;

	for (;;) {
		size_t len, i;
		bool known = false;

		while (*s == ',' || isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		len = strcspn(s, ", \t");
		for (i = 0; i < sizeof(role_words) / sizeof(role_words[0]); i++) {
			if (strlen(role_words[i].word) == len &&
			    strncasecmp(s, role_words[i].word, len) == 0) {
				bits |= role_words[i].bits;
				known = true;
				break;
			}
		}
		if (!known)
			return fail_key(p, ctl_ini_line(&p->ini), key, "unknown role `%s' "
					"(roles are CCM, TFTP, CCM+TFTP, CAPF and TVS)",
					show(v, sizeof(v), s, len));
		s += len;
	}
	if (!bits)
		return fail_key(p, ctl_ini_line(&p->ini), key, "no role given (any of CCM, TFTP, CCM+TFTP, CAPF, TVS)");
	*roles = bits;
	return 1;
}

static int set_bool(struct parse *p, const char *key, bool *out, const char *value)
{
	char v[SHOW_ROOM];

	if (strcasecmp(value, "yes") == 0)
		*out = true;
	else if (strcasecmp(value, "no") == 0)
		*out = false;
	else
		return fail_key(p, ctl_ini_line(&p->ini), key, "`%s' is not yes or no", SHOW(v, value));
	return 1;
}

static int set_release(struct parse *p, const char *key, const char *value)
{
	ctl_release r;
	char v[SHOW_ROOM];

	if (!ctl_release_parse(value, &r))
		return fail_key(p, ctl_ini_line(&p->ini), key, "`%s' is not a release: write it as CUCM "
				"names it, e.g. 9.1(2), 10.5(2), 12.5, 14 or 14SU3 "
				"(12.5.1.11900-146 is 12.5(1))", SHOW(v, value));
	/* The presets differ inside these, so a guess could pick the wrong signer. */
	if (r.major == 10 && !strchr(value, '.'))
		return fail_key(p, ctl_ini_line(&p->ini), key, "`%s' is ambiguous: write 10.0, 10.5(1) or 10.5(2)",
				SHOW(v, value));
	if (r.major == 10 && r.minor == 5 && !strchr(value, '('))
		return fail_key(p, ctl_ini_line(&p->ini), key, "`%s' is ambiguous: write 10.5(1) or 10.5(2) "
				"(ITLRecovery joined the tokenless CTL in 10.5(2))", SHOW(v, value));
	if (r.major == 11 && !strchr(value, '.'))
		return fail_key(p, ctl_ini_line(&p->ini), key, "`%s' is ambiguous: write 11.0 or 11.5",
				SHOW(v, value));
	p->c->rel = r;
	return set_str(p, &p->c->release, strdup(value));
}

/* A keyword value: *idx gets its index in choices. */
static int set_choice(struct parse *p, const char *key, int *idx, const char *value,
		      const char *const *choices, const char *listed)
{
	char v[SHOW_ROOM];
	size_t i;

	for (i = 0; choices[i]; i++)
		if (strcasecmp(value, choices[i]) == 0) {
			*idx = (int)i;
			return 1;
		}
	return fail_key(p, ctl_ini_line(&p->ini), key, "`%s' is not %s", SHOW(v, value), listed);
}

static int set_signer(struct parse *p, const char *key, const char *value)
{
	char v[SHOW_ROOM];

	p->signer_line = ctl_ini_line(&p->ini);
	if (strcasecmp(value, "itlrecovery") == 0) {
		p->c->signer_kind = CTL_SIGNER_ITLRECOVERY;
		return 1;
	}
	if (strcasecmp(value, "callmanager") == 0) {
		p->c->signer_kind = CTL_SIGNER_CALLMANAGER;
		return 1;
	}
	if (strncasecmp(value, "token:", 6) == 0) {
		if (!valid_name(value + 6, strlen(value + 6)))
			return fail_key(p, ctl_ini_line(&p->ini), key, "`%s': after `token:' comes the NAME "
					"of a [token NAME] section", SHOW(v, value));
		p->c->signer_kind = CTL_SIGNER_TOKEN;
		return set_str(p, &p->c->signer_token, strdup(value + 6));
	}
	if (strncasecmp(value, "pkcs11:", 7) == 0) {
		if (!valid_pkcs11_uri(value))
			return fail_key(p, ctl_ini_line(&p->ini), key, "`%s' is not a PKCS#11 URI "
					"(pkcs11:token=...;object=..., no blanks)", SHOW(v, value));
		p->c->signer_kind = CTL_SIGNER_TOKEN;
		return set_str(p, &p->c->signer_uri, strdup(value));
	}
	return fail_key(p, ctl_ini_line(&p->ini), key, "`%s' is not itlrecovery, callmanager, "
			"token:NAME or a pkcs11: URI", SHOW(v, value));
}

/* A held trust list: a path (resolved like certificates) or a URL. */
static int set_held(struct parse *p, const char *key, char **slot, const char *value)
{
	if (!strncasecmp(value, "tftp://", 7) || !strncasecmp(value, "http://", 7))
		return set_str(p, slot, strdup(value));
	return set_path(p, key, slot, value);
}

/* ---- sections ---- */

/* Checks that need the whole section: run when the next one starts or at
 * the end of the file. */
static int close_section(struct parse *p)
{
	const int *kl = p->key_line;
	char **host = NULL;
	const char *name = NULL;

	switch (p->kind) {
	case SEC_NONE:
		return 1;
	case SEC_CLUSTER:
		if (!kl[K_RELEASE])
			return fail_sec(p, p->sec_line, p->sec_text, "missing `release' "
					"(e.g. 12.5, 10.5(2), 14SU3): it picks the signer preset");
		return 1;
	case SEC_NODE: {
		ctl_cluster_node *n = &p->c->nodes[p->idx];

		if (!kl[K_ROLES])
			return fail_sec(p, p->sec_line, p->sec_text, "missing `roles' "
					"(any of CCM, TFTP, CCM+TFTP, CAPF, TVS)");
		if ((n->roles & (CTL_NODE_CCM | CTL_NODE_TFTP)) && !n->callmanager_cert)
			return fail_sec(p, p->sec_line, p->sec_text, "roles has CCM or TFTP "
					"but `callmanager' (its CallManager certificate) is missing");
		if ((n->roles & CTL_NODE_CAPF) && !n->capf_cert)
			return fail_sec(p, p->sec_line, p->sec_text,
					"roles has CAPF but `capf' (its CAPF certificate) is missing");
		if ((n->roles & CTL_NODE_TVS) && !n->tvs_cert)
			return fail_sec(p, p->sec_line, p->sec_text,
					"roles has TVS but `tvs' (its TVS certificate) is missing");
		/* A certificate for a role the node lacks would be dropped silently. */
		if (n->capf_cert && !(n->roles & CTL_NODE_CAPF))
			return fail_key(p, kl[K_CAPF], "capf", "roles of [%s] has no CAPF: "
					"add it to roles or remove this key", p->sec_text);
		if (n->tvs_cert && !(n->roles & CTL_NODE_TVS))
			return fail_key(p, kl[K_TVS], "tvs", "roles of [%s] has no TVS: "
					"add it to roles or remove this key", p->sec_text);
		if (kl[K_CALLMANAGER_KEY] && !n->callmanager_cert)
			return fail_key(p, kl[K_CALLMANAGER_KEY], "callmanager-key",
					"given without `callmanager' (the certificate it belongs to)");
		if (kl[K_ITLRECOVERY_KEY] && !n->itlrecovery_cert)
			return fail_key(p, kl[K_ITLRECOVERY_KEY], "itlrecovery-key",
					"given without `itlrecovery' (the certificate it belongs to)");
		if (n->itlrecovery_cert && !n->publisher)
			return fail_key(p, kl[K_ITLRECOVERY], "itlrecovery", "only the publisher "
					"holds ITLRecovery: add `publisher = yes' to [%s] or move "
					"the key to the publisher's section", p->sec_text);
		host = &n->host;
		name = n->name;
		break;
	}
	case SEC_TFTP:
	case SEC_FIREWALL:
	case SEC_APP: {
		ctl_cluster_extra *x = &p->c->extra[p->idx];

		if (!x->cert)
			return fail_sec(p, p->sec_line, p->sec_text, "missing `cert' (its certificate)");
		host = &x->host;
		name = x->name;
		break;
	}
	case SEC_TOKEN:
		if (!p->c->tokens[p->idx].cert)
			return fail_sec(p, p->sec_line, p->sec_text,
					"missing `cert' (the token's SAST certificate)");
		return 1;
	}
	if (host && !*host) {
		if (!valid_host(name))
			return fail_sec(p, p->sec_line, p->sec_text, "its name is not a host name: "
					"set `host'");
		return set_str(p, host, strdup(name));
	}
	return 1;
}

/* Room for element n (zeroed) of an array of *cap: doubling, so that a
 * file of many sections is read in linear time. */
static void *grow(void *arr, size_t n, size_t *cap, size_t size)
{
	void *r = arr;

	if (n == *cap) {
		size_t nc = *cap ? 2 * *cap : 8;

		if (!(r = realloc(arr, nc * size)))
			return NULL;
		*cap = nc;
	}
	memset((char *)r + n * size, 0, size);
	return r;
}

/* A "[...]" line: what is between the brackets. */
static int open_section(ctl_ini *ini, void *ctx, const char *s, size_t len)
{
	struct parse *p = ctx;
	char text[SHOW_ROOM];
	const char *in, *word_end, *name;
	size_t in_len, word_len, name_len, i;
	enum sec_kind kind = SEC_NONE;
	int line = ctl_ini_line(&p->ini);
	ctl_cluster *c = p->c;
	char *dup = NULL;
	struct seen_sec *ss;

	(void)ini;
	if (!close_section(p))
		return 0;
	p->kind = SEC_NONE;
	in = s;
	in_len = len;
	while (in_len && isspace((unsigned char)*in)) {
		in++;
		in_len--;
	}
	while (in_len && isspace((unsigned char)in[in_len - 1]))
		in_len--;
	show(text, sizeof(text), in, in_len);
	for (word_end = in; word_end < in + in_len && !isspace((unsigned char)*word_end); word_end++)
		;
	word_len = (size_t)(word_end - in);
	for (name = word_end; name < in + in_len && isspace((unsigned char)*name); name++)
		;
	name_len = (size_t)(in + in_len - name);
	for (i = SEC_CLUSTER; i <= SEC_TOKEN; i++)
		if (strlen(sec_words[i]) == word_len && strncasecmp(in, sec_words[i], word_len) == 0)
			kind = (enum sec_kind)i;
	if (kind == SEC_NONE)
		return fail_sec(p, line, text, "unknown section: expected [cluster], [node NAME], "
				"[tftp NAME], [firewall NAME], [app-server NAME] or [token NAME]");
	if (kind == SEC_CLUSTER && name_len)
		return fail_sec(p, line, text, "[cluster] takes no name");
	if (kind != SEC_CLUSTER && !name_len)
		return fail_sec(p, line, text, "needs a name: [%s NAME]", sec_words[kind]);
	if (kind != SEC_CLUSTER && !valid_name(name, name_len))
		return fail_sec(p, line, text, "the name may use letters, digits, `-', `_' and `.' "
				"(at most %d)", SECTION_NAME_MAX);
	snprintf(p->sec_text, sizeof(p->sec_text), "%s%s%.*s", sec_words[kind],
		 name_len ? " " : "", (int)name_len, name);

	/* Names are unique across kinds: they become host names and token:NAME. */
	for (i = 0; i < p->nsecs; i++) {
		ss = &p->secs[i];
		if (kind == SEC_CLUSTER && ss->kind == SEC_CLUSTER)
			return fail_sec(p, line, p->sec_text, "repeated: [cluster] is already at line %d",
					ss->line);
		if (ss->name && name_len && ss->len == name_len &&
		    strncasecmp(ss->name, name, name_len) == 0)
			return fail_sec(p, line, p->sec_text, "name `%s' is already used by "
					"[%s %s] at line %d", ss->name, sec_words[ss->kind],
					ss->name, ss->line);
	}
	if (name_len && !(dup = strndup(name, name_len)))
		return fail_oom(p);
	ss = grow(p->secs, p->nsecs, &p->cap_secs, sizeof(*p->secs));
	if (!ss) {
		free(dup);
		return fail_oom(p);
	}
	p->secs = ss;
	p->secs[p->nsecs].kind = kind;
	p->secs[p->nsecs].len = name_len;
	p->secs[p->nsecs].line = line;
	p->secs[p->nsecs].name = NULL;
	p->nsecs++;

	switch (kind) {
	case SEC_NONE:
	case SEC_CLUSTER:
		break;
	case SEC_NODE: {
		ctl_cluster_node *n = grow(c->nodes, c->nnodes, &p->cap_nodes, sizeof(*c->nodes));

		if (!n)
			goto oom;
		c->nodes = n;
		p->idx = c->nnodes++;
		n[p->idx].name = dup;
		n[p->idx].src.line = line;
		break;
	}
	case SEC_TFTP:
	case SEC_FIREWALL:
	case SEC_APP: {
		ctl_cluster_extra *x = grow(c->extra, c->nextra, &p->cap_extra, sizeof(*c->extra));

		if (!x)
			goto oom;
		c->extra = x;
		p->idx = c->nextra++;
		x[p->idx].name = dup;
		x[p->idx].role = kind == SEC_TFTP ? CTL_ROLE_TFTP :
				 kind == SEC_FIREWALL ? CTL_ROLE_CCM : CTL_ROLE_APP_SERVER;
		x[p->idx].src.line = line;
		break;
	}
	case SEC_TOKEN: {
		ctl_cluster_token *t = grow(c->tokens, c->ntokens, &p->cap_tokens, sizeof(*c->tokens));

		if (!t)
			goto oom;
		c->tokens = t;
		p->idx = c->ntokens++;
		t[p->idx].name = dup;
		t[p->idx].src.line = line;
		break;
	}
	}
	/* The struct owns the name now; the registry borrows it. */
	p->secs[p->nsecs - 1].name = dup;
	p->kind = kind;
	p->sec_line = line;
	memset(p->key_line, 0, sizeof(p->key_line));
	return 1;
oom:
	free(dup);
	return fail_oom(p);
}

/* ---- the values ---- */

static int on_value(ctl_ini *ini, void *ctx, const char *section, const char *name,
		    const char *value)
{
	struct parse *p = ctx;
	ctl_cluster *c = p->c;
	ctl_cluster_node *n = NULL;
	ctl_cluster_extra *x = NULL;
	ctl_cluster_token *t = NULL;
	char known[256] = "";
	const char *key;
	int id, line = ctl_ini_line(&p->ini);
	size_t used = 0;

	(void)ini;
	(void)section;   /* ours is p->kind/p->idx, which also saw empty sections */
	if (p->kind == SEC_NONE)
		return fail_key(p, line, name, "comes before any section: put it under "
				"[cluster] or a [node NAME]");
	for (id = 0; id < K_COUNT; id++)
		if (strcasecmp(name, key_names[id]) == 0)
			break;
	if (id == K_COUNT || !(sec_keys[p->kind] & B(id))) {
		for (int k = 0; k < K_COUNT; k++)
			if (sec_keys[p->kind] & B(k))
				used += (size_t)snprintf(known + used, sizeof(known) - used, "%s%s",
							 used ? ", " : "", key_names[k]);
		return fail_key(p, line, name, "unknown in [%s] (known: %s)", p->sec_text, known);
	}
	key = key_names[id];
	if (p->key_line[id])
		return fail_key(p, line, key, "repeated: [%s] sets it at line %d already",
				p->sec_text, p->key_line[id]);
	p->key_line[id] = line;
	if (!*value)
		return fail_key(p, line, key, "empty value");
	if (value[0] == '"' || value[0] == '\'')
		return fail_key(p, line, key, "no quotes needed: a value runs to the end of the "
				"line (blanks around it are dropped)");

	if (p->kind == SEC_NODE)
		n = &c->nodes[p->idx];
	else if (p->kind == SEC_TOKEN)
		t = &c->tokens[p->idx];
	else if (p->kind != SEC_CLUSTER)
		x = &c->extra[p->idx];

	switch ((enum key_id)id) {
	case K_RELEASE:
		return set_release(p, key, value);
	case K_MODE: {
		static const char *const modes[] = {"mixed", "non-secure", NULL};
		int i = 0;

		if (!set_choice(p, key, &i, value, modes, "mixed or non-secure"))
			return 0;
		c->non_secure = i == 1;
		return 1;
	}
	case K_DIGEST: {
		static const char *const digests[] = {"sha1", "sha256", "sha512", NULL};
		static const unsigned codes[] = {CTL_DIGEST_SHA1, CTL_DIGEST_SHA256, CTL_DIGEST_SHA512};
		int i = 0;

		if (!set_choice(p, key, &i, value, digests, "sha1, sha256 or sha512"))
			return 0;
		c->digest_code = codes[i];
		return 1;
	}
	case K_SIGNER_VERSION: {
		static const char *const versions[] = {"1.0", "1.1", NULL};
		int i = 0;

		if (!set_choice(p, key, &i, value, versions, "1.0 or 1.1"))
			return 0;
		c->signer_version = i ? 11 : 10;
		return 1;
	}
	case K_SIGNER:
		return set_signer(p, key, value);
	case K_SIGNER_KEY:
		return set_path(p, key, &c->signer_key, value);
	case K_HOST:
		return set_host(p, key, n ? &n->host : &x->host, value);
	case K_IPV4:
		return n ? set_ipv4(p, key, &n->has_ip, n->ip, value)
			 : set_ipv4(p, key, &x->has_ip, x->ip, value);
	case K_ROLES:
		return set_roles(p, key, &n->roles, value);
	case K_PUBLISHER:
		if (!set_bool(p, key, &n->publisher, value))
			return 0;
		if (n->publisher) {
			if (p->publisher_line)
				return fail_key(p, line, key, "[node %s] at line %d is the publisher "
						"already: a cluster has exactly one", p->publisher_name,
						p->publisher_line);
			p->publisher_line = line;
			snprintf(p->publisher_name, sizeof(p->publisher_name), "%s", n->name);
		}
		return 1;
	case K_CALLMANAGER:
		return set_path(p, key, &n->callmanager_cert, value);
	case K_CALLMANAGER_KEY:
		return set_path(p, key, &n->callmanager_key, value);
	case K_CAPF:
		return set_path(p, key, &n->capf_cert, value);
	case K_TVS:
		return set_path(p, key, &n->tvs_cert, value);
	case K_ITLRECOVERY:
		return set_path(p, key, &n->itlrecovery_cert, value);
	case K_ITLRECOVERY_KEY:
		return set_path(p, key, &n->itlrecovery_key, value);
	case K_CERT:
		return set_path(p, key, t ? &t->cert : &x->cert, value);
	case K_CURRENT_CTL:
		return set_held(p, key, &c->current_ctl, value);
	case K_CURRENT_ITL:
		return set_held(p, key, &c->current_itl, value);
	case K_URI: {
		char v[SHOW_ROOM];

		if (!valid_pkcs11_uri(value))
			return fail_key(p, line, key, "`%s' is not a PKCS#11 URI "
					"(pkcs11:token=...;serial=..., no blanks)", SHOW(v, value));
		return set_str(p, &t->uri, strdup(value));
	}
	case K_COUNT:
		break;
	}
	return fail_at(p, CTL_E_INTERNAL, line, "unhandled key `%s'", key);
}

/* ---- entry points ---- */

/* The whole file, bounded: a cluster file is a few KB. */
static ctl_status slurp(const char *path, char **buf, size_t *len, ctl_err *err)
{
	uint8_t *b = NULL;
	ctl_status st = ctl_read_file(path, CLUSTER_FILE_MAX, &b, len, err);

	if (st == CTL_E_MALFORMED)   /* the size limit: the reader's only refusal */
		return ctl_err_set(err, st, -1, -1, -1,
				   "%s: too large for a cluster file (at most 1 MiB)", path);
	if (st)
		return ctl_err_wrap(err, "%s", path);
	*buf = (char *)b;
	return CTL_OK;
}

static char *folder_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *d, *r;

	if (!slash)
		return realpath(".", NULL);
	d = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (!d)
		return NULL;
	r = realpath(d, NULL);
	free(d);
	return r;
}

/* Whole-file checks after the last line. */
static int finish(struct parse *p)
{
	ctl_cluster *c = p->c;
	size_t i;

	if (!close_section(p))
		return 0;
	if (c->nnodes == 0)
		return fail_at(p, CTL_E_MALFORMED, 0, "no [node NAME] section: a cluster "
			       "needs at least one node");
	if (!c->release)
		return fail_at(p, CTL_E_MALFORMED, 0, "no [cluster] section: it needs at least "
			       "`release = ...' (e.g. 12.5)");
	if (c->signer_token) {
		for (i = 0; i < c->ntokens; i++)
			if (strcasecmp(c->tokens[i].name, c->signer_token) == 0)
				break;
		if (i == c->ntokens)
			return fail_key(p, p->signer_line, "signer", "there is no [token %s] section",
					c->signer_token);
	}
	return 1;
}

ctl_status ctl_cluster_load(const char *path, ctl_cluster **out, ctl_err *err)
{
	struct parse p;
	ctl_ini_spec spec = {
		.path = path, .max_line = CLUSTER_LINE_MAX, .comment = ";#", .indent = true,
		.section = open_section, .value = on_value, .ctx = &p,
	};
	char *buf = NULL;
	size_t len = 0;
	ctl_status st;

	ctl_err_clear(err);
	if (out)
		*out = NULL;
	if (!path || !out)
		return ctl_err_set(err, CTL_E_USAGE, -1, -1, -1, "ctl_cluster_load: no path or output");
	memset(&p, 0, sizeof(p));
	p.path = path;
	if ((st = slurp(path, &buf, &len, err)))
		return st;
	p.dir = folder_of(path);
	if (!p.dir) {
		st = ctl_err_set(err, CTL_E_IO, -1, -1, -1, "%s: cannot resolve its folder: %s", path,
				 strerror(errno));
		goto out;
	}
	p.c = calloc(1, sizeof(*p.c));
	if (!p.c || !(p.c->path = strdup(path))) {
		st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "%s: out of memory", path);
		goto out;
	}
	p.c->digest_code = CTL_DIGEST_SHA1;
	if (ctl_ini_read(&p.ini, &spec, buf, len, err) == CTL_OK)
		finish(&p);
	st = ctl_ini_status(&p.ini);
	ctl_ini_done(&p.ini);
out:
	if (st)
		ctl_cluster_free(p.c);
	else
		*out = p.c;
	free(p.dir);
	free(buf);
	free(p.secs);   /* its names belong to the cluster */
	return st;
}

void ctl_cluster_free(ctl_cluster *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nnodes; i++) {
		ctl_cluster_node *n = &c->nodes[i];

		free(n->name);
		free(n->host);
		free(n->callmanager_cert);
		free(n->callmanager_key);
		free(n->capf_cert);
		free(n->tvs_cert);
		free(n->itlrecovery_cert);
		free(n->itlrecovery_key);
	}
	free(c->nodes);
	for (i = 0; i < c->nextra; i++) {
		free(c->extra[i].name);
		free(c->extra[i].host);
		free(c->extra[i].cert);
	}
	free(c->extra);
	for (i = 0; i < c->ntokens; i++) {
		free(c->tokens[i].name);
		free(c->tokens[i].cert);
		free(c->tokens[i].uri);
	}
	free(c->tokens);
	free(c->path);
	free(c->release);
	free(c->signer_token);
	free(c->signer_uri);
	free(c->signer_key);
	free(c->current_ctl);
	free(c->current_itl);
	free(c);
}
