#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# goscope process PID [PERIOD] and goscope PID [PERIOD]: gops' lines checked
# against /proc for a live fixture, the period form, one local/remote line
# per socket (TCP over IPv4 and IPv6, UDP, unix), the Go facts, JSON, and
# bad arguments.

load helpers

bats_require_minimum_version 1.5.0

setup() {
	require_goscope
	require_fixture hello GOVERSION
	GOVER=$(cat "$FIXTURES/GOVERSION")
	HELLO=$(readlink -f "$FIXTURES/hello")
	export GOPS_CONFIG_DIR=$BATS_TEST_TMPDIR/gops
	mkdir -p "$GOPS_CONFIG_DIR"
}

# field LABEL: the value after "LABEL:<tab>" in $output.
field() {
	sed -n "s/^$1:\t//p" <<<"$output"
}

# stat_field N PID: field N of /proc/PID/stat, counted after the comm.
stat_field() {
	sed 's/.*) //' "/proc/$2/stat" | cut -d' ' -f$(($1 - 2))
}

@test "process: gops' lines, checked against /proc" {
	start_fixture hello sleep 60
	run --separate-stderr "$GOSCOPE" process "$BG_PID"
	[ "$status" -eq 0 ]
	# gops' labels, in gops' order, a tab after each.
	local labels
	labels=$(cut -f1 <<<"$output" | grep -v '^go \|^agent:' | uniq | tr '\n' '|')
	[ "$labels" = "parent PID:|threads:|memory usage:|cpu usage:|username:|cmd+args:|elapsed time:|" ]
	[ "$(field 'parent PID')" = "$(stat_field 4 "$BG_PID")" ]
	[ "$(field threads)" = "$(stat_field 20 "$BG_PID")" ]
	[[ $(field 'memory usage') =~ ^[0-9]+\.[0-9]{3}%$ ]]
	[[ $(field 'cpu usage') =~ ^[0-9]+\.[0-9]{3}%$ ]]
	[ "$(field username)" = "$(id -un)" ]
	[ "$(field 'cmd+args')" = "$HELLO sleep 60" ]
	[[ $(field 'elapsed time') =~ ^00:0[0-9]$ ]]
	# memory usage = 100 * RSS / MemTotal
	local rss total want
	rss=$(($(stat_field 24 "$BG_PID") * $(getconf PAGESIZE)))
	total=$(($(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo) * 1024))
	want=$(awk -v r="$rss" -v t="$total" 'BEGIN { printf "%.3f%%", 100 * r / t }')
	[ "$(field 'memory usage')" = "$want" ]
	# No sockets: no local/remote lines. The Go facts follow gops' lines.
	! grep -q '^local/remote:' <<<"$output"
	[ "$(field 'go version')" = "$GOVER" ]
	[ "$(field 'go path')" = example.com/goscope/hello ]
	[ "$(field 'go module')" = "example.com/goscope/hello (devel)" ]
	[[ $(field 'go build') == *"GOOS=linux"* ]]
	! grep -q '^agent:' <<<"$output"
	[ -z "$stderr" ]
}

@test "process: 'goscope PID' is 'goscope process PID'" {
	start_fixture hello sleep 60
	run --separate-stderr "$GOSCOPE" "$BG_PID"
	[ "$status" -eq 0 ]
	local short=$output
	run --separate-stderr "$GOSCOPE" process "$BG_PID"
	[ "$(cut -f1 <<<"$short")" = "$(cut -f1 <<<"$output")" ]
	[ "$(grep -v '^cpu usage\|^elapsed' <<<"$short")" = "$(grep -v '^cpu usage\|^elapsed' <<<"$output")" ]
}

@test "process: the period form measures CPU over the period" {
	start_fixture hello sleep 60
	local t0=$SECONDS
	run --separate-stderr "$GOSCOPE" process "$BG_PID" 500ms
	[ "$status" -eq 0 ]
	[[ $(field 'cpu usage (500ms)') =~ ^[0-9]+\.[0-9]{3}%$ ]]
	# gops' place for it: right after cpu usage.
	[ "$(grep -A1 '^cpu usage:' <<<"$output" | tail -n 1 | cut -f1)" = "cpu usage (500ms):" ]
	# A bare number is seconds, printed as Go prints durations.
	run --separate-stderr "$GOSCOPE" "$BG_PID" 1
	[ "$status" -eq 0 ]
	[ -n "$(field 'cpu usage (1s)')" ]
	[ $((SECONDS - t0)) -ge 1 ]
}

