// SPDX-License-Identifier: MIT
/*
 * Shared BPF loading: libbpf's log, the privilege/feature check, and the
 * exec/exit tracer around the bpf/exec.bpf.c skeleton.
 */
#include "bpfload.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "output.h"
#include "exec.skel.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON	38
#endif
#ifndef CAP_BPF
#define CAP_BPF		39
#endif

/* The sum of its fields: no padding the BPF compiler might lay out differently. */
_Static_assert(sizeof(struct gs_exec_event) == 6 * 8 + 14 * 4 + GS_COMM_LEN + GS_FILENAME_LEN,
	       "struct gs_exec_event has implicit padding");

#define KERNEL_BTF		"/sys/kernel/btf/vmlinux"
#define LOCKDOWN		"/sys/kernel/security/lockdown"
#define DEFAULT_RINGBUF		(256u * 1024)
#define MAX_RINGBUF		(256u * 1024 * 1024)

/* ---- libbpf log and memlock ------------------------------------------------ */

__attribute__((format(printf, 2, 0)))
static int gs_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* -v: libbpf's warnings and info; -vv: also its debug log (verifier). */
	if (gs_opts.verbose <= 0 || (level == LIBBPF_DEBUG && gs_opts.verbose < 2))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* Before 5.11 the kernel charges BPF maps and programs to RLIMIT_MEMLOCK,
 * whose default (64 KiB or 8 MiB) is too small for a ring buffer. */
static bool kernel_charges_memlock(void)
{
	struct utsname u;
	unsigned int major = 0, minor = 0;

	char *end;

	if (uname(&u) != 0)
		return true;
	major = (unsigned int)strtoul(u.release, &end, 10);
	if (end == u.release || *end != '.')
		return true;
	minor = (unsigned int)strtoul(end + 1, NULL, 10);
	return major < 5 || (major == 5 && minor < 11);
}

void gs_bpf_init(void)
{
	static bool done;
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };

	if (done)
		return;
	done = true;
	libbpf_set_print(gs_libbpf_print);
	/* Failure is not reported here: without privilege, gs_bpf_check says why. */
	if (kernel_charges_memlock() && setrlimit(RLIMIT_MEMLOCK, &unlimited) != 0 &&
	    gs_opts.verbose > 0)
		fprintf(stderr, "goscope: cannot raise RLIMIT_MEMLOCK: %s\n", strerror(errno));
}

/* ---- privileges and kernel features ---------------------------------------- */

struct caps {
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
};

static bool has_cap(const struct caps *c, unsigned int cap)
{
	return c->data[cap / 32].effective & (1u << (cap % 32));
}

/* A small text file (a /proc knob) into buf; false when unreadable. */
static bool read_knob(const char *path, char *buf, size_t sz)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sz - 1, f);
	fclose(f);
	buf[n] = 0;
	return n > 0;
}

/* Kernels before 5.8 know neither CAP_BPF nor CAP_PERFMON. */
static bool kernel_knows_cap_bpf(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last = CAP_BPF;

	if (f) {
		char buf[32], *end;
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);

		buf[n] = 0;
		last = (int)strtol(buf, &end, 10);
		if (end == buf)
			last = CAP_BPF;
		fclose(f);
	}
	return last >= CAP_BPF;
}

static int check_caps(struct gs_err *err)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct caps c;
	bool bpf, perfmon;

	memset(&c, 0, sizeof(c));
	if (syscall(SYS_capget, &hdr, c.data) != 0)
		return gs_errf(err, errno, "cannot read capabilities: %s", strerror(errno));
	if (has_cap(&c, CAP_SYS_ADMIN))
		return 0;
	if (!kernel_knows_cap_bpf())
		return gs_errf(err, EPERM, "%s: needs CAP_SYS_ADMIN (kernel predates CAP_BPF)",
			       geteuid() ? "not root" : "missing CAP_SYS_ADMIN");
	bpf = has_cap(&c, CAP_BPF);
	perfmon = has_cap(&c, CAP_PERFMON);
	if (bpf && perfmon)
		return 0;
	if (geteuid() != 0 && !bpf && !perfmon)
		return gs_errf(err, EPERM, "not root: needs CAP_BPF and CAP_PERFMON");
	if (!bpf && !perfmon)
		return gs_errf(err, EPERM, "missing CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN)");
	return gs_errf(err, EPERM, "missing %s: needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN)",
		       !bpf ? "CAP_BPF" : "CAP_PERFMON");
}

