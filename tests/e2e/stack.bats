#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# goscope's goroutine dump (`goscope stack`): the agent's
# reply and goscope's agentless read of the same process agree goroutine by
# goroutine; the release binaries of the corpus in their serving modes; a
# program that starts and ends 10,000 goroutines a second, dumped 100 times;
# --freeze (the output of the target is unchanged, it runs on after goscope
# is SIGKILLed mid-read); JSON and --summary; bad input. The ground truth
# against each toolchain's own dumps is tests/unit/test_stackdump.c.

load helpers

bats_require_minimum_version 1.5.0

SD=stackdemo/1.22/stackdemo

setup() {
	require_goscope
	T=$BATS_TEST_TMPDIR
	export GOPS_CONFIG_DIR=$T/cfg
	mkdir -p "$GOPS_CONFIG_DIR"
}

teardown() {
	stop_fixtures
}

# start_sd ARGS...: stackdemo (Go 1.22) in the background until it says READY.
start_sd() {
	require_fixture "$SD" || return 1
	start_fixture "$SD" "$@"
	SD_PID=$BG_PID
	SD_LOG=$(ls -t "$T"/stackdemo.*.log | head -1)
	wait_for 20 grep -q '^READY' "$SD_LOG"
}

# Has PID exited (gone, or a zombie not reaped yet)?
exited() {
	local st
	st=$(awk '/^State:/{print $2}' "/proc/$1/status" 2>/dev/null) || return 0
	[ -z "$st" ] || [ "$st" = Z ] || [ "$st" = X ]
}

# The functions of a text dump, one per line, as printed.
functions_of() {
	grep -E '^[^[:space:]].*\)$' "$1" | grep -v '^goroutine ' | sed -E 's/\([^()]*\)$//' |
		sed -E 's/^created by //' | sort -u
}

# Every function printed in dump $1 is a function of binary $2 (its name, up
# to a generic's '[', is in the binary's function-name table): one pass over
# the binary for all names.
all_real() {
	functions_of "$1" | grep -vx panic | sed 's/\[.*//' | sort -u >"$T/names"
	LC_ALL=C grep -aoF -f "$T/names" "$2" | sort -u >"$T/found"
	if ! diff <(grep -vFxf "$T/found" "$T/names") /dev/null; then
		echo "not functions of $2 (above)" >&2
		return 1
	fi
}

@test "stack: agentless text in the runtime's format, every parked goroutine" {
	start_sd park
	run --separate-stderr "$GOSCOPE" stack --agentless "$SD_PID"
	[ "$status" -eq 0 ]
	[[ "$output" == "goroutine 1 [chan receive]:"* ]]
	[[ "$output" == *$'\nmain.parkSelect(...)\n\t'*'/main.go:'*' +0x'* ]]
	[[ "$output" == *$'\nmain.inlC(...)\n\t'*'/main.go:'[0-9]*$'\nmain.inlB(...)'* ]]
	[[ "$output" == *"[chan receive, locked to thread]:"* ]]
	[[ "$output" == *"[syscall]:"* ]]
	[[ "$output" == *"...1"[0-9][0-9][0-9]" frames elided..."* ]]
	[[ "$output" == *"created by main.park in goroutine 1"* ]]
	# runtime frames and system goroutines hidden, as runtime.Stack hides them
	[[ "$output" != *"runtime.gopark"* ]]
	[[ "$output" != *"runtime.forcegchelper"* ]]
	run --separate-stderr "$GOSCOPE" stack --system "$SD_PID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"runtime.gopark(...)"* ]]
	[[ "$output" == *"runtime.forcegchelper(...)"* ]]
	[[ "$output" == *" fp=0x"*" sp=0x"*" pc=0x"* ]]
}

