#!/usr/bin/env python3
"""An export of N rows not made by tests/gen: the hand-made sample's rows
(Windows-1252), cycled, each given a real job title from
tests/data/real_titles (NHS Jobs adverts and trust documents) and its band,
with fresh employee and assignment numbers. For checking that a change keeps
every output byte for byte on data the generator did not shape:

    python3 bench/indep_export.py 60000 > /tmp/indep_2026-03-31.csv
    OLD/esrpipe run -q -o /tmp/a /tmp/indep_2026-03-31.csv
    NEW/esrpipe run -q -o /tmp/b /tmp/indep_2026-03-31.csv
    cmp /tmp/a/return.xlsx /tmp/b/return.xlsx   # and each CSV
"""
import csv
import io
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
rows_wanted = int(sys.argv[1])
sample = open(os.path.join(ROOT, "fixtures/sample/esr_sample_2026-03-31.csv"), "rb").read().decode("cp1252")
r = list(csv.reader(io.StringIO(sample)))
head, body = r[0], [x for x in r[1:] if len(x) == len(r[0])]
titles = list(csv.DictReader(open(os.path.join(ROOT, "tests/data/real_titles/real_titles.csv"), encoding="utf-8")))
ti, gi, ei, ai = head.index('Position Title'), head.index('Grade'), head.index('Employee Number'), head.index('Assignment Number')
out = io.StringIO()
w = csv.writer(out, lineterminator='\r\n')
w.writerow(head)
for i in range(rows_wanted):
    row = list(body[i % len(body)])
    t = titles[i % len(titles)]
    row[ti] = t['title']
    if t['band']:
        row[gi] = t['band'] if t['band'].lower().startswith('band') else 'Band ' + t['band']
    row[ei] = str(500000 + i)
    row[ai] = '%d-1' % (500000 + i)
    w.writerow(row)
sys.stdout.buffer.write(out.getvalue().encode('cp1252', errors='replace'))
