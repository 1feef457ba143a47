#!/usr/bin/env bash
# How the fixed golden inputs in this folder were made (run once; the
# outputs are committed so that golden tests compare against fixed bytes).
# Certificates are valid for 100 years so the golden outputs stay valid.
set -euo pipefail
cd "$(dirname "$0")"
mk() { # NAME BITS SUBJECT
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:"$2" -out "$1.key" 2>/dev/null
	chmod 600 "$1.key"
	openssl req -new -x509 -key "$1.key" -out "$1.pem" -days 36500 -subj "$3" \
		-set_serial "0x$(openssl rand -hex 8)" -sha256 2>/dev/null
}
mk pub-callmanager 1024 "/C=US/O=Example/OU=VTG/CN=pub.example.com/ST=CA/L=SJ"
mk pub-itlrecovery 1024 "/CN=ITLRECOVERY_pub.example.com/OU=VTG/O=Example/L=SJ/ST=CA/C=US"
mk sub-callmanager 2048 "/CN=sub.example.com/OU=VTG/O=Example/L=SJ/ST=CA/C=US"
mk pub-capf 1024 "/CN=CAPF-0a1b2c3d/OU=VTG/O=Example/L=SJ/ST=CA/C=US"
mk pub-tvs 1024 "/CN=pub.example.com-TVS/OU=VTG/O=Example/L=SJ/ST=CA/C=US"
