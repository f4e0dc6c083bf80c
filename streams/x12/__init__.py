"""The X12 bridge: clearinghouse files (837P, 277CA, 835) to claimflow events and back.

``segments`` reads files into interchanges (formatting is not data; several interchanges per
file), ``guide`` compiles pyx12's implementation-guide maps, ``validation`` checks every
functional group against its own guide, ``claim837`` maps 837P claims both ways, ``ack277`` and
``remit835`` map the payers' answers, ``context`` gives mappings their loops and content-derived
event ids, ``ack`` writes the 999 and TA1, and ``ingest`` ties them together into verdicts for the
CLI and the agent.
"""
