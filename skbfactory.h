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
#include <linux/kernel_stat.h>
#include <linux/netdevice.h>
#include <linux/preempt.h>
#include <linux/ptr_ring.h>
#include <linux/sched.h>
#include <linux/seq_buf.h>
#include <linux/skbuff.h>
#include <linux/timekeeping.h>
#include <linux/types.h>
#include <kunit/visibility.h>

#ifdef SKBF_HAVE_PP_HELPERS
#include <net/page_pool/helpers.h>
#else
#include <net/page_pool.h>
#endif
#ifdef SKBF_HAVE_NAPI_IRQ
#include <net/netdev_rx_queue.h>
#endif

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
 * napi_alloc_skb() takes no gfp since 6.10 and allocates GFP_ATOMIC; before,
 * __napi_alloc_skb() let the caller drop the reserves as pktgen does.
 */
static inline struct sk_buff *skbf_napi_alloc_skb(struct napi_struct *napi, unsigned int len)
{
#ifdef SKBF_HAVE_NAPI_ALLOC_SKB_NOGFP
	return napi_alloc_skb(napi, len);
#else
	return __napi_alloc_skb(napi, len, GFP_NOWAIT | __GFP_NOWARN);
#endif
}

/*
 * A page_pool for one NAPI instance.  Since 6.5 the pool knows its NAPI,
 * so pages freed inside that NAPI's poll go straight back to its cache;
 * before 6.7 fragments needed PP_FLAG_PAGE_FRAG.
 */
static inline struct page_pool *skbf_page_pool_create(struct napi_struct *napi, int node,
						      unsigned int order, unsigned int size)
{
	struct page_pool_params pp = {
		.order = order,
		.pool_size = size,
		.nid = node,
#ifdef SKBF_HAVE_PP_NAPI
		.napi = napi,
#endif
#ifdef PP_FLAG_PAGE_FRAG
		.flags = order ? 0 : PP_FLAG_PAGE_FRAG,
#endif
	};

	return page_pool_create(&pp);
}

/*
 * release=list: a batch's skbs, chained through skb->next, consumed with
 * one kfree_skb_list_reason(SKB_CONSUMED) call.  6.3 added SKB_CONSUMED
 * (consume_skb's trace event, not kfree_skb's) and made that call free the
 * sk_buff heads KFREE_SKB_BULK_SIZE (16) at a time with
 * kmem_cache_free_bulk(); 6.1's only drops, so there config refuses
 * release=list (EOPNOTSUPP) and this is never called.
 */
#ifdef SKBF_HAVE_SKB_LIST_CONSUMED
#define SKBF_HAVE_LIST_RELEASE	true

static inline void skbf_consume_list(struct sk_buff *head)
{
	kfree_skb_list_reason(head, SKB_CONSUMED);
}
#else
#define SKBF_HAVE_LIST_RELEASE	false

static inline void skbf_consume_list(struct sk_buff *head)
{
	struct sk_buff *next;

	WARN_ON_ONCE(1);
	for (; head; head = next) {
		next = head->next;
		skb_mark_not_on_list(head);
		consume_skb(head);
	}
}
#endif

/* The IRQ the driver tied to a receive queue's NAPI (6.8+), or 0. */
static inline int skbf_rxq_napi_irq(struct net_device *dev)
{
#ifdef SKBF_HAVE_NAPI_IRQ
	struct napi_struct *napi;

	ASSERT_RTNL();
	if (!dev->real_num_rx_queues)
		return 0;
	napi = __netif_get_rx_queue(dev, 0)->napi;
	return napi && napi->irq > 0 ? napi->irq : 0;
#else
	return 0;
#endif
}

/*
 * Hard interrupts a CPU took: the generic IRQ layer's count, plus on x86
 * the vectors it does not see (local timer, rescheduling and call IPIs).
 */
static inline u64 skbf_hardirqs(unsigned int cpu)
{
	u64 n = kstat_cpu_irqs_sum(cpu);

#ifdef CONFIG_X86
	const irq_cpustat_t *s = &per_cpu(irq_stat, cpu);

#ifdef CONFIG_X86_LOCAL_APIC
	n += s->apic_timer_irqs;
#endif
#ifdef CONFIG_SMP
	n += s->irq_resched_count + s->irq_call_count;
#endif
#endif
	return n;
}

