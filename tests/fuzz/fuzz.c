// SPDX-License-Identifier: GPL-2.0
/*
 * skbf-fuzz: random writes to skbfactory's config and run, each checked
 * against a model of the write grammar written from the contract
 * (docs/debugfs.md, and the bad writes docs/testing.md lists), not from
 * the module's code.  docs/testing.md, "The fuzz", says what it writes,
 * checks and assumes.
 *
 * tests/integration.sh builds it on the host (gcc -static) and adds it to
 * the test VM; case_fuzz (tests/cases.sh) runs it there.
 *
 *   skbf-fuzz [-s SEED] [-n WRITES] [-d DIR] [-r RUN_PERCENT] [-x SHRINKS]
 *             [-b KEY=MIN..MAX] [-v] [-p]
 *
 * -s, -n: the writes (default: the time, 20000); -d: the debugfs directory;
 * -r: the share of writes to run (default 4 %); -x: how many kinds of
 * mismatch are shrunk (8); -b: a bound of the model changed, to see it
 * fail; -v: every write; -p: the model's predictions only, no write made
 * (on any machine).
 *
 * For every write the model predicts the outcome (success, or which errno),
 * what config reads afterwards and, for a run, the "# config:" line, the
 * CPUs and the rows of results; the write is made with write(2) (or
 * writev, pwrite, several write(2) on one open file) and all of that
 * checked, and for a failed write also stats' last_error and that results
 * did not change.  A mismatch prints the seed, the write's index, the write
 * (escaped), expected and got, then the shortest write that still fails
 * the same way (tokens and bytes deleted while it does, config set back to
 * the same state before each try).  Each kind of mismatch is shown and
 * shrunk once; the model then takes config as the module shows it and goes
 * on.
 *
 * Output: "# fuzz: " lines on stdout.  Exit 0 when every write matched, 1
 * on a mismatch, 2 on a usage or setup error.
 */

#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define WRITE_MAX	4096	/* testing.md, bad_too_long: at most 4096 bytes */
#define MAX_CPUS	8192	/* CPUs the model tracks; a larger number is offline */
#define FREE_MAX	32	/* debugfs.md, free_cpu=: "up to 32 CPUs" */
#define MAX_IFS		32
#define IFNAMSIZ	16
#define VAL_MAX		(WRITE_MAX + 8)
#define CPU_LIST_MAX	511	/* debugfs.md, cpu: a list in its shortest form, at most */
#define MAX_PIECES	4
#define SAFE_RUN	"repeat=1 warmup=0"	/* with count=1..4: every run is tiny */
#define RUN_ALARM	30	/* seconds: a write to run that takes longer is stopped */

/* ---- Small things: a byte buffer, random numbers, escaping ---- */

struct bytes {
	char *p;
	size_t len, cap;
};

