#define _GNU_SOURCE 1
#include "kp_shim.h"

#include <pthread.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlsave.h>
#include <libxml/c14n.h>

#include <xmlsec/templates.h>
#include <xmlsec/transforms.h>
#include <xmlsec/keysmngr.h>
#include <xmlsec/errors.h>
#include <xmlsec/crypto.h>
#include <xmlsec/openssl/app.h>
#include <xmlsec/openssl/crypto.h>
#include <xmlsec/openssl/x509.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/err.h>

static void kp_name_fields(X509 *cert, char *subject, int subject_cap, char *serial, int serial_cap);

/* ---------------------------------------------------------------- initialisation, errors */

static __thread int kp_last_reason = 0;

/* xmlsec reports errors through one process-wide callback; keep the reason per thread, print nothing
   (messages may name node content). */
static void kp_xmlsec_error(const char *file, int line, const char *func, const char *errorObject,
                            const char *errorSubject, int reason, const char *msg) {
    (void)file; (void)line; (void)func; (void)errorObject; (void)errorSubject; (void)msg;
    if (kp_last_reason == 0 || reason == XMLSEC_ERRORS_R_CERT_VERIFY_FAILED
        || reason == XMLSEC_ERRORS_R_CERT_HAS_EXPIRED || reason == XMLSEC_ERRORS_R_CERT_NOT_YET_VALID
        || reason == XMLSEC_ERRORS_R_CERT_ISSUER_FAILED) {
        kp_last_reason = reason;
    }
}

/* libxml2's generic error output is silenced: errors are collected through structured handlers. */
static void kp_silent(void *ctx, const char *msg, ...) { (void)ctx; (void)msg; }

static pthread_once_t kp_once = PTHREAD_ONCE_INIT;
static int kp_init_status = -1;

static void kp_do_init(void) {
    xmlInitParser();
    xmlSetGenericErrorFunc(NULL, kp_silent);
    /* Nothing is ever fetched from the network, not even for a schema import. */
    xmlSetExternalEntityLoader(xmlNoNetExternalEntityLoader);
    if (xmlSecInit() < 0) { return; }
    if (xmlSecCheckVersion() != 1) { return; }
    if (xmlSecOpenSSLAppInit(NULL) < 0) { return; }
    if (xmlSecOpenSSLInit() < 0) { return; }
    xmlSecErrorsSetCallback(kp_xmlsec_error);
    kp_init_status = 0;
}

int kp_init(void) {
    pthread_once(&kp_once, kp_do_init);
    return kp_init_status;
}

int kp_take_xmlsec_reason(void) {
    int r = kp_last_reason;
    kp_last_reason = 0;
    return r;
}

void kp_free(void *p) {
    if (p != NULL) { xmlFree(p); }
}

/* ---------------------------------------------------------------- parsing */

/* Called when the parser meets <!DOCTYPE: stop before any declaration is read. */
static void kp_doctype_seen(void *ctx, const xmlChar *name, const xmlChar *externalID, const xmlChar *systemID) {
    (void)name; (void)externalID; (void)systemID;
    xmlParserCtxtPtr ctxt = (xmlParserCtxtPtr)ctx;
    ctxt->_private = (void *)1;
    xmlStopParser(ctxt);
}

kp_parse_result kp_parse(const char *bytes, int length) {
    kp_parse_result result;
    memset(&result, 0, sizeof(result));
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) {
        result.error_code = XML_ERR_NO_MEMORY;
        return result;
    }
    ctxt->sax->internalSubset = kp_doctype_seen;
    ctxt->_private = NULL;
    /* No NOENT (entities are never substituted), no DTDLOAD/DTDATTR/DTDVALID, no network, no
       XInclude; NOERROR/NOWARNING keep libxml2 from printing (errors stay in the context). */
    int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, bytes, length, NULL, NULL, options);
    if (ctxt->_private != NULL) {
        result.doctype_seen = 1;
        if (doc != NULL) { xmlFreeDoc(doc); doc = NULL; }
    }
    if (doc == NULL || !ctxt->wellFormed) {
        xmlErrorPtr err = xmlCtxtGetLastError(ctxt);
        if (err != NULL) {
            result.error_code = err->code;
            result.error_line = err->line;
            result.error_column = err->int2;
        } else if (!result.doctype_seen) {
            result.error_code = XML_ERR_DOCUMENT_EMPTY;
        }
        if (doc != NULL) { xmlFreeDoc(doc); doc = NULL; }
    }
    result.doc = doc;
    xmlFreeParserCtxt(ctxt);
    return result;
}

