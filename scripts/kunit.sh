#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kunit.sh [--arch=x86_64|um] [--build-only] (make kunit [ARCH=um], make
# kunit-um): the
# KUnit suite run the way kernel developers run KUnit, with `kunit.py run`
# on a kernel tree that has skbfactory built in:
#
#  1. stages the sources into Debian's linux-source, unpacked once in the
#     cache (scripts/kunit-tree.sh, which does the same for any tree);
#  2. runs that tree's tools/testing/kunit/kunit.py run and shows its output:
#     x86_64 in QEMU (TCG) with the debug options (scripts/debug.config,
#     but its sanitizers unless KUNIT_SANITIZE=1: scripts/kunit-lib.sh) and
#     a virtio NIC, or UML, kunit.py's default;
#  3. checks what kunit.py does not count: KASAN, UBSAN, lockdep, BUG: and
#     WARNING: lines, oopses and stalls in the kernel's log, and every
#     skipped case against scripts/kunit-skips.
#
# Build dirs: $CACHE_DIR/kunit/<arch>-<version>-<key>/, <key> a hash of the
# kunitconfigs' option lines; a second run rebuilds only what changed.
# --build-only: steps 1 and `kunit.py build` only, when the build dir has
# no kernel yet (cold: 15-25 min), so that make check builds it before its
# VMs start; a run after it boots that build (kunit.py exec).  Warm, it
# does nothing: the run's update of a built kernel is short.  The guest
# fails on lack of progress, not on a slow clock: no new line in kunit.py's
# log or the kernel's for KUNIT_STALL seconds (300), or, once the kernel
# has reported a stall or lockup, none in kunit.py's (unbuffered); its
# tasks are dumped to test.log first (SysRq through QEMU's monitor).
# Output: build/kunit/<arch>.log (kunit.py's), build/kunit/<arch>.json
# (kunit.py --json); the kernel's log is test.log in the build dir.
#
# kmemleak is not checked here: kunit.py's kernel reboots as soon as the
# suite ends, before anything can ask kmemleak to scan.  On the debug
# kernel the integration tests' kunit_module and kmemleak cases do (make
# kunit-module).
#
# Environment: SKBFACTORY_SRC (the sources, default the repository),
# KUNIT_STALL (300), KUNIT_TIMEOUT (kunit.py's bound on the kernel's run
# whatever its progress, default 3600), KUNIT_SANITIZE (1: x86_64 with
# KASAN, kmemleak and lockdep too), KUNIT_FILTER (a kunit.py filter_glob
# such as 'skbfactory_known.*': only those cases).
#
# Nothing here loads a module into this machine's kernel.

set -eu

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=kunit-lib.sh
. "$SCRIPTS/kunit-lib.sh"

# Finished build dirs of other keys kept per architecture (x86_64's is ~2 GB).
KEEP_BUILDS=1

arch=x86_64 build_only=0
for a in "$@"; do
	case $a in
	--arch=*) arch=${a#--arch=} ;;
	--build-only) build_only=1 ;;
	-h | --help) sed -n '3,43s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) die "kunit.sh: unknown argument $a" ;;
	esac
done
case $arch in
um | x86_64) ;;
x86) arch=x86_64 ;;
*) die "kunit.sh: ARCH=$arch: only x86_64 and um" ;;
esac

# make's variables (ARCH=um, -j) must not reach the kernel's make.
unset MAKEFLAGS MFLAGS MAKELEVEL ARCH

OUT=$BUILD_DIR/kunit
LOG=$OUT/$arch.log
JSON=$OUT/$arch.json
pid=

# stop: end kunit.py with its make or QEMU (its own process group).
stop() {
	[ -z "$pid" ] || kill -TERM -- "-$pid" 2>/dev/null || true
}
trap stop EXIT
trap 'stop; exit 130' INT TERM

