#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# race.sh (make race): the lifetime cases, and race_storm (runs, stops,
# config writes, readers and CPU hotplug all at once), on the kcsan variant
# of the debug kernel: KCSAN, the kernel's data-race detector, with lockdep,
# kmemleak and DEBUG_NET, instead of KASAN (the two exclude each other).
# That kernel is built once (scripts/debug-kernel.sh --variant kcsan, about
# as long as the debug kernel) and cached.
#
# Prints tests/integration.sh's lines (a case that saw the kernel complain,
# a KCSAN report included, fails, and so does the VM), then each data race
# KCSAN reported, once: "race: A / B", with "(skbfactory)" when a frame of
# the module is in its stacks; the reports in full go to
# build/race/kcsan.txt.  Last: "N data races, M in skbfactory".  Exit 1
# when a case or the VM failed.
#
# Environment: RACE_CASES (the cases; default below), RACE (rmmod_race's
# reloads, 50), STORM and RACE_SECONDS (race_storm's rounds, 30, and
# seconds a data path, 10), TESTS_TIMEOUT (1200), and
# what tests/integration.sh and scripts/vm.sh read.

set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

export DEBUG_VARIANT=kcsan
export TESTS_ONLY=${RACE_CASES:-free_cpu run_ebusy run_kill9 run_killterm eintr_trapped freeze_cgroup stop_write cpu_offline link_del nic_driver_unload rmmod_during_run rmmod_race race_storm}
export RACE=${RACE:-50} TESTS_TIMEOUT=${TESTS_TIMEOUT:-1200}
out=$BUILD_DIR/race
mkdir -p "$out"
start=$SECONDS
say "make race: the kcsan debug kernel (built once: $("$SCRIPTS/debug-kernel.sh" --variant kcsan | sed -n 's/^KREL=//p'))"
rc=0
"$ROOT/tests/integration.sh" debug || rc=$?
vm=$BUILD_DIR/vm/tests-debug-kcsan
# Each report from "BUG: KCSAN:" to its closing rule; its headline, and
# whether a frame of the module is in it.
tr -d '\r' <"$vm/console.log" 2>/dev/null | sed -E 's/^\[ *[0-9]+\.[0-9]+\] //' | awk -v full="$out/kcsan.txt" '
	BEGIN { printf "" > full }
	/^BUG: KCSAN: / { on = 1; head = $0; sub(/^BUG: KCSAN: /, "", head); ours = 0 }
	on { print > full; if (/\[skbfactory\]/ || / skbf_/) ours = 1 }
	on && /^==========/ { on = 0; print "" > full
		if (!(head in seen)) { seen[head] = 1; n++; if (ours) m++
			print "race: " head (ours ? " (skbfactory)" : "") } }
	END { printf "%d data races, %d in skbfactory\n", n, m }'
say "make race took $((SECONDS - start)) s; reports in full: $out/kcsan.txt"
exit "$rc"
