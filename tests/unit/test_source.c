/* test_source.c - bytes on disk to UTF-8: gzip, BOMs, encodings,
 * delimiter sniffing, limits, checksums. Files are made in a temp dir. */
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "source.h"
#include "unit_helpers.h"

static char dir[PATH_MAX];

static void setup(void)
{
    th_mkdtemp(dir);
}

static void teardown(void)
{
    th_rm_rf(dir);
}

TestSuite(source, .init = setup, .fini = teardown);

static const char *path_of(const char *name)
{
    static char p[PATH_MAX];
    th_join(p, dir, name);
    return p;
}

static const char *put_file(const char *name, const void *data, size_t n)
{
    const char *p = path_of(name);
    th_write(p, data, n);
    return p;
}

static const char *put_gz(const char *name, const void *data, size_t n)
{
    const char *p = path_of(name);
    gzFile gz = gzopen(p, "wb9");
    cr_assert_not_null(gz);
    size_t off = 0;
    while (off < n) {
        unsigned k = n - off > (1u << 20) ? (1u << 20) : (unsigned)(n - off);
        cr_assert_eq(gzwrite(gz, (const char *)data + off, k), (int)k);
        off += k;
    }
    cr_assert_eq(gzclose(gz), Z_OK);
    return p;
}

typedef struct readout {
    esr_status open_st, read_st;
    esr_err err;
    char *data;
    size_t len;
    esr_source_info info; /* copied after EOF (path not kept) */
} readout;

/* Open path and read it to the end with a cap-byte buffer. */
static readout read_all(const char *path, const esr_source_opts *opts, size_t cap)
{
    readout r = {0};
    esr_source_opts def;
    if (!opts) {
        source_opts_default(&def);
        opts = &def;
    }
    esr_source *s = NULL;
    r.open_st = source_open(path, opts, &s, &r.err);
    if (r.open_st) {
        cr_assert_null(s);
        return r;
    }
    size_t bufcap = 1 << 16, n = 0;
    r.data = malloc(bufcap + 1);
    char *chunk = malloc(cap);
    for (;;) {
        size_t got = 0;
        r.read_st = source_read(s, chunk, cap, &got, &r.err);
        if (r.read_st || !got)
            break;
        cr_assert_leq(got, cap);
        while (n + got > bufcap) {
            bufcap *= 2;
            r.data = realloc(r.data, bufcap + 1);
        }
        memcpy(r.data + n, chunk, got);
        n += got;
    }
    free(chunk);
    r.data[n] = '\0';
    r.len = n;
    r.info = *source_info(s);
    r.info.path = NULL;
    source_close(s);
    return r;
}

static void readout_free(readout *r)
{
    free(r->data);
    r->data = NULL;
}

/* First status that failed (open, then read). */
static esr_status failed(const readout *r)
{
    return r->open_st ? r->open_st : r->read_st;
}

