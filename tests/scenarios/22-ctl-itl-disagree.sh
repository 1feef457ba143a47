# Lock-out for TFTP: the ITL was rebuilt with sub1's new certificate, the
# CTL was not (health check), then the CTL is rebuilt and both agree.
cluster_certs
cluster_file 12.5 >cluster.ini
published
regen sub1-cm
"$CTLSIGN" build -q -c cluster.ini --itl --node sub1 --current CTLFile.tlv -o ITLFile-sub1.tlv
finds "the CTL lags the ITL" 1 "CTL-ITL-DISAGREE NODE-CERT-STALE" -- --cluster cluster.ini \
	--current CTLFile.tlv --itl ITLFile-sub1.tlv
"$CTLSIGN" build -q -c cluster.ini -o CTLFile.tlv
finds "both rebuilt" 0 "" -- --cluster cluster.ini --current CTLFile.tlv --itl ITLFile-sub1.tlv
