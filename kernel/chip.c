// SPDX-License-Identifier: GPL-2.0
/*
 * The chip object: allocation and release, the operations gate that every
 * card access goes through (the tpm_try_get_ops() pattern), powering the
 * card and choosing the exchange level, and schsm_transceive(), the one
 * entry point of the card layer into the transport.
 *
 * Lock order: ops_sem (read) -> runtime PM reference -> io_mutex ->
 * schsm_chips_lock (see usb.c).
 */
#include <linux/slab.h>
#include <linux/string.h>
#include "apdu.h"
#include "chip.h"
#include "schsm.h"

#define SCHSM_POWER_TIMEOUT_MS	5000
#define SCHSM_MAX_POWER_RESETS	1
/* QEMU's usb-ccid drops bulk-IN messages over 384 bytes (vm-testing §2.3) */
#define SCHSM_QEMU_MAX_RSP	374
#define SCHSM_MAX_SHORT_APDU	(5 + 255 + 1)
#define SCHSM_MAX_SHORT_RSP	(256 + 2)
/* what the card layer may send and ask for in one APDU, see start_session */
#define SCHSM_CARD_MAX_COMMAND	1014
#define SCHSM_CARD_MAX_RESPONSE	SCHSM_MAX_SHORT_RSP
/*
 * How long an operation waits for the slot work to reopen the session:
 * power on (SCHSM_POWER_TIMEOUT_MS), at most one reset and a second power
 * on, SELECT, identity and key list, with room for a slow token.
 */
#define SCHSM_SESSION_WAIT_MS	60000

/* schsm_chips_lock: the list of registered chips, for lookup by serial */
static LIST_HEAD(schsm_chips);
static DEFINE_MUTEX(schsm_chips_lock);

static void schsm_chip_release(struct device *dev)
{
	struct schsm_chip *chip = to_schsm_chip(dev);

	if (test_bit(SCHSM_CHIP_CARD_INIT, &chip->flags))
		schsm_card_destroy(chip);
	schsm_chardev_free_minor(chip);
	usb_free_urb(chip->bulk_urb);
	usb_free_urb(chip->int_urb);
	kfree(chip->int_buf);
	/* the transfer buffers carried responses: they may hold secrets */
	kfree_sensitive(chip->port.buf);
	kvfree_sensitive(chip->xfer_rsp, SCHSM_XFER_RSP_SIZE);
	usb_put_dev(chip->udev);
	kfree(chip);
}

/**
 * schsm_chip_alloc() - allocate a chip for a CCID interface
 * @intf: the interface being probed
 *
 * After this every error path ends with put_device(&chip->dev).
 *
 * Return: the chip or an ERR_PTR.
 */
struct schsm_chip *schsm_chip_alloc(struct usb_interface *intf)
{
	struct schsm_chip *chip;

	chip = kzalloc(sizeof(*chip), GFP_KERNEL);
	if (!chip)
		return ERR_PTR(-ENOMEM);

	device_initialize(&chip->dev);
	chip->dev.class = &schsm_class;
	chip->dev.parent = &intf->dev;
	chip->dev.release = schsm_chip_release;
	chip->dev.devt = MKDEV(0, 0);
	INIT_LIST_HEAD(&chip->list);
	init_rwsem(&chip->ops_sem);
	mutex_init(&chip->io_mutex);
	init_completion(&chip->bulk_done);
	init_waitqueue_head(&chip->gone_wait);
	init_waitqueue_head(&chip->session_wait);
	INIT_WORK(&chip->slot_work, schsm_chip_slot_work);
	chip->udev = usb_get_dev(interface_to_usbdev(intf));
	chip->intf = intf;
	chip->xfer_rsp = kvzalloc(SCHSM_XFER_RSP_SIZE, GFP_KERNEL);
	if (!chip->xfer_rsp) {
		put_device(&chip->dev);
		return ERR_PTR(-ENOMEM);
	}
	return chip;
}

