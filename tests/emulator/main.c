// SPDX-License-Identifier: GPL-2.0
/*
 * schsm-emu: a software SmartCard-HSM (Nitrokey HSM 2) for tests and CI.
 * Parses the command line into struct emu_opts, opens the token's state
 * file and hands it to exactly one front-end.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/cvc.h"
#include "emu.h"
#include "frontend.h"
#include "testpki.h"

static void usage(FILE *f)
{
	fprintf(f,
"usage: schsm-emu --state FILE [front-end] [options]\n"
"       schsm-emu --state FILE --info\n"
"       schsm-emu --export-root FILE\n"
"\n"
"A SmartCard-HSM (Nitrokey HSM 2, applet %d.%d) in software.  The whole token\n"
"lives in FILE (created factory-fresh when missing; delete it to start over).\n"
"\n"
"front-ends (one; default --vpcd 127.0.0.1:35963):\n"
"  --vpcd HOST:PORT    connect to pcscd's vsmartcard-vpcd reader\n"
"  --vscard PATH       serve QEMU ccid-card-passthru on a UNIX socket\n"
"  --gadget MODEL      USB CCID gadget: nitrokey | sc-hsm-ea | utrust\n"
"  --udc NAME          UDC for --gadget (default: the first one)\n"
"  --ffs-dir DIR       FunctionFS mount point for --gadget\n"
"options:\n"
"  --control PATH      fault-injection control socket\n"
"  --fault SPEC        fault injection from the start (see Documentation/emulator.md)\n"
"  --timing fast|real  real: the latencies of a real token (default fast)\n"
"  --pidfile FILE      write the PID once serving\n"
"  --info              print serial, device CHR and state, then exit\n"
"  --export-root FILE  write the test PKI's root CVC (the trust anchor of every\n"
"                      emulated token's device chain, for key attest --root)\n"
"  -v                  trace APDUs on stderr (PINs and shares hidden)\n"
"  -h, --help          this text\n", APPLET_VERSION_MAJOR, APPLET_VERSION_MINOR);
}

static void print_info(const struct applet *a)
{
	static const char *const dkek[] = { "none", "random", "shares" };
	size_t i, keys = 0, pka = 0;

	for (i = 1; i < 256; i++)
		keys += a->keys[i] != NULL;
	for (i = 0; i < PKA_MAX_KEYS; i++)
		pka += a->pka[i] != NULL;
	printf("serial: %s\n", a->serial);
	printf("device CHR: %s\n", a->chr);
	printf("applet version: %d.%d\n", APPLET_VERSION_MAJOR, APPLET_VERSION_MINOR);
	printf("initialized: %s\n", a->initialized ? "yes" : "no");
	if (!a->initialized)
		return;
	printf("options: 0x%04x\n", a->options);
	if (a->pin.set)
		printf("user PIN tries left: %u of %u%s\n", a->pin.tries_left,
		       a->pin.max_tries, a->transport_pin ? " (transport PIN)" : "");
	printf("SO-PIN tries left: %u\n", a->so.tries_left);
	printf("DKEK: %s", dkek[a->dkek_mode]);
	if (a->dkek_mode == DKEK_SHARES)
		printf(", %u of %u shares imported", a->dkek_imported, a->dkek_total);
	printf("\n");
	if (a->pka_n)
		printf("public key authentication: %zu of %u keys registered, %u required\n",
		       pka, a->pka_n, a->pka_m);
	printf("keys: %zu\n", keys);
	printf("files: %zu\n", a->nfiles);
}

enum { OPT_STATE = 256, OPT_VPCD, OPT_VSCARD, OPT_GADGET, OPT_UDC, OPT_FFS,
       OPT_CONTROL, OPT_FAULT, OPT_TIMING, OPT_PIDFILE, OPT_INFO, OPT_EXPORT_ROOT };

static const struct option long_opts[] = {
	{ "state", required_argument, NULL, OPT_STATE },
	{ "vpcd", required_argument, NULL, OPT_VPCD },
	{ "vscard", required_argument, NULL, OPT_VSCARD },
	{ "gadget", required_argument, NULL, OPT_GADGET },
	{ "udc", required_argument, NULL, OPT_UDC },
	{ "ffs-dir", required_argument, NULL, OPT_FFS },
	{ "control", required_argument, NULL, OPT_CONTROL },
	{ "fault", required_argument, NULL, OPT_FAULT },
	{ "timing", required_argument, NULL, OPT_TIMING },
	{ "pidfile", required_argument, NULL, OPT_PIDFILE },
	{ "info", no_argument, NULL, OPT_INFO },
	{ "export-root", required_argument, NULL, OPT_EXPORT_ROOT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/*
 * The root CVC: self-signed, with the curve's domain parameters, as a
 * verifier's trust anchor needs it (the DICA below inherits them).
 */
