// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the contract's edges, where the module's own state meets what
 * races it or what it prints: the errno and reason of a run that a stop
 * races, latency figures no kept chunk timed, the NAPI instances no one
 * else may poll, a CPU list of any length.
 * Part of skbfactory_kunit.c, which includes it: one module.
 */

/* ---- The contract's edges ---- */

/* A thread that stops whatever run is in progress, over and over. */
struct skbf_kunit_racer {
	struct task_struct *task;
	atomic_t hits;
};

static int skbf_kunit_racer_fn(void *arg)
{
	struct skbf_kunit_racer *r = arg;
	unsigned int spins = 0;

	while (!kthread_should_stop()) {
		if (!skbf_run_stop_active(-ECANCELED, "stopped by the test"))
			atomic_inc(&r->hits);
		/* Now and then a pause, so that stops land all over a run's start. */
		if (!(++spins % 16))
			udelay(get_random_u32_below(20));
		if (!(spins % 1024))
			cond_resched();
	}
	return 0;
}

static void skbf_kunit_racer_stop(void *arg)
{
	struct skbf_kunit_racer *r = arg;

	kthread_stop(r->task);
}

/*
 * A stop racing a run that fails its memory bound: whichever comes first
 * wins, and the errno returned, the run's stop and its reason (what
 * last_error shows) are all that one's, every time.
 */
static void contract_stop_race_test(struct kunit *test)
{
	unsigned int cpu = cpumask_first(cpu_online_mask), i, stopped = 0, bound = 0;
	unsigned int other = skbf_kunit_other_cpu(cpu);
	struct skbf_kunit_racer *r;
	struct skbf_run *run;
	int err;

	run = skbf_kunit_run(test, "count=10 repeat=1");
	run->mem_bound = 1;	/* any run is over it */
	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->task = kthread_create(skbf_kunit_racer_fn, r, "skbf-kunit-racer");
	KUNIT_ASSERT_FALSE(test, IS_ERR(r->task));
	if (other < nr_cpu_ids)
		kthread_bind(r->task, other);
	wake_up_process(r->task);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, skbf_kunit_racer_stop, r), 0);
	for (i = 0; i < 500; i++) {
		err = skbf_run_exec(run);
		KUNIT_ASSERT_EQ_MSG(test, err, READ_ONCE(run->stop), "iteration %u: %s", i,
				    run->stop_why);
		KUNIT_ASSERT_NULL(test, run->res);
		if (err == -ECANCELED) {
			KUNIT_ASSERT_STREQ(test, run->stop_why, "stopped by the test");
			stopped++;
		} else {
			KUNIT_ASSERT_EQ_MSG(test, err, -EINVAL, "iteration %u: %s", i,
					    run->stop_why);
			KUNIT_ASSERT_NOT_NULL_MSG(test, strstr(run->stop_why, "over the bound"),
						  "iteration %u: %s", i, run->stop_why);
			bound++;
		}
		if (!(i % 64))
			cond_resched();
	}
	kunit_info(test, "%u runs stopped first, %u over the bound first; %d stops landed\n",
		   stopped, bound, atomic_read(&r->hits));
	KUNIT_EXPECT_EQ(test, skbf_outstanding(), 0);
}

/* Every chunk ran on another CPU as well: the drop rule leaves it out. */
static void skbf_kunit_moved(struct skbf_seam *s, struct skbf_seam_events *ev)
{
	ev->moved = true;
}

static struct skbf_seam skbf_kunit_all_moved = { .chunk = skbf_kunit_moved };

/*
 * latency=1 where every chunk was left out: the samples exist, but no
 * kept time turns their ticks into ns.  The percentiles print "-" and the
 * # latency line says why; never a wrapped -1.
 */
