#!/usr/bin/env python3
"""Deterministic generator of messy local job titles with their truth.

Builds an ESR-style staff-in-post export whose only classification evidence
is the free-text job title (and, for some rows, the area of work): there is
NO occupation-code column, as in exports from systems other than ESR.  The
titles start from the 23 titles of the source report's Figure 2
(tests/data/seed_tables/figure2_job_titles.csv) and the support titles in
real use for every allied health profession plus operating department
practice / theatres and ambulance support, then get the damage real exports
show: case, abbreviations (physio, OT, SLT/SALT/S&LT, asst, snr, HCA, HCSW,
AP, TAP, rehab, tech, radiog, dept...), band suffixes ("- Band 3", "(B4)",
"Band 4", "AfC Band 3"), bracketed and unbracketed settings ("(Community)",
"(Inpatients)", "MSK"), en dashes, "Senior", reversed word order
("Assistant, Physiotherapy"), stray spaces and full stops, and one-letter
typos in one long word.

Truth per assignment: the profession the post supports, or none where the
title genuinely does not imply one ("Healthcare Assistant", "Rehabilitation
Assistant", "Support worker in intermediate care"...): for those the right
answer is no profession, and a guess is a wrong answer.  A row whose area of
work names a profession takes its truth from the area (truth_source=area).

    python3 tests/gen/gen_titles.py --out DIR [--rows N] [--seed N]

writes DIR/titles_2026-03-31.csv (Windows-1252, CRLF, like an ESR BI
extract) and DIR/titles_truth.csv (UTF-8) keyed by assignment number.
Same arguments => byte-identical files.  Python 3 standard library only.
"""
import argparse
import csv
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "data"))
EXPORT_NAME = "titles_2026-03-31.csv"
TRUTH_NAME = "titles_truth.csv"
EN = "\u2013"  # en dash (Windows-1252 0x96)

PHYS, OT, SLT = "Physiotherapy", "Occupational therapy", "Speech and language therapy"
DIET, POD, ORTH = "Dietetics", "Chiropody/podiatry", "Orthoptics"
RADD, RADT = "Radiography (diagnostic)", "Radiography (therapeutic)"
AMD, PO, OST = "Art/music/drama therapy", "Prosthetics and orthotics", "Osteopathy"
ODP, AMB = "Operating department practice", "Paramedic/ambulance"
HCS, OSTT = "Healthcare science", "Other scientific therapeutic and technical"
NONE = ""
NUR = "Nursing and midwifery"

AS, SW, AP, TAP = "Assistant", "Support worker", "Assistant practitioner", "Trainee assistant practitioner"
HCA, STU = "Healthcare assistant", "Trainee/student"

# Figure 2 gives titles and, where the title implies one, the profession.
# Support roles are not in the figure: the role each title names.  Two rows
# need a word: the figure prints row 16 as "Rehabilitation Assistant
# (abbreviated to rehab assistant)" (both forms are generated), and row 23
# "Technical instructor" has no profession in the title column (OT and
# physiotherapy both employ them; once mapped to OT, now left unapplied), but the
# figure's sources (002 L211, 003 L171) give it as an occupational therapy
# support title, which is how job_titles.csv maps it.
FIG2_ROLE = {
    "Assistant practitioner": AP, "Trainee Assistant practitioner": TAP,
    "Clinical support worker": SW, "Clinical imaging assistant": AS,
    "Senior clinical imaging assistant": AS, "Exercise instructor": "",
    "Healthcare assistant": HCA, "Healthcare support worker": SW, "Housekeeper": "",
    "Occupational therapy assistant": AS, "Occupational therapy technician": AS,
    "Occupational therapy (OT) support worker": SW, "Orthoptic assistant": AS,
    "Physiotherapy support worker": SW, "Physiotherapy assistant": AS,
    "Rehabilitation Assistant": AS, "Support assistant": SW, "Senior support assistant": SW,
    "Speech and language therapy assistant": AS, "Senior speech and language therapy assistant": AS,
    "Support worker in intermediate care": SW, "Technical advisor": "", "Technical instructor": AS,
}
# A generic healthcare assistant or support worker is nursing support, as
# national statistics file H1A/H2A (issue 13).
FIG2_OVERRIDE = {"Healthcare assistant": NUR, "Healthcare support worker": NUR,
                 "Clinical support worker": NUR}

