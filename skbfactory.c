// SPDX-License-Identifier: GPL-2.0
/*
 * skbfactory: builds sk_buffs with the kernel's own allocation paths, shows
 * how a real skb is laid out, and measures how many skbs per second each
 * path makes on the CPU that services the NIC.  Driven from
 * /sys/kernel/debug/skbfactory/.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqdesc.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/timex.h>
#include <linux/utsname.h>
#include <net/net_namespace.h>

#include "skbfactory.h"

/* Process-context allocations: never warn, never call the OOM killer. */
#define SKBF_GFP	(GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY)
#define SKBF_NAPI_BUDGET 64		/* any non-zero budget: NAPI context */
#define SKBF_CHUNK_NS	(1000 * 1000)	/* a timed chunk lasts about 1 ms */
#define SKBF_MAX_STEPS	BIT(24)
#define SKBF_DIAGRAM	64		/* columns of the layout diagram */

/* ---- Modes ---- */

struct skbf_mode_info {
	const char *name;
	bool bh;	/* runs with bottom halves disabled */
	bool skb;	/* makes sk_buffs (counted in stats) */
};

static const struct skbf_mode_info skbf_modes[SKBF_NR_MODES] = {
	[SKBF_ALLOC_SKB]	= { "alloc_skb",	 false, true },
	[SKBF_ALLOC_SKB_FCLONE]	= { "alloc_skb_fclone",	 false, true },
	[SKBF_NETDEV_ALLOC_SKB]	= { "netdev_alloc_skb",	 false, true },
	[SKBF_NAPI_ALLOC_SKB]	= { "napi_alloc_skb",	 true,	true },
	[SKBF_BUILD_SKB]	= { "build_skb",	 true,	true },
	[SKBF_KMALLOC_FLOOR]	= { "kmalloc_floor",	 false, false },
	[SKBF_EMPTY]		= { "empty",		 false, false },
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

/* ---- Module state ---- */

static struct {
	struct mutex lock;	/* config, res, run, exiting, last_error */
	struct skbf_config cfg;
	struct skbf_results *res;
	struct skbf_run *run;	/* the run in progress */
	bool exiting;
	char last_error[160];
	struct dentry *dir;
	struct net_device *dummy;	/* skb->dev when there is no NIC */
	struct napi_struct napi;	/* the context napi_alloc_skb() needs */
} skbf = {
	.lock = __MUTEX_INITIALIZER(skbf.lock),
	.last_error = "0",
};

static struct {
	atomic64_t runs;
	atomic64_t runs_interrupted;
	atomic64_t allocated;
	atomic64_t freed;
	atomic64_t alloc_failures;
} skbf_stats;

/* ---- Parameters: the one table behind config, its defaults and bounds ---- */

enum skbf_kind { SKBF_K_MODE, SKBF_K_U32, SKBF_K_CPU, SKBF_K_DEV };

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
	{ "mode",     SKBF_K_MODE, SKBF_OFF(mode),     0, 0,	     "alloc_skb" },
	{ "size",     SKBF_K_U32,  SKBF_OFF(size),     1, 65536,     "1500" },
	{ "headroom", SKBF_K_U32,  SKBF_OFF(headroom), 0, 65536,     "14" },
	{ "put",      SKBF_K_U32,  SKBF_OFF(put),      0, 65536,     "100" },
	{ "count",    SKBF_K_U32,  SKBF_OFF(count),    1, 100000000, "200000" },
	{ "repeat",   SKBF_K_U32,  SKBF_OFF(repeat),   1, SKBF_REPEAT_MAX, "5" },
	{ "batch",    SKBF_K_U32,  SKBF_OFF(batch),    1, 4096,	     "1" },
	{ "cpu",      SKBF_K_CPU,  SKBF_OFF(cpu),      0, 0,	     "nic" },
	{ "dev",      SKBF_K_DEV,  SKBF_OFF(dev),      0, 0,	     "" },
	{ "latency",  SKBF_K_U32,  SKBF_OFF(latency),  0, 1,	     "0" },
};

/* Where a parameter lives in a config. */
static void *skbf_field(struct skbf_config *cfg, const struct skbf_param *p)
{
	return (char *)cfg + p->off;
}

static size_t skbf_str_size(const struct skbf_param *p)
{
	return p->kind == SKBF_K_CPU ? SKBF_CPU_LEN : IFNAMSIZ;
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

static int skbf_param_set(struct skbf_config *cfg, const struct skbf_param *p,
			  const char *val, char *why, size_t why_len)
{
	int err = 0;

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
			 run ? "1, start or key=value tokens" : "key=value tokens or reset");
		goto out;
	}
	if (reset) {
		if (ntok > 1) {
			snprintf(why, why_len, "\"reset\" must be the only token");
			goto out;
		}
		skbf_config_reset(&new);
	}
	if ((u64)new.headroom + new.put > new.size) {
		snprintf(why, why_len,
			 "headroom=%u + put=%u exceeds size=%u (set put= or headroom= too)",
			 new.headroom, new.put, new.size);
		goto out;
	}
	*cfg = new;
	err = 0;
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

/* ---- The factory: one ready skb per call, released the matching way ---- */

struct skbf_factory {
	enum skbf_mode mode;
	u32 size;
	u32 headroom;
	u32 put;
	u32 frag_size;		/* build_skb: data plus skb_shared_info */
	unsigned int frag_order;	/* build_skb: page order above PAGE_SIZE */
	struct net_device *dev;
	struct napi_struct *napi;
};

static void skbf_factory_init(struct skbf_factory *f, enum skbf_mode mode,
			      const struct skbf_config *cfg, struct net_device *dev)
{
	f->mode = mode;
	f->size = cfg->size;
	f->headroom = cfg->headroom;
	f->put = cfg->put;
	f->frag_size = SKB_HEAD_ALIGN(cfg->size);
	f->frag_order = f->frag_size > PAGE_SIZE ? get_order(f->frag_size) : 0;
	f->dev = dev ?: skbf.dummy;
	f->napi = &skbf.napi;
}

/*
 * build_skb mode: a receive buffer as a NAPI driver makes one.  Up to
 * PAGE_SIZE it is a page fragment (napi_alloc_frag); above, as the kernel's
 * own page-fragment paths don't serve that, a compound page.
 */
static __always_inline struct sk_buff *skbf_frag_skb(const struct skbf_factory *f)
{
	struct sk_buff *skb;
	struct page *page;
	void *data;

	if (!f->frag_order) {
		data = napi_alloc_frag(f->frag_size);
		if (unlikely(!data))
			return NULL;
		skb = napi_build_skb(data, f->frag_size);
		if (unlikely(!skb))
			skb_free_frag(data);
		return skb;
	}
	page = alloc_pages(GFP_ATOMIC | __GFP_COMP | __GFP_NOWARN, f->frag_order);
	if (unlikely(!page))
		return NULL;
	skb = napi_build_skb(page_address(page), PAGE_SIZE << f->frag_order);
	if (unlikely(!skb))
		__free_pages(page, f->frag_order);
	return skb;
}

/* kmalloc_floor: an sk_buff-sized object pointing at a data buffer. */
#define SKBF_FLOOR_HEAD	sizeof(struct sk_buff)

