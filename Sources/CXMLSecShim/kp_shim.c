#define _GNU_SOURCE 1
#include "kp_shim.h"

#include <pthread.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlsave.h>
#include <libxml/c14n.h>
#include <libxml/uri.h>

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
    if (doc == NULL || !ctxt->wellFormed || !ctxt->nsWellFormed) {
        xmlErrorPtr err = xmlCtxtGetLastError(ctxt);
        if (err != NULL) {
            result.error_code = err->code;
            result.error_line = err->line;
            result.error_column = err->int2;
        } else if (!result.doctype_seen) {
            result.error_code = XML_ERR_DOCUMENT_EMPTY;
        }
        /* A namespace error leaves the document well-formed for libxml2; report it as what it is. */
        if (ctxt->wellFormed && !ctxt->nsWellFormed
            && (result.error_code < XML_NS_ERR_XML_NAMESPACE || result.error_code > XML_NS_ERR_COLON)) {
            result.error_code = XML_NS_ERR_UNDEFINED_NAMESPACE;
        }
        if (doc != NULL) { xmlFreeDoc(doc); doc = NULL; }
    }
    result.doc = doc;
    xmlFreeParserCtxt(ctxt);
    return result;
}

/* ---------------------------------------------------------------- pre-scan */

static int kp_is_space(unsigned char c) { return c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D; }

/* True when the n bytes at p start with the C string prefix. */
static int kp_starts(const unsigned char *p, size_t n, const char *prefix) {
    size_t k = strlen(prefix);
    return n >= k && memcmp(p, prefix, k) == 0;
}

/* The value of pseudo-attribute name in the XML declaration decl[0..n), or NULL; *len gets its length. */
static const unsigned char *kp_decl_value(const unsigned char *decl, size_t n, const char *name, size_t *len) {
    size_t k = strlen(name);
    for (size_t i = 0; i + k < n; i++) {
        if (i == 0 || !kp_is_space(decl[i - 1]) || memcmp(decl + i, name, k) != 0) { continue; }
        size_t j = i + k;
        while (j < n && kp_is_space(decl[j])) { j++; }
        if (j >= n || decl[j] != '=') { continue; }
        j++;
        while (j < n && kp_is_space(decl[j])) { j++; }
        if (j >= n || (decl[j] != '"' && decl[j] != '\'')) { continue; }
        unsigned char quote = decl[j++];
        size_t start = j;
        while (j < n && decl[j] != quote) { j++; }
        if (j >= n) { return NULL; }
        *len = j - start;
        return decl + start;
    }
    return NULL;
}

/* Checks the XML declaration decl[0..n) (from "<?xml" to before "?>"): version 1.0, encoding UTF-8 if any. */
static kp_prescan_verdict kp_check_declaration(const unsigned char *decl, size_t n) {
    size_t len = 0;
    const unsigned char *version = kp_decl_value(decl, n, "version", &len);
    if (version != NULL && !(len == 3 && memcmp(version, "1.0", 3) == 0)) { return KP_PRESCAN_VERSION; }
    const unsigned char *encoding = kp_decl_value(decl, n, "encoding", &len);
    if (encoding != NULL && !((len == 5 && strncasecmp((const char *)encoding, "UTF-8", 5) == 0)
                              || (len == 4 && strncasecmp((const char *)encoding, "UTF8", 4) == 0))) {
        return KP_PRESCAN_ENCODING;
    }
    return KP_PRESCAN_OK;
}

/* True when the attribute whose value opens at tag[n] is a namespace declaration (xmlns or xmlns:p).
   Looks back over " name = " only, so all calls for one tag together read each byte at most once. */