# Real-world support titles beyond Figure 2: (profession part, role part,
# profession, support role, weight).  The title is "<prof part> <role
# part>"; an empty profession part makes a fixed title.
CATALOGUE = [
    # physiotherapy
    ("Physiotherapy", "Assistant", PHYS, AS, 10),
    ("Physiotherapy", "Support Worker", PHYS, SW, 6),
    ("Physiotherapy", "Technician", PHYS, AS, 2),
    ("Physiotherapy", "Helper", PHYS, AS, 1),
    ("Physiotherapy", "Technical Instructor", PHYS, AS, 1),
    ("Physiotherapy", "Assistant Practitioner", PHYS, AP, 3),
    ("Physiotherapy", "Rehabilitation Assistant", PHYS, AS, 1),
    ("Physiotherapy", "Healthcare Assistant", PHYS, HCA, 1),
    ("Trainee Physiotherapy", "Assistant Practitioner", PHYS, TAP, 1),
    # occupational therapy
    ("Occupational Therapy", "Assistant", OT, AS, 8),
    ("Occupational Therapy", "Support Worker", OT, SW, 5),
    ("Occupational Therapy", "Technician", OT, AS, 3),
    ("Occupational Therapy", "Technical Instructor", OT, AS, 1),
    ("", "Technical Instructor", NONE, AS, 2),
    ("Occupational Therapy", "Assistant Practitioner", OT, AP, 3),
    ("", "Assistant Occupational Therapist", OT, AS, 1),
    ("Trainee Occupational Therapy", "Assistant Practitioner", OT, TAP, 1),
    # speech and language therapy
    ("Speech and Language Therapy", "Assistant", SLT, AS, 5),
    ("Speech and Language Therapy", "Support Worker", SLT, SW, 2),
    ("Speech and Language Therapy", "Assistant Practitioner", SLT, AP, 1),
    ("Speech Therapy", "Assistant", SLT, AS, 1),
    ("", "Assistant Speech and Language Therapist", SLT, AS, 1),
    # dietetics
    ("Dietetic", "Assistant", DIET, AS, 3),
    ("Dietetic", "Support Worker", DIET, SW, 1),
    ("Dietetic", "Assistant Practitioner", DIET, AP, 1),
    ("Nutrition and Dietetic", "Assistant", DIET, AS, 1),
    ("Dietetics", "Assistant", DIET, AS, 1),
    # podiatry
    ("Podiatry", "Assistant", POD, AS, 3),
    ("Podiatry", "Support Worker", POD, SW, 1),
    ("Podiatry", "Assistant Practitioner", POD, AP, 1),
    ("Foot Care", "Assistant", POD, AS, 1),
    ("Chiropody", "Assistant", POD, AS, 1),
    # orthoptics
    ("Orthoptic", "Support Worker", ORTH, SW, 1),
    ("Orthoptics", "Assistant", ORTH, AS, 1),
    # diagnostic radiography / imaging
    ("Radiography", "Assistant", RADD, AS, 2),
    ("Radiology", "Assistant", RADD, AS, 2),
    ("Imaging", "Assistant", RADD, AS, 2),
    ("Imaging", "Support Worker", RADD, SW, 1),
    ("X-Ray", "Assistant", RADD, AS, 1),
    ("Radiographic", "Assistant", RADD, AS, 1),
    ("Radiographer's", "Assistant", RADD, AS, 1),
    ("Radiography", "Assistant Practitioner", RADD, AP, 2),
    ("Mammography", "Assistant Practitioner", RADD, AP, 1),
    ("MRI", "Assistant", RADD, AS, 1),
    ("Trainee Radiography", "Assistant Practitioner", RADD, TAP, 1),
    ("Radiology", "Healthcare Assistant", RADD, HCA, 1),
    # therapeutic radiography
    ("Radiotherapy", "Assistant", RADT, AS, 2),
    ("Radiotherapy", "Support Worker", RADT, SW, 1),
    ("Radiotherapy", "Assistant Practitioner", RADT, AP, 1),
    ("Therapeutic Radiography", "Assistant", RADT, AS, 1),
    # arts therapies
    ("Art Therapy", "Assistant", AMD, AS, 1),
    ("Music Therapy", "Assistant", AMD, AS, 1),
    ("Drama Therapy", "Assistant", AMD, AS, 1),
    ("Arts Therapies", "Support Worker", AMD, SW, 1),
    # prosthetics and orthotics
    ("Orthotic", "Assistant", PO, AS, 1),
    ("Orthotics", "Technician", PO, AS, 1),
    ("Prosthetic", "Assistant", PO, AS, 1),
    ("Prosthetics", "Support Worker", PO, SW, 1),
    # osteopathy
    ("Osteopathy", "Assistant", OST, AS, 1),
    # operating department practice / theatres
    ("Theatre", "Support Worker", ODP, SW, 6),
    ("Theatre", "Assistant", ODP, AS, 2),
    ("Theatre", "Healthcare Assistant", ODP, HCA, 2),
    ("Theatre", "Support Assistant", ODP, SW, 1),
    ("Anaesthetic", "Assistant", ODP, AS, 1),
    ("Anaesthetic", "Support Worker", ODP, SW, 1),
    ("Operating Department", "Assistant", ODP, AS, 2),
    ("Perioperative", "Support Worker", ODP, SW, 1),
    ("", "Assistant Theatre Practitioner", ODP, AP, 2),
    ("Theatre", "Assistant Practitioner", ODP, AP, 1),
    ("", "Student Operating Department Practitioner", ODP, STU, 1),
    # ambulance support
    ("", "Emergency Care Assistant", AMB, "Emergency/urgent care support worker", 2),
    ("", "Emergency Care Support Worker", AMB, "Emergency/urgent care support worker", 1),
    ("", "Ambulance Care Assistant", AMB, "Ambulance care assistant", 2),
    ("", "Associate Ambulance Practitioner", AMB, "Ambulance technician/associate practitioner", 1),
    ("", "Ambulance Technician", AMB, "Ambulance technician/associate practitioner", 1),
    ("", "Emergency Medical Technician", AMB, "Ambulance technician/associate practitioner", 1),
    ("", "Patient Transport Service Driver", AMB, "Ambulance care assistant", 1),
    ("", "Trainee Ambulance Technician", AMB, "Trainee ambulance technician", 1),
    # the profession is genuinely not implied
    # a generic healthcare assistant or support worker: nursing support, as
    # national statistics file H1A/H2A (issue 13)
    ("", "Healthcare Assistant", NUR, HCA, 6),
    ("", "Health Care Assistant", NUR, HCA, 2),
    ("", "Healthcare Support Worker", NUR, SW, 5),
    ("", "Clinical Support Worker", NUR, SW, 3),
    ("", "Rehabilitation Assistant", NONE, AS, 3),
    ("", "Rehab Support Worker", NONE, SW, 1),
    ("", "Therapy Assistant", NONE, AS, 4),
    ("", "Therapies Assistant", NONE, AS, 1),
    ("", "Generic Therapy Assistant", NONE, AS, 1),
    ("", "Therapy Support Worker", NONE, SW, 2),
    ("", "Intermediate Care Support Worker", NONE, SW, 1),
    ("", "Support Worker in Intermediate Care", NONE, SW, 1),
    ("", "Reablement Support Worker", NONE, SW, 1),
    ("", "Assistant Practitioner", NONE, AP, 3),
    ("", "Trainee Assistant Practitioner", NONE, TAP, 1),
    ("", "Support Worker", NONE, SW, 2),
    ("", "Support Assistant", NONE, SW, 1),
    ("", "Senior Healthcare Assistant", NUR, HCA, 1),
    ("", "Care Assistant", NONE, HCA, 1),
    ("", "Exercise Instructor", NONE, "", 1),
    ("", "Housekeeper", NONE, "", 1),
    ("", "Technical Advisor", NONE, "", 1),
    # two professions: no one profession is implied
    ("", "Physio/OT Assistant", NONE, AS, 1),
    ("", "Therapy Assistant (Physiotherapy & Occupational Therapy)", NONE, AS, 1),
    # support to professions other than the AHPs: never to be read as an
    # AHP ("Audiology" is one letter-pair from "Radiology")
    ("", "Audiology Assistant", HCS, AS, 1),
    ("", "Cardiac Physiology Assistant", HCS, AS, 1),
    ("", "Pharmacy Assistant", OSTT, AS, 1),
    ("", "Assistant Psychologist", OSTT, AS, 1),
]

