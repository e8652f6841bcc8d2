#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/host/ctrl-c.sh [SECONDS]: Ctrl-C on `make run` leaves nothing
# running.  Starts make run in a session of its own, waits until QEMU runs
# (plus SECONDS, default 1), sends SIGINT to make's process group as a
# terminal's Ctrl-C does, and checks that within 5 s no process of that
# session (qemu, make, bash) is left.  Prints KTAP; exits 1 on failure.
# make run's log: build/ctrl-c.log.  SKBFACTORY_SRC, KVER and the VM_*
# variables pass through to make run.

set -eu
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib.sh
. "$(dirname "$0")/../../scripts/lib.sh"

delay=${1:-1}
log=$BUILD_DIR/ctrl-c.log
mkdir -p "$BUILD_DIR"

# alive SID: the processes of session SID, but zombies (ours to reap).
alive() {
	ps -o pid=,stat=,args= -s "$1" | awk '$2 !~ /^Z/'
}

echo "KTAP version 1"
echo "1..1"
# A script's background job ignores SIGINT; make must not, as at a terminal.
# Nor should make check's make flags reach this make.
setsid env --default-signal=INT -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	make -C "$ROOT" run </dev/null >"$log" 2>&1 &
sid=$!
# Whatever a failed test leaves: the session is ours.
trap 'pkill -KILL -s "$sid" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
start=$SECONDS
until alive "$sid" | grep -q qemu-system; do
	if [ -z "$(alive "$sid")" ] || [ $((SECONDS - start)) -gt 300 ]; then
		echo "not ok 1 - Ctrl-C on make run: QEMU never ran (log: $log)"
		exit 1
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
	echo "not ok 1 - Ctrl-C on make run: processes left $took after it"
	alive "$sid" | sed 's/^/#   /'
	exit 1
fi
echo "ok 1 - Ctrl-C on make run with QEMU running: nothing left $took after it"
