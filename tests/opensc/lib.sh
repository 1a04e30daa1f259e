# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Helpers for the OpenSC suites: a private pcscd with vpcd readers, emulator
# instances, TAP output.  Sourced by tests/opensc/run and tests/bench/emu.
#
# pcsc-lite 1.9.9's pcscd has a fixed socket (/run/pcscd/pcscd.comm) and
# PID file; only its clients honour PCSCLITE_CSOCK_NAME.  So the suites run
# in their own mount and network namespaces (unshare, as root): a private
# tmpfs on /run/pcscd gives our pcscd its own socket next to any system
# pcscd, and a private loopback gives vpcd ports nobody else can take.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
emu=$top/tests/emulator/schsm-emu
P11=${P11:-/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so}
PIN=648219
SOPIN=3537363231383830
SEL=00A4040C0BE82B0601040181C31F0201	# SELECT the SmartCard-HSM applet

# tohex: stdin as lowercase hex on one line; fromhex: the reverse; hexs STR
tohex() { od -An -v -tx1 | tr -d ' \n'; }
fromhex() { python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read().strip()))'; }
hexs() { printf %s "$1" | tohex; }

# Re-run the calling script inside private namespaces (once).
enter_private_namespaces() {
	if [ -n "${SCHSM_NS:-}" ]; then
		return 0
	fi
	if [ "$(id -u)" -ne 0 ] || ! unshare --mount --net true 2>/dev/null; then
		return 1
	fi
	export SCHSM_NS=1
	exec unshare --mount --net --propagation private "$0" "$@"
}

# Inside the namespaces: loopback up, private /run/pcscd.
setup_private_namespace() {
	ip link set lo up
	mkdir -p /run/pcscd
	mount -t tmpfs -o mode=0755 schsm-pcscd /run/pcscd
}

# A free TCP port p on loopback with p+1 free as well (vpcd uses base+slot).
free_port_pair() {
	python3 - <<'PY'
import socket
for _ in range(200):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]
    try:
        t = socket.socket(); t.bind(("127.0.0.1", p + 1)); t.close(); s.close()
        if p + 1 < 65536:
            print(p); break
    except OSError:
        s.close()
PY
}

PIDS=()
cleanup_pids() {
	local p
	for p in "${PIDS[@]}"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		[ -n "$p" ] && wait "$p" 2>/dev/null
	done
	PIDS=()
}

# start_pcscd DIR PORT: pcscd in the foreground with one vpcd reader
# definition (slots PORT and PORT+1).
start_pcscd() {
	local dir=$1 port=$2
	mkdir -p "$dir/reader.conf.d"
	cat >"$dir/reader.conf.d/vpcd" <<CONF
FRIENDLYNAME "Virtual PCD"
DEVICENAME   /dev/null:$port
LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so
CHANNELID    $port
CONF
	/usr/sbin/pcscd --foreground --debug --config "$dir/reader.conf.d" \
		>"$dir/pcscd.log" 2>&1 &
	PCSCD_PID=$!
	PIDS+=("$PCSCD_PID")
	local i
	for i in $(seq 100); do
		[ -S /run/pcscd/pcscd.comm ] && grep -q "$port" /proc/net/tcp6 /proc/net/tcp 2>/dev/null &&
			return 0
		[ -S /run/pcscd/pcscd.comm ] && [ "$i" -gt 20 ] && return 0
		sleep 0.1
	done
	return 1
}

# restart_pcscd: stop our pcscd by PID and start it again on the same ports
restart_pcscd() {
	local q keep=()
	kill "$PCSCD_PID" 2>/dev/null
	wait "$PCSCD_PID" 2>/dev/null
	for q in "${PIDS[@]}"; do
		[ "$q" != "$PCSCD_PID" ] && keep+=("$q")
	done
	PIDS=("${keep[@]}")
	start_pcscd "$WORK" "$PORT"
}

# start_emu NAME PORT [extra args]: emulator instance NAME, state file
# $WORK/NAME.state, log $WORK/NAME.log (appended: restarts are replugs).
EMU_NAMES=""
start_emu() {
	local name=$1 port=$2
	shift 2
	case " $EMU_NAMES " in *" $name "*) ;; *) EMU_NAMES="$EMU_NAMES $name" ;; esac
	"$emu" --state "$WORK/$name.state" --vpcd "127.0.0.1:$port" "$@" \
		>>"$WORK/$name.log" 2>&1 &
	local pid=$!
	PIDS+=("$pid")
	eval "EMU_PID_$name=$pid"
}

