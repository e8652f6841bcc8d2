# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh disable=SC2034,SC2154,SC2016,SC3037 # variables of tests/lib.sh; awk programs; busybox echo
#
# tests/cases.sh: the integration test cases, sourced by tests/job.sh in the
# VM.  A case is a function case_NAME, run by run_case (lib.sh) with the
# default config; it calls fail to fail, skip to skip.  To add one: write
# case_NAME and name it in cases_plan.

# cases_plan KIND: the cases for a stock or the debug kernel, in order.
cases_plan() {
	echo files_mode config_roundtrip
	echo bad_unknown_key bad_duplicate_key bad_number bad_negative bad_past_2e64
	echo bad_range_size bad_range_headroom bad_range_put bad_range_count bad_range_repeat
	echo bad_range_batch bad_range_latency bad_headroom_put bad_empty_value bad_empty_key
	echo bad_trailing_garbage bad_random_4k bad_nul bad_cpu_reversed bad_cpu_offline
	echo bad_mode bad_dev_name bad_whitespace_only bad_reset_mixed bad_too_long
	echo bad_run_start_twice bad_run_dev_missing bad_readonly_files
	echo run_default_nic_cpu run_irq_move run_cpu_all run_cpu_list run_cpu_offline run_mode_all
	echo run_tokens_override run_latency layout_offsets stats_counters
	echo run_ebusy run_kill9 run_killterm
	echo watchdog_long_run timing_wall_clock timing_empty_vs_alloc
	[ "$1" != debug ] || echo fuzz failslab
	echo rmmod_during_run insmod_cycles
	[ "$1" != debug ] || echo kmemleak
}

# note MESSAGE: a diagnostic of the current case.
note() { diag "$CASE: $*"; }

# lines WORD...: LINES = the words a line each, as config shows them.
lines() {
	LINES=
	for _w in "$@"; do LINES="$LINES$_w
"; done
}

# awk_check AWK-ARGS...: awk's lines are notes ("  " first) or failures.
awk_check() {
	awk "$@" >"$T/awk.out"
	while IFS= read -r _l; do
		case $_l in "  "*) note "${_l#  }" ;; *) fail "$_l" ;; esac
	done <"$T/awk.out"
}

# ---- The files ----

case_files_mode() {
	# Root's only, as the contract says: no group or other access.
	for f in '' /config /run /results /layout /stats; do
		case $f in '') m='7[0-5][0-5]' ;; /config) m=600 ;; /run) m=200 ;; *) m=400 ;; esac
		like "$(stat -c '%a %u:%g' "$D$f" 2>&1)" "$m 0:0" "$D$f: mode and owner"
	done
	# Before any run results says so.
	stat_get runs
	[ "$STAT" != 0 ] || { slurp "$D/results" && like "$SLURP" '*# runs: none yet*' "results before any run"; }
}

lines mode=alloc_skb size=1500 headroom=14 put=100 count=200000 repeat=5 batch=1 cpu=nic dev= latency=0
DEFAULT_CONFIG=$LINES

case_config_roundtrip() {
	slurp "$D/config"
	eq "$SLURP" "$DEFAULT_CONFIG" "the default config"
	# Every key alone, then read back.
	for kv in mode=napi_alloc_skb mode=all mode=empty size=4096 headroom=64 put=512 \
		count=12345 repeat=7 batch=16 cpu=0 cpu=all cpu=0-1 cpu=1,0 cpu=nic \
		dev=eth0 dev=lo dev= latency=1 latency=0 mode=build_skb; do
		wr config "$kv"
		expect_ok "config '$kv'" || continue
		found=
		while IFS= read -r l; do
			case $l in "${kv%%=*}="*) found=$l ;; esac
		done <"$D/config"
		eq "$found" "$kv" "config after writing '$kv'"
	done
	# All keys at once, separated by spaces, tabs and newlines.
	wre config 'mode=kmalloc_floor size=2048\theadroom=32\nput=1000 count=99 repeat=3 batch=4096 cpu=0 dev=eth0 latency=1\n'
	expect_ok "config with every key"
	lines mode=kmalloc_floor size=2048 headroom=32 put=1000 count=99 repeat=3 batch=4096 cpu=0 dev=eth0 latency=1
	slurp "$D/config"
	eq "$SLURP" "$LINES" "config with every key"
	# What config shows is what config takes.
	wr config "$SLURP"
	expect_ok "writing config's own text back"
	slurp "$D/config"
	eq "$SLURP" "$LINES" "config's own text written back"
	wr config reset
	expect_ok "reset"
	slurp "$D/config"
	eq "$SLURP" "$DEFAULT_CONFIG" "config after reset"
}

# ---- Bad writes: EINVAL, config and results unchanged, one log line ----

# bad_one FILE WHAT WHY CMD...: CMD, a write to FILE, must fail with EINVAL,
# config unchanged; bad_end checks it logged one "skbfactory: FILE: ...WHY".
bad_one() {
	_f=$1 _what=$2 _why=$3
	shift 3
	slurp "$D/config"
	_cfg=$SLURP
	BADN=$((BADN + 1))
	kmark "<bad $BADN>"
	"$@"
	expect_err EINVAL "$_what ($_f)"
	slurp "$D/config"
	[ "$SLURP" = "$_cfg" ] || fail "$_what ($_f): config changed to: $SLURP"
	BADS="$BADS$BADN $_f $_what|$_why
"
}

# bad WHAT PAYLOAD WHY [run|config]: bad_one of PAYLOAD (echo -e escapes)
# to config and of "1 PAYLOAD" to run.
bad() {
	for _bf in config run; do
		[ "${4:-both}" = both ] || [ "$4" = "$_bf" ] || continue
		_p=$2
		[ "$_bf" = config ] || _p="1 $2"
		bad_one "$_bf" "$1" "$3" wre "$_bf" "$_p"
	done
}

