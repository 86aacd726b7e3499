/* floor_parse.c - the floor a C tool reading an ESR export cannot beat.
 *
 *   floor_parse [--delim C] FILE...
 *
 * For each FILE: zlib inflate (gzip by magic bytes, windowBits 16+MAX_WBITS,
 * concatenated members followed; a plain file is read as is) through 256 KiB
 * buffers, every decompressed byte handed to libcsv (csv_init(p, 0), the
 * same block size the pipeline's reader sets), and nothing else: the field
 * callback counts fields, the row callback counts rows. No decoding to
 * UTF-8, no line numbers, no copies, no classification. Prints one line per
 * file and a total:
 *
 *   FILE rows=R fields=F compressed_bytes=C uncompressed_bytes=U seconds=S
 *
 * (rows includes the header row). A benchmark figure, never a test; run by
 * bench/bench.py, timed from outside. Exit 0 ok, 66 cannot open, 65 corrupt
 * gzip, 70 libcsv or memory failure. */
#define _POSIX_C_SOURCE 200809L
#include <csv.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define BUF_BYTES (256u * 1024u)
#define CSV_BLOCK 65536u /* as pipeline/csvreader.c: csv_set_blk_size */

typedef struct counts {
    uint64_t rows, fields;
} counts;

static void on_field(void *data, size_t len, void *ctx)
{
    (void)data;
    (void)len;
    ((counts *)ctx)->fields++;
}

static void on_row(int c, void *ctx)
{
    (void)c;
    ((counts *)ctx)->rows++;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Parse n bytes; 0 ok, -1 libcsv failure (message printed). */
static int parse(struct csv_parser *p, const unsigned char *buf, size_t n, counts *c,
                 const char *path)
{
    if (csv_parse(p, buf, n, on_field, on_row, c) != n) {
        fprintf(stderr, "floor_parse: %s: libcsv: %s\n", path, csv_strerror(csv_error(p)));
        return -1;
    }
    return 0;
}

/* Read, inflate and parse one file; returns an exit status. */
static int run_file(const char *path, unsigned char delim, unsigned char *in, unsigned char *out,
                    counts *c, uint64_t *comp, uint64_t *uncomp)
{
    int rc = 0;
    int z_init = 0;
    z_stream z;
    struct csv_parser p;
    memset(&z, 0, sizeof z);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "floor_parse: %s: cannot open: %s\n", path, strerror(errno));
        return 66;
    }
    if (csv_init(&p, 0)) {
        fclose(fp);
        fprintf(stderr, "floor_parse: csv_init failed\n");
        return 70;
    }
    csv_set_delim(&p, delim);
    csv_set_blk_size(&p, CSV_BLOCK);

    size_t n = fread(in, 1, BUF_BYTES, fp);
    *comp += n;
    int gz = n >= 2 && in[0] == 0x1f && in[1] == 0x8b;
    if (!gz) {
        /* plain file: parse the bytes as they are */
        while (n) {
            *uncomp += n;
            if (parse(&p, in, n, c, path)) {
                rc = 70;
                goto done;
            }
            n = fread(in, 1, BUF_BYTES, fp);
            *comp += n;
        }
    } else {
        if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
            fprintf(stderr, "floor_parse: inflateInit2 failed\n");
            rc = 70;
            goto done;
        }
        z_init = 1;
        int ended = 0;
        z.next_in = in;
        z.avail_in = (uInt)n;
        for (;;) {
            if (z.avail_in == 0) {
                n = fread(in, 1, BUF_BYTES, fp);
                *comp += n;
                if (n == 0)
                    break;
                z.next_in = in;
                z.avail_in = (uInt)n;
            }
            if (ended) {
                /* another gzip member, or trailing padding (ignored, as gzip) */
                if (*z.next_in != 0x1f)
                    break;
                inflateReset(&z);
                ended = 0;
            }
            z.next_out = out;
            z.avail_out = BUF_BYTES;
            int zr = inflate(&z, Z_NO_FLUSH);
            if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
                fprintf(stderr, "floor_parse: %s: corrupt gzip data (%s)\n", path,
                        z.msg ? z.msg : "inflate failed");
                rc = 65;
                goto done;
            }
            size_t got = BUF_BYTES - z.avail_out;
            *uncomp += got;
            if (got && parse(&p, out, got, c, path)) {
                rc = 70;
                goto done;
            }
            if (zr == Z_STREAM_END)
                ended = 1;
        }
        if (!ended) {
            fprintf(stderr, "floor_parse: %s: truncated gzip file\n", path);
            rc = 65;
            goto done;
        }
    }
    if (ferror(fp)) {
        fprintf(stderr, "floor_parse: %s: read error\n", path);
        rc = 74;
        goto done;
    }
    if (csv_fini(&p, on_field, on_row, c)) {
        fprintf(stderr, "floor_parse: %s: libcsv: %s\n", path, csv_strerror(csv_error(&p)));
        rc = 70;
    }
done:
    if (z_init)
        inflateEnd(&z);
    csv_free(&p);
    fclose(fp);
    return rc;
}

int main(int argc, char **argv)
{
    unsigned char delim = ',';
    int i = 1;
    if (i + 1 < argc && !strcmp(argv[i], "--delim")) {
        delim = (unsigned char)(!strcmp(argv[i + 1], "\\t") ? '\t' : argv[i + 1][0]);
        i += 2;
    }
    if (i >= argc || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
        fprintf(stderr, "usage: floor_parse [--delim C] FILE...\n"
                        "gzip inflate + libcsv parse only (the floor for bench/bench.py)\n");
        return 64;
    }
    unsigned char *in = malloc(BUF_BYTES), *out = malloc(BUF_BYTES);
    if (!in || !out) {
        fprintf(stderr, "floor_parse: out of memory\n");
        return 70;
    }
    counts total = {0, 0};
    uint64_t tcomp = 0, tuncomp = 0;
    double t0 = now();
    int rc = 0;
    for (; i < argc && !rc; i++) {
        counts c = {0, 0};
        uint64_t comp = 0, uncomp = 0;
        double t = now();
        rc = run_file(argv[i], delim, in, out, &c, &comp, &uncomp);
        if (!rc)
            printf("%s rows=%llu fields=%llu compressed_bytes=%llu uncompressed_bytes=%llu "
                   "seconds=%.3f\n",
                   argv[i], (unsigned long long)c.rows, (unsigned long long)c.fields,
                   (unsigned long long)comp, (unsigned long long)uncomp, now() - t);
        total.rows += c.rows;
        total.fields += c.fields;
        tcomp += comp;
        tuncomp += uncomp;
    }
    if (!rc)
        printf("total rows=%llu fields=%llu compressed_bytes=%llu uncompressed_bytes=%llu "
               "seconds=%.3f\n",
               (unsigned long long)total.rows, (unsigned long long)total.fields,
               (unsigned long long)tcomp, (unsigned long long)tuncomp, now() - t0);
    free(in);
    free(out);
    return rc;
}
