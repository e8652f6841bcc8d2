// SPDX-License-Identifier: GPL-2.0
/*
 * The NIC and the CPU that services it, and the environment a figure
 * depends on.
 * Part of skbfactory.c, which includes it: one object, one module.
 */

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
	w->nic_node = parent ? dev_to_node(parent) : NUMA_NO_NODE;
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
	u32 i;

	memset(t, 0, sizeof(*t));
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
			snprintf(why, why_len, "cpu=%.100s: a CPU it names is offline", cfg->cpu);
	}
	/* Again at each run: a CPU may have gone offline since the write. */
	if (!err) {
		err = skbf_free_cpus_parse(cfg->free_cpu, t->w.free_cpus, &t->w.nr_free, NULL);
		if (err == -ENOMEM)
			snprintf(why, why_len, "out of memory");
		else if (err)
			snprintf(why, why_len, "free_cpu=%.100s: a CPU it names is offline",
				 cfg->free_cpu);
		if (err && err != -ENOMEM)
			err = -EINVAL;
	}
	for (i = 0; !err && i < t->w.nr_free; i++) {
		if (!cpumask_test_cpu(t->w.free_cpus[i], t->cpus))
			continue;
		snprintf(why, why_len,
			 "free_cpu=%.100s: CPU %d is one of the measuring CPUs (%*pbl)",
			 cfg->free_cpu, t->w.free_cpus[i], cpumask_pr_args(t->cpus));
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

/*
 * The CPUID hypervisor leaf's signature in @name (13 bytes), unprintable
 * bytes as '?'; false on bare metal or another architecture.
 */
static bool skbf_hv_signature(char *name)
{
#ifdef CONFIG_X86
	u32 eax, sig[3];
	size_t i;

	if (!boot_cpu_has(X86_FEATURE_HYPERVISOR))
		return false;
	cpuid(0x40000000, &eax, &sig[0], &sig[1], &sig[2]);
	memcpy(name, sig, sizeof(sig));
	name[12] = '\0';
	for (i = 0; name[i]; i++)
		if (!isprint(name[i]))
			name[i] = '?';
	return true;
#else
	return false;
#endif
}

/* The machine is QEMU's TCG emulator (skbf_exit() says why it matters). */
static bool skbf_under_tcg(void)
{
	char name[13];

	return skbf_hv_signature(name) && !strcmp(name, "TCGTCGTCGTCG");
}

/* Who runs the guest, from the CPUID hypervisor leaf where there is one. */
static void skbf_hypervisor(char *buf, size_t len)
{
#ifdef CONFIG_X86
	char name[13];

	if (!skbf_hv_signature(name)) {
		strscpy(buf, "none (bare metal)", len);
		return;
	}
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
 * names the clocksource on every kernel this module builds for.  The
 * closest of a few tries, on one CPU: a host that stops the vCPU between
 * the two reads once must not make the TSC look like another clock.
 */
static const char *skbf_clocksource(void)
{
	struct system_time_snapshot snap;
	u64 tsc, best = U64_MAX;
	int i;

	if (!skbf.have_tsc)
		return "unknown (no cycle counter to compare)";
	for (i = 0; i < 5; i++) {
		preempt_disable();
		ktime_get_snapshot(&snap);
		tsc = get_cycles();
		preempt_enable();
		if (tsc >= snap.cycles)
			best = min(best, tsc - snap.cycles);
	}
	return best < 10 * 1000 * 1000 ? "tsc" :
	       "not the TSC (see /sys/devices/system/clocksource)";
}

/* The mitigations= setting in force (the config's default, or the command line's). */
static const char *skbf_mitigations_mode(void)
{
	if (cpu_mitigations_off())
		return "off";
	return cpu_mitigations_auto_nosmt() ? "auto,nosmt" : "auto";
}

#ifdef CONFIG_X86
/*
 * The CPU's speculation bugs, by the names of the files of
 * /sys/devices/system/cpu/vulnerabilities/: each reads "Not affected"
 * exactly when its bug bit is clear (cpu_show_common()).  The kernel
 * exports neither those files' text nor the mitigations it chose, so the
 * line gives the bits, and the mitigations that run in the kernel's own
 * code (its entry, returns, indirect calls), which are what change these
 * paths' costs.  Sorted by name, as ls lists the files.
 */
static const struct {
	const char *name;
	unsigned int bug;
	unsigned int alt;	/* a second bit the file also reads, or 0 */
} skbf_vulns[] = {
#ifdef X86_BUG_GDS
	{ "gather_data_sampling", X86_BUG_GDS },
#endif
#ifdef X86_BUG_ITS
	{ "indirect_target_selection", X86_BUG_ITS },
#endif
	{ "itlb_multihit", X86_BUG_ITLB_MULTIHIT },
	{ "l1tf", X86_BUG_L1TF },
	{ "mds", X86_BUG_MDS },
	{ "meltdown", X86_BUG_CPU_MELTDOWN },
#ifdef X86_BUG_MMIO_UNKNOWN
	{ "mmio_stale_data", X86_BUG_MMIO_STALE_DATA, X86_BUG_MMIO_UNKNOWN },
#else
	{ "mmio_stale_data", X86_BUG_MMIO_STALE_DATA },
#endif
#ifdef X86_BUG_OLD_MICROCODE
	{ "old_microcode", X86_BUG_OLD_MICROCODE },
#endif
#ifdef X86_BUG_RFDS
	{ "reg_file_data_sampling", X86_BUG_RFDS },
#endif
	{ "retbleed", X86_BUG_RETBLEED },
#ifdef X86_BUG_SRSO
	{ "spec_rstack_overflow", X86_BUG_SRSO },
#endif
	{ "spec_store_bypass", X86_BUG_SPEC_STORE_BYPASS },
	{ "spectre_v1", X86_BUG_SPECTRE_V1 },
	{ "spectre_v2", X86_BUG_SPECTRE_V2 },
	{ "srbds", X86_BUG_SRBDS },
#ifdef X86_BUG_TSA
	{ "tsa", X86_BUG_TSA },
#endif
	{ "tsx_async_abort", X86_BUG_TAA },
#ifdef X86_BUG_VMSCAPE
	{ "vmscape", X86_BUG_VMSCAPE },
#endif
};

static const struct {
	const char *name;
	unsigned int feature;
} skbf_mitigations[] = {
	{ "pti", X86_FEATURE_PTI },
	{ "ibrs_entry", X86_FEATURE_KERNEL_IBRS },
	{ "ibpb_entry", X86_FEATURE_ENTRY_IBPB },
#ifdef X86_FEATURE_CLEAR_CPU_BUF
	{ "verw", X86_FEATURE_CLEAR_CPU_BUF },
#endif
	{ "retpoline", X86_FEATURE_RETPOLINE },
	{ "retpoline_lfence", X86_FEATURE_RETPOLINE_LFENCE },
	{ "rethunk", X86_FEATURE_RETHUNK },
	{ "untrain_ret", X86_FEATURE_UNRET },
#ifdef X86_FEATURE_SRSO
	{ "srso", X86_FEATURE_SRSO },
#endif
#ifdef X86_FEATURE_SRSO_ALIAS
	{ "srso_alias", X86_FEATURE_SRSO_ALIAS },
#endif
#ifdef X86_FEATURE_INDIRECT_THUNK_ITS
	{ "its_thunk", X86_FEATURE_INDIRECT_THUNK_ITS },
#endif
#ifdef X86_FEATURE_CALL_DEPTH
	{ "call_depth", X86_FEATURE_CALL_DEPTH },
#endif
};

static void skbf_mitigations_show(struct seq_buf *s)
{
	bool any = false;
	size_t i;

	seq_buf_printf(s, "# mitigations: mitigations=%s; affected:", skbf_mitigations_mode());
	for (i = 0; i < ARRAY_SIZE(skbf_vulns); i++) {
		if (!boot_cpu_has_bug(skbf_vulns[i].bug) &&
		    !(skbf_vulns[i].alt && boot_cpu_has_bug(skbf_vulns[i].alt)))
			continue;
		seq_buf_printf(s, " %s", skbf_vulns[i].name);
		any = true;
	}
	seq_buf_printf(s, "%s; in the kernel's code:", any ? "" : " none");
	any = false;
	for (i = 0; i < ARRAY_SIZE(skbf_mitigations); i++) {
		if (!boot_cpu_has(skbf_mitigations[i].feature))
			continue;
		seq_buf_printf(s, " %s", skbf_mitigations[i].name);
		any = true;
	}
	seq_buf_printf(s,
		       "%s; /sys/devices/system/cpu/vulnerabilities says how each is mitigated\n",
		       any ? "" : " none");
}
#else
static void skbf_mitigations_show(struct seq_buf *s)
{
	seq_buf_printf(s,
		       "# mitigations: mitigations=%s; affected: unknown on this architecture; /sys/devices/system/cpu/vulnerabilities says\n",
		       skbf_mitigations_mode());
}
#endif

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
	seq_buf_printf(s, " lockdep=%s kmemleak=%s slub_debug=%s",
		       IS_ENABLED(CONFIG_LOCKDEP) ? "on" : "off",
		       IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) ? "on" : "off",
		       IS_ENABLED(CONFIG_SLUB_DEBUG_ON) ? "on" :
		       "off by default (a slub_debug= boot option shows in /proc/cmdline only)");
	/* Swap over NFS or NBD: the receive paths may then take the reserves. */
	seq_buf_printf(s, " memalloc_socks=%d\n", sk_memalloc_socks());
	skbf_mitigations_show(s);
}

/*
 * What a run ran on, kept with its results: read later, the clocksource
 * or the nodes may have changed, and results must read the same each time.
 */
static void skbf_env_capture(struct skbf_results *res)
{
	struct seq_buf s;

	seq_buf_init(&s, res->env, sizeof(res->env));
	skbf_env_show(&s);
	res->mem_nodes = node_states[N_MEMORY];
}
