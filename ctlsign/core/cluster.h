/* The cluster description file: what an admin writes once and re-runs.
 * INI, parsed with libinih; see docs/cluster-file.md. */
#ifndef CTLSIGN_CLUSTER_H
#define CTLSIGN_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Where a value came from, for messages: "cluster.ini:12: key `cert'". */
typedef struct ctl_src {
	int line;
	char key[64];
} ctl_src;

typedef struct ctl_cluster_node {
	char *name;            /* section name, e.g. "ccm1" from [node ccm1] */
	char *host;            /* DNS name written into records */
	bool has_ip;
	uint8_t ip[4];
	unsigned roles;        /* CTL_NODE_* bits */
	bool publisher;
	char *callmanager_cert;/* absolute paths (resolved against the file's folder) */
	char *callmanager_key; /* optional: for tokenless signing */
	char *capf_cert;
	char *tvs_cert;
	char *itlrecovery_cert;/* usually only on the publisher */
	char *itlrecovery_key;
	ctl_src src;           /* the section header line */
} ctl_cluster_node;

enum {
	CTL_NODE_CCM = 1u << 0,
	CTL_NODE_TFTP = 1u << 1,
	CTL_NODE_CAPF = 1u << 2,
	CTL_NODE_TVS = 1u << 3,
};

/* [tftp NAME], [firewall NAME], [app-server NAME]: one certificate each. */
typedef struct ctl_cluster_extra {
	char *name;
	int role;              /* CTL_ROLE_TFTP, CTL_ROLE_CCM (firewall), CTL_ROLE_APP_SERVER */
	char *host;
	bool has_ip;
	uint8_t ip[4];
	char *cert;
	ctl_src src;
} ctl_cluster_extra;

/* [token NAME]: a SAST eToken certificate (and, optionally, the PKCS#11 URI
 * that signs with it). */
typedef struct ctl_cluster_token {
	char *name;
	char *cert;
	char *uri;             /* may be NULL */
	ctl_src src;
} ctl_cluster_token;

/* Who signs. PRESET: the release's tokenless preset (plan.c). */
typedef enum {
	CTL_SIGNER_PRESET = 0,
	CTL_SIGNER_ITLRECOVERY,
	CTL_SIGNER_CALLMANAGER,
	CTL_SIGNER_TOKEN,      /* a [token NAME] section, or a pkcs11: URI */
} ctl_signer_kind;

/* A release as numbers: "12.5(1)SU3" is {12, 5, 1, 3}; absent parts are 0. */
typedef struct ctl_release {
	unsigned major, minor, mr, su;
} ctl_release;

typedef struct ctl_cluster {
	char *path;            /* the file itself */
	char *release;         /* "12.5", "11.5", "10.5(2)", "10.0"... */
	ctl_release rel;       /* release, parsed (the presets compare against it) */
	bool non_secure;       /* mode = non-secure (default mixed) */
	unsigned digest_code;  /* CTL_DIGEST_SHA1 (default), _SHA256, _SHA512 */
	int signer_version;    /* 0: not set, 10: 1.0, 11: 1.1 */
	ctl_signer_kind signer_kind;
	char *signer_token;    /* CTL_SIGNER_TOKEN: the [token NAME], or NULL */
	char *signer_uri;      /* CTL_SIGNER_TOKEN: a pkcs11: URI, or NULL */
	/* What phones hold now (paths resolved like certificates, or URLs), or
	 * NULL: see `build --current'. */
	char *current_ctl;
	char *current_itl;
	char *signer_key;      /* PEM key file overriding the preset's key, or NULL */
	size_t nnodes;
	ctl_cluster_node *nodes;
	size_t nextra;
	ctl_cluster_extra *extra;
	size_t ntokens;
	ctl_cluster_token *tokens;
} ctl_cluster;

/* Parse a cluster file. Every error names the file, line and key:
 * err->msg = "cluster.ini:12: key `ipv4': `10.0.0.300' is not an IPv4 address".
 * Unknown sections or keys are errors (a typo must not silently drop a node). */
ctl_status ctl_cluster_load(const char *path, ctl_cluster **out, ctl_err *err);
void ctl_cluster_free(ctl_cluster *c);

/* Parse "N", "N.N" or "N.N(N)", each optionally followed by "SU<n>[a-z]"
 * ("14SU3", "12.5(1)SU7"). False if s is none of these. */
bool ctl_release_parse(const char *s, ctl_release *out);
/* Compare r with major.minor(mr)SUsu like strcmp: <0, 0, >0. */
int ctl_release_cmp(const ctl_release *r, unsigned major, unsigned minor,
		    unsigned mr, unsigned su);

#endif
