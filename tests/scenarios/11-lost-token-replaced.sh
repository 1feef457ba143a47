# Safe: eToken 2 is lost; eToken 3 replaces it in one update signed by
# eToken 1, which phones hold.
cluster_certs
{ cluster_file 12.5 "signer = token:t1"; token_section t1 1; token_section t2 2; } >pub.ini
published pub.ini --module "$MOCK" --pin-source "file:$H/pin-eToken"
{ cluster_file 12.5 "signer = token:t1"; token_section t1 1; token_section t3 3; } >replace.ini
"$CTLSIGN" build -q -c replace.ini --module "$MOCK" --pin-source "file:$H/pin-eToken" \
	--current held-CTLFile.tlv -o new.tlv
finds "token replaced by a trusted token" 0 "SAST-MORE-THAN-TWO" -- new.tlv --current held-CTLFile.tlv \
	--itl held-ITLFile.tlv --cluster replace.ini
