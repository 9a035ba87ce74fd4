#!/usr/bin/env bash
# Agentless stats benchmark (issue 11 §6): `goscope stats --agentless PID`
# on the largest corpus binary (buf 1.75.0, 47 MB, stripped: every global
# from its code, offsets from the table) running `buf lsp serve`, warm page
# cache; then the same steps inside one process (bench/statscost.c: the
# per-binary layout, attach, one sample), and the two fixtures that take
# the other paths (.symtab + DWARF; stripped, small). Prints figures; never
# passes or fails. The machine may be shared: statscost's CPU times say
# what the work costs when wall times are inflated by other load.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
CORPUS=${GOSCOPE_CORPUS:-/var/cache/goscope/corpus}
MATRIX=${GOSCOPE_MATRIX:-$BUILD/matrix}
RUNS=${RUNS:-21}
B=$BUILD/bench
tmp=$(mktemp -d)
pids=()
cleanup() {
	exec 8>&- 2>/dev/null || true
	kill "${pids[@]}" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

bin=$CORPUS/buf-1.75.0/buf
[ -x "$bin" ] || { echo "stats bench: $bin missing (tools/fetch-corpus.sh)" >&2; exit 1; }
mkfifo "$tmp/in"
"$bin" lsp serve <"$tmp/in" >/dev/null 2>&1 &
pids+=($!)
exec 8>"$tmp/in"
sleep 1
pid=${pids[0]}
cat "$bin" >/dev/null	# warm page cache
"$BUILD/goscope" stats --agentless "$pid" >/dev/null
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "goscope stats --agentless (buf, $(du -m "$bin" | cut -f1) MB): $($B/timeit "$RUNS" "$BUILD/goscope" stats --agentless "$pid")"
echo "statscost buf:       $($B/statscost "$pid" "$RUNS" | tail -n 1)"
for f in selfstat selfstat.stripped; do
	p=$MATRIX/1.27/$f
	[ -x "$p" ] || continue
	"$p" >/dev/null &
	pids+=($!)
	sleep 0.3
	echo "statscost 1.27/$f: $($B/statscost "$!" "$RUNS" | tail -n 1)"
done
