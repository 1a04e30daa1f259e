# shellcheck shell=bash
# DKEK shares (password and 2-of-3 threshold), wrap on A, unwrap on B with
# the same shares (blob in the APDU and staged in EF 2F10), and a refused
# unwrap on C with another DKEK.  Judged by sc-hsm-tool, pkcs11-tool and
# cmp.  The share KDF costs ~9 s of CPU per create/import, so the two
# instances import in parallel.

# import_shares READER: the password share, then the threshold share from two of three
import_shares() {
	local r=$1
	sc-hsm-tool -r "$r" --import-dkek-share dkek1.pbe --password secret123 &&
	printf '%s\n\n1\n%s\n\n3\n%s\n' "$PRIME" "$SHARE1" "$SHARE3" |
		sc-hsm-tool -r "$r" --import-dkek-share dkek2.pbe --pwd-shares-total 2
}

(sc-hsm-tool -r 0 --create-dkek-share dkek1.pbe --password secret123 >create1.out 2>&1) &
c1=$!
printf '\n\n\n\n\n\n\n\n\n\n' |
	sc-hsm-tool -r 0 --create-dkek-share dkek2.pbe --pwd-shares-threshold 2 \
		--pwd-shares-total 3 2>&1 | sed 's/\x1b\[[0-9;]*[a-zA-Z]//g' >create2.out
wait $c1
PRIME=$(sed -n 's/^Prime *: *//p' create2.out | head -1)
SHARE1=$(awk '/Share ID *: *1$/ { getline; while ($0 !~ /Share value/) getline; sub(/^[^:]*: */, ""); print; exit }' create2.out)
SHARE3=$(awk '/Share ID *: *3$/ { getline; while ($0 !~ /Share value/) getline; sub(/^[^:]*: */, ""); print; exit }' create2.out)
if [ "$(stat -c %s dkek1.pbe 2>/dev/null)" = 64 ] && [ "$(stat -c %s dkek2.pbe 2>/dev/null)" = 64 ] &&
   [ -n "$PRIME" ] && [ -n "$SHARE1" ] && [ -n "$SHARE3" ]; then
	ok "sc-hsm-tool --create-dkek-share: password share and 2-of-3 threshold share (card as RNG)"
else
	not_ok "sc-hsm-tool --create-dkek-share"; diag "$(cat create1.out create2.out)"
fi

plug B 1 || not_ok "emulator B inserted into $READER1"
out=$(sc-hsm-tool -r 0 --initialize --so-pin $SOPIN --pin $PIN --dkek-shares 2 2>&1 &&
	sc-hsm-tool -r 1 --initialize --so-pin $SOPIN --pin $PIN --dkek-shares 2 2>&1 &&
	sc-hsm-tool -r 0 2>&1)
if grep -q "DKEK shares *: 2" <<<"$out" && grep -q "2 share(s) still missing" <<<"$out"; then
	ok "initialize --dkek-shares 2: 2 shares outstanding"
else
	not_ok "initialize --dkek-shares 2: 2 shares outstanding"; diag "$out"
fi

(import_shares 1 >importB.out 2>&1) &
ib=$!
import_shares 0 >importA.out 2>&1
wait $ib
stA=$(sc-hsm-tool -r 0 2>&1)
stB=$(sc-hsm-tool -r 1 2>&1)
kcvA=$(sed -n 's/^DKEK key check value *: *//p' <<<"$stA")
kcvB=$(sed -n 's/^DKEK key check value *: *//p' <<<"$stB")
if [ -n "$kcvA" ] && [ "$kcvA" = "$kcvB" ] && [ "$kcvA" != 0000000000000000 ]; then
	ok "both shares imported on A and B (threshold share from 2 of 3): same KCV $kcvA"
else
	not_ok "both shares imported on A and B: same KCV"; diag "$stA" "$stB" "$(tail -n 5 importA.out importB.out)"
fi
out=$(sc-hsm-tool -r 0 --import-dkek-share dkek1.pbe --password secret123 2>&1)
st=$(sc-hsm-tool -r 0 2>&1)
if grep -q "DKEK share imported" <<<"$out" || [ "$(sed -n 's/^DKEK key check value *: *//p' <<<"$st")" != "$kcvA" ]; then
	not_ok "a third share on a complete DKEK is refused, KCV unchanged"; diag "$out" "$st"
else
	ok "a third share on a complete DKEK is refused, KCV unchanged"
fi
unplug B 1

