#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the VM (tests/pka-remote/run) with four tokens: /dev/schsm0 is
# the HSM, /dev/schsm1..3 are custodian tokens (real emulated tokens).  The
# HSM's `pka serve` runs in network namespace pkahsm; custodian i runs
# `pka approve --connect` in namespace pkac<i>, joined to pkahsm by a veth
# pair (10.77.<i>.2 -> 10.77.<i>.1).  Six server runs: (1) 2-of-3
# activation while a silent peer and a peer stalled mid-handshake stay
# connected, with refusals of an unregistered key, wrong server identities,
# an oversized frame and a replay; (2) a byte-level replay (peer.py), ended
# by SIGINT; (2b) the server's timeout with a silent peer connected (it
# waits for the server, so only the wait fits into the short timeout: no
# step races the clock); (3) session 2's approval replayed on a new
# challenge, a random signature, malformed approvals, then the quorum;
# (4) the connection bound: 16 idle connections, the 17th refused, then the
# quorum once they hang up; (5) the per-connection deadline, SIGTERM.
# The server's syslog (authpriv) goes to a listener bound over /dev/log in
# its private mount namespace (syslogd.py); its lines are checked too.
# usage: guest.sh WORKDIR   (WORKDIR holds root.cvc, the emulator's test root)
# Judges: openssl (signature over the HSM key's public point, extracted from
# the key's CV request by python), the token's own refusals (exit codes),
# what the peers saw, the server's log lines (their order, not timings) and
# exit status, the syslog priority field (RFC 3164: facility 10 = <8x>).
set -u
W=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/schsmctl/lib.sh"
WORK=$(mktemp -d)
CTL=$top/userspace/bin/schsmctl-san	# ASan/UBSan build
export ASAN_OPTIONS=detect_leaks=1
export PIN=648219 SO=3537363231383830
PORT=4433 PORT2=4434 PORT3=4435 PORT4=4436 PORT5=4437 PORT6=4438
CONNS_MAX=16	# pka serve's bound on open connections (cmd_pka_serve.c)
SERVE_PID='' SYSLOG_PID='' PEER_PIDS='' DEVLOG_MADE=''