static void contract_latency_untimed_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;
	const struct skbf_row *row;
	const char *text, *line;
	struct skbf_run *run;
	char want[64];

	run = skbf_kunit_run(test, "mode=alloc_skb count=64 repeat=1 latency=1");
	run->seam = &skbf_kunit_all_moved;
	KUNIT_ASSERT_EQ_MSG(test, skbf_kunit_exec(test, run), 0, "%s", run->stop_why);
	row = &run->res->rows[0];
	kunit_info(test, "%llu chunks dropped, %llu kept, %llu samples\n", row->dropped,
		   row->ctx[0], row->lat_samples);
	KUNIT_ASSERT_GT(test, row->lat_samples, 0);
	KUNIT_ASSERT_EQ(test, row->ctx[0] + row->ctx[1], 0);
	KUNIT_EXPECT_EQ(test, row->p50_ns, -1);
	KUNIT_EXPECT_EQ(test, row->p999_ns, -1);
	skbf_results_show(&ctx->s, run->res);
	text = skbf_kunit_str(test, &ctx->s);
	KUNIT_EXPECT_NULL_MSG(test, strstr(text, "18446744073709551615"), "%s", text);
	line = skbf_kunit_line(text, "# latency: ");
	KUNIT_ASSERT_NOT_NULL(test, line);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strnstr(line,
						"p50_ns, p99_ns and p999_ns are - in 1 row(s)",
						strchrnul(line, '\n') - line), "%s", line);
	/* The row ends "p50 p99 p999 lat_samples": "- - - N". */
	snprintf(want, sizeof(want), " - - - %llu\n", row->lat_samples);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(text, want), "no \"%s\" in:\n%s", want, text);
}

/*
 * The per-CPU NAPI instances take no busy polling, so they get no
 * napi_id: no socket, skb or netdev-genl query can name one to poll it.
 */
static void contract_napi_no_busy_poll_test(struct kunit *test)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct napi_struct *napi = skbf_napi(cpu);

		KUNIT_EXPECT_TRUE_MSG(test, test_bit(NAPI_STATE_NO_BUSY_POLL, &napi->state),
				      "cpu %u", cpu);
		KUNIT_EXPECT_EQ_MSG(test, napi->napi_id, 0, "cpu %u", cpu);
	}
}

/* A NAPI instance, and how often it was found in its poll and flagged. */
struct skbf_kunit_misser {
	struct task_struct *task;
	struct napi_struct *napi;
	atomic_t missed;
	struct completion running;
};

/*
 * Every 2 ms or so, while the poll runs (scheduled, enabled), flag
 * NAPI_STATE_MISSED as napi_schedule() from another CPU does then: the
 * poll's napi_complete_done() returns false and schedules it once more.
 */
static int skbf_kunit_misser_fn(void *arg)
{
	struct skbf_kunit_misser *m = arg;

	complete(&m->running);
	while (!kthread_should_stop()) {
		unsigned long val = READ_ONCE(m->napi->state);

		if ((val & NAPIF_STATE_SCHED) &&
		    !(val & (NAPIF_STATE_NPSVC | NAPIF_STATE_DISABLE | NAPIF_STATE_MISSED)) &&
		    try_cmpxchg(&m->napi->state, &val, val | NAPIF_STATE_MISSED)) {
			atomic_inc(&m->missed);
			usleep_range(2000, 3000);
		}
		cpu_relax();
		cond_resched();
	}
	return 0;
}

static void skbf_kunit_misser_stop(void *arg)
{
	struct skbf_kunit_misser *m = arg;

	if (m->task)
		kthread_stop(m->task);
	m->task = NULL;
}

/*
 * A receive-path run whose polls are scheduled again while they run: each
 * extra poll is a chunk of the run, and the run ends with every op counted
 * and every skb released.  The other CPU's thread must run during a run
 * for that: on a loaded host its vCPU may get no time in one, so the run
 * goes again, up to 50 times, until it did.
 */
