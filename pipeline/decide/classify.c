/* classify.c - occupation code, job title, band and area of work to
 * profession supported, support role, career framework level, standard
 * title and scope, each with its lineage. */
#include "classify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csvout.h"
#include "learn.h"
#include "text.h"
#include "title.h"

#define NEAREST_CACHE_MAX 65536 /* unknown areas remembered: memory stays bounded */
#define LEARN_CACHE_MAX 65536   /* titles as written -> learned entry, remembered */
#define RAW_CACHE_MAX 4096      /* band, area and status texts as written, remembered each */

/* A job role of job_roles.csv that names a support role. */
typedef struct job_role_ev {
    int role, profession; /* profession -1: the row's own evidence decides */
    const char *lineage;  /* "job_roles.csv:N" */
} job_role_ev;

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
    esr_learner *learn;      /* titles learned from coded rows; NULL: not learning */
    int learned;             /* learn_finish done: decisions apply */
    esr_strmap *learn_cache; /* title as written -> learned entry + 1, 0 none */
    const esr_learn_entry **learn_hits;
    size_t nhits, hits_cap;
    esr_buf lkey;
    esr_strmap *job_role_by_key; /* text_key(job role) -> index into jr */
    job_role_ev *jr;
    size_t njr;
    esr_buf jr_lineage; /* "job_roles.csv:N\0" for each entry, end to end */
    /* text as written -> lookup result + 1 (band, area: index; status: counted) */
    esr_strmap *raw_band, *raw_area, *raw_status;
    esr_buf held_rule, held_sugg; /* the record's title lineage when transient */
};

/* Index the job roles that name a support role (job_roles.csv). */
static int index_job_roles(esr_classifier *c)
{
    const esr_mappings *m = c->m;
    const esr_table *t = m->t_job_roles;
    int c_jr = table_col(t, "job_role"), c_p = table_col(t, "profession"),
        c_r = table_col(t, "support_role");
    size_t *offs = calloc(t->nrows + 1, sizeof *offs);
    if (esr_strmap_new(&c->job_role_by_key) || !(c->jr = calloc(t->nrows + 1, sizeof *c->jr)) ||
        !offs) {
        free(offs);
        return -1;
    }
    for (size_t i = 0; i < t->nrows; i++) {
        const char *role = table_get(t, i, c_r), *prof = table_get(t, i, c_p);
        size_t ri = 0, pi = 0;
        if (!*role || !esr_strmap_get(m->role_by_name, role, strlen(role), &ri) ||
            text_key(table_get(t, i, c_jr), &c->key))
            continue; /* no support role, or an unknown one: check-mappings reports it */
        job_role_ev *e = &c->jr[c->njr];
        e->role = (int)ri;
        e->profession =
            *prof && esr_strmap_get(m->prof_by_name, prof, strlen(prof), &pi) ? (int)pi : -1;
        offs[c->njr] = c->jr_lineage.len;
        if (esr_buf_printf(&c->jr_lineage, "job_roles.csv:%llu",
                           (unsigned long long)t->rows[i].line) ||
            esr_buf_putc(&c->jr_lineage, '\0') ||
            esr_strmap_put(c->job_role_by_key, c->key.data, c->key.len, c->njr, NULL) < 0) {
            free(offs);
            return -1;
        }
        c->njr++;
    }
    for (size_t i = 0; i < c->njr; i++) /* the buffer has stopped moving */
        c->jr[i].lineage = c->jr_lineage.data + offs[i];
    free(offs);
    return 0;
}

