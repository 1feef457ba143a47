# Lock-out: a CallManager certificate has expired (the CTL was built with
# --allow-expired). Error at once.
cluster_certs
mkcert_dates sub1-cm "/CN=sub1/OU=UC/O=Example/C=US" 20200101000000Z 20210101000000Z
cluster_file 12.5 >cluster.ini
"$CTLSIGN" build -q -c cluster.ini --first --allow-expired -o CTLFile.tlv 2>/dev/null
finds "expired certificate" 1 "CERT-EXPIRED" -- CTLFile.tlv --first --cluster cluster.ini
