/* pseudo.c - HMAC-SHA-256 pseudonyms. */
#include "pseudo.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"

#define MAX_KEY_BYTES 4096

struct esr_pseudo {
    unsigned char key[MAX_KEY_BYTES];
    size_t len;
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
    *out = p;
    return ESR_OK;
}

/* Pseudonym of value in namespace kind (see pseudo.h). */
const char *pseudo_apply(const esr_pseudo *p, const char *kind, const char *value, char *out)
{
    out[0] = '\0';
    if (!*value)
        return out;
    esr_buf msg = {0};
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    if (esr_buf_printf(&msg, "%s:%s", kind, value) == 0 &&
        HMAC(EVP_sha256(), p->key, (int)p->len, (const unsigned char *)msg.data, msg.len, md,
             &mdlen)) {
        for (unsigned i = 0; i < mdlen && 2 * i < ESR_PSEUDO_LEN; i++)
            snprintf(out + 2 * i, 3, "%02x", md[i]);
    }
    esr_buf_free(&msg);
    return out;
}

/* Wipe and free. */
void pseudo_free(esr_pseudo *p)
{
    if (!p)
        return;
    OPENSSL_cleanse(p->key, sizeof p->key);
    free(p);
}
