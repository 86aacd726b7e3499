/* failmalloc.c - an LD_PRELOAD shim for allocation fault injection
 * (tests/e2e/oom.py). With ESR_FAILMALLOC=N, the Nth allocation that the
 * program's own code makes (malloc, calloc, realloc, strdup, strndup called
 * from the main executable) and every one after it fails with ENOMEM;
 * allocations made inside shared libraries (libc's own, libxlsxwriter,
 * libcsv) always succeed: their failures are theirs to report. N = 0 fails
 * nothing and only counts. With ESR_FAILMALLOC_ONCE=1 only the Nth fails
 * (a passing shortage: what is swallowed then shows as a wrong output). At exit the counts seen and failed are written
 * to the file ESR_FAILMALLOC_REPORT names, as "seen failed\n". With
 * ESR_FAILMALLOC_TRACE=1 each failure prints its call stack on stderr (to
 * find the code behind a failing N: gdb's environment shifts the count).
 *
 * Not for a sanitizer build: ASan owns malloc there. */
#define _GNU_SOURCE
#include <errno.h>
#include <execinfo.h>
#include <link.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t k, size_t n);
extern void *__libc_realloc(void *p, size_t n);

#define MAX_SEGMENTS 8

static uintptr_t seg_lo[MAX_SEGMENTS], seg_hi[MAX_SEGMENTS];
static int nseg;
static long fail_from; /* 0: never */
static int fail_once;  /* only the fail_from'th */
static int trace;      /* print the stack of each failure */
static atomic_long seen, failed;

/* dl_iterate_phdr callback: note the executable segments of the first
 * object, the main program; stop there. */
static int note_main(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    for (int i = 0; i < info->dlpi_phnum && nseg < MAX_SEGMENTS; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
            seg_lo[nseg] = info->dlpi_addr + ph->p_vaddr;
            seg_hi[nseg] = seg_lo[nseg] + ph->p_memsz;
            nseg++;
        }
    }
    return 1;
}

/* Read ESR_FAILMALLOC and find the main program before main runs. */
__attribute__((constructor)) static void failmalloc_init(void)
{
    dl_iterate_phdr(note_main, NULL);
    const char *n = getenv("ESR_FAILMALLOC");
    fail_from = n ? strtol(n, NULL, 10) : 0;
    const char *once = getenv("ESR_FAILMALLOC_ONCE");
    fail_once = once && *once == '1';
    const char *tr = getenv("ESR_FAILMALLOC_TRACE");
    trace = tr && *tr == '1';
}

/* Write the counts to ESR_FAILMALLOC_REPORT. */
__attribute__((destructor)) static void failmalloc_report(void)
{
    const char *path = getenv("ESR_FAILMALLOC_REPORT");
    FILE *fp = path ? fopen(path, "w") : NULL;
    if (!fp)
        return;
    fprintf(fp, "%ld %ld\n", (long)atomic_load(&seen), (long)atomic_load(&failed));
    fclose(fp);
}

/* Non-zero if the allocation called from ra is to fail. */
static int should_fail(void *ra)
{
    uintptr_t a = (uintptr_t)ra;
    int mine = 0;
    for (int i = 0; i < nseg && !mine; i++)
        mine = a >= seg_lo[i] && a < seg_hi[i];
    if (!mine)
        return 0;
    long k = atomic_fetch_add(&seen, 1) + 1;
    if (fail_from <= 0 || k < fail_from || (fail_once && k > fail_from))
        return 0;
    atomic_fetch_add(&failed, 1);
    if (trace) {
        void *frames[16];
        backtrace_symbols_fd(frames, backtrace(frames, 16), 2);
    }
    errno = ENOMEM;
    return 1;
}

/* malloc, failing on cue. */
void *malloc(size_t n)
{
    return should_fail(__builtin_return_address(0)) ? NULL : __libc_malloc(n);
}

/* calloc, failing on cue. */
void *calloc(size_t k, size_t n)
{
    return should_fail(__builtin_return_address(0)) ? NULL : __libc_calloc(k, n);
}

/* realloc, failing on cue (p is left as it was). */
void *realloc(void *p, size_t n)
{
    return should_fail(__builtin_return_address(0)) ? NULL : __libc_realloc(p, n);
}

/* strdup, failing on cue. */
char *strdup(const char *s)
{
    if (should_fail(__builtin_return_address(0)))
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = __libc_malloc(n);
    return p ? memcpy(p, s, n) : NULL;
}

/* strndup, failing on cue. */
char *strndup(const char *s, size_t max)
{
    if (should_fail(__builtin_return_address(0)))
        return NULL;
    size_t n = strnlen(s, max);
    char *p = __libc_malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}
