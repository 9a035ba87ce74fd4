/* SPDX-License-Identifier: MIT */
/*
 * The JSON shapes of Go facts, shared by every command that prints them: a
 * classification (the "go" object, with the module info and build
 * settings), a Go process, and the document list prints. The schema is
 * documented in docs/json.md.
 */
#include "gojson.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modinfo.h"
#include "output.h"
#include "utf8.h"

static json_t *span_json(struct gs_span s)
{
	return gs_json_strn(s.p, s.n);
}

static json_t *module_json(const struct gs_mi_line *ln)
{
	json_t *m = json_object();
	struct gs_span empty = { "", 0 };

	json_object_set_new(m, "path", span_json(ln->nf > 0 ? ln->f[0] : empty));
	json_object_set_new(m, "version", span_json(ln->nf > 1 ? ln->f[1] : empty));
	json_object_set_new(m, "sum", span_json(ln->nf > 2 ? ln->f[2] : empty));
	return m;
}

/*
 * Build keys and values may be Go-quoted. Unquote into buf (sized for the
 * whole modinfo, which an unquoted string never outgrows); keep the raw text
 * when the quoting is bad. The key is returned as a C string for the object.
 */
static const char *build_str(struct gs_span s, char *buf, size_t bufsz)
{
	if (!buf)
		return "";
	if (!gs_unquote(s, buf, bufsz)) {
		size_t n = s.n < bufsz - 1 ? s.n : bufsz - 1;

		memcpy(buf, s.p, n);
		buf[n] = '\0';
	}
	/* Object keys are JSON strings too: the same rule as every value. */
	gs_utf8_fix(buf, strlen(buf), buf);
	return buf;
}

static json_t *build_val(struct gs_span s, char *buf, size_t bufsz)
{
	if (buf && gs_unquote(s, buf, bufsz))
		return gs_json_str(buf);
	return span_json(s);
}

static void modinfo_json(json_t *go, const char *text, size_t len, size_t max_deps)
{
	json_t *deps = json_array(), *build = json_object(), *last = NULL;
	json_t *path = json_null(), *mod = json_null();
	struct gs_mi_iter it;
	struct gs_mi_line ln;
	char *kbuf = malloc(len + 1), *vbuf = malloc(len + 1);
	size_t ndeps = 0, cut = 0;

	gs_mi_init(&it, text, len);
	while (gs_mi_next(&it, &ln)) {
		switch (ln.kind) {
		case GS_MI_PATH:
			if (ln.nf > 0) {
				json_decref(path);
				path = span_json(ln.f[0]);
			}
			break;
		case GS_MI_MOD:
			json_decref(mod);
			mod = module_json(&ln);
			json_object_set_new(mod, "replace", json_null());
			last = mod;
			break;
		case GS_MI_DEP:
			if (max_deps && ndeps == max_deps) {
				cut++;
				last = NULL;	/* its "=>" line goes with it */
				break;
			}
			ndeps++;
			last = module_json(&ln);
			json_object_set_new(last, "replace", json_null());
			json_array_append_new(deps, last);
			break;
		case GS_MI_REPL:
			/* "=>" amends the mod/dep line just before it. */
			if (json_is_object(last))
				json_object_set_new(last, "replace", module_json(&ln));
			last = NULL;
			break;
		case GS_MI_BUILD:
			if (ln.nf > 0)
				json_object_set_new(build, build_str(ln.f[0], kbuf, len + 1),
						    ln.nf > 1 ? build_val(ln.f[1], vbuf, len + 1) :
								json_string(""));
			break;
		default:
			break;
		}
	}
	free(kbuf);
	free(vbuf);
	json_object_set_new(go, "path", path);
	json_object_set_new(go, "module", mod);
	json_object_set_new(go, "deps", deps);
	json_object_set_new(go, "deps_truncated", json_integer((json_int_t)cut));
	json_object_set_new(go, "build", build);
}

json_t *gs_class_json(const struct gs_class *c)
{
	return gs_class_json_capped(c, 0);
}

