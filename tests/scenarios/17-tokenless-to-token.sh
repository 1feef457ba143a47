# Warning: tokenless to eTokens: phones know the token only through TVS
# (CUCM: upload the tokens as Phone-SAST-trust).
cluster_certs
cluster_file 12.5 >cluster.ini
published
{ cluster_file 12.5 "signer = token:t1"; token_section t1 1; token_section t2 2; } >tokens.ini
"$CTLSIGN" build -q -c tokens.ini --module "$MOCK" --pin-source "file:$H/pin-eToken" \
	--current held-CTLFile.tlv --current held-ITLFile.tlv --via-tvs -o new.tlv 2>/dev/null
finds "tokenless -> token" 0 "SAST-MORE-THAN-TWO TRUST-VIA-TVS" -- new.tlv --current held-CTLFile.tlv \
	--itl held-ITLFile.tlv --cluster tokens.ini
