#ifndef KETENPOORT_PKCS11_H
#define KETENPOORT_PKCS11_H

/*
 * Signing keys that live in a PKCS#11 token (an HSM, or SoftHSM2 in tests). The token is first probed
 * directly through its PKCS#11 module, so that a missing token, a wrong or locked PIN and a missing key
 * are told apart; the key itself is then loaded through OpenSSL's pkcs11 engine (libp11), which gives
 * an EVP_PKEY whose private operations run inside the token. Safe to call from many threads at once.
 */

#include <stddef.h>
#include "kp_shim.h"

/* OpenSSL's key type, declared here so Swift need not import OpenSSL's headers. */
struct evp_pkey_st;

/* What kp_p11_probe and kp_p11_load_key found. */
typedef enum {
    KP_P11_OK = 0,
    KP_P11_MODULE_UNLOADABLE = 1,   /* the module file cannot be loaded or is not a PKCS#11 module */
    KP_P11_TOKEN_MISSING = 2,       /* no token with that label is present */
    KP_P11_PIN_INCORRECT = 3,       /* the PIN does not open the token */
    KP_P11_PIN_LOCKED = 4,          /* the token's user PIN is locked */
    KP_P11_KEY_MISSING = 5,         /* the token holds no private key with that label */
    KP_P11_ENGINE_UNAVAILABLE = 6,  /* OpenSSL's pkcs11 engine (libengine-pkcs11-openssl) cannot be loaded */
    KP_P11_KEY_UNLOADABLE = 7,      /* the engine could not load the key */
    KP_P11_FAILED = 8,              /* the module failed otherwise */
} kp_p11_status;

/* Looks, through the module, whether a token labelled token_label is present, whether pin logs in,
   and whether it holds a private key labelled key_label. Logs in at most once. */
kp_p11_status kp_p11_probe(const char *module_path, const char *token_label, const char *key_label, const char *pin);

/* Probes as kp_p11_probe does and then loads the private key through OpenSSL's pkcs11 engine. NULL on
   failure, with the reason in *status. Free with kp_p11_key_free. */
struct evp_pkey_st *kp_p11_load_key(const char *module_path, const char *token_label, const char *key_label,
                                    const char *pin, kp_p11_status *status);

/* Releases a key from kp_p11_load_key. */
void kp_p11_key_free(struct evp_pkey_st *key);

/* Returns 1 for an RSA key, 2 for an EC key on P-256, 0 otherwise. */
int kp_p11_key_kind(struct evp_pkey_st *key);

/* The key's public part as SubjectPublicKeyInfo DER in *out (free with kp_p11_free); returns its length, or -1. */
int kp_p11_public_key_der(struct evp_pkey_st *key, unsigned char **out);

/* The public key of the first certificate in a PEM file's bytes as SubjectPublicKeyInfo DER in *out
   (free with kp_p11_free); returns its length, or -1 when no certificate can be read. */
int kp_p11_certificate_public_key_der(const unsigned char *cert_pem, int cert_len, unsigned char **out);

/* Signs the SHA-256 digest of data with key: RSA PKCS#1 v1.5, or ECDSA with a DER-encoded signature.
   Returns the signature's length in *out (free with kp_p11_free), or -1. */
int kp_p11_sign_sha256(struct evp_pkey_st *key, const unsigned char *data, size_t length, unsigned char **out);

/* An xmlsec key that signs with key (it takes its own reference) and carries the PEM certificate as its
   X.509 data; NULL on failure. The engine key is first marked private for xmlsec 1.2.37's key check (see
   kp_pkcs11.c); only RSA keys sign through xmlsec. Free with xmlSecKeyDestroy. */
xmlSecKeyPtr kp_p11_xmlsec_key(struct evp_pkey_st *key, const unsigned char *cert_pem, int cert_len);

/* Frees memory returned by the kp_p11 functions. */
void kp_p11_free(void *p);

#endif
