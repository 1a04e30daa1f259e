// SPDX-License-Identifier: GPL-2.0
/*
 * schsm-emu front-end: the token as a USB CCID device, through a configfs
 * gadget with one FunctionFS function, on any UDC (dummy_hcd in the VM).
 *
 * Setup: configfs gadget with the model's IDs and strings, FunctionFS
 * mounted privately, v2 descriptors (full and high speed: one interface of
 * class 0x0B, the 54-byte CCID class descriptor, interrupt-IN, bulk-OUT,
 * bulk-IN) written to ep0, then bound to --udc or the first UDC.  With
 * --ffs-dir naming an already mounted FunctionFS instance, only the function
 * is served and binding is left to the caller.
 *
 * Threads: the main thread reads bulk-OUT and answers through ccid_card
 * into a queue that one thread writes to bulk-IN; one thread reads ep0
 * events (enable/disable/setup); one writes NotifySlotChange on the
 * interrupt pipe; one serves --control; one waits for SIGTERM/SIGINT.  Locks are never nested, except that gadget.bind_lock
 * is held across the UDC write.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/usb/ch9.h>
#include <openssl/crypto.h>
#include <linux/usb/functionfs.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ccid_card.h"
#include "faults.h"
#include "frontend.h"

#define CONFIGFS_GADGETS	"/sys/kernel/config/usb_gadget"
#define UDC_CLASS		"/sys/class/udc"
#define SERIAL_WIDTH		24	/* "DENK02006540000" + 9 spaces */
#define BULK_BUF		(CCID_HEADER + 65536 + 64)
#define GADGET_TXQ_LEN		16
#define GADGET_TXQ_WAIT_S	2	/* a host that reads nothing for this long gave up */
#define GADGET_THREADS		5

struct gadget_msg {
	size_t len;
	unsigned int bus_gen;		/* bus generation it was made for */
	uint8_t data[];
};

struct gadget {
	const struct ccid_model *model;
	const struct emu_opts *opts;
	struct ccid_card card;
	struct faults faults;

	char name[32];			/* gadget and FunctionFS instance */
	char gdir[128];			/* configfs gadget directory */
	char ffs[256];			/* FunctionFS mount point */
	char udc[64];
	bool own_configfs;		/* we built the gadget: tear it down */
	bool own_mount;
	bool own_mountdir;
	int ep0, ep_int, ep_out, ep_in;
	int control_fd;			/* --control listener */
	unsigned int in_maxpacket;

	pthread_mutex_t bind_lock;	/* serialises writes to UDC */
	bool bound;			/* we are bound to the UDC */

	pthread_mutex_t lock;		/* protects the fields below */
	pthread_cond_t cond;		/* any of them changed */
	bool enabled;			/* host configured the function */
	unsigned int bus_gen;		/* bumped on every ENABLE */
	bool notify_pending;
	bool stop;
	struct gadget_msg *txq[GADGET_TXQ_LEN];	/* bulk-IN queue */
	unsigned int txq_head, txq_count;
};

/* ---- small file helpers ---- */

