/* title.c - job-title normaliser and matcher (see title.h). */
#include "title.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "strmap.h"
#include "text.h"

#define MAX_TOKENS 48
#define MAX_PHRASE 4
#define CACHE_MAX 65536
#define PENALTY_PER_EDIT 8
#define PENALTY_UNKNOWN 30

typedef enum term_kind { TK_PROFESSION, TK_ROLE, TK_SENIOR, TK_TRAINEE, TK_IGNORE } term_kind;

typedef struct term {
    term_kind kind;
    int value; /* profession or role index */
    unsigned line;
} term;

typedef struct job_title {
    int profession, role, trainee;
    unsigned line;
    const char *title;
} job_title;

typedef struct cached {
    esr_title_match m;
    char *rule, *suggestion;
} cached;

struct esr_titler {
    const esr_mappings *m;
    int threshold;
    esr_strmap *abbrev; /* phrase -> index into abbrev_exp */
    const char **abbrev_exp;
    size_t abbrev_max; /* longest abbreviation phrase, tokens */
    esr_strmap *terms; /* phrase -> index into term_v */
    term *term_v;
    esr_strmap *vocab; /* every known single token */
    esr_strmap *jobs;  /* key -> index into job_v */
    job_title *job_v;
    esr_strmap *cache; /* raw title -> index into cache_v */
    cached *cache_v;
    size_t ncache, cache_cap;
    esr_buf a, b, key, rule, sugg, lower;
    esr_buf brk; /* bracketed qualifiers of the last title cleaned */
    char *tok[MAX_TOKENS];
    size_t ntok;
    esr_buf tokbuf;
};

/* Name of a match kind. */
const char *title_kind_name(esr_title_kind k)
{
    static const char *const names[] = {"none", "exact", "normalised", "fuzzy"};
    return (unsigned)k < 4 ? names[k] : "none";
}

/* ASCII folding of U+00A0..U+017F and common punctuation. */
static const char *fold_cp(unsigned cp)
{
    static const char *const latin1[] = {/* C0 */ "a", "a", "a", "a", "a", "a", "ae", "c",
                                         "e",          "e", "e", "e", "i", "i", "i",  "i",
                                         /* D0 */ "d", "n", "o", "o", "o", "o", "o",  " ",
                                         "o",          "u", "u", "u", "u", "y", "th", "ss",
                                         /* E0 */ "a", "a", "a", "a", "a", "a", "ae", "c",
                                         "e",          "e", "e", "e", "i", "i", "i",  "i",
                                         /* F0 */ "d", "n", "o", "o", "o", "o", "o",  " ",
                                         "o",          "u", "u", "u", "u", "y", "th", "y"};
    static const char ext_a[] =
        "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiijjjjkkklllllllllln"
        "nnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
    if (cp >= 0xC0 && cp <= 0xFF)
        return latin1[cp - 0xC0];
    if (cp >= 0x100 && cp <= 0x17F) {
        static const char *const letters[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i",
                                              "j", "k", "l", "m", "n", "o", "p", "q", "r",
                                              "s", "t", "u", "v", "w", "x", "y", "z"};
        char ch = ext_a[cp - 0x100];
        if (cp == 0x152 || cp == 0x153)
            return "oe";
        if (cp == 0x132 || cp == 0x133)
            return "ij";
        return ch >= 'a' && ch <= 'z' ? letters[ch - 'a'] : " ";
    }
    if ((cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212)
        return "-";
    if (cp == 0x2018 || cp == 0x2019)
        return "'";
    return " ";
}

/* UTF-8 -> lower-case ASCII. */
static void fold(const char *s, esr_buf *out)
{
    esr_buf_reset(out);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p, cp;
        size_t k;
        if (c < 0x80) {
            esr_buf_putc(out, (char)(c >= 'A' && c <= 'Z' ? c + 32 : c));
            p++;
            continue;
        }
        if (c >= 0xc2 && c < 0xe0 && (p[1] & 0xc0) == 0x80) {
            cp = ((c & 0x1f) << 6) | (p[1] & 0x3f);
            k = 2;
        } else if (c >= 0xe0 && c < 0xf0 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80) {
            cp = ((c & 0x0f) << 12) | ((p[1] & 0x3f) << 6) | (p[2] & 0x3f);
            k = 3;
        } else {
            cp = 0xFFFD;
            k = 1;
            while (p[k] && (p[k] & 0xc0) == 0x80 && k < 4)
                k++;
        }
        esr_buf_puts(out, fold_cp(cp));
        p += k;
    }
}

