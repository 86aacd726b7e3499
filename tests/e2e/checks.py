"""Shared helpers of the end-to-end scripts: a check counter and a CSV reader."""
import csv
import re


class Checks:
    """Counts passed and failed checks; prints each failure with its detail
    (at most 1,500 characters of it) and, when verbose, each pass as well
    ("ok   what"), flushed: the long scripts show their progress."""

    def __init__(self, verbose=False):
        self.passed = self.failed = 0
        self.verbose = verbose

    def ok(self, cond, what, detail=""):
        if cond:
            self.passed += 1
            if self.verbose:
                print("ok   %s" % what, flush=True)
        else:
            self.failed += 1
            print("FAIL %s%s" % (what, (": " + str(detail)[:1500]) if detail else ""), flush=True)
        return cond

    def eq(self, got, want, what, show=5):
        if got == want:
            return self.ok(True, what)
        if isinstance(got, dict) and isinstance(want, dict):
            keys = sorted(set(got) | set(want), key=str)
            diff = ["%s: %s vs %s" % (k, got.get(k, "(none)"), want.get(k, "(none)"))
                    for k in keys if got.get(k) != want.get(k)]
            return self.ok(False, what, "%d differ (got vs expected): %s" % (len(diff), "; ".join(diff[:show])))
        if isinstance(got, (set, frozenset)) and isinstance(want, (set, frozenset)):
            return self.ok(False, what, "missing %s; unexpected %s" % (sorted(want - got)[:show], sorted(got - want)[:show]))
        return self.ok(False, what, "got %r, expected %r" % (got, want))

    def finish(self):
        """Print the tally; the script's exit status: 0 when checks ran and none failed."""
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 0 if self.failed == 0 and self.passed else 1


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# The only formulas a return workbook holds (By profession, By band, Area of
# work): SUMIFS/SUM/IF over whole Support workforce columns, cell references
# on the sheet itself and the constant "" -- never text from an input file.
_REF = r"(?:'Support workforce'!\$[A-Z]{1,2}:\$[A-Z]{1,2}|\$?[A-Z]{1,2}\$?[0-9]+(?::\$?[A-Z]{1,2}\$?[0-9]+)?)"
_ARG = r"(?:%s|\"\")" % _REF
_CALL = r"(?:SUMIFS|SUM)\(%s(?:,%s)*\)" % (_ARG, _ARG)
_TERM = r"(?:%s|%s)" % (_CALL, _REF)
_EXPR = r"%s(?:[-/]%s)*" % (_TERM, _TERM)
FORMULA_GRAMMAR = re.compile(r"=(?:%s|IF\(%s=0,0,%s\))" % (_EXPR, _REF, _EXPR))
