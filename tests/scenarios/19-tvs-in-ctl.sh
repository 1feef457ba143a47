# Broken list: a TVS record in a CTL (made outside ctlsign, which refuses).
mkcert pub-cm "/CN=pub/O=Example"
mkcert pub-tvs "/CN=pub-TVS/O=Example"
cat >t.json <<JSON
{"out": "CTLFile.tlv", "key": "keys/pub-cm.key", "signer_cert": "certs/pub-cm.pem", "key_bits": 2048,
 "timestamp": 1700000000, "records": [
  {"role": 0, "cert": "certs/pub-cm.pem", "dns": "pub", "ip": "192.0.2.10"},
  {"role": 21, "cert": "certs/pub-tvs.pem", "dns": "pub", "ip": "192.0.2.10"}]}
JSON
python3 "$MK" t.json
finds "TVS in a CTL" 1 "TVS-IN-CTL" -- CTLFile.tlv --first
