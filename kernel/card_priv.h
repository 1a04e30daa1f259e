/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Card layer internals shared by card.c, card_ioctl.c, keys.c and unseal.c.
 * Every function here is called with the chip's operations held.
 */
#ifndef SCHSM_CARD_PRIV_H
#define SCHSM_CARD_PRIV_H

#include <linux/bitmap.h>
#include <linux/types.h>
#include "include/uapi/linux/schsm.h"
#include "card.h"

/* session state mirrored from the card (schsm_card.priv) */
struct schsm_card_state {
	bool pin_verified;	/* last VERIFY 81 / status probe said 9000 */
	bool challenge_pending;	/* GET CHALLENGE done, PKA in progress */
	u8 pka_authenticated;	/* last count the card reported */
	bool keys_valid;	/* keys[] reflects ENUMERATE OBJECTS */
	DECLARE_BITMAP(keys, 256);	/* CCxx present, xx != 0 */
	u8 *pub[256];		/* cached EF CExx content */
	size_t pub_len[256];
};

/* one command APDU */
struct schsm_cmd {
	u8 cla, ins, p1, p2;
	const u8 *data;
	size_t lc;
	u32 le;			/* 0: none; else expected bytes, 1..65536 */
	unsigned int timeout_ms;	/* 0: transport default for the INS */
};

size_t schsm_card_apdu_encode(u8 *buf, size_t cap, const struct schsm_cmd *c);
int schsm_card_xfer(struct schsm_chip *chip, const struct schsm_cmd *c,
		    u8 *out, size_t cap, size_t *out_len, u16 *sw);
size_t schsm_card_read_chunk(struct schsm_chip *chip);
size_t schsm_card_max_command(struct schsm_chip *chip);
bool schsm_printable(const u8 *s, size_t len);
u8 schsm_tries_from_sw(u16 sw);

void schsm_card_forget_login(struct schsm_chip *chip);
void schsm_card_invalidate_keys(struct schsm_chip *chip);
int schsm_card_logout(struct schsm_chip *chip);

int schsm_card_status(struct schsm_chip *chip, struct schsm_status *s);
int schsm_card_pin(struct schsm_chip *chip, u8 ins, u8 p1, u8 ref,
		   const u8 *data, size_t len, u16 *sw);
int schsm_card_initialize(struct schsm_chip *chip, const u8 *data, size_t len,
			  u16 *sw);
int schsm_card_dkek(struct schsm_chip *chip, const u8 *share, u8 *total,
		    u8 *outstanding, u8 kcv[SCHSM_KCV_LEN], u16 *sw);

int schsm_card_read_file(struct schsm_chip *chip, u16 fid, u32 offset,
			 u8 **out, size_t *out_len, u16 *sw);
int schsm_card_write_file(struct schsm_chip *chip, u16 fid, u32 offset,
			  const u8 *data, size_t len, u16 *sw);
int schsm_card_delete_file(struct schsm_chip *chip, u16 fid, u16 *sw);
int schsm_card_enum(struct schsm_chip *chip, u8 **out, size_t *out_len,
		    u16 *sw);
int schsm_card_key_list(struct schsm_chip *chip, unsigned long **keys,
			u16 *sw);
void schsm_card_note_fids(struct schsm_chip *chip, const u8 *f, size_t len);

int schsm_card_keygen(struct schsm_chip *chip, u8 key_id, const u8 *body,
		      size_t len, u8 *out, size_t cap, size_t *out_len,
		      u16 *sw);
int schsm_card_wrap(struct schsm_chip *chip, u8 key_id, u8 *out, size_t cap,
		    size_t *out_len, u16 *sw);
int schsm_card_unwrap(struct schsm_chip *chip, u8 key_id, const u8 *blob,
		      size_t len, u16 *sw);

int schsm_card_pka_register(struct schsm_chip *chip, const u8 *dica,
			    size_t dica_len, const u8 *dev, size_t dev_len,
			    const u8 *req, size_t req_len, u16 *sw, u8 *step);
int schsm_card_pka_challenge(struct schsm_chip *chip, u8 *out, size_t len,
			     size_t *out_len, u16 *sw);
int schsm_card_pka_auth(struct schsm_chip *chip, const u8 *chr, size_t chr_len,
			const u8 *sig, size_t sig_len, u16 *sw, u8 *authed,
			u8 *required);

/* card_keygen.c */
#define SCHSM_KEYGEN_BODY_MAX	1024
int schsm_chr_field_len(const char *f, size_t size, size_t *len);
int schsm_keygen_check(const struct schsm_keygen *k);
int schsm_keygen_pick_id(struct schsm_chip *chip, u8 *id);
int schsm_keygen_body(struct schsm_chip *chip, const struct schsm_keygen *k,
		      u8 *buf, size_t cap, size_t *len);

#endif /* SCHSM_CARD_PRIV_H */
