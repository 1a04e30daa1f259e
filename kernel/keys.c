// SPDX-License-Identifier: GPL-2.0
/*
 * schsm keys in the kernel keyring: an asymmetric key parser for the
 * "schsm key reference" blob (Documentation/keyring.md) and the subtype
 * whose private operations run on the token.
 *
 * The blob comes from unprivileged add_key(): every field is bounds-checked,
 * and the public key it carries must be the one the named token reports
 * for that key (EF CExx), so a forged blob cannot make a device sign under
 * a key it does not hold nor attach a foreign public key to a token key.
 *
 * A key names its token by serial and finds the chip at each operation
 * (schsm_chip_find_by_serial), so it works again after an unplug/replug;
 * no device pointer is kept.  encrypt and verify never touch the device.
 */
#define pr_fmt(fmt) "schsm: " fmt

#include <crypto/akcipher.h>
#include <crypto/public_key.h>
#include <linux/key-type.h>
#include <keys/asymmetric-parser.h>
#include <keys/asymmetric-subtype.h>
#include <linux/err.h>
#include <linux/keyctl.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "include/uapi/linux/schsm.h"
#include "schsm.h"
#include "card_priv.h"
#include "tlv.h"

#define SCHSM_BLOB_MAGIC	"SCHSMKEY"
#define SCHSM_BLOB_MAGIC_LEN	8
#define SCHSM_BLOB_VERSION	1

struct schsm_key {
	char serial[SCHSM_CHR_MAX + 1];
	u8 key_id;
	u8 type;		/* SCHSM_KEY_RSA / SCHSM_KEY_EC */
	u8 curve;
	u16 size;		/* modulus or field size in bytes */
	u8 *n, *e;		/* RSA, in pub->key */
	size_t n_len, e_len;
	struct public_key *pub;	/* for software encrypt / verify */
};

/* ---- blob parsing (pure) ------------------------------------------------ */

struct schsm_blob {
	u8 type, key_id, curve;
	const u8 *serial, *pk1, *pk2, *skid, *cserial, *issuer;
	u16 serial_len, pk1_len, pk2_len, skid_len, cserial_len, issuer_len;
};

static int blob_field(const u8 *b, size_t len, size_t *pos, const u8 **v,
		      u16 *vlen)
{
	u16 l;

	if (len - *pos < 2)
		return -EINVAL;
	l = (b[*pos] << 8) | b[*pos + 1];
	*pos += 2;
	if (l > len - *pos)
		return -EINVAL;
	*v = b + *pos;
	*vlen = l;
	*pos += l;
	return 0;
}

static const u8 ec_point_len[] = {
	[SCHSM_CURVE_P256] = 65, [SCHSM_CURVE_P384] = 97,
	[SCHSM_CURVE_P521] = 133, [SCHSM_CURVE_BP256R1] = 65,
	[SCHSM_CURVE_BP384R1] = 97,
};

