// SPDX-License-Identifier: GPL-2.0
/*
 * tests/keyring/storm.c: many processes signing through one token key at
 * once, the token unplugged while they sign, and the driver letting go of
 * everything afterwards (the module's reference count, rmmod).
 *
 * Judges: OpenSSL verifies every signature against the public key of the
 * key's CV request; the kernel gives the errno; sysfs and rmmod tell
 * whether references were dropped.  Nothing is timed: waits are bounded
 * loops that only look at state, the VM bench's watchdog catches a hang.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "../common/tap.h"
#include "keytest.h"

#define STORM_MAX_PROCS		64
#define UNPLUG_PROCS		8
#define UNPLUG_WARMUP		2	/* signatures each signer makes first */
#define UNPLUG_LATER		3	/* signs each tries after the unplug */
#define UNPLUG_DELAY_MS		"300"	/* the emulator's answer delay then */
#define POLL_US			50000
#define POLL_MAX		2400	/* bounds a wait for the device */

/* one signer's progress, in memory shared with the parent */
struct signer {
	unsigned int done;	/* signatures made and verified by openssl */
	unsigned int bad;	/* signatures openssl rejected */
	int err;		/* errno of the first failed pkey_sign, or 0 */
	unsigned int later;	/* signs tried after the unplug */
	unsigned int later_enodev;
	int later_other;	/* an errno other than ENODEV after the unplug */
};

struct board {
	int first_finished;	/* a signer completed all its signatures */
	int unplugged;		/* the parent saw the token go */
	unsigned int min_at_first, max_at_first;
	unsigned int nprocs;
	struct signer s[STORM_MAX_PROCS];
};

struct sign_job {
	key_serial_t key;
	const struct tkey *k;
	const char *info;
	size_t sig_cap;
};

static struct board *board_new(unsigned int nprocs)
{
	struct board *b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (b == MAP_FAILED)
		return NULL;
	memset(b, 0, sizeof(*b));
	b->nprocs = nprocs;
	return b;
}

