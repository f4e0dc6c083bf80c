"""The CMS public files the generic scrub rules are driven by, read in their published layouts.

* NCCI procedure-to-procedure edits, practitioner (``ccipra-v…-f1..f4.TXT``): ``ptp.py``
* MUE, practitioner services (``MCR_MUE_PractitionerServices_Eff_….csv``): ``mue.py``
* Physician fee schedule RVU file (``PPRRVU….csv``): status, PC/TC indicator, global days: ``fees.py``
* HCPCS Level II quarterly file (``HCPC…ANWEB….txt``): codes and modifiers in force: ``hcpcs.py``
* The HCPCS/CPT modifier list with claimflow's own short labels (``modifiers.csv``): ``modifiers.py``

``load_cms(directory)`` reads whichever of them a folder holds (``CLAIMFLOW_CMS_DIR``: the
official quarterly files), falling back to the small bundled defaults (``data/``) for the others.
Errors name the file, the line and the field. The official files (millions of NCCI pairs) are read
once: their compiled form (``compiled.py``; ``claimflow rules compile``, or written on the first
load, ``CLAIMFLOW_CMS_CACHE_DIR``) is what later starts load, for exactly the files it was
compiled from.
"""

from streams.scrub.cms.tables import CmsTables, bundled_cms_dir, load_cms

__all__ = ["CmsTables", "bundled_cms_dir", "load_cms"]