/**
 * struct skbf_waits - the time a thread of a run spent preempted
 * @pn: its preempt notifier (CONFIG_PREEMPT_NOTIFIERS, in Debian's kernels
 *	for KVM); without one the engine cannot take a preemption out of a
 *	chunk and drops the chunk instead
 * @out: when it was last switched out while runnable, or 0
 * @ns: time it spent so, from switch to switch, on its chunks' clock
 * @n: the switches whose wait @ns counts: a chunk with more involuntary
 *	switches than that (one that came while the thread was going to
 *	sleep, with a preemptible kernel) had a wait nobody measured
 */
struct skbf_waits {
#ifdef CONFIG_PREEMPT_NOTIFIERS
	struct preempt_notifier pn;
#endif
	u64 out;
	u64 ns;
	unsigned long n;
};

#ifdef CONFIG_PREEMPT_NOTIFIERS
#define SKBF_HAVE_WAITS		true

/* Switched out while runnable: preempted, or it yielded to another task. */
static inline void skbf_waits_out(struct preempt_notifier *pn, struct task_struct *next)
{
	struct skbf_waits *wt = container_of(pn, struct skbf_waits, pn);

	if (READ_ONCE(current->__state) == TASK_RUNNING)
		wt->out = ktime_get_mono_fast_ns();
}

static inline void skbf_waits_in(struct preempt_notifier *pn, int cpu)
{
	struct skbf_waits *wt = container_of(pn, struct skbf_waits, pn);

	/*
	 * After the runqueue lock, IRQs on: the thread's NAPI poll may read
	 * @ns on this interrupt's exit.  The fast clock may be a little
	 * behind another CPU's: a negative wait counts 0.
	 */
	if (wt->out) {
		s64 d = ktime_get_mono_fast_ns() - wt->out;

		WRITE_ONCE(wt->ns, wt->ns + max_t(s64, d, 0));
		WRITE_ONCE(wt->n, wt->n + 1);
		wt->out = 0;
	}
}

/*
 * The notifiers' static key: enabled before the first run that counts
 * waits, and disabled when the module goes (but under QEMU's TCG, whose
 * guests that crashes: skbf_exit()).  Turning it on or off patches
 * the scheduler's text on every CPU (text_poke_bp: int3, then IPIs): once
 * per module, not twice per run.  Runs that flipped it thousands of times
 * (the fuzz) crashed TCG guests with an int3 Oops in __schedule, and each
 * flip stalls every CPU, measuring ones too, for the IPIs.  Left on, a
 * context switch costs an hlist_empty() test of each task's notifiers.
 */
static inline void skbf_waits_enable(void)
{
	preempt_notifier_inc();
}

static inline void skbf_waits_disable(void)
{
	preempt_notifier_dec();
}

/*
 * Count the current thread's waits in @wt, until skbf_waits_stop(), which
 * the thread calls before it exits.  The key is on (skbf_waits_enable()).
 */
static inline void skbf_waits_start(struct skbf_waits *wt, struct preempt_ops *ops)
{
	preempt_notifier_init(&wt->pn, ops);
	/* As KVM does: no switch while the list changes under the scheduler. */
	preempt_disable();
	preempt_notifier_register(&wt->pn);
	preempt_enable();
}

static inline void skbf_waits_stop(struct skbf_waits *wt)
{
	preempt_disable();
	preempt_notifier_unregister(&wt->pn);
	preempt_enable();
}
#else
#define SKBF_HAVE_WAITS		false
struct preempt_ops;

static inline void skbf_waits_enable(void)
{
}

static inline void skbf_waits_disable(void)
{
}

static inline void skbf_waits_start(struct skbf_waits *wt, struct preempt_ops *ops)
{
}

static inline void skbf_waits_stop(struct skbf_waits *wt)
{
}
#endif

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
#define SKBF_CPU_LEN		512	/* longest cpu= list, in its shortest form */
/* free_cpu=: "same", or up to SKBF_FREE_MAX CPUs (4 digits and a comma each), shortest form */
#define SKBF_FREE_CPU_LEN	160
/*
 * free_cpu=: the most releasing CPUs.  Each adds a thread, and a ring and
 * the skbs in flight in it per measuring CPU (the memory bound counts them).
 */
