// SPDX-License-Identifier: MIT
/*
 * goscope watch: the lines it prints, as text for people or one JSON object
 * per line (schema: docs/json.md). Callers hold watch.lock, so lines from
 * the two threads never interleave; output is flushed per batch of events.
 */
#include "watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gojson.h"	/* gs_class_json */
#include "output.h"	/* gs_json_str */
#include "ttysafe.h"
#include "versiontext.h"

/* ---- time ---- */

static void split_real(const struct watch *w, uint64_t boot_ns, time_t *sec, long *usec)
{
	int64_t real = (int64_t)boot_ns + w->real_off_ns;

	if (real < 0)
		real = 0;
	*sec = (time_t)(real / 1000000000);
	*usec = (long)(real % 1000000000 / 1000);
}

/* HH:MM:SS.uuuuuu, local time. */
static void text_time(const struct watch *w, uint64_t boot_ns, char *buf, size_t sz)
{
	struct tm tm;
	time_t sec;
	long usec;

	split_real(w, boot_ns, &sec, &usec);
	localtime_r(&sec, &tm);
	snprintf(buf, sz, "%02d:%02d:%02d.%06ld", tm.tm_hour, tm.tm_min, tm.tm_sec, usec);
}

/* RFC 3339, UTC, microseconds. */
static json_t *json_time(const struct watch *w, uint64_t boot_ns)
{
	struct tm tm;
	time_t sec;
	long usec;
	char buf[64];

	split_real(w, boot_ns, &sec, &usec);
	gmtime_r(&sec, &tm);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, usec);
	return json_string(buf);
}

/* Room for n more bytes in the line buffer. */
static bool reserve(struct watch *w, size_t n)
{
	char *nb;

	if (n <= w->out_cap)
		return true;
	nb = realloc(w->out_buf, n + 4096);
	if (!nb)
		return false;
	w->out_buf = nb;
	w->out_cap = n + 4096;
	return true;
}

/*
 * One object, one line. Dumped into a buffer first: jansson's own FILE
 * writer makes one stdio call per token, which costs more than the rest.
 * tail, when given, is the text of a last member ("go": the classification,
 * serialised once per binary) appended before the closing brace.
 */
static void emit(struct watch *w, json_t *o, const char *tail, size_t tail_len)
{
	size_t flags = gs_opts.pretty ? JSON_INDENT(2) : JSON_COMPACT, n;

	if (!o)
		return;
	n = json_dumpb(o, w->out_buf, w->out_cap, flags);
	if (n && n + tail_len + 2 > w->out_cap && reserve(w, n + tail_len + 2))
		n = json_dumpb(o, w->out_buf, w->out_cap, flags);
	json_decref(o);
	if (n < 2 || n + tail_len + 2 > w->out_cap)
		return;
	if (tail) {
		n--;	/* the closing brace */
		memcpy(w->out_buf + n, tail, tail_len);
		n += tail_len;
		w->out_buf[n++] = '}';
	}
	w->out_buf[n] = '\n';	/* json_dumpb writes no NUL */
	fwrite(w->out_buf, 1, n + 1, w->out);
}

/* ',"go":{...}' for a classification, built on first use. */
static const char *go_member(struct watch_memo *m, size_t *len)
{
	char *body;

	if (!m->json)
		m->json = gs_class_json(m->cls);
	if (!m->json_text && m->json && (body = json_dumps(m->json, JSON_COMPACT))) {
		size_t n = strlen(body);

		m->json_text = malloc(n + 8);
		if (m->json_text) {
			memcpy(m->json_text, ",\"go\":", 6);
			memcpy(m->json_text + 6, body, n + 1);
			m->json_text_len = n + 6;
		}
		free(body);
	}
	*len = m->json_text_len;
	return m->json_text;
}

void watch_out_flush(struct watch *w)
{
	if (fflush(w->out) != 0 || ferror(w->out))
		w->out_failed = true;
}

/* ---- text ---- */

