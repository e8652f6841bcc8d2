# SPDX-License-Identifier: GPL-2.0
#
# gnuplot -c plot.gp KIND OUT TITLE SUBTITLE N FILE [FILE2 YRANGE]: one PNG
# of make bench from a data file of scripts/bench/bench.py, whose header
# row names the series.
#   ops                  FILE (batch 1) and FILE2 (batch 64, or ""): size,
#                        then N series of three columns: ops/s and its low
#                        and high (the slowest and fastest repetition), the
#                        last pktgen; YRANGE "LO HI" for both panels
#   ratio latency scaling release   FILE: a label, then N series (bars)
#   returning            FILE: a label, the number of releasing CPUs, then N
#                        series (lines) of ratios, kernel by kernel: the
#                        first M (ARG7) the modes of one kernel, and so on
#   compare              FILE (scripts/compare.py): a mode, then N series of
#                        three columns: B/A and its interval's low and high
#                        (NaN: none); YRANGE: the threshold in percent

kind = ARG1
title = ARG3 . "\n" . ARG4
n = ARG5 + 0
file = ARG6
set terminal pngcairo size 1400,720 enhanced font "DejaVu Sans,11" linewidth 1.5
set output ARG2
set datafile missing "NaN"
set datafile columnheaders
set key noenhanced
set grid ytics lc rgb "#dddddd"
set border 3
set tics nomirror
# One colour per series, the same in every plot: the modes in their order.
array colour[8] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
do for [i = 1:8] { set linetype i lc rgb colour[i] pt 7 }

if (kind eq "ops") {
	set multiplot layout 1, (ARG7 ne "" ? 2 : 1) title title noenhanced
	set logscale xy
	set yrange [word(ARG8, 1) + 0 : word(ARG8, 2) + 0]
	set offsets graph 0.05, graph 0.05, 0, 0
	set xtics rotate by -45
	set format y "%.0s%c"
	set xlabel "size asked of the allocator (bytes, log scale)"
	set ylabel "allocations per second (log scale; pktgen: packets per second)"
	set key bottom left font ",10" box opaque
	set grid xtics ytics lc rgb "#dddddd"
	do for [f = 6:7] {
		file = value("ARG" . f)
		if (file ne "") {
			set title (f == 6 ? "batch 1: allocate one, free it" : "batch 64: allocate 64, then free them")
			plot for [i = 1:n - 1] file using 1:(column(3 * i - 1)):(column(3 * i)):(column(3 * i + 1)):xtic(1) \
					with yerrorlines ps 0.8 lt i title columnhead(3 * i - 1), \
				file using 1:(column(3 * n - 1)) with linespoints dt 2 lw 2 pt 6 ps 1.2 lc rgb "black" title columnhead(3 * n - 1)
		}
	}
	unset multiplot
	exit
}

if (kind eq "returning") {
	# A colour per mode, a dash type per kernel.
	m = ARG7 + 0
	colour_of(i) = (i - 3) % m + 1
	dash_of(i) = (i - 3) / m + 1
	set title title noenhanced
	set xlabel "CPUs the skbs are released on, besides the NIC CPU that made them (same CPU: free_cpu=same)" noenhanced
	set ylabel "ns per op / ns per op freed on the same CPU"
	set yrange [0:*]
	set offsets 0.2, 0.2, graph 0.08, 0
	set key below noenhanced
	set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb "black"
	plot for [i = 3:n + 2] file using 2:i:xtic(1) with linespoints lt colour_of(i) dt dash_of(i) ps 1.2 \
			title columnhead(i), \
		for [i = 3:n + 2] file using 2:i:(sprintf("%.2f", column(i))) with labels offset 0,0.8 font ",9" tc lt colour_of(i) notitle
	exit
}

if (kind eq "compare") {
	set title title noenhanced
	set logscale y
	set autoscale yfix
	set ytics add (0.25, 0.5, 0.67, 0.8, 0.9, 1.1, 1.25, 1.5, 2, 4)
	set format y "%g"
	unset mytics
	set ylabel "B's ns per op / A's (log scale)"
	set xtics rotate by -30 noenhanced
	set key below noenhanced
	set offsets 0.5, 0.5, graph 0.05, graph 0.05
	set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb "black"
	t = ARG8 + 0
	if (t > 0) {
		set arrow 2 from graph 0, first 1 + t / 100.0 to graph 1, first 1 + t / 100.0 nohead dt 3 lc rgb "#888888"
		set arrow 3 from graph 0, first 1 - t / 100.0 to graph 1, first 1 - t / 100.0 nohead dt 3 lc rgb "#888888"
	}
	# The series side by side around each mode; the labels from an unseen one.
	x(i) = $0 + (i - (n + 1) / 2.0) * 0.7 / n
	plot file using 0:(1):xtic(1) with points ps 0 notitle, \
		for [i = 1:n] file using (x(i)):(column(3 * i - 1)):(column(3 * i)):(column(3 * i + 1)) \
			with yerrorbars lt i ps 1 title columnhead(3 * i - 1), \
		for [i = 1:n] file using (x(i)):(column(3 * i - 1)) with points lt i ps 1 notitle
	exit
}

set title title noenhanced
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set yrange [0:*]
set offsets 0, 0, graph 0.08, 0
set key below
set xtics noenhanced
fmt = "%.2f"
if (kind eq "ratio") {
	set ylabel "ns per op / kmalloc_floor's ns per op"
	set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb "black"
}
if (kind eq "scaling") { set ylabel "million allocations per second" }
if (kind eq "release") { set ylabel "ns per op"; fmt = "%.0f" }
if (kind eq "latency") {
	set logscale y
	set yrange [*:*]
	set offsets 0, 0, 0, 0
	set format y "%.0s%c"
	set ylabel "ns for one allocation + free (log scale)"
	fmt = "%.0f"
}
plot for [i = 2:n + 1] file using i:xtic(1) lt i - 1 title columnhead(i), \
	for [i = 2:n + 1] file using ($0 + (i - 2 - (n - 1) / 2.0) / (n + 1.0)):(column(i)):(sprintf(fmt, column(i))) \
		with labels offset 0,0.7 font ",9" notitle