static void sha256_hex(const void *data, size_t n, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    cr_assert_not_null(ctx);
    cr_assert_eq(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
    cr_assert_eq(EVP_DigestUpdate(ctx, data, n), 1);
    cr_assert_eq(EVP_DigestFinal_ex(ctx, md, &len), 1);
    EVP_MD_CTX_free(ctx);
    cr_assert_eq(len, 32);
    for (unsigned i = 0; i < len; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

Test(source, plain_utf8)
{
    const char *text = "Employee Number,Job Title\n1,Physio Assistant caf\xc3\xa9\n";
    const char *p = put_file("plain.csv", text, strlen(text));
    readout r = read_all(p, NULL, 4096);
    cr_assert_eq(failed(&r), ESR_OK, "%s", r.err.msg);
    cr_assert_str_eq(r.data, text);
    cr_assert_eq(r.info.encoding, ESR_ENC_UTF8);
    cr_assert_eq(r.info.bom, 0);
    cr_assert_eq(r.info.gzip, 0);
    cr_assert_eq(r.info.delim, ',');
    cr_assert_eq(r.info.bytes, strlen(text));
    cr_assert_eq(r.info.decoded_bytes, strlen(text));
    cr_assert_eq(r.info.replaced, 0);
    readout_free(&r);
}

Test(source, utf8_bom_is_stripped)
{
    const char *body = "a,b\n\xc3\xa9,2\n";
    char in[64] = "\xef\xbb\xbf";
    strcat(in, body);
    const char *p = put_file("bom.csv", in, strlen(in));
    readout r = read_all(p, NULL, 4096);
    cr_assert_eq(failed(&r), ESR_OK, "%s", r.err.msg);
    cr_assert_str_eq(r.data, body);
    cr_assert_eq(r.info.bom, 1);
    cr_assert_eq(r.info.encoding, ESR_ENC_UTF8);
    cr_assert_eq(r.info.bytes, strlen(in));
    readout_free(&r);
}

Test(source, windows_1252_becomes_utf8)
{
    /* 0x96 en dash, 0xE9 e-acute, 0x80 euro, 0xA0 NBSP */
    const char in[] = "title,area\nPhysio \x96 Band 3,Caf\xe9\n\x80 5,\xa0x\n";
    const char *want =
        "title,area\nPhysio \xe2\x80\x93 Band 3,Caf\xc3\xa9\n\xe2\x82\xac 5,\xc2\xa0x\n";
    const char *p = put_file("cp1252.csv", in, strlen(in));
    readout r = read_all(p, NULL, 4096);
    cr_assert_eq(failed(&r), ESR_OK, "%s", r.err.msg);
    cr_assert_eq(r.info.encoding, ESR_ENC_WINDOWS_1252);
    cr_assert_str_eq(r.data, want);
    cr_assert_eq(r.info.replaced, 0);
    readout_free(&r);
}

Test(source, declared_encoding_is_used)
{
    /* valid UTF-8 bytes, but the caller says Latin-1 (read as Windows-1252) */
    const char in[] = "a\n\xc3\xa9\n";
    const char *p = put_file("declared.csv", in, strlen(in));
    esr_source_opts o;
    source_opts_default(&o);
    cr_assert_eq(source_encoding_parse("latin-1", &o.encoding), 0);
    cr_assert_eq(o.encoding, ESR_ENC_WINDOWS_1252);
    readout r = read_all(p, &o, 4096);
    cr_assert_eq(failed(&r), ESR_OK, "%s", r.err.msg);
    cr_assert_str_eq(r.data, "a\n\xc3\x83\xc2\xa9\n");
    readout_free(&r);
}

Test(source, encoding_names)
{
    esr_encoding e;
    cr_assert_eq(source_encoding_parse("UTF-8", &e), 0);
    cr_assert_eq(e, ESR_ENC_UTF8);
    cr_assert_eq(source_encoding_parse("cp1252", &e), 0);
    cr_assert_eq(e, ESR_ENC_WINDOWS_1252);
    cr_assert_eq(source_encoding_parse("utf-16le", &e), 0);
    cr_assert_eq(e, ESR_ENC_UTF16LE);
    cr_assert_eq(source_encoding_parse("ebcdic", &e), -1);
    cr_assert_str_eq(source_encoding_name(ESR_ENC_WINDOWS_1252), "Windows-1252");
    cr_assert_str_eq(source_encoding_name(ESR_ENC_UTF16LE), "UTF-16LE");
}

/* Encode ASCII/Latin-1 text as UTF-16LE (code units < 0x100 and one
 * supplementary character when the text holds '@'). */
static size_t utf16le(const char *s, unsigned char *out, int bom)
{
    size_t n = 0;
    if (bom) {
        out[n++] = 0xff;
        out[n++] = 0xfe;
    }
    for (; *s; s++) {
        if (*s == '@') { /* U+1F600 as a surrogate pair */
            out[n++] = 0x3d;
            out[n++] = 0xd8;
            out[n++] = 0x00;
            out[n++] = 0xde;
            continue;
        }
        if (*s == '~') { /* U+2013 en dash */
            out[n++] = 0x13;
            out[n++] = 0x20;
            continue;
        }
        out[n++] = (unsigned char)*s;
        out[n++] = 0;
    }
    return n;
}

Test(source, utf16le_bom_and_tab_delimiter)
{
    unsigned char in[256];
    size_t n = utf16le("Employee Number\tJob Title\tFTE\r\n1\tAP ~ physio @\t1\r\n", in, 1);
    const char *p = put_file("unicode.txt", in, n);
    readout r = read_all(p, NULL, 4096);
    cr_assert_eq(failed(&r), ESR_OK, "%s", r.err.msg);
    cr_assert_eq(r.info.encoding, ESR_ENC_UTF16LE);
    cr_assert_eq(r.info.bom, 1);
    cr_assert_eq(r.info.delim, '\t');
    cr_assert_str_eq(r.data, "Employee Number\tJob Title\tFTE\r\n1\tAP \xe2\x80\x93 physio "
                             "\xf0\x9f\x98\x80\t1\r\n");
    readout_free(&r);
}

Test(source, tab_delimiter_sniffed)
{
    const char *in = "a\tb\tc,d\n1\t2\t3\n";
    readout r = read_all(put_file("x.txt", in, strlen(in)), NULL, 4096);
    cr_assert_eq(failed(&r), ESR_OK);
    cr_assert_eq(r.info.delim, '\t');
    readout_free(&r);
    const char *in2 = "a,b,c\td\n";
    r = read_all(put_file("y.txt", in2, strlen(in2)), NULL, 4096);
    cr_assert_eq(r.info.delim, ',');
    readout_free(&r);
    /* a given delimiter wins */
    esr_source_opts o;
    source_opts_default(&o);
    o.delim = ';';
    r = read_all(put_file("z.txt", in, strlen(in)), &o, 4096);
    cr_assert_eq(r.info.delim, ';');
    readout_free(&r);
}

static char *lorem(size_t n)
{
    static const char *const words[] = {"Physiotherapy", "Assistant",    "Band 3",   "1.00000",
                                        "caf\xc3\xa9",   "\xe2\x80\x93", "Theatres", "\n"};
    char *s = malloc(n + 32);
    size_t len = 0;
    unsigned x = 12345;
    while (len < n) {
        x = x * 1103515245u + 12345u;
        const char *w = words[(x >> 16) % 8];
        size_t k = strlen(w);
        memcpy(s + len, w, k);
        len += k;
        s[len++] = ',';
    }
    s[len] = '\0';
    return s;
}

Test(source, gzip_detected_by_magic_whatever_the_name)
{
    char *text = lorem(300000);
    size_t n = strlen(text);
    const char *names[] = {"export.csv", "export.gz", "noext"};
    for (size_t i = 0; i < 3; i++) {
        const char *p = put_gz(names[i], text, n);
        readout r = read_all(p, NULL, 65536);
        cr_assert_eq(failed(&r), ESR_OK, "%s: %s", names[i], r.err.msg);
        cr_assert_eq(r.info.gzip, 1, "%s", names[i]);
        cr_assert_eq(r.len, n);
        cr_assert_eq(memcmp(r.data, text, n), 0, "%s: content differs", names[i]);
        cr_assert_eq(r.info.encoding, ESR_ENC_UTF8);
        readout_free(&r);
    }
    free(text);
}

Test(source, gzip_of_windows_1252)
{
    const char in[] = "a,b\nPhysio \x96 Caf\xe9,1\n";
    readout r = read_all(put_gz("w.csv", in, strlen(in)), NULL, 4096);
    cr_assert_eq(failed(&r), ESR_OK, "%s", r.err.msg);
    cr_assert(r.info.gzip);
    cr_assert_eq(r.info.encoding, ESR_ENC_WINDOWS_1252);
    cr_assert_str_eq(r.data, "a,b\nPhysio \xe2\x80\x93 Caf\xc3\xa9,1\n");
    readout_free(&r);
}

Test(source, concatenated_gzip_members)
{
    size_t n1, n2;
    char *d1 = th_read(put_gz("m1.gz", "a,b\n1,2\n", 8), &n1);
    char *d2 = th_read(put_gz("m2.gz", "3,4\n", 4), &n2);
    cr_assert(d1 && d2);
    char *both = malloc(n1 + n2);
    memcpy(both, d1, n1);
    memcpy(both + n1, d2, n2);
    readout r = read_all(put_file("both.csv.gz", both, n1 + n2), NULL, 4096);
    cr_assert_eq(failed(&r), ESR_OK, "%s", r.err.msg);
    cr_assert_str_eq(r.data, "a,b\n1,2\n3,4\n");
    readout_free(&r);
    free(d1);
    free(d2);
    free(both);
}

Test(source, truncated_gzip_is_format_error)
{
    char *text = lorem(200000);
    const char *p = put_gz("t.gz", text, strlen(text));
    size_t n;
    char *gz = th_read(p, &n);
    /* cut both in the middle of the deflate stream and just before the trailer */
    size_t cuts[] = {n / 2, n - 4, 40};
    for (size_t i = 0; i < 3; i++) {
        const char *q = put_file("cut.csv", gz, cuts[i]);
        readout r = read_all(q, NULL, 65536);
        cr_assert_eq(failed(&r), ESR_ERR_INPUT_FORMAT, "cut at %zu: status %d (%s)", cuts[i],
                     failed(&r), r.err.msg);
        cr_assert(strstr(r.err.msg, "gzip") != NULL, "message: %s", r.err.msg);
        readout_free(&r);
    }
    free(gz);
    free(text);
}

Test(source, corrupt_gzip_is_format_error)
{
    char *text = lorem(50000);
    const char *p = put_gz("c.gz", text, strlen(text));
    size_t n;
    unsigned char *gz = (unsigned char *)th_read(p, &n);
    for (size_t i = 20; i < 60; i++)
        gz[i] ^= 0x5a;
    readout r = read_all(put_file("c2.gz", gz, n), NULL, 65536);
    cr_assert_eq(failed(&r), ESR_ERR_INPUT_FORMAT, "status %d (%s)", failed(&r), r.err.msg);
    readout_free(&r);
    free(gz);
    free(text);
}

Test(source, binary_with_nul_is_format_error)
{
    unsigned char bin[4096];
    unsigned x = 99;
    for (size_t i = 0; i < sizeof bin; i++) {
        x = x * 1103515245u + 12345u;
        bin[i] = (unsigned char)(x >> 16);
    }
    bin[10] = 0;
    bin[0] = 'A'; /* not a gzip or BOM by accident */
    readout r = read_all(put_file("bin.csv", bin, sizeof bin), NULL, 4096);
    cr_assert_eq(failed(&r), ESR_ERR_INPUT_FORMAT, "status %d (%s)", failed(&r), r.err.msg);
    cr_assert(strstr(r.err.msg, "not a CSV export"), "not taken for UTF-16: %s", r.err.msg);
    readout_free(&r);
}

Test(source, zip_is_format_error_mentioning_csv)
{
    const char zip[] = "PK\3\4\x14\0\0\0\x08\0xl/workbook.xml rest of a zip";
    readout r = read_all(put_file("return.xlsx", zip, sizeof zip - 1), NULL, 4096);
    cr_assert_eq(r.open_st, ESR_ERR_INPUT_FORMAT);
    cr_assert(strstr(r.err.msg, "CSV") != NULL, "message: %s", r.err.msg);
    cr_assert(strstr(r.err.msg, "return.xlsx") != NULL, "message names the file: %s", r.err.msg);
    readout_free(&r);
}

Test(source, gzipped_zip_is_format_error)
{
    const char zip[] = "PK\3\4\x14\0\0\0\x08\0xl/workbook.xml";
    readout r = read_all(put_gz("return.gz", zip, sizeof zip - 1), NULL, 4096);
    cr_assert_eq(r.open_st, ESR_ERR_INPUT_FORMAT);
    cr_assert(strstr(r.err.msg, "CSV") != NULL, "message: %s", r.err.msg);
    readout_free(&r);
}

Test(source, empty_file_is_error)
{
    readout r = read_all(put_file("empty.csv", "", 0), NULL, 4096);
    cr_assert_eq(r.open_st, ESR_ERR_INPUT_FORMAT, "status %d (%s)", r.open_st, r.err.msg);
    cr_assert(strstr(r.err.msg, "empty") != NULL, "message: %s", r.err.msg);
    readout_free(&r);
    /* an empty gzip stream too */
    r = read_all(put_gz("empty.gz", "", 0), NULL, 4096);
    cr_assert_eq(r.open_st, ESR_ERR_INPUT_FORMAT, "status %d (%s)", r.open_st, r.err.msg);
    readout_free(&r);
}

Test(source, missing_path_and_directory)
{
    readout r = read_all(path_of("does-not-exist.csv"), NULL, 4096);
    cr_assert_eq(r.open_st, ESR_ERR_INPUT_MISSING);
    cr_assert(strstr(r.err.msg, "does-not-exist.csv") != NULL, "message: %s", r.err.msg);
    readout_free(&r);
    r = read_all(dir, NULL, 4096);
    cr_assert_eq(r.open_st, ESR_ERR_INPUT_MISSING, "status %d (%s)", r.open_st, r.err.msg);
    readout_free(&r);
}

Test(source, decompression_bomb_is_limit_error, .timeout = 120)
{
    size_t n = (size_t)64 << 20;
    char *zeros = calloc(1, n);
    cr_assert_not_null(zeros);
    memcpy(zeros, "a,b\n", 4); /* looks like text at the start */
    memset(zeros + 4, '0', n - 4);
    const char *p = put_gz("bomb.csv", zeros, n);
    free(zeros);
    readout r = read_all(p, NULL, 1 << 16);
    cr_assert_eq(failed(&r), ESR_ERR_INPUT_LIMIT, "status %d (%s)", failed(&r), r.err.msg);
    cr_assert_lt(r.len, n, "the whole bomb was delivered");
    readout_free(&r);

    /* with the ratio limit off, the same file reads through */
    esr_source_opts o;
    source_opts_default(&o);
    o.max_ratio = 0;
    r = read_all(p, &o, 1 << 16);
    cr_assert_eq(failed(&r), ESR_OK, "%s", r.err.msg);
    cr_assert_eq(r.len, n);
    readout_free(&r);
}

Test(source, tiny_buffer_gives_identical_output)
{
    /* multi-byte sequences straddle every read boundary */
    const char *utf8 = "h\xc3\xa9,\xe2\x80\x93\n\xf0\x9f\x98\x80\xf0\x9f\x98\x80 caf\xc3\xa9,"
                       "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\n";
    const char cp[] = "h\xe9,\x96\n\x80\x80\x80\x80\x80 caf\xe9,\x96\x96\x96\n";
    unsigned char u16[512];
    size_t n16 = utf16le("h~,@@\n~~~ x@,~\n", u16, 1);
    struct {
        const char *name;
        const void *data;
        size_t n;
        int gz;
    } cases[] = {
        {"u8.csv", utf8, strlen(utf8), 0}, {"cp.csv", cp, strlen(cp), 0}, {"u16.txt", u16, n16, 0},
        {"u8.gz", utf8, strlen(utf8), 1},  {"cp.gz", cp, strlen(cp), 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *p = cases[i].gz ? put_gz(cases[i].name, cases[i].data, cases[i].n)
                                    : put_file(cases[i].name, cases[i].data, cases[i].n);
        readout big = read_all(p, NULL, 65536);
        cr_assert_eq(failed(&big), ESR_OK, "%s: %s", cases[i].name, big.err.msg);
        for (size_t cap = 8; cap <= 11; cap++) {
            readout small = read_all(p, NULL, cap);
            cr_assert_eq(failed(&small), ESR_OK, "%s cap %zu: %s", cases[i].name, cap,
                         small.err.msg);
            cr_assert_eq(small.len, big.len, "%s cap %zu", cases[i].name, cap);
            cr_assert_eq(memcmp(small.data, big.data, big.len), 0, "%s cap %zu", cases[i].name,
                         cap);
            readout_free(&small);
        }
        readout_free(&big);
    }
}

Test(source, buffer_below_minimum_is_refused)
{
    const char *p = put_file("s.csv", "a\n", 2);
    esr_source_opts o;
    source_opts_default(&o);
    esr_source *s = NULL;
    esr_err err = {0};
    cr_assert_eq(source_open(p, &o, &s, &err), ESR_OK);
    char b[4];
    size_t got = 99;
    cr_assert_neq(source_read(s, b, sizeof b, &got, &err), ESR_OK);
    cr_assert_eq(got, 0);
    source_close(s);
}

Test(source, sha256_of_bytes_on_disk)
{
    /* plain, and gzip (the checksum is of the compressed bytes on disk) */
    char *text = lorem(200000); /* spans several raw reads */
    size_t n = strlen(text);
    const char *p = put_file("sum.csv", text, n);
    char want[65];
    sha256_hex(text, n, want);
    readout r = read_all(p, NULL, 4096);
    cr_assert_eq(failed(&r), ESR_OK, "%s", r.err.msg);
    cr_assert_str_eq(r.info.sha256, want);
    readout_free(&r);

    p = put_gz("sum.gz", text, n);
    size_t gn;
    char *gz = th_read(p, &gn);
    sha256_hex(gz, gn, want);
    r = read_all(p, NULL, 4096);
    cr_assert_eq(failed(&r), ESR_OK, "%s", r.err.msg);
    cr_assert_str_eq(r.info.sha256, want);
    cr_assert_eq(r.info.bytes, gn);
    readout_free(&r);
    free(gz);

    /* a file of exactly one raw chunk */
    p = put_file("chunk.csv", text, 65536);
    sha256_hex(text, 65536, want);
    r = read_all(p, NULL, 4096);
    cr_assert_eq(failed(&r), ESR_OK, "%s", r.err.msg);
    cr_assert_str_eq(r.info.sha256, want);
    readout_free(&r);
    free(text);
}

Test(source, sha256_known_vector)
{
    const char *p = put_file("abc.csv", "abc", 3);
    readout r = read_all(p, NULL, 4096);
    cr_assert_eq(failed(&r), ESR_OK, "%s", r.err.msg);
    cr_assert_str_eq(r.info.sha256,
                     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    readout_free(&r);
}

Test(source, stray_byte_later_in_utf8_file)
{
    /* valid UTF-8 for the first 64 KiB, then one Windows-1252 byte */
    size_t n = 70000;
    char *in = malloc(n + 8);
    memset(in, 'a', n);
    in[0] = 'x';
    in[1] = '\n';
    memcpy(in + n, "\xe9\n", 2);
    readout r = read_all(put_file("late.csv", in, n + 2), NULL, 4096);
    cr_assert_eq(failed(&r), ESR_OK, "%s", r.err.msg);
    cr_assert_eq(r.info.encoding, ESR_ENC_UTF8);
    cr_assert_eq(r.len, n + 3);
    cr_assert_eq(memcmp(r.data + n, "\xc3\xa9\n", 3), 0);
    readout_free(&r);
    free(in);
}

/* 1 if s[0..n) is well-formed UTF-8 (RFC 3629). */
static int utf8_ok(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t k;
        unsigned lo = 0x80, hi = 0xbf;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            k = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            k = 2;
            if (c == 0xe0)
                lo = 0xa0;
            if (c == 0xed)
                hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3;
            if (c == 0xf0)
                lo = 0x90;
            if (c == 0xf4)
                hi = 0x8f;
        } else {
            return 0;
        }
        if (i + k >= n)
            return 0; /* cut short */
        if (s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (size_t j = 2; j <= k; j++)
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
        i += k + 1;
    }
    return 1;
}

Test(source, output_is_always_valid_utf8)
{
    /* mostly UTF-8, with overlong forms, surrogates, code points past
     * U+10FFFF, a stray continuation byte and a cut sequence at EOF */
    const char in[] = "a,b\n\xc3\xa9,ok\n"
                      "\xc0\xaf,\xe0\x80\x80,\xed\xa0\x80,\xf4\x90\x80\x80,\xf0\x80\x80\x80\n"
                      "\x80x,\xe2\x82\n"
                      "\xf0\x9f\x98\x80,\xe2\x82";
    esr_source_opts o;
    source_opts_default(&o);
    o.encoding = ESR_ENC_UTF8; /* declared: stray bytes are decoded as Windows-1252 */
    readout r = read_all(put_file("bad.csv", in, sizeof in - 1), &o, 4096);
    cr_assert_eq(failed(&r), ESR_OK, "%s", r.err.msg);
    cr_assert_eq(r.info.encoding, ESR_ENC_UTF8);
    cr_assert(utf8_ok((const unsigned char *)r.data, r.len), "invalid UTF-8 delivered: %s", r.data);
    /* the valid parts survive untouched */
    cr_assert(strncmp(r.data, "a,b\n\xc3\xa9,ok\n", 10) == 0);
    cr_assert(strstr(r.data, "\xf0\x9f\x98\x80,") != NULL);
    /* and the same with a tiny buffer */
    readout s = read_all(path_of("bad.csv"), &o, 8);
    cr_assert_eq(failed(&s), ESR_OK);
    cr_assert_eq(s.len, r.len);
    cr_assert_eq(memcmp(s.data, r.data, r.len), 0);
    readout_free(&s);
    readout_free(&r);
}

Test(source, detected_utf8_with_overlong_forms_stays_valid)
{
    /* no byte here is invalid to a lenient check, so detection says UTF-8 */
    const char in[] = "a,b\n\xe0\x80\x80,\xed\xa0\x80,\xf4\x90\x80\x80,\xc3\xa9\n";
    readout r = read_all(put_file("overlong.csv", in, sizeof in - 1), NULL, 4096);
    cr_assert_eq(failed(&r), ESR_OK, "%s", r.err.msg);
    cr_assert(utf8_ok((const unsigned char *)r.data, r.len), "invalid UTF-8 delivered");
    cr_assert(strstr(r.data, ",\xc3\xa9\n") != NULL);
    readout_free(&r);
}

/* Read s to its end; the status of the last read. */
static esr_status drain(esr_source *s, esr_err *err)
{
    char buf[4096];
    size_t got;
    esr_status st;
    while (!(st = source_read(s, buf, sizeof buf, &got, err)) && got)
        ;
    return st;
}

Test(source, file_growing_while_read_is_refused)
{
    /* more than one raw block, so the file is opened before the end is read */
    size_t n = 300000;
    char *data = malloc(n);
    cr_assert_not_null(data);
    memcpy(data, "a,b\n", 4);
    for (size_t i = 4; i < n; i++)
        data[i] = i % 20 == 19 ? '\n' : 'x';
    const char *p = put_file("arriving.csv", data, n / 2);
    esr_source_opts o;
    source_opts_default(&o);
    esr_source *s = NULL;
    esr_err err = {0};
    cr_assert_eq(source_open(p, &o, &s, &err), ESR_OK, "%s", err.msg);
    FILE *fp = fopen(p, "ab"); /* the copy goes on */
    cr_assert_not_null(fp);
    fwrite(data + n / 2, 1, n - n / 2, fp);
    fclose(fp);
    cr_assert_eq(drain(s, &err), ESR_ERR_INPUT_FORMAT);
    cr_assert(strstr(err.msg, "arriving.csv: file changed while being read") != NULL, "%s",
              err.msg);
    cr_assert(strstr(err.msg, "still being copied") != NULL, "%s", err.msg);
    source_close(s);
    free(data);
}

Test(source, complete_file_reports_the_bytes_read)
{
    const char *p = put_file("whole.csv", "a,b\n1,2\n", 8);
    esr_source_opts o;
    source_opts_default(&o);
    esr_source *s = NULL;
    esr_err err = {0};
    cr_assert_eq(source_open(p, &o, &s, &err), ESR_OK, "%s", err.msg);
    cr_assert_eq(drain(s, &err), ESR_OK, "%s", err.msg);
    cr_assert_eq(source_info(s)->bytes, 8);
    source_close(s);
    cr_assert_eq(source_unchanged(p, 8, &err), ESR_OK);
    /* later growth (a copy that stalled while it was read) */
    th_write(p, "a,b\n1,2\n3,4\n", 12);
    cr_assert_eq(source_unchanged(p, 8, &err), ESR_ERR_INPUT_FORMAT);
    cr_assert(strstr(err.msg, "8 bytes read, 12 now") != NULL, "%s", err.msg);
}

Test(source, bytes_after_the_gzip_data)
{
    size_t n;
    char *text = lorem(5000);
    char *gz = th_read(put_gz("m.gz", text, strlen(text)), &n);
    cr_assert(gz);
    /* zero padding, short and longer than a read: read to the end, hashed */
    const size_t pads[] = {7, 200000};
    for (size_t i = 0; i < 2; i++) {
        char *f = calloc(1, n + pads[i]);
        memcpy(f, gz, n);
        readout r = read_all(put_file("pad.csv.gz", f, n + pads[i]), NULL, 4096);
        cr_assert_eq(failed(&r), ESR_OK, "%s", r.err.msg);
        cr_assert_str_eq(r.data, text);
        char want[65];
        sha256_hex(f, n + pads[i], want);
        cr_assert_str_eq(r.info.sha256, want, "the checksum covers the padding");
        readout_free(&r);
        free(f);
    }
    /* anything else after it, near or past the first read: refused, with where */
    const size_t at[] = {0, 3, 150000};
    for (size_t i = 0; i < 3; i++) {
        char *f = calloc(1, n + 200000);
        memcpy(f, gz, n);
        f[n + at[i]] = 'x';
        readout r = read_all(put_file("junk.csv.gz", f, n + 200000), NULL, 4096);
        cr_assert_eq(failed(&r), ESR_ERR_INPUT_FORMAT, "junk at +%zu: %d", at[i], failed(&r));
        char where[32];
        snprintf(where, sizeof where, "from byte %zu", n + at[i]);
        cr_assert(strstr(r.err.msg, where) && strstr(r.err.msg, "not gzip"), "%s", r.err.msg);
        readout_free(&r);
        free(f);
    }
    free(gz);
    free(text);
}

Test(source, utf16_without_a_bom_says_so)
{
    const char *text = "Employee Number,FTE,Position Title\n1,1,Healthcare Assistant\n"
                       "2,0.5,Support Worker ~ Band 3\n";
    unsigned char le[512], be[512];
    size_t n = utf16le(text, le, 0);
    for (size_t i = 0; i + 1 < n; i += 2) { /* the same text big-endian */
        be[i] = le[i + 1];
        be[i + 1] = le[i];
    }
    readout r = read_all(put_file("le.csv", le, n), NULL, 4096);
    cr_assert_eq(failed(&r), ESR_ERR_INPUT_FORMAT);
    cr_assert(strstr(r.err.msg, "UTF-16LE without a byte-order mark") &&
                  strstr(r.err.msg, "--encoding utf-16le"),
              "%s", r.err.msg);
    readout_free(&r);
    r = read_all(put_file("be.csv", be, n), NULL, 4096);
    cr_assert_eq(failed(&r), ESR_ERR_INPUT_FORMAT);
    cr_assert(strstr(r.err.msg, "UTF-16BE without a byte-order mark"), "%s", r.err.msg);
    readout_free(&r);
    /* told, it reads */
    esr_source_opts o;
    source_opts_default(&o);
    o.encoding = ESR_ENC_UTF16LE;
    r = read_all(put_file("le.csv", le, n), &o, 4096);
    cr_assert_eq(failed(&r), ESR_OK, "%s", r.err.msg);
    cr_assert(strstr(r.data, "Healthcare Assistant"), "%s", r.data);
    readout_free(&r);
}
