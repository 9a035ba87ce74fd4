#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# goscope exporter: scraped by a real Prometheus server (series and labels of
# a running Go fixture arrive, its GC counter grows while it allocates),
# promtool accepts the exposition, processes appear through exec events and
# disappear when they exit, concurrent scrapes, bad --listen values, the
# behaviour without privileges, and the minimal capability set documented
# in docs/deploy.md (each capability dropped in turn loses exactly its part).

load helpers
load exporter_lib

bats_require_minimum_version 1.5.0

# The capabilities docs/deploy.md documents as the minimal set.
MIN_CAPS=sys_admin,sys_ptrace,dac_read_search

setup() {
	require_goscope
	require_cmd curl jq
	require_fixture hello gcload GOVERSION
	GOVER=$(cat "$FIXTURES/GOVERSION")
	EXP_PID=
	PROM_PID=
	EXTRA_PIDS=()
	SCRATCH=
}

teardown() {
	local p
	[ -n "$EXP_PID" ] && kill -KILL "$EXP_PID" 2>/dev/null || true
	[ -n "$PROM_PID" ] && kill -KILL "$PROM_PID" 2>/dev/null || true
	for p in ${EXTRA_PIDS[@]+"${EXTRA_PIDS[@]}"}; do
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	stop_fixtures
	[ -n "$SCRATCH" ] && rm -rf "$SCRATCH"
	true
}

# The support status goscope's table (newest major: go1.27) gives a release.
support_of() {
	local minor=${1#go1.}
	minor=${minor%%[!0-9]*}
	if [ "$minor" -ge 26 ]; then echo supported; else echo unsupported; fi
}

# A TCP port nobody listens on (for Prometheus itself).
free_port() {
	local p i
	for i in $(seq 50); do
		p=$((20000 + RANDOM % 40000))
		ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

# prom_query QUERY: the result vector of an instant query, as JSON.
prom_query() {
	curl -sf --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/query" \
		--data-urlencode "query=$1" | jq -c '.data.result'
}

prom_has() {
	[ "$(prom_query "$1" | jq length)" -gt 0 ]
}

@test "--help names the metrics and the privileges" {
	run "$GOSCOPE" exporter --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"goscope_go_process_info"* ]]
	[[ "$output" == *"CAP_SYS_PTRACE"* ]]
	[[ "$output" == *"127.0.0.1:9477"* ]]
}

@test "bad --listen values are usage errors (exit 2); an address in use is exit 1" {
	local a
	for a in 127.0.0.1 127.0.0.1:99999 127.0.0.1:abc example.com:9477 '::1:9477' \
		'[::1]' '[nonsense]:9477' '' 127.1:9477 '1.2.3.4.5:80' '127.0.0.1:-1'; do
		run --separate-stderr "$GOSCOPE" exporter --listen "$a"
		[ "$status" -eq 2 ] || { echo "'$a': status $status"; return 1; }
		[[ "$stderr" == *"bad --listen"* ]]
	done
	run --separate-stderr "$GOSCOPE" exporter --interval 1ms
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" exporter --no-bpf --require-bpf
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" exporter stray
	[ "$status" -eq 2 ]

	require_root
	exporter_start --no-bpf
	local hostport=${EXP_URL#http://}
	hostport=${hostport%/metrics}
	run --separate-stderr "$GOSCOPE" exporter --no-bpf --listen "$hostport"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"cannot listen on $hostport: Address already in use"* ]]
}

