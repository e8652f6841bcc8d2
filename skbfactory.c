// SPDX-License-Identifier: GPL-2.0
/*
 * skbfactory: builds sk_buffs with the kernel's own allocation paths, shows
 * how a real skb is laid out, and measures how many skbs per second each
 * path makes on the CPU that services the NIC.  Driven from
 * /sys/kernel/debug/skbfactory/.
 *
 * The parts, in file order: modes and parameters; the factory (one object
 * made and released per mode); the NIC and its CPU; the environment; the
 * engine (worker threads, timed chunks, NAPI polls, the releasing thread,
 * hotplug and NIC removal); results; layout; stats; debugfs; the module.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/freezer.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqdesc.h>
#include <linux/kfence.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/perf_event.h>
#include <linux/ratelimit.h>
#include <linux/rtnetlink.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/timekeeping.h>
#include <linux/timex.h>
#include <linux/utsname.h>
#include <linux/wait_bit.h>
#include <net/net_namespace.h>
#include <net/rtnetlink.h>

#include "skbfactory.h"

#ifndef SKBF_VERSION
#define SKBF_VERSION "unknown"
#endif

/* Process-context allocations: never warn, never call the OOM killer. */
#define SKBF_GFP	(GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY)
/* Softirq allocations take no reserves, as pktgen's do. */
#define SKBF_GFP_NAPI	(GFP_NOWAIT | __GFP_NOWARN)
#define SKBF_BLOCK_NS	(100 * 1000)	/* the clock is read about this often */
#define SKBF_BLOCK_MAX	64		/* and at least every this many steps */
#define SKBF_POOL_SIZE	256		/* page_pool ring */
#define SKBF_POOL_CACHE	128		/* and its alloc cache (PP_ALLOC_CACHE_SIZE) */
#define SKBF_DIAGRAM	64		/* columns of the layout diagram */

/* ---- Modes ---- */

struct skbf_mode_info {
	const char *name;
	enum skbf_ctx ctx;
	bool skb;	/* makes sk_buffs (counted in stats) */
	bool dev;	/* uses the NIC during the run (held, tracked) */
};

static const struct skbf_mode_info skbf_modes[SKBF_NR_MODES] = {
	/*
	 * alloc_skb(size) + skb_reserve + skb_put, released with consume_skb(): the generic path,
	 * sockets and most of the stack
	 */
	[SKBF_ALLOC_SKB]	    = { "alloc_skb",		SKBF_CTX_TASK, true },
	/*
	 * alloc_skb_fclone(): a head with a companion sk_buff for one cheap clone, as TCP
	 * allocates what it sends
	 */
	[SKBF_ALLOC_SKB_FCLONE]	    = { "alloc_skb_fclone",	SKBF_CTX_TASK, true },
	/*
	 * alloc_skb_with_frags(): headroom + put linear, the rest of size in page fragments, as
	 * sock_alloc_send_pskb() lays out a large send
	 */
	[SKBF_ALLOC_SKB_WITH_FRAGS] = { "alloc_skb_with_frags",	SKBF_CTX_TASK, true },
	/*
	 * skb_clone() of a live alloc_skb_fclone() skb (one per batch slot) and consume_skb() of
	 * the clone: TCP's clone of every segment it sends
	 */
	[SKBF_SKB_CLONE]	    = { "skb_clone",		SKBF_CTX_TASK, true },
	/*
	 * __netdev_alloc_skb() from the page-fragment cache (or kmalloc for large sizes) for the
	 * NIC, in a NAPI poll, released with dev_consume_skb_any()
	 */
	[SKBF_NETDEV_ALLOC_SKB]	    = { "netdev_alloc_skb",	SKBF_CTX_NAPI, true, true },
	/*
	 * napi_alloc_skb() from the per-CPU NAPI caches, in a NAPI poll, released with
	 * napi_consume_skb() and the poll's budget
	 */
	[SKBF_NAPI_ALLOC_SKB]	    = { "napi_alloc_skb",	SKBF_CTX_NAPI, true },
	/*
	 * napi_alloc_frag() (a compound page above PAGE_SIZE) + napi_build_skb(), in a NAPI poll,
	 * as drivers that build skbs on their receive buffers
	 */
	[SKBF_BUILD_SKB]	    = { "build_skb",		SKBF_CTX_NAPI, true },
	/*
	 * a page_pool fragment (whole pages above PAGE_SIZE) + napi_build_skb() +
	 * skb_mark_for_recycle(), in a NAPI poll: the page goes back to the pool, as in mlx5, ice
	 * or bnxt
	 */
	[SKBF_PAGE_POOL]	    = { "page_pool",		SKBF_CTX_NAPI, true },
	/*
	 * the slab allocations alloc_skb() makes and nothing else: an sk_buff-sized object and a
	 * data buffer of the same size class, the floor the skb paths stand on
	 */
	[SKBF_KMALLOC_FLOOR]	    = { "kmalloc_floor",	SKBF_CTX_TASK, false },
	/*
	 * the measuring loop with an op the compiler must call and that does nothing: the
	 * harness's own cost per op
	 */
	[SKBF_EMPTY]		    = { "empty",		SKBF_CTX_TASK, false },
};

/**
 * skbf_mode_name() - the name a mode has in config and results
 * @mode: a mode, or %SKBF_ALL
 *
 * Return: the name, "all" for %SKBF_ALL.
 */
VISIBLE_IF_KUNIT const char *skbf_mode_name(enum skbf_mode mode)
{
	return mode < SKBF_NR_MODES ? skbf_modes[mode].name : "all";
}
EXPORT_SYMBOL_IF_KUNIT(skbf_mode_name);

/**
 * skbf_mode_ctx() - where a mode's timed chunks run
 * @mode: a mode
 *
 * Return: %SKBF_CTX_NAPI for the receive paths, %SKBF_CTX_TASK otherwise.
 */
VISIBLE_IF_KUNIT enum skbf_ctx skbf_mode_ctx(enum skbf_mode mode)
{
	return skbf_modes[mode].ctx;
}
EXPORT_SYMBOL_IF_KUNIT(skbf_mode_ctx);

/* 6.1 exports neither seq_buf_puts() nor seq_buf_putc(). */
static void skbf_puts(struct seq_buf *s, const char *str)
{
	seq_buf_printf(s, "%s", str);
}

static void skbf_putc(struct seq_buf *s, char c)
{
	seq_buf_printf(s, "%c", c);
}

/* ---- Module state ---- */

/* Per possible CPU: the NAPI instance the receive-path modes poll in. */
struct skbf_pcpu {
	struct napi_struct napi;
	struct skbf_worker *worker;	/* set while a NAPI-context mode runs here */
};

static struct {
	struct mutex lock;		/* cfg, res, last_error */
	struct skbf_config cfg;
	struct skbf_results *res;
	char last_error[256];
	/*
	 * The run in progress, for the hotplug callback, the netdev notifier,
	 * stop and stats.  Held only to look at it; a hotplug callback that
	 * waits for the run pins it first (run->pins).
	 */
	spinlock_t active_lock;
	struct skbf_run *active;
	struct dentry *dir;
	struct net_device *dummy;	/* skb->dev without a NIC; home of the NAPIs */
	struct skbf_pcpu **pcpu;	/* indexed by CPU */
	struct kmem_cache *floor_head;	/* kmalloc_floor: sk_buff-sized objects */
	struct kmem_cache *floor_small;	/* and small heads, where the kernel has them */
	unsigned int small_head;	/* size of skbuff_small_head objects, or 0 */
	int cpuhp;			/* our dynamic CPU hotplug state */
	bool have_tsc;			/* get_cycles() counts */
} skbf = {
	.lock = __MUTEX_INITIALIZER(skbf.lock),
	.active_lock = __SPIN_LOCK_UNLOCKED(skbf.active_lock),
	.last_error = "0",
};

/* Counted where it happens: one add per skb made, one per skb released. */
static struct {
	atomic64_t runs;
	atomic64_t runs_stopped;
	atomic64_t allocated;
	atomic64_t freed;
	atomic64_t alloc_failures;
} skbf_stats;

static const char *skbf_errname(int err)
{
	switch (err) {
	case -EINVAL: return "EINVAL";
	case -ENODEV: return "ENODEV";
	case -EBUSY: return "EBUSY";
	case -ENOMEM: return "ENOMEM";
	case -EINTR: return "EINTR";
	case -EAGAIN: return "EAGAIN";
	case -ECANCELED: return "ECANCELED";
	case -EOPNOTSUPP: return "EOPNOTSUPP";
	case -ESRCH: return "ESRCH";
	default: return "error";
	}
}

/*
 * A failed write: stats' last_error says why, and so does one dmesg line,
 * rate-limited because any root shell loop can trigger it.
 */
static void skbf_error(const char *file, int err, const char *why)
{
	static DEFINE_RATELIMIT_STATE(rs, 5 * HZ, 10);

	mutex_lock(&skbf.lock);
	snprintf(skbf.last_error, sizeof(skbf.last_error), "%d %s %s: %s", err,
		 skbf_errname(err), file, why);
	mutex_unlock(&skbf.lock);
	if (__ratelimit(&rs))
		pr_info("%s: %s (%s)\n", file, why, skbf_errname(err));
}

/* ---- Parameters: the one table behind config, its defaults and bounds ---- */

enum skbf_kind { SKBF_K_MODE, SKBF_K_U32, SKBF_K_CPU, SKBF_K_FREE_CPU, SKBF_K_DEV };

struct skbf_param {
	const char *name;
	enum skbf_kind kind;
	size_t off;
	u32 min;
	u32 max;
	const char *def;
};

#define SKBF_OFF(field) offsetof(struct skbf_config, field)

static const struct skbf_param skbf_params[] = {
	/* the allocation path to measure, or all: each in turn, a row each */
	{ "mode",     SKBF_K_MODE,     SKBF_OFF(mode),     0, 0,		"alloc_skb" },
	/* bytes of data asked of the allocator, as alloc_skb(size) */
	{ "size",     SKBF_K_U32,      SKBF_OFF(size),     1, 65536,		"1500" },
	/* bytes skb_reserve() keeps in front of the data */
	{ "headroom", SKBF_K_U32,      SKBF_OFF(headroom), 0, 65536,		"14" },
	/* bytes skb_put() appends and fills (headroom + put <= size) */
	{ "put",      SKBF_K_U32,      SKBF_OFF(put),      0, 65536,		"100" },
	/* operations (one allocation and its release) per repetition and CPU */
	{ "count",    SKBF_K_U32,      SKBF_OFF(count),    1, 100000000,	"200000" },
	/* repetitions kept; the figures are their median, min, max and spread */
	{ "repeat",   SKBF_K_U32,      SKBF_OFF(repeat),   1, SKBF_REPEAT_MAX,	"5" },
	/* repetitions run first and left out (cold caches, the clock-read tuning) */
	{ "warmup",   SKBF_K_U32,      SKBF_OFF(warmup),   0, SKBF_WARMUP_MAX,	"1" },
	/*
	 * objects allocated before they are all released; from 2, allocation and release are timed
	 * apart
	 */
	{ "batch",    SKBF_K_U32,      SKBF_OFF(batch),    1, 4096,		"1" },
	/*
	 * nic (the CPU that services the NIC's receive IRQ), all, or a CPU list such as 0-3,6,
	 * measured together
	 */
	{ "cpu",      SKBF_K_CPU,      SKBF_OFF(cpu),      0, 0,		"nic" },
	/*
	 * same, or a CPU that releases every object the run makes, as a socket reader's CPU does
	 * (batch=1)
	 */
	{ "free_cpu", SKBF_K_FREE_CPU, SKBF_OFF(free_cpu), 0, 0,		"same" },
	/* the NIC cpu=nic follows, or empty for the first that is up and has an IRQ */
	{ "dev",      SKBF_K_DEV,      SKBF_OFF(dev),      0, 0,		"" },
	/*
	 * 1: time 1 op in 64 (on average, at random) alone, for p50/p99/p999
	 * (sampling adds a little to every op)
	 */
	{ "latency",  SKBF_K_U32,      SKBF_OFF(latency),  0, 1,		"0" },
};

/* Where a parameter lives in a config. */
static void *skbf_field(struct skbf_config *cfg, const struct skbf_param *p)
{
	return (char *)cfg + p->off;
}

static size_t skbf_str_size(const struct skbf_param *p)
{
	switch (p->kind) {
	case SKBF_K_CPU:
		return SKBF_CPU_LEN;
	case SKBF_K_FREE_CPU:
		return SKBF_FREE_CPU_LEN;
	default:
		return IFNAMSIZ;
	}
}

/**
 * skbf_cpus_parse() - parse a cpu= value that names CPUs
 * @text: "all" or a list such as "0-3,6"
 * @mask: set to the CPUs
 *
 * Return: 0, or -EINVAL for a malformed or reversed list, or one naming a
 * CPU that is impossible or offline.
 */
VISIBLE_IF_KUNIT int skbf_cpus_parse(const char *text, struct cpumask *mask)
{
	if (!strcmp(text, "all")) {
		cpumask_copy(mask, cpu_online_mask);
		return 0;
	}
	if (!*text || strspn(text, "0123456789,-") != strlen(text))
		return -EINVAL;
	/* No empty list elements: "0,", ",0", "0,,1". */
	if (text[0] == ',' || text[strlen(text) - 1] == ',' || strstr(text, ",,"))
		return -EINVAL;
	if (cpulist_parse(text, mask))
		return -EINVAL;
	if (cpumask_empty(mask) || !cpumask_subset(mask, cpu_online_mask))
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(skbf_cpus_parse);

static int skbf_cpu_check(const char *text)
{
	cpumask_var_t mask;
	int err;

	if (!strcmp(text, "nic"))
		return 0;
	if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
		return -ENOMEM;
	err = skbf_cpus_parse(text, mask);
	free_cpumask_var(mask);
	return err;
}

/* Strictly decimal: no sign, no base prefix, no spaces. */
static int skbf_u32_parse(const char *text, u32 min, u32 max, u32 *val)
{
	u32 v;

	if (!*text || strspn(text, "0123456789") != strlen(text))
		return -EINVAL;
	if (kstrtou32(text, 10, &v) || v < min || v > max)
		return -EINVAL;
	*val = v;
	return 0;
}

/* free_cpu=: "same" (SKBF_NO_CPU) or an online CPU's number. */
static int skbf_free_cpu_parse(const char *text, int *cpu)
{
	u32 v;

	if (!strcmp(text, "same")) {
		*cpu = SKBF_NO_CPU;
		return 0;
	}
	if (skbf_u32_parse(text, 0, nr_cpu_ids - 1, &v) || !cpu_online(v))
		return -EINVAL;
	*cpu = v;
	return 0;
}

static int skbf_mode_parse(const char *text, enum skbf_mode *mode)
{
	int i;

	for (i = 0; i <= SKBF_ALL; i++) {
		if (!strcmp(text, skbf_mode_name(i))) {
			*mode = i;
			return 0;
		}
	}
	return -EINVAL;
}

static int skbf_param_set(struct skbf_config *cfg, const struct skbf_param *p,
			  const char *val, char *why, size_t why_len)
{
	int err = 0, cpu;

	switch (p->kind) {
	case SKBF_K_MODE:
		err = skbf_mode_parse(val, &cfg->mode);
		if (err)
			snprintf(why, why_len, "mode=%s: unknown mode", val);
		return err;
	case SKBF_K_U32:
		err = skbf_u32_parse(val, p->min, p->max, skbf_field(cfg, p));
		if (err)
			snprintf(why, why_len, "%s=%s: expected a decimal number %u..%u",
				 p->name, val, p->min, p->max);
		return err;
	case SKBF_K_CPU:
		if (strlen(val) >= SKBF_CPU_LEN)
			err = -EINVAL;
		else
			err = skbf_cpu_check(val);
		if (err == -EINVAL)
			snprintf(why, why_len,
				 "cpu=%s: expected nic, all, or a list of online CPUs such as 0-3,6",
				 val);
		else if (err)
			snprintf(why, why_len, "cpu=%s: out of memory", val);
		break;
	case SKBF_K_FREE_CPU:
		if (strlen(val) >= SKBF_FREE_CPU_LEN || skbf_free_cpu_parse(val, &cpu)) {
			snprintf(why, why_len, "free_cpu=%s: expected same or an online CPU number",
				 val);
			err = -EINVAL;
		}
		break;
	case SKBF_K_DEV:
		if (*val && !dev_valid_name(val)) {
			snprintf(why, why_len, "dev=%s: not a valid interface name", val);
			err = -EINVAL;
		}
		break;
	}
	if (!err)
		strscpy(skbf_field(cfg, p), val, skbf_str_size(p));
	return err;
}

static int skbf_token(struct skbf_config *cfg, char *tok, unsigned long *seen,
		      char *why, size_t why_len)
{
	char *eq = strchr(tok, '=');
	size_t i;

	if (!eq || eq == tok) {
		snprintf(why, why_len, "\"%s\": expected key=value", tok);
		return -EINVAL;
	}
	*eq = '\0';
	for (i = 0; i < ARRAY_SIZE(skbf_params); i++)
		if (!strcmp(tok, skbf_params[i].name))
			break;
	if (i == ARRAY_SIZE(skbf_params)) {
		snprintf(why, why_len, "\"%s=%s\": unknown key \"%s\"", tok, eq + 1, tok);
		return -EINVAL;
	}
	if (*seen & BIT(i)) {
		snprintf(why, why_len, "\"%s=%s\": duplicate key \"%s\"", tok, eq + 1, tok);
		return -EINVAL;
	}
	*seen |= BIT(i);
	return skbf_param_set(cfg, &skbf_params[i], eq + 1, why, why_len);
}

/**
 * skbf_config_reset() - set every parameter to its default
 * @cfg: the config
 */
VISIBLE_IF_KUNIT void skbf_config_reset(struct skbf_config *cfg)
{
	size_t i;
	char why[8];

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < ARRAY_SIZE(skbf_params); i++)
		WARN_ON(skbf_param_set(cfg, &skbf_params[i], skbf_params[i].def,
				       why, sizeof(why)));
}
EXPORT_SYMBOL_IF_KUNIT(skbf_config_reset);

static bool skbf_printable(const char *buf, size_t len, size_t *bad)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = buf[i];

		if (!isascii(c) || !(isgraph(c) || isspace(c))) {
			*bad = i;
			return false;
		}
	}
	return true;
}

/* The rules that tie parameters together; @why names the ones that clash. */
static int skbf_config_check(const struct skbf_config *cfg, char *why, size_t why_len)
{
	if ((u64)cfg->headroom + cfg->put > cfg->size) {
		snprintf(why, why_len,
			 "headroom=%u + put=%u exceeds size=%u (set put= or headroom= too)",
			 cfg->headroom, cfg->put, cfg->size);
		return -EINVAL;
	}
	if (strcmp(cfg->free_cpu, "same") && cfg->batch != 1) {
		snprintf(why, why_len,
			 "free_cpu=%s hands each object over as it is made: batch=%u must be 1",
			 cfg->free_cpu, cfg->batch);
		return -EINVAL;
	}
	return 0;
}

/**
 * skbf_config_parse() - apply a write to config or run, all or nothing
 * @cfg: the config to change
 * @buf: the text written, not NUL-terminated
 * @len: its length
 * @run: parse a write to run (accepts "1" or "start") rather than to config
 *       (accepts a lone "reset")
 * @why: on error, set to one line naming the bad token
 * @why_len: size of @why
 *
 * Every token is checked before any is applied: on error @cfg is unchanged.
 *
 * Return: 0, -EINVAL for bad input, or -ENOMEM.
 */
