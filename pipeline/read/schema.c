/* schema.c - header binding. */
#include "schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* Append the aliases of canonical column canon to out, comma-separated. */
static void aliases_tried(const esr_mappings *m, const char *canon, esr_buf *out)
{
    const esr_table *t = m->t_columns;
    int c_c = table_col(t, "canonical"), c_a = table_col(t, "alias");
    for (size_t i = 0; i < t->nrows; i++)
        if (!strcmp(table_get(t, i, c_c), canon)) {
            if (out->len && out->data[out->len - 1] != ' ')
                esr_buf_puts(out, ", ");
            esr_buf_puts(out, table_get(t, i, c_a));
        }
}

/* Read the fields of header into s: each trimmed name, and its canonical
 * column (or kind) through columns.csv; two fields for one column are an
 * error naming both. */
static esr_status bind_fields(const esr_mappings *m, const esr_row *header, const char *source,
                              esr_schema_kind want, esr_schema *s, esr_err *err)
{
    const esr_table *t = m->t_columns;
    int c_c = table_col(t, "canonical"), c_k = table_col(t, "kind");
    esr_buf key = {0};
    esr_status st = ESR_OK;
    for (size_t i = 0; !st && i < s->ncols; i++) {
        if (!(s->header[i] = strdup(header->fields[i])) ||
            text_key(text_trim(s->header[i]), &key)) {
            st = esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
            break;
        }
        size_t row;
        if (!key.len || !esr_strmap_get(m->col_by_key, key.data, key.len, &row))
            continue;
        const char *kind = table_get(t, row, c_k);
        if (!strcmp(kind, "pii")) {
            s->kind[i] = ESR_HEADER_PII;
            continue;
        }
        int c = record_col_parse(table_get(t, row, c_c));
        int wanted = want == ESR_SCHEMA_STAFF
                         ? !strcmp(kind, "field")
                         : !strcmp(kind, "training") || c == ESR_COL_EMPLOYEE_NUMBER;
        if (c < 0 || !wanted)
            continue;
        if (s->pos[c] >= 0) {
            /* two columns for one figure: which one holds it cannot be told */
            st = esr_err_set(err, ESR_ERR_SCHEMA,
                             "%s:%llu: columns %d \"%s\" and %zu \"%s\" both map to %s "
                             "(mappings/columns.csv): remove or rename one of them",
                             source, (unsigned long long)header->line, s->pos[c] + 1,
                             s->header[s->pos[c]], i + 1, s->header[i], record_col_name(c));
            break;
        }
        s->pos[c] = (int)i;
        s->kind[i] = ESR_HEADER_MAPPED;
    }
    esr_buf_free(&key);
    return st;
}

/* Set err to "required column missing" for what at header's line, naming
 * the header names tried (in tried, which is freed); returns the status
 * (ESR_ERR_NOMEM when tried could not be built). */
static esr_status missing(const esr_row *header, const char *source, const char *what,
                          esr_buf *tried, esr_err *err)
{
    esr_status st =
        esr_buf_status(tried)
            ? esr_err_set(err, ESR_ERR_NOMEM, "out of memory")
            : esr_err_set(err, ESR_ERR_SCHEMA, "%s:%llu: %s (header names tried: %s)", source,
                          (unsigned long long)header->line, what, esr_buf_str(tried));
    esr_buf_free(tried);
    return st;
}

/* Append to out the export's unknown headers close to an alias of column a
 * or b (schema_near_miss): the likely reason a required column is missing. */
static void near_names(const esr_mappings *m, const esr_schema *s, int a, int b, esr_buf *out)
{
    const esr_table *t = m->t_columns;
    int c_a = table_col(t, "alias"), c_c = table_col(t, "canonical"), n = 0;
    for (size_t i = 0; i < s->ncols; i++) {
        int r = s->kind[i] == ESR_HEADER_UNKNOWN ? schema_near_miss(m, s, s->header[i]) : -1;
        int c = r >= 0 ? record_col_parse(table_get(t, r, c_c)) : -1;
        if (c >= 0 && (c == a || c == b))
            esr_buf_printf(out, "%s\"%s\" is close to \"%s\"", n++ ? "; " : ". In this export, ",
                           s->header[i], table_get(t, r, c_a));
    }
    if (n)
        esr_buf_puts(out, ": if that is the column, add its name as an alias in the mapping "
                          "tables' columns.csv");
}

