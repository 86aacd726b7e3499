/* source.c - bytes on disk -> (inflate) -> (iconv) -> UTF-8. */
#include "source.h"

#include <errno.h>
#include <iconv.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zlib.h>

#include "text.h"

#define RAW_CHUNK 65536u
#define SNIFF_BYTES 65536u

/* Read-ahead: a thread inflates and decodes into one buffer while the
 * caller parses the other (source_next). */
typedef struct prefetch {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *buf[2];
    size_t len[2];
    int full[2];
    esr_status st; /* first error, reported once its buffer is reached */
    esr_err err;
    int stop;
    size_t next; /* buffer the caller reads next */
} prefetch;

struct esr_source {
    esr_source_info info;
    prefetch *pf;
    char *own; /* buffer for source_next without a thread */
    esr_source_opts opts;
    FILE *fp;
    EVP_MD_CTX *sha;
    _Atomic uint64_t consumed; /* read by the progress line from the caller's thread */
    int raw_eof;
    struct stat opened; /* the file as opened: changed by EOF means it was still arriving */

    /* raw bytes from disk */
    unsigned char raw[RAW_CHUNK];
    size_t raw_pos, raw_len;

    /* inflate */
    z_stream z;
    int z_init, z_end;

    /* decompressed bytes awaiting decoding */
    unsigned char *dec;
    size_t dec_pos, dec_len, dec_cap;
    int dec_eof;
    uint64_t decompressed;

    iconv_t cd;     /* to UTF-8; (iconv_t)-1 in UTF-8 mode */
    iconv_t cd1252; /* builds w1252 */
    /* UTF-8 of each byte 0x80-0xFF read as Windows-1252, made by iconv
     * once per file: decoding is then a table lookup per byte */
    unsigned char w1252[128][4];
    unsigned char w1252_len[128];
};

/* Fill opts with the defaults. */
void source_opts_default(esr_source_opts *opts)
{
    opts->max_ratio = ESR_SOURCE_MAX_RATIO_DEFAULT;
    opts->encoding = ESR_ENC_AUTO;
    opts->delim = 0;
}

/* Name of an encoding. */
const char *source_encoding_name(esr_encoding e)
{
    switch (e) {
    case ESR_ENC_UTF8: return "UTF-8";
    case ESR_ENC_WINDOWS_1252: return "Windows-1252";
    case ESR_ENC_UTF16LE: return "UTF-16LE";
    case ESR_ENC_UTF16BE: return "UTF-16BE";
    default: return "auto";
    }
}

/* Parse an encoding name; -1 if unknown. Latin-1 is read as Windows-1252. */
int source_encoding_parse(const char *name, esr_encoding *e)
{
    static const struct {
        const char *name;
        esr_encoding enc;
    } names[] = {
        {"auto", ESR_ENC_AUTO},           {"utf-8", ESR_ENC_UTF8},
        {"utf8", ESR_ENC_UTF8},           {"windows-1252", ESR_ENC_WINDOWS_1252},
        {"cp1252", ESR_ENC_WINDOWS_1252}, {"latin-1", ESR_ENC_WINDOWS_1252},
        {"latin1", ESR_ENC_WINDOWS_1252}, {"iso-8859-1", ESR_ENC_WINDOWS_1252},
        {"utf-16le", ESR_ENC_UTF16LE},    {"utf-16be", ESR_ENC_UTF16BE},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(name, names[i].name)) {
            *e = names[i].enc;
            return 0;
        }
    return -1;
}

/* At EOF: a regular file must be as it was when opened (size, modified
 * time) and have given exactly its size, else it was still being written. */
