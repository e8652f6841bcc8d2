// SPDX-License-Identifier: GPL-2.0
/*
 * From repetitions to rows: medians, spread, percentiles and the sum
 * row of several CPUs.
 * Part of skbfactory.c, which includes it: one object, one module.
 */

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

/* A free_cpu row's free_ns: the releasing threads' busy time per object. */
static s64 skbf_lanes_free_x100(const struct skbf_worker *w)
{
	u64 ns = 0, n = 0;
	u32 i;

	for (i = 0; i < w->nlanes; i++) {
		ns += w->lanes[i].ns;
		n += w->lanes[i].n;
	}
	return skbf_ratio(ns, 100, n);
}

/* @tmp: room for 2 * repeat values. */
static void skbf_row_fill(struct skbf_row *row, struct skbf_worker *w, s64 *tmp)
{
	u32 i, n = 0, n_all = 0, repeat = w->run->cfg.repeat;
	s64 *tmp_all = tmp + repeat;
	struct skbf_rep all = {};
	bool split = w->batch > 1, pmu;

	row->mode = w->f.mode;
	row->cpu = w->cpu;
	row->data_node = w->data_node;
	row->frag_node = w->frag_node;
	row->cpu_node = cpu_to_node(w->cpu);
	row->nreps = w->nreps;
	for (i = 0; i < w->nreps; i++) {
		const struct skbf_rep *r = &w->reps[i];

		/* A repetition whose chunks were all dropped counts, untimed. */
		row->rep_x100[i] = r->steps ? skbf_rep_ns_x100(r) : -1;
		if (r->steps)
			tmp[n++] = row->rep_x100[i];
		if (r->all_steps)
			tmp_all[n_all++] = skbf_ratio(r->all_ns, 200, r->all_steps);
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
		all.pmu_steps += r->pmu_steps;
		all.waited += r->waited;
		all.csw += r->csw;
		all.irqs += r->irqs;
		all.dropped += r->dropped;
		all.slept += r->slept;
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
	row->ns_all_x100 = n_all ? skbf_median(tmp_all, n_all) : -1;
	w->run->res->slept += all.slept;
	w->run->res->waited_ns += all.waited;
	w->run->res->waits = w->wait_known;
	row->ops_per_sec = row->ns_x100 > 0 ? div64_u64(100ULL * NSEC_PER_SEC, row->ns_x100) : 0;
	row->alloc_x100 = split ? skbf_ratio(all.alloc_ns, 100, all.alloc_steps) : -1;
	if (w->handoff)
		row->free_x100 = skbf_lanes_free_x100(w);
	else
		row->free_x100 = split ? skbf_ratio(all.free_ns, 100, all.free_steps) : -1;
	row->tsc_x100 = w->have_tsc ? skbf_ratio(all.tsc, 200, all.steps) : -1;
	/*
	 * The counters are read from the worker, around a chunk: in softirq
	 * modes that window holds the whole NET_RX softirq (other NAPIs, the
	 * NIC's own) and the switches to and from ksoftirqd.  Reading them
	 * in the poll needs perf_event_read_local(), not exported.
	 */
	pmu = w->pmu_on && !w->pmu_gaps && !w->napi;
	row->cycles_x100 = pmu ? skbf_ratio(all.pmu[0], 200, all.pmu_steps) : -1;
	row->ipc_x100 = pmu ? skbf_ratio(all.pmu[1], 100, all.pmu[0]) : -1;
	if (w->lat && w->lat_samples) {
		/* Ticks to ns by the ratio the kept chunks measured. */
		u64 to_ns = w->have_tsc ? all.tsc : all.ns;

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
	sum->data_node = NUMA_NO_NODE;
	sum->frag_node = NUMA_NO_NODE;
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
	sum->ns_all_x100 = -1;
	sum->ns_min_x100 = -1;
	sum->ns_max_x100 = -1;
	sum->cv_x100 = -1;
	sum->alloc_x100 = -1;
	sum->free_x100 = -1;
	sum->tsc_x100 = -1;
	sum->cycles_x100 = -1;
	sum->ipc_x100 = -1;
}

/* The cost in ns of one ktime_get_ns(): the least of 256 gaps between two reads. */
static u64 skbf_clock_cost(void)
{
	u64 best = U64_MAX, t0;
	int i;

	for (i = 0; i < 256; i++) {
		t0 = ktime_get_ns();
		best = min(best, ktime_get_ns() - t0);
	}
	return best;
}

/*
 * free_cpu: what each releasing CPU did for this mode's workers, one entry
 * of res->frees each, and the run's totals.
 */
static void skbf_frees_add(struct skbf_results *res, struct skbf_worker **w, unsigned int n)
{
	struct skbf_free_row *f;
	unsigned int i;
	u32 j;

	for (j = 0; j < w[0]->nlanes; j++) {
		f = &res->frees[res->nr_frees++];
		f->mode = w[0]->f.mode;
		f->cpu = res->where.free_cpus[j];
		for (i = 0; i < n; i++) {
			const struct skbf_lane *l = &w[i]->lanes[j];

			f->released += l->released;
			f->ns += l->ns;
			f->n += l->n;
			f->batches += l->batches;
			f->dropped += l->dropped;
			f->ring_full += l->ring_full;
			res->clones += l->clones;
			res->clone_companions += l->companions;
		}
		res->released_remote += f->released;
		res->ring_full += f->ring_full;
		res->cons_batches += f->batches;
		res->cons_dropped += f->dropped;
	}
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
		res->net_dropped += w[i]->net_dropped;
	}
	skbf_frees_add(res, w, n);
	if (w[0]->f.mode == SKBF_CALIBRATE)
		res->clock_ns = skbf_clock_cost();
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
