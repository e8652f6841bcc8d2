// SPDX-License-Identifier: GPL-2.0
/*
 * The stats file and the debugfs files: opening, reading and writing them.
 * Part of skbfactory.c, which includes it: one object, one module.
 */

/* ---- Stats ---- */

/* How a line of the stats file finds its value. */
enum skbf_stat_kind {
	SKBF_STAT_COUNTER,	/* an atomic64_t of skbf_stats */
	SKBF_STAT_OUTSTANDING,	/* skbs_allocated - skbs_freed */
	SKBF_STAT_LAST_ERROR,	/* skbf.last_error */
	SKBF_STAT_RUNNING,	/* the run in progress */
};

/*
 * The stats file, a line each, in this order: the table docs/debugfs.md's
 * list of them is generated from (scripts/docs.py).
 */
static const struct skbf_stat_line {
	const char *name;
	enum skbf_stat_kind kind;
	atomic64_t *counter;
} skbf_stat_lines[] = {
	/*
	 * writes to run whose tokens were valid, since the module was loaded: each started a
	 * run, whatever its end (EBUSY, the memory bound, a stop included)
	 */
	{ "runs",		SKBF_STAT_COUNTER,	&skbf_stats.runs },
	/*
	 * of those, runs ended early, once measuring, by a signal (EINTR), stop (ECANCELED), a
	 * CPU going offline (EAGAIN) or the NIC going away (ENODEV); named runs_interrupted, and
	 * counting signals only, before commit 164d646
	 */
	{ "runs_stopped",	SKBF_STAT_COUNTER,	&skbf_stats.runs_stopped },
	/*
	 * sk_buffs the module made: runs (warmup included, skb_clone's parents too), layout reads
	 * and the KUnit suite; kmalloc_floor and empty make none
	 */
	{ "skbs_allocated",	SKBF_STAT_COUNTER,	&skbf_stats.allocated },
	/* of those, sk_buffs released, wherever (a run's own CPU, free_cpu, a stop's cleanup) */
	{ "skbs_freed",		SKBF_STAT_COUNTER,	&skbf_stats.freed },
	/*
	 * skbs_allocated - skbs_freed: held by a run in progress, and 0 whenever none is; during a
	 * run the counts come a chunk at a time, and a releasing CPU's may be ahead (0, not less)
	 */
	{ "skbs_outstanding",	SKBF_STAT_OUTSTANDING },
	/*
	 * allocations that returned NULL, in every mode (kmalloc_floor's and skb_clone's parents
	 * too): the fails of runs, layout and KUnit
	 */
	{ "alloc_failures",	SKBF_STAT_COUNTER,	&skbf_stats.alloc_failures },
	/*
	 * the last failed write: "ERRNO NAME FILE: why", e.g. -22 EINVAL run: ...; 0 until a
	 * write fails
	 */
	{ "last_error",		SKBF_STAT_LAST_ERROR },
	/*
	 * no; starting; or mode M (I of N), repetition R of T done (W warmup): the run in
	 * progress
	 */
	{ "running",		SKBF_STAT_RUNNING },
};

static void skbf_stat_running(struct seq_buf *s)
{
	struct skbf_run *run;

	spin_lock(&skbf.active_lock);
	run = skbf.active;
	if (run && !READ_ONCE(run->progress_mode))
		skbf_puts(s, "starting");
	else if (run)
		seq_buf_printf(s, "mode %s (%u of %u), repetition %u of %u done (%u warmup)",
			       skbf_mode_name(READ_ONCE(run->mode_now)),
			       READ_ONCE(run->progress_mode), run->modes,
			       READ_ONCE(run->progress_rep), run->cfg.warmup + run->cfg.repeat,
			       run->cfg.warmup);
	else
		skbf_puts(s, "no");
	spin_unlock(&skbf.active_lock);
}

/**
 * skbf_stats_show() - the text of the stats file: "name: value" lines
 * @s: where to print
 */
