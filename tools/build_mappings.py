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

    # title_name (how the profession reads in a standard job title),
    # miscoded_as (the profession whose codes its support is often recorded
    # under: theatre support as nursing) and default (the profession of rows
    # nothing places) are esrpipe's own columns: keep what mappings/ already says.
    old = os.path.join(dst, "professions.csv")
    own = {r["profession"]: r for r in read(old)} if os.path.exists(old) else {}
    write(old, ["profession", "is_ahp", "esr_specialties", "title_name", "miscoded_as", "notes", "default"],
          [[p["profession"], p["is_ahp"], p["esr_specialties"], own.get(p["profession"], {}).get("title_name", ""),
            own.get(p["profession"], {}).get("miscoded_as", ""), p["notes"],
            own.get(p["profession"], {}).get("default", "")]
           for p in profs])
    # expected_band, band_rule, trainee_role, in_scope and default (the role of
    # rows nothing places) are esrpipe's own columns: keep what mappings/
    # already says (a new role counts as support).
    old_roles = os.path.join(dst, "support_roles.csv")
    own = {r["support_role"]: r for r in read(old_roles)} if os.path.exists(old_roles) else {}
    write(old_roles, ["support_role", "career_framework_level", "occupation_levels", "expected_band",
                      "band_rule", "trainee_role", "in_scope", "notes", "default"],
          [[r["support_role"], r["career_framework_level"], r["occupation_levels"],
            own.get(r["support_role"], {}).get("expected_band", ""),
            own.get(r["support_role"], {}).get("band_rule", ""),
            own.get(r["support_role"], {}).get("trainee_role", ""),
            own.get(r["support_role"], {}).get("in_scope", "yes"), r["notes"],
            own.get(r["support_role"], {}).get("default", "")] for r in roles])

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
    build_national(ref, dst, codes)


# NHS Digital main staff group -> what esrpipe does with its codes' rows:
# registered = the professionally qualified staff that support staff support
# (summary.csv dimension `registered`); support = support to clinical staff
# (in scope when the level is a support role; the rest, clerical and estates,
# counted as `staff_group_out_of_scope`).
MAIN_KIND = {"Professionally qualified clinical staff": "registered",
             "Support to clinical staff": "support", "NHS infrastructure support": "infrastructure"}

# (matrix, specialty) -> care setting as national statistics show it. The
# retired A-matrix "Ambulance Service" codes (A1A, A2A, A3A, AGA) predate the
# care-setting split; NHS Digital's Table 4 (Feb 2020) shows their support
# under Emergency Care.
CARE_SETTING_OVERRIDE = {("A", "Ambulance Service"): (
    "Emergency Care", "retired code predating the care-setting split; Table 4 (Feb 2020) shows it under Emergency Care")}

SOURCE = ("Snell & Grimwood (2020), The development of the allied health support workforce, HASKE/University of "
          "Cumbria for HEE: Tables 1-6 (NHS Digital workforce statistics)")

# Table 2/3/4 column and row labels -> esrpipe's profession and support role names
T2_COLS = {"assistant_practitioner": "Assistant practitioner", "trainee_student": "Trainee/student",
           "assistant": "Assistant", "healthcare_assistant": "Healthcare assistant", "support_worker": "Support worker"}
T2_PROF = {"Chiropody/podiatry": "Chiropody/podiatry", "Dietetics": "Dietetics",
           "Occupational Therapy": "Occupational therapy", "Orthoptics/optics": "Orthoptics",
           "Physiotherapy": "Physiotherapy", "Radiography (diagnostic)": "Radiography (diagnostic)",
           "Radiography (therapeutic)": "Radiography (therapeutic)",
           "Art / Music / Drama therapy": "Art/music/drama therapy",
           "Prosthetics and Orthotics": "Prosthetics and orthotics",
           "Speech & language therapy": "Speech and language therapy",
           "Operating Department Practice": "Operating department practice"}
