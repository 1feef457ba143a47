# SoftHSM v2: a software token. The test suite and demo use it in place of
# an eToken; it is never seen by PC/SC.

[profile]
name = SoftHSM v2
vendor = OpenDNSSEC (SoftHSM project)
kind = software
connection = none
middleware = SoftHSM v2 (Debian package softhsm2)
key_sizes = 1024 | 2048 | 3072 | 4096
notes = stands in for eTokens in tests. It keeps its store where SOFTHSM2_CONF says

[pin]
retries = none
locks_after = never
lock_permanent = no
# never counts or locks PINs: lockout paths are tested with the mock module

[modules]
linux = libsofthsm2.so | /usr/lib/softhsm/libsofthsm2.so
windows = softhsm2-x64.dll | softhsm2.dll
macos = libsofthsm2.so

[pkcs11]
manufacturers = SoftHSM project
models = SoftHSM v2
