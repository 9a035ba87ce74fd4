/* SPDX-License-Identifier: MIT */
/*
 * Version and modinfo recovery for binaries without .go.buildinfo
 * (docs/go-binary-format.md §7.2 and §7.3): walk the writable data
 * as Go string headers {ptr, len} and keep the one whose bytes look like
 * runtime.buildVersion. Arch-independent; the linker keeps that variable
 * alive because runtime.schedinit reads it.
 */
#include "goelf.h"

#include <elf.h>
#include <string.h>

#define VERSION_MIN 4
#define VERSION_MAXLEN 128
#define MAX_DISTINCT 4

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* ^[0-9]+ — returns the count, 0 for none. */
static size_t digits(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n && is_digit(s[i]))
		i++;
	return i;
}

bool gs_version_plausible(const uint8_t *s, size_t n)
{
	size_t i, d;

	if (n < VERSION_MIN || n > VERSION_MAXLEN)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	if (n > 6 && memcmp(s, "devel ", 6) == 0)
		return true;
	/* go1\.[0-9]+(\.[0-9]+)?((rc|beta)[0-9]+)?([ +-][ -~]*)? */
	if (memcmp(s, "go1.", 4) != 0)
		return false;
	i = 4;
	d = digits(s + i, n - i);
	if (!d)
		return false;
	i += d;
	if (i < n && s[i] == '.') {
		d = digits(s + i + 1, n - i - 1);
		if (!d)
			return false;
		i += 1 + d;
	}
	if (i + 2 <= n && (memcmp(s + i, "rc", 2) == 0 ||
			   (i + 4 <= n && memcmp(s + i, "beta", 4) == 0))) {
		size_t k = s[i] == 'r' ? 2 : 4;

		d = digits(s + i + k, n - i - k);
		if (!d)
			return false;
		i += k + d;
	}
	if (i == n)
		return true;
	return s[i] == ' ' || s[i] == '+' || s[i] == '-';
}

typedef bool (*hdr_pred)(const uint8_t *s, uint64_t n, void *arg);

/*
 * Walk the file part of every writable PT_LOAD at pointer alignment and call
 * pred on each {ptr, len} whose bytes are in a PT_LOAD's file part and whose
 * len is in [minlen, maxlen]. Stops when pred returns true, or when the
 * budget's bytes (walked) or steps (headers resolved) run out.
 */
static bool walk_headers(const struct gs_elf *e, uint64_t minlen, uint64_t maxlen,
			 hdr_pred pred, void *arg, struct gs_budget *b)
{
	unsigned ps = e->ptrsize;

	for (unsigned i = 0; i < e->nphdr; i++) {
		const struct gs_phdr *ph = &e->ph[i];
		const uint8_t *seg;
		size_t seglen, start;

		if (ph->type != PT_LOAD || !(ph->flags & PF_W))
			continue;
		seg = gs_elf_seg_bytes(e, ph, &seglen);
		if (!seg || seglen < 2 * ps)
			continue;
		seglen = gs_budget_bytes(b, seglen);
		start = (size_t)((ps - (ph->vaddr % ps)) % ps);
		for (size_t off = start; off + 2 * ps <= seglen; off += ps) {
			uint64_t len = gs_rdptr(e, seg + off + ps), ptr;
			const uint8_t *s;

			if (len < minlen || len > maxlen)
				continue;
			if (!gs_budget_step(b))
				return false;
			ptr = gs_rdptr(e, seg + off);
			s = gs_elf_vaddr(e, ptr, len);
			if (s && pred(s, len, arg))
				return true;
		}
	}
	return false;
}

struct vscan {
	const uint8_t *hit[MAX_DISTINCT];
	uint64_t len[MAX_DISTINCT];
	unsigned n;
	bool overflow;
};

