#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deps.sh [GROUP...]: install the Debian packages the scripts need, only the
# missing ones: tools, never a kernel image or headers (the stock kernels are
# unpacked into the cache by lib.sh's stock_kernel).  Groups: vm (build the
# module, boot the test VM), check (sparse, shellcheck, python3, perl, dkms,
# binutils for objdump, gnuplot for the compare check's bench report), bench
# (gnuplot, python3), debug (build the debug kernel from linux-source), all
# (the default).  Quick when everything is there: one dpkg-query, no
# apt-get.  Not root: prints the apt-get line and fails.

set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

# packages GROUP: the packages of one group, one a line.
packages() {
	case $1 in
	vm)
		# libelf1 and libssl3: what Debian's kbuild tools (linux-kbuild-*) run on;
		# libc6-dev: the static libc of the fuzz's writer (tests/fuzz/fuzz.c).
		echo qemu-system-x86 busybox-static kmod xz-utils zstd cpio make gcc libc6-dev rsync \
			python3 libelf1 libssl3
		;;
	check) echo sparse shellcheck python3 perl dkms binutils gnuplot-nox ;;
	bench) echo gnuplot-nox python3 ;;
	debug)
		echo make gcc bc bison flex libelf-dev libssl-dev dwarves rsync kmod xz-utils cpio python3
		for k in $(kernel_names source); do kernel_packages "$k"; done
		;;
	all) for g in vm check bench debug; do packages "$g"; done ;;
	*) die "deps.sh: unknown group '$1' (vm, check, bench, debug, all)" ;;
	esac
}

want=$(for g in "${@:-all}"; do packages "$g"; done | tr ' ' '\n' | sed '/^$/d' | sort -u)
# shellcheck disable=SC2086 # one word a package
missing=$(dpkg-query -W -f='${db:Status-Status} ${Package}\n' $want 2>/dev/null |
	awk '$1 == "installed" { print $2 }' | sort | comm -13 - <(echo "$want"))
[ -n "$missing" ] || exit 0

missing=$(echo "$missing" | xargs)
if [ "$(id -u)" != 0 ]; then
	echo "skbfactory: missing packages; install them with:" >&2
	echo "  sudo apt-get install --no-install-recommends $missing" >&2
	exit 1
fi
say "installing $missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# shellcheck disable=SC2086 # one word a package
apt-get install -y -qq --no-install-recommends $missing >&2