/* Drop bracketed qualifiers (kept in brk, cleaned the same way, for
 * bracket_profession); punctuation to spaces; '&' reads "and". */
static void clean(const char *s, esr_buf *out, esr_buf *brk)
{
    esr_buf_reset(out);
    esr_buf_reset(brk);
    int depth = 0;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (c == '(' || c == '[' || c == '{') {
            depth++;
            esr_buf_putc(out, ' ');
            esr_buf_putc(brk, ' ');
        } else if (c == ')' || c == ']' || c == '}') {
            if (depth)
                depth--;
            esr_buf_putc(out, ' ');
            esr_buf_putc(brk, ' ');
        } else if (depth) {
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
                esr_buf_putc(brk, c);
            else if (c == '&')
                esr_buf_puts(brk, " and ");
            else if (c != '\'')
                esr_buf_putc(brk, ' ');
            continue;
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            esr_buf_putc(out, c);
        } else if (c == '&') {
            esr_buf_puts(out, " and ");
        } else if (c == '\'') {
            continue; /* o'neill -> oneill */
        } else {
            esr_buf_putc(out, ' ');
        }
    }
}

/* 1 if t is a band value such as 3 or 8a, else 0. */
static int is_band_value(const char *t)
{
    /* 3, 8a, 8b... (a grade letter alone is too ambiguous to drop) */
    size_t n = strlen(t), i = 0;
    while (i < n && t[i] >= '0' && t[i] <= '9')
        i++;
    if (i == 0)
        return 0;
    return i == n || (i + 1 == n && t[i] >= 'a' && t[i] <= 'd');
}

/* Split into tokens, dropping band and grade suffixes. */
static void tokenise(esr_titler *t, const char *s)
{
    esr_buf_reset(&t->tokbuf);
    esr_buf_puts(&t->tokbuf, s);
    t->ntok = 0;
    char *save = NULL;
    char *raw[MAX_TOKENS];
    size_t n = 0;
    for (char *w = strtok_r(t->tokbuf.data ? t->tokbuf.data : (char *)"", " ", &save);
         w && n < MAX_TOKENS; w = strtok_r(NULL, " ", &save))
        raw[n++] = w;
    for (size_t i = 0; i < n; i++) {
        const char *w = raw[i];
        if ((!strcmp(w, "band") || !strcmp(w, "grade") || !strcmp(w, "afc")) && i + 1 < n &&
            (is_band_value(raw[i + 1]) || !strcmp(w, "grade"))) {
            i++;
            continue;
        }
        if (!strcmp(w, "band") || !strcmp(w, "afc"))
            continue;
        if (w[0] == 'b' && is_band_value(w + 1))
            continue; /* b3, b4, b8a */
        if (is_band_value(w))
            continue;
        t->tok[t->ntok++] = raw[i];
    }
}

/* Tokens tok[0..n) joined by spaces into out; returns the length. */
static size_t join(char **tok, size_t n, esr_buf *out)
{
    esr_buf_reset(out);
    for (size_t i = 0; i < n; i++) {
        if (i)
            esr_buf_putc(out, ' ');
        esr_buf_puts(out, tok[i]);
    }
    return out->len;
}

/* The longest phrase of at most max of the n tokens at tok found in map:
 * its length in tokens (0: none), its entry in *idx and its text in phrase. */
static size_t longest(const esr_strmap *map, char **tok, size_t n, size_t max, esr_buf *phrase,
                      size_t *idx)
{
    for (size_t L = n < max ? n : max; L >= 1; L--) {
        join(tok, L, phrase);
        if (esr_strmap_get(map, phrase->data, phrase->len, idx))
            return L;
    }
    return 0;
}

/* Expand abbreviations (longest phrase first, one pass: no recursion). */
static void expand(esr_titler *t, esr_buf *out)
{
    esr_buf_reset(out);
    esr_buf phrase = {0};
    size_t i = 0;
    while (i < t->ntok) {
        size_t idx = 0;
        size_t best = longest(t->abbrev, t->tok + i, t->ntok - i, t->abbrev_max, &phrase, &idx);
        const char *w = best ? t->abbrev_exp[idx] : t->tok[i];
        /* emit word by word, dropping stop words (empty expansions) */
        while (*w) {
            size_t n = strcspn(w, " "), k;
            if (n && !(esr_strmap_get(t->abbrev, w, n, &k) && !*t->abbrev_exp[k])) {
                if (out->len)
                    esr_buf_putc(out, ' ');
                esr_buf_append(out, w, n);
            }
            w += n + (w[n] == ' ');
        }
        i += best ? best : 1;
    }
    esr_buf_free(&phrase);
}