VISIBLE_IF_KUNIT int skbf_config_parse(struct skbf_config *cfg, const char *buf,
				       size_t len, bool run, char *why, size_t why_len)
{
	struct skbf_config new = *cfg;
	unsigned long seen = 0;
	bool start = false, reset = false;
	unsigned int ntok = 0;
	char *text, *cur, *tok;
	size_t bad;
	int err = 0;

	if (!skbf_printable(buf, len, &bad)) {
		snprintf(why, why_len, "non-printable byte 0x%02x at offset %zu",
			 (unsigned char)buf[bad], bad);
		return -EINVAL;
	}
	text = kmemdup_nul(buf, len, GFP_KERNEL);
	if (!text) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	cur = text;
	while ((tok = strsep(&cur, " \t\n\r\v\f"))) {
		if (!*tok)
			continue;
		ntok++;
		if (run && (!strcmp(tok, "1") || !strcmp(tok, "start"))) {
			if (start) {
				snprintf(why, why_len, "\"%s\": start given twice", tok);
				err = -EINVAL;
				goto out;
			}
			start = true;
			continue;
		}
		if (!run && !strcmp(tok, "reset")) {
			reset = true;
			continue;
		}
		err = skbf_token(&new, tok, &seen, why, why_len);
		if (err)
			goto out;
	}
	err = -EINVAL;
	if (!ntok) {
		snprintf(why, why_len, "empty write: expected %s",
			 run ? "1, start, stop or key=value tokens" : "key=value tokens or reset");
		goto out;
	}
	if (reset) {
		if (ntok > 1) {
			snprintf(why, why_len, "\"reset\" must be the only token");
			goto out;
		}
		skbf_config_reset(&new);
	}
	err = skbf_config_check(&new, why, why_len);
	if (!err)
		*cfg = new;
out:
	kfree(text);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(skbf_config_parse);

static void skbf_param_show(struct seq_buf *s, const struct skbf_config *cfg,
			    const struct skbf_param *p, const char *end)
{
	const void *val = (const char *)cfg + p->off;

	switch (p->kind) {
	case SKBF_K_MODE:
		seq_buf_printf(s, "%s=%s%s", p->name, skbf_mode_name(cfg->mode), end);
		break;
	case SKBF_K_U32:
		seq_buf_printf(s, "%s=%u%s", p->name, *(const u32 *)val, end);
		break;
	default:
		seq_buf_printf(s, "%s=%s%s", p->name, (const char *)val, end);
		break;
	}
}

/**
 * skbf_config_show() - the text of the config file: key=value per line
 * @s: where to print
 * @cfg: the config
 */
VISIBLE_IF_KUNIT void skbf_config_show(struct seq_buf *s, const struct skbf_config *cfg)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(skbf_params); i++)
		skbf_param_show(s, cfg, &skbf_params[i], "\n");
}
EXPORT_SYMBOL_IF_KUNIT(skbf_config_show);

/* ---- The factory: one ready object per call, released the matching way ---- */

/**
 * struct skbf_factory - how one mode makes its objects
 * @mode: the mode
 * @size: data buffer bytes asked for
 * @headroom: skb_reserve() bytes
 * @put: skb_put() bytes, filled
 * @buf: page-frag modes: the fragment, SKB_HEAD_ALIGN(@size); kmalloc_floor:
 *	the data object's size
 * @order: page-frag modes above PAGE_SIZE: the order of the pages taken
 * @linear: alloc_skb_with_frags: bytes in the linear part
 * @paged: alloc_skb_with_frags: bytes in page fragments
 * @budget: NAPI modes: the budget of the poll running now
 * @floor_small: kmalloc_floor: the data comes from the small-head size class
 * @dev: skb->dev for netdev_alloc_skb
 * @napi: the NAPI instance of the NAPI modes
 * @pool: page_pool mode: the pool of @napi
 * @parents: skb_clone mode: one live fclone skb per batch slot
 */
struct skbf_factory {
	enum skbf_mode mode;
	u32 size;
	u32 headroom;
	u32 put;
	u32 buf;
	unsigned int order;
	u32 linear;
	u32 paged;
	int budget;
	bool floor_small;
	struct net_device *dev;
	struct napi_struct *napi;
	struct page_pool *pool;
	struct sk_buff **parents;
};

static void skbf_factory_init(struct skbf_factory *f, enum skbf_mode mode,
			      const struct skbf_config *cfg)
{
	memset(f, 0, sizeof(*f));
	f->mode = mode;
	f->size = cfg->size;
	f->headroom = cfg->headroom;
	f->put = cfg->put;
	f->buf = SKB_HEAD_ALIGN(cfg->size);
	f->order = f->buf > PAGE_SIZE ? get_order(f->buf) : 0;
	f->linear = cfg->headroom + cfg->put;
	f->paged = cfg->size - f->linear;
	f->budget = NAPI_POLL_WEIGHT;
	f->dev = skbf.dummy;
	if (mode == SKBF_KMALLOC_FLOOR) {
		/* The size class alloc_skb()'s kmalloc_reserve() would use. */
		f->floor_small = f->buf <= skbf.small_head;
		f->buf = kmalloc_size_roundup(f->buf);
	}
}

static __always_inline void skbf_fill(struct sk_buff *skb, const struct skbf_factory *f)
{
	skb_reserve(skb, f->headroom);
	memset(skb_put(skb, f->put), SKBF_FILL, f->put);
}

/*
 * build_skb: a receive buffer as a NAPI driver makes one.  Up to PAGE_SIZE
 * a page fragment (napi_alloc_frag); above, as the kernel's page-fragment
 * caches serve no more, a compound page.
 */
static __always_inline struct sk_buff *skbf_frag_skb(const struct skbf_factory *f)
{
	struct sk_buff *skb;
	struct page *page;
	void *data;

	if (!f->order) {
		data = napi_alloc_frag(f->buf);
		if (unlikely(!data))
			return NULL;
		skb = napi_build_skb(data, f->buf);
		if (unlikely(!skb))
			skb_free_frag(data);
		return skb;
	}
	page = alloc_pages(SKBF_GFP_NAPI | __GFP_COMP, f->order);
	if (unlikely(!page))
		return NULL;
	skb = napi_build_skb(page_address(page), PAGE_SIZE << f->order);
	if (unlikely(!skb))
		__free_pages(page, f->order);
	return skb;
}

/*
 * page_pool: a fragment of a pool page up to PAGE_SIZE, a whole page of the
 * pool's order above; marked so that its release recycles the page.
 */
static __always_inline struct sk_buff *skbf_pool_skb(const struct skbf_factory *f)
{
	unsigned int offset = 0, truesize = f->buf;
	struct sk_buff *skb;
	struct page *page;

	if (!f->order) {
		page = page_pool_alloc_frag(f->pool, &offset, f->buf, SKBF_GFP_NAPI);
	} else {
		page = page_pool_alloc_pages(f->pool, SKBF_GFP_NAPI);
		truesize = PAGE_SIZE << f->order;
	}
	if (unlikely(!page))
		return NULL;
	skb = napi_build_skb(page_address(page) + offset, truesize);
	if (unlikely(!skb)) {
		page_pool_put_full_page(f->pool, page, false);
		return NULL;
	}
	skb_mark_for_recycle(skb);
	return skb;
}

/* A live fclone skb, as TCP keeps each segment it may retransmit. */
static struct sk_buff *skbf_parent(const struct skbf_factory *f)
{
	struct sk_buff *skb = alloc_skb_fclone(f->size, SKBF_GFP);

	if (skb)
		skbf_fill(skb, f);
	return skb;
}

/*
 * kmalloc_floor's caches, made the first time the mode is used: objects of
 * struct sk_buff's size, as skbuff_head_cache has, and of the small heads'
 * size where the kernel has those.
 */
static int skbf_floor_caches(void)
{
	static DEFINE_MUTEX(lock);
	int err = 0;

	mutex_lock(&lock);
	if (!skbf.floor_head)
		skbf.floor_head = kmem_cache_create("skbf_floor_head", sizeof(struct sk_buff), 0,
						    SLAB_HWCACHE_ALIGN, NULL);
	if (skbf.small_head && !skbf.floor_small)
		skbf.floor_small = kmem_cache_create("skbf_floor_small", skbf.small_head, 0,
						     SLAB_HWCACHE_ALIGN, NULL);
	if (!skbf.floor_head || (skbf.small_head && !skbf.floor_small))
		err = -ENOMEM;
	mutex_unlock(&lock);
	return err;
}

/* kmalloc_floor: an sk_buff-sized slab object pointing at a data buffer. */
struct skbf_floor {
	u8 *data;
	bool small;	/* from floor_small, freed as skbuff_small_head's are */
};

static __always_inline void *skbf_floor_make(const struct skbf_factory *f)
{
	struct skbf_floor *head = kmem_cache_alloc(skbf.floor_head, SKBF_GFP);
	u8 *data;

	if (unlikely(!head))
		return NULL;
	if (f->floor_small)
		data = kmem_cache_alloc(skbf.floor_small, SKBF_GFP);
	else
		data = kmalloc(f->buf, SKBF_GFP);
	if (unlikely(!data)) {
		kmem_cache_free(skbf.floor_head, head);
		return NULL;
	}
	memset(data + f->headroom, SKBF_FILL, f->put);
	head->data = data;
	head->small = f->floor_small;
	return head;
}

static __always_inline void skbf_floor_free(void *obj)
{
	struct skbf_floor *head = obj;

	if (head->small)
		kmem_cache_free(skbf.floor_small, head->data);
	else
		kfree(head->data);
	kmem_cache_free(skbf.floor_head, head);
}

/*
 * empty: an op the compiler must call and cannot drop (the barrier is a
 * side effect), so that mode=empty measures the loop, the batch
 * bookkeeping and two calls per op, as every real mode has them.
 */
static noinline void *skbf_empty_make(const struct skbf_factory *f)
{
	barrier();
	return (void *)f;
}

static noinline void skbf_empty_free(void *obj)
{
	barrier();
}

/* The allocation alone, as each skb path's callers make it. */
static __always_inline struct sk_buff *skbf_raw(const struct skbf_factory *f,
						const enum skbf_mode mode, u32 slot)
{
	int err;

	switch (mode) {
	case SKBF_ALLOC_SKB:
		return alloc_skb(f->size, SKBF_GFP);
	case SKBF_ALLOC_SKB_FCLONE:
		return alloc_skb_fclone(f->size, SKBF_GFP);
	case SKBF_ALLOC_SKB_WITH_FRAGS:
		return alloc_skb_with_frags(f->linear, f->paged, PAGE_ALLOC_COSTLY_ORDER, &err,
					    SKBF_GFP);
	case SKBF_SKB_CLONE:
		return skb_clone(f->parents[slot], SKBF_GFP);
	case SKBF_NETDEV_ALLOC_SKB:
		return __netdev_alloc_skb(f->dev, f->size, SKBF_GFP_NAPI);
	case SKBF_NAPI_ALLOC_SKB:
		return skbf_napi_alloc_skb(f->napi, f->size);
	case SKBF_BUILD_SKB:
		return skbf_frag_skb(f);
	case SKBF_PAGE_POOL:
		return skbf_pool_skb(f);
	default:
		return NULL;
	}
}

/*
 * Reserve the headroom and put the payload.  alloc_skb_with_frags' paged
 * part is then accounted in len and data_len, as af_unix does after
 * sock_alloc_send_pskb().  A clone is a copy of a ready skb already.
 */
static __always_inline void skbf_ready(struct sk_buff *skb, const struct skbf_factory *f,
				       const enum skbf_mode mode)
{
	if (mode == SKBF_SKB_CLONE)
		return;
	skbf_fill(skb, f);
	if (mode == SKBF_ALLOC_SKB_WITH_FRAGS) {
		skb->data_len = f->paged;
		skb->len += f->paged;
	}
}

/* Make one object of @mode; @slot is the batch slot (skb_clone's parent). */
static __always_inline void *skbf_make(const struct skbf_factory *f, const enum skbf_mode mode,
				       u32 slot)
{
	struct sk_buff *skb;

	switch (mode) {
	case SKBF_KMALLOC_FLOOR:
		return skbf_floor_make(f);
	case SKBF_EMPTY:
		return skbf_empty_make(f);
	default:
		skb = skbf_raw(f, mode, slot);
		if (likely(skb))
			skbf_ready(skb, f, mode);
		return skb;
	}
}

/*
 * Release an object where it was made, as that path's users do.  Every skb
 * made and released without error is consumed, never freed as a drop: a
 * drop monitor watching a run sees nothing.
 */
static __always_inline void skbf_drop(const struct skbf_factory *f, const enum skbf_mode mode,
				      void *obj)
{
	switch (mode) {
	case SKBF_NETDEV_ALLOC_SKB:
		dev_consume_skb_any(obj);
		break;
	case SKBF_NAPI_ALLOC_SKB:
	case SKBF_BUILD_SKB:
	case SKBF_PAGE_POOL:
		napi_consume_skb(obj, f->budget);
		break;
	case SKBF_KMALLOC_FLOOR:
		skbf_floor_free(obj);
		break;
	case SKBF_EMPTY:
		skbf_empty_free(obj);
		break;
	default:
		consume_skb(obj);
		break;
	}
}

/* Release an object anywhere: the releasing CPU, drains, KUnit. */
static void skbf_release_any(enum skbf_mode mode, void *obj)
{
	switch (mode) {
	case SKBF_KMALLOC_FLOOR:
		skbf_floor_free(obj);
		break;
	case SKBF_EMPTY:
		break;
	default:
		consume_skb(obj);
		break;
	}
}

/*
 * Pools for page_pool skbs made outside a run (layout, KUnit), one per
 * page order, with no NAPI: their pages recycle through the pool's ring.
 */
static struct {
	struct mutex lock;	/* allocations from the pools */
	struct page_pool *pool[8];
} skbf_any_pool = {
	.lock = __MUTEX_INITIALIZER(skbf_any_pool.lock),
};

/* The allocation of a NAPI-side mode outside a poll: under BH, as in softirq. */
static struct sk_buff *skbf_raw_outside(struct skbf_factory *f)
{
	struct sk_buff *skb;

	if (f->mode == SKBF_PAGE_POOL) {
		mutex_lock(&skbf_any_pool.lock);
		if (f->order >= ARRAY_SIZE(skbf_any_pool.pool)) {
			skb = NULL;
			goto out;
		}
		f->pool = skbf_any_pool.pool[f->order];
		if (!f->pool) {
			f->pool = skbf_page_pool_create(NULL, NUMA_NO_NODE, f->order,
							SKBF_POOL_SIZE);
			if (IS_ERR(f->pool)) {
				f->pool = NULL;
				skb = NULL;
				goto out;
			}
			skbf_any_pool.pool[f->order] = f->pool;
		}
	}
	local_bh_disable();
	skb = skbf_raw(f, f->mode, 0);
	local_bh_enable();
out:
	if (f->mode == SKBF_PAGE_POOL)
		mutex_unlock(&skbf_any_pool.lock);
	return skb;
}

static void skbf_any_pool_destroy(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(skbf_any_pool.pool); i++)
		if (skbf_any_pool.pool[i])
			page_pool_destroy(skbf_any_pool.pool[i]);
}

/*
 * The allocation of one skb of @mode as a run makes it, outside a run: for
 * layout and KUnit.  skb_clone's is the clone of a parent made for it and
 * released at once: the clone keeps the data, and the fclone pair keeps
 * the parent's sk_buff until the clone goes.
 */
static struct sk_buff *skbf_raw_one(struct skbf_factory *f)
{
	struct sk_buff *skb, *parent;

	f->napi = &skbf.pcpu[raw_smp_processor_id()]->napi;
	switch (f->mode) {
	case SKBF_SKB_CLONE:
		parent = skbf_parent(f);
		if (!parent)
			return NULL;
		skb = skb_clone(parent, SKBF_GFP);
		consume_skb(parent);
		return skb;
	case SKBF_NETDEV_ALLOC_SKB:
	case SKBF_NAPI_ALLOC_SKB:
	case SKBF_BUILD_SKB:
	case SKBF_PAGE_POOL:
		return skbf_raw_outside(f);
	default:
		return skbf_raw(f, f->mode, 0);
	}
}

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * skbf_build() - build one ready skb the way a run does
 * @mode: an skb-making mode (not kmalloc_floor or empty)
 * @cfg: size, headroom and put
 *
 * Allocates with @mode's path, reserves the headroom and puts the payload.
 * Callable from process context; the NAPI-side paths run with BH disabled.
 *
 * Return: the skb, or NULL when the allocation failed or @mode makes none.
 */
VISIBLE_IF_KUNIT struct sk_buff *skbf_build(enum skbf_mode mode, const struct skbf_config *cfg)
{
	struct skbf_factory f;
	struct sk_buff *skb;

	if (mode >= SKBF_NR_MODES || !skbf_modes[mode].skb)
		return NULL;
	skbf_factory_init(&f, mode, cfg);
	skb = skbf_raw_one(&f);
	if (skb)
		skbf_ready(skb, &f, mode);
	if (skb)
		atomic64_inc(&skbf_stats.allocated);
	else
		atomic64_inc(&skbf_stats.alloc_failures);
	return skb;
}
EXPORT_SYMBOL_IF_KUNIT(skbf_build);

/**
 * skbf_release() - release an skb from skbf_build()
 * @mode: the mode that built it
 * @skb: the skb, or NULL
 */
VISIBLE_IF_KUNIT void skbf_release(enum skbf_mode mode, struct sk_buff *skb)
{
	if (!skb)
		return;
	skbf_release_any(mode, skb);
	atomic64_inc(&skbf_stats.freed);
}
EXPORT_SYMBOL_IF_KUNIT(skbf_release);

/**
 * skbf_floor_build() - one kmalloc_floor object, as a run makes it
 * @cfg: size, headroom and put
 *
 * Return: the object (its first member points at the data), or NULL.
 */
VISIBLE_IF_KUNIT void *skbf_floor_build(const struct skbf_config *cfg)
{
	struct skbf_factory f;

	if (skbf_floor_caches())
		return NULL;
	skbf_factory_init(&f, SKBF_KMALLOC_FLOOR, cfg);
	return skbf_floor_make(&f);
}
EXPORT_SYMBOL_IF_KUNIT(skbf_floor_build);

/**
 * skbf_floor_release() - release an object from skbf_floor_build()
 * @obj: the object
 */
VISIBLE_IF_KUNIT void skbf_floor_release(void *obj)
{
	skbf_floor_free(obj);
}
EXPORT_SYMBOL_IF_KUNIT(skbf_floor_release);
#endif

/**
 * skbf_outstanding() - skbs made by this module and not yet released
 *
 * Return: allocated minus freed, 0 whenever nothing runs.
 */
VISIBLE_IF_KUNIT s64 skbf_outstanding(void)
{
	return atomic64_read(&skbf_stats.allocated) - atomic64_read(&skbf_stats.freed);
}
EXPORT_SYMBOL_IF_KUNIT(skbf_outstanding);

/**
 * skbf_footprint() - bytes one CPU of a run holds at most
 * @cfg: size, batch and free_cpu
 * @mode: the mode
 *
 * What a batch holds (the sk_buff, the head as the allocator hands it out,
 * page fragments), plus the ring of skbs in flight to the releasing CPU,
 * plus skb_clone's parents.  An estimate from the allocators' size rules,
 * for the memory bound, not a measurement.
 *
 * Return: the bytes.
 */
VISIBLE_IF_KUNIT u64 skbf_footprint(const struct skbf_config *cfg, enum skbf_mode mode)
{
	u64 skb = SKB_DATA_ALIGN(sizeof(struct sk_buff));
	u64 head = SKB_HEAD_ALIGN(cfg->size), one;
	u64 frag = head <= PAGE_SIZE ? head : PAGE_SIZE << get_order(head);
	u64 slots = cfg->batch + (strcmp(cfg->free_cpu, "same") ? SKBF_RING + 1 : 0);

	head = head <= KMALLOC_MAX_CACHE_SIZE ? kmalloc_size_roundup(head) : PAGE_ALIGN(head);
	switch (mode) {
	case SKBF_ALLOC_SKB:
	case SKBF_KMALLOC_FLOOR:
		one = skb + head;
		break;
	case SKBF_ALLOC_SKB_FCLONE:
		one = 2 * skb + head;
		break;
	case SKBF_ALLOC_SKB_WITH_FRAGS:
		one = skb + kmalloc_size_roundup(SKB_HEAD_ALIGN(cfg->headroom + cfg->put)) +
		      PAGE_ALIGN(cfg->size - cfg->headroom - cfg->put);
		break;
	case SKBF_SKB_CLONE:
		/* The clones live in their parents' fclone pairs. */
		return cfg->batch * (2 * skb + head);
	case SKBF_EMPTY:
		return 0;
	case SKBF_PAGE_POOL:
		/* The pool keeps pages in its cache and ring besides. */
		return slots * (skb + frag) +
		       (SKBF_POOL_SIZE + SKBF_POOL_CACHE) * (PAGE_SIZE << get_order(frag));
	default:
		one = skb + frag;
		break;
	}
	return slots * one;
}
EXPORT_SYMBOL_IF_KUNIT(skbf_footprint);

/* ---- The NIC and its CPU ---- */

/*
 * The name /proc/interrupts shows for an IRQ, and the CPU it fires on.
 * Descriptors are freed after an RCU grace period, so the lookup and the
 * reads sit under rcu_read_lock(); the action and a pending move change
 * under desc->lock, taken as show_interrupts() takes it.  No accessor
 * exists for the action's name or for the affinity a move is pending to.
 */
