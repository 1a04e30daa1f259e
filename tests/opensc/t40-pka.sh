# shellcheck shell=bash
# Public key authentication (n-of-m): custodian keys exported from A and B
# (--export-for-pub-key-auth), registered on D initialised with -K 3 -n 2
# (--register-public-key), then authenticated in one session on D:
# GET CHALLENGE, MSE SET 81 A4, EXTERNAL AUTHENTICATE with the custodian's
# ECDSA signature over SHA-256(D's device CHR ‖ challenge), made by
# pkcs11-tool on the custodian's own token.  Judged by sc-hsm-tool's status
# and by whether a PIN-less SIGN on D is refused (6982) or served.

# CHR of the key request inside a PKA file: 30 { 67 { 7F21 { 7F4E { … 5F20 } } } }
pka_chr() {
	python3 - "$1" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
def tlvs(b):
    i = 0
    while i < len(b):
        t = b[i]; i += 1
        if t & 0x1f == 0x1f:
            t = t << 8 | b[i]; i += 1
        l = b[i]; i += 1
        if l & 0x80:
            n = l & 0x7f; l = int.from_bytes(b[i:i + n], "big"); i += n
        yield t, b[i:i + l]; i += l
def find(b, path):
    for t, v in tlvs(b):
        if t == path[0]:
            return v if len(path) == 1 else find(v, path[1:])
print(find(d, [0x30, 0x67, 0x7F21, 0x7F4E, 0x5F20]).decode())
PY
}

# slot ID of the token in reader 1, from pkcs11-tool -L
slot_reader1() {
	pkcs11-tool --module "$P11" -L 2>/dev/null |
		sed -n "s/^Slot [0-9]* (\(0x[0-9a-f]*\)): $READER1.*/\1/p" | head -1
}

# custodian keys: an EC key on A and one on B, exported for PKA
plug A
out=$(pkcs11-tool --module "$P11" -l --pin $PIN --keypairgen --key-type EC:prime256v1 --id 30 --label custA 2>&1)
REF=$(key_ref 30)
out=$out$(sc-hsm-tool -r 0 --export-for-pub-key-auth custA.pka --key-reference "$REF" 2>&1)
unplug A
plug B
out=$out$(pkcs11-tool --module "$P11" -l --pin $PIN --keypairgen --key-type EC:prime256v1 --id 31 --label custB 2>&1)
REF=$(key_ref 31)
out=$out$(sc-hsm-tool -r 0 --export-for-pub-key-auth custB.pka --key-reference "$REF" 2>&1)
unplug B
if [ -s custA.pka ] && [ -s custB.pka ] && CHR_A=$(pka_chr custA.pka) && CHR_B=$(pka_chr custB.pka); then
	ok "--export-for-pub-key-auth on A and B ($CHR_A, $CHR_B)"
else
	not_ok "--export-for-pub-key-auth on A and B"; diag "$out"
fi

plug D
out=$(sc-hsm-tool -r 0 --initialize --so-pin $SOPIN --pin $PIN --public-key-auth 3 --required-pub-keys 2 2>&1;
	sc-hsm-tool -r 0 --public-key-auth-status 2>&1)
if grep -qE "Number of public keys: *3" <<<"$out" && grep -qE "Missing public keys: *3" <<<"$out" &&
   grep -qE "Required pubkeys for auth: *2" <<<"$out"; then
	ok "--initialize -K 3 -n 2, --public-key-auth-status: 3 keys, 3 missing, 2 required"
else
	not_ok "--initialize -K 3 -n 2 and --public-key-auth-status"; diag "$out"
fi

out=$(sc-hsm-tool -r 0 --register-public-key custA.pka 2>&1; sc-hsm-tool -r 0 --register-public-key custB.pka 2>&1)
if grep -qE "Missing public keys: *1" <<<"$out" && ! grep -qi "error\|failed" <<<"$out"; then
	ok "--register-public-key with keys exported from A and B: 1 missing"
else
	not_ok "--register-public-key from A and B"; diag "$out"
fi
out=$(sc-hsm-tool -r 0 --register-public-key custA.pka 2>&1; sc-hsm-tool -r 0 --public-key-auth-status 2>&1)
if grep -qE "Missing public keys: *1" <<<"$out" && grep -qi "fail\|error" <<<"$out"; then
	ok "registering the same key twice is refused"
else
	not_ok "registering the same key twice is refused"; diag "$out"
fi

# a key on D to use once authenticated, and D's device CHR
pkcs11-tool --module "$P11" -l --pin $PIN --keypairgen --key-type EC:prime256v1 --id 40 >/dev/null 2>&1
REF_D=$(key_ref 40)
CHR_D=$("$top/tests/emulator/schsm-emu" --state D.state --info | sed -n 's/^device CHR: //p')

