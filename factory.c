// SPDX-License-Identifier: GPL-2.0
/*
 * The factory: one ready object per call, made by a mode's kernel path
 * and released the matching way.
 * Part of skbfactory.c, which includes it: one object, one module.
 */

/* ---- The factory: one ready object per call, released the matching way ---- */

/**
 * struct skbf_factory - how one mode makes its objects
 * @mode: the mode
 * @size: data buffer bytes asked for
 * @headroom: skb_reserve() bytes
 * @put: skb_put() bytes, filled
 * @buf: page-frag modes: the fragment, SKB_HEAD_ALIGN(@size); kmalloc_floor:
 *	the data object's size
 * @order: page-frag modes above PAGE_SIZE: the order of the pages taken
 * @linear: alloc_skb_with_frags: bytes in the linear part
 * @paged: alloc_skb_with_frags: bytes in page fragments
 * @budget: NAPI modes: the budget of the poll running now
 * @floor_small: kmalloc_floor: the data comes from the small-head size class
 * @list: release=list and the mode has a list path: a batch goes in one call
 * @dev: skb->dev for netdev_alloc_skb
 * @napi: the NAPI instance of the NAPI modes
 * @pool: page_pool mode: the pool of @napi
 * @parents: skb_clone mode: one live fclone skb per batch slot
 * @cal_ns: calibrate: ns an allocation and a release spin
 * @seam: KUnit's known answers, or NULL: calibrate then spins on @vclock
 * @vclock: the virtual clock of the seam, advanced by its scripted costs
 * @vwait: the seam's virtual waits: of @vclock, time waited for the CPU
 * @cpu: the CPU of the thread that makes (for the seam)
 */
struct skbf_factory {
	enum skbf_mode mode;
	u32 size;
	u32 headroom;
	u32 put;
	u32 buf;
	unsigned int order;
	u32 linear;
	u32 paged;
	int budget;
	bool floor_small;
	bool list;
	bool bulk;
	int node;
	u32 bulk_fail;
	struct net_device *dev;
	struct napi_struct *napi;
	struct page_pool *pool;
	struct sk_buff **parents;
	u32 cal_ns[2];
	struct skbf_seam *seam;
	u64 vclock;
	u64 vwait;
	unsigned int cpu;
};

static void skbf_factory_init(struct skbf_factory *f, enum skbf_mode mode,
			      const struct skbf_config *cfg)
{
	memset(f, 0, sizeof(*f));
	f->mode = mode;
	f->size = cfg->size;
	f->headroom = cfg->headroom;
	f->put = cfg->put;
	f->buf = SKB_HEAD_ALIGN(cfg->size);
	f->order = f->buf > PAGE_SIZE ? get_order(f->buf) : 0;
	f->linear = cfg->headroom + cfg->put;
	f->paged = cfg->size - f->linear;
	f->budget = NAPI_POLL_WEIGHT;
	f->dev = skbf.dummy;
	if (mode == SKBF_KMALLOC_FLOOR) {
		/* The size class alloc_skb()'s kmalloc_reserve() would use. */
		f->floor_small = f->buf <= skbf.small_head;
		f->buf = kmalloc_size_roundup(f->buf);
	}
	f->cal_ns[0] = cfg->cal_alloc_ns;
	f->cal_ns[1] = cfg->cal_free_ns;
	f->list = cfg->release == SKBF_RELEASE_LIST && skbf_list_path(mode);
	f->bulk = cfg->alloc == SKBF_ALLOC_BULK && mode == SKBF_KMALLOC_FLOOR;
	f->node = skbf_node_path(mode) ? cfg->node : NUMA_NO_NODE;
}

static __always_inline void skbf_fill(struct sk_buff *skb, const struct skbf_factory *f)
{
	skb_reserve(skb, f->headroom);
	memset(skb_put(skb, f->put), SKBF_FILL, f->put);
}

/*
 * build_skb: a receive buffer as a NAPI driver makes one.  Up to PAGE_SIZE
 * a page fragment (napi_alloc_frag); above, as the kernel's page-fragment
 * caches serve no more, a compound page.
 */
