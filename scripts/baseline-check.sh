#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# baseline-check.sh KO: mode=empty is a real harness baseline in this build.
# Its op is two noinline calls with a compiler barrier, in the same timed
# loop as every mode (skbf_dispatch).  A compiler that dropped or hoisted
# them would leave an empty loop and a baseline that measures nothing, so
# the disassembly must show skbf_dispatch calling both.

set -eu

ko=${1:?usage: baseline-check.sh skbfactory.ko}
[ -f "$ko" ] || { echo "baseline-check: no $ko" >&2; exit 1; }
body=$(objdump -d --no-show-raw-insn "$ko" | awk '/^[0-9a-f]+ <skbf_dispatch>:$/ { on = 1; next } on && /^$/ { exit } on')
[ -n "$body" ] || { echo "baseline-check: no skbf_dispatch in $ko" >&2; exit 1; }
make=$(grep -cE 'call.*<skbf_empty_make(\.[a-z]+\.[0-9]+)?>' <<<"$body" || true)
free=$(grep -cE 'call.*<skbf_empty_free(\.[a-z]+\.[0-9]+)?>' <<<"$body" || true)
if [ "$make" -eq 0 ] || [ "$free" -eq 0 ]; then
	echo "baseline-check: skbf_dispatch calls skbf_empty_make $make times and skbf_empty_free $free times: the empty baseline lost its op" >&2
	exit 1
fi
echo "baseline-check: skbf_dispatch calls skbf_empty_make ($make sites) and skbf_empty_free ($free sites)"