/* Normalise title into space-separated tokens. */
void title_normalise(esr_titler *t, const char *title, esr_buf *out)
{
    fold(title, &t->a);
    clean(esr_buf_str(&t->a), &t->b, &t->brk);
    tokenise(t, esr_buf_str(&t->b));
    expand(t, out);
}

/* qsort order for C strings. */
static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Key: sorted distinct tokens of a normalised string. */
static void make_key(const char *norm, esr_buf *key)
{
    char *copy = strdup(norm), *tok[MAX_TOKENS], *save = NULL;
    size_t n = 0;
    esr_buf_reset(key);
    if (!copy)
        return;
    for (char *w = strtok_r(copy, " ", &save); w && n < MAX_TOKENS; w = strtok_r(NULL, " ", &save))
        tok[n++] = w;
    qsort(tok, n, sizeof *tok, cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (i && !strcmp(tok[i], tok[i - 1]))
            continue;
        if (key->len)
            esr_buf_putc(key, ' ');
        esr_buf_puts(key, tok[i]);
    }
    free(copy);
}

/* The lookup key of title: its normalised tokens, sorted and distinct. */
void title_key(esr_titler *t, const char *title, esr_buf *out)
{
    esr_buf norm = {0};
    title_normalise(t, title, &norm);
    make_key(esr_buf_str(&norm), out);
    esr_buf_free(&norm);
}

/* Append table:line to the rule list (comma-separated). */
static void add_line(esr_buf *rule, const char *table, unsigned line)
{
    if (rule->len)
        esr_buf_putc(rule, ',');
    esr_buf_printf(rule, "%s:%u", table, line);
}

/* What a known single word reads as: its abbreviation expansion, else itself. */
static const char *canon(esr_titler *t, const char *w)
{
    size_t i;
    return esr_strmap_get(t->abbrev, w, strlen(w), &i) ? t->abbrev_exp[i] : w;
}

/* Nearest known token within the typo budget for its length, or NULL.
 * Two nearest words that read differently ("orthottic": orthotic or
 * orthoptic?) make the typo ambiguous: NULL, with the two in amb[]. Typos
 * seldom hit the first letter: a two-edit correction must keep it. */
static const char *correct(esr_titler *t, const char *w, int *dist, const char *amb[2])
{
    size_t n = strlen(w);
    int max = n >= 8 ? 2 : n >= 5 ? 1 : 0;
    amb[0] = amb[1] = NULL;
    if (!max || esr_strmap_get(t->vocab, w, n, NULL))
        return NULL; /* a known word is not a typo */
    const char *best = NULL, *tie = NULL;
    int bd = max + 1;
    for (size_t i = 0; i < esr_strmap_count(t->vocab); i++) {
        const char *v = esr_strmap_key(t->vocab, i, NULL);
        int d = text_distance(w, v, max);
        if (d > 1 && v[0] != w[0])
            continue; /* two edits and another first letter: another word
                       * ("audiology" is not "radiology") */
        if (d < bd) {
            bd = d;
            best = v;
            tie = NULL;
        } else if (d == bd && best && !tie && strcmp(canon(t, v), canon(t, best))) {
            tie = v;
        }
    }
    *dist = bd;
    if (tie) {
        amb[0] = best;
        amb[1] = tie;
        return NULL;
    }
    return best;
}

/* The profession named by the bracketed qualifiers of the title last
 * normalised: -1 none, -2 two different ones; the terms' lines go to
 * lines and the typo corrections made to *edits. Only profession phrases
 * count; other words in brackets are free text and cost nothing. */
