#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""test-compare.py [PAIRS]: make check's compare check, on synthetic runs.
test-compare.py --power: docs/bench.md's table of what the repetitions resolve.

scripts/compare.py (or COMPARE=FILE, a variant to test the tests with)
against results files from tests/compare/synth.py: each mode a cost and a
spread of 10 to 20 % (TCG's within a run), repetitions drawn around it.
The statistical tests draw PAIRS seeded pairs of runs (default 500, ten
modes a run) and count verdicts over all their rows; the others run
compare.py, make compare and make bench's report as a user would.  Prints
KTAP and a last line "Ran N tests: ..."; exits 1 when a test failed.
Standard library only; nothing boots.
"""

import importlib.util
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
COMPARE = pathlib.Path(os.environ.get("COMPARE") or ROOT / "scripts" / "compare.py").resolve()
PAIRS = int(sys.argv[1]) if sys.argv[1:2] and sys.argv[1] != "--power" else 500
sys.path.insert(0, str(HERE))
import synth  # noqa: E402

spec = importlib.util.spec_from_file_location("compare", COMPARE)
compare = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compare)
TMP = pathlib.Path(tempfile.mkdtemp(prefix="skbf-compare-"))
KERNEL_612 = {"kernel": "6.12.118+deb12-amd64, preempt=lazy, HZ=250"}
SUMMARY = []  # for the last line, which make check's line carries


class Failed(Exception):
    pass


def check(ok, why):
    if not ok:
        raise Failed(why)


def write(name, text):
    path = TMP / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def rows(a_text, b_text, threshold=10.0):
    """compare.py's rows for two results texts, in this process (fast)."""
    a, b = (dict(path=n, files=[n], env={}, rows={}, sums=0) for n in "AB")
    for side, text in ((a, a_text), (b, b_text)):
        for r in compare.parse(text, side["path"])[1]:
            if r["cpu"] != "sum":
                r.update(kernel="", step="")
                side["rows"][(r["mode"], r["cpu"])] = r
    return [compare.compare_row(ra, b["rows"][k], threshold) for k, ra in a["rows"].items() if k in b["rows"]]


def run(*args, env=None):
    """compare.py ARGS...: (exit status, stdout, stderr)."""
    p = subprocess.run([sys.executable, str(COMPARE), *map(str, args)], capture_output=True, text=True,
                       env=dict(os.environ, **(env or {})))
    return p.returncode, p.stdout, p.stderr


def pairs(factor, repeat=5, n=PAIRS, tag=""):
    """Every row of N seeded pairs: A at cost 1, B at cost FACTOR."""
    out = []
    for i in range(n):
        out += rows(synth.results(f"A{tag} {i}", 1.0, repeat), synth.results(f"B{tag} {i}", factor, repeat))
    return out


def slack(p, n):
    """Three standard errors of a proportion p measured on n draws: what a
    bound on a measured rate must allow for."""
    return 3 * (p * (1 - p) / n) ** 0.5


def rate(rs, verdict):
    return sum(r["verdict"] == verdict for r in rs) / len(rs)


def coverage(rs, truth):
    return sum(r["lo"] <= truth <= r["hi"] for r in rs) / len(rs)


def test_null_distribution():
    """The exact interval: Mann-Whitney counts against brute force, and a
    hand-made case (5 against 5: the 3rd smallest to the 3rd largest of
    the 25 ratios, 96.8 %)."""
    import itertools
    for n, m in ((5, 5), (4, 5), (3, 6)):
        brute = [0] * (n * m + 1)
        for xs in itertools.combinations(range(n + m), n):
            brute[sum(x > y for x in xs for y in set(range(n + m)) - set(xs))] += 1
        check(list(compare.null_counts(n, m)) == brute, f"null_counts({n}, {m}) is not what brute force counts")
    lo, hi, conf, _ = compare.interval([1, 2, 3, 4, 5], [2, 3, 4, 5, 6])
    check((round(lo, 6), round(hi, 6), round(conf, 4)) == (0.6, 4.0, 0.9683), f"interval of 1..5 and 2..6: {lo} {hi} {conf}")
    check(compare.interval([1, 2, 3], [1, 2, 3]) is None, "3 against 3 cannot give 95 %, yet there is an interval")


def test_self():
    """(a) A file compared with itself: no difference in every row, exit 0,
    ratio 1 inside its interval, the same environment; also with untimed
    repetitions and a cpu=all run (rows per CPU, the sum rows left out)."""
    for name, text in (("self.txt", synth.results("self")), ("untimed.txt", synth.results("untimed", untimed=1)),
                       ("all.txt", synth.results("all", cpus=(0, 1)))):
        f = write(name, text)
        rc, out, err = run(f, f, "--json", TMP / "self.json")
        check(rc == 0, f"{name} against itself: exit {rc}: {err}")
        check(out.startswith("A and B ran in the same environment"), f"{name}: the first line is not about the same environment:\n{out}")
        got = json.loads((TMP / "self.json").read_text())["rows"]
        want = len(synth.MODES) * (2 if name == "all.txt" else 1)
        check(len(got) == want, f"{name}: {len(got)} rows compared, not {want}")
        check(all(r["verdict"] == "no difference" and r["ratio"] == 1 and r["lo"] <= 1 <= r["hi"] for r in got),
              f"{name} against itself: " + ", ".join(f"{r['mode']} {r['verdict']} {r['ratio']} {r['lo']}-{r['hi']}" for r in got))
        if name == "untimed.txt":
            check(all(r["n_a"] == 4 for r in got) and "untimed" in out, f"{name}: the '-' repetitions are not left out and said")
        if name == "all.txt":
            check("sum rows" in out and {r["cpu"] for r in got} == {0, 1}, f"{name}: not a row per CPU without the sum rows:\n{out}")


def test_same_distribution():
    """(b) Pairs from one distribution: no difference in most rows of every
    pair; the false positives, over all rows, within the interval's 3.2 %
    (at most 5 %); the BASE gate (a row slower beyond 10 %) fires on at
    most 2 % of the pairs (1.9 % measured), plus three standard errors."""
    rs = pairs(1.0)
    fp = 1 - rate(rs, "no difference")
    per_pair = [rs[i:i + len(synth.MODES)] for i in range(0, len(rs), len(synth.MODES))]
    worst = min(rate(p, "no difference") for p in per_pair)
    gate = sum(any(r["regression"] for r in p) for p in per_pair) / len(per_pair)
    print(f"# same distribution: {100 * fp:.2f} % of {len(rs)} rows not 'no difference' "
          f"({100 * rate(rs, 'slower'):.2f} % slower, {100 * rate(rs, 'faster'):.2f} % faster); "
          f"the worst pair {100 * worst:.0f} % no difference; BASE's gate fired in {100 * gate:.2f} % of {len(per_pair)} pairs")
    SUMMARY.append(f"false positives {100 * fp:.1f} % of {len(rs)} rows")
    check(fp <= 0.05, f"false positives {100 * fp:.2f} %, above 5 %")
    check(worst > 0.5, f"a pair with only {100 * worst:.0f} % no difference")
    check(gate <= 0.02 + slack(0.02, len(per_pair)), f"the gate fired on {100 * gate:.2f} % of pairs with no change")
    check(0.9 < statistics.median(r["ratio"] for r in rs) < 1.1, "the median ratio is not about 1")


def test_shift():
    """(c) B 20 % slower: the true ratio 1.2 inside the interval (95 %, less
    three standard errors of the rows drawn), `faster` almost never, `slower`
    in at least 15 % of the rows with 5 repetitions (about 26 % measured:
    10-20 % noise allows no more, docs/bench.md) and in at least 90 % with
    30; the same mirrored for B 20 % faster (0.8)."""
    for factor, right, wrong in ((1.2, "slower", "faster"), (0.8, "faster", "slower")):
        rs, many = pairs(factor), pairs(factor, repeat=30, n=max(20, PAIRS // 10), tag="30")
        print(f"# B at {factor}: 5 repetitions: {100 * rate(rs, right):.1f} % {right}, {100 * rate(rs, wrong):.2f} % {wrong}, "
              f"{factor} inside {100 * coverage(rs, factor):.1f} %, median ratio {statistics.median(r['ratio'] for r in rs):.3f}; "
              f"30 repetitions: {100 * rate(many, right):.1f} % {right}, inside {100 * coverage(many, factor):.1f} %")
        check(abs(statistics.median(r["ratio"] for r in rs) / factor - 1) < 0.03, f"B at {factor}: the median ratio is not {factor}")
        check(all(coverage(x, factor) >= 0.95 - slack(0.05, len(x)) for x in (rs, many)), f"B at {factor}: {factor} inside too few intervals")
        check(rate(rs, wrong) <= 0.005, f"B at {factor}: {100 * rate(rs, wrong):.2f} % {wrong}")
        check(rate(rs, right) >= 0.15, f"B at {factor}: only {100 * rate(rs, right):.1f} % {right} with 5 repetitions")
        check(rate(many, right) >= 0.9, f"B at {factor}: only {100 * rate(many, right):.1f} % {right} with 30 repetitions")


def test_environment():
    """(d) An environment difference is the first line, each line that
    differs named; a '#' line that only reports a measurement (bh_off,
    timing, free_cpus) is no environment; a config difference is."""
    a = write("env-a.txt", synth.results("env a"))
    b = write("env-b.txt", synth.results("env b", env=dict(KERNEL_612, mitigations="retbleed=ibpb")))
    rc, out, err = run(a, b, "--json", TMP / "env.json")
    first = out.splitlines()[0] if out else ""
    check(rc == 0 and first == "A and B ran in different environments: kernel, mitigations.", f"the first line: {first!r} {err}")
    check("6.12.118+deb12-amd64" in out and "(no such line)" in out, f"the kernels and the missing line are not shown:\n{out}")
    env = json.loads((TMP / "env.json").read_text())["environment"]
    check(not env["same"] and [d["line"] for d in env["differences"]] == ["kernel", "mitigations"], f"JSON environment: {env}")
    c = write("env-c.txt", synth.results("env c", env={"bh_off": "9 chunks in softirq, median 1100 us",
                                                    "free_cpus": "mode=alloc_skb cpu=1 released=100 free_ns=7.10 ring_full=0 batches=2 dropped=0"})
              .replace("median of 5 repetitions", "median of 5 repetitions; 3 chunks left out").replace("count=200000", "count=100000"))
    rc, out, err = run(a, c)
    check(out.startswith("A and B ran in different environments: config count."), f"bh_off, timing or config wrong:\n{out[:300]}")


def test_gate():
    """(e) --fail-on-slower exits 1 on B 20 % slower and 0 on no change;
    make compare SAVE= then BASE= does the same through the cache; plain
    make compare takes the two newest runs."""
    base = write("gate/base.txt", synth.results("gate a", repeat=20))
    for factor, want in ((1.2, 1), (1.0, 0), (0.8, 0)):
        b = write(f"gate/b{factor}.txt", synth.results(f"gate b {factor}", factor, repeat=20))
        rc, out, err = run(base, b, "--fail-on-slower")
        check(rc == want, f"--fail-on-slower, B at {factor}: exit {rc}, not {want}: {err}{out[-300:]}")
        check(("Regression:" if want else "No regression:") in out, f"B at {factor}: the gate's line is missing")
    build, cache = TMP / "build", TMP / "cache"
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "A", "B", "BASE", "SAVE", "THRESHOLD")}
    env.update(SKBFACTORY_BUILD=str(build), SKBFACTORY_CACHE=str(cache))

    def make(*args):
        p = subprocess.run(["make", "-s", "--no-print-directory", "-C", str(ROOT), "compare", *args], capture_output=True, text=True, env=env)
        return p.returncode, p.stdout + p.stderr

    for stamp, seed, factor in (("20260101-000000", "run a", 1.0), ("20260101-000100", "run b", 1.2)):
        write(f"build/run/{stamp}/results.txt", synth.results(seed, factor, repeat=20))
    rc, out = make()
    check(rc == 0 and "20260101-000000" in out and len(list(build.glob("compare/*/compare.json"))) == 1,
          f"make compare: exit {rc}, or not the two newest runs, or no compare.json:\n{out[-500:]}")
    rc, out = make(f"SAVE=nightly", f"A={build}/run/20260101-000000")
    check(rc == 0 and (cache / "baselines/nightly/results.txt").is_file(), f"make compare SAVE=nightly: exit {rc}:\n{out[-500:]}")
    rc, out = make("BASE=nightly")
    check(rc != 0 and "Regression:" in out, f"make compare BASE=nightly on B 20 % slower: exit {rc}:\n{out[-500:]}")
    rc, out = make("BASE=nightly", f"B={build}/run/20260101-000000")
    check(rc == 0 and "No regression" in out, f"make compare BASE=nightly on the baseline's own run: exit {rc}:\n{out[-500:]}")
    rc, out = make("BASE=nosuch")
    check(rc != 0 and "no baseline 'nosuch'" in out, f"make compare BASE=nosuch: exit {rc}:\n{out[-500:]}")


def test_old_files():
    """(f) Files without '# reps:' lines (an older module) compare by
    ns_per_op, say so, and are never confident: even twice as slow is no
    difference, and the gate cannot fire."""
    a = write("old-a.txt", synth.results("old a", reps=False))
    b = write("old-b.txt", synth.results("old b", 2.0, reps=False))
    new = write("new-b.txt", synth.results("new b", 2.0))
    for other in (b, new):
        rc, out, err = run(a, other, "--fail-on-slower", "--json", TMP / "old.json")
        got = json.loads((TMP / "old.json").read_text())["rows"]
        check(rc == 0, f"old files, --fail-on-slower: exit {rc}: {err}")
        check("No repetitions: A " in out and "no difference (no reps)" in out, f"old files: not said:\n{out}")
        check(all(r["verdict"] == "no difference" and not r["reps"] and r["confidence"] is None and r["ratio"] > 1.2
                  and r["range_lo"] <= r["ratio"] <= r["range_hi"] for r in got), f"old files: {got[0]}")


def test_outputs():
    """--json has every row with its interval and B's ratio over A's (1.5
    here), --plot a PNG (with gnuplot); an unreadable A is exit 2."""
    a, b = write("out-a.txt", synth.results("out a")), write("out-b.txt", synth.results("out b", 1.5))
    rc, out, err = run(a, b, "--json", TMP / "out.json", "--plot", TMP / "out.png")
    got = json.loads((TMP / "out.json").read_text())
    check(rc == 0 and len(got["rows"]) == len(synth.MODES) and all({"ratio", "lo", "hi", "verdict"} <= set(r) for r in got["rows"]),
          f"--json: exit {rc} {err}")
    check(1.35 < statistics.median(r["ratio"] for r in got["rows"]) < 1.65, "B at 1.5: the median ratio is not about 1.5 (A and B swapped?)")
    if subprocess.run(["sh", "-c", "command -v gnuplot"], capture_output=True).returncode == 0:
        check((TMP / "out.png").read_bytes()[:4] == b"\x89PNG", f"--plot made no PNG: {err}")
    else:
        print("# no gnuplot: the PNG is not checked")
    rc, out, err = run(TMP / "nosuch.txt", b)
    check(rc == 2 and "nosuch.txt" in err, f"a missing A: exit {rc}: {err}")
    rc, out, err = run(write("pktgen.txt", "Params: count 1000\nResult: OK\n"), b)
    check(rc == 2 and "no results table" in err, f"a text with no table: exit {rc}: {err}")


def test_bench():
    """make bench's report with two kernels writes compare.txt/.json/.png
    (6.12 against 6.1, the kernel line first), bench directories compare
    by kernel, a step's arguments name its rows; a compare that fails (no
    row in common) does not fail the report."""
    def bench(name, seeds, **other):
        """A bench directory of both kernels; OTHER: 6.12's bench_out arguments."""
        out = TMP / name
        for k, seed, kw in (("6.1", seeds[0], {}), ("6.12", seeds[1], dict(dict(env=KERNEL_612), **other))):
            (out / "raw" / k).mkdir(parents=True)
            (out / "raw" / k / "out.txt").write_text(synth.bench_out(seed, **kw))
        (out / "host.txt").write_text("60 0.5 0.5 0.5 / 0.5 0.5 0.5\n")
        p = subprocess.run([sys.executable, str(ROOT / "scripts/bench/bench.py"), "report", str(out), "6.1", "6.12"],
                           capture_output=True, text=True, env=dict(os.environ, QUICK="1"))
        return out, p

    one, p = bench("bench1", ("x", "y"))
    check(p.returncode == 0 and (one / "compare.txt").is_file() and (one / "compare.json").is_file(),
          f"bench.py report: exit {p.returncode}, compare.txt or .json missing: {p.stderr[-800:]}")
    text = (one / "compare.txt").read_text()
    check(text.startswith("A and B ran in different environments: kernel") and "release-free_cpu=0" in text,
          f"bench compare.txt:\n{text[:600]}")
    rc, out, err = run(one, one, "--json", TMP / "bench.json")
    got = json.loads((TMP / "bench.json").read_text())["rows"]
    check(rc == 0 and {(r["kernel_a"], r["kernel_b"]) for r in got} == {("6.1", "6.1"), ("6.12", "6.12")},
          f"two bench directories do not pair by kernel: exit {rc} {err}")
    rc, out, err = run(one, write("plain.txt", synth.results("plain")))
    check(rc == 2 and "raw/KERNEL" in err, f"a bench directory of two kernels against one run: exit {rc}: {err}")
    rc, out, err = run(one / "raw/6.1", TMP / "plain.txt")
    check(rc == 0 and len(out.split("\n\n")[1].splitlines()) == 1 + len(synth.MODES), f"raw/6.1 against a run's size 1500:\n{out}")
    bad, p = bench("bench3", ("x3", "y3"), sizes=(128,), release=False)
    check(p.returncode == 0 and not (bad / "compare.txt").exists() and "compare.py 6.12 against 6.1 failed" in p.stderr,
          f"a compare that fails: bench.py report exit {p.returncode}: {p.stderr[-500:]}")


TESTS = [test_null_distribution, test_self, test_same_distribution, test_shift, test_environment, test_gate, test_old_files,
         test_outputs, test_bench]


def power(draws=2000):
    """How often compare.py says slower, by repetitions a side, noise (cv)
    and true change: log-normal repetitions, DRAWS pairs a cell."""
    import math
    import random
    rng = random.Random("power")
    changes = (1.0, 1.1, 1.2, 1.3, 1.5)
    print("| repetitions | cv | " + " | ".join(["no change: a verdict"] + [f"{c - 1:+.0%} slower" for c in changes[1:]]
                                                  + ["+20 %: beyond 10 %"]) + " |")
    print("|---" * (len(changes) + 3) + "|")
    for n in (5, 10, 30):
        for cv in (0.10, 0.15, 0.20):
            sigma = math.sqrt(math.log(1 + cv * cv))
            cells = []
            for c in changes + (1.2,):
                hits = 0
                for _ in range(draws):
                    a = [math.exp(rng.gauss(0, sigma)) for _ in range(n)]
                    lo, hi, _, _ = compare.interval(a, [c * math.exp(rng.gauss(0, sigma)) for _ in range(n)])
                    hits += (lo > 1 or hi < 1) if c == 1 else lo > (1.1 if len(cells) == len(changes) else 1)
                cells.append(f"{100 * hits / draws:.0f} %")
            print(f"| {n} | {100 * cv:.0f} % | " + " | ".join(cells) + " |")


def main():
    if sys.argv[1:] == ["--power"]:
        return power()
    print(f"KTAP version 1\n1..{len(TESTS)}\n# {COMPARE}; {PAIRS} pairs of runs of {len(synth.MODES)} modes")
    failed = 0
    for i, t in enumerate(TESTS, 1):
        name = t.__name__[5:]
        try:
            t()
            print(f"ok {i} {name}")
        except Failed as e:
            failed += 1
            print("\n".join(f"# {name}: {line}" for line in str(e).splitlines()))
            print(f"not ok {i} {name}")
        except Exception as e:  # a crash of compare.py in this process is a failure too
            failed += 1
            print(f"# {name}: {type(e).__name__}: {e}")
            print(f"not ok {i} {name}")
    subprocess.run(["rm", "-rf", str(TMP)])
    print(f"# Ran {len(TESTS)} tests: " + "; ".join([f"{failed} failed" if failed else "all passed"] + SUMMARY))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