/* -EBADMSG: not ours (other parsers may try); -EINVAL: ours, malformed */
static int blob_parse(const u8 *b, size_t len, struct schsm_blob *o)
{
	size_t pos = SCHSM_BLOB_MAGIC_LEN + 4;

	if (len < pos || memcmp(b, SCHSM_BLOB_MAGIC, SCHSM_BLOB_MAGIC_LEN))
		return -EBADMSG;
	if (b[8] != SCHSM_BLOB_VERSION || len > 8192)
		return -EINVAL;
	memset(o, 0, sizeof(*o));
	o->type = b[9];
	o->key_id = b[10];
	o->curve = b[11];
	if (blob_field(b, len, &pos, &o->serial, &o->serial_len) ||
	    blob_field(b, len, &pos, &o->pk1, &o->pk1_len) ||
	    blob_field(b, len, &pos, &o->pk2, &o->pk2_len) ||
	    blob_field(b, len, &pos, &o->skid, &o->skid_len) ||
	    blob_field(b, len, &pos, &o->cserial, &o->cserial_len) ||
	    blob_field(b, len, &pos, &o->issuer, &o->issuer_len) ||
	    pos != len)
		return -EINVAL;
	if (!o->key_id || !o->serial_len || o->serial_len > SCHSM_CHR_MAX ||
	    !schsm_printable(o->serial, o->serial_len) ||
	    !o->cserial_len != !o->issuer_len || o->skid_len > 64 ||
	    o->cserial_len > 64 || o->issuer_len > 1024)
		return -EINVAL;
	switch (o->type) {
	case SCHSM_KEY_RSA:
		/* minimal big-endian n of 1024..4096 bits, odd e >= 3 */
		if (o->curve || o->pk1_len < 128 || o->pk1_len > 512 ||
		    !o->pk1[0] || !o->pk2_len || o->pk2_len > 8 ||
		    !o->pk2[0] || !(o->pk2[o->pk2_len - 1] & 1) ||
		    (o->pk2_len == 1 && o->pk2[0] < 3))
			return -EINVAL;
		break;
	case SCHSM_KEY_EC:
		if (!o->curve || o->curve >= ARRAY_SIZE(ec_point_len) ||
		    o->pk1_len != ec_point_len[o->curve] || o->pk1[0] != 4 ||
		    o->pk2_len)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

/* ---- token check ------------------------------------------------------------ */

static bool pub_matches(const struct schsm_blob *o,
			const struct schsm_pubkey_ref *pk)
{
	if (o->type != pk->type)
		return false;
	if (o->type == SCHSM_KEY_RSA)
		return o->pk1_len == pk->n_len && o->pk2_len == pk->e_len &&
		       !memcmp(o->pk1, pk->n, pk->n_len) &&
		       !memcmp(o->pk2, pk->e, pk->e_len);
	return o->pk1_len == pk->point_len &&
	       !memcmp(o->pk1, pk->point, pk->point_len);
}

/*
 * The token named by @serial, held for one operation: found, under the
 * operations gate and, checked under it, still that token (the lookup ran
 * before the gate, and a reset, a resume or a card swap may have reopened
 * the session in between).  Release with key_token_put().
 */
static struct schsm_chip *key_token_get(const char *serial)
{
	struct schsm_chip *chip;
	const struct schsm_card *card;
	int ret;

	chip = schsm_chip_find_by_serial(serial);
	if (!chip)
		return ERR_PTR(-ENODEV);
	ret = schsm_try_get_ops(chip);
	if (ret)
		goto out_put;
	card = schsm_chip_card(chip);
	if (schsm_card_ready(chip) &&
	    !strncmp(card->serial, serial, sizeof(card->serial)))
		return chip;
	schsm_put_ops(chip);
	ret = -ENODEV;
out_put:
	schsm_chip_put(chip);
	return ERR_PTR(ret);
}

static void key_token_put(struct schsm_chip *chip)
{
	schsm_put_ops(chip);
	schsm_chip_put(chip);
}

/*
 * The card left the reader during the exchange (QEMU's usb-ccid removes it
 * just before the reader on unplug): to a key user that is the token gone,
 * as for a token that is not found.
 */
static int key_token_errno(int ret)
{
	return ret == -ENOMEDIUM ? -ENODEV : ret;
}

/* Does the named token hold a key @key_id with this public key? */
static int blob_check_token(const struct schsm_blob *o, const char *serial)
{
	struct schsm_pubkey_ref pk;
	struct schsm_chip *chip;
	u8 *buf = NULL;
	int ret;

	chip = key_token_get(serial);
	if (IS_ERR(chip))
		return PTR_ERR(chip);
	ret = schsm_card_read_pubkey(chip, o->key_id, &buf, &pk);
	key_token_put(chip);
	ret = key_token_errno(ret);
	if (!ret && !pub_matches(o, &pk))
		ret = -EKEYREJECTED;
	kfree(buf);
	return ret;
}

/* ---- public key for the software operations -------------------------------- */

static size_t der_int_len(const u8 *v, size_t len)
{
	return len + (v[0] & 0x80 ? 1 : 0);
}

static size_t der_hdr(u8 *p, u8 tag, size_t len)
{
	size_t n = 0;

	p[n++] = tag;
	if (len > 255) {
		p[n++] = 0x82;
		p[n++] = len >> 8;
	} else if (len > 127) {
		p[n++] = 0x81;
	}
	p[n++] = len & 0xff;
	return n;
}

static size_t der_int(u8 *p, const u8 *v, size_t len)
{
	size_t n = der_hdr(p, 0x02, der_int_len(v, len));

	if (v[0] & 0x80)
		p[n++] = 0;
	memcpy(p + n, v, len);
	return n + len;
}

static size_t der_hdr_len(size_t len)
{
	return len > 255 ? 4 : len > 127 ? 3 : 2;
}

/* RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } */
static u8 *rsa_pub_der(const struct schsm_blob *o, u32 *der_len)
{
	size_t nl = der_int_len(o->pk1, o->pk1_len);
	size_t el = der_int_len(o->pk2, o->pk2_len);
	size_t body = der_hdr_len(nl) + nl + der_hdr_len(el) + el;
	size_t n;
	u8 *p;

	p = kmalloc(der_hdr_len(body) + body, GFP_KERNEL);
	if (!p)
		return NULL;
	n = der_hdr(p, 0x30, body);
	n += der_int(p + n, o->pk1, o->pk1_len);
	n += der_int(p + n, o->pk2, o->pk2_len);
	*der_len = n;
	return p;
}

static const char *const ec_algo[] = {
	[SCHSM_CURVE_P256] = "ecdsa-nist-p256",
	[SCHSM_CURVE_P384] = "ecdsa-nist-p384",
	[SCHSM_CURVE_P521] = "ecdsa-nist-p521",
	[SCHSM_CURVE_BP256R1] = "ecdsa-brainpool-p256r1",
	[SCHSM_CURVE_BP384R1] = "ecdsa-brainpool-p384r1",
};

static struct public_key *blob_public_key(const struct schsm_blob *o)
{
	struct public_key *pub;

	pub = kzalloc(sizeof(*pub), GFP_KERNEL);
	if (!pub)
		return NULL;
	pub->id_type = "X509";
	if (o->type == SCHSM_KEY_RSA) {
		pub->key = rsa_pub_der(o, &pub->keylen);
		pub->pkey_algo = "rsa";
		pub->algo = OID_rsaEncryption;
	} else {
		pub->key = kmemdup(o->pk1, o->pk1_len, GFP_KERNEL);
		pub->keylen = o->pk1_len;
		pub->pkey_algo = ec_algo[o->curve];
		pub->algo = OID_id_ecPublicKey;
	}
	if (!pub->key) {
		kfree(pub);
		return NULL;
	}
	return pub;
}

/* ---- the subtype ---------------------------------------------------------------- */

/* DigestInfo prefixes (RFC 8017 §9.2 note 1; SHA-3 from NIST CSOR) */
struct digest_info {
	const char *hash;
	u8 len;			/* digest size */
	u8 plen;
	u8 prefix[19];
};

#define DI(h, l, ...) { h, l, sizeof((u8[]){ __VA_ARGS__ }), { __VA_ARGS__ } }
static const struct digest_info digest_infos[] = {
	DI("md5", 16, 0x30, 0x20, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48,
	   0x86, 0xf7, 0x0d, 0x02, 0x05, 0x05, 0x00, 0x04, 0x10),
	DI("sha1", 20, 0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03,
	   0x02, 0x1a, 0x05, 0x00, 0x04, 0x14),
	DI("rmd160", 20, 0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x24, 0x03,
	   0x02, 0x01, 0x05, 0x00, 0x04, 0x14),
	DI("sha224", 28, 0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48,
	   0x01, 0x65, 0x03, 0x04, 0x02, 0x04, 0x05, 0x00, 0x04, 0x1c),
	DI("sha256", 32, 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48,
	   0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20),
	DI("sha384", 48, 0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48,
	   0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30),
	DI("sha512", 64, 0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48,
	   0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40),
	DI("sha3-256", 32, 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48,
	   0x01, 0x65, 0x03, 0x04, 0x02, 0x08, 0x05, 0x00, 0x04, 0x20),
	DI("sha3-384", 48, 0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48,
	   0x01, 0x65, 0x03, 0x04, 0x02, 0x09, 0x05, 0x00, 0x04, 0x30),
	DI("sha3-512", 64, 0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48,
	   0x01, 0x65, 0x03, 0x04, 0x02, 0x0a, 0x05, 0x00, 0x04, 0x40),
};

static const struct digest_info *digest_info_find(const char *hash)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(digest_infos); i++)
		if (!strcmp(digest_infos[i].hash, hash))
			return &digest_infos[i];
	return NULL;
}

