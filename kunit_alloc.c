// SPDX-License-Identifier: GPL-2.0
/*
 * alloc=: one (each object by itself) or bulk (kmalloc_floor's batch with
 * one kmem_cache_alloc_bulk() call a cache).  The config contract, the
 * objects a bulk call makes against those made one at a time, the calls
 * a run makes counted against the batches the case works out from the
 * config it wrote, a fault failing a whole call, and the results text.
 *
 * Included from skbfactory_kunit.c, after kunit_release.c (skbf_rel_write).
 */

/* The default is one, and config shows it. */
static void alloc_default_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;

	KUNIT_EXPECT_EQ(test, ctx->cfg.alloc, SKBF_ALLOC_ONE);
	skbf_config_show(&ctx->s, &ctx->cfg);
	KUNIT_EXPECT_TRUE(test, skbf_kunit_has_line(skbf_kunit_str(test, &ctx->s), "alloc=one"));
}

/* bulk with kmalloc_floor or all; not a value, or another mode: EINVAL, config unchanged. */
static void alloc_parse_test(struct kunit *test)
{
	static const char *const bad[] = {
		"alloc=", "alloc=Bulk", "alloc=ONE", "alloc=bulks", "alloc=one,bulk",
		"alloc=1", "alloc=list",
	};
	struct skbf_kunit *ctx = test->priv;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, skbf_rel_write(test, bad[i]), -EINVAL, "%s", bad[i]);
		KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(ctx->why, ": expected one or bulk"), "%s",
					  ctx->why);
		KUNIT_EXPECT_EQ(test, ctx->cfg.alloc, SKBF_ALLOC_ONE);
	}
	/* The default mode, alloc_skb, has no bulk path. */
	KUNIT_EXPECT_EQ(test, skbf_rel_write(test, "alloc=bulk"), -EINVAL);
	KUNIT_EXPECT_STREQ(test, ctx->why,
			   "alloc=bulk: only kmalloc_floor allocates in bulk (kmem_cache_alloc_bulk); mode=alloc_skb makes one object a call");
	KUNIT_EXPECT_EQ(test, ctx->cfg.alloc, SKBF_ALLOC_ONE);
	KUNIT_ASSERT_EQ_MSG(test, skbf_rel_write(test, "mode=kmalloc_floor alloc=bulk"), 0, "%s",
			    ctx->why);
	KUNIT_EXPECT_EQ(test, ctx->cfg.alloc, SKBF_ALLOC_BULK);
	skbf_config_show(&ctx->s, &ctx->cfg);
	KUNIT_EXPECT_TRUE(test, skbf_kunit_has_line(skbf_kunit_str(test, &ctx->s), "alloc=bulk"));
	/* Leaving the floor needs alloc=one, in the same write or before. */
	KUNIT_EXPECT_EQ(test, skbf_rel_write(test, "mode=napi_alloc_skb"), -EINVAL);
	KUNIT_EXPECT_EQ(test, ctx->cfg.mode, SKBF_KMALLOC_FLOOR);
	KUNIT_EXPECT_EQ(test, skbf_rel_write(test, "mode=all"), 0);
	KUNIT_EXPECT_EQ(test, skbf_rel_write(test, "mode=napi_alloc_skb alloc=one"), 0);
	KUNIT_EXPECT_EQ(test, ctx->cfg.alloc, SKBF_ALLOC_ONE);
}

/* One call a batch, which a chunk cannot end inside: batch up to 64. */
static void alloc_batch_limit_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;

	KUNIT_ASSERT_EQ(test, skbf_rel_write(test, "mode=kmalloc_floor alloc=bulk batch=64"), 0);
	KUNIT_EXPECT_EQ(test, skbf_rel_write(test, "batch=65"), -EINVAL);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(ctx->why, "allocates a batch in one call"), "%s",
				  ctx->why);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(ctx->why, "batch=65, over 64"), "%s", ctx->why);
	KUNIT_EXPECT_EQ(test, ctx->cfg.batch, 64U);
	KUNIT_ASSERT_EQ(test, skbf_rel_write(test, "alloc=one batch=4096"), 0);
	KUNIT_EXPECT_EQ(test, skbf_rel_write(test, "alloc=bulk"), -EINVAL);
	KUNIT_EXPECT_EQ(test, ctx->cfg.alloc, SKBF_ALLOC_ONE);
}

