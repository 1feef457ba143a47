# Aladdin eToken PRO 32K / 64K on Siemens (Atos) CardOS 4.x.
# Format: docs/token-profiles.md. Facts: docs/token-profiles.md#families.

[profile]
name = Aladdin eToken PRO 32K/64K (CardOS)
vendor = Aladdin Knowledge Systems (now SafeNet / Thales)
kind = usb-token
# Not CCID: pcscd sees no reader at all until SafeNet's own reader driver
# (shipped with the middleware) is installed.
connection = vendor-driver
middleware = SafeNet Authentication Client
usb_ids = 0529:0600
key_sizes = 1024 | 2048
notes = The token Cisco shipped for CTL clients. It holds an RSA-1024 SAST key.

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
manufacturers = SafeNet, Inc. | Aladdin Ltd. | Aladdin Knowledge Systems Ltd.
models = eToken

[atr:cardos-m40]
label = eToken PRO, CardOS M4.0
bytes = 3B E2 00 FF C1 10 31 FE 55 C8 02 9C

# M4.01 and M4.01a differ only in the revision byte (and so the checksum).
[atr:cardos-m401]
label = eToken PRO, CardOS M4.01 / M4.01a
bytes = 3B F2 98 00 FF C1 10 31 FE 55 C8 00 00
mask  = FF FF FF FF FF FF FF FF FF FF FF 00 00

[atr:cardos-v42b]
label = eToken PRO, CardOS V4.2B
bytes = 3B F2 18 00 02 C1 0A 31 FE 58 C8 09 75

[atr:cardos-m42]
label = eToken PRO, CardOS M4.2
bytes = 3B F2 18 00 FF C1 0A 31 FE 55 C8 06 8A
