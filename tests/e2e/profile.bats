#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
#
# goscope pprof-cpu without an agent (the agentless CPU profile): against the cpuburn fixture
# built by every toolchain in four variants (tests/tools/build-cpuburn.sh),
# whose two hot functions burn CPU 2:1, `go tool pprof -top` must read the
# file, show the two in that ratio within 15 % and their caller, burn.spend
# (lost by a frame-pointer walk: they have no frame), with samples within 20 % of 100
# per CPU-second the target used (/proc/PID/stat before and after). Also:
# inlined frames, a release binary (esbuild rebuilding in watch mode), the
# agent's profile of the same workload, --all, and bad input.

load helpers

bats_require_minimum_version 1.5.0

setup() {
	require_goscope
	require_root
	require_cmd go jq setpriv taskset
	T=$BATS_TEST_TMPDIR
	CB=$FIXTURES/cpuburn
	export TMPDIR=$T
	: >"$T/pids"
}

teardown() {
	local p
	while read -r p; do
		kill -KILL "$p" 2>/dev/null || true
	done <"$T/pids"
	stop_fixtures
}

# cpu_ticks PID: utime + stime (clock ticks) from /proc/PID/stat.
cpu_ticks() {
	sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# top_flat TOPFILE REGEX: flat sample count of the function whose name matches.
top_flat() {
	awk -v re="$2" '$1 ~ /^[0-9]+$/ && $6 ~ re { print $1; found = 1; exit } END { if (!found) print 0 }' "$1"
}

# top_cum TOPFILE REGEX: cumulative sample count of the function.
top_cum() {
	awk -v re="$2" '$1 ~ /^[0-9]+$/ && $6 ~ re { print $4; found = 1; exit } END { if (!found) print 0 }' "$1"
}

# pprof_top FILE OUT: `go tool pprof -top` in sample counts; fails when unreadable.
pprof_top() {
	go tool pprof -top -nodecount=200 -sample_index=samples "$1" >"$2" 2>"$2.err" ||
		{ echo "go tool pprof cannot read $1:"; cat "$2.err"; return 1; }
}

# ratio_run BIN TAG CPU: one profile of BIN's 2:1 workload, checked. The
# target burns 3 s of CPU time (however long a busy machine makes that take);
# then goscope is stopped with SIGINT, as by Ctrl-C. Prints what is wrong and
# returns 1; leaves $T/TAG.* behind.
# Each CPU's 10 ms tick samples whatever runs on it at that instant. A target
# that shares its CPU with other work, or moves between CPUs, meets the ticks
# at random phases, and a 2:1 ratio from 300 samples then scatters by ±15 %.
# Pinned to one CPU at nice -20 it keeps that CPU, meets every one of its
# ticks in turn, and the count follows its CPU time closely.
ratio_run() {
	local bin=$1 tag=$2 cpu=$3 log=$T/$2.log out=$T/$2.json err=$T/$2.err prof=$T/$2.pb.gz
	local pid gpid t0 t1 samples want a b cum
	[ -x "$bin" ] || { echo "$tag: missing $bin"; return 1; }
	taskset -c "$cpu" nice -n -20 "$bin" -mode ratio -wait -cpu 3s -linger </dev/null >"$log" 2>&1 3>&- &
	pid=$!
	echo "$pid" >>"$T/pids"
	wait_for 10 grep -q '^ready' "$log" || { echo "$tag: did not start"; return 1; }
	"$GOSCOPE" --json pprof-cpu "$pid" -d 5m -o "$prof" >"$out" 2>"$err" 3>&- &
	gpid=$!
	echo "$gpid" >>"$T/pids"
	wait_for 20 grep -q 'profiling PID' "$err" || { echo "$tag: goscope did not start:"; cat "$err"; return 1; }
	t0=$(cpu_ticks "$pid")
	kill -USR1 "$pid"
	wait_for 120 grep -q '^done' "$log" || { echo "$tag: the burn did not end"; return 1; }
	t1=$(cpu_ticks "$pid")
	kill -INT "$gpid"
	wait "$gpid" || { echo "$tag: goscope failed:"; cat "$err"; return 1; }
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pprof_top "$prof" "$T/$tag.top" || return 1
	samples=$(jq .samples "$out")
	# 100 samples per CPU-second = one per clock tick at USER_HZ 100.
	want=$(( (t1 - t0) * 100 / $(getconf CLK_TCK) ))
	a=$(top_flat "$T/$tag.top" 'burn\.HotA$')
	b=$(top_flat "$T/$tag.top" 'burn\.HotB$')
	cum=$(top_cum "$T/$tag.top" 'burn\.spend$')
	echo "$tag: samples=$samples want=$want HotA=$a HotB=$b spend.cum=$cum lost=$(jq .stats.lost "$out")" >>"$T/summary"
	[ "$want" -ge 285 ] || { echo "$tag: the target used only $want ticks"; return 1; }
	[ $((samples * 100)) -ge $((want * 80)) ] && [ $((samples * 100)) -le $((want * 120)) ] ||
		{ echo "$tag: $samples samples for $want expected"; return 1; }
	# HotA:HotB within 15 % of 2: 1.7 <= a/b <= 2.3
	[ "$b" -gt 0 ] && [ $((a * 10)) -ge $((b * 17)) ] && [ $((a * 10)) -le $((b * 23)) ] ||
		{ echo "$tag: HotA $a, HotB $b: not 2:1 within 15 %"; cat "$T/$tag.top"; return 1; }
	# Their caller is in (nearly) every stack, although neither has a frame.
	[ $((cum * 100)) -ge $(((a + b) * 95)) ] ||
		{ echo "$tag: burn.spend in $cum stacks of $((a + b))"; cat "$T/$tag.top"; return 1; }
	[ "$(top_cum "$T/$tag.top" 'burn\.Ratio$')" -ge "$cum" ] ||
		{ echo "$tag: burn.Ratio missing above burn.spend"; cat "$T/$tag.top"; return 1; }
	[ "$(jq .stats.lost "$out")" -eq 0 ] || { echo "$tag: lost samples"; return 1; }
}

# check_toolchain 1.NN: the four variants, two at a time.
check_toolchain() {
	local v=$1 variant rc=0
	if [ ! -x "/var/cache/goscope/go/$v/goroot/bin/go" ]; then
		missing "Go $v toolchain (make toolchains)"
		return
	fi
	require_file "$CB/cpuburn-$v.plain"
	for pair in "plain stripped" "pie cgo"; do
		set -- $pair
		ratio_run "$CB/cpuburn-$v.$1" "$v.$1" 0 >"$T/r1" 2>&1 &
		local p1=$!
		ratio_run "$CB/cpuburn-$v.$2" "$v.$2" $(($(nproc) > 1)) >"$T/r2" 2>&1 &
		local p2=$!
		wait "$p1" || { rc=1; cat "$T/r1"; }
		wait "$p2" || { rc=1; cat "$T/r2"; }
	done
	cat "$T/summary"
	[ "$rc" -eq 0 ]
}

@test "pprof-cpu: go1.15 plain, stripped, PIE, cgo: 2:1 flat ratio, caller, samples per CPU-second" {
	check_toolchain 1.15
}

# The rows between the oldest and newest toolchain are tagged first-pass: the
# sanitizer pass (make test SANITIZE=1) runs the two ends, the first pass all.
# bats test_tags=first-pass
@test "pprof-cpu: go1.19 plain, stripped, PIE, cgo: 2:1 flat ratio, caller, samples per CPU-second" {
	check_toolchain 1.19
}

# bats test_tags=first-pass
@test "pprof-cpu: go1.21 plain, stripped, PIE, cgo: 2:1 flat ratio, caller, samples per CPU-second" {
	check_toolchain 1.21
}

# bats test_tags=first-pass
@test "pprof-cpu: go1.22 plain, stripped, PIE, cgo: 2:1 flat ratio, caller, samples per CPU-second" {
	check_toolchain 1.22
}

# bats test_tags=first-pass
@test "pprof-cpu: go1.23 plain, stripped, PIE, cgo: 2:1 flat ratio, caller, samples per CPU-second" {
	check_toolchain 1.23
}

# bats test_tags=first-pass
@test "pprof-cpu: go1.24 plain, stripped, PIE, cgo: 2:1 flat ratio, caller, samples per CPU-second" {
	check_toolchain 1.24
}

# bats test_tags=first-pass
@test "pprof-cpu: go1.25 plain, stripped, PIE, cgo: 2:1 flat ratio, caller, samples per CPU-second" {
	check_toolchain 1.25
}

# bats test_tags=first-pass
@test "pprof-cpu: go1.26 plain, stripped, PIE, cgo: 2:1 flat ratio, caller, samples per CPU-second" {
	check_toolchain 1.26
}

@test "pprof-cpu: go1.27 plain, stripped, PIE, cgo: 2:1 flat ratio, caller, samples per CPU-second" {
	check_toolchain 1.27
}

# start_burn BIN ARGS...: cpuburn (or a variant) in the background; sets BURN_PID.
start_burn() {
	local bin=$1 log
	shift
	require_file "$bin" || return 1
	log=$T/burn.$RANDOM.log
	"$bin" "$@" </dev/null >"$log" 2>&1 3>&- &
	BURN_PID=$!
	echo "$BURN_PID" >>"$T/pids"
	wait_for 10 grep -q '^ready' "$log"
}

@test "pprof-cpu: an inlined hot path shows the inlined function as its own frame" {
	local v bin
	for v in 1.15 1.19 1.27; do
		bin=$CB/cpuburn-$v.stripped
		require_file "$bin"
		start_burn "$bin" -mode inline -d 60s
		run --separate-stderr "$GOSCOPE" --json pprof-cpu "$BURN_PID" -d 2s -o "$T/inl.$v.pb.gz"
		[ "$status" -eq 0 ]
		kill -KILL "$BURN_PID"
		pprof_top "$T/inl.$v.pb.gz" "$T/inl.$v.top"
		total=$(jq .samples <<<"$output")
		mix=$(awk '$1 ~ /^[0-9]+$/ && $6 ~ /burn\.mix$/ && $7 == "(inline)" { print $1 }' "$T/inl.$v.top")
		echo "go$v: burn.mix (inline) flat $mix of $total" >&2
		[ -n "$mix" ] && [ $((mix * 100)) -ge $((total * 50)) ]
		[ "$(top_cum "$T/inl.$v.top" 'burn\.Outer$')" -ge $((total * 95 / 100)) ]
		# One location, two lines: mix, then the function it was inlined into.
		go tool pprof -raw "$T/inl.$v.pb.gz" >"$T/inl.$v.raw"
		awk 'prev ~ /burn\.mix / && $0 ~ /^ +[^ ]*burn\.Outer / { ok = 1 } { prev = $0 } END { exit !ok }' \
			"$T/inl.$v.raw"
	done
}

@test "pprof-cpu: --json summary: samples, duration, lost, top functions; the file's mapping has the Go build ID" {
	require_file "$CB/cpuburn-1.21.pie"
	start_burn "$CB/cpuburn-1.21.pie" -mode ratio -d 60s
	run --separate-stderr "$GOSCOPE" pprof-cpu "$BURN_PID" -d 2s -o "$T/j.pb.gz" --json
	[ "$status" -eq 0 ]
	jq -e '.agentless == true and .pid == '"$BURN_PID"' and .samples > 0 and .exited == false' <<<"$output"
	jq -e '.duration_ns >= 2000000000 and .duration_ns < 3000000000 and .period_ns == 10000000' <<<"$output"
	jq -e '.stats.lost == 0 and .stats.samples >= .samples and .cpus >= 1' <<<"$output"
	jq -e '.top[0].function | test("burn\\.HotA$")' <<<"$output"
	jq -e '.file == "'"$T/j.pb.gz"'" and .file_bytes > 0 and .symbols and .leaf_table' <<<"$output"
	want=$(go tool buildid "$CB/cpuburn-1.21.pie")
	jq -e --arg b "$want" '.build_id == $b' <<<"$output"
	go tool pprof -raw "$T/j.pb.gz" >"$T/j.raw"
	grep -E "^1: 0x[0-9a-f]+/0x[0-9a-f]+/0x[0-9a-f]+ .*cpuburn-1\.21\.pie $want \[FN\]\[FL\]\[LN\]\[IN\]" "$T/j.raw"
	grep -q '^PeriodType: cpu nanoseconds' "$T/j.raw"
	grep -q '^Period: 10000000' "$T/j.raw"
	grep -q '^samples/count cpu/nanoseconds' "$T/j.raw"
}

@test "pprof-cpu -o -: the profile on stdout, the words on stderr, nothing launched" {
	require_file "$CB/cpuburn-1.24.plain"
	start_burn "$CB/cpuburn-1.24.plain" -mode ratio -d 60s
	"$GOSCOPE" pprof-cpu "$BURN_PID" -d 2s -o - >"$T/out.pb.gz" 2>"$T/err"
	grep -q 'profiling PID' "$T/err"
	grep -q 'samples in' "$T/err"
	pprof_top "$T/out.pb.gz" "$T/out.top"
	[ "$(top_flat "$T/out.top" 'burn\.HotA$')" -gt 0 ]
	run --separate-stderr "$GOSCOPE" --json pprof-cpu "$BURN_PID" -d 2s -o -
	[ "$status" -eq 2 ]
}

@test "pprof-cpu: the release corpus (esbuild rebuilding a large bundle in watch mode): top functions are esbuild's" {
	local d n=0 esb
	for d in esbuild-0.8.57 esbuild-0.13.15 esbuild-0.15.18 esbuild-0.19.12; do
		require_corpus "$d/esbuild"
	done
	mkdir -p "$T/src"
	# 300 modules of arithmetic and tables, one entry point importing them all.
	for i in $(seq 0 299); do
		awk -v i="$i" 'BEGIN {
			srand(i); printf "export function f%d(x) {\n", i
			for (j = 1; j <= 40; j++)
				printf "  x = (x * %d + %d) %% 1000003; if (x & %d) { x ^= %d; }\n", int(rand() * 999) + 3, int(rand() * 9999), j, int(rand() * 1048576)
			printf "  return x;\n}\nexport const t%d = [", i
			for (j = 0; j < 150; j++) printf "%s%d", j ? "," : "", int(rand() * 1000)
			print "];" }' >"$T/src/m$i.js"
		echo "import { f$i, t$i } from './m$i.js'; x = f$i(x + t$i[7]);" >>"$T/src/body"
	done
	{ echo "let x = 1;"; cat "$T/src/body"; echo "console.log(x);"; } >"$T/src/index.js"
	for d in esbuild-0.8.57 esbuild-0.13.15 esbuild-0.15.18 esbuild-0.19.12; do
		esb=$CORPUS/$d/esbuild
		rm -f "$T/in" "$T/out.js"
		mkfifo "$T/in"
		# Watch mode ends when stdin closes: a writer keeps it open.
		sleep 600 >"$T/in" 3>&- &
		echo "$!" >>"$T/pids"
		# At nice -10, so that a busy machine still leaves it a few hundred samples.
		nice -n -10 "$esb" --bundle --minify "$T/src/index.js" --outfile="$T/out.js" --watch \
			<"$T/in" >"$T/esb.log" 2>&1 3>&- &
		local epid=$!
		echo "$epid" >>"$T/pids"
		wait_for 30 test -s "$T/out.js"
		gs_pid_runs "$epid" "$(readlink -f "$esb")"
		# Keep it rebuilding: change a module every 50 ms.
		(for k in $(seq 200); do echo "// $k" >>"$T/src/m$((k % 300)).js"; sleep 0.05; done) 3>&- &
		local touch=$!
		run --separate-stderr "$GOSCOPE" --json pprof-cpu "$epid" -d 4s -o "$T/esb.pb.gz"
		kill "$touch" "$epid" 2>/dev/null || true
		echo "$stderr" >&2
		[ "$status" -eq 0 ]
		pprof_top "$T/esb.pb.gz" "$T/esb.top"
		echo "$d: $(jq -c '{samples, top: [.top[:5][].function]}' <<<"$output")" >&2
		[ "$(jq .samples <<<"$output")" -ge 30 ]
		# Stripped release binaries, symbolized by name: the hottest function
		# outside the standard library (whose first path element has no dot)
		# is esbuild's; so are the five with the most samples under them; and
		# next to nothing is left without a name.
		jq -e '[.top[] | select(.function | test("^[^/]*\\.[^/]*/"))][0].function |
			startswith("github.com/evanw/esbuild/")' <<<"$output"
		go tool pprof -top -cum -nodecount=400 -sample_index=samples "$T/esb.pb.gz" >"$T/esb.cum"
		awk '$1 ~ /^[0-9]+$/ && $6 ~ /^[^\/]*\.[^\/]*\// { print $6 }' "$T/esb.cum" | head -5 >"$T/esb.cum5"
		cat "$T/esb.cum5" >&2
		[ "$(wc -l <"$T/esb.cum5")" -eq 5 ]
		! grep -v '^github.com/evanw/esbuild/' "$T/esb.cum5"
		jq -e '([.top[] | select(.function == "(no symbol)") | .flat] | add // 0) * 10 <= .samples' <<<"$output"
		n=$((n + 1))
	done
	[ "$n" -eq 4 ]
}

