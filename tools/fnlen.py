#!/usr/bin/env python3
"""Function length check: every C function under pipeline/ is at most
--max lines (default 80, the team guide's limit), counted from the first
line of its signature to its closing brace.

    tools/fnlen.py [--root DIR] [--max N] [--allow FILE] [--list]

Prints one line per function over the limit, `path:line: error: function: N
lines, over 80` (`warning` instead of `error` when it is allow-listed),
and exits 1 when one of them is not in the allow-list (tools/fnlen-allow.txt:
`path:function` a line, # comments): those on the list are reported as
warnings only, exit 0, while their owners split them; an entry whose
function is back under the limit (or gone) is reported as stale, so the list
only ever shrinks. --list prints every function with its length.

The C is read as text, not compiled: comments, string and character literals,
preprocessor lines and the groups of a conditional after its first (and
`#if 0` ones) are blanked first, so a brace in a string or in both branches
of an `#if` cannot mislead it; then a function is an opening
brace at file level whose text before it ends in `)` -- struct, enum and
initialiser braces do not. Its signature starts on the first line after the
previous file-level `;`, `}` or preprocessor line."""
import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_ROOT = os.path.dirname(HERE)
DEFAULT_ALLOW = os.path.join(HERE, "fnlen-allow.txt")


def blank_inactive(text):
    """text with the lines no compiler reads blanked: an `#if 0` group, and
    every `#else`/`#elif` group after a group read (so braces split across
    conditional branches still pair, taking the first branch)."""
    out, stack = [], []  # stack: is the current group blanked?
    for line in text.split("\n"):
        d = re.match(r"\s*#\s*(\w+)\s*(.*)", line)
        word = d.group(1) if d else ""
        skipping = any(stack)
        if word in ("if", "ifdef", "ifndef"):
            stack.append(word == "if" and d.group(2).strip() == "0")
        elif word in ("elif", "else") and stack:
            stack[-1] = True
        elif word == "endif" and stack:
            stack.pop()
            skipping = skipping and any(stack)
        out.append("" if skipping or (d and any(stack)) else line)
    return "\n".join(out)


def blank_code(text):
    """text with inactive groups, comments, string/char literals and
    preprocessor lines replaced by spaces, newlines kept (so line numbers
    stay)."""
    text = blank_inactive(text)
    out = []
    i, n = 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if line_start and c == "#" or (line_start and c in " \t" and text[i:].lstrip(" \t").startswith("#")):
            # a preprocessor line, with its backslash continuations
            j = i
            while j < n:
                if text[j] == "\n" and (j == 0 or text[j - 1] != "\\"):
                    break
                j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
            line_start = False
            continue
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
            continue
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j - 1]) + (c if j - 1 > i else ""))
            i = j
            line_start = False
            continue
        out.append(c)
        if c == "\n":
            line_start = True
        elif c not in " \t":
            line_start = False
        i += 1
    return "".join(out)


def functions(text):
    """(name, first line, last line) of each function definition in C text
    (lines from 1)."""
    code = blank_code(text)
    found = []
    depth = 0
    start = 0  # offset where the current file-level item starts
    body_from = None
    for i, c in enumerate(code):
        if c == "{":
            if depth == 0:
                head = code[start:i]
                if head.rstrip().endswith(")") and "=" not in head.split("(")[0]:
                    body_from = (head, start)
                else:
                    body_from = None
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                if body_from:
                    head, hs = body_from
                    m = re.search(r"(\w+)\s*\(", head)
                    name = m.group(1) if m else "?"
                    first = code.count("\n", 0, hs + len(head) - len(head.lstrip()))
                    found.append((name, first + 1, code.count("\n", 0, i) + 1))
                body_from = None
                start = i + 1
        elif c == ";" and depth == 0:
            start = i + 1
        elif c == "\n" and depth == 0 and code[start:i].strip() == "":
            start = i + 1
    return found


def scan(root, limit):
    """{(path, name): (line, length)} of the functions over limit, and all
    functions as (path, name, line, length), of the .c files under
    root/pipeline."""
    over, every = {}, []
    base = os.path.join(root, "pipeline")
    for d, _, files in sorted(os.walk(base)):
        for f in sorted(files):
            if not f.endswith(".c"):
                continue
            path = os.path.join(d, f)
            rel = os.path.relpath(path, root)
            with open(path, encoding="utf-8", errors="replace") as fh:
                text = fh.read()
            for name, first, last in functions(text):
                n = last - first + 1
                every.append((rel, name, first, n))
                if n > limit:
                    over[(rel, name)] = (first, n)
    return over, every


def read_allow(path):
    allow = []
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                line = line.split("#", 1)[0].strip()
                if line:
                    p, _, name = line.rpartition(":")
                    allow.append((p, name))
    return allow


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", default=DEFAULT_ROOT, help="the project (default: this tool's)")
    ap.add_argument("--max", type=int, default=80, help="most lines a function may have (default 80)")
    ap.add_argument("--allow", default=DEFAULT_ALLOW, help="allow-list file (default tools/fnlen-allow.txt)")
    ap.add_argument("--list", action="store_true", help="print every function and its length")
    a = ap.parse_args(argv)
    if not os.path.isdir(os.path.join(a.root, "pipeline")):
        print("fnlen: %s has no pipeline/" % a.root, file=sys.stderr)
        return 2
    over, every = scan(a.root, a.max)
    if a.list:
        for rel, name, first, n in sorted(every, key=lambda x: -x[3]):
            print("%4d %s:%d %s" % (n, rel, first, name))
    allow = read_allow(a.allow)
    failed = 0
    for (rel, name), (first, n) in sorted(over.items(), key=lambda x: -x[1][1]):
        listed = (rel, name) in allow
        failed += not listed
        print("%s:%d: %s: %s: %d lines, over %d%s" % (
            rel, first, "warning" if listed else "error", name, n, a.max,
            " (allow-listed: split it, then take it off %s)" % os.path.basename(a.allow) if listed else ""))
    for rel, name in allow:
        if (rel, name) not in over:
            print("%s: %s: stale allow-list entry (now at most %d lines, or gone): remove it" % (rel, name, a.max))
    print("fnlen: %d function%s over %d lines, %d allow-listed, %d not" % (
        len(over), "" if len(over) == 1 else "s", a.max, len(over) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
