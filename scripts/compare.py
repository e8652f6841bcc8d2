#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""compare.py: two skbfactory runs side by side, with confidence; stdlib only.

  compare.py A B [--json FILE] [--plot FILE.png] [--threshold PCT] [--fail-on-slower]
  compare.py --save DIR RUN     keep RUN's results texts in DIR (a baseline)

A, B and RUN are each a results file (the text of the module's results),
a make run directory (build/run/<time>/, its results.txt), a make bench
directory (build/bench/<time>/: each step's results text in
raw/KERNEL/NN-STEP-....txt) or one kernel's raw/KERNEL/ in it.  For each
row present in both (mode, size, batch; the CPU when a run measured on
several; kernel and bench step when there are any), it prints B's ns per
op over A's (the ratio of the medians of the repetitions), an interval
that holds the true ratio with at least 95 % confidence, and a verdict:
slower, faster, or no difference at this noise.  The first line says when
A and B ran in different environments (the "#" lines that differ follow).

The interval comes from the repetitions of each row, the module's
"# reps: MODE CPU V1 ... VN" lines; a file without them (an older module)
is compared by ns_per_op alone, its interval only the range of ns_min and
ns_max, its verdict never confident.  Sum rows (cpu=all) have no ns per op
and are left out.

--threshold PCT (default 10): a verdict whose whole interval lies beyond
1 + PCT/100 (slower) or 1 - PCT/100 (faster) says so; --fail-on-slower
makes such a slower row exit 1.  --json FILE: every row and the
environment.  --plot FILE.png: each mode's ratio with its interval, by
gnuplot (scripts/bench/plot.gp), the data in FILE.dat beside it; a plot
that fails is a warning only.  Exit 0; 1 with --fail-on-slower on a
regression; 2 when A or B cannot be read or they have no row in common.
"""

import argparse
import datetime
import functools
import json
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LEVEL = 0.95
# "#" lines that report what a run measured, not where or how it ran: the
# repetitions themselves, counts (bh_off, fails, the free_cpu rings and CPUs, clones,
# page_pool's counters), and make bench's own notes.  Every other "#" line
# is environment and compared, so a new one (mitigations, say) is compared
# as soon as the module prints it.
MEASURED = {"reps", "timing", "bh_off", "fails", "concurrency", "page_pool", "latency",
            "free_cpu", "free_cpus", "skb_clone", "bench", "runs"}
# Parameters that are part of a row's key: a difference there is a different
# row, not a different environment.
KEYED = {"mode", "size", "batch"}
STEP_FILE = re.compile(r"(\d+)-([a-z]+)(.*)\.txt$")
PALETTE = 8  # the series plot.gp has colours for


class Unusable(Exception):
    """A or B cannot be compared: the message says why."""


def num(x):
    try:
        return int(x)
    except ValueError:
        return x


def parse(text, where):
    """A results text: (env, rows), each row a dict of its columns plus
    "reps" (the timed repetitions' ns per op, or None) and "untimed"; None
    when the text has no results table (pktgen's, a failed step's)."""
    env, header, rows, reps = {}, None, [], {}
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("#"):
            m = re.match(r"# (\w+): ?(.*)", line)
            if not m:
                continue
            if m[1] == "reps":
                w = m[2].split()
                try:
                    reps[tuple(w[:2])] = [None if v == "-" else float(v) for v in w[2:]]
                except ValueError:
                    raise Unusable(f"{where}:{n}: a '# reps:' value is neither a number nor -: {line}")
            else:
                # A line may come twice (concurrency): keep both.
                env[m[1]] = env[m[1]] + "; " + m[2] if m[1] in env else m[2]
        elif line.split():
            if header is None:
                header = line.split()
            elif len(line.split()) == len(header):
                rows.append(dict(zip(header, line.split())))
    if not header or not {"mode", "cpu", "ns_per_op"} <= set(header):
        return None
    for r in rows:
        got = reps.get((r["mode"], r["cpu"]))
        r["reps"] = None if got is None else [v for v in got if v is not None and v > 0]
        r["untimed"] = 0 if got is None else len(got) - len(r["reps"])
    return env, rows


def texts(path):
    """The results texts PATH names: [(kernel, step, file)].  kernel is the
    bench directory's raw/KERNEL, step the bench step beyond a sweep point
    ("latency", "release-free_cpu=0"); both "" for a plain run."""
    if os.path.isfile(path):
        return [("", "", path)]
    if os.path.isfile(os.path.join(path, "results.txt")):
        return [("", "", os.path.join(path, "results.txt"))]
    raw = os.path.join(path, "raw")
    if os.path.isdir(raw):
        found = [t for k in sorted(os.listdir(raw)) if os.path.isdir(os.path.join(raw, k))
                 for t in steps(os.path.join(raw, k), k)]
    elif os.path.isdir(path):
        found = steps(path, "")
    else:
        raise Unusable(f"{path}: no such file or directory")
    if not found:
        raise Unusable(f"{path}: not a results file, a make run directory (results.txt) or a make bench "
                       "directory (raw/KERNEL/NN-STEP-....txt)")
    return found


def steps(d, kernel):
    """The step files of one kernel of make bench (bench.py report names
    them NN-KIND-key=value-....txt), in step order.  A sweep point is the
    plain run of its mode, size and batch; any other step is named by its
    kind and the arguments beyond those."""
    out = []
    for name in sorted(os.listdir(d)):
        m = STEP_FILE.fullmatch(name)
        if m:
            rest = [w for w in m[3].split("-") if w and w.split("=")[0] not in KEYED]
            out.append((int(m[1]), kernel, "" if m[2] == "sweep" else "-".join([m[2]] + rest), os.path.join(d, name)))
    return [t[1:] for t in sorted(out)]


def load(path):
    """PATH's rows, keyed (kernel, step, mode, size, batch, cpu), and its
    environment: {line: [values]}, each "# config:" parameter a line of its
    own.  The CPU is in the key only when a run measured on several: a
    single-CPU run is compared whatever CPU the NIC's IRQ was on (cpu_list
    then differs in the environment)."""
    rows, env, used, sums = {}, {}, [], 0
    found = texts(path)
    for kernel, step, f in found:
        with open(f, errors="replace") as fh:
            got = parse(fh.read(), f)
        if got is None:
            if len(found) == 1:
                raise Unusable(f"{f}: no results table (a header row with mode, cpu and ns_per_op)")
            continue
        fenv, frows = got
        used.append(f)
        items = [(k, v) for k, v in fenv.items() if k not in MEASURED and k != "config"]
        items += [(f"config {k}", v) for k, v in (w.split("=", 1) for w in fenv.get("config", "").split() if "=" in w)
                  if k not in KEYED]
        for k, v in items:
            env.setdefault(k, [])
            if v not in env[k]:
                env[k].append(v)
        percpu = [r for r in frows if r["cpu"] != "sum"]
        sums += len(frows) - len(percpu)
        several = len(percpu) > len({r["mode"] for r in percpu})
        for r in percpu:
            r.update(file=f, kernel=kernel, step=step)
            rows[(kernel, step, r["mode"], r.get("size", "-"), r.get("batch", "-"), r["cpu"] if several else "")] = r
    if not rows:
        raise Unusable(f"{path}: no results rows")
    return dict(path=path, files=used, rows=rows, env=env, sums=sums)


def align_kernels(a, b):
    """Rows of A and B under keys that match: bench directories pair by
    kernel; a single kernel (or a plain run) on each side pairs whatever
    its name (6.1 against 6.12)."""
    ka = {k[0] for k in a["rows"]}
    kb = {k[0] for k in b["rows"]}
    if ka == kb:
        return
    if len(ka) > 1 or len(kb) > 1:
        raise Unusable(f"A has kernels {' '.join(sorted(ka)) or '-'}, B {' '.join(sorted(kb)) or '-'}: "
                       "name one of a bench directory (DIR/raw/KERNEL)")
    for side in (a, b):
        side["rows"] = {("",) + k[1:]: r for k, r in side["rows"].items()}


@functools.lru_cache(maxsize=None)
def null_counts(n, m):
    """How many of the C(n+m, n) orders of n values of A and m of B give
    each Mann-Whitney count U (pairs in which A's value is the larger),
    when A and B come from one distribution: the largest value is A's (it
    beats all m of B's) or B's."""
    if n == 0 or m == 0:
        return (1,)
    out = [0] * (n * m + 1)
    for u, c in enumerate(null_counts(n - 1, m)):
        out[u + m] += c
    for u, c in enumerate(null_counts(n, m - 1)):
        out[u] += c
    return tuple(out)


def differences(a, b):
    """log(b_j) - log(a_i) for every pair of repetitions, sorted: the logs
    of the n*m ratios b_j / a_i."""
    la = [math.log(x) for x in a]
    return sorted(y - x for x in la for y in map(math.log, b))


def interval(a, b):
    """The ratio B/A's interval from the repetitions a and b: (lo, hi,
    confidence, the Hodges-Lehmann estimate: the median of the pairwise
    ratios), or None when there are too few for 95 %.

    Why this method: the Hodges-Lehmann / Mann-Whitney interval of the
    shift between log(b) and log(a) is exact and needs no model of the
    noise beyond "B is A's distribution times a factor" (timings are
    positive and their noise multiplicative, hence the logs).  Its bounds
    are order statistics of the n*m pairwise differences, so one repetition
    that the host stretched moves them by one place, not by its size, and
    there is nothing random: no seed, the same answer every time.  A
    bootstrap of the ratio of medians draws from only 5 values a side and
    has no exact level; a t interval assumes normal log times, which the
    host's hiccups are not.  With 5 repetitions a side the levels it can
    have are few: 96.8 % (the 3rd smallest to the 3rd largest of the 25
    differences; the next, 94.4 %, is under 95 %), and an interval that
    leaves out 1 needs at most 2 of the 25 pairs against the rest: nearly
    complete separation of the two sets of repetitions."""
    n, m = len(a), len(b)
    if not n or not m:
        return None
    counts = null_counts(n, m)
    total = sum(counts)
    # k: the most pairs that may fall outside on each side at LEVEL.
    k, below = 0, 0
    while k < n * m and 2 * (below + counts[k]) <= (1 - LEVEL) * total:
        below += counts[k]
        k += 1
    if k == 0:
        return None
    d = differences(a, b)
    return math.exp(d[k - 1]), math.exp(d[n * m - k]), 1 - 2 * below / total, math.exp(statistics.median(d))


def figure(row, col):
    try:
        return float(row.get(col, "-"))
    except ValueError:
        return None


def compare_row(ra, rb, threshold):
    """One row of A against the same row of B."""
    out = dict(mode=ra["mode"], size=num(ra.get("size", "-")), batch=num(ra.get("batch", "-")), cpu=num(ra["cpu"]),
               cpu_b=num(rb["cpu"]), kernel_a=ra["kernel"], kernel_b=rb["kernel"], step=ra["step"],
               untimed_a=ra["untimed"], untimed_b=rb["untimed"])
    lo = hi = conf = hl = None
    if ra["reps"] is not None and rb["reps"] is not None:
        a_ns, b_ns = (statistics.median(r["reps"]) if r["reps"] else None for r in (ra, rb))
        got = interval(ra["reps"], rb["reps"])
        if got:
            lo, hi, conf, hl = got
        out.update(reps=True, n_a=len(ra["reps"]), n_b=len(rb["reps"]))
    else:
        # An older module's file: the medians, and the range of every pair
        # of repetitions (the fastest of one over the slowest of the other):
        # a range, not a confidence interval.
        a_ns, b_ns = figure(ra, "ns_per_op"), figure(rb, "ns_per_op")
        a_lo, a_hi, b_lo, b_hi = (figure(r, c) for r in (ra, rb) for c in ("ns_min", "ns_max"))
        out.update(reps=False, n_a=None, n_b=None,
                   range_lo=b_lo / a_hi if a_hi and b_lo else None, range_hi=b_hi / a_lo if a_lo and b_hi else None)
    ratio = b_ns / a_ns if a_ns and b_ns else None
    if conf is None:
        verdict = "no difference"
    elif lo > 1:
        verdict = "slower"
    elif hi < 1:
        verdict = "faster"
    else:
        verdict = "no difference"
    t = threshold / 100
    beyond = conf is not None and (lo > 1 + t or hi < 1 - t)
    out.update(a_ns=a_ns, b_ns=b_ns, ratio=ratio, lo=lo, hi=hi, confidence=conf, hodges_lehmann=hl,
               verdict=verdict, beyond_threshold=beyond, regression=beyond and verdict == "slower")
    return out


def env_differences(a, b):
    """The environment lines whose values differ: [(line, A's, B's)], in
    the order A prints them."""
    keys = list(a["env"]) + [k for k in b["env"] if k not in a["env"]]
    return [(k, a["env"].get(k, []), b["env"].get(k, [])) for k in keys
            if sorted(a["env"].get(k, [])) != sorted(b["env"].get(k, []))]


def fmt(x, spec):
    return "–" if x is None else format(x, spec)


def where(r):
    kernel = r["kernel_a"] if r["kernel_a"] == r["kernel_b"] else f"{r['kernel_a']}/{r['kernel_b']}".strip("/")
    return " ".join(w for w in (kernel, r["step"]) if w)


def span(r):
    if r["lo"] is not None:
        return f"{r['lo']:.3f}-{r['hi']:.3f}"
    if not r["reps"] and r.get("range_lo"):
        return f"range {r['range_lo']:.3f}-{r['range_hi']:.3f}"
    return "–"


def verdict_text(r, threshold):
    if not r["reps"]:
        return "no difference (no reps)"
    if r["confidence"] is None:
        return "no difference (too few reps)"
    return r["verdict"] + (f", beyond {threshold:g}%" if r["beyond_threshold"] else "")


def table(rows, threshold):
    head = ["mode", "size", "batch", "cpu", "step", "A ns/op", "B ns/op", "B/A", "95% interval", "verdict"]
    body = [[r["mode"], str(r["size"]), str(r["batch"]), str(r["cpu"]) if r["cpu"] == r["cpu_b"] else f"{r['cpu']}/{r['cpu_b']}",
             where(r), fmt(r["a_ns"], ".2f"), fmt(r["b_ns"], ".2f"), fmt(r["ratio"], ".3f"), span(r), verdict_text(r, threshold)]
            for r in rows]
    keep = [i for i, h in enumerate(head) if h != "step" or any(b[i] for b in body)]
    lines = [[x[i] for i in keep] for x in [head] + body]
    width = [max(len(x[i]) for x in lines) for i in range(len(keep))]
    left = {"mode", "step", "verdict", "95% interval"}
    return "\n".join("  ".join(v.ljust(w) if head[keep[i]] in left else v.rjust(w)
                               for i, (v, w) in enumerate(zip(x, width))).rstrip() for x in lines)


def report(a, b, rows, diffs, threshold, fail):
    """The text: environment first, then the table, then what to make of it."""
    out = []
    if diffs:
        out.append("A and B ran in different environments: " + ", ".join(k for k, _, _ in diffs) + ".")
        for k, va, vb in diffs:
            out.append(f"  {k}:")
            out.append(f"    A: {' | '.join(va) or '(no such line)'}")
            out.append(f"    B: {' | '.join(vb) or '(no such line)'}")
    else:
        out.append("A and B ran in the same environment (every '#' line that says where and how a run ran is the same).")
    for name, side in (("A", a), ("B", b)):
        reps = sum(1 for r in side["rows"].values() if r["reps"] is not None)
        out.append(f"{name}: {side['path']} ({len(side['files'])} results text{'s' * (len(side['files']) != 1)}, "
                   f"{len(side['rows'])} rows, {'repetitions in ' + str(reps) if reps else 'no repetitions'})")
    out += ["", table(rows, threshold), ""]
    confs = sorted({round(100 * r["confidence"], 1) for r in rows if r["confidence"]})
    out.append(f"B/A: B's ns per op over A's, medians of the repetitions; above 1 B is slower.  The interval holds the true "
               f"ratio with {'/'.join(f'{c:g}' for c in confs) or '(none)'} % confidence (exact Mann-Whitney on log times, "
               "the smallest level of at least 95 % that the repetitions allow): it sees the noise between repetitions "
               "of a run, not between runs.")
    bare = [r for r in rows if not r["reps"]]
    if bare:
        sides = [n for n, s in (("A", a), ("B", b)) if any(r["reps"] is None for r in s["rows"].values())]
        out.append(f"No repetitions: {' and '.join(sides)} {'has' if len(sides) == 1 else 'have'} no '# reps:' lines (a module "
                   f"before they were added), so {len(bare)} of {len(rows)} rows compare ns_per_op alone: their range "
                   "(ns_min, ns_max) is no confidence interval and their verdict cannot be confident.")
    few = [r for r in rows if r["reps"] and r["confidence"] is None]
    if few:
        out.append(f"{len(few)} rows have too few timed repetitions for a 95 % interval (4 a side will do).")
    untimed = sum(r["untimed_a"] + r["untimed_b"] for r in rows)
    if untimed:
        out.append(f"{untimed} repetitions were untimed ('-': every chunk dropped) and are left out.")
    count = {v: sum(r["verdict"] == v for r in rows) for v in ("slower", "faster", "no difference")}
    ratios = [r["ratio"] for r in rows if r["ratio"]]
    out.append(f"{len(rows)} rows: {count['slower']} slower, {count['faster']} faster, {count['no difference']} no difference"
               + (f"; the median ratio {statistics.median(ratios):.3f}." if ratios else "."))
    if any("TCG" in v for s in (a, b) for v in s["env"].get("machine", [])):
        out.append("Under TCG a whole run can be 30 % slower or faster than the next on the same code (the host's load): "
                   "when every row moved the same way, that may be the host, not the change.")
    only = [(n, len(set(s["rows"]) - set(o["rows"]))) for n, s, o in (("A", a, b), ("B", b, a))]
    if any(c for _, c in only) or a["sums"] or b["sums"]:
        out.append("Left out: " + "; ".join([f"{c} rows only in {n}" for n, c in only if c]
                                             + [f"{a['sums'] + b['sums']} sum rows (no ns per op: a rate over CPUs)"]
                                             * bool(a["sums"] + b["sums"])) + ".")
    if fail:
        bad = [r for r in rows if r["regression"]]
        out.append(f"Regression: {len(bad)} rows slower beyond {threshold:g} % with confidence: "
                   + ", ".join(f"{r['mode']} {r['size']}/{r['batch']}" + (f" {where(r)}" if where(r) else "") for r in bad)
                   if bad else f"No regression: no row slower beyond {threshold:g} % with confidence.")
    return "\n".join(out)


def plot(path, a, b, rows, threshold):
    """The PNG: per mode, each group's ratio and interval, a line at 1.  A
    failure is a line on stderr, not an exit status: the table and the
    JSON are the results."""
    def group(r):
        return (where(r), r["batch"], r["cpu"], r["size"])

    # A series per group of rows, in the order the runs have them but
    # batch before size: make bench's batch 1 sweep comes first.
    steps = list(dict.fromkeys(where(r) for r in rows))
    groups = sorted(dict.fromkeys(map(group, rows)), key=lambda g: (steps.index(g[0]), str(g[1]).zfill(9), str(g[2]).zfill(9),
                                                                    str(g[3]).zfill(9)))
    shown, modes = groups[:PALETTE], list(dict.fromkeys(r["mode"] for r in rows))
    cell = {(r["mode"], group(r)): r for r in rows}
    cpus = len({g[2] for g in groups}) > 1

    def label(g):
        return " ".join(w for w in (g[0], f"size {g[3]}", f"batch {g[1]}", f"cpu {g[2]}" * cpus) if w)

    dat = os.path.splitext(path)[0] + ".dat"
    with open(dat, "w") as f:
        f.write(" ".join(f'"{h}"' for h in ["mode"] + [x for g in shown for x in (label(g), "lo", "hi")]) + "\n")
        for m in modes:
            vals = []
            for g in shown:
                r = cell.get((m, g), {})
                vals += [r.get("ratio"), r.get("lo"), r.get("hi")]
            f.write(f'"{m}" ' + " ".join("NaN" if v is None else f"{v:.6g}" for v in vals) + "\n")
    sub = f"A {a['path']}, B {b['path']}; bars: the 95 % interval from the repetitions (none without them)"
    if len(groups) > len(shown):
        sub += f"; {len(shown)} of {len(groups)} groups shown, all in the table"
    cmd = ["gnuplot", "-c", os.path.join(HERE, "bench", "plot.gp"), "compare", path,
           "skbfactory: B's ns per op over A's, by mode (above 1: B is slower)", sub, str(len(shown)), dat, "", f"{threshold:g}"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        err = p.returncode and (p.stderr.strip().splitlines() or ["no message"])[-1]
    except (OSError, subprocess.SubprocessError) as e:
        err = str(e)
    if err:
        print(f"compare.py: no plot ({' '.join(cmd[:2])} failed: {err})", file=sys.stderr)


def save(dest, src):
    """Copy the results texts of SRC into DEST (replaced whole), where
    compare.py reads them as it read SRC: results.txt, or raw/KERNEL/."""
    found = texts(src)
    if not any(parse(open(f, errors="replace").read(), f) for _, _, f in found):
        raise Unusable(f"{src}: no results table in it")
    bench = not (len(found) == 1 and os.path.isfile(os.path.join(src, "results.txt")) or os.path.isfile(src))
    tmp = dest.rstrip("/") + ".new"
    shutil.rmtree(tmp, ignore_errors=True)
    for kernel, _, f in found:
        d = os.path.join(tmp, "raw", kernel or os.path.basename(os.path.normpath(src))) if bench else tmp
        os.makedirs(d, exist_ok=True)
        shutil.copyfile(f, os.path.join(d, os.path.basename(f) if bench else "results.txt"))
    with open(os.path.join(tmp, "source"), "w") as f:
        f.write(f"{os.path.abspath(src)} saved {datetime.datetime.now():%Y-%m-%d %H:%M:%S}\n")
    shutil.rmtree(dest, ignore_errors=True)
    os.rename(tmp, dest)


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # | head: end quietly
    p = argparse.ArgumentParser(usage=__doc__.split("\n\n")[1])
    p.add_argument("a", metavar="A")
    p.add_argument("b", metavar="B", nargs="?")
    p.add_argument("--json", metavar="FILE")
    p.add_argument("--plot", metavar="FILE.png")
    p.add_argument("--threshold", metavar="PCT", type=float, default=10.0)
    p.add_argument("--fail-on-slower", action="store_true")
    p.add_argument("--save", metavar="DIR")
    args = p.parse_args()
    if args.threshold < 0 or (args.b is None) == (args.save is None):
        p.error("give A and B, or --save DIR and one RUN; PCT is 0 or more")
    try:
        if args.save:
            save(args.save, args.a)
            return 0
        a, b = load(args.a), load(args.b)
        align_kernels(a, b)
    except (Unusable, OSError) as e:
        print(f"compare.py: {e}", file=sys.stderr)
        return 2
    rows = [compare_row(ra, b["rows"][k], args.threshold) for k, ra in a["rows"].items() if k in b["rows"]]
    if not rows:
        print(f"compare.py: {args.a} and {args.b} have no row in common (mode, size, batch, CPU, kernel, step)", file=sys.stderr)
        return 2
    diffs = env_differences(a, b)
    print(report(a, b, rows, diffs, args.threshold, args.fail_on_slower))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(schema="skbfactory-compare/1", a=dict(path=args.a, files=a["files"]), b=dict(path=args.b, files=b["files"]),
                           method="Mann-Whitney interval of log(B) - log(A) from the repetitions (Hodges-Lehmann), exact",
                           level=LEVEL, threshold_pct=args.threshold,
                           environment=dict(same=not diffs, differences=[dict(line=k, a=va, b=vb) for k, va, vb in diffs]),
                           only_in_a=len(set(a["rows"]) - set(b["rows"])), only_in_b=len(set(b["rows"]) - set(a["rows"])),
                           rows=rows), f, indent=1)
    if args.plot:
        plot(args.plot, a, b, rows, args.threshold)
    return 1 if args.fail_on_slower and any(r["regression"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
