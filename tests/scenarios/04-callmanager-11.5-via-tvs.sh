# Warning: 11.5, the publisher's CallManager (the signer) regenerated alone.
# Phones with Security by Default take the new CTL through TVS; 7940/7960
# and Jabber do not. plan bridges it with the ITLRecovery key phones hold.
cluster_certs
cluster_file 11.5 >cluster.ini
published
plan_steps "plan" 0 -- -r callmanager@pub -c cluster.ini --current CTLFile.tlv --itl ITLFile.tlv
plan_has "bridged by ITLRecovery, every phone keeps trust" 'd["result"] == "kept" and d["bridged"] and "itlrec.key" in [s for s in d["steps"] if s["kind"] == "update-ctl"][0]["command"]'
regen pub-cm
expect 5 "build without --via-tvs refuses" -- "$CTLSIGN" build -c cluster.ini \
	--current held-CTLFile.tlv --current held-ITLFile.tlv -o new.tlv
"$CTLSIGN" build -q -c cluster.ini --current held-CTLFile.tlv --current held-ITLFile.tlv \
	--via-tvs -o new.tlv 2>/dev/null
finds "CallManager alone: through TVS" 0 "TRUST-VIA-TVS" -- new.tlv --current held-CTLFile.tlv \
	--itl held-ITLFile.tlv --cluster cluster.ini
# The bridge the plan suggests: the ITLRecovery key signs, every phone takes it.
"$CTLSIGN" build -q -c cluster.ini --current held-CTLFile.tlv --current held-ITLFile.tlv \
	--key keys/itlrec.key --signer-cert certs/itlrec.pem -o bridge.tlv
finds "the bridge update" 0 "" -- bridge.tlv --current held-CTLFile.tlv --itl held-ITLFile.tlv \
	--cluster cluster.ini
