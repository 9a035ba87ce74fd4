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

# ---- a target whose memory lies ----

# sec BIN NAME: "addr size" of section NAME (hex, no 0x)
sec() {
	readelf -SW "$1" | sed 's/^ *\[ *[0-9]*\] *//' | awk -v n="$2" '$1 == n { print $3, $5; exit }'
}

# at SYMBOL [OFFSET]: the address of SYMBOL (+OFFSET) of the unstripped
# twin ($TWIN), moved to the same offset of the same section in $SRC when
# that is the stripped build (-s -w moves the data segment)
at() {
	local a name s t
	a=$(($(nm "$TWIN" | awk -v n="$1" '$3 == n { print "0x" $1; exit }') + ${2:-0}))
	if [ "$SRC" != "$TWIN" ]; then
		for name in .text .noptrdata .data .bss .noptrbss; do
			read -r s t <<<"$(sec "$TWIN" "$name")"
			if [ "$a" -ge $((16#$s)) ] && [ "$a" -lt $((16#$s + 16#$t)) ]; then
				read -r t _ <<<"$(sec "$SRC" "$name")"
				a=$((a - 16#$s + 16#$t))
				break
			fi
		done
	fi
	printf '0x%x' "$a"
}

# liar NAME WORD...: goliar's copy of $SRC storing WORD... (ADDR[:4]=VALUE),
# started; its pid in LIAR
liar() {
	local name=$1
	shift
	"$GS_ROOT/build/tests/goliar" "$SRC" "$BATS_TEST_TMPDIR/$name" "$(at main.printStats)" "$@"
	"$BATS_TEST_TMPDIR/$name" </dev/null >/dev/null 2>&1 3>&- &
	LIAR=$!
	BG_PIDS+=("$LIAR")
	wait_for 10 gs_pid_runs "$LIAR" "$BATS_TEST_TMPDIR/$name"
	sleep 0.1	# the stores run first
}

# lies SCENARIO: the words of one lie; fakes live in the zeroed middle of
# runtime.mheap_ (the runtime never ran, so nothing else is there)
lies() {
	local g p f
	g=$(at runtime.mheap_ 0x12000)	# an allgs array
	p=$(at runtime.mheap_ 0x4000)	# an allp array
	f=$(at runtime.mheap_ 0x8000)	# a P, all zero
	local sane=("$(at runtime.allgs)=$g" "$(at runtime.allgs 8)=7" "$(at runtime.allgs 16)=8"
		"$(at runtime.allgptr)=$g" "$(at runtime.allp)=$p" "$(at runtime.allp 8)=1"
		"$(at runtime.allp 16)=1" "$p=$f" "$(at runtime.gomaxprocs):4=1" "$(at runtime.ncpu):4=1")
	case $1 in
	huge) echo "${sane[@]}" "$(at runtime.allglen)=$((1 << 40))" ;;
	beyond) echo "${sane[@]}" "$(at runtime.allglen)=9" ;;
	allp) echo "${sane[@]}" "$(at runtime.allglen)=7" "$(at runtime.allp 8)=$((1 << 40))" \
		"$(at runtime.allp 16)=$((1 << 40))" ;;
	nowhere) echo "${sane[@]}" "$(at runtime.allglen)=7" "$(at runtime.allp)=0x1000" \
		"$(at runtime.allp 8)=2" "$(at runtime.allp 16)=2" ;;
	gptr) echo "${sane[@]}" "$(at runtime.allglen)=7" "$(at runtime.allgptr)=$((g + 8))" ;;
	ints) echo "${sane[@]}" "$(at runtime.allglen)=7" "$(at runtime.gomaxprocs):4=-1" \
		"$(at runtime.ncpu):4=1000000" ;;
	sane) echo "${sane[@]}" "$(at runtime.allglen)=7" ;;
	esac
}

# lie_stats: goscope's agentless stats of $LIAR, in time, without failing
lie_stats() {
	run timeout 10 "$GOSCOPE" --json stats --agentless "$LIAR"
	[ "$status" -eq 0 ] || { echo "status $status: $output"; return 1; }
	echo "$output" | jq -c .values
}

@test "stats matrix: a target whose memory lies gets unavailable or a bounded answer, never a crash or a hang" {
	local SRC TWIN out why
	TWIN=$MATRIX/1.21/selfstat
	require_file "$TWIN" "$MATRIX/1.21/selfstat.stripped" "$GS_ROOT/build/tests/goliar"
	require_cmd nm readelf
	for SRC in "$TWIN" "$MATRIX/1.21/selfstat.stripped"; do
		# shellcheck disable=SC2046
		for lie in huge beyond allp nowhere gptr ints sane; do
			liar "liar-$lie" $(lies "$lie")
			lie_stats
			out=$output
			why=$(jq -r .values.goroutines.why <<<"${lines[0]}")
			echo "$SRC $lie: $why"
			case $lie in
			huge) [[ $why == "implausible allglen"* ]] ;;
			beyond) [[ $why == *"does not fit allgs"* ]] ;;
			allp) [[ $why == "implausible allp"* ]] ;;
			nowhere) [[ $why == *"Bad address"* || $why == *"P moved"* ]] ;;
			gptr) [[ $why == *"allgptr is not &allgs[0]"* ]] ;;
			ints)
				[ "$(jq -r .values.gomaxprocs.value <<<"${lines[0]}")" = null ]
				[[ "$(jq -r .values.gomaxprocs.why <<<"${lines[0]}")" == "implausible value -1" ]]
				[ "$(jq -r .values.ncpu.value <<<"${lines[0]}")" = null ] ;;
			sane)
				# a lie that holds together: bounded by what it claims
				[ "$(jq -r .values.goroutines.value <<<"${lines[0]}")" = 7 ]
				[ "$(jq -r .values.gomaxprocs.value <<<"${lines[0]}")" = 1 ] ;;
			esac
			# the text form too: four lines, whatever the values
			run timeout 10 "$GOSCOPE" stats --agentless "$LIAR"
			[ "$status" -eq 0 ]
			[ "${#lines[@]}" -eq 4 ]
			kill "$LIAR"
		done
	done
}
