/* SPDX-License-Identifier: MIT */
/*
 * audit --json: one document (docs/json.md, "goscope --json audit"). The
 * classification and process objects are the shared shapes of gojson.h.
 */
#include "audit.h"

#include <string.h>

#include "gojson.h"
#include "output.h"

static json_t *str_or_null(const char *s)
{
	return s ? gs_json_str(s) : json_null();
}

static json_t *vcs_json(const struct audit_entry *e)
{
	json_t *o;

	if (!e->vcs && !e->vcs_revision && !e->vcs_time && !e->vcs_modified)
		return json_null();
	o = json_object();
	json_object_set_new(o, "system", str_or_null(e->vcs));
	json_object_set_new(o, "revision", str_or_null(e->vcs_revision));
	json_object_set_new(o, "time", str_or_null(e->vcs_time));
	if (e->vcs_modified && !strcmp(e->vcs_modified, "true"))
		json_object_set_new(o, "modified", json_true());
	else if (e->vcs_modified && !strcmp(e->vcs_modified, "false"))
		json_object_set_new(o, "modified", json_false());
	else
		json_object_set_new(o, "modified", json_null());
	return o;
}

/* Release facts of the Go version: its date, the newest patch, end of support. */
static void release_json(json_t *o, const struct audit_entry *e)
{
	const struct gs_gorelease *rel = NULL, *latest = NULL;
	const char *eos = NULL;
	struct gs_gover v;
	char name[32];

	if (e->cls->vsrc != GS_VSRC_RANGE && gs_gover_parse(e->version, &v)) {
		rel = gs_gorelease_find(&v);
		latest = gs_gorelease_latest(v.minor);
		eos = gs_gorelease_end_of_support(v.minor);
	}
	json_object_set_new(o, "release_date", rel ? json_string(rel->date) : json_null());
	if (latest) {
		gs_gorelease_name(latest, name, sizeof(name));
		json_object_set_new(o, "latest_patch", json_string(name));
	} else {
		json_object_set_new(o, "latest_patch", json_null());
	}
	json_object_set_new(o, "end_of_support", eos ? json_string(eos) : json_null());
}

static json_t *entry_json(const struct audit_run *r, const struct audit_entry *e)
{
	json_t *o = json_object(), *pids = json_array(), *cids = json_array();
	json_t *procs = json_array(), *set, *mod, *placeholder = json_null();
	const char *ids[64];
	size_t n;

	json_object_set_new(o, "path", gs_json_str(e->path));
	json_object_set_new(o, "deleted", json_boolean(e->deleted));
	for (size_t i = 0; i < e->nprocs; i++)
		json_array_append_new(pids, json_integer(e->procs[i]->pid));
	json_object_set_new(o, "pids", pids);
	n = audit_container_ids(e, ids, 64);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(cids, json_string(ids[i]));
	json_object_set_new(o, "container_ids", cids);
	json_object_set_new(o, "go_version", str_or_null(e->version));
	json_object_set_new(o, "support", json_string(gs_support_str(e->support)));
	release_json(o, e);
	json_object_set_new(o, "policy",
			    r->have_min ? json_string(audit_policy_str(e->policy)) : json_null());
	if (e->module) {
		mod = json_object();
		json_object_set_new(mod, "path", gs_json_str(e->module));
		json_object_set_new(mod, "version", str_or_null(e->module_version));
	} else {
		mod = json_null();
	}
	json_object_set_new(o, "module", mod);
	json_object_set_new(o, "vcs", vcs_json(e));
	set = json_object();
	json_object_set_new(set, "cgo", json_boolean(e->cgo));
	json_object_set_new(set, "pie", json_boolean(e->pie));
	json_object_set_new(set, "trimpath", json_boolean(e->trimpath));
	json_object_set_new(set, "goamd64", str_or_null(e->goamd64));
	json_object_set_new(set, "goexperiment", str_or_null(e->goexperiment));
	json_object_set_new(o, "settings", set);
	json_object_set_new(o, "stripped", json_boolean(e->stripped));
	if (e->vulns_checked) {
		json_t *v = json_array();

		for (size_t i = 0; i < e->vulns.n; i++)
			json_array_append_new(v, gs_json_str(e->vulns.ids[i]));
		json_object_set_new(o, "vulns", v);
	} else {
		json_object_set_new(o, "vulns", json_null());
	}
	json_object_set_new(o, "go", gs_class_json(e->cls));
	/* The shared process shape, without its "go": the row has it once. */
	for (size_t i = 0; i < e->nprocs; i++) {
		json_t *p = gs_goproc_json(e->procs[i], placeholder);

		json_object_del(p, "go");
		json_array_append_new(procs, p);
	}
	json_decref(placeholder);
	json_object_set_new(o, "processes", procs);
	return o;
}

