/* json.h - a minimal streaming JSON writer for run.json (pretty-printed,
 * keys in the order written, strings escaped). */
#ifndef ESR_JSON_H
#define ESR_JSON_H

#include <stdint.h>
#include <stdio.h>

typedef struct esr_json {
    FILE *fp;
    int depth;
    int first[32];
} esr_json;

/* Start writing to fp. */
void json_init(esr_json *j, FILE *fp);
/* Open an object ({) or array ([), as a member named key when inside an object. */
void json_open(esr_json *j, const char *key, char bracket);
/* Close the innermost object or array. */
void json_close(esr_json *j, char bracket);
/* A string member (key NULL inside arrays). */
void json_str(esr_json *j, const char *key, const char *v);
/* An unsigned integer member. */
void json_u64(esr_json *j, const char *key, uint64_t v);
/* A member whose value is already JSON text (numbers such as FTE). */
void json_raw(esr_json *j, const char *key, const char *v);

/* An FTE member (units of 0.00001) as an exact decimal. */
void json_fte(esr_json *j, const char *key, long long e5);
/* A file's members in the open object: name_key (its name), "bytes" and
 * "sha256" (inputs and outputs are listed alike everywhere). */
void json_file(esr_json *j, const char *name_key, const char *name, uint64_t bytes,
               const char *sha256);

#endif