# Areas of work (mappings/areas_of_work.csv values) naming each profession.
PROF_AREAS = {
    PHYS: ["Physiotherapy"], OT: ["Occupational Therapy"], SLT: ["Speech and Language Therapy"],
    DIET: ["Dietetics"], POD: ["Podiatry"], ORTH: ["Orthoptics"],
    RADD: ["Radiology", "Diagnostic Radiography"], RADT: ["Radiotherapy", "Therapeutic Radiography"],
    AMD: ["Art Therapy", "Music Therapy"], PO: ["Prosthetics", "Orthotics"], OST: ["Osteopathy"],
    ODP: ["Operating Theatres", "Theatres", "Anaesthetics"],
    AMB: ["Ambulance Services", "Patient Transport Service"],
}
# Areas naming no profession.
NEUTRAL_AREAS = ["Community Health Services", "Rehabilitation", "Intermediate Care", "Therapies",
                 "Stroke", "Orthopaedics", "Elderly Care", "Outpatients", "Community Therapy",
                 "Trauma and Orthopaedics", "Neurology", "Respiratory Medicine", "Paediatrics"]
# Generic titles that can sit in a profession's area (the area then decides).
AREA_PROFESSIONS = [PHYS, OT, SLT, DIET, POD, RADD, ODP]