static esr_status check_unchanged(esr_source *s, esr_err *err)
{
    struct stat now;
    if (!S_ISREG(s->opened.st_mode))
        return ESR_OK; /* a pipe has no size to compare */
    if (fstat(fileno(s->fp), &now))
        return esr_err_set(err, ESR_ERR_IO, "%s: %s", s->info.path, strerror(errno));
    uint64_t got = s->consumed;
    if (now.st_size != s->opened.st_size || got != (uint64_t)s->opened.st_size ||
        now.st_mtim.tv_sec != s->opened.st_mtim.tv_sec ||
        now.st_mtim.tv_nsec != s->opened.st_mtim.tv_nsec)
        return esr_err_set(err, ESR_ERR_INPUT_FORMAT,
                           "%s: file changed while being read — was it still being copied? "
                           "(%llu bytes when opened, %llu read, %llu now%s); run again once it "
                           "is complete",
                           s->info.path, (unsigned long long)s->opened.st_size,
                           (unsigned long long)got, (unsigned long long)now.st_size,
                           now.st_mtim.tv_sec != s->opened.st_mtim.tv_sec ||
                                   now.st_mtim.tv_nsec != s->opened.st_mtim.tv_nsec
                               ? ", modified meanwhile"
                               : "");
    s->info.bytes = got; /* the bytes hashed */
    return ESR_OK;
}

/* After reading: the file at path must still have the bytes read. */
esr_status source_unchanged(const char *path, uint64_t bytes, esr_err *err)
{
    struct stat sb;
    if (stat(path, &sb) || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size == bytes)
        return ESR_OK;
    return esr_err_set(err, ESR_ERR_INPUT_FORMAT,
                       "%s: file changed while being read — was it still being copied? (%llu "
                       "bytes read, %llu now); run again once it is complete",
                       path, (unsigned long long)bytes, (unsigned long long)sb.st_size);
}

/* Read the next raw block once the last is used, hashing it; finish the hash at EOF. */
static esr_status raw_fill(esr_source *s, esr_err *err)
{
    if (s->raw_pos < s->raw_len || s->raw_eof)
        return ESR_OK;
    size_t n = fread(s->raw, 1, sizeof s->raw, s->fp);
    if (n < sizeof s->raw) {
        if (ferror(s->fp))
            return esr_err_set(err, ESR_ERR_IO, "%s: read error: %s", s->info.path,
                               strerror(errno));
        s->raw_eof = 1;
    }
    if (n && EVP_DigestUpdate(s->sha, s->raw, n) != 1)
        return esr_err_set(err, ESR_ERR_INTERNAL, "%s: SHA-256 failed", s->info.path);
    s->raw_pos = 0;
    s->raw_len = n;
    s->consumed += n;
    if (s->raw_eof) {
        esr_status st = check_unchanged(s, err);
        if (st)
            return st;
        unsigned char md[32];
        unsigned mdlen = 0;
        if (EVP_DigestFinal_ex(s->sha, md, &mdlen) != 1)
            return esr_err_set(err, ESR_ERR_INTERNAL, "%s: SHA-256 failed", s->info.path);
        text_hex(md, mdlen, s->info.sha256);
    }
    return ESR_OK;
}

/* Make room in s->dec for want more bytes past dec_pos, first dropping
 * what has been consumed. */
static esr_status dec_room(esr_source *s, size_t want, esr_err *err)
{
    if (s->dec_pos && s->dec_pos == s->dec_len)
        s->dec_pos = s->dec_len = 0;
    if (s->dec_pos > s->dec_cap / 2) {
        memmove(s->dec, s->dec + s->dec_pos, s->dec_len - s->dec_pos);
        s->dec_len -= s->dec_pos;
        s->dec_pos = 0;
    }
    if (s->dec_len + want > s->dec_cap) {
        size_t cap = s->dec_cap ? s->dec_cap : RAW_CHUNK * 2;
        while (cap < s->dec_len + want)
            cap *= 2;
        unsigned char *d = realloc(s->dec, cap);
        if (!d)
            return esr_err_set(err, ESR_ERR_NOMEM, "%s: out of memory", s->info.path);
        s->dec = d;
        s->dec_cap = cap;
    }
    return ESR_OK;
}

/* After the last gzip member: the rest of the file must be zero bytes (the
 * padding some tools write, which gzip ignores too), read to its end so the
 * checksum covers the file. Anything else may be a damaged member: the read
 * fails rather than stop short of rows. */