T4_ROLE = {"Ambulance Technician / Associate Practitioner": "Ambulance technician/associate practitioner",
           "Assistant Practitioner": "Assistant practitioner",
           "Trainee Ambulance Technician": "Trainee ambulance technician",
           "Emergency / Urgent Care Support Worker": "Emergency/urgent care support worker",
           "Ambulance Personnel": "Ambulance personnel", "Ambulance Care Assistant": "Ambulance care assistant",
           "Healthcare Assistant": "Healthcare assistant", "Support Worker": "Support worker"}
AMB = "Paramedic/ambulance"
T1_GROUP = {"Support to ambulance staff": "Support to ambulance staff",
            "Support to scientific therapeutic & technical staff": "Support to ST&T staff"}
T6_GROUP = {"Ambulance staff": ("registered", "Ambulance staff"),
            "Support to ambulance staff": ("staff_group+staff_group_out_of_scope", "Support to ambulance staff"),
            "Scientific, therapeutic & technical staff": ("registered", "Scientific, therapeutic & technical staff"),
            "Support to scientific, therapeutic & technical staff":
                ("staff_group+staff_group_out_of_scope", "Support to ST&T staff")}


def build_national(ref, dst, codes):
    """nhsd_staff_groups.csv, care_settings.csv and national_tables.csv."""
    groups = {}
    for c in codes:
        groups.setdefault(c["staff_group_nhs_digital"], c["main_staff_group"])
    write(os.path.join(dst, "nhsd_staff_groups.csv"), ["nhsd_staff_group", "main_staff_group", "kind"],
          [[g, mg, MAIN_KIND.get(mg, "other")] for g, mg in sorted(groups.items())])
    settings = {}
    for c in codes:
        key = (c["matrix"], c["care_setting_or_specialty"])
        settings.setdefault(key, CARE_SETTING_OVERRIDE.get(key, (key[1], "")))
    write(os.path.join(dst, "care_settings.csv"), ["matrix", "specialty", "care_setting", "note"],
          [[m, s, cs, note] for (m, s), (cs, note) in sorted(settings.items())])

    seed = os.path.join(ref, "seed_tables")
    rows = [["source", "", "", "", "", "", "", "", "", "", "", SOURCE]]

    def add(table, row, col, dim, prof, role, key, region, fte, baseline, note=""):
        # the report lays Tables 2, 3 and 6 out as rows x columns, the others as lists
        rows.append([table, row, col, dim, prof, role, key, region, fte, baseline,
                     "matrix" if table in ("2", "3", "6") else "list", note])

    t4 = read(os.path.join(seed, "table4_ambulance_support_by_setting_role.csv"))
    amb_roles = ";".join(sorted({T4_ROLE[r["support_role"]] for r in t4
                                 if r["care_setting"] and r["staff_group"] == "Ambulance personnel & trainees"}))
    hca_roles = ";".join(sorted({T4_ROLE[r["support_role"]] for r in t4
                                 if r["care_setting"] and r["staff_group"] != "Ambulance personnel & trainees"}))
    t2 = read(os.path.join(seed, "table2_support_to_ahps.csv"))
    ahps = ";".join(T2_PROF[r["profession"]] for r in t2 if r["profession"] in T2_PROF)
    for r in read(os.path.join(seed, "table1_nhs_support_staff_feb2020.csv")):
        g = r["nhs_staff_group"]
        if g in T1_GROUP:
            jr = r["support_worker_job_roles"]
            if g == "Support to ambulance staff":
                prof, roles, label = AMB, amb_roles if jr.startswith("Ambulance") else hca_roles, jr.split(" (")[0]
            else:
                prof, roles, label = ahps, "", "Support to AHPs"
            add("1", label, "support worker FTE", "staff_group", prof, roles, T1_GROUP[g], "",
                r["support_worker_fte"], "2020-02")
        elif g.endswith("operating theatres"):
            add("1", "Support to other ST&T staff: operating theatres", "support worker FTE", "profession_role",
                "Operating department practice", "", "", "", r["support_worker_fte"], "2020-02",
                "v22.1 files theatre support under Support to AHPs; Feb 2020 reported it under other ST&T")
    for g in ("Support to ambulance staff", "Support to scientific therapeutic & technical staff"):
        fte = next(r["staff_group_fte"] for r in read(os.path.join(seed, "table1_nhs_support_staff_feb2020.csv"))
                   if r["nhs_staff_group"] == g)
        add("1", T1_GROUP[g], "staff group FTE (incl. clerical & estates)", "staff_group+staff_group_out_of_scope",
            "", "", T1_GROUP[g], "", fte, "2020-02")
    for r in t2:
        if r["profession"] not in T2_PROF:
            continue
        for col, role in T2_COLS.items():
            if r[col]:
                add("2", r["profession"], role, "profession_role", T2_PROF[r["profession"]], role, "", "", r[col],
                    "2020-02")
    for r in read(os.path.join(seed, "table3_operating_department_support.csv")):
        for col in ("assistant_practitioner", "trainee_student", "assistant"):
            add("3", r["profession"], T2_COLS[col], "profession_role", T2_PROF[r["profession"]], T2_COLS[col], "",
                "", r[col], "2020-02")
    for r in t4:
        if not r["care_setting"]:
            continue
        add("4", r["care_setting"], T4_ROLE[r["support_role"]], "care_setting", AMB, T4_ROLE[r["support_role"]],
            r["care_setting"], "", r["fte"] or "0", "2020-02", r["transcription_note"])
    for r in read(os.path.join(seed, "table5_ambulance_support_area_of_work.csv")):
        add("5", r["area_of_work"], "FTE", "area_of_work", AMB, "", r["area_of_work"], "", r["fte"], "2020-03",
            "national figure is the whole Support to ambulance staff group (incl. clerical & estates)")
    regions = [(r["region"].lower().replace(" ", "_"), r["region"]) for r in read(os.path.join(ref, "regions.csv"))]
    for r in read(os.path.join(seed, "table6_regional_staff_groups.csv")):
        dim, key = T6_GROUP[r["staff_group"]]
        for col, region in regions:
            add("6", r["staff_group"], region, dim, "", "", key, region, r[col], "2020-02")
        # the England total is the matrix's Total column (the seven regions add up to it)
        if sum(int(r[col]) for col, _ in regions) != int(r["total"]):
            raise SystemExit("table 6 %s: regions do not add to the total" % r["staff_group"])
    # support-to-registered ratios: national registered figures exist only where
    # the report gives them (Table 6's Ambulance staff); support from Tables 2-4
    add("ratio", AMB, "support", "profession_role", AMB, "", "", "",
        next(r["fte"] for r in t4 if not r["care_setting"]), "2020-02", "Table 4 total")
    add("ratio", AMB, "registered", "registered", AMB, "", "", "",
        next(r["total"] for r in read(os.path.join(seed, "table6_regional_staff_groups.csv"))
             if r["staff_group"] == "Ambulance staff"), "2020-02", "Table 6 Ambulance staff, England")
    for r in t2:
        if r["profession"] in T2_PROF:
            tot = r["total"] or str(sum(int(r[c] or 0) for c in T2_COLS))
            add("ratio", T2_PROF[r["profession"]], "support", "profession_role", T2_PROF[r["profession"]], "", "",
                "", tot, "2020-02", "Table 2 row total (printed)")
    for r in read(os.path.join(seed, "table3_operating_department_support.csv")):
        add("ratio", T2_PROF[r["profession"]], "support", "profession_role", T2_PROF[r["profession"]], "", "", "",
            r["total"], "2020-02", "Table 3 total")
    write(os.path.join(dst, "national_tables.csv"),
          ["table", "row", "column", "dimension", "profession", "support_role", "key", "region", "fte", "baseline",
           "layout", "note"], rows)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
