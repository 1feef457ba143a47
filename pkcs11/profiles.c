#include "profiles.h"

#include "inifile.h"
#include "io.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef CTLSIGN_DATADIR
#define CTLSIGN_DATADIR "/usr/local/share/ctlsign"
#endif

#define PROFILE_SUFFIX ".profile"
#define ATR_SECTION_PREFIX "atr:"

/* Keys of the fixed sections; a bit per key catches duplicates (inih itself
 * would hand us both values). */
enum key_id {
	K_NAME, K_VENDOR, K_KIND, K_CONNECTION, K_MIDDLEWARE, K_USB_IDS,
	K_KEY_SIZES, K_NOTES,
	K_PIN_RETRIES, K_PIN_LOCKS_AFTER, K_PIN_LOCK_PERMANENT,
	K_MOD_LINUX, K_MOD_WINDOWS, K_MOD_MACOS,
	K_MANUFACTURERS, K_MODELS,
	K_COUNT
};

static const struct {
	const char *section, *key;
	bool required;
} keys[K_COUNT] = {
	[K_NAME] = {"profile", "name", true},
	[K_VENDOR] = {"profile", "vendor", true},
	[K_KIND] = {"profile", "kind", true},
	[K_CONNECTION] = {"profile", "connection", true},
	[K_MIDDLEWARE] = {"profile", "middleware", true},
	[K_USB_IDS] = {"profile", "usb_ids", false},
	[K_KEY_SIZES] = {"profile", "key_sizes", true},
	[K_NOTES] = {"profile", "notes", false},
	[K_PIN_RETRIES] = {"pin", "retries", true},
	[K_PIN_LOCKS_AFTER] = {"pin", "locks_after", true},
	[K_PIN_LOCK_PERMANENT] = {"pin", "lock_permanent", true},
	[K_MOD_LINUX] = {"modules", "linux", true},
	[K_MOD_WINDOWS] = {"modules", "windows", false},
	[K_MOD_MACOS] = {"modules", "macos", false},
	[K_MANUFACTURERS] = {"pkcs11", "manufacturers", true},
	[K_MODELS] = {"pkcs11", "models", true},
};

static const char *const atr_keys[] = {"label", "bytes", "mask"};
enum { AK_LABEL, AK_BYTES, AK_MASK, AK_COUNT };

/* Per-[atr:ID] parse state beside the public pattern. */
struct atr_state {
	unsigned seen;
	size_t mask_len;
	int mask_line;
};

struct parse_ctx {
	ctl_ini *ini;              /* the reader: line numbers, the first failure */
	ctl_profile *p;
	struct atr_state *atr_st;  /* parallel to p->atrs */
	int key_line[K_COUNT];     /* 0 = not seen */
};

static void strlist_clear(ctl_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void ctl_profile_clear(ctl_profile *p)
{
	if (!p)
		return;
	free(p->id);
	free(p->path);
	free(p->name);
	free(p->vendor);
	free(p->connection);
	free(p->middleware);
	free(p->notes);
	free(p->usb_ids);
	free(p->key_sizes);
	for (int os = 0; os < CTL_OS_COUNT; os++)
		strlist_clear(&p->modules[os]);
	strlist_clear(&p->manufacturers);
	strlist_clear(&p->models);
	for (size_t i = 0; i < p->n_atrs; i++) {
		free(p->atrs[i].id);
		free(p->atrs[i].label);
	}
	free(p->atrs);
	memset(p, 0, sizeof(*p));
}

/* "PATH:LINE: [section] key: problem"; the first failure is the one kept
 * (inifile.h). Returns 0, to stop. */
static int __attribute__((format(printf, 5, 6)))
fail(struct parse_ctx *c, int line, const char *section, const char *key,
     const char *fmt, ...)
{
	char what[CTL_ERR_MSG];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (section && key)
		return ctl_ini_fail(c->ini, CTL_E_MALFORMED, line, "[%s] %s: %s", section, key, what);
	if (section)
		return ctl_ini_fail(c->ini, CTL_E_MALFORMED, line, "[%s]: %s", section, what);
	if (key)
		return ctl_ini_fail(c->ini, CTL_E_MALFORMED, line, "%s: %s", key, what);
	return ctl_ini_fail(c->ini, CTL_E_MALFORMED, line, "%s", what);
}

static int oom(struct parse_ctx *c)
{
	return ctl_ini_fail(c->ini, CTL_E_INTERNAL, 0, "out of memory");
}

static int section_line(const struct parse_ctx *c, const char *name)
{
	return ctl_ini_section_line(c->ini, name);
}

static char *trimmed_dup(const char *s, size_t n)
{
	char *r;

	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	r = malloc(n + 1);
	if (!r)
		return NULL;
	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

/* "a | b | c": every item non-empty. */
static int parse_list(struct parse_ctx *c, const char *sec, const char *key,
		      const char *value, ctl_strlist *out)
{
	const char *p = value;

	for (;;) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);
		char *item = trimmed_dup(p, n);
		char **v;

		if (!item)
			return oom(c);
		if (!*item) {
			free(item);
			return fail(c, ctl_ini_line(c->ini), sec, key, "empty item in `|' list");
		}
		v = realloc(out->v, (out->n + 1) * sizeof(*v));
		if (!v) {
			free(item);
			return oom(c);
		}
		out->v = v;
		out->v[out->n++] = item;
		if (!bar)
			return 1;
		p = bar + 1;
	}
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
	long v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (*s - '0');
		if (v > hi)
			return 0;
	}
	if (v < lo)
		return 0;
	*out = v;
	return 1;
}

