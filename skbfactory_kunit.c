// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for skbfactory: the config parser, the skb factory and what
 * the kernel's skb helpers do to its skbs, NIC-CPU resolution, the run
 * engine and its figures, a run's lifetime (a NIC going away, a CPU going
 * offline, BH-off time), and the text of the results, layout and stats
 * files.
 *
 * Every case calls skbfactory's own functions, exported to this module
 * only (EXPORT_SYMBOL_IF_KUNIT), built in or as modules.  Runs are kept
 * short: the suites run under QEMU TCG with KASAN, where one alloc_skb()
 * takes about a millisecond.  Cases that need what a machine lacks (a
 * second CPU, a PCI NIC, IRQ affinity) skip and say which piece is
 * missing; scripts/kunit-skips lists the expected skips per architecture.
 */

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/ctype.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqdesc.h>
#include <linux/cpu.h>
#include <linux/etherdevice.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/seq_buf.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/utsname.h>

#include "skbfactory.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define SKBF_KUNIT_TEXT		16384	/* text buffer of a case */
#define SKBF_KUNIT_SHINFO	SKB_DATA_ALIGN(sizeof(struct skb_shared_info))
#define SKBF_KUNIT_LONG_NS	(20ULL * NSEC_PER_SEC)	/* a run for a stop to end */

/* Per case: text buffers, a config at its defaults, room for a reason. */
struct skbf_kunit {
	struct seq_buf s;	/* what skbfactory prints */
	struct seq_buf w;	/* what the case expects */
	char *text;
	char *want;
	struct skbf_config cfg;
	char why[128];
	char line[1024];
	char stats[1024];
};

static int skbf_kunit_init(struct kunit *test)
{
	struct skbf_kunit *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	ctx->text = kunit_kzalloc(test, SKBF_KUNIT_TEXT, GFP_KERNEL);
	ctx->want = kunit_kzalloc(test, SKBF_KUNIT_TEXT, GFP_KERNEL);
	if (!ctx->text || !ctx->want)
		return -ENOMEM;
	seq_buf_init(&ctx->s, ctx->text, SKBF_KUNIT_TEXT);
	seq_buf_init(&ctx->w, ctx->want, SKBF_KUNIT_TEXT);
	skbf_config_reset(&ctx->cfg);
	test->priv = ctx;
	return 0;
}

static void skbf_kunit_exit(struct kunit *test)
{
	/* Whatever a case made, it released before it ended. */
	KUNIT_EXPECT_EQ(test, skbf_outstanding(), 0);
}

/* ---- Helpers ---- */

/* The text printed into @s so far, NUL-terminated. */
static const char *skbf_kunit_str(struct kunit *test, struct seq_buf *s)
{
	KUNIT_ASSERT_FALSE(test, seq_buf_has_overflowed(s));
	return seq_buf_str(s);
}

/* The first line of @text that starts with @prefix, or NULL. */
static const char *skbf_kunit_line(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, prefix, n))
			return p;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

/* Whether @text has a line that is exactly @line. */
static bool skbf_kunit_has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = skbf_kunit_line(p, line))) {
		if (p[n] == '\n' || !p[n])
			return true;
		p += n;
	}
	return false;
}

/* Expect @line, exactly, among the lines of @text. */
static void skbf_kunit_expect_line(struct kunit *test, const char *text, const char *line)
{
	KUNIT_EXPECT_TRUE_MSG(test, skbf_kunit_has_line(text, line), "no line \"%s\" in:\n%s",
			      line, text);
}

/* Expect each of @lines, exactly, among the lines of @text. */
static void skbf_kunit_expect_lines(struct kunit *test, const char *text,
				    const char *const *lines, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		KUNIT_EXPECT_TRUE_MSG(test, skbf_kunit_has_line(text, lines[i]),
				      "no line \"%s\" in:\n%s", lines[i], text);
}

/* How many lines of @text start with @prefix. */
static unsigned int skbf_kunit_count(const char *text, const char *prefix)
{
	unsigned int n = 0;
	const char *p = text;

	while ((p = skbf_kunit_line(p, prefix))) {
		n++;
		p += strlen(prefix);
	}
	return n;
}

/* Copy the line at @p, without its newline, into the case's line buffer. */
static const char *skbf_kunit_copy_line(struct kunit *test, const char *p)
{
	struct skbf_kunit *ctx = test->priv;
	size_t n;

	KUNIT_ASSERT_NOT_NULL(test, p);
	n = strchrnul(p, '\n') - p;
	KUNIT_ASSERT_LT(test, n, sizeof(ctx->line));
	memcpy(ctx->line, p, n);
	ctx->line[n] = '\0';
	return ctx->line;
}

/* Fields of a line separated by single spaces; 0 for a stray space. */
static unsigned int skbf_kunit_fields(const char *line)
{
	unsigned int n = 1;
	const char *p;

	if (!*line || *line == ' ')
		return 0;
	for (p = line; *p; p++) {
		if (*p != ' ')
			continue;
		if (p[1] == ' ' || !p[1])
			return 0;
		n++;
	}
	return n;
}

/*
 * Whether a line shows something like a kernel address: "0x" and a hex
 * digit, "ptrval", a run of 8 or more hex digits holding both a digit and a
 * letter, or "ffff", or a decimal number of 16 digits or more.
 */
static bool skbf_kunit_line_has_pointer(const char *p, const char *end)
{
	while (p < end) {
		size_t n = 0, letters = 0;

		if (p + 2 < end && p[0] == '0' && tolower(p[1]) == 'x' && isxdigit(p[2]))
			return true;
		if (end - p >= 6 && !strncmp(p, "ptrval", 6))
			return true;
		while (p + n < end && isxdigit(p[n]))
			letters += !isdigit(p[n++]);
		if (n >= 16 && !letters)
			return true;
		if (n >= 8 && letters && letters < n)
			return true;
		if (n >= 4 && strnstr(p, "ffff", n))
			return true;
		p += n ?: 1;
	}
	return false;
}

/* Whether @text shows a raw pointer anywhere but the kernel release line. */
static bool skbf_kunit_has_pointer(const char *text)
{
	const char *p = text;

	while (*p) {
		const char *end = strchrnul(p, '\n');

		if (strncmp(p, "# kernel: ", 10) && skbf_kunit_line_has_pointer(p, end))
			return true;
		p = *end ? end + 1 : end;
	}
	return false;
}

/* Apply @text to the case's config as a write to config does; 0 or -EINVAL. */
static int skbf_kunit_parse(struct kunit *test, const char *text)
{
	struct skbf_kunit *ctx = test->priv;

	ctx->why[0] = '\0';
	return skbf_config_parse(&ctx->cfg, text, strlen(text), false, ctx->why,
				 sizeof(ctx->why));
}

/* Like skbf_kunit_parse(), for text that must be accepted. */
static void skbf_kunit_set(struct kunit *test, const char *text)
{
	struct skbf_kunit *ctx = test->priv;

	KUNIT_ASSERT_EQ_MSG(test, skbf_kunit_parse(test, text), 0, "%s: %s", text, ctx->why);
}

/* A counter of the stats file, e.g. "skbs_allocated". */
static s64 skbf_kunit_stat(struct kunit *test, const char *name)
{
	struct skbf_kunit *ctx = test->priv;
	char prefix[32];
	struct seq_buf s;
	const char *p;
	s64 v;
	int n;

	seq_buf_init(&s, ctx->stats, sizeof(ctx->stats));
	skbf_stats_show(&s);
	snprintf(prefix, sizeof(prefix), "%s: ", name);
	p = skbf_kunit_line(skbf_kunit_str(test, &s), prefix);
	KUNIT_ASSERT_NOT_NULL_MSG(test, p, "no %s in stats", name);
	n = sscanf(p + strlen(prefix), "%lld", &v);
	KUNIT_ASSERT_EQ(test, n, 1);
	return v;
}

/* The contract's names: the module must call its modes this. */
static const char *const skbf_kunit_mode_names[SKBF_NR_MODES + 1] = {
	[SKBF_ALLOC_SKB]		= "alloc_skb",
	[SKBF_ALLOC_SKB_FCLONE]		= "alloc_skb_fclone",
	[SKBF_ALLOC_SKB_WITH_FRAGS]	= "alloc_skb_with_frags",
	[SKBF_SKB_CLONE]		= "skb_clone",
	[SKBF_NETDEV_ALLOC_SKB]		= "netdev_alloc_skb",
	[SKBF_NAPI_ALLOC_SKB]		= "napi_alloc_skb",
	[SKBF_BUILD_SKB]		= "build_skb",
	[SKBF_PAGE_POOL]		= "page_pool",
	[SKBF_KMALLOC_FLOOR]		= "kmalloc_floor",
	[SKBF_EMPTY]			= "empty",
	[SKBF_CALIBRATE]		= "calibrate",
	[SKBF_ALL]			= "all",
};

/* The modes mode=all runs, in its order: every one but calibrate. */
#define SKBF_KUNIT_ALL_ROWS	10

static const enum skbf_mode skbf_kunit_all_modes[] = {
	SKBF_ALLOC_SKB, SKBF_ALLOC_SKB_FCLONE, SKBF_ALLOC_SKB_WITH_FRAGS, SKBF_SKB_CLONE,
	SKBF_NETDEV_ALLOC_SKB, SKBF_NAPI_ALLOC_SKB, SKBF_BUILD_SKB, SKBF_PAGE_POOL,
	SKBF_KMALLOC_FLOOR, SKBF_EMPTY, SKBF_CALIBRATE, SKBF_ALL,
};

/* The modes that make skbs. */
static const enum skbf_mode skbf_kunit_skb_modes[] = {
	SKBF_ALLOC_SKB, SKBF_ALLOC_SKB_FCLONE, SKBF_ALLOC_SKB_WITH_FRAGS, SKBF_SKB_CLONE,
	SKBF_NETDEV_ALLOC_SKB, SKBF_NAPI_ALLOC_SKB, SKBF_BUILD_SKB, SKBF_PAGE_POOL,
};

/* The modes a run measures. */
static const enum skbf_mode skbf_kunit_run_modes[] = {
	SKBF_ALLOC_SKB, SKBF_ALLOC_SKB_FCLONE, SKBF_ALLOC_SKB_WITH_FRAGS, SKBF_SKB_CLONE,
	SKBF_NETDEV_ALLOC_SKB, SKBF_NAPI_ALLOC_SKB, SKBF_BUILD_SKB, SKBF_PAGE_POOL,
	SKBF_KMALLOC_FLOOR, SKBF_EMPTY, SKBF_CALIBRATE,
};

static void skbf_kunit_mode_desc(const enum skbf_mode *mode, char *desc)
{
	strscpy(desc, skbf_kunit_mode_names[*mode], KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(skbf_all_modes, skbf_kunit_all_modes, skbf_kunit_mode_desc);
KUNIT_ARRAY_PARAM(skbf_skb_modes, skbf_kunit_skb_modes, skbf_kunit_mode_desc);
KUNIT_ARRAY_PARAM(skbf_run_modes, skbf_kunit_run_modes, skbf_kunit_mode_desc);

static bool skbf_kunit_makes_skbs(enum skbf_mode mode)
{
	return mode < SKBF_KMALLOC_FLOOR;
}

/* The receive paths: their chunks run in a NAPI poll, as the contract says. */
static bool skbf_kunit_in_napi(enum skbf_mode mode)
{
	return mode == SKBF_NETDEV_ALLOC_SKB || mode == SKBF_NAPI_ALLOC_SKB ||
	       mode == SKBF_BUILD_SKB || mode == SKBF_PAGE_POOL;
}

/* The skip of a case that needs a measuring CPU and two releasing ones. */
#define SKBF_KUNIT_NEED3 "under three CPUs: two releasing CPUs and a measuring one need three"

/* The first online CPU other than @cpu, or nr_cpu_ids. */
static unsigned int skbf_kunit_other_cpu(unsigned int cpu)
{
	unsigned int other;

	for_each_online_cpu(other)
		if (other != cpu)
			return other;
	return nr_cpu_ids;
}

/* ---- The config parser ---- */

/* A write to config or run: its bytes, and the lines config then shows. */
struct skbf_kunit_input {
	const char *in;
	size_t len;
	const char *shows;	/* key=value lines, space separated; NULL: @in */
};

#define SKBF_KUNIT_EVERY_KEY "mode=napi_alloc_skb size=256 headroom=0 put=256 count=3 repeat=2 warmup=2 batch=8 cpu=0 free_cpu=same dev=eth1 latency=1 cal_alloc_ns=5 cal_free_ns=6 release=list"

#define SKBF_IN(text)		{ .in = text, .len = sizeof(text) - 1 }
#define SKBF_IN_SHOWS(text, lines)	{ .in = text, .len = sizeof(text) - 1, .shows = lines }

/* The bytes written, printable: other bytes, and '#', '\', as \xNN. */
static void skbf_kunit_input_desc(const struct skbf_kunit_input *p, char *desc)
{
	size_t i, n = 0;

	if (!p->len) {
		strscpy(desc, "(empty)", KUNIT_PARAM_DESC_SIZE);
		return;
	}
	for (i = 0; i < p->len && n + 5 < KUNIT_PARAM_DESC_SIZE; i++) {
		unsigned char c = p->in[i];
		bool inner = i && i + 1 < p->len;

		if ((isgraph(c) || (c == ' ' && inner)) && c != '#' && c != '\\')
			desc[n++] = c;
		else
			n += scnprintf(desc + n, KUNIT_PARAM_DESC_SIZE - n, "\\x%02x", c);
	}
	desc[n] = '\0';
}

static const struct skbf_kunit_input skbf_kunit_config_ok[] = {
	/* Every bound of every numeric key. */
	SKBF_IN("size=1 headroom=0 put=0"),
	SKBF_IN("size=65536"),
	SKBF_IN("headroom=0"),
	SKBF_IN("size=65536 headroom=65536 put=0"),
	SKBF_IN("put=0"),
	SKBF_IN("size=65536 headroom=0 put=65536"),
	SKBF_IN("size=114 headroom=14 put=100"),
	SKBF_IN("count=1"),
	SKBF_IN("count=100000000"),
	SKBF_IN("repeat=1"),
	SKBF_IN("repeat=100"),
	SKBF_IN("warmup=0"),
	SKBF_IN("warmup=10"),
	SKBF_IN("batch=1"),
	SKBF_IN("batch=4096"),
	SKBF_IN("latency=0"),
	SKBF_IN("latency=1"),
	SKBF_IN("cal_alloc_ns=0"),
	SKBF_IN("cal_alloc_ns=100000"),
	SKBF_IN("cal_free_ns=0"),
	SKBF_IN("cal_free_ns=100000"),
	SKBF_IN("mode=calibrate"),
	SKBF_IN("release=one"),
	SKBF_IN("release=list batch=16"),
	/* cpu= and dev=. */
	SKBF_IN("cpu=nic"),
	SKBF_IN("cpu=all"),
	SKBF_IN("cpu=0"),
	SKBF_IN_SHOWS("cpu=0-0", "cpu=0"),
	SKBF_IN("dev=eth0"),
	SKBF_IN("dev=lo"),
	SKBF_IN("dev=abcdefghijklmno"),
	SKBF_IN_SHOWS("dev=", "dev="),
	SKBF_IN("free_cpu=same"),
	SKBF_IN("free_cpu=0 batch=1"),
	SKBF_IN_SHOWS("free_cpu=00", "free_cpu=0"),
	SKBF_IN_SHOWS("free_cpu=0-0,0", "free_cpu=0"),
	/* Leading zeros are still decimal, not octal. */
	SKBF_IN_SHOWS("count=010", "count=10"),
	SKBF_IN_SHOWS("size=0064 headroom=00 put=064", "size=64 headroom=0 put=64"),
	/* Any whitespace separates tokens; echo's newline is fine. */
	SKBF_IN_SHOWS("size=2048\n", "size=2048"),
	SKBF_IN_SHOWS("  size=2048\tput=10 \r\n", "size=2048 put=10"),
	SKBF_IN_SHOWS("count=5\vrepeat=2\fbatch=3", "count=5 repeat=2 batch=3"),
	/* Every key in one write. */
	SKBF_IN(SKBF_KUNIT_EVERY_KEY),
};

static const struct skbf_kunit_input skbf_kunit_config_bad[] = {
	/* One past every bound. */
	SKBF_IN("size=0 headroom=0 put=0"),
	SKBF_IN("size=65537"),
	SKBF_IN("size=65536 headroom=65537 put=0"),
	SKBF_IN("size=65536 headroom=0 put=65537"),
	SKBF_IN("size=113 headroom=14 put=100"),
	SKBF_IN("size=100 headroom=0 put=101"),
	SKBF_IN("count=0"),
	SKBF_IN("count=100000001"),
	SKBF_IN("repeat=0"),
	SKBF_IN("repeat=101"),
	SKBF_IN("warmup=11"),
	SKBF_IN("warmup=-1"),
	SKBF_IN("batch=0"),
	SKBF_IN("batch=4097"),
	SKBF_IN("latency=2"),
	SKBF_IN("cal_alloc_ns=100001"),
	SKBF_IN("cal_free_ns=100001"),
	SKBF_IN("cal_free_ns=-1"),
	SKBF_IN("release=two"),
	SKBF_IN("release=list free_cpu=0 batch=1"),
	/* Malformed numbers, each in range if read leniently. */
	SKBF_IN("count=+64"),
	SKBF_IN("size=+1000"),
	SKBF_IN("count=-64"),
	SKBF_IN("count=0x40"),
	SKBF_IN("count=0X40"),
	SKBF_IN("count=0o10"),
	SKBF_IN("count=1e3"),
	SKBF_IN("count=64k"),
	SKBF_IN("count=64.0"),
	SKBF_IN("count=64,"),
	SKBF_IN("count= 64"),
	SKBF_IN("count=6 4"),
	SKBF_IN("latency=true"),
	/* Overflow past 2^32 and 2^64: wrapped, each would be in range. */
	SKBF_IN("count=4294967296"),
	SKBF_IN("count=4294967297"),
	SKBF_IN("batch=4294967304"),
	SKBF_IN("count=18446744073709551617"),
	SKBF_IN("count=99999999999999999999999999999999"),
	/* Not key=value. */
	SKBF_IN("size"),
	SKBF_IN("=5"),
	SKBF_IN("="),
	SKBF_IN("size==1"),
	SKBF_IN("size="),
	SKBF_IN("count="),
	SKBF_IN("mode="),
	SKBF_IN("cpu="),
	/* Unknown and duplicate keys. */
	SKBF_IN("bogus=1"),
	SKBF_IN("Size=64"),
	SKBF_IN("size=64 bogus=1"),
	SKBF_IN("size=64 size=64"),
	SKBF_IN("count=1 repeat=1 count=2"),
	SKBF_IN("dev= dev="),
	/* Empty. */
	SKBF_IN(""),
	SKBF_IN(" "),
	SKBF_IN("\n"),
	SKBF_IN(" \t\r\n"),
	/* Non-printable bytes, an embedded NUL among them. */
	SKBF_IN("\0"),
	SKBF_IN("size=64\0"),
	SKBF_IN("size=64\0count=1"),
	SKBF_IN("size=6\x014"),
	SKBF_IN("size=64\x1b"),
	SKBF_IN("size=64\x7f"),
	SKBF_IN("size=64\x80"),
	SKBF_IN("dev=eth\xc3\xa9"),
	/* Modes. */
	SKBF_IN("mode=ALLOC_SKB"),
	SKBF_IN("mode=alloc"),
	SKBF_IN("mode=alloc_skbx"),
	SKBF_IN("mode=0"),
	/* CPUs. */
	SKBF_IN("cpu=NIC"),
	SKBF_IN("cpu=1-0"),
	SKBF_IN("cpu=0:1"),
	SKBF_IN("cpu=0-1:1/2"),
	SKBF_IN("cpu=a"),
	SKBF_IN("cpu=-1"),
	SKBF_IN("cpu=4096"),
	SKBF_IN("cpu=99999999999"),
	SKBF_IN("cpu=0,"),
	SKBF_IN("cpu=,0"),
	SKBF_IN("cpu=0,,1"),
	/* Interface names. */
	SKBF_IN("dev=a/b"),
	SKBF_IN("dev=a:b"),
	SKBF_IN("dev=."),
	SKBF_IN("dev=.."),
	SKBF_IN("dev=abcdefghijklmnop"),
	/* free_cpu=: same or a list of online CPUs, with batch=1 only. */
	SKBF_IN("free_cpu="),
	SKBF_IN("free_cpu=SAME"),
	SKBF_IN("free_cpu=nic"),
	SKBF_IN("free_cpu=all"),
	SKBF_IN("free_cpu=-1"),
	SKBF_IN("free_cpu=1-0"),
	SKBF_IN("free_cpu=0,"),
	SKBF_IN("free_cpu=0-4095"),
	SKBF_IN("free_cpu=4096"),
	SKBF_IN("free_cpu=123456789"),
	SKBF_IN("free_cpu=0 batch=2"),
	/* reset only alone, start only in run. */
	SKBF_IN("reset size=64"),
	SKBF_IN("size=64 reset"),
	SKBF_IN("reset reset"),
	SKBF_IN("1"),
	SKBF_IN("start"),
};

static const struct skbf_kunit_input skbf_kunit_run_ok[] = {
	SKBF_IN("1"),
	SKBF_IN("start"),
	SKBF_IN("1\n"),
	SKBF_IN("start count=5"),
	SKBF_IN("count=5 repeat=2 1"),
};

static const struct skbf_kunit_input skbf_kunit_run_bad[] = {
	SKBF_IN("1 1"),
	SKBF_IN("start start"),
	SKBF_IN("1 start"),
	SKBF_IN("2"),
	SKBF_IN("01"),
	SKBF_IN("start=1"),
	SKBF_IN("reset"),
	SKBF_IN(""),
	SKBF_IN("1 count=0"),
	SKBF_IN("start\0"),
	SKBF_IN("stop count=5"),
	SKBF_IN("1 stop"),
	/* key=value tokens alone start nothing: they belong in config. */
	SKBF_IN("count=5"),
};

KUNIT_ARRAY_PARAM(skbf_config_ok, skbf_kunit_config_ok, skbf_kunit_input_desc);
KUNIT_ARRAY_PARAM(skbf_config_bad, skbf_kunit_config_bad, skbf_kunit_input_desc);
KUNIT_ARRAY_PARAM(skbf_run_ok, skbf_kunit_run_ok, skbf_kunit_input_desc);
KUNIT_ARRAY_PARAM(skbf_run_bad, skbf_kunit_run_bad, skbf_kunit_input_desc);

/* Accepted: every key=value of @p->shows is then a line of config. */
static void skbf_kunit_accept(struct kunit *test, const struct skbf_kunit_input *p, bool run)
{
	struct skbf_kunit *ctx = test->priv;
	char *lines, *tok;
	const char *text;
	int err;

	err = skbf_config_parse(&ctx->cfg, p->in, p->len, run, ctx->why, sizeof(ctx->why));
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "why: %s", ctx->why);
	skbf_config_show(&ctx->s, &ctx->cfg);
	text = skbf_kunit_str(test, &ctx->s);
	lines = kunit_kstrdup(test, p->shows ?: p->in, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, lines);
	while ((tok = strsep(&lines, " \t\r\n\v\f"))) {
		if (strchr(tok, '='))
			KUNIT_EXPECT_TRUE_MSG(test, skbf_kunit_has_line(text, tok),
					      "no line \"%s\" in:\n%s", tok, text);
	}
}

/* Rejected: -EINVAL, a one-line reason, and the config as it was. */
static void skbf_kunit_reject(struct kunit *test, const struct skbf_kunit_input *p, bool run)
{
	struct skbf_kunit *ctx = test->priv;
	struct skbf_config before;
	int err;

	/*
	 * Not the defaults, so that a reset would show; no headroom or put,
	 * so that a size is only ever rejected for itself.
	 */
	skbf_kunit_set(test,
		       "mode=build_skb size=2000 headroom=0 put=0 count=1234 warmup=3 batch=3 cpu=0 dev=skbf0");
	before = ctx->cfg;
	ctx->why[0] = '\0';
	err = skbf_config_parse(&ctx->cfg, p->in, p->len, run, ctx->why, sizeof(ctx->why));
	KUNIT_EXPECT_EQ(test, err, -EINVAL);
	KUNIT_EXPECT_MEMEQ(test, &ctx->cfg, &before, sizeof(before));
	KUNIT_EXPECT_GT(test, strlen(ctx->why), 0);
	KUNIT_EXPECT_NULL(test, strchr(ctx->why, '\n'));
}

static void config_defaults_test(struct kunit *test)
{
	struct skbf_config cfg;

	memset(&cfg, 0xff, sizeof(cfg));
	skbf_config_reset(&cfg);
	KUNIT_EXPECT_EQ(test, cfg.mode, SKBF_ALLOC_SKB);
	KUNIT_EXPECT_EQ(test, cfg.size, 1500);
	KUNIT_EXPECT_EQ(test, cfg.headroom, 14);
	KUNIT_EXPECT_EQ(test, cfg.put, 100);
	KUNIT_EXPECT_EQ(test, cfg.count, 200000);
	KUNIT_EXPECT_EQ(test, cfg.repeat, 5);
	KUNIT_EXPECT_EQ(test, cfg.warmup, 1);
	KUNIT_EXPECT_EQ(test, cfg.batch, 1);
	KUNIT_EXPECT_EQ(test, cfg.latency, 0);
	KUNIT_EXPECT_EQ(test, cfg.cal_alloc_ns, 2000);
	KUNIT_EXPECT_EQ(test, cfg.cal_free_ns, 1000);
	KUNIT_EXPECT_EQ(test, cfg.release, SKBF_RELEASE_ONE);
	KUNIT_EXPECT_STREQ(test, cfg.cpu, "nic");
	KUNIT_EXPECT_STREQ(test, cfg.free_cpu, "same");
	KUNIT_EXPECT_STREQ(test, cfg.dev, "");
}

static void config_show_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;

	skbf_config_show(&ctx->s, &ctx->cfg);
	KUNIT_EXPECT_STREQ(test, skbf_kunit_str(test, &ctx->s),
			   "mode=alloc_skb\nsize=1500\nheadroom=14\nput=100\ncount=200000\n"
			   "repeat=5\nwarmup=1\nbatch=1\ncpu=nic\nfree_cpu=same\ndev=\nlatency=0\n"
			   "cal_alloc_ns=2000\ncal_free_ns=1000\nrelease=one\nalloc=one\nnode=any\n");
}

