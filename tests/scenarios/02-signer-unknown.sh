# Lock-out: a CTL signed by a key the phones have never seen (built
# elsewhere, with --first by mistake). Phones keep the old CTL.
cluster_certs
cluster_file 12.5 >cluster.ini
published
mkcert stranger "/CN=stranger/O=Example"
"$CTLSIGN" build -q --from held-CTLFile.tlv --sast pub,192.0.2.10,certs/stranger.pem \
	--key keys/stranger.key --first -o new.tlv 2>/dev/null
finds "unknown signer" 1 "SAST-MORE-THAN-TWO TRUST-REJECTED" -- new.tlv --current held-CTLFile.tlv \
	--itl held-ITLFile.tlv --cluster cluster.ini