static int write_file(const char *dir, const char *file, const char *val)
{
	char path[512];
	int fd, rc = 0;
	size_t len = strlen(val);

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, val, len) != (ssize_t)len) {
		fprintf(stderr, "schsm-emu: %s: %s\n", path, strerror(errno));
		rc = -1;
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

static int make_dir(const char *dir, const char *sub)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if (mkdir(path, 0755) && errno != EEXIST) {
		fprintf(stderr, "schsm-emu: mkdir %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	return 0;
}

static void remove_dir(const char *dir, const char *sub)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	rmdir(path);
}

/* ---- descriptors ---- */

struct ffs_ep_desc {
	uint8_t bLength, bDescriptorType, bEndpointAddress, bmAttributes;
	uint16_t wMaxPacketSize;
	uint8_t bInterval;
} __attribute__((packed));

struct ffs_speed_descs {
	struct usb_interface_descriptor intf;
	uint8_t ccid[CCID_CLASS_DESC_LEN];
	struct ffs_ep_desc ep_int, ep_out, ep_in;
} __attribute__((packed));

struct ffs_descs {
	struct usb_functionfs_descs_head_v2 head;
	uint32_t fs_count, hs_count;
	struct ffs_speed_descs fs, hs;
} __attribute__((packed));

static void gadget_fill_speed(const struct ccid_model *m,
			      struct ffs_speed_descs *d, uint16_t bulk_size,
			      uint8_t int_interval)
{
	d->intf = (struct usb_interface_descriptor) {
		.bLength = USB_DT_INTERFACE_SIZE,
		.bDescriptorType = USB_DT_INTERFACE,
		.bNumEndpoints = 3,
		.bInterfaceClass = 0x0B,
		.iInterface = m->interface ? 1 : 0,
	};
	ccid_class_descriptor(m, d->ccid);
	/* Addresses as in the Nitrokey firmware; the UDC may renumber. */
	d->ep_int = (struct ffs_ep_desc) {
		.bLength = USB_DT_ENDPOINT_SIZE,
		.bDescriptorType = USB_DT_ENDPOINT,
		.bEndpointAddress = 0x81,
		.bmAttributes = USB_ENDPOINT_XFER_INT,
		.wMaxPacketSize = htole16(64),
		.bInterval = int_interval,
	};
	d->ep_out = (struct ffs_ep_desc) {
		.bLength = USB_DT_ENDPOINT_SIZE,
		.bDescriptorType = USB_DT_ENDPOINT,
		.bEndpointAddress = 0x02,
		.bmAttributes = USB_ENDPOINT_XFER_BULK,
		.wMaxPacketSize = htole16(bulk_size),
	};
	d->ep_in = d->ep_out;
	d->ep_in.bEndpointAddress = 0x82;
}

static int gadget_write_descriptors(struct gadget *g)
{
	struct ffs_descs d;
	uint8_t strings[128];
	struct usb_functionfs_strings_head *sh = (void *)strings;
	size_t slen = sizeof(*sh);

	memset(&d, 0, sizeof(d));
	d.head.magic = htole32(FUNCTIONFS_DESCRIPTORS_MAGIC_V2);
	d.head.length = htole32(sizeof(d));
	d.head.flags = htole32(FUNCTIONFS_HAS_FS_DESC | FUNCTIONFS_HAS_HS_DESC);
	d.fs_count = htole32(5);
	d.hs_count = htole32(5);
	/* bInterval: 24 frames at full speed, 2^(8-1) microframes at high. */
	gadget_fill_speed(g->model, &d.fs, 64, 0x18);
	gadget_fill_speed(g->model, &d.hs, 512, 0x08);
	if (write(g->ep0, &d, sizeof(d)) != (ssize_t)sizeof(d)) {
		fprintf(stderr, "schsm-emu: FunctionFS descriptors: %s\n",
			strerror(errno));
		return -1;
	}

	memset(strings, 0, sizeof(strings));
	sh->magic = htole32(FUNCTIONFS_STRINGS_MAGIC);
	if (g->model->interface) {
		size_t n = strlen(g->model->interface) + 1;

		sh->str_count = htole32(1);
		sh->lang_count = htole32(1);
		strings[slen] = 0x09;		/* en-US, little-endian */
		strings[slen + 1] = 0x04;
		memcpy(strings + slen + 2, g->model->interface, n);
		slen += 2 + n;
	}
	sh->length = htole32((uint32_t)slen);
	if (write(g->ep0, strings, slen) != (ssize_t)slen) {
		fprintf(stderr, "schsm-emu: FunctionFS strings: %s\n",
			strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- configfs gadget ---- */

static int gadget_first_udc(char *out, size_t len)
{
	DIR *d = opendir(UDC_CLASS);
	struct dirent *e;
	int rc = -1;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || strlen(e->d_name) >= len)
			continue;
		memcpy(out, e->d_name, strlen(e->d_name) + 1);
		rc = 0;
		break;
	}
	closedir(d);
	return rc;
}

static int gadget_configfs_create(struct gadget *g, struct applet *a)
{
	const struct ccid_model *m = g->model;
	char val[64], func[64], link[512], target[512];
	const char *serial = applet_serial(a);

	snprintf(g->gdir, sizeof(g->gdir), "%s/%s", CONFIGFS_GADGETS, g->name);
	if (mkdir(g->gdir, 0755)) {
		fprintf(stderr, "schsm-emu: mkdir %s: %s (configfs mounted, "
			"libcomposite and usb_f_fs loaded?)\n", g->gdir,
			strerror(errno));
		return -1;
	}
	g->own_configfs = true;
	snprintf(val, sizeof(val), "0x%04x", m->vid);
	if (write_file(g->gdir, "idVendor", val))
		return -1;
	snprintf(val, sizeof(val), "0x%04x", m->pid);
	if (write_file(g->gdir, "idProduct", val))
		return -1;
	snprintf(val, sizeof(val), "0x%04x", m->bcd_device);
	if (write_file(g->gdir, "bcdDevice", val))
		return -1;
	snprintf(val, sizeof(val), "%-*.*s", SERIAL_WIDTH, SERIAL_WIDTH,
		 serial ? serial : "");
	if (make_dir(g->gdir, "strings/0x409") ||
	    write_file(g->gdir, "strings/0x409/manufacturer",
		       m->manufacturer) ||
	    write_file(g->gdir, "strings/0x409/product", m->product) ||
	    write_file(g->gdir, "strings/0x409/serialnumber", val))
		return -1;
	if (make_dir(g->gdir, "configs/c.1") ||
	    write_file(g->gdir, "configs/c.1/MaxPower", "100") ||
	    write_file(g->gdir, "configs/c.1/bmAttributes", "0x80"))
		return -1;
	snprintf(func, sizeof(func), "functions/ffs.%s", g->name);
	if (make_dir(g->gdir, func))
		return -1;
	snprintf(target, sizeof(target), "%s/%s", g->gdir, func);
	snprintf(link, sizeof(link), "%s/configs/c.1/ffs.%s", g->gdir,
		 g->name);
	if (symlink(target, link)) {
		fprintf(stderr, "schsm-emu: symlink %s: %s\n", link,
			strerror(errno));
		return -1;
	}
	return 0;
}

static void gadget_configfs_remove(struct gadget *g)
{
	char sub[96];

	if (!g->own_configfs)
		return;
	snprintf(sub, sizeof(sub), "configs/c.1/ffs.%s", g->name);
	{
		char path[512];

		snprintf(path, sizeof(path), "%s/%s", g->gdir, sub);
		unlink(path);
	}
	remove_dir(g->gdir, "configs/c.1");
	snprintf(sub, sizeof(sub), "functions/ffs.%s", g->name);
	remove_dir(g->gdir, sub);
	remove_dir(g->gdir, "strings/0x409");
	rmdir(g->gdir);
}

static int gadget_mount(struct gadget *g)
{
	const char *dir = g->opts->ffs_dir;

	if (dir) {
		snprintf(g->ffs, sizeof(g->ffs), "%s", dir);
		if (mkdir(g->ffs, 0700) == 0)
			g->own_mountdir = true;
	} else {
		snprintf(g->ffs, sizeof(g->ffs), "/tmp/schsm-ffs.XXXXXX");
		if (!mkdtemp(g->ffs)) {
			fprintf(stderr, "schsm-emu: mkdtemp: %s\n",
				strerror(errno));
			return -1;
		}
		g->own_mountdir = true;
	}
	if (mount(g->name, g->ffs, "functionfs", 0, NULL)) {
		fprintf(stderr, "schsm-emu: mount functionfs %s on %s: %s\n",
			g->name, g->ffs, strerror(errno));
		return -1;
	}
	g->own_mount = true;
	return 0;
}

static int gadget_bind(struct gadget *g, bool bind)
{
	int rc;

	if (!g->own_configfs)
		return -1;
	pthread_mutex_lock(&g->bind_lock);
	if (g->bound == bind) {
		pthread_mutex_unlock(&g->bind_lock);
		return 0;	/* already as asked */
	}
	rc = write_file(g->gdir, "UDC", bind ? g->udc : "\n");
	if (!rc)
		g->bound = bind;
	pthread_mutex_unlock(&g->bind_lock);
	return rc;
}

/* ---- endpoints ---- */

static int gadget_open_ep(struct gadget *g, const char *ep, int flags)
{
	char path[300];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", g->ffs, ep);
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "schsm-emu: %s: %s\n", path, strerror(errno));
	return fd;
}

static void gadget_unlock(void *arg)
{
	pthread_mutex_unlock(arg);
}

/*
 * Bulk-IN goes through a queue and its own thread, as through the real
 * reader's endpoint buffer: a host that gave up on an answer and sends its
 * next command must not find the reader stuck on the unread answer.  The
 * queue is emptied on every bus reset (its messages carry the bus
 * generation), as the endpoint FIFO is.
 */
static int gadget_send(void *ctx, const uint8_t *msg, size_t len)
{
	struct gadget *g = ctx;
	struct gadget_msg *m;

	m = malloc(sizeof(*m) + len);
	if (!m)
		return -1;
	m->len = len;
	memcpy(m->data, msg, len);
	pthread_mutex_lock(&g->lock);
	m->bus_gen = g->bus_gen;
	/*
	 * Like the reader's endpoint, wait while the host is reading (a burst
	 * such as a time-extension storm is paced by the host); only a host
	 * that stopped reading loses its oldest message.
	 */
	if (g->txq_count == GADGET_TXQ_LEN) {
		unsigned int gen = g->bus_gen;
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += GADGET_TXQ_WAIT_S;
		while (g->txq_count == GADGET_TXQ_LEN && !g->stop &&
		       g->bus_gen == gen &&
		       pthread_cond_timedwait(&g->cond, &g->lock, &until) != ETIMEDOUT)
			;
		if (g->bus_gen != gen) {
			/* the host reset the bus: what we were answering is gone */
			pthread_mutex_unlock(&g->lock);
			OPENSSL_cleanse(m->data, m->len);
			free(m);
			return -1;
		}
	}
	if (g->txq_count == GADGET_TXQ_LEN) {
		/* Nobody reads: the oldest answer is the least useful. */
		struct gadget_msg *old = g->txq[g->txq_head];

		OPENSSL_cleanse(old->data, old->len);
		free(old);
		g->txq_head = (g->txq_head + 1) % GADGET_TXQ_LEN;
		g->txq_count--;
	}
	g->txq[(g->txq_head + g->txq_count) % GADGET_TXQ_LEN] = m;
	g->txq_count++;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
	return 0;
}

/* Next message of the current bus generation; NULL when stopping. */
static struct gadget_msg *gadget_txq_pop(struct gadget *g)
{
	/* volatile: pthread_cleanup_push() may be built on setjmp() */
	struct gadget_msg *volatile m = NULL;

	pthread_mutex_lock(&g->lock);
	pthread_cleanup_push(gadget_unlock, &g->lock);
	while (!g->stop) {
		if (g->txq_count && g->enabled) {
			m = g->txq[g->txq_head];
			g->txq_head = (g->txq_head + 1) % GADGET_TXQ_LEN;
			g->txq_count--;
			pthread_cond_broadcast(&g->cond);	/* room for gadget_send() */
			if (m->bus_gen == g->bus_gen)
				break;
			OPENSSL_cleanse(m->data, m->len);
			free(m);
			m = NULL;
			continue;
		}
		pthread_cond_wait(&g->cond, &g->lock);
	}
	pthread_cleanup_pop(1);
	return m;
}

static void gadget_txq_flush(struct gadget *g)
{
	pthread_mutex_lock(&g->lock);
	while (g->txq_count) {
		struct gadget_msg *m = g->txq[g->txq_head];

		OPENSSL_cleanse(m->data, m->len);
		free(m);
		g->txq_head = (g->txq_head + 1) % GADGET_TXQ_LEN;
		g->txq_count--;
	}
	pthread_mutex_unlock(&g->lock);
}

static void *gadget_tx_thread(void *arg)
{
	struct gadget *g = arg;
	struct gadget_msg *m;

	while ((m = gadget_txq_pop(g))) {
		ssize_t n = write(g->ep_in, m->data, m->len);

		/* A zero-length packet ends a message that fills its last one. */
		if (n == (ssize_t)m->len && g->in_maxpacket &&
		    m->len % g->in_maxpacket == 0)
			n = write(g->ep_in, m->data, 0);
		if (n < 0 && g->opts->verbose)
			fprintf(stderr, "schsm-emu: bulk-IN: %s\n",
				strerror(errno));
		OPENSSL_cleanse(m->data, m->len);
		free(m);
	}
	return NULL;
}

static void gadget_note_maxpacket(struct gadget *g)
{
	struct usb_endpoint_descriptor d;

	if (ioctl(g->ep_in, FUNCTIONFS_ENDPOINT_DESC, &d) == 0)
		g->in_maxpacket = le16toh(d.wMaxPacketSize) & 0x7FF;
}

/* ---- ep0: events and class requests ---- */

static void gadget_setup(struct gadget *g, const struct usb_ctrlrequest *r)
{
	bool in = r->bRequestType & USB_DIR_IN;
	uint8_t zero = 0;

	/* CCID class requests to the interface (CCID 1.1 §5.3). */
	if ((r->bRequestType & USB_TYPE_MASK) == USB_TYPE_CLASS) {
		if (r->bRequest == 0x01 && !in) {
			/* ABORT: accepted, and a no-op as on the Nitrokey. */
			if (read(g->ep0, NULL, 0) < 0 && g->opts->verbose)
				fprintf(stderr, "schsm-emu: ABORT ack failed\n");
			return;
		}
		if (r->bRequest == 0x03 && in && g->model->data_rates_byte &&
		    le16toh(r->wLength) >= 1) {
			/* GET_DATA_RATES: the firmware's stub answers 1 byte */
			if (write(g->ep0, &zero, 1) < 0 && g->opts->verbose)
				fprintf(stderr, "schsm-emu: ep0 write failed\n");
			return;
		}
	}
	/* Anything else: stall, by transferring in the wrong direction. */
	if (in) {
		if (read(g->ep0, &zero, 0) < 0 && errno != EL2HLT &&
		    g->opts->verbose)
			fprintf(stderr, "schsm-emu: ep0 stall: %s\n",
				strerror(errno));
	} else if (write(g->ep0, &zero, 0) < 0 && errno != EL2HLT &&
		   g->opts->verbose) {
		fprintf(stderr, "schsm-emu: ep0 stall: %s\n", strerror(errno));
	}
}

static void gadget_event(struct gadget *g, const struct usb_functionfs_event *e)
{
	switch (e->type) {
	case FUNCTIONFS_ENABLE:
		pthread_mutex_lock(&g->lock);
		g->enabled = true;
		g->bus_gen++;
		g->notify_pending = true;
		pthread_cond_broadcast(&g->cond);
		pthread_mutex_unlock(&g->lock);
		break;
	case FUNCTIONFS_DISABLE:
	case FUNCTIONFS_UNBIND:
		pthread_mutex_lock(&g->lock);
		g->enabled = false;
		pthread_cond_broadcast(&g->cond);
		pthread_mutex_unlock(&g->lock);
		break;
	case FUNCTIONFS_SETUP:
		gadget_setup(g, &e->u.setup);
		break;
	case FUNCTIONFS_SUSPEND:
	case FUNCTIONFS_RESUME:
		/*
		 * A suspended device keeps its bus power (USB 2.0 9.1.1.6):
		 * the card session stays, nothing to do.  A host that
		 * resets the device on resume shows up as DISABLE/ENABLE.
		 */
		if (g->opts->verbose)
			fprintf(stderr, "schsm-emu: bus %s\n",
				e->type == FUNCTIONFS_SUSPEND ? "suspend" :
								"resume");
		break;
	default:
		break;
	}
}

static void *gadget_ep0_thread(void *arg)
{
	struct gadget *g = arg;
	struct usb_functionfs_event ev[4];

	for (;;) {
		ssize_t n = read(g->ep0, ev, sizeof(ev));
		size_t i;

		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			break;
		}
		for (i = 0; i < (size_t)n / sizeof(ev[0]); i++)
			gadget_event(g, &ev[i]);
	}
	return NULL;
}