static __always_inline struct sk_buff *skbf_frag_skb(const struct skbf_factory *f)
{
	struct sk_buff *skb;
	struct page *page;
	void *data;

	if (!f->order) {
		data = napi_alloc_frag(f->buf);
		if (unlikely(!data))
			return NULL;
		skb = napi_build_skb(data, f->buf);
		if (unlikely(!skb))
			skb_free_frag(data);
		return skb;
	}
	page = alloc_pages(SKBF_GFP_NAPI | __GFP_COMP, f->order);
	if (unlikely(!page))
		return NULL;
	skb = napi_build_skb(page_address(page), PAGE_SIZE << f->order);
	if (unlikely(!skb))
		__free_pages(page, f->order);
	return skb;
}

/*
 * page_pool: a fragment of a pool page up to PAGE_SIZE, a whole page of the
 * pool's order above; marked so that its release recycles the page.
 */
static __always_inline struct sk_buff *skbf_pool_skb(const struct skbf_factory *f)
{
	unsigned int offset = 0, truesize = f->buf;
	struct sk_buff *skb;
	struct page *page;

	if (!f->order) {
		page = page_pool_alloc_frag(f->pool, &offset, f->buf, SKBF_GFP_NAPI);
	} else {
		page = page_pool_alloc_pages(f->pool, SKBF_GFP_NAPI);
		truesize = PAGE_SIZE << f->order;
	}
	if (unlikely(!page))
		return NULL;
	skb = napi_build_skb(page_address(page) + offset, truesize);
	if (unlikely(!skb)) {
		page_pool_put_full_page(f->pool, page, false);
		return NULL;
	}
	skb_mark_for_recycle(skb);
	return skb;
}

/* A live fclone skb, as TCP keeps each segment it may retransmit. */
static struct sk_buff *skbf_parent(const struct skbf_factory *f)
{
	struct sk_buff *skb = __alloc_skb(f->size, SKBF_GFP, SKB_ALLOC_FCLONE, f->node);

	if (skb)
		skbf_fill(skb, f);
	return skb;
}

/*
 * kmalloc_floor's caches, made the first time the mode is used: objects of
 * struct sk_buff's size, as skbuff_head_cache has, and of the small heads'
 * size where the kernel has those.
 */
static int skbf_floor_caches(void)
{
	static DEFINE_MUTEX(lock);
	int err = 0;

	mutex_lock(&lock);
	if (!skbf.floor_head)
		skbf.floor_head = kmem_cache_create("skbf_floor_head", sizeof(struct sk_buff), 0,
						    SLAB_HWCACHE_ALIGN, NULL);
	if (skbf.small_head && !skbf.floor_small)
		skbf.floor_small = kmem_cache_create("skbf_floor_small", skbf.small_head, 0,
						     SLAB_HWCACHE_ALIGN, NULL);
	if (!skbf.floor_head || (skbf.small_head && !skbf.floor_small))
		err = -ENOMEM;
	mutex_unlock(&lock);
	return err;
}

/* kmalloc_floor: an sk_buff-sized slab object pointing at a data buffer. */
struct skbf_floor {
	u8 *data;
	bool small;	/* from floor_small, freed as skbuff_small_head's are */
};

/* A floor object's data and head, as skbf_floor_make() leaves them. */
static __always_inline void skbf_floor_fill(const struct skbf_factory *f,
					    struct skbf_floor *head, u8 *data)
{
	memset(data + f->headroom, SKBF_FILL, f->put);
	head->data = data;
	head->small = f->floor_small;
}

static __always_inline void *skbf_floor_make(const struct skbf_factory *f)
{
	struct skbf_floor *head = kmem_cache_alloc_node(skbf.floor_head, SKBF_GFP, f->node);
	u8 *data;

	if (unlikely(!head))
		return NULL;
	if (f->floor_small)
		data = kmem_cache_alloc_node(skbf.floor_small, SKBF_GFP, f->node);
	else
		data = kmalloc_node(f->buf, SKBF_GFP, f->node);
	if (unlikely(!data)) {
		kmem_cache_free(skbf.floor_head, head);
		return NULL;
	}
	skbf_floor_fill(f, head, data);
	return head;
}

/*
 * alloc=bulk: @n floor objects into @obj with one kmem_cache_alloc_bulk()
 * for their heads and one for their data in the small-head class, as
 * napi_alloc_skb()'s head cache refills; data above that class comes from
 * kmalloc(), which has no bulk call.  @obj has room for 2 * @n pointers
 * (the data's go after the heads' while they are made).  All or none, as
 * kmem_cache_alloc_bulk() is: Return: @n, or 0 with all 2 * @n NULL.
 */
