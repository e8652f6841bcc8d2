#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""synth.py: synthetic skbfactory results, for tests/compare/test-compare.py.

  synth.py SEED [FACTOR] [--repeat N] [--no-reps] [--env KEY=VALUE]... > results.txt

A results text as the module prints it: its "#" lines, the header row and
a row per mode (the columns and modes read from skbfactory.c's tables, as
scripts/docs.py reads them), and a "# reps: MODE CPU V1 ... VN" line per
row.  Each mode has a cost and a spread (a cv of 10 to 20 %, TCG's within
a run) fixed by its name, the same in every file; SEED draws the
repetitions around it (log-normal), FACTOR multiplies every cost (1.2: B
20 % slower).
"""

import argparse
import functools
import math
import pathlib
import random
import statistics
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import docs  # noqa: E402  (the one reader of skbfactory.c's tables)

SOURCE = docs.module_text()
MODES = [n for n, _, _ in docs.table(SOURCE, "static const struct skbf_mode_info skbf_modes")]
# (name, per_cpu, latency) of each column: the fields after the format are
# the offset, then the per-CPU and latency-only flags.
COLUMNS = [(n, f[2:3] == ["true"], f[3:4] == ["true"]) for n, _, f in docs.table(SOURCE, "} skbf_cols[] = {")]
ENV = {
    "version": "skbfactory v0.1-synthetic",
    "kernel": "6.1.0-57-amd64, preempt=voluntary (dynamic), HZ=250",
    "machine": "QEMU Virtual CPU version 2.5+; hypervisor: TCG, QEMU's emulator: absolute times are emulated; clocksource: tsc",
    "allocator": "init_on_alloc=1 init_on_free=0 kasan=off kfence_sample_interval=100 lockdep=off kmemleak=off "
                 "slub_debug=off by default (a slub_debug= boot option shows in /proc/cmdline only)",
    "nic": "eth0 (virtio_net, ifindex 2); threaded NAPI: off: its polls run on its IRQ's CPU",
    "nic_irq": "26 virtio0-input.0",
}


@functools.lru_cache(maxsize=None)
def cost(mode):
    """A mode's ns per op and cv, the same in every file: from its name."""
    r = random.Random("cost " + mode)
    return r.uniform(300, 6000), r.uniform(0.10, 0.20)


