#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# What goscope probe costs the program it watches (run as root):
#  1. one probe hit (bench/probehit.c: goscope's BPF program on a uprobe);
#  2. throughput of the GC-heavy gcload fixture, unprobed vs probed;
#     2b. the same against a concurrent control: two copies, one per CPU,
#     one probed at a time (PAIRS rounds of CWIN-second windows);
#  3. the stop-the-world time per pause the probes add (the runtime's own
#     MemStats.PauseTotalNs, two pauses per GC cycle);
#  4. goroutine-rate probes (--goroutines): cost per goroutine, from gcload
#     -churn (one goroutine per unit of work).
# Runs alternate unprobed and probed, RUNS times each; medians are printed.
#
#   BUILD=build RUNS=5 SECS=4 PAIRS=8 CWIN=5 bench/probe.sh
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-5}
SECS=${SECS:-4}
G=$BUILD/goscope
FX=${GOSCOPE_FIXTURES:-$BUILD/fixtures}
tmp=$(mktemp -d)
cleanup() {
	local p
	for p in ${CONTROL_PIDS[@]+"${CONTROL_PIDS[@]}"}; do kill -KILL "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

need_root
[ -x "$G" ] && [ -x "$BUILD/bench/probehit" ] ||
	make -s -C "$root" BUILD="$BUILD" "$BUILD/goscope" "$BUILD/bench/probehit" >/dev/null
[ -x "$FX/gcload" ] || { echo "probe.sh: build the fixtures first (make fixtures)" >&2; exit 1; }

# What waitfor shows when it times out.
waitfor_failed() { cat "$tmp/out" "$tmp/perr" >&2 2>/dev/null || true; }

field() { sed -n "s/^done .*\\b$1=\\([0-9]*\\).*/\\1/p" "$2"; }

# one MODE ARGS...: a gcload run of SECS seconds; MODE none | probe | probe-g.
# Prints "units numgc pausens cpuns hits".
one() {
	local mode=$1 pid ppid= hits=0
	shift
	# A fresh file: an old "ready" line would send the signal too early.
	rm -f "$tmp/out" "$tmp/perr"
	"$FX/gcload" -wait -duration "${SECS}s" "$@" >"$tmp/out" 2>&1 &
	pid=$!
	waitfor grep -q '^ready' "$tmp/out"
	case $mode in
	probe) "$G" --json probe -i 0 "$pid" >"$tmp/pj" 2>"$tmp/perr" & ppid=$! ;;
	probe-g) "$G" --json probe -g -i 0 "$pid" >"$tmp/pj" 2>"$tmp/perr" & ppid=$! ;;
	esac
	if [ -n "$ppid" ]; then
		waitfor grep -q probing "$tmp/perr"
	fi
	kill -USR1 "$pid"
	wait "$pid"
	if [ -n "$ppid" ]; then
		wait "$ppid"
		hits=$(jq -r .bpf.hits "$tmp/pj")
	fi
	echo "$(field units "$tmp/out") $(field numgc "$tmp/out") $(field pausens "$tmp/out") $(field cpuns "$tmp/out") $hits"
}

# pairs A B ARGS...: RUNS pairs of runs in random order; files $tmp/A, $tmp/B.
pairs() {
	local a=$1 b=$2 r
	shift 2
	: >"$tmp/$a.$b.0"
	: >"$tmp/$a.$b.1"
	for r in $(seq "$RUNS"); do
		if [ $((RANDOM % 2)) -eq 0 ]; then
			one "$a" "$@" >>"$tmp/$a.$b.0"
			one "$b" "$@" >>"$tmp/$a.$b.1"
		else
			one "$b" "$@" >>"$tmp/$a.$b.1"
			one "$a" "$@" >>"$tmp/$a.$b.0"
		fi
	done
}

# paired_change F0 F1 EXPR: median over pairs of (EXPR(run1) / EXPR(run0) - 1), in %.
paired_change() {
	paste -d' ' "$1" "$2" | awk "{ split(\$0, v, \" \"); a = $3; for (i = 1; i <= 5; i++) v[i] = v[i + 5]; b = $3; if (a > 0) print (b / a - 1) * 100 }" | median
}

echo "== machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), kernel $(uname -r)"
echo "== 1. one probe hit"
"$BUILD/bench/probehit" 200000 | tee "$tmp/hit"
hit=$(sed -n 's/^probehit_ns //p' "$tmp/hit")

echo "== 2-3. gcload, $RUNS pairs of ${SECS}s runs (unprobed, probed; random order)"
pairs none probe
n0=$tmp/none.probe.0
n1=$tmp/none.probe.1
for f in "$n0" "$n1"; do
	printf '  %-8s units/s %6.0f   units per CPU-s %6.0f   GC/s %5.1f   us per pause %6.1f\n' \
		"$([ "$f" = "$n0" ] && echo unprobed || echo probed)" \
		"$(awk -v s="$SECS" '{ print $1 / s }' "$f" | median)" \
		"$(awk '$4 > 0 { print $1 / ($4 / 1e9) }' "$f" | median)" \
		"$(awk -v s="$SECS" '{ print $2 / s }' "$f" | median)" \
		"$(awk '$2 > 0 { print $3 / (2 * $2) / 1000 }' "$f" | median)"
