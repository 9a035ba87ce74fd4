/* SPDX-License-Identifier: MIT */
/* A goroutine dump as text, parsed back into goroutines and frames (gtext.h). */
#include "gtext.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct line {
	const char *p;
	size_t n;
};

static bool starts(struct line l, const char *s)
{
	size_t k = strlen(s);

	return l.n >= k && memcmp(l.p, s, k) == 0;
}

/* Unsigned decimal of [p, p+n) fully; false on anything else or overflow. */
static bool dec(const char *p, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (!n || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		if (x > (UINT64_MAX - (uint64_t)(p[i] - '0')) / 10)
			return false;
		x = x * 10 + (uint64_t)(p[i] - '0');
	}
	*v = x;
	return true;
}

/* "0x" then hex digits, the longest run; advances *i. */
static bool hex(const char *p, size_t n, size_t *i, uint64_t *v)
{
	uint64_t x = 0;
	size_t k = *i, d = 0;

	if (k + 2 > n || p[k] != '0' || p[k + 1] != 'x')
		return false;
	k += 2;
	while (k < n) {
		char c = p[k];
		unsigned h;

		if (c >= '0' && c <= '9')
			h = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			h = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			h = (unsigned)(c - 'A' + 10);
		else
			break;
		if (d == 16)
			return false;
		x = x << 4 | h;
		d++;
		k++;
	}
	if (!d)
		return false;
	*i = k;
	*v = x;
	return true;
}

static const char *memrstr(const char *p, size_t n, const char *s)
{
	size_t k = strlen(s);

	if (n < k)
		return NULL;
	for (size_t i = n - k + 1; i-- > 0;)
		if (memcmp(p + i, s, k) == 0)
			return p + i;
	return NULL;
}

static const char *memstr(const char *p, size_t n, const char *s)
{
	size_t k = strlen(s);

	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(p + i, s, k) == 0)
			return p + i;
	return NULL;
}

/* "\tFILE:LINE[ +0xOFF][ fp=0x.. sp=0x.. pc=0x..]" into f. */
static bool file_line(struct line l, struct gs_tx_frame *f)
{
	const char *p = l.p + 1, *end = l.p + l.n, *cut, *colon;
	size_t n = l.n - 1;
	uint64_t v;

	if (l.n < 2 || l.p[0] != '\t')
		return false;
	cut = memstr(p, n, " fp=");
	if (cut) {
		size_t i = (size_t)(cut - p) + 4;

		if (hex(p, n, &i, &f->fp) && i + 4 <= n && !memcmp(p + i, " sp=", 4)) {
			i += 4;
			if (hex(p, n, &i, &f->sp) && i + 4 <= n && !memcmp(p + i, " pc=", 4)) {
				i += 4;
				if (hex(p, n, &i, &f->pc) && i == n)
					f->has_fpsp = true;
			}
		}
		if (!f->has_fpsp)
			return false;
		end = cut;
	}
	cut = memrstr(p, (size_t)(end - p), " +0x");
	if (cut) {
		size_t i = (size_t)(cut - p) + 2;

		if (!hex(p, (size_t)(end - p), &i, &f->off) || p + i != end)
			return false;
		f->has_off = true;
		end = cut;
	}
	colon = NULL;
	for (const char *q = end; q-- > p;)
		if (*q == ':') {
			colon = q;
			break;
		}
	if (!colon || !dec(colon + 1, (size_t)(end - colon - 1), &v) || v > INT32_MAX)
		return false;
	f->file = (struct gs_tx_str){ p, (size_t)(colon - p) };
	f->line = (int64_t)v;
	return true;
}

/* "pkg.F(args)": the last '(' opens the argument list. */
static bool func_line(struct line l, struct gs_tx_frame *f)
{
	const char *open = NULL;

	if (l.n < 3 || l.p[l.n - 1] != ')' || l.p[0] == '\t' || l.p[0] == ' ')
		return false;
	for (size_t i = l.n - 1; i-- > 0;)
		if (l.p[i] == '(') {
			open = l.p + i;
			break;
		}
	if (!open || open == l.p)
		return false;
	f->func = (struct gs_tx_str){ l.p, (size_t)(open - l.p) };
	f->args = (struct gs_tx_str){ open + 1, (size_t)(l.p + l.n - 1 - open - 1) };
	return true;
}