static esr_status gzip_tail(esr_source *s, esr_err *err)
{
    for (;;) {
        for (; s->raw_pos < s->raw_len; s->raw_pos++)
            if (s->raw[s->raw_pos])
                return esr_err_set(
                    err, ESR_ERR_INPUT_FORMAT,
                    "%s: the bytes after the end of the gzip data (from byte %llu) are not gzip: "
                    "the file is damaged or has something appended; not reading only part of it",
                    s->info.path, (unsigned long long)(s->consumed - s->raw_len + s->raw_pos));
        if (s->raw_eof)
            break;
        esr_status st = raw_fill(s, err);
        if (st)
            return st;
    }
    s->dec_eof = 1;
    return ESR_OK;
}

/* Inflate raw bytes into s->dec; at the end of a gzip member go on with
 * the next, or check the rest of the file (gzip_tail). The inflated size
 * is held to --max-ratio of the compressed. */
static esr_status inflate_some(esr_source *s, esr_err *err)
{
    if (s->z_end) {
        /* a further gzip member may follow (concatenated .gz files) */
        if (s->raw_pos == s->raw_len || s->raw[s->raw_pos] != 0x1f)
            return gzip_tail(s, err);
        if (inflateReset(&s->z) != Z_OK)
            return esr_err_set(err, ESR_ERR_INTERNAL, "%s: inflateReset failed", s->info.path);
        s->z_end = 0;
    }
    if (s->raw_pos == s->raw_len) {
        return esr_err_set(err, ESR_ERR_INPUT_FORMAT,
                           "%s: truncated gzip file (ends after %llu bytes, mid-stream)",
                           s->info.path, (unsigned long long)s->consumed);
    }
    s->z.next_in = s->raw + s->raw_pos;
    s->z.avail_in = (uInt)(s->raw_len - s->raw_pos);
    s->z.next_out = s->dec + s->dec_len;
    s->z.avail_out = (uInt)(s->dec_cap - s->dec_len);
    int zr = inflate(&s->z, Z_NO_FLUSH);
    size_t produced = (s->dec_cap - s->dec_len) - s->z.avail_out;
    s->raw_pos = s->raw_len - s->z.avail_in;
    s->dec_len += produced;
    s->decompressed += produced;
    if (zr == Z_STREAM_END) {
        s->z_end = 1;
    } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
        return esr_err_set(err, ESR_ERR_INPUT_FORMAT, "%s: corrupt gzip data (%s)", s->info.path,
                           s->z.msg ? s->z.msg : "inflate failed");
    }
    if (s->opts.max_ratio && s->decompressed > ESR_SOURCE_RATIO_GRACE &&
        s->decompressed / (s->consumed ? s->consumed : 1) > s->opts.max_ratio) {
        return esr_err_set(err, ESR_ERR_INPUT_LIMIT,
                           "%s: gzip expands more than %llu:1 (%llu bytes from %llu): refusing a "
                           "likely decompression bomb (limit: --max-ratio)",
                           s->info.path, (unsigned long long)s->opts.max_ratio,
                           (unsigned long long)s->decompressed, (unsigned long long)s->consumed);
    }
    return ESR_OK;
}

/* Append decompressed (or plain) bytes to s->dec until it holds want bytes
 * past dec_pos or the input ends. */
static esr_status dec_fill(esr_source *s, size_t want, esr_err *err)
{
    esr_status st = dec_room(s, want, err);
    while (!st && !s->dec_eof && s->dec_len - s->dec_pos < want) {
        if ((st = raw_fill(s, err)))
            break;
        if (s->info.gzip) {
            st = inflate_some(s, err);
            continue;
        }
        if (s->raw_pos == s->raw_len) {
            s->dec_eof = 1;
            break;
        }
        size_t n = s->raw_len - s->raw_pos;
        if (n > s->dec_cap - s->dec_len)
            n = s->dec_cap - s->dec_len;
        memcpy(s->dec + s->dec_len, s->raw + s->raw_pos, n);
        s->raw_pos += n;
        s->dec_len += n;
    }
    return st;
}