/*
 * KUnit's fault in a bulk make (@f->bulk_fail): step @step fails, 1 the
 * heads' call, 2 the data's call or the first kmalloc(), k the (k-1)th.
 */
static __always_inline bool skbf_bulk_fails(const struct skbf_factory *f, u32 step)
{
	return IS_ENABLED(CONFIG_KUNIT) && unlikely(f->bulk_fail == step);
}

static __always_inline u32 skbf_floor_make_bulk(const struct skbf_factory *f, void **obj,
						u32 n)
{
	void **data = obj + n;
	u32 i = 0;

	if (skbf_bulk_fails(f, 1) || !kmem_cache_alloc_bulk(skbf.floor_head, SKBF_GFP, n, obj))
		goto none;
	if (f->floor_small) {
		if (skbf_bulk_fails(f, 2) ||
		    !kmem_cache_alloc_bulk(skbf.floor_small, SKBF_GFP, n, data))
			goto heads;
	} else {
		for (i = 0; i < n; i++) {
			data[i] = skbf_bulk_fails(f, 2 + i) ? NULL : kmalloc(f->buf, SKBF_GFP);
			if (unlikely(!data[i]))
				goto kmalloced;
		}
	}
	for (i = 0; i < n; i++)
		skbf_floor_fill(f, obj[i], data[i]);
	return n;

kmalloced:
	while (i--)
		kfree(data[i]);
heads:
	kmem_cache_free_bulk(skbf.floor_head, n, obj);
none:
	memset(obj, 0, 2 * n * sizeof(*obj));
	return 0;
}

static __always_inline void skbf_floor_free(void *obj)
{
	struct skbf_floor *head = obj;

	if (head->small)
		kmem_cache_free(skbf.floor_small, head->data);
	else
		kfree(head->data);
	kmem_cache_free(skbf.floor_head, head);
}

/*
 * empty: an op the compiler must call and cannot drop (the barrier is a
 * side effect), so that mode=empty measures the loop, the batch
 * bookkeeping and two calls per op, as every real mode has them.
 */
static noinline void *skbf_empty_make(const struct skbf_factory *f)
{
	barrier();
	return (void *)f;
}

static noinline void skbf_empty_free(void *obj)
{
	barrier();
}

/* Spin on ktime_get_ns() until @ns have passed: @ns plus at most one clock read. */
static void skbf_spin(u64 ns)
{
	u64 t0 = ktime_get_ns();

	while (ktime_get_ns() - t0 < ns)
		cpu_relax();
}

/*
 * calibrate: an allocation or a release of known cost.  The seam's virtual
 * clock advances by the scripted cost instead, at once.  Not inlined: the
 * timed loop calls it as it calls empty's op.
 */
static noinline void skbf_cal_spin(struct skbf_factory *f, bool free)
{
#if IS_ENABLED(CONFIG_KUNIT)
	if (unlikely(f->seam)) {
		u64 wait = 0;

		f->vclock += f->seam->cost(f->seam, f->cpu, free, &wait);
		f->vwait += wait;
		return;
	}
#endif
	skbf_spin(f->cal_ns[free]);
}

/* calibrate: its object is its factory, as empty's. */
static __always_inline void *skbf_cal_make(struct skbf_factory *f)
{
	skbf_cal_spin(f, false);
	return f;
}

/* The allocation alone, as each skb path's callers make it. */
static __always_inline struct sk_buff *skbf_raw(const struct skbf_factory *f,
						const enum skbf_mode mode, u32 slot)
{
	int err;

	switch (mode) {
	case SKBF_ALLOC_SKB:
		return __alloc_skb(f->size, SKBF_GFP, 0, f->node);
	case SKBF_ALLOC_SKB_FCLONE:
		return __alloc_skb(f->size, SKBF_GFP, SKB_ALLOC_FCLONE, f->node);
	case SKBF_ALLOC_SKB_WITH_FRAGS:
		return alloc_skb_with_frags(f->linear, f->paged, PAGE_ALLOC_COSTLY_ORDER, &err,
					    SKBF_GFP);
	case SKBF_SKB_CLONE:
		return skb_clone(f->parents[slot], SKBF_GFP);
	case SKBF_NETDEV_ALLOC_SKB:
		return __netdev_alloc_skb(f->dev, f->size, SKBF_GFP_NAPI);
	case SKBF_NAPI_ALLOC_SKB:
		return skbf_napi_alloc_skb(f->napi, f->size);
	case SKBF_BUILD_SKB:
		return skbf_frag_skb(f);
	case SKBF_PAGE_POOL:
		return skbf_pool_skb(f);
	default:
		return NULL;
	}
}

