"""Where the tests find data: the repo's bundled copies and ../shared (may be absent)."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"
LOCAL_REFERENCE = REPO / "tests" / "data" / "reference"
BUNDLED = REPO / "rnaclust_dash" / "data"
DATASETS = ("pasilla", "airway", "gse60450")
