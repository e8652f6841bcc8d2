// SPDX-License-Identifier: GPL-2.0
/*
 * skbfactory: builds sk_buffs with the kernel's own allocation paths, shows
 * how a real skb is laid out, and measures how many skbs per second each
 * path makes on the CPU that services the NIC.  Driven from
 * /sys/kernel/debug/skbfactory/.
 *
 * This file holds what every part shares (includes, constants, the module
 * state, errors) and the module's init and exit; it includes the parts,
 * each a file of one concern: config.c (modes and parameters), factory.c
 * (one object made and released per mode), nic.c (the NIC, its CPU, the
 * environment), engine.c (worker threads, timed chunks, NAPI polls, the
 * releasing thread), rows.c (from repetitions to rows), run.c (a run from
 * start to end, hotplug and NIC removal), results.c, layout.c and
 * debugfs.c (the stats file and the debugfs files).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
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
#include <net/sock.h>
#include <net/rtnetlink.h>

#include "skbfactory.h"

#ifndef SKBF_VERSION
#define SKBF_VERSION "unknown"
#endif

/* Process-context allocations: never warn, never call the OOM killer. */
#define SKBF_GFP	(GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY)
/*
 * Softirq allocations ask for no reserves, as pktgen's do; the kernel adds
 * __GFP_MEMALLOC itself to a receive skb's while sk_memalloc_socks().
 */
#define SKBF_GFP_NAPI	(GFP_NOWAIT | __GFP_NOWARN)
#define SKBF_BLOCK_NS	(100 * 1000)	/* the clock is read about this often */
#define SKBF_BLOCK_MAX	64		/* and at least every this many steps */
#define SKBF_POOL_SIZE	256		/* page_pool ring */
#define SKBF_POOL_CACHE	128		/* and its alloc cache (PP_ALLOC_CACHE_SIZE) */
#define SKBF_DIAGRAM	64		/* columns of the layout diagram */

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
	bool waits_on;			/* we enabled the preempt notifiers' key */
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
	case -EFAULT: return "EFAULT";
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

/*
 * The parts, in the order they build on each other: one translation unit,
 * as kernel/sched/build_utility.c is, so the module stays one object and
 * the parts call each other's static functions without exports.
 */
#include "config.c"
#include "factory.c"
#include "nic.c"
#include "engine.c"
#include "rows.c"
#include "run.c"
#include "results.c"
#include "layout.c"
#include "debugfs.c"

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

/*
 * A NAPI instance per CPU on the dummy netdev, disabled until a run.  No
 * busy polling, as gro_cells' (the flag before netif_napi_add(), which
 * then gives no napi_id): nothing outside a run's worker may poll one, nor
 * find it by an id in an skb, a socket or netdev-genl.
 */
static int skbf_napis_add(void)
{
	struct napi_struct *napi;
	unsigned int cpu;

	skbf.pcpu = kcalloc(nr_cpu_ids, sizeof(*skbf.pcpu), GFP_KERNEL);
	if (!skbf.pcpu)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		skbf.pcpu[cpu] = kzalloc_node(sizeof(*skbf.pcpu[cpu]), GFP_KERNEL,
					      cpu_to_node(cpu));
		if (!skbf.pcpu[cpu])
			return -ENOMEM;
		napi = &skbf.pcpu[cpu]->napi;
		set_bit(NAPI_STATE_NO_BUSY_POLL, &napi->state);
		netif_napi_add(skbf.dummy, napi, skbf_poll);
	}
	return 0;
}

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * skbf_napi() - the NAPI instance the receive-path modes poll in on a CPU
 * @cpu: a possible CPU
 *
 * Return: the instance.
 */
VISIBLE_IF_KUNIT struct napi_struct *skbf_napi(unsigned int cpu)
{
	return &skbf.pcpu[cpu]->napi;
}
EXPORT_SYMBOL_IF_KUNIT(skbf_napi);
#endif

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
	/*
	 * Under TCG the notifiers' key goes on now, while no run keeps both
	 * CPUs switching tasks, rather than at the first run: TCG runs the
	 * scheduler's text stale after it was patched (skbf_exit()), the
	 * more likely the busier the other CPU is, and a first run's flip
	 * crashed a guest in __schedule().
	 */
	if (skbf_under_tcg())
		skbf_waits_on();
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
	/*
	 * Under QEMU's TCG (7.2, MTTCG) a CPU sometimes runs the int3 that
	 * text_poke_bp() left while patching a static branch after the
	 * patching is over, and the kernel oopses on it: turning the key
	 * off at each unload crashed guests that load and unload skbfactory
	 * in a loop (the rmmod_race test, in __schedule).  There the key
	 * stays on, as after a KVM guest that never ended: a context switch
	 * tests an empty list, and the next load's enable patches nothing.
	 */
	if (skbf.waits_on && !skbf_under_tcg())
		skbf_waits_disable();
}

module_init(skbf_init);
module_exit(skbf_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(SKBF_VERSION);
MODULE_DESCRIPTION("sk_buff allocation paths, driven and measured from debugfs");
MODULE_AUTHOR("The skbfactory developers");