# bad_begin / bad_end: around bad writes; results must not change.  bads:
# those of stdin between them, a line each: WHAT|PAYLOAD|WHY[|FILE].
bad_begin() {
	BADN=0 BADS='' BADMARK="bad-$CASE"
	kmark "$BADMARK"
	slurp "$D/results"
	BADRES=$SLURP
}

bad_end() {
	slurp "$D/results"
	[ "$SLURP" = "$BADRES" ] || fail "the bad writes changed results"
	klog_sync
	# The module's lines after each bad write's mark, as "N|line".
	_cur='' _log=''
	while IFS= read -r _l; do
		case $_l in
		"skbf-test: $BADMARK") _log='' _cur='' ;;
		"skbf-test: <bad "*">") _cur=${_l#"skbf-test: <bad "} _cur=${_cur%">"} ;;
		"skbfactory: "*) [ -z "$_cur" ] || _log="$_log$_cur|$_l
" ;;
		esac
	done <"$KL/$CASE"
	while IFS='|' read -r _head _why; do
		[ -n "$_head" ] || continue
		_n=${_head%% *} _f=${_head#* } _what=${_f#* } _f=${_f%% *}
		_cnt=0 _line=''
		while IFS='|' read -r _c _l; do
			[ "$_c" != "$_n" ] || _cnt=$((_cnt + 1)) _line="$_line${_line:+ // }$_l"
		done <<EOF
$_log
EOF
		if [ "$_cnt" != 1 ]; then
			fail "$_what ($_f): $_cnt lines of skbfactory in the log, want 1: $_line"
		else
			case $_line in *"skbfactory: $_f: "*"$_why"*) ;; *) fail "$_what ($_f): the log line '$_line' does not say '$_f: ...$_why...'" ;; esac
		fi
	done <<EOF
$BADS
EOF
}

bads() {
	bad_begin
	while IFS='|' read -r _w _p _y _fs; do bad "$_w" "$_p" "$_y" "$_fs"; done
	bad_end
}

case_bad_unknown_key() {
	bads <<'EOF'
unknown key|bogus=1|unknown key "bogus"
unknown key among good ones|size=512 Size=1 count=5|unknown key "Size"
EOF
}

case_bad_duplicate_key() {
	bads <<'EOF'
duplicate key|size=64 headroom=0 put=0 size=64|duplicate key "size"
duplicate key, different values|count=5 count=6|duplicate key "count"
EOF
}

# bad_numbers KEY=VALUE...: "KEY=VALUE: expected a decimal number" each.
bad_numbers() {
	bad_begin
	for kv in "$@"; do bad "$kv" "$kv" "$kv: expected a decimal number"; done
	bad_end
}

case_bad_number() { bad_numbers size=0x40 count=ten count=+5 repeat=1.5; }
case_bad_negative() { bad_numbers size=-1 count=-200000; }
case_bad_past_2e64() { bad_numbers count=18446744073709551616 size=18446744073709551615 repeat=4294967296; }

# range KEY MIN MAX EXTRA: MIN and MAX are taken (with EXTRA), MIN-1 (when
# MIN > 0) and MAX+1 are not.
range() {
	for v in "$2" "$3"; do
		wr config "$1=$v $4"
		expect_ok "$1=$v (a bound)"
	done
	wr config reset
	bad_begin
	[ "$2" = 0 ] || bad "$1 below the minimum" "$1=$(($2 - 1)) $4" "$1=$(($2 - 1)): expected a decimal number $2..$3"
	bad "$1 above the maximum" "$1=$(($3 + 1)) $4" "$1=$(($3 + 1)): expected a decimal number $2..$3"
	bad_end
}

case_bad_range_size() { range size 1 65536 'headroom=0 put=0'; }
case_bad_range_headroom() { range headroom 0 65536 'size=65536 put=0'; }
case_bad_range_put() { range put 0 65536 'size=65536 headroom=0'; }
case_bad_range_count() { range count 1 100000000 ''; }
case_bad_range_repeat() { range repeat 1 100 ''; }
case_bad_range_batch() { range batch 1 4096 ''; }
case_bad_range_latency() { range latency 0 1 ''; }

case_bad_headroom_put() {
	wr config 'size=100 headroom=50 put=50'
	expect_ok "headroom + put == size"
	wr config reset
	bad_begin
	bad "headroom+put > size" 'size=100 headroom=50 put=51' 'headroom=50 + put=51 exceeds size=100'
	bad "default headroom+put > size" 'size=64' 'headroom=14 + put=100 exceeds size=64'
	bad "headroom+put > max size" 'size=65536 headroom=65536 put=65536' 'exceeds size=65536'
	bad_end
}

case_bad_empty_value() {
	bads <<'EOF'
empty value|size=|size=: expected a decimal number
empty mode|mode=|mode=: unknown mode
empty cpu|cpu=|cpu=: expected nic, all
EOF
}

case_bad_empty_key() {
	bads <<'EOF'
empty key|=5|"=5": expected key=value
no =|size|"size": expected key=value
lone =|=|"=": expected key=value
EOF
}

case_bad_trailing_garbage() {
	bads <<'EOF'
trailing garbage|size=64x|size=64x: expected a decimal number
trailing garbage after a good key|size=512 count=5,|count=5,: expected a decimal number
mode with garbage|mode=alloc_skbx|mode=alloc_skbx: unknown mode
EOF
}

