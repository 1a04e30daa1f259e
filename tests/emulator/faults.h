/* SPDX-License-Identifier: GPL-2.0 */
/*
 * schsm-emu: fault injection for transport tests (commands: see faults.c).
 * The state is shared between a front-end's I/O path and its control-socket
 * thread, hence the lock; every query is one short critical section.
 */
#ifndef EMU_FAULTS_H
#define EMU_FAULTS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* One-shot faults: armed by a command, consumed by the next response. */
enum fault_once {
	FAULT_DROP,		/* drop-next */
	FAULT_TRUNCATE,		/* truncate-next */
	FAULT_OVERLONG,		/* overlong-next */
	FAULT_WRONG_SEQ,	/* wrong-seq-next */
	FAULT_BAD_LRC,		/* bad-lrc-next */
	FAULT_ONCE_COUNT
};

/* In faults.unsupported: this front-end cannot send time extensions. */
#define FAULT_NO_STORM		(1u << FAULT_ONCE_COUNT)

/* Commands the front-end itself must carry out. */
enum fault_action {
	FAULT_ACT_REMOVE,	/* card out of the slot */
	FAULT_ACT_INSERT,	/* card back in */
	FAULT_ACT_UNPLUG,	/* reader off the bus */
	FAULT_ACT_REPLUG,	/* reader back on the bus */
};

/* Returns 0 or -1 with a reason in err (at most errlen bytes). */
typedef int (*fault_action_fn)(void *ctx, enum fault_action act,
			       char *err, size_t errlen);

struct faults {
	pthread_mutex_t lock;	/* protects every field below */
	unsigned int delay_ms;	/* before every response, until "delay 0" */
	unsigned int wtx_storm;	/* extensions before the next response */
	bool hang;		/* swallow commands until reset or "clear" */
	bool sw61_forever;	/* every answer: 1 byte + 6101, until "clear" */
	bool once[FAULT_ONCE_COUNT];
	unsigned int unsupported; /* BIT(enum fault_once), FAULT_NO_STORM */
	fault_action_fn act;	/* may be NULL: actions then fail */
	void *act_ctx;
};

void faults_init(struct faults *f, fault_action_fn act, void *act_ctx);
void faults_destroy(struct faults *f);

/* One command line ("delay 50"); 0 or -1 with the reason in err. */
int faults_command(struct faults *f, const char *line, char *err,
		   size_t errlen);
/* --fault SPEC: commands separated by ',', "name=arg" or "name:arg". */
int faults_apply_spec(struct faults *f, const char *spec);

bool faults_take(struct faults *f, enum fault_once which);
unsigned int faults_take_wtx_storm(struct faults *f);
unsigned int faults_delay_ms(struct faults *f);
bool faults_hung(struct faults *f);
/* A USB reset or power cycle ends a "hang", as on the real token. */
void faults_clear_hang(struct faults *f);

/*
 * sw61-forever, for the applet (which has no front-end of its own): true
 * while the process's front-end armed it.  The one struct faults of the
 * process registers itself in faults_init() and leaves in faults_destroy().
 */
bool faults_sw61_forever(void);

/*
 * The --control socket: a listening UNIX stream socket at path (an old
 * socket file there is replaced).  control_serve() accepts one client and
 * runs its lines through faults_command(), answering "ok" or "error: …"
 * per line, until the client closes.  Returns -1 only if accept() fails.
 */
int control_listen(const char *path);
int control_serve(int lfd, struct faults *f);

#endif /* EMU_FAULTS_H */