int kp_serialize(xmlDocPtr doc, unsigned char **out, int *out_len) {
    xmlChar *mem = NULL;
    int size = 0;
    xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
    if (mem == NULL) { return -1; }
    *out = mem;
    *out_len = size;
    return 0;
}

int kp_c14n_exclusive(xmlDocPtr doc, unsigned char **out, int *out_len) {
    xmlChar *mem = NULL;
    int size = xmlC14NDocDumpMemory(doc, NULL, XML_C14N_EXCLUSIVE_1_0, NULL, 0, &mem);
    if (size < 0 || mem == NULL) { return -1; }
    *out = mem;
    *out_len = size;
    return 0;
}

/* ---------------------------------------------------------------- keys */

xmlSecKeyPtr kp_key_load(const unsigned char *key_pem, int key_len, const unsigned char *cert_pem, int cert_len) {
    xmlSecKeyPtr key = xmlSecOpenSSLAppKeyLoadMemory(key_pem, (xmlSecSize)key_len, xmlSecKeyDataFormatPem, NULL, NULL, NULL);
    if (key == NULL) { return NULL; }
    if (cert_pem != NULL && cert_len > 0) {
        if (xmlSecOpenSSLAppKeyCertLoadMemory(key, cert_pem, (xmlSecSize)cert_len, xmlSecKeyDataFormatPem) < 0) {
            xmlSecKeyDestroy(key);
            return NULL;
        }
    }
    return key;
}

int kp_key_kind(xmlSecKeyPtr key) {
    xmlSecKeyDataPtr value = xmlSecKeyGetValue(key);
    if (value == NULL) { return 0; }
    if (xmlSecKeyDataCheckId(value, xmlSecOpenSSLKeyDataRsaId)) { return 1; }
    if (xmlSecKeyDataCheckId(value, xmlSecOpenSSLKeyDataEcdsaId)) { return 2; }
    return 0;
}

/* ---------------------------------------------------------------- signing */

int kp_sign_enveloped(xmlDocPtr doc, xmlSecKeyPtr key, kp_sig_alg alg) {
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (root == NULL || key == NULL) { return -1; }
    xmlSecTransformId method = (alg == KP_SIG_ECDSA_SHA256) ? xmlSecOpenSSLTransformEcdsaSha256Id
                                                             : xmlSecOpenSSLTransformRsaSha256Id;
    xmlNodePtr sig = xmlSecTmplSignatureCreateNsPref(doc, xmlSecTransformExclC14NId, method, NULL, BAD_CAST "ds");
    if (sig == NULL) { return -1; }
    xmlAddChild(root, sig);
    xmlNodePtr ref = xmlSecTmplSignatureAddReference(sig, xmlSecOpenSSLTransformSha256Id, NULL, BAD_CAST "", NULL);
    if (ref == NULL
        || xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) == NULL
        || xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId) == NULL) {
        goto fail;
    }
    xmlNodePtr keyInfo = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL);
    if (keyInfo == NULL) { goto fail; }
    xmlNodePtr x509 = xmlSecTmplKeyInfoAddX509Data(keyInfo);
    if (x509 == NULL || xmlSecTmplX509DataAddCertificate(x509) == NULL) { goto fail; }

    xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);
    if (ctx == NULL) { goto fail; }
    /* The key is borrowed: the caller guarantees no other thread uses it meanwhile, and it is
       detached before the context is destroyed so that it survives for the next signature. */
    ctx->signKey = key;
    int signed_ok = xmlSecDSigCtxSign(ctx, sig) >= 0;
    ctx->signKey = NULL;
    xmlSecDSigCtxDestroy(ctx);
    if (!signed_ok) { goto fail; }
    return 0;
fail:
    xmlUnlinkNode(sig);
    xmlFreeNode(sig);
    return -1;
}

/* ---------------------------------------------------------------- verification */

/* Checks that cert chains to a certificate in trust at verification_time (0: now), with the other
   KeyInfo certificates as untrusted intermediates. Returns 0, or an XMLSEC_ERRORS_R_CERT_* reason. */