case_bad_random_4k() {
	# 4096 random bytes in one write (the guest's crng may take seconds).
	head -c 4096 /dev/urandom >"$T/rand4k"
	[ -s "$T/rand4k" ] || { fail "no random bytes from /dev/urandom" && return; }
	{ printf '1 ' && head -c 4094 "$T/rand4k"; } >"$T/rand4k.run"
	bad_begin
	bad_one config "4 KiB of random bytes" 'non-printable byte' wrfile config "$T/rand4k"
	bad_one run "1 + 4094 random bytes" 'non-printable byte' wrfile run "$T/rand4k.run"
	bad_end
}

case_bad_nul() {
	bads <<'EOF'
trailing NUL|size=64\0000|non-printable byte 0x00 at offset 7|config
NUL inside|size=1024\0000 count=5|non-printable byte 0x00 at offset
EOF
}

case_bad_cpu_reversed() {
	bads <<'EOF'
reversed range|cpu=1-0|cpu=1-0: expected nic, all, or a list of online CPUs
EOF
}

case_bad_cpu_offline() {
	# CPU 7 does not exist; on the debug kernel (NR_CPUS=8) 8 cannot.
	bad_begin
	bad "cpu=7" 'cpu=7' 'cpu=7: expected nic, all, or a list of online CPUs'
	for v in "$VM_CPUS" "0-$VM_CPUS" 4096 -1; do bad "cpu=$v" "cpu=$v" "cpu=$v: expected nic, all"; done
	bad_end
}

case_bad_mode() {
	bads <<'EOF'
unknown mode|mode=bogus|mode=bogus: unknown mode
mode by number|mode=0|mode=0: unknown mode
mode in capitals|mode=ALLOC_SKB|unknown mode
EOF
}

case_bad_dev_name() {
	bads <<'EOF'
dev with a slash|dev=a/b|dev=a/b: not a valid interface name
dev of 16 characters|dev=abcdefghijklmnop|not a valid interface name
dev=.|dev=.|dev=.: not a valid interface name
EOF
}

case_bad_whitespace_only() {
	bads <<'EOF'
only whitespace|  \t\n|empty write|config
only a newline|\n|empty write|config
EOF
}

case_bad_reset_mixed() {
	bads <<'EOF'
reset with a key|reset size=64|"reset" must be the only token|config
reset twice|reset reset|"reset" must be the only token|config
reset to run|reset|"reset": expected key=value|run
1 to config|1|"1": expected key=value|config
EOF
}

case_bad_too_long() {
	# 4097 bytes of valid tokens: over the 4096-byte limit.
	s='count=5'
	while [ ${#s} -lt 4097 ]; do s="$s                                                               "; done
	s=$(echo "$s" | head -c 4097)
	bad_begin
	bad "4097 bytes" "$s" 'write of 4097 bytes, at most 4096 allowed' config
	bad "1 + 4095 bytes" "$(echo "$s" | head -c 4095)" 'write of 4097 bytes, at most 4096 allowed' run
	bad_end
	# 4096 bytes is fine.
	wr config "$(echo "$s" | head -c 4096)"
	expect_ok "4096 bytes of tokens"
}

case_bad_run_start_twice() {
	bads <<'EOF'
1 1|1|"1": start given twice|run
1 start|start|"start": start given twice|run
EOF
}

case_bad_run_dev_missing() {
	slurp "$D/config"
	cfg=$SLURP
	kmark "dev missing"
	wr run "1 dev=nosuch0 count=1 repeat=1"
	expect_err ENODEV "run with dev=nosuch0"
	slurp "$D/config"
	[ "$SLURP" = "$cfg" ] || fail "config changed"
	klog_after "dev missing"
	eq "$KLOG" "skbfactory: run: dev=nosuch0: no such device
" "the log"
	# A device that exists but has no IRQ: the rule falls back.
	run1 "dev=lo count=$QCOUNT repeat=1" || return
	case $RES_cpu_rule in nic-node* | writer*) ;; *) fail "dev=lo: cpu_rule is '$RES_cpu_rule'" ;; esac
	eq "$RES_nic" lo "dev=lo: nic"
	eq "$RES_nic_irq" none "dev=lo: nic_irq"
}

case_bad_readonly_files() {
	# Root may open them for writing (and run for reading): EINVAL.
	for f in results layout stats; do
		wr "$f" 'count=5'
		expect_err EINVAL "writing $f"
	done
	! cat "$D/run" >/dev/null 2>"$T/err" || fail "reading run succeeded"
	read_err "$T/err"
	like "$WR_ERR" '*Invalid argument*' "reading run"
}

# ---- Runs ----

case_run_default_nic_cpu() {
	# The default config but for a short count; then "1" as a user would.
	wr config "count=$QCOUNT repeat=2"
	expect_ok "config count=$QCOUNT repeat=2" || return
	echo 1 >"$D/run" || { fail "echo 1 > run failed" && return; }
	res_load
	eq "$RES_ROWS" 1 "rows"
	for col in mode cpu size headroom put batch count repeat ns_per_op ns_min ns_max ops_per_sec fails; do
		like " $RES_HEADER " "* $col *" "the header row, for column $col"
	done
	eq "$RES_cpus" "$VM_NIC_CPU" "# cpus (the NIC's IRQs are on CPU $VM_NIC_CPU)"
	like "$RES_cpu_rule" 'nic-irq:*' "cpu_rule"
	eq "$RES_nic" eth0 "nic"
	like " $VM_NIC_IRQS " "* ${RES_nic_irq%% *} *" "the NIC's IRQs, for nic_irq"
	like "$RES_nic_irq" '*input*' "nic_irq (the receive queue's)"
	eq "$RES_config" "mode=alloc_skb size=1500 headroom=14 put=100 count=$QCOUNT repeat=2 batch=1 cpu=nic dev= latency=0" "# config"
	for cv in mode:alloc_skb cpu:"$VM_NIC_CPU" size:1500 headroom:14 put:100 batch:1 count:"$QCOUNT" repeat:2 fails:0; do
		row_is 1 "${cv%%:*}" "${cv#*:}"
	done
	awk_check -v ns="$R1_ns_per_op" -v lo="$R1_ns_min" -v hi="$R1_ns_max" -v ops="$R1_ops_per_sec" 'BEGIN {
		ns += 0; lo += 0; hi += 0; ops += 0; e = ns ? 1e9 / ns : 0
		if (!(ns > 0 && lo <= ns && ns <= hi)) print "ns_min <= ns_per_op <= ns_max fails: " lo " " ns " " hi
		else if (ops < e * 0.99 || ops > e * 1.01) print "ops_per_sec " ops " is not 1e9/ns_per_op = " e }'
}

