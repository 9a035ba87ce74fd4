#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# What goscope's agentless CPU profile costs and does (run as root):
#  1. the leaf's caller: for real programs (cpuburn's frameless hot loops,
#     gcload, esbuild rebuilding a bundle in watch mode), how many samples
#     the frame-pointer walk would have left without the leaf's caller
#     (recovered by SP delta), how many distinct stacks the kernel counted
#     (samples per stack: what in-kernel aggregation saves against sending
#     every sample's stack top to user space), and the BPF program's time
#     per sample with and without the SP-delta lookup (kernel.bpf_stats);
#  2. the target's throughput (gcload, units per CPU-second and per wall
#     second), unprofiled vs profiled at 100 Hz, RUNS pairs in random order;
#     2b. the same against a concurrent control: two copies, one per CPU,
#     one sampled at a time (PAIRS rounds of WIN-second windows);
#  3. goscope's own CPU for one target at 100 Hz (a SECS-second profile),
#     by phase: set-up (symbols, SP table, BPF load), sampling, writing;
#  4. the time from the end of sampling to the profile written, for
#     esbuild 0.19.12 (a 9.6 MB stripped binary) rebuilding in watch mode.
# Medians are printed; benchmarks never pass or fail on time.
#
#   BUILD=build RUNS=5 SECS=10 bench/profile.sh
set -euo pipefail
# Killed background jobs are expected: no job-control notices.
set +m

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-5}
SECS=${SECS:-10}
G=$BUILD/goscope
FX=${GOSCOPE_FIXTURES:-$BUILD/fixtures}
CORPUS=${GOSCOPE_CORPUS:-/var/cache/goscope/corpus}
tmp=$(mktemp -d)
pids=()
stats_was=
cleanup() {
	local p
	for p in "${pids[@]}" ${CONTROL_PIDS[@]+"${CONTROL_PIDS[@]}"}; do
		kill -KILL "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	[ -n "$stats_was" ] && sysctl -qw kernel.bpf_stats_enabled="$stats_was" || true
	rm -rf "$tmp"
}
trap cleanup EXIT

need_root
[ -x "$G" ] || make -s -C "$root" BUILD="$BUILD" "$BUILD/goscope" >/dev/null
[ -x "$FX/gcload" ] && [ -x "$FX/cpuburn/cpuburn-1.19.plain" ] ||
	{ echo "profile.sh: build the fixtures first (make fixtures)" >&2; exit 1; }

# bg CMD...: run in the background, remember the pid in $BG.
bg() {
	"$@" </dev/null >"$tmp/bg.$#.log" 2>&1 &
	BG=$!
	pids+=("$BG")
}

# esbuild_watch ESBUILD: esbuild rebuilding a 300-module bundle every 50 ms; sets BG.
esbuild_watch() {
	local esb=$1 i
	if [ ! -d "$tmp/src" ]; then
		mkdir -p "$tmp/src"
		for i in $(seq 0 299); do
			awk -v i="$i" 'BEGIN { srand(i); printf "export function f%d(x) {\n", i
				for (j = 1; j <= 40; j++) printf "  x = (x * %d + %d) %% 1000003; if (x & %d) { x ^= %d; }\n", int(rand() * 999) + 3, int(rand() * 9999), j, int(rand() * 1048576)
				printf "  return x;\n}\nexport const t%d = [", i
				for (j = 0; j < 150; j++) printf "%s%d", j ? "," : "", int(rand() * 1000)
				print "];" }' >"$tmp/src/m$i.js"
			echo "import { f$i, t$i } from './m$i.js'; x = f$i(x + t$i[7]);" >>"$tmp/src/body"
		done
		{ echo "let x = 1;"; cat "$tmp/src/body"; echo "console.log(x);"; } >"$tmp/src/index.js"
	fi
	rm -f "$tmp/in" "$tmp/out.js"
	mkfifo "$tmp/in"
	sleep 3600 >"$tmp/in" &
	pids+=("$!")
	"$esb" --bundle --minify "$tmp/src/index.js" --outfile="$tmp/out.js" --watch <"$tmp/in" \
		>"$tmp/esb.log" 2>&1 &
	BG=$!
	pids+=("$BG")
	waitfor test -s "$tmp/out.js"
	(for k in $(seq 100000); do echo "// $k" >>"$tmp/src/m$((k % 300)).js"; sleep 0.05; done) &
	pids+=("$!")
}

# prof PID SECS [ENV=...]: one --json profile into $tmp/p.json.
prof() {
	local pid=$1 secs=$2
	shift 2
	env "$@" "$G" --json pprof-cpu "$pid" -d "${secs}s" -o "$tmp/p.pb.gz" >"$tmp/p.json" 2>"$tmp/p.err"
}