/* Capabilities only count for BPF in the initial user namespace, whose
 * uid_map is the identity over the whole range. */
static int check_userns(struct gs_err *err)
{
	unsigned long inner, outer, count;
	char buf[256], *p, *end;
	int n = 0;

	if (!read_knob("/proc/self/uid_map", buf, sizeof(buf)))
		return 0;	/* no /proc: let the load itself fail */
	p = buf;
	inner = strtoul(p, &end, 10);
	n += end != p;
	p = end;
	outer = strtoul(p, &end, 10);
	n += end != p;
	p = end;
	count = strtoul(p, &end, 10);
	n += end != p;
	if (n == 3 && inner == 0 && outer == 0 && count == 4294967295ul)
		return 0;
	return gs_errf(err, EPERM,
		       "in a user namespace: BPF needs CAP_BPF and CAP_PERFMON in the host's");
}

/* Which BTF the CO-RE relocations use: the kernel's, else $GOSCOPE_BTF. */
static const char *custom_btf(void)
{
	const char *p = getenv("GOSCOPE_BTF");

	return p && *p ? p : NULL;
}

static bool kernel_has_btf(void)
{
	return access(KERNEL_BTF, R_OK) == 0;
}

static int check_btf(struct gs_err *err)
{
	const char *custom = custom_btf();

	if (custom) {
		if (access(custom, R_OK) != 0)
			return gs_errf(err, errno, "GOSCOPE_BTF=%s: %s", custom, strerror(errno));
		return 0;
	}
	if (kernel_has_btf())
		return 0;
	return gs_errf(err, ENOENT, "kernel has no BTF (%s); set GOSCOPE_BTF to a BTF file for it",
		       KERNEL_BTF);
}

/* Lockdown "confidentiality" forbids bpf_probe_read_kernel, which every
 * CO-RE read uses; "integrity" does not matter to us. */
static int check_lockdown(struct gs_err *err)
{
	char buf[128];
	FILE *f = fopen(LOCKDOWN, "re");
	bool confidential = false;

	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f))
		confidential = strstr(buf, "[confidentiality]") != NULL;
	fclose(f);
	if (confidential)
		return gs_errf(err, EPERM,
			       "kernel lockdown (confidentiality) forbids BPF reads of kernel memory");
	return 0;
}

static int check_ringbuf(struct gs_err *err)
{
	int ret = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);

	if (ret > 0)
		return 0;
	if (ret == 0)
		return gs_errf(err, EOPNOTSUPP,
			       "BPF ring buffer not supported by this kernel (needs Linux 5.8+)");
	return gs_errf(err, -ret, "BPF not available: %s", strerror(-ret));
}

int gs_bpf_check(struct gs_err *err)
{
	gs_bpf_init();
	/* Cheapest and most common first; the ring buffer probe needs privilege. */
	if (check_caps(err) || check_userns(err) || check_btf(err) || check_lockdown(err) ||
	    check_ringbuf(err))
		return -1;
	return 0;
}

bool gs_bpf_errno_is_nocap(int code)
{
	switch (code) {
	case EPERM:
	case EACCES:
	case EOPNOTSUPP:
	case ENOSYS:
	case 524:	/* the kernel's ENOTSUPP, leaked by some BPF paths */
		return true;
	default:
		return false;
	}
}

dev_t gs_kdev_to_dev(gs_u32 kdev)
{
	return makedev(GS_KDEV_MAJOR(kdev), GS_KDEV_MINOR(kdev));
}

/* ---- exec/exit tracer ------------------------------------------------------ */

struct gs_exec_tracer {
	struct exec_bpf *skel;
	struct ring_buffer *rb;
	gs_exec_event_fn on_event;
	void *ctx;
	const char *mode;
	size_t rb_bytes;
	unsigned int wakeup_bytes;
	int delivered;		/* during one poll */
	int stopped;		/* the handler's negative return */
};

