/* swapfile.c - LD_PRELOAD shim for tests/e2e/swapped.py. At the
 * ESR_SWAP_AT'th time (default 2) the process opens the file named by
 * ESR_SWAP_PATH with fopen, the file named by ESR_SWAP_WITH is first
 * renamed over it: a nightly copy replacing an export between two of
 * esrpipe's reads. Every other open passes straight through. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef FILE *(*fopen_fn)(const char *, const char *);

static int opens; /* of ESR_SWAP_PATH so far */

/* Rename ESR_SWAP_WITH over path if this is path's ESR_SWAP_AT'th open. */
static void swap_on_open(const char *path)
{
    const char *target = getenv("ESR_SWAP_PATH"), *with = getenv("ESR_SWAP_WITH");
    const char *at = getenv("ESR_SWAP_AT");
    if (target && with && !strcmp(path, target) && ++opens == (at ? atoi(at) : 2) &&
        rename(with, target))
        perror("swapfile: rename");
}

/* fopen, after the swap. */
FILE *fopen(const char *path, const char *mode)
{
    fopen_fn real = (fopen_fn)dlsym(RTLD_NEXT, "fopen");
    swap_on_open(path);
    return real ? real(path, mode) : NULL;
}

/* fopen64, after the swap. */
FILE *fopen64(const char *path, const char *mode)
{
    fopen_fn real = (fopen_fn)dlsym(RTLD_NEXT, "fopen64");
    swap_on_open(path);
    return real ? real(path, mode) : NULL;
}
