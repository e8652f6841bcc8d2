# SPDX-License-Identifier: GPL-2.0
#
# tests/fuzz.awk: the fuzz case's writes, as busybox sh for tests/cases.sh
# to source; awk -v seed=N -v n=WRITES [-v keys="the config keys"] (the
# same seed, keys and busybox: the same script).  A write is "fz I FILE 'ESCAPED' [PAD]": ESCAPED is for echo -ne
# (printable ASCII as itself; quotes, backslashes, a leading dash and other
# bytes as \0NNN), PAD 4089 or 4090 spaces the shell appends (with the 7
# bytes of "count=5": at or just past the 4096-byte limit).  "fr FILE"
# reads a file.  Writes to run carry "count=1..4 repeat=1" (unless the
# random part repeats a key, which fails the write): every run is tiny.

function r(k) { return int(rand() * k) }
function pick(s,    a) { return a[r(split(s, a, " ")) + 1] }

# esc(s): printable ASCII text, quotes and backslashes escaped.
function esc(s,    i, c, o) {
	o = ""
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == "\047" || c == "\\")
			o = o sprintf("\\0%03o", ord[c])
		else
			o = o c
	}
	return o
}

# rbytes(k): k random bytes, any value.
function rbytes(k,    o, b) {
	o = ""
	while (k-- > 0) {
		b = r(256)
		if (b >= 32 && b < 127 && b != 39 && b != 92)
			o = o sprintf("%c", b)
		else
			o = o sprintf("\\0%03o", b)
	}
	return o
}

# rprint(k): k random printable characters (no whitespace).
function rprint(k,    o) {
	for (o = ""; k-- > 0;) o = o sprintf("%c", 33 + r(94))
	return o
}

function num(    c) {
	c = r(16)
	if (c == 0) return r(10)
	if (c == 1) return r(100000)
	if (c == 2) return pick("0 1 2 13 14 15 63 64 65 100 101 4095 4096 4097 65535 65536 65537")
	if (c == 3) return pick("99999999 100000000 100000001 2147483647 2147483648")
	if (c == 4) return pick("4294967295 4294967296 18446744073709551615 18446744073709551616 99999999999999999999999")
	if (c == 5) return "-" r(100)
	if (c == 6) return "0x" r(100)
	if (c == 7) return r(100) pick("x k K M , . - +")
	if (c == 8) return ""
	if (c == 9) return "+" r(9)
	if (c == 10) return "00" r(9)
	if (c == 11) return r(9) "." r(9)
	if (c == 12) return rprint(1 + r(4))
	return r(2000)
}

function val(key,    c) {
	c = r(10)
	if (key == "mode") {
		if (c < 7) return pick("alloc_skb alloc_skb_fclone alloc_skb_with_frags skb_clone netdev_alloc_skb napi_alloc_skb build_skb page_pool kmalloc_floor empty all")
		return pick("ALL alloc_sk alloc_skbb 0 7 none all,empty") rprint(r(2))
	}
	if (key == "cpu") {
		if (c < 6) return pick("nic all 0 1 0-1 1-0 0,1 1,0 2 7 8 0-7 0-2 0-0 1-1")
		if (c < 9) return pick(",0 0, 0-- - 00 01 4096 99999999999 all,0 nicx 0-1-2 0,,1 0-") rprint(r(2))
		return rprint(60 + r(10))
	}
	if (key == "free_cpu") {
		if (c < 6) return pick("same 0 1 2 7 8 64 100000")
		return pick("SAME same0 -1 1- 0,1 nic all 123456789") rprint(r(2))
	}
	if (key == "dev") {
		if (c < 6) return pick("eth0 lo nosuch0 eth1 . .. a/b abcdefghijklmnop abcdefghijklmno e x:y")
		return rprint(1 + r(20))
	}
	return num()
}

function token(    c, key) {
	c = r(24)
	if (c < 14) {
		key = pick(KEYS)
		return esc(key "=" val(key))
	}
	if (c == 14) return esc(rprint(1 + r(8)) "=" num())
	if (c == 15) return pick("reset 1 start stop = == =5 size size== mode=all=all count=1=1 reset=1")
	if (c == 16) return esc(rprint(1 + r(20)))
	if (c == 17) return rbytes(1 + r(16))
	if (c == 18) {
		key = pick(KEYS)
		return esc(key "=") rbytes(1) esc(val(key))
	}
	if (c == 19) return esc(pick(KEYS) "=" rprint(20 + r(100)))
	if (c == 20) return pick(KEYS) "\\0000" esc("=" num())
	return pick("size=64 headroom=0 put=0 size=65536 put=65536 batch=4096 latency=1 mode=all cpu=all warmup=0 free_cpu=0")
}

function sep(    c) {
	c = r(12)
	if (c < 6) return " "
	if (c == 6) return "\\0011"
	if (c == 7) return "\\0012"
	if (c == 8) return "   "
	if (c == 9) return pick("\\0015 \\0013 \\0014")
	if (c == 10) return ""
	return "\\0012\\0011 "
}

# clean(s): s without words that look like a kernel complaint: the module
# logs bad tokens, and scripts/vm.sh fails a VM whose log says "BUG:".
function clean(s) {
	gsub(/BUG|Oops|WARN|UBSAN|KASAN|Bad page|[Pp]anic|lockup|LOCKUP|stall|blocked for|leak|corruption|locking|lock state|invalid opcode|protection fault/, "x", s)
	return s
}

# payload(): random tokens with random separators, sometimes long.
function payload(    k, o, c) {
	c = r(200)
	if (c == 0) return clean(rbytes(4090 + r(20)))
	if (c < 5) return clean(rbytes(1 + r(300)))
	if (c < 9) return ""
	k = (c < 180) ? 1 + r(5) : 1 + r(30)
	o = (r(4) == 0) ? sep() : ""
	while (k-- > 0)
		o = o token() sep()
	return clean(o)
}

BEGIN {
	for (i = 1; i < 256; i++)
		ord[sprintf("%c", i)] = i
	KEYS = keys != "" ? keys : "mode size headroom put count repeat warmup batch cpu free_cpu dev latency"
	srand(seed)
	print "# fuzz seed=" seed " writes=" n
	w = 0
	while (w < n) {
		c = r(100)
		if (c < 3) {
			print "fr " pick("layout results stats config")
			continue
		}
		w++
		if (c < 5) {
			p = payload()
			if (substr(p, 1, 1) == "-") p = "\\0055" substr(p, 2)
			print "fz " w " " pick("results layout stats") " '" p "'"
			continue
		}
		if (c < 7) {
			print "fz " w " config 'count=5' " (4089 + r(2))
			continue
		}
		if (c < 55) {
			p = payload()
			if (substr(p, 1, 1) == "-") p = "\\0055" substr(p, 2)
			print "fz " w " config '" p "'"
			continue
		}
		p = payload()
		safe = " count=" (1 + r(4)) " repeat=1 "
		if (r(2)) p = safe p
		else p = p safe
		if (r(10) < 7) p = pick("1 start") " " p
		if (substr(p, 1, 1) == "-") p = "\\0055" substr(p, 2)
		print "fz " w " run '" p "'"
	}
}
