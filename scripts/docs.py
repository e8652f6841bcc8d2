#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""docs.py [--check]: the lists the docs show, from the sources.

Between "<!-- generated: NAME -->" and "<!-- end: NAME -->" in docs/*.md
and README.md, this writes the table NAME:

- modes, params, columns, stats: from the tables of skbfactory.c, where
  each entry has its comment above it;
- checks: make check's targets (make -f tests/check.mk list);
- cases: the integration cases each kernel of scripts/kernels runs
  (tests/job.sh --list under busybox sh, as make check plans them), by
  section of tests/cases.sh;
- reading: make bench's "How to read this" (scripts/bench/reading.md,
  which every results.md carries too).

The last column of checks and cases is written by hand: it is kept, row
by row, and a new row says TODO.  docs/testing.md's list between
"<!-- checked: helpers -->" and "<!-- end: helpers -->" must name every
function of tests/lib.sh, and nothing that neither tests/lib.sh nor
tests/cases.sh defines.  docs/testing.md's behaviours table (generated:
behaviours) has a row for every behaviour docs/debugfs.md documents: its
files, the parameters, modes and columns of skbfactory.c's tables, its
"#" lines, errnos, stopping rules and bold-headed rules; its last cell,
by hand, names the cases that test it, `CASE` for an integration case
(a case_CASE of tests/*.sh) and `SUITE.CASE` for a KUnit one (a case of
a suite in skbfactory_kunit.c or a kunit_*.c file), each checked to
exist.  docs/debugfs.md's table of "#" lines and
tests/lib.sh's RES_KEYS must name exactly the "# NAME:" lines skbfactory.c
prints in results.  With --check it writes nothing and fails
when a file is out of date, a table misses a case or a target or names one
that is gone, a row still says TODO, or the helper list is wrong.
"""

import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCE = ROOT / "skbfactory.c"
TESTING = ROOT / "docs" / "testing.md"
ENTRY = re.compile(r'/\*(?P<doc>(?:[^*]|\*(?!/))*)\*/\s*(?:\[\w+\]\s*=\s*)?\{\s*"(?P<name>[a-z_0-9]*)",(?P<rest>[^}]*)\}')
CELLS = {"checks": 2, "cases": 3, "behaviours": 3}
TODO = "TODO: what it checks, and what fails it"


def module_text():
    """skbfactory.c with the parts it includes ("config.c", ...) in place: the
    one translation unit the compiler sees."""
    return re.sub(r'^#include "([a-z_0-9]+\.c)"$', lambda m: (ROOT / m[1]).read_text(),
                  SOURCE.read_text(), flags=re.M)


def table(text, start):
    """The entries of the C table that starts with @start: (name, doc, fields)."""
    body = text[text.index(start):]
    body = body[:body.index("\n};")]
    rows = []
    for m in ENTRY.finditer(body):
        doc = " ".join(line.strip(" *\t") for line in m["doc"].splitlines()).split()
        doc = " ".join(doc)
        fields = [f.strip() for f in m["rest"].split(",") if f.strip()]
        rows.append((m["name"], doc, fields))
    return rows


