#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The gops agent commands against live agentdemo processes (goscope's Go
# agent, wire-compatible with gops'): every command and its reply, as the
# same user, as another user (root running goscope), inside a new mount+PID
# namespace and a new network namespace; agent discovery and its refusals
# (stale, garbage and symlinked port files, a hostile GOPS_CONFIG_DIR);
# timeouts; `version`'s choice between the agent and the binary; the list's
# '*' and --check-agents.

load helpers

bats_require_minimum_version 1.5.0

AGENT_USER=gsagent

setup() {
	require_goscope
	require_fixture agentdemo hello GOVERSION
	GOVER=$(cat "$FIXTURES/GOVERSION")
	DEMO=$(readlink -f "$FIXTURES/agentdemo")
	HELLO=$(readlink -f "$FIXTURES/hello")
	T=$BATS_TEST_TMPDIR
	# goscope's own (the caller's) gops config dir: empty unless a test fills it.
	export GOPS_CONFIG_DIR=$T/cfg
	mkdir -p "$GOPS_CONFIG_DIR"
	# Temporary profile and trace files land here, and go with the test.
	export TMPDIR=$T
	OTHER_HOME=
}

teardown() {
	stop_fixtures
	if [ -n "$OTHER_HOME" ]; then
		rm -rf "$OTHER_HOME"
	fi
}

# start_demo LOG CMD...: run CMD, which ends up running agentdemo (possibly
# as a child), in the background; wait for its "ready PORT". Sets BG_PID (the
# launcher) and DEMO_PORT.
start_demo() {
	local log=$1
	shift
	"$@" </dev/null >"$log" 2>&1 3>&- &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
	if ! wait_for 15 grep -q '^ready ' "$log"; then
		echo "agentdemo did not start; its output:" >&2
		cat "$log" >&2
		return 1
	fi
	DEMO_PORT=$(sed -n 's/^ready //p' "$log")
}

# A demo as ourselves, its port file in our config dir. Sets DEMO_PID.
start_same_user() {
	start_demo "$T/demo.log" env GOPS_CONFIG_DIR="$GOPS_CONFIG_DIR" "$DEMO" "$@"
	DEMO_PID=$BG_PID
	[ -s "$GOPS_CONFIG_DIR/$DEMO_PID" ]
}

ensure_user() {
	require_root || return 1
	require_cmd setpriv || return 1
	id -u "$AGENT_USER" >/dev/null 2>&1 ||
		useradd --system --no-create-home --shell /usr/sbin/nologin "$AGENT_USER"
}

# A demo as $AGENT_USER with only HOME in its environment: its port file is
# in its own HOME, which goscope (root, empty config dir) must find itself.
start_other_user() {
	ensure_user || return 1
	OTHER_HOME=$(mktemp -d /tmp/gs-agent-home.XXXXXX)
	chown "$AGENT_USER:" "$OTHER_HOME"
	start_demo "$T/demo.log" setpriv --reuid="$AGENT_USER" --regid="$AGENT_USER" \
		--clear-groups env -i HOME="$OTHER_HOME" "$DEMO" "$@"
	DEMO_PID=$BG_PID
	[ "$(stat -c %U "/proc/$DEMO_PID")" = "$AGENT_USER" ]
}

# child_runs PARENT PROGRAM: PARENT's first child runs PROGRAM; sets CHILD.
child_runs() {
	local c
	c=$(awk '{print $1}' "/proc/$1/task/$1/children" 2>/dev/null)
	[ -n "$c" ] && gs_pid_runs "$c" "$2" && CHILD=$c
}

# start_in_ns "UNSHARE OPTIONS" [DEMO ARGS...]: a demo in new namespaces, its
# HOME on a tmpfs only its mount namespace sees. NS_LO=1 brings the new
# network namespace's loopback up, NS_ADDR=IP adds IP to it. --kill-child:
# killing unshare in teardown kills the demo. Sets DEMO_PID, NS_HOME.
start_in_ns() {
	local opts=$1
	shift
	require_root || return 1
	require_cmd unshare || return 1
	NS_HOME=$T/nshome
	mkdir -p "$NS_HOME"
	# shellcheck disable=SC2086
	start_demo "$T/demo.log" unshare $opts --fork --kill-child --mount sh -c '
		set -e
		[ -z "$2" ] || ip link set lo up
		[ -z "$3" ] || ip addr add "$3/32" dev lo
		mount -t tmpfs tmpfs "$1"
		h=$1
		shift 3
		exec env -i HOME="$h" "$@"' sh "$NS_HOME" "${NS_LO:-}" "${NS_ADDR:-}" "$DEMO" "$@"
	wait_for 10 child_runs "$BG_PID" "$DEMO"
	DEMO_PID=$CHILD
	BG_PIDS+=("$DEMO_PID")
}

# The agent's runtime.Version() must be what the program was built with.
check_agent_commands() {
	local pid=$1

	run --separate-stderr "$GOSCOPE" stack "$pid"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^goroutine\ [0-9]+\ \[ ]]
	[[ $output == *"main.churn"* ]]

	run --separate-stderr "$GOSCOPE" gc "$pid"
	[ "$status" -eq 0 ]
	[ -z "$output" ]

	run --separate-stderr "$GOSCOPE" setgc "$pid" 77
	[ "$status" -eq 0 ]
	[[ $output =~ ^New\ GC\ percent\ set\ to\ 77\.\ Previous\ value\ was\ -?[0-9]+\.$ ]]
	run --separate-stderr "$GOSCOPE" setgc "$pid" 100
	[ "$output" = "New GC percent set to 100. Previous value was 77." ]

	run --separate-stderr "$GOSCOPE" memstats "$pid"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^alloc:\  ]]
	[[ $output == *$'\nnum-gc: '* ]]

	run --separate-stderr "$GOSCOPE" agent stats "$pid"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	[[ ${lines[0]} =~ ^goroutines:\ [0-9]+$ ]]
	[[ ${lines[1]} =~ ^OS\ threads:\ [0-9]+$ ]]
	[[ ${lines[2]} =~ ^GOMAXPROCS:\ [0-9]+$ ]]
	[[ ${lines[3]} =~ ^num\ CPU:\ [0-9]+$ ]]

	run --separate-stderr "$GOSCOPE" agent version "$pid"
	[ "$status" -eq 0 ]
	[ "$output" = "$GOVER" ]

	run --separate-stderr "$GOSCOPE" pprof-heap "$pid" --no-launch -o "$T/heap.$pid" \
		--binary-output "$T/bin.$pid"
	[ "$status" -eq 0 ]
	[ "$(od -An -tx1 -N3 "$T/heap.$pid" | tr -d ' ')" = 1f8b08 ]
	cmp -s "$T/bin.$pid" "$DEMO"
}

# ---- every command, same user ----

@test "stack: every goroutine's stack, streamed" {
	start_same_user -goroutines 50
	run --separate-stderr "$GOSCOPE" stack "$DEMO_PID"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^goroutine\ [0-9]+\ \[running\]:$ ]]
	[ "$(grep -c '^goroutine ' <<<"$output")" -ge 50 ]
	[[ $output == *"main.main()"* ]]
	[ -z "$stderr" ]
}

@test "gc: runs, prints nothing, exit 0" {
	start_same_user
	run --separate-stderr "$GOSCOPE" gc "$DEMO_PID"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	# The collection happened: num-gc moved.
	local before after
	before=$("$GOSCOPE" memstats "$DEMO_PID" | sed -n 's/^num-forced-gc: //p')
	"$GOSCOPE" gc "$DEMO_PID"
	after=$("$GOSCOPE" memstats "$DEMO_PID" | sed -n 's/^num-forced-gc: //p')
	[ "$after" -gt "$before" ]
}

