# shellcheck shell=bash
# Key generation and signatures, judged by pkcs11-tool and openssl.  A on reader 0.

# the whole message goes to the card for on-card hashing (SIGN 33/73):
# keep it under the JCOP 3 APDU limit of 1232 bytes, as on the real token
head -c 1000 /dev/urandom >"$WORK/data.bin"

out=$(pkcs11-tool --module "$P11" -l --pin $PIN --keypairgen --key-type rsa:2048 --id 10 --label rsa10 2>&1)
if grep -q "Private Key Object; RSA" <<<"$out"; then ok "pkcs11-tool --keypairgen rsa:2048"; else not_ok "pkcs11-tool --keypairgen rsa:2048"; diag "$out"; fi
out=$(pkcs11-tool --module "$P11" -l --pin $PIN --keypairgen --key-type EC:prime256v1 --id 20 --label ec20 2>&1)
if grep -q "Private Key Object; EC" <<<"$out"; then ok "pkcs11-tool --keypairgen EC:prime256v1"; else not_ok "pkcs11-tool --keypairgen EC:prime256v1"; diag "$out"; fi

out=$(pkcs11-tool --module "$P11" --read-object --type pubkey --id 10 -o rsa10.der 2>&1 &&
	openssl pkey -pubin -inform DER -in rsa10.der -out rsa10.pem 2>&1 &&
	pkcs11-tool --module "$P11" -l --pin $PIN --sign --mechanism SHA256-RSA-PKCS --id 10 \
		-i data.bin -o rsa10.sig 2>&1 &&
	openssl dgst -sha256 -verify rsa10.pem -signature rsa10.sig data.bin 2>&1)
if grep -q "Verified OK" <<<"$out"; then ok "RSA-2048 SHA256-RSA-PKCS signature verified by openssl"; else not_ok "RSA-2048 signature verified by openssl"; diag "$out"; fi

out=$(pkcs11-tool --module "$P11" -l --pin $PIN --sign --mechanism SHA256-RSA-PKCS-PSS --id 10 \
		-i data.bin -o rsa10.pss 2>&1 &&
	openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 \
		-verify rsa10.pem -signature rsa10.pss data.bin 2>&1)
if grep -q "Verified OK" <<<"$out"; then ok "RSA-2048 PSS signature verified by openssl"; else not_ok "RSA-2048 PSS signature verified by openssl"; diag "$out"; fi

out=$(pkcs11-tool --module "$P11" --read-object --type pubkey --id 20 -o ec20.der 2>&1 &&
	openssl pkey -pubin -inform DER -in ec20.der -out ec20.pem 2>&1 &&
	pkcs11-tool --module "$P11" -l --pin $PIN --sign --mechanism ECDSA-SHA256 --id 20 \
		--signature-format openssl -i data.bin -o ec20.sig 2>&1 &&
	openssl dgst -sha256 -verify ec20.pem -signature ec20.sig data.bin 2>&1)
if grep -q "Verified OK" <<<"$out"; then ok "P-256 ECDSA-SHA256 signature verified by openssl"; else not_ok "P-256 ECDSA signature verified by openssl"; diag "$out"; fi

# ECDH (DECIPHER 80): both sides derive the same secret
out=$(openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out peer.pem 2>&1 &&
	openssl pkey -in peer.pem -pubout -outform DER -out peer.der 2>&1 &&
	pkcs11-tool --module "$P11" -l --pin $PIN --derive -m ECDH1-DERIVE --id 20 \
		-i peer.der -o card.z 2>&1 &&
	openssl pkeyutl -derive -inkey peer.pem -peerkey ec20.pem -out host.z 2>&1 &&
	cmp card.z host.z 2>&1)
if [ $? -eq 0 ]; then ok "ECDH on the card equals openssl's"; else not_ok "ECDH on the card equals openssl's"; diag "$out"; fi

out=$(pkcs11-tool --module "$P11" -l --pin $PIN --test 2>&1)
if grep -q "^No errors" <<<"$out"; then ok "pkcs11-tool --test: No errors"; else not_ok "pkcs11-tool --test: No errors"; diag "$out"; fi

# keys survive a replug; the PIN state does not
unplug A && plug A
out=$(pkcs11-tool --module "$P11" -l --pin $PIN --sign --mechanism SHA256-RSA-PKCS --id 10 \
		-i data.bin -o rsa10.sig2 2>&1 && cmp rsa10.sig rsa10.sig2 2>&1)
if [ $? -eq 0 ]; then ok "after replug the RSA key gives the same PKCS#1 signature"; else not_ok "after replug the RSA key gives the same signature"; diag "$out"; fi