@test "pprof-cpu: against the agent: the top five functions of both profiles of one workload overlap in four" {
	require_file "$CB/cpuburn-agent"
	export GOPS_CONFIG_DIR=$T/gops
	mkdir -p "$GOPS_CONFIG_DIR"
	"$CB/cpuburn-agent" -mode six </dev/null >"$T/agent.log" 2>&1 3>&- &
	local apid=$! gpid
	echo "$apid" >>"$T/pids"
	wait_for 15 grep -q '^ready ' "$T/agent.log"
	# The agent's profile takes its fixed 30 s; goscope's runs inside it.
	"$GOSCOPE" pprof-cpu "$apid" -o "$T/agent.pb.gz" --no-launch >"$T/agent.out" 2>&1 3>&- &
	gpid=$!
	echo "$gpid" >>"$T/pids"
	sleep 5
	run --separate-stderr "$GOSCOPE" --json pprof-cpu "$apid" -d 10s -o "$T/gs.pb.gz"
	[ "$status" -eq 0 ]
	wait "$gpid"
	pprof_top "$T/agent.pb.gz" "$T/agent.top"
	pprof_top "$T/gs.pb.gz" "$T/gs.top"
	top5() { awk '$1 ~ /^[0-9]+$/ && NF >= 6 { print $6 }' "$1" | head -5 | sort; }
	top5 "$T/agent.top" >"$T/agent.5"
	top5 "$T/gs.top" >"$T/gs.5"
	echo "agent: $(tr '\n' ' ' <"$T/agent.5")" >&2
	echo "goscope: $(tr '\n' ' ' <"$T/gs.5")" >&2
	[ "$(comm -12 "$T/agent.5" "$T/gs.5" | wc -l)" -ge 4 ]
}

