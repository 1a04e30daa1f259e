// SPDX-License-Identifier: GPL-2.0
/*
 * USB side of schsm: matching, probe/disconnect, reset, the bulk pipe that
 * carries one CCID message at a time and the interrupt pipe that reports
 * card insertion and removal.
 *
 * Lock order: chip->ops_sem (read) -> runtime PM reference ->
 * chip->io_mutex -> schsm_chips_lock.
 *  - every card operation holds ops_sem for reading, a runtime PM reference
 *    on the interface (schsm_usb_pm_get()) and io_mutex
 *    (schsm_try_get_ops()); disconnect takes ops_sem for writing to detach;
 *  - the PM reference is taken before io_mutex because taking it may run
 *    reset_resume, which takes io_mutex;
 *  - pre_reset takes io_mutex and post_reset releases it, so no exchange
 *    overlaps a reset;
 *  - suspend takes io_mutex (autosuspend: only if free) to wait out the
 *    exchange in flight, stops the interrupt URB and sets
 *    SCHSM_CHIP_SUSPENDED; resume clears it without the lock;
 *  - URB completions only complete()/set bits/queue work;
 *  - probe, pre_reset, reset_resume, a card insertion and a queued reset
 *    set SCHSM_CHIP_SESSION_PENDING; operations wait for the slot work to
 *    clear it (schsm_try_get_ops(), between the PM reference and
 *    io_mutex); the slot work itself never waits for it, and disconnect
 *    wakes the waiters before it takes ops_sem for writing.
 *
 * Timeouts: a bulk-IN read waits as long as the command may take (apdu.c);
 * the reader sends no time extensions.  A command is never sent twice: an
 * exchange that times out ends in usb_queue_reset_device(), whose
 * post_reset drops the card session and powers the card again.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/usb.h>
#include "chip.h"
#include "schsm.h"

#define SCHSM_OUT_TIMEOUT_MS	5000
#define SCHSM_GONE_GRACE_MS	500
#define SCHSM_WAIT_SLICE	(10UL * HZ)
#define SCHSM_MAX_MSG		(SCHSM_MAX_APDU + CCID_HDR_LEN)

/* driver_info */
#define SCHSM_QUIRK_QEMU	BIT(0)

#define USB_VENDOR_NITROKEY	0x20a0
#define USB_VENDOR_IDENTIV	0x04e6
#define USB_VENDOR_GEMPLUS	0x08e6

#define SCHSM_CCID(vend, prod, info) \
	USB_DEVICE_AND_INTERFACE_INFO(vend, prod, USB_CLASS_CSCID, 0, 0), \
	.driver_info = (info)

static const struct usb_device_id schsm_ids[] = {
	{ SCHSM_CCID(USB_VENDOR_NITROKEY, 0x4230, 0) },	/* Nitrokey HSM */
	{ SCHSM_CCID(USB_VENDOR_IDENTIV, 0x5816, 0) },	/* uTrust 3512 token */
	{ SCHSM_CCID(USB_VENDOR_IDENTIV, 0x5817, 0) },	/* SCT3522CC token */
	{ SCHSM_CCID(USB_VENDOR_IDENTIV, 0x5826, 0) },	/* uTrust Token Flex */
	/* QEMU usb-ccid: only with qemu_ccid=1, see main.c */
	{ SCHSM_CCID(USB_VENDOR_GEMPLUS, 0x4433, SCHSM_QUIRK_QEMU) },
	{ }
};
MODULE_DEVICE_TABLE(usb, schsm_ids);

static void schsm_bulk_complete(struct urb *urb)
{
	struct schsm_chip *chip = urb->context;

	chip->bulk_status = urb->status;
	chip->bulk_actual = urb->actual_length;
	/* pairs with wait_for_completion_*() in schsm_usb_bulk() */
	complete(&chip->bulk_done);
}

