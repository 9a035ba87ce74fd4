/* SPDX-License-Identifier: MIT */
/*
 * audit in the Prometheus text exposition format (version 0.0.4), for
 * node_exporter's textfile collector: write it to a *.prom file in the
 * collector's directory (through a temporary file and rename).
 *
 * One info series per binary, with its facts as labels, and small gauges
 * keyed by (path, container_id). Label values are escaped as the format
 * requires (backslash, double quote, line feed) and forced to valid UTF-8;
 * label sets that come out identical are written once.
 */
#include "audit.h"
#include "promtext.h"

#include <stdlib.h>
#include <string.h>

static void label(FILE *f, const char *name, const char *value, bool first)
{
	fprintf(f, "%s%s=\"", first ? "" : ",", name);
	gs_prom_label(f, value);
	fputc('"', f);
}

static const char *tf(bool v)
{
	return v ? "true" : "false";
}

/* Container ids of an entry, comma-joined, into buf. */
static const char *cids_str(const struct audit_entry *e, char *buf, size_t bufsz)
{
	const char *ids[16];
	size_t n = audit_container_ids(e, ids, 16), o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int k = snprintf(buf + o, bufsz - o, "%s%s", i ? "," : "", ids[i]);

		if (k < 0 || (size_t)k >= bufsz - o)
			break;
		o += (size_t)k;
	}
	return buf;
}

/* The identity labels (path, container_id) of an entry, rendered. */
static char *key_labels(const struct audit_entry *e)
{
	char cid[16 * 66];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	label(f, "path", e->path, true);
	label(f, "container_id", cids_str(e, cid, sizeof(cid)), false);
	fclose(f);
	return buf;
}

static char *info_labels(const struct audit_entry *e)
{
	char *buf = NULL, *key = key_labels(e);
	size_t len = 0;
	FILE *f;

	if (!key)
		return NULL;
	f = open_memstream(&buf, &len);
	if (!f) {
		free(key);
		return NULL;
	}
	fputs(key, f);
	free(key);
	label(f, "deleted", tf(e->deleted), false);
	label(f, "verdict", gs_verdict_str(e->cls->verdict), false);
	label(f, "go_version", e->version, false);
	label(f, "support", gs_support_str(e->support), false);
	label(f, "policy", audit_policy_str(e->policy), false);
	label(f, "module", e->module, false);
	label(f, "module_version", e->module_version, false);
	label(f, "vcs_revision", e->vcs_revision, false);
	label(f, "vcs_time", e->vcs_time, false);
	label(f, "cgo", tf(e->cgo), false);
	label(f, "pie", tf(e->pie), false);
	label(f, "trimpath", tf(e->trimpath), false);
	label(f, "goamd64", e->goamd64, false);
	label(f, "goexperiment", e->goexperiment, false);
	label(f, "stripped", tf(e->stripped), false);
	fclose(f);
	return buf;
}

struct row {
	char *key, *info;
	const struct audit_entry *e;
};

static int cmp_key(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->key, ((const struct row *)b)->key);
}

static int cmp_info(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->info, ((const struct row *)b)->info);
}

/* Does one of rows[from..to) already list id? */
static bool listed_before(const struct row *rows, size_t from, size_t to, const char *id)
{
	for (size_t q = from; q < to; q++) {
		const struct gs_osv_hits *h = &rows[q].e->vulns;

		for (size_t u = 0; u < h->n; u++)
			if (!strcmp(h->ids[u], id))
				return true;
	}
	return false;
}