@test "setgc: gops' reply, the percent really changes, negatives need no --" {
	start_same_user
	run --separate-stderr "$GOSCOPE" setgc "$DEMO_PID" 50
	[ "$status" -eq 0 ]
	[ "$output" = "New GC percent set to 50. Previous value was 100." ]
	run --separate-stderr "$GOSCOPE" setgc "$DEMO_PID" -5
	[ "$output" = "New GC percent set to -5. Previous value was 50." ]
	# Go stores any negative percent as -1.
	run --separate-stderr "$GOSCOPE" setgc "$DEMO_PID" off
	[ "$output" = "New GC percent set to -1. Previous value was -1." ]
	run --separate-stderr "$GOSCOPE" setgc "$DEMO_PID" OFF
	[ "$output" = "New GC percent set to -1. Previous value was -1." ]
	run --separate-stderr "$GOSCOPE" setgc "$DEMO_PID" 1000
	[ "$output" = "New GC percent set to 1000. Previous value was -1." ]
	run --separate-stderr "$GOSCOPE" -j setgc "$DEMO_PID" 100
	[ "$status" -eq 0 ]
	[ "$(jq -r .reply <<<"$output")" = "New GC percent set to 100. Previous value was 1000." ]
	[ "$(jq -r .percent <<<"$output")" = 100 ]

	run --separate-stderr "$GOSCOPE" setgc "$DEMO_PID"
	[ "$status" -eq 1 ]
	[ "$stderr" = "Error: missing gc percentage" ]
	run --separate-stderr "$GOSCOPE" setgc "$DEMO_PID" 5x
	[ "$status" -eq 1 ]
	run --separate-stderr "$GOSCOPE" setgc "$DEMO_PID" 1 2
	[ "$status" -eq 2 ]
}

@test "memstats: gops' keys in gops' order" {
	start_same_user
	run --separate-stderr "$GOSCOPE" memstats "$DEMO_PID"
	[ "$status" -eq 0 ]
	local keys
	keys=$(cut -d: -f1 <<<"$output" | tr '\n' ' ')
	[ "$keys" = "alloc total-alloc sys lookups mallocs frees heap-alloc heap-sys heap-idle heap-in-use heap-released heap-objects stack-in-use stack-sys mspan-in-use mspan-sys mcache-in-use mcache-sys buck-hash-sys other-sys gc-sys next-gc last-gc gc-pause-total gc-pause gc-pause-end num-gc num-forced-gc gc-cpu-fraction enable-gc debug-gc " ]
	[[ ${lines[0]} =~ ^alloc:\ [0-9.]+[KMG]B\ \([0-9]+\ bytes\)$ ]]
	run --separate-stderr "$GOSCOPE" -j memstats "$DEMO_PID"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.fields."enable-gc"' <<<"$output")" = true ]
	[ "$(jq -r '.fields."num-gc" | type' <<<"$output")" = number ]
}

@test "stats (goscope agent stats): the four keys" {
	start_same_user -goroutines 20
	run --separate-stderr "$GOSCOPE" agent stats "$DEMO_PID"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	[[ ${lines[0]} =~ ^goroutines:\ ([0-9]+)$ ]]
	[ "${BASH_REMATCH[1]}" -ge 20 ]
	[[ ${lines[1]} =~ ^OS\ threads:\ [0-9]+$ ]]
	[[ ${lines[2]} =~ ^GOMAXPROCS:\ [0-9]+$ ]]
	[ "${lines[3]}" = "num CPU: $(nproc --all)" ] || [[ ${lines[3]} =~ ^num\ CPU:\ [0-9]+$ ]]
	run --separate-stderr "$GOSCOPE" -j agent stats "$DEMO_PID"
	[ "$(jq -r '.fields | keys_unsorted | join(",")' <<<"$output")" = "goroutines,OS threads,GOMAXPROCS,num CPU" ]
	[ "$(jq -r .pid <<<"$output")" = "$DEMO_PID" ]
	[ "$(jq -r .addr <<<"$output")" = "127.0.0.1:$DEMO_PORT" ]
}

@test "version: the agent's runtime.Version() is the program's; the rule for PID, file, -m" {
	start_same_user
	# One PID with a live agent, no -m: the agent answers, as `gops version PID`.
	run --separate-stderr "$GOSCOPE" version "$DEMO_PID"
	[ "$status" -eq 0 ]
	[ "$output" = "$GOVER" ]
	run --separate-stderr "$GOSCOPE" agent version "$DEMO_PID"
	[ "$output" = "$GOVER" ]
	run --separate-stderr "$GOSCOPE" version --agent "$DEMO_PID"
	[ "$output" = "$GOVER" ]
	# HOST:PORT always means the agent.
	run --separate-stderr "$GOSCOPE" version "127.0.0.1:$DEMO_PORT"
	[ "$status" -eq 0 ]
	[ "$output" = "$GOVER" ]
	run --separate-stderr "$GOSCOPE" -j version "$DEMO_PID"
	[ "$(jq -r .version <<<"$output")" = "$GOVER" ]
	[ "$(jq -r .command <<<"$output")" = version ]
	# --no-agent, -m, a file, or several arguments: the binary, as `go version`.
	run --separate-stderr "$GOSCOPE" version --no-agent "$DEMO_PID"
	[ "$status" -eq 0 ]
	[ "$output" = "$DEMO: $GOVER" ]
	run --separate-stderr "$GOSCOPE" version -m "$DEMO_PID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$DEMO: $GOVER" ]
	[[ ${lines[1]} == $'\tpath\texample.com/goscope/agentdemo' ]]
	run --separate-stderr "$GOSCOPE" version "$DEMO"
	[ "$output" = "$DEMO: $GOVER" ]
	run --separate-stderr "$GOSCOPE" version "$DEMO_PID" "$DEMO"
	[ "${lines[0]}" = "$DEMO: $GOVER" ]
	[ "${lines[1]}" = "$DEMO: $GOVER" ]
	# A PID without an agent: the binary, quietly.
	start_fixture hello sleep 30
	run --separate-stderr "$GOSCOPE" version "$BG_PID"
	[ "$status" -eq 0 ]
	[ "$output" = "$HELLO: $GOVER" ]
	[ -z "$stderr" ]
	# ... unless the agent is demanded: then gops' error.
	run --separate-stderr "$GOSCOPE" version --agent "$BG_PID"
	[ "$status" -eq 1 ]
	[[ $stderr == "Error: couldn't resolve addr or pid $BG_PID to TCPAddress: couldn't get port for PID $BG_PID: open $GOPS_CONFIG_DIR/$BG_PID: no such file or directory"* ]]
	run --separate-stderr "$GOSCOPE" version --agent -m "$BG_PID"
	[ "$status" -eq 2 ]
	# goscope's own version is still there.
	run --separate-stderr "$GOSCOPE" version
	[[ $output == "goscope "* ]]
	run --separate-stderr "$GOSCOPE" version --help
	[[ $output == *"--agent"* && $output == *"--no-agent"* ]]
}

@test "pprof-heap: gops' messages, a gzip'd profile and the binary in new 0600 files" {
	start_same_user
	run --separate-stderr "$GOSCOPE" pprof-heap "$DEMO_PID" --no-launch
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ ${lines[0]} =~ ^Profile\ dump\ saved\ to:\ ($T/heap_profile.+)$ ]]
	local prof=${BASH_REMATCH[1]}
	[[ ${lines[1]} =~ ^Binary\ file\ saved\ to:\ ($T/binary.+)$ ]]
	local bin=${BASH_REMATCH[1]}
	[ "$(stat -c %a "$prof")" = 600 ]
	[ "$(stat -c %a "$bin")" = 600 ]
	[ -s "$prof" ]
	[ "$(od -An -tx1 -N3 "$prof" | tr -d ' ')" = 1f8b08 ]
	gzip -t "$prof"
	cmp -s "$bin" "$DEMO"
	# -o FILE, and -o - for stdout (messages then go to stderr).
	run --separate-stderr "$GOSCOPE" pprof-heap "$DEMO_PID" --no-launch -o "$T/h.pb.gz" --binary-output "$T/h.bin"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Profile dump saved to: $T/h.pb.gz" ]
	[ "${lines[1]}" = "Binary file saved to: $T/h.bin" ]
	gzip -t "$T/h.pb.gz"
	"$GOSCOPE" pprof-heap "$DEMO_PID" -o - >"$T/stdout.pb.gz" 2>"$T/stderr"
	gzip -t "$T/stdout.pb.gz"
	[ ! -s "$T/stderr" ]
	run --separate-stderr "$GOSCOPE" -j pprof-heap "$DEMO_PID" -o "$T/j.pb.gz"
	[ "$status" -eq 0 ]
	[ "$(jq -r .file <<<"$output")" = "$T/j.pb.gz" ]
	[ "$(jq -r .file_bytes <<<"$output")" = "$(stat -c %s "$T/j.pb.gz")" ]
	[ "$(jq -r .binary_bytes <<<"$output")" = "$(stat -c %s "$DEMO")" ]
}

