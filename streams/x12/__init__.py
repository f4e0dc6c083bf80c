"""The X12 bridge: clearinghouse files (837P, 277CA, 835) to claimflow events and back.

``segments`` reads and writes interchanges, ``validation`` checks them against the implementation
guides with pyx12 (and produces the 999), ``claim837`` maps 837P claims both ways, ``ack277`` and
``remit835`` map the payers' answers, and ``ingest`` ties them together for the CLI and the agent.
"""
