/* test_xlsx_zip.c - the workbooks' parts as this project deflates them:
 * minizip's own reader gets every byte back with the right CRC and size,
 * whatever the part's size (serial stream, blocks, a last block left
 * empty) and however it was written; a part within ESR_XLSX_ZIP_SERIAL is
 * byte for byte what minizip alone writes at the same level (but for a
 * text bit). minizip is reached through the dynamic linker: Debian ships
 * no headers for it. */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "xlsx_zip.h"

typedef int (*open_fn)(void *, const char *, const void *, const void *, uInt, const void *, uInt,
                       const char *, int, int, int, int, int, int, const char *, uLong, uLong,
                       uLong, int);
typedef int (*write_fn)(void *, const void *, unsigned);
typedef int (*close_fn)(void *);

/* minizip's functions this file needs, found at run time. */
typedef struct mz {
    void *(*zip_open)(const char *, int);
    int (*zip_close)(void *, const char *);
    void *(*unz_open)(const char *);
    int (*unz_locate)(void *, const char *, int);
    int (*unz_open_cur)(void *);
    int (*unz_read)(void *, void *, unsigned);
    int (*unz_close_cur)(void *);
    int (*unz_close)(void *);
    open_fn own_open; /* minizip's own, not this project's */
    write_fn own_write;
    close_fn own_close;
} mz;

static mz find_minizip(void)
{
    /* a test binary does not load libxlsxwriter, and so minizip, itself */
    void *h = dlopen("libminizip.so.1", RTLD_NOW | RTLD_GLOBAL);
    cr_assert(h, "%s", dlerror());
    xlsx_zip_use(); /* links the module in; finds minizip */
    mz m = {
        dlsym(h, "zipOpen"),
        dlsym(h, "zipClose"),
        dlsym(h, "unzOpen"),
        dlsym(h, "unzLocateFile"),
        dlsym(h, "unzOpenCurrentFile"),
        dlsym(h, "unzReadCurrentFile"),
        dlsym(h, "unzCloseCurrentFile"),
        dlsym(h, "unzClose"),
        (open_fn)dlsym(h, "zipOpenNewFileInZip4_64"),
        (write_fn)dlsym(h, "zipWriteInFileInZip"),
        (close_fn)dlsym(h, "zipCloseFileInZip"),
    };
    cr_assert(m.zip_open && m.zip_close && m.unz_open && m.unz_locate && m.unz_open_cur &&
              m.unz_read && m.unz_close_cur && m.unz_close && m.own_open && m.own_write &&
              m.own_close);
    cr_assert_neq((void *)m.own_write, (void *)zipWriteInFileInZip);
    return m;
}

/* n bytes of sheet-like XML: repetitive, as a worksheet is. */
static unsigned char *sheet_text(size_t n)
{
    unsigned char *p = malloc(n ? n : 1);
    cr_assert(p);
    unsigned seed = 7;
    for (size_t i = 0; i < n;) {
        char row[96];
        int k = snprintf(row, sizeof row, "<row r=\"%zu\"><c t=\"s\"><v>%u</v></c></row>", i,
                         rand_r(&seed) % 5000);
        for (int j = 0; j < k && i < n; j++)
            p[i++] = (unsigned char)row[j];
    }
    return p;
}

/* Write data[0..n) as part "p.xml" of a new zip at path, in pieces of
 * piece bytes, through this project's functions (own = 0) or minizip's. */
static void zip_part(const mz *m, const char *path, const unsigned char *data, size_t n,
                     size_t piece, int own)
{
    void *z = m->zip_open(path, 0);
    cr_assert(z);
    open_fn op = own ? m->own_open : zipOpenNewFileInZip4_64;
    write_fn wr = own ? m->own_write : zipWriteInFileInZip;
    close_fn cl = own ? m->own_close : zipCloseFileInZip;
    int level = own ? ESR_XLSX_ZIP_LEVEL : Z_DEFAULT_COMPRESSION;
    cr_assert_eq(op(z, "p.xml", NULL, NULL, 0, NULL, 0, NULL, Z_DEFLATED, level, 0, -MAX_WBITS, 8,
                    Z_DEFAULT_STRATEGY, NULL, 0, 0, 0, 0),
                 0);
    for (size_t off = 0; off < n; off += piece)
        cr_assert_eq(wr(z, data + off, (unsigned)(n - off < piece ? n - off : piece)), 0);
    cr_assert_eq(cl(z), 0);
    cr_assert_eq(m->zip_close(z, NULL), 0);
}