/* 1 if p[0..n) is valid UTF-8 (a cut final sequence allowed); *high non-ASCII chars. */
static int utf8_valid_prefix(const unsigned char *p, size_t n, size_t *high)
{
    /* 1 if p[0..n) is valid UTF-8 (a sequence cut at the end is allowed) */
    size_t i = 0;
    *high = 0;
    while (i < n) {
        unsigned c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        (*high)++;
        size_t k = c >= 0xf0 && c <= 0xf4 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 && c < 0xe0 ? 1 : 0;
        if (!k || c > 0xf4)
            return 0;
        for (size_t j = 1; j <= k; j++) {
            if (i + j >= n)
                return 1;
            if ((p[i + j] & 0xc0) != 0x80)
                return 0;
        }
        i += k + 1;
    }
    return 1;
}

/* Refuse the first n bytes d of s when they are no CSV export: empty, a
 * zip archive (.xlsx) or an old Excel workbook. */
static esr_status refuse_kind(const esr_source *s, const unsigned char *d, size_t n, esr_err *err)
{
    if (n == 0)
        return esr_err_set(err, ESR_ERR_INPUT_FORMAT, "%s: file is empty (expected a header row)",
                           s->info.path);
    if (n >= 4 && d[0] == 'P' && d[1] == 'K' && d[2] == 3 && d[3] == 4)
        return esr_err_set(
            err, ESR_ERR_INPUT_FORMAT,
            "%s: this is a zip archive (an Excel .xlsx workbook?), not a CSV export: "
            "save or export the report as CSV and run again",
            s->info.path);
    if (n >= 8 && !memcmp(d, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8))
        return esr_err_set(err, ESR_ERR_INPUT_FORMAT,
                           "%s: this is an old Excel .xls workbook, not a CSV export: export the "
                           "report as CSV and run again",
                           s->info.path);
    return ESR_OK;
}

/* The encoding a byte-order mark at d names (skipping it), else enc. */
static esr_encoding read_bom(esr_source *s, const unsigned char *d, size_t n, esr_encoding enc)
{
    if (n >= 3 && d[0] == 0xef && d[1] == 0xbb && d[2] == 0xbf) {
        s->info.bom = 1;
        s->dec_pos = 3;
        return ESR_ENC_UTF8;
    }
    if (n >= 2 && d[0] == 0xff && d[1] == 0xfe) {
        s->info.bom = 1;
        s->dec_pos = 2;
        return ESR_ENC_UTF16LE;
    }
    if (n >= 2 && d[0] == 0xfe && d[1] == 0xff) {
        s->info.bom = 1;
        s->dec_pos = 2;
        return ESR_ENC_UTF16BE;
    }
    return enc;
}

/* Open the converters of encoding enc to UTF-8 and build the Windows-1252
 * table. */
static esr_status decoders_open(esr_source *s, esr_encoding enc, esr_err *err)
{
    const char *from = enc == ESR_ENC_UTF16LE   ? "UTF-16LE"
                       : enc == ESR_ENC_UTF16BE ? "UTF-16BE"
                                                : NULL;
    if (from && (s->cd = iconv_open("UTF-8", from)) == (iconv_t)-1)
        return esr_err_set(err, ESR_ERR_INTERNAL, "iconv cannot convert %s to UTF-8", from);
    if ((s->cd1252 = iconv_open("UTF-8", "WINDOWS-1252")) == (iconv_t)-1)
        return esr_err_set(err, ESR_ERR_INTERNAL, "iconv cannot convert WINDOWS-1252 to UTF-8");
    for (unsigned b = 0x80; b <= 0xff; b++) {
        char in1 = (char)b, *ip = &in1, *op = (char *)s->w1252[b - 0x80];
        size_t il = 1, ol = sizeof s->w1252[0];
        /* 0x81, 0x8D, 0x8F, 0x90, 0x9D are undefined: length 0, U+FFFD */
        s->w1252_len[b - 0x80] = iconv(s->cd1252, &ip, &il, &op, &ol) == (size_t)-1
                                     ? 0
                                     : (unsigned char)(sizeof s->w1252[0] - ol);
        iconv(s->cd1252, NULL, NULL, NULL, NULL);
    }
    return ESR_OK;
}

