# shellcheck shell=bash
# Options OpenSC's tools never set, driven with raw APDUs and judged by the
# reference's status words and by openssl: transport-PIN mode (0x0002), key
# use counter (tag 90) and algorithm list (tag 91), more curves and RSA
# sizes through pkcs11-tool, and the key attestation (device signature on
# the GAKP answer, DICA signature on the device CVC) checked by openssl
# against the public keys in EF 2F02.  Instance O, reader 0.

plug O
INIT_DATA=8002000381063634383231398208${SOPIN}910103
NEWPIN=123456
# GAKP for P-256 with use counter 1 (tag 90) and algorithm list {73} (tag 91)
GAKP=$(gakp_p256 1 900400000001910173)
mapfile -t res < <(apdus "$READER0" "$SEL" "80500000$(printf %02X $((${#INIT_DATA} / 2)))$INIT_DATA" \
	0020008100 "0020008106$(hexs $PIN)" "002400810C$(hexs $PIN)$(hexs $NEWPIN)" \
	"$SEL" "0020008106$(hexs $NEWPIN)" "$GAKP" \
	"8068017020$(printf '%064X' 7)00" 806801730361626300 806801730361626300 \
	"00B12F02000004540200000000")
if [ "${res[1]}" = "9000 " ] && [ "${res[2]%% *}" = 6984 ] && [ "${res[3]%% *}" = 6984 ] &&
   [ "${res[4]}" = "9000 " ] && [ "${res[6]}" = "9000 " ]; then
	ok "transport PIN (option 0x0002): VERIFY answers 6984 until CHANGE REFERENCE DATA"
else
	not_ok "transport PIN (option 0x0002)"; diag "${res[@]:0:7}"
fi
if [ "${res[7]%% *}" = 9000 ] && [ "${res[8]%% *}" = 6A81 ] && [ "${res[9]%% *}" = 9000 ] &&
   [ "${res[10]%% *}" = 6984 ]; then
	ok "algorithm list {73} refuses 70 (6A81); use counter 1 allows one SIGN, then 6984"
else
	not_ok "algorithm list and use counter"; diag "${res[@]:7:4}"
fi

# openssl judges the signature and the attestation chain
REQ=${res[7]#9000 } SIG=${res[9]#9000 } EF2F02=${res[11]#* }
python3 - "$REQ" "$EF2F02" "$SIG" <<'PY' >attest.sh
import sys
def tlvs(b):
    i = 0
    while i < len(b):
        s = i; t = b[i]; i += 1
        if t & 0x1f == 0x1f:
            t = t << 8 | b[i]; i += 1
        l = b[i]; i += 1
        if l & 0x80:
            k = l & 0x7f; l = int.from_bytes(b[i:i + k], "big"); i += k
        yield t, b[i:i + l], b[s:i + l]; i += l
def get(b, t):
    return next((v, raw) for tt, v, raw in tlvs(b) if tt == t)
def der_int(x):
    x = x.lstrip(b"\0") or b"\0"
    if x[0] & 0x80: x = b"\0" + x
    return b"\x02" + bytes([len(x)]) + x
def plain_to_der(s):
    h = len(s) // 2
    body = der_int(s[:h]) + der_int(s[h:])
    return b"\x30" + bytes([len(body)]) + body
SPKI = {"p256": "3059301306072a8648ce3d020106082a8648ce3d030107034200",
        "bp256": "305a301406072a8648ce3d020106092b2403030208010107034200"}
req, ef, sig = (bytes.fromhex(x) for x in sys.argv[1:4])
out = lambda name, data: open(name, "wb").write(data)
inner, inner_raw = get(get(req, 0x67)[0], 0x7F21)
outer = get(req, 0x67)[0]
outer_car_raw = get(outer, 0x42)[1]
out("att.tbs", inner_raw + outer_car_raw)
out("att.sig", plain_to_der(get(outer, 0x5F37)[0]))
body, body_raw = get(inner, 0x7F4E)
out("key.spki", bytes.fromhex(SPKI["p256"]) + get(get(body, 0x7F49)[0], 0x86)[0])
out("abc.sig", sig)
certs = list(tlvs(ef))
dev, dica = certs[0][1], certs[1][1]
devbody, devbody_raw = get(dev, 0x7F4E)
out("dev.spki", bytes.fromhex(SPKI["bp256"]) + get(get(devbody, 0x7F49)[0], 0x86)[0])
out("dev.tbs", devbody_raw)
out("dev.sig", plain_to_der(get(dev, 0x5F37)[0]))
dicabody = get(dica, 0x7F4E)[0]
out("dica.spki", bytes.fromhex(SPKI["bp256"]) + get(get(dicabody, 0x7F49)[0], 0x86)[0])
print("ok")
PY
printf abc >abc.bin
v() { openssl dgst -sha256 -verify <(openssl pkey -pubin -inform DER -in "$1") -signature "$2" "$3" 2>&1; }
if grep -q ok attest.sh && v key.spki abc.sig abc.bin | grep -q "Verified OK"; then
	ok "ECDSA signature from the raw SIGN 73 verifies with the key in the GAKP answer"
else
	not_ok "ECDSA signature from the raw SIGN 73 verifies"; diag "$(v key.spki abc.sig abc.bin)"
fi
if v dev.spki att.sig att.tbs | grep -q "Verified OK" && v dica.spki dev.sig dev.tbs | grep -q "Verified OK"; then
	ok "key attestation: device key signed the request, DICA signed the device CVC (openssl)"
else
	not_ok "key attestation verified by openssl"; diag "$(v dev.spki att.sig att.tbs)" "$(v dica.spki dev.sig dev.tbs)"
fi

# more sizes and curves through OpenSC, each signature checked by openssl
# (public keys via pkcs15-tool: pkcs11-tool 0.23 cannot export 384-bit EC keys)
sc-hsm-tool -r 0 --initialize --so-pin $SOPIN --pin $PIN >/dev/null 2>&1
head -c 500 /dev/urandom >multi.bin
id=60
for kt in rsa:1024 rsa:3072 EC:secp384r1 EC:secp521r1 EC:brainpoolP256r1 EC:brainpoolP384r1; do
	id=$((id + 1))
	case $kt in rsa*) mech=SHA256-RSA-PKCS fmt=() ;; *) mech=ECDSA-SHA256 fmt=(--signature-format openssl) ;; esac
	out=$(pkcs11-tool --module "$P11" -l --pin $PIN --keypairgen --key-type "$kt" --id $id 2>&1 &&
		pkcs15-tool -r 0 --read-public-key $id -o k$id.pem 2>&1 &&
		pkcs11-tool --module "$P11" -l --pin $PIN --sign -m $mech --id $id "${fmt[@]}" \
			-i multi.bin -o k$id.sig 2>&1 &&
		openssl dgst -sha256 -verify k$id.pem -signature k$id.sig multi.bin 2>&1)
	if grep -q "Verified OK" <<<"$out"; then ok "keypairgen $kt, sign, openssl verifies"; else not_ok "keypairgen $kt, sign, openssl verifies"; diag "$out"; fi
done
unplug O
