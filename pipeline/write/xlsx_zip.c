/* xlsx_zip.c - how every workbook's parts are deflated: at level 1, and
 * a large part on two cores. A process-wide override of three of minizip's
 * entry points (see below). */
#define _GNU_SOURCE /* RTLD_NEXT */
#include "xlsx_zip.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* ---- zip level ------------------------------------------------------
 * libxlsxwriter 1.1.4 zips every part of a workbook at zlib's default level
 * 6 and has no option to change it. At national scale that deflate is the
 * largest serial step of a run: 1.2 s of 5.2 s at 1.5M rows, for 164 MB
 * of sheet XML. Level 1 takes a third of the time for files about a quarter
 * larger (bench/README.md). libxlsxwriter opens each part through minizip's
 * zipOpenNewFileInZip4_64, which Debian's build takes from the shared
 * libminizip: this definition comes first in the dynamic symbol lookup,
 * asks for ESR_XLSX_ZIP_LEVEL, and hands everything else to minizip's own.
 * A libxlsxwriter with a bundled minizip never calls it and keeps level 6;
 * either way the parts are ordinary deflate. */

typedef int (*zip_open_fn)(void *, const char *, const void *, const void *, uInt, const void *,
                           uInt, const char *, int, int, int, int, int, int, const char *, uLong,
                           uLong, uLong, int);

typedef int (*zip_write_fn)(void *, const void *, unsigned);
typedef int (*zip_close_fn)(void *);
typedef int (*zip_close_raw_fn)(void *, uint64_t, uLong);

static zip_open_fn minizip_open;
static zip_write_fn minizip_write;
static zip_close_fn minizip_close;
static zip_close_raw_fn minizip_close_raw;
static pthread_once_t minizip_once = PTHREAD_ONCE_INIT;

/* Find minizip's own entry points. */
static void minizip_find(void)
{
    minizip_open = (zip_open_fn)dlsym(RTLD_NEXT, "zipOpenNewFileInZip4_64");
    minizip_write = (zip_write_fn)dlsym(RTLD_NEXT, "zipWriteInFileInZip");
    minizip_close = (zip_close_fn)dlsym(RTLD_NEXT, "zipCloseFileInZip");
    minizip_close_raw = (zip_close_raw_fn)dlsym(RTLD_NEXT, "zipCloseFileInZipRaw64");
}

/* ---- a large part on two cores ---------------------------------------
 * After the read, closing the workbook is serial, and most of it is the
 * deflate of the Support workforce sheet's XML (56 MB at 50k support rows:
 * bench/README.md). So each deflated part is opened raw: this file deflates
 * it and hands minizip the compressed bytes, the CRC and the size. A part's
 * first PART_SERIAL bytes go through one zlib stream exactly as minizip
 * would deflate them (a part that ends there is byte for byte what minizip
 * writes). Past that, the stream is ended with a sync flush and the rest is
 * cut into BLOCK-byte blocks, each primed with the 32 KiB before it and
 * ended with a sync flush, the last with Z_FINISH: pigz's scheme, one valid
 * deflate stream. While this thread reads the part and fills the next
 * block, a helper thread deflates the blocks already filled; this thread
 * deflates one too when RING blocks are in flight, and emits them in order.
 * One part is open per thread at a time (libxlsxwriter opens, writes and
 * closes a part within one call), hence the thread-local state. */

#define PART_SERIAL ESR_XLSX_ZIP_SERIAL
#define BLOCK ESR_XLSX_ZIP_BLOCK
#define RING 3 /* blocks in flight: one filling, two deflating */
#define DICT 32768u
#define ZIP_INTERNALERROR (-104)

typedef struct zblock {
    z_stream zs;
    int ready; /* zs initialised */
    const unsigned char *in, *dict;
    size_t n, ndict;
    int flush;
    unsigned char *out;
    size_t out_cap, nout;
    uLong crc;
    int err;
} zblock;

/* A block of the input on its way: filled here, deflated by whichever
 * thread takes it, emitted here in order. */
enum { JOB_FREE, JOB_QUEUED, JOB_TAKEN, JOB_DONE };
typedef struct zjob {
    zblock b;
    unsigned char *buf; /* DICT bytes before the block, then the block */
    size_t n;           /* the block's bytes so far */
    int state;
} zjob;

/* The blocks of a part past PART_SERIAL and the helper thread deflating
 * them beside this one. */
typedef struct zpool {
    pthread_mutex_t m;
    pthread_cond_t work, done;
    pthread_t helper;
    int has_helper, stop;
    zjob job[RING];
    uint64_t head, tail; /* jobs before head are emitted; job tail % RING is filling */
} zpool;

