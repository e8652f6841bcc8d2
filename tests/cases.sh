# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh disable=SC2034,SC2154 # the variables shared with tests/lib.sh
#
# tests/cases.sh: the integration test cases, sourced by tests/job.sh in
# the test VM.  Each case is a function case_NAME run by run_case (lib.sh)
# with the default config; it calls fail to fail.  cases_plan lists them
# in the order they run, per kernel kind.

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

# ---- The files ----

case_files_mode() {
	# Mode bits as the contract says (no group or other access), root's.
	for f in config:600 run:200 results:400 layout:400 stats:400; do
		[ -f "$D/${f%:*}" ] || fail "$D/${f%:*} is missing"
	done
	stat -c '%n %a %u %g' "$D" "$D/config" "$D/run" "$D/results" "$D/layout" "$D/stats" \
		>"$T/modes" 2>&1 || fail "stat failed"
	while read -r path mode uid gid; do
		case ${path#"$D"} in
		'') want='7[0-5][0-5]' ;;
		/config) want=600 ;;
		/run) want=200 ;;
		/results | /layout | /stats) want=400 ;;
		*) continue ;;
		esac
		# shellcheck disable=SC2254 # want is a pattern
		case $mode in $want) ;; *) fail "$path: mode $mode, want $want" ;; esac
		[ "$uid:$gid" = 0:0 ] || fail "$path: owner $uid:$gid, want root"
	done <"$T/modes"
	# Before any run results says so.
	stat_get runs
	if [ "$STAT" = 0 ]; then
		slurp "$D/results"
		case $SLURP in
		*"# runs: none yet"*) ;;
		*) fail "results before any run lacks '# runs: none yet': $SLURP" ;;
		esac
	fi
}

DEFAULT_CONFIG='mode=alloc_skb
size=1500
headroom=14
put=100
count=200000
repeat=5
batch=1
cpu=nic
dev=
latency=0
'

case_config_roundtrip() {
	slurp "$D/config"
	[ "$SLURP" = "$DEFAULT_CONFIG" ] || fail "the default config reads: $SLURP"
	# Every key alone, then read back.
	for kv in mode=napi_alloc_skb mode=all mode=empty size=4096 headroom=64 put=512 \
		count=12345 repeat=7 batch=16 cpu=0 cpu=all cpu=0-1 cpu=1,0 cpu=nic \
		dev=eth0 dev=lo dev= latency=1 latency=0 mode=build_skb; do
		wr config "$kv"
		expect_ok "config '$kv'" || continue
		k=${kv%%=*}
		v=${kv#*=}
		found=
		while IFS= read -r l; do
			case $l in "$k="*) found=${l#*=} ;; esac
		done <"$D/config"
		[ "$found" = "$v" ] || fail "after writing '$kv' config shows $k=$found"
	done
	# All keys at once, separated by spaces, tabs and newlines.
	wre config 'mode=kmalloc_floor size=2048\theadroom=32\nput=1000 count=99 repeat=3 batch=4096 cpu=0 dev=eth0 latency=1\n'
	expect_ok "config with every key"
	want='mode=kmalloc_floor
size=2048
headroom=32
put=1000
count=99
repeat=3
batch=4096
cpu=0
dev=eth0
latency=1
'
	slurp "$D/config"
	[ "$SLURP" = "$want" ] || fail "config with every key reads back: $SLURP"
	# What config shows is what config takes.
	wr config "$SLURP"
	expect_ok "writing config's own text back"
	slurp "$D/config"
	[ "$SLURP" = "$want" ] || fail "config's own text written back reads: $SLURP"
	wr config reset
	expect_ok "reset"
	slurp "$D/config"
	[ "$SLURP" = "$DEFAULT_CONFIG" ] || fail "after reset config reads: $SLURP"
}

# ---- Bad writes: EINVAL, config and results unchanged, one log line ----

# bad WHAT PAYLOAD WHY [run|config|both]: write PAYLOAD (echo -e escapes)
# to config and "1 PAYLOAD" to run; each must fail with EINVAL, leave
# config byte for byte as it was, and log exactly one "skbfactory: FILE:
# ..." line containing WHY.  Between bad_begin and bad_end results must
# not change either.
bad() {
	_what=$1
	_payload=$2
	_why=$3
	_files=${4:-both}
	for _f in config run; do
		[ "$_files" = both ] || [ "$_files" = "$_f" ] || continue
		slurp "$D/config"
		_cfg=$SLURP
		BADN=$((BADN + 1))
		kmark "<bad $BADN>"
		if [ "$_f" = run ]; then
			wre run "1 $_payload"
		else
			wre config "$_payload"
		fi
		expect_err EINVAL "$_what ($_f)"
		slurp "$D/config"
		[ "$SLURP" = "$_cfg" ] || fail "$_what ($_f): config changed to: $SLURP"
		BADS="$BADS$BADN $_f $_what|$_why
"
	done
}

# bad_file WHAT DATAFILE WHY FILE: as bad, the payload a file written by dd.
bad_file() {
	slurp "$D/config"
	_cfg=$SLURP
	BADN=$((BADN + 1))
	kmark "<bad $BADN>"
	wrfile "$4" "$2"
	expect_err EINVAL "$1 ($4)"
	slurp "$D/config"
	[ "$SLURP" = "$_cfg" ] || fail "$1 ($4): config changed to: $SLURP"
	BADS="$BADS$BADN $4 $1|$3
"
}

# bad_begin / bad_end: around a case's bad writes; bad_end checks the log.
bad_begin() {
	BADN=0
	BADS=
	BADMARK="bad-$CASE"
	kmark "$BADMARK"
	slurp "$D/results"
	BADRES=$SLURP
}

bad_end() {
	slurp "$D/results"
	[ "$SLURP" = "$BADRES" ] || fail "the bad writes changed results"
	# Per bad write: the skbfactory lines logged after its mark.
	klog_sync
	_cur=
	_log=
	while IFS= read -r _l; do
		case $_l in
		"skbf-test: $BADMARK") _log='' _cur='' ;;
		"skbf-test: <bad "*">")
			_cur=${_l#"skbf-test: <bad "}
			_cur=${_cur%">"}
			;;
		"skbfactory: "*) [ -z "$_cur" ] || _log="$_log$_cur|$_l