@test "pprof-cpu --all: one profile per Go process from one set of perf events" {
	require_file "$CB/cpuburn-1.15.plain" "$CB/cpuburn-1.27.pie"
	start_burn "$CB/cpuburn-1.15.plain" -mode ratio -d 60s
	local p1=$BURN_PID
	start_burn "$CB/cpuburn-1.27.pie" -mode ratio -d 60s
	local p2=$BURN_PID
	start_fixture cbin sleep 60
	"$GOSCOPE" -v --json pprof-cpu --all -d 4s -o "$T/all" >"$T/all.json" 2>"$T/all.err" 3>&- &
	local gp=$!
	echo "$gp" >>"$T/pids"
	wait_for 60 grep -q 'profiling' "$T/all.err"
	# A program that starts while sampling is found through its exec.
	start_burn "$CB/cpuburn-1.23.stripped" -mode ratio -d 60s
	local p3=$BURN_PID
	wait "$gp"
	output=$(cat "$T/all.json")
	jq -c '[.profiles[] | {pid, name, samples}]' <<<"$output" >&2
	cat "$T/all.err" >&2
	for p in $p1 $p2 $p3; do
		jq -e --argjson p "$p" '[.profiles[] | select(.pid == $p and .samples > 20)] | length == 1' <<<"$output"
		f=$(jq -r --argjson p "$p" '.profiles[] | select(.pid == $p) | .file' <<<"$output")
		[[ $f == "$T/all/cpu.$p.cpuburn-1."* ]]
		pprof_top "$f" "$T/all.$p.top"
		[ "$(top_flat "$T/all.$p.top" 'burn\.HotA$')" -gt 0 ]
	done
	# The C program is not a Go process: not profiled.
	jq -e --argjson p "$BG_PID" '[.profiles[] | select(.pid == $p)] | length == 0' <<<"$output"
	jq -e '.stats.lost == 0' <<<"$output"
}