typedef struct zpart {
    void *file;
    int level, mem_level, strategy;
    zblock serial;            /* the first PART_SERIAL bytes */
    zpool *pool;              /* past them, the blocks; NULL before */
    unsigned char dict[DICT]; /* the input's last DICT bytes so far */
    size_t ndict;
    uint64_t total;
    uLong crc;
    int zip_err; /* minizip's error writing the output, if that failed */
} zpart;

static _Thread_local zpart *open_part;

/* Free block b's stream and output. */
static void block_free(zblock *b)
{
    if (b->ready)
        deflateEnd(&b->zs);
    free(b->out);
    memset(b, 0, sizeof *b);
}

/* Stop pool's helper (after the block it is deflating) and free pool. */
static void pool_free(zpool *pool)
{
    if (!pool)
        return;
    if (pool->has_helper) {
        pthread_mutex_lock(&pool->m);
        pool->stop = 1;
        pthread_cond_broadcast(&pool->work);
        pthread_mutex_unlock(&pool->m);
        pthread_join(pool->helper, NULL);
    }
    for (int i = 0; i < RING; i++) {
        block_free(&pool->job[i].b);
        free(pool->job[i].buf);
    }
    pthread_mutex_destroy(&pool->m);
    pthread_cond_destroy(&pool->work);
    pthread_cond_destroy(&pool->done);
    free(pool);
}

/* Free part p. */
static void part_free(zpart *p)
{
    if (!p)
        return;
    block_free(&p->serial);
    pool_free(p->pool);
    free(p);
}

/* Set up b's stream at part p's settings; 0 or -1. */
static int block_init(const zpart *p, zblock *b)
{
    if (b->ready)
        return deflateReset(&b->zs) == Z_OK ? 0 : -1;
    if (deflateInit2(&b->zs, p->level, Z_DEFLATED, -MAX_WBITS, p->mem_level, p->strategy) != Z_OK)
        return -1;
    b->ready = 1;
    return 0;
}

/* Deflate b->in[0..n) (primed with b->dict) to b->out with b->flush, and
 * its CRC; b->err on failure. Runs on either thread. */
static void block_deflate(zblock *b)
{
    size_t need = deflateBound(&b->zs, (uLong)b->n) + 16;
    b->nout = 0;
    b->crc = crc32(0L, b->in, (uInt)b->n);
    if (need > b->out_cap) {
        unsigned char *o = realloc(b->out, need);
        if (!o) {
            b->err = 1;
            return;
        }
        b->out = o;
        b->out_cap = need;
    }
    if (b->ndict && deflateSetDictionary(&b->zs, b->dict, (uInt)b->ndict) != Z_OK) {
        b->err = 1;
        return;
    }
    b->zs.next_in = (Bytef *)b->in;
    b->zs.avail_in = (uInt)b->n;
    b->zs.next_out = b->out;
    b->zs.avail_out = (uInt)b->out_cap;
    int rc = deflate(&b->zs, b->flush);
    /* a flush that filled the output may have more to give: never cut short */
    if (b->zs.avail_in ||
        (b->flush == Z_FINISH ? rc != Z_STREAM_END : rc != Z_OK || !b->zs.avail_out))
        b->err = 1;
    b->nout = b->out_cap - b->zs.avail_out;
}

/* Remember the last DICT bytes of the input, of which in[0..n) is the latest. */
static void dict_keep(zpart *p, const unsigned char *in, size_t n)
{
    if (n >= DICT) {
        memcpy(p->dict, in + n - DICT, DICT);
        p->ndict = DICT;
        return;
    }
    size_t keep = p->ndict + n > DICT ? DICT - n : p->ndict;
    memmove(p->dict, p->dict + p->ndict - keep, keep);
    memcpy(p->dict + keep, in, n);
    p->ndict = keep + n;
}

/* Hand block b's output to minizip and fold in its CRC; 0 or -1. */
static int block_emit(zpart *p, const zblock *b)
{
    if (b->err || (b->nout && (p->zip_err = minizip_write(p->file, b->out, (unsigned)b->nout))))
        return -1;
    p->crc = crc32_combine(p->crc, b->crc, (z_off_t)b->n);
    p->total += b->n;
    return 0;
}

/* Deflate in[0..n) through the part's first stream with flush, handing
 * the output to minizip as it comes; 0 or -1. */
