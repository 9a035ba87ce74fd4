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
	local v=$1 d=$MATRIX/$1 i m pid log line want g mp nc th src gc hi
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
		line=$(last "${logs[$i]}" stats)
		# goroutines gomaxprocs ncpu threads goroutines' source, in one go
		read -r g mp nc th src < <(jq -r '.values | [.goroutines.value, .gomaxprocs.value,
			.ncpu.value, .threads.value, .goroutines.source] | @tsv' <<<"$output")
		echo "$v/$m: goroutines $g ($src), GOMAXPROCS $mp, num CPU $nc, threads $th"
		echo "$v/$m: $line" | cut -c1-160
		# held steady by the program: its latest line is the truth now
		[ "$g" = "$(kv "$line" goroutines)" ]
		[ "$g" = $((3 + i + 2)) ] # + main + os/signal's loop
		[ "$mp" = "$(kv "$line" gomaxprocs)" ] && [ "$mp" = 3 ]
		[ "$nc" = "$(kv "$line" ncpu)" ]
		[ "$th" -ge 1 ]
		case $m in
		*.stripped) [[ $src == code* ]] ;;
		*) [ "$src" = symtab+dwarf ] ;;
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
		read -r gc hi g < <(jq -r '.values | [.numgc.value, .heap_inuse.value,
			.goroutines.value] | @tsv' <<<"$output")
		echo "$v/$m quiet: num GC $gc, heap in use $hi, goroutines $g"
		want=$(kv "$line" numgc)
		[ "$want" -ge 1 ]
		[ "$gc" = "$want" ]
		[ "$hi" = "$(kv "$line" heap_inuse)" ]
		[ "$g" = "$(kv "$line" goroutines)" ]
		# `goscope memstats PID` with no agent: gops' lines, read from memory
		run "$GOSCOPE" memstats "$pid"
		[ "$status" -eq 0 ] || { echo "$v/$m memstats: $output"; return 1; }
		[ "${#lines[@]}" -eq 31 ]
		[ "$(printf '%s\n' "${lines[@]}" | cut -d: -f1 | tr '\n' ' ')" = "$MEMSTATS_KEYS" ]
		[ "$(sed -n 's/^num-gc: //p' <<<"$output")" = "$want" ]
		[ "$(sed -n 's/^heap-in-use: .*(\([0-9]*\) bytes)$/\1/p; s/^heap-in-use: \([0-9]*\) bytes$/\1/p' <<<"$output")" = "$hi" ]
	done
}

# gops' memstats keys, in its order.
MEMSTATS_KEYS="alloc total-alloc sys lookups mallocs frees heap-alloc heap-sys heap-idle \
heap-in-use heap-released heap-objects stack-in-use stack-sys mspan-in-use mspan-sys \
mcache-in-use mcache-sys buck-hash-sys other-sys gc-sys next-gc last-gc gc-pause-total gc-pause \
gc-pause-end num-gc num-forced-gc gc-cpu-fraction enable-gc debug-gc "

@test "stats matrix: go1.15, every build mode: the program's own numbers" { matrix_line 1.15; }
# The rows between the oldest and newest toolchain are tagged first-pass: the
# sanitizer pass (make test SANITIZE=1) runs the two ends, the first pass all.
# bats test_tags=first-pass
@test "stats matrix: go1.19, every build mode: the program's own numbers" { matrix_line 1.19; }
# bats test_tags=first-pass
@test "stats matrix: go1.21, every build mode: the program's own numbers" { matrix_line 1.21; }
# bats test_tags=first-pass
@test "stats matrix: go1.22, every build mode: the program's own numbers" { matrix_line 1.22; }
# bats test_tags=first-pass
@test "stats matrix: go1.23, every build mode: the program's own numbers" { matrix_line 1.23; }
# bats test_tags=first-pass
@test "stats matrix: go1.24, every build mode: the program's own numbers" { matrix_line 1.24; }
# bats test_tags=first-pass
@test "stats matrix: go1.25, every build mode: the program's own numbers" { matrix_line 1.25; }
# bats test_tags=first-pass
@test "stats matrix: go1.26, every build mode: the program's own numbers" { matrix_line 1.26; }
@test "stats matrix: go1.27, every build mode: the program's own numbers" { matrix_line 1.27; }

