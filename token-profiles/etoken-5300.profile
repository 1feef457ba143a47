# SafeNet eToken 5300 / 5300 C (IDPrime based, touch-sense).

[profile]
name = SafeNet eToken 5300
vendor = SafeNet (Thales)
kind = usb-token
connection = ccid
middleware = SafeNet Authentication Client
usb_ids = 08E6:34CC | 08E6:34CE
key_sizes = 2048 | 3072 | 4096

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

[atr:5300]
label = eToken 5300
bytes = 3B FF 96 00 00 81 31 FE 43 80 31 80 65 B0 84 56 51 10 12 01 78 82 90 00 6A
