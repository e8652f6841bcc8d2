#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""docs.py [--check]: the lists the docs show, from skbfactory.c's tables.

The modes, the parameters and the results columns live in one place each,
the tables of skbfactory.c, with a comment above every entry.  Between
"<!-- generated: NAME -->" and "<!-- end: NAME -->" in docs/*.md and
README.md, this writes the table NAME (modes, params, columns) from them.
With --check it writes nothing and fails when a file is out of date.
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCE = ROOT / "skbfactory.c"
ENTRY = re.compile(r'/\*(?P<doc>(?:[^*]|\*(?!/))*)\*/\s*(?:\[\w+\]\s*=\s*)?\{\s*"(?P<name>[a-z_0-9]*)",(?P<rest>[^}]*)\}')


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
    ctx = {"SKBF_CTX_TASK": "task", "SKBF_CTX_NAPI": "softirq (NAPI poll)"}

    def bounds(f):
        lo, hi = (macros.get(v, v) for v in f[2:4])
        return f"{lo}..{hi}" if f[0] == "SKBF_K_U32" else ""

    return {
        "modes": md(["mode", "runs in", "what an op is"],
                    [(f"`{n}`", ctx[f[0]], d) for n, d, f in modes]),
        "params": md(["parameter", "default", "range", "meaning"],
                     [(f"`{n}`", f"`{f[-1].strip(chr(34))}`" if f[-1] != '""' else "(empty)",
                       bounds(f), d) for n, d, f in params]),
        "columns": md(["column", "meaning"], [(f"`{n}`", d) for n, d, _ in cols]),
    }


def main():
    check = sys.argv[1:] == ["--check"]
    if sys.argv[1:] not in ([], ["--check"]):
        sys.exit(__doc__)
    tables = generated(SOURCE.read_text())
    stale = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        old = path.read_text()
        new = old
        for name, body in tables.items():
            new = re.sub(rf"(<!-- generated: {name} -->\n)(?:.*?\n)?(<!-- end: {name} -->)",
                         lambda m, b=body: m[1] + b + "\n" + m[2], new, flags=re.S)
        if new != old:
            stale.append(path.relative_to(ROOT))
            if not check:
                path.write_text(new)
    if check and stale:
        sys.exit("docs.py: out of date (run scripts/docs.py): " + " ".join(map(str, stale)))
    for path in stale:
        print(f"docs.py: updated {path}")


if __name__ == "__main__":
    main()