#define HEADER_FMT	"%-15s %-7s %-7s %-7s %-6s %-16s %-10s %-9s %-12s %-32s %s\n"

void watch_out_header(struct watch *w)
{
	if (w->o.json)
		return;
	fprintf(w->out, HEADER_FMT, "TIME", "EVENT", "PID", "PPID", "UID", "NAME", "GO",
		"LATENCY", "CONTAINER", "MODULE", "PATH");
}

/* A text line, built in memory and written with one call. */
struct line {
	char b[PATH_MAX + 1024];
	size_t n;
};

/*
 * Append s through the one terminal filter as a field (ttysafe.h): control
 * characters, C1 ones included, shown as '?', so names cannot forge lines.
 */
static void put(struct line *l, const char *s)
{
	struct gs_ttysafe ts = { .field = true };
	size_t room = sizeof(l->b) - 2 - l->n;	/* keep room for ' ' and '\n' */
	size_t n = strlen(s);
	uint8_t *out = (uint8_t *)l->b + l->n;

	if (room == 0)
		return;
	if (n > room - 1)	/* the filter may write one held byte more */
		n = room - 1;
	l->n += gs_ttysafe_chunk(&ts, (const uint8_t *)s, n, out);
	l->n += gs_ttysafe_end(&ts, (uint8_t *)l->b + l->n);
}

/* A column: s, padded to width, and a space. */
static void col(struct line *l, const char *s, int width)
{
	size_t end = l->n + (size_t)width;

	put(l, s);
	while (l->n < end && l->n < sizeof(l->b) - 2)
		l->b[l->n++] = ' ';
	if (l->n < sizeof(l->b) - 2)
		l->b[l->n++] = ' ';
}

static void line_end(struct watch *w, struct line *l)
{
	l->b[l->n++] = '\n';
	fwrite(l->b, 1, l->n, w->out);
}

static const char *go_column(const struct watch_start *s, char *buf, size_t sz)
{
	if (!s->memo)
		return "?";
	if (!watch_is_go(s->memo))
		return "not-go";
	gs_short_version(gs_class_version(s->memo->cls), buf, sz);
	return buf;
}

static void text_start(struct watch *w, const struct watch_start *s)
{
	char t[32], num[32], ver[GS_VERSION_MAX], lat[32], cid[16];
	struct line *l = malloc(sizeof(*l));

	if (!l)
		return;
	l->n = 0;
	text_time(w, s->ts_ns, t, sizeof(t));
	col(l, t, 15);
	col(l, s->present ? "present" : "start", 7);
	snprintf(num, sizeof(num), "%d", s->pid);
	col(l, num, 7);
	snprintf(num, sizeof(num), "%d", s->ppid);
	col(l, num, 7);
	if (s->has_uid)
		snprintf(num, sizeof(num), "%u", (unsigned int)s->uid);
	else
		snprintf(num, sizeof(num), "-");
	col(l, num, 6);
	col(l, s->name, 16);
	col(l, go_column(s, ver, sizeof(ver)), 10);
	if (s->has_latency)
		snprintf(lat, sizeof(lat), "%.2fms", (double)s->latency_ns / 1e6);
	else
		snprintf(lat, sizeof(lat), "-");
	col(l, lat, 9);
	snprintf(cid, sizeof(cid), "%.12s", s->has_cid ? s->cid : "-");
	col(l, cid, 12);
	col(l, s->memo && s->memo->module[0] ? s->memo->module : "-", 32);
	put(l, s->exe[0] ? s->exe : "-");
	if (s->deleted)
		put(l, " (deleted)");
	if (!s->memo) {
		put(l, " (unclassified: ");
		put(l, s->why);
		put(l, ")");
	}
	line_end(w, l);
	free(l);
}

static const char *signame(int sig, char *buf, size_t sz)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev)
		return abbrev;
	snprintf(buf, sz, "%d", sig);
	return buf;
}

