#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Every CLI command under valgrind's memcheck: no errors, no definite leaks,
# and the exit status the command owes. Uses the plain build (the sanitizer
# build cannot run under valgrind). valgrind.supp holds the only
# suppressions: libbpf's bpf(2) arguments, which valgrind misreads.
# The plain build whichever pass runs it, so only the first pass does.
# bats file_tags=first-pass

load helpers

PLAIN=$GS_ROOT/build/goscope
SUPP=$GS_ROOT/tests/e2e/valgrind.supp

# memcheck ARGS...: run goscope under memcheck; sets status and output.
memcheck() {
	run valgrind --quiet --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite --show-leak-kinds=definite \
		--suppressions="$SUPP" --track-fds=no "$PLAIN" "$@"
	echo "goscope $*: status $status"
	echo "$output"
	[ "$status" -ne 99 ]
	[[ "$output" != *"definitely lost"* ]]
	[[ "$output" != *"Invalid read"* ]]
	[[ "$output" != *"Invalid write"* ]]
	[[ "$output" != *"uninitialised"* ]]
	[[ "$output" != *"unaddressable"* ]]
}

# memcheck_ok ARGS...: the same, and the command must succeed.
memcheck_ok() {
	memcheck "$@" || return 1
	[ "$status" -eq 0 ]
}

setup() {
	require_cmd valgrind
	require_file "$PLAIN"
	require_fixture hello hello.nobuildinfo hello.pie agentdemo
	T=$BATS_TEST_TMPDIR
	# Our own gops config dir (the agent's port file lands here) and the
	# directory profiles and traces are written to.
	export GOPS_CONFIG_DIR=$T/cfg TMPDIR=$T
	mkdir -p "$GOPS_CONFIG_DIR"
	start_fixture hello sleep 120
	HELLO_PID=$BG_PID
	start_fixture hello.pie sleep 120
}

@test "memcheck: list, tree (text and JSON)" {
	memcheck_ok
	memcheck_ok --json
	memcheck_ok tree
	memcheck_ok --json tree
}

@test "memcheck: version -m on files and a pid, and errors" {
	memcheck_ok version -m "$FIXTURES/hello" "$FIXTURES/hello.nobuildinfo" "$FIXTURES/hello.pie"
	memcheck_ok --json version -m "$FIXTURES/hello" "$BG_PID"
	memcheck version "$FIXTURES/cbin"
	[ "$status" -eq 1 ]
	memcheck nosuchcommand
	[ "$status" -eq 2 ]
}

@test "memcheck: process, stats, and every agent command against a live agent" {
	local demo
	start_fixture agentdemo
	demo=$BG_PID
	wait_for 15 test -s "$GOPS_CONFIG_DIR/$demo"
	memcheck_ok process "$demo"
	memcheck_ok --json process "$HELLO_PID"
	memcheck_ok stats "$demo"		# through the agent
	memcheck_ok --json stats "$HELLO_PID"	# agentless: DWARF, process_vm_readv
	memcheck_ok stack "$demo"
	memcheck_ok gc "$demo"
	memcheck_ok setgc "$demo" 50
	memcheck_ok memstats "$demo"
	memcheck_ok --json memstats "$demo"
	memcheck_ok agent stats "$demo"
	memcheck_ok --json agent version "$demo"
	memcheck_ok version "$demo"
	memcheck_ok trace "$demo" --no-launch
	[[ "$output" == *"Trace dump saved to: $T/"* ]]
	memcheck_ok pprof-heap "$demo" --no-launch
	[[ "$output" == *"Profile dump saved to: $T/"* ]]
	memcheck_ok pprof-cpu "$demo" --no-launch
	[[ "$output" == *"Binary file saved to: $T/"* ]]
	# and the ways they fail: no agent, a bad argument, nothing listening
	memcheck_ok stack "$HELLO_PID"	# no agent: read from memory
	memcheck stack --agent "$HELLO_PID"
	[ "$status" -eq 1 ]
	memcheck setgc "$demo" lots
	[ "$status" -eq 1 ]	# as gops exits
	memcheck setgc "$demo" 1 2
	[ "$status" -eq 2 ]
	memcheck memstats 127.0.0.1:1
	[ "$status" -eq 1 ]
}

@test "memcheck: audit of processes and trees, every format" {
	memcheck_ok audit
	memcheck_ok --json audit --path "$FIXTURES"
	memcheck_ok audit --format csv --path "$FIXTURES"
	memcheck_ok audit --format prom --path "$FIXTURES"
	memcheck audit --min-go go1.99 --path "$FIXTURES/hello"
	[ "$status" -eq 4 ]
	memcheck audit --format nonsense
	[ "$status" -eq 2 ]
}

scraped_has() {
	curl -sf --max-time 30 "$1" | grep -q "$2"
}

@test "memcheck: BPF commands: selftest, watch, probe, exporter" {
	require_root || return 1
	memcheck_ok selftest
	memcheck_ok watch --duration 2
	memcheck_ok --json watch --duration 2
	memcheck_ok probe -d 3 -i 1 "$HELLO_PID"
	memcheck_ok --json probe -d 3 -i 1 "$HELLO_PID"
	memcheck probe -d 1 999999999
	[ "$status" -ne 0 ]

	# The exporter until SIGTERM, scraped meanwhile.
	local err=$T/exporter.err url pid rc=0
	valgrind --quiet --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite --show-leak-kinds=definite \
		--suppressions="$SUPP" --track-fds=no "$PLAIN" exporter --listen 127.0.0.1:0 \
		</dev/null >"$T/exporter.out" 2>"$err" 3>&- &
	pid=$!
	BG_PIDS+=("$pid")
	wait_for 60 grep -q 'serving http' "$err" || { cat "$err"; return 1; }
	url=$(sed -n 's/.*serving \(http:[^ ]*\).*/\1/p' "$err")
	# Binaries are parsed by the exporter's worker; under memcheck the first
	# snapshot may come before all of them are done.
	wait_for 60 scraped_has "$url" "^goscope_go_process_info{pid=\"$HELLO_PID\""
	curl -s --max-time 30 -o /dev/null -w '%{http_code}' "${url%/metrics}/nosuch" | grep -qx 404
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	cat "$err"
	[ "$rc" -eq 0 ]
	grep -q 'SIGTERM, stopping' "$err"
	! grep -qE 'definitely lost|Invalid (read|write)|uninitialised|unaddressable' "$err"
}

@test "memcheck: the agentless CPU profile (pprof-cpu), one process and --all, and its refusals" {
	require_root || return 1
	require_fixture cpuburn/cpuburn-1.19.plain cbin
	# Set-up under memcheck takes seconds of CPU (symbols, SP table): a long burn.
	start_fixture cpuburn/cpuburn-1.19.plain -mode ratio -d 3600s
	memcheck_ok pprof-cpu "$BG_PID" -d 2s -o "$T/v.pb.gz" --no-launch
	[[ $output == *"Profile dump saved to: $T/v.pb.gz"* ]]
	memcheck_ok --json pprof-cpu --all -d 2s -o "$T/vall"
	start_fixture cbin sleep 60
	memcheck pprof-cpu "$BG_PID" -d 1s -o "$T/c.pb.gz"
	[ "$status" -eq 1 ]
}