/* Data in the small-head class (64) and above it (4000): both data paths. */
static const u32 skbf_alloc_sizes[] = { 64, 4000 };

KUNIT_ARRAY_PARAM(skbf_alloc_sizes, skbf_alloc_sizes, skbf_kunit_u32_desc);

/*
 * A bulk call's 16 objects are what one at a time makes: distinct heads of
 * the same slab object size, data of the same size class as a single
 * object's (and so as alloc_skb's: floor_size_class_test), the payload
 * filled at headroom for put bytes.
 */
static void alloc_bulk_objects_test(struct kunit *test)
{
	const u32 *size = test->param_value;
	struct skbf_kunit *ctx = test->priv;
	void *obj[2 * 16] = {}, *one;
	size_t head_size, data_size;
	u32 i, j;
	u8 *data;

	ctx->cfg.size = *size;
	ctx->cfg.headroom = 8;
	ctx->cfg.put = 32;
	one = skbf_floor_build(&ctx->cfg);
	KUNIT_ASSERT_NOT_NULL(test, one);
	head_size = ksize(one);
	data_size = ksize(*(void **)one);
	skbf_floor_release(one);
	KUNIT_ASSERT_EQ(test, skbf_floor_build_bulk(&ctx->cfg, obj, 16, 0), 16);
	for (i = 0; i < 16; i++) {
		KUNIT_ASSERT_NOT_NULL(test, obj[i]);
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_PTR_NE(test, obj[i], obj[j]);
		data = *(u8 **)obj[i];
		KUNIT_ASSERT_NOT_NULL(test, data);
		KUNIT_EXPECT_EQ(test, ksize(obj[i]), head_size);
		KUNIT_EXPECT_EQ_MSG(test, ksize(data), data_size, "size=%u", *size);
		KUNIT_EXPECT_NULL(test, memchr_inv(data + 8, SKBF_FILL, 32));
	}
	for (i = 0; i < 16; i++)
		skbf_floor_release(obj[i]);
}

/*
 * A bulk make that fails at each step gives back what it took (KASAN
 * would see a double free, the debug kernel's kmemleak case a leak after
 * kunit_module) and leaves all 2n slots NULL: the heads' call, then the
 * data's call (size=64 in the small-head class, 6.3+ as release=list), or
 * the first kmalloc(), a middle and the last one.
 */
static void alloc_bulk_unwind_test(struct kunit *test)
{
	const u32 *size = test->param_value;
	static const u32 steps[] = { 1, 2, 3, 9, 17 };
	struct skbf_kunit *ctx = test->priv;
	size_t i, j, n = ARRAY_SIZE(steps);
	void *obj[2 * 16];
	u32 made;

	if (*size == 64 && SKBF_REL_HAVE_LIST)
		n = 2;
	ctx->cfg.size = *size;
	for (i = 0; i < n; i++) {
		memset(obj, 0x5a, sizeof(obj));
		made = skbf_floor_build_bulk(&ctx->cfg, obj, 16, steps[i]);
		KUNIT_EXPECT_EQ_MSG(test, made, 0, "fail at step %u", steps[i]);
		for (j = 0; j < made; j++)
			skbf_floor_release(obj[j]);
		for (j = 0; !made && j < ARRAY_SIZE(obj); j++)
			KUNIT_EXPECT_NULL_MSG(test, obj[j], "step %u: slot %zu", steps[i], j);
	}
	/* The caches still serve a whole batch. */
	KUNIT_ASSERT_EQ(test, skbf_floor_build_bulk(&ctx->cfg, obj, 16, 0), 16);
	for (j = 0; j < 16; j++)
		skbf_floor_release(obj[j]);
}

/*
 * A run of kmalloc_floor with alloc=bulk: every op counted and one call per
 * batch: count=40 in batches of 16 is 3 batches a repetition (16, 16, 8),
 * in 1 warmup and 2 kept; batch=1 is a call per op; alloc=one makes none.
 */
