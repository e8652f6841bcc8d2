# SPDX-License-Identifier: GPL-2.0
#
# gnuplot -e 'kind="..."; ...' plot.gp: one PNG of make bench from the
# files scripts/bench/report.awk writes (what=data).  Variables:
#   kind     ops | ratio | scaling | latency
#   out      the PNG
#   title    the title's first line
#   sub      its second line (settings)
#   ncol     columns in the data file(s)
#   ops:     b1, b64 (files, one panel each; b64 may be ""), sizes (the
#            x tics, space-separated)
#   ratio, scaling, latency: dat (the file)

set terminal pngcairo size 1400,720 enhanced font "DejaVu Sans,11" linewidth 1.5
set output out
set datafile missing "NaN"
set datafile columnheaders
set key autotitle columnheader noenhanced
set grid ytics lc rgb "#dddddd"
set border 3
set tics nomirror
# One colour per series, the same in every plot: the modes in their order.
array colour[8] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
do for [i = 1:8] { set linetype i lc rgb colour[i] pt 7 }

if (kind eq "ops") {
	# One y range for both panels, whole decades; x a little beyond the sizes.
	lo = 1e30
	hi = 0
	do for [file in b1." ".b64] {
		do for [i = 2:ncol] {
			stats file using i nooutput
			lo = (STATS_min < lo) ? STATS_min : lo
			hi = (STATS_max > hi) ? STATS_max : hi
		}
	}
	set yrange [10 ** floor(log10(lo)) : 10 ** ceil(log10(hi))]
	xs = 1e30
	xl = 0
	do for [s in sizes] {
		xs = (s + 0 < xs) ? s + 0 : xs
		xl = (s + 0 > xl) ? s + 0 : xl
	}
	set xrange [xs / 1.4 : xl * 1.4]
	panels = (b64 ne "") ? 2 : 1
	set multiplot layout 1,panels title title."\n".sub noenhanced
	set logscale x 2
	set logscale y 10
	set xtics () rotate by -45
	do for [s in sizes] { set xtics add (s s+0) }
	set format y "%.0s%c"
	set xlabel "size asked of the allocator (bytes, log scale)"
	set ylabel "allocations per second (log scale; pktgen: packets per second)"
	set key bottom left font ",10" box opaque
	set grid xtics ytics lc rgb "#dddddd"
	n = ncol
	do for [f = 1:2] {
		file = (f == 1) ? b1 : b64
		if (file ne "") {
			set title (f == 1 ? "batch 1: allocate one, free it" : "batch 64: allocate 64, then free them")
			plot for [i = 2:n - 1] file using 1:i with linespoints pt 7 ps 0.8 lt i - 1 title columnheader(i), \
				file using 1:n with linespoints dt 2 lw 2 pt 6 ps 1.2 lc rgb "black" title "pktgen (pps)"
		}
	}
	unset multiplot
}

if (kind eq "ratio") {
	set title title."\n".sub noenhanced
	set style data histograms
	set style histogram clustered gap 1
	set style fill solid 0.85 border -1
	set boxwidth 0.9
	set ylabel "ns per op / kmalloc_floor's ns per op" noenhanced
	set yrange [0:*]
	set key top right
	set xtics noenhanced
	set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb "black"
	nk = ncol - 1
	set style textbox opaque noborder margins 1,1
	plot for [i = 2:ncol] dat using i:xtic(1) lt i - 1, \
		for [i = 2:ncol] dat using ($0 + (i - 2 - (nk - 1) / 2.0) / (nk + 1.0)):(column(i)):(sprintf("%.2f", column(i))) \
			with labels boxed offset 0,0.8 font ",9" notitle
}

if (kind eq "scaling") {
	set title title."\n".sub noenhanced
	set style data histograms
	set style histogram clustered gap 1
	set style fill solid 0.85 border -1
	set boxwidth 0.9
	set ylabel "million allocations per second"
	set yrange [0:*]
	set key top left
	set xtics noenhanced
	nb = ncol - 1
	plot for [i = 2:ncol] dat using i:xtic(1) lt i - 1 title (i == 2 ? "one CPU alone (cpu=nic)" : i == ncol ? "sum over CPUs (cpu=all)" : columnhead(i)." (cpu=all)"), \
		for [i = 2:ncol] dat using ($0 + (i - 2 - (nb - 1) / 2.0) / (nb + 1.0)):(column(i)):(sprintf("%.2f", column(i))) \
			with labels offset 0,0.7 font ",9" notitle
}

if (kind eq "latency") {
	set title title."\n".sub noenhanced
	set style data histograms
	set style histogram clustered gap 1
	set style fill solid 0.85 border -1
	set boxwidth 0.9
	set logscale y 10
	lo = 1e30
	do for [i = 2:ncol] {
		stats dat using i nooutput
		lo = (STATS_min < lo) ? STATS_min : lo
	}
	set yrange [10 ** floor(log10(lo)) : *]
	set format y "%.0s%c"
	set ylabel "ns for one allocation + free (log scale)"
	set key top left
	set xtics noenhanced
	array shade[3] = ["#9ecae1", "#4292c6", "#08306b"]
	plot for [i = 2:ncol] dat using i:xtic(1) lc rgb shade[(i - 2) % 3 + 1], \
		for [i = 2:ncol] dat using ($0 + (i - 2 - (ncol - 2) / 2.0) / ncol):(column(i)):(sprintf("%d", column(i))) \
			with labels offset 0,0.7 font ",8" notitle
}