static int bracket_profession(esr_titler *t, esr_buf *lines, int *edits, esr_buf *trace)
{
    esr_buf norm = {0}, phrase = {0};
    char *tok[MAX_TOKENS], *save = NULL;
    size_t n = 0;
    int prof = -1;
    tokenise(t, esr_buf_str(&t->brk));
    for (size_t k = 0; k < t->ntok; k++) {
        int d = 0;
        const char *amb[2];
        const char *fix = correct(t, t->tok[k], &d, amb);
        if (fix) {
            if (trace)
                esr_buf_printf(trace, "bracket typo: %s -> %s\n", t->tok[k], fix);
            t->tok[k] = (char *)fix;
            *edits += d;
        }
    }
    expand(t, &norm);
    char *copy = strdup(esr_buf_str(&norm));
    if (!copy)
        goto done;
    for (char *w = strtok_r(copy, " ", &save); w && n < MAX_TOKENS; w = strtok_r(NULL, " ", &save))
        tok[n++] = w;
    if (trace && n)
        esr_buf_printf(trace, "brackets:     %s\n", esr_buf_str(&norm));
    for (size_t i = 0; i < n;) {
        size_t idx = 0;
        size_t best = longest(t->terms, tok + i, n - i, MAX_PHRASE, &phrase, &idx);
        if (best && t->term_v[idx].kind == TK_PROFESSION && t->term_v[idx].value >= 0) {
            const term *tm = &t->term_v[idx];
            if (trace)
                esr_buf_printf(trace, "bracket term: \"%s\" (title_terms.csv:%u)\n", phrase.data,
                               tm->line);
            add_line(lines, "title_terms.csv", tm->line);
            prof = prof >= 0 && prof != tm->value ? -2 : prof == -2 ? -2 : tm->value;
        }
        i += best ? best : 1;
    }
    free(copy);
done:
    esr_buf_free(&norm);
    esr_buf_free(&phrase);
    return prof;
}

