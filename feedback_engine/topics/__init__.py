"""Keyphrases, distinctive terms and topics: offline, seeded, stable across weeks.

Modules: :mod:`.text` (tokens and candidate phrases), :mod:`.keyphrases` (per record),
:mod:`.distinctive` (a group against the rest), :mod:`.cluster` (embedding clustering),
:mod:`.model` (the persisted topic model), :mod:`.guided` (seeds from the root-cause taxonomy),
:mod:`.evaluate` (NMI/ARI against gold labels).
"""
