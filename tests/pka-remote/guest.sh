#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the VM (tests/pka-remote/run) with four tokens: /dev/schsm0 is
# the HSM, /dev/schsm1..3 are custodian tokens (real emulated tokens).  The
# HSM's `pka serve` runs in network namespace pkahsm; custodian i runs
# `pka approve --connect` in namespace pkac<i>, joined to pkahsm by a veth
# pair (10.77.<i>.2 -> 10.77.<i>.1).  Three server runs: (1) 2-of-3
# activation with refusals of an unregistered key, wrong server identities,
# an oversized frame and a replay; (2) a byte-level replay (peer.py), a
# silent peer and the timeout; (3) session 2's approval replayed on a new
# challenge, a random signature, malformed approvals, then the quorum.
# usage: guest.sh WORKDIR   (WORKDIR holds root.cvc, the emulator's test root)
# Judges: openssl (signature over the HSM key's public point, extracted from
# the key's CV request by python), the token's own refusals (exit codes),
# the server's log lines and exit status.
set -u
W=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/schsmctl/lib.sh"
WORK=$(mktemp -d)
CTL=$top/userspace/bin/schsmctl-san	# ASan/UBSan build
export ASAN_OPTIONS=detect_leaks=1
export PIN=648219 SO=3537363231383830
PORT=4433 PORT2=4434 PORT3=4435
SERVE_PID='' SILENT_PID=''

