// SPDX-License-Identifier: GPL-2.0
/*
 * schsm-emu: the state file.  One file holds the whole token:
 *
 *   "SCHSMEMU" ‖ version(2) ‖ payload length(4) ‖ payload ‖ SHA-256(all before)
 *
 * The payload is a sequence of private TLVs (tags below).  It is written
 * atomically after every change (temporary file in the same directory,
 * fsync, rename, fsync of the directory) and loaded all-or-nothing: an
 * unknown version, a bad checksum or any malformed or missing element
 * refuses the file with a message instead of loading part of it.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "emu.h"

#define STORE_MAGIC		"SCHSMEMU"
#define STORE_VERSION		1
#define STORE_HDR_LEN		14
#define STORE_MAX_FILE		(8u << 20)

enum {
	T_CHR = 0x41, T_DEVKEY = 0x42, T_FLAGS = 0x43, T_OPTIONS = 0x44,
	T_PIN = 0x45, T_SO = 0x46, T_DKEK = 0x47, T_PKA = 0x48,
	T_KEY = 0x61, T_FILE = 0x62, T_PKA_SLOT = 0x63, T_KNOWN = 0x64,
	/* inside the constructed ones */
	T_ID = 0x81, T_DATA = 0x82, T_COUNTER = 0x83, T_ALGOS = 0x84,
	T_DOMAIN = 0x85, T_NAME = 0x86, T_OID = 0x87,
};

#define PIN_REC_LEN	(1 + 16 + 32 + 3)
#define DKEK_REC_LEN	(3 + 32)

/* --- writing ------------------------------------------------------------ */

static void put_pkey(struct tlvb *b, unsigned int tag, EVP_PKEY *k, bool priv)
{
	unsigned char *der = NULL;
	int n = priv ? i2d_PrivateKey(k, &der) : i2d_PUBKEY(k, &der);

	if (n <= 0) {
		b->err = b->err ? b->err : -EINVAL;
		return;
	}
	tlvb_put(b, tag, der, (size_t)n);
	OPENSSL_clear_free(der, (size_t)n);
}

static void put_pin(struct tlvb *b, unsigned int tag, const struct user_pin *p)
{
	uint8_t rec[PIN_REC_LEN];

	rec[0] = p->set;
	memcpy(rec + 1, p->salt, 16);
	memcpy(rec + 17, p->hash, 32);
	rec[49] = p->len;
	rec[50] = p->max_tries;
	rec[51] = p->tries_left;
	tlvb_put(b, tag, rec, sizeof(rec));
}

static void put_pubkey(struct tlvb *b, unsigned int tag, int index,
		       const struct emu_pubkey *k)
{
	size_t mark = tlvb_open(b, tag);
	uint8_t id = (uint8_t)index;

	if (index >= 0)
		tlvb_put(b, T_ID, &id, 1);
	tlvb_put(b, T_NAME, k->chr, strlen(k->chr));
	tlvb_put(b, T_OID, k->oid, sizeof(k->oid));
	put_pkey(b, T_DATA, k->pkey, false);
	tlvb_close(b, mark);
}

static void put_key(struct tlvb *b, unsigned int id, const struct emu_key *k)
{
	size_t mark = tlvb_open(b, T_KEY);
	uint8_t kid = (uint8_t)id;

	tlvb_put(b, T_ID, &kid, 1);
	put_pkey(b, T_DATA, k->pkey, true);
	if (k->has_counter) {
		uint8_t c[4] = { (uint8_t)(k->counter >> 24), (uint8_t)(k->counter >> 16),
				 (uint8_t)(k->counter >> 8), (uint8_t)k->counter };

		tlvb_put(b, T_COUNTER, c, 4);
	}
	if (k->algos_len)
		tlvb_put(b, T_ALGOS, k->algos, k->algos_len);
	tlvb_put(b, T_DOMAIN, &k->domain, 1);
	tlvb_close(b, mark);
}

