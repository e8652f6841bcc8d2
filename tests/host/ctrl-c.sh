#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/host/ctrl-c.sh [SECONDS]: Ctrl-C on `make run`, and on `make check`,
# leaves nothing running.  Starts each in a session of its own, waits until
# QEMU runs (plus SECONDS, default 1), sends SIGINT to make's process group
# as a terminal's Ctrl-C does, and checks that within 5 s no process of
# that session (qemu, make, bash) is left.  Prints KTAP; exits 1 on a
# failure.  `make check` runs there as `CHECKS=tests-K` (K the first stock
# kernel) with a build directory of its own (SKBFACTORY_BUILD), seeded with
# this one's module builds and initramfs base so that QEMU starts at once.
# Logs: build/ctrl-c-run.log, build/ctrl-c-check.log.  SKBFACTORY_SRC, KVER
# and the VM_* variables pass through.

set -eu
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib.sh
. "$(dirname "$0")/../../scripts/lib.sh"

delay=${1:-1}
mkdir -p "$BUILD_DIR"

# alive SID: the processes of session SID, but zombies (ours to reap).
alive() {
	ps -o pid=,stat=,args= -s "$1" | awk '$2 !~ /^Z/'
}

sid=
# Whatever a failed test leaves: the session is ours.
trap '[ -z "$sid" ] || pkill -KILL -s "$sid" 2>/dev/null || true; wait 2>/dev/null || true' EXIT

# ctrl_c N WHAT LOG COMMAND...: test N, Ctrl-C on COMMAND once QEMU runs.
ctrl_c() {
	local n=$1 what=$2 log=$3 start t took
	shift 3
	# A script's background job ignores SIGINT; make must not, as at a
	# terminal.  Nor should make check's make flags reach this make.
	setsid env --default-signal=INT -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "$@" </dev/null >"$log" 2>&1 &
	sid=$!
	start=$SECONDS
	until alive "$sid" | grep -q qemu-system; do
		if [ -z "$(alive "$sid")" ] || [ $((SECONDS - start)) -gt 300 ]; then
			echo "not ok $n - Ctrl-C on $what: QEMU never ran (log: $log)"
			pkill -KILL -s "$sid" 2>/dev/null || true
			return 1
		fi
		sleep 0.2
	done
	sleep "$delay"
	kill -INT -- "-$sid"
	t=${EPOCHREALTIME/./}
	while [ -n "$(alive "$sid")" ] && [ $((${EPOCHREALTIME/./} - t)) -lt 5000000 ]; do
		sleep 0.1
	done
	took=$(((${EPOCHREALTIME/./} - t) / 100000))
	took="$((took / 10)).$((took % 10)) s"
	if [ -n "$(alive "$sid")" ]; then
		echo "not ok $n - Ctrl-C on $what: processes left $took after it"
		alive "$sid" | sed 's/^/#   /'
		pkill -KILL -s "$sid" 2>/dev/null || true
		return 1
	fi
	wait "$sid" 2>/dev/null || true
	sid=
	echo "ok $n - Ctrl-C on $what with QEMU running: nothing left $took after it"
}

echo "KTAP version 1"
echo "1..2"
rc=0
ctrl_c 1 "make run" "$BUILD_DIR/ctrl-c-run.log" make -C "$ROOT" run || rc=1

alt=$BUILD_DIR/ctrl-c-check
rm -rf "$alt"
mkdir -p "$alt/vm"
[ ! -d "$BUILD_DIR/ko" ] || cp -a "$BUILD_DIR/ko" "$alt/"
[ ! -d "$BUILD_DIR/vm/cache" ] || cp -a "$BUILD_DIR/vm/cache" "$alt/vm/"
ctrl_c 2 "make check" "$BUILD_DIR/ctrl-c-check.log" \
	env SKBFACTORY_BUILD="$alt" CHECKS="tests-$(kernel_names stock | head -n 1)" make -C "$ROOT" check || rc=1
rm -rf "$alt"
exit "$rc"