#define SKBF_FREE_MAX		32
#define SKBF_REPEAT_MAX		100
#define SKBF_WARMUP_MAX		10
#define SKBF_ETH_HLEN		14	/* the header layout pushes and pulls */
#define SKBF_FILL		0x5a	/* the payload byte */
#define SKBF_LAT_EVERY		64	/* latency=1 times one op in this many, on average */
#define SKBF_LAT_SUB		8	/* histogram buckets per power of two */
#define SKBF_LAT_BUCKETS	(40 * SKBF_LAT_SUB)
#define SKBF_CHUNK_NS		(1000 * 1000)	/* a timed chunk lasts about 1 ms */
#define SKBF_CHUNK_MAX_NS	(2 * SKBF_CHUNK_NS)	/* and never longer than this */
#define SKBF_RING		512	/* free_cpu: skbs in flight per producer */
/*
 * release=list, alloc=bulk: the most a batch may hold.  Its release (or
 * allocation) is one call that a chunk cannot end inside; 64 (NAPI's
 * weight, the most a poll hands the stack) keeps that call within about a
 * chunk, BH off in softirq modes.
 */
#define SKBF_LIST_MAX		64
/* Room for the environment's "#" lines in a run's results (about 1 KiB). */
#define SKBF_ENV_LEN		2048
#define SKBF_NO_CPU		(-1)	/* free_cpu=same */
#define SKBF_BH_BUCKET_NS	(100 * 1000)	/* BH-off chunk lengths, to 10 ms */
#define SKBF_BH_BUCKETS		101

/**
 * enum skbf_mode - the allocation paths a run can measure, in the order
 * mode=all runs them: transmit and socket paths, receive paths, baselines
 * @SKBF_ALLOC_SKB: alloc_skb() + consume_skb()
 * @SKBF_ALLOC_SKB_FCLONE: alloc_skb_fclone() + consume_skb()
 * @SKBF_ALLOC_SKB_WITH_FRAGS: alloc_skb_with_frags(), as sock_alloc_send_pskb()
 * @SKBF_SKB_CLONE: skb_clone() of a live fclone skb + consume_skb()
 * @SKBF_NETDEV_ALLOC_SKB: __netdev_alloc_skb() + dev_consume_skb_any(), in a NAPI poll
 * @SKBF_NAPI_ALLOC_SKB: napi_alloc_skb() + napi_consume_skb(), in a NAPI poll
 * @SKBF_BUILD_SKB: napi_alloc_frag() + napi_build_skb() + napi_consume_skb()
 * @SKBF_PAGE_POOL: page_pool fragment + napi_build_skb(), recycled
 * @SKBF_KMALLOC_FLOOR: the slab allocations alloc_skb() makes, nothing else
 * @SKBF_EMPTY: the measuring loop with an op that does nothing
 * @SKBF_CALIBRATE: an op of known cost (a spin on the clock), not in mode=all
 * @SKBF_NR_MODES: number of real modes
 * @SKBF_ALL: config value meaning "every mode in turn"
 */
enum skbf_mode {
	SKBF_ALLOC_SKB,
	SKBF_ALLOC_SKB_FCLONE,
	SKBF_ALLOC_SKB_WITH_FRAGS,
	SKBF_SKB_CLONE,
	SKBF_NETDEV_ALLOC_SKB,
	SKBF_NAPI_ALLOC_SKB,
	SKBF_BUILD_SKB,
	SKBF_PAGE_POOL,
	SKBF_KMALLOC_FLOOR,
	SKBF_EMPTY,
	SKBF_CALIBRATE,
	SKBF_NR_MODES,
	SKBF_ALL = SKBF_NR_MODES,
};

/*
 * mode=all runs the modes before this one: mode=calibrate measures the
 * harness, not an allocation path, and spins for microseconds an op.
 */
#define SKBF_NR_ALL		SKBF_CALIBRATE