/* "goroutine N[ extra] [state]:" (labels after ']' allowed). */
static bool header(struct line l, struct gs_tx_goroutine *g)
{
	const char *p = l.p + 10, *end = l.p + l.n, *sp, *open, *close;
	uint64_t id;

	if (!starts(l, "goroutine ") || l.n < 15 || l.p[l.n - 1] != ':')
		return false;
	for (sp = p; sp < end && *sp >= '0' && *sp <= '9'; sp++)
		;
	if (!dec(p, (size_t)(sp - p), &id) || sp >= end || *sp != ' ')
		return false;
	open = memchr(sp, '[', (size_t)(end - sp));
	if (!open)
		return false;
	close = memchr(open, ']', (size_t)(end - open));
	if (!close)
		return false;
	memset(g, 0, sizeof(*g));
	g->goid = id;
	g->extra = (struct gs_tx_str){ sp + 1, open > sp + 1 ? (size_t)(open - 1 - (sp + 1)) : 0 };
	g->state = (struct gs_tx_str){ open + 1, (size_t)(close - open - 1) };
	g->minutes = -1;
	/* status[, N minutes][, locked to thread][, synctest ...] */
	{
		const char *s = g->state.p, *e = s + g->state.n, *c;

		c = memstr(s, g->state.n, ", ");
		g->status = (struct gs_tx_str){ s, c ? (size_t)(c - s) : g->state.n };
		while (c) {
			const char *q = c + 2, *nx = memstr(q, (size_t)(e - q), ", ");
			size_t k = nx ? (size_t)(nx - q) : (size_t)(e - q);
			uint64_t m;

			if (k > 8 && !memcmp(q + k - 8, " minutes", 8) && dec(q, k - 8, &m) &&
			    m < (1ull << 62))
				g->minutes = (int64_t)m;
			else if (k == 16 && !memcmp(q, "locked to thread", 16))
				g->locked = true;
			c = nx;
		}
	}
	return true;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem, size_t max, struct gs_err *err)
{
	size_t c;
	void *q;

	if (need <= *cap)
		return 0;
	if (need > max)
		return gs_errf(err, E2BIG, "more than %zu entries in the dump", max);
	c = *cap ? *cap * 2 : 64;
	if (c < need)
		c = need;
	if (c > max)
		c = max;
	q = realloc(*p, c * elem);
	if (!q)
		return gs_errf(err, ENOMEM, "out of memory");
	*p = q;
	*cap = c;
	return 0;
}

int gs_tx_parse(const char *text, size_t len, struct gs_tx *tx, struct gs_err *err)
{
	struct gs_tx_goroutine *cur = NULL;
	size_t pos = 0;
	bool want_file = false, want_creator_file = false;

	memset(tx, 0, sizeof(*tx));
	if (len > GS_TX_MAX_TEXT)
		return gs_errf(err, E2BIG, "dump larger than %llu bytes", GS_TX_MAX_TEXT);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		struct line l = { text + pos, nl ? (size_t)(nl - (text + pos)) : len - pos };
		struct gs_tx_goroutine g;

		pos += l.n + (nl ? 1 : 0);
		if (want_file) {
			want_file = false;
			if (file_line(l, &tx->fr[tx->nfr - 1]))
				continue;
		}
		if (want_creator_file) {
			want_creator_file = false;
			if (file_line(l, &cur->creator_at))
				continue;
		}
		if (l.n == 0) {
			cur = NULL;
			continue;
		}
		if (header(l, &g)) {
			if (grow((void **)&tx->g, &tx->gcap, tx->n + 1, sizeof(*tx->g),
				 GS_TX_MAX_GOROUTINES, err) < 0)
				goto fail;
			cur = &tx->g[tx->n++];
			*cur = g;
			cur->frame0 = tx->nfr;
			continue;
		}
		if (!cur) {
			tx->skipped++;
			continue;
		}
		if (starts(l, "created by ")) {
			const char *p = l.p + 11, *e = l.p + l.n, *in = memstr(p, (size_t)(e - p),
									     " in goroutine ");
			uint64_t id;

			cur->has_creator = true;
			if (in && dec(in + 14, (size_t)(e - in - 14), &id)) {
				cur->creator = (struct gs_tx_str){ p, (size_t)(in - p) };
				cur->creator_goid = id;
			} else {
				cur->creator = (struct gs_tx_str){ p, (size_t)(e - p) };
			}
			cur->creator_at.line = -1;
			want_creator_file = true;
			continue;
		}
		if (starts(l, "...additional frames elided...")) {
			cur->elided = -1;
			cur->elided_at = cur->nframes;
			continue;
		}
		if (starts(l, "...") && l.n > 20 && !memcmp(l.p + l.n - 17, " frames elided...", 17)) {
			uint64_t k;

			if (dec(l.p + 3, l.n - 20, &k) && k < (1ull << 62)) {
				cur->elided = (int64_t)k;
				cur->elided_at = cur->nframes;
				continue;
			}
		}
		if (l.p[0] == '\t') {
			if (!cur->note.n)
				cur->note = (struct gs_tx_str){ l.p + 1, l.n - 1 };
			else
				tx->skipped++;
			continue;
		}
		{
			struct gs_tx_frame f = { .line = -1 };

			if (func_line(l, &f)) {
				if (grow((void **)&tx->fr, &tx->frcap, tx->nfr + 1, sizeof(*tx->fr),
					 GS_TX_MAX_FRAMES, err) < 0)
					goto fail;
				tx->fr[tx->nfr++] = f;
				cur->nframes++;
				want_file = true;
				continue;
			}
		}
		tx->skipped++;
	}
	return 0;
fail:
	gs_tx_free(tx);
	return -1;
}

void gs_tx_free(struct gs_tx *tx)
{
	free(tx->g);
	free(tx->fr);
	memset(tx, 0, sizeof(*tx));
}

const struct gs_tx_goroutine *gs_tx_find(const struct gs_tx *tx, uint64_t goid)
{
	for (size_t i = 0; i < tx->n; i++)
		if (tx->g[i].goid == goid)
			return &tx->g[i];
	return NULL;
}
