#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The host's side of make bench (scripts/bench.sh); standard library only.

  bench.py plan [main|returning]         the steps of one VM for job.sh, a line
                                         each: ID KIND WEIGHT(ms) ARGS...; main
      (the default): every step but the returning ones; returning: those, for
      a boot of their own with VM_CPUS vCPUs
  bench.py progress KERNEL I N PLAN LOG  vm.sh's stderr in, a line per step
                                         with the time left out (LOG: vm.sh's)
  bench.py report OUT KERNEL...          OUT/raw/KERNEL/out.txt (the job's
      output) and out-returning.txt (the returning boot's) in, of each boot
      with a plan there; results.json, results.md, the plots (gnuplot -c
      plot.gp, data in plotdata/) and each step's text (raw/KERNEL/) out; the summary
      on stdout.  With two kernels, scripts/compare.py's second kernel
      against the first: compare.txt, compare.json, compare.png (a compare
      that fails is said, not a failure of the report).  Exit 1 when a step
      failed.

QUICK, BENCH_SCALE, BENCH_APPEND and VM_CPUS (the plan's VM's) come from the
environment, as bench.sh has them.  Rows keep every column of the module's results by its
header name: new columns reach the JSON as they come.  A step the module
refuses with EINVAL (a parameter or mode it lacks yet) is a logged skip.
"""

import json
import math
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
QUICK = os.environ.get("QUICK", "0") not in ("", "0", "no", "false")
SCALE = float(os.environ.get("BENCH_SCALE") or 1)
SIZES = [64, 1500, 9000] if QUICK else [64, 128, 256, 512, 1024, 1500, 2048, 4096, 9000, 16384, 65536]
HEADROOM, PUT, REPEAT, COUNT_BASE, REF = 14, 50, 5, 120000, 1500  # REF: the size of the ratios
FREE_MODES = ["alloc_skb", "napi_alloc_skb", "page_pool"]
# The returning boot's vCPUs (bench.sh boots it with VM_CPUS set so), and a step's guessed
# slowdown per releasing CPU (est_ms).
RETURN_CPUS, RETURN_EST = int(os.environ.get("VM_CPUS") or 2), 2
# make bench's boots of a kernel, and the suffix of each one's files in raw/KERNEL/ (bench.sh).
PARTS = {"main": "", "returning": "-returning"}
BULK_MODES, BULK = ["alloc_skb", "napi_alloc_skb", "page_pool", "kmalloc_floor"], 64  # release=list's batch at most
ROWS = []


def count_for(size):
    return max(1000, int(COUNT_BASE * SCALE * 1500 / (size + 1500) / 100 + 0.5) * 100)


def est_ms(n, size, batch, modes):
    """A rough guess of a run's ms under TCG, for progress and timeout."""
    return int(n * REPEAT * (6 + size / 200) * modes / 7 * (1.4 if batch > 1 else 1) / 1000 + 100)


def plan():
    run = f"size={REF} headroom={HEADROOM} put={PUT} repeat={REPEAT} count={count_for(REF)} batch=1"
    steps = []
    for s in SIZES:
        for b in [1] if QUICK else [1, 64]:
            steps.append(("sweep", est_ms(count_for(s), s, b, 7), f"mode=all size={s} headroom={HEADROOM} put={PUT} "
                          f"repeat={REPEAT} count={count_for(s)} batch={b} cpu=nic latency=0"))
        if s == REF or not QUICK:
            steps.append(("pktgen", 2500, f"size={s} seconds=1"))
    # 10000 samples a mode (one op in 64 on average), ten beyond the p999.
    n = int(640000 / REPEAT * SCALE)
    steps.append(("latency", est_ms(n, REF, 1, 8), run.replace(f"count={count_for(REF)}", f"count={n}") + " mode=all cpu=nic latency=1"))
    # Each cpu=all run right after the same run on the NIC's CPU alone.
    for m in ["alloc_skb", "napi_alloc_skb"]:
        steps += [("scaling", est_ms(count_for(REF), REF, 1, k), f"mode={m} {run} cpu={c} latency=0") for c, k in (("nic", 1), ("all", 2))]
    # Freed on the CPU that allocated, then on the other vCPU.
    for m in FREE_MODES:
        steps += [("release", est_ms(count_for(REF), REF, 1, 1), f"mode={m} {run} cpu=nic latency=0 free_cpu={f}") for f in ("same", "other")]
    # A batch of 64 released one at a time, then with one call (release=list, 6.3+).
    for m in BULK_MODES:
        steps += [("bulk", est_ms(count_for(REF), REF, BULK, 1), f"mode={m} {run.replace('batch=1', f'batch={BULK}')} cpu=nic latency=0 "
                   f"release={r}") for r in ("one", "list")]
    # kmalloc_floor's batch of 64 made one object at a time, then with one kmem_cache_alloc_bulk() a
    # cache (alloc=bulk): at 64 bytes (heads and data in bulk, 6.3+) and at REF (heads only).
    for s in (64, REF):
        steps += [("alloc", est_ms(count_for(s), s, BULK, 1), f"mode=kmalloc_floor size={s} headroom={HEADROOM} put={PUT} "
                   f"repeat={REPEAT} count={count_for(s)} batch={BULK} cpu=nic latency=0 alloc={a}") for a in ("one", "bulk")]
    # An op of known cost (the defaults: 2000 + 1000 ns spun on the clock): the harness's error.
    steps.append(("calibrate", est_ms(count_for(REF), REF, 1, 1), f"mode=calibrate {run} cpu=nic latency=0"))
    return steps


def returning_plan():
    """The returning boot's steps (VM_CPUS vCPUs): per mode, freed on the
    NIC's CPU, then handed round-robin to 1, 2 ... VM_CPUS - 1 others.
    free_cpu=other:K is job.sh's: the K CPUs after the one cpu=nic measured
    on, wrapping, as a cpulist."""
    run = f"size={REF} headroom={HEADROOM} put={PUT} repeat={REPEAT} count={count_for(REF)} batch=1 cpu=nic latency=0"
    n = RETURN_CPUS - 1
    sets = sorted({1, n}) if QUICK else range(1, n + 1)
    # The maker waits on a full ring, and under TCG each vCPU is a host thread: K releasing
    # threads spinning beside it on 2 host cores slow it more the more there are (measured on
    # 2026-12-07, a loaded host: 0.8 to 5.5 s a step, 33 and 37 s a kernel against these 32).
    return [("returning", int(est_ms(count_for(REF), REF, 1, 1) * (1 + RETURN_EST * k)), f"mode={m} {run} free_cpu={f}")
            for m in FREE_MODES for k, f in [(0, "same")] + [(k, f"other:{k}") for k in sets]]


def print_plan(vm):
    for i, s in enumerate(returning_plan() if vm == "returning" else plan(), 1):
        print(i, *s)


def hms(s):
    return f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"


def progress(kernel, idx, of, planfile, log):
    """The time left: the plan's estimate scaled by the pace so far."""
    cum, total, t0, tail = {}, 0, None, False
    for line in open(planfile):
        sid, _, ms = line.split()[:3]
        cum[sid], total = total, total + int(ms)
    with open(log, "a") as keep:
        for line in sys.stdin:
            line = line.rstrip("\r\n")
            m = re.search(r"SKBFACTORY-BENCH: (step (\d+) of \d+: (\S+)(.*)|.*)", line)
            if tail or line.startswith("---- last console lines") or not m and re.match(r"==> |skbfactory: ", line):
                tail = (tail or line.startswith("----")) and line != "----"  # the console's tail, on a failure
                print(line, flush=True)
                if not tail:
                    keep.write(line + "\n")
            elif m and m[2]:
                t0, done = t0 or time.time(), cum.get(m[2], 0)
                left = int((time.time() - t0) * (total - done) / done) if done else total // 1000
                shown = [w for w in m[4].split() if re.match(r"(mode|size|batch|free_cpu)=|cpu=all|latency=1", w)]
                print(f"==> {kernel} (kernel {idx} of {of}) step {m[2]}/{len(cum)}, ~{hms(left)} left:", m[3], *shown, flush=True)
            elif m:
                print(f"==> {kernel}: {m[1]}", flush=True)


def num(x):
    for conv in (int, float):
        try:
            return conv(x)
        except ValueError:
            pass
    return None if x == "-" else x


def kv(words):
    return dict(w.split("=", 1) for w in words if "=" in w)


def step_rows(kind, args, text):
    if kind == "pktgen":
        pg = {}
        for line in text:
            w = line.split()
            if line.startswith("# pktgen: "):
                pg.update(zip(w[2::2], w[3::2]))
            elif m := re.search(r"Result: OK: .*\((\d+)byte", line):
                pg["pkt_size"] = m[1]
            elif re.match(r"\s*\d+pps ", line):
                pg["pps"], pg["pg_errors"] = w[0][:-3], w[-1]
        if not int(pg.get("pps", 0)):
            return []
        pps = int(pg["pps"])
        return [dict(mode="pktgen", size=int(args["size"]), ns_per_op=round(1e9 / pps, 2), ops_per_sec=pps,
                     **{c: num(pg.get(c, "-")) for c in ("cpu", "count", "pkt_size", "pps", "mtu", "pg_errors")})]
    rows, header, meta = [], None, {}
    for line in text:
        if m := re.match(r"# (\w+): (.*)", line):
            meta[m[1]] = m[2]
        elif line.startswith("#"):
            pass
        elif not header:
            header = line.split()
        elif len(line.split()) == len(header):
            rows.append({c: num(v) for c, v in zip(header, line.split())})
    lat = meta.get("latency", "")
    for r in rows:
        r.setdefault("free_cpu", args.get("free_cpu"))
        m, o = re.search(r"a pair of reads costs (\d+) ns", lat), re.search(r"adds about ([\d.]+) ns per op", lat)
        r.update(cpus=meta.get("cpus", meta.get("cpu_list")), lat_timer_ns=m and int(m[1]), lat_overhead_ns=o and float(o[1]))
        if fc := meta.get("free_cpu"):
            m, o = re.search(r"released (\d+) objects", fc), re.search(r"full (\d+) times?", fc)
            r.update(released=m and int(m[1]), ring_full=o and int(o[1]))
        if "free_cpus" in meta:
            r["free_cpus"] = [e for e in free_cpus(meta["free_cpus"]) if e.pop("mode", r["mode"]) == r["mode"]]
        if c := re.search(r"(\d+) ns allocating and (\d+) ns releasing, (\d+) ns on the measuring CPU; a clock read costs (\d+) ns",
                          meta.get("calibrate", "")):
            r.update(cal_alloc_ns=int(c[1]), cal_free_ns=int(c[2]), cal_nominal_ns=int(c[3]), clock_read_ns=int(c[4]))
    return rows


def free_cpus(text):
    """The "# free_cpus:" line: an entry per releasing CPU (and mode, in a
    run of several), [{cpu, released, free_ns, ring_full, ...}]: every
    key=value of the entry, free_ns None where none of its batches was
    timed."""
    return [{k: num(v) for k, v in kv(e.split()).items()} for e in text.split(";") if "cpu=" in e]


def cpulist(text):
    """The CPUs of a cpulist ("0-2,4"), or [] for anything else ("same")."""
    try:
        return [c for p in text.split(",") for a, _, b in [p.partition("-")] for c in range(int(a), int(b or a) + 1)]
    except ValueError:
        return []


def parse(kernel, raw):
    """The rows of kernel's boots (PARTS: those with a plan or an output in
    raw) into ROWS: their failures, skips and {part: info}."""
    errors, skips, infos = [], [], {}
    for part, sfx in PARTS.items():
        if not any(os.path.exists(os.path.join(raw, f"{f}{sfx}.txt")) for f in ("plan", "out")):
            continue
        try:
            e, s, infos[part] = parse_out(kernel, raw, os.path.join(raw, f"out{sfx}.txt"))
        except OSError as err:
            e, s = [f"{kernel}: no output of the {part} boot ({err})"], []
        errors, skips = errors + e, skips + s
    if not infos and not errors:
        errors.append(f"{kernel}: no plan in {raw}")
    return errors, skips, infos


def parse_out(kernel, raw, path):
    """The rows of one VM's output into ROWS; its failures, skips and info."""
    errors, skips, info, step = [], [], {"remeasured": 0}, None
    for line in open(path, errors="replace"):
        line, w = line.rstrip("\r\n"), line.split()
        if line.startswith("@@ info "):
            info.update(kv(w[2:]))
        elif line.startswith("@@ begin "):
            step = dict(id=int(w[2]), kind=w[3], args=" ".join(w[4:]), text=[], skip=None)
        elif step and line.startswith("@@ skip "):
            step["skip"] = line.split(" ", 3)[3]
        elif step and line.startswith("@@ end "):
            point = [step["kind"]] + [a for a in step["args"].split() if re.match(r"(mode|size|batch|free_cpu)=|cpu=all", a)]
            with open(os.path.join(raw, re.sub(r"[^\w.=-]", "_", "-".join([f"{step['id']:02d}"] + point)) + ".txt"), "w") as f:
                f.write("\n".join(step["text"]) + "\n")
            what = f"{kernel}: step {step['id']} ({' '.join(point)})"
            info["remeasured"] += any(t.startswith("# bench: measured twice") for t in step["text"])
            args = kv(step["args"].split())
            new = [dict(kernel=kernel, release=info.get("release"), vm_cpus=num(info.get("cpus", "-")), run=step["kind"], step=step["id"],
                        args=step["args"], **r)
                   for r in step_rows(step["kind"], args, step["text"])]
            if kv(w[3:]).get("rc") != "0":
                errors.append(f"{what} failed")
            elif step["skip"]:
                skips.append(f"{what} skipped: {step['skip']}")
            elif not new:
                errors.append(f"{what} gave no rows")
            else:
                ROWS.extend(new)
            step = None
        elif step:
            step["text"].append(line)
    if step:
        errors.append(f"{kernel}: step {step['id']} ({step['kind']}) never ended")
    return errors, skips, info


def find(**want):
    return [r for r in ROWS if all(r.get(k) == v for k, v in want.items())]


def get(col, **want):
    found = find(**want)
    return found[0].get(col) if found else None


def seen(col, **want):
    return list(dict.fromkeys(r[col] for r in find(**want)))


def arg(r, key):
    return kv(r["args"].split()).get(key)


def scaling(k, m):
    """Ops/s of mode M on the NIC's CPU alone, of each CPU at once, and summed."""
    rs = find(kernel=k, run="scaling", mode=m)
    alone = next((r["ops_per_sec"] for r in rs if arg(r, "cpu") == "nic"), None)
    each = {r["cpu"]: r["ops_per_sec"] for r in rs if arg(r, "cpu") == "all" and r["cpu"] != "sum"}
    return alone, each, next((r["ops_per_sec"] for r in rs if r["cpu"] == "sum"), None)


def release(k, m):
    """ns/op of mode M freed on the CPU that made it, on the other, and that
    other CPU (by the steps' free_cpu=, whatever the column says)."""
    rs = {arg(r, "free_cpu") == "same": r for r in find(kernel=k, run="release", mode=m)}
    return rs.get(True, {}).get("ns_per_op"), rs.get(False, {}).get("ns_per_op"), arg(rs[False], "free_cpu") if False in rs else None


def release_free(k, m):
    """The releasing CPU's busy ns per object (free_ns) in mode M's
    free_cpu=other step."""
    rs = [r for r in find(kernel=k, run="release", mode=m) if arg(r, "free_cpu") != "same"]
    return rs[0].get("free_ns") if rs else None


def returning(k, m):
    """Mode M's returning steps on kernel K, by the number of CPUs that
    released (0: free_cpu=same): {n: row}.  With ratio, the row's ns_per_op
    over free_cpu=same's (the same boot's), "free_mean": its releasing
    CPUs' mean free_ns, "full": how often a ring was full, and "wait_us":
    the extra time over free_cpu=same's, all of it put on those waits (the
    most a wait can have averaged, in us)."""
    rs = {len(cpulist(arg(r, "free_cpu") or "")): dict(r) for r in find(kernel=k, run="returning", mode=m)}
    same = rs.get(0, {}).get("ns_per_op")
    for r in rs.values():
        r["ratio"] = r["ns_per_op"] / same if same and r.get("ns_per_op") else None
        fns = [f["free_ns"] for f in r.get("free_cpus", []) if f.get("free_ns") is not None]
        r["free_mean"] = sum(fns) / len(fns) if fns else r.get("free_ns") if r.get("free_ns") else None
        r["full"] = r["ring_full"] if r.get("ring_full") is not None else sum(f.get("ring_full") or 0 for f in r.get("free_cpus", []))
        # (none when the maker was not slower than free_cpu=same: no wait to share out)
        r["wait_us"] = ((r["ns_per_op"] - same) * r["released"] / r["full"] / 1000
                        if r["ratio"] and r.get("released") and r["full"] and r["ns_per_op"] > same else None)
    return dict(sorted(rs.items()))


def bulk(k, m):
    """Mode M's batch-of-BULK rows of kernel K released one at a time and
    with one call: (one, list), each None when not there."""
    rs = {arg(r, "release"): r for r in find(kernel=k, run="bulk", mode=m)}
    return rs.get("one"), rs.get("list")


def bulk_alloc(k, s):
    """kmalloc_floor's batch-of-BULK rows of kernel K at size S allocated one
    at a time and in bulk: (one, bulk), each None when not there."""
    rs = {arg(r, "alloc"): r for r in find(kernel=k, run="alloc", size=s)}
    return rs.get("one"), rs.get("bulk")


def calibration(k):
    """The calibrate step's row of kernel K, or None."""
    rs = find(kernel=k, run="calibrate", mode="calibrate")
    return rs[0] if rs and rs[0].get("ns_per_op") is not None else None


def ratio(x):
    return f"{x:.0f}x" if x >= 100 else f"{x:.1f}x" if x >= 10 else f"{x:.2f}x"


def nsf(x):
    return "–" if x is None else f"{x:.2f}" if x < 100 else f"{x:.0f}"


def ratios(pairs):
    return ", ".join(f"{m} {ratio(x / y)}" for m, x, y in pairs if x and y)


def summary(kernels):
    out = []
    for k in kernels:
        sw = dict(kernel=k, run="sweep", size=REF)
        ns = {m: get("ns_per_op", mode=m, batch=1, **sw) for m in seen("mode", **sw)}
        fl, a, n, e = (ns.get(m) for m in ("kmalloc_floor", "alloc_skb", "napi_alloc_skb", "empty"))
        ops = {m: get("ops_per_sec", mode=m, batch=1, **sw) for m in ("alloc_skb", "netdev_alloc_skb")}
        out.append(f"- **{k}** ({get('release', kernel=k)}): size {REF}, batch 1, " + (f"CPU {get('cpu', **sw)}, " if find(**sw) else "")
                   + f"medians of {REPEAT} repetitions")
        if fl:
            out.append(f"  - ns/op over kmalloc_floor's ({nsf(fl)} ns): " + ratios((m, x, fl) for m, x in ns.items() if m not in ("kmalloc_floor", "empty")))
        spread = [(r["ns_max"] / r["ns_min"], r["mode"]) for r in find(batch=1, **sw) if r["mode"] != "empty" and r.get("ns_min")]
        if spread:
            out.append("  - noise: the slowest repetition over the fastest, at most %s (%s)" % (ratio(max(spread)[0]), max(spread)[1]))
        if a and n:
            a64, n64 = (get("ns_per_op", mode=m, batch=64, **sw) for m in ("alloc_skb", "napi_alloc_skb"))
            out.append(f"  - napi_alloc_skb makes {ratio(a / n)} the skbs per second alloc_skb does" + (f" (batch 64: {ratio(a64 / n64)})" if a64 and n64 else ""))
        if a and e:
            out.append(f"  - harness cost (mode=empty, {nsf(e)} ns/op): {100 * e / a:.2f}% of alloc_skb's ns/op")
        if (cal := calibration(k)) and cal.get("cal_nominal_ns"):
            x, nom = cal["ns_per_op"], cal["cal_nominal_ns"]
            out.append(f"  - harness error (mode=calibrate, an op spinning {cal['cal_alloc_ns']} + {cal['cal_free_ns']} ns on the clock, "
                       f"a clock read {cal['clock_read_ns']} ns here): ns/op {nsf(x)}, {x - nom:+.0f} ns ({100 * (x - nom) / nom:+.1f}%)")
        pg = find(kernel=k, run="pktgen", size=REF)
        if pg and ops["alloc_skb"]:
            out.append(f"  - pktgen ({pg[0]['pkt_size']}-byte packets, clone_skb 0, to dummy0): {pg[0]['pps']} pps = "
                       f"{ratio(pg[0]['pps'] / ops['alloc_skb'])} alloc_skb's ops/s" + (f", {ratio(pg[0]['pps'] / ops['netdev_alloc_skb'])} "
                       "netdev_alloc_skb's (the path pktgen allocates with)" if ops["netdev_alloc_skb"] else ""))
        sc = [(m, *scaling(k, m)) for m in seen("mode", kernel=k, run="scaling")]
        if ratios((m, s, o) for m, o, _, s in sc):
            out.append(f"  - cpu=all ({len(sc[0][2])} CPUs at once), summed ops/s over one CPU alone: " + ratios((m, s, o) for m, o, _, s in sc))
        lat = [r for r in find(kernel=k, run="latency") if r["mode"] != "empty" and r.get("p50_ns")]
        if lat:
            out.append(f"  - latency at {REF} bytes, p50/p99/p999 ns: " + ", ".join(f"{r['mode']} {r['p50_ns']}/{r['p99_ns']}/{r['p999_ns']}" for r in lat)
                       + f"; sampling adds about {lat[0]['lat_overhead_ns']} ns/op (a timer-read pair costs {lat[0]['lat_timer_ns']} ns)")
        if rel := ratios((m, *release(k, m)[1::-1]) for m in FREE_MODES):
            out.append(f"  - freed on the other CPU over the same CPU, ns/op: {rel}")
        if ret := [(m, rs) for m in FREE_MODES for rs in [returning(k, m)] if any(r["ratio"] for n, r in rs.items() if n)]:
            ns = sorted({n for _, rs in ret for n in rs if n})
            out.append(f"  - returning ({get('vm_cpus', kernel=k, run='returning')} vCPUs), ns/op over free_cpu=same's in the same boot, "
                       f"released on {'/'.join(map(str, ns))} other CPUs: " + ", ".join(
                           f"{m} " + "/".join(ratio(rs[n]["ratio"]) if n in rs and rs[n]["ratio"] else "–" for n in ns) for m, rs in ret))
    for k in kernels[1:]:
        if line := ratios((m, get("ns_per_op", kernel=k, run="sweep", size=REF, batch=1, mode=m),
                           get("ns_per_op", kernel=kernels[0], run="sweep", size=REF, batch=1, mode=m))
                          for m in seen("mode", kernel=kernels[0], run="sweep") if m != "empty"):
            out.append(f"- **{k} against {kernels[0]}**, ns/op at {REF} bytes, batch 1 (below 1x: {k} is faster): {line}")
    return "\n".join(out)


def table(title, head, rows):
    return "\n".join([f"\n{title}\n", "| " + " | ".join(head) + " |", "|---" + "|---:" * (len(head) - 1) + "|"]
                     + ["| " + " | ".join("–" if c is None else str(c) for c in r) + " |" for r in rows])


def tables(kernels):
    out = []
    for k in kernels:
        out.append(f"\n## {k} ({get('release', kernel=k)})")
        sw = dict(kernel=k, run="sweep")
        modes, pg = seen("mode", **sw), find(kernel=k, run="pktgen")
        pps = {r["size"]: r["pps"] for r in pg}
        for b in sorted(seen("batch", **sw)):
            out.append(table(f"ns per op, batch {b}, CPU {get('cpu', **sw)} (median of {REPEAT} repetitions; ops/s = 1e9 / ns; pktgen: ns "
                             "per packet, 1e9 / pps)", ["size"] + modes + ["pktgen"], [[s] + [nsf(get("ns_per_op", mode=m, size=s, batch=b, **sw))
                             for m in modes] + [nsf(pps[s] and 1e9 / pps[s]) if s in pps else None] for s in sorted(set(seen("size", **sw)) | set(pps))]))
        if pg:
            out.append(table(f"pktgen, clone_skb 0, dummy0, thread kpktgend_{pg[0]['cpu']} (size: asked; pkt_size: what pktgen used)",
                             ["size", "pkt_size", "dummy0 mtu", "packets", "pps", "pps / alloc_skb ops/s", "errors"],
                             [[r["size"], r["pkt_size"], r["mtu"], r["count"], r["pps"], ratios([("", r["pps"], get(
                                 "ops_per_sec", mode="alloc_skb", size=r["size"], batch=1, **sw))]).strip() or None, r["pg_errors"]] for r in pg]))
        if lat := find(kernel=k, run="latency"):
            out.append(table(f"latency at {REF} bytes, batch 1: one op in 64 on average timed alone; sampling adds about {lat[0]['lat_overhead_ns']} "
                             f"ns/op, a timer-read pair costs {lat[0]['lat_timer_ns']} ns", ["mode", "ns/op", "p50 ns", "p99 ns", "p999 ns"],
                             [[r["mode"], nsf(r["ns_per_op"]), r.get("p50_ns"), r.get("p99_ns"), r.get("p999_ns")] for r in lat]))
        if sc := [(m, *scaling(k, m)) for m in seen("mode", kernel=k, run="scaling")]:
            cpus = sorted(sc[0][2])
            out.append(table(f"scaling at {REF} bytes, batch 1: ops/s of the NIC's CPU alone (just before) and of every CPU at once (cpu=all)",
                             ["mode", "one CPU"] + [f"cpu {c}" for c in cpus] + ["sum", "sum / one"],
                             [[m, o] + [e.get(c) for c in cpus] + [s, ratios([("", s, o)]).strip() or None] for m, o, e, s in sc]))
        if rel := [[m, nsf(s), nsf(o), c, ratios([("", o, s)]).strip() or None, nsf(f)] for m in FREE_MODES
                   for s, o, c in [release(k, m)] for f in [release_free(k, m)] if s or o]:
            out.append(table(f"freed at {REF} bytes, batch 1: ns per op on the NIC's CPU, the skb freed on the CPU that made it (free_cpu=same) "
                             "or handed to a thread on another (its busy time per object: free_ns)",
                             ["mode", "same CPU", "other CPU", "free_cpu", "other / same", "free_ns there"], rel))
        ret = {m: rs for m in FREE_MODES for rs in [returning(k, m)] if rs}
        if ret:
            same = next((r for rs in ret.values() for r in rs.values()), {})
            out.append(table(f"returning CPUs at {REF} bytes, batch 1, {same.get('vm_cpus')} vCPUs (a boot of its own): allocated on the "
                             f"NIC's CPU {same.get('cpu')}, released there (free_cpu=same) or handed round-robin to 1, 2 ... other CPUs, "
                             "each freeing with consume_skb() in a thread of its own; ratios to free_cpu=same's ns per op in the same "
                             "boot (TCG: absolute times are emulated); free_ns: the releasing threads' busy ns per object, all of them, "
                             "then the mean of each CPU's; ring full: how often the maker found a ring full and waited; wait: the "
                             "extra ns/op over free_cpu=same's times the objects, over the ring-full count: the most a wait can have "
                             "averaged (a host's time slice is milliseconds); busy vCPUs: the maker and its releasing threads, each a "
                             f"thread of the host, which has {os.cpu_count()} CPUs",
                             ["mode", "releasing CPUs", "free_cpu", "ns/op", "ns/op / same", "free_ns", "free_ns per CPU, mean",
                              "mean / same ns/op", "ring full", "wait, us at most", "busy vCPUs"],
                             [[m, n, arg(r, "free_cpu"), nsf(r.get("ns_per_op")), r["ratio"] and ratio(r["ratio"])]
                              + ([nsf(r.get("free_ns")), nsf(r["free_mean"]), ratios([("", r["free_mean"], rs[0].get("ns_per_op") if 0 in rs
                                                                                      else None)]).strip() or None, r["full"], nsf(r["wait_us"])]
                                 if n else [None] * 5) + [n + 1]
                              for m, rs in ret.items() for n, r in rs.items()]))
            if per := [[m, arg(r, "free_cpu"), f.get("cpu"), f.get("released"), nsf(f.get("free_ns")),
                        ratios([("", f.get("free_ns"), rs[0].get("ns_per_op") if 0 in rs else None)]).strip() or None, f.get("ring_full")]
                       for m, rs in ret.items() for n, r in rs.items() for f in r.get("free_cpus", [])]:
                out.append(table("returning CPUs, each releasing CPU: the objects it released, its busy ns per object (free_ns; '–': "
                                 "none of its batches timed), that over free_cpu=same's ns per op, and how often its ring was full",
                                 ["mode", "free_cpu", "cpu", "released", "free_ns", "free_ns / same ns/op", "ring full"], per))
        if bl := [[m, nsf(o.get("ns_per_op")), nsf(li and li.get("ns_per_op")), nsf(o.get("free_ns")), nsf(li and li.get("free_ns")),
                   ratios([("", li and li.get("free_ns"), o.get("free_ns"))]).strip() or None]
                  for m in BULK_MODES for o, li in [bulk(k, m)] if o]:
            out.append(table(f"bulk release at {REF} bytes, batch {BULK}: each object released by itself (release=one) or the batch with one "
                             "call (release=list: kfree_skb_list_reason(SKB_CONSUMED), kfree_bulk() for kmalloc_floor; 6.3+, '-' where "
                             "the kernel lacks it); free_ns: the release phase per object", ["mode", "ns/op one", "ns/op list",
                             "free_ns one", "free_ns list", "free_ns list / one"], bl))
        if ba := [[s, nsf(o.get("ns_per_op")), nsf(b and b.get("ns_per_op")), nsf(o.get("alloc_ns")), nsf(b and b.get("alloc_ns")),
                   ratios([("", b and b.get("alloc_ns"), o.get("alloc_ns"))]).strip() or None]
                  for s in (64, REF) for o, b in [bulk_alloc(k, s)] if o]:
            out.append(table(f"bulk allocation of kmalloc_floor, batch {BULK}: each object made by itself (alloc=one) or the batch's heads "
                             "with one kmem_cache_alloc_bulk(), and its data with a second where it is in the small-head class (6.3+; "
                             "above it, and on 6.1, kmalloc() one at a time: alloc=bulk); alloc_ns: the allocation phase per object",
                             ["size", "ns/op one", "ns/op bulk", "alloc_ns one", "alloc_ns bulk", "alloc_ns bulk / one"], ba))
    return "\n".join(out)


def plots(kernels, out, accel):
    """The data files and the PNGs: those made, and the failures."""
    d, made, failed = os.path.join(out, "plotdata"), [], []
    os.makedirs(d, exist_ok=True)

    def plot(kind, name, title, sub, head, rows, *more):
        """rows to plotdata/NAME.dat, under a header of quoted names; NAME.png.
        The series follow the first column (returning: the first two)."""
        lead = 2 if kind == "returning" else 1
        with open(os.path.join(d, name + ".dat"), "w") as f:
            for r in [head] + rows:
                f.write(" ".join(f'"{x}"' if isinstance(x, str) else "NaN" if x is None else f"{x:.6g}" for x in r) + "\n")
        if more and more[0] is None:
            return
        with open(os.path.join(d, "gnuplot.log"), "a") as log:
            rc = subprocess.run(["gnuplot", "-c", os.path.join(HERE, "plot.gp"), kind, os.path.join(out, name + ".png"),
                                 f"{title} [{accel}]", sub, str((len(head) - lead) // (3 if kind == "ops" else 1)), os.path.join(d, name + ".dat"), *more],
                                stderr=log).returncode
        (failed if rc else made).append(f"gnuplot failed for {name}.png (see {d}/gnuplot.log)" if rc else name + ".png")

    for k in kernels:
        sw = dict(kernel=k, run="sweep")
        modes, batches = [m for m in seen("mode", **sw) if m != "empty"], sorted(seen("batch", **sw))
        pps = {r["size"]: r["pps"] for r in find(kernel=k, run="pktgen")}
        # A column of ops/s per mode, and its low and high from ns_max and ns_min; pktgen last.
        data = {b: [[s] + [1e9 / r[c] if r.get(c) else None for m in modes for r in [(find(mode=m, size=s, batch=b, **sw) or [{}])[0]]
                           for c in ("ns_per_op", "ns_max", "ns_min")] + [pps.get(s)] * 3 for s in sorted(seen("size", **sw))] for b in batches}
        vals = [x for rows in data.values() for r in rows for x in r[1:] if x]
        if vals:
            head = ["size"] + [h for m in modes + ["pktgen (pps)"] for h in (m, "lo", "hi")]
            for b in batches[1:]:
                plot("ops", f"ops-{k}-b{b}", "", "", head, data[b], None)
            plot("ops", f"ops-{k}", f"skbfactory on {k} ({get('release', kernel=k)}): allocations per second by size, with pktgen",
                 f"CPU {get('cpu', **sw)} (the NIC CPU); medians of {REPEAT}, bars from the slowest to the fastest repetition; pktgen: "
                 "clone_skb 0 to dummy0, whole packet written and sent", head, data[batches[0]],
                 os.path.join(d, f"ops-{k}-b64.dat") if 64 in batches else "",
                 f"{10 ** math.floor(math.log10(min(vals)))} {10 ** math.ceil(math.log10(max(vals)))}")
        if lat := [r for r in find(kernel=k, run="latency") if r.get("p50_ns")]:
            plot("latency", f"latency-{k}", f"skbfactory on {k} ({lat[0]['release']}): latency of one allocation + free at {REF} bytes, batch 1",
                 f"CPU {lat[0]['cpu']}; one op in 64 on average timed alone (latency=1); percentiles of a log histogram, 8 buckets per power of 2",
                 ["mode", "p50", "p99", "p999"], [[r["mode"], r["p50_ns"], r["p99_ns"], r["p999_ns"]] for r in lat])
    ns = {(k, m): get("ns_per_op", kernel=k, run="sweep", size=REF, batch=1, mode=m) for k in kernels for m in seen("mode", run="sweep")}
    if any(ns.get((k, "kmalloc_floor")) for k in kernels):
        plot("ratio", "ratio", f"skbfactory: ns per op relative to kmalloc_floor at {REF} bytes, batch 1, per kernel",
             "kmalloc_floor = kmalloc + kfree of an sk_buff-sized object and of the data buffer: 1 means no cost beyond two kmallocs",
             ["mode"] + kernels, [[m] + [ns[k, m] / ns[k, "kmalloc_floor"] if ns[k, m] and ns[k, "kmalloc_floor"] else None for k in kernels]
                                  for m in seen("mode", run="sweep") if m != "empty"])
    if sc := [(f"{k} {m}", *scaling(k, m)) for k in kernels for m in seen("mode", kernel=k, run="scaling")]:
        cpus = sorted({c for _, _, e, _ in sc for c in e})
        plot("scaling", "scaling", f"skbfactory: every CPU at once (cpu=all) against one CPU alone, {REF} bytes, batch 1",
             "million ops/s per CPU and summed; one CPU alone: the same run on the NIC CPU (cpu=nic) just before",
             ["group", "one CPU alone (cpu=nic)"] + [f"cpu {c} (cpu=all)" for c in cpus] + ["sum over CPUs (cpu=all)"],
             [[g] + [x and x / 1e6 for x in [o] + [e.get(c) for c in cpus] + [s]] for g, o, e, s in sc])
    if rel := [[f"{k} {m}", s, o] for k in kernels for m in FREE_MODES for s, o, _ in [release(k, m)] if s or o]:
        plot("release", "release", f"skbfactory: freed on the CPU that allocated against the other vCPU, {REF} bytes, batch 1",
             "ns per op; allocated on the NIC CPU (cpu=nic), freed where free_cpu= says",
             ["group", "freed on the same CPU (free_cpu=same)", "freed on the other vCPU"], rel)
    if ret := {(k, m): rs for k in kernels for m in FREE_MODES for rs in [returning(k, m)] if any(r["ratio"] for r in rs.values())}:
        ns, ks = sorted({n for rs in ret.values() for n in rs}), list(dict.fromkeys(k for k, _ in ret))
        vcpus = "/".join(map(str, dict.fromkeys(r.get("vm_cpus") for rs in ret.values() for r in rs.values())))
        modes = [m for m in FREE_MODES if any((k, m) in ret for k in ks)]
        plot("returning", "returning", f"skbfactory: ns per op freed on 1 to {max(ns)} other CPUs, ratio to same-CPU release in the same run"
             + (" (TCG: absolute times are emulated)" if accel == "tcg" else ""),
             f"{REF} bytes, batch 1, {vcpus} vCPUs; made on the NIC CPU and handed round-robin to the releasing CPUs' consume_skb() threads",
             ["label", "releasing CPUs"] + [f"{k} {m}" for k in ks for m in modes],
             [["same CPU" if n == 0 else str(n), n] + [ret.get((k, m), {}).get(n, {}).get("ratio") for k in ks for m in modes] for n in ns],
             str(len(modes)))
    return made, failed


def compare(out, kernels):
    """scripts/compare.py on the first two kernels with rows, the second
    against the first (B/A: below 1, the second is faster): the files made,
    or the reason for none.  Never fatal: the report stands without it."""
    ks = [k for k in kernels if find(kernel=k)][:2]
    if len(ks) < 2:
        return [], None
    txt = os.path.join(out, "compare.txt")
    cmd = [sys.executable, os.path.join(HERE, "..", "compare.py"), *(os.path.join(out, "raw", k) for k in ks),
           "--json", os.path.join(out, "compare.json"), "--plot", os.path.join(out, "compare.png")]
    try:
        with open(txt, "w") as f:
            p = subprocess.run(cmd, stdout=f, stderr=subprocess.PIPE, text=True, timeout=600)
        why = p.returncode and f"exit {p.returncode}: {p.stderr.strip()}"
    except (OSError, subprocess.SubprocessError) as e:
        why = str(e)
    if why:
        if os.path.exists(txt):
            os.remove(txt)
        return [], f"compare.py {ks[1]} against {ks[0]} failed ({why})"
    return [n for n in ("compare.txt", "compare.json", "compare.png") if os.path.exists(os.path.join(out, n))], None


def report(out, kernels):
    errors, skips, infos = [], [], {}
    for k in kernels:
        e, s, infos[k] = parse(k, os.path.join(out, "raw", k))
        errors, skips = errors + e, skips + s
    for s in skips:
        print(f"skbfactory: bench: {s}", file=sys.stderr)
    if not ROWS:
        sys.exit(f"skbfactory: bench: no results: {'; '.join(errors)}")

    def text(path, default=""):
        try:
            return open(os.path.join(out, path)).read()
        except OSError:
            return default

    m = re.search(r"^==> booting \S+ \((\w+),", "".join(text(f"raw/{k}/host{x}.log") for k in kernels for x in PARTS.values()), re.M)
    accel = m[1] if m else "accelerator unknown"
    # Each boot of each kernel: its part, vCPUs, NIC CPU, seconds, load average before / after, sweep points remeasured.
    boots = {k: [dict(part=p, vm_cpus=num(i.get("cpus", "-")), nic_cpu=num(i.get("nic_cpu", "-")), seconds=int(t[0]), load=t[1].strip(),
                      remeasured=i.get("remeasured", 0)) for p, i in infos[k].items()
                 for t in [(text(f"raw/{k}/vm{PARTS[p]}.txt", "0 ?").split(None, 1) + ["?"])[:2]]] for k in kernels}
    secs, load = (text("host.txt", "0 ?").split(None, 1) + ["?"])[:2]
    append, secs = os.environ.get("BENCH_APPEND", ""), int(secs)
    vcpus, rcpus = (next((b["vm_cpus"] for bs in boots.values() for b in bs if b["part"] == p), None) for p in PARTS)
    count = f"{COUNT_BASE}{'' if SCALE == 1 else f' x{SCALE}'}*1500/(size+1500)"
    summ = summary(kernels)
    made, failed = plots(kernels, out, accel)
    compared, compare_failed = compare(out, kernels)
    made += [n for n in compared if n.endswith(".png")]
    meta = dict(stamp=os.path.basename(out), quick=QUICK, accel=accel, seconds=secs, load=load.strip(), host_cpus=os.cpu_count(),
                vm_cpus=vcpus, returning_vm_cpus=rcpus, headroom=HEADROOM, put=PUT, repeat=REPEAT, ref_size=REF, append=append,
                count=f"{count}, rounded to 100, at least 1000; latency: {int(640000 / REPEAT * SCALE)}",
                kernels=[dict(name=k, release=i.get("release"), init_on_alloc=i.get("init_on_alloc", "unknown"), vm_seconds=b.get("seconds", 0),
                              load=b.get("load", "?"), remeasured=b.get("remeasured", 0), boots=boots[k]) for k in kernels
                         for i in [infos[k].get("main") or infos[k].get("returning") or {}]
                         for b in [next((b for b in boots[k] if b["part"] == "main"), {})]])
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(dict(schema="skbfactory-bench/2", meta=meta, summary=summ, skipped=skips, errors=errors, rows=ROWS), f, indent=1)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(f"# skbfactory bench {meta['stamp']}\n\nKernels: {' '.join(kernels)}{' (QUICK=1)' if QUICK else ''}. Took {hms(secs)}; "
                f"load average before / after: {load.strip()}, {os.cpu_count()} host CPUs; VM: "
                + " and ".join([f"{vcpus} vCPUs"] * bool(vcpus) + [f"{rcpus} vCPUs for the returning steps (a boot of their own)"] * bool(rcpus))
                + f", accelerator {accel}"
                f"{', kernel arguments ' + append if append else ''}.\n" + " ".join(
                    f"{k}: " + "; ".join((f"VM {hms(b['seconds'])}" if b["part"] == "main" else f"returning VM {hms(b['seconds'])} ({b['vm_cpus']} "
                                          f"vCPUs, NIC CPU {b['nic_cpu']})") + f", load average before / after: {b['load']}"
                                         + (f", {b['remeasured']} sweep points measured twice" if b["part"] == "main" else "") for b in boots[k]) + "."
                    for k in kernels)
                + f"\nSettings: headroom {HEADROOM}, put {PUT}, {REPEAT} repetitions, count {count}; cpu=nic. Ratios are within this one run."
                + f"\n\n## Summary\n\n{summ}\n\n" + open(os.path.join(HERE, "reading.md")).read()
                + "".join(f"\n{h}\n\n" + "\n".join(x) + "\n" for h, x in [("## Skipped", [f"- {s}" for s in skips]),
                          ("## Plots", [f"![{p}]({p})" for p in made])] if x) + tables(kernels) + "\n")
    print(f"\nskbfactory bench {meta['stamp']} ({hms(secs)}, {accel}; load average before / after: {load.strip()}):\n{summ}\n")
    print(f"==> results in {out} (results.md, results.json, {' '.join(dict.fromkeys(made + compared))})", file=sys.stderr)
    for e in errors + failed + [compare_failed] * bool(compare_failed):
        print(f"skbfactory: bench: {e}", file=sys.stderr)
    return 1 if errors or failed else 0


if __name__ == "__main__":
    cmd, args = (sys.argv + [""])[1], sys.argv[2:]
    if cmd == "plan" and args in ([], ["main"], ["returning"]):
        print_plan((args or ["main"])[0])
    elif cmd == "progress" and len(args) == 5:
        progress(*args)
    elif cmd == "report" and len(args) > 1:
        sys.exit(report(args[0], args[1:]))
    else:
        sys.exit(__doc__)
