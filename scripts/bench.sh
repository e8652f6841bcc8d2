#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh (make bench): the benchmark sweep.  Boots the test VM once per
# stock kernel of scripts/kernels (KVER: one kernel) and there, on the
# NIC's CPU (cpu=nic):
#   - every mode (mode=all, one run per point) at each size of SIZES below,
#     batch 1 and 64;
#   - latency=1 at 1500 bytes, every mode, 10000 samples each: p50/p99/p999
#     and the sampling overhead;
#   - cpu=all for alloc_skb and napi_alloc_skb at 1500 bytes, each right
#     after the same run on the NIC's CPU alone: per-CPU and summed ops/s
#     against one CPU;
#   - the kernel's own pktgen (its pktgen.ko) sending clone_skb 0 packets of
#     each size to dummy0 from kpktgend_<that CPU>, about 1 s a point (a
#     2000-packet pilot sets the count).  pkt_size is the size asked (pktgen
#     would clamp below 42; the size it used is recorded); dummy0's MTU is
#     raised to size - 14 above 1514 bytes (dummy has no MTU ceiling, and
#     pktgen hands packets to the driver without checking it).
# Every run reserves HEADROOM (14) bytes and puts PUT (50): 64 bytes, the
# smallest size, so the same 64 bytes are written at every size and the
# size axis shows what the allocator costs, not memset bandwidth (pktgen
# writes its whole packet).  count shrinks with size (COUNT_BASE * 1500 /
# (size + 1500)) so each point takes about as long; repeat is 5 (the
# median of 5 shrugs off two repetitions disturbed by the host), and a
# sweep point whose repetitions lie more than 2.5x apart is measured once
# more, up to 6 times a VM, keeping the steadier (scripts/bench/job.sh).
#
# QUICK=1: sizes 64, 1500 and 9000, batch 1, one kernel (KVER or the first
# stock one), pktgen at 1500; latency and scaling as in the full sweep.
# BENCH_SCALE=F multiplies every count (default 1).  BENCH_APPEND="ARGS"
# adds kernel command-line arguments (e.g. init_on_alloc=0).  VM_CPUS,
# VM_MEM, VM_NIC_CPU and ACCEL work as for scripts/vm.sh.
#
# Writes build/bench/<time>/: results.json, results.md, the PNG plots,
# rows.tsv (the rows as one table), raw/<kernel>/ (each run's results text,
# the VM's whole output and console) and prints a summary of ratios.
# The JSON is {"schema", "meta", "summary", "rows": [one object per row]};
# scripts/bench/parse.awk documents the row fields.

set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

BENCH=$SCRIPTS/bench
SIZES="64 128 256 512 1024 1500 2048 4096 9000 16384 65536"
SIZES_QUICK="64 1500 9000"
BATCHES="1 64"
HEADROOM=14
PUT=50
REPEAT=5
COUNT_BASE=120000	# count at size 0; 60000 at 1500
REF=1500		# the size of the ratios, latency, scaling
SCALING_MODES="alloc_skb napi_alloc_skb"
PKTGEN_SECONDS=1

quick=0
case ${QUICK:-0} in
'' | 0 | no | false) ;;
*) quick=1 ;;
esac
scale=${BENCH_SCALE:-1}
[[ $scale =~ ^[0-9]*\.?[0-9]+$ ]] || die "BENCH_SCALE must be a positive number, not '$scale'"

# count_for SIZE: operations per repetition at SIZE.
count_for() {
	awk -v base="$COUNT_BASE" -v s="$1" -v f="$scale" 'BEGIN {
		n = int(base * f * 1500 / (s + 1500) / 100 + 0.5) * 100
		print n < 1000 ? 1000 : n
	}'
}

# est_ms COUNT SIZE BATCH MODES: a rough guess of a run's milliseconds
# under TCG (about 6 us plus 5 ns a byte for the seven modes), for the
# progress estimate and the timeout only.
est_ms() {
	awk -v n="$1" -v s="$2" -v b="$3" -v m="$4" -v r="$REPEAT" 'BEGIN {
		us = (6 + s / 200) * m / 7 * (b > 1 ? 1.4 : 1)
		printf "%d\n", n * r * us / 1000 + 100
	}'
}

