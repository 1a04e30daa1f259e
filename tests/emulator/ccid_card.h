/* SPDX-License-Identifier: GPL-2.0 */
/*
 * schsm-emu: the reader half of a USB CCID token, one slot.
 *
 * ccid_card_handle() takes one PC_to_RDR message from the bulk-OUT pipe and
 * answers through io_send (bulk-IN); the transport (gadget.c) owns USB.  The
 * reader models copy the real tokens' CCID class descriptors
 * (device-facts.md §A): a TPDU-level T=1 reader (the card speaks T=1 through
 * t1_card.c) or a short+extended APDU-level reader with XfrBlock chaining.
 */
#ifndef EMU_CCID_CARD_H
#define EMU_CCID_CARD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "applet.h"
#include "faults.h"
#include "frontend.h"
#include "t1_card.h"

#define CCID_HEADER		10
#define CCID_CLASS_DESC_LEN	54
#define CCID_ATR_MAX		33

enum ccid_level { CCID_LEVEL_TPDU, CCID_LEVEL_EXT_APDU };

struct ccid_model {
	const char *name;		/* --gadget value */
	uint16_t vid, pid, bcd_device;
	const char *manufacturer, *product;
	const char *interface;		/* iInterface string, NULL for none */
	enum ccid_level level;
	bool auto_ifsd;			/* dwFeatures 0x400 */
	bool data_rates_byte;		/* GET_DATA_RATES answers one byte */
	uint8_t voltage_support;
	uint8_t class_get_response, class_envelope;
	uint32_t protocols;
	uint32_t default_clock, max_clock;	/* kHz */
	uint32_t data_rate, max_data_rate;	/* bps */
	uint32_t max_ifsd, features, max_message;
};

const struct ccid_model *ccid_model_find(const char *name);
/* The 54-byte CCID class descriptor (type 0x21), little-endian fields. */
void ccid_class_descriptor(const struct ccid_model *m,
			   uint8_t out[CCID_CLASS_DESC_LEN]);

/* One bulk-IN message; returns 0 or -1 when the pipe is gone. */
typedef int (*ccid_send_fn)(void *ctx, const uint8_t *msg, size_t len);

/* The command running in the worker thread (T=1 sends WTX meanwhile). */
struct ccid_exec {
	pthread_t thread;
	bool running;			/* a thread exists and is not joined */
	pthread_mutex_t lock;		/* protects done */
	pthread_cond_t cond;
	bool done;
	struct applet *applet;
	enum emu_timing timing;
	const uint8_t *cmd;
	size_t cmd_len;
	uint8_t *rsp;			/* APPLET_MAX_RESPONSE bytes */
	size_t rsp_len;
};

struct ccid_card {
	const struct ccid_model *model;
	struct applet *applet;
	struct faults *faults;
	int verbose;
	ccid_send_fn send;
	void *send_ctx;

	/* The slot as the control thread changes it; under slot_lock. */
	pthread_mutex_t slot_lock;
	bool present;
	unsigned int generation;	/* bumped on every remove/insert */

	/* Everything below belongs to the I/O thread. */
	bool powered;
	unsigned int powered_generation;
	uint8_t atr[CCID_ATR_MAX];
	size_t atr_len;
	uint8_t atr_params[7];		/* T=1 protocol data from the ATR */
	uint8_t params[7];		/* as set by SetParameters */
	unsigned int wtx_pending;	/* storm extensions still to send */
	struct t1_card *t1;		/* TPDU level */
	uint8_t *cmd;			/* APDU level: chained command */
	size_t cmd_len;
	bool cmd_chaining;
	size_t rsp_len, rsp_off;	/* APDU level: response in exec.rsp */
	bool rsp_chaining;
	struct ccid_exec exec;
};

int ccid_card_init(struct ccid_card *c, const struct ccid_model *m,
		   struct applet *a, struct faults *f,
		   const struct emu_opts *o, ccid_send_fn send, void *ctx);
void ccid_card_destroy(struct ccid_card *c);

/* One PC_to_RDR message; -1 when a reply could not be sent. */
int ccid_card_handle(struct ccid_card *c, const uint8_t *msg, size_t len);

/* USB reset or unplug: chains dropped, a "hang" ends, the card stays. */
void ccid_card_bus_reset(struct ccid_card *c);

/*
 * Card removal/insertion from the control thread.  Returns true when the
 * slot changed; the caller then sends ccid_card_notify_bits() as
 * NotifySlotChange (50 xx) on the interrupt pipe.
 */
bool ccid_card_set_present(struct ccid_card *c, bool present);
uint8_t ccid_card_notify_bits(struct ccid_card *c);

#endif /* EMU_CCID_CARD_H */