static int serial_deflate(zpart *p, const unsigned char *in, size_t n, int flush)
{
    zblock *b = &p->serial;
    b->zs.next_in = (Bytef *)in;
    b->zs.avail_in = (uInt)n;
    for (;;) {
        b->zs.next_out = b->out;
        b->zs.avail_out = (uInt)b->out_cap;
        int rc = deflate(&b->zs, flush);
        size_t got = b->out_cap - b->zs.avail_out;
        if (rc == Z_STREAM_ERROR || (rc == Z_BUF_ERROR && !got && flush == Z_FINISH) ||
            (got && (p->zip_err = minizip_write(p->file, b->out, (unsigned)got))))
            return -1;
        if (flush == Z_FINISH ? rc == Z_STREAM_END : !b->zs.avail_in && b->zs.avail_out)
            break;
    }
    if (n) {
        p->crc = crc32(p->crc, in, (uInt)n);
        p->total += n;
        dict_keep(p, in, n);
    }
    return 0;
}

/* The oldest queued job of pool, taken (called locked), or NULL. */
static zjob *job_take(zpool *pool)
{
    for (uint64_t k = pool->head; k < pool->tail; k++) {
        zjob *j = &pool->job[k % RING];
        if (j->state == JOB_QUEUED) {
            j->state = JOB_TAKEN;
            return j;
        }
    }
    return NULL;
}

/* Deflate taken job j unlocked, then mark it done (called locked). */
static void job_run(zpool *pool, zjob *j)
{
    pthread_mutex_unlock(&pool->m);
    block_deflate(&j->b);
    pthread_mutex_lock(&pool->m);
    j->state = JOB_DONE;
    pthread_cond_signal(&pool->done);
}

/* The helper thread: deflate queued jobs until told to stop. */
static void *helper_main(void *vpool)
{
    zpool *pool = vpool;
    pthread_mutex_lock(&pool->m);
    for (;;) {
        zjob *j = NULL;
        while (!pool->stop && !(j = job_take(pool)))
            pthread_cond_wait(&pool->work, &pool->m);
        if (!j)
            break;
        job_run(pool, j);
    }
    pthread_mutex_unlock(&pool->m);
    return NULL;
}

/* Emit the done jobs at the head, in order; while more than keep jobs are
 * in flight, deflate a queued one here or wait for the helper; 0 or -1. */
static int pool_drain(zpart *p, uint64_t keep)
{
    zpool *pool = p->pool;
    int rc = 0;
    pthread_mutex_lock(&pool->m);
    while (!rc && pool->tail - pool->head > keep) {
        zjob *j = &pool->job[pool->head % RING], *q;
        if (j->state == JOB_DONE) {
            pthread_mutex_unlock(&pool->m); /* only this thread touches done jobs */
            rc = block_emit(p, &j->b);
            pthread_mutex_lock(&pool->m);
            j->state = JOB_FREE;
            pool->head++;
        } else if ((q = job_take(pool)))
            job_run(pool, q);
        else
            pthread_cond_wait(&pool->done, &pool->m);
    }
    pthread_mutex_unlock(&pool->m);
    return rc;
}

/* Start filling job j: empty, the input's last DICT bytes just before it. */
static void job_begin(zpart *p, zjob *j)
{
    j->n = 0;
    memcpy(j->buf + DICT - p->ndict, p->dict, p->ndict);
}

/* Queue the filling job, ended with flush, and start the next; 0 or -1. */
static int pool_submit(zpart *p, int flush)
{
    zpool *pool = p->pool;
    zjob *j = &pool->job[pool->tail % RING];
    size_t nd = p->ndict;
    if (block_init(p, &j->b))
        return -1;
    zblock *b = &j->b; /* its stream and output buffer stay */
    b->in = j->buf + DICT;
    b->n = j->n;
    b->dict = b->in - nd; /* job_begin put the input's last nd bytes there */
    b->ndict = nd;
    b->flush = flush;
    b->nout = 0;
    b->err = 0;
    dict_keep(p, b->in, b->n);
    pthread_mutex_lock(&pool->m);
    j->state = JOB_QUEUED;
    pool->tail++;
    pthread_cond_signal(&pool->work);
    pthread_mutex_unlock(&pool->m);
    if (pool_drain(p, flush == Z_FINISH ? 0 : RING - 1))
        return -1;
    job_begin(p, &pool->job[pool->tail % RING]); /* free now: the next block */
    return 0;
}

/* Start deflating in blocks: the pool, its buffers and its helper; 0 or -1. */
static int pool_start(zpart *p)
{
    zpool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return -1;
    pthread_mutex_init(&pool->m, NULL);
    pthread_cond_init(&pool->work, NULL);
    pthread_cond_init(&pool->done, NULL);
    p->pool = pool;
    for (int i = 0; i < RING; i++)
        if (!(pool->job[i].buf = malloc(DICT + BLOCK)))
            return -1;
    /* no thread (EAGAIN is a memory shortage too): this thread deflates them all */
    pool->has_helper = pthread_create(&pool->helper, NULL, helper_main, pool) == 0;
    job_begin(p, &pool->job[0]);
    return 0;
}

