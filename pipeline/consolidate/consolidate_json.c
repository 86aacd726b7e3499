/* consolidate_json.c - recursive-descent JSON reader into an arena. */
#include "consolidate_json.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK_BYTES 16384u

typedef struct block {
    struct block *next;
    size_t used, cap;
    _Alignas(max_align_t) unsigned char data[];
} block;

struct cjson_doc {
    block *blocks;
    cjson_node *root;
};

typedef struct parser {
    cjson_doc *doc;
    const char *p, *start, *end;
    const char *name;
    esr_err *err;
    esr_status st;
} parser;

/* Allocate n bytes from the document's arena (aligned for any node). */
static void *arena_alloc(cjson_doc *d, size_t n)
{
    size_t align = _Alignof(max_align_t);
    n = (n + align - 1) / align * align;
    block *b = d->blocks;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > BLOCK_BYTES ? n : BLOCK_BYTES;
        if (!(b = malloc(sizeof *b + cap)))
            return NULL;
        b->next = d->blocks;
        b->used = 0;
        b->cap = cap;
        d->blocks = b;
    }
    void *r = b->data + b->used;
    b->used += n;
    return r;
}

/* Record a syntax error at the current position (line and column). */
static int fail(parser *ps, const char *what)
{
    if (ps->st)
        return -1;
    unsigned long line = 1, col = 1;
    for (const char *q = ps->start; q < ps->p && q < ps->end; q++) {
        if (*q == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    ps->st = esr_err_set(ps->err, ESR_ERR_INPUT_FORMAT, "%s:%lu:%lu: not valid JSON: %s", ps->name,
                         line, col, what);
    return -1;
}

/* Record an allocation failure. */
static int nomem(parser *ps)
{
    if (!ps->st)
        ps->st = esr_err_set(ps->err, ESR_ERR_NOMEM, "%s: out of memory", ps->name);
    return -1;
}

/* Skip JSON whitespace. */
static void skip_ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

/* Four hex digits into *out; -1 if not. */
static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* Encode code point cp as UTF-8 at o; returns the bytes written. */
static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* A string literal at ps->p (on the opening quote), decoded into the arena. */
static int parse_string(parser *ps, const char **out)
{
    const char *q = ps->p + 1;
    while (q < ps->end && *q != '"') /* the decoded text is never longer */
        q += (*q == '\\' && q + 1 < ps->end) ? 2 : 1;
    if (q >= ps->end)
        return fail(ps, "unterminated string");
    char *o = arena_alloc(ps->doc, (size_t)(q - ps->p));
    if (!o)
        return nomem(ps);
    *out = o;
    ps->p++;
    while (*ps->p != '"') {
        unsigned char c = (unsigned char)*ps->p;
        if (c < 0x20)
            return fail(ps, "control character in a string");
        if (c != '\\') {
            *o++ = (char)c;
            ps->p++;
            continue;
        }
        char e = ps->p[1];
        ps->p += 2;
        switch (e) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (ps->end - ps->p < 4 || hex4(ps->p, &cp))
                return fail(ps, "bad \\u escape");
            ps->p += 4;
            if (cp >= 0xd800 && cp < 0xdc00) {
                if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' ||
                    hex4(ps->p + 2, &lo) || lo < 0xdc00 || lo > 0xdfff)
                    return fail(ps, "unpaired surrogate in \\u escape");
                ps->p += 6;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            } else if (cp >= 0xdc00 && cp < 0xe000) {
                return fail(ps, "unpaired surrogate in \\u escape");
            }
            if (cp == 0)
                return fail(ps, "\\u0000 in a string");
            o += put_utf8(o, cp);
            break;
        }
        default: ps->p -= 1; return fail(ps, "bad escape in a string");
        }
    }
    *o = '\0';
    ps->p++;
    return 0;
}

/* Non-zero for an ASCII digit. */
static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A number literal, kept as text. */
static int parse_number(parser *ps, const char **out)
{
    const char *s = ps->p, *q = s;
    if (q < ps->end && *q == '-')
        q++;
    if (q >= ps->end || !is_digit(*q))
        return fail(ps, "bad number");
    if (*q == '0')
        q++;
    else
        while (q < ps->end && is_digit(*q))
            q++;
    if (q < ps->end && *q == '.') {
        q++;
        if (q >= ps->end || !is_digit(*q))
            return fail(ps, "bad number");
        while (q < ps->end && is_digit(*q))
            q++;
    }
    if (q < ps->end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < ps->end && (*q == '+' || *q == '-'))
            q++;
        if (q >= ps->end || !is_digit(*q))
            return fail(ps, "bad number");
        while (q < ps->end && is_digit(*q))
            q++;
    }
    char *o = arena_alloc(ps->doc, (size_t)(q - s) + 1);
    if (!o)
        return nomem(ps);
    memcpy(o, s, (size_t)(q - s));
    o[q - s] = '\0';
    *out = o;
    ps->p = q;
    return 0;
}

