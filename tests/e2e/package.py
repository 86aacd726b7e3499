#!/usr/bin/env python3
"""The Debian package: `cpack -G DEB` in the build tree builds a .deb whose
control file, contents, manual page and systemd examples are right; it
installs with dpkg into a scratch root (dependencies not checked there: the
clean-container check installs it for real), and the installed binary, with
the packaged mapping tables, writes the same return as the build tree.

    /usr/bin/python3 tests/e2e/package.py --esrpipe build/esrpipe --build build

Skipped (exit 0, `skipped: ...`) without cpack or dpkg. Ends with `N passed, M failed`.
"""
import argparse
import glob
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
from checks import Checks, read_csv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(ROOT, "fixtures", "sample", "esr_sample_2026-03-31.csv")
SYSTEMD = "usr/share/doc/esrpipe/examples/systemd/"


def run(args, **kw):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--esrpipe", required=True)
    ap.add_argument("--build", required=True, help="the CMake build tree (CPackConfig.cmake)")
    a = ap.parse_args()
    missing = [t for t in ("cpack", "dpkg", "dpkg-deb") if not shutil.which(t)]
    if missing:
        print("skipped: %s not installed" % ", ".join(missing))
        return 0
    esrpipe = os.path.abspath(a.esrpipe)
    c = Checks()
    tmp = tempfile.mkdtemp(prefix="esrpipe-deb-")
    try:
        rc, out, err = run(["cpack", "-G", "DEB", "-B", os.path.join(tmp, "pkg"), "--config",
                            os.path.join(os.path.abspath(a.build), "CPackConfig.cmake")])
        debs = glob.glob(os.path.join(tmp, "pkg", "*.deb"))
        if not c.ok(rc == 0 and len(debs) == 1, "cpack -G DEB builds one .deb", (out + err)[-1500:]):
            return c.finish()
        deb = debs[0]
        version = run([esrpipe, "--version"])[1].split()[-1]
        check_control(c, deb, version)
        names = check_contents(c, deb)
        check_manpage(c, deb, esrpipe, tmp)
        check_systemd(c, deb, tmp)
        if names:
            check_installed(c, deb, esrpipe, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return c.finish()


def check_control(c, deb, version):
    rc, out, err = run(["dpkg-deb", "-f", deb, "Package", "Version", "Architecture", "Depends"])
    f = dict(re.findall(r"^(\w+): (.*)$", out, re.M))
    c.eq(f.get("Package"), "esrpipe", "package name")
    c.eq(f.get("Version"), version, "package version = esrpipe --version")
    arch = run(["dpkg", "--print-architecture"])[1].strip()
    c.eq(f.get("Architecture"), arch, "package architecture")
    deps = f.get("Depends", "")
    for lib in ("libxlsxwriter4", "libcsv3", "zlib1g", "libssl3", "libc6"):
        c.ok(re.search(r"\b%s\b" % re.escape(lib), deps), "Depends names %s" % lib, deps)


def check_contents(c, deb):
    rc, out, err = run(["dpkg-deb", "-c", deb])
    names = set(line.split()[-1].lstrip("./") for line in out.splitlines() if line.strip())
    c.ok("usr/bin/esrpipe" in names, "the binary at /usr/bin/esrpipe")
    tables = sorted(os.path.basename(p) for p in glob.glob(os.path.join(ROOT, "mappings", "*.csv")))
    missing = [t for t in tables if "usr/share/esrpipe/mappings/" + t not in names]
    c.ok(tables and not missing, "every mapping table under /usr/share/esrpipe/mappings (%d)" % len(tables),
         str(missing))
    c.ok("usr/share/man/man1/esrpipe.1.gz" in names, "the manual page esrpipe(1)")
    for f in ("esrpipe-nightly.service", "esrpipe-nightly.timer", "nightly.env"):
        c.ok(SYSTEMD + f in names, "example %s under /%s" % (f, SYSTEMD))
    c.ok(not [n for n in names if not n.startswith("usr/") and n not in ("", ".")],
         "nothing outside /usr", str([n for n in names if not n.startswith("usr/")][:5]))
    return names


def extract(deb, tmp):
    root = os.path.join(tmp, "x")
    if not os.path.isdir(root):
        subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
    return root


def check_manpage(c, deb, esrpipe, tmp):
    root = extract(deb, tmp)
    page = gzip.open(os.path.join(root, "usr/share/man/man1/esrpipe.1.gz")).read().decode("utf-8")
    c.ok(page.startswith(".TH ESRPIPE 1 "), "man page header .TH ESRPIPE 1")
    for sec in ("NAME", "SYNOPSIS", "DESCRIPTION", "CONSOLIDATE", "FILES"):
        c.ok(".SH %s" % sec in page, "man page section %s" % sec)
    helptext = run([esrpipe, "--help"])[1] + run([esrpipe, "consolidate", "--help"])[1]
    opts = sorted(set(re.findall(r"--[a-z][a-z-]+", helptext)))
    missing = [o for o in opts if o.replace("-", "\\-") not in page]
    c.ok(len(opts) > 15 and not missing, "man page has every option of the help text (%d)" % len(opts), str(missing))
    c.ok(len(re.findall(r"^\.TP$", page, re.M)) >= len(opts) - 3, "each option is a tagged paragraph (.TP)")
    if shutil.which("man"):
        rc, out, err = run(["man", "-l", os.path.join(root, "usr/share/man/man1/esrpipe.1.gz")],
                           env=dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="0", PAGER="cat"))
        out = re.sub(r".\x08", "", out)  # overstrike bold, when not on a terminal
        c.ok(rc == 0 and "--max-sheet-rows N" in out and "warnings:" not in err, "man -l renders the page",
             (out[:300] + err)[-800:])


