# Warning: 12.x, ITLRecovery regenerated: the new signer is known only
# through TVS. plan bridges with the CallManager key (utils ctl reset
# localkey) and refuses it during an upgrade.
cluster_certs
cluster_file 12.5 >cluster.ini
published
regen itlrec
"$CTLSIGN" build -q -c cluster.ini --current held-CTLFile.tlv --current held-ITLFile.tlv \
	--via-tvs -o new.tlv 2>/dev/null
finds "ITLRecovery regenerated" 0 "TRUST-VIA-TVS" -- new.tlv --current held-CTLFile.tlv \
	--itl held-ITLFile.tlv --cluster cluster.ini
cluster_certs
cluster_file 12.5 >cluster.ini
published
plan_steps "plan" 0 -- -r itlrecovery@pub -c cluster.ini --current CTLFile.tlv --itl ITLFile.tlv
plan_has "bridged by the CallManager key" 'd["bridged"] and "pub-cm.key" in [s for s in d["steps"] if s["kind"] == "update-ctl"][0]["command"]'
plan_has "the upgrade rule" 'any("during an upgrade" in r for r in d["rules"])'
plan_steps "refused during an upgrade" 5 -- -r itlrecovery@pub -c cluster.ini --upgrade