cleanup() {
	local p
	for p in $SERVE_PID $PEER_PIDS $SYSLOG_PID; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for ns in pkahsm pkac1 pkac2 pkac3; do ip netns del "$ns" 2>/dev/null; done
	[ -z "$DEVLOG_MADE" ] || rm -f /dev/log
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
# wait_for FILE PATTERN [COUNT]: until FILE has COUNT (1) lines matching the
# extended regex (WAIT_GREP=-F: the fixed string).  Waits for an event that
# another process logs asynchronously; the bound (60 s) only keeps a missing
# line from hanging the suite.
wait_for() {
	local i n
	for i in $(seq 600); do
		n=$(grep -c "${WAIT_GREP:--E}" -- "$2" "$1" 2>/dev/null)
		[ "${n:-0}" -ge "${3:-1}" ] && return 0
		sleep 0.1
	done
	echo "# $1: no ${3:-1} line(s) matching '$2' (found ${n:-0})"
	return 1
}
wait_log() { wait_for "$WORK/serve.log" "$@"; }
# line_of PATTERN: the serve.log line number of the first match (0: none)
line_of() { grep -nE -- "$1" "$WORK/serve.log" | head -n 1 | cut -d: -f1 | grep . || echo 0; }
# before A B: serve.log has A, then B
before() {
	local a b
	a=$(line_of "$1") b=$(line_of "$2")
	[ "$a" -gt 0 ] && [ "$b" -gt "$a" ] && return 0
	echo "# serve.log: '$1' at line $a, '$2' at line $b"
	return 1
}

# The server's syslog: a listener on a private socket, bound over /dev/log
# only in the server's mount namespace (unshare -m; ip netns exec copies it).
syslog_setup() {
	python3 "$top/tests/pka-remote/syslogd.py" "$WORK/log.sock" "$WORK/syslog" &
	SYSLOG_PID=$!
	if [ ! -e /dev/log ]; then
		: >/dev/log && DEVLOG_MADE=1 || return 1
	fi
	while [ ! -S "$WORK/log.sock" ]; do
		kill -0 "$SYSLOG_PID" 2>/dev/null || return 1
		sleep 0.1
	done
}
# WITH_SYSLOG CMD...: CMD with /dev/log = our listener (an array, not a
# function, so that "$!" of a backgrounded CMD is CMD's own PID)
# shellcheck disable=SC2016	# expanded by sh -c, not here
WITH_SYSLOG=(unshare -m --propagation private
	sh -c 'mount --bind "$0" /dev/log && exec "$@"' "$WORK/log.sock")
# syslog_has PATTERN: a schsmctl line whose message matches PATTERN arrives
syslog_has() { wait_for "$WORK/syslog" "^<[0-9]+>.* schsmctl\[[0-9]+\]: .*$1"; }
# syslog_pri PRI PATTERN: ... with exactly the priority field <PRI>
syslog_pri() { wait_for "$WORK/syslog" "^<$1>.* schsmctl\[[0-9]+\]: .*$2"; }

# start_serve PORT TIMEOUT [OPTIONS]: the HSM's server in pkahsm, ready when it logs
start_serve() {
	local port=$1 timeout=$2
	shift 2
	cat "$WORK/serve.log" >>"$WORK/serve-all.log" 2>/dev/null
	: >"$WORK/serve.log"
	"${WITH_SYSLOG[@]}" ip netns exec pkahsm "$CTL" -d /dev/schsm0 pka serve --listen "0.0.0.0:$port" \
		--timeout "$timeout" --cert-out "$WORK/cert.pem" "$@" \
		>"$WORK/serve.out" 2>"$WORK/serve.log" &
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

# --- peers: scripted custodians and idle connections (peer.py) -------------
# peer.py speaks the protocol from Python's own TLS and framing, and sends
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
declare -A IDLE_PID
# start_idle NAME NS PORT MODE [N]: a peer that holds connection(s) open, in
# the background (output in $WORK/NAME.out); returns once it is connected
# launch_idle NAME NS PORT MODE: an idle peer (peer.py), running once it
# says "waiting"; it connects as soon as the server listens
launch_idle() {
	local name=$1 ns=$2 port=$3
	shift 3
	ip netns exec "$ns" python3 "$top/tests/pka-remote/peer.py" "10.77.${ns#pkac}.1" \
		"$port" "$@" >"$WORK/$name.out" 2>&1 &
	IDLE_PID[$name]=$!
	PEER_PIDS="$PEER_PIDS $!"
	wait_for "$WORK/$name.out" '^waiting$'
}
start_idle() {	# start_idle NAME NS PORT MODE: an idle peer, connected
	launch_idle "$@" && wait_for "$WORK/$1.out" '^connected '
}
# idle_addr NAME: its connection's own ADDR:PORT (as the server logs it)
idle_addr() { sed -n 's/^connected //p' "$WORK/$1.out" | head -n 1; }
# idle_closed NAME: it ended because the server closed its connection
idle_closed() {
	wait "${IDLE_PID[$1]}"
	grep -q '^closed by server$' "$WORK/$1.out" && return 0
	sed "s/^/# $1: /" "$WORK/$1.out"
	return 1
}
not() { ! "$@"; }

# --- the activation, while a silent and a stalled peer stay connected ------
ok "syslog listener bound over /dev/log in the server's mount namespace" syslog_setup
ok "pka serve listens in pkahsm (2 of 3 required, connections may last 900 s)" \
	start_serve "$PORT" 900 --conn-timeout 900
ok "a silent peer connects (TCP, never a byte)" start_idle silent pkac3 "$PORT" silent
ok "a peer stalls mid-handshake (half a ClientHello)" start_idle stall pkac3 "$PORT" stall
SILENT=$(idle_addr silent) STALL=$(idle_addr stall)
ok "the server took the silent connection ($SILENT)" wait_log "^pka serve: connection from $SILENT\$"
ok "the server took the stalled one ($STALL)" wait_log "^pka serve: connection from $STALL\$"
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
ok "the server logged the oversized frame" wait_log "refused connection from 10\.77\.2\.2:[0-9]+: frame over the size limit"
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
ok "the silent and stalled peers were connected before the first approval was accepted" \
	before "^pka serve: connection from $STALL\$" "accepted key"
ok "activation completed while the silent peer was still connected (then it was dropped)" \
	before "activation complete: 2 of 2" "^pka serve: dropped connection from $SILENT: activation complete\$"
ok "activation completed while the stalled peer was still connected (then it was dropped)" \
	before "activation complete: 2 of 2" "^pka serve: dropped connection from $STALL: activation complete\$"
ok "neither timed out nor was refused" \
	not grep -qE "refused connection from ($SILENT|$STALL)" "$WORK/serve.log"
ok "the silent peer saw the server close its connection" idle_closed silent
ok "the stalled peer saw the server close its connection" idle_closed stall
sed 's/^/# serve: /' "$WORK/serve.log"

# --- the server's syslog: facility authpriv (RFC 3164 <PRI> = 8 * 10 + severity)
ok "syslog: the completion arrived (authpriv.notice, <85>)" syslog_pri 85 "activation complete: 2 of 2"
ok "syslog: the unregistered key (authpriv.warning, <84>)" syslog_pri 84 "refused unregistered key"
ok "syslog: the replay (<84>)" syslog_pri 84 "refused replay: key"
ok "syslog: the oversized frame (<84>)" syslog_pri 84 "refused connection from .*: frame over the size limit"
ok "syslog: the accepted keys (<85>)" syslog_pri 85 "accepted key .*: 2 of 2 custodians"
# stderr_in_syslog: every event line the server wrote on stderr came through syslog too
stderr_in_syslog() {
	local line miss=0
	while IFS= read -r line; do
		case $line in "pka serve: "*) ;; *) continue ;; esac
		WAIT_GREP=-F wait_for "$WORK/syslog" "]: ${line#pka serve: }" && continue
		miss=1
	done <"$WORK/serve.log"
	return "$miss"
}
ok "syslog: every line on the server's stderr is also in syslog" stderr_in_syslog
# all_authpriv: every schsmctl message has a priority field <80>..<87>
all_authpriv() {
	local all ap
	all=$(grep -c ' schsmctl\[' "$WORK/syslog")
	ap=$(grep -cE '^<8[0-7]>[^<]* schsmctl\[[0-9]+\]: ' "$WORK/syslog")
	[ "$all" -gt 0 ] && [ "$all" -eq "$ap" ] && return 0
	echo "# $ap of $all schsmctl syslog lines have facility authpriv"
	grep ' schsmctl\[' "$WORK/syslog" | grep -vE '^<8[0-7]>' | head -n 3 | sed 's/^/# syslog: /'
	return 1
}
ok "syslog: every schsmctl line has facility authpriv (<80>..<87>)" all_authpriv
ok "syslog: neither the PIN nor the SO-PIN in it" not grep -qE "$PIN|$SO" "$WORK/syslog"
ok "pka status: 2 authenticated" bash -c "'$CTL' -d /dev/schsm0 pka status | grep -q 'Authenticated public keys: *2'"
ok "another process signs with key 5 (no PIN)" \
	expect_rc 0 hsm key sign 5 --alg ecdsa-sha256 --in "$WORK/msg" --out "$WORK/sig5"
