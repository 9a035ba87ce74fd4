/* SPDX-License-Identifier: MIT */
/* One hex digit's value, for the text parsers (modinfo.c, sockets.c). */
#ifndef GOSCOPE_HEXDIGIT_H
#define GOSCOPE_HEXDIGIT_H

/* 0-15, or -1 when c is not a hex digit (either case). */
static inline int gs_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