def md(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def generated(text):
    macros = dict(re.findall(r"#define (SKBF_[A-Z_]+MAX)\s+(\d+)", text))
    macros.update(re.findall(r"#define (SKBF_[A-Z_]+MAX)\s+(\d+)",
                             (ROOT / "skbfactory.h").read_text()))
    modes = table(text, "static const struct skbf_mode_info skbf_modes")
    params = table(text, "static const struct skbf_param skbf_params")
    cols = table(text, "} skbf_cols[] = {")
    stats = table(text, "} skbf_stat_lines[] = {")
    ctx = {"SKBF_CTX_TASK": "task", "SKBF_CTX_NAPI": "softirq (NAPI poll)"}

    def bounds(f):
        """A number's range, or a choice's values (its array of strings)."""
        if f[0] == "SKBF_K_CHOICE":
            body = text[text.index(f"static const char *const {f[5]}[] = {{"):]
            return ", ".join(re.findall(r'"([a-z]+)"', body[:body.index("};")]))
        lo, hi = (macros.get(v, v) for v in f[2:4])
        return f"{lo}..{hi}" if f[0] == "SKBF_K_U32" else ""

    return {
        "modes": md(["mode", "runs in", "what an op is"],
                    [(f"`{n}`", ctx[f[0]], d) for n, d, f in modes]),
        "params": md(["parameter", "default", "range", "meaning"],
                     [(f"`{n}`", f"`{f[4].strip(chr(34))}`" if f[4] != '""' else "(empty)",
                       bounds(f), d) for n, d, f in params]),
        "columns": md(["column", "meaning"], [(f"`{n}`", d) for n, d, _ in cols]),
        "stats": md(["line", "meaning"], [(f"`{n}`", d) for n, d, _ in stats]),
    }


def command(args, env, package):
    """stdout of @args run in the repository with @env; exits naming @package when missing."""
    try:
        return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True,
                              check=True).stdout
    except FileNotFoundError:
        sys.exit(f"docs.py: no {args[0]}: install the Debian package {package} (scripts/deps.sh vm)")
    except subprocess.CalledProcessError as e:
        sys.exit(f"docs.py: {' '.join(args)} failed (exit {e.returncode}):\n{e.stderr}")


def environ(*drop, **add):
    """This process's environment without the variables @drop, with @add."""
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(add)
    return env


def kernels():
    """The kernels of scripts/kernels, in order: (name, kind); the source kernel's kind is debug."""
    rows = [line.split() for line in (ROOT / "scripts" / "kernels").read_text().splitlines()]
    return [(r[0], "debug" if r[1] == "source" else r[1]) for r in rows if r and not r[0].startswith("#")]


def plan(kind):
    """The cases of TESTS_KIND=@kind, as make check plans them: tests/job.sh --list under busybox sh."""
    env = environ("TESTS_ONLY", "TESTS_PART", TESTS_KIND=kind)
    return command(["busybox", "sh", "tests/job.sh", "--list"], env, "busybox-static").split()


def merged(plans):
    """The cases of all @plans in one order: each new one after its predecessor in its plan."""
    order = []
    for p in plans:
        for i, c in enumerate(p):
            if c not in order:
                order.insert(order.index(p[i - 1]) + 1 if i else 0, c)
    return order


def sections():
    """Each case_NAME of tests/cases.sh: the title of the "# ---- TITLE ----" line above it."""
    where, title = {}, ""
    for line in (ROOT / "tests" / "cases.sh").read_text().splitlines():
        m = re.match(r"# ---- (.*) ----$|case_(\w+)\(\)", line)
        if m and m[1]:
            title = m[1]
        elif m:
            where[m[2]] = title
    return where


def targets(names):
    """make check's targets (tests/check.mk list), a kernel's name in them as K, once each."""
    env = environ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "CHECKS", "CHECK_KERNELS")
    out = command(["make", "-s", "--no-print-directory", "-f", "tests/check.mk", "list"], env, "make")
    generic = []
    for t in out.split():
        for n in names:
            if t.endswith("-" + n):
                t = t[:-len(n)] + "K"
        if t not in generic:
            generic.append(t)
    return generic


def kept(old, name):
    """The hand-written last cell of the rows of keyed table @name in @old: {key: text}."""
    rows = {}
    for line in (old or "").splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        key = re.fullmatch(r"`([\w.:-]+)`", cells[0])
        if len(cells) != CELLS[name] or not key:
            sys.exit(f"docs.py: a {name} row must have {CELLS[name]} cells (a | in its text?):\n{line}")
        rows[key[1]] = cells[-1]
    return rows


def checks_table(names):
    """make check's targets, with the kernels @names as K, and write(old): their table, old's descriptions kept."""
    keys = targets(names)

    def write(old):
        text = kept(old, "checks")
        head = f"K is each kernel of `scripts/kernels`: {', '.join(names)} (`CHECK_KERNELS` picks some).\n\n"
        return head + md(["target", "what it runs, and what fails it"],
                         [(f"`{k}`", text.get(k, TODO)) for k in keys])
    return keys, write


