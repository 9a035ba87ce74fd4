// SPDX-License-Identifier: MIT
/*
 * The pprof profile builder and writer: protobuf-c messages (generated from
 * user/lib/pprof/profile.proto at build time) kept in growing arrays, with
 * hash indexes for the de-duplication of strings, functions and locations;
 * encoded by protobuf-c and gzipped by zlib on the way to the file.
 */
#include "pprof.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "pprof/profile.pb-c.h"

/* Far beyond any real profile; keeps every index in 32 bits. */
#define MAX_ITEMS	(1u << 28)

/* An open-addressing index: slot = item index + 1 (0: empty), with its hash. */
struct slot {
	uint32_t item;
	uint32_t hash;
};

struct index {
	struct slot *slots;
	size_t mask;		/* slots - 1 (a power of two minus one), 0 before first use */
	size_t used;
};

struct gs_pprof {
	int64_t period, time_nanos, duration_nanos;
	bool failed;

	char **strings;
	size_t nstrings, capstrings;
	struct index string_idx;

	Gspprof__Mapping **mappings;
	size_t nmappings, capmappings;
	Gspprof__Function **functions;
	size_t nfunctions, capfunctions;
	struct index function_idx;
	Gspprof__Location **locations;
	size_t nlocations, caplocations;
	struct index location_idx;
	Gspprof__Sample **samples;
	size_t nsamples, capsamples;
	int64_t total;
	int64_t *comments;
	size_t ncomments, capcomments;

	Gspprof__ValueType types[2], period_type;
	Gspprof__ValueType *type_ptrs[2];
};

/* ---- helpers ---- */

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return mix64(h);
}

/* Make room for one more element of size elem in *v (count n, capacity *cap). */
static bool grow(struct gs_pprof *p, void **v, size_t n, size_t *cap, size_t elem)
{
	size_t ncap;
	void *nv;

	if (p->failed)
		return false;
	if (n < *cap)
		return true;
	if (n >= MAX_ITEMS)
		goto fail;
	ncap = *cap ? *cap * 2 : 16;
	nv = realloc(*v, ncap * elem);
	if (!nv)
		goto fail;
	*v = nv;
	*cap = ncap;
	return true;
fail:
	p->failed = true;
	return false;
}

typedef bool (*eq_fn)(const struct gs_pprof *p, size_t item, const void *key);

/* The item whose key equals key, or -1. */
static long index_find(const struct index *ix, uint32_t hash, eq_fn eq, const struct gs_pprof *p,
		       const void *key)
{
	if (!ix->mask)
		return -1;
	for (size_t i = hash & ix->mask;; i = (i + 1) & ix->mask) {
		const struct slot *s = &ix->slots[i];

		if (!s->item)
			return -1;
		if (s->hash == hash && eq(p, s->item - 1, key))
			return (long)(s->item - 1);
	}
}

static void index_place(struct slot *slots, size_t mask, uint32_t item1, uint32_t hash)
{
	size_t i = hash & mask;

	while (slots[i].item)
		i = (i + 1) & mask;
	slots[i].item = item1;
	slots[i].hash = hash;
}

/* Record item under hash; keeps the table at most half full. */
static bool index_add(struct gs_pprof *p, struct index *ix, uint32_t hash, size_t item)
{
	if ((ix->used + 1) * 2 > ix->mask) {
		size_t nmask = ix->mask ? ix->mask * 2 + 1 : 63;
		struct slot *ns = calloc(nmask + 1, sizeof(*ns));

		if (!ns) {
			p->failed = true;
			return false;
		}
		for (size_t i = 0; ix->mask && i <= ix->mask; i++)
			if (ix->slots[i].item)
				index_place(ns, nmask, ix->slots[i].item, ix->slots[i].hash);
		free(ix->slots);
		ix->slots = ns;
		ix->mask = nmask;
	}
	index_place(ix->slots, ix->mask, (uint32_t)item + 1, hash);
	ix->used++;
	return true;
}

/* ---- strings ---- */

static bool string_eq(const struct gs_pprof *p, size_t item, const void *key)
{
	return strcmp(p->strings[item], key) == 0;
}