/* The columns a schema of kind want cannot do without: a training export
 * its employee number and competence name; a staff export FTE (or
 * contracted hours) and an occupation code or position title. */
static esr_status check_required(const esr_mappings *m, const esr_row *header, const char *source,
                                 esr_schema_kind want, const esr_schema *s, esr_err *err)
{
    esr_buf tried = {0};
    char what[96];
    if (want == ESR_SCHEMA_TRAINING) {
        static const esr_col need[] = {ESR_COL_EMPLOYEE_NUMBER, ESR_COL_COMPETENCE_NAME};
        for (size_t k = 0; k < 2; k++)
            if (s->pos[need[k]] < 0) {
                aliases_tried(m, record_col_name(need[k]), &tried);
                snprintf(what, sizeof what, "required column %s missing", record_col_name(need[k]));
                return missing(header, source, what, &tried, err);
            }
        return ESR_OK;
    }
    if (s->pos[ESR_COL_FTE] < 0 && s->pos[ESR_COL_CONTRACTED_HOURS] < 0) {
        aliases_tried(m, "fte", &tried);
        esr_buf_puts(&tried, "; or, to derive FTE, contracted_hours: ");
        aliases_tried(m, "contracted_hours", &tried);
        near_names(m, s, ESR_COL_FTE, ESR_COL_CONTRACTED_HOURS, &tried);
        return missing(header, source, "required column fte missing", &tried, err);
    }
    if (s->pos[ESR_COL_OCCUPATION_CODE] < 0 && s->pos[ESR_COL_POSITION_TITLE] < 0) {
        aliases_tried(m, "occupation_code", &tried);
        esr_buf_puts(&tried, "; ");
        aliases_tried(m, "position_title", &tried);
        near_names(m, s, ESR_COL_OCCUPATION_CODE, ESR_COL_POSITION_TITLE, &tried);
        return missing(header, source, "neither occupation_code nor position_title present", &tried,
                       err);
    }
    return ESR_OK;
}

/* Bind the header row of source. */
esr_status schema_bind(const esr_mappings *m, const esr_row *header, const char *source,
                       esr_schema_kind want, esr_schema **out, esr_err *err)
{
    *out = NULL;
    esr_schema *s = calloc(1, sizeof *s);
    if (!s)
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    for (int c = 0; c < ESR_COL_COUNT; c++)
        s->pos[c] = -1;
    s->ncols = header->nfields;
    esr_status st;
    if (!(s->header = calloc(s->ncols ? s->ncols : 1, sizeof *s->header)) ||
        !(s->kind = calloc(s->ncols ? s->ncols : 1, sizeof *s->kind)))
        st = esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    else if (!(st = bind_fields(m, header, source, want, s, err)))
        st = check_required(m, header, source, want, s, err);
    if (st) {
        schema_free(s);
        return st;
    }
    *out = s;
    return ESR_OK;
}

/* Point r->f[] at the trimmed canonical fields of row (modifies row). */
void schema_fill(const esr_schema *s, const esr_row *row, esr_record *r)
{
    for (int c = 0; c < ESR_COL_COUNT; c++)
        r->f[c] = schema_text(s, row, c);
    /* an ODS code is upper case: "rth" and "RTH" are one organisation */
    if (s->pos[ESR_COL_ORG_CODE] >= 0 && (size_t)s->pos[ESR_COL_ORG_CODE] < row->nfields)
        for (char *o = row->fields[s->pos[ESR_COL_ORG_CODE]]; *o; o++)
            if (*o >= 'a' && *o <= 'z')
                *o = (char)(*o - 'a' + 'A');
}

/* The trimmed text of canonical column col in row (see schema.h). */
const char *schema_text(const esr_schema *s, const esr_row *row, int col)
{
    int p = s->pos[col];
    return p >= 0 && (size_t)p < row->nfields ? text_trim(row->fields[p]) : "";
}

