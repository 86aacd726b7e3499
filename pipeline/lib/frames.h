/* frames.h - length-prefixed frames (a uint32 length in host order, then
 * that many bytes) arriving in pieces of any size, such as a worker's
 * chunks: the part of a frame one piece leaves is kept for the next. */
#ifndef ESR_FRAMES_H
#define ESR_FRAMES_H

#include <stddef.h>

#include "buf.h"

typedef struct esr_frames {
    esr_buf carry; /* a frame split between two pieces */
    int stopped;   /* fn said stop: the rest is ignored */
} esr_frames;

/* Called with each whole frame, its length prefix included; returns 0, or
 * non-zero to stop. */
typedef int (*esr_frame_fn)(void *ctx, const char *frame, size_t n);

/* Hand every whole frame of p[0..n) (after what fr keeps) to fn(ctx, ...)
 * in order; 0, -1 out of memory, or the non-zero fn returned (then, and
 * for every later piece, the same). */
int frames_feed(esr_frames *fr, const char *p, size_t n, esr_frame_fn fn, void *ctx);
/* Free what fr keeps. */
void frames_free(esr_frames *fr);

#endif
