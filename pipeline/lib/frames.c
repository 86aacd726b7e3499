/* frames.c - length-prefixed frames arriving in pieces (see frames.h). */
#include "frames.h"

#include <stdint.h>
#include <string.h>

/* The whole size of the frame whose first have bytes are at p, or 0 while
 * its length is not all there. */
static size_t frame_size(const char *p, size_t have)
{
    uint32_t len;
    if (have < sizeof len)
        return 0;
    memcpy(&len, p, sizeof len);
    return sizeof len + (size_t)len;
}

/* Complete the frame fr keeps from p[0..n); the bytes of p used, or -1. */
static long carry_more(esr_frames *fr, const char *p, size_t n, esr_frame_fn fn, void *ctx, int *rc)
{
    size_t used = 0, want;
    if (!(want = frame_size(fr->carry.data, fr->carry.len))) { /* the length first */
        used = sizeof(uint32_t) - fr->carry.len;
        used = used < n ? used : n;
        if (esr_buf_append(&fr->carry, p, used))
            return -1;
        if (!(want = frame_size(fr->carry.data, fr->carry.len)))
            return (long)used;
    }
    size_t take = want - fr->carry.len < n - used ? want - fr->carry.len : n - used;
    if (esr_buf_append(&fr->carry, p + used, take))
        return -1;
    used += take;
    if (fr->carry.len == want) {
        *rc = fn(ctx, fr->carry.data, want);
        esr_buf_reset(&fr->carry);
    }
    return (long)used;
}

/* Hand the whole frames of p[0..n) to fn (see frames.h). */
int frames_feed(esr_frames *fr, const char *p, size_t n, esr_frame_fn fn, void *ctx)
{
    const char *end = p + n;
    int rc = fr->stopped;
    while (!rc && fr->carry.len && p < end) {
        long used = carry_more(fr, p, (size_t)(end - p), fn, ctx, &rc);
        if (used < 0)
            return -1;
        p += used;
    }
    while (!rc && p < end) {
        size_t have = (size_t)(end - p), size = frame_size(p, have);
        if (!size || size > have) /* the rest comes with the next piece */
            return esr_buf_append(&fr->carry, p, have) ? -1 : 0;
        rc = fn(ctx, p, size);
        p += size;
    }
    if (rc)
        fr->stopped = rc;
    return rc;
}

/* Free what fr keeps. */
void frames_free(esr_frames *fr)
{
    esr_buf_free(&fr->carry);
}