@test "pprof-cpu: 30 s profile (run once), gzip magic, the binary fetched" {
	start_same_user
	local t0=$SECONDS
	run --separate-stderr "$GOSCOPE" pprof-cpu "$DEMO_PID" --no-launch -o "$T/cpu.pb.gz" --binary-output "$T/cpu.bin"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Profiling CPU now, will take 30 secs..." ]
	[ "${lines[1]}" = "Profile dump saved to: $T/cpu.pb.gz" ]
	[ "${lines[2]}" = "Binary file saved to: $T/cpu.bin" ]
	[ $((SECONDS - t0)) -ge 29 ]
	[ -s "$T/cpu.pb.gz" ]
	[ "$(od -An -tx1 -N3 "$T/cpu.pb.gz" | tr -d ' ')" = 1f8b08 ]
	gzip -t "$T/cpu.pb.gz"
	[ "$(stat -c %a "$T/cpu.pb.gz")" = 600 ]
	cmp -s "$T/cpu.bin" "$DEMO"
}

@test "trace: 5 s, gops' messages, a non-empty 0600 file" {
	start_same_user
	local t0=$SECONDS
	run --separate-stderr "$GOSCOPE" trace "$DEMO_PID" --no-launch
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Tracing now, will take 5 secs..." ]
	[[ ${lines[1]} =~ ^Trace\ dump\ saved\ to:\ ($T/trace.+)$ ]]
	local f=${BASH_REMATCH[1]}
	[ "${#lines[@]}" -eq 2 ]
	[ $((SECONDS - t0)) -ge 4 ]
	[ -s "$f" ]
	[ "$(stat -c %a "$f")" = 600 ]
	# runtime/trace data starts with its header, "go 1.19 trace"
	[ "$(head -c 3 "$f")" = "go " ]
}

@test "trace, pprof: --seconds is refused with the reason; --help says so" {
	run --separate-stderr "$GOSCOPE" pprof-cpu 1 --seconds 5
	[ "$status" -eq 2 ]
	[[ $stderr == *"a CPU profile always takes 30 s, a trace 5 s"* ]]
	run --separate-stderr "$GOSCOPE" trace 1 --seconds=5
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" pprof-cpu --help
	[ "$status" -eq 0 ]
	[[ $output == *"--seconds N"*"always takes 30 s"* ]]
	run --separate-stderr "$GOSCOPE" trace --help
	[[ $output == *"always takes 5 s"* ]]
	[[ $output == *"--no-launch"* ]]
}

@test "pprof, trace: 'go tool' is launched when go is on PATH, and not with --no-launch" {
	start_same_user
	# A stand-in 'go' that records its arguments.
	mkdir -p "$T/bin"
	printf '#!/bin/sh\necho "$@" >"%s/go.args"\n' "$T" >"$T/bin/go"
	chmod +x "$T/bin/go"
	PATH=$T/bin:$PATH run --separate-stderr "$GOSCOPE" pprof-heap "$DEMO_PID"
	[ "$status" -eq 0 ]
	read -r tool sub bin prof <"$T/go.args"
	[ "$tool $sub" = "tool pprof" ]
	[[ $bin == $T/binary* && $prof == $T/heap_profile* ]]
	# Temporary files are gone after the tool ran, as with gops.
	[ ! -e "$bin" ] && [ ! -e "$prof" ]
	rm -f "$T/go.args"
	PATH=$T/bin:$PATH run --separate-stderr "$GOSCOPE" pprof-heap "$DEMO_PID" --no-launch
	[ ! -e "$T/go.args" ]
}

@test "JSON: agent stack as one document, streamed; stack parsed into goroutines" {
	start_same_user
	run --separate-stderr "$GOSCOPE" -j agent stack "$DEMO_PID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .command <<<"$output")" = stack ]
	[[ $(jq -r .reply <<<"$output") == goroutine\ * ]]
	run --separate-stderr "$GOSCOPE" -p agent stack "$DEMO_PID"
	[ "$status" -eq 0 ]
	jq -e .reply <<<"$output" >/dev/null
	# goscope's own stack command: the agent's dump as goroutines
	run --separate-stderr "$GOSCOPE" -j stack "$DEMO_PID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .source <<<"$output")" = agent ]
	jq -e '.goroutines | length > 0' <<<"$output" >/dev/null
	run --separate-stderr "$GOSCOPE" agent stack "$DEMO_PID" --agentless
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" -j gc "$DEMO_PID"
	[ "$(jq -r .reply <<<"$output")" = ok ]
	run --separate-stderr "$GOSCOPE" -j stack 999999999
	[ "$status" -eq 1 ]
	[[ $(jq -r .error <<<"$output") == "couldn't resolve addr or pid 999999999"* ]]
}

# ---- another user; other namespaces ----

@test "another user's agent: root finds its port file in the process's own HOME" {
	start_other_user
	# Not in root's config dir, as gops would look: found anyway.
	[ ! -e "$GOPS_CONFIG_DIR/$DEMO_PID" ]
	[ -s "$OTHER_HOME/.config/gops/$DEMO_PID" ]
	check_agent_commands "$DEMO_PID"
	run --separate-stderr "$GOSCOPE" -v agent version "$DEMO_PID"
	[[ $stderr == *"port file /proc/$DEMO_PID/root$OTHER_HOME/.config/gops/$DEMO_PID"* ]]
	run --separate-stderr "$GOSCOPE" trace "$DEMO_PID" --no-launch -o "$T/other.trace"
	[ "$status" -eq 0 ]
	[ -s "$T/other.trace" ]
	run --separate-stderr "$GOSCOPE"
	[[ $(grep -E "^$DEMO_PID " <<<"$output") =~ agentdemo\ *\*\  ]]
}

@test "another user's agent: a port file turned into a symlink is refused" {
	start_other_user
	local f=$OTHER_HOME/.config/gops/$DEMO_PID
	printf '%s' "$DEMO_PORT" >"$T/elsewhere"
	chmod 644 "$T/elsewhere"
	rm -f "$f"
	ln -s "$T/elsewhere" "$f"
	run --separate-stderr "$GOSCOPE" stack "$DEMO_PID" --agent
	[ "$status" -eq 1 ]
	[[ $stderr == *"port file /proc/$DEMO_PID/root$f is unusable: it is a symbolic link"* ]]
	run --separate-stderr "$GOSCOPE"
	[[ $(grep -E "^$DEMO_PID " <<<"$output") =~ agentdemo\ +go ]]
}

@test "mount+PID namespace: the port file named by the in-namespace PID, on a private tmpfs" {
	start_in_ns "--pid"
	grep -qE "^NSpid:[[:space:]]+$DEMO_PID[[:space:]]+1$" "/proc/$DEMO_PID/status"
	# The agent wrote .../gops/1 on a tmpfs we cannot see from here.
	[ ! -e "$NS_HOME/.config/gops/1" ]
	[ -e "/proc/$DEMO_PID/root$NS_HOME/.config/gops/1" ]
	check_agent_commands "$DEMO_PID"
	run --separate-stderr "$GOSCOPE" trace "$DEMO_PID" --no-launch -o "$T/ns.trace"
	[ "$status" -eq 0 ]
	[ -s "$T/ns.trace" ]
	run --separate-stderr "$GOSCOPE" -j process "$DEMO_PID"
	[ "$(jq -r .agent.state <<<"$output")" = live ]
	[ "$(jq -r .agent.view <<<"$output")" = target ]
	[ "$(jq -r .agent.port_file <<<"$output")" = "/proc/$DEMO_PID/root$NS_HOME/.config/gops/1" ]
}

@test "network namespace: goscope dials the agent's 127.0.0.1 from inside it" {
	require_cmd ip
	NS_LO=1 start_in_ns "--pid --net"
	# Our own loopback has no such listener.
	run --separate-stderr "$GOSCOPE" agent version "127.0.0.1:$DEMO_PORT"
	[ "$status" -eq 1 ]
	check_agent_commands "$DEMO_PID"
	run --separate-stderr "$GOSCOPE" process "$DEMO_PID"
	[[ $output == *$'\nagent:\t127.0.0.1:'"$DEMO_PORT (in the process's network namespace)"* ]]
	[[ $output == *$'local/remote:\t127.0.0.1:'"$DEMO_PORT <-> 0.0.0.0:0 (LISTEN)"* ]]
}

