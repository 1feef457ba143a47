# Warnings: a node left the cluster but its record is still in the CTL; a
# CTL signed with SHA-256 and a 4096-bit key.
cluster_certs
cluster_file 12.5 >cluster.ini
published
cluster_file 12.5 "" "pub sub1" >two.ini
finds "a record for a node that left" 0 "NODE-EXTRA" -- --cluster two.ini --current CTLFile.tlv
openssl req -new -x509 -newkey rsa:4096 -nodes -days 730 -keyout keys/big.key -out certs/big.pem \
	-subj "/CN=big/O=Example" 2>/dev/null
chmod 600 keys/big.key
"$CTLSIGN" build -q --first --sast pub,192.0.2.10,certs/big.pem --ccm-tftp pub,192.0.2.10,certs/pub-cm.pem \
	--key keys/big.key --digest sha256 -o big.tlv 2>/dev/null
finds "SHA-256 and RSA-4096" 0 "DIGEST-NOT-SHA1 KEY-OVER-2048" -- big.tlv --first