static int kp_declares_namespace(const unsigned char *tag, size_t n) {
    size_t end = n;
    while (end > 0 && kp_is_space(tag[end - 1])) { end--; }
    if (end == 0 || tag[end - 1] != '=') { return 0; }
    end--;
    while (end > 0 && kp_is_space(tag[end - 1])) { end--; }
    size_t begin = end;
    while (begin > 0 && !kp_is_space(tag[begin - 1]) && tag[begin - 1] != '"' && tag[begin - 1] != '\''
           && tag[begin - 1] != '<' && tag[begin - 1] != '=') {
        begin--;
    }
    size_t length = end - begin;
    return (length == 5 && memcmp(tag + begin, "xmlns", 5) == 0)
        || (length > 6 && memcmp(tag + begin, "xmlns:", 6) == 0);
}

/* The verdict for markup that starts at s[at]; its line is counted only now, so the scan itself never counts lines. */
static kp_prescan_result kp_verdict(kp_prescan_verdict verdict, const unsigned char *s, size_t at) {
    int line = 1;
    const unsigned char *p = s, *end = s + at;
    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        line++;
        p++;
    }
    kp_prescan_result result = { verdict, line };
    return result;
}

kp_prescan_result kp_prescan(const char *bytes, int length, kp_prescan_limits limits) {
    const unsigned char *s = (const unsigned char *)bytes;
    size_t n = length > 0 ? (size_t)length : 0;
    size_t max_tag = limits.max_start_tag_bytes > 0 ? (size_t)limits.max_start_tag_bytes : 1;
    int depth = 0, nodes = 0;
    size_t i = 0;
    /* Only UTF-8: libxml2 would otherwise switch to another decoder, and the byte-level view below
       would no longer be the parser's. Every markup character of UTF-8 is one ASCII byte. */
    if (n > 0 && memchr(s, 0, n) != NULL) { return kp_verdict(KP_PRESCAN_ENCODING, s, 0); }
    if (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) { i = 3; }
    if (kp_starts(s + i, n - i, "<?xml") && n - i > 5 && kp_is_space(s[i + 5])) {
        size_t start = i;
        for (i += 5; i + 1 < n && !(s[i] == '?' && s[i + 1] == '>'); i++) {
            if (i - start >= max_tag) { return kp_verdict(KP_PRESCAN_START_TAG_TOO_LONG, s, start); }
        }
        if (i + 1 >= n) { return kp_verdict(KP_PRESCAN_OK, s, 0); } /* truncated: the parser says so */
        kp_prescan_verdict declaration = kp_check_declaration(s + start, i - start);
        if (declaration != KP_PRESCAN_OK) { return kp_verdict(declaration, s, start); }
        i += 2;
    } else {
        size_t first = i;
        while (first < n && kp_is_space(s[first])) { first++; }
        if (first < n && s[first] != '<') { return kp_verdict(KP_PRESCAN_NOT_MARKUP, s, 0); }
    }
    while (i < n) {
        /* Text: straight to the next '<'. */
        const unsigned char *lt = memchr(s + i, '<', n - i);
        if (lt == NULL) { break; }
        i = (size_t)(lt - s);
        if (i + 1 >= n) { break; }
        unsigned char next = s[i + 1];
        size_t start = i;
        if (next == '!') {
            if (kp_starts(s + i, n - i, "<!--")) { return kp_verdict(KP_PRESCAN_COMMENT, s, start); }
            if (!kp_starts(s + i, n - i, "<![CDATA[")) { return kp_verdict(KP_PRESCAN_DOCTYPE, s, start); }
            for (i += 9; i + 2 < n && !(s[i] == ']' && s[i + 1] == ']' && s[i + 2] == '>'); i++) {}
            i += 3;
            continue;
        }
        if (next == '?') { return kp_verdict(KP_PRESCAN_PROCESSING_INSTRUCTION, s, start); }
        if (next == '/') {
            for (i += 2; i < n && s[i] != '>' && s[i] != '<'; i++) {
                if (i - start >= max_tag) { return kp_verdict(KP_PRESCAN_START_TAG_TOO_LONG, s, start); }
            }
            if (i < n && s[i] == '>') { i++; }
            depth--;
            continue;
        }
        /* A start tag: every quoted value is an attribute (or a namespace declaration). */
        int attributes = 0;
        unsigned char quote = 0;
        size_t limit = start + max_tag < n ? start + max_tag : n;
        for (i++; i < limit; i++) {
            unsigned char c = s[i];
            if (quote != 0) {
                if (c == quote) { quote = 0; }
            } else if (c == '"' || c == '\'') {
                quote = c;
                if (++attributes > limits.max_attributes) { return kp_verdict(KP_PRESCAN_TOO_MANY_ATTRIBUTES, s, start); }
                if (!kp_declares_namespace(s + start, i - start) && ++nodes > limits.max_nodes) {
                    return kp_verdict(KP_PRESCAN_TOO_MANY_NODES, s, start);
                }
            } else if (c == '>' || c == '<') {
                break;
            }
        }
        if (i >= n) { break; }
        if (i >= limit) { return kp_verdict(KP_PRESCAN_START_TAG_TOO_LONG, s, start); }
        if (++nodes > limits.max_nodes) { return kp_verdict(KP_PRESCAN_TOO_MANY_NODES, s, start); }
        if (depth + 1 > limits.max_depth) { return kp_verdict(KP_PRESCAN_TOO_DEEP, s, start); }
        if (s[i] == '>') {
            if (s[i - 1] != '/') { depth++; }
            i++;
        }
    }
    return kp_verdict(KP_PRESCAN_OK, s, 0);
}

