"""Write tests/data/old_dataset_a93891f.pkl: a Dataset pickled by the code before the
Dataset held an AnnData (commit a93891f), as the diskcache store held it then.

The old class is taken from git into a temporary package, so the pickle records the same
class path (``rnaclust_dash.dataset.Dataset``) and the old field dict as its state.
Run from the repository root: ``python tests/data/make_old_dataset_pickle.py``.
"""

import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

OLD_COMMIT = "a93891f"
OUT = Path(__file__).with_name("old_dataset_a93891f.pkl")

MAKE = '''
import pickle, sys
import numpy as np, pandas as pd
from rnaclust_dash.dataset import Dataset
counts = pd.DataFrame([[0.0, 5, 12], [3, 0, 7], [10, 20, 30.5], [1, 1, 2]], dtype=np.float64,
                      index=pd.Index(["g1", "g2", "g3", "g4"], name="gene_id"),
                      columns=pd.Index(["s1", "s2", "s3"], name="sample_id"))
metadata = pd.DataFrame({"group": ["a", "a", "b"], "depth": [1.5, 2.0, np.nan]},
                        index=pd.Index(["s1", "s2", "s3"], name="sample_id"))
lengths = pd.Series([1000.0, 250.0, np.nan, 4000.0], index=counts.index, name="length")
dataset = Dataset(counts=counts, value_kind="normalized", metadata=metadata,
                  gene_lengths=lengths, name="x", description="tiny", notices=("a", "b"))
sys.stdout.buffer.write(pickle.dumps(dataset, protocol=pickle.HIGHEST_PROTOCOL))
'''

with tempfile.TemporaryDirectory() as folder:
    package = Path(folder) / "rnaclust_dash"
    package.mkdir()
    (package / "__init__.py").write_text("")
    old = subprocess.run(["git", "show", f"{OLD_COMMIT}:rnaclust_dash/dataset.py"],
                         check=True, capture_output=True, text=True).stdout
    (package / "dataset.py").write_text(old)
    payload = subprocess.run([sys.executable, "-c", MAKE], check=True, capture_output=True,
                             cwd=folder, env={"PYTHONPATH": folder}).stdout
OUT.write_bytes(payload)
print(f"wrote {OUT} ({len(payload)} bytes)")
