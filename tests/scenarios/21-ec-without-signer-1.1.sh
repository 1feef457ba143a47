# Broken list: an EC record without signer version 1.1; and a CTL named
# ITLFile.tlv (phones asking for the ITL would get a CTL).
mkcert pub-cm "/CN=pub/O=Example"
openssl req -new -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 730 \
	-keyout keys/ec.key -out certs/ec.pem -subj "/CN=pub-EC/O=Example" 2>/dev/null
cat >e.json <<JSON
[{"out": "CTLFile.tlv", "key": "keys/pub-cm.key", "signer_cert": "certs/pub-cm.pem", "key_bits": 2048,
  "timestamp": 1700000000, "records": [
   {"role": 0, "cert": "certs/pub-cm.pem", "dns": "pub", "ip": "192.0.2.10"},
   {"role": 2, "cert": "certs/ec.pem", "dns": "pub", "ip": "192.0.2.10"}]},
 {"out": "ITLFile.tlv", "key": "keys/pub-cm.key", "signer_cert": "certs/pub-cm.pem", "key_bits": 2048,
  "timestamp": 1700000000, "records": [
   {"role": 0, "cert": "certs/pub-cm.pem", "dns": "pub", "ip": "192.0.2.10"}]}]
JSON
python3 "$MK" e.json
finds "EC record, signer version absent" 1 "EC-NEEDS-SIGNER-1.1" -- CTLFile.tlv --first
finds "a CTL named ITLFile.tlv" 1 "FILENAME-MISMATCH" -- ITLFile.tlv --first
