#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
#
# goscope probe: GC cycles counted by uprobes must equal the program's own
# count (runtime.NumGC for the gcload fixtures, GODEBUG=gctrace=1 lines for
# release binaries from the corpus), stop-the-world pauses must come about
# two per cycle, and the probed program must be left exactly as it was.
#
# Environment: GOSCOPE_SOAK_SECONDS (default 180) for the soak test.

load helpers

setup() {
	require_goscope
}

teardown() {
	[ -n "${PROBE_PID:-}" ] && kill -KILL "$PROBE_PID" 2>/dev/null || true
	for p in "${EXTRA_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	exec 8>&- 9>&-
	[ -n "${NP_DIR:-}" ] && rm -rf "$NP_DIR"
	stop_fixtures
}

EXTRA_PIDS=()

# probe_bg ARGS...: goscope ARGS in the background, once it has attached.
# Sets PROBE_PID; output in $PROBE_OUT, stderr in $PROBE_ERR.
probe_bg() {
	PROBE_OUT=$BATS_TEST_TMPDIR/probe.out
	PROBE_ERR=$BATS_TEST_TMPDIR/probe.err
	"$GOSCOPE" "$@" >"$PROBE_OUT" 2>"$PROBE_ERR" 3>&- &
	PROBE_PID=$!
	if ! wait_for 30 grep -q 'probing' "$PROBE_ERR"; then
		cat "$PROBE_ERR" >&2
		return 1
	fi
}

# probe_wait: wait for the backgrounded goscope to finish; its status in PROBE_RC.
probe_wait() {
	PROBE_RC=0
	wait "$PROBE_PID" || PROBE_RC=$?
	PROBE_PID=
}

# log_value FILE WORD KEY: KEY's number on FILE's first line starting with WORD.
log_value() {
	sed -n "s/^$2 .*\\b$3=\\([0-9]*\\).*/\\1/p" "$1" | head -n 1
}

# The summary document's object for pid.
summary_of() {
	jq -c "select(.type == \"summary\") | .processes[] | select(.pid == $1)" "$PROBE_OUT"
}

# exact FIXTURE: the probe's GC count equals NumGC over the load window.
exact() {
	local fx=$1 log start done cycles pauses stops s links
	require_root
	require_cmd jq
	start_fixture "$fx" -wait -duration 3s
	log=$(ls "$BATS_TEST_TMPDIR"/"$fx".*.log | head -n 1)
	wait_for 10 grep -q '^ready' "$log"
	probe_bg --json probe -i 0 "$BG_PID"
	kill -USR1 "$BG_PID"
	probe_wait
	[ "$PROBE_RC" -eq 0 ]
	wait "$BG_PID"	# the fixture's own exit status: 0 unless a unit mismatched
	grep -q 'mismatches=0' "$log"
	start=$(log_value "$log" start numgc)
	done=$(log_value "$log" done numgc)
	s=$(summary_of "$BG_PID")
	cycles=$(jq -r .gc.cycles <<<"$s")
	pauses=$(jq -r .stw.pauses <<<"$s")
	stops=$(jq -r .stw.stops <<<"$s")
	echo "$fx: numgc $start -> $done, probe cycles $cycles, pauses $pauses, stops $stops"
	[ "$((done - start))" -gt 20 ]
	[ "$cycles" -eq "$((done - start))" ]
	# Two pauses per cycle, plus the program's two ReadMemStats calls and
	# whatever else stops the world; every stop has its start.
	[ "$pauses" -ge "$((2 * cycles))" ]
	[ "$pauses" -le "$((2 * cycles + 10))" ]
	[ "$stops" -eq "$pauses" ]
	[ "$(jq -r .exited <<<"$s")" = true ]
	grep -q "PID $BG_PID (.*) exited" "$PROBE_ERR"
	# How the uprobes were attached: a multi-uprobe link on this kernel,
	# perf-event uprobes with the test hook (the path before Linux 6.6).
	links=multi
	[ -n "${GOSCOPE_TEST_NO_UPROBE_MULTI:-}" ] && links=perf
	[ "$(jq -r 'select(.type == "summary") | .bpf.links' "$PROBE_OUT")" = "$links" ]
	BG_PIDS=()
}