@test "info series of a Go process with its exact labels; exits disappear; SIGTERM ends it cleanly" {
	require_root
	local sup line
	sup=$(support_of "$GOVER")
	exporter_start --rescan 1h
	# Started after the exporter, with rescans an hour apart: found by its exec event.
	start_fixture hello sleep 60
	wait_for 5 scrape_has "^goscope_go_process_info\\{pid=\"$BG_PID\""
	line=$(scrape | grep "^goscope_go_process_info{pid=\"$BG_PID\"")
	[ "$line" = "goscope_go_process_info{pid=\"$BG_PID\",name=\"hello\",exe=\"$FIXTURES/hello\",go_version=\"$GOVER\",module=\"example.com/goscope/hello\",support=\"$sup\",container_id=\"\"} 1" ] ||
		{ echo "got: $line"; return 1; }
	scrape_has "^goscope_go_gc_cycles_total\\{pid=\"$BG_PID\"\\} [0-9]+$"
	scrape_has "^goscope_go_stw_pause_seconds_count\\{pid=\"$BG_PID\"\\} [0-9]+$"
	scrape_has "^goscope_go_gomaxprocs\\{pid=\"$BG_PID\"\\} [1-9][0-9]*$"
	scrape_has "^goscope_go_goroutines\\{pid=\"$BG_PID\"\\} [1-9][0-9]*$"
	scrape_has '^goscope_exporter_bpf_enabled\{feature="exec_events"\} 1$'
	scrape_has '^goscope_exporter_bpf_enabled\{feature="gc_uprobes"\} 1$'

	# The exit event removes every series of the process (well before the next rescan).
	kill -KILL "$BG_PID"
	wait_for 5 scrape_lacks "pid=\"$BG_PID\""
	# Non-Go programs never appear.
	scrape_lacks 'name="sleep"'

	exporter_stop
	[ "$EXP_RC" -eq 0 ]
	grep -q 'SIGTERM, stopping' "$EXP_ERR"
}