static void config_every_key_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;

	skbf_kunit_set(test,
		       "mode=build_skb size=9000 headroom=64 put=1000 count=7 repeat=3 warmup=4 batch=16 cpu=all dev=eth0 latency=1 cal_alloc_ns=77 cal_free_ns=88");
	KUNIT_EXPECT_EQ(test, ctx->cfg.mode, SKBF_BUILD_SKB);
	KUNIT_EXPECT_EQ(test, ctx->cfg.warmup, 4);
	KUNIT_EXPECT_EQ(test, ctx->cfg.size, 9000);
	KUNIT_EXPECT_EQ(test, ctx->cfg.headroom, 64);
	KUNIT_EXPECT_EQ(test, ctx->cfg.put, 1000);
	KUNIT_EXPECT_EQ(test, ctx->cfg.count, 7);
	KUNIT_EXPECT_EQ(test, ctx->cfg.repeat, 3);
	KUNIT_EXPECT_EQ(test, ctx->cfg.batch, 16);
	KUNIT_EXPECT_EQ(test, ctx->cfg.latency, 1);
	KUNIT_EXPECT_EQ(test, ctx->cfg.cal_alloc_ns, 77);
	KUNIT_EXPECT_EQ(test, ctx->cfg.cal_free_ns, 88);
	KUNIT_EXPECT_STREQ(test, ctx->cfg.cpu, "all");
	KUNIT_EXPECT_STREQ(test, ctx->cfg.dev, "eth0");
}

static void config_accepts_test(struct kunit *test)
{
	skbf_kunit_accept(test, test->param_value, false);
}

static void config_rejects_test(struct kunit *test)
{
	skbf_kunit_reject(test, test->param_value, false);
}

static void run_accepts_test(struct kunit *test)
{
	skbf_kunit_accept(test, test->param_value, true);
}

static void run_rejects_test(struct kunit *test)
{
	skbf_kunit_reject(test, test->param_value, true);
}

static void config_mode_test(struct kunit *test)
{
	const enum skbf_mode *mode = test->param_value;
	struct skbf_kunit *ctx = test->priv;
	char text[32];

	KUNIT_EXPECT_STREQ(test, skbf_mode_name(*mode), skbf_kunit_mode_names[*mode]);
	snprintf(text, sizeof(text), "mode=%s", skbf_kunit_mode_names[*mode]);
	skbf_kunit_set(test, text);
	KUNIT_EXPECT_EQ(test, ctx->cfg.mode, *mode);
	skbf_config_show(&ctx->s, &ctx->cfg);
	KUNIT_EXPECT_TRUE(test, skbf_kunit_has_line(skbf_kunit_str(test, &ctx->s), text));
}

static void config_reset_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;
	struct skbf_config defaults;

	skbf_config_reset(&defaults);
	skbf_kunit_set(test,
		       "mode=all size=64 headroom=0 put=0 count=9 repeat=9 warmup=9 batch=9 cpu=all dev=x latency=1");
	KUNIT_EXPECT_NE(test, ctx->cfg.size, defaults.size);
	skbf_kunit_set(test, "reset\n");
	KUNIT_EXPECT_MEMEQ(test, &ctx->cfg, &defaults, sizeof(defaults));
}

/* A rejected write changes nothing, however many of its tokens were good. */
static void config_atomic_test(struct kunit *test)
{
	static const char *const writes[] = {
		"size=64 headroom=0 put=0 count=7 bogus=1",
		"size=64 headroom=0 put=0 count=7 count=8",
		"size=64 headroom=0 put=0 count=7 batch=0",
		"mode=empty size=64 headroom=0 put=65",
		"mode=empty size=64 cpu=1-0",
		"size=64 headroom=0 put=0\x01",
		"count=7 free_cpu=0 batch=2",
	};
	struct skbf_kunit *ctx = test->priv;
	struct skbf_config before = ctx->cfg;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(writes); i++) {
		KUNIT_EXPECT_EQ_MSG(test, skbf_kunit_parse(test, writes[i]), -EINVAL, "%s",
				    writes[i]);
		KUNIT_EXPECT_MEMEQ_MSG(test, &ctx->cfg, &before, sizeof(before), "%s", writes[i]);
	}
	/* And an accepted one changes only what it names. */
	skbf_kunit_set(test, "count=7");
	before.count = 7;
	KUNIT_EXPECT_MEMEQ(test, &ctx->cfg, &before, sizeof(before));
}

/* Only @len bytes are read: the buffer need not end in a NUL. */
static void config_length_test(struct kunit *test)
{
	static const char buf[] = { 's', 'i', 'z', 'e', '=', '6', '4', 'X' };
	struct skbf_kunit *ctx = test->priv;
	int err;

	err = skbf_config_parse(&ctx->cfg, buf, 7, false, ctx->why, sizeof(ctx->why));
	KUNIT_EXPECT_EQ_MSG(test, err, -EINVAL, "headroom + put > size=64 expected");
	skbf_kunit_set(test, "headroom=0 put=0");
	err = skbf_config_parse(&ctx->cfg, buf, 7, false, ctx->why, sizeof(ctx->why));
	KUNIT_EXPECT_EQ_MSG(test, err, 0, "%s", ctx->why);
	KUNIT_EXPECT_EQ(test, ctx->cfg.size, 64);
	err = skbf_config_parse(&ctx->cfg, "count=12345", 7, false, ctx->why, sizeof(ctx->why));
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, ctx->cfg.count, 1);
}

/* The reason starts by naming the token, or the byte, at fault. */
struct skbf_kunit_why {
	const char *in;
	size_t len;
	const char *why;
};

static const struct skbf_kunit_why skbf_kunit_whys[] = {
	{ "count=abc", 9, "count=abc: expected a decimal number 1..100000000" },
	{ "size=70000", 10, "size=70000: expected a decimal number 1..65536" },
	{ "bogus=1", 7, "\"bogus=1\": unknown key \"bogus\"" },
	{ "size=64 size=65", 15, "\"size=65\": duplicate key \"size\"" },
	{ "size", 4, "\"size\": expected key=value" },
	{ "mode=fast", 9, "mode=fast: unknown mode" },
	{ "dev=a/b", 7, "dev=a/b: not a valid interface name" },
	{ "size=64\x01", 8, "non-printable byte 0x01 at offset 7" },
	{ "size=6\0", 7, "non-printable byte 0x00 at offset 6" },
	{ "", 0, "empty write: expected key=value tokens or reset" },
	{ "reset size=64", 13, "\"reset\" must be the only token" },
	{ "size=100 headroom=50 put=51", 27, "headroom=50 + put=51 exceeds size=100" },
	{ "free_cpu=x", 10, "free_cpu=x: expected same or a list of online CPUs such as 1-3" },
	{ "free_cpu=0 batch=4", 18,
	  "free_cpu=0 hands each object over as it is made: batch=4 must be 1" },
	{ "warmup=99", 9, "warmup=99: expected a decimal number 0..10" },
};

static void skbf_kunit_why_desc(const struct skbf_kunit_why *p, char *desc)
{
	struct skbf_kunit_input in = { .in = p->in, .len = p->len };

	skbf_kunit_input_desc(&in, desc);
}

KUNIT_ARRAY_PARAM(skbf_whys, skbf_kunit_whys, skbf_kunit_why_desc);

static void config_why_test(struct kunit *test)
{
	const struct skbf_kunit_why *p = test->param_value;
	struct skbf_kunit *ctx = test->priv;
	int err;

	err = skbf_config_parse(&ctx->cfg, p->in, p->len, false, ctx->why, sizeof(ctx->why));
	KUNIT_EXPECT_EQ(test, err, -EINVAL);
	KUNIT_EXPECT_EQ_MSG(test, strncmp(ctx->why, p->why, strlen(p->why)), 0,
			    "why: \"%s\", expected it to start \"%s\"", ctx->why, p->why);
	KUNIT_EXPECT_NULL(test, strchr(ctx->why, '\n'));
}

/*
 * cpu= and free_cpu= values as long as a write takes are kept in their
 * shortest form, as numbers are: a whole write of "0-0,0,..." is cpu=0, and
 * 4000 zeros before the last online CPU's number are that number.
 */
static void config_cpu_length_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;
	char *text = kunit_kzalloc(test, SKBF_WRITE_MAX + 1, GFP_KERNEL);
	char want[16];
	size_t n;

	KUNIT_ASSERT_NOT_NULL(test, text);
	n = scnprintf(text, SKBF_WRITE_MAX + 1, "cpu=0");
	while (n + 4 <= SKBF_WRITE_MAX)
		n += scnprintf(text + n, SKBF_WRITE_MAX + 1 - n, ",0-0");
	KUNIT_ASSERT_GT(test, n, SKBF_WRITE_MAX - 4);
	skbf_kunit_set(test, text);
	KUNIT_EXPECT_STREQ(test, ctx->cfg.cpu, "0");

	snprintf(want, sizeof(want), "%u", cpumask_last(cpu_online_mask));
	memcpy(text, "cpu=", 4);
	memset(text + 4, '0', 4000);
	strscpy(text + 4004, want, SKBF_WRITE_MAX + 1 - 4004);
	skbf_kunit_set(test, text);
	KUNIT_EXPECT_STREQ(test, ctx->cfg.cpu, want);
	memcpy(text, "free_cpu=", 9);
	skbf_kunit_set(test, text);
	KUNIT_EXPECT_STREQ(test, ctx->cfg.free_cpu, want);
}

/* cpu= naming an impossible or an offline CPU is rejected. */
static void config_cpu_offline_test(struct kunit *test)
{
	unsigned int cpu;
	char text[32];

	snprintf(text, sizeof(text), "cpu=%u", nr_cpu_ids);
	KUNIT_EXPECT_EQ(test, skbf_kunit_parse(test, text), -EINVAL);
	snprintf(text, sizeof(text), "cpu=0-%u", nr_cpu_ids);
	KUNIT_EXPECT_EQ(test, skbf_kunit_parse(test, text), -EINVAL);
	for_each_possible_cpu(cpu) {
		if (cpu_online(cpu))
			continue;
		snprintf(text, sizeof(text), "cpu=%u", cpu);
		KUNIT_EXPECT_EQ(test, skbf_kunit_parse(test, text), -EINVAL);
	}
}

/* ---- CPU lists ---- */

static void cpus_all_test(struct kunit *test)
{
	cpumask_var_t mask;

	KUNIT_ASSERT_TRUE(test, zalloc_cpumask_var(&mask, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, skbf_cpus_parse("all", mask), 0);
	KUNIT_EXPECT_TRUE(test, cpumask_equal(mask, cpu_online_mask));
	free_cpumask_var(mask);
}

static void cpus_each_test(struct kunit *test)
{
	cpumask_var_t mask;
	unsigned int cpu;
	char text[16];

	KUNIT_ASSERT_TRUE(test, zalloc_cpumask_var(&mask, GFP_KERNEL));
	for_each_online_cpu(cpu) {
		snprintf(text, sizeof(text), "%u", cpu);
		KUNIT_EXPECT_EQ(test, skbf_cpus_parse(text, mask), 0);
		KUNIT_EXPECT_EQ(test, cpumask_weight(mask), 1);
		KUNIT_EXPECT_TRUE(test, cpumask_test_cpu(cpu, mask));
	}
	free_cpumask_var(mask);
}

static void cpus_range_test(struct kunit *test)
{
	unsigned int last = cpumask_last(cpu_online_mask);
	cpumask_var_t mask;
	char text[32];

	KUNIT_ASSERT_TRUE(test, zalloc_cpumask_var(&mask, GFP_KERNEL));
	/* The list names exactly the CPUs it spans when they are all online. */
	snprintf(text, sizeof(text), "0-%u", last);
	if (cpumask_weight(cpu_online_mask) == last + 1) {
		KUNIT_EXPECT_EQ(test, skbf_cpus_parse(text, mask), 0);
		KUNIT_EXPECT_TRUE(test, cpumask_equal(mask, cpu_online_mask));
	} else {
		KUNIT_EXPECT_EQ(test, skbf_cpus_parse(text, mask), -EINVAL);
	}
	snprintf(text, sizeof(text), "%u-%u", last, last);
	KUNIT_EXPECT_EQ(test, skbf_cpus_parse(text, mask), 0);
	KUNIT_EXPECT_EQ(test, cpumask_weight(mask), 1);
	snprintf(text, sizeof(text), "%u,%u", last, cpumask_first(cpu_online_mask));
	KUNIT_EXPECT_EQ(test, skbf_cpus_parse(text, mask), 0);
	KUNIT_EXPECT_EQ(test, cpumask_weight(mask), num_online_cpus() > 1 ? 2 : 1);
	free_cpumask_var(mask);
}

static const char *const skbf_kunit_bad_cpus[] = {
	"", "nic", "1-0", "0:1", "0-1:1/2", "a", "-1", "0 1", "0-", "4096", "99999999999",
	"0x1", "+0",
};

static void skbf_kunit_str_desc(const char *const *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "\"%s\"", *p);
}

KUNIT_ARRAY_PARAM(skbf_bad_cpus, skbf_kunit_bad_cpus, skbf_kunit_str_desc);

static void cpus_rejects_test(struct kunit *test)
{
	const char *const *text = test->param_value;
	cpumask_var_t mask;

	KUNIT_ASSERT_TRUE(test, zalloc_cpumask_var(&mask, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, skbf_cpus_parse(*text, mask), -EINVAL);
	free_cpumask_var(mask);
}

static void cpus_offline_test(struct kunit *test)
{
	cpumask_var_t mask;
	unsigned int cpu;
	char text[16];

	KUNIT_ASSERT_TRUE(test, zalloc_cpumask_var(&mask, GFP_KERNEL));
	snprintf(text, sizeof(text), "%u", nr_cpu_ids);
	KUNIT_EXPECT_EQ(test, skbf_cpus_parse(text, mask), -EINVAL);
	for_each_possible_cpu(cpu) {
		if (cpu_online(cpu))
			continue;
		snprintf(text, sizeof(text), "%u", cpu);
		KUNIT_EXPECT_EQ(test, skbf_cpus_parse(text, mask), -EINVAL);
	}
	free_cpumask_var(mask);
}

static struct kunit_case skbf_config_cases[] = {
	KUNIT_CASE(config_defaults_test),
	KUNIT_CASE(config_show_test),
	KUNIT_CASE(config_every_key_test),
	KUNIT_CASE_PARAM(config_accepts_test, skbf_config_ok_gen_params),
	KUNIT_CASE_PARAM(config_rejects_test, skbf_config_bad_gen_params),
	KUNIT_CASE_PARAM(config_mode_test, skbf_all_modes_gen_params),
	KUNIT_CASE(config_reset_test),
	KUNIT_CASE(config_atomic_test),
	KUNIT_CASE(config_length_test),
	KUNIT_CASE_PARAM(config_why_test, skbf_whys_gen_params),
	KUNIT_CASE(config_cpu_length_test),
	KUNIT_CASE(config_cpu_offline_test),
	KUNIT_CASE_PARAM(run_accepts_test, skbf_run_ok_gen_params),
	KUNIT_CASE_PARAM(run_rejects_test, skbf_run_bad_gen_params),
	KUNIT_CASE(cpus_all_test),
	KUNIT_CASE(cpus_each_test),
	KUNIT_CASE(cpus_range_test),
	KUNIT_CASE_PARAM(cpus_rejects_test, skbf_bad_cpus_gen_params),
	KUNIT_CASE(cpus_offline_test),
	{}
};

static struct kunit_suite skbf_config_suite = {
	.name = "skbfactory_config",
	.init = skbf_kunit_init,
	.exit = skbf_kunit_exit,
	.test_cases = skbf_config_cases,
};

/* ---- The factory: one skb per call, and the kernel's helpers on it ---- */

/* The reserve a mode's path adds to the headroom asked for. */
static unsigned int skbf_kunit_reserve(enum skbf_mode mode)
{
	switch (mode) {
	case SKBF_NETDEV_ALLOC_SKB:
		return NET_SKB_PAD;
	case SKBF_NAPI_ALLOC_SKB:
		return NET_SKB_PAD + NET_IP_ALIGN;
	default:
		return 0;
	}
}

/* The end offset of a kmalloc'ed head for @len bytes, 0 below 1k (small caches). */
static unsigned int skbf_kunit_kmalloc_end(unsigned int len)
{
	if (len < SZ_1K)
		return 0;
	return kmalloc_size_roundup(SKB_HEAD_ALIGN(len)) - SKBF_KUNIT_SHINFO;
}

/*
 * The end offset a mode's path gives where it is fixed: the kmalloc bucket
 * of a large head, exactly SKB_HEAD_ALIGN() of a page fragment, the pages
 * build_skb and page_pool take beyond PAGE_SIZE.  0 where the path takes a
 * small head from a cache of its own.
 */
static unsigned int skbf_kunit_end(enum skbf_mode mode, const struct skbf_config *cfg)
{
	unsigned int len = cfg->size + skbf_kunit_reserve(mode);

	switch (mode) {
	case SKBF_ALLOC_SKB:
	case SKBF_ALLOC_SKB_FCLONE:
	case SKBF_SKB_CLONE:
		return skbf_kunit_kmalloc_end(len);
	case SKBF_ALLOC_SKB_WITH_FRAGS:
		return skbf_kunit_kmalloc_end(cfg->headroom + cfg->put);
	case SKBF_NETDEV_ALLOC_SKB:
	case SKBF_NAPI_ALLOC_SKB:
		if (len > SKB_WITH_OVERHEAD(PAGE_SIZE))
			return kmalloc_size_roundup(SKB_HEAD_ALIGN(len)) - SKBF_KUNIT_SHINFO;
		if (len > SKB_WITH_OVERHEAD(SZ_1K))
			return SKB_DATA_ALIGN(len);
		return 0;
	case SKBF_BUILD_SKB:
	case SKBF_PAGE_POOL:
		if (SKB_HEAD_ALIGN(len) <= PAGE_SIZE)
			return SKB_DATA_ALIGN(len);
		return (PAGE_SIZE << get_order(SKB_HEAD_ALIGN(len))) - SKBF_KUNIT_SHINFO;
	default:
		return 0;
	}
}

/* An skb from skbf_build(), released the mode's way when the case ends. */
struct skbf_kunit_skb {
	enum skbf_mode mode;
	struct sk_buff *skb;
};

static void skbf_kunit_release(void *arg)
{
	struct skbf_kunit_skb *k = arg;

	skbf_release(k->mode, k->skb);
}

/* Set the case's config to @config and build one skb of @mode with it. */
static struct skbf_kunit_skb *skbf_kunit_build(struct kunit *test, enum skbf_mode mode,
					       const char *config)
{
	struct skbf_kunit *ctx = test->priv;
	struct skbf_kunit_skb *k;

	skbf_kunit_set(test, config);
	k = kunit_kzalloc(test, sizeof(*k), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, k);
	k->mode = mode;
	k->skb = skbf_build(mode, &ctx->cfg);
	KUNIT_ASSERT_NOT_NULL_MSG(test, k->skb, "%s %s", skbf_kunit_mode_names[mode], config);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, skbf_kunit_release, k), 0);
	return k;
}

/* Release it now rather than when the case ends. */
static void skbf_kunit_drop(struct kunit *test, struct skbf_kunit_skb *k)
{
	kunit_release_action(test, skbf_kunit_release, k);
}

