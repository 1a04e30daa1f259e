// SPDX-License-Identifier: GPL-2.0
/*
 * schsm card layer: the SmartCard-HSM session the driver owns and the card
 * operations behind the semantic ioctls, the keyring subtype and unseal.
 *
 * Session: the applet is SELECTed once per power cycle in
 * schsm_card_open_session(); only SCHSM_IOC_LOGOUT SELECTs again, because
 * a SELECT wipes PIN and public key authentication state on the card.
 *
 * Locking: everything here runs with the chip's operations held
 * (schsm_try_get_ops(): ops_sem read, then the chip I/O mutex), which also
 * protects struct schsm_card and the state below.  Lock order for the
 * module: ops_sem -> chip I/O mutex -> (no card layer locks).  Multi-APDU
 * operations are single calls under one hold, so nothing interleaves.
 */
#define pr_fmt(fmt) "schsm: " fmt

#include <linux/bitmap.h>
#include <linux/device.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "include/uapi/linux/schsm.h"
#include "schsm.h"
#include "apdu.h"
#include "card_priv.h"
#include "tlv.h"

static const u8 schsm_aid[] = { 0xe8, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x81,
				0xc3, 0x1f, 0x02, 0x01 };

static struct schsm_card_state *card_state(struct schsm_chip *chip)
{
	return schsm_chip_card(chip)->priv;
}

/* ---- APDU encoding and exchange --------------------------------------- */

/*
 * ISO 7816-4 command APDU into buf.  le = 0: no Le field; otherwise the
 * number of response bytes expected (1..65536).  Extended form when the
 * data or the expected answer does not fit the short form.  Returns the
 * length, or 0 if the APDU cannot be encoded into cap bytes.
 */
size_t schsm_card_apdu_encode(u8 *buf, size_t cap, const struct schsm_cmd *c)
{
	bool ext = c->lc > 255 || c->le > 256;
	size_t need = 4;

	if (c->lc > 65535 || c->le > 65536)
		return 0;
	if (ext)
		need += 1 + (c->lc ? 2 : 0) + c->lc + (c->le ? 2 : 0);
	else
		need += (c->lc ? 1 : 0) + c->lc + (c->le ? 1 : 0);
	if (need > cap)
		return 0;
	buf[0] = c->cla;
	buf[1] = c->ins;
	buf[2] = c->p1;
	buf[3] = c->p2;
	need = 4;
	if (ext)
		buf[need++] = 0;
	if (c->lc) {
		if (ext) {
			buf[need++] = c->lc >> 8;
			buf[need++] = c->lc & 0xff;
		} else {
			buf[need++] = c->lc;
		}
		memcpy(buf + need, c->data, c->lc);
		need += c->lc;
	}
	if (c->le) {
		if (ext) {
			buf[need++] = (c->le >> 8) & 0xff;	/* 65536 -> 00 00 */
			buf[need++] = c->le & 0xff;
		} else {
			buf[need++] = c->le & 0xff;		/* 256 -> 00 */
		}
	}
	return need;
}

/*
 * Response chaining (ISO 7816-4 5.3.3): a reader that cannot carry a long
 * answer gets its Le lowered by the transport, and the card then answers
 * with what fits and SW 61xx, xx being the bytes still available (00: 256
 * or more).  GET RESPONSE fetches the rest, appended after the data already
 * in rsp[0..*len).  Every round must bring data and stay within the room
 * left; a card that keeps saying 61xx runs out of room (-EMSGSIZE) or
 * rounds (-EPROTO).  The caller's cap bounds the total.
 */
#define SCHSM_GET_RESPONSE_MAX_ROUNDS	(65536 / 256 + 4)

static int card_get_response(struct schsm_chip *chip, u8 *rsp, size_t cap,
			     size_t *len, u16 *sw)
{
	unsigned int rounds = 0;
	size_t room, want, got;
	u8 cmd[5] = { 0x00, 0xc0, 0x00, 0x00, 0x00 };
	int ret;

	while ((*sw >> 8) == 0x61) {
		if (++rounds > SCHSM_GET_RESPONSE_MAX_ROUNDS)
			return -EPROTO;
		room = cap - *len;
		if (!room)
			return -EMSGSIZE;
		want = min_t(size_t, (*sw & 0xff) ?: 256, room);
		cmd[4] = want & 0xff;	/* 256 -> 00 */
		ret = schsm_transceive(chip, cmd, sizeof(cmd), rsp + *len,
				       want + 2, &got, 0);
		if (ret)
			return ret;
		if (got < 2 || got > want + 2)
			return -EPROTO;
		got -= 2;
		*sw = schsm_apdu_sw(rsp + *len, got + 2);
		/* the data promised is not there */
		if (*sw != SCHSM_SW_OK && (*sw >> 8) != 0x61 &&
		    (*sw >> 8) != 0x62)
			return -EPROTO;
		if (!got)
			return -EPROTO;
		*len += got;
	}
	return 0;
}

