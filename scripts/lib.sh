# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034  # the variables are for the sourcing scripts
#
# Shared by every script: where things live, how to talk to the user, and
# the kernel list (scripts/kernels).  Source it; it defines no side effects
# beyond variables and functions.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRIPTS="$ROOT/scripts"
BUILD_DIR="$ROOT/build"
# Big, slow things (the debug kernel, the KVM verdict) live outside the work
# tree so a fresh clone on the same machine reuses them.
CACHE_DIR="${SKBFACTORY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/skbfactory}"

# say MESSAGE...: progress for the person at the terminal, on stderr.
say() {
	printf '==> %s\n' "$*" >&2
}

# die MESSAGE...: one clear line, then exit 1.
die() {
	printf 'skbfactory: %s\n' "$*" >&2
	exit 1
}

# kernel_names [KIND]: the names in scripts/kernels, optionally of one kind.
kernel_names() {
	awk -v kind="${1:-}" '!/^#/ && NF >= 3 && (kind == "" || $2 == kind) { print $1 }' \
		"$SCRIPTS/kernels"
}

# kernel_kind NAME: "stock" or "source", empty when NAME is not listed.
kernel_kind() {
	awk -v name="$1" '!/^#/ && $1 == name { print $2 }' "$SCRIPTS/kernels"
}

# kernel_packages [NAME]: the Debian packages of one kernel, or of all.
kernel_packages() {
	awk -v name="${1:-}" '!/^#/ && NF >= 3 && (name == "" || $1 == name) {
		for (i = 3; i <= NF; i++) print $i }' "$SCRIPTS/kernels"
}

# default_kernel: the kernel used when none is named, $KVER or the first
# stock kernel of scripts/kernels.
default_kernel() {
	if [ -n "${KVER:-}" ]; then
		echo "$KVER"
	else
		kernel_names stock | head -n 1
	fi
}

# stock_release NAME: the newest installed release of stock kernel NAME
# (6.1 matches 6.1.0-56-amd64, never 6.12.x), one with headers.
stock_release() {
	local img rel
	for img in /boot/vmlinuz-"$1".* /boot/vmlinuz-"$1"-*; do
		[ -e "$img" ] || continue
		rel=${img#/boot/vmlinuz-}
		[ -d "/lib/modules/$rel/build" ] && echo "$rel"
	done | sort -V | tail -n 1
}

# resolve_kernel NAME|RELEASE: set KREL (release), KIMAGE (bzImage), KBUILD
# (kbuild tree for out-of-tree modules) and KMODS (the directory holding
# lib/modules/$KREL).  "debug" (the source kind) runs scripts/debug-kernel.sh.
resolve_kernel() {
	local name=${1:-$(default_kernel)} line
	KREL='' KIMAGE='' KBUILD='' KMODS=''
	case $(kernel_kind "$name") in
	source)
		[ -x "$SCRIPTS/debug-kernel.sh" ] || die "kernel $name: $SCRIPTS/debug-kernel.sh is missing"
		while IFS= read -r line; do
			case $line in
			KREL=*) KREL=${line#KREL=} ;;
			KIMAGE=*) KIMAGE=${line#KIMAGE=} ;;
			KBUILD=*) KBUILD=${line#KBUILD=} ;;
			KMODS=*) KMODS=${line#KMODS=} ;;
			esac
		done < <("$SCRIPTS/debug-kernel.sh") || die "kernel $name: debug-kernel.sh failed"
		;;
	stock)
		KREL=$(stock_release "$name")
		[ -n "$KREL" ] || die "kernel $name: no /boot/vmlinuz-$name.* with headers; run scripts/deps.sh"
		;;
	*)
		# An explicit release string of an installed kernel.
		[ -e "/boot/vmlinuz-$name" ] ||
			die "unknown kernel '$name': use one of $(kernel_names | xargs) or an installed release"
		KREL=$name
		;;
	esac
	if [ -z "$KIMAGE" ]; then
		KIMAGE=/boot/vmlinuz-$KREL
		KBUILD=/lib/modules/$KREL/build
		KMODS=/
	fi
	[ -n "$KREL" ] || die "kernel $name: debug-kernel.sh gave no KREL"
	[ -r "$KIMAGE" ] || die "kernel $name: no readable image $KIMAGE"
	[ -f "$KBUILD/Makefile" ] || die "kernel $name: no kbuild tree at $KBUILD"
	[ -f "$KMODS/lib/modules/$KREL/modules.dep" ] ||
		die "kernel $name: no $KMODS/lib/modules/$KREL/modules.dep"
}

# kconfig KBUILD SYMBOL: the value of CONFIG_SYMBOL (y, m, a string) or
# nothing when it is not set.
kconfig() {
	sed -n "s/^CONFIG_$2=//p" "$1/.config" 2>/dev/null | tr -d '"'
}

# build_module KBUILD KREL [MAKE ARGS...]: build skbfactory.ko (and
# skbfactory_kunit.ko where the kernel has KUnit) in build/ko/$KREL, a copy
# of the sources that only changes when a file's content does, so make does
# nothing when nothing changed.  Sets KO_DIR and KO_FILES (the .ko built).
# SKBFACTORY_SRC overrides the source directory (default: the repository).
build_module() {
	local kbuild=$1 krel=$2 src=${SKBFACTORY_SRC:-$ROOT} log
	shift 2
	KO_DIR=$BUILD_DIR/ko/$krel
	KO_FILES=()
	mkdir -p "$KO_DIR"
	ls "$src"/*.c >/dev/null 2>&1 || die "no module sources (*.c) in $src"
	log=$KO_DIR/build.log
	(
		# One build per kernel at a time; the lock is held until make ends.
		flock 9
		rsync -rc --delete --exclude='*.mod.c' --include='*.[ch]' \
			--include=Kbuild --exclude='*' "$src/" "$KO_DIR/"
		# make run's own variables must not leak into kbuild.
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
			make -C "$kbuild" M="$KO_DIR" -j"$(nproc)" "$@" modules >"$log" 2>&1 ||
			{ cat "$log" >&2; exit 1; }
	) 9>"$KO_DIR.lock" || die "building skbfactory for $krel failed (log: $log)"
	# Compiler output (warnings) is worth seeing; make's chatter is not.
	grep -Ev '^make(\[[0-9]+\])?: |^  [A-Z]+ |^Skipping BTF|^$' "$log" >&2 || true
	local m
	while IFS= read -r m; do
		m=${m%.o}
		m=${m%.ko}.ko
		[ -f "$KO_DIR/${m##*/}" ] && KO_FILES+=("$KO_DIR/${m##*/}")
	done <"$KO_DIR/modules.order"
	[ ${#KO_FILES[@]} -gt 0 ] || die "building skbfactory for $krel made no module"
}

# host_key: names this machine, its kernel and its QEMU, for caches that
# hold only as long as those stay the same (the KVM verdict).
host_key() {
	{
		cat /etc/machine-id 2>/dev/null
		uname -r
		qemu-system-x86_64 --version 2>/dev/null | head -n 1
	} | sha256sum | cut -c1-16
}