/* What every skb of the factory is: the layout the contract promises. */
static void skbf_kunit_check_skb(struct kunit *test, enum skbf_mode mode,
				 const struct skbf_config *cfg, const struct sk_buff *skb)
{
	unsigned int reserve = skbf_kunit_reserve(mode);
	unsigned int end = skb_end_offset(skb);
	unsigned int want_end = skbf_kunit_end(mode, cfg);
	unsigned int paged = 0, frags = 0;
	int i;

	if (mode == SKBF_ALLOC_SKB_WITH_FRAGS)
		paged = cfg->size - cfg->headroom - cfg->put;
	KUNIT_EXPECT_TRUE(test, skb->head <= skb->data);
	KUNIT_EXPECT_TRUE(test, skb->data <= skb_tail_pointer(skb));
	KUNIT_EXPECT_TRUE(test, skb_tail_pointer(skb) <= skb_end_pointer(skb));
	KUNIT_EXPECT_EQ(test, skb->len, cfg->put + paged);
	KUNIT_EXPECT_EQ(test, skb->data_len, paged);
	KUNIT_EXPECT_EQ(test, skb_headlen(skb), cfg->put);
	KUNIT_EXPECT_EQ(test, skb_headroom(skb), cfg->headroom + reserve);
	KUNIT_EXPECT_GE(test, end, cfg->size + reserve - paged);
	if (want_end)
		KUNIT_EXPECT_EQ(test, end, want_end);
	KUNIT_EXPECT_GE(test, skb->truesize, SKB_TRUESIZE(cfg->size - paged));
	KUNIT_EXPECT_EQ(test, refcount_read(&skb->users), 1);
	KUNIT_EXPECT_FALSE(test, skb_cloned(skb));
	KUNIT_EXPECT_FALSE(test, skb_shared(skb));
	KUNIT_EXPECT_NULL(test, memchr_inv(skb->data, SKBF_FILL, cfg->put));
	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++)
		frags += skb_frag_size(&skb_shinfo(skb)->frags[i]);
	KUNIT_EXPECT_EQ(test, frags, paged);
	KUNIT_EXPECT_EQ(test, skb_shinfo(skb)->nr_frags > 0, paged > 0);

	switch (mode) {
	case SKBF_ALLOC_SKB:
	case SKBF_ALLOC_SKB_WITH_FRAGS:
		KUNIT_EXPECT_TRUE(test, skb->fclone == SKB_FCLONE_UNAVAILABLE);
		break;
	case SKBF_ALLOC_SKB_FCLONE:
		KUNIT_EXPECT_TRUE(test, skb->fclone == SKB_FCLONE_ORIG);
		break;
	case SKBF_SKB_CLONE:
		/* Its parent is gone: cloned, but the data is its alone. */
		KUNIT_EXPECT_TRUE(test, skb->cloned);
		KUNIT_EXPECT_TRUE(test, skb->fclone == SKB_FCLONE_CLONE);
		break;
	case SKBF_NETDEV_ALLOC_SKB:
	case SKBF_NAPI_ALLOC_SKB:
		KUNIT_EXPECT_NOT_NULL(test, skb->dev);
		break;
	case SKBF_PAGE_POOL:
		KUNIT_EXPECT_TRUE(test, skb->pp_recycle);
		fallthrough;
	case SKBF_BUILD_SKB:
		KUNIT_EXPECT_TRUE(test, skb->head_frag);
		break;
	default:
		break;
	}
}

/* Sizes from 1 to 65536, with what each is about. */
struct skbf_kunit_size {
	u32 size;
	u32 headroom;
	u32 put;
	const char *note;
};

#define SKBF_KUNIT_PAGE_DATA	(PAGE_SIZE - SKBF_KUNIT_SHINFO)

static const struct skbf_kunit_size skbf_kunit_sizes[] = {
	{ 1, 0, 0, "smallest, rounded up" },
	{ 1, 0, 1 },
	{ 1, 1, 0 },
	{ 14, 14, 0 },
	{ 64, 14, 50 },
	{ 127, 0, 127 },
	{ 128, 16, 100 },
	{ 129, 0, 129 },
	{ 256, 32, 200 },
	{ 640, 64, 500 },
	{ 1000, 0, 1000, "napi's 1k fragment edge" },
	{ 1024, 0, 1024 },
	{ 1500, 14, 100, "defaults, rounded up to a bucket" },
	{ 1536, 64, 1472 },
	{ 2048, 128, 1500 },
	{ SKBF_KUNIT_PAGE_DATA, 0, SKBF_KUNIT_PAGE_DATA, "data and shinfo fill a page" },
	{ SKBF_KUNIT_PAGE_DATA + 1, 0, 1, "a byte past a page" },
	{ 4096, 0, 4096 },
	{ 9000, 14, 8986, "jumbo" },
	{ 9000, 14, 50, "jumbo, small linear part" },
	{ 16384, 0, 16384 },
	{ 32768, 100, 32000 },
	{ 65535, 0, 65535 },
	{ 65536, 0, 65536, "largest" },
	{ 65536, 14, 50, "largest, mostly paged" },
	{ 65536, 65536, 0, "all headroom" },
};

static void skbf_kunit_size_desc(const struct skbf_kunit_size *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "size=%u headroom=%u put=%u%s%s%s", p->size,
		 p->headroom, p->put, p->note ? " (" : "", p->note ?: "", p->note ? ")" : "");
}

KUNIT_ARRAY_PARAM(skbf_sizes, skbf_kunit_sizes, skbf_kunit_size_desc);

static void skbf_kunit_build_size(struct kunit *test, enum skbf_mode mode)
{
	const struct skbf_kunit_size *p = test->param_value;
	struct skbf_kunit *ctx = test->priv;
	struct skbf_kunit_skb *k;
	char config[64];

	snprintf(config, sizeof(config), "size=%u headroom=%u put=%u", p->size, p->headroom,
		 p->put);
	k = skbf_kunit_build(test, mode, config);
	KUNIT_EXPECT_EQ(test, skbf_outstanding(), 1);
	skbf_kunit_check_skb(test, mode, &ctx->cfg, k->skb);
	skbf_kunit_drop(test, k);
	KUNIT_EXPECT_EQ(test, skbf_outstanding(), 0);
}

static void build_alloc_skb_test(struct kunit *test)
{
	skbf_kunit_build_size(test, SKBF_ALLOC_SKB);
}

static void build_alloc_skb_fclone_test(struct kunit *test)
{
	skbf_kunit_build_size(test, SKBF_ALLOC_SKB_FCLONE);
}

static void build_alloc_skb_with_frags_test(struct kunit *test)
{
	skbf_kunit_build_size(test, SKBF_ALLOC_SKB_WITH_FRAGS);
}

static void build_skb_clone_test(struct kunit *test)
{
	skbf_kunit_build_size(test, SKBF_SKB_CLONE);
}

static void build_netdev_alloc_skb_test(struct kunit *test)
{
	skbf_kunit_build_size(test, SKBF_NETDEV_ALLOC_SKB);
}

static void build_napi_alloc_skb_test(struct kunit *test)
{
	skbf_kunit_build_size(test, SKBF_NAPI_ALLOC_SKB);
}

static void build_build_skb_test(struct kunit *test)
{
	skbf_kunit_build_size(test, SKBF_BUILD_SKB);
}

static void build_page_pool_test(struct kunit *test)
{
	skbf_kunit_build_size(test, SKBF_PAGE_POOL);
}

/* One byte asked: every path hands out more, and all of it is tailroom. */
static void build_rounds_up_test(struct kunit *test)
{
	const enum skbf_mode *mode = test->param_value;
	struct skbf_kunit_skb *k;

	k = skbf_kunit_build(test, *mode, "size=1 headroom=0 put=1");
	KUNIT_EXPECT_GT(test, skb_end_offset(k->skb), 1 + skbf_kunit_reserve(*mode));
	KUNIT_EXPECT_EQ(test, skb_tailroom(k->skb),
			skb_end_offset(k->skb) - 1 - skbf_kunit_reserve(*mode));
	skbf_kunit_drop(test, k);
}

/* kmalloc_floor, empty, calibrate and all make no skb, and count nothing. */
static void build_no_skb_test(struct kunit *test)
{
	static const enum skbf_mode modes[] = {
		SKBF_KMALLOC_FLOOR, SKBF_EMPTY, SKBF_CALIBRATE, SKBF_ALL,
	};
	struct skbf_kunit *ctx = test->priv;
	s64 allocated = skbf_kunit_stat(test, "skbs_allocated");
	s64 failures = skbf_kunit_stat(test, "alloc_failures");
	size_t i;

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		KUNIT_EXPECT_NULL(test, skbf_build(modes[i], &ctx->cfg));
		skbf_release(modes[i], NULL);
	}
	KUNIT_EXPECT_EQ(test, skbf_kunit_stat(test, "skbs_allocated"), allocated);
	KUNIT_EXPECT_EQ(test, skbf_kunit_stat(test, "alloc_failures"), failures);
	KUNIT_EXPECT_EQ(test, skbf_outstanding(), 0);
}

/* Each skb built counts as allocated and outstanding until released. */
static void build_counts_test(struct kunit *test)
{
	s64 allocated = skbf_kunit_stat(test, "skbs_allocated");
	s64 freed = skbf_kunit_stat(test, "skbs_freed");
	struct skbf_kunit_skb *k[ARRAY_SIZE(skbf_kunit_skb_modes)];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(k); i++) {
		k[i] = skbf_kunit_build(test, skbf_kunit_skb_modes[i], "size=256");
		KUNIT_EXPECT_EQ(test, skbf_outstanding(), i + 1);
	}
	KUNIT_EXPECT_EQ(test, skbf_kunit_stat(test, "skbs_allocated"), allocated + ARRAY_SIZE(k));
	KUNIT_EXPECT_EQ(test, skbf_kunit_stat(test, "skbs_outstanding"), ARRAY_SIZE(k));
	for (i = 0; i < ARRAY_SIZE(k); i++)
		skbf_kunit_drop(test, k[i]);
	KUNIT_EXPECT_EQ(test, skbf_kunit_stat(test, "skbs_freed"), freed + ARRAY_SIZE(k));
	KUNIT_EXPECT_EQ(test, skbf_outstanding(), 0);
}

/* The sizes make bench sweeps. */
static const u32 skbf_kunit_bench_sizes[] = {
	64, 128, 256, 512, 1024, 1500, 2048, 4096, 9000, 16384, 65536,
};

static void skbf_kunit_u32_desc(const u32 *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%u", *p);
}

KUNIT_ARRAY_PARAM(skbf_bench_sizes, skbf_kunit_bench_sizes, skbf_kunit_u32_desc);

/*
 * kmalloc_floor's objects come from the size classes alloc_skb()'s do: its
 * data buffer from the head's, its head object from the sk_buff's.
 */
static void floor_size_class_test(struct kunit *test)
{
	const u32 *size = test->param_value;
	struct skbf_kunit *ctx = test->priv;
	struct sk_buff *skb;
	void *obj;

	ctx->cfg.size = *size;
	ctx->cfg.headroom = 0;
	ctx->cfg.put = 0;
	skb = alloc_skb(*size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	obj = skbf_floor_build(&ctx->cfg);
	if (!obj)
		consume_skb(skb);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_EXPECT_EQ_MSG(test, ksize(*(void **)obj), ksize(skb->head), "size=%u", *size);
	KUNIT_EXPECT_EQ(test, ksize(obj), ksize(skb));
	kunit_info(test, "size %u: data object %zu bytes, head object %zu bytes\n", *size,
		   ksize(*(void **)obj), ksize(obj));
	skbf_floor_release(obj);
	consume_skb(skb);
}

/*
 * What one object of @mode holds, from the kernel's own accounting: the
 * slab objects (ksize()) and pages it took, or its truesize where that is
 * more (a page-fragment head is accounted there only).  A clone lives in
 * its parent's fclone pair, whose head it shares.
 */
static u64 skbf_kunit_held(enum skbf_mode mode, const struct sk_buff *skb)
{
	const void *obj = skb;
	u64 mem;
	int i;

	if (mode == SKBF_SKB_CLONE)
		obj = container_of(skb, struct sk_buff_fclones, skb2);
	mem = ksize(obj);
	if (!skb->head_frag)
		mem += ksize(skb->head);
	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++)
		mem += page_size(skb_frag_page(&skb_shinfo(skb)->frags[i]));
	return max_t(u64, mem, skb->truesize);
}

/*
 * The memory bound's estimate covers what a real object of each mode
 * holds, at every size make bench sweeps: one per batch slot, and the
 * ring's 512 in flight to free_cpu besides.
 */
static void footprint_covers_test(struct kunit *test)
{
	const u32 *size = test->param_value;
	struct skbf_kunit *ctx = test->priv;
	char config[96], ring[32];
	size_t i;

	snprintf(config, sizeof(config), "size=%u headroom=0 put=%u batch=1 free_cpu=same",
		 *size, *size / 2);
	snprintf(ring, sizeof(ring), "free_cpu=%u", cpumask_last(cpu_online_mask));
	for (i = 0; i < ARRAY_SIZE(skbf_kunit_run_modes); i++) {
		enum skbf_mode mode = skbf_kunit_run_modes[i];
		struct skbf_kunit_skb *k;
		u64 held;
		void *obj;

		skbf_kunit_set(test, config);
		/* Neither holds memory: calibrate spins. */
		if (mode == SKBF_EMPTY || mode == SKBF_CALIBRATE) {
			KUNIT_EXPECT_EQ(test, skbf_footprint(&ctx->cfg, mode), 0);
			continue;
		}
		if (mode == SKBF_KMALLOC_FLOOR) {
			obj = skbf_floor_build(&ctx->cfg);
			KUNIT_ASSERT_NOT_NULL(test, obj);
			held = ksize(obj) + ksize(*(void **)obj);
			skbf_floor_release(obj);
		} else {
			k = skbf_kunit_build(test, mode, config);
			held = skbf_kunit_held(mode, k->skb);
			skbf_kunit_drop(test, k);
		}
		kunit_info(test, "%s: an object holds %llu bytes, the estimate is %llu\n",
			   skbf_kunit_mode_names[mode], held, skbf_footprint(&ctx->cfg, mode));
		KUNIT_EXPECT_GE_MSG(test, skbf_footprint(&ctx->cfg, mode), held, "%s size=%u",
				    skbf_kunit_mode_names[mode], *size);
		skbf_kunit_set(test, "batch=8");
		KUNIT_EXPECT_GE_MSG(test, skbf_footprint(&ctx->cfg, mode), 8 * held, "%s batch=8",
				    skbf_kunit_mode_names[mode]);
		/* skb_clone's ring carries clones: its parent stays. */
		if (num_online_cpus() < 2 || mode == SKBF_SKB_CLONE)
			continue;
		skbf_kunit_set(test, "batch=1");
		skbf_kunit_set(test, ring);
		KUNIT_EXPECT_GE_MSG(test, skbf_footprint(&ctx->cfg, mode), (1 + 512) * held,
				    "%s %s", skbf_kunit_mode_names[mode], ring);
	}
}

/* The modes whose skbs are linear, for the helpers that need that. */
static const enum skbf_mode skbf_kunit_linear_modes[] = {
	SKBF_ALLOC_SKB, SKBF_ALLOC_SKB_FCLONE, SKBF_SKB_CLONE, SKBF_NETDEV_ALLOC_SKB,
	SKBF_NAPI_ALLOC_SKB, SKBF_BUILD_SKB, SKBF_PAGE_POOL,
};

KUNIT_ARRAY_PARAM(skbf_linear_modes, skbf_kunit_linear_modes, skbf_kunit_mode_desc);

static void skb_reserve_test(struct kunit *test)
{
	const enum skbf_mode *mode = test->param_value;
	struct skbf_kunit_skb *k = skbf_kunit_build(test, *mode, "size=512 headroom=0 put=0");
	struct sk_buff *skb = k->skb;
	unsigned int headroom = skb_headroom(skb), tailroom = skb_tailroom(skb);

	skb_reserve(skb, 64);
	KUNIT_EXPECT_EQ(test, skb_headroom(skb), headroom + 64);
	KUNIT_EXPECT_EQ(test, skb_tailroom(skb), tailroom - 64);
	KUNIT_EXPECT_EQ(test, skb->len, 0);
	KUNIT_EXPECT_PTR_EQ(test, skb->data, skb_tail_pointer(skb));
	KUNIT_EXPECT_EQ(test, skb_headroom(skb) + skb_tailroom(skb), skb_end_offset(skb));
	skbf_kunit_drop(test, k);
}

static void skb_put_test(struct kunit *test)
{
	const enum skbf_mode *mode = test->param_value;
	struct skbf_kunit_skb *k = skbf_kunit_build(test, *mode, "size=512 headroom=32 put=0");
	struct sk_buff *skb = k->skb;
	unsigned int tailroom = skb_tailroom(skb);
	u8 *tail = skb_tail_pointer(skb);
	u8 *p;

	p = skb_put(skb, 100);
	KUNIT_EXPECT_PTR_EQ(test, p, tail);
	KUNIT_EXPECT_EQ(test, skb->len, 100);
	KUNIT_EXPECT_EQ(test, skb_tailroom(skb), tailroom - 100);
	KUNIT_EXPECT_PTR_EQ(test, skb_tail_pointer(skb), skb->data + 100);
	p = skb_put_data(skb, "abc", 3);
	KUNIT_EXPECT_MEMEQ(test, p, "abc", 3);
	p = skb_put_zero(skb, 7);
	KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, 7));
	KUNIT_EXPECT_EQ(test, skb->len, 110);
	KUNIT_EXPECT_EQ(test, skb_headroom(skb), 32 + skbf_kunit_reserve(*mode));
	skbf_kunit_drop(test, k);
}

static void skb_push_pull_test(struct kunit *test)
{
	const enum skbf_mode *mode = test->param_value;
	struct skbf_kunit_skb *k = skbf_kunit_build(test, *mode, "size=512 headroom=32 put=100");
	struct sk_buff *skb = k->skb;
	unsigned int headroom = skb_headroom(skb);
	u8 *data = skb->data;
	u8 *p;

	p = skb_push(skb, ETH_HLEN);
	KUNIT_EXPECT_PTR_EQ(test, p, data - ETH_HLEN);
	KUNIT_EXPECT_PTR_EQ(test, skb->data, p);
	KUNIT_EXPECT_EQ(test, skb->len, 100 + ETH_HLEN);
	KUNIT_EXPECT_EQ(test, skb_headroom(skb), headroom - ETH_HLEN);
	p = skb_pull(skb, ETH_HLEN);
	KUNIT_EXPECT_PTR_EQ(test, p, data);
	KUNIT_EXPECT_EQ(test, skb->len, 100);
	KUNIT_EXPECT_EQ(test, skb_headroom(skb), headroom);
	KUNIT_EXPECT_NULL(test, memchr_inv(skb->data, SKBF_FILL, skb->len));

	/* Pulling more than len does nothing. */
	KUNIT_EXPECT_NULL(test, skb_pull(skb, 101));
	KUNIT_EXPECT_PTR_EQ(test, skb->data, data);
	KUNIT_EXPECT_EQ(test, skb->len, 100);
	p = skb_pull(skb, 100);
	KUNIT_EXPECT_PTR_EQ(test, p, skb_tail_pointer(skb));
	KUNIT_EXPECT_EQ(test, skb->len, 0);
	skbf_kunit_drop(test, k);
}

static void skb_trim_test(struct kunit *test)
{
	const enum skbf_mode *mode = test->param_value;
	struct skbf_kunit_skb *k = skbf_kunit_build(test, *mode, "size=512 headroom=32 put=100");
	struct sk_buff *skb = k->skb;
	unsigned int tailroom = skb_tailroom(skb);

	skb_trim(skb, 40);
	KUNIT_EXPECT_EQ(test, skb->len, 40);
	KUNIT_EXPECT_PTR_EQ(test, skb_tail_pointer(skb), skb->data + 40);
	KUNIT_EXPECT_EQ(test, skb_tailroom(skb), tailroom + 60);
	/* Trimming to more than len does nothing. */
	skb_trim(skb, 80);
	KUNIT_EXPECT_EQ(test, skb->len, 40);
	KUNIT_EXPECT_EQ(test, pskb_trim(skb, 0), 0);
	KUNIT_EXPECT_EQ(test, skb->len, 0);
	KUNIT_EXPECT_EQ(test, skb_tailroom(skb), tailroom + 100);
	skbf_kunit_drop(test, k);
}

/* skb_get() shares the skb; one consume_skb() only drops that reference. */
static void skb_get_test(struct kunit *test)
{
	const enum skbf_mode *mode = test->param_value;
	struct skbf_kunit_skb *k = skbf_kunit_build(test, *mode, "size=256 headroom=0 put=10");
	struct sk_buff *skb = k->skb;

	KUNIT_EXPECT_PTR_EQ(test, skb_get(skb), skb);
	KUNIT_EXPECT_EQ(test, refcount_read(&skb->users), 2);
	KUNIT_EXPECT_TRUE(test, skb_shared(skb));
	consume_skb(skb);
	KUNIT_EXPECT_EQ(test, refcount_read(&skb->users), 1);
	KUNIT_EXPECT_FALSE(test, skb_shared(skb));
	KUNIT_EXPECT_EQ(test, skbf_outstanding(), 1);
	skbf_kunit_drop(test, k);
}

/* A clone shares the data; alloc_skb_fclone's uses the companion. */
static void skb_clone_test(struct kunit *test)
{
	const enum skbf_mode *mode = test->param_value;
	struct skbf_kunit_skb *k = skbf_kunit_build(test, *mode, "size=256 headroom=0 put=10");
	struct sk_buff *skb = k->skb, *clone;

	clone = skb_clone(skb, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, clone);
	KUNIT_EXPECT_PTR_EQ(test, clone->data, skb->data);
	KUNIT_EXPECT_TRUE(test, skb_cloned(skb));
	KUNIT_EXPECT_TRUE(test, skb_cloned(clone));
	if (*mode == SKBF_ALLOC_SKB_FCLONE)
		KUNIT_EXPECT_TRUE(test, clone->fclone == SKB_FCLONE_CLONE);
	else
		KUNIT_EXPECT_TRUE(test, clone->fclone == SKB_FCLONE_UNAVAILABLE);
	consume_skb(clone);
	KUNIT_EXPECT_FALSE(test, skb_cloned(skb));
	skbf_kunit_drop(test, k);
}

/* skb_cow_head() to more headroom than there is: a new head, the data kept. */
static void skb_cow_head_test(struct kunit *test)
{
	const enum skbf_mode *mode = test->param_value;
	struct skbf_kunit_skb *k = skbf_kunit_build(test, *mode, "size=512 headroom=16 put=100");
	struct sk_buff *skb = k->skb;
	unsigned int want = skb_headroom(skb) + 64;
	const void *head = skb->head;

	KUNIT_ASSERT_EQ(test, skb_cow_head(skb, want), 0);
	KUNIT_EXPECT_PTR_NE(test, (const void *)skb->head, head);
	KUNIT_EXPECT_GE(test, skb_headroom(skb), want);
	KUNIT_EXPECT_EQ(test, skb->len, 100);
	KUNIT_EXPECT_FALSE(test, skb->head_frag);
	KUNIT_EXPECT_FALSE(test, skb_cloned(skb));
	KUNIT_EXPECT_NULL(test, memchr_inv(skb->data, SKBF_FILL, skb->len));
	skbf_kunit_drop(test, k);
}

/* alloc_skb_with_frags: the paged part trims away, frag by frag. */
static void skb_frags_trim_test(struct kunit *test)
{
	struct skbf_kunit_skb *k;
	struct sk_buff *skb;

	k = skbf_kunit_build(test, SKBF_ALLOC_SKB_WITH_FRAGS, "size=20000 headroom=14 put=50");
	skb = k->skb;
	KUNIT_EXPECT_TRUE(test, skb_is_nonlinear(skb));
	KUNIT_EXPECT_EQ(test, skb->data_len, 20000 - 64);
	KUNIT_EXPECT_EQ(test, pskb_trim(skb, 1000), 0);
	KUNIT_EXPECT_EQ(test, skb->len, 1000);
	KUNIT_EXPECT_EQ(test, skb->data_len, 950);
	KUNIT_EXPECT_EQ(test, skb_shinfo(skb)->nr_frags, 1);
	KUNIT_EXPECT_EQ(test, pskb_trim(skb, 50), 0);
	KUNIT_EXPECT_FALSE(test, skb_is_nonlinear(skb));
	KUNIT_EXPECT_EQ(test, skb_shinfo(skb)->nr_frags, 0);
	skbf_kunit_drop(test, k);
}