@test "pprof-cpu: a target that exits mid-profile: the profile up to the exit is written" {
	require_file "$CB/cpuburn-1.22.plain"
	start_burn "$CB/cpuburn-1.22.plain" -mode ratio -d 1500ms
	SECONDS=0
	run --separate-stderr "$GOSCOPE" --json pprof-cpu "$BURN_PID" -d 30s -o "$T/exit.pb.gz"
	[ "$status" -eq 0 ]
	[ "$SECONDS" -lt 10 ]
	jq -e '.exited == true and .samples > 10' <<<"$output"
	pprof_top "$T/exit.pb.gz" "$T/exit.top"
	[ "$(top_flat "$T/exit.top" 'burn\.HotA$')" -gt 0 ]
}

@test "pprof-cpu PID without an agent samples from outside; --agentless; a non-Go PID without an agent gets the agent's error" {
	require_file "$CB/cpuburn-1.24.stripped"
	start_burn "$CB/cpuburn-1.24.stripped" -mode ratio -d 60s
	# No -d: the agent's 30 s, cut short by Ctrl-C once sampling has begun.
	"$GOSCOPE" pprof-cpu "$BURN_PID" -o "$T/fb.pb.gz" --json >"$T/fb.json" 2>"$T/fb.err" 3>&- &
	local gpid=$!
	echo "$gpid" >>"$T/pids"
	wait_for 20 grep -q 'profiling PID' "$T/fb.err" || { cat "$T/fb.err"; false; }
	sleep 2
	kill -INT "$gpid"
	wait "$gpid"
	jq -e '.samples > 10' "$T/fb.json"
	pprof_top "$T/fb.pb.gz" "$T/fb.top"
	[ "$(top_flat "$T/fb.top" 'burn\.HotA$')" -gt 0 ]
	# --agentless names the same path with a duration of its own.
	run --separate-stderr "$GOSCOPE" --json pprof-cpu --agentless "$BURN_PID" -d 1s -o "$T/al.pb.gz"
	[ "$status" -eq 0 ]
	jq -e '.samples > 0' <<<"$output"
	# --agent: the agent or nothing (gops' words).
	run --separate-stderr "$GOSCOPE" pprof-cpu --agent "$BURN_PID" -o "$T/ag.pb.gz"
	[ "$status" -eq 1 ]
	[[ $stderr == "Error: couldn't resolve addr or pid $BURN_PID to TCPAddress: couldn't get port for PID $BURN_PID"* ]]
	[ ! -e "$T/ag.pb.gz" ]
	# Neither an agent nor a Go program: the agent's error is the answer.
	start_fixture cbin sleep 60
	run --separate-stderr "$GOSCOPE" pprof-cpu "$BG_PID" -o "$T/ng.pb.gz"
	[ "$status" -eq 1 ]
	[[ $stderr == "Error: couldn't resolve addr or pid $BG_PID to TCPAddress: couldn't get port for PID $BG_PID"* ]]
	[ ! -e "$T/ng.pb.gz" ]
}