VISIBLE_IF_KUNIT void skbf_stats_show(struct seq_buf *s)
{
	const struct skbf_stat_line *l;

	for (l = skbf_stat_lines; l < skbf_stat_lines + ARRAY_SIZE(skbf_stat_lines); l++) {
		seq_buf_printf(s, "%s: ", l->name);
		switch (l->kind) {
		case SKBF_STAT_COUNTER:
			seq_buf_printf(s, "%lld", atomic64_read(l->counter));
			break;
		case SKBF_STAT_OUTSTANDING:
			seq_buf_printf(s, "%lld", skbf_outstanding());
			break;
		case SKBF_STAT_LAST_ERROR:
			mutex_lock(&skbf.lock);
			skbf_puts(s, skbf.last_error);
			mutex_unlock(&skbf.lock);
			break;
		case SKBF_STAT_RUNNING:
			skbf_stat_running(s);
			break;
		}
		skbf_putc(s, '\n');
	}
}
EXPORT_SYMBOL_IF_KUNIT(skbf_stats_show);

/* ---- debugfs ---- */

static int skbf_config_file_show(struct seq_buf *s)
{
	mutex_lock(&skbf.lock);
	skbf_config_show(s, &skbf.cfg);
	mutex_unlock(&skbf.lock);
	return 0;
}

static int skbf_results_file_show(struct seq_buf *s)
{
	mutex_lock(&skbf.lock);
	skbf_results_show(s, skbf.res);
	mutex_unlock(&skbf.lock);
	return 0;
}

static int skbf_layout_file_show(struct seq_buf *s)
{
	struct skbf_config cfg;
	int err;

	mutex_lock(&skbf.lock);
	cfg = skbf.cfg;
	mutex_unlock(&skbf.lock);
	err = skbf_layout_show(s, &cfg);
	if (err)
		skbf_error("layout", err, "an allocation failed");
	return err;
}

static int skbf_stats_file_show(struct seq_buf *s)
{
	skbf_stats_show(s);
	return 0;
}

static int skbf_config_file_write(const char *buf, size_t len)
{
	char why[128];
	int err;

	mutex_lock(&skbf.lock);
	err = skbf_config_parse(&skbf.cfg, buf, len, false, why, sizeof(why));
	mutex_unlock(&skbf.lock);
	if (err)
		skbf_error("config", err, why);
	return err;
}

/*
 * "stop" written to run, alone: end the run in progress.  Only ASCII
 * white space around it, as the parser takes: the kernel's isspace() is
 * also true of Latin-1's 0xa0, and "stop\xa0" once stopped a run rather
 * than fail as a non-printable byte (the fuzz's model caught it).
 */
static bool skbf_is_stop(const char *buf, size_t len)
{
	while (len && isascii(buf[len - 1]) && isspace(buf[len - 1]))
		len--;
	while (len && isascii(*buf) && isspace(*buf)) {
		buf++;
		len--;
	}
	return len == 4 && !memcmp(buf, "stop", 4);
}

static int skbf_stop_write(void)
{
	int err = skbf_run_stop_active(-ECANCELED, "stopped by a write of stop to run");

	if (err)
		skbf_error("run", err, "stop: no run in progress");
	return err;
}

static int skbf_run_file_write(const char *buf, size_t len)
{
	struct skbf_results *old = NULL;
	struct skbf_run *run;
	int err;

	if (skbf_is_stop(buf, len))
		return skbf_stop_write();
	run = kzalloc(sizeof(*run), GFP_KERNEL);
	if (!run) {
		skbf_error("run", -ENOMEM, "out of memory for the run");
		return -ENOMEM;
	}
	mutex_lock(&skbf.lock);
	run->cfg = skbf.cfg;
	mutex_unlock(&skbf.lock);
	err = skbf_config_parse(&run->cfg, buf, len, true, run->stop_why, sizeof(run->stop_why));
	if (!err) {
		/* The open file pins the module: no rmmod while this runs. */
		atomic64_inc(&skbf_stats.runs);
		err = skbf_run_exec(run);
	}
	if (!err) {
		mutex_lock(&skbf.lock);
		old = skbf.res;
		skbf.res = run->res;
		mutex_unlock(&skbf.lock);
		skbf_results_free(old);
	} else {
		skbf_error("run", err, run->stop_why);
	}
	kfree(run);
	return err;
}