# What `version --json` says of a build's runtime layout must be what the
# readers above used: DWARF and .symtab when the build has them, else the
# table row of its own release line and globals from code.
@test "stats matrix: version --json and process --json name the runtime layout's sources, every toolchain and mode" {
	local v m f got want pid miss
	for v in $("$GS_ROOT/tools/fetch-go-toolchains.sh" --list); do
		require_file "$MATRIX/$v/VERSION"
		for m in "${MODES[@]}" selfstat.arm64 selfstat.arm64.stripped; do
			f=$MATRIX/$v/$m
			require_file "$f"
			got=$("$GOSCOPE" version --json "$f" | jq -c '.files[0].runtime_layout |
				[.offsets, (.table_row // "" | split(".")[0:2] | join(".")), .globals,
				 ([.globals_missing[].global] | join(","))]')
			# allgptr came with Go 1.17; every other global is found
			miss=
			[ "$v" = 1.15 ] && miss=runtime.allgptr
			case $m in
			*.stripped) want="[\"table\",\"go$v\",\"code\",\"$miss\"]" ;;
			*) want="[\"dwarf\",\"\",\"symtab\",\"$miss\"]" ;;
			esac
			[ "$got" = "$want" ] || { echo "$v/$m: $got, want $want"; return 1; }
		done
	done
	# A running program: process --json gives the same object.
	spawn "$BATS_TEST_TMPDIR/p.log" "$MATRIX/1.27/selfstat.stripped" -interval 1s
	pid=$SPAWNED
	wait_for 10 grep -q '^stats ' "$BATS_TEST_TMPDIR/p.log"
	got=$("$GOSCOPE" --json process "$pid" | jq -c .runtime_layout)
	[ "$got" = "$("$GOSCOPE" version --json "$MATRIX/1.27/selfstat.stripped" | jq -c '.files[0].runtime_layout')" ]
	[ "$got" = "$("$GOSCOPE" version --json "$pid" | jq -c '.files[0].runtime_layout')" ]
	# A release the table has no row for says so, never a neighbour's row.
	f=$CORPUS/esbuild-0.19.12/esbuild
	require_file "$f"
	got=$("$GOSCOPE" version --json "$f" | jq -c '.files[0].runtime_layout | [.offsets, .table_row, .offsets_why]')
	[ "$got" = '[null,null,"no runtime layout for go1.20.12"]' ]
	# Not Go: no layout at all.
	got=$("$GOSCOPE" version --json /bin/sh | jq -c '.files[0].runtime_layout')
	[ "$got" = null ]
}

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

# sections FILE: "name addr size" (hex, no 0x) of every section, one a line
sections() {
	readelf -SW "$1" | grep '^ *\[ *[1-9]' | sed 's/^ *\[ *[0-9]*\] *//' |
		awk '$3 ~ /^[0-9a-f]+$/ { print $1, $3, $5 }'
}

