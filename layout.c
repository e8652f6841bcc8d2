// SPDX-License-Identifier: GPL-2.0
/*
 * Layout: one real skb of a mode, step by step.
 * Part of skbfactory.c, which includes it: one object, one module.
 */

/* ---- Layout: one real skb of a mode, step by step ---- */

/* The fields a layout step shows, as numbers, in the order it prints them. */
enum skbf_lfield {
	SKBF_L_DATA, SKBF_L_TAIL, SKBF_L_END, SKBF_L_LEN, SKBF_L_DATA_LEN, SKBF_L_HEADROOM,
	SKBF_L_TAILROOM, SKBF_L_NR_FRAGS, SKBF_L_USERS, SKBF_L_DATAREF, SKBF_L_CLONED,
	SKBF_L_HEAD_FRAG, SKBF_L_TRUESIZE, SKBF_L_NR,
};

static const char *const skbf_lnames[SKBF_L_NR] = {
	"data", "tail", "end", "len", "data_len", "headroom", "tailroom", "nr_frags",
	"users", "dataref", "cloned", "head_frag", "truesize",
};

struct skbf_snap {
	long v[SKBF_L_NR];
	const void *head;	/* compared across steps, never printed */
};

static void skbf_snap(const struct sk_buff *skb, struct skbf_snap *p)
{
	p->head = skb->head;
	p->v[SKBF_L_DATA] = skb->data - skb->head;
	p->v[SKBF_L_TAIL] = skb_tail_pointer(skb) - skb->head;
	p->v[SKBF_L_END] = skb_end_offset(skb);
	p->v[SKBF_L_LEN] = skb->len;
	p->v[SKBF_L_DATA_LEN] = skb->data_len;
	p->v[SKBF_L_HEADROOM] = skb_headroom(skb);
	p->v[SKBF_L_TAILROOM] = skb_tailroom(skb);
	p->v[SKBF_L_NR_FRAGS] = skb_shinfo(skb)->nr_frags;
	p->v[SKBF_L_USERS] = refcount_read(&skb->users);
	p->v[SKBF_L_DATAREF] = atomic_read(&skb_shinfo(skb)->dataref) & SKB_DATAREF_MASK;
	p->v[SKBF_L_CLONED] = skb->cloned;
	p->v[SKBF_L_HEAD_FRAG] = skb->head_frag;
	p->v[SKBF_L_TRUESIZE] = skb->truesize;
}

/* A step that shows every field: an skb's first line. */
static void skbf_lfull(struct seq_buf *s, const char *step, const struct sk_buff *skb,
		       struct skbf_snap *p)
{
	int i;

	skbf_snap(skb, p);
	skbf_puts(s, step);
	for (i = 0; i < SKBF_L_NR; i++)
		seq_buf_printf(s, "  %s: %ld", skbf_lnames[i], p->v[i]);
	skbf_puts(s, "\n");
}

/* A later step: only what changed, "name: old -> new". */
static void skbf_lstep(struct seq_buf *s, const char *step, const struct sk_buff *skb,
		       struct skbf_snap *p)
{
	struct skbf_snap now;
	bool changed = false;
	int i;

	skbf_snap(skb, &now);
	skbf_puts(s, step);
	if (now.head != p->head) {
		skbf_puts(s, "  head: reallocated");
		changed = true;
	}
	for (i = 0; i < SKBF_L_NR; i++) {
		if (now.v[i] == p->v[i])
			continue;
		seq_buf_printf(s, "  %s: %ld -> %ld", skbf_lnames[i], p->v[i], now.v[i]);
		changed = true;
	}
	skbf_puts(s, changed ? "\n" : "  changed: nothing\n");
	*p = now;
}

static void skbf_lstepf(struct seq_buf *s, const struct sk_buff *skb, struct skbf_snap *p,
			const char *fmt, unsigned int arg)
{
	char step[48];

	snprintf(step, sizeof(step), fmt, arg);
	skbf_lstep(s, step, skb, p);
}

