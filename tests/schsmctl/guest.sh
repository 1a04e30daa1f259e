#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the VM (tests/schsmctl/run): every schsmctl subcommand against
# /dev/schsm0 (token A, prepared by sc-hsm-tool on the host), success and
# failure.  usage: guest.sh WORKDIR OUTDIR KCV full|ioctl
#   WORKDIR  the host's files (read only here)
#   OUTDIR   what this run hands back to the host (one per kernel)
#   full     everything, including the steps that run the share KDF
#            (10,000,000 MD5 rounds: ~45 s each under TCG, 4 s natively)
#   ioctl    everything else: the KDF steps are covered once by the other
#            kernel's full run (see the table in tests/schsmctl/run)
# Judges: openssl (signatures, public keys), the host's KCV, exit codes and
# the one-line error messages documented in schsmctl(1).
set -u
W=$1 OUT=$2 KCV=$3 PART=$4
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/schsmctl/lib.sh"
WORK=$(mktemp -d)
CTL=$top/userspace/bin/schsmctl-san	# ASan/UBSan build
CTLF=$top/userspace/bin/schsmctl	# plain build for the 10^7-round KDF under TCG
export PW2=Second-share-pw PIN=648219 SO=3537363231383830 BADPIN=111111 NOPE=12345 NEWPIN=12345678 NEWSO=0102030405060708
export ASAN_OPTIONS=detect_leaks=1
kdf() { [ "$PART" = full ]; }	# steps that run the share KDF

out() { "$CTL" "$@" 2>&1; }
has() { grep -q -- "$1" "$WORK/out"; }
run() { "$CTL" "$@" >"$WORK/out" 2>&1; }

# --- status and PINs -----------------------------------------------------
phase "guest: status and PINs"
ok "status names the device and the DKEK KCV" \
	bash -c "'$CTL' status >'$WORK/st' 2>&1 && grep -q '^Device CHR' '$WORK/st' && grep -q '$KCV' '$WORK/st'"
ok "dkek status shows the host's KCV" bash -c "'$CTL' dkek status | grep -q 'key check value : $KCV'"
ok "login with a wrong PIN: exit 4" expect_rc 4 "$CTL" login --pin env:BADPIN
ok "the failure names the tries left" grep -q 'wrong PIN, 2 tries left' "$WORK/stderr"
ok "status shows 2 tries left (nothing retried)" \
	bash -c "'$CTL' status | grep -q 'User PIN *: not verified, 2 tries left'"
ok "PIN too short is refused before the card: exit 2" expect_rc 2 "$CTL" login --pin env:NOPE
ok "PIN on argv refused: exit 2" expect_rc 2 "$CTL" login --pin 648219
ok "status still shows 2 tries left" \
	bash -c "'$CTL' status | grep -q 'not verified, 2 tries left'"
ok "login: exit 0" expect_rc 0 "$CTL" login --pin env:PIN
ok "status: PIN verified" bash -c "'$CTL' status | grep -q 'User PIN *: verified'"
ok "login from fd:3" bash -c "'$CTL' login --pin fd:3 3<<<'$PIN' >/dev/null"
ok "login from file:" bash -c "printf '%s\n' '$PIN' >'$WORK/pinfile' && '$CTL' login --pin 'file:$WORK/pinfile' >/dev/null"

# --- keys -----------------------------------------------------------------
phase "guest: sign, wrap, unwrap"
ok "key list shows sc-hsm-tool's key 1 (RSA-2048)" \
	bash -c "'$CTL' key list | grep -Eq '^ +1 +RSA-2048'"
ok "key sign 1 (rsa-pkcs1-sha256)" \
	expect_rc 0 "$CTL" key sign 1 --alg rsa-pkcs1-sha256 --in "$W/msg" --out "$OUT/a-sig1.bin"
ok "that signature verifies with openssl" \
	openssl dgst -sha256 -verify "$W/a-pub1.pem" -signature "$OUT/a-sig1.bin" "$W/msg"