def check_systemd(c, deb, tmp):
    root = extract(deb, tmp)
    service = open(os.path.join(root, SYSTEMD, "esrpipe-nightly.service")).read()
    timer = open(os.path.join(root, SYSTEMD, "esrpipe-nightly.timer")).read()
    env = open(os.path.join(root, SYSTEMD, "nightly.env")).read()
    c.ok(re.search(r"^ExecStart=/usr/bin/esrpipe run .*\$\{ESRPIPE_OUTPUT\}.*\$\{ESRPIPE_EXPORT\}", service, re.M),
         "service runs the installed esrpipe on the configured export and output")
    c.ok(re.search(r"^Type=oneshot$", service, re.M) and re.search(r"^User=esrpipe$", service, re.M),
         "service: a oneshot run as the unprivileged user esrpipe")
    c.ok(re.search(r"^OnCalendar=\*-\*-\* 0[0-6]:\d\d", timer, re.M) and "Persistent=true" in timer
         and "WantedBy=timers.target" in timer, "timer: nightly, catching up a missed run, enabled by timers.target")
    for k in ("ESRPIPE_EXPORT", "ESRPIPE_OUTPUT", "ESRPIPE_OPTIONS"):
        c.ok(re.search(r"^%s=" % k, env, re.M), "nightly.env sets %s" % k)
    if shutil.which("systemd-analyze"):
        d = os.path.join(tmp, "units")
        os.makedirs(d)
        for f in ("esrpipe-nightly.service", "esrpipe-nightly.timer"):
            shutil.copy(os.path.join(root, SYSTEMD, f), d)
        rc, out, err = run(["systemd-analyze", "verify", "--man=no", os.path.join(d, "esrpipe-nightly.timer")])
        bad = [l for l in err.splitlines() if "esrpipe-nightly" in l and "nightly.env" not in l
               and "/usr/bin/esrpipe" not in l]
        c.ok(not bad, "systemd-analyze verify finds nothing wrong in the units", "\n".join(bad))


def check_installed(c, deb, esrpipe, tmp):
    """dpkg -i into a scratch root, then the installed binary's return = the build tree's."""
    root = os.path.join(tmp, "root")
    admin = os.path.join(root, "var", "lib", "dpkg")
    os.makedirs(os.path.join(admin, "info"))
    os.makedirs(os.path.join(admin, "updates"))
    open(os.path.join(admin, "status"), "w").close()
    rc, out, err = run(["dpkg", "--root=" + root, "--force-depends", "--force-not-root", "--log=/dev/null", "-i", deb])
    if not c.ok(rc == 0, "dpkg -i installs the package (into a scratch root)", err[-1500:]):
        return
    rc, out, err = run(["dpkg", "--root=" + root, "-L", "esrpipe"])
    c.ok("/usr/share/esrpipe/mappings/columns.csv" in out.split(), "dpkg -L lists the mapping tables")
    binary = os.path.join(root, "usr", "bin", "esrpipe")
    outs = {}
    for what, exe in (("installed", binary), ("build tree", esrpipe)):
        o = outs[what] = os.path.join(tmp, what.replace(" ", "_"))
        rc, _, err = run([exe, "run", "-q", "-o", o, SAMPLE], cwd=tmp)  # not the project's directory
        c.ok(rc == 0, "%s esrpipe run exit 0" % what, err[-800:])
    for f in ("summary.csv", "records.csv", "rejects.csv"):
        same = open(os.path.join(outs["installed"], f), "rb").read() == open(os.path.join(outs["build tree"], f),
                                                                               "rb").read()
        c.ok(same, "installed binary's %s = the build tree's" % f)
    summ = read_csv(os.path.join(outs["installed"], "summary.csv"))
    tot = [r for r in summ if not r["org_code"] and r["dimension"] == "profession_role" and not r["profession"]
           and not r["support_role"]]
    c.ok(tot and tot[0]["fte"] == "60.76666" and tot[0]["headcount"] == "69",
         "installed binary: sample in-scope FTE 60.76666, headcount 69", str(tot[:1]))
    c.ok(os.path.getsize(os.path.join(outs["installed"], "return.xlsx")) > 10000, "installed binary writes return.xlsx")
    rc, out, err = run([binary, "check-mappings"], cwd=tmp)
    c.ok(rc == 0, "installed check-mappings finds and accepts /usr/share/esrpipe/mappings", (out + err)[-800:])


if __name__ == "__main__":
    sys.exit(main())