/**
 * schsm_chip_register() - make the chip visible: lookup list, /dev/schsmN
 * @chip: a fully set up chip
 *
 * Return: 0 or a negative errno.
 */
int schsm_chip_register(struct schsm_chip *chip)
{
	int rc;

	rc = schsm_chardev_add(chip);
	if (rc)
		return rc;
	mutex_lock(&schsm_chips_lock);
	list_add_tail(&chip->list, &schsm_chips);
	mutex_unlock(&schsm_chips_lock);
	return 0;
}

/**
 * schsm_chip_unregister() - undo schsm_chip_register()
 * @chip: the chip
 *
 * Open files keep the chip's memory; their calls fail with -ENODEV.
 */
void schsm_chip_unregister(struct schsm_chip *chip)
{
	mutex_lock(&schsm_chips_lock);
	list_del_init(&chip->list);
	mutex_unlock(&schsm_chips_lock);
	schsm_chardev_del(chip);
}

/*
 * The first half of both gates: ops_sem (so disconnect waits for us), then
 * the runtime-PM reference, taken before io_mutex because resuming may run
 * reset_resume, which takes io_mutex.
 */
static int schsm_ops_enter(struct schsm_chip *chip)
{
	int rc;

	down_read(&chip->ops_sem);
	rc = chip->intf ? schsm_usb_pm_get(chip) : -ENODEV;
	if (rc)
		up_read(&chip->ops_sem);
	return rc;
}

static void schsm_ops_leave(struct schsm_chip *chip)
{
	schsm_usb_pm_put(chip);
	up_read(&chip->ops_sem);
}

/**
 * schsm_ops_lock() - the operations gate without a reference or signals
 * @chip: the chip
 *
 * For the driver's own work (probe, slot changes), where the caller already
 * owns a reference and must not be interrupted.
 *
 * Return: 0, -ENODEV once the device is gone, -EIO if it cannot resume.
 */
int schsm_ops_lock(struct schsm_chip *chip)
{
	int rc = schsm_ops_enter(chip);

	if (!rc)
		mutex_lock(&chip->io_mutex);
	return rc;
}

/**
 * schsm_ops_unlock() - release what schsm_ops_lock() took
 * @chip: the chip
 */
void schsm_ops_unlock(struct schsm_chip *chip)
{
	mutex_unlock(&chip->io_mutex);
	schsm_ops_leave(chip);
}

static bool schsm_chip_session_settled(struct schsm_chip *chip)
{
	return !test_bit(SCHSM_CHIP_SESSION_PENDING, &chip->flags) ||
	       test_bit(SCHSM_CHIP_GONE, &chip->flags);
}

/*
 * Take io_mutex once the slot work has reopened the card session that a
 * probe, USB reset or reset-resume dropped, so that an operation runs
 * against the reopened session instead of failing on an unpowered card.
 * A reset may set SESSION_PENDING while we wait for io_mutex, so it is
 * checked again once io_mutex is held.
 * Bounded: when the wait times out the operation runs against the slot as
 * it is.  Disconnect sets GONE and wakes us.
 */
static int schsm_chip_lock_session(struct schsm_chip *chip)
{
	long left = msecs_to_jiffies(SCHSM_SESSION_WAIT_MS);

	for (;;) {
		if (left)
			left = wait_event_interruptible_timeout(chip->session_wait,
								schsm_chip_session_settled(chip),
								left);
		if (left < 0)
			return -ERESTARTSYS;
		if (mutex_lock_interruptible(&chip->io_mutex))
			return -ERESTARTSYS;
		if (schsm_chip_session_settled(chip))
			return 0;
		if (!left) {
			dev_warn_ratelimited(&chip->dev,
					     "card session not reopened in %d ms\n",
					     SCHSM_SESSION_WAIT_MS);
			return 0;
		}
		mutex_unlock(&chip->io_mutex);
	}
}