/* Create a classifier over mappings m in *out (see classify.h). */
esr_status classify_new(const esr_mappings *m, esr_classify_mode mode, esr_classifier **out)
{
    esr_classifier *c = calloc(1, sizeof *c);
    *out = NULL;
    if (!c)
        return ESR_ERR_NOMEM;
    c->m = m;
    c->mode = mode;
    const esr_table *t = m->t_std;
    int c_role = table_col(t, "support_role"), c_lvl = table_col(t, "level"),
        c_tr = table_col(t, "trainee"), c_pat = table_col(t, "standard_title");
    if (title_new(m, ESR_TITLE_THRESHOLD_DEFAULT, &c->titler) || esr_strmap_new(&c->nearest_area) ||
        !(c->std = calloc(t->nrows + 1, sizeof *c->std)) || index_job_roles(c) ||
        esr_strmap_new(&c->raw_band) || esr_strmap_new(&c->raw_area) ||
        esr_strmap_new(&c->raw_status)) {
        classify_free(c);
        return ESR_ERR_NOMEM;
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
    *out = c;
    return ESR_OK;
}

/* Free the classifier. */
void classify_free(esr_classifier *c)
{
    if (!c)
        return;
    title_free(c->titler);
    learn_free(c->learn);
    esr_strmap_free(c->learn_cache);
    free(c->learn_hits);
    esr_buf_free(&c->lkey);
    esr_strmap_free(c->nearest_area);
    esr_strmap_free(c->raw_band);
    esr_strmap_free(c->raw_area);
    esr_strmap_free(c->raw_status);
    free(c->std);
    esr_buf_free(&c->key);
    esr_strmap_free(c->job_role_by_key);
    free(c->jr);
    esr_buf_free(&c->jr_lineage);
    esr_buf_free(&c->held_rule);
    esr_buf_free(&c->held_sugg);
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
    for (size_t i = 0; i < 3; i++) {
        char ch = s[i];
        if (ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 32);
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))) {
            r->occ_state = ESR_OCC_MALFORMED;
            return;
        }
        r->occ_code[i] = ch;
    }
    /* medical and dental codes (out_of_scope_reasons.csv: three digits) */
    if (mappings_code_match(c->m->out_pattern[ESR_OUT_MEDICAL], r->occ_code)) {
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

/* Remember v (>= -1) as the answer for text s as written in raw, while
 * raw has room (a cache: failing to remember loses nothing); returns v. */
static int raw_remember(esr_strmap *raw, const char *s, int v)
{
    if (esr_strmap_count(raw) < RAW_CACHE_MAX)
        esr_strmap_put(raw, s, strlen(s), (size_t)(v + 1), NULL);
    return v;
}

/* The answer remembered in raw for text s as written into *v; 1 if there. */
static int raw_recall(const esr_strmap *raw, const char *s, int *v)
{
    size_t i;
    if (!esr_strmap_get(raw, s, strlen(s), &i))
        return 0;
    *v = (int)i - 1;
    return 1;
}

/* Index of s's normalised key in map, or -1 (also when s is empty or on
 * error); the few texts an export writes are normalised once each (raw). */
static int lookup_key(esr_classifier *c, esr_strmap *map, esr_strmap *raw, const char *s)
{
    size_t i;
    int v;
    if (!*s)
        return -1;
    if (raw_recall(raw, s, &v))
        return v;
    if (text_key(s, &c->key))
        return -1; /* out of memory: not remembered */
    return raw_remember(raw, s, esr_strmap_get(map, c->key.data, c->key.len, &i) ? (int)i : -1);
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

/* Career framework level from the role's range and the band's level
 * (bands.csv: band 2 -> 2, 3 -> 3, 4 -> 4), clamped into the role's range;
 * with no band level, a senior title's level (title_terms.csv) if in the
 * range; otherwise unknown. */
static int level_of(const esr_role *role, const esr_band *band, int senior)
{
    if (!role->level_lo)
        return 0;
    if (role->level_lo == role->level_hi)
        return role->level_lo;
    if (!band || band->level <= 0)
        return senior && role->level_lo <= senior && role->level_hi >= senior ? senior : 0;
    if (band->level < role->level_lo)
        return role->level_lo;
    if (band->level > role->level_hi)
        return role->level_hi;
    return band->level;
}

/* dst (cap bytes) = the first na bytes of a, then b, then c, cut to fit
 * as snprintf cuts (one in-scope row in two has a standard title: no
 * format string to parse for it). */
static void title_join(char *dst, size_t cap, const char *a, size_t na, const char *b,
                       const char *c)
{
    const char *part[3] = {a, b, c};
    size_t len[3] = {na, strlen(b), strlen(c)}, n = 0;
    for (int i = 0; i < 3; i++) {
        size_t k = len[i] < cap - 1 - n ? len[i] : cap - 1 - n;
        memcpy(dst + n, part[i], k);
        n += k;
    }
    dst[n] = '\0';
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
            title_join(r->standard_title, sizeof r->standard_title, s->pattern,
                       (size_t)(at - s->pattern), p->title_name, at + strlen("{profession}"));
        else
            title_join(r->standard_title, sizeof r->standard_title, s->pattern, strlen(s->pattern),
                       "", "");
        return;
    }
}

/* Non-zero if r's assignment status is one assignment_statuses.csv does
 * not count as staff in post. A blank status (no column, or an export
 * already filtered to staff in post) is counted; an unknown one is counted
 * and flagged, so that a new status shows up without losing anyone. */
static int status_not_counted(esr_classifier *c, esr_record *r)
{
    const char *st = r->f[ESR_COL_ASSIGNMENT_STATUS];
    if (!*st)
        return 0;
    int counted;
    if (!raw_recall(c->raw_status, st, &counted))
        counted = raw_remember(c->raw_status, st, mappings_status(c->m, st, NULL));
    if (counted < 0)
        record_flag(r, ESR_RULE_STATUS_UNKNOWN, st);
    return counted == 0;
}

/* Use a trust's own job titles (local, borrowed; its rows win over
 * job_titles.csv; lineage names name); ESR_OK or ESR_ERR_NOMEM. */
esr_status classify_set_titles(esr_classifier *c, const esr_table *local, const char *name)
{
    esr_titler *t;
    esr_status st = title_new_local(c->m, local, name, ESR_TITLE_THRESHOLD_DEFAULT, &t);
    if (st)
        return st;
    title_free(c->titler);
    c->titler = t;
    return ESR_OK;
}

/* Start learning titles from coded rows (evidence mode); ESR_OK or NOMEM. */
esr_status classify_learn_start(esr_classifier *c, const esr_learn_opts *o)
{
    learn_free(c->learn);
    esr_strmap_free(c->learn_cache);
    c->learned = 0;
    esr_status st = learn_new(o, &c->learn);
    esr_status cst = esr_strmap_new(&c->learn_cache);
    return st ? st : cst;
}

/* Learning: note r's title and, when its code is valid and says what
 * the post is (a specific profession, or not a support role), how it is
 * classified; ESR_OK or ESR_ERR_NOMEM. */
esr_status classify_learn(esr_classifier *c, esr_record *r)
{
    const char *title = r->f[ESR_COL_POSITION_TITLE];
    if (!c->learn || !*title)
        return ESR_OK;
    classify_code(c, r);
    int coded = r->occ && (r->occ->profession_specific || r->occ->role == c->m->role_none);
    size_t v, n = strlen(title);
    long idx;
    /* each spelling is normalised once (up to LEARN_CACHE_MAX spellings) */
    if (esr_strmap_get(c->learn_cache, title, n, &v)) {
        idx = (long)v - 1;
    } else {
        if (title_learn_key(c->titler, title, &c->lkey))
            return ESR_ERR_NOMEM;
        if (!c->lkey.len)
            return ESR_OK;
        if ((idx = learn_entry(c->learn, esr_buf_str(&c->lkey), title)) == -2)
            return ESR_ERR_NOMEM;
        if (esr_strmap_count(c->learn_cache) < LEARN_CACHE_MAX &&
            esr_strmap_put(c->learn_cache, title, n, (size_t)(idx + 1), NULL) < 0)
            return ESR_ERR_NOMEM;
    }
    /* a post that is not a support role is that whatever its profession */
    int prof = coded && r->occ->role != c->m->role_none ? r->occ->profession : -1;
    learn_count(c->learn, idx, prof, coded ? r->occ->role : -1);
    return ESR_OK;
}

/* Every row is learned from: decide what each title learned; ESR_OK or
 * ESR_ERR_NOMEM. */
esr_status classify_learn_finish(esr_classifier *c)
{
    if (!c->learn)
        return ESR_OK;
    esr_status st = learn_finish(c->learn);
    c->learned = 1;
    esr_strmap_free(c->learn_cache); /* classify_record caches entries */
    esr_status cst = esr_strmap_new(&c->learn_cache);
    return st ? st : cst;
}

/* The learner (NULL when not learning), for run.json and title_suggestions.csv. */
esr_learner *classify_learner(esr_classifier *c)
{
    return c->learn;
}

/* What the export's coded rows say about title, or NULL. */
static const esr_learn_entry *learned_for(esr_classifier *c, const char *title)
{
    size_t v, n = strlen(title);
    if (!c->learned || !*title)
        return NULL;
    if (esr_strmap_get(c->learn_cache, title, n, &v))
        return v ? c->learn_hits[v - 1] : NULL;
    title_learn_key(c->titler, title, &c->lkey);
    const esr_learn_entry *e = learn_get(c->learn, esr_buf_str(&c->lkey));
    if (esr_strmap_count(c->learn_cache) < LEARN_CACHE_MAX &&
        !esr_grow(&c->learn_hits, &c->hits_cap, c->nhits + 1, sizeof *c->learn_hits, 64)) {
        if (e)
            c->learn_hits[c->nhits++] = e;
        esr_strmap_put(c->learn_cache, title, n, e ? c->nhits : 0, NULL);
    }
    return e;
}

/* Apply a learned title to r, whose code is missing, invalid or generic:
 * the classification its coded rows agree on, or, when they disagree,
 * nothing from the title (left for review). 1 if it decided, else 0. */
static int apply_learned(esr_classifier *c, esr_record *r, const esr_learn_entry *e)
{
    const esr_mappings *m = c->m;
    if (!e || e->decision == ESR_LEARN_NONE)
        return 0;
    if (e->decision == ESR_LEARN_DISAGREE) {
        /* the title names no profession (tm.profession was cleared); the
         * area of work may still */
        record_flag(r, ESR_RULE_TITLE_CODED_DISAGREE, e->lineage);
        return 0;
    }
    int p = e->prof[e->best];
    if (!r->occ) /* a generic code keeps its role: the title refines its profession */
        r->role = e->role[e->best];
    r->title_rule = e->lineage;
    if (p >= 0 && p != m->prof_unknown && p != r->profession) {
        r->profession = p;
        r->prof_source = ESR_PSRC_TITLE;
        record_flag(r, ESR_RULE_PROFESSION_LEARNED, e->lineage);
    }
    return 1;
}

/* Evidence mode, a missing, invalid or generic code: the profession the
 * area of work or the title names (the area when the title names none, or
 * only a role phrase's default: "Healthcare Assistant" in Radiology). */
static void profession_from_evidence(esr_classifier *c, esr_record *r, const esr_title_match *tm)
{
    const esr_mappings *m = c->m;
    int from = -1;
    esr_prof_source src = ESR_PSRC_NONE;
    esr_title_match am = {0};
    am.profession = -1;
    if ((tm->profession < 0 || tm->prof_default) && *r->f[ESR_COL_AREA_OF_WORK]) {
        title_match(c->titler, r->f[ESR_COL_AREA_OF_WORK], &am);
        if (am.kind == ESR_TITLE_NONE || (tm->profession >= 0 && am.profession < 0))
            am.profession = -1;
    }
    if (am.profession >= 0 && am.profession != r->profession) {
        from = am.profession;
        src = ESR_PSRC_AREA;
    } else if (am.profession < 0 && tm->profession >= 0 && tm->profession != r->profession) {
        from = tm->profession;
        src = ESR_PSRC_TITLE;
    }
    if (from < 0)
        return;
    if (r->occ && m->prof[from].miscoded_as == r->profession) /* professions.csv */
        record_flag(r, ESR_RULE_THEATRE_MISCODED, r->occ_code);
    r->profession = from;
    r->prof_source = src;
    record_flag(
        r, src == ESR_PSRC_TITLE ? ESR_RULE_PROFESSION_FROM_TITLE : ESR_RULE_PROFESSION_FROM_AREA,
        m->prof[from].name);
}

/* Evidence mode, no usable code and a title that decided nothing (not
 * even "not support"): the support role an ESR job role names
 * (job_roles.csv), if any; its profession applies where nothing else named
 * one. */
static void role_from_job_role(esr_classifier *c, esr_record *r, const esr_title_match *tm,
                               const esr_learn_entry *le)
{
    const esr_mappings *m = c->m;
    size_t i;
    const char *jr = r->f[ESR_COL_JOB_ROLE];
    if (r->occ || c->mode != ESR_CLASSIFY_EVIDENCE || r->occ_state == ESR_OCC_MEDICAL ||
        tm->role >= 0 || (le && le->decision) || !*jr || text_key(jr, &c->key) ||
        !esr_strmap_get(c->job_role_by_key, c->key.data, c->key.len, &i))
        return;
    r->role = c->jr[i].role;
    r->job_role_rule = c->jr[i].lineage;
    record_flag(r, ESR_RULE_ROLE_FROM_JOB_ROLE, c->jr[i].lineage);
    if (r->profession == m->prof_unknown && c->jr[i].profession >= 0) {
        r->profession = c->jr[i].profession;
        r->prof_source = ESR_PSRC_JOB_ROLE;
    }
}

/* Keep a transient match's strings in c until the next record: the area of
 * work's match, later in the record, reuses the titler's scratch. */
static void hold_lineage(esr_classifier *c, esr_title_match *tm)
{
    esr_buf_reset(&c->held_rule);
    esr_buf_reset(&c->held_sugg);
    esr_buf_puts(&c->held_rule, tm->rule); /* a failure latches: classify_status */
    esr_buf_puts(&c->held_sugg, tm->suggestion);
    tm->rule = esr_buf_str(&c->held_rule);
    tm->suggestion = esr_buf_str(&c->held_sugg);
    tm->transient = 0;
}

/* Match r's title (if any) into tm and note the match on r. */
static void match_title(esr_classifier *c, esr_record *r, esr_title_match *tm)
{
    memset(tm, 0, sizeof *tm);
    tm->profession = tm->role = -1;
    if (!*r->f[ESR_COL_POSITION_TITLE])
        return;
    title_match(c->titler, r->f[ESR_COL_POSITION_TITLE], tm);
    if (tm->transient)
        hold_lineage(c, tm);
    r->title_match = title_kind_name(tm->kind);
    r->title_rule = tm->rule;
    r->title_score = tm->score;
    r->title_suggestion = tm->suggestion;
    r->title_profession = tm->profession;
    if (tm->kind == ESR_TITLE_NONE)
        record_flag(r, ESR_RULE_TITLE_UNMAPPED, tm->suggestion);
}

/* Profession and role from the code; without a usable one, in evidence
 * mode, the role from the title. */
static void place_from_code(esr_classifier *c, esr_record *r, const esr_title_match *tm)
{
    const esr_mappings *m = c->m;
    r->profession = m->prof_unknown;
    r->role = m->role_none;
    if (r->occ) {
        r->profession = r->occ->profession;
        r->prof_source = ESR_PSRC_CODE;
        r->role = r->occ->role;
    } else if (c->mode == ESR_CLASSIFY_EVIDENCE && tm->role >= 0 &&
               r->occ_state != ESR_OCC_MEDICAL) {
        r->role = tm->role; /* no usable code: the title's role */
        /* a not-support word from a band on ("Theatre Practitioner", band 5+;
         * no band: not support) */
        if (tm->outside_band && (r->band < 0 || m->bands[r->band].rank <= 0 ||
                                 m->bands[r->band].rank >= tm->outside_band))
            r->role = m->role_none;
    }
}

/* Evidence: a missing, invalid or generic code gives way to a title or area
 * of work that clearly names a profession (or to what the export's coded
 * rows learned, le); code-only flags, never moves. */
static void refine_profession(esr_classifier *c, esr_record *r, const esr_title_match *tm,
                              const esr_learn_entry *le)
{
    const esr_mappings *m = c->m;
    int evidence = c->mode == ESR_CLASSIFY_EVIDENCE;
    int generic = !r->occ || !r->occ->profession_specific;
    if (generic && evidence && r->occ_state != ESR_OCC_MEDICAL && apply_learned(c, r, le)) {
        /* learned from the export's own coded rows (learn.h) */
    } else if (generic && evidence && r->occ_state != ESR_OCC_MEDICAL) {
        profession_from_evidence(c, r, tm);
    } else if (generic && !evidence && r->occ && tm->profession >= 0 &&
               m->prof[tm->profession].miscoded_as == r->profession) {
        record_flag(r, ESR_RULE_THEATRE_MISCODED, r->occ_code); /* flagged, not moved */
    } else if (!generic && tm->profession >= 0 && tm->profession != r->profession) {
        record_flag(r, ESR_RULE_PROFESSION_TITLE_DISAGREES, m->prof[tm->profession].name);
    }
}

/* In scope, or out with its reason: not a support role (a medical code, a
 * technician's code (out_of_scope_reasons.csv), no usable code, or another
 * post), an assignment status not in post, or zero FTE. */
static void decide_scope(esr_classifier *c, esr_record *r)
{
    const esr_mappings *m = c->m;
    r->scope = ESR_SCOPE_IN;
    if (!m->roles[r->role].in_scope) {
        r->scope = ESR_SCOPE_OUT;
        switch (r->occ_state) {
        case ESR_OCC_MEDICAL: r->out_reason = ESR_OUT_MEDICAL; break;
        case ESR_OCC_MISSING:
        case ESR_OCC_MALFORMED:
        case ESR_OCC_UNKNOWN: r->out_reason = ESR_OUT_NO_CODE; break;
        default:
            r->out_reason =
                r->occ && mappings_code_match(m->out_pattern[ESR_OUT_TECHNICIAN], r->occ->code)
                    ? ESR_OUT_TECHNICIAN
                    : ESR_OUT_NOT_SUPPORT;
        }
    } else if (status_not_counted(c, r)) {
        r->scope = ESR_SCOPE_OUT;
        r->out_reason = ESR_OUT_STATUS;
    } else if (r->fte_e5 == 0) {
        r->scope = ESR_SCOPE_OUT;
        r->out_reason = ESR_OUT_ZERO_FTE;
    }
}

/* Classify r (fields filled by schema_fill, not rejected). */
void classify_record(esr_classifier *c, esr_record *r)
{
    const esr_mappings *m = c->m;
    classify_code(c, r);
    r->band = lookup_key(c, m->band_by_key, c->raw_band, r->f[ESR_COL_PAY_BAND]);
    r->area = lookup_key(c, m->area_by_key, c->raw_area, r->f[ESR_COL_AREA_OF_WORK]);
    if (r->area < 0 && *r->f[ESR_COL_AREA_OF_WORK])
        r->area_suggestion = nearest_area(c, r->f[ESR_COL_AREA_OF_WORK]);

    esr_title_match tm;
    match_title(c, r, &tm);
    const esr_learn_entry *le = c->mode == ESR_CLASSIFY_EVIDENCE &&
                                        r->occ_state != ESR_OCC_MEDICAL &&
                                        (!r->occ || !r->occ->profession_specific)
                                    ? learned_for(c, r->f[ESR_COL_POSITION_TITLE])
                                    : NULL;
    if (le && le->decision == ESR_LEARN_DISAGREE)
        tm.profession = -1; /* the coded rows disagree: the title decides no profession */
    place_from_code(c, r, &tm);
    refine_profession(c, r, &tm, le);
    role_from_job_role(c, r, &tm, le);
    if (tm.trainee && m->roles[r->role].trainee_role >= 0) /* support_roles.csv */
        r->role = m->roles[r->role].trainee_role;
    r->level = level_of(&m->roles[r->role], r->band >= 0 ? &m->bands[r->band] : NULL, tm.senior);
    decide_scope(c, r);
    if (r->scope == ESR_SCOPE_IN)
        standard_title(c, r, tm.trainee);
}

/* Name of profession or role index i of names (n of them), "" if none. */
static const char *name_or_blank(int i, const char *name)
{
    return i >= 0 ? name : "";
}

/* One title_suggestions.csv row for learned title e; ESR_OK,
 * ESR_ERR_NOMEM or ESR_ERR_IO. */
static esr_status suggestion_row(esr_classifier *c, const esr_learn_entry *e, esr_buf *line,
                                 FILE *fp)
{
    const esr_mappings *m = c->m;
    const esr_learn_opts *o = learn_opts(c->learn);
    esr_title_match tm;
    if (title_match(c->titler, e->title, &tm))
        return ESR_ERR_NOMEM;
    if (tm.whole)
        return ESR_OK; /* already in the mappings */
    int p = e->coded ? e->prof[e->best] : -1, r = e->coded ? e->role[e->best] : -1;
    char num[3][32], why[96];
    snprintf(num[0], sizeof num[0], "%llu", (unsigned long long)e->rows);
    snprintf(num[1], sizeof num[1], "%llu", (unsigned long long)e->coded);
    snprintf(num[2], sizeof num[2], "%u", e->agreement_pct);
    if (e->decision == ESR_LEARN_AGREE)
        snprintf(why, sizeof why, "yes: %s", e->lineage);
    else if (e->decision == ESR_LEARN_DISAGREE)
        snprintf(why, sizeof why, "no: coded rows disagree (below %u%%): review", o->agreement);
    else
        snprintf(why, sizeof why, "no: fewer than %u coded rows", o->min_rows);
    char conf[16];
    snprintf(conf, sizeof conf, "%d", tm.score);
    esr_buf_reset(line);
    csvout_text(line, e->title, 1);
    csvout_raw(line, num[0], 0);
    csvout_raw(line, num[1], 0);
    csvout_raw(line, name_or_blank(p, p >= 0 ? m->prof[p].name : ""), 0);
    csvout_raw(line, name_or_blank(r, r >= 0 ? m->roles[r].name : ""), 0);
    csvout_raw(line, e->coded ? num[2] : "", 0);
    csvout_raw(line, why, 0);
    csvout_raw(line, tm.profession >= 0 ? m->prof[tm.profession].name : "", 0);
    csvout_raw(line, tm.role >= 0 ? m->roles[tm.role].name : "", 0);
    csvout_raw(line, title_kind_name(tm.kind), 0);
    csvout_raw(line, conf, 0);
    csvout_raw(line, *tm.suggestion ? tm.suggestion : tm.rule, 0);
    return csvout_flush(line, fp);
}

/* title_suggestions.csv (see classify.h). */
esr_status classify_write_suggestions(esr_classifier *c, FILE *fp)
{
    esr_buf line = {0};
    esr_status rc =
        fputs("title,rows,coded_rows,coded_profession,coded_support_role,agreement_pct,"
              "learned,table_profession,table_support_role,table_match,table_confidence,"
              "table_rule\n",
              fp) < 0
            ? ESR_ERR_IO
            : ESR_OK;
    size_t n = 0;
    const esr_learn_entry *const *v = c->learn ? learn_entries(c->learn, &n) : NULL;
    if (c->learn && !v)
        rc = ESR_ERR_NOMEM; /* cannot happen after classify_learn_finish */
    for (size_t i = 0; !rc && i < n; i++)
        rc = suggestion_row(c, v[i], &line, fp);
    esr_buf_free(&line);
    return rc;
}

/* ESR_OK, or ESR_ERR_NOMEM once an allocation failed while classifying
 * (latched in the classifier's buffers and its titler). */
esr_status classify_status(const esr_classifier *c)
{
    if (c->key.status)
        return c->key.status;
    if (c->lkey.status)
        return c->lkey.status;
    if (c->held_rule.status)
        return c->held_rule.status;
    if (c->held_sugg.status)
        return c->held_sugg.status;
    return title_status(c->titler);
}
