# Warnings, then an error: a certificate expires in 20 days. Judged at the
# planned maintenance window (--at), it is within 7 days, or expired.
cluster_certs
mkcert sub1-cm "/CN=sub1/OU=UC/O=Example/C=US" 20
cluster_file 12.5 >cluster.ini
published
finds "expires within 30 days" 0 "CERT-EXPIRES-30D" -- --cluster cluster.ini --current CTLFile.tlv
finds "within 7 days at the window" 0 "CERT-EXPIRES-7D" -- --cluster cluster.ini --current CTLFile.tlv \
	--at "$(date -u -d '+15 days' +%Y-%m-%d)"
finds "expired at the window" 1 "CERT-EXPIRED" -- --cluster cluster.ini --current CTLFile.tlv \
	--at "$(date -u -d '+25 days' +%Y-%m-%dT%H:%M:%SZ)"