BRACKETS = ["(Community)", "(Inpatients)", "(Outpatients)", "(Acute)", "(Stroke)", "(MSK)",
            "(Neuro)", "(Paediatrics)", "(Rotational)", "(Fixed Term)", "(Bank)", "(Days)",
            "(Elderly Care)", "[Community]", "(Nights)", "(Secondment)"]
# Unbracketed settings and specialties by family (none on ambulance titles).
THERAPY_SETTINGS = ["Community", "Inpatient", "Outpatient", "Acute", "Neuro", "Neurology", "Stroke",
                    "Paediatric", "Children's", "Adult", "Older People's", "Hospital"]
SETTINGS = {
    "physio": THERAPY_SETTINGS + ["MSK", "Musculoskeletal", "Orthopaedic", "Respiratory", "Cardiac", "Falls"],
    "ot": THERAPY_SETTINGS + ["Mental Health", "Falls", "Learning Disabilities"],
    "slt": ["Community", "Inpatient", "Acute", "Stroke", "Paediatric", "Children's", "Adult", "Neuro",
            "Learning Disabilities"],
    "other_ahp": ["Community", "Acute", "Paediatric", "Children's", "Hospital"],
    "imaging": ["Main", "Paediatric", "Outpatient", "Breast"],
    "theatre": ["Main", "Day Surgery", "Cardiac", "Orthopaedic", "Paediatric"],
    "none": ["Community", "Inpatient", "Acute", "Stroke", "Neuro", "Older People's", "Hospital",
             "Mental Health", "Adult", "Children's"],
    "ambulance": [],
    "non_ahp": ["Community", "Acute", "Paediatric", "Hospital"],
}
SETTINGS_ALL = sorted({s for v in SETTINGS.values() for s in v})
# Real qualifiers the mapping tables are not expected to know: they keep the
# measurement honest (an unknown word costs confidence, so these titles go
# to review unless the tables learn the word as a fact).
HELD_OUT = ["Hand Therapy", "Lymphoedema", "Vestibular", "Hydrotherapy", "Amputee", "Pelvic Health",
            "Oncology", "Renal", "Frailty", "Fracture Clinic", "Bariatric", "Spinal Injuries",
            "Rheumatology", "Vascular", "Burns and Plastics", "Virtual Ward", "Discharge to Assess"]