@test "pprof-cpu: a process that is not Go is refused, and no file is left" {
	start_fixture cbin sleep 60
	run --separate-stderr "$GOSCOPE" pprof-cpu "$BG_PID" -d 2s -o "$T/c.pb.gz"
	[ "$status" -eq 1 ]
	[[ $stderr == *"PID $BG_PID is not a Go program"*"goscope profiles Go programs only"* ]]
	[ ! -e "$T/c.pb.gz" ]
	run --separate-stderr "$GOSCOPE" --json pprof-cpu 999999999 -d 2s
	[ "$status" -eq 1 ]
	jq -e '.error | test("no such process")' <<<"$output"
}

@test "pprof-cpu: an unwritable -o fails before sampling starts" {
	start_burn "$CB/cpuburn-1.19.plain" -mode ratio -d 60s
	SECONDS=0
	run --separate-stderr "$GOSCOPE" pprof-cpu "$BURN_PID" -d 30s -o "$T/no/such/dir/p.pb.gz"
	[ "$status" -eq 1 ]
	[[ $stderr == *"$T/no/such/dir/p.pb.gz: No such file or directory"* ]]
	[[ $output != *Profiling* ]]
	ln -s /etc/passwd "$T/link"
	run --separate-stderr "$GOSCOPE" pprof-cpu "$BURN_PID" -d 30s -o "$T/link"
	[ "$status" -eq 1 ]
	[[ $stderr == *"refusing to follow a symbolic link"* ]]
	[ "$SECONDS" -lt 5 ]
	# --all: a file where the directory should be.
	: >"$T/afile"
	run --separate-stderr "$GOSCOPE" pprof-cpu --all -d 30s -o "$T/afile"
	[ "$status" -eq 1 ]
	[[ $stderr == *"not a directory"* ]]
}