/*
 * Reserve the headroom and put the payload.  alloc_skb_with_frags' paged
 * part is then accounted in len and data_len, as af_unix does after
 * sock_alloc_send_pskb().  A clone is a copy of a ready skb already.
 */
static __always_inline void skbf_ready(struct sk_buff *skb, const struct skbf_factory *f,
				       const enum skbf_mode mode)
{
	if (mode == SKBF_SKB_CLONE)
		return;
	skbf_fill(skb, f);
	if (mode == SKBF_ALLOC_SKB_WITH_FRAGS) {
		skb->data_len = f->paged;
		skb->len += f->paged;
	}
}

/* Make one object of @mode; @slot is the batch slot (skb_clone's parent). */
static __always_inline void *skbf_make(struct skbf_factory *f, const enum skbf_mode mode,
				       u32 slot)
{
	struct sk_buff *skb;

	switch (mode) {
	case SKBF_KMALLOC_FLOOR:
		return skbf_floor_make(f);
	case SKBF_EMPTY:
		return skbf_empty_make(f);
	case SKBF_CALIBRATE:
		return skbf_cal_make(f);
	default:
		skb = skbf_raw(f, mode, slot);
		if (likely(skb))
			skbf_ready(skb, f, mode);
		return skb;
	}
}

/*
 * Release an object where it was made, as that path's users do.  Every skb
 * made and released without error is consumed, never freed as a drop: a
 * drop monitor watching a run sees nothing.
 */
static __always_inline void skbf_drop(struct skbf_factory *f, const enum skbf_mode mode,
				      void *obj)
{
	switch (mode) {
	case SKBF_NETDEV_ALLOC_SKB:
		dev_consume_skb_any(obj);
		break;
	case SKBF_NAPI_ALLOC_SKB:
	case SKBF_BUILD_SKB:
	case SKBF_PAGE_POOL:
		napi_consume_skb(obj, f->budget);
		break;
	case SKBF_KMALLOC_FLOOR:
		skbf_floor_free(obj);
		break;
	case SKBF_EMPTY:
		skbf_empty_free(obj);
		break;
	case SKBF_CALIBRATE:
		skbf_cal_spin(f, true);
		break;
	default:
		consume_skb(obj);
		break;
	}
}

/**
 * skbf_placement() - where the memory of one object of @f's mode lands
 * @f: the factory of a worker, on its CPU, after its repetitions (skb_clone
 *	still has its parents)
 * @data: set to the node of the object's data (the skb's head, the
 *	floor's data buffer), or NUMA_NO_NODE when none was made
 * @frag: set to the node of its first page fragment, or NUMA_NO_NODE
 *
 * The object is made and released as the run's are: in a softirq mode
 * with BH off (its caches and pool are its CPU's softirq's, and its
 * allocations do not sleep), in a task mode with BH on (GFP_KERNEL), and
 * counted nowhere: stats and the run's figures do not see it.
 */
static void skbf_placement(struct skbf_factory *f, int *data, int *frag)
{
	bool bh = skbf_modes[f->mode].ctx == SKBF_CTX_NAPI;
	struct sk_buff *skb;
	void *obj;

	*data = NUMA_NO_NODE;
	*frag = NUMA_NO_NODE;
	if (f->mode == SKBF_EMPTY || f->mode == SKBF_CALIBRATE)
		return;
	if (bh)
		local_bh_disable();
	obj = skbf_make(f, f->mode, 0);
	if (obj && f->mode == SKBF_KMALLOC_FLOOR) {
		*data = page_to_nid(virt_to_head_page(((struct skbf_floor *)obj)->data));
	} else if (obj) {
		skb = obj;
		*data = page_to_nid(virt_to_head_page(skb->head));
		if (skb_shinfo(skb)->nr_frags)
			*frag = page_to_nid(skb_frag_page(&skb_shinfo(skb)->frags[0]));
	}
	if (obj)
		skbf_drop(f, f->mode, obj);
	if (bh)
		local_bh_enable();
}