cleanup() {
	local p
	for p in $SERVE_PID $SILENT_PID; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for ns in pkahsm pkac1 pkac2 pkac3; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT

hsm() { "$CTL" -d /dev/schsm0 "$@"; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
# approve_as I ARGS... : custodian i's approval from its own namespace
approve_as() {
	local i=$1
	shift
	in_ns "pkac$i" "$CTL" -d "/dev/schsm$i" pka approve --connect "10.77.$i.1:$PORT" --yes "$@"
}
approve_rc() {	# approve_rc RC I ARGS...
	local want=$1
	shift
	expect_rc "$want" approve_as "$@"
}
serve_log_has() { grep -q -- "$1" "$WORK/serve.log"; }

# start_serve PORT TIMEOUT: the HSM's server in pkahsm, ready when it logs
start_serve() {
	: >"$WORK/serve.log"
	in_ns pkahsm "$CTL" -d /dev/schsm0 pka serve --listen "0.0.0.0:$1" --timeout "$2" \
		--cert-out "$WORK/cert.pem" >"$WORK/serve.out" 2>"$WORK/serve.log" &
	SERVE_PID=$!
	while ! serve_log_has "listening on"; do
		kill -0 "$SERVE_PID" 2>/dev/null || { sed 's/^/# serve: /' "$WORK/serve.log"; return 1; }
		sleep 0.1
	done
}
wait_serve() {	# wait_serve RC: the server exited with RC
	local rc
	wait "$SERVE_PID"
	rc=$?
	SERVE_PID=
	[ "$rc" -eq "$1" ] && return 0
	echo "# pka serve exited $rc, expected $1"
	sed 's/^/# serve: /' "$WORK/serve.log"
	return 1
}

# The EC public point (tag 86) of a CV request, as a P-256 PEM: python and
# openssl, not schsmctl's CVC code.
req_to_pem() {
	python3 - "$1" "$2" <<'PY'
import base64, sys
buf = open(sys.argv[1], "rb").read()
def walk(b):
    i = 0
    while i < len(b):
        tag = b[i]; i += 1
        if tag & 0x1f == 0x1f:
            tag = (tag << 8) | b[i]; i += 1
        n = b[i]; i += 1
        if n & 0x80:
            k = n & 0x7f; n = int.from_bytes(b[i:i + k], "big"); i += k
        yield tag, b[i:i + n]
        i += n
def find(b, want):
    for tag, val in walk(b):
        if tag == want:
            return val
        if tag in (0x67, 0x7f21, 0x7f4e, 0x7f49):
            r = find(val, want)
            if r is not None:
                return r
point = find(buf, 0x86)
spki = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200") + point
pem = base64.encodebytes(spki).decode().replace("\n", "")
with open(sys.argv[2], "w") as f:
    f.write("-----BEGIN PUBLIC KEY-----\n")
    for i in range(0, len(pem), 64):
        f.write(pem[i:i + 64] + "\n")
    f.write("-----END PUBLIC KEY-----\n")
PY
}

# --- network: one namespace per party, veth pairs to the HSM's ---------------
net_setup() {
	modprobe veth || return 1
	ip netns add pkahsm && ip -n pkahsm link set lo up || return 1
	for i in 1 2 3; do
		ip netns add "pkac$i" &&
		ip link add "vh$i" netns pkahsm type veth peer name "vc$i" netns "pkac$i" &&
		ip -n pkahsm addr add "10.77.$i.1/24" dev "vh$i" &&
		ip -n pkahsm link set "vh$i" up &&
		ip -n "pkac$i" addr add "10.77.$i.2/24" dev "vc$i" &&
		ip -n "pkac$i" link set "vc$i" up || return 1
	done
}
ok "netns: pkahsm and pkac1..3 joined by veth pairs" net_setup
ok "custodian 1 cannot reach custodian 2's network" \
	bash -c "! ip netns exec pkac1 ip route get 10.77.2.1 >/dev/null 2>&1"

# --- tokens: three custodians, each with its own key and device chain -------
custodian_setup() {	# custodian_setup I
	local d=/dev/schsm$1
	"$CTL" -d "$d" initialize --force --so-pin env:SO --pin env:PIN >/dev/null &&
	"$CTL" -d "$d" login --pin env:PIN >/dev/null &&
	"$CTL" -d "$d" key generate --type ec:brainpoolP256r1 --id 1 >/dev/null &&
	"$CTL" -d "$d" pka export 1 "$WORK/c$1.pka" >/dev/null
}
for i in 1 2 3; do
	ok "custodian token $i: initialize, key 1 (brainpoolP256r1), pka export" custodian_setup "$i"
done
ok "custodian token 3: a second key 2 that the HSM will not know" \
	bash -c "'$CTL' -d /dev/schsm3 key generate --type ec:brainpoolP256r1 --id 2 >/dev/null"

hsm_setup() {
	hsm initialize --force --so-pin env:SO --pin env:PIN --pka 3,2 >/dev/null &&
	hsm login --pin env:PIN >/dev/null &&
	hsm key generate --type ec:prime256v1 --id 5 --out "$WORK/hsm5.req" >/dev/null &&
	req_to_pem "$WORK/hsm5.req" "$WORK/hsm5.pem"
}
ok "HSM token: initialize --pka 3,2, key 5 (P-256)" hsm_setup
for i in 1 2 3; do
	ok "HSM: pka register custodian $i (chain checked against --root)" \
		expect_rc 0 hsm pka register "$WORK/c$i.pka" --root "$W/root.cvc"
done
ok "HSM: logout; key 5 is locked" \
	bash -c "'$CTL' -d /dev/schsm0 logout >/dev/null; '$CTL' -d /dev/schsm0 key sign 5 --alg ecdsa-sha256 --in /etc/hostname --out '$WORK/x' 2>/dev/null; test \$? -eq 4"
DEVCHR=$(hsm status | sed -n 's/^Device CHR *: //p')
ok "HSM device CHR known ($DEVCHR)" test -n "$DEVCHR"
printf 'remote n-of-m\n' >"$WORK/msg"

# --- the activation ---------------------------------------------------------
ok "pka serve listens in pkahsm (2 of 3 required)" start_serve "$PORT" 900
ok "an unregistered custodian key (token 3, key 2): refused, exit 7" \
	approve_rc 7 3 --key 2 --root "$W/root.cvc"
ok "the server logged the unregistered key" serve_log_has "refused unregistered key"
ok "wrong server identity (--device another CHR): custodian refuses, exit 10" \
	approve_rc 10 1 --key 1 --root "$W/root.cvc" --device UTEMU00000000001
head -c 40 "$W/root.cvc" >"$WORK/badroot.cvc"
tail -c +41 "$W/root.cvc" | tr '\000-\377' '\001-\377\000' >>"$WORK/badroot.cvc"
ok "wrong server identity (chain not under the trusted root): refused, exit 10" \
	approve_rc 10 1 --key 1 --root "$WORK/badroot.cvc"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/other.key" \
	-subj /CN=impostor -days 1 -out "$WORK/other.pem" 2>/dev/null
ok "wrong server identity (TLS certificate not the pinned one): refused, exit 10" \
	approve_rc 10 2 --key 1 --root "$W/root.cvc" --server-cert "$WORK/other.pem"
ok "an oversized frame from a TLS peer: connection refused, server keeps going" \
	bash -c "printf '\002\377\377' | ip netns exec pkac2 timeout 120 openssl s_client -connect 10.77.2.1:$PORT -tls1_3 -quiet >/dev/null 2>&1; kill -0 $SERVE_PID"
ok "the server logged the oversized frame" serve_log_has "frame over the size limit"
ok "custodian 1 approves (device CHR pinned, TLS certificate pinned): 1 of 2" \
	bash -c "ip netns exec pkac1 '$CTL' -d /dev/schsm1 pka approve --connect 10.77.1.1:$PORT --yes --key 1 --root '$W/root.cvc' --device '$DEVCHR' --server-cert '$WORK/cert.pem' >'$WORK/a1' 2>&1 && grep -q 'accepted: 1 of 2' '$WORK/a1'"
ok "the custodian was shown the device CHR and that the root verified" \
	bash -c "grep -q 'HSM device $DEVCHR' '$WORK/a1' && grep -q '(verified)' '$WORK/a1'"
ok "custodian 1 again on the same challenge (replay): refused, exit 4" \
	approve_rc 4 1 --key 1 --root "$W/root.cvc"
ok "the server logged the replay" serve_log_has "refused replay: key"
ok "keys still locked with 1 of 2" \
	bash -c "'$CTL' -d /dev/schsm0 key sign 5 --alg ecdsa-sha256 --in '$WORK/msg' --out '$WORK/x' 2>/dev/null; test \$? -eq 4"
ok "custodian 2 approves: 2 of 2" \
	bash -c "ip netns exec pkac2 '$CTL' -d /dev/schsm2 pka approve --connect 10.77.2.1:$PORT --yes --key 1 --root '$W/root.cvc' 2>&1 | grep -q 'accepted: 2 of 2'"
ok "the server reports success and exits 0" wait_serve 0
ok "the server printed the activation" grep -q "activation of device $DEVCHR complete: 2 of 2" "$WORK/serve.out"
ok "server log: one line per accepted custodian (2)" \
	test "$(grep -c 'accepted key' "$WORK/serve.log")" -eq 2
ok "server log: activation complete" serve_log_has "activation complete: 2 of 2"
sed 's/^/# serve: /' "$WORK/serve.log"
ok "pka status: 2 authenticated" bash -c "'$CTL' -d /dev/schsm0 pka status | grep -q 'Authenticated public keys: *2'"
ok "another process signs with key 5 (no PIN)" \
	expect_rc 0 hsm key sign 5 --alg ecdsa-sha256 --in "$WORK/msg" --out "$WORK/sig5"
ok "the signature verifies with key 5's public key (openssl)" \
	openssl dgst -sha256 -verify "$WORK/hsm5.pem" -signature "$WORK/sig5" "$WORK/msg"
ok "logout ends the activation: key 5 locked again" \
	bash -c "'$CTL' -d /dev/schsm0 logout >/dev/null; '$CTL' -d /dev/schsm0 key sign 5 --alg ecdsa-sha256 --in '$WORK/msg' --out '$WORK/x' 2>/dev/null; test \$? -eq 4"

# --- session 2: a byte-level replay, a silent peer, the timeout --------------
# peer.py is a scripted custodian (Python's TLS, its own framing) that sends
# what pka approve --connect never would.
peer() {	# peer NS PORT MODE ARGS... : prints the server's RESULT
	local ns=$1 port=$2
	shift 2
	ip netns exec "$ns" python3 "$top/tests/pka-remote/peer.py" "10.77.${ns#pkac}.1" "$port" "$@"
}
peer_status() {	# peer_status WANT NS PORT MODE ARGS...
	local want=$1 got
	shift
	got=$(peer "$@" 2>"$WORK/peer.err")
	case $got in "status $want "*) return 0 ;; esac
	echo "# peer: expected status $want, got '$got' $(tail -n 1 "$WORK/peer.err")"
	return 1
}
PORT=$PORT2
ok "pka serve --timeout 15 listens" start_serve "$PORT2" 15
ok "custodian 3's token signs the challenge, a scripted peer sends it: accepted (status 0)" \
	peer_status 0 pkac3 "$PORT2" capture "$WORK/c3.pka" "$CTL" /dev/schsm3 1 "$WORK/c3.frame"
ok "the same APPROVAL bytes sent again: replay refused (status 1)" \
	peer_status 1 pkac3 "$PORT2" resend "$WORK/c3.frame"
ok "the server logged that replay" serve_log_has "refused replay: key"
ip netns exec pkac1 bash -c "exec 3<>/dev/tcp/10.77.1.1/$PORT2; sleep 60" 2>/dev/null &
SILENT_PID=$!
ok "the server gives up: exit 4" wait_serve 4
kill "$SILENT_PID" 2>/dev/null
wait "$SILENT_PID" 2>/dev/null
SILENT_PID=''
ok "server log: the silent connection timed out" serve_log_has "handshake: timed out"
ok "server log: the activation timed out with 1 of 2" serve_log_has "timeout after 15 s: 1 of 2"
sed 's/^/# serve: /' "$WORK/serve.log"
ok "after the timeout a custodian gets no answer (connection refused, exit 1)" \
	bash -c "ip netns exec pkac1 '$CTL' -d /dev/schsm1 pka approve --connect 10.77.1.1:$PORT2 --yes --key 1 2>/dev/null; test \$? -eq 1"
ok "key 5 stays locked (1 of 2 is not the quorum)" \
	bash -c "'$CTL' -d /dev/schsm0 key sign 5 --alg ecdsa-sha256 --in '$WORK/msg' --out '$WORK/x' 2>/dev/null; test \$? -eq 4"

# --- session 3: hostile approvals, then the quorum on the same challenge ----
PORT=$PORT3
ok "pka serve listens again (a new challenge)" start_serve "$PORT3" 900
ok "session 2's approval replayed into session 3: refused by the token (status 3)" \
	peer_status 3 pkac3 "$PORT3" resend "$WORK/c3.frame"
ok "the server logged it as a wrong signature / stale challenge" \
	serve_log_has "refused signature of key .*stale challenge"
ok "a registered key with a random signature: refused (status 3)" \
	peer_status 3 pkac3 "$PORT3" garbage "$WORK/c3.pka"
ok "an approval with a byte too many: malformed (status 5)" \
	peer_status 5 pkac3 "$PORT3" trailing "$WORK/c3.pka"
ok "a RESULT frame where an APPROVAL belongs: malformed (status 5)" \
	peer_status 5 pkac3 "$PORT3" wrongtype
ok "the server logged the malformed approvals (2)" \
	test "$(grep -c 'malformed approval' "$WORK/serve.log")" -eq 2
ok "custodian 2 approves after all that: 1 of 2" \
	bash -c "ip netns exec pkac2 '$CTL' -d /dev/schsm2 pka approve --connect 10.77.2.1:$PORT3 --yes --key 1 --root '$W/root.cvc' 2>&1 | grep -q 'accepted: 1 of 2'"
ok "custodian 3 approves: 2 of 2" \
	bash -c "ip netns exec pkac3 '$CTL' -d /dev/schsm3 pka approve --connect 10.77.3.1:$PORT3 --yes --key 1 --root '$W/root.cvc' 2>&1 | grep -q 'accepted: 2 of 2'"
ok "the server exits 0" wait_serve 0
sed 's/^/# serve: /' "$WORK/serve.log"
ok "key 5 signs again, and openssl verifies it" \
	bash -c "'$CTL' -d /dev/schsm0 key sign 5 --alg ecdsa-sha256 --in '$WORK/msg' --out '$WORK/sig5b' >/dev/null && openssl dgst -sha256 -verify '$WORK/hsm5.pem' -signature '$WORK/sig5b' '$WORK/msg' >/dev/null"
ok "logout" bash -c "'$CTL' -d /dev/schsm0 logout >/dev/null"

tap_done