static bool version_pred(const uint8_t *s, uint64_t n, void *arg)
{
	struct vscan *v = arg;

	if ((s[0] != 'g' && s[0] != 'd') || !gs_version_plausible(s, (size_t)n))
		return false;
	for (unsigned i = 0; i < v->n; i++)
		if (v->len[i] == n && memcmp(v->hit[i], s, n) == 0)
			return false;	/* same string seen again */
	if (v->n == MAX_DISTINCT) {
		v->overflow = true;
		return true;
	}
	v->hit[v->n] = s;
	v->len[v->n] = n;
	v->n++;
	return false;
}

int gs_version_scan(const struct gs_elf *e, char *out, size_t outsz)
{
	struct gs_budget b = GS_BUDGET_STRWALK;

	return gs_version_scan_budget(e, out, outsz, &b);
}

int gs_version_scan_budget(const struct gs_elf *e, char *out, size_t outsz, struct gs_budget *b)
{
	struct vscan v = { .n = 0 };

	walk_headers(e, VERSION_MIN, VERSION_MAXLEN, version_pred, &v, b);
	/*
	 * Exactly one distinct candidate, or we do not claim an exact version;
	 * a walk cut short by its budget may have missed a second one.
	 */
	if (v.n != 1 || v.overflow || b->spent || v.len[0] >= outsz)
		return -1;
	memcpy(out, v.hit[0], v.len[0]);
	out[v.len[0]] = 0;
	return 0;
}

struct mscan {
	const uint8_t *hit;
	uint64_t len;
};

static bool modinfo_pred(const uint8_t *s, uint64_t n, void *arg)
{
	struct mscan *m = arg;
	const uint8_t *t;
	size_t tl;

	if (s[0] != gs_modinfo_start[0] || !gs_modinfo_unframe(s, (size_t)n, &t, &tl))
		return false;
	m->hit = s;
	m->len = n;
	return true;
}

/*
 * Fallback: the start sentinel, then the end sentinel, in one PT_LOAD. Both
 * searches spend the budget's bytes; each start sentinel followed, a step.
 */
static int sentinel_search(const struct gs_elf *e, const uint8_t **raw, size_t *len,
			   struct gs_budget *bud)
{
	for (unsigned i = 0; i < e->nphdr; i++) {
		const struct gs_phdr *ph = &e->ph[i];
		const uint8_t *seg, *a, *b, *t;
		size_t seglen, rest, tl;

		if (ph->type != PT_LOAD)
			continue;
		seg = gs_elf_seg_bytes(e, ph, &seglen);
		if (!seg)
			continue;
		a = memmem(seg, gs_budget_bytes(bud, seglen), gs_modinfo_start, 16);
		if (!a || !gs_budget_step(bud))
			continue;
		rest = seglen - (size_t)(a - seg);
		if (rest > GS_MODINFO_MAX)
			rest = GS_MODINFO_MAX;
		b = memmem(a + 16, gs_budget_bytes(bud, rest - 16), gs_modinfo_end, 16);
		if (!b)
			continue;
		if (!gs_modinfo_unframe(a, (size_t)(b + 16 - a), &t, &tl))
			continue;
		*raw = a;
		*len = (size_t)(b + 16 - a);
		return 0;
	}
	return -1;
}

int gs_modinfo_scan(const struct gs_elf *e, const uint8_t **raw, size_t *len)
{
	struct gs_budget walk = GS_BUDGET_STRWALK, sentinel = GS_BUDGET_SENTINEL;

	return gs_modinfo_scan_budget(e, raw, len, &walk, &sentinel);
}

int gs_modinfo_scan_budget(const struct gs_elf *e, const uint8_t **raw, size_t *len,
			   struct gs_budget *walk, struct gs_budget *sentinel)
{
	struct mscan m = { NULL, 0 };

	if (walk_headers(e, 33, GS_MODINFO_MAX, modinfo_pred, &m, walk)) {
		*raw = m.hit;
		*len = (size_t)m.len;
		walk->spent = false;
		return 0;
	}
	if (sentinel_search(e, raw, len, sentinel) < 0)
		return -1;
	walk->spent = sentinel->spent = false;
	return 0;
}