/* Which allocator served a head: a slab cache, a page fragment, pages. */
static void skbf_head_source(const struct sk_buff *skb, enum skbf_mode mode, char *buf,
			     size_t len)
{
	unsigned int object = skb_end_offset(skb) + SKB_DATA_ALIGN(sizeof(struct skb_shared_info));

	if (skb->head_frag)
		snprintf(buf, len, "%s (%u bytes)",
			 mode == SKBF_PAGE_POOL ? "page_pool page" :
			 object > PAGE_SIZE ? "compound page" : "page fragment", object);
	else if (skbf.small_head && object == skbf.small_head)
		snprintf(buf, len, "skbuff_small_head (%u bytes)", object);
	else if (object <= KMALLOC_MAX_CACHE_SIZE && kmalloc_size_roundup(object) == object)
		snprintf(buf, len,
			 object % 1024 ? "kmalloc-%u (%u bytes)" : "kmalloc-%uk (%u bytes)",
			 object % 1024 ? object : object / 1024, object);
	else
		snprintf(buf, len, "the page allocator, order %u (%u bytes)", get_order(object),
			 object);
}

/* Where the buffer came from, and truesize as its parts. */
static void skbf_lparts(struct seq_buf *s, const struct sk_buff *skb, enum skbf_mode mode)
{
	unsigned int shinfo = SKB_DATA_ALIGN(sizeof(struct skb_shared_info));
	unsigned int sk = SKB_DATA_ALIGN(sizeof(struct sk_buff));
	unsigned int head = skb_end_offset(skb) + shinfo;
	long rest = (long)skb->truesize - sk - head;
	char src[64];
	int i;

	skbf_head_source(skb, mode, src, sizeof(src));
	if (skb->fclone == SKB_FCLONE_UNAVAILABLE)
		seq_buf_printf(s, "  sk_buff: skbuff_head_cache (%zu bytes)",
			       sizeof(struct sk_buff));
	else
		seq_buf_printf(s,
			       "  sk_buff: skbuff_fclone_cache (%zu bytes: the skb, its companion)",
			       sizeof(struct sk_buff_fclones));
	seq_buf_printf(s, "  head: %s  skb_shared_info: at end, %u bytes", src, shinfo);
	if (skb->fclone != SKB_FCLONE_UNAVAILABLE)
		seq_buf_printf(s, "  fclone: %s",
			       skb->fclone == SKB_FCLONE_ORIG ? "orig" : "clone");
	if (skb_shinfo(skb)->nr_frags) {
		seq_buf_printf(s, "  frags: %u (", skb_shinfo(skb)->nr_frags);
		for (i = 0; i < skb_shinfo(skb)->nr_frags; i++)
			seq_buf_printf(s, "%s%u", i ? ", " : "",
				       skb_frag_size(&skb_shinfo(skb)->frags[i]));
		skbf_puts(s, " bytes)");
	}
	seq_buf_printf(s, "\n  truesize: %u = sk_buff %u + head %u", skb->truesize, sk, head);
	if (rest > 0)
		seq_buf_printf(s, " + paged %ld", rest);
	else if (rest < 0)
		seq_buf_printf(s, " - %ld the path does not account", -rest);
	skbf_puts(s, "\n");
}

static void skbf_lbar(struct seq_buf *s, char fill, unsigned int bytes, unsigned int total)
{
	unsigned int n = DIV_ROUND_CLOSEST(bytes * SKBF_DIAGRAM, total);

	if (bytes && !n)
		n = 1;
	while (n--)
		skbf_putc(s, fill);
	skbf_putc(s, '|');
}

/* The state after skb_put, to scale: | headroom | data | tailroom | shinfo | frags */
static void skbf_ldiagram(struct seq_buf *s, const struct sk_buff *skb)
{
	unsigned int shinfo = SKB_DATA_ALIGN(sizeof(struct skb_shared_info));
	unsigned int head = skb_headroom(skb), data = skb_headlen(skb);
	unsigned int tail = skb_end_offset(skb) - (skb_tail_pointer(skb) - skb->head);
	unsigned int total = head + data + tail + shinfo + skb->data_len;
	int i;

	seq_buf_printf(s, "to scale (%u bytes, 1 column ~ %u bytes):\n|", total,
		       DIV_ROUND_UP(total, SKBF_DIAGRAM));
	skbf_lbar(s, 'h', head, total);
	skbf_lbar(s, 'd', data, total);
	skbf_lbar(s, '.', tail, total);
	skbf_lbar(s, 's', shinfo, total);
	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++) {
		skbf_puts(s, " |");
		skbf_lbar(s, '=', skb_frag_size(&skb_shinfo(skb)->frags[i]), total);
	}
	seq_buf_printf(s, "\n h headroom %u, d data %u, . tailroom %u, s skb_shared_info %u",
		       head, data, tail, shinfo);
	if (skb_shinfo(skb)->nr_frags)
		seq_buf_printf(s, ", = page fragments %u", skb->data_len);
	skbf_puts(s, "\n");
}