@test "the goroutine gauge of stripped builds (go1.15, 1.21, 1.27) is the program's own" {
	local v pid n=3 pids=()
	require_root
	exporter_start --rescan 1h
	for v in 1.15 1.21 1.27; do
		require_file "$MATRIX/$v/selfstat.stripped"
		GOMAXPROCS=3 start_fixture "$MATRIX/$v/selfstat.stripped" -goroutines "$n"
		pids+=("$BG_PID")
		n=$((n + 1))
	done
	n=5
	for pid in "${pids[@]}"; do
		wait_for 10 scrape_has "^goscope_go_goroutines\\{pid=\"$pid\"\\} "
		scrape | grep "pid=\"$pid\"" | grep -E 'goroutines|gomaxprocs'
		[ "$(value "goscope_go_goroutines{pid=\"$pid\"}")" = "$n" ]
		[ "$(value "goscope_go_gomaxprocs{pid=\"$pid\"}")" = 3 ]
		n=$((n + 1))
	done
	exporter_stop
	[ "$EXP_RC" -eq 0 ]
}

@test "promtool check metrics accepts the exposition; hostile names are escaped" {
	require_root
	require_cmd promtool
	make_scratch
	# A Go binary whose path needs escaping (quote, backslash) and is not UTF-8.
	local odd
	odd=$SCRATCH/$'we"ird\\na\xffme'
	cp "$FIXTURES/hello" "$odd"
	start_fixture gcload -duration 60s -workers 1
	start_fixture "$odd" sleep 60
	exporter_start
	wait_for 5 scrape_has "^goscope_go_process_info\\{pid=\"$BG_PID\""
	scrape >"$SCRATCH/metrics"
	run promtool check metrics <"$SCRATCH/metrics"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	grep -qF "exe=\"$SCRATCH/we\\\"ird\\\\na?me\"" "$SCRATCH/metrics" ||
		{ grep "pid=\"$BG_PID\"" "$SCRATCH/metrics"; return 1; }
	# HELP and TYPE for every family; counters end in _total; the histogram's buckets rise.
	grep -q '^# TYPE goscope_go_gc_cycles_total counter$' "$SCRATCH/metrics"
	grep -q '^# TYPE goscope_go_stw_pause_seconds histogram$' "$SCRATCH/metrics"
	grep -q '^# HELP goscope_go_process_info ' "$SCRATCH/metrics"
	[ -z "$(grep -E '^# TYPE [a-z_]+ counter$' "$SCRATCH/metrics" | grep -v '_total counter$')" ]
}

@test "Prometheus scrapes it: the fixture's series and labels arrive, its GC counter grows" {
	require_root
	require_cmd prometheus ss
	local sup cfg res v1 v2 i target
	sup=$(support_of "$GOVER")
	make_scratch
	start_fixture gcload -duration 90s -workers 1
	local gc=$BG_PID
	exporter_start
	target=${EXP_URL#http://}
	target=${target%/metrics}
	PROM_PORT=$(free_port)
	cfg=$SCRATCH/prometheus.yml
	cat >"$cfg" <<-EOF
	global:
	  scrape_interval: 1s
	  scrape_timeout: 1s
	scrape_configs:
	  - job_name: goscope
	    static_configs:
	      - targets: ['$target']
	EOF
	prometheus --config.file="$cfg" --storage.tsdb.path="$SCRATCH/data" \
		--web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn \
		</dev/null >"$SCRATCH/prometheus.log" 2>&1 3>&- &
	PROM_PID=$!
	wait_for 30 curl -sf "http://127.0.0.1:$PROM_PORT/-/ready" -o /dev/null ||
		{ cat "$SCRATCH/prometheus.log"; return 1; }
	wait_for 20 prom_has "goscope_go_process_info{pid=\"$gc\"}" ||
		{ prom_query 'up'; cat "$SCRATCH/prometheus.log"; return 1; }
	res=$(prom_query "goscope_go_process_info{pid=\"$gc\"}")
	jq -e --arg exe "$FIXTURES/gcload" --arg v "$GOVER" --arg s "$sup" '.[0].metric |
		.name == "gcload" and .exe == $exe and .go_version == $v and .support == $s and
		.module == "example.com/goscope/gcload" and .job == "goscope" and
		.__name__ == "goscope_go_process_info"' <<<"$res" >/dev/null ||
		{ echo "$res"; return 1; }
	[ "$(jq -r '.[0].value[1]' <<<"$res")" = 1 ]

	# The counter, as Prometheus stored it, grows while the fixture allocates.
	wait_for 10 prom_has "goscope_go_gc_cycles_total{pid=\"$gc\"} > 0"
	v1=$(prom_query "goscope_go_gc_cycles_total{pid=\"$gc\"}" | jq -r '.[0].value[1]')
	for i in $(seq 40); do
		v2=$(prom_query "goscope_go_gc_cycles_total{pid=\"$gc\"}" | jq -r '.[0].value[1]')
		[ "$v2" -gt "$v1" ] && break
		sleep 0.25
	done
	[ "$v2" -gt "$v1" ] || { echo "GC counter stayed at $v1"; return 1; }
	wait_for 10 prom_has "rate(goscope_go_gc_cycles_total{pid=\"$gc\"}[5s]) > 0"
	# The pause histogram works with histogram_quantile; goroutines arrived too.
	wait_for 10 prom_has "histogram_quantile(0.99, rate(goscope_go_stw_pause_seconds_bucket{pid=\"$gc\"}[5s])) > 0"
	prom_has "goscope_go_goroutines{pid=\"$gc\"} >= 2"
	prom_has 'up{job="goscope"} == 1'
}

@test "20 concurrent scrapes all get the whole exposition" {
	require_root
	local i ok=0 curls=()
	make_scratch
	start_fixture gcload -duration 60s -workers 1
	exporter_start
	for i in $(seq 20); do
		curl -sf --max-time 10 -o "$SCRATCH/s$i" "$EXP_URL" 3>&- &
		curls+=($!)
	done
	for i in "${curls[@]}"; do
		wait "$i"
	done
	for i in $(seq 20); do
		grep -q "^goscope_go_process_info{pid=\"$BG_PID\"" "$SCRATCH/s$i" &&
			tail -n 1 "$SCRATCH/s$i" | grep -q '^goscope_exporter_snapshot_age_seconds ' &&
			ok=$((ok + 1))
	done
	[ "$ok" -eq 20 ]
	wait_for 5 scrape_has '^goscope_exporter_scrape_duration_seconds_count (2[0-9]|[3-9][0-9])$'
	scrape_has '^goscope_exporter_http_errors_total 0$'
	[ "$(curl -s -o /dev/null -w '%{http_code}' "${EXP_URL%/metrics}/nope")" = 404 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$EXP_URL")" = 405 ]
}

@test "without privileges: serves info and memory reads, says so on stderr and in a metric" {
	require_root
	# The fixture and the exporter as one unprivileged user, no capabilities at all.
	local as="--reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all"
	# shellcheck disable=SC2086
	setpriv $as "$FIXTURES/hello" sleep 60 </dev/null >/dev/null 2>&1 3>&- &
	local pid=$!
	EXTRA_PIDS+=("$pid")
	wait_for 10 gs_pid_runs "$pid" "$FIXTURES/hello"
	exporter_start --as "$as" --rescan 500ms
	grep -q 'BPF unavailable' "$EXP_ERR"
	wait_for 5 scrape_has "^goscope_go_process_info\\{pid=\"$pid\",name=\"hello\""
	scrape_has "^goscope_go_goroutines\\{pid=\"$pid\"\\} [1-9]"
	scrape_lacks "^goscope_go_gc_cycles_total\\{"
	scrape_has '^goscope_exporter_bpf_enabled\{feature="exec_events"\} 0$'
	scrape_has '^goscope_exporter_bpf_enabled\{feature="gc_uprobes"\} 0$'
	# Other users' processes are counted, not shown.
	scrape_has '^goscope_exporter_processes_uninspectable [1-9]'
	exporter_stop
	[ "$EXP_RC" -eq 0 ]

	# --require-bpf turns the missing privilege into exit 3.
	# shellcheck disable=SC2086
	run --separate-stderr setpriv $as "$GOSCOPE" exporter --listen 127.0.0.1:0 --require-bpf
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"BPF unavailable"* ]]
}

# caps_run CAPS: the exporter as nobody with exactly CAPS (comma-separated
# names), watching $TARGET, a gcload run by another user from an execute-only
# copy. Sets CAPS_OUT to "info gc goroutines" for the target, each 1 or 0.
caps_run() {
	local plus as info=0 gc=0 gor=0 m=$SCRATCH/caps.$1
	plus=$(sed 's/\([a-z_]\+\)/+\1/g' <<<"$1")
	as="--reuid=65534 --regid=65534 --clear-groups --inh-caps=-all,$plus --ambient-caps=-all,$plus --bounding-set=-all,$plus"
	exporter_start --as "$as"
	# Long enough for its first GC cycles to be counted.
	sleep 2
	scrape >"$m"
	grep -q "^goscope_go_process_info{pid=\"$TARGET\"" "$m" && info=1
	grep -qE "^goscope_go_gc_cycles_total\\{pid=\"$TARGET\"\\} [1-9]" "$m" && gc=1
	grep -qE "^goscope_go_goroutines\\{pid=\"$TARGET\"\\} [1-9]" "$m" && gor=1
	exporter_stop
	CAPS_OUT="$info $gc $gor"
}

@test "capabilities: exactly $MIN_CAPS is enough, and each one is needed" {
	require_root
	require_cmd setpriv
	make_scratch
	# Another user's Go program, from a file only its owner may read.
	cp "$FIXTURES/gcload" "$SCRATCH/gcx"
	chown 1234:1234 "$SCRATCH/gcx"
	chmod 0711 "$SCRATCH/gcx"
	setpriv --reuid=1234 --regid=1234 --clear-groups "$SCRATCH/gcx" -duration 90s -workers 1 \
		</dev/null >/dev/null 2>&1 3>&- &
	TARGET=$!
	EXTRA_PIDS+=("$TARGET")
	wait_for 10 gs_pid_runs "$TARGET" "$SCRATCH/gcx"

	# The whole set: uprobes, other users' executables, execute-only files, memory reads.
	caps_run "$MIN_CAPS"
	[ "$CAPS_OUT" = "1 1 1" ] || { echo "$MIN_CAPS: $CAPS_OUT"; cat "$EXP_ERR"; return 1; }
	# CAP_BPF + CAP_PERFMON instead of CAP_SYS_ADMIN: events, but since the fix of
	# CVE-2025-38466 the kernel refuses uprobes without CAP_SYS_ADMIN.
	caps_run bpf,perfmon,sys_ptrace,dac_read_search
	[ "$CAPS_OUT" = "1 0 1" ] || [ "$CAPS_OUT" = "1 1 1" ] || { echo "$CAPS_OUT"; return 1; }
	if [ "$CAPS_OUT" = "1 0 1" ]; then
		grep -q 'kernel refused uprobes' "$EXP_ERR"
	fi
	echo "# CAP_BPF+CAP_PERFMON instead of CAP_SYS_ADMIN: info gc goroutines = $CAPS_OUT" >&3
	# No CAP_SYS_ADMIN (nor BPF ones): no BPF at all, the rest works.
	caps_run sys_ptrace,dac_read_search
	[ "$CAPS_OUT" = "1 0 1" ] || { echo "no sys_admin: $CAPS_OUT"; return 1; }
	grep -q 'BPF unavailable' "$EXP_ERR"
	# Without CAP_SYS_PTRACE: another user's process cannot be looked at.
	caps_run sys_admin,dac_read_search
	[ "$CAPS_OUT" = "0 0 0" ] || { echo "no sys_ptrace: $CAPS_OUT"; return 1; }
	# Without CAP_DAC_READ_SEARCH: its execute-only binary cannot be read.
	caps_run sys_admin,sys_ptrace
	[ "$CAPS_OUT" = "0 0 0" ] || { echo "no dac_read_search: $CAPS_OUT"; return 1; }
}

@test "as in the DaemonSet: uid 0 with only $MIN_CAPS, no_new_privs, read-only root, another mount namespace" {
	require_root
	require_cmd setpriv unshare
	local plus caps err=$BATS_TEST_TMPDIR/ns.err m
	make_scratch
	# The target's binary is not visible by path to the exporter (as from a container).
	mkdir "$SCRATCH/hidden"
	chmod 755 "$SCRATCH/hidden"
	cp "$FIXTURES/gcload" "$SCRATCH/hidden/gcx"
	setpriv --reuid=1234 --regid=1234 --clear-groups "$SCRATCH/hidden/gcx" -duration 90s \
		-workers 1 </dev/null >/dev/null 2>&1 3>&- &
	TARGET=$!
	EXTRA_PIDS+=("$TARGET")
	wait_for 10 gs_pid_runs "$TARGET" "$SCRATCH/hidden/gcx"
	plus=$(sed 's/\([a-z_]\+\)/+\1/g' <<<"$MIN_CAPS")
	caps="--inh-caps=-all,$plus --ambient-caps=-all,$plus --bounding-set=-all,$plus"
	# shellcheck disable=SC2016
	unshare -m --propagation private sh -c '
		mount -t tmpfs -o ro none "$1" && mount -o remount,bind,ro / || exit 99
		shift
		exec "$@"' sh "$SCRATCH/hidden" setpriv --no-new-privs $caps -- \
		"$GOSCOPE" exporter --listen 127.0.0.1:0 </dev/null >/dev/null 2>"$err" 3>&- &
	EXP_PID=$!
	EXP_ERR=$err
	wait_for 20 grep -q 'serving http' "$err" || { cat "$err"; return 1; }
	EXP_URL=$(sed -n 's/.*serving \(http:[^ ]*\).*/\1/p' "$err")
	wait_for 5 scrape_has "^goscope_go_gc_cycles_total\\{pid=\"$TARGET\"\\} [1-9]"
	m=$(scrape)
	grep -q "^goscope_go_process_info{pid=\"$TARGET\",name=\"gcx\",exe=\"$SCRATCH/hidden/gcx\"" <<<"$m"
	grep -qE "^goscope_go_goroutines\\{pid=\"$TARGET\"\\} [1-9]" <<<"$m"
	grep -qE "^goscope_go_stw_pause_seconds_count\\{pid=\"$TARGET\"\\} [1-9]" <<<"$m"
	exporter_stop
	[ "$EXP_RC" -eq 0 ]
}
