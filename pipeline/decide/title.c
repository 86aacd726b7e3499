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

/* The kinds of title_terms.csv, in term_kind order. */
static const char *const term_kinds[] = {"profession", "role",    "generic_role",
                                         "senior",     "trainee", "not_support",
                                         "registered", "ignore",  "band_word"};

/* How a band_word introduces a pay band (its title_terms.csv value). */
enum { BW_VALUE, BW_ANY, BW_PREFIX };
static const char *const band_word_modes[] = {"", "any", "prefix"};

typedef enum term_kind {
    TK_PROFESSION,  /* names the profession supported */
    TK_ROLE,        /* names a support role */
    TK_GENERIC,     /* a role word that needs a profession or setting ("assistant") */
    TK_SENIOR,      /* senior, higher level (value: the career framework level) */
    TK_TRAINEE,     /* trainee, apprentice; value: a learner's role */
    TK_NOT_SUPPORT, /* manager, officer...: not a support role (value: from band N) */
    TK_REGISTERED,  /* a registered profession ("physiotherapist"): value its profession */
    TK_IGNORE,      /* a setting or specialty: context */
    TK_BAND_WORD    /* introduces a pay band, dropped with it (value: how, band_word_modes) */
} term_kind;

typedef struct term {
    term_kind kind;
    int value; /* profession or role index; band for not_support; level for senior */
    unsigned line;
} term;

typedef struct job_title {
    int profession, role, trainee;
    int explicit_prof; /* the title's own words name its profession */
    unsigned line;
    const char *title;
    const char *table; /* "job_titles.csv", or the --titles file's name */
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
    esr_strmap *vocab;            /* every known single token */
    esr_strmap *fixes;            /* the tokens a typo may be corrected to */
    esr_strmap *jobs;             /* key -> index into job_v */
    esr_strmap *phrases;          /* normalised title, in order -> index into job_v */
    size_t phrase_max;            /* longest phrase, tokens */
    size_t phrase_at, phrase_end; /* where the last role phrase started and ended */
    int generic_penalty;          /* what a generic role without profession cost the last match */
    int learner_role;             /* the role trainee terms name (a student's), -1 none */
    int prof_explicit;            /* the last match's profession was named, not a default */
    job_title *job_v;
    size_t njobs;
    esr_strmap *cache; /* raw title -> index into cache_v */
    cached *cache_v;
    size_t ncache, cache_cap;
    esr_buf a, b, key, rule, sugg, lower;
    esr_buf brk;              /* bracketed qualifiers of the last title cleaned */
    esr_strmap *band_words;   /* band_word phrase -> BW_VALUE or BW_ANY */
    const char **band_prefix; /* band_word phrases written joined to the band ("b3") */
    size_t nprefix;
    char *tok[MAX_TOKENS];
    size_t ntok;
    esr_buf tokbuf;
    esr_status status; /* latched: an allocation failed while matching */
};

/* Latch b's growth failure in t, then free b: a scratch buffer's failure
 * outlives it, so a match is checked once, at its end. */
static void drop(esr_titler *t, esr_buf *b)
{
    if (b->status)
        t->status = b->status;
    esr_buf_free(b);
}

/* ESR_OK, or ESR_ERR_NOMEM when an allocation failed in any match so far
 * (the titler's own buffers latch their failures, scratch ones via drop). */
static esr_status status_of(const esr_titler *t)
{
    const esr_buf *own[] = {&t->a,    &t->b,     &t->key, &t->rule,
                            &t->sugg, &t->lower, &t->brk, &t->tokbuf};
    for (size_t i = 0; i < sizeof own / sizeof *own; i++)
        if (own[i]->status)
            return own[i]->status;
    return t->status;
}

/* Name of a term kind. */
static const char *term_kind_name(term_kind k)
{
    return term_kinds[k];
}

/* Term kind named s, or -1. */
int title_term_kind(const char *s)
{
    for (size_t i = 0; i < sizeof term_kinds / sizeof term_kinds[0]; i++)
        if (!strcmp(s, term_kinds[i]))
            return (int)i;
    return -1;
}

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