static const struct schsm_key *params_key(const struct kernel_pkey_params *p)
{
	return p->key->payload.data[asym_crypto];
}

/* how an operation is done: algorithm byte and input size rules */
struct key_op {
	bool raw;
	const struct digest_info *di;	/* RSA pkcs1 with hash= */
};

static int key_op_select(const struct schsm_key *sk,
			 const struct kernel_pkey_params *p, struct key_op *op)
{
	const char *enc = p->encoding ?: "raw";

	memset(op, 0, sizeof(*op));
	if (sk->type == SCHSM_KEY_EC) {
		/* hash= only names the digest; any size up to SHA-512 */
		return strcmp(enc, "x962") ? -EINVAL : 0;
	}
	if (!strcmp(enc, "raw")) {
		if (p->hash_algo)
			return -EINVAL;
		op->raw = true;
		return 0;
	}
	if (strcmp(enc, "pkcs1"))
		return -EINVAL;
	if (p->hash_algo) {
		op->di = digest_info_find(p->hash_algo);
		if (!op->di)
			return -ENOPKG;
	}
	return 0;
}

static int schsm_key_query(const struct kernel_pkey_params *p,
			   struct kernel_pkey_query *info)
{
	const struct schsm_key *sk = params_key(p);
	struct key_op op;
	int ret;