static bool schsm_usb_gone(struct schsm_chip *chip)
{
	return test_bit(SCHSM_CHIP_GONE, &chip->flags) ||
	       chip->udev->state == USB_STATE_NOTATTACHED;
}

/*
 * An URB error, as the caller should see it.  A transaction error is what
 * an unplugged device leaves in flight before the hub notices (dummy_hcd:
 * -EPROTO), so give disconnect a moment to report the device gone.
 */
static int schsm_usb_errno(struct schsm_chip *chip, int status)
{
	if (status == -EPROTO || status == -EILSEQ || status == -ETIME ||
	    status == -ESHUTDOWN)
		wait_event_timeout(chip->gone_wait, schsm_usb_gone(chip),
				   msecs_to_jiffies(SCHSM_GONE_GRACE_MS));
	if (schsm_usb_gone(chip))
		return -ENODEV;
	switch (status) {
	case -EPERM:		/* poisoned: reset in progress */
		return -EIO;
	case -EOVERFLOW:	/* babble: more than the descriptor allows */
		return -EMSGSIZE;
	case -ENODEV:
	case -ESHUTDOWN:
		return -ENODEV;
	default:
		return -EIO;
	}
}

/*
 * Wait for the bulk URB.  Only a fatal signal ends the wait early: the
 * exchange on the wire belongs to the card, other callers wait
 * interruptibly for io_mutex.  A key generation may take minutes, so wait
 * in slices: the hung-task detector sees a task that wakes up.
 *
 * Return: > 0 completed, 0 timed out, < 0 fatal signal.
 */
static long schsm_usb_wait(struct schsm_chip *chip, unsigned int timeout_ms)
{
	unsigned long left = msecs_to_jiffies(timeout_ms);
	long rc;

	do {
		unsigned long slice = min(left, SCHSM_WAIT_SLICE);

		rc = wait_for_completion_killable_timeout(&chip->bulk_done,
							  slice);
		if (rc)
			return rc;
		left -= slice;
	} while (left);
	return 0;
}

static int schsm_usb_bulk(struct schsm_chip *chip, unsigned int pipe,
			  void *buf, size_t len, size_t *actual,
			  unsigned int timeout_ms)
{
	struct urb *urb = chip->bulk_urb;
	long left;
	int rc;

	if (test_bit(SCHSM_CHIP_GONE, &chip->flags))
		return -ENODEV;
	if (test_bit(SCHSM_CHIP_RESETTING, &chip->flags) ||
	    test_bit(SCHSM_CHIP_NEED_RESET, &chip->flags) ||
	    test_bit(SCHSM_CHIP_SUSPENDED, &chip->flags))
		return -EIO;

	reinit_completion(&chip->bulk_done);
	usb_fill_bulk_urb(urb, chip->udev, pipe, buf, len, schsm_bulk_complete,
			  chip);
	rc = usb_submit_urb(urb, GFP_KERNEL);
	if (rc)
		return schsm_usb_errno(chip, rc);

	left = schsm_usb_wait(chip, timeout_ms);
	if (left <= 0) {
		usb_kill_urb(urb);
		if (chip->bulk_status == -ENOENT)
			return left ? -EINTR : -ETIMEDOUT;
	}
	if (chip->bulk_status)
		return schsm_usb_errno(chip, chip->bulk_status);
	*actual = chip->bulk_actual;
	return 0;
}

static int schsm_usb_send(void *ctx, const u8 *msg, size_t len)
{
	struct schsm_chip *chip = ctx;
	size_t actual;
	int rc;

	rc = schsm_usb_bulk(chip, chip->pipe_out, (void *)msg, len, &actual,
			    SCHSM_OUT_TIMEOUT_MS);
	if (!rc && actual != len)
		rc = -EIO;
	return rc;
}

static int schsm_usb_recv(void *ctx, u8 *buf, size_t cap, size_t *len,
			  unsigned int timeout_ms)
{
	return schsm_usb_bulk(ctx, ((struct schsm_chip *)ctx)->pipe_in, buf,
			      cap, len, timeout_ms);
}

