/* source.h - open an export and deliver it as UTF-8 bytes: gzip detected by
 * magic bytes (inflate with a bounded expansion ratio), BOM and encoding
 * detection, iconv to UTF-8 with partial sequences carried across reads,
 * SHA-256 of the bytes on disk, delimiter sniffing. */
#ifndef ESR_SOURCE_H
#define ESR_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* Default limit on decompressed bytes per compressed byte (README "Limits").
 * Real exports compress 5-15:1; gzip cannot exceed about 1032:1. */
#define ESR_SOURCE_MAX_RATIO_DEFAULT 200u
/* The ratio is only enforced past this many decompressed bytes. */
#define ESR_SOURCE_RATIO_GRACE (8u << 20)

typedef enum esr_encoding {
    ESR_ENC_AUTO = 0,
    ESR_ENC_UTF8,
    ESR_ENC_WINDOWS_1252,
    ESR_ENC_UTF16LE,
    ESR_ENC_UTF16BE
} esr_encoding;

typedef struct esr_source_opts {
    uint64_t max_ratio;    /* decompressed/compressed bytes; 0 = no limit */
    esr_encoding encoding; /* ESR_ENC_AUTO to detect */
    char delim;            /* 0 to detect */
} esr_source_opts;

typedef struct esr_source_info {
    char *path;
    uint64_t bytes;  /* size on disk */
    char sha256[65]; /* of the bytes on disk, hex; set at EOF */
    int gzip;
    int bom;
    esr_encoding encoding;
    char delim;
    uint64_t decoded_bytes; /* UTF-8 bytes delivered */
    uint64_t replaced;      /* undecodable bytes replaced */
} esr_source_info;

typedef struct esr_source esr_source;

/* Fill opts with the defaults. */
void source_opts_default(esr_source_opts *opts);
/* Open path and detect compression, encoding and delimiter. */
esr_status source_open(const char *path, const esr_source_opts *opts, esr_source **out,
                       esr_err *err);
/* Read up to cap bytes of UTF-8 into buf; *got = 0 at end of input. */
esr_status source_read(esr_source *s, char *buf, size_t cap, size_t *got, esr_err *err);
/* Bytes handed out per source_next call at most. */
#define SOURCE_CHUNK (256u * 1024u)

/* Start reading ahead (inflate + decode) on a second thread; ESR_OK, or
 * ESR_ERR_NOMEM / ESR_ERR_INTERNAL when no thread could be started (reading
 * then stays on the caller's thread, which is no error for the run).
 * Use source_next, not source_read, after this. */
esr_status source_start_prefetch(esr_source *s);
/* Next chunk of UTF-8: *data stays valid until the next call; *len = 0 at
 * end of input. */
esr_status source_next(esr_source *s, const char **data, size_t *len, esr_err *err);
/* What was detected (and, after EOF, the checksum). */
const esr_source_info *source_info(const esr_source *s);
/* Bytes read from disk so far (for progress). */
uint64_t source_consumed(const esr_source *s);
/* Close and free. */
void source_close(esr_source *s);
/* After reading: the regular file at path must still have the bytes read
 * (a copy still under way grows it); ESR_ERR_INPUT_FORMAT (65) if not. */
esr_status source_unchanged(const char *path, uint64_t bytes, esr_err *err);
/* Name of an encoding. */
const char *source_encoding_name(esr_encoding e);
/* Parse an encoding name (utf-8, windows-1252, latin-1, utf-16le...); -1 if unknown. */
int source_encoding_parse(const char *name, esr_encoding *e);

#endif
