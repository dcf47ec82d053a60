#!/usr/bin/env python3
"""Independent reference implementation of radiomark scheme v1 (docs/SPEC.md), written from the
spec alone in pure Python (standard library only: hashlib/hmac for HKDF-SHA256, and a plain
BLAKE3 below), used to produce test/vectors/scheme.json. The TypeScript test recomputes every
vector, so the two implementations must agree byte for byte.

Usage: python3 scripts/scheme-vectors.py > test/vectors/scheme.json
"""
import hashlib
import hmac
import json
import random
import struct
import sys

# ---- BLAKE3 (single chunk, keyed hash and keyed XOF only: all the scheme needs) ----
IV = [0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19]
PERM = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8]
CHUNK_START, CHUNK_END, ROOT, KEYED_HASH = 1, 2, 8, 16
M32 = 0xFFFFFFFF


def rotr(x, n):
    return ((x >> n) | (x << (32 - n))) & M32


def g(s, a, b, c, d, mx, my):
    s[a] = (s[a] + s[b] + mx) & M32
    s[d] = rotr(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & M32
    s[b] = rotr(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b] + my) & M32
    s[d] = rotr(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & M32
    s[b] = rotr(s[b] ^ s[c], 7)


def compress(cv, block_words, counter, block_len, flags):
    s = list(cv) + IV[:4] + [counter & M32, (counter >> 32) & M32, block_len, flags]
    m = list(block_words)
    for _ in range(7):
        g(s, 0, 4, 8, 12, m[0], m[1]); g(s, 1, 5, 9, 13, m[2], m[3])
        g(s, 2, 6, 10, 14, m[4], m[5]); g(s, 3, 7, 11, 15, m[6], m[7])
        g(s, 0, 5, 10, 15, m[8], m[9]); g(s, 1, 6, 11, 12, m[10], m[11])
        g(s, 2, 7, 8, 13, m[12], m[13]); g(s, 3, 4, 9, 14, m[14], m[15])
        m = [m[i] for i in PERM]
    return [s[i] ^ s[i + 8] for i in range(8)] + [s[i + 8] ^ cv[i] for i in range(8)]


def words(b):
    return list(struct.unpack('<%dI' % (len(b) // 4), b))


def blake3_keyed(key, msg, out_len=32, seek_block=0):
    """BLAKE3 keyed hash / XOF of a message of at most 64 bytes (one chunk, one block)."""
    assert len(key) == 32 and len(msg) <= 64
    block = words(msg + bytes(64 - len(msg)))
    out = b''
    counter = seek_block
    while len(out) < out_len:
        out += struct.pack('<16I', *compress(words(key), block, counter, len(msg), CHUNK_START | CHUNK_END | ROOT | KEYED_HASH))
        counter += 1
    return out[:out_len]


# ---- HKDF-SHA256 (RFC 5869) ----
def hkdf(ikm, salt, info, length):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    okm, t, i = b'', b'', 1
    while len(okm) < length:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        okm += t
        i += 1
    return okm[:length]


SALT = b'radiomark/v1'


def subkey(master, info, length=32):
    return hkdf(master, SALT, info.encode(), length)


def fingerprint(master):
    return subkey(master, 'fingerprint', 8).hex()


def token_value(k_tok, t):
    blk = blake3_keyed(k_tok, b'', 64, seek_block=t // 16)
    return struct.unpack_from('<I', blk, 4 * (t % 16))[0]


def seed(k_ctx, window):
    msg = b''.join(struct.pack('<I', w) for w in window)
    return words(blake3_keyed(k_ctx, msg, 32))[:3]


def score(master, window, token):
    k_ctx, k_tok = subkey(master, 'scheme/context'), subkey(master, 'scheme/token')
    s0, s1, s2 = seed(k_ctx, window)
    x = token_value(k_tok, token) ^ s0
    x = (x * (s1 | 1)) & M32
    x ^= x >> 16
    x = (x * (s2 | 1)) & M32
    return x >> 1


def threshold(gamma):
    # gamma * 2^31 is exact in IEEE double (multiplication by a power of two); floor it.
    import math
    return math.floor(gamma * 2 ** 31)


def self_check():
    # Official BLAKE3 test vector (unkeyed, empty input) proves the compression; keyed mode differs
    # only in the chaining value and the flag, so check the hash of '' with IV as the key too.
    iv_key = struct.pack('<8I', *IV)
    empty = struct.pack('<8I', *compress(IV, [0] * 16, 0, 0, CHUNK_START | CHUNK_END | ROOT)[:8])
    assert empty.hex() == 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262', empty.hex()
    # RFC 5869 test case 1 for HKDF-SHA256.
    okm = hkdf(bytes.fromhex('0b' * 22), bytes.fromhex('000102030405060708090a0b0c'), bytes.fromhex('f0f1f2f3f4f5f6f7f8f9'), 42)
    assert okm.hex() == '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865', okm.hex()
    return iv_key


def main():
    self_check()
    rng = random.Random(20261128)
    keys = [bytes(range(32)), bytes([0xFF] * 32)] + [bytes(rng.getrandbits(8) for _ in range(32)) for _ in range(3)]
    vectors = []
    for ki, master in enumerate(keys):
        k_ctx, k_tok = subkey(master, 'scheme/context'), subkey(master, 'scheme/token')
        for h in (0, 1, 2, 3, 4, 8):
            for gamma in (0.1, 0.25, 0.5):
                n = 3 if h in (3, 8) else 4
                for _ in range(n):
                    vocab = rng.choice([50257, 100277, 128256, 200019, 262144])
                    window = [rng.randrange(vocab) for _ in range(h)]
                    token = rng.randrange(vocab) if rng.random() < 0.8 else rng.choice([0, vocab - 1, 15, 16, 17])
                    sc = score(master, window, token)
                    vectors.append({
                        'key': master.hex(), 'contextWidth': h, 'gamma': gamma, 'window': window,
                        'token': token, 'score': sc, 'threshold': threshold(gamma), 'green': sc < threshold(gamma),
                    })
    fps = [{'key': k.hex(), 'fingerprint': fingerprint(k),
            'contextKey': subkey(k, 'scheme/context').hex(), 'tokenKey': subkey(k, 'scheme/token').hex(),
            'decoy1': subkey(k, 'derive:decoy/1').hex()} for k in keys]
    out = {
        'description': 'radiomark scheme v1 known-answer vectors (docs/SPEC.md). score = 31-bit score; green iff score < threshold = floor(gamma * 2^31).',
        'producedBy': 'python3 scripts/scheme-vectors.py > test/vectors/scheme.json (pure-Python reference written from the spec; stdlib only)',
        'keys': fps,
        'vectors': vectors,
    }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
