/* records.c - one place that says what a records row holds. */
#include "records.h"

#include <stdio.h>
#include <string.h>

#include "text.h"

static const char *const rcol_names[RC_COUNT] = {
    "org_code",
    "source_file",
    "source_line",
    "employee_number",
    "assignment_number",
    "position_title",
    "standard_title",
    "title_match",
    "title_rule",
    "title_confidence",
    "occupation_code",
    "occupation_code_status",
    "staff_group",
    "job_role",
    "profession_supported",
    "profession_source",
    "support_role",
    "career_framework_level",
    "pay_band",
    "area_of_work",
    "area_of_work_suggestion",
    "fte",
    "assignment_category",
    "care_certificate",
    "qualification_level",
    "apprenticeship",
    "dq_flags",
};

/* The Support workforce sheet's heading of each column, for people;
 * records.csv keeps the code names above. */
static const char *const rcol_labels[RC_COUNT] = {
    [RC_ORG_CODE] = "Organisation code",
    [RC_SOURCE_FILE] = "Source file",
    [RC_SOURCE_LINE] = "Line in source file",
    [RC_EMPLOYEE_NUMBER] = "Employee number",
    [RC_ASSIGNMENT_NUMBER] = "Assignment number",
    [RC_POSITION_TITLE] = "Local job title",
    [RC_STANDARD_TITLE] = "Standard title",
    [RC_TITLE_MATCH] = "Title match",
    [RC_TITLE_RULE] = "Title mapping rows",
    [RC_TITLE_SCORE] = "Title match confidence",
    [RC_OCCUPATION_CODE] = "Occupation code",
    [RC_OCCUPATION_STATUS] = "Occupation code status",
    [RC_STAFF_GROUP] = "Staff group",
    [RC_JOB_ROLE] = "Job role",
    [RC_PROFESSION] = "Profession supported",
    [RC_PROFESSION_SOURCE] = "Profession taken from",
    [RC_SUPPORT_ROLE] = "Support role",
    [RC_LEVEL] = "Career framework level",
    [RC_PAY_BAND] = "Pay band",
    [RC_AREA_OF_WORK] = "Area of work",
    [RC_AREA_SUGGESTION] = "Nearest known area of work",
    [RC_FTE] = "FTE",
    [RC_ASSIGNMENT_CATEGORY] = "Assignment category",
    [RC_CARE_CERTIFICATE] = "Care Certificate",
    [RC_QUAL_LEVEL] = "Qualification level (RQF)",
    [RC_APPRENTICESHIP] = "Apprenticeship",
    [RC_DQ_FLAGS] = "Data quality findings",
};

static const char *const occ_state_names[] = {"missing", "malformed", "unknown",
                                              "medical", "valid",     "retired"};

/* Header name of column c. */
const char *records_col_name(esr_rcol c)
{
    return (unsigned)c < RC_COUNT ? rcol_names[c] : "";
}

/* Heading of column c for people (the code name if it has none). */
const char *records_col_label(esr_rcol c)
{
    return (unsigned)c < RC_COUNT && rcol_labels[c] ? rcol_labels[c] : records_col_name(c);
}

/* Non-zero if column c holds a number. */
int records_col_numeric(esr_rcol c)
{
    return c == RC_SOURCE_LINE || c == RC_FTE || c == RC_LEVEL || c == RC_TITLE_SCORE ||
           c == RC_QUAL_LEVEL;
}

/* The records column rule's field names, or -1. */
int records_rule_col(const esr_mappings *m, int rule)
{
    if (rule < 0 || rule >= ESR_RULE_COUNT)
        return -1;
    const char *field = m->rules[rule].field;
    for (int c = 0; c < RC_COUNT; c++)
        if (!strcmp(rcol_names[c], field))
            return c;
    return -1;
}

/* The typed values of r's numeric columns into out->num and has_num. */
static void render_numbers(const esr_record *r, esr_rendered *out)
{
    out->has_num = 1u << RC_SOURCE_LINE | 1u << RC_FTE;
    out->num[RC_SOURCE_LINE] = (long long)r->line;
    out->num[RC_FTE] = r->fte_e5;
    out->num[RC_LEVEL] = r->level;
    out->num[RC_TITLE_SCORE] = r->title_score;
    out->num[RC_QUAL_LEVEL] = r->qualification_level;
    if (r->level)
        out->has_num |= 1u << RC_LEVEL;
    if (*r->f[ESR_COL_POSITION_TITLE])
        out->has_num |= 1u << RC_TITLE_SCORE;
    if (r->qualification_level)
        out->has_num |= 1u << RC_QUAL_LEVEL;
}