static struct kunit_case skbf_factory_cases[] = {
	KUNIT_CASE_PARAM(build_alloc_skb_test, skbf_sizes_gen_params),
	KUNIT_CASE_PARAM(build_alloc_skb_fclone_test, skbf_sizes_gen_params),
	KUNIT_CASE_PARAM(build_alloc_skb_with_frags_test, skbf_sizes_gen_params),
	KUNIT_CASE_PARAM(build_skb_clone_test, skbf_sizes_gen_params),
	KUNIT_CASE_PARAM(build_netdev_alloc_skb_test, skbf_sizes_gen_params),
	KUNIT_CASE_PARAM(build_napi_alloc_skb_test, skbf_sizes_gen_params),
	KUNIT_CASE_PARAM(build_build_skb_test, skbf_sizes_gen_params),
	KUNIT_CASE_PARAM(build_page_pool_test, skbf_sizes_gen_params),
	KUNIT_CASE_PARAM(build_rounds_up_test, skbf_skb_modes_gen_params),
	KUNIT_CASE(build_no_skb_test),
	KUNIT_CASE(build_counts_test),
	KUNIT_CASE_PARAM(floor_size_class_test, skbf_bench_sizes_gen_params),
	KUNIT_CASE_PARAM(footprint_covers_test, skbf_bench_sizes_gen_params),
	KUNIT_CASE_PARAM(skb_reserve_test, skbf_linear_modes_gen_params),
	KUNIT_CASE_PARAM(skb_put_test, skbf_linear_modes_gen_params),
	KUNIT_CASE_PARAM(skb_push_pull_test, skbf_linear_modes_gen_params),
	KUNIT_CASE_PARAM(skb_trim_test, skbf_linear_modes_gen_params),
	KUNIT_CASE_PARAM(skb_get_test, skbf_skb_modes_gen_params),
	KUNIT_CASE_PARAM(skb_clone_test, skbf_skb_modes_gen_params),
	KUNIT_CASE_PARAM(skb_cow_head_test, skbf_linear_modes_gen_params),
	KUNIT_CASE(skb_frags_trim_test),
	{}
};

static struct kunit_suite skbf_factory_suite = {
	.name = "skbfactory",
	.init = skbf_kunit_init,
	.exit = skbf_kunit_exit,
	.test_cases = skbf_factory_cases,
};

/* ---- NIC-CPU resolution ---- */

KUNIT_DEFINE_ACTION_WRAPPER(skbf_kunit_free_netdev, skbf_free_dummy_netdev, struct net_device *);
KUNIT_DEFINE_ACTION_WRAPPER(skbf_kunit_target_put, skbf_target_put, struct skbf_target *);

/* A dummy netdev: no parent device, no IRQ. */
static struct net_device *skbf_kunit_dummy(struct kunit *test)
{
	struct net_device *dev = skbf_alloc_dummy_netdev();

	KUNIT_ASSERT_NOT_NULL(test, dev);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, skbf_kunit_free_netdev, dev), 0);
	return dev;
}

static void skbf_kunit_free_cpus(void *arg)
{
	struct skbf_target *t = arg;

	free_cpumask_var(t->cpus);
}

/* A target for skbf_nic_cpu(), filled with what it must overwrite. */
static struct skbf_target *skbf_kunit_target(struct kunit *test)
{
	struct skbf_target *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_TRUE(test, zalloc_cpumask_var(&t->cpus, GFP_KERNEL));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, skbf_kunit_free_cpus, t), 0);
	cpumask_copy(t->cpus, cpu_possible_mask);
	t->w.rule = SKBF_RULE_LIST;
	t->w.irq = 12345;
	strscpy(t->w.irq_name, "stale", sizeof(t->w.irq_name));
	return t;
}

/* skbf_nic_cpu() as a run calls it: under rtnl_lock(), on this CPU. */
static unsigned int skbf_kunit_nic_cpu(struct net_device *dev, struct skbf_target *t)
{
	unsigned int cpu;

	rtnl_lock();
	cpu = get_cpu();
	skbf_nic_cpu(dev, t);
	put_cpu();
	rtnl_unlock();
	return cpu;
}

/* skbf_target_get() with @config applied to the defaults. */
static int skbf_kunit_target_get(struct kunit *test, const char *config, struct skbf_target **tp)
{
	struct skbf_kunit *ctx = test->priv;
	struct skbf_target *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	int err;

	KUNIT_ASSERT_NOT_NULL(test, t);
	skbf_kunit_set(test, config);
	err = skbf_target_get(&ctx->cfg, t);
	if (!err)
		KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, skbf_kunit_target_put, t), 0);
	*tp = t;
	return err;
}

/* The writer rule: no IRQ, one online CPU, @cpu. */
static void skbf_kunit_expect_writer(struct kunit *test, const struct skbf_target *t,
				     unsigned int cpu)
{
	KUNIT_EXPECT_EQ(test, t->w.rule, SKBF_RULE_WRITER);
	KUNIT_EXPECT_EQ(test, t->w.irq, -1);
	KUNIT_EXPECT_STREQ(test, t->w.irq_name, "");
	KUNIT_EXPECT_EQ(test, cpumask_weight(t->cpus), 1);
	KUNIT_EXPECT_TRUE(test, cpumask_test_cpu(cpu, t->cpus));
}

/* A dummy netdev has no IRQ and no node: the CPU is the caller's. */
static void nic_dummy_writer_test(struct kunit *test)
{
	struct net_device *dev = skbf_kunit_dummy(test);
	struct skbf_target *t = skbf_kunit_target(test);

	KUNIT_EXPECT_NULL(test, dev->dev.parent);
	KUNIT_EXPECT_EQ(test, dev->irq, 0);
	skbf_kunit_expect_writer(test, t, skbf_kunit_nic_cpu(dev, t));
}

static void nic_none_writer_test(struct kunit *test)
{
	struct skbf_target *t = skbf_kunit_target(test);

	skbf_kunit_expect_writer(test, t, skbf_kunit_nic_cpu(NULL, t));
}

/* The first requested IRQ with an online CPU in its affinity, or skip. */
static int skbf_kunit_some_irq(struct kunit *test, unsigned int *cpu)
{
	int irq;

	for (irq = 1; irq < nr_irqs; irq++) {
		const struct cpumask *aff = irq_get_effective_affinity_mask(irq);

		if (!irq_has_action(irq) || !aff)
			continue;
		*cpu = cpumask_first_and(aff, cpu_online_mask);
		if (*cpu < nr_cpu_ids)
			return irq;
	}
	kunit_skip(test, "no IRQ with an effective affinity (UML has no IRQ affinity)");
	return -1;
}

/* With an IRQ, the first online CPU of its effective affinity. */
static void nic_irq_rule_test(struct kunit *test)
{
	struct net_device *dev = skbf_kunit_dummy(test);
	struct skbf_target *t = skbf_kunit_target(test);
	unsigned int cpu = nr_cpu_ids;
	int irq = skbf_kunit_some_irq(test, &cpu);

	dev->irq = irq;
	skbf_kunit_nic_cpu(dev, t);
	KUNIT_EXPECT_EQ(test, t->w.rule, SKBF_RULE_NIC_IRQ);
	KUNIT_EXPECT_EQ(test, t->w.irq, irq);
	KUNIT_EXPECT_GT(test, strlen(t->w.irq_name), 0);
	KUNIT_EXPECT_EQ(test, cpumask_weight(t->cpus), 1);
	KUNIT_EXPECT_TRUE(test, cpumask_test_cpu(cpu, t->cpus));
	kunit_info(test, "IRQ %d \"%s\" on CPU %u\n", irq, t->w.irq_name, cpu);
}

#ifdef SKBF_HAVE_NAPI_IRQ
static int skbf_kunit_poll(struct napi_struct *napi, int budget)
{
	return 0;
}
#endif

/* Where the driver tied its first RX queue's NAPI to an IRQ, that IRQ rules. */
static void nic_napi_rule_test(struct kunit *test)
{
#ifdef SKBF_HAVE_NAPI_IRQ
	struct net_device *dev = skbf_kunit_dummy(test);
	struct skbf_target *t = skbf_kunit_target(test);
	unsigned int cpu = nr_cpu_ids;
	struct napi_struct *napi;
	int irq;

	irq = skbf_kunit_some_irq(test, &cpu);
	napi = kunit_kzalloc(test, sizeof(*napi), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, napi);
	KUNIT_ASSERT_GT(test, dev->real_num_rx_queues, 0);
	netif_napi_add(dev, napi, skbf_kunit_poll);
	netif_napi_set_irq(napi, irq);
	rtnl_lock();
	netif_queue_set_napi(dev, 0, NETDEV_QUEUE_TYPE_RX, napi);
	rtnl_unlock();
	skbf_kunit_nic_cpu(dev, t);
	rtnl_lock();
	netif_queue_set_napi(dev, 0, NETDEV_QUEUE_TYPE_RX, NULL);
	rtnl_unlock();
	netif_napi_del(napi);
	KUNIT_EXPECT_EQ(test, t->w.rule, SKBF_RULE_NIC_NAPI);
	KUNIT_EXPECT_EQ(test, t->w.irq, irq);
	KUNIT_EXPECT_TRUE(test, cpumask_test_cpu(cpu, t->cpus));
#else
	kunit_skip(test, "kernels before 6.8 link no RX queue to a NAPI and no NAPI to an IRQ");
#endif
}

/* No IRQ but a parent on a NUMA node: that node's first online CPU. */
static void nic_node_rule_test(struct kunit *test)
{
	struct net_device *dev;
	struct skbf_target *t;
	struct device *parent;
	unsigned int cpu;
	int node;

	parent = kunit_device_register(test, "skbf-kunit-nic");
	KUNIT_ASSERT_FALSE(test, IS_ERR(parent));
	dev = skbf_kunit_dummy(test);
	t = skbf_kunit_target(test);
	node = cpu_to_node(cpumask_last(cpu_online_mask));
	set_dev_node(parent, node);
	SET_NETDEV_DEV(dev, parent);

	cpu = skbf_kunit_nic_cpu(dev, t);
	if (!IS_ENABLED(CONFIG_NUMA)) {
		/* Without NUMA no device has a node: the writer rule. */
		skbf_kunit_expect_writer(test, t, cpu);
		return;
	}
	KUNIT_EXPECT_EQ(test, t->w.rule, SKBF_RULE_NIC_NODE);
	KUNIT_EXPECT_EQ(test, t->w.irq, -1);
	KUNIT_EXPECT_EQ(test, cpumask_weight(t->cpus), 1);
	KUNIT_EXPECT_EQ(test, cpumask_first(t->cpus),
			cpumask_first_and(cpumask_of_node(node), cpu_online_mask));
}

/* The first NIC that is up with an IRQ, or skip: its name. */
static const char *skbf_kunit_up_nic(struct kunit *test)
{
	struct skbf_target *t;

	KUNIT_ASSERT_EQ(test, skbf_kunit_target_get(test, "cpu=nic dev=", &t), 0);
	if (!t->w.nic[0])
		kunit_skip(test,
			   "no NIC up with an IRQ (QEMU needs a virtio-net NIC; UML has no PCI NIC)");
	return kunit_kstrdup(test, t->w.nic, GFP_KERNEL);
}

/* Whether a move of @irq to @cpu waits for the IRQ to fire next. */
static bool skbf_kunit_irq_moving_to(unsigned int irq, unsigned int cpu)
{
	bool moving = false;
#ifdef CONFIG_GENERIC_PENDING_IRQ
	struct irq_data *d;
	unsigned long flags;

	rcu_read_lock();
	d = irq_get_irq_data(irq);
	if (d) {
		struct irq_desc *desc = irq_data_to_desc(d);

		raw_spin_lock_irqsave(&desc->lock, flags);
		moving = irqd_is_setaffinity_pending(d) &&
			 cpumask_test_cpu(cpu, desc->pending_mask);
		raw_spin_unlock_irqrestore(&desc->lock, flags);
	}
	rcu_read_unlock();
#endif
	return moving;
}

/* The NIC the VM has up, with an IRQ: resolved by that IRQ, nothing held. */
static void target_nic_test(struct kunit *test)
{
	const struct cpumask *aff;
	struct skbf_target *t;
	struct net_device *dev;
	unsigned int cpu;

	skbf_kunit_up_nic(test);
	KUNIT_ASSERT_EQ(test, skbf_kunit_target_get(test, "cpu=nic dev=", &t), 0);
	cpu = cpumask_first(t->cpus);
	kunit_info(test, "%s (%s): IRQ %d \"%s\" on CPU %u\n", t->w.nic, t->w.driver, t->w.irq,
		   t->w.irq_name, cpu);
	KUNIT_EXPECT_TRUE(test, t->w.rule == SKBF_RULE_NIC_IRQ || t->w.rule == SKBF_RULE_NIC_NAPI);
	KUNIT_ASSERT_GT(test, t->w.irq, 0);
	KUNIT_EXPECT_TRUE(test, irq_has_action(t->w.irq));
	KUNIT_EXPECT_GT(test, strlen(t->w.irq_name), 0);
	/* A receive vector, not the configuration one. */
	KUNIT_EXPECT_NULL(test, strstr(t->w.irq_name, "config"));
	KUNIT_EXPECT_EQ(test, cpumask_weight(t->cpus), 1);
	aff = irq_get_effective_affinity_mask(t->w.irq);
	KUNIT_ASSERT_NOT_NULL(test, aff);
	/*
	 * Early in boot, where the built-in suite runs, x86 may still hold a
	 * move of the IRQ that it applies when the IRQ next fires: the CPU is
	 * then the one it moves to.
	 */
	if (!cpumask_test_cpu(cpu, aff))
		KUNIT_EXPECT_TRUE(test, skbf_kunit_irq_moving_to(t->w.irq, cpu));
	KUNIT_EXPECT_TRUE(test, cpu_online(cpu));
	dev = dev_get_by_index(&init_net, t->w.ifindex);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	KUNIT_EXPECT_STREQ(test, dev->name, t->w.nic);
	dev_put(dev);
}

/* A named NIC without an IRQ (loopback) falls back to the writer. */
static void target_loopback_test(struct kunit *test)
{
	struct skbf_target *t;

	KUNIT_ASSERT_EQ(test, skbf_kunit_target_get(test, "cpu=nic dev=lo", &t), 0);
	KUNIT_EXPECT_STREQ(test, t->w.nic, "lo");
	KUNIT_EXPECT_EQ(test, t->w.rule, SKBF_RULE_WRITER);
	KUNIT_EXPECT_EQ(test, t->w.irq, -1);
	KUNIT_EXPECT_EQ(test, cpumask_weight(t->cpus), 1);
	KUNIT_EXPECT_TRUE(test, cpumask_subset(t->cpus, cpu_online_mask));
}

static void target_all_test(struct kunit *test)
{
	struct skbf_target *t;

	KUNIT_ASSERT_EQ(test, skbf_kunit_target_get(test, "cpu=all dev=lo", &t), 0);
	KUNIT_EXPECT_EQ(test, t->w.rule, SKBF_RULE_ALL);
	KUNIT_EXPECT_TRUE(test, cpumask_equal(t->cpus, cpu_online_mask));
	KUNIT_EXPECT_STREQ(test, t->w.nic, "lo");
	KUNIT_EXPECT_EQ(test, t->w.nr_free, 0);
}

static void target_list_test(struct kunit *test)
{
	unsigned int cpu = cpumask_last(cpu_online_mask);
	struct skbf_target *t;
	char config[32];

	snprintf(config, sizeof(config), "cpu=%u dev=lo", cpu);
	KUNIT_ASSERT_EQ(test, skbf_kunit_target_get(test, config, &t), 0);
	KUNIT_EXPECT_EQ(test, t->w.rule, SKBF_RULE_LIST);
	KUNIT_EXPECT_EQ(test, cpumask_weight(t->cpus), 1);
	KUNIT_EXPECT_TRUE(test, cpumask_test_cpu(cpu, t->cpus));
}

static void target_free_cpu_test(struct kunit *test)
{
	unsigned int cpu = cpumask_first(cpu_online_mask), other = skbf_kunit_other_cpu(cpu);
	struct skbf_target *t;
	char config[48];

	if (other >= nr_cpu_ids)
		kunit_skip(test, "one CPU: free_cpu= needs a second one");
	snprintf(config, sizeof(config), "cpu=%u free_cpu=%u dev=lo", cpu, other);
	KUNIT_ASSERT_EQ(test, skbf_kunit_target_get(test, config, &t), 0);
	KUNIT_EXPECT_EQ(test, t->w.nr_free, 1);
	KUNIT_EXPECT_EQ(test, t->w.free_cpus[0], other);
	/* The releasing CPU may not be a measuring one. */
	snprintf(config, sizeof(config), "cpu=all free_cpu=%u dev=lo", other);
	KUNIT_EXPECT_EQ(test, skbf_kunit_target_get(test, config, &t), -EINVAL);
}

/*
 * free_cpu= lists: the releasing CPUs ascending, whatever order the list
 * names them in; none of them a measuring one.
 */
static void target_free_cpus_test(struct kunit *test)
{
	unsigned int c0 = cpumask_first(cpu_online_mask);
	unsigned int c1 = cpumask_next(c0, cpu_online_mask);
	unsigned int c2 = cpumask_next(c1, cpu_online_mask);
	struct skbf_kunit *ctx = test->priv;
	struct skbf_target *t;
	char config[64];

	if (c2 >= nr_cpu_ids)
		kunit_skip(test, SKBF_KUNIT_NEED3);
	snprintf(config, sizeof(config), "cpu=%u free_cpu=%u,%u dev=lo", c0, c2, c1);
	KUNIT_ASSERT_EQ(test, skbf_kunit_target_get(test, config, &t), 0);
	KUNIT_EXPECT_EQ(test, t->w.nr_free, 2);
	KUNIT_EXPECT_EQ(test, t->w.free_cpus[0], c1);
	KUNIT_EXPECT_EQ(test, t->w.free_cpus[1], c2);
	skbf_kunit_set(test, config);
	KUNIT_EXPECT_EQ(test, ctx->cfg.nr_free, 2);
	snprintf(config, sizeof(config), c2 == c1 + 1 ? "%u-%u" : "%u,%u", c1, c2);
	KUNIT_EXPECT_STREQ(test, ctx->cfg.free_cpu, config);
	snprintf(config, sizeof(config), "cpu=%u free_cpu=%u-%u dev=lo", c1, c0, c2);
	KUNIT_EXPECT_EQ(test, skbf_kunit_target_get(test, config, &t), -EINVAL);
}

static void target_no_dev_test(struct kunit *test)
{
	struct skbf_target *t;

	KUNIT_EXPECT_EQ(test, skbf_kunit_target_get(test, "dev=skbfnone0", &t), -ENODEV);
}

/* A CPU that went offline after config took it: -EINVAL. */
static void target_offline_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;
	struct skbf_target *t;

	snprintf(ctx->cfg.cpu, sizeof(ctx->cfg.cpu), "%u", nr_cpu_ids);
	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_EXPECT_EQ(test, skbf_target_get(&ctx->cfg, t), -EINVAL);
	skbf_config_reset(&ctx->cfg);
	snprintf(ctx->cfg.free_cpu, sizeof(ctx->cfg.free_cpu), "%u", nr_cpu_ids);
	KUNIT_EXPECT_EQ(test, skbf_target_get(&ctx->cfg, t), -EINVAL);
}

static struct kunit_case skbf_nic_cases[] = {
	KUNIT_CASE(nic_dummy_writer_test),
	KUNIT_CASE(nic_none_writer_test),
	KUNIT_CASE(nic_irq_rule_test),
	KUNIT_CASE(nic_napi_rule_test),
	KUNIT_CASE(nic_node_rule_test),
	KUNIT_CASE(target_nic_test),
	KUNIT_CASE(target_loopback_test),
	KUNIT_CASE(target_all_test),
	KUNIT_CASE(target_list_test),
	KUNIT_CASE(target_free_cpu_test),
	KUNIT_CASE(target_free_cpus_test),
	KUNIT_CASE(target_no_dev_test),
	KUNIT_CASE(target_offline_test),
	{}
};

static struct kunit_suite skbf_nic_suite = {
	.name = "skbfactory_nic",
	.init = skbf_kunit_init,
	.exit = skbf_kunit_exit,
	.test_cases = skbf_nic_cases,
};

/* ---- Runs ---- */

KUNIT_DEFINE_ACTION_WRAPPER(skbf_kunit_results_free, skbf_results_free, struct skbf_results *);

/*
 * The seam with nothing in it: the counters around every chunk read zero,
 * so that no chunk of a run is dropped and every count is exact.  The
 * clock stays the real one (a calibrate run spins on it too), and so do
 * the waits for the CPU read with it (taken out, never a drop).
 */
static struct skbf_seam skbf_kunit_quiet;

/**
 * skbf_kunit_ops() - a case's op count, for as many chunks under KASAN
 * @fast: the count a kernel without KASAN needs
 *
 * Counts that must fill many chunks are sized for a kernel without KASAN
 * under TCG, whose alloc_skb() takes 2-4 us: a 1 ms chunk holds hundreds
 * of ops.  Under KASAN (the debug kernel) an op takes about a millisecond
 * and is a chunk of its own, so a 40th of the ops is still hundreds of
 * chunks, in a 40th of the time (run_sleep_test took 23 s with 20000).
 *
 * Return: @fast, or a 40th of it (at least 50) under KASAN.
 */
static u32 skbf_kunit_ops(u32 fast)
{
	return IS_ENABLED(CONFIG_KASAN) ? max(fast / 40, 50U) : fast;
}

/*
 * A run of the defaults changed by @fmt, on the first online CPU and with
 * no warmup unless it says, so that every count is the config's; on the
 * quiet seam unless the case takes it off, so that no chunk is dropped.
 */
static __printf(2, 3) struct skbf_run *skbf_kunit_run(struct kunit *test, const char *fmt, ...)
{
	struct skbf_kunit *ctx = test->priv;
	struct skbf_run *run;
	char config[192];
	va_list args;
	int err;

	va_start(args, fmt);
	vsnprintf(config, sizeof(config), fmt, args);
	va_end(args);
	run = kunit_kzalloc(test, sizeof(*run), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, run);
	skbf_config_reset(&run->cfg);
	snprintf(run->cfg.cpu, sizeof(run->cfg.cpu), "%u", cpumask_first(cpu_online_mask));
	run->cfg.warmup = 0;
	err = skbf_config_parse(&run->cfg, config, strlen(config), false, ctx->why,
				sizeof(ctx->why));
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "%s: %s", config, ctx->why);
	run->seam = &skbf_kunit_quiet;
	return run;
}

/* Execute @run; its results are freed when the case ends. */
static int skbf_kunit_exec(struct kunit *test, struct skbf_run *run)
{
	int err = skbf_run_exec(run);

	KUNIT_EXPECT_EQ(test, skbf_outstanding(), 0);
	if (err) {
		KUNIT_EXPECT_NULL(test, run->res);
		KUNIT_EXPECT_GT(test, strlen(run->stop_why), 0);
		return err;
	}
	KUNIT_ASSERT_NOT_NULL(test, run->res);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, skbf_kunit_results_free, run->res),
			0);
	return 0;
}

/* The counters a run moves. */
struct skbf_kunit_stats {
	s64 allocated;
	s64 freed;
	s64 failures;
};

static void skbf_kunit_stats(struct kunit *test, struct skbf_kunit_stats *st)
{
	st->allocated = skbf_kunit_stat(test, "skbs_allocated");
	st->freed = skbf_kunit_stat(test, "skbs_freed");
	st->failures = skbf_kunit_stat(test, "alloc_failures");
}

/* Since @st: @made skbs allocated and as many freed, @failed failures. */
static void skbf_kunit_expect_moved(struct kunit *test, const struct skbf_kunit_stats *st,
				    s64 made, s64 failed)
{
	struct skbf_kunit_stats now;

	skbf_kunit_stats(test, &now);
	KUNIT_EXPECT_EQ(test, now.allocated - st->allocated, made);
	KUNIT_EXPECT_EQ(test, now.freed - st->freed, made);
	KUNIT_EXPECT_EQ(test, now.failures - st->failures, failed);
}