@test "stack --json: ids, status, wait reasons, frames, creators" {
	require_cmd jq
	start_sd park
	run --separate-stderr "$GOSCOPE" stack --agentless --json "$SD_PID"
	[ "$status" -eq 0 ]
	jq -e '.source == "memory" and .pid == '"$SD_PID"' and .go_version == "go1.22.12"
		and .freeze == null and (.goroutines | length) == 9' <<<"$output"
	jq -e '.goroutines[] | select(.id == 1) | .status == "waiting" and
		.wait_reason == "chan receive" and .created_by == null and .creator_id == null' <<<"$output"
	jq -e '[.goroutines[] | select(.frames[0].function == "main.parkSelect")][0] |
		.wait_reason == "select" and .frames_state == "ok" and .registers == "sched" and
		.created_by.function == "main.park" and .creator_id == 1 and
		(.frames[0].offset > 0) and (.frames[0].pc > .frames[0].entry)' <<<"$output"
	jq -e '[.goroutines[] | select(any(.frames[]; .function == "main.inlC"))][0].frames |
		map(select(.function | startswith("main.inl"))) | length == 3 and
		all(.inlined and .offset == null)' <<<"$output"
	jq -e '[.goroutines[] | select(.locked)] | length == 1' <<<"$output"
	jq -e '[.goroutines[] | select(.status == "syscall")][0].registers == "syscall"' <<<"$output"
	jq -e '[.goroutines[] | select(.elided != null)][0].elided | .after == 50 and .count > 1800' <<<"$output"
	jq -e '.stats.listed == 9 and .stats.running == 0' <<<"$output"
}

@test "stack --summary: goroutines grouped by identical stacks, largest group first" {
	start_sd many 1000
	run --separate-stderr "$GOSCOPE" stack --agentless --summary "$SD_PID"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "1000 goroutines [chan receive]: "*" ... (980 more)" ]]
	[ "${lines[1]}" = "main.waiter(...)" ]
	[[ "$output" == *$'\n1 goroutine [sleep]: 1\n'* ]]
	run --separate-stderr "$GOSCOPE" stack --agentless --summary --json "$SD_PID"
	[ "$status" -eq 0 ]
	jq -e '.goroutines == 1001 and .groups[0].count == 1000 and (.groups[0].ids | length) == 1000
		and .groups[0].state == "chan receive" and
		(.groups[0].stack | startswith("main.waiter(...)\n"))' <<<"$output"
}

@test "the agent's reply and the agentless read agree goroutine by goroutine" {
	require_cmd jq
	require_fixture agentdemo || return 1
	start_fixture agentdemo -goroutines 20
	wait_for 15 test -s "$GOPS_CONFIG_DIR/$BG_PID"
	local pid=$BG_PID
	# no option: the agent answers
	run --separate-stderr "$GOSCOPE" stack "$pid"
	[ "$status" -eq 0 ]
	[[ "$output" == *"runtime/pprof.writeGoroutineStacks"* ]]
	run --separate-stderr "$GOSCOPE" stack --agent --json "$pid"
	[ "$status" -eq 0 ]
	local agent=$output
	run --separate-stderr "$GOSCOPE" stack --agentless --json "$pid"
	[ "$status" -eq 0 ]
	local mem=$output
	jq -e '.source == "agent"' <<<"$agent"
	jq -e '.source == "memory"' <<<"$mem"
	# The agent's serving goroutine (the one writing the dump) is the only one
	# of the agent's dump not in ours; ours has all of the agent's others.
	local ids_a ids_m
	ids_a=$(jq -c '[.goroutines[] | select(all(.frames[]; .function !=
		"runtime/pprof.writeGoroutineStacks")) | .id] | sort' <<<"$agent")
	ids_m=$(jq -c '[.goroutines[].id] | sort' <<<"$mem")
	echo "agent: $ids_a"
	echo "ours:  $ids_m"
	[ "$ids_a" = "$ids_m" ]
	[ "$(jq '.goroutines | length' <<<"$mem")" -ge 22 ]
	# Goroutines in the same state have the same frames (the two allocating
	# ones may be caught at another point; they are the only ones allowed to differ).
	local norm='[.goroutines[] | {id, state: (.state // .wait_reason // .status),
		frames: [.frames[] | [.function, .file, .line, .offset]]}] | map({(.id | tostring): .}) | add'
	local differ
	differ=$(jq -n --argjson a "$(jq "$norm" <<<"$agent")" --argjson m "$(jq "$norm" <<<"$mem")" '
		[$m | keys[] as $k | select($a[$k] != null and $a[$k].state == $m[$k].state and
			$a[$k].state != "running" and $a[$k].frames != $m[$k].frames) | $k] | length')
	echo "same state, different frames: $differ"
	[ "$differ" -le 2 ]
	local same
	same=$(jq -n --argjson a "$(jq "$norm" <<<"$agent")" --argjson m "$(jq "$norm" <<<"$mem")" '
		[$m | keys[] as $k | select($a[$k] != null and $a[$k] == $m[$k])] | length')
	[ "$same" -ge 20 ]
	# a program without an agent: --agent fails, the default reads memory
	start_sd many 1
	run --separate-stderr "$GOSCOPE" stack --agent "$SD_PID"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "Error: couldn't resolve addr or pid $SD_PID to TCPAddress: couldn't get port for PID $SD_PID: "* ]]
	run --separate-stderr "$GOSCOPE" stack "$SD_PID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"main.waiter(...)"* ]]
}