/* The records.csv text of numeric column c (see records.h). */
void records_number_text(esr_rcol c, long long v, int has, char t[32])
{
    if (c == RC_FTE)
        text_format_e5(v, t);
    else if (has)
        text_format_int(v, t);
    else
        t[0] = '\0';
}

/* Append the records.csv text of numeric column c (see render_numbers) and its NUL. */
static int put_number(esr_buf *b, const esr_rendered *out, int c)
{
    char t[32];
    records_number_text((esr_rcol)c, out->num[c], out->has_num >> c & 1, t);
    return esr_buf_append(b, t, strlen(t) + 1);
}

/* The records column of each rule's field, for m (cached in out: the
 * findings of every row look theirs up). */
static const signed char *rule_cols(const esr_mappings *m, esr_rendered *out)
{
    if (out->cols_of != m) {
        for (int r = 0; r < ESR_RULE_COUNT; r++)
            out->rule_col[r] = (signed char)records_rule_col(m, r);
        out->cols_of = m;
    }
    return out->rule_col;
}

/* r's findings, each with the value it is about, into out (after out->v). */
static int render_findings(const esr_record *r, const esr_mappings *m, esr_rendered *out)
{
    esr_buf *b = &out->values;
    const signed char *cols = rule_cols(m, out);
    size_t at[ESR_MAX_FINDINGS];
    esr_buf_reset(b);
    out->nfindings = r->nfindings < ESR_MAX_FINDINGS ? r->nfindings : ESR_MAX_FINDINGS;
    for (size_t i = 0; i < out->nfindings; i++) {
        int rule = r->findings[i].rule, col = (unsigned)rule < ESR_RULE_COUNT ? cols[rule] : -1;
        const char *value = col >= 0 ? out->v[col] : "", *near = out->v[RC_AREA_SUGGESTION];
        char with[512]; /* the sheet's cell: the value and the nearest known area */
        if (rule == ESR_RULE_AREA_UNKNOWN && *near) {
            snprintf(with, sizeof with, "%s (nearest known: %s)", value, near);
            value = with;
        }
        out->findings[i].rule = rule;
        at[i] = b->len;
        if (esr_buf_append(b, value, strlen(value) + 1))
            return -1;
    }
    for (size_t i = 0; i < out->nfindings; i++) /* b has stopped moving */
        out->findings[i].value = b->data + at[i];
    return 0;
}

/* Render r (see records.h). */
esr_status records_render(const esr_record *r, const esr_mappings *m, const char *emp,
                          const char *asg, esr_rendered *out)
{
    esr_buf *b = &out->scratch;
    esr_buf_reset(b);
    render_numbers(r, out);
    /* scratch grows while we write into it: record offsets, resolve after */
    static const int numeric[] = {RC_SOURCE_LINE, RC_FTE, RC_LEVEL, RC_TITLE_SCORE, RC_QUAL_LEVEL};
    size_t at[5], o_flags;
    for (int k = 0; k < 5; k++) {
        at[k] = b->len;
        if (put_number(b, out, numeric[k]))
            return ESR_ERR_NOMEM;
    }
    o_flags = b->len;
    for (size_t i = 0; i < r->nfindings; i++)
        if ((i && esr_buf_putc(b, ';')) || esr_buf_puts(b, rule_id(r->findings[i].rule)))
            return ESR_ERR_NOMEM;
    if (esr_buf_putc(b, '\0'))
        return ESR_ERR_NOMEM;

    const char **v = out->v;
    for (int k = 0; k < 5; k++)
        v[numeric[k]] = b->data + at[k];
    v[RC_ORG_CODE] = r->f[ESR_COL_ORG_CODE];
    v[RC_SOURCE_FILE] = r->source;
    v[RC_EMPLOYEE_NUMBER] = emp;
    v[RC_ASSIGNMENT_NUMBER] = asg;
    v[RC_POSITION_TITLE] = r->f[ESR_COL_POSITION_TITLE];
    v[RC_STANDARD_TITLE] = r->standard_title;
    v[RC_TITLE_MATCH] = r->title_match;
    v[RC_TITLE_RULE] = r->title_rule;
    v[RC_OCCUPATION_CODE] = r->occ_code[0] ? r->occ_code : r->f[ESR_COL_OCCUPATION_CODE];
    v[RC_OCCUPATION_STATUS] = occ_state_names[r->occ_state];
    v[RC_STAFF_GROUP] = r->f[ESR_COL_STAFF_GROUP];
    v[RC_JOB_ROLE] = r->f[ESR_COL_JOB_ROLE];
    v[RC_PROFESSION] = r->profession >= 0 ? m->prof[r->profession].name : "";
    v[RC_PROFESSION_SOURCE] = record_psrc_name(r->prof_source);
    v[RC_SUPPORT_ROLE] = r->role >= 0 ? m->roles[r->role].name : "";
    v[RC_PAY_BAND] = r->band >= 0 ? m->bands[r->band].name : r->f[ESR_COL_PAY_BAND];
    v[RC_AREA_OF_WORK] = r->area >= 0 ? m->areas[r->area] : r->f[ESR_COL_AREA_OF_WORK];
    v[RC_AREA_SUGGESTION] = r->area_suggestion;
    v[RC_ASSIGNMENT_CATEGORY] = r->f[ESR_COL_ASSIGNMENT_CATEGORY];
    v[RC_CARE_CERTIFICATE] = r->care_certificate;
    v[RC_APPRENTICESHIP] = r->apprenticeship;
    v[RC_DQ_FLAGS] = b->data + o_flags;
    out->fte_e5 = r->fte_e5;
    return render_findings(r, m, out) ? ESR_ERR_NOMEM : ESR_OK;
}