static void die(const char *fmt, ...)
{
	va_list ap;

	printf("# fuzz: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(2);
}

static void b_put(struct bytes *b, const void *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			die("out of memory");
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void b_puts(struct bytes *b, const char *s)
{
	b_put(b, s, strlen(s));
}

static void b_putc(struct bytes *b, char c)
{
	b_put(b, &c, 1);
}

static void __printf(2, 3) b_printf(struct bytes *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	b_put(b, tmp, n < (int)sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void b_set(struct bytes *b, const void *s, size_t n)
{
	b->len = 0;
	b_put(b, s, n);
}

static uint64_t rng_state;

/* splitmix64: the same seed, the same writes. */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number in 0..n-1. */
static unsigned int rn(unsigned int n)
{
	return n ? rnd() % n : 0;
}

/* True @pct times in 100. */
static bool pct(unsigned int pct)
{
	return rn(100) < pct;
}

static const char *pick(const char *const *list, size_t n)
{
	return list[rn(n)];
}

#define PICK(...) ({ static const char *const _l[] = { __VA_ARGS__ }; pick(_l, ARRAY_SIZE(_l)); })

/* @s as one printable line: \t \n \r \v \f \\ \' and \xHH; a long one cut. */
static const char *esc(const char *s, size_t n)
{
	static const char from[] = "\t\n\r\v\f\\'", to[] = "tnrvf\\'";
	static struct bytes b;
	size_t i, show = n > 300 ? 240 : n;

	b.len = 0;
	b_putc(&b, '\'');
	for (i = 0; i < show; i++) {
		unsigned char c = s[i];
		const char *e = c ? strchr(from, c) : NULL;

		if (e) {
			b_putc(&b, '\\');
			b_putc(&b, to[e - from]);
		} else if (c >= 0x20 && c < 0x7f) {
			b_putc(&b, c);
		} else {
			b_printf(&b, "\\x%02x", c);
		}
	}
	b_putc(&b, '\'');
	if (show < n)
		b_printf(&b, "... (%zu bytes)", n);
	return b.p;
}

/* ---- The contract: parameters, modes, files (docs/debugfs.md) ---- */

#define MAX_NODES	1024	/* Debian's CONFIG_NODES_SHIFT=10 */

enum kind { K_MODE, K_U32, K_CPU, K_FREE_CPU, K_DEV, K_RELEASE, K_ALLOC, K_NODE };

struct param {
	const char *name;
	enum kind kind;
	unsigned long long min, max;	/* K_U32: the range */
	const char *def;
};

/* debugfs.md, "Parameters": name, default, range, in the order config shows them. */
static struct param params[] = {
	{ "mode",     K_MODE,     0, 0,         "alloc_skb" },
	{ "size",     K_U32,      1, 65536,     "1500" },
	{ "headroom", K_U32,      0, 65536,     "14" },
	{ "put",      K_U32,      0, 65536,     "100" },
	{ "count",    K_U32,      1, 100000000, "200000" },
	{ "repeat",   K_U32,      1, 100,       "5" },
	{ "warmup",   K_U32,      0, 10,        "1" },
	{ "batch",    K_U32,      1, 4096,      "1" },
	{ "cpu",      K_CPU,      0, 0,         "nic" },
	{ "free_cpu", K_FREE_CPU, 0, 0,         "same" },
	{ "dev",      K_DEV,      0, 0,         "" },
	{ "latency",  K_U32,      0, 1,         "0" },
	{ "cal_alloc_ns", K_U32,  0, 100000,    "2000" },
	{ "cal_free_ns",  K_U32,  0, 100000,    "1000" },
	{ "release",  K_RELEASE,  0, 0,         "one" },
	{ "alloc",    K_ALLOC,    0, 0,         "one" },
	{ "node",     K_NODE,     0, 0,         "any" },
};

enum { P_MODE, P_SIZE, P_HEADROOM, P_PUT, P_COUNT, P_REPEAT, P_WARMUP, P_BATCH, P_CPU,
	P_FREE_CPU, P_DEV, P_LATENCY, P_CAL_ALLOC, P_CAL_FREE, P_RELEASE, P_ALLOC, P_NODE, NR_PARAMS };

/* debugfs.md, "Modes": mode=all runs them in this order, all but calibrate. */
static const char *const modes[] = {
	"alloc_skb", "alloc_skb_fclone", "alloc_skb_with_frags", "skb_clone", "netdev_alloc_skb",
	"napi_alloc_skb", "build_skb", "page_pool", "kmalloc_floor", "empty", "calibrate",
};

#define NR_MODES	ARRAY_SIZE(modes)
#define NR_IN_ALL	(NR_MODES - 1)
#define MODE_ALL	NR_MODES
#define MODE_SKB_CLONE	3
#define MODE_PAGE_POOL	7
#define MODE_KMALLOC_FLOOR	8
#define MODE_EMPTY	9
#define MODE_CALIBRATE	10

enum file { F_CONFIG, F_RUN, F_RESULTS, F_LAYOUT, F_STATS, NR_FILES };
static const char *const files[] = { "config", "run", "results", "layout", "stats" };

/* The outcomes of a write: success, an errno, or a short count. */
enum { O_OK, O_EINVAL, O_ENODEV, O_EBUSY, O_ESRCH, O_ESPIPE, O_ENOMEM, O_EAGAIN, O_EINTR,
	O_ECANCELED, O_EOPNOTSUPP, O_SHORT, O_OTHER, NR_OUTCOMES };
static const int outcome_errno[] = { 0, EINVAL, ENODEV, EBUSY, ESRCH, ESPIPE, ENOMEM, EAGAIN,
	EINTR, ECANCELED, EOPNOTSUPP, 0, 0 };
static const char *const outcome_name[] = { "OK", "EINVAL", "ENODEV", "EBUSY", "ESRCH",
	"ESPIPE", "ENOMEM", "EAGAIN", "EINTR", "ECANCELED", "EOPNOTSUPP", "a short write",
	"another errno" };

#define BIT(o)	(1u << (o))

static int outcome_of(int err)
{
	size_t o;

	for (o = 1; o < ARRAY_SIZE(outcome_errno); o++)
		if (outcome_errno[o] == err)
			return o;
	return O_OTHER;
}

/* ---- The guest: online CPUs, interfaces, the NIC's CPU, memory ---- */

static struct {
	unsigned char online[MAX_CPUS];
	int nr_online, first_online;
	char ifname[MAX_IFS][IFNAMSIZ + 1];
	int if_cpu[MAX_IFS];	/* the CPU cpu=nic measures on with dev=it; -1: unknown */
	int nr_ifs;
	int nic_cpu;		/* dev= empty: the first NIC up with an IRQ; -1: unknown */
	char nic[IFNAMSIZ + 1];
	bool have_list;		/* 6.3+ (uname): release=list is there */
	unsigned char mem_node[MAX_NODES];	/* the nodes with memory */
	const char *dir;
} env;

/*
 * @path's text, from one open, in @b; 0 or the errno.  A read that returns
 * less than it asked for ends it: debugfs files and /proc give all they
 * have (a read saved on each of the fuzz's 30000 or so).
 */
static int read_text(const char *path, struct bytes *b)
{
	static char tmp[65536];
	ssize_t n;
	int fd;

	b->len = 0;
	b_put(b, "", 0);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return errno;
	while ((n = read(fd, tmp, sizeof(tmp))) > 0) {
		b_put(b, tmp, n);
		if (n < (ssize_t)sizeof(tmp))
			break;
	}
	if (n < 0) {
		n = errno;
		close(fd);
		return n;
	}
	close(fd);
	return 0;
}

static bool cpulist_parse(const char *s, unsigned char *set, bool *offline);

/* The online CPUs of the CPU list in @path, in @set; how many, or -1. */
static int online_in(const char *path, unsigned char *set)
{
	struct bytes b = { 0 };
	bool offline;
	int n = -1, i;

	memset(set, 0, MAX_CPUS);
	if (read_text(path, &b) == 0) {
		while (b.len && isspace((unsigned char)b.p[b.len - 1]))
			b.p[--b.len] = '\0';
		if (cpulist_parse(b.p, set, &offline))
			for (n = 0, i = 0; i < MAX_CPUS; i++)
				n += set[i] &= env.online[i];
	}
	free(b.p);
	return n;
}

/*
 * The CPU IRQ @irq fires on: the one online CPU of its affinity, or of its
 * effective affinity within it (x86 applies a new affinity when the IRQ
 * next fires); -1 when that does not name one.
 */
static int irq_cpu(int irq)
{
	static unsigned char aff[MAX_CPUS], eff[MAX_CPUS];
	char path[64];
	int i, n;

	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", irq);
	n = online_in(path, aff);
	snprintf(path, sizeof(path), "/proc/irq/%d/effective_affinity_list", irq);
	if (n != 1 && online_in(path, eff) == 1)
		for (i = 0; i < MAX_CPUS; i++)
			if (eff[i] && aff[i])
				return i;
	for (i = 0; n == 1 && i < MAX_CPUS; i++)
		if (aff[i])
			return i;
	return -1;
}

/*
 * The CPU that services interface @name's receive IRQ (debugfs.md, cpu=nic):
 * its IRQs are those /proc/interrupts names after the interface or its
 * device ("virtio0-input.0", "eth0-rx-0"), the receive ones those whose name
 * says so (input, rx), else all.  -1 when they do not agree on one CPU, or
 * there is none.
 */
static int if_irq_cpu(const char *name, const struct bytes *irqs)
{
	char path[256], link[256], dev[256] = "", *line, *save = NULL, *copy;
	int cpu[2] = { -1, -1 }, bad[2] = { 0, 0 }, l;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device", name);
	l = readlink(path, link, sizeof(link) - 1);
	if (l > 0) {
		link[l] = '\0';
		snprintf(dev, sizeof(dev), "%s", strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
	}
	copy = strdup(irqs->p);
	if (!copy)
		die("out of memory");
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *last = line + strlen(line), *irq = line, low[64];
		size_t dl = strlen(dev), nl = strlen(name), i;
		int c, rx;

		while (last > line && isspace((unsigned char)last[-1]))
			*--last = '\0';
		while (last > line && !isspace((unsigned char)last[-1]))
			last--;
		while (isspace((unsigned char)*irq))
			irq++;
		if (!isdigit((unsigned char)*irq))
			continue;
		if (!((dl && !strncmp(last, dev, dl) && (last[dl] == '-' || !last[dl])) ||
		      (!strncmp(last, name, nl) && (last[nl] == '-' || !last[nl]))))
			continue;
		for (i = 0; i < sizeof(low) - 1 && last[i]; i++)
			low[i] = tolower((unsigned char)last[i]);
		low[i] = '\0';
		rx = strstr(low, "input") || strstr(low, "rx");
		c = irq_cpu(atoi(irq));
		if (c < 0 || (cpu[rx] >= 0 && cpu[rx] != c))
			bad[rx] = 1;
		cpu[rx] = c;
	}
	free(copy);
	if (cpu[1] >= 0 || bad[1])
		return bad[1] ? -1 : cpu[1];
	return bad[0] ? -1 : cpu[0];
}

static long read_long(const char *path)
{
	struct bytes b = { 0 };
	long v = -1;

	if (read_text(path, &b) == 0)
		v = strtol(b.p, NULL, 0);
	free(b.p);
	return v;
}

/* The guest's kernel is @major.@minor or later (uname's release). */
static bool kernel_since(unsigned int major, unsigned int minor)
{
	struct utsname u;
	unsigned int ma, mi;

	if (uname(&u) || sscanf(u.release, "%u.%u", &ma, &mi) != 2)
		die("cannot read the kernel's release (uname)");
	return ma > major || (ma == major && mi >= minor);
}

/*
 * env.mem_node: the nodes with memory, from sysfs ("0-1", "0,2"); a kernel
 * without CONFIG_NUMA has no such file and node 0 only.
 */
static void nodes_read(void)
{
	struct bytes b = { 0 };
	char *p, *end;
	unsigned long lo, hi;

	if (read_text("/sys/devices/system/node/has_memory", &b)) {
		env.mem_node[0] = 1;
		free(b.p);
		return;
	}
	for (p = b.p; *p && !isspace((unsigned char)*p); p = *end ? end + 1 : end) {
		lo = hi = strtoul(p, &end, 10);
		if (*end == '-')
			hi = strtoul(end + 1, &end, 10);
		if (end == p || hi >= MAX_NODES || lo > hi)
			die("cannot parse /sys/devices/system/node/has_memory: %s", b.p);
		while (lo <= hi)
			env.mem_node[lo++] = 1;
		if (*end != ',')
			break;
	}
	free(b.p);
}

static void env_read(void)
{
	struct bytes b = { 0 }, irqs = { 0 };
	int index[MAX_IFS], i, j;
	struct dirent *de;
	bool offline;
	DIR *d;

	if (read_text("/sys/devices/system/cpu/online", &b))
		die("cannot read /sys/devices/system/cpu/online");
	while (b.len && isspace((unsigned char)b.p[b.len - 1]))
		b.p[--b.len] = '\0';
	if (!cpulist_parse(b.p, env.online, &offline))
		die("cannot parse /sys/devices/system/cpu/online: %s", b.p);
	env.first_online = -1;
	for (i = 0; i < MAX_CPUS; i++) {
		if (!env.online[i])
			continue;
		env.nr_online++;
		if (env.first_online < 0)
			env.first_online = i;
	}
	read_text("/proc/interrupts", &irqs);
	d = opendir("/sys/class/net");
	if (!d)
		die("cannot read /sys/class/net");
	while ((de = readdir(d)) && env.nr_ifs < MAX_IFS) {
		char path[300];

		if (de->d_name[0] == '.' || strlen(de->d_name) > IFNAMSIZ - 1)
			continue;
		snprintf(path, sizeof(path), "/sys/class/net/%s/ifindex", de->d_name);
		/* in ifindex order: "the first NIC that is up" */
		index[env.nr_ifs] = read_long(path);
		for (i = env.nr_ifs; i > 0 && index[i - 1] > index[env.nr_ifs]; i--)
			;
		for (j = env.nr_ifs; j > i; j--) {
			index[j] = index[j - 1];
			memcpy(env.ifname[j], env.ifname[j - 1], sizeof(env.ifname[j]));
		}
		index[i] = read_long(path);
		snprintf(env.ifname[i], sizeof(env.ifname[i]), "%s", de->d_name);
		env.nr_ifs++;
	}
	closedir(d);
	env.nic_cpu = -1;
	for (i = 0; i < env.nr_ifs; i++) {
		char path[300];
		long flags;

		env.if_cpu[i] = if_irq_cpu(env.ifname[i], &irqs);
		snprintf(path, sizeof(path), "/sys/class/net/%s/flags", env.ifname[i]);
		flags = read_long(path);
		/* debugfs.md, dev: "the first that is up and has an IRQ" (IFF_UP, not IFF_LOOPBACK) */
		if (!env.nic[0] && flags >= 0 && (flags & 0x1) && !(flags & 0x8) && env.if_cpu[i] >= 0) {
			snprintf(env.nic, sizeof(env.nic), "%s", env.ifname[i]);
			env.nic_cpu = env.if_cpu[i];
		}
		/* without an IRQ a run falls back to a CPU the model cannot tell */
		if (env.if_cpu[i] < 0 && env.nr_online == 1)
			env.if_cpu[i] = env.first_online;
	}
	if (env.nic_cpu < 0 && env.nr_online == 1)
		env.nic_cpu = env.first_online;
	free(b.p);
	free(irqs.p);
	env.have_list = kernel_since(6, 3);
	nodes_read();
}

static int if_find(const char *name)
{
	int i;

	for (i = 0; i < env.nr_ifs; i++)
		if (!strcmp(env.ifname[i], name))
			return i;
	return -1;
}

/* MemAvailable, bytes: "the memory the kernel reports as available". */
static unsigned long long mem_available(void)
{
	struct bytes b = { 0 };
	unsigned long long kb = 0;
	char *p;

	if (read_text("/proc/meminfo", &b) == 0) {
		p = strstr(b.p, "MemAvailable:");
		if (p)
			kb = strtoull(p + 13, NULL, 10);
	}
	free(b.p);
	return kb * 1024;
}

/* debugfs.md, "node=": the modes whose allocator takes a node. */
static bool node_path(unsigned int mode)
{
	return mode <= 1 || mode == MODE_SKB_CLONE || mode == MODE_PAGE_POOL ||
	       mode == MODE_KMALLOC_FLOOR;
}

/* ---- The model ---- */

struct cfg {
	unsigned int mode;			/* an index of modes[], or MODE_ALL */
	unsigned long long num[NR_PARAMS];	/* the K_U32 ones */
	char cpu[VAL_MAX];			/* nic, all, or the list's shortest form */
	char free_cpu[VAL_MAX];			/* same, or the list's shortest form */
	char dev[IFNAMSIZ];
	bool list;				/* release=list */
	bool bulk;				/* alloc=bulk */
	int node;				/* node=: -1 for any */
};

/* What a write must do. */
struct expect {
	unsigned int allowed;		/* BIT(outcome) each */
	int want;			/* the outcome to name */
	const char *rule;		/* the rule that decided, a short tag */
	char why[200];			/* the same in words */
	struct cfg after;		/* config afterwards, when it succeeds */
	bool run;			/* a run, when it succeeds */
	struct cfg rcfg;		/* the run's parameters */
	int ncpus;			/* its measuring CPUs: how many */
	int cpu;			/* cpu=nic: the one, -1 unknown */
	unsigned char *cpus;		/* cpu=all or a list: which */
};

static unsigned char run_cpus[MAX_CPUS];

static bool is_ws(unsigned char c)
{
	/* debugfs.md: "Tokens are separated by any whitespace" (C's isspace) */
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* A decimal number of digits only ("numbers are decimal only"), any length. */
static bool digits(const char **s, unsigned long long *v);

static bool number(const char *s, unsigned long long *v)
{
	return *s && strspn(s, "0123456789") == strlen(s) && digits(&s, v);
}

/* The decimal number at *@s, any length (~0 past 19 digits); *@s moves past it. */
static bool digits(const char **s, unsigned long long *v)
{
	const char *p = *s;
	size_t n = strspn(p, "0123456789"), sig;

	if (!n)
		return false;
	while (n > 1 && *p == '0') {
		p++;
		n--;
	}
	sig = n;
	*v = 0;
	if (sig > 19)
		*v = ~0ULL;
	else
		while (n--)
			*v = *v * 10 + (*p++ - '0');
	*s += strspn(*s, "0123456789");
	return true;
}

/*
 * debugfs.md, cpu: "a CPU list such as 0-3,6": elements N or N-M (N <= M),
 * comma-separated, decimal.  Sets @set; @offline when it names a CPU that is
 * not online.  False when it is not such a list.
 */
static bool cpulist_parse(const char *s, unsigned char *set, bool *offline)
{
	*offline = false;
	if (!*s)
		return false;
	for (;;) {
		unsigned long long a, b, i;

		if (!digits(&s, &a))
			return false;
		b = a;
		if (*s == '-') {
			s++;
			if (!digits(&s, &b) || b < a)
				return false;
		}
		for (i = a; i <= b; i++) {
			if (i >= MAX_CPUS) {
				*offline = true;
				break;
			}
			set[i] = 1;
			if (!env.online[i])
				*offline = true;
		}
		if (!*s)
			return true;
		if (*s != ',')
			return false;
		s++;
	}
}

/*
 * debugfs.md, cpu: a list is kept "in its shortest form ... ranges merged,
 * in order, numbers without leading zeros", as the kernel prints a CPU
 * list.  @set's, in @out.
 */
static void cpus_render(const unsigned char *set, char *out, size_t size)
{
	size_t n = 0;
	int i, j;

	out[0] = '\0';
	for (i = 0; i < MAX_CPUS && n < size; i = j + 1) {
		if (!set[i]) {
			j = i;
			continue;
		}
		for (j = i; j + 1 < MAX_CPUS && set[j + 1]; j++)
			;
		if (j > i)
			n += snprintf(out + n, size - n, "%s%d-%d", n ? "," : "", i, j);
		else
			n += snprintf(out + n, size - n, "%s%d", n ? "," : "", i);
	}
}

static void cfg_default(struct cfg *c);

static void __printf(4, 5) expect_err(struct expect *e, int o, const char *rule, const char *fmt, ...)
{
	va_list ap;

	e->allowed = BIT(o);
	e->want = o;
	e->rule = rule;
	e->run = false;
	va_start(ap, fmt);
	vsnprintf(e->why, sizeof(e->why), fmt, ap);
	va_end(ap);
}

/* The rule tag of a bad value of param @i. */
static const char *value_rule(int i)
{
	static char tags[NR_PARAMS][32];

	snprintf(tags[i], sizeof(tags[i]), "value:%s", params[i].name);
	return tags[i];
}

/* Param @i's value @v into @c; false (and @e says why) when it is not one. */
static bool value_set(struct cfg *c, int i, const char *v, struct expect *e)
{
	const struct param *p = &params[i];
	static unsigned char set[MAX_CPUS];
	static char list[VAL_MAX];
	unsigned long long n;
	bool offline;
	size_t m, l = strlen(v);

	switch (p->kind) {
	case K_MODE:
		for (m = 0; m <= NR_MODES; m++) {
			if (!strcmp(v, m < NR_MODES ? modes[m] : "all")) {
				c->mode = m;
				return true;
			}
		}
		expect_err(e, O_EINVAL, value_rule(i), "mode=%.40s: not a mode nor all", v);
		return false;
	case K_U32:
		if (!number(v, &n) || n < p->min || n > p->max) {
			expect_err(e, O_EINVAL, value_rule(i), "%s=%.40s: not a decimal number %llu..%llu",
				   p->name, v, p->min, p->max);
			return false;
		}
		c->num[i] = n;
		return true;
	case K_CPU:
		memset(set, 0, sizeof(set));
		if (strcmp(v, "nic") && strcmp(v, "all") && (!cpulist_parse(v, set, &offline) || offline)) {
			expect_err(e, O_EINVAL, value_rule(i),
				   "cpu=%.40s: not nic, all, or a list of online CPUs", v);
			return false;
		}
		if (!strcmp(v, "nic") || !strcmp(v, "all")) {
			memcpy(c->cpu, v, l + 1);
			return true;
		}
		cpus_render(set, list, sizeof(list));
		if (strlen(list) > CPU_LIST_MAX) {
			expect_err(e, O_EINVAL, value_rule(i),
				   "cpu=%.40s: over %d characters even as ranges", v, CPU_LIST_MAX);
			return false;
		}
		memcpy(c->cpu, list, strlen(list) + 1);
		return true;
	case K_FREE_CPU:
		/* debugfs.md, free_cpu: same, or a list of online CPUs as cpu= takes, not all */
		memset(set, 0, sizeof(set));
		if (strcmp(v, "same") && (!cpulist_parse(v, set, &offline) || offline)) {
			expect_err(e, O_EINVAL, value_rule(i),
				   "free_cpu=%.40s: not same nor a list of online CPUs", v);
			return false;
		}
		if (!strcmp(v, "same")) {
			memcpy(c->free_cpu, v, l + 1);
			return true;
		}
		for (n = 0, m = 0; m < MAX_CPUS; m++)
			n += set[m];
		if (n > FREE_MAX) {
			expect_err(e, O_EINVAL, value_rule(i), "free_cpu=%.40s: over %d CPUs", v,
				   FREE_MAX);
			return false;
		}
		/* kept in its shortest form, as a cpu= list (007 is 7, 1,0 is 0-1) */
		cpus_render(set, c->free_cpu, sizeof(c->free_cpu));
		return true;
	case K_DEV:
		/*
		 * "the NIC ..., or empty"; a name is a Linux interface name:
		 * 1 to 15 bytes, not . or .., no / or : (testing.md, bad_dev_name)
		 */
		if (l && (l >= IFNAMSIZ || !strcmp(v, ".") || !strcmp(v, "..") ||
			  strpbrk(v, "/:"))) {
			expect_err(e, O_EINVAL, value_rule(i), "dev=%.40s: not an interface name", v);
			return false;
		}
		memcpy(c->dev, v, l + 1);
		return true;
	case K_RELEASE:
		if (strcmp(v, "one") && strcmp(v, "list")) {
			expect_err(e, O_EINVAL, value_rule(i), "release=%.40s: not one nor list", v);
			return false;
		}
		/* debugfs.md, errors: EOPNOTSUPP for release=list before 6.3 */
		if (!strcmp(v, "list") && !env.have_list) {
			expect_err(e, O_EOPNOTSUPP, "release-list-kernel",
				   "release=list on a kernel before 6.3: EOPNOTSUPP");
			return false;
		}
		c->list = !strcmp(v, "list");
		return true;
	case K_ALLOC:
		if (strcmp(v, "one") && strcmp(v, "bulk")) {
			expect_err(e, O_EINVAL, value_rule(i), "alloc=%.40s: not one nor bulk", v);
			return false;
		}
		c->bulk = !strcmp(v, "bulk");
		return true;
	case K_NODE:
		if (strcmp(v, "any") && (!number(v, &n) || n >= MAX_NODES || !env.mem_node[n])) {
			expect_err(e, O_EINVAL, value_rule(i), "node=%.40s: not any nor a node with memory", v);
			return false;
		}
		/* kept as the node's number (007 is 7) */
		c->node = strcmp(v, "any") ? (int)n : -1;
		return true;
	}
	return false;
}

static void cfg_default(struct cfg *c)
{
	struct expect e;
	int i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NR_PARAMS; i++)
		if (!value_set(c, i, params[i].def, &e))
			die("the model refuses its own default %s=%s", params[i].name, params[i].def);
}

/* config's text: "key=value" a line, in the table's order; or @sep between, @end after. */
static void cfg_render(const struct cfg *c, struct bytes *b, const char *sep, const char *end)
{
	int i;

	for (i = 0; i < NR_PARAMS; i++) {
		b_puts(b, i ? sep : "");
		b_printf(b, "%s=", params[i].name);
		switch (params[i].kind) {
		case K_MODE:
			b_puts(b, c->mode < NR_MODES ? modes[c->mode] : "all");
			break;
		case K_U32:
			b_printf(b, "%llu", c->num[i]);
			break;
		case K_CPU:
			b_puts(b, c->cpu);
			break;
		case K_FREE_CPU:
			b_puts(b, c->free_cpu);
			break;
		case K_DEV:
			b_puts(b, c->dev);
			break;
		case K_RELEASE:
			b_puts(b, c->list ? "list" : "one");
			break;
		case K_ALLOC:
			b_puts(b, c->bulk ? "bulk" : "one");
			break;
		case K_NODE:
			if (c->node < 0)
				b_puts(b, "any");
			else
				b_printf(b, "%d", c->node);
			break;
		}
	}
	b_puts(b, end);
}

/* From config's text, for the model to go on from what the module holds. */
static bool cfg_parse(struct cfg *c, const char *text)
{
	char *copy = strdup(text), *tok, *save = NULL;
	unsigned int seen = 0;
	struct expect e;
	int i;

	if (!copy)
		die("out of memory");
	cfg_default(c);
	for (tok = strtok_r(copy, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq)
			break;
		*eq = '\0';
		for (i = 0; i < NR_PARAMS && strcmp(tok, params[i].name); i++)
			;
		if (i == NR_PARAMS || !value_set(c, i, eq + 1, &e))
			break;
		seen |= 1u << i;
	}
	free(copy);
	return seen == (1u << NR_PARAMS) - 1;
}

/* The least and the most a run's batches hold on one CPU, bytes (0 for empty). */
/* The releasing CPUs of @c's free_cpu= (a list), in @set; false for same. */
static bool free_set(const struct cfg *c, unsigned char *set)
{
	bool offline;

	memset(set, 0, MAX_CPUS);
	return strcmp(c->free_cpu, "same") && cpulist_parse(c->free_cpu, set, &offline);
}

/* How many CPUs @c's free_cpu= names. */
static unsigned int free_count(const struct cfg *c)
{
	static unsigned char set[MAX_CPUS];
	unsigned int n = 0;
	int i;

	if (!free_set(c, set))
		return 0;
	for (i = 0; i < MAX_CPUS; i++)
		n += set[i];
	return n;
}

static void footprint(const struct cfg *c, unsigned int mode, unsigned long long *lo,
		      unsigned long long *hi)
{
	unsigned long long size = c->num[P_SIZE], slots = c->num[P_BATCH], alloc = 64;

	/*
	 * debugfs.md, "The memory bound": "the sk_buff, the head as the
	 * allocator hands it out, page fragments, the free_cpu ring, skb_clone's
	 * parents, page_pool's own pages: a ring of 256 and a cache of 128,
	 * each a page of the order the fragments need".  At least size bytes
	 * an object; at most twice the size the allocator rounds size plus the
	 * shared info up to, and 1 KiB of sk_buffs, twice over for
	 * skb_clone's parents; a ring holds 512, one to each releasing CPU.
	 */
	if (mode == MODE_EMPTY || mode == MODE_CALIBRATE) {
		*lo = *hi = 0;
		return;
	}
	while (alloc < size + 512)
		alloc *= 2;
	*lo = slots * size;
	if (strcmp(c->free_cpu, "same"))
		slots += 512 * free_count(c) + 1;
	*hi = slots * 2 * (alloc + 1024) * (mode == MODE_SKB_CLONE ? 2 : 1);
	if (mode == MODE_PAGE_POOL) {
		*lo += (256 + 128) * (size > 4096 ? size : 4096);
		*hi += (256 + 128) * 2 * (alloc > 4096 ? alloc : 4096);
	}
}

/* free_cpu= names a CPU that cpu=all or cpu=LIST measures on. */
static bool clash(const struct cfg *c)
{
	static unsigned char set[MAX_CPUS], frees[MAX_CPUS];
	bool offline;
	int i;

	if (!strcmp(c->cpu, "nic") || !free_set(c, frees))
		return false;
	memset(set, 0, sizeof(set));
	if (!strcmp(c->cpu, "all"))
		memcpy(set, env.online, sizeof(set));
	else if (!cpulist_parse(c->cpu, set, &offline))
		return false;
	for (i = 0; i < MAX_CPUS; i++)
		if (set[i] && frees[i])
			return true;
	return false;
}

/*
 * What a run of @e->rcfg does, from where it would run: ENODEV for a dev=
 * that names no device; EINVAL for free_cpu= on a measuring CPU or a run
 * over the memory bound; else it runs.  Where the model cannot tell (the
 * NIC's CPU unknown, a footprint near the bound) either outcome is allowed.
 */
static void model_run(struct expect *e)
{
	static unsigned char frees[MAX_CPUS];
	const struct cfg *c = &e->rcfg;
	unsigned int certain = 0, maybe = 0, m, first, last;
	unsigned long long fc = 0, lo = 0, hi = 0, l, h, bound;
	const char *rule = "run";
	int i, n = -1;

	e->cpus = NULL;
	e->cpu = -1;
	if (c->dev[0])
		n = if_find(c->dev);
	if (c->dev[0] && n < 0) {
		certain |= BIT(O_ENODEV);
		rule = "dev-missing";
		snprintf(e->why, sizeof(e->why), "dev=%s names no device: ENODEV", c->dev);
	}
	if (!strcmp(c->cpu, "nic")) {
		e->ncpus = 1;
		e->cpu = c->dev[0] ? (n >= 0 ? env.if_cpu[n] : -1) : env.nic_cpu;
	} else {
		bool offline;

		memset(run_cpus, 0, sizeof(run_cpus));
		if (!strcmp(c->cpu, "all"))
			memcpy(run_cpus, env.online, sizeof(run_cpus));
		else
			cpulist_parse(c->cpu, run_cpus, &offline);
		e->cpus = run_cpus;
		for (e->ncpus = 0, i = 0; i < MAX_CPUS; i++)
			e->ncpus += run_cpus[i];
	}
	if (free_set(c, frees)) {
		for (fc = 0; fc < MAX_CPUS; fc++)
			if (frees[fc] && (e->cpus ? e->cpus[fc] : e->cpu == (int)fc))
				break;
		if (fc < MAX_CPUS) {
			certain |= BIT(O_EINVAL);
			rule = "free_cpu-measuring";
			snprintf(e->why, sizeof(e->why),
				 "free_cpu=%.40s names a measuring CPU, %llu (cpu=%.40s): EINVAL",
				 c->free_cpu, fc, c->cpu);
		} else if (!e->cpus && e->cpu < 0) {
			maybe |= BIT(O_EINVAL);
		}
	}
	first = c->mode == MODE_ALL ? 0 : c->mode;
	last = c->mode == MODE_ALL ? NR_IN_ALL - 1 : c->mode;
	for (m = first; m <= last; m++) {
		footprint(c, m, &l, &h);
		lo = l > lo ? l : lo;
		hi = h > hi ? h : hi;
	}
	/* a tenth either way: available memory moves as the runs go */
	bound = mem_available() / 4;
	if (lo * e->ncpus > bound + bound / 10) {
		certain |= BIT(O_EINVAL);
		rule = "memory-bound";
		snprintf(e->why, sizeof(e->why),
			 "batch=%llu x size=%llu on %d CPUs: over a quarter of available memory (%llu MiB): EINVAL",
			 c->num[P_BATCH], c->num[P_SIZE], e->ncpus, bound >> 20);
	} else if (hi * e->ncpus > bound - bound / 10) {
		maybe |= BIT(O_EINVAL);
	}
	e->rule = rule;
	if (certain) {
		e->allowed = certain | maybe;
		e->want = certain & BIT(O_EINVAL) ? O_EINVAL : O_ENODEV;
		e->run = false;
	} else {
		e->allowed = BIT(O_OK) | maybe;
		e->want = O_OK;
		e->run = true;
		snprintf(e->why, sizeof(e->why), "a run of %d mode(s) on %d CPU(s)%s", last - first + 1,
			 e->ncpus, maybe ? " (or EINVAL: near the memory bound, or free_cpu on the NIC's CPU the model cannot tell)" : "");
	}
}

/*
 * The token of @buf from *@i on, whitespace before it skipped (*@i then at
 * its start), into @tok; returns where it ends (*@i when there is none).
 */
static size_t next_token(const char *buf, size_t len, size_t *i, char *tok)
{
	size_t j;

	for (; *i < len && is_ws(buf[*i]); (*i)++)
		;
	for (j = *i; j < len && !is_ws(buf[j]); j++)
		;
	memcpy(tok, buf + *i, j - *i);
	tok[j - *i] = '\0';
	return j;
}

/*
 * The model: what a write of @buf[@len] to @file at file offset @off does,
 * config being @cur.  Each rule names where the contract says it.
 */
static void model(const struct cfg *cur, enum file file, const char *buf, size_t len, long long off,
		  struct expect *e)
{
	static char tok[VAL_MAX];
	unsigned int seen = 0, ntok = 0, start = 0, reset = 0, stop = 0;
	struct cfg *new = &e->after;
	size_t i, j;

	memset(e, 0, offsetof(struct expect, after));
	e->run = false;
	e->ncpus = 0;
	e->cpu = -1;
	e->cpus = NULL;
	*new = *cur;
	if (file != F_CONFIG && file != F_RUN) {
		/* debugfs.md: results, layout, stats are 0400; testing.md bad_readonly_files */
		expect_err(e, O_EINVAL, "read-only", "%s takes no writes: EINVAL", files[file]);
		return;
	}
	if (len > WRITE_MAX) {
		/* testing.md, bad_too_long: "at most 4096 allowed" */
		expect_err(e, O_EINVAL, "too-long", "%zu bytes, over 4096: EINVAL", len);
		return;
	}
	if (off) {
		/*
		 * debugfs.md: "A command is one write(2) ... at offset 0: a
		 * second write on the same open file is refused with EINVAL"
		 * (after an earlier write on the same open file, a pwrite, or
		 * a writev's second buffer).
		 */
		expect_err(e, O_EINVAL, "offset",
			   "a write at file offset %lld, the rest of an input: EINVAL", off);
		return;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = buf[i];

		/* testing.md, bad_random_4k, bad_nul: printable ASCII and whitespace only */
		if (!(c >= 0x21 && c <= 0x7e) && !is_ws(c)) {
			expect_err(e, O_EINVAL, "non-printable",
				   "byte 0x%02x at offset %zu is not printable: EINVAL", c, i);
			return;
		}
	}
	/* first pass: the special words */
	for (i = 0; i < len; i = j) {
		j = next_token(buf, len, &i, tok);
		if (j == i)
			break;
		ntok++;
		stop += !strcmp(tok, "stop");
	}
	if (file == F_RUN && ntok == 1 && stop) {
		/* debugfs.md: "stop ends the run in progress"; ESRCH: "stop with no run" */
		expect_err(e, O_ESRCH, "stop", "stop with no run in progress: ESRCH");
		return;
	}
	if (!ntok) {
		/* testing.md, bad_whitespace_only: "empty write" */
		expect_err(e, O_EINVAL, "empty", "no token: EINVAL");
		return;
	}
	for (i = 0; i < len; i = j) {
		char *eq;
		int p;

		j = next_token(buf, len, &i, tok);
		if (j == i)
			break;
		if (file == F_RUN && (!strcmp(tok, "1") || !strcmp(tok, "start"))) {
			/* debugfs.md: "a write runs: 1 (or start)"; testing.md bad_run_start_twice */
			if (start++) {
				expect_err(e, O_EINVAL, "start-twice", "\"%s\": start given twice: EINVAL",
					   tok);
				return;
			}
			continue;
		}
		if (file == F_CONFIG && !strcmp(tok, "reset")) {
			/* debugfs.md: "echo reset > config: every parameter back to its default" */
			reset++;
			continue;
		}
		eq = strchr(tok, '=');
		if (!eq || eq == tok) {
			expect_err(e, O_EINVAL, "not-key=value", "\"%.40s\": not key=value: EINVAL", tok);
			return;
		}
		*eq = '\0';
		for (p = 0; p < NR_PARAMS && strcmp(tok, params[p].name); p++)
			;
		if (p == NR_PARAMS) {
			/* testing.md, bad_unknown_key (keys are case-sensitive) */
			expect_err(e, O_EINVAL, "unknown-key", "unknown key \"%.40s\": EINVAL", tok);
			return;
		}
		if (seen & (1u << p)) {
			/* testing.md, bad_duplicate_key */
			expect_err(e, O_EINVAL, "duplicate-key", "duplicate key \"%s\": EINVAL", tok);
			return;
		}
		seen |= 1u << p;
		if (!value_set(new, p, eq + 1, e))
			return;
	}
	if (reset) {
		/* testing.md, bad_reset_mixed: "reset" alone */
		if (ntok > 1) {
			expect_err(e, O_EINVAL, "reset-mixed", "reset with other tokens: EINVAL");
			return;
		}
		cfg_default(new);
	}
	if (file == F_RUN && !start) {
		/* debugfs.md: "A write to run without 1 or start is refused (EINVAL)" */
		expect_err(e, O_EINVAL, "no-start", "a write to run without 1 or start: EINVAL");
		return;
	}
	if (new->num[P_HEADROOM] + new->num[P_PUT] > new->num[P_SIZE]) {
		/* debugfs.md, put: "headroom + put <= size"; errors: EINVAL */
		expect_err(e, O_EINVAL, "headroom+put", "headroom=%llu + put=%llu > size=%llu: EINVAL",
			   new->num[P_HEADROOM], new->num[P_PUT], new->num[P_SIZE]);
		return;
	}
	if (strcmp(new->free_cpu, "same") && new->num[P_BATCH] != 1) {
		/* debugfs.md, errors: "free_cpu= with batch > 1" */
		expect_err(e, O_EINVAL, "free_cpu+batch", "free_cpu=%.20s with batch=%llu: EINVAL",
			   new->free_cpu, new->num[P_BATCH]);
		return;
	}
	if (new->list && new->num[P_BATCH] > 64) {
		/* debugfs.md, "release=list": "batch is at most 64 ... more is EINVAL" */
		expect_err(e, O_EINVAL, "release-list-batch", "release=list with batch=%llu > 64: EINVAL",
			   new->num[P_BATCH]);
		return;
	}
	if (new->bulk && new->num[P_BATCH] > 64) {
		/* debugfs.md, "alloc=bulk": "batch is at most 64 ... more is EINVAL" */
		expect_err(e, O_EINVAL, "alloc-bulk-batch", "alloc=bulk with batch=%llu > 64: EINVAL",
			   new->num[P_BATCH]);
		return;
	}
	if (new->bulk && new->mode != MODE_KMALLOC_FLOOR && new->mode != MODE_ALL) {
		/* debugfs.md, "alloc=bulk": "mode=kmalloc_floor or mode=all; another mode is EINVAL" */
		expect_err(e, O_EINVAL, "alloc-bulk-mode", "alloc=bulk with mode=%s: EINVAL",
			   modes[new->mode]);
		return;
	}
	if (new->node >= 0 && new->mode != MODE_ALL && !node_path(new->mode)) {
		/* debugfs.md, "node=": "another mode with node=N is EINVAL" */
		expect_err(e, O_EINVAL, "node-mode", "node=%d with mode=%s: EINVAL", new->node,
			   modes[new->mode]);
		return;
	}
	if (new->node >= 0 && new->bulk) {
		/* debugfs.md, "node=": "not with alloc=bulk" */
		expect_err(e, O_EINVAL, "node-bulk", "node=%d with alloc=bulk: EINVAL", new->node);
		return;
	}
	if (strcmp(new->free_cpu, "same") && new->list) {
		/* debugfs.md, errors: "free_cpu= ... with release=list" */
		expect_err(e, O_EINVAL, "free_cpu+release", "free_cpu=%.20s with release=list: EINVAL",
			   new->free_cpu);
		return;
	}
	if (file == F_CONFIG) {
		e->allowed = BIT(O_OK);
		e->want = O_OK;
		e->rule = reset ? "reset" : "config";
		snprintf(e->why, sizeof(e->why), "%s", reset ? "the defaults" : "config changed");
		/*
		 * debugfs.md lists "free_cpu= ... on a measuring CPU" as EINVAL
		 * without saying when: config may refuse cpu= and free_cpu= that
		 * clash, or leave it to the run (with cpu=nic only a run can tell).
		 */
		if (strcmp(new->free_cpu, "same") && clash(new)) {
			e->allowed |= BIT(O_EINVAL);
			snprintf(e->why, sizeof(e->why),
				 "config changed, or EINVAL: free_cpu=%.20s is a CPU of cpu=%.40s",
				 new->free_cpu, new->cpu);
		}
		return;
	}
	/* debugfs.md: "key=value tokens for this run only" */
	e->rcfg = *new;
	e->after = *cur;
	model_run(e);
}

/* ---- Writes: what the generator makes and the runner does ---- */

enum how {
	W_ONE,		/* open, one write(2), close */
	W_PIECES,	/* open, several write(2), close */
	W_WRITEV,	/* open, one writev(2) of several pieces, close */
	W_PWRITE,	/* open config O_RDWR, pwrite(2) at an offset */
	W_READ_WRITE,	/* open config O_RDWR, read it all, write(2) */
	NR_HOWS
};
static const char *const hows[] = { "write", "pieces", "writev", "pwrite", "read+write" };

struct wspec {
	enum file file;
	enum how how;
	struct bytes data;
	size_t cut[MAX_PIECES + 1];	/* pieces: [cut[k], cut[k + 1]) */
	int npieces;
	long long off;			/* W_PWRITE */
};

static void ws_copy(struct wspec *to, const struct wspec *from)
{
	struct bytes keep = to->data;

	*to = *from;
	to->data = keep;
	b_set(&to->data, from->data.p, from->data.len);
}

/*
 * A write to run that cannot make a long run, whatever the module makes of
 * it: every count=, repeat= and warmup= token a tiny one, and either all
 * three there, or no start token and no key=value at all ("", "stop").
 */
static bool run_safe(const char *p, size_t len)
{
	const char *end = p + len;
	bool bare = true;
	int have = 0;

	while (p < end) {
		const char *q;
		size_t n;

		while (p < end && is_ws(*p))
			p++;
		for (q = p; q < end && !is_ws(*q); q++)
			;
		n = q - p;
		if ((n == 1 && *p == '1') || (n == 5 && !memcmp(p, "start", 5)) || memchr(p, '=', n))
			bare = false;
		if ((n >= 6 && !memcmp(p, "count=", 6)) || (n >= 7 && !memcmp(p, "repeat=", 7)) ||
		    (n >= 7 && !memcmp(p, "warmup=", 7))) {
			if (n == 7 && !memcmp(p, "count=", 6) && p[6] >= '1' && p[6] <= '4')
				have |= 1;
			else if (n == 8 && !memcmp(p, "repeat=1", 8))
				have |= 2;
			else if (n == 8 && !memcmp(p, "warmup=0", 8))
				have |= 4;
			else
				return false;
		}
		p = q;
	}
	return have == 7 || bare;
}

/* Each piece of a write to run, and all of it, run_safe(). */
static bool ws_safe(const struct wspec *w)
{
	int k;

	if (w->file != F_RUN)
		return true;
	for (k = 0; k < w->npieces; k++)
		if (!run_safe(w->data.p + w->cut[k], w->cut[k + 1] - w->cut[k]))
			return false;
	return run_safe(w->data.p, w->data.len);
}

/* ---- The generator ---- */

static const char *const seps[] = { " ", " ", " ", " ", "\t", "\n", "\r", "\v", "\f", "  ",
	"\n\t", " \t ", "\r\n" };

static void gen_sep(struct bytes *b)
{
	b_puts(b, pick(seps, ARRAY_SIZE(seps)));
}

/* A number of the U32 param @p: mostly valid, often at a bound or one past. */
static void gen_u32(struct bytes *b, const struct param *p)
{
	unsigned long long lo = p->min, hi = p->max;
	unsigned int c = rn(24), z;

	if (c < 8) {
		b_printf(b, "%llu", lo + rnd() % (hi - lo + 1));
	} else if (c < 10) {
		b_printf(b, "%llu", lo + rnd() % (hi - lo < 16 ? hi - lo + 1 : 16));
	} else if (c == 10) {
		b_printf(b, "%llu", lo);
	} else if (c == 11) {
		b_printf(b, "%llu", hi);
	} else if (c == 12) {
		b_printf(b, "%lld", (long long)lo - 1);	/* -1 for a minimum of 0 */
	} else if (c == 13) {
		b_printf(b, "%llu", hi + 1);
	} else if (c == 14) {
		b_puts(b, PICK("4294967295", "4294967296", "4294967297", "18446744073709551615",
			       "18446744073709551616", "99999999999999999999999", "2147483648",
			       "100000000000"));
	} else if (c == 15) {
		/* leading zeros, sometimes many: still a decimal number */
		for (z = pct(20) ? 20 + rn(80) : 1 + rn(3); z; z--)
			b_putc(b, '0');
		b_printf(b, "%llu", lo + rnd() % (hi - lo + 1));
	} else if (c == 16) {
		b_printf(b, "%s%llu", PICK("+", "-", "-0"), lo + rn(8));
	} else if (c == 17) {
		b_printf(b, "%s%llu", PICK("0x", "0X", "0b", "0o"), lo + rn(64));
	} else if (c == 18) {
		b_printf(b, "%llu%s", lo + rn(64),
			 PICK("x", "k", "K", "M", ",", ".", ".5", "e3", "-", "+", "=1", "_"));
	} else if (c == 19) {
		/* empty */
	} else if (c == 20) {
		b_puts(b, PICK("ten", "one", "inf", "nan", "max", "-", "+", "=", "default"));
	} else if (c == 21) {
		b_printf(b, "%llu.%u", lo + rn(8), rn(10));
	} else {
		b_printf(b, "%llu", lo + rn(4));
	}
}

static void gen_cpu_one(struct bytes *b)
{
	if (pct(85))
		b_printf(b, "%d", env.nr_online ? (int)rn(env.nr_online + 1) : 0);
	else
		b_printf(b, "%s", PICK("7", "8", "63", "64", "4095", "4096", "8191", "8192",
				       "99999999999", "00"));
}

/* A CPU list of 1 to @most elements, each a CPU or a range. */
static void gen_cpu_list(struct bytes *b, unsigned int most)
{
	unsigned int k;

	for (k = 1 + rn(most); k; k--) {
		gen_cpu_one(b);
		if (pct(40)) {
			b_putc(b, '-');
			gen_cpu_one(b);
		}
		if (k > 1)
			b_putc(b, ',');
	}
}

static void gen_value(struct bytes *b, int i)
{
	const struct param *p = &params[i];
	unsigned int c;
	int k;

	switch (p->kind) {
	case K_U32:
		gen_u32(b, p);
		return;
	case K_MODE:
		if (pct(75))
			b_puts(b, rn(NR_MODES + 1) < NR_MODES ? modes[rn(NR_MODES)] : "all");
		else
			b_puts(b, PICK("ALL", "All", "Alloc_skb", "ALLOC_SKB", "alloc_sk", "alloc_skbb",
				       "alloc_skb,empty", "all,empty", "0", "1", "9", "10", "none", "",
				       "alloc-skb", "empty ", "napi", "alloc_skb=1"));
		return;
	case K_CPU:
		c = rn(10);
		if (c < 2) {
			b_puts(b, "nic");
		} else if (c < 4) {
			b_puts(b, "all");
		} else if (c < 6) {
			gen_cpu_one(b);
		} else if (c < 8) {
			gen_cpu_list(b, 4);
		} else if (c == 8) {
			b_puts(b, PICK("", ",0", "0,", "0,,1", "0-", "-1", "-", "0--1", "0-1-2", "1-0",
				       "0:1", "0-1:1/2", "all,0", "nic,0", "NIC", "All", "nicx", "0x1",
				       "+0", "0,1,", "0-0", "1-1", "01", "0,0", "000"));
		} else if (pct(50)) {
			/* long: a list of 40 to 80 characters, or up to 3000 */
			for (k = pct(80) ? 20 + rn(20) : 20 + rn(1500); k; k--)
				b_puts(b, k > 1 ? (pct(80) ? "0," : "00-0,") : "0");
		} else {
			/* long: zeros in front, 50 to 80 of them or up to 4000 */
			for (k = pct(80) ? 50 + rn(30) : 50 + rn(4000); k; k--)
				b_putc(b, '0');
			b_putc(b, '0' + rn(2));
		}
		return;
	case K_FREE_CPU:
		if (pct(40)) {
			b_puts(b, "same");
		} else if (pct(60)) {
			gen_cpu_one(b);
		} else if (pct(40)) {
			gen_cpu_list(b, 3);
		} else if (pct(15)) {
			/* zeros in front, up to a write's worth */
			for (k = pct(50) ? 1 + rn(20) : 1 + rn(4000); k; k--)
				b_putc(b, '0');
			gen_cpu_one(b);
		} else {
			b_puts(b, PICK("SAME", "Same", "same0", "-1", "", "0,1", "0-1", "nic", "all",
				       "00000001", "0000000", "+1", "1.0", "0x1", "123456789"));
		}
		return;
	case K_DEV:
		if (pct(35) && env.nr_ifs)
			b_puts(b, env.ifname[rn(env.nr_ifs)]);
		else if (pct(70))	/* else empty */
			b_puts(b, PICK("nosuch0", "eth1", "ETH0", "eth0.", "abcdefghijklmno",
				       "abcdefghijklmnop", ".", "..", "a/b", "x:y", "a=b", "-", "e",
				       "eth0=eth0", "_", "...", "veryveryverylongname0"));
		return;
	case K_RELEASE:
		if (pct(75))
			b_puts(b, PICK("one", "list"));
		else
			b_puts(b, PICK("", "One", "LIST", "lists", "one,list", "1", "0", "bulk",
				       "list ", "lis"));
		return;
	case K_NODE:
		if (pct(75))
			b_puts(b, PICK("any", "0", "1", "00", "any"));
		else
			b_puts(b, PICK("", "Any", "ANY", "-1", "1024", "4294967296", "0x1", "+0", "0 ",
				       "node0", "0-1", "all"));
		return;
	case K_ALLOC:
		if (pct(75))
			b_puts(b, PICK("one", "bulk"));
		else
			b_puts(b, PICK("", "One", "BULK", "bulks", "one,bulk", "1", "0", "list",
				       "bulk ", "bul"));
		return;
	}
}

/* A random byte that is not printable ASCII nor whitespace. */
static char bad_byte(void)
{
	static const char bad[] = { 0, 1, 2, 7, 8, 0x1b, 0x1c, 0x1f, 0x7f, (char)0x80, (char)0xa0,
		(char)0xc3, (char)0xff };

	return bad[rn(sizeof(bad))];
}

static void gen_junk(struct bytes *b, size_t n, bool printable)
{
	while (n--) {
		if (printable)
			b_putc(b, 0x21 + rn(94));
		else
			b_putc(b, pct(50) ? (char)rn(256) : bad_byte());
	}
}

/* One token for @file; for run, no count=, repeat= or warmup=: gen_run() makes those. */
static void gen_token(struct bytes *b, enum file file)
{
	int i, c = rn(100);

	if (c < 70) {
		do {
			i = rn(NR_PARAMS);
		} while (file == F_RUN && (i == P_COUNT || i == P_REPEAT || i == P_WARMUP));
		b_printf(b, "%s=", params[i].name);
		gen_value(b, i);
		return;
	}
	switch (c) {
	case 70: case 71:
		b_printf(b, "%s=", PICK("Size", "SIZE", "sizes", "siz", "mode_", "cpus", "freecpu",
					"free-cpu", "bogus", "x", "_", "Count", "latency1"));
		gen_u32(b, &params[P_SIZE]);
		return;
	case 72: case 73:
		b_puts(b, params[rn(NR_PARAMS)].name);	/* no "=" */
		return;
	case 74: case 75:
		b_puts(b, PICK("=", "==", "=5", "=all", "size==1", "mode=all=all", "count=1=1",
			       "=reset", "reset=1", "start=1", "1=1", "stop=1"));
		return;
	case 76: case 77: case 78:
		b_puts(b, PICK("reset", "1", "start", "stop", "Reset", "RESET", "START", "Start", "0",
			       "2", "01", "yes", "on", "run", "go", "1start"));
		return;
	case 79: case 80: case 81:
		gen_junk(b, 1 + rn(20), true);
		return;
	case 82:
		gen_junk(b, 1 + rn(8), false);
		return;
	case 83: case 84:
		/* a bad byte inside a key=value */
		i = rn(NR_PARAMS);
		b_printf(b, "%s=", params[i].name);
		b_putc(b, bad_byte());
		gen_value(b, i);
		return;
	case 85:
		i = rn(NR_PARAMS);
		b_puts(b, params[i].name);
		b_putc(b, '\0');
		b_putc(b, '=');
		gen_value(b, i);
		return;
	default:
		/* good ones, to make the writes that succeed */
		if (file == F_RUN)
			b_puts(b, PICK("size=64 headroom=0 put=0", "mode=empty", "mode=all", "cpu=all",
				       "batch=8", "latency=1", "free_cpu=same", "dev=", "cpu=nic",
				       "mode=alloc_skb", "batch=1 free_cpu=0", "size=65536",
				       "release=list", "release=one", "mode=kmalloc_floor alloc=bulk",
				       "alloc=one", "node=0", "node=any", "mode=page_pool node=1"));
		else
			b_puts(b, PICK("size=64 headroom=0 put=0", "size=65536", "put=65536",
				       "batch=4096", "latency=1", "mode=all", "cpu=all", "warmup=0",
				       "free_cpu=0", "free_cpu=same", "batch=1", "count=1", "dev=",
				       "size=1500 headroom=14 put=100", "headroom=0", "put=0",
				       "release=list", "release=one", "mode=kmalloc_floor alloc=bulk",
				       "alloc=one", "alloc=bulk"));
		return;
	}
}

/* A value at a bound of param @p or one either side (the minimum's less one when it is above 0). */
static unsigned long long near(const struct param *p)
{
	unsigned int c = rn(p->min ? 6 : 5);

	return c < 3 ? p->max + 1 - c : c < 5 ? p->min + c - 3 : p->min - 1;
}

/* Values that make a config write succeed: size, headroom and put that fit, and more. */
static void gen_coherent(struct bytes *b)
{
	unsigned long long size = 1 + rnd() % 65536, h, p;
	unsigned int k;

	if (pct(30))
		size = strtoull(PICK("64", "256", "1500", "2048", "4096", "9000", "65536"), NULL, 10);
	h = rnd() % (size + 1);
	p = rnd() % (size - h + 1);
	if (pct(20))
		p = size - h;	/* headroom + put == size */
	if (pct(10))
		p = size - h + 1;	/* one past */
	if (pct(25)) {
		/* at the bounds: size's, or headroom's or put's under the largest size */
		k = rn(3);
		size = k ? params[P_SIZE].max : near(&params[P_SIZE]);
		h = k == 1 ? near(&params[P_HEADROOM]) : 0;
		p = k == 2 ? near(&params[P_PUT]) : 0;
	}
	b_printf(b, "size=%llu headroom=%llu put=%llu", size, h, p);
	if (pct(20))
		b_printf(b, " free_cpu=same batch=%u", 1 + rn(4096));
	else if (pct(25))
		b_printf(b, " batch=1 free_cpu=%d", env.nr_online ? (int)rn(env.nr_online) : 0);
	if (pct(40))
		b_printf(b, " mode=%s", rn(NR_MODES + 1) < NR_MODES ? modes[rn(NR_MODES)] : "all");
	if (pct(30))
		b_printf(b, " latency=%u", rn(2));
	if (pct(20))
		b_printf(b, " release=%s", PICK("one", "list"));
	if (pct(20))
		b_printf(b, " count=%u repeat=%u warmup=%u", 1 + rn(100000), 1 + rn(100), rn(11));
}

/* Tokens, separated by random whitespace, sometimes before and after. */
static void gen_tokens(struct bytes *b, enum file file, int n)
{
	if (pct(15))
		gen_sep(b);
	while (n--) {
		gen_token(b, file);
		if (n || pct(30))
			gen_sep(b);
	}
	if (pct(50))
		b_putc(b, '\n');
}

static struct cfg state;	/* config, as the model knows it */

/* A write to run: 1 or start (mostly), count=1..4 repeat=1 warmup=0, and random tokens. */
static void gen_run(struct bytes *b)
{
	struct bytes t[10] = { 0 };
	int n = 0, i, j, k, extra = rn(4);

	if (pct(85))
		b_puts(&t[n++], pct(70) ? "1" : "start");
	b_printf(&t[n++], "count=%u", 1 + rn(4));
	b_puts(&t[n++], "repeat=1");
	b_puts(&t[n++], "warmup=0");
	if (pct(5))
		b_printf(&t[n++], "%s", PICK("count=1", "repeat=1", "warmup=0", "1", "start"));
	/* mode=all runs every mode, ~8 times as long: mostly one mode */
	if (state.mode == MODE_ALL && pct(70))
		b_printf(&t[n++], "mode=%s", modes[rn(NR_MODES)]);
	for (i = 0; i < extra; i++)
		gen_token(&t[n++], F_RUN);
	/* in random order */
	for (i = n - 1; i > 0; i--) {
		struct bytes x;

		j = rn(i + 1);
		x = t[i];
		t[i] = t[j];
		t[j] = x;
	}
	if (pct(10))
		gen_sep(b);
	for (k = 0; k < n; k++) {
		b_put(b, t[k].p, t[k].len);
		if (k < n - 1 || pct(20))
			gen_sep(b);
		free(t[k].p);
	}
	if (pct(60))
		b_putc(b, '\n');
}

/* Valid tokens padded with spaces to @len bytes: at, under or over the limit. */
static void gen_long(struct bytes *b, enum file file, size_t len)
{
	if (file == F_RUN)
		b_printf(b, "1 count=%u %s", 1 + rn(4), SAFE_RUN);
	else
		b_puts(b, PICK("count=5", "size=64 headroom=0 put=0", "reset", "latency=1"));
	if (pct(20) && b->len < len) {
		size_t n = len - b->len;

		b_putc(b, ' ');
		gen_junk(b, n > 1 ? n - 1 : 0, pct(50));
	}
	while (b->len < len)
		b_putc(b, pct(90) ? ' ' : '\n');
	b->len = len;
}

static void cut_pieces(struct wspec *w)
{
	size_t len = w->data.len;
	int k;

	w->npieces = 2 + rn(MAX_PIECES - 1);
	w->cut[0] = 0;
	for (k = 1; k < w->npieces; k++) {
		size_t prev = w->cut[k - 1];

		/* mostly at whitespace, sometimes inside a token */
		w->cut[k] = prev + (len > prev ? rn(len - prev + 1) : 0);
		if (pct(60))
			while (w->cut[k] < len && !is_ws(w->data.p[w->cut[k]]))
				w->cut[k]++;
	}
	w->cut[w->npieces] = len;
}

/* Whole writes to run, a piece each: each piece is safe alone. */
static void gen_run_pieces(struct wspec *w)
{
	int k;

	w->file = F_RUN;
	w->npieces = 2 + rn(MAX_PIECES - 1);
	w->cut[0] = 0;
	for (k = 0; k < w->npieces; k++) {
		if (pct(10))
			b_puts(&w->data, PICK("stop", " ", "\n", "stop\n"));
		else
			gen_run(&w->data);
		w->cut[k + 1] = w->data.len;
	}
}

/* The next write. */
static void gen_write(struct wspec *w, unsigned int run_pct)
{
	int c;

again:
	c = rn(1000);
	w->data.len = 0;
	b_put(&w->data, "", 0);
	w->how = W_ONE;
	w->file = F_CONFIG;
	w->npieces = 1;
	w->off = 0;
	if (c < (int)run_pct * 10) {
		w->file = F_RUN;
		if (pct(3)) {
			b_puts(&w->data, PICK("stop", "stop\n", " stop ", "\tstop\n\n", "stop stop",
					      "STOP", "stopp", "stop\r\n", "stop\v"));
			if (pct(10))
				b_putc(&w->data, pct(50) ? '\0' : bad_byte());
		} else if (pct(2)) {
			/* stop with other tokens */
			if (pct(50))
				b_puts(&w->data, PICK("stop ", "STOP ", "Stop\n"));
			gen_run(&w->data);
			if (!w->data.len || pct(50))
				b_puts(&w->data, PICK(" stop", " stop\n", "\tstop"));
		} else if (pct(3)) {
			gen_long(&w->data, F_RUN, WRITE_MAX - 1 + rn(3));
		} else if (pct(2)) {
			b_puts(&w->data, PICK("", " ", "\n", "reset", "\t\n "));
		} else {
			gen_run(&w->data);
		}
	} else if (c < 1000 - 60) {
		int k = rn(100);

		if (k < 55) {
			gen_tokens(&w->data, F_CONFIG, pct(90) ? 1 + rn(5) : 1 + rn(30));
		} else if (k < 75) {
			gen_coherent(&w->data);
		} else if (k < 80) {
			b_puts(&w->data, PICK("reset", "reset\n", " reset ", "\treset\n", "reset reset",
					      "reset size=64", "size=64 reset", "RESET", "reset=",
					      "reset\fsize=64"));
			if (pct(10))
				b_putc(&w->data, '\0');
		} else if (k < 86) {
			/* config's own text, as config shows it */
			cfg_render(&state, &w->data, pct(50) ? "\n" : " ", pct(70) ? "\n" : "");
		} else if (k < 90) {
			gen_long(&w->data, F_CONFIG, WRITE_MAX - 2 + rn(4));
		} else if (k < 92) {
			gen_junk(&w->data, pct(50) ? 1 + rn(300) : WRITE_MAX - 1 + rn(3), false);
		} else if (k < 95) {
			b_puts(&w->data, PICK("", " ", "\n", "\t\n \r\v\f", "\n\n"));
		} else {
			gen_tokens(&w->data, F_CONFIG, 1 + rn(3));
			if (pct(50) && w->data.len)
				w->data.p[rn(w->data.len)] = bad_byte();
		}
	} else if (c < 1000 - 30) {
		/* input in pieces, at an offset, after a read */
		int k = rn(100);

		if (k < 65) {
			w->how = k < 35 ? W_PIECES : W_WRITEV;
			if (pct(15)) {
				gen_run_pieces(w);
			} else {
				gen_tokens(&w->data, F_CONFIG, 2 + rn(4));
				cut_pieces(w);
			}
		} else if (k < 85) {
			w->how = W_PWRITE;
			w->off = pct(80) ? 1 + rn(200) : 0;
			gen_tokens(&w->data, F_CONFIG, 1 + rn(3));
		} else {
			w->how = W_READ_WRITE;
			gen_tokens(&w->data, F_CONFIG, 1 + rn(3));
		}
	} else {
		w->file = F_RESULTS + rn(3);
		gen_tokens(&w->data, F_CONFIG, 1 + rn(2));
	}
	if (w->how == W_ONE || w->how == W_PWRITE || w->how == W_READ_WRITE) {
		w->npieces = 1;
		w->cut[0] = 0;
		w->cut[1] = w->data.len;
	}
	if (!ws_safe(w))
		goto again;
}

/* ---- The runner: make the write, check it against the model ---- */

enum mkind { M_OUTCOME, M_CONFIG, M_RESULTS, M_LAST_ERROR };
static const char *const mkinds[] = { "outcome", "config", "results", "last_error" };

/* A mismatch: what differed, for the report and to tell a shrunk one. */
struct mismatch {
	enum mkind kind;
	int piece;
	const char *rule;
	int want, got;
	unsigned int allowed;
	char sig[64];		/* what the module refused, when the model took it */
	struct bytes detail;	/* expected vs got, in words */
};

static struct bytes results;	/* results as the last successful run left them */
static unsigned long writes_ok, writes_failed[NR_OUTCOMES], runs;
static double run_secs;		/* in writes to run */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *path_of(enum file f)
{
	static char p[NR_FILES][256];

	if (!p[f][0])
		snprintf(p[f], sizeof(p[f]), "%s/%s", env.dir, files[f]);
	return p[f];
}

static int outcome(ssize_t r, size_t want_len, int err)
{
	if (r < 0)
		return outcome_of(err);
	return (size_t)r == want_len ? O_OK : O_SHORT;
}

static void allowed_str(struct bytes *b, unsigned int allowed)
{
	int o;
	bool first = true;

	for (o = 0; o < NR_OUTCOMES; o++) {
		if (!(allowed & BIT(o)))
			continue;
		b_printf(b, "%s%s", first ? "" : " or ", outcome_name[o]);
		first = false;
	}
}

static const char *line_of(const char *text, const char *key, size_t *len)
{
	const char *p = text;
	size_t kl = strlen(key);

	while (p && *p) {
		if (!strncmp(p, key, kl)) {
			const char *e = strchr(p, '\n');

			*len = e ? (size_t)(e - p) : strlen(p);
			return p;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

/* stats' last_error, for a report. */
static const char *last_error(void)
{
	static struct bytes s, l;
	const char *p;
	size_t n;

	l.len = 0;
	b_put(&l, "", 0);
	p = read_text(path_of(F_STATS), &s) ? NULL : line_of(s.p, "last_error: ", &n);
	if (p)
		b_put(&l, p + 12, n - 12);
	return l.p;
}

/* Check a successful run's results: the # config line, the CPUs, the rows. */
static bool check_results(const struct expect *e, struct mismatch *mm)
{
	static struct bytes want, set_text;
	static unsigned char set[MAX_CPUS];
	unsigned int nmodes = e->rcfg.mode == MODE_ALL ? NR_IN_ALL : 1;
	int rows = 0, wrows = nmodes * (e->ncpus + (e->ncpus > 1)), i;
	const char *p, *q;
	bool header = false, offline;
	size_t n;

	if (read_text(path_of(F_RESULTS), &results)) {
		b_printf(&mm->detail, "cannot read results: %s", strerror(errno));
		return false;
	}
	want.len = 0;
	b_puts(&want, "# config: ");
	cfg_render(&e->rcfg, &want, " ", "");
	p = line_of(results.p, "# config: ", &n);
	if (!p || n != want.len || memcmp(p, want.p, n)) {
		b_puts(&mm->detail, "results: want ");
		b_puts(&mm->detail, esc(want.p, want.len));
		b_puts(&mm->detail, ", got ");
		b_puts(&mm->detail, p ? esc(p, n) : "no # config line");
		return false;
	}
	p = line_of(results.p, "# cpu_list: ", &n);
	set_text.len = 0;
	if (p)
		b_put(&set_text, p + 12, n - 12);
	memset(set, 0, sizeof(set));
	if (!p || !cpulist_parse(set_text.p, set, &offline)) {
		b_printf(&mm->detail, "results: no # cpu_list line, or not a CPU list");
		return false;
	}
	for (n = 0, i = 0; i < MAX_CPUS; i++)
		n += set[i];
	if ((int)n != e->ncpus || (e->cpus && memcmp(set, e->cpus, MAX_CPUS)) ||
	    (!e->cpus && e->cpu >= 0 && !set[e->cpu])) {
		b_printf(&mm->detail, "results: cpu_list %s, want %d CPU(s)", set_text.p, e->ncpus);
		if (!e->cpus && e->cpu >= 0)
			b_printf(&mm->detail, " (CPU %d: the NIC's)", e->cpu);
		return false;
	}
	for (p = results.p; p && *p; p = q ? q + 1 : NULL) {
		q = strchr(p, '\n');
		if (*p == '#' || *p == '\n' || !*p)
			continue;
		if (header)
			rows++;
		header = true;
	}
	if (rows != wrows) {
		b_printf(&mm->detail, "results: %d rows, want %d (%u mode(s) x %d CPU(s)%s)", rows,
			 wrows, nmodes, e->ncpus, e->ncpus > 1 ? " + a sum row" : "");
		return false;
	}
	return true;
}

/*
 * Whether results @a and @b are those of the same run: the same text but
 * for the lines on the machine as it is now (version, kernel, machine,
 * allocator: the clocksource, say, may change between two reads).
 */
static bool same_results(const struct bytes *a, const struct bytes *b)
{
	static const char *const now_lines[] = { "# version: ", "# kernel: ", "# machine: ",
		"# allocator: " };
	const char *p = a->p, *q = b->p, *pe = p + a->len, *qe = q + b->len;

	for (;;) {
		const char *pn, *qn;
		size_t i;
		bool skip;

		do {
			pn = memchr(p, '\n', pe - p);
			pn = pn ? pn + 1 : pe;
			for (skip = false, i = 0; i < ARRAY_SIZE(now_lines); i++)
				skip |= !strncmp(p, now_lines[i], strlen(now_lines[i]));
		} while (skip && (p = pn) < pe);
		do {
			qn = memchr(q, '\n', qe - q);
			qn = qn ? qn + 1 : qe;
			for (skip = false, i = 0; i < ARRAY_SIZE(now_lines); i++)
				skip |= !strncmp(q, now_lines[i], strlen(now_lines[i]));
		} while (skip && (q = qn) < qe);
		if (p >= pe || q >= qe)
			return p >= pe && q >= qe;
		if (pn - p != qn - q || memcmp(p, q, pn - p))
			return false;
		p = pn;
		q = qn;
	}
}

/* After a write that failed: stats' last_error names its errno and file. */
static bool check_last_error(int o, enum file f, struct mismatch *mm)
{
	char want[64];
	const char *l;

	if (o == O_ESPIPE)
		return true;	/* the VFS's: the module never saw the write */
	l = last_error();
	snprintf(want, sizeof(want), "-%d %s %s: ", outcome_errno[o], outcome_name[o], files[f]);
	if (strncmp(l, want, strlen(want))) {
		b_puts(&mm->detail, "stats' last_error is ");
		b_puts(&mm->detail, esc(l, strlen(l)));
		b_printf(&mm->detail, ", want '%s...'", want);
		return false;
	}
	return true;
}

/*
 * The kind of refusal a last_error names, to tell mismatches apart where
 * the model took a write the module refused: "-22 EINVAL config: cpu=0000:
 * expected ..." gives "cpu=: expected ...", without the value or digits.
 */
static void reason(const char *l, char *sig, size_t size)
{
	const char *p = strstr(l, ": "), *colon, *eq;
	size_t n = 0;

	p = p ? p + 2 : l;
	colon = strstr(p, ": ");
	eq = strchr(p, '=');
	if (colon && eq && eq < colon && !strchr(p, '"')) {
		/* KEY=VALUE: WHY */
		n = (size_t)(eq - p) + 1;
		if (n > size - 1)
			n = size - 1;
		memcpy(sig, p, n);
		p = colon;
	}
	/* the reason up to its first comma, without numbers */
	for (; *p && *p != ',' && n < size - 1 && n < 40; p++)
		if (!isdigit((unsigned char)*p))
			sig[n++] = *p;
	sig[n] = '\0';
}

/*
 * debugfs.md: "a writev(2) is a write(2) per buffer: only the first, at
 * offset 0, is a command; the next is refused (EINVAL, in last_error) and
 * writev returns the first buffer's length".  @e, the model of the first
 * buffer alone, becomes the writev's: where the first succeeds and bytes
 * follow it, a short write (of exactly cut[1] bytes: perform() checks).
 */
static void writev_expect(struct expect *e, const struct wspec *w)
{
	size_t first = w->cut[1], rest = w->data.len - first;

	if (!rest || !(e->allowed & BIT(O_OK)))
		return;
	e->allowed = (e->allowed & ~BIT(O_OK)) | BIT(O_SHORT);
	if (e->want == O_OK)
		e->want = O_SHORT;
	snprintf(e->why + strlen(e->why), sizeof(e->why) - strlen(e->why),
		 "; the first buffer (%zu bytes) only, the next %zu refused", first, rest);
}

static int verbose;
static unsigned long config_einvals;
static bool dry;	/* -p: the model's predictions only, no write made */

/*
 * Make write @w, config being @state, and check every piece against the
 * model.  True when all matched; else @mm says how it did not.  @state
 * follows the model (a mismatch leaves resync() to the caller).
 */
static bool perform(const struct wspec *w, struct mismatch *mm)
{
	static struct bytes text, want, res;
	static struct expect e;
	int flags = O_WRONLY, fd = -1, k, o, err = 0;
	long long off = 0;
	double t = 0;
	ssize_t r = 0;

	mm->detail.len = 0;
	b_put(&mm->detail, "", 0);
	mm->sig[0] = '\0';
	if (w->how == W_PWRITE || w->how == W_READ_WRITE)
		flags = O_RDWR;
	if (w->how != W_ONE && !dry) {
		fd = open(path_of(w->file), flags);
		if (fd < 0)
			die("cannot open %s: %s", path_of(w->file), strerror(errno));
		if (w->how == W_READ_WRITE) {
			char tmp[4096];

			while ((r = read(fd, tmp, sizeof(tmp))) > 0)
				off += r;
		}
	}
	for (k = 0; k < (w->how == W_WRITEV ? 1 : w->npieces); k++) {
		const char *p = w->data.p + w->cut[k];
		size_t len = w->cut[k + 1] - w->cut[k];
		bool applied;

		if (w->how == W_PWRITE)
			off = w->off;
		model(&state, w->file, p, len, off, &e);
		if (w->how == W_WRITEV) {
			len = w->data.len;
			writev_expect(&e, w);
		}
		if (dry) {
			printf("# %s %s %d/%d: %s -> ", files[w->file], hows[w->how], k + 1,
			       w->npieces, esc(p, len));
			want.len = 0;
			allowed_str(&want, e.allowed);
			printf("%s [%s: %s]\n", want.p, e.rule, e.why);
			if (e.want == O_OK || e.want == O_SHORT) {
				state = e.after;
				off += len;
				writes_ok++;
				runs += e.run;
			} else {
				writes_failed[e.want]++;
			}
			if (w->how == W_WRITEV)
				break;
			continue;
		}
		errno = 0;
		/* a signal stops a run (debugfs.md): the backstop if one runs long */
		if (w->file == F_RUN) {
			alarm(RUN_ALARM);
			t = now();
		}
		switch (w->how) {
		case W_ONE:
			fd = open(path_of(w->file), flags);
			if (fd < 0)
				die("cannot open %s: %s", path_of(w->file), strerror(errno));
			r = write(fd, p, len);
			err = errno;
			close(fd);
			fd = -1;
			break;
		case W_PIECES:
		case W_READ_WRITE:
			r = write(fd, p, len);
			err = errno;
			break;
		case W_WRITEV: {
			struct iovec iov[MAX_PIECES];
			int i;

			/* the VFS takes a writev of 0 bytes without asking the file */
			if (!len)
				e.allowed |= BIT(O_OK);
			for (i = 0; i < w->npieces; i++) {
				iov[i].iov_base = w->data.p + w->cut[i];
				iov[i].iov_len = w->cut[i + 1] - w->cut[i];
			}
			r = writev(fd, iov, w->npieces);
			err = errno;
			break;
		}
		case W_PWRITE:
			/* a positional write may also be refused by the VFS (ESPIPE) */
			if (off)
				e.allowed |= BIT(O_ESPIPE);
			r = pwrite(fd, p, len, off);
			err = errno;
			break;
		default:
			break;
		}
		alarm(0);
		if (w->file == F_RUN)
			run_secs += now() - t;
		o = outcome(r, len, err);
		if (verbose)
			printf("#   %s %s %d: %s -> %s [%s]\n", files[w->file], hows[w->how], k + 1,
			       esc(p, len), outcome_name[o], e.rule);
		mm->piece = k;
		/* a writev is one write: however the module took it apart, one kind */
		mm->rule = w->how == W_WRITEV ? "writev" : e.rule;
		mm->want = e.want;
		mm->allowed = e.allowed;
		mm->got = o;
		if (o == O_OK)
			writes_ok++;
		else
			writes_failed[o]++;
		/* a short writev: the first buffer, to the byte */
		if (!(e.allowed & BIT(o)) || (o == O_SHORT && r != (ssize_t)w->cut[1])) {
			mm->kind = M_OUTCOME;
			b_puts(&mm->detail, "expected ");
			allowed_str(&mm->detail, e.allowed);
			b_printf(&mm->detail, " (%s), got %s", e.why, outcome_name[o]);
			if (o == O_SHORT)
				b_printf(&mm->detail, " (%zd of %zu bytes)", r, len);
			if (o == O_OTHER)
				b_printf(&mm->detail, " (%s)", strerror(err));
			if (o == O_EINTR && w->file == F_RUN)
				b_printf(&mm->detail, " (the fuzz stopped the run after %d s)", RUN_ALARM);
			if (o != O_OK) {
				const char *l = last_error();

				b_puts(&mm->detail, "; last_error: ");
				b_puts(&mm->detail, esc(l, strlen(l)));
				if (o != O_SHORT && strcmp(mm->rule, "offset") && strcmp(mm->rule, "writev"))
					reason(l, mm->sig, sizeof(mm->sig));
			}
			if (fd >= 0)
				close(fd);
			return false;
		}
		/* the write (a writev's first buffer) took effect */
		applied = (o == O_OK || o == O_SHORT) && (e.want == O_OK || e.want == O_SHORT);
		/* config: as the model says */
		if (read_text(path_of(F_CONFIG), &text))
			die("cannot read config: %s", strerror(errno));
		want.len = 0;
		cfg_render(applied ? &e.after : &state, &want, "\n", "\n");
		if (text.len != want.len || memcmp(text.p, want.p, want.len)) {
			mm->kind = M_CONFIG;
			b_printf(&mm->detail, "got %s as expected (%s), but config reads ",
				 outcome_name[o], e.why);
			b_puts(&mm->detail, esc(text.p, text.len));
			b_puts(&mm->detail, ", want ");
			b_puts(&mm->detail, esc(want.p, want.len));
			if (fd >= 0)
				close(fd);
			return false;
		}
		if (applied && e.run) {
			runs++;
			if (!check_results(&e, mm)) {
				mm->kind = M_RESULTS;
				if (fd >= 0)
					close(fd);
				return false;
			}
		}
		if (o != O_OK) {
			/* a short writev: its second buffer was refused, EINVAL */
			int lo = o == O_SHORT ? O_EINVAL : o;

			/*
			 * last_error: after every failed write but one in four
			 * of config's EINVALs, the most common (a read of stats
			 * costs as much as the write)
			 */
			if ((w->file != F_CONFIG || lo != O_EINVAL || !(config_einvals++ % 4)) &&
			    !check_last_error(lo, w->file, mm)) {
				mm->kind = M_LAST_ERROR;
				if (fd >= 0)
					close(fd);
				return false;
			}
			/* debugfs.md: a run "replaces results only when it succeeds" */
			if (w->file == F_RUN && !applied) {
				read_text(path_of(F_RESULTS), &res);
				if (!same_results(&res, &results)) {
					mm->kind = M_RESULTS;
					b_printf(&mm->detail, "the failed run changed results");
					b_set(&results, res.p, res.len);
					if (fd >= 0)
						close(fd);
					return false;
				}
			}
		}
		if (applied)
			state = e.after;
		if (o == O_OK)
			off += len;
		if (w->how == W_WRITEV)
			break;
	}
	if (fd >= 0)
		close(fd);
	return true;
}

static unsigned long unreadable;	/* configs the model could not read */

/* Config as the module shows it becomes the model's; false when it cannot be. */
static bool resync(void)
{
	struct bytes text = { 0 };
	bool ok;
	int fd;

	read_text(path_of(F_CONFIG), &text);
	ok = cfg_parse(&state, text.p);
	if (!ok) {
		if (!unreadable++)
			printf("# fuzz:   the model cannot read config (%s): writing reset (said once)\n",
			       esc(text.p, text.len));
		fd = open(path_of(F_CONFIG), O_WRONLY);
		if (fd >= 0) {
			if (write(fd, "reset", 5) != 5)
				printf("# fuzz:   reset failed: %s\n", strerror(errno));
			close(fd);
		}
		cfg_default(&state);
	}
	read_text(path_of(F_RESULTS), &results);
	free(text.p);
	return ok;
}

/* Config set to @c (every key, in one write): the state a shrink tries start from. */
static bool restore(const struct cfg *c)
{
	struct bytes b = { 0 }, text = { 0 }, want = { 0 };
	bool ok = false;
	int fd;

	cfg_render(c, &b, " ", "");
	fd = open(path_of(F_CONFIG), O_WRONLY);
	if (fd >= 0) {
		ok = write(fd, b.p, b.len) == (ssize_t)b.len;
		close(fd);
	}
	cfg_render(c, &want, "\n", "\n");
	read_text(path_of(F_CONFIG), &text);
	ok = ok && text.len == want.len && !memcmp(text.p, want.p, want.len);
	state = *c;
	free(b.p);
	free(text.p);
	free(want.p);
	return ok;
}

/* ---- Shrinking ---- */

static unsigned int shrink_tries;

/* Does @w, from config @pre, still mismatch as @orig did? */
static bool still_fails(const struct wspec *w, const struct cfg *pre, const struct mismatch *orig,
			struct mismatch *mm)
{
	if (!ws_safe(w))
		return false;
	shrink_tries++;
	if (!strcmp(orig->rule, "writev")) {
		/* a writev's mismatch: one its first buffer in one write(2) does not have */
		static struct wspec one;

		ws_copy(&one, w);
		one.how = W_ONE;
		one.npieces = 1;
		one.data.len = one.cut[1];
		if (!restore(pre) || !perform(&one, mm))
			return false;
	}
	if (!restore(pre))
		return false;
	if (perform(w, mm))
		return false;
	return mm->kind == orig->kind && mm->got == orig->got && mm->piece == orig->piece &&
	       !strcmp(mm->rule, orig->rule) && !strcmp(mm->sig, orig->sig);
}

/* A write in pieces: each piece, a line each. */
static void print_pieces(const struct wspec *w)
{
	int k;

	for (k = 0; w->npieces > 1 && k < w->npieces; k++)
		printf("# fuzz:     piece %d: %s\n", k + 1,
		       esc(w->data.p + w->cut[k], w->cut[k + 1] - w->cut[k]));
}

/* @w less bytes [a, b) of its data; the pieces' cuts follow. */
static void ws_delete(struct wspec *to, const struct wspec *from, size_t a, size_t b)
{
	int k;

	ws_copy(to, from);
	memmove(to->data.p + a, to->data.p + b, to->data.len - b);
	to->data.len -= b - a;
	for (k = 0; k <= to->npieces; k++) {
		if (to->cut[k] >= b)
			to->cut[k] -= b - a;
		else if (to->cut[k] > a)
			to->cut[k] = a;
	}
}

/*
 * The shortest write that still fails as @w did: whole tokens, then runs
 * of bytes (halving), then single bytes deleted while it does.
 */
static void shrink(struct wspec *w, const struct cfg *pre, const struct mismatch *orig,
		   unsigned int budget)
{
	static struct wspec c;
	static struct mismatch mm;
	bool progress = true;
	size_t chunk, a;

	shrink_tries = 0;
	while (progress && shrink_tries < budget) {
		progress = false;
		/* tokens, with the whitespace after them */
		for (a = 0; a < w->data.len && shrink_tries < budget;) {
			size_t t = a, e;

			while (t < w->data.len && is_ws(w->data.p[t]))
				t++;
			e = t;
			while (e < w->data.len && !is_ws(w->data.p[e]))
				e++;
			while (e < w->data.len && is_ws(w->data.p[e]))
				e++;
			if (e == a)
				break;
			ws_delete(&c, w, a, e);
			if (still_fails(&c, pre, orig, &mm)) {
				ws_copy(w, &c);
				progress = true;
				continue;
			}
			a = e;
		}
		for (chunk = w->data.len / 2; chunk >= 1 && shrink_tries < budget; chunk /= 2) {
			for (a = 0; a + chunk <= w->data.len && shrink_tries < budget;) {
				ws_delete(&c, w, a, a + chunk);
				if (still_fails(&c, pre, orig, &mm)) {
					ws_copy(w, &c);
					progress = true;
					continue;
				}
				a += chunk;
			}
		}
	}
	printf("# fuzz:   shrunk (%u tries): %s %s: %s\n", shrink_tries, files[w->file], hows[w->how],
	       esc(w->data.p, w->data.len));
	print_pieces(w);
	/* the shrunk one, once more, for its report (three tries: some depend on the CPU) */
	for (a = 0; a < 3; a++)
		if (restore(pre) && !perform(w, &mm))
			break;
	if (a == 3)
		printf("# fuzz:   shrunk: it did not fail again in 3 tries\n");
	else
		printf("# fuzz:   shrunk: %s [%s]\n", mm.detail.p, mm.rule);
}

/* The first mismatch of its kind: said, then shrunk when @do_shrink. */
static void report(unsigned long long seed, unsigned long long i, const struct wspec *w,
		   const struct cfg *pre, const struct mismatch *mm, bool do_shrink)
{
	static struct wspec orig;
	static struct bytes text;
	struct mismatch first = *mm;
	unsigned long ok = writes_ok, nruns = runs, failed[NR_OUTCOMES];
	double secs = run_secs;

	printf("# fuzz: MISMATCH seed %llu write %llu: %s %s", seed, i, files[w->file], hows[w->how]);
	if (w->npieces > 1)
		printf(" (piece %d of %d)", mm->piece + 1, w->npieces);
	printf(": %s\n", esc(w->data.p, w->data.len));
	print_pieces(w);
	text.len = 0;
	cfg_render(pre, &text, " ", "");
	printf("# fuzz:   config before: %s\n", text.p);
	printf("# fuzz:   %s [%s, %s]\n", mm->detail.p, mm->rule, mkinds[mm->kind]);
	if (!do_shrink)
		return;
	/* the shrink's writes are not the fuzz's */
	memcpy(failed, writes_failed, sizeof(failed));
	first.detail = (struct bytes){ 0 };
	ws_copy(&orig, w);
	shrink(&orig, pre, &first, 400);
	writes_ok = ok;
	runs = nruns;
	run_secs = secs;
	memcpy(writes_failed, failed, sizeof(failed));
}

/* ---- Main ---- */

/*
 * debugfs.md, errors: EFAULT, "the write's buffer cannot be read" (the
 * VFS lets a user address through; the module's copy of it fails):
 * last_error says so and config does not change.  False on a mismatch, said.
 */
static bool efault_check(void)
{
	static struct bytes before, after;
	const char *l;
	bool same;
	ssize_t r;
	void *bad;
	int fd, err;

	/* a page the writer may not read: the module's copy of it faults */
	bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (bad == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	read_text(path_of(F_CONFIG), &before);
	fd = open(path_of(F_CONFIG), O_WRONLY);
	if (fd < 0)
		die("cannot open %s: %s", path_of(F_CONFIG), strerror(errno));
	r = write(fd, bad, 8);
	err = errno;
	close(fd);
	munmap(bad, 4096);
	l = last_error();
	read_text(path_of(F_CONFIG), &after);
	same = before.len == after.len && !memcmp(before.p, after.p, after.len);
	if (r == -1 && err == EFAULT && !strncmp(l, "-14 EFAULT config: ", 19) && same)
		return true;
	printf("# fuzz: MISMATCH: a write from a page the writer may not read: expected EFAULT, ");
	printf("last_error '-14 EFAULT config: ...', config unchanged; got %s, last_error %s%s\n",
	       r == -1 ? strerror(err) : "success", esc(l, strlen(l)),
	       same ? "" : ", config changed");
	return false;
}

/* -b KEY=MIN..MAX: the model's bounds, changed (to see it fail). */
static void mutate(const char *arg)
{
	char key[32];
	unsigned long long lo, hi;
	int i;

	if (sscanf(arg, "%31[a-z_]=%llu..%llu", key, &lo, &hi) != 3)
		die("-b wants KEY=MIN..MAX, not %s", arg);
	for (i = 0; i < NR_PARAMS; i++) {
		if (!strcmp(params[i].name, key) && params[i].kind == K_U32) {
			params[i].min = lo;
			params[i].max = hi;
			printf("# fuzz: the model's %s is %llu..%llu (-b): this run should fail\n", key,
			       lo, hi);
			return;
		}
	}
	die("-b: no numeric parameter %s", key);
}

struct mclass {
	const char *rule;
	enum mkind kind;
	char sig[64];
	unsigned long n, first;
};

static void on_alarm(int sig)
{
	(void)sig;
}

static void usage(void)
{
	fprintf(stderr, "usage: skbf-fuzz [-s SEED] [-n WRITES] [-d DIR] [-r RUN_PERCENT] [-x SHRINKS]\n"
		"                 [-b KEY=MIN..MAX] [-v] [-p]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct mclass classes[64];
	static struct wspec w;
	static struct mismatch mm;
	unsigned long long seed = time(NULL), n = 20000, i;
	unsigned int run_pct = 4, max_shrinks = 8, nclasses = 0, shrunk = 0, c;
	unsigned long mismatches = 0;
	struct bytes text = { 0 };
	struct cfg pre;
	double t0;
	int opt;

	struct sigaction sa = { .sa_handler = on_alarm };

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGALRM, &sa, NULL);
	env.dir = getenv("SKBFACTORY_DEBUGFS") ? getenv("SKBFACTORY_DEBUGFS") :
		  "/sys/kernel/debug/skbfactory";
	while ((opt = getopt(argc, argv, "s:n:d:r:x:b:vp")) != -1) {
		if (opt == 's')
			seed = strtoull(optarg, NULL, 10);
		else if (opt == 'n')
			n = strtoull(optarg, NULL, 10);
		else if (opt == 'd')
			env.dir = optarg;
		else if (opt == 'r')
			run_pct = atoi(optarg);
		else if (opt == 'x')
			max_shrinks = atoi(optarg);
		else if (opt == 'b')
			mutate(optarg);
		else if (opt == 'v')
			verbose++;
		else if (opt == 'p')
			dry = true;
		else
			usage();
	}
	if (optind != argc || run_pct > 100)
		usage();
	rng_state = seed;
	env_read();
	printf("# fuzz: seed %llu, %llu writes (replay: FUZZ_SEED=%llu FUZZ_WRITES=%llu)\n", seed, n,
	       seed, n);
	printf("# fuzz: the guest: %d CPU(s) online; interfaces", env.nr_online);
	for (c = 0; c < (unsigned int)env.nr_ifs; c++) {
		printf("%s %s", c ? "," : "", env.ifname[c]);
		if (env.if_cpu[c] >= 0)
			printf(" (receive IRQ on CPU %d)", env.if_cpu[c]);
	}
	printf("; cpu=nic: %s", env.nic[0] ? env.nic : "no NIC");
	if (env.nic_cpu >= 0)
		printf(", CPU %d", env.nic_cpu);
	printf("; MemAvailable %llu MiB\n", mem_available() >> 20);
	/* from the defaults: reset must give them */
	w.file = F_CONFIG;
	w.how = W_ONE;
	w.npieces = 1;
	b_set(&w.data, "reset", 5);
	w.cut[0] = 0;
	w.cut[1] = 5;
	if (dry)
		cfg_default(&state);
	else
		resync();
	if (!perform(&w, &mm)) {
		printf("# fuzz: MISMATCH on the first write, reset: %s\n", mm.detail.p);
		resync();
		mismatches++;
	}
	if (!dry && !efault_check())
		mismatches++;
	read_text(path_of(F_RESULTS), &results);
	t0 = now();
	for (i = 1; i <= n; i++) {
		gen_write(&w, run_pct);
		if (pct(2)) {
			/* a read: every file reads (run, 0200, is write-only) */
			enum file f = rn(4) ? F_RESULTS + rn(3) : F_CONFIG;

			if (!dry && read_text(path_of(f), &text)) {
				printf("# fuzz: reading %s failed: %s (before write %llu)\n", files[f],
				       strerror(errno), i);
				mismatches++;
			}
		}
		pre = state;
		if (perform(&w, &mm))
			goto next;
		mismatches++;
		for (c = 0; c < nclasses; c++)
			if (!strcmp(classes[c].rule, mm.rule) && classes[c].kind == mm.kind &&
			    !strcmp(classes[c].sig, mm.sig))
				break;
		if (c < nclasses) {
			classes[c].n++;
		} else if (nclasses < ARRAY_SIZE(classes)) {
			classes[nclasses] = (struct mclass){ mm.rule, mm.kind, "", 1, i };
			memcpy(classes[nclasses++].sig, mm.sig, sizeof(mm.sig));
			report(seed, i, &w, &pre, &mm, shrunk++ < max_shrinks);
		}
		resync();
next:
		if ((i % 500 == 0 || i == n) && !dry) {
			/* nothing left running or outstanding */
			if (read_text(path_of(F_STATS), &text) == 0 &&
			    (!strstr(text.p, "\nrunning: no\n") || !strstr(text.p, "\nskbs_outstanding: 0\n"))) {
				printf("# fuzz: after write %llu stats says a run or skbs are left: %s\n", i,
				       esc(text.p, text.len));
				mismatches++;
			}
		}
	}
	t0 = now() - t0;
	printf("# fuzz: %llu writes in %.1f s (%.0f/s; writes to run %.1f s): %lu succeeded (%lu runs), failed:",
	       n, t0, t0 > 0 ? n / t0 : 0.0, run_secs, writes_ok, runs);
	for (c = 1; c < NR_OUTCOMES; c++)
		if (writes_failed[c])
			printf(" %lu %s", writes_failed[c], outcome_name[c]);
	printf("\n");
	for (c = 0; c < nclasses; c++)
		printf("# fuzz: mismatch: %lu x [%s, %s]%s%s%s, first at write %lu\n", classes[c].n,
		       classes[c].rule, mkinds[classes[c].kind], classes[c].sig[0] ? " (module: " : "",
		       classes[c].sig, classes[c].sig[0] ? ")" : "", classes[c].first);
	if (mismatches)
		printf("# fuzz: %lu mismatch(es) with the model; replay: FUZZ_SEED=%llu FUZZ_WRITES=%llu\n",
		       mismatches, seed, n);
	return mismatches ? 1 : 0;
}