# check_skips BUILD: every skipped case is listed for this architecture in
# scripts/kunit-skips; a listed case that ran is pointed out.
check_skips() {
	python3 - "$arch" "$JSON" "$SCRIPTS/kunit-skips" "$1/test.log" <<'EOF'
import json, re, sys

arch, json_path, skips_path, log_path = sys.argv[1:]
listed = {}
for line in open(skips_path):
    f = line.split(None, 2)
    if f and not f[0].startswith('#') and f[0] == arch:
        listed[f[1]] = f[2].strip() if len(f) > 2 else ''
# The reasons, from the KTAP lines ("ok 3 name # SKIP reason").
reasons = {}
for line in open(log_path, errors='replace'):
    m = re.search(r'\bok \d+ (.+?) # SKIP ?(.*)', line)
    if m:
        reasons.setdefault(m.group(1), m.group(2).strip())

skipped, ran = {}, set()
def walk(group, path):
    for case in group['test_cases']:
        key = '.'.join((path + [case['name']])[:2])
        ran.add(key)
        if case['status'] == 'SKIP':
            skipped.setdefault(key, reasons.get(case['name'], '?'))
    for sub in group['sub_groups']:
        walk(sub, path + [sub['name']])
for suite in json.load(open(json_path))['sub_groups']:
    walk(suite, [suite['name']])

bad = 0
for key, why in sorted(skipped.items()):
    if key in listed:
        print(f'==> skipped as expected on {arch}: {key}: {why}', file=sys.stderr)
    else:
        print(f'skbfactory: kunit: {key} skipped on {arch} ({why}), '
              'not listed in scripts/kunit-skips', file=sys.stderr)
        bad = 1
for key in sorted(set(listed) - set(skipped)):
    state = 'ran' if key in ran else 'is not in the suite'
    print(f'==> note: {key} is listed in scripts/kunit-skips for {arch} but {state}',
          file=sys.stderr)
sys.exit(bad)
EOF
}

# build_only KUNIT_PY BUILD STAMP: kunit.py build of this run's kernel in
# BUILD; STAMP, in BUILD/.skbfactory-built, lets the next run exec it.
build_only() {
	local a args=()
	for a in "${KUNIT_ARGS[@]}"; do
		case $a in --arch=* | --kunitconfig=* | --build_dir=*) args+=("$a") ;; esac
	done
	# Up to date: the last build, or the last that passed, was of these.
	if [ -f "$2/vmlinux" ] && { [ "$(cat "$2/.skbfactory-built" 2>/dev/null)" = "$3 $(built | xargs)" ] ||
		[ "$(cat "$2/.skbfactory-stamp" 2>/dev/null)" = "$3 $(built | xargs)" ]; }; then
		say "$2 is built from these sources already"
		return
	fi
	# Warm: what is left to build is skbfactory and a relink, a minute at
	# most; the run does it beside the guests rather than hold them up.
	if [ -f "$2/vmlinux" ]; then
		say "$2 has a kernel built: the run brings it up to date"
		return
	fi
	rm -f "$2/.skbfactory-built"
	say "cd $tree && $(kunit_command "${args[@]}" | sed 's/ run / build /')"
	python3 "$1" build "${args[@]}" >"$LOG" 2>&1 || { tail -n 30 "$LOG" >&2; die "kunit.py build failed (log: $LOG)"; }
	echo "$3 $(built | xargs)" >"$2/.skbfactory-built"
	say "built $2 in $((SECONDS - start)) s"
}

