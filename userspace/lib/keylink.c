// SPDX-License-Identifier: GPL-2.0
/*
 * schsmctl library: token keys as the host sees them, and their link into
 * the kernel keyring.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <keyutils.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "cvc.h"
#include "keylink.h"
#include "util.h"

static int pub_from_cvc(const uint8_t *buf, size_t len, EVP_PKEY **pub)
{
	struct cvc c;

	if (cvc_parse(buf, len, &c))
		return -EBADMSG;
	*pub = cvc_pubkey_decode(&c.pubkey, NULL);
	ERR_clear_error();
	return *pub ? 0 : -EBADMSG;
}

static int pub_from_x509(const uint8_t *buf, size_t len, EVP_PKEY **pub, X509 **cert)
{
	const unsigned char *p = buf;
	X509 *x;

	x = d2i_X509(NULL, &p, (long)len);
	if (!x || p != buf + len) {
		X509_free(x);
		ERR_clear_error();
		return -EBADMSG;
	}
	*pub = X509_get_pubkey(x);
	if (!*pub) {
		X509_free(x);
		ERR_clear_error();
		return -EBADMSG;
	}
	if (cert)
		*cert = x;
	else
		X509_free(x);
	return 0;
}

int token_key_read(struct schsm_dev *dev, uint8_t key_id, EVP_PKEY **pub,
		   X509 **cert, uint16_t *sw)
{
	size_t len = TOKEN_MAX_CERT;
	uint8_t *buf;
	int err;

	*pub = NULL;
	if (cert)
		*cert = NULL;
	if (!key_id)
		return -EINVAL;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	err = schsm_file_read(dev, TOKEN_CERT_FID(key_id), buf, &len, sw);
	if (!err && *sw != SCHSM_SW_OK)
		err = -EREMOTEIO;
	if (!err && len > TOKEN_MAX_CERT)
		err = -EMSGSIZE;
	if (!err && len == 0)
		err = -EBADMSG;
	if (!err && buf[0] == 0x30)
		err = pub_from_x509(buf, len, pub, cert);
	else if (!err)
		err = pub_from_cvc(buf, len, pub);
	free(buf);
	return err;
}

/* --- the blob of Documentation/keyring.md -------------------------------- */

#define KEYLINK_MAGIC		"SCHSMKEY"
#define KEYLINK_VERSION		1
#define KEYLINK_MAX_BLOB	8192

static const struct {
	const char *group;	/* OpenSSL group name */
	uint8_t id;		/* SCHSM_CURVE_* */
} keylink_curves[] = {
	{ "prime256v1", SCHSM_CURVE_P256 },
	{ "secp384r1", SCHSM_CURVE_P384 },
	{ "secp521r1", SCHSM_CURVE_P521 },
	{ "brainpoolP256r1", SCHSM_CURVE_BP256R1 },
	{ "brainpoolP384r1", SCHSM_CURVE_BP384R1 },
};

/* u16 length, then the bytes */
static void put_field(struct tlvb *b, const void *p, size_t len)
{
	if (len > 0xffff) {
		b->err = -EOVERFLOW;
		return;
	}
	tlvb_u16(b, (unsigned int)len);
	tlvb_raw(b, p, len);
}

/* big-endian magnitude of an RSA parameter, no leading zero */
static int put_bn_param(struct tlvb *b, EVP_PKEY *pub, const char *name)
{
	uint8_t buf[SCHSM_MAX_SIG];
	BIGNUM *bn = NULL;
	int n;

	if (!EVP_PKEY_get_bn_param(pub, name, &bn))
		return -EINVAL;
	n = BN_num_bytes(bn);
	if (n <= 0 || (size_t)n > sizeof(buf)) {
		BN_free(bn);
		return -EINVAL;
	}
	BN_bn2bin(bn, buf);
	BN_free(bn);
	put_field(b, buf, (size_t)n);
	return 0;
}

/* key type, key id, curve */
static int put_key_header(struct tlvb *b, EVP_PKEY *pub, uint8_t key_id)
{
	char group[32];
	size_t i, n = sizeof(keylink_curves) / sizeof(keylink_curves[0]);

	if (EVP_PKEY_get_base_id(pub) == EVP_PKEY_RSA) {
		tlvb_u8(b, SCHSM_KEY_RSA);
		tlvb_u8(b, key_id);
		tlvb_u8(b, 0);
		return 0;
	}
	if (EVP_PKEY_get_base_id(pub) != EVP_PKEY_EC ||
	    !EVP_PKEY_get_utf8_string_param(pub, "group", group, sizeof(group), NULL))
		return -EOPNOTSUPP;
	for (i = 0; i < n; i++) {
		if (!strcmp(group, keylink_curves[i].group)) {
			tlvb_u8(b, SCHSM_KEY_EC);
			tlvb_u8(b, key_id);
			tlvb_u8(b, keylink_curves[i].id);
			return 0;
		}
	}
	return -EOPNOTSUPP;
}