" ;;
		esac
	done <"$KL/$CASE"
	while IFS='|' read -r _head _why; do
		[ -n "$_head" ] || continue
		_n=${_head%% *}
		_rest=${_head#* }
		_f=${_rest%% *}
		_what=${_rest#* }
		_cnt=0
		_line=
		while IFS='|' read -r _c _l; do
			if [ "$_c" = "$_n" ]; then
				_cnt=$((_cnt + 1))
				_line="$_line${_line:+ // }$_l"
			fi
		done <<EOF
$_log
EOF
		if [ "$_cnt" != 1 ]; then
			fail "$_what ($_f): $_cnt skbfactory lines in the log, want 1: $_line"
			continue
		fi
		case $_line in
		*"skbfactory: $_f: "*"$_why"*) ;;
		*) fail "$_what ($_f): the log line '$_line' does not say '$_f: ...$_why...'" ;;
		esac
	done <<EOF
$BADS
EOF
}

case_bad_unknown_key() {
	bad_begin
	bad "unknown key" 'bogus=1' 'unknown key "bogus"'
	bad "unknown key among good ones" 'size=512 Size=1 count=5' 'unknown key "Size"'
	bad_end
}

case_bad_duplicate_key() {
	bad_begin
	bad "duplicate key" 'size=64 headroom=0 put=0 size=64' 'duplicate key "size"'
	bad "duplicate key, different values" 'count=5 count=6' 'duplicate key "count"'
	bad_end
}

case_bad_number() {
	bad_begin
	bad "hex number" 'size=0x40' 'size=0x40: expected a decimal number'
	bad "letters" 'count=ten' 'count=ten: expected a decimal number'
	bad "plus sign" 'count=+5' 'count=+5: expected a decimal number'
	bad "decimal point" 'repeat=1.5' 'repeat=1.5: expected a decimal number'
	bad_end
}

case_bad_negative() {
	bad_begin
	bad "negative size" 'size=-1' 'size=-1: expected a decimal number'
	bad "negative count" 'count=-200000' 'count=-200000: expected a decimal number'
	bad_end
}

case_bad_past_2e64() {
	bad_begin
	bad "2^64" 'count=18446744073709551616' 'count=18446744073709551616: expected a decimal number'
	bad "2^64-1" 'size=18446744073709551615' 'size=18446744073709551615: expected a decimal number'
	bad "2^32" 'repeat=4294967296' 'repeat=4294967296: expected a decimal number'
	bad_end
}

# range KEY MIN MAX EXTRA: MIN and MAX are taken (with EXTRA), MIN-1 (when
# MIN > 0) and MAX+1 are not.
range() {
	wr config "$1=$2 $4"
	expect_ok "$1=$2 (the minimum)"
	wr config "$1=$3 $4"
	expect_ok "$1=$3 (the maximum)"
	wr config reset
	bad_begin
	[ "$2" = 0 ] || bad "$1 below the minimum" "$1=$(($2 - 1)) $4" "$1=$(($2 - 1)): expected a decimal number $2..$3"
	bad "$1 above the maximum" "$1=$(($3 + 1)) $4" "$1=$(($3 + 1)): expected a decimal number $2..$3"
	bad_end
}

case_bad_range_size() {
	range size 1 65536 'headroom=0 put=0'
}

case_bad_range_headroom() {
	range headroom 0 65536 'size=65536 put=0'
}

case_bad_range_put() {
	range put 0 65536 'size=65536 headroom=0'
}

case_bad_range_count() {
	range count 1 100000000 ''
}

case_bad_range_repeat() {
	range repeat 1 100 ''
}

case_bad_range_batch() {
	range batch 1 4096 ''
}

case_bad_range_latency() {
	range latency 0 1 ''
}

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
	bad_begin
	bad "empty value" 'size=' 'size=: expected a decimal number'
	bad "empty mode" 'mode=' 'mode=: unknown mode'
	bad "empty cpu" 'cpu=' 'cpu=: expected nic, all'
	bad_end
}

case_bad_empty_key() {
	bad_begin
	bad "empty key" '=5' '"=5": expected key=value'
	bad "no =" 'size' '"size": expected key=value'
	bad "lone =" '=' '"=": expected key=value'
	bad_end
}

case_bad_trailing_garbage() {
	bad_begin
	bad "trailing garbage" 'size=64x' 'size=64x: expected a decimal number'
	bad "trailing garbage after a good key" 'size=512 count=5,' 'count=5,: expected a decimal number'
	bad "mode with garbage" 'mode=alloc_skbx' 'mode=alloc_skbx: unknown mode'
	bad_end
}

case_bad_random_4k() {
	# 4096 random bytes from urandom, one write each.  (Early after boot
	# the first read of urandom waits a few seconds for the guest's crng.)
	head -c 4096 /dev/urandom >"$T/rand4k"
	if [ ! -s "$T/rand4k" ]; then
		fail "no random bytes from /dev/urandom"
		return
	fi
	{
		printf '1 '
		head -c 4094 "$T/rand4k"
	} >"$T/rand4k.run"
	bad_begin
	bad_file "4 KiB of random bytes" "$T/rand4k" 'non-printable byte' config
	bad_file "1 + 4094 random bytes" "$T/rand4k.run" 'non-printable byte' run
	bad_end
}

case_bad_nul() {
	bad_begin
	# printf 'size=64\0': the NUL is byte 7.
	slurp "$D/config"
	_cfg=$SLURP
	BADN=$((BADN + 1))
	kmark "<bad $BADN>"
	if printf 'size=64\0' 2>/dev/null >"$D/config"; then
		fail "printf 'size=64\\0' > config succeeded"
	fi
	slurp "$D/config"
	[ "$SLURP" = "$_cfg" ] || fail "printf 'size=64\\0': config changed to: $SLURP"
	BADS="${BADS}$BADN config printf NUL|non-printable byte 0x00 at offset 7
"
	bad "NUL inside" 'size=1024\0000 count=5' 'non-printable byte 0x00 at offset'
	bad_end
}

case_bad_cpu_reversed() {
	bad_begin
	bad "reversed range" 'cpu=1-0' 'cpu=1-0: expected nic, all, or a list of online CPUs'
	bad_end
}