static unsigned int load(const unsigned int *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* one signature over a fresh random digest; 1 verified, 0 rejected, -errno */
static int sign_one(const struct sign_job *j)
{
	uint8_t dg[32], sig[512];
	long n;

	RAND_bytes(dg, sizeof(dg));
	n = keyctl_pkey_sign(j->key, j->info, dg, sizeof(dg), sig, j->sig_cap);
	if (n < 0)
		return -errno;
	return ossl_verify(j->k->pub, "sha256", dg, sizeof(dg), sig, (size_t)n);
}

/* the largest signature the key makes, as the kernel reports it */
static size_t sig_cap(key_serial_t key, const char *info)
{
	struct keyctl_pkey_query q;

	if (keyctl_pkey_query(key, info, &q) < 0)
		return 0;
	if (q.max_sig_size > 512) {
		errno = EMSGSIZE;
		return 0;
	}
	return q.max_sig_size;
}

/**
 * sign_verified() - pkey_sign a random SHA-256 digest, openssl judges it
 * @key: the linked key
 * @k: its public key
 * @info: the keyctl info string
 *
 * Return: 1 verified, 0 rejected by openssl, -errno of a failed sign.
 */
int sign_verified(key_serial_t key, const struct tkey *k, const char *info)
{
	struct sign_job j = { key, k, info, sig_cap(key, info) };

	return j.sig_cap ? sign_one(&j) : -errno;
}

/* the first signer to finish records how far the others got by then */
static void note_first_finished(struct board *b, unsigned int self)
{
	unsigned int i, d, lo = ~0u, hi = 0;

	if (__atomic_exchange_n(&b->first_finished, 1, __ATOMIC_ACQ_REL))
		return;
	for (i = 0; i < b->nprocs; i++) {
		if (i == self)
			continue;
		d = load(&b->s[i].done);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	b->min_at_first = lo;
	b->max_at_first = hi;
}

static void storm_signer(const struct sign_job *j, struct board *b,
			 unsigned int self, unsigned int nsigs)
{
	struct signer *me = &b->s[self];
	unsigned int i;
	int r;

	for (i = 0; i < nsigs; i++) {
		r = sign_one(j);
		if (r < 0) {
			me->err = -r;
			break;
		}
		if (!r) {
			me->bad++;
			break;
		}
		__atomic_store_n(&me->done, i + 1, __ATOMIC_RELEASE);
	}
	if (i == nsigs)
		note_first_finished(b, self);
}

/* fork nprocs children running fn; returns how many were started */
static unsigned int spawn(pid_t *pids, unsigned int nprocs,
			  void (*fn)(const struct sign_job *, struct board *,
				     unsigned int, unsigned int),
			  const struct sign_job *j, struct board *b,
			  unsigned int arg)
{
	unsigned int i;

	fflush(stdout);
	for (i = 0; i < nprocs; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			break;
		if (pids[i] == 0) {
			fn(j, b, i, arg);
			_exit(0);
		}
	}
	return i;
}

/* reap the children; returns how many exited 0 */
static unsigned int reap(const pid_t *pids, unsigned int n)
{
	unsigned int i, clean = 0;
	int st;

	for (i = 0; i < n; i++)
		if (waitpid(pids[i], &st, 0) == pids[i] && WIFEXITED(st) &&
		    !WEXITSTATUS(st))
			clean++;
	return clean;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/**
 * test_storm() - nprocs processes x nsigs signatures, all judged by openssl
 *
 * Fairness without a clock: when the first signer has made all its
 * signatures, every other one must have made at least one (none starved
 * behind the others on the driver's queue), and none may end in an error.
 */
void test_storm(key_serial_t key, const struct tkey *k, const char *info,
		unsigned int nprocs, unsigned int nsigs)
{
	struct sign_job j = { key, k, info, sig_cap(key, info) };
	unsigned int i, started, clean, full = 0, total = 0, bad = 0;
	pid_t pids[STORM_MAX_PROCS] = { 0 };
	struct board *b;
	double t0;

	if (nprocs > STORM_MAX_PROCS)
		nprocs = STORM_MAX_PROCS;
	b = board_new(nprocs);
	if (!tap_ok(b && j.sig_cap, "storm: shared board, signature size %zu",
		    j.sig_cap))
		return;
	t0 = now_s();
	started = spawn(pids, nprocs, storm_signer, &j, b, nsigs);
	clean = reap(pids, started);
	for (i = 0; i < started; i++) {
		const struct signer *s = &b->s[i];

		total += s->done;
		bad += s->bad;
		full += s->done == nsigs;
		if (s->done != nsigs)
			tap_diag("signer %u: %u/%u signatures, %u rejected by openssl, error %s",
				 i, s->done, nsigs, s->bad,
				 s->err ? strerror(s->err) : "none");
	}
	tap_diag("%u x %u signatures (%s) in %.1f s, %.1f ms each (not asserted)",
		 nprocs, nsigs, info, now_s() - t0,
		 total ? (now_s() - t0) * 1000.0 / total : 0.0);
	tap_ok(started == nprocs && clean == nprocs && full == nprocs && !bad,
	       "%u processes x %u concurrent signatures (%s), all %u verified by openssl",
	       nprocs, nsigs, info, total);
	tap_ok(full == nprocs && b->first_finished && b->min_at_first > 0,
	       "fairness: no signer starved (when the first finished, the others had %u..%u)",
	       b->min_at_first, b->max_at_first);
	munmap(b, sizeof(*b));
}

/* ---- unplug during a storm ---------------------------------------------- */

static void unplug_signer(const struct sign_job *j, struct board *b,
			  unsigned int self, unsigned int unused)
{
	struct signer *me = &b->s[self];
	unsigned int i;
	int r;

	(void)unused;
	for (i = 0;; i++) {
		r = sign_one(j);
		if (r < 0) {
			me->err = -r;
			break;
		}
		if (!r)
			me->bad++;
		__atomic_store_n(&me->done, i + 1, __ATOMIC_RELEASE);
	}
	/* and once the device is gone for sure, every sign must say so */
	while (!__atomic_load_n(&b->unplugged, __ATOMIC_ACQUIRE))
		usleep(POLL_US / 5);
	for (i = 0; i < UNPLUG_LATER; i++) {
		r = sign_one(j);
		me->later++;
		if (r == -ENODEV)
			me->later_enodev++;
		else
			me->later_other = r < 0 ? -r : 0;
	}
}

static void stop_signers(const pid_t *pids, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
}

static bool warmed_up(const struct board *b, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (load(&b->s[i].done) < UNPLUG_WARMUP && !b->s[i].err)
			return false;
	return true;
}

/* the first /dev/schsmN, or "" */
static void first_device(char *out, size_t len)
{
	glob_t g;

	out[0] = 0;
	if (!glob("/dev/schsm[0-9]*", 0, NULL, &g) && g.gl_pathc)
		snprintf(out, len, "%s", g.gl_pathv[0]);
	globfree(&g);
}

static bool wait_device(char *out, size_t len)
{
	int i;

	for (i = 0; i < POLL_MAX; i++) {
		first_device(out, len);
		if (out[0])
			return true;
		usleep(POLL_US);
	}
	return false;
}

static int vmctl(const char *cmd)
{
	const char *tool = getenv("SCHSM_VMCTL");

	return sh("'%s' %s", tool, cmd);
}

static void check_unplug_errors(const struct board *b, unsigned int n)
{
	unsigned int i, enodev = 0, later = 0, later_ok = 0, made = 0, bad = 0;

	for (i = 0; i < n; i++) {
		const struct signer *s = &b->s[i];

		made += s->done;
		bad += s->bad;
		enodev += s->err == ENODEV;
		later += s->later;
		later_ok += s->later_enodev;
		if (s->err != ENODEV || s->later_enodev != s->later)
			tap_diag("signer %u: stopped with %s after %u signatures; after the unplug %u/%u ENODEV (other: %s)",
				 i, strerror(s->err), s->done, s->later_enodev,
				 s->later, s->later_other ?
				 strerror(s->later_other) : "a signature");
	}
	tap_ok(made >= n * UNPLUG_WARMUP && !bad,
	       "%u signatures before the unplug, all verified by openssl", made);
	tap_ok(enodev == n,
	       "every signer's in-flight or next pkey_sign failed with ENODEV (%u/%u)",
	       enodev, n);
	tap_ok(later == n * UNPLUG_LATER && later_ok == later,
	       "every pkey_sign after the unplug -> ENODEV (%u/%u)", later_ok,
	       later);
}

/* the device is gone: its node, the open file's ioctls */
static void check_device_gone(void)
{
	struct schsm_info info = { .size = sizeof(info) };
	char node[64];
	int ret;

	first_device(node, sizeof(node));
	tap_ok(!node[0], "no /dev/schsmN left after the unplug (%s)",
	       node[0] ? node : "none");
	ret = xioctl(SCHSM_IOC_GET_INFO, &info);
	tap_ok(ret == -ENODEV, "GET_INFO on the file opened before -> ENODEV (%s)",
	       strerror(-ret));
}

/* replug, log in again, and the key linked before the unplug signs again */
static void check_replug(const struct sign_job *j)
{
	char node[64];
	int r;

	close(fd);
	fd = -1;
	tap_ok(vmctl("replug") == 0 && wait_device(node, sizeof(node)),
	       "token replugged (%s)", node);
	/* the old chip kept minor 0 until its last reference went */
	tap_ok(!strcmp(node, dev_path),
	       "it is %s again: the unplugged chip was released (%s)", dev_path,
	       node);
	fd = open(node[0] ? node : dev_path, O_RDWR);
	tap_ok(fd >= 0 && wait_slot(SCHSM_SLOT_SELECTED, SCHSM_SLOT_SELECTED),
	       "opened, applet selected");
	r = sign_one(j);
	tap_ok(r == -EACCES, "pkey_sign before the new login -> EACCES (%s)",
	       r < 0 ? strerror(-r) : "signed");
	tap_ok(login(true) == 0, "LOGIN after the replug");
	r = sign_one(j);
	tap_ok(r == 1, "the same linked key signs again, verified by openssl (%d)",
	       r);
}

/**
 * test_unplug_storm() - unplug the token while UNPLUG_PROCS processes sign
 *
 * Needs the VM bench (SCHSM_VMCTL names tests/vm/vmctl); the kernel log
 * verdict (no WARN/BUG/oops) is the bench's.
 */
void test_unplug_storm(key_serial_t key, const struct tkey *k,
		       const char *info)
{
	struct sign_job j = { key, k, info, sig_cap(key, info) };
	pid_t pids[UNPLUG_PROCS] = { 0 };
	unsigned int started;
	struct board *b;

	if (!getenv("SCHSM_VMCTL") || !getenv("SCHSM_VM")) {
		tap_skip_one("unplug storm: not in the VM bench (no SCHSM_VMCTL)");
		return;
	}
	b = board_new(UNPLUG_PROCS);
	if (!tap_ok(b && j.sig_cap, "unplug storm: shared board"))
		return;
	started = spawn(pids, UNPLUG_PROCS, unplug_signer, &j, b, 0);
	while (started == UNPLUG_PROCS && !warmed_up(b, started))
		usleep(POLL_US);
	/* the token holds its answers back: the unplug meets an exchange */
	tap_ok(vmctl("emu delay " UNPLUG_DELAY_MS) == 0,
	       "emulator answers after " UNPLUG_DELAY_MS " ms from now on");
	if (!tap_ok(started == UNPLUG_PROCS && vmctl("unplug") == 0,
		    "token unplugged while %u processes sign", started))
		stop_signers(pids, started);	/* they would sign forever */
	__atomic_store_n(&b->unplugged, 1, __ATOMIC_RELEASE);
	tap_ok(vmctl("emu clear") == 0, "emulator delay cleared");
	tap_ok(reap(pids, started) == started,
	       "all signers returned (no hang) and exited cleanly");
	check_unplug_errors(b, started);
	check_device_gone();
	munmap(b, sizeof(*b));
	check_replug(&j);
}

static long module_refcnt(void)
{
	FILE *f = fopen("/sys/module/schsm/refcnt", "r");
	long n = -1;

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

/**
 * test_module_release() - with the keys unlinked and the device closed,
 * nothing holds the module: its reference count drops to 0 (the key
 * garbage collector runs asynchronously, so wait for it) and rmmod works.
 */
void test_module_release(void)
{
	long n = -1;
	int i;

	if (!getenv("SCHSM_VM")) {
		tap_skip_one("module release: not in the VM bench");
		return;
	}
	if (fd >= 0)
		close(fd);
	fd = -1;
	for (i = 0; i < POLL_MAX; i++) {
		n = module_refcnt();
		if (n == 0)
			break;
		usleep(POLL_US);
	}
	tap_ok(n == 0, "schsm's module reference count drops to 0 (%ld)", n);
	tap_ok(sh("rmmod schsm") == 0 && access("/sys/module/schsm", F_OK),
	       "rmmod schsm succeeds, nothing leaked a reference");
}