ok "the signature verifies with key 5's public key (openssl)" \
	openssl dgst -sha256 -verify "$WORK/hsm5.pem" -signature "$WORK/sig5" "$WORK/msg"
ok "logout ends the activation: key 5 locked again" \
	bash -c "'$CTL' -d /dev/schsm0 logout >/dev/null; '$CTL' -d /dev/schsm0 key sign 5 --alg ecdsa-sha256 --in '$WORK/msg' --out '$WORK/x' 2>/dev/null; test \$? -eq 4"

# --- session 2: a byte-level replay; a signal ends it ------------------------
PORT=$PORT2
ok "pka serve listens (a new challenge)" start_serve "$PORT2" 900
ok "custodian 3's token signs the challenge, a scripted peer sends it: accepted (status 0)" \
	peer_status 0 pkac3 "$PORT2" capture "$WORK/c3.pka" "$CTL" /dev/schsm3 1 "$WORK/c3.frame"
ok "the same APPROVAL bytes sent again: replay refused (status 1)" \
	peer_status 1 pkac3 "$PORT2" resend "$WORK/c3.frame"
ok "the server logged that replay" serve_log_has "refused replay: key"
ok "SIGINT: the server stops" bash -c "kill -INT $SERVE_PID"
ok "... and exits 4" wait_serve 4
ok "server log: stopped by the signal with 1 of 2" serve_log_has "stopped by signal (Interrupt): 1 of 2"
sed 's/^/# serve: /' "$WORK/serve.log"
ok "after it stopped a custodian gets no answer (connection refused, exit 1)" \
	bash -c "ip netns exec pkac1 '$CTL' -d /dev/schsm1 pka approve --connect 10.77.1.1:$PORT2 --yes --key 1 2>/dev/null; test \$? -eq 1"