static void alloc_bulk_run_test(struct kunit *test)
{
	struct skbf_kunit_stats st;
	struct skbf_run *run;
	struct skbf_row *row;

	run = skbf_kunit_run(test,
			     "mode=kmalloc_floor count=40 repeat=2 warmup=1 batch=16 alloc=bulk");
	skbf_kunit_stats(test, &st);
	KUNIT_ASSERT_EQ_MSG(test, skbf_kunit_exec(test, run), 0, "%s", run->stop_why);
	KUNIT_ASSERT_EQ(test, run->res->nr_rows, 1);
	row = &run->res->rows[0];
	skbf_kunit_check_row(test, run, row, SKBF_KMALLOC_FLOOR, 0);
	KUNIT_EXPECT_NE(test, row->alloc_x100, -1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&run->bulk_calls), 3 * 3);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&run->list_calls), 0);
	skbf_kunit_expect_moved(test, &st, 0, 0);

	run = skbf_kunit_run(test, "mode=kmalloc_floor count=25 repeat=2 alloc=bulk latency=1");
	KUNIT_ASSERT_EQ_MSG(test, skbf_kunit_exec(test, run), 0, "%s", run->stop_why);
	skbf_kunit_check_row(test, run, &run->res->rows[0], SKBF_KMALLOC_FLOOR, 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&run->bulk_calls), 50);

	run = skbf_kunit_run(test, "mode=kmalloc_floor count=32 repeat=1 batch=16");
	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&run->bulk_calls), 0);
}

/*
 * A fault fails a whole call: with every 2nd call failing, count=64 in
 * batches of 8 is 8 calls, 4 of them failing 8 objects each.
 */
static void alloc_bulk_fail_test(struct kunit *test)
{
	struct skbf_kunit_stats st;
	struct skbf_run *run;

	run = skbf_kunit_run(test, "mode=kmalloc_floor count=64 repeat=1 batch=8 alloc=bulk");
	run->fail_every = 2;
	skbf_kunit_stats(test, &st);
	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	skbf_kunit_check_row(test, run, &run->res->rows[0], SKBF_KMALLOC_FLOOR, 32);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&run->bulk_calls), 8);
	skbf_kunit_expect_moved(test, &st, 0, 32);
}

/* What # alloc: lines hold, by where in them. */
enum { ALLOC_TXT_HEAD, ALLOC_TXT_TAIL, ALLOC_TXT_ALL_TAIL, ALLOC_TXT_SMALL,
	ALLOC_TXT_NO_CLASS, ALLOC_TXT_ABOVE };

static const char *const skbf_alloc_txt[] = {
	"# alloc: bulk: kmalloc_floor's sk_buff-sized heads come from one kmem_cache_alloc_bulk() call per batch, ",
	"; alloc_ns is the batch's calls' time per object",
	"; allocated one at a time (no bulk path): alloc_skb, alloc_skb_fclone, alloc_skb_with_frags, skb_clone, netdev_alloc_skb, napi_alloc_skb, build_skb, page_pool, empty",
	", its data (size=64) from a second call, to the small-head class of ",
	", its data from kmalloc() one at a time (this kernel has no small-head class); ",
	", its data from kmalloc() one at a time (size=1500 is above the small-head class of ",
};

/* @line ends in @suffix. */
static bool skbf_alloc_ends(const char *line, const char *suffix)
{
	size_t n = strlen(line), k = strlen(suffix);

	return n >= k && !strcmp(line + n - k, suffix);
}

/* The # alloc: line of @run's results, copied (ctx->line), or NULL. */
static const char *skbf_alloc_line(struct kunit *test, struct skbf_run *run)
{
	struct skbf_kunit *ctx = test->priv;
	const char *line;

	seq_buf_clear(&ctx->s);
	skbf_results_show(&ctx->s, run->res);
	line = skbf_kunit_line(skbf_kunit_str(test, &ctx->s), "# alloc:");
	return line ? skbf_kunit_copy_line(test, line) : NULL;
}

/*
 * mode=all with alloc=bulk: every mode runs, kmalloc_floor with one call a
 * batch (count=32 in batches of 16: 2); the header names the call and the
 * modes without a bulk path.
 */