static void text_exit(struct watch *w, const struct watch_exit *e)
{
	char t[32], num[64], sb[16];
	uint64_t life = e->ts_ns > e->start_ns ? e->ts_ns - e->start_ns : 0;
	struct line *l = malloc(sizeof(*l));

	if (!l)
		return;
	l->n = 0;
	text_time(w, e->ts_ns, t, sizeof(t));
	col(l, t, 15);
	col(l, "exit", 7);
	snprintf(num, sizeof(num), "%d", e->pid);
	col(l, num, 7);
	snprintf(num, sizeof(num), "%d", e->ppid);
	col(l, e->ppid > 0 ? num : "-", 7);
	if (e->has_uid)
		snprintf(num, sizeof(num), "%u", (unsigned int)e->uid);
	else
		snprintf(num, sizeof(num), "-");
	col(l, num, 6);
	col(l, e->name, 16);
	if (!e->code_known)
		snprintf(num, sizeof(num), "code=?");
	else if (e->signal)
		snprintf(num, sizeof(num), "signal=%s%s", signame(e->signal, sb, sizeof(sb)),
			 e->core ? " (core dumped)" : "");
	else
		snprintf(num, sizeof(num), "code=%d", e->status);
	put(l, num);
	snprintf(num, sizeof(num), " %s=%.3fs", e->code_known ? "lifetime" : "lifetime~",
		 (double)life / 1e9);
	put(l, num);
	if (e->missed)
		put(l, " (exit event lost: found gone)");
	else if (e->src == WSRC_POLL)
		put(l, " (polling: exit code unknown)");
	line_end(w, l);
	free(l);
}

/* ---- JSON ---- */

static const char *src_name(enum watch_src s)
{
	switch (s) {
	case WSRC_BPF: return "bpf";
	case WSRC_SNAPSHOT: return "proc-snapshot";
	case WSRC_POLL: return "proc-poll";
	}
	return "unknown";
}

static json_t *how_json(enum watch_how h)
{
	switch (h) {
	case WHOW_EXE: return json_string("exe");
	case WHOW_ROOT: return json_string("root-path");
	case WHOW_FILENAME: return json_string("path");
	case WHOW_CACHE: return json_string("cache");
	case WHOW_NONE: break;
	}
	return json_null();
}

static json_t *opt_int(bool has, json_int_t v)
{
	return has ? json_integer(v) : json_null();
}

static json_t *json_start(struct watch *w, const struct watch_start *s)
{
	json_t *o = json_object(), *ns = json_object();

	json_object_set_new(o, "event", json_string(s->present ? "present" : "start"));
	json_object_set_new(o, "time", json_time(w, s->ts_ns));
	json_object_set_new(o, "boottime_ns", json_integer((json_int_t)s->ts_ns));
	json_object_set_new(o, "pid", json_integer(s->pid));
	json_object_set_new(o, "ppid", json_integer(s->ppid));
	json_object_set_new(o, "uid", opt_int(s->has_uid, (json_int_t)s->uid));
	json_object_set_new(o, "name", gs_json_str(s->name));
	json_object_set_new(o, "comm", gs_json_str(s->comm));
	json_object_set_new(o, "exe", s->exe[0] ? gs_json_str(s->exe) : json_null());
	json_object_set_new(o, "deleted", json_boolean(s->deleted));
	json_object_set_new(o, "classified_by", s->memo ? how_json(s->how) : json_null());
	json_object_set_new(o, "unclassified_reason", s->memo ? json_null() : gs_json_str(s->why));
	json_object_set_new(o, "container_id", s->has_cid ? json_string(s->cid) : json_null());
	json_object_set_new(o, "cgroup_id", opt_int(s->has_cgroup, (json_int_t)s->cgroup_id));
	json_object_set_new(ns, "mnt", opt_int(s->has_mnt, (json_int_t)s->mnt_ns));
	json_object_set_new(ns, "pid", opt_int(s->has_pidns, (json_int_t)s->pid_ns));
	json_object_set_new(ns, "in_ns_pid", opt_int(s->has_nspid, s->ns_pid));
	json_object_set_new(o, "namespaces", ns);
	json_object_set_new(o, "start_boottime_ns", json_integer((json_int_t)s->start_ns));
	json_object_set_new(o, "latency_us",
			    opt_int(s->has_latency, (json_int_t)(s->latency_ns / 1000)));
	json_object_set_new(o, "source", json_string(src_name(s->src)));
	return o;
}