/* Match title to profession and role, appending each step to trace if given. */
static void do_match(esr_titler *t, const char *title, esr_title_match *out, esr_buf *trace)
{
    const esr_mappings *m = t->m;
    memset(out, 0, sizeof *out);
    out->profession = out->role = -1;
    esr_buf_reset(&t->rule);
    esr_buf_reset(&t->sugg);
    esr_buf norm = {0};
    title_normalise(t, title, &norm);
    make_key(esr_buf_str(&norm), &t->key);
    if (trace) {
        esr_buf_printf(trace, "title:        %s\n", title);
        esr_buf_printf(trace, "folded:       %s\n", esr_buf_str(&t->a));
        esr_buf_printf(trace, "cleaned:      %s\n", esr_buf_str(&t->b));
        esr_buf_printf(trace, "expanded:     %s\n", esr_buf_str(&norm));
        esr_buf_printf(trace, "key:          %s\n", esr_buf_str(&t->key));
    }
    size_t j;
    /* 1. whole-title lookup */
    if (t->key.len && esr_strmap_get(t->jobs, t->key.data, t->key.len, &j)) {
        const job_title *jt = &t->job_v[j];
        fold(title, &t->lower);
        fold(jt->title, &t->a);
        out->kind = !strcmp(esr_buf_str(&t->lower), esr_buf_str(&t->a)) ? ESR_TITLE_EXACT
                                                                        : ESR_TITLE_NORMALISED;
        out->profession = jt->profession;
        out->role = jt->role;
        out->trainee = jt->trainee;
        out->score = 100;
        add_line(&t->rule, "job_titles.csv", jt->line);
        if (trace)
            esr_buf_printf(trace, "job_titles:   line %u \"%s\"\n", jt->line, jt->title);
        goto finish;
    }
    /* 2. phrases, after correcting typos: a token no table knows becomes
     * the nearest known word within its length's budget, at a cost in
     * confidence, and the title is expanded again */
    {
        int edits = 0;
        for (size_t k = 0; k < t->ntok; k++) {
            int d = 0;
            const char *amb[2];
            const char *fix = correct(t, t->tok[k], &d, amb);
            if (amb[0] && trace)
                esr_buf_printf(trace, "typo:         %s is ambiguous (%s or %s): left unknown\n",
                               t->tok[k], amb[0], amb[1]);
            if (!fix)
                continue;
            if (trace)
                esr_buf_printf(trace, "typo:         %s -> %s (%d edit%s)\n", t->tok[k], fix, d,
                               d == 1 ? "" : "s");
            t->tok[k] = (char *)fix;
            edits += d;
        }
        if (edits) {
            expand(t, &norm);
            if (trace)
                esr_buf_printf(trace, "corrected:    %s\n", esr_buf_str(&norm));
        }
        char *tok[MAX_TOKENS], *save = NULL;
        size_t n = 0;
        char *copy = strdup(esr_buf_str(&norm));
        if (!copy)
            goto finish;
        for (char *w = strtok_r(copy, " ", &save); w && n < MAX_TOKENS;
             w = strtok_r(NULL, " ", &save))
            tok[n++] = w;
        int prof = -1, role = -1, prof_conflict = 0, role_conflict = 0, unknown = 0;
        esr_buf phrase = {0};
        size_t i = 0;
        while (i < n) {
            size_t idx = 0;
            size_t best = longest(t->terms, tok + i, n - i, MAX_PHRASE, &phrase, &idx);
            if (!best) {
                if (trace)
                    esr_buf_printf(trace, "unknown:      %s\n", tok[i]);
                unknown++;
                i++;
                continue;
            }
            const term *tm = &t->term_v[idx];
            if (trace)
                esr_buf_printf(trace, "term:         \"%s\" (title_terms.csv:%u)\n", phrase.data,
                               tm->line);
            add_line(&t->rule, "title_terms.csv", tm->line);
            switch (tm->kind) {
            case TK_PROFESSION:
                if (prof >= 0 && prof != tm->value)
                    prof_conflict = 1;
                prof = tm->value;
                break;
            case TK_ROLE:
                if (role >= 0 && role != tm->value)
                    role_conflict = 1;
                role = tm->value;
                break;
            case TK_SENIOR: out->senior = 1; break;
            case TK_TRAINEE: out->trainee = 1; break;
            case TK_IGNORE: break;
            }
            i += best;
        }
        esr_buf_free(&phrase);
        /* a corrected title may now be a known whole title */
        if (edits) {
            esr_buf fixed = {0}, fkey = {0};
            join(tok, n, &fixed);
            make_key(esr_buf_str(&fixed), &fkey);
            if (fkey.len && esr_strmap_get(t->jobs, fkey.data, fkey.len, &j)) {
                const job_title *jt = &t->job_v[j];
                prof = jt->profession;
                role = jt->role;
                out->trainee |= jt->trainee;
                prof_conflict = role_conflict = 0;
                unknown = 0;
                esr_buf_reset(&t->rule);
                add_line(&t->rule, "job_titles.csv", jt->line);
                if (trace)
                    esr_buf_printf(trace, "job_titles:   line %u \"%s\" after corrections\n",
                                   jt->line, jt->title);
            }
            esr_buf_free(&fixed);
            esr_buf_free(&fkey);
        }
        free(copy);
        int score = 100 - PENALTY_PER_EDIT * edits - PENALTY_UNKNOWN * unknown;
        if (prof_conflict) {
            prof = -1;
            score -= PENALTY_UNKNOWN;
        }
        if (role_conflict)
            role = -1;
        if (prof < 0 && role < 0)
            score = 0;
        out->score = score < 0 ? 0 : score;
        out->profession = prof;
        out->role = role;
        out->kind = edits ? ESR_TITLE_FUZZY : ESR_TITLE_NORMALISED;
    }
finish:
    /* bracketed qualifiers are not part of the title's key, but one that
     * names a profession is evidence: it supplies a profession the title
     * lacks ("Rehab Assistant (Physio)") and contradicts one the title names
     * ("Technical Instructor (Physiotherapy)" is not the OT title) */
    if (out->kind != ESR_TITLE_NONE && (out->profession >= 0 || out->role >= 0) && t->brk.len) {
        esr_buf lines = {0};
        int edits = 0;
        int bp = bracket_profession(t, &lines, &edits, trace);
        if (bp == -2 || (bp >= 0 && out->profession >= 0 && bp != out->profession)) {
            if (trace)
                esr_buf_printf(trace, "brackets:     name %s: no profession applied\n",
                               bp == -2 ? "two professions" : "another profession");
            out->profession = -1;
            out->score = out->score > PENALTY_UNKNOWN ? out->score - PENALTY_UNKNOWN : 0;
            esr_buf_printf(&t->rule, "%s%s", t->rule.len ? "," : "", esr_buf_str(&lines));
        } else if (bp >= 0 && out->profession < 0) {
            out->profession = bp;
            out->score -= PENALTY_PER_EDIT * edits;
            if (out->score < 0) /* a confidence is 0-100 (found by fuzz_title) */
                out->score = 0;
            esr_buf_printf(&t->rule, "%s%s", t->rule.len ? "," : "", esr_buf_str(&lines));
        }
        esr_buf_free(&lines);
    }
    if (out->role >= 0 && out->trainee && out->role == (int)m->role_none)
        out->role = -1;
    if (out->trainee && out->role >= 0 && m->roles[out->role].trainee_role >= 0)
        out->role = m->roles[out->role].trainee_role; /* support_roles.csv */
    if (out->kind != ESR_TITLE_NONE && out->score < t->threshold) {
        /* below the threshold nothing is applied: keep the guess for review */
        esr_buf_printf(&t->sugg, "%s%s%s (confidence %d)",
                       out->profession >= 0 ? m->prof[out->profession].name : "?", " / ",
                       out->role >= 0 ? m->roles[out->role].name : "?", out->score);
        out->kind = ESR_TITLE_NONE;
        out->profession = out->role = -1;
        out->senior = out->trainee = 0;
    }
    out->rule = esr_buf_str(&t->rule);
    out->suggestion = esr_buf_str(&t->sugg);
    if (trace)
        esr_buf_printf(trace, "result:       %s, confidence %d: profession %s, role %s%s%s%s%s\n",
                       title_kind_name(out->kind), out->score,
                       out->profession >= 0 ? m->prof[out->profession].name : "(none)",
                       out->role >= 0 ? m->roles[out->role].name : "(none)",
                       out->senior ? ", senior" : "", out->trainee ? ", trainee" : "",
                       *out->suggestion ? "; review, best guess: " : "", out->suggestion);
    esr_buf_free(&norm);
}