json_t *gs_class_json_capped(const struct gs_class *c, size_t max_deps)
{
	json_t *go = json_object(), *ev = json_array(), *fl = json_object();

	json_object_set_new(go, "verdict", json_string(gs_verdict_str(c->verdict)));
	json_object_set_new(go, "reason", c->reason[0] ? gs_json_str(c->reason) : json_null());
	json_object_set_new(go, "version", c->version[0] ? gs_json_str(c->version) : json_null());
	json_object_set_new(go, "version_source", json_string(gs_vsrc_str(c->vsrc)));
	if (c->modinfo && c->modinfo_len) {
		modinfo_json(go, c->modinfo, c->modinfo_len, max_deps);
	} else {
		json_object_set_new(go, "path", json_null());
		json_object_set_new(go, "module", json_null());
		json_object_set_new(go, "deps", json_array());
		json_object_set_new(go, "deps_truncated", json_integer(0));
		json_object_set_new(go, "build", json_object());
	}
	for (unsigned i = 0; i < 32; i++) {
		unsigned bit = 1u << i;
		const char *name;

		if (!(c->evidence & bit))
			continue;
		name = gs_evidence_name(bit);
		if (name)
			json_array_append_new(ev, json_string(name));
		else
			json_array_append_new(ev, json_sprintf("bit%u", i));
	}
	json_object_set_new(go, "evidence", ev);
	for (unsigned bit = GS_FL_STRIPPED; bit && bit <= GS_FL_SHARED; bit <<= 1) {
		const char *name = gs_flag_name(bit);

		if (name)
			json_object_set_new(fl, name, json_boolean(c->flags & bit));
	}
	json_object_set_new(go, "flags", fl);
	json_object_set_new(go, "buildid", c->buildid[0] ? gs_json_str(c->buildid) : json_null());
	return go;
}

json_t *gs_goproc_json(const struct gs_goproc *p, json_t *go)
{
	json_t *o = json_object(), *ns;
	size_t n = strlen(p->exe);

	json_object_set_new(o, "pid", json_integer(p->pid));
	json_object_set_new(o, "ppid", json_integer(p->ppid));
	json_object_set_new(o, "name", gs_json_str(p->name));
	json_object_set_new(o, "comm", gs_json_str(p->comm));
	/* The marker is a property of the link, not part of the file's name. */
	if (p->deleted && gs_path_deleted_suffix(p->exe))
		n -= strlen(" (deleted)");
	json_object_set_new(o, "exe", gs_json_strn(p->exe, n));
	json_object_set_new(o, "deleted", json_boolean(p->deleted));
	json_object_set_new(o, "agent", json_boolean(p->agent));
	json_object_set_new(o, "uid", p->has_uid ? json_integer(p->uid) : json_null());
	json_object_set_new(o, "go", go ? json_incref(go) : gs_class_json(p->cls));
	ns = json_object();
	json_object_set_new(ns, "mnt", p->has_mnt_ns ? json_integer((json_int_t)p->mnt_ns) : json_null());
	json_object_set_new(ns, "pid", p->has_pid_ns ? json_integer((json_int_t)p->pid_ns) : json_null());
	json_object_set_new(ns, "in_ns_pid", p->has_ns_pid ? json_integer(p->ns_pid) : json_null());
	json_object_set_new(o, "namespaces", ns);
	json_object_set_new(o, "container_id",
			    p->has_cid ? json_string(p->container_id) : json_null());
	return o;
}

/* One binary's "go" object, rendered once for all its processes. */
struct go_memo {
	const struct gs_class *cls;
	char *text;
	size_t len;
};

static int cmp_memo(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct go_memo *)a)->cls;
	uintptr_t y = (uintptr_t)((const struct go_memo *)b)->cls;

	return (x > y) - (x < y);
}

/* The distinct classifications of the list, sorted: n entries, or NULL. */
static struct go_memo *memo_build(const struct gs_golist *l, size_t *n)
{
	struct go_memo *memo = calloc(l->n + 1, sizeof(*memo));
	size_t nm = 0, k = 1;