/*
 * A complete row of a run on the quiet seam: no chunk dropped, so every
 * operation counted once, and none of the counters moved.  The figures
 * themselves are the known-answer cases' (kunit_known.c).
 */
static void skbf_kunit_check_row(struct kunit *test, const struct skbf_run *run,
				 const struct skbf_row *row, enum skbf_mode mode, u64 fails)
{
	u64 ops = (u64)run->cfg.count * run->cfg.repeat;

	KUNIT_ASSERT_PTR_EQ(test, run->seam, &skbf_kunit_quiet);
	KUNIT_EXPECT_EQ(test, row->mode, mode);
	KUNIT_EXPECT_EQ(test, row->ops, ops);
	KUNIT_EXPECT_EQ(test, row->fails, fails);
	KUNIT_EXPECT_EQ(test, row->dropped, 0);
	KUNIT_EXPECT_EQ(test, row->csw, 0);
	KUNIT_EXPECT_EQ(test, row->irqs, 0);
	/* UML's clock moves in 256 ns steps: a short run can read 0 ns. */
	if (!IS_ENABLED(CONFIG_UML)) {
		KUNIT_EXPECT_GT(test, row->ns_x100, 0);
		KUNIT_EXPECT_GE(test, row->cv_x100, 0);
		KUNIT_EXPECT_GT(test, row->ops_per_sec, 0);
	}
	/* Where each kept chunk ran: in softirq for the receive paths only. */
	if (skbf_kunit_in_napi(mode)) {
		KUNIT_EXPECT_GT(test, row->ctx[1], 0);
		KUNIT_EXPECT_EQ(test, row->ctx[0], 0);
	} else {
		KUNIT_EXPECT_GT(test, row->ctx[0], 0);
		KUNIT_EXPECT_EQ(test, row->ctx[1], 0);
	}
}

/* skbs a run of @mode makes for @ops operations: skb_clone's parents too. */
static s64 skbf_kunit_made(const struct skbf_run *run, enum skbf_mode mode, s64 ops)
{
	if (!skbf_kunit_makes_skbs(mode))
		return 0;
	return ops + (mode == SKBF_SKB_CLONE ? run->cfg.batch : 0);
}

static void run_mode_test(struct kunit *test)
{
	const enum skbf_mode *mode = test->param_value;
	struct skbf_kunit_stats st;
	struct skbf_run *run;
	struct skbf_row *row;

	run = skbf_kunit_run(test, "mode=%s count=64 repeat=2", skbf_kunit_mode_names[*mode]);
	skbf_kunit_stats(test, &st);
	KUNIT_ASSERT_EQ_MSG(test, skbf_kunit_exec(test, run), 0, "%s", run->stop_why);
	KUNIT_ASSERT_EQ(test, run->res->nr_rows, 1);
	row = &run->res->rows[0];
	skbf_kunit_check_row(test, run, row, *mode, 0);
	KUNIT_EXPECT_EQ(test, row->cpu, cpumask_first(cpu_online_mask));
	KUNIT_EXPECT_EQ(test, row->lat_samples, 0);
	KUNIT_EXPECT_EQ(test, row->alloc_x100, -1);
	KUNIT_EXPECT_EQ(test, row->free_x100, -1);
	KUNIT_EXPECT_EQ(test, run->res->where.rule, SKBF_RULE_LIST);
	KUNIT_EXPECT_MEMEQ(test, &run->res->cfg, &run->cfg, sizeof(run->cfg));
	skbf_kunit_expect_moved(test, &st, skbf_kunit_made(run, *mode, row->ops), 0);
	kunit_info(test, "%s: %lld.%02lld ns per op, %llu chunks in softirq\n",
		   skbf_kunit_mode_names[*mode], row->ns_x100 / 100, row->ns_x100 % 100,
		   row->ctx[1]);
}

/* mode=all measures every mode in turn, a row each. */
static void run_all_modes_test(struct kunit *test)
{
	struct skbf_run *run = skbf_kunit_run(test, "mode=all count=32 repeat=1");
	unsigned int i;

	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	KUNIT_ASSERT_EQ(test, run->res->nr_rows, SKBF_KUNIT_ALL_ROWS);
	for (i = 0; i < SKBF_KUNIT_ALL_ROWS; i++)
		skbf_kunit_check_row(test, run, &run->res->rows[i], skbf_kunit_run_modes[i], 0);
}

static const u32 skbf_kunit_batches[] = { 1, 3, 64, 256, 4096 };

KUNIT_ARRAY_PARAM(skbf_batches, skbf_kunit_batches, skbf_kunit_u32_desc);

/*
 * Every skb of every batch is freed, a partial last batch included; from
 * batch=2 allocation and release are timed apart (their values: the
 * known-answer cases).
 */
static void run_batch_test(struct kunit *test)
{
	const u32 *batch = test->param_value;
	struct skbf_kunit_stats st;
	struct skbf_run *run;
	struct skbf_row *row;

	run = skbf_kunit_run(test, "mode=napi_alloc_skb count=300 repeat=1 batch=%u", *batch);
	skbf_kunit_stats(test, &st);
	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	KUNIT_ASSERT_EQ(test, run->res->nr_rows, 1);
	row = &run->res->rows[0];
	skbf_kunit_check_row(test, run, row, SKBF_NAPI_ALLOC_SKB, 0);
	skbf_kunit_expect_moved(test, &st, 300, 0);
	if (*batch == 1) {
		KUNIT_EXPECT_EQ(test, row->alloc_x100, -1);
		KUNIT_EXPECT_EQ(test, row->free_x100, -1);
		return;
	}
	/* UML's clock moves in 256 ns steps: a phase can read 0 ns. */
	if (!IS_ENABLED(CONFIG_UML)) {
		KUNIT_EXPECT_GT(test, row->alloc_x100, 0);
		KUNIT_EXPECT_GT(test, row->free_x100, 0);
	}
}

/*
 * cpu=all: a row per CPU and, with several, a sum row over the common
 * window.  5000 ops a repetition: on a kernel without KASAN 300 took less
 * than the other CPU's thread took to wake, and nothing overlapped.  Under
 * KASAN 500 (skbf_kunit_ops() would give 125) take 0.6 s, the other thread
 * time to wake on a loaded host.
 */
static void run_cpus_all_test(struct kunit *test)
{
	u32 count = max(skbf_kunit_ops(5000), 500U);
	unsigned int n = num_online_cpus(), i, runs = 0;
	const struct skbf_row *sum;
	struct skbf_run *run;
	u64 ops = 0;
	char cpus[SKBF_CPU_LEN];

	/*
	 * The CPUs must measure at the same time in one repetition at least:
	 * with more vCPUs than the host has cores free, a run may have none,
	 * so it goes again, up to 20 times, until one had.
	 */
	do {
		run = skbf_kunit_run(test, "mode=alloc_skb count=%u repeat=2 cpu=all", count);
		KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	} while (n > 1 && !run->res->overlap_pct && ++runs < 20);
	KUNIT_EXPECT_EQ(test, run->res->where.rule, SKBF_RULE_ALL);
	snprintf(cpus, sizeof(cpus), "%*pbl", cpumask_pr_args(cpu_online_mask));
	KUNIT_EXPECT_STREQ(test, run->res->cpus, cpus);
	KUNIT_ASSERT_EQ(test, run->res->nr_rows, n > 1 ? n + 1 : 1);
	for (i = 0; i < n; i++) {
		const struct skbf_row *row = &run->res->rows[i];

		/* The first CPU to finish a repetition ends it on the others. */
		KUNIT_EXPECT_LE(test, row->ops, 2 * count);
		KUNIT_EXPECT_GT(test, row->ops, 0);
		KUNIT_EXPECT_TRUE(test, cpu_online(row->cpu));
		if (i)
			KUNIT_EXPECT_GT(test, row->cpu, run->res->rows[i - 1].cpu);
		ops += row->ops;
	}
	if (n == 1)
		kunit_skip(test, "one CPU: no sum row (UML runs one CPU)");
	/* Each repetition, one CPU did its whole count. */
	KUNIT_EXPECT_GE(test, ops, 2 * count);
	sum = &run->res->rows[n];
	KUNIT_EXPECT_EQ(test, sum->cpu, -1);
	KUNIT_EXPECT_EQ(test, sum->mode, SKBF_ALLOC_SKB);
	KUNIT_EXPECT_EQ(test, sum->ops, ops);
	KUNIT_EXPECT_GT(test, sum->ops_per_sec, 0);
	KUNIT_EXPECT_EQ(test, sum->ns_x100, -1);
	KUNIT_EXPECT_EQ(test, sum->fails, 0);
	KUNIT_EXPECT_EQ(test, sum->dropped, 0);
	KUNIT_EXPECT_GT(test, run->res->overlap_pct, 0);
	kunit_info(test, "run %u: CPUs overlapped %u%%, %llu ops/s together\n", runs + 1,
		   run->res->overlap_pct, sum->ops_per_sec);
}

/* latency=1 times one op in SKBF_LAT_EVERY; percentiles in order. */
static void run_latency_test(struct kunit *test)
{
	const u32 *batch = test->param_value;
	const struct skbf_row *row;
	struct skbf_run *run;

	run = skbf_kunit_run(test, "mode=alloc_skb count=320 repeat=2 latency=1 batch=%u", *batch);
	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	KUNIT_ASSERT_EQ(test, run->res->nr_rows, 1);
	row = &run->res->rows[0];
	skbf_kunit_check_row(test, run, row, SKBF_ALLOC_SKB, 0);
	/* Gaps of at most 2 * SKBF_LAT_EVERY - 1 ops: at least 5 in 640. */
	KUNIT_EXPECT_GE(test, row->lat_samples, 640 / (2 * SKBF_LAT_EVERY - 1));
	KUNIT_EXPECT_LE(test, row->lat_samples, 640);
	/* UML's clock moves in 256 ns steps: one op alone can read 0 ns. */
	if (!IS_ENABLED(CONFIG_UML))
		KUNIT_EXPECT_GT(test, row->p50_ns, 0);
}

/*
 * The gaps between latency samples: within 1..2 * SKBF_LAT_EVERY - 1, one
 * in SKBF_LAT_EVERY on average, and not a multiple of a batch: a batch of
 * 64 sees its samples land at many positions, not always the same one.
 */
static void lat_gap_test(struct kunit *test)
{
	DECLARE_BITMAP(slots, SKBF_LAT_EVERY) = {};
	u64 sum = 0, op = 0;
	unsigned int i, n = 4096;
	u32 gap;

	for (i = 0; i < n; i++) {
		gap = skbf_lat_gap();
		KUNIT_ASSERT_GE(test, gap, 1);
		KUNIT_ASSERT_LE(test, gap, 2 * SKBF_LAT_EVERY - 1);
		sum += gap;
		op += gap;
		__set_bit(op % SKBF_LAT_EVERY, slots);
	}
	/* Mean 64, standard error about 0.6 over 4096 draws. */
	KUNIT_EXPECT_GE(test, sum, (u64)n * (SKBF_LAT_EVERY - 4));
	KUNIT_EXPECT_LE(test, sum, (u64)n * (SKBF_LAT_EVERY + 4));
	KUNIT_EXPECT_EQ(test, bitmap_weight(slots, SKBF_LAT_EVERY), SKBF_LAT_EVERY);
}

static const u32 skbf_kunit_lat_batches[] = { 1, 8 };

KUNIT_ARRAY_PARAM(skbf_lat_batches, skbf_kunit_lat_batches, skbf_kunit_u32_desc);

/* Warmup repetitions run (their skbs counted in stats) and stay out of the rows. */
static void run_warmup_test(struct kunit *test)
{
	struct skbf_kunit_stats st;
	const struct skbf_row *row;
	struct skbf_run *run;

	run = skbf_kunit_run(test, "mode=alloc_skb count=50 repeat=3 warmup=2");
	skbf_kunit_stats(test, &st);
	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	row = &run->res->rows[0];
	skbf_kunit_check_row(test, run, row, SKBF_ALLOC_SKB, 0);
	skbf_kunit_expect_moved(test, &st, 250, 0);
}

/* A run in a thread of its own, for a case to stop. */
struct skbf_kunit_bg {
	struct skbf_run *run;
	struct completion done;
	bool collected;
	int err;
	u64 end_ns;
};

static int skbf_kunit_bg_fn(void *arg)
{
	struct skbf_kunit_bg *bg = arg;

	bg->err = skbf_run_exec(bg->run);
	bg->end_ns = ktime_get_ns();
	kthread_complete_and_exit(&bg->done, 0);
}

/* Wait up to @timeout for the run to return. */
static bool skbf_kunit_bg_wait(struct skbf_kunit_bg *bg, unsigned long timeout)
{
	if (!bg->collected && wait_for_completion_timeout(&bg->done, timeout))
		bg->collected = true;
	return bg->collected;
}

/* However the case ended: stop the run, wait for it, free its results. */
static void skbf_kunit_bg_reap(void *arg)
{
	struct skbf_kunit_bg *bg = arg;

	if (!bg->collected) {
		skbf_run_stop(bg->run, -ECANCELED, "the case ended");
		wait_for_completion(&bg->done);
		bg->collected = true;
	}
	if (!bg->err)
		skbf_results_free(bg->run->res);
	bg->run->res = NULL;
}

static struct skbf_kunit_bg *skbf_kunit_bg_start(struct kunit *test, struct skbf_run *run)
{
	struct skbf_kunit_bg *bg = kunit_kzalloc(test, sizeof(*bg), GFP_KERNEL);
	struct task_struct *task;

	KUNIT_ASSERT_NOT_NULL(test, bg);
	bg->run = run;
	init_completion(&bg->done);
	task = kthread_run(skbf_kunit_bg_fn, bg, "skbf-kunit-run");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	bg->collected = false;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, skbf_kunit_bg_reap, bg), 0);
	return bg;
}

/* Until the background run has made @n skbs (up to 20 s). */
static void skbf_kunit_bg_until(struct kunit *test, struct skbf_kunit_bg *bg, s64 from, s64 n)
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (skbf_kunit_stat(test, "skbs_allocated") - from >= n)
			break;
		msleep(20);
	}
	KUNIT_ASSERT_FALSE_MSG(test, completion_done(&bg->done), "the run ended early: %s",
			       bg->run->stop_why);
}

/*
 * At most @tenths tenths of one CPU's count made since @from.  A long
 * run's count is 20 s of work at the speed it was sized by: a tenth is 2 s
 * of work, about 2000 chunks.  What ends a run within a chunk passes
 * whatever the host's speed; what waits for the run's end makes about
 * all of count.  Work, not the wall clock: a TCG guest whose host is busy
 * may take seconds to stop promptly (lack of progress fails, a slow clock
 * not).
 */
static void skbf_kunit_expect_little(struct kunit *test, const struct skbf_kunit_bg *bg,
				     s64 from, unsigned int tenths, const char *what)
{
	s64 made = skbf_kunit_stat(test, "skbs_allocated") - from;

	KUNIT_EXPECT_LE_MSG(test, made, (s64)div_u64((u64)bg->run->cfg.count * tenths, 10),
			    "%lld skbs made %s, of a count of %u", made, what, bg->run->cfg.count);
}

/*
 * The background run, once @from skbs had been made and at @t0 something
 * stopped it, returns with @err having made little more; nothing is kept.
 */
static void skbf_kunit_bg_expect(struct kunit *test, struct skbf_kunit_bg *bg, s64 from,
				 u64 t0, int err)
{
	KUNIT_ASSERT_TRUE_MSG(test, skbf_kunit_bg_wait(bg, 30 * HZ), "the run did not stop");
	kunit_info(test, "stopped in %llu us: %s\n", div_u64(bg->end_ns - t0, NSEC_PER_USEC),
		   bg->run->stop_why);
	skbf_kunit_expect_little(test, bg, from, 1, "after the stop");
	KUNIT_EXPECT_EQ(test, bg->err, err);
	KUNIT_EXPECT_NULL(test, bg->run->res);
	KUNIT_EXPECT_EQ(test, skbf_outstanding(), 0);
}

/* Stop the run: it returns -ECANCELED within a chunk, nothing kept. */
static void skbf_kunit_bg_stop(struct kunit *test, struct skbf_kunit_bg *bg)
{
	s64 from = skbf_kunit_stat(test, "skbs_allocated");
	u64 t0 = ktime_get_ns();

	skbf_run_stop(bg->run, -ECANCELED, "stopped by the test");
	skbf_kunit_bg_expect(test, bg, from, t0, -ECANCELED);
	KUNIT_EXPECT_STREQ(test, bg->run->stop_why, "stopped by the test");
}

/*
 * A run of @config that takes about SKBF_KUNIT_LONG_NS here: long next to a
 * stop that should end it within a chunk, short enough to end by itself if
 * the stop does not.  A short run of the same config tells the speed.
 */
static struct skbf_run *skbf_kunit_long_run(struct kunit *test, const char *config)
{
	struct skbf_run *run = skbf_kunit_run(test, "%s count=100 repeat=1", config);
	u64 count;

	KUNIT_ASSERT_EQ_MSG(test, skbf_kunit_exec(test, run), 0, "%s", run->stop_why);
	count = div64_u64(SKBF_KUNIT_LONG_NS * 100, max_t(s64, run->res->rows[0].ns_x100, 1));
	count = clamp(count, 10000ULL, 100000000ULL);
	kunit_info(test, "a run of %llu ops\n", count);
	return skbf_kunit_run(test, "%s count=%llu repeat=1", config, count);
}

/* A stop ends a long run within a chunk and frees every skb. */
static void run_stop_test(struct kunit *test)
{
	struct skbf_kunit_stats st, now;
	struct skbf_kunit_bg *bg;
	struct skbf_run *run;

	run = skbf_kunit_long_run(test, "mode=alloc_skb cpu=all");
	skbf_kunit_stats(test, &st);
	bg = skbf_kunit_bg_start(test, run);
	skbf_kunit_bg_until(test, bg, st.allocated, 50);
	skbf_kunit_bg_stop(test, bg);
	skbf_kunit_stats(test, &now);
	KUNIT_EXPECT_GE(test, now.allocated - st.allocated, 50);
	KUNIT_EXPECT_EQ(test, now.freed - st.freed, now.allocated - st.allocated);
}

/* Stopped in the middle of a batch, a run frees the skbs the batch holds. */
static void run_stop_batch_test(struct kunit *test)
{
	struct skbf_kunit_stats st, now;
	struct skbf_kunit_bg *bg;
	struct skbf_run *run;
	s64 held = 0;
	int i;

	run = skbf_kunit_long_run(test, "mode=build_skb size=256 headroom=0 put=64 batch=4096");
	skbf_kunit_stats(test, &st);
	bg = skbf_kunit_bg_start(test, run);
	for (i = 0; i < 20000 && held <= 0; i++) {
		usleep_range(500, 1000);
		held = skbf_outstanding();
	}
	KUNIT_EXPECT_GT(test, held, 0);
	skbf_kunit_bg_stop(test, bg);
	kunit_info(test, "%lld skbs held when stopped\n", held);
	skbf_kunit_stats(test, &now);
	KUNIT_EXPECT_EQ(test, now.freed - st.freed, now.allocated - st.allocated);
}

/* A second run while one is in progress: -EBUSY, and the first goes on. */
static void run_busy_test(struct kunit *test)
{
	struct skbf_run *run, *second;
	struct skbf_kunit_stats st;
	struct skbf_kunit_bg *bg;

	run = skbf_kunit_long_run(test, "mode=alloc_skb");
	skbf_kunit_stats(test, &st);
	bg = skbf_kunit_bg_start(test, run);
	skbf_kunit_bg_until(test, bg, st.allocated, 10);
	second = skbf_kunit_run(test, "count=10 repeat=1");
	KUNIT_EXPECT_EQ(test, skbf_run_exec(second), -EBUSY);
	KUNIT_EXPECT_STREQ(test, second->stop_why, "a run is already in progress");
	KUNIT_EXPECT_FALSE(test, completion_done(&bg->done));
	skbf_kunit_bg_stop(test, bg);
}

/* fail_every=N: every Nth allocation fails, is counted, and leaks nothing. */
static void run_fail_every_test(struct kunit *test)
{
	const enum skbf_mode *mode = test->param_value;
	struct skbf_kunit_stats st;
	struct skbf_run *run;
	struct skbf_row *row;

	run = skbf_kunit_run(test, "mode=%s count=70 repeat=2", skbf_kunit_mode_names[*mode]);
	run->fail_every = 7;
	skbf_kunit_stats(test, &st);
	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	KUNIT_ASSERT_EQ(test, run->res->nr_rows, 1);
	row = &run->res->rows[0];
	skbf_kunit_check_row(test, run, row, *mode, row->ops / 7);
	skbf_kunit_expect_moved(test, &st, skbf_kunit_made(run, *mode, row->ops - row->fails),
				row->fails);
}

/* Failures inside batches. */
static void run_fail_batch_test(struct kunit *test)
{
	struct skbf_kunit_stats st;
	struct skbf_run *run;

	run = skbf_kunit_run(test, "mode=netdev_alloc_skb count=500 repeat=1 batch=32");
	run->fail_every = 5;
	skbf_kunit_stats(test, &st);
	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	skbf_kunit_check_row(test, run, &run->res->rows[0], SKBF_NETDEV_ALLOC_SKB, 100);
	skbf_kunit_expect_moved(test, &st, 400, 100);
}

/* fail_every=1: nothing is made, every operation still counted. */
static void run_fail_all_test(struct kunit *test)
{
	struct skbf_kunit_stats st;
	struct skbf_run *run;

	run = skbf_kunit_run(test, "mode=alloc_skb_fclone count=256 repeat=2 batch=16");
	run->fail_every = 1;
	skbf_kunit_stats(test, &st);
	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	skbf_kunit_check_row(test, run, &run->res->rows[0], SKBF_ALLOC_SKB_FCLONE, 512);
	skbf_kunit_expect_moved(test, &st, 0, 512);
}

static void run_no_dev_test(struct kunit *test)
{
	struct skbf_run *run = skbf_kunit_run(test, "count=10 repeat=1 dev=skbfnone0");

	KUNIT_EXPECT_EQ(test, skbf_kunit_exec(test, run), -ENODEV);
	KUNIT_EXPECT_STREQ(test, run->stop_why, "dev=skbfnone0: no such device");
}

static void run_offline_cpu_test(struct kunit *test)
{
	struct skbf_run *run = skbf_kunit_run(test, "count=10 repeat=1");

	snprintf(run->cfg.cpu, sizeof(run->cfg.cpu), "%u", nr_cpu_ids);
	KUNIT_EXPECT_EQ(test, skbf_kunit_exec(test, run), -EINVAL);
}

/* The releasing CPU may not measure too. */
static void run_free_cpu_measuring_test(struct kunit *test)
{
	unsigned int cpu = cpumask_first(cpu_online_mask);
	struct skbf_run *run = skbf_kunit_run(test, "count=10 repeat=1 free_cpu=%u", cpu);

	KUNIT_EXPECT_EQ(test, skbf_kunit_exec(test, run), -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, strstr(run->stop_why, "is one of the measuring CPUs"));
}

/*
 * What the batches would hold, over a quarter of the memory available:
 * refused before anything is allocated.
 */
static void run_memory_bound_test(struct kunit *test)
{
	struct skbf_run *run = skbf_kunit_run(test,
					      "mode=alloc_skb size=65536 headroom=0 put=0 batch=4096 cpu=all count=10 repeat=1");
	u64 bound = ((u64)si_mem_available() << PAGE_SHIFT) / 4;
	struct skbf_kunit_stats st;

	if (skbf_footprint(&run->cfg, SKBF_ALLOC_SKB) * num_online_cpus() <= bound)
		kunit_skip(test, "this machine has room for 4096 x 64 KiB per CPU");
	skbf_kunit_stats(test, &st);
	KUNIT_EXPECT_EQ(test, skbf_kunit_exec(test, run), -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, strstr(run->stop_why, "a quarter of available memory"));
	skbf_kunit_expect_moved(test, &st, 0, 0);
}