static __always_inline void *skbf_floor_make(const struct skbf_factory *f)
{
	void **head = kmalloc(SKBF_FLOOR_HEAD, SKBF_GFP);
	u8 *data;

	if (unlikely(!head))
		return NULL;
	data = kmalloc(f->size, SKBF_GFP);
	if (unlikely(!data)) {
		kfree(head);
		return NULL;
	}
	memset(data + f->headroom, SKBF_FILL, f->put);
	*head = data;
	return head;
}

static __always_inline void skbf_floor_free(void *obj)
{
	void **head = obj;

	kfree(*head);
	kfree(head);
}

/* empty: an object that costs nothing to make, for the harness's own cost. */
static char skbf_nothing;

static __always_inline void *skbf_make(const struct skbf_factory *f, enum skbf_mode mode)
{
	struct sk_buff *skb;
	void *obj;

	switch (mode) {
	case SKBF_ALLOC_SKB:
		skb = alloc_skb(f->size, SKBF_GFP);
		break;
	case SKBF_ALLOC_SKB_FCLONE:
		skb = alloc_skb_fclone(f->size, SKBF_GFP);
		break;
	case SKBF_NETDEV_ALLOC_SKB:
		skb = __netdev_alloc_skb(f->dev, f->size, GFP_ATOMIC | __GFP_NOWARN);
		break;
	case SKBF_NAPI_ALLOC_SKB:
		skb = napi_alloc_skb(f->napi, f->size);
		break;
	case SKBF_BUILD_SKB:
		skb = skbf_frag_skb(f);
		break;
	case SKBF_KMALLOC_FLOOR:
		return skbf_floor_make(f);
	default:
		obj = &skbf_nothing;
		OPTIMIZER_HIDE_VAR(obj);
		return obj;
	}
	if (likely(skb)) {
		skb_reserve(skb, f->headroom);
		memset(skb_put(skb, f->put), SKBF_FILL, f->put);
	}
	return skb;
}

static __always_inline void skbf_drop(enum skbf_mode mode, void *obj)
{
	switch (mode) {
	case SKBF_ALLOC_SKB:
		kfree_skb(obj);
		break;
	case SKBF_ALLOC_SKB_FCLONE:
		consume_skb(obj);
		break;
	case SKBF_NETDEV_ALLOC_SKB:
		dev_kfree_skb_any(obj);
		break;
	case SKBF_NAPI_ALLOC_SKB:
	case SKBF_BUILD_SKB:
		napi_consume_skb(obj, SKBF_NAPI_BUDGET);
		break;
	case SKBF_KMALLOC_FLOOR:
		skbf_floor_free(obj);
		break;
	default:
		break;
	}
}

#if IS_ENABLED(CONFIG_KUNIT)
/* The factory as the KUnit suite calls it, one skb at a time. */

/**
 * skbf_build() - build one ready skb the way a run does
 * @mode: an skb-making mode (not kmalloc_floor or empty)
 * @cfg: size, headroom and put
 *
 * Allocates with @mode's path, reserves the headroom and puts the payload.
 * Callable from process context; disables BH around the NAPI paths only,
 * as the others may sleep.
 *
 * Return: the skb, or NULL when the allocation failed or @mode makes none.
 */
VISIBLE_IF_KUNIT struct sk_buff *skbf_build(enum skbf_mode mode, const struct skbf_config *cfg)
{
	struct skbf_factory f;
	struct sk_buff *skb;

	if (mode >= SKBF_NR_MODES || !skbf_modes[mode].skb)
		return NULL;
	skbf_factory_init(&f, mode, cfg, NULL);
	if (skbf_modes[mode].bh)
		local_bh_disable();
	skb = skbf_make(&f, mode);
	if (skbf_modes[mode].bh)
		local_bh_enable();
	if (skb)
		atomic64_inc(&skbf_stats.allocated);
	else
		atomic64_inc(&skbf_stats.alloc_failures);
	return skb;
}
EXPORT_SYMBOL_IF_KUNIT(skbf_build);

/**
 * skbf_release() - release an skb from skbf_build() the way its mode does
 * @mode: the mode that built it
 * @skb: the skb
 */
VISIBLE_IF_KUNIT void skbf_release(enum skbf_mode mode, struct sk_buff *skb)
{
	if (!skb)
		return;
	local_bh_disable();
	skbf_drop(mode, skb);
	local_bh_enable();
	atomic64_inc(&skbf_stats.freed);
}
EXPORT_SYMBOL_IF_KUNIT(skbf_release);
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

/* ---- The NIC and its CPU ---- */

/*
 * The name /proc/interrupts shows for an IRQ.  There is no exported
 * accessor, so read it the way show_interrupts() does, under desc->lock.
 */