static int kp_check_chain(X509 *cert, xmlSecKeyDataPtr x509, X509_STORE *trust, long verification_time) {
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int reason = XMLSEC_ERRORS_R_CERT_VERIFY_FAILED;
    if (untrusted == NULL || ctx == NULL) { goto done; }
    xmlSecSize count = xmlSecOpenSSLKeyDataX509GetCertsSize(x509);
    for (xmlSecSize i = 0; i < count; i++) {
        X509 *other = xmlSecOpenSSLKeyDataX509GetCert(x509, i);
        if (other != NULL && other != cert) { sk_X509_push(untrusted, other); }
    }
    if (X509_STORE_CTX_init(ctx, trust, cert, untrusted) != 1) { goto done; }
    if (verification_time > 0) { X509_STORE_CTX_set_time(ctx, 0, (time_t)verification_time); }
    if (X509_verify_cert(ctx) == 1) {
        reason = 0;
    } else {
        int error = X509_STORE_CTX_get_error(ctx);
        if (error == X509_V_ERR_CERT_HAS_EXPIRED) { reason = XMLSEC_ERRORS_R_CERT_HAS_EXPIRED; }
        else if (error == X509_V_ERR_CERT_NOT_YET_VALID) { reason = XMLSEC_ERRORS_R_CERT_NOT_YET_VALID; }
    }
done:
    if (ctx != NULL) { X509_STORE_CTX_free(ctx); }
    if (untrusted != NULL) { sk_X509_free(untrusted); }
    ERR_clear_error();
    return reason;
}

X509_STORE *kp_trust_store_create(const unsigned char *pem, int length) {
    X509_STORE *store = X509_STORE_new();
    BIO *bio = BIO_new_mem_buf(pem, length);
    int loaded = 0;
    if (store == NULL || bio == NULL) { goto fail; }
    X509 *cert;
    while ((cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        int added = X509_STORE_add_cert(store, cert);
        X509_free(cert);
        if (added != 1) { goto fail; }
        loaded++;
    }
    ERR_clear_error();
    if (loaded == 0) { goto fail; }
    /* Every configured certificate is an anchor, also a pinned leaf or an intermediate. */
    X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
    BIO_free(bio);
    return store;
fail:
    ERR_clear_error();
    if (bio != NULL) { BIO_free(bio); }
    if (store != NULL) { X509_STORE_free(store); }
    return NULL;
}

void kp_trust_store_free(X509_STORE *store) {
    if (store != NULL) { X509_STORE_free(store); }
}

xmlSecKeyPtr kp_verification_key_create(const unsigned char *const *ders, const int *lengths, int count) {
    enum { kp_max_certificates = 8 };
    X509 *certs[kp_max_certificates] = {0};
    xmlSecKeyPtr key = NULL;
    int leaf = -1;
    if (count <= 0 || count > kp_max_certificates) { return NULL; }
    for (int i = 0; i < count; i++) {
        const unsigned char *p = ders[i];
        certs[i] = d2i_X509(NULL, &p, lengths[i]);
        if (certs[i] == NULL || p != ders[i] + lengths[i]) { goto done; }
    }
    /* The signing certificate is the one that issued none of the others; exactly one must. */
    for (int i = 0; i < count; i++) {
        int issues_another = 0;
        for (int j = 0; j < count; j++) {
            if (j != i && X509_check_issued(certs[i], certs[j]) == X509_V_OK) { issues_another = 1; }
        }
        if (!issues_another) {
            if (leaf >= 0) { goto done; }
            leaf = i;
        }
    }
    if (leaf < 0) { goto done; }
    BIO *bio = BIO_new_mem_buf(ders[leaf], lengths[leaf]);
    if (bio == NULL) { goto done; }
    key = xmlSecOpenSSLAppKeyFromCertLoadBIO(bio, xmlSecKeyDataFormatDer);
    BIO_free(bio);
    if (key == NULL) { goto done; }
    /* The key's X.509 data names the signing certificate and holds the others as intermediates;
       each adopted certificate is the key's from then on. */
    xmlSecKeyDataPtr x509 = xmlSecKeyEnsureData(key, xmlSecOpenSSLKeyDataX509Id);
    if (x509 == NULL || xmlSecOpenSSLKeyDataX509AdoptKeyCert(x509, certs[leaf]) < 0) { goto fail; }
    certs[leaf] = NULL;
    for (int i = 0; i < count; i++) {
        if (certs[i] == NULL) { continue; }
        if (xmlSecOpenSSLKeyDataX509AdoptCert(x509, certs[i]) < 0) { goto fail; }
        certs[i] = NULL;
    }
    goto done;
fail:
    xmlSecKeyDestroy(key);
    key = NULL;
done:
    for (int i = 0; i < count; i++) { if (certs[i] != NULL) { X509_free(certs[i]); } }
    kp_last_reason = 0;
    ERR_clear_error();
    return key;
}

kp_verify_result kp_verify_signature(xmlNodePtr signature, xmlSecKeyPtr key, X509_STORE *trust, long verification_time) {
    kp_verify_result result;
    memset(&result, 0, sizeof(result));
    kp_last_reason = 0;
    if (key == NULL) { return result; }
    /* No keys manager: KeyInfo is never interpreted by xmlsec, the key comes only from the caller. */
    xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);
    if (ctx == NULL) { return result; }

    /* Only a same-document whole-document reference. */
    ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty;
    /* Only the agreed transforms and algorithms; anything else fails. */
    xmlSecTransformId referenceTransforms[] = {
        xmlSecTransformEnvelopedId, xmlSecTransformExclC14NId,
        xmlSecOpenSSLTransformSha256Id, xmlSecOpenSSLTransformSha384Id, xmlSecOpenSSLTransformSha512Id,
    };
    xmlSecTransformId signatureTransforms[] = {
        xmlSecTransformExclC14NId,
        xmlSecOpenSSLTransformRsaSha256Id, xmlSecOpenSSLTransformRsaSha384Id, xmlSecOpenSSLTransformRsaSha512Id,
        xmlSecOpenSSLTransformEcdsaSha256Id, xmlSecOpenSSLTransformEcdsaSha384Id, xmlSecOpenSSLTransformEcdsaSha512Id,
    };
    for (size_t i = 0; i < sizeof(referenceTransforms) / sizeof(referenceTransforms[0]); i++) {
        if (xmlSecDSigCtxEnableReferenceTransform(ctx, referenceTransforms[i]) < 0) { goto done; }
    }
    for (size_t i = 0; i < sizeof(signatureTransforms) / sizeof(signatureTransforms[0]); i++) {
        if (xmlSecDSigCtxEnableSignatureTransform(ctx, signatureTransforms[i]) < 0) { goto done; }
    }
    /* The key is borrowed, and detached again before the context is destroyed. */
    ctx->signKey = key;
    int verified = xmlSecDSigCtxVerify(ctx, signature) >= 0 && ctx->status == xmlSecDSigStatusSucceeded;
    ctx->signKey = NULL;
    if (!verified) { goto done; }
    /* The chain is checked against our own store, which holds the configured anchors and nothing else
       (xmlsec's own store also loads the system CAs). */
    xmlSecKeyDataPtr x509 = xmlSecKeyGetData(key, xmlSecOpenSSLKeyDataX509Id);
    X509 *cert = (x509 != NULL) ? xmlSecOpenSSLKeyDataX509GetKeyCert(x509) : NULL;
    if (cert == NULL) { goto done; }
    int chain = kp_check_chain(cert, x509, trust, verification_time);
    if (chain != 0) {
        kp_last_reason = chain;
        goto done;
    }
    kp_name_fields(cert, result.subject, (int)sizeof(result.subject), result.serial, (int)sizeof(result.serial));
    uint32_t usage = X509_get_key_usage(cert);
    result.key_usage_ok = (usage != UINT32_MAX && (usage & KU_DIGITAL_SIGNATURE)) ? 1 : 0;
    unsigned char *der = NULL;
    int derLen = i2d_X509(cert, &der);
    if (derLen > 0 && der != NULL) {
        result.cert_der = xmlMalloc((size_t)derLen);
        if (result.cert_der != NULL) {
            memcpy(result.cert_der, der, (size_t)derLen);
            result.cert_der_len = derLen;
        }
        OPENSSL_free(der);
    }
    result.ok = (result.cert_der != NULL) ? 1 : 0;
done:
    result.xmlsec_reason = kp_last_reason;
    kp_last_reason = 0;
    xmlSecDSigCtxDestroy(ctx);
    return result;
}