case_bad_cpu_offline() {
	# The VM has VM_CPUS vCPUs; 7 does not exist (the debug kernel has
	# NR_CPUS=8, so 8 is impossible too).
	bad_begin
	bad "cpu=7" 'cpu=7' 'cpu=7: expected nic, all, or a list of online CPUs'
	bad "cpu=$VM_CPUS" "cpu=$VM_CPUS" "cpu=$VM_CPUS: expected nic, all"
	bad "cpu=0-$VM_CPUS" "cpu=0-$VM_CPUS" "cpu=0-$VM_CPUS: expected nic, all"
	bad "cpu=4096" 'cpu=4096' 'cpu=4096: expected nic, all'
	bad "cpu=-1" 'cpu=-1' 'cpu=-1: expected nic, all'
	bad_end
}

case_bad_mode() {
	bad_begin
	bad "unknown mode" 'mode=bogus' 'mode=bogus: unknown mode'
	bad "mode by number" 'mode=0' 'mode=0: unknown mode'
	bad "mode in capitals" 'mode=ALLOC_SKB' 'unknown mode'
	bad_end
}

case_bad_dev_name() {
	bad_begin
	bad "dev with a slash" 'dev=a/b' 'dev=a/b: not a valid interface name'
	bad "dev of 16 characters" 'dev=abcdefghijklmnop' 'not a valid interface name'
	bad "dev=." 'dev=.' 'dev=.: not a valid interface name'
	bad_end
}

case_bad_whitespace_only() {
	bad_begin
	bad "only whitespace" '  \t\n' 'empty write' config
	bad "only a newline" '\n' 'empty write' config
	bad_end
}

case_bad_reset_mixed() {
	bad_begin
	bad "reset with a key" 'reset size=64' '"reset" must be the only token' config
	bad "reset twice" 'reset reset' '"reset" must be the only token' config
	bad "reset to run" 'reset' '"reset": expected key=value' run
	bad "1 to config" '1' '"1": expected key=value' config
	bad_end
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
	bad_begin
	bad "1 1" '1' '"1": start given twice' run
	bad "1 start" 'start' '"start": start given twice' run
	bad_end
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
	case $KLOG in
	"skbfactory: run: dev=nosuch0: no such device
") ;;
	*) fail "the log says: $KLOG" ;;
	esac
	# A device that exists but has no IRQ: the rule falls back.
	if run1 "dev=lo count=$QCOUNT repeat=1"; then
		case $RES_cpu_rule in
		nic-node* | writer*) ;;
		*) fail "dev=lo: cpu_rule is '$RES_cpu_rule'" ;;
		esac
		[ "$RES_nic" = lo ] || fail "dev=lo: nic is '$RES_nic'"
		[ "$RES_nic_irq" = none ] || fail "dev=lo: nic_irq is '$RES_nic_irq'"
	fi
}

case_bad_readonly_files() {
	# Root may open them for writing (and run for reading); the module
	# refuses with EINVAL.
	for f in results layout stats; do
		slurp "$D/$f"
		wr "$f" 'count=5'
		expect_err EINVAL "writing $f"
	done
	if cat "$D/run" >/dev/null 2>"$T/err"; then
		fail "reading run succeeded"
	fi
	read_err "$T/err"
	case $WR_ERR in
	*"Invalid argument"*) ;;
	*) fail "reading run: $WR_ERR" ;;
	esac
}

# ---- Runs ----

case_run_default_nic_cpu() {
	# The default config but for a short count; then "1" as a user would.
	wr config "count=$QCOUNT repeat=2"
	expect_ok "config count=$QCOUNT repeat=2" || return
	echo 1 >"$D/run" || {
		fail "echo 1 > run failed"
		return
	}
	res_load
	[ "$RES_ROWS" = 1 ] || fail "$RES_ROWS rows, want 1"
	for col in mode cpu size headroom put batch count repeat ns_per_op ns_min ns_max ops_per_sec fails; do
		case " $RES_HEADER " in
		*" $col "*) ;;
		*) fail "no column $col in the header row: $RES_HEADER" ;;
		esac
	done
	[ "$RES_cpus" = "$VM_NIC_CPU" ] || fail "# cpus: '$RES_cpus', the NIC's IRQs are on CPU $VM_NIC_CPU"
	case $RES_cpu_rule in nic-irq:*) ;; *) fail "cpu_rule: $RES_cpu_rule" ;; esac
	[ "$RES_nic" = eth0 ] || fail "nic: '$RES_nic'"
	irq=${RES_nic_irq%% *}
	case " $VM_NIC_IRQS " in
	*" $irq "*) ;;
	*) fail "nic_irq $irq is not one of the NIC's IRQs ($VM_NIC_IRQS)" ;;
	esac
	case $RES_nic_irq in *input*) ;; *) fail "nic_irq '$RES_nic_irq' is not the receive queue's" ;; esac
	[ "$RES_config" = "mode=alloc_skb size=1500 headroom=14 put=100 count=$QCOUNT repeat=2 batch=1 cpu=nic dev= latency=0" ] ||
		fail "# config: $RES_config"
	row 1 mode
	[ "$VAL" = alloc_skb ] || fail "row mode '$VAL'"
	row 1 cpu
	[ "$VAL" = "$VM_NIC_CPU" ] || fail "row cpu '$VAL', want $VM_NIC_CPU"
	for cv in size:1500 headroom:14 put:100 batch:1 count:$QCOUNT repeat:2 fails:0; do
		row 1 "${cv%%:*}"
		[ "$VAL" = "${cv#*:}" ] || fail "row ${cv%%:*} is '$VAL', want ${cv#*:}"
	done
	row_times 1
	row 1 ops_per_sec
	ops=$VAL
	awk -v ns="$ns" -v lo="$lo" -v hi="$hi" -v ops="$ops" 'BEGIN {
		ns += 0; lo += 0; hi += 0; ops += 0
		if (!(ns > 0 && lo <= ns && ns <= hi)) { print "ns_min <= ns_per_op <= ns_max fails: " lo " " ns " " hi; exit 1 }
		e = 1e9 / ns
		if (ops < e * 0.99 || ops > e * 1.01) { print "ops_per_sec " ops " is not 1e9/ns_per_op = " e; exit 1 }
	}' >"$T/awk.out" || fail "$(cat "$T/awk.out")"
	check_idle "after the default run"
}

