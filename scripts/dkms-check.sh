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
failed=0
for k in $(kernel_names stock); do
	resolve_kernel "$k"
	mod=$tmp/tree/skbfactory/$version/$KREL/$(uname -m)/module
	# DKMS compresses the module as the kernel's config says (6.12: .ko.xz).
	if "${dkms[@]}" build -m skbfactory -v "$version" -k "$KREL" --kernelsourcedir "$KBUILD" \
		>"$tmp/build.log" 2>&1 && ko=$(ko_find "$mod" skbfactory) &&
		ko_cat "$ko" >"$tmp/skbfactory.ko" &&
		[ "$(modinfo -F vermagic "$tmp/skbfactory.ko" | cut -d' ' -f1)" = "$KREL" ]; then
		echo "ok - dkms build $k: ${ko##*/} for $KREL (Debian $(basename "${KMODS%/root}"))"
	else
		echo "not ok - dkms build $k ($KREL)"
		log=$tmp/tree/skbfactory/$version/build/make.log
		[ -f "$log" ] || log=$tmp/build.log
		tail -n 15 "$log" | sed 's/^/#   /'
		echo "#   $mod holds: $(cd "$mod" 2>/dev/null && echo *)"
		failed=1
	fi
done
exit "$failed"