static void skbf_lalloc_name(const struct skbf_factory *f, char *buf, size_t len)
{
	switch (f->mode) {
	case SKBF_ALLOC_SKB:
		snprintf(buf, len, "alloc_skb(%u)", f->size);
		break;
	case SKBF_ALLOC_SKB_FCLONE:
	case SKBF_SKB_CLONE:
		snprintf(buf, len, "alloc_skb_fclone(%u)", f->size);
		break;
	case SKBF_ALLOC_SKB_WITH_FRAGS:
		snprintf(buf, len, "alloc_skb_with_frags(%u, %u)", f->linear, f->paged);
		break;
	case SKBF_NETDEV_ALLOC_SKB:
		snprintf(buf, len, "__netdev_alloc_skb(%u)", f->size);
		break;
	case SKBF_NAPI_ALLOC_SKB:
		snprintf(buf, len, "napi_alloc_skb(%u)", f->size);
		break;
	case SKBF_BUILD_SKB:
		snprintf(buf, len, f->order ? "napi_build_skb(alloc_pages(order %u))" :
			 "napi_build_skb(napi_alloc_frag(%u))", f->order ?: f->buf);
		break;
	default:
		snprintf(buf, len, f->order ? "napi_build_skb(page_pool_alloc_pages(order %u))" :
			 "napi_build_skb(page_pool_alloc_frag(%u))", f->order ?: f->buf);
		break;
	}
}

/* Count and release a layout skb; @last: its last user goes. */
static void skbf_lconsume(struct seq_buf *s, const char *step, struct sk_buff *skb,
			  struct skbf_snap *p)
{
	bool last = refcount_read(&skb->users) == 1;

	consume_skb(skb);
	if (!last) {
		skbf_lstep(s, step, skb, p);
		return;
	}
	atomic64_inc(&skbf_stats.freed);
	seq_buf_printf(s, "%s  users: 1 -> 0  freed: yes\n", step);
}

/* The steps every mode's skb goes through once it holds its payload. */
static void skbf_lsteps(struct seq_buf *s, struct sk_buff *skb, struct skbf_snap *p,
			enum skbf_mode mode)
{
	unsigned int want;
	int err;

	if (skb_headroom(skb) >= SKBF_ETH_HLEN) {
		skb_push(skb, SKBF_ETH_HLEN);
		skbf_lstepf(s, skb, p, "skb_push(%u)", SKBF_ETH_HLEN);
		skb_pull(skb, SKBF_ETH_HLEN);
		skbf_lstepf(s, skb, p, "skb_pull(%u)", SKBF_ETH_HLEN);
	} else {
		seq_buf_printf(s, "skb_push(%u)  skipped: headroom %u < %u would panic\n",
			       SKBF_ETH_HLEN, skb_headroom(skb), SKBF_ETH_HLEN);
	}
	if (skb_is_nonlinear(skb)) {
		err = pskb_trim(skb, skb->len / 2);
		skbf_lstepf(s, skb, p, err ? "pskb_trim(%u) failed" : "pskb_trim(%u)", skb->len);
	} else {
		skb_trim(skb, skb->len / 2);
		skbf_lstepf(s, skb, p, "skb_trim(%u)", skb->len);
	}
	/* More headroom than there is: pskb_expand_head() makes a new head. */
	want = skb_headroom(skb) + 64;
	err = skb_cow_head(skb, want);
	skbf_lstepf(s, skb, p, err ? "skb_cow_head(%u) failed" : "skb_cow_head(%u)", want);
	if (!err)
		skbf_lparts(s, skb, mode);
	skb_get(skb);
	skbf_lstep(s, "skb_get", skb, p);
	skbf_lconsume(s, "consume_skb", skb, p);
	skbf_lconsume(s, "consume_skb", skb, p);
}

