/* classify.c - occupation code, band and area lookups; scope; level. */
#include "classify.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "text.h"

struct esr_classifier {
    const esr_mappings *m;
    esr_classify_mode mode;
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
    return c;
}

/* Free the classifier. */
void classify_free(esr_classifier *c)
{
    if (!c)
        return;
    esr_buf_free(&c->key);
    free(c);
}

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

static void classify_band(esr_classifier *c, esr_record *r)
{
    const char *s = r->f[ESR_COL_PAY_BAND];
    size_t i;
    if (!*s || text_key(s, &c->key))
        return;
    if (esr_strmap_get(c->m->band_by_key, c->key.data, c->key.len, &i))
        r->band = (int)i;
}

static void classify_area(esr_classifier *c, esr_record *r)
{
    const char *s = r->f[ESR_COL_AREA_OF_WORK];
    size_t i;
    if (!*s || text_key(s, &c->key))
        return;
    if (esr_strmap_get(c->m->area_by_key, c->key.data, c->key.len, &i))
        r->area = (int)i;
}

/* Career framework level from the role's range and the band: band 2 -> 2,
 * 3 -> 3, 4 -> 4, clamped into the role's range; unknown band: unknown. */
static int level_of(const esr_role *role, const esr_band *band)
{
    if (!role->level_lo)
        return 0;
    if (role->level_lo == role->level_hi)
        return role->level_lo;
    if (!band || band->rank <= 0)
        return 0;
    if (band->rank < role->level_lo)
        return role->level_lo;
    if (band->rank > role->level_hi)
        return role->level_hi;
    return band->rank;
}

/* Classify r (fields filled by schema_fill, not rejected). */
void classify_record(esr_classifier *c, esr_record *r)
{
    const esr_mappings *m = c->m;
    classify_code(c, r);
    classify_band(c, r);
    classify_area(c, r);

    r->profession = m->prof_unknown;
    r->role = m->role_none;
    if (r->occ) {
        r->profession = r->occ->profession;
        r->prof_source = ESR_PSRC_CODE;
        r->role = r->occ->role;
    }
    const esr_role *role = &m->roles[r->role];
    r->level = level_of(role, r->band >= 0 ? &m->bands[r->band] : NULL);

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
}
