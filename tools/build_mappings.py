#!/usr/bin/env python3
"""Build mappings/*.csv from the shared reference data.

Maintainer tool: run it when the reference data changes, review the diff,
commit the tables. esrpipe and its tests never read the reference folder.

    python3 tools/build_mappings.py ../shared/reference mappings
"""
import csv
import os
import sys


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def expand(spec):
    """'S:A;H:G' / 'H:A-F' / 'A:*' / 'U:5-9' -> list of (matrix, chars or '*')."""
    out = []
    for part in filter(None, spec.split(";")):
        m, s = part.split(":")
        if s == "*":
            out.append((m, "*"))
        elif "-" in s and len(s) == 3:
            a, b = s.split("-")
            out.append((m, "".join(chr(c) for c in range(ord(a), ord(b) + 1))))
        else:
            out.append((m, s))
    return out


def matches(specs, matrix, ch):
    return any(m == matrix and (s == "*" or ch in s) for m, s in specs)


def main(ref, dst):
    profs = read(os.path.join(ref, "professions.csv"))
    roles = read(os.path.join(ref, "support_roles.csv"))
    codes = read(os.path.join(ref, "occupation_codes_v22_1.csv"))
    pspec = [(p["profession"], expand(p["esr_specialties"])) for p in profs]
    rspec = [(r["support_role"], expand(r["occupation_levels"])) for r in roles]

    # title_name (how the profession reads in a standard job title) and
    # miscoded_as (the profession whose codes its support is often recorded
    # under: theatre support as nursing) are esrpipe's own columns: keep what
    # mappings/ already says.
    old = os.path.join(dst, "professions.csv")
    own = {r["profession"]: r for r in read(old)} if os.path.exists(old) else {}
    write(old, ["profession", "is_ahp", "esr_specialties", "title_name", "miscoded_as", "notes"],
          [[p["profession"], p["is_ahp"], p["esr_specialties"], own.get(p["profession"], {}).get("title_name", ""),
            own.get(p["profession"], {}).get("miscoded_as", ""), p["notes"]]
           for p in profs])
    # expected_band, band_rule, trainee_role and in_scope are esrpipe's own
    # columns: keep what mappings/ already says (a new role counts as support).
    old_roles = os.path.join(dst, "support_roles.csv")
    own = {r["support_role"]: r for r in read(old_roles)} if os.path.exists(old_roles) else {}
    write(old_roles, ["support_role", "career_framework_level", "occupation_levels", "expected_band",
                      "band_rule", "trainee_role", "in_scope", "notes"],
          [[r["support_role"], r["career_framework_level"], r["occupation_levels"],
            own.get(r["support_role"], {}).get("expected_band", ""),
            own.get(r["support_role"], {}).get("band_rule", ""),
            own.get(r["support_role"], {}).get("trainee_role", ""),
            own.get(r["support_role"], {}).get("in_scope", "yes"), r["notes"]] for r in roles])

    # Specialties that name no single profession: a title or area of work may
    # refine them in evidence mode.
    generic = {"Adult and General", "Other ST&T Staff", "Multi-therapies", "Central functions",
               "Community Services", "Other Learners", "Education Staff", "Clinical Support"}
    out = []
    for c in codes:
        m, lvl, spc = c["matrix"], c["code"][1], c["code"][2]
        prof = next((n for n, s in pspec if matches(s, m, spc)), "Unknown")
        role = next((n for n, s in rspec if matches(s, m, lvl)), None)
        if role is None or c["is_support_role"] != "true":
            role = "Not a support role"
        specific = "no" if (prof == "Unknown" or c["care_setting_or_specialty"] in generic) else "yes"
        out.append([c["code"], c["description"], m, c["occupation_level"],
                    c["care_setting_or_specialty"],
                    "valid" if c["valid_in_v22_1"] == "true" else "retired",
                    c["staff_group_nhs_digital"], c["detailed_staff_group"],
                    prof, specific, role])
    write(os.path.join(dst, "occupation_codes.csv"),
          ["code", "description", "matrix", "occupation_level", "specialty", "status",
           "nhsd_staff_group", "nhsd_detailed_group", "profession", "profession_specific",
           "support_role"], out)

    # ESR job roles with a staff group (confirmed, inferred or implied by the
    # role name); roles without one are left out: no check can use them.
    seen = set()
    jr = []
    for r in read(os.path.join(ref, "esr_job_roles.csv")):
        sg = r["staff_group"].split(" (")[0].strip()
        if sg and r["job_role"] not in seen:
            seen.add(r["job_role"])
            jr.append([r["job_role"], sg, r["confidence"]])
    write(os.path.join(dst, "job_roles.csv"), ["job_role", "staff_group", "confidence"], jr)

    orgs = read(os.path.join(ref, "organisations.csv"))
    write(os.path.join(dst, "organisations.csv"), ["ods_code", "name", "region", "trust_type"],
          [[o["ods_code"], o["name"], o["region"], o["trust_type"]] for o in orgs])
    regs = read(os.path.join(ref, "regions.csv"))
    write(os.path.join(dst, "regions.csv"), ["region", "nhs_england_code"],
          [[r["region"], r["nhs_england_code"]] for r in regs])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
