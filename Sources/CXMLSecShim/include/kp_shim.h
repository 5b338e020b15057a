#ifndef KETENPOORT_SHIM_H
#define KETENPOORT_SHIM_H

/*
 * The C side of Ketenpoort's XML binding: what Swift cannot express directly (xmlsec's function-like
 * macros, SAX callbacks, struct fields of xmlsec contexts). Policy decisions are made in Swift;
 * these functions only carry them out. Every function is safe to call from many threads at once,
 * except kp_init, which must run (once) before any other.
 */

/* The defines `pkg-config --cflags xmlsec1-openssl` gives on Debian 12 (xmlsec1 1.2.37); SwiftPM
   refuses -D flags from pkg-config. XMLSEC_NO_SIZE_T changes the ABI and must match the library. */
#ifndef XMLSEC_CRYPTO_OPENSSL
#define XMLSEC_CRYPTO_OPENSSL 1
#endif
#ifndef XMLSEC_NO_SIZE_T
#define XMLSEC_NO_SIZE_T 1
#endif
#ifndef XMLSEC_OPENSSL3_ENGINES
#define XMLSEC_OPENSSL3_ENGINES 1
#endif
#ifndef XMLSEC_NO_GOST
#define XMLSEC_NO_GOST 1
#endif
#ifndef XMLSEC_NO_GOST2012
#define XMLSEC_NO_GOST2012 1
#endif
#ifndef XMLSEC_NO_CRYPTO_DYNAMIC_LOADING
#define XMLSEC_NO_CRYPTO_DYNAMIC_LOADING 1
#endif

/* libxml2 may be built with ICU; its ICU headers clash with Foundation's copy of ICU in Swift.
   Ketenpoort never touches the converter structs that need them, so they are left out. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <stddef.h>
#include <libxml/tree.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/keys.h>
#include <xmlsec/xmldsig.h>

/* Initialises libxml2, xmlsec1 and its OpenSSL engine; returns 0 on success. Idempotent. */
int kp_init(void);

/* Result of kp_parse: the document, or why there is none. */
typedef struct {
    xmlDocPtr doc;          /* NULL when parsing failed */
    int doctype_seen;       /* 1 when the input had a DOCTYPE (parsing was stopped there) */
    int error_code;         /* libxml2 xmlParserErrors code of the first error, 0 if none */
    int error_line;
    int error_column;
} kp_parse_result;

/* Parses bytes without DTDs, entities or network; stops at a DOCTYPE. A namespace error (an undeclared
   prefix, an empty prefixed declaration) fails the parse like a well-formedness error. */
kp_parse_result kp_parse(const char *bytes, int length);

/* Limits kp_prescan enforces on the raw bytes, before libxml2 builds anything. */
typedef struct {
    int max_attributes;       /* per start tag, namespace declarations included */
    int max_start_tag_bytes;  /* from '<' to '>' of one start tag, end tag or the XML declaration */
    int max_depth;            /* element nesting; the root element is depth 1 */
    int max_nodes;            /* elements plus attributes (not namespace declarations) in the whole document */
} kp_prescan_limits;

/* What kp_prescan found; KP_PRESCAN_OK leaves everything else to the parser. */
typedef enum {
    KP_PRESCAN_OK = 0,
    KP_PRESCAN_TOO_MANY_ATTRIBUTES = 1,
    KP_PRESCAN_START_TAG_TOO_LONG = 2,
    KP_PRESCAN_TOO_DEEP = 3,
    KP_PRESCAN_TOO_MANY_NODES = 4,
    KP_PRESCAN_COMMENT = 5,
    KP_PRESCAN_PROCESSING_INSTRUCTION = 6,
    KP_PRESCAN_DOCTYPE = 7,
    KP_PRESCAN_ENCODING = 8,          /* a NUL byte or a declared encoding other than UTF-8 */
    KP_PRESCAN_VERSION = 9,           /* the XML declaration names another version than 1.0 */
    KP_PRESCAN_NOT_MARKUP = 10,       /* something other than whitespace before the first '<' (a UTF-16 or
                                         EBCDIC byte order or signature, or no XML at all) */
} kp_prescan_verdict;

/* Result of kp_prescan: the verdict and the 1-based line where the offending markup starts. */
typedef struct {
    kp_prescan_verdict verdict;
    int line;
} kp_prescan_result;