/* A NIC without an IRQ: the run says it fell back to the writer. */
static void run_writer_rule_test(struct kunit *test)
{
	struct skbf_run *run = skbf_kunit_run(test, "count=100 repeat=1 cpu=nic dev=lo");
	struct skbf_kunit *ctx = test->priv;
	const char *text;

	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	KUNIT_EXPECT_EQ(test, run->res->where.rule, SKBF_RULE_WRITER);
	KUNIT_EXPECT_STREQ(test, run->res->where.nic, "lo");
	KUNIT_EXPECT_EQ(test, run->res->where.irq, -1);
	KUNIT_ASSERT_EQ(test, run->res->nr_rows, 1);
	skbf_results_show(&ctx->s, run->res);
	text = skbf_kunit_str(test, &ctx->s);
	KUNIT_EXPECT_NOT_NULL(test, skbf_kunit_line(text, "# nic: lo "));
	KUNIT_EXPECT_TRUE(test, skbf_kunit_has_line(text, "# nic_irq: none"));
	KUNIT_EXPECT_NOT_NULL(test, skbf_kunit_line(text, "# cpu_rule: writer: "));
}

/*
 * The PMU path, with a software clock where core cycles would be (no
 * emulator gives the kernel a PMU): cycles_per_op then counts ns, and both
 * counters count the same, so ipc is 1.
 */
static void run_pmu_test(struct kunit *test)
{
	const struct skbf_row *row;
	struct skbf_run *run;
	int try;

	/*
	 * Runs of 2000 ops (skbf_kunit_ops()): a kernel without KASAN runs
	 * 200 in a short chunk, where the gap between reading the two
	 * counters shows (0.84).
	 * A host that stops the vCPU between the two reads at a chunk's start
	 * adds its stop to one counter only (ipc 0.35 once): the best of three
	 * runs counts.
	 */
	for (try = 0; try < 3; try++) {
		run = skbf_kunit_run(test, "mode=alloc_skb count=%u repeat=2",
				     skbf_kunit_ops(2000));
		run->pmu_type = 1;
		KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
		if (run->res->pmu_err)
			kunit_skip(test, "no perf events for a kernel counter here (%d)",
				   run->res->pmu_err);
		row = &run->res->rows[0];
		kunit_info(test, "try %d: cycles_per_op %lld ns_per_op %lld ipc %lld (x100)\n",
			   try + 1, row->cycles_x100, row->ns_x100, row->ipc_x100);
		if (row->ipc_x100 >= 90 && row->ipc_x100 <= 110 &&
		    row->cycles_x100 >= row->ns_x100 / 2 && row->cycles_x100 <= row->ns_x100 * 2)
			break;
	}
	KUNIT_EXPECT_GE(test, row->cycles_x100, row->ns_x100 / 2);
	KUNIT_EXPECT_LE(test, row->cycles_x100, row->ns_x100 * 2);
	KUNIT_EXPECT_GE(test, row->ipc_x100, 90);
	KUNIT_EXPECT_LE(test, row->ipc_x100, 110);

	/* A softirq row's counter window would hold all of NET_RX: none. */
	run = skbf_kunit_run(test, "mode=napi_alloc_skb count=200 repeat=2");
	run->pmu_type = 1;
	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	row = &run->res->rows[0];
	KUNIT_EXPECT_EQ(test, row->cycles_x100, -1);
	KUNIT_EXPECT_EQ(test, row->ipc_x100, -1);
}

/* One call of a noinline function the compiler must make: a known cost. */
static noinline void *skbf_kunit_call(void *p)
{
	barrier();
	return p;
}

/*
 * empty is a real baseline: an op there is two calls the compiler cannot
 * remove plus the loop, so it costs at least one call of the same kind
 * timed alone.  Were the calls optimised away (they once were: the loop
 * folded to a few instructions), empty would cost a fraction of that.
 */
static void run_empty_floor_test(struct kunit *test)
{
	u64 best = U64_MAX, t0, calls = 100000;
	const struct skbf_row *row;
	struct skbf_run *run;
	void *p = test;
	u64 i, call_x100;
	int r;

	for (r = 0; r < 5; r++) {
		t0 = ktime_get_ns();
		for (i = 0; i < calls; i++)
			p = skbf_kunit_call(p);
		best = min(best, ktime_get_ns() - t0);
	}
	call_x100 = div64_u64(best * 100, calls);
	run = skbf_kunit_run(test, "mode=empty count=%llu repeat=3", calls);
	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	row = &run->res->rows[0];
	kunit_info(test, "empty: %lld.%02lld ns per op; one call: %llu.%02llu ns\n",
		   row->ns_x100 / 100, row->ns_x100 % 100, call_x100 / 100, call_x100 % 100);
	KUNIT_EXPECT_GE(test, row->ns_x100, call_x100);
}

/* free_cpu=: made on one CPU, every one released by the thread on the other. */
static void run_free_cpu_test(struct kunit *test)
{
	const enum skbf_mode *mode = test->param_value;
	unsigned int cpu = cpumask_first(cpu_online_mask), other = skbf_kunit_other_cpu(cpu);
	struct skbf_kunit_stats st;
	const struct skbf_row *row;
	struct skbf_run *run;

	if (other >= nr_cpu_ids)
		kunit_skip(test, "one CPU: free_cpu= needs a second one");
	run = skbf_kunit_run(test, "mode=%s count=200 repeat=2 free_cpu=%u",
			     skbf_kunit_mode_names[*mode], other);
	skbf_kunit_stats(test, &st);
	KUNIT_ASSERT_EQ_MSG(test, skbf_kunit_exec(test, run), 0, "%s", run->stop_why);
	row = &run->res->rows[0];
	skbf_kunit_check_row(test, run, row, *mode, 0);
	KUNIT_EXPECT_EQ(test, run->res->where.nr_free, 1);
	KUNIT_EXPECT_EQ(test, run->res->where.free_cpus[0], other);
	/* Every object made went to the other CPU and was released there. */
	KUNIT_EXPECT_EQ(test, run->res->released_remote, row->ops);
	KUNIT_ASSERT_EQ(test, run->res->nr_frees, 1);
	KUNIT_EXPECT_EQ(test, run->res->frees[0].cpu, other);
	KUNIT_EXPECT_EQ(test, run->res->frees[0].released, row->ops);
	KUNIT_EXPECT_EQ(test, run->res->frees[0].n, row->ops);
	KUNIT_EXPECT_GT(test, row->free_x100, 0);
	KUNIT_EXPECT_EQ(test, run->res->cons_dropped, 0);
	skbf_kunit_expect_moved(test, &st, skbf_kunit_made(run, *mode, row->ops), 0);
	KUNIT_EXPECT_EQ(test, skbf_outstanding(), 0);
}

/*
 * free_cpu= two CPUs: the paths the returning-CPU bench sweeps, 201
 * objects each, the first to the lower releasing CPU, then in turn: 101
 * released on one, 100 on the other, each where its thread is bound.
 */
static void run_free_cpus_test(struct kunit *test)
{
	static const enum skbf_mode modes[] = {
		SKBF_ALLOC_SKB, SKBF_NAPI_ALLOC_SKB, SKBF_PAGE_POOL,
	};
	unsigned int c0 = cpumask_first(cpu_online_mask);
	unsigned int c1 = cpumask_next(c0, cpu_online_mask);
	unsigned int c2 = cpumask_next(c1, cpu_online_mask);
	const struct skbf_results *res;
	struct skbf_run *run;
	unsigned int i;

	if (c2 >= nr_cpu_ids)
		kunit_skip(test, SKBF_KUNIT_NEED3);
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		run = skbf_kunit_run(test,
				     "mode=%s count=201 repeat=1 warmup=0 cpu=%u free_cpu=%u,%u",
				     skbf_kunit_mode_names[modes[i]], c0, c2, c1);
		KUNIT_ASSERT_EQ_MSG(test, skbf_kunit_exec(test, run), 0, "%s", run->stop_why);
		res = run->res;
		KUNIT_EXPECT_EQ(test, res->rows[0].ops, 201);
		KUNIT_ASSERT_EQ(test, res->nr_frees, 2);
		KUNIT_EXPECT_EQ(test, res->frees[0].cpu, c1);
		KUNIT_EXPECT_EQ(test, res->frees[0].released, 101);
		KUNIT_EXPECT_EQ(test, res->frees[1].cpu, c2);
		KUNIT_EXPECT_EQ(test, res->frees[1].released, 100);
		KUNIT_EXPECT_EQ(test, res->released_remote, 201);
		KUNIT_EXPECT_EQ(test, skbf_outstanding(), 0);
	}
}

/* A slow releasing CPU: the ring fills, the worker waits, nothing is lost. */
static void run_free_cpu_full_test(struct kunit *test)
{
	unsigned int cpu = cpumask_first(cpu_online_mask), other = skbf_kunit_other_cpu(cpu);
	struct skbf_kunit_stats st;
	struct skbf_run *run;

	if (other >= nr_cpu_ids)
		kunit_skip(test, "one CPU: free_cpu= needs a second one");
	run = skbf_kunit_run(test, "mode=napi_alloc_skb count=%u repeat=1 free_cpu=%u",
			     2 * SKBF_RING, other);
	run->release_late = true;
	skbf_kunit_stats(test, &st);
	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	KUNIT_EXPECT_GT(test, run->res->ring_full, 0);
	KUNIT_EXPECT_EQ(test, run->res->released_remote, 2 * SKBF_RING);
	skbf_kunit_expect_moved(test, &st, 2 * SKBF_RING, 0);
}

/*
 * skb_clone with a slow releasing CPU: the first clone is its parent's
 * fclone companion; the next ones, made while it waits in the ring, are
 * not, and the results count both kinds.
 */
static void run_free_cpu_clone_test(struct kunit *test)
{
	unsigned int cpu = cpumask_first(cpu_online_mask), other = skbf_kunit_other_cpu(cpu);
	struct skbf_run *run;

	if (other >= nr_cpu_ids)
		kunit_skip(test, "one CPU: free_cpu= needs a second one");
	run = skbf_kunit_run(test, "mode=skb_clone count=%u repeat=1 free_cpu=%u",
			     2 * SKBF_RING, other);
	run->release_late = true;
	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	KUNIT_EXPECT_EQ(test, run->res->clones, 2 * SKBF_RING);
	KUNIT_EXPECT_EQ(test, run->res->released_remote, 2 * SKBF_RING);
	KUNIT_EXPECT_GE(test, run->res->clone_companions, 1);
	KUNIT_EXPECT_LT(test, run->res->clone_companions, run->res->clones);
}

/* The test's own NAPI: NET_RX runs it inline in a task chunk. */
static struct napi_struct *skbf_kunit_net_napi;
static atomic_t skbf_kunit_net_polls;
static atomic_t skbf_kunit_net_chunks;

static int skbf_kunit_net_poll(struct napi_struct *napi, int budget)
{
	atomic_inc(&skbf_kunit_net_polls);
	napi_complete_done(napi, 0);
	return 0;
}

/*
 * Every other task chunk, the first one included (UML's coarse clock may
 * make a single chunk of a run): a NIC's traffic, as an interrupt's exit
 * runs it.
 */
static void skbf_kunit_net_rx(struct skbf_run *run)
{
	if (!(atomic_inc_return(&skbf_kunit_net_chunks) % 2))
		return;
	local_bh_disable();
	napi_schedule(skbf_kunit_net_napi);
	local_bh_enable();	/* NET_RX runs here, in the chunk's window */
}

/*
 * A task chunk in which NET_RX ran is left out of the timing (its time is
 * the NIC's traffic, not the ops'): dropped, counted, the others kept.
 */
static void run_net_softirq_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;
	const struct skbf_row *row;
	struct net_device *dev;
	struct skbf_run *run;
	int err, polls;

	/*
	 * Everything that can fail an assertion comes first: between
	 * napi_enable() and netif_napi_del() nothing may end the case.
	 */
	run = skbf_kunit_run(test, "mode=alloc_skb count=1000 repeat=1");
	/* The real counters: NET_RX really runs. */
	run->seam = NULL;
	run->in_chunk = skbf_kunit_net_rx;
	dev = skbf_kunit_dummy(test);
	skbf_kunit_net_napi = kunit_kzalloc(test, sizeof(*skbf_kunit_net_napi), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skbf_kunit_net_napi);
	atomic_set(&skbf_kunit_net_polls, 0);
	atomic_set(&skbf_kunit_net_chunks, 0);
	netif_napi_add(dev, skbf_kunit_net_napi, skbf_kunit_net_poll);
	napi_enable(skbf_kunit_net_napi);
	err = skbf_run_exec(run);
	napi_disable(skbf_kunit_net_napi);
	netif_napi_del(skbf_kunit_net_napi);
	KUNIT_EXPECT_EQ(test, skbf_outstanding(), 0);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, skbf_kunit_results_free, run->res),
			0);
	row = &run->res->rows[0];
	polls = atomic_read(&skbf_kunit_net_polls);
	kunit_info(test, "%d chunks, %d with NET_RX; kept %llu, dropped %llu\n",
		   atomic_read(&skbf_kunit_net_chunks), polls, row->ctx[0], row->dropped);
	KUNIT_EXPECT_GT(test, polls, 0);
	KUNIT_EXPECT_GE(test, row->dropped, polls);
	KUNIT_EXPECT_GE(test, run->res->net_dropped, polls);
	KUNIT_EXPECT_GT(test, row->ctx[0], 0);
	skbf_results_show(&ctx->s, run->res);
	KUNIT_EXPECT_NOT_NULL(test, strstr(skbf_kunit_str(test, &ctx->s),
					   "left out had NET_RX or NET_TX"));
}

/* Every other task chunk sleeps, as an op in direct reclaim may. */
static atomic_t skbf_kunit_sleeps;
static atomic_t skbf_kunit_sleep_chunks;

static void skbf_kunit_sleep(struct skbf_run *run)
{
	unsigned long nvcsw = current->nvcsw;

	/* The first chunk too: UML's fast runs may have one. */
	if (!(atomic_inc_return(&skbf_kunit_sleep_chunks) % 2))
		return;
	usleep_range(20, 50);
	/* A timer that fired before the thread slept made no switch. */
	if (current->nvcsw != nvcsw)
		atomic_inc(&skbf_kunit_sleeps);
}

/*
 * The real counters: a task chunk in which the thread slept is kept (its
 * op's sleep is the op's cost) and counted in the # timing line; only one
 * also preempted, moved or with NET_RX is dropped, rare on a quiet CPU.
 */
static void run_sleep_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;
	const struct skbf_row *row;
	struct skbf_run *run;
	int sleeps;

	/*
	 * Enough ops for many chunks on a fast kernel too (a kernel without
	 * KASAN ran 500 in one), all measured: no warmup chunk takes a sleep.
	 */
	run = skbf_kunit_run(test, "mode=alloc_skb count=%u repeat=1 warmup=0",
			     skbf_kunit_ops(20000));
	run->seam = NULL;
	run->in_chunk = skbf_kunit_sleep;
	atomic_set(&skbf_kunit_sleeps, 0);
	atomic_set(&skbf_kunit_sleep_chunks, 0);
	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	row = &run->res->rows[0];
	sleeps = atomic_read(&skbf_kunit_sleeps);
	kunit_info(test, "%d chunks, %d slept; kept %llu with a sleep, dropped %llu, csw %llu\n",
		   atomic_read(&skbf_kunit_sleep_chunks), sleeps, run->res->slept, row->dropped,
		   row->csw);
	KUNIT_ASSERT_GT(test, sleeps, 0);
	KUNIT_EXPECT_GE(test, row->csw, sleeps);
	KUNIT_EXPECT_GE(test, 2 * run->res->slept, sleeps);
	KUNIT_EXPECT_LE(test, run->res->slept, sleeps);
	skbf_results_show(&ctx->s, run->res);
	KUNIT_EXPECT_NOT_NULL(test, strstr(skbf_kunit_str(test, &ctx->s),
					   "chunks kept had an op sleeping in them"));
}

/* Stopped with skbs in the ring: every one of them is released too. */
static void run_free_cpu_stop_test(struct kunit *test)
{
	unsigned int cpu = cpumask_first(cpu_online_mask), other = skbf_kunit_other_cpu(cpu);
	struct skbf_kunit_stats st, now;
	struct skbf_kunit_bg *bg;
	struct skbf_run *run;

	if (other >= nr_cpu_ids)
		kunit_skip(test, "one CPU: free_cpu= needs a second one");
	run = skbf_kunit_run(test, "mode=alloc_skb count=100000000 repeat=1 free_cpu=%u", other);
	run->release_late = true;
	skbf_kunit_stats(test, &st);
	bg = skbf_kunit_bg_start(test, run);
	skbf_kunit_bg_until(test, bg, st.allocated, SKBF_RING);
	/*
	 * The threads stop within a chunk; the writer then drains the ring, up
	 * to SKBF_RING releases, seconds on a KASAN kernel under TCG.
	 */
	skbf_kunit_bg_stop(test, bg);
	skbf_kunit_stats(test, &now);
	KUNIT_EXPECT_EQ(test, now.freed - st.freed, now.allocated - st.allocated);
}

/*
 * page_pool: pages go back to the pool as in a driver.  Above a page each
 * skb takes a whole page of the pool's order, so the pool's own counters
 * say how many came back: a run of N skbs needs about one fresh page.
 */
static void run_page_pool_recycle_test(struct kunit *test)
{
	const struct skbf_results *res;
	struct skbf_run *run;

	run = skbf_kunit_run(test, "mode=page_pool size=8000 count=300 repeat=1");
	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	res = run->res;
	if (!res->pp_stats)
		kunit_skip(test, "needs CONFIG_PAGE_POOL_STATS for the pool's counters");
	kunit_info(test, "fast %llu slow_high_order %llu cached %llu ring %llu\n", res->pp.fast,
		   res->pp.slow_high_order, res->pp.recycled_cached, res->pp.recycled_ring);
	KUNIT_EXPECT_LE(test, res->pp.slow_high_order, 4);
	KUNIT_EXPECT_GE(test, res->pp.recycled_cached + res->pp.recycled_ring, 296);
	KUNIT_EXPECT_GE(test, res->pp.fast + res->pp.refill, 296);
}

/* The results of a real run: the header, a full row per mode, no pointers. */
static void run_results_text_test(struct kunit *test)
{
	const u32 *latency = test->param_value;
	struct skbf_kunit *ctx = test->priv;
	unsigned int fields, i;
	struct skbf_run *run;
	const char *text, *p;

	run = skbf_kunit_run(test, "mode=all count=32 repeat=1 latency=%u", *latency);
	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	skbf_results_show(&ctx->s, run->res);
	text = skbf_kunit_str(test, &ctx->s);
	KUNIT_EXPECT_FALSE_MSG(test, skbf_kunit_has_pointer(text), "%s", text);
	p = skbf_kunit_line(text, "mode cpu ");
	KUNIT_ASSERT_NOT_NULL(test, p);
	fields = skbf_kunit_fields(skbf_kunit_copy_line(test, p));
	KUNIT_EXPECT_EQ(test, fields, *latency ? 30 : 26);
	for (i = 0; i <= SKBF_KUNIT_ALL_ROWS; i++) {
		const char *line = skbf_kunit_copy_line(test, p);
		char start[48];

		KUNIT_EXPECT_EQ_MSG(test, skbf_kunit_fields(line), fields, "%s", line);
		if (i) {
			snprintf(start, sizeof(start), "%s %u same ", skbf_kunit_mode_names[i - 1],
				 cpumask_first(cpu_online_mask));
			KUNIT_EXPECT_EQ_MSG(test, strncmp(line, start, strlen(start)), 0, "%s",
					    line);
		}
		p = strchr(p, '\n');
		KUNIT_ASSERT_NOT_NULL(test, p);
		p++;
	}
	/* Then each row's repetitions, one here: "# reps: MODE CPU NS". */
	for (i = 0; i < SKBF_KUNIT_ALL_ROWS; i++) {
		const char *line = skbf_kunit_copy_line(test, p);
		char start[48];

		snprintf(start, sizeof(start), "# reps: %s %u ", skbf_kunit_mode_names[i],
			 cpumask_first(cpu_online_mask));
		KUNIT_EXPECT_EQ_MSG(test, strncmp(line, start, strlen(start)), 0, "%s", line);
		KUNIT_EXPECT_EQ_MSG(test, skbf_kunit_fields(line), 5, "%s", line);
		p = strchr(p, '\n');
		KUNIT_ASSERT_NOT_NULL(test, p);
		p++;
	}
	KUNIT_EXPECT_EQ(test, *p, '\0');
}

static const u32 skbf_kunit_latencies[] = { 0, 1 };

KUNIT_ARRAY_PARAM(skbf_latencies, skbf_kunit_latencies, skbf_kunit_u32_desc);

static struct kunit_case skbf_run_cases[] = {
	KUNIT_CASE_PARAM(run_mode_test, skbf_run_modes_gen_params),
	KUNIT_CASE(run_all_modes_test),
	KUNIT_CASE_PARAM(run_batch_test, skbf_batches_gen_params),
	KUNIT_CASE(run_cpus_all_test),
	KUNIT_CASE(lat_gap_test),
	KUNIT_CASE_PARAM(run_latency_test, skbf_lat_batches_gen_params),
	KUNIT_CASE(run_warmup_test),
	KUNIT_CASE(run_stop_test),
	KUNIT_CASE(run_stop_batch_test),
	KUNIT_CASE(run_busy_test),
	KUNIT_CASE_PARAM(run_fail_every_test, skbf_run_modes_gen_params),
	KUNIT_CASE(run_fail_batch_test),
	KUNIT_CASE(run_fail_all_test),
	KUNIT_CASE(run_no_dev_test),
	KUNIT_CASE(run_offline_cpu_test),
	KUNIT_CASE(run_free_cpu_measuring_test),
	KUNIT_CASE(run_memory_bound_test),
	KUNIT_CASE(run_writer_rule_test),
	KUNIT_CASE(run_pmu_test),
	KUNIT_CASE(run_empty_floor_test),
	KUNIT_CASE_PARAM(run_free_cpu_test, skbf_run_modes_gen_params),
	KUNIT_CASE(run_free_cpus_test),
	KUNIT_CASE(run_free_cpu_full_test),
	KUNIT_CASE(run_free_cpu_clone_test),
	KUNIT_CASE(run_net_softirq_test),
	KUNIT_CASE(run_sleep_test),
	KUNIT_CASE(run_free_cpu_stop_test),
	KUNIT_CASE(run_page_pool_recycle_test),
	KUNIT_CASE_PARAM(run_results_text_test, skbf_latencies_gen_params),
	{}
};

static struct kunit_suite skbf_run_suite = {
	.name = "skbfactory_run",
	.init = skbf_kunit_init,
	.exit = skbf_kunit_exit,
	.test_cases = skbf_run_cases,
};

/* ---- A run's lifetime: the NIC going away, a CPU going offline, BH-off time ---- */