/* A power of two, at least a page (the kernel's rule for ring buffers). */
static size_t ringbuf_size(size_t want)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), size;

	if (want == 0)
		want = DEFAULT_RINGBUF;
	if (want > MAX_RINGBUF)
		want = MAX_RINGBUF;
	for (size = page; size < want; size <<= 1)
		;
	return size;
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct gs_exec_tracer *t = ctx;
	struct gs_exec_event ev;
	int ret;

	/* Exit records stop before the filename; anything shorter is not ours. */
	if (size < GS_EXIT_EVENT_SIZE)
		return 0;
	memset(&ev, 0, sizeof(ev));
	memcpy(&ev, data, size < sizeof(ev) ? size : sizeof(ev));
	if (ev.type != GS_EV_EXEC && ev.type != GS_EV_EXIT)
		return 0;
	ev.comm[sizeof(ev.comm) - 1] = '\0';
	ev.filename[sizeof(ev.filename) - 1] = '\0';
	t->delivered++;
	if (!t->on_event)
		return 0;
	ret = t->on_event(t->ctx, &ev);
	if (ret < 0)
		t->stopped = ret;
	return ret < 0 ? ret : 0;
}

static void set_progs(struct exec_bpf *skel, bool tp_btf, bool no_exit)
{
	bpf_program__set_autoload(skel->progs.gs_exec_btf, tp_btf);
	bpf_program__set_autoload(skel->progs.gs_exit_btf, tp_btf && !no_exit);
	bpf_program__set_autoload(skel->progs.gs_exec_tp, !tp_btf);
	bpf_program__set_autoload(skel->progs.gs_exit_tp, !tp_btf && !no_exit);
}

static int attach_one(struct bpf_program *prog, struct bpf_link **link, struct gs_err *err)
{
	int code;

	if (!bpf_program__autoload(prog))
		return 0;
	*link = bpf_program__attach(prog);
	if (*link)
		return 0;
	code = errno;
	/* Classic tracepoints find their id in tracefs, which may not be mounted. */
	if (code == ENOENT && bpf_program__type(prog) == BPF_PROG_TYPE_TRACEPOINT &&
	    access("/sys/kernel/tracing/events", F_OK) != 0 &&
	    access("/sys/kernel/debug/tracing/events", F_OK) != 0)
		return gs_errf(err, EOPNOTSUPP,
			       "attaching BPF program %s: tracefs is not mounted (/sys/kernel/tracing)",
			       bpf_program__name(prog));
	return gs_errf(err, code, "attaching BPF program %s: %s", bpf_program__name(prog),
		       strerror(code));
}

/* One attempt in one mode; on failure t->skel is left for the caller to destroy. */
static int load_mode(struct gs_exec_tracer *t, const struct gs_exec_tracer_opts *o, bool tp_btf,
		     struct gs_err *err)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .btf_custom_path = custom_btf());
	struct exec_bpf *skel;
	int ret;

	t->skel = skel = exec_bpf__open_opts(&open_opts);
	if (!skel)
		return gs_errf(err, errno, "opening the BPF exec object: %s", strerror(errno));
	skel->rodata->targ_tgid = o->targ_tgid;
	skel->rodata->targ_ppid = o->targ_ppid;
	skel->rodata->wakeup_bytes = o->wakeup_bytes;
	set_progs(skel, tp_btf, o->no_exit);
	ret = bpf_map__set_max_entries(skel->maps.gs_exec_events, (gs_u32)t->rb_bytes);
	if (ret)
		return gs_errf(err, -ret, "sizing the BPF ring buffer: %s", strerror(-ret));
	ret = exec_bpf__load(skel);
	if (ret)
		return gs_errf(err, -ret, "loading the BPF exec programs (%s): %s%s",
			       tp_btf ? "tp_btf" : "tracepoint", strerror(-ret),
			       gs_opts.verbose ? "" : "; -v shows libbpf's log");
	/* Exits first: then every exec reported has its exit reported too. */
	if (attach_one(skel->progs.gs_exit_btf, &skel->links.gs_exit_btf, err) ||
	    attach_one(skel->progs.gs_exit_tp, &skel->links.gs_exit_tp, err) ||
	    attach_one(skel->progs.gs_exec_btf, &skel->links.gs_exec_btf, err) ||
	    attach_one(skel->progs.gs_exec_tp, &skel->links.gs_exec_tp, err))
		return -1;
	t->mode = tp_btf ? "tp_btf" : "tracepoint";
	return 0;
}

