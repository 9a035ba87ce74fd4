#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# goscope watch: Go process starts and exits streamed from the BPF exec/exit
# tracepoints, classified, deduplicated at start-up, never lost silently.

bats_require_minimum_version 1.5.0

load helpers

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
SPAWN=${GOSCOPE_SPAWN:-$(dirname "$GOSCOPE")/bench/watch_spawn}

WPID=
WRC=
WOUT=
WERR=
CG_DIRS=()

# start_watch ARGS...: goscope watch in the background, ready when it says
# so on stderr (attached, snapshot printed).
start_watch() {
	WOUT=$BATS_TEST_TMPDIR/watch.out
	WERR=$BATS_TEST_TMPDIR/watch.err
	# Empty them first: the child truncates them only after the fork, and a
	# wait_for meanwhile must not find an earlier watch's line.
	: >"$WOUT"
	: >"$WERR"
	"$GOSCOPE" watch "$@" >"$WOUT" 2>"$WERR" 3>&- &
	WPID=$!
	if ! wait_for 20 grep -qE 'watch: (watching|polling)' "$WERR"; then
		cat "$WERR" >&2
		return 1
	fi
}

# stop_watch [SIGNAL]: stop it and keep its exit status in WRC.
stop_watch() {
	kill -"${1:-INT}" "$WPID"
	WRC=0
	wait "$WPID" || WRC=$?
	WPID=
	echo "--- watch stderr"
	cat "$WERR"
}