/* How a batch's objects are released (release=). */
enum skbf_release {
	SKBF_RELEASE_ONE,	/* one at a time, each mode its own way */
	SKBF_RELEASE_LIST,	/* the whole batch with one call */
};

/* How a batch's objects are allocated (alloc=). */
enum skbf_alloc {
	SKBF_ALLOC_ONE,		/* one at a time, each mode its own way */
	SKBF_ALLOC_BULK,	/* kmalloc_floor: the whole batch with one call a cache */
};

/* Where a mode's timed chunks run. */
enum skbf_ctx {
	SKBF_CTX_TASK,	/* the worker thread, process context */
	SKBF_CTX_NAPI,	/* a NAPI poll on the worker's CPU, softirq */
};

/**
 * struct skbf_config - one run's parameters; the table in skbfactory.c
 * names, bounds and defaults every field
 * @mode: the path to measure, or %SKBF_ALL
 * @size: data buffer bytes asked of the allocator
 * @headroom: skb_reserve() bytes
 * @put: skb_put() bytes, payload filled
 * @count: operations per repetition
 * @repeat: repetitions kept
 * @warmup: repetitions run first and discarded
 * @batch: objects allocated before all of them are released
 * @latency: 1 to sample single operations into a histogram
 * @cal_alloc_ns: mode=calibrate: ns an allocation spins
 * @cal_free_ns: mode=calibrate: ns a release spins
 * @release: %SKBF_RELEASE_ONE, or %SKBF_RELEASE_LIST: a batch in one call
 * @alloc: %SKBF_ALLOC_ONE, or %SKBF_ALLOC_BULK: kmalloc_floor's batch in one
 *	kmem_cache_alloc_bulk() call a cache
 * @node: the memory's node (skbf_node_path() modes), or NUMA_NO_NODE: the
 *	allocating CPU's
 * @cpu: "nic", "all" or a CPU list
 * @free_cpu: "same", or the CPUs that release what the run makes
 * @nr_free: how many CPUs @free_cpu names, 0 for "same"
 * @dev: the NIC, or empty for the first one that is up and has an IRQ
 */
struct skbf_config {
	enum skbf_mode mode;
	u32 size;
	u32 headroom;
	u32 put;
	u32 count;
	u32 repeat;
	u32 warmup;
	u32 batch;
	u32 latency;
	u32 cal_alloc_ns;
	u32 cal_free_ns;
	u32 release;
	u32 alloc;
	int node;
	char cpu[SKBF_CPU_LEN];
	char free_cpu[SKBF_FREE_CPU_LEN];
	u32 nr_free;
	char dev[IFNAMSIZ];
};

/* How the CPUs of a run were chosen. */
enum skbf_rule {
	SKBF_RULE_NIC_NAPI,	/* the IRQ of the NIC's first RX queue's NAPI */
	SKBF_RULE_NIC_IRQ,	/* the NIC's vector whose name says receive */
	SKBF_RULE_NIC_NODE,	/* first CPU of the NIC's NUMA node */
	SKBF_RULE_WRITER,	/* the CPU the writer ran on */
	SKBF_RULE_LIST,		/* cpu= named them */
	SKBF_RULE_ALL,		/* every online CPU */
};

/**
 * struct skbf_where - where a run executes and which NIC it is about,
 * copied out of the NIC so that no reference outlives the lookup
 * @rule: how the measuring CPUs were chosen
 * @nr_free: releasing CPUs (free_cpu=), 0 for free_cpu=same
 * @free_cpus: they, ascending: a measuring CPU hands its objects to them
 *	in turn, round-robin
 * @nic: the NIC's name, empty when there is none
 * @driver: its driver's (or link type's) name, empty when unknown
 * @ifindex: its ifindex, 0 when none
 * @threaded: its NAPI runs in kthreads (dev->threaded)
 * @irq: the NIC's receive IRQ, or -1
 * @irq_name: that IRQ's name as in /proc/interrupts
 */
struct skbf_where {
	enum skbf_rule rule;
	u32 nr_free;
	u16 free_cpus[SKBF_FREE_MAX];
	char nic[IFNAMSIZ];
	char driver[24];
	int ifindex;
	bool threaded;
	int irq;
	char irq_name[32];
	int nic_node;
};