static unsigned int skbf_irq_read(unsigned int irq, char *name, size_t len)
{
	unsigned int cpu = nr_cpu_ids;
	struct irq_desc *desc;
	struct irq_data *d;
	unsigned long flags;

	if (name)
		name[0] = '\0';
	rcu_read_lock();
	d = irq_get_irq_data(irq);
	if (d) {
		desc = irq_data_to_desc(d);
		raw_spin_lock_irqsave(&desc->lock, flags);
		if (name && desc->action && desc->action->name)
			strscpy(name, desc->action->name, len);
		cpu = cpumask_first_and(irq_data_get_effective_affinity_mask(d), cpu_online_mask);
#ifdef CONFIG_GENERIC_PENDING_IRQ
		/* x86 applies a new affinity when the IRQ next fires: follow it. */
		if (irqd_is_setaffinity_pending(d))
			cpu = cpumask_first_and(desc->pending_mask, cpu_online_mask);
#endif
		raw_spin_unlock_irqrestore(&desc->lock, flags);
	}
	rcu_read_unlock();
	return cpu;
}

static bool skbf_has_word(const char *name, const char *const *words)
{
	char low[32];
	size_t i;

	for (i = 0; i < sizeof(low) - 1 && name[i]; i++)
		low[i] = tolower(name[i]);
	low[i] = '\0';
	for (; *words; words++)
		if (strstr(low, *words))
			return true;
	return false;
}

/*
 * How much an IRQ name looks like the first receive queue's: receive names
 * first (virtio "input.0", "rx-0", "TxRx-0"), then unnamed kinds, then
 * transmit, and last the configuration and misc vectors.
 */
static int skbf_irq_score(const char *name)
{
	static const char *const rx[] = { "input", "rx", NULL };
	static const char *const tx[] = { "output", "tx", NULL };
	static const char *const misc[] = { "config", "misc", "async", "ctrl", NULL };

	if (skbf_has_word(name, rx))
		return 3;
	if (skbf_has_word(name, misc))
		return 0;
	if (skbf_has_word(name, tx))
		return 1;
	return 2;
}

/* The NIC's first receive IRQ by name, among its PCI device's vectors. */
static int skbf_nic_irq(struct net_device *dev, char *name, size_t len)
{
	struct pci_dev *pdev = NULL;
	int best = -1, best_score = -1;
	struct device *d;
	char this[32];
	unsigned int i;

	for (d = dev->dev.parent; IS_ENABLED(CONFIG_PCI) && d; d = d->parent) {
		if (dev_is_pci(d)) {
			pdev = to_pci_dev(d);
			break;
		}
	}
	for (i = 0; pdev && i < 256; i++) {
		int irq = pci_irq_vector(pdev, i);
		int score;

		if (irq <= 0)
			break;
		skbf_irq_read(irq, this, sizeof(this));
		score = skbf_irq_score(this);
		if (score > best_score) {
			best = irq;
			best_score = score;
			strscpy(name, this, len);
		}
	}
	if (best < 0 && dev->irq > 0) {
		best = dev->irq;
		skbf_irq_read(best, name, len);
	}
	return best;
}

/**
 * skbf_nic_cpu() - the CPU that services a NIC, and the rule that chose it
 * @dev: the NIC, or NULL; the caller holds rtnl_lock() when it is not NULL
 * @t: its cpus, rule, irq and irq_name are set
 *
 * The IRQ is the one the driver tied to the first receive queue's NAPI
 * where it did (6.8+), else the NIC's vector whose name says receive; the
 * CPU is the first online one of that IRQ's effective affinity (or of the
 * affinity it is moving to).  Without an IRQ, the first online CPU of the
 * NIC's NUMA node; else the CPU the caller runs on.
 */
VISIBLE_IF_KUNIT void skbf_nic_cpu(struct net_device *dev, struct skbf_target *t)
{
	struct device *parent = dev ? dev->dev.parent : NULL;
	unsigned int cpu = nr_cpu_ids;
	int irq = dev ? skbf_rxq_napi_irq(dev) : 0, node;

	cpumask_clear(t->cpus);
	t->w.irq = -1;
	t->w.irq_name[0] = '\0';
	if (irq > 0) {
		t->w.rule = SKBF_RULE_NIC_NAPI;
	} else if (dev) {
		irq = skbf_nic_irq(dev, t->w.irq_name, sizeof(t->w.irq_name));
		t->w.rule = SKBF_RULE_NIC_IRQ;
	}
	if (irq > 0) {
		cpu = skbf_irq_read(irq, t->w.irq_name, sizeof(t->w.irq_name));
		t->w.irq = irq;
	}
	if (cpu >= nr_cpu_ids) {
		node = parent ? dev_to_node(parent) : NUMA_NO_NODE;
		if (node != NUMA_NO_NODE)
			cpu = cpumask_first_and(cpumask_of_node(node), cpu_online_mask);
		t->w.rule = SKBF_RULE_NIC_NODE;
	}
	if (cpu >= nr_cpu_ids) {
		cpu = raw_smp_processor_id();
		t->w.rule = SKBF_RULE_WRITER;
	}
	cpumask_set_cpu(cpu, t->cpus);
}
EXPORT_SYMBOL_IF_KUNIT(skbf_nic_cpu);

static bool skbf_nic_has_irq(struct net_device *dev)
{
	char name[32];

	return skbf_rxq_napi_irq(dev) > 0 || skbf_nic_irq(dev, name, sizeof(name)) > 0;
}

/*
 * Under rtnl_lock(): the named NIC, or the first that is up, not loopback,
 * with an IRQ; registered, so a NETDEV_UNREGISTER for it is still to come.
 */
static struct net_device *skbf_nic_find(const char *name)
{
	struct net_device *dev;

	ASSERT_RTNL();
	if (*name) {
		dev = __dev_get_by_name(&init_net, name);
		return dev && dev->reg_state == NETREG_REGISTERED ? dev : NULL;
	}
	for_each_netdev(&init_net, dev) {
		if (dev->reg_state != NETREG_REGISTERED || !(dev->flags & IFF_UP) ||
		    (dev->flags & IFF_LOOPBACK))
			continue;
		if (skbf_nic_has_irq(dev))
			return dev;
	}
	return NULL;
}

/* What results say about the NIC, copied while rtnl_lock() holds it. */
static void skbf_nic_copy(struct net_device *dev, struct skbf_where *w)
{
	struct device *parent = dev->dev.parent;

	strscpy(w->nic, dev->name, sizeof(w->nic));
	w->ifindex = dev->ifindex;
	w->threaded = dev->threaded;
	if (parent && parent->driver)
		strscpy(w->driver, dev_driver_string(parent), sizeof(w->driver));
	else if (dev->rtnl_link_ops)
		strscpy(w->driver, dev->rtnl_link_ops->kind, sizeof(w->driver));
}

/*
 * Resolve cfg's dev=, cpu= and free_cpu= into @t: the NIC is looked up and
 * what results need copied, under rtnl_lock(); no reference is kept.
 */
static int skbf_target_resolve(const struct skbf_config *cfg, struct skbf_target *t,
			       char *why, size_t why_len)
{
	struct net_device *dev;
	int err = 0;

	memset(t, 0, sizeof(*t));
	t->w.free_cpu = SKBF_NO_CPU;
	t->w.irq = -1;
	if (!zalloc_cpumask_var(&t->cpus, GFP_KERNEL)) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	rtnl_lock();
	dev = skbf_nic_find(cfg->dev);
	if (dev)
		skbf_nic_copy(dev, &t->w);
	skbf_nic_cpu(dev, t);
	rtnl_unlock();

	if (*cfg->dev && !dev) {
		snprintf(why, why_len, "dev=%s: no such device", cfg->dev);
		err = -ENODEV;
	} else if (strcmp(cfg->cpu, "nic")) {
		t->w.rule = strcmp(cfg->cpu, "all") ? SKBF_RULE_LIST : SKBF_RULE_ALL;
		err = skbf_cpus_parse(cfg->cpu, t->cpus);
		if (err)
			snprintf(why, why_len, "cpu=%s: a CPU it names is offline", cfg->cpu);
	}
	if (!err && skbf_free_cpu_parse(cfg->free_cpu, &t->w.free_cpu)) {
		snprintf(why, why_len, "free_cpu=%s: that CPU is offline", cfg->free_cpu);
		err = -EINVAL;
	}
	if (!err && t->w.free_cpu >= 0 && cpumask_test_cpu(t->w.free_cpu, t->cpus)) {
		snprintf(why, why_len, "free_cpu=%d is one of the measuring CPUs (%*pbl)",
			 t->w.free_cpu, cpumask_pr_args(t->cpus));
		err = -EINVAL;
	}
	if (err)
		free_cpumask_var(t->cpus);
	return err;
}

/**
 * skbf_target_put() - release what skbf_target_get() took
 * @t: the target
 */
VISIBLE_IF_KUNIT void skbf_target_put(struct skbf_target *t)
{
	free_cpumask_var(t->cpus);
}
EXPORT_SYMBOL_IF_KUNIT(skbf_target_put);

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * skbf_target_get() - resolve where a run would execute, holding nothing
 * @cfg: the run's cpu=, free_cpu= and dev=
 * @t: filled in; release with skbf_target_put()
 *
 * Return: 0, -ENODEV when dev= names no device, -EINVAL when cpu= or
 * free_cpu= names an offline CPU or free_cpu= is a measuring one, or
 * -ENOMEM.
 */
VISIBLE_IF_KUNIT int skbf_target_get(const struct skbf_config *cfg, struct skbf_target *t)
{
	char why[96];

	return skbf_target_resolve(cfg, t, why, sizeof(why));
}
EXPORT_SYMBOL_IF_KUNIT(skbf_target_get);
#endif

/* ---- The environment a figure depends on ---- */

static const char *skbf_preempt_model(void)
{
	if (preempt_model_rt())
		return "rt";
	if (preempt_model_full())
		return "full";
	if (preempt_model_voluntary())
		return "voluntary";
	return "none";
}

/* Who runs the guest, from the CPUID hypervisor leaf where there is one. */
static void skbf_hypervisor(char *buf, size_t len)
{
#ifdef CONFIG_X86
	u32 eax, sig[3];
	char name[13];
	size_t i;

	if (!boot_cpu_has(X86_FEATURE_HYPERVISOR)) {
		strscpy(buf, "none (bare metal)", len);
		return;
	}
	cpuid(0x40000000, &eax, &sig[0], &sig[1], &sig[2]);
	memcpy(name, sig, sizeof(sig));
	name[12] = '\0';
	for (i = 0; name[i]; i++)
		if (!isprint(name[i]))
			name[i] = '?';
	if (!strcmp(name, "TCGTCGTCGTCG"))
		strscpy(buf, "TCG, QEMU's emulator: absolute times are emulated", len);
	else if (!strcmp(name, "KVMKVMKVM"))
		strscpy(buf, "KVM", len);
	else
		snprintf(buf, len, "yes, CPUID signature \"%s\"", name);
#else
	strscpy(buf, "unknown on this architecture", len);
#endif
}

static const char *skbf_cpu_model(void)
{
#ifdef CONFIG_X86
	if (boot_cpu_data.x86_model_id[0])
		return boot_cpu_data.x86_model_id;
#endif
	return init_utsname()->machine;
}

/*
 * Whether the clocksource is the TSC: its cycles, as a snapshot of the
 * timekeeper reads them, track get_cycles().  No exported interface
 * names the clocksource on every kernel this module builds for.
 */
static const char *skbf_clocksource(void)
{
	struct system_time_snapshot snap;
	u64 tsc;

	if (!skbf.have_tsc)
		return "unknown (no cycle counter to compare)";
	ktime_get_snapshot(&snap);
	tsc = get_cycles();
	return tsc >= snap.cycles && tsc - snap.cycles < 10 * 1000 * 1000 ?
	       "tsc" : "not the TSC (see /sys/devices/system/clocksource)";
}

static void skbf_env_show(struct seq_buf *s)
{
	char hv[64];

	skbf_hypervisor(hv, sizeof(hv));
	seq_buf_printf(s, "# version: skbfactory %s\n", SKBF_VERSION);
	seq_buf_printf(s, "# kernel: %s, preempt=%s%s, HZ=%d\n", init_utsname()->release,
		       skbf_preempt_model(),
		       IS_ENABLED(CONFIG_PREEMPT_DYNAMIC) ? " (dynamic)" : "", HZ);
	seq_buf_printf(s, "# machine: %s; hypervisor: %s; clocksource: %s\n", skbf_cpu_model(),
		       hv, skbf_clocksource());
	seq_buf_printf(s, "# allocator: init_on_alloc=%d init_on_free=%d kasan=%s",
		       want_init_on_alloc(GFP_KERNEL), want_init_on_free(),
		       IS_ENABLED(CONFIG_KASAN_GENERIC) ? "generic" :
		       IS_ENABLED(CONFIG_KASAN) ? "tags" : "off");
#ifdef CONFIG_KFENCE
	seq_buf_printf(s, " kfence_sample_interval=%lu", kfence_sample_interval);
#else
	seq_buf_printf(s, " kfence=off");
#endif
	seq_buf_printf(s, " lockdep=%s kmemleak=%s slub_debug=%s\n",
		       IS_ENABLED(CONFIG_LOCKDEP) ? "on" : "off",
		       IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) ? "on" : "off",
		       IS_ENABLED(CONFIG_SLUB_DEBUG_ON) ? "on" :
		       "off by default (a slub_debug= boot option shows in /proc/cmdline only)");
}

/* ---- The engine: worker threads, timed chunks, NAPI polls ---- */

/**
 * struct skbf_rep - one repetition of one worker
 * @index: which repetition (warmup ones included)
 * @ns: time in kept chunks
 * @steps: allocation and release steps in kept chunks, two per op
 * @all_steps: steps in all chunks, for the wall-clock rate of a sum row
 * @alloc_ns: batch >= 2: time in allocation phases of kept chunks
 * @alloc_steps: allocations in them
 * @free_ns: batch >= 2: time in release phases of kept chunks
 * @free_steps: releases in them
 * @tsc: get_cycles() ticks in kept chunks
 * @pmu: PMU cycles and instructions around kept chunks
 * @start_ns: when the repetition started (after the barrier)
 * @end_ns: when it ended
 * @csw: context switches of the measuring thread during chunks
 * @irqs: hard IRQs and softirqs on the CPU during kept chunks
 * @dropped: chunks left out of the timing
 * @chunks: kept chunks in process context and in softirq
 * @fails: failed allocations in all chunks
 */
struct skbf_rep {
	u32 index;
	u64 ns;
	u64 steps;
	u64 all_steps;
	u64 alloc_ns;
	u64 alloc_steps;
	u64 free_ns;
	u64 free_steps;
	u64 tsc;
	u64 pmu[2];
	u64 start_ns;
	u64 end_ns;
	u64 csw;
	u64 irqs;
	u64 dropped;
	u64 chunks[2];
	u64 fails;
};

/* What one chunk did. */
struct skbf_lap {
	u64 ns;
	u64 steps;
	u64 alloc_ns;
	u64 alloc_steps;
	u64 free_ns;
	u64 free_steps;
	u64 made;
	u64 released;
	u64 failed;
};

/**
 * struct skbf_worker - one measuring thread, bound to one CPU
 * @f: what to make
 * @run: the run it belongs to
 * @pc: its CPU's NAPI instance
 * @task: the thread
 * @cpu: its CPU
 * @lat: latency sampling on
 * @handoff: free_cpu: objects go to @ring as they are made
 * @napi_on: its NAPI instance is enabled and points at it
 * @produced: nothing more will enter @ring
 * @cut: another CPU finished this repetition: stop at a batch boundary
 * @kept: the last chunk was kept
 * @obj: the current batch's objects
 * @lat_ticks: per batch slot, the sampled allocation's ticks plus one (0: none)
 * @hist: sampled op latencies, log2 buckets of ticks
 * @lat_samples: operations timed one by one
 * @batch: the configured batch
 * @want: objects in the current batch
 * @held: of those, allocated
 * @freed: of those, released
 * @block: steps between clock reads, a power of two
 * @rep: the repetition in progress
 * @steps_left: steps this repetition still needs
 * @lat_next: allocations until the next latency sample
 * @fail_every: KUnit fault hook, from the run
 * @fail_burst: KUnit fault hook: fail_every failures, then as many successes
 * @fail_tick: allocations seen by the hook
 * @bh_longest_ns: the longest chunk run with BH off (in softirq)
 * @bh_chunks: chunks run with BH off
 * @bh_over: of those, chunks longer than SKBF_CHUNK_MAX_NS
 * @bh_hist: their lengths, in SKBF_BH_BUCKET_NS buckets
 * @cur: the repetition in progress
 * @reps: the kept repetitions
 * @nreps: how many
 * @polled: completed by the NAPI poll after its chunk
 * @ring: free_cpu: objects on their way to the releasing CPU
 * @pending: free_cpu: an object the full ring did not take yet
 * @pmu: PMU counters (cycles, instructions) on @cpu, or NULL
 * @pmu_gaps: a PMU counter was not counting all the time
 * @cons_ns: the releasing thread's busy time on this worker's objects
 * @cons_n: objects it released that were made in kept repetitions
 * @handed: objects handed over so far
 * @timed_from: free_cpu: the first object (by @handed) of the kept
 *	repetitions, U64_MAX until they start
 * @consumed: objects the releasing thread took from @ring so far
 * @cons_remote: objects it released, counted when it ran on free_cpu
 * @cons_clones: skb_clone: clones it released
 * @cons_companions: of those, the parent's fclone companion
 * @ring_full: times the ring was full when an object was handed over
 * @net_dropped: chunks left out because NET_RX or NET_TX ran in them
 */
struct skbf_worker {
	struct skbf_factory f;
	struct skbf_run *run;
	struct skbf_pcpu *pc;
	struct task_struct *task;
	unsigned int cpu;
	bool lat;
	bool handoff;
	bool napi_on;
	bool produced;
	bool cut;
	bool kept;
	void **obj;
	u32 *lat_ticks;
	u32 *hist;
	u64 lat_samples;
	u32 batch;
	u32 want;
	u32 held;
	u32 freed;
	u32 block;
	u32 rep;
	u64 steps_left;
	u32 lat_next;
	u32 fail_every;
	bool fail_burst;
	u64 fail_tick;
	u64 bh_longest_ns;
	u64 bh_chunks;
	u64 bh_over;
	u32 bh_hist[SKBF_BH_BUCKETS];
	struct skbf_rep cur;
	struct skbf_rep *reps;
	u32 nreps;
	struct completion polled;
	struct ptr_ring ring;
	void *pending;
	struct perf_event *pmu[2];
	bool pmu_gaps;
	u64 handed;
	u64 timed_from;
	u64 ring_full;
	u64 net_dropped;
	/* Written by the releasing thread: away from what the worker writes. */
	u64 cons_ns ____cacheline_aligned_in_smp;
	u64 cons_n;
	u64 consumed;
	u64 cons_remote;
	u64 cons_clones;
	u64 cons_companions;
};

/**
 * struct skbf_consumer - free_cpu's thread: releases what the workers make
 * @run: the run
 * @task: the thread, bound to @cpu
 * @cpu: the releasing CPU
 * @mode: what the workers make
 * @w: the workers whose rings it drains
 * @n: how many
 */
struct skbf_consumer {
	struct skbf_run *run;
	struct task_struct *task;
	unsigned int cpu;
	enum skbf_mode mode;
	struct skbf_worker **w;
	unsigned int n;
};

static bool skbf_stopping(const struct skbf_run *run)
{
	return READ_ONCE(run->stop);
}

/**
 * skbf_run_stop() - end a run at its threads' next chunk boundary
 * @run: the run
 * @err: the errno its writer gets; the first stop of a run wins
 * @why: what stopped it, for last_error
 *
 * Callable from any process context, any number of times.
 */
VISIBLE_IF_KUNIT void skbf_run_stop(struct skbf_run *run, int err, const char *why)
{
	spin_lock(&run->stop_lock);
	if (!run->stop) {
		strscpy(run->stop_why, why, sizeof(run->stop_why));
		WRITE_ONCE(run->stop, err);
	}
	spin_unlock(&run->stop_lock);
	/*
	 * Threads waiting at the repetition barrier look again.  The store
	 * must be visible before wake_up_var() looks for waiters.
	 */
	smp_mb();
	wake_up_var(&run->gen);
}
EXPORT_SYMBOL_IF_KUNIT(skbf_run_stop);