/* pcsc-tools style "3B D5 18 00": two hex digits per byte, single spaces. */
static int parse_hex_bytes(struct parse_ctx *c, const char *sec, const char *key,
			   const char *s, unsigned char *out, size_t *len)
{
	size_t n = 0;

	for (;;) {
		uint8_t byte;

		if (!ctl_hex_pair(s, &byte))
			return fail(c, ctl_ini_line(c->ini), sec, key,
				    "byte %zu: expected two hex digits, got `%.2s'", n + 1, s);
		if (n == CTL_ATR_MAX)
			return fail(c, ctl_ini_line(c->ini), sec, key,
				    "more than %d bytes (an ATR is at most %d)",
				    CTL_ATR_MAX, CTL_ATR_MAX);
		out[n++] = byte;
		s += 2;
		if (!*s)
			break;
		if (*s != ' ' || s[1] == ' ' || !s[1])
			return fail(c, ctl_ini_line(c->ini), sec, key,
				    "byte %zu: bytes must be separated by one space", n);
		s++;
	}
	*len = n;
	return 1;
}

/* One item of a `|' list into its element; 0 after fail(). */
typedef int (*item_fn)(struct parse_ctx *c, const char *sec, const char *key,
		       const char *item, void *elem);

/* Every item of a `|' list into an array of elsize elements (*arr, *n). */
static int parse_items(struct parse_ctx *c, const char *sec, const char *key, const char *value,
		       void **arr, size_t elsize, size_t *n, item_fn one)
{
	ctl_strlist items = {0};
	int ok = 0;

	if (!parse_list(c, sec, key, value, &items))
		goto out;
	/* parse_list never yields an empty list; the analyzer cannot tell. */
	if (!items.n) {
		fail(c, ctl_ini_line(c->ini), sec, key, "empty list");
		goto out;
	}
	if (!(*arr = calloc(items.n, elsize))) {
		oom(c);
		goto out;
	}
	for (size_t i = 0; i < items.n; i++) {
		if (!one(c, sec, key, items.v[i], (char *)*arr + i * elsize))
			goto out;
		*n = i + 1;
	}
	ok = 1;
out:
	strlist_clear(&items);
	return ok;
}

/* "VVVV:PPPP": two bytes, the separator, two bytes. */
static int one_usb_id(struct parse_ctx *c, const char *sec, const char *key, const char *s,
		      void *elem)
{
	ctl_usb_id *id = elem;
	uint8_t d[4];

	if (strlen(s) != 9 || s[4] != ':' || !ctl_hex_pair(s, &d[0]) ||
	    !ctl_hex_pair(s + 2, &d[1]) || !ctl_hex_pair(s + 5, &d[2]) ||
	    !ctl_hex_pair(s + 7, &d[3]))
		return fail(c, ctl_ini_line(c->ini), sec, key, "`%s': expected VVVV:PPPP (hex)", s);
	id->vendor = (uint16_t)(d[0] << 8 | d[1]);
	id->product = (uint16_t)(d[2] << 8 | d[3]);
	return 1;
}

