// SPDX-License-Identifier: GPL-2.0
/*
 * schsmctl library: token keys as the host sees them, and their link into
 * the kernel keyring.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "cvc.h"
#include "keylink.h"

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