/* ---- interrupt pipe: NotifySlotChange ---- */

static void *gadget_notify_thread(void *arg)
{
	struct gadget *g = arg;

	for (;;) {
		uint8_t msg[2] = { 0x50, 0 };
		bool stop;

		pthread_mutex_lock(&g->lock);
		pthread_cleanup_push(gadget_unlock, &g->lock);
		while (!g->stop && !(g->notify_pending && g->enabled))
			pthread_cond_wait(&g->cond, &g->lock);
		stop = g->stop;
		g->notify_pending = false;
		pthread_cleanup_pop(1);
		if (stop)
			break;
		msg[1] = ccid_card_notify_bits(&g->card);
		/* Blocks until the host polls; fails when it goes away. */
		if (write(g->ep_int, msg, sizeof(msg)) < 0 && g->opts->verbose)
			fprintf(stderr, "schsm-emu: interrupt-IN: %s\n",
				strerror(errno));
	}
	return NULL;
}

/* ---- control socket actions ---- */

static int gadget_action(void *ctx, enum fault_action act, char *err,
			 size_t errlen)
{
	struct gadget *g = ctx;
	bool changed;

	switch (act) {
	case FAULT_ACT_REMOVE:
	case FAULT_ACT_INSERT:
		changed = ccid_card_set_present(&g->card,
						act == FAULT_ACT_INSERT);
		if (changed) {
			pthread_mutex_lock(&g->lock);
			g->notify_pending = true;
			pthread_cond_broadcast(&g->cond);
			pthread_mutex_unlock(&g->lock);
		}
		return 0;
	case FAULT_ACT_UNPLUG:
	case FAULT_ACT_REPLUG:
		if (!g->own_configfs) {
			snprintf(err, errlen, "--ffs-dir: the UDC is not ours");
			return -1;
		}
		if (gadget_bind(g, act == FAULT_ACT_REPLUG)) {
			snprintf(err, errlen, "writing UDC failed");
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen, "unknown action");
	return -1;
}

/* The listener exists before the gadget binds: no client finds it absent. */
static void *gadget_control_thread(void *arg)
{
	struct gadget *g = arg;

	while (control_serve(g->control_fd, &g->faults) == 0)
		;
	return NULL;
}

static void *gadget_signal_thread(void *arg)
{
	struct gadget *g = arg;
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigwait(&set, &sig);
	pthread_mutex_lock(&g->lock);
	g->stop = true;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
	/* Unbinding fails every pending transfer, so the I/O loop wakes. */
	if (g->own_configfs)
		gadget_bind(g, false);
	return NULL;
}

/* ---- the CCID loop ---- */

/* Wait until the host has configured us; false when stopping. */
static bool gadget_wait_enabled(struct gadget *g, unsigned int *gen)
{
	bool ok;

	pthread_mutex_lock(&g->lock);
	while (!g->stop && (!g->enabled || g->bus_gen == *gen))
		pthread_cond_wait(&g->cond, &g->lock);
	ok = !g->stop;
	*gen = g->bus_gen;
	pthread_mutex_unlock(&g->lock);
	return ok;
}

static void gadget_serve(struct gadget *g)
{
	uint8_t *buf = malloc(BULK_BUF);
	unsigned int gen = 0;

	if (!buf)
		return;
	while (gadget_wait_enabled(g, &gen)) {
		/* A new configuration is a bus reset: no chain survives. */
		ccid_card_bus_reset(&g->card);
		gadget_note_maxpacket(g);
		for (;;) {
			ssize_t n = read(g->ep_out, buf, BULK_BUF);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				break;	/* disabled, reset or unbound */
			if (ccid_card_handle(&g->card, buf, (size_t)n))
				break;
		}
	}
	OPENSSL_cleanse(buf, BULK_BUF);
	free(buf);
}

static int gadget_write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f)) {
		fprintf(stderr, "schsm-emu: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int gadget_setup_all(struct gadget *g, struct applet *a)
{
	if (g->opts->ffs_dir) {
		char ep0[300];

		snprintf(ep0, sizeof(ep0), "%s/ep0", g->opts->ffs_dir);
		if (access(ep0, F_OK) == 0) {
			/* Someone else built and binds the gadget. */
			snprintf(g->ffs, sizeof(g->ffs), "%s",
				 g->opts->ffs_dir);
			return 0;
		}
	}
	if (g->opts->udc)
		snprintf(g->udc, sizeof(g->udc), "%s", g->opts->udc);
	else if (gadget_first_udc(g->udc, sizeof(g->udc))) {
		fprintf(stderr, "schsm-emu: no UDC in %s (modprobe "
			"dummy_hcd?)\n", UDC_CLASS);
		return -1;
	}
	if (gadget_configfs_create(g, a) || gadget_mount(g))
		return -1;
	return 0;
}

static void gadget_teardown(struct gadget *g)
{
	if (g->own_configfs)
		gadget_bind(g, false);
	if (g->ep_int >= 0)
		close(g->ep_int);
	if (g->ep_out >= 0)
		close(g->ep_out);
	if (g->ep_in >= 0)
		close(g->ep_in);
	if (g->ep0 >= 0)
		close(g->ep0);
	if (g->control_fd >= 0) {
		close(g->control_fd);
		unlink(g->opts->control);
	}
	if (g->own_mount && umount(g->ffs))
		fprintf(stderr, "schsm-emu: umount %s: %s\n", g->ffs,
			strerror(errno));
	if (g->own_mountdir)
		rmdir(g->ffs);
	gadget_configfs_remove(g);
}

static int gadget_start_threads(struct gadget *g,
				pthread_t th[GADGET_THREADS],
				bool started[GADGET_THREADS])
{
	void *(*fn[GADGET_THREADS])(void *) = {
		gadget_signal_thread, gadget_ep0_thread, gadget_notify_thread,
		gadget_tx_thread, gadget_control_thread,
	};
	int i;

	for (i = 0; i < GADGET_THREADS; i++) {
		if (fn[i] == gadget_control_thread && !g->opts->control)
			continue;
		if (pthread_create(&th[i], NULL, fn[i], g)) {
			fprintf(stderr, "schsm-emu: pthread_create failed\n");
			return -1;
		}
		started[i] = true;
	}
	return 0;
}

int gadget_run(struct applet *a, const struct emu_opts *o)
{
	struct gadget *g;
	pthread_t th[GADGET_THREADS];
	bool started[GADGET_THREADS] = { false };
	sigset_t set;
	int i, rc = 1;

	g = calloc(1, sizeof(*g));
	if (!g)
		return 1;
	g->opts = o;
	g->model = ccid_model_find(o->gadget);
	g->ep0 = g->ep_int = g->ep_out = g->ep_in = g->control_fd = -1;
	pthread_mutex_init(&g->lock, NULL);
	pthread_mutex_init(&g->bind_lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	snprintf(g->name, sizeof(g->name), "schsm%ld", (long)getpid());
	if (!g->model) {
		fprintf(stderr, "schsm-emu: --gadget %s: use nitrokey, "
			"sc-hsm-ea or utrust\n", o->gadget);
		goto out_free;
	}
	faults_init(&g->faults, gadget_action, g);
	if (g->model->level != CCID_LEVEL_TPDU)
		g->faults.unsupported |= 1u << FAULT_BAD_LRC;
	if (o->faults && faults_apply_spec(&g->faults, o->faults))
		goto out_faults;
	if (ccid_card_init(&g->card, g->model, a, &g->faults, o, gadget_send,
			   g))
		goto out_faults;

	/* Signals go to the signal thread only; a dead host is no SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	if (gadget_setup_all(g, a))
		goto out_teardown;
	g->ep0 = gadget_open_ep(g, "ep0", O_RDWR);
	if (g->ep0 < 0 || gadget_write_descriptors(g))
		goto out_teardown;
	g->ep_int = gadget_open_ep(g, "ep1", O_WRONLY);
	g->ep_out = gadget_open_ep(g, "ep2", O_RDONLY);
	g->ep_in = gadget_open_ep(g, "ep3", O_WRONLY);
	if (g->ep_int < 0 || g->ep_out < 0 || g->ep_in < 0)
		goto out_teardown;
	if (o->control) {
		g->control_fd = control_listen(o->control);
		if (g->control_fd < 0)
			goto out_teardown;
	}
	if (gadget_start_threads(g, th, started))
		goto out_stop;
	if (g->own_configfs && gadget_bind(g, true))
		goto out_stop;
	if (o->pidfile && gadget_write_pidfile(o->pidfile))
		goto out_stop;
	fprintf(stderr, "schsm-emu: %s gadget %04x:%04x on %s\n",
		g->model->name, g->model->vid, g->model->pid,
		g->own_configfs ? g->udc : g->ffs);
	gadget_serve(g);
	rc = 0;
out_stop:
	pthread_mutex_lock(&g->lock);
	g->stop = true;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
	if (g->own_configfs)
		gadget_bind(g, false);
	for (i = 0; i < GADGET_THREADS; i++) {
		if (!started[i])
			continue;
		if (i == 0)
			pthread_kill(th[i], SIGTERM);
		else
			pthread_cancel(th[i]);
		pthread_join(th[i], NULL);
	}
out_teardown:
	gadget_teardown(g);
	ccid_card_destroy(&g->card);
	gadget_txq_flush(g);
out_faults:
	faults_destroy(&g->faults);
out_free:
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
	pthread_mutex_destroy(&g->bind_lock);
	free(g);
	return rc;
}
