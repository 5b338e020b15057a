/* The ENGINE interface is deprecated in OpenSSL 3 but is the only Debian-packaged route to a PKCS#11
   token (libengine-pkcs11-openssl); xmlsec 1.2.37 takes the resulting EVP_PKEY as it is. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#define _GNU_SOURCE 1
#include "kp_pkcs11.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>

#include <xmlsec/openssl/app.h>
#include <xmlsec/openssl/evp.h>

#include <openssl/engine.h>
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <p11-kit-1/p11-kit/pkcs11.h>

/* One lock for probing and loading: a probe may initialise and finalise the module, which must not
   overlap with the engine's own use of the same module while it loads a key. */
static pthread_mutex_t kp_p11_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---------------------------------------------------------------- probing through the module */

/* 1 when the blank-padded 32-byte PKCS#11 label equals the C string wanted. */
static int kp_p11_label_is(const unsigned char label[32], const char *wanted) {
    size_t n = strlen(wanted);
    if (n > 32 || memcmp(label, wanted, n) != 0) { return 0; }
    for (size_t i = n; i < 32; i++) {
        if (label[i] != ' ') { return 0; }
    }
    return 1;
}

/* Finds the slot holding the token labelled token_label; *locked is set when its user PIN is locked. */
static kp_p11_status kp_p11_find_slot(CK_FUNCTION_LIST_PTR f, const char *token_label, CK_SLOT_ID *slot, int *locked) {
    CK_ULONG count = 0;
    if (f->C_GetSlotList(CK_TRUE, NULL, &count) != CKR_OK) { return KP_P11_FAILED; }
    if (count == 0) { return KP_P11_TOKEN_MISSING; }
    CK_SLOT_ID *slots = calloc(count, sizeof(CK_SLOT_ID));
    if (slots == NULL) { return KP_P11_FAILED; }
    kp_p11_status status = KP_P11_TOKEN_MISSING;
    if (f->C_GetSlotList(CK_TRUE, slots, &count) != CKR_OK) { status = KP_P11_FAILED; count = 0; }
    for (CK_ULONG i = 0; i < count; i++) {
        CK_TOKEN_INFO info;
        if (f->C_GetTokenInfo(slots[i], &info) != CKR_OK) { continue; }
        if (!(info.flags & CKF_TOKEN_INITIALIZED) || !kp_p11_label_is(info.label, token_label)) { continue; }
        *slot = slots[i];
        *locked = (info.flags & CKF_USER_PIN_LOCKED) != 0;
        status = KP_P11_OK;
        break;
    }
    free(slots);
    return status;
}

/* Logs in to the open session and looks for the private key labelled key_label. */
static kp_p11_status kp_p11_check_session(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE session, const char *key_label,
                                          const char *pin) {
    CK_RV rv = f->C_Login(session, CKU_USER, (CK_UTF8CHAR_PTR)pin, (CK_ULONG)strlen(pin));
    if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LEN_RANGE || rv == CKR_ARGUMENTS_BAD) { return KP_P11_PIN_INCORRECT; }
    if (rv == CKR_PIN_LOCKED || rv == CKR_PIN_EXPIRED) { return KP_P11_PIN_LOCKED; }
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) { return KP_P11_FAILED; }
    CK_OBJECT_CLASS private_key = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE template[2] = {
        { CKA_CLASS, &private_key, sizeof(private_key) },
        { CKA_LABEL, (void *)key_label, (CK_ULONG)strlen(key_label) },
    };
    if (f->C_FindObjectsInit(session, template, 2) != CKR_OK) { return KP_P11_FAILED; }
    CK_OBJECT_HANDLE found = 0;
    CK_ULONG found_count = 0;
    rv = f->C_FindObjects(session, &found, 1, &found_count);
    f->C_FindObjectsFinal(session);
    if (rv != CKR_OK) { return KP_P11_FAILED; }
    return found_count == 0 ? KP_P11_KEY_MISSING : KP_P11_OK;
}