/* A thread no longer measures: CPU hotplug waits for this. */
static void skbf_measured(struct skbf_run *run)
{
	if (atomic_dec_and_test(&run->measuring))
		wake_up_var(&run->measuring);
}

/* A thread is done: the writer waits for the last one. */
static void skbf_thread_done(struct skbf_run *run)
{
	if (atomic_dec_and_test(&run->running))
		complete(&run->done);
}

/* Stay until the writer collects the results with kthread_stop(). */
static void skbf_park(void)
{
	set_current_state(TASK_IDLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_IDLE);
	}
	__set_current_state(TASK_RUNNING);
}

/* KUnit's faults: every Nth allocation, or bursts of N failures and N successes. */
static __always_inline bool skbf_fail_now(struct skbf_worker *w)
{
#if IS_ENABLED(CONFIG_KUNIT)
	if (unlikely(w->fail_every)) {
		w->fail_tick++;
		if (w->fail_burst)
			return (w->fail_tick - 1) / w->fail_every % 2 == 0;
		return w->fail_tick % w->fail_every == 0;
	}
#endif
	return false;
}

/* Latency samples count cycles where the CPU has a counter, else ns. */
static __always_inline u64 skbf_tick(void)
{
	return skbf.have_tsc ? get_cycles() : ktime_get_ns();
}

static unsigned int skbf_hist_bucket(u64 ticks)
{
	unsigned int msb, b;

	if (ticks < SKBF_LAT_SUB)
		return ticks;
	msb = fls64(ticks) - 1;	/* >= 3 */
	b = (msb - 2) * SKBF_LAT_SUB + ((ticks >> (msb - 3)) & (SKBF_LAT_SUB - 1));
	return min_t(unsigned int, b, SKBF_LAT_BUCKETS - 1);
}

/* The middle of a bucket's range. */
static u64 skbf_hist_value(unsigned int b)
{
	unsigned int msb = b / SKBF_LAT_SUB + 2;
	u64 width;

	if (b < SKBF_LAT_SUB)
		return b;
	width = 1ULL << (msb - 3);
	return ((SKBF_LAT_SUB + b % SKBF_LAT_SUB) << (msb - 3)) + width / 2;
}

/**
 * skbf_lat_gap() - allocations from one latency sample to the next
 *
 * Uniform in 1..2 * SKBF_LAT_EVERY - 1: one in SKBF_LAT_EVERY on average.
 * Not every SKBF_LAT_EVERY-th: with a batch that divides it (or that it
 * divides) that would time the same batch positions, the first after a
 * release phase, and never the refills that land elsewhere.
 *
 * Return: the gap, at least 1.
 */
VISIBLE_IF_KUNIT u32 skbf_lat_gap(void)
{
	return 1 + get_random_u32() % (2 * SKBF_LAT_EVERY - 1);
}
EXPORT_SYMBOL_IF_KUNIT(skbf_lat_gap);

static __always_inline void *skbf_alloc_one(struct skbf_worker *w, const enum skbf_mode mode,
					    u32 slot, struct skbf_lap *lap)
{
	bool sample = w->lat && !--w->lat_next;
	u64 t0 = 0;
	void *obj;

	if (unlikely(sample))
		t0 = skbf_tick();
	obj = skbf_fail_now(w) ? NULL : skbf_make(&w->f, mode, slot);
	if (unlikely(sample)) {
		w->lat_ticks[slot] = min_t(u64, skbf_tick() - t0, U32_MAX - 1) + 1;
		w->lat_next = skbf_lat_gap();
	}
	if (likely(obj))
		lap->made++;
	else
		lap->failed++;
	return obj;
}

/*
 * free_cpu: the ring is full.  Spin until the releasing CPU makes room,
 * but never past the chunk's hard end (BH may be off) or a stop: then the
 * object waits in @pending for the next chunk.
 */
static noinline bool skbf_hand_over_slow(struct skbf_worker *w, void *obj, u64 hard)
{
	unsigned int spins = 0;

	WRITE_ONCE(w->ring_full, w->ring_full + 1);
	while (__ptr_ring_produce(&w->ring, obj)) {
		cpu_relax();
		if (++spins % 64)
			continue;
		if (skbf_stopping(w->run) || ktime_get_ns() >= hard) {
			w->pending = obj;
			return false;
		}
	}
	return true;
}

/*
 * One producer per ring and one consumer: each side's lock would only
 * ever be taken by that side, so the unlocked ring operations are used.
 */
static __always_inline bool skbf_hand_over(struct skbf_worker *w, void *obj, u64 hard)
{
	if (unlikely(__ptr_ring_produce(&w->ring, obj)) && !skbf_hand_over_slow(w, obj, hard))
		return false;
	w->handed++;
	return true;
}

/* Release (or hand over) one object; false when the ring stalled. */
static __always_inline bool skbf_give(struct skbf_worker *w, const enum skbf_mode mode,
				      u32 slot, void *obj, u64 hard, struct skbf_lap *lap)
{
	u32 sampled = w->lat ? w->lat_ticks[slot] : 0;
	u64 t0 = 0;

	if (unlikely(sampled))
		t0 = skbf_tick();
	if (likely(obj)) {
		if (unlikely(w->handoff)) {
			if (!skbf_hand_over(w, obj, hard)) {
				/* Handed over next chunk: this op is not timed alone. */
				if (sampled)
					w->lat_ticks[slot] = 0;
				return false;
			}
		} else {
			skbf_drop(&w->f, mode, obj);
			lap->released++;
		}
	}
	if (unlikely(sampled)) {
		w->hist[skbf_hist_bucket(sampled - 1 + skbf_tick() - t0)]++;
		w->lat_samples++;
		w->lat_ticks[slot] = 0;
	}
	return true;
}

/*
 * The timed loop of one chunk: steps until about SKBF_CHUNK_NS have
 * passed or the repetition has its steps.  The clock is read every
 * @w->block steps, so a chunk ends at most a block after its deadline.  A
 * batch allocates its objects, then releases them all, and may span
 * chunks; with batch >= 2 each block lies in one phase, so the clock reads
 * that end blocks time the two phases apart.
 */
static __always_inline void skbf_steps(struct skbf_worker *w, const enum skbf_mode mode,
				       struct skbf_lap *lap)
{
	const u64 t0 = ktime_get_ns();
	const u64 deadline = t0 + SKBF_CHUNK_NS, hard = t0 + SKBF_CHUNK_MAX_NS;
	const u64 left = w->steps_left;
	const u32 block = w->block;
	u64 now, mark = t0;
	u32 i, k;

	if (unlikely(w->pending)) {
		if (!skbf_hand_over(w, w->pending, hard))
			goto out;
		w->pending = NULL;
		lap->steps++;
	}
	if (w->batch == 1) {
		while (lap->steps < left && !w->cut) {
			/* An op is two steps. */
			k = min_t(u64, max(block / 2, 1U), DIV_ROUND_UP(left - lap->steps, 2));
			for (i = 0; i < k; i++) {
				void *obj = skbf_alloc_one(w, mode, 0, lap);

				if (unlikely(!skbf_give(w, mode, 0, obj, hard, lap)))
					break;
			}
			lap->steps += 2 * i;
			if (unlikely(i < k)) {
				lap->steps++;	/* made, handed over next chunk */
				break;
			}
			if (ktime_get_ns() >= deadline)
				break;
		}
		goto out;
	}
	for (;;) {
		if (w->freed == w->want) {
			if (lap->steps >= left || w->cut)
				break;
			w->want = min_t(u64, w->batch, DIV_ROUND_UP(left - lap->steps, 2));
			w->held = 0;
			w->freed = 0;
		}
		if (w->held < w->want) {
			k = min(block, w->want - w->held);
			for (i = w->held; i < w->held + k; i++)
				w->obj[i] = skbf_alloc_one(w, mode, i, lap);
			w->held += k;
			now = ktime_get_ns();
			lap->alloc_ns += now - mark;
			lap->alloc_steps += k;
		} else {
			k = min(block, w->held - w->freed);
			for (i = w->freed; i < w->freed + k; i++)
				skbf_give(w, mode, i, w->obj[i], hard, lap);
			w->freed += k;
			now = ktime_get_ns();
			lap->free_ns += now - mark;
			lap->free_steps += k;
		}
		mark = now;
		lap->steps += k;
		if (now >= deadline)
			break;
	}
out:
	lap->ns = ktime_get_ns() - t0;
}

/* One specialised loop per mode, so the timed path has no indirect call. */
static noinline void skbf_dispatch(struct skbf_worker *w, struct skbf_lap *lap)
{
	switch (w->f.mode) {
	case SKBF_ALLOC_SKB:
		return skbf_steps(w, SKBF_ALLOC_SKB, lap);
	case SKBF_ALLOC_SKB_FCLONE:
		return skbf_steps(w, SKBF_ALLOC_SKB_FCLONE, lap);
	case SKBF_ALLOC_SKB_WITH_FRAGS:
		return skbf_steps(w, SKBF_ALLOC_SKB_WITH_FRAGS, lap);
	case SKBF_SKB_CLONE:
		return skbf_steps(w, SKBF_SKB_CLONE, lap);
	case SKBF_NETDEV_ALLOC_SKB:
		return skbf_steps(w, SKBF_NETDEV_ALLOC_SKB, lap);
	case SKBF_NAPI_ALLOC_SKB:
		return skbf_steps(w, SKBF_NAPI_ALLOC_SKB, lap);
	case SKBF_BUILD_SKB:
		return skbf_steps(w, SKBF_BUILD_SKB, lap);
	case SKBF_PAGE_POOL:
		return skbf_steps(w, SKBF_PAGE_POOL, lap);
	case SKBF_KMALLOC_FLOOR:
		return skbf_steps(w, SKBF_KMALLOC_FLOOR, lap);
	default:
		return skbf_steps(w, SKBF_EMPTY, lap);
	}
}

/*
 * Hard IRQs and softirqs a CPU has taken, from the per-CPU counters, modulo
 * 2^32 like the narrowest of them, so that a difference survives a wrap.
 */
static u32 skbf_irqs(unsigned int cpu)
{
	u32 n = skbf_hardirqs(cpu);
	unsigned int i;

	for (i = 0; i < NR_SOFTIRQS; i++)
		n += kstat_softirqs_cpu(i, cpu);
	return n;
}

/*
 * The network softirqs run on @cpu so far: a task chunk in which they ran
 * inline (on an interrupt's exit) holds the NIC's traffic, not our ops.
 */
static u32 skbf_net_softirqs(unsigned int cpu)
{
	return kstat_softirqs_cpu(NET_RX_SOFTIRQ, cpu) + kstat_softirqs_cpu(NET_TX_SOFTIRQ, cpu);
}

/* Publish a chunk's counts: every skb is counted where it was made or released. */
static void skbf_flush(const struct skbf_worker *w, const struct skbf_lap *lap)
{
	if (skbf_modes[w->f.mode].skb) {
		atomic64_add(lap->made, &skbf_stats.allocated);
		atomic64_add(lap->released, &skbf_stats.freed);
	}
	atomic64_add(lap->failed, &skbf_stats.alloc_failures);
}

/*
 * Read the clock about every SKBF_BLOCK_NS.  Chunks with failures keep the
 * block they had: a failed allocation can be far cheaper than a good one,
 * and a block sized by failures would overrun the deadline when they stop.
 */
static void skbf_tune(struct skbf_worker *w, const struct skbf_lap *lap)
{
	u64 per_step, block;

	if (lap->failed || !lap->steps)
		return;
	per_step = max_t(u64, div64_u64(lap->ns, lap->steps), 1);
	block = clamp_t(u64, SKBF_BLOCK_NS / per_step, 1, SKBF_BLOCK_MAX);
	w->block = min_t(u32, rounddown_pow_of_two(block), 2 * w->block);
}

/*
 * One timed chunk and its accounting, in the worker's thread or in its
 * NAPI poll.  A chunk in which the thread was switched out, that did not
 * run on the worker's CPU, or in which NET_RX or NET_TX ran (a task chunk
 * only: a softirq chunk runs inside NET_RX, which counted itself before),
 * is left out of the timing: a busy machine or NIC makes a run slower to
 * finish, not its figures wrong.
 */
static void skbf_chunk(struct skbf_worker *w)
{
	struct task_struct *me = current;
	unsigned long csw = me->nvcsw + me->nivcsw;
	unsigned int cpu = raw_smp_processor_id();
	bool softirq = in_serving_softirq();
	struct skbf_rep *r = &w->cur;
	struct skbf_lap lap = {};
	u32 irqs = skbf_irqs(cpu), net = skbf_net_softirqs(cpu);
	cycles_t c0 = get_cycles(), c1;

	skbf_dispatch(w, &lap);
	if (IS_ENABLED(CONFIG_KUNIT) && unlikely(w->run->in_chunk) && !softirq)
		w->run->in_chunk(w->run);
	c1 = get_cycles();
	irqs = skbf_irqs(cpu) - irqs;
	net = skbf_net_softirqs(cpu) - net;
	csw = me->nvcsw + me->nivcsw - csw;
	w->kept = !csw && !net && cpu == w->cpu && raw_smp_processor_id() == w->cpu;
	if (softirq) {
		w->bh_chunks++;
		w->bh_over += lap.ns > SKBF_CHUNK_MAX_NS;
		w->bh_longest_ns = max(w->bh_longest_ns, lap.ns);
		w->bh_hist[min_t(u64, div_u64(lap.ns, SKBF_BH_BUCKET_NS), SKBF_BH_BUCKETS - 1)]++;
	}
	r->csw += csw;
	r->all_steps += lap.steps;
	if (w->kept) {
		r->ns += lap.ns;
		r->steps += lap.steps;
		r->alloc_ns += lap.alloc_ns;
		r->alloc_steps += lap.alloc_steps;
		r->free_ns += lap.free_ns;
		r->free_steps += lap.free_steps;
		r->tsc += c1 - c0;
		r->irqs += irqs;
		r->chunks[softirq]++;
	} else {
		r->dropped++;
		w->net_dropped += !!net;
	}
	r->fails += lap.failed;
	/*
	 * A repetition does count ops, dropped chunks' included, so counts
	 * stay exact; only when a busy machine left less than half of them
	 * timed does it go on until half are, up to four times its count.
	 */
	w->steps_left -= min(lap.steps, w->steps_left);
	if (!w->steps_left && r->steps < w->run->cfg.count &&
	    r->all_steps < 8ULL * w->run->cfg.count)
		w->steps_left = w->run->cfg.count - r->steps;
	skbf_flush(w, &lap);
	skbf_tune(w, &lap);
}

/*
 * The NAPI poll of the receive-path modes: one chunk per poll, in softirq
 * on the worker's CPU, with the poll's own budget for napi_consume_skb().
 * It completes at once, so the CPU leaves softirq after every chunk; the
 * worker schedules the next poll.
 */
static int skbf_poll(struct napi_struct *napi, int budget)
{
	struct skbf_pcpu *pc = container_of(napi, struct skbf_pcpu, napi);
	struct skbf_worker *w = READ_ONCE(pc->worker);

	if (likely(w)) {
		w->f.budget = budget;
		skbf_chunk(w);
	}
	napi_complete_done(napi, 0);
	if (likely(w))
		complete(&w->polled);
	return 0;
}

/* The kernel's perf counters, where it has them (UML has none). */
#ifdef CONFIG_PERF_EVENTS
static struct perf_event *skbf_pmu_counter(unsigned int cpu, u32 type, u64 config)
{
	/* Not pinned: a perf session of the machine's users keeps its counters. */
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = type,
		.config = config,
	};

	return perf_event_create_kernel_counter(&attr, cpu, NULL, NULL, NULL);
}

static u64 skbf_pmu_value(struct perf_event *ev, bool *gaps)
{
	u64 enabled, running, v = perf_event_read_value(ev, &enabled, &running);

	if (!running || running != enabled)
		*gaps = true;
	return v;
}

static void skbf_pmu_release(struct perf_event *ev)
{
	perf_event_release_kernel(ev);
}
#else
static struct perf_event *skbf_pmu_counter(unsigned int cpu, u32 type, u64 config)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static u64 skbf_pmu_value(struct perf_event *ev, bool *gaps)
{
	return 0;
}

static void skbf_pmu_release(struct perf_event *ev)
{
}
#endif

/*
 * PMU counts, read in process context (perf_event_read_value() may sleep).
 * A counter that did not count all the time it was enabled (multiplexed
 * with other users' events, or in error) makes the row's PMU figures "-".
 */
static void skbf_pmu_read(struct skbf_worker *w, u64 *v)
{
	int i;

	for (i = 0; i < 2; i++)
		v[i] = w->pmu[i] ? skbf_pmu_value(w->pmu[i], &w->pmu_gaps) : 0;
}

static void skbf_pmu_add(struct skbf_worker *w, const u64 *v0)
{
	u64 v[2];
	int i;

	if (!w->pmu[0])
		return;
	skbf_pmu_read(w, v);
	for (i = 0; w->kept && i < 2; i++)
		w->cur.pmu[i] += v[i] - v0[i];
}

/* Whether the repetition goes on: steps to do, a batch or handover to finish. */
static bool skbf_rep_more(struct skbf_worker *w)
{
	struct skbf_run *run = w->run;

	if (skbf_stopping(run))
		return false;
	/*
	 * A CPU woken late still measures one chunk of a repetition the
	 * others have ended, so the sum row has a rate from every CPU.
	 */
	if (run->nr_workers > 1 && w->cur.all_steps && READ_ONCE(run->cut) > w->rep)
		w->cut = true;
	if (w->pending || w->freed != w->want)
		return true;
	return w->steps_left && !w->cut;
}

static void skbf_rep_task(struct skbf_worker *w)
{
	u64 pmu[2];

	while (skbf_rep_more(w)) {
		skbf_pmu_read(w, pmu);
		skbf_chunk(w);
		skbf_pmu_add(w, pmu);
		cond_resched();
	}
}

static void skbf_rep_napi(struct skbf_worker *w)
{
	u64 pmu[2];

	while (skbf_rep_more(w)) {
		skbf_pmu_read(w, pmu);
		reinit_completion(&w->polled);
		local_bh_disable();
		napi_schedule(&w->pc->napi);
		local_bh_enable();	/* NET_RX runs the poll here, or in ksoftirqd */
		/* TASK_IDLE: a starved NET_RX is no hung task, nor load. */
		wait_for_completion_state(&w->polled, TASK_IDLE);
		skbf_pmu_add(w, pmu);
		cond_resched();
	}
}

/*
 * The repetition barrier: with several CPUs, every repetition starts on
 * all of them together.  False when the run is stopping.
 */
static bool skbf_barrier(struct skbf_run *run)
{
	/* Pairs with the release below: a new generation comes after the reset. */
	u32 gen = smp_load_acquire(&run->gen);

	if (run->nr_workers > 1) {
		if (atomic_inc_return(&run->arrived) == run->nr_workers) {
			atomic_set(&run->arrived, 0);
			/* The count is reset before anyone leaves, and may arrive again. */
			smp_store_release(&run->gen, gen + 1);
			/* The new generation is visible before the waiters are looked for. */
			smp_mb();
			wake_up_var(&run->gen);
		} else {
			/*
			 * Pairs with the release above.  TASK_IDLE: a CPU its
			 * peers wait on may be starved for minutes; that is no
			 * hung task.
			 */
			___wait_var_event(&run->gen, smp_load_acquire(&run->gen) != gen ||
					  skbf_stopping(run), TASK_IDLE, 0, 0, schedule());
		}
	}
	return !skbf_stopping(run);
}

static void skbf_rep(struct skbf_worker *w, u32 rep)
{
	memset(&w->cur, 0, sizeof(w->cur));
	w->cur.index = rep;
	w->rep = rep;
	w->cut = false;
	w->steps_left = 2ULL * w->run->cfg.count;
	w->want = 0;
	w->held = 0;
	w->freed = 0;
	w->cur.start_ns = ktime_get_ns();
	if (skbf_mode_ctx(w->f.mode) == SKBF_CTX_NAPI)
		skbf_rep_napi(w);
	else
		skbf_rep_task(w);
	w->cur.end_ns = ktime_get_ns();
}

/* skb_clone: one live fclone skb per batch slot, made on the worker's CPU. */
static int skbf_parents_make(struct skbf_worker *w)
{
	u64 made = 0;
	u32 i;

	for (i = 0; i < w->batch && !skbf_stopping(w->run); i++) {
		w->f.parents[i] = skbf_parent(&w->f);
		if (!w->f.parents[i]) {
			atomic64_inc(&skbf_stats.alloc_failures);
			break;
		}
		made++;
		if (!(i % 64))
			cond_resched();
	}
	atomic64_add(made, &skbf_stats.allocated);
	return i == w->batch || skbf_stopping(w->run) ? 0 : -ENOMEM;
}

