// SPDX-License-Identifier: GPL-2.0
/*
 * The results text: comment lines, a header row, one row per (mode, cpu).
 * Part of skbfactory.c, which includes it: one object, one module.
 */

/* ---- Results text: comment lines, a header row, one row per (mode, cpu) ---- */

/* How a column's value is found and printed. */
enum skbf_fmt {
	SKBF_FMT_MODE,		/* the row's mode name */
	SKBF_FMT_CPU,		/* the row's CPU, or "sum" */
	SKBF_FMT_FREE_CPU,	/* the run's free_cpu */
	SKBF_FMT_CTX,		/* softirq, task or mixed: where the kept chunks ran */
	SKBF_FMT_CFG,		/* a u32 of the run's config */
	SKBF_FMT_U64,		/* a u64 of the row */
	SKBF_FMT_S64,		/* an s64 of the row; "-" when negative */
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
	/* the releasing CPUs, or same */
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
	/*
	 * ns per op as ns_per_op, over every chunk whole, dropped ones and other tasks' time
	 * included: what the drop rule left out is the difference
	 */
	{ "ns_all",	    SKBF_FMT_X100, SKBF_ROW(ns_all_x100), true },
	/* the fastest repetition's ns per op */
	{ "ns_min",	    SKBF_FMT_X100, SKBF_ROW(ns_min_x100), true },
	/* the slowest repetition's ns per op */
	{ "ns_max",	    SKBF_FMT_X100, SKBF_ROW(ns_max_x100), true },
	/* the repetitions' coefficient of variation, in percent */
	{ "cv_pct",	    SKBF_FMT_X100, SKBF_ROW(cv_x100),	  true },
	/* batch >= 2: ns per allocation, timed apart from the releases */
	{ "alloc_ns",	    SKBF_FMT_X100, SKBF_ROW(alloc_x100),  true },
	/* batch >= 2: ns per release; free_cpu: the releasing CPUs' busy ns per object */
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
	 * chunks left out of the timing: the thread ran on another CPU, NET_RX or NET_TX ran in a
	 * task chunk, or (kernels without preempt notifiers) the thread was preempted
	 */
	{ "dropped_chunks", SKBF_FMT_U64,  SKBF_ROW(dropped) },
	/* allocations that returned NULL */
	{ "fails",	    SKBF_FMT_U64,  SKBF_ROW(fails) },
	/* latency=1: the median single op, ns; - when every chunk was left out of the timing */
	{ "p50_ns",	    SKBF_FMT_S64,  SKBF_ROW(p50_ns),	  true, true },
	/* latency=1: the 99th percentile, ns */
	{ "p99_ns",	    SKBF_FMT_S64,  SKBF_ROW(p99_ns),	  true, true },
	/* latency=1: the 99.9th percentile, ns */
	{ "p999_ns",	    SKBF_FMT_S64,  SKBF_ROW(p999_ns),	  true, true },
	/* latency=1: ops timed alone */
	{ "lat_samples",    SKBF_FMT_U64,  SKBF_ROW(lat_samples), true, true },
};

/* Hundredths as a decimal, or "-" for a value that is not there (< 0). */
static void skbf_x100_show(struct seq_buf *s, s64 x100)
{
	if (x100 < 0)
		skbf_puts(s, "-");
	else
		seq_buf_printf(s, "%lld.%02lld", x100 / 100, x100 % 100);
}