case_run_irq_move() {
	[ "$VM_CPUS" -ge 2 ] || { skip "one CPU" && return; }
	run1 "count=$QCOUNT repeat=1" || return
	irq=${RES_nic_irq%% *}
	aff=/proc/irq/$irq/smp_affinity_list
	[ -w "$aff" ] || { fail "no $aff (nic_irq: $RES_nic_irq)" && return; }
	# No traffic: x86 moves the IRQ when it next fires; the run follows.
	for cpu in $(((VM_NIC_CPU + 1) % VM_CPUS)) "$VM_NIC_CPU"; do
		echo "$cpu" >"$aff" || { fail "echo $cpu > $aff failed" && break; }
		run1 "count=$QCOUNT repeat=1" || break
		eq "$RES_cpus" "$cpu" "IRQ $irq on CPU $cpu: # cpus"
		row_is 1 cpu "$cpu"
		like "$RES_cpu_rule" 'nic-irq:*' "cpu_rule"
	done
	echo "$VM_NIC_CPU" >"$aff"
}

case_run_cpu_all() {
	run1 "cpu=all count=$QCOUNT repeat=2" || return
	eq "$RES_ROWS" $((VM_CPUS + 1)) "rows (one per CPU and the sum)"
	eq "$RES_cpus" "0-$((VM_CPUS - 1))" "# cpus"
	like "$RES_cpu_rule" 'all:*' "cpu_rule"
	sum=0 fails=0 cpu=0
	while [ "$cpu" -lt "$VM_CPUS" ]; do
		if row_find alloc_skb "$cpu"; then
			row "$ROW" ops_per_sec
			sum=$((sum + VAL))
			row "$ROW" fails
			fails=$((fails + VAL))
		else
			fail "no row for CPU $cpu"
		fi
		cpu=$((cpu + 1))
	done
	row_find alloc_skb sum || { fail "no sum row" && return; }
	row_is "$ROW" ops_per_sec "$sum"
	row_is "$ROW" fails "$fails"
	row_is "$ROW" ns_per_op -
	eq "$ROW" "$RES_ROWS" "the sum row's place"
}

case_run_cpu_list() {
	for list in 0 "$((VM_CPUS - 1))"; do
		run1 "cpu=$list count=$QCOUNT repeat=1" || continue
		eq "$RES_ROWS" 1 "cpu=$list: rows"
		row_is 1 cpu "$list"
		like "$RES_cpu_rule" 'list:*' "cpu=$list: cpu_rule"
	done
}

case_run_cpu_offline() {
	# An offline CPU is refused, cpu=all leaves it out, cpu=nic moves off.
	cpu=$VM_NIC_CPU
	online=/sys/devices/system/cpu/cpu$cpu/online
	if [ "$VM_CPUS" -lt 2 ] || [ ! -w "$online" ]; then
		skip "CPU $cpu cannot go offline here"
		return
	fi
	echo 0 >"$online" || { fail "cannot take CPU $cpu offline" && return; }
	bad_begin
	bad "offline CPU" "cpu=$cpu" "cpu=$cpu: expected nic, all, or a list of online CPUs"
	bad_end
	run1 "cpu=all count=$QCOUNT repeat=1"
	eq "$RES_ROWS" $((VM_CPUS - 1 + (VM_CPUS > 2))) "cpu=all with CPU $cpu offline: rows"
	! row_find alloc_skb "$cpu" || fail "cpu=all: a row for offline CPU $cpu"
	run1 "count=$QCOUNT repeat=1"
	row 1 cpu
	[ "$VAL" != "$cpu" ] || fail "the NIC's CPU is offline CPU $cpu"
	echo 1 >"$online" || fail "cannot bring CPU $cpu back"
	# Its IRQs do not come back by themselves.
	for irq in $VM_NIC_IRQS; do
		echo "$cpu" >"/proc/irq/$irq/smp_affinity_list" || fail "cannot pin IRQ $irq to CPU $cpu again"
	done
	run1 "count=$QCOUNT repeat=1"
	row_is 1 cpu "$cpu"
}

MODES="alloc_skb alloc_skb_fclone netdev_alloc_skb napi_alloc_skb build_skb kmalloc_floor empty"

case_run_mode_all() {
	run1 "mode=all count=$QCOUNT repeat=1" || return
	eq "$RES_ROWS" 7 "mode=all: rows"
	i=1
	for m in $MODES; do
		row_is "$i" mode "$m"
		row_is "$i" cpu "$VM_NIC_CPU"
		i=$((i + 1))
	done
	run1 "mode=all cpu=all count=$QCOUNT repeat=1" || return
	eq "$RES_ROWS" $((7 * (VM_CPUS + 1))) "mode=all cpu=all: rows"
	for m in $MODES; do
		row_find "$m" sum || fail "mode=all cpu=all: no sum row for $m"
		row_find "$m" 0 || fail "mode=all cpu=all: no CPU 0 row for $m"
	done
}

