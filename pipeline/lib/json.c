/* json.c - streaming JSON writer. */
#include "json.h"

#include "text.h"

/* Start a new line indented to the current depth. */
static void indent(esr_json *j)
{
    fputc('\n', j->fp);
    for (int i = 0; i < j->depth; i++)
        fputs("  ", j->fp);
}

/* Write s as a quoted, escaped JSON string. */
static void escaped(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(fp, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", fp);
        else if (*p == '\r')
            fputs("\\r", fp);
        else if (*p == '\t')
            fputs("\\t", fp);
        else if (*p < 0x20)
            fprintf(fp, "\\u%04x", *p);
        else
            fputc(*p, fp);
    }
    fputc('"', fp);
}

/* Begin the next member: comma, new line and indent as needed, then the key if any. */
static void member(esr_json *j, const char *key)
{
    if (j->depth > 0) {
        if (!j->first[j->depth])
            fputc(',', j->fp);
        j->first[j->depth] = 0;
        indent(j);
    }
    if (key) {
        escaped(j->fp, key);
        fputs(": ", j->fp);
    }
}

/* Start writing to fp. */
void json_init(esr_json *j, FILE *fp)
{
    j->fp = fp;
    j->depth = 0;
}

/* Open an object or array. */
void json_open(esr_json *j, const char *key, char bracket)
{
    member(j, key);
    fputc(bracket, j->fp);
    if (j->depth < 31)
        j->depth++;
    j->first[j->depth] = 1;
}

/* Close the innermost object or array. */
void json_close(esr_json *j, char bracket)
{
    int empty = j->first[j->depth];
    if (j->depth > 0)
        j->depth--;
    if (!empty)
        indent(j);
    fputc(bracket, j->fp);
    if (j->depth == 0)
        fputc('\n', j->fp);
}

/* A string member. */
void json_str(esr_json *j, const char *key, const char *v)
{
    member(j, key);
    escaped(j->fp, v ? v : "");
}

/* An unsigned integer member. */
void json_u64(esr_json *j, const char *key, uint64_t v)
{
    member(j, key);
    fprintf(j->fp, "%llu", (unsigned long long)v);
}

/* A member whose value is already JSON text. */
void json_raw(esr_json *j, const char *key, const char *v)
{
    member(j, key);
    fputs(v, j->fp);
}

/* An FTE member (units of 0.00001) as an exact decimal. */
void json_fte(esr_json *j, const char *key, long long e5)
{
    char b[32];
    text_format_e5(e5, b);
    json_raw(j, key, b);
}

/* A file's name, size and SHA-256 as members (see json.h). */
void json_file(esr_json *j, const char *name_key, const char *name, uint64_t bytes,
               const char *sha256)
{
    json_str(j, name_key, name);
    json_u64(j, "bytes", bytes);
    json_str(j, "sha256", sha256);
}