case_run_irq_move() {
	if [ "$VM_CPUS" -lt 2 ]; then
		skip "one CPU"
		return
	fi
	run1 "count=$QCOUNT repeat=1" || return
	irq=${RES_nic_irq%% *}
	if [ ! -w "/proc/irq/$irq/smp_affinity_list" ]; then
		fail "no /proc/irq/$irq/smp_affinity_list (nic_irq: $RES_nic_irq)"
		return
	fi
	other=$(((VM_NIC_CPU + 1) % VM_CPUS))
	# No traffic: x86 moves the IRQ when it next fires, and the next run
	# must already follow the move.
	for cpu in "$other" "$VM_NIC_CPU"; do
		echo "$cpu" >"/proc/irq/$irq/smp_affinity_list" || {
			fail "echo $cpu > /proc/irq/$irq/smp_affinity_list failed"
			break
		}
		run1 "count=$QCOUNT repeat=1" || break
		[ "$RES_cpus" = "$cpu" ] || fail "IRQ $irq on CPU $cpu: # cpus: $RES_cpus"
		row 1 cpu
		[ "$VAL" = "$cpu" ] || fail "IRQ $irq on CPU $cpu: the row's cpu is $VAL"
		case $RES_cpu_rule in nic-irq:*) ;; *) fail "cpu_rule: $RES_cpu_rule" ;; esac
	done
	echo "$VM_NIC_CPU" >"/proc/irq/$irq/smp_affinity_list"
}

case_run_cpu_all() {
	run1 "cpu=all count=$QCOUNT repeat=2" || return
	want=$((VM_CPUS + 1))
	[ "$RES_ROWS" = "$want" ] || fail "$RES_ROWS rows, want $want (one per CPU and the sum)"
	[ "$RES_cpus" = "0-$((VM_CPUS - 1))" ] || fail "# cpus: $RES_cpus"
	case $RES_cpu_rule in all:*) ;; *) fail "cpu_rule: $RES_cpu_rule" ;; esac
	sum=0
	fails=0
	cpu=0
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
	if row_find alloc_skb sum; then
		row "$ROW" ops_per_sec
		[ "$VAL" = "$sum" ] || fail "the sum row's ops_per_sec is $VAL, the rows add up to $sum"
		row "$ROW" fails
		[ "$VAL" = "$fails" ] || fail "the sum row's fails is $VAL, the rows add up to $fails"
		row "$ROW" ns_per_op
		[ "$VAL" = - ] || fail "the sum row's ns_per_op is '$VAL', want -"
		[ "$ROW" = "$RES_ROWS" ] || fail "the sum row is not last"
	else
		fail "no sum row"
	fi
}

case_run_cpu_list() {
	for list in 0 "$((VM_CPUS - 1))"; do
		run1 "cpu=$list count=$QCOUNT repeat=1" || continue
		[ "$RES_ROWS" = 1 ] || fail "cpu=$list: $RES_ROWS rows"
		row 1 cpu
		[ "$VAL" = "$list" ] || fail "cpu=$list: the row's cpu is $VAL"
		case $RES_cpu_rule in list:*) ;; *) fail "cpu=$list: cpu_rule $RES_cpu_rule" ;; esac
	done
}

case_run_cpu_offline() {
	# A CPU taken offline is refused like one that does not exist, cpu=all
	# leaves it out, and the NIC's CPU follows its IRQ off it.
	cpu=$VM_NIC_CPU
	online=/sys/devices/system/cpu/cpu$cpu/online
	if [ "$VM_CPUS" -lt 2 ] || [ ! -w "$online" ]; then
		skip "CPU $cpu cannot go offline here"
		return
	fi
	echo 0 >"$online" || {
		fail "cannot take CPU $cpu offline"
		return
	}
	bad_begin
	bad "offline CPU" "cpu=$cpu" "cpu=$cpu: expected nic, all, or a list of online CPUs"
	bad_end
	run1 "cpu=all count=$QCOUNT repeat=1"
	[ "$RES_ROWS" = $((VM_CPUS - 1 + (VM_CPUS > 2))) ] || fail "cpu=all with CPU $cpu offline: $RES_ROWS rows"
	row_find alloc_skb "$cpu" && fail "cpu=all: a row for offline CPU $cpu"
	run1 "count=$QCOUNT repeat=1"
	row 1 cpu
	[ "$VAL" != "$cpu" ] || fail "the NIC's CPU is offline CPU $cpu"
	echo 1 >"$online" || fail "cannot bring CPU $cpu back"
	# Its IRQs do not come back by themselves.
	for irq in $VM_NIC_IRQS; do
		echo "$cpu" >"/proc/irq/$irq/smp_affinity_list" || fail "cannot pin IRQ $irq to CPU $cpu again"
	done
	run1 "count=$QCOUNT repeat=1"
	row 1 cpu
	[ "$VAL" = "$cpu" ] || fail "with CPU $cpu back the run is on CPU $VAL"
}

MODES="alloc_skb alloc_skb_fclone netdev_alloc_skb napi_alloc_skb build_skb kmalloc_floor empty"

case_run_mode_all() {
	run1 "mode=all count=$QCOUNT repeat=1" || return
	[ "$RES_ROWS" = 7 ] || fail "mode=all: $RES_ROWS rows, want 7"
	i=1
	for m in $MODES; do
		row "$i" mode
		[ "$VAL" = "$m" ] || fail "mode=all: row $i is '$VAL', want $m"
		row "$i" cpu
		[ "$VAL" = "$VM_NIC_CPU" ] || fail "mode=all: row $i's cpu is $VAL"
		i=$((i + 1))
	done
	run1 "mode=all cpu=all count=$QCOUNT repeat=1" || return
	want=$((7 * (VM_CPUS + 1)))
	[ "$RES_ROWS" = "$want" ] || fail "mode=all cpu=all: $RES_ROWS rows, want $want"
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
	[ "$RES_config" = "mode=napi_alloc_skb size=256 headroom=32 put=64 count=$QCOUNT repeat=1 batch=8 cpu=0 dev= latency=0" ] ||
		fail "# config: $RES_config"
	for cv in mode:napi_alloc_skb cpu:0 size:256 headroom:32 put:64 batch:8; do
		row 1 "${cv%%:*}"
		[ "$VAL" = "${cv#*:}" ] || fail "row ${cv%%:*} is '$VAL', want ${cv#*:}"
	done
	# The next run without tokens uses config again.
	run1 || return
	row 1 size
	[ "$VAL" = 1500 ] || fail "the next plain run has size $VAL"
	row 1 mode
	[ "$VAL" = alloc_skb ] || fail "the next plain run has mode $VAL"
}

