/* classify.c - occupation code, job title, band and area of work to
 * profession supported, support role, career framework level, standard
 * title and scope, each with its lineage. */
#include "classify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "text.h"
#include "title.h"

#define NEAREST_CACHE_MAX 65536 /* unknown areas remembered: memory stays bounded */

typedef struct std_title {
    int role;    /* -1 = any role ('*') */
    int level;   /* 0 = any */
    int trainee; /* 1 = only for trainees */
    const char *pattern;
} std_title;

struct esr_classifier {
    const esr_mappings *m;
    esr_classify_mode mode;
    esr_titler *titler;
    esr_strmap *nearest_area; /* text_key(unknown area) -> area index + 1, 0 = none */
    std_title *std;
    size_t nstd;
    esr_buf key;
};

/* Create a classifier over mappings m. */
esr_classifier *classify_new(const esr_mappings *m, esr_classify_mode mode)
{
    esr_classifier *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->m = m;
    c->mode = mode;
    const esr_table *t = m->t_std;
    int c_role = table_col(t, "support_role"), c_lvl = table_col(t, "level"),
        c_tr = table_col(t, "trainee"), c_pat = table_col(t, "standard_title");
    if (!(c->titler = title_new(m, ESR_TITLE_THRESHOLD_DEFAULT)) ||
        !(c->nearest_area = esr_strmap_new()) || !(c->std = calloc(t->nrows + 1, sizeof *c->std))) {
        classify_free(c);
        return NULL;
    }
    for (size_t i = 0; i < t->nrows; i++) {
        const char *role = table_get(t, i, c_role);
        size_t r = 0;
        std_title *s = &c->std[c->nstd];
        s->role = strcmp(role, "*") && esr_strmap_get(m->role_by_name, role, strlen(role), &r)
                      ? (int)r
                      : -1;
        if (s->role < 0 && strcmp(role, "*"))
            continue; /* unknown role: check-mappings reports it */
        s->level = atoi(table_get(t, i, c_lvl));
        s->trainee = !strcmp(table_get(t, i, c_tr), "yes");
        s->pattern = table_get(t, i, c_pat);
        c->nstd++;
    }
    return c;
}

/* Free the classifier. */
void classify_free(esr_classifier *c)
{
    if (!c)
        return;
    title_free(c->titler);
    esr_strmap_free(c->nearest_area);
    free(c->std);
    esr_buf_free(&c->key);
    free(c);
}

/* Set r's occupation-code state (and occupation) from its occupation code. */
static void classify_code(esr_classifier *c, esr_record *r)
{
    const char *s = r->f[ESR_COL_OCCUPATION_CODE];
    size_t n = strlen(s);
    if (n == 0) {
        r->occ_state = ESR_OCC_MISSING;
        return;
    }
    if (n != 3) {
        r->occ_state = ESR_OCC_MALFORMED;
        return;
    }
    int digits = 0;
    for (size_t i = 0; i < 3; i++) {
        char ch = s[i];
        if (ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 32);
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))) {
            r->occ_state = ESR_OCC_MALFORMED;
            return;
        }
        digits += ch >= '0' && ch <= '9';
        r->occ_code[i] = ch;
    }
    if (digits == 3) { /* three numeric digits: medical and dental */
        r->occ_state = ESR_OCC_MEDICAL;
        return;
    }
    size_t i;
    if (!esr_strmap_get(c->m->occ_by_code, r->occ_code, 3, &i)) {
        r->occ_state = ESR_OCC_UNKNOWN;
        return;
    }
    r->occ = &c->m->occ[i];
    r->occ_state = r->occ->retired ? ESR_OCC_RETIRED : ESR_OCC_VALID;
}

/* Index of s's normalised key in map, or -1 (also when s is empty or on error). */
static int lookup_key(esr_classifier *c, esr_strmap *map, const char *s)
{
    size_t i;
    if (!*s || text_key(s, &c->key))
        return -1;
    return esr_strmap_get(map, c->key.data, c->key.len, &i) ? (int)i : -1;
}

/* The known area of work nearest an unknown one: by edit distance on the
 * matching keys (area_by_key holds area i's key as entry i), within a
 * third of the key's length; cached per value, up to NEAREST_CACHE_MAX. */
