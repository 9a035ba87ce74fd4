/* SPDX-License-Identifier: MIT */
/* Terminal-safe text; see ttysafe.h. */
#include "ttysafe.h"

static bool c0(uint8_t b)
{
	return (b < 0x20 && b != '\n' && b != '\t') || b == 0x7f;
}

size_t gs_ttysafe_chunk(struct gs_ttysafe *s, const uint8_t *in, size_t n, uint8_t *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t b = in[i];

		if (s->lead) {
			s->lead = false;
			/* 0xc2 0x80-0x9f is a C1 control: one '?' for the pair. */
			if (b >= 0x80 && b <= 0x9f) {
				out[o++] = '?';
				continue;
			}
			out[o++] = 0xc2;
		}
		if (b == 0xc2) {
			s->lead = true;	/* decide when the next byte comes */
			continue;
		}
		out[o++] = c0(b) ? '?' : b;
	}
	return o;
}

size_t gs_ttysafe_end(struct gs_ttysafe *s, uint8_t *out)
{
	if (!s->lead)
		return 0;
	s->lead = false;
	out[0] = 0xc2;
	return 1;
}
