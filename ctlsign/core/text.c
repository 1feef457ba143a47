/* The display-safety policy (text.h). */
#include "text.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (1-4), 0 if there is none; *cp
 * gets its code point. */
static size_t utf8_seq(const unsigned char *s, unsigned *cp)
{
	unsigned c = s[0], v;
	size_t n;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF)
		n = 2, v = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3, v = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4, v = c & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are invalid. */
	if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
	    (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return n;
}

/* Code points that reorder, hide or control instead of showing. */
static bool invisible(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
	       cp == 0x2028 || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

size_t ctl_text_step(const char *in, unsigned flags, char esc[8], const char **show,
		     size_t *len)
{
	const unsigned char *s = (const unsigned char *)in;
	unsigned cp = 0;
	size_t k = utf8_seq(s, &cp);

	if (!k || (k == 1 && (cp < 0x20 || cp == 0x7F) && !(cp == '\n' && (flags & CTL_TEXT_LINES)))) {
		snprintf(esc, 8, "\\x%02X", *s);
		*show = esc;
		*len = 4;
		return 1;
	}
	if (invisible(cp)) {
		snprintf(esc, 8, "\\u%04X", cp);
		*show = esc;
		*len = 6;
		return k;
	}
	*show = in;
	*len = k;
	return k;
}

char *ctl_text_safe(const char *in, char *out, size_t n, unsigned flags)
{
	size_t o = 0;

	if (!n)
		return out;
	while (*in) {
		char esc[8];
		const char *show;
		size_t len, k = ctl_text_step(in, flags, esc, &show, &len);

		if (o + len >= n)
			break;
		memcpy(out + o, show, len);
		o += len;
		in += k;
	}
	out[o] = '\0';
	return out;
}

char *ctl_text_dup(const char *in, unsigned flags)
{
	size_t n = CTL_TEXT_ROOM(strlen(in));
	char *out = malloc(n);

	return out ? ctl_text_safe(in, out, n, flags) : NULL;
}

char *ctl_text_excerpt(const char *s, size_t len, size_t max, char *out, size_t n)
{
	char stack[256], *cut = stack;
	size_t k = len < max ? len : max;

	if (!n)
		return out;
	while (k < len && k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	if (k >= sizeof(stack) && !(cut = malloc(k + 1))) {
		cut = stack;
		k = sizeof(stack) - 1;
	}
	memcpy(cut, s, k);
	cut[k] = '\0';
	ctl_text_safe(cut, out, n > 3 ? n - 3 : n, 0);
	if (k < len && n > 3)
		strcat(out, "...");
	if (cut != stack)
		free(cut);
	return out;
}
