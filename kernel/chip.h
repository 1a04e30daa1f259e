/* SPDX-License-Identifier: GPL-2.0 */
/*
 * struct schsm_chip: one bound CCID interface with its card slot, the
 * character device and the card layer's session state.
 *
 * Lifetime: the chip is refcounted through its embedded struct device and
 * freed only from dev.release; open files (cdev_device_add), keys and the
 * card layer hold references.  Disconnect sets ->intf to NULL under ops_sem
 * (write), after which schsm_try_get_ops() fails with -ENODEV.
 *
 * Lock order (see usb.c): ops_sem (read) -> runtime PM reference ->
 * io_mutex -> schsm_chips_lock.  Operations wait for SESSION_PENDING to
 * clear holding ops_sem and the PM reference but not io_mutex; slot_work
 * takes ops_sem for reading only and never waits for it, and disconnect
 * wakes the waiters before it takes ops_sem for writing.
 * URB completions take no lock: they use atomic flag bits and the
 * completion (release/acquire through complete()/wait_for_completion()).
 */
#ifndef SCHSM_CHIP_H
#define SCHSM_CHIP_H

#include <linux/cdev.h>
#include <linux/completion.h>
#include <linux/device.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/usb.h>
#include <linux/workqueue.h>
#include <uapi/linux/schsm.h>
#include "card.h"
#include "ccid.h"
#include "t1.h"

/* chip->flags bit numbers (set_bit/test_bit) */
enum schsm_chip_flag {
	SCHSM_CHIP_GONE,	/* disconnect started: no new I/O */
	SCHSM_CHIP_RESETTING,	/* between pre_reset and post_reset */
	SCHSM_CHIP_NEED_RESET,	/* an exchange hung; a USB reset is queued */
	SCHSM_CHIP_PRESENT,	/* card in the slot (NotifySlotChange) */
	SCHSM_CHIP_POWERED,	/* ATR received, transport level set up */
	SCHSM_CHIP_SLOT_CHANGED, /* card removed/inserted since last seen */
	SCHSM_CHIP_APDU_QUIRK,	/* reader passes APDUs despite its descriptor */
	SCHSM_CHIP_CARD_INIT,	/* schsm_card_init() succeeded */
	SCHSM_CHIP_FIRST_SESSION, /* slot_work not yet run since probe */
	SCHSM_CHIP_SUSPENDED,	/* between USB suspend and resume */
	SCHSM_CHIP_SESSION_PENDING, /* slot_work is to (re)open the session */
};

struct schsm_chip {
	struct device dev;
	struct cdev cdev;
	struct list_head list;		/* on schsm_chips, schsm_chips_lock */

	/*
	 * ops_sem: readers are every operation on the card
	 * (schsm_try_get_ops); disconnect takes it for writing to clear
	 * intf/udev, so nothing runs on a departed device.
	 */
	struct rw_semaphore ops_sem;
	struct usb_interface *intf;	/* NULL once disconnected */
	struct usb_device *udev;	/* referenced until release */

	/*
	 * io_mutex: one exchange with the reader at a time; everything below
	 * that describes the slot and the transport state (port, t1, atr,
	 * level, card) is protected by it.  pre_reset takes it and
	 * post_reset releases it.
	 */
	struct mutex io_mutex;
	struct ccid_desc desc;
	struct ccid_port port;
	struct t1_state t1;
	u8 level;			/* SCHSM_LEVEL_*, 0 while unpowered */
	u8 atr[SCHSM_MAX_ATR];
	u8 atr_len;
	u32 max_apdu;			/* largest command APDU we send */
	u32 max_rsp;			/* largest response the reader returns */
	u8 power_resets;		/* resets since the last good power on */
	u8 *xfer_rsp;			/* TRANSMIT's response bounce buffer */
	struct schsm_card card;

	/*
	 * Endpoints and URBs.  The bulk URB carries one CCID message at a
	 * time under io_mutex; both URBs are poisoned in pre_reset and
	 * disconnect, so nothing is submitted while the device resets or
	 * after it is gone.
	 */
	unsigned int pipe_in, pipe_out;
	struct usb_endpoint_descriptor *ep_int;	/* optional */
	struct urb *bulk_urb;
	struct completion bulk_done;	/* bulk_urb's completion fired */
	int bulk_status;		/* written by the completion */
	size_t bulk_actual;
	struct urb *int_urb;
	u8 *int_buf;
	wait_queue_head_t gone_wait;	/* woken when SCHSM_CHIP_GONE is set */
	/* woken when SESSION_PENDING is cleared and when GONE is set */
	wait_queue_head_t session_wait;

	unsigned long flags;		/* SCHSM_CHIP_* bits */
	struct work_struct slot_work;	/* card insertion/removal */

	/* identity for GET_INFO, fixed at probe */
	u16 vendor_id, product_id, bcd_device;
	char manufacturer[32];
	char product[48];
	char usb_serial[32];
};

#define to_schsm_chip(d) container_of(d, struct schsm_chip, dev)

/* a whole response APDU: 65536 data bytes + SW1 SW2 */
#define SCHSM_XFER_RSP_SIZE	(65536 + 2)

/* chip.c: lifetime, the operations gate, the card session */
struct schsm_chip *schsm_chip_alloc(struct usb_interface *intf);
int schsm_chip_register(struct schsm_chip *chip);
void schsm_chip_unregister(struct schsm_chip *chip);
int schsm_chip_power_on(struct schsm_chip *chip);
void schsm_chip_power_lost(struct schsm_chip *chip);
void schsm_chip_slot_work(struct work_struct *work);
void schsm_chip_queue_session(struct schsm_chip *chip);
int schsm_ops_lock(struct schsm_chip *chip);
void schsm_ops_unlock(struct schsm_chip *chip);

/* main.c: module parameters */
extern bool schsm_qemu_ccid;

/* usb.c */
int schsm_usb_register(void);
void schsm_usb_unregister(void);
void schsm_usb_hung(struct schsm_chip *chip);
int schsm_usb_pm_get(struct schsm_chip *chip);
void schsm_usb_pm_put(struct schsm_chip *chip);
extern const struct ccid_port_ops schsm_usb_port_ops;

/* chardev.c */
int schsm_chardev_init(void);
void schsm_chardev_exit(void);
int schsm_chardev_add(struct schsm_chip *chip);
void schsm_chardev_del(struct schsm_chip *chip);
void schsm_chardev_free_minor(struct schsm_chip *chip);
extern struct class schsm_class;

#endif /* SCHSM_CHIP_H */
