# shellcheck shell=bash
# Malformed and refused APDUs: every row must get exactly the status word
# ISO 7816-4 (or, for the SmartCard-HSM specifics, the reference's SW table:
# smartcard-hsm-interface.md §2.2/§5.3) prescribes; the emulator must stay
# up.  Then power-cycle semantics through vpcd.  Instance T, reader 0.

plug T
sc-hsm-tool -r 0 --initialize --so-pin $SOPIN --pin $PIN >/dev/null 2>&1

PINHEX=$(hexs $PIN)
BIG=$(head -c 1270 /dev/zero | tohex)

# expected SW | APDU | what is wrong (in session order; "login" rows follow
# a correct VERIFY)
table=$(cat <<ROWS
6986|00B100000454020000|READ BINARY of the current EF with none selected
6700|002000|3-byte command APDU
6700|00200081083132|Lc longer than the data
6700|002000810231323334|data longer than Lc (and no valid Le)
6700|8068012000010061|extended Lc larger than the data
6700|0020008100000031|extended Lc of zero
6D00|00FE0000|unknown INS
6D00|80FE0000|unknown proprietary INS
6E00|00500000|proprietary INS (INITIALIZE) with CLA 00
6E00|80200081|ISO INS (VERIFY) with CLA 80
6E00|A0200081|unknown proprietary CLA
6882|0C200081|secure messaging CLA
6E00|B0200081|proprietary CLA with the ISO chaining bit
6884|10200081|command chaining CLA
6A86|00200181|VERIFY with P1 01
6A86|00200001|VERIFY with an RFU reference
6A88|00200085|VERIFY biometric template 85
6A88|00200086|VERIFY biometric template 86
6A86|0024008506313233343536|CHANGE REFERENCE DATA for ref 85
6A86|002C0088083537363231383830|RESET RETRY COUNTER with P2 88
6A86|00A404010BE82B0601040181C31F0201|SELECT AID with P2 01
6A82|00A4000402ABCD00|SELECT of a missing EF
6A80|00A40004032F020000|SELECT with a 3-byte FID
6A86|00A40804022F0200|SELECT by path
6A82|00B1ABCD045402000000|READ BINARY of a missing EF
6B00|00B12F02045402FFFF00|READ BINARY beyond the end of the EF
6A80|00B12F0202540500|READ BINARY with a broken offset DO
6982|00B1CC00045402000000|READ BINARY of a private key object
6982|00D7CF0106540200005300|UPDATE BINARY without login
6982|00E4020002CF01|DELETE FILE without login
6A86|00E4000002CC01|DELETE FILE with P1 00
6982|806801730361626300|SIGN without login
6A86|806801990361626300|SIGN with an unknown algorithm
6A86|806201220100|DECIPHER with an unknown algorithm
6A86|0084010008|GET CHALLENGE with P1 01
6700|00840000|GET CHALLENGE without Le
6700|00840000000800|GET CHALLENGE of 2048 bytes
6A88|002281B60A83084E4F535543484944|MSE SET of an unknown CHR
6A86|002241B803830100|MSE SET with P1P2 41B8
6A80|002A00BE03010203|PSO VERIFY CERTIFICATE of garbage
6985|008200000401020304|EXTERNAL AUTHENTICATE without challenge or key
6D00|8052000000|IMPORT DKEK SHARE on a token without DKEK
6D00|8054000000|MANAGE PKA on a token without PKA
6A86|8072010000|WRAP KEY with P2 00
6A86|8058010000|ENUMERATE OBJECTS with P1 01
6A80|8050000003800500|INITIALIZE with a broken TLV
6700|00D7CF010004FE54020000538204F6$BIG|command longer than the JCOP 3 buffer (1232)
63C2|0020008106313131313131|wrong PIN
9000|0020008106$PINHEX|right PIN (login)
6A88|806805730361626300|SIGN with a missing key (login)
6A82|00E4020002CF09|DELETE FILE of a missing EF (login)
6A80|004601001A7F4910060A04007F00070202020102020203005F20045445535400|GENERATE with a 768-bit RSA size (login)
6A80|00240081083634383231393132|CHANGE REFERENCE DATA to a 2-digit PIN (login)
ROWS
)

mapfile -t rows <<<"$table"
cmds=("$SEL")
for row in "${rows[@]}"; do
	IFS='|' read -r _ apdu _ <<<"$row"
	cmds+=("$apdu")
done
mapfile -t res < <(apdus "$READER0" "${cmds[@]}")
i=1
for row in "${rows[@]}"; do
	IFS='|' read -r want apdu what <<<"$row"
	got=${res[$i]:-no answer}
	got=${got%% *}
	if [ "$got" = "$want" ]; then
		ok "APDU table: $what -> $want"
	else
		not_ok "APDU table: $what -> $want"; diag "sent $apdu" "got ${res[$i]:-no answer}"
	fi
	i=$((i + 1))
done

# still alive and serving after the table
out=$(opensc-tool -r 0 -n 2>&1)
if grep -q "^SmartCard-HSM" <<<"$out"; then ok "emulator still serves after the APDU table"; else not_ok "emulator still serves after the APDU table"; diag "$out"; fi

# power cycles through vpcd drop the security state, like a real card
mapfile -t res < <(apdus "$READER0" "$SEL" "0020008106$PINHEX" 0020008100 reset 0020008100 "$SEL" 0020008100 \
	"0020008106$PINHEX" unpower "$SEL" 0020008100)
if [ "${res[2]}" = "9000 " ] && [ "${res[4]%% *}" = 6D00 ] && [ "${res[6]}" = "63C3 " ] &&
   [ "${res[7]}" = "9000 " ] && [ "${res[10]}" = "63C3 " ]; then
	ok "SCardReconnect reset/unpower: applet deselected, PIN no longer verified"
else
	not_ok "SCardReconnect reset/unpower drops the PIN state"; diag "${res[@]}"
fi
# pcscd restarts: the card notices the closed connection and comes back
restart_pcscd
wait_card 0
out=$(opensc-tool -r 0 -n 2>&1)
if grep -q "^SmartCard-HSM" <<<"$out" && kill -0 "$EMU_PID_T" 2>/dev/null; then
	ok "after a pcscd restart the same emulator process is back in the reader"
else
	not_ok "emulator reconnects after a pcscd restart"; diag "$out"
fi
unplug T