int kp_namespace_uri_is_absolute(const xmlChar *uri) {
    if (uri == NULL) { return 0; }
    xmlURIPtr parsed = xmlParseURI((const char *)uri);
    if (parsed == NULL) { return 0; }
    int absolute = parsed->scheme != NULL;
    xmlFreeURI(parsed);
    return absolute;
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

/* 1 when cert's extendedKeyUsage lists serverAuth or clientAuth and no document-signing purpose: a TLS
   certificate, which must not sign messages. Without the extension the certificate is not TLS-only. */
static int kp_is_tls_only(X509 *cert) {
    static const char *const tls_purposes[] = { "1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2" };
    static const char *const document_purposes[] = {
        "1.3.6.1.5.5.7.3.36",        /* id-kp-documentSigning, RFC 9336 */
        "1.3.6.1.5.5.7.3.4",         /* id-kp-emailProtection, in some document-signing profiles */
        "1.3.6.1.4.1.311.10.3.12",   /* Microsoft document signing */
        "1.2.840.113583.1.1.5",      /* Adobe Authentic Documents Trust */
    };
    EXTENDED_KEY_USAGE *purposes = X509_get_ext_d2i(cert, NID_ext_key_usage, NULL, NULL);
    if (purposes == NULL) {
        ERR_clear_error();
        return 0;
    }
    int tls = 0, document = 0;
    for (int i = 0; i < sk_ASN1_OBJECT_num(purposes); i++) {
        char oid[80];
        if (OBJ_obj2txt(oid, (int)sizeof(oid), sk_ASN1_OBJECT_value(purposes, i), 1) <= 0) { continue; }
        for (size_t j = 0; j < sizeof(tls_purposes) / sizeof(tls_purposes[0]); j++) {
            if (strcmp(oid, tls_purposes[j]) == 0) { tls = 1; }
        }
        for (size_t j = 0; j < sizeof(document_purposes) / sizeof(document_purposes[0]); j++) {
            if (strcmp(oid, document_purposes[j]) == 0) { document = 1; }
        }
    }
    sk_ASN1_OBJECT_pop_free(purposes, ASN1_OBJECT_free);
    ERR_clear_error();
    return tls && !document;
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
    result.key_usage_ok = (usage != UINT32_MAX && (usage & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))) ? 1 : 0;
    result.tls_only = kp_is_tls_only(cert);
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