# plan FILE: the steps of one VM, as scripts/bench/job.sh reads them.
plan() {
	local sizes=$SIZES batches=$BATCHES pg_sizes=$SIZES id=0 s b n m common
	if [ "$quick" = 1 ]; then
		sizes=$SIZES_QUICK batches=1 pg_sizes=$REF
	fi
	common="headroom=$HEADROOM put=$PUT repeat=$REPEAT"
	{
		for s in $sizes; do
			n=$(count_for "$s")
			for b in $batches; do
				echo "$((++id)) sweep $(est_ms "$n" "$s" "$b" 7) mode=all size=$s $common count=$n batch=$b cpu=nic latency=0"
			done
			if [[ " $pg_sizes " == *" $s "* ]]; then
				echo "$((++id)) pktgen $((PKTGEN_SECONDS * 1000 + 1500)) size=$s seconds=$PKTGEN_SECONDS"
			fi
		done
		# 64 * 10000 ops a mode: 10000 samples, ten beyond the p999.
		n=$(awk -v n="$((640000 / REPEAT))" -v f="$scale" 'BEGIN { printf "%d", n * f }')
		echo "$((++id)) latency $(($(est_ms "$n" "$REF" 1 7) * 12 / 10)) mode=all size=$REF $common count=$n batch=1 cpu=nic latency=1"
		n=$(count_for "$REF")
		# Each cpu=all run right after the same run on one CPU, its
		# reference, so both see the same machine.
		for m in $SCALING_MODES; do
			echo "$((++id)) scaling $(est_ms "$n" "$REF" 1 1) mode=$m size=$REF $common count=$n batch=1 cpu=nic latency=0"
			echo "$((++id)) scaling $(est_ms "$n" "$REF" 1 2) mode=$m size=$REF $common count=$n batch=1 cpu=all latency=0"
		done
	} >"$1"
}

# hms SECONDS: "1m05s".
hms() {
	if [ "$1" -ge 60 ]; then printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); else printf '%ds' "$1"; fi
}

# progress KERNEL INDEX COUNT PLAN LOG: read vm.sh's stderr (the console
# and its own messages) and show only vm.sh's messages (kept in LOG too), a
# line per step with an estimate of the time left, and the console's tail
# when vm.sh shows it.  On a terminal the step's line also shows the mode
# being measured, rewritten in place.
progress() {
	local kernel=$1 idx=$2 of=$3 planfile=$4 log=$5
	local line id n kind rest tok args left total=0 t0='' tail=0 tty=0 partial=0 stepline=''
	local -A cum=()
	while read -r id kind n rest; do
		cum[$id]=$total
		total=$((total + n))
	done <"$planfile"
	[ ! -t 1 ] || tty=1
	# end_step: end the step's line, when it is being rewritten in place.
	end_step() {
		if [ "$partial" = 1 ]; then
			printf '\r\033[K%s\n' "$stepline"
			partial=0
		fi
	}
	# emit TEXT: a whole line.
	emit() {
		end_step
		printf '%s\n' "$1"
	}
	while IFS= read -r line; do
		line=${line%$'\r'}
		if [ "$tail" = 1 ]; then
			emit "$line"
			[ "$line" != "----" ] || tail=0
			continue
		fi
		case $line in
		*'SKBFACTORY-BENCH: mode '*)
			if [ "$tty" = 1 ] && [ -n "$stepline" ]; then
				printf '\r\033[K%s: %s' "$stepline" "${line#*SKBFACTORY-BENCH: mode }"
				partial=1
			fi
			;;
		*'SKBFACTORY-BENCH: again: '*)
			emit "==> $kernel: ${line#*SKBFACTORY-BENCH: again: }, once more"
			;;
		*'SKBFACTORY-BENCH: step '*' failed'*)
			emit "==> $kernel: ${line#*SKBFACTORY-BENCH: }"
			;;
		*'SKBFACTORY-BENCH: step '*)
			rest=${line#*SKBFACTORY-BENCH: step }
			id=${rest%% *}
			n=${rest#* of }
			n=${n%%:*}
			kind=${rest#*: }
			args=''
			for tok in ${kind#* }; do
				case $tok in
				mode=* | size=* | batch=* | cpu=all | latency=1) args="$args $tok" ;;
				esac
			done
			kind=${kind%% *}
			# Time left: the plan's estimate, scaled by the pace so far.
			[ -n "$t0" ] || t0=$SECONDS
			if [ "${cum[$id]:-0}" -gt 0 ]; then
				left=$(((SECONDS - t0) * (total - cum[$id]) / cum[$id]))
			else
				left=$((total / 1000))
			fi
			end_step
			stepline="==> $kernel (kernel $idx of $of) step $id/$n, ~$(hms "$left") left: $kind$args"
			if [ "$tty" = 1 ]; then
				printf '%s' "$stepline"
				partial=1
			else
				printf '%s\n' "$stepline"
			fi
			;;
		*'SKBFACTORY-BENCH: done'*)
			emit "==> $kernel: all steps done in $(hms $((SECONDS - ${t0:-$SECONDS})))"
			;;
		'==> '* | 'skbfactory: '*)
			emit "$line"
			printf '%s\n' "$line" >>"$log"
			;;
		'---- last console lines'*)
			emit "$line"
			tail=1
			;;
		esac
	done
	end_step
}