# Abbreviations: (pattern on the title, replacements seen in real exports).
# Applied to at most two places per title.
ABBREV = [
    (r"\bPhysiotherapy\b", ["Physio", "Physio", "PHYSIO", "Physiotherapist"]),
    (r"\bOccupational Therapy\b", ["OT", "OT", "O.T.", "Occ Therapy", "Occupational Therapist", "OT's"]),
    (r"\bOccupational Therapist\b", ["OT"]),
    (r"\bSpeech and Language Therapy\b", ["SLT", "SALT", "S&LT", "Speech & Language Therapy",
                                          "Speech and Language Therapist", "SLT"]),
    (r"\bSpeech and Language Therapist\b", ["SLT", "SALT"]),
    (r"\bSpeech Therapy\b", ["Speech Therapist"]),
    (r"\bAssistant Practitioner\b", ["AP", "Asst Practitioner", "Assistant Pract", "Asst. Practitioner"]),
    (r"\bTrainee Assistant Practitioner\b", ["TAP", "Trainee AP"]),
    (r"\bHealthcare Assistant\b", ["HCA", "HCA", "Health Care Assistant", "Health Care Asst"]),
    (r"\bHealthcare Support Worker\b", ["HCSW", "HCSW", "Health Care Support Worker", "HSW"]),
    (r"\bClinical Support Worker\b", ["CSW"]),
    (r"\bAssistant\b", ["Asst", "Asst.", "Assist", "Assistant"]),
    (r"\bSenior\b", ["Snr", "Snr."]),
    (r"\bRehabilitation\b", ["Rehab", "Rehab"]),
    (r"\bTechnician\b", ["Tech", "Tech."]),
    (r"\bRadiography\b", ["Radiog", "Radiographer", "Radiographic"]),
    (r"\bDepartment\b", ["Dept", "Dept."]),
    (r"\bOperating Department Assistant\b", ["ODA", "Operating Dept Assistant"]),
    (r"\bOperating Department Practitioner\b", ["ODP"]),
    (r"\bTheatre\b(?= (Support|Assistant|Healthcare))", ["Theatres"]),
    (r"\bDietetic\b", ["Dietetics", "Dietitian", "Dietician"]),
    (r"\bOrthoptic\b", ["Orthoptics", "Orthoptist"]),
    (r"\bPodiatry\b", ["Podiatrist", "Podiatric"]),
    (r"\bX-Ray\b", ["Xray", "X Ray"]),
    (r"\bTherapies\b", ["Therapy"]),
    (r"\bEmergency Care Assistant\b", ["ECA"]),
    (r"\bAssociate Ambulance Practitioner\b", ["AAP"]),
    (r"\bPatient Transport Service\b", ["PTS"]),
    (r"\bSupport Worker\b", ["Support Wkr", "Support Worker"]),
]

ROLE_WORDS = ("Assistant Practitioner", "Support Worker", "Support Assistant", "Healthcare Assistant",
              "Technical Instructor", "Rehabilitation Assistant", "Assistant", "Technician", "Helper")