/* Release what a stopped batch, a stalled handover and skb_clone still hold. */
static void skbf_drain(struct skbf_worker *w)
{
	enum skbf_mode mode = w->f.mode;
	u64 released = 0;
	u32 i;

	for (i = w->freed; i < w->held; i++) {
		if (w->obj[i]) {
			skbf_release_any(mode, w->obj[i]);
			released++;
		}
		if (!(i % 64))
			cond_resched();
	}
	w->want = 0;
	w->held = 0;
	w->freed = 0;
	if (w->pending) {
		skbf_release_any(mode, w->pending);
		w->pending = NULL;
		released++;
	}
	for (i = 0; w->f.parents && i < w->batch; i++) {
		if (w->f.parents[i]) {
			consume_skb(w->f.parents[i]);
			w->f.parents[i] = NULL;
			released++;
		}
		if (!(i % 64))
			cond_resched();
	}
	if (skbf_modes[mode].skb)
		atomic64_add(released, &skbf_stats.freed);
}

static int skbf_worker_fn(void *arg)
{
	struct skbf_worker *w = arg;
	struct skbf_run *run = w->run;
	u32 total = run->cfg.warmup + run->cfg.repeat, rep;

	if (w->f.parents && skbf_parents_make(w))
		skbf_run_stop(run, -ENOMEM, "out of memory for skb_clone's parent skbs");
	for (rep = 0; rep < total && skbf_barrier(run); rep++) {
		/*
		 * Objects from here on are the kept repetitions' (a ring is
		 * FIFO); the ring's own smp_wmb() orders this before them.
		 */
		if (rep == run->cfg.warmup) {
			WRITE_ONCE(w->timed_from, w->handed);
			/* The latency samples of the warmup go too. */
			if (w->lat) {
				memset(w->hist, 0, SKBF_LAT_BUCKETS * sizeof(*w->hist));
				w->lat_samples = 0;
			}
		}
		skbf_rep(w, rep);
		if (skbf_stopping(run))
			break;
		/* The first CPU to finish ends the repetition on the others. */
		if (!w->cut)
			cmpxchg(&run->cut, rep, rep + 1);
		if (rep >= run->cfg.warmup && w->cur.all_steps)
			w->reps[w->nreps++] = w->cur;
		if (w == run->lead)
			WRITE_ONCE(run->progress_rep, rep + 1);
	}
	skbf_measured(run);
	skbf_drain(w);
	/* Every object is in the ring before the releasing thread sees this. */
	smp_store_release(&w->produced, true);
	skbf_thread_done(run);
	skbf_park();
	return 0;
}

/*
 * free_cpu's thread: releases what the workers hand over, as a socket
 * reader's CPU would, with consume_skb() (skb_attempt_defer_free() is not
 * exported).  Its busy time per object is the free_ns of a free_cpu row.
 */
static int skbf_consumer_fn(void *arg)
{
	struct skbf_consumer *c = arg;
	struct skbf_run *run = c->run;
	unsigned int idle = 0, i, j, k;
	bool done, produced;
	void *objs[64];
	u64 got;

	for (;;) {
		done = true;
		got = 0;
		for (i = 0; i < c->n; i++) {
			struct skbf_worker *w = c->w[i];
			u64 t0, from, timed;

			/* Pairs with the worker's release: its last object is in the ring. */
			produced = smp_load_acquire(&w->produced);
			if (!produced)
				done = false;
			/* KUnit's late releasing CPU lets each ring fill first. */
			if (IS_ENABLED(CONFIG_KUNIT) && run->release_late && !produced &&
			    !READ_ONCE(w->ring_full))
				continue;
			k = __ptr_ring_consume_batched(&w->ring, objs, ARRAY_SIZE(objs));
			if (!k)
				continue;
			/*
			 * Objects the worker made in kept repetitions: it set
			 * timed_from before it handed over the first of them,
			 * so read it after them (pairs with the ring's smp_wmb).
			 */
			smp_rmb();
			from = READ_ONCE(w->timed_from);
			timed = w->consumed + k - clamp(from, w->consumed, w->consumed + k);
			w->consumed += k;
			/*
			 * A clone made while the previous one is still in the
			 * ring finds its parent's companion taken and comes
			 * from the slab instead: count which path each took.
			 */
			if (c->mode == SKBF_SKB_CLONE) {
				for (j = 0; j < k; j++)
					w->cons_companions += ((struct sk_buff *)objs[j])->fclone ==
							      SKB_FCLONE_CLONE;
				w->cons_clones += k;
			}
			t0 = ktime_get_ns();
			for (j = 0; j < k; j++)
				skbf_release_any(c->mode, objs[j]);
			if (raw_smp_processor_id() == c->cpu)
				w->cons_remote += k;
			w->cons_ns += div_u64((ktime_get_ns() - t0) * timed, k);
			w->cons_n += timed;
			got += k;
		}
		if (skbf_modes[c->mode].skb)
			atomic64_add(got, &skbf_stats.freed);
		if (got) {
			idle = 0;
			cond_resched();
			continue;
		}
		if (done || skbf_stopping(run))
			break;
		if (++idle % 1024)
			cpu_relax();
		else
			cond_resched();
	}
	skbf_measured(run);
	skbf_thread_done(run);
	skbf_park();
	return 0;
}

static void skbf_pmu_open(struct skbf_worker *w)
{
	static const u64 hw[2] = { PERF_COUNT_HW_CPU_CYCLES, PERF_COUNT_HW_INSTRUCTIONS };
	struct skbf_run *run = w->run;
	struct perf_event *ev;
	int i;

	for (i = 0; i < 2; i++) {
		/* KUnit counts a software clock through the same path. */
		if (run->pmu_type)
			ev = skbf_pmu_counter(w->cpu, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK);
		else
			ev = skbf_pmu_counter(w->cpu, PERF_TYPE_HARDWARE, hw[i]);
		if (IS_ERR(ev)) {
			run->res->pmu_err = PTR_ERR(ev);
			for (; i > 0; i--) {
				skbf_pmu_release(w->pmu[i - 1]);
				w->pmu[i - 1] = NULL;
			}
			return;
		}
		w->pmu[i] = ev;
	}
}

/* Release a ring's leftovers: a stopped run's, or the releasing CPU's. */
static void skbf_ring_drain(struct skbf_worker *w)
{
	u64 released = 0;
	void *obj;

	while ((obj = __ptr_ring_consume(&w->ring))) {
		skbf_release_any(w->f.mode, obj);
		if (!(++released % 64))
			cond_resched();
	}
	if (skbf_modes[w->f.mode].skb)
		atomic64_add(released, &skbf_stats.freed);
	ptr_ring_cleanup(&w->ring, NULL);
}

static void skbf_worker_free(struct skbf_worker *w)
{
	int i;

	if (!w)
		return;
	if (w->task)
		kthread_stop(w->task);
	if (w->napi_on) {
		WRITE_ONCE(w->pc->worker, NULL);
		napi_disable(&w->pc->napi);
	}
	if (w->handoff && w->ring.queue)
		skbf_ring_drain(w);
	/* After the NAPI is disabled and every page is back. */
	if (!IS_ERR_OR_NULL(w->f.pool))
		page_pool_destroy(w->f.pool);
	for (i = 0; i < 2; i++)
		if (w->pmu[i])
			skbf_pmu_release(w->pmu[i]);
	kvfree(w->obj);
	kvfree(w->lat_ticks);
	kvfree(w->hist);
	kvfree(w->f.parents);
	kfree(w->reps);
	kfree(w);
}

static struct skbf_worker *skbf_worker_new(struct skbf_run *run, const struct skbf_target *t,
					   enum skbf_mode mode, unsigned int cpu)
{
	const struct skbf_config *cfg = &run->cfg;
	int node = cpu_to_node(cpu), err = -ENOMEM;
	struct skbf_worker *w;

	w = kzalloc_node(sizeof(*w), GFP_KERNEL, node);
	if (!w)
		return ERR_PTR(-ENOMEM);
	w->run = run;
	w->cpu = cpu;
	w->batch = cfg->batch;
	w->lat = cfg->latency;
	w->block = 1;
	w->fail_every = run->fail_every;
	w->fail_burst = run->fail_burst;
	w->handoff = t->w.free_cpu != SKBF_NO_CPU;
	w->pc = skbf.pcpu[cpu];
	w->timed_from = U64_MAX;
	init_completion(&w->polled);
	skbf_factory_init(&w->f, mode, cfg);
	w->f.napi = &w->pc->napi;
	if (run->dev)
		w->f.dev = run->dev;

	w->obj = kvzalloc_node(array_size(cfg->batch, sizeof(*w->obj)), GFP_KERNEL, node);
	w->reps = kcalloc(cfg->repeat, sizeof(*w->reps), GFP_KERNEL);
	if (!w->obj || !w->reps)
		goto fail;
	if (w->lat) {
		w->lat_ticks = kvzalloc_node(array_size(cfg->batch, sizeof(*w->lat_ticks)),
					     GFP_KERNEL, node);
		w->hist = kvzalloc_node(array_size(SKBF_LAT_BUCKETS, sizeof(*w->hist)),
					GFP_KERNEL, node);
		if (!w->lat_ticks || !w->hist)
			goto fail;
		w->lat_next = skbf_lat_gap();
	}
	if (mode == SKBF_SKB_CLONE) {
		w->f.parents = kvzalloc_node(array_size(cfg->batch, sizeof(*w->f.parents)),
					     GFP_KERNEL, node);
		if (!w->f.parents)
			goto fail;
	}
	if (w->handoff && ptr_ring_init(&w->ring, SKBF_RING, GFP_KERNEL))
		goto fail;
	if (mode == SKBF_PAGE_POOL) {
		w->f.pool = skbf_page_pool_create(w->f.napi, node, w->f.order, SKBF_POOL_SIZE);
		if (IS_ERR(w->f.pool)) {
			err = PTR_ERR(w->f.pool);
			goto fail;
		}
	}
	skbf_pmu_open(w);
	w->task = kthread_create_on_cpu(skbf_worker_fn, w, cpu, "skbfactory/%u");
	if (IS_ERR(w->task)) {
		err = PTR_ERR(w->task);
		w->task = NULL;
		goto fail;
	}
	skbf_inherit_make_it_fail(w->task);
	if (skbf_mode_ctx(mode) == SKBF_CTX_NAPI) {
		WRITE_ONCE(w->pc->worker, w);
		napi_enable(&w->pc->napi);
		w->napi_on = true;
	}
	return w;
fail:
	skbf_worker_free(w);
	return ERR_PTR(err);
}

static void skbf_consumer_free(struct skbf_consumer *c)
{
	if (!c)
		return;
	if (c->task)
		kthread_stop(c->task);
	kfree(c);
}

static struct skbf_consumer *skbf_consumer_new(struct skbf_run *run, enum skbf_mode mode,
					       unsigned int cpu, struct skbf_worker **w,
					       unsigned int n)
{
	struct skbf_consumer *c = kzalloc_node(sizeof(*c), GFP_KERNEL, cpu_to_node(cpu));
	int err;

	if (!c)
		return ERR_PTR(-ENOMEM);
	c->run = run;
	c->cpu = cpu;
	c->mode = mode;
	c->w = w;
	c->n = n;
	c->task = kthread_create_on_cpu(skbf_consumer_fn, c, cpu, "skbfactory-free/%u");
	if (IS_ERR(c->task)) {
		err = PTR_ERR(c->task);
		kfree(c);
		return ERR_PTR(err);
	}
	return c;
}

/*
 * Create the threads of one mode and release them.  The CPUs are checked
 * online under the CPU hotplug lock, and the threads are counted as
 * measuring before it is dropped: from then on, a CPU going down finds
 * them in skbf_cpu_down() and waits until they stop measuring.
 */
static int skbf_threads_start(struct skbf_run *run, const struct skbf_target *t,
			      enum skbf_mode mode, struct skbf_worker **w, unsigned int n)
{
	int free_cpu = t->w.free_cpu, err = 0;
	unsigned int i = 0, cpu;

	cpus_read_lock();
	if (skbf_stopping(run)) {
		err = run->stop;
		goto out;
	}
	if (!cpumask_subset(t->cpus, cpu_online_mask) ||
	    (free_cpu != SKBF_NO_CPU && !cpu_online(free_cpu))) {
		skbf_run_stop(run, -EAGAIN, "a CPU of the run went offline");
		err = -EAGAIN;
		goto out;
	}
	for_each_cpu(cpu, t->cpus) {
		w[i] = skbf_worker_new(run, t, mode, cpu);
		if (IS_ERR(w[i])) {
			err = PTR_ERR(w[i]);
			w[i] = NULL;
			goto out;
		}
		i++;
	}
	if (free_cpu != SKBF_NO_CPU) {
		run->consumer = skbf_consumer_new(run, mode, free_cpu, w, n);
		if (IS_ERR(run->consumer)) {
			err = PTR_ERR(run->consumer);
			run->consumer = NULL;
			goto out;
		}
	}
	run->lead = w[0];
	WRITE_ONCE(run->progress_rep, 0);
	atomic_set(&run->running, n + !!run->consumer);
	atomic_set(&run->measuring, n + !!run->consumer);
	for (i = 0; i < n; i++)
		wake_up_process(w[i]->task);
	if (run->consumer)
		wake_up_process(run->consumer->task);
out:
	cpus_read_unlock();
	if (err && err != run->stop)
		skbf_run_stop(run, err, err == -ENOMEM ? "out of memory" : "cannot start a thread");
	return err;
}

/*
 * Does a signal pending for the writer stop its run?  Every one but those
 * whose default action is to do nothing (SIGCHLD, SIGWINCH, SIGURG,
 * SIGCONT), even when the writer handles it: a shell writing run with its
 * builtin echo gets SIGCHLD whenever a job of its ends, SIGWINCH when its
 * terminal is resized, and neither means "stop".
 */
static bool skbf_signal_stops(void)
{
	unsigned long pending;
	unsigned int i;
	bool stops = false;

	/*
	 * Unlocked: a word is read whole, and a signal that lands just after
	 * is seen 10 ms later (skbf_wait()) or has woken the wait already.
	 */
	for (i = 0; i < _NSIG_WORDS; i++) {
		pending = READ_ONCE(current->pending.signal.sig[i]) |
			  READ_ONCE(current->signal->shared_pending.signal.sig[i]);
		stops |= pending & ~current->blocked.sig[i] &
			 (i ? ~0UL : ~(unsigned long)SIG_KERNEL_IGNORE_MASK);
	}
	return stops;
}

/*
 * Wait for the threads; a signal to the writer (skbf_signal_stops()) stops
 * them within a chunk.  One that does not stays pending until the write
 * returns, and would end an interruptible wait at once: from then on the
 * wait is killable, and looks for a stopping signal every 10 ms.
 */
static int skbf_wait(struct skbf_run *run)
{
	/* 0: the threads are done; else a signal came (or 10 ms went by). */
	long sig = wait_for_completion_interruptible(&run->done);

	/*
	 * The freezer (suspend, a cgroup's freeze) wakes the writer with no
	 * signal queued and cannot freeze it in a killable wait: it stops the
	 * run, as it always did.
	 */
	while (sig && !skbf_signal_stops() && !freezing(current))
		sig = wait_for_completion_killable_timeout(&run->done, msecs_to_jiffies(10)) <= 0;
	if (sig) {
		skbf_run_stop(run, -EINTR, "stopped by a signal to the writer; every skb released");
		wait_for_completion(&run->done);
	}
	return READ_ONCE(run->stop);
}

static void skbf_threads_free(struct skbf_run *run, struct skbf_worker **w, unsigned int n)
{
	unsigned int i;

	/* The releasing thread first: the rings are drained once it is gone. */
	skbf_consumer_free(run->consumer);
	run->consumer = NULL;
	for (i = 0; i < n; i++)
		skbf_worker_free(w[i]);
	run->lead = NULL;
}

/* ---- From repetitions to rows ---- */

static int skbf_s64_cmp(const void *a, const void *b)
{
	s64 x = *(const s64 *)a, y = *(const s64 *)b;

	return x < y ? -1 : x > y;
}

/* Sorts @v. */
static s64 skbf_median(s64 *v, u32 n)
{
	sort(v, n, sizeof(*v), skbf_s64_cmp, NULL);
	return (v[(n - 1) / 2] + v[n / 2]) / 2;
}

static u64 skbf_percentile(const u32 *hist, u64 samples, u32 per_mille)
{
	u64 rank = div_u64(samples * per_mille + 999, 1000), seen = 0;
	unsigned int b;

	for (b = 0; b < SKBF_LAT_BUCKETS; b++) {
		seen += hist[b];
		if (seen >= rank && seen)
			return skbf_hist_value(b);
	}
	return 0;
}

/* @num * @scale / @den, or -1 when there is nothing to divide by. */
static s64 skbf_ratio(u64 num, u64 scale, u64 den)
{
	return den ? (s64)mul_u64_u64_div_u64(num, scale, den) : -1;
}

/* The coefficient of variation of @n values, in percent times 100. */
static s64 skbf_cv_x100(const s64 *v, u32 n)
{
	u64 sum = 0, var = 0, mean;
	u32 i;

	for (i = 0; i < n; i++)
		sum += v[i];
	mean = div_u64(sum, n);
	if (!mean)
		return -1;
	for (i = 0; i < n; i++) {
		s64 d = v[i] - (s64)mean;

		var += (u64)(d * d);
	}
	return div64_u64((u64)int_sqrt64(div_u64(var, n)) * 10000, mean);
}

/*
 * ns per op of a repetition, times 100.  With batches, the allocation and
 * release phases are timed apart and an op is one of each: their costs
 * per step add up, whichever phase a dropped chunk cut short.
 */
static s64 skbf_rep_ns_x100(const struct skbf_rep *r)
{
	if (r->alloc_steps && r->free_steps)
		return skbf_ratio(r->alloc_ns, 100, r->alloc_steps) +
		       skbf_ratio(r->free_ns, 100, r->free_steps);
	return skbf_ratio(r->ns, 200, r->steps);
}

static void skbf_row_fill(struct skbf_row *row, struct skbf_worker *w, s64 *tmp)
{
	struct skbf_rep all = {};
	bool split = w->batch > 1, pmu;
	u32 i, n = 0;

	row->mode = w->f.mode;
	row->cpu = w->cpu;
	for (i = 0; i < w->nreps; i++) {
		const struct skbf_rep *r = &w->reps[i];

		/* A repetition whose chunks were all dropped counts, untimed. */
		if (r->steps)
			tmp[n++] = skbf_rep_ns_x100(r);
		all.ns += r->ns;
		all.steps += r->steps;
		all.all_steps += r->all_steps;
		all.alloc_ns += r->alloc_ns;
		all.alloc_steps += r->alloc_steps;
		all.free_ns += r->free_ns;
		all.free_steps += r->free_steps;
		all.tsc += r->tsc;
		all.pmu[0] += r->pmu[0];
		all.pmu[1] += r->pmu[1];
		all.csw += r->csw;
		all.irqs += r->irqs;
		all.dropped += r->dropped;
		all.chunks[0] += r->chunks[0];
		all.chunks[1] += r->chunks[1];
		all.fails += r->fails;
	}
	row->ops = all.all_steps / 2;
	row->fails = all.fails;
	row->csw = all.csw;
	row->irqs = all.irqs;
	row->dropped = all.dropped;
	row->ctx[0] = all.chunks[0];
	row->ctx[1] = all.chunks[1];
	row->cv_x100 = n ? skbf_cv_x100(tmp, n) : -1;
	row->ns_x100 = n ? skbf_median(tmp, n) : -1;
	row->ns_min_x100 = n ? tmp[0] : -1;
	row->ns_max_x100 = n ? tmp[n - 1] : -1;
	row->ops_per_sec = row->ns_x100 > 0 ? div64_u64(100ULL * NSEC_PER_SEC, row->ns_x100) : 0;
	row->alloc_x100 = split ? skbf_ratio(all.alloc_ns, 100, all.alloc_steps) : -1;
	if (w->handoff)
		row->free_x100 = skbf_ratio(w->cons_ns, 100, w->cons_n);
	else
		row->free_x100 = split ? skbf_ratio(all.free_ns, 100, all.free_steps) : -1;
	row->tsc_x100 = skbf.have_tsc ? skbf_ratio(all.tsc, 200, all.steps) : -1;
	/*
	 * The counters are read from the worker, around a chunk: in softirq
	 * modes that window holds the whole NET_RX softirq (other NAPIs, the
	 * NIC's own) and the switches to and from ksoftirqd.  Reading them
	 * in the poll needs perf_event_read_local(), not exported.
	 */
	pmu = w->pmu[0] && !w->pmu_gaps && skbf_modes[w->f.mode].ctx == SKBF_CTX_TASK;
	row->cycles_x100 = pmu ? skbf_ratio(all.pmu[0], 200, all.steps) : -1;
	row->ipc_x100 = pmu ? skbf_ratio(all.pmu[1], 100, all.pmu[0]) : -1;
	if (w->lat && w->lat_samples) {
		/* Ticks to ns by the ratio the kept chunks measured. */
		u64 to_ns = skbf.have_tsc ? all.tsc : all.ns;

		row->lat_samples = w->lat_samples;
		row->p50_ns = skbf_ratio(skbf_percentile(w->hist, w->lat_samples, 500),
					 all.ns, to_ns);
		row->p99_ns = skbf_ratio(skbf_percentile(w->hist, w->lat_samples, 990),
					 all.ns, to_ns);
		row->p999_ns = skbf_ratio(skbf_percentile(w->hist, w->lat_samples, 999),
					  all.ns, to_ns);
	}
}

