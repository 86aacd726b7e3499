#!/usr/bin/env python3
"""Deterministic generator of ESR-style staff-in-post exports with planted truth.

Writes an export that looks like a real ESR BI extract (Windows-1252, CRLF,
per-run header aliases in a shuffled order, PII and unknown columns, quoted
multi-line notes) and a JSON plan recording exactly what was planted: the
Feb 2020 NHS Digital support-workforce FTE tables (HASKE report Tables 2-4)
split into assignments whose FTEs add up exactly, nursing support, ~3x as many
out-of-scope rows, rows that must be rejected, and the PII that must never
reach an output.  Python 3 standard library only.

    python3 tests/gen/gen_export.py --out /tmp/x.csv [--plan /tmp/x.plan.json]
        [--seed N] [--scale F | --rows N] [--gzip]
        [--encoding cp1252|utf-8|utf-8-sig|utf-16] [--orgs N]

Same arguments => byte-identical export and plan.  See tests/gen/README.md.
"""
import argparse
import csv
import datetime
import gzip
import hashlib
import json
import os
import queue
import random
import re
import sys
import threading
from decimal import Decimal, ROUND_HALF_EVEN

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "data"))
UNIT = 100000                       # 1 FTE = 100000 units of 0.00001 FTE
PLAN_VERSION = 1
TIMING = os.environ.get("ESRGEN_TIMING") == "1"
PII_POOL = 1 << 18                  # distinct PII tuples: unique per person up to this many persons

# --------------------------------------------------------------------------
# reference data (copied from the shared reference folder into tests/data)
# --------------------------------------------------------------------------


