// SPDX-License-Identifier: GPL-2.0
/*
 * Modes and parameters: the tables behind config, results and the docs,
 * and the parser of what root writes to config and run.
 * Part of skbfactory.c, which includes it: one object, one module.
 */

/* ---- Modes ---- */

struct skbf_mode_info {
	const char *name;
	enum skbf_ctx ctx;
	bool skb;	/* makes sk_buffs (counted in stats) */
	bool dev;	/* uses the NIC during the run (held, tracked) */
};

static const struct skbf_mode_info skbf_modes[SKBF_NR_MODES] = {
	/*
	 * alloc_skb(size) + skb_reserve + skb_put, released with consume_skb(): the generic path,
	 * sockets and most of the stack
	 */
	[SKBF_ALLOC_SKB]	    = { "alloc_skb",		SKBF_CTX_TASK, true },
	/*
	 * alloc_skb_fclone(): a head with a companion sk_buff for one cheap clone, as TCP
	 * allocates what it sends
	 */
	[SKBF_ALLOC_SKB_FCLONE]	    = { "alloc_skb_fclone",	SKBF_CTX_TASK, true },
	/*
	 * alloc_skb_with_frags(): headroom + put linear, the rest of size in page fragments, as
	 * sock_alloc_send_pskb() lays out a large send
	 */
	[SKBF_ALLOC_SKB_WITH_FRAGS] = { "alloc_skb_with_frags",	SKBF_CTX_TASK, true },
	/*
	 * skb_clone() of a live alloc_skb_fclone() skb (one per batch slot) and consume_skb() of
	 * the clone: TCP's clone of every segment it sends
	 */
	[SKBF_SKB_CLONE]	    = { "skb_clone",		SKBF_CTX_TASK, true },
	/*
	 * __netdev_alloc_skb() for the NIC, in a NAPI poll, released with dev_consume_skb_any():
	 * the head from the page-fragment cache, from the slab for small sizes (up to 640 bytes on
	 * 6.1; on 6.12 up to about 320, by the kernel's MAX_HEADER) and above 3712 bytes
	 */
	[SKBF_NETDEV_ALLOC_SKB]	    = { "netdev_alloc_skb",	SKBF_CTX_NAPI, true, true },
	/*
	 * napi_alloc_skb() from the per-CPU NAPI caches (a 1 KiB fragment up to 640 bytes, a page
	 * fragment up to 3712, kmalloc above), in a NAPI poll, released with napi_consume_skb()
	 * and the poll's budget
	 */
	[SKBF_NAPI_ALLOC_SKB]	    = { "napi_alloc_skb",	SKBF_CTX_NAPI, true },
	/*
	 * napi_alloc_frag() (a compound page above PAGE_SIZE) + napi_build_skb(), in a NAPI poll,
	 * as drivers that build skbs on their receive buffers
	 */
	[SKBF_BUILD_SKB]	    = { "build_skb",		SKBF_CTX_NAPI, true },
	/*
	 * a page_pool fragment (whole pages above PAGE_SIZE) + napi_build_skb() +
	 * skb_mark_for_recycle(), in a NAPI poll: the page goes back to the pool, as in mlx5, ice
	 * or bnxt
	 */
	[SKBF_PAGE_POOL]	    = { "page_pool",		SKBF_CTX_NAPI, true },
	/*
	 * the slab allocations alloc_skb() makes and nothing else: an sk_buff-sized object and a
	 * data buffer of the same size class, the floor the skb paths stand on
	 */
	[SKBF_KMALLOC_FLOOR]	    = { "kmalloc_floor",	SKBF_CTX_TASK, false },
	/*
	 * the measuring loop with an op the compiler must call and that does nothing: the
	 * harness's own cost per op
	 */
	[SKBF_EMPTY]		    = { "empty",		SKBF_CTX_TASK, false },
	/*
	 * not in mode=all: an op that spins on ktime_get_ns() cal_alloc_ns in its allocation and
	 * cal_free_ns in its release, so that the figures show how far the harness is from a
	 * known cost (the # calibrate line)
	 */
	[SKBF_CALIBRATE]	    = { "calibrate",		SKBF_CTX_TASK, false },
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

/**
 * skbf_mode_ctx() - where a mode's timed chunks run
 * @mode: a mode
 *
 * Return: %SKBF_CTX_NAPI for the receive paths, %SKBF_CTX_TASK otherwise.
 */
VISIBLE_IF_KUNIT enum skbf_ctx skbf_mode_ctx(enum skbf_mode mode)
{
	return skbf_modes[mode].ctx;
}
EXPORT_SYMBOL_IF_KUNIT(skbf_mode_ctx);

/* ---- Parameters: the one table behind config, its defaults and bounds ---- */

enum skbf_kind {
	SKBF_K_MODE, SKBF_K_U32, SKBF_K_CPU, SKBF_K_FREE_CPU, SKBF_K_DEV, SKBF_K_CHOICE, SKBF_K_NODE
};

/* @vals: SKBF_K_CHOICE: the values, by their enum, then NULL */
struct skbf_param {
	const char *name;
	enum skbf_kind kind;
	size_t off;
	u32 min;
	u32 max;
	const char *def;
	const char *const *vals;
};

/* release=: the values, by enum skbf_release. */
static const char *const skbf_releases[] = {
	[SKBF_RELEASE_ONE]	= "one",
	[SKBF_RELEASE_LIST]	= "list",
	NULL
};

/* alloc=: the values, by enum skbf_alloc. */
static const char *const skbf_allocs[] = {
	[SKBF_ALLOC_ONE]	= "one",
	[SKBF_ALLOC_BULK]	= "bulk",
	NULL
};

#define SKBF_OFF(field) offsetof(struct skbf_config, field)

static const struct skbf_param skbf_params[] = {
	/* the allocation path to measure, or all: each in turn, a row each */
	{ "mode",     SKBF_K_MODE,     SKBF_OFF(mode),     0, 0,		"alloc_skb" },
	/* bytes of data asked of the allocator, as alloc_skb(size) */
	{ "size",     SKBF_K_U32,      SKBF_OFF(size),     1, 65536,		"1500" },
	/* bytes skb_reserve() keeps in front of the data */
	{ "headroom", SKBF_K_U32,      SKBF_OFF(headroom), 0, 65536,		"14" },
	/* bytes skb_put() appends and fills (headroom + put <= size) */
	{ "put",      SKBF_K_U32,      SKBF_OFF(put),      0, 65536,		"100" },
	/*
	 * operations (one allocation and its release) per repetition and CPU;
	 * with several CPUs, the first to finish ends the repetition on the others
	 */
	{ "count",    SKBF_K_U32,      SKBF_OFF(count),    1, 100000000,	"200000" },
	/* repetitions kept; the figures are their median, min, max and spread */
	{ "repeat",   SKBF_K_U32,      SKBF_OFF(repeat),   1, SKBF_REPEAT_MAX,	"5" },
	/* repetitions run first and left out (cold caches, the clock-read tuning) */
	{ "warmup",   SKBF_K_U32,      SKBF_OFF(warmup),   0, SKBF_WARMUP_MAX,	"1" },
	/*
	 * objects allocated before they are all released; from 2, allocation and release are timed
	 * apart
	 */
	{ "batch",    SKBF_K_U32,      SKBF_OFF(batch),    1, 4096,		"1" },
	/*
	 * nic (the CPU that services the NIC's receive IRQ), all, or a CPU list such as 0-3,6,
	 * measured together
	 */
	{ "cpu",      SKBF_K_CPU,      SKBF_OFF(cpu),      0, 0,		"nic" },
	/*
	 * same, or CPUs (a list, 1-3) that release every object the run makes, as socket
	 * readers' CPUs do, each measuring CPU's objects to them in turn (batch=1)
	 */
	{ "free_cpu", SKBF_K_FREE_CPU, SKBF_OFF(free_cpu), 0, 0,		"same" },
	/* the NIC cpu=nic follows, or empty for the first that is up and has an IRQ */
	{ "dev",      SKBF_K_DEV,      SKBF_OFF(dev),      0, 0,		"" },
	/*
	 * 1: time 1 op in 64 (on average, at random) alone, for p50/p99/p999
	 * (sampling adds a little to every op)
	 */
	{ "latency",  SKBF_K_U32,      SKBF_OFF(latency),  0, 1,		"0" },
	/* mode=calibrate: ns each allocation spins on the clock (at most a tenth of a chunk) */
	{ "cal_alloc_ns", SKBF_K_U32,  SKBF_OFF(cal_alloc_ns), 0, 100000,	"2000" },
	/* mode=calibrate: ns each release spins on the clock */
	{ "cal_free_ns", SKBF_K_U32,   SKBF_OFF(cal_free_ns), 0, 100000,	"1000" },
	/*
	 * one: each object released by itself, as its mode's users do; list: a batch's skbs
	 * chained and consumed with one kfree_skb_list_reason(SKB_CONSUMED) call, kmalloc_floor's
	 * objects with one kfree_bulk() (6.3+: EOPNOTSUPP on older kernels; batch up to 64;
	 * not with free_cpu)
	 */
	{ "release",  SKBF_K_CHOICE,   SKBF_OFF(release),  0, 0, "one", skbf_releases },
	/*
	 * one: each object allocated by itself; bulk: kmalloc_floor's batch with one
	 * kmem_cache_alloc_bulk() call a cache, as napi_alloc_skb's head cache refills (batch up
	 * to 64; mode=kmalloc_floor or all)
	 */
	{ "alloc",    SKBF_K_CHOICE,   SKBF_OFF(alloc),    0, 0, "one", skbf_allocs },
	/*
	 * any: memory from the allocating CPU's node; or a node with memory, passed to the
	 * allocator where the path takes one: alloc_skb, alloc_skb_fclone, skb_clone (its
	 * parents), page_pool (the pool's nid) and kmalloc_floor (not with alloc=bulk)
	 */
	{ "node",     SKBF_K_NODE,     SKBF_OFF(node),     0, 0,		"any" },
};

/**
 * skbf_node_path() - whether a mode's memory can come from a chosen node
 * @mode: a mode
 *
 * Return: true for the modes whose allocator takes a node (__alloc_skb(),
 * page_pool's nid, kmem_cache_alloc_node() and kmalloc_node()); the
 * others take from their CPU's per-CPU caches.
 */
static bool skbf_node_path(enum skbf_mode mode)
{
	switch (mode) {
	case SKBF_ALLOC_SKB:
	case SKBF_ALLOC_SKB_FCLONE:
	case SKBF_SKB_CLONE:
	case SKBF_PAGE_POOL:
	case SKBF_KMALLOC_FLOOR:
		return true;
	default:
		return false;
	}
}

/**
 * skbf_list_path() - whether a mode has a release=list path
 * @mode: a mode
 *
 * Return: true for the skb modes (kfree_skb_list_reason) and kmalloc_floor
 * (kfree_bulk); empty and calibrate release one at a time.
 */
static bool skbf_list_path(enum skbf_mode mode)
{
	return skbf_modes[mode].skb || mode == SKBF_KMALLOC_FLOOR;
}

/* Where a parameter lives in a config. */
static void *skbf_field(struct skbf_config *cfg, const struct skbf_param *p)
{
	return (char *)cfg + p->off;
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

/*
 * cpu=: nic, all, or a CPU list kept in its shortest form ("0-3,6", as
 * /proc/irq/N/smp_affinity_list shows one), however long it was written.
 * -E2BIG when that form does not fit in @field.
 */
static int skbf_cpu_set(char *field, const char *text)
{
	cpumask_var_t mask;
	int err;

	if (!strcmp(text, "nic") || !strcmp(text, "all")) {
		strscpy(field, text, SKBF_CPU_LEN);
		return 0;
	}
	if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
		return -ENOMEM;
	err = skbf_cpus_parse(text, mask);
	if (!err && snprintf(field, SKBF_CPU_LEN, "%*pbl", cpumask_pr_args(mask)) >= SKBF_CPU_LEN)
		err = -E2BIG;
	free_cpumask_var(mask);
	return err;
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

/**
 * skbf_free_cpus_parse() - free_cpu=: "same", or a list of online CPUs
 * @text: the value
 * @cpus: set to the CPUs, ascending (SKBF_FREE_MAX of room)
 * @n: set to how many (0 for "same")
 * @shortest: if not NULL, set to the list's shortest form, as cpu='s
 *	(SKBF_FREE_CPU_LEN of room)
 *
 * Return: 0, -EINVAL for a malformed list or one naming a CPU that is
 * impossible or offline, -E2BIG for over SKBF_FREE_MAX CPUs (or a
 * shortest form that does not fit), or -ENOMEM.
 */
static int skbf_free_cpus_parse(const char *text, u16 *cpus, u32 *n, char *shortest)
{
	cpumask_var_t mask;
	unsigned int cpu;
	int err;

	*n = 0;
	if (!strcmp(text, "same"))
		return 0;
	/* "all" would name the measuring CPUs too. */
	if (!strcmp(text, "all"))
		return -EINVAL;
	if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
		return -ENOMEM;
	err = skbf_cpus_parse(text, mask);
	if (!err && cpumask_weight(mask) > SKBF_FREE_MAX)
		err = -E2BIG;
	/* 32 CPUs of 4 digits and a comma each fit; say so if not. */
	if (!err && shortest && snprintf(shortest, SKBF_FREE_CPU_LEN, "%*pbl",
					 cpumask_pr_args(mask)) >= SKBF_FREE_CPU_LEN)
		err = -E2BIG;
	if (!err)
		for_each_cpu(cpu, mask)
			cpus[(*n)++] = cpu;
	free_cpumask_var(mask);
	return err;
}

/* node=: any (NUMA_NO_NODE), or a node number that has memory now. */
static int skbf_node_parse(const char *text, int *node)
{
	u32 v;

	if (!strcmp(text, "any")) {
		*node = NUMA_NO_NODE;
		return 0;
	}
	if (skbf_u32_parse(text, 0, MAX_NUMNODES - 1, &v) || !node_state(v, N_MEMORY))
		return -EINVAL;
	*node = v;
	return 0;
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

/*
 * A value of @p's list (its index goes to the field), release=list only
 * where the kernel has the call (EOPNOTSUPP otherwise).
 */
static int skbf_choice_parse(struct skbf_config *cfg, const struct skbf_param *p,
			     const char *val, char *why, size_t why_len)
{
	int i = match_string(p->vals, -1, val);
	size_t n;

	if (i < 0) {
		n = scnprintf(why, why_len, "%s=%s: expected %s", p->name, val, p->vals[0]);
		for (i = 1; p->vals[i]; i++)
			n += scnprintf(why + n, why_len - n, "%s%s", p->vals[i + 1] ? ", " : " or ",
				       p->vals[i]);
		return -EINVAL;
	}
	if (p->vals == skbf_releases && i == SKBF_RELEASE_LIST && !SKBF_HAVE_LIST_RELEASE) {
		snprintf(why, why_len,
			 "release=list: this kernel lacks kfree_skb_list_reason with SKB_CONSUMED (6.3+)");
		return -EOPNOTSUPP;
	}
	*(u32 *)skbf_field(cfg, p) = i;
	return 0;
}

/*
 * free_cpu=: kept in its shortest form, as cpu= is (free_cpu=007 shows
 * free_cpu=7, 3,1,2 shows 1-3), with how many CPUs it names.
 */
static int skbf_free_cpu_set(struct skbf_config *cfg, const char *val, char *why,
			     size_t why_len)
{
	char shortest[SKBF_FREE_CPU_LEN];
	u16 cpus[SKBF_FREE_MAX];
	u32 n;
	int err;

	err = skbf_free_cpus_parse(val, cpus, &n, shortest);
	if (err == -E2BIG) {
		snprintf(why, why_len, "free_cpu=%.32s: over %d CPUs", val, SKBF_FREE_MAX);
		return -EINVAL;
	}
	if (err == -ENOMEM) {
		snprintf(why, why_len, "free_cpu=%.32s: out of memory", val);
		return err;
	}
	if (err) {
		snprintf(why, why_len,
			 "free_cpu=%.32s: expected same or a list of online CPUs such as 1-3", val);
		return -EINVAL;
	}
	if (!n) {
		strscpy(cfg->free_cpu, "same", SKBF_FREE_CPU_LEN);
		cfg->nr_free = 0;
		return 0;
	}
	strscpy(cfg->free_cpu, shortest, SKBF_FREE_CPU_LEN);
	cfg->nr_free = n;
	return 0;
}

static int skbf_param_set(struct skbf_config *cfg, const struct skbf_param *p,
			  const char *val, char *why, size_t why_len)
{
	int err;

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
		err = skbf_cpu_set(skbf_field(cfg, p), val);
		if (err == -EINVAL)
			snprintf(why, why_len,
				 "cpu=%s: expected nic, all, or a list of online CPUs such as 0-3,6",
				 val);
		else if (err == -E2BIG)
			snprintf(why, why_len, "cpu=%.32s...: over %d characters even as ranges",
				 val, SKBF_CPU_LEN - 1);
		else if (err)
			snprintf(why, why_len, "cpu=%s: out of memory", val);
		return err == -E2BIG ? -EINVAL : err;
	case SKBF_K_FREE_CPU:
		return skbf_free_cpu_set(cfg, val, why, why_len);
	case SKBF_K_DEV:
		if (*val && !dev_valid_name(val)) {
			snprintf(why, why_len, "dev=%s: not a valid interface name", val);
			return -EINVAL;
		}
		strscpy(skbf_field(cfg, p), val, IFNAMSIZ);
		return 0;
	case SKBF_K_CHOICE:
		return skbf_choice_parse(cfg, p, val, why, why_len);
	case SKBF_K_NODE:
		if (skbf_node_parse(val, skbf_field(cfg, p))) {
			snprintf(why, why_len,
				 "node=%s: expected any or a node with memory (%*pbl here)", val,
				 nodemask_pr_args(&node_states[N_MEMORY]));
			return -EINVAL;
		}
		return 0;
	}
	return -EINVAL;
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

/* The rules that tie parameters together; @why names the ones that clash. */
static int skbf_config_check(const struct skbf_config *cfg, char *why, size_t why_len)
{
	if ((u64)cfg->headroom + cfg->put > cfg->size) {
		snprintf(why, why_len,
			 "headroom=%u + put=%u exceeds size=%u (set put= or headroom= too)",
			 cfg->headroom, cfg->put, cfg->size);
		return -EINVAL;
	}
	if (strcmp(cfg->free_cpu, "same") && cfg->batch != 1) {
		snprintf(why, why_len,
			 "free_cpu=%.40s hands each object over as it is made: batch=%u must be 1",
			 cfg->free_cpu, cfg->batch);
		return -EINVAL;
	}
	if (cfg->release == SKBF_RELEASE_LIST && cfg->batch > SKBF_LIST_MAX) {
		snprintf(why, why_len,
			 "release=list releases a batch in one call, which a chunk cannot end inside: batch=%u, over %d",
			 cfg->batch, SKBF_LIST_MAX);
		return -EINVAL;
	}
	if (cfg->alloc == SKBF_ALLOC_BULK && cfg->batch > SKBF_LIST_MAX) {
		snprintf(why, why_len,
			 "alloc=bulk allocates a batch in one call, which a chunk cannot end inside: batch=%u, over %d",
			 cfg->batch, SKBF_LIST_MAX);
		return -EINVAL;
	}
	if (cfg->alloc == SKBF_ALLOC_BULK && cfg->mode != SKBF_KMALLOC_FLOOR &&
	    cfg->mode != SKBF_ALL) {
		snprintf(why, why_len,
			 "alloc=bulk: only kmalloc_floor allocates in bulk (kmem_cache_alloc_bulk); mode=%s makes one object a call",
			 skbf_mode_name(cfg->mode));
		return -EINVAL;
	}
	/* Again at each write: a run's node may have lost its memory since. */
	if (cfg->node != NUMA_NO_NODE && !node_state(cfg->node, N_MEMORY)) {
		snprintf(why, why_len, "node=%d: the node has no memory now", cfg->node);
		return -EINVAL;
	}
	if (cfg->node != NUMA_NO_NODE && cfg->mode != SKBF_ALL && !skbf_node_path(cfg->mode)) {
		snprintf(why, why_len,
			 "node=%d: mode=%s allocates from its CPU's caches, with no node argument",
			 cfg->node, skbf_mode_name(cfg->mode));
		return -EINVAL;
	}
	if (cfg->node != NUMA_NO_NODE && cfg->alloc == SKBF_ALLOC_BULK) {
		snprintf(why, why_len,
			 "node=%d: alloc=bulk takes no node (kmem_cache_alloc_bulk() allocates on its CPU's)",
			 cfg->node);
		return -EINVAL;
	}
	if (strcmp(cfg->free_cpu, "same") && cfg->release == SKBF_RELEASE_LIST) {
		snprintf(why, why_len,
			 "free_cpu=%.40s releases one object at a time: release=list needs free_cpu=same",
			 cfg->free_cpu);
		return -EINVAL;
	}
	return 0;
}

/**
 * skbf_config_parse() - apply a write to config or run, all or nothing
 * @cfg: the config to change
 * @buf: the text written, not NUL-terminated
 * @len: its length
 * @run: parse a write to run (which needs "1" or "start") rather than to
 *       config (which accepts a lone "reset")
 * @why: on error, set to one line naming the bad token
 * @why_len: size of @why
 *
 * Every token is checked before any is applied: on error @cfg is unchanged.
 *
 * Return: 0, -EINVAL for bad input, -EOPNOTSUPP for a value this kernel
 * cannot run (release=list before 6.3), or -ENOMEM.
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
			 run ? "1, start, stop or key=value tokens" : "key=value tokens or reset");
		goto out;
	}
	if (run && !start) {
		snprintf(why, why_len,
			 "no 1 or start: key=value tokens alone start no run (they belong in config)");
		goto out;
	}
	if (reset) {
		if (ntok > 1) {
			snprintf(why, why_len, "\"reset\" must be the only token");
			goto out;
		}
		skbf_config_reset(&new);
	}
	err = skbf_config_check(&new, why, why_len);
	if (!err)
		*cfg = new;
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
	case SKBF_K_CHOICE:
		seq_buf_printf(s, "%s=%s%s", p->name, p->vals[*(const u32 *)val], end);
		break;
	case SKBF_K_NODE:
		if (*(const int *)val == NUMA_NO_NODE)
			seq_buf_printf(s, "%s=any%s", p->name, end);
		else
			seq_buf_printf(s, "%s=%d%s", p->name, *(const int *)val, end);
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