# stop_emu NAME: SIGTERM by PID, wait for it.
stop_emu() {
	local var="EMU_PID_$1" p
	p=${!var:-}
	[ -n "$p" ] || return 0
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	local rc=$? q keep=()
	eval "EMU_PID_$1="
	for q in "${PIDS[@]}"; do
		[ "$q" != "$p" ] && keep+=("$q")
	done
	PIDS=("${keep[@]}")
	return $rc
}

# wait_card N: until opensc-tool sees a card in reader N.
wait_card() {
	local n=$1 i
	for i in $(seq 150); do
		opensc-tool -r "$n" -a >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# wait_no_card N: until reader N is empty.
wait_no_card() {
	local n=$1 i
	for i in $(seq 150); do
		opensc-tool -r "$n" -a >/dev/null 2>&1 || return 0
		sleep 0.1
	done
	return 1
}

# plug NAME [READER]: start NAME on reader 0 (default) or 1 and wait for it.
plug() {
	local name=$1 r=${2:-0}
	start_emu "$name" $((PORT + r))
	wait_card "$r"
}

# unplug NAME [READER]: stop NAME (SIGTERM by PID), wait for the empty reader.
unplug() {
	local name=$1 r=${2:-0}
	stop_emu "$name"
	wait_no_card "$r"
}

# apdus READER HEX...: one session, one "SW data" line per APDU.
apdus() {
	local reader=$1
	shift
	printf '%s\n' "$@" | "$WORK/apdu-client" "$reader"
}

# key_ref ID: the card key reference OpenSC shows for PKCS#15 ID
key_ref() {
	pkcs15-tool -r 0 -D 2>/dev/null | awk -v id="$1" '
		/^Private/ { ref = "" }
		/Key ref/ { ref = $4 }
		/^[ \t]*ID[ \t]*:/ && $3 == id && ref != "" { print ref; exit }'
}

# gakp_p256 KEYID [EXTRA_HEX]: GENERATE ASYMMETRIC KEY PAIR (extended) for
# a P-256 key, from the curve's published domain parameters; EXTRA_HEX is
# appended to the request (e.g. tags 90/91)
gakp_p256() {
	python3 - "$1" "${2:-}" <<'PY'
import sys
def tlv(t, v):
    tb = t.to_bytes(2, "big") if t > 0xff else bytes([t])
    n = len(v)
    lb = bytes([n]) if n < 128 else (b"\x81" + bytes([n]) if n < 256 else b"\x82" + n.to_bytes(2, "big"))
    return tb + lb + v
h = bytes.fromhex
p = h("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff")
a = h("ffffffff00000001000000000000000000000000fffffffffffffffffffffffc")
b = h("5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b")
g = h("046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
      "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")
n = h("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
pk = tlv(6, h("04007F00070202020203")) + tlv(0x81, p) + tlv(0x82, a) + tlv(0x83, b) + \
     tlv(0x84, g) + tlv(0x85, n) + tlv(0x87, b"\x01")
d = tlv(0x5F29, b"\x00") + tlv(0x42, b"UTCA00001") + tlv(0x7F49, pk) + \
    tlv(0x5F20, b"UTTEST0000001") + h(sys.argv[2])
print("0046%02X00" % int(sys.argv[1]) + "00" + len(d).to_bytes(2, "big").hex() + d.hex() + "0000")
PY
}

# --- TAP ---
T_N=0 T_PASS=0 T_FAIL=0 T_SKIP=0
ok() {
	T_N=$((T_N + 1)) T_PASS=$((T_PASS + 1))
	echo "ok $T_N - $1"
}
not_ok() {
	T_N=$((T_N + 1)) T_FAIL=$((T_FAIL + 1))
	echo "not ok $T_N - $1"
}
skip() {
	T_N=$((T_N + 1)) T_SKIP=$((T_SKIP + 1))
	echo "ok $T_N - $1 # SKIP ${2:-}"
}
# check NAME CMD...: ok when CMD succeeds; its output as diagnostics otherwise.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		not_ok "$name"
		printf '%s\n' "$out" | tail -n 15 | sed 's/^/# /'
	fi
}
diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}
totals() {
	if [ "$T_SKIP" -gt 0 ]; then
		echo "$T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
	else
		echo "$T_PASS passed, $T_FAIL failed"
	fi
}