ok "key unwrap of sc-hsm-tool's wrapped-key file into id 2" \
	expect_rc 0 "$CTL" key unwrap "$W/sct-wrapped.bin" 2
ok "key 2 signs byte-identically to key 1" \
	bash -c "'$CTL' key sign 2 --alg rsa-pkcs1-sha256 --in '$W/msg' --out '$WORK/sig2' && cmp -s '$WORK/sig2' '$OUT/a-sig1.bin'"
ok "unwrap into an occupied id refused: exit 9" expect_rc 9 "$CTL" key unwrap "$W/sct-wrapped.bin" 2
ok "unwrap of a corrupt file refused: exit 8" \
	bash -c "head -c 100 '$W/sct-wrapped.bin' >'$WORK/trunc'; '$CTL' key unwrap '$WORK/trunc' 3 2>/dev/null; test \$? -eq 8"
ok "nothing was created by the refused unwraps" \
	bash -c "! '$CTL' key list | grep -Eq '^ +3 '"
ok "key wrap 1 (schsmctl's file for sc-hsm-tool)" \
	expect_rc 0 "$CTL" key wrap 1 "$OUT/ctl-wrapped.bin"
ok "schsmctl's file is DER that openssl parses" \
	bash -c "openssl asn1parse -inform DER -in '$OUT/ctl-wrapped.bin' >/dev/null"
ok "schsmctl's file equals sc-hsm-tool's layout (same PrKD and certificate parts)" \
	bash -c "openssl asn1parse -inform DER -in '$OUT/ctl-wrapped.bin' | sed -n '2p' | grep -q 'OCTET STRING'"
ok "wrap refuses to overwrite: exit 9" expect_rc 9 "$CTL" key wrap 1 "$OUT/ctl-wrapped.bin"
ok "wrap of a missing key: exit 7" expect_rc 7 "$CTL" key wrap 77 "$WORK/none.bin"

phase "guest: generate, attest, delete"
ok "key generate ec:prime256v1 --id 3 --label ec-three --out request" \
	expect_rc 0 "$CTL" key generate --type ec:prime256v1 --id 3 --label ec-three --out "$WORK/req3"
cp "$WORK/req3" "$OUT/req3"	# the host checks its CHR against the emulator's
ok "key list shows the label" bash -c "'$CTL' key list | grep -Eq '^ +3 +EC-256 +ec-three'"
ok "key attest 3: chain and request verify" \
	bash -c "'$CTL' key attest 3 >'$WORK/att' && grep -q 'was generated on device' '$WORK/att'"
ok "key attest 3 --root: the DICA is verified against the emulator's test root" \
	bash -c "'$CTL' key attest 3 --root '$W/root.cvc' | grep -q 'issued by root UTEMUROOT00001: verified'"
flip_byte "$WORK/req3" -3 "$WORK/req3.bad"
ok "key attest of a tampered request: exit 10" \
	expect_rc 10 "$CTL" key attest 3 --request "$WORK/req3.bad"
ok "key generate into an occupied id: exit 9" expect_rc 9 "$CTL" key generate --type ec:prime256v1 --id 3
ok "key generate with a bad type: exit 2" expect_rc 2 "$CTL" key generate --type ec:p999
ok "key generate rsa:2048 with --algorithms and --use-counter" \
	expect_rc 0 "$CTL" key generate --type rsa:2048 --id 4 --algorithms rsa-pkcs1-sha256 --use-counter 1
ok "the algorithm restriction refuses PSS" \
	bash -c "'$CTL' key sign 4 --alg rsa-pss-sha256 --in '$W/msg' --out '$WORK/s4c' 2>/dev/null; test \$? -ne 0"
ok "the use counter allows one signature" \
	expect_rc 0 "$CTL" key sign 4 --alg rsa-pkcs1-sha256 --in "$W/msg" --out "$WORK/s4a"
