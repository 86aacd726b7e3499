/* bench_titles.c - job-title normalise + match throughput (titles/second).
 *
 *   bench_titles [-m MAPPINGS] [-f TITLES] [-n COLD] [-r ROWS] [-d DISTINCT] [-k RUNS]
 *
 * cold: COLD distinct titles, each seen once by a freshly built titler (no
 *       cache hit possible: every call normalises, looks up, corrects typos);
 * warm: ROWS titles drawn, skewed, from DISTINCT titles, as in a real export
 *       where a few local titles cover most assignments (mostly cache hits).
 * Titles come from TITLES (one per line) or are generated. Each figure is
 * the median of RUNS runs. A benchmark figure, never a test. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mappings.h"
#include "title.h"

#ifndef ESR_MAPPINGS_DIR
#define ESR_MAPPINGS_DIR "mappings"
#endif

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Deterministic xorshift. */
static unsigned long long rng = 88172645463325252ULL;
static unsigned long long next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

typedef struct list {
    char **v;
    size_t n, cap;
} list;

static int push(list *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strdup(s)))
        return -1;
    l->n++;
    return 0;
}

static int read_titles(const char *path, list *l)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench_titles: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t k;
    while ((k = getline(&line, &cap, f)) > 0) {
        while (k && (line[k - 1] == '\n' || line[k - 1] == '\r'))
            line[--k] = 0;
        if (k && push(l, line)) {
            free(line);
            fclose(f);
            return -1;
        }
    }
    free(line);
    fclose(f);
    return 0;
}

/* Distinct realistic titles: setting x profession x role x suffix, with a
 * one-letter typo in about one in eight. */
