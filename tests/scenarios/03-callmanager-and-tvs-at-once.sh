# Lock-out: on 11.5 (CallManager signs the tokenless CTL) the publisher's
# CallManager and TVS certificates are regenerated together: phones cannot
# ask TVS about the new signer. plan separates them.
cluster_certs
cluster_file 11.5 >cluster.ini
published
regen pub-cm
regen pub-tvs
expect 5 "build refuses it, even with --via-tvs" -- "$CTLSIGN" build -c cluster.ini \
	--current held-CTLFile.tlv --current held-ITLFile.tlv --via-tvs -o new.tlv
# The same list, made anyway (as if elsewhere), is caught by check.
"$CTLSIGN" build -q -c cluster.ini --first -o new.tlv
finds "CallManager + TVS together" 1 "TRUST-REJECTED" -- new.tlv --current held-CTLFile.tlv \
	--itl held-ITLFile.tlv --cluster cluster.ini
cluster_certs
cluster_file 11.5 >cluster.ini
published
plan_steps "plan separates TVS and CallManager" 0 -- -r callmanager@pub,tvs@pub -c cluster.ini \
	--current CTLFile.tlv --itl ITLFile.tlv
plan_has "TVS is regenerated first" 'k.index("regenerate") < k.index("reset-phones") and "TVS" in t[k.index("regenerate")]'
plan_has "CallManager after the phones took the new ITL" '[i for i, x in enumerate(t) if "CallManager certificate of pub" in x][0] > k.index("reset-phones")'
plan_has "the rule is said" 'any("never regenerated at once" in r for r in d["rules"])'
plan_has "no step rejected" '"rejected" not in v'
