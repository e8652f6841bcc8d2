/* SPDX-License-Identifier: GPL-2.0 */
/*
 * skbfactory: declarations shared by skbfactory.c and its KUnit suite, and
 * the one place where kernel API differences are handled.
 */

#ifndef _SKBFACTORY_H
#define _SKBFACTORY_H

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/if.h>
#include <linux/netdevice.h>
#include <linux/seq_buf.h>
#include <linux/skbuff.h>
#include <linux/types.h>
#include <kunit/visibility.h>

/* ---- Kernel API differences: every version check lives here. ---- */

/*
 * Kbuild compares kernel versions and defines SKBF_HAVE_* for each API
 * that changed; here each one becomes a helper with one meaning.
 */

#ifdef SKBF_HAVE_ALLOC_NETDEV_DUMMY
/* 6.10 added a real allocator for dummy netdevs and stopped embedding them. */
static inline struct net_device *skbf_alloc_dummy_netdev(void)
{
	return alloc_netdev_dummy(0);
}

static inline void skbf_free_dummy_netdev(struct net_device *dev)
{
	free_netdev(dev);
}
#else
static inline struct net_device *skbf_alloc_dummy_netdev(void)
{
	struct net_device *dev = kzalloc(sizeof(*dev), GFP_KERNEL);

	if (dev)
		init_dummy_netdev(dev);
	return dev;
}

static inline void skbf_free_dummy_netdev(struct net_device *dev)
{
	kfree(dev);
}
#endif

/*
 * napi_alloc_skb() lost its gfp-taking double underscore variant in 6.10,
 * but napi_alloc_skb(napi, len) means the same on every supported kernel:
 * GFP_ATOMIC, NET_SKB_PAD + NET_IP_ALIGN of reserve, BH context.
 */

#ifdef CONFIG_FAULT_INJECTION
/* Fault injection follows the writer of `run` into the run's threads. */
static inline void skbf_inherit_make_it_fail(struct task_struct *task)
{
	task->make_it_fail = current->make_it_fail;
}
#else
static inline void skbf_inherit_make_it_fail(struct task_struct *task)
{
}
#endif

/* ---- The contract ---- */

#define SKBF_DIR		"skbfactory"
#define SKBF_WRITE_MAX		4096	/* longest write to config or run */
#define SKBF_CPU_LEN		64	/* longest cpu= value */
#define SKBF_REPEAT_MAX		100
#define SKBF_ETH_HLEN		14	/* the header layout pushes and pulls */
#define SKBF_FILL		0x5a	/* the payload byte */
#define SKBF_LAT_EVERY		64	/* latency=1 times one op in this many */
#define SKBF_LAT_SUB		8	/* histogram buckets per power of two */
#define SKBF_LAT_BUCKETS	(40 * SKBF_LAT_SUB)

/**
 * enum skbf_mode - the allocation paths a run can measure
 * @SKBF_ALLOC_SKB: alloc_skb() + kfree_skb()
 * @SKBF_ALLOC_SKB_FCLONE: alloc_skb_fclone() + consume_skb()
 * @SKBF_NETDEV_ALLOC_SKB: __netdev_alloc_skb() + dev_kfree_skb_any()
 * @SKBF_NAPI_ALLOC_SKB: napi_alloc_skb() + napi_consume_skb(), in BH
 * @SKBF_BUILD_SKB: napi_alloc_frag() + napi_build_skb() + napi_consume_skb()
 * @SKBF_KMALLOC_FLOOR: kmalloc() of an sk_buff and of the data, both freed
 * @SKBF_EMPTY: the measuring loop alone
 * @SKBF_NR_MODES: number of real modes
 * @SKBF_ALL: config value meaning "every mode in turn"
 */
enum skbf_mode {
	SKBF_ALLOC_SKB,
	SKBF_ALLOC_SKB_FCLONE,
	SKBF_NETDEV_ALLOC_SKB,
	SKBF_NAPI_ALLOC_SKB,
	SKBF_BUILD_SKB,
	SKBF_KMALLOC_FLOOR,
	SKBF_EMPTY,
	SKBF_NR_MODES,
	SKBF_ALL = SKBF_NR_MODES,
};

/**
 * struct skbf_config - one run's parameters; the table in skbfactory.c
 * names, bounds and defaults every field
 * @mode: the path to measure, or %SKBF_ALL
 * @size: data buffer bytes asked of the allocator
 * @headroom: skb_reserve() bytes
 * @put: skb_put() bytes, payload filled
 * @count: operations per repetition
 * @repeat: repetitions
 * @batch: objects allocated before all of them are freed
 * @latency: 1 to sample single operations into a histogram
 * @cpu: "nic", "all" or a CPU list
 * @dev: the NIC, or empty for the first one that is up and has an IRQ
 */
struct skbf_config {
	enum skbf_mode mode;
	u32 size;
	u32 headroom;
	u32 put;
	u32 count;
	u32 repeat;
	u32 batch;
	u32 latency;
	char cpu[SKBF_CPU_LEN];
	char dev[IFNAMSIZ];
};

