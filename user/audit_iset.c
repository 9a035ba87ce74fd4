/* SPDX-License-Identifier: MIT */
/*
 * The (dev, inode) sets of the audit tree walker: directories read and
 * files seen, so that bind mounts make no loop and hard links are parsed
 * once. Open addressing, grown at half full; callers hold the walker's lock
 * while its threads run.
 */
#include "audit_walk.h"

#include <stdint.h>
#include <stdlib.h>

static size_t ihash(dev_t dev, ino_t ino, size_t cap)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)dev * 0xc2b2ae3d27d4eb4full;

	return (size_t)(h ^ h >> 29) & (cap - 1);
}

struct islot *audit_iset_find(const struct iset *s, dev_t dev, ino_t ino)
{
	if (!s->cap)
		return NULL;
	for (size_t i = ihash(dev, ino, s->cap);; i = (i + 1) & (s->cap - 1)) {
		struct islot *e = &s->slot[i];

		if (!e->used)
			return NULL;
		if (e->dev == dev && e->ino == ino)
			return e;
	}
}

static bool iset_grow(struct iset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 1024;
	struct islot *n = calloc(cap, sizeof(*n));

	if (!n)
		return false;
	for (size_t i = 0; i < s->cap; i++) {
		struct islot *e = &s->slot[i];
		size_t j;

		if (!e->used)
			continue;
		for (j = ihash(e->dev, e->ino, cap); n[j].used; j = (j + 1) & (cap - 1))
			;
		n[j] = *e;
	}
	free(s->slot);
	s->slot = n;
	s->cap = cap;
	return true;
}

struct islot *audit_iset_add(struct iset *s, dev_t dev, ino_t ino, bool *fresh)
{
	struct islot *e = audit_iset_find(s, dev, ino);
	size_t i;

	*fresh = false;
	if (e)
		return e;
	if ((s->n + 1) * 2 > s->cap && !iset_grow(s))
		return NULL;
	for (i = ihash(dev, ino, s->cap); s->slot[i].used; i = (i + 1) & (s->cap - 1))
		;
	e = &s->slot[i];
	e->used = true;
	e->dev = dev;
	e->ino = ino;
	e->cls = NULL;
	s->n++;
	*fresh = true;
	return e;
}
