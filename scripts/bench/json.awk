# SPDX-License-Identifier: GPL-2.0
#
# json.awk ROWS.TSV: the rows of scripts/bench/parse.awk as a JSON array of
# objects, one per row, keys in column order; "-" becomes null.  kernel,
# release, run, mode and cpus are strings; cpu is a number, or the string
# "sum" for the sum over CPUs of a cpu=all run; every other column is a
# number.

BEGIN {
	FS = "\t"
	split("kernel release run mode cpus", s, " ")
	for (i in s)
		str[s[i]] = 1
}

function quote(x) {
	gsub(/\\/, "\\\\", x)
	gsub(/"/, "\\\"", x)
	return "\"" x "\""
}

function value(k, x) {
	if (x == "-" || x == "")
		return "null"
	if (k in str)
		return quote(x)
	if (x ~ /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/)
		return x
	return quote(x)
}

NR == 1 {
	for (i = 1; i <= NF; i++)
		name[i] = $i
	n = NF
	printf "["
	next
}

{
	printf "%s\n  {", (NR > 2 ? "," : "")
	for (i = 1; i <= n; i++)
		printf "%s\"%s\": %s", (i > 1 ? ", " : ""), name[i], value(name[i], $i)
	printf "}"
}

END {
	printf "%s]\n", (NR > 1 ? "\n" : "")
}