	ret = key_op_select(sk, p, &op);
	if (ret)
		return ret;
	memset(info, 0, sizeof(*info));
	info->key_size = sk->size * 8;
	if (sk->type == SCHSM_KEY_EC) {
		info->supported_ops = KEYCTL_SUPPORTS_SIGN |
				      KEYCTL_SUPPORTS_VERIFY;
		info->max_data_size = 64;
		/* DER SEQUENCE of two INTEGERs of at most size + 1 bytes */
		info->max_sig_size = 2 * (sk->size + 1 + 3) + 3;
		return 0;
	}
	info->supported_ops = KEYCTL_SUPPORTS_ENCRYPT | KEYCTL_SUPPORTS_DECRYPT |
			      KEYCTL_SUPPORTS_SIGN | KEYCTL_SUPPORTS_VERIFY;
	info->max_data_size = op.raw ? sk->size :
			      op.di ? op.di->len : sk->size - 11;
	info->max_sig_size = sk->size;
	info->max_enc_size = sk->size;
	info->max_dec_size = sk->size;
	return 0;
}

/* one SIGN or DECIPHER on the token named by the key, under one hold */
static int key_card_op(const struct schsm_key *sk, bool sign, u8 alg,
		       const u8 *in, size_t in_len, u8 *out, size_t cap,
		       size_t *out_len)
{
	struct schsm_chip *chip;
	u16 sw = 0;
	int ret;

	chip = key_token_get(sk->serial);
	if (IS_ERR(chip))
		return PTR_ERR(chip);
	if (sign)
		ret = schsm_card_sign(chip, sk->key_id, alg, in, in_len, out,
				      cap, out_len, &sw);
	else
		ret = schsm_card_decipher(chip, sk->key_id, alg, in, in_len,
					  out, cap, out_len, &sw);
	key_token_put(chip);
	if (!ret)
		ret = schsm_card_sw_to_errno(sw);
	return key_token_errno(ret);
}

static int key_sign(const struct schsm_key *sk, const struct key_op *op,
		    struct kernel_pkey_params *p, const u8 *in, u8 *out)
{
	u8 di[19 + 64];
	size_t out_len = 0;
	int ret;

	if (sk->type == SCHSM_KEY_RSA && p->out_len < sk->size)
		return -EOVERFLOW;	/* before the device is touched */
	if (sk->type == SCHSM_KEY_EC) {
		if (!p->in_len || p->in_len > 64)
			return -EINVAL;
		ret = key_card_op(sk, true, SCHSM_ALG_ECDSA, in, p->in_len,
				  out, p->out_len, &out_len);
	} else if (op->raw) {
		if (p->in_len != sk->size)
			return -EINVAL;
		ret = key_card_op(sk, true, SCHSM_ALG_RSA_RAW, in, p->in_len,
				  out, p->out_len, &out_len);
	} else if (op->di) {
		/* DigestInfo in, the token pads: one APDU */
		if (p->in_len != op->di->len)
			return -EINVAL;
		memcpy(di, op->di->prefix, op->di->plen);
		memcpy(di + op->di->plen, in, p->in_len);
		ret = key_card_op(sk, true, SCHSM_ALG_RSA_PKCS1_DI, di,
				  op->di->plen + p->in_len, out, p->out_len,
				  &out_len);
	} else {
		if (!p->in_len || p->in_len > sk->size - 11)
			return -EINVAL;
		ret = key_card_op(sk, true, SCHSM_ALG_RSA_PKCS1_DI, in,
				  p->in_len, out, p->out_len, &out_len);
	}
	return ret ?: out_len;
}