# corpus_serve BIN ARGS...: a corpus binary in a serving mode, kept alive by
# an open stdin (fd 8), its stderr in $T/corpus.err.
corpus_serve() {
	local bin=$1 fifo=$T/in.$RANDOM
	shift
	mkfifo "$fifo"
	"$bin" "$@" <"$fifo" >"$T/corpus.out" 2>"$T/corpus.err" 3>&- &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
	exec 8>"$fifo"
	wait_for 10 gs_pid_runs "$BG_PID" "$(readlink -f "$bin")"
	sleep 0.5
}

# The dump of a serving corpus binary: complete, real functions, and the same
# goroutines as its own SIGQUIT dump right after (at that dump's level).
corpus_check() {
	local bin=$1 pid=$2 level
	run --separate-stderr "$GOSCOPE" stack --agentless "$pid"
	echo "$output" | head -40
	[ "$status" -eq 0 ]
	echo "$output" >"$T/ours"
	[[ "$output" == "goroutine "* ]]
	[[ "$output" != *"frames incomplete"* ]]
	[[ "$output" != *"frames unavailable: it"* ]]
	[[ "$output" == *"main.main(...)"* ]]
	all_real "$T/ours" "$bin"
	"$GOSCOPE" stack --system "$pid" >"$T/sys"
	kill -QUIT "$pid"
	wait_for 10 grep -q '^goroutine ' "$T/corpus.err"
	sleep 0.5
	# The crash dump's goroutines but the first (the one the signal ran on).
	grep -q ' fp=0x' "$T/corpus.err" && level=sys || level=ours
	awk 'BEGIN{n=0} /^goroutine [0-9]+ /{n++} n>1' "$T/corpus.err" | sed '/^r[a-z0-9]* *0x/,$d' |
		sed -E 's/^([^\t].*)\(.*\)$/\1(...)/' | awk 'BEGIN{RS=""; ORS="\n\n"} {print}' >"$T/after"
	sed -E 's/^([^\t].*)\(.*\)$/\1(...)/' "$T/$level" | awk 'BEGIN{RS=""; ORS="\n\n"} {print}' >"$T/ours.norm"
	# every goroutine block of the crash dump is in ours, byte for byte (arguments aside)
	awk 'BEGIN{RS=""} NR==FNR{have[$0]=1; next} !($0 in have){print "missing:\n" $0; bad=1}
		END{exit bad}' "$T/ours.norm" "$T/after"
}

@test "corpus: esbuild --serve (go1.16 to go1.20) and buf lsp serve (go1.27), stripped" {
	require_corpus buf-1.75.0/buf esbuild-0.8.57/esbuild esbuild-0.15.18/esbuild || return 1
	local v bin checked=0
	printf 'x\n' >"$T/e.js"
	for v in 0.8.57 0.13.15 0.15.18 0.19.12; do
		bin=$CORPUS/esbuild-$v/esbuild
		require_file "$bin" || return 1
		corpus_serve "$bin" "$T/e.js" --outdir="$T/o.$v" --serve=127.0.0.1:0
		run --separate-stderr "$GOSCOPE" stack --agentless "$BG_PID"
		if [ "$status" -ne 0 ]; then
			# a release whose runtime layout goscope does not have: one line, no guess
			echo "esbuild $v: $stderr"
			[ "$status" -eq 1 ]
			[ -z "$output" ]
			[[ "$stderr" == "Error: stack: PID $BG_PID: no runtime layout for go1."* ]]
			[ "$(wc -l <<<"$stderr")" -eq 1 ]
		else
			corpus_check "$bin" "$BG_PID"
			checked=$((checked + 1))
		fi
		exec 8>&-
	done
	[ "$checked" -ge 1 ]
	corpus_serve "$CORPUS/buf-1.75.0/buf" lsp serve
	corpus_check "$CORPUS/buf-1.75.0/buf" "$BG_PID"
	exec 8>&-
}

