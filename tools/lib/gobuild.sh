# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# What the fixture builders share (tools/build-fixtures.sh, build-matrix.sh,
# build-stackdemo.sh, tests/tools/build-cpuburn.sh): an offline Go
# environment, the staleness rule, one `go build` through a temporary name,
# build info removed for good, and the loop over the cached toolchains.
# Sourced; the caller defines die MESSAGE (prints and exits 1).

# gs_go_offline [GOFLAGS]: never touch the network, never pick up a go.work
# from above or a target from the caller's environment. GOFLAGS stays empty
# unless given (Go 1.15 rejects -buildvcs). Keeps the default build cache;
# only without a home does go need to be told where it is.
gs_go_offline() {
	export GOPROXY=off GOSUMDB=off GO111MODULE=on GOWORK=off GOTOOLCHAIN=local
	export GOFLAGS=${1:-}
	unset GOOS GOARCH GOARM GO386 GOAMD64 GOEXPERIMENT 2>/dev/null || true
	if [ -z "${GOCACHE:-}" ] && [ -z "${HOME:-}" ] && [ -z "${XDG_CACHE_HOME:-}" ]; then
		export GOCACHE=${TMPDIR:-/tmp}/goscope-go-build
	fi
}

# gs_stale TARGET SRC...: true when TARGET is missing or older than any SRC.
gs_stale() {
	local t=$1 s
	shift
	[ -e "$t" ] || return 0
	for s in "$@"; do
		[ "$s" -nt "$t" ] && return 0
	done
	return 1
}

# gs_say TAG NAME: the quiet line of one target.
gs_say() { printf '  %-8s %s\n' "$1" "$2"; }

# gs_vcs_off V: -buildvcs=false for release line V when it knows the flag (1.18+).
gs_vcs_off() {
	case $1 in 1.1[0-7]) ;; *) echo -buildvcs=false ;; esac
}

# gs_go_build NAME [VAR=VAL...] -- ARGS...: unless GS_OUT/NAME is newer
# than every file in GS_DEPS (a list split on white space), run
# `GS_GO build -o GS_OUT/NAME ARGS...` in GS_SRC with the VARs set (and
# GOROOT=GS_GOROOT when set), through a temporary name. The quiet line
# names GS_SHOW followed by NAME.
gs_go_build() {
	local name=$1 envs=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	[ -n "${GS_GOROOT:-}" ] && envs+=("GOROOT=$GS_GOROOT")
	# shellcheck disable=SC2086
	gs_stale "$GS_OUT/$name" $GS_DEPS || return 0
	gs_say GO "${GS_SHOW:-}$name"
	(cd "$GS_SRC" && env "${envs[@]}" "$GS_GO" build -o "$GS_OUT/$name.tmp" "$@") ||
		die "go build of ${GS_SHOW:-}$name failed"
	mv -f "$GS_OUT/$name.tmp" "$GS_OUT/$name"
}

# The build info magic, as Go's linker writes it at the start of .go.buildinfo.
gs_magic_offsets() { LC_ALL=C grep -obUaP '\xff Go buildinf:' "$1" | cut -d: -f1 || true; }

# gs_no_buildinfo IN OUT: IN without any build info. objcopy drops the
# sections, but the bytes may survive inside the loadable segment, so every
# copy of the magic is zeroed too.
gs_no_buildinfo() {
	local tmp=$2.tmp off
	objcopy --remove-section .go.buildinfo --remove-section .note.go.buildid \
		"$1" "$tmp" || die "objcopy failed on $1"
	for off in $(gs_magic_offsets "$tmp"); do
		dd if=/dev/zero of="$tmp" bs=1 seek="$off" count=14 conv=notrunc \
			status=none || die "cannot zero build info magic in $tmp"
	done
	[ -z "$(gs_magic_offsets "$tmp")" ] || die "build info magic survived in $tmp"
	chmod 0755 "$tmp"
	mv -f "$tmp" "$2"
}

# gs_copy_version CACHE V DIR: the toolchain's exact version into DIR/VERSION.
gs_copy_version() {
	if ! cmp -s "$1/$2/VERSION" "$3/VERSION" 2>/dev/null; then
		cp "$1/$2/VERSION" "$3/VERSION.tmp" && mv -f "$3/VERSION.tmp" "$3/VERSION"
	fi
}

# gs_each_toolchain CACHE JOBS FUNC V...: FUNC V in the background for each
# release line V whose toolchain is in CACHE (CACHE/V/goroot/bin/go and
# CACHE/V/VERSION), JOBS at a time. The lines without one are left in the
# array GS_MISSING. Fails when a FUNC failed.
gs_each_toolchain() {
	local cache=$1 jobs=$2 fn=$3 v p rc=0 pids=()
	shift 3
	GS_MISSING=()
	for v in "$@"; do
		if [ ! -x "$cache/$v/goroot/bin/go" ] || [ ! -s "$cache/$v/VERSION" ]; then
			GS_MISSING+=("$v")
			continue
		fi
		while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
			wait -n || rc=1
		done
		"$fn" "$v" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p" || rc=1
	done
	return $rc
}