static int key_decrypt(const struct schsm_key *sk, const struct key_op *op,
		       struct kernel_pkey_params *p, const u8 *in, u8 *out)
{
	size_t len = 0;
	u8 *block;
	int ret, off;

	if (sk->type != SCHSM_KEY_RSA || p->in_len != sk->size)
		return -EINVAL;
	block = kmalloc(sk->size, GFP_KERNEL);
	if (!block)
		return -ENOMEM;
	ret = key_card_op(sk, false, SCHSM_ALG_RSA_DECRYPT_RAW, in, p->in_len,
			  block, sk->size, &len);
	if (ret)
		goto out;
	off = 0;
	if (!op->raw) {
		off = schsm_pkcs1_unpad_type2(block, len);
		if (off < 0) {
			ret = off;
			goto out;
		}
	}
	if (len - off > p->out_len) {
		ret = -EOVERFLOW;
		goto out;
	}
	memcpy(out, block + off, len - off);
	ret = len - off;
out:
	kfree_sensitive(block);
	return ret;
}

/* encrypt with the public key in software, as public_key.c does */
static int key_encrypt(const struct schsm_key *sk, const struct key_op *op,
		       struct kernel_pkey_params *p, const u8 *in, u8 *out)
{
	struct scatterlist in_sg, out_sg;
	struct crypto_akcipher *tfm;
	struct akcipher_request *req;
	DECLARE_CRYPTO_WAIT(cwait);
	int ret;

	if (sk->type != SCHSM_KEY_RSA || op->di)
		return -EINVAL;
	if (op->raw ? p->in_len != sk->size :
	    !p->in_len || p->in_len > sk->size - 11)
		return -EINVAL;
	if (p->out_len < sk->size)
		return -EOVERFLOW;
	tfm = crypto_alloc_akcipher(op->raw ? "rsa" : "pkcs1pad(rsa)", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	ret = crypto_akcipher_set_pub_key(tfm, sk->pub->key, sk->pub->keylen);
	if (ret)
		goto out_tfm;
	req = akcipher_request_alloc(tfm, GFP_KERNEL);
	if (!req) {
		ret = -ENOMEM;
		goto out_tfm;
	}
	sg_init_one(&in_sg, in, p->in_len);
	sg_init_one(&out_sg, out, p->out_len);
	akcipher_request_set_crypt(req, &in_sg, &out_sg, p->in_len,
				   p->out_len);
	akcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG |
				      CRYPTO_TFM_REQ_MAY_SLEEP,
				      crypto_req_done, &cwait);
	ret = crypto_wait_req(crypto_akcipher_encrypt(req), &cwait);
	if (!ret)
		ret = req->dst_len;
	akcipher_request_free(req);
out_tfm:
	crypto_free_akcipher(tfm);
	return ret;
}

/*
 * Order of checks (as turris): key present, params, op supported, exact
 * lengths, then the device.  Not logged in: -EACCES (card 6982).
 */
static int schsm_key_eds_op(struct kernel_pkey_params *p, const void *in,
			    void *out)
{
	const struct schsm_key *sk = params_key(p);
	struct key_op op;
	int ret;

	if (!sk)
		return -EINVAL;
	ret = key_op_select(sk, p, &op);
	if (ret)
		return ret;
	switch (p->op) {
	case kernel_pkey_sign:
		return key_sign(sk, &op, p, in, out);
	case kernel_pkey_decrypt:
		return key_decrypt(sk, &op, p, in, out);
	case kernel_pkey_encrypt:
		return key_encrypt(sk, &op, p, in, out);
	default:
		return -EOPNOTSUPP;
	}
}

static int schsm_key_verify(const struct key *key,
			    const struct public_key_signature *sig)
{
	const struct schsm_key *sk = key->payload.data[asym_crypto];

	if (!sk)
		return -EINVAL;
	return public_key_verify_signature(sk->pub, sig);
}

static void schsm_key_describe(const struct key *key, struct seq_file *m)
{
	const struct schsm_key *sk = key->payload.data[asym_crypto];

	if (sk)
		seq_printf(m, "%s-%u token %s key %u",
			   sk->type == SCHSM_KEY_RSA ? "RSA" : "EC",
			   sk->size * 8, sk->serial, sk->key_id);
}