/**
 * struct skbf_target - a resolved cpu=, free_cpu= and dev=
 * @cpus: the measuring CPUs, one worker thread each
 * @w: the rest, which results keep
 */
struct skbf_target {
	cpumask_var_t cpus;
	struct skbf_where w;
};

/**
 * struct skbf_row - one (mode, cpu) line of results
 * @mode: the path measured
 * @cpu: the CPU, or -1 for the sum over CPUs
 * @ctx: chunks timed in softirq and in process context (kept ones)
 * @ops: operations done in kept repetitions
 * @fails: allocations that returned NULL in kept repetitions
 * @ns_x100: median ns per op, times 100
 * @ns_all_x100: the same over every chunk, dropped ones included
 * @ns_min_x100: fastest repetition's ns per op, times 100
 * @ns_max_x100: slowest repetition's ns per op, times 100
 * @cv_x100: coefficient of variation over repetitions, percent times 100
 * @alloc_x100: ns per allocation step (batch >= 2), times 100, or -1
 * @free_x100: ns per release step, or the releasing CPU's busy ns per
 *	skb (free_cpu), times 100, or -1
 * @ops_per_sec: from the median, or for a sum row over the common window
 * @tsc_x100: get_cycles() ticks per op, times 100, or -1 without a counter
 * @cycles_x100: PMU core cycles per op, times 100, or -1
 * @ipc_x100: PMU instructions per cycle, times 100, or -1
 * @csw: context switches of the measuring thread during chunks
 * @irqs: hard IRQs and softirqs on the CPU during chunks
 * @dropped: chunks left out of the timing: the thread moved, NET_RX or
 *	NET_TX in a task chunk, or (without CONFIG_PREEMPT_NOTIFIERS) a
 *	preemption
 * @lat_samples: operations timed one by one (latency=1)
 * @p50_ns: median single-op latency, or -1 when no kept chunk timed the
 *	ticks the samples count (every chunk was left out)
 * @p99_ns: 99th percentile, or -1 as @p50_ns
 * @p999_ns: 99.9th percentile, or -1 as @p50_ns
 * @nreps: kept repetitions of a CPU's row (0 in a sum row)
 * @rep_x100: each one's ns per op times 100, in the order they ran; -1
 *	for one whose chunks were all left out
 * @data_node: node=N: the node of one object's data made after the
 *	repetitions (page_to_nid), or NUMA_NO_NODE
 * @frag_node: the same for its first frag, or NUMA_NO_NODE
 * @cpu_node: the measuring CPU's node when the row was made
 */
struct skbf_row {
	enum skbf_mode mode;
	int cpu;
	u64 ctx[2];
	u64 ops;
	u64 fails;
	s64 ns_x100;
	s64 ns_all_x100;
	s64 ns_min_x100;
	s64 ns_max_x100;
	s64 cv_x100;
	s64 alloc_x100;
	s64 free_x100;
	u64 ops_per_sec;
	s64 tsc_x100;
	s64 cycles_x100;
	s64 ipc_x100;
	u64 csw;
	u64 irqs;
	u64 dropped;
	u64 lat_samples;
	s64 p50_ns;
	s64 p99_ns;
	s64 p999_ns;
	u32 nreps;
	s64 rep_x100[SKBF_REPEAT_MAX];
	int data_node;
	int frag_node;
	int cpu_node;
};

/**
 * struct skbf_free_row - one releasing CPU of free_cpu= in one mode
 * @mode: the mode
 * @cpu: the releasing CPU
 * @released: objects its thread released, counted when it ran there
 * @ns: its busy time on the kept repetitions' objects, less its waits
 * @n: objects that time covers
 * @batches: batches of releases it timed
 * @dropped: of those, left out of @ns by the drop rule
 * @ring_full: times a measuring CPU found its ring to this CPU full
 */
struct skbf_free_row {
	enum skbf_mode mode;
	int cpu;
	u64 released;
	u64 ns;
	u64 n;
	u64 batches;
	u64 dropped;
	u64 ring_full;
};