static void store_encode(const struct applet *a, struct tlvb *b)
{
	uint8_t flags[2] = { a->initialized, a->transport_pin };
	uint8_t opts[2] = { (uint8_t)(a->options >> 8), (uint8_t)a->options };
	uint8_t dkek[DKEK_REC_LEN] = { (uint8_t)a->dkek_mode, a->dkek_total,
				       a->dkek_imported };
	uint8_t pka[2] = { a->pka_n, a->pka_m };
	size_t i;

	tlvb_put(b, T_CHR, a->chr, strlen(a->chr));
	put_pkey(b, T_DEVKEY, a->devkey, true);
	tlvb_put(b, T_FLAGS, flags, 2);
	tlvb_put(b, T_OPTIONS, opts, 2);
	put_pin(b, T_PIN, &a->pin);
	put_pin(b, T_SO, &a->so);
	memcpy(dkek + 3, a->dkek, 32);
	tlvb_put(b, T_DKEK, dkek, sizeof(dkek));
	OPENSSL_cleanse(dkek, sizeof(dkek));
	tlvb_put(b, T_PKA, pka, 2);
	for (i = 1; i < 256; i++)
		if (a->keys[i])
			put_key(b, (unsigned int)i, a->keys[i]);
	for (i = 0; i < a->nfiles; i++) {
		size_t mark = tlvb_open(b, T_FILE);
		uint8_t fid[2] = { (uint8_t)(a->files[i].fid >> 8),
				   (uint8_t)a->files[i].fid };

		tlvb_put(b, T_ID, fid, 2);
		tlvb_put(b, T_DATA, a->files[i].data, a->files[i].len);
		tlvb_close(b, mark);
	}
	for (i = 0; i < PKA_MAX_KEYS; i++)
		if (a->pka[i])
			put_pubkey(b, T_PKA_SLOT, (int)i, a->pka[i]);
	for (i = 0; i < KNOWN_KEYS_MAX; i++)
		if (a->known[i])
			put_pubkey(b, T_KNOWN, -1, a->known[i]);
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fsync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, r = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
	if (fd < 0 || fsync(fd))
		r = -errno;
	if (fd >= 0)
		close(fd);
	free(copy);
	return r;
}