# wrap on A
head -c 300 /dev/urandom >wrapdata.bin
out=$(pkcs11-tool --module "$P11" -l --pin $PIN --keypairgen --key-type rsa:2048 --id 21 --label wrapme 2>&1)
REF=$(key_ref 21)
out=$out$(sc-hsm-tool -r 0 --wrap-key wrap.bin --key-reference "$REF" --pin $PIN 2>&1)
if [ -s wrap.bin ] && openssl asn1parse -inform DER -in wrap.bin >/dev/null 2>&1; then
	ok "sc-hsm-tool --wrap-key: key ref $REF wrapped ($(stat -c %s wrap.bin) bytes)"
else
	not_ok "sc-hsm-tool --wrap-key"; diag "$out"
fi
pkcs11-tool --module "$P11" -l --pin $PIN --sign -m SHA256-RSA-PKCS --id 21 -i wrapdata.bin -o sigA.bin >/dev/null 2>&1
pkcs11-tool --module "$P11" --read-object --type pubkey --id 21 -o wrap21.der >/dev/null 2>&1
unplug A

# unwrap on B (blob in the APDU, as OpenSC 0.23 sends it)
plug B
out=$(sc-hsm-tool -r 0 --unwrap-key wrap.bin --key-reference 5 --pin $PIN 2>&1)
out=$out$(pkcs11-tool --module "$P11" -l --pin $PIN --sign -m SHA256-RSA-PKCS --id 21 -i wrapdata.bin -o sigB.bin 2>&1)
if [ -s sigA.bin ] && cmp -s sigA.bin sigB.bin &&
   openssl dgst -sha256 -verify <(openssl pkey -pubin -inform DER -in wrap21.der) \
	-signature sigB.bin wrapdata.bin >/dev/null 2>&1; then
	ok "unwrap on B: byte-identical RSA PKCS#1 v1.5 signatures from A and B"
else
	not_ok "unwrap on B: byte-identical RSA signatures"; diag "$out"
fi

# the 0.24+ form: blob staged in EF 2F10, UNWRAP with no data
blob=$(python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
def hdr(b, i):
    l = b[i + 1]; i += 2
    if l & 0x80:
        n = l & 0x7f; l = int.from_bytes(b[i:i + n], "big"); i += n
    return l, i
_, i = hdr(d, 0)
l, j = hdr(d, i)
print(d[j:j + l].hex())' wrap.bin)
cmds=("$SEL" "0020008106$(hexs $PIN)")
off=0
while [ $off -lt $((${#blob} / 2)) ]; do
	chunk=${blob:$((off * 2)):1600}
	n=$((${#chunk} / 2))
	body=$(printf '5402%04X5382%04X%s' $off $n "$chunk")
	cmds+=("$(printf '00D72F1000%04X%s' $((${#body} / 2)) "$body")")
	off=$((off + n))
done
cmds+=("80740693" "806805330000036162630000" "806806330000036162630000" "80580000000000")
mapfile -t res < <(apdus "$READER0" "${cmds[@]}")
last=$((${#res[@]} - 1))
s5=${res[$((last - 2))]} s6=${res[$((last - 1))]} enum=${res[$last]}
if [ "${res[$((last - 3))]}" = "9000 " ] && [ "${s5%% *}" = 9000 ] && [ "$s5" = "$s6" ] &&
   grep -q "CC06" <<<"$enum" && ! grep -qi "2F10" <<<"$(fold -w4 <<<"${enum#* }")"; then
	ok "unwrap from EF 2F10 staging: key 6 signs like key 5, staging EF consumed"
else
	not_ok "unwrap from EF 2F10 staging"; diag "${res[@]}"
fi
unplug B

# C has a random DKEK: the unwrap fails and leaves the token as it was
plug C
sc-hsm-tool -r 0 --initialize --so-pin $SOPIN --pin $PIN --dkek-shares 0 >/dev/null 2>&1
before=$(apdus "$READER0" 00A4040C0BE82B0601040181C31F0201 8058000000)
cp C.state C.before
out=$(sc-hsm-tool -r 0 --unwrap-key wrap.bin --key-reference 5 --pin $PIN 2>&1)
rc=$?
after=$(apdus "$READER0" 00A4040C0BE82B0601040181C31F0201 8058000000)
if [ $rc -ne 0 ] && [ "$before" = "$after" ] && cmp -s C.before C.state; then
	ok "unwrap under another DKEK fails, token unchanged (objects and state file)"
else
	not_ok "unwrap under another DKEK fails, token unchanged"; diag "rc=$rc" "$out" "$before" "$after"
fi
unplug C
