# Safe: from eTokens to tokenless on 12.5: ITLRecovery is a SAST record of
# the token CTL phones hold.
cluster_certs
{ cluster_file 12.5 "signer = token:t1"; token_section t1 1; token_section t2 2; } >tokens.ini
published tokens.ini --module "$MOCK" --pin-source "file:$H/pin-eToken"
cluster_file 12.5 >cluster.ini
"$CTLSIGN" build -q -c cluster.ini --current held-CTLFile.tlv -o new.tlv
finds "token -> tokenless" 0 "" -- new.tlv --current held-CTLFile.tlv --itl held-ITLFile.tlv --cluster cluster.ini
