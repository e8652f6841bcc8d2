# SPDX-License-Identifier: GPL-2.0
#
# parse.awk -v kernel=NAME [-v header=1] OUT.TXT: the rows of one bench VM
# (the VM_OUT stream of scripts/bench/job.sh) as tab-separated values, one
# line per row, "-" where a column does not apply.  header=1 prints the
# column names first.  Steps that failed or never ended are reported on
# stderr and give no rows; the exit status is 1 when there were any.
#
# Columns:
#   kernel release run step   which VM, which step (run: sweep, latency,
#                             scaling or pktgen)
#   mode size batch cpu cpus  the point; cpu is a number or "sum", cpus
#                             the run's CPU list
#   headroom put count repeat the run's settings
#   ns_per_op ns_min ns_max ops_per_sec cycles_per_op fails
#   p50_ns p99_ns p999_ns     latency=1 runs only
#   lat_timer_ns lat_overhead_ns   from "# latency:": a pair of timer
#                             reads, and what sampling adds per op
#   pkt_size pps mtu pg_errors   pktgen rows only: the size pktgen used
#                             (after its clamping), packets per second,
#                             dummy0's MTU, pktgen's error count
# A pktgen row has mode "pktgen", size the size asked, cpu the CPU of its
# kpktgend thread, count the packets sent, ops_per_sec = pps and
# ns_per_op = 1e9 / pps.

BEGIN {
	OFS = "\t"
	ncol = split("kernel release run step mode size batch cpu cpus headroom put count repeat " \
		"ns_per_op ns_min ns_max ops_per_sec cycles_per_op fails p50_ns p99_ns p999_ns " \
		"lat_timer_ns lat_overhead_ns pkt_size pps mtu pg_errors", col, " ")
	if (header) {
		line = col[1]
		for (i = 2; i <= ncol; i++)
			line = line OFS col[i]
		print line
	}
	bad = 0
	release = "-"
}

function reset(   i) {
	for (i = 1; i <= ncol; i++)
		v[col[i]] = "-"
	v["kernel"] = kernel
	v["release"] = release
}

function emit(   i, line) {
	line = v[col[1]]
	for (i = 2; i <= ncol; i++)
		line = line OFS (v[col[i]] == "" ? "-" : v[col[i]])
	print line
}

{ sub(/\r$/, "") }

/^@@ info / {
	for (i = 3; i <= NF; i++)
		if ($i ~ /^release=/)
			release = substr($i, 9)
	next
}

/^@@ begin / {
	step = $3
	run = $4
	open = 1
	cpus = "-"
	timer = "-"
	overhead = "-"
	names = 0
	delete pgv
	# The step's own settings, for pktgen rows.
	for (i = 5; i <= NF; i++) {
		split($i, kv, "=")
		arg[kv[1]] = kv[2]
	}
	want_size = arg["size"]
	delete arg
	next
}

/^@@ end / {
	rc = $4
	sub(/^rc=/, "", rc)
	if (rc != "0") {
		printf "bench: %s: step %s (%s) failed with %s\n", kernel, step, run, rc > "/dev/stderr"
		bad = 1
	} else if (run == "pktgen") {
		if (pgv["pps"] == "") {
			printf "bench: %s: step %s (pktgen) gave no pps\n", kernel, step > "/dev/stderr"
			bad = 1
		} else {
			reset()
			v["run"] = "pktgen"
			v["step"] = step
			v["mode"] = "pktgen"
			v["size"] = want_size
			v["batch"] = "-"
			v["cpu"] = pgv["cpu"]
			v["cpus"] = pgv["cpu"]
			v["count"] = pgv["count"]
			v["ops_per_sec"] = pgv["pps"]
			v["ns_per_op"] = sprintf("%.2f", 1e9 / pgv["pps"])
			v["pkt_size"] = pgv["pkt_size"]
			v["pps"] = pgv["pps"]
			v["mtu"] = pgv["mtu"]
			v["pg_errors"] = pgv["errors"]
			emit()
		}
	}
	open = 0
	next
}

!open { next }

# ---- skbfactory results ----

/^# cpus: / { cpus = $3; next }

/^# latency: / {
	if (match($0, /a pair of reads costs [0-9]+ ns/)) {
		timer = substr($0, RSTART + 22, RLENGTH - 25)
	}
	if (match($0, /adds about [0-9.]+ ns per op/)) {
		overhead = substr($0, RSTART + 11, RLENGTH - 21)
	}
	next
}

/^mode cpu / {
	names = NF
	for (i = 1; i <= NF; i++)
		name[i] = $i
	next
}

names && NF == names && $1 !~ /^#/ {
	reset()
	for (i = 1; i <= NF; i++)
		v[name[i]] = $i
	v["run"] = run
	v["step"] = step
	v["cpus"] = cpus
	v["lat_timer_ns"] = timer
	v["lat_overhead_ns"] = overhead
	emit()
	next
}

# ---- pktgen ----

/^# pktgen: / {
	for (i = 3; i < NF; i++) {
		if ($i == "cpu") pgv["cpu"] = $(i + 1)
		if ($i == "mtu") pgv["mtu"] = $(i + 1)
		if ($i == "count") pgv["count"] = $(i + 1)
	}
	next
}

/^Result: OK: / {
	if (match($0, /\([0-9]+byte/))
		pgv["pkt_size"] = substr($0, RSTART + 1, RLENGTH - 5)
	next
}

/^ *[0-9]+pps / {
	pps = $1
	sub(/pps$/, "", pps)
	pgv["pps"] = pps
	pgv["errors"] = $NF
	next
}

END {
	if (open) {
		printf "bench: %s: step %s (%s) never ended\n", kernel, step, run > "/dev/stderr"
		bad = 1
	}
	exit bad
}