# split_raw OUT DIR: each step's text of the VM's output in its own file.
split_raw() {
	awk -v dir="$2" '
	/^@@ begin / {
		name = sprintf("%02d-%s", $3, $4)
		for (i = 5; i <= NF; i++)
			if ($i ~ /^(mode|size|batch)=/ || $i == "cpu=all")
				name = name "-" $i
		gsub(/[^A-Za-z0-9_.=-]/, "_", name)
		file = dir "/" name ".txt"
		next
	}
	/^@@ end / { close(file); file = ""; next }
	file != "" { sub(/\r$/, ""); print > file }
	' "$1"
}

# json_str TEXT: TEXT as a JSON string.
json_str() {
	local s=$1
	s=${s//\\/\\\\}
	s=${s//\"/\\\"}
	s=${s//$'\t'/ }
	s=${s//$'\n'/\\n}
	printf '"%s"' "$s"
}

# retried KERNEL: how many sweep points the job measured twice.
retried() {
	grep -c '^# bench: measured twice' "$out/raw/$1/out.txt" 2>/dev/null || true
}

loadavg() {
	cut -d' ' -f1-3 /proc/loadavg
}

say "checking packages"
"$SCRIPTS/deps.sh" vm bench

if [ -n "${KVER:-}" ]; then
	kernels=("$KVER")
elif [ "$quick" = 1 ]; then
	kernels=("$(default_kernel)")
else
	mapfile -t kernels < <(kernel_names stock)
fi
[ ${#kernels[@]} -gt 0 ] || die "no stock kernel in $SCRIPTS/kernels"

stamp=$(date +%Y%m%d-%H%M%S)
out=$BUILD_DIR/bench/$stamp
mkdir -p "$out/raw" "$out/plotdata"
load_before=$(loadavg)
start=$SECONDS
say "bench $stamp: kernels ${kernels[*]}$([ "$quick" = 1 ] && echo ", QUICK"); load average $load_before; output in $out"

failed=()
vm_secs=()
vm_load=()
ki=0
for k in "${kernels[@]}"; do
	ki=$((ki + 1))
	raw=$out/raw/$k
	mkdir -p "$raw"
	plan "$raw/plan.txt"
	est=$(awk '{ t += $3 } END { printf "%d", t / 1000 }' "$raw/plan.txt")
	# Generous: a loaded machine, the boot, the module build.
	timeout=$((est * 4 + 180))
	vm_args=(--kernel "$k" --name "bench-$k" --job "$BENCH/job.sh"
		--add "$raw/plan.txt:plan.txt" --modules "pktgen dummy"
		--timeout "$timeout")
	[ -z "${BENCH_APPEND:-}" ] || vm_args+=(--append "$BENCH_APPEND")
	t=$SECONDS
	l0=$(loadavg)
	# vm.sh's stderr (console and messages) through the filter; its
	# stdout, the job's output, is read from the VM's directory below.
	"$SCRIPTS/vm.sh" "${vm_args[@]}" 2>&1 >/dev/null |
		progress "$k" "$ki" "${#kernels[@]}" "$raw/plan.txt" "$raw/host.log" >&2
	rc=${PIPESTATUS[0]}
	vm_secs+=($((SECONDS - t)))
	vm_load+=("$l0 / $(loadavg)")
	vmdir=$BUILD_DIR/vm/bench-$k
	cp "$vmdir/out.txt" "$raw/out.txt" 2>/dev/null || : >"$raw/out.txt"
	cp "$vmdir/console.log" "$raw/console.log" 2>/dev/null || true
	split_raw "$raw/out.txt" "$raw"
	[ "$rc" = 0 ] || failed+=("$k: the VM failed (vm.sh exit $rc; logs: $vmdir)")
done

# The rows of every kernel, as one table.
rows=$out/rows.tsv
awk -v header=1 -f "$BENCH/parse.awk" /dev/null >"$rows"
for k in "${kernels[@]}"; do
	awk -v kernel="$k" -f "$BENCH/parse.awk" "$out/raw/$k/out.txt" >>"$rows" ||
		failed+=("$k: some steps failed (see above)")
done
[ "$(wc -l <"$rows")" -gt 1 ] || die "no results (logs: $BUILD_DIR/vm/bench-*)"

total=$((SECONDS - start))
load_after=$(loadavg)
summary=$(awk -v what=summary -v ref="$REF" -f "$BENCH/report.awk" "$rows")

# ---- Plots ----
awk -v what=data -v dir="$out/plotdata" -v ref="$REF" -f "$BENCH/report.awk" "$rows"
ncols() {
	awk 'NR == 1 { print NF }' "$1"
}
accel=$(sed -n 's/^==> booting [^ ]* (\([a-z]*\),.*/\1/p' "$out/raw/${kernels[0]}/host.log" 2>/dev/null | head -n 1)
settings="headroom $HEADROOM, put $PUT, $REPEAT repetitions, count $COUNT_BASE*1500/(size+1500)"
[ "$scale" = 1 ] || settings="$settings x$scale"
plotsizes=$(awk 'NR > 1 { printf "%s%s", sep, $1; sep = " " }' "$out/plotdata/ops-${kernels[0]}-b1.dat")
plot() {
	gnuplot -e "$1" "$BENCH/plot.gp" 2>>"$out/plotdata/gnuplot.log" ||
		failed+=("gnuplot failed for $2 (see $out/plotdata/gnuplot.log)")
}
for k in "${kernels[@]}"; do
	d=$out/plotdata
	[ -f "$d/ops-$k-b1.dat" ] || continue
	rel=$(awk -F'\t' -v k="$k" '$1 == k { print $2; exit }' "$rows")
	cpu=$(awk -F'\t' -v k="$k" '$1 == k && $3 == "sweep" { print $8; exit }' "$rows")
	b64=''
	[ ! -f "$d/ops-$k-b64.dat" ] || b64=$d/ops-$k-b64.dat
	plot "kind='ops'; out='$out/ops-$k.png'; b1='$d/ops-$k-b1.dat'; b64='$b64';
		ncol=$(ncols "$d/ops-$k-b1.dat"); sizes='$plotsizes';
		title='skbfactory on $k ($rel): allocations per second by size, with pktgen';
		sub='CPU $cpu (the NIC CPU); $settings; pktgen: clone_skb 0 to dummy0, whole packet written and sent'" "ops-$k.png"
	if [ -f "$d/latency-$k.dat" ]; then
		plot "kind='latency'; out='$out/latency-$k.png'; dat='$d/latency-$k.dat'; ncol=$(ncols "$d/latency-$k.dat");
			title='skbfactory on $k ($rel): latency of one allocation + free at $REF bytes, batch 1';
			sub='CPU $cpu; one op in 64 timed alone (latency=1); percentiles of a log histogram, 8 buckets per power of 2'" "latency-$k.png"
	fi
done
plot "kind='ratio'; out='$out/ratio.png'; dat='$out/plotdata/ratio.dat'; ncol=$(ncols "$out/plotdata/ratio.dat");
	title='skbfactory: ns per op relative to kmalloc_floor at $REF bytes, batch 1, per kernel';
	sub='kmalloc_floor = kmalloc + kfree of an sk_buff-sized object and of the data buffer: 1 means no cost beyond two kmallocs'" ratio.png
if [ -f "$out/plotdata/scaling.dat" ]; then
	plot "kind='scaling'; out='$out/scaling.png'; dat='$out/plotdata/scaling.dat'; ncol=$(ncols "$out/plotdata/scaling.dat");
		title='skbfactory: every CPU at once (cpu=all) against one CPU alone, $REF bytes, batch 1';
		sub='per-CPU and summed ops/s; one CPU alone: the same run on the NIC CPU (cpu=nic) just before'" scaling.png
fi

# ---- results.md ----
{
	echo "# skbfactory bench $stamp"
	echo
	echo "Kernels: ${kernels[*]}$([ "$quick" = 1 ] && echo " (QUICK=1)"). Took $(hms "$total");" \
		"load average before $load_before, after $load_after on $(nproc) host CPUs;" \
		"VM: ${VM_CPUS:-2} vCPUs${accel:+, $accel}${BENCH_APPEND:+, kernel arguments $BENCH_APPEND}."
	for i in "${!kernels[@]}"; do
		echo "${kernels[$i]}: VM $(hms "${vm_secs[$i]}"), load average before / after: ${vm_load[$i]}," \
			"$(retried "${kernels[$i]}") sweep points measured twice."
	done | paste -sd ' ' -
	echo "Settings: $settings; cpu=nic. Ratios are within this one run."
	echo
	echo "## Summary"
	echo
	echo "$summary"
	echo
	cat "$BENCH/reading.md"
	echo
	echo "## Plots"
	echo
	for p in "$out"/*.png; do
		[ -e "$p" ] || continue
		echo "![${p##*/}](${p##*/})"
	done
	awk -v what=tables -v ref="$REF" -f "$BENCH/report.awk" "$rows"
} >"$out/results.md"

# ---- results.json ----
{
	printf '{\n"schema": "skbfactory-bench/1",\n"meta": {'
	printf '"stamp": %s, "quick": %s, "kernels": [' "$(json_str "$stamp")" "$([ "$quick" = 1 ] && echo true || echo false)"
	sep=''
	i=0
	for k in "${kernels[@]}"; do
		rel=$(awk -F'\t' -v k="$k" '$1 == k { print $2; exit }' "$rows")
		ioa=$(sed -n 's/^@@ info .*init_on_alloc=\([a-z]*\).*/\1/p' "$out/raw/$k/out.txt" | head -n 1)
		printf '%s{"name": %s, "release": %s, "init_on_alloc": %s, "vm_seconds": %s, "load": %s, "remeasured": %d}' \
			"$sep" "$(json_str "$k")" "$(json_str "${rel:-}")" "$(json_str "${ioa:-unknown}")" "${vm_secs[$i]}" \
			"$(json_str "${vm_load[$i]}")" "$(retried "$k")"
		sep=', '
		i=$((i + 1))
	done
	printf '], "seconds": %d, "load_before": %s, "load_after": %s, "host_cpus": %d,' \
		"$total" "$(json_str "$load_before")" "$(json_str "$load_after")" "$(nproc)"
	printf ' "vm_cpus": %d, "accel": %s, "headroom": %d, "put": %d, "repeat": %d,' \
		"${VM_CPUS:-2}" "$(json_str "${accel:-}")" "$HEADROOM" "$PUT" "$REPEAT"
	printf ' "count": %s, "ref_size": %d, "append": %s},\n' \
		"$(json_str "$COUNT_BASE$([ "$scale" = 1 ] || echo "*$scale")*1500/(size+1500), rounded to 100, at least 1000; latency: $((640000 / REPEAT))")" "$REF" \
		"$(json_str "${BENCH_APPEND:-}")"
	printf '"summary": %s,\n"rows": ' "$(json_str "$summary")"
	awk -f "$BENCH/json.awk" "$rows"
	printf '}\n'
} >"$out/results.json"

echo
echo "skbfactory bench $stamp ($(hms "$total"); load average before $load_before, after $load_after):"
echo "$summary"
echo
pngs=("$out"/*.png)
pngs=("${pngs[@]##*/}")
say "results in $out (results.md, results.json, ${pngs[*]})"
if [ ${#failed[@]} -gt 0 ]; then
	for f in "${failed[@]}"; do
		printf 'skbfactory: bench: %s\n' "$f" >&2
	done
	exit 1
fi
