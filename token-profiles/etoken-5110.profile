# SafeNet eToken 5110 / 5110+ FIPS and its smart-card applets (5110 SC,
# 5110 eSignature): IDPrime based. OpenSC's IDPrime driver reads some of
# them, but not SafeNet's layout: the vendor module is needed to sign.

[profile]
name = SafeNet eToken 5110 / 5110+ FIPS
vendor = SafeNet (Thales)
kind = usb-token
connection = ccid
middleware = SafeNet Authentication Client
usb_ids = 08E6:34CF
key_sizes = 1024 | 2048 | 3072 | 4096
notes = FIPS mode may refuse to create RSA-1024 keys.

[pin]
retries = 15
locks_after = 16
lock_permanent = yes
# Cisco-issued tokens use the password Cisco123
# a successful login resets the counter. Only the administrator password set at initialisation unlocks

[modules]
linux = libIDPrimePKCS11.so | libeTPkcs11.so
windows = eTPKCS11.dll
macos = libeTPkcs11.dylib

[pkcs11]
manufacturers = SafeNet, Inc. | Gemalto | Thales
models = eToken | IDPrime MD | ID Prime MD

[atr:5110-fips]
label = eToken 5110+ FIPS
bytes = 3B FF 96 00 00 81 31 FE 43 80 31 80 65 B0 84 65 66 FB 12 01 78 82 90 00 85

[atr:5110-sc]
label = eToken 5110 SC
bytes = 3B FF 96 00 00 81 31 FE 43 80 31 80 65 B0 85 59 56 FB 12 0F FE 82 90 00 00

[atr:5110-esignature]
label = eToken 5110 eSignature
bytes = 3B FF 96 00 00 81 31 FE 43 80 31 80 65 B0 85 59 56 FB 12 01 78 82 90 00 88
