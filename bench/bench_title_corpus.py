#!/usr/bin/env python3
"""Print the three real-title figures (scope right, profession right, wrong
profession) of esrpipe on the labelled corpus tests/data/real_titles, title
and band only, no occupation code. Same scoring as tests/e2e/titles_corpus.py.

    bench/bench_title_corpus.py build/esrpipe [--corpus CSV] [--show N]
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if len(sys.argv) < 2:
    sys.exit(__doc__)
sys.exit(subprocess.call([sys.executable, os.path.join(ROOT, "tests", "e2e", "titles_corpus.py"),
                          "--esrpipe", sys.argv[1], "--bench"] + sys.argv[2:]))