static void skbf_irq_name(unsigned int irq, char *buf, size_t len)
{
	struct irq_data *d = irq_get_irq_data(irq);
	struct irq_desc *desc;
	unsigned long flags;

	buf[0] = '\0';
	if (!d)
		return;
	desc = container_of(d, struct irq_desc, irq_data);
	raw_spin_lock_irqsave(&desc->lock, flags);
	if (desc->action && desc->action->name)
		strscpy(buf, desc->action->name, len);
	raw_spin_unlock_irqrestore(&desc->lock, flags);
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

/* The NIC's first receive IRQ, found among its PCI device's vectors. */
static int skbf_nic_irq(struct net_device *dev, char *name, size_t len)
{
	struct pci_dev *pdev = NULL;
	struct device *d;
	int best = -1, best_score = -1;
	char this[32];
	unsigned int i;

	for (d = dev->dev.parent; d; d = d->parent) {
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
		skbf_irq_name(irq, this, sizeof(this));
		score = skbf_irq_score(this);
		if (score > best_score) {
			best = irq;
			best_score = score;
			strscpy(name, this, len);
		}
	}
	if (best < 0 && dev->irq > 0) {
		best = dev->irq;
		skbf_irq_name(best, name, len);
	}
	return best;
}

/*
 * The first online CPU in an IRQ's effective affinity.  On x86 a new
 * affinity written to /proc/irq/N/smp_affinity_list is only pending until
 * the IRQ next fires; the IRQ's CPU is then already the one it moves to.
 */
static unsigned int skbf_irq_cpu(unsigned int irq)
{
	struct irq_data *d = irq_get_irq_data(irq);
	struct irq_desc *desc;
	unsigned long flags;
	unsigned int cpu;

	if (!d)
		return nr_cpu_ids;
	desc = container_of(d, struct irq_desc, irq_data);
	raw_spin_lock_irqsave(&desc->lock, flags);
	cpu = cpumask_first_and(irq_data_get_effective_affinity_mask(d), cpu_online_mask);
#ifdef CONFIG_GENERIC_PENDING_IRQ
	if (irqd_is_setaffinity_pending(d))
		cpu = cpumask_first_and(desc->pending_mask, cpu_online_mask);
#endif
	raw_spin_unlock_irqrestore(&desc->lock, flags);
	return cpu;
}

/**
 * skbf_nic_cpu() - the CPU that services a NIC, and the rule that chose it
 * @dev: the NIC, or NULL
 * @t: its cpus, rule, irq and irq_name are set
 *
 * The first online CPU in the effective affinity of the NIC's first receive
 * IRQ (or in the affinity it is moving to); without one, the first online
 * CPU of the NIC's NUMA node; else the CPU the caller runs on.
 */
VISIBLE_IF_KUNIT void skbf_nic_cpu(struct net_device *dev, struct skbf_target *t)
{
	struct device *parent = dev ? dev->dev.parent : NULL;
	unsigned int cpu = nr_cpu_ids;
	int node;

	cpumask_clear(t->cpus);
	t->irq = dev ? skbf_nic_irq(dev, t->irq_name, sizeof(t->irq_name)) : -1;
	if (t->irq > 0) {
		cpu = skbf_irq_cpu(t->irq);
		t->rule = SKBF_RULE_NIC_IRQ;
	} else {
		t->irq = -1;
		t->irq_name[0] = '\0';
	}
	if (cpu >= nr_cpu_ids) {
		node = parent ? dev_to_node(parent) : NUMA_NO_NODE;
		if (node != NUMA_NO_NODE)
			cpu = cpumask_first_and(cpumask_of_node(node), cpu_online_mask);
		t->rule = SKBF_RULE_NIC_NODE;
	}
	if (cpu >= nr_cpu_ids) {
		cpu = raw_smp_processor_id();
		t->rule = SKBF_RULE_WRITER;
	}
	cpumask_set_cpu(cpu, t->cpus);
}
EXPORT_SYMBOL_IF_KUNIT(skbf_nic_cpu);

/* The named NIC, or the first that is up, not loopback, with an IRQ. */
static struct net_device *skbf_nic_find(const char *name)
{
	struct net_device *dev;
	char irq_name[32];

	if (*name)
		return dev_get_by_name(&init_net, name);
	rtnl_lock();
	for_each_netdev(&init_net, dev) {
		if (!(dev->flags & IFF_UP) || (dev->flags & IFF_LOOPBACK))
			continue;
		if (skbf_nic_irq(dev, irq_name, sizeof(irq_name)) > 0) {
			dev_hold(dev);
			break;
		}
	}
	rtnl_unlock();
	/* The loop cursor is not NULL when the list ran out: check for that. */
	return list_entry_is_head(dev, &init_net.dev_base_head, dev_list) ? NULL : dev;
}

/**
 * skbf_target_put() - release what skbf_target_get() took
 * @t: the target
 */
VISIBLE_IF_KUNIT void skbf_target_put(struct skbf_target *t)
{
	dev_put(t->dev);
	t->dev = NULL;
	free_cpumask_var(t->cpus);
}
EXPORT_SYMBOL_IF_KUNIT(skbf_target_put);

/**
 * skbf_target_get() - resolve where a run executes
 * @cfg: the run's cpu= and dev=
 * @t: filled in; release with skbf_target_put()
 *
 * Return: 0, -ENODEV when dev= names no device, -EINVAL when cpu= names an
 * offline CPU, or -ENOMEM.
 */
VISIBLE_IF_KUNIT int skbf_target_get(const struct skbf_config *cfg, struct skbf_target *t)
{
	int err;

	memset(t, 0, sizeof(*t));
	if (!zalloc_cpumask_var(&t->cpus, GFP_KERNEL))
		return -ENOMEM;
	t->dev = skbf_nic_find(cfg->dev);
	if (*cfg->dev && !t->dev) {
		free_cpumask_var(t->cpus);
		return -ENODEV;
	}
	if (t->dev)
		strscpy(t->nic, t->dev->name, sizeof(t->nic));
	skbf_nic_cpu(t->dev, t);
	if (strcmp(cfg->cpu, "nic")) {
		t->rule = strcmp(cfg->cpu, "all") ? SKBF_RULE_LIST : SKBF_RULE_ALL;
		err = skbf_cpus_parse(cfg->cpu, t->cpus);
		if (err) {
			skbf_target_put(t);
			return err;
		}
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(skbf_target_get);

/* ---- The engine: timed chunks in a kernel thread per CPU ---- */

/**
 * struct skbf_worker - one measuring thread, bound to one CPU
 * @f: what to make
 * @run: the run it belongs to
 * @task: the thread
 * @cpu: its CPU
 * @lat: latency sampling on
 * @obj: the current batch's objects
 * @lat_ticks: per batch slot, the sampled allocation's ticks plus one (0: none)
 * @batch: the configured batch
 * @want: objects in the current batch
 * @held: of those, allocated
 * @freed: of those, released
 * @left: operations of this repetition not yet in a batch
 * @opno: allocations started, for sampling
 * @fail_every: KUnit fault hook, from the run
 * @fail_tick: allocations seen by the hook
 * @made: skbs made since the last flush to the stats
 * @dropped: skbs released since the last flush
 * @failed: failed allocations since the last flush
 * @ops: operations completed
 * @fails: failed allocations
 * @reps: repetitions completed
 * @rep_ns: per repetition, ns spent in timed chunks
 * @rep_cycles: per repetition, cycles spent in timed chunks
 * @lat_samples: operations timed one by one
 * @hist: their log2 histogram in ticks, %SKBF_LAT_SUB buckets per power of 2
 */
struct skbf_worker {
	struct skbf_factory f;
	struct skbf_run *run;
	struct task_struct *task;
	unsigned int cpu;
	bool lat;
	void **obj;
	u32 *lat_ticks;
	u32 batch;
	u32 want;
	u32 held;
	u32 freed;
	u64 left;
	u64 opno;
	u32 fail_every;
	u64 fail_tick;
	u64 made;
	u64 dropped;
	u64 failed;
	u64 ops;
	u64 fails;
	u32 reps;
	u64 *rep_ns;
	u64 *rep_cycles;
	u64 lat_samples;
	u32 *hist;
};

static bool skbf_stopping(const struct skbf_run *run)
{
	return READ_ONCE(run->stop);
}

static __always_inline bool skbf_fail_now(struct skbf_worker *w)
{
#if IS_ENABLED(CONFIG_KUNIT)
	if (unlikely(w->fail_every) && ++w->fail_tick % w->fail_every == 0)
		return true;
#endif
	return false;
}

/* Latency samples count cycles where the CPU has a counter, else ns. */
static bool skbf_cycles __read_mostly;

static __always_inline u64 skbf_tick(void)
{
	return skbf_cycles ? get_cycles() : ktime_get_ns();
}

/* Ticks to ns, by the ratio this worker's timed chunks measured. */
static u64 skbf_tick_ns(const struct skbf_worker *w, u64 ticks)
{
	u64 ns = 0, cycles = 0;
	u32 r;

	if (!skbf_cycles)
		return ticks;
	for (r = 0; r < w->reps; r++) {
		ns += w->rep_ns[r];
		cycles += w->rep_cycles[r];
	}
	return cycles ? mul_u64_u64_div_u64(ticks, ns, cycles) : 0;
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

static __always_inline void *skbf_alloc_one(struct skbf_worker *w, enum skbf_mode mode,
					    bool lat, u32 slot, u64 *failed)
{
	bool sample = lat && !(w->opno++ % SKBF_LAT_EVERY);
	u64 t0 = 0;
	void *obj;

	if (sample)
		t0 = skbf_tick();
	obj = skbf_fail_now(w) ? NULL : skbf_make(&w->f, mode);
	if (sample)
		w->lat_ticks[slot] = min_t(u64, skbf_tick() - t0, U32_MAX - 1) + 1;
	if (unlikely(!obj))
		(*failed)++;
	return obj;
}

static __always_inline void skbf_free_one(struct skbf_worker *w, enum skbf_mode mode,
					  bool lat, u32 slot, void *obj)
{
	u32 sampled = lat ? w->lat_ticks[slot] : 0;
	u64 t0 = 0;

	if (sampled)
		t0 = skbf_tick();
	if (likely(obj))
		skbf_drop(mode, obj);
	if (sampled) {
		w->hist[skbf_hist_bucket(sampled - 1 + skbf_tick() - t0)]++;
		w->lat_samples++;
		w->lat_ticks[slot] = 0;
	}
}

/*
 * Whole batches that fit in @steps allocations and releases: a batch
 * allocates its objects, then releases them all.  batch=1 keeps the object
 * in a register.  Returns the operations done.
 */
static __always_inline u32 skbf_batches(struct skbf_worker *w, enum skbf_mode mode,
					bool lat, u32 steps)
{
	u64 n = min_t(u64, w->left, steps / 2), failed = 0, i;
	void **obj = w->obj;
	u32 j, k;

	if (n < w->left)
		n -= n % w->batch;
	if (w->batch == 1) {
		for (i = 0; i < n; i++)
			skbf_free_one(w, mode, lat, 0, skbf_alloc_one(w, mode, lat, 0, &failed));
	} else {
		for (i = 0; i < n; i += k) {
			k = min_t(u64, w->batch, n - i);
			for (j = 0; j < k; j++)
				obj[j] = skbf_alloc_one(w, mode, lat, j, &failed);
			for (j = 0; j < k; j++)
				skbf_free_one(w, mode, lat, j, obj[j]);
		}
	}
	w->left -= n;
	w->made += n - failed;
	w->dropped += n - failed;
	w->failed += failed;
	return n;
}

/*
 * Part of a batch too large for one chunk: up to @steps allocations or
 * releases, carried on by the next chunk.  Returns the operations done.
 */
static __always_inline u32 skbf_batch_part(struct skbf_worker *w, enum skbf_mode mode,
					   bool lat, u32 steps)
{
	u64 failed = 0;
	u32 done = 0, i, k;

	while (steps) {
		if (w->freed == w->want) {
			if (!w->left)
				break;
			w->want = min_t(u64, w->batch, w->left);
			w->left -= w->want;
			w->held = 0;
			w->freed = 0;
		}
		if (w->held < w->want) {
			k = min(steps, w->want - w->held);
			for (i = w->held; i < w->held + k; i++)
				w->obj[i] = skbf_alloc_one(w, mode, lat, i, &failed);
			w->held += k;
			w->made += k;
		} else {
			k = min(steps, w->held - w->freed);
			for (i = w->freed; i < w->freed + k; i++) {
				w->dropped += !!w->obj[i];
				skbf_free_one(w, mode, lat, i, w->obj[i]);
			}
			w->freed += k;
			done += k;
		}
		steps -= k;
	}
	w->made -= failed;
	w->failed += failed;
	return done;
}

static __always_inline u32 skbf_steps(struct skbf_worker *w, enum skbf_mode mode,
				      bool lat, u32 steps)
{
	u32 done = 0;

	if (w->freed == w->want)
		done = skbf_batches(w, mode, lat, steps);
	return done ?: skbf_batch_part(w, mode, lat, steps);
}

static __always_inline u32 skbf_steps_mode(struct skbf_worker *w, enum skbf_mode mode,
					   u32 steps)
{
	return w->lat ? skbf_steps(w, mode, true, steps) : skbf_steps(w, mode, false, steps);
}

/* One specialised loop per mode, so the timed path has no indirect call. */
static noinline u32 skbf_dispatch(struct skbf_worker *w, u32 steps)
{
	switch (w->f.mode) {
	case SKBF_ALLOC_SKB:
		return skbf_steps_mode(w, SKBF_ALLOC_SKB, steps);
	case SKBF_ALLOC_SKB_FCLONE:
		return skbf_steps_mode(w, SKBF_ALLOC_SKB_FCLONE, steps);
	case SKBF_NETDEV_ALLOC_SKB:
		return skbf_steps_mode(w, SKBF_NETDEV_ALLOC_SKB, steps);
	case SKBF_NAPI_ALLOC_SKB:
		return skbf_steps_mode(w, SKBF_NAPI_ALLOC_SKB, steps);
	case SKBF_BUILD_SKB:
		return skbf_steps_mode(w, SKBF_BUILD_SKB, steps);
	case SKBF_KMALLOC_FLOOR:
		return skbf_steps_mode(w, SKBF_KMALLOC_FLOOR, steps);
	default:
		return skbf_steps_mode(w, SKBF_EMPTY, steps);
	}
}

/* One timed chunk.  BH is disabled around, not inside, the timed part. */
static u32 skbf_chunk(struct skbf_worker *w, u32 steps, u64 *ns, u64 *cycles)
{
	bool bh = skbf_modes[w->f.mode].bh;
	cycles_t c0, c1;
	u64 t0, t1;
	u32 done;

	if (bh)
		local_bh_disable();
	t0 = ktime_get_ns();
	c0 = get_cycles();
	done = skbf_dispatch(w, steps);
	c1 = get_cycles();
	t1 = ktime_get_ns();
	if (bh)
		local_bh_enable();
	*ns = t1 - t0;
	*cycles = c1 - c0;
	w->ops += done;
	return done;
}

/* Publish the counts of the last chunk; no chunk leaves a count behind. */
static void skbf_flush(struct skbf_worker *w)
{
	if (skbf_modes[w->f.mode].skb) {
		atomic64_add(w->made, &skbf_stats.allocated);
		atomic64_add(w->dropped, &skbf_stats.freed);
	}
	atomic64_add(w->failed, &skbf_stats.alloc_failures);
	w->fails += w->failed;
	w->made = 0;
	w->dropped = 0;
	w->failed = 0;
}

/* Aim each chunk at SKBF_CHUNK_NS: shrink at once, grow at most twofold. */
static u32 skbf_next_steps(u32 steps, u64 ns)
{
	u64 next = ns ? div64_u64((u64)steps * SKBF_CHUNK_NS, ns) : 2ULL * steps;

	return clamp_t(u64, next, 1, min_t(u64, 2ULL * steps, SKBF_MAX_STEPS));
}

static bool skbf_rep_done(const struct skbf_worker *w)
{
	return !w->left && w->freed == w->want;
}

/* Release what a stopped batch still holds, in chunks like the run's. */
static void skbf_drain(struct skbf_worker *w, u32 steps)
{
	u64 ns, cycles;

	w->left = 0;
	w->want = w->held;
	while (w->freed < w->held) {
		skbf_chunk(w, min(steps, w->held - w->freed), &ns, &cycles);
		skbf_flush(w);
		cond_resched();
	}
	skbf_flush(w);
}

static int skbf_worker_fn(void *arg)
{
	struct skbf_worker *w = arg;
	struct skbf_run *run = w->run;
	u32 steps = 16;
	u32 rep;

	wait_for_completion(&run->go);
	for (rep = 0; rep < run->cfg.repeat && !skbf_stopping(run); rep++) {
		u64 ns = 0, cycles = 0;

		w->left = run->cfg.count;
		w->want = 0;
		w->held = 0;
		w->freed = 0;
		for (;;) {
			u64 lap_ns, lap_cycles;

			skbf_chunk(w, steps, &lap_ns, &lap_cycles);
			skbf_flush(w);
			ns += lap_ns;
			cycles += lap_cycles;
			steps = skbf_next_steps(steps, lap_ns);
			if (skbf_rep_done(w) || skbf_stopping(run))
				break;
			cond_resched();
		}
		if (!skbf_rep_done(w))
			break;
		w->rep_ns[rep] = ns;
		w->rep_cycles[rep] = cycles;
		w->reps++;
		if (w == run->lead)
			WRITE_ONCE(run->progress_rep, rep + 1);
		cond_resched();
	}
	skbf_drain(w, steps);
	if (atomic_dec_and_test(&run->running))
		complete(&run->done);

	/* Stay until the writer collects the results with kthread_stop(). */
	set_current_state(TASK_IDLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_IDLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static void skbf_worker_free(struct skbf_worker *w)
{
	if (!w)
		return;
	if (w->task)
		kthread_stop(w->task);
	kvfree(w->obj);
	kvfree(w->lat_ticks);
	kvfree(w->hist);
	kfree(w->rep_ns);
	kfree(w->rep_cycles);
	kfree(w);
}

static struct skbf_worker *skbf_worker_new(struct skbf_run *run, struct skbf_target *t,
					   enum skbf_mode mode, unsigned int cpu)
{
	const struct skbf_config *cfg = &run->cfg;
	int node = cpu_to_node(cpu);
	struct skbf_worker *w;

	w = kzalloc_node(sizeof(*w), GFP_KERNEL, node);
	if (!w)
		return ERR_PTR(-ENOMEM);
	w->run = run;
	w->cpu = cpu;
	w->batch = cfg->batch;
	w->lat = cfg->latency;
	w->fail_every = run->fail_every;
	skbf_factory_init(&w->f, mode, cfg, t->dev);
	w->obj = kvzalloc_node(array_size(cfg->batch, sizeof(*w->obj)), GFP_KERNEL, node);
	w->rep_ns = kcalloc(cfg->repeat, sizeof(*w->rep_ns), GFP_KERNEL);
	w->rep_cycles = kcalloc(cfg->repeat, sizeof(*w->rep_cycles), GFP_KERNEL);
	if (w->lat) {
		w->lat_ticks = kvzalloc_node(array_size(cfg->batch, sizeof(*w->lat_ticks)),
					     GFP_KERNEL, node);
		w->hist = kvzalloc_node(array_size(SKBF_LAT_BUCKETS, sizeof(*w->hist)),
					GFP_KERNEL, node);
	}
	if (!w->obj || !w->rep_ns || !w->rep_cycles || (w->lat && (!w->lat_ticks || !w->hist))) {
		skbf_worker_free(w);
		return ERR_PTR(-ENOMEM);
	}
	w->task = kthread_create_on_cpu(skbf_worker_fn, w, cpu, "skbfactory/%u");
	if (IS_ERR(w->task)) {
		int err = PTR_ERR(w->task);

		w->task = NULL;
		skbf_worker_free(w);
		return ERR_PTR(err);
	}
	skbf_inherit_make_it_fail(w->task);
	return w;
}

static int skbf_u64_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 skbf_median(u64 *v, u32 n)
{
	sort(v, n, sizeof(*v), skbf_u64_cmp, NULL);
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

static void skbf_row_fill(struct skbf_row *row, struct skbf_worker *w, u32 count)
{
	u32 n = w->reps;
	u64 ns;

	row->mode = w->f.mode;
	row->cpu = w->cpu;
	row->ops = w->ops;
	row->fails = w->fails;
	row->ns_min_x100 = U64_MAX;
	for (u32 r = 0; r < n; r++) {
		u64 x100 = div_u64(w->rep_ns[r] * 100, count);

		row->ns_min_x100 = min(row->ns_min_x100, x100);
		row->ns_max_x100 = max(row->ns_max_x100, x100);
	}
	ns = skbf_median(w->rep_ns, n);
	row->ns_x100 = div_u64(ns * 100, count);
	row->ops_per_sec = ns ? mul_u64_u64_div_u64(count, NSEC_PER_SEC, ns) : 0;
	row->cycles_x100 = -1;
	if (skbf_median(w->rep_cycles, n))
		row->cycles_x100 = div_u64(skbf_median(w->rep_cycles, n) * 100, count);
	if (w->lat && w->lat_samples) {
		row->lat_samples = w->lat_samples;
		row->p50_ns = skbf_tick_ns(w, skbf_percentile(w->hist, w->lat_samples, 500));
		row->p99_ns = skbf_tick_ns(w, skbf_percentile(w->hist, w->lat_samples, 990));
		row->p999_ns = skbf_tick_ns(w, skbf_percentile(w->hist, w->lat_samples, 999));
	}
}

/**
 * skbf_run_stop() - ask a run to end at its next chunk boundary
 * @run: the run
 */
VISIBLE_IF_KUNIT void skbf_run_stop(struct skbf_run *run)
{
	WRITE_ONCE(run->stop, true);
}
EXPORT_SYMBOL_IF_KUNIT(skbf_run_stop);

/* Wait for the workers; a signal to the writer stops them within a chunk. */
static int skbf_wait(struct skbf_run *run)
{
	if (wait_for_completion_interruptible(&run->done)) {
		skbf_run_stop(run);
		wait_for_completion(&run->done);
	}
	return skbf_stopping(run) ? -EINTR : 0;
}

/*
 * Create a bound thread per target CPU and release them together.  The
 * CPUs stay online until the threads are on their run queues; from then
 * on, taking a CPU down waits for its thread to finish, as for any per-CPU
 * kthread, so no lock is held while the run goes on.
 */
static int skbf_workers_start(struct skbf_run *run, struct skbf_target *t,
			      enum skbf_mode mode, struct skbf_worker **w)
{
	unsigned int i = 0, cpu;
	int err = 0;

	cpus_read_lock();
	if (!cpumask_subset(t->cpus, cpu_online_mask)) {
		err = -EINVAL;
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
	run->lead = w[0];
	WRITE_ONCE(run->progress_rep, 0);
	while (i--)
		wake_up_process(w[i]->task);
	complete_all(&run->go);
out:
	cpus_read_unlock();
	return err;
}

/* One row per worker, and a sum row when there are several. */
static void skbf_rows_add(struct skbf_run *run, struct skbf_worker **w, unsigned int n,
			  enum skbf_mode mode)
{
	struct skbf_results *res = run->res;
	struct skbf_row *sum = n > 1 ? &res->rows[res->nr_rows + n] : NULL;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct skbf_row *row = &res->rows[res->nr_rows++];

		skbf_row_fill(row, w[i], run->cfg.count);
		if (sum) {
			sum->ops += row->ops;
			sum->fails += row->fails;
			sum->ops_per_sec += row->ops_per_sec;
		}
	}
	if (sum) {
		sum->mode = mode;
		sum->cpu = -1;
		res->nr_rows++;
	}
}

static int skbf_run_mode(struct skbf_run *run, struct skbf_target *t, enum skbf_mode mode)
{
	unsigned int n = cpumask_weight(t->cpus), i;
	struct skbf_worker **w;
	int err;

	w = kcalloc(n, sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	reinit_completion(&run->go);
	reinit_completion(&run->done);
	atomic_set(&run->running, n);

	err = skbf_workers_start(run, t, mode, w);
	if (!err)
		err = skbf_wait(run);
	if (!err)
		skbf_rows_add(run, w, n, mode);
	for (i = 0; i < n; i++)
		skbf_worker_free(w[i]);
	run->lead = NULL;
	kfree(w);
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

/**
 * skbf_run_exec() - execute a run and wait for it
 * @run: cfg set, stop false; on success @run->res holds the results, to be
 *       released with skbf_results_free()
 *
 * Runs every repetition of every mode asked for, in a kernel thread bound
 * to each target CPU.  skbf_run_stop() or a signal to the caller ends it
 * within one chunk, with every skb released.
 *
 * Return: 0, -EINTR when stopped, -ENODEV for a missing dev=, -EINVAL for an
 * offline CPU, or -ENOMEM.
 */
VISIBLE_IF_KUNIT int skbf_run_exec(struct skbf_run *run)
{
	const struct skbf_config *cfg = &run->cfg;
	enum skbf_mode first = cfg->mode == SKBF_ALL ? 0 : cfg->mode;
	enum skbf_mode last = cfg->mode == SKBF_ALL ? SKBF_NR_MODES - 1 : cfg->mode;
	struct skbf_results *res;
	struct skbf_target t;
	unsigned int ncpus, mode;
	int err;

	init_completion(&run->go);
	init_completion(&run->done);
	run->res = NULL;
	err = skbf_target_get(cfg, &t);
	if (err)
		return err;
	ncpus = cpumask_weight(t.cpus);
	res = kvzalloc(struct_size(res, rows, (ncpus + (ncpus > 1)) * (last - first + 1)),
		       GFP_KERNEL);
	if (!res) {
		skbf_target_put(&t);
		return -ENOMEM;
	}
	res->cfg = *cfg;
	res->rule = t.rule;
	res->irq = t.irq;
	strscpy(res->nic, t.nic, sizeof(res->nic));
	strscpy(res->irq_name, t.irq_name, sizeof(res->irq_name));
	snprintf(res->cpus, sizeof(res->cpus), "%*pbl", cpumask_pr_args(t.cpus));
	res->timer_ns = skbf_timer_cost();
	run->res = res;
	run->modes = last - first + 1;
	for (mode = first; mode <= last && !err; mode++) {
		WRITE_ONCE(run->progress_mode, mode - first + 1);
		WRITE_ONCE(run->mode_now, mode);
		err = skbf_run_mode(run, &t, mode);
	}
	skbf_target_put(&t);
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

/* ---- Results text: comment lines, a header row, one row per (mode, cpu) ---- */

/* How a column's value is found and printed. */
enum skbf_fmt {
	SKBF_FMT_MODE,	/* the row's mode name */
	SKBF_FMT_CPU,	/* the row's CPU, or "sum" */
	SKBF_FMT_CFG,	/* a u32 of the run's config */
	SKBF_FMT_U64,	/* a u64 of the row */
	SKBF_FMT_X100,	/* an s64 of the row in hundredths; "-" when negative */
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
	{ "mode",	   SKBF_FMT_MODE },
	{ "cpu",	   SKBF_FMT_CPU },
	{ "size",	   SKBF_FMT_CFG,  SKBF_OFF(size) },
	{ "headroom",	   SKBF_FMT_CFG,  SKBF_OFF(headroom) },
	{ "put",	   SKBF_FMT_CFG,  SKBF_OFF(put) },
	{ "batch",	   SKBF_FMT_CFG,  SKBF_OFF(batch) },
	{ "count",	   SKBF_FMT_CFG,  SKBF_OFF(count) },
	{ "repeat",	   SKBF_FMT_CFG,  SKBF_OFF(repeat) },
	{ "ns_per_op",	   SKBF_FMT_X100, SKBF_ROW(ns_x100),	 true },
	{ "ns_min",	   SKBF_FMT_X100, SKBF_ROW(ns_min_x100), true },
	{ "ns_max",	   SKBF_FMT_X100, SKBF_ROW(ns_max_x100), true },
	{ "ops_per_sec",   SKBF_FMT_U64,  SKBF_ROW(ops_per_sec) },
	{ "cycles_per_op", SKBF_FMT_X100, SKBF_ROW(cycles_x100), true },
	{ "fails",	   SKBF_FMT_U64,  SKBF_ROW(fails) },
	{ "p50_ns",	   SKBF_FMT_U64,  SKBF_ROW(p50_ns),	 true, true },
	{ "p99_ns",	   SKBF_FMT_U64,  SKBF_ROW(p99_ns),	 true, true },
	{ "p999_ns",	   SKBF_FMT_U64,  SKBF_ROW(p999_ns),	 true, true },
	{ "lat_samples",   SKBF_FMT_U64,  SKBF_ROW(lat_samples), true, true },
};

static void skbf_col_show(struct seq_buf *s, const struct skbf_results *res,
			  const struct skbf_row *row, const struct skbf_col *col)
{
	const void *val = (const char *)row + col->off;
	s64 x100;

	if (row->cpu < 0 && col->per_cpu) {
		seq_buf_printf(s, "-");
		return;
	}
	switch (col->fmt) {
	case SKBF_FMT_MODE:
		seq_buf_printf(s, "%s", skbf_mode_name(row->mode));
		break;
	case SKBF_FMT_CPU:
		if (row->cpu < 0)
			seq_buf_printf(s, "sum");
		else
			seq_buf_printf(s, "%d", row->cpu);
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
			seq_buf_printf(s, "-");
		else
			seq_buf_printf(s, "%lld.%02lld", x100 / 100, x100 % 100);
		break;
	}
}

static const char *const skbf_rules[] = {
	[SKBF_RULE_NIC_IRQ] =
		"nic-irq: first online CPU in the effective affinity of the NIC's receive IRQ",
	[SKBF_RULE_NIC_NODE] =
		"nic-node: no usable NIC IRQ; first online CPU of the NIC's NUMA node",
	[SKBF_RULE_WRITER] =
		"writer: no NIC IRQ or NUMA node; the CPU the writer of run was on",
	[SKBF_RULE_LIST] = "list: the CPUs cpu= names, concurrently",
	[SKBF_RULE_ALL] = "all: every online CPU, concurrently",
};

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
	size_t i;
	size_t c;

	seq_buf_printf(s, "# skbfactory results\n# kernel: %s\n", init_utsname()->release);
	if (!res) {
		seq_buf_printf(s, "# runs: none yet; write 1 to run\n");
		return;
	}
	seq_buf_printf(s, "# nic: %s\n", res->nic[0] ? res->nic : "none");
	if (res->irq > 0)
		seq_buf_printf(s, "# nic_irq: %d %s\n", res->irq, res->irq_name);
	else
		seq_buf_printf(s, "# nic_irq: none\n");
	seq_buf_printf(s, "# cpus: %s\n# cpu_rule: %s\n# config:", res->cpus,
		       skbf_rules[res->rule]);
	for (i = 0; i < ARRAY_SIZE(skbf_params); i++) {
		seq_buf_printf(s, " ");
		skbf_param_show(s, &res->cfg, &skbf_params[i], "");
	}
	seq_buf_printf(s,
		       "\n# timing: ktime_get_ns around chunks of about 1 ms; ns_per_op and ops_per_sec are medians of %u repetitions; cycles from get_cycles\n",
		       res->cfg.repeat);
	if (res->cfg.latency) {
		u64 cost_x100 = div_u64(200 * res->timer_ns, SKBF_LAT_EVERY);

		seq_buf_printf(s,
			       "# latency: 1 op in %d timed alone with %s; a pair of reads costs %llu ns, so a sample reads up to %llu ns high and sampling adds about %llu.%02llu ns per op\n",
			       SKBF_LAT_EVERY, skbf_cycles ? "get_cycles" : "ktime_get_ns",
			       res->timer_ns, 2 * res->timer_ns, cost_x100 / 100, cost_x100 % 100);
	}
	for (c = 0; c < ARRAY_SIZE(skbf_cols); c++)
		if (res->cfg.latency || !skbf_cols[c].latency)
			seq_buf_printf(s, "%s%s", c ? " " : "", skbf_cols[c].name);
	seq_buf_printf(s, "\n");
	for (r = 0; r < res->nr_rows; r++) {
		for (c = 0; c < ARRAY_SIZE(skbf_cols); c++) {
			if (!res->cfg.latency && skbf_cols[c].latency)
				continue;
			if (c)
				seq_buf_printf(s, " ");
			skbf_col_show(s, res, &res->rows[r], &skbf_cols[c]);
		}
		seq_buf_printf(s, "\n");
	}
}
EXPORT_SYMBOL_IF_KUNIT(skbf_results_show);

/* ---- Layout: one real skb walked step by step ---- */

static void skbf_layout_step(struct seq_buf *s, const struct sk_buff *skb, const char *step)
{
	seq_buf_printf(s, "%s\n", step);
	seq_buf_printf(s, "  data: %ld\n  tail: %ld\n  end: %u\n",
		       (long)(skb->data - skb->head),
		       (long)(skb_tail_pointer(skb) - skb->head), skb_end_offset(skb));
	seq_buf_printf(s, "  len: %u\n  headroom: %u\n  tailroom: %d\n",
		       skb->len, skb_headroom(skb), skb_tailroom(skb));
	seq_buf_printf(s, "  users: %u\n  truesize: %u\n",
		       refcount_read(&skb->users), skb->truesize);
}

static unsigned int skbf_columns(unsigned int bytes, unsigned int total)
{
	unsigned int c = DIV_ROUND_CLOSEST(bytes * SKBF_DIAGRAM, total);

	return bytes && !c ? 1 : c;
}

static void skbf_layout_bar(struct seq_buf *s, char fill, unsigned int n)
{
	while (n--)
		seq_buf_printf(s, "%c", fill);
	seq_buf_printf(s, "|");
}

/* The state after skb_put, to scale: | headroom | data | tailroom | */
static void skbf_layout_diagram(struct seq_buf *s, unsigned int head, unsigned int data,
				unsigned int tail)
{
	unsigned int end = head + data + tail;

	seq_buf_printf(s,
		       "after skb_put, to scale (%u bytes from head to end, 1 column ~ %u bytes):\n|",
		       end, DIV_ROUND_UP(end, SKBF_DIAGRAM));
	skbf_layout_bar(s, 'h', skbf_columns(head, end));
	skbf_layout_bar(s, 'd', skbf_columns(data, end));
	skbf_layout_bar(s, '.', skbf_columns(tail, end));
	seq_buf_printf(s, "\n h = headroom %u, d = data %u, . = tailroom %u\n", head, data, tail);
}

/**
 * skbf_layout_show() - walk one real skb and print each step
 * @s: where to print
 * @cfg: its size, headroom and put
 *
 * alloc_skb, skb_reserve, skb_put (payload written), skb_push and skb_pull
 * of an Ethernet header, skb_get, kfree_skb twice; after each step data,
 * tail and end as offsets from head, len, headroom, tailroom, users and
 * truesize.  Then a diagram and how the buffer differs from the size asked.
 *
 * Return: 0, or -ENOMEM when alloc_skb() failed.
 */
VISIBLE_IF_KUNIT int skbf_layout_show(struct seq_buf *s, const struct skbf_config *cfg)
{
	unsigned int shinfo = SKB_DATA_ALIGN(sizeof(struct skb_shared_info));
	unsigned int head, data, tail, object;
	struct sk_buff *skb;
	char step[48];

	skb = alloc_skb(cfg->size, SKBF_GFP);
	if (!skb) {
		atomic64_inc(&skbf_stats.alloc_failures);
		return -ENOMEM;
	}
	atomic64_inc(&skbf_stats.allocated);
	seq_buf_printf(s,
		       "# skbfactory layout: size=%u headroom=%u put=%u; data, tail and end are offsets from skb->head\n",
		       cfg->size, cfg->headroom, cfg->put);
	snprintf(step, sizeof(step), "alloc_skb(%u)", cfg->size);
	skbf_layout_step(s, skb, step);
	skb_reserve(skb, cfg->headroom);
	snprintf(step, sizeof(step), "skb_reserve(%u)", cfg->headroom);
	skbf_layout_step(s, skb, step);
	memset(skb_put(skb, cfg->put), SKBF_FILL, cfg->put);
	snprintf(step, sizeof(step), "skb_put(%u)", cfg->put);
	skbf_layout_step(s, skb, step);
	head = skb_headroom(skb);
	data = skb->len;
	tail = skb_tailroom(skb);
	if (skb_headroom(skb) >= SKBF_ETH_HLEN) {
		skb_push(skb, SKBF_ETH_HLEN);
		skbf_layout_step(s, skb, "skb_push(14)");
		skb_pull(skb, SKBF_ETH_HLEN);
		skbf_layout_step(s, skb, "skb_pull(14)");
	} else {
		seq_buf_printf(s, "skb_push(14)\n  skipped: headroom %u < 14, it would panic\n",
			       skb_headroom(skb));
	}
	skb_get(skb);
	skbf_layout_step(s, skb, "skb_get");
	kfree_skb(skb);
	skbf_layout_step(s, skb, "kfree_skb");
	object = skb_end_offset(skb) + shinfo;
	kfree_skb(skb);
	atomic64_inc(&skbf_stats.freed);
	seq_buf_printf(s, "kfree_skb\n  users: 0, freed\n\n");
	skbf_layout_diagram(s, head, data, tail);
	seq_buf_printf(s,
		       "buffer: asked %u, handed out %u: SKB_DATA_ALIGN(%u) = %u plus skb_shared_info %u = %u, rounded up by the allocator to %u; end = %u leaves %u bytes of tailroom beyond the size asked\n",
		       cfg->size, object, cfg->size, (unsigned int)SKB_DATA_ALIGN(cfg->size),
		       shinfo, (unsigned int)SKB_HEAD_ALIGN(cfg->size), object,
		       object - shinfo, object - shinfo - cfg->size);
	return 0;
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

	seq_buf_printf(s, "runs: %lld\nruns_interrupted: %lld\n",
		       atomic64_read(&skbf_stats.runs),
		       atomic64_read(&skbf_stats.runs_interrupted));
	seq_buf_printf(s, "skbs_allocated: %lld\nskbs_freed: %lld\nskbs_outstanding: %lld\n",
		       atomic64_read(&skbf_stats.allocated),
		       atomic64_read(&skbf_stats.freed), skbf_outstanding());
	seq_buf_printf(s, "alloc_failures: %lld\n", atomic64_read(&skbf_stats.alloc_failures));
	mutex_lock(&skbf.lock);
	seq_buf_printf(s, "last_error: %s\n", skbf.last_error);
	run = skbf.run;
	if (run && !READ_ONCE(run->progress_mode))
		seq_buf_printf(s, "running: starting\n");
	else if (run)
		seq_buf_printf(s, "running: mode %s (%u of %u), repetition %u of %u done\n",
			       skbf_mode_name(READ_ONCE(run->mode_now)),
			       READ_ONCE(run->progress_mode), run->modes,
			       READ_ONCE(run->progress_rep), run->cfg.repeat);
	else
		seq_buf_printf(s, "running: no\n");
	mutex_unlock(&skbf.lock);
}
EXPORT_SYMBOL_IF_KUNIT(skbf_stats_show);

/* ---- debugfs ---- */

/* One line in dmesg and in stats' last_error for every failed write. */
static void skbf_error(const char *file, int err, const char *why)
{
	mutex_lock(&skbf.lock);
	snprintf(skbf.last_error, sizeof(skbf.last_error), "%d %s: %s", err, file, why);
	mutex_unlock(&skbf.lock);
	pr_info("%s: %s\n", file, why);
}

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
		skbf_error("layout", err, "alloc_skb failed");
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

static int skbf_run_file_write(const char *buf, size_t len)
{
	struct skbf_results *old = NULL;
	bool unloading;
	struct skbf_run *run;
	char why[128];
	int err;

	run = kzalloc(sizeof(*run), GFP_KERNEL);
	if (!run)
		return -ENOMEM;
	mutex_lock(&skbf.lock);
	run->cfg = skbf.cfg;
	err = skbf_config_parse(&run->cfg, buf, len, true, why, sizeof(why));
	if (!err && skbf.exiting) {
		err = -ENODEV;
		snprintf(why, sizeof(why), "module unloading");
	}
	if (!err && skbf.run) {
		err = -EBUSY;
		snprintf(why, sizeof(why), "a run is already in progress");
	}
	if (!err)
		skbf.run = run;
	mutex_unlock(&skbf.lock);
	if (err)
		goto out;

	atomic64_inc(&skbf_stats.runs);
	/*
	 * While it runs, this open file must not pin the module, or rmmod
	 * could not stop the run.  skbf_exit() stops it, debugfs_remove()
	 * waits for this write to return, and skbf_exit() then waits for the
	 * pin taken back here to be dropped when the file is closed.
	 */
	module_put(THIS_MODULE);
	err = skbf_run_exec(run);
	__module_get(THIS_MODULE);

	mutex_lock(&skbf.lock);
	skbf.run = NULL;
	if (!err) {
		old = skbf.res;
		skbf.res = run->res;
	}
	unloading = skbf.exiting;
	mutex_unlock(&skbf.lock);
	skbf_results_free(old);
	if (err == -EINTR)
		atomic64_inc(&skbf_stats.runs_interrupted);
	switch (err) {
	case 0:
		break;
	case -EINTR:
		if (!unloading) {
			snprintf(why, sizeof(why), "stopped by a signal; every skb released");
			break;
		}
		/* Stopped by rmmod: the device is going away. */
		err = -ENODEV;
		snprintf(why, sizeof(why), "stopped by rmmod; every skb released");
		break;
	case -ENODEV:
		snprintf(why, sizeof(why), "dev=%s: no such device", run->cfg.dev);
		break;
	case -EINVAL:
		snprintf(why, sizeof(why), "cpu=%s: a CPU went offline", run->cfg.cpu);
		break;
	case -ENOMEM:
		snprintf(why, sizeof(why), "out of memory");
		break;
	default:
		snprintf(why, sizeof(why), "failed");
		break;
	}
out:
	if (err)
		skbf_error("run", err, why);
	kfree(run);
	return err;
}

struct skbf_file {
	const char *name;
	umode_t mode;
	int (*show)(struct seq_buf *s);
	int (*write)(const char *buf, size_t len);
};

static const struct skbf_file skbf_files[] = {
	{ "config",  0600, skbf_config_file_show,  skbf_config_file_write },
	{ "run",     0200, NULL,		   skbf_run_file_write },
	{ "results", 0400, skbf_results_file_show, NULL },
	{ "layout",  0400, skbf_layout_file_show,  NULL },
	{ "stats",   0400, skbf_stats_file_show,   NULL },
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
	size_t size = PAGE_SIZE;
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

static const struct file_operations skbf_fops = {
	.owner = THIS_MODULE,
	.open = skbf_open,
	.read = skbf_read,
	.write = skbf_write,
	.release = skbf_release_file,
	.llseek = default_llseek,
};

/* ---- Module ---- */

static int skbf_napi_poll(struct napi_struct *napi, int budget)
{
	return 0;	/* never scheduled: only a context for napi_alloc_skb() */
}

static int __init skbf_init(void)
{
	size_t i;

	skbf_config_reset(&skbf.cfg);
	skbf_cycles = get_cycles() != 0;
	skbf.dummy = skbf_alloc_dummy_netdev();
	if (!skbf.dummy) {
		pr_err("cannot allocate the dummy netdev\n");
		return -ENOMEM;
	}
	netif_napi_add(skbf.dummy, &skbf.napi, skbf_napi_poll);

	skbf.dir = debugfs_create_dir(SKBF_DIR, NULL);
	if (IS_ERR(skbf.dir)) {
		pr_err("cannot create /sys/kernel/debug/%s (is debugfs enabled?): %ld\n",
		       SKBF_DIR, PTR_ERR(skbf.dir));
		netif_napi_del(&skbf.napi);
		skbf_free_dummy_netdev(skbf.dummy);
		return PTR_ERR(skbf.dir);
	}
	for (i = 0; i < ARRAY_SIZE(skbf_files); i++)
		debugfs_create_file(skbf_files[i].name, skbf_files[i].mode, skbf.dir,
				    (void *)&skbf_files[i], &skbf_fops);
	return 0;
}

static void __exit skbf_exit(void)
{
	/* No file pins the module now; a stopped run's writer takes one back. */
	int pins = module_refcount(THIS_MODULE);
	bool told = false;

	mutex_lock(&skbf.lock);
	skbf.exiting = true;
	if (skbf.run)
		skbf_run_stop(skbf.run);
	mutex_unlock(&skbf.lock);

	debugfs_remove(skbf.dir);	/* waits for the writer of run to return */
	while (module_refcount(THIS_MODULE) > pins) {
		if (!told)
			pr_info("waiting for the writer of run to close it\n");
		told = true;
		msleep(20);
	}
	skbf_results_free(skbf.res);
	netif_napi_del(&skbf.napi);
	skbf_free_dummy_netdev(skbf.dummy);
}

module_init(skbf_init);
module_exit(skbf_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("sk_buff allocation paths, driven and measured from debugfs");
MODULE_AUTHOR("The skbfactory developers");
