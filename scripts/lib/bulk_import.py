"""scripts/bench-bulk's import workload: one `import_codes` of COUNT fresh random codes into CAMPAIGN, timed.

Usage: python bulk_import.py HOST PORT KEY CAMPAIGN COUNT
Prints the seconds the call took (request sent to answer read; building the request is not counted) and
exits 1 unless every code was imported. Needs the generated module on PYTHONPATH (server.sh:
python_client_env).
"""
import secrets
import sys
import time

from promo_client import Connection
from promo.v1 import promo_pb2 as pb

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def main():
    host, port, key, campaign, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
    # 14 random characters (31^14 ≈ 7.6e20): distinct from each other and from every earlier import.
    codes = set()
    while len(codes) < count:
        codes.add("IMP" + "".join(secrets.choice(ALPHABET) for _ in range(14)))
    request = pb.ImportCodesRequest(campaign_id=campaign, codes=[pb.ImportCode(code=code, max_uses=1) for code in codes])
    connection = Connection(host, port, timeout=300)
    connection.hello(key)
    started = time.monotonic()
    answer = connection.call(import_codes=request)
    elapsed = time.monotonic() - started
    connection.close()
    if answer.status.code != pb.STATUS_CODE_OK or answer.import_codes.imported != count:
        print("import failed: %s, imported %d of %d" % (answer.status, answer.import_codes.imported, count), file=sys.stderr)
        sys.exit(1)
    print("%.3f" % elapsed)


if __name__ == "__main__":
    main()