main() {
	local start=$SECONDS tree kunit_py key build rc=0 problems failed=0 d a f configs=() stamp verb
	mkdir -p "$OUT"
	rm -f "$LOG" "$JSON"
	if [ "$arch" = x86_64 ]; then
		"$SCRIPTS/deps.sh" debug vm
	else
		"$SCRIPTS/deps.sh" debug
	fi

	kunit_source
	tree=$(kunit_default_tree)
	# One run at a time: staging changes the tree every build reads.
	kunit_lock
	kunit_stage "$tree"
	kunit_args "$arch"

	# The build dir's key: the options of the kunitconfigs this run uses,
	# merged (a line two of them share counts once).
	for a in "${KUNIT_ARGS[@]}"; do
		case $a in
		--kunitconfig=*)
			f=$tree/${a#--kunitconfig=}
			[ ! -d "$f" ] || f=$f/.kunitconfig
			configs+=("$f")
			;;
		esac
	done
	key=$({
		echo "$arch"
		grep -hE '^(CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set$)' "${configs[@]}" |
			sort -u
	} | sha256sum | cut -c1-12)
	build=$CACHE_DIR/kunit/$arch-$(printf '%s' "$SRC_VERSION" | tr -c 'A-Za-z0-9.+_-' '_')-$key
	# shellcheck disable=SC2012 # names are ours, no odd characters
	ls -1dt "$CACHE_DIR/kunit/$arch"-*/ 2>/dev/null | tail -n +$((KEEP_BUILDS + 1)) |
		while IFS= read -r d; do
			[ "${d%/}" = "$build" ] || { say "removing the old build dir $d"; rm -rf "$d"; }
		done
	rm -f "$build/test.log"

	kunit_py=$tree/tools/testing/kunit/kunit.py
	KUNIT_ARGS+=(--build_dir="$build" --json="$JSON" --timeout="${KUNIT_TIMEOUT:-3600}")
	# What the build is made of: the staged directory and the arguments
	# (but where the JSON goes, and the timeout).
	# When the last build that passed was made of the same, kunit.py run
	# would only walk the kernel tree's make for nothing (20-40 s on 2
	# cores): kunit.py exec boots that kernel.  A build that failed, or one
	# under way, leaves no stamp.
	stamp=$( { echo "$SRC_VERSION"; printf '%s\n' "${KUNIT_ARGS[@]}" | grep -vE '^--(json|timeout)='
		tar -C "$tree/$KUNIT_SUBDIR" -cf - --sort=name \
		--mtime=@0 --owner=0 --group=0 --numeric-owner .; } | sha256sum | cut -c1-16)
	# The build it vouches for: a kernel remade by hand in the build dir (or
	# reconfigured) is not the one that passed.
	built() {
		stat -c '%s %Y' "$build/vmlinux" 2>/dev/null && sha256sum <"$build/.config" 2>/dev/null | cut -c1-16
	}
	if [ "$build_only" = 1 ]; then
		build_only "$kunit_py" "$build" "$stamp"
		return
	fi
	verb=run
	if [ -f "$build/.config" ] && [ -f "$build/vmlinux" ] &&
		[ "$(cat "$build/.skbfactory-stamp" 2>/dev/null)" = "$stamp $(built | xargs)" ]; then
		verb='exec'
		say "nothing changed since the build in $build passed: kunit.py exec, not run"
	elif [ -f "$build/.config" ] && [ -f "$build/vmlinux" ] &&
		[ "$(cat "$build/.skbfactory-built" 2>/dev/null)" = "$stamp $(built | xargs)" ]; then
		verb='exec'
		say "the build in $build is of these sources (kunit.sh --build-only): kunit.py exec"
	fi
	rm -f "$build/.skbfactory-stamp"
	# The guest's monitor, for SysRq when it stalls, and the key's enabled.
	# Not in the stamp: where it goes changes nothing built.
	for a in "${!KUNIT_ARGS[@]}"; do
		case ${KUNIT_ARGS[$a]} in
		--qemu_args=*) KUNIT_ARGS[a]+=" -monitor unix:$build/monitor.sock,server=on,wait=off" ;;
		esac
	done
	# As scripts/vm.sh boots its guests: SysRq for a stall, and the soft
	# lockup detector at 120 s, as a host that starves the guest needs.
	[ "$arch" = um ] || KUNIT_ARGS+=(--kernel_args=sysrq_always_enabled --kernel_args=watchdog_thresh=60)
	# KUNIT_FILTER: only the cases it names (kunit.py's filter_glob), as
	# scripts/mutate.sh asks; skips are then checked among those.
	[ -z "${KUNIT_FILTER:-}" ] || KUNIT_ARGS+=("$KUNIT_FILTER")
	rm -f "$build/monitor.sock"
	say "cd $tree && $(kunit_command "${KUNIT_ARGS[@]}" | sed "s/ run / $verb /")"
	# A process group of its own (set -m), so stop() ends make and QEMU too.
	set -m
	(
		set -o pipefail
		PYTHONUNBUFFERED=1 python3 "$kunit_py" "$verb" "${KUNIT_ARGS[@]}" 2>&1 | tee "$LOG"
	) &
	pid=$!
	set +m
	watch_qemu "$pid" "${KUNIT_STALL:-300}" "$build/monitor.sock" "$build/test.log" "$LOG" || rc=$?
	pid=
	if [ "$STALLED" = 1 ]; then
		failed=1
		printf 'skbfactory: kunit: the guest stalled: no new line for %s s%s; %s\n' "${KUNIT_STALL:-300}" \
			"$([ "$STALL_KREPORT" = 0 ] || echo " after its kernel reported a stall or lockup")" \
			"$([ "$STALL_DUMP" -gt 0 ] && echo "its tasks (SysRq w, l, t) are in $build/test.log" ||
				echo "its kernel did not answer SysRq")" >&2
	elif [ "$rc" != 0 ]; then
		failed=1
		printf 'skbfactory: kunit: kunit.py %s failed (exit %s)\n' "$verb" "$rc" >&2
	fi

	problems=$(kernel_problems "$build/test.log")
	if [ -n "$problems" ]; then
		printf '%s\n' "---- kernel problems in $build/test.log ----" "$problems" >&2
		failed=1
	fi
	if [ -f "$JSON" ]; then
		check_skips "$build" || failed=1
	elif [ "$rc" = 0 ]; then
		printf 'skbfactory: kunit: kunit.py wrote no %s\n' "$JSON" >&2
		failed=1
	fi
	[ "$failed" = 0 ] || die "make kunit ($arch) FAILED in $((SECONDS - start))s (logs: $LOG, $build/test.log)"
	echo "$stamp $(built | xargs)" >"$build/.skbfactory-stamp"
	say "$arch: no KASAN, lockdep, BUG or WARNING in the kernel log; skips as listed; $((SECONDS - start))s"
	grep -o 'Testing complete\..*' "$LOG" | tail -n 1
}

main