/**
 * struct skbf_results - a finished run
 * @cfg: its parameters
 * @where: where it ran and the NIC (a copy: no references)
 * @cpus: the measuring CPUs as a list, e.g. "0-1", as long as it takes
 * @timer_ns: cost of a pair of latency timer reads, measured at run start
 * @pmu_err: 0 when the PMU counted cycles, else why not (an errno)
 * @bh_longest_ns: the longest chunk run with BH off (softirq modes)
 * @bh_chunks: chunks run with BH off
 * @bh_over: of those, chunks longer than SKBF_CHUNK_MAX_NS
 * @bh_median_ns: their median length, to SKBF_BH_BUCKET_NS
 * @overlap_pct: multi-CPU runs: median share of a repetition all CPUs
 *	measured together
 * @sum_gaps: multi-CPU runs: modes whose sum row found no repetition every
 *	CPU measured in (its ops_per_sec is then 0)
 * @pp: page_pool mode: the pools' counters, summed (valid when @pp_stats)
 * @pp_stats: the kernel keeps page_pool counters (CONFIG_PAGE_POOL_STATS)
 * @released_remote: free_cpu: objects the releasing threads released, each
 *	counted when it ran on its CPU
 * @ring_full: free_cpu: times a worker found a ring full and waited
 * @net_dropped: chunks left out because NET_RX or NET_TX ran in them
 * @slept: kept chunks in which the measuring thread slept (an op's own sleep)
 * @waited_ns: time taken out of kept chunks: the thread waited for its CPU
 * @waits: waits are known and taken out (CONFIG_PREEMPT_NOTIFIERS), rather
 *	than preempted chunks dropped
 * @cons_batches: free_cpu: batches of releases the releasing thread timed
 * @cons_dropped: of those, left out of free_ns (preempted, moved, NET_RX/TX)
 * @clock_ns: mode=calibrate: the cost of one ktime_get_ns(), by which a
 *	spin may overshoot
 * @clones: free_cpu, skb_clone: clones the releasing thread released
 * @clone_companions: of those, the parent's fclone companion (the others
 *	came from skbuff_head_cache)
 * @frees: free_cpu: per mode and releasing CPU, what it did (@nr_frees)
 * @nr_frees: entries of @frees used
 * @env: the environment's "#" lines as they were when the run started:
 *	the results file is a record of the run, the same at every read
 * @mem_nodes: the nodes with memory when the run started
 * @nr_rows: rows used
 * @rows: one per (mode, cpu), plus a sum row per mode for several CPUs
 */
struct skbf_results {
	struct skbf_config cfg;
	struct skbf_where where;
	const char *cpus;
	u64 timer_ns;
	int pmu_err;
	u64 bh_longest_ns;
	u64 bh_chunks;
	u64 bh_over;
	u64 bh_median_ns;
	u32 overlap_pct;
	u32 sum_gaps;
	struct {
		u64 fast;
		u64 slow;
		u64 slow_high_order;
		u64 refill;
		u64 recycled_cached;
		u64 recycled_ring;
		u64 released;
	} pp;
	bool pp_stats;
	u64 released_remote;
	u64 ring_full;
	u64 net_dropped;
	u64 slept;
	u64 waited_ns;
	bool waits;
	u64 cons_batches;
	u64 cons_dropped;
	u64 clock_ns;
	u64 clones;
	u64 clone_companions;
	struct skbf_free_row *frees;
	unsigned int nr_frees;
	char env[SKBF_ENV_LEN];
	nodemask_t mem_nodes;
	unsigned int nr_rows;
	struct skbf_row rows[];
};

struct skbf_worker;
struct skbf_consumer;

/**
 * struct skbf_seam_events - what happened in one chunk, or in one batch of
 * releases of the releasing thread: the counters the engine reads around
 * it, or what KUnit's seam says instead
 * @cpu: the CPU the thread is bound to (set by the engine)
 * @softirq: the chunk ran in a NAPI poll (set by the engine)
 * @steps: steps the chunk did, or objects the batch released (set by the
 *	engine)
 * @nvcsw: voluntary context switches of the thread: it slept
 * @nivcsw: involuntary ones: it was preempted
 * @irqs: hard IRQs and softirqs the CPU took
 * @net: of those, NET_RX and NET_TX softirqs
 * @moved: the thread ran on another CPU than @cpu
 * @wait: ns the thread waited for its CPU while another task ran (set by
 *	the engine: its preempt notifier's count, or the seam's virtual one)
 */
