// SPDX-License-Identifier: GPL-2.0
/*
 * The engine: worker threads bound to CPUs, timed chunks in a thread or
 * a NAPI poll, the repetition barrier and the releasing thread.
 * Part of skbfactory.c, which includes it: one object, one module.
 */

/* ---- The engine: worker threads, timed chunks, NAPI polls ---- */

/**
 * struct skbf_rep - one repetition of one worker
 * @index: which repetition (warmup ones included)
 * @ns: time in kept chunks, less the thread's waits for its CPU
 * @all_ns: time in all chunks, whole, dropped ones included
 * @waited: time taken out of kept chunks: the thread's waits
 * @steps: allocation and release steps in kept chunks, two per op
 * @all_steps: steps in all chunks, for the wall-clock rate of a sum row
 * @alloc_ns: batch >= 2: time in allocation phases of kept chunks
 * @alloc_steps: allocations in them
 * @free_ns: batch >= 2: time in release phases of kept chunks
 * @free_steps: releases in them
 * @tsc: get_cycles() ticks in kept chunks, less their waits' share
 * @pmu: PMU cycles and instructions around kept chunks without a wait
 * @pmu_steps: steps of those
 * @start_ns: when the repetition started (after the barrier)
 * @end_ns: when it ended
 * @csw: context switches of the measuring thread during chunks
 * @irqs: hard IRQs and softirqs on the CPU during kept chunks
 * @dropped: chunks left out of the timing
 * @slept: kept chunks in which the thread slept (voluntary switches)
 * @chunks: kept chunks in process context and in softirq
 * @fails: failed allocations in all chunks
 */
struct skbf_rep {
	u32 index;
	u64 ns;
	u64 all_ns;
	u64 waited;
	u64 steps;
	u64 all_steps;
	u64 alloc_ns;
	u64 alloc_steps;
	u64 free_ns;
	u64 free_steps;
	u64 tsc;
	u64 pmu[2];
	u64 pmu_steps;
	u64 start_ns;
	u64 end_ns;
	u64 csw;
	u64 irqs;
	u64 dropped;
	u64 slept;
	u64 chunks[2];
	u64 fails;
};

/*
 * What one chunk did.  @wall is its length; @wait of it, the thread waited
 * for its CPU while another task ran; @ns, @alloc_ns and @free_ns are
 * without the waits.  @list_calls, @bulk_calls: release=list's and
 * alloc=bulk's calls, for KUnit.
 */
struct skbf_lap {
	u64 wall;
	u64 wait;
	u64 ns;
	u64 steps;
	u64 alloc_ns;
	u64 alloc_steps;
	u64 free_ns;
	u64 free_steps;
	u64 made;
	u64 released;
	u64 failed;
	u64 list_calls;
	u64 bulk_calls;
};

/**
 * struct skbf_lane - a worker's objects on their way to one releasing CPU
 * @ring: the objects, first in first out; one producer (the worker) and
 *	one consumer (that CPU's releasing thread)
 * @handed: objects the worker put in @ring so far
 * @timed_from: the first object (by @handed) of the kept repetitions,
 *	U64_MAX until they start
 * @ring_full: times the worker found @ring full
 * @consumed: objects the releasing thread took from @ring so far
 * @released: objects it released, counted when it ran on its CPU
 * @ns: its busy time on the kept repetitions' objects, less its waits
 * @n: objects that time covers
 * @clones: skb_clone: clones it released
 * @companions: of those, the parent's fclone companion
 * @batches: batches of releases it timed (of kept repetitions)
 * @dropped: of those, left out of @ns by the drop rule
 */
struct skbf_lane {
	struct ptr_ring ring;
	u64 handed;
	u64 timed_from;
	u64 ring_full;
	/* Written by the releasing thread: away from what the worker writes. */
	u64 consumed ____cacheline_aligned_in_smp;
	u64 released;
	u64 ns;
	u64 n;
	u64 clones;
	u64 companions;
	u64 batches;
	u64 dropped;
};

/**
 * struct skbf_worker - one measuring thread, bound to one CPU
 * @f: what to make
 * @run: the run it belongs to
 * @pc: its CPU's NAPI instance
 * @task: the thread
 * @cpu: its CPU
 * @lat: latency sampling on
 * @napi: its chunks run in a NAPI poll
 * @have_tsc: get_cycles() counts (a virtual counter under KUnit's seam)
 * @wait_known: its waits for the CPU are known (taken out of chunks)
 * @waits: they, counted by a preempt notifier on its thread
 * @pmu_ok: the last chunk's PMU counts are the run's (kept, no wait)
 * @handoff: free_cpu: objects go to @lanes as they are made
 * @napi_on: its NAPI instance is enabled and points at it
 * @produced: nothing more will enter @lanes
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
 * @lanes: free_cpu: one per releasing CPU, in free_cpu's order
 * @nlanes: how many
 * @next: the lane the next object goes to (round-robin)
 * @pending: free_cpu: an object the full ring of lane @next did not take yet
 * @pmu: PMU counters (cycles, instructions) on @cpu, or NULL
 * @pmu_on: the row gets PMU figures: @pmu opened, or KUnit's seam counts
 * @pmu_gaps: a PMU counter was not counting all the time
 * @net_dropped: chunks left out because NET_RX or NET_TX ran in them
 * @data_node: node=N: the node of one object's data, made after the
 *	repetitions (page_to_nid), else NUMA_NO_NODE
 * @frag_node: the same of its first page fragment, NUMA_NO_NODE without
 */
