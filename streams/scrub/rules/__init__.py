"""The rule families, one module each; importing this package registers them all
(``streams.scrub.registry``). Edits come out in the order their checkers registered: the format
step's first, then the families in the order imported here (alphabetical)."""

from streams.scrub.rules import (  # noqa: F401
    bundling,
    claim_data,
    claim_format,
    codes,
    denial_risk,
    documentation,
    duplicates,
    modifiers,
    necessity,
    payer,
    place_of_service,
    units,
)
