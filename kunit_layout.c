// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: layout's figures, exactly, for every mode at a few sizes.
 * Included from skbfactory_kunit.c, whose helpers it uses.
 *
 * What each skb must look like is worked out here from the kernel's own
 * rules (net/core/skbuff.c of 6.10 to 6.12): SKB_DATA_ALIGN and
 * SKB_HEAD_ALIGN, the small-head cache's size, the kmalloc size classes,
 * sizeof(struct skb_shared_info), NET_SKB_PAD and NET_IP_ALIGN on the
 * receive paths, alloc_skb_with_frags()' choice of page orders.  Nothing
 * comes from skbfactory's own layout code: its text is parsed and each
 * line compared whole.
 */

#include <net/gro.h>
#include <net/tcp.h>

/* The kernels whose rules these are: 6.10 (napi_alloc_skb() without gfp) on. */
#ifdef SKBF_HAVE_NAPI_ALLOC_SKB_NOGFP
#define SKBF_KLAY_RULES		true
#else
#define SKBF_KLAY_RULES		false
#endif

/* The headroom and put every size is walked with: an Ethernet header's. */
#define SKBF_KLAY_HEADROOM	14
#define SKBF_KLAY_PUT		100

/* skbuff.c's NAPI_HAS_SMALL_PAGE_FRAG: small NAPI heads are 1 KiB slices of a page. */
#if PAGE_SIZE == SZ_4K
#define SKBF_KLAY_SMALL_FRAG	true
#else
#define SKBF_KLAY_SMALL_FRAG	false
#endif

static const unsigned int skbf_klay_sizes[] = { 64, 1500, 4096, 9000 };

/* A mode that makes an skb, and a size. */
struct skbf_klay_param {
	enum skbf_mode mode;
	unsigned int size;
};

static struct skbf_klay_param skbf_klay_params[(SKBF_KMALLOC_FLOOR) * ARRAY_SIZE(skbf_klay_sizes)];

static const void *skbf_klay_gen(const void *prev, char *desc)
{
	const struct skbf_klay_param *p = prev;
	size_t i = p ? p - skbf_klay_params + 1 : 0;

	if (i >= ARRAY_SIZE(skbf_klay_params))
		return NULL;
	skbf_klay_params[i].mode = i / ARRAY_SIZE(skbf_klay_sizes);
	skbf_klay_params[i].size = skbf_klay_sizes[i % ARRAY_SIZE(skbf_klay_sizes)];
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s size=%u",
		 skbf_kunit_mode_names[skbf_klay_params[i].mode], skbf_klay_params[i].size);
	return &skbf_klay_params[i];
}

/* What one skb must be right after its allocation. */
struct skbf_klay {
	char name[64];		/* the step: the call that made it */
	char src[64];		/* where its head came from */
	unsigned int data;	/* data and tail, from head */
	unsigned int head;	/* the head buffer: end + skb_shared_info */
	unsigned int end;
	unsigned int paged;	/* truesize of its page fragments */
	unsigned int nr_frags;
	unsigned int frag[MAX_SKB_FRAGS];
	bool head_frag;
	bool fclone;
};

/* skb_shared_info as it sits at the end of every head. */
static unsigned int skbf_klay_shinfo(void)
{
	return SKB_DATA_ALIGN(sizeof(struct skb_shared_info));
}

/* skbuff.c's SKB_SMALL_HEAD_CACHE_SIZE: not a power of two, on purpose. */
static unsigned int skbf_klay_small_head(void)
{
	unsigned int size = SKB_HEAD_ALIGN(max_t(unsigned int, MAX_TCP_HEADER,
						 GRO_MAX_HEAD + NET_SKB_PAD + NET_IP_ALIGN));

	return is_power_of_2(size) ? size + L1_CACHE_BYTES : size;
}

/* The kmalloc size class of @size: SLUB's caches on x86, then pages. */
static unsigned int skbf_klay_class(unsigned int size)
{
	static const unsigned int classes[] = {
		8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(classes); i++)
		if (size <= classes[i] && classes[i] <= KMALLOC_MAX_CACHE_SIZE)
			return classes[i];
	return PAGE_SIZE << get_order(size);
}

