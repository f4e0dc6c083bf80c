"""The bus-wide pseudonymous patient key.

``patient_key`` = HMAC-SHA256(secret, payer_id|member_id), hex, 32 characters: stable for a
member, useless without the secret, and never the member id itself. Whoever puts claims on the bus
(the X12 bridge, the practice system, the simulator) must use the same secret
(``CLAIMFLOW_PATIENT_KEY_SECRET``) so a patient's claims and encounters share a key and a
partition.
"""

from __future__ import annotations

import hashlib
import hmac

#: The simulator's and the demo's secret. A deployment sets its own.
DEMO_KEY = b"claimflow-demo-key-not-a-secret"


def pseudonymous_key(payer_id: str, member_id: str, key: bytes = DEMO_KEY) -> str:
    return hmac.new(key, f"{payer_id}|{member_id}".encode(), hashlib.sha256).hexdigest()[:32]