/* Append the reason of a reject (see records.h). */
int records_reason(esr_buf *out, const esr_rule_info *ri, const char *detail)
{
    int bad = esr_buf_puts(out, ri->message);
    if (detail && *detail) {
        if (ri->field[0] == '(')
            bad |= esr_buf_printf(out, " (%.80s)", detail);
        else
            bad |= esr_buf_printf(out, " (field %s = \"%.80s\")", ri->field, detail);
    }
    return bad ? -1 : 0;
}

/* ---- the typed feed --------------------------------------------------- */

/* Append the n bytes of v (a number in host order); 0 or -1. */
static int put_bin(esr_buf *b, const void *v, size_t n)
{
    return esr_buf_append(b, v, n);
}

/* Append s and its NUL; 0 or -1. */
static int put_str(esr_buf *b, const char *s)
{
    return esr_buf_append(b, s, strlen(s) + 1);
}

/* Start a frame of kind at the end of out: its length is patched by frame_end. */
static int frame_begin(esr_buf *out, esr_feed_kind kind, size_t *at)
{
    uint32_t len = 0;
    *at = out->len;
    return put_bin(out, &len, sizeof len) || esr_buf_putc(out, (char)kind) ? -1 : 0;
}

/* Patch the length of the frame begun at at; 0 or -1 if it is too long. */
static int frame_end(esr_buf *out, size_t at)
{
    size_t n = out->len - at - sizeof(uint32_t);
    uint32_t len = (uint32_t)n;
    if (n != len)
        return -1;
    memcpy(out->data + at, &len, sizeof len);
    return 0;
}

/* Append r as one frame of the feed (see records.h). */
int records_pack(const esr_rendered *r, esr_buf *out)
{
    size_t at;
    int bad = frame_begin(out, ESR_FEED_RECORD, &at);
    for (int c = 0; c < RC_COUNT && !bad; c++) {
        if (c == RC_DQ_FLAGS)
            continue;
        if (!records_col_numeric(c)) {
            bad = put_str(out, r->v[c]);
            continue;
        }
        int64_t v = r->num[c];
        char has = (char)(r->has_num >> c & 1);
        bad = esr_buf_putc(out, has) || (has && put_bin(out, &v, sizeof v));
    }
    bad = bad || esr_buf_putc(out, (char)r->nfindings);
    for (size_t i = 0; i < r->nfindings && !bad; i++) {
        int32_t rule = r->findings[i].rule;
        bad = put_bin(out, &rule, sizeof rule) || put_str(out, r->findings[i].value);
    }
    return bad || frame_end(out, at) ? -1 : 0;
}