/* 1 if w is a band_word prefix written joined to a band value ("b3"). */
static int band_prefixed(const esr_titler *t, const char *w)
{
    for (size_t i = 0; i < t->nprefix; i++) {
        size_t n = strlen(t->band_prefix[i]);
        if (!strncmp(w, t->band_prefix[i], n) && is_band_value(w + n))
            return 1;
    }
    return 0;
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
        size_t mode;
        /* title_terms.csv band words: "band 3", "afc 4", "grade c"; "band" alone */
        if (esr_strmap_get(t->band_words, w, strlen(w), &mode)) {
            if (i + 1 < n && (mode == BW_ANY || is_band_value(raw[i + 1]))) {
                i++;
                continue;
            }
            if (mode == BW_VALUE)
                continue;
        }
        if (band_prefixed(t, w) || is_band_value(w))
            continue; /* b3, b8a; 3, 8a */
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
    drop(t, &phrase);
}

/* Normalise title into space-separated tokens. */
esr_status title_normalise(esr_titler *t, const char *title, esr_buf *out)
{
    fold(title, &t->a);
    clean(esr_buf_str(&t->a), &t->b, &t->brk);
    tokenise(t, esr_buf_str(&t->b));
    expand(t, out);
    return out->status ? out->status : status_of(t);
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
    if (!copy) {
        key->status = ESR_ERR_NOMEM; /* latched like a failed growth */
        return;
    }
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
esr_status title_key(esr_titler *t, const char *title, esr_buf *out)
{
    esr_buf norm = {0};
    title_normalise(t, title, &norm);
    make_key(esr_buf_str(&norm), out);
    drop(t, &norm);
    return out->status ? out->status : status_of(t);
}

/* The key titles are learned under: title_key plus the bracketed words
 * ("Assistant Practitioner (Ambulance)" is not "Assistant Practitioner"). */
esr_status title_learn_key(esr_titler *t, const char *title, esr_buf *out)
{
    esr_buf norm = {0};
    title_normalise(t, title, &norm);
    make_key(esr_buf_str(&norm), out);
    tokenise(t, esr_buf_str(&t->brk));
    if (t->ntok && out->len) {
        esr_buf_puts(out, " |");
        for (size_t i = 0; i < t->ntok; i++)
            esr_buf_printf(out, " %s", t->tok[i]);
    }
    drop(t, &norm);
    return out->status ? out->status : status_of(t);
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

/* What a known word reads as, for telling typo candidates apart: the
 * profession of a profession or registered term ("orthoptist" and
 * "orthoptic" read alike), else its abbreviation expansion or itself. */
static const char *reads_as(esr_titler *t, const char *w)
{
    size_t i;
    if (esr_strmap_get(t->terms, w, strlen(w), &i) && t->term_v[i].value >= 0 &&
        (t->term_v[i].kind == TK_PROFESSION || t->term_v[i].kind == TK_REGISTERED))
        return t->m->prof[t->term_v[i].value].name;
    return canon(t, w);
}

/* Nearest known token within the typo budget for its length, or NULL.
 * Two nearest words that read differently ("orthottic": orthotic or
 * orthoptic?) make the typo ambiguous: NULL, with the two in amb[]. Typos
 * seldom hit the first letter: a two-edit correction must keep it. */
static const char *correct(esr_titler *t, const char *w, int *dist, const char *amb[2])
{
    size_t n = strlen(w), k;
    int max = n >= 8 ? 2 : n >= 5 ? 1 : 0;
    amb[0] = amb[1] = NULL;
    if (esr_strmap_get(t->vocab, w, n, NULL))
        return NULL; /* a known word is not a typo */
    if (n >= 4 && w[n - 1] == 's' && esr_strmap_get(t->vocab, w, n - 1, &k)) {
        *dist = 0; /* a plural of a known word: "practitioners" */
        return esr_strmap_key(t->vocab, k, NULL);
    }
    if (!max)
        return NULL;
    const char *best = NULL, *tie = NULL;
    int bd = max + 1;
    for (size_t i = 0; i < esr_strmap_count(t->fixes); i++) {
        const char *v = esr_strmap_key(t->fixes, i, NULL);
        int d = text_distance(w, v, max);
        if (d > 1 && v[0] != w[0])
            continue; /* two edits and another first letter: another word
                       * ("audiology" is not "radiology") */
        if (d < bd) {
            bd = d;
            best = v;
            tie = NULL;
        } else if (d == bd && best && !tie && strcmp(reads_as(t, v), reads_as(t, best))) {
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
    if (!copy) {
        t->status = ESR_ERR_NOMEM;
        goto done;
    }
    for (char *w = strtok_r(copy, " ", &save); w && n < MAX_TOKENS; w = strtok_r(NULL, " ", &save))
        tok[n++] = w;
    if (trace && n)
        esr_buf_printf(trace, "brackets:     %s\n", esr_buf_str(&norm));
    for (size_t i = 0; i < n;) {
        size_t idx = 0;
        size_t best = longest(t->terms, tok + i, n - i, MAX_PHRASE, &phrase, &idx);
        if (best && t->term_v[idx].value >= 0 &&
            (t->term_v[idx].kind == TK_PROFESSION || t->term_v[idx].kind == TK_REGISTERED)) {
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
    drop(t, &norm);
    drop(t, &phrase);
    return prof;
}

/* Brackets, trainee roles and the threshold: the last steps of a match. */
static void finish_match(esr_titler *t, esr_title_match *out, esr_buf *trace)
{
    const esr_mappings *m = t->m;
    /* bracketed qualifiers are not part of the title's key, but one that
     * names a profession is evidence: it supplies a profession the title
     * lacks ("Rehab Assistant (Physio)") and contradicts one the title names
     * ("Technical Instructor (Physiotherapy)" is not the OT title) */
    if (out->kind != ESR_TITLE_NONE && (out->profession >= 0 || out->role >= 0) && t->brk.len) {
        esr_buf lines = {0};
        int edits = 0;
        int bp = bracket_profession(t, &lines, &edits, trace);
        if (bp >= 0 && out->profession >= 0 && bp != out->profession && !t->prof_explicit) {
            /* the role phrase's profession is only a default: brackets name it */
            out->profession = bp;
            out->prof_default = 0;
            esr_buf_printf(&t->rule, "%s%s", t->rule.len ? "," : "", esr_buf_str(&lines));
        } else if (bp == -2 || (bp >= 0 && out->profession >= 0 && bp != out->profession)) {
            if (trace)
                esr_buf_printf(trace, "brackets:     name %s: no profession applied\n",
                               bp == -2 ? "two professions" : "another profession");
            out->profession = -1;
            out->score = out->score > PENALTY_UNKNOWN ? out->score - PENALTY_UNKNOWN : 0;
            esr_buf_printf(&t->rule, "%s%s", t->rule.len ? "," : "", esr_buf_str(&lines));
        } else if (bp >= 0 && out->profession < 0) {
            out->profession = bp;
            out->prof_default = 0;
            out->score += t->generic_penalty; /* the brackets name the profession */
            out->score -= PENALTY_PER_EDIT * edits;
            if (out->score < 0) /* a confidence is 0-100 (found by fuzz_title) */
                out->score = 0;
            esr_buf_printf(&t->rule, "%s%s", t->rule.len ? "," : "", esr_buf_str(&lines));
        }
        drop(t, &lines);
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
}

/* What the words around the role phrase say (see read_context). */
typedef struct context {
    int prof, prof_conflict; /* profession named, -1 none */
    int role, generic, role_conflict;
    size_t role_at, role_end; /* where the role term starts and ends */
    int senior, trainee, trainee_role;
    size_t trainee_end;                   /* the token after the last learner word */
    int outside;                          /* not-support word: band it applies from, 0 none */
    int registered;                       /* registered profession word: its profession, -1 none */
    size_t registered_at, registered_end; /* where it starts, the token after it */
    int known, unknown;                   /* words read as terms, words not known */
} context;

/* Read tok[from..to) as terms into x (longest phrase first); unknown
 * words are context and only counted. */
static void read_context(esr_titler *t, char **tok, size_t from, size_t to, context *x,
                         esr_buf *trace)
{
    esr_buf phrase = {0};
    size_t i = from;
    while (i < to) {
        size_t idx = 0;
        size_t best = longest(t->terms, tok + i, to - i, MAX_PHRASE, &phrase, &idx);
        if (!best) {
            if (trace)
                esr_buf_printf(trace, "context:      %s\n", tok[i]);
            x->unknown++;
            i++;
            continue;
        }
        const term *tm = &t->term_v[idx];
        if (trace)
            esr_buf_printf(trace, "%s\"%s\" %s (title_terms.csv:%u)\n",
                           tm->kind == TK_ROLE || tm->kind == TK_GENERIC ? "role term:    "
                                                                         : "context term: ",
                           phrase.data, term_kind_name(tm->kind), tm->line);
        add_line(&t->rule, "title_terms.csv", tm->line);
        x->known++;
        switch (tm->kind) {
        case TK_PROFESSION:
            if (x->prof >= 0 && x->prof != tm->value)
                x->prof_conflict = 1;
            x->prof = tm->value;
            break;
        case TK_ROLE:
        case TK_GENERIC:
            /* a specific role outranks a generic one; two of a kind conflict */
            if (x->role < 0 || (x->generic && tm->kind == TK_ROLE)) {
                x->role = tm->value;
                x->generic = tm->kind == TK_GENERIC;
                x->role_at = i;
                x->role_end = i + best;
            } else if (x->role != tm->value && !(tm->kind == TK_GENERIC && !x->generic)) {
                x->role_conflict = 1;
            }
            x->known--;
            break;
        case TK_SENIOR:
            if (tm->value > x->senior)
                x->senior = tm->value;
            break;
        case TK_TRAINEE:
            x->trainee = 1;
            x->trainee_end = i + best;
            if (tm->value >= 0)
                x->trainee_role = tm->value;
            break;
        case TK_NOT_SUPPORT:
            if (!x->outside || tm->value < x->outside)
                x->outside = tm->value;
            break;
        case TK_REGISTERED:
            x->registered = tm->value;
            x->registered_at = i;
            x->registered_end = i + best;
            break;
        case TK_IGNORE:
        case TK_BAND_WORD: break; /* never a phrase: tokenise drops band words */
        }
        i += best;
    }
    drop(t, &phrase);
}

/* The job-title phrase in tok[0..n) that ends furthest right, the longest
 * of those (English titles end in their role: "Occupational Therapy
 * Assistant Practitioner" is an assistant practitioner): its index into
 * job_v, its start and length; -1 none. */
static int find_role_phrase(esr_titler *t, char **tok, size_t n, size_t *at, size_t *len)
{
    esr_buf phrase = {0};
    int found = -1;
    *at = *len = 0;
    for (size_t s = 0; s < n; s++) {
        size_t idx = 0;
        size_t L = longest(t->phrases, tok + s, n - s, t->phrase_max, &phrase, &idx);
        if (L && (s + L > *at + *len || (s + L == *at + *len && L > *len))) {
            *len = L;
            *at = s;
            found = (int)idx;
        }
    }
    drop(t, &phrase);
    return found;
}

/* Decide profession, role and confidence from the role phrase (job j, or
 * -1) and its context x (see title.h: a title is a role phrase plus context). */
static void decide(esr_titler *t, int j, context *x, int edits, esr_title_match *out,
                   esr_buf *trace)
{
    const esr_mappings *m = t->m;
    int prof = x->prof_conflict ? -2 : x->prof, role = x->role_conflict ? -1 : x->role;
    if (prof == -1 && x->registered >= 0)
        prof = x->registered; /* "Physiotherapist Technical Instructor" */
    int score = 100 - PENALTY_PER_EDIT * edits;
    t->prof_explicit = prof != -1;
    if (j >= 0) {
        const job_title *jt = &t->job_v[j];
        role = jt->role;
        out->trainee |= jt->trainee;
        x->generic = 0;
        /* context names the profession unless the phrase itself does */
        if (jt->profession >= 0 && jt->explicit_prof && prof >= 0 && prof != jt->profession) {
            prof = -2; /* "Physio/OT Assistant": two professions named */
        } else if (jt->profession >= 0 && (jt->explicit_prof || prof == -1)) {
            t->prof_explicit = jt->explicit_prof;
            prof = jt->profession;
        }
    }
    if (x->registered >= 0) {
        /* "Physiotherapist" is registered; a role word next to it makes it
         * the profession supported: "Assistant Physiotherapist",
         * "Radiographer's Assistant"; a learner word makes it a student */
        size_t rs = j >= 0 ? t->phrase_at : x->role_at, re = j >= 0 ? t->phrase_end : x->role_end;
        int adjacent = role >= 0 && (rs == x->registered_end || re == x->registered_at);
        /* a learner word right before it: "Student Physiotherapist",
         * not "Practice Nurse - Trainee Post" */
        int learner = (x->trainee && x->trainee_end == x->registered_at) ||
                      (role >= 0 && role == t->learner_role && re == x->registered_at);
        if (prof == -1) {
            prof = x->registered;
            t->prof_explicit = 1;
        }
        if (learner && role < 0)
            role = x->trainee_role;
        else if (!adjacent && !learner)
            x->outside = 1;
    }
    if (prof == -2) {
        prof = -1; /* two professions named: none applied, the role stands */
        score -= PENALTY_PER_EDIT;
        if (trace)
            esr_buf_printf(trace, "professions:  two named: none applied\n");
    }
    if (role < 0 && x->trainee && prof >= 0 && x->trainee_role >= 0 && !x->unknown)
        role = x->trainee_role; /* "Apprentice OT", not "Theatre Stores Apprentice" */
    t->generic_penalty = 0;
    if (x->generic && x->prof == -1 && !x->prof_conflict && x->registered < 0) {
        /* a generic role word with no profession: unknown words weigh, and
         * alone ("Assistant") it is left for review */
        t->generic_penalty = x->known ? PENALTY_UNKNOWN * x->unknown : 100;
        score -= t->generic_penalty;
    }
    if (x->outside == 1) {
        if (trace)
            esr_buf_printf(trace, "not support:  a word in the title means not a support role\n");
        role = m->role_none;
        prof = -1; /* a profession named by a title out of scope is noise */
    } else if (x->outside > 1) {
        out->outside_band = x->outside;
        if (trace)
            esr_buf_printf(trace, "not support:  from band %d\n", x->outside);
    }
    if (prof < 0 && role < 0)
        score = 0;
    if (x->senior > out->senior)
        out->senior = x->senior;
    out->trainee |= x->trainee;
    out->prof_default = prof >= 0 && !t->prof_explicit;
    out->score = score < 0 ? 0 : score;
    out->profession = prof;
    out->role = role;
    out->kind = edits ? ESR_TITLE_FUZZY : ESR_TITLE_NORMALISED;
}

/* Correct typos in t->tok (see correct) and expand again into norm; the
 * number of edits made. */
static int correct_all(esr_titler *t, esr_buf *norm, esr_buf *trace)
{
    int edits = 0, changed = 0;
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
        changed = 1;
    }
    if (changed) {
        expand(t, norm);
        if (trace)
            esr_buf_printf(trace, "corrected:    %s\n", esr_buf_str(norm));
    }
    return edits;
}

/* Step 2: read the (corrected) title as a role phrase plus context. */
static void match_phrases(esr_titler *t, esr_buf *norm, esr_title_match *out, esr_buf *trace)
{
    int edits = correct_all(t, norm, trace);
    char *tok[MAX_TOKENS], *save = NULL;
    size_t n = 0, at = 0, len = 0;
    char *copy = strdup(esr_buf_str(norm));
    if (!copy) {
        t->status = ESR_ERR_NOMEM;
        return;
    }
    for (char *w = strtok_r(copy, " ", &save); w && n < MAX_TOKENS; w = strtok_r(NULL, " ", &save))
        tok[n++] = w;
    /* a corrected title may now be a known whole title */
    esr_buf fixed = {0}, fkey = {0};
    size_t jk;
    join(tok, n, &fixed);
    make_key(esr_buf_str(&fixed), &fkey);
    int j = -1;
    if (edits && fkey.len && esr_strmap_get(t->jobs, fkey.data, fkey.len, &jk)) {
        j = (int)jk;
        at = 0;
        len = n;
    } else {
        j = find_role_phrase(t, tok, n, &at, &len);
    }
    drop(t, &fixed);
    drop(t, &fkey);
    context x = {.prof = -1, .role = -1, .trainee_role = -1, .registered = -1};
    t->phrase_at = at;
    t->phrase_end = at + len;
    if (j >= 0) {
        esr_buf ph = {0};
        join(tok + at, len, &ph);
        add_line(&t->rule, t->job_v[j].table, t->job_v[j].line);
        if (trace)
            esr_buf_printf(trace, "role phrase:  \"%s\" (%s:%u)\n", esr_buf_str(&ph),
                           t->job_v[j].table, t->job_v[j].line);
        drop(t, &ph);
        read_context(t, tok, 0, at, &x, trace);
        read_context(t, tok, at + len, n, &x, trace);
    } else {
        read_context(t, tok, 0, n, &x, trace);
    }
    decide(t, j, &x, edits, out, trace);
    if (trace) {
        size_t rs = j >= 0 ? at : x.role >= 0 ? x.role_at : n, re = j >= 0 ? at + len : x.role_end;
        esr_buf ctx = {0};
        for (size_t k = 0; k < n; k++)
            if (k < rs || k >= re)
                esr_buf_printf(&ctx, "%s%s", ctx.len ? " " : "", tok[k]);
        esr_buf ph = {0};
        if (rs < n)
            join(tok + rs, re - rs, &ph);
        const char *b = esr_buf_str(&t->brk);
        while (*b == ' ')
            b++;
        int bn = (int)strlen(b);
        while (bn && b[bn - 1] == ' ')
            bn--;
        esr_buf_printf(trace, "read as:      role \"%s\", context \"%s%s%.*s\"\n", esr_buf_str(&ph),
                       esr_buf_str(&ctx), bn && ctx.len ? " " : "", bn, b);
        drop(t, &ph);
        drop(t, &ctx);
    }
    free(copy);
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
        out->whole = 1;
        t->prof_explicit = jt->explicit_prof;
        out->prof_default = jt->profession >= 0 && !jt->explicit_prof;
        add_line(&t->rule, jt->table, jt->line);
        if (trace)
            esr_buf_printf(trace,
                           "role phrase:  the whole title (%s:%u \"%s\")\n"
                           "read as:      role \"%s\", context \"\"\n",
                           jt->table, jt->line, jt->title, esr_buf_str(&norm));
    } else {
        /* 2. a role phrase anywhere in the title, the rest read as context */
        match_phrases(t, &norm, out, trace);
    }
    finish_match(t, out, trace);
    drop(t, &norm);
    (void)m;
}

/* Match title; the result's strings live until the titler is freed (past
 * CACHE_MAX titles, until the next call: transient). A cache entry that
 * cannot be made is no memory: the caller may hold the result past the next
 * call. */
esr_status title_match(esr_titler *t, const char *title, esr_title_match *out)
{
    size_t n = strlen(title), i;
    if (esr_strmap_get(t->cache, title, n, &i)) {
        *out = t->cache_v[i].m;
        return status_of(t);
    }
    do_match(t, title, out, NULL);
    if (status_of(t))
        return status_of(t); /* a match cut short by memory is never cached */
    if (t->ncache >= CACHE_MAX) {
        out->transient = 1; /* strings valid until the next call */
        return ESR_OK;
    }
    if (esr_grow(&t->cache_v, &t->cache_cap, t->ncache + 1, sizeof *t->cache_v, 256))
        return t->status = ESR_ERR_NOMEM;
    cached *c = &t->cache_v[t->ncache];
    c->rule = strdup(out->rule);
    c->suggestion = strdup(out->suggestion);
    if (!c->rule || !c->suggestion || esr_strmap_put(t->cache, title, n, t->ncache, NULL) != 1) {
        free(c->rule);
        free(c->suggestion);
        return t->status = ESR_ERR_NOMEM;
    }
    c->m = *out;
    c->m.rule = c->rule;
    c->m.suggestion = c->suggestion;
    t->ncache++;
    *out = c->m;
    return ESR_OK;
}

/* Like title_match, appending a step-by-step account to trace. */
esr_status title_explain(esr_titler *t, const char *title, esr_title_match *out, esr_buf *trace)
{
    do_match(t, title, out, trace);
    out->transient = 1; /* never cached */
    return trace->status ? trace->status : status_of(t);
}

/* ESR_OK, or ESR_ERR_NOMEM once an allocation has failed in a match. */
esr_status title_status(const esr_titler *t)
{
    return status_of(t);
}

static int add_words(esr_titler *t, const char *phrase, int fixable);

/* Add each word of phrase of 4 or more bytes to the vocabulary; 0 or -1. */
static int add_vocab(esr_titler *t, const char *phrase)
{
    return add_words(t, phrase, 1);
}

/* Add each word of phrase of 4 or more bytes to the known words and, when
 * fixable, to the words a typo may be corrected to; 0 or -1. */
static int add_words(esr_titler *t, const char *phrase, int fixable)
{
    char *copy = strdup(phrase), *save = NULL;
    if (!copy)
        return -1;
    for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
        if (strlen(w) >= 4 &&
            (esr_strmap_put(t->vocab, w, strlen(w), esr_strmap_count(t->vocab), NULL) < 0 ||
             (fixable && esr_strmap_put(t->fixes, w, strlen(w), 0, NULL) < 0))) {
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

/* Compile the abbreviations; 0 or -1. */
static int load_abbrev(esr_titler *t, const esr_table *tb, esr_buf *norm)
{
    int c_ab = table_col(tb, "abbreviation"), c_ex = table_col(tb, "expansion");
    if (!(t->abbrev_exp = calloc(tb->nrows + 1, sizeof *t->abbrev_exp)))
        return -1;
    for (size_t i = 0; i < tb->nrows; i++) {
        /* the phrase is cleaned the same way titles are */
        fold(table_get(tb, i, c_ab), &t->a);
        clean(esr_buf_str(&t->a), &t->b, &t->brk);
        tokenise(t, esr_buf_str(&t->b));
        join(t->tok, t->ntok, norm);
        if (t->ntok > t->abbrev_max)
            t->abbrev_max = t->ntok;
        t->abbrev_exp[i] = table_get(tb, i, c_ex);
        if (norm->len && esr_strmap_put(t->abbrev, norm->data, norm->len, i, NULL) < 0)
            return -1;
        if (add_vocab(t, t->abbrev_exp[i]) || add_vocab(t, esr_buf_str(norm)))
            return -1;
    }
    return 0;
}

/* The mode of a band_word value ("", "any", "prefix"), or -1. */
int title_band_word_mode(const char *s)
{
    for (int i = 0; i < 3; i++)
        if (!strcmp(s, band_word_modes[i]))
            return i;
    return -1;
}

/* Compile the band words of title_terms.csv before anything is tokenised; 0 or -1. */
static int load_band_words(esr_titler *t, const esr_table *tb)
{
    int c_ph = table_col(tb, "phrase"), c_k = table_col(tb, "kind"), c_v = table_col(tb, "value");
    if (!(t->band_prefix = calloc(tb->nrows + 1, sizeof *t->band_prefix)))
        return -1;
    for (size_t i = 0; i < tb->nrows; i++) {
        const char *w = table_get(tb, i, c_ph);
        int mode = title_band_word_mode(table_get(tb, i, c_v));
        if (title_term_kind(table_get(tb, i, c_k)) != TK_BAND_WORD || mode < 0)
            continue; /* check-mappings reports a bad mode */
        if (mode == BW_PREFIX)
            t->band_prefix[t->nprefix++] = w;
        else if (esr_strmap_put(t->band_words, w, strlen(w), (size_t)mode, NULL) < 0)
            return -1;
    }
    return 0;
}

/* Compile the terms; 0 or -1. */
static int load_terms(esr_titler *t, const esr_table *tb, esr_buf *norm)
{
    const esr_mappings *m = t->m;
    int c_ph = table_col(tb, "phrase"), c_k = table_col(tb, "kind"), c_v = table_col(tb, "value");
    if (!(t->term_v = calloc(tb->nrows + 1, sizeof *t->term_v)))
        return -1;
    for (size_t i = 0; i < tb->nrows; i++) {
        const char *v = table_get(tb, i, c_v);
        int k = title_term_kind(table_get(tb, i, c_k));
        term *tm = &t->term_v[i];
        tm->line = (unsigned)tb->rows[i].line;
        tm->kind = k < 0 ? TK_IGNORE : (term_kind)k; /* check-mappings reports it */
        if (tm->kind == TK_BAND_WORD)
            continue; /* dropped by tokenise (load_band_words), never a phrase */
        tm->value = tm->kind == TK_PROFESSION || tm->kind == TK_REGISTERED
                        ? lookup(m->prof_by_name, v)
                    : tm->kind == TK_ROLE || tm->kind == TK_GENERIC || tm->kind == TK_TRAINEE
                        ? lookup(m->role_by_name, v)
                    : tm->kind == TK_NOT_SUPPORT ? (*v ? atoi(v) : 1)
                    : tm->kind == TK_SENIOR      ? atoi(v) /* the level it gives */
                                                 : -1;
        if (tm->kind == TK_NOT_SUPPORT && tm->value < 1)
            tm->value = 1;
        if (tm->kind == TK_TRAINEE && tm->value >= 0)
            t->learner_role = tm->value;
        title_normalise(t, table_get(tb, i, c_ph), norm);
        if (norm->len && esr_strmap_put(t->terms, norm->data, norm->len, i, NULL) < 0)
            return -1;
        /* a typo is corrected to a profession or role word, never to a
         * not-support or context word ("physical" is not "physician") */
        if (add_words(t, esr_buf_str(norm), tm->kind != TK_NOT_SUPPORT && tm->kind != TK_IGNORE))
            return -1;
    }
    return 0;
}

/* 1 if the normalised title norm contains a profession or registered term. */
static int names_profession(esr_titler *t, const char *norm)
{
    char *copy = strdup(norm), *tok[MAX_TOKENS], *save = NULL;
    size_t n = 0;
    int found = 0;
    esr_buf phrase = {0};
    if (!copy) {
        t->status = ESR_ERR_NOMEM;
        return 0;
    }
    for (char *w = strtok_r(copy, " ", &save); w && n < MAX_TOKENS; w = strtok_r(NULL, " ", &save))
        tok[n++] = w;
    for (size_t i = 0; i < n && !found;) {
        size_t idx = 0, best = longest(t->terms, tok + i, n - i, MAX_PHRASE, &phrase, &idx);
        if (best && (t->term_v[idx].kind == TK_PROFESSION || t->term_v[idx].kind == TK_REGISTERED))
            found = 1;
        i += best ? best : 1;
    }
    drop(t, &phrase);
    free(copy);
    return found;
}

/* Add the job titles of tb (a shipped or local table named name): whole
 * titles by key and as phrases; a title already known keeps its first row,
 * so a local table loaded first wins. 0 or -1. */
static int load_jobs(esr_titler *t, const esr_table *tb, const char *name, esr_buf *norm)
{
    const esr_mappings *m = t->m;
    int c_t = table_col(tb, "title"), c_p = table_col(tb, "profession"),
        c_r = table_col(tb, "support_role"), c_tr = table_col(tb, "trainee");
    job_title *v = realloc(t->job_v, (t->njobs + tb->nrows + 1) * sizeof *v);
    if (!v)
        return -1;
    t->job_v = v;
    for (size_t i = 0; i < tb->nrows; i++) {
        size_t at = t->njobs++;
        job_title *jt = &t->job_v[at];
        jt->title = table_get(tb, i, c_t);
        jt->profession = lookup(m->prof_by_name, table_get(tb, i, c_p));
        jt->role = lookup(m->role_by_name, table_get(tb, i, c_r));
        jt->trainee = !strcmp(table_get(tb, i, c_tr), "yes");
        jt->line = (unsigned)tb->rows[i].line;
        jt->table = name;
        title_normalise(t, jt->title, norm);
        jt->explicit_prof = names_profession(t, esr_buf_str(norm));
        if (norm->len && esr_strmap_put(t->phrases, norm->data, norm->len, at, NULL) < 0)
            return -1;
        size_t ntok = 1;
        for (size_t k = 0; k < norm->len; k++)
            ntok += norm->data[k] == ' ';
        if (norm->len && ntok > t->phrase_max)
            t->phrase_max = ntok;
        if (add_vocab(t, esr_buf_str(norm)))
            return -1;
        make_key(esr_buf_str(norm), &t->key);
        if (t->key.len && esr_strmap_put(t->jobs, t->key.data, t->key.len, at, NULL) < 0)
            return -1;
    }
    return 0;
}

/* Compile the title tables of m (borrowed), with a trust's own job titles
 * (local, may be NULL; named local_name) over the shipped ones, in *out. */
esr_status title_new_local(const esr_mappings *m, const esr_table *local, const char *local_name,
                           int threshold, esr_titler **out)
{
    esr_titler *t = calloc(1, sizeof *t);
    esr_buf norm = {0};
    *out = NULL;
    if (!t)
        return ESR_ERR_NOMEM;
    t->m = m;
    t->threshold = threshold;
    t->learner_role = -1;
    if (esr_strmap_new(&t->abbrev) || esr_strmap_new(&t->terms) || esr_strmap_new(&t->vocab) ||
        esr_strmap_new(&t->fixes) || esr_strmap_new(&t->jobs) || esr_strmap_new(&t->phrases) ||
        esr_strmap_new(&t->cache) || esr_strmap_new(&t->band_words))
        goto fail;
    if (load_band_words(t, m->t_terms) || load_abbrev(t, m->t_abbrev, &norm) ||
        load_terms(t, m->t_terms, &norm))
        goto fail;
    if (local && load_jobs(t, local, local_name, &norm))
        goto fail;
    if (load_jobs(t, m->t_jobs, "job_titles.csv", &norm))
        goto fail;
    /* a phrase normalised short for memory would be a table silently cut */
    if (esr_buf_status(&norm) || status_of(t))
        goto fail;
    esr_buf_free(&norm);
    *out = t;
    return ESR_OK;
fail:
    esr_buf_free(&norm);
    title_free(t);
    return ESR_ERR_NOMEM;
}

/* Compile the title tables of m (borrowed) in *out. */
esr_status title_new(const esr_mappings *m, int threshold, esr_titler **out)
{
    return title_new_local(m, NULL, NULL, threshold, out);
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
    esr_strmap_free(t->fixes);
    esr_strmap_free(t->jobs);
    esr_strmap_free(t->phrases);
    esr_strmap_free(t->cache);
    esr_strmap_free(t->band_words);
    free(t->band_prefix);
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
