# Broken lists: the same certificate twice in one role; two CCM+TFTP
# records for one host with different certificates.
mkcert pub-cm "/CN=pub/O=Example"
mkcert other "/CN=other/O=Example"
cat >d.json <<JSON
[{"out": "dup.tlv", "key": "keys/pub-cm.key", "signer_cert": "certs/pub-cm.pem", "key_bits": 2048,
  "timestamp": 1700000000, "records": [
   {"role": 0, "cert": "certs/pub-cm.pem", "dns": "pub", "ip": "192.0.2.10"},
   {"role": 2, "cert": "certs/pub-cm.pem", "dns": "pub", "ip": "192.0.2.10"},
   {"role": 2, "cert": "certs/pub-cm.pem", "dns": "pub2", "ip": "192.0.2.12"}]},
 {"out": "conflict.tlv", "key": "keys/pub-cm.key", "signer_cert": "certs/pub-cm.pem", "key_bits": 2048,
  "timestamp": 1700000000, "records": [
   {"role": 0, "cert": "certs/pub-cm.pem", "dns": "pub", "ip": "192.0.2.10"},
   {"role": 2, "cert": "certs/pub-cm.pem", "dns": "pub", "ip": "192.0.2.10"},
   {"role": 2, "cert": "certs/other.pem", "dns": "pub", "ip": "192.0.2.10"}]}]
JSON
python3 "$MK" d.json
finds "the same certificate twice" 1 "CERT-DUPLICATE" -- dup.tlv --first
finds "two records for one host" 1 "RECORD-CONFLICT" -- conflict.tlv --first