static json_t *scan_json(const struct audit_run *r)
{
	const struct audit_walk_stats *s = &r->ws;
	json_t *o;

	if (!r->path_mode)
		return json_null();
	o = json_object();
	json_object_set_new(o, "dirs", json_integer((json_int_t)s->dirs));
	json_object_set_new(o, "files", json_integer((json_int_t)s->files));
	json_object_set_new(o, "elf", json_integer((json_int_t)s->elf));
	json_object_set_new(o, "links", json_integer((json_int_t)s->links));
	json_object_set_new(o, "classified", json_integer((json_int_t)s->classified));
	json_object_set_new(o, "symlinks", json_integer((json_int_t)s->symlinks));
	json_object_set_new(o, "special", json_integer((json_int_t)s->special));
	json_object_set_new(o, "pseudo_fs", json_integer((json_int_t)s->pseudo));
	json_object_set_new(o, "other_fs", json_integer((json_int_t)s->other_fs));
	json_object_set_new(o, "too_deep", json_integer((json_int_t)s->too_deep));
	json_object_set_new(o, "unreadable", json_integer((json_int_t)s->unreadable));
	json_object_set_new(o, "path_errors", json_integer((json_int_t)r->arg_errors));
	return o;
}

int audit_print_json(const struct audit_run *r)
{
	json_t *doc = json_object(), *arr = json_array(), *sum = json_object(), *rel;
	const struct gs_gorelease *newest = gs_gorelease_newest();
	unsigned long count[3] = { 0 }, vulnerable = 0;
	char name[32];
	int rc;

	for (size_t i = 0; i < r->n; i++) {
		json_array_append_new(arr, entry_json(r, &r->e[i]));
		count[r->e[i].support]++;
		if (r->e[i].vulns.n)
			vulnerable++;
	}
	json_object_set_new(doc, "mode", json_string(r->path_mode ? "files" : "processes"));
	json_object_set_new(doc, "min_go", r->min_text ? gs_json_str(r->min_text) : json_null());
	rel = json_object();
	gs_gorelease_name(newest, name, sizeof(name));
	json_object_set_new(rel, "newest", json_string(name));
	json_object_set_new(rel, "date", json_string(newest->date));
	json_object_set_new(doc, "go_releases", rel);
	if (r->osv) {
		struct gs_osv_stats st;
		json_t *o = json_object();

		gs_osv_stats(r->osv, &st);
		json_object_set_new(o, "dir", gs_json_str(r->osv_dir));
		json_object_set_new(o, "records", json_integer((json_int_t)st.records));
		json_object_set_new(o, "skipped", json_integer((json_int_t)st.skipped));
		json_object_set_new(o, "withdrawn", json_integer((json_int_t)st.withdrawn));
		json_object_set_new(doc, "osv", o);
	} else {
		json_object_set_new(doc, "osv", json_null());
	}
	json_object_set_new(doc, "binaries", arr);
	json_object_set_new(sum, "binaries", json_integer((json_int_t)r->n));
	json_object_set_new(sum, "supported", json_integer((json_int_t)count[GS_SUPPORTED]));
	json_object_set_new(sum, "unsupported", json_integer((json_int_t)count[GS_UNSUPPORTED]));
	json_object_set_new(sum, "unknown", json_integer((json_int_t)count[GS_SUPPORT_UNKNOWN]));
	json_object_set_new(sum, "violations", json_integer((json_int_t)r->violations));
	json_object_set_new(sum, "vulnerable",
			    r->osv ? json_integer((json_int_t)vulnerable) : json_null());
	json_object_set_new(doc, "summary", sum);
	json_object_set_new(doc, "scan", scan_json(r));
	json_object_set_new(doc, "uninspectable",
			    json_integer(r->have_procs ? (json_int_t)r->procs.denied : 0));
	rc = gs_json_emit(doc);
	json_decref(doc);
	return rc;
}