/* The middle of the bucket the median BH-off chunk falls in. */
static u64 skbf_bh_median(const u64 *hist, u64 chunks)
{
	u64 seen = 0;
	unsigned int b;

	for (b = 0; b < SKBF_BH_BUCKETS && chunks; b++) {
		seen += hist[b];
		if (2 * seen >= chunks)
			return b * SKBF_BH_BUCKET_NS + SKBF_BH_BUCKET_NS / 2;
	}
	return 0;
}

/* A worker's kept repetition number @index, or NULL. */
static const struct skbf_rep *skbf_rep_of(const struct skbf_worker *w, u32 index)
{
	u32 i;

	for (i = 0; i < w->nreps; i++)
		if (w->reps[i].index == index)
			return &w->reps[i];
	return NULL;
}

/*
 * The sum row of several CPUs.  Their repetitions start together and end
 * when the first CPU finishes; ops_per_sec adds each CPU's wall-clock rate
 * over the repetition, the median over repetitions every CPU kept.  The
 * share of the longest span in which all of them measured goes in a
 * comment, so a reader sees how concurrent the figure is.
 */
static void skbf_sum_fill(struct skbf_results *res, struct skbf_row *sum, struct skbf_row *rows,
			  struct skbf_worker **w, unsigned int n, s64 *rate, s64 *overlap)
{
	u32 rep, kept = 0, cfg_first = res->cfg.warmup;
	unsigned int i;

	memset(sum, 0, sizeof(*sum));
	sum->mode = rows[0].mode;
	sum->cpu = -1;
	for (i = 0; i < n; i++) {
		sum->ops += rows[i].ops;
		sum->fails += rows[i].fails;
		sum->csw += rows[i].csw;
		sum->irqs += rows[i].irqs;
		sum->dropped += rows[i].dropped;
	}
	for (rep = cfg_first; rep < cfg_first + res->cfg.repeat; rep++) {
		u64 start = 0, end = U64_MAX, lo = U64_MAX, hi = 0, ops_ps = 0;

		for (i = 0; i < n; i++) {
			const struct skbf_rep *r = skbf_rep_of(w[i], rep);

			if (!r || r->end_ns <= r->start_ns)
				break;
			start = max(start, r->start_ns);
			end = min(end, r->end_ns);
			lo = min(lo, r->start_ns);
			hi = max(hi, r->end_ns);
			ops_ps += mul_u64_u64_div_u64(r->all_steps / 2, NSEC_PER_SEC,
						      r->end_ns - r->start_ns);
		}
		if (i < n)
			continue;
		rate[kept] = ops_ps;
		overlap[kept] = end > start ? div64_u64((end - start) * 100, hi - lo) : 0;
		kept++;
	}
	sum->ops_per_sec = kept ? skbf_median(rate, kept) : 0;
	/* mode=all: the least concurrent mode's. */
	if (kept)
		res->overlap_pct = min_t(u32, res->overlap_pct, skbf_median(overlap, kept));
	else
		res->sum_gaps++;
	sum->ns_x100 = -1;
	sum->ns_min_x100 = -1;
	sum->ns_max_x100 = -1;
	sum->cv_x100 = -1;
	sum->alloc_x100 = -1;
	sum->free_x100 = -1;
	sum->tsc_x100 = -1;
	sum->cycles_x100 = -1;
	sum->ipc_x100 = -1;
}

/* One row per worker, and a sum row when there are several. */
static int skbf_rows_add(struct skbf_run *run, struct skbf_worker **w, unsigned int n)
{
	struct skbf_results *res = run->res;
	struct skbf_row *rows = &res->rows[res->nr_rows];
	s64 *tmp = kcalloc(2 * run->cfg.repeat, sizeof(*tmp), GFP_KERNEL);
	unsigned int i, j;

	if (!tmp)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		skbf_row_fill(&rows[i], w[i], tmp);
		res->bh_longest_ns = max(res->bh_longest_ns, w[i]->bh_longest_ns);
		res->bh_chunks += w[i]->bh_chunks;
		res->bh_over += w[i]->bh_over;
		for (j = 0; j < SKBF_BH_BUCKETS; j++)
			run->bh_hist[j] += w[i]->bh_hist[j];
		res->released_remote += w[i]->cons_remote;
		res->ring_full += w[i]->ring_full;
		res->clones += w[i]->cons_clones;
		res->net_dropped += w[i]->net_dropped;
		res->clone_companions += w[i]->cons_companions;
	}
	res->nr_rows += n;
	res->bh_median_ns = skbf_bh_median(run->bh_hist, res->bh_chunks);
	if (n > 1) {
		skbf_sum_fill(res, &rows[n], rows, w, n, tmp, tmp + run->cfg.repeat);
		res->nr_rows++;
	}
	kfree(tmp);
	return 0;
}

/* page_pool mode: the pools' own counters, where the kernel keeps them. */
static void skbf_pp_add(struct skbf_results *res, struct skbf_worker **w, unsigned int n)
{
#ifdef CONFIG_PAGE_POOL_STATS
	struct page_pool_stats st;
	unsigned int i;

	for (i = 0; i < n; i++) {
		memset(&st, 0, sizeof(st));
		if (!page_pool_get_stats(w[i]->f.pool, &st))
			continue;
		res->pp_stats = true;
		res->pp.fast += st.alloc_stats.fast;
		res->pp.slow += st.alloc_stats.slow;
		res->pp.slow_high_order += st.alloc_stats.slow_high_order;
		res->pp.refill += st.alloc_stats.refill;
		res->pp.recycled_cached += st.recycle_stats.cached;
		res->pp.recycled_ring += st.recycle_stats.ring;
		res->pp.released += st.recycle_stats.released_refcnt;
	}
#endif
}

/*
 * For a mode that uses the NIC during its run (netdev_alloc_skb sets
 * skb->dev): find it again by ifindex and hold it, tracked, published in
 * run->dev under the rtnl_lock() the netdev notifier runs under, so an
 * unregistration either comes before (-ENODEV now) or finds the run.
 */
static int skbf_nic_hold(struct skbf_run *run, const struct skbf_target *t)
{
	char why[IFNAMSIZ + 48];
	struct net_device *dev;
	int err = 0;

	if (!t->w.ifindex)
		return 0;	/* no NIC: the dummy netdev stands in */
	rtnl_lock();
	dev = __dev_get_by_index(&init_net, t->w.ifindex);
	if (dev && dev->reg_state == NETREG_REGISTERED) {
		netdev_hold(dev, &run->dev_tracker, GFP_KERNEL);
		run->dev = dev;
	} else {
		err = -ENODEV;
	}
	rtnl_unlock();
	if (err) {
		/* stop_why is the stop's, under stop_lock: a stop may race. */
		snprintf(why, sizeof(why), "%s went away (unregistered) during the run", t->w.nic);
		skbf_run_stop(run, err, why);
	}
	return err;
}

static void skbf_nic_put(struct skbf_run *run)
{
	struct net_device *dev = run->dev;

	if (!dev)
		return;
	rtnl_lock();
	run->dev = NULL;
	rtnl_unlock();
	netdev_put(dev, &run->dev_tracker);
}

static int skbf_run_mode(struct skbf_run *run, const struct skbf_target *t, enum skbf_mode mode)
{
	unsigned int n = cpumask_weight(t->cpus);
	struct skbf_worker **w;
	int err;

	if (skbf_modes[mode].dev) {
		err = skbf_nic_hold(run, t);
		if (err)
			return err;
	}
	w = kcalloc(n, sizeof(*w), GFP_KERNEL);
	if (!w) {
		skbf_nic_put(run);
		return -ENOMEM;
	}
	reinit_completion(&run->done);
	run->nr_workers = n;
	run->cut = 0;
	atomic_set(&run->arrived, 0);

	err = skbf_threads_start(run, t, mode, w, n);
	if (!err)
		err = skbf_wait(run);
	if (!err)
		err = skbf_rows_add(run, w, n);
	if (!err && mode == SKBF_PAGE_POOL)
		skbf_pp_add(run->res, w, n);
	skbf_threads_free(run, w, n);
	kfree(w);
	skbf_nic_put(run);
	return err;
}

/* The cost in ns of one pair of latency timer reads: the best of 8 tries. */
static u64 skbf_timer_cost(void)
{
	u64 best = U64_MAX, sink = 0;
	int i, j;

	for (i = 0; i < 8; i++) {
		u64 t0 = ktime_get_ns();

		for (j = 0; j < 32; j++)
			sink += skbf_tick() - skbf_tick();
		best = min(best, div_u64(ktime_get_ns() - t0, 32));
	}
	OPTIMIZER_HIDE_VAR(sink);
	return best;
}

/* Make @run the run in progress; -EBUSY when there is one. */
static int skbf_activate(struct skbf_run *run)
{
	int err = 0;

	spin_lock(&skbf.active_lock);
	if (skbf.active)
		err = -EBUSY;
	else
		skbf.active = run;
	spin_unlock(&skbf.active_lock);
	return err;
}

/* No longer the run in progress, and no hotplug callback still waits on it. */
static void skbf_deactivate(struct skbf_run *run)
{
	spin_lock(&skbf.active_lock);
	skbf.active = NULL;
	spin_unlock(&skbf.active_lock);
	wait_var_event(&run->pins, !atomic_read(&run->pins));
}

/*
 * The memory bound: what the run's batches (and rings, and skb_clone's
 * parents) hold, summed over its CPUs, stays within a quarter of the
 * memory the kernel reports as available.
 */
static int skbf_mem_check(struct skbf_run *run, unsigned int ncpus, enum skbf_mode first,
			  enum skbf_mode last)
{
	u64 one = 0, bound = ((u64)si_mem_available() << PAGE_SHIFT) / 4;
	enum skbf_mode mode;

	for (mode = first; mode <= last; mode++)
		one = max(one, skbf_footprint(&run->cfg, mode));
	if (one * ncpus <= bound)
		return 0;
	snprintf(run->stop_why, sizeof(run->stop_why),
		 "batch=%u x size=%u on %u CPUs holds %llu MiB, over the bound of %llu MiB (a quarter of available memory)",
		 run->cfg.batch, run->cfg.size, ncpus, (one * ncpus) >> 20, bound >> 20);
	return -EINVAL;
}

/**
 * skbf_run_exec() - execute a run and wait for it
 * @run: cfg, fail_every and pmu_type set, the rest zero; on success
 *       @run->res holds the results, to be released with
 *       skbf_results_free()
 *
 * Runs the warmup and the kept repetitions of every mode asked for, in a
 * kernel thread bound to each target CPU (and a releasing thread on
 * free_cpu).  skbf_run_stop(), a signal to the caller, the NIC going away
 * or a CPU of the run going offline ends it within one chunk, with every
 * skb released.  On error @run->stop_why says why.
 *
 * Return: 0; -EBUSY when a run is in progress; -ENODEV for a missing dev=
 * or a NIC that went away; -EINVAL for an offline cpu= or free_cpu=, or a
 * run over the memory bound; -EAGAIN when a CPU of the run went offline;
 * -EINTR or -ECANCELED when stopped; -ENOMEM.
 */
VISIBLE_IF_KUNIT int skbf_run_exec(struct skbf_run *run)
{
	const struct skbf_config *cfg = &run->cfg;
	enum skbf_mode first = cfg->mode == SKBF_ALL ? 0 : cfg->mode;
	enum skbf_mode last = cfg->mode == SKBF_ALL ? SKBF_NR_MODES - 1 : cfg->mode;
	struct skbf_results *res = NULL;
	struct skbf_target t;
	unsigned int ncpus, mode;
	int err;

	spin_lock_init(&run->stop_lock);
	init_completion(&run->done);
	memset(run->bh_hist, 0, sizeof(run->bh_hist));
	atomic_set(&run->pins, 0);
	run->stop = 0;
	run->res = NULL;
	run->dev = NULL;
	if (!zalloc_cpumask_var(&run->watch, GFP_KERNEL)) {
		strscpy(run->stop_why, "out of memory", sizeof(run->stop_why));
		return -ENOMEM;
	}
	err = skbf_activate(run);
	if (err) {
		strscpy(run->stop_why, "a run is already in progress", sizeof(run->stop_why));
		goto out_watch;
	}
	err = skbf_target_resolve(cfg, &t, run->stop_why, sizeof(run->stop_why));
	if (err)
		goto out_active;
	ncpus = cpumask_weight(t.cpus);
	err = skbf_mem_check(run, ncpus, first, last);
	if (err)
		goto out_target;
	if (last >= SKBF_KMALLOC_FLOOR && first <= SKBF_KMALLOC_FLOOR) {
		err = skbf_floor_caches();
		if (err) {
			strscpy(run->stop_why, "out of memory", sizeof(run->stop_why));
			goto out_target;
		}
	}
	err = -ENOMEM;
	res = kvzalloc(struct_size(res, rows, (ncpus + (ncpus > 1)) * (last - first + 1)),
		       GFP_KERNEL);
	if (!res) {
		strscpy(run->stop_why, "out of memory", sizeof(run->stop_why));
		goto out_target;
	}
	res->cfg = *cfg;
	res->where = t.w;
	res->overlap_pct = U32_MAX;
	snprintf(res->cpus, sizeof(res->cpus), "%*pbl", cpumask_pr_args(t.cpus));
	res->timer_ns = skbf_timer_cost();
	run->res = res;

	/* From here, a CPU of the run going down stops it. */
	spin_lock(&skbf.active_lock);
	cpumask_copy(run->watch, t.cpus);
	if (t.w.free_cpu != SKBF_NO_CPU)
		cpumask_set_cpu(t.w.free_cpu, run->watch);
	spin_unlock(&skbf.active_lock);

	run->modes = last - first + 1;
	err = 0;
	for (mode = first; mode <= last && !err; mode++) {
		WRITE_ONCE(run->progress_mode, mode - first + 1);
		WRITE_ONCE(run->mode_now, mode);
		err = skbf_run_mode(run, &t, mode);
	}
	if (err) {
		/* The first stop wins, so errno and stop_why agree. */
		skbf_run_stop(run, err, "out of memory");
		err = READ_ONCE(run->stop);
	}
out_target:
	skbf_target_put(&t);
out_active:
	skbf_deactivate(run);
out_watch:
	free_cpumask_var(run->watch);
	if (err) {
		run->res = NULL;
		kvfree(res);
	}
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(skbf_run_exec);

/**
 * skbf_results_free() - release results from skbf_run_exec()
 * @res: the results, or NULL
 */
VISIBLE_IF_KUNIT void skbf_results_free(struct skbf_results *res)
{
	kvfree(res);
}
EXPORT_SYMBOL_IF_KUNIT(skbf_results_free);

/* ---- Hotplug and NIC removal ---- */

/*
 * A CPU is going down (CPUHP_AP_ONLINE_DYN: the CPU still runs, though it
 * takes no new tasks, and the run's bound threads may already have been
 * pushed elsewhere, where their chunks are left out as on the wrong CPU).
 * A run that measures or releases on it stops, and offlining waits until
 * no thread of the run measures any more, about a chunk; then the CPU goes
 * with nothing of the run on it.  A CPU that comes back needs nothing:
 * threads are per run.
 */
static int skbf_cpu_down(unsigned int cpu)
{
	struct skbf_run *run;
	char why[48];

	spin_lock(&skbf.active_lock);
	run = skbf.active;
	if (run && cpumask_test_cpu(cpu, run->watch)) {
		snprintf(why, sizeof(why), "cpu %u went offline", cpu);
		skbf_run_stop(run, -EAGAIN, why);
		atomic_inc(&run->pins);
	} else {
		run = NULL;
	}
	spin_unlock(&skbf.active_lock);
	if (!run)
		return 0;
	if (!wait_var_event_timeout(&run->measuring, !atomic_read(&run->measuring), 10 * HZ))
		pr_warn("cpu %u goes down with a run still measuring after 10 s\n", cpu);
	/* The writer waits for this before it frees the run. */
	if (atomic_dec_and_test(&run->pins))
		wake_up_var(&run->pins);
	return 0;
}

/*
 * The NIC a run holds is being unregistered (driver unload, ip link del,
 * unbind, a move to another netns): stop the run.  Its reference goes when
 * the writer returns, within a chunk, so unregistration never waits on it.
 */
static int skbf_netdev_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	char why[64];

	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	snprintf(why, sizeof(why), "%s went away (unregistered) during the run", dev->name);
	spin_lock(&skbf.active_lock);
	if (skbf.active && skbf.active->dev == dev)
		skbf_run_stop(skbf.active, -ENODEV, why);
	spin_unlock(&skbf.active_lock);
	return NOTIFY_DONE;
}

static struct notifier_block skbf_netdev_nb = {
	.notifier_call = skbf_netdev_event,
};

/* ---- Results text: comment lines, a header row, one row per (mode, cpu) ---- */

/* How a column's value is found and printed. */
enum skbf_fmt {
	SKBF_FMT_MODE,		/* the row's mode name */
	SKBF_FMT_CPU,		/* the row's CPU, or "sum" */
	SKBF_FMT_FREE_CPU,	/* the run's free_cpu */
	SKBF_FMT_CTX,		/* softirq, task or mixed: where the kept chunks ran */
	SKBF_FMT_CFG,		/* a u32 of the run's config */
	SKBF_FMT_U64,		/* a u64 of the row */
	SKBF_FMT_X100,		/* an s64 of the row in hundredths; "-" when negative */
};

#define SKBF_ROW(field) offsetof(struct skbf_row, field)

