# shellcheck shell=bash
# PKA *and* PIN (option 0x0010): on E, initialised with raw INITIALIZE
# (options 0x0011, N=3, M=2) because sc-hsm-tool never sets that bit, the
# custodian quorum alone and the PIN alone are both refused key generation;
# together they generate a key and sign with it.  Reuses the custodian keys and helpers of t40.

plug E
INIT_DATA=8002001181063634383231398208${SOPIN}91010393020302
r_init=$(apdus "$READER0" "$SEL" "80500000$(printf %02X $((${#INIT_DATA} / 2)))$INIT_DATA" | tail -n 1)
out=$(sc-hsm-tool -r 0 --register-public-key custA.pka 2>&1; sc-hsm-tool -r 0 --register-public-key custB.pka 2>&1)
CHR_D=$("$top/tests/emulator/schsm-emu" --state E.state --info | sed -n 's/^device CHR: //p')
# no key can be made before both factors are there: GAKP key 1 inside the session
GAKP_E=$(gakp_p256 1)
SIGN_D=806801730000036162630000
if [ "$r_init" = "9000 " ] && grep -qE "Missing public keys: *1" <<<"$out"; then
	ok "options 0x0011 with -K 3 -n 2 equivalent: custodians A and B registered"
else
	not_ok "options 0x0011: initialise and register"; diag "$r_init" "$out"
fi

session_start
r_sel=$(xfer "$SEL")
r_pin=$(xfer "0020008106$(hexs $PIN)")
r_pinonly=$(xfer "$GAKP_E")
r_resel=$(xfer "$SEL")
chal=$(xfer 0084000008); chal=${chal#9000 }
sigA=$(custodian_sign A 30 "$chal")
sigB=$(custodian_sign B 31 "$chal")
r_mseA=$(xfer "$(mse_a4 "$CHR_A")")
r_extA=$(xfer "$(printf '00820000%02X%s' $((${#sigA} / 2)) "$sigA")")
r_mseB=$(xfer "$(mse_a4 "$CHR_B")")
r_extB=$(xfer "$(printf '00820000%02X%s' $((${#sigB} / 2)) "$sigB")")
r_st=$(xfer 8054000000)
r_pkaonly=$(xfer "$GAKP_E")
r_pin2=$(xfer "0020008106$(hexs $PIN)")
r_gen=$(xfer "$GAKP_E")
r_both=$(xfer "$SIGN_D")
session_end

if [ "$r_pin" = "9000 " ] && [ "${r_pinonly%% *}" = 6982 ]; then
	ok "combined authentication: the PIN alone does not unlock key use"
else
	not_ok "combined authentication: the PIN alone does not unlock key use"; diag "$r_sel" "$r_pin" "$r_pinonly"
fi
if [ "${r_extA%% *}" = 9000 ] && [ "${r_extB%% *}" = 9000 ] && [ "$r_st" = "9000 03010202" ] &&
   [ "${r_pkaonly%% *}" = 6982 ]; then
	ok "combined authentication: the custodian quorum alone does not unlock key use"
else
	not_ok "combined authentication: the quorum alone does not unlock key use"; diag "$r_resel" "$r_mseA" "$r_extA" "$r_mseB" "$r_extB" "$r_st" "$r_pkaonly"
fi
if [ "$r_pin2" = "9000 " ] && [ "${r_gen%% *}" = 9000 ] && [ "${r_both%% *}" = 9000 ]; then
	ok "combined authentication: quorum and PIN together generate a key and sign"
else
	not_ok "combined authentication: quorum and PIN together generate and sign"; diag "$r_pin2" "${r_gen:0:40}" "$r_both"
fi
unplug E