case_run_tokens_override() {
	wr config "count=$QCOUNT repeat=1 size=1500 headroom=14 put=100"
	expect_ok "config" || return
	slurp "$D/config"
	cfg=$SLURP
	run1 "size=256 headroom=32 put=64 batch=8 mode=napi_alloc_skb cpu=0" || return
	slurp "$D/config"
	[ "$SLURP" = "$cfg" ] || fail "the run's tokens changed config to: $SLURP"
	eq "$RES_config" "mode=napi_alloc_skb size=256 headroom=32 put=64 count=$QCOUNT repeat=1 batch=8 cpu=0 dev= latency=0" "# config"
	for cv in mode:napi_alloc_skb cpu:0 size:256 headroom:32 put:64 batch:8; do
		row_is 1 "${cv%%:*}" "${cv#*:}"
	done
	# The next run without tokens uses config again.
	run1 || return
	row_is 1 size 1500
	row_is 1 mode alloc_skb
}

case_run_latency() {
	run1 "latency=1 count=$((QCOUNT < 640 ? 640 : QCOUNT)) repeat=1" || return
	like "$RES_HEADER" '* p50_ns p99_ns p999_ns lat_samples' "latency=1: the header"
	[ -n "$RES_latency" ] || fail "latency=1: no '# latency:' line"
	p50=$R1_p50_ns p99=$R1_p99_ns p999=$R1_p999_ns
	if ! { [ "$p50" -gt 0 ] && [ "$p50" -le "$p99" ] && [ "$p99" -le "$p999" ]; }; then
		fail "latency=1: p50 $p50, p99 $p99, p999 $p999"
	fi
	run1 "count=$QCOUNT repeat=1" || return
	case $RES_HEADER in *p50*) fail "latency=0 shows latency columns" ;; esac
}