ok "and refuses the second" bash -c "'$CTL' key sign 4 --alg rsa-pkcs1-sha256 --in '$W/msg' --out '$WORK/s4b' 2>/dev/null; test \$? -ne 0"
ok "key delete 4" expect_rc 0 "$CTL" key delete 4
ok "key delete of a missing key: exit 7" expect_rc 7 "$CTL" key delete 4
ok "key generate without --id takes the lowest free id (4)" \
	bash -c "'$CTL' key generate --type ec:prime256v1 | grep -q '^Key generated: id 4$' && '$CTL' key list | grep -Eq '^ +4 +EC-256'"
ok "key delete 4 again" expect_rc 0 "$CTL" key delete 4

if kdf; then
	phase "guest: key import (one KDF)"
	ok "key import of a PKCS#12 file through a host-built DKEK blob (shares 1,3)" \
		bash -c "printf 'p12pass\n' | '$CTLF' key import '$W/import.p12' 7 --dkek-share '$W/dkek.pbe' --pwd-shares 2 --shares-from 'file:$W/shares13' --key-password fd:0 >'$WORK/imp' 2>&1 || { cat '$WORK/imp'; false; }"
	ok "the imported key's signature verifies with the original certificate" \
		bash -c "'$CTL' key sign 7 --alg rsa-pkcs1-sha256 --in '$W/msg' --out '$WORK/s7' && openssl x509 -in '$W/import.crt' -pubkey -noout >'$WORK/imp.pub' && openssl dgst -sha256 -verify '$WORK/imp.pub' -signature '$WORK/s7' '$W/msg'"
fi
# (key import with the wrong shares: on the host, where the shares are
# checked before any token is opened)

# --- DKEK refusals ---------------------------------------------------------
phase "guest: DKEK refusals, PIN management"
ok "dkek import-share when all shares are in: exit 9 (token unchanged)" \
	bash -c "'$CTLF' dkek import-share '$W/dkek.pbe' --pwd-shares 2 --shares-from 'file:$W/shares13' 2>/dev/null; test \$? -eq 9"
ok "dkek import-share of a non-share file: exit 8" \
	bash -c "'$CTL' dkek import-share '$W/msg' --password env:PIN 2>/dev/null; test \$? -eq 8"

# --- PIN management ----------------------------------------------------------
ok "change-pin" expect_rc 0 "$CTL" change-pin --pin env:PIN --new-pin env:NEWPIN
ok "the old PIN no longer works: exit 4" expect_rc 4 "$CTL" login --pin env:PIN
ok "the new one does" expect_rc 0 "$CTL" login --pin env:NEWPIN
ok "logout" expect_rc 0 "$CTL" logout
ok "after logout keys are locked: sign refused" \
	bash -c "'$CTL' key sign 1 --alg rsa-pkcs1-sha256 --in '$W/msg' --out '$WORK/s9' 2>'$WORK/e9'; test \$? -eq 4 && grep -q 'not authenticated' '$WORK/e9'"
for _ in 1 2 3; do "$CTL" login --pin env:BADPIN >/dev/null 2>&1; done
ok "three wrong PINs block it: exit 5" expect_rc 5 "$CTL" login --pin env:NEWPIN
ok "unblock-pin with a wrong SO-PIN: exit 4" \
	bash -c "BAD=0000000000000000 '$CTL' unblock-pin --so-pin env:BAD --new-pin env:PIN 2>/dev/null; test \$? -eq 4"
ok "unblock-pin with the SO-PIN sets a new PIN" \
	expect_rc 0 "$CTL" unblock-pin --so-pin env:SO --new-pin env:PIN
ok "login with the new PIN" expect_rc 0 "$CTL" login --pin env:PIN
ok "change-so-pin" expect_rc 0 "$CTL" change-so-pin --so-pin env:SO --new-so-pin env:NEWSO
ok "SO-PIN not hex: exit 2" \
	bash -c "X=zz '$CTL' change-so-pin --so-pin env:X --new-so-pin env:SO 2>/dev/null; test \$? -eq 2"