teardown() {
	local i
	if [ -n "$WPID" ]; then
		kill -KILL "$WPID" 2>/dev/null || true
		wait "$WPID" 2>/dev/null || true
	fi
	stop_fixtures
	# cgroups made by make_cgroup, leaves first, once their processes are gone
	for ((i = ${#CG_DIRS[@]} - 1; i >= 0; i--)); do
		wait_for 5 rmdir "${CG_DIRS[i]}" 2>/dev/null || true
	done
	CG_DIRS=()
}

# make_cgroup PATH: a new cgroup PATH (a/b/c) in a hierarchy root may write:
# cgroup v2 first, else v1's pids. Sets CG_DIR; teardown removes it.
make_cgroup() {
	local root part dir
	root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	if [ -z "$root" ] || [ ! -w "$root" ]; then
		root=$(awk '$3 == "cgroup" && $4 ~ /(^|,)pids(,|$)/ { print $2; exit }' /proc/mounts)
	fi
	[ -n "$root" ] && [ -w "$root" ] || { missing "a writable cgroup hierarchy"; return 1; }
	dir=$root
	for part in ${1//\// }; do
		dir=$dir/$part
		if [ ! -d "$dir" ]; then
			mkdir "$dir" || { missing "a cgroup at $dir"; return 1; }
			CG_DIRS+=("$dir")
		fi
	done
	CG_DIR=$dir
}

# in_cgroup DIR PROGRAM ARGS...: PROGRAM in the background inside cgroup DIR
# (moved there before its exec, as a container runtime does). Sets BG_PID.
in_cgroup() {
	local dir=$1 exe
	shift
	exe=$(readlink -f "$1")
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$dir" "$@" </dev/null >/dev/null 2>&1 3>&- &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
	wait_for 10 gs_pid_runs "$BG_PID" "$exe"
}

# records EVENT PID: the JSON records of that kind for that PID.
records() {
	jq -c --arg e "$1" --argjson p "$2" 'select(.event == $e and .pid == $p)' "$WOUT"
}

nrecords() {
	records "$@" | wc -l
}

# wait_record EVENT PID: until at least one such record was written.
has_record() {
	[ "$(nrecords "$@")" -ge 1 ]
}
wait_record() {
	wait_for 10 has_record "$@"
}

# run_go NAME ARGS...: run a fixture to its end; PID in RUN_PID, status in RUN_RC.
run_go() {
	local path=$1
	shift
	case $path in
	/*) ;;
	*) path=$FIXTURES/$path ;;
	esac
	"$path" "$@" >/dev/null 2>&1 3>&- &
	RUN_PID=$!
	RUN_RC=0
	wait "$RUN_PID" || RUN_RC=$?
}

# check_go PID VERSION CODE: one start with that version, one exit with that code.
check_go() {
	local pid=$1 ver=$2 code=$3
	wait_record exit "$pid"
	[ "$(nrecords start "$pid")" -eq 1 ]
	[ "$(nrecords exit "$pid")" -eq 1 ]
	records start "$pid" | jq -e --arg v "$ver" '
		.go.verdict == "go" and .go.version == $v and
		.go.path == "example.com/goscope/hello" and .source == "bpf" and
		(.latency_us | type == "number") and .latency_us >= 0 and
		(.ppid | type == "number") and .uid == 0 and .classified_by != null'
	records exit "$pid" | jq -e --argjson c "$code" '
		.exit_code == $c and .signal == null and .lifetime_ns > 0 and .exit_event_lost == false'
}

@test "watch --help and bad arguments" {
	require_goscope
	run "$GOSCOPE" watch --help
	[ "$status" -eq 0 ]
	[[ "$output" == "Usage: goscope watch"* ]]
	run "$GOSCOPE" watch --no-such-option
	[ "$status" -eq 2 ]
	run "$GOSCOPE" watch extra
	[ "$status" -eq 2 ]
	run "$GOSCOPE" watch --ringbuf-size 0
	[ "$status" -eq 2 ]
	run "$GOSCOPE" watch --container XYZ
	[ "$status" -eq 2 ]
}

@test "watch --container: that container's programs only, by id prefix, at start-up and later" {
	local a b old new other host
	require_root
	require_goscope
	require_fixture hello
	require_cmd jq
	a=$(printf 'c0ffee%058d' 1)
	b=$(printf 'beef00%058d' 2)
	# the two ways runtimes name a container's cgroup: cgroupfs and systemd
	make_cgroup "goscope-test/docker/$a" || return 1
	local da=$CG_DIR
	make_cgroup "goscope-test/docker-$b.scope" || return 1
	local db=$CG_DIR
	in_cgroup "$da" "$FIXTURES/hello" sleep 30
	old=$BG_PID
	start_watch --json --container c0ffee
	in_cgroup "$da" "$FIXTURES/hello" sleep 30
	new=$BG_PID
	in_cgroup "$db" "$FIXTURES/hello" sleep 30
	other=$BG_PID
	start_fixture hello sleep 30
	host=$BG_PID
	wait_record start "$new"
	# time enough for the other container and the host to be (wrongly) reported
	sleep 1
	stop_watch
	[ "$WRC" -eq 0 ]
	[ "$(nrecords present "$old")" -eq 1 ]
	[ "$(nrecords start "$new")" -eq 1 ]
	records start "$new" | jq -e --arg a "$a" '.container_id == $a and .go.verdict == "go"'
	records present "$old" | jq -e --arg a "$a" '.container_id == $a'
	[ "$(nrecords start "$other")" -eq 0 ]
	[ "$(nrecords start "$host")" -eq 0 ]
	[ "$(jq -c 'select(.event == "start" or .event == "present")' "$WOUT" | wc -l)" -eq 2 ]
	# the systemd-named one is found by its own id
	run --separate-stderr "$GOSCOPE" --json list
	jq -e --argjson p "$other" --arg b "$b" '.processes[] | select(.pid == $p) | .container_id == $b' <<<"$output"
	jq -e --argjson p "$host" '.processes[] | select(.pid == $p) | .container_id == null' <<<"$output"
}

@test "watch: unprivileged, exit code 3 and one line naming the capability" {
	require_root
	require_goscope
	require_cmd setpriv jq
	"${NOBODY[@]}" test -x "$GOSCOPE" || missing "$GOSCOPE executable by uid 65534"
	run "${NOBODY[@]}" "$GOSCOPE" watch
	echo "$output"
	[ "$status" -eq 3 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"BPF unavailable: not root: needs CAP_BPF and CAP_PERFMON"*"--fallback"* ]]
	run "${NOBODY[@]}" "$GOSCOPE" watch --json
	[ "$status" -eq 3 ]
	echo "$output" | jq -e '.error | test("CAP_BPF")'
}

@test "watch: Go fixtures start and exit with version, PID and exit code; non-Go are silent" {
	require_root
	require_goscope
	require_cmd jq
	require_fixture hello hello.stripped hello.pie hello.nobuildinfo cbin script.sh GOVERSION
	local ver pids=()
	ver=$(cat "$FIXTURES/GOVERSION")
	start_watch --json

	run_go hello exit 3
	[ "$RUN_RC" -eq 3 ]
	check_go "$RUN_PID" "$ver" 3
	run_go hello.stripped exit 4
	check_go "$RUN_PID" "$ver" 4
	run_go hello.pie exit 5
	check_go "$RUN_PID" "$ver" 5
	run_go hello.nobuildinfo exit 6
	check_go "$RUN_PID" "$ver" 6
	run_go hello.stripped
	check_go "$RUN_PID" "$ver" 0

	# Deleted after start: still classified, through /proc/PID/exe.
	cp "$FIXTURES/hello" "$BATS_TEST_TMPDIR/hello.del"
	start_fixture "$BATS_TEST_TMPDIR/hello.del" sleep 1
	rm -f "$BATS_TEST_TMPDIR/hello.del"
	wait "$BG_PID"
	check_go "$BG_PID" "$ver" 0

	# Non-Go programs: no line at all.
	run_go cbin
	pids+=("$RUN_PID")
	run_go script.sh
	pids+=("$RUN_PID")
	run_go /bin/true
	pids+=("$RUN_PID")
	# A Go program after them: once it shows, theirs would have too.
	run_go hello exit 9
	check_go "$RUN_PID" "$ver" 9
	stop_watch
	[ "$WRC" -eq 0 ]
	local p
	for p in "${pids[@]}"; do
		[ "$(jq -c --argjson p "$p" 'select(.pid == $p)' "$WOUT" | wc -l)" -eq 0 ]
	done
	# Every line is one JSON object.
	jq -e . "$WOUT" >/dev/null
	grep -q 'watch: .* exec and .* exit events; .* Go starts' "$WERR"
}

@test "watch: a Go program deleted before it could be read is classified through /proc/PID/exe" {
	require_root
	require_goscope
	require_cmd jq
	require_fixture hello GOVERSION
	local ver
	ver=$(cat "$FIXTURES/GOVERSION")
	# The worker looks 2 s after each exec, as if busy: the file is gone by then.
	GOSCOPE_WATCH_CLASSIFY_DELAY_MS=2000 start_watch --json
	cp "$FIXTURES/hello" "$BATS_TEST_TMPDIR/hello.del"
	start_fixture "$BATS_TEST_TMPDIR/hello.del" sleep 5
	rm -f "$BATS_TEST_TMPDIR/hello.del"
	wait_record start "$BG_PID"
	stop_watch
	records start "$BG_PID"
	records start "$BG_PID" | jq -e --arg v "$ver" \
		'.go.version == $v and .deleted == true and .classified_by == "exe" and
		 (.exe | endswith("/hello.del"))'
}

@test "watch: a process that exited before it could be read: by its path, else unclassified" {
	require_root
	require_goscope
	require_cmd jq
	require_fixture hello GOVERSION
	local ver gone
	ver=$(cat "$FIXTURES/GOVERSION")
	GOSCOPE_WATCH_CLASSIFY_DELAY_MS=1500 start_watch --json

	# The file is still there, with the event's identity: classified by path.
	run_go hello exit 2
	wait_record exit "$RUN_PID"
	records start "$RUN_PID"
	records start "$RUN_PID" | jq -e --arg v "$ver" \
		'.go.version == $v and .classified_by == "path" and .latency_us >= 1500000'
	records exit "$RUN_PID" | jq -e '.exit_code == 2'

	# The file is gone too: reported honestly as unclassified, with its exit.
	cp "$FIXTURES/hello" "$BATS_TEST_TMPDIR/hello.gone"
	run_go "$BATS_TEST_TMPDIR/hello.gone" exit 3
	gone=$RUN_PID
	rm -f "$BATS_TEST_TMPDIR/hello.gone"
	wait_record exit "$gone"
	records start "$gone" | jq -e '.go == null and .classified_by == null and
		(.unclassified_reason | test("exited before it could be read"))'
	records exit "$gone" | jq -e '.exit_code == 3'

	# A file replaced under the same name is not taken for the one that ran.
	cp "$FIXTURES/hello" "$BATS_TEST_TMPDIR/hello.swap"
	run_go "$BATS_TEST_TMPDIR/hello.swap" exit 4
	rm -f "$BATS_TEST_TMPDIR/hello.swap"
	cp "$FIXTURES/cbin" "$BATS_TEST_TMPDIR/hello.swap"
	wait_record exit "$RUN_PID"
	records start "$RUN_PID" | jq -e '.go == null'
	stop_watch
}

@test "watch: text lines for start and exit" {
	require_root
	require_goscope
	require_fixture hello GOVERSION
	local ver exe
	ver=$(cat "$FIXTURES/GOVERSION")
	# /proc/PID/exe's path while it runs, the exec'd path once it has exited.
	exe=$(readlink -f "$FIXTURES/hello")
	start_watch
	run_go hello exit 3
	wait_for 10 grep -qE "^[0-9:.]+ +exit +$RUN_PID " "$WOUT"
	stop_watch
	cat "$WOUT"
	head -n 1 "$WOUT" | grep -qE '^TIME +EVENT +PID +PPID +UID +NAME +GO +LATENCY +CONTAINER +MODULE +PATH$'
	grep -qE "^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} start +$RUN_PID +[0-9]+ +0 +hello +$ver +[0-9.]+ms +- +example.com/goscope/hello +($exe|$FIXTURES/hello)$" "$WOUT"
	grep -qE "^[0-9:.]+ exit +$RUN_PID +[0-9]+ +0 +hello +code=3 lifetime=[0-9.]+s$" "$WOUT"
}

@test "watch: ESC and a C1 control in a name are '?' in the text lines" {
	require_root
	require_goscope
	require_fixture hello
	# ESC starting a colour sequence and CSI (U+009B) in C1; é passes
	local odd=$BATS_TEST_TMPDIR/$'e\x1b[31mv\xc2\x9b\xc3\xa9'
	local shown=$'e\\?\\[31mv\\?\xc3\xa9'	# e?[31mv?é, escaped for grep -E
	cp "$FIXTURES/hello" "$odd"
	start_watch
	run_go "$odd" exit 2
	wait_for 10 grep -qE "^[0-9:.]+ +exit +$RUN_PID " "$WOUT"
	stop_watch
	cat -v "$WOUT"
	grep -aqE "^[0-9:.]+ start +$RUN_PID +[0-9]+ +0 +$shown +[^ ]+ .*/$shown$" "$WOUT"
	grep -aqE "^[0-9:.]+ exit +$RUN_PID +[0-9]+ +0 +$shown +code=2 " "$WOUT"
	[ "$(grep -ac $'\x1b' "$WOUT")" -eq 0 ]
	[ "$(grep -ac $'\xc2\x9b' "$WOUT")" -eq 0 ]
}

@test "watch --all: non-Go execs are shown, marked not-go" {
	require_root
	require_goscope
	require_cmd jq
	require_fixture hello cbin
	start_watch --all --json
	run_go cbin
	local c=$RUN_PID
	run_go hello
	local g=$RUN_PID
	wait_record exit "$g"
	wait_record exit "$c"
	stop_watch
	records start "$c" | jq -e '.go.verdict == "not-go" and (.exe | endswith("/cbin"))'
	records exit "$c" | jq -e '.exit_code == 0'
	records start "$g" | jq -e '.go.verdict == "go"'
}

@test "watch: present lines for Go processes already running; --new-only leaves them out" {
	require_root
	require_goscope
	require_cmd jq
	require_fixture hello
	start_fixture hello sleep 30
	local old=$BG_PID
	start_watch --json
	[ "$(nrecords present "$old")" -eq 1 ]
	records present "$old" | jq -e '.go.verdict == "go" and .source == "proc-snapshot" and
		.latency_us == null and (.exe | endswith("/hello"))'
	kill -TERM "$old"
	wait_record exit "$old"
	records exit "$old" | jq -e '.signal == 15 and .signal_name == "TERM" and .exit_code == null'
	stop_watch

	start_fixture hello sleep 30
	start_watch --json --new-only
	stop_watch
	[ "$(jq -c 'select(.event == "present")' "$WOUT" | wc -l)" -eq 0 ]
}

@test "watch: a Go program that execs another Go program shows both" {
	require_root
	require_goscope
	require_cmd jq
	require_fixture watchdemo hello
	start_watch --json
	run_go watchdemo exec "$FIXTURES/hello" exit 6
	wait_record exit "$RUN_PID"
	stop_watch
	records start "$RUN_PID"
	[ "$(nrecords start "$RUN_PID")" -eq 2 ]
	[ "$(nrecords exit "$RUN_PID")" -eq 1 ]
	jq -s -e --argjson p "$RUN_PID" '
		[.[] | select(.pid == $p)] as $r |
		($r | length) == 3 and
		$r[0].event == "start" and ($r[0].exe | endswith("/watchdemo")) and
		$r[0].go.path == "example.com/goscope/watchdemo" and
		$r[1].event == "start" and ($r[1].exe | endswith("/hello")) and
		$r[1].go.path == "example.com/goscope/hello" and
		$r[2].event == "exit" and $r[2].exit_code == 6 and $r[2].name == "hello"' "$WOUT"
}

@test "watch: thread exits of a multi-threaded Go program are not process exits" {
	require_root
	require_goscope
	require_cmd jq
	require_fixture watchdemo
	local log=$BATS_TEST_TMPDIR/threads.log
	start_watch --json
	"$FIXTURES/watchdemo" threads 8 5 >"$log" 2>&1 3>&- &
	local pid=$!
	# Its threads end first; the process only after 300 ms more.
	wait_for 10 grep -q '^threads ' "$log"
	sleep 0.1
	[ "$(nrecords exit "$pid")" -eq 0 ]
	local rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 5 ]
	wait_record exit "$pid"
	stop_watch
	cat "$log"
	# The threads really did end before the process.
	[[ "$(cat "$log")" =~ threads\ peak=([0-9]+)\ after=([0-9]+) ]]
	[ "${BASH_REMATCH[2]}" -le $((BASH_REMATCH[1] - 4)) ]
	[ "$(nrecords start "$pid")" -eq 1 ]
	[ "$(nrecords exit "$pid")" -eq 1 ]
	records exit "$pid" | jq -e '.exit_code == 5'
}

@test "watch: the storm: 20,000 execs of /bin/true and 200 of a Go fixture, each Go start once" {
	require_root
	require_goscope
	require_cmd jq
	require_fixture hello
	require_file "$SPAWN"
	local d=$BATS_TEST_TMPDIR
	start_watch --json
	# Two spawners, 10,100 execs each: every 101st is hello (100 each).
	"$SPAWN" -n 10100 -j 8 -g "$FIXTURES/hello" -e 101 -o "$d/s1" 3>&- &
	local s1=$!
	"$SPAWN" -n 10100 -j 8 -g "$FIXTURES/hello" -e 101 -o "$d/s2" 3>&- &
	local s2=$!
	wait "$s1"
	wait "$s2"
	cat "$d/s1" "$d/s2" | awk '$1 == "g" { print $2, $3 }' | sort >"$d/go.spawned"
	[ "$(wc -l <"$d/go.spawned")" -eq 200 ]
	[ "$(cat "$d/s1" "$d/s2" | awk '$1 == "p"' | wc -l)" -eq 20000 ]
	# Everything spawned has exited; stopping drains what the kernel wrote.
	sleep 1
	stop_watch
	# Each Go start exactly once (pids can repeat after a wrap: compare as
	# multisets), counting only the spawners' children: other Go programs may run.
	jq -r --argjson a "$s1" --argjson b "$s2" \
		'select(.event == "start" and (.ppid == $a or .ppid == $b) and
			.go.path == "example.com/goscope/hello") | .pid' "$WOUT" | sort >"$d/go.started"
	jq -r --argjson a "$s1" --argjson b "$s2" \
		'select(.event == "exit" and (.ppid == $a or .ppid == $b) and .name == "hello")
		 | "\(.pid) \(.exit_code)"' "$WOUT" | sort >"$d/go.exited"
	local lost
	lost=$(jq -s '[.[] | select(.event == "lost") | .count] | add // 0' "$WOUT")
	echo "lost: $lost; started: $(wc -l <"$d/go.started"); exited: $(wc -l <"$d/go.exited")"
	if [ "$lost" -eq 0 ]; then
		diff <(awk '{ print $1 }' "$d/go.spawned") "$d/go.started"
		diff "$d/go.spawned" "$d/go.exited"
	else
		# Only what the counter accounts for may be missing; nothing twice.
		[ $((200 - $(wc -l <"$d/go.started"))) -le "$lost" ]
		[ -z "$(comm -13 <(awk '{ print $1 }' "$d/go.spawned") "$d/go.started")" ]
	fi
	# The default ring buffer keeps up.
	[ "$lost" -eq 0 ]
	grep -q '; 0 lost (ring buffer 0, queue 0)' "$WERR"
}

launched_all() {
	[ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]
}

@test "watch: a Go process launched while watch attaches is reported exactly once" {
	require_root
	require_goscope
	require_cmd jq
	require_fixture hello
	local d=$BATS_TEST_TMPDIR pids=() p n
	# Launch Go processes every 20 ms from before watch starts until after it is ready.
	(
		for _ in $(seq 1 60); do
			"$FIXTURES/hello" sleep 4 >/dev/null 2>&1 3>&- &
			echo $! >>"$d/launched"
			sleep 0.02
		done
		wait
	) 3>&- &
	local launcher=$!
	sleep 0.2
	start_watch --json
	wait_for 20 launched_all "$d/launched" 60
	sleep 0.5
	stop_watch
	mapfile -t pids <"$d/launched"
	local present=0 started=0
	for p in "${pids[@]}"; do
		n=$(jq -c --argjson p "$p" 'select((.event == "present" or .event == "start") and .pid == $p)' "$WOUT" | wc -l)
		if [ "$n" -ne 1 ]; then
			echo "pid $p reported $n times"
			jq -c --argjson p "$p" 'select(.pid == $p)' "$WOUT"
			return 1
		fi
		[ "$(nrecords present "$p")" -eq 1 ] && present=$((present + 1))
		[ "$(nrecords start "$p")" -eq 1 ] && started=$((started + 1))
	done
	echo "present $present, started $started"
	# Both kinds occurred: the window was really crossed.
	[ "$present" -gt 0 ]
	[ "$started" -gt 0 ]
	kill "$launcher" 2>/dev/null || true
	pkill -P "$launcher" 2>/dev/null || true
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait "$launcher" 2>/dev/null || true
}

@test "watch: a tiny ring buffer loses events, and says so at once" {
	require_root
	require_goscope
	require_cmd jq
	require_file "$SPAWN"
	start_watch --json --ringbuf-size 4K
	# Stop the reader so that the 4 KiB ring surely overflows, then let it go on.
	kill -STOP "$WPID"
	"$SPAWN" -n 300 -j 8 3>&-
	kill -CONT "$WPID"
	wait_for 10 grep -q '"event":"lost"' "$WOUT"
	stop_watch
	[ "$WRC" -eq 0 ]
	jq -s -e '[.[] | select(.event == "lost")] | length >= 1 and
		(.[0].count > 0) and (.[-1].total == ([.[].count] | add)) and
		.[0].where == "ring-buffer"' "$WOUT"
	grep -qE '; [1-9][0-9]* lost \(ring buffer [1-9]' "$WERR"

	start_watch --ringbuf-size 4K
	kill -STOP "$WPID"
	"$SPAWN" -n 300 -j 8 3>&-
	kill -CONT "$WPID"
	wait_for 10 grep -qE '^[0-9:.]+ +lost +[0-9]+ events \(the BPF ring buffer was full; [0-9]+ in total\)$' "$WOUT"
	stop_watch
}

# The ids of the loaded goscope exec/exit programs (other goscope runs may have some too).
gs_prog_ids() {
	bpftool prog show | awk '/ name gs_(exec|exit)_(btf|tp) / { sub(":", "", $1); print $1 }' | sort
}

progs_gone() {
	[ -z "$(comm -12 <(echo "$1") <(gs_prog_ids))" ]
}

@test "watch: SIGTERM ends it cleanly: summary on stderr, programs detached" {
	require_root
	require_goscope
	require_cmd bpftool
	local before ours
	before=$(gs_prog_ids)
	start_watch
	ours=$(comm -13 <(echo "$before") <(gs_prog_ids))
	echo "our programs: $ours"
	[ "$(echo "$ours" | wc -w)" -eq 2 ]
	stop_watch TERM
	[ "$WRC" -eq 0 ]
	grep -qE '^goscope: watch: [0-9]+ exec and [0-9]+ exit events; [0-9]+ Go starts, [0-9]+ other, [0-9]+ unclassified, [0-9]+ present, [0-9]+ exits shown; 0 lost' "$WERR"
	# The kernel frees programs a moment after their last reference goes.
	wait_for 5 progs_gone "$ours"
}

@test "watch --duration stops by itself" {
	require_root
	require_goscope
	run timeout 10 "$GOSCOPE" watch --new-only --duration 0.5
	[ "$status" -eq 0 ]
}

@test "watch --pid-ns: only that PID namespace" {
	require_root
	require_goscope
	require_cmd jq
	require_fixture hello
	local ns
	ns=$(stat -Lc %i /proc/self/ns/pid)
	start_watch --json --pid-ns "$ns"
	run_go hello exit 1
	wait_record exit "$RUN_PID"
	stop_watch
	start_watch --json --pid-ns 1234
	run_go hello exit 1
	local other=$RUN_PID
	sleep 0.3
	stop_watch
	[ "$(jq -c 'select(.event == "start")' "$WOUT" | wc -l)" -eq 0 ]
	: "$other"
}

@test "watch --fallback without BPF: polls /proc, labelled as such" {
	require_root
	require_goscope
	require_cmd setpriv jq
	require_fixture hello
	"${NOBODY[@]}" test -x "$GOSCOPE" || missing "$GOSCOPE executable by uid 65534"
	"${NOBODY[@]}" test -x "$FIXTURES/hello" || missing "$FIXTURES/hello executable by uid 65534"
	WOUT=$BATS_TEST_TMPDIR/watch.out
	WERR=$BATS_TEST_TMPDIR/watch.err
	"${NOBODY[@]}" "$GOSCOPE" watch --json --fallback --new-only >"$WOUT" 2>"$WERR" 3>&- &
	WPID=$!
	wait_for 20 grep -q 'polling /proc every 100 ms' "$WERR"
	grep -q 'BPF unavailable (not root: needs CAP_BPF and CAP_PERFMON): --fallback polls /proc' "$WERR"
	"${NOBODY[@]}" "$FIXTURES/hello" sleep 1 >/dev/null 3>&- &
	local pid=$!
	BG_PIDS+=("$pid")
	wait_for 10 has_record start "$pid"
	wait "$pid"
	wait_record exit "$pid"
	stop_watch
	records start "$pid" | jq -e '.source == "proc-poll" and .go.verdict == "go"'
	records exit "$pid" | jq -e '.source == "proc-poll" and .exit_code == null'
}