int store_save(struct applet *a)
{
	struct tlvb payload, file;
	uint8_t hdr[STORE_HDR_LEN], digest[32];
	char *tmp = NULL;
	int fd = -1, r;

	tlvb_init(&payload);
	tlvb_init(&file);
	store_encode(a, &payload);
	r = payload.err;
	if (r)
		goto out;
	memcpy(hdr, STORE_MAGIC, 8);
	hdr[8] = 0;
	hdr[9] = STORE_VERSION;
	hdr[10] = (uint8_t)(payload.len >> 24);
	hdr[11] = (uint8_t)(payload.len >> 16);
	hdr[12] = (uint8_t)(payload.len >> 8);
	hdr[13] = (uint8_t)payload.len;
	tlvb_raw(&file, hdr, sizeof(hdr));
	tlvb_raw(&file, payload.p, payload.len);
	r = file.err;
	if (r)
		goto out;
	EVP_Digest(file.p, file.len, digest, NULL, EVP_sha256(), NULL);
	tlvb_raw(&file, digest, sizeof(digest));
	r = -ENOMEM;
	tmp = malloc(strlen(a->state_path) + sizeof(".XXXXXX"));
	if (file.err || !tmp)
		goto out;
	sprintf(tmp, "%s.XXXXXX", a->state_path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	r = write_all(fd, file.p, file.len);
	if (!r && fsync(fd))
		r = -errno;
	if (close(fd) && !r)
		r = -errno;
	fd = -1;
	if (!r && rename(tmp, a->state_path))
		r = -errno;
	if (!r)
		r = fsync_dir(a->state_path);
out:
	if (r) {
		fprintf(stderr, "schsm-emu: cannot write state %s: %s\n",
			a->state_path, strerror(-r));
		if (tmp)
			unlink(tmp);
	}
	free(tmp);
	tlvb_free(&payload);
	tlvb_free(&file);
	return r;
}

/* --- reading ------------------------------------------------------------ */

static EVP_PKEY *get_pkey(const struct tlv *t, bool priv)
{
	const unsigned char *p = t->val;
	EVP_PKEY *k = priv ? d2i_AutoPrivateKey(NULL, &p, (long)t->len)
			   : d2i_PUBKEY(NULL, &p, (long)t->len);

	if (k && p != t->val + t->len) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	return k;
}

static int get_pin(const struct tlv *t, struct user_pin *p)
{
	if (t->len != PIN_REC_LEN || t->val[0] > 1)
		return -1;
	p->set = t->val[0];
	memcpy(p->salt, t->val + 1, 16);
	memcpy(p->hash, t->val + 17, 32);
	p->len = t->val[49];
	p->max_tries = t->val[50];
	p->tries_left = t->val[51];
	if (p->tries_left > p->max_tries || p->max_tries > 15)
		return -1;
	return 0;
}

static int get_key(struct applet *a, const struct tlv *t)
{
	struct tlv id, der, x;
	struct emu_key *k;

	if (tlv_check_seq(t->val, t->len) ||
	    tlv_find(t->val, t->len, T_ID, &id) || id.len != 1 || id.val[0] == 0 ||
	    a->keys[id.val[0]] || tlv_find(t->val, t->len, T_DATA, &der))
		return -1;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -1;
	a->keys[id.val[0]] = k;
	k->pkey = get_pkey(&der, true);
	if (!k->pkey)
		return -1;
	if (!tlv_find(t->val, t->len, T_COUNTER, &x)) {
		if (x.len != 4)
			return -1;
		k->has_counter = true;
		k->counter = (uint32_t)x.val[0] << 24 | (uint32_t)x.val[1] << 16 |
			     (uint32_t)x.val[2] << 8 | x.val[3];
	}
	if (!tlv_find(t->val, t->len, T_ALGOS, &x)) {
		if (x.len > sizeof(k->algos))
			return -1;
		memcpy(k->algos, x.val, x.len);
		k->algos_len = x.len;
	}
	if (tlv_find(t->val, t->len, T_DOMAIN, &x) || x.len != 1)
		return -1;
	k->domain = x.val[0];
	return 0;
}

static int get_file(struct applet *a, const struct tlv *t)
{
	struct tlv id, data;
	uint16_t fid;

	if (tlv_check_seq(t->val, t->len) ||
	    tlv_find(t->val, t->len, T_ID, &id) || id.len != 2 ||
	    tlv_find(t->val, t->len, T_DATA, &data) || data.len > EF_MAX_SIZE)
		return -1;
	fid = (uint16_t)(id.val[0] << 8 | id.val[1]);
	if (files_find(a, fid))
		return -1;
	return files_put(a, fid, data.val, data.len);
}

static struct emu_pubkey *get_pubkey(const struct tlv *t)
{
	struct emu_pubkey *k;
	struct tlv name, oid, der;

	if (tlv_check_seq(t->val, t->len) ||
	    tlv_find(t->val, t->len, T_NAME, &name) || name.len == 0 ||
	    name.len > CHR_MAX || tlv_find(t->val, t->len, T_OID, &oid) ||
	    oid.len != sizeof(k->oid) || tlv_find(t->val, t->len, T_DATA, &der))
		return NULL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	memcpy(k->chr, name.val, name.len);
	memcpy(k->oid, oid.val, oid.len);
	k->pkey = get_pkey(&der, false);
	if (!k->pkey) {
		free(k);
		return NULL;
	}
	return k;
}

static int get_pka_slot(struct applet *a, const struct tlv *t)
{
	struct tlv id;
	struct emu_pubkey *k;

	if (tlv_check_seq(t->val, t->len) ||
	    tlv_find(t->val, t->len, T_ID, &id) || id.len != 1 ||
	    id.val[0] >= PKA_MAX_KEYS || a->pka[id.val[0]])
		return -1;
	k = get_pubkey(t);
	if (!k)
		return -1;
	a->pka[id.val[0]] = k;
	return 0;
}

static int get_known(struct applet *a, const struct tlv *t, size_t *n)
{
	if (*n >= KNOWN_KEYS_MAX)
		return -1;
	a->known[*n] = get_pubkey(t);
	return a->known[(*n)++] ? 0 : -1;
}

/* One top-level element; seen[] catches duplicates of the singletons. */
static int store_element(struct applet *a, const struct tlv *t, bool *seen,
			 size_t *nknown)
{
	switch (t->tag) {
	case T_KEY:
		return get_key(a, t);
	case T_FILE:
		return get_file(a, t);
	case T_PKA_SLOT:
		return get_pka_slot(a, t);
	case T_KNOWN:
		return get_known(a, t, nknown);
	}
	if (t->tag < T_CHR || t->tag > T_PKA || seen[t->tag - T_CHR])
		return -1;
	seen[t->tag - T_CHR] = true;
	switch (t->tag) {
	case T_CHR:
		if (t->len < 8 || t->len > CHR_MAX)
			return -1;
		memcpy(a->chr, t->val, t->len);
		a->chr[t->len] = 0;
		snprintf(a->serial, sizeof(a->serial), "%.*s", (int)t->len - 5, a->chr);
		return 0;
	case T_DEVKEY:
		a->devkey = get_pkey(t, true);
		return a->devkey && EVP_PKEY_is_a(a->devkey, "EC") ? 0 : -1;
	case T_FLAGS:
		if (t->len != 2 || t->val[0] > 1 || t->val[1] > 1)
			return -1;
		a->initialized = t->val[0];
		a->transport_pin = t->val[1];
		return 0;
	case T_OPTIONS:
		if (t->len != 2)
			return -1;
		a->options = (uint16_t)(t->val[0] << 8 | t->val[1]);
		return 0;
	case T_PIN:
		return get_pin(t, &a->pin);
	case T_SO:
		return get_pin(t, &a->so);
	case T_DKEK:
		if (t->len != DKEK_REC_LEN || t->val[0] > DKEK_SHARES ||
		    t->val[2] > t->val[1])
			return -1;
		a->dkek_mode = (enum dkek_mode)t->val[0];
		a->dkek_total = t->val[1];
		a->dkek_imported = t->val[2];
		memcpy(a->dkek, t->val + 3, 32);
		return 0;
	case T_PKA:
		if (t->len != 2 || t->val[0] > PKA_MAX_KEYS || t->val[1] > t->val[0])
			return -1;
		a->pka_n = t->val[0];
		a->pka_m = t->val[1];
		return 0;
	}
	return -1;
}

static int store_decode(struct applet *a, const uint8_t *p, size_t len)
{
	bool seen[T_PKA - T_CHR + 1] = { false };
	size_t pos = 0, nknown = 0, i;
	struct tlv t;

	while (pos < len) {
		if (tlv_parse(p + pos, len - pos, &t) ||
		    store_element(a, &t, seen, &nknown))
			return -1;
		pos += t.raw_len;
	}
	for (i = 0; i < sizeof(seen); i++)
		if (!seen[i])
			return -1;
	if (!files_find(a, FID_DEVICE_CERTS))
		return -1;
	for (i = a->pka_n; i < PKA_MAX_KEYS; i++)
		if (a->pka[i])
			return -1;
	return 0;
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	struct stat st;

	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) || st.st_size < STORE_HDR_LEN + 32 ||
	    (size_t)st.st_size > STORE_MAX_FILE) {
		fclose(f);
		errno = EBADMSG;
		return NULL;
	}
	*len = (size_t)st.st_size;
	buf = malloc(*len);
	if (buf && fread(buf, 1, *len, f) != *len) {
		free(buf);
		buf = NULL;
		errno = EIO;
	}
	fclose(f);
	return buf;
}

