/* SPDX-License-Identifier: MIT */
/* modinfo text lines (docs/go-binary-format.md §2.6); see modinfo.h. */
#include "modinfo.h"

#include <string.h>

#include "hexdigit.h"

void gs_mi_init(struct gs_mi_iter *it, const char *text, size_t len)
{
	it->p = text;
	it->end = text ? text + len : text;
}

static bool span_eq(struct gs_span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n == n && memcmp(s.p, lit, n) == 0;
}

/* Split [p, end) at tabs into at most max spans; the last one keeps the rest. */
static unsigned split_tabs(const char *p, const char *end, struct gs_span *out, unsigned max)
{
	unsigned n = 0;

	while (n < max) {
		const char *tab = n + 1 < max ? memchr(p, '\t', (size_t)(end - p)) : NULL;

		out[n].p = p;
		out[n].n = (size_t)((tab ? tab : end) - p);
		n++;
		if (!tab)
			break;
		p = tab + 1;
	}
	return n;
}

bool gs_mi_next(struct gs_mi_iter *it, struct gs_mi_line *line)
{
	struct gs_span parts[4];
	const char *nl, *end;
	unsigned n;

	while (it->p && it->p < it->end) {
		nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
		end = nl ? nl : it->end;
		line->raw.p = it->p;
		line->raw.n = (size_t)(end - it->p);
		it->p = nl ? nl + 1 : it->end;
		if (line->raw.n == 0)
			continue;

		memset(line->f, 0, sizeof(line->f));
		n = split_tabs(line->raw.p, end, parts, 4);
		line->nf = n > 1 ? n - 1 : 0;
		for (unsigned i = 1; i < n; i++)
			line->f[i - 1] = parts[i];
		if (span_eq(parts[0], "path"))
			line->kind = GS_MI_PATH;
		else if (span_eq(parts[0], "mod"))
			line->kind = GS_MI_MOD;
		else if (span_eq(parts[0], "dep"))
			line->kind = GS_MI_DEP;
		else if (span_eq(parts[0], "=>"))
			line->kind = GS_MI_REPL;
		else if (span_eq(parts[0], "build"))
			line->kind = GS_MI_BUILD;
		else
			line->kind = GS_MI_OTHER;

		if (line->kind == GS_MI_BUILD && line->nf >= 1) {
			/* "build\tkey=value": the key may be quoted and contain '='. */
			struct gs_span kv = { parts[1].p, (size_t)(end - parts[1].p) };
			const char *eq = NULL;

			if (kv.n && kv.p[0] == '"') {
				bool esc = false;

				for (size_t i = 1; i < kv.n; i++) {
					if (esc) {
						esc = false;
					} else if (kv.p[i] == '\\') {
						esc = true;
					} else if (kv.p[i] == '"') {
						if (i + 1 < kv.n && kv.p[i + 1] == '=')
							eq = kv.p + i + 1;
						break;
					}
				}
			} else {
				eq = memchr(kv.p, '=', kv.n);
			}
			if (eq) {
				line->f[0].p = kv.p;
				line->f[0].n = (size_t)(eq - kv.p);
				line->f[1].p = eq + 1;
				line->f[1].n = (size_t)(end - eq - 1);
				line->f[2].p = NULL;
				line->f[2].n = 0;
				line->nf = 2;
			} else {
				line->f[0] = kv;
				line->nf = 1;
			}
		}
		return true;
	}
	return false;
}

bool gs_mi_path(const char *text, size_t len, struct gs_span *out)
{
	struct gs_mi_iter it;
	struct gs_mi_line l;

	gs_mi_init(&it, text, len);
	while (gs_mi_next(&it, &l)) {
		if (l.kind == GS_MI_PATH && l.nf >= 1) {
			*out = l.f[0];
			return true;
		}
	}
	return false;
}

