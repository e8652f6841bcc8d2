// SPDX-License-Identifier: GPL-2.0
/*
 * release=: one (each object by itself) or list (a batch with one call:
 * kfree_skb_list_reason(SKB_CONSUMED), kmalloc_floor's kfree_bulk()).  The
 * config contract, a run of every mode with a list path, the calls counted
 * against the batches the case works out from the config it wrote, the
 * results text, and a stop in the middle of a batch.
 *
 * Included from skbfactory_kunit.c, after the helpers it uses.
 */

/*
 * Since 6.3 kfree_skb_list_reason() takes SKB_CONSUMED: the test's own rule,
 * on the running kernel's release as uname gives it.
 */
static bool skbf_rel_have_list(void)
{
	unsigned int major, minor;

	if (sscanf(init_utsname()->release, "%u.%u", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 3);
}

#define SKBF_REL_HAVE_LIST	skbf_rel_have_list()

/* The modes with a list path: the skb modes and kmalloc_floor. */
static const enum skbf_mode skbf_rel_list_modes[] = {
	SKBF_ALLOC_SKB, SKBF_ALLOC_SKB_FCLONE, SKBF_ALLOC_SKB_WITH_FRAGS, SKBF_SKB_CLONE,
	SKBF_NETDEV_ALLOC_SKB, SKBF_NAPI_ALLOC_SKB, SKBF_BUILD_SKB, SKBF_PAGE_POOL,
	SKBF_KMALLOC_FLOOR,
};

KUNIT_ARRAY_PARAM(skbf_rel_list_modes, skbf_rel_list_modes, skbf_kunit_mode_desc);

/* Write @text to a config as config's file does. */
static int skbf_rel_write(struct kunit *test, const char *text)
{
	struct skbf_kunit *ctx = test->priv;

	ctx->why[0] = '\0';
	return skbf_config_parse(&ctx->cfg, text, strlen(text), false, ctx->why,
				 sizeof(ctx->why));
}

/* The default is one, and config shows it. */
static void release_default_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;

	KUNIT_EXPECT_EQ(test, ctx->cfg.release, SKBF_RELEASE_ONE);
	skbf_config_show(&ctx->s, &ctx->cfg);
	KUNIT_EXPECT_TRUE(test, skbf_kunit_has_line(skbf_kunit_str(test, &ctx->s), "release=one"));
}

/* list where the kernel has the call, else EOPNOTSUPP naming 6.3. */
static void release_list_parse_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;
	int err = skbf_rel_write(test, "release=list");

	if (!SKBF_REL_HAVE_LIST) {
		KUNIT_EXPECT_EQ(test, err, -EOPNOTSUPP);
		KUNIT_EXPECT_NOT_NULL(test, strstr(ctx->why, "6.3"));
		KUNIT_EXPECT_EQ(test, ctx->cfg.release, SKBF_RELEASE_ONE);
		return;
	}
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "%s", ctx->why);
	KUNIT_EXPECT_EQ(test, ctx->cfg.release, SKBF_RELEASE_LIST);
	skbf_config_show(&ctx->s, &ctx->cfg);
	KUNIT_EXPECT_TRUE(test, skbf_kunit_has_line(skbf_kunit_str(test, &ctx->s),
						    "release=list"));
	KUNIT_EXPECT_EQ(test, skbf_rel_write(test, "release=one"), 0);
	KUNIT_EXPECT_EQ(test, ctx->cfg.release, SKBF_RELEASE_ONE);
}

/* Not a value: EINVAL, config unchanged. */
static void release_bad_value_test(struct kunit *test)
{
	static const char *const bad[] = {
		"release=", "release=List", "release=ONE", "release=lists", "release=one,list",
		"release=1", "release=list release=one",
	};
	struct skbf_kunit *ctx = test->priv;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, skbf_rel_write(test, bad[i]), -EINVAL, "%s", bad[i]);
		KUNIT_EXPECT_GT_MSG(test, strlen(ctx->why), 0, "%s", bad[i]);
		KUNIT_EXPECT_EQ(test, ctx->cfg.release, SKBF_RELEASE_ONE);
	}
}

/* free_cpu= releases one object at a time: release=list with it is EINVAL. */
static void release_free_cpu_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;

	if (!SKBF_REL_HAVE_LIST)
		kunit_skip(test, "no release=list before 6.3");
	KUNIT_EXPECT_EQ(test, skbf_rel_write(test, "release=list free_cpu=0 batch=1"), -EINVAL);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(ctx->why, "free_cpu=0"), "%s", ctx->why);
	KUNIT_EXPECT_STREQ(test, ctx->cfg.free_cpu, "same");
	KUNIT_EXPECT_EQ(test, ctx->cfg.release, SKBF_RELEASE_ONE);
	/* Either one first, the other in a later write. */
	KUNIT_ASSERT_EQ(test, skbf_rel_write(test, "free_cpu=0 batch=1"), 0);
	KUNIT_EXPECT_EQ(test, skbf_rel_write(test, "release=list"), -EINVAL);
	KUNIT_EXPECT_EQ(test, ctx->cfg.release, SKBF_RELEASE_ONE);
	KUNIT_ASSERT_EQ(test, skbf_rel_write(test, "free_cpu=same release=list"), 0);
	KUNIT_EXPECT_EQ(test, skbf_rel_write(test, "free_cpu=0 batch=1"), -EINVAL);
	KUNIT_EXPECT_STREQ(test, ctx->cfg.free_cpu, "same");
	KUNIT_EXPECT_EQ(test, skbf_rel_write(test, "free_cpu=0 batch=1 release=one"), 0);
}

