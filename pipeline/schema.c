/* schema.c - header binding. */
#include "schema.h"

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
            if (out->len)
                esr_buf_puts(out, ", ");
            esr_buf_puts(out, table_get(t, i, c_a));
        }
}

/* Bind the header row of source. */
esr_status schema_bind(const esr_mappings *m, const esr_row *header, const char *source,
                       esr_schema_kind want, esr_schema **out, esr_err *err)
{
    *out = NULL;
    esr_schema *s = calloc(1, sizeof *s);
    esr_buf key = {0};
    esr_status st = ESR_ERR_NOMEM;
    if (!s)
        return esr_err_set(err, st, "out of memory");
    for (int c = 0; c < ESR_COL_COUNT; c++)
        s->pos[c] = -1;
    s->ncols = header->nfields;
    if (!(s->header = calloc(s->ncols ? s->ncols : 1, sizeof *s->header)) ||
        !(s->kind = calloc(s->ncols ? s->ncols : 1, sizeof *s->kind)))
        goto nomem;
    const esr_table *t = m->t_columns;
    int c_c = table_col(t, "canonical"), c_k = table_col(t, "kind");
    for (size_t i = 0; i < s->ncols; i++) {
        if (!(s->header[i] = strdup(header->fields[i])))
            goto nomem;
        text_trim(s->header[i]);
        if (text_key(s->header[i], &key))
            goto nomem;
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
            s->kind[i] = ESR_HEADER_DUPLICATE;
            continue;
        }
        s->pos[c] = (int)i;
        s->kind[i] = ESR_HEADER_MAPPED;
    }
    esr_buf tried = {0};
    if (want == ESR_SCHEMA_TRAINING) {
        static const esr_col need[] = {ESR_COL_EMPLOYEE_NUMBER, ESR_COL_COMPETENCE_NAME};
        for (size_t k = 0; k < 2; k++)
            if (s->pos[need[k]] < 0) {
                aliases_tried(m, record_col_name(need[k]), &tried);
                st = esr_err_set(err, ESR_ERR_SCHEMA,
                                 "%s:%llu: required column %s missing (header names tried: %s)",
                                 source, (unsigned long long)header->line, record_col_name(need[k]),
                                 esr_buf_str(&tried));
                esr_buf_free(&tried);
                goto fail;
            }
        esr_buf_free(&key);
        *out = s;
        return ESR_OK;
    }
    if (s->pos[ESR_COL_FTE] < 0) {
        aliases_tried(m, "fte", &tried);
        st = esr_err_set(err, ESR_ERR_SCHEMA,
                         "%s:%llu: required column fte missing (header names tried: %s)", source,
                         (unsigned long long)header->line, esr_buf_str(&tried));
        esr_buf_free(&tried);
        goto fail;
    }
    if (s->pos[ESR_COL_OCCUPATION_CODE] < 0 && s->pos[ESR_COL_POSITION_TITLE] < 0) {
        aliases_tried(m, "occupation_code", &tried);
        esr_buf_puts(&tried, "; ");
        aliases_tried(m, "position_title", &tried);
        st = esr_err_set(err, ESR_ERR_SCHEMA,
                         "%s:%llu: neither occupation_code nor position_title present (header "
                         "names tried: %s)",
                         source, (unsigned long long)header->line, esr_buf_str(&tried));
        esr_buf_free(&tried);
        goto fail;
    }
    esr_buf_free(&key);
    *out = s;
    return ESR_OK;
nomem:
    st = esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
fail:
    esr_buf_free(&key);
    schema_free(s);
    return st;
}

/* Point r->f[] at the trimmed canonical fields of row (modifies row). */
void schema_fill(const esr_schema *s, const esr_row *row, esr_record *r)
{
    for (int c = 0; c < ESR_COL_COUNT; c++) {
        int p = s->pos[c];
        r->f[c] = p >= 0 && (size_t)p < row->nfields ? text_trim(row->fields[p]) : "";
    }
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