const struct ccid_port_ops schsm_usb_port_ops = {
	.send = schsm_usb_send,
	.recv = schsm_usb_recv,
};

/**
 * schsm_usb_hung() - an exchange left the card in an unknown state
 * @chip: the chip, with its operations held
 *
 * Queues a USB reset; until post_reset every exchange fails with -EIO, so
 * nothing is sent to a card that may still be working on a command.
 * Operations that start later wait for the reset and the reopened session.
 */
void schsm_usb_hung(struct schsm_chip *chip)
{
	if (test_and_set_bit(SCHSM_CHIP_NEED_RESET, &chip->flags))
		return;
	set_bit(SCHSM_CHIP_SESSION_PENDING, &chip->flags);
	dev_warn_ratelimited(&chip->dev, "exchange failed, resetting the reader\n");
	usb_queue_reset_device(chip->intf);
}

static void schsm_int_complete(struct urb *urb)
{
	struct schsm_chip *chip = urb->context;
	bool present, changed;

	switch (urb->status) {
	case 0:
		break;
	case -ENOENT:
	case -ECONNRESET:
	case -ESHUTDOWN:
	case -ENODEV:
	case -EPROTO:
		return;		/* killed, or the device is going away */
	default:
		dev_dbg_ratelimited(&chip->dev, "interrupt URB: %d\n",
				    urb->status);
		goto resubmit;
	}

	if (!ccid_parse_notify(chip->int_buf, urb->actual_length, &present,
			       &changed) &&
	    (changed ||
	     present != test_bit(SCHSM_CHIP_PRESENT, &chip->flags))) {
		assign_bit(SCHSM_CHIP_PRESENT, &chip->flags, present);
		set_bit(SCHSM_CHIP_SLOT_CHANGED, &chip->flags);
		if (present)
			schsm_chip_queue_session(chip);
		else
			schedule_work(&chip->slot_work);
	}
resubmit:
	usb_submit_urb(urb, GFP_ATOMIC);
}

static int schsm_usb_start_int(struct schsm_chip *chip, gfp_t gfp)
{
	if (!chip->int_urb)
		return 0;
	return usb_submit_urb(chip->int_urb, gfp);
}

/* The CCID class descriptor, from the interface's extra descriptors. */
static int schsm_usb_parse_desc(struct schsm_chip *chip,
				struct usb_host_interface *alt)
{
	u8 *d;
	int rc;

	rc = __usb_get_extra_descriptor(alt->extra, alt->extralen,
					CCID_CLASS_DESC_TYPE, (void **)&d,
					CCID_CLASS_DESC_LEN);
	if (rc)
		return rc;
	rc = ccid_parse_class_desc(d, d[0], &chip->desc);
	if (rc)
		return rc;
	if (chip->desc.max_slot)
		dev_info(&chip->intf->dev, "%u slots; using slot 0\n",
			 chip->desc.max_slot + 1);
	return 0;
}

static int schsm_usb_setup_pipes(struct schsm_chip *chip,
				 struct usb_host_interface *alt)
{
	struct usb_endpoint_descriptor *in, *out;
	size_t maxp, size;
	u32 max_msg;
	int rc;

	rc = usb_find_common_endpoints(alt, &in, &out, NULL, NULL);
	if (rc)
		return rc;
	chip->pipe_in = usb_rcvbulkpipe(chip->udev, usb_endpoint_num(in));
	chip->pipe_out = usb_sndbulkpipe(chip->udev, usb_endpoint_num(out));
	maxp = usb_endpoint_maxp(in);
	if (!maxp)
		return -EINVAL;

