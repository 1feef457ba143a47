# The cluster set to non-secure mode: the cluster file says so while phones
# still hold the mixed-mode CTL (error until the non-secure CTL is out);
# the non-secure CTL checks clean; and back to mixed mode.
cluster_certs
cluster_file 12.5 >cluster.ini
published
cluster_file 12.5 "mode = non-secure" >ns.ini
finds "mode changed, CTL not" 1 "MODE-MISMATCH" -- --cluster ns.ini --current CTLFile.tlv
"$CTLSIGN" build -q -c ns.ini --current held-CTLFile.tlv -o ns.tlv
finds "the non-secure CTL" 0 "" -- ns.tlv --current held-CTLFile.tlv --cluster ns.ini
"$CTLSIGN" build -q -c cluster.ini --current ns.tlv -o back.tlv
finds "back to mixed" 0 "" -- back.tlv --current ns.tlv --cluster cluster.ini