/* kmalloc_reserve(): the head __alloc_skb(@len) gets, and from where. */
static void skbf_klay_kmalloc(struct skbf_klay *e, unsigned int len)
{
	unsigned int obj = SKB_HEAD_ALIGN(len), small = skbf_klay_small_head();

	if (obj <= small) {
		e->head = small;
		snprintf(e->src, sizeof(e->src), "skbuff_small_head (%u bytes)", small);
		return;
	}
	e->head = skbf_klay_class(obj);
	if (e->head > KMALLOC_MAX_CACHE_SIZE)
		snprintf(e->src, sizeof(e->src), "the page allocator, order %u (%u bytes)",
			 get_order(e->head), e->head);
	else if (e->head % 1024)
		snprintf(e->src, sizeof(e->src), "kmalloc-%u (%u bytes)", e->head, e->head);
	else
		snprintf(e->src, sizeof(e->src), "kmalloc-%uk (%u bytes)", e->head / 1024, e->head);
}

/* A head carved from a page fragment of @len bytes. */
static void skbf_klay_frag(struct skbf_klay *e, unsigned int len, const char *what)
{
	e->head = len;
	e->head_frag = true;
	snprintf(e->src, sizeof(e->src), "%s (%u bytes)", what, len);
}

/*
 * alloc_skb_with_frags(): pages of at most order 3 (PAGE_ALLOC_COSTLY_ORDER),
 * each of the least order that holds what is left, up to that.
 */
static void skbf_klay_pages(struct skbf_klay *e, unsigned int len)
{
	unsigned int order = PAGE_ALLOC_COSTLY_ORDER;

	while (len) {
		while (order && PAGE_ALIGN(len) < (PAGE_SIZE << order))
			order--;
		e->frag[e->nr_frags] = min_t(unsigned int, len, PAGE_SIZE << order);
		len -= e->frag[e->nr_frags++];
		e->paged += PAGE_SIZE << order;
	}
}

/* What @mode makes of size=@size headroom=14 put=@put, by the kernel's rules. */
static void skbf_klay_expect(struct skbf_klay *e, enum skbf_mode mode, unsigned int size,
			     unsigned int put)
{
	unsigned int buf = SKB_HEAD_ALIGN(size), len, linear = SKBF_KLAY_HEADROOM + put;
	bool pages = buf > PAGE_SIZE;
	const char *pool = mode == SKBF_PAGE_POOL ? "page_pool" : NULL;

	memset(e, 0, sizeof(*e));
	switch (mode) {
	case SKBF_ALLOC_SKB:
		snprintf(e->name, sizeof(e->name), "alloc_skb(%u)", size);
		skbf_klay_kmalloc(e, size);
		break;
	case SKBF_ALLOC_SKB_FCLONE:
	case SKBF_SKB_CLONE:
		snprintf(e->name, sizeof(e->name), "alloc_skb_fclone(%u)", size);
		skbf_klay_kmalloc(e, size);
		e->fclone = true;
		break;
	case SKBF_ALLOC_SKB_WITH_FRAGS:
		snprintf(e->name, sizeof(e->name), "alloc_skb_with_frags(%u, %u)", linear,
			 size - linear);
		skbf_klay_kmalloc(e, linear);
		skbf_klay_pages(e, size - linear);
		break;
	case SKBF_NETDEV_ALLOC_SKB:
		/* Small and large heads from kmalloc, the rest from a page. */
		snprintf(e->name, sizeof(e->name), "__netdev_alloc_skb(%u)", size);
		len = size + NET_SKB_PAD;
		if (len <= SKB_WITH_OVERHEAD(skbf_klay_small_head()) ||
		    len > SKB_WITH_OVERHEAD(PAGE_SIZE))
			skbf_klay_kmalloc(e, len);
		else
			skbf_klay_frag(e, SKB_HEAD_ALIGN(len), "page fragment");
		e->data = NET_SKB_PAD;
		break;
	case SKBF_NAPI_ALLOC_SKB:
		/* With 4 KiB pages, small heads are 1 KiB slices of a page. */
		snprintf(e->name, sizeof(e->name), "napi_alloc_skb(%u)", size);
		len = size + NET_SKB_PAD + NET_IP_ALIGN;
		if (len > SKB_WITH_OVERHEAD(PAGE_SIZE) ||
		    (!SKBF_KLAY_SMALL_FRAG && len <= SKB_WITH_OVERHEAD(skbf_klay_small_head())))
			skbf_klay_kmalloc(e, len);
		else if (SKBF_KLAY_SMALL_FRAG && len <= SKB_WITH_OVERHEAD(SZ_1K))
			skbf_klay_frag(e, SZ_1K, "page fragment");
		else
			skbf_klay_frag(e, SKB_HEAD_ALIGN(len), "page fragment");
		e->data = NET_SKB_PAD + NET_IP_ALIGN;
		break;
	case SKBF_BUILD_SKB:
	case SKBF_PAGE_POOL:
		/* A fragment up to a page, whole pages of the order above. */
		if (pages)
			snprintf(e->name, sizeof(e->name), "napi_build_skb(%s(order %u))",
				 pool ? "page_pool_alloc_pages" : "alloc_pages", get_order(buf));
		else
			snprintf(e->name, sizeof(e->name), "napi_build_skb(%s(%u))",
				 pool ? "page_pool_alloc_frag" : "napi_alloc_frag", buf);
		skbf_klay_frag(e, pages ? PAGE_SIZE << get_order(buf) : buf,
			       pool ?: pages ? "compound page" : "page fragment");
		if (pool)
			snprintf(e->src, sizeof(e->src), "page_pool page (%u bytes)", e->head);
		break;
	default:
		break;
	}
	e->end = e->head - skbf_klay_shinfo();
}

