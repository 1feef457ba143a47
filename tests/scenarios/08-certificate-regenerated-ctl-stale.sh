# Lock-out: sub1's CallManager certificate regenerated, the CTL phones hold
# not updated (the classic). The health check says which record is stale.
cluster_certs
cluster_file 12.5 >cluster.ini
published
regen sub1-cm
finds "stale CallManager record" 1 "NODE-CERT-STALE" -- --cluster cluster.ini --current CTLFile.tlv \
	--itl ITLFile.tlv