# prog_cost PID SECS [ENV=...]: the BPF program's "runs run_time_ns" (all its
# runs, the cheap ones for other processes included), read with bpftool one
# second before the end of a SECS-second profile.
prog_cost() {
	local pid=$1 secs=$2
	shift 2
	env "$@" "$G" --json pprof-cpu "$pid" -d "${secs}s" -o "$tmp/p.pb.gz" >"$tmp/p.json" 2>"$tmp/p.err" &
	local gp=$!
	waitfor grep -q profiling "$tmp/p.err"
	sleep $((secs - 1))
	bpftool -j prog show name gs_cpu_sample >"$tmp/prog.json" 2>/dev/null || echo '[]' >"$tmp/prog.json"
	wait "$gp"
	jq -r '(if type == "array" then . else [.] end) | map(select(.run_cnt > 0)) |
		"\(map(.run_cnt) | add // 0) \(map(.run_time_ns) | add // 0)"' "$tmp/prog.json"
}

echo "== machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), kernel $(uname -r), $(date -u +%F) $(git -C "$root" rev-parse --short HEAD)"

echo "== 1. the leaf's caller and in-kernel aggregation (${SECS}s profiles)"
stats_was=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
printf '  %-26s %7s %9s %8s %7s %7s %9s %9s %8s\n' program samples "no caller" outside stacks table "ns/run" "ns/run nf" "bpf/cpu"
leaf_row() {
	local name=$1 pid=$2 with without
	with=$(prog_cost "$pid" "$SECS")
	cp "$tmp/p.json" "$tmp/with.json"
	without=$(prog_cost "$pid" "$SECS" GOSCOPE_PROFILE_NO_LEAF_FIX=1)
	jq -r --arg n "$name" --arg w "$with" --arg wo "$without" --argjson secs "$SECS" '
		def per($x): ($x | split(" ") | map(tonumber)) as $v | if $v[0] > 0 then ($v[1] / $v[0] | floor | tostring) else "n/a" end;
		# All of the program'"'"'s time (the runs for other processes too) over the CPU time
		# the target used until then (its samples x 10 ms): an upper bound of its cost.
		def bound($x; $n): ($x | split(" ") | map(tonumber)) as $v |
			if $n > 0 then ((100000 * $v[1] / ($n * ($secs - 1) / $secs * 10000000) | floor) / 1000 | tostring) + "%" else "-" end;
		def pct($a; $b): if $b > 0 then ((1000 * $a / $b | floor) / 10 | tostring) + "%" else "-" end;
		.stats as $s | [$n, $s.samples, pct($s.leaf_callers_recovered; $s.samples),
		 pct($s.leaf_outside_table; $s.samples), $s.distinct_stacks, .leaf_table_entries,
		 per($w), per($wo), bound($w; $s.samples)] | @tsv' "$tmp/with.json" |
		awk -F'\t' '{ printf "  %-26s %7s %9s %8s %7s %7s %9s %9s %8s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }'
}
bg "$FX/cpuburn/cpuburn-1.19.plain" -mode ratio
leaf_row "cpuburn (frameless leaves)" "$BG"
kill "$BG"
bg "$FX/gcload" -duration 0
leaf_row "gcload" "$BG"
kill "$BG"
for d in esbuild-0.8.57 esbuild-0.19.12; do
	[ -x "$CORPUS/$d/esbuild" ] || continue
	esbuild_watch "$CORPUS/$d/esbuild"
	leaf_row "$d (watch)" "$BG"
	kill "$BG"
done
sysctl -qw kernel.bpf_stats_enabled="$stats_was"
stats_was=
echo "  no caller: samples whose frame-pointer walk skipped the leaf's caller (recovered);"
echo "  outside: the leaf was not in Go code (vdso, C); stacks: distinct keys counted in the kernel;"
echo "  table: SP-delta entries loaded for the binary (8 bytes each); ns/run: the BPF program per"
echo "  run (every CPU, every 10 ms, most runs for other processes), with the SP-delta lookup and"
echo "  without it (nf); bpf/cpu: all of the program's time over the target's CPU time (an upper"
echo "  bound of what it costs the target)"

echo "== 2. gcload throughput, $RUNS pairs of ${SECS}s runs (unprofiled, profiled; random order)"
field() { sed -n "s/^done .*\\b$1=\\([0-9]*\\).*/\\1/p" "$2"; }
gc_one() {
	local mode=$1 pid gp=
	rm -f "$tmp/gc.out"
	"$FX/gcload" -wait -duration "${SECS}s" >"$tmp/gc.out" 2>&1 &
	pid=$!
	waitfor grep -q '^ready' "$tmp/gc.out"
	if [ "$mode" = prof ]; then
		"$G" --json pprof-cpu "$pid" -d "$((SECS + 5))s" -o "$tmp/gc.pb.gz" >/dev/null 2>"$tmp/gc.err" &
		gp=$!
		waitfor grep -q profiling "$tmp/gc.err"
	fi
	kill -USR1 "$pid"
	wait "$pid"
	[ -n "$gp" ] && wait "$gp"
	echo "$(field units "$tmp/gc.out") $(field cpuns "$tmp/gc.out")"
}
: >"$tmp/none"
: >"$tmp/prof"
for r in $(seq "$RUNS"); do
	if [ $((RANDOM % 2)) -eq 0 ]; then
		gc_one none >>"$tmp/none"; gc_one prof >>"$tmp/prof"
	else
		gc_one prof >>"$tmp/prof"; gc_one none >>"$tmp/none"
	fi
