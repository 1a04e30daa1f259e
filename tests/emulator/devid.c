// SPDX-License-Identifier: GPL-2.0
/*
 * schsm-emu: device identity.  Every emulated token gets, at first start,
 * its own EC device key (PrK.DevAut) and CHR, and a CV certificate chain in
 * EF 2F02: device CVC ‖ DICA CVC.  The DICA and the root above it form a
 * fixed emulator test PKI shared by every instance, so tokens can verify
 * each other's devices (PKA custodian registration) like real tokens
 * verify CardContact's chain.  The test PKI's keys are in testpki.h.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "../../common/cvc.h"
#include "emu.h"
#include "testpki.h"

#define DEVICE_PREFIX	"UTEMU"

static struct emu_pubkey root, dica;

static int test_pki_load(void)
{
	if (root.pkey)
		return 0;
	root.pkey = testpki_key(testpki_root_priv);
	dica.pkey = testpki_key(testpki_dica_priv);
	if (!root.pkey || !dica.pkey) {
		devid_cleanup();
		return -1;
	}
	snprintf(root.chr, sizeof(root.chr), "%s", TESTPKI_ROOT_CHR);
	snprintf(dica.chr, sizeof(dica.chr), "%s", TESTPKI_DICA_CHR);
	memcpy(root.oid, cvc_oid_ecdsa_sha256, CVC_OID_LEN);
	memcpy(dica.oid, cvc_oid_ecdsa_sha256, CVC_OID_LEN);
	return 0;
}

const struct emu_pubkey *devid_builtin(const char *chr)
{
	if (test_pki_load())
		return NULL;
	if (!strcmp(chr, TESTPKI_ROOT_CHR))
		return &root;
	if (!strcmp(chr, TESTPKI_DICA_CHR))
		return &dica;
	return NULL;
}

void devid_cleanup(void)
{
	EVP_PKEY_free(root.pkey);
	EVP_PKEY_free(dica.pkey);
	root.pkey = NULL;
	dica.pkey = NULL;
}

/* A CVC for pub named chr, issued by issuer (domain parameters inherited). */
static int issue(struct tlvb *out, const struct emu_pubkey *issuer,
		 EVP_PKEY *pub, const char *chr)
{
	struct cvc_fields f = {
		.car = issuer->chr,
		.chr = chr,
		.pub = pub,
		.oid = cvc_oid_ecdsa_sha256,
		.with_domain = false,
	};

	return cvc_build(out, &f, issuer->pkey, EVP_sha256(), false);
}

int devid_create(struct applet *a)
{
	uint8_t rnd[4];
	struct tlvb chain;
	int r = -1;

	if (test_pki_load() || RAND_bytes(rnd, sizeof(rnd)) != 1)
		return -1;
	/* CHR = prefix, 6 random digits, 5-digit sequence; serial drops the last 5 */
	snprintf(a->chr, sizeof(a->chr), DEVICE_PREFIX "%06u00001",
		 (unsigned int)((uint32_t)rnd[0] << 24 | (uint32_t)rnd[1] << 16 |
				(uint32_t)rnd[2] << 8 | rnd[3]) % 1000000u);
	snprintf(a->serial, sizeof(a->serial), "%.*s",
		 (int)(strlen(a->chr) - 5), a->chr);
	a->devkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", TESTPKI_CURVE);
	if (!a->devkey)
		return -1;
	tlvb_init(&chain);
	if (!issue(&chain, &dica, a->devkey, a->chr) &&
	    !issue(&chain, &root, dica.pkey, TESTPKI_DICA_CHR) &&
	    !files_put(a, FID_DEVICE_CERTS, chain.p, chain.len))
		r = 0;
	tlvb_free(&chain);
	return r;
}