# ---- discovery: refusals ----

@test "stale port file: the PID is dead" {
	"$HELLO" exit 0 </dev/null >/dev/null 2>&1 3>&- &
	local dead=$!
	wait "$dead" || true
	printf 36473 >"$GOPS_CONFIG_DIR/$dead"
	run --separate-stderr "$GOSCOPE" stack "$dead"
	[ "$status" -eq 1 ]
	[ "$stderr" = "Error: couldn't resolve addr or pid $dead to TCPAddress: couldn't get port for PID $dead: port file $GOPS_CONFIG_DIR/$dead is stale: process $dead is not running" ]
}

@test "stale port file: the PID was reused by another process" {
	# A Go process that is no agent, with a port file an earlier process left.
	start_fixture hello sleep 30
	printf 36473 >"$GOPS_CONFIG_DIR/$BG_PID"
	touch -d '1 hour ago' "$GOPS_CONFIG_DIR/$BG_PID"
	run --separate-stderr "$GOSCOPE" gc "$BG_PID"
	[ "$status" -eq 1 ]
	[[ $stderr == *"port file $GOPS_CONFIG_DIR/$BG_PID is stale: process $BG_PID does not listen on port 36473"* ]]
	run --separate-stderr "$GOSCOPE"
	[[ $(grep -E "^$BG_PID " <<<"$output") =~ hello\ +go ]]
	run --separate-stderr "$GOSCOPE" -j
	[ "$(jq ".processes[] | select(.pid == $BG_PID) | .agent" <<<"$output")" = false ]
}

@test "stale port file, judged by age where the sockets cannot be read (non-root caller)" {
	ensure_user
	start_fixture hello sleep 30
	local ucfg
	ucfg=$(mktemp -d /tmp/gs-agent-cfg.XXXXXX)
	OTHER_HOME=$ucfg
	chown "$AGENT_USER:" "$ucfg"
	printf 1 >"$ucfg/$BG_PID"
	chown "$AGENT_USER:" "$ucfg/$BG_PID"
	touch -d '1 hour ago' "$ucfg/$BG_PID"
	run --separate-stderr setpriv --reuid="$AGENT_USER" --regid="$AGENT_USER" --clear-groups \
		env -i GOPS_CONFIG_DIR="$ucfg" "$GOSCOPE" stack "$BG_PID" --agent
	[ "$status" -eq 1 ]
	[[ $stderr == *"is stale: written "*", before process $BG_PID started ("*"): the PID was reused"* ]]
	# A fresh file cannot be judged: it is dialled, as by gops, and refused.
	touch "$ucfg/$BG_PID"
	run --separate-stderr setpriv --reuid="$AGENT_USER" --regid="$AGENT_USER" --clear-groups \
		env -i GOPS_CONFIG_DIR="$ucfg" "$GOSCOPE" stack "$BG_PID" --agent
	[ "$status" -eq 1 ]
	[ "$stderr" = "Error: couldn't get port by PID: dial tcp 127.0.0.1:1: connect: connection refused" ]
}

@test "garbage port file: refused, its content never shown" {
	start_fixture hello sleep 30
	printf 'root:$6$secret' >"$GOPS_CONFIG_DIR/$BG_PID"
	run --separate-stderr "$GOSCOPE" memstats "$BG_PID" --agent
	[ "$status" -eq 1 ]
	[[ $stderr == *"port file $GOPS_CONFIG_DIR/$BG_PID is unusable: garbage: not a port number"* ]]
	[[ $stderr != *secret* ]]
	# Without --agent, memstats reads the process instead; still nothing of the file shown.
	run --separate-stderr "$GOSCOPE" memstats "$BG_PID"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "alloc: "* ]]
	[[ "$output$stderr" != *secret* ]]
}

@test "symlinked port file in the caller's dir: never followed" {
	start_same_user
	mv "$GOPS_CONFIG_DIR/$DEMO_PID" "$T/real"
	ln -s "$T/real" "$GOPS_CONFIG_DIR/$DEMO_PID"
	run --separate-stderr "$GOSCOPE" stack "$DEMO_PID" --agent
	[ "$status" -eq 1 ]
	[[ $stderr == *"is unusable: it is a symbolic link (never followed)"* ]]
}

@test "a symlink in the target's root does not lead out of it" {
	require_root
	require_cmd unshare ldd
	# A minimal root: agentdemo and its libraries.
	local R=$T/root lib
	mkdir -p "$R/bin" "$R/tmp" "$R$T/decoy"
	cp "$DEMO" "$R/bin/agentdemo"
	for lib in $(ldd "$DEMO" | grep -oE '/[^ ]+'); do
		mkdir -p "$R$(dirname "$lib")"
		cp "$lib" "$R$lib"
	done
	# Its config dir is a symlink to an absolute path: inside its root that is
	# $R$T/decoy, where it writes; followed from outside, it would be $T/decoy.
	ln -s "$T/decoy" "$R/cfg"
	mkdir -p "$T/decoy"
	printf 1 >"$T/decoy/1"
	start_demo "$T/demo.log" env -i GOPS_CONFIG_DIR=/cfg \
		unshare --pid --fork --kill-child --mount --root="$R" /bin/agentdemo
	wait_for 10 child_runs "$BG_PID" "$R/bin/agentdemo"
	DEMO_PID=$CHILD
	BG_PIDS+=("$DEMO_PID")
	[ -s "$R$T/decoy/1" ]
	run --separate-stderr "$GOSCOPE" -v agent version "$DEMO_PID"
	[ "$status" -eq 0 ]
	[ "$output" = "$GOVER" ]
	[[ $stderr == *"port file /proc/$DEMO_PID/root/cfg/1, 127.0.0.1:$DEMO_PORT"* ]]
	# Its port file replaced by a symlink that points out of its root.
	rm "$R$T/decoy/1"
	ln -s "$T/decoy/1" "$R$T/decoy/1"
	run --separate-stderr "$GOSCOPE" agent version "$DEMO_PID"
	[ "$status" -eq 1 ]
	[[ $stderr == *"is unusable: it is a symbolic link"* ]]
}

@test "GOPS_CONFIG_DIR=/etc in the target's environment: a root-owned file there is not its port file" {
	ensure_user
	require_cmd unshare
	# The target's own /etc (a tmpfs in its mount namespace) holds a root-owned
	# file named by its PID; the target itself runs as $AGENT_USER.
	unshare --mount --fork --kill-child sh -c '
		mount -t tmpfs tmpfs /etc
		printf "root:x:0:0:secret" >/etc/$$
		exec env -i GOPS_CONFIG_DIR=/etc setpriv --reuid="$1" --regid="$1" --clear-groups "$2" sleep 60' \
		sh "$(id -u "$AGENT_USER")" "$HELLO" </dev/null >/dev/null 2>&1 3>&- &
	BG_PIDS+=("$!")
	wait_for 10 child_runs "$!" "$HELLO"
	local pid=$CHILD
	BG_PIDS+=("$pid")
	[ -e "/proc/$pid/root/etc/$pid" ]
	run --separate-stderr "$GOSCOPE" stack "$pid" --agent
	[ "$status" -eq 1 ]
	[[ $stderr == *"port file /proc/$pid/root/etc/$pid is unusable: owned by uid 0, not by the process's user"* ]]
	[[ $stderr != *secret* ]]
	run --separate-stderr "$GOSCOPE"
	[[ $(grep -E "^$pid " <<<"$output") =~ hello\ +go ]]
}

# ---- errors and timeouts ----