done
printf '  units per CPU-second: unprofiled %.0f, profiled %.0f; median paired change %+.2f%%\n' \
	"$(awk '$2 > 0 { print $1 / ($2 / 1e9) }' "$tmp/none" | median)" \
	"$(awk '$2 > 0 { print $1 / ($2 / 1e9) }' "$tmp/prof" | median)" \
	"$(paste -d' ' "$tmp/none" "$tmp/prof" | awk '$2 > 0 && $4 > 0 { print (($3 / $4) / ($1 / $2) - 1) * 100 }' | median)"
printf '  units per wall second: median paired change %+.2f%%\n' \
	"$(paste -d' ' "$tmp/none" "$tmp/prof" | awk '$1 > 0 { print ($3 / $1 - 1) * 100 }' | median)"

PAIRS=${PAIRS:-8}
WIN=${WIN:-5}
echo "== 2b. the same cost against a concurrent control: two gcload, one pinned to each CPU,"
echo "   ${PAIRS} rounds of ${WIN}s windows: A sampled, B sampled, neither, neither"
# bench/lib.sh control_pairs says how. What it leaves out here is the timer
# interrupt and the program's early return on each CPU every 10 ms that
# every process pays while any profile runs: the ns/run of section 1 bounds it.
# sample PID SECS: a CPU profile of PID for SECS seconds, in the background.
sample() {
	"$G" --json pprof-cpu "$1" -d "${2}s" -o "$tmp/w.pb.gz" >/dev/null 2>"$tmp/w.err" &
	OBS=$!
	waitfor grep -q profiling "$tmp/w.err"
	sleep 0.5
}
control_pairs "$FX/gcload" "$PAIRS" "$WIN" sample "$tmp"

echo "== 3. goscope's own CPU, one target (cpuburn) at 100 Hz, $RUNS ${SECS}s profiles"
bg "$FX/cpuburn/cpuburn-1.19.plain" -mode ratio
: >"$tmp/cost"
for r in $(seq "$RUNS"); do
	prof "$BG" "$SECS"
	jq -r '[.cost.setup_cpu_ns, .cost.sampling_cpu_ns, .cost.write_cpu_ns, .duration_ns, .cost.setup_ns] | @tsv' \
		"$tmp/p.json" >>"$tmp/cost"
done
kill "$BG"
printf '  while sampling: %.3f%% of one core; whole run (set-up + sampling + writing): %.2f%%\n' \
	"$(awk '{ print $2 / $4 * 100 }' "$tmp/cost" | median)" \
	"$(awk '{ print ($1 + $2 + $3) / $4 * 100 }' "$tmp/cost" | median)"
printf '  set-up: %.1f ms CPU, %.1f ms wall; writing: %.1f ms CPU\n' \
	"$(awk '{ print $1 / 1e6 }' "$tmp/cost" | median)" "$(awk '{ print $5 / 1e6 }' "$tmp/cost" | median)" \
	"$(awk '{ print $3 / 1e6 }' "$tmp/cost" | median)"

echo "== 4. end of sampling to profile written, large stripped binaries, $RUNS ${SECS}s profiles"
write_row() {
	local name=$1 pid=$2 r
	: >"$tmp/w"
	for r in $(seq "$RUNS"); do
		prof "$pid" "$SECS"
		jq -r '[.cost.write_ns, .samples, .stats.distinct_stacks, .file_bytes, .cost.setup_ns] | @tsv' "$tmp/p.json" >>"$tmp/w"
	done
	printf '  %-24s write %6.1f ms (max %6.1f)  set-up %6.1f ms  samples %5s  stacks %5s  file %6s B\n' "$name" \
		"$(awk '{ print $1 / 1e6 }' "$tmp/w" | median)" "$(awk '{ print $1 / 1e6 }' "$tmp/w" | sort -g | tail -1)" \
		"$(awk '{ print $5 / 1e6 }' "$tmp/w" | median)" \
		"$(awk '{ print $2 }' "$tmp/w" | median)" "$(awk '{ print $3 }' "$tmp/w" | median)" \
		"$(awk '{ print $4 }' "$tmp/w" | median)"
}
if [ -x "$CORPUS/esbuild-0.19.12/esbuild" ]; then
	esbuild_watch "$CORPUS/esbuild-0.19.12/esbuild"
	write_row "esbuild 0.19.12 (9.6 MB)" "$BG"
	kill "$BG"
fi