/* ---------------------------------------------------------------- certificate names */

/* Writes the RFC 2253 subject and the subject serialNumber of cert into the buffers. */
static void kp_name_fields(X509 *cert, char *subject, int subject_cap, char *serial, int serial_cap) {
    if (subject_cap > 0) { subject[0] = 0; }
    if (serial_cap > 0) { serial[0] = 0; }
    X509_NAME *name = X509_get_subject_name(cert);
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio != NULL) {
        X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
        int n = BIO_read(bio, subject, subject_cap - 1);
        if (n > 0) { subject[n] = 0; }
        BIO_free(bio);
    }
    int idx = X509_NAME_get_index_by_NID(name, NID_serialNumber, -1);
    if (idx >= 0) {
        ASN1_STRING *value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
        int n = ASN1_STRING_length(value);
        if (n > 0 && n < serial_cap) {
            memcpy(serial, ASN1_STRING_get0_data(value), (size_t)n);
            serial[n] = 0;
        }
    }
}

int kp_cert_subject(const unsigned char *der, int len, char *subject, int subject_cap, char *serial, int serial_cap) {
    if (subject_cap > 0) { subject[0] = 0; }
    if (serial_cap > 0) { serial[0] = 0; }
    const unsigned char *p = der;
    X509 *cert = d2i_X509(NULL, &p, len);
    if (cert == NULL) { return -1; }
    kp_name_fields(cert, subject, subject_cap, serial, serial_cap);
    X509_free(cert);
    return 0;
}
