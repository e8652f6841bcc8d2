# SPDX-License-Identifier: GPL-2.0
#
# report.awk -v what=summary|tables|data [-v dir=DIR] [-v ref=1500] ROWS.TSV
# Reads the rows of scripts/bench/parse.awk (every kernel) and prints:
#
#   summary  the claims, as ratios within this one run, per kernel at the
#            reference size (ref, 1500), batch 1: each mode's ns/op over
#            kmalloc_floor's, napi_alloc_skb against alloc_skb, the
#            harness (mode=empty) as a share of alloc_skb, pktgen's pps
#            against alloc_skb's ops/s, cpu=all's sum against one CPU;
#            then kernel against kernel.  Markdown list items.
#   tables   Markdown tables per kernel: ns/op by size and mode for each
#            batch (pktgen as ns per packet beside them), pktgen, latency,
#            scaling.
#   data     gnuplot's input files in DIR (see scripts/bench/plot.gp):
#            ops-K-bB.dat, ratio.dat, scaling.dat, latency-K.dat, and
#            kernels.txt naming the kernels in order.

BEGIN {
	FS = "\t"
	if (ref == "")
		ref = 1500
	nk = nm = ns = nb = 0
}

NR == 1 {
	for (i = 1; i <= NF; i++)
		c[$i] = i
	next
}

function f(name) {
	return $(c[name])
}

function add_kernel(k) {
	if (!(k in kseen)) {
		kseen[k] = 1
		klist[++nk] = k
	}
}

{
	k = f("kernel")
	add_kernel(k)
	rel[k] = f("release")
	run = f("run")
	mode = f("mode")
	size = f("size")
	cpu = f("cpu")
	if (run == "sweep" && cpu != "sum") {
		if (!(mode in mseen)) {
			mseen[mode] = 1
			mlist[++nm] = mode
		}
		if (!(size in sseen)) {
			sseen[size] = 1
			slist[++ns] = size + 0
		}
		b = f("batch")
		if (!(b in bseen)) {
			bseen[b] = 1
			blist[++nb] = b + 0
		}
		NS[k, mode, size, b] = f("ns_per_op")
		OPS[k, mode, size, b] = f("ops_per_sec")
		LO_[k, mode, size, b] = f("ns_min")
		HI_[k, mode, size, b] = f("ns_max")
		CPU1[k] = cpu
		REP[k] = f("repeat")
	} else if (run == "pktgen") {
		if (!(size in sseen)) {
			sseen[size] = 1
			slist[++ns] = size + 0
		}
		PPS[k, size] = f("pps")
		PKT[k, size] = f("pkt_size")
		MTU[k, size] = f("mtu")
		PCNT[k, size] = f("count")
		PERR[k, size] = f("pg_errors")
		PCPU[k] = cpu
	} else if (run == "latency") {
		LAT[k, mode] = 1
		LNS[k, mode] = f("ns_per_op")
		P50[k, mode] = f("p50_ns")
		P99[k, mode] = f("p99_ns")
		P999[k, mode] = f("p999_ns")
		LOVH[k] = f("lat_overhead_ns")
		LTIM[k] = f("lat_timer_ns")
		LSIZE[k] = size
		if (!(mode in lmseen)) {
			lmseen[mode] = 1
			lmlist[++nlm] = mode
		}
	} else if (run == "scaling" && cpu == f("cpus")) {
		# The one-CPU reference run, just before the cpu=all one.
		SONE[k, mode] = f("ops_per_sec")
	} else if (run == "scaling") {
		if (!((k, mode) in SCAL)) {
			SCAL[k, mode] = 1
			scal_list[++nsc] = k SUBSEP mode
		}
		if (cpu == "sum") {
			SSUM[k, mode] = f("ops_per_sec")
		} else {
			SOPS[k, mode, cpu] = f("ops_per_sec")
			if (!(cpu in cseen)) {
				cseen[cpu] = 1
				clist[++nc] = cpu + 0
			}
		}
		SSIZE[k] = size
	}
}

function sort_num(a, n,    i, j, t) {
	for (i = 2; i <= n; i++) {
		t = a[i]
		for (j = i - 1; j >= 1 && a[j] > t; j--)
			a[j + 1] = a[j]
		a[j + 1] = t
	}
}