/* Append reject j as one frame of the feed (see records.h). */
int records_pack_reject(const esr_reject *j, esr_buf *out)
{
    size_t at;
    int32_t rule = j->rule;
    uint64_t line = j->line;
    if (frame_begin(out, ESR_FEED_REJECT, &at) || put_bin(out, &rule, sizeof rule) ||
        put_bin(out, &line, sizeof line) || put_str(out, j->source) ||
        put_str(out, j->detail ? j->detail : ""))
        return -1;
    return frame_end(out, at);
}

/* A cursor over one frame's bytes. */
typedef struct cursor {
    const char *p, *end;
    int bad;
} cursor;

/* The next n bytes of k into v, or bad. */
static void get_bin(cursor *k, void *v, size_t n)
{
    if (k->bad || (size_t)(k->end - k->p) < n) {
        k->bad = 1;
        memset(v, 0, n);
        return;
    }
    memcpy(v, k->p, n);
    k->p += n;
}

/* The next NUL-terminated string of k, or "" and bad. */
static const char *get_str(cursor *k)
{
    const char *z = k->bad ? NULL : memchr(k->p, '\0', (size_t)(k->end - k->p));
    if (!z) {
        k->bad = 1;
        return "";
    }
    const char *s = k->p;
    k->p = z + 1;
    return s;
}

/* A record frame's body into out. */
static void get_record(cursor *k, esr_fed *out)
{
    out->has_num = 0;
    for (int c = 0; c < RC_COUNT; c++) {
        out->text[c] = NULL;
        out->num[c] = 0;
        if (c == RC_DQ_FLAGS)
            continue;
        if (!records_col_numeric(c)) {
            out->text[c] = get_str(k);
            continue;
        }
        char has = 0;
        int64_t v = 0;
        get_bin(k, &has, 1);
        if (has)
            get_bin(k, &v, sizeof v);
        out->num[c] = v;
        out->has_num |= (unsigned)(has != 0) << c;
    }
    unsigned char nf = 0;
    get_bin(k, &nf, 1);
    k->bad |= nf > ESR_MAX_FINDINGS;
    out->nfindings = k->bad ? 0 : nf;
    for (size_t i = 0; i < out->nfindings; i++) {
        int32_t rule = 0;
        get_bin(k, &rule, sizeof rule);
        out->findings[i].rule = rule;
        out->findings[i].value = get_str(k);
        k->bad |= rule < 0 || rule >= ESR_RULE_COUNT;
    }
}

/* Read one frame of the feed (see records.h). */
long records_unpack(const char *p, size_t n, esr_fed *out)
{
    uint32_t len;
    if (n < sizeof len)
        return 0;
    memcpy(&len, p, sizeof len);
    if (n - sizeof len < len)
        return 0;
    cursor k = {p + sizeof len, p + sizeof len + len, 0};
    char kind = 0;
    get_bin(&k, &kind, 1);
    out->kind = (esr_feed_kind)kind;
    if (kind == ESR_FEED_RECORD) {
        get_record(&k, out);
    } else if (kind == ESR_FEED_REJECT) {
        int32_t rule = 0;
        uint64_t line = 0;
        get_bin(&k, &rule, sizeof rule);
        get_bin(&k, &line, sizeof line);
        out->reject.rule = rule;
        out->reject.line = line;
        out->reject.source = get_str(&k);
        out->reject.detail = get_str(&k);
        k.bad |= rule < 0 || rule >= ESR_RULE_COUNT;
    } else {
        k.bad = 1;
    }
    return k.bad || k.p != k.end ? -1 : (long)(sizeof len + len);
}

/* Free the scratch storage. */
void records_rendered_free(esr_rendered *out)
{
    esr_buf_free(&out->scratch);
    esr_buf_free(&out->values);
}

/* One whole frame of the feed, unpacked, to the caller's fn. */
typedef struct unpack_to {
    esr_fed_fn fn;
    void *ctx;
} unpack_to;

/* frames_feed's callback: -2 for a malformed frame, else what fn says. */
static int unpack_frame(void *vu, const char *frame, size_t n)
{
    unpack_to *u = vu;
    esr_fed f;
    return records_unpack(frame, n, &f) == (long)n ? u->fn(u->ctx, &f) : -2;
}

/* Hand the whole frames of p[0..n) to fn (see records.h). */
int records_frames_feed(esr_frames *fr, const char *p, size_t n, esr_fed_fn fn, void *ctx)
{
    unpack_to u = {fn, ctx};
    return frames_feed(fr, p, n, unpack_frame, &u);
}