/*
 * A batch's release is one call a chunk cannot end inside: release=list
 * takes batch up to 64 (NAPI's weight), from either side of the pair.
 */
static void release_batch_limit_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;

	if (!SKBF_REL_HAVE_LIST)
		kunit_skip(test, "no release=list before 6.3");
	KUNIT_EXPECT_EQ(test, skbf_rel_write(test, "release=list batch=64"), 0);
	KUNIT_EXPECT_EQ(test, ctx->cfg.batch, 64U);
	KUNIT_EXPECT_EQ(test, skbf_rel_write(test, "batch=65"), -EINVAL);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(ctx->why, "batch=65, over 64"), "%s", ctx->why);
	KUNIT_EXPECT_EQ(test, ctx->cfg.batch, 64U);
	KUNIT_ASSERT_EQ(test, skbf_rel_write(test, "release=one batch=4096"), 0);
	KUNIT_EXPECT_EQ(test, skbf_rel_write(test, "release=list"), -EINVAL);
	KUNIT_EXPECT_EQ(test, ctx->cfg.release, SKBF_RELEASE_ONE);
	KUNIT_EXPECT_EQ(test, skbf_rel_write(test, "release=list batch=1"), 0);
}

/*
 * A run with release=list of each mode with a list path: every op counted,
 * every skb made released, and one call per batch: count=40 in batches of
 * 16 is 3 batches a repetition (16, 16, 8), in 1 warmup and 2 kept.
 */
static void release_list_run_test(struct kunit *test)
{
	const enum skbf_mode *mode = test->param_value;
	struct skbf_kunit_stats st;
	struct skbf_run *run;
	struct skbf_row *row;
	s64 made;

	if (!SKBF_REL_HAVE_LIST)
		kunit_skip(test, "no release=list before 6.3");
	run = skbf_kunit_run(test, "mode=%s count=40 repeat=2 warmup=1 batch=16 release=list",
			     skbf_kunit_mode_names[*mode]);
	skbf_kunit_stats(test, &st);
	KUNIT_ASSERT_EQ_MSG(test, skbf_kunit_exec(test, run), 0, "%s", run->stop_why);
	KUNIT_ASSERT_EQ(test, run->res->nr_rows, 1);
	row = &run->res->rows[0];
	skbf_kunit_check_row(test, run, row, *mode, 0);
	KUNIT_EXPECT_NE(test, row->alloc_x100, -1);
	KUNIT_EXPECT_NE(test, row->free_x100, -1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&run->list_calls), 3 * 3);
	/* 40 ops in each of 3 repetitions, and skb_clone's 16 parents. */
	made = !skbf_kunit_makes_skbs(*mode) ? 0 : 120 + (*mode == SKBF_SKB_CLONE ? 16 : 0);
	skbf_kunit_expect_moved(test, &st, made, 0);
	if (*mode == SKBF_PAGE_POOL && run->res->pp_stats)
		KUNIT_EXPECT_GT(test, run->res->pp.recycled_cached + run->res->pp.recycled_ring, 0);
}

/* batch=1: a list of one, one call per op. */
static void release_list_batch1_test(struct kunit *test)
{
	struct skbf_kunit_stats st;
	struct skbf_run *run;

	if (!SKBF_REL_HAVE_LIST)
		kunit_skip(test, "no release=list before 6.3");
	run = skbf_kunit_run(test, "mode=alloc_skb count=25 repeat=2 release=list");
	skbf_kunit_stats(test, &st);
	KUNIT_ASSERT_EQ_MSG(test, skbf_kunit_exec(test, run), 0, "%s", run->stop_why);
	skbf_kunit_check_row(test, run, &run->res->rows[0], SKBF_ALLOC_SKB, 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&run->list_calls), 50);
	skbf_kunit_expect_moved(test, &st, 50, 0);
}

/* release=one makes no list call; nor does a mode without a list path. */
static void release_no_list_test(struct kunit *test)
{
	struct skbf_run *run = skbf_kunit_run(test, "mode=alloc_skb count=32 repeat=1 batch=16");

	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&run->list_calls), 0);
	if (!SKBF_REL_HAVE_LIST)
		return;
	run = skbf_kunit_run(test, "mode=empty count=32 repeat=1 batch=16 release=list");
	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&run->list_calls), 0);
}