@test "process: a busy process's CPU over a period" {
	require_cmd python3
	python3 -c 'while True: pass' </dev/null >/dev/null 2>&1 3>&- &
	BG_PIDS+=("$!")
	local pid=$!
	sleep 0.2
	run --separate-stderr "$GOSCOPE" process "$pid" 1s
	[ "$status" -eq 0 ]
	local pct
	pct=$(field 'cpu usage (1s)' | tr -d %)
	# One busy thread: about 100%, less on a loaded machine.
	awk -v p="$pct" 'BEGIN { exit !(p > 10 && p < 150) }'
	# Not Go: no Go lines.
	! grep -q '^go ' <<<"$output"
}

@test "process: one local/remote line per socket, TCP v4 and v6, UDP, unix" {
	require_cmd python3
	local sock=$BATS_TEST_TMPDIR/s.sock
	python3 -c '
import os, socket, sys, time
t4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM); t4.bind(("127.0.0.1", 0)); t4.listen(4)
t6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM); t6.bind(("::1", 0)); t6.listen(4)
u4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u4.bind(("127.0.0.1", 0))
ux = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); ux.bind(sys.argv[1]); ux.listen(1)
cl = socket.create_connection(("127.0.0.1", t4.getsockname()[1]))
sv, _ = t4.accept()
print(t4.getsockname()[1], t6.getsockname()[1], u4.getsockname()[1], cl.getsockname()[1], flush=True)
time.sleep(60)
' "$sock" >"$BATS_TEST_TMPDIR/ports" 2>&1 </dev/null 3>&- &
	BG_PIDS+=("$!")
	local pid=$!
	wait_for 10 test -s "$BATS_TEST_TMPDIR/ports"
	local p4 p6 pu pc
	read -r p4 p6 pu pc <"$BATS_TEST_TMPDIR/ports"
	run --separate-stderr "$GOSCOPE" process "$pid"
	[ "$status" -eq 0 ]
	local tcp4 socks
	# gops' order: tcp4 (in the kernel's table order), then tcp6, udp4, unix.
	tcp4=$(printf '%s\n' \
		"local/remote:	127.0.0.1:$p4 <-> 0.0.0.0:0 (LISTEN)" \
		"local/remote:	127.0.0.1:$pc <-> 127.0.0.1:$p4 (ESTABLISHED)" \
		"local/remote:	127.0.0.1:$p4 <-> 127.0.0.1:$pc (ESTABLISHED)" | sort)
	socks=$(grep '^local/remote:' <<<"$output")
	[ "$(wc -l <<<"$socks")" -eq 6 ]
	[ "$(head -n 3 <<<"$socks" | sort)" = "$tcp4" ]
	[ "$(sed -n 4p <<<"$socks")" = "local/remote:	::1:$p6 <-> :::0 (LISTEN)" ]
	[ "$(sed -n 5p <<<"$socks")" = "local/remote:	127.0.0.1:$pu <-> 0.0.0.0:0 (NONE)" ]
	[ "$(sed -n 6p <<<"$socks")" = "local/remote:	$sock:0 <-> :0 (NONE)" ]

	run --separate-stderr "$GOSCOPE" -j process "$pid"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.sockets | length' <<<"$output")" = 6 ]
	[ "$(jq -r ".sockets[] | select(.family == \"tcp6\") | .local" <<<"$output")" = "::1" ]
	[ "$(jq -r ".sockets[] | select(.family == \"unix\") | .local" <<<"$output")" = "$sock" ]
	[ "$(jq -r ".sockets[] | select(.family == \"unix\") | .type" <<<"$output")" = stream ]
	[ "$(jq -r ".sockets[] | select(.family == \"udp4\") | .local_port" <<<"$output")" = "$pu" ]
}

@test "process: a Go agent's listening socket and its agent line" {
	require_fixture agentdemo
	start_fixture agentdemo
	wait_for 10 test -s "$GOPS_CONFIG_DIR/$BG_PID"
	local port
	port=$(cat "$GOPS_CONFIG_DIR/$BG_PID")
	run --separate-stderr "$GOSCOPE" "$BG_PID"
	[ "$status" -eq 0 ]
	grep -qxF "local/remote:	127.0.0.1:$port <-> 0.0.0.0:0 (LISTEN)" <<<"$output"
	[ "$(field agent)" = "127.0.0.1:$port" ]
	[ "$(field 'go path')" = example.com/goscope/agentdemo ]
}

@test "process --json: everything in one document" {
	start_fixture hello sleep 60
	run --separate-stderr "$GOSCOPE" -j process "$BG_PID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .pid <<<"$output")" = "$BG_PID" ]
	[ "$(jq -r .ppid <<<"$output")" = "$(stat_field 4 "$BG_PID")" ]
	[ "$(jq -r .threads <<<"$output")" = "$(stat_field 20 "$BG_PID")" ]
	[ "$(jq -r .uid <<<"$output")" = "$(id -u)" ]
	[ "$(jq -r .username <<<"$output")" = "$(id -un)" ]
	[ "$(jq -c .cmdline <<<"$output")" = "[\"$HELLO\",\"sleep\",\"60\"]" ]
	[ "$(jq -r .exe <<<"$output")" = "$HELLO" ]
	[ "$(jq -r .go.version <<<"$output")" = "$GOVER" ]
	[ "$(jq -r .go.verdict <<<"$output")" = go ]
	[ "$(jq -r '.sockets | length' <<<"$output")" = 0 ]
	[ "$(jq -r .agent <<<"$output")" = null ]
	[ "$(jq -r .cpu_period <<<"$output")" = null ]
	[ "$(jq -r '.memory_percent | type' <<<"$output")" = number ]
	[[ $(jq -r .elapsed <<<"$output") =~ ^00:0[0-9]$ ]]
	run --separate-stderr "$GOSCOPE" -j "$BG_PID" 200ms
	[ "$(jq -r .cpu_period.period <<<"$output")" = 200ms ]
	[ "$(jq -r .cpu_period.seconds <<<"$output")" = 0.2 ]
}

@test "process: bad arguments are errors, not silence" {
	# A PID that is no process.
	"$HELLO" exit 0 </dev/null >/dev/null 2>&1 3>&- &
	local dead=$!
	wait "$dead" || true
	run --separate-stderr "$GOSCOPE" process "$dead"
	[ "$status" -eq 1 ]
	[ "$stderr" = "Error: cannot read process $dead: no such process" ]
	run --separate-stderr "$GOSCOPE" "$dead"
	[ "$status" -eq 1 ]
	run --separate-stderr "$GOSCOPE" process 0
	[ "$status" -eq 1 ]
	run --separate-stderr "$GOSCOPE" process abc
	[ "$status" -eq 1 ]
	[ "$stderr" = 'Error: error parsing the first argument: strconv.Atoi: parsing "abc": invalid syntax' ]
	run --separate-stderr "$GOSCOPE" 12x
	[ "$status" -eq 1 ]
	run --separate-stderr "$GOSCOPE" process 99999999999
	[ "$status" -eq 1 ]
	[[ $stderr == *"value out of range"* ]]
	run --separate-stderr "$GOSCOPE" process $$ 5x
	[ "$status" -eq 1 ]
	[[ $stderr == *"error parsing the second argument"* ]]
	run --separate-stderr "$GOSCOPE" process $$ -1s
	[ "$status" -eq 1 ]
	[ "$stderr" = "Error: Cannot determine CPU usage for negative duration -1s" ]
	run --separate-stderr "$GOSCOPE" process
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" process $$ 1s extra
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" process --frob
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" -j process "$dead"
	[ "$status" -eq 1 ]
	[ "$(jq -r .error <<<"$output")" = "cannot read process $dead: no such process" ]
	run --separate-stderr "$GOSCOPE" process --help
	[ "$status" -eq 0 ]
	[[ $output == *"local/remote:"* ]]
}
