/* fuzz_input.c - libFuzzer harness for the whole input path: source
 * (gzip, BOM, iconv) -> csv reader -> schema -> validate -> classify ->
 * aggregate, through `esrpipe run --dry-run` on an in-memory file. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mappings.h"
#include "run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One input: the bytes become an export file; any exit status is fine,
 * only crashes, leaks, hangs and undefined behaviour are findings. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("export", 0);
    if (fd < 0)
        return 0;
    if (size && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    static esr_mappings *m; /* loaded once per fuzzing process */
    if (!m) {
        esr_err e = {0};
        if (mappings_open(ESR_MAPPINGS_DIR, &m, &e)) {
            fprintf(stderr, "%s\n", e.msg);
            abort();
        }
    }
    const char *inputs[1] = {path};
    esr_run_opts o;
    run_opts_default(&o);
    o.mappings = m;
    o.dry_run = 1;
    o.max_reject_pct = 100;
    o.max_field_bytes = 4096; /* small limits so the fuzzer reaches them */
    o.max_columns = 64;
    o.inputs = inputs;
    o.ninputs = 1;
    esr_err err = {0};
    run_pipeline(&o, NULL, &err);
    close(fd);
    return 0;
}
