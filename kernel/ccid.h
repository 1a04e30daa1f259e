/* SPDX-License-Identifier: GPL-2.0 */
/*
 * USB CCID (Chip/Smart Card Interface Devices, rev. 1.1) messages: the
 * class descriptor, the bulk command/response pairs and the interrupt
 * notifications.  Pure code over byte buffers; the bytes travel through a
 * struct ccid_port whose ops the USB layer provides.
 */
#ifndef SCHSM_CCID_H
#define SCHSM_CCID_H

#include <linux/types.h>

#define CCID_HDR_LEN		10
#define CCID_CLASS_DESC_TYPE	0x21
#define CCID_CLASS_DESC_LEN	54

/* PC_to_RDR and RDR_to_PC message types */
#define CCID_PC_POWER_ON	0x62
#define CCID_PC_POWER_OFF	0x63
#define CCID_PC_GET_SLOT_STATUS	0x65
#define CCID_PC_XFR_BLOCK	0x6f
#define CCID_RDR_DATA_BLOCK	0x80
#define CCID_RDR_SLOT_STATUS	0x81
#define CCID_RDR_NOTIFY_SLOT	0x50
#define CCID_RDR_HW_ERROR	0x51

/* dwFeatures */
#define CCID_FEAT_AUTO_IFSD	0x00000400
#define CCID_FEAT_LEVEL_MASK	0x00070000
#define CCID_FEAT_LEVEL_TPDU	0x00010000
#define CCID_FEAT_LEVEL_SHORT	0x00020000
#define CCID_FEAT_LEVEL_EXT	0x00040000

/* dwProtocols */
#define CCID_PROTO_T1		0x00000002

/* bmICCStatus (bStatus bits 1..0) */
#define CCID_ICC_ACTIVE		0
#define CCID_ICC_INACTIVE	1
#define CCID_ICC_ABSENT		2

/* wLevelParameter (APDU level) and bChainParameter */
#define CCID_LEVEL_WHOLE	0x00
#define CCID_LEVEL_BEGIN	0x01
#define CCID_LEVEL_END		0x02
#define CCID_LEVEL_MIDDLE	0x03
#define CCID_LEVEL_CONTINUE	0x10

/* The parts of the class descriptor the driver uses, bounded. */
struct ccid_desc {
	u16 bcd_ccid;
	u8 max_slot;
	u32 protocols;
	u32 max_ifsd;
	u32 features;
	u32 max_msg;		/* dwMaxCCIDMessageLength */
	u8 max_busy;
};

/* A parsed RDR_to_PC message; data points into the receive buffer. */
struct ccid_reply {
	u8 type;
	u8 status;		/* bStatus */
	u8 error;		/* bError */
	u8 chain;		/* bChainParameter (DataBlock) */
	const u8 *data;
	u32 len;
};

/* How CCID messages reach the reader (usb.c implements these). */
struct ccid_port_ops {
	int (*send)(void *ctx, const u8 *msg, size_t len);
	int (*recv)(void *ctx, u8 *buf, size_t cap, size_t *len,
		    unsigned int timeout_ms);
};

/*
 * One slot of one reader.  buf (buf_size >= max_msg bytes, DMA-safe) holds the message
 * being sent or received; callers serialise (the chip's I/O mutex).
 */
struct ccid_port {
	const struct ccid_port_ops *ops;
	void *ctx;
	u8 *buf;
	size_t buf_size;
	u32 max_msg;		/* min(dwMaxCCIDMessageLength, buf_size) */
	u8 slot;
	u8 seq;
};

int ccid_parse_class_desc(const u8 *d, size_t len, struct ccid_desc *desc);
int ccid_parse_reply(const u8 *msg, size_t len, u8 type, u8 slot, u8 seq,
		     struct ccid_reply *r);
int ccid_parse_notify(const u8 *msg, size_t len, bool *present,
		      bool *changed);
size_t ccid_build_header(u8 *msg, u8 type, u32 len, u8 slot, u8 seq,
			 u8 p1, u16 p23);

int ccid_power_on(struct ccid_port *p, u8 *atr, size_t cap, size_t *atr_len,
		  unsigned int timeout_ms);
int ccid_power_off(struct ccid_port *p, unsigned int timeout_ms);
int ccid_slot_status(struct ccid_port *p, u8 *icc, unsigned int timeout_ms);
int ccid_xfr_block(struct ccid_port *p, const u8 *data, size_t len, u8 bwi,
		   u16 level, u8 *rsp, size_t cap, size_t *rsp_len,
		   u8 *chain, unsigned int timeout_ms);
int ccid_xfr_apdu(struct ccid_port *p, const u8 *apdu, size_t len,
		  u8 *rsp, size_t cap, size_t *rsp_len,
		  unsigned int timeout_ms);

#endif /* SCHSM_CCID_H */
