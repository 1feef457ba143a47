/* Small chores every part of ctlsign needs, each done once here: MAC
 * addresses, hex, times, telling PEM from DER. Like all core code: no
 * printing, no exiting. (Reading whole files: io.h; text that is shown:
 * text.h.) */
#ifndef CTLSIGN_UTIL_H
#define CTLSIGN_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* A phone's MAC address as a per-phone file name uses it: 12 upper-case hex
 * digits. Accepts `001A2B3C4D5E', `00:1a:2b:3c:4d:5e', `00-1A-2B-3C-4D-5E'
 * and the same with a `SEP' prefix, in any case. False for anything else. */
bool ctl_mac_parse(const char *in, char out[13]);

/* ---- Hex ---------------------------------------------------------------- */

/* The value of a hex digit (either case), -1 for anything else. */
int ctl_hex_digit(int c);
/* Two hex digits at s as one byte; false unless both are hex digits. */
bool ctl_hex_pair(const char *s, uint8_t *out);
/* n bytes as hex: two digits a byte, upper or lower case, sep between bytes
 * (0: none). Cut at a whole byte when out is too small; always terminated.
 * Returns out. */
char *ctl_hex_encode(const uint8_t *p, size_t n, char sep, bool upper, char *out, size_t outsz);
/* The same, malloc'd (NULL when out of memory). */
char *ctl_hex_dup(const uint8_t *p, size_t n, char sep, bool upper);
/* "AA:BB:..." upper case, as serials and fingerprints are shown. */
void ctl_hex_colon(const uint8_t *p, size_t n, char *out, size_t outsz);
/* Exactly n bytes of hex, either case, with sep between every two digits
 * (sep 0: no separator at all). False for anything else. */
bool ctl_hex_decode(const char *in, char sep, uint8_t *out, size_t n);

/* ---- Times -------------------------------------------------------------- */

/* ISO 8601 UTC, "2015-05-07T03:10:47Z"; "" for (time_t)-1 (a time that
 * could not be read) or one that cannot be shown. Returns out. */
char *ctl_time_iso(time_t t, char *out, size_t n);
/* The date alone, "2015-05-07"; "" as above. */
char *ctl_date_iso(time_t t, char *out, size_t n);

/* ---- Certificates and keys on disk -------------------------------------- */

/* PEM (text with a `-----BEGIN' line) or not; not PEM is read as DER. */
bool ctl_is_pem(const uint8_t *buf, size_t len);

#endif
