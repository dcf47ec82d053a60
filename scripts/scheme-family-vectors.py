#!/usr/bin/env python3
"""Independent reference implementation of radiomark key families (docs/SPEC.md section 2.1),
written from the spec alone in pure Python (standard library only), used to produce
test/vectors/scheme-family.json. test/key-family.test.ts recomputes every vector with the
TypeScript code, so the two implementations must agree byte for byte.

HKDF-SHA256, the fingerprint and the scheme's score come from scripts/scheme-vectors.py (the
scheme's own Python reference); everything family-specific is below.

Usage: python3 scripts/scheme-family-vectors.py > test/vectors/scheme-family.json
"""
import calendar
import hashlib
import hmac
import importlib.util
import json
import os
import random
import sys

_spec = importlib.util.spec_from_file_location('scheme_vectors', os.path.join(os.path.dirname(__file__), 'scheme-vectors.py'))
sv = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sv)

DAY_MS = 86400000


def member_label(cohorts, cohort, epoch):
    """The derivation label of a member, or None for the master itself (K = 1, no epochs)."""
    if cohorts == 1:
        return None if epoch is None else 'family/epoch/%d' % epoch
    return 'family/cohort/%d' % cohort if epoch is None else 'family/cohort/%d/epoch/%d' % (cohort, epoch)


def member_key(master, cohorts, cohort, epoch):
    label = member_label(cohorts, cohort, epoch)
    return master if label is None else sv.subkey(master, 'derive:' + label)


def cohort_of(master, cohorts, account):
    k_acct = sv.subkey(master, 'family/account')
    mac = hmac.new(k_acct, account.encode('utf-8'), hashlib.sha256).digest()
    return int.from_bytes(mac[:8], 'big') % cohorts


def origin_ms(date):
    y, m, d = (int(x) for x in date.split('-'))
    return calendar.timegm((y, m, d, 0, 0, 0)) * 1000


def epoch_of(origin, days, t_ms):
    return (t_ms - origin_ms(origin)) // (days * DAY_MS)


def main():
    sv.self_check()
    rng = random.Random(20261129)
    masters = [bytes(range(32)), bytes([0xFF] * 32)] + [bytes(rng.getrandbits(8) for _ in range(32)) for _ in range(2)]
    shapes = [
        (1, None, [(0, None)]),
        (16, None, [(0, None), (1, None), (15, None)]),
        (1, 30, [(0, 0), (0, 1), (0, 12)]),
        (16, 7, [(0, 0), (3, 12), (15, 1048575)]),
        (65536, 1, [(65535, 0), (4096, 365)]),
    ]
    members = []
    for master in masters:
        for cohorts, days, picks in shapes:
            for cohort, epoch in picks:
                key = member_key(master, cohorts, cohort, epoch)
                window = [rng.randrange(200019) for _ in range(2)]
                token = rng.randrange(200019)
                members.append({
                    'master': master.hex(), 'cohorts': cohorts, 'epochDays': days, 'cohort': cohort, 'epoch': epoch,
                    'label': member_label(cohorts, cohort, epoch), 'key': key.hex(), 'fingerprint': sv.fingerprint(key),
                    # One scheme vector under the member key (contextWidth 2), tying derivation to marking.
                    'window': window, 'token': token, 'score': sv.score(key, window, token),
                })
    accounts = ['acct_0', 'acct_1', 'user-8812', '42', 'ünïcode-账户-🙂', 'x' * 300]
    accounts += ['acct_%d' % rng.randrange(10 ** 9) for _ in range(6)]
    cohort_vectors = []
    for master in masters[:3]:
        for cohorts in (1, 2, 3, 16, 1000, 24000, 65536):
            for account in accounts:
                cohort_vectors.append({'master': master.hex(), 'cohorts': cohorts, 'account': account,
                                       'cohort': cohort_of(master, cohorts, account)})
    epoch_vectors = []
    for origin, days in (('1970-01-01', 1), ('2026-11-28', 30), ('2024-02-29', 7), ('2026-01-01', 36500)):
        o = origin_ms(origin)
        for t in (o, o + 1, o + days * DAY_MS - 1, o + days * DAY_MS, o + 12 * days * DAY_MS + 5, o + rng.randrange(10 ** 12)):
            epoch_vectors.append({'epochOrigin': origin, 'epochDays': days, 'timeMs': t, 'epoch': epoch_of(origin, days, t)})
    out = {
        'description': 'radiomark key-family known-answer vectors (docs/SPEC.md section 2.1): member keys (label, key, fingerprint, one contextWidth-2 score), account -> cohort, time -> epoch.',
        'producedBy': 'python3 scripts/scheme-family-vectors.py > test/vectors/scheme-family.json (pure-Python reference written from the spec; stdlib only)',
        'members': members,
        'cohorts': cohort_vectors,
        'epochs': epoch_vectors,
    }
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
