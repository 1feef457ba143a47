# Lock-out waiting to happen: a token-signed CTL with one eToken (made
# outside ctlsign, which refuses it): lose that token and the CTL can never
# be updated.
mkcert pub-cm "/CN=pub/O=Example"
cat >one.json <<JSON
{"out": "CTLFile.tlv", "key": "$H/key-eToken.pem", "signer_cert": "$H/cert-eToken.pem",
 "key_bits": 1024, "timestamp": 1700000000, "records": [
  {"role": 0, "cert": "$H/cert-eToken.pem", "dns": "", "ip": "0.0.0.0"},
  {"role": 2, "cert": "certs/pub-cm.pem", "dns": "pub", "ip": "192.0.2.10"}]}
JSON
python3 "$MK" one.json
finds "one token" 1 "TOKENS-FEWER-THAN-TWO" -- CTLFile.tlv --first