/* One linear pass over the bytes that refuses, before parsing, what would make libxml2 slow (many
   attributes on one element: its duplicate check is quadratic; huge tags; deep nesting; many elements)
   and markup the contract forbids (comments, processing instructions, DOCTYPE, other encodings or
   versions). Lexes only as far as needed: start tags, end tags, CDATA sections and the XML declaration. */
kp_prescan_result kp_prescan(const char *bytes, int length, kp_prescan_limits limits);

/* 1 when a namespace URI is one exclusive C14N accepts: it parses as a URI and has a scheme. */
int kp_namespace_uri_is_absolute(const xmlChar *uri);

/* Signature algorithms Ketenpoort signs with. */
typedef enum { KP_SIG_RSA_SHA256 = 1, KP_SIG_ECDSA_SHA256 = 2 } kp_sig_alg;

/* Appends an enveloped exclusive-C14N signature (ds:Signature, Reference URI="") as the last child
   of the root and signs it with key, which no other thread may use meanwhile and which stays the
   caller's. Returns 0 on success. */
int kp_sign_enveloped(xmlDocPtr doc, xmlSecKeyPtr key, kp_sig_alg alg);

/* OpenSSL's certificate store (X509_STORE), declared here so Swift need not import OpenSSL's headers. */
struct x509_store_st;

/* Result of kp_verify_signature. */
typedef struct {
    int ok;                 /* 1 when the signature verified */
    int xmlsec_reason;      /* last xmlsec error reason (XMLSEC_ERRORS_R_*), 0 if none */
    int key_usage_ok;       /* 1 when the signing certificate has keyUsage digitalSignature or nonRepudiation */
    int tls_only;           /* 1 when its extendedKeyUsage lists serverAuth/clientAuth without a
                               document-signing purpose (documentSigning, emailProtection, Microsoft
                               or Adobe document signing) */
    unsigned char *cert_der;/* DER of the signing certificate (free with kp_free) */
    int cert_der_len;
    char subject[1024];     /* the signing certificate's subject, RFC 2253 */
    char serial[128];       /* its subject serialNumber (the OIN), empty if none */
} kp_verify_result;

/* A verification key from the DER certificates of a signature's X509Data: the public key of the
   one certificate that issued none of the others, carrying all of them as X.509 data. NULL when a
   certificate cannot be read or no single signing certificate stands out. Free with xmlSecKeyDestroy. */
xmlSecKeyPtr kp_verification_key_create(const unsigned char *const *ders, const int *lengths, int count);

/* Verifies the given ds:Signature node with a restricted context: only URI="", only the enveloped
   and exclusive C14N transforms, SHA-256+ digests, RSA/ECDSA SHA-256+ signatures, and only with
   key (from kp_verification_key_create, used by no other thread meanwhile, and still the caller's),
   whose signing certificate must chain to a certificate in trust at verification_time (0: now). */
kp_verify_result kp_verify_signature(xmlNodePtr signature, xmlSecKeyPtr key, struct x509_store_st *trust,
                                     long verification_time);

/* A certificate store holding exactly the given PEM certificates as trust anchors; NULL on failure.
   Safe to share between threads once made. */
struct x509_store_st *kp_trust_store_create(const unsigned char *pem, int length);

/* Frees a store from kp_trust_store_create. */
void kp_trust_store_free(struct x509_store_st *store);


/* Loads a PEM private key and attaches its PEM certificate; NULL on failure. */
xmlSecKeyPtr kp_key_load(const unsigned char *key_pem, int key_len, const unsigned char *cert_pem, int cert_len);

/* Returns 1 for an RSA key, 2 for an EC key, 0 otherwise. */
int kp_key_kind(xmlSecKeyPtr key);

/* Frees memory returned by this shim or libxml2. */
void kp_free(void *p);

/* The reason code of the last xmlsec error on this thread (0 if none), and clears it. */
int kp_take_xmlsec_reason(void);

/* Serialises the document as UTF-8 bytes (with XML declaration); caller frees with kp_free. */
int kp_serialize(xmlDocPtr doc, unsigned char **out, int *out_len);

/* Exclusive C14N (without comments) of the whole document; caller frees with kp_free. */
int kp_c14n_exclusive(xmlDocPtr doc, unsigned char **out, int *out_len);

/* Writes a certificate's subject (RFC 2253) and its subject serialNumber attribute as C strings. */
int kp_cert_subject(const unsigned char *der, int len, char *subject, int subject_cap, char *serial, int serial_cap);

#endif