/* Free the schema. */
void schema_free(esr_schema *s)
{
    if (!s)
        return;
    if (s->header)
        for (size_t i = 0; i < s->ncols; i++)
            free(s->header[i]);
    free(s->header);
    free(s->kind);
    free(s);
}

/* ---- finding the header row ------------------------------------------- */

/* Name of a delimiter (see schema.h). */
const char *schema_delim_name(char delim, char buf[4])
{
    switch (delim) {
    case ',': return "comma";
    case ';': return "semicolon";
    case '\t': return "tab";
    case '|': return "pipe";
    default: buf[0] = delim, buf[1] = '\0'; return buf;
    }
}

/* Parse a delimiter name or a single character (see schema.h). */
char schema_delim_parse(const char *s)
{
    static const char cands[] = {',', ';', '\t', '|'};
    char b[4];
    for (size_t i = 0; i < sizeof cands; i++)
        if (!strcmp(s, schema_delim_name(cands[i], b)))
            return cands[i];
    if (!strcmp(s, "\\t"))
        return '\t';
    return strlen(s) == 1 && *s != '"' && *s != '\n' && *s != '\r' ? *s : 0;
}

/* Map the fields of line p[0..n) split on delim: the number of distinct
 * staff columns it names, and whether they include the required ones. */
static size_t line_maps(const esr_mappings *m, const char *p, size_t n, char delim, int *required,
                        esr_buf *field, esr_buf *key)
{
    int seen[ESR_COL_COUNT] = {0};
    size_t mapped = 0;
    const esr_table *t = m->t_columns;
    int c_c = table_col(t, "canonical"), c_k = table_col(t, "kind");
    int inq = 0;
    esr_buf_reset(field);
    for (size_t i = 0; i <= n; i++) {
        char ch = i < n ? p[i] : delim;
        if (ch == '"') {
            if (inq && i + 1 < n && p[i + 1] == '"')
                esr_buf_putc(field, p[++i]);
            else
                inq = !inq;
            continue;
        }
        if (ch != delim || (inq && i < n)) {
            esr_buf_putc(field, ch);
            continue;
        }
        size_t row;
        if (!text_key(esr_buf_str(field), key) && key->len &&
            esr_strmap_get(m->col_by_key, key->data, key->len, &row) &&
            !strcmp(table_get(t, row, c_k), "field")) {
            int c = record_col_parse(table_get(t, row, c_c));
            if (c >= 0 && !seen[c]++)
                mapped++;
        }
        esr_buf_reset(field);
    }
    *required = (seen[ESR_COL_FTE] || seen[ESR_COL_CONTRACTED_HOURS]) &&
                (seen[ESR_COL_OCCUPATION_CODE] || seen[ESR_COL_POSITION_TITLE]);
    return mapped;
}

/* Line 1 of text for a message: at most 150 bytes, control characters as \xNN. */
static void first_line_text(const char *text, size_t n, char *out, size_t cap)
{
    size_t o = 0, i = 0;
    for (; i < n && i < 150 && text[i] != '\n' && o + 5 < cap; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch < 0x20 || ch == 0x7f)
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", ch);
        else
            out[o++] = (char)ch;
    }
    if (i < n && text[i] != '\n' && o + 4 < cap)
        o += (size_t)snprintf(out + o, cap - o, "...");
    out[o] = '\0';
}

/* out->first_line for messages: line 1 itself when it names a column (a
 * header: no personal data), else only its shape, never its text (it may
 * be a data row: names, numbers). */
static void first_line_shape(const esr_mappings *m, const char *p, size_t len, esr_sniff *out,
                             esr_buf *field, esr_buf *key)
{
    static const char all[] = {',', ';', '\t', '|'};
    size_t count[4] = {0}, mapped = 0;
    int req;
    for (size_t k = 0; k < sizeof all; k++) {
        size_t mk = line_maps(m, p, len, all[k], &req, field, key);
        mapped = mk > mapped ? mk : mapped;
        for (size_t i = 0; i < len; i++)
            count[k] += p[i] == all[k];
    }
    if (mapped) {
        first_line_text(p, len, out->first_line, sizeof out->first_line);
        return;
    }
    snprintf(out->first_line, sizeof out->first_line,
             "[not shown: it names no column; %zu characters, %zu commas, %zu semicolons, %zu "
             "tabs, %zu pipes]",
             len, count[0], count[1], count[2], count[3]);
}