static int one_key_size(struct parse_ctx *c, const char *sec, const char *key, const char *s,
			void *elem)
{
	long v;

	if (!parse_int(s, 512, 16384, &v))
		return fail(c, ctl_ini_line(c->ini), sec, key,
			    "`%s': expected an RSA modulus size in bits (512-16384)", s);
	*(unsigned *)elem = (unsigned)v;
	return 1;
}

/* A number, or the word that means "no such limit" (-1). */
static int parse_count(struct parse_ctx *c, const char *sec, const char *key,
		       const char *value, const char *none_word, int *out)
{
	long v;

	if (!strcmp(value, none_word)) {
		*out = -1;
		return 1;
	}
	if (!parse_int(value, 1, 255, &v))
		return fail(c, ctl_ini_line(c->ini), sec, key, "`%s': expected 1-255 or `%s'",
			    value, none_word);
	*out = (int)v;
	return 1;
}

static int set_string(struct parse_ctx *c, char **dst, const char *value)
{
	*dst = strdup(value);
	return *dst ? 1 : oom(c);
}

static int handle_fixed(struct parse_ctx *c, enum key_id k, const char *sec,
			const char *key, const char *value)
{
	ctl_profile *p = c->p;

	switch (k) {
	case K_NAME: return set_string(c, &p->name, value);
	case K_VENDOR: return set_string(c, &p->vendor, value);
	case K_KIND:
		if (!strcmp(value, "usb-token"))
			p->kind = CTL_KIND_USB_TOKEN;
		else if (!strcmp(value, "software"))
			p->kind = CTL_KIND_SOFTWARE;
		else
			return fail(c, ctl_ini_line(c->ini), sec, key,
				    "`%s': expected `usb-token' or `software'", value);
		return 1;
	case K_CONNECTION:
		if (strcmp(value, "ccid") && strcmp(value, "vendor-driver") &&
		    strcmp(value, "none"))
			return fail(c, ctl_ini_line(c->ini), sec, key,
				    "`%s': expected `ccid', `vendor-driver' or `none'", value);
		return set_string(c, &p->connection, value);
	case K_MIDDLEWARE: return set_string(c, &p->middleware, value);
	case K_USB_IDS:
		return parse_items(c, sec, key, value, (void **)&p->usb_ids, sizeof(*p->usb_ids),
				   &p->n_usb_ids, one_usb_id);
	case K_KEY_SIZES:
		return parse_items(c, sec, key, value, (void **)&p->key_sizes,
				   sizeof(*p->key_sizes), &p->n_key_sizes, one_key_size);
	case K_NOTES: return set_string(c, &p->notes, value);
	case K_PIN_RETRIES:
		return parse_count(c, sec, key, value, "none", &p->pin_retries);
	case K_PIN_LOCKS_AFTER:
		return parse_count(c, sec, key, value, "never", &p->pin_locks_after);
	case K_PIN_LOCK_PERMANENT:
		if (!strcmp(value, "yes"))
			p->pin_lock_permanent = true;
		else if (!strcmp(value, "no"))
			p->pin_lock_permanent = false;
		else
			return fail(c, ctl_ini_line(c->ini), sec, key, "`%s': expected `yes' or `no'", value);
		return 1;
	case K_MOD_LINUX:
		return parse_list(c, sec, key, value, &p->modules[CTL_OS_LINUX]);
	case K_MOD_WINDOWS:
		return parse_list(c, sec, key, value, &p->modules[CTL_OS_WINDOWS]);
	case K_MOD_MACOS:
		return parse_list(c, sec, key, value, &p->modules[CTL_OS_MACOS]);
	case K_MANUFACTURERS: return parse_list(c, sec, key, value, &p->manufacturers);
	case K_MODELS: return parse_list(c, sec, key, value, &p->models);
	case K_COUNT: break;
	}
	return fail(c, ctl_ini_line(c->ini), sec, key, "internal: unhandled key");
}

static int valid_atr_id(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '-')
			return 0;
	return 1;
}

