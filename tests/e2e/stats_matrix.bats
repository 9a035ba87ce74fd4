#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
#
# Agentless stats against the ground truth of the program itself, for every
# Go toolchain tools/fetch-go-toolchains.sh fetched and every build mode
# tools/build-matrix.sh builds: selfstat prints its own NumGoroutine,
# GOMAXPROCS, NumCPU and MemStats, and goscope must read the same numbers
# from its memory (num GC and heap in use at its quiescent point). Then the
# release corpus in its serving modes, checked against the goroutine dump
# the program prints on SIGQUIT.

load helpers

MODES=(selfstat selfstat.stripped selfstat.pie selfstat.cgo selfstat.trimpath selfstat.nobuildinfo)

setup() {
	require_goscope
	require_cmd jq
	export GOPS_CONFIG_DIR=$BATS_TEST_TMPDIR/gops
	mkdir -p "$GOPS_CONFIG_DIR"
}

# kv LINE KEY: the value of KEY=... in a selfstat line
kv() {
	sed -n "s/.* $2=\\([0-9]*\\).*/\\1/p" <<<"$1"
}

# last LOG WORD: the last line of LOG that starts with WORD
last() {
	grep "^$2 " "$1" | tail -n 1
}

# spawn LOG PROGRAM ARGS...: run it in the background with GOMAXPROCS=3
# (so it differs from num CPU); its pid in SPAWNED.
spawn() {
	local log=$1
	shift
	GOMAXPROCS=3 "$@" </dev/null >"$log" 2>&1 3>&- &
	SPAWNED=$!
	BG_PIDS+=("$SPAWNED")
}

# matrix_line 1.NN: every mode of that toolchain, run side by side.
matrix_line() {
	local v=$1 d=$MATRIX/$1 i m pid log out line want g
	local pids=() logs=()
	require_file "$d/VERSION" || return 1
	for i in "${!MODES[@]}"; do
		m=${MODES[$i]}
		require_file "$d/$m" || return 1
		log=$BATS_TEST_TMPDIR/$m.log
		# a different steady goroutine count per mode
		spawn "$log" "$d/$m" -interval 100ms -goroutines $((3 + i))
		pids+=("$SPAWNED")
		logs+=("$log")
	done
	for i in "${!MODES[@]}"; do
		wait_for 10 grep -q '^stats ' "${logs[$i]}"
	done
	for i in "${!MODES[@]}"; do
		m=${MODES[$i]} pid=${pids[$i]}
		run "$GOSCOPE" --json stats --agentless "$pid"
		[ "$status" -eq 0 ] || { echo "$v/$m: $output"; return 1; }
		out=$output
		line=$(last "${logs[$i]}" stats)
		echo "$v/$m: $(jq -c .values <<<"$out")"
		echo "$v/$m: $line" | cut -c1-200
		# held steady by the program: its latest line is the truth now
		[ "$(jq .values.goroutines.value <<<"$out")" = "$(kv "$line" goroutines)" ]
		[ "$(kv "$line" goroutines)" = $((3 + i + 2)) ] # + main + os/signal's loop
		[ "$(jq .values.gomaxprocs.value <<<"$out")" = "$(kv "$line" gomaxprocs)" ]
		[ "$(kv "$line" gomaxprocs)" = 3 ]
		[ "$(jq .values.ncpu.value <<<"$out")" = "$(kv "$line" ncpu)" ]
		[ "$(jq .values.threads.value <<<"$out")" -ge 1 ]
		case $m in
		*.stripped) [[ "$(jq -r .values.goroutines.source <<<"$out")" == code* ]] ;;
		*) [ "$(jq -r .values.goroutines.source <<<"$out")" = symtab+dwarf ] ;;
		esac
		# gops' four lines, all filled
		run "$GOSCOPE" stats --agentless "$pid"
		[ "$status" -eq 0 ]
		[ "${#lines[@]}" -eq 4 ]
		[[ "${lines[*]}" != *unavailable* ]] || { echo "$output"; return 1; }
	done
	# The quiescent point: a forced collection, the collector off, caches
	# flushed by ReadMemStats, nothing allocated after the "quiet" line.
	for i in "${!MODES[@]}"; do
		kill -USR1 "${pids[$i]}"
	done
	for i in "${!MODES[@]}"; do
		m=${MODES[$i]} pid=${pids[$i]}
		wait_for 10 grep -q '^quiet ' "${logs[$i]}"
		line=$(last "${logs[$i]}" quiet)
		run "$GOSCOPE" --json stats --agentless "$pid"
		[ "$status" -eq 0 ]
		out=$output
		echo "$v/$m quiet: $(jq -c '[.values.numgc, .values.heap_inuse]' <<<"$out")"
		want=$(kv "$line" numgc)
		[ "$want" -ge 1 ]
		[ "$(jq .values.numgc.value <<<"$out")" = "$want" ]
		[ "$(jq .values.heap_inuse.value <<<"$out")" = "$(kv "$line" heap_inuse)" ]
		g=$(jq .values.goroutines.value <<<"$out")
		[ "$g" = "$(kv "$line" goroutines)" ]
	done
}