	/* a message larger than the largest extended APDU is never needed */
	max_msg = min_t(u32, chip->desc.max_msg, SCHSM_MAX_MSG);
	/* read whole packets so a full-size reply is never babble */
	size = roundup(max_msg, maxp);
	chip->port.buf = kmalloc(size, GFP_KERNEL);
	if (!chip->port.buf)
		return -ENOMEM;
	chip->port.buf_size = size;
	chip->port.max_msg = max_msg;
	chip->port.ops = &schsm_usb_port_ops;
	chip->port.ctx = chip;
	chip->port.slot = 0;

	chip->bulk_urb = usb_alloc_urb(0, GFP_KERNEL);
	if (!chip->bulk_urb)
		return -ENOMEM;
	return 0;
}

/* The interrupt endpoint is optional in CCID; without it no hotplug. */
static int schsm_usb_setup_int(struct schsm_chip *chip,
			       struct usb_host_interface *alt)
{
	struct usb_endpoint_descriptor *ep;
	size_t len;

	if (usb_find_int_in_endpoint(alt, &ep))
		return 0;
	len = usb_endpoint_maxp(ep);
	if (len < 2)
		return 0;
	chip->int_buf = kmalloc(len, GFP_KERNEL);
	chip->int_urb = usb_alloc_urb(0, GFP_KERNEL);
	if (!chip->int_buf || !chip->int_urb)
		return -ENOMEM;
	usb_fill_int_urb(chip->int_urb, chip->udev,
			 usb_rcvintpipe(chip->udev, usb_endpoint_num(ep)),
			 chip->int_buf, len, schsm_int_complete, chip,
			 ep->bInterval);
	chip->ep_int = ep;
	return 0;
}

static void schsm_usb_copy_strings(struct schsm_chip *chip)
{
	struct usb_device *udev = chip->udev;

	chip->vendor_id = le16_to_cpu(udev->descriptor.idVendor);
	chip->product_id = le16_to_cpu(udev->descriptor.idProduct);
	chip->bcd_device = le16_to_cpu(udev->descriptor.bcdDevice);
	if (udev->manufacturer)
		strscpy(chip->manufacturer, udev->manufacturer,
			sizeof(chip->manufacturer));
	if (udev->product)
		strscpy(chip->product, udev->product, sizeof(chip->product));
	if (udev->serial)
		strscpy(chip->usb_serial, udev->serial,
			sizeof(chip->usb_serial));
}

static int schsm_usb_setup(struct schsm_chip *chip,
			   const struct usb_device_id *id)
{
	struct usb_host_interface *alt = chip->intf->cur_altsetting;
	int rc;

	rc = schsm_usb_parse_desc(chip, alt);
	if (rc) {
		dev_err(&chip->intf->dev, "no valid CCID class descriptor\n");
		return rc;
	}
	rc = schsm_usb_setup_pipes(chip, alt);
	if (rc) {
		dev_err(&chip->intf->dev, "no usable bulk endpoints\n");
		return rc;
	}
	rc = schsm_usb_setup_int(chip, alt);
	if (rc)
		return rc;
	if (id->driver_info & SCHSM_QUIRK_QEMU)
		set_bit(SCHSM_CHIP_APDU_QUIRK, &chip->flags);
	schsm_usb_copy_strings(chip);
	return 0;
}