@test "churn: 10,000 goroutines a second, dumped 100 times: no crash, no garbage frame" {
	local bin i rc changed=0 running=0
	start_sd churn
	bin=$(readlink -f "$FIXTURES/$SD")
	for i in $(seq 100); do
		rc=0
		"$GOSCOPE" stack --agentless "$SD_PID" >"$T/d.$i" 2>"$T/e.$i" || rc=$?
		if [ "$rc" -ne 0 ]; then
			cat "$T/e.$i"
			return 1
		fi
	done
	cat "$T"/d.* >"$T/all"
	# every goroutine has its header, then frames or the reason there are none
	! grep -q 'frames incomplete' "$T/all"
	! grep -q 'stack is larger' "$T/all"
	grep -q 'main.churnLeaf(...)' "$T/all"
	# nothing but the format: headers, frames, file lines, notes, creators, blanks
	! grep -vE '^(goroutine [0-9]+ \[[^]]+\]:|[^[:space:]].*\(\.\.\.\)|	.*:[0-9]+( \+0x[0-9a-f]+)?|	frames unavailable: .*|created by .*|)$' "$T/all"
	all_real "$T/all" "$bin"
	changed=$(grep -c 'frames unavailable: it' "$T/all" || true)
	running=$(grep -c 'frames unavailable: running on thread' "$T/all" || true)
	echo "changed while read: $changed, running: $running"
	# it really churned meanwhile (the count comes once a second, and 100
	# dumps can take less)
	wait_for 5 churned_past 1000
	grep -E '^churned [0-9]+' "$SD_LOG" | tail -1
}

# churned_past N: the fixture says it has ended more than N goroutines.
churned_past() {
	local n
	n=$(grep -E '^churned [0-9]+' "$SD_LOG" | tail -1 | cut -d' ' -f2)
	[ -n "$n" ] && [ "$n" -gt "$1" ]
}

@test "--freeze: the target's output is unchanged, it runs on after goscope is SIGKILLed mid-read" {
	local i gs st
	require_fixture "$SD" || return 1
	# 20,000 parked goroutines: a frozen read long enough to be killed in
	start_fixture "$SD" count 100000000 20000
	local pid=$BG_PID log
	log=$(ls -t "$T"/stackdemo.*.log | head -1)
	wait_for 20 grep -q '^100$' "$log"
	"$GOSCOPE" stack --freeze "$pid" >"$T/frozen" 2>"$T/frozen.err"
	cat "$T/frozen.err"
	grep -qE "^goscope: PID $pid was stopped for [0-9.]+ ms \([0-9]+ threads\)$" "$T/frozen.err"
	# the spinning goroutines have frames now (a large dump: grep, not bash patterns)
	grep -A1 -F '[running]:' "$T/frozen" | grep -qx 'main.spin(...)'
	! grep -q 'frames unavailable' "$T/frozen"
	# SIGKILL goscope while it holds the threads (its tracer pid is on the
	# target): the kernel lets them go. A run that ends before it is caught
	# tracing is tried again.
	local kills=0 tries=0
	while [ $kills -lt 3 ] && [ $tries -lt 20 ]; do
		tries=$((tries + 1))
		"$GOSCOPE" stack --freeze "$pid" >/dev/null 2>"$T/kill.err" &
		gs=$!
		while kill -0 "$gs" 2>/dev/null &&
			[ "$(awk '/^TracerPid:/{print $2}' "/proc/$pid/status")" = 0 ]; do
			:
		done
		if [ "$(awk '/^TracerPid:/{print $2}' "/proc/$pid/status")" = "$gs" ]; then
			kill -9 "$gs"
			kills=$((kills + 1))
		fi
		wait "$gs" 2>/dev/null || true
		# no tracer left, not stopped, and it goes on printing
		wait_for 5 sh -c "awk '/^TracerPid:/{exit \$2 != 0}' /proc/$pid/status"
		st=$(awk '/^State:/{print $2}' "/proc/$pid/status")
		[ "$st" != t ] && [ "$st" != T ]
	done
	echo "killed while tracing: $kills of $tries"
	[ $kills -eq 3 ]
	local before
	before=$(wc -l <"$log")
	wait_for 10 sh -c "[ \$(wc -l <'$log') -gt $((before + 100)) ]"
	# its output, every complete line of it, is exactly 0, 1, 2, ...
	kill -TERM "$pid"
	wait_for 10 exited "$pid"
	local k
	k=$(wc -l <"$log")
	[ "$k" -gt $((before + 100)) ]
	[ "$(seq 0 $((k - 1)) | md5sum)" = "$(head -n "$k" "$log" | md5sum)" ]
}