def read_csv(rel):
    with open(os.path.join(DATA, rel), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def load_reference():
    ref = {}
    ref["codes"] = {r["code"]: r for r in read_csv("occupation_codes_v22_1.csv")}
    ref["professions"] = {r["profession"]: r for r in read_csv("professions.csv")}
    ref["roles"] = {r["support_role"]: r for r in read_csv("support_roles.csv")}
    ref["orgs"] = read_csv("organisations.csv")
    ref["t2"] = read_csv("seed_tables/table2_support_to_ahps.csv")
    ref["t3"] = read_csv("seed_tables/table3_operating_department_support.csv")
    ref["t4"] = read_csv("seed_tables/table4_ambulance_support_by_setting_role.csv")
    ref["t5"] = read_csv("seed_tables/table5_ambulance_support_area_of_work.csv")
    return ref


def specialty_letter(ref, profession, matrix):
    """Letter for `matrix` in professions.csv esr_specialties ('S:C;H:H')."""
    spec = ref["professions"][profession]["esr_specialties"]
    for part in spec.split(";"):
        m, _, letters = part.partition(":")
        if m == matrix and len(letters) == 1:
            return letters
    return None


def code_profession(ref, code):
    """Profession whose esr_specialties ('S:A;H:A-F;A:*') name code's matrix and specialty."""
    for name, p in ref["professions"].items():
        for part in filter(None, p["esr_specialties"].split(";")):
            m, _, letters = part.partition(":")
            if m != code[0]:
                continue
            if letters == "*" or (len(letters) == 3 and letters[1] == "-" and letters[0] <= code[2] <= letters[2]) \
                    or code[2] in letters.replace("-", ""):
                return name
    return "Unknown"


def national_truth(ref, oos_by_code, orgs):
    """Registered staff per profession and staff group, and the out-of-scope rows
    of support staff groups, from the planted out-of-scope rows (zero FTE left out)."""
    reg, reg_sg, out_sg = {}, {}, {}
    for (o, code), (n, units) in oos_by_code.items():
        c = ref["codes"].get(code)
        if c is None or units <= 0:
            continue
        if c["main_staff_group"] == "Professionally qualified clinical staff":
            for d, k in ((reg, code_profession(ref, code)), (reg_sg, c["staff_group_nhs_digital"])):
                v = d.setdefault(k, [0, 0])
                v[0] += units
                v[1] += n
        elif c["main_staff_group"] == "Support to clinical staff":
            v = out_sg.setdefault(c["staff_group_nhs_digital"], [0, 0])
            v[0] += units
            v[1] += n
    f = lambda d: {k: dict(fte=fmt_units(v[0]), rows=v[1]) for k, v in sorted(d.items())}
    return dict(registered=f(reg), registered_by_staff_group=f(reg_sg), support_groups_out_of_scope=f(out_sg))


# --------------------------------------------------------------------------
# vocabularies
# --------------------------------------------------------------------------

# Table 2 row label -> profession (reference/professions.csv vocabulary)
T2_ROWS = {
    "Chiropody/podiatry": "Chiropody/podiatry",
    "Dietetics": "Dietetics",
    "Occupational Therapy": "Occupational therapy",
    "Orthoptics/optics": "Orthoptics",
    "Physiotherapy": "Physiotherapy",
    "Radiography (diagnostic)": "Radiography (diagnostic)",
    "Radiography (therapeutic)": "Radiography (therapeutic)",
    "Art / Music / Drama therapy": "Art/music/drama therapy",
    "Prosthetics and Orthotics": "Prosthetics and orthotics",
    "Speech & language therapy": "Speech and language therapy",
}
# Table 2/3 column -> (matrix, level, support_role)
T2_COLS = {
    "assistant_practitioner": ("S", "5", "Assistant practitioner"),
    "trainee_student": ("S", "8", "Trainee/student"),
    "assistant": ("S", "9", "Assistant"),
    "healthcare_assistant": ("H", "1", "Healthcare assistant"),
    "support_worker": ("H", "2", "Support worker"),
}
T3_ROWS = {"Operating Department Practice": "Operating department practice"}

# Table 4: care setting -> position-3 letter; role label -> (code template, role)
T4_SETTINGS = {"Emergency Care": "A", "Hazardous Area Response Team": "B",
               "Patient Transport Service": "C", "Education": "D",
               "Call Handling": "E", "Ambulance Service": None}
T4_ROLES = {
    "Ambulance Technician / Associate Practitioner":
        ("AE?", "Ambulance technician/associate practitioner"),
    "Assistant Practitioner": ("A7?", "Assistant practitioner"),
    "Trainee Ambulance Technician": ("AGA", "Trainee ambulance technician"),
    "Emergency / Urgent Care Support Worker":
        ("A8?", "Emergency/urgent care support worker"),
    "Ambulance Personnel": ("A2A", "Ambulance personnel"),
    "Ambulance Care Assistant": ("A9?", "Ambulance care assistant"),
    "Healthcare Assistant": ("H1S", "Healthcare assistant"),
    "Support Worker": ("H2S", "Support worker"),
}
AMB = "Paramedic/ambulance"
NUR = "Nursing and midwifery"
ODP = "Operating department practice"

# nursing support strata: (role, FTE at scale 1, [(code, weight)], title key)
NURSING = [
    ("Healthcare assistant", 1200, [("H1A", 6), ("H1B", 1), ("H1C", 1), ("H1D", 1), ("H1F", 1)], "nur_hca"),
    ("Support worker", 700, [("H2A", 5), ("H2B", 1), ("H2D", 2), ("H2F", 2)], "nur_sw"),
    ("Nursing assistant/auxiliary", 500, [("N9A", 5), ("N9B", 1), ("N9E", 2), ("N9H", 2)], "nur_na"),
    ("Nursing associate", 250, [("NGA", 6), ("NGB", 1), ("NGH", 2)], "nur_assoc"),
    ("Assistant practitioner", 150, [("NFA", 3), ("NFH", 1)], "nur_ap"),
    ("Student nursing associate", 90, [("NHA", 1)], "nur_sna"),
    ("Nursery nurse", 60, [("N8B", 1), ("N8L", 1)], "nur_nn"),
    ("Pre-registration nurse learner", 40, [("P1D", 1), ("P1E", 1)], "nur_learner"),
]
# nursing-coded (generic H1A/H2A "Adult and General") rows whose title and
# area of work name an AHP: code-only => nursing; evidence => the AHP.
# (evidence profession, role, code, FTE at scale 1, title key, area)
RECLASS = [
    (ODP, "Healthcare assistant", "H1A", 24, "rc_odp_hca", "Operating Theatres"),
    (ODP, "Support worker", "H2A", 36, "rc_odp_sw", "Operating Theatres"),
    ("Dietetics", "Support worker", "H2A", 10, "rc_diet_sw", "Dietetics"),
    ("Orthoptics", "Healthcare assistant", "H1A", 6, "rc_orth_hca", "Orthoptics"),
]

# short profession keys for title pools
PKEY = {
    "Chiropody/podiatry": "pod", "Dietetics": "diet", "Occupational therapy": "ot",
    "Orthoptics": "orth", "Physiotherapy": "phys", "Radiography (diagnostic)": "radd",
    "Radiography (therapeutic)": "radt", "Art/music/drama therapy": "amd",
    "Prosthetics and orthotics": "po", "Speech and language therapy": "slt",
    ODP: "odp",
}
RKEY = {"Assistant practitioner": "ap", "Trainee/student": "tr", "Assistant": "as",
        "Healthcare assistant": "hca", "Support worker": "sw"}

EN = "\u2013"   # en dash (cp1252 0x96)
RSQ = "\u2019"  # right single quotation mark (cp1252 0x92)

# title pools: key -> [(title, weight)]
TITLES = {
    # podiatry
    "pod_ap": [("Assistant Practitioner", 2), ("Podiatry Assistant Practitioner", 3),
               (f"Assistant Practitioner {EN} Podiatry", 1)],
    "pod_tr": [("Student Podiatrist", 3), ("Apprentice Podiatrist", 1)],
    "pod_as": [("Podiatry Assistant", 5), ("Foot Care Assistant", 2), ("Senior Podiatry Assistant", 1),
               (f"Podiatry Assistant {EN} Band 3", 1)],
    "pod_hca": [("Podiatry HCA", 1), ("Podiatry Healthcare Assistant", 1)],
    "pod_sw": [("Podiatry Support Worker", 2), ("Foot Health Support Worker", 1)],
    # dietetics
    "diet_ap": [("Dietetic Assistant Practitioner", 3), ("Assistant Practitioner", 1)],
    "diet_tr": [("Student Dietitian", 3), ("Apprentice Dietitian", 1)],
    "diet_as": [("Dietetic Assistant", 5), ("Diet Assistant", 1), ("Senior Dietetic Assistant", 1),
                (f"Dietetic Assistant {EN} Nutrition Caf\u00e9", 1)],
    # occupational therapy
    "ot_ap": [("Occupational Therapy Assistant Practitioner", 3), ("OT Assistant Practitioner", 2),
              ("Assistant Practitioner", 1)],
    "ot_tr": [("Student Occupational Therapist", 3), ("Degree Apprentice OT", 1)],
    "ot_as": [("Occupational Therapy Assistant", 6), ("OT Assistant", 3), (f"Rehab Assistant {EN} Band 3", 2),
              ("Technical Instructor", 2), ("Occupational Therapy Technician", 1),
              ("Senior Occupational Therapy Assistant", 2), ("Rehabilitation Assistant", 1)],
    "ot_hca": [("OT Healthcare Assistant", 1), (f"Healthcare Assistant {EN} Occupational Therapy", 1)],
    "ot_sw": [("Occupational Therapy Support Worker", 3), ("Senior OT Support Worker (B4)", 1),
              ("OT Support Worker", 2)],
    # orthoptics
    "orth_ap": [("Orthoptic Assistant Practitioner", 2), ("Assistant Practitioner", 1)],
    "orth_tr": [("Student Orthoptist", 1)],
    "orth_as": [("Orthoptic Assistant", 4), (f"Orthoptic Assistant {EN} Clinique G\u00e9n\u00e9rale", 1),
                ("Eye Clinic Orthoptic Assistant", 1)],
    # physiotherapy
    "phys_ap": [("Physiotherapy Assistant Practitioner", 3), ("Assistant Practitioner", 1),
                (f"Assistant Practitioner {EN} Physiotherapy", 1)],
    "phys_tr": [("Student Physiotherapist", 3), ("Apprentice Physiotherapist", 1)],
    "phys_as": [("Physiotherapy Assistant", 6), ("Physio Assistant", 2), ("Senior Physiotherapy Assistant", 2),
                (f"Children{RSQ}s Physiotherapy Assistant", 1), (f"Physiotherapy Assistant {EN} Band 3", 1),
                ("Rehab Assistant", 1), ("Therapy Assistant", 1)],
    "phys_hca": [(f"Healthcare Assistant {EN} Physiotherapy", 1), ("Physiotherapy HCA", 1)],
    "phys_sw": [("Physiotherapy Support Worker", 3), ("Senior Physio Support Worker (B4)", 1),
                ("Therapy Support Worker", 1)],
    # radiography (diagnostic)
    "radd_ap": [(f"Assistant Practitioner {EN} Radiography", 2), ("Radiography Assistant Practitioner", 2),
                ("Mammography Assistant Practitioner", 1)],
    "radd_tr": [("Student Radiographer", 3), ("Apprentice Diagnostic Radiographer", 1)],
    "radd_as": [("Clinical Imaging Assistant", 4), ("Senior Clinical Imaging Assistant", 1),
                ("Radiology Assistant", 2), ("Imaging Assistant", 2), ("Radiography Helper", 1)],
    "radd_hca": [("Radiology Healthcare Assistant", 2), ("Imaging HCA", 1)],
    "radd_sw": [("Imaging Support Worker", 2), ("Radiology Support Worker", 2)],
    # radiography (therapeutic)
    "radt_ap": [("Radiotherapy Assistant Practitioner", 1)],
    "radt_tr": [("Student Therapeutic Radiographer", 1)],
    "radt_as": [("Radiotherapy Assistant", 3), (f"Radiotherapy Assistant {EN} Mould Room", 1)],
    # art / music / drama therapy
    "amd_ap": [("Arts Therapies Assistant Practitioner", 1)],
    "amd_as": [("Art Therapy Assistant", 2), ("Music Therapy Assistant", 1),
               (f"Drama Therapy Assistant {EN} Atelier Cr\u00e9atif", 1)],
    # prosthetics and orthotics
    "po_ap": [("Orthotic Assistant Practitioner", 1)],
    "po_as": [("Orthotics Assistant", 1), ("Prosthetics Assistant", 1)],
    # speech and language therapy
    "slt_ap": [("Speech and Language Therapy Assistant Practitioner", 2), ("SLT Assistant Practitioner", 1)],
    "slt_tr": [("Student Speech and Language Therapist", 1)],
    "slt_as": [("Speech and Language Therapy Assistant", 4), ("SALT Assistant", 2),
               ("Senior Speech & Language Therapy Assistant", 1), (f"SLT Assistant {EN} Dysphagia", 1)],
    "slt_hca": [("Speech and Language Therapy HCA", 1)],
    "slt_sw": [("SLT Support Worker", 1), ("Speech and Language Therapy Support Worker", 1)],
    # operating department practice
    "odp_ap": [(f"Assistant Practitioner {EN} Theatres", 2), ("Theatre Assistant Practitioner", 2),
               ("Anaesthetic Assistant Practitioner", 1)],
    "odp_tr": [("Student ODP", 2), ("Student Operating Department Practitioner", 2), ("Trainee ODP", 1)],
    "odp_as": [("Theatre Support Worker", 4), ("Theatre Assistant", 3), ("Anaesthetic Assistant", 1),
               ("Perioperative Support Worker", 1), (f"Theatre Assistant {EN} Recovery", 1)],
    # ambulance (by code)
    "AEA": [("Ambulance Technician", 5), ("Associate Ambulance Practitioner", 3), ("Emergency Medical Technician", 2)],
    "AEB": [("HART Technician", 1)],
    "AEC": [("PTS Technician", 1)],
    "AED": [(f"Technician {EN} Education Team", 1)],
    "AEE": [(f"Clinical Call Handler {EN} Technician", 1), ("EOC Technician", 1)],
    "A7A": [("Assistant Practitioner (Ambulance)", 1), ("Emergency Care Assistant Practitioner", 1)],
    "AGA": [("Trainee Ambulance Technician", 2), ("Trainee Technician", 1)],
    "A8A": [("Emergency Care Assistant", 4), ("Emergency Care Support Worker", 2), ("Urgent Care Assistant", 1)],
    "A8C": [(f"Urgent Care Assistant {EN} PTS", 1)],
    "A8E": [("Emergency Medical Dispatcher", 2), ("Call Handler", 2), ("111 Health Advisor", 1)],
    "A2A": [("Ambulance Person", 1), ("Ambulance Crew", 1)],
    "A9C": [("Ambulance Care Assistant", 5), ("PTS Care Assistant", 2), (f"Ambulance Care Assistant {EN} PTS", 1),
            ("Patient Transport Care Assistant", 1)],
    "H1S": [(f"Healthcare Assistant {EN} Ambulance", 1)],
    "H2S": [(f"Support Worker {EN} Ambulance Service", 1), ("Ambulance Support Worker", 1)],
    # nursing support
    "nur_hca": [("Healthcare Assistant", 6), (f"Health Care Assistant {EN} Ward 7", 1), ("HCA", 2),
                ("Senior Healthcare Assistant", 1)],
    "nur_sw": [("Healthcare Support Worker", 5), ("HCSW", 2), ("Clinical Support Worker", 2),
               ("Senior Healthcare Support Worker", 1)],
    "nur_na": [("Nursing Assistant", 4), ("Nursing Auxiliary", 1), (f"Nursing Assistant {EN} Night Team", 1)],
    "nur_assoc": [("Nursing Associate", 3), ("Registered Nursing Associate", 1)],
    "nur_ap": [(f"Assistant Practitioner {EN} Nursing", 1), ("Nursing Assistant Practitioner", 1)],
    "nur_sna": [("Trainee Nursing Associate", 2), ("Student Nursing Associate", 1)],
    "nur_nn": [("Nursery Nurse", 2), (f"Nursery Nurse {EN} Neonatal Unit", 1)],
    "nur_learner": [("Student Nurse", 2), ("Pre-registration Student Nurse", 1)],
    # reclassification evidence: nursing codes, AHP titles
    "rc_odp_hca": [("Theatre Healthcare Assistant", 2), (f"HCA {EN} Theatres", 1)],
    "rc_odp_sw": [("Theatre Support Worker", 3), (f"Theatre Support Worker {EN} Day Surgery", 1)],
    "rc_diet_sw": [("Dietetic Support Worker", 2), ("Dietetic Assistant", 1)],
    "rc_orth_hca": [("Orthoptic Healthcare Assistant", 1), ("Orthoptic Assistant", 1)],
}

AREAS = {
    "pod": [("Podiatry", 6), ("Chiropody", 2), ("Community Health Services", 1)],
    "diet": [("Dietetics", 6), ("Nutrition and Dietetics", 2)],
    "ot": [("Occupational Therapy", 8), ("Rehabilitation", 1)],
    "orth": [("Orthoptics", 4), ("Ophthalmology", 3)],
    "phys": [("Physiotherapy", 8), ("Musculoskeletal Services", 1)],
    "radd": [("Radiology", 5), ("Diagnostic Imaging", 3)],
    "radt": [("Radiotherapy", 5), ("Oncology", 2)],
    "amd": [("Arts Therapies", 3), ("Mental Health", 2)],
    "po": [("Prosthetics and Orthotics", 3), ("Orthotics", 2)],
    "slt": [("Speech and Language Therapy", 6), ("Paediatrics", 1)],
    "odp": [("Operating Theatres", 6), ("Theatres", 2), ("Anaesthetics", 1)],
    "nur": [("General Medicine", 5), ("Care of the Elderly", 3), ("General Surgery", 3), ("Paediatrics", 2),
            ("Maternity", 2), ("Mental Health", 2), ("Community Health Services", 2), ("Intensive Care", 1),
            ("Renal Medicine", 1)],
    # "amb" filled from Table 5 weights at run time
}

ROLE_BANDS = {
    "Assistant practitioner": [(4, 9), (3, 1)],
    "Trainee/student": [(3, 5), (2, 2), (4, 2)],
    "Assistant": [(2, 2), (3, 6), (4, 2)],
    "Healthcare assistant": [(2, 5), (3, 5)],
    "Support worker": [(2, 5), (3, 4), (4, 1)],
    "Ambulance technician/associate practitioner": [(4, 8), (5, 2)],
    "Emergency/urgent care support worker": [(3, 8), (2, 1)],
    "Ambulance care assistant": [(2, 4), (3, 6)],
    "Trainee ambulance technician": [(3, 1)],
    "Ambulance personnel": [(3, 6), (4, 4)],
    "Nursing assistant/auxiliary": [(2, 6), (3, 4)],
    "Nursing associate": [(4, 1)],
    "Student nursing associate": [(3, 1)],
    "Nursery nurse": [(3, 6), (4, 4)],
    "Pre-registration nurse learner": [(2, 1), (3, 1)],
}

STUDENT_JOB_ROLE = {
    "pod": "Student Chiropodist", "diet": "Student Dietitian", "ot": "Student Occupational Therapist",
    "orth": "Student Orthoptist", "phys": "Student Physiotherapist", "radd": "Student Radiographer - Diagnostic",
    "radt": "Student Radiographer - Therapeutic", "amd": "Art, Music & Drama Student",
    "po": "Student Technician", "slt": "Student Speech & Language Therapist", "odp": "Student Technician",
}

# out-of-scope kinds: name -> (codes, titles, job roles, staff group, bands, areas)
OOS = {
    "registered_ahp": (
        ["S1A", "S1B", "S1C", "S1D", "S1E", "S1F", "S1G", "S1H", "S1I", "S1J", "S1T"],
        None, ["Physiotherapist", "Occupational Therapist", "Dietitian", "Radiographer - Diagnostic"],
        "Allied Health Professionals", [(5, 4), (6, 4), (7, 2)], None),
    "registered_nurse": (
        ["N6A", "N6B", "N6C", "N6E", "N6H", "N1B", "N2C", "N4H", "N3H"],
        [("Staff Nurse", 8), ("Senior Staff Nurse", 2), ("Sister/Charge Nurse", 2), ("Midwife", 1),
         ("District Nurse", 1), ("Health Visitor", 1), (f"Staff Nurse {EN} Ward 12", 1)],
        ["Staff Nurse", "Sister/Charge Nurse", "Midwife"], "Nursing and Midwifery Registered",
        [(5, 6), (6, 3), (7, 2)], AREAS["nur"]),
    "medical_dental": (
        ["101", "102", "109", "111", "201", "202", "205", "301", "303", "311", "402", "501"],
        [("Consultant Physician", 3), ("Consultant Anaesthetist", 2), ("Specialty Registrar", 3),
         ("Foundation Year 2 Doctor", 2), ("Speciality Doctor", 1), ("Consultant Radiologist", 1)],
        ["Consultant", "Specialty Registrar", "Foundation Year 2", "Specialty Doctor"], "Medical and Dental",
        None, [("General Medicine", 3), ("Anaesthetics", 2), ("Radiology", 1), ("General Surgery", 2)]),
    "manager": (
        ["G0A", "G0C", "G1A", "G1C", "G1D", "S0C", "S0E", "S0F", "N0A"],
        [("Head of Therapies", 1), ("Service Manager", 3), ("Operational Manager", 2), ("Head of Nursing", 1),
         ("Clinical Lead Physiotherapist", 1), ("General Manager", 1)],
        ["Manager", "Senior Manager"], "Administrative and Clerical", [("8a", 4), ("8b", 2), ("8c", 1), (7, 2)],
        [("Corporate", 2), ("Administration", 2), ("Physiotherapy", 1)]),
    "clerical_estates": (
        ["G2A", "G2B", "G2C", "G2D", "G3B", "G3C", "G3D"],
        [("Ward Clerk", 3), ("Medical Secretary", 3), ("Receptionist", 2), ("Therapies Admin Assistant", 2),
         ("Admin Assistant", 3), ("Estates Officer", 1), ("Maintenance Technician", 1), ("Porter", 2),
         ("Booking Clerk", 1)],
        ["Clerical Worker", "Receptionist", "Administrator", "Estates Officer"], "Administrative and Clerical",
        [(2, 4), (3, 4), (4, 2)],
        [("Administration", 4), ("Physiotherapy", 1), ("Occupational Therapy", 1), ("Estates", 1),
         ("Medical Records", 1)]),
    "technician_s4": (
        ["S4A", "S4C", "S4D", "S4F", "S4I", "S4T", "S4P"],
        [("Technician", 2), ("Pharmacy Technician", 2), ("Orthotic Technician", 1), ("Theatre Technician", 1)],
        ["Technician - PS&T"], "Additional Professional Scientific and Technical", [(4, 3), (5, 2)],
        [("Pharmacy", 2), ("Operating Theatres", 1), ("Orthotics", 1)]),
    "other_stt_registered": (
        ["S2P", "S1L", "S2Q", "S3Q"],
        [("Pharmacist", 3), ("Clinical Psychologist", 2), ("Biomedical Scientist", 2)],
        ["Pharmacist", "Clinical Psychologist", "Biomedical Scientist"],
        "Additional Professional Scientific and Technical", [(6, 2), (7, 2), ("8a", 1)],
        [("Pharmacy", 2), ("Mental Health", 1), ("Pathology", 1)]),
    "paramedic": (
        ["ABA", "ABB", "ABE", "A5A", "A6A", "A1A"],
        [("Paramedic", 6), ("Senior Paramedic", 2), ("Advanced Paramedic", 1), ("Specialist Paramedic", 1)],
        ["Paramedic"], "Allied Health Professionals", [(5, 2), (6, 6), (7, 2)], None),
    "ambulance_manager": (
        ["A0A", "A0E", "G1E", "G0E"],
        [("Clinical Team Leader", 2), ("Duty Locality Manager", 1), ("Operations Manager", 1)],
        ["Manager"], "Administrative and Clerical", [(7, 2), ("8a", 2), ("8b", 1)],
        [("Ambulance Services", 3), ("Corporate", 1)]),
    "ambulance_clerical": (
        ["G2E", "G3E", "G2A"],
        [("Control Room Assistant", 2), ("Fleet Technician", 1), ("Admin Assistant", 2), ("Rota Coordinator", 1)],
        ["Clerical Worker", "Administrator"], "Administrative and Clerical", [(2, 3), (3, 4), (4, 2)],
        [("Administration", 3), ("Transport", 1), ("Telephone Services", 1)]),
    "zero_fte_support": (None, None, None, None, None, None),  # copied from an in-scope template
}
OOS_WEIGHTS = {
    "general": [("registered_ahp", 14), ("registered_nurse", 30), ("medical_dental", 12), ("manager", 6),
                ("clerical_estates", 24), ("technician_s4", 4), ("other_stt_registered", 6),
                ("zero_fte_support", 4)],
    "ambulance": [("paramedic", 45), ("ambulance_manager", 6), ("ambulance_clerical", 35),
                  ("registered_nurse", 3), ("medical_dental", 1), ("zero_fte_support", 5)],
}
S1_TITLES = {
    "A": "Podiatrist", "B": "Dietitian", "C": "Occupational Therapist", "D": "Orthoptist", "E": "Physiotherapist",
    "F": "Diagnostic Radiographer", "G": "Therapeutic Radiographer", "H": "Art Psychotherapist",
    "I": "Orthotist", "J": "Speech and Language Therapist", "T": "Operating Department Practitioner",
}

# PII vocabularies (all encodable in Windows-1252)
FIRST = ("Zo\u00eb Jos\u00e9 Si\u00e2n Chlo\u00e9 Ren\u00e9e No\u00e9mie Se\u00e1n Aoife D\u00e1ith\u00ed Bj\u00f6rn Fran\u00e7ois "
         "In\u00eas Jo\u00ebl Gr\u00e1inne Siobh\u00e1n Ciar\u00e1n Ana\u00efs \u00c9lodie Ma\u00ebl Ren\u00e9 Andr\u00e9 "
         "Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Freya Florence Willow Evie Poppy Ella "
         "Emily Daisy Elsie Harper Sienna Ruby Alice Matilda Evelyn Sofia Lucy Phoebe Maisie Hannah Aisha Priya "
         "Fatima Amira Zainab Maryam Chidinma Ngozi Adaeze Oluwaseun Kwame Kofi Ama Agnieszka Katarzyna Magdalena "
         "Marta Ioana Andreea Rhiannon Ffion Cerys Eleri Carys Morag Kirsty Ailsa Noah Muhammad George Oliver "
         "Leo Arthur Oscar Theodore Freddie Theo Harry Alfie Archie Henry Jack Charlie Thomas William Jacob "
         "Mohammed Luca Joshua James Samuel Daniel Benjamin Adam Ibrahim Yusuf Omar Ravi Arjun Dylan Rhys Gethin "
         "Owain Hamish Callum Declan Tomasz Piotr Mateusz Andrei Kieran Gary Sharon Tracey Karen Julie Michelle "
         "Paula Janet Lorraine Denise Beverley Wendy").split()
SURNAMES = ("Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright "
            "Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill "
            "Ward Morris Moore Clark Lee King Harrison Morgan Allen James Scott Phillips Watson Davis Parker Price "
            "Bennett Young Griffiths Mitchell Kelly Bailey Khan Begum Hussain Ali Ahmed Rahman Iqbal Akhtar Shah "
            "Singh Kaur Sharma Chaudhry Okafor Nwosu Adeyemi Mensah Boateng Owusu Kowalski Nowak Lewandowski "
            "W\u00f3jcik Popescu Ionescu M\u00fcller Schr\u00f6der S\u00f8rensen Garc\u00eda N\u00fa\u00f1ez "
            "Gon\u00e7alves Fern\u00e1ndez L\u00f3pez O'Brien O'Sullivan McCarthy MacDonald Campbell Stewart "
            "Murray Doherty Gallagher D'Souza Fitzgerald Llewellyn Pryce Rees Vaughan Howells Crawford Fraser "
            "Henderson Ferguson Quinn Byrne Doyle Kavanagh Nicholls Pearson Holmes Barker Fletcher Dawson "
            "Chapman Ellis Marshall Gibson Kennedy Burns Shaw Lloyd Mason Hunt Palmer Ross").split()
STREETS = ("Mill Station Church Victoria Park Queen's Kingsway Chapel Albert Manor Elm Oak Cedar Willow Beech "
           "Meadow Orchard Riverside Highfield Castle Bridge Market Abbey Priory Rectory Sycamore Hawthorn "
           "Clarendon Grosvenor Belvedere Brunswick Ashgrove Glebe Tanyard Fenwick Mallory").split()
STREET_TYPES = ["Road", "Lane", "Street", "Close", "Avenue", "Drive", "Way", "Crescent", "Gardens", "Terrace"]
TOWNS = [("Hexham", "NE46"), ("Kendal", "LA9"), ("Barnsley", "S70"), ("Truro", "TR1"), ("Wigan", "WN1"),
         ("Luton", "LU2"), ("Ipswich", "IP4"), ("Crewe", "CW1"), ("Yeovil", "BA20"), ("Hastings", "TN34"),
         ("Doncaster", "DN4"), ("Stockport", "SK3"), ("Lincoln", "LN6"), ("Bangor", "LL57"), ("Carlisle", "CA2"),
         ("Redditch", "B97"), ("Folkestone", "CT20"), ("Peterborough", "PE1"), ("Sunderland", "SR4"),
         ("Gloucester", "GL1"), ("Northampton", "NN3"), ("Taunton", "TA1"), ("Bolton", "BL3"), ("Croydon", "CR0")]
NI_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
NI_SECOND = "ABCEGHJKLMNPRSTWXYZ"
NI_BAD = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}
NI_PREFIXES = [a + b for a in NI_FIRST for b in NI_SECOND if a + b not in NI_BAD]
PC_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
N_FIRST, N_SUR, N_STREETS, N_STYPES, N_TOWNS = len(FIRST), len(SURNAMES), len(STREETS), len(STREET_TYPES), len(TOWNS)