/* Find the header row and delimiter (see schema.h). */
esr_status schema_sniff(const esr_mappings *m, const char *text, size_t n, char delim,
                        uint64_t header_line, esr_sniff *out)
{
    static const char all[] = {',', ';', '\t', '|'};
    const char *cands = delim ? &delim : all;
    size_t ncands = delim ? 1 : sizeof all;
    esr_buf field = {0}, key = {0};
    memset(out, 0, sizeof *out);
    out->delim = cands[0];
    out->header_line = header_line ? header_line : 1;
    for (size_t k = 0; k < ncands; k++) {
        char b[4];
        snprintf(out->tried + strlen(out->tried), sizeof out->tried - strlen(out->tried), "%s%s",
                 k ? ", " : "", schema_delim_name(cands[k], b));
    }
    const char *p = text, *end = text + n;
    for (uint64_t line = 1; p < end && line <= ESR_SNIFF_LINES && !out->found; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (len && p[len - 1] == '\r')
            len--;
        for (size_t k = 0; (!header_line || line == header_line) && k < ncands; k++) {
            int req;
            size_t mapped = line_maps(m, p, len, cands[k], &req, &field, &key);
            if ((req && (!out->found || mapped > out->mapped)) ||
                (!out->found && mapped > out->mapped)) {
                out->found = req;
                out->mapped = mapped;
                out->delim = cands[k];
                out->header_line = line;
            }
        }
        if (line == 1)
            first_line_shape(m, p, len, out, &field, &key);
        p = nl ? nl + 1 : end;
    }
    /* a field or key cut short by memory maps nothing: not "no header" */
    esr_status st = field.status ? field.status : key.status;
    esr_buf_free(&field);
    esr_buf_free(&key);
    return st;
}

/* Read the start of src and sniff it (see schema.h). */
esr_status schema_sniff_source(const esr_mappings *m, esr_source *src, char delim,
                               uint64_t header_line, esr_buf *head, int *eof, esr_sniff *out,
                               esr_err *err)
{
    size_t lines = 0;
    *eof = 0;
    esr_buf_reset(head);
    while (head->len < ESR_SNIFF_BYTES && lines <= ESR_SNIFF_LINES + header_line) {
        const char *buf;
        size_t got;
        esr_status st = source_next(src, &buf, &got, err);
        if (st)
            return st;
        if (!got) {
            *eof = 1;
            break;
        }
        if (esr_buf_append(head, buf, got))
            return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < got; i++)
            lines += buf[i] == '\n';
    }
    if (schema_sniff(m, head->data ? head->data : "", head->len, delim, header_line, out))
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory finding the header row");
    return ESR_OK;
}

/* The columns.csv row of an alias close to unknown header h (see schema.h). */
int schema_near_miss(const esr_mappings *m, const esr_schema *s, const char *h)
{
    const esr_table *t = m->t_columns;
    int c_c = table_col(t, "canonical"), c_k = table_col(t, "kind"), c_a = table_col(t, "alias");
    esr_buf hk = {0}, ak = {0};
    int best = -1, best_d = 3;
    if (text_key(h, &hk) || hk.len < 3)
        goto done;
    for (size_t i = 0; i < t->nrows; i++) {
        int c = record_col_parse(table_get(t, i, c_c));
        if (c < 0 || c >= ESR_COL_COMPETENCE_NAME || s->pos[c] >= 0 ||
            strcmp(table_get(t, i, c_k), "field") || text_key(table_get(t, i, c_a), &ak) ||
            ak.len < 3)
            continue;
        int d = text_distance(hk.data, ak.data, 2);
        /* "FTE (Contracted)" starts with "fte"; "Org Code ODS" with "orgcode" */
        if (d > 2 && hk.len > ak.len &&
            (!memcmp(hk.data, ak.data, ak.len) ||
             !memcmp(hk.data + hk.len - ak.len, ak.data, ak.len)))
            d = 2;
        if (d < best_d) {
            best_d = d;
            best = (int)i;
        }
    }
done:
    esr_buf_free(&hk);
    esr_buf_free(&ak);
    return best;
}