/**
 * schsm_try_get_ops() - take a reference and the chip's operations
 * @chip: the chip
 *
 * While the slot work reopens the card session (after probe, a USB reset,
 * a reset-resume or a card insertion) this waits for it, so the operation
 * sees the reopened session, or no card.
 *
 * Return: 0; -ENODEV once the device is gone; -EIO if it cannot be resumed
 * (system sleep); -ERESTARTSYS if a signal arrived while waiting for
 * another caller's exchange or for the session.
 */
int schsm_try_get_ops(struct schsm_chip *chip)
{
	int rc;

	get_device(&chip->dev);
	rc = schsm_ops_enter(chip);
	if (rc)
		goto out_put;
	rc = schsm_chip_lock_session(chip);
	if (rc)
		goto out_leave;
	return 0;

out_leave:
	schsm_ops_leave(chip);
out_put:
	put_device(&chip->dev);
	return rc;
}

/**
 * schsm_put_ops() - release what schsm_try_get_ops() took
 * @chip: the chip
 */
void schsm_put_ops(struct schsm_chip *chip)
{
	schsm_ops_unlock(chip);
	put_device(&chip->dev);
}

/* Decide how APDUs travel, from the reader's descriptor and the ATR. */
static int schsm_chip_setup_level(struct schsm_chip *chip,
				  const struct t1_atr *info)
{
	u32 level = chip->desc.features & CCID_FEAT_LEVEL_MASK;
	u32 payload = chip->port.max_msg - CCID_HDR_LEN;
	int rc;

	if (test_bit(SCHSM_CHIP_APDU_QUIRK, &chip->flags)) {
		chip->level = SCHSM_LEVEL_APDU_EXT;
		chip->max_apdu = min_t(u32, payload, SCHSM_MAX_APDU);
		chip->max_rsp = SCHSM_QEMU_MAX_RSP;
		return 0;
	}
	switch (level) {
	case CCID_FEAT_LEVEL_EXT:
		chip->level = SCHSM_LEVEL_APDU_EXT;
		chip->max_apdu = SCHSM_MAX_APDU;
		chip->max_rsp = SCHSM_MAX_APDU;
		return 0;
	case CCID_FEAT_LEVEL_SHORT:
		if (payload < SCHSM_MAX_SHORT_APDU)
			return -EOPNOTSUPP;
		chip->level = SCHSM_LEVEL_APDU_SHORT;
		chip->max_apdu = SCHSM_MAX_SHORT_APDU;
		chip->max_rsp = SCHSM_MAX_SHORT_RSP;
		return 0;
	case CCID_FEAT_LEVEL_TPDU:
		if (!info->t1 || info->crc ||
		    !(chip->desc.protocols & CCID_PROTO_T1))
			return -EOPNOTSUPP;
		t1_init(&chip->t1, &chip->port, info, chip->desc.max_ifsd,
			chip->port.max_msg);
		if (!(chip->desc.features & CCID_FEAT_AUTO_IFSD)) {
			rc = t1_negotiate_ifsd(&chip->t1,
					       SCHSM_POWER_TIMEOUT_MS);
			if (rc)
				return rc;
		}
		chip->level = SCHSM_LEVEL_TPDU_T1;
		chip->max_apdu = SCHSM_MAX_APDU;
		chip->max_rsp = SCHSM_MAX_APDU;
		return 0;
	default:
		/* character level and T=0 are not needed by any token */
		return -EOPNOTSUPP;
	}
}

/**
 * schsm_chip_power_on() - power the card, check its ATR, set up the level
 * @chip: the chip, with io_mutex held
 *
 * Return: 0 or a negative errno (-ENOMEDIUM without a card).
 */