static int gen_titles(list *l, size_t want)
{
    static const char *const set[] = {
        "",        "Community ", "Inpatient ",  "Senior ", "Snr ",        "MSK ",
        "Stroke ", "Acute ",     "Paediatric ", "Neuro ",  "Outpatient ", "Trainee "};
    static const char *const prof[] = {"Physiotherapy",
                                       "Physio",
                                       "Occupational Therapy",
                                       "OT",
                                       "Occ Therapy",
                                       "Speech and Language Therapy",
                                       "SLT",
                                       "SALT",
                                       "S&LT",
                                       "Dietetic",
                                       "Podiatry",
                                       "Orthoptic",
                                       "Radiography",
                                       "Clinical Imaging",
                                       "Radiology",
                                       "X-Ray",
                                       "Radiotherapy",
                                       "Orthotic",
                                       "Prosthetic",
                                       "Art Therapy",
                                       "Theatre",
                                       "Theatres",
                                       "Anaesthetic",
                                       "Operating Department",
                                       "Rehab",
                                       "Therapy",
                                       "Healthcare",
                                       "Clinical",
                                       "Audiology",
                                       "Pharmacy"};
    static const char *const role[] = {"Assistant",
                                       "Asst",
                                       "Support Worker",
                                       "Technician",
                                       "Tech",
                                       "Assistant Practitioner",
                                       "AP",
                                       "Helper",
                                       "Technical Instructor",
                                       "HCA",
                                       "Support Assistant",
                                       "Healthcare Assistant"};
    static const char *const suf[] = {"",
                                      " - Band 3",
                                      " (B4)",
                                      " Band 2",
                                      " AfC Band 3",
                                      " (Community)",
                                      " \xe2\x80\x93 Band 4",
                                      " (Inpatients)"};
    size_t ns = sizeof set / sizeof *set, np = sizeof prof / sizeof *prof,
           nr = sizeof role / sizeof *role, nx = sizeof suf / sizeof *suf;
    char buf[256];
    for (size_t i = 0; i < ns * np * nr * nx && l->n < want; i++) {
        size_t a = i % np, b = (i / np) % nr, c = (i / np / nr) % nx, d = i / np / nr / nx;
        snprintf(buf, sizeof buf, "%s%s %s%s", set[d], prof[a], role[b], suf[c]);
        if (next() % 8 == 0) { /* swap two letters of a long word */
            size_t n = strlen(buf), p = 2 + next() % (n > 6 ? n - 4 : 1);
            if (p + 1 < n && buf[p] >= 'a' && buf[p] <= 'z' && buf[p + 1] >= 'a' &&
                buf[p + 1] <= 'z') {
                char t = buf[p];
                buf[p] = buf[p + 1];
                buf[p + 1] = t;
            }
        }
        if (push(l, buf))
            return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = ESR_MAPPINGS_DIR, *file = NULL;
    size_t cold_n = 20000, rows = 500000, distinct = 400;
    int runs = 5;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-m") && v)
            dir = argv[++i];
        else if (!strcmp(a, "-f") && v)
            file = argv[++i];
        else if (!strcmp(a, "-n") && v)
            cold_n = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(a, "-r") && v)
            rows = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(a, "-d") && v)
            distinct = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(a, "-k") && v)
            runs = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_titles [-m MAPPINGS] [-f TITLES] [-n COLD] [-r ROWS] [-d "
                            "DISTINCT] [-k RUNS]\n");
            return 64;
        }
    }
    if (runs < 1 || runs > 101)
        runs = 5;
    esr_mappings *m = NULL;
    esr_err err = {0};
    if (mappings_open(dir, &m, &err)) {
        fprintf(stderr, "bench_titles: %s\n", err.msg);
        return 66;
    }
    list titles = {0};
    if (file ? read_titles(file, &titles) : gen_titles(&titles, cold_n)) {
        mappings_close(m);
        return 70;
    }
    if (!titles.n) {
        fprintf(stderr, "bench_titles: no titles\n");
        mappings_close(m);
        return 65;
    }
    if (cold_n > titles.n)
        cold_n = titles.n;
    if (distinct > titles.n)
        distinct = titles.n;
    /* warm mix: skewed draw (u^3) so a few titles dominate */
    size_t *pick = malloc(rows * sizeof *pick);
    if (!pick) {
        mappings_close(m);
        return 70;
    }
    for (size_t i = 0; i < rows; i++) {
        double u = (double)(next() % 1000000) / 1e6;
        pick[i] = (size_t)(u * u * u * (double)distinct);
    }

    double *build = calloc((size_t)runs, sizeof(double)),
           *cold = calloc((size_t)runs, sizeof(double)),
           *warm = calloc((size_t)runs, sizeof(double));
    long long sum = 0;
    size_t matched = 0;
    for (int k = 0; k < runs && build && cold && warm; k++) {
        double t0 = now();
        esr_titler *t;
        esr_status st = title_new(m, ESR_TITLE_THRESHOLD_DEFAULT, &t);
        double t1 = now();
        if (st) {
            fprintf(stderr, "bench_titles: out of memory\n");
            return 70;
        }
        esr_title_match r;
        matched = 0;
        for (size_t i = 0; i < cold_n; i++) {
            title_match(t, titles.v[i], &r);
            sum += r.profession + r.score;
            matched += r.profession >= 0;
        }
        double t2 = now();
        title_free(t);
        if (title_new(m, ESR_TITLE_THRESHOLD_DEFAULT, &t))
            return 70;
        double t3 = now();
        for (size_t i = 0; i < rows; i++) {
            title_match(t, titles.v[pick[i]], &r);
            sum += r.profession;
        }
        double t4 = now();
        title_free(t);
        build[k] = (t1 - t0) * 1e3;
        cold[k] = (double)cold_n / (t2 - t1);
        warm[k] = (double)rows / (t4 - t3);
    }
    printf("bench_titles: mappings %s, %s titles, median of %d runs\n", dir,
           file ? file : "generated", runs);
    printf("  build titler (compile tables)   %10.2f ms\n", median(build, runs));
    printf("  cold: %7zu distinct titles      %10.0f titles/s  (%zu with a profession)\n", cold_n,
           median(cold, runs), matched);
    printf("  warm: %7zu rows, %zu distinct %10.0f titles/s\n", rows, distinct, median(warm, runs));
    printf("  (checksum %lld)\n", sum);
    free(build);
    free(cold);
    free(warm);
    free(pick);
    for (size_t i = 0; i < titles.n; i++)
        free(titles.v[i]);
    free(titles.v);
    mappings_close(m);
    return 0;
}
