/* consolidate_json.h - a small, strict JSON reader for the run.json of a
 * return: the whole document parsed into a tree of nodes, numbers kept as
 * their text (so FTE stays an exact decimal). The document owns every node
 * and string; cjson_free frees it. */
#ifndef ESR_CONSOLIDATE_JSON_H
#define ESR_CONSOLIDATE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define CJSON_MAX_DEPTH 64

typedef enum cjson_type {
    CJSON_NULL,
    CJSON_BOOL,
    CJSON_NUMBER,
    CJSON_STRING,
    CJSON_ARRAY,
    CJSON_OBJECT
} cjson_type;

typedef struct cjson_node {
    cjson_type type;
    const char *key;          /* member name inside an object, else NULL */
    const char *text;         /* string value (UTF-8), number text, "true"/"false"/"null" */
    struct cjson_node *child; /* first element or member */
    struct cjson_node *next;  /* next sibling */
    size_t count;             /* elements or members */
} cjson_node;

typedef struct cjson_doc cjson_doc;

/* Parse len bytes of JSON text; name labels error messages ("DIR/run.json"),
 * which give line and column. Errors are ESR_ERR_INPUT_FORMAT. */
esr_status cjson_parse(const char *text, size_t len, const char *name, cjson_doc **out,
                       esr_err *err);
/* The root value. */
const cjson_node *cjson_root(const cjson_doc *d);
/* Member key of object obj, or NULL (also when obj is not an object). */
const cjson_node *cjson_get(const cjson_node *obj, const char *key);
/* String value of n, or NULL when n is missing or not a string. */
const char *cjson_str(const cjson_node *n);
/* Unsigned integer value of n: 0 on success, -1 if missing or not one. */
int cjson_u64(const cjson_node *n, uint64_t *out);
/* Free the document and every node. */
void cjson_free(cjson_doc *d);

#endif