def cases_table(ks):
    """The cases the kernels @ks plan, and write(old): their table by section, old's descriptions kept."""
    plans = {n: plan(kind) for n, kind in ks}
    order = merged(plans.values())
    where = sections()
    lost = [c for c in order if c not in where]
    if lost:
        sys.exit("docs.py: planned but with no case_NAME in tests/cases.sh: " + " ".join(lost))
    runs = {c: ", ".join(n for n in plans if c in plans[n]) for c in order}
    counts = ", ".join(f"{len(p)} on {n}" for n, p in plans.items())

    def write(old):
        text = kept(old, "cases")
        out = [f"Planned cases: {counts}; {len(order)} different ones."]
        for title in dict.fromkeys(where.values()):
            rows = [(f"`{c}`", runs[c], text.get(c, TODO)) for c in order if where[c] == title]
            if rows:
                out += ["", f"### {title}", "", md(["case", "kernels", "what it checks, and what fails it"], rows)]
        return "\n".join(out)
    return order, write


def slug(text):
    """A short key of a bold lead: "The NIC going away" -> nic-going-away."""
    text = re.sub(r"^(an?|the) ", "", text.strip(" .:`*").lower())
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def md_table(doc, header):
    """The rows of the table of @doc that starts with the line @header, as cell lists."""
    body = doc[doc.index(header):]
    body = body[:body.index("\n\n")] if "\n\n" in body else body
    return [[c.strip() for c in row.strip().strip("|").split("|")] for row in body.splitlines()[2:]]


def behaviours(text):
    """Every behaviour docs/debugfs.md documents: [(key, what)], the
    parameters, modes and columns from skbfactory.c's tables (@text)."""
    doc = (ROOT / "docs" / "debugfs.md").read_text()
    out = []
    for row in md_table(doc, "| file | mode | what it does |"):
        out.append((f"file:{row[0].strip('`')}", f"file, mode {row[1]}"))
    for kind, what, start in [("param", "parameter", "static const struct skbf_param skbf_params"),
                              ("mode", "mode", "static const struct skbf_mode_info skbf_modes"),
                              ("column", "results column", "} skbf_cols[] = {")]:
        out += [(f"{kind}:{n}", what) for n, _, _ in table(text, start)]
    for row in md_table(doc, "| line | says |"):
        out += [(f"line:{n}", "`#` line of results") for n in re.findall(r"`([a-z_]+)`", row[0])]
    for row in md_table(doc, "| errno | when |"):
        out.append((f"errno:{row[0].strip('`')}", "error"))
    stopping = doc[doc.index("## Stopping and unloading"):]
    out += [(f"stop:{slug(m)}", "stopping rule")
            for m in re.findall(r"^- \*\*(.+?)\*\*", stopping, re.M)]
    rest = doc[:doc.index("## Stopping and unloading")]
    out += [(f"rule:{slug(m)}", "rule") for m in re.findall(r"^\*\*(.+?)\*\*", rest, re.M)]
    return out


def kunit_cases():
    """{SUITE.CASE} of skbfactory_kunit.c and the kunit_*.c files it includes."""
    found = set()
    for path in [ROOT / "skbfactory_kunit.c", *sorted(ROOT.glob("kunit_*.c"))]:
        src = path.read_text()
        arrays = {m[1]: re.findall(r"KUNIT_CASE\w*\(\s*(\w+)", m[2])
                  for m in re.finditer(r"struct kunit_case (\w+)\[\] = \{(.*?)\n\};", src, re.S)}
        for m in re.finditer(r"struct kunit_suite \w+ = \{(.*?)\n\};", src, re.S):
            name = re.search(r'\.name = "(\w+)"', m[1])
            cases = re.search(r"\.test_cases = (\w+)", m[1])
            if name and cases:
                found |= {f"{name[1]}.{c}" for c in arrays.get(cases[1], [])}
    return found