/* The classification goes last, as text prepared once per binary (compact
 * output), or as an object (--pretty). */
static void emit_start(struct watch *w, const struct watch_start *s)
{
	json_t *o = json_start(w, s);
	const char *tail = NULL;
	size_t len = 0;

	if (!s->memo) {
		json_object_set_new(o, "go", json_null());
	} else if (gs_opts.pretty || !(tail = go_member(s->memo, &len))) {
		if (!s->memo->json)
			s->memo->json = gs_class_json(s->memo->cls);
		json_object_set(o, "go", s->memo->json ? s->memo->json : json_null());
	}
	emit(w, o, tail, len);
}

static json_t *json_exit(struct watch *w, const struct watch_exit *e)
{
	json_t *o = json_object();
	uint64_t life = e->ts_ns > e->start_ns ? e->ts_ns - e->start_ns : 0;
	const char *abbrev;

	json_object_set_new(o, "event", json_string("exit"));
	json_object_set_new(o, "time", json_time(w, e->ts_ns));
	json_object_set_new(o, "boottime_ns", json_integer((json_int_t)e->ts_ns));
	json_object_set_new(o, "pid", json_integer(e->pid));
	json_object_set_new(o, "ppid", opt_int(e->ppid > 0, e->ppid));
	json_object_set_new(o, "uid", opt_int(e->has_uid, (json_int_t)e->uid));
	json_object_set_new(o, "name", gs_json_str(e->name));
	json_object_set_new(o, "exit_code",
			    opt_int(e->code_known && !e->signal, e->status));
	json_object_set_new(o, "signal", opt_int(e->code_known && e->signal, e->signal));
	abbrev = e->code_known && e->signal ? sigabbrev_np(e->signal) : NULL;
	json_object_set_new(o, "signal_name", abbrev ? json_string(abbrev) : json_null());
	json_object_set_new(o, "core_dumped", json_boolean(e->code_known && e->core));
	json_object_set_new(o, "lifetime_ns", json_integer((json_int_t)life));
	json_object_set_new(o, "exit_event_lost", json_boolean(e->missed));
	json_object_set_new(o, "source", json_string(src_name(e->src)));
	return o;
}

/* ---- entry points ---- */

void watch_out_start(struct watch *w, const struct watch_start *s)
{
	if (w->o.json)
		emit_start(w, s);
	else
		text_start(w, s);
}

void watch_out_exit(struct watch *w, const struct watch_exit *e)
{
	if (w->o.json)
		emit(w, json_exit(w, e), NULL, 0);
	else
		text_exit(w, e);
}

void watch_out_lost(struct watch *w, unsigned long long n, unsigned long long total,
		    const char *where)
{
	uint64_t now = watch_now_ns();
	char t[32];

	if (w->o.json) {
		json_t *o = json_object();

		json_object_set_new(o, "event", json_string("lost"));
		json_object_set_new(o, "time", json_time(w, now));
		json_object_set_new(o, "boottime_ns", json_integer((json_int_t)now));
		json_object_set_new(o, "count", json_integer((json_int_t)n));
		json_object_set_new(o, "total", json_integer((json_int_t)total));
		json_object_set_new(o, "where", json_string(where));
		emit(w, o, NULL, 0);
	} else {
		text_time(w, now, t, sizeof(t));
		fprintf(w->out, "%-15s %-7s %llu event%s (%s; %llu in total)\n", t, "lost", n,
			n == 1 ? "" : "s",
			strcmp(where, "queue") == 0 ? "goscope's classification queue" :
			"the BPF ring buffer was full", total);
	}
	/* Never silently, and never late. */
	watch_out_flush(w);
}
