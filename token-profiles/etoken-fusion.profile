# SafeNet eToken Fusion (IDPrime + FIDO). No ATR of it is listed in
# pcsc-tools' table yet: it is identified by USB id only.

[profile]
name = SafeNet eToken Fusion
vendor = SafeNet (Thales)
kind = usb-token
connection = ccid
middleware = SafeNet Authentication Client
usb_ids = 08E6:34D2
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
