/* SPDX-License-Identifier: GPL-2.0 */
/*
 * schsm-emu engine internals: the token state shared by the command files
 * (applet.c dispatch and SELECT, pin.c, files.c, keys.c, dkek.c, pka.c,
 * devid.c identity, store.c persistence).  Front-ends never include this.
 *
 * Persistent state lives in struct applet and is written by store_save()
 * after every change; the fields under "volatile" are lost on reset, like
 * the card's RAM.
 */
#ifndef EMU_EMU_H
#define EMU_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "../../common/tlv.h"
#include "applet.h"

/* Status words */
#define SW_OK			0x9000
#define SW_EOF			0x6282
#define SW_VERIFY_FAILED	0x6300
#define SW_MEMORY_FAILURE	0x6581
#define SW_WRONG_LENGTH		0x6700
#define SW_SM_NOT_SUPPORTED	0x6882
#define SW_CHAINING_NOT_SUPPORTED 0x6884
#define SW_SECURITY_STATUS	0x6982
#define SW_PIN_BLOCKED		0x6983
#define SW_DATA_INVALID		0x6984	/* transport PIN, key use counter expired */
#define SW_CONDITIONS		0x6985
#define SW_NO_CURRENT_EF	0x6986
#define SW_WRONG_DATA		0x6A80
#define SW_FUNC_NOT_SUPPORTED	0x6A81
#define SW_FILE_NOT_FOUND	0x6A82
#define SW_NO_SPACE		0x6A84
#define SW_WRONG_P1P2		0x6A86
#define SW_REF_NOT_FOUND	0x6A88
#define SW_FILE_EXISTS		0x6A89
#define SW_OFFSET		0x6B00
#define SW_INS_NOT_SUPPORTED	0x6D00
#define SW_CLA_NOT_SUPPORTED	0x6E00
#define SW_PIN_TRIES(n)		(0x63C0 | ((n) & 0x0f))

/* Applet identity */
#define APPLET_VERSION_MAJOR	3
#define APPLET_VERSION_MINOR	5

/* INITIALIZE option bits (tag 80, echoed in the FCP) */
#define OPT_RRC			0x0001
#define OPT_TRANSPORT_PIN	0x0002
#define OPT_PKA_REPLACE		0x0008
#define OPT_COMBINED_AUTH	0x0010
#define OPT_RRC_RESET_ONLY	0x0020

#define USER_PIN_MIN		6
#define USER_PIN_MAX		16
#define SO_PIN_LEN		8
#define SO_PIN_TRIES		15

#define EF_MAX_SIZE		32767		/* a JCOP transparent EF */
#define STORE_MAX_BYTES		(256 * 1024)	/* all EFs and keys together */
#define COMMAND_MAX		1232		/* JCOP 3 APDU buffer */
#define CHALLENGE_MAX		1024
#define PKA_MAX_KEYS		90
#define KNOWN_KEYS_MAX		64
#define CHR_MAX			16

/* Fixed file identifiers */
#define FID_DEVICE_CERTS	0x2F02
#define FID_TOKENINFO		0x2F03
#define FID_UNWRAP_STAGING	0x2F10
#define PREFIX_KEY		0xCC
#define PREFIX_PRKD		0xC4
#define PREFIX_CERT		0xCE
#define PREFIX_PRIVATE_DO	0xCD

enum dkek_mode { DKEK_NONE, DKEK_RANDOM, DKEK_SHARES };

struct emu_key {			/* the private key behind FID CCxx */
	EVP_PKEY *pkey;
	bool has_counter;
	uint32_t counter;		/* tag 90: uses left */
	uint8_t algos[16];		/* tag 91: allowed algorithms, empty = any */
	size_t algos_len;
	uint8_t domain;			/* tag 92 */
};

struct emu_file {			/* a transparent EF */
	uint16_t fid;
	uint8_t *data;
	size_t len;
};

struct emu_pubkey {			/* a public key the card knows by CHR */
	char chr[CHR_MAX + 1];
	EVP_PKEY *pkey;
	uint8_t oid[10];		/* its TR-03110 algorithm */
};

struct user_pin {
	bool set;
	uint8_t salt[16];
	uint8_t hash[32];		/* SHA-256(salt ‖ PIN) */
	uint8_t len;
	uint8_t max_tries;
	uint8_t tries_left;
};

struct applet {
	char *state_path;

	/* persistent: device identity (survives INITIALIZE) */
	char chr[CHR_MAX + 1];		/* device CHR */
	char serial[CHR_MAX + 1];	/* CHR minus its last 5 characters */
	EVP_PKEY *devkey;		/* PrK.DevAut, key 0 */

	/* persistent: configuration from INITIALIZE */
	bool initialized;
	uint16_t options;
	bool transport_pin;		/* PIN still the transport PIN */
	struct user_pin pin;
	struct user_pin so;		/* 8-byte initialisation code */
	enum dkek_mode dkek_mode;
	uint8_t dkek_total, dkek_imported;
	uint8_t dkek[32];
	uint8_t pka_n, pka_m;
	struct emu_pubkey *pka[PKA_MAX_KEYS];	/* registered custodian keys */