@test "pprof-cpu -o: the same file rules as the agent's profiles (one place, user/outfile.c)" {
	start_burn "$CB/cpuburn-1.19.plain" -mode ratio -d 60s
	SECONDS=0
	# a hard link to a file of ours, planted where protected_hardlinks=0 lets it be
	echo keep >"$T/victim"
	ln "$T/victim" "$T/hard"
	run --separate-stderr "$GOSCOPE" pprof-cpu "$BURN_PID" -d 30s -o "$T/hard"
	[ "$status" -eq 1 ]
	[[ $stderr == *"$T/hard: refusing to write: it has 2 hard links"* ]]
	[ "$(cat "$T/victim")" = keep ]
	# another user's file, and a FIFO (which must not hang the open)
	echo keep >"$T/other"
	chown nobody "$T/other"
	mkfifo "$T/fifo"
	run --separate-stderr timeout 10 "$GOSCOPE" pprof-cpu "$BURN_PID" -d 30s -o "$T/other"
	[ "$status" -eq 1 ]
	[[ $stderr == *"$T/other: refusing to write: not a regular file owned by you"* ]]
	# a FIFO with no reader: ENXIO from the non-blocking open, or refused after it
	run --separate-stderr timeout 10 "$GOSCOPE" pprof-cpu "$BURN_PID" -d 30s -o "$T/fifo"
	echo "fifo: $status $stderr"
	[ "$status" -eq 1 ]
	[[ $stderr == *"$T/fifo: "* ]]
	[ "$(cat "$T/other")" = keep ]
	[[ $output != *Profiling* ]]
	[ "$SECONDS" -lt 5 ]
	# a new file is made 0600; a file of ours with one name is reused
	run --separate-stderr "$GOSCOPE" pprof-cpu "$BURN_PID" -d 1s --no-launch -o "$T/new.pb.gz"
	[ "$status" -eq 0 ]
	[ "$(stat -c %a "$T/new.pb.gz")" = 600 ]
	echo old >"$T/mine"
	chmod 644 "$T/mine"
	run --separate-stderr "$GOSCOPE" pprof-cpu "$BURN_PID" -d 1s --no-launch -o "$T/mine"
	[ "$status" -eq 0 ]
	[ "$(head -c 2 "$T/mine" | od -An -tx1 | tr -d ' ')" = 1f8b ]
}

