#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Install the Debian packages goscope needs, and only the missing ones.
#   tools/deps.sh build    compilers and libraries for `make`
#   tools/deps.sh test     the above plus what `make test` needs
# Silent when everything is there. As root it runs apt-get (with one
# `apt-get update` first, only when something is missing); otherwise it
# prints the exact command to run and exits 1.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

build_pkgs=(make gcc clang llvm pkg-config libbpf-dev libelf-dev zlib1g-dev
	libjansson-dev libcapstone-dev
	libmicrohttpd-dev	# the exporter's HTTP server
	protobuf-c-compiler libprotobuf-c-dev	# pprof files: profile.proto compiled at build time
	scdoc)		# the man page: docs/goscope.1.scd turned into roff at build time
test_pkgs=(golang-go bats libcmocka-dev npm binutils util-linux iproute2
	procps file jq libclang-rt-dev valgrind curl
	python3		# fake gops agents in tests/e2e/agent.bats
	zsh fish	# the completion scripts are parsed and run by their shells (cli.bats)
	prometheus)	# promtool and the server for the exporter/audit tests (~19 MB, 96 MB installed)

case "${1:-}" in
build) want=("${build_pkgs[@]}") ;;
test) want=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
*)
	echo "usage: $0 build|test" >&2
	exit 2
	;;
esac

# A tool that is already on PATH counts, whoever installed it: npm, for one,
# often comes inside a nodejs package from elsewhere that conflicts with
# Debian's npm. Libraries count only when dpkg has them.
declare -A provides=([make]=make [gcc]=gcc [clang]=clang [llvm]=llvm-strip
	[pkg-config]=pkg-config [golang-go]=go [bats]=bats [npm]=npm
	[binutils]=objcopy [file]=file [prometheus]=promtool)

installed() {
	[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" = "ii " ] && return 0
	[ -n "${provides[$1]:-}" ] && command -v "${provides[$1]}" >/dev/null 2>&1
}

has_candidate() {
	local c
	c=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: *//p')
	[ -n "$c" ] && [ "$c" != "(none)" ]
}

# bpftool is its own package on Debian; on Ubuntu it lives in linux-tools-*,
# whose /usr/sbin/bpftool is a wrapper that only works with the package for
# the running kernel. What counts is a bpftool that runs.
bpftool_works() {
	local b
	for b in bpftool /usr/sbin/bpftool; do
		"$b" version >/dev/null 2>&1 && return 0
	done
	return 1
}

bpftool_pkgs() {
	local p found=()
	if has_candidate bpftool; then
		echo bpftool
		return
	fi
	for p in linux-tools-common "linux-tools-$(uname -r)"; do
		has_candidate "$p" && found+=("$p")
	done
	if [ ${#found[@]} -eq 0 ]; then
		# Leave the name apt will explain best.
		echo bpftool
		return
	fi
	echo "${found[@]}"
}

missing=()
for p in "${want[@]}"; do
	installed "$p" || missing+=("$p")
done
need_bpftool=0
bpftool_works || need_bpftool=1

[ ${#missing[@]} -eq 0 ] && [ $need_bpftool -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	if [ $need_bpftool -eq 1 ]; then
		read -ra extra <<<"$(bpftool_pkgs)"
		missing+=("${extra[@]}")
	fi
	echo "goscope: missing packages; as root, run:" >&2
	echo "sudo apt-get install -y ${missing[*]}"
	exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
apt_fail() {
	cat "$log" >&2
	echo "goscope: $* failed" >&2
	exit 1
}

apt-get update >"$log" 2>&1 || apt_fail "apt-get update"
if [ $need_bpftool -eq 1 ]; then
	read -ra extra <<<"$(bpftool_pkgs)"
	missing+=("${extra[@]}")
fi
printf '  %-8s %s\n' APT "${missing[*]}" >&2
apt-get install -y "${missing[@]}" >"$log" 2>&1 ||
	apt_fail "apt-get install -y ${missing[*]}"
if [ $need_bpftool -eq 1 ] && ! bpftool_works; then
	echo "goscope: bpftool does not run after installing ${extra[*]}" >&2
	exit 1
fi