function have(x) {
	return x != "" && x != "-"
}

# x: a ratio, 2 significant digits at least.
function r(x) {
	if (x >= 100)
		return sprintf("%.0fx", x)
	if (x >= 10)
		return sprintf("%.1fx", x)
	return sprintf("%.2fx", x)
}

function ns_fmt(x) {
	if (!have(x))
		return "–"
	return x + 0 < 100 ? sprintf("%.2f", x) : sprintf("%.0f", x)
}

function num(x) {
	return have(x) ? x : "NaN"
}

# ---- summary ----

function summary(   i, k, m, line, fl, a, n, s1, s64, ratio, cmp, kk, first) {
	for (i = 1; i <= nk; i++) {
		k = klist[i]
		printf "- **%s** (%s): size %d, batch 1, CPU %s, medians of %s repetitions\n", k, rel[k], ref, CPU1[k], REP[k]
		fl = NS[k, "kmalloc_floor", ref, 1]
		a = NS[k, "alloc_skb", ref, 1]
		n = NS[k, "napi_alloc_skb", ref, 1]
		if (have(fl)) {
			line = ""
			for (j = 1; j <= nm; j++) {
				m = mlist[j]
				if (m == "kmalloc_floor" || m == "empty" || !have(NS[k, m, ref, 1]))
					continue
				line = line sprintf("%s%s %s", line == "" ? "" : ", ", m, r(NS[k, m, ref, 1] / fl))
			}
			printf "  - ns/op over kmalloc_floor's (%s ns): %s\n", ns_fmt(fl), line
		}
		spread = 0
		for (j = 1; j <= nm; j++) {
			m = mlist[j]
			if (m != "empty" && have(LO_[k, m, ref, 1]) && LO_[k, m, ref, 1] > 0 && HI_[k, m, ref, 1] / LO_[k, m, ref, 1] > spread) {
				spread = HI_[k, m, ref, 1] / LO_[k, m, ref, 1]
				worst = m
			}
		}
		if (spread)
			printf "  - noise: the slowest repetition over the fastest, at most %s (%s)\n", r(spread), worst
		if (have(a) && have(n)) {
			printf "  - napi_alloc_skb makes %s the skbs per second alloc_skb does", r(a / n)
			if (have(NS[k, "alloc_skb", ref, 64]) && have(NS[k, "napi_alloc_skb", ref, 64]))
				printf " (batch 64: %s)", r(NS[k, "alloc_skb", ref, 64] / NS[k, "napi_alloc_skb", ref, 64])
			printf "\n"
		}
		if (have(a) && have(NS[k, "empty", ref, 1]))
			printf "  - harness cost (mode=empty, %s ns/op): %.2f%% of alloc_skb's ns/op\n",
				ns_fmt(NS[k, "empty", ref, 1]), 100 * NS[k, "empty", ref, 1] / a
		if (have(PPS[k, ref]) && have(OPS[k, "alloc_skb", ref, 1])) {
			printf "  - pktgen (%s-byte packets, clone_skb 0, to dummy0): %d pps = %s alloc_skb's ops/s",
				PKT[k, ref], PPS[k, ref], r(PPS[k, ref] / OPS[k, "alloc_skb", ref, 1])
			if (have(OPS[k, "netdev_alloc_skb", ref, 1]))
				printf ", %s netdev_alloc_skb's (the path pktgen allocates with)", r(PPS[k, ref] / OPS[k, "netdev_alloc_skb", ref, 1])
			printf "\n"
		}
		line = ""
		for (j = 1; j <= nsc; j++) {
			split(scal_list[j], kk, SUBSEP)
			if (kk[1] != k)
				continue
			m = kk[2]
			if (have(SSUM[k, m]) && have(SONE[k, m]))
				line = line sprintf("%s%s %s", line == "" ? "" : ", ", m, r(SSUM[k, m] / SONE[k, m]))
		}
		if (line != "")
			printf "  - cpu=all (%d CPUs at once), summed ops/s over one CPU alone: %s\n", nc, line
		line = ""
		for (j = 1; j <= nlm; j++) {
			m = lmlist[j]
			if (m == "empty" || !have(P50[k, m]) || P50[k, m] + 0 == 0)
				continue
			line = line sprintf("%s%s %d/%d/%d", line == "" ? "" : ", ", m, P50[k, m], P99[k, m], P999[k, m])
		}
		if (line != "")
			printf "  - latency at %d bytes, p50/p99/p999 ns: %s; sampling adds about %s ns/op (a timer-read pair costs %s ns)\n",
				LSIZE[k], line, LOVH[k], LTIM[k]
	}
	# Kernel against kernel, the first as the base.
	for (i = 2; i <= nk; i++) {
		line = ""
		for (j = 1; j <= nm; j++) {
			m = mlist[j]
			if (m == "empty" || !have(NS[klist[1], m, ref, 1]) || !have(NS[klist[i], m, ref, 1]))
				continue
			line = line sprintf("%s%s %s", line == "" ? "" : ", ", m, r(NS[klist[i], m, ref, 1] / NS[klist[1], m, ref, 1]))
		}
		if (line != "")
			printf "- **%s against %s**, ns/op at %d bytes, batch 1 (below 1x: %s is faster): %s\n",
				klist[i], klist[1], ref, klist[i], line
	}
}