int store_load(struct applet *a)
{
	uint8_t digest[32];
	const char *why = NULL;
	size_t len = 0, plen;
	uint8_t *buf;

	buf = read_file(a->state_path, &len);
	if (!buf) {
		if (errno == ENOENT)
			return -ENOENT;
		fprintf(stderr, "schsm-emu: cannot read state %s: %s\n",
			a->state_path, errno == EBADMSG ? "bad size" : strerror(errno));
		return -EIO;
	}
	plen = (size_t)buf[10] << 24 | (size_t)buf[11] << 16 |
	       (size_t)buf[12] << 8 | buf[13];
	EVP_Digest(buf, len - 32, digest, NULL, EVP_sha256(), NULL);
	if (memcmp(buf, STORE_MAGIC, 8))
		why = "not a schsm-emu state file";
	else if (buf[8] != 0 || buf[9] != STORE_VERSION)
		why = "unsupported state file version";
	else if (plen != len - STORE_HDR_LEN - 32)
		why = "truncated or over-long";
	else if (memcmp(digest, buf + len - 32, 32))
		why = "checksum mismatch";
	else if (store_decode(a, buf + STORE_HDR_LEN, plen))
		why = "malformed content";
	OPENSSL_cleanse(buf, len);
	free(buf);
	if (why) {
		fprintf(stderr, "schsm-emu: refusing state file %s: %s "
			"(delete it for a factory-fresh token)\n", a->state_path, why);
		return -EBADMSG;
	}
	return 0;
}