@test "bad input: not Go, gone, exiting mid-read, not allowed: one line, exit 1, no partial dump" {
	# not a Go program
	sleep 30 &
	local sl=$!
	BG_PIDS+=("$sl")
	run --separate-stderr "$GOSCOPE" stack --agentless "$sl"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == "Error: stack: PID $sl: not a Go program"* ]]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	# no such process
	run --separate-stderr "$GOSCOPE" stack --agentless 999999999
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	# exiting while it is read: a whole dump or an error, never part of one
	local tries=0 errors=0 rc
	require_fixture "$SD" || return 1
	while [ $tries -lt 12 ] && [ $errors -lt 2 ]; do
		start_fixture "$SD" many 100000
		local p=$BG_PID log
		log=$(ls -t "$T"/stackdemo.*.log | head -1)
		wait_for 30 grep -q '^READY' "$log"
		rc=0
		"$GOSCOPE" stack --agentless "$p" >"$T/out" 2>"$T/err" &
		local gs=$!
		sleep "0.$((tries % 4))$((RANDOM % 10))"
		kill -9 "$p"
		wait "$gs" || rc=$?
		if [ "$rc" -eq 0 ]; then
			[ "$(grep -c '^goroutine ' "$T/out")" -eq 100001 ]
		else
			cat "$T/err"
			[ "$rc" -eq 1 ]
			[ ! -s "$T/out" ]
			[ "$(wc -l <"$T/err")" -eq 1 ]
			grep -qE "^Error: stack: PID $p: (the process exited \(no dump\)|no such process)$" "$T/err"
			errors=$((errors + 1))
		fi
		tries=$((tries + 1))
	done
	[ $errors -ge 1 ]
}

@test "bad input: a process goscope may not trace" {
	require_root
	require_cmd setpriv
	start_sd many 10
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$GOSCOPE" stack --agentless "$SD_PID"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[[ "$stderr" == "Error: stack: PID $SD_PID: not allowed to read it"* ]]
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$GOSCOPE" stack --freeze "$SD_PID"
	[ "$status" -eq 1 ]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[[ "$stderr" == "Error: stack: PID $SD_PID: not allowed"* ]]
	# still running, untraced
	[ "$(awk '/^TracerPid:/{print $2}' "/proc/$SD_PID/status")" = 0 ]
}

@test "usage: options and targets" {
	run --separate-stderr "$GOSCOPE" stack --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--agentless"*"--system"*"--summary"*"--freeze"* ]]
	run --separate-stderr "$GOSCOPE" stack --agentless 127.0.0.1:1
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" stack --agent --freeze 1
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" stack --agentless abc
	[ "$status" -eq 2 ]
	# gops' words and exit codes for what gops also refuses
	run --separate-stderr "$GOSCOPE" stack
	[ "$status" -eq 1 ]
	[ "$stderr" = "Error: missing PID or address" ]
	run --separate-stderr "$GOSCOPE" stack 1 2
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" stack --frob 1
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" stack abc
	[ "$status" -eq 1 ]
	# a HOST:PORT with nobody listening: the agent path's error
	run --separate-stderr "$GOSCOPE" stack 127.0.0.1:1
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"connection refused"* ]]
}