/* Delimiter: given, UTF-16 (Excel "Unicode text") is tab, else the
 * commoner of tab and comma on the first line of d[dec_pos..n). */
static char sniff_delim(const esr_source *s, esr_encoding enc, const unsigned char *d, size_t n)
{
    char delim = s->opts.delim;
    if (!delim && (enc == ESR_ENC_UTF16LE || enc == ESR_ENC_UTF16BE))
        delim = '\t';
    if (!delim) {
        size_t tabs = 0, commas = 0;
        for (size_t i = s->dec_pos; i < n && d[i] != '\n'; i++) {
            tabs += d[i] == '\t';
            commas += d[i] == ',';
        }
        delim = tabs > commas ? '\t' : ',';
    }
    return delim;
}

/* What to say of NUL bytes in d[0..n): UTF-16 text without a byte-order
 * mark has a NUL beside nearly every ASCII character, in odd bytes (LE) or
 * even ones (BE); anything else is binary. */
static const char *nul_hint(const unsigned char *d, size_t n)
{
    size_t zero[2] = {0, 0}, pairs = (n < 4096 ? n : 4096) / 2;
    for (size_t i = 0; i < 2 * pairs; i++)
        zero[i & 1] += !d[i];
    if (pairs >= 8 && zero[1] * 10 >= pairs * 8 && zero[0] * 20 <= pairs)
        return "it looks like UTF-16LE without a byte-order mark: run with --encoding utf-16le";
    if (pairs >= 8 && zero[0] * 10 >= pairs * 8 && zero[1] * 20 <= pairs)
        return "it looks like UTF-16BE without a byte-order mark: save it as UTF-8 or as "
               "UTF-16 with one";
    return "not a CSV export";
}

/* Sniff compression, file type, encoding and delimiter; set up decoding. */
static esr_status detect(esr_source *s, esr_err *err)
{
    esr_status st = raw_fill(s, err);
    if (st)
        return st;
    const unsigned char *r = s->raw;
    if (s->raw_len >= 2 && r[0] == 0x1f && r[1] == 0x8b) {
        s->info.gzip = 1;
        if (inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK)
            return esr_err_set(err, ESR_ERR_NOMEM, "%s: cannot start inflate", s->info.path);
        s->z_init = 1;
    }
    if ((st = dec_fill(s, SNIFF_BYTES, err)))
        return st;
    const unsigned char *d = s->dec;
    size_t n = s->dec_len;
    if ((st = refuse_kind(s, d, n, err)))
        return st;
    esr_encoding enc = read_bom(s, d, n, s->opts.encoding);
    if (enc != ESR_ENC_UTF16LE && enc != ESR_ENC_UTF16BE && memchr(d, 0, n))
        return esr_err_set(err, ESR_ERR_INPUT_FORMAT,
                           "%s: binary data (NUL bytes) in the first %zu bytes: %s", s->info.path,
                           n, nul_hint(d, n));
    if (enc == ESR_ENC_AUTO) {
        size_t high;
        enc = utf8_valid_prefix(d, n, &high) ? ESR_ENC_UTF8 : ESR_ENC_WINDOWS_1252;
    }
    s->info.encoding = enc;
    if ((st = decoders_open(s, enc, err)))
        return st;
    s->info.delim = sniff_delim(s, enc, d, n);
    return ESR_OK;
}