@test "stats matrix: go1.15, every build mode: the program's own numbers" { matrix_line 1.15; }
@test "stats matrix: go1.19, every build mode: the program's own numbers" { matrix_line 1.19; }
@test "stats matrix: go1.21, every build mode: the program's own numbers" { matrix_line 1.21; }
@test "stats matrix: go1.22, every build mode: the program's own numbers" { matrix_line 1.22; }
@test "stats matrix: go1.23, every build mode: the program's own numbers" { matrix_line 1.23; }
@test "stats matrix: go1.24, every build mode: the program's own numbers" { matrix_line 1.24; }
@test "stats matrix: go1.25, every build mode: the program's own numbers" { matrix_line 1.25; }
@test "stats matrix: go1.26, every build mode: the program's own numbers" { matrix_line 1.26; }
@test "stats matrix: go1.27, every build mode: the program's own numbers" { matrix_line 1.27; }

@test "stats matrix: every fetched release line has a test here" {
	local v
	for v in $("$GS_ROOT/tools/fetch-go-toolchains.sh" --list); do
		grep -q "^@test \"stats matrix: go$v, " "$BATS_TEST_FILENAME" ||
			{ echo "no test for go$v"; return 1; }
	done
}

# user_goroutines DUMP: the user goroutines of a SIGQUIT dump, as
# runtime.NumGoroutine counts them: every "goroutine N [...]" block but
# goroutine 0 and those the runtime started for itself (a runtime.* start
# function other than runtime.main, as runtime.isSystemGoroutine decides).
user_goroutines() {
	awk '
	function flush() {
		if (id != "" && id != "0" && !(start ~ /^runtime\./ && start != "runtime.main")) n++
		id = ""; start = ""; done = 0
	}
	/^goroutine [0-9]+ / { flush(); id = $2; next }
	/^created by / { done = 1; next }
	/^\t/ || /^$/ || /^\.\.\./ { next }
	id != "" && !done {
		f = $0; sub(/\(.*$/, "", f)
		if (f == "runtime.goexit") done = 1; else start = f
	}
	END { flush(); print n + 0 }' "$1"
}

# corpus_serve NAME ARGS...: a corpus binary in a serving mode, kept alive by
# an open stdin (fd 8); its stderr (where a SIGQUIT dump goes) in NAME.err.
corpus_serve() {
	local bin=$1 name=$2 fifo
	shift 2
	fifo=$BATS_TEST_TMPDIR/$name.in
	mkfifo "$fifo"
	GOMAXPROCS=3 "$bin" "$@" <"$fifo" >/dev/null 2>"$BATS_TEST_TMPDIR/$name.err" 3>&- &
	SPAWNED=$!
	BG_PIDS+=("$SPAWNED")
	exec 8>"$fifo"
	wait_for 10 gs_pid_runs "$SPAWNED" "$(readlink -f "$bin")"
}

# corpus_check NAME PID: all four lines, and goroutines equal to the dump's count
corpus_check() {
	local name=$1 pid=$2 out g dump
	sleep 0.5	# let it reach its serving loop
	run "$GOSCOPE" --json stats --agentless "$pid"
	[ "$status" -eq 0 ]
	out=$output
	echo "$name: $(jq -c .values <<<"$out")"
	for k in goroutines threads gomaxprocs ncpu; do
		[ "$(jq ".values.$k.value" <<<"$out")" != null ] || { echo "$name: $k unavailable"; return 1; }
	done
	[ "$(jq .values.gomaxprocs.value <<<"$out")" = 3 ]
	[ "$(jq .values.ncpu.value <<<"$out")" = "$(nproc)" ]
	g=$(jq .values.goroutines.value <<<"$out")
	kill -QUIT "$pid"
	wait "$pid" 2>/dev/null || true
	exec 8>&-
	dump=$(user_goroutines "$BATS_TEST_TMPDIR/$name.err")
	echo "$name: goscope $g, the dump $dump"
	[ "$dump" -ge 1 ]
	[ "$g" = "$dump" ]
}

@test "stats matrix: esbuild --serve (go1.16, 1.17, 1.19, 1.20; stripped): all four lines, goroutines as its dump" {
	local v bin
	printf 'x\n' >"$BATS_TEST_TMPDIR/e.js"
	for v in 0.8.57 0.13.15 0.15.18 0.19.12; do
		bin=$CORPUS/esbuild-$v/esbuild
		require_file "$bin"
		corpus_serve "$bin" "esbuild-$v" "$BATS_TEST_TMPDIR/e.js" \
			--outdir="$BATS_TEST_TMPDIR/o.$v" --serve=127.0.0.1:0
		corpus_check "esbuild-$v" "$SPAWNED"
	done
}

@test "stats matrix: buf lsp serve (go1.27, stripped): all four lines, goroutines as its dump" {
	require_file "$CORPUS/buf-1.75.0/buf"
	corpus_serve "$CORPUS/buf-1.75.0/buf" buf lsp serve
	corpus_check buf "$SPAWNED"
}