NOTES_PLAIN = ["Phased return, 4 weeks", "Acting up to Band 4 \"temporary\"", "Flexible working, Tue/Thu",
               "Bank shifts also", "TUPE transfer 2019", "Secondment to ICS, ends 31/03/2021"]
NOTES_MULTILINE = ["Reduced hours agreed,\nreview at 6 months \"OH advice\"",
                   "Split post, see second assignment\nTues \"AM\" only",
                   "Career break return,\n\"refresher\" training booked"]
COST_CENTRES = ["CC4711 Therapies", "CC4712 Physiotherapy Outpatients", "CC5120 Theatres, Day Surgery",
                "CC3301 Medicine, Ward 7", "CC6200 Imaging", "CC2105 Community Services",
                "CC8801 Emergency Operations", "CC8840 Patient Transport, North", "CC1001 Corporate"]
N_CC = len(COST_CENTRES)

# Header aliases (design's input table) and per-run spellings of PII / extras
ALIASES = {
    "employee_number": ["Employee Number", "Employee No", "Emp No", "Person Number"],
    "assignment_number": ["Assignment Number", "Assignment No", "Assignment"],
    "org_code": ["Organisation Code", "Org Code", "ODS Code", "Employing Organisation Code"],
    "org_name": ["Organisation", "Organisation Name", "Org Name"],
    "position_title": ["Position Title", "Job Title", "Position Name", "Post Title"],
    "occupation_code": ["Occupation Code", "Occ Code"],
    "job_role": ["Job Role", "Role"],
    "staff_group": ["Staff Group"],
    "area_of_work": ["Area of Work", "Area Of Work", "AoW"],
    "pay_band": ["Pay Band", "Grade", "Band", "Grade Code", "Pay Scale"],
    "fte": ["Contracted WTE", "Contracted FTE", "FTE", "WTE", "Assignment FTE"],
    "assignment_category": ["Assignment Category"],
    "assignment_status": ["Assignment Status"],
    "primary_flag": ["Primary Assignment", "Primary Flag"],
    "start_date": ["Hire Date", "Date of Hire", "Latest Start Date", "Start Date"],
    "date_of_birth": ["Date of Birth", "DOB"],
    "pii_name": ["Full Name"],
    "pii_ni": ["NI Number", "National Insurance Number"],
    "pii_address": ["Address", "Home Address"],
    "x_cost_centre": ["Cost Centre"],
    "x_notes": ["Notes"],
    "x_updated": ["Last Updated"],
}
CANONICAL = ["employee_number", "assignment_number", "org_code", "org_name", "position_title", "occupation_code",
             "job_role", "staff_group", "area_of_work", "pay_band", "fte", "assignment_category",
             "assignment_status", "primary_flag", "start_date", "date_of_birth"]