# --- initialize ---------------------------------------------------------------
phase "guest: initialize"
ok "initialize refuses while keys exist: exit 9" \
	expect_rc 9 "$CTL" initialize --so-pin env:NEWSO --pin env:PIN
ok "the keys are still there" bash -c "'$CTL' key list | grep -Eq '^ +1 '"
ok "initialize --force with a wrong SO-PIN: exit 4, keys kept" \
	bash -c "'$CTL' initialize --force --so-pin env:SO --pin env:PIN 2>/dev/null; test \$? -eq 4 && '$CTL' key list | grep -Eq '^ +1 '"
ok "initialize --force --transport-pin --reset-retry --dkek-shares 2" \
	expect_rc 0 "$CTL" initialize --force --so-pin env:NEWSO --pin env:PIN --transport-pin --reset-retry --dkek-shares 2 --retry 3
ok "transport PIN: login refused with exit 5" expect_rc 5 "$CTL" login --pin env:PIN
ok "change-pin ends transport mode" expect_rc 0 "$CTL" change-pin --pin env:PIN --new-pin env:NEWPIN
ok "then login works" expect_rc 0 "$CTL" login --pin env:NEWPIN
ok "status: 2 DKEK shares outstanding, no keys" \
	bash -c "'$CTL' status >'$WORK/st2' && grep -q 'DKEK import pending, 2 share' '$WORK/st2' && grep -q 'Keys *: 0' '$WORK/st2'"
if kdf; then
	phase "guest: dkek import-share (two KDFs)"
	ok "dkek import-share of schsmctl's file with 2 password shares (1 of 2 imported)" \
		bash -c "'$CTLF' dkek import-share '$W/dkek.pbe' --pwd-shares 2 --shares-from 'file:$W/shares13' | grep -q 'DKEK import pending, 1 share'"
	# (a wrong password: on the host, dkek kcv, the same decipher step)
	ok "dkek import-share of sc-hsm-tool's password file completes the DKEK" \
		bash -c "'$CTLF' dkek import-share '$W/sct.pbe' --password env:PW2 >'$WORK/imp2' && grep -q 'key check value' '$WORK/imp2'"
	sed -n 's/^DKEK key check value : //p' "$WORK/imp2" >"$OUT/kcv2"
fi
# --- n-of-m: custodians c1, c2 registered, c3 not (tests/schsmctl/mkcustodian) ---
phase "guest: n-of-m"
# sign_chal KEY.pem CHALLENGE-FILE OUT : plain r||s over SHA-256(device CHR || challenge)
sign_chal() {
	local r s
	{ head -n 1 "$2" | tr -d '\n'; sed -n 2p "$2" | hex_to_bin; } |
		openssl dgst -sha256 -binary >"$3.dgst" &&
	openssl pkeyutl -sign -inkey "$1" -in "$3.dgst" -out "$3.der" || return 1
	# ECDSA-Sig-Value: two INTEGERs, which asn1parse prints in hex
	read -r r s < <(openssl asn1parse -inform DER -in "$3.der" | sed -n 's/.*INTEGER *://p' | tr '\n' ' ')
	printf '%64s%64s' "$r" "$s" | tr ' ' 0 | hex_to_bin >"$3"
}
ok "initialize --pka 4,2 (PKA or PIN)" \
	expect_rc 0 "$CTL" initialize --force --so-pin env:NEWSO --pin env:PIN --pka 4,2
ok "status: n-of-m configured, 4 keys missing" \
	bash -c "'$CTL' status | grep -q 'Public key auth *: 2 of 4 required, 4 missing'"
ok "this token as a custodian too: login, key generate ec:brainpoolP256r1 --id 9" \
	bash -c "'$CTL' login --pin env:PIN >/dev/null && '$CTL' key generate --type ec:brainpoolP256r1 --id 9 >/dev/null"
ok "pka export 9 (OpenSC PKA file)" expect_rc 0 "$CTL" pka export 9 "$OUT/self.pka"
ok "pka register self.pka (own device chain verified, --root)" \
	expect_rc 0 "$CTL" pka register "$OUT/self.pka" --root "$W/root.cvc"