def read_figure2():
    with open(os.path.join(DATA, "seed_tables", "figure2_job_titles.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if len(rows) != 23:
        sys.exit("gen_titles: figure2_job_titles.csv should hold 23 titles, found %d" % len(rows))
    out = []
    for r in rows:
        title = re.sub(r"\s*\(abbreviated to [^)]*\)", "", r["job_title"]).strip()
        if title not in FIG2_ROLE:
            sys.exit("gen_titles: figure 2 title %r has no role in FIG2_ROLE" % title)
        prof = FIG2_OVERRIDE.get(title, r["profession_implied_by_title"])
        out.append(("", title, prof, FIG2_ROLE[title], 2, "figure2"))
        out.append(("", smart_title(title), prof, FIG2_ROLE[title], 2, "figure2"))
        if title == "Rehabilitation Assistant":
            out.append(("", "Rehab Assistant", prof, FIG2_ROLE[title], 2, "figure2"))
    return out


def smart_title(s):
    """'Support worker in intermediate care' -> 'Support Worker in Intermediate Care'."""
    small = {"and", "in", "of", "for", "to", "the"}
    return " ".join(w if (w in small or w.isupper() or w.startswith("(")) else w[:1].upper() + w[1:]
                    for w in s.split(" "))


def family(prof):
    return {PHYS: "physio", OT: "ot", SLT: "slt", RADD: "imaging", RADT: "imaging", ODP: "theatre",
            NONE: "none", NUR: "none", AMB: "ambulance", HCS: "non_ahp", OSTT: "non_ahp"}.get(prof, "other_ahp")


def title_case(s):
    return s[:1].upper() + s[1:]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.bases = [(p, r, pr, ro, w, "figure2") for p, r, pr, ro, w, _ in read_figure2()]
        self.bases += [(p, r, pr, ro, w, "catalogue") for p, r, pr, ro, w in CATALOGUE]
        self.weights = [b[4] for b in self.bases]
        words = " ".join([b[0] + " " + b[1] for b in self.bases] +
                         [" ".join(reps) for _, reps in ABBREV] + SETTINGS_ALL + HELD_OUT)
        self.lexicon = set(re.findall(r"[a-z]+", words.lower()))

    def band(self, role, senior):
        if role in (AP,) or role.startswith("Ambulance technician"):
            return "Band 4"
        if role == TAP or role.startswith("Emergency") or role.startswith("Trainee amb"):
            return "Band 3"
        if senior:
            return self.r.choice(["Band 3", "Band 4"])
        return self.r.choice(["Band 2", "Band 3", "Band 3"])

    def typo(self, title):
        words = [m for m in re.finditer(r"[A-Za-z]{8,}", title)]
        if not words:
            return title, ""
        m = self.r.choice(words)
        w = m.group(0)
        i = self.r.randrange(1, len(w) - 1)
        kind = self.r.choice(["swap", "drop", "double", "sub"])
        if kind == "swap":
            nw = w[:i] + w[i + 1] + w[i] + w[i + 2:]
        elif kind == "drop":
            nw = w[:i] + w[i + 1:]
        elif kind == "double":
            nw = w[:i] + w[i] + w[i:]
        else:
            near = {"a": "s", "s": "a", "e": "r", "r": "e", "i": "o", "o": "i", "t": "r", "n": "m",
                    "m": "n", "h": "j", "p": "o", "l": "k", "c": "v", "y": "t", "u": "i", "d": "s"}
            nw = w[:i] + near.get(w[i].lower(), "e") + w[i + 1:]
        if nw.lower() == w.lower() or nw.lower() in self.lexicon:
            return title, ""  # a typo that spells another real word is no typo
        return title[:m.start()] + nw + title[m.end():], "typo:%s>%s" % (w, nw)

    def abbreviate(self, title, notes):
        cands = [(pat, reps) for pat, reps in ABBREV if re.search(pat, title, re.I)]
        self.r.shuffle(cands)
        for pat, reps in cands[:self.r.choice([1, 1, 2])]:
            if not re.search(pat, title, re.I):
                continue
            rep = self.r.choice(reps)
            title = re.sub(pat, lambda _: rep, title, count=1, flags=re.I)
            notes.append("abbrev")
        return title

    def one(self):
        r = self.r
        ppart, rpart, prof, role, _, origin = r.choices(self.bases, self.weights)[0]
        notes = [origin]
        senior = "senior" in rpart.lower()
        # word order and bracketed profession
        if ppart and rpart in ROLE_WORDS and r.random() < 0.12:
            sep = r.choice([", ", " - ", " " + EN + " ", " - ", ": "])
            title = rpart + sep + ppart
            notes.append("order")
        elif ppart and r.random() < 0.03:
            title = "%s (%s)" % (rpart, ppart)
            notes.append("bracket_prof")
        else:
            title = (ppart + " " + rpart).strip()
        # "Senior" on assistant / support worker posts
        if not senior and role in (AS, SW, HCA) and r.random() < 0.12:
            title = "Senior " + title
            senior = True
            notes.append("senior")
        settings = SETTINGS[family(prof)]
        if settings and r.random() < 0.10:
            title = r.choice(settings) + " " + title
            notes.append("setting")
        elif prof != AMB and r.random() < 0.04:
            q = r.choice(HELD_OUT)
            title = q + " " + title if r.random() < 0.6 else title + r.choice([" - ", " " + EN + " "]) + q
            notes.append("held_out")
        if r.random() < 0.45:
            title = self.abbreviate(title, notes)
        band = self.band(role, senior)
        if r.random() < 0.35:
            n = band.split()[1]
            suffix = r.choice([" - Band %s", " " + EN + " Band %s", " (B%s)", " Band %s", " AfC Band %s",
                               " (Band %s)", " - B%s", " B%s"]) % n
            title += suffix
            notes.append("band")
        if r.random() < 0.15:
            title += " " + r.choice(BRACKETS)
            notes.append("bracket")
        if r.random() < 0.08:
            title, t = self.typo(title)
            if t:
                notes.append(t)
        c = r.random()
        if c < 0.12:
            title = title.upper()
            notes.append("upper")
        elif c < 0.20:
            title = title.lower()
            notes.append("lower")
        elif c < 0.32:
            title = title_case(title.lower())
            notes.append("sentence")
        if r.random() < 0.05:
            title = r.choice(["  " + title, title + " ", title.replace(" ", "  ", 1), title + "."])
            notes.append("space")
        # area of work: blank for most rows so the title alone decides
        area, truth, source = "", prof, "title" if prof else "none"
        a = r.random()
        if prof and prof in PROF_AREAS and a < 0.15:
            area = r.choice(PROF_AREAS[prof])
        elif a < 0.10:
            area = r.choice(NEUTRAL_AREAS)
        elif (not prof or prof == NUR) and role and "/" not in rpart and "(" not in rpart and a < 0.18:
            truth = r.choice(AREA_PROFESSIONS)
            area = r.choice(PROF_AREAS[truth])
            source = "area"
        return {"title": title, "profession": truth, "support_role": role, "area": area, "band": band,
                "source": source, "base": (ppart + " " + rpart).strip(), "family": family(truth),
                "notes": " ".join(notes)}


def generate(out_dir, rows, seed):
    g = Gen(seed)
    os.makedirs(out_dir, exist_ok=True)
    export = os.path.join(out_dir, EXPORT_NAME)
    truth = os.path.join(out_dir, TRUTH_NAME)
    r = g.r
    with open(export, "w", newline="", encoding="cp1252") as fe, \
            open(truth, "w", newline="", encoding="utf-8") as ft:
        we = csv.writer(fe, lineterminator="\r\n")
        wt = csv.writer(ft, lineterminator="\n")
        we.writerow(["Employee Number", "Assignment Number", "Organisation Code", "Job Title",
                     "Area of Work", "Pay Band", "Contracted WTE", "Assignment Category"])
        wt.writerow(["assignment_number", "job_title", "profession", "support_role", "truth_source",
                     "family", "base_title", "area_of_work", "variants"])
        emp = 24100000
        for i in range(rows):
            t = g.one()
            emp += r.randint(1, 37)
            asg = "%d-%d" % (emp, 1 if r.random() < 0.9 else 2)
            fte = r.choice(["1", "1", "1", "0.8", "0.6", "0.5", "0.4", "0.93333", "0.53333"])
            cat = r.choice(["Permanent"] * 6 + ["Fixed Term Temp", "Bank"])
            band = t["band"] if r.random() < 0.7 else "AfC " + t["band"]
            we.writerow([emp, asg, "RTH", t["title"], t["area"], band, fte, cat])
            wt.writerow([asg, t["title"], t["profession"], t["support_role"], t["source"], t["family"],
                         t["base"], t["area"], t["notes"]])
    return export, truth


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--rows", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=20260331)
    a = ap.parse_args()
    export, truth = generate(a.out, a.rows, a.seed)
    print("wrote %s and %s (%d rows)" % (export, truth, a.rows))


if __name__ == "__main__":
    main()
