# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034  # the variables are for the sourcing scripts
#
# Shared by every script: where things live, how to talk to the user,
# cleanup on exit, the kernel list (scripts/kernels) and its kernels.
# Source it; it defines no side effects beyond variables and functions.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRIPTS="$ROOT/scripts"
# What a run leaves for the user (results, logs, module builds); another
# directory with SKBFACTORY_BUILD (tests/host/ctrl-c.sh's inner make check).
BUILD_DIR="${SKBFACTORY_BUILD:-$ROOT/build}"
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

# Cleanup: a script that starts background work or makes temporary files
# calls on_exit once and lists them in PGROUPS (process group IDs) and TEMPS
# (paths).  However the script ends (EXIT, INT, TERM) they are killed and
# removed; a signal then ends the script as it would have.  Background jobs
# of a non-interactive bash ignore SIGINT: Ctrl-C alone leaves them running.
PGROUPS=() TEMPS=()
cleanup() {
	local g
	for g in ${PGROUPS[@]+"${PGROUPS[@]}"}; do
		# The job may not have made its group yet: then the process.
		kill -TERM -- "-$g" 2>/dev/null || kill -TERM "$g" 2>/dev/null || true
	done
	[ ${#TEMPS[@]} = 0 ] || rm -rf "${TEMPS[@]}"
	PGROUPS=() TEMPS=()
}
on_exit() {
	trap cleanup EXIT
	trap 'cleanup; trap - INT EXIT; kill -INT $$' INT
	trap 'cleanup; trap - TERM EXIT; kill -TERM $$' TERM
}

# lock FILE: an exclusive flock on FILE, held on fd 9 until this (sub)shell
# ends; FILE holds the holder's PID.  When that process is gone but the lock
# is still held (a child of a killed build, a make, inherited fd 9), the lock
# is stale: it is taken over with a new FILE rather than waited on forever.
lock() {
	local holder said=0
	exec 9>>"$1"
	until flock -n 9; do
		holder=$(cat "$1" 2>/dev/null || true)
		# A dead PID still there a second later (a new holder writes its
		# own at once) is the killed holder's.
		if [ -n "$holder" ] && ! kill -0 "$holder" 2>/dev/null &&
			sleep 1 && [ "$(cat "$1" 2>/dev/null)" = "$holder" ]; then
			say "taking over the stale lock $1 (its holder, PID $holder, is gone)"
			rm -f "$1"
			exec 9>>"$1"
			continue
		elif [ "$said" = 0 ]; then
			say "waiting for ${holder:+PID $holder, which holds }$1"
			said=1
		fi
		sleep 1
	done
	echo "$BASHPID" >"$1"
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

# apt_field PKG FIELD: FIELD of the version of PKG apt would install.
apt_field() {
	apt-cache show --no-all-versions "$1" 2>/dev/null | sed -n "s/^$2: //p"
}

# apt_deps PKG REGEX: what PKG depends on (any alternative), names matching REGEX.
apt_deps() {
	apt_field "$1" Depends | tr ',|' '\n' | awk '{ print $1 }' | grep -E "^($2)\$" || true
}

# stock_debs NAME: the versioned packages that stock kernel NAME's Debian
# metapackages point to today: the image (first), its headers, and what
# those need to build modules (the -common headers, linux-kbuild-*).
stock_debs() {
	local meta p
	for meta in $(kernel_packages "$1"); do
		for p in $(apt_deps "$meta" 'linux-(image|headers)-[0-9].*'); do
			echo "$p"
			case $p in linux-headers-*) apt_deps "$p" 'linux-headers-.*-common|linux-kbuild-.*' ;; esac
		done
	done
}

# fetch_kernel DIR DEB...: apt-get download the packages, dpkg-deb -x them
# into DIR/root (nothing is installed) and make that a kernel to boot and
# to build against; DIR/release names it.
fetch_kernel() {
	local dir=$1 part=$1.part deb l rel
	shift
	rm -rf "$part"
	mkdir -p "$part/debs"
	# shellcheck disable=SC2064 # now: part is local, gone when the trap runs
	trap "rm -rf $(printf %q "$part")" EXIT
	(cd "$part/debs" && apt-get download "$@") >"$part.log" 2>&1 ||
		{ [ "$(id -u)" = 0 ] && apt-get update -qq >>"$part.log" 2>&1 &&
			(cd "$part/debs" && apt-get download "$@") >>"$part.log" 2>&1; } || return 1
	for deb in "$part"/debs/*.deb; do dpkg-deb -x "$deb" "$part/root"; done
	rm -rf "$part/debs" "$part.log"
	# Debian's headers point into /usr/src and /usr/lib/linux-kbuild-*
	# (absolute symlinks, the Makefile's include): point them inside root.
	find "$part/root" -type l -lname '/*' | while IFS= read -r l; do
		ln -sfn "$(realpath -m --relative-to="${l%/*}" "$part/root$(readlink "$l")")" "$l"
	done
	grep -lE '/usr/(src|lib)/linux-' "$part"/root/usr/src/linux-headers-*/Makefile |
		xargs -r sed -i -E "s#/usr/(src|lib)/linux-#$dir/root/usr/\1/linux-#g"
	rel=$(ls "$part/root/lib/modules")
	# The package's postinst would make modules.dep; here depmod does.
	modules_readable "$part/root/lib/modules/$rel"
	depmod -b "$part/root" "$rel"
	echo "$rel" >"$part/release"
	mv "$part" "$dir"
	trap - EXIT
}

# pvh_kernel DIR: DIR/vmlinux, the uncompressed kernel inside DIR/root's
# bzImage (its payload, found by the boot header), which QEMU boots by its
# PVH entry: TCG takes seconds to decompress a bzImage (xz on 6.1).  Empty
# when the kernel has no PVH entry or the payload is not an ELF image.
pvh_kernel() {
	local img setup off len
	img=$1/root/boot/vmlinuz-$(cat "$1/release")
	: >"$1/vmlinux.tmp"
	if grep -qsx CONFIG_PVH=y "$1"/root/boot/config-*; then
		setup=$(od -An -tu1 -j 497 -N1 "$img") off=$(od -An -tu4 -j 584 -N4 "$img")
		len=$(od -An -tu4 -j 588 -N4 "$img")
		# zstd reads xz too; the size the kernel appends makes it complain.
		tail -c +$(((setup + 1) * 512 + off + 1)) "$img" | head -c "$len" |
			zstd -dcq >"$1/vmlinux.tmp" 2>/dev/null || true
		[ "$(head -c 4 "$1/vmlinux.tmp" | tail -c 3)" = ELF ] || : >"$1/vmlinux.tmp"
	fi
	mv "$1/vmlinux.tmp" "$1/vmlinux"
}

# stock_kernel NAME: the cache directory holding stock kernel NAME of
# scripts/kernels unpacked (root/, release): the packages its metapackages
# point to now (stock_debs), fetched once per version into
# $CACHE_DIR/kernels/NAME/VERSION; older versions are then dropped.  When
# apt cannot tell or fetch, the newest cached version, said so.
stock_kernel() {
	local name=$1 top=$CACHE_DIR/kernels/$1 debs=() version='' dir='' old key
	mkdir -p "$top"
	# apt-cache takes a second a call where apt keeps no binary cache (as
	# in Docker images): what it says is kept until apt-get update changes
	# its lists.
	key=$({ kernel_packages "$name" && stat -c '%n %s %Y' /var/lib/apt/lists/*Release; } 2>&1 | sha256sum)
	if [ "$(head -n 1 "$top.apt" 2>/dev/null)" != "$key" ]; then
		mapfile -t debs < <(stock_debs "$name")
		# Image, headers, -common headers, kbuild; fewer: apt does not know them.
		if [ ${#debs[@]} -ge 4 ]; then
			printf '%s\n' "$key" "$(apt_field "${debs[0]}" Version)" "${debs[@]}" >"$top.apt.$$"
			mv -f "$top.apt.$$" "$top.apt"
		fi
	fi
	if [ "$(head -n 1 "$top.apt" 2>/dev/null)" = "$key" ]; then
		{ read -r key && read -r version && mapfile -t debs; } <"$top.apt"
	fi
	if [ -n "$version" ]; then
		dir=$top/$(printf %s "$version" | tr -c 'A-Za-z0-9.+_-' _)
		if [ ! -f "$dir/vmlinux" ] && ! (
			lock "$top.lock"
			if [ ! -f "$dir/release" ]; then
				say "fetching the $name kernel, $version (${debs[*]}), into $dir"
				fetch_kernel "$dir" "${debs[@]}" || exit
				for old in "$top"/*/release; do
					[ "$old" = "$dir/release" ] || rm -rf "${old%/release}"
				done
			fi
			[ -f "$dir/vmlinux" ] || pvh_kernel "$dir"
		); then
			say "fetching the $name kernel failed (log: $dir.part.log)"
			dir=''
		fi
	fi
	if [ -z "$dir" ]; then
		old=$(for old in "$top"/*/release; do [ -f "$old" ] && echo "$old"; done | sort -V | tail -n 1)
		[ -n "$old" ] || die "kernel $name: apt cannot fetch ${debs[*]:-$(kernel_packages "$name" | xargs)} and nothing is cached (apt-get update?)"
		dir=${old%/release}
		say "kernel $name: apt cannot tell or fetch the current packages; using the cached ${dir##*/}"
	fi
	echo "$dir"
}

# resolve_kernel NAME|RELEASE: set KREL (release), KIMAGE (to boot), KBUILD
# (kbuild tree for out-of-tree modules) and KMODS (the directory holding
# lib/modules/$KREL).  A stock kernel is unpacked in the cache
# (stock_kernel), never installed; RELEASE names one cached there.  "debug"
# (the source kind) runs scripts/debug-kernel.sh.
resolve_kernel() {
	local name=${1:-$(default_kernel)} line dir=''
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
	stock) dir=$(stock_kernel "$name") || exit 1 ;;
	*)
		dir=$(grep -lxF -- "$name" "$CACHE_DIR"/kernels/*/*/release 2>/dev/null | head -n 1) || true
		[ -n "$dir" ] || die "unknown kernel '$name': use one of $(kernel_names | xargs) or a release in $CACHE_DIR/kernels"
		dir=${dir%/release}
		;;
	esac
	if [ -n "$dir" ]; then
		KREL=$(cat "$dir/release")
		KIMAGE=$dir/vmlinux
		[ -s "$KIMAGE" ] || KIMAGE=$dir/root/boot/vmlinuz-$KREL
		KBUILD=$dir/root/usr/src/linux-headers-$KREL
		KMODS=$dir/root
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
# of the sources that only changes when a file's content does; make runs
# only when they, the kernel or the arguments changed.  Sets KO_DIR and
# KO_FILES (the .ko built).  SKBFACTORY_SRC overrides the source directory
# (default: the repository); another tree builds in build/ko/$KREL-<hash>,
# so two trees in use do not rebuild each other's.
build_module() {
	local kbuild=$1 krel=$2 src=${SKBFACTORY_SRC:-$ROOT} log stamp
	shift 2
	KO_DIR=$BUILD_DIR/ko/$krel
	[ "$src" = "$ROOT" ] || KO_DIR=$KO_DIR-$(printf %s "$src" | sha256sum | cut -c1-8)
	KO_FILES=()
	mkdir -p "$KO_DIR"
	ls "$src"/*.c >/dev/null 2>&1 || die "no module sources (*.c) in $src"
	log=$KO_DIR/build.log
	(
		# One build per kernel at a time; the lock is held until make ends.
		lock "$KO_DIR.lock"
		rsync -rc --delete --exclude='*.mod.c' --include='*.[ch]' \
			--include=Kbuild --exclude='*' "$src/" "$KO_DIR/"
		# A kbuild with nothing to do still takes seconds.
		stamp=$({ cat "$src"/*.[ch] "$src"/Kbuild && echo "$kbuild $*" &&
			stat -c %Y "$kbuild/Module.symvers"; } 2>&1 | sha256sum)
		[ ! -f "$KO_DIR/modules.order" ] || [ "$(cat "$KO_DIR/.stamp" 2>/dev/null)" != "$stamp" ] || exit 0
		rm -f "$KO_DIR/.stamp"
		# make run's own variables must not leak into kbuild.
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
			make -C "$kbuild" M="$KO_DIR" -j"$(nproc)" "$@" modules >"$log" 2>&1 ||
			{ cat "$log" >&2; exit 1; }
		echo "$stamp" >"$KO_DIR/.stamp"
	) || die "building skbfactory for $krel failed (log: $log)"
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

# The suffixes a kernel module file may have: the kernel's config decides
# (CONFIG_MODULE_COMPRESS_XZ, _ZSTD, _GZIP; Debian's 6.12 compresses with
# xz, DKMS then leaves skbfactory.ko.xz).  ko_find and ko_cat know them all.
KO_SUFFIXES=".ko .ko.xz .ko.zst .ko.gz"

# ko_find DIR NAME: the path of module NAME in DIR, whichever suffix it has
# (NAME.ko, NAME.ko.xz, ...); 1 when there is none.
ko_find() {
	local s
	for s in $KO_SUFFIXES; do
		[ ! -f "$1/$2$s" ] || { echo "$1/$2$s" && return 0; }
	done
	return 1
}

# ko_cat FILE: a module file's ELF image on stdout, decompressed by its
# suffix.
ko_cat() {
	case $1 in
	*.ko.xz) xz -dc -- "$1" ;;
	*.ko.zst) zstd -qdc -- "$1" ;;
	*.ko.gz) gzip -dc -- "$1" ;;
	*.ko) cat -- "$1" ;;
	*) die "ko_cat: $1 is not a module file (${KO_SUFFIXES// /, })" ;;
	esac
}

# kmod_reads SUFFIX: this machine's kmod (depmod, modprobe, modinfo) reads
# modules compressed as SUFFIX (.ko, .ko.xz, .ko.zst, .ko.gz): its build
# decides (bookworm's kmod 30: xz and zstd, no zlib).
kmod_reads() {
	local lib
	case $1 in
	.ko) return 0 ;;
	.ko.xz) lib=XZ ;;
	.ko.zst) lib=ZSTD ;;
	.ko.gz) lib=ZLIB ;;
	*) return 1 ;;
	esac
	kmod --version | grep -qw "+$lib"
}

# modules_readable DIR: the modules under DIR that kmod cannot read (see
# kmod_reads) decompressed in place to NAME.ko, so that depmod lists them.
modules_readable() {
	local s f
	for s in $KO_SUFFIXES; do
		kmod_reads "$s" && continue
		find "$1" -name "*$s" -print0 | while IFS= read -r -d '' f; do
			ko_cat "$f" >"${f%"$s"}.ko" && rm -f "$f"
		done
	done
}

# module_paths KMODS KREL NAME...: kmod's list of the modules NAME and all
# they depend on (modprobe --show-depends, from KMODS/lib/modules/KREL's
# modules.dep): a line each, the path relative to that directory, whatever
# its suffix, or "builtin NAME" for one built in.
module_paths() {
	local root=$1 rel=$2
	shift 2
	modprobe -C /dev/null -d "$root" -S "$rel" --show-depends -a "$@" |
		sed -e "s#^insmod $root/lib/modules/$rel/\([^ ]*\).*#\1#"
}

# modules_stage KMODS KREL DEST PATH...: the modules at PATH (as
# module_paths gives them) and the lists depmod needs, from KMODS into
# DEST/lib/modules/KREL, each decompressed to NAME.ko: the guest's busybox
# modprobe and depmod need not read the kernel's compression.
modules_stage() {
	local from=$1/lib/modules/$2 to=$3/lib/modules/$2 p
	shift 3
	mkdir -p "$to"
	cp "$from/modules.builtin" "$from/modules.order" "$to/"
	for p in "$@"; do
		mkdir -p "$to/$(dirname "$p")"
		ko_cat "$from/$p" >"$to/${p%.ko*}.ko" || return
	done
}

# qemu_monitor SOCK COMMAND...: each HMP COMMAND to the QEMU monitor on the
# unix socket SOCK (QEMU's -monitor unix:SOCK,server=on,wait=off), a second
# apart; quiet, and false when no monitor answers.
qemu_monitor() {
	python3 - "$@" <<'EOF' 2>/dev/null
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
for command in sys.argv[2:]:
    s.sendall(command.encode() + b"\n")
    time.sleep(1)
EOF
}

# bytes FILE...: the sum of FILEs' sizes (0 for one that is missing).
bytes() {
	stat -c %s "$@" 2>/dev/null | awk '{ n += $1 } END { print n + 0 }'
}

# watch_qemu PID STALL SOCK FILE...: wait for QEMU, PID (the leader of its
# own process group: QEMU, or what starts it), while it makes progress:
# while one of FILEs (its console, the job's output) grows.  The clock
# runs once QEMU has made its monitor socket SOCK (kunit.py builds a
# kernel first).  A guest slow to print is no stall; one silent for STALL
# seconds is (0: never): then the guest's state goes
# into its console first (SysRq w: blocked tasks, l: every CPU's
# backtrace, t: every task, through QEMU's monitor at SOCK; the guest's
# kernel needs sysrq_always_enabled), for up to 60 s while the dump grows,
# and QEMU is stopped.  A kernel that reports its own stall or lockup
# goes on printing those reports while nothing else moves (an RCU stall
# repeats every minute): from its first report on, only the other FILEs
# (the job's output) and the heartbeats of scripts/guest/init count, for
# 20 s only when the report shows a CPU on an int3 of patched text.  Sets
# STALLED (0 or 1), STALL_KREPORT (1 when the kernel had reported a stall)
# and STALL_DUMP (the bytes the console got after the SysRq keys: 0 when
# the guest's kernel did not answer); returns QEMU's exit status.
STALL_KPAT='detected (expedited )?stalls?|soft lockup|hard LOCKUP|blocked for more than|workqueue lockup'
watch_qemu() {
	local pid=$1 stall=$2 sock=$3 console=$4 size last=-1 since=$SECONDS quiet rc=0
	local seen=0 now progress wait=$2
	shift 3
	STALLED=0 STALL_DUMP=0 STALL_KREPORT=0
	while kill -0 "$pid" 2>/dev/null; do
		size=$(bytes "$@")
		if [ "$STALL_KREPORT" = 0 ] && [ "$size" != "$last" ]; then
			now=$(bytes "$console")
			! tail -c +$((seen + 1)) "$console" 2>/dev/null | grep -qE "$STALL_KPAT" ||
				STALL_KREPORT=1
			# A report the last read cut in two is read whole next time.
			seen=$((now > 256 ? now - 256 : 0))
		fi
		progress=$size
		[ "$STALL_KREPORT" = 0 ] ||
			progress="$(bytes "${@:2}") $(grep -c 'SKBFACTORY-VM: alive' "$console" || true)"
		# A stall report of a CPU taking the int3 of text the kernel patched
		# (QEMU's TCG running it stale; tests/integration.sh boots such a
		# VM again) ends no sooner for waiting: 20 s of no progress do.
		if [ "$STALL_KREPORT" = 1 ] && [ "$wait" = "$stall" ] && grep -qa 'asm_exc_int3' "$console" &&
			grep -qaE 'text_poke_bp|smp_text_poke' "$console"; then
			wait=$((stall < 20 ? stall : 20))
		fi
		if [ "$progress" != "$last" ] || [ ! -S "$sock" ]; then
			last=$progress since=$SECONDS
		elif [ "$wait" -gt 0 ] && [ $((SECONDS - since)) -ge "$wait" ]; then
			STALLED=1 last=$size STALL_DUMP=$size
			qemu_monitor "$sock" "sendkey alt-sysrq-w" "sendkey alt-sysrq-l" "sendkey alt-sysrq-t" || true
			# The dump is over when the console has been quiet for 5 s.
			quiet=0
			while [ "$quiet" -lt 5 ] && [ $((SECONDS - since - wait)) -lt 60 ]; do
				sleep 1
				size=$(bytes "$@")
				if [ "$size" = "$last" ]; then quiet=$((quiet + 1)); else quiet=0 last=$size; fi
			done
			STALL_DUMP=$((last - STALL_DUMP))
			kill -TERM -- "-$pid" 2>/dev/null || true
			break
		fi
		sleep 2
	done
	wait "$pid" || rc=$?
	return "$rc"
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