# lie_setup: the twin's symbols the lies use and both section tables, once
lie_setup() {
	local name addr size
	declare -gA SYM=() SRC_SEC=()
	SEC_NAME=() SEC_ADDR=() SEC_SIZE=()
	while read -r name addr; do
		SYM[$name]=$addr
	done < <(nm "$TWIN" | awk 'NF == 3 && ($3 ~ /^runtime\.(mheap_|allgs|allgptr|allglen|allp|gomaxprocs|ncpu)$/ ||
		$3 == "main.printStats") { print $3, $1 }')
	while read -r name addr size; do
		SEC_NAME+=("$name")
		SEC_ADDR+=($((16#$addr)))
		SEC_SIZE+=($((16#$size)))
	done < <(sections "$TWIN")
	while read -r name addr size; do
		SRC_SEC[$name]=$((16#$addr))
	done < <(sections "$SRC")
}

# at SYMBOL [OFFSET]: the address of SYMBOL (+OFFSET) of the unstripped
# twin ($TWIN), moved to the same offset of the same section in $SRC when
# that is the stripped build (-s -w moves the data segment)
at() {
	local a k
	a=$((16#${SYM[$1]} + ${2:-0}))
	if [ "$SRC" != "$TWIN" ]; then
		for k in "${!SEC_NAME[@]}"; do
			if [ "$a" -ge "${SEC_ADDR[$k]}" ] && [ "$a" -lt $((SEC_ADDR[k] + SEC_SIZE[k])) ]; then
				a=$((a - SEC_ADDR[k] + SRC_SEC[${SEC_NAME[$k]}]))
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
	"$GS_ROOT/build/tests/goliar" "$SRC" "$BATS_TEST_TMPDIR/$name" "$L_ENTRY" "$@"
	"$BATS_TEST_TMPDIR/$name" </dev/null >/dev/null 2>&1 3>&- &
	LIAR=$!
	BG_PIDS+=("$LIAR")
	wait_for 10 gs_pid_runs "$LIAR" "$BATS_TEST_TMPDIR/$name"
	# the stores run before the first pause(2): wait for it
	wait_for 10 grep -q '^State:.*S' "/proc/$LIAR/status"
}

# lie_addrs: the addresses the lies write, once per $SRC. Fakes live in the
# zeroed middle of runtime.mheap_ (the runtime never ran, so nothing else is there).
lie_addrs() {
	L_ALLGS=$(at runtime.allgs) L_ALLGPTR=$(at runtime.allgptr) L_ALLP=$(at runtime.allp)
	L_ALLGLEN=$(at runtime.allglen) L_GMP=$(at runtime.gomaxprocs) L_NCPU=$(at runtime.ncpu)
	L_G=$(at runtime.mheap_ 0x12000)	# an allgs array
	L_P=$(at runtime.mheap_ 0x4000)	# an allp array
	L_F=$(at runtime.mheap_ 0x8000)	# a P, all zero
	L_ENTRY=$(at main.printStats)
}

# lies SCENARIO: the words of one lie (ADDR[:4]=VALUE)
lies() {
	local a=$((L_ALLGS)) p=$((L_ALLP))
	local sane=("$L_ALLGS=$L_G" "$(hex $((a + 8)))=7" "$(hex $((a + 16)))=8" "$L_ALLGPTR=$L_G"
		"$L_ALLP=$L_P" "$(hex $((p + 8)))=1" "$(hex $((p + 16)))=1" "$L_P=$L_F"
		"$L_GMP:4=1" "$L_NCPU:4=1")
	case $1 in
	huge) echo "${sane[@]}" "$L_ALLGLEN=$((1 << 40))" ;;
	beyond) echo "${sane[@]}" "$L_ALLGLEN=9" ;;
	allp) echo "${sane[@]}" "$L_ALLGLEN=7" "$(hex $((p + 8)))=$((1 << 40))" \
		"$(hex $((p + 16)))=$((1 << 40))" ;;
	nowhere) echo "${sane[@]}" "$L_ALLGLEN=7" "$L_ALLP=0x1000" "$(hex $((p + 8)))=2" \
		"$(hex $((p + 16)))=2" ;;
	gptr) echo "${sane[@]}" "$L_ALLGLEN=7" "$L_ALLGPTR=$(hex $((L_G + 8)))" ;;
	ints) echo "${sane[@]}" "$L_ALLGLEN=7" "$L_GMP:4=-1" "$L_NCPU:4=1000000" ;;
	sane) echo "${sane[@]}" "$L_ALLGLEN=7" ;;
	esac
}

hex() {
	printf '0x%x' "$1"
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
		lie_setup
		lie_addrs
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