/*
 * release=list: release the @n objects of @obj (NULLs, failed allocations,
 * skipped) with one call.  skbs are chained through skb->next, in the
 * order they were made, and consumed by kfree_skb_list_reason(SKB_CONSUMED)
 * (skbf_consume_list()): consume_skb's trace event each, no drop.
 * kmalloc_floor's heads and their data go to one kfree_bulk(), which takes
 * every slab object: @obj then has room for 2 * @n pointers, and is
 * overwritten.  Return: the objects released.
 */
static __always_inline u32 skbf_drop_list(const enum skbf_mode mode, void **obj, u32 n)
{
	struct sk_buff *head = NULL, *skb;
	u32 i, k = 0;

	if (mode == SKBF_KMALLOC_FLOOR) {
		for (i = 0; i < n; i++)
			if (obj[i])
				obj[k++] = obj[i];
		for (i = 0; i < k; i++)
			obj[k + i] = ((struct skbf_floor *)obj[i])->data;
		if (k)
			kfree_bulk(2 * k, obj);
		return k;
	}
	for (i = n; i-- > 0;) {
		skb = obj[i];
		if (skb) {
			skb->next = head;
			head = skb;
			k++;
		}
	}
	if (head)
		skbf_consume_list(head);
	return k;
}

/*
 * Release an object anywhere: the releasing CPU, drains, KUnit.  A
 * calibrate object is its factory, read only here: it spins the release's
 * time on the real clock (the releasing thread runs the seam's itself).
 */
static void skbf_release_any(enum skbf_mode mode, void *obj)
{
	const struct skbf_factory *f = obj;

	switch (mode) {
	case SKBF_KMALLOC_FLOOR:
		skbf_floor_free(obj);
		break;
	case SKBF_EMPTY:
		break;
	case SKBF_CALIBRATE:
		skbf_spin(f->cal_ns[1]);
		break;
	default:
		consume_skb(obj);
		break;
	}
}

/*
 * Pools for page_pool skbs made outside a run (layout, KUnit), one per
 * page order, with no NAPI: their pages recycle through the pool's ring.
 */
static struct {
	struct mutex lock;	/* allocations from the pools */
	struct page_pool *pool[8];
} skbf_any_pool = {
	.lock = __MUTEX_INITIALIZER(skbf_any_pool.lock),
};

/* The allocation of a NAPI-side mode outside a poll: under BH, as in softirq. */
static struct sk_buff *skbf_raw_outside(struct skbf_factory *f)
{
	struct sk_buff *skb;

	if (f->mode == SKBF_PAGE_POOL) {
		mutex_lock(&skbf_any_pool.lock);
		if (f->order >= ARRAY_SIZE(skbf_any_pool.pool)) {
			skb = NULL;
			goto out;
		}
		f->pool = skbf_any_pool.pool[f->order];
		if (!f->pool) {
			f->pool = skbf_page_pool_create(NULL, NUMA_NO_NODE, f->order,
							SKBF_POOL_SIZE);
			if (IS_ERR(f->pool)) {
				f->pool = NULL;
				skb = NULL;
				goto out;
			}
			skbf_any_pool.pool[f->order] = f->pool;
		}
	}
	local_bh_disable();
	skb = skbf_raw(f, f->mode, 0);
	local_bh_enable();
out:
	if (f->mode == SKBF_PAGE_POOL)
		mutex_unlock(&skbf_any_pool.lock);
	return skb;
}

static void skbf_any_pool_destroy(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(skbf_any_pool.pool); i++)
		if (skbf_any_pool.pool[i])
			page_pool_destroy(skbf_any_pool.pool[i]);
}

/*
 * The allocation of one skb of @mode as a run makes it, outside a run: for
 * layout and KUnit.  skb_clone's is the clone of a parent made for it and
 * released at once: the clone keeps the data, and the fclone pair keeps
 * the parent's sk_buff until the clone goes.
 */
static struct sk_buff *skbf_raw_one(struct skbf_factory *f)
{
	struct sk_buff *skb, *parent;

	f->napi = &skbf.pcpu[raw_smp_processor_id()]->napi;
	switch (f->mode) {
	case SKBF_SKB_CLONE:
		parent = skbf_parent(f);
		if (!parent)
			return NULL;
		skb = skb_clone(parent, SKBF_GFP);
		consume_skb(parent);
		return skb;
	case SKBF_NETDEV_ALLOC_SKB:
	case SKBF_NAPI_ALLOC_SKB:
	case SKBF_BUILD_SKB:
	case SKBF_PAGE_POOL:
		return skbf_raw_outside(f);
	default:
		return skbf_raw(f, f->mode, 0);
	}
}

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * skbf_build() - build one ready skb the way a run does
 * @mode: an skb-making mode (not kmalloc_floor or empty)
 * @cfg: size, headroom and put
 *
 * Allocates with @mode's path, reserves the headroom and puts the payload.
 * Callable from process context; the NAPI-side paths run with BH disabled.
 *
 * Return: the skb, or NULL when the allocation failed or @mode makes none.
 */
