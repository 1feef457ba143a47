# Safe: 12.5, CallManager regenerated: ITLRecovery signs, phones know it.
cluster_certs
cluster_file 12.5 >cluster.ini
published
regen sub1-cm
"$CTLSIGN" build -q -c cluster.ini --current held-CTLFile.tlv -o new.tlv
finds "update with the new sub1 certificate" 0 "" -- new.tlv --current held-CTLFile.tlv \
	--itl held-ITLFile.tlv --cluster cluster.ini