/* The string table index of s (NULL: ""); 0 after a failure. */
static int64_t intern(struct gs_pprof *p, const char *s)
{
	uint32_t h;
	long found;
	char *copy;

	if (!s || !*s || p->failed)
		return 0;
	h = (uint32_t)hash_str(s);
	found = index_find(&p->string_idx, h, string_eq, p, s);
	if (found >= 0)
		return found;
	if (!grow(p, (void **)&p->strings, p->nstrings, &p->capstrings, sizeof(char *)))
		return 0;
	copy = strdup(s);
	if (!copy) {
		p->failed = true;
		return 0;
	}
	p->strings[p->nstrings] = copy;
	if (!index_add(p, &p->string_idx, h, p->nstrings)) {
		free(copy);
		return 0;
	}
	return (int64_t)p->nstrings++;
}

/* ---- the profile ---- */

struct gs_pprof *gs_pprof_new_cpu(int64_t period_ns)
{
	struct gs_pprof *p = calloc(1, sizeof(*p));
	static const Gspprof__ValueType vt_init = GSPPROF__VALUE_TYPE__INIT;

	if (!p)
		return NULL;
	p->period = period_ns;
	/* Entry 0 is "" by the format's rule; intern() never looks it up. */
	p->strings = calloc(16, sizeof(char *));
	p->capstrings = 16;
	if (!p->strings || !(p->strings[0] = strdup(""))) {
		gs_pprof_free(p);
		return NULL;
	}
	p->nstrings = 1;
	for (int i = 0; i < 2; i++) {
		p->types[i] = vt_init;
		p->type_ptrs[i] = &p->types[i];
	}
	p->period_type = vt_init;
	p->types[0].type = intern(p, "samples");
	p->types[0].unit = intern(p, "count");
	p->types[1].type = intern(p, "cpu");
	p->types[1].unit = intern(p, "nanoseconds");
	p->period_type.type = p->types[1].type;
	p->period_type.unit = p->types[1].unit;
	if (p->failed) {
		gs_pprof_free(p);
		return NULL;
	}
	return p;
}

void gs_pprof_free(struct gs_pprof *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nstrings; i++)
		free(p->strings[i]);
	free(p->strings);
	free(p->string_idx.slots);
	for (size_t i = 0; i < p->nmappings; i++)
		free(p->mappings[i]);
	free(p->mappings);
	for (size_t i = 0; i < p->nfunctions; i++)
		free(p->functions[i]);
	free(p->functions);
	free(p->function_idx.slots);
	for (size_t i = 0; i < p->nlocations; i++) {
		/* One block: the location, its line pointers, then the lines. */
		free(p->locations[i]);
	}
	free(p->locations);
	free(p->location_idx.slots);
	for (size_t i = 0; i < p->nsamples; i++)
		free(p->samples[i]);
	free(p->samples);
	free(p->comments);
	free(p);
}

void gs_pprof_set_time(struct gs_pprof *p, int64_t time_nanos, int64_t duration_nanos)
{
	p->time_nanos = time_nanos;
	p->duration_nanos = duration_nanos;
}

void gs_pprof_comment(struct gs_pprof *p, const char *text)
{
	int64_t s = intern(p, text);

	if (!s || !grow(p, (void **)&p->comments, p->ncomments, &p->capcomments, sizeof(int64_t)))
		return;
	p->comments[p->ncomments++] = s;
}

uint64_t gs_pprof_mapping(struct gs_pprof *p, const struct gs_pprof_mapping *m)
{
	static const Gspprof__Mapping init = GSPPROF__MAPPING__INIT;
	Gspprof__Mapping *pm;

	if (!grow(p, (void **)&p->mappings, p->nmappings, &p->capmappings, sizeof(pm)))
		return 0;
	pm = malloc(sizeof(*pm));
	if (!pm) {
		p->failed = true;
		return 0;
	}
	*pm = init;
	pm->id = p->nmappings + 1;
	pm->memory_start = m->start;
	pm->memory_limit = m->limit;
	pm->file_offset = m->offset;
	pm->filename = intern(p, m->file);
	pm->build_id = intern(p, m->build_id);
	pm->has_functions = m->has_functions;
	pm->has_filenames = m->has_filenames;
	pm->has_line_numbers = m->has_lines;
	pm->has_inline_frames = m->has_inline;
	p->mappings[p->nmappings++] = pm;
	return pm->id;
}

struct func_key {
	int64_t name, file, start_line;
};

static uint32_t func_hash(const struct func_key *k)
{
	return (uint32_t)mix64((uint64_t)k->name * 0x9e3779b97f4a7c15ULL ^
			       mix64((uint64_t)k->file) ^ (uint64_t)k->start_line);
}