def integration_cases():
    """The case_NAME functions of tests/ (cases.sh, and any other shell file there)."""
    return {f[len("case_"):] for path in sorted((ROOT / "tests").rglob("*.sh"))
            for f in functions(path) if f.startswith("case_")}


def behaviours_table(text):
    """The behaviours of docs/debugfs.md, and write(old): their table, the cases named by hand kept."""
    rows = behaviours(text)

    def write(old):
        named = kept(old, "behaviours")
        head = ("A behaviour is `KIND:NAME`; it is tested by integration cases (`tests/cases.sh`) "
                "and KUnit cases, `SUITE.CASE`.\n\n")
        return head + md(["behaviour", "documented as", "tested by"],
                         [(f"`{k}`", w, named.get(k, "TODO: the cases that fail when it is wrong"))
                          for k, w in rows])
    return [k for k, _ in rows], write


def behaviour_problems(text):
    """A behaviour row that names no case, or a case that does not exist."""
    body = block(text, "behaviours")
    if body is None:
        return []
    known_i, known_k = integration_cases(), kunit_cases()
    out = []
    for key, cell in kept(body, "behaviours").items():
        names = re.findall(r"`([^`]+)`", cell)
        if not names and not cell.startswith("TODO"):
            out.append(f"behaviour {key}: names no case")
        for n in names:
            if ("." in n and n not in known_k) or ("." not in n and n not in known_i):
                out.append(f"behaviour {key}: no such {'KUnit' if '.' in n else 'integration'} case {n}")
    return out


def block(text, name):
    """The body of @text's generated block @name, or None when it has none."""
    m = re.search(rf"<!-- generated: {name} -->\n(.*?)<!-- end: {name} -->", text, re.S)
    return m[1] if m else None


def keyed_problems(text, name, wanted, what, other):
    """What is wrong with the keyed table @name in @text: @wanted keys (@what) it misses, @other keys it has."""
    body = block(text, name)
    if body is None:
        return [f"no <!-- generated: {name} --> block: it must list the {what}"]
    rows = kept(body, name)
    out = []
    missing = [k for k in wanted if k not in rows]
    gone = [k for k in rows if k not in wanted]
    todo = [k for k in rows if k in wanted and rows[k].startswith("TODO")]
    if missing:
        out.append(f"does not list these {what} (run scripts/docs.py, then describe them): " + " ".join(missing))
    if gone:
        out.append(f"lists {other} (run scripts/docs.py to drop them): " + " ".join(gone))
    if todo:
        out.append("no description yet (the row says TODO): " + " ".join(todo))
    return out


def functions(path):
    """The shell functions @path defines."""
    return re.findall(r"^(\w+)\(\) *\{", path.read_text(), re.M)


def helper_problems(text):
    """What is wrong with the helper list of @text: a helper that does not exist, a lib.sh one left out."""
    m = re.search(r"<!-- checked: helpers -->\n(.*?)<!-- end: helpers -->", text, re.S)
    if not m:
        return ["no <!-- checked: helpers --> list of tests/lib.sh's functions"]
    heads = [item[:item.index("`:") + 1] for item in re.split(r"\n(?=- )", m[1]) if "`:" in item]
    named = [h for head in heads for h in re.findall(r"`(\w+)[^`]*`", head)]
    lib = [f for f in functions(ROOT / "tests" / "lib.sh") if not f.startswith("_")]
    known = set(lib) | set(functions(ROOT / "tests" / "cases.sh"))
    out = []
    unknown = [h for h in dict.fromkeys(named) if h not in known]
    left = [f for f in lib if f not in named]
    if unknown:
        out.append("helpers that tests/lib.sh and tests/cases.sh do not define: " + " ".join(unknown))
    if left:
        out.append("tests/lib.sh functions the helper list leaves out: " + " ".join(left))
    return out