/* The probe proper; the caller holds kp_p11_lock. */
static kp_p11_status kp_p11_probe_locked(const char *module_path, const char *token_label, const char *key_label,
                                         const char *pin) {
    void *module = dlopen(module_path, RTLD_NOW | RTLD_LOCAL);
    if (module == NULL) { return KP_P11_MODULE_UNLOADABLE; }
    CK_C_GetFunctionList get_list = (CK_C_GetFunctionList)dlsym(module, "C_GetFunctionList");
    CK_FUNCTION_LIST_PTR f = NULL;
    if (get_list == NULL || get_list(&f) != CKR_OK || f == NULL) {
        dlclose(module);
        return KP_P11_MODULE_UNLOADABLE;
    }
    CK_C_INITIALIZE_ARGS args;
    memset(&args, 0, sizeof(args));
    args.flags = CKF_OS_LOCKING_OK;
    CK_RV rv = f->C_Initialize(&args);
    /* When the engine has initialised the module already, it is shared: leave it initialised. */
    int initialised_here = (rv == CKR_OK);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        dlclose(module);
        return KP_P11_MODULE_UNLOADABLE;
    }
    CK_SLOT_ID slot = 0;
    int locked = 0;
    kp_p11_status status = kp_p11_find_slot(f, token_label, &slot, &locked);
    if (status == KP_P11_OK && locked) { status = KP_P11_PIN_LOCKED; }
    if (status == KP_P11_OK) {
        CK_SESSION_HANDLE session = 0;
        if (f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &session) != CKR_OK) {
            status = KP_P11_FAILED;
        } else {
            status = kp_p11_check_session(f, session, key_label, pin);
            f->C_CloseSession(session);
        }
    }
    if (initialised_here) { f->C_Finalize(NULL); }
    dlclose(module);
    return status;
}

kp_p11_status kp_p11_probe(const char *module_path, const char *token_label, const char *key_label, const char *pin) {
    pthread_mutex_lock(&kp_p11_lock);
    kp_p11_status status = kp_p11_probe_locked(module_path, token_label, key_label, pin);
    pthread_mutex_unlock(&kp_p11_lock);
    return status;
}

/* ---------------------------------------------------------------- loading through the engine */

/* Engines stay loaded for the life of the process, one per module (keys keep references to them). */
enum { kp_p11_max_modules = 4 };
static struct {
    char *module_path;
    ENGINE *engine;
} kp_p11_engines[kp_p11_max_modules];

/* The initialised pkcs11 engine for module_path; the caller holds kp_p11_lock. */
static ENGINE *kp_p11_engine(const char *module_path) {
    for (int i = 0; i < kp_p11_max_modules; i++) {
        if (kp_p11_engines[i].module_path != NULL && strcmp(kp_p11_engines[i].module_path, module_path) == 0) {
            return kp_p11_engines[i].engine;
        }
    }
    int free_entry = -1;
    for (int i = 0; i < kp_p11_max_modules && free_entry < 0; i++) {
        if (kp_p11_engines[i].module_path == NULL) { free_entry = i; }
    }
    if (free_entry < 0) { return NULL; }
    ENGINE_load_dynamic();
    ENGINE *engine = ENGINE_by_id("pkcs11");
    if (engine == NULL) { return NULL; }
    if (!ENGINE_ctrl_cmd_string(engine, "MODULE_PATH", module_path, 0) || !ENGINE_init(engine)) {
        ENGINE_free(engine);
        return NULL;
    }
    char *copy = strdup(module_path);
    if (copy == NULL) {
        ENGINE_finish(engine);
        ENGINE_free(engine);
        return NULL;
    }
    kp_p11_engines[free_entry].module_path = copy;
    kp_p11_engines[free_entry].engine = engine;
    return engine;
}