/* Take len bytes of the part's input; 0 or -1. */
static int part_write(zpart *p, const unsigned char *in, size_t len)
{
    if (!p->pool) {
        size_t room = PART_SERIAL - (size_t)p->total, take = len < room ? len : room;
        if (serial_deflate(p, in, take, Z_NO_FLUSH))
            return -1;
        if (!(len -= take))
            return 0;
        in += take;
        if (serial_deflate(p, NULL, 0, Z_SYNC_FLUSH))
            return -1;
        block_free(&p->serial);
        if (pool_start(p))
            return -1;
    }
    while (len) {
        zjob *j = &p->pool->job[p->pool->tail % RING];
        size_t take = BLOCK - j->n < len ? BLOCK - j->n : len;
        memcpy(j->buf + DICT + j->n, in, take);
        j->n += take;
        in += take;
        len -= take;
        if (j->n == BLOCK && pool_submit(p, Z_SYNC_FLUSH))
            return -1;
    }
    return 0;
}

/* A part for zip file at minizip's deflate settings, or NULL (no memory). */
static zpart *part_new(void *file, int level, int mem_level, int strategy)
{
    zpart *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    *p = (zpart){.file = file, .level = level, .mem_level = mem_level, .strategy = strategy};
    p->serial.out_cap = 65536; /* minizip's Z_BUFSIZE */
    if (!(p->serial.out = malloc(p->serial.out_cap)) || block_init(p, &p->serial)) {
        part_free(p);
        return NULL;
    }
    return p;
}

/* minizip's entry point with the house level (see above); -1 if there is none. */
int zipOpenNewFileInZip4_64(void *file, const char *filename, const void *zipfi,
                            const void *extrafield_local, uInt size_extrafield_local,
                            const void *extrafield_global, uInt size_extrafield_global,
                            const char *comment, int method, int level, int raw, int windowBits,
                            int memLevel, int strategy, const char *password, uLong crcForCrypting,
                            uLong versionMadeBy, uLong flagBase, int zip64)
{
    pthread_once(&minizip_once, minizip_find);
    if (!minizip_open)
        return -1; /* ZIP_ERRNO: libxlsxwriter reports the workbook as not written */
    if (method == Z_DEFLATED && level == Z_DEFAULT_COMPRESSION)
        level = ESR_XLSX_ZIP_LEVEL;
    part_free(open_part); /* a part left open by an error before its close */
    open_part = NULL;
    zpart *p = NULL;
    if (method == Z_DEFLATED && !raw && !password && windowBits == -MAX_WBITS && minizip_write &&
        minizip_close && minizip_close_raw) {
        if (!(p = part_new(file, level, memLevel, strategy)))
            return ZIP_INTERNALERROR;
        raw = 1; /* this file deflates it (see above) */
    }
    int rc = minizip_open(file, filename, zipfi, extrafield_local, size_extrafield_local,
                          extrafield_global, size_extrafield_global, comment, method, level, raw,
                          windowBits, memLevel, strategy, password, crcForCrypting, versionMadeBy,
                          flagBase, zip64);
    if (rc)
        part_free(p);
    else
        open_part = p;
    return rc;
}

/* minizip's write, or the open part's input (see above). */
int zipWriteInFileInZip(void *file, const void *buf, unsigned len)
{
    pthread_once(&minizip_once, minizip_find);
    zpart *p = open_part;
    if (!p || p->file != file)
        return minizip_write ? minizip_write(file, buf, len) : -1;
    if (part_write(p, buf, len)) {
        int rc = p->zip_err ? p->zip_err : ZIP_INTERNALERROR; /* I/O, or memory */
        part_free(p);
        open_part = NULL;
        return rc;
    }
    return 0;
}

/* minizip's close, or the open part's: its last block, then minizip's raw
 * close with the part's size and CRC. */
int zipCloseFileInZip(void *file)
{
    pthread_once(&minizip_once, minizip_find);
    zpart *p = open_part;
    if (!p || p->file != file)
        return minizip_close ? minizip_close(file) : -1;
    open_part = NULL;
    int bad = p->pool ? pool_submit(p, Z_FINISH) : serial_deflate(p, NULL, 0, Z_FINISH);
    int zip_err = p->zip_err ? p->zip_err : ZIP_INTERNALERROR; /* I/O, or memory */
    uint64_t total = p->total;
    uLong crc = p->crc;
    part_free(p);
    int rc = minizip_close_raw(file, total, crc);
    return bad ? zip_err : rc;
}

/* Put the house zip level in force (see xlsx_zip.h): look minizip up now. */
void xlsx_zip_use(void)
{
    pthread_once(&minizip_once, minizip_find);
}
