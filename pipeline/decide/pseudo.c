/* pseudo.c - HMAC-SHA-256 pseudonyms. */
#include "pseudo.h"

#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "text.h"

#define MAX_KEY_BYTES 4096

struct esr_pseudo {
    unsigned char key[MAX_KEY_BYTES];
    size_t len;
    EVP_MAC *mac;
    EVP_MAC_CTX *ctx; /* keyed once: each pseudonym re-initialises it */
};

/* Read the key from keyfile (see pseudo.h). */
esr_status pseudo_open(const char *keyfile, esr_pseudo **out, int *exposed, esr_err *err)
{
    *out = NULL;
    *exposed = 0;
    struct stat sb;
    if (stat(keyfile, &sb) || !S_ISREG(sb.st_mode))
        return esr_err_set(err, ESR_ERR_INPUT_MISSING, "%s: key file missing or not a file",
                           keyfile);
    *exposed = (sb.st_mode & 077) != 0;
    esr_pseudo *p = calloc(1, sizeof *p);
    if (!p)
        return esr_err_set(err, ESR_ERR_NOMEM, "out of memory");
    FILE *fp = fopen(keyfile, "rb");
    if (!fp) {
        free(p);
        return esr_err_set(err, ESR_ERR_INPUT_MISSING, "%s: cannot read key file: %s", keyfile,
                           strerror(errno));
    }
    p->len = fread(p->key, 1, sizeof p->key, fp);
    int more = fgetc(fp) != EOF;
    fclose(fp);
    while (p->len && (p->key[p->len - 1] == '\n' || p->key[p->len - 1] == '\r'))
        p->len--; /* a key written by echo or an editor keeps working */
    if (p->len < ESR_PSEUDO_MIN_KEY_BYTES || more) {
        pseudo_free(p);
        return esr_err_set(err, ESR_ERR_USAGE,
                           "%s: key must hold %d to %d bytes (e.g. openssl rand -hex 32 > KEYFILE)",
                           keyfile, ESR_PSEUDO_MIN_KEY_BYTES, MAX_KEY_BYTES);
    }
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
                           OSSL_PARAM_construct_end()};
    if (!(p->mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) || !(p->ctx = EVP_MAC_CTX_new(p->mac)) ||
        !EVP_MAC_init(p->ctx, p->key, p->len, params)) {
        pseudo_free(p);
        return esr_err_set(err, ESR_ERR_INTERNAL, "HMAC-SHA-256 is not available (libcrypto)");
    }
    *out = p;
    return ESR_OK;
}

/* Pseudonym of value in namespace kind (see pseudo.h). */
const char *pseudo_apply(esr_pseudo *p, const char *kind, const char *value, char *out)
{
    out[0] = '\0';
    if (!*value)
        return out;
    unsigned char md[EVP_MAX_MD_SIZE];
    size_t mdlen = 0;
    /* HMAC over "kind:value", the key kept from pseudo_open */
    if (EVP_MAC_init(p->ctx, NULL, 0, NULL) &&
        EVP_MAC_update(p->ctx, (const unsigned char *)kind, strlen(kind)) &&
        EVP_MAC_update(p->ctx, (const unsigned char *)":", 1) &&
        EVP_MAC_update(p->ctx, (const unsigned char *)value, strlen(value)) &&
        EVP_MAC_final(p->ctx, md, &mdlen, sizeof md) && mdlen * 2 >= ESR_PSEUDO_LEN)
        text_hex(md, ESR_PSEUDO_LEN / 2, out);
    return out;
}

/* A fingerprint of the key (see pseudo.h). */
const char *pseudo_fingerprint(esr_pseudo *p, char *out)
{
    return pseudo_apply(p, "key-fingerprint", "esrpipe", out);
}

/* Wipe and free. */
void pseudo_free(esr_pseudo *p)
{
    if (!p)
        return;
    EVP_MAC_CTX_free(p->ctx);
    EVP_MAC_free(p->mac);
    OPENSSL_cleanse(p->key, sizeof p->key);
    free(p);
}
