#include "util.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

bool ctl_mac_parse(const char *in, char out[13])
{
	const char *s = in;
	size_t n = 0;
	char sep = 0;

	if (!strncasecmp(s, "SEP", 3))
		s += 3;
	for (size_t i = 0; s[i]; i++) {
		char c = s[i];

		if (isxdigit((unsigned char)c)) {
			if (n == 12)
				return false;
			out[n++] = (char)toupper((unsigned char)c);
			continue;
		}
		/* One separator kind, between every pair of digits and nowhere else. */
		if ((c != ':' && c != '-') || (sep && c != sep) || n == 0 || n % 2 || n == 12 ||
		    !isxdigit((unsigned char)s[i + 1]))
			return false;
		sep = c;
	}
	if (n != 12)
		return false;
	if (sep) {
		/* With separators, all five must be there: "00:1A2B:..." is refused. */
		size_t count = 0;
		for (const char *p = s; *p; p++)
			count += *p == sep;
		if (count != 5)
			return false;
	}
	out[12] = '\0';
	return true;
}