static void contract_napi_missed_test(struct kunit *test)
{
	unsigned int cpu = cpumask_first(cpu_online_mask), other = skbf_kunit_other_cpu(cpu);
	struct skbf_kunit_stats st;
	struct skbf_kunit_misser *m;
	const struct skbf_row *row;
	unsigned int runs = 0;
	struct skbf_run *run;
	int err, missed;

	if (other >= nr_cpu_ids)
		kunit_skip(test, "one CPU: no other CPU to schedule the poll from");
	m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	init_completion(&m->running);
	m->napi = skbf_napi(cpu);
	m->task = kthread_create(skbf_kunit_misser_fn, m, "skbf-kunit-misser");
	KUNIT_ASSERT_FALSE(test, IS_ERR(m->task));
	kthread_bind(m->task, other);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, skbf_kunit_misser_stop, m), 0);
	wake_up_process(m->task);
	wait_for_completion(&m->running);
	/*
	 * Polls for about 30 ms on a kernel without KASAN, once the other
	 * CPU's thread runs: 2000 ops were 3 chunks there, over before it woke.
	 */
	do {
		run = skbf_kunit_run(test, "mode=napi_alloc_skb count=10000 repeat=2");
		skbf_kunit_stats(test, &st);
		missed = atomic_read(&m->missed);
		err = skbf_kunit_exec(test, run);
		KUNIT_ASSERT_EQ_MSG(test, err, 0, "%s", run->stop_why);
		missed = atomic_read(&m->missed) - missed;
	} while (!missed && ++runs < 50);
	skbf_kunit_misser_stop(m);
	row = &run->res->rows[0];
	kunit_info(test, "run %u: the poll was scheduled again %d times while it ran; %llu chunks\n",
		   runs + 1, missed, run->res->bh_chunks);
	KUNIT_EXPECT_GT(test, missed, 0);
	skbf_kunit_check_row(test, run, row, SKBF_NAPI_ALLOC_SKB, 0);
	if (!row->dropped)
		skbf_kunit_expect_moved(test, &st, row->ops, 0);
	KUNIT_EXPECT_FALSE(test, test_bit(NAPI_STATE_MISSED, &m->napi->state));
}

/*
 * A sparse CPU list, 1024 CPUs long: results print it whole (it once
 * stopped at 63 characters).
 */
static void contract_cpu_list_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;
	struct skbf_results *res = skbf_kunit_results(test);
	struct seq_buf list;
	const char *text;
	char *buf, *want;
	unsigned int cpu;

	buf = kunit_kzalloc(test, 8192, GFP_KERNEL);
	want = kunit_kzalloc(test, 8192, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, want);
	seq_buf_init(&list, buf, 8192);
	for (cpu = 0; cpu < 2048; cpu += 2)
		seq_buf_printf(&list, "%s%u", cpu ? "," : "", cpu);
	KUNIT_ASSERT_FALSE(test, seq_buf_has_overflowed(&list));
	res->cpus = seq_buf_str(&list);
	snprintf(want, 8192, "# cpu_list: %s", res->cpus);
	skbf_results_show(&ctx->s, res);
	text = skbf_kunit_str(test, &ctx->s);
	KUNIT_EXPECT_TRUE(test, skbf_kunit_has_line(text, want));
}

/* A write to run needs 1 or start: key=value tokens alone are refused. */
static void contract_run_needs_start_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;

	KUNIT_EXPECT_EQ(test, skbf_config_parse(&ctx->cfg, "count=5 size=64 put=0", 21, true,
						ctx->why, sizeof(ctx->why)), -EINVAL);
	KUNIT_EXPECT_STREQ(test, ctx->why,
			   "no 1 or start: key=value tokens alone start no run (they belong in config)");
	KUNIT_EXPECT_EQ(test, ctx->cfg.count, 200000);
	KUNIT_EXPECT_EQ(test, skbf_config_parse(&ctx->cfg, "count=5 start", 13, true, ctx->why,
						sizeof(ctx->why)), 0);
	KUNIT_EXPECT_EQ(test, ctx->cfg.count, 5);
}

static struct kunit_case skbf_contract_cases[] = {
	KUNIT_CASE(contract_stop_race_test),
	KUNIT_CASE(contract_latency_untimed_test),
	KUNIT_CASE(contract_napi_no_busy_poll_test),
	KUNIT_CASE(contract_napi_missed_test),
	KUNIT_CASE(contract_cpu_list_test),
	KUNIT_CASE(contract_run_needs_start_test),
	{}
};

static struct kunit_suite skbf_contract_suite = {
	.name = "skbfactory_contract",
	.init = skbf_kunit_init,
	.exit = skbf_kunit_exit,
	.test_cases = skbf_contract_cases,
};
