/* SPDX-License-Identifier: MIT */
/*
 * goscope audit: the shared state of one run. cmd_audit.c parses options and
 * drives the parts:
 *	audit_walk.c	 the tree walker (--path): Go binaries on disk, with
 *			 audit_files.c and audit_iset.c (see audit_walk.h)
 *	audit_collect.c	 Go processes, grouped by binary or attached to files;
 *			 the facts each row shows (support, policy, vulns, ...)
 *	audit_text.c	 table and CSV
 *	audit_prom.c	 Prometheus text exposition
 *	audit_json.c	 JSON
 */
#ifndef GOSCOPE_AUDIT_H
#define GOSCOPE_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "classify.h"
#include "golist.h"
#include "goreleases.h"
#include "osv.h"

/* Exit code: the audit ran and found binaries older than --min-go. */
#define GS_EXIT_VIOLATION 4

enum audit_policy {
	AUDIT_POLICY_NONE = 0,	/* no --min-go */
	AUDIT_POLICY_OK,
	AUDIT_POLICY_VIOLATION,
	AUDIT_POLICY_UNKNOWN,	/* no exact version to compare */
};

/* One row: a Go binary, with the processes running it. */
struct audit_entry {
	char *path;			/* as found: file path, or a process's exe */
	bool deleted;			/* process mode: the exe was removed */
	dev_t dev;
	ino_t ino;
	struct gs_class *cls;		/* borrowed: owned by the run's walker or golist */
	struct gs_goproc **procs;	/* processes running it (owned by the golist) */
	size_t nprocs, capprocs;

	/* Facts (audit_facts()). Strings are NULL when the binary records none. */
	const char *version;		/* cls->version */
	enum gs_support support;
	enum audit_policy policy;
	char *module, *module_version;
	char *vcs, *vcs_revision, *vcs_time, *vcs_modified;
	char *goamd64, *goexperiment;
	bool trimpath, cgo, pie, stripped;
	bool vulns_checked;
	struct gs_osv_hits vulns;
};

struct audit_walk_stats {
	unsigned long dirs;		/* directories read */
	unsigned long files;		/* regular files opened */
	unsigned long elf;		/* with the ELF magic */
	unsigned long links;		/* of those, repeats of an inode seen before */
	unsigned long classified;	/* parsed by the classifier (once per inode) */
	unsigned long symlinks;		/* not followed */
	unsigned long special;		/* FIFOs, devices, sockets: skipped */
	unsigned long pseudo;		/* directories on proc/sys-like file systems */
	unsigned long other_fs;		/* --xdev: mount points not entered */
	unsigned long too_deep;		/* directories below the depth limit */
	unsigned long unreadable;	/* files or directories that could not be read */
	char first_unreadable[512];	/* "PATH: reason" of the first one */
};

struct audit_run {
	/* options */
	bool have_min;
	struct gs_gover min;
	const char *min_text;		/* as given on the command line */
	struct gs_osv_db *osv;
	const char *osv_dir;
	unsigned threads;
	bool xdev;
	bool path_mode;			/* --path given: files, else processes */

	/* results */
	struct audit_entry *e;		/* sorted by path, then PID of the first process */
	size_t n, cap;
	struct gs_golist procs;
	bool have_procs;
	struct audit_walk_stats ws;
	unsigned long arg_errors;	/* --path arguments that could not be read */
	unsigned long violations;
	struct audit_walker *walker;	/* owns the classifications of files */
	char **unreadable_list;		/* with -v: every unreadable path, "PATH: reason" */
	size_t n_unreadable_list;
};

/* Append an entry; path is copied. NULL on memory exhaustion. */
struct audit_entry *audit_add(struct audit_run *r, const char *path, struct gs_class *cls,
			      dev_t dev, ino_t ino);
void audit_free(struct audit_run *r);

/*
 * audit_walk.c: walk every path, adding the Go binaries. begin starts the
 * worker threads; end makes the caller one more worker until all is done,
 * then adds the entries. The caller may do other work in between (the /proc
 * scan). -1 on memory exhaustion.
 */
int audit_walk_begin(struct audit_run *r, char *const *paths, size_t npaths);
int audit_walk_end(struct audit_run *r);
void audit_walker_free(struct audit_walker *w);

/*
 * audit_collect.c: scan /proc; without --path the processes become the
 * entries, with it audit_attach() adds them to the files found.
 */
int audit_procs(struct audit_run *r, struct gs_err *err);
int audit_attach(struct audit_run *r);
void audit_facts(struct audit_run *r);
void audit_sort(struct audit_run *r);
/* Distinct container ids of an entry's processes, up to max; returns how many. */
size_t audit_container_ids(const struct audit_entry *e, const char **out, size_t max);
const char *audit_policy_str(enum audit_policy p);

/* Output formats. */
void audit_print_table(const struct audit_run *r);
/* CSV and Prometheus text into f: on a terminal, the terminal filter's stream. */
void audit_print_csv(const struct audit_run *r, FILE *f);
void audit_print_prom(const struct audit_run *r, FILE *f);
/* 0, or GS_EXIT_ERROR when the document could not be built or written (reported). */
int audit_print_json(const struct audit_run *r);

#endif
