# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shared helpers of the schsmctl suites: TAP counters, and a private pcscd
# with a vpcd card for running OpenSC's sc-hsm-tool as the judge.
#
# pcscd always serves /run/pcscd/pcscd.comm, so pcsc_start needs a private
# mount namespace: suites re-exec themselves with pcsc_enter_namespace,
# which mounts a tmpfs over /run/pcscd for this process tree only.

TAP_N=0 TAP_PASS=0 TAP_FAIL=0 TAP_SKIP=0

ok() {	# ok NAME CMD...  -- passes when CMD exits 0
	local name=$1
	shift
	TAP_N=$((TAP_N + 1))
	if "$@"; then
		TAP_PASS=$((TAP_PASS + 1))
		echo "ok $TAP_N - $name"
	else
		TAP_FAIL=$((TAP_FAIL + 1))
		echo "not ok $TAP_N - $name"
	fi
}

skip() {	# skip NAME REASON
	TAP_N=$((TAP_N + 1))
	TAP_SKIP=$((TAP_SKIP + 1))
	echo "ok $TAP_N - $1 # SKIP $2"
}

tap_done() {
	if [ "$TAP_SKIP" -gt 0 ]; then
		echo "$TAP_PASS passed, $TAP_FAIL failed, $TAP_SKIP skipped"
	else
		echo "$TAP_PASS passed, $TAP_FAIL failed"
	fi
	[ "$TAP_FAIL" -eq 0 ]
}

# expect_rc RC CMD... : CMD exits with exactly RC
expect_rc() {
	local want=$1 got
	shift
	"$@" >/dev/null 2>"$WORK/stderr"
	got=$?
	[ "$got" -eq "$want" ] && return 0
	echo "# expected exit $want, got $got: $(head -c 300 "$WORK/stderr")"
	return 1
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Re-exec "$@" in a private mount namespace unless already inside one.
pcsc_enter_namespace() {
	if [ -z "${SCHSM_PCSC_NS:-}" ]; then
		SCHSM_PCSC_NS=1 exec unshare --mount --propagation private "$@"
	fi
	mkdir -p /run/pcscd
	mount -t tmpfs -o mode=0755 tmpfs /run/pcscd
}

PCSCD_PID='' CARD_PID=''
# pcsc_start CARDCMD... : pcscd with one vpcd slot on a free port, then the
# card (CARDCMD gets the port appended); waits until OpenSC sees the card.
# A shell function as CARDCMD must exec the card, so that CARD_PID is the
# card's own PID and pcsc_stop ends it.
pcsc_start() {
	local port
	port=$(free_port)
	mkdir -p "$WORK/reader.conf.d"
	cat >"$WORK/reader.conf.d/vpcd" <<-CONF
	FRIENDLYNAME "Virtual PCD"
	DEVICENAME   /dev/null:$port
	LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so
	CHANNELID    $port
	CONF
	/usr/sbin/pcscd -f -c "$WORK/reader.conf.d" >"$WORK/pcscd.log" 2>&1 &
	PCSCD_PID=$!
	for _ in $(seq 100); do
		ss -ltn "sport = :$port" | grep -q LISTEN && break
		sleep 0.1
	done
	"$@" "$port" &
	CARD_PID=$!
	for _ in $(seq 100); do
		opensc-tool -l 2>/dev/null | grep -q 'Yes' && return 0
		sleep 0.2
	done
	echo "# pcscd/vpcd card did not come up"
	return 1
}

pcsc_stop() {
	[ -n "$CARD_PID" ] && kill "$CARD_PID" 2>/dev/null && wait "$CARD_PID" 2>/dev/null
	[ -n "$PCSCD_PID" ] && kill "$PCSCD_PID" 2>/dev/null && wait "$PCSCD_PID" 2>/dev/null
	CARD_PID='' PCSCD_PID=''
}

# kcv_of_hex HEX : SHA-256(bytes)[0..7] by Python's hashlib, lowercase hex
kcv_of_hex() {
	python3 -c 'import hashlib, sys; print(hashlib.sha256(bytes.fromhex(sys.argv[1])).hexdigest()[:16])' "$1"
}

# phase NAME : a "# time: PREVIOUS Ns" diagnostics line for the phase that
# ends here (wall time per step, for the CI budget; never an assertion).
# "phase" without NAME closes the last one.
PHASE_NAME='' PHASE_T0=''
phase() {
	local now
	now=$(date +%s)
	[ -n "$PHASE_NAME" ] && echo "# time: $PHASE_NAME $((now - PHASE_T0))s"
	PHASE_NAME=${1:-} PHASE_T0=$now
}

# flip_byte IN OFFSET OUT : copy IN to OUT with one bit of the byte at
# OFFSET (negative: from the end) inverted
flip_byte() {
	local size off b
	size=$(stat -c %s "$1")
	off=$2
	[ "$off" -lt 0 ] && off=$((size + off))
	b=$(od -An -tu1 -j "$off" -N 1 "$1" | tr -d ' ')
	cp "$1" "$3" &&
	printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$3" bs=1 seek="$off" conv=notrunc status=none
}

# hex_to_bin / bin_to_hex : stdin to stdout (coreutils only, no xxd)
hex_to_bin() {
	local h
	h=$(tr -cd '0-9a-fA-F')
	# shellcheck disable=SC2059 # the format is built from hex digits only
	printf "$(printf '%s' "$h" | sed 's/../\\x&/g')"
}
bin_to_hex() { od -An -v -tx1 | tr -d ' \n'; }
