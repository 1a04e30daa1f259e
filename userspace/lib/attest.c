// SPDX-License-Identifier: GPL-2.0
/* schsmctl library: device certificate chains and key attestations. */
#include <errno.h>
#include <string.h>

#include "attest.h"
#include "cvc.h"

/* md of the signer's algorithm OID (in its 7F49) */
static const EVP_MD *signer_md(const struct cvc *signer, bool *pss)
{
	struct tlv oid;
	bool rsa;

	if (cvc_pubkey_oid(&signer->pubkey, &oid))
		return NULL;
	return cvc_oid_md(oid.val, oid.len, &rsa, pss);
}

static int verify_by(const struct cvc *subject, const struct cvc *issuer_cvc,
		     EVP_PKEY *issuer_key)
{
	bool pss = false;
	const EVP_MD *md = signer_md(issuer_cvc, &pss);

	if (!md)
		return -EBADMSG;
	return cvc_verify_cert(subject, issuer_key, md, pss) ? -EKEYREJECTED : 0;
}

static int name_eq(const struct tlv *a, const struct tlv *b)
{
	return a->len == b->len && !memcmp(a->val, b->val, a->len);
}

int devchain_verify(const uint8_t *ef, size_t len, const uint8_t *root, size_t root_len,
		    struct devchain *ch, const char **why)
{
	struct cvc dev, dica, rc;
	EVP_PKEY *domain = NULL, *root_key = NULL;
	int err = -EBADMSG;

	memset(ch, 0, sizeof(*ch));
	*why = "EF 2F02 is not a device CVC followed by a DICA CVC";
	if (cvc_parse(ef, len, &dev) || dev.authenticated ||
	    cvc_parse(ef + dev.cert.raw_len, len - dev.cert.raw_len, &dica) ||
	    dica.authenticated || !name_eq(&dev.car, &dica.chr) ||
	    cvc_name(&dev.chr, ch->device_chr, sizeof(ch->device_chr)) ||
	    cvc_name(&dica.chr, ch->dica_chr, sizeof(ch->dica_chr)) ||
	    cvc_name(&dica.car, ch->root_chr, sizeof(ch->root_chr)))
		return -EBADMSG;
	if (root) {
		*why = "the root is not a self-signed CVC with domain parameters";
		if (cvc_parse(root, root_len, &rc) || !name_eq(&rc.chr, &dica.car))
			goto out;
		root_key = cvc_pubkey_decode(&rc.pubkey, NULL);
		if (!root_key)
			goto out;
		domain = root_key;
	} else {
		domain = EVP_PKEY_Q_keygen(NULL, NULL, "EC", ATTEST_SCHEME_CURVE);
	}
	*why = "cannot decode the DICA or device public key";
	ch->dica_key = cvc_pubkey_decode(&dica.pubkey, domain);
	ch->device_key = ch->dica_key ? cvc_pubkey_decode(&dev.pubkey, ch->dica_key) : NULL;
	if (!ch->dica_key || !ch->device_key)
		goto out;
	*why = "the device certificate is not signed by the DICA";
	err = verify_by(&dev, &dica, ch->dica_key);
	if (!err && root_key) {
		*why = "the DICA certificate is not signed by the root";
		err = verify_by(&dica, &rc, root_key);
		ch->root_verified = !err;
	}
out:
	if (domain != root_key)
		EVP_PKEY_free(domain);
	EVP_PKEY_free(root_key);
	if (err)
		devchain_free(ch);
	else
		*why = NULL;
	return err;
}

void devchain_free(struct devchain *ch)
{
	EVP_PKEY_free(ch->device_key);
	EVP_PKEY_free(ch->dica_key);
	ch->device_key = ch->dica_key = NULL;
}

int attest_request_verify(const uint8_t *req, size_t len, const struct devchain *ch,
			  EVP_PKEY **pub, char chr[33], const char **why)
{
	char outer_car[33];
	const uint8_t *signed_part;
	size_t signed_len;
	const EVP_MD *md;
	struct cvc c;
	struct tlv oid;
	bool rsa, pss = false;

	*pub = NULL;
	*why = "not an authenticated CV request (67)";
	if (cvc_parse(req, len, &c) || !c.authenticated ||
	    cvc_name(&c.outer_car, outer_car, sizeof(outer_car)) ||
	    cvc_name(&c.chr, chr, 33))
		return -EBADMSG;
	*why = "the request was signed by another device (outer CAR)";
	if (strcmp(outer_car, ch->device_chr))
		return -EKEYREJECTED;
	*why = "the device signature over the request does not verify";
	signed_part = cvc_outer_signed(&c, &signed_len);
	if (!signed_part ||
	    cvc_verify(ch->device_key, EVP_sha256(), false, signed_part, signed_len,
		       c.outer_sig.val, c.outer_sig.len))
		return -EKEYREJECTED;
	*why = "cannot decode the attested public key";
	if (cvc_pubkey_oid(&c.pubkey, &oid))
		return -EBADMSG;
	md = cvc_oid_md(oid.val, oid.len, &rsa, &pss);
	*pub = cvc_pubkey_decode(&c.pubkey, NULL);
	if (!md || !*pub)
		return -EBADMSG;
	*why = "the proof of possession (inner signature) does not verify";
	if (cvc_verify_cert(&c, *pub, md, pss)) {
		EVP_PKEY_free(*pub);
		*pub = NULL;
		return -EKEYREJECTED;
	}
	*why = NULL;
	return 0;
}