VISIBLE_IF_KUNIT struct sk_buff *skbf_build(enum skbf_mode mode, const struct skbf_config *cfg)
{
	struct skbf_factory f;
	struct sk_buff *skb;

	if (mode >= SKBF_NR_MODES || !skbf_modes[mode].skb)
		return NULL;
	skbf_factory_init(&f, mode, cfg);
	skb = skbf_raw_one(&f);
	if (skb)
		skbf_ready(skb, &f, mode);
	if (skb)
		atomic64_inc(&skbf_stats.allocated);
	else
		atomic64_inc(&skbf_stats.alloc_failures);
	return skb;
}
EXPORT_SYMBOL_IF_KUNIT(skbf_build);

/**
 * skbf_release() - release an skb from skbf_build()
 * @mode: the mode that built it
 * @skb: the skb, or NULL
 */
VISIBLE_IF_KUNIT void skbf_release(enum skbf_mode mode, struct sk_buff *skb)
{
	if (!skb)
		return;
	skbf_release_any(mode, skb);
	atomic64_inc(&skbf_stats.freed);
}
EXPORT_SYMBOL_IF_KUNIT(skbf_release);

/**
 * skbf_floor_build() - one kmalloc_floor object, as a run makes it
 * @cfg: size, headroom and put
 *
 * Return: the object (its first member points at the data), or NULL.
 */
VISIBLE_IF_KUNIT void *skbf_floor_build(const struct skbf_config *cfg)
{
	struct skbf_factory f;

	if (skbf_floor_caches())
		return NULL;
	skbf_factory_init(&f, SKBF_KMALLOC_FLOOR, cfg);
	return skbf_floor_make(&f);
}
EXPORT_SYMBOL_IF_KUNIT(skbf_floor_build);

/**
 * skbf_floor_build_bulk() - kmalloc_floor objects as an alloc=bulk run makes them
 * @cfg: size, headroom and put
 * @obj: where they go, with room for 2 * @n pointers
 * @n: how many
 * @fail: the step that fails (skbf_bulk_fails()), or 0
 *
 * Return: @n, or 0 (then all 2 * @n of @obj are NULL).
 */
VISIBLE_IF_KUNIT u32 skbf_floor_build_bulk(const struct skbf_config *cfg, void **obj, u32 n,
					   u32 fail)
{
	struct skbf_factory f;

	if (skbf_floor_caches())
		return 0;
	skbf_factory_init(&f, SKBF_KMALLOC_FLOOR, cfg);
	f.bulk_fail = fail;
	return skbf_floor_make_bulk(&f, obj, n);
}
EXPORT_SYMBOL_IF_KUNIT(skbf_floor_build_bulk);

/**
 * skbf_floor_release() - release an object from skbf_floor_build()
 * @obj: the object
 */
VISIBLE_IF_KUNIT void skbf_floor_release(void *obj)
{
	skbf_floor_free(obj);
}
EXPORT_SYMBOL_IF_KUNIT(skbf_floor_release);
#endif

/**
 * skbf_outstanding() - skbs made by this module and not yet released
 *
 * Exact whenever no run is in progress.  During one the counts are
 * published a chunk at a time (the worker's at its chunk's end, outside
 * the timing), while a releasing thread (free_cpu=) counts each batch it
 * takes: it may count skbs the worker has not yet, and the difference
 * would read below 0 (-164 on a kernel without KASAN).
 *
 * Return: allocated minus freed, or 0 where that is below 0.
 */
VISIBLE_IF_KUNIT s64 skbf_outstanding(void)
{
	s64 freed = atomic64_read(&skbf_stats.freed);

	return max_t(s64, atomic64_read(&skbf_stats.allocated) - freed, 0);
}
EXPORT_SYMBOL_IF_KUNIT(skbf_outstanding);