def results(seed, factor=1.0, repeat=5, reps=True, env=None, cpus=(1,), size=1500, batch=1, untimed=0, modes=None):
    """The text of one run; untimed: how many repetitions of each row are "-"."""
    rng = random.Random(seed)
    modes = modes or MODES
    e = dict(ENV, **(env or {}))
    cpu_list = ",".join(map(str, cpus))
    cfg = dict(mode="all", size=size, headroom=14, put=100, count=200000, repeat=repeat, warmup=1, batch=batch,
               cpu="nic" if len(cpus) == 1 else "all", free_cpu="same", dev="", latency=0)
    out = ["# skbfactory results"] + [f"# {k}: {e[k]}" for k in ("version", "kernel", "machine", "allocator", "nic", "nic_irq")]
    out += [f"# cpu_list: {cpu_list}", "# cpu_rule: nic-irq: the NIC's vector named for receive; first online CPU of its effective affinity"
            if len(cpus) == 1 else "# cpu_rule: all: every online CPU, concurrently",
            "# config: " + " ".join(f"{k}={v}" for k, v in cfg.items()),
            f"# timing: ktime_get_ns around chunks of about 1 ms; ns_per_op is the median of {repeat} repetitions after 1 warmup; cv_pct their spread",
            "# counters: tsc_per_op from get_cycles() (a clock-rate counter, not core cycles); cycles_per_op and ipc need the PMU, "
            "which this CPU does not give the kernel (-2)"]
    out += [f"# {k}: {v}" for k, v in e.items() if k not in ENV]
    cols = [n for n, _, lat in COLUMNS if not lat]
    per_cpu = {n for n, pc, _ in COLUMNS if pc}
    out.append(" ".join(cols))
    tail = []
    for m in modes:
        ns, cv = cost(m)
        sigma = math.sqrt(math.log(1 + cv * cv))
        rate = 0
        for c in cpus:
            v = [factor * ns * math.exp(rng.gauss(0, sigma)) for _ in range(repeat)]
            shown = [f"{x:.2f}" for x in v]
            for i in rng.sample(range(repeat), untimed):
                shown[i] = "-"
            timed = [float(x) for x in shown if x != "-"]
            med, mean = statistics.median(timed), sum(timed) / len(timed)
            # By hand: statistics.pstdev's exact fractions are slow, and the tests draw thousands of runs.
            sd = math.sqrt(sum((x - mean) ** 2 for x in timed) / len(timed))
            rate += int(1e9 / med)
            row = dict(mode=m, cpu=c, free_cpu="same", ctx="task", ns_per_op=f"{med:.2f}", ns_min=f"{min(timed):.2f}",
                       ns_max=f"{max(timed):.2f}", cv_pct=f"{100 * sd / mean:.2f}",
                       ops_per_sec=int(1e9 / med), tsc_per_op=f"{2.1 * med:.2f}", csw=0, irqs=rng.randint(50, 900),
                       dropped_chunks=0, fails=0, **{k: cfg[k] for k in ("size", "headroom", "put", "batch", "count", "repeat", "warmup")})
            out.append(" ".join(str(row.get(n, "-")) for n in cols))
            tail.append(f"# reps: {m} {c} " + " ".join(shown))
        if len(cpus) > 1:
            row = dict(mode=m, cpu="sum", free_cpu="same", ops_per_sec=rate, csw=0, irqs=0, dropped_chunks=0, fails=0,
                       **{k: cfg[k] for k in ("size", "headroom", "put", "batch", "count", "repeat", "warmup")})
            out.append(" ".join("-" if n in per_cpu else str(row.get(n, "-")) for n in cols))
    return "\n".join(out + (tail if reps else [])) + "\n"


def bench_out(seed, factor=1.0, env=None, sizes=(64, 1500), batches=(1, 64), release=True):
    """The output of one kernel's make bench job (raw/KERNEL/out.txt, as
    scripts/bench/job.sh writes it): sweep points, then (release) alloc_skb
    freed on the same CPU and on CPU 0."""
    steps = [("sweep", f"mode=all size={s} headroom=14 put=50 repeat=5 count=1000 batch={b} cpu=nic latency=0",
              dict(size=s, batch=b)) for s in sizes for b in batches]
    steps += [("release", f"mode=alloc_skb size=1500 headroom=14 put=50 repeat=5 count=1000 batch=1 cpu=nic latency=0 free_cpu={f}",
               dict(modes=["alloc_skb"])) for f in ("same", "0") if release]
    release = dict(ENV, **(env or {}))["kernel"].split(",")[0]
    out = [f"@@ info release={release} cpus=2 nic_cpu=1 steps={len(steps)} init_on_alloc=1"]
    for i, (kind, args, kw) in enumerate(steps, 1):
        out += [f"@@ begin {i} {kind} {args}", results(f"{seed} {i}", factor, env=env, **kw).rstrip("\n"), f"@@ end {i} rc=0 secs=1.00"]
    return "\n".join(out) + "\n"


def main():
    p = argparse.ArgumentParser(usage=__doc__.split("\n\n")[1])
    p.add_argument("seed")
    p.add_argument("factor", nargs="?", type=float, default=1.0)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--no-reps", action="store_true")
    p.add_argument("--env", action="append", default=[], metavar="KEY=VALUE")
    a = p.parse_args()
    sys.stdout.write(results(a.seed, a.factor, a.repeat, not a.no_reps, dict(kv.split("=", 1) for kv in a.env)))


if __name__ == "__main__":
    main()