/* The column list: the header row and every data row follow it. */
static const struct skbf_col {
	const char *name;
	enum skbf_fmt fmt;
	size_t off;
	bool per_cpu;	/* "-" in a sum row */
	bool latency;	/* only with latency=1 */
} skbf_cols[] = {
	/* the mode of the row */
	{ "mode",	    SKBF_FMT_MODE },
	/* the measuring CPU, or sum: the CPUs together over their common window */
	{ "cpu",	    SKBF_FMT_CPU },
	/* the releasing CPU, or same */
	{ "free_cpu",	    SKBF_FMT_FREE_CPU },
	/* where the timed chunks ran: softirq (a NAPI poll), task (a kernel thread) or mixed */
	{ "ctx",	    SKBF_FMT_CTX,  0,			  true },
	/* size= of the run */
	{ "size",	    SKBF_FMT_CFG,  SKBF_OFF(size) },
	/* headroom= of the run */
	{ "headroom",	    SKBF_FMT_CFG,  SKBF_OFF(headroom) },
	/* put= of the run */
	{ "put",	    SKBF_FMT_CFG,  SKBF_OFF(put) },
	/* batch= of the run */
	{ "batch",	    SKBF_FMT_CFG,  SKBF_OFF(batch) },
	/* count= of the run */
	{ "count",	    SKBF_FMT_CFG,  SKBF_OFF(count) },
	/* repeat= of the run */
	{ "repeat",	    SKBF_FMT_CFG,  SKBF_OFF(repeat) },
	/* warmup= of the run */
	{ "warmup",	    SKBF_FMT_CFG,  SKBF_OFF(warmup) },
	/* ns per op, the median repetition's: the figure to compare, within one run */
	{ "ns_per_op",	    SKBF_FMT_X100, SKBF_ROW(ns_x100),	  true },
	/* the fastest repetition's ns per op */
	{ "ns_min",	    SKBF_FMT_X100, SKBF_ROW(ns_min_x100), true },
	/* the slowest repetition's ns per op */
	{ "ns_max",	    SKBF_FMT_X100, SKBF_ROW(ns_max_x100), true },
	/* the repetitions' coefficient of variation, in percent */
	{ "cv_pct",	    SKBF_FMT_X100, SKBF_ROW(cv_x100),	  true },
	/* batch >= 2: ns per allocation, timed apart from the releases */
	{ "alloc_ns",	    SKBF_FMT_X100, SKBF_ROW(alloc_x100),  true },
	/* batch >= 2: ns per release; free_cpu: the releasing CPU's busy ns per object */
	{ "free_ns",	    SKBF_FMT_X100, SKBF_ROW(free_x100),	  true },
	/* operations per second from the median; a sum row adds the CPUs' rates */
	{ "ops_per_sec",    SKBF_FMT_U64,  SKBF_ROW(ops_per_sec) },
	/* get_cycles() ticks per op: the TSC on x86, a clock rate, not core cycles */
	{ "tsc_per_op",	    SKBF_FMT_X100, SKBF_ROW(tsc_x100),	  true },
	/*
	 * core cycles per op from the PMU, task rows; - in softirq rows and
	 * where the kernel has none (emulators, many VMs)
	 */
	{ "cycles_per_op",  SKBF_FMT_X100, SKBF_ROW(cycles_x100), true },
	/* instructions per core cycle from the PMU, or - */
	{ "ipc",	    SKBF_FMT_X100, SKBF_ROW(ipc_x100),	  true },
	/* context switches of the measuring thread during chunks */
	{ "csw",	    SKBF_FMT_U64,  SKBF_ROW(csw) },
	/* hard IRQs and softirqs the CPU took during kept chunks */
	{ "irqs",	    SKBF_FMT_U64,  SKBF_ROW(irqs) },
	/*
	 * chunks left out of the timing: the thread was switched out, or NET_RX
	 * or NET_TX ran in a task chunk
	 */
	{ "dropped_chunks", SKBF_FMT_U64,  SKBF_ROW(dropped) },
	/* allocations that returned NULL */
	{ "fails",	    SKBF_FMT_U64,  SKBF_ROW(fails) },
	/* latency=1: the median single op, ns */
	{ "p50_ns",	    SKBF_FMT_U64,  SKBF_ROW(p50_ns),	  true, true },
	/* latency=1: the 99th percentile, ns */
	{ "p99_ns",	    SKBF_FMT_U64,  SKBF_ROW(p99_ns),	  true, true },
	/* latency=1: the 99.9th percentile, ns */
	{ "p999_ns",	    SKBF_FMT_U64,  SKBF_ROW(p999_ns),	  true, true },
	/* latency=1: ops timed alone */
	{ "lat_samples",    SKBF_FMT_U64,  SKBF_ROW(lat_samples), true, true },
};

static void skbf_col_show(struct seq_buf *s, const struct skbf_results *res,
			  const struct skbf_row *row, const struct skbf_col *col)
{
	const void *val = (const char *)row + col->off;
	s64 x100;

	if (row->cpu < 0 && col->per_cpu) {
		skbf_puts(s, "-");
		return;
	}
	switch (col->fmt) {
	case SKBF_FMT_MODE:
		skbf_puts(s, skbf_mode_name(row->mode));
		break;
	case SKBF_FMT_CPU:
		if (row->cpu < 0)
			skbf_puts(s, "sum");
		else
			seq_buf_printf(s, "%d", row->cpu);
		break;
	case SKBF_FMT_FREE_CPU:
		skbf_puts(s, res->cfg.free_cpu);
		break;
	case SKBF_FMT_CTX:
		skbf_puts(s, row->ctx[0] && row->ctx[1] ? "mixed" :
				row->ctx[1] ? "softirq" : row->ctx[0] ? "task" : "-");
		break;
	case SKBF_FMT_CFG:
		seq_buf_printf(s, "%u", *(const u32 *)((const char *)&res->cfg + col->off));
		break;
	case SKBF_FMT_U64:
		seq_buf_printf(s, "%llu", *(const u64 *)val);
		break;
	case SKBF_FMT_X100:
		x100 = *(const s64 *)val;
		if (x100 < 0)
			skbf_puts(s, "-");
		else
			seq_buf_printf(s, "%lld.%02lld", x100 / 100, x100 % 100);
		break;
	}
}

static const char *const skbf_rules[] = {
	[SKBF_RULE_NIC_NAPI] =
		"nic-napi: the IRQ the driver tied to the NIC's first receive queue's NAPI; first online CPU of its effective affinity",
	[SKBF_RULE_NIC_IRQ] =
		"nic-irq: the NIC's vector named for receive; first online CPU of its effective affinity",
	[SKBF_RULE_NIC_NODE] =
		"nic-node: no usable NIC IRQ; first online CPU of the NIC's NUMA node",
	[SKBF_RULE_WRITER] =
		"writer: no NIC IRQ or NUMA node; the CPU the writer of run was on",
	[SKBF_RULE_LIST] = "list: the CPUs cpu= names, concurrently",
	[SKBF_RULE_ALL] = "all: every online CPU, concurrently",
};

static void skbf_results_nic(struct seq_buf *s, const struct skbf_where *w)
{
	if (!w->nic[0]) {
		skbf_puts(s, "# nic: none\n# nic_irq: none\n");
		return;
	}
	seq_buf_printf(s, "# nic: %s (%s, ifindex %d); threaded NAPI: %s\n", w->nic,
		       w->driver[0] ? w->driver : "driver unknown", w->ifindex,
		       w->threaded ? "on: its polls run in kthreads, maybe not on its IRQ's CPU" :
		       "off: its polls run on its IRQ's CPU");
	if (w->irq > 0)
		seq_buf_printf(s, "# nic_irq: %d %s\n", w->irq, w->irq_name);
	else
		skbf_puts(s, "# nic_irq: none\n");
}

static void skbf_results_notes(struct seq_buf *s, const struct skbf_results *res)
{
	const struct skbf_config *cfg = &res->cfg;
	unsigned int r;
	u64 fails;
	size_t i;

	seq_buf_printf(s, "# cpu_list: %s\n# cpu_rule: %s\n", res->cpus,
		       skbf_rules[res->where.rule]);
	if (res->where.free_cpu != SKBF_NO_CPU)
		seq_buf_printf(s,
			       "# free_cpu: %d released %llu objects with consume_skb() (the kernel exports no skb_attempt_defer_free); free_ns is its busy time per object; the ring of %d was full %llu times\n",
			       res->where.free_cpu, res->released_remote, SKBF_RING,
			       res->ring_full);
	if (res->clones)
		seq_buf_printf(s,
			       "# skb_clone: %llu of %llu clones were their parent's fclone companion; the others came from skbuff_head_cache, the companion still out (free_cpu keeps one parent, and the previous clone in the ring)\n",
			       res->clone_companions, res->clones);
	skbf_puts(s, "# config:");
	for (i = 0; i < ARRAY_SIZE(skbf_params); i++) {
		skbf_puts(s, " ");
		skbf_param_show(s, cfg, &skbf_params[i], "");
	}
	seq_buf_printf(s,
		       "\n# timing: ktime_get_ns around chunks of about 1 ms; a chunk with a context switch, or in which NET_RX or NET_TX ran inline, is left out (dropped_chunks); ns_per_op is the median of %u repetitions after %u warmup; cv_pct their spread",
		       cfg->repeat, cfg->warmup);
	if (res->net_dropped)
		seq_buf_printf(s,
			       "; %llu chunks left out had NET_RX or NET_TX in them: traffic on a measuring CPU (a NIC's CPU carrying it leaves few chunks to time)",
			       res->net_dropped);
	skbf_puts(s, "\n");
	if (res->bh_chunks)
		seq_buf_printf(s,
			       "# bh_off: %llu chunks in softirq, median %llu us, the longest %llu us, %llu over the %d us bound (a vCPU its host stalls makes a chunk look long)\n",
			       res->bh_chunks, div_u64(res->bh_median_ns, 1000),
			       div_u64(res->bh_longest_ns, 1000), res->bh_over,
			       SKBF_CHUNK_MAX_NS / 1000);
	seq_buf_printf(s, "# counters: tsc_per_op from get_cycles() (%s); ",
		       skbf.have_tsc ? "a clock-rate counter, not core cycles" : "none here");
	if (res->pmu_err)
		seq_buf_printf(s,
			       "cycles_per_op and ipc need the PMU, which this CPU does not give the kernel (%d)\n",
			       res->pmu_err);
	else
		skbf_puts(s,
			  "cycles_per_op and ipc from the PMU (core cycles, instructions), for task rows only\n");
	for (r = 0, fails = 0; r < res->nr_rows; r++)
		fails += res->rows[r].cpu >= 0 ? res->rows[r].fails : 0;
	if (fails)
		seq_buf_printf(s,
			       "# fails: %llu allocations failed; an op is an attempt, so these figures count the failed ones, which cost less\n",
			       fails);
	if (res->overlap_pct <= 100)
		seq_buf_printf(s,
			       "# concurrency: the CPUs start each repetition together and stop when the first finishes; all measured during %u%% of it (median; the least of the modes); the sum row adds their rates\n",
			       res->overlap_pct);
	if (res->sum_gaps)
		seq_buf_printf(s,
			       "# concurrency: %u sum row(s) have ops_per_sec 0: no repetition had every CPU measuring; raise count\n",
			       res->sum_gaps);
	if (cfg->mode == SKBF_PAGE_POOL || cfg->mode == SKBF_ALL) {
		if (res->pp_stats)
			seq_buf_printf(s,
				       "# page_pool: page_pool_get_stats over the run: alloc fast=%llu slow=%llu slow_high_order=%llu refill=%llu; recycle cached=%llu ring=%llu released_refcnt=%llu\n",
				       res->pp.fast, res->pp.slow, res->pp.slow_high_order,
				       res->pp.refill, res->pp.recycled_cached,
				       res->pp.recycled_ring, res->pp.released);
		else
			skbf_puts(s,
				  "# page_pool: recycling counts need CONFIG_PAGE_POOL_STATS, off in this kernel\n");
	}
	if (cfg->latency) {
		u64 cost_x100 = div_u64(200 * res->timer_ns, SKBF_LAT_EVERY);

		seq_buf_printf(s,
			       "# latency: 1 op in %d on average (random gaps) timed alone with %s; a pair of reads costs %llu ns, so a sample reads up to %llu ns high and sampling adds about %llu.%02llu ns per op\n",
			       SKBF_LAT_EVERY, skbf.have_tsc ? "get_cycles" : "ktime_get_ns",
			       res->timer_ns, 2 * res->timer_ns, cost_x100 / 100, cost_x100 % 100);
	}
}

/**
 * skbf_results_show() - the text of the results file
 * @s: where to print
 * @res: the last run's results, or NULL before the first run
 *
 * "# key: value" comment lines, then (after a run) a header row of column
 * names and one whitespace-separated row per (mode, cpu).
 */
VISIBLE_IF_KUNIT void skbf_results_show(struct seq_buf *s, const struct skbf_results *res)
{
	unsigned int r;
	size_t c;

	skbf_puts(s, "# skbfactory results\n");
	skbf_env_show(s);
	if (!res) {
		skbf_puts(s, "# runs: none yet; write 1 to run\n");
		return;
	}
	skbf_results_nic(s, &res->where);
	skbf_results_notes(s, res);
	for (c = 0; c < ARRAY_SIZE(skbf_cols); c++)
		if (res->cfg.latency || !skbf_cols[c].latency)
			seq_buf_printf(s, "%s%s", c ? " " : "", skbf_cols[c].name);
	skbf_puts(s, "\n");
	for (r = 0; r < res->nr_rows; r++) {
		for (c = 0; c < ARRAY_SIZE(skbf_cols); c++) {
			if (!res->cfg.latency && skbf_cols[c].latency)
				continue;
			if (c)
				skbf_puts(s, " ");
			skbf_col_show(s, res, &res->rows[r], &skbf_cols[c]);
		}
		skbf_puts(s, "\n");
	}
}
EXPORT_SYMBOL_IF_KUNIT(skbf_results_show);

/* ---- Layout: one real skb of a mode, step by step ---- */

/* The fields a layout step shows, as numbers, in the order it prints them. */
enum skbf_lfield {
	SKBF_L_DATA, SKBF_L_TAIL, SKBF_L_END, SKBF_L_LEN, SKBF_L_DATA_LEN, SKBF_L_HEADROOM,
	SKBF_L_TAILROOM, SKBF_L_NR_FRAGS, SKBF_L_USERS, SKBF_L_DATAREF, SKBF_L_CLONED,
	SKBF_L_HEAD_FRAG, SKBF_L_TRUESIZE, SKBF_L_NR,
};

static const char *const skbf_lnames[SKBF_L_NR] = {
	"data", "tail", "end", "len", "data_len", "headroom", "tailroom", "nr_frags",
	"users", "dataref", "cloned", "head_frag", "truesize",
};

struct skbf_snap {
	long v[SKBF_L_NR];
	const void *head;	/* compared across steps, never printed */
};

static void skbf_snap(const struct sk_buff *skb, struct skbf_snap *p)
{
	p->head = skb->head;
	p->v[SKBF_L_DATA] = skb->data - skb->head;
	p->v[SKBF_L_TAIL] = skb_tail_pointer(skb) - skb->head;
	p->v[SKBF_L_END] = skb_end_offset(skb);
	p->v[SKBF_L_LEN] = skb->len;
	p->v[SKBF_L_DATA_LEN] = skb->data_len;
	p->v[SKBF_L_HEADROOM] = skb_headroom(skb);
	p->v[SKBF_L_TAILROOM] = skb_tailroom(skb);
	p->v[SKBF_L_NR_FRAGS] = skb_shinfo(skb)->nr_frags;
	p->v[SKBF_L_USERS] = refcount_read(&skb->users);
	p->v[SKBF_L_DATAREF] = atomic_read(&skb_shinfo(skb)->dataref) & SKB_DATAREF_MASK;
	p->v[SKBF_L_CLONED] = skb->cloned;
	p->v[SKBF_L_HEAD_FRAG] = skb->head_frag;
	p->v[SKBF_L_TRUESIZE] = skb->truesize;
}

/* A step that shows every field: an skb's first line. */
static void skbf_lfull(struct seq_buf *s, const char *step, const struct sk_buff *skb,
		       struct skbf_snap *p)
{
	int i;

	skbf_snap(skb, p);
	skbf_puts(s, step);
	for (i = 0; i < SKBF_L_NR; i++)
		seq_buf_printf(s, "  %s: %ld", skbf_lnames[i], p->v[i]);
	skbf_puts(s, "\n");
}

/* A later step: only what changed, "name: old -> new". */
static void skbf_lstep(struct seq_buf *s, const char *step, const struct sk_buff *skb,
		       struct skbf_snap *p)
{
	struct skbf_snap now;
	bool changed = false;
	int i;

	skbf_snap(skb, &now);
	skbf_puts(s, step);
	if (now.head != p->head) {
		skbf_puts(s, "  head: reallocated");
		changed = true;
	}
	for (i = 0; i < SKBF_L_NR; i++) {
		if (now.v[i] == p->v[i])
			continue;
		seq_buf_printf(s, "  %s: %ld -> %ld", skbf_lnames[i], p->v[i], now.v[i]);
		changed = true;
	}
	skbf_puts(s, changed ? "\n" : "  changed: nothing\n");
	*p = now;
}

static void skbf_lstepf(struct seq_buf *s, const struct sk_buff *skb, struct skbf_snap *p,
			const char *fmt, unsigned int arg)
{
	char step[48];

	snprintf(step, sizeof(step), fmt, arg);
	skbf_lstep(s, step, skb, p);
}

/* Which allocator served a head: a slab cache, a page fragment, pages. */
static void skbf_head_source(const struct sk_buff *skb, enum skbf_mode mode, char *buf,
			     size_t len)
{
	unsigned int object = skb_end_offset(skb) + SKB_DATA_ALIGN(sizeof(struct skb_shared_info));

	if (skb->head_frag)
		snprintf(buf, len, "%s (%u bytes)",
			 mode == SKBF_PAGE_POOL ? "page_pool page" :
			 object > PAGE_SIZE ? "compound page" : "page fragment", object);
	else if (skbf.small_head && object == skbf.small_head)
		snprintf(buf, len, "skbuff_small_head (%u bytes)", object);
	else if (object <= KMALLOC_MAX_CACHE_SIZE && kmalloc_size_roundup(object) == object)
		snprintf(buf, len,
			 object % 1024 ? "kmalloc-%u (%u bytes)" : "kmalloc-%uk (%u bytes)",
			 object % 1024 ? object : object / 1024, object);
	else
		snprintf(buf, len, "the page allocator, order %u (%u bytes)", get_order(object),
			 object);
}

/* Where the buffer came from, and truesize as its parts. */
static void skbf_lparts(struct seq_buf *s, const struct sk_buff *skb, enum skbf_mode mode)
{
	unsigned int shinfo = SKB_DATA_ALIGN(sizeof(struct skb_shared_info));
	unsigned int sk = SKB_DATA_ALIGN(sizeof(struct sk_buff));
	unsigned int head = skb_end_offset(skb) + shinfo;
	long rest = (long)skb->truesize - sk - head;
	char src[64];
	int i;

	skbf_head_source(skb, mode, src, sizeof(src));
	if (skb->fclone == SKB_FCLONE_UNAVAILABLE)
		seq_buf_printf(s, "  sk_buff: skbuff_head_cache (%zu bytes)",
			       sizeof(struct sk_buff));
	else
		seq_buf_printf(s,
			       "  sk_buff: skbuff_fclone_cache (%zu bytes: the skb, its companion)",
			       sizeof(struct sk_buff_fclones));
	seq_buf_printf(s, "  head: %s  skb_shared_info: at end, %u bytes", src, shinfo);
	if (skb->fclone != SKB_FCLONE_UNAVAILABLE)
		seq_buf_printf(s, "  fclone: %s",
			       skb->fclone == SKB_FCLONE_ORIG ? "orig" : "clone");
	if (skb_shinfo(skb)->nr_frags) {
		seq_buf_printf(s, "  frags: %u (", skb_shinfo(skb)->nr_frags);
		for (i = 0; i < skb_shinfo(skb)->nr_frags; i++)
			seq_buf_printf(s, "%s%u", i ? ", " : "",
				       skb_frag_size(&skb_shinfo(skb)->frags[i]));
		skbf_puts(s, " bytes)");
	}
	seq_buf_printf(s, "\n  truesize: %u = sk_buff %u + head %u", skb->truesize, sk, head);
	if (rest > 0)
		seq_buf_printf(s, " + paged %ld", rest);
	else if (rest < 0)
		seq_buf_printf(s, " - %ld the path does not account", -rest);
	skbf_puts(s, "\n");
}

static void skbf_lbar(struct seq_buf *s, char fill, unsigned int bytes, unsigned int total)
{
	unsigned int n = DIV_ROUND_CLOSEST(bytes * SKBF_DIAGRAM, total);

	if (bytes && !n)
		n = 1;
	while (n--)
		skbf_putc(s, fill);
	skbf_putc(s, '|');
}

/* The state after skb_put, to scale: | headroom | data | tailroom | shinfo | frags */
static void skbf_ldiagram(struct seq_buf *s, const struct sk_buff *skb)
{
	unsigned int shinfo = SKB_DATA_ALIGN(sizeof(struct skb_shared_info));
	unsigned int head = skb_headroom(skb), data = skb_headlen(skb);
	unsigned int tail = skb_end_offset(skb) - (skb_tail_pointer(skb) - skb->head);
	unsigned int total = head + data + tail + shinfo + skb->data_len;
	int i;

	seq_buf_printf(s, "to scale (%u bytes, 1 column ~ %u bytes):\n|", total,
		       DIV_ROUND_UP(total, SKBF_DIAGRAM));
	skbf_lbar(s, 'h', head, total);
	skbf_lbar(s, 'd', data, total);
	skbf_lbar(s, '.', tail, total);
	skbf_lbar(s, 's', shinfo, total);
	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++) {
		skbf_puts(s, " |");
		skbf_lbar(s, '=', skb_frag_size(&skb_shinfo(skb)->frags[i]), total);
	}
	seq_buf_printf(s, "\n h headroom %u, d data %u, . tailroom %u, s skb_shared_info %u",
		       head, data, tail, shinfo);
	if (skb_shinfo(skb)->nr_frags)
		seq_buf_printf(s, ", = page fragments %u", skb->data_len);
	skbf_puts(s, "\n");
}