struct skbf_worker {
	struct skbf_factory f;
	struct skbf_run *run;
	struct skbf_pcpu *pc;
	struct task_struct *task;
	unsigned int cpu;
	bool lat;
	bool napi;
	bool have_tsc;
	bool wait_known;
	bool pmu_ok;
	struct skbf_waits waits;
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
	struct skbf_lane *lanes;
	u32 nlanes;
	u32 next;
	void *pending;
	struct perf_event *pmu[2];
	bool pmu_on;
	bool pmu_gaps;
	u64 net_dropped;
	int data_node;
	int frag_node;
};

/**
 * struct skbf_consumer - a releasing CPU's thread: releases what the
 *	workers hand it
 * @run: the run
 * @task: the thread, bound to @cpu
 * @cpu: the releasing CPU
 * @lane: its lane in each worker (its place in free_cpu)
 * @mode: what the workers make
 * @w: the workers whose lanes it drains
 * @n: how many
 * @vclock: KUnit's seam, mode=calibrate: its virtual clock
 * @vwait: and its virtual waits
 * @waits: its waits for its CPU, counted by a preempt notifier
 */
struct skbf_consumer {
	struct skbf_run *run;
	struct task_struct *task;
	unsigned int cpu;
	unsigned int lane;
	enum skbf_mode mode;
	struct skbf_worker **w;
	unsigned int n;
	u64 vclock;
	u64 vwait;
	struct skbf_waits waits;
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

/*
 * KUnit's seam runs mode=calibrate on a virtual clock.  In the timed loop
 * @mode is a constant: for every other mode this is ktime_get_ns() alone.
 */
static __always_inline bool skbf_virtual(const struct skbf_worker *w, const enum skbf_mode mode)
{
	return IS_ENABLED(CONFIG_KUNIT) && mode == SKBF_CALIBRATE && unlikely(w->f.seam);
}

/* The clock of the timed loop. */
static __always_inline u64 skbf_now(const struct skbf_worker *w, const enum skbf_mode mode)
{
	return skbf_virtual(w, mode) ? w->f.vclock : ktime_get_ns();
}

/* The latency sample's counter: the seam's virtual TSC, or its clock. */
static __always_inline u64 skbf_wtick(const struct skbf_worker *w, const enum skbf_mode mode)
{
	if (skbf_virtual(w, mode))
		return w->f.seam->tsc_mult ? w->f.vclock * w->f.seam->tsc_mult : w->f.vclock;
	return skbf_tick();
}

/*
 * The worker's waits for its CPU so far (its preempt notifier's count,
 * 0 where there is none), or the seam's virtual ones.  A load a block.
 */
static __always_inline u64 skbf_waited(const struct skbf_worker *w, const enum skbf_mode mode)
{
	if (skbf_virtual(w, mode))
		return w->f.seam->no_waits ? 0 : w->f.vwait;
	return SKBF_HAVE_WAITS ? READ_ONCE(w->waits.ns) : 0;
}

/*
 * The clock, and in *@waited the waits so far, as a pair: a preemption
 * between two lone reads would put its wait on one side of a boundary
 * only (in the time and not the wait, or the other way round).
 */
static __always_inline u64 skbf_now_waited(const struct skbf_worker *w, const enum skbf_mode mode,
					   u64 *waited)
{
	u64 before, now;

	do {
		before = skbf_waited(w, mode);
		now = skbf_now(w, mode);
		*waited = skbf_waited(w, mode);
	} while (*waited != before);
	return now;
}

/* The notifier of the run's threads (struct skbf_waits). */
#ifdef CONFIG_PREEMPT_NOTIFIERS
static struct preempt_ops skbf_preempt_ops = {
	.sched_in = skbf_waits_in,
	.sched_out = skbf_waits_out,
};

#define SKBF_PREEMPT_OPS	(&skbf_preempt_ops)
#else
#define SKBF_PREEMPT_OPS	NULL
#endif

/* @span less its @wait, which another clock measured: never below 0. */
static __always_inline u64 skbf_less(u64 span, u64 wait)
{
	return span - min(span, wait);
}

/* The clock outside the timed loop, where the mode is not a constant. */
static u64 skbf_wclock(const struct skbf_worker *w)
{
	return skbf_virtual(w, w->f.mode) ? w->f.vclock : ktime_get_ns();
}

/* get_cycles() around a chunk, or the seam's virtual counter. */
static cycles_t skbf_wcycles(const struct skbf_worker *w)
{
	if (skbf_virtual(w, w->f.mode))
		return w->f.vclock * w->f.seam->tsc_mult;
	return get_cycles();
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

/* The next gap, or the seam's fixed one (mode=calibrate under KUnit). */
static __always_inline u32 skbf_wgap(const struct skbf_worker *w, const enum skbf_mode mode)
{
	if (skbf_virtual(w, mode) && w->f.seam->lat_gap)
		return w->f.seam->lat_gap;
	return skbf_lat_gap();
}

static __always_inline void *skbf_alloc_one(struct skbf_worker *w, const enum skbf_mode mode,
					    u32 slot, struct skbf_lap *lap)
{
	bool sample = w->lat && !--w->lat_next;
	u64 t0 = 0;
	void *obj;

	if (unlikely(sample))
		t0 = skbf_wtick(w, mode);
	obj = skbf_fail_now(w) ? NULL : skbf_make(&w->f, mode, slot);
	if (unlikely(sample)) {
		w->lat_ticks[slot] = min_t(u64, skbf_wtick(w, mode) - t0, U32_MAX - 1) + 1;
		w->lat_next = skbf_wgap(w, mode);
	}
	if (likely(obj))
		lap->made++;
	else
		lap->failed++;
	return obj;
}

/*
 * alloc=bulk (kmalloc_floor): the batch's @n objects into w->obj with one
 * factory call, all or none (a KUnit fault fails the call).  With
 * latency=1 a sampled op's allocation is the call's time shared out among
 * the batch's ops, as skbf_give_list() does for the release.
 */
static __always_inline void skbf_alloc_bulk(struct skbf_worker *w, const enum skbf_mode mode,
					    u32 n, struct skbf_lap *lap)
{
	u64 t0 = w->lat ? skbf_wtick(w, mode) : 0;
	u32 i, made = 0, share;

	if (!skbf_fail_now(w))
		made = skbf_floor_make_bulk(&w->f, w->obj, n);
	else
		memset(w->obj, 0, n * sizeof(*w->obj));
	lap->made += made;
	lap->failed += n - made;
	lap->bulk_calls++;
	if (likely(!w->lat))
		return;
	share = min_t(u64, div_u64(skbf_wtick(w, mode) - t0, n), U32_MAX - 1);
	for (i = 0; i < n; i++) {
		if (--w->lat_next)
			continue;
		w->lat_ticks[i] = share + 1;
		w->lat_next = skbf_wgap(w, mode);
	}
}

/*
 * free_cpu: lane @l's ring is full.  Spin until its releasing CPU makes
 * room, but never past the chunk's deadline (BH may be off: the chunk then
 * ends as it would at its next clock read) or a stop: then the object
 * waits in @pending for the next chunk, for the same lane.
 */
static noinline bool skbf_hand_over_slow(struct skbf_worker *w, struct skbf_lane *l, void *obj,
					 u64 deadline)
{
	unsigned int spins = 0;

	WRITE_ONCE(l->ring_full, l->ring_full + 1);
	while (__ptr_ring_produce(&l->ring, obj)) {
		cpu_relax();
		if (++spins % 64)
			continue;
		/* KUnit's seam: the wait takes virtual time too. */
		if (skbf_virtual(w, w->f.mode) && w->f.seam->spin)
			w->f.vclock += w->f.seam->spin(w->f.seam, w->cpu);
		if (skbf_stopping(w->run) || skbf_wclock(w) >= deadline) {
			w->pending = obj;
			return false;
		}
	}
	return true;
}

/*
 * One producer per ring and one consumer: each side's lock would only
 * ever be taken by that side, so the unlocked ring operations are used.
 * The objects go to the releasing CPUs in turn: with N of them, each gets
 * every Nth.
 */
static __always_inline bool skbf_hand_over(struct skbf_worker *w, void *obj, u64 deadline)
{
	struct skbf_lane *l = &w->lanes[w->next];

	if (unlikely(__ptr_ring_produce(&l->ring, obj)) &&
	    !skbf_hand_over_slow(w, l, obj, deadline))
		return false;
	l->handed++;
	if (++w->next == w->nlanes)
		w->next = 0;
	return true;
}

/* Release (or hand over) one object; false when the ring stalled. */
static __always_inline bool skbf_give(struct skbf_worker *w, const enum skbf_mode mode,
				      u32 slot, void *obj, u64 deadline, struct skbf_lap *lap)
{
	u32 sampled = w->lat ? w->lat_ticks[slot] : 0;
	u64 t0 = 0;

	if (unlikely(sampled))
		t0 = skbf_wtick(w, mode);
	if (likely(obj)) {
		if (unlikely(w->handoff)) {
			if (!skbf_hand_over(w, obj, deadline)) {
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
		w->hist[skbf_hist_bucket(sampled - 1 + skbf_wtick(w, mode) - t0)]++;
		w->lat_samples++;
		w->lat_ticks[slot] = 0;
	}
	return true;
}

/*
 * release=list: release the batch's @n objects (w->obj) with one call.
 * With latency=1, a sampled op's release is the call's time shared out
 * among the batch's ops.
 */
static __always_inline void skbf_give_list(struct skbf_worker *w, const enum skbf_mode mode,
					   u32 n, struct skbf_lap *lap)
{
	u64 t0 = w->lat ? skbf_wtick(w, mode) : 0;
	u64 share;
	u32 i;

	lap->released += skbf_drop_list(mode, w->obj, n);
	lap->list_calls++;
	if (likely(!w->lat))
		return;
	share = div_u64(skbf_wtick(w, mode) - t0, n);
	for (i = 0; i < n; i++) {
		if (!w->lat_ticks[i])
			continue;
		w->hist[skbf_hist_bucket(w->lat_ticks[i] - 1 + share)]++;
		w->lat_samples++;
		w->lat_ticks[i] = 0;
	}
}

/*
 * The timed loop of one chunk: steps until about SKBF_CHUNK_NS have
 * passed or the repetition has its steps.  The clock is read every
 * @w->block steps, so a chunk ends at most a block after its deadline.  A
 * batch allocates its objects, then releases them all, and may span
 * chunks; with batch >= 2 each block lies in one phase, so the clock reads
 * that end blocks time the two phases apart, each less the thread's waits
 * for its CPU in it (read with the clock).  With release=list a batch's
 * release phase is one call, a block of its own, and so is its allocation
 * phase with alloc=bulk (batch <= SKBF_LIST_MAX, so that it fits in about
 * a chunk).
 */
static __always_inline void skbf_steps(struct skbf_worker *w, const enum skbf_mode mode,
				       struct skbf_lap *lap)
{
	u64 w0, wnow, wmark, wend;
	const u64 t0 = skbf_now_waited(w, mode, &w0);
	const u64 deadline = t0 + SKBF_CHUNK_NS;
	const u64 left = w->steps_left;
	const u32 block = w->block;
	u64 now, mark = t0;
	u32 i, k;

	wmark = w0;

	if (unlikely(w->pending)) {
		if (!skbf_hand_over(w, w->pending, deadline))
			goto out;
		w->pending = NULL;
		lap->steps++;
	}
	if (w->batch == 1) {
		while (lap->steps < left && !w->cut) {
			/* An op is two steps. */
			k = min_t(u64, max(block / 2, 1U), DIV_ROUND_UP(left - lap->steps, 2));
			for (i = 0; i < k; i++) {
				void *obj;

				if (mode == SKBF_KMALLOC_FLOOR && w->f.bulk) {
					skbf_alloc_bulk(w, mode, 1, lap);
					obj = w->obj[0];
				} else {
					obj = skbf_alloc_one(w, mode, 0, lap);
				}

				if (w->f.list) {
					w->obj[0] = obj;
					skbf_give_list(w, mode, 1, lap);
				} else if (unlikely(!skbf_give(w, mode, 0, obj, deadline, lap))) {
					break;
				}
			}
			lap->steps += 2 * i;
			if (unlikely(i < k)) {
				lap->steps++;	/* made, handed over next chunk */
				break;
			}
			if (skbf_now(w, mode) >= deadline)
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
			if (mode == SKBF_KMALLOC_FLOOR && w->f.bulk) {
				/* The whole batch: held is 0 here. */
				k = w->want;
				skbf_alloc_bulk(w, mode, k, lap);
			} else {
				k = min(block, w->want - w->held);
				for (i = w->held; i < w->held + k; i++)
					w->obj[i] = skbf_alloc_one(w, mode, i, lap);
			}
			w->held += k;
			now = skbf_now_waited(w, mode, &wnow);
			lap->alloc_ns += skbf_less(now - mark, wnow - wmark);
			lap->alloc_steps += k;
		} else {
			if (w->f.list) {
				/* The whole batch: freed is 0 here. */
				k = w->held;
				skbf_give_list(w, mode, k, lap);
			} else {
				k = min(block, w->held - w->freed);
				for (i = w->freed; i < w->freed + k; i++)
					skbf_give(w, mode, i, w->obj[i], deadline, lap);
			}
			w->freed += k;
			now = skbf_now_waited(w, mode, &wnow);
			lap->free_ns += skbf_less(now - mark, wnow - wmark);
			lap->free_steps += k;
		}
		mark = now;
		wmark = wnow;
		lap->steps += k;
		if (now >= deadline)
			break;
	}
out:
	lap->wall = skbf_now_waited(w, mode, &wend) - t0;
	lap->wait = min(wend - w0, lap->wall);
	lap->ns = lap->wall - lap->wait;
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
	case SKBF_CALIBRATE:
		return skbf_steps(w, SKBF_CALIBRATE, lap);
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
	/* Once a chunk, not in the timed release: KUnit counts the calls. */
	if (IS_ENABLED(CONFIG_KUNIT) && lap->list_calls)
		atomic_long_add(lap->list_calls, &w->run->list_calls);
	if (IS_ENABLED(CONFIG_KUNIT) && lap->bulk_calls)
		atomic_long_add(lap->bulk_calls, &w->run->bulk_calls);
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

/* The counters the drop rule compares around a chunk or a batch of releases. */
struct skbf_mark {
	unsigned long nvcsw;
	unsigned long nivcsw;
	u32 irqs;
	u32 net;
	unsigned int cpu;
};

static void skbf_mark(struct skbf_mark *m)
{
	m->cpu = raw_smp_processor_id();
	m->nvcsw = current->nvcsw;
	m->nivcsw = current->nivcsw;
	m->irqs = skbf_irqs(m->cpu);
	m->net = skbf_net_softirqs(m->cpu);
}

/*
 * What happened since @m to the current thread, bound to @ev->cpu; under
 * KUnit's seam, what its hook @fn says instead (nothing, without one).
 */
static void skbf_events(const struct skbf_mark *m, struct skbf_seam_events *ev,
			struct skbf_seam *seam,
			void (*fn)(struct skbf_seam *s, struct skbf_seam_events *ev))
{
	ev->nvcsw = current->nvcsw - m->nvcsw;
	ev->nivcsw = current->nivcsw - m->nivcsw;
	ev->irqs = skbf_irqs(m->cpu) - m->irqs;
	ev->net = skbf_net_softirqs(m->cpu) - m->net;
	ev->moved = m->cpu != ev->cpu || raw_smp_processor_id() != ev->cpu;
	if (IS_ENABLED(CONFIG_KUNIT) && unlikely(seam)) {
		ev->nvcsw = 0;
		ev->nivcsw = 0;
		ev->irqs = 0;
		ev->net = 0;
		ev->moved = false;
		if (fn)
			fn(seam, ev);
	}
}

/*
 * The drop rule, the same for a chunk and for a batch of the releasing
 * thread.  Time the thread slept (a voluntary switch: only an op sleeps
 * there, in direct reclaim, compaction or a lock) is the op's cost and
 * stays in.  What another task took while the thread waited for its CPU
 * (an involuntary switch: preempted, or a cond_resched() in the op that
 * yielded, to the vmpressure work reclaim queues as to anyone) is taken
 * out of the chunk's time, by the scheduler's own count of that wait
 * (@wait_known): the chunk stays.  Where the kernel keeps no such count,
 * a preempted chunk is dropped instead.  A run on another CPU and the
 * network softirqs (the NIC's traffic, run on an interrupt's exit) drop
 * it.  A chunk in softirq runs inside NET_RX, so no network softirq can
 * run in it; other softirqs run after it, where in a task chunk they run
 * in it, on an interrupt's exit.
 */
static bool skbf_keep(const struct skbf_seam_events *ev, bool wait_known)
{
	return (wait_known || !ev->nivcsw) && !ev->moved && (ev->softirq || !ev->net);
}

/*
 * The waits of a chunk or batch are known when the notifier measured one
 * for each involuntary switch in it (@n0: its count at the start).  On a
 * preemptible kernel a preemption can come while the thread is going to
 * sleep: counted involuntary, but not waiting while runnable, so not
 * measured; that chunk is then judged as without notifiers.  The seam
 * says its waits itself.
 */
static bool skbf_waits_known(bool wait_known, const struct skbf_waits *wt, unsigned long n0,
			     const struct skbf_seam_events *ev, bool seam)
{
	return wait_known && (seam || READ_ONCE(wt->n) - n0 == ev->nivcsw);
}

/*
 * One timed chunk and its accounting, in the worker's thread or in its
 * NAPI poll, kept or dropped by skbf_keep(): a busy machine or NIC makes
 * a run slower to finish, not its figures wrong.
 */
static void skbf_chunk(struct skbf_worker *w)
{
	struct skbf_seam_events ev = { .cpu = w->cpu, .softirq = in_serving_softirq() };
	struct skbf_seam *seam = w->run->seam;
	struct skbf_rep *r = &w->cur;
	struct skbf_lap lap = {};
	struct skbf_mark m;
	unsigned long n0;
	cycles_t c0, c1;

	skbf_mark(&m);
	n0 = READ_ONCE(w->waits.n);
	c0 = skbf_wcycles(w);
	skbf_dispatch(w, &lap);
	if (IS_ENABLED(CONFIG_KUNIT) && unlikely(w->run->in_chunk) && !ev.softirq)
		w->run->in_chunk(w->run);
	c1 = skbf_wcycles(w);
	ev.steps = lap.steps;
	ev.wait = lap.wait;
	skbf_events(&m, &ev, seam, seam ? seam->chunk : NULL);
	w->kept = skbf_keep(&ev, skbf_waits_known(w->wait_known, &w->waits, n0, &ev, seam));
	/* The PMU counts the CPU, not the thread: only chunks it never left. */
	w->pmu_ok = w->kept && !ev.nvcsw && !ev.nivcsw;
	if (ev.softirq) {
		w->bh_chunks++;
		w->bh_over += lap.wall > SKBF_CHUNK_MAX_NS;
		w->bh_longest_ns = max(w->bh_longest_ns, lap.wall);
		w->bh_hist[min_t(u64, div_u64(lap.wall, SKBF_BH_BUCKET_NS), SKBF_BH_BUCKETS - 1)]++;
	}
	r->csw += ev.nvcsw + ev.nivcsw;
	r->all_steps += lap.steps;
	r->all_ns += lap.wall;
	if (w->kept) {
		r->ns += lap.ns;
		r->waited += lap.wait;
		r->steps += lap.steps;
		r->alloc_ns += lap.alloc_ns;
		r->alloc_steps += lap.alloc_steps;
		r->free_ns += lap.free_ns;
		r->free_steps += lap.free_steps;
		/* The ticks of the wait out too, at the chunk's own rate. */
		r->tsc += lap.wall ? mul_u64_u64_div_u64(c1 - c0, lap.ns, lap.wall) : c1 - c0;
		r->pmu_steps += w->pmu_ok ? lap.steps : 0;
		r->irqs += ev.irqs;
		r->slept += !!ev.nvcsw;
		r->chunks[ev.softirq]++;
	} else {
		r->dropped++;
		w->net_dropped += ev.net && !ev.softirq;
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
 * worker schedules the next poll.  The worker hears of the chunk only
 * once the NAPI is complete: napi_complete_done() returns false when the
 * NAPI was scheduled again meanwhile (NAPI_STATE_MISSED) or belongs to a
 * busy poller (the instances are NAPI_STATE_NO_BUSY_POLL: none should),
 * and then the next poll reports, so that no poll ever runs while the
 * worker does.
 */
static int skbf_poll(struct napi_struct *napi, int budget)
{
	struct skbf_pcpu *pc = container_of(napi, struct skbf_pcpu, napi);
	struct skbf_worker *w = READ_ONCE(pc->worker);

	if (likely(w)) {
		w->f.budget = budget;
		skbf_chunk(w);
	}
	if (napi_complete_done(napi, 0) && likely(w))
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

	if (skbf_virtual(w, w->f.mode) && w->f.seam->pmu) {
		w->f.seam->pmu(w->f.seam, w->cpu, v);
		return;
	}
	for (i = 0; i < 2; i++)
		v[i] = w->pmu[i] ? skbf_pmu_value(w->pmu[i], &w->pmu_gaps) : 0;
}

static void skbf_pmu_add(struct skbf_worker *w, const u64 *v0)
{
	u64 v[2];
	int i;

	if (!w->pmu_on)
		return;
	skbf_pmu_read(w, v);
	for (i = 0; w->pmu_ok && i < 2; i++)
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
	if (IS_ENABLED(CONFIG_KUNIT) && unlikely(w->f.seam) && w->f.seam->rep_start)
		w->f.vclock = w->f.seam->rep_start(w->f.seam, w->cpu, rep);
	w->cur.start_ns = skbf_wclock(w);
	if (w->napi)
		skbf_rep_napi(w);
	else
		skbf_rep_task(w);
	w->cur.end_ns = skbf_wclock(w);
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
	u32 total = run->cfg.warmup + run->cfg.repeat, rep, i;

	skbf_waits_start(&w->waits, SKBF_PREEMPT_OPS);
	if (w->f.parents && skbf_parents_make(w))
		skbf_run_stop(run, -ENOMEM, "out of memory for skb_clone's parent skbs");
	for (rep = 0; rep < total && skbf_barrier(run); rep++) {
		/*
		 * Objects from here on are the kept repetitions' (a ring is
		 * FIFO); the ring's own smp_wmb() orders this before them.
		 */
		if (rep == run->cfg.warmup) {
			for (i = 0; i < w->nlanes; i++)
				WRITE_ONCE(w->lanes[i].timed_from, w->lanes[i].handed);
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
	/*
	 * Where node=N's memory landed: one object more, untimed, uncounted,
	 * made while the thread still counts as measuring (hotplug waits).
	 */
	if (w->f.node != NUMA_NO_NODE && !skbf_stopping(run))
		skbf_placement(&w->f, &w->data_node, &w->frag_node);
	skbf_measured(run);
	skbf_waits_stop(&w->waits);
	skbf_drain(w);
	/* Every object is in its ring before the releasing threads see this. */
	smp_store_release(&w->produced, true);
	skbf_thread_done(run);
	skbf_park();
	return 0;
}

/*
 * The releasing thread's clock and release: under KUnit's seam, in
 * mode=calibrate, a virtual clock that the scripted releases advance.
 */
static bool skbf_cvirtual(const struct skbf_consumer *c)
{
	return IS_ENABLED(CONFIG_KUNIT) && unlikely(c->run->seam) && c->run->seam->cost &&
	       c->mode == SKBF_CALIBRATE;
}

static u64 skbf_cclock(const struct skbf_consumer *c)
{
	return skbf_cvirtual(c) ? c->vclock : ktime_get_ns();
}

/* Its waits for its CPU (skbf_waited()). */
static u64 skbf_cwaited(const struct skbf_consumer *c)
{
	if (skbf_cvirtual(c))
		return c->run->seam->no_waits ? 0 : c->vwait;
	return SKBF_HAVE_WAITS ? READ_ONCE(c->waits.ns) : 0;
}

/* Its clock and waits as a pair (skbf_now_waited()). */
static u64 skbf_cclock_waited(const struct skbf_consumer *c, u64 *waited)
{
	u64 before, now;

	do {
		before = skbf_cwaited(c);
		now = skbf_cclock(c);
		*waited = skbf_cwaited(c);
	} while (*waited != before);
	return now;
}

/*
 * Release @k objects of worker @w, @timed of them made in kept
 * repetitions, timed as a batch and kept in its free_ns by the drop rule
 * of chunks (skbf_keep()).
 */
static void skbf_release_batch(struct skbf_consumer *c, struct skbf_lane *l, void **objs,
			       unsigned int k, u64 timed)
{
	struct skbf_seam_events ev = { .cpu = c->cpu, .steps = k };
	struct skbf_seam *seam = c->run->seam;
	struct skbf_mark m;
	unsigned long n0;
	unsigned int j;
	u64 t0, w0, w1, ns, wait;

	skbf_mark(&m);
	n0 = READ_ONCE(c->waits.n);
	t0 = skbf_cclock_waited(c, &w0);
	for (j = 0; j < k; j++) {
		if (skbf_cvirtual(c)) {
			wait = 0;
			c->vclock += seam->cost(seam, c->cpu, true, &wait);
			c->vwait += wait;
		} else {
			skbf_release_any(c->mode, objs[j]);
		}
	}
	ns = skbf_cclock_waited(c, &w1) - t0;
	ev.wait = min(w1 - w0, ns);
	skbf_events(&m, &ev, seam, seam ? seam->release : NULL);
	if (raw_smp_processor_id() == c->cpu)
		l->released += k;
	if (!timed)
		return;
	l->batches++;
	if (!skbf_keep(&ev, skbf_cvirtual(c) ? !seam->no_waits :
			 skbf_waits_known(SKBF_HAVE_WAITS, &c->waits, n0, &ev, seam))) {
		l->dropped++;
		return;
	}
	l->ns += div_u64((ns - ev.wait) * timed, k);
	l->n += timed;
}

/*
 * A releasing CPU's thread: releases what the workers hand over, from its
 * lane of each, as a socket reader's CPU would, with consume_skb()
 * (skb_attempt_defer_free() is not exported).  Its busy time per object
 * is its free_ns in # free_cpus; a free_cpu row's is that of all of them.
 */
static int skbf_consumer_fn(void *arg)
{
	struct skbf_consumer *c = arg;
	struct skbf_run *run = c->run;
	unsigned int idle = 0, i, j, k;
	bool done, produced;
	void *objs[64];
	u64 got;

	skbf_waits_start(&c->waits, SKBF_PREEMPT_OPS);
	for (;;) {
		done = true;
		got = 0;
		for (i = 0; i < c->n; i++) {
			struct skbf_worker *w = c->w[i];
			struct skbf_lane *l = &w->lanes[c->lane];
			u64 from, timed;

			/* Pairs with the worker's release: its last object is in the ring. */
			produced = smp_load_acquire(&w->produced);
			if (!produced)
				done = false;
			/*
			 * KUnit's late releasing CPU lets each ring fill first;
			 * its seam may keep it busy for a while.
			 */
			if (IS_ENABLED(CONFIG_KUNIT) && run->release_late && !produced &&
			    !READ_ONCE(l->ring_full))
				continue;
			if (IS_ENABLED(CONFIG_KUNIT) && unlikely(run->seam) && run->seam->hold &&
			    !produced && run->seam->hold(run->seam))
				continue;
			k = __ptr_ring_consume_batched(&l->ring, objs, ARRAY_SIZE(objs));
			if (!k)
				continue;
			/*
			 * Objects the worker made in kept repetitions: it set
			 * timed_from before it handed over the first of them,
			 * so read it after them (pairs with the ring's smp_wmb).
			 */
			smp_rmb();
			from = READ_ONCE(l->timed_from);
			timed = l->consumed + k - clamp(from, l->consumed, l->consumed + k);
			l->consumed += k;
			/*
			 * A clone made while the previous one is still in the
			 * ring finds its parent's companion taken and comes
			 * from the slab instead: count which path each took.
			 */
			if (c->mode == SKBF_SKB_CLONE) {
				for (j = 0; j < k; j++)
					l->companions += ((struct sk_buff *)objs[j])->fclone ==
							 SKB_FCLONE_CLONE;
				l->clones += k;
			}
			skbf_release_batch(c, l, objs, k, timed);
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
		/*
		 * Nothing to take: spin a while, then sleep a little, as a
		 * reader waiting for data does.  Spinning alone would keep
		 * every releasing CPU busy: where vCPUs outnumber their host's
		 * CPUs (make bench's 4-vCPU guest on 2 cores), the measuring
		 * one then waits for the host.  The sleep is short beside the
		 * time a maker takes to fill a ring of 512; ring_full counts
		 * the times it was not.
		 */
		if (++idle % 1024)
			cpu_relax();
		else
			usleep_range(5, 10);
	}
	skbf_waits_stop(&c->waits);
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

	/* KUnit's seam counts mode=calibrate's virtual cycles and instructions. */
	if (skbf_virtual(w, w->f.mode) && w->f.seam->pmu) {
		w->pmu_on = true;
		return;
	}
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
	w->pmu_on = true;
}

/* Release the rings' leftovers (a stopped run's) and free the lanes. */
static void skbf_lanes_free(struct skbf_worker *w)
{
	u64 released = 0;
	void *obj;
	u32 i;

	for (i = 0; w->lanes && i < w->nlanes; i++) {
		if (!w->lanes[i].ring.queue)
			continue;
		while ((obj = __ptr_ring_consume(&w->lanes[i].ring))) {
			skbf_release_any(w->f.mode, obj);
			if (!(++released % 64))
				cond_resched();
		}
		ptr_ring_cleanup(&w->lanes[i].ring, NULL);
	}
	if (skbf_modes[w->f.mode].skb)
		atomic64_add(released, &skbf_stats.freed);
	kfree(w->lanes);
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
	skbf_lanes_free(w);
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

/* A lane per releasing CPU, each with its ring. */
static int skbf_lanes_new(struct skbf_worker *w, u32 n, int node)
{
	u32 i;

	w->lanes = kcalloc_node(n, sizeof(*w->lanes), GFP_KERNEL, node);
	if (!w->lanes)
		return -ENOMEM;
	w->nlanes = n;
	for (i = 0; i < n; i++) {
		w->lanes[i].timed_from = U64_MAX;
		if (ptr_ring_init(&w->lanes[i].ring, SKBF_RING, GFP_KERNEL))
			return -ENOMEM;
	}
	return 0;
}

static struct skbf_worker *skbf_worker_new(struct skbf_run *run, const struct skbf_target *t,
					   enum skbf_mode mode, unsigned int cpu)
{
	const struct skbf_config *cfg = &run->cfg;
	int node = cpu_to_node(cpu), err = -ENOMEM;
	struct skbf_worker *w;
	u32 n;

	w = kzalloc_node(sizeof(*w), GFP_KERNEL, node);
	if (!w)
		return ERR_PTR(-ENOMEM);
	w->run = run;
	w->cpu = cpu;
	w->batch = cfg->batch;
	w->lat = cfg->latency;
	w->napi = skbf_mode_ctx(mode) == SKBF_CTX_NAPI;
	w->have_tsc = skbf.have_tsc;
	w->wait_known = SKBF_HAVE_WAITS;
	w->block = 1;
	w->fail_every = run->fail_every;
	w->fail_burst = run->fail_burst;
	w->handoff = t->w.nr_free;
	w->pc = skbf.pcpu[cpu];
	w->data_node = NUMA_NO_NODE;
	w->frag_node = NUMA_NO_NODE;
	init_completion(&w->polled);
	skbf_factory_init(&w->f, mode, cfg);
	w->f.napi = &w->pc->napi;
	w->f.cpu = cpu;
	if (run->dev)
		w->f.dev = run->dev;
	/* KUnit's seam with costs: mode=calibrate on a virtual clock. */
	if (IS_ENABLED(CONFIG_KUNIT) && run->seam && run->seam->cost && mode == SKBF_CALIBRATE) {
		w->f.seam = run->seam;
		w->napi = run->seam->softirq;
		w->have_tsc = run->seam->tsc_mult;
		w->wait_known = !run->seam->no_waits;
	}

	/* kmalloc_floor's release=list and alloc=bulk: room for the data pointers too. */
	n = mode == SKBF_KMALLOC_FLOOR && (w->f.list || w->f.bulk) ? 2 : 1;
	w->obj = kvzalloc_node(array_size(cfg->batch * n, sizeof(*w->obj)), GFP_KERNEL, node);
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
		w->lat_next = skbf_wgap(w, mode);
	}
	if (mode == SKBF_SKB_CLONE) {
		w->f.parents = kvzalloc_node(array_size(cfg->batch, sizeof(*w->f.parents)),
					     GFP_KERNEL, node);
		if (!w->f.parents)
			goto fail;
	}
	if (w->handoff && skbf_lanes_new(w, t->w.nr_free, node))
		goto fail;
	if (mode == SKBF_PAGE_POOL) {
		w->f.pool = skbf_page_pool_create(w->f.napi,
						  w->f.node == NUMA_NO_NODE ? node : w->f.node,
						  w->f.order, SKBF_POOL_SIZE);
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
	if (w->napi) {
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
					       unsigned int cpu, unsigned int lane,
					       struct skbf_worker **w, unsigned int n)
{
	struct skbf_consumer *c = kzalloc_node(sizeof(*c), GFP_KERNEL, cpu_to_node(cpu));
	int err;

	if (!c)
		return ERR_PTR(-ENOMEM);
	c->run = run;
	c->cpu = cpu;
	c->lane = lane;
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
	unsigned int i = 0, cpu, threads;
	int err = 0;

	cpus_read_lock();
	if (skbf_stopping(run)) {
		err = run->stop;
		goto out;
	}
	for (i = 0; i < t->w.nr_free; i++)
		if (!cpu_online(t->w.free_cpus[i]))
			err = -EAGAIN;
	if (err || !cpumask_subset(t->cpus, cpu_online_mask)) {
		skbf_run_stop(run, -EAGAIN, "a CPU of the run went offline");
		err = -EAGAIN;
		goto out;
	}
	i = 0;
	for_each_cpu(cpu, t->cpus) {
		w[i] = skbf_worker_new(run, t, mode, cpu);
		if (IS_ERR(w[i])) {
			err = PTR_ERR(w[i]);
			w[i] = NULL;
			goto out;
		}
		i++;
	}
	for (i = 0; i < t->w.nr_free; i++) {
		struct skbf_consumer *c = skbf_consumer_new(run, mode, t->w.free_cpus[i], i, w, n);

		if (IS_ERR(c)) {
			err = PTR_ERR(c);
			goto out;
		}
		run->consumers[run->nr_consumers++] = c;
	}
	run->lead = w[0];
	WRITE_ONCE(run->progress_rep, 0);
	threads = n + run->nr_consumers;
	atomic_set(&run->running, threads);
	atomic_set(&run->measuring, threads);
	for (i = 0; i < n; i++)
		wake_up_process(w[i]->task);
	for (i = 0; i < run->nr_consumers; i++)
		wake_up_process(run->consumers[i]->task);
out:
	cpus_read_unlock();
	if (err && err != run->stop)
		skbf_run_stop(run, err, err == -ENOMEM ? "out of memory" : "cannot start a thread");
	return err;
}

/*
 * What set TIF_SIGPENDING, in last_error's words: words only, so a word
 * read unlocked (jobctl changes under the writer's siglock, which
 * lock_task_sighand(), not exported, would take).
 */
static const char *skbf_stop_reason(void)
{
	unsigned long jobctl = READ_ONCE(current->jobctl);

	if (freezing(current) || (jobctl & JOBCTL_TRAP_FREEZE))
		return "stopped: the writer is being frozen; every skb released";
	if (jobctl & (JOBCTL_STOP_PENDING | JOBCTL_TRAP_MASK))
		return "stopped: the writer is being stopped; every skb released";
	return "stopped by a signal to the writer; every skb released";
}

/*
 * Wait for the threads.  What the kernel would act on when the writer
 * returns to user space stops the run within a chunk: a signal whose
 * default action is not to ignore it (caught or not), a fatal one, a group
 * stop (even one whose SIGSTOP another thread took), a ptrace interrupt,
 * the freezer (suspend, a cgroup v2 freeze).  The signals whose default
 * action is to do nothing (SIGCHLD, SIGWINCH, SIGURG, SIGCONT) do not: a
 * shell writing run with its builtin echo gets SIGCHLD whenever a job of
 * its ends, SIGWINCH when its terminal is resized, and neither means
 * "stop".  So they are blocked during the wait, and handled once the write
 * returns; the kernel then sets TIF_SIGPENDING (recalc_sigpending()) for
 * all the rest, task_sigpending(), and wakes the wait for them.
 */
static int skbf_wait(struct skbf_run *run)
{
	sigset_t benign, saved;

	siginitset(&benign, SIG_KERNEL_IGNORE_MASK);
	sigprocmask(SIG_BLOCK, &benign, &saved);
	while (wait_for_completion_interruptible(&run->done)) {
		if (task_sigpending(current)) {
			skbf_run_stop(run, -EINTR, skbf_stop_reason());
			wait_for_completion(&run->done);
			break;
		}
		/*
		 * TIF_NOTIFY_SIGNAL alone (task work, io_uring's): it runs
		 * when the write returns, and would end an interruptible
		 * wait at once.  Killable meanwhile, looking every 10 ms.
		 */
		wait_for_completion_killable_timeout(&run->done, msecs_to_jiffies(10));
	}
	sigprocmask(SIG_SETMASK, &saved, NULL);
	return READ_ONCE(run->stop);
}

static void skbf_threads_free(struct skbf_run *run, struct skbf_worker **w, unsigned int n)
{
	unsigned int i;

	/* The releasing threads first: the rings are drained once they are gone. */
	for (i = 0; i < run->nr_consumers; i++)
		skbf_consumer_free(run->consumers[i]);
	run->nr_consumers = 0;
	for (i = 0; i < n; i++)
		skbf_worker_free(w[i]);
	run->lead = NULL;
}