/* Match title; the result's strings live until the titler is freed. */
void title_match(esr_titler *t, const char *title, esr_title_match *out)
{
    size_t n = strlen(title), i;
    if (esr_strmap_get(t->cache, title, n, &i)) {
        *out = t->cache_v[i].m;
        return;
    }
    do_match(t, title, out, NULL);
    if (t->ncache >= CACHE_MAX)
        return; /* strings valid until the next call */
    if (esr_grow(&t->cache_v, &t->cache_cap, t->ncache + 1, sizeof *t->cache_v, 256))
        return;
    cached *c = &t->cache_v[t->ncache];
    c->rule = strdup(out->rule);
    c->suggestion = strdup(out->suggestion);
    if (!c->rule || !c->suggestion) {
        free(c->rule);
        free(c->suggestion);
        return;
    }
    c->m = *out;
    c->m.rule = c->rule;
    c->m.suggestion = c->suggestion;
    if (esr_strmap_put(t->cache, title, n, t->ncache, NULL) != 1) {
        free(c->rule);
        free(c->suggestion);
        return;
    }
    t->ncache++;
    *out = c->m;
}

/* Like title_match, appending a step-by-step account to trace. */
void title_explain(esr_titler *t, const char *title, esr_title_match *out, esr_buf *trace)
{
    do_match(t, title, out, trace);
}

/* Add each word of phrase of 4 or more bytes to the vocabulary; 0 or -1. */
static int add_vocab(esr_titler *t, const char *phrase)
{
    char *copy = strdup(phrase), *save = NULL;
    if (!copy)
        return -1;
    for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
        if (strlen(w) >= 4 && esr_strmap_put(t->vocab, w, strlen(w), 0, NULL) < 0) {
            free(copy);
            return -1;
        }
    free(copy);
    return 0;
}

/* Index of name in map, or -1 (also when empty). */
static int lookup(esr_strmap *map, const char *name)
{
    size_t i;
    return *name && esr_strmap_get(map, name, strlen(name), &i) ? (int)i : -1;
}

