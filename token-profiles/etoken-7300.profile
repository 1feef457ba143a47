# SafeNet eToken 7300 (token with flash storage). No ATR of it is listed in
# pcsc-tools' table yet: it is identified by USB id only.

[profile]
name = SafeNet eToken 7300
vendor = SafeNet
kind = usb-token
connection = ccid
middleware = SafeNet Authentication Client
usb_ids = 0529:0602
key_sizes = 1024 | 2048

[pin]
retries = 15
locks_after = 16
lock_permanent = yes
# Cisco-issued tokens use the password Cisco123
# a successful login resets the counter. Only the administrator password set at initialisation unlocks

[modules]
linux = libeTPkcs11.so | libeToken.so
windows = eTPKCS11.dll
macos = libeTPkcs11.dylib

[pkcs11]
manufacturers = SafeNet, Inc.
models = eToken