# layout_check SIZE HEADROOM PUT: one read of layout, step by step.
layout_check() {
	wr config "size=$1 headroom=$2 put=$3"
	expect_ok "config size=$1 headroom=$2 put=$3" || return
	unset L_title L_buffer L_skb_push_data L_skb_push_len L_skb_pull_data L_skb_push_skipped
	eval "$(awk '
		/^[a-z_]+\(/ || /^skb_get$/ || /^kfree_skb$/ {
			step = $0; sub(/\(.*/, "", step); cur = (++n[step] == 1) ? step : ""; next }
		/^  [a-z]+: -?[0-9]+$/ && cur != "" { k = $1; sub(/:$/, "", k); print "L_" cur "_" k "=" $2 }
		/^  skipped:/ && cur != "" { print "L_" cur "_skipped=1" }
		/^# skbfactory layout:/ { print "L_title=1" }
		/^buffer: asked/ { print "L_buffer=1" }' "$D/layout")" || { fail "layout could not be read" && return; }
	h=$2 p=$3 tag="size=$1 headroom=$2 put=$3"
	[ "${L_title:-}" = 1 ] || fail "$tag: no title line"
	[ "${L_buffer:-}" = 1 ] || fail "$tag: no buffer line"
	for e in alloc_skb_data:0 alloc_skb_tail:0 alloc_skb_len:0 alloc_skb_users:1 \
		skb_reserve_data:$h skb_reserve_tail:$h skb_reserve_len:0 skb_reserve_headroom:$h \
		skb_put_data:$h skb_put_tail:$((h + p)) skb_put_len:$p skb_put_headroom:$h \
		skb_get_users:2 kfree_skb_users:1; do
		eval "v=\${L_${e%%:*}-missing}"
		eq "$v" "${e#*:}" "$tag: ${e%%:*}"
	done
	end=${L_skb_put_end:-0}
	[ "$end" -ge "$1" ] || fail "$tag: end $end < size $1"
	eq "${L_skb_put_tailroom:-missing}" $((end - h - p)) "$tag: tailroom (end - headroom - put)"
	if [ "$h" -ge 14 ]; then
		eq "${L_skb_push_data:-missing}" $((h - 14)) "$tag: data after skb_push"
		eq "${L_skb_push_len:-missing}" $((p + 14)) "$tag: len after skb_push"
		eq "${L_skb_pull_data:-missing}" "$h" "$tag: data after skb_pull"
	else
		[ "${L_skb_push_skipped:-}" = 1 ] || fail "$tag: headroom < 14 but skb_push not skipped"
	fi
}

case_layout_offsets() {
	stat_get skbs_allocated
	a0=$STAT
	layout_check 1500 14 100
	layout_check 2048 64 300
	layout_check 64 0 0
	layout_check 256 10 200
	layout_check 65536 1000 60000
	stat_get skbs_allocated
	eq $((STAT - a0)) 5 "skbs allocated by 5 layout reads"
}

case_stats_counters() {
	stat_get runs
	for k in runs runs_interrupted skbs_allocated skbs_freed alloc_failures; do
		stat_of $k
		eval "s0_$k=\$STAT"
	done
	run1 "count=$QCOUNT repeat=2" || return
	run1 "mode=empty count=$QCOUNT repeat=1" || return
	run1 "mode=kmalloc_floor count=$QCOUNT repeat=1" || return
	run1 "mode=build_skb batch=7 count=$QCOUNT repeat=3" || return
	wr run "1 size=bad"
	expect_err EINVAL "a bad run"
	stat_get last_error
	like "$STAT" '-22 run: size=bad: expected a decimal number*' "last_error"
	stat_of runs
	eq "$STAT" $((s0_runs + 4)) "runs after 4 runs (from $s0_runs)"
	stat_of runs_interrupted
	eq "$STAT" "$s0_runs_interrupted" "runs_interrupted"
	stat_of skbs_allocated
	a=$((STAT - s0_skbs_allocated))
	eq "$a" $((QCOUNT * 5)) "skbs allocated (empty and kmalloc_floor make none)"
	stat_of skbs_freed
	eq $((STAT - s0_skbs_freed)) "$a" "skbs freed, against allocated"
	stat_of alloc_failures
	eq "$STAT" "$s0_alloc_failures" "alloc_failures"
}

# ---- Concurrency and lifecycle ----

# bg_start TOKENS: a background run of about 20 s here, measuring.
bg_start() {
	count_for 20000
	bg_run "count=$COUNT repeat=1 $*"
	wait_running 10 || { fail "the background run never showed in stats" && return 1; }
}

case_run_ebusy() {
	bg_start || return
	kmark "ebusy"
	wr run "1 count=1 repeat=1"
	expect_err EBUSY "a second run while one is in progress"
	klog_after ebusy
	like "$KLOG" '*skbfactory: run: a run is already in progress*' "the log"
	# config can be changed meanwhile, and layout read.
	wr config "count=77"
	expect_ok "config while a run is in progress"
	slurp "$D/layout"
	eq "$READ_RC" 0 "reading layout while a run is in progress"
	kill -TERM "$BG"
	wait_gone "$BG" 10 || fail "the background writer ignores SIGTERM"
	slurp "$D/config"
	like "$SLURP" '*count=77*' "config after the busy run"
	wait_idle 5 || fail "the run does not end"
	run1 "count=$QCOUNT repeat=1" || fail "a run after the busy one fails"
}

# killed SIGNAL TOKENS: a run whose writer gets SIGNAL ends within 1 s,
# every skb released.
killed() {
	stat_get runs_interrupted
	i0=$STAT
	bg_start "$2" || return
	sleep 0.2
	kmark "kill $1"
	tic
	kill "-$1" "$BG"
	# The write returns once the run has ended and released everything.
	wait_gone "$BG" 10 || fail "the writer is still there 10 s after kill -$1"
	toc
	note "kill -$1: the write returned, the run over, after $CS_STR s"
	[ "$TOC" -le 100 ] || fail "the run took $CS_STR s to end after kill -$1, more than 1 s"
	wait_idle 10 || fail "stats still shows the run 10 s after the kill"
	BG=
	check_idle "after kill -$1"
	stat_get runs_interrupted
	eq "$STAT" $((i0 + 1)) "runs_interrupted (from $i0)"
	klog_after "kill $1"
	like "$KLOG" '*skbfactory: run: stopped by a signal; every skb released*' "the log"
	run1 "count=$QCOUNT repeat=1" || fail "a run after the killed one fails"
}

case_run_kill9() { killed 9 "batch=1"; }

# A batch in progress when the signal comes, all to release (KILL_BATCH:
# freeing 4096 takes seconds on the debug kernel).
case_run_killterm() { killed TERM "batch=$KILL_BATCH size=4096 put=1000"; }

case_rmmod_during_run() {
	bg_start || return
	sleep 0.2
	kmark "rmmod"
	CASE_UNLOADS=1
	tic
	rmmod skbfactory 2>"$T/err" || { read_err "$T/err" && fail "rmmod failed: $WR_ERR"; }
	toc
	note "rmmod during a run took $CS_STR s"
	[ "$TOC" -le 200 ] || fail "rmmod took $CS_STR s, more than 2 s"
	wait_gone "$BG" 10 || fail "the writer is still there after rmmod"
	read_err "$T/bg.err"
	like "$WR_ERR" '*No such device*' "the writer's write (want ENODEV)"
	BG=
	[ ! -e "$D" ] || fail "$D is still there"
	klog_after rmmod
	like "$KLOG" '*skbfactory: run: stopped by rmmod; every skb released*' "the log"
	insmod "$KO" || { fail "insmod after rmmod failed" && return; }
	CASE_UNLOADS=0
	run1 "count=$QCOUNT repeat=1" || fail "a run after reloading fails"
}

case_insmod_cycles() {
	n=0 CASE_UNLOADS=1
	tic
	while [ "$n" -lt "$CYCLES" ]; do
		rmmod skbfactory 2>"$T/err" || { read_err "$T/err" && fail "cycle $n: rmmod: $WR_ERR" && break; }
		[ ! -e "$D" ] || fail "cycle $n: $D is still there after rmmod"
		insmod "$KO" 2>"$T/err" || { read_err "$T/err" && fail "cycle $n: insmod: $WR_ERR" && break; }
		[ -f "$D/config" ] || fail "cycle $n: no $D/config after insmod"
		n=$((n + 1))
	done
	toc
	note "$n insmod/rmmod cycles in $CS_STR s"
	CASE_UNLOADS=0
	ensure_loaded || return
	slurp "$D/config"
	eq "$SLURP" "$DEFAULT_CONFIG" "a fresh module's config"
	stat_get runs
	eq "$STAT" 0 "a fresh module's runs"
	run1 "count=$QCOUNT repeat=1" || fail "a run after the cycles fails"
}

# ---- Long runs and the watchdogs ----

# watched_run TOKENS: run1 TOKENS and say how long it took.
watched_run() {
	tic
	run1 "$*"
	toc
	note "$*: $CS_STR s"
}

case_watchdog_long_run() {
	w=/proc/sys/kernel/watchdog_thresh
	[ -w $w ] || { skip "no $w" && return; }
	# (sysctl files answer only a read at offset 0: no read builtin here)
	thresh=$(cat $w)
	eq "$(cat /proc/sys/kernel/soft_watchdog)" 1 "soft_watchdog (the soft-lockup detector)"
	calibrate
	echo 1 >$w || fail "cannot set watchdog_thresh"
	kmark "watchdog_thresh=1"
	# A long run: about 4 s (2 s on the debug kernel) in two repetitions.
	count_for "$LONG_MS"
	watched_run "count=$COUNT repeat=2"
	# Big buffers: how long one takes here, then 4096 of them held at once.
	run1 "size=65536 headroom=0 put=65536 count=$BIGCAL repeat=1"
	big=${R1_ns_per_op%%.*}
	[ "${big:-0}" -gt 0 ] || big=1
	n=$((1500000000 / big))
	[ "$n" -le 4096 ] || n=4096
	[ "$n" -ge 1 ] || n=1
	watched_run "batch=4096 size=65536 headroom=0 put=65536 count=$n repeat=1"
	# Every mode with big buffers, briefly.
	n=$((1000000000 / 7 / big))
	[ "$n" -ge 1 ] || n=1
	watched_run "mode=all size=65536 headroom=0 put=60000 batch=64 count=$n repeat=1"
	echo "$thresh" >$w
	eq "$(cat $w)" "$thresh" "watchdog_thresh restored"
	# (a lockup or stall report is a complaint: run_case fails the case)
}

# ---- The measurement, checked from the outside ----

case_timing_wall_clock() {
	# The module's timed total must fit in the write's wall time, taken in
	# userspace, and fill most of it: ns_per_op x count with repeat=1 (3
	# runs of ~0.3 s), (ns_min + ns_per_op + ns_max) x count with repeat=3.
	calibrate
	count_for 300
	: >"$T/timing"
	for r in 1 1 1 3; do
		now_ns
		t0=$NS
		wr run "1 mode=alloc_skb count=$COUNT repeat=$r"
		now_ns
		expect_ok "run '1 mode=alloc_skb count=$COUNT repeat=$r'" || return
		res_load
		echo "$r $R1_ns_per_op $R1_ns_min $R1_ns_max $((NS - t0))" >>"$T/timing"
	done
	awk_check -v c="$COUNT" '{
		r = $1 + 0; ns = $2 + 0; lo = $3 + 0; hi = $4 + 0; wall = $5 + 0
		total = (r == 1) ? ns * c : (lo + ns + hi) * c
		what = (r == 1) ? "ns_per_op x count" : "(ns_min + ns_per_op + ns_max) x count"
		printf "  count=%d repeat=%d: wall %.3f s, %.1f ns per op from userspace; module: ns_per_op %s, %s = %.3f s, %.0f%% of wall", \
			c, r, wall / 1e9, wall / (c * r), $2, what, total / 1e9, 100 * total / wall
		if (r > 1) printf "; ns_per_op x count x repeat = %.3f s (%.0f%%)", ns * c * r / 1e9, 100 * ns * c * r / wall
		printf "\n"
		if (total > wall) print "repeat=" r ": the module timed more than the wall time"
		if (total < 0.5 * wall) print "repeat=" r ": the module timed less than 50% of the wall time"
	}' "$T/timing"
}

case_timing_empty_vs_alloc() {
	# The harness's cost (mode=empty) against alloc_skb's: medians of 3.
	calibrate
	count_for 300
	e='' a=''
	for _ in 1 2 3; do
		run1 "mode=empty count=1000000 repeat=3" || return
		e="$e $R1_ns_per_op"
		run1 "mode=alloc_skb count=$COUNT repeat=3" || return
		a="$a $R1_ns_per_op"
	done
	awk_check -v e="$e" -v a="$a" 'function med(s,    v) { split(s, v, " ")
			v[1] += 0; v[2] += 0; v[3] += 0
			return v[1] > v[2] ? (v[2] > v[3] ? v[2] : (v[1] > v[3] ? v[3] : v[1])) : (v[1] > v[3] ? v[1] : (v[2] > v[3] ? v[3] : v[2])) }
		BEGIN { me = med(e); ma = med(a)
			printf "  empty ns_per_op:%s (median %.2f); alloc_skb:%s (median %.2f); empty/alloc_skb = %.4f%%\n", e, me, a, ma, 100 * me / ma
			if (me >= 0.01 * ma) print "mode=empty costs 1% or more of alloc_skb" }'
}