int schsm_chip_power_on(struct schsm_chip *chip)
{
	struct t1_atr info;
	size_t atr_len;
	int rc;

	clear_bit(SCHSM_CHIP_POWERED, &chip->flags);
	chip->level = 0;
	chip->atr_len = 0;
	rc = ccid_power_on(&chip->port, chip->atr, sizeof(chip->atr), &atr_len,
			   SCHSM_POWER_TIMEOUT_MS);
	if (rc)
		return rc;
	chip->atr_len = atr_len;

	rc = t1_parse_atr(chip->atr, atr_len, &info);
	if (rc) {
		dev_warn_ratelimited(&chip->dev, "malformed ATR (%zu bytes)\n",
				     atr_len);
		return rc;
	}
	rc = schsm_chip_setup_level(chip, &info);
	if (rc) {
		dev_warn_ratelimited(&chip->dev,
				     "no usable exchange level (features %#x): %d\n",
				     chip->desc.features, rc);
		chip->level = 0;
		return rc;
	}
	set_bit(SCHSM_CHIP_POWERED, &chip->flags);
	return 0;
}

/**
 * schsm_chip_power_lost() - the card was removed, reset or unplugged
 * @chip: the chip, with io_mutex held
 *
 * Drops the card layer's session (login, PKA, cached keys).
 */
void schsm_chip_power_lost(struct schsm_chip *chip)
{
	bool was_powered = test_and_clear_bit(SCHSM_CHIP_POWERED, &chip->flags);

	chip->level = 0;
	if (was_powered && test_bit(SCHSM_CHIP_CARD_INIT, &chip->flags))
		schsm_card_drop_session(chip);
}

/* The slot's state from the reader: GetSlotStatus is authoritative. */
static int schsm_chip_query_slot(struct schsm_chip *chip)
{
	u8 icc;
	int rc;

	rc = ccid_slot_status(&chip->port, &icc, SCHSM_POWER_TIMEOUT_MS);
	if (rc)
		return rc;
	assign_bit(SCHSM_CHIP_PRESENT, &chip->flags, icc != CCID_ICC_ABSENT);
	return 0;
}

/* A reader that does not answer is stuck: reset it, once in a row. */
static bool schsm_chip_reset_mute_reader(struct schsm_chip *chip, int rc)
{
	if (rc != -ETIMEDOUT && rc != -EPROTO)
		return false;
	if (chip->power_resets >= SCHSM_MAX_POWER_RESETS)
		return false;
	chip->power_resets++;
	schsm_usb_hung(chip);
	return true;
}

/* Power on and let the card layer SELECT the applet and read its identity. */
static void schsm_chip_start_session(struct schsm_chip *chip)
{
	int rc;

	rc = schsm_chip_power_on(chip);
	if (schsm_chip_reset_mute_reader(chip, rc))
		return;
	if (rc) {
		if (rc != -ENOMEDIUM)
			dev_warn_ratelimited(&chip->dev,
					     "card power on failed: %d\n", rc);
		return;
	}
	chip->power_resets = 0;
	/*
	 * The card layer sizes APDUs and READ BINARY chunks by these: the
	 * reader's limits, capped at what every SmartCard-HSM applet takes
	 * (1014-byte commands, short-Le reads).
	 */
	chip->card.max_command = min_t(u32, chip->max_apdu, SCHSM_CARD_MAX_COMMAND);
	chip->card.max_response = min_t(u32, chip->max_rsp, SCHSM_CARD_MAX_RESPONSE);
	rc = schsm_card_open_session(chip);
	if (rc)
		dev_warn_ratelimited(&chip->dev, "card session: %d\n", rc);
}

/**
 * schsm_chip_slot_work() - follow card insertion and removal
 * @work: chip->slot_work, queued at probe, by the interrupt endpoint, by
 *        post_reset and by reset_resume
 *
 * Runs the card session's start outside probe and URB completion, so a
 * slow or mute card never blocks the USB core.
 */
