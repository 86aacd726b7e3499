/* worker.c - a consumer thread fed bytes through a bounded queue. */
#include "worker.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct esr_worker {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* broadcast on every change below */
    esr_worker_fn fn;
    void *ctx;
    size_t chunk;
    int depth;
    char **buf;
    size_t *len;
    int *queue, qhead, qcount; /* filled chunks, oldest first */
    int *spare, nspare;        /* empty chunks */
    int cur;                   /* the producer's chunk, or -1 (producer only) */
    int closing;               /* no more input will come */
    int stop;                  /* fn wants no more input, failed, or cancelled */
    esr_status st;
    esr_err err;
};

/* Thread body: hand queued chunks to fn in order until closing and drained. */
static void *worker_main(void *arg)
{
    esr_worker *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->qcount && !w->closing)
            pthread_cond_wait(&w->cv, &w->mu);
        if (!w->qcount)
            break;
        int i = w->queue[w->qhead];
        w->qhead = (w->qhead + 1) % w->depth;
        w->qcount--;
        int skip = w->stop;
        pthread_mutex_unlock(&w->mu);
        int enough = 0;
        esr_status st = skip ? ESR_OK : w->fn(w->ctx, w->buf[i], w->len[i], &enough, &w->err);
        pthread_mutex_lock(&w->mu);
        if (st && !w->st)
            w->st = st;
        if (st || enough)
            w->stop = 1;
        w->spare[w->nspare++] = i;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Free w's storage (the thread is joined or never started). */
static void worker_free(esr_worker *w)
{
    for (int i = 0; w->buf && i < w->depth; i++)
        free(w->buf[i]);
    free(w->buf);
    free(w->len);
    free(w->queue);
    free(w->spare);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
}

/* Start a thread calling fn(ctx, ...) (see worker.h). */
esr_status worker_start(esr_worker_fn fn, void *ctx, size_t chunk, int depth, esr_worker **out)
{
    esr_worker *w = calloc(1, sizeof *w);
    *out = NULL;
    if (!w)
        return ESR_ERR_NOMEM;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->fn = fn;
    w->ctx = ctx;
    w->chunk = chunk ? chunk : ESR_WORKER_CHUNK_DEFAULT;
    w->depth = depth > 1 ? depth : ESR_WORKER_DEPTH_DEFAULT;
    w->cur = -1;
    w->buf = calloc((size_t)w->depth, sizeof *w->buf);
    w->len = calloc((size_t)w->depth, sizeof *w->len);
    w->queue = calloc((size_t)w->depth, sizeof *w->queue);
    w->spare = calloc((size_t)w->depth, sizeof *w->spare);
    if (!w->buf || !w->len || !w->queue || !w->spare)
        goto fail;
    for (int i = 0; i < w->depth; i++) {
        if (!(w->buf[i] = malloc(w->chunk)))
            goto fail;
        w->spare[w->nspare++] = i;
    }
    if (pthread_create(&w->thread, NULL, worker_main, w))
        goto fail;
    *out = w;
    return ESR_OK;
fail:
    worker_free(w);
    return ESR_ERR_NOMEM;
}

/* Queue the producer's current chunk. */
static void push(esr_worker *w)
{
    pthread_mutex_lock(&w->mu);
    w->queue[(w->qhead + w->qcount) % w->depth] = w->cur;
    w->qcount++;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    w->cur = -1;
}

/* Queue a copy of p[0..n) (see worker.h). */
void worker_write(esr_worker *w, const char *p, size_t n)
{
    while (n) {
        if (w->cur < 0) {
            pthread_mutex_lock(&w->mu);
            while (!w->nspare && !w->stop)
                pthread_cond_wait(&w->cv, &w->mu);
            int stop = w->stop;
            if (!stop) {
                w->cur = w->spare[--w->nspare];
                w->len[w->cur] = 0;
            }
            pthread_mutex_unlock(&w->mu);
            if (stop)
                return;
        }
        size_t room = w->chunk - w->len[w->cur];
        size_t take = n < room ? n : room;
        memcpy(w->buf[w->cur] + w->len[w->cur], p, take);
        w->len[w->cur] += take;
        p += take;
        n -= take;
        if (w->len[w->cur] == w->chunk)
            push(w);
    }
}

/* Close the queue, wait for the thread and free w; returns its status. */
static esr_status join(esr_worker *w, int cancel, esr_err *err)
{
    if (!cancel && w->cur >= 0 && w->len[w->cur])
        push(w);
    pthread_mutex_lock(&w->mu);
    w->closing = 1;
    if (cancel)
        w->stop = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    esr_status st = w->st;
    if (st && err)
        *err = w->err;
    worker_free(w);
    return st;
}

/* Hand over what is left, wait, join and free (see worker.h). */
esr_status worker_finish(esr_worker *w, esr_err *err)
{
    return join(w, 0, err);
}

/* Stop now, join and free (see worker.h). */
void worker_cancel(esr_worker *w)
{
    if (w)
        join(w, 1, NULL);
}