@test "errors: gops' words, exit 1" {
	run --separate-stderr "$GOSCOPE" stack 999999999
	[ "$status" -eq 1 ]
	[ "$stderr" = "Error: couldn't resolve addr or pid 999999999 to TCPAddress: couldn't get port for PID 999999999: open $GOPS_CONFIG_DIR/999999999: no such file or directory" ]
	run --separate-stderr "$GOSCOPE" stack abc
	[ "$status" -eq 1 ]
	[ "$stderr" = "Error: couldn't resolve addr or pid abc to TCPAddress: couldn't parse PID: strconv.Atoi: parsing \"abc\": invalid syntax" ]
	run --separate-stderr "$GOSCOPE" memstats
	[ "$status" -eq 1 ]
	[ "$stderr" = "Error: missing PID or address" ]
	# Nothing listens on port 1.
	run --separate-stderr "$GOSCOPE" stack 127.0.0.1:1
	[ "$status" -eq 1 ]
	[ "$stderr" = "Error: couldn't get port by PID: dial tcp 127.0.0.1:1: connect: connection refused" ]
	run --separate-stderr "$GOSCOPE" stack 1:2:3
	[ "$status" -eq 1 ]
	[[ $stderr == "Error: couldn't resolve addr or pid 1:2:3 to TCPAddress: couldn't parse dst address"* ]]
	run --separate-stderr "$GOSCOPE" stack 1 --frob
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" stack 1 2
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" agent frob 1
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" agent --help
	[ "$status" -eq 0 ]
	[[ $output == *stats* ]]
	# what an error message quotes passes the terminal filter
	run --separate-stderr "$GOSCOPE" stack $'a\x1b]0;x\x07\xc2\x9b'
	[ "$status" -eq 1 ]
	[[ $stderr == *'parsing "a?]0;x??": invalid syntax' ]]
	[[ $stderr != *$'\x1b'* && $stderr != *$'\x07'* && $stderr != *$'\xc2\x9b'* ]]
}

@test "timeouts: a wedged agent gives a clear error within the limit" {
	require_cmd python3
	# A fake agent that accepts and never answers.
	python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
' >"$T/silent.port" 2>/dev/null </dev/null 3>&- &
	BG_PIDS+=("$!")
	wait_for 10 test -s "$T/silent.port"
	local port t0
	port=$(cat "$T/silent.port")
	t0=$(date +%s%N)
	run --separate-stderr "$GOSCOPE" stack "127.0.0.1:$port" --timeout 1s
	[ "$status" -eq 1 ]
	[ "$stderr" = "Error: agent at 127.0.0.1:$port sent nothing for 1s" ]
	[ $((($(date +%s%N) - t0) / 1000000)) -lt 3000 ]
	# A Go duration, or a number of seconds (a fraction too); 1.5x is neither.
	t0=$(date +%s%N)
	run --separate-stderr "$GOSCOPE" stack "127.0.0.1:$port" --timeout 0.5
	[ "$status" -eq 1 ]
	[ "$stderr" = "Error: agent at 127.0.0.1:$port sent nothing for 500ms" ]
	[ $((($(date +%s%N) - t0) / 1000000)) -lt 2500 ]
	run --separate-stderr "$GOSCOPE" stack "127.0.0.1:$port" --timeout 1.5x
	[ "$status" -eq 2 ]
	[[ "$stderr" == *'unknown unit "x"'* ]]
	run --separate-stderr "$GOSCOPE" stack "127.0.0.1:$port" --timeout -1
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" stack "127.0.0.1:$port" --timeout 0s
	[ "$status" -eq 2 ]
	# A stopped agentdemo: connects (the kernel accepts), never answers.
	start_same_user
	kill -STOP "$DEMO_PID"
	t0=$(date +%s%N)
	run --separate-stderr "$GOSCOPE" memstats "$DEMO_PID" --timeout=500ms --agent
	[ "$status" -eq 1 ]
	[[ $stderr == *"sent nothing for 500ms"* ]]
	[ $((($(date +%s%N) - t0) / 1000000)) -lt 3000 ]
	# Without --agent: the agent's silence is said, and the process itself answers.
	run --separate-stderr "$GOSCOPE" memstats "$DEMO_PID" --timeout=500ms
	kill -CONT "$DEMO_PID"
	[ "$status" -eq 0 ]
	[[ $stderr == *"did not answer"*"sent nothing for 500ms"*"reading the process instead"* ]]
	[[ ${lines[0]} == "alloc: "* ]]
	[[ $output == *$'\nnum-gc: '* ]]
}

# A fake agent's per-connection script that sends one byte a second until
# the client leaves (issue 16 item 6): never silent long enough for an idle
# limit. setgc's ten argument bytes are read first, so that only a close
# ends it.
DRIP='
import select
try:
    while True:
        c.sendall(b"x")
        r, _, _ = select.select([c], [], [], 1)
        if r and not c.recv(64):
            break
except OSError:
    pass'

# elapsed_ms T0: milliseconds since T0 (date +%s%N)
elapsed_ms() {
	echo $((($(date +%s%N) - $1) / 1000000))
}

@test "an agent that drips a byte a second: each command ends by its deadline, default or --timeout" {
	start_fake_agent "$DRIP"
	local a="127.0.0.1:$FAKE_PORT" t0 ms
	# the small replies' own deadlines: memstats 5 s, version and stats 3 s
	t0=$(date +%s%N)
	run --separate-stderr timeout 30 "$GOSCOPE" memstats "$a"
	ms=$(elapsed_ms "$t0")
	echo "memstats: $status after $ms ms: $stderr"
	[ "$status" -eq 1 ]
	[[ $stderr == "Error: agent at $a did not finish its reply within 5s ("*" bytes so far)" ]]
	[ "$ms" -ge 4900 ] && [ "$ms" -lt 9000 ]
	local cmd
	for cmd in version "agent stats"; do
		t0=$(date +%s%N)
		# shellcheck disable=SC2086
		run --separate-stderr timeout 30 "$GOSCOPE" $cmd "$a"
		ms=$(elapsed_ms "$t0")
		echo "$cmd: $status after $ms ms: $stderr"
		[ "$status" -eq 1 ]
		[[ $stderr == "Error: agent at $a did not finish its reply within 3s ("* ]]
		[ "$ms" -ge 2900 ] && [ "$ms" -lt 7000 ]
	done
	# --timeout sets it for every command, the long ones included
	local files
	for cmd in stack gc setgc pprof-heap trace pprof-cpu; do
		files=()
		case $cmd in
		setgc) files=(50) ;;
		pprof-* | trace) files=(--no-launch -o "$T/out.$cmd") ;;
		esac
		t0=$(date +%s%N)
		run --separate-stderr timeout 30 "$GOSCOPE" "$cmd" "$a" "${files[@]}" --timeout 1500ms
		ms=$(elapsed_ms "$t0")
		echo "$cmd: $status after $ms ms: $stderr"
		[ "$status" -eq 1 ]
		[[ $stderr == *"agent at $a did not finish its reply within 1.5s ("* ]]
		[ "$ms" -lt 12000 ]
		# a partial file is never left behind
		[ ! -e "$T/out.$cmd" ]
	done
	# JSON: a streamed stack (agent stack) ends with the error, still one valid document
	run --separate-stderr timeout 30 "$GOSCOPE" -j agent stack "$a" --timeout 1500ms
	[ "$status" -eq 1 ]
	jq -e '(.reply | test("^x+$")) and (.error | contains("within 1.5s"))' <<<"$output"
	# stack --json parses the dump, so holds it whole: the error alone
	run --separate-stderr timeout 30 "$GOSCOPE" -j stack "$a" --timeout 1500ms
	echo "stack --json: $status $output"
	[ "$status" -eq 1 ]
	jq -e '.reply == null and (.error | contains("within 1.5s"))' <<<"$output"
}