@test "probe: exact GC count, plain build" {
	exact gcload
}

@test "probe: exact GC count, stripped build" {
	exact gcload.stripped
}

@test "probe: exact GC count, PIE build" {
	exact gcload.pie
}

@test "probe: exact GC count, cgo build" {
	exact gcload.cgo
}

@test "probe: exact GC count on perf-event uprobes (test hook: the kernels without multi-uprobe links)" {
	GOSCOPE_TEST_NO_UPROBE_MULTI=1 exact gcload
	grep -q 'test hook GOSCOPE_TEST_NO_UPROBE_MULTI' "$PROBE_ERR"
}

@test "probe: text rows and summary, live columns, detach on SIGINT and SIGTERM" {
	local sig
	require_root
	require_cmd bpftool
	for sig in INT TERM; do
		start_fixture gcload -duration 0 -idle 3
		probe_bg probe -i 200ms "$BG_PID"
		sleep 1
		bpftool prog show | grep -q gs_mark_term
		kill "-$sig" "$PROBE_PID"
		probe_wait
		[ "$PROBE_RC" -eq 0 ]
		head -n 1 "$PROBE_OUT" | grep -q '^TIME *PID NAME *GC *GC-AVG *STW'
		# Rows: GC cycles counted, live goroutines (main, signal, 2 workers,
		# the waiter, 3 idle), GOMAXPROCS.
		awk -v pid="$BG_PID" '$2 == pid && $4 > 0 && $12 == 8 && $14 >= 1 { ok = 1 } END { exit !ok }' "$PROBE_OUT"
		grep -q '^Summary: 1 process' "$PROBE_OUT"
		# About two per cycle (the window may cut a cycle at either end).
		grep -q '  STW: .* pauses ([12]\.[0-9]* per GC cycle)' "$PROBE_OUT"
		# Detached: no goruntime program is left in the kernel.
		! bpftool prog show | grep -q 'gs_mark_term'
		# ... and the target runs on, untouched.
		kill -0 "$BG_PID"
		kill -INT "$BG_PID"
		wait "$BG_PID"
		BG_PIDS=()
	done
}

@test "probe: a target that exits is reported, not an error" {
	require_root
	start_fixture gcload -duration 1s
	probe_bg probe -i 300ms "$BG_PID"
	probe_wait
	[ "$PROBE_RC" -eq 0 ]
	grep -q "PID $BG_PID (gcload) exited" "$PROBE_ERR"
	grep -q 'every probed process has exited' "$PROBE_ERR"
	grep -q "(exited)" "$PROBE_OUT"
	grep -q "^$BG_PID gcload .*, exited" "$PROBE_OUT"
}

@test "probe: -d ends after the duration; two PIDs of one binary are counted apart" {
	local a b sa sb
	require_root
	require_cmd jq
	start_fixture gcload -duration 0 -workers 1
	a=$BG_PID
	start_fixture gcload -wait
	b=$BG_PID
	run "$GOSCOPE" --json probe -d 2 -i 1 "$a" "$b"
	[ "$status" -eq 0 ]
	PROBE_OUT=$BATS_TEST_TMPDIR/out.json
	printf '%s\n' "$output" | grep '^{' >"$PROBE_OUT"
	[ "$(jq -s '[.[] | select(.type == "interval")] | length' "$PROBE_OUT")" -ge 2 ]
	sa=$(summary_of "$a")
	sb=$(summary_of "$b")
	[ "$(jq -r .gc.cycles <<<"$sa")" -gt 0 ]
	# b waits with GC off: nothing of a's may be counted for it.
	[ "$(jq -r .gc.cycles <<<"$sb")" -eq 0 ]
	[ "$(jq -r .live.gomaxprocs.value <<<"$sa")" -ge 1 ]
	[ "$(jq -r .live.goroutines.source <<<"$sa")" = symtab+dwarf ]
	[ "$(jq -r .bpf.binaries <<<"$(jq -c 'select(.type == "summary")' "$PROBE_OUT")")" -eq 1 ]
}