static int handle_atr(struct parse_ctx *c, const char *sec, const char *key,
		      const char *value)
{
	const char *id = sec + strlen(ATR_SECTION_PREFIX);
	ctl_profile *p = c->p;
	ctl_atr_pattern *pat = NULL;
	struct atr_state *st = NULL;
	int k;

	if (!valid_atr_id(id))
		return fail(c, ctl_ini_line(c->ini), sec, NULL,
			    "ATR section names are `atr:' + lower-case letters, digits, `-'");
	for (k = 0; k < AK_COUNT; k++)
		if (!strcmp(key, atr_keys[k]))
			break;
	if (k == AK_COUNT)
		return fail(c, ctl_ini_line(c->ini), sec, key,
			    "unknown key (expected label, bytes or mask)");
	for (size_t i = 0; i < p->n_atrs; i++)
		if (!strcmp(p->atrs[i].id, id)) {
			pat = &p->atrs[i];
			st = &c->atr_st[i];
		}
	if (!pat) {
		ctl_atr_pattern *v = realloc(p->atrs, (p->n_atrs + 1) * sizeof(*v));
		struct atr_state *s;

		if (!v)
			return oom(c);
		p->atrs = v;
		s = realloc(c->atr_st, (p->n_atrs + 1) * sizeof(*s));
		if (!s)
			return oom(c);
		c->atr_st = s;
		pat = &p->atrs[p->n_atrs];
		st = &c->atr_st[p->n_atrs];
		memset(pat, 0, sizeof(*pat));
		memset(st, 0, sizeof(*st));
		pat->line = section_line(c, sec);
		pat->id = strdup(id);
		if (!pat->id)
			return oom(c);
		p->n_atrs++;
	}
	if (st->seen & (1u << k))
		return fail(c, ctl_ini_line(c->ini), sec, key, "duplicate key");
	st->seen |= 1u << k;
	switch (k) {
	case AK_LABEL:
		return set_string(c, &pat->label, value);
	case AK_BYTES:
		return parse_hex_bytes(c, sec, key, value, pat->bytes, &pat->len);
	default:
		st->mask_line = ctl_ini_line(c->ini);
		return parse_hex_bytes(c, sec, key, value, pat->mask, &st->mask_len);
	}
}

static int handler(ctl_ini *ini, void *user, const char *section, const char *name,
		   const char *value)
{
	struct parse_ctx *c = user;

	(void)ini;
	if (!*section)
		return fail(c, ctl_ini_line(c->ini), NULL, name, "key outside a [section]");
	if (!*value)
		return fail(c, ctl_ini_line(c->ini), section, name, "empty value");
	if (!strncmp(section, ATR_SECTION_PREFIX, strlen(ATR_SECTION_PREFIX)))
		return handle_atr(c, section, name, value);
	for (int k = 0; k < K_COUNT; k++) {
		if (strcmp(section, keys[k].section))
			continue;
		if (strcmp(name, keys[k].key))
			continue;
		if (c->key_line[k])
			return fail(c, ctl_ini_line(c->ini), section, name,
				    "duplicate key (first at line %d)", c->key_line[k]);
		c->key_line[k] = ctl_ini_line(c->ini);
		return handle_fixed(c, (enum key_id)k, section, name, value);
	}
	for (int k = 0; k < K_COUNT; k++)
		if (!strcmp(section, keys[k].section))
			return fail(c, ctl_ini_line(c->ini), section, name, "unknown key");
	return fail(c, ctl_ini_line(c->ini), section, name,
		    "unknown section (expected profile, pin, modules, pkcs11 or atr:ID)");
}