# start_fake_target SCRIPT: a Go process (hello) holding a fake agent's
# listening socket, with a port file naming it: to goscope, a Go program
# whose agent runs SCRIPT for each connection (`c` the socket, its command
# byte read and logged, in hex, to $T/cmds). Sets TARGET (the Go process)
# and FAKE_PORT.
start_fake_target() {
	require_cmd python3 || return 1
	python3 -c '
import select, socket, subprocess, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
p = subprocess.Popen([sys.argv[1], "sleep", "120"], pass_fds=[s.fileno()],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
print(s.getsockname()[1], p.pid, flush=True)
while True:
    c, _ = s.accept()
    cmd = c.recv(1)
    with open(sys.argv[3], "a") as log:
        log.write(cmd.hex() + "\n")
    try:
        exec(sys.argv[2])
    except OSError:
        pass
    c.close()
' "$HELLO" "$1" "$T/cmds" >"$T/target.out" 2>"$T/target.err" </dev/null 3>&- &
	BG_PIDS+=("$!")
	wait_for 10 test -s "$T/target.out"
	read -r FAKE_PORT TARGET <"$T/target.out"
	BG_PIDS+=("$TARGET")
	wait_for 10 gs_pid_runs "$TARGET" "$HELLO"
	printf '%s' "$FAKE_PORT" >"$GOPS_CONFIG_DIR/$TARGET"
}

@test "stats and version PID: an agent that drips gives way to the agentless answer, with a note" {
	start_fake_target "$DRIP"
	local t0 ms
	# the list takes it for a live agent: it holds the port its file names
	run --separate-stderr "$GOSCOPE" list
	[[ $(grep -E "^$TARGET " <<<"$output") =~ hello\ *\*\  ]]
	t0=$(date +%s%N)
	run --separate-stderr timeout 30 "$GOSCOPE" stats "$TARGET"
	ms=$(elapsed_ms "$t0")
	echo "stats: $status after $ms ms; stderr: $stderr"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	[[ ${lines[0]} =~ ^goroutines:\ [0-9]+$ ]]
	[[ ${lines[2]} =~ ^GOMAXPROCS:\ [0-9]+$ ]]
	[[ $stderr == "goscope: PID $TARGET: the agent did not answer (agent at 127.0.0.1:$FAKE_PORT did not finish its reply within 3s ("*" bytes so far)); reading memory instead" ]]
	[ "$ms" -lt 10000 ]
	# --timeout shortens the wait; JSON says where the values came from and why
	t0=$(date +%s%N)
	run --separate-stderr timeout 30 "$GOSCOPE" -j stats --timeout 1s "$TARGET"
	ms=$(elapsed_ms "$t0")
	[ "$status" -eq 0 ]
	[ "$ms" -lt 6000 ]
	jq -e '.source == "agentless" and (.agent_error | contains("within 1s")) and .values.gomaxprocs.value > 0' <<<"$output"
	# --agent insists: the deadline is an error then
	run --separate-stderr timeout 30 "$GOSCOPE" stats --agent --timeout 1s "$TARGET"
	[ "$status" -eq 1 ]
	[[ $stderr == *"did not finish its reply within 1s"* ]]
	run --separate-stderr "$GOSCOPE" stats --timeout 0s "$TARGET"
	[ "$status" -eq 2 ]
	# version PID: the binary's version, after a warning naming the deadline
	t0=$(date +%s%N)
	run --separate-stderr timeout 30 "$GOSCOPE" version "$TARGET"
	ms=$(elapsed_ms "$t0")
	echo "version: $status after $ms ms; $output; $stderr"
	[ "$status" -eq 0 ]
	[ "$output" = "$HELLO: $GOVER" ]
	[[ $stderr == "goscope: the agent of PID $TARGET did not answer (agent at 127.0.0.1:$FAKE_PORT did not finish its reply within 3s ("*"); reading the binary instead" ]]
	[ "$ms" -lt 10000 ]
}

@test "memstats, stack, pprof-cpu PID: an agent that drips gives way to the agentless answer at its deadline" {
	start_fake_target "$DRIP"
	local t0 ms note="did not answer (agent at 127.0.0.1:$FAKE_PORT did not finish its reply within"
	# memstats' own deadline, 5 s: the bytes that came are held, never shown
	t0=$(date +%s%N)
	run --separate-stderr timeout 30 "$GOSCOPE" memstats "$TARGET"
	ms=$(elapsed_ms "$t0")
	echo "memstats: $status after $ms ms; stderr: $stderr"
	[ "$status" -eq 0 ]
	# the x the agent sent first would lead the output
	[[ ${lines[0]} == "alloc: "* ]]
	[[ $stderr == "goscope: the agent of PID $TARGET $note 5s ("*"); reading the process instead" ]]
	[ "$ms" -ge 4900 ] && [ "$ms" -lt 12000 ]
	# stack: 60 s by default, --timeout sets it; the goroutines of the process itself
	t0=$(date +%s%N)
	run --separate-stderr timeout 30 "$GOSCOPE" stack "$TARGET" --timeout 1500ms
	ms=$(elapsed_ms "$t0")
	echo "stack: $status after $ms ms; stderr: $stderr"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "goroutine 1 [sleep]:" ]]
	[[ $output == *"fixtures/hello/main.go"* ]]
	[[ $stderr == *"the agent of PID $TARGET $note 1.5s ("*"); reading the process instead"* ]]
	[ "$ms" -lt 10000 ]
	run --separate-stderr timeout 30 "$GOSCOPE" -j stack "$TARGET" --timeout 1500ms
	[ "$status" -eq 0 ]
	jq -e '.goroutines | length > 0' <<<"$output"
	# --agent insists: the deadline is the error
	run --separate-stderr timeout 30 "$GOSCOPE" stack --agent "$TARGET" --timeout 1500ms
	[ "$status" -eq 1 ]
	[[ $stderr == *"did not finish its reply within 1.5s"* ]]
	# pprof-cpu: the agent's partial profile removed, then sampled from outside (Ctrl-C ends it)
	"$GOSCOPE" -j pprof-cpu "$TARGET" --timeout 1500ms -o "$T/cpu.pb.gz" >"$T/cpu.json" 2>"$T/cpu.err" 3>&- &
	local gpid=$!
	BG_PIDS+=("$gpid")
	wait_for 20 grep -q "profiling PID $TARGET (agentless)" "$T/cpu.err" || { cat "$T/cpu.err"; false; }
	sleep 1
	kill -INT "$gpid"
	wait "$gpid"
	cat "$T/cpu.err"
	grep -q "the agent of PID $TARGET $note 1.5s (" "$T/cpu.err"
	jq -e --arg f "$T/cpu.pb.gz" '.agentless == true and .pid != null and .file == $f' "$T/cpu.json"
	[ "$(head -c 2 "$T/cpu.pb.gz" | od -An -tx1 | tr -d ' ')" = 1f8b ]
}

# An agent that sends forever (issue 16 item 7).
ENDLESS='
chunk = b"\x1f\x8b\x08" + b"z" * (1 << 20)
try:
    while True:
        c.sendall(chunk)
except OSError:
    pass'

@test "a trace or profile that never ends is capped (--max-size, default 256M); the file is removed" {
	start_fake_agent "$ENDLESS"
	local a="127.0.0.1:$FAKE_PORT" cmd
	for cmd in trace pprof-heap pprof-cpu; do
		run --separate-stderr timeout 60 "$GOSCOPE" "$cmd" "$a" --no-launch -o "$T/out" --max-size 8M
		echo "$cmd: $status: $stderr"
		[ "$status" -eq 1 ]
		[[ $stderr == *"Error: agent at $a sent a "*" larger than 8MiB (--max-size): stopped; partial file $T/out removed" ]]
		[ ! -e "$T/out" ]
	done
	# an existing file of ours named by -o is removed too: it held part of a reply
	echo old >"$T/mine"
	run --separate-stderr timeout 60 "$GOSCOPE" trace "$a" --no-launch -o "$T/mine" --max-size 1M
	[ "$status" -eq 1 ]
	[ ! -e "$T/mine" ]
	# the default cap, into a temporary file in TMPDIR: nothing is left there
	run --separate-stderr /usr/bin/time -f '%M' -o "$T/rss" timeout 120 "$GOSCOPE" trace "$a" --no-launch
	echo "$stderr"
	[ "$status" -eq 1 ]
	[[ $stderr == *"sent a trace larger than 256MiB (--max-size): stopped; partial file $T/trace"*" removed"* ]]
	[ -z "$(find "$T" -maxdepth 1 -name 'trace*')" ]
	echo "peak RSS $(tail -n 1 "$T/rss") KiB"
	[ "$(tail -n 1 "$T/rss")" -lt 100000 ]
	# to stdout the cap holds too: exactly the cap is written, then the error
	run --separate-stderr sh -c '"$1" pprof-heap "$2" -o - --max-size 3M | wc -c' sh "$GOSCOPE" "$a"
	[ "$output" -eq $((3 << 20)) ]
	# a small reply (memstats, gc, setgc, stats) is no dump: 4 MiB at most, text or JSON
	for cmd in memstats gc "agent stats"; do
		# shellcheck disable=SC2086
		run --separate-stderr sh -c '"$1" $2 "$3" | wc -c' sh "$GOSCOPE" "$cmd" "$a"
		echo "$cmd: $output $stderr"
		[ "$output" -le $((4 << 20)) ]
		[[ $stderr == "Error: agent at $a sent more than 4194304 bytes" ]]
	done
	run --separate-stderr "$GOSCOPE" -j memstats "$a"
	[ "$status" -eq 1 ]
	jq -e '.error == "agent reply longer than 4194303 bytes"' <<<"$output"
	# bad sizes are usage errors; trace has no binary, so no --max-binary
	run --separate-stderr "$GOSCOPE" trace "$a" --max-size 0
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" trace "$a" --max-size 1.5M
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" trace "$a" --max-binary 1M
	[ "$status" -eq 2 ]
}