static int schsm_probe(struct usb_interface *intf,
		       const struct usb_device_id *id)
{
	struct usb_host_interface *alt = intf->cur_altsetting;
	struct schsm_chip *chip;
	int rc;

	/* new_id matches whole devices: take only CCID interfaces */
	if (alt->desc.bInterfaceClass != USB_CLASS_CSCID)
		return -ENODEV;
	if ((id->driver_info & SCHSM_QUIRK_QEMU) && !schsm_qemu_ccid)
		return -ENODEV;

	chip = schsm_chip_alloc(intf);
	if (IS_ERR(chip))
		return PTR_ERR(chip);
	rc = schsm_usb_setup(chip, id);
	if (rc)
		goto out_put;
	rc = schsm_card_init(chip);
	if (rc)
		goto out_put;
	set_bit(SCHSM_CHIP_CARD_INIT, &chip->flags);

	usb_set_intfdata(intf, chip);
	rc = schsm_usb_start_int(chip, GFP_KERNEL);
	if (rc)
		goto out_intfdata;
	rc = schsm_chip_register(chip);
	if (rc)
		goto out_stop;
	dev_info(&chip->dev, "%04x:%04x %s\n", chip->vendor_id,
		 chip->product_id, chip->product);
	/* power the card and open the session outside probe */
	set_bit(SCHSM_CHIP_FIRST_SESSION, &chip->flags);
	schsm_chip_queue_session(chip);
	return 0;

out_stop:
	set_bit(SCHSM_CHIP_GONE, &chip->flags);
	usb_poison_urb(chip->int_urb);
	usb_poison_urb(chip->bulk_urb);
	cancel_work_sync(&chip->slot_work);
out_intfdata:
	usb_set_intfdata(intf, NULL);
out_put:
	put_device(&chip->dev);
	return rc;
}

static void schsm_disconnect(struct usb_interface *intf)
{
	struct schsm_chip *chip = usb_get_intfdata(intf);

	set_bit(SCHSM_CHIP_GONE, &chip->flags);
	wake_up_all(&chip->gone_wait);
	/* operations waiting for the session hold ops_sem: let them go */
	wake_up_all(&chip->session_wait);
	schsm_chip_unregister(chip);

	/* end the exchange in flight; submissions fail from now on */
	usb_poison_urb(chip->int_urb);
	usb_poison_urb(chip->bulk_urb);
	cancel_work_sync(&chip->slot_work);

	/* wait for every operation holder, then detach */
	down_write(&chip->ops_sem);
	mutex_lock(&chip->io_mutex);
	schsm_chip_power_lost(chip);
	mutex_unlock(&chip->io_mutex);
	chip->intf = NULL;
	up_write(&chip->ops_sem);

	usb_set_intfdata(intf, NULL);
	dev_info(&chip->dev, "disconnected\n");
	put_device(&chip->dev);
}

/*
 * After a reset or a reset-resume, with io_mutex held: the card lost power,
 * so login and selection are gone.  Operations from now on wait for the
 * slot work (SESSION_PENDING is set before io_mutex is free).
 */
static void schsm_usb_session_lost(struct schsm_chip *chip)
{
	set_bit(SCHSM_CHIP_SESSION_PENDING, &chip->flags);
	schsm_chip_power_lost(chip);
	chip->port.seq = 0;
	clear_bit(SCHSM_CHIP_NEED_RESET, &chip->flags);
	if (schsm_usb_start_int(chip, GFP_NOIO))
		dev_warn_ratelimited(&chip->dev, "no card notifications\n");
}

/* ... and once io_mutex is free: power the card and reopen the session */
static void schsm_usb_reopen_session(struct schsm_chip *chip)
{
	set_bit(SCHSM_CHIP_PRESENT, &chip->flags);
	schsm_chip_queue_session(chip);
}

static int schsm_pre_reset(struct usb_interface *intf)
{
	struct schsm_chip *chip = usb_get_intfdata(intf);

	set_bit(SCHSM_CHIP_RESETTING, &chip->flags);
	/* operations from now on wait for post_reset's slot work */
	set_bit(SCHSM_CHIP_SESSION_PENDING, &chip->flags);
	usb_poison_urb(chip->int_urb);
	usb_poison_urb(chip->bulk_urb);
	/* held until post_reset: no exchange overlaps the reset */
	mutex_lock(&chip->io_mutex);
	return 0;
}

static int schsm_post_reset(struct usb_interface *intf)
{
	struct schsm_chip *chip = usb_get_intfdata(intf);

	usb_unpoison_urb(chip->bulk_urb);
	usb_unpoison_urb(chip->int_urb);
	schsm_usb_session_lost(chip);
	clear_bit(SCHSM_CHIP_RESETTING, &chip->flags);
	mutex_unlock(&chip->io_mutex);
	schsm_usb_reopen_session(chip);
	return 0;
}