done
printf '  throughput (units per CPU-second), median paired change: %+.2f%%\n' \
	"$(paired_change "$n0" "$n1" 'v[1] / v[4]')"
printf '  throughput (units per wall second), median paired change: %+.2f%%\n' \
	"$(paired_change "$n0" "$n1" 'v[1]')"
printf '  probe hits per GC cycle: %.1f; their cost, %.1f us each, as a share of the CPU time: %.2f%%\n' \
	"$(awk '$2 > 0 { print $5 / $2 }' "$n1" | median)" "$(echo "$hit / 1000" | bc -l)" \
	"$(awk -v h="$hit" '$4 > 0 { print $5 * h / $4 * 100 }' "$n1" | median)"
printf '  stop-the-world time per pause, median paired change: %+.1f us\n' \
	"$(paste -d' ' "$n0" "$n1" | awk '$2 > 0 && $7 > 0 { print ($8 / (2 * $7) - $3 / (2 * $2)) / 1000 }' | median)"

PAIRS=${PAIRS:-8}
CWIN=${CWIN:-5}
echo "== 2b. the same cost against a concurrent control: two gcload, one pinned to each CPU,"
echo "   ${PAIRS} rounds of ${CWIN}s windows: A probed, B probed, neither, neither"
# bench/lib.sh control_pairs says how. Runs one after the other on this
# shared VM vary far more than the effect; this cancels what both CPUs share.
# attach PID [SECS]: goscope probe on PID until interrupted, in the background;
# its pid in OBS (sections 2b and 3b).
attach() {
	rm -f "$tmp/perr"
	"$G" probe -i 0 "$1" >/dev/null 2>"$tmp/perr" &
	OBS=$!
	waitfor grep -q probing "$tmp/perr"
}
control_pairs "$FX/gcload" "$PAIRS" "$CWIN" attach "$tmp"

echo "== 3b. one stop-the-world round trip (ReadMemStats back to back), probes on and off"
# One process throughout; goscope attaches and detaches every WIN seconds,
# and each 100 ms window is classed by whether it lies wholly inside a probed
# span, wholly outside every one (with a margin), or neither.
WIN=${WIN:-2}
"$FX/gcload" stwloop "$((RUNS * (2 * WIN + 3) + 10))s" >"$tmp/stw" &
spid=$!
: >"$tmp/spans"
sleep 1
for r in $(seq "$RUNS"); do
	sleep "$WIN"
	attach "$spid"
	ppid=$OBS
	t0=$(date +%s%N)
	sleep "$WIN"
	t1=$(date +%s%N)
	kill -INT "$ppid"
	wait "$ppid"
	echo "$t0 $t1" >>"$tmp/spans"
done
sleep "$WIN"
kill "$spid"
wait "$spid" || true
awk -v margin=200000000 '
	NR == FNR { s0[NR] = $1; s1[NR] = $2; n = NR; next }
	/^stw / {
		split($2, a, "="); split($3, b, "="); split($4, c, "=")
		t = a[2]; from = t - c[2]; per = c[2] / b[2]
		inside = 0; near = 0
		for (i = 1; i <= n; i++) {
			if (from >= s0[i] && t <= s1[i]) inside = 1
			if (t >= s0[i] - margin && from <= s1[i] + margin) near = 1
		}
		if (inside) print "on", per; else if (!near) print "off", per
	}' "$tmp/spans" "$tmp/stw" >"$tmp/stwclass"
on=$(awk '$1 == "on" { print $2 }' "$tmp/stwclass" | median)
off=$(awk '$1 == "off" { print $2 }' "$tmp/stwclass" | median)
printf '  windows: %d probed, %d unprobed; round trip %.2f us unprobed, %.2f us probed\n' \
	"$(grep -c '^on' "$tmp/stwclass")" "$(grep -c '^off' "$tmp/stwclass")" \
	"$(echo "$off / 1000" | bc -l)" "$(echo "$on / 1000" | bc -l)"
printf '  added per stop-the-world (two probe hits inside it): %.2f us\n' \
	"$(echo "($on - $off) / 1000" | bc -l)"

echo "== 4. goroutine-rate probes, gcload -churn (one goroutine per unit), $RUNS pairs"
pairs probe probe-g -churn
c0=$tmp/probe.probe-g.0
c1=$tmp/probe.probe-g.1
printf '  goroutines per CPU-second: without --goroutines %.0f, with %.0f\n' \
	"$(awk '$4 > 0 { print $1 / ($4 / 1e9) }' "$c0" | median)" \
	"$(awk '$4 > 0 { print $1 / ($4 / 1e9) }' "$c1" | median)"
printf '  CPU time per goroutine (creation + exit), median paired difference: %.1f us\n' \
	"$(paste -d' ' "$c0" "$c1" | awk '$1 > 0 && $6 > 0 { print ($9 / $6 - $4 / $1) / 1000 }' | median)"
