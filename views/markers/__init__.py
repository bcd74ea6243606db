"""The Markers view: marker genes (:mod:`.tab`, :mod:`.results`) and the enrichment card
(:mod:`.enrichment`)."""
