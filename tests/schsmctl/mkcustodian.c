// SPDX-License-Identifier: GPL-2.0
/*
 * Test fixture: a software "custodian token" for n-of-m tests in a single
 * VM.  It issues, with the emulator's published test PKI (the fixed DICA
 * key of tests/emulator/testpki.h, a test value that signs nothing outside
 * tests), a device CVC for a fresh software device key, and an
 * authenticated request for a fresh custodian key, and writes them as an
 * OpenSC PKA file together with the custodian's private key (PEM), so the
 * test can sign challenges with openssl.  Built with common/cvc.c, the
 * same code the emulator uses to issue real-looking chains.
 *
 * usage: mkcustodian OUT.pka OUT-KEY.pem SERIAL	(SERIAL: 6 digits)
 * The chain's trust anchor is the emulator's root: schsm-emu --export-root.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "cvc.h"
#include "testpki.h"
#include "tlv.h"

int main(int argc, char **argv)
{
	char dev_chr[32], key_chr[32];
	struct tlvb dica, dev, req, auth, file;
	EVP_PKEY *root, *dicak, *devk, *custk;
	struct cvc_fields f;
	size_t mark;
	FILE *o;

	if (argc != 4 || strlen(argv[3]) != 6) {
		fprintf(stderr, "usage: mkcustodian OUT.pka OUT-KEY.pem SERIAL6\n");
		return 2;
	}
	snprintf(dev_chr, sizeof(dev_chr), "UTSFT%s00001", argv[3]);
	snprintf(key_chr, sizeof(key_chr), "UTSFT%s00002", argv[3]);
	root = testpki_key(testpki_root_priv);
	dicak = testpki_key(testpki_dica_priv);
	devk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", TESTPKI_CURVE);
	custk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", TESTPKI_CURVE);
	if (!root || !dicak || !devk || !custk)
		return 1;
	tlvb_init(&dica);
	tlvb_init(&dev);
	tlvb_init(&req);
	tlvb_init(&auth);
	tlvb_init(&file);
	/* DICA issued by the root, device by the DICA: domain inherited */
	f = (struct cvc_fields){ .car = TESTPKI_ROOT_CHR, .chr = TESTPKI_DICA_CHR, .pub = dicak,
				 .oid = cvc_oid_ecdsa_sha256 };
	if (cvc_build(&dica, &f, root, EVP_sha256(), false))
		return 1;
	f = (struct cvc_fields){ .car = TESTPKI_DICA_CHR, .chr = dev_chr, .pub = devk,
				 .oid = cvc_oid_ecdsa_sha256 };
	if (cvc_build(&dev, &f, dicak, EVP_sha256(), false))
		return 1;
	/* the custodian key's request: self-signed (possession), with domain */
	f = (struct cvc_fields){ .chr = key_chr, .pub = custk, .oid = cvc_oid_ecdsa_sha256,
				 .with_domain = true };
	if (cvc_build(&req, &f, custk, EVP_sha256(), false) ||
	    cvc_build_authenticated(&auth, req.p, req.len, dev_chr, devk, EVP_sha256()))
		return 1;
	mark = tlvb_open(&file, 0x30);
	tlvb_raw(&file, auth.p, auth.len);
	tlvb_raw(&file, dev.p, dev.len);
	tlvb_raw(&file, dica.p, dica.len);
	tlvb_close(&file, mark);
	if (file.err)
		return 1;
	o = fopen(argv[1], "wb");
	if (!o || fwrite(file.p, 1, file.len, o) != file.len || fclose(o))
		return 1;
	o = fopen(argv[2], "w");
	if (!o || !PEM_write_PrivateKey(o, custk, NULL, NULL, 0, NULL, NULL) || fclose(o))
		return 1;
	printf("%s\n", key_chr);
	return 0;
}