/* Appends text to the URI, percent-encoding all but RFC 3986's unreserved characters. */
static int kp_p11_uri_append(char *uri, size_t cap, size_t *used, const char *text) {
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)text; *p != 0; p++) {
        int plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
            || *p == '-' || *p == '.' || *p == '_' || *p == '~';
        size_t need = plain ? 1 : 3;
        if (*used + need + 1 > cap) { return -1; }
        if (plain) {
            uri[(*used)++] = (char)*p;
        } else {
            uri[(*used)++] = '%';
            uri[(*used)++] = hex[*p >> 4];
            uri[(*used)++] = hex[*p & 15];
        }
    }
    uri[*used] = 0;
    return 0;
}

/* "pkcs11:token=…;object=…;type=private" (RFC 7512). */
static int kp_p11_uri(char *uri, size_t cap, const char *token_label, const char *key_label) {
    size_t used = 0;
    const char *parts[] = { "pkcs11:token=", NULL, ";object=", NULL, ";type=private" };
    parts[1] = token_label;
    parts[3] = key_label;
    for (int i = 0; i < 5; i++) {
        if (i == 1 || i == 3) {
            if (kp_p11_uri_append(uri, cap, &used, parts[i]) < 0) { return -1; }
        } else {
            size_t n = strlen(parts[i]);
            if (used + n + 1 > cap) { return -1; }
            memcpy(uri + used, parts[i], n + 1);
            used += n;
        }
    }
    return 0;
}

struct evp_pkey_st *kp_p11_load_key(const char *module_path, const char *token_label, const char *key_label,
                                    const char *pin, kp_p11_status *status) {
    char uri[512];
    EVP_PKEY *key = NULL;
    if (kp_p11_uri(uri, sizeof(uri), token_label, key_label) < 0) {
        *status = KP_P11_KEY_MISSING;
        return NULL;
    }
    pthread_mutex_lock(&kp_p11_lock);
    *status = kp_p11_probe_locked(module_path, token_label, key_label, pin);
    if (*status == KP_P11_OK) {
        ENGINE *engine = kp_p11_engine(module_path);
        if (engine == NULL) {
            *status = KP_P11_ENGINE_UNAVAILABLE;
        } else if (!ENGINE_ctrl_cmd_string(engine, "PIN", pin, 0)) {
            *status = KP_P11_KEY_UNLOADABLE;
        } else {
            key = ENGINE_load_private_key(engine, uri, NULL, NULL);
            if (key == NULL) { *status = KP_P11_KEY_UNLOADABLE; }
        }
    }
    ERR_clear_error();
    pthread_mutex_unlock(&kp_p11_lock);
    return key;
}

void kp_p11_key_free(struct evp_pkey_st *key) {
    if (key != NULL) { EVP_PKEY_free(key); }
}

/* ---------------------------------------------------------------- using the key */

int kp_p11_key_kind(struct evp_pkey_st *key) {
    if (key == NULL) { return 0; }
    switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
        return EVP_PKEY_get_bits(key) >= 2048 ? 1 : 0;
    case EVP_PKEY_EC: {
        const EC_KEY *ec = EVP_PKEY_get0_EC_KEY(key);
        const EC_GROUP *group = (ec != NULL) ? EC_KEY_get0_group(ec) : NULL;
        ERR_clear_error();
        return (group != NULL && EC_GROUP_get_curve_name(group) == NID_X9_62_prime256v1) ? 2 : 0;
    }
    default:
        return 0;
    }
}

int kp_p11_public_key_der(struct evp_pkey_st *key, unsigned char **out) {
    *out = NULL;
    if (key == NULL) { return -1; }
    int length = i2d_PUBKEY(key, out);
    ERR_clear_error();
    return (length > 0 && *out != NULL) ? length : -1;
}

int kp_p11_certificate_public_key_der(const unsigned char *cert_pem, int cert_len, unsigned char **out) {
    *out = NULL;
    BIO *bio = BIO_new_mem_buf(cert_pem, cert_len);
    if (bio == NULL) { return -1; }
    X509 *cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    int length = -1;
    if (cert != NULL) {
        length = i2d_PUBKEY(X509_get0_pubkey(cert), out);
        X509_free(cert);
    }
    ERR_clear_error();
    return (length > 0 && *out != NULL) ? length : -1;
}