/* How the CPUs of a run were chosen. */
enum skbf_rule {
	SKBF_RULE_NIC_IRQ,	/* effective affinity of the NIC's RX IRQ */
	SKBF_RULE_NIC_NODE,	/* first CPU of the NIC's NUMA node */
	SKBF_RULE_WRITER,	/* the CPU the writer ran on */
	SKBF_RULE_LIST,		/* cpu= named them */
	SKBF_RULE_ALL,		/* every online CPU */
};

/**
 * struct skbf_target - where a run executes and which NIC it is about
 * @cpus: the CPUs, one worker thread each
 * @rule: how @cpus was chosen
 * @nic: the NIC's name, empty when there is none
 * @irq: the NIC's receive IRQ, or -1
 * @irq_name: that IRQ's name as in /proc/interrupts
 * @dev: the NIC with a reference held, or NULL
 */
struct skbf_target {
	cpumask_var_t cpus;
	enum skbf_rule rule;
	char nic[IFNAMSIZ];
	int irq;
	char irq_name[32];
	struct net_device *dev;
};

/**
 * struct skbf_row - one (mode, cpu) line of results
 * @mode: the path measured
 * @cpu: the CPU, or -1 for the sum over CPUs
 * @ops: operations done over all repetitions
 * @fails: allocations that returned NULL
 * @ns_x100: median ns per op, times 100
 * @ns_min_x100: fastest repetition's ns per op, times 100
 * @ns_max_x100: slowest repetition's ns per op, times 100
 * @cycles_x100: median cycles per op times 100, or -1 without a counter
 * @ops_per_sec: from the median
 * @lat_samples: operations timed one by one (latency=1)
 * @p50_ns: median single-op latency
 * @p99_ns: 99th percentile
 * @p999_ns: 99.9th percentile
 */
struct skbf_row {
	enum skbf_mode mode;
	int cpu;
	u64 ops;
	u64 fails;
	u64 ns_x100;
	u64 ns_min_x100;
	u64 ns_max_x100;
	s64 cycles_x100;
	u64 ops_per_sec;
	u64 lat_samples;
	u64 p50_ns;
	u64 p99_ns;
	u64 p999_ns;
};

/**
 * struct skbf_results - a finished run
 * @cfg: its parameters
 * @rule: how its CPUs were chosen
 * @nic: the NIC, empty when none
 * @irq: the NIC's receive IRQ, or -1
 * @irq_name: the IRQ's name
 * @cpus: the CPUs as a list, e.g. "0-1"
 * @timer_ns: cost of a pair of latency timer reads, measured at run start
 * @nr_rows: rows used
 * @rows: one per (mode, cpu), plus a sum row per mode for several CPUs
 */
struct skbf_results {
	struct skbf_config cfg;
	enum skbf_rule rule;
	char nic[IFNAMSIZ];
	int irq;
	char irq_name[32];
	char cpus[SKBF_CPU_LEN];
	u64 timer_ns;
	unsigned int nr_rows;
	struct skbf_row rows[];
};

struct skbf_worker;

/**
 * struct skbf_run - a run in progress
 * @cfg: what to run
 * @res: the results, set when the run completes
 * @stop: set to end the run at the next chunk boundary
 * @fail_every: KUnit fault hook: fail every Nth allocation (0: never)
 * @go: releases the worker threads together
 * @done: completed when the last worker finished
 * @running: workers still measuring
 * @lead: the worker whose progress stats reports
 * @modes: modes this run measures
 * @progress_mode: the mode being measured, from 1
 * @mode_now: which mode that is
 * @progress_rep: repetitions the lead worker finished in this mode
 */
struct skbf_run {
	struct skbf_config cfg;
	struct skbf_results *res;
	bool stop;
	u32 fail_every;
	struct completion go;
	struct completion done;
	atomic_t running;
	struct skbf_worker *lead;
	u32 modes;
	u32 progress_mode;
	enum skbf_mode mode_now;
	u32 progress_rep;
};

#if IS_ENABLED(CONFIG_KUNIT)
/* Exported to skbfactory_kunit.ko only (namespace EXPORTED_FOR_KUNIT_TESTING). */
const char *skbf_mode_name(enum skbf_mode mode);
void skbf_config_reset(struct skbf_config *cfg);
int skbf_config_parse(struct skbf_config *cfg, const char *buf, size_t len,
		      bool run, char *why, size_t why_len);
void skbf_config_show(struct seq_buf *s, const struct skbf_config *cfg);
int skbf_cpus_parse(const char *text, struct cpumask *mask);
struct sk_buff *skbf_build(enum skbf_mode mode, const struct skbf_config *cfg);
void skbf_release(enum skbf_mode mode, struct sk_buff *skb);
int skbf_target_get(const struct skbf_config *cfg, struct skbf_target *t);
void skbf_target_put(struct skbf_target *t);
void skbf_nic_cpu(struct net_device *dev, struct skbf_target *t);
int skbf_run_exec(struct skbf_run *run);
void skbf_run_stop(struct skbf_run *run);
void skbf_results_free(struct skbf_results *res);
void skbf_results_show(struct seq_buf *s, const struct skbf_results *res);
int skbf_layout_show(struct seq_buf *s, const struct skbf_config *cfg);
void skbf_stats_show(struct seq_buf *s);
s64 skbf_outstanding(void);
#endif

#endif /* _SKBFACTORY_H */