static int put_key_material(struct tlvb *b, EVP_PKEY *pub)
{
	uint8_t point[133];
	size_t plen;
	int err;

	if (EVP_PKEY_get_base_id(pub) == EVP_PKEY_RSA) {
		err = put_bn_param(b, pub, "n");
		if (!err)
			err = put_bn_param(b, pub, "e");
		return err;
	}
	if (!EVP_PKEY_get_octet_string_param(pub, "encoded-pub-key", point, sizeof(point), &plen))
		return -EINVAL;
	put_field(b, point, plen);
	put_field(b, NULL, 0);
	return 0;
}

/* content bytes of a DER encoding whose header is 2..4 bytes */
static int der_content(const uint8_t *der, size_t len, const uint8_t **p, size_t *plen)
{
	struct tlv t;

	if (tlv_parse(der, len, &t) || t.raw_len != len)
		return -EBADMSG;
	*p = t.val;
	*plen = t.len;
	return 0;
}

static int put_cert_ids(struct tlvb *b, X509 *cert)
{
	const ASN1_OCTET_STRING *skid;
	unsigned char *ser = NULL, *iss = NULL;
	const uint8_t *content;
	size_t clen;
	int n, m, err;

	if (!cert) {
		put_field(b, NULL, 0);	/* SKID */
		put_field(b, NULL, 0);	/* serial */
		put_field(b, NULL, 0);	/* issuer */
		return 0;
	}
	skid = X509_get0_subject_key_id(cert);
	if (skid)
		put_field(b, ASN1_STRING_get0_data(skid), (size_t)ASN1_STRING_length(skid));
	else
		put_field(b, NULL, 0);
	ERR_clear_error();

	n = i2d_ASN1_INTEGER(X509_get0_serialNumber(cert), &ser);
	m = i2d_X509_NAME(X509_get_issuer_name(cert), &iss);
	err = -EINVAL;
	if (n > 0 && m > 0 && !der_content(ser, (size_t)n, &content, &clen) &&
	    clen <= 64 && m <= 1024) {
		put_field(b, content, clen);
		put_field(b, iss, (size_t)m);
		err = 0;
	}
	OPENSSL_free(ser);
	OPENSSL_free(iss);
	return err;
}

int keylink_blob(const char *serial, uint8_t key_id, EVP_PKEY *pub, X509 *cert,
		 uint8_t **blob, size_t *len)
{
	size_t slen = strlen(serial);
	struct tlvb b;
	int err;

	if (!key_id || !slen || slen > SCHSM_MAX_CHR)
		return -EINVAL;
	if (cert && EVP_PKEY_eq(X509_get0_pubkey(cert), pub) != 1) {
		ERR_clear_error();
		return -EKEYREJECTED;
	}
	tlvb_init(&b);
	tlvb_raw(&b, KEYLINK_MAGIC, 8);
	tlvb_u8(&b, KEYLINK_VERSION);
	err = put_key_header(&b, pub, key_id);
	if (!err) {
		put_field(&b, serial, slen);
		err = put_key_material(&b, pub);
	}
	if (!err)
		err = put_cert_ids(&b, cert);
	if (!err && b.err)
		err = b.err;
	if (!err && b.len > KEYLINK_MAX_BLOB)
		err = -E2BIG;
	if (!err) {
		*blob = tlvb_take(&b, len);
		err = *blob ? 0 : -ENOMEM;
	}
	tlvb_free(&b);
	return err;
}

int keyring_parse(const char *s, int32_t *keyring)
{
	static const struct { const char *name; key_serial_t id; } specials[] = {
		{ "@t", KEY_SPEC_THREAD_KEYRING }, { "@p", KEY_SPEC_PROCESS_KEYRING },
		{ "@s", KEY_SPEC_SESSION_KEYRING }, { "@u", KEY_SPEC_USER_KEYRING },
		{ "@us", KEY_SPEC_USER_SESSION_KEYRING },
	};
	unsigned int v;
	size_t i;

	for (i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
		if (!strcmp(s, specials[i].name)) {
			*keyring = specials[i].id;
			return 0;
		}
	}
	if (parse_uint(s, 1, INT32_MAX, &v))
		return -EINVAL;
	*keyring = (int32_t)v;
	return 0;
}

int keylink_add(const uint8_t *blob, size_t len, int32_t keyring)
{
	key_serial_t k = add_key("asymmetric", "", blob, len, keyring);

	return k < 0 ? -errno : k;
}