static void skbf_col_show(struct seq_buf *s, const struct skbf_results *res,
			  const struct skbf_row *row, const struct skbf_col *col)
{
	const void *val = (const char *)row + col->off;

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
	case SKBF_FMT_S64:
		if (*(const s64 *)val < 0)
			skbf_puts(s, "-");
		else
			seq_buf_printf(s, "%lld", *(const s64 *)val);
		break;
	case SKBF_FMT_X100:
		skbf_x100_show(s, *(const s64 *)val);
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

/* "+1.50" or "-0.25": a signed value in hundredths. */
static void skbf_signed_x100(struct seq_buf *s, s64 x100)
{
	u64 a = x100 < 0 ? -x100 : x100;

	seq_buf_printf(s, "%c%llu.%02llu", x100 < 0 ? '-' : '+', a / 100, a % 100);
}

/*
 * ", ns_per_op 123.45 (+3.45 ns, +2.87%)": a figure in hundredths and its
 * error against @nominal ns, in ns and in percent (truncated).
 */
static void skbf_err_show(struct seq_buf *s, const char *name, s64 x100, u64 nominal)
{
	s64 diff = x100 - (s64)nominal * 100;

	if (x100 < 0)
		return;
	seq_buf_printf(s, ", %s %lld.%02lld", name, x100 / 100, x100 % 100);
	if (!nominal)
		return;
	skbf_puts(s, " (");
	skbf_signed_x100(s, diff);
	skbf_puts(s, " ns, ");
	skbf_signed_x100(s, div64_s64(diff * 100, nominal));
	skbf_puts(s, "%)");
}

/*
 * mode=calibrate: each row's figures against the ns its op spins: the
 * harness's error here.  With free_cpu the measuring CPU only allocates
 * (and hands over); free_ns is then the releasing thread's.
 */
static void skbf_results_calibrate(struct seq_buf *s, const struct skbf_results *res)
{
	const struct skbf_config *cfg = &res->cfg;
	u64 per_op = cfg->cal_alloc_ns;
	unsigned int r;

	if (cfg->mode != SKBF_CALIBRATE)
		return;
	if (!res->where.nr_free)
		per_op += cfg->cal_free_ns;
	seq_buf_printf(s,
		       "# calibrate: an op spins on ktime_get_ns() %u ns allocating and %u ns releasing, %llu ns on the measuring CPU; a clock read costs %llu ns, and a spin takes up to two more than its time",
		       cfg->cal_alloc_ns, cfg->cal_free_ns, per_op, res->clock_ns);
	for (r = 0; r < res->nr_rows; r++) {
		const struct skbf_row *row = &res->rows[r];

		if (row->cpu < 0)
			continue;
		seq_buf_printf(s, "; cpu %d", row->cpu);
		skbf_err_show(s, "ns_per_op", row->ns_x100, per_op);
		skbf_err_show(s, "alloc_ns", row->alloc_x100, cfg->cal_alloc_ns);
		skbf_err_show(s, "free_ns", row->free_x100, cfg->cal_free_ns);
	}
	skbf_puts(s, "\n");
}

/*
 * release=list: the call that releases a batch, what the kernel does in it,
 * and the modes of the run that have no list path (one at a time).
 */
static void skbf_results_release(struct seq_buf *s, const struct skbf_config *cfg)
{
	enum skbf_mode first = cfg->mode == SKBF_ALL ? 0 : cfg->mode;
	enum skbf_mode last = cfg->mode == SKBF_ALL ? SKBF_NR_ALL - 1 : cfg->mode;
	unsigned int n = 0;
	enum skbf_mode m;

	if (cfg->release != SKBF_RELEASE_LIST)
		return;
	skbf_puts(s,
		  "# release: list: a batch's skbs chained through skb->next and consumed with one kfree_skb_list_reason(SKB_CONSUMED) call (consume_skb events, no kfree_skb), which on this kernel (6.3+) frees their sk_buff heads 16 at a time with kmem_cache_free_bulk(), fclones (alloc_skb_fclone, skb_clone) one by one; page_pool pages go back to their pool; kmalloc_floor's objects and data with one kfree_bulk(); free_ns is the call's time per object");
	for (m = first; m <= last; m++) {
		if (skbf_list_path(m))
			continue;
		seq_buf_printf(s, "%s%s", n++ ? ", " : "; released one at a time (no list path): ",
			       skbf_mode_name(m));
	}
	skbf_puts(s, "\n");
}

/*
 * alloc=bulk: the calls that make kmalloc_floor's batch, which of them its
 * data took at this size, and the modes of the run that have no bulk path.
 */
static void skbf_results_alloc(struct seq_buf *s, const struct skbf_config *cfg)
{
	enum skbf_mode m;
	unsigned int n = 0;

	if (cfg->alloc != SKBF_ALLOC_BULK)
		return;
	skbf_puts(s,
		  "# alloc: bulk: kmalloc_floor's sk_buff-sized heads come from one kmem_cache_alloc_bulk() call per batch, as napi_alloc_skb()'s head cache refills");
	if (!skbf.small_head)
		skbf_puts(s,
			  ", its data from kmalloc() one at a time (this kernel has no small-head class)");
	else if (SKB_HEAD_ALIGN(cfg->size) <= skbf.small_head)
		seq_buf_printf(s,
			       ", its data (size=%u) from a second call, to the small-head class of %u bytes",
			       cfg->size, skbf.small_head);
	else
		seq_buf_printf(s,
			       ", its data from kmalloc() one at a time (size=%u is above the small-head class of %u bytes)",
			       cfg->size, skbf.small_head);
	skbf_puts(s, "; alloc_ns is the batch's calls' time per object");
	for (m = 0; cfg->mode == SKBF_ALL && m < SKBF_NR_ALL; m++) {
		if (m == SKBF_KMALLOC_FLOOR)
			continue;
		seq_buf_printf(s, "%s%s", n++ ? ", " : "; allocated one at a time (no bulk path): ",
			       skbf_mode_name(m));
	}
	skbf_puts(s, "\n");
}

/* A node as # numa: shows it: its number, or none. */
static void skbf_node_show(struct seq_buf *s, const char *what, int node)
{
	if (node == NUMA_NO_NODE)
		seq_buf_printf(s, "%s none", what);
	else
		seq_buf_printf(s, "%s %d", what, node);
}

/*
 * The nodes: those with memory, the NIC's, each measuring CPU's; with
 * node=N where one object of each mode and CPU landed (skbf_placement()),
 * and the modes of the run whose memory comes from their CPU's caches.
 */
static void skbf_results_numa(struct seq_buf *s, const struct skbf_results *res)
{
	const struct skbf_config *cfg = &res->cfg;
	const struct skbf_row *row;
	unsigned int r, n = 0;

	seq_buf_printf(s, "# numa: nodes with memory %*pbl; ",
		       nodemask_pr_args(res->env[0] ? &res->mem_nodes : &node_states[N_MEMORY]));
	if (res->where.nic[0])
		skbf_node_show(s, "the NIC's node", res->where.nic_node);
	else
		skbf_puts(s, "no NIC");
	for (r = 0; r < res->nr_rows; r++) {
		row = &res->rows[r];
		if (row->cpu < 0 || row->mode != res->rows[0].mode)
			continue;
		seq_buf_printf(s, "%scpu %d on node %d", n++ ? ", " : "; ", row->cpu,
			       row->cpu_node);
	}
	if (cfg->node == NUMA_NO_NODE) {
		skbf_puts(s, "; node=any: memory from the allocating CPU's node\n");
		return;
	}
	seq_buf_printf(s,
		       "; node=%d, where one object made after the repetitions landed (page_to_nid): ",
		       cfg->node);
	for (r = 0, n = 0; r < res->nr_rows; r++) {
		row = &res->rows[r];
		if (row->cpu < 0 || row->data_node == NUMA_NO_NODE)
			continue;
		seq_buf_printf(s, "%s%s cpu %d: ", n++ ? ", " : "", skbf_mode_name(row->mode),
			       row->cpu);
		skbf_node_show(s, "data", row->data_node);
		if (row->frag_node != NUMA_NO_NODE)
			skbf_node_show(s, " frags", row->frag_node);
	}
	for (r = 0, n = 0; r < res->nr_rows; r++) {
		row = &res->rows[r];
		if (row->cpu < 0 || skbf_node_path(row->mode) || row->mode == SKBF_EMPTY ||
		    row->mode == SKBF_CALIBRATE || (r && row->mode == row[-1].mode))
			continue;
		skbf_puts(s, n++ ? ", " : "; from their CPU's caches (no node argument): ");
		skbf_puts(s, skbf_mode_name(row->mode));
	}
	skbf_puts(s, "\n");
}

/*
 * free_cpu: the releasing threads together, then each releasing CPU in
 * each mode, for scripts: "# free_cpus: " and entries of key=value words
 * separated by "; ".
 */
static void skbf_results_free_cpu(struct seq_buf *s, const struct skbf_results *res)
{
	const char *its = res->where.nr_free > 1 ? "their" : "its";
	unsigned int i;

	if (!res->where.nr_free)
		return;
	seq_buf_printf(s,
		       "# free_cpu: %s released %llu objects with consume_skb() (the kernel exports no skb_attempt_defer_free); free_ns is %s busy time per object, over %llu of %s %llu batches (the others left out as chunks are); ",
		       res->cfg.free_cpu, res->released_remote, its,
		       res->cons_batches - res->cons_dropped, its, res->cons_batches);
	if (res->where.nr_free == 1)
		seq_buf_printf(s, "the ring of %d was full %llu times\n", SKBF_RING,
			       res->ring_full);
	else
		seq_buf_printf(s,
			       "each measuring CPU hands its objects to these %u CPUs in turn, a ring of %d to each; the rings were full %llu times\n",
			       res->where.nr_free, SKBF_RING, res->ring_full);
	skbf_puts(s, "# free_cpus:");
	for (i = 0; i < res->nr_frees; i++) {
		const struct skbf_free_row *f = &res->frees[i];

		seq_buf_printf(s, "%s mode=%s cpu=%d released=%llu free_ns=", i ? ";" : "",
			       skbf_mode_name(f->mode), f->cpu, f->released);
		skbf_x100_show(s, skbf_ratio(f->ns, 100, f->n));
		seq_buf_printf(s, " ring_full=%llu batches=%llu dropped=%llu", f->ring_full,
			       f->batches, f->dropped);
	}
	skbf_puts(s, "\n");
}

/* What # timing says of a preempted chunk, without and with preempt notifiers. */
static const char *const skbf_waits_rule[] = {
	"a chunk in which the thread was preempted is left out (this kernel has no preempt notifiers)",
	"time the thread waited for its CPU while another task ran (a preempt notifier's count) is taken out of its chunk",
};

static void skbf_results_notes(struct seq_buf *s, const struct skbf_results *res)
{
	const struct skbf_config *cfg = &res->cfg;
	unsigned int r;
	u64 fails;
	size_t i;

	seq_buf_printf(s, "# cpu_list: %s\n# cpu_rule: %s\n", res->cpus,
		       skbf_rules[res->where.rule]);
	skbf_results_free_cpu(s, res);
	skbf_results_release(s, cfg);
	skbf_results_alloc(s, cfg);
	skbf_results_numa(s, res);
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
		       "\n# timing: ktime_get_ns around chunks of about 1 ms; time an op slept (reclaim, compaction) is its cost and stays in; %s; a chunk that ran on another CPU, or in which NET_RX or NET_TX ran inline, is left out (dropped_chunks); ns_all is every chunk whole; ns_per_op is the median of %u repetitions after %u warmup; cv_pct their spread",
		       skbf_waits_rule[res->waits], cfg->repeat, cfg->warmup);
	if (res->slept)
		seq_buf_printf(s, "; %llu chunks kept had an op sleeping in them", res->slept);
	if (res->waited_ns)
		seq_buf_printf(s, "; %llu us of other tasks' time taken out",
			       div_u64(res->waited_ns, NSEC_PER_USEC));
	if (res->net_dropped)
		seq_buf_printf(s,
			       "; %llu chunks left out had NET_RX or NET_TX in them: traffic on a measuring CPU (a NIC's CPU carrying it leaves few chunks to time)",
			       res->net_dropped);
	skbf_puts(s, "\n");
	skbf_results_calibrate(s, res);
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
		unsigned int untimed = 0;

		seq_buf_printf(s,
			       "# latency: 1 op in %d on average (random gaps) timed alone with %s; a pair of reads costs %llu ns, so a sample reads up to %llu ns high and sampling adds about %llu.%02llu ns per op",
			       SKBF_LAT_EVERY, skbf.have_tsc ? "get_cycles" : "ktime_get_ns",
			       res->timer_ns, 2 * res->timer_ns, cost_x100 / 100, cost_x100 % 100);
		for (r = 0; r < res->nr_rows; r++)
			untimed += res->rows[r].cpu >= 0 && res->rows[r].p50_ns < 0;
		if (untimed)
			seq_buf_printf(s,
				       "; p50_ns, p99_ns and p999_ns are - in %u row(s) whose chunks were all left out of the timing: no kept time turns their samples' ticks into ns",
				       untimed);
		skbf_puts(s, "\n");
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
	if (!res) {
		skbf_env_show(s);
		skbf_puts(s, "# runs: none yet; write 1 to run\n");
		return;
	}
	/* Results a test made by hand have no environment: today's stands in. */
	if (res->env[0])
		skbf_puts(s, res->env);
	else
		skbf_env_show(s);
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
	/*
	 * Each CPU row's repetitions as they ran, so that a later comparison
	 * (scripts/compare.py) has the spread without rerunning.
	 */
	for (r = 0; r < res->nr_rows; r++) {
		const struct skbf_row *row = &res->rows[r];
		u32 i;

		if (row->cpu < 0)
			continue;
		seq_buf_printf(s, "# reps: %s %d", skbf_mode_name(row->mode), row->cpu);
		for (i = 0; i < row->nreps; i++) {
			skbf_puts(s, " ");
			skbf_x100_show(s, row->rep_x100[i]);
		}
		skbf_puts(s, "\n");
	}
}
EXPORT_SYMBOL_IF_KUNIT(skbf_results_show);