@test "probe: --goroutines counts creations and exits; --help states the cost" {
	local log units s created exited
	require_root
	require_cmd jq
	run "$GOSCOPE" probe --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--goroutines"*"COSTLY"*"uprobe hit"* ]]
	start_fixture gcload -wait -churn -duration 2s
	log=$(ls "$BATS_TEST_TMPDIR"/gcload.*.log | head -n 1)
	wait_for 10 grep -q '^ready' "$log"
	probe_bg --json probe -g -i 0 "$BG_PID"
	kill -USR1 "$BG_PID"
	probe_wait
	[ "$PROBE_RC" -eq 0 ]
	units=$(log_value "$log" done units)
	s=$(summary_of "$BG_PID")
	created=$(jq -r .goroutine_events.created <<<"$s")
	exited=$(jq -r .goroutine_events.exited <<<"$s")
	echo "units $units created $created exited $exited"
	# One goroutine per unit, plus the two workers, the one waiting for
	# them and a GC mark worker per P (2 here); all but the mark workers
	# exit. Probes sit past the stack check, so a goroutine that must grow
	# its stack or yield on the way in is still counted once.
	[ "$created" -ge "$((units + 3))" ]
	[ "$created" -le "$((units + 3 + 8))" ]
	[ "$exited" -eq "$((units + 3))" ]
	BG_PIDS=()
}

@test "probe: --all probes two programs at once and picks up one started later, from its exec" {
	local a b c log start done s
	require_root
	require_cmd jq
	start_fixture gcload -duration 0 -workers 1
	a=$BG_PID
	start_fixture gcload.pie -duration 0 -workers 1
	b=$BG_PID
	# The rescan is 10 minutes away: what comes later must come from exec events.
	probe_bg -v --json probe --all --rescan 10m -i 1
	wait_for 10 grep -q "PID $a (gcload): probing" "$PROBE_ERR"
	wait_for 10 grep -q "PID $b (gcload.pie): probing" "$PROBE_ERR"
	# A third binary, started after the attach: probed from its exec event.
	start_fixture gcload.cgo -wait -duration 2s
	c=$BG_PID
	log=$(ls "$BATS_TEST_TMPDIR"/gcload.cgo.*.log | head -n 1)
	wait_for 10 grep -q "PID $c (gcload.cgo): probing" "$PROBE_ERR"
	wait_for 10 grep -q '^ready' "$log"
	kill -USR1 "$c"
	wait_for 20 grep -q '^done' "$log"
	wait_for 10 grep -q "PID $c (gcload.cgo) exited" "$PROBE_ERR"
	kill -INT "$PROBE_PID"
	probe_wait
	[ "$PROBE_RC" -eq 0 ]
	[ "$(jq -r .gc.cycles <<<"$(summary_of "$a")")" -gt 0 ]
	[ "$(jq -r .gc.cycles <<<"$(summary_of "$b")")" -gt 0 ]
	start=$(log_value "$log" start numgc)
	done=$(log_value "$log" done numgc)
	s=$(summary_of "$c")
	echo "late program: numgc $start -> $done, probe $(jq -r .gc.cycles <<<"$s")"
	[ "$(jq -r .gc.cycles <<<"$s")" -eq "$((done - start))" ]
	[ "$(jq -r .exited <<<"$s")" = true ]
	[ "$(jq -s '[.[] | select(.type == "summary") | .bpf.binaries] | .[0]' "$PROBE_OUT")" -ge 3 ]
}

# selfstat_start LINE MODE GOROUTINES: the ground-truth fixture of the
# toolchain matrix, holding 2 + GOROUTINES goroutines; its pid in BG_PID.
selfstat_start() {
	require_file "$MATRIX/$1/selfstat$2"
	GOMAXPROCS=3 start_fixture "$MATRIX/$1/selfstat$2" -goroutines "$3" -interval 200ms
}