	/* persistent: objects */
	struct emu_key *keys[256];	/* [0] unused: the device key is devkey */
	struct emu_file *files;
	size_t nfiles;
	struct emu_pubkey *known[KNOWN_KEYS_MAX];	/* learned by PSO */

	/* volatile */
	bool selected;
	bool pin_verified;
	bool pka_authenticated[PKA_MAX_KEYS];
	uint8_t challenge[CHALLENGE_MAX];
	size_t challenge_len;
	bool ef_selected;
	uint16_t current_ef;
	const struct emu_pubkey *mse_verify;	/* MSE SET 81 B6 */
	int mse_pka;				/* MSE SET 81 A4 slot, -1 none */
	bool dirty;
	unsigned int cost_ms;
	/* response chaining (61xx / GET RESPONSE, applet.c): the answer
	 * bytes beyond Ne not yet fetched, and the command's final SW */
	uint8_t *pending;
	size_t pending_len, pending_off;
	uint16_t pending_sw;
};

/* A parsed command APDU. */
struct apdu {
	uint8_t cla, ins, p1, p2;
	const uint8_t *data;
	size_t lc;
	size_t ne;		/* expected response length; max when Le absent */
	bool has_le;
	bool extended;
};

/* Every command handler: returns the SW, appends response data to out. */
typedef uint16_t (*cmd_fn)(struct applet *a, const struct apdu *c,
			   struct tlvb *out);

/* applet.c */
bool applet_user_authenticated(const struct applet *a);
void applet_clear_session(struct applet *a);

/* pin.c */
uint16_t cmd_verify(struct applet *a, const struct apdu *c, struct tlvb *out);
uint16_t cmd_change_pin(struct applet *a, const struct apdu *c, struct tlvb *out);
uint16_t cmd_reset_retry(struct applet *a, const struct apdu *c, struct tlvb *out);
uint16_t cmd_initialize(struct applet *a, const struct apdu *c, struct tlvb *out);

/* files.c */
struct emu_file *files_find(struct applet *a, uint16_t fid);
int files_put(struct applet *a, uint16_t fid, const uint8_t *data, size_t len);
void files_delete(struct applet *a, uint16_t fid);
size_t files_usage(const struct applet *a);
uint16_t cmd_select_ef(struct applet *a, const struct apdu *c, struct tlvb *out);
uint16_t cmd_read_binary(struct applet *a, const struct apdu *c, struct tlvb *out);
uint16_t cmd_update_binary(struct applet *a, const struct apdu *c, struct tlvb *out);
uint16_t cmd_delete_file(struct applet *a, const struct apdu *c, struct tlvb *out);
uint16_t cmd_enumerate(struct applet *a, const struct apdu *c, struct tlvb *out);

/* keys.c */
void key_free(struct emu_key *k);
uint16_t key_use(struct applet *a, struct emu_key *k, uint8_t algo);
uint16_t cmd_generate_key(struct applet *a, const struct apdu *c, struct tlvb *out);
uint16_t cmd_sign(struct applet *a, const struct apdu *c, struct tlvb *out);
uint16_t cmd_decipher(struct applet *a, const struct apdu *c, struct tlvb *out);

/* dkek.c */
uint16_t cmd_dkek(struct applet *a, const struct apdu *c, struct tlvb *out);
uint16_t cmd_wrap(struct applet *a, const struct apdu *c, struct tlvb *out);
uint16_t cmd_unwrap(struct applet *a, const struct apdu *c, struct tlvb *out);

/* pka.c */
void pubkey_free(struct emu_pubkey *k);
uint16_t cmd_get_challenge(struct applet *a, const struct apdu *c, struct tlvb *out);
uint16_t cmd_mse(struct applet *a, const struct apdu *c, struct tlvb *out);
uint16_t cmd_pso_verify(struct applet *a, const struct apdu *c, struct tlvb *out);
uint16_t cmd_manage_pka(struct applet *a, const struct apdu *c, struct tlvb *out);
uint16_t cmd_external_auth(struct applet *a, const struct apdu *c, struct tlvb *out);
bool pka_quorum(const struct applet *a);

/* devid.c: the emulator test PKI (root and DICA shared by every instance) */
int devid_create(struct applet *a);
const struct emu_pubkey *devid_builtin(const char *chr);
void devid_cleanup(void);

/* store.c */
int store_load(struct applet *a);	/* 0, -ENOENT (no file), or error (printed) */
int store_save(struct applet *a);	/* atomic; 0 or -errno */

/* pin helpers shared with store.c */
void pin_set(struct user_pin *p, const uint8_t *pin, size_t len, uint8_t tries);

#endif /* EMU_EMU_H */
