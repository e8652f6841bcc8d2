// SPDX-License-Identifier: GPL-2.0
/*
 * skbf-hog COUNT SECONDS: reclaim_kept's huge page taker (tests/cases.sh).
 * It takes nr_hugepages up to COUNT, retried every 50 ms for up to 4 s
 * while the run's batches hold the memory (a huge page takes about 20 ms
 * under TCG, zeroed), holds them SECONDS once taken (or once the 4 s are
 * up), then gives them back.
 *
 * Meanwhile the free memory sinks to the min watermark, where any page a
 * process touches for the first time calls the OOM killer, with nothing to
 * reclaim.  A busybox shell did that (its heap or its stack), in a warm run
 * too: the killer took it, then the job before the pages went back.  So
 * this locks its memory and touches its stack before it takes a page, and
 * then allocates nothing: no stdio, no malloc, files opened before.  Huge
 * pages are taken with __GFP_RETRY_MAYFAIL: they fail, and never call the
 * OOM killer.  It asks to be the killer's first choice all the same.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static char meminfo[16384];

/* HugePages_Total from /proc/meminfo, open on @fd; -1 if unread. */
static long huge_total(int fd)
{
	ssize_t n = pread(fd, meminfo, sizeof(meminfo) - 1, 0);
	const char *p;

	if (n <= 0)
		return -1;
	meminfo[n] = '\0';
	p = strstr(meminfo, "HugePages_Total:");
	return p ? strtol(p + strlen("HugePages_Total:"), NULL, 10) : -1;
}

/* Write @v to the sysctl open on @fd (it answers only at offset 0). */
static void set_pages(int fd, long v)
{
	char s[24], *p = s + sizeof(s);

	do
		*--p = '0' + v % 10;
	while (v /= 10);
	if (pwrite(fd, p, s + sizeof(s) - p, 0) < 0) {
		/* Too few pages is no error: the caller counts them. */
	}
}

static void nap_ms(long ms)
{
	struct timespec t = { ms / 1000, ms % 1000 * 1000000L };

	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	volatile char stack[65536];
	long want, secs;
	int nr, mi, adj, i;

	if (argc != 3)
		return 2;
	want = strtol(argv[1], NULL, 10);
	secs = strtol(argv[2], NULL, 10);
	if (want < 0 || secs < 0)
		return 2;
	adj = open("/proc/self/oom_score_adj", O_WRONLY);
	if (adj < 0 || write(adj, "1000", 4) != 4)
		return 1;
	close(adj);
	nr = open("/proc/sys/vm/nr_hugepages", O_WRONLY);
	mi = open("/proc/meminfo", O_RDONLY);
	if (nr < 0 || mi < 0)
		return 1;
	memset((char *)stack, 0, sizeof(stack));
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		return 1;
	if (huge_total(mi) < 0)
		return 1;
	for (i = 0; i < 80 && huge_total(mi) < want; i++) {
		set_pages(nr, want);
		nap_ms(50);
	}
	nap_ms(secs * 1000);
	set_pages(nr, 0);
	return 0;
}
