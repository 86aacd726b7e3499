/* test_worker.c - the byte queue to a consumer thread: order, stop, errors. */
#include <criterion/criterion.h>
#include <string.h>

#include "buf.h"
#include "worker.h"

typedef struct sink {
    esr_buf got;
    size_t calls;
    size_t enough_after; /* bytes; 0 = never */
    size_t fail_after;   /* calls; 0 = never */
} sink;

/* Consumer: append what arrives; stop or fail as the sink says. */
static esr_status consume(void *ctx, const char *p, size_t n, int *enough, esr_err *err)
{
    sink *s = ctx;
    s->calls++;
    if (s->fail_after && s->calls >= s->fail_after)
        return esr_err_set(err, ESR_ERR_IO, "sink failed at call %zu", s->calls);
    if (esr_buf_append(&s->got, p, n))
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    if (s->enough_after && s->got.len >= s->enough_after)
        *enough = 1;
    return ESR_OK;
}

/* Deterministic bytes: byte i of the stream. */
static char pattern(size_t i)
{
    return (char)('a' + (i * 7 + i / 13) % 26);
}

Test(worker, bytes_arrive_in_order_across_chunks)
{
    sink s = {0};
    esr_worker *w;
    cr_assert_eq(worker_start(consume, &s, 7, 2, &w), ESR_OK); /* tiny chunks: many hand-overs */
    char piece[100];
    size_t total = 0;
    for (size_t k = 0; k < 3000; k++) {
        size_t n = k % 37;
        for (size_t i = 0; i < n; i++)
            piece[i] = pattern(total + i);
        worker_write(w, piece, n);
        total += n;
    }
    esr_err err = {0};
    cr_assert_eq(worker_finish(w, &err), ESR_OK);
    cr_assert_eq(s.got.len, total);
    for (size_t i = 0; i < total; i++)
        cr_assert_eq(s.got.data[i], pattern(i), "byte %zu", i);
    esr_buf_free(&s.got);
}

Test(worker, nothing_written_is_fine)
{
    sink s = {0};
    esr_worker *w;
    cr_assert_eq(worker_start(consume, &s, 0, 0, &w), ESR_OK);
    esr_err err = {0};
    cr_assert_eq(worker_finish(w, &err), ESR_OK);
    cr_assert_eq(s.calls, 0);
}

Test(worker, enough_drops_later_input)
{
    sink s = {.enough_after = 50};
    esr_worker *w;
    cr_assert_eq(worker_start(consume, &s, 10, 2, &w), ESR_OK);
    char piece[10];
    memset(piece, 'x', sizeof piece);
    for (int k = 0; k < 10000; k++) /* would block for ever if nobody drained */
        worker_write(w, piece, sizeof piece);
    esr_err err = {0};
    cr_assert_eq(worker_finish(w, &err), ESR_OK);
    cr_assert_geq(s.got.len, 50);
    cr_assert_lt(s.got.len, 50 + 10 * 3, "input after 'enough' is dropped (got %zu)", s.got.len);
    esr_buf_free(&s.got);
}

Test(worker, consumer_error_reaches_finish)
{
    sink s = {.fail_after = 3};
    esr_worker *w;
    cr_assert_eq(worker_start(consume, &s, 8, 2, &w), ESR_OK);
    char piece[8] = "abcdefgh";
    for (int k = 0; k < 1000; k++)
        worker_write(w, piece, sizeof piece);
    esr_err err = {0};
    cr_assert_eq(worker_finish(w, &err), ESR_ERR_IO);
    cr_assert_str_eq(err.msg, "sink failed at call 3");
    cr_assert_eq(s.calls, 3, "no call after the failure");
    esr_buf_free(&s.got);
}

Test(worker, cancel_discards_and_joins)
{
    sink s = {0};
    esr_worker *w;
    cr_assert_eq(worker_start(consume, &s, 4, 4, &w), ESR_OK);
    worker_write(w, "0123456789", 10);
    worker_cancel(w);
    cr_assert_leq(s.got.len, 10);
    worker_cancel(NULL);
    esr_buf_free(&s.got);
}