ok "key 5 stays locked (1 of 2 is not the quorum)" \
	bash -c "'$CTL' -d /dev/schsm0 key sign 5 --alg ecdsa-sha256 --in '$WORK/msg' --out '$WORK/x' 2>/dev/null; test \$? -eq 4"

# --- session 2b: the server's own timeout, a silent peer still connected -----
# The peer starts first and connects the moment the server listens, so that
# nothing but the wait itself has to fit into the short --timeout.
PORT=$PORT6
ok "a silent peer waits for the server" launch_idle silent2 pkac1 "$PORT6" silent
ok "pka serve --timeout 8 listens" start_serve "$PORT6" 8
ok "the silent peer connects" wait_for "$WORK/silent2.out" '^connected '
SILENT=$(idle_addr silent2)
ok "the server gives up: exit 4" wait_serve 4
ok "server log: the silent connection was dropped at the timeout" \
	before "timeout after 8 s" "^pka serve: dropped connection from $SILENT: server timeout\$"
ok "the silent peer saw the server close its connection" idle_closed silent2
ok "server log: the activation timed out with 0 of 2" serve_log_has "timeout after 8 s: 0 of 2"
sed 's/^/# serve: /' "$WORK/serve.log"
ok "after the timeout a custodian gets no answer (connection refused, exit 1)" \
	bash -c "ip netns exec pkac1 '$CTL' -d /dev/schsm1 pka approve --connect 10.77.1.1:$PORT6 --yes --key 1 2>/dev/null; test \$? -eq 1"

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
ok "the server logged the malformed approvals (2)" wait_log 'malformed approval' 2
ok "custodian 2 approves after all that: 1 of 2" \
	bash -c "ip netns exec pkac2 '$CTL' -d /dev/schsm2 pka approve --connect 10.77.2.1:$PORT3 --yes --key 1 --root '$W/root.cvc' 2>&1 | grep -q 'accepted: 1 of 2'"
ok "custodian 3 approves: 2 of 2" \
	bash -c "ip netns exec pkac3 '$CTL' -d /dev/schsm3 pka approve --connect 10.77.3.1:$PORT3 --yes --key 1 --root '$W/root.cvc' 2>&1 | grep -q 'accepted: 2 of 2'"
ok "the server exits 0" wait_serve 0
sed 's/^/# serve: /' "$WORK/serve.log"
ok "key 5 signs again, and openssl verifies it" \
	bash -c "'$CTL' -d /dev/schsm0 key sign 5 --alg ecdsa-sha256 --in '$WORK/msg' --out '$WORK/sig5b' >/dev/null && openssl dgst -sha256 -verify '$WORK/hsm5.pem' -signature '$WORK/sig5b' '$WORK/msg' >/dev/null"
ok "logout" bash -c "'$CTL' -d /dev/schsm0 logout >/dev/null"

# --- session 4: the connection bound ----------------------------------------
PORT=$PORT4
ok "pka serve listens (a new challenge)" start_serve "$PORT4" 900 --conn-timeout 900
ok "$CONNS_MAX idle connections from one peer" start_idle hold pkac1 "$PORT4" hold "$CONNS_MAX"
ok "the server took all $CONNS_MAX" wait_log '^pka serve: connection from 10\.77\.1\.2:[0-9]+$' "$CONNS_MAX"
ok "connection $((CONNS_MAX + 1)) is closed at once" \
	bash -c "ip netns exec pkac2 python3 '$top/tests/pka-remote/peer.py' 10.77.2.1 $PORT4 silent >'$WORK/extra.out' 2>&1; grep -q '^closed by server\$' '$WORK/extra.out'"