/*
 * One exchange.  Response data goes to out[0..*out_len) (at most cap bytes),
 * the status word to *sw.  Command and bounce buffer may carry PINs, shares
 * or plaintext: both are wiped.  An answer in pieces (61xx) is put together
 * here; a caller that wants no data gets 61xx as success and the card drops
 * the rest with the next command.
 */
int schsm_card_xfer(struct schsm_chip *chip, const struct schsm_cmd *c,
		    u8 *out, size_t cap, size_t *out_len, u16 *sw)
{
	size_t cmd_cap = c->lc + 9, rsp_cap, cmd_len, rsp_len = 0;
	u8 *cmd, *rsp;
	u32 max_cmd;
	int ret;

	if (cap > SCHSM_MAX_APDU)
		return -EINVAL;
	rsp_cap = cap + 2;
	cmd = kvmalloc(cmd_cap + rsp_cap, GFP_KERNEL);
	if (!cmd)
		return -ENOMEM;
	rsp = cmd + cmd_cap;
	cmd_len = schsm_card_apdu_encode(cmd, cmd_cap, c);
	if (!cmd_len) {
		ret = -EINVAL;
		goto out_free;
	}
	/* larger than the reader takes: the caller's input is too big */
	max_cmd = schsm_chip_card(chip)->max_command;
	if (max_cmd && cmd_len > max_cmd) {
		ret = -E2BIG;
		goto out_free;
	}
	ret = schsm_transceive(chip, cmd, cmd_len, rsp, rsp_cap, &rsp_len,
			       c->timeout_ms);
	if (ret)
		goto out_free;
	if (rsp_len < 2 || rsp_len > rsp_cap) {
		ret = -EPROTO;
		goto out_free;
	}
	rsp_len -= 2;
	*sw = schsm_apdu_sw(rsp, rsp_len + 2);
	if (!out_len) {
		/* data not wanted, only the status word */
		if ((*sw >> 8) == 0x61)
			*sw = SCHSM_SW_OK;
		goto out_free;
	}
	ret = card_get_response(chip, rsp, cap, &rsp_len, sw);
	if (ret)
		goto out_free;
	if (rsp_len)
		memcpy(out, rsp, rsp_len);
	*out_len = rsp_len;
out_free:
	kvfree_sensitive(cmd, cmd_cap + rsp_cap);
	return ret;
}

/* short helper for commands whose answer is only a status word */
static int card_cmd_sw(struct schsm_chip *chip, u8 cla, u8 ins, u8 p1, u8 p2,
		       const u8 *data, size_t lc, u16 *sw)
{
	struct schsm_cmd c = { .cla = cla, .ins = ins, .p1 = p1, .p2 = p2,
			       .data = data, .lc = lc };

	/* room for (and discard) data a card may volunteer */
	return schsm_card_xfer(chip, &c, NULL, 256, NULL, sw);
}

/* ---- session ---------------------------------------------------------- */

size_t schsm_card_read_chunk(struct schsm_chip *chip)
{
	u32 r = schsm_chip_card(chip)->max_response;

	/* short Le (256 + SW) fits every reader, QEMU's 374-byte one too */
	if (r < 258)
		return 256;
	return min_t(size_t, r - 2, 65536);
}

size_t schsm_card_max_command(struct schsm_chip *chip)
{
	u32 m = schsm_chip_card(chip)->max_command;

	return m ? clamp_t(size_t, m, 64, SCHSM_MAX_APDU) : 1014;
}

static void state_forget_keys(struct schsm_card_state *st)
{
	unsigned int i;

	st->keys_valid = false;
	bitmap_zero(st->keys, 256);
	for (i = 0; i < ARRAY_SIZE(st->pub); i++) {
		kfree(st->pub[i]);
		st->pub[i] = NULL;
		st->pub_len[i] = 0;
	}
}

/* the card forgot every login: mirror that */
void schsm_card_forget_login(struct schsm_chip *chip)
{
	struct schsm_card_state *st = card_state(chip);

	if (!st)
		return;
	st->pin_verified = false;
	st->challenge_pending = false;
	st->pka_authenticated = 0;
}

void schsm_card_invalidate_keys(struct schsm_chip *chip)
{
	struct schsm_card_state *st = card_state(chip);

	if (st)
		state_forget_keys(st);
}

