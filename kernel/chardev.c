// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/schsmN: the character device of each chip and its ioctls.
 * GET_INFO and TRANSMIT are handled here; every other command of type
 * SCHSM_IOC_MAGIC goes to the card layer (schsm_card_ioctl()).
 *
 * Argument structs follow the uapi header: size first, accepted from the
 * size of the struct this kernel knows up to any larger size whose extra
 * bytes are zero (copy_struct_from_user()); flags and reserved must be 0.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "apdu.h"
#include "chip.h"
#include "compat.h"
#include "schsm.h"

#define SCHSM_MINORS	256

static dev_t schsm_devt;
static DEFINE_IDA(schsm_minors);

/* one ioctl at a time per open file (-EBUSY for a second one) */
struct schsm_open_file {
	struct schsm_chip *chip;
	unsigned long busy;
};

static char *schsm_devnode(SCHSM_DEVNODE_CONST struct device *dev,
			   umode_t *mode)
{
	/* root only until udev applies 60-schsm.rules */
	if (mode)
		*mode = 0600;
	return NULL;
}

struct class schsm_class = {
	.name = "schsm",
	.devnode = schsm_devnode,
};

/**
 * schsm_copy_struct_from_user() - fetch an ioctl argument struct
 * @karg: kernel copy, @ksize bytes
 * @ksize: size of the struct this kernel knows
 * @uarg: user pointer; its first __u32 is the caller's size
 *
 * Return: 0; -EFAULT; -EINVAL if the caller's struct is smaller than ours;
 * -E2BIG if a larger one has non-zero bytes beyond ours.
 */
int schsm_copy_struct_from_user(void *karg, size_t ksize,
				const void __user *uarg)
{
	u32 usize;

	if (get_user(usize, (const u32 __user *)uarg))
		return -EFAULT;
	if (usize < ksize)
		return -EINVAL;
	return copy_struct_from_user(karg, ksize, uarg, usize);
}

static bool schsm_all_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

static void schsm_fill_info(struct schsm_chip *chip, struct schsm_info *info)
{
	const struct schsm_card *card = &chip->card;

	info->abi_version = SCHSM_ABI_VERSION;
	info->vendor_id = chip->vendor_id;
	info->product_id = chip->product_id;
	info->bcd_device = chip->bcd_device;
	info->level = chip->level;
	if (test_bit(SCHSM_CHIP_PRESENT, &chip->flags))
		info->slot_state |= SCHSM_SLOT_PRESENT;
	if (test_bit(SCHSM_CHIP_POWERED, &chip->flags)) {
		info->slot_state |= SCHSM_SLOT_POWERED;
		info->atr_len = chip->atr_len;
		memcpy(info->atr, chip->atr, chip->atr_len);
	}
	if (card->selected)
		info->slot_state |= SCHSM_SLOT_SELECTED;
	info->features = chip->desc.features;
	info->max_ccid_msg = chip->desc.max_msg;
	info->max_ifsd = chip->desc.max_ifsd;
	if (chip->level == SCHSM_LEVEL_TPDU_T1)
		info->ifsc = chip->t1.ifsc;
	info->max_apdu = chip->level ? chip->max_apdu : 0;
	info->applet_major = card->applet_major;
	info->applet_minor = card->applet_minor;
	info->applet_type = card->applet_type;
	info->options = card->options;
	strscpy(info->manufacturer, chip->manufacturer,
		sizeof(info->manufacturer));
	strscpy(info->product, chip->product, sizeof(info->product));
	strscpy(info->usb_serial, chip->usb_serial, sizeof(info->usb_serial));
	strscpy(info->device_chr, card->device_chr, sizeof(info->device_chr));
	strscpy(info->serial, card->serial, sizeof(info->serial));
}

static long schsm_ioctl_get_info(struct schsm_chip *chip, void __user *uarg)
{
	struct schsm_info *info;
	u32 usize;
	long rc;

	info = kzalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	rc = schsm_copy_struct_from_user(info, sizeof(*info), uarg);
	if (rc)
		goto out;
	if (info->flags ||
	    !schsm_all_zero(info->reserved, sizeof(info->reserved))) {
		rc = -EINVAL;
		goto out;
	}
	/* everything but size (and flags, checked zero) is output */
	usize = info->size;
	memset(info, 0, sizeof(*info));
	info->size = usize;

	rc = schsm_try_get_ops(chip);
	if (rc)
		goto out;
	schsm_fill_info(chip, info);
	schsm_put_ops(chip);

	if (copy_to_user(uarg, info, sizeof(*info)))
		rc = -EFAULT;
out:
	kfree(info);
	return rc;
}

static int schsm_check_transmit(const struct schsm_transmit *t)
{
	if (t->flags || t->reserved || t->command.reserved ||
	    t->response.reserved)
		return -EINVAL;
	if (t->command.len < SCHSM_APDU_HDR || !t->response.len)
		return -EINVAL;
	if (t->command.len > SCHSM_MAX_APDU)
		return -E2BIG;
	return 0;
}

/*
 * Exchange the APDU and hand the response to the caller.  The response is
 * received into the chip's bounce buffer (whole, so that a caller whose
 * buffer is too small learns the size needed) and wiped after the copy.
 */
static int schsm_transmit_apdu(struct schsm_chip *chip, const u8 *cmd,
			       struct schsm_transmit *t)
{
	size_t rsp_len = 0;
	int rc;