void schsm_chip_slot_work(struct work_struct *work)
{
	struct schsm_chip *chip = container_of(work, struct schsm_chip,
					       slot_work);
	bool first;
	int rc;

	if (schsm_ops_lock(chip)) {
		/* gone or not resumable: nothing will open it, stop waiting */
		clear_bit(SCHSM_CHIP_SESSION_PENDING, &chip->flags);
		wake_up_all(&chip->session_wait);
		return;
	}
	first = test_and_clear_bit(SCHSM_CHIP_FIRST_SESSION, &chip->flags);
	if (test_and_clear_bit(SCHSM_CHIP_SLOT_CHANGED, &chip->flags))
		schsm_chip_power_lost(chip);
	if (!test_bit(SCHSM_CHIP_POWERED, &chip->flags)) {
		rc = schsm_chip_query_slot(chip);
		if (rc)
			schsm_chip_reset_mute_reader(chip, rc);
		else if (test_bit(SCHSM_CHIP_PRESENT, &chip->flags))
			schsm_chip_start_session(chip);
	}
	/* the reader's first notification reports the card found here */
	if (first)
		clear_bit(SCHSM_CHIP_SLOT_CHANGED, &chip->flags);
	/* a queued reset runs this work again: operations keep waiting */
	if (!test_bit(SCHSM_CHIP_NEED_RESET, &chip->flags))
		clear_bit(SCHSM_CHIP_SESSION_PENDING, &chip->flags);
	schsm_ops_unlock(chip);
	wake_up_all(&chip->session_wait);
}

/**
 * schsm_chip_queue_session() - have the slot work (re)open the card session
 * @chip: the chip
 *
 * Operations that arrive until the work has run wait for it in
 * schsm_try_get_ops() rather than fail on the unpowered card.
 */
void schsm_chip_queue_session(struct schsm_chip *chip)
{
	set_bit(SCHSM_CHIP_SESSION_PENDING, &chip->flags);
	schedule_work(&chip->slot_work);
}

/* The exchange level's transceive; apdu already fits the reader. */
static int schsm_chip_exchange(struct schsm_chip *chip, const u8 *apdu,
			       size_t len, u8 *rsp, size_t cap,
			       size_t *rsp_len, unsigned int timeout_ms)
{
	if (chip->level == SCHSM_LEVEL_TPDU_T1)
		return t1_transceive(&chip->t1, apdu, len, rsp, cap, rsp_len,
				     timeout_ms);
	return ccid_xfr_apdu(&chip->port, apdu, len, rsp, cap, rsp_len,
			     timeout_ms);
}

/* Copy the APDU if its Le must shrink to what the reader can return. */
static int schsm_chip_fit_apdu(struct schsm_chip *chip, const u8 *apdu,
			       size_t len, const struct schsm_apdu *a,
			       u8 **copy)
{
	u32 max_ne = chip->max_rsp - 2;

	*copy = NULL;
	if (chip->level == SCHSM_LEVEL_APDU_SHORT && a->extended)
		return -EMSGSIZE;
	if (!a->le_off || a->ne <= max_ne)
		return 0;
	*copy = kmemdup(apdu, len, GFP_KERNEL);
	if (!*copy)
		return -ENOMEM;
	return schsm_apdu_limit_ne(*copy, len, a, max_ne);
}

/**
 * schsm_transceive() - exchange one APDU with the card
 * @chip: the chip, with its operations held (schsm_try_get_ops())
 * @apdu: command APDU, short or extended
 * @len: its length
 * @rsp: buffer for data || SW1 SW2
 * @cap: size of @rsp
 * @rsp_len: response length, at least 2 on success
 * @timeout_ms: read timeout; 0 for the default of the instruction
 *
 * A command is sent once.  If the exchange hangs or breaks so that the
 * card's state is unknown, the device is reset (the card session is lost)
 * and the error returned; card status words are never turned into errno.
 *
 * Return: 0; -ENODEV after unplug; -ENOMEDIUM without a card; -EINVAL for a
 * malformed APDU; -EMSGSIZE if the response does not fit @cap or the
 * reader; -ETIMEDOUT, -EIO, -EPROTO for a failed exchange.
 */
