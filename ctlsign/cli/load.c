#include "load.h"

#include "cli.h"

#include "fetch.h"
#include "io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ctl_status load_file(const char *path, loaded *L)
{
	return load_file_ex(path, 0, L);
}

ctl_status load_file_ex(const char *path, unsigned parse_flags, loaded *L)
{
	memset(L, 0, sizeof(*L));
	L->path = path;
	ctl_err_clear(&L->err);
	if (ctl_read_input(path, CTL_FILE_MAX, &L->buf, &L->len, &L->err))
		return L->err.status;
	if (strcmp(path, "-") != 0 && stat(path, &L->st) == 0)
		L->have_st = true;
	/* L->buf lives as long as L->f: no copy of the file. */
	return ctl_parse_ex(L->buf, L->len, parse_flags | CTL_PARSE_BORROW, &L->f, &L->err);
}

void load_free(loaded *L)
{
	ctl_free(L->f);
	free(L->buf);
	L->f = NULL;
	L->buf = NULL;
}

const char *load_kind(const loaded *L)
{
	const char *base;

	if (L->f)
		return ctl_kind(L->f);
	base = strrchr(L->path, '/');
	base = base ? base + 1 : L->path;
	return strncasecmp(base, "ITL", 3) == 0 ? "ITL" : "CTL";
}

static bool is_itl(const loaded *L)
{
	return !strcmp(ctl_kind(L->f), "ITL");
}

int held_take(held_lists *h, const char *path, const char *from, held_want want)
{
	loaded L;

	if (load_file_ex(path, h->parse_flags, &L)) {
		int rc = report(path, &L.err);
		msg_error("(%s names what phones hold; it must be a readable CTL or ITL)", from);
		load_free(&L);
		return rc;
	}
	return held_put(h, &L, from, want);
}

int held_put(held_lists *h, loaded *L, const char *from, held_want want)
{
	held_file tmp = {.set = true, .from = from, .L = *L};
	held_file *slot;

	memset(L, 0, sizeof(*L));
	if ((want == HELD_CTL && is_itl(&tmp.L)) || (want == HELD_ITL && !is_itl(&tmp.L))) {
		msg_error("`%s' (%s) is %s, not %s", tmp.L.path, from,
			  is_itl(&tmp.L) ? "an ITL" : "a CTL", want == HELD_ITL ? "an ITL" : "a CTL");
		load_free(&tmp.L);
		return EXIT_MALFORMED;
	}
	slot = is_itl(&tmp.L) ? &h->itl : &h->ctl;
	if (slot->set) {
		msg_error("`%s' and `%s' are both %s: name one CTL and one ITL that phones hold",
			  slot->L.path, tmp.L.path, is_itl(&tmp.L) ? "ITLs" : "CTLs");
		load_free(&tmp.L);
		return EXIT_USAGE;
	}
	*slot = tmp;
	return EXIT_OK;
}

void held_view(const held_lists *h, ctl_held *out)
{
	memset(out, 0, sizeof(*out));
	out->ctl = h->ctl.set ? h->ctl.L.f : NULL;
	out->ctl_path = h->ctl.set ? h->ctl.L.path : NULL;
	out->itl = h->itl.set ? h->itl.L.f : NULL;
	out->itl_path = h->itl.set ? h->itl.L.path : NULL;
	out->ctl_known = h->ctl.set;
	out->itl_known = h->itl.set;
}

void held_free(held_lists *h)
{
	load_free(&h->ctl.L);
	load_free(&h->itl.L);
	h->ctl.set = h->itl.set = false;
}
