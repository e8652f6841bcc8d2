#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms-check.sh (make dkms): does dkms.conf build?  `dkms build` for every
# stock kernel of scripts/kernels, against its headers unpacked in the
# cache, in a DKMS tree of its own (--dkmstree, --sourcetree,
# --installtree) that is removed at the end: this machine's DKMS state,
# /lib/modules and kernel stay untouched; nothing is installed or loaded.
# One line per kernel, "ok - ..." or "not ok - ..." and the log's tail;
# exits 1 when a build failed.  SKBFACTORY_SRC: the sources (default: the
# repository; its dkms.conf when they have none).

set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

src=${SKBFACTORY_SRC:-$ROOT}
conf=$src/dkms.conf
[ -f "$conf" ] || conf=$ROOT/dkms.conf
command -v dkms >/dev/null || die "no dkms: run scripts/deps.sh check"
version=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$conf")
# make check's make flags must not reach kbuild.
unset MAKEFLAGS MFLAGS MAKELEVEL
on_exit
tmp=$(mktemp -d) && TEMPS+=("$tmp")
mkdir -p "$tmp/src/skbfactory-$version" "$tmp/tree" "$tmp/install"
rsync -r --include='*.[ch]' --include=Kbuild --include=Makefile --exclude='*' \
	"$src/" "$tmp/src/skbfactory-$version/"
cp "$conf" "$tmp/src/skbfactory-$version/"
dkms=(dkms --dkmstree "$tmp/tree" --sourcetree "$tmp/src" --installtree "$tmp/install")
# dkms's own temporary files here too; and no module signing, for which
# dkms would make a key in /var/lib/dkms if it found a sign-file.
export TMPDIR=$tmp sign_file=/nonexistent
"${dkms[@]}" add -m skbfactory -v "$version" >"$tmp/add.log" 2>&1 ||
	{ cat "$tmp/add.log" >&2; die "dkms add failed"; }
# DKMS compresses the module it builds as the kernel's own modules are,
# which it reads in /lib/modules/KREL/modules.dep: where the kernel is
# installed, 6.12's are .ko.xz and so is skbfactory's.  So that it does the
# same here, it runs in a mount namespace of its own, where an overlay on
# /lib (the directory it is) adds modules/KREL for each cached kernel; this
# machine's /lib/modules stays untouched, and need not even exist.
# Without the privilege for that, DKMS sees no such kernel and leaves .ko.
lib=$(realpath /lib)
mkdir -p "$tmp/lib/up/modules" "$tmp/lib/work"
ns=()
if unshare --mount true 2>/dev/null; then
	# shellcheck disable=SC2016 # the inner shell expands them
	ns=(unshare --mount --propagation private bash -c \
		'mount -t overlay overlay -o "lowerdir=$1,upperdir=$2/up,workdir=$2/work" "$1" && shift 2 && exec "$@"'
		_ "$lib" "$tmp/lib")
else
	echo "# no mount namespace here (not root?): DKMS does not see the kernels' compression"
fi
failed=0
for k in $(kernel_names stock); do
	resolve_kernel "$k"
	ln -sfn "$KMODS/lib/modules/$KREL" "$tmp/lib/up/modules/$KREL"
	# What the kernel's own modules are: what DKMS should make of ours.
	want=.ko
	for s in $KO_SUFFIXES; do
		[ ${#ns[@]} = 0 ] || ! grep -q "^[^:]*$s:" "$KMODS/lib/modules/$KREL/modules.dep" || want=$s
	done
	mod=$tmp/tree/skbfactory/$version/$KREL/$(uname -m)/module
	if ${ns[@]+"${ns[@]}"} "${dkms[@]}" build -m skbfactory -v "$version" -k "$KREL" --kernelsourcedir "$KBUILD" \
		>"$tmp/build.log" 2>&1 && ko=$(ko_find "$mod" skbfactory) && [ "$ko" = "$mod/skbfactory$want" ] &&
		ko_cat "$ko" >"$tmp/skbfactory.ko" &&
		[ "$(modinfo -F vermagic "$tmp/skbfactory.ko" | cut -d' ' -f1)" = "$KREL" ]; then
		echo "ok - dkms build $k: ${ko##*/} for $KREL (Debian $(basename "${KMODS%/root}")), compressed as the kernel's own modules are"
	else
		echo "not ok - dkms build $k ($KREL)"
		log=$tmp/tree/skbfactory/$version/build/make.log
		[ -f "$log" ] || log=$tmp/build.log
		tail -n 15 "$log" | sed 's/^/#   /'
		echo "#   $mod holds: $(cd "$mod" 2>/dev/null && echo *), want skbfactory$want"
		failed=1
	fi
done
exit "$failed"