# ---- tables ----

function ns_table(k, b,    i, j, m, s, line) {
	printf "\nns per op, batch %d, CPU %s (median of %s repetitions; ops/s = 1e9 / ns; pktgen: ns per packet, 1e9 / pps)\n\n", b, CPU1[k], REP[k]
	line = "| size |"
	for (j = 1; j <= nm; j++)
		line = line " " mlist[j] " |"
	print line " pktgen |"
	line = "|---:|"
	for (j = 1; j <= nm + 1; j++)
		line = line "---:|"
	print line
	for (i = 1; i <= ns; i++) {
		s = slist[i]
		line = "| " s " |"
		for (j = 1; j <= nm; j++)
			line = line " " ns_fmt(NS[k, mlist[j], s, b]) " |"
		line = line " " (have(PPS[k, s]) ? ns_fmt(1e9 / PPS[k, s]) : "–") " |"
		print line
	}
}

function tables(   i, j, k, b, s, m, ncpu) {
	for (i = 1; i <= nk; i++) {
		k = klist[i]
		printf "\n## %s (%s)\n", k, rel[k]
		for (j = 1; j <= nb; j++)
			ns_table(k, blist[j])
		if ((k in PCPU) && have(PCPU[k])) {
			printf "\npktgen, clone_skb 0, dummy0, thread kpktgend_%s (size: asked; pkt_size: what pktgen used)\n\n", PCPU[k]
			print "| size | pkt_size | dummy0 mtu | packets | pps | pps / alloc_skb ops/s | errors |"
			print "|---:|---:|---:|---:|---:|---:|---:|"
			for (j = 1; j <= ns; j++) {
				s = slist[j]
				if (!have(PPS[k, s]))
					continue
				printf "| %s | %s | %s | %s | %s | %s | %s |\n", s, PKT[k, s], MTU[k, s], PCNT[k, s], PPS[k, s],
					have(OPS[k, "alloc_skb", s, 1]) ? r(PPS[k, s] / OPS[k, "alloc_skb", s, 1]) : "–", PERR[k, s]
			}
		}
		if (have(LSIZE[k])) {
			printf "\nlatency at %s bytes, batch 1: one op in 64 timed alone; sampling adds about %s ns/op, a timer-read pair costs %s ns\n\n", LSIZE[k], LOVH[k], LTIM[k]
			print "| mode | ns/op | p50 ns | p99 ns | p999 ns |"
			print "|---|---:|---:|---:|---:|"
			for (j = 1; j <= nlm; j++) {
				m = lmlist[j]
				if (LAT[k, m])
					printf "| %s | %s | %s | %s | %s |\n", m, ns_fmt(LNS[k, m]), P50[k, m], P99[k, m], P999[k, m]
			}
		}
		if (nc && have(SSIZE[k])) {
			printf "\nscaling at %s bytes, batch 1: ops/s of one CPU alone (cpu=nic, just before) and of every CPU at once (cpu=all)\n\n", SSIZE[k]
			line = "| mode | one CPU |"
			rule = "|---|---:|"
			for (j = 1; j <= nc; j++) {
				line = line " cpu " clist[j] " |"
				rule = rule "---:|"
			}
			print line " sum | sum / one |"
			print rule "---:|---:|"
			for (j = 1; j <= nsc; j++) {
				split(scal_list[j], kk, SUBSEP)
				if (kk[1] != k)
					continue
				m = kk[2]
				line = "| " m " | " (have(SONE[k, m]) ? SONE[k, m] : "–") " |"
				for (ncpu = 1; ncpu <= nc; ncpu++)
					line = line " " (have(SOPS[k, m, clist[ncpu]]) ? SOPS[k, m, clist[ncpu]] : "–") " |"
				line = line " " SSUM[k, m] " | " (have(SONE[k, m]) ? r(SSUM[k, m] / SONE[k, m]) : "–") " |"
				print line
			}
		}
	}
}

