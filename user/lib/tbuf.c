/* SPDX-License-Identifier: MIT */
/* A growable text buffer (tbuf.h). */
#include "tbuf.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool tb_room(struct gs_tbuf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->oom)
		return false;
	if (b->len + n + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 1024;
	while (cap < b->len + n + 1) {
		if (cap > SIZE_MAX / 2) {
			b->oom = true;
			return false;
		}
		cap *= 2;
	}
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void gs_tbuf_putn(struct gs_tbuf *b, const char *s, size_t n)
{
	if (!tb_room(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void gs_tbuf_puts(struct gs_tbuf *b, const char *s)
{
	gs_tbuf_putn(b, s, strlen(s));
}

void gs_tbuf_printf(struct gs_tbuf *b, const char *fmt, ...)
{
	size_t room = b->cap > b->len ? b->cap - b->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? b->p + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if ((size_t)n < room) {
		b->len += (size_t)n;
		return;
	}
	if (!tb_room(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void gs_tbuf_udec(struct gs_tbuf *b, uint64_t v)
{
	char d[24], *p = d + sizeof(d);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	gs_tbuf_putn(b, p, (size_t)(d + sizeof(d) - p));
}

void gs_tbuf_dec(struct gs_tbuf *b, int64_t v)
{
	if (v < 0) {
		gs_tbuf_putn(b, "-", 1);
		gs_tbuf_udec(b, (uint64_t)0 - (uint64_t)v);
		return;
	}
	gs_tbuf_udec(b, (uint64_t)v);
}

void gs_tbuf_hex(struct gs_tbuf *b, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char d[20], *p = d + sizeof(d);

	do {
		*--p = digits[v & 15];
		v >>= 4;
	} while (v);
	*--p = 'x';
	*--p = '0';
	gs_tbuf_putn(b, p, (size_t)(d + sizeof(d) - p));
}

void gs_tbuf_reset(struct gs_tbuf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

void gs_tbuf_free(struct gs_tbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}
