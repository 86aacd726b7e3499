#!/usr/bin/env python3
"""tools/fnlen.py, the function-length check, on small trees made here:
exactly the limit passes and one line more fails naming file:line and the
function; braces in strings, character literals, comments and preprocessor
lines, file-level initialisers and K&R braces do not mislead it; an
allow-listed function is a warning (exit 0) and a stale entry is said."""
import os
import re
import subprocess
import sys
import tempfile

from checks import Checks

TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "fnlen.py")


def body(n):
    """n lines of statements."""
    return "".join("    x += %d;\n" % i for i in range(n))


def fn(name, lines, extra=""):
    """A function definition of exactly `lines` lines (signature to brace)."""
    inner = extra + body(lines - 3 - extra.count("\n"))
    return "/* %s */\nstatic int %s(int x)\n{\n%s}\n\n" % (name, name, inner)


def run(root, allow=None):
    args = [sys.executable, TOOL, "--root", root, "--allow", allow or os.devnull]
    p = subprocess.run(args, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def main():
    c = Checks()
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "pipeline", "x"))
        path = os.path.join(root, "pipeline", "x", "a.c")

        def write(text):
            with open(path, "w") as f:
                f.write(text)

        write(fn("at_limit", 80))
        rc, out = run(root)
        c.eq(rc, 0, "a function of exactly 80 lines passes", out)
        c.ok("0 functions over 80" in out, "and none is reported", out)

        write(fn("at_limit", 80) + fn("one_over", 81))
        rc, out = run(root)
        c.eq(rc, 1, "a function of 81 lines fails the check")
        c.ok("pipeline/x/a.c:" in out and ": error: one_over: 81 lines" in out,
             "the failure names file, line and function with its length", out)
        c.ok("at_limit" not in out, "the one at the limit is not named", out)
        line = int(out.split("pipeline/x/a.c:")[1].split(":")[0])
        c.eq(line, 80 + 2 + 2, "the line given is the signature's (after 80 lines, a blank and a comment)")

        tricky = ('    const char *s = "{{{ } {";\n    char q = \'{\';\n    /* { { { */\n'
                  '    // }\n#if 0\n    {\n#endif\n#ifdef A\n    if (x) {\n#else\n    if (!x) {\n#endif\n    }\n')
        write("static const int table[] = {\n" + "".join("    %d,\n" % i for i in range(120)) + "};\n\n"
              + "typedef struct big {\n" + "".join("    int f%d;\n" % i for i in range(100)) + "} big;\n\n"
              + fn("tricky", 80, tricky) + "int kr(void) {\n" + body(78) + "}\n")
        rc, out = run(root)
        c.eq(rc, 0, "braces in strings, chars, comments and #if, initialisers and structs: no false alarm", out)
        listed = subprocess.run([sys.executable, TOOL, "--root", root, "--allow", os.devnull, "--list"],
                                capture_output=True, text=True).stdout
        c.ok(re.search(r"^  80 pipeline/x/a\.c:\d+ tricky$", listed, re.M), "the tricky function is found, 80 lines", listed)
        c.ok(re.search(r"^  80 pipeline/x/a\.c:\d+ kr$", listed, re.M), "and the K&R one, 80 lines", listed)
        c.ok("table" not in listed and "big" not in listed, "an initialiser and a struct are no functions", listed)
        write(fn("tricky", 81, tricky))
        rc, out = run(root)
        c.ok(rc == 1 and "tricky: 81 lines" in out, "the tricky function is counted exactly", out)
        write("int kr(void) {\n" + body(80) + "}\n")
        rc, out = run(root)
        c.ok(rc == 1 and "kr: 82 lines" in out, "a K&R brace on the signature line is counted", out)

        allow = os.path.join(root, "allow.txt")
        with open(allow, "w") as f:
            f.write("# comment\npipeline/x/a.c:kr\npipeline/x/a.c:gone\n")
        rc, out = run(root, allow)
        c.eq(rc, 0, "an allow-listed function over the limit is a warning only", out)
        c.ok(": warning: kr: 82 lines" in out, "and is still reported", out)
        c.ok("pipeline/x/a.c: gone: stale allow-list entry" in out, "a stale entry is reported", out)
        write("int kr(void) {\n" + body(80) + "}\n" + fn("other", 90))
        rc, out = run(root, allow)
        c.ok(rc == 1 and ": error: other: 90 lines" in out, "one not on the list still fails", out)

    rc, out = run(os.path.join(os.path.dirname(TOOL), ".."), os.path.join(os.path.dirname(TOOL), "fnlen-allow.txt"))
    c.eq(rc, 0, "this tree passes with its allow-list", out)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