static netdev_tx_t skbf_kunit_xmit(struct sk_buff *skb, struct net_device *dev)
{
	consume_skb(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops skbf_kunit_netdev_ops = {
	.ndo_start_xmit = skbf_kunit_xmit,
};

/* A registered Ethernet netdev without an IRQ, for a case to unregister. */
struct skbf_kunit_nic {
	struct net_device *dev;
	bool registered;
};

static void skbf_kunit_nic_free(void *arg)
{
	struct skbf_kunit_nic *n = arg;

	if (n->registered)
		unregister_netdev(n->dev);
	free_netdev(n->dev);
}

static struct skbf_kunit_nic *skbf_kunit_nic_new(struct kunit *test)
{
	struct skbf_kunit_nic *n = kunit_kzalloc(test, sizeof(*n), GFP_KERNEL);
	int err;

	KUNIT_ASSERT_NOT_NULL(test, n);
	n->dev = alloc_netdev(0, "skbfk%d", NET_NAME_ENUM, ether_setup);
	KUNIT_ASSERT_NOT_NULL(test, n->dev);
	n->dev->netdev_ops = &skbf_kunit_netdev_ops;
	eth_hw_addr_random(n->dev);
	err = register_netdev(n->dev);
	if (err)
		free_netdev(n->dev);
	KUNIT_ASSERT_EQ(test, err, 0);
	n->registered = true;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, skbf_kunit_nic_free, n), 0);
	return n;
}

static const enum skbf_mode skbf_kunit_nic_modes[] = {
	SKBF_NETDEV_ALLOC_SKB, SKBF_ALLOC_SKB,
};

KUNIT_ARRAY_PARAM(skbf_nic_modes, skbf_kunit_nic_modes, skbf_kunit_mode_desc);

/*
 * The NIC of a run is unregistered (a driver unloading, ip link del):
 * unregistration does not wait on the run.  A mode that uses the NIC stops
 * with -ENODEV; one that only looked it up goes on.
 */
static void lifetime_netdev_test(struct kunit *test)
{
	const enum skbf_mode *mode = test->param_value;
	struct skbf_kunit_nic *n = skbf_kunit_nic_new(test);
	struct skbf_kunit_stats st;
	struct skbf_kunit_bg *bg;
	struct skbf_run *run;
	char config[64];
	u64 t0, t1;
	s64 from;

	snprintf(config, sizeof(config), "mode=%s dev=%s", skbf_kunit_mode_names[*mode],
		 n->dev->name);
	run = skbf_kunit_long_run(test, config);
	skbf_kunit_stats(test, &st);
	bg = skbf_kunit_bg_start(test, run);
	skbf_kunit_bg_until(test, bg, st.allocated, 20);
	from = skbf_kunit_stat(test, "skbs_allocated");
	t0 = ktime_get_ns();
	unregister_netdev(n->dev);
	n->registered = false;
	t1 = ktime_get_ns();
	kunit_info(test, "unregister_netdev took %llu us\n", div_u64(t1 - t0, NSEC_PER_USEC));
	/* it does not wait for the run (a NAPI mode's goes on meanwhile) */
	skbf_kunit_expect_little(test, bg, from, 5, "while unregister_netdev ran");
	if (*mode == SKBF_NETDEV_ALLOC_SKB) {
		skbf_kunit_bg_expect(test, bg, from, t0, -ENODEV);
		KUNIT_EXPECT_NOT_NULL(test, strstr(bg->run->stop_why, n->dev->name));
		KUNIT_EXPECT_NOT_NULL(test, strstr(bg->run->stop_why, "went away"));
	} else {
		msleep(50);
		KUNIT_EXPECT_FALSE(test, completion_done(&bg->done));
		skbf_kunit_bg_stop(test, bg);
	}
}

/* How a CPU of a run is used: measuring, measuring in NAPI, releasing. */
struct skbf_kunit_hotplug {
	const char *config;	/* %u: the CPU going offline; %u: the other */
	const char *desc;
};

static const struct skbf_kunit_hotplug skbf_kunit_hotplugs[] = {
	{ "mode=alloc_skb cpu=%u", "measuring" },
	{ "mode=napi_alloc_skb cpu=%u", "measuring in a NAPI poll" },
	{ "mode=alloc_skb free_cpu=%u cpu=%u", "releasing" },
};

static void skbf_kunit_hotplug_desc(const struct skbf_kunit_hotplug *p, char *desc)
{
	strscpy(desc, p->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(skbf_hotplugs, skbf_kunit_hotplugs, skbf_kunit_hotplug_desc);

static void skbf_kunit_add_cpu(void *arg)
{
	add_cpu((unsigned long)arg);
}

/*
 * A CPU of a run goes offline: offlining waits about a chunk, not for the
 * run, and the run stops with -EAGAIN rather than go on elsewhere under
 * the CPU's name.  The CPU back, the next run on it works.
 */
static void lifetime_cpu_offline_test(struct kunit *test)
{
	const struct skbf_kunit_hotplug *p = test->param_value;
	unsigned int cpu = cpumask_last(cpu_online_mask);
	unsigned int other = cpumask_first(cpu_online_mask);
	struct skbf_kunit_stats st;
	struct skbf_kunit_bg *bg;
	struct skbf_run *run;
	char config[64];
	u64 t0, t1;
	s64 from;
	int err;

	if (!IS_ENABLED(CONFIG_HOTPLUG_CPU) || num_online_cpus() < 2)
		kunit_skip(test, "needs CPU hotplug and two CPUs (UML has one)");
	snprintf(config, sizeof(config), p->config, cpu, other);
	run = skbf_kunit_long_run(test, config);
	skbf_kunit_stats(test, &st);
	bg = skbf_kunit_bg_start(test, run);
	skbf_kunit_bg_until(test, bg, st.allocated, 20);
	from = skbf_kunit_stat(test, "skbs_allocated");
	t0 = ktime_get_ns();
	err = remove_cpu(cpu);
	t1 = ktime_get_ns();
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "remove_cpu(%u)", cpu);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, skbf_kunit_add_cpu,
							(void *)(unsigned long)cpu), 0);
	kunit_info(test, "cpu %u offline in %llu us\n", cpu, div_u64(t1 - t0, NSEC_PER_USEC));
	skbf_kunit_expect_little(test, bg, from, 5, "while the CPU went offline");
	skbf_kunit_bg_expect(test, bg, from, t0, -EAGAIN);
	snprintf(config, sizeof(config), "cpu %u went offline", cpu);
	KUNIT_EXPECT_STREQ(test, bg->run->stop_why, config);

	kunit_release_action(test, skbf_kunit_add_cpu, (void *)(unsigned long)cpu);
	KUNIT_ASSERT_TRUE(test, cpu_online(cpu));
	run = skbf_kunit_run(test, "mode=alloc_skb count=50 repeat=1 cpu=%u", cpu);
	KUNIT_EXPECT_EQ(test, skbf_kunit_exec(test, run), 0);
}

/* How allocations fail: every Nth, or in bursts of N failures and N successes. */
struct skbf_kunit_faults {
	u32 every;
	bool burst;
};

static const struct skbf_kunit_faults skbf_kunit_faults[] = {
	{ 1 }, { 2 }, { 3 }, { 64, true }, { 1000, true },
};

static void skbf_kunit_faults_desc(const struct skbf_kunit_faults *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s %u", p->burst ? "bursts of" : "every", p->every);
}

KUNIT_ARRAY_PARAM(skbf_faults, skbf_kunit_faults, skbf_kunit_faults_desc);

/*
 * BH-off time is bounded by the clock, not by a step count predicted from
 * earlier chunks, so failures (far cheaper than allocations) do not
 * stretch a chunk, nor does the switch from failing to succeeding that a
 * burst brings.  A chunk ends at the first clock read past 1 ms, a block
 * of steps (about 100 us) apart, plus an op: under KASAN an op of
 * napi_alloc_skb can take a millisecond (a flush of the NAPI skb cache).
 * A chunk whose length a count predicted from cheap failures set would
 * last tens of milliseconds once allocations succeed again; the median
 * chunk stays under 5 ms.  Alone, x86_64 under KASAN and TCG measured
 * 1.05 to 1.35 ms; beside other guests the host's stalls make chunks
 * look long, and medians from 1.05 to 2.75 ms came in turn, with or
 * without failures (so no bound relative to a run without them holds
 * either).  The exact bound is the seam's (known_chunk_length).
 */
static void lifetime_bh_bound_test(struct kunit *test)
{
	const struct skbf_kunit_faults *p = test->param_value;
	const struct skbf_results *res;
	struct skbf_run *run;

	/*
	 * Batches of 64 would fill and flush the NAPI skb cache in one free:
	 * a single op of milliseconds under KASAN, the kernel's, not a chunk's.
	 */
	run = skbf_kunit_run(test, "mode=napi_alloc_skb count=3000 repeat=1 batch=%u",
			     p->burst ? 1 : 64);
	run->fail_every = p->every;
	run->fail_burst = p->burst;
	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	res = run->res;
	kunit_info(test, "%llu chunks with BH off: median %llu us, the longest %llu us, %llu over %d us\n",
		   res->bh_chunks, div_u64(res->bh_median_ns, 1000),
		   div_u64(res->bh_longest_ns, 1000), res->bh_over, SKBF_CHUNK_MAX_NS / 1000);
	KUNIT_EXPECT_GT(test, res->bh_chunks, 0);
	KUNIT_EXPECT_LE(test, res->bh_median_ns, 5 * NSEC_PER_MSEC);
}

static struct kunit_case skbf_lifetime_cases[] = {
	KUNIT_CASE_PARAM(lifetime_netdev_test, skbf_nic_modes_gen_params),
	KUNIT_CASE_PARAM(lifetime_cpu_offline_test, skbf_hotplugs_gen_params),
	KUNIT_CASE_PARAM(lifetime_bh_bound_test, skbf_faults_gen_params),
	{}
};

static struct kunit_suite skbf_lifetime_suite = {
	.name = "skbfactory_lifetime",
	.init = skbf_kunit_init,
	.exit = skbf_kunit_exit,
	.test_cases = skbf_lifetime_cases,
};

/* ---- Text: results, layout, stats ---- */

/* Results of two CPUs and their sum, as a run would leave them. */
static struct skbf_results *skbf_kunit_results(struct kunit *test)
{
	struct skbf_results *res = kunit_kzalloc(test, struct_size(res, rows, 3), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, res);
	skbf_config_reset(&res->cfg);
	res->cfg.mode = SKBF_NAPI_ALLOC_SKB;
	res->where.rule = SKBF_RULE_LIST;
	res->where.irq = -1;
	res->cpus = "0-1";
	res->timer_ns = 40;
	res->pmu_err = -ENOENT;
	res->overlap_pct = 97;
	res->bh_chunks = 100;
	res->bh_longest_ns = 1100 * NSEC_PER_USEC;
	res->bh_median_ns = 1050 * NSEC_PER_USEC;
	res->nr_rows = 3;
	res->rows[0] = (struct skbf_row){
		.mode = SKBF_NAPI_ALLOC_SKB, .cpu = 0, .ctx = { 0, 100 }, .ops = 1000000,
		.fails = 2, .ns_x100 = 12345, .ns_all_x100 = 12400, .ns_min_x100 = 12000,
		.ns_max_x100 = 13005,
		.cv_x100 = 321, .alloc_x100 = -1, .free_x100 = -1, .ops_per_sec = 810044,
		.tsc_x100 = 25050, .cycles_x100 = -1, .ipc_x100 = -1, .irqs = 12,
		.lat_samples = 15625, .p50_ns = 120, .p99_ns = 340, .p999_ns = 5600,
	};
	res->rows[1] = (struct skbf_row){
		.mode = SKBF_NAPI_ALLOC_SKB, .cpu = 1, .ctx = { 0, 90 }, .ops = 1000000,
		.ns_x100 = 20000, .ns_all_x100 = 21050, .ns_min_x100 = 19999, .ns_max_x100 = 20001,
		.cv_x100 = 5,
		.alloc_x100 = -1, .free_x100 = -1, .ops_per_sec = 500000, .tsc_x100 = 40000,
		.cycles_x100 = 45678, .ipc_x100 = 125, .csw = 1, .irqs = 7, .dropped = 1,
		.lat_samples = 15625, .p50_ns = 7, .p99_ns = 8, .p999_ns = 9,
	};
	res->rows[2] = (struct skbf_row){
		.mode = SKBF_NAPI_ALLOC_SKB, .cpu = -1, .ops = 2000000, .fails = 2,
		.ns_x100 = -1, .ns_all_x100 = -1, .ns_min_x100 = -1, .ns_max_x100 = -1,
		.cv_x100 = -1, .alloc_x100 = -1, .free_x100 = -1, .ops_per_sec = 1310044,
		.tsc_x100 = -1, .cycles_x100 = -1, .ipc_x100 = -1, .csw = 1, .irqs = 19,
		.dropped = 1,
	};
	return res;
}

/* The environment lines every results text starts with. */
static void skbf_kunit_expect_env(struct kunit *test, const char *text)
{
	static const char *const prefixes[] = {
		"# version: skbfactory ", "# machine: ", "# allocator: init_on_alloc=",
	};
	char kernel[96];
	size_t i;

	KUNIT_EXPECT_EQ(test, strncmp(text, "# skbfactory results\n", 21), 0);
	snprintf(kernel, sizeof(kernel), "# kernel: %s, preempt=", init_utsname()->release);
	KUNIT_EXPECT_NOT_NULL_MSG(test, skbf_kunit_line(text, kernel), "%s", text);
	for (i = 0; i < ARRAY_SIZE(prefixes); i++)
		KUNIT_EXPECT_NOT_NULL_MSG(test, skbf_kunit_line(text, prefixes[i]), "%s",
					  prefixes[i]);
}

/* Before any run: comment lines only. */
static void results_before_run_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;
	const char *text, *p;

	skbf_results_show(&ctx->s, NULL);
	text = skbf_kunit_str(test, &ctx->s);
	KUNIT_EXPECT_GT(test, strlen(text), 0);
	for (p = text; *p; p += *p ? 1 : 0) {
		KUNIT_EXPECT_EQ_MSG(test, *p, '#', "%s", text);
		p = strchrnul(p, '\n');
	}
	skbf_kunit_expect_env(test, text);
	KUNIT_EXPECT_TRUE(test, skbf_kunit_has_line(text, "# runs: none yet; write 1 to run"));
}

static void results_comments_test(struct kunit *test)
{
	static const char *const want[] = {
		"# nic: none",
		"# nic_irq: none",
		"# cpu_list: 0-1",
		"# cpu_rule: list: the CPUs cpu= names, concurrently",
		"# config: mode=napi_alloc_skb size=1500 headroom=14 put=100 count=200000 repeat=5 warmup=1 batch=1 cpu=nic free_cpu=same dev= latency=0 cal_alloc_ns=2000 cal_free_ns=1000 release=one alloc=one node=any",
		"# bh_off: 100 chunks in softirq, median 1050 us, the longest 1100 us, 0 over the 2000 us bound (a vCPU its host stalls makes a chunk look long)",
	};
	struct skbf_kunit *ctx = test->priv;
	struct skbf_results *res = skbf_kunit_results(test);
	const char *text, *line;

	skbf_results_show(&ctx->s, res);
	text = skbf_kunit_str(test, &ctx->s);
	skbf_kunit_expect_env(test, text);
	skbf_kunit_expect_lines(test, text, want, ARRAY_SIZE(want));
	line = skbf_kunit_copy_line(test, skbf_kunit_line(text, "# timing: "));
	KUNIT_EXPECT_NOT_NULL(test, strstr(line, "the median of 5 repetitions after 1 warmup"));
	line = skbf_kunit_copy_line(test, skbf_kunit_line(text, "# counters: "));
	KUNIT_EXPECT_NOT_NULL(test, strstr(line, "need the PMU"));
	line = skbf_kunit_copy_line(test, skbf_kunit_line(text, "# concurrency: "));
	KUNIT_EXPECT_NOT_NULL(test, strstr(line, "97%"));
	KUNIT_EXPECT_NULL(test, skbf_kunit_line(text, "# latency: "));
	KUNIT_EXPECT_NULL(test, skbf_kunit_line(text, "# free_cpu: "));
	KUNIT_EXPECT_NULL(test, skbf_kunit_line(text, "# page_pool: "));
	KUNIT_EXPECT_FALSE_MSG(test, skbf_kunit_has_pointer(text), "%s", text);

	res->pmu_err = 0;
	seq_buf_clear(&ctx->s);
	skbf_results_show(&ctx->s, res);
	line = skbf_kunit_line(skbf_kunit_str(test, &ctx->s), "# counters: ");
	KUNIT_EXPECT_NOT_NULL(test, strstr(skbf_kunit_copy_line(test, line), "from the PMU"));
}

/* The NIC's name, driver, IRQ and threaded-NAPI setting. */
static void results_nic_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;
	struct skbf_results *res = skbf_kunit_results(test);
	const char *text;

	strscpy(res->where.nic, "eth0", sizeof(res->where.nic));
	strscpy(res->where.driver, "virtio_net", sizeof(res->where.driver));
	res->where.ifindex = 2;
	res->where.irq = 25;
	strscpy(res->where.irq_name, "virtio0-input.0", sizeof(res->where.irq_name));
	res->where.rule = SKBF_RULE_NIC_IRQ;
	skbf_results_show(&ctx->s, res);
	text = skbf_kunit_str(test, &ctx->s);
	skbf_kunit_expect_line(test, text,
			       "# nic: eth0 (virtio_net, ifindex 2); threaded NAPI: off: its polls run on its IRQ's CPU");
	KUNIT_EXPECT_TRUE(test, skbf_kunit_has_line(text, "# nic_irq: 25 virtio0-input.0"));
	KUNIT_EXPECT_NOT_NULL(test, skbf_kunit_line(text, "# cpu_rule: nic-irq: "));

	res->where.threaded = true;
	seq_buf_clear(&ctx->s);
	skbf_results_show(&ctx->s, res);
	text = skbf_kunit_str(test, &ctx->s);
	KUNIT_EXPECT_NOT_NULL(test, skbf_kunit_line(text, "# nic: eth0 (virtio_net, ifindex 2); "
						    "threaded NAPI: on: "));
}

/* Each rule is named first in its cpu_rule line. */
static void results_rules_test(struct kunit *test)
{
	static const char *const names[] = {
		[SKBF_RULE_NIC_NAPI] = "# cpu_rule: nic-napi: ",
		[SKBF_RULE_NIC_IRQ] = "# cpu_rule: nic-irq: ",
		[SKBF_RULE_NIC_NODE] = "# cpu_rule: nic-node: ",
		[SKBF_RULE_WRITER] = "# cpu_rule: writer: ",
		[SKBF_RULE_LIST] = "# cpu_rule: list: ",
		[SKBF_RULE_ALL] = "# cpu_rule: all: ",
	};
	struct skbf_kunit *ctx = test->priv;
	struct skbf_results *res = skbf_kunit_results(test);
	unsigned int rule;

	for (rule = 0; rule < ARRAY_SIZE(names); rule++) {
		res->where.rule = rule;
		seq_buf_clear(&ctx->s);
		skbf_results_show(&ctx->s, res);
		KUNIT_EXPECT_NOT_NULL_MSG(test, skbf_kunit_line(skbf_kunit_str(test, &ctx->s),
								names[rule]), "%s", names[rule]);
	}
}

#define SKBF_KUNIT_HEADER "mode cpu free_cpu ctx size headroom put batch count repeat warmup ns_per_op ns_all ns_min ns_max cv_pct alloc_ns free_ns ops_per_sec tsc_per_op cycles_per_op ipc csw irqs dropped_chunks fails"

/* The header row and the rows, each field where the header says. */
static void results_rows_test(struct kunit *test)
{
	static const char *const want[] = {
		SKBF_KUNIT_HEADER,
		"napi_alloc_skb 0 same softirq 1500 14 100 1 200000 5 1 123.45 124.00 120.00 130.05 3.21 - - 810044 250.50 - - 0 12 0 2",
		"napi_alloc_skb 1 same softirq 1500 14 100 1 200000 5 1 200.00 210.50 199.99 200.01 0.05 - - 500000 400.00 456.78 1.25 1 7 1 0",
		"napi_alloc_skb sum same - 1500 14 100 1 200000 5 1 - - - - - - - 1310044 - - - 1 19 1 2",
	};
	struct skbf_kunit *ctx = test->priv;
	struct skbf_results *res = skbf_kunit_results(test);
	const char *text;

	skbf_results_show(&ctx->s, res);
	text = skbf_kunit_str(test, &ctx->s);
	skbf_kunit_expect_lines(test, text, want, ARRAY_SIZE(want));
	KUNIT_EXPECT_EQ(test, skbf_kunit_count(text, "napi_alloc_skb "), 3);
	KUNIT_EXPECT_EQ(test, skbf_kunit_count(text, "mode "), 1);
	KUNIT_EXPECT_NULL(test, strstr(text, "p50_ns"));
}

/* ctx says where the kept chunks ran: task, softirq or mixed. */
static void results_ctx_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;
	struct skbf_results *res = skbf_kunit_results(test);
	const char *text;

	res->rows[0].ctx[0] = 5;
	res->rows[1].ctx[1] = 0;
	res->rows[1].ctx[0] = 7;
	skbf_results_show(&ctx->s, res);
	text = skbf_kunit_str(test, &ctx->s);
	KUNIT_EXPECT_NOT_NULL(test, skbf_kunit_line(text, "napi_alloc_skb 0 same mixed "));
	KUNIT_EXPECT_NOT_NULL(test, skbf_kunit_line(text, "napi_alloc_skb 1 same task "));
}

/* 40 ns a pair of timer reads, 2 pairs a sample, one sample in 64 ops. */
#define SKBF_KUNIT_LAT_COST "a pair of reads costs 40 ns, so a sample reads up to 80 ns high and sampling adds about 1.25 ns per op"

/* latency=1: four more columns, and a comment on what sampling costs. */
static void results_latency_test(struct kunit *test)
{
	static const char *const want[] = {
		SKBF_KUNIT_HEADER " p50_ns p99_ns p999_ns lat_samples",
		"napi_alloc_skb 0 same softirq 1500 14 100 1 200000 5 1 123.45 124.00 120.00 130.05 3.21 - - 810044 250.50 - - 0 12 0 2 120 340 5600 15625",
		"napi_alloc_skb sum same - 1500 14 100 1 200000 5 1 - - - - - - - 1310044 - - - 1 19 1 2 - - - -",
	};
	struct skbf_kunit *ctx = test->priv;
	struct skbf_results *res = skbf_kunit_results(test);
	const char *text, *p;

	res->cfg.latency = 1;
	skbf_results_show(&ctx->s, res);
	text = skbf_kunit_str(test, &ctx->s);
	skbf_kunit_expect_lines(test, text, want, ARRAY_SIZE(want));
	p = skbf_kunit_line(text,
			    "# latency: 1 op in 64 on average (random gaps) timed alone with ");
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_NOT_NULL(test, strstr(skbf_kunit_copy_line(test, p), SKBF_KUNIT_LAT_COST));
}

/* free_cpu: the column, and who released how many. */
static void results_free_cpu_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;
	struct skbf_results *res = skbf_kunit_results(test);
	const char *text;
	char want[300];

	struct skbf_free_row f = {
		.mode = SKBF_NAPI_ALLOC_SKB, .cpu = 1, .released = 1000, .ns = 7000, .n = 900,
		.batches = 20, .dropped = 2, .ring_full = 3,
	};

	strscpy(res->cfg.free_cpu, "1", sizeof(res->cfg.free_cpu));
	res->where.nr_free = 1;
	res->where.free_cpus[0] = 1;
	res->released_remote = 1000;
	res->ring_full = 3;
	res->cons_batches = 20;
	res->cons_dropped = 2;
	res->frees = &f;
	res->nr_frees = 1;
	skbf_results_show(&ctx->s, res);
	text = skbf_kunit_str(test, &ctx->s);
	snprintf(want, sizeof(want),
		 "# free_cpu: 1 released 1000 objects with consume_skb() (the kernel exports no skb_attempt_defer_free); free_ns is its busy time per object, over 18 of its 20 batches (the others left out as chunks are); the ring of %d was full 3 times",
		 SKBF_RING);
	KUNIT_EXPECT_TRUE_MSG(test, skbf_kunit_has_line(text, want), "%s", text);
	/* 7000 ns over 900 objects: 7.77 */
	skbf_kunit_expect_line(test, text,
			       "# free_cpus: mode=napi_alloc_skb cpu=1 released=1000 free_ns=7.77 ring_full=3 batches=20 dropped=2");
	KUNIT_EXPECT_NOT_NULL(test, skbf_kunit_line(text, "napi_alloc_skb 0 1 softirq "));
}