	if (!memo)
		return NULL;
	for (size_t i = 0; i < l->n; i++)
		memo[nm++].cls = l->procs[i]->cls;
	if (nm > 1) {
		qsort(memo, nm, sizeof(*memo), cmp_memo);
		for (size_t i = 1; i < nm; i++)
			if (memo[i].cls != memo[k - 1].cls)
				memo[k++] = memo[i];
		nm = k;
	}
	*n = nm;
	return memo;
}

/* The rendered "go" of cls, made on first use; NULL when out of memory. */
static const struct go_memo *memo_get(struct go_memo *memo, size_t nm,
				      const struct gs_class *cls, size_t max_deps)
{
	struct go_memo key = { .cls = cls }, *m = bsearch(&key, memo, nm, sizeof(*memo), cmp_memo);
	json_t *go;

	if (!m || m->text)
		return m;
	go = gs_class_json_capped(cls, max_deps);
	if (go)
		m->text = gs_jstream_render(go, &m->len);
	json_decref(go);
	return m->text ? m : NULL;
}

/* One process object: the shared shape, its binary's "go" as rendered text. */
static int proc_emit(struct gs_jstream *js, const struct gs_goproc *p, const struct go_memo *m,
		     const struct gs_golist_out *o, size_t i)
{
	json_t *obj = gs_goproc_json(p, json_null()), *v;
	const char *key;
	int rc;

	if (!obj || gs_jstream_obj_begin(js)) {
		json_decref(obj);
		return -1;
	}
	rc = 0;
	json_object_foreach(obj, key, v) {
		if (!strcmp(key, "go"))
			rc = gs_jstream_raw(js, key, m->text, m->len);
		else
			rc = gs_jstream_member(js, key, json_incref(v));
		if (rc)
			break;
	}
	json_decref(obj);
	if (!rc && o && o->children)
		rc = gs_jstream_member(js, "children", o->children(o->ctx, i));
	return rc || gs_jstream_close(js) ? -1 : 0;
}

int gs_golist_emit(const struct gs_golist *l, const struct gs_golist_out *o)
{
	size_t max_deps = o ? o->max_deps : GS_LIST_MAX_DEPS, nm = 0, i = 0;
	struct go_memo *memo = memo_build(l, &nm);
	struct gs_jstream js;
	int rc = -1;

	gs_jstream_begin(&js);
	if (memo && gs_jstream_arr_begin(&js, "processes") == 0) {
		for (i = 0; i < l->n; i++) {
			const struct go_memo *m = memo_get(memo, nm, l->procs[i]->cls, max_deps);

			if (!m || proc_emit(&js, l->procs[i], m, o, i))
				break;
		}
		if (i == l->n && gs_jstream_close(&js) == 0 &&
		    gs_jstream_member(&js, "uninspectable", json_integer((json_int_t)l->denied)) == 0 &&
		    (!o || !o->tail || o->tail(o->ctx, &js) == 0))
			rc = 0;
	}
	/* Cut short (out of memory): still one document, which says so. */
	if (rc && !ferror(stdout)) {
		while (js.depth)
			gs_jstream_close(&js);
		gs_jstream_member(&js, "error", json_string("out of memory while writing the list"));
	}
	if (gs_jstream_end(&js))
		rc = -1;
	for (size_t k = 0; memo && k < nm; k++)
		free(memo[k].text);
	free(memo);
	/* The document says what failed; a write failure is reported at exit. */
	return rc ? GS_EXIT_ERROR : GS_EXIT_OK;
}

int gs_parse_max_deps(const char *cmd, const char *arg, size_t *out)
{
	size_t v = 0;

	if (!*arg || strspn(arg, "0123456789") != strlen(arg) || strlen(arg) > 7 ||
	    (v = (size_t)strtoul(arg, NULL, 10)) > 1000000)
		return gs_usage_error(cmd, "--max-deps: want a whole number from 0 (all) to 1000000");
	*out = v;
	return 0;
}