static bool func_eq(const struct gs_pprof *p, size_t item, const void *key)
{
	const Gspprof__Function *f = p->functions[item];
	const struct func_key *k = key;

	return f->name == k->name && f->filename == k->file && f->start_line == k->start_line;
}

uint64_t gs_pprof_function(struct gs_pprof *p, const char *name, const char *file,
			   int64_t start_line)
{
	static const Gspprof__Function init = GSPPROF__FUNCTION__INIT;
	struct func_key k = { intern(p, name), intern(p, file), start_line };
	Gspprof__Function *f;
	uint32_t h = func_hash(&k);
	long found;

	if (p->failed)
		return 0;
	found = index_find(&p->function_idx, h, func_eq, p, &k);
	if (found >= 0)
		return p->functions[found]->id;
	if (!grow(p, (void **)&p->functions, p->nfunctions, &p->capfunctions, sizeof(f)))
		return 0;
	f = malloc(sizeof(*f));
	if (!f) {
		p->failed = true;
		return 0;
	}
	*f = init;
	f->id = p->nfunctions + 1;
	f->name = k.name;
	f->system_name = k.name;
	f->filename = k.file;
	f->start_line = start_line;
	if (!index_add(p, &p->function_idx, h, p->nfunctions)) {
		free(f);
		return 0;
	}
	p->functions[p->nfunctions++] = f;
	return f->id;
}

struct loc_key {
	uint64_t mapping, address;
};

static uint32_t loc_hash(const struct loc_key *k)
{
	return (uint32_t)mix64(k->address ^ mix64(k->mapping));
}

static bool loc_eq(const struct gs_pprof *p, size_t item, const void *key)
{
	const Gspprof__Location *l = p->locations[item];
	const struct loc_key *k = key;

	return l->mapping_id == k->mapping && l->address == k->address;
}

uint64_t gs_pprof_find_location(const struct gs_pprof *p, uint64_t mapping, uint64_t address)
{
	struct loc_key k = { mapping, address };
	long found = index_find(&p->location_idx, loc_hash(&k), loc_eq, p, &k);

	return found >= 0 ? p->locations[found]->id : 0;
}

uint64_t gs_pprof_location(struct gs_pprof *p, uint64_t mapping, uint64_t address,
			   const struct gs_pprof_line *lines, size_t nlines)
{
	static const Gspprof__Location init = GSPPROF__LOCATION__INIT;
	static const Gspprof__Line line_init = GSPPROF__LINE__INIT;
	struct loc_key k = { mapping, address };
	uint32_t h = loc_hash(&k);
	Gspprof__Location *l;
	Gspprof__Line *ls;
	long found;

	if (p->failed)
		return 0;
	found = index_find(&p->location_idx, h, loc_eq, p, &k);
	if (found >= 0)
		return p->locations[found]->id;
	if (nlines > 1024)
		nlines = 1024;	/* no inline tree is that deep */
	if (!grow(p, (void **)&p->locations, p->nlocations, &p->caplocations, sizeof(l)))
		return 0;
	/* One block: the location, nlines pointers, nlines lines. */
	l = malloc(sizeof(*l) + nlines * (sizeof(Gspprof__Line *) + sizeof(Gspprof__Line)));
	if (!l) {
		p->failed = true;
		return 0;
	}
	*l = init;
	l->id = p->nlocations + 1;
	l->mapping_id = mapping;
	l->address = address;
	l->n_line = nlines;
	l->line = (Gspprof__Line **)(l + 1);
	ls = (Gspprof__Line *)(l->line + nlines);
	for (size_t i = 0; i < nlines; i++) {
		ls[i] = line_init;
		ls[i].function_id = lines[i].function;
		ls[i].line = lines[i].line;
		l->line[i] = &ls[i];
	}
	if (!nlines)
		l->line = NULL;
	if (!index_add(p, &p->location_idx, h, p->nlocations)) {
		free(l);
		return 0;
	}
	p->locations[p->nlocations++] = l;
	return l->id;
}

