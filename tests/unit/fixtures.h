/* Shared helpers for the Criterion unit tests: the fixture folder made by
 * tests/fixtures/gen.sh, and a small byte builder for hand-made trust lists. */
#ifndef CTLSIGN_TEST_FIXTURES_H
#define CTLSIGN_TEST_FIXTURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

/* The fixture folder: $CTLSIGN_FIXTURES, else one generated with gen.sh
 * once per unit-tests run (a Criterion PRE_ALL hook in the runner sets
 * CTLSIGN_FIXTURES for every test process and removes the folder after). */
const char *fx_dir(void);
/* "$dir/name", malloc'd. */
char *fx_path(const char *name);
/* Whole fixture file, malloc'd; aborts the test when it cannot be read. */
uint8_t *fx_read(const char *name, size_t *len);
/* A fixture certificate (PEM) as X509 / as malloc'd DER. */
X509 *fx_cert(const char *pem_name);
uint8_t *fx_cert_der(const char *pem_name, size_t *len);
/* The valid trust lists gen.sh makes (NULL-terminated). */
extern const char *const fx_valid[];
/* Every .tlv gen.sh makes whose name starts with "bad-" (NULL-terminated). */
extern const char *const fx_bad[];

/* A loopback socket of this type (SOCK_STREAM or SOCK_DGRAM) that nobody
 * answers on: TCP listens (the kernel completes connections) but never
 * accepts or speaks, UDP is bound and silent; closed, it refuses. Returns
 * the fd and its port in *port. */
int fx_silent_socket(int type, unsigned *port);
/* Monotonic seconds, for bounding how long a call takes. */
double fx_now(void);

/* ---- Byte builder ------------------------------------------------------ */

typedef struct fx_buf {
	uint8_t *p;
	size_t n, cap;
} fx_buf;

void fx_put(fx_buf *b, const void *p, size_t n);
void fx_u8(fx_buf *b, unsigned v);
void fx_u16(fx_buf *b, unsigned v);
void fx_set16(fx_buf *b, size_t at, unsigned v);
/* tag, 16-bit length, value */
void fx_tlv(fx_buf *b, unsigned tag, const void *v, size_t len);
void fx_tlv_str(fx_buf *b, unsigned tag, const char *s);   /* counts the NUL */
void fx_tlv_u8(fx_buf *b, unsigned tag, unsigned v);
void fx_tlv_u16(fx_buf *b, unsigned tag, unsigned v);
void fx_tlv_u32(fx_buf *b, unsigned tag, uint32_t v);
/* Container: open writes tag + placeholder length and returns its offset;
 * close sets the length to what was written since. */
size_t fx_open(fx_buf *b, unsigned tag);
void fx_close(fx_buf *b, size_t at);
void fx_free(fx_buf *b);

/* A header: VERSION 1.2, HEADERLENGTH (fixed by fx_hdr_end), then the body
 * the caller writes, then 0x0D padding to a multiple of 4. */
void fx_hdr_begin(fx_buf *b);
void fx_hdr_end(fx_buf *b);
/* The standard header body: SIGNERID{4,5,6}, SIGNATUREINFO{8,9{10,11}},
 * SIGNATURE (128 bytes of 0x5A), FILENAME, TIMESTAMP in CUCM order
 * (python = false), or 28 first and 4,6,5 (python = true). */
void fx_hdr_body(fx_buf *b, bool python);
/* A whole standard header. */
void fx_header(fx_buf *b, bool python);

/* Records: begin writes RECORDLENGTH with a placeholder, end fixes it. */
size_t fx_rec_begin(fx_buf *b);
void fx_rec_end(fx_buf *b, size_t at);
/* A record holding only DNSNAME, FUNCTION and IPADDRESS (blanked). */
void fx_rec_blank(fx_buf *b, unsigned role);

/* Offset of the first TLV with this tag in the header of a well-formed
 * file, walked independently of ctlsign (containers are stepped into);
 * -1 if absent. */
long fx_hdr_off(const uint8_t *p, size_t n, unsigned tag);
/* Offset of record idx (0-based), -1 if absent. */
long fx_rec_off(const uint8_t *p, size_t n, size_t idx);
/* Offset of the first TLV with this tag in record idx, -1 if absent. */
long fx_rec_tlv_off(const uint8_t *p, size_t n, size_t idx, unsigned tag);
unsigned fx_be16(const uint8_t *p);

#endif