case_run_latency() {
	run1 "latency=1 count=$((QCOUNT < 640 ? 640 : QCOUNT)) repeat=1" || return
	case $RES_HEADER in
	*" p50_ns p99_ns p999_ns lat_samples") ;;
	*) fail "latency=1: header $RES_HEADER" ;;
	esac
	[ -n "${RES_latency:-}" ] || fail "latency=1: no '# latency:' line"
	row 1 p50_ns
	p50=$VAL
	row 1 p99_ns
	p99=$VAL
	row 1 p999_ns
	p999=$VAL
	if ! { [ "$p50" -gt 0 ] && [ "$p50" -le "$p99" ] && [ "$p99" -le "$p999" ]; }; then
		fail "latency=1: p50 $p50, p99 $p99, p999 $p999"
	fi
	run1 "count=$QCOUNT repeat=1" || return
	case $RES_HEADER in *p50*) fail "latency=0 shows latency columns" ;; esac
}

# layout_check SIZE HEADROOM PUT
layout_check() {
	wr config "size=$1 headroom=$2 put=$3"
	expect_ok "config size=$1 headroom=$2 put=$3" || return
	eval "$(awk '
		/^[a-z_]+\(/ || /^skb_get$/ || /^kfree_skb$/ {
			step = $0; sub(/\(.*/, "", step); n[step]++; cur = (n[step] == 1) ? step : ""; next }
		/^  [a-z]+: -?[0-9]+$/ && cur != "" {
			k = $1; sub(/:$/, "", k); print "L_" cur "_" k "=" $2 }
		/^  skipped:/ && cur != "" { print "L_" cur "_skipped=1" }
		/^# skbfactory layout:/ { print "L_title=1" }
		/^buffer: asked/ { print "L_buffer=1" }' "$D/layout")" || {
		fail "layout could not be read"
		return
	}
	h=$2
	p=$3
	tag="size=$1 headroom=$h put=$p"
	[ "${L_title:-}" = 1 ] || fail "$tag: no title line"
	[ "${L_buffer:-}" = 1 ] || fail "$tag: no buffer line"
	for e in alloc_skb_data:0 alloc_skb_tail:0 alloc_skb_len:0 alloc_skb_users:1 \
		skb_reserve_data:$h skb_reserve_tail:$h skb_reserve_len:0 skb_reserve_headroom:$h \
		skb_put_data:$h skb_put_tail:$((h + p)) skb_put_len:$p skb_put_headroom:$h \
		skb_get_users:2 kfree_skb_users:1; do
		eval "v=\${L_${e%%:*}-missing}"
		[ "$v" = "${e#*:}" ] || fail "$tag: ${e%%:*} is $v, want ${e#*:}"
	done
	end=${L_skb_put_end:-0}
	[ "$end" -ge "$1" ] || fail "$tag: end $end < size $1"
	[ "${L_skb_put_tailroom:-x}" = $((end - h - p)) ] ||
		fail "$tag: tailroom ${L_skb_put_tailroom:-missing}, want end - headroom - put = $((end - h - p))"
	if [ "$h" -ge 14 ]; then
		[ "${L_skb_push_data:-x}" = $((h - 14)) ] || fail "$tag: after skb_push data is ${L_skb_push_data:-missing}"
		[ "${L_skb_push_len:-x}" = $((p + 14)) ] || fail "$tag: after skb_push len is ${L_skb_push_len:-missing}"
		[ "${L_skb_pull_data:-x}" = "$h" ] || fail "$tag: after skb_pull data is ${L_skb_pull_data:-missing}"
	else
		[ "${L_skb_push_skipped:-}" = 1 ] || fail "$tag: headroom < 14 but skb_push not skipped"
	fi
	unset L_title L_buffer L_skb_push_data L_skb_push_len L_skb_pull_data L_skb_push_skipped
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
	[ "$STAT" = $((a0 + 5)) ] || fail "5 layout reads allocated $((STAT - a0)) skbs"
}

case_stats_counters() {
	stat_get runs
	s0_runs=$STAT
	stat_get runs_interrupted
	s0_runs_interrupted=$STAT
	stat_get skbs_allocated
	s0_skbs_allocated=$STAT
	stat_get skbs_freed
	s0_skbs_freed=$STAT
	stat_get alloc_failures
	s0_alloc_failures=$STAT
	run1 "count=$QCOUNT repeat=2" || return
	run1 "mode=empty count=$QCOUNT repeat=1" || return
	run1 "mode=kmalloc_floor count=$QCOUNT repeat=1" || return
	run1 "mode=build_skb batch=7 count=$QCOUNT repeat=3" || return
	wr run "1 size=bad"
	expect_err EINVAL "a bad run"
	stat_get last_error
	case $STAT in
	"-22 run: size=bad: expected a decimal number"*) ;;
	*) fail "last_error: $STAT" ;;
	esac
	stat_get runs
	[ "$STAT" = $((s0_runs + 4)) ] || fail "runs went from $s0_runs to $STAT after 4 runs"
	stat_get runs_interrupted
	[ "$STAT" = "$s0_runs_interrupted" ] || fail "runs_interrupted went from $s0_runs_interrupted to $STAT"
	stat_get skbs_allocated
	a=$((STAT - s0_skbs_allocated))
	[ "$a" = $((QCOUNT * 5)) ] || fail "skbs_allocated grew by $a, want $((QCOUNT * 5)) (empty and kmalloc_floor make none)"
	stat_get skbs_freed
	[ "$((STAT - s0_skbs_freed))" = "$a" ] || fail "skbs_freed grew by $((STAT - s0_skbs_freed)), allocated by $a"
	stat_get alloc_failures
	[ "$STAT" = "$s0_alloc_failures" ] || fail "alloc_failures went from $s0_alloc_failures to $STAT"
}

# ---- Concurrency and lifecycle ----