int kp_p11_sign_sha256(struct evp_pkey_st *key, const unsigned char *data, size_t length, unsigned char **out) {
    *out = NULL;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t signature_length = 0;
    int result = -1;
    if (ctx == NULL) { return -1; }
    if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) != 1
        || EVP_DigestSign(ctx, NULL, &signature_length, data, length) != 1) {
        goto done;
    }
    *out = OPENSSL_malloc(signature_length);
    if (*out == NULL) { goto done; }
    if (EVP_DigestSign(ctx, *out, &signature_length, data, length) != 1) {
        OPENSSL_free(*out);
        *out = NULL;
        goto done;
    }
    result = (int)signature_length;
done:
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return result;
}

/* xmlsec 1.2.37 built for OpenSSL 3 calls a key private only when it can read the private component
   (RSA d, EC private scalar), which an engine key never has, and then refuses to sign with it. The key gets
   a placeholder component (1) that only answers that question: the engine's methods do every private
   operation inside the token and never read it. Later xmlsec versions mark engine keys as private instead. */
static int kp_p11_mark_private(EVP_PKEY *key) {
    int marked = 0;
    BIGNUM *placeholder = BN_new();
    if (placeholder == NULL || BN_one(placeholder) != 1) { goto done; }
    switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: {
        /* The engine's key carries the engine's method; a key with OpenSSL's own method is left alone. */
        RSA *rsa = EVP_PKEY_get1_RSA(key);
        if (rsa == NULL) { goto done; }
        if (RSA_get_method(rsa) == RSA_get_default_method()) {
            marked = RSA_get0_d(rsa) != NULL;
        } else if (RSA_get0_d(rsa) != NULL) {
            marked = 1;
        } else if (RSA_set0_key(rsa, NULL, NULL, placeholder) == 1) {
            placeholder = NULL;  /* the RSA owns it now */
            marked = 1;
        }
        RSA_free(rsa);
        break;
    }
    case EVP_PKEY_EC: {
        EC_KEY *ec = EVP_PKEY_get1_EC_KEY(key);
        if (ec == NULL) { goto done; }
        if (EC_KEY_get_method(ec) == EC_KEY_get_default_method()) {
            marked = EC_KEY_get0_private_key(ec) != NULL;
        } else if (EC_KEY_get0_private_key(ec) != NULL) {
            marked = 1;
        } else {
            marked = EC_KEY_set_private_key(ec, placeholder) == 1;  /* copies it */
        }
        EC_KEY_free(ec);
        break;
    }
    default:
        break;
    }
done:
    BN_free(placeholder);
    ERR_clear_error();
    return marked;
}

xmlSecKeyPtr kp_p11_xmlsec_key(struct evp_pkey_st *key, const unsigned char *cert_pem, int cert_len) {
    if (key == NULL) { return NULL; }
    pthread_mutex_lock(&kp_p11_lock);
    int marked = kp_p11_mark_private(key);
    pthread_mutex_unlock(&kp_p11_lock);
    if (!marked || EVP_PKEY_up_ref(key) != 1) { return NULL; }
    xmlSecKeyDataPtr value = xmlSecOpenSSLEvpKeyAdopt(key);
    if (value == NULL) {
        EVP_PKEY_free(key);
        return NULL;
    }
    xmlSecKeyPtr result = xmlSecKeyCreate();
    if (result == NULL) {
        xmlSecKeyDataDestroy(value);
        return NULL;
    }
    if (xmlSecKeySetValue(result, value) < 0) {
        xmlSecKeyDataDestroy(value);
        xmlSecKeyDestroy(result);
        return NULL;
    }
    if (xmlSecOpenSSLAppKeyCertLoadMemory(result, cert_pem, (xmlSecSize)cert_len, xmlSecKeyDataFormatPem) < 0) {
        xmlSecKeyDestroy(result);
        return NULL;
    }
    ERR_clear_error();
    return result;
}

void kp_p11_free(void *p) {
    if (p != NULL) { OPENSSL_free(p); }
}
