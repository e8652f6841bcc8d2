// SPDX-License-Identifier: GPL-2.0
/*
 * A run from start to end: the NIC held for the modes that use it, the
 * memory bound, CPU hotplug and NIC removal.
 * Part of skbfactory.c, which includes it: one object, one module.
 */

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

/**
 * skbf_run_stop_active() - stop the run in progress, as a write of stop does
 * @err: the errno its writer gets, unless a stop came first
 * @why: what stopped it, for last_error
 *
 * Return: 0, or -ESRCH when no run is in progress.
 */
VISIBLE_IF_KUNIT int skbf_run_stop_active(int err, const char *why)
{
	int ret = -ESRCH;

	spin_lock(&skbf.active_lock);
	if (skbf.active) {
		skbf_run_stop(skbf.active, err, why);
		ret = 0;
	}
	spin_unlock(&skbf.active_lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(skbf_run_stop_active);

/*
 * A run that fails ends through skbf_run_stop(), as every stop does: once
 * it is public, a stop, a hotplug callback or the netdev notifier may end
 * it at the same time, and the first one wins, so that the errno returned
 * and stop_why (last_error) always agree.  Return: the run's errno.
 */
static int skbf_run_fail(struct skbf_run *run, int err, const char *why)
{
	skbf_run_stop(run, err, why);
	return READ_ONCE(run->stop);
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
	char why[sizeof(run->stop_why)];
	enum skbf_mode mode;

	if (IS_ENABLED(CONFIG_KUNIT) && run->mem_bound)
		bound = run->mem_bound;
	for (mode = first; mode <= last; mode++)
		one = max(one, skbf_footprint(&run->cfg, mode));
	if (one * ncpus <= bound)
		return 0;
	snprintf(why, sizeof(why),
		 "batch=%u x size=%u on %u CPUs%s holds %llu MiB, over the bound of %llu MiB (a quarter of available memory)",
		 run->cfg.batch, run->cfg.size, ncpus,
		 run->cfg.nr_free ? ", with rings of 512 to each releasing CPU," : "",
		 (one * ncpus) >> 20, bound >> 20);
	return skbf_run_fail(run, -EINVAL, why);
}

/*
 * The preempt notifiers' key, on from the first run (from the load under
 * TCG: skbf_init()) until the module goes (skbfactory.h says why not for
 * each run).  It patches text under cpus_read_lock(): a mutex of its own,
 * so that nothing else waits behind a CPU going offline.
 */
static void skbf_waits_on(void)
{
	static DEFINE_MUTEX(lock);

	mutex_lock(&lock);
	if (SKBF_HAVE_WAITS && !skbf.waits_on) {
		skbf_waits_enable();
		skbf.waits_on = true;
	}
	mutex_unlock(&lock);
}

/* A stop during the measuring part: what runs_stopped counts. */
static bool skbf_stopped(int err)
{
	return err == -EINTR || err == -ECANCELED || err == -EAGAIN || err == -ENODEV;
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
 * skb released.  On error @run->stop_why says why; every error goes
 * through skbf_run_stop(), so the first one wins and the errno returned
 * is always the one stop_why is about.
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
	enum skbf_mode last = cfg->mode == SKBF_ALL ? SKBF_NR_ALL - 1 : cfg->mode;
	char why[sizeof(run->stop_why)];
	struct skbf_results *res = NULL;
	unsigned int ncpus, mode, i;
	struct skbf_target t;
	size_t rows, frees, len;
	char *cpus;
	int err;

	spin_lock_init(&run->stop_lock);
	init_completion(&run->done);
	memset(run->bh_hist, 0, sizeof(run->bh_hist));
	atomic_set(&run->pins, 0);
	run->stop = 0;
	run->stop_why[0] = '\0';
	run->res = NULL;
	run->dev = NULL;
	/* What stats shows of the run, set before stats can see it. */
	run->modes = last - first + 1;
	run->progress_mode = 0;
	run->progress_rep = 0;
	if (!zalloc_cpumask_var(&run->watch, GFP_KERNEL))
		return skbf_run_fail(run, -ENOMEM, "out of memory");
	skbf_waits_on();
	err = skbf_activate(run);
	if (err) {
		err = skbf_run_fail(run, err, "a run is already in progress");
		goto out_watch;
	}
	/* From here the run is public: its errors go through skbf_run_stop(). */
	err = skbf_target_resolve(cfg, &t, why, sizeof(why));
	if (err) {
		err = skbf_run_fail(run, err, why);
		goto out_active;
	}
	ncpus = cpumask_weight(t.cpus);
	err = skbf_mem_check(run, ncpus, first, last);
	if (err)
		goto out_target;
	if (last >= SKBF_KMALLOC_FLOOR && first <= SKBF_KMALLOC_FLOOR) {
		err = skbf_floor_caches();
		if (err) {
			err = skbf_run_fail(run, err, "out of memory");
			goto out_target;
		}
	}
	/*
	 * After the rows, a free_cpu entry per mode and releasing CPU, then
	 * the CPU list, as long as it takes.
	 */
	rows = (ncpus + (ncpus > 1)) * (last - first + 1);
	frees = t.w.nr_free * (last - first + 1);
	len = snprintf(NULL, 0, "%*pbl", cpumask_pr_args(t.cpus)) + 1;
	res = kvzalloc(size_add(size_add(struct_size(res, rows, rows),
					 array_size(frees, sizeof(*res->frees))), len), GFP_KERNEL);
	if (!res) {
		err = skbf_run_fail(run, -ENOMEM, "out of memory");
		goto out_target;
	}
	res->cfg = *cfg;
	res->where = t.w;
	res->overlap_pct = U32_MAX;
	res->frees = (struct skbf_free_row *)&res->rows[rows];
	cpus = (char *)&res->frees[frees];
	snprintf(cpus, len, "%*pbl", cpumask_pr_args(t.cpus));
	res->cpus = cpus;
	res->timer_ns = skbf_timer_cost();
	skbf_env_capture(res);
	run->res = res;

	/* From here, a CPU of the run going down stops it. */
	spin_lock(&skbf.active_lock);
	cpumask_copy(run->watch, t.cpus);
	for (i = 0; i < t.w.nr_free; i++)
		cpumask_set_cpu(t.w.free_cpus[i], run->watch);
	spin_unlock(&skbf.active_lock);

	err = 0;
	for (mode = first; mode <= last && !err; mode++) {
		WRITE_ONCE(run->progress_mode, mode - first + 1);
		WRITE_ONCE(run->mode_now, mode);
		err = skbf_run_mode(run, &t, mode);
	}
	if (err) {
		err = skbf_run_fail(run, err, "out of memory");
		if (skbf_stopped(err))
			atomic64_inc(&skbf_stats.runs_stopped);
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
