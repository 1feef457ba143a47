/* Text from a file, a certificate, a token or a server, made safe to show:
 * the one policy every terminal line and every JSON string follows
 * (docs/json.md). Valid UTF-8 passes unchanged, except what would steer a
 * terminal or hide text:
 *   - a byte that is not part of valid UTF-8 (overlong forms, surrogates
 *     and values past U+10FFFF included) becomes `\xNN';
 *   - a C0 control character and DEL become `\xNN' (`\x1B' for ESC), line
 *     breaks too unless CTL_TEXT_LINES is given;
 *   - C1 controls (U+0080-U+009F) and the invisible characters that reorder
 *     or hide text (U+061C, U+200E, U+200F, U+2028, U+2029, U+202A-U+202E,
 *     U+2066-U+2069) become `\uXXXX'.
 * The result is printable ASCII or UTF-8 and never holds one of those, so
 * cleaning it again changes nothing. */
#ifndef CTLSIGN_TEXT_H
#define CTLSIGN_TEXT_H

#include <stddef.h>

/* Keep line breaks (`\n'): for messages whose lines are their own. */
#define CTL_TEXT_LINES 1u

/* One step of the cleaning, for writers that stream: the character at s
 * (which is not the terminating NUL) is shown as *len bytes at *show (its
 * own bytes, or an escape written to esc). Returns the bytes of s used. */
size_t ctl_text_step(const char *s, unsigned flags, char esc[8], const char **show,
		     size_t *len);
/* Clean in into out (n bytes, always terminated; a long text is cut at a
 * whole character). Returns out. */
char *ctl_text_safe(const char *in, char *out, size_t n, unsigned flags);
/* The same into a malloc'd string (NULL when out of memory). */
char *ctl_text_dup(const char *in, unsigned flags);
/* Input quoted in a message: the first len bytes of s, cut to at most max
 * (at a whole character, then "..."), cleaned. out holds
 * CTL_TEXT_EXCERPT_ROOM(max) bytes. Returns out. */
char *ctl_text_excerpt(const char *s, size_t len, size_t max, char *out, size_t n);
#define CTL_TEXT_EXCERPT_ROOM(max) (CTL_TEXT_ROOM(max) + 3)
/* Room a cleaned copy of a len-byte text can need, terminator included. */
#define CTL_TEXT_ROOM(len) ((len) * 4 + 1)

#endif