/* Checks that need the whole file. */
static void validate(struct parse_ctx *c)
{
	ctl_profile *p = c->p;

	for (int k = 0; k < K_COUNT && !ctl_ini_failed(c->ini); k++)
		if (keys[k].required && !c->key_line[k])
			fail(c, section_line(c, keys[k].section), keys[k].section,
			     keys[k].key, "missing key");
	for (size_t i = 0; i < p->n_atrs && !ctl_ini_failed(c->ini); i++) {
		ctl_atr_pattern *pat = &p->atrs[i];
		struct atr_state *st = &c->atr_st[i];
		char sec[CTL_PROFILE_MAX_LINE + 8];

		snprintf(sec, sizeof(sec), ATR_SECTION_PREFIX "%s", pat->id);
		if (!(st->seen & (1u << AK_LABEL))) {
			fail(c, pat->line, sec, "label", "missing key");
			break;
		}
		if (!(st->seen & (1u << AK_BYTES))) {
			fail(c, pat->line, sec, "bytes", "missing key");
			break;
		}
		if (!(st->seen & (1u << AK_MASK))) {
			memset(pat->mask, 0xFF, sizeof(pat->mask));
			continue;
		}
		if (st->mask_len != pat->len) {
			fail(c, st->mask_line, sec, "mask",
			     "%zu bytes, but `bytes' has %zu", st->mask_len, pat->len);
			break;
		}
		/* A bit set in bytes but masked out would never be compared:
		 * almost certainly a typo in one of the two lines. */
		for (size_t j = 0; j < pat->len; j++)
			if (pat->bytes[j] & (unsigned char)~pat->mask[j]) {
				fail(c, st->mask_line, sec, "mask",
				     "byte %zu: bytes %02X has bits outside mask %02X",
				     j + 1, pat->bytes[j], pat->mask[j]);
				break;
			}
	}
	if (ctl_ini_failed(c->ini))
		return;
	if (p->kind == CTL_KIND_USB_TOKEN && !p->n_atrs && !p->n_usb_ids)
		fail(c, section_line(c, "profile"), "profile", "kind",
		     "a usb-token profile needs usb_ids or at least one [atr:ID] section");
	else if (p->kind == CTL_KIND_SOFTWARE && (p->n_atrs || p->n_usb_ids))
		fail(c, section_line(c, "profile"), "profile", "kind",
		     "a software token has no ATR and no USB id");
}

ctl_status ctl_profile_parse(const char *path, const char *id, const char *text,
			     size_t len, ctl_profile *out, ctl_err *err)
{
	struct parse_ctx c = {0};
	ctl_profile p = {0};
	ctl_ini ini;
	ctl_ini_spec spec = {
		.path = path, .max_line = CTL_PROFILE_MAX_LINE, .comment = ";", .indent = false,
		.value = handler, .ctx = &c,
	};
	ctl_status st;

	memset(out, 0, sizeof(*out));
	c.ini = &ini;
	c.p = &p;
	p.id = strdup(id);
	p.path = strdup(path);
	if (!p.id || !p.path) {
		ctl_profile_clear(&p);
		return ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
	}
	if (ctl_ini_read(&ini, &spec, text, len, err) == CTL_OK)
		validate(&c);
	st = ctl_ini_status(&ini);
	ctl_ini_done(&ini);
	if (st == CTL_OK) {
		*out = p;
		memset(&p, 0, sizeof(p));
	}
	ctl_profile_clear(&p);
	free(c.atr_st);
	return st;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool patterns_overlap(const ctl_atr_pattern *a,
			     const ctl_atr_pattern *b)
{
	if (a->len != b->len)
		return false;
	for (size_t i = 0; i < a->len; i++)
		if ((a->bytes[i] ^ b->bytes[i]) & a->mask[i] & b->mask[i])
			return false;
	return true;
}

/* One ATR or USB id must name one family, or identification would depend on
 * file order. */
static ctl_status check_set(const ctl_profile_set *set, ctl_err *err)
{
	for (size_t i = 0; i < set->n; i++)
		for (size_t j = i + 1; j < set->n; j++) {
			const ctl_profile *a = &set->v[i], *b = &set->v[j];

			for (size_t x = 0; x < a->n_atrs; x++)
				for (size_t y = 0; y < b->n_atrs; y++)
					if (patterns_overlap(&a->atrs[x], &b->atrs[y]))
						return ctl_err_set(err, CTL_E_MALFORMED, -1, -1, -1,
							"%s:%d: [atr:%s] can match the same ATR as [atr:%s] in %s:%d",
							b->path, b->atrs[y].line, b->atrs[y].id,
							a->atrs[x].id, a->path, a->atrs[x].line);
			for (size_t x = 0; x < a->n_usb_ids; x++)
				for (size_t y = 0; y < b->n_usb_ids; y++)
					if (a->usb_ids[x].vendor == b->usb_ids[y].vendor &&
					    a->usb_ids[x].product == b->usb_ids[y].product)
						return ctl_err_set(err, CTL_E_MALFORMED, -1, -1, -1,
							"%s: [profile] usb_ids: %04X:%04X is also claimed by %s",
							b->path, b->usb_ids[y].vendor,
							b->usb_ids[y].product, a->path);
		}
	return CTL_OK;
}

ctl_status ctl_profiles_load_dir(const char *dir, ctl_profile_set **out,
				 ctl_err *err)
{
	ctl_profile_set *set = NULL;
	char **names = NULL;
	size_t n_names = 0;
	uint8_t *text = NULL;
	char *path = NULL;
	ctl_status st = CTL_OK;
	DIR *d = NULL;
	struct dirent *de;

	*out = NULL;
	d = opendir(dir);
	if (!d) {
		st = ctl_err_set(err, CTL_E_IO, -1, -1, -1,
				 "token profile directory `%s': %s", dir, strerror(errno));
		goto out;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name), sl = strlen(PROFILE_SUFFIX);
		char **v;

		/* Editors' backup and hidden files are not profiles. */
		if (de->d_name[0] == '.' || n <= sl ||
		    strcmp(de->d_name + n - sl, PROFILE_SUFFIX))
			continue;
		v = realloc(names, (n_names + 1) * sizeof(*v));
		if (!v) {
			st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
			goto out;
		}
		names = v;
		names[n_names] = strdup(de->d_name);
		if (!names[n_names]) {
			st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
			goto out;
		}
		n_names++;
	}
	if (!n_names) {
		st = ctl_err_set(err, CTL_E_IO, -1, -1, -1,
				 "token profile directory `%s' holds no *" PROFILE_SUFFIX " file",
				 dir);
		goto out;
	}
	qsort(names, n_names, sizeof(*names), cmp_str);
	set = calloc(1, sizeof(*set));
	if (set)
		set->v = calloc(n_names, sizeof(*set->v));
	if (set)
		set->dir = strdup(dir);
	if (!set || !set->v || !set->dir) {
		st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n_names; i++) {
		size_t len = 0;
		char *id;

		free(path);
		path = malloc(strlen(dir) + strlen(names[i]) + 2);
		if (!path) {
			st = ctl_err_set(err, CTL_E_INTERNAL, -1, -1, -1, "out of memory");
			goto out;
		}
		sprintf(path, "%s/%s", dir, names[i]);
		free(text);
		text = NULL;
		st = ctl_read_file(path, CTL_PROFILE_MAX_BYTES, &text, &len, err);
		if (st != CTL_OK) {
			ctl_err_wrap(err, "%s", path);
			goto out;
		}
		id = names[i];
		id[strlen(id) - strlen(PROFILE_SUFFIX)] = '\0';
		st = ctl_profile_parse(path, id, (const char *)text, len, &set->v[set->n], err);
		if (st != CTL_OK)
			goto out;
		set->n++;
	}
	st = check_set(set, err);
	if (st != CTL_OK)
		goto out;
	*out = set;
	set = NULL;
out:
	ctl_profiles_free(set);
	for (size_t i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	free(text);
	free(path);
	if (d)
		closedir(d);
	return st;
}

void ctl_profiles_free(ctl_profile_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++)
		ctl_profile_clear(&set->v[i]);
	free(set->v);
	free(set->dir);
	free(set);
}

