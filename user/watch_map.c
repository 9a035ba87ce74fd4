// SPDX-License-Identifier: MIT
/*
 * A hash map from 64-bit keys to pointers for goscope watch: open
 * addressing with linear probing and backward-shift deletion, so there are
 * no tombstones and lookups stay short however many processes come and go.
 */
#include "watch.h"

#include <stdlib.h>
#include <string.h>

#define WMAP_MIN	64

static size_t slot_of(uint64_t key, size_t cap)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

void *wmap_get(const struct wmap *m, uint64_t key)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = slot_of(key, m->cap); m->vals[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key)
			return m->vals[i];
	return NULL;
}

static void insert_new(struct wmap *m, uint64_t key, void *val)
{
	size_t i = slot_of(key, m->cap);

	/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): grow() hands over fresh arrays */
	while (m->vals[i])
		i = (i + 1) & (m->cap - 1);
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
}

static int grow(struct wmap *m)
{
	struct wmap big = { 0 };
	size_t cap = m->cap ? m->cap * 2 : WMAP_MIN;

	if (cap < m->cap)
		return -1;
	big.keys = calloc(cap, sizeof(*big.keys));
	big.vals = calloc(cap, sizeof(*big.vals));
	if (!big.keys || !big.vals) {
		free(big.keys);
		free(big.vals);
		return -1;
	}
	big.cap = cap;
	for (size_t i = 0; i < m->cap; i++)
		if (m->vals[i])
			insert_new(&big, m->keys[i], m->vals[i]);
	free(m->keys);
	free(m->vals);
	*m = big;
	return 0;
}

int wmap_put(struct wmap *m, uint64_t key, void *val)
{
	size_t i;

	if (!val)
		return -1;
	if (m->cap) {
		for (i = slot_of(key, m->cap); m->vals[i]; i = (i + 1) & (m->cap - 1)) {
			if (m->keys[i] == key) {
				m->vals[i] = val;
				return 0;
			}
		}
	}
	/* Keep the load under 3/4. */
	if ((m->n + 1) * 4 > m->cap * 3 && grow(m))
		return -1;
	insert_new(m, key, val);
	return 0;
}

void *wmap_del(struct wmap *m, uint64_t key)
{
	size_t i, j, mask = m->cap - 1;
	void *val;

	if (!m->cap)
		return NULL;
	for (i = slot_of(key, m->cap); m->vals[i]; i = (i + 1) & mask)
		if (m->keys[i] == key)
			break;
	if (!m->vals[i])
		return NULL;
	val = m->vals[i];
	m->vals[i] = NULL;
	m->n--;
	/* Move back every later entry of the run that may now be unreachable. */
	for (j = (i + 1) & mask; m->vals[j]; j = (j + 1) & mask) {
		size_t home = slot_of(m->keys[j], m->cap);

		/* Leave it when its home lies cyclically in (i, j]. */
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		m->keys[i] = m->keys[j];
		m->vals[i] = m->vals[j];
		m->vals[j] = NULL;
		i = j;
	}
	return val;
}

void **wmap_values(const struct wmap *m, size_t *n)
{
	void **v;
	size_t k = 0;

	*n = 0;
	if (!m->n)
		return NULL;
	v = malloc(m->n * sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < m->cap; i++)
		if (m->vals[i])
			v[k++] = m->vals[i];
	*n = k;
	return v;
}

void wmap_free(struct wmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}