/* The literal word (true, false, null) into n. */
static int literal(parser *ps, const char *word, cjson_node *n, cjson_type type)
{
    size_t len = strlen(word);
    if ((size_t)(ps->end - ps->p) < len || memcmp(ps->p, word, len))
        return fail(ps, "unexpected character");
    ps->p += len;
    n->type = type;
    n->text = word;
    return 0;
}

static int parse_value(parser *ps, cjson_node *n, int depth);

/* Elements of an array or members of an object, after the opening bracket. */
static int parse_children(parser *ps, cjson_node *n, int depth, char close)
{
    cjson_node **tail = &n->child;
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return 0;
    }
    for (;;) {
        cjson_node *c = arena_alloc(ps->doc, sizeof *c);
        if (!c)
            return nomem(ps);
        memset(c, 0, sizeof *c);
        skip_ws(ps);
        if (close == '}') {
            if (ps->p >= ps->end || *ps->p != '"')
                return fail(ps, "expected a member name");
            if (parse_string(ps, &c->key))
                return -1;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':')
                return fail(ps, "expected ':'");
            ps->p++;
        }
        if (parse_value(ps, c, depth + 1))
            return -1;
        *tail = c;
        tail = &c->next;
        n->count++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return 0;
        }
        return fail(ps, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

/* Any value into n. */
static int parse_value(parser *ps, cjson_node *n, int depth)
{
    if (depth > CJSON_MAX_DEPTH)
        return fail(ps, "nested too deeply");
    skip_ws(ps);
    if (ps->p >= ps->end)
        return fail(ps, "unexpected end of file");
    switch (*ps->p) {
    case '{': n->type = CJSON_OBJECT; return parse_children(ps, n, depth, '}');
    case '[': n->type = CJSON_ARRAY; return parse_children(ps, n, depth, ']');
    case '"': n->type = CJSON_STRING; return parse_string(ps, &n->text);
    case 't': return literal(ps, "true", n, CJSON_BOOL);
    case 'f': return literal(ps, "false", n, CJSON_BOOL);
    case 'n': return literal(ps, "null", n, CJSON_NULL);
    default: n->type = CJSON_NUMBER; return parse_number(ps, &n->text);
    }
}

/* Parse len bytes of JSON text into a document. */
esr_status cjson_parse(const char *text, size_t len, const char *name, cjson_doc **out,
                       esr_err *err)
{
    *out = NULL;
    cjson_doc *d = calloc(1, sizeof *d);
    if (!d)
        return esr_err_set(err, ESR_ERR_NOMEM, "%s: out of memory", name);
    parser ps = {d, text, text, text + len, name, err, ESR_OK};
    if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
        ps.p += 3;
    if (!(d->root = arena_alloc(d, sizeof *d->root))) {
        cjson_free(d);
        return esr_err_set(err, ESR_ERR_NOMEM, "%s: out of memory", name);
    }
    memset(d->root, 0, sizeof *d->root);
    if (!parse_value(&ps, d->root, 0)) {
        skip_ws(&ps);
        if (ps.p != ps.end)
            fail(&ps, "text after the end of the document");
    }
    if (ps.st) {
        cjson_free(d);
        return ps.st;
    }
    *out = d;
    return ESR_OK;
}

/* The root value. */
const cjson_node *cjson_root(const cjson_doc *d)
{
    return d ? d->root : NULL;
}

/* Member key of object obj, or NULL. */
const cjson_node *cjson_get(const cjson_node *obj, const char *key)
{
    if (!obj || obj->type != CJSON_OBJECT)
        return NULL;
    const cjson_node *found = NULL;
    for (const cjson_node *c = obj->child; c; c = c->next)
        if (!strcmp(c->key, key))
            found = c; /* the last duplicate wins, as in most readers */
    return found;
}

/* String value of n, or NULL. */
const char *cjson_str(const cjson_node *n)
{
    return n && n->type == CJSON_STRING ? n->text : NULL;
}

/* Unsigned integer value of n: 0 on success, -1 otherwise. */
int cjson_u64(const cjson_node *n, uint64_t *out)
{
    if (!n || n->type != CJSON_NUMBER || !is_digit(n->text[0]))
        return -1;
    uint64_t v = 0;
    const char *s = n->text;
    for (; is_digit(*s); s++) {
        if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    if (*s)
        return -1;
    *out = v;
    return 0;
}

/* Free the document and every node. */
void cjson_free(cjson_doc *d)
{
    if (!d)
        return;
    for (block *b = d->blocks, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(d);
}
