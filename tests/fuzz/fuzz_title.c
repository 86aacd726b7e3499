/* fuzz_title.c - libFuzzer harness for the job-title normaliser and
 * matcher: any bytes as a title (titles arrive from any encoding's decoder,
 * so invalid UTF-8 is fair game). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mappings.h"
#include "title.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One input: match it, explain it, and check the match is stable. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static esr_mappings *m; /* loaded once per fuzzing process */
    static esr_titler *t;
    if (!m) {
        esr_err e = {0};
        if (mappings_open(ESR_MAPPINGS_DIR, &m, &e) ||
            title_new(m, ESR_TITLE_THRESHOLD_DEFAULT, &t)) {
            fprintf(stderr, "%s\n", e.msg);
            abort();
        }
    }
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    esr_title_match a, b;
    esr_buf trace = {0};
    title_match(t, s, &a);
    title_explain(t, s, &b, &trace);
    if (a.kind != b.kind || a.profession != b.profession || a.role != b.role || a.score != b.score)
        abort(); /* cached and uncached answers must agree */
    if (a.score < 0 || a.score > 100)
        abort();
    esr_buf_free(&trace);
    free(s);
    return 0;
}
