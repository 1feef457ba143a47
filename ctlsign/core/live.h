/* Reading a running cluster (check --live): every node's CallManager, TVS
 * and CAPF certificates from their TLS handshakes and the CTL and ITL each
 * TFTP node serves, all nodes contacted at once; then what they present
 * against the cluster file and the lists. Read-only and without
 * credentials, like fetch.h. Like all core code: no printing, no exiting.
 * See docs/check.md ("--live"). */
#ifndef CTLSIGN_LIVE_H
#define CTLSIGN_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "check.h"
#include "cluster.h"
#include "ctl.h"
#include "err.h"

/* The services a node is asked for, by its roles in the cluster file. */
typedef enum {
	CTL_LIVE_CALLMANAGER = 0, /* CCM: SCCP over TLS 2443, then SIP over TLS 5061 */
	CTL_LIVE_TVS,             /* TVS: 2445 */
	CTL_LIVE_CAPF,            /* CAPF: 3804 */
	CTL_LIVE_CTL,             /* TFTP: CTLFile.tlv over TFTP (UDP 69) */
	CTL_LIVE_ITL,             /* TFTP: ITLFile.tlv, asked for after the CTL */
} ctl_live_service;

/* "callmanager", "tvs", "capf", "ctl", "itl". */
const char *ctl_live_service_word(ctl_live_service s);

#define CTL_LIVE_PORT_SCCP_TLS 2443u
#define CTL_LIVE_PORT_SIP_TLS 5061u
#define CTL_LIVE_PORT_TVS 2445u
#define CTL_LIVE_PORT_CAPF 3804u
#define CTL_LIVE_PORT_TFTP 69u

/* Ports that replace a service's own (0: its own), on every node. */
typedef struct ctl_live_ports {
	unsigned callmanager;  /* replaces 2443 and 5061: only this one is tried */
	unsigned tvs;
	unsigned capf;
	unsigned tftp;
} ctl_live_ports;

/* "callmanager=N,tvs=N,capf=N,tftp=N": any of them, in any order, each at
 * most once, N in 1..65535, names in any case. Sets the ports named and
 * leaves the others as they are. False (why says what is wrong, p
 * untouched) for anything else. */
bool ctl_live_ports_parse(const char *s, ctl_live_ports *p, char *why, size_t whysz);

/* At most this many connections at a time. */
#define CTL_LIVE_JOBS 16u

typedef struct ctl_live_progress {
	size_t done, total;             /* services (jobs) answered or given up */
	size_t nodes_done, nodes_total; /* nodes whose every service is done */
} ctl_live_progress;

typedef struct ctl_live_opts {
	long timeout_ms;      /* each connection and every wait (<= 0: CTL_FETCH_TIMEOUT_MS) */
	ctl_live_ports ports;
	unsigned jobs;        /* connections at a time (0: CTL_LIVE_JOBS) */
	/* Called on the calling thread, never on a worker: once before the
	 * first answer and after each service is done. May be NULL. */
	void (*progress)(void *ud, const ctl_live_progress *p);
	void *ud;
} ctl_live_opts;

/* What one service of one node gave. */
typedef struct ctl_live_result {
	size_t node;              /* index into the cluster's nodes */
	ctl_live_service service;
	char address[300];        /* what was contacted: the node's ipv4, else its host */
	unsigned port;            /* the port that answered, else the last one tried */
	bool ok;                  /* a certificate, or a list that parsed, was received */
	bool answered;            /* the service answered (ok, not found, or a bad list) */
	bool not_found;           /* CTL/ITL: the server has no such file (a state) */
	bool skipped;             /* ITL: not asked for, the CTL got no answer */
	char error[2 * CTL_ERR_MSG]; /* why not ok (each port tried); "" when ok */
	/* TLS services */
	X509 *cert;               /* the certificate the node presented (owned) */
	char protocol[16];
	bool client_cert_requested;
	/* CTL, ITL */
	char url[400];
	uint8_t *buf;             /* the file as served (owned) */
	size_t len;
	ctl_file *file;           /* parsed; NULL when it did not (error says why) */
	bool sig_valid;           /* its own signature verifies */
	char sig_error[CTL_ERR_MSG];
} ctl_live_result;

typedef struct ctl_live {
	size_t n;
	ctl_live_result *r;       /* in the order of the cluster file's nodes */
	const ctl_cluster *cluster;
	ctl_live_ports ports;
	long timeout_ms;
} ctl_live;

/* Make the libraries ready for threads (libcurl's global setup, OpenSSL's).
 * ctl_live_contact calls it; call it first yourself only to pay the cost
 * early. Must run on the main thread while no other thread uses libcurl. */
ctl_status ctl_live_init(ctl_err *err);

/* Contact every node of the cluster in parallel: the CallManager service of
 * nodes with the CCM role, TVS and CAPF where they run, and the TFTP
 * service of TFTP nodes (CTLFile.tlv, then ITLFile.tlv unless the first
 * attempt got no answer). Each connection waits at most the timeout;
 * CallManager may try two ports. A service that does not answer is a
 * result, not a failure: CTL_OK whenever the contacts ran, CTL_E_INTERNAL
 * (out of memory, no thread) otherwise. The socket writes raise no
 * SIGPIPE. Free with ctl_live_free. */
ctl_status ctl_live_contact(const ctl_cluster *c, const ctl_live_opts *o, ctl_live *out,
			    ctl_err *err);
void ctl_live_free(ctl_live *l);

/* The first result of this service (CTL_LIVE_CTL or _ITL), in the cluster
 * file's order, with a list that verifies, else with one that parsed; NULL
 * when no TFTP node served one. */
const ctl_live_result *ctl_live_first_list(const ctl_live *l, ctl_live_service s);

/* Nodes, services, answers (for a summary). */
typedef struct ctl_live_counts {
	size_t nodes, services, answered, nodes_silent;
} ctl_live_counts;
void ctl_live_count(const ctl_live *l, ctl_live_counts *out);

/* What the live certificates and lists are compared with. */
typedef struct ctl_live_in {
	const ctl_live *live;
	/* The new list being checked, or NULL: the live certificates are then
	 * compared with it instead of with what the TFTP nodes serve of its
	 * kind (it replaces them). */
	const ctl_file *new_f;
	const char *new_path;
	/* The lists named as what phones hold (--current/--itl or the cluster
	 * file's current-ctl/current-itl), or NULL: what TFTP serves must be
	 * that CTL. */
	const ctl_file *named_ctl;
	const char *named_ctl_path;
	const ctl_file *named_itl;  /* compared when no TFTP node serves an ITL */
	const char *named_itl_path;
	/* Phones are said to hold no list (--first): a list TFTP serves says
	 * otherwise. */
	bool first;
} ctl_live_in;

/* Add the LIVE-* findings (docs/check.md) to fs and put it in order again
 * (errors, warnings, information). CTL_OK, or CTL_E_INTERNAL (out of
 * memory; fs->oom). */
ctl_status ctl_live_findings(const ctl_live_in *in, ctl_findings *fs, ctl_err *err);

#endif