static void skbf_lalloc_name(const struct skbf_factory *f, char *buf, size_t len)
{
	switch (f->mode) {
	case SKBF_ALLOC_SKB:
		snprintf(buf, len, "alloc_skb(%u)", f->size);
		break;
	case SKBF_ALLOC_SKB_FCLONE:
	case SKBF_SKB_CLONE:
		snprintf(buf, len, "alloc_skb_fclone(%u)", f->size);
		break;
	case SKBF_ALLOC_SKB_WITH_FRAGS:
		snprintf(buf, len, "alloc_skb_with_frags(%u, %u)", f->linear, f->paged);
		break;
	case SKBF_NETDEV_ALLOC_SKB:
		snprintf(buf, len, "__netdev_alloc_skb(%u)", f->size);
		break;
	case SKBF_NAPI_ALLOC_SKB:
		snprintf(buf, len, "napi_alloc_skb(%u)", f->size);
		break;
	case SKBF_BUILD_SKB:
		snprintf(buf, len, f->order ? "napi_build_skb(alloc_pages(order %u))" :
			 "napi_build_skb(napi_alloc_frag(%u))", f->order ?: f->buf);
		break;
	default:
		snprintf(buf, len, f->order ? "napi_build_skb(page_pool_alloc_pages(order %u))" :
			 "napi_build_skb(page_pool_alloc_frag(%u))", f->order ?: f->buf);
		break;
	}
}

/* Count and release a layout skb; @last: its last user goes. */
static void skbf_lconsume(struct seq_buf *s, const char *step, struct sk_buff *skb,
			  struct skbf_snap *p)
{
	bool last = refcount_read(&skb->users) == 1;

	consume_skb(skb);
	if (!last) {
		skbf_lstep(s, step, skb, p);
		return;
	}
	atomic64_inc(&skbf_stats.freed);
	seq_buf_printf(s, "%s  users: 1 -> 0  freed: yes\n", step);
}

/* The steps every mode's skb goes through once it holds its payload. */
static void skbf_lsteps(struct seq_buf *s, struct sk_buff *skb, struct skbf_snap *p,
			enum skbf_mode mode)
{
	unsigned int want;
	int err;

	if (skb_headroom(skb) >= SKBF_ETH_HLEN) {
		skb_push(skb, SKBF_ETH_HLEN);
		skbf_lstepf(s, skb, p, "skb_push(%u)", SKBF_ETH_HLEN);
		skb_pull(skb, SKBF_ETH_HLEN);
		skbf_lstepf(s, skb, p, "skb_pull(%u)", SKBF_ETH_HLEN);
	} else {
		seq_buf_printf(s, "skb_push(%u)  skipped: headroom %u < %u would panic\n",
			       SKBF_ETH_HLEN, skb_headroom(skb), SKBF_ETH_HLEN);
	}
	if (skb_is_nonlinear(skb)) {
		err = pskb_trim(skb, skb->len / 2);
		skbf_lstepf(s, skb, p, err ? "pskb_trim(%u) failed" : "pskb_trim(%u)", skb->len);
	} else {
		skb_trim(skb, skb->len / 2);
		skbf_lstepf(s, skb, p, "skb_trim(%u)", skb->len);
	}
	/* More headroom than there is: pskb_expand_head() makes a new head. */
	want = skb_headroom(skb) + 64;
	err = skb_cow_head(skb, want);
	skbf_lstepf(s, skb, p, err ? "skb_cow_head(%u) failed" : "skb_cow_head(%u)", want);
	if (!err)
		skbf_lparts(s, skb, mode);
	skb_get(skb);
	skbf_lstep(s, "skb_get", skb, p);
	skbf_lconsume(s, "consume_skb", skb, p);
	skbf_lconsume(s, "consume_skb", skb, p);
}

static int skbf_layout_mode(struct seq_buf *s, const struct skbf_config *cfg, enum skbf_mode mode)
{
	struct sk_buff *skb, *orig = NULL;
	struct skbf_snap p, po;
	struct skbf_factory f;
	char step[64];

	skbf_factory_init(&f, mode, cfg);
	seq_buf_printf(s, "# layout: mode=%s size=%u headroom=%u put=%u\n", skbf_mode_name(mode),
		       cfg->size, cfg->headroom, cfg->put);
	if (!skbf_modes[mode].skb) {
		if (mode == SKBF_KMALLOC_FLOOR)
			seq_buf_printf(s,
				       "# no sk_buff: an object of %zu bytes (struct sk_buff's size) and a %s data buffer of %u bytes, the size class alloc_skb(%u) takes its head from\n",
				       sizeof(struct sk_buff),
				       f.floor_small ? "skbuff_small_head-sized" : "kmalloc", f.buf,
				       cfg->size);
		else
			skbf_puts(s, "# nothing: the measuring loop's own cost\n");
		return 0;
	}
	skb = mode == SKBF_SKB_CLONE ? alloc_skb_fclone(cfg->size, SKBF_GFP) : skbf_raw_one(&f);
	if (!skb) {
		atomic64_inc(&skbf_stats.alloc_failures);
		return -ENOMEM;
	}
	atomic64_inc(&skbf_stats.allocated);
	skbf_lalloc_name(&f, step, sizeof(step));
	skbf_lfull(s, step, skb, &p);
	skbf_lparts(s, skb, mode);
	skb_reserve(skb, cfg->headroom);
	skbf_lstepf(s, skb, &p, "skb_reserve(%u)", cfg->headroom);
	memset(skb_put(skb, cfg->put), SKBF_FILL, cfg->put);
	skbf_lstepf(s, skb, &p, "skb_put(%u)", cfg->put);
	if (mode == SKBF_ALLOC_SKB_WITH_FRAGS) {
		skb->data_len = f.paged;
		skb->len += f.paged;
		skbf_lstepf(s, skb, &p, "the paged part: len += data_len = %u", f.paged);
	}
	skbf_ldiagram(s, skb);
	if (mode == SKBF_SKB_CLONE) {
		orig = skb;
		po = p;
		skb = skb_clone(orig, SKBF_GFP);
		if (!skb) {
			consume_skb(orig);
			atomic64_inc(&skbf_stats.freed);
			atomic64_inc(&skbf_stats.alloc_failures);
			return -ENOMEM;
		}
		atomic64_inc(&skbf_stats.allocated);
		skbf_lstep(s, "skb_clone: the original", orig, &po);
		skbf_lfull(s, "skb_clone: the clone", skb, &p);
		seq_buf_printf(s, "  shares_head: %s  fclone: clone (the original's companion)\n",
			       skb->head == orig->head ? "yes" : "no");
	}
	skbf_lsteps(s, skb, &p, mode);
	if (orig)
		skbf_lconsume(s, "consume_skb: the original", orig, &po);
	return 0;
}

/**
 * skbf_layout_show() - walk real skbs of the configured mode and print each step
 * @s: where to print
 * @cfg: the mode (all: each in turn), size, headroom and put
 *
 * The allocation as the mode makes it, with every field, where the head
 * came from and truesize as its parts; then skb_reserve, skb_put, a
 * to-scale drawing, skb_push and skb_pull of an Ethernet header, a trim,
 * skb_cow_head to more headroom than there is (a new head), skb_get and
 * consume_skb twice, each step with only the fields it changed.  skb_clone
 * clones a ready fclone skb and walks the clone.  Lines are a step name
 * and "name: value" pairs, two spaces apart.
 *
 * Return: 0, or -ENOMEM when an allocation failed.
 */
VISIBLE_IF_KUNIT int skbf_layout_show(struct seq_buf *s, const struct skbf_config *cfg)
{
	enum skbf_mode mode = cfg->mode == SKBF_ALL ? 0 : cfg->mode;
	enum skbf_mode last = cfg->mode == SKBF_ALL ? SKBF_NR_MODES - 1 : cfg->mode;
	int err = 0;

	skbf_puts(s,
		  "# skbfactory layout: offsets are bytes from skb->head; a step lists what it changed\n");
	for (; mode <= last && !err; mode++) {
		if (mode != 0 && cfg->mode == SKBF_ALL)
			skbf_puts(s, "\n");
		err = skbf_layout_mode(s, cfg, mode);
	}
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(skbf_layout_show);

/* ---- Stats ---- */

/**
 * skbf_stats_show() - the text of the stats file: "name: value" lines
 * @s: where to print
 */
VISIBLE_IF_KUNIT void skbf_stats_show(struct seq_buf *s)
{
	struct skbf_run *run;

	seq_buf_printf(s, "runs: %lld\nruns_stopped: %lld\n", atomic64_read(&skbf_stats.runs),
		       atomic64_read(&skbf_stats.runs_stopped));
	seq_buf_printf(s, "skbs_allocated: %lld\nskbs_freed: %lld\nskbs_outstanding: %lld\n",
		       atomic64_read(&skbf_stats.allocated),
		       atomic64_read(&skbf_stats.freed), skbf_outstanding());
	seq_buf_printf(s, "alloc_failures: %lld\n", atomic64_read(&skbf_stats.alloc_failures));
	mutex_lock(&skbf.lock);
	seq_buf_printf(s, "last_error: %s\n", skbf.last_error);
	mutex_unlock(&skbf.lock);
	spin_lock(&skbf.active_lock);
	run = skbf.active;
	if (run && !READ_ONCE(run->progress_mode))
		skbf_puts(s, "running: starting\n");
	else if (run)
		seq_buf_printf(s,
			       "running: mode %s (%u of %u), repetition %u of %u done (%u warmup)\n",
			       skbf_mode_name(READ_ONCE(run->mode_now)),
			       READ_ONCE(run->progress_mode), run->modes,
			       READ_ONCE(run->progress_rep), run->cfg.warmup + run->cfg.repeat,
			       run->cfg.warmup);
	else
		skbf_puts(s, "running: no\n");
	spin_unlock(&skbf.active_lock);
}
EXPORT_SYMBOL_IF_KUNIT(skbf_stats_show);

/* ---- debugfs ---- */

static int skbf_config_file_show(struct seq_buf *s)
{
	mutex_lock(&skbf.lock);
	skbf_config_show(s, &skbf.cfg);
	mutex_unlock(&skbf.lock);
	return 0;
}

static int skbf_results_file_show(struct seq_buf *s)
{
	mutex_lock(&skbf.lock);
	skbf_results_show(s, skbf.res);
	mutex_unlock(&skbf.lock);
	return 0;
}

static int skbf_layout_file_show(struct seq_buf *s)
{
	struct skbf_config cfg;
	int err;

	mutex_lock(&skbf.lock);
	cfg = skbf.cfg;
	mutex_unlock(&skbf.lock);
	err = skbf_layout_show(s, &cfg);
	if (err)
		skbf_error("layout", err, "an allocation failed");
	return err;
}

static int skbf_stats_file_show(struct seq_buf *s)
{
	skbf_stats_show(s);
	return 0;
}

static int skbf_config_file_write(const char *buf, size_t len)
{
	char why[128];
	int err;

	mutex_lock(&skbf.lock);
	err = skbf_config_parse(&skbf.cfg, buf, len, false, why, sizeof(why));
	mutex_unlock(&skbf.lock);
	if (err)
		skbf_error("config", err, why);
	return err;
}

/* "stop" written to run, alone: end the run in progress. */
static bool skbf_is_stop(const char *buf, size_t len)
{
	while (len && isspace(buf[len - 1]))
		len--;
	while (len && isspace(*buf)) {
		buf++;
		len--;
	}
	return len == 4 && !memcmp(buf, "stop", 4);
}

static int skbf_stop_write(void)
{
	int err = -ESRCH;

	spin_lock(&skbf.active_lock);
	if (skbf.active) {
		skbf_run_stop(skbf.active, -ECANCELED, "stopped by a write of stop to run");
		err = 0;
	}
	spin_unlock(&skbf.active_lock);
	if (err)
		skbf_error("run", err, "stop: no run in progress");
	return err;
}

static int skbf_run_file_write(const char *buf, size_t len)
{
	struct skbf_results *old = NULL;
	struct skbf_run *run;
	int err;

	if (skbf_is_stop(buf, len))
		return skbf_stop_write();
	run = kzalloc(sizeof(*run), GFP_KERNEL);
	if (!run)
		return -ENOMEM;
	mutex_lock(&skbf.lock);
	run->cfg = skbf.cfg;
	mutex_unlock(&skbf.lock);
	err = skbf_config_parse(&run->cfg, buf, len, true, run->stop_why, sizeof(run->stop_why));
	if (!err) {
		/* The open file pins the module: no rmmod while this runs. */
		atomic64_inc(&skbf_stats.runs);
		err = skbf_run_exec(run);
		if (err == -EINTR || err == -ECANCELED || err == -EAGAIN || err == -ENODEV)
			atomic64_inc(&skbf_stats.runs_stopped);
	}
	if (!err) {
		mutex_lock(&skbf.lock);
		old = skbf.res;
		skbf.res = run->res;
		mutex_unlock(&skbf.lock);
		skbf_results_free(old);
	} else {
		skbf_error("run", err, run->stop_why);
	}
	kfree(run);
	return err;
}

struct skbf_file {
	const char *name;
	umode_t mode;
	int (*show)(struct seq_buf *s);
	int (*write)(const char *buf, size_t len);
	size_t size;
};

/*
 * @size: the text's first buffer; show runs again with twice as much when
 * it overflows.  layout makes real skbs each time it runs, so its buffer
 * holds every mode's steps the first time (stats then counts them once).
 */
static const struct skbf_file skbf_files[] = {
	{ "config",  0600, skbf_config_file_show,  skbf_config_file_write, PAGE_SIZE },
	{ "run",     0200, NULL,		   skbf_run_file_write,    0 },
	{ "results", 0400, skbf_results_file_show, NULL,		   PAGE_SIZE },
	{ "layout",  0400, skbf_layout_file_show,  NULL,		   SZ_64K },
	{ "stats",   0400, skbf_stats_file_show,   NULL,		   PAGE_SIZE },
};

/* A file's text, made once at open so every read sees one snapshot. */
struct skbf_text {
	size_t len;
	char buf[];
};

static int skbf_open(struct inode *inode, struct file *file)
{
	const struct skbf_file *sf = inode->i_private;
	struct skbf_text *text;
	size_t size = sf->size;
	struct seq_buf s;
	int err;

	if (!sf->show || !(file->f_mode & FMODE_READ))
		return nonseekable_open(inode, file);
	for (;;) {
		text = kvmalloc(struct_size(text, buf, size), GFP_KERNEL);
		if (!text)
			return -ENOMEM;
		seq_buf_init(&s, text->buf, size);
		err = sf->show(&s);
		if (err || !seq_buf_has_overflowed(&s))
			break;
		kvfree(text);
		size *= 2;
	}
	if (err) {
		kvfree(text);
		return err;
	}
	text->len = seq_buf_used(&s);
	file->private_data = text;
	return 0;
}

static ssize_t skbf_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	struct skbf_text *text = file->private_data;

	if (!text)
		return -EINVAL;
	return simple_read_from_buffer(ubuf, count, ppos, text->buf, text->len);
}

static ssize_t skbf_write(struct file *file, const char __user *ubuf, size_t count,
			  loff_t *ppos)
{
	const struct skbf_file *sf = file_inode(file)->i_private;
	char why[64];
	char *buf;
	int err;

	if (!sf->write)
		return -EINVAL;
	if (count > SKBF_WRITE_MAX) {
		snprintf(why, sizeof(why), "write of %zu bytes, at most %d allowed",
			 count, SKBF_WRITE_MAX);
		skbf_error(sf->name, -EINVAL, why);
		return -EINVAL;
	}
	buf = memdup_user(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	err = sf->write(buf, count);
	kfree(buf);
	return err ?: count;
}

static int skbf_release_file(struct inode *inode, struct file *file)
{
	kvfree(file->private_data);
	return 0;
}

/*
 * .owner pins the module while any of its files is open (debugfs takes the
 * module with the file's operations): rmmod fails while a run's writer, or
 * anyone, holds a file open, and no module code runs after the last close.
 */
static const struct file_operations skbf_fops = {
	.owner = THIS_MODULE,
	.open = skbf_open,
	.read = skbf_read,
	.write = skbf_write,
	.release = skbf_release_file,
	.llseek = default_llseek,
};

/* ---- Module ---- */

/*
 * Where the kernel has skbuff_small_head (6.3+), the size of its objects:
 * alloc_skb(0) tells, as its head comes from there.
 */
static int skbf_small_head_probe(void)
{
	unsigned int shinfo = SKB_DATA_ALIGN(sizeof(struct skb_shared_info)), object;
	struct sk_buff *skb = alloc_skb(0, GFP_KERNEL);

	if (!skb)
		return -ENOMEM;
	object = skb_end_offset(skb) + shinfo;
	consume_skb(skb);
	if (object != kmalloc_size_roundup(SKB_HEAD_ALIGN(0)))
		skbf.small_head = object;
	return 0;
}

static void skbf_napis_del(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		if (!skbf.pcpu[cpu])
			continue;
		__netif_napi_del(&skbf.pcpu[cpu]->napi);
	}
	/* What netif_napi_del() waits for, once for all, and expedited. */
	synchronize_rcu_expedited();
	for_each_possible_cpu(cpu)
		kfree(skbf.pcpu[cpu]);
	kfree(skbf.pcpu);
}

/* A NAPI instance per CPU on the dummy netdev, disabled until a run. */
static int skbf_napis_add(void)
{
	unsigned int cpu;

	skbf.pcpu = kcalloc(nr_cpu_ids, sizeof(*skbf.pcpu), GFP_KERNEL);
	if (!skbf.pcpu)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		skbf.pcpu[cpu] = kzalloc_node(sizeof(*skbf.pcpu[cpu]), GFP_KERNEL,
					      cpu_to_node(cpu));
		if (!skbf.pcpu[cpu])
			return -ENOMEM;
		netif_napi_add(skbf.dummy, &skbf.pcpu[cpu]->napi, skbf_poll);
	}
	return 0;
}

static void skbf_cleanup(void)
{
	if (skbf.pcpu)
		skbf_napis_del();
	if (skbf.dummy)
		skbf_free_dummy_netdev(skbf.dummy);
	skbf_any_pool_destroy();
	kmem_cache_destroy(skbf.floor_small);
	kmem_cache_destroy(skbf.floor_head);
	skbf_results_free(skbf.res);
}

static int __init skbf_init(void)
{
	size_t i;
	int err;

	skbf_config_reset(&skbf.cfg);
	skbf.have_tsc = get_cycles() != 0;
	err = skbf_small_head_probe();
	if (err)
		goto fail;
	err = -ENOMEM;
	skbf.dummy = skbf_alloc_dummy_netdev();
	if (!skbf.dummy)
		goto fail;
	err = skbf_napis_add();
	if (err)
		goto fail;
	err = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "net/skbfactory:online", NULL,
					skbf_cpu_down);
	if (err < 0)
		goto fail;
	skbf.cpuhp = err;
	err = register_netdevice_notifier(&skbf_netdev_nb);
	if (err)
		goto fail_cpuhp;
	skbf.dir = debugfs_create_dir(SKBF_DIR, NULL);
	if (IS_ERR(skbf.dir)) {
		err = PTR_ERR(skbf.dir);
		pr_err("cannot create /sys/kernel/debug/%s (is debugfs enabled?): %d\n", SKBF_DIR,
		       err);
		goto fail_notifier;
	}
	for (i = 0; i < ARRAY_SIZE(skbf_files); i++)
		debugfs_create_file(skbf_files[i].name, skbf_files[i].mode, skbf.dir,
				    (void *)&skbf_files[i], &skbf_fops);
	return 0;

fail_notifier:
	unregister_netdevice_notifier(&skbf_netdev_nb);
fail_cpuhp:
	cpuhp_remove_state_nocalls(skbf.cpuhp);
fail:
	skbf_cleanup();
	return err;
}

static void __exit skbf_exit(void)
{
	/* No file is open (each pins the module), so no run is in progress. */
	debugfs_remove(skbf.dir);
	unregister_netdevice_notifier(&skbf_netdev_nb);
	cpuhp_remove_state_nocalls(skbf.cpuhp);
	skbf_cleanup();
}

module_init(skbf_init);
module_exit(skbf_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(SKBF_VERSION);
MODULE_DESCRIPTION("sk_buff allocation paths, driven and measured from debugfs");
MODULE_AUTHOR("The skbfactory developers");