/* Compile the title tables of m (borrowed). */
esr_titler *title_new(const esr_mappings *m, int threshold)
{
    esr_titler *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->m = m;
    t->threshold = threshold;
    if (!(t->abbrev = esr_strmap_new()) || !(t->terms = esr_strmap_new()) ||
        !(t->vocab = esr_strmap_new()) || !(t->jobs = esr_strmap_new()) ||
        !(t->cache = esr_strmap_new()))
        goto fail;
    esr_buf norm = {0};
    const esr_table *tb = m->t_abbrev;
    int c_ab = table_col(tb, "abbreviation"), c_ex = table_col(tb, "expansion");
    if (!(t->abbrev_exp = calloc(tb->nrows + 1, sizeof *t->abbrev_exp)))
        goto fail;
    for (size_t i = 0; i < tb->nrows; i++) {
        /* the phrase is cleaned the same way titles are */
        fold(table_get(tb, i, c_ab), &t->a);
        clean(esr_buf_str(&t->a), &t->b, &t->brk);
        tokenise(t, esr_buf_str(&t->b));
        join(t->tok, t->ntok, &norm);
        if (t->ntok > t->abbrev_max)
            t->abbrev_max = t->ntok;
        t->abbrev_exp[i] = table_get(tb, i, c_ex);
        if (norm.len && esr_strmap_put(t->abbrev, norm.data, norm.len, i, NULL) < 0)
            goto fail_norm;
        if (add_vocab(t, t->abbrev_exp[i]) || add_vocab(t, esr_buf_str(&norm)))
            goto fail_norm;
    }
    tb = m->t_terms;
    int c_ph = table_col(tb, "phrase"), c_k = table_col(tb, "kind"), c_v = table_col(tb, "value");
    if (!(t->term_v = calloc(tb->nrows + 1, sizeof *t->term_v)))
        goto fail_norm;
    for (size_t i = 0; i < tb->nrows; i++) {
        const char *k = table_get(tb, i, c_k), *v = table_get(tb, i, c_v);
        term *tm = &t->term_v[i];
        tm->line = (unsigned)tb->rows[i].line;
        tm->kind = !strcmp(k, "profession") ? TK_PROFESSION
                   : !strcmp(k, "role")     ? TK_ROLE
                   : !strcmp(k, "senior")   ? TK_SENIOR
                   : !strcmp(k, "trainee")  ? TK_TRAINEE
                                            : TK_IGNORE;
        tm->value = tm->kind == TK_PROFESSION ? lookup(m->prof_by_name, v)
                    : tm->kind == TK_ROLE     ? lookup(m->role_by_name, v)
                                              : -1;
        title_normalise(t, table_get(tb, i, c_ph), &norm);
        if (norm.len && esr_strmap_put(t->terms, norm.data, norm.len, i, NULL) < 0)
            goto fail_norm;
        if (add_vocab(t, esr_buf_str(&norm)))
            goto fail_norm;
    }
    tb = m->t_jobs;
    int c_t = table_col(tb, "title"), c_p = table_col(tb, "profession"),
        c_r = table_col(tb, "support_role"), c_tr = table_col(tb, "trainee");
    if (!(t->job_v = calloc(tb->nrows + 1, sizeof *t->job_v)))
        goto fail_norm;
    for (size_t i = 0; i < tb->nrows; i++) {
        job_title *jt = &t->job_v[i];
        jt->title = table_get(tb, i, c_t);
        jt->profession = lookup(m->prof_by_name, table_get(tb, i, c_p));
        jt->role = lookup(m->role_by_name, table_get(tb, i, c_r));
        jt->trainee = !strcmp(table_get(tb, i, c_tr), "yes");
        jt->line = (unsigned)tb->rows[i].line;
        title_normalise(t, jt->title, &norm);
        make_key(esr_buf_str(&norm), &t->key);
        if (t->key.len && esr_strmap_put(t->jobs, t->key.data, t->key.len, i, NULL) < 0)
            goto fail_norm;
        if (add_vocab(t, esr_buf_str(&norm)))
            goto fail_norm;
    }
    esr_buf_free(&norm);
    return t;
fail_norm:
    esr_buf_free(&norm);
fail:
    title_free(t);
    return NULL;
}

/* Free the titler. */
void title_free(esr_titler *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->ncache; i++) {
        free(t->cache_v[i].rule);
        free(t->cache_v[i].suggestion);
    }
    free(t->cache_v);
    esr_strmap_free(t->abbrev);
    esr_strmap_free(t->terms);
    esr_strmap_free(t->vocab);
    esr_strmap_free(t->jobs);
    esr_strmap_free(t->cache);
    free(t->abbrev_exp);
    free(t->term_v);
    free(t->job_v);
    esr_buf_free(&t->a);
    esr_buf_free(&t->b);
    esr_buf_free(&t->key);
    esr_buf_free(&t->rule);
    esr_buf_free(&t->sugg);
    esr_buf_free(&t->lower);
    esr_buf_free(&t->brk);
    esr_buf_free(&t->tokbuf);
    free(t);
}
