/* pseudo.h - keyed pseudonyms for employee and assignment numbers:
 * HMAC-SHA-256 (OpenSSL libcrypto) under a key file the trust keeps.
 * Deterministic for a key, unlinkable without it; the key is never
 * printed, logged or written. The creator owns it; pseudo_free wipes it. */
#ifndef ESR_PSEUDO_H
#define ESR_PSEUDO_H

#include "status.h"

#define ESR_PSEUDO_MIN_KEY_BYTES 16
#define ESR_PSEUDO_LEN 24 /* hex characters kept (96 bits) */

typedef struct esr_pseudo esr_pseudo;

/* Read the key from keyfile; *exposed is set when the file can be read by
 * group or others (the caller warns). */
esr_status pseudo_open(const char *keyfile, esr_pseudo **out, int *exposed, esr_err *err);
/* Pseudonym of value in namespace kind ("employee", "assignment") into out
 * (ESR_PSEUDO_LEN + 1 bytes); "" stays "". Returns out. Not for two
 * threads at once: p keeps one keyed HMAC state. */
const char *pseudo_apply(esr_pseudo *p, const char *kind, const char *value, char *out);
/* A fingerprint of the key into out (ESR_PSEUDO_LEN + 1 bytes): the
 * pseudonym of a fixed text in a namespace of its own, so two returns can
 * tell whether they used the same key without revealing it. Returns out. */
const char *pseudo_fingerprint(esr_pseudo *p, char *out);
/* Wipe and free. */
void pseudo_free(esr_pseudo *p);

#endif