case_run_ebusy() {
	count_for 20000
	bg_run "count=$COUNT repeat=1"
	if ! wait_running 10; then
		fail "the background run never showed in stats"
		return
	fi
	kmark "ebusy"
	wr run "1 count=1 repeat=1"
	expect_err EBUSY "a second run while one is in progress"
	klog_after ebusy
	case $KLOG in
	*"skbfactory: run: a run is already in progress"*) ;;
	*) fail "no 'a run is already in progress' in the log: $KLOG" ;;
	esac
	# config can be changed meanwhile, and layout read.
	wr config "count=77"
	expect_ok "config while a run is in progress"
	slurp "$D/layout"
	[ "$READ_RC" = 0 ] || fail "layout while a run is in progress"
	kill -TERM "$BG"
	wait_gone "$BG" 10 || fail "the background writer ignores SIGTERM"
	slurp "$D/config"
	case $SLURP in *count=77*) ;; *) fail "config lost count=77" ;; esac
	wait_idle 5 || fail "the run does not end"
	run1 "count=$QCOUNT repeat=1" || fail "a run after the busy one fails"
}

# killed SIGNAL TOKENS: a run (TOKENS) whose writer gets SIGNAL ends within
# 1 s, every skb released.
killed() {
	count_for 20000
	stat_get runs_interrupted
	i0=$STAT
	bg_run "count=$COUNT repeat=1 $2"
	if ! wait_running 10; then
		fail "the background run never showed in stats"
		return
	fi
	sleep 0.2
	kmark "kill $1"
	up_cs
	t0=$UP
	kill "-$1" "$BG"
	# The write returns once the run has ended and released everything.
	wait_gone "$BG" 10 || fail "the writer is still there 10 s after kill -$1"
	up_cs
	dt=$((UP - t0))
	cs_str "$dt"
	diag "  kill -$1: the write returned, the run over, after $CS_STR s"
	[ "$dt" -le 100 ] || fail "the run took $CS_STR s to end after kill -$1, more than 1 s"
	wait_idle 10 || fail "stats still shows the run 10 s after the kill"
	BG=
	check_idle "after kill -$1"
	stat_get runs_interrupted
	[ "$STAT" = $((i0 + 1)) ] || fail "runs_interrupted went from $i0 to $STAT"
	klog_after "kill $1"
	case $KLOG in
	*"skbfactory: run: stopped by a signal; every skb released"*) ;;
	*) fail "no 'stopped by a signal' in the log: $KLOG" ;;
	esac
	run1 "count=$QCOUNT repeat=1" || fail "a run after the killed one fails"
}

case_run_kill9() {
	killed 9 "batch=1"
}

case_run_killterm() {
	# A batch in progress when the signal comes, all of it to release.
	# (On the debug kernel an skb costs ~1 ms to free and a half-made
	# batch of 4096 takes seconds to release: KILL_BATCH is 256 there.)
	killed TERM "batch=$KILL_BATCH size=4096 put=1000"
}

case_rmmod_during_run() {
	count_for 20000
	bg_run "count=$COUNT repeat=1"
	if ! wait_running 10; then
		fail "the background run never showed in stats"
		return
	fi
	sleep 0.2
	kmark "rmmod"
	CASE_UNLOADS=1
	up_cs
	t0=$UP
	rmmod skbfactory 2>"$T/err"
	rc=$?
	up_cs
	dt=$((UP - t0))
	cs_str "$dt"
	diag "  rmmod during a run took $CS_STR s"
	if [ "$rc" != 0 ]; then
		read_err "$T/err"
		fail "rmmod failed: $WR_ERR"
	fi
	[ "$dt" -le 200 ] || fail "rmmod took $CS_STR s, more than 2 s"
	wait_gone "$BG" 10 || fail "the writer is still there after rmmod"
	read_err "$T/bg.err"
	case $WR_ERR in
	*"No such device"*) ;;
	*) fail "the writer's write ended with '$WR_ERR', want ENODEV (No such device)" ;;
	esac
	BG=
	[ ! -e "$D" ] || fail "$D is still there"
	klog_after rmmod
	case $KLOG in
	*"skbfactory: run: stopped by rmmod; every skb released"*) ;;
	*) fail "no 'stopped by rmmod' in the log: $KLOG" ;;
	esac
	insmod "$KO" || {
		fail "insmod after rmmod failed"
		return
	}
	run1 "count=$QCOUNT repeat=1" || fail "a run after reloading fails"
	CASE_UNLOADS=0
}

case_insmod_cycles() {
	n=0
	up_cs
	t0=$UP
	CASE_UNLOADS=1
	while [ "$n" -lt "$CYCLES" ]; do
		rmmod skbfactory 2>"$T/err" || {
			read_err "$T/err"
			fail "cycle $n: rmmod: $WR_ERR"
			break
		}
		[ ! -e "$D" ] || fail "cycle $n: $D is still there after rmmod"
		insmod "$KO" 2>"$T/err" || {
			read_err "$T/err"
			fail "cycle $n: insmod: $WR_ERR"
			break
		}
		[ -f "$D/config" ] || fail "cycle $n: no $D/config after insmod"
		n=$((n + 1))
	done
	up_cs
	cs_str $((UP - t0))
	diag "  $n insmod/rmmod cycles in $CS_STR s"
	CASE_UNLOADS=0
	ensure_loaded || return
	slurp "$D/config"
	[ "$SLURP" = "$DEFAULT_CONFIG" ] || fail "a fresh module's config: $SLURP"
	stat_get runs
	[ "$STAT" = 0 ] || fail "a fresh module's stats say runs: $STAT"
	run1 "count=$QCOUNT repeat=1" || fail "a run after the cycles fails"
}

# ---- Long runs and the watchdogs ----

# watched_run TOKENS: run1 TOKENS and say how long it took.
watched_run() {
	up_cs
	_w0=$UP
	run1 "$*"
	up_cs
	cs_str $((UP - _w0))
	diag "  $*: $CS_STR s"
}

