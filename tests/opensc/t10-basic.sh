# shellcheck shell=bash
# Identity, initialisation, PINs and persistence, judged by opensc-tool,
# sc-hsm-tool and pkcs11-tool.  Instance A on reader 0.

if plug A; then ok "emulator A inserted into $READER0"; else not_ok "emulator A inserted into $READER0"; fi

out=$(opensc-tool -l 2>&1)
if grep -q "Yes.*$READER0" <<<"$out" && grep -q "No.*$READER1" <<<"$out"; then
	ok "opensc-tool -l: card in $READER0, $READER1 empty"
else
	not_ok "opensc-tool -l: card in $READER0, $READER1 empty"; diag "$out"
fi

# Nitrokey HSM 2 ATR (device-facts.md §A.3)
out=$(opensc-tool -r 0 -a 2>&1)
if [ "$out" = "3b:de:18:ff:81:91:fe:1f:c3:80:31:81:54:48:53:4d:31:73:80:21:40:81:07:1c" ]; then
	ok "opensc-tool -a: Nitrokey HSM 2 ATR"
else
	not_ok "opensc-tool -a: Nitrokey HSM 2 ATR"; diag "$out"
fi

out=$(opensc-tool -r 0 -n 2>&1)
if grep -q "^SmartCard-HSM" <<<"$out"; then ok "opensc-tool -n: $out"; else not_ok "opensc-tool -n names a SmartCard-HSM"; diag "$out"; fi

out=$(sc-hsm-tool -r 0 2>&1)
if grep -q "never been initialized" <<<"$out"; then ok "sc-hsm-tool: fresh token never initialized"; else not_ok "sc-hsm-tool: fresh token never initialized"; diag "$out"; fi

out=$(sc-hsm-tool -r 0 --initialize --so-pin $SOPIN --pin $PIN --label emu-A 2>&1)
st=$(sc-hsm-tool -r 0 2>&1)
if grep -q "User PIN tries left *: 3" <<<"$st" && grep -q "SO-PIN tries left *: 15" <<<"$st"; then
	ok "sc-hsm-tool --initialize: SO-PIN 15 tries, user PIN 3 tries"
else
	not_ok "sc-hsm-tool --initialize: SO-PIN 15 tries, user PIN 3 tries"; diag "$out" "$st"
fi

out=$(pkcs15-tool -r 0 --list-info 2>&1; pkcs15-tool -r 0 -D 2>&1)
serial=$("$top/tests/emulator/schsm-emu" --state "$WORK/A.state" --info 2>/dev/null | sed -n 's/^serial: //p')
if grep -q "Serial number *: $serial" <<<"$out" && [ -n "$serial" ] && grep -q "emu-A" <<<"$out"; then
	ok "pkcs15-tool: serial $serial from the device CVC, label from EF.TokenInfo"
else
	not_ok "pkcs15-tool: serial from the device CVC, label from EF.TokenInfo"; diag "$out" "serial=$serial"
fi

# re-initialising needs the current SO-PIN; a wrong one costs a try
out=$(sc-hsm-tool -r 0 --initialize --so-pin 0102030405060708 --pin $PIN 2>&1)
st=$(sc-hsm-tool -r 0 2>&1)
if grep -q "SO-PIN tries left *: 14" <<<"$st"; then
	ok "re-initialize with a wrong SO-PIN refused, SO-PIN tries 14"
else
	not_ok "re-initialize with a wrong SO-PIN refused, SO-PIN tries 14"; diag "$out" "$st"
fi
out=$(sc-hsm-tool -r 0 --initialize --so-pin $SOPIN --pin $PIN --pin-retry 3 2>&1)
st=$(sc-hsm-tool -r 0 2>&1)
if grep -q "SO-PIN tries left *: 15" <<<"$st" && grep -q "User PIN tries left *: 3" <<<"$st"; then
	ok "re-initialize with the right SO-PIN"
else
	not_ok "re-initialize with the right SO-PIN"; diag "$out" "$st"
fi

# wrong PIN decrements, right PIN restores, three wrong block
pkcs11-tool --module "$P11" -l --pin 111111 -O >/dev/null 2>&1
st=$(sc-hsm-tool -r 0 2>&1)
if grep -q "User PIN tries left *: 2" <<<"$st"; then ok "wrong PIN: 2 tries left"; else not_ok "wrong PIN: 2 tries left"; diag "$st"; fi
pkcs11-tool --module "$P11" -l --pin $PIN -O >/dev/null 2>&1
st=$(sc-hsm-tool -r 0 2>&1)
if grep -q "User PIN tries left *: 3" <<<"$st"; then ok "right PIN restores 3 tries"; else not_ok "right PIN restores 3 tries"; diag "$st"; fi
for i in 1 2 3; do pkcs11-tool --module "$P11" -l --pin 111111 -O >/dev/null 2>&1; done
out=$(pkcs11-tool --module "$P11" -l --pin $PIN -O 2>&1)
st=$(sc-hsm-tool -r 0 2>&1)
if grep -q "CKR_PIN_LOCKED" <<<"$out" && grep -qi "blocked\|locked\|tries left *: 0" <<<"$st"; then
	ok "three wrong PINs block the PIN, the right one is refused"
else
	not_ok "three wrong PINs block the PIN, the right one is refused"; diag "$out" "$st"
fi

# blocked PIN survives a replug (the counter is in the state file)
unplug A && plug A
out=$(pkcs11-tool --module "$P11" -l --pin $PIN -O 2>&1)
if grep -q "CKR_PIN_LOCKED" <<<"$out"; then ok "PIN still blocked after replug"; else not_ok "PIN still blocked after replug"; diag "$out"; fi

# unblock with the SO-PIN (C_InitPIN -> RESET RETRY COUNTER)
out=$(pkcs11-tool --module "$P11" --login --login-type so --so-pin $SOPIN --init-pin --new-pin $PIN 2>&1)
out2=$(pkcs11-tool --module "$P11" -l --pin $PIN -O 2>&1)
if [ $? -eq 0 ]; then ok "SO-PIN resets the blocked PIN (RESET RETRY COUNTER)"; else not_ok "SO-PIN resets the blocked PIN"; diag "$out" "$out2"; fi

# change PIN (CHANGE REFERENCE DATA) and back
out=$(pkcs11-tool --module "$P11" -l --pin $PIN --change-pin --new-pin 123456 2>&1 &&
	pkcs11-tool --module "$P11" -l --pin 123456 --change-pin --new-pin $PIN 2>&1 &&
	pkcs11-tool --module "$P11" -l --pin $PIN -O 2>&1)
if [ $? -eq 0 ]; then ok "change PIN and back"; else not_ok "change PIN and back"; diag "$out"; fi