/* FCP of the applet: 62 L { ... 85 L prop ... } */
static int parse_fcp(struct schsm_card *card, const u8 *fcp, size_t len)
{
	struct schsm_tlv t, p;
	size_t n;

	if (schsm_tlv_find(fcp, len, 0x62, &t) ||
	    schsm_tlv_find(t.val, t.len, 0x85, &p) || p.len < 2)
		return -ENXIO;
	n = p.len;
	card->applet_major = p.val[n - 2];
	card->applet_minor = p.val[n - 1];
	card->applet_type = n >= 3 ? p.val[n - 3] : 0;
	card->options = n >= 5 ? (p.val[n - 5] << 8) | p.val[n - 4] : 0;
	return 0;
}

static int card_select(struct schsm_chip *chip)
{
	struct schsm_card *card = schsm_chip_card(chip);
	struct schsm_cmd c = { .ins = 0xa4, .p1 = 0x04, .p2 = 0x04,
			       .data = schsm_aid, .lc = sizeof(schsm_aid),
			       .le = 256 };
	u8 *fcp;
	size_t len;
	u16 sw;
	int ret;

	card->selected = false;
	schsm_card_forget_login(chip);
	fcp = kmalloc(256, GFP_KERNEL);
	if (!fcp)
		return -ENOMEM;
	ret = schsm_card_xfer(chip, &c, fcp, 256, &len, &sw);
	if (!ret && sw != SCHSM_SW_OK)
		ret = -ENXIO;
	if (!ret)
		ret = parse_fcp(card, fcp, len);
	kfree(fcp);
	if (ret == -ENXIO)
		dev_info_ratelimited(schsm_chip_dev(chip),
				     "no SmartCard-HSM applet on the card\n");
	if (!ret)
		card->selected = true;
	return ret;
}

/* EF 2F02: device CVC first; its CHR names the device */
static void card_read_device_chr(struct schsm_chip *chip)
{
	struct schsm_card *card = schsm_chip_card(chip);
	static const u32 path[] = { 0x7f21, 0x7f4e, 0x5f20 };
	struct schsm_tlv chr;
	u8 *buf = NULL;
	size_t len;
	u16 sw;

	card->device_chr[0] = 0;
	card->serial[0] = 0;
	if (schsm_card_read_file(chip, 0x2f02, 0, &buf, &len, &sw) ||
	    sw != SCHSM_SW_OK)
		goto out;
	if (schsm_tlv_path(buf, len, path, ARRAY_SIZE(path), &chr) ||
	    !chr.len || chr.len > SCHSM_CHR_MAX ||
	    !schsm_printable(chr.val, chr.len))
		goto out;
	memcpy(card->device_chr, chr.val, chr.len);
	card->device_chr[chr.len] = 0;
	/* as OpenSC: the serial is the CHR minus its 5-digit sequence */
	if (chr.len >= 8) {
		memcpy(card->serial, chr.val, chr.len - 5);
		card->serial[chr.len - 5] = 0;
	}
out:
	if (!card->device_chr[0])
		dev_warn_ratelimited(schsm_chip_dev(chip),
				     "device certificate (EF 2F02) unreadable\n");
	kvfree(buf);
}