int schsm_transceive(struct schsm_chip *chip, const u8 *apdu, size_t len,
		     u8 *rsp, size_t cap, size_t *rsp_len,
		     unsigned int timeout_ms)
{
	struct schsm_apdu a;
	u8 *copy;
	int rc;

	if (!chip->intf || test_bit(SCHSM_CHIP_GONE, &chip->flags))
		return -ENODEV;
	if (test_bit(SCHSM_CHIP_NEED_RESET, &chip->flags))
		return -EIO;
	if (!test_bit(SCHSM_CHIP_POWERED, &chip->flags))
		return test_bit(SCHSM_CHIP_PRESENT, &chip->flags) ?
		       -EIO : -ENOMEDIUM;
	if (len > chip->max_apdu)
		return -EMSGSIZE;
	rc = schsm_apdu_parse(apdu, len, &a);
	if (rc)
		return rc;
	if (!timeout_ms)
		timeout_ms = schsm_apdu_timeout_ms(&a);
	rc = schsm_chip_fit_apdu(chip, apdu, len, &a, &copy);
	if (rc)
		goto out;

	rc = schsm_chip_exchange(chip, copy ? copy : apdu, len, rsp, cap,
				 rsp_len, timeout_ms);
	if (!rc && *rsp_len < 2)
		rc = -EPROTO;
	switch (rc) {
	case -ETIMEDOUT:
	case -EPROTO:
	case -EINTR:
		/* the card may still be busy with it: start over clean */
		schsm_usb_hung(chip);
		break;
	}
out:
	kfree_sensitive(copy);
	return rc;
}

/**
 * schsm_chip_card() - the card layer's state in the chip
 * @chip: the chip
 *
 * Return: the embedded struct schsm_card.
 */
struct schsm_card *schsm_chip_card(struct schsm_chip *chip)
{
	return &chip->card;
}

/**
 * schsm_chip_dev() - the chip's struct device, for logging
 * @chip: the chip
 *
 * Return: &chip->dev.
 */
struct device *schsm_chip_dev(struct schsm_chip *chip)
{
	return &chip->dev;
}

/**
 * schsm_chip_get() - take a reference on the chip's memory
 * @chip: the chip
 */
void schsm_chip_get(struct schsm_chip *chip)
{
	get_device(&chip->dev);
}

/**
 * schsm_chip_put() - drop a reference taken by schsm_chip_get()
 * @chip: the chip
 */
void schsm_chip_put(struct schsm_chip *chip)
{
	put_device(&chip->dev);
}

/**
 * schsm_chip_find_by_serial() - find a present token by its serial
 * @serial: the token serial (struct schsm_card.serial)
 *
 * The serial is written by the card layer while it opens a session; a
 * lookup racing with that may miss the chip, or find it by the serial of
 * its previous session: callers check it again under the operations gate.
 *
 * Return: the chip with a reference (schsm_chip_put()), or NULL.
 */
struct schsm_chip *schsm_chip_find_by_serial(const char *serial)
{
	struct schsm_chip *chip, *found = NULL;

	if (!serial || !*serial)
		return NULL;
	mutex_lock(&schsm_chips_lock);
	list_for_each_entry(chip, &schsm_chips, list) {
		/*
		 * A session being reopened counts: the caller waits for it in
		 * schsm_try_get_ops() and checks the serial again there.
		 */
		if (test_bit(SCHSM_CHIP_GONE, &chip->flags) ||
		    (!test_bit(SCHSM_CHIP_POWERED, &chip->flags) &&
		     !test_bit(SCHSM_CHIP_SESSION_PENDING, &chip->flags)))
			continue;
		if (!strncmp(chip->card.serial, serial,
			     sizeof(chip->card.serial))) {
			found = chip;
			get_device(&found->dev);
			break;
		}
	}
	mutex_unlock(&schsm_chips_lock);
	return found;
}
