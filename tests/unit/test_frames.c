/* test_frames.c - length-prefixed frames arriving in pieces. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "frames.h"

/* Append a frame holding n bytes of value v. */
static void frame(esr_buf *b, size_t n, char v)
{
    uint32_t len = (uint32_t)n;
    cr_assert_eq(esr_buf_append(b, &len, sizeof len), 0);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(esr_buf_putc(b, v), 0);
}

typedef struct got {
    size_t sizes[16];
    char first[16];
    int n, stop_at;
} got;

static int take(void *vg, const char *f, size_t n)
{
    got *g = vg;
    cr_assert_lt(g->n, 16);
    g->sizes[g->n] = n;
    g->first[g->n] = n > 4 ? f[4] : 0;
    for (size_t i = 4; i < n; i++)
        cr_assert_eq(f[i], f[4], "a frame's bytes are its own");
    return ++g->n == g->stop_at ? 7 : 0;
}

Test(frames, every_piece_size_gives_the_same_frames)
{
    esr_buf b = {0};
    const size_t n[] = {5, 0, 1, 300, 3, 70000};
    for (int i = 0; i < 6; i++)
        frame(&b, n[i], (char)('a' + i));
    for (size_t piece = 1; piece <= b.len; piece += piece < 64 ? 1 : 997) {
        esr_frames fr = {0};
        got g = {0};
        for (size_t at = 0; at < b.len; at += piece)
            cr_assert_eq(
                frames_feed(&fr, b.data + at, b.len - at < piece ? b.len - at : piece, take, &g),
                0);
        cr_assert_eq(g.n, 6, "pieces of %zu: %d frames", piece, g.n);
        for (int i = 0; i < 6; i++) {
            cr_assert_eq(g.sizes[i], 4 + n[i], "pieces of %zu, frame %d", piece, i);
            if (n[i])
                cr_assert_eq(g.first[i], 'a' + i);
        }
        cr_assert_eq(fr.carry.len, 0);
        frames_free(&fr);
    }
    esr_buf_free(&b);
}

Test(frames, a_stop_is_latched_and_a_cut_frame_waits)
{
    esr_buf b = {0};
    for (int i = 0; i < 4; i++)
        frame(&b, 10, 'x');
    esr_frames fr = {0};
    got g = {.stop_at = 2};
    cr_assert_eq(frames_feed(&fr, b.data, b.len, take, &g), 7);
    cr_assert_eq(g.n, 2, "nothing after the stop");
    cr_assert_eq(frames_feed(&fr, b.data, b.len, take, &g), 7, "and later pieces too");
    cr_assert_eq(g.n, 2);
    frames_free(&fr);
    esr_frames cut = {0};
    got h = {0};
    cr_assert_eq(frames_feed(&cut, b.data, 13, take, &h), 0);
    cr_assert_eq(h.n, 0, "a frame not yet whole waits");
    cr_assert_eq(cut.carry.len, 13);
    cr_assert_eq(frames_feed(&cut, b.data + 13, 1, take, &h), 0);
    cr_assert_eq(h.n, 1);
    frames_free(&cut);
    esr_buf_free(&b);
}