struct skbf_seam_events {
	unsigned int cpu;
	bool softirq;
	u64 steps;
	u64 nvcsw;
	u64 nivcsw;
	u32 irqs;
	u32 net;
	bool moved;
	u64 wait;
};

/**
 * struct skbf_seam - KUnit's known answers: set in a run (KUnit only), it
 * replaces what the engine reads.  mode=calibrate then runs on a virtual
 * clock of one per thread, which only the scripted costs advance; in every
 * mode the counters around a chunk (and around a batch of the releasing
 * thread) are what @chunk (@release) says.  The production modes' timed
 * loops never look at it: the clock is read through it in mode=calibrate's
 * loop only, and the counters once a chunk.
 * @rep_start: optional: at each repetition's start, the virtual clock of
 *	@cpu's worker then
 * @cost: mode=calibrate: the virtual ns of @cpu's next allocation, or of
 *	its next release when @free (the releasing thread's @cpu is its own);
 *	of those, *@wait ns the thread waited while another task ran
 * @chunk: after each chunk of @cpu's worker: fill in @ev's events
 * @release: free_cpu: after each batch the releasing thread timed
 * @spin: mode=calibrate with free_cpu: the virtual ns a worker's wait for
 *	room in a full ring takes, a step of 64 tries at a time
 * @pmu: optional, mode=calibrate: @cpu's worker's PMU counts so far,
 *	cycles in @v[0] and instructions in @v[1], in place of perf's
 * @hold: free_cpu: while it says so, the releasing thread takes nothing
 *	from a worker that is still making (its CPU busy elsewhere)
 * @lat_gap: latency=1 in mode=calibrate: allocations from one sample to the
 *	next, or 0 for random gaps as in a run
 * @tsc_mult: get_cycles() ticks per virtual ns in mode=calibrate, or 0 for
 *	a CPU without a cycle counter
 * @softirq: mode=calibrate runs its chunks in a NAPI poll
 * @no_waits: mode=calibrate runs as on a kernel without
 *	CONFIG_PREEMPT_NOTIFIERS: no wait is known, a preempted chunk is dropped
 */
struct skbf_seam {
	u64 (*rep_start)(struct skbf_seam *s, unsigned int cpu, u32 rep);
	u64 (*cost)(struct skbf_seam *s, unsigned int cpu, bool free, u64 *wait);
	void (*chunk)(struct skbf_seam *s, struct skbf_seam_events *ev);
	void (*release)(struct skbf_seam *s, struct skbf_seam_events *ev);
	u64 (*spin)(struct skbf_seam *s, unsigned int cpu);
	void (*pmu)(struct skbf_seam *s, unsigned int cpu, u64 *v);
	bool (*hold)(struct skbf_seam *s);
	u32 lat_gap;
	u32 tsc_mult;
	bool softirq;
	bool no_waits;
};

/**
 * struct skbf_run - a run in progress
 * @cfg: what to run
 * @res: the results, set when the run completes
 * @stop: 0, or the errno the run ends with; the first stop wins
 * @stop_why: what stopped it, for last_error
 * @stop_lock: serialises @stop and @stop_why
 * @watch: the CPUs whose going offline stops the run
 * @dev: the NIC held for the modes that use it during the run, or NULL
 * @dev_tracker: the tracker of that reference
 * @measuring: threads inside their measuring part (hotplug waits for 0)
 * @pins: hotplug callbacks waiting on the run (its writer waits for 0)
 * @fail_every: KUnit fault hook: fail every Nth allocation (0: never)
 * @pmu_type: KUnit hook: count a software event instead of core cycles
 * @fail_burst: KUnit fault hook: fail in bursts of fail_every, alternately
 * @release_late: KUnit hook: the releasing thread takes from a ring only
 *	once it has been full
 * @in_chunk: KUnit hook: called in every task chunk, after its ops and
 *	before its counters are read again
 * @mem_bound: KUnit hook: the memory bound in bytes (0: a quarter of the
 *	memory available)
 * @list_calls: KUnit's count of release=list calls (one per batch)
 * @bulk_calls: KUnit's count of alloc=bulk calls (one per batch)
 * @seam: KUnit's known answers (struct skbf_seam), or NULL
 * @done: completed when the last worker and the consumer finished
 * @running: threads still working
 * @nr_workers: worker threads of the current mode
 * @arrived: repetition barrier: threads that reached it
 * @gen: repetition barrier: generation
 * @cut: repetitions cut short because one CPU finished (several CPUs)
 * @lead: the worker whose progress stats reports
 * @consumers: the releasing threads (free_cpu), one per releasing CPU
 * @nr_consumers: how many (0 with free_cpu=same)
 * @modes: modes this run measures
 * @progress_mode: the mode being measured, from 1
 * @mode_now: which mode that is
 * @progress_rep: repetitions the lead worker finished in this mode
 * @bh_hist: lengths of the run's chunks with BH off, in 100 us buckets
 */
