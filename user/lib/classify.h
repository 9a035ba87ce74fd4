/* SPDX-License-Identifier: MIT */
/*
 * The classifier: is this ELF image Go, which Go, which module, built how —
 * with the evidence that fired. Results are cached per file identity
 * (dev, inode, size, mtime) so that a binary is parsed once per run.
 */
#ifndef GOSCOPE_CLASSIFY_H
#define GOSCOPE_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "goelf.h"
#include "gserr.h"

enum gs_verdict {
	GS_NOT_GO = 0,
	GS_PROBABLY_GO,		/* only weak signals: note, symbols, section names */
	GS_GO,			/* valid build info, or pclntab confirmed by moduledata */
};

/* Evidence bits: which source fired. */
enum {
	GS_EV_BUILDINFO		= 1u << 0,	/* .go.buildinfo, by section */
	GS_EV_BUILDINFO_SCAN	= 1u << 1,	/* .go.buildinfo, by scanning RW PT_LOADs */
	GS_EV_SYMTAB		= 1u << 2,	/* Go symbols in .symtab */
	GS_EV_NOTE		= 1u << 3,	/* Go build-ID note */
	GS_EV_PCLNTAB		= 1u << 4,	/* pclntab by section */
	GS_EV_PCLNTAB_SCAN	= 1u << 5,	/* pclntab by validated magic scan */
	GS_EV_MODULEDATA	= 1u << 6,	/* moduledata linked back to pclntab */
	GS_EV_VERSION_SCAN	= 1u << 7,	/* runtime.buildVersion string header scan */
	GS_EV_MODINFO_SCAN	= 1u << 8,	/* modinfo recovered without build info */
	GS_EV_SECTIONS		= 1u << 9,	/* Go section names */
};

/* Build flags. */
enum {
	GS_FL_STRIPPED	= 1u << 0,	/* no .symtab */
	GS_FL_DWARF	= 1u << 1,	/* .debug_* / .zdebug_* present */
	GS_FL_PIE	= 1u << 2,
	GS_FL_CGO	= 1u << 3,
	GS_FL_STATIC	= 1u << 4,	/* no PT_INTERP and no PT_DYNAMIC */
	GS_FL_SHARED	= 1u << 5,	/* a shared object (c-shared .so), not an executable */
};

enum gs_vsrc { GS_VSRC_NONE = 0, GS_VSRC_BUILDINFO, GS_VSRC_SYMTAB, GS_VSRC_SCAN, GS_VSRC_RANGE };

/* Can the binary hold a gops-protocol agent (agentpkg.h)? */
enum gs_agent_pkg { GS_AGENT_PKG_UNKNOWN = 0, GS_AGENT_PKG_NONE, GS_AGENT_PKG_LINKED };

struct gs_class {
	enum gs_verdict verdict;
	int error;			/* errno when the result is incomplete (ENOMEM) */
	char reason[128];		/* why not Go, or why only probably */
	char version[GS_VERSION_MAX];	/* exact, or a range like "go1.20+" (vsrc RANGE) */
	enum gs_vsrc vsrc;
	char *modinfo;			/* unframed modinfo text, NUL-terminated, or NULL */
	size_t modinfo_len;
	unsigned evidence;
	unsigned flags;
	char buildid[GS_BUILDID_MAX];
	enum gs_agent_pkg agent_pkg;
	uint16_t machine;
	uint8_t ptrsize;
	bool big_endian;
	enum gs_pcln_ver pcln_ver;
	uint64_t pclntab_vaddr, moduledata_vaddr, text;
	/* identity of the file this came from (zero for in-memory images) */
	dev_t dev;
	ino_t ino;
	off_t size;
	int64_t mtime_ns;
	int refs;			/* owned by the cache; see gs_class_put() */
};

/* Classify an image in memory (no cache). Fills *c; release with gs_class_fini(). */
void gs_classify_mem(const void *data, size_t size, struct gs_class *c);
void gs_class_fini(struct gs_class *c);

/*
 * Classify an open file through the cache. Returns a reference (release with
 * gs_class_put) or NULL with err set when the file cannot be read at all.
 * A file that is simply not Go gives a result with verdict GS_NOT_GO.
 */
struct gs_class *gs_classify_fd(int fd, struct gs_err *err);
void gs_class_put(struct gs_class *c);
/*
 * The cached result for a file known by its stat (dev, inode, size, mtime),
 * without opening it: a reference, or NULL when the file was not classified
 * yet (then open it and use gs_classify_fd). Not counted as a miss.
 */
struct stat;
struct gs_class *gs_class_lookup(const struct stat *st);

/* Cache statistics and reset (tests and benchmarks). */
struct gs_cache_stats { unsigned long hits, misses, entries; };
void gs_cache_stats(struct gs_cache_stats *s);
void gs_cache_clear(void);

/* Human names. */
const char *gs_verdict_str(enum gs_verdict v);
const char *gs_vsrc_str(enum gs_vsrc s);
/* Evidence bit name, e.g. "buildinfo"; and flags. */
const char *gs_evidence_name(unsigned bit);
const char *gs_flag_name(unsigned bit);

/*
 * Map a file read-only for parsing. Returns the mapping (or NULL for an empty
 * file) and its size; a SIGBUS from a file truncated under us is turned into
 * an error by the classifier's guard.
 */
int gs_map_fd(int fd, const void **data, size_t *size, struct gs_err *err);
void gs_unmap(const void *data, size_t size);

#endif
