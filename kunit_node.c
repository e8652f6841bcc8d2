// SPDX-License-Identifier: GPL-2.0
/*
 * node=: any (the allocating CPU's node), or a node with memory that the
 * paths taking one pass to their allocator.  The config contract, where
 * one object of each such mode landed (the row's data_node, against the
 * node the case asked for), and the # numa: line.  KUnit's kernels have
 * one node: the integration case numa_placement asks a second one.
 *
 * Included from skbfactory_kunit.c, after kunit_release.c (skbf_rel_write).
 */

/* What why and # numa: hold; the formats as literals, for -Wformat. */
enum { NODE_TXT_EXPECTED, NODE_TXT_NO_NODE, NODE_TXT_ALL_TAIL };

static const char *const skbf_node_txt[] = {
	": expected any or a node with memory (",
	": mode=napi_alloc_skb allocates from its CPU's caches, with no node argument",
	"; from their CPU's caches (no node argument): alloc_skb_with_frags, netdev_alloc_skb, napi_alloc_skb, build_skb",
};

#define SKBF_NODE_ANY_FMT \
	"# numa: nodes with memory %*pbl; %s; cpu %u on node %d; node=any: memory from the allocating CPU's node"
#define SKBF_NODE_LANDED_FMT \
	"; node=%d, where one object made after the repetitions landed (page_to_nid): alloc_skb cpu %u: data %d, "

/* The default is any, and config shows it. */
static void node_default_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;

	KUNIT_EXPECT_EQ(test, ctx->cfg.node, NUMA_NO_NODE);
	skbf_config_show(&ctx->s, &ctx->cfg);
	KUNIT_EXPECT_TRUE(test, skbf_kunit_has_line(skbf_kunit_str(test, &ctx->s), "node=any"));
}

/* A node without memory, or MAX_NUMNODES when every node has some. */
static int skbf_node_without_memory(void)
{
	int node;

	for (node = 0; node < MAX_NUMNODES; node++)
		if (!node_state(node, N_MEMORY))
			return node;
	return MAX_NUMNODES;
}

/*
 * A node with memory, kept as its number; not a value, a node without
 * memory, a mode whose memory comes from its CPU's caches, or alloc=bulk:
 * EINVAL, config unchanged.
 */
static void node_parse_test(struct kunit *test)
{
	static const char *const bad[] = {
		"node=", "node=Any", "node=ANY", "node=-1", "node=0x0", "node=0-1", "node=all",
		"node=4294967296", "node=0,1",
	};
	struct skbf_kunit *ctx = test->priv;
	int first = first_node(node_states[N_MEMORY]);
	char text[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, skbf_rel_write(test, bad[i]), -EINVAL, "%s", bad[i]);
		KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(ctx->why, skbf_node_txt[NODE_TXT_EXPECTED]),
					  "%s", ctx->why);
		KUNIT_EXPECT_EQ(test, ctx->cfg.node, NUMA_NO_NODE);
	}
	snprintf(text, sizeof(text), "node=%d", skbf_node_without_memory());
	KUNIT_EXPECT_EQ_MSG(test, skbf_rel_write(test, text), -EINVAL, "%s", text);
	snprintf(text, sizeof(text), "node=00%d", first);
	KUNIT_ASSERT_EQ_MSG(test, skbf_rel_write(test, text), 0, "%s", ctx->why);
	KUNIT_EXPECT_EQ(test, ctx->cfg.node, first);
	skbf_config_show(&ctx->s, &ctx->cfg);
	snprintf(text, sizeof(text), "node=%d", first);
	KUNIT_EXPECT_TRUE(test, skbf_kunit_has_line(skbf_kunit_str(test, &ctx->s), text));

	/* node= with a mode that takes from its CPU's caches, or with alloc=bulk. */
	KUNIT_EXPECT_EQ(test, skbf_rel_write(test, "mode=napi_alloc_skb"), -EINVAL);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(ctx->why, skbf_node_txt[NODE_TXT_NO_NODE]), "%s",
				  ctx->why);
	KUNIT_EXPECT_EQ(test, ctx->cfg.mode, SKBF_ALLOC_SKB);
	KUNIT_EXPECT_EQ(test, skbf_rel_write(test, "mode=kmalloc_floor alloc=bulk"), -EINVAL);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(ctx->why, ": alloc=bulk takes no node"), "%s",
				  ctx->why);
	KUNIT_EXPECT_EQ(test, skbf_rel_write(test, "mode=all"), 0);
	KUNIT_EXPECT_EQ(test, skbf_rel_write(test, "mode=page_pool"), 0);
	KUNIT_EXPECT_EQ(test, skbf_rel_write(test, "mode=build_skb node=any"), 0);
	KUNIT_EXPECT_EQ(test, ctx->cfg.node, NUMA_NO_NODE);
}