static bool is_dir(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

ctl_status ctl_profiles_default_dir(char *buf, size_t n, ctl_err *err)
{
	const char *env = getenv(CTL_PROFILES_ENV);
	char exe[PATH_MAX];
	ssize_t len;

	if (env && *env) {
		if ((size_t)snprintf(buf, n, "%s", env) >= n)
			return ctl_err_set(err, CTL_E_USAGE, -1, -1, -1,
					   "%s is too long", CTL_PROFILES_ENV);
		return CTL_OK;
	}
	/* A binary in a build tree (build/ctlsign) uses the profiles of its own
	 * checkout, not an older installed copy; an installed one finds them
	 * beside it (PREFIX/bin -> PREFIX/share/ctlsign) whatever PREFIX the
	 * build was compiled for. */
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		static const char *const rel[] = {"../token-profiles",
						  "../share/ctlsign/token-profiles"};
		char *slash;

		exe[len] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++)
				if ((size_t)snprintf(buf, n, "%s/%s", exe, rel[i]) < n &&
				    is_dir(buf))
					return CTL_OK;
		}
	}
	if ((size_t)snprintf(buf, n, "%s", CTLSIGN_DATADIR "/token-profiles") < n &&
	    is_dir(buf))
		return CTL_OK;
	buf[0] = '\0';
	return ctl_err_set(err, CTL_E_IO, -1, -1, -1,
			   "no token profile directory: %s is missing; set %s",
			   CTLSIGN_DATADIR "/token-profiles", CTL_PROFILES_ENV);
}