ok "pka register c1 (custodian chain verified first)" expect_rc 0 "$CTL" pka register "$W/c1.pka"
ok "pka status: 2 missing" bash -c "'$CTL' pka status | grep -q 'Missing public keys: *2'"
ok "pka register c2" expect_rc 0 "$CTL" pka register "$W/c2.pka"
ok "pka register of sc-hsm-tool's exported PKA file (old layout)" \
	expect_rc 0 "$CTL" pka register "$W/sct.pka"
ok "pka register a fifth key: refused" \
	bash -c "'$CTL' pka register '$W/c3.pka' 2>/dev/null; test \$? -ne 0"
ok "pka challenge" expect_rc 0 "$CTL" pka challenge --out "$WORK/ch1"
ok "pka approve with this token's key 9 (real token signature)" \
	expect_rc 0 "$CTL" pka approve --challenge "$WORK/ch1" --key 9 --out "$WORK/s9"
sign_chal "$W/c1.pem" "$WORK/ch1" "$WORK/s1"
sign_chal "$W/c2.pem" "$WORK/ch1" "$WORK/s2"
sign_chal "$W/c3.pem" "$WORK/ch1" "$WORK/s3"
ok "the approve signature authenticates custodian 9: 1 of 2" \
	bash -c "'$CTL' pka authenticate --pka-file '$OUT/self.pka' --signature '$WORK/s9' | grep -q '1 of 2'"
ok "the same signature replayed: refused (exit 4)" \
	expect_rc 4 "$CTL" pka authenticate --pka-file "$OUT/self.pka" --signature "$WORK/s9"
ok "an unregistered custodian key: refused (exit 7)" \
	expect_rc 7 "$CTL" pka authenticate --pka-file "$W/c3.pka" --signature "$WORK/s3"
ok "custodian 1's signature under custodian 2's name: refused (exit 4)" \
	expect_rc 4 "$CTL" pka authenticate --pka-file "$W/c2.pka" --signature "$WORK/s1"
ok "custodian 1 authenticates: 2 of 2" \
	bash -c "'$CTL' pka authenticate --pka-file '$W/c1.pka' --signature '$WORK/s1' | grep -q '2 of 2'"
ok "pka status: 2 authenticated" bash -c "'$CTL' pka status | grep -q 'Authenticated public keys: *2'"
# a session with the quorum and no PIN
ok "logout ends PIN and n-of-m state" \
	bash -c "'$CTL' logout >/dev/null && '$CTL' pka status | grep -q 'Authenticated public keys: *0'"
ok "keys locked after logout" \
	bash -c "'$CTL' key sign 9 --alg ecdsa --in '$W/msg.sha256' --out '$WORK/k9' 2>/dev/null; test \$? -eq 4"
ok "new challenge" expect_rc 0 "$CTL" pka challenge --out "$WORK/ch2"
ok "a signature over the old challenge: refused (exit 4)" \
	expect_rc 4 "$CTL" pka authenticate --pka-file "$W/c1.pka" --signature "$WORK/s1"
sign_chal "$W/c1.pem" "$WORK/ch2" "$WORK/t1"
sign_chal "$W/c2.pem" "$WORK/ch2" "$WORK/t2"
ok "custodian 1 on the new challenge: 1 of 2" \
	bash -c "'$CTL' pka authenticate --pka-file '$W/c1.pka' --signature '$WORK/t1' | grep -q '1 of 2'"
ok "keys not usable with 1 of 2" bash -c "! '$CTL' status | grep -q '(keys usable)'"
ok "custodian 2: 2 of 2" \
	bash -c "'$CTL' pka authenticate --pka-file '$W/c2.pka' --signature '$WORK/t2' | grep -q '2 of 2'"
ok "status: n-of-m login without PIN, keys usable" \
	bash -c "'$CTL' status | grep -q 'Login *: n-of-m (keys usable)'"