# ---- gnuplot data ----

function data(   i, j, jj, k, b, s, m, file, line, kk) {
	file = dir "/kernels.txt"
	for (i = 1; i <= nk; i++)
		print klist[i] > file
	close(file)
	for (i = 1; i <= nk; i++) {
		k = klist[i]
		# Allocations per second by size: modes but empty, then pktgen.
		for (j = 1; j <= nb; j++) {
			b = blist[j]
			file = dir "/ops-" k "-b" b ".dat"
			line = "size"
			for (jj = 1; jj <= nm; jj++)
				if (mlist[jj] != "empty")
					line = line " " mlist[jj]
			print line " pktgen" > file
			for (s = 1; s <= ns; s++) {
				line = slist[s]
				for (jj = 1; jj <= nm; jj++)
					if (mlist[jj] != "empty")
						line = line " " num(OPS[k, mlist[jj], slist[s], b])
				print line " " num(PPS[k, slist[s]]) > file
			}
			close(file)
		}
		if (have(LSIZE[k])) {
			file = dir "/latency-" k ".dat"
			print "mode p50 p99 p999" > file
			for (j = 1; j <= nlm; j++)
				if (LAT[k, lmlist[j]])
					print lmlist[j], num(P50[k, lmlist[j]]), num(P99[k, lmlist[j]]), num(P999[k, lmlist[j]]) > file
			close(file)
		}
	}
	# ns/op over kmalloc_floor's at ref, batch 1: a row per mode, a column per kernel.
	file = dir "/ratio.dat"
	line = "mode"
	for (i = 1; i <= nk; i++)
		line = line " " klist[i]
	print line > file
	for (j = 1; j <= nm; j++) {
		m = mlist[j]
		if (m == "empty")
			continue
		line = m
		for (i = 1; i <= nk; i++) {
			k = klist[i]
			if (have(NS[k, m, ref, 1]) && have(NS[k, "kmalloc_floor", ref, 1]))
				line = line " " sprintf("%.3f", NS[k, m, ref, 1] / NS[k, "kmalloc_floor", ref, 1])
			else
				line = line " NaN"
		}
		print line > file
	}
	close(file)
	# Scaling: a row per (kernel, mode): one CPU alone, each CPU, the sum (Mops/s).
	if (nsc) {
		file = dir "/scaling.dat"
		line = "group one"
		for (j = 1; j <= nc; j++)
			line = line " cpu" clist[j]
		print line " sum" > file
		for (j = 1; j <= nsc; j++) {
			split(scal_list[j], kk, SUBSEP)
			k = kk[1]
			m = kk[2]
			line = "\"" k " " m "\" " (have(SONE[k, m]) ? SONE[k, m] / 1e6 : "NaN")
			for (i = 1; i <= nc; i++)
				line = line " " (have(SOPS[k, m, clist[i]]) ? SOPS[k, m, clist[i]] / 1e6 : "NaN")
			print line " " (have(SSUM[k, m]) ? SSUM[k, m] / 1e6 : "NaN") > file
		}
		close(file)
	}
}

END {
	sort_num(slist, ns)
	sort_num(blist, nb)
	sort_num(clist, nc)
	if (what == "summary")
		summary()
	else if (what == "tables")
		tables()
	else if (what == "data")
		data()
	else {
		print "report.awk: what=summary, tables or data" > "/dev/stderr"
		exit 2
	}
}