/* tp_btf needs the kernel's own BTF; GOSCOPE_BPF_ATTACH overrides. */
static int pick_mode(bool *tp_btf, bool *forced, struct gs_err *err)
{
	const char *env = getenv("GOSCOPE_BPF_ATTACH");

	*forced = env && *env;
	if (!*forced) {
		*tp_btf = kernel_has_btf();
		return 0;
	}
	if (strcmp(env, "tp_btf") == 0)
		*tp_btf = true;
	else if (strcmp(env, "tracepoint") == 0)
		*tp_btf = false;
	else
		return gs_errf(err, EINVAL, "GOSCOPE_BPF_ATTACH=%s: expected tp_btf or tracepoint",
			       env);
	return 0;
}

struct gs_exec_tracer *gs_exec_tracer_open(const struct gs_exec_tracer_opts *opts,
					   struct gs_err *err)
{
	struct gs_exec_tracer *t;
	struct gs_err local;
	bool tp_btf = false, forced = false;
	int ret;

	if (!err)
		err = &local;	/* the fallback decision below reads err->code */
	gs_bpf_init();
	t = calloc(1, sizeof(*t));
	if (!t) {
		gs_errf(err, ENOMEM, "out of memory");
		return NULL;
	}
	t->on_event = opts->on_event;
	t->ctx = opts->ctx;
	t->wakeup_bytes = opts->wakeup_bytes;
	t->rb_bytes = ringbuf_size(opts->ringbuf_bytes);

	if (pick_mode(&tp_btf, &forced, err))
		goto fail;
	ret = load_mode(t, opts, tp_btf, err);
	if (ret && tp_btf && !forced && !gs_bpf_errno_is_nocap(err->code)) {
		/* A kernel with BTF whose tp_btf attach is refused: classic tracepoints. */
		if (gs_opts.verbose > 0)
			fprintf(stderr, "goscope: %s; trying tracepoints\n", err->msg);
		exec_bpf__destroy(t->skel);
		t->skel = NULL;
		ret = load_mode(t, opts, false, err);
	}
	if (ret || !t->skel)
		goto fail;

	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.gs_exec_events), on_sample, t, NULL);
	if (!t->rb) {
		gs_errf(err, errno, "opening the BPF ring buffer: %s", strerror(errno));
		goto fail;
	}
	return t;
fail:
	gs_exec_tracer_close(t);
	return NULL;
}

int gs_exec_tracer_poll(struct gs_exec_tracer *t, int timeout_ms, struct gs_err *err)
{
	int ret;

	t->delivered = 0;
	t->stopped = 0;
	ret = ring_buffer__poll(t->rb, timeout_ms);
	/* With batched wake-ups a timeout can leave events behind: drain them. */
	if (ret >= 0 && t->wakeup_bytes)
		ret = ring_buffer__consume(t->rb);
	if (t->stopped)
		return gs_errf(err, -t->stopped, "event handler stopped: %s",
			       strerror(-t->stopped));
	if (ret == -EINTR)
		return t->delivered;
	if (ret < 0)
		return gs_errf(err, -ret, "reading the BPF ring buffer: %s", strerror(-ret));
	return t->delivered;
}

unsigned long long gs_exec_tracer_lost(const struct gs_exec_tracer *t)
{
	int ncpu = libbpf_num_possible_cpus();
	unsigned long long *vals, sum = 0;
	gs_u32 key = 0;

	if (ncpu <= 0)
		return 0;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return 0;
	if (bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.gs_exec_lost), &key, vals) == 0)
		for (int i = 0; i < ncpu; i++)
			sum += vals[i];
	free(vals);
	return sum;
}

const char *gs_exec_tracer_mode(const struct gs_exec_tracer *t)
{
	return t->mode;
}

size_t gs_exec_tracer_ringbuf_bytes(const struct gs_exec_tracer *t)
{
	return t->rb_bytes;
}

void gs_exec_tracer_close(struct gs_exec_tracer *t)
{
	if (!t)
		return;
	ring_buffer__free(t->rb);
	exec_bpf__destroy(t->skel);
	free(t);
}
