# Safe: phones hold a CTL made by Cisco's CTL Client (quoted, lower-case
# names); ctlsign rebuilds it, signed by the same eToken.
mkcert pub-cm "/CN=pub/OU=UC/O=Example/C=US"
s1=$(openssl x509 -in "$H/cert-eToken.pem" -noout -subject -nameopt multiline | sed -n 's/.*SAST-ADN\([0-9a-f]*\).*/\1/p')
s2=$(openssl x509 -in "$H/cert-eToken_2.pem" -noout -subject -nameopt multiline | sed -n 's/.*SAST-ADN\([0-9a-f]*\).*/\1/p')
iss='cn=Cisco Manufacturing CA;o=Cisco Systems'
cat >client.json <<JSON
{"out": "held-CTLFile.tlv", "key": "$H/key-eToken.pem", "signer_cert": "$H/cert-eToken.pem",
 "key_bits": 1024, "timestamp": 1430968247,
 "signer_name": "cn=\"SAST-ADN$s1 \";ou=IPCBU;o=\"Cisco Systems", "ca_name": "$iss", "records": [
  {"role": 0, "cert": "$H/cert-eToken.pem", "dns": "", "ip": "0.0.0.0",
   "subject": "cn=\"SAST-ADN$s1 \";ou=IPCBU;o=\"Cisco Systems", "issuer": "$iss"},
  {"role": 0, "cert": "$H/cert-eToken_2.pem", "dns": "", "ip": "0.0.0.0",
   "subject": "cn=\"SAST-ADN$s2 \";ou=IPCBU;o=\"Cisco Systems", "issuer": "$iss"},
  {"role": 2, "cert": "certs/pub-cm.pem", "dns": "pub", "ip": "192.0.2.10"}]}
JSON
python3 "$MK" client.json
{ printf '[cluster]\nrelease = 10.5(2)\nsigner = token:t1\n'; token_section t1 1; token_section t2 2
  printf '[node pub]\nhost = pub\nipv4 = 192.0.2.10\nroles = CCM+TFTP\npublisher = yes\ncallmanager = certs/pub-cm.pem\n'; } >cluster.ini
"$CTLSIGN" build -q -c cluster.ini --module "$MOCK" --pin-source "file:$H/pin-eToken" \
	--current held-CTLFile.tlv -o CTLFile.tlv
finds "rebuild of the CTL Client's file" 0 "" -- CTLFile.tlv --current held-CTLFile.tlv --cluster cluster.ini
finds "health check of the CTL Client's file" 0 "" -- --current held-CTLFile.tlv --cluster cluster.ini