/*
 * Two releasing CPUs: the line of them together, then each, in each mode;
 * a CPU none of whose batches was timed has no free_ns.
 */
static void results_free_cpus_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;
	struct skbf_results *res = skbf_kunit_results(test);
	struct skbf_free_row f[3] = {
		{ .mode = SKBF_ALLOC_SKB, .cpu = 2, .released = 300, .ns = 210000, .n = 300,
		  .batches = 5, .ring_full = 4 },
		{ .mode = SKBF_ALLOC_SKB, .cpu = 3, .released = 300, .batches = 5, .dropped = 5 },
		{ .mode = SKBF_PAGE_POOL, .cpu = 2, .released = 40, .ns = 100, .n = 40,
		  .batches = 1 },
	};
	const char *text;

	strscpy(res->cfg.free_cpu, "2-3", sizeof(res->cfg.free_cpu));
	res->where.nr_free = 2;
	res->released_remote = 640;
	res->ring_full = 4;
	res->cons_batches = 11;
	res->cons_dropped = 5;
	res->frees = f;
	res->nr_frees = 3;
	skbf_results_show(&ctx->s, res);
	text = skbf_kunit_str(test, &ctx->s);
	skbf_kunit_expect_line(test, text,
			       "# free_cpu: 2-3 released 640 objects with consume_skb() (the kernel exports no skb_attempt_defer_free); free_ns is their busy time per object, over 6 of their 11 batches (the others left out as chunks are); each measuring CPU hands its objects to these 2 CPUs in turn, a ring of 512 to each; the rings were full 4 times");
	skbf_kunit_expect_line(test, text,
			       "# free_cpus: mode=alloc_skb cpu=2 released=300 free_ns=700.00 ring_full=4 batches=5 dropped=0; mode=alloc_skb cpu=3 released=300 free_ns=- ring_full=0 batches=5 dropped=5; mode=page_pool cpu=2 released=40 free_ns=2.50 ring_full=0 batches=1 dropped=0");
	KUNIT_EXPECT_NOT_NULL(test, skbf_kunit_line(text, "napi_alloc_skb 0 2-3 softirq "));
}

/* page_pool: the pool's own counters, or why there are none. */
static void results_page_pool_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;
	struct skbf_results *res = skbf_kunit_results(test);

	res->cfg.mode = SKBF_PAGE_POOL;
	skbf_results_show(&ctx->s, res);
	skbf_kunit_expect_line(test, skbf_kunit_str(test, &ctx->s),
			       "# page_pool: recycling counts need CONFIG_PAGE_POOL_STATS, off in this kernel");
	res->pp_stats = true;
	res->pp.fast = 1;
	res->pp.slow = 2;
	res->pp.slow_high_order = 3;
	res->pp.refill = 4;
	res->pp.recycled_cached = 5;
	res->pp.recycled_ring = 6;
	res->pp.released = 7;
	seq_buf_clear(&ctx->s);
	skbf_results_show(&ctx->s, res);
	skbf_kunit_expect_line(test, skbf_kunit_str(test, &ctx->s),
			       "# page_pool: page_pool_get_stats over the run: alloc fast=1 slow=2 slow_high_order=3 refill=4; recycle cached=5 ring=6 released_refcnt=7");
}

/* The "name: value" pairs after a step's name, two spaces apart. */
static void skbf_kunit_expect_pairs(struct kunit *test, const char *line)
{
	const char *p = strstr(line, "  ");

	KUNIT_ASSERT_NOT_NULL_MSG(test, p, "%s", line);
	while (p) {
		const char *next = strstr(p + 2, "  ");
		const char *colon = strnstr(p + 2, ": ", (next ?: p + strlen(p)) - p);

		KUNIT_EXPECT_NOT_NULL_MSG(test, colon, "not name: value in \"%s\"", line);
		p = next;
	}
}

/* The value of "name: V" or "name: A -> V" on the line of step @step. */
static long skbf_kunit_step_value(struct kunit *test, const char *text, const char *step,
				  const char *name)
{
	const char *line, *p;
	char key[32], num[24];
	long a, v;
	size_t n;

	line = skbf_kunit_line(text, step);
	KUNIT_ASSERT_NOT_NULL_MSG(test, line, "no step %s", step);
	line = skbf_kunit_copy_line(test, line);
	snprintf(key, sizeof(key), "  %s: ", name);
	p = strstr(line, key);
	KUNIT_ASSERT_NOT_NULL_MSG(test, p, "no %s on \"%s\"", name, line);
	p += strlen(key);
	if (sscanf(p, "%ld -> %ld", &a, &v) == 2)
		return v;
	n = strcspn(p, " ");
	KUNIT_ASSERT_LT(test, n, sizeof(num));
	memcpy(num, p, n);
	num[n] = '\0';
	KUNIT_ASSERT_EQ(test, kstrtol(num, 10, &v), 0);
	return v;
}

/* Every mode's layout: its steps, in the format scripts parse. */
static void layout_mode_test(struct kunit *test)
{
	static const char *const steps[] = {
		"skb_reserve(14)", "skb_put(100)", "skb_push(14)", "skb_pull(14)", "skb_cow_head(",
		"skb_get", "consume_skb",
	};
	const enum skbf_mode *mode = test->param_value;
	struct skbf_kunit *ctx = test->priv;
	struct skbf_kunit_stats st;
	const char *text, *p;
	char head[96];
	size_t i;

	snprintf(head, sizeof(head), "mode=%s", skbf_kunit_mode_names[*mode]);
	skbf_kunit_set(test, head);
	skbf_kunit_stats(test, &st);
	KUNIT_ASSERT_EQ(test, skbf_layout_show(&ctx->s, &ctx->cfg), 0);
	text = skbf_kunit_str(test, &ctx->s);
	KUNIT_EXPECT_FALSE_MSG(test, skbf_kunit_has_pointer(text), "%s", text);
	snprintf(head, sizeof(head), "# layout: mode=%s size=1500 headroom=14 put=100",
		 skbf_kunit_mode_names[*mode]);
	KUNIT_EXPECT_TRUE_MSG(test, skbf_kunit_has_line(text, head), "%s", text);
	if (!skbf_kunit_makes_skbs(*mode)) {
		KUNIT_EXPECT_NOT_NULL(test, skbf_kunit_line(text, *mode == SKBF_KMALLOC_FLOOR ?
							    "# no sk_buff: " : "# nothing: "));
		skbf_kunit_expect_moved(test, &st, 0, 0);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(steps); i++)
		KUNIT_EXPECT_NOT_NULL_MSG(test, skbf_kunit_line(text, steps[i]), "no %s in\n%s",
					  steps[i], text);
	/* Half the payload trimmed: the paged part goes with pskb_trim(). */
	KUNIT_EXPECT_NOT_NULL(test, skbf_kunit_line(text, *mode == SKBF_ALLOC_SKB_WITH_FRAGS ?
						    "pskb_trim(743)" : "skb_trim(50)"));
	KUNIT_EXPECT_NOT_NULL(test, skbf_kunit_line(text, "to scale ("));
	KUNIT_EXPECT_NOT_NULL(test, skbf_kunit_line(text, "  sk_buff: "));
	KUNIT_EXPECT_NOT_NULL(test, skbf_kunit_line(text, "  truesize: "));
	KUNIT_EXPECT_GE(test, skbf_kunit_count(text, "consume_skb"), 2);
	/* Step lines (not comments, drawings or indented notes) are pairs. */
	for (p = text; *p; p = *p ? p + 1 : p) {
		const char *line = skbf_kunit_copy_line(test, p);

		if (*line != '#' && *line != ' ' && *line != '|' && strncmp(line, "to scale", 8))
			skbf_kunit_expect_pairs(test, line);
		p = strchrnul(p, '\n');
	}
	/* Every skb made is released: the parent of skb_clone's too. */
	skbf_kunit_expect_moved(test, &st, *mode == SKBF_SKB_CLONE ? 2 : 1, 0);
}

/* alloc_skb with the defaults: what alloc_skb() itself makes, exactly. */
static void layout_alloc_skb_test(struct kunit *test)
{
	unsigned int shinfo = SKBF_KUNIT_SHINFO, sk = SKB_DATA_ALIGN(sizeof(struct sk_buff));
	struct skbf_kunit *ctx = test->priv;
	unsigned int end, truesize, object;
	const char *text, *line;
	struct sk_buff *skb;
	char want[256];

	skb = alloc_skb(1500, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	end = skb_end_offset(skb);
	truesize = skb->truesize;
	consume_skb(skb);
	object = end + shinfo;
	KUNIT_ASSERT_EQ(test, skbf_layout_show(&ctx->s, &ctx->cfg), 0);
	text = skbf_kunit_str(test, &ctx->s);
	snprintf(want, sizeof(want),
		 "alloc_skb(1500)  data: 0  tail: 0  end: %u  len: 0  data_len: 0  headroom: 0  tailroom: %u  nr_frags: 0  users: 1  dataref: 1  cloned: 0  head_frag: 0  truesize: %u",
		 end, end, truesize);
	KUNIT_EXPECT_TRUE_MSG(test, skbf_kunit_has_line(text, want), "%s\n%s", want, text);
	snprintf(want, sizeof(want),
		 "  sk_buff: skbuff_head_cache (%zu bytes)  head: kmalloc-%uk (%u bytes)  skb_shared_info: at end, %u bytes",
		 sizeof(struct sk_buff), object / 1024, object, shinfo);
	KUNIT_EXPECT_TRUE_MSG(test, skbf_kunit_has_line(text, want), "%s", want);
	snprintf(want, sizeof(want), "  truesize: %u = sk_buff %u + head %u", truesize, sk, object);
	KUNIT_EXPECT_TRUE_MSG(test, skbf_kunit_has_line(text, want), "%s", want);
	snprintf(want, sizeof(want),
		 "skb_reserve(14)  data: 0 -> 14  tail: 0 -> 14  headroom: 0 -> 14  tailroom: %u -> %u",
		 end, end - 14);
	KUNIT_EXPECT_TRUE_MSG(test, skbf_kunit_has_line(text, want), "%s", want);
	snprintf(want, sizeof(want),
		 "skb_put(100)  tail: 14 -> 114  len: 0 -> 100  tailroom: %u -> %u",
		 end - 14, end - 114);
	KUNIT_EXPECT_TRUE_MSG(test, skbf_kunit_has_line(text, want), "%s", want);
	skbf_kunit_expect_line(test, text, "skb_get  users: 1 -> 2");
	skbf_kunit_expect_line(test, text, "consume_skb  users: 2 -> 1");
	skbf_kunit_expect_line(test, text, "consume_skb  users: 1 -> 0  freed: yes");
	/* More headroom than there is: a new head, the data moved. */
	line = skbf_kunit_copy_line(test, skbf_kunit_line(text, "skb_cow_head("));
	KUNIT_EXPECT_NOT_NULL(test, strstr(line, "  head: reallocated  data: "));
}

/* Below 14 bytes of headroom there is no push or pull, and it says why. */
static void layout_no_push_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;
	const char *text;

	skbf_kunit_set(test, "headroom=13");
	KUNIT_ASSERT_EQ(test, skbf_layout_show(&ctx->s, &ctx->cfg), 0);
	text = skbf_kunit_str(test, &ctx->s);
	skbf_kunit_expect_line(test, text, "skb_push(14)  skipped: headroom 13 < 14 would panic");
	KUNIT_EXPECT_NULL(test, skbf_kunit_line(text, "skb_pull(14)"));
}

/* skb_clone: the original shares its buffer; the clone's cow gives it back. */
static void layout_clone_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;
	const char *text;
	char want[96];

	skbf_kunit_set(test, "mode=skb_clone");
	KUNIT_ASSERT_EQ(test, skbf_layout_show(&ctx->s, &ctx->cfg), 0);
	text = skbf_kunit_str(test, &ctx->s);
	skbf_kunit_expect_line(test, text,
			       "skb_clone: the original  dataref: 1 -> 2  cloned: 0 -> 1");
	skbf_kunit_expect_line(test, text,
			       "  shares_head: yes  fclone: clone (the original's companion)");
	KUNIT_EXPECT_EQ(test, skbf_kunit_step_value(test, text, "skb_clone: the clone", "dataref"),
			2);
	KUNIT_EXPECT_EQ(test, skbf_kunit_step_value(test, text, "skb_cow_head(", "dataref"), 1);
	KUNIT_EXPECT_EQ(test, skbf_kunit_step_value(test, text, "skb_cow_head(", "cloned"), 0);
	skbf_kunit_expect_line(test, text, "consume_skb: the original  users: 1 -> 0  freed: yes");
	snprintf(want, sizeof(want),
		 "  sk_buff: skbuff_fclone_cache (%zu bytes: the skb, its companion)",
		 sizeof(struct sk_buff_fclones));
	KUNIT_EXPECT_NOT_NULL(test, skbf_kunit_line(text, want));
}

/* alloc_skb_with_frags: the fragments, their lengths, drawn after the head. */
static void layout_frags_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;
	const char *text, *p;

	skbf_kunit_set(test, "mode=alloc_skb_with_frags size=9000 put=50");
	KUNIT_ASSERT_EQ(test, skbf_layout_show(&ctx->s, &ctx->cfg), 0);
	text = skbf_kunit_str(test, &ctx->s);
	p = skbf_kunit_line(text,
			    "the paged part: len += data_len = 8936  len: 50 -> 8986  data_len: 0 -> 8936");
	KUNIT_EXPECT_NOT_NULL_MSG(test, p, "%s", text);
	p = skbf_kunit_line(text, "  sk_buff: skbuff_head_cache (");
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_NOT_NULL(test, strstr(skbf_kunit_copy_line(test, p), "  frags: "));
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, ", = page fragments 8936"));
	KUNIT_EXPECT_NOT_NULL(test, skbf_kunit_line(text, "pskb_trim(4493)"));
	KUNIT_EXPECT_GT(test,
			skbf_kunit_step_value(test, text, "alloc_skb_with_frags(", "nr_frags"), 0);
}

/* page_pool: a page fragment head, marked head_frag, until the cow. */
static void layout_page_pool_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;
	const char *text;

	skbf_kunit_set(test, "mode=page_pool");
	KUNIT_ASSERT_EQ(test, skbf_layout_show(&ctx->s, &ctx->cfg), 0);
	text = skbf_kunit_str(test, &ctx->s);
	KUNIT_EXPECT_EQ(test, skbf_kunit_step_value(test, text, "napi_build_skb(", "head_frag"), 1);
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, "  head: page_pool page ("));
	KUNIT_EXPECT_EQ(test, skbf_kunit_step_value(test, text, "skb_cow_head(", "head_frag"), 0);
}

/* The drawing: |headroom|data|tailroom|shinfo| in about 64 columns, and its legend. */
static void layout_diagram_test(struct kunit *test)
{
	static const char *const bars[] = { "h", "d", ".", "s" };
	struct skbf_kunit *ctx = test->priv;
	unsigned int total, cols[4], sum = 0, i;
	const char *text, *p;
	int n;

	KUNIT_ASSERT_EQ(test, skbf_layout_show(&ctx->s, &ctx->cfg), 0);
	text = skbf_kunit_str(test, &ctx->s);
	p = skbf_kunit_line(text, "to scale (");
	KUNIT_ASSERT_NOT_NULL(test, p);
	n = sscanf(p, "to scale (%u bytes", &total);
	KUNIT_ASSERT_EQ(test, n, 1);
	p = skbf_kunit_copy_line(test, strchr(p, '\n') + 1);
	KUNIT_ASSERT_EQ(test, *p, '|');
	for (i = 0; i < 4; i++) {
		cols[i] = strspn(p + 1, bars[i]);
		KUNIT_EXPECT_GT(test, cols[i], 0);
		sum += cols[i];
		p += 1 + cols[i];
		KUNIT_ASSERT_EQ(test, *p, '|');
	}
	KUNIT_EXPECT_EQ(test, p[1], '\0');
	KUNIT_EXPECT_LE(test, cols[0], cols[1]);
	KUNIT_EXPECT_LT(test, cols[1], cols[2]);
	KUNIT_EXPECT_GE(test, sum, 60);
	KUNIT_EXPECT_LE(test, sum, 68);
	KUNIT_EXPECT_NOT_NULL(test,
			      skbf_kunit_line(text, " h headroom 14, d data 100, . tailroom "));
}

static const struct skbf_kunit_size skbf_kunit_layout_sizes[] = {
	{ 1, 0, 1 },
	{ 64, 14, 50 },
	{ 1500, 14, 100 },
	{ 9000, 14, 8986 },
	{ 65536, 0, 65536 },
	{ 65536, 65536, 0 },
};

KUNIT_ARRAY_PARAM(skbf_layout_sizes, skbf_kunit_layout_sizes, skbf_kunit_size_desc);

/* For any size: alloc_skb's end and truesize, and what the put step leaves. */
static void layout_sizes_test(struct kunit *test)
{
	const struct skbf_kunit_size *p = test->param_value;
	struct skbf_kunit *ctx = test->priv;
	unsigned int end, truesize;
	char config[64], step[32];
	struct sk_buff *skb;
	const char *text;

	snprintf(config, sizeof(config), "size=%u headroom=%u put=%u", p->size, p->headroom,
		 p->put);
	skbf_kunit_set(test, config);
	skb = alloc_skb(p->size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	end = skb_end_offset(skb);
	truesize = skb->truesize;
	consume_skb(skb);
	KUNIT_ASSERT_EQ(test, skbf_layout_show(&ctx->s, &ctx->cfg), 0);
	text = skbf_kunit_str(test, &ctx->s);
	snprintf(step, sizeof(step), "alloc_skb(%u)", p->size);
	KUNIT_EXPECT_EQ(test, skbf_kunit_step_value(test, text, step, "end"), end);
	KUNIT_EXPECT_EQ(test, skbf_kunit_step_value(test, text, step, "truesize"), truesize);
	if (!p->put)
		return;
	snprintf(step, sizeof(step), "skb_put(%u)", p->put);
	KUNIT_EXPECT_EQ(test, skbf_kunit_step_value(test, text, step, "len"), p->put);
	KUNIT_EXPECT_EQ(test, skbf_kunit_step_value(test, text, step, "tailroom"),
			end - p->headroom - p->put);
	KUNIT_EXPECT_FALSE_MSG(test, skbf_kunit_has_pointer(text), "%s", text);
}

/* mode=all walks every mode in turn. */
static void layout_all_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;
	const char *text;
	unsigned int i;
	char want[80];

	skbf_kunit_set(test, "mode=all");
	KUNIT_ASSERT_EQ(test, skbf_layout_show(&ctx->s, &ctx->cfg), 0);
	text = skbf_kunit_str(test, &ctx->s);
	for (i = 0; i < SKBF_KUNIT_ALL_ROWS; i++) {
		snprintf(want, sizeof(want), "# layout: mode=%s ",
			 skbf_kunit_mode_names[skbf_kunit_run_modes[i]]);
		KUNIT_EXPECT_NOT_NULL_MSG(test, skbf_kunit_line(text, want), "%s", want);
	}
	KUNIT_EXPECT_EQ(test, skbf_kunit_count(text, "# layout: mode="), SKBF_KUNIT_ALL_ROWS);
	KUNIT_EXPECT_NULL(test, skbf_kunit_line(text, "# layout: mode=calibrate "));
}

static void stats_fields_test(struct kunit *test)
{
	static const char *const names[] = {
		"runs: ", "runs_stopped: ", "skbs_allocated: ", "skbs_freed: ",
		"skbs_outstanding: ", "alloc_failures: ", "last_error: ", "running: ",
	};
	struct skbf_kunit *ctx = test->priv;
	const char *text;
	size_t i;

	skbf_stats_show(&ctx->s);
	text = skbf_kunit_str(test, &ctx->s);
	for (i = 0; i < ARRAY_SIZE(names); i++)
		KUNIT_EXPECT_EQ_MSG(test, skbf_kunit_count(text, names[i]), 1, "%s", names[i]);
	KUNIT_EXPECT_TRUE(test, skbf_kunit_has_line(text, "skbs_outstanding: 0"));
	KUNIT_EXPECT_TRUE(test, skbf_kunit_has_line(text, "running: no"));
	KUNIT_EXPECT_EQ(test, skbf_kunit_stat(test, "skbs_allocated") -
			skbf_kunit_stat(test, "skbs_freed"), 0);
	KUNIT_EXPECT_FALSE_MSG(test, skbf_kunit_has_pointer(text), "%s", text);
}

static struct kunit_case skbf_text_cases[] = {
	KUNIT_CASE(results_before_run_test),
	KUNIT_CASE(results_comments_test),
	KUNIT_CASE(results_nic_test),
	KUNIT_CASE(results_rules_test),
	KUNIT_CASE(results_rows_test),
	KUNIT_CASE(results_ctx_test),
	KUNIT_CASE(results_latency_test),
	KUNIT_CASE(results_free_cpu_test),
	KUNIT_CASE(results_free_cpus_test),
	KUNIT_CASE(results_page_pool_test),
	KUNIT_CASE_PARAM(layout_mode_test, skbf_run_modes_gen_params),
	KUNIT_CASE(layout_alloc_skb_test),
	KUNIT_CASE(layout_no_push_test),
	KUNIT_CASE(layout_clone_test),
	KUNIT_CASE(layout_frags_test),
	KUNIT_CASE(layout_page_pool_test),
	KUNIT_CASE(layout_diagram_test),
	KUNIT_CASE_PARAM(layout_sizes_test, skbf_layout_sizes_gen_params),
	KUNIT_CASE(layout_all_test),
	KUNIT_CASE(stats_fields_test),
	{}
};

static struct kunit_suite skbf_text_suite = {
	.name = "skbfactory_text",
	.init = skbf_kunit_init,
	.exit = skbf_kunit_exit,
	.test_cases = skbf_text_cases,
};

#include "kunit_layout.c"
#include "kunit_contract.c"
#include "kunit_known.c"
#include "kunit_release.c"
#include "kunit_alloc.c"
#include "kunit_node.c"

#if !defined(MODULE) && defined(CONFIG_X86_TSC)
/*
 * kunit.py cannot parse a kernel line printed inside the KTAP.  Built in,
 * the suites run right after the initcalls, and without KASAN they start
 * before the TSC's refined calibration has printed: a delayed work that
 * a device initcall starts and that prints a second (HZ) later.  One run
 * read as 28 crashed cases.  This last initcall gives it 1.5 s; the two
 * waits are on the same guest clock, however slowly the host runs it.
 */
static int __init skbf_kunit_settle(void)
{
	msleep(1500);
	return 0;
}
late_initcall_sync(skbf_kunit_settle);
#endif

kunit_test_suites(&skbf_config_suite, &skbf_factory_suite, &skbf_nic_suite, &skbf_run_suite,
		  &skbf_lifetime_suite, &skbf_text_suite, &skbf_layout_suite, &skbf_contract_suite,
		  &skbf_known_suite, &skbf_release_suite, &skbf_alloc_suite,
		  &skbf_node_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for skbfactory");
