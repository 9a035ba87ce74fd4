/* SPDX-License-Identifier: MIT */
/* UTF-8 repair; see utf8.h. */
#include "utf8.h"

#include <string.h>

/* The bytes a sequence with this lead byte has in all, or 0 for no lead byte. */
static uint8_t seq_len(uint8_t b)
{
	if (b >= 0xc2 && b <= 0xdf)
		return 2;
	if (b >= 0xe0 && b <= 0xef)
		return 3;
	if (b >= 0xf0 && b <= 0xf4)
		return 4;
	return 0;
}

/*
 * May b follow pend[0..have)? The second byte's range depends on the lead
 * byte: that is where overlong forms, surrogates and code points above
 * U+10FFFF are told apart (RFC 3629, section 4); later bytes are 80-bf.
 */
static bool cont_ok(const struct gs_utf8 *u, uint8_t b)
{
	uint8_t lo = 0x80, hi = 0xbf;

	if (u->have == 1) {
		switch (u->pend[0]) {
		case 0xe0:
			lo = 0xa0;
			break;
		case 0xed:
			hi = 0x9f;
			break;
		case 0xf0:
			lo = 0x90;
			break;
		case 0xf4:
			hi = 0x8f;
			break;
		default:
			break;
		}
	}
	return b >= lo && b <= hi;
}

size_t gs_utf8_chunk(struct gs_utf8 *u, const void *in, size_t n, char *out)
{
	const uint8_t *p = in;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t b = p[i];

		if (u->need) {
			if (cont_ok(u, b)) {
				u->pend[u->have++] = b;
				if (u->have == u->need) {
					memcpy(out + o, u->pend, u->have);
					o += u->have;
					u->have = u->need = 0;
				}
				continue;
			}
			/* Broken: its bytes so far are bad; b starts afresh. */
			o += gs_utf8_end(u, out + o);
		}
		if (b < 0x80) {
			out[o++] = (char)b;
		} else if ((u->need = seq_len(b)) != 0) {
			u->pend[0] = b;
			u->have = 1;
		} else {
			out[o++] = '?';
		}
	}
	return o;
}

size_t gs_utf8_end(struct gs_utf8 *u, char *out)
{
	size_t n = u->have;

	memset(out, '?', n);
	u->have = u->need = 0;
	return n;
}

size_t gs_utf8_fix(const void *in, size_t n, char *out)
{
	struct gs_utf8 u = { 0 };
	size_t o = gs_utf8_chunk(&u, in, n, out);

	return o + gs_utf8_end(&u, out + o);
}

bool gs_utf8_valid(const void *in, size_t n)
{
	const uint8_t *p = in;
	struct gs_utf8 u = { 0 };

	for (size_t i = 0; i < n; i++) {
		uint8_t b = p[i];

		if (u.need) {
			if (!cont_ok(&u, b))
				return false;
			u.pend[u.have++] = b;
			if (u.have == u.need)
				u.have = u.need = 0;
		} else if (b >= 0x80) {
			if ((u.need = seq_len(b)) == 0)
				return false;
			u.pend[0] = b;
			u.have = 1;
		}
	}
	return u.need == 0;
}