bool schsm_printable(const u8 *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

int schsm_card_init(struct schsm_chip *chip)
{
	struct schsm_card *card = schsm_chip_card(chip);
	struct schsm_card_state *st;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	memset(card, 0, sizeof(*card));
	card->priv = st;
	return 0;
}

void schsm_card_destroy(struct schsm_chip *chip)
{
	struct schsm_card *card = schsm_chip_card(chip);
	struct schsm_card_state *st = card->priv;

	if (!st)
		return;
	state_forget_keys(st);
	kfree_sensitive(st);
	card->priv = NULL;
}

int schsm_card_open_session(struct schsm_chip *chip)
{
	int ret;

	if (!card_state(chip))
		return -ENOMEM;
	schsm_card_invalidate_keys(chip);
	ret = card_select(chip);
	if (ret)
		return ret;
	card_read_device_chr(chip);
	return 0;
}

void schsm_card_drop_session(struct schsm_chip *chip)
{
	schsm_chip_card(chip)->selected = false;
	schsm_card_forget_login(chip);
	schsm_card_invalidate_keys(chip);
}

bool schsm_card_ready(struct schsm_chip *chip)
{
	return card_state(chip) && schsm_chip_card(chip)->selected;
}

/* SCHSM_IOC_LOGOUT: the user's explicit request; SELECT wipes the login */
int schsm_card_logout(struct schsm_chip *chip)
{
	return card_select(chip);
}

/* ---- files ------------------------------------------------------------ */

#define SCHSM_FILE_MAX	65536

/*
 * READ BINARY (odd INS, offset in tag 54) in reader-sized chunks until the
 * card reports the end.  *out is kvmalloc'd (free with kvfree_sensitive);
 * on a card refusal *sw says why and *out is NULL.
 */
int schsm_card_read_file(struct schsm_chip *chip, u16 fid, u32 offset,
			 u8 **out, size_t *out_len, u16 *sw)
{
	size_t chunk = schsm_card_read_chunk(chip), total = 0, n;
	u32 off = offset;
	u8 hdr[4], *buf;
	int ret;

	*out = NULL;
	*out_len = 0;
	if (offset > 0xffff)
		return -EINVAL;
	buf = kvmalloc(SCHSM_FILE_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		struct schsm_cmd c = { .ins = 0xb1, .p1 = fid >> 8,
				       .p2 = fid & 0xff, .data = hdr,
				       .lc = sizeof(hdr) };
		size_t want = min(chunk, (size_t)SCHSM_FILE_MAX - total);

		if (!want || off > 0xffff)
			break;
		hdr[0] = 0x54;
		hdr[1] = 2;
		hdr[2] = off >> 8;
		hdr[3] = off & 0xff;
		c.le = want;
		ret = schsm_card_xfer(chip, &c, buf + total, want, &n, sw);
		if (ret)
			goto err;
		if (*sw != SCHSM_SW_OK && *sw != 0x6282) {
			/* reading exactly at the end of the file */
			if (total && (*sw == 0x6b00 || *sw == 0x6a86 ||
				      *sw == 0x6282)) {
				*sw = SCHSM_SW_OK;
				break;
			}
			kvfree_sensitive(buf, SCHSM_FILE_MAX);
			return 0;
		}
		total += n;
		off += n;
		if (*sw == 0x6282 || n < want)
			break;
	}
	*sw = SCHSM_SW_OK;
	*out = buf;
	*out_len = total;
	return 0;
err:
	kvfree_sensitive(buf, SCHSM_FILE_MAX);
	return ret;
}

/* UPDATE BINARY (odd INS): 54 02 offset, 53 L data; chunked to the reader */
int schsm_card_write_file(struct schsm_chip *chip, u16 fid, u32 offset,
			  const u8 *data, size_t len, u16 *sw)
{
	size_t max = schsm_card_max_command(chip) - 16, done = 0, n, l;
	u8 *cmd;
	int ret = 0;

	if (offset > 0xffff || len > SCHSM_FILE_MAX - offset)
		return -EINVAL;
	cmd = kmalloc(max + 8, GFP_KERNEL);
	if (!cmd)
		return -ENOMEM;
	do {
		u32 off = offset + done;

		n = min(len - done, max);
		l = 0;
		cmd[l++] = 0x54;
		cmd[l++] = 2;
		cmd[l++] = off >> 8;
		cmd[l++] = off & 0xff;
		cmd[l++] = 0x53;
		if (n > 255) {
			cmd[l++] = 0x82;
			cmd[l++] = n >> 8;
		} else if (n > 127) {
			cmd[l++] = 0x81;
		}
		cmd[l++] = n & 0xff;
		memcpy(cmd + l, data + done, n);
		ret = card_cmd_sw(chip, 0x00, 0xd7, fid >> 8, fid & 0xff,
				  cmd, l + n, sw);
		if (ret || *sw != SCHSM_SW_OK)
			break;
		done += n;
	} while (done < len);
	kfree_sensitive(cmd);
	return ret;
}

int schsm_card_delete_file(struct schsm_chip *chip, u16 fid, u16 *sw)
{
	u8 f[2] = { fid >> 8, fid & 0xff };
	int ret;

	ret = card_cmd_sw(chip, 0x00, 0xe4, 0x02, 0x00, f, sizeof(f), sw);
	if (!ret && *sw == SCHSM_SW_OK &&
	    ((fid >> 8) == 0xcc || (fid >> 8) == 0xce))
		schsm_card_invalidate_keys(chip);
	return ret;
}

/* ENUMERATE OBJECTS: kvmalloc'd list of big-endian FIDs */
int schsm_card_enum(struct schsm_chip *chip, u8 **out, size_t *out_len,
		    u16 *sw)
{
	size_t cap = schsm_card_read_chunk(chip) > 256 ? 65536 : 256;
	struct schsm_cmd c = { .cla = 0x80, .ins = 0x58, .le = cap };
	int ret;

	*out = kvmalloc(cap, GFP_KERNEL);
	if (!*out)
		return -ENOMEM;
	ret = schsm_card_xfer(chip, &c, *out, cap, out_len, sw);
	if (!ret && *sw == SCHSM_SW_OK && (*out_len & 1))
		ret = -EPROTO;
	if (ret || *sw != SCHSM_SW_OK) {
		kvfree(*out);
		*out = NULL;
		*out_len = 0;
		return ret;
	}
	return 0;
}

static void keys_from_fids(struct schsm_card_state *st, const u8 *f, size_t len)
{
	size_t i;

	bitmap_zero(st->keys, 256);
	for (i = 0; i + 1 < len; i += 2)
		if (f[i] == 0xcc && f[i + 1] != 0)
			set_bit(f[i + 1], st->keys);
	st->keys_valid = true;
}

/* the cached key list, refreshed with ENUMERATE OBJECTS when invalid */
int schsm_card_key_list(struct schsm_chip *chip, unsigned long **keys, u16 *sw)
{
	struct schsm_card_state *st = card_state(chip);
	size_t len;
	u8 *fids;
	int ret;

	*sw = SCHSM_SW_OK;
	if (!st->keys_valid) {
		ret = schsm_card_enum(chip, &fids, &len, sw);
		if (ret || *sw != SCHSM_SW_OK)
			return ret;
		keys_from_fids(st, fids, len);
		kvfree(fids);
	}
	*keys = st->keys;
	return 0;
}

void schsm_card_note_fids(struct schsm_chip *chip, const u8 *f, size_t len)
{
	keys_from_fids(card_state(chip), f, len);
}

/* ---- public keys ------------------------------------------------------ */

int schsm_card_read_pubkey(struct schsm_chip *chip, u8 key_id, u8 **buf,
			   struct schsm_pubkey_ref *pk)
{
	struct schsm_card_state *st = card_state(chip);
	size_t len;
	u8 *data;
	u16 sw;
	int ret;

	if (!key_id)
		return -ENOENT;
	if (!st->pub[key_id]) {
		ret = schsm_card_read_file(chip, 0xce00 | key_id, 0, &data,
					   &len, &sw);
		if (ret)
			return ret;
		if (sw != SCHSM_SW_OK)
			return sw == 0x6982 ? -EACCES : -ENOENT;
		st->pub[key_id] = kmemdup(data, len, GFP_KERNEL);
		kvfree(data);
		if (!st->pub[key_id])
			return -ENOMEM;
		st->pub_len[key_id] = len;
	}
	*buf = kmemdup(st->pub[key_id], st->pub_len[key_id], GFP_KERNEL);
	if (!*buf)
		return -ENOMEM;
	ret = schsm_tlv_pubkey(*buf, st->pub_len[key_id], pk);
	if (ret) {
		kfree(*buf);
		*buf = NULL;
		return -ENOKEY;
	}
	return 0;
}

/* ---- PIN and status ---------------------------------------------------- */

static void pin_state_from_sw(u16 sw, u8 *state, u8 *tries)
{
	*tries = 0xff;
	if (sw == SCHSM_SW_OK) {
		*state = SCHSM_PIN_VERIFIED;
	} else if ((sw & 0xfff0) == 0x63c0) {
		*state = SCHSM_PIN_NOT_VERIFIED;
		*tries = sw & 0x0f;
	} else if (sw == 0x6983) {
		*state = SCHSM_PIN_BLOCKED;
		*tries = 0;
	} else if (sw == 0x6984) {
		*state = SCHSM_PIN_TRANSPORT;
	} else if (sw == 0x6a88) {
		*state = SCHSM_PIN_NOT_SET;
	} else {
		*state = SCHSM_PIN_UNKNOWN;
	}
}

u8 schsm_tries_from_sw(u16 sw)
{
	if ((sw & 0xfff0) == 0x63c0)
		return sw & 0x0f;
	return sw == 0x6983 ? 0 : 0xff;
}

/* PKA status (80 54 00 00): total missing required authenticated */
static int card_pka_status(struct schsm_chip *chip, u8 st4[4], u16 *sw)
{
	struct schsm_cmd c = { .cla = 0x80, .ins = 0x54, .le = 256 };
	u8 r[256];
	size_t n;
	int ret;

	ret = schsm_card_xfer(chip, &c, r, sizeof(r), &n, sw);
	if (ret)
		return ret;
	if (*sw == SCHSM_SW_OK && n < 4)
		return -EPROTO;
	if (*sw == SCHSM_SW_OK) {
		memcpy(st4, r, 4);
		card_state(chip)->pka_authenticated = r[3];
	}
	return 0;
}

/* DKEK status/import (80 52 00 00): total outstanding KCV(8) [...] */
int schsm_card_dkek(struct schsm_chip *chip, const u8 *share, u8 *total,
		    u8 *outstanding, u8 kcv[SCHSM_KCV_LEN], u16 *sw)
{
	struct schsm_cmd c = { .cla = 0x80, .ins = 0x52, .le = 256,
			       .data = share,
			       .lc = share ? SCHSM_DKEK_SHARE_LEN : 0 };
	u8 r[256];
	size_t n;
	int ret;

	ret = schsm_card_xfer(chip, &c, r, sizeof(r), &n, sw);
	if (ret)
		return ret;
	if (*sw != SCHSM_SW_OK)
		return 0;
	if (n < 2 + SCHSM_KCV_LEN)
		return -EPROTO;
	*total = r[0];
	*outstanding = r[1];
	memcpy(kcv, r + 2, SCHSM_KCV_LEN);
	return 0;
}

int schsm_card_status(struct schsm_chip *chip, struct schsm_status *s)
{
	struct schsm_card *card = schsm_chip_card(chip);
	struct schsm_card_state *st = card_state(chip);
	unsigned long *keys;
	u8 pka[4];
	bool pin, pka_ok;
	u16 sw;
	int ret;

	/* VERIFY without data: PIN state only, no try consumed */
	ret = card_cmd_sw(chip, 0x00, 0x20, 0x00, SCHSM_PIN_REF_USER, NULL, 0,
			  &sw);
	if (ret)
		return ret;
	pin_state_from_sw(sw, &s->pin_state, &s->pin_tries_left);
	ret = card_cmd_sw(chip, 0x00, 0x20, 0x00, SCHSM_PIN_REF_SO, NULL, 0,
			  &sw);
	if (ret)
		return ret;
	pin_state_from_sw(sw, &s->so_pin_state, &s->so_pin_tries_left);

	ret = schsm_card_dkek(chip, NULL, &s->dkek_total, &s->dkek_outstanding,
			      s->kcv, &sw);
	if (ret)
		return ret;
	s->dkek_present = sw == SCHSM_SW_OK;

	ret = card_pka_status(chip, pka, &sw);
	if (ret)
		return ret;
	if (sw == SCHSM_SW_OK && pka[0]) {
		s->pka_present = 1;
		s->pka_total = pka[0];
		s->pka_missing = pka[1];
		s->pka_required = pka[2];
		s->pka_authenticated = pka[3];
	}

	ret = schsm_card_key_list(chip, &keys, &sw);
	if (ret)
		return ret;
	s->nkeys = sw == SCHSM_SW_OK ? bitmap_weight(keys, 256) : 0;

	s->options = card->options;
	pin = s->pin_state == SCHSM_PIN_VERIFIED;
	st->pin_verified = pin;
	pka_ok = s->pka_present && s->pka_required &&
		 s->pka_authenticated >= s->pka_required;
	s->login = (pin ? SCHSM_LOGIN_PIN : 0) | (pka_ok ? SCHSM_LOGIN_PKA : 0);
	if (card->options & SCHSM_OPT_COMBINED_AUTH ? pin && pka_ok :
	    pin || pka_ok)
		s->login |= SCHSM_LOGIN_KEYS_USABLE;
	return 0;
}

/* VERIFY (never retried), CHANGE REFERENCE DATA, RESET RETRY COUNTER */
int schsm_card_pin(struct schsm_chip *chip, u8 ins, u8 p1, u8 ref,
		   const u8 *data, size_t len, u16 *sw)
{
	struct schsm_card_state *st = card_state(chip);
	int ret;

	ret = card_cmd_sw(chip, 0x00, ins, p1, ref, data, len, sw);
	if (ret)
		return ret;
	if (ins == 0x20 && ref == SCHSM_PIN_REF_USER)
		st->pin_verified = *sw == SCHSM_SW_OK;
	return 0;
}

/* INITIALIZE DEVICE wipes keys and login on the card: so do we */
int schsm_card_initialize(struct schsm_chip *chip, const u8 *data, size_t len,
			  u16 *sw)
{
	int ret;

	ret = card_cmd_sw(chip, 0x80, 0x50, 0x00, 0x00, data, len, sw);
	schsm_card_forget_login(chip);
	schsm_card_invalidate_keys(chip);
	if (!ret && *sw == SCHSM_SW_OK) {
		/*
		 * options may have changed; the FCP is only in SELECT's answer,
		 * so mirror tag 80 from the command (first TLV, see ioctl)
		 */
		if (len >= 4 && data[0] == 0x80 && data[1] == 2)
			schsm_chip_card(chip)->options = (data[2] << 8) | data[3];
	}
	return ret;
}

/* ---- keys --------------------------------------------------------------- */

/* SIGN (68) and DECIPHER (62) differ only in INS; P2 is the algorithm */
static int card_key_op(struct schsm_chip *chip, u8 ins, u8 key_id, u8 alg,
		       const u8 *in, size_t in_len, u8 *out, size_t cap,
		       size_t *out_len, u16 *sw)
{
	struct schsm_cmd c = { .cla = 0x80, .ins = ins, .p1 = key_id,
			       .p2 = alg, .data = in, .lc = in_len,
			       .le = min_t(size_t, cap, 65536) };

	if (!in_len || !cap)
		return -EINVAL;
	return schsm_card_xfer(chip, &c, out, cap, out_len, sw);
}

int schsm_card_sign(struct schsm_chip *chip, u8 key_id, u8 alg,
		    const u8 *in, size_t in_len, u8 *out, size_t cap,
		    size_t *out_len, u16 *sw)
{
	return card_key_op(chip, 0x68, key_id, alg, in, in_len, out, cap,
			   out_len, sw);
}

int schsm_card_decipher(struct schsm_chip *chip, u8 key_id, u8 alg,
			const u8 *in, size_t in_len, u8 *out, size_t cap,
			size_t *out_len, u16 *sw)
{
	return card_key_op(chip, 0x62, key_id, alg, in, in_len, out, cap,
			   out_len, sw);
}

int schsm_card_sw_to_errno(u16 sw)
{
	switch (sw) {
	case SCHSM_SW_OK:
		return 0;
	case 0x6982:		/* not logged in */
	case 0x6983:		/* PIN blocked */
		return -EACCES;
	case 0x6984:		/* key use counter exhausted (real card) */
	case 0x6a84:		/* same, pico-hsm */
		return -EKEYEXPIRED;
	case 0x6a82:
	case 0x6a88:		/* no such key */
		return -ENOKEY;
	case 0x6a81:		/* operation not allowed for this key */
	case 0x6985:
		return -EKEYREJECTED;
	default:
		return -EIO;
	}
}

int schsm_card_wrap(struct schsm_chip *chip, u8 key_id, u8 *out, size_t cap,
		    size_t *out_len, u16 *sw)
{
	struct schsm_cmd c = { .cla = 0x80, .ins = 0x72, .p1 = key_id,
			       .p2 = SCHSM_ALG_WRAP, .le = 65536 };

	return schsm_card_xfer(chip, &c, out, cap, out_len, sw);
}

int schsm_card_unwrap(struct schsm_chip *chip, u8 key_id, const u8 *blob,
		      size_t len, u16 *sw)
{
	int ret;

	ret = card_cmd_sw(chip, 0x80, 0x74, key_id, SCHSM_ALG_UNWRAP, blob,
			  len, sw);
	if (!ret && *sw == SCHSM_SW_OK)
		schsm_card_invalidate_keys(chip);
	return ret;
}

/* GENERATE ASYMMETRIC KEY PAIR: answer = authenticated CV request (67) */
int schsm_card_keygen(struct schsm_chip *chip, u8 key_id, const u8 *body,
		      size_t len, u8 *out, size_t cap, size_t *out_len,
		      u16 *sw)
{
	struct schsm_cmd c = { .ins = 0x46, .p1 = key_id, .p2 = 0,
			       .data = body, .lc = len, .le = 65536 };
	int ret;

	ret = schsm_card_xfer(chip, &c, out, cap, out_len, sw);
	schsm_card_invalidate_keys(chip);
	return ret;
}

/* ---- public key authentication ----------------------------------------- */

static int card_mse_set(struct schsm_chip *chip, u8 p2, const u8 *ref,
			size_t len, u16 *sw)
{
	u8 d[2 + SCHSM_CHR_MAX];

	if (!len || len > SCHSM_CHR_MAX)
		return -EINVAL;
	d[0] = 0x83;
	d[1] = len;
	memcpy(d + 2, ref, len);
	return card_cmd_sw(chip, 0x00, 0x22, 0x81, p2, d, len + 2, sw);
}

/* a complete CVC 7F21 TLV: its content, CHR (5F20) and CAR (42) */
static int cvc_names(const u8 *cvc, size_t len, struct schsm_tlv *content,
		     struct schsm_tlv *chr, struct schsm_tlv *car)
{
	struct schsm_tlv body;
	size_t pos = 0;

	if (schsm_tlv_next(cvc, len, &pos, content) || pos != len ||
	    content->tag != 0x7f21 ||
	    schsm_tlv_find(content->val, content->len, 0x7f4e, &body) ||
	    schsm_tlv_find(body.val, body.len, 0x5f20, chr) ||
	    schsm_tlv_find(body.val, body.len, 0x42, car) ||
	    !chr->len || chr->len > SCHSM_CHR_MAX ||
	    !car->len || car->len > SCHSM_CHR_MAX)
		return -EINVAL;
	return 0;
}

/* Teach the card a certificate unless it knows its CHR already. */
static int card_learn_cvc(struct schsm_chip *chip, const u8 *cvc, size_t len,
			  u16 *sw)
{
	struct schsm_tlv content, chr, car;
	int ret;

	ret = cvc_names(cvc, len, &content, &chr, &car);
	if (ret)
		return ret;
	ret = card_mse_set(chip, 0xb6, chr.val, chr.len, sw);
	if (ret || *sw == SCHSM_SW_OK)
		return ret;
	if (*sw != 0x6a88)
		return 0;
	ret = card_mse_set(chip, 0xb6, car.val, car.len, sw);
	if (ret || *sw != SCHSM_SW_OK)
		return ret;
	return card_cmd_sw(chip, 0x00, 0x2a, 0x00, 0xbe, content.val,
			   content.len, sw);
}

int schsm_card_pka_register(struct schsm_chip *chip, const u8 *dica,
			    size_t dica_len, const u8 *dev, size_t dev_len,
			    const u8 *req, size_t req_len, u16 *sw, u8 *step)
{
	struct schsm_cmd c = { .cla = 0x80, .ins = 0x54, .le = 256 };
	struct schsm_tlv t, outer_car, s1, s2, s3;
	size_t pos = 0, n;
	u8 r[256];
	int ret;

	/* check everything before the first APDU */
	if (schsm_tlv_next(req, req_len, &pos, &t) || pos != req_len ||
	    t.tag != 0x67 || schsm_tlv_find(t.val, t.len, 0x42, &outer_car) ||
	    !outer_car.len || outer_car.len > SCHSM_CHR_MAX ||
	    cvc_names(dica, dica_len, &s1, &s2, &s3) ||
	    cvc_names(dev, dev_len, &s1, &s2, &s3))
		return -EINVAL;

	*step = 1;
	ret = card_learn_cvc(chip, dica, dica_len, sw);
	if (ret || *sw != SCHSM_SW_OK)
		return ret;
	*step = 2;
	ret = card_learn_cvc(chip, dev, dev_len, sw);
	if (ret || *sw != SCHSM_SW_OK)
		return ret;
	*step = 3;
	ret = card_mse_set(chip, 0xb6, outer_car.val, outer_car.len, sw);
	if (ret || *sw != SCHSM_SW_OK)
		return ret;
	c.data = t.val;
	c.lc = t.len;
	return schsm_card_xfer(chip, &c, r, sizeof(r), &n, sw);
}

/* GET CHALLENGE: also restarts public key authentication on the card */
int schsm_card_pka_challenge(struct schsm_chip *chip, u8 *out, size_t len,
			     size_t *out_len, u16 *sw)
{
	struct schsm_card_state *st = card_state(chip);
	struct schsm_cmd c = { .ins = 0x84, .le = len };
	int ret;

	ret = schsm_card_xfer(chip, &c, out, len, out_len, sw);
	st->pka_authenticated = 0;
	st->challenge_pending = !ret && *sw == SCHSM_SW_OK;
	return ret;
}

/* MSE SET 81 A4 (custodian key) + EXTERNAL AUTHENTICATE, then the count */
int schsm_card_pka_auth(struct schsm_chip *chip, const u8 *chr, size_t chr_len,
			const u8 *sig, size_t sig_len, u16 *sw, u8 *authed,
			u8 *required)
{
	u8 pka[4];
	u16 sw2;
	int ret;

	*authed = 0;
	*required = 0;
	ret = card_mse_set(chip, 0xa4, chr, chr_len, sw);
	if (ret || *sw != SCHSM_SW_OK)
		return ret;
	ret = card_cmd_sw(chip, 0x00, 0x82, 0x00, 0x00, sig, sig_len, sw);
	if (ret)
		return ret;
	ret = card_pka_status(chip, pka, &sw2);
	if (ret)
		return ret;
	if (sw2 == SCHSM_SW_OK) {
		*authed = pka[3];
		*required = pka[2];
	}
	return 0;
}