/* The modes whose allocator takes a node. */
static const enum skbf_mode skbf_node_modes[] = {
	SKBF_ALLOC_SKB, SKBF_ALLOC_SKB_FCLONE, SKBF_SKB_CLONE, SKBF_PAGE_POOL, SKBF_KMALLOC_FLOOR,
};

KUNIT_ARRAY_PARAM(skbf_node_modes, skbf_node_modes, skbf_kunit_mode_desc);

/*
 * node=N: the row says where one object's data landed, N (the last node
 * with memory: on a kernel with two, another than the CPU's); node=any
 * makes no such object and the row says none.
 */
static void node_run_test(struct kunit *test)
{
	const enum skbf_mode *mode = test->param_value;
	int node = NUMA_NO_NODE, n;
	struct skbf_kunit_stats st;
	struct skbf_run *run;

	for_each_node_state(n, N_MEMORY)
		node = n;
	run = skbf_kunit_run(test, "mode=%s count=32 repeat=1 batch=4 node=%d",
			     skbf_kunit_mode_names[*mode], node);
	skbf_kunit_stats(test, &st);
	KUNIT_ASSERT_EQ_MSG(test, skbf_kunit_exec(test, run), 0, "%s", run->stop_why);
	skbf_kunit_check_row(test, run, &run->res->rows[0], *mode, 0);
	KUNIT_EXPECT_EQ(test, run->res->rows[0].data_node, node);
	KUNIT_EXPECT_EQ(test, run->res->rows[0].frag_node, NUMA_NO_NODE);
	/* The object placed is counted nowhere: 32 ops, skb_clone's 4 parents. */
	skbf_kunit_expect_moved(test, &st, skbf_kunit_made(run, *mode, 32), 0);

	run = skbf_kunit_run(test, "mode=%s count=32 repeat=1 batch=4",
			     skbf_kunit_mode_names[*mode]);
	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	KUNIT_EXPECT_EQ(test, run->res->rows[0].data_node, NUMA_NO_NODE);
}

/* The # numa: line of @run's results, copied (ctx->line). */
static const char *skbf_numa_line(struct kunit *test, struct skbf_run *run)
{
	struct skbf_kunit *ctx = test->priv;

	seq_buf_clear(&ctx->s);
	skbf_results_show(&ctx->s, run->res);
	return skbf_kunit_copy_line(test, skbf_kunit_line(skbf_kunit_str(test, &ctx->s),
							  "# numa: "));
}

/*
 * What # numa: says of the NIC @name (empty: none), from the device
 * itself: its parent's node, or none.
 */
static void skbf_node_nic(const char *name, char *buf, size_t len)
{
	struct net_device *dev = *name ? dev_get_by_name(&init_net, name) : NULL;
	int node = NUMA_NO_NODE;

	if (!*name) {
		strscpy(buf, "no NIC", len);
		return;
	}
	if (dev && dev->dev.parent)
		node = dev_to_node(dev->dev.parent);
	dev_put(dev);
	if (node == NUMA_NO_NODE)
		strscpy(buf, "the NIC's node none", len);
	else
		snprintf(buf, len, "the NIC's node %d", node);
}

/*
 * # numa: the nodes with memory, the NIC (if the run found one), the
 * CPU's node; with node=any that the CPU's node serves; with node=N (in
 * mode=all) where each node mode's object landed, then the modes that
 * take from their CPU's caches.
 */
static void node_text_test(struct kunit *test)
{
	unsigned int cpu = cpumask_first(cpu_online_mask);
	int node = first_node(node_states[N_MEMORY]);
	struct skbf_run *run;
	const char *line;
	char want[256], nic[32];

	run = skbf_kunit_run(test, "count=8 repeat=1");
	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	line = skbf_numa_line(test, run);
	skbf_node_nic(run->res->where.nic, nic, sizeof(nic));
	snprintf(want, sizeof(want), SKBF_NODE_ANY_FMT,
		 nodemask_pr_args(&node_states[N_MEMORY]), nic, cpu, cpu_to_node(cpu));
	KUNIT_EXPECT_STREQ(test, line, want);

	run = skbf_kunit_run(test, "mode=all count=8 repeat=1 node=%d", node);
	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	line = skbf_numa_line(test, run);
	snprintf(want, sizeof(want), SKBF_NODE_LANDED_FMT, node, cpu, node);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(line, want), "%s", line);
	KUNIT_EXPECT_TRUE_MSG(test, skbf_alloc_ends(line, skbf_node_txt[NODE_TXT_ALL_TAIL]), "%s",
			      line);
}

static struct kunit_case skbf_node_cases[] = {
	KUNIT_CASE(node_default_test),
	KUNIT_CASE(node_parse_test),
	KUNIT_CASE_PARAM(node_run_test, skbf_node_modes_gen_params),
	KUNIT_CASE(node_text_test),
	{}
};

static struct kunit_suite skbf_node_suite = {
	.name = "skbfactory_node",
	.init = skbf_kunit_init,
	.exit = skbf_kunit_exit,
	.test_cases = skbf_node_cases,
};
