// SPDX-License-Identifier: GPL-2.0
/* Scripted CCID reader for tests/unit (see mock.h). */
#include <stdio.h>
#include <stdlib.h>
#include "mock.h"

size_t hex2bin(const char *hex, u8 *out, size_t cap)
{
	size_t n = 0;
	unsigned int v;
	int used;

	while (*hex) {
		if (*hex == ' ') {
			hex++;
			continue;
		}
		if (sscanf(hex, "%2x%n", &v, &used) != 1 || n >= cap)
			abort();
		out[n++] = v;
		hex += used;
	}
	return n;
}

static int mock_send(void *ctx, const u8 *msg, size_t len)
{
	struct mock *m = ctx;
	const struct mock_step *s;
	u8 want[70000];
	size_t n;

	m->sends++;
	if (m->pos >= m->n) {
		snprintf(m->err, sizeof(m->err), "send %u beyond the script",
			 m->sends);
		return -EIO;
	}
	s = &m->steps[m->pos];
	m->seq = msg[6];
	if (len < CCID_HDR_LEN || get_unaligned_le32(msg + 1) != len - CCID_HDR_LEN) {
		snprintf(m->err, sizeof(m->err), "step %zu: bad header", m->pos);
		return -EIO;
	}
	if (msg[0] == CCID_PC_XFR_BLOCK && get_unaligned_le16(msg + 8) != s->level) {
		snprintf(m->err, sizeof(m->err), "step %zu: level %#x, want %#x",
			 m->pos, get_unaligned_le16(msg + 8), s->level);
		return -EIO;
	}
	if (s->expect) {
		n = hex2bin(s->expect, want, sizeof(want));
		if (n != len - CCID_HDR_LEN || memcmp(want, msg + CCID_HDR_LEN, n)) {
			snprintf(m->err, sizeof(m->err),
				 "step %zu: sent %zu bytes not matching %s",
				 m->pos, len - CCID_HDR_LEN, s->expect);
			return -EIO;
		}
	}
	return 0;
}

static int mock_recv(void *ctx, u8 *buf, size_t cap, size_t *len,
		     unsigned int timeout_ms)
{
	struct mock *m = ctx;
	const struct mock_step *s;
	size_t n;

	(void)timeout_ms;
	if (m->pos >= m->n)
		return -ETIMEDOUT;
	s = &m->steps[m->pos++];
	if (s->reply_rc)
		return s->reply_rc;
	if (s->raw) {
		*len = hex2bin(s->raw, buf, cap);
		return 0;
	}
	n = s->reply ? hex2bin(s->reply, buf + CCID_HDR_LEN, cap - CCID_HDR_LEN) : 0;
	buf[0] = CCID_RDR_DATA_BLOCK;
	put_unaligned_le32(n, buf + 1);
	buf[5] = 0;
	buf[6] = m->seq + s->seq_delta;
	buf[7] = s->status;
	buf[8] = s->error;
	buf[9] = s->chain;
	*len = CCID_HDR_LEN + n;
	return 0;
}

const struct ccid_port_ops mock_ops = {
	.send = mock_send,
	.recv = mock_recv,
};

void mock_port(struct ccid_port *p, struct mock *m, u8 *buf, size_t size,
	       const struct mock_step *steps, size_t n)
{
	memset(m, 0, sizeof(*m));
	m->steps = steps;
	m->n = n;
	memset(p, 0, sizeof(*p));
	p->ops = &mock_ops;
	p->ctx = m;
	p->buf = buf;
	p->buf_size = size;
	p->max_msg = size;
}