static void family(FILE *f, const char *name, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

void audit_print_prom(const struct audit_run *r, FILE *out)
{
	struct row *rows = calloc(r->n + 1, sizeof(*rows));
	unsigned long by_support[3] = { 0 };
	size_t n = 0;

	if (!rows)
		return;
	for (size_t i = 0; i < r->n; i++) {
		rows[n].e = &r->e[i];
		rows[n].key = key_labels(&r->e[i]);
		rows[n].info = info_labels(&r->e[i]);
		if (!rows[n].key || !rows[n].info) {
			free(rows[n].key);
			free(rows[n].info);
			continue;
		}
		by_support[r->e[i].support]++;
		n++;
	}

	family(out, "goscope_audit_go_binary_info",
	       "A Go binary found by goscope audit; its facts are the labels, the value is 1.");
	qsort(rows, n, sizeof(*rows), cmp_info);
	for (size_t i = 0; i < n; i++)
		if (!i || strcmp(rows[i].info, rows[i - 1].info))
			fprintf(out, "goscope_audit_go_binary_info{%s} 1\n", rows[i].info);

	qsort(rows, n, sizeof(*rows), cmp_key);
	family(out, "goscope_audit_go_binary_processes", "Running processes of a Go binary.");
	for (size_t i = 0; i < n;) {
		size_t procs = 0, j;

		for (j = i; j < n && !strcmp(rows[j].key, rows[i].key); j++)
			procs += rows[j].e->nprocs;
		fprintf(out, "goscope_audit_go_binary_processes{%s} %zu\n", rows[i].key, procs);
		i = j;
	}
	if (r->osv) {
		family(out, "goscope_audit_go_binary_vulnerabilities",
		       "OSV records (--osv) that affect a Go binary's Go version or modules.");
		for (size_t i = 0; i < n;) {
			size_t most = 0, j;

			for (j = i; j < n && !strcmp(rows[j].key, rows[i].key); j++)
				if (rows[j].e->vulns.n > most)
					most = rows[j].e->vulns.n;
			fprintf(out, "goscope_audit_go_binary_vulnerabilities{%s} %zu\n", rows[i].key,
				most);
			i = j;
		}
		family(out, "goscope_audit_go_binary_vulnerability_info",
		       "One OSV record (--osv) that affects a Go binary; the value is 1.");
		for (size_t i = 0; i < n;) {
			size_t j;

			for (j = i; j < n && !strcmp(rows[j].key, rows[i].key); j++)
				;
			/* The IDs of all rows with this key, each once. */
			for (size_t k = i; k < j; k++) {
				const struct gs_osv_hits *h = &rows[k].e->vulns;

				for (size_t v = 0; v < h->n; v++) {
					if (listed_before(rows, i, k, h->ids[v]))
						continue;
					fprintf(out, "goscope_audit_go_binary_vulnerability_info"
						"{%s,id=\"", rows[i].key);
					gs_prom_label(out, h->ids[v]);
					fprintf(out, "\"} 1\n");
				}
			}
			i = j;
		}
	}

	family(out, "goscope_audit_go_binaries",
	       "Go binaries found, by support status of their Go version.");
	fprintf(out, "goscope_audit_go_binaries{support=\"supported\"} %lu\n", by_support[GS_SUPPORTED]);
	fprintf(out, "goscope_audit_go_binaries{support=\"unsupported\"} %lu\n",
		by_support[GS_UNSUPPORTED]);
	fprintf(out, "goscope_audit_go_binaries{support=\"unknown\"} %lu\n",
		by_support[GS_SUPPORT_UNKNOWN]);
	family(out, "goscope_audit_policy_violations",
	       "Go binaries built with a Go older than the --min-go policy.");
	if (r->have_min) {
		fprintf(out, "goscope_audit_policy_violations{min_go=\"");
		gs_prom_label(out, r->min_text);
		fprintf(out, "\"} %lu\n", r->violations);
	} else {
		fprintf(out, "goscope_audit_policy_violations 0\n");
	}
	family(out, "goscope_audit_unreadable_files",
	       "Files or directories that goscope audit could not read.");
	fprintf(out, "goscope_audit_unreadable_files %lu\n", r->ws.unreadable);
	if (r->have_procs) {
		family(out, "goscope_audit_uninspectable_processes",
		       "Processes whose executable could not be opened (permission denied).");
		fprintf(out, "goscope_audit_uninspectable_processes %lu\n", r->procs.denied);
	}
	for (size_t i = 0; i < n; i++) {
		free(rows[i].key);
		free(rows[i].info);
	}
	free(rows);
	fflush(out);
}