case_watchdog_long_run() {
	if [ ! -w /proc/sys/kernel/watchdog_thresh ]; then
		skip "no /proc/sys/kernel/watchdog_thresh"
		return
	fi
	# (sysctl files answer only a read at offset 0: no read builtin here)
	thresh=$(cat /proc/sys/kernel/watchdog_thresh)
	soft=$(cat /proc/sys/kernel/soft_watchdog)
	[ "$soft" = 1 ] || fail "the soft-lockup detector is off (soft_watchdog=$soft)"
	calibrate
	echo 1 >/proc/sys/kernel/watchdog_thresh || fail "cannot set watchdog_thresh"
	kmark "watchdog_thresh=1"
	# A long run: about 4 s (2 s on the debug kernel) in two repetitions.
	count_for "$LONG_MS"
	watched_run "count=$COUNT repeat=2"
	# Big buffers: how long one takes here, then 4096 of them held at once.
	run1 "size=65536 headroom=0 put=65536 count=$BIGCAL repeat=1"
	row 1 ns_per_op
	int "$VAL"
	big=$((INT > 0 ? INT : 1))
	n=$((1500000000 / big))
	[ "$n" -le 4096 ] || n=4096
	[ "$n" -ge 1 ] || n=1
	watched_run "batch=4096 size=65536 headroom=0 put=65536 count=$n repeat=1"
	# Every mode with big buffers, briefly.
	n=$((1000000000 / 7 / big))
	[ "$n" -ge 1 ] || n=1
	watched_run "mode=all size=65536 headroom=0 put=60000 batch=64 count=$n repeat=1"
	echo "$thresh" >/proc/sys/kernel/watchdog_thresh
	[ "$(cat /proc/sys/kernel/watchdog_thresh)" = "$thresh" ] || fail "cannot restore watchdog_thresh=$thresh"
	# (a lockup or stall report is a complaint: run_case fails the case)
}

# ---- The measurement, checked from the outside ----

# timed_run TOKENS: "1 TOKENS" to run, timed from userspace: WALL ns.
timed_run() {
	now_ns
	_tr0=$NS
	wr run "1 $*"
	now_ns
	WALL=$((NS - _tr0))
	expect_ok "run '1 $*'" || return 1
	res_load
}

case_timing_wall_clock() {
	# The module's timed total against the wall time of the write, taken
	# in userspace around it.  With repeat=1, ns_per_op x count is that
	# total exactly: it must fit in the wall time and fill most of it (the
	# rest: thread start-up, scheduling, chunk bookkeeping).  Three runs
	# of about 0.3 s.  Then repeat=3, where ns_min + ns_per_op + ns_max is
	# the exact sum of the repetitions.
	calibrate
	count_for 300
	c=$COUNT
	: >"$T/timing"
	for r in 1 1 1 3; do
		timed_run "mode=alloc_skb count=$c repeat=$r" || return
		row_times 1
		echo "$r $ns $lo $hi $WALL" >>"$T/timing"
	done
	awk -v c="$c" '{
		r = $1 + 0; nss = $2; ns = $2 + 0; lo = $3 + 0; hi = $4 + 0; wall = $5 + 0
		total = (r == 1) ? ns * c : (lo + ns + hi) * c
		what = (r == 1) ? "ns_per_op x count" : "(ns_min + ns_per_op + ns_max) x count"
		printf "  count=%d repeat=%d: wall %.3f s, %.1f ns per op from userspace; module: ns_per_op %s, %s = %.3f s, %.0f%% of wall", \
			c, r, wall / 1e9, wall / (c * r), nss, what, total / 1e9, 100 * total / wall
		if (r > 1) printf "; ns_per_op x count x repeat = %.3f s (%.0f%%)", ns * c * r / 1e9, 100 * ns * c * r / wall
		printf "\n"
		if (total > wall) { print "repeat=" r ": the module timed more than the wall time"; bad = 1 }
		if (total < 0.5 * wall) { print "repeat=" r ": the module timed less than 50% of the wall time"; bad = 1 }
	} END { exit bad }' "$T/timing" >"$T/awk.out"
	rc=$?
	while IFS= read -r l; do
		case $l in "  "*) diag "$l" ;; *) fail "$l" ;; esac
	done <"$T/awk.out"
	[ "$rc" = 0 ] || [ -n "$FAILED" ] || fail "the timing check failed"
}

case_timing_empty_vs_alloc() {
	# The harness's own cost (mode=empty) against alloc_skb's, 3 runs of
	# each interleaved, medians compared.
	calibrate
	count_for 300
	e=
	a=
	i=0
	while [ "$i" -lt 3 ]; do
		run1 "mode=empty count=1000000 repeat=3" || return
		row 1 ns_per_op
		e="$e $VAL"
		run1 "mode=alloc_skb count=$COUNT repeat=3" || return
		row 1 ns_per_op
		a="$a $VAL"
		i=$((i + 1))
	done
	awk -v e="$e" -v a="$a" 'function med(s,    v, n, t) { n = split(s, v, " ")
			v[1] += 0; v[2] += 0; v[3] += 0
			if (v[1] > v[2]) { t = v[1]; v[1] = v[2]; v[2] = t }
			if (v[2] > v[3]) { t = v[2]; v[2] = v[3]; v[3] = t }
			if (v[1] > v[2]) { t = v[1]; v[1] = v[2]; v[2] = t }
			return sprintf("%.2f", v[2]) }
		BEGIN { me = med(e) + 0; ma = med(a) + 0
			printf "  empty ns_per_op:%s (median %.2f); alloc_skb:%s (median %.2f); empty/alloc_skb = %.4f%%\n", e, me, a, ma, 100 * me / ma
			if (me >= 0.01 * ma) { print "mode=empty costs 1% or more of alloc_skb"; exit 1 } }' >"$T/awk.out"
	while IFS= read -r l; do
		case $l in "  "*) diag "$l" ;; *) fail "$l" ;; esac
	done <"$T/awk.out"
}

# ---- Debug kernel only ----