def testing_problems(text, case_names, target_names, behaviour_names):
    """Everything docs/testing.md (@text) gets wrong that writing it cannot fix."""
    return (keyed_problems(text, "cases", case_names, "planned cases", "cases in no plan")
            + keyed_problems(text, "behaviours", behaviour_names, "documented behaviours",
                             "behaviours docs/debugfs.md no longer documents")
            + behaviour_problems(text)
            + keyed_problems(text, "checks", target_names, "make check targets",
                             "targets tests/check.mk does not have")
            + helper_problems(text))


def result_lines(text):
    """The NAMEs of the "# NAME: ..." lines results can show: printed in
    skbfactory.c's sections on the environment and on the results text."""
    spans = [("/* ---- The environment a figure depends on", "/* ---- The engine"),
             ("/* ---- Results text", "/* ---- Layout")]
    found = set()
    for start, end in spans:
        body = re.sub(r"/\*.*?\*/", "", text[text.index(start):text.index(end)], flags=re.S)
        found |= set(re.findall(r'(?:"|\\n)# ([a-z_]+):', body))
    return found - {"runs"}  # "# runs: none yet", before any run


def result_line_problems(text):
    """docs/debugfs.md's table of "#" lines and tests/lib.sh's RES_KEYS
    (what the tests parse) must both name exactly the lines results shows."""
    want = result_lines(text)
    doc = (ROOT / "docs" / "debugfs.md").read_text()
    table = doc[doc.index("| line | says |"):]
    table = table[:table.index("\n\n")]
    documented = {n for row in table.splitlines()[2:]
                  for n in re.findall(r"`([a-z_]+)`", row.split("|")[1])}
    keys = re.search(r'^RES_KEYS="([^"]*)"', (ROOT / "tests" / "lib.sh").read_text(), re.M)[1].split()
    problems = []
    for where, names in [("docs/debugfs.md's table of # lines", documented),
                         ("tests/lib.sh's RES_KEYS", set(keys))]:
        if want - names:
            problems.append(f"docs.py: {where} lacks " + " ".join(sorted(want - names)))
        if names - want:
            problems.append(f"docs.py: {where} names lines results never shows: "
                            + " ".join(sorted(names - want)))
    return problems


def reading():
    """make bench's "How to read this", which every results.md carries too,
    without its heading: scripts/bench/reading.md."""
    text = (ROOT / "scripts" / "bench" / "reading.md").read_text()
    return re.sub(r"\A## [^\n]*\n+", "", text).rstrip("\n")


def main():
    check = sys.argv[1:] == ["--check"]
    if sys.argv[1:] not in ([], ["--check"]):
        sys.exit(__doc__)
    tables = generated(module_text())
    ks = kernels()
    case_names, tables["cases"] = cases_table(ks)
    target_names, tables["checks"] = checks_table([n for n, _ in ks])
    behaviour_names, tables["behaviours"] = behaviours_table(module_text())
    tables["reading"] = reading()
    stale, problems = [], result_line_problems(module_text())
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        old = path.read_text()
        new = old
        for name, body in tables.items():
            new = re.sub(rf"(<!-- generated: {name} -->\n)((?:.*?\n)?)(<!-- end: {name} -->)",
                         lambda m, b=body: m[1] + (b(m[2]) if callable(b) else b) + "\n" + m[3],
                         new, flags=re.S)
        if path == TESTING:
            problems += [f"docs.py: {path.relative_to(ROOT)}: {p}"
                         for p in testing_problems(old if check else new, case_names, target_names,
                                                   behaviour_names)]
        if new != old:
            stale.append(path.relative_to(ROOT))
            if not check:
                path.write_text(new)
    if not TESTING.exists():
        problems.append(f"docs.py: no {TESTING.relative_to(ROOT)}")
    if check and stale:
        problems.append("docs.py: out of date (run scripts/docs.py): " + " ".join(map(str, stale)))
    if not check:
        for path in stale:
            print(f"docs.py: updated {path}")
    if problems:
        sys.exit("\n".join(problems))


if __name__ == "__main__":
    main()