struct skbf_file {
	const char *name;
	umode_t mode;
	int (*show)(struct seq_buf *s);
	int (*write)(const char *buf, size_t len);
	size_t size;
};

/*
 * @size: the text's first buffer; show runs again with twice as much when
 * it overflows.  layout makes real skbs each time it runs, so its buffer
 * holds every mode's steps the first time (stats then counts them once).
 */
static const struct skbf_file skbf_files[] = {
	{ "config",  0600, skbf_config_file_show,  skbf_config_file_write, PAGE_SIZE },
	{ "run",     0200, NULL,		   skbf_run_file_write,    0 },
	{ "results", 0400, skbf_results_file_show, NULL,		   PAGE_SIZE },
	{ "layout",  0400, skbf_layout_file_show,  NULL,		   SZ_64K },
	{ "stats",   0400, skbf_stats_file_show,   NULL,		   PAGE_SIZE },
};

/* A file's text, made once at open so every read sees one snapshot. */
struct skbf_text {
	size_t len;
	char buf[];
};

static int skbf_open(struct inode *inode, struct file *file)
{
	const struct skbf_file *sf = inode->i_private;
	struct skbf_text *text;
	size_t size = sf->size;
	struct seq_buf s;
	int err;

	if (!sf->show || !(file->f_mode & FMODE_READ))
		return nonseekable_open(inode, file);
	for (;;) {
		text = kvmalloc(struct_size(text, buf, size), GFP_KERNEL);
		if (!text)
			return -ENOMEM;
		seq_buf_init(&s, text->buf, size);
		err = sf->show(&s);
		if (err || !seq_buf_has_overflowed(&s))
			break;
		kvfree(text);
		size *= 2;
	}
	if (err) {
		kvfree(text);
		return err;
	}
	text->len = seq_buf_used(&s);
	file->private_data = text;
	return 0;
}

static ssize_t skbf_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	struct skbf_text *text = file->private_data;

	if (!text)
		return -EINVAL;
	return simple_read_from_buffer(ubuf, count, ppos, text->buf, text->len);
}

static ssize_t skbf_write(struct file *file, const char __user *ubuf, size_t count,
			  loff_t *ppos)
{
	const struct skbf_file *sf = file_inode(file)->i_private;
	char why[96];
	char *buf;
	int err;

	if (!sf->write) {
		skbf_error(sf->name, -EINVAL, "read-only: it takes no writes");
		return -EINVAL;
	}
	/*
	 * A write is one command, whole: a second write(2) on the same open
	 * file would be the rest of a command cut in two, or another one
	 * that could as well be applied before the first.  Refused, rather
	 * than applied piece by piece.
	 */
	if (*ppos) {
		snprintf(why, sizeof(why),
			 "write at offset %lld: a command is one write at offset 0 (open the file again)",
			 *ppos);
		skbf_error(sf->name, -EINVAL, why);
		return -EINVAL;
	}
	if (count > SKBF_WRITE_MAX) {
		snprintf(why, sizeof(why), "write of %zu bytes, at most %d allowed",
			 count, SKBF_WRITE_MAX);
		skbf_error(sf->name, -EINVAL, why);
		return -EINVAL;
	}
	buf = memdup_user(ubuf, count);
	if (IS_ERR(buf)) {
		err = PTR_ERR(buf);
		skbf_error(sf->name, err, err == -ENOMEM ? "out of memory for the write" :
			   "the write's buffer cannot be read");
		return err;
	}
	err = sf->write(buf, count);
	kfree(buf);
	if (err)
		return err;
	*ppos += count;
	return count;
}

static int skbf_release_file(struct inode *inode, struct file *file)
{
	kvfree(file->private_data);
	return 0;
}

/*
 * .owner pins the module while any of its files is open (debugfs takes the
 * module with the file's operations): rmmod fails while a run's writer, or
 * anyone, holds a file open, and no module code runs after the last close.
 */
static const struct file_operations skbf_fops = {
	.owner = THIS_MODULE,
	.open = skbf_open,
	.read = skbf_read,
	.write = skbf_write,
	.release = skbf_release_file,
	.llseek = default_llseek,
};