struct skbf_run {
	struct skbf_config cfg;
	struct skbf_results *res;
	int stop;
	char stop_why[192];
	spinlock_t stop_lock;	/* stop, stop_why */
	cpumask_var_t watch;
	struct net_device *dev;
	netdevice_tracker dev_tracker;
	atomic_t measuring;
	atomic_t pins;
	u32 fail_every;
	u32 pmu_type;
	bool fail_burst;
	bool release_late;
	void (*in_chunk)(struct skbf_run *run);
	u64 mem_bound;
	atomic_long_t list_calls;
	atomic_long_t bulk_calls;
	struct skbf_seam *seam;
	struct completion done;
	atomic_t running;
	unsigned int nr_workers;
	atomic_t arrived;
	u32 gen;
	u32 cut;
	struct skbf_worker *lead;
	struct skbf_consumer *consumers[SKBF_FREE_MAX];
	unsigned int nr_consumers;
	u32 modes;
	u32 progress_mode;
	enum skbf_mode mode_now;
	u32 progress_rep;
	u64 bh_hist[SKBF_BH_BUCKETS];
};

#if IS_ENABLED(CONFIG_KUNIT)
/* Exported to skbfactory_kunit.ko only (namespace EXPORTED_FOR_KUNIT_TESTING). */
const char *skbf_mode_name(enum skbf_mode mode);
enum skbf_ctx skbf_mode_ctx(enum skbf_mode mode);
void skbf_config_reset(struct skbf_config *cfg);
int skbf_config_parse(struct skbf_config *cfg, const char *buf, size_t len,
		      bool run, char *why, size_t why_len);
void skbf_config_show(struct seq_buf *s, const struct skbf_config *cfg);
int skbf_cpus_parse(const char *text, struct cpumask *mask);
struct sk_buff *skbf_build(enum skbf_mode mode, const struct skbf_config *cfg);
void skbf_release(enum skbf_mode mode, struct sk_buff *skb);
void *skbf_floor_build(const struct skbf_config *cfg);
u32 skbf_floor_build_bulk(const struct skbf_config *cfg, void **obj, u32 n, u32 fail);
void skbf_floor_release(void *obj);
int skbf_target_get(const struct skbf_config *cfg, struct skbf_target *t);
void skbf_target_put(struct skbf_target *t);
void skbf_nic_cpu(struct net_device *dev, struct skbf_target *t);
u64 skbf_footprint(const struct skbf_config *cfg, enum skbf_mode mode);
int skbf_run_exec(struct skbf_run *run);
void skbf_run_stop(struct skbf_run *run, int err, const char *why);
int skbf_run_stop_active(int err, const char *why);
struct napi_struct *skbf_napi(unsigned int cpu);
void skbf_results_free(struct skbf_results *res);
void skbf_results_show(struct seq_buf *s, const struct skbf_results *res);
int skbf_layout_show(struct seq_buf *s, const struct skbf_config *cfg);
void skbf_stats_show(struct seq_buf *s);
s64 skbf_outstanding(void);
u32 skbf_lat_gap(void);
#endif

#endif /* _SKBFACTORY_H */