/* The lines layout must print for @e, from the allocation to skb_put, in order. */
static int skbf_klay_lines(struct seq_buf *w, const struct skbf_klay *e, unsigned int put)
{
	unsigned int sk = SKB_DATA_ALIGN(sizeof(struct sk_buff)), h = SKBF_KLAY_HEADROOM;
	unsigned int truesize = sk + e->head + e->paged, d = e->data, i;

	seq_buf_printf(w,
		       "%s  data: %u  tail: %u  end: %u  len: 0  data_len: 0  headroom: %u  tailroom: %u  nr_frags: %u  users: 1  dataref: 1  cloned: 0  head_frag: %u  truesize: %u\n",
		       e->name, d, d, e->end, d, e->end - d, e->nr_frags, e->head_frag, truesize);
	if (e->fclone)
		seq_buf_printf(w,
			       "  sk_buff: skbuff_fclone_cache (%zu bytes: the skb, its companion)",
			       sizeof(struct sk_buff_fclones));
	else
		seq_buf_printf(w, "  sk_buff: skbuff_head_cache (%zu bytes)",
			       sizeof(struct sk_buff));
	seq_buf_printf(w, "  head: %s  skb_shared_info: at end, %u bytes", e->src,
		       skbf_klay_shinfo());
	if (e->fclone)
		seq_buf_puts(w, "  fclone: orig");
	if (e->nr_frags) {
		seq_buf_printf(w, "  frags: %u (", e->nr_frags);
		for (i = 0; i < e->nr_frags; i++)
			seq_buf_printf(w, "%s%u", i ? ", " : "", e->frag[i]);
		seq_buf_puts(w, " bytes)");
	}
	seq_buf_printf(w, "\n  truesize: %u = sk_buff %u + head %u", truesize, sk, e->head);
	if (e->paged)
		seq_buf_printf(w, " + paged %u", e->paged);
	seq_buf_printf(w,
		       "\nskb_reserve(%u)  data: %u -> %u  tail: %u -> %u  headroom: %u -> %u  tailroom: %u -> %u\n",
		       h, d, d + h, d, d + h, d, d + h, e->end - d, e->end - d - h);
	seq_buf_printf(w, "skb_put(%u)  tail: %u -> %u  len: 0 -> %u  tailroom: %u -> %u\n", put,
		       d + h, d + h + put, put, e->end - d - h, e->end - d - h - put);
	return seq_buf_has_overflowed(w) ? -E2BIG : 0;
}

/* The lines of @text starting with @prefix, from @from on: the @n-th (from 0), or NULL. */
static const char *skbf_klay_nth(struct kunit *test, const char *text, const char *prefix,
				 unsigned int n)
{
	const char *p;

	for (p = text; (p = skbf_kunit_line(p, prefix)); p = strchrnul(p, '\n'))
		if (!n--)
			return skbf_kunit_copy_line(test, p);
	return NULL;
}

/* Each truesize line's parts add up to its total. */
static void skbf_klay_expect_parts(struct kunit *test, const char *text)
{
	unsigned int total, sk, head, paged, n = 0;
	const char *line;
	int got;

	while ((line = skbf_klay_nth(test, text, "  truesize: ", n++))) {
		paged = 0;
		got = sscanf(line, "  truesize: %u = sk_buff %u + head %u + paged %u", &total, &sk,
			     &head, &paged);
		KUNIT_ASSERT_GE_MSG(test, got, 3, "%s", line);
		KUNIT_EXPECT_EQ_MSG(test, sk + head + paged, total, "%s", line);
	}
	KUNIT_EXPECT_GE(test, n, 3);
}

/*
 * Every skb mode at 64, 1500, 4096 and 9000 bytes: its first line, where
 * its head came from, truesize as its parts, skb_reserve and skb_put, each
 * line whole; the fclone roles in order; truesize's parts add up.
 */