EXTRA=$(sed -n 's/^connected //p' "$WORK/extra.out")
ok "the server logged the refusal ($EXTRA)" \
	serve_log_has "^pka serve: refused connection from $EXTRA: too many open connections ($CONNS_MAX)\$"
ok "and started no handler for it" not grep -q "^pka serve: connection from $EXTRA\$" "$WORK/serve.log"
ok "a custodian who connects now is turned away: exit 1, told the server closed it" \
	bash -c "ip netns exec pkac3 '$CTL' -d /dev/schsm3 pka approve --connect 10.77.3.1:$PORT4 --yes --key 1 --root '$W/root.cvc' >/dev/null 2>'$WORK/away.err'; test \$? -eq 1 && grep -q 'the server closed the connection' '$WORK/away.err'"
ok "the server logged that refusal too" wait_log '^pka serve: refused connection from 10\.77\.3\.2:[0-9]+: too many open connections \(16\)$'
kill "${IDLE_PID[hold]}"
wait "${IDLE_PID[hold]}" 2>/dev/null
ok "the $CONNS_MAX idle peers hang up: one line each" \
	wait_log '^pka serve: refused connection from 10\.77\.1\.2:[0-9]+: handshake: hung up without an approval$' "$CONNS_MAX"
ok "custodian 1 approves: 1 of 2" \
	bash -c "ip netns exec pkac1 '$CTL' -d /dev/schsm1 pka approve --connect 10.77.1.1:$PORT4 --yes --key 1 --root '$W/root.cvc' 2>&1 | grep -q 'accepted: 1 of 2'"
ok "custodian 3 approves: 2 of 2" \
	bash -c "ip netns exec pkac3 '$CTL' -d /dev/schsm3 pka approve --connect 10.77.3.1:$PORT4 --yes --key 1 --root '$W/root.cvc' 2>&1 | grep -q 'accepted: 2 of 2'"
ok "the server exits 0" wait_serve 0
ok "syslog: the refusal past the bound (<84>)" syslog_pri 84 "refused connection from $EXTRA: too many open connections"
sed 's/^/# serve: /' "$WORK/serve.log"
ok "logout" bash -c "'$CTL' -d /dev/schsm0 logout >/dev/null"

# --- session 5: each connection's own deadline; SIGTERM -----------------------
PORT=$PORT5
ok "pka serve --conn-timeout 15 listens" start_serve "$PORT5" 900 --conn-timeout 15
ok "a silent peer connects" start_idle quiet pkac1 "$PORT5" silent
ok "a peer completes TLS, reads the HELLO and says nothing" start_idle mute pkac2 "$PORT5" mute
QUIET=$(idle_addr quiet) MUTE=$(idle_addr mute)
ok "the silent connection ends at its deadline, in the handshake (logged)" \
	wait_log "^pka serve: refused connection from $QUIET: handshake: timed out\$"
ok "the mute connection ends at its deadline, after the HELLO (logged)" \
	wait_log "^pka serve: refused connection from $MUTE: timed out\$"
ok "the silent peer saw the server close its connection" idle_closed quiet
ok "the mute peer saw the server close its connection" idle_closed mute
ok "syslog: the connection timeouts (<84>)" syslog_pri 84 "refused connection from $QUIET: handshake: timed out"
ok "SIGTERM: the server stops, exit 4" bash -c "kill -TERM $SERVE_PID"
ok "... and exits 4" wait_serve 4
ok "server log: stopped by the signal, 0 of 2" serve_log_has "stopped by signal (Terminated): 0 of 2"
ok "syslog: the stop (<84>)" syslog_pri 84 "stopped by signal"
cat "$WORK/serve.log" >>"$WORK/serve-all.log"
ok "no connection handler died, overran its deadline or sent a bad message (all sessions)" \
	not grep -q "error: the handler" "$WORK/serve-all.log"
ok "no sanitizer report from the server or its handlers (all sessions)" \
	not grep -qE "Sanitizer|runtime error" "$WORK/serve-all.log"
ok "syslog: every schsmctl line has facility authpriv (all sessions)" all_authpriv
ok "syslog: neither the PIN nor the SO-PIN in it (all sessions)" not grep -qE "$PIN|$SO" "$WORK/syslog"
sed 's/^/# serve: /' "$WORK/serve.log"

tap_done
