# Safe: the cluster goes to mixed mode; phones hold no CTL yet. The first
# CTL and ITL check clean.
cluster_certs
cluster_file 12.5 >cluster.ini
"$CTLSIGN" build -q -c cluster.ini --first -o CTLFile.tlv
"$CTLSIGN" build -q -c cluster.ini --itl --current CTLFile.tlv -o ITLFile.tlv
finds "first CTL, phones hold nothing" 0 "" -- CTLFile.tlv --first --cluster cluster.ini
finds "the ITL, authenticated by the new CTL" 0 "" -- ITLFile.tlv --current CTLFile.tlv --cluster cluster.ini
finds "health check of both" 0 "" -- --cluster cluster.ini --current CTLFile.tlv --itl ITLFile.tlv