static void layout_exact_test(struct kunit *test)
{
	const struct skbf_klay_param *p = test->param_value;
	struct skbf_kunit *ctx = test->priv;
	unsigned int put = min_t(unsigned int, SKBF_KLAY_PUT, p->size - SKBF_KLAY_HEADROOM);
	const char *text, *at, *line, *want;
	struct skbf_klay e;
	char config[96], paged_line[192];

	if (!SKBF_KLAY_RULES)
		kunit_skip(test, "the rules here are 6.10's to 6.12's");
	snprintf(config, sizeof(config), "mode=%s size=%u headroom=%u put=%u",
		 skbf_kunit_mode_names[p->mode], p->size, SKBF_KLAY_HEADROOM, put);
	skbf_kunit_set(test, config);
	KUNIT_ASSERT_EQ(test, skbf_layout_show(&ctx->s, &ctx->cfg), 0);
	text = skbf_kunit_str(test, &ctx->s);
	skbf_klay_expect(&e, p->mode, p->size, put);
	KUNIT_ASSERT_EQ(test, skbf_klay_lines(&ctx->w, &e, put), 0);
	want = skbf_kunit_str(test, &ctx->w);
	/* The lines after "# layout: ...", each whole, in order. */
	at = skbf_kunit_line(text, "# layout: mode=");
	KUNIT_ASSERT_NOT_NULL_MSG(test, at, "%s", text);
	at = strchr(at, '\n') + 1;
	KUNIT_EXPECT_TRUE_MSG(test, !strncmp(at, want, strlen(want)),
			      "want:\n%sgot:\n%.*s", want, (int)strlen(want), at);
	if (p->mode == SKBF_ALLOC_SKB_WITH_FRAGS) {
		unsigned int paged = p->size - SKBF_KLAY_HEADROOM - put, tailroom;

		tailroom = e.end - SKBF_KLAY_HEADROOM - put;
		if (paged)
			snprintf(paged_line, sizeof(paged_line),
				 "the paged part: len += data_len = %u  len: %u -> %u  data_len: 0 -> %u  tailroom: %u -> 0",
				 paged, put, put + paged, paged, tailroom);
		else
			snprintf(paged_line, sizeof(paged_line),
				 "the paged part: len += data_len = 0  changed: nothing");
		line = skbf_klay_nth(test, text, "the paged part: ", 0);
		KUNIT_EXPECT_STREQ(test, line ?: "(none)", paged_line);
	}
	/* fclone: the original's companion first, then the clone's role. */
	if (e.fclone) {
		line = skbf_klay_nth(test, text, "  sk_buff: ", 1);
		KUNIT_ASSERT_NOT_NULL_MSG(test, line, "%s", text);
		KUNIT_EXPECT_TRUE_MSG(test,
				      str_has_prefix(line, "  sk_buff: skbuff_fclone_cache ("),
				      "%s", line);
		want = p->mode == SKBF_SKB_CLONE ? "  fclone: clone" : "  fclone: orig";
		KUNIT_EXPECT_STREQ(test, line + strlen(line) - strlen(want), want);
	}
	if (p->mode == SKBF_SKB_CLONE) {
		unsigned int h = SKBF_KLAY_HEADROOM;
		unsigned int t = SKB_DATA_ALIGN(sizeof(struct sk_buff)) + e.head;
		char clone[320];

		line = skbf_klay_nth(test, text, "skb_clone: the original", 0);
		KUNIT_EXPECT_STREQ(test, line ?: "(none)",
				   "skb_clone: the original  dataref: 1 -> 2  cloned: 0 -> 1");
		snprintf(clone, sizeof(clone),
			 "skb_clone: the clone  data: %u  tail: %u  end: %u  len: %u  data_len: 0  headroom: %u  tailroom: %u  nr_frags: 0  users: 1  dataref: 2  cloned: 1  head_frag: 0  truesize: %u",
			 h, h + put, e.end, put, h, e.end - h - put, t);
		line = skbf_klay_nth(test, text, "skb_clone: the clone", 0);
		KUNIT_EXPECT_STREQ(test, line ?: "(none)", clone);
		line = skbf_klay_nth(test, text, "  shares_head: ", 0);
		KUNIT_EXPECT_STREQ(test, line ?: "(none)",
				   "  shares_head: yes  fclone: clone (the original's companion)");
	}
	skbf_klay_expect_parts(test, text);
}

static struct kunit_case skbf_layout_cases[] = {
	KUNIT_CASE_PARAM(layout_exact_test, skbf_klay_gen),
	{}
};

static struct kunit_suite skbf_layout_suite = {
	.name = "skbfactory_layout",
	.init = skbf_kunit_init,
	.exit = skbf_kunit_exit,
	.test_cases = skbf_layout_cases,
};