/* Read part "p.xml" of the zip at path back with minizip (which checks its
 * CRC at the close) and compare it with data[0..n). */
static void assert_part(const mz *m, const char *path, const unsigned char *data, size_t n)
{
    void *u = m->unz_open(path);
    cr_assert(u);
    cr_assert_eq(m->unz_locate(u, "p.xml", 0), 0);
    cr_assert_eq(m->unz_open_cur(u), 0);
    unsigned char *got = malloc(n + 1);
    size_t have = 0;
    int r;
    while ((r = m->unz_read(u, got + have, (unsigned)(n + 1 - have))) > 0)
        have += (size_t)r;
    cr_assert_eq(r, 0, "minizip could not inflate the part (%d)", r);
    cr_assert_eq(have, n, "%zu bytes back of %zu", have, n);
    cr_assert(!n || !memcmp(got, data, n), "the part's bytes differ");
    cr_assert_eq(m->unz_close_cur(u), 0, "CRC or size wrong");
    m->unz_close(u);
    free(got);
}

/* The whole of file path (malloc'd), its size in *n. */
static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    unsigned char *p = malloc(*n + 1);
    cr_assert_eq(fread(p, 1, *n, f), *n);
    fclose(f);
    return p;
}

Test(xlsx_zip, every_size_reads_back_with_its_crc)
{
    mz m = find_minizip();
    const size_t S = ESR_XLSX_ZIP_SERIAL, B = ESR_XLSX_ZIP_BLOCK;
    const size_t sizes[] = {
        0, 1, 100000, S, S + 1, S + B, S + 2 * B, S + 2 * B + 1, S + 5 * B + 12345, 3 * S + 7 * B};
    unsigned char *data = sheet_text(3 * S + 7 * B);
    char path[] = "/tmp/esr-xlsxzip-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        const size_t pieces[] = {16384, 7777, B};
        for (size_t k = 0; k < 3; k++) {
            zip_part(&m, path, data, sizes[i], pieces[k], 0);
            assert_part(&m, path, data, sizes[i]);
        }
    }
    unlink(path);
    free(data);
}

Test(xlsx_zip, a_part_within_the_serial_size_is_what_minizip_writes)
{
    mz m = find_minizip();
    const size_t sizes[] = {0, 5000, ESR_XLSX_ZIP_SERIAL};
    unsigned char *data = sheet_text(ESR_XLSX_ZIP_SERIAL);
    char a[] = "/tmp/esr-xlsxzip-XXXXXX", b[] = "/tmp/esr-xlsxzip-XXXXXX";
    int fa = mkstemp(a), fb = mkstemp(b);
    cr_assert(fa >= 0 && fb >= 0);
    close(fa);
    close(fb);
    for (size_t i = 0; i < 3; i++) {
        zip_part(&m, a, data, sizes[i], 16384, 0);
        zip_part(&m, b, data, sizes[i], 16384, 1);
        size_t na, nb;
        unsigned char *za = slurp(a, &na), *zb = slurp(b, &nb);
        cr_assert_eq(na, nb, "size %zu: %zu vs %zu zip bytes", sizes[i], na, nb);
        /* the one part's central header (the end record says where) differs
         * at most in its internal attributes: minizip marks a part it
         * deflated itself as text when zlib guessed so; a raw part it
         * cannot. Nothing reads that bit. */
        cr_assert_geq(na, 22);
        size_t cd =
            za[na - 6] | za[na - 5] << 8 | (size_t)za[na - 4] << 16 | (size_t)za[na - 3] << 24;
        cr_assert_leq(cd + 38, na);
        zb[cd + 36] = za[cd + 36];
        zb[cd + 37] = za[cd + 37];
        cr_assert(!memcmp(za, zb, na), "size %zu: the zips differ", sizes[i]);
        free(za);
        free(zb);
    }
    unlink(a);
    unlink(b);
    free(data);
}