@test "pprof: the binary is copied from /proc/PID/exe, never asked of the agent; HOST:PORT gets none" {
	# a profile of a few bytes, and for a binary dump (0x09) a 2 GiB stream
	start_fake_target '
if cmd == b"\x09":
    try:
        while True:
            c.sendall(b"\x7fELF" + b"\0" * (1 << 20))
    except OSError:
        pass
else:
    c.sendall(b"\x1f\x8b\x08fake-profile")'
	run --separate-stderr timeout 60 "$GOSCOPE" pprof-heap "$TARGET" --no-launch -o "$T/heap" \
		--binary-output "$T/bin"
	echo "$output; $stderr"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/heap")" = $'\x1f\x8b\x08fake-profile' ]
	cmp "$T/bin" "$HELLO"
	[ "$(stat -c %a "$T/bin")" = 600 ]
	[ "$(sort -u "$T/cmds")" = 05 ]
	# JSON names both files
	run --separate-stderr timeout 60 "$GOSCOPE" -j pprof-heap "$TARGET" -o "$T/heap2"
	jq -e --argjson size "$(stat -c %s "$HELLO")" '.binary_bytes == $size and .file_bytes == 15' <<<"$output"
	rm -f "$(jq -r .binary <<<"$output")"
	# --max-binary: a larger binary is not copied, nothing is written; the profile stays
	run --separate-stderr timeout 60 "$GOSCOPE" pprof-heap "$TARGET" --no-launch -o "$T/heap3" \
		--binary-output "$T/bin3" --max-binary 1M
	[ "$status" -eq 1 ]
	[[ $stderr == "Error: the binary of PID $TARGET is $(stat -c %s "$HELLO") bytes, larger than 1MiB (--max-binary): not copied" ]]
	[ ! -e "$T/bin3" ]
	[ -s "$T/heap3" ]
	[ "$(sort -u "$T/cmds")" = 05 ]
	# HOST:PORT names no process: no binary, said on stderr; --binary-output is refused
	run --separate-stderr timeout 60 "$GOSCOPE" -j pprof-heap "127.0.0.1:$FAKE_PORT" -o "$T/heap4"
	[ "$status" -eq 0 ]
	jq -e '.binary == null and .file_bytes == 15' <<<"$output"
	[[ $stderr == *"127.0.0.1:$FAKE_PORT names no process: no binary copied"* ]]
	run --separate-stderr "$GOSCOPE" pprof-heap "127.0.0.1:$FAKE_PORT" --binary-output "$T/bin5"
	[ "$status" -eq 2 ]
	[ ! -e "$T/bin5" ]
	[ "$(sort -u "$T/cmds")" = 05 ]
	# gops would have asked the agent for it: 2 GiB; the byte is never sent
	! grep -q '^09$' "$T/cmds"
}

# ---- the list ----

@test "list: '*' for live agents only; --check-agents keeps it for agents that accept" {
	require_cmd ip
	start_same_user
	local live=$DEMO_PID
	# An agent in another network namespace listening on 10.9.9.9 only: its
	# port file is its own, but 127.0.0.1:PORT (gops' dial) is refused.
	NS_LO=1 NS_ADDR=10.9.9.9 start_in_ns "--pid --net" -addr 10.9.9.9:0
	local unreachable=$DEMO_PID
	start_fixture hello sleep 30
	local stale=$BG_PID
	printf 36473 >"$GOPS_CONFIG_DIR/$stale"

	run --separate-stderr "$GOSCOPE"
	[ "$status" -eq 0 ]
	[[ $(grep -E "^$live " <<<"$output") =~ agentdemo\ *\*\  ]]
	[[ $(grep -E "^$unreachable " <<<"$output") =~ agentdemo\ *\*\  ]]
	[[ $(grep -E "^$stale " <<<"$output") =~ hello\ +go ]]

	local t0=$SECONDS
	run --separate-stderr "$GOSCOPE" --check-agents
	[ "$status" -eq 0 ]
	[ $((SECONDS - t0)) -le 5 ]
	[[ $(grep -E "^$live " <<<"$output") =~ agentdemo\ *\*\  ]]
	[[ $(grep -E "^$unreachable " <<<"$output") =~ agentdemo\ +go ]]
	[[ $(grep -E "^$stale " <<<"$output") =~ hello\ +go ]]
	run --separate-stderr "$GOSCOPE" list --check-agents
	[[ $(grep -E "^$unreachable " <<<"$output") =~ agentdemo\ +go ]]
	run --separate-stderr "$GOSCOPE" -j --check-agents
	[ "$(jq ".processes[] | select(.pid == $live) | .agent" <<<"$output")" = true ]
	[ "$(jq ".processes[] | select(.pid == $unreachable) | .agent" <<<"$output")" = false ]
	run --separate-stderr "$GOSCOPE" --check-agents tree
	[ "$status" -eq 2 ]
}

# ---- streaming ----

# start_fake_agent SCRIPT: a Python fake agent on 127.0.0.1; for each
# connection it reads the command byte and runs SCRIPT with `c` the socket.
# Sets FAKE_PORT.
start_fake_agent() {
	require_cmd python3 || return 1
	rm -f "$T/fake.port"	# a second fake agent in one test: never read the first's port
	python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    c.recv(1)
    exec(sys.argv[1])
    c.close()
' "$1" >"$T/fake.port" 2>"$T/fake.err" </dev/null 3>&- &
	BG_PIDS+=("$!")
	wait_for 10 test -s "$T/fake.port"
	FAKE_PORT=$(cat "$T/fake.port")
}

@test "a 200 MB stack dump is streamed: goscope's memory stays flat (text and JSON)" {
	require_cmd python3
	start_fake_agent '
chunk = (b"goroutine 1 [running]:\nmain.main()\n\t/src/main.go:1 +0x1\n\n" * 20000)[:1 << 20]
for i in range(200):
    c.sendall(chunk)'
	local rss
	run --separate-stderr /usr/bin/time -f '%M' -o "$T/rss" sh -c '"$1" stack "127.0.0.1:$2" | wc -c' sh "$GOSCOPE" "$FAKE_PORT"
	[ "$status" -eq 0 ]
	[ "$output" -eq $((200 << 20)) ]
	rss=$(tail -n 1 "$T/rss")
	echo "peak RSS ${rss} KiB"
	[ "$rss" -lt 100000 ]
	run --separate-stderr /usr/bin/time -f '%M' -o "$T/rss" sh -c '"$1" -j agent stack "127.0.0.1:$2" | wc -c' sh "$GOSCOPE" "$FAKE_PORT"
	[ "$status" -eq 0 ]
	[ "$output" -gt $((200 << 20)) ]
	rss=$(tail -n 1 "$T/rss")
	[ "$rss" -lt 100000 ]
}

@test "JSON: a streamed reply stays valid UTF-8 across chunk boundaries" {
	start_fake_agent '
c.sendall(b"caf\xc3"); time.sleep(0.2)
c.sendall(b"\xa9 \xff \xe2\x82"); time.sleep(0.2)
c.sendall(b"\xac \xed\xa0\x80 \"q\" \\ tab\t ctl\x01 end\n\xc3")'
	run --separate-stderr "$GOSCOPE" -j agent stack "127.0.0.1:$FAKE_PORT"
	[ "$status" -eq 0 ]
	[ "$(jq .reply <<<"$output")" = '"café ? € ??? \"q\" \\ tab\t ctl\u0001 end\n?"' ]
	[ "$(jq -r .pid <<<"$output")" = null ]
}