static void schsm_key_free(struct schsm_key *sk)
{
	if (!sk)
		return;
	public_key_free(sk->pub);
	kfree(sk);
}

static void schsm_key_destroy(void *payload_crypto, void *payload_auth)
{
	schsm_key_free(payload_crypto);
}

static struct asymmetric_key_subtype schsm_key_subtype = {
	.owner		= THIS_MODULE,
	.name		= "schsm",
	.name_len	= sizeof("schsm") - 1,
	.describe	= schsm_key_describe,
	.destroy	= schsm_key_destroy,
	.query		= schsm_key_query,
	.eds_op		= schsm_key_eds_op,
	.verify_signature = schsm_key_verify,
};

/* ---- the parser ------------------------------------------------------------------ */

static struct asymmetric_key_ids *blob_key_ids(const struct schsm_blob *o)
{
	struct asymmetric_key_ids *kids;
	struct asymmetric_key_id *id;

	kids = kzalloc(sizeof(*kids), GFP_KERNEL);
	if (!kids)
		return ERR_PTR(-ENOMEM);
	if (o->cserial_len) {
		/* issuerAndSerialNumber, as x509_public_key.c: serial || issuer */
		id = asymmetric_key_generate_id(o->cserial, o->cserial_len,
						o->issuer, o->issuer_len);
		if (IS_ERR(id))
			goto err;
		kids->id[0] = id;
	}
	if (o->skid_len) {
		id = asymmetric_key_generate_id(o->skid, o->skid_len, "", 0);
		if (IS_ERR(id))
			goto err;
		kids->id[1] = id;
	}
	return kids;
err:
	kfree(kids->id[0]);
	kfree(kids);
	return ERR_CAST(id);
}

static struct schsm_key *schsm_key_from_blob(const struct schsm_blob *o)
{
	struct schsm_key *sk;

	sk = kzalloc(sizeof(*sk), GFP_KERNEL);
	if (!sk)
		return ERR_PTR(-ENOMEM);
	memcpy(sk->serial, o->serial, o->serial_len);
	sk->key_id = o->key_id;
	sk->type = o->type;
	sk->curve = o->curve;
	sk->size = o->type == SCHSM_KEY_RSA ? o->pk1_len :
		   (o->pk1_len - 1) / 2;
	sk->pub = blob_public_key(o);
	if (!sk->pub) {
		kfree(sk);
		return ERR_PTR(-ENOMEM);
	}
	return sk;
}

static int schsm_key_parse(struct key_preparsed_payload *prep)
{
	struct asymmetric_key_ids *kids;
	struct schsm_blob o;
	struct schsm_key *sk;
	char *desc;
	int ret;

	ret = blob_parse(prep->data, prep->datalen, &o);
	if (ret)
		return ret;
	sk = schsm_key_from_blob(&o);
	if (IS_ERR(sk))
		return PTR_ERR(sk);
	ret = blob_check_token(&o, sk->serial);
	if (ret)
		goto err_key;
	kids = blob_key_ids(&o);
	if (IS_ERR(kids)) {
		ret = PTR_ERR(kids);
		goto err_key;
	}
	desc = kasprintf(GFP_KERNEL, "schsm:%s:%u", sk->serial, sk->key_id);
	if (!desc) {
		ret = -ENOMEM;
		goto err_kids;
	}
	/* the key type drops this reference when the key goes */
	__module_get(schsm_key_subtype.owner);
	prep->payload.data[asym_subtype] = &schsm_key_subtype;
	prep->payload.data[asym_key_ids] = kids;
	prep->payload.data[asym_crypto] = sk;
	prep->payload.data[asym_auth] = NULL;
	prep->description = desc;
	prep->quotalen = 100;
	return 0;
err_kids:
	kfree(kids->id[0]);
	kfree(kids->id[1]);
	kfree(kids);
err_key:
	schsm_key_free(sk);
	return ret;
}

static struct asymmetric_key_parser schsm_key_parser = {
	.owner	= THIS_MODULE,
	.name	= "schsm",
	.parse	= schsm_key_parse,
};

int schsm_keys_register(void)
{
	return register_asymmetric_key_parser(&schsm_key_parser);
}

void schsm_keys_unregister(void)
{
	unregister_asymmetric_key_parser(&schsm_key_parser);
}