/**
 * schsm_usb_pm_get() - keep the device resumed for a card operation
 * @chip: the chip, with ops_sem held for reading and ->intf set
 *
 * Called before io_mutex: resuming may run reset_resume, which takes it.
 *
 * Return: 0, or -EIO if the device cannot be resumed (system sleep).
 */
int schsm_usb_pm_get(struct schsm_chip *chip)
{
	int rc = usb_autopm_get_interface(chip->intf);

	if (rc) {
		dev_dbg_ratelimited(&chip->dev, "cannot resume: %d\n", rc);
		return -EIO;
	}
	return 0;
}

/**
 * schsm_usb_pm_put() - drop the reference of schsm_usb_pm_get()
 * @chip: the chip, with ops_sem still held for reading
 *
 * The device may autosuspend once its autosuspend delay has passed.
 */
void schsm_usb_pm_put(struct schsm_chip *chip)
{
	usb_autopm_put_interface(chip->intf);
}

/*
 * Suspend.  Only the interrupt URB is ever outstanding while no exchange
 * runs; the bulk URB is used under io_mutex only.  An autosuspend never
 * waits for an exchange (-EBUSY); a system suspend waits for the one in
 * flight to end (user tasks are frozen by now: only a kernel user, such as
 * the slot work, can be in one).  Exchanges that start while suspended fail
 * with -EIO before anything reaches the bus.
 */
static int schsm_suspend(struct usb_interface *intf, pm_message_t message)
{
	struct schsm_chip *chip = usb_get_intfdata(intf);

	if (PMSG_IS_AUTO(message)) {
		if (!mutex_trylock(&chip->io_mutex))
			return -EBUSY;
	} else {
		mutex_lock(&chip->io_mutex);
	}
	set_bit(SCHSM_CHIP_SUSPENDED, &chip->flags);
	mutex_unlock(&chip->io_mutex);
	usb_kill_urb(chip->int_urb);
	return 0;
}

/* The token kept its power: the card session (login, PKA) is still valid. */
static int schsm_resume(struct usb_interface *intf)
{
	struct schsm_chip *chip = usb_get_intfdata(intf);

	clear_bit(SCHSM_CHIP_SUSPENDED, &chip->flags);
	if (schsm_usb_start_int(chip, GFP_NOIO))
		dev_warn_ratelimited(&chip->dev,
				     "no card notifications after resume\n");
	return 0;
}

/*
 * The device was reset or lost power while suspended: as after post_reset,
 * the card session is gone; the slot work powers the card and reopens it.
 */
static int schsm_reset_resume(struct usb_interface *intf)
{
	struct schsm_chip *chip = usb_get_intfdata(intf);

	mutex_lock(&chip->io_mutex);
	schsm_usb_session_lost(chip);
	clear_bit(SCHSM_CHIP_SUSPENDED, &chip->flags);
	mutex_unlock(&chip->io_mutex);
	schsm_usb_reopen_session(chip);
	return 0;
}

static struct usb_driver schsm_usb_driver = {
	.name = KBUILD_MODNAME,
	.probe = schsm_probe,
	.disconnect = schsm_disconnect,
	.suspend = schsm_suspend,
	.resume = schsm_resume,
	.reset_resume = schsm_reset_resume,
	.pre_reset = schsm_pre_reset,
	.post_reset = schsm_post_reset,
	.id_table = schsm_ids,
	.supports_autosuspend = 1,
};

/**
 * schsm_usb_register() - register the USB driver
 *
 * Return: 0 or a negative errno.
 */
int schsm_usb_register(void)
{
	return usb_register(&schsm_usb_driver);
}

/**
 * schsm_usb_unregister() - unregister the USB driver (disconnects all)
 */
void schsm_usb_unregister(void)
{
	usb_deregister(&schsm_usb_driver);
}