ok "with the quorum and no PIN, key 9 signs" \
	expect_rc 0 "$CTL" key sign 9 --alg ecdsa --in "$W/msg.sha256" --out "$WORK/k9"
ok "logout ends the n-of-m state again" \
	bash -c "'$CTL' logout >/dev/null && '$CTL' pka status | grep -q 'Authenticated public keys: *0'"
# PKA *and* PIN (option 0x0010): neither the quorum nor the PIN alone unlocks keys
ok "initialize --pka 2,2 --combined-auth" \
	expect_rc 0 "$CTL" initialize --force --so-pin env:NEWSO --pin env:PIN --pka 2,2 --combined-auth
ok "pka register c1 and c2" \
	bash -c "'$CTL' pka register '$W/c1.pka' >/dev/null && '$CTL' pka register '$W/c2.pka' >/dev/null"
ok "combined: the PIN alone leaves keys locked" \
	bash -c "'$CTL' login --pin env:PIN >/dev/null && '$CTL' status | grep -q 'Login *: PIN (keys locked)'"
ok "combined: key generate refused with the PIN alone (exit 4)" \
	expect_rc 4 "$CTL" key generate --type ec:prime256v1 --id 4
# quorum_c1_c2 CHALLENGE TAG: custodians 1 and 2 sign CHALLENGE and authenticate
quorum_c1_c2() {
	sign_chal "$W/c1.pem" "$1" "$WORK/$2.1" && sign_chal "$W/c2.pem" "$1" "$WORK/$2.2" &&
	"$CTL" pka authenticate --pka-file "$W/c1.pka" --signature "$WORK/$2.1" >/dev/null &&
	"$CTL" pka authenticate --pka-file "$W/c2.pka" --signature "$WORK/$2.2" | grep -q '2 of 2'
}
ok "combined: challenge" expect_rc 0 "$CTL" pka challenge --out "$WORK/ch3"
ok "combined: custodians 1 and 2: 2 of 2" quorum_c1_c2 "$WORK/ch3" u
ok "combined: PIN and quorum, keys usable" \
	bash -c "'$CTL' status | grep -q 'Login *: PIN n-of-m (keys usable)'"
ok "combined: key generate ec:prime256v1 --id 4 with both" \
	expect_rc 0 "$CTL" key generate --type ec:prime256v1 --id 4 --out "$WORK/req4"
ok "combined: key 4 signs" \
	expect_rc 0 "$CTL" key sign 4 --alg ecdsa --in "$W/msg.sha256" --out "$WORK/k4"
ok "combined: logout, new challenge" \
	bash -c "'$CTL' logout >/dev/null && '$CTL' pka challenge --out '$WORK/ch4' >/dev/null"
ok "combined: custodians again: 2 of 2, no PIN" quorum_c1_c2 "$WORK/ch4" v
ok "combined: quorum without PIN: key 4 refused (exit 4)" \
	bash -c "'$CTL' key sign 4 --alg ecdsa --in '$W/msg.sha256' --out '$WORK/k4b' 2>/dev/null; test \$? -eq 4"
ok "combined: then the PIN unlocks key 4" \
	bash -c "'$CTL' login --pin env:PIN >/dev/null &&
		'$CTL' key sign 4 --alg ecdsa --in '$W/msg.sha256' --out '$WORK/k4c'"
ok "combined: logout" expect_rc 0 "$CTL" logout
phase "guest: help"
ok "help lists every subcommand" \
	bash -c "for c in status login logout change-pin unblock-pin change-so-pin initialize 'dkek create-share' 'dkek import-share' 'dkek status' 'key generate' 'key list' 'key delete' 'key wrap' 'key unwrap' 'key import' 'key attest'; do '$CTL' help | grep -q \"  \$c\" || exit 1; done"
ok "unknown subcommand: exit 2" expect_rc 2 "$CTL" frobnicate
ok "prefix matching: 'st' is status" expect_rc 0 "$CTL" st

phase
rm -rf "$WORK"
tap_done
