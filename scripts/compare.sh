#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# compare.sh (make compare): two runs side by side with scripts/compare.py,
# each mode's B/A ratio with its 95 % interval and a verdict.
#
#   make compare                   the newest make run (B) against the one before (A)
#   make compare A=RUN B=RUN       any two; the one left out is the newest make run
#   make compare SAVE=NAME [A=RUN] keep RUN (default the newest make run) as baseline NAME
#   make compare BASE=NAME [B=RUN] the newest run (or B) against baseline NAME (or
#                                  a RUN): exit 1 when a row is slower beyond THRESHOLD
#
# RUN: a results file, a make run directory (build/run/<time>/), a make
# bench directory (build/bench/<time>/, or its raw/KERNEL/), or a saved
# baseline's NAME.  Baselines live in the cache, ~/.cache/skbfactory/
# baselines/NAME/ (a copy of the run's results texts, and where they came
# from): they outlive make clean and a fresh clone on the same machine;
# make distclean removes them.  THRESHOLD=PCT (default 10): how much slower,
# with the whole interval beyond it, fails BASE.  Writes
# build/compare/<time>/compare.txt (what it prints), compare.json and
# compare.png.  Exit 0; 1 on a regression (BASE) or a run or baseline not
# found; 2 when compare.py cannot read a run, or nothing pairs.  Nothing
# boots: this reads files only.

set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

BASELINES=$CACHE_DIR/baselines

# runs: the make run directories that have results, oldest first.
runs() {
	local d
	for d in "$BUILD_DIR"/run/*/; do
		[ ! -s "$d/results.txt" ] || echo "${d%/}"
	done
}

# newest [N]: the newest make run, or the Nth newest.
newest() {
	local all
	mapfile -t all < <(runs)
	[ "${#all[@]}" -ge "${1:-1}" ] ||
		die "fewer than ${1:-1} make runs with results in $BUILD_DIR/run: make run first, or name the runs (A=... B=...)"
	echo "${all[${#all[@]} - ${1:-1}]}"
}

# resolve RUN: a path as it is, else the baseline of that name.
resolve() {
	if [ -e "$1" ]; then
		echo "$1"
	elif [ -d "$BASELINES/$1" ]; then
		echo "$BASELINES/$1"
	else
		die "'$1' is neither a file, a directory nor a baseline ($(baselines))"
	fi
}

# baselines: the saved ones, for a message.
baselines() {
	local d names=
	for d in "$BASELINES"/*/; do
		[ ! -d "$d" ] || [[ $d == *.new/ ]] || names+=" $(basename "$d")"
	done
	echo "baselines in $BASELINES:${names:- none}"
}

if [ -n "${SAVE:-}" ]; then
	[[ $SAVE =~ ^[A-Za-z0-9_][A-Za-z0-9._-]*$ ]] || die "SAVE=NAME: letters, digits, '.', '_' and '-' only, not '$SAVE'"
	if [ -n "${A:-}" ]; then src=$(resolve "$A"); else src=$(newest); fi
	mkdir -p "$BASELINES"
	python3 "$SCRIPTS/compare.py" --save "$BASELINES/$SAVE" "$src" || exit
	say "saved $src as baseline $SAVE ($BASELINES/$SAVE); compare against it with: make compare BASE=$SAVE"
	exit 0
fi

args=(--threshold "${THRESHOLD:-10}")
if [ -n "${BASE:-}" ]; then
	[ -e "$BASE" ] || [ -d "$BASELINES/$BASE" ] || die "no baseline '$BASE' ($(baselines)); save one with: make compare SAVE=$BASE A=RUN"
	a=$(resolve "$BASE")
	args+=(--fail-on-slower)
elif [ -n "${A:-}" ]; then
	a=$(resolve "$A")
else
	# The one before the newest, when B is the newest.
	a=$(newest "$([ -n "${B:-}" ] && echo 1 || echo 2)")
fi
if [ -n "${B:-}" ]; then b=$(resolve "$B"); else b=$(newest); fi
out=$BUILD_DIR/compare/$(date +%Y%m%d-%H%M%S)
[ ! -e "$out" ] || out=$out-$$
mkdir -p "$out"
args+=(--json "$out/compare.json")
if command -v gnuplot >/dev/null; then
	args+=(--plot "$out/compare.png")
else
	say "no gnuplot: no compare.png (apt-get install gnuplot-nox)"
fi
say "A: $a"
say "B: $b"
rc=0
python3 "$SCRIPTS/compare.py" "$a" "$b" "${args[@]}" >"$out/compare.txt" || rc=$?
cat "$out/compare.txt"
say "in $out: $(cd "$out" && echo compare.*)"
exit "$rc"