/*
 * mode=all with release=list: every mode runs, a row each, one call per
 * batch in each of the 9 modes with a list path; the header names the call
 * and the mode without one (empty).
 */
static void release_all_modes_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;
	struct skbf_run *run;
	const char *text, *line;
	unsigned int i;

	if (!SKBF_REL_HAVE_LIST)
		kunit_skip(test, "no release=list before 6.3");
	run = skbf_kunit_run(test, "mode=all count=32 repeat=1 batch=16 release=list");
	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	KUNIT_ASSERT_EQ(test, run->res->nr_rows, SKBF_KUNIT_ALL_ROWS);
	for (i = 0; i < SKBF_KUNIT_ALL_ROWS; i++)
		skbf_kunit_check_row(test, run, &run->res->rows[i], skbf_kunit_run_modes[i], 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&run->list_calls), 9 * 2);
	skbf_results_show(&ctx->s, run->res);
	text = skbf_kunit_str(test, &ctx->s);
	line = strstr(text, "\n# release: list: ");
	KUNIT_ASSERT_NOT_NULL_MSG(test, line, "%s", text);
	line++;
	KUNIT_EXPECT_NOT_NULL(test, strnstr(line, "kfree_skb_list_reason(SKB_CONSUMED)",
					    strchrnul(line, '\n') - line));
	KUNIT_EXPECT_NOT_NULL(test, strnstr(line, "16 at a time", strchrnul(line, '\n') - line));
	KUNIT_EXPECT_NOT_NULL(test, strnstr(line, "kfree_bulk()", strchrnul(line, '\n') - line));
	KUNIT_EXPECT_TRUE_MSG(test, str_has_prefix(strchrnul(line, '\n') -
						   strlen("(no list path): empty\n") + 1,
						   "(no list path): empty\n"), "%s", line);
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, " release=list alloc=one node=any\n"));
}

/* release=one: no # release: line, and # config says release=one. */
static void release_one_text_test(struct kunit *test)
{
	struct skbf_kunit *ctx = test->priv;
	struct skbf_run *run = skbf_kunit_run(test, "count=8 repeat=1 batch=4");
	const char *text;

	KUNIT_ASSERT_EQ(test, skbf_kunit_exec(test, run), 0);
	skbf_results_show(&ctx->s, run->res);
	text = skbf_kunit_str(test, &ctx->s);
	KUNIT_EXPECT_NULL(test, strstr(text, "# release:"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(text, " release=one alloc=one node=any\n"));
}

/* Stopped in the middle of a batch, a release=list run frees what it holds. */
static void release_list_stop_test(struct kunit *test)
{
	struct skbf_kunit_stats st, now;
	struct skbf_kunit_bg *bg;
	struct skbf_run *run;
	s64 held = 0;
	int i;

	if (!SKBF_REL_HAVE_LIST)
		kunit_skip(test, "no release=list before 6.3");
	run = skbf_kunit_long_run(test,
				  "mode=napi_alloc_skb size=256 headroom=0 put=64 batch=64 release=list");
	skbf_kunit_stats(test, &st);
	bg = skbf_kunit_bg_start(test, run);
	/* A batch released with one call already, and the next one held. */
	for (i = 0; i < 20000 && (held <= 0 || !atomic_long_read(&run->list_calls)); i++) {
		usleep_range(500, 1000);
		held = skbf_outstanding();
	}
	KUNIT_EXPECT_GT(test, held, 0);
	KUNIT_EXPECT_GT(test, atomic_long_read(&run->list_calls), 0);
	skbf_kunit_bg_stop(test, bg);
	kunit_info(test, "%lld skbs held when stopped\n", held);
	skbf_kunit_stats(test, &now);
	KUNIT_EXPECT_EQ(test, now.freed - st.freed, now.allocated - st.allocated);
}

static struct kunit_case skbf_release_cases[] = {
	KUNIT_CASE(release_default_test),
	KUNIT_CASE(release_list_parse_test),
	KUNIT_CASE(release_bad_value_test),
	KUNIT_CASE(release_free_cpu_test),
	KUNIT_CASE(release_batch_limit_test),
	KUNIT_CASE_PARAM(release_list_run_test, skbf_rel_list_modes_gen_params),
	KUNIT_CASE(release_list_batch1_test),
	KUNIT_CASE(release_no_list_test),
	KUNIT_CASE(release_all_modes_test),
	KUNIT_CASE(release_one_text_test),
	KUNIT_CASE(release_list_stop_test),
	{}
};

static struct kunit_suite skbf_release_suite = {
	.name = "skbfactory_release",
	.init = skbf_kunit_init,
	.exit = skbf_kunit_exit,
	.test_cases = skbf_release_cases,
};
