# Lock-out: the replacement eToken 3 signs the update itself; phones do
# not know it (and, without TVS, cannot learn it).
cluster_certs
{ cluster_file 12.5 "signer = token:t1"; token_section t1 1; token_section t2 2; } >pub.ini
published pub.ini --module "$MOCK" --pin-source "file:$H/pin-eToken"
{ cluster_file 12.5 "signer = token:t3"; token_section t1 1; token_section t3 3; } >t3.ini
"$CTLSIGN" build -q -c t3.ini --module "$MOCK" --pin-source "file:$H/pin-eToken_3" --first -o new.tlv
finds "signed by the new token" 1 "SAST-MORE-THAN-TWO TRUST-REJECTED" -- new.tlv --current held-CTLFile.tlv --cluster t3.ini