bool gs_mi_main(const char *text, size_t len, struct gs_span *path, struct gs_span *version)
{
	struct gs_mi_iter it;
	struct gs_mi_line l;

	gs_mi_init(&it, text, len);
	while (gs_mi_next(&it, &l)) {
		if (l.kind == GS_MI_MOD && l.nf >= 1) {
			*path = l.f[0];
			*version = l.nf >= 2 ? l.f[1] : (struct gs_span){ "", 0 };
			return true;
		}
	}
	return false;
}

bool gs_mi_setting(const char *text, size_t len, const char *key, char *buf, size_t bufsz)
{
	struct gs_mi_iter it;
	struct gs_mi_line l;
	char kbuf[256];

	gs_mi_init(&it, text, len);
	while (gs_mi_next(&it, &l)) {
		if (l.kind != GS_MI_BUILD || l.nf < 2)
			continue;
		if (!gs_unquote(l.f[0], kbuf, sizeof(kbuf)) || strcmp(kbuf, key) != 0)
			continue;
		return gs_unquote(l.f[1], buf, bufsz);
	}
	return false;
}

/* Append a code point as UTF-8; false when it does not fit. */
static bool put_utf8(char *buf, size_t bufsz, size_t *o, unsigned long cp)
{
	unsigned char tmp[4];
	size_t n;

	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return false;
	if (cp < 0x80) {
		tmp[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		tmp[0] = (unsigned char)(0xc0 | cp >> 6);
		tmp[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		tmp[0] = (unsigned char)(0xe0 | cp >> 12);
		tmp[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		tmp[0] = (unsigned char)(0xf0 | cp >> 18);
		tmp[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		tmp[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (*o + n >= bufsz)
		return false;
	memcpy(buf + *o, tmp, n);
	*o += n;
	return true;
}

bool gs_unquote(struct gs_span in, char *buf, size_t bufsz)
{
	size_t o = 0;

	if (!bufsz)
		return false;
	if (in.n == 0 || in.p[0] != '"') {
		if (in.n >= bufsz)
			return false;
		memcpy(buf, in.p, in.n);
		buf[in.n] = 0;
		return true;
	}
	if (in.n < 2 || in.p[in.n - 1] != '"')
		return false;
	for (size_t i = 1; i + 1 < in.n; i++) {
		char c = in.p[i];
		unsigned long cp = 0;
		unsigned digits = 0;

		if (c == '"')
			return false;
		if (c != '\\') {
			if (o + 1 >= bufsz)
				return false;
			buf[o++] = c;
			continue;
		}
		if (++i + 1 >= in.n)
			return false;
		c = in.p[i];
		switch (c) {
		case 'a': cp = '\a'; break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'v': cp = '\v'; break;
		case '\\': cp = '\\'; break;
		case '"': cp = '"'; break;
		case '\'': cp = '\''; break;
		case 'x': digits = 2; break;
		case 'u': digits = 4; break;
		case 'U': digits = 8; break;
		default:
			if (c >= '0' && c <= '7') {
				/* three octal digits: a raw byte */
				if (i + 3 >= in.n)
					return false;
				for (unsigned k = 0; k < 3; k++) {
					char d = in.p[i + k];

					if (d < '0' || d > '7')
						return false;
					cp = cp * 8 + (unsigned long)(d - '0');
				}
				i += 2;
				if (cp > 255 || o + 1 >= bufsz)
					return false;
				buf[o++] = (char)cp;
				continue;
			}
			return false;
		}
		if (digits) {
			if (i + digits >= in.n)
				return false;
			for (unsigned k = 1; k <= digits; k++) {
				int v = gs_hexval(in.p[i + k]);

				if (v < 0)
					return false;
				cp = cp << 4 | (unsigned long)v;
			}
			i += digits;
			if (c == 'x') {
				if (o + 1 >= bufsz)
					return false;
				buf[o++] = (char)cp;
				continue;
			}
			if (!put_utf8(buf, bufsz, &o, cp))
				return false;
			continue;
		}
		if (o + 1 >= bufsz)
			return false;
		buf[o++] = (char)cp;
	}
	buf[o] = 0;
	return true;
}