@test "JSON: a streamed reply is escaped byte for byte as a reply built whole" {
	# every C0 control, DEL, quote, backslash, slash, C1, valid and broken UTF-8
	start_fake_agent '
c.sendall(bytes(range(0, 32)) + b"\x7f \" \\ / \xc2\x85 caf\xc3\xa9 \xff \xe2\x82 end")'
	run --separate-stderr "$GOSCOPE" -j agent stack "127.0.0.1:$FAKE_PORT"
	[ "$status" -eq 0 ]
	printf '%s' "$output" >"$T/streamed.json"
	run --separate-stderr "$GOSCOPE" -j memstats "127.0.0.1:$FAKE_PORT"
	[ "$status" -eq 0 ]
	printf '%s' "$output" >"$T/whole.json"
	python3 - "$T/streamed.json" "$T/whole.json" <<'PY'
import json, sys
def raw_reply(path):
    t = open(path, 'rb').read()
    i = t.index(b'"reply":') + len(b'"reply":')
    assert t[i:i + 1] == b'"'
    j = i + 1
    while t[j:j + 1] != b'"':
        j += 2 if t[j:j + 1] == b'\\' else 1
    json.loads(t)  # valid JSON, both
    return t[i:j + 1]
a, b = raw_reply(sys.argv[1]), raw_reply(sys.argv[2])
assert a == b, (a, b)
assert json.loads(a).endswith(' caf\u00e9 ? ?? end'), json.loads(a)
PY
}

@test "a reply shown on a terminal cannot drive it; piped, it is byte for byte" {
	require_cmd script || return 1
	# clear screen, OSC 52 (clipboard), CR overwrite, a UTF-8 CSI; then text that stays
	start_fake_agent '
c.sendall(b"goroutine 1 \x1b[2J[running]:\n\x1b]52;c;cm0gLXJm\x07main\rX \xc2\x9b31m \xc2\xb5s \xe2\x82\xac\n")'
	# on a pseudo-terminal (script's): controls become '?'
	run script -qec "\"$GOSCOPE\" stack 127.0.0.1:$FAKE_PORT >\"$T/tty.out\"; \"$GOSCOPE\" stack 127.0.0.1:$FAKE_PORT" /dev/null
	echo "$output" | od -c | head -20
	[ "$status" -eq 0 ]
	[[ "$output" == *$'goroutine 1 ?[2J[running]:'* ]]
	[[ "$output" == *'?]52;c;cm0gLXJm?main?X ?31m µs €'* ]]
	[[ "$output" != *$'\x1b'* ]]
	[[ "$output" != *$'\xc2\x9b'* ]]
	# the first run's stdout was a file: every byte as the agent sent it
	printf 'goroutine 1 \x1b[2J[running]:\n\x1b]52;c;cm0gLXJm\x07main\rX \xc2\x9b31m \xc2\xb5s \xe2\x82\xac\n' >"$T/want"
	cmp "$T/tty.out" "$T/want"
	# a small reply shown whole (memstats) goes the same way (a version is
	# checked before it is shown: see the next test)
	start_fake_agent 'c.sendall(b"alloc: 1\x1b]0;pwned\x07\n")'
	run script -qec "\"$GOSCOPE\" memstats 127.0.0.1:$FAKE_PORT" /dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *'alloc: 1?]0;pwned?'* ]]
	[[ "$output" != *$'\x1b'* ]]
}

@test "version asked of an agent: a Go version is printed, anything else (a forged line) is an error" {
	# a PID whose port file names the fake agent: the fake agent itself
	start_fake_agent 'c.sendall(b"go1.21.5\nError: something forged\n")'
	local pid=${BG_PIDS[-1]}
	printf '%s' "$FAKE_PORT" >"$GOPS_CONFIG_DIR/$pid"
	local a
	for a in "version 127.0.0.1:$FAKE_PORT" "version --agent $pid" "version $pid" \
		"agent version 127.0.0.1:$FAKE_PORT"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$GOSCOPE" $a
		[ "$status" -eq 1 ] || { echo "$a: $status"; return 1; }
		[ -z "$output" ]
		[[ $stderr == "Error: agent at 127.0.0.1:$FAKE_PORT sent a version reply that is not a Go version: \"go1.21.5?Error: something forged\""* ]]
		[[ $stderr != *$'\n'"Error: something forged"* ]]
		# for a PID, the way to its binary's version
		[[ $a != *" $pid" || $stderr == *"(--no-agent reads the binary)" ]]
	done
	run --separate-stderr "$GOSCOPE" -j version "127.0.0.1:$FAKE_PORT"
	[ "$status" -eq 1 ]
	jq -e '.error | startswith("agent at ")' <<<"$output"
	# an escape sequence, on a terminal too: nothing of it is shown
	start_fake_agent 'c.sendall(b"go1.19\x1b]0;pwned\x07\n")'
	run script -qec "\"$GOSCOPE\" version 127.0.0.1:$FAKE_PORT" /dev/null
	[[ "$output" == *'not a Go version: "go1.19?]0;pwned?"'* ]]
	[[ "$output" != *$'\x1b'* && "$output" != *$'\x07'* ]]
	# Go's own forms are taken, as sent
	local v
	for v in "go1.21.5 X:loopvar" "go1.9beta2" "go1.27-devel_0123456789 Tue Oct 3 12:00:00 2023 +0000" \
		"devel +abc123def0 Mon Jan 2 15:04:05 2006 -0700"; do
		start_fake_agent "c.sendall(b'$v\\n')"
		run --separate-stderr "$GOSCOPE" version "127.0.0.1:$FAKE_PORT"
		[ "$status" -eq 0 ] || { echo "$v: $stderr"; return 1; }
		[ "$output" = "$v" ]
	done
}

# An agent whose port file is where nobody looks (its own ConfigDir): as gops
# sees it, there is no agent; goscope finds its one loopback listener.
start_custom_dir() {
	mkdir -p "$T/custom"
	start_demo "$T/demo.log" env -u GOPS_CONFIG_DIR "$DEMO" -configdir "$T/custom" "$@"
	DEMO_PID=$BG_PID
	[ -s "$T/custom/$DEMO_PID" ]
	[ ! -e "$GOPS_CONFIG_DIR/$DEMO_PID" ]
	[ ! -e "$HOME/.config/gops/$DEMO_PID" ]
}

@test "an agent that left no port file where anyone looks is found by its loopback listener" {
	start_custom_dir
	run --separate-stderr "$GOSCOPE" list
	[ "$status" -eq 0 ]
	[[ $(grep -E "^$DEMO_PID " <<<"$output") =~ agentdemo\*\  ]]
	run --separate-stderr "$GOSCOPE" stack "$DEMO_PID"
	[ "$status" -eq 0 ]
	[[ "$output" == "goroutine "* ]]
	run --separate-stderr "$GOSCOPE" --json process "$DEMO_PID"
	[ "$status" -eq 0 ]
	jq -e --argjson port "$DEMO_PORT" \
		'.agent.state == "live" and .agent.view == "socket" and .agent.port == $port and .agent.port_file == ""' <<<"$output"
	run --separate-stderr "$GOSCOPE" process "$DEMO_PID"
	[[ "$output" == *$'\nagent:\t127.0.0.1:'"$DEMO_PORT (no port file: its only loopback listener, and it links an agent)"* ]]
	run --separate-stderr "$GOSCOPE" --check-agents
	[[ $(grep -E "^$DEMO_PID " <<<"$output") =~ agentdemo\*\  ]]
}

@test "no guess among several loopback listeners, nor for a program that links no agent" {
	start_custom_dir -listeners 1
	run --separate-stderr "$GOSCOPE" list
	[[ $(grep -E "^$DEMO_PID " <<<"$output") =~ agentdemo\ +go ]]
	run --separate-stderr "$GOSCOPE" stack "$DEMO_PID" --agent
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"it links a gops agent and listens on 2 loopback TCP ports: no port file says which is the agent's"* ]]
	# a Go server built by others, with no agent in it, on one loopback port
	require_corpus esbuild-0.19.12/esbuild || return 1
	mkdir -p "$T/www"
	echo 'console.log(1)' >"$T/www/entry.js"
	mkfifo "$T/es.stdin"
	"$CORPUS/esbuild-0.19.12/esbuild" "$T/www/entry.js" --bundle --outdir="$T/www/out" \
		--serve=127.0.0.1:0 <"$T/es.stdin" >"$T/es.out" 2>&1 3>&- &
	local es=$!
	BG_PIDS+=("$es")
	exec 8>"$T/es.stdin"
	wait_for 10 grep -q 'http://127.0.0.1:' "$T/es.out"
	run --separate-stderr "$GOSCOPE" list
	[[ $(grep -E "^$es " <<<"$output") =~ esbuild\ +go ]]
	run --separate-stderr "$GOSCOPE" stack "$es" --agent
	[ "$status" -eq 1 ]
	[[ "$stderr" != *"links a gops agent"* ]]
	exec 8>&-
}