COLS = CANONICAL + ["pii_name", "pii_ni", "pii_address", "x_cost_centre", "x_notes", "x_updated"]
CI = {c: i for i, c in enumerate(COLS)}

REJECT_BASE = [  # (reason, subtype, count at scale 1)
    ("torn_row", "truncated", 6), ("torn_row", "extra_fields", 6),
    ("fte_not_a_number", "n/a", 4), ("fte_not_a_number", "1,0", 3),
    ("fte_negative", "-0.4", 3),
    ("no_code_or_title", "blank", 8),
    ("duplicate_assignment", "exact_copy", 5), ("duplicate_assignment", "changed", 5),
]
REJECT_KEYWORDS = {
    "torn_row": ["field", "column", "torn", "width"],
    "fte_not_a_number": ["fte", "wte"],
    "fte_negative": ["fte", "wte", "negative"],
    "no_code_or_title": ["occupation", "title", "code"],
    "duplicate_assignment": ["duplicate", "dup", "repeat"],
}

FTE_MIX = [(100000, 50), (80000, 10), (60000, 9), (53333, 5), (50000, 8), (40000, 7), (73333, 4),
           (26667, 3), (20000, 2), (93333, 2), (86667, 3)]


def expand(pairs):
    out = []
    for v, w in pairs:
        out.extend([v] * w)
    return out


_T0 = [None]


def phase(label):
    """ESRGEN_TIMING=1: print CPU and wall seconds per phase on stderr."""
    if not TIMING:
        return
    import time
    now = (time.process_time(), time.perf_counter())
    if _T0[0] is not None:
        sys.stderr.write("gen_export: %-28s cpu %6.2fs wall %6.2fs\n" % (label, now[0] - _T0[0][0], now[1] - _T0[0][1]))
    _T0[0] = now


def fmt_units(u):
    return "%d.%05d" % divmod(u, UNIT)


def scale_units(v, scale_dec):
    return int((Decimal(v) * scale_dec * UNIT).to_integral_value(ROUND_HALF_EVEN))


def band_key(b):
    return "Band %s" % b


# --------------------------------------------------------------------------
# generator
# --------------------------------------------------------------------------


class HashingWriter:
    """File wrapper that counts and SHA-256-hashes what is written (no second read of a big export)."""

    def __init__(self, f):
        self.f = f
        self.sha = hashlib.sha256()
        self.n = 0

    def write(self, b):
        self.sha.update(b)
        self.n += len(b)
        return self.f.write(b)

    def flush(self):
        self.f.flush()

    def close(self):
        self.f.close()