case_fuzz() {
	# FUZZ_WRITES writes of random tokens, lengths and bytes to config and
	# run (and a few to the read-only files), from busybox awk's PRNG
	# seeded with FUZZ_SEED: the same seed replays the same writes.
	seed=${FUZZ_SEED:-$(date +%s)}
	n=${FUZZ_WRITES:-2000}
	diag "  fuzz: $n writes, seed $seed (replay: FUZZ_SEED=$seed)"
	# The host makes the script with the same busybox (tests/integration.sh
	# adds it as /skbfactory/fuzz.sh): awk is slow under TCG.
	script=/skbfactory/fuzz.sh
	read -r first <"$script" 2>/dev/null
	if [ "$first" != "# fuzz seed=$seed writes=$n" ]; then
		script=$T/fuzz.sh
		awk -v seed="$seed" -v n="$n" -f "$TESTS_DIR/fuzz.awk" >"$script" || {
			fail "the fuzz generator failed"
			return
		}
	fi
	FZ_OK=0
	FZ_FAILED=0
	FZ_EINVAL=0
	FZ_OTHER=0
	FZ_BAD=0
	FZ_CFG=
	FZ_KNOWN=0
	# 4089 spaces: 4096 (2^12) less 7, the length of "count=5".
	SP4089=' '
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12; do SP4089="$SP4089$SP4089"; done
	SP4089=${SP4089%???????}
	up_cs
	t0=$UP
	# shellcheck source=/dev/null
	. "$script"
	up_cs
	cs_str $((UP - t0))
	diag "  fuzz: $FZ_OK writes succeeded, $FZ_FAILED failed (of the failures checked: $FZ_EINVAL EINVAL, $FZ_OTHER ENODEV/EBUSY/other), in $CS_STR s"
	# config is still readable, valid, and takes its own text back.
	slurp "$D/config"
	[ "$READ_RC" = 0 ] || fail "config is unreadable after the fuzz"
	keys=
	for l in $SLURP; do keys="$keys ${l%%=*}"; done
	[ "$keys" = " mode size headroom put count repeat batch cpu dev latency" ] ||
		fail "config after the fuzz has keys:$keys"
	cfg=$SLURP
	wr config "$cfg"
	expect_ok "writing config's text back after the fuzz"
	slurp "$D/config"
	[ "$SLURP" = "$cfg" ] || fail "config changed when its text was written back"
	slurp "$D/layout"
	[ "$READ_RC" = 0 ] || fail "layout is unreadable after the fuzz"
	slurp "$D/results"
	[ "$READ_RC" = 0 ] || fail "results are unreadable after the fuzz"
	check_idle "after the fuzz"
	wr config reset
	run1 "count=$QCOUNT repeat=1" || fail "a run after the fuzz fails"
}

# fz I FILE ESCAPED [PAD]: fuzz write I (called by the generated script):
# ESCAPED through echo -ne, then PAD spaces.  Every tenth failure's errno
# is checked, and every fifth failed write to config must have left it as
# it was (reading takes as long as writing: doing it always would double
# the fuzz's time).
fz() {
	if [ "$2" = config ] && [ "$FZ_KNOWN" = 0 ]; then
		slurp "$D/config"
		FZ_CFG=$SLURP
		FZ_KNOWN=1
	fi
	case ${4:-} in
	4089) _p="$3$SP4089" ;;
	4090) _p="$3$SP4089 " ;;
	*) _p=$3 ;;
	esac
	if [ $(($1 % 10)) = 0 ]; then
		wre "$2" "$_p"
	else
		# shellcheck disable=SC3037 # busybox echo
		echo -ne "$_p" 2>/dev/null >"$D/$2"
		# shellcheck disable=SC2320 # echo's status is the point
		WR_RC=$?
		WR_ERR=unchecked
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
			FZ_OTHER=$((FZ_OTHER + 1))
			FZ_BAD=$((FZ_BAD + 1))
			[ "$FZ_BAD" -gt 5 ] || fail "fuzz write $1 to $2 failed oddly: $WR_ERR (payload '$3')"
			;;
		esac
		if [ "$2" = config ] && [ $(($1 % 5)) = 0 ]; then
			slurp "$D/config"
			if [ "$SLURP" != "$FZ_CFG" ]; then
				fail "fuzz write $1 failed but changed config (payload '$3')"
				FZ_KNOWN=0
			fi
		fi
	fi
	if [ $(($1 % 250)) = 0 ]; then
		kmark "fuzz write $1"
		stat_get skbs_outstanding
		[ "$STAT" = 0 ] || fail "fuzz write $1: skbs_outstanding $STAT"
	fi
}

# fr FILE: a fuzz read (called by the generated script).
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
	echo 0 >"$F/probability"
	echo 1 >"$F/interval"
	echo -1 >"$F/times"
	echo 0 >"$F/verbose"
	echo N >"$F/ignore-gfp-wait"
	echo N >"$F/cache-filter"
	echo Y >"$F/task-filter"
	# Only this subshell fails, and the run's threads, which inherit its
	# make-it-fail.  The first 64 KiB it allocates do not fail ("space"):
	# that covers opening run and setting the run up (some KiB), so the
	# failures land in the threads' allocations (~2.3 KiB an skb).  If one
	# of the setup's fails anyway (ENOMEM), try again.
	tries=0
	fails=0
	while [ "$tries" -lt 10 ] && [ "$fails" = 0 ]; do
		tries=$((tries + 1))
		echo 65536 >"$F/space"
		echo 20 >"$F/probability"
		(
			echo 1 >/proc/self/make-it-fail &&
				echo "1 count=200 repeat=2 batch=4" >"$D/run"
		) 2>"$T/err"
		rc=$?
		[ "$rc" = 0 ] || continue
		res_load
		row 1 fails
		fails=$VAL
	done
	echo 0 >"$F/probability"
	echo 0 >"$F/space"
	echo N >"$F/task-filter"
	if [ "$fails" = 0 ] || [ -z "$fails" ]; then
		read_err "$T/err"
		fail "no allocation failed in $tries runs under failslab (last: rc $rc, $WR_ERR)"
	else
		diag "  failslab: fails=$fails of 400 allocations (run $tries)"
	fi
	check_idle "after failslab"
	stat_get alloc_failures
	[ "$STAT" -gt "$f0" ] || fail "alloc_failures stayed $STAT"
	# Usable afterwards, and without fault injection nothing fails.
	run1 "count=$QCOUNT repeat=1 batch=4" || fail "a run after failslab fails"
}

case_kmemleak() {
	K=/sys/kernel/debug/kmemleak
	if [ ! -w "$K" ]; then
		fail "no $K: the debug kernel needs CONFIG_DEBUG_KMEMLEAK"
		return
	fi
	CASE_UNLOADS=1
	rmmod skbfactory || {
		fail "rmmod failed"
		return
	}
	# kmemleak reports an object unreferenced and unchanged between two
	# scans and older than 5 s by the second: scan now, scan again 5 s
	# after the module went.
	up_cs
	t0=$UP
	echo scan >"$K"
	up_cs
	while [ "$UP" -lt $((t0 + 550)) ]; do
		sleep 0.2
		up_cs
	done
	echo scan >"$K"
	n=$(grep -c '^unreferenced object' "$K")
	if [ "$n" != 0 ]; then
		fail "kmemleak: $n suspected leaks after rmmod"
		head -n 60 "$K" | while IFS= read -r l; do diag "    $l"; done
		cat "$K" >"$OUT"
	fi
	diag "  kmemleak: $n suspected leaks after rmmod"
}