static const char *nearest_area(esr_classifier *c, const char *s)
{
    const esr_mappings *m = c->m;
    size_t v;
    if (text_key(s, &c->key) || !c->key.len)
        return "";
    if (esr_strmap_get(c->nearest_area, c->key.data, c->key.len, &v))
        return v ? m->areas[v - 1] : "";
    int best = -1, bd = (int)c->key.len / 3 + 1;
    for (size_t i = 0; i < m->nareas; i++) {
        const char *known = esr_strmap_key(m->area_by_key, i, NULL);
        int d = text_distance(c->key.data, known, bd - 1);
        /* an abbreviation ("Physio Dept") is a prefix of the full name */
        if (d >= bd && c->key.len >= 5 && !strncmp(known, c->key.data, 5))
            d = bd - 1;
        if (d < bd) {
            bd = d;
            best = (int)i;
        }
    }
    if (esr_strmap_count(c->nearest_area) < NEAREST_CACHE_MAX)
        esr_strmap_put(c->nearest_area, c->key.data, c->key.len, (size_t)(best + 1), NULL);
    return best >= 0 ? m->areas[best] : "";
}

/* Career framework level from the role's range and the band: band 2 -> 2,
 * 3 -> 3, 4 -> 4, clamped into the role's range; a "senior" title with no
 * band reads as level 3; otherwise unknown. */
static int level_of(const esr_role *role, const esr_band *band, int senior)
{
    if (!role->level_lo)
        return 0;
    if (role->level_lo == role->level_hi)
        return role->level_lo;
    if (!band || band->rank <= 0)
        return senior && role->level_lo <= 3 && role->level_hi >= 3 ? 3 : 0;
    if (band->rank < role->level_lo)
        return role->level_lo;
    if (band->rank > role->level_hi)
        return role->level_hi;
    return band->rank;
}

/* Standard title from standard_titles.csv: the first row whose role,
 * level and trainee flag fit; {profession} is the profession's title name. */
static void standard_title(esr_classifier *c, esr_record *r, int trainee)
{
    const esr_profession *p = &c->m->prof[r->profession];
    for (size_t i = 0; i < c->nstd; i++) {
        const std_title *s = &c->std[i];
        if ((s->role >= 0 && s->role != r->role) || (s->level && s->level != r->level) ||
            (s->trainee && !trainee))
            continue;
        const char *at = strstr(s->pattern, "{profession}");
        if (at && !*p->title_name)
            return; /* no standard title without a named profession */
        if (at)
            snprintf(r->standard_title, sizeof r->standard_title, "%.*s%s%s",
                     (int)(at - s->pattern), s->pattern, p->title_name,
                     at + strlen("{profession}"));
        else
            snprintf(r->standard_title, sizeof r->standard_title, "%s", s->pattern);
        return;
    }
}