class Gen:
    def __init__(self, args, ref):
        self.args = args
        self.ref = ref
        self.seed = args.seed
        self.rng = random.Random("esrpipe-gen/%d" % args.seed)
        self.salt = int(hashlib.sha256(b"esrpipe-pii/%d" % args.seed).hexdigest()[:8], 16)
        self.checks_codes()

    # ---- helpers --------------------------------------------------------
    def checks_codes(self):
        codes = self.ref["codes"]
        for name, spec in OOS.items():
            for c in spec[0] or []:
                if not c.isdigit() and c not in codes:
                    raise SystemExit("gen_export: out-of-scope code %s not in occupation_codes" % c)
        for _, _, cw, _ in NURSING:
            for c, _ in cw:
                if c not in codes:
                    raise SystemExit("gen_export: nursing code %s not in occupation_codes" % c)
        for p in [AMB, NUR, ODP] + list(T2_ROWS.values()):
            if p not in self.ref["professions"]:
                raise SystemExit("gen_export: profession %r not in professions.csv" % p)
        roles = set(ROLE_BANDS)
        for r in roles:
            if r not in self.ref["roles"]:
                raise SystemExit("gen_export: support role %r not in support_roles.csv" % r)

    def mix(self, i, k):
        x = (i * 0x9E3779B1 + k * 0x85EBCA77 + self.salt) & 0xFFFFFFFF
        x ^= x >> 15
        x = (x * 0x2C1B3C6D) & 0xFFFFFFFF
        x ^= x >> 12
        x = (x * 0x297A2D39) & 0xFFFFFFFF
        x ^= x >> 15
        return x

    # ---- people ---------------------------------------------------------
    def setup_people(self):
        rng = self.rng
        self.name_style = rng.choice([True, True, False])    # True: "Surname, First"
        self.ni_style = rng.choice([True, False])            # True: "AB 12 34 56 C"
        d0 = datetime.date(1958, 1, 1)
        n = (datetime.date(2002, 12, 31) - d0).days + 1
        self.dob_pool = [(d0 + datetime.timedelta(days=k)).strftime("%d/%m/%Y") for k in range(n)]
        self.n_dob = n
        s0 = datetime.date(2003, 1, 6)
        n = (datetime.date(2020, 1, 31) - s0).days + 1
        self.start_pool = [(s0 + datetime.timedelta(days=k)).strftime("%d/%m/%Y") for k in range(n)]
        self.emp_off = self.mix(7, 7) % 90000000
        self.ni_mod = len(NI_PREFIXES) * 1000000
        self.ni_off = self.mix(8, 8) % self.ni_mod
        self._pii = {}

    def emp(self, p):
        return str(10000000 + (p * 7777777 + self.emp_off) % 90000000)

    def person(self, p):
        """(employee no, full name, NI number, date of birth, address, cost centre, last-updated,
        start-date seed) for person p.  The employee number is unique per person; the PII part is a
        pure function of p % PII_POOL (so it is unique up to PII_POOL persons and bounded beyond)."""
        k = p % PII_POOL
        t = self._pii.get(k)
        if t is None:
            t = self._pii[k] = self.pii_calc(k)
        return (str(10000000 + (p * 7777777 + self.emp_off) % 90000000),) + t

    def pii_calc(self, p):
        """Pure function of (seed, p): three integer hashes, no RNG state."""
        salt = self.salt
        x = (p * 0x9E3779B1 + salt) & 0xFFFFFFFF
        x = (((x >> 16) ^ x) * 0x45D9F3B) & 0xFFFFFFFF
        x = (((x >> 16) ^ x) * 0x45D9F3B) & 0xFFFFFFFF
        h1 = (x >> 16) ^ x
        x = (p * 0x85EBCA77 + salt + 0x68E31DA4) & 0xFFFFFFFF
        x = (((x >> 16) ^ x) * 0x45D9F3B) & 0xFFFFFFFF
        x = (((x >> 16) ^ x) * 0x45D9F3B) & 0xFFFFFFFF
        h2 = (x >> 16) ^ x
        x = (p * 0xC2B2AE3D + salt + 0x1B56C4E9) & 0xFFFFFFFF
        x = (((x >> 16) ^ x) * 0x45D9F3B) & 0xFFFFFFFF
        x = (((x >> 16) ^ x) * 0x45D9F3B) & 0xFFFFFFFF
        h3 = (x >> 16) ^ x
        t, fi = divmod(h1, N_FIRST)
        t, si = divmod(t, N_SUR)
        t, suf = divmod(t, 4)
        cc = t % N_CC
        if self.name_style:
            name = SURNAMES[si] + ", " + FIRST[fi]
        else:
            name = FIRST[fi] + " " + SURNAMES[si]
        j = (p * 387420489 + self.ni_off) % self.ni_mod   # 3**18: coprime to 373 * 10**6, so a bijection
        pre, num = divmod(j, 1000000)
        if self.ni_style:
            d = "%06d" % num
            ni = "%s %s %s %s %s" % (NI_PREFIXES[pre], d[0:2], d[2:4], d[4:6], "ABCD"[suf])
        else:
            ni = "%s%06d%s" % (NI_PREFIXES[pre], num, "ABCD"[suf])
        t, house = divmod(h2, 180)
        t, st = divmod(t, N_STREETS)
        t, sty = divmod(t, N_STYPES)
        t, tw = divmod(t, N_TOWNS)
        upd_m = t % 60
        t, di = divmod(h3, self.n_dob)
        t, pd = divmod(t, 10)
        t, l1 = divmod(t, 20)
        t, l2 = divmod(t, 20)
        town, district = TOWNS[tw]
        addr = "%d %s %s, %s, %s %d%s%s" % (house + 1, STREETS[st], STREET_TYPES[sty], town, district, pd,
                                            PC_LETTERS[l1], PC_LETTERS[l2])
        return (name, ni, self.dob_pool[di], addr, COST_CENTRES[cc], "2020-02-29 23:%02d:%02d" % (upd_m, (h3 >> 7) % 60),
                h2 ^ h3)

    def name(self, p):
        return self.person(p)[1]

    def ni(self, p):
        return self.person(p)[2]

    def dob(self, p):
        return self.person(p)[3]

    def address(self, p):
        return self.person(p)[4]

    # ---- strata ---------------------------------------------------------
    def build_strata(self, scale_dec):
        """List of strata: dicts with code weights, cell keys, units, source refs."""
        ref = self.ref
        codes = ref["codes"]
        strata = []
        sources = []

        def add(profession, role, codew, src_val, title_key, area_key, amb, source=None,
                ev_profession=None, fixed_area=None, src_units=None):
            units = src_units if src_units is not None else scale_units(src_val, scale_dec)
            for c, _ in codew:
                if c not in codes:
                    raise SystemExit("gen_export: code %s (for %s / %s) not in occupation_codes_v22_1.csv"
                                     % (c, profession, role))
            st = dict(profession=profession, role=role, codes=expand(codew), units=units,
                      title_key=title_key, area_key=area_key, amb=amb, source=source,
                      ev_profession=ev_profession or profession, fixed_area=fixed_area)
            strata.append(st)
            return st

        # Table 2
        for row in ref["t2"]:
            label = row["profession"]
            if label not in T2_ROWS:
                continue
            prof = T2_ROWS[label]
            for col, (matrix, level, role) in T2_COLS.items():
                val = row[col].strip()
                if val in ("", "0"):
                    continue
                letter = specialty_letter(ref, prof, matrix)
                if letter is None:
                    raise SystemExit("gen_export: no %s-matrix specialty for %s" % (matrix, prof))
                code = matrix + level + letter
                src = dict(table="2", row=label, column=col, source_fte=val, profession=prof,
                           support_role=role, codes=[code])
                add(prof, role, [(code, 1)], val, "%s_%s" % (PKEY[prof], RKEY[role]), PKEY[prof], False, src)
                sources.append(src)
        # Table 3
        for row in ref["t3"]:
            prof = T3_ROWS[row["profession"]]
            letter = specialty_letter(ref, prof, "S")
            for col in ("assistant_practitioner", "trainee_student", "assistant"):
                matrix, level, role = T2_COLS[col]
                val = row[col].strip()
                if val in ("", "0"):
                    continue
                code = "S" + level + letter
                src = dict(table="3", row=row["profession"], column=col, source_fte=val, profession=prof,
                           support_role=role, codes=[code])
                add(prof, role, [(code, 1)], val, "odp_%s" % RKEY[role], "odp", False, src)
                sources.append(src)
        # Table 4 (per setting; aggregated per role in the plan)
        for row in ref["t4"]:
            if not row["care_setting"]:
                continue
            val = row["fte"].strip()
            tmpl, role = T4_ROLES[row["support_role"]]
            letter = T4_SETTINGS[row["care_setting"]]
            code = tmpl.replace("?", letter) if "?" in tmpl else tmpl
            src = dict(table="4", row=row["care_setting"], column=row["support_role"], source_fte=val or "",
                       profession=AMB, support_role=role, codes=[code])
            sources.append(src)
            if val in ("", "0"):
                src["planted_fte"] = fmt_units(0)
                src["note"] = "empty or zero cell: no rows planted"
                continue
            if code not in codes:
                raise SystemExit("gen_export: Table 4 code %s not in occupation_codes_v22_1.csv" % code)
            add(AMB, role, [(code, 1)], val, code, "amb", True, src)
        # nursing support (scaled)
        for role, fte, codew, tkey in NURSING:
            units = scale_units(fte, scale_dec)
            if role in ("Healthcare assistant", "Support worker"):
                for evp, r2, code, f2, tk2, area in RECLASS:
                    if r2 == role:
                        u2 = min(scale_units(f2, scale_dec), units)
                        units -= u2
                        if u2 > 0:
                            add(NUR, role, [(code, 1)], None, tk2, "nur", False, None,
                                ev_profession=evp, fixed_area=area, src_units=u2)
            if units > 0:
                add(NUR, role, codew, None, tkey, "nur", False, None, src_units=units)
        return strata, sources

    def split(self, units):
        rng = self.rng
        mix = self.fte_mix
        out = []
        rem = units
        while rem > UNIT:
            p = mix[int(rng.random() * len(mix))]
            out.append(p)
            rem -= p
        if rem < 10000 and out and out[-1] + rem <= UNIT:
            out[-1] += rem
        elif rem > 0:
            out.append(rem)
        return out

    # ---- main -----------------------------------------------------------
    def run(self):
        a = self.args
        rng = self.rng
        ref = self.ref
        self.fte_mix = expand(FTE_MIX)
        mean_piece = sum(v * w for v, w in FTE_MIX) / sum(w for _, w in FTE_MIX) / UNIT

        # scale
        base_fte = 0
        for r in ref["t2"]:
            if r["profession"] in T2_ROWS:
                base_fte += sum(int(r[c] or 0) for c in T2_COLS)
        base_fte += sum(int(r[c] or 0) for r in ref["t3"] for c in ("assistant_practitioner", "trainee_student",
                                                                    "assistant"))
        base_fte += sum(int(r["fte"] or 0) for r in ref["t4"] if r["care_setting"])
        base_fte += sum(n[1] for n in NURSING)
        if a.rows:
            target_in = a.rows / 4.0
            scale = target_in * mean_piece / base_fte
            scale = float("%.6g" % scale)
        else:
            scale = a.scale
        if scale <= 0:
            raise SystemExit("gen_export: scale must be positive")
        scale_dec = Decimal(repr(scale))
        self.scale = scale

        self.setup_people()
        self.setup_orgs()
        fmt = self.setup_format()

        strata, sources = self.build_strata(scale_dec)
        amb_area = expand([(r["area_of_work"], int(r["fte"])) for r in ref["t5"] if int(r["fte"]) > 0])
        areas = {k: expand(v) for k, v in AREAS.items()}
        areas["amb"] = amb_area
        titles = {k: expand(v) for k, v in TITLES.items()}
        band_prefix = ["Band "] * 7 + ["AfC Band "] * 3
        categories = ["Permanent"] * 17 + ["Fixed Term Temp"] * 3
        statuses = ["Active Assignment"] * 95 + ["Internal Secondment"] * 3 + ["Acting Up"] * 2
        blank_p = 0.15

        phase("setup")
        # ---- in-scope rows: [person, stratum index, units, code, title, area, band, bandtxt, category,
        #                      status, org, asg, primary]
        rows = []
        for si, st in enumerate(strata):
            pieces = self.split(st["units"])
            tl = titles[st["title_key"]]
            al = areas[st["area_key"]]
            bl = expand(ROLE_BANDS[st["role"]])
            for u in pieces:
                code = st["codes"][int(rng.random() * len(st["codes"]))]
                title = tl[int(rng.random() * len(tl))]
                if st["fixed_area"]:
                    area = st["fixed_area"]
                elif rng.random() < blank_p:
                    area = ""
                else:
                    area = al[int(rng.random() * len(al))]
                b = bl[int(rng.random() * len(bl))]
                rows.append([None, si, u, code, title, area, b,
                             band_prefix[int(rng.random() * 10)] + str(b),
                             categories[int(rng.random() * 20)], statuses[int(rng.random() * 100)],
                             None, None, "Y"])
        n_in = len(rows)

        phase("in-scope rows")
        # ---- people: pair some assignments into one person ------------------
        pid = 0
        persons = {}  # person -> list of row indexes (in-scope)
        same_pairs = cross_pairs = 0
        i = 0
        while i < n_in:
            r = rows[i]
            if (i + 1 < n_in and rows[i + 1][1] == r[1] and r[2] + rows[i + 1][2] <= UNIT
                    and rng.random() < 0.06):
                r[0] = rows[i + 1][0] = pid
                persons[pid] = [i, i + 1]
                same_pairs += 1
                i += 2
            else:
                r[0] = pid
                persons[pid] = [i]
                i += 1
            pid += 1
        # cross-cell pairs: merge singles from different strata (same org group)
        singles = {False: [], True: []}
        for p, idx in persons.items():
            if len(idx) == 1 and rows[idx[0]][2] <= 60000:
                singles[strata[rows[idx[0]][1]]["amb"]].append(p)
        for grp in (False, True):
            lst = singles[grp]
            rng.shuffle(lst)
            want = max(1, len(lst) // 25) if len(lst) >= 2 else 0
            k = 0
            made = 0
            while made < want and k + 1 < len(lst):
                p1, p2 = lst[k], lst[k + 1]
                k += 2
                i1, i2 = persons[p1][0], persons[p2][0]
                if rows[i1][1] == rows[i2][1] or strata[rows[i1][1]]["profession"] == NUR and \
                        strata[rows[i2][1]]["profession"] == NUR and rng.random() < 0.5:
                    continue
                rows[i2][0] = p1
                persons[p1].append(i2)
                del persons[p2]
                made += 1
            cross_pairs += made
        # ---- orgs for persons, assignment numbers --------------------------
        n_orgs = len(self.orgs)
        amb_orgs = [k for k, o in enumerate(self.orgs) if o["ambulance"]] or list(range(n_orgs))
        gen_orgs = [k for k, o in enumerate(self.orgs) if not o["ambulance"]] or list(range(n_orgs))
        amb_pool = expand([(k, self.orgs[k]["weight"]) for k in amb_orgs])
        gen_pool = expand([(k, self.orgs[k]["weight"]) for k in gen_orgs])
        person_ids = sorted(persons)
        for p in person_ids:
            idx = persons[p]
            is_amb = strata[rows[idx[0]][1]]["amb"]
            pool = amb_pool if is_amb else gen_pool
            org = pool[int(rng.random() * len(pool))]
            e = self.emp(p)
            for n, ri in enumerate(idx):
                rows[ri][10] = org
                rows[ri][11] = e if n == 0 else "%s-%d" % (e, n + 1)
                rows[ri][12] = "Y" if n == 0 else "N"
        next_pid = pid

        # ---- out-of-scope counts per org ----------------------------------
        n_out = 3 * n_in
        in_per_org = [0] * n_orgs
        for r in rows:
            in_per_org[r[10]] += 1
        out_per_org = [3 * c for c in in_per_org]
        # explicit out-of-scope partners of in-scope persons (second assignment)
        partners = [[] for _ in range(n_orgs)]   # (person, template row index, kind)
        n_partner = 0
        multi_in_out = 0
        cand = [p for p in person_ids if len(persons[p]) == 1]
        rng.shuffle(cand)
        want = max(1, len(cand) // 100) if cand else 0
        for p in cand[:want]:
            ri = persons[p][0]
            org = rows[ri][10]
            if len(partners[org]) >= out_per_org[org]:
                continue
            kind = "zero_fte_support" if rng.random() < 0.5 else (
                "ambulance_clerical" if self.orgs[org]["ambulance"] else "clerical_estates")
            partners[org].append((p, ri, kind, "%s-2" % rows[ri][11]))
            n_partner += 1
        multi_in_out = n_partner

        # ---- rejects -----------------------------------------------------
        rejects_per_org = [[] for _ in range(n_orgs)]
        dup_of = {}   # in-scope row index -> reject spec
        rej_specs = []
        for reason, sub, base in REJECT_BASE:
            cnt = max(1, int(round(base * scale)))
            for _ in range(cnt):
                if reason == "duplicate_assignment":
                    for _try in range(1000):
                        ri = int(rng.random() * n_in)
                        if ri not in dup_of:
                            break
                    spec = dict(reason=reason, subtype=sub, template=ri)
                    dup_of[ri] = spec
                else:
                    st_i = int(rng.random() * n_in)   # template row for plausible values
                    spec = dict(reason=reason, subtype=sub, template=st_i, person=next_pid,
                                org=rows[st_i][10])
                    next_pid += 1
                    rejects_per_org[rows[st_i][10]].append(spec)
                rej_specs.append(spec)

        phase("persons, orgs, rejects")
        # ---- write --------------------------------------------------------
        self.rows = rows
        self.strata = strata
        plan_rejects = []
        pii_persons_rejected = [s["person"] for s in rej_specs if "person" in s]
        oos_counts = {}
        write_stats = self.write(fmt, rows, strata, persons, partners, out_per_org, rejects_per_org, dup_of,
                                 titles, areas, next_pid, plan_rejects, oos_counts)

        phase("write export")
        # ---- plan ---------------------------------------------------------
        plan = self.make_plan(fmt, rows, strata, sources, persons, plan_rejects, write_stats, oos_counts,
                              dict(same_cell_pairs=same_pairs, cross_cell_pairs=cross_pairs,
                                   in_scope_plus_out_of_scope=multi_in_out),
                              pii_persons_rejected, n_out)
        return plan

    # ---- orgs -----------------------------------------------------------
    def setup_orgs(self):
        rng = self.rng
        n = max(1, self.args.orgs)
        cands = [o for o in self.ref["orgs"] if re.match(r"^[RT][A-Z0-9]{2}$", o["ods_code"]) and o["trust_type"]]
        amb = sorted([o for o in cands if o["trust_type"] == "ambulance"], key=lambda o: o["ods_code"])
        other = sorted([o for o in cands if o["trust_type"] != "ambulance"], key=lambda o: o["ods_code"])
        n_amb = 0 if n == 1 else min(len(amb), max(1, int(round(n / 6.0))))
        if n - n_amb > len(other):
            raise SystemExit("gen_export: --orgs %d is more than the trusts available" % n)
        rng.shuffle(amb)
        rng.shuffle(other)
        chosen = [dict(o, ambulance=True) for o in amb[:n_amb]] + \
                 [dict(o, ambulance=False) for o in other[:n - n_amb]]
        rng.shuffle(chosen)
        for o in chosen:
            o["weight"] = 2 + int(rng.random() * 7)
        self.orgs = chosen

    # ---- output format ---------------------------------------------------
    def setup_format(self):
        rng = self.rng
        enc = self.args.encoding
        fmt = {}
        fmt["encoding"] = enc
        fmt["delimiter"] = "\t" if enc == "utf-16" else ","
        fmt["quote_all"] = rng.random() < 0.3
        fmt["fte_style"] = rng.choice(["minimal", "minimal", "min2dp", "fixed5"])
        fmt["header_style"] = rng.choice(["as_is"] * 6 + ["upper_snake", "lower"])
        extras = ["x_cost_centre", "x_notes"] + (["x_updated"] if rng.random() < 0.5 else [])
        cols = CANONICAL + ["pii_name", "pii_ni", "pii_address"] + extras
        rng.shuffle(cols)
        header = []
        for c in cols:
            h = rng.choice(ALIASES[c])
            if fmt["header_style"] == "upper_snake":
                h = re.sub(r"[^A-Za-z0-9]+", "_", h).upper()
            elif fmt["header_style"] == "lower":
                h = h.lower()
            header.append(h)
        fmt["cols"] = cols
        fmt["header"] = header
        return fmt

    def fte_text(self, u, style):
        if style == "fixed5":
            return fmt_units(u)
        whole, frac = divmod(u, UNIT)
        f = ("%05d" % frac).rstrip("0")
        if style == "min2dp":
            f = f.ljust(2, "0")
            return "%d.%s" % (whole, f)
        return "%d.%s" % (whole, f) if f else "%d" % whole

    # ---- writer ----------------------------------------------------------
    def write(self, fmt, rows, strata, persons, partners, out_per_org, rejects_per_org, dup_of, titles, areas,
              next_pid, plan_rejects, oos_counts):
        a = self.args
        rng = self.rng
        rnd = rng.random
        delim = fmt["delimiter"]
        quote_all = fmt["quote_all"]
        fte_style = fmt["fte_style"]
        cols = fmt["cols"]
        order = [CI[c] for c in cols]
        has_upd = "x_updated" in cols
        person = self.person

        # cp1252 fast path: map the 0x80-0x9F punctuation (en dash, curly quotes...) to the code points
        # with the same byte value, then encode as Latin-1 (a C fast path; charmap encoding is slow).
        # Every other character cp1252 can encode is the same byte in Latin-1.
        if fmt["encoding"] == "cp1252":
            x1252 = {}
            for bv in range(0x80, 0xA0):
                try:
                    x1252[ord(bytes([bv]).decode("cp1252"))] = bv
                except UnicodeDecodeError:
                    pass
        else:
            x1252 = None

        def q(s):
            if x1252 is not None:
                s = s.translate(x1252)
            if quote_all or delim in s or '"' in s or "\n" in s or "\r" in s:
                return '"' + s.replace('"', '""') + '"'
            return s

        def qp(s):
            """q() for person fields: their vocabularies are Latin-1 (checked below), no translation needed."""
            if quote_all or delim in s or '"' in s or "\n" in s or "\r" in s:
                return '"' + s.replace('"', '""') + '"'
            return s

        for word in FIRST + SURNAMES + STREETS + STREET_TYPES + [t for t, _ in TOWNS]:
            word.encode("latin-1")

        qcache = {}

        def qc(s):
            v = qcache.get(s)
            if v is None:
                v = qcache[s] = q(s)
            return v

        if quote_all:
            def qn(s):   # fields that never need quoting
                return '"' + s + '"'
        else:
            def qn(s):
                return s
        empty = qn("")
        prim_y, prim_n = qn("Y"), qn("N")

        orgs = self.orgs
        org_code_q = [qc(o["ods_code"]) for o in orgs]
        org_name_q = [qc(o["name"]) for o in orgs]
        start_pool = self.start_pool
        n_start = len(start_pool)
        start_q = [qn(x) for x in start_pool]

        jobrole_cache = {}

        def job_role_for(code, st):
            key = (code, st["profession"])
            v = jobrole_cache.get(key)
            if v is None:
                m, lvl = code[0], code[1]
                sg = "Additional Clinical Services"
                if m == "S" and lvl == "5":
                    jr = "Assistant Practitioner"
                elif m == "S" and lvl == "8":
                    jr = STUDENT_JOB_ROLE.get(PKEY.get(st["profession"]), "Student Technician")
                    sg = "Students"
                elif m == "S" and lvl == "9":
                    jr = "Helper/Assistant"
                elif m == "H" and lvl == "1":
                    jr = "Healthcare Assistant"
                elif m == "H" and lvl == "2":
                    jr = "Support Worker"
                elif m == "A":
                    jr = {"E": "Ambulance Technician", "7": "Assistant Practitioner",
                          "G": "Trainee Ambulance Technician", "8": "Emergency Care Assistant",
                          "2": "Ambulance Personnel", "9": "Ambulance Care Assistant"}[lvl]
                elif m == "N":
                    jr = {"9": "Nursing Assistant", "G": "Nursing Associate", "F": "Assistant Practitioner",
                          "H": "Trainee Nursing Associate", "8": "Nursery Nurse"}[lvl]
                elif m == "P":
                    jr = "Student Nurse - Adult Branch"
                    sg = "Students"
                else:
                    jr = "Healthcare Assistant"
                v = jobrole_cache[key] = (qc(jr), qc(sg))
            return v

        pcache = {}

        def pq(p):
            """Quoted person fields (cached: in-scope persons recur)."""
            v = pcache.get(p)
            if v is None:
                e, name, ni, dob, addr, cc, upd, hs = person(p)
                v = pcache[p] = (qn(e), qp(name), qn(ni), qn(dob), qp(addr), qc(cc), qn(upd) if has_upd else "", hs)
            return v

        def in_values(r, pf, asg, fte_txt=None, notes=""):
            """Canonical-order field list for an in-scope-like row r with person fields pf."""
            jr, sg = job_role_for(r[3], strata[r[1]])
            return [pf[0], qn(asg), org_code_q[r[10]], org_name_q[r[10]], qc(r[4]), qn(r[3]), jr, sg, qc(r[5]),
                    qc(r[7]), qn(fte_txt if fte_txt is not None else self.fte_text(r[2], fte_style)), qc(r[8]),
                    qc(r[9]), prim_y if r[12] == "Y" else prim_n, start_q[(pf[7] + len(asg)) % n_start],
                    pf[3], pf[1], pf[2], pf[4], pf[5], q(notes) if notes else empty, pf[6]]

        # ---- out-of-scope row templates: static fields baked into a %-format string --------
        static_ids = (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)
        dyn_names = {0: "e", 1: "a", 13: "pr", 14: "sd", 15: "dob", 16: "nm", 17: "ni", 18: "ad", 19: "cc",
                     20: "no", 21: "up"}
        mk = eval("lambda e, a, pr, sd, dob, nm, ni, ad, cc, no, up: (%s,)"
                  % ", ".join(dyn_names[i] for i in order if i not in static_ids))

        def template(org, kind, code, title, jr, sg, area, band, fte, cat):
            stat = {2: org_code_q[org], 3: org_name_q[org], 4: qc(title), 5: qn(code), 6: jr, 7: sg, 8: qc(area),
                    9: qc(band), 10: qn(fte), 11: qc(cat), 12: qc("Active Assignment")}
            return (delim.join(stat[i].replace("%", "%%") if i in stat else "%s" for i in order), kind)

        amb_templates = [ri for ri, r in enumerate(rows) if strata[r[1]]["amb"]]
        gen_templates = [ri for ri, r in enumerate(rows) if not strata[r[1]]["amb"]]
        zero_texts = ["0", "0.00", "0.00000", "0"]
        fte_mix = self.fte_mix

        last_oos = [None, 0]  # code and FTE units of the last out-of-scope row made
        oos_code = self.oos_by_code = {}  # (org, code) -> [rows, FTE units]: registered staff truth

        def oos_add(org, code, units, n=1):
            v = oos_code.setdefault((org, code), [0, 0])
            v[0] += n
            v[1] += units * n

        def oos_static(kind, org_amb, zero_template=None):
            if kind == "zero_fte_support":
                if zero_template is None:
                    tl = (amb_templates if org_amb else gen_templates) or amb_templates or gen_templates
                    zero_template = tl[int(rnd() * len(tl))]
                tr = rows[zero_template]
                jr, sg = job_role_for(tr[3], strata[tr[1]])
                last_oos[:] = [tr[3], 0]
                return (tr[3], tr[4], jr, sg, tr[5], tr[7], zero_texts[int(rnd() * 4)], "Bank")
            codes, tl, jrl, sgn, bands, ar = OOS[kind]
            code = codes[int(rnd() * len(codes))]
            if kind == "registered_ahp":
                title = S1_TITLES[code[2]]
                jr = title
                if rnd() < 0.3:
                    title = "Senior " + title
                area = ""
            else:
                tl = expand(tl)
                title = tl[int(rnd() * len(tl))]
                area = ""
                if ar:
                    arx = expand(ar)
                    area = arx[int(rnd() * len(arx))]
                jr = jrl[int(rnd() * len(jrl))]
            if rnd() < 0.12:
                area = ""
            if bands:
                bx = expand(bands)
                b = bx[int(rnd() * len(bx))]
                band = ("AfC Band %s" if rnd() < 0.25 else "Band %s") % b
            else:
                band = {"Consultant": "Consultant", "Specialty": "Specialty Registrar", "Foundation": "Foundation Year 2",
                        "Speciality": "Specialty Doctor"}.get(title.split()[0], "")
            units = fte_mix[int(rnd() * len(fte_mix))]
            fte = self.fte_text(units, fte_style)
            cat = "Permanent" if rnd() < 0.9 else "Fixed Term Temp"
            last_oos[:] = [code, units]
            return (code, title, qc(jr), qc(sgn), area, band, fte, cat)

        kinds = {k: expand(v) for k, v in OOS_WEIGHTS.items()}
        NPOOL = 2048
        pools = []
        pool_meta = []
        for org, o in enumerate(orgs):
            wk = kinds["ambulance"] if o["ambulance"] else kinds["general"]
            pool = []
            meta = []
            for _ in range(NPOOL):
                kind = wk[int(rnd() * len(wk))]
                pool.append(template(org, kind, *oos_static(kind, o["ambulance"])))
                meta.append(tuple(last_oos))
            pools.append(pool)
            pool_meta.append(meta)

        # ---- output sink: encoding + (gzip) writing on a thread (zlib releases the GIL) ----
        path = a.out
        raw = HashingWriter(open(path, "wb"))
        sink = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=3) if a.gzip else raw
        enc = fmt["encoding"]
        if enc == "utf-16":
            sink.write(b"\xff\xfe")
            codec = "utf-16-le"
        elif enc == "utf-8-sig":
            sink.write(b"\xef\xbb\xbf")
            codec = "utf-8"
        else:
            codec = "latin-1" if x1252 is not None else enc
        qout = queue.Queue(maxsize=8)
        werr = []

        def writer():
            while True:
                b = qout.get()
                if b is None:
                    return
                if not werr:
                    try:
                        sink.write(b)
                    except Exception as e:   # reported after join
                        werr.append(e)

        th = threading.Thread(target=writer, daemon=True)
        th.start()
        buf = [delim.join(q(h) for h in fmt["header"])]

        def flush():
            qout.put(("\r\n".join(buf) + "\r\n").encode(codec))
            buf.clear()

        line = 1          # physical lines written so far (header = line 1)
        record = 0        # data records written
        stats = dict(multiline_rows=0, multiline_first_line=None)
        join = delim.join
        multiline_every = max(1, int(len(rows) / max(2, int(round(6 * self.scale)))))
        notes_plain_every = 97
        qpool = {}
        emp_off = self.emp_off
        p_next = next_pid
        n_out_written = 0
        buf_append = buf.append

        in_rows_by_org = [[] for _ in orgs]
        for ri, r in enumerate(rows):
            in_rows_by_org[r[10]].append(ri)

        for org in range(len(orgs)):
            ins = in_rows_by_org[org]
            rng.shuffle(ins)
            n_i = len(ins)
            n_o = out_per_org[org]
            rj = rejects_per_org[org]
            parts = partners[org]
            n_p = len(parts)
            n_r = len(rj)
            pending_dups = []
            ii = oi = pi = rji = 0
            pool = pools[org]
            pool_fmt = [tp[0] for tp in pool]
            pool_used = [0] * NPOOL
            org_amb = orgs[org]["ambulance"]
            for _t in range(n_i + n_o + n_r):
                rem_i = n_i - ii
                rem_o = n_o - oi
                x = rnd() * (rem_i + rem_o + n_r - rji)
                if x < rem_i:
                    # ---- in-scope row
                    ri = ins[ii]
                    ii += 1
                    r = rows[ri]
                    notes = ""
                    nl = 0
                    if ri % multiline_every == multiline_every // 2 or (org == 0 and ii == 5):
                        notes = NOTES_MULTILINE[ri % len(NOTES_MULTILINE)]
                        nl = notes.count("\n")
                        stats["multiline_rows"] += 1
                        if stats["multiline_first_line"] is None:
                            stats["multiline_first_line"] = line + 1
                    elif ri % notes_plain_every == 0:
                        notes = NOTES_PLAIN[ri % len(NOTES_PLAIN)]
                    vals = in_values(r, pq(r[0]), r[11], notes=notes)
                    buf_append(join([vals[i] for i in order]))
                    if ri in dup_of:
                        pending_dups.append((ri, vals))
                    line += 1 + nl
                elif x < rem_i + rem_o:
                    # ---- out-of-scope row
                    oi += 1
                    if pi < n_p and rnd() * rem_o < (n_p - pi):
                        p, tri, kind, asg = parts[pi]
                        pi += 1
                        pf = pq(p)
                        if kind == "zero_fte_support":
                            st = oos_static(kind, org_amb, zero_template=tri)
                        else:
                            st = oos_static(kind, org_amb)
                        oos_add(org, *last_oos)
                        tf = template(org, kind, *st)[0]
                        buf_append(tf % mk(pf[0], qn(asg), prim_n, start_q[(pf[7] + 1) % n_start], pf[3], pf[1],
                                           pf[2], pf[4], pf[5], empty, pf[6]))
                    else:
                        p = p_next
                        p_next += 1
                        ti = int(rnd() * NPOOL)
                        pool_used[ti] += 1
                        t = qpool.get(p % PII_POOL)
                        if t is None:
                            name, ni, dob, addr, cc, upd, hs = person(p)[1:]
                            t = qpool[p % PII_POOL] = (qn(dob), qp(name), qn(ni), qp(addr), qc(cc),
                                                       qn(upd) if has_upd else "", start_q[hs % n_start])
                        qe = str(10000000 + (p * 7777777 + emp_off) % 90000000)
                        if quote_all:
                            qe = '"' + qe + '"'
                        buf_append(pool_fmt[ti] % mk(qe, qe, prim_y, t[6], t[0], t[1], t[2], t[3], t[4], empty,
                                                     t[5]))
                        n_out_written += 1
                        line += 1
                        record += 1
                        if len(buf) >= 20000:
                            flush()
                        continue
                    oos_counts[kind] = oos_counts.get(kind, 0) + 1
                    n_out_written += 1
                    line += 1
                else:
                    # ---- planted reject
                    spec = rj[rji]
                    rji += 1
                    text, d = self.reject_text(spec, rows, pq, in_values, order, q, qn, delim)
                    buf_append(text)
                    d["line"] = line + 1
                    d["record"] = record + 1
                    plan_rejects.append(d)
                    line += 1 + text.count("\n")
                record += 1
                if len(buf) >= 20000:
                    flush()
            for ti, n in enumerate(pool_used):
                if n:
                    oos_counts[pool[ti][1]] = oos_counts.get(pool[ti][1], 0) + n
                    oos_add(org, *pool_meta[org][ti], n=n)
            # duplicates of rows of this block, at the end of the block
            for ri, vals in pending_dups:
                spec = dup_of[ri]
                v = list(vals)
                if spec["subtype"] == "changed":
                    r = rows[ri]
                    v[10] = qn(self.fte_text(60000 if r[2] != 60000 else 80000, fte_style))
                    v[20] = q("Updated record")
                text = join([v[i] for i in order])
                buf_append(text)
                plan_rejects.append(dict(line=line + 1, record=record + 1, reason="duplicate_assignment",
                                         subtype=spec["subtype"], raw_contains=[rows[ri][11]],
                                         assignment_number=rows[ri][11]))
                line += 1 + text.count("\n")
                record += 1
        if buf:
            flush()
        qout.put(None)
        th.join()
        if sink is not raw:
            sink.close()
        raw.close()
        if werr:
            raise werr[0]
        stats.update(sha256=raw.sha.hexdigest(), bytes=raw.n)
        stats.update(rows_total=record, physical_lines=line, out_written=n_out_written,
                     next_person=p_next, out_first_person=next_pid)
        return stats

    def reject_text(self, spec, rows, pq, in_values, order, q, qn, delim):
        rng = self.rng
        tr = rows[spec["template"]]
        p = spec["person"]
        pf = pq(p)
        e = pf[0].strip('"')
        r = list(tr)
        r[10] = spec["org"]
        r[12] = "Y"
        reason, sub = spec["reason"], spec["subtype"]
        fte_txt = None
        if reason == "fte_not_a_number":
            fte_txt = sub
        elif reason == "fte_negative":
            fte_txt = "-0.4"
        vals = in_values(r, pf, e, fte_txt=fte_txt)
        if reason == "fte_not_a_number":
            vals[10] = q(sub)
        if reason == "no_code_or_title":
            vals[4] = qn("")
            vals[5] = qn("")
        fields = [vals[i] for i in order]
        ncols = len(order)
        contains = []
        if reason == "torn_row":
            if sub == "truncated":
                k = ncols // 2 + int(rng.random() * (ncols // 2 - 1))
                fields = fields[:k]
            else:
                fields = fields + ([""] * (1 + int(rng.random() * 2)))
            # nothing required in raw: a tool may withhold a torn row (its PII columns cannot be located)
        else:
            contains.append(e)
            if reason.startswith("fte"):
                contains.append(fte_txt)
        return delim.join(fields), dict(reason=reason, subtype=sub, raw_contains=contains, assignment_number=e,
                                        fields=len(fields), person=p)

    # ---- plan -------------------------------------------------------------
    def make_plan(self, fmt, rows, strata, sources, persons, plan_rejects, ws, oos_counts, multi,
                  pii_rejected, n_out):
        a = self.args
        n_in = len(rows)
        n_rej = len(plan_rejects)
        # record ordinals for rejects are not tracked for non-dups; derive from line order
        plan_rejects.sort(key=lambda d: d["line"])

        # base aggregates per (stratum, org); modes combine them (set unions run in C)
        base = {}
        for r in rows:
            k = (r[1], r[10])
            bb = base.get(k)
            if bb is None:
                bb = base[k] = [0, set(), 0]
            bb[0] += r[2]
            bb[1].add(r[0])
            bb[2] += 1

        def agg(mode):
            cells, orgs, byprof, byrole = {}, {}, {}, {}
            tot = [0, set(), 0]

            def acc(d, key, bb):
                x = d.get(key)
                if x is None:
                    x = d[key] = [0, set(), 0]
                x[0] += bb[0]
                x[1] |= bb[1]
                x[2] += bb[2]

            for (si, org), bb in base.items():
                st = strata[si]
                prof = st["ev_profession"] if mode == "evidence" else st["profession"]
                key = (prof, st["role"])
                oc = self.orgs[org]["ods_code"]
                acc(cells, key, bb)
                o = orgs.setdefault(oc, [{}, [0, set(), 0]])
                acc(o[0], key, bb)
                acc({"t": o[1]}, "t", bb)
                acc(byprof, prof, bb)
                acc(byrole, st["role"], bb)
                acc({"t": tot}, "t", bb)

            def cl(d):
                return [dict(profession=k[0], support_role=k[1], fte=fmt_units(v[0]), headcount=len(v[1]),
                             rows=v[2]) for k, v in sorted(d.items())]

            def one(v):
                return dict(fte=fmt_units(v[0]), headcount=len(v[1]), rows=v[2])
            rc_rows = rc_u = 0
            if mode == "evidence":
                for (si, org), bb in base.items():
                    if strata[si]["ev_profession"] != strata[si]["profession"]:
                        rc_rows += bb[2]
                        rc_u += bb[0]
            return dict(
                cells=cl(cells),
                by_profession={k: one(v) for k, v in sorted(byprof.items())},
                by_role={k: one(v) for k, v in sorted(byrole.items())},
                total=one(tot),
                orgs={k: dict(total=one(v[1]), cells=cl(v[0])) for k, v in sorted(orgs.items())},
                profession_from_evidence=dict(rows=rc_rows, fte=fmt_units(rc_u)),
            )

        # source tables: planted FTE per source cell
        st_units = {}
        for st in strata:
            if st["source"] is not None:
                st_units[id(st["source"])] = st
        # pieces sum == units per stratum (by construction); verify
        su = {}
        for r in rows:
            su[r[1]] = su.get(r[1], 0) + r[2]
        for si, st in enumerate(strata):
            assert su.get(si, 0) == st["units"], "split mismatch"
        src_out = []
        for src in sources:
            d = {k: v for k, v in src.items()}
            st = st_units.get(id(src))
            if st is not None:
                d["planted_fte"] = fmt_units(st["units"])
            d.setdefault("planted_fte", fmt_units(0))
            src_out.append(d)
        tables = {}
        for d in src_out:
            t = tables.setdefault(d["table"], dict(source_total=0, planted_units=0))
            t["source_total"] += int(d["source_fte"] or 0)
            t["planted_units"] += int(Decimal(d["planted_fte"]) * UNIT)
        t2_rows = {}
        for d in src_out:
            if d["table"] == "2":
                t = t2_rows.setdefault(d["row"], [0, 0])
                t[0] += int(d["source_fte"] or 0)
                t[1] += int(Decimal(d["planted_fte"]) * UNIT)
        printed = {r["profession"]: r["total"] for r in self.ref["t2"]}
        t4_roles = {}
        for d in src_out:
            if d["table"] == "4":
                t = t4_roles.setdefault(d["support_role"], [0, 0, []])
                t[0] += int(d["source_fte"] or 0)
                t[1] += int(Decimal(d["planted_fte"]) * UNIT)
                t[2].append(d["codes"][0])
        source_tables = dict(
            cells=src_out,
            table_totals={k: dict(source_fte=str(v["source_total"]), planted_fte=fmt_units(v["planted_units"]))
                          for k, v in sorted(tables.items())},
            table2_printed_grand_total=printed.get("Total (FTE)", ""),
            table2_row_totals={k: dict(cells_sum=str(v[0]), printed_total=printed.get(k, ""),
                                       planted_fte=fmt_units(v[1])) for k, v in t2_rows.items()},
            table4_by_role={k: dict(profession=AMB, source_fte=str(v[0]), planted_fte=fmt_units(v[1]),
                                    codes=v[2]) for k, v in t4_roles.items()},
        )

        # by code, band, area, titles
        by_code = {}
        bands = {}
        area = {}
        blank_rows = 0
        blank_u = 0
        titles = {}
        for r in rows:
            c = by_code.setdefault(r[3], [0, 0])
            c[0] += r[2]
            c[1] += 1
            bk = band_key(r[6])
            bands[bk] = bands.get(bk, 0) + r[2]
            if r[5] == "":
                blank_rows += 1
                blank_u += r[2]
            else:
                area[r[5]] = area.get(r[5], 0) + r[2]
            titles[r[4]] = titles.get(r[4], 0) + 1

        # PII: every PII tuple any written row can carry (PII repeats only beyond PII_POOL persons)
        all_persons = set(r[0] for r in rows)
        n_out_persons = ws["next_person"] - ws["out_first_person"]
        total_persons = len(all_persons) + len(pii_rejected) + n_out_persons
        idx = set(p % PII_POOL for p in all_persons)
        idx.update(p % PII_POOL for p in pii_rejected)
        if n_out_persons >= PII_POOL:
            idx = set(range(PII_POOL))
        else:
            idx.update(p % PII_POOL for p in range(ws["out_first_person"], ws["next_person"]))
        names, nis, dobs, addrs = set(), set(), set(), set()
        person = self.person
        for k in idx:
            _, n_, ni_, d_, a_ = person(k)[:5]
            names.add(n_)
            nis.add(ni_)
            dobs.add(d_)
            addrs.add(a_)
        complete = True
        listed = idx

        rej_by_reason = {}
        for rj in plan_rejects:
            rej_by_reason[rj["reason"]] = rej_by_reason.get(rj["reason"], 0) + 1
            rj.pop("person", None)

        n_out_total = ws["out_written"]
        cell_keys = sorted(set((strata[r[1]]["profession"], strata[r[1]]["role"]) for r in rows) |
                           set((strata[r[1]]["ev_profession"], strata[r[1]]["role"]) for r in rows))
        ck_index = {k: i for i, k in enumerate(cell_keys)}
        assignments = []
        for r in sorted(rows, key=lambda r: r[11]):
            st = strata[r[1]]
            assignments.append([r[11], r[11].split("-")[0], self.orgs[r[10]]["ods_code"], r[3], fmt_units(r[2]),
                                ck_index[(st["profession"], st["role"])],
                                ck_index[(st["ev_profession"], st["role"])],
                                1 if r[5] == "" else 0])

        out_path = a.out
        plan = dict(
            plan_version=PLAN_VERSION,
            generator="tests/gen/gen_export.py",
            args=dict(seed=a.seed, scale=a.scale, rows=a.rows, orgs=a.orgs, encoding=a.encoding, gzip=a.gzip),
            scale=self.scale,
            file=dict(name=os.path.basename(out_path), bytes=ws["bytes"], sha256=ws["sha256"],
                      gzip=bool(a.gzip), encoding=fmt["encoding"], line_ending="CRLF",
                      delimiter="tab" if fmt["delimiter"] == "\t" else "comma", quote_all=fmt["quote_all"],
                      fte_style=fmt["fte_style"], header_style=fmt["header_style"]),
            header=fmt["header"],
            columns={h_: c for h_, c in zip(fmt["header"], fmt["cols"])},
            pii_columns=[h_ for h_, c in zip(fmt["header"], fmt["cols"]) if c.startswith("pii_")
                         or c == "date_of_birth"],
            unknown_columns=[h_ for h_, c in zip(fmt["header"], fmt["cols"]) if c.startswith(("pii_", "x_"))],
            line_numbering="physical line in the (decompressed) file, 1-based, header is line 1; "
                           "a quoted multi-line record is one row and is numbered by its first line",
            rows_total=ws["rows_total"],
            physical_lines=ws["physical_lines"],
            multiline_rows=ws["multiline_rows"],
            multiline_first_line=ws["multiline_first_line"],
            counts=dict(rows_read=ws["rows_total"], in_scope=n_in, out_of_scope=n_out_total, rejected=n_rej),
            out_of_scope_by_kind=dict(sorted(oos_counts.items())),
            out_of_scope_by_code={"%s %s" % (self.orgs[o]["ods_code"], c): dict(rows=v[0], fte=fmt_units(v[1]))
                                  for (o, c), v in sorted(self.oos_by_code.items())},
            national=national_truth(self.ref, self.oos_by_code, self.orgs),
            rejects=dict(by_reason=dict(sorted(rej_by_reason.items())), reason_keywords=REJECT_KEYWORDS,
                         rows=plan_rejects),
            orgs=[dict(org_code=o["ods_code"], org_name=o["name"], trust_type=o["trust_type"],
                       region=o["region"], ambulance=o["ambulance"]) for o in self.orgs],
            expected={"code-only": agg("code-only"), "evidence": agg("evidence")},
            source_tables=source_tables,
            by_occupation_code={k: dict(fte=fmt_units(v[0]), rows=v[1]) for k, v in sorted(by_code.items())},
            bands={k: fmt_units(v) for k, v in sorted(bands.items())},
            area_of_work=dict(blank_rows=blank_rows, blank_fte=fmt_units(blank_u),
                              filled_fte=fmt_units(sum(area.values())),
                              by_area={k: fmt_units(v) for k, v in sorted(area.items())}),
            titles_special={t: n for t, n in sorted(titles.items()) if any(ord(ch) > 127 for ch in t)},
            multi_assignment=multi,
            cell_keys=[list(k) for k in cell_keys],
            in_scope_assignments_columns=["assignment_number", "employee_number", "org_code", "occupation_code",
                                          "fte", "cell_code_only", "cell_evidence", "area_blank"],
            in_scope_assignments=assignments,
            pii=dict(complete=complete, persons_total=total_persons, persons_listed=len(listed),
                     names=sorted(names), ni_numbers=sorted(nis), dates_of_birth=sorted(dobs),
                     addresses=sorted(addrs)),
        )
        return plan


def write_plan(plan, f):
    """Readable JSON, but long lists one compact element per line."""
    def dump(v, ind):
        if isinstance(v, list) and len(v) > 50:
            pad = " " * (ind + 1)
            if isinstance(v[0], str):
                body = json.dumps(v, ensure_ascii=False)[1:-1]
                if body.count('", "') == len(v) - 1:     # no element contains '", "'
                    return "[\n" + pad + body.replace('", "', '",\n' + pad + '"') + "\n" + " " * ind + "]"
            elif isinstance(v[0], list):
                body = json.dumps(v, ensure_ascii=False, separators=(",", ":"))[1:-1]
                if body.count("],[") == len(v) - 1:     # no element contains '],['
                    return "[\n" + pad + body.replace("],[", "],\n" + pad + "[") + "\n" + " " * ind + "]"
            return "[\n" + ",\n".join(pad + json.dumps(e, ensure_ascii=False, separators=(",", ":"))
                                       for e in v) + "\n" + " " * ind + "]"
        if isinstance(v, dict) and any(isinstance(x, (list, dict)) for x in v.values()):
            pad = " " * (ind + 1)
            return "{\n" + ",\n".join(pad + json.dumps(k, ensure_ascii=False) + ": " + dump(x, ind + 1)
                                       for k, x in v.items()) + "\n" + " " * ind + "}"
        return json.dumps(v, ensure_ascii=False, separators=(", ", ": "))
    f.write(dump(plan, 0))
    f.write("\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="export file to write")
    ap.add_argument("--plan", help="plan JSON to write (default: OUT.plan.json)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every planted FTE cell (default 1)")
    ap.add_argument("--rows", type=int, default=None, help="target about N total rows (overrides --scale)")
    ap.add_argument("--gzip", action="store_true", help="gzip the output whatever its name")
    ap.add_argument("--encoding", default="cp1252", choices=["cp1252", "utf-8", "utf-8-sig", "utf-16"],
                    help="cp1252 (default), utf-8, utf-8-sig (BOM) or utf-16 (LE+BOM, tab-separated)")
    ap.add_argument("--orgs", type=int, default=12, help="number of trusts (default 12)")
    args = ap.parse_args(argv)
    if args.rows is not None and args.rows < 20:
        ap.error("--rows must be at least 20")
    ref = load_reference()
    phase("start")
    g = Gen(args, ref)
    plan = g.run()
    phase("make plan")
    plan_path = args.plan or (args.out + ".plan.json")
    tmp = plan_path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        write_plan(plan, f)
    os.replace(tmp, plan_path)
    phase("write plan")
    c = plan["counts"]
    sys.stderr.write("gen_export: %s: %d rows (%d in scope, %d out of scope, %d rejected), scale %s; plan %s\n"
                     % (args.out, c["rows_read"], c["in_scope"], c["out_of_scope"], c["rejected"], plan["scale"],
                        plan_path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