static void alloc_all_modes_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;
	struct skbf_run *run;
	const char *line;
	unsigned int i;

	run = skbf_kunit_run(test, "mode=all count=32 repeat=1 batch=16 alloc=bulk");
	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	KUNIT_ASSERT_EQ(test, run->res->nr_rows, SKBF_KUNIT_ALL_ROWS);
	for (i = 0; i < SKBF_KUNIT_ALL_ROWS; i++)
		skbf_kunit_check_row(test, run, &run->res->rows[i], skbf_kunit_run_modes[i], 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&run->bulk_calls), 2);
	line = skbf_alloc_line(test, run);
	KUNIT_ASSERT_NOT_NULL(test, line);
	KUNIT_EXPECT_TRUE_MSG(test, str_has_prefix(line, skbf_alloc_txt[ALLOC_TXT_HEAD]),
			      "%s", line);
	KUNIT_EXPECT_TRUE_MSG(test, skbf_alloc_ends(line, skbf_alloc_txt[ALLOC_TXT_ALL_TAIL]),
			      "%s", line);
	KUNIT_EXPECT_NOT_NULL(test, strstr(seq_buf_str(&ctx->s), " alloc=bulk node=any\n"));
}

/*
 * Where the data came from, by size against the small-head class (6.3+,
 * as release=list): the second call below it (size=64), kmalloc() above
 * (size=1500, the default, is above its ~640 bytes), kmalloc() on a
 * kernel without one; alloc=one has no # alloc: line.
 */
static void alloc_text_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;
	const char *want, *line;
	struct skbf_run *run;

	run = skbf_kunit_run(test, "count=8 repeat=1 batch=4");
	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	KUNIT_EXPECT_NULL(test, skbf_alloc_line(test, run));
	KUNIT_EXPECT_NOT_NULL(test, strstr(seq_buf_str(&ctx->s), " alloc=one node=any\n"));

	run = skbf_kunit_run(test, "mode=kmalloc_floor size=64 headroom=0 put=0 %s",
			     "count=8 repeat=1 batch=4 alloc=bulk");
	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	want = skbf_alloc_txt[SKBF_REL_HAVE_LIST ? ALLOC_TXT_SMALL : ALLOC_TXT_NO_CLASS];
	line = skbf_alloc_line(test, run);
	KUNIT_ASSERT_NOT_NULL(test, line);
	KUNIT_EXPECT_TRUE_MSG(test, str_has_prefix(line, skbf_alloc_txt[ALLOC_TXT_HEAD]),
			      "%s", line);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(line, want), "%s", line);
	KUNIT_EXPECT_TRUE_MSG(test, skbf_alloc_ends(line, skbf_alloc_txt[ALLOC_TXT_TAIL]),
			      "%s", line);

	if (!SKBF_REL_HAVE_LIST)
		return;
	run = skbf_kunit_run(test, "mode=kmalloc_floor count=8 repeat=1 batch=4 alloc=bulk");
	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	line = skbf_alloc_line(test, run);
	KUNIT_ASSERT_NOT_NULL(test, line);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(line, skbf_alloc_txt[ALLOC_TXT_ABOVE]), "%s", line);
}

static struct kunit_case skbf_alloc_cases[] = {
	KUNIT_CASE(alloc_default_test),
	KUNIT_CASE(alloc_parse_test),
	KUNIT_CASE(alloc_batch_limit_test),
	KUNIT_CASE_PARAM(alloc_bulk_objects_test, skbf_alloc_sizes_gen_params),
	KUNIT_CASE_PARAM(alloc_bulk_unwind_test, skbf_alloc_sizes_gen_params),
	KUNIT_CASE(alloc_bulk_run_test),
	KUNIT_CASE(alloc_bulk_fail_test),
	KUNIT_CASE(alloc_all_modes_test),
	KUNIT_CASE(alloc_text_test),
	{}
};

static struct kunit_suite skbf_alloc_suite = {
	.name = "skbfactory_alloc",
	.init = skbf_kunit_init,
	.exit = skbf_kunit_exit,
	.test_cases = skbf_alloc_cases,
};
