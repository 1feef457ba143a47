# Lock-out: an ITL past 64 KB (too many certificates): phones fail to
# register. Made outside ctlsign, which refuses to build it.
mkcert signer "/CN=ITLRECOVERY_pub/O=Example"
recs='{"role": 0, "cert": "certs/signer.pem", "dns": "pub", "ip": "192.0.2.10"}'
for i in $(seq 1 50); do
	mkcert "tvs$i" "/CN=tvs$i.example.com/OU=UC/O=Example/C=US"
	recs="$recs, {\"role\": 21, \"cert\": \"certs/tvs$i.pem\", \"dns\": \"tvs$i\", \"ip\": \"192.0.2.$i\"}"
done
printf '{"out": "ITLFile.tlv", "key": "keys/signer.key", "signer_cert": "certs/signer.pem", "key_bits": 2048, "timestamp": 1700000000, "filename": "ITLFile.tlv", "records": [%s]}\n' "$recs" >big.json
python3 "$MK" big.json
finds "ITL over 64 KB" 1 "ITL-MANY-CERTIFICATES ITL-TOO-LARGE" -- ITLFile.tlv --first