@test "probe: the live goroutine and GOMAXPROCS gauges of stripped builds (go1.15, 1.21, 1.27) are the program's own" {
	local p15 p21 p27 out s pid want
	require_root
	require_cmd jq
	selfstat_start 1.15 .stripped 4
	p15=$BG_PID
	selfstat_start 1.21 .stripped 5
	p21=$BG_PID
	selfstat_start 1.27 .stripped 6
	p27=$BG_PID
	run "$GOSCOPE" --json probe -d 2 -i 1 "$p15" "$p21" "$p27"
	[ "$status" -eq 0 ]
	PROBE_OUT=$BATS_TEST_TMPDIR/out.json
	printf '%s\n' "$output" | grep '^{' >"$PROBE_OUT"
	want=6
	for pid in "$p15" "$p21" "$p27"; do
		s=$(summary_of "$pid")
		echo "$pid: $(jq -c .live <<<"$s")"
		[ "$(jq -r .live.goroutines.value <<<"$s")" = "$want" ]
		[ "$(jq -r .live.goroutines.source <<<"$s")" = code+table ]
		[ "$(jq -r .live.gomaxprocs.value <<<"$s")" = 3 ]
		want=$((want + 1))
	done
}

@test "probe: --all reads the goroutine gauge of a stripped program it finds by its exec" {
	local c s
	require_root
	require_cmd jq
	start_fixture gcload -duration 0 -workers 1
	probe_bg -v --json probe --all --rescan 10m -i 1
	wait_for 10 grep -q "PID $BG_PID (gcload): probing" "$PROBE_ERR"
	selfstat_start 1.27 .stripped 7
	c=$BG_PID
	wait_for 10 grep -q "PID $c (selfstat.stripp): probing\|PID $c (selfstat.stripped): probing" "$PROBE_ERR"
	sleep 1.5
	kill -INT "$PROBE_PID"
	probe_wait
	[ "$PROBE_RC" -eq 0 ]
	s=$(summary_of "$c")
	echo "$(jq -c .live <<<"$s")"
	[ "$(jq -r .live.goroutines.value <<<"$s")" = 9 ]
	[[ "$(jq -r .live.goroutines.source <<<"$s")" == code* ]]
}

@test "probe: usage errors and a non-Go PID" {
	run "$GOSCOPE" probe
	[ "$status" -eq 2 ]
	run "$GOSCOPE" probe --all 1
	[ "$status" -eq 2 ]
	run "$GOSCOPE" probe -d x 1
	[ "$status" -eq 2 ]
	run "$GOSCOPE" probe notapid
	[ "$status" -eq 2 ]
	require_root
	start_fixture cbin sleep 30
	run "$GOSCOPE" probe -d 1 "$BG_PID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"not a Go program"* ]]
	run "$GOSCOPE" probe -d 1 999999999
	[ "$status" -eq 2 ] || [ "$status" -eq 1 ]
}

@test "probe: without privileges, one line naming what is missing, exit 3" {
	require_root
	require_cmd setpriv
	start_fixture gcload -wait
	# The binary must be reachable by an unprivileged user.
	NP_DIR=$(mktemp -d /tmp/goscope-noprivs.XXXXXX)
	cp "$GOSCOPE" "$NP_DIR/goscope"
	chmod 0755 "$NP_DIR" "$NP_DIR/goscope"
	run setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$NP_DIR/goscope" probe -d 1 "$BG_PID"
	echo "$output"
	[ "$status" -eq 3 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == "Error: probe: not root: needs CAP_BPF and CAP_PERFMON" ]]
}

# ---- release binaries: esbuild as a live server, counted against gctrace ----