# session_start / xfer APDU / session_end: one exclusive PC/SC session on D
# (bash unsets the coproc variables once it exits: keep copies)
session_start() {
	coproc SESS { "$WORK/apdu-client" "$READER0" exclusive 2>&1; }
	SESS_IN=${SESS[1]} SESS_OUT=${SESS[0]} SESS_PID_SAVED=$SESS_PID
	PIDS+=("$SESS_PID_SAVED")
}
xfer() {
	printf '%s\n' "$1" >&"$SESS_IN"
	IFS= read -r REPLY <&"$SESS_OUT" || REPLY="ERR session closed"
	printf '%s\n' "$REPLY"
}
session_end() {
	exec {SESS_IN}>&-
	wait "$SESS_PID_SAVED" 2>/dev/null
}
session_start
mse_a4() {
	local h
	h=$(hexs "$1")
	printf '002281A4%02X83%02X%s' $((${#h} / 2 + 2)) $((${#h} / 2)) "$h"
}
SIGN_D=$(printf '8068%02X73000003616263%s' "$REF_D" 0000)

# custodian_sign NAME ID CHALLENGE: the custodian plugs in his token (reader 1)
# and signs SHA-256(CHR_D ‖ challenge) with ECDSA; prints r‖s in hex
custodian_sign() {
	local name=$1 id=$2 chal=$3 slot
	{ printf %s "$CHR_D"; fromhex <<<"$chal"; } >pka-msg.bin
	plug "$name" 1 || return 1
	slot=$(slot_reader1)
	pkcs11-tool --module "$P11" --slot "$slot" -l --pin $PIN --sign -m ECDSA-SHA256 \
		--id "$id" -i pka-msg.bin -o pka-sig.bin >/dev/null 2>&1
	unplug "$name" 1
	[ -s pka-sig.bin ] && tohex <pka-sig.bin
}

r_sel=$(xfer "$SEL")
r_nopin=$(xfer "$SIGN_D")
chal=$(xfer 0084000008); chal=${chal#9000 }
sigA=$(custodian_sign A 30 "$chal")
r_mseA=$(xfer "$(mse_a4 "$CHR_A")")
r_badA=$(xfer "$(printf '0082000040%s' "$(printf '%0128X' 1)")")
r_mseA2=$(xfer "$(mse_a4 "$CHR_A")")
r_extA=$(xfer "$(printf '00820000%02X%s' $((${#sigA} / 2)) "$sigA")")
r_st1=$(xfer 8054000000)
r_one=$(xfer "$SIGN_D")
sigB=$(custodian_sign B 31 "$chal")
r_mseB=$(xfer "$(mse_a4 "$CHR_B")")
r_extB=$(xfer "$(printf '00820000%02X%s' $((${#sigB} / 2)) "$sigB")")
r_st2=$(xfer 8054000000)
r_two=$(xfer "$SIGN_D")
r_resel=$(xfer "$SEL")
r_st3=$(xfer 8054000000)
r_after=$(xfer "$SIGN_D")
session_end

if [ "$r_sel" = "9000 " ] && [ "${r_nopin%% *}" = 6982 ]; then
	ok "PKA session: SIGN without PIN or custodians refused (6982)"
else
	not_ok "PKA session: SIGN without PIN refused"; diag "$r_sel" "$r_nopin"
fi
if [ "${r_badA%% *}" = 6300 ] && [ "${r_extA%% *}" = 9000 ] && [ "$r_st1" = "9000 03010201" ]; then
	ok "custodian A: a bad signature fails (6300), the real one authenticates: status 03 01 02 01"
else
	not_ok "custodian A authenticates"; diag "$r_mseA" "$r_badA" "$r_mseA2" "$r_extA" "$r_st1"
fi
if [ "${r_one%% *}" = 6982 ]; then ok "1 of 2 custodians: key use still refused"; else not_ok "1 of 2 custodians: key use still refused"; diag "$r_one"; fi
if [ "${r_extB%% *}" = 9000 ] && [ "$r_st2" = "9000 03010202" ] && [ "${r_two%% *}" = 9000 ]; then
	ok "2 of 2 custodians: status 03 01 02 02, SIGN without PIN served"
else
	not_ok "2 of 2 custodians unlock key use"; diag "$r_mseB" "$r_extB" "$r_st2" "$r_two"
fi
if [ "$r_resel" = "9000 " ] && [ "$r_st3" = "9000 03010200" ] && [ "${r_after%% *}" = 6982 ]; then
	ok "re-SELECT ends the PKA session"
else
	not_ok "re-SELECT ends the PKA session"; diag "$r_resel" "$r_st3" "$r_after"
fi
# the ECDSA signature made with custodians only is verifiable with D's key
sig=${r_two#9000 }
pkcs11-tool --module "$P11" --read-object --type pubkey --id 40 -o d40.der >/dev/null 2>&1
if fromhex <<<"$sig" >d40.sig && printf abc >abc.bin &&
   openssl dgst -sha256 -verify <(openssl pkey -pubin -inform DER -in d40.der) -signature d40.sig abc.bin >/dev/null 2>&1; then
	ok "the custodian-authorised signature verifies with openssl"
else
	not_ok "the custodian-authorised signature verifies with openssl"
fi
unplug D