/* Classify r (fields filled by schema_fill, not rejected). */
void classify_record(esr_classifier *c, esr_record *r)
{
    const esr_mappings *m = c->m;
    int evidence = c->mode == ESR_CLASSIFY_EVIDENCE;
    classify_code(c, r);
    r->band = lookup_key(c, m->band_by_key, r->f[ESR_COL_PAY_BAND]);
    r->area = lookup_key(c, m->area_by_key, r->f[ESR_COL_AREA_OF_WORK]);
    if (r->area < 0 && *r->f[ESR_COL_AREA_OF_WORK])
        r->area_suggestion = nearest_area(c, r->f[ESR_COL_AREA_OF_WORK]);

    esr_title_match tm = {0};
    tm.profession = tm.role = -1;
    if (*r->f[ESR_COL_POSITION_TITLE]) {
        title_match(c->titler, r->f[ESR_COL_POSITION_TITLE], &tm);
        r->title_match = title_kind_name(tm.kind);
        r->title_rule = tm.rule;
        r->title_score = tm.score;
        r->title_suggestion = tm.suggestion;
        r->title_profession = tm.profession;
        if (tm.kind == ESR_TITLE_NONE)
            record_flag(r, ESR_RULE_TITLE_UNMAPPED, tm.suggestion);
    }

    r->profession = m->prof_unknown;
    r->role = m->role_none;
    if (r->occ) {
        r->profession = r->occ->profession;
        r->prof_source = ESR_PSRC_CODE;
        r->role = r->occ->role;
    } else if (evidence && tm.role >= 0 && r->occ_state != ESR_OCC_MEDICAL) {
        r->role = tm.role; /* no usable code: the title's role */
        /* a not-support word from a band on ("Theatre Practitioner", band 5+;
         * no band: not support) */
        if (tm.outside_band && (r->band < 0 || m->bands[r->band].rank <= 0 ||
                                m->bands[r->band].rank >= tm.outside_band))
            r->role = m->role_none;
    }

    /* Evidence: a missing, invalid or generic code gives way to a title
     * or area of work that clearly names a profession. */
    int generic = !r->occ || !r->occ->profession_specific;
    if (generic && evidence && r->occ_state != ESR_OCC_MEDICAL) {
        int from = -1;
        esr_prof_source src = ESR_PSRC_NONE;
        esr_title_match am = {0};
        am.profession = -1;
        /* the area of work names a profession the title does not, or only
         * defaults ("Healthcare Assistant" in Radiology) */
        if ((tm.profession < 0 || tm.prof_default) && *r->f[ESR_COL_AREA_OF_WORK]) {
            title_match(c->titler, r->f[ESR_COL_AREA_OF_WORK], &am);
            if (am.kind == ESR_TITLE_NONE || (tm.profession >= 0 && am.profession < 0))
                am.profession = -1;
        }
        if (am.profession >= 0 && am.profession != r->profession) {
            from = am.profession;
            src = ESR_PSRC_AREA;
        } else if (am.profession < 0 && tm.profession >= 0 && tm.profession != r->profession) {
            from = tm.profession;
            src = ESR_PSRC_TITLE;
        }
        if (from >= 0) {
            if (r->occ && m->prof[from].miscoded_as == r->profession) /* professions.csv */
                record_flag(r, ESR_RULE_THEATRE_MISCODED, r->occ_code);
            r->profession = from;
            r->prof_source = src;
            record_flag(r,
                        src == ESR_PSRC_TITLE ? ESR_RULE_PROFESSION_FROM_TITLE
                                              : ESR_RULE_PROFESSION_FROM_AREA,
                        m->prof[from].name);
        }
    } else if (generic && !evidence && r->occ && tm.profession >= 0 &&
               m->prof[tm.profession].miscoded_as == r->profession) {
        record_flag(r, ESR_RULE_THEATRE_MISCODED, r->occ_code); /* flagged, not moved */
    } else if (!generic && tm.profession >= 0 && tm.profession != r->profession) {
        record_flag(r, ESR_RULE_PROFESSION_TITLE_DISAGREES, m->prof[tm.profession].name);
    }
    if (tm.trainee && m->roles[r->role].trainee_role >= 0) /* support_roles.csv */
        r->role = m->roles[r->role].trainee_role;

    const esr_role *role = &m->roles[r->role];
    r->level = level_of(role, r->band >= 0 ? &m->bands[r->band] : NULL, tm.senior);

    r->scope = ESR_SCOPE_IN;
    if (!role->in_scope) {
        r->scope = ESR_SCOPE_OUT;
        switch (r->occ_state) {
        case ESR_OCC_MEDICAL: r->out_reason = ESR_OUT_MEDICAL; break;
        case ESR_OCC_MISSING:
        case ESR_OCC_MALFORMED:
        case ESR_OCC_UNKNOWN: r->out_reason = ESR_OUT_NO_CODE; break;
        default:
            /* position 2 = level: the code manual's technician level */
            r->out_reason = r->occ && r->occ->code[0] == 'S' && r->occ->code[1] == '4'
                                ? ESR_OUT_TECHNICIAN
                                : ESR_OUT_NOT_SUPPORT;
        }
    } else if (r->fte_e5 == 0) {
        r->scope = ESR_SCOPE_OUT;
        r->out_reason = ESR_OUT_ZERO_FTE;
    }
    if (r->scope == ESR_SCOPE_IN)
        standard_title(c, r, tm.trainee);
}