void gs_pprof_sample(struct gs_pprof *p, const uint64_t *locs, size_t nlocs, int64_t n)
{
	static const Gspprof__Sample init = GSPPROF__SAMPLE__INIT;
	Gspprof__Sample *s;

	if (nlocs > MAX_ITEMS ||
	    !grow(p, (void **)&p->samples, p->nsamples, &p->capsamples, sizeof(s)))
		return;
	/* One block: the sample, its two values, its location IDs. */
	s = malloc(sizeof(*s) + 2 * sizeof(int64_t) + nlocs * sizeof(uint64_t));
	if (!s) {
		p->failed = true;
		return;
	}
	*s = init;
	s->n_value = 2;
	s->value = (int64_t *)(s + 1);
	s->value[0] = n;
	s->value[1] = n * p->period;
	s->n_location_id = nlocs;
	s->location_id = nlocs ? (uint64_t *)(s->value + 2) : NULL;
	if (nlocs)
		memcpy(s->location_id, locs, nlocs * sizeof(uint64_t));
	p->samples[p->nsamples++] = s;
	p->total += n;
}

void gs_pprof_counts(const struct gs_pprof *p, struct gs_pprof_counts *c)
{
	c->samples = p->nsamples;
	c->locations = p->nlocations;
	c->functions = p->nfunctions;
	c->mappings = p->nmappings;
	c->strings = p->nstrings;
	c->total = p->total;
}

/* ---- encoding ---- */

static void fill_message(struct gs_pprof *p, Gspprof__Profile *m)
{
	static const Gspprof__Profile init = GSPPROF__PROFILE__INIT;

	*m = init;
	m->n_sample_type = 2;
	m->sample_type = p->type_ptrs;
	m->n_sample = p->nsamples;
	m->sample = p->samples;
	m->n_mapping = p->nmappings;
	m->mapping = p->mappings;
	m->n_location = p->nlocations;
	m->location = p->locations;
	m->n_function = p->nfunctions;
	m->function = p->functions;
	m->n_string_table = p->nstrings;
	m->string_table = p->strings;
	m->time_nanos = p->time_nanos;
	m->duration_nanos = p->duration_nanos;
	m->period_type = &p->period_type;
	m->period = p->period;
	m->n_comment = p->ncomments;
	m->comment = p->comments;
	m->default_sample_type = p->types[1].type;
}

int gs_pprof_encode(struct gs_pprof *p, uint8_t **buf, size_t *len, struct gs_err *err)
{
	Gspprof__Profile m;
	size_t n;

	*buf = NULL;
	*len = 0;
	if (p->failed)
		return gs_errf(err, ENOMEM, "out of memory building the profile");
	fill_message(p, &m);
	n = gspprof__profile__get_packed_size(&m);
	*buf = malloc(n ? n : 1);
	if (!*buf)
		return gs_errf(err, ENOMEM, "out of memory encoding the profile (%zu bytes)", n);
	*len = gspprof__profile__pack(&m, *buf);
	if (*len != n) {
		free(*buf);
		*buf = NULL;
		return gs_errf(err, EIO, "encoding the profile: %zu bytes packed, %zu expected",
			       *len, n);
	}
	return 0;
}

static int write_all(int fd, const uint8_t *b, size_t n, struct gs_err *err)
{
	while (n) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return gs_errf(err, w < 0 ? errno : EIO, "writing the profile: %s",
				       strerror(w < 0 ? errno : EIO));
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int gs_pprof_write(struct gs_pprof *p, int fd, struct gs_err *err)
{
	uint8_t *raw = NULL, out[65536];
	z_stream zs;
	size_t len;
	int zret, rc = -1;

	if (gs_pprof_encode(p, &raw, &len, err))
		return -1;
	memset(&zs, 0, sizeof(zs));
	/* windowBits 15 + 16: a gzip header and trailer, as pprof files have. */
	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		free(raw);
		return gs_errf(err, ENOMEM, "zlib: cannot start compressing");
	}
	zs.next_in = raw;
	do {
		size_t take = len - (size_t)(zs.next_in - raw);

		zs.avail_in = take > UINT_MAX ? UINT_MAX : (unsigned)take;
		zs.next_out = out;
		zs.avail_out = sizeof(out);
		zret = deflate(&zs, take > UINT_MAX ? Z_NO_FLUSH : Z_FINISH);
		if (zret == Z_STREAM_ERROR) {
			gs_errf(err, EIO, "zlib: compression failed");
			goto out;
		}
		if (write_all(fd, out, sizeof(out) - zs.avail_out, err))
			goto out;
	} while (zret != Z_STREAM_END);
	rc = 0;
out:
	deflateEnd(&zs);
	free(raw);
	return rc;
}