static int skbf_layout_mode(struct seq_buf *s, const struct skbf_config *cfg, enum skbf_mode mode)
{
	struct sk_buff *skb, *orig = NULL;
	struct skbf_snap p, po;
	struct skbf_factory f;
	char step[64];

	skbf_factory_init(&f, mode, cfg);
	seq_buf_printf(s, "# layout: mode=%s size=%u headroom=%u put=%u\n", skbf_mode_name(mode),
		       cfg->size, cfg->headroom, cfg->put);
	if (!skbf_modes[mode].skb) {
		if (mode == SKBF_KMALLOC_FLOOR)
			seq_buf_printf(s,
				       "# no sk_buff: an object of %zu bytes (struct sk_buff's size) and a %s data buffer of %u bytes, the size class alloc_skb(%u) takes its head from\n",
				       sizeof(struct sk_buff),
				       f.floor_small ? "skbuff_small_head-sized" : "kmalloc", f.buf,
				       cfg->size);
		else if (mode == SKBF_CALIBRATE)
			seq_buf_printf(s,
				       "# nothing: an op spins %u ns allocating and %u ns releasing, to check the figures against\n",
				       cfg->cal_alloc_ns, cfg->cal_free_ns);
		else
			skbf_puts(s, "# nothing: the measuring loop's own cost\n");
		return 0;
	}
	skb = mode == SKBF_SKB_CLONE ? alloc_skb_fclone(cfg->size, SKBF_GFP) : skbf_raw_one(&f);
	if (!skb) {
		atomic64_inc(&skbf_stats.alloc_failures);
		return -ENOMEM;
	}
	atomic64_inc(&skbf_stats.allocated);
	skbf_lalloc_name(&f, step, sizeof(step));
	skbf_lfull(s, step, skb, &p);
	skbf_lparts(s, skb, mode);
	skb_reserve(skb, cfg->headroom);
	skbf_lstepf(s, skb, &p, "skb_reserve(%u)", cfg->headroom);
	memset(skb_put(skb, cfg->put), SKBF_FILL, cfg->put);
	skbf_lstepf(s, skb, &p, "skb_put(%u)", cfg->put);
	if (mode == SKBF_ALLOC_SKB_WITH_FRAGS) {
		skb->data_len = f.paged;
		skb->len += f.paged;
		skbf_lstepf(s, skb, &p, "the paged part: len += data_len = %u", f.paged);
	}
	skbf_ldiagram(s, skb);
	if (mode == SKBF_SKB_CLONE) {
		orig = skb;
		po = p;
		skb = skb_clone(orig, SKBF_GFP);
		if (!skb) {
			consume_skb(orig);
			atomic64_inc(&skbf_stats.freed);
			atomic64_inc(&skbf_stats.alloc_failures);
			return -ENOMEM;
		}
		atomic64_inc(&skbf_stats.allocated);
		skbf_lstep(s, "skb_clone: the original", orig, &po);
		skbf_lfull(s, "skb_clone: the clone", skb, &p);
		seq_buf_printf(s, "  shares_head: %s  fclone: clone (the original's companion)\n",
			       skb->head == orig->head ? "yes" : "no");
	}
	skbf_lsteps(s, skb, &p, mode);
	if (orig)
		skbf_lconsume(s, "consume_skb: the original", orig, &po);
	return 0;
}

/**
 * skbf_layout_show() - walk real skbs of the configured mode and print each step
 * @s: where to print
 * @cfg: the mode (all: each in turn), size, headroom and put
 *
 * The allocation as the mode makes it, with every field, where the head
 * came from and truesize as its parts; then skb_reserve, skb_put, a
 * to-scale drawing, skb_push and skb_pull of an Ethernet header, a trim,
 * skb_cow_head to more headroom than there is (a new head), skb_get and
 * consume_skb twice, each step with only the fields it changed.  skb_clone
 * clones a ready fclone skb and walks the clone.  Lines are a step name
 * and "name: value" pairs, two spaces apart.
 *
 * Return: 0, or -ENOMEM when an allocation failed.
 */
VISIBLE_IF_KUNIT int skbf_layout_show(struct seq_buf *s, const struct skbf_config *cfg)
{
	enum skbf_mode mode = cfg->mode == SKBF_ALL ? 0 : cfg->mode;
	enum skbf_mode last = cfg->mode == SKBF_ALL ? SKBF_NR_ALL - 1 : cfg->mode;
	int err = 0;

	skbf_puts(s,
		  "# skbfactory layout: offsets are bytes from skb->head; a step lists what it changed\n");
	for (; mode <= last && !err; mode++) {
		if (mode != 0 && cfg->mode == SKBF_ALL)
			skbf_puts(s, "\n");
		err = skbf_layout_mode(s, cfg, mode);
	}
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(skbf_layout_show);