/* Open path and detect compression, encoding and delimiter. */
esr_status source_open(const char *path, const esr_source_opts *opts, esr_source **out,
                       esr_err *err)
{
    *out = NULL;
    struct stat sb;
    if (stat(path, &sb))
        return esr_err_set(err, ESR_ERR_INPUT_MISSING, "%s: cannot open: %s", path,
                           strerror(errno));
    if (S_ISDIR(sb.st_mode))
        return esr_err_set(err, ESR_ERR_INPUT_MISSING,
                           "%s: is a directory, expected an export file", path);
    esr_source *s = calloc(1, sizeof *s);
    if (!s)
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    s->cd = s->cd1252 = (iconv_t)-1;
    s->opts = *opts;
    esr_status st = ESR_ERR_NOMEM;
    if (!(s->info.path = strdup(path)) || !(s->sha = EVP_MD_CTX_new())) {
        esr_err_set(err, st, "out of memory");
        goto fail;
    }
    if (EVP_DigestInit_ex(s->sha, EVP_sha256(), NULL) != 1) {
        st = esr_err_set(err, ESR_ERR_INTERNAL, "SHA-256 unavailable");
        goto fail;
    }
    s->info.bytes = (uint64_t)sb.st_size;
    if (!(s->fp = fopen(path, "rb"))) {
        st = esr_err_set(err, ESR_ERR_INPUT_MISSING, "%s: cannot open: %s", path, strerror(errno));
        goto fail;
    }
    if (fstat(fileno(s->fp), &s->opened)) {
        st = esr_err_set(err, ESR_ERR_IO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    s->info.bytes = (uint64_t)s->opened.st_size;
    if ((st = detect(s, err)))
        goto fail;
    *out = s;
    return ESR_OK;
fail:
    source_close(s);
    return st;
}

/* Write U+FFFD at *out if there is room. */
static void put_replacement(char **out, size_t *room)
{
    if (*room >= 3) {
        memcpy(*out, "\xef\xbf\xbd", 3);
        *out += 3;
        *room -= 3;
    }
}

/* The second byte's range for lead byte c: rules out overlong forms,
 * UTF-16 surrogates and code points above U+10FFFF (RFC 3629). */
static int utf8_second_ok(unsigned c, unsigned c1)
{
    return c == 0xe0   ? c1 >= 0xa0
           : c == 0xed ? c1 <= 0x9f
           : c == 0xf0 ? c1 >= 0x90
           : c == 0xf4 ? c1 <= 0x8f
                       : 1;
}

/* One byte >= 0x80 as Windows-1252; undefined bytes become U+FFFD. */
static void put_1252(esr_source *s, unsigned c, char **out, size_t *room)
{
    size_t n = s->w1252_len[c - 0x80];
    if (!n) {
        put_replacement(out, room);
        s->info.replaced++;
        return;
    }
    memcpy(*out, s->w1252[c - 0x80], n);
    *out += n;
    *room -= n;
}

/* Length of the run of ASCII bytes at p, at most n (8 bytes a step). */
static size_t ascii_run(const unsigned char *p, size_t n)
{
    size_t i = 0;
    for (uint64_t w; i + 8 <= n; i += 8) {
        memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ull)
            break;
    }
    while (i < n && p[i] < 0x80)
        i++;
    return i;
}

/* Copy the ASCII run at *p, leaving at least 3 bytes of room. */
static void copy_ascii(const unsigned char **p, const unsigned char *end, char **out, size_t *room)
{
    size_t lim = (size_t)(end - *p) < *room - 3 ? (size_t)(end - *p) : *room - 3;
    size_t n = ascii_run(*p, lim);
    memcpy(*out, *p, n);
    *out += n;
    *room -= n;
    *p += n;
}

/* UTF-8 mode: copy valid sequences, decode stray bytes as Windows-1252. */
static void decode_utf8(esr_source *s, char **out, size_t *room)
{
    const unsigned char *p = s->dec + s->dec_pos, *end = s->dec + s->dec_len;
    while (p < end && *room >= 4) {
        unsigned c = *p;
        if (c < 0x80) {
            copy_ascii(&p, end, out, room);
            continue;
        }
        size_t k = c >= 0xf0 && c <= 0xf4   ? 3
                   : c >= 0xe0 && c <= 0xef ? 2
                   : c >= 0xc2 && c < 0xe0  ? 1
                                            : 0;
        size_t j = 1;
        if (k) {
            for (; j <= k && p + j < end; j++)
                if ((p[j] & 0xc0) != 0x80 || (j == 1 && !utf8_second_ok(c, p[1])))
                    break;
            if (j <= k && p + j >= end && !s->dec_eof)
                break; /* sequence continues in the next read */
        }
        if (k && j > k) {
            memcpy(*out, p, k + 1);
            *out += k + 1;
            *room -= k + 1;
            p += k + 1;
            continue;
        }
        /* invalid: this byte is Windows-1252 */
        put_1252(s, c, out, room);
        p++;
    }
    s->dec_pos = (size_t)(p - s->dec);
}

/* Windows-1252 (and Latin-1, read as such): ASCII copied, the rest from
 * the table iconv made. */
static void decode_1252(esr_source *s, char **out, size_t *room)
{
    const unsigned char *p = s->dec + s->dec_pos, *end = s->dec + s->dec_len;
    while (p < end && *room >= 4) {
        if (*p < 0x80)
            copy_ascii(&p, end, out, room);
        else
            put_1252(s, *p++, out, room);
    }
    s->dec_pos = (size_t)(p - s->dec);
}

/* Convert decoded input through iconv into *out, replacing bad units with U+FFFD. */
static void decode_iconv(esr_source *s, char **out, size_t *room)
{
    char *ip = (char *)s->dec + s->dec_pos;
    size_t il = s->dec_len - s->dec_pos;
    while (il && *room >= 4) {
        if (iconv(s->cd, &ip, &il, out, room) != (size_t)-1)
            break;
        if (errno == E2BIG)
            break;
        if (errno == EINVAL && !s->dec_eof)
            break; /* partial sequence: carried to the next read */
        /* EILSEQ (or a cut sequence at EOF): one replacement per unit */
        size_t unit = 2;
        if (unit > il)
            unit = il;
        ip += unit;
        il -= unit;
        put_replacement(out, room);
        s->info.replaced++;
    }
    s->dec_pos = (size_t)((unsigned char *)ip - s->dec);
}

/* Read up to cap bytes of UTF-8 into buf; *got = 0 at end of input. */
esr_status source_read(esr_source *s, char *buf, size_t cap, size_t *got, esr_err *err)
{
    *got = 0;
    if (cap < 8)
        return esr_err_set(err, ESR_ERR_INTERNAL, "source_read: buffer too small");
    char *out = buf;
    size_t room = cap;
    while (out == buf) {
        if (s->dec_len - s->dec_pos < 4 && !s->dec_eof) {
            esr_status st = dec_fill(s, RAW_CHUNK, err);
            if (st)
                return st;
        }
        if (s->dec_pos == s->dec_len && s->dec_eof)
            break;
        size_t before = s->dec_pos;
        if (s->info.encoding == ESR_ENC_UTF8)
            decode_utf8(s, &out, &room);
        else if (s->info.encoding == ESR_ENC_WINDOWS_1252)
            decode_1252(s, &out, &room);
        else
            decode_iconv(s, &out, &room);
        if (out == buf && s->dec_pos == before) {
            if (s->dec_eof)
                break;
            esr_status st = dec_fill(s, s->dec_len - s->dec_pos + RAW_CHUNK, err);
            if (st)
                return st;
        }
    }
    *got = (size_t)(out - buf);
    s->info.decoded_bytes += *got;
    if (!*got && s->info.gzip && !s->z_end)
        return esr_err_set(err, ESR_ERR_INPUT_FORMAT, "%s: truncated gzip file", s->info.path);
    return ESR_OK;
}

/* What was detected (and, after EOF, the checksum). */
const esr_source_info *source_info(const esr_source *s)
{
    return &s->info;
}

/* Bytes read from disk so far (for progress). */
uint64_t source_consumed(const esr_source *s)
{
    return atomic_load(&((esr_source *)s)->consumed);
}

/* Prefetch thread: fill the two buffers in turn until stopped, at EOF or on error. */
static void *prefetch_main(void *arg)
{
    esr_source *s = arg;
    prefetch *pf = s->pf;
    for (size_t w = 0;; w ^= 1) {
        pthread_mutex_lock(&pf->mu);
        while (pf->full[w] && !pf->stop)
            pthread_cond_wait(&pf->cv, &pf->mu);
        int stop = pf->stop;
        pthread_mutex_unlock(&pf->mu);
        if (stop)
            return NULL;
        size_t got = 0;
        esr_err err = {0};
        esr_status st = source_read(s, pf->buf[w], SOURCE_CHUNK, &got, &err);
        pthread_mutex_lock(&pf->mu);
        pf->len[w] = st ? 0 : got;
        pf->full[w] = 1;
        if (st) {
            pf->st = st;
            pf->err = err;
        }
        pthread_cond_broadcast(&pf->cv);
        pthread_mutex_unlock(&pf->mu);
        if (st || !got)
            return NULL; /* end of input or an error: the caller sees it in order */
    }
}

/* Start reading ahead on a second thread; ESR_OK, or ESR_ERR_NOMEM /
 * ESR_ERR_INTERNAL (no thread) when reading stays on the caller's thread. */
esr_status source_start_prefetch(esr_source *s)
{
    esr_status st = ESR_ERR_NOMEM;
    prefetch *pf = calloc(1, sizeof *pf);
    if (!pf || !(pf->buf[0] = malloc(SOURCE_CHUNK)) || !(pf->buf[1] = malloc(SOURCE_CHUNK)))
        goto fail;
    pthread_mutex_init(&pf->mu, NULL);
    pthread_cond_init(&pf->cv, NULL);
    s->pf = pf;
    if (pthread_create(&pf->thread, NULL, prefetch_main, s)) {
        s->pf = NULL;
        pthread_mutex_destroy(&pf->mu);
        pthread_cond_destroy(&pf->cv);
        st = ESR_ERR_INTERNAL;
        goto fail;
    }
    return ESR_OK;
fail:
    if (pf) {
        free(pf->buf[0]);
        free(pf->buf[1]);
        free(pf);
    }
    return st;
}

/* Next chunk of UTF-8 (see source.h). */
esr_status source_next(esr_source *s, const char **data, size_t *len, esr_err *err)
{
    *data = NULL;
    *len = 0;
    prefetch *pf = s->pf;
    if (!pf) {
        if (!s->own && !(s->own = malloc(SOURCE_CHUNK)))
            return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
        esr_status st = source_read(s, s->own, SOURCE_CHUNK, len, err);
        *data = s->own;
        return st;
    }
    pthread_mutex_lock(&pf->mu);
    size_t prev = pf->next ^ 1; /* the buffer handed out last time is free again */
    if (pf->full[prev] == 2) {
        pf->full[prev] = 0;
        pthread_cond_broadcast(&pf->cv);
    }
    size_t r = pf->next;
    while (!pf->full[r])
        pthread_cond_wait(&pf->cv, &pf->mu);
    esr_status st = ESR_OK;
    if (!pf->len[r] && pf->st) {
        st = pf->st;
        if (err)
            *err = pf->err;
    }
    *data = pf->buf[r];
    *len = pf->len[r];
    pf->full[r] = 2; /* handed out: refilled after the next call */
    pf->next ^= 1;
    pthread_mutex_unlock(&pf->mu);
    return st;
}

/* Stop and join the prefetch thread and free its buffers. */
static void prefetch_stop(esr_source *s)
{
    prefetch *pf = s->pf;
    if (!pf)
        return;
    pthread_mutex_lock(&pf->mu);
    pf->stop = 1;
    pthread_cond_broadcast(&pf->cv);
    pthread_mutex_unlock(&pf->mu);
    pthread_join(pf->thread, NULL);
    pthread_mutex_destroy(&pf->mu);
    pthread_cond_destroy(&pf->cv);
    free(pf->buf[0]);
    free(pf->buf[1]);
    free(pf);
    s->pf = NULL;
}

/* Close and free. */
void source_close(esr_source *s)
{
    if (!s)
        return;
    prefetch_stop(s);
    free(s->own);
    if (s->fp)
        fclose(s->fp);
    if (s->z_init)
        inflateEnd(&s->z);
    if (s->cd != (iconv_t)-1)
        iconv_close(s->cd);
    if (s->cd1252 != (iconv_t)-1)
        iconv_close(s->cd1252);
    EVP_MD_CTX_free(s->sha);
    free(s->dec);
    free(s->info.path);
    free(s);
}
