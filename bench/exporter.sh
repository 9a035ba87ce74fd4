#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# goscope exporter with 100 Go processes (run as root):
#   BUILD=build bench/exporter.sh [SCRAPES] [RUNS]
#
# Starts 100 Go processes of 5 binaries (20 each of hello, hello.pie,
# hello.stripped, hello.cgo, and gcload -wait, idle with its collector off),
# then the exporter, and scrapes /metrics SCRAPES times (default 200), one
# every 25 ms so the scrapes spread over several background refreshes, in
# two phases:
#   idle   the 100 processes idle
#   busy   two of the gcload processes released to allocate flat out (their
#          collectors run tens of times a second, both CPUs of the
#          development machine busy), with the uprobes firing
# Per phase it prints:
#   p50, p99, max   scrape latency, client side (curl's time_total: connect to
#                   last byte), in ms
#   server p50 p99  bucket bounds from the exporter's own histogram
#                   (goscope_exporter_scrape_duration_seconds: request to last byte sent)
#   bytes           exposition size; series: lines that are samples
#   rss             the exporter's VmRSS after the phase; hwm its VmHWM (peak)
#   cpu             exporter user+system time during the phase, % of one core
#                   (scrapes, refreshes every second, events from the host)
#   refresh         goscope_exporter_refresh_duration_seconds at the end (ms)
# RUNS (default 2) repeats everything, so the spread shows.
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
GOSCOPE=${GOSCOPE:-$BUILD/goscope}
FIX=${GOSCOPE_FIXTURES:-$BUILD/fixtures}
SCRAPES=${1:-200}
RUNS=${2:-2}
HZ=$(getconf CLK_TCK)
# EXPORTER_NICE=-10: exporter and client at a higher priority, to tell the
# exporter's own latency from time spent waiting for a CPU on a busy machine.
NICE=
[ -n "${EXPORTER_NICE:-}" ] && NICE="nice -n $EXPORTER_NICE"

die() { echo "bench/exporter.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (BPF)"
for f in "$GOSCOPE" "$FIX/hello" "$FIX/hello.pie" "$FIX/hello.stripped" "$FIX/hello.cgo" \
	"$FIX/gcload"; do
	[ -x "$f" ] || die "missing $f (make all fixtures)"
done
command -v curl >/dev/null || die "needs curl"

tmp=$(mktemp -d)
pids=()
gcpids=()
epid=
cleanup() {
	[ -n "$epid" ] && kill -KILL "$epid" 2>/dev/null
	for p in ${pids[@]+"${pids[@]}"}; do kill -KILL "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# percentile P FILE: the P-th percentile of the numbers in FILE (one per line).
percentile() {
	sort -n "$2" | awk -v p="$1" '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		i = int(NR * p / 100 + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR
		print v[i] }'
}

start_procs() {
	local b i
	pids=()
	gcpids=()
	for b in hello hello.pie hello.stripped hello.cgo; do
		for i in $(seq 20); do
			"$FIX/$b" sleep 3600 </dev/null >/dev/null 2>&1 &
			pids+=($!)
		done
	done
	for i in $(seq 20); do
		"$FIX/gcload" -wait -duration 0 -workers 1 </dev/null >/dev/null 2>&1 &
		pids+=($!)
		gcpids+=($!)
	done
	sleep 1	# every runtime up
}

# server_q Q URL: the bucket bound holding quantile Q of the exporter's own histogram.
server_q() {
	curl -sf "$2" | awk -v q="$1" '
		/^goscope_exporter_scrape_duration_seconds_bucket/ {
			match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5)
			n++; les[n] = le; cum[n] = $2 }
		/^goscope_exporter_scrape_duration_seconds_count/ { total = $2 }
		END { for (i = 1; i <= n; i++) if (cum[i] >= total * q) { print "<=" les[i] * 1000 " ms"; exit } }'
}

phase() {
	local name=$1 url=$2 lat=$tmp/lat.$1 t0 t1 i bytes series rss hwm refresh
	: >"$lat"
	t0=$(cpu_ticks "$epid")
	local start end
	start=$(date +%s%N)
	for i in $(seq "$SCRAPES"); do
		$NICE curl -sf -o "$tmp/body" -w '%{time_total}\n' "$url" >>"$lat"
		sleep 0.025
	done
	t1=$(cpu_ticks "$epid")
	end=$(date +%s%N)
	bytes=$(wc -c <"$tmp/body")
	series=$(grep -vc '^#' "$tmp/body")
	rss=$(status_kb "$epid" VmRSS)
	hwm=$(status_kb "$epid" VmHWM)
	refresh=$(awk '$1 == "goscope_exporter_refresh_duration_seconds" { printf "%.2f", $2 * 1000 }' "$tmp/body")
	printf '%-5s p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms  server p50 %s p99 %s  bytes %d  series %d  rss %.1f MB  hwm %.1f MB  cpu %.1f%%  refresh %s ms\n' \
		"$name" \
		"$(awk '{ print $1 * 1000 }' "$lat" | percentile 50 /dev/stdin)" \
		"$(awk '{ print $1 * 1000 }' "$lat" | percentile 99 /dev/stdin)" \
		"$(awk '{ print $1 * 1000 }' "$lat" | percentile 100 /dev/stdin)" \
		"$(server_q 0.5 "$url")" "$(server_q 0.99 "$url")" "$bytes" "$series" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" \
		"$(awk -v k="$hwm" 'BEGIN { print k / 1024 }')" \
		"$(awk -v t="$((t1 - t0))" -v hz="$HZ" -v ns="$((end - start))" 'BEGIN { print t / hz * 1e9 / ns * 100 }')" \
		"$refresh"
}

echo "# $(date -u +%F) $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $SCRAPES scrapes per phase, one every 25 ms; 100 Go processes of 5 binaries${NICE:+; $NICE}"
for run in $(seq "$RUNS"); do
	start_procs
	$NICE "$GOSCOPE" exporter --listen 127.0.0.1:0 2>"$tmp/err" </dev/null &
	epid=$!
	for i in $(seq 100); do grep -q 'serving http' "$tmp/err" && break; sleep 0.1; done
	url=$(sed -n 's/.*serving \(http:[^ ]*\).*/\1/p' "$tmp/err")
	[ -n "$url" ] || { cat "$tmp/err"; die "exporter did not start"; }
	sleep 2
	tracked=$(curl -sf "$url" | awk '$1 == "goscope_exporter_processes_tracked" { print $2 }')
	echo "run $run: exporter tracks $tracked Go processes ($(grep -o 'bpf: [a-z_]*' "$tmp/err"))"
	phase idle "$url"
	kill -USR1 "${gcpids[0]}" "${gcpids[1]}"
	sleep 1
	phase busy "$url"
	kill -TERM "$epid"
	wait "$epid" 2>/dev/null || true
	epid=
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	pids=()
done