	rc = schsm_try_get_ops(chip);
	if (rc)
		return rc;
	rc = schsm_transceive(chip, cmd, t->command.len, chip->xfer_rsp,
			      SCHSM_XFER_RSP_SIZE, &rsp_len, t->timeout_ms);
	if (rc) {
		/* a failed exchange may have left part of an answer */
		memzero_explicit(chip->xfer_rsp, SCHSM_XFER_RSP_SIZE);
		goto out;
	}
	if (rsp_len > t->response.len)
		rc = -EMSGSIZE;	/* the size needed, nothing copied */
	else if (copy_to_user(u64_to_user_ptr(t->response.ptr),
			      chip->xfer_rsp, rsp_len))
		rc = -EFAULT;
	t->response.len = rsp_len;
	memzero_explicit(chip->xfer_rsp, rsp_len);
out:
	schsm_put_ops(chip);
	return rc;
}

static long schsm_ioctl_transmit(struct schsm_chip *chip, void __user *uarg)
{
	struct schsm_transmit t;
	u8 *cmd;
	long rc;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	rc = schsm_copy_struct_from_user(&t, sizeof(t), uarg);
	if (rc)
		return rc;
	rc = schsm_check_transmit(&t);
	if (rc)
		return rc;

	cmd = memdup_user(u64_to_user_ptr(t.command.ptr), t.command.len);
	if (IS_ERR(cmd))
		return PTR_ERR(cmd);
	rc = schsm_transmit_apdu(chip, cmd, &t);
	kfree_sensitive(cmd);
	if (rc && rc != -EMSGSIZE)
		return rc;
	if (put_user(t.response.len,
		     (u32 __user *)(uarg + offsetof(struct schsm_transmit,
						    response.len))))
		return -EFAULT;
	return rc;
}

static long schsm_ioctl(struct file *file, unsigned int cmd,
			unsigned long arg)
{
	struct schsm_open_file *sf = file->private_data;
	void __user *uarg = (void __user *)arg;
	long rc;

	if (_IOC_TYPE(cmd) != SCHSM_IOC_MAGIC)
		return -ENOTTY;
	if (test_and_set_bit(0, &sf->busy))
		return -EBUSY;

	switch (cmd) {
	case SCHSM_IOC_GET_INFO:
		rc = schsm_ioctl_get_info(sf->chip, uarg);
		break;
	case SCHSM_IOC_TRANSMIT:
		rc = schsm_ioctl_transmit(sf->chip, uarg);
		break;
	default:
		rc = schsm_card_ioctl(sf->chip, file, cmd, uarg);
		break;
	}
	clear_bit(0, &sf->busy);
	return rc;
}

static int schsm_open(struct inode *inode, struct file *file)
{
	struct schsm_chip *chip = container_of(inode->i_cdev,
					       struct schsm_chip, cdev);
	struct schsm_open_file *sf;

	sf = kzalloc(sizeof(*sf), GFP_KERNEL);
	if (!sf)
		return -ENOMEM;
	get_device(&chip->dev);
	sf->chip = chip;
	file->private_data = sf;
	return stream_open(inode, file);
}

static int schsm_release(struct inode *inode, struct file *file)
{
	struct schsm_open_file *sf = file->private_data;

	put_device(&sf->chip->dev);
	kfree(sf);
	return 0;
}

static const struct file_operations schsm_fops = {
	.owner = THIS_MODULE,
	.open = schsm_open,
	.release = schsm_release,
	.unlocked_ioctl = schsm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/**
 * schsm_chardev_add() - give the chip a minor and add /dev/schsmN
 * @chip: the chip (device initialised, not yet added)
 *
 * Return: 0 or a negative errno.
 */
int schsm_chardev_add(struct schsm_chip *chip)
{
	int minor, rc;

	minor = ida_alloc_max(&schsm_minors, SCHSM_MINORS - 1, GFP_KERNEL);
	if (minor < 0)
		return minor;
	chip->dev.devt = MKDEV(MAJOR(schsm_devt), minor);
	rc = dev_set_name(&chip->dev, "schsm%d", minor);
	if (rc)
		return rc;	/* the minor is freed in release */
	cdev_init(&chip->cdev, &schsm_fops);
	chip->cdev.owner = THIS_MODULE;
	return cdev_device_add(&chip->cdev, &chip->dev);
}

/**
 * schsm_chardev_del() - remove /dev/schsmN; open files stay valid
 * @chip: the chip
 */
void schsm_chardev_del(struct schsm_chip *chip)
{
	cdev_device_del(&chip->cdev, &chip->dev);
}

/**
 * schsm_chardev_free_minor() - return the minor (from the chip's release)
 * @chip: the chip
 */
void schsm_chardev_free_minor(struct schsm_chip *chip)
{
	if (MAJOR(chip->dev.devt))
		ida_free(&schsm_minors, MINOR(chip->dev.devt));
}

/**
 * schsm_chardev_init() - register the char device region and the class
 *
 * Return: 0 or a negative errno.
 */
int schsm_chardev_init(void)
{
	int rc;

	rc = alloc_chrdev_region(&schsm_devt, 0, SCHSM_MINORS, "schsm");
	if (rc)
		return rc;
	rc = class_register(&schsm_class);
	if (rc)
		unregister_chrdev_region(schsm_devt, SCHSM_MINORS);
	return rc;
}

/**
 * schsm_chardev_exit() - undo schsm_chardev_init()
 */
void schsm_chardev_exit(void)
{
	class_unregister(&schsm_class);
	unregister_chrdev_region(schsm_devt, SCHSM_MINORS);
	ida_destroy(&schsm_minors);
}