static int export_root(const char *path)
{
	const struct emu_pubkey *root = devid_builtin(TESTPKI_ROOT_CHR);
	struct cvc_fields f;
	struct tlvb cvc;
	FILE *o;
	int rc = 1;

	if (!root)
		return 1;
	f = (struct cvc_fields){ .car = root->chr, .chr = root->chr, .pub = root->pkey,
				 .oid = cvc_oid_ecdsa_sha256, .with_domain = true };
	tlvb_init(&cvc);
	if (!cvc_build(&cvc, &f, root->pkey, EVP_sha256(), false)) {
		o = fopen(path, "wb");
		if (o && fwrite(cvc.p, 1, cvc.len, o) == cvc.len)
			rc = 0;
		if (o && fclose(o))
			rc = 1;
	}
	tlvb_free(&cvc);
	if (rc)
		perror(path);
	return rc;
}

/* Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct emu_opts *o, bool *info,
		      const char **root_out)
{
	int c, frontends;

	while ((c = getopt_long(argc, argv, "vh", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_STATE: o->state = optarg; break;
		case OPT_VPCD: o->vpcd = optarg; break;
		case OPT_VSCARD: o->vscard = optarg; break;
		case OPT_GADGET: o->gadget = optarg; break;
		case OPT_UDC: o->udc = optarg; break;
		case OPT_FFS: o->ffs_dir = optarg; break;
		case OPT_CONTROL: o->control = optarg; break;
		case OPT_FAULT: o->faults = optarg; break;
		case OPT_PIDFILE: o->pidfile = optarg; break;
		case OPT_INFO: *info = true; break;
		case OPT_EXPORT_ROOT: *root_out = optarg; break;
		case 'v': o->verbose++; break;
		case 'h': usage(stdout); return 0;
		case OPT_TIMING:
			if (!strcmp(optarg, "fast")) {
				o->timing = EMU_TIMING_FAST;
			} else if (!strcmp(optarg, "real")) {
				o->timing = EMU_TIMING_REAL;
			} else {
				fprintf(stderr, "schsm-emu: --timing fast|real\n");
				return 2;
			}
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "schsm-emu: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (*root_out)
		return -1;	/* needs no token */
	if (!o->state) {
		fprintf(stderr, "schsm-emu: --state FILE is required\n");
		return 2;
	}
	frontends = !!o->vpcd + !!o->vscard + !!o->gadget;
	if (frontends > 1) {
		fprintf(stderr, "schsm-emu: choose one of --vpcd, --vscard, --gadget\n");
		return 2;
	}
	if ((o->udc || o->ffs_dir) && !o->gadget) {
		fprintf(stderr, "schsm-emu: --udc and --ffs-dir need --gadget\n");
		return 2;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct emu_opts o = { 0 };
	struct applet *a;
	const char *root_out = NULL;
	bool info = false;
	int rc;

	rc = parse_args(argc, argv, &o, &info, &root_out);
	if (rc >= 0)
		return rc;
	if (root_out) {
		rc = export_root(root_out);
		devid_cleanup();
		return rc;
	}
	a = applet_open(o.state);
	if (!a)
		return 1;
	if (info) {
		print_info(a);
		rc = 0;
	} else if (o.vscard) {
		rc = vscard_run(a, &o);
	} else if (o.gadget) {
		rc = gadget_run(a, &o);
	} else {
		rc = vpcd_run(a, &o);
	}
	applet_close(a);
	devid_cleanup();
	return rc;
}
