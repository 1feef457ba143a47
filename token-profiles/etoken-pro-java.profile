# eToken PRO 72K Java / NG-Flash and SafeNet eToken 5100 (Java Card based;
# early eToken 5110 units show the same ATR).

[profile]
name = eToken PRO 72K Java / SafeNet eToken 5100
vendor = SafeNet (Aladdin)
kind = usb-token
connection = ccid
middleware = SafeNet Authentication Client
usb_ids = 0529:0620
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
manufacturers = SafeNet, Inc. | Aladdin Ltd.
models = eToken

[atr:pro-72k]
label = eToken PRO 72K / NG-Flash (also seen on 5110)
bytes = 3B D5 18 00 81 31 3A 7D 80 73 C8 21 10 30

[atr:java-5100]
label = SafeNet eToken Java-based (5100)
bytes = 3B D5 18 00 81 31 FE 7D 80 73 C8 21 10 F4