ctl_status ctl_profiles_load_default(ctl_profile_set **out, ctl_err *err)
{
	char dir[PATH_MAX];
	ctl_status st;

	*out = NULL;
	st = ctl_profiles_default_dir(dir, sizeof(dir), err);
	if (st != CTL_OK)
		return st;
	return ctl_profiles_load_dir(dir, out, err);
}

bool ctl_atr_match(const ctl_atr_pattern *pat, const unsigned char *atr,
		   size_t len)
{
	if (len != pat->len)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((atr[i] & pat->mask[i]) != (pat->bytes[i] & pat->mask[i]))
			return false;
	return true;
}

const ctl_profile *ctl_profiles_match_atr(const ctl_profile_set *set,
						 const unsigned char *atr, size_t len,
						 const ctl_atr_pattern **pat)
{
	if (pat)
		*pat = NULL;
	if (!set)
		return NULL;
	for (size_t i = 0; i < set->n; i++)
		for (size_t j = 0; j < set->v[i].n_atrs; j++)
			if (ctl_atr_match(&set->v[i].atrs[j], atr, len)) {
				if (pat)
					*pat = &set->v[i].atrs[j];
				return &set->v[i];
			}
	return NULL;
}

const ctl_profile *ctl_profiles_find_usb(const ctl_profile_set *set,
						uint16_t vendor, uint16_t product)
{
	if (!set)
		return NULL;
	for (size_t i = 0; i < set->n; i++)
		for (size_t j = 0; j < set->v[i].n_usb_ids; j++)
			if (set->v[i].usb_ids[j].vendor == vendor &&
			    set->v[i].usb_ids[j].product == product)
				return &set->v[i];
	return NULL;
}

/* CK_TOKEN_INFO strings are fixed-width and space padded. */
static bool pkcs11_str_eq(const char *want, const char *got)
{
	size_t a = strlen(want), b = strlen(got);

	while (a > 0 && want[a - 1] == ' ')
		a--;
	while (b > 0 && (got[b - 1] == ' ' || got[b - 1] == '\0'))
		b--;
	return a == b && strncasecmp(want, got, a) == 0;
}

static bool strlist_has(const ctl_strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (pkcs11_str_eq(l->v[i], s))
			return true;
	return false;
}

bool ctl_profile_claims_pkcs11_string(const ctl_profile *p, const char *s)
{
	return s && (strlist_has(&p->models, s) || strlist_has(&p->manufacturers, s));
}

size_t ctl_profiles_families(const ctl_profile_set *set, const char *manufacturer,
			     const char *model, const ctl_profile **out, size_t max)
{
	size_t n = 0;

	if (!set || !manufacturer || !model)
		return 0;
	for (size_t i = 0; i < set->n; i++) {
		const ctl_profile *p = &set->v[i];

		if (strlist_has(&p->manufacturers, manufacturer) && strlist_has(&p->models, model)) {
			if (n < max)
				out[n] = p;
			n++;
		}
	}
	return n;
}

bool ctl_profile_signs_with(const ctl_profile *p, unsigned bits)
{
	for (size_t i = 0; i < p->n_key_sizes; i++)
		if (p->key_sizes[i] == bits)
			return true;
	return false;
}

static const char *ordinal(int n)
{
	return n % 100 >= 11 && n % 100 <= 13 ? "th" : n % 10 == 1 ? "st" : n % 10 == 2 ? "nd"
	       : n % 10 == 3 ? "rd" : "th";
}

char *ctl_profile_pin_policy(const ctl_profile *p, char *buf, size_t n)
{
	const char *unlock = p->pin_lock_permanent
		? "; only the administrator (SO) password set at initialisation unlocks it" : "";

	if (p->pin_retries < 0 && p->pin_locks_after < 0)
		snprintf(buf, n, "no wrong-PIN counter: the PIN never locks");
	else if (p->pin_locks_after < 0)
		snprintf(buf, n, "%d wrong PINs counted; the PIN never locks", p->pin_retries);
	else if (p->pin_retries < 0)
		snprintf(buf, n, "the %d%s wrong PIN locks it%s", p->pin_locks_after,
			 ordinal(p->pin_locks_after), unlock);
	else
		snprintf(buf, n, "%d wrong PINs tolerated, the %d%s locks it%s", p->pin_retries,
			 p->pin_locks_after, ordinal(p->pin_locks_after), unlock);
	return buf;
}