# esbuild_serve VERSION DIR: start the corpus esbuild serving DIR/entry.js with
# GOGC=5 and gctrace on; sets ES_PID, ES_PORT, ES_TRACE (its stderr).
esbuild_serve() {
	local v=$1 dir=$2 bin
	bin=$CORPUS/esbuild-$v/esbuild
	require_file "$bin"
	ES_TRACE=$dir/trace.$v
	# A FIFO on stdin, held open on fd 8: newer versions stop serving at EOF.
	mkfifo "$dir/stdin.$v"
	GOGC=5 GOMAXPROCS=3 GODEBUG=gctrace=1 "$bin" "$dir/entry.js" --bundle \
		--outdir="$dir/out.$v" --serve=127.0.0.1:0 <"$dir/stdin.$v" >"$dir/serve.$v" \
		2>"$ES_TRACE" 3>&- &
	ES_PID=$!
	EXTRA_PIDS+=("$ES_PID")
	exec 8>"$dir/stdin.$v"
	wait_for 10 grep -q 'http://127.0.0.1:' "$dir/serve.$v" "$ES_TRACE"
	ES_PORT=$(grep -ho 'http://127.0.0.1:[0-9]*' "$dir/serve.$v" "$ES_TRACE" | head -n 1 |
		sed 's/.*://')
}

# gc_lines: gctrace lines so far.
gc_lines() {
	grep -c '^gc ' "$ES_TRACE" || true
}

# quiet: wait until no new gctrace line came for a second.
quiet() {
	local a b i
	for i in $(seq 20); do
		a=$(gc_lines)
		sleep 1
		b=$(gc_lines)
		[ "$a" = "$b" ] && return 0
	done
	return 1
}

# fetch N DIR: N requests, each after an edit so esbuild rebuilds.
fetch() {
	local i
	for i in $(seq "$1"); do
		echo "// edit $i $RANDOM" >>"$2/entry.js"
		exec 7<>"/dev/tcp/127.0.0.1/$ES_PORT"
		printf 'GET /entry.js HTTP/1.0\r\nHost: x\r\n\r\n' >&7
		cat <&7 >/dev/null
		exec 7>&-
	done
}

make_entry() {
	local i
	for i in $(seq 3000); do
		printf 'export function f%d(a, b) { const o = { x: a + %d, y: [b, "s%d"], z: () => a * b }; return JSON.stringify(o) + String(o.z()); }\n' "$i" "$i" "$i"
	done >"$1/entry.js"
}

corpus_gctrace() {
	local v=$1 dir n0 n1 s cycles
	require_root
	require_cmd jq
	dir=$BATS_TEST_TMPDIR/es
	mkdir -p "$dir"
	make_entry "$dir"
	esbuild_serve "$v" "$dir"
	fetch 2 "$dir"
	quiet
	probe_bg --json probe -i 0 "$ES_PID"
	n0=$(gc_lines)
	fetch 30 "$dir"
	quiet
	n1=$(gc_lines)
	kill -INT "$PROBE_PID"
	probe_wait
	[ "$PROBE_RC" -eq 0 ]
	s=$(summary_of "$ES_PID")
	cycles=$(jq -r .gc.cycles <<<"$s")
	echo "esbuild $v: gctrace lines $n0 -> $n1, probe cycles $cycles, pauses $(jq -r .stw.pauses <<<"$s")"
	[ "$((n1 - n0))" -ge 10 ]
	[ "$cycles" -eq "$((n1 - n0))" ]
	[ "$(jq -r .stw.pauses <<<"$s")" -ge "$((2 * cycles))" ]
	# Live reads of a stripped release binary: found in code (goroutines from
	# the layout table, or gcount's counters in code where the table has no row).
	[ "$(jq -r .live.gomaxprocs.value <<<"$s")" = 3 ]
	[ "$(jq -r .live.gomaxprocs.source <<<"$s")" = code ]
	[ "$(jq -r .live.ncpu.value <<<"$s")" = "$(nproc)" ]
	[ "$(jq -r .live.goroutines.value <<<"$s")" -ge 1 ]
	[[ "$(jq -r .live.goroutines.source <<<"$s")" == code* ]]
	exec 8>&-	# stdin closes: esbuild stops serving
	kill "$ES_PID" 2>/dev/null || true
	wait "$ES_PID" 2>/dev/null || true
}

@test "probe: esbuild 0.8.57 (go1.16) served and loaded: cycles equal gctrace lines" {
	corpus_gctrace 0.8.57
}

# The middle rows of the corpus are tagged first-pass: the sanitizer pass
# (make test SANITIZE=1) runs the oldest and newest, the first pass all.
# bats test_tags=first-pass
@test "probe: esbuild 0.13.15 (go1.17) served and loaded: cycles equal gctrace lines" {
	corpus_gctrace 0.13.15
}