/*
 * The object a head of @len data bytes takes when kmalloc_reserve()
 * allocates it: the small-head cache's where the kernel has one (6.3+) and
 * the head fits, else kmalloc's size class, which above
 * KMALLOC_MAX_CACHE_SIZE is whole pages of the next order (not
 * PAGE_ALIGN(): 64 KiB of data take 128 KiB).
 */
static u64 skbf_slab_head(u64 len)
{
	u64 obj = SKB_HEAD_ALIGN(len);

	return obj <= skbf.small_head ? skbf.small_head : kmalloc_size_roundup(obj);
}

/*
 * What a page fragment of @frag bytes costs where fragments are cut from
 * pages (page_pool's, or the fragment caches' order-0 fallback): the page
 * shared by those that fit in it whole.
 */
static u64 skbf_frag_cost(u64 frag)
{
	return frag < PAGE_SIZE ? PAGE_SIZE / (PAGE_SIZE / frag) : PAGE_SIZE << get_order(frag);
}

/*
 * The head of a receive skb, @len bytes with the pad the path adds: a page
 * fragment, or a slab object for the sizes the path gives the slab (small
 * ones since 6.3 for __netdev_alloc_skb(), large ones everywhere), or for
 * napi_alloc_skb() a 1 KiB fragment of its own up to 640 bytes: the most
 * of them, whichever the kernel takes.
 */
static u64 skbf_rx_head(u64 len, bool napi)
{
	u64 head = max(skbf_slab_head(len), skbf_frag_cost(SKB_HEAD_ALIGN(len)));

	if (napi && len <= SKB_WITH_OVERHEAD(SZ_1K))
		head = max_t(u64, head, SZ_1K);
	return head;
}

/**
 * skbf_footprint() - bytes one CPU of a run holds at most
 * @cfg: size, batch and free_cpu
 * @mode: the mode
 *
 * What a batch holds (the sk_buff, the head as the allocator hands it out,
 * page fragments), plus the rings of skbs in flight to the releasing CPUs,
 * plus skb_clone's parents and page_pool's own pages.  A bound from the
 * allocators' size rules on 6.1 and 6.12, for the memory bound, not a
 * measurement: where the kernels differ, the larger.
 *
 * Return: the bytes.
 */
VISIBLE_IF_KUNIT u64 skbf_footprint(const struct skbf_config *cfg, enum skbf_mode mode)
{
	u64 skb = SKB_DATA_ALIGN(sizeof(struct sk_buff));
	u64 fclone = SKB_DATA_ALIGN(sizeof(struct sk_buff_fclones));
	u64 head = skbf_slab_head(cfg->size);
	u64 frag = skbf_frag_cost(SKB_HEAD_ALIGN(cfg->size));
	/* A ring to each releasing CPU, and an object waiting for room. */
	u64 slots = cfg->batch + (cfg->nr_free ? cfg->nr_free * SKBF_RING + 1 : 0);
	u64 one;

	switch (mode) {
	case SKBF_ALLOC_SKB:
	case SKBF_KMALLOC_FLOOR:
		one = skb + head;
		break;
	case SKBF_ALLOC_SKB_FCLONE:
		one = fclone + head;
		break;
	case SKBF_ALLOC_SKB_WITH_FRAGS:
		one = skb + skbf_slab_head(cfg->headroom + cfg->put) +
		      PAGE_ALIGN(cfg->size - cfg->headroom - cfg->put);
		break;
	case SKBF_SKB_CLONE:
		/*
		 * The parents, a pair each; a clone takes its parent's
		 * companion, or, when that is still out, an sk_buff.
		 */
		return cfg->batch * (fclone + head) + slots * skb;
	case SKBF_NETDEV_ALLOC_SKB:
		one = skb + skbf_rx_head((u64)cfg->size + NET_SKB_PAD, false);
		break;
	case SKBF_NAPI_ALLOC_SKB:
		one = skb + skbf_rx_head((u64)cfg->size + NET_SKB_PAD + NET_IP_ALIGN, true);
		break;
	case SKBF_EMPTY:
	case SKBF_CALIBRATE:
		return 0;
	case SKBF_PAGE_POOL:
		/* The pool keeps pages in its cache and ring besides. */
		return slots * (skb + frag) +
		       (SKBF_POOL_SIZE + SKBF_POOL_CACHE) * (PAGE_SIZE << get_order(frag));
	default:
		one = skb + frag;
		break;
	}
	return slots * one;
}
EXPORT_SYMBOL_IF_KUNIT(skbf_footprint);
