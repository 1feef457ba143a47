# Lock-out for the new node's phones: sub2 joined the cluster, the CTL was
# not rebuilt. The health check finds it.
cluster_certs
cluster_file 12.5 "" "pub sub1" >before.ini
published before.ini
cluster_file 12.5 >cluster.ini
finds "new node missing from the CTL" 1 "NODE-MISSING TVS-MISSING" -- --cluster cluster.ini \
	--current CTLFile.tlv --itl ITLFile.tlv