# bats test_tags=first-pass
@test "probe: esbuild 0.15.18 (go1.19) served and loaded: cycles equal gctrace lines" {
	corpus_gctrace 0.15.18
}

@test "probe: esbuild 0.19.12 (go1.20) served and loaded: cycles equal gctrace lines" {
	corpus_gctrace 0.19.12
}

# buf (go1.27) has no HTTP server mode: `buf lsp serve` is long-lived but idle,
# so it only anchors the binary; a `buf build` of generated protos, started
# after the attach, is then counted from its first instruction (the uprobes
# sit on the inode) and compared with its whole gctrace.
@test "probe: buf 1.75.0 (go1.27): a build started after the attach, cycles equal gctrace" {
	local bin dir lsp build i s cycles n
	require_root
	require_cmd jq
	bin=$CORPUS/buf-1.75.0/buf
	require_file "$bin"
	dir=$BATS_TEST_TMPDIR/protos
	mkdir -p "$dir"
	for i in $(seq 0 59); do
		{
			printf 'syntax = "proto3";\npackage p%d;\n' "$i"
			for m in $(seq 0 39); do
				printf 'message M%d {\n' "$m"
				for k in $(seq 1 20); do printf '  string field_%d = %d;\n' "$k" "$k"; done
				printf '}\n'
			done
		} >"$dir/f$i.proto"
	done
	mkfifo "$dir/stdin"
	"$bin" lsp serve <"$dir/stdin" >"$dir/lsp.log" 2>&1 3>&- &
	lsp=$!
	EXTRA_PIDS+=("$lsp")
	exec 9>"$dir/stdin"
	probe_bg -v --json probe --all --rescan 100ms -i 0
	wait_for 10 grep -q "PID $lsp (buf): probing" "$PROBE_ERR"
	(cd "$dir" && GOGC=10 GODEBUG=gctrace=1 exec "$bin" build . -o /dev/null) 2>"$dir/trace" 3>&- &
	build=$!
	wait "$build"
	wait_for 10 grep -q "PID $build (buf) exited" "$PROBE_ERR"
	kill -INT "$PROBE_PID"
	probe_wait
	[ "$PROBE_RC" -eq 0 ]
	n=$(grep -c '^gc ' "$dir/trace")
	s=$(summary_of "$build")
	cycles=$(jq -r .gc.cycles <<<"$s")
	echo "buf build: gctrace lines $n, probe cycles $cycles, pauses $(jq -r .stw.pauses <<<"$s")"
	[ "$n" -ge 10 ]
	[ "$cycles" -eq "$n" ]
	[ "$(jq -r .stw.pauses <<<"$s")" -ge "$((2 * cycles))" ]
	exec 9>&-
	wait "$lsp" 2>/dev/null || true
}

# ---- safety: a long run of the GC-heavy program under every probe ----

@test "probe: soak: the target's own checksum and exit status under probes" {
	local secs=${GOSCOPE_SOAK_SECONDS:-180} log units sum want pid
	require_root
	require_cmd jq
	start_fixture gcload -churn -workers 2 -idle 50 -duration "${secs}s"
	pid=$BG_PID
	log=$(ls "$BATS_TEST_TMPDIR"/gcload.*.log | head -n 1)
	probe_bg --json probe -g -i 5 "$BG_PID"
	wait "$BG_PID"		# exit status 0: no unit mismatched
	BG_PIDS=()
	probe_wait
	[ "$PROBE_RC" -eq 0 ]
	grep -q 'mismatches=0' "$log"
	units=$(log_value "$log" done units)
	sum=$(log_value "$log" done checksum)
	want=$("$FIXTURES/gcload" checksum "$units")
	echo "soak ${secs}s: $units units, checksum $sum (want $want)," \
		"$(jq -r .gc.cycles <<<"$(summary_of "$pid")") GC cycles probed"
	[ "$sum" = "$want" ]
	[ "$units" -gt 1000 ]
}