@test "pprof-cpu: without BPF privileges or without perf events: exit 3 with the reason" {
	start_burn "$CB/cpuburn-1.19.plain" -mode ratio -d 60s
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$GOSCOPE" pprof-cpu "$BURN_PID" -d 2s -o /tmp/never-written.pb.gz
	[ "$status" -eq 3 ]
	[[ $stderr == *"not root: needs CAP_BPF and CAP_PERFMON"* ]]
	# Root without CAP_PERFMON (and CAP_SYS_ADMIN): no perf events.
	run --separate-stderr setpriv --inh-caps=-perfmon,-sys_admin --bounding-set=-perfmon,-sys_admin \
		"$GOSCOPE" pprof-cpu "$BURN_PID" -d 2s -o "$T/np.pb.gz"
	[ "$status" -eq 3 ]
	[[ $stderr == *"missing CAP_PERFMON"* ]]
	[ ! -e "$T/np.pb.gz" ]
}

@test "pprof-cpu: usage errors" {
	run --separate-stderr "$GOSCOPE" pprof-cpu
	[ "$status" -eq 1 ]
	[ "$stderr" = "Error: missing PID or address" ]
	run --separate-stderr "$GOSCOPE" pprof-cpu 1 -d soon
	[ "$status" -eq 2 ]
	[[ $stderr == *"-d: "*"soon"* ]]
	run --separate-stderr "$GOSCOPE" pprof-cpu 1 -d 0s
	[ "$status" -eq 2 ]
	[[ $stderr == *"want a duration above zero"* ]]
	# The agent's profile is always 30 s: -d is goscope's own.
	run --separate-stderr "$GOSCOPE" pprof-cpu 1 -d 5s --agent
	[ "$status" -eq 2 ]
	[[ $stderr == *"--agent excludes -d"* ]]
	run --separate-stderr "$GOSCOPE" agent pprof-cpu 1 -d 5s
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" pprof-cpu --all -o "$T/x" 1
	[ "$status" -eq 2 ]
	[[ $stderr == *"--all takes no PID"* ]]
	run --separate-stderr "$GOSCOPE" pprof-cpu --all -d 1s
	[ "$status" -eq 2 ]
	[[ $stderr == *"--all needs -o DIR"* ]]
	run --separate-stderr "$GOSCOPE" pprof-cpu 1 2
	[ "$status" -eq 2 ]
	run "$GOSCOPE" pprof-cpu -h
	[ "$status" -eq 0 ]
	[[ $output == *"goscope samples it from outside instead"* ]]
	[[ $output == *"-d, --duration DUR"*"--all "* ]]
}