# ---- Debug kernel only ----

case_fuzz() {
	# FUZZ_WRITES random writes (tests/fuzz.awk); FUZZ_SEED replays them.
	seed=${FUZZ_SEED:-$(date +%s)} n=${FUZZ_WRITES:-2000}
	note "$n writes, seed $seed (replay: FUZZ_SEED=$seed)"
	slurp "$D/config"
	keys0=
	for l in $SLURP; do keys0="$keys0 ${l%%=*}"; done
	# tests/integration.sh makes it with the same busybox: awk is slow here.
	script=/skbfactory/fuzz.sh
	read -r first <"$script" 2>/dev/null
	if [ "$first" != "# fuzz seed=$seed writes=$n" ]; then
		script=$T/fuzz.sh
		awk -v seed="$seed" -v n="$n" -f "$TESTS_DIR/fuzz.awk" >"$script" || { fail "the fuzz generator failed" && return; }
	fi
	FZ_OK=0 FZ_FAILED=0 FZ_EINVAL=0 FZ_OTHER=0 FZ_BAD=0 FZ_CFG='' FZ_KNOWN=0
	# 4089 spaces: 4096 (2^12) less 7, the length of "count=5".
	SP4089=' '
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12; do SP4089="$SP4089$SP4089"; done
	SP4089=${SP4089%???????}
	tic
	# shellcheck source=/dev/null
	. "$script"
	toc
	note "$FZ_OK writes succeeded, $FZ_FAILED failed (of the failures checked: $FZ_EINVAL EINVAL, $FZ_OTHER ENODEV/EBUSY/other), in $CS_STR s"
	# config is still readable, valid, and takes its own text back.
	slurp "$D/config"
	eq "$READ_RC" 0 "reading config after the fuzz"
	keys=
	for l in $SLURP; do keys="$keys ${l%%=*}"; done
	eq "$keys" "$keys0" "config's keys after the fuzz"
	cfg=$SLURP
	wr config "$cfg"
	expect_ok "writing config's text back after the fuzz"
	slurp "$D/config"
	[ "$SLURP" = "$cfg" ] || fail "config changed when its text was written back"
	for f in layout results; do
		slurp "$D/$f"
		eq "$READ_RC" 0 "reading $f after the fuzz"
	done
	check_idle "after the fuzz"
	wr config reset
	run1 "count=$QCOUNT repeat=1" || fail "a run after the fuzz fails"
}

