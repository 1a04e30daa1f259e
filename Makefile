# SPDX-License-Identifier: GPL-2.0
# schsm: top-level build.  The module is built by Kbuild (see ./Kbuild);
# the userspace helper and the emulator have their own Makefiles.
#
#   make                  module for KVER (if its headers exist), schsmctl, schsm-emu
#   make KVER=… KDIR=…    module for another kernel
#   make test             everything the CI runs (installs Debian packages first)
#   make demo             the end-to-end demonstration in a VM
#   make check            checkpatch --strict, sparse C=2, W=1 on both kernels
#   make install | dkms-install | clean

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
PREFIX ?= /usr/local
DESTDIR ?=
PACKAGE_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf 2>/dev/null)

.PHONY: all module tools userspace emulator test demo check deps clean install \
	module-install dkms-install bench-emu bench-transport bench-keyring bench-kdf

all: tools module

tools: userspace emulator

userspace:
	$(MAKE) -C userspace

emulator:
	$(MAKE) -C tests/emulator

module:
	@if [ -d "$(KDIR)" ]; then \
		$(MAKE) -C "$(KDIR)" M="$(CURDIR)" modules; \
	else \
		echo "module: no kernel headers at $(KDIR); set KVER= or KDIR= (skipped)"; \
	fi

deps:
	@./scripts/install-deps

test: deps
	./tests/run-all

demo: deps
	./tests/demo

check: deps
	./tests/check-kernel

bench-emu bench-transport bench-keyring bench-kdf: deps tools
	./tests/bench/$(@:bench-%=%)

module-install: module
	$(MAKE) -C "$(KDIR)" M="$(CURDIR)" modules_install

install: tools
	install -D -m 0755 userspace/bin/schsmctl $(DESTDIR)$(PREFIX)/bin/schsmctl
	install -D -m 0755 tests/emulator/schsm-emu $(DESTDIR)$(PREFIX)/bin/schsm-emu
	install -D -m 0755 scripts/schsm-sign-file $(DESTDIR)$(PREFIX)/bin/schsm-sign-file
	install -D -m 0644 kernel/include/uapi/linux/schsm.h $(DESTDIR)$(PREFIX)/include/linux/schsm.h
	install -D -m 0644 udev/60-schsm.rules $(DESTDIR)/etc/udev/rules.d/60-schsm.rules
	@if [ -d "$(KDIR)" ]; then $(MAKE) module-install; fi

dkms-install:
	install -d $(DESTDIR)/usr/src/schsm-$(PACKAGE_VERSION)
	cp -a Kbuild Makefile dkms.conf kernel $(DESTDIR)/usr/src/schsm-$(PACKAGE_VERSION)/
	dkms add schsm/$(PACKAGE_VERSION)
	dkms build schsm/$(PACKAGE_VERSION) -k $(KVER)
	dkms install schsm/$(PACKAGE_VERSION) -k $(KVER)

clean:
	@if [ -d "$(KDIR)" ]; then $(MAKE) -C "$(KDIR)" M="$(CURDIR)" clean; fi
	rm -f *.o *.ko *.mod *.mod.c *.mod.o modules.order Module.symvers kernel/*.o kernel/.*.cmd .*.cmd
	-$(MAKE) -C userspace clean
	-$(MAKE) -C tests/emulator clean
	rm -rf build
