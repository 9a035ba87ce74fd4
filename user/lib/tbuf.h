/* SPDX-License-Identifier: MIT */
/*
 * tbuf: a growable text buffer the traceback writers append to. An append
 * that cannot grow it sets oom and is dropped, so a writer checks once, at
 * the end, whether the text is complete.
 */
#ifndef GOSCOPE_TBUF_H
#define GOSCOPE_TBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gs_tbuf {
	char *p;
	size_t len, cap;
	bool oom;			/* an append failed: the text is incomplete */
};
void gs_tbuf_puts(struct gs_tbuf *b, const char *s);
void gs_tbuf_putn(struct gs_tbuf *b, const char *s, size_t n);
void gs_tbuf_printf(struct gs_tbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void gs_tbuf_dec(struct gs_tbuf *b, int64_t v);		/* decimal */
void gs_tbuf_udec(struct gs_tbuf *b, uint64_t v);
void gs_tbuf_hex(struct gs_tbuf *b, uint64_t v);		/* "0x" and lower-case digits */
void gs_tbuf_reset(struct gs_tbuf *b);
void gs_tbuf_free(struct gs_tbuf *b);

#endif