# fz I FILE ESCAPED [PAD]: fuzz write I, ESCAPED through echo -ne, then PAD
# spaces.  Every tenth failure's errno is checked, every fifth failed write
# to config must have left it as it was (always would double the time).
fz() {
	if [ "$2" = config ] && [ "$FZ_KNOWN" = 0 ]; then
		slurp "$D/config"
		FZ_CFG=$SLURP FZ_KNOWN=1
	fi
	case ${4:-} in
	4089) _p="$3$SP4089" ;;
	4090) _p="$3$SP4089 " ;;
	*) _p=$3 ;;
	esac
	if [ $(($1 % 10)) = 0 ]; then
		wre "$2" "$_p"
	else
		echo -ne "$_p" 2>/dev/null >"$D/$2"
		# shellcheck disable=SC2320 # echo's status is the point
		WR_RC=$? WR_ERR=unchecked
	fi
	if [ "$WR_RC" = 0 ]; then
		FZ_OK=$((FZ_OK + 1))
		[ "$2" != config ] || FZ_KNOWN=0
	else
		FZ_FAILED=$((FZ_FAILED + 1))
		case $WR_ERR in
		unchecked) ;;
		*"Invalid argument"*) FZ_EINVAL=$((FZ_EINVAL + 1)) ;;
		*"No such device"* | *"Device or resource busy"*) FZ_OTHER=$((FZ_OTHER + 1)) ;;
		*)
			FZ_OTHER=$((FZ_OTHER + 1)) FZ_BAD=$((FZ_BAD + 1))
			[ "$FZ_BAD" -gt 5 ] || fail "fuzz write $1 to $2 failed oddly: $WR_ERR (payload '$3')"
			;;
		esac
		if [ "$2" = config ] && [ $(($1 % 5)) = 0 ]; then
			slurp "$D/config"
			[ "$SLURP" = "$FZ_CFG" ] || { fail "fuzz write $1 failed but changed config (payload '$3')" && FZ_KNOWN=0; }
		fi
	fi
	if [ $(($1 % 250)) = 0 ]; then
		kmark "fuzz write $1"
		stat_get skbs_outstanding
		eq "$STAT" 0 "fuzz write $1: skbs_outstanding"
	fi
}

# fr FILE: a fuzz read (from the generated script).
fr() {
	slurp "$D/$1"
	[ "$READ_RC" = 0 ] || [ "$1" = layout ] || fail "reading $1 failed during the fuzz"
}

case_failslab() {
	F=/sys/kernel/debug/failslab
	if [ ! -d "$F" ] || [ ! -e /proc/self/make-it-fail ]; then
		fail "no $F or /proc/self/make-it-fail: the debug kernel needs CONFIG_FAILSLAB and CONFIG_FAULT_INJECTION_DEBUG_FS"
		return
	fi
	stat_get alloc_failures
	f0=$STAT
	for kv in probability=0 interval=1 times=-1 verbose=0 ignore-gfp-wait=N cache-filter=N task-filter=Y; do
		echo "${kv#*=}" >"$F/${kv%%=*}"
	done
	# Only this subshell fails, and the run's threads that inherit its
	# make-it-fail; its first 64 KiB ("space") cover setting the run up, so
	# failures land in the threads' skbs.  On ENOMEM from the setup, again.
	tries=0 fails=0
	while [ "$tries" -lt 10 ] && [ "$fails" = 0 ]; do
		tries=$((tries + 1))
		echo 65536 >"$F/space"
		echo 20 >"$F/probability"
		(echo 1 >/proc/self/make-it-fail && echo "1 count=200 repeat=2 batch=4" >"$D/run") 2>"$T/err"
		rc=$?
		[ "$rc" = 0 ] || continue
		res_load
		fails=${R1_fails:-0}
	done
	echo 0 >"$F/probability"
	echo 0 >"$F/space"
	echo N >"$F/task-filter"
	if [ "$fails" = 0 ]; then
		read_err "$T/err"
		fail "no allocation failed in $tries runs under failslab (last: rc $rc, $WR_ERR)"
	else
		note "fails=$fails of 400 allocations (run $tries)"
	fi
	check_idle "after failslab"
	stat_get alloc_failures
	[ "$STAT" -gt "$f0" ] || fail "alloc_failures stayed $STAT"
	# Usable afterwards, and without fault injection nothing fails.
	run1 "count=$QCOUNT repeat=1 batch=4" || fail "a run after failslab fails"
}

case_kmemleak() {
	K=/sys/kernel/debug/kmemleak
	[ -w "$K" ] || { fail "no $K: the debug kernel needs CONFIG_DEBUG_KMEMLEAK" && return; }
	CASE_UNLOADS=1
	rmmod skbfactory || { fail "rmmod failed" && return; }
	# kmemleak reports objects unreferenced and unchanged in two scans and
	# older than 5 s: scan now and 5.5 s after the module went.
	up_cs
	t0=$UP
	echo scan >"$K"
	while [ "$UP" -lt $((t0 + 550)) ]; do
		sleep 0.2
		up_cs
	done
	echo scan >"$K"
	n=$(grep -c '^unreferenced object' "$K")
	note "$n suspected leaks after rmmod"
	[ "$n" = 0 ] || {
		fail "kmemleak: $n suspected leaks after rmmod"
		head -n 60 "$K" | while IFS= read -r l; do note "  $l"; done
	}
}
