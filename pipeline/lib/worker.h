/* worker.h - a consumer thread fed bytes through a bounded queue.
 *
 * The producer copies bytes in with worker_write; the thread hands them, in
 * order and in chunks, to fn. Memory is bounded (chunk * depth bytes): a
 * producer that gets ahead waits. fn may say it wants no more input; later
 * bytes are then dropped. Used to build the workbook's long sheet on the
 * second core while the main thread reads and classifies. */
#ifndef ESR_WORKER_H
#define ESR_WORKER_H

#include <stddef.h>

#include "status.h"

typedef struct esr_worker esr_worker;

/* Consume n bytes; set *enough to stop further input. Runs on the worker thread. */
typedef esr_status (*esr_worker_fn)(void *ctx, const char *p, size_t n, int *enough, esr_err *err);

#define ESR_WORKER_CHUNK_DEFAULT (64u * 1024u) /* bytes handed to fn at a time */
#define ESR_WORKER_DEPTH_DEFAULT 16            /* chunks in flight */

/* Start a thread calling fn(ctx, ...) in *out (NULL on failure; worker_finish
 * joins and frees it). ESR_ERR_NOMEM if out of memory or no thread (a
 * thread is memory too: pthread_create fails with EAGAIN). */
esr_status worker_start(esr_worker_fn fn, void *ctx, size_t chunk, int depth, esr_worker **out);
/* Queue a copy of p[0..n); waits while the queue is full. Never fails:
 * errors of fn are reported by worker_finish. */
void worker_write(esr_worker *w, const char *p, size_t n);
/* Hand over what is left, wait for fn to consume it, join and free w.
 * Returns fn's first error (copied to err), else ESR_OK. */
esr_status worker_finish(esr_worker *w, esr_err *err);
/* Stop now: discard queued input, join and free w (NULL is fine). */
void worker_cancel(esr_worker *w);

#endif
