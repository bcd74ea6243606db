"""The catalogue of bad inputs (issue 13 item 7): files and parameters a lab's users (or
an attacker) may give. Each case is built in memory, small, and needs no network.

A case is ``Case(name, role, filename, content, options)``: ``role`` says where the file
goes (``counts``, ``metadata``, ``lengths``, or ``params`` for a params.json; ``None`` for
a case made of options only); ``options`` are extra command-line options (the CLI only: a file case with options, such
as single-cell QC thresholds, runs through the CLI only).
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile
from dataclasses import dataclass, field

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

#: The upload limit the catalogue runs with (MB): small, so that bombs stay cheap.
UPLOAD_MB = 5

GOOD_COUNTS = ("gene,A,B,C,D,E,F\n" + "".join(
    f"g{i},{10 + i},{12 + i},{9 + i},{40 + 2 * i},{38 + i},{45 + i}\n" for i in range(30)))


@dataclass(frozen=True)
class Case:
    name: str
    role: str | None
    filename: str = ""
    content: bytes = b""
    options: tuple = field(default_factory=tuple)


def _gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9)


def _zeros_gz(n_bytes: int) -> bytes:
    """gzip of ``n_bytes`` zeros, made piece by piece (a compression bomb)."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9) as stream:
        piece = bytes(1 << 20)
        for _ in range(n_bytes >> 20):
            stream.write(piece)
    return buffer.getvalue()


def _zip(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _tar_gz(members: dict) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _xlsx(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    return buffer.getvalue()


def _tenx(barcodes=3, features=4, header="%%MatrixMarket matrix coordinate integer general",
          size=None, entries=None) -> dict:
    size = size or f"{features} {barcodes} 3"
    entries = entries if entries is not None else "1 1 5\n2 2 3\n3 3 1\n"
    return {
        "matrix.mtx": f"{header}\n{size}\n{entries}".encode(),
        "barcodes.tsv": "".join(f"CELL{i}-1\n" for i in range(barcodes)).encode(),
        "features.tsv": "".join(f"ENSG{i}\tG{i}\tGene Expression\n"
                                for i in range(features)).encode()}


def _text_cases() -> list[Case]:
    big = "x" * 131_073
    rows = {
        "empty file": "",
        "only whitespace": "   \n\n\t\n",
        "only a header": "gene,A,B,C\n",
        "one column": "gene\ng1\ng2\ng3\n",
        "one sample": "gene,A\ng1,1\ng2,2\ng3,3\n",
        "one gene": "gene,A,B,C\ng1,1,2,3\n",
        "ragged rows": "gene,A,B,C\ng1,1,2,3\ng2,4,5\ng3,7,8,9,10,11\n",
        "text in counts": "gene,A,B,C\ng1,1,two,3\ng2,4,5,6\ng3,7,8,9\n",
        "negative counts": "gene,A,B,C\ng1,-1,2,3\ng2,4,-5,6\ng3,7,8,9\n",
        "NaN and Inf cells": "gene,A,B,C\ng1,nan,2,3\ng2,inf,5,6\ng3,7,-inf,9\n",
        "all zero": "gene,A,B,C\ng1,0,0,0\ng2,0,0,0\ng3,0,0,0\n",
        "duplicated genes": "gene,A,B,C\ng1,1,2,3\ng1,4,5,6\ng3,7,8,9\n",
        "duplicated samples": "gene,A,A,C\ng1,1,2,3\ng2,4,5,6\ng3,7,8,9\n",
        "empty sample name": "gene,A,,C\ng1,1,2,3\ng2,4,5,6\ng3,7,8,9\n",
        "empty gene id": "gene,A,B,C\n,1,2,3\ng2,4,5,6\ng3,7,8,9\n",
        "unbalanced quote": 'gene,A,B,C\n"g1,1,2,3\ng2,4,5,6\ng3,7,8,9\n',
        "cell over the csv field limit": f"gene,A,B,C\n{big},1,2,3\ng2,4,5,6\n",
        "quoted multi-line giant cell": f'gene,A,B,C\n"{big}\n{big}",1,2,3\ng2,4,5,6\n',
        "header over 131,072 chars": f"gene,{big},B\ng1,1,2\ng2,3,4\n",
        "200,000 columns, no row": "gene," + ",".join("S" for _ in range(200_000)) + "\n",
        "200,000 columns and a row": "gene," + ",".join(f"S{i}" for i in range(200_000))
                                     + "\ng1," + ",".join("1" for _ in range(200_000)) + "\n",
        "huge numbers": "gene,A,B,C\ng1,1e308,1e308,1e308\ng2,4,5,6\ng3,7,8,9\n",
        "decimal comma mixed": "gene;A;B;C\ng1;1,5;2.5;3\ng2;4;5;6\ng3;7;8;9\n",
        "HTML page": "<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>\n",
        "JSON document": json.dumps({"genes": ["g1"], "counts": [[1, 2, 3]]}) + "\n",
        "R error text": "Error in read.table(file): no lines available in input\n",
        "formula ids": "gene,=cmd|' /C calc'!A0,+A,-B\n=HYPERLINK(1),1,2,3\n@g,4,5,6\n",
        "control characters": "gene,A,B,C\ng\x001,1,2,3\ng\x1b2,4,5,6\ng3,7,8,9\n",
        "CR-only line ends": "gene,A,B,C\rg1,1,2,3\rg2,4,5,6\rg3,7,8,9\r",
        "comment lines only": "# a comment\n# another\n",
        "featureCounts without counts": "# Program:featureCounts v2.0.1\nGeneid\tChr\tStart"
                                        "\tEnd\tStrand\tLength\n",
    }
    cases = [Case(f"csv: {name}", "counts", "counts.csv", text.encode("utf-8"))
             for name, text in rows.items()]
    cases += [
        Case("tsv: spaces and tabs mixed", "counts", "counts.tsv",
             b"gene\tA B\tC\ng1\t1 2\t3\ng2\t4\t5 6\n"),
        Case("txt: UTF-16 text", "counts", "counts.txt", GOOD_COUNTS.encode("utf-16")),
        Case("txt: latin-1 sample names", "counts", "counts.txt",
             "gene,Ä,B,C\ng1,1,2,3\ng2,4,5,6\ng3,7,8,9\n".encode("latin-1")),
        Case("csv: random binary", "counts", "counts.csv",
             np.random.default_rng(0).bytes(20_000)),
        Case("csv: NUL bytes", "counts", "counts.csv", b"\x00" * 5000),
        Case("csv: a PDF", "counts", "counts.csv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"),
        Case("csv: a PNG", "counts", "counts.csv", b"\x89PNG\r\n\x1a\n" + bytes(100)),
        Case("csv: over the upload limit", "counts", "counts.csv",
             ("gene,A,B,C\n" + "g,1,2,3\n" * (UPLOAD_MB * 1_000_000 // 8 + 10)).encode()),
    ]
    return cases


def _compressed_cases() -> list[Case]:
    limit = UPLOAD_MB * 1_000_000
    good = GOOD_COUNTS.encode()
    return [
        Case("gz: bomb (zeros, 20x the limit and more)", "counts", "counts.csv.gz",
             _zeros_gz(25 * limit)),
        Case("gz: bomb of a table", "counts", "counts.csv.gz",
             _gz(b"gene,A,B,C\n" + b"g,1,2,3\n" * (3 * limit))),
        Case("gz: truncated", "counts", "counts.csv.gz", _gz(good)[:40]),
        Case("gz: corrupt body", "counts", "counts.csv.gz",
             _gz(good)[:10] + bytes(200) + _gz(good)[-8:]),
        Case("gz: empty content", "counts", "counts.csv.gz", _gz(b"")),
        Case("gz: gzip of a gzip", "counts", "counts.csv.gz", _gz(_gz(good))),
        Case("gz: header only", "counts", "counts.csv.gz", b"\x1f\x8b\x08\x00"),
        Case("gz: binary inside", "counts", "counts.csv.gz",
             _gz(np.random.default_rng(1).bytes(5000))),
        Case("xls: old Excel", "counts", "counts.xls",
             b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)),
        Case("xlsx: corrupt zip", "counts", "counts.xlsx", b"PK\x03\x04" + bytes(300)),
        Case("xlsx: a zip that is no workbook", "counts", "counts.xlsx",
             _zip({"readme.txt": b"hello"})),
        Case("xlsx: empty sheet", "counts", "counts.xlsx", _xlsx(pd.DataFrame())),
        Case("xlsx: text counts", "counts", "counts.xlsx",
             _xlsx(pd.DataFrame({"gene": ["g1", "g2"], "A": ["one", "two"],
                                 "B": ["x", "y"]}))),
        Case("xlsx: formula cells", "counts", "counts.xlsx",
             _xlsx(pd.DataFrame({"gene": ["=1+1", "g2"], "A": [1, 2], "B": [3, 4]}))),
        Case("zip: empty archive", "counts", "cells.zip", _zip({})),
        Case("zip: no matrix", "counts", "cells.zip", _zip({"barcodes.tsv": b"C1\n"})),
        Case("zip: missing barcodes", "counts", "cells.zip",
             _zip({k: v for k, v in _tenx().items() if k != "barcodes.tsv"})),
        Case("zip: missing features", "counts", "cells.zip",
             _zip({k: v for k, v in _tenx().items() if k != "features.tsv"})),
        Case("zip: wrong MatrixMarket header", "counts", "cells.zip",
             _zip(_tenx(header="%%NotMatrixMarket"))),
        Case("zip: sizes disagree with the files", "counts", "cells.zip",
             _zip(_tenx(size="40 30 3"))),
        Case("zip: entries outside the matrix", "counts", "cells.zip",
             _zip(_tenx(entries="1 1 5\n99 99 3\n3 3 1\n"))),
        Case("zip: negative counts", "counts", "cells.zip",
             _zip(_tenx(entries="1 1 -5\n2 2 3\n3 3 1\n"))),
        Case("zip: fewer entries than declared", "counts", "cells.zip",
             _zip(_tenx(size="4 3 10"))),
        Case("zip: garbage matrix", "counts", "cells.zip",
             _zip({**_tenx(), "matrix.mtx": np.random.default_rng(2).bytes(3000)})),
        Case("zip: path traversal names", "counts", "cells.zip",
             _zip({f"../../../tmp/{k}": v for k, v in _tenx().items()})),
        Case("zip: bomb inside (matrix of zeros)", "counts", "cells.zip",
             _zip({**_tenx(), "matrix.mtx": bytes(25 * limit)})),
        Case("zip: corrupt archive", "counts", "cells.zip", b"PK\x03\x04" + bytes(1000)),
        Case("zip: two matrices", "counts", "cells.zip",
             _zip({**_tenx(), **{f"b/{k}": v for k, v in _tenx().items()}})),
        Case("tar.gz: garbage", "counts", "cells.tar.gz", _gz(bytes(5000))),
        Case("tar.gz: no matrix", "counts", "cells.tar.gz",
             _tar_gz({"notes.txt": b"nothing here"})),
        Case("tar.gz: bomb inside", "counts", "cells.tar.gz",
             _tar_gz({**_tenx(), "matrix.mtx": bytes(25 * limit)})),
        Case("h5ad: garbage after the HDF5 signature", "counts", "cells.h5ad",
             b"\x89HDF\r\n\x1a\n" + bytes(2000)),
        Case("h5ad: random bytes", "counts", "cells.h5ad",
             np.random.default_rng(3).bytes(4000)),
        Case("h5ad: text file", "counts", "cells.h5ad", GOOD_COUNTS.encode()),
        Case("h5: garbage 10x h5", "counts", "filtered_feature_bc_matrix.h5",
             b"\x89HDF\r\n\x1a\n" + np.random.default_rng(4).bytes(2000)),
        Case("h5ad: empty file", "counts", "cells.h5ad", b""),
    ]


#: A real 10x folder of 40 cells (CellBench subset, tests/data): cases that must get past
#: reading to fail later (QC).
CELLBENCH = Path(__file__).resolve().parents[1] / "tests" / "data" / "io" / "cellbench_subset"


def _h5_bytes(build) -> bytes:
    """An HDF5 file made by ``build(handle)``, as bytes."""
    import h5py

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as handle:
        build(handle)
    return buffer.getvalue()


def _tenx_h5_v2(handle) -> None:
    """Cell Ranger 2's layout: one group per genome, with genes and gene_names."""
    group = handle.create_group("GRCh38")
    matrix = sparse.random(4, 3, density=0.6, format="csc", random_state=5) * 20
    group["data"] = np.ceil(matrix.data).astype(np.int32)
    group["indices"], group["indptr"] = matrix.indices, matrix.indptr
    group["shape"] = np.array(matrix.shape, dtype=np.int32)
    group["barcodes"] = np.array([f"CELL{i}-1".encode() for i in range(3)])
    group["genes"] = np.array([f"ENSG{i}".encode() for i in range(4)])
    group["gene_names"] = np.array([f"G{i}".encode() for i in range(4)])


def _tenx_h5_unknown(handle) -> None:
    """A "matrix" group of a layout no Cell Ranger wrote (no features, genes elsewhere)."""
    group = handle.create_group("matrix")
    group["data"] = np.arange(3)
    group["genes_v9"] = np.array([b"G0", b"G1"])


def _molecule_info(handle) -> None:
    handle["barcode_idx"] = np.arange(5)
    handle["umi"] = np.arange(5)


def _h5ad_without_counts() -> bytes:
    """An .h5ad whose X is log-normalised (no integer counts, no raw, no counts layer)."""
    import tempfile

    import anndata

    rng = np.random.default_rng(6)
    values = np.log1p(rng.gamma(1.0, 2.0, size=(30, 50)) * 10).astype(np.float32)
    # object indexes: anndata writes pandas 3's string arrays only when told to
    names = [pd.Index([f"{p}{i}" for i in range(n)], dtype=object) for p, n in (("c", 30),
                                                                             ("g", 50))]
    adata = anndata.AnnData(values, obs=pd.DataFrame(index=names[0]),
                            var=pd.DataFrame(index=names[1]))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cells.h5ad"
        adata.write_h5ad(path)
        return path.read_bytes()


def _single_cell_cases() -> list[Case]:
    """Issue 9 item 10: the single-cell inputs that must each get a clear message."""
    cellbench = {name: (CELLBENCH / name).read_bytes()
                 for name in ("matrix.mtx.gz", "barcodes.tsv.gz", "features.tsv.gz")}
    real = "%%MatrixMarket matrix coordinate real general"
    return [
        Case("sc zip: 2 barcodes for a matrix of 3 cells", "counts", "cells.zip",
             _zip({**_tenx(), "barcodes.tsv": b"CELL0-1\nCELL1-1\n"})),
        Case("sc zip: 6 features for a matrix of 4 genes", "counts", "cells.zip",
             _zip({**_tenx(), "features.tsv": "".join(
                 f"ENSG{i}\tG{i}\tGene Expression\n" for i in range(6)).encode()})),
        Case("sc zip: non-integer counts (real matrix)", "counts", "cells.zip",
             _zip(_tenx(header=real, entries="1 1 0.5\n2 2 3.25\n3 3 1.7\n"))),
        Case("sc zip: integer header, decimal values", "counts", "cells.zip",
             _zip(_tenx(entries="1 1 0.5\n2 2 3.25\n3 3 1.7\n"))),
        Case("sc zip: one cell with zero counts", "counts", "cells.zip",
             _zip(_tenx(size="4 3 2", entries="1 1 5\n2 2 3\n"))),
        Case("sc zip: every cell with zero counts", "counts", "cells.zip",
             _zip(_tenx(size="4 3 0", entries=""))),
        Case("sc h5ad: no counts (log-normalised X only)", "counts", "cells.h5ad",
             _h5ad_without_counts()),
        Case("sc h5: Cell Ranger 2 layout", "counts", "filtered_gene_bc_matrices.h5",
             _h5_bytes(_tenx_h5_v2)),
        Case("sc h5: a matrix group of an unknown layout", "counts",
             "filtered_feature_bc_matrix.h5", _h5_bytes(_tenx_h5_unknown)),
        Case("sc h5: molecule_info.h5 instead of the matrix", "counts", "molecule_info.h5",
             _h5_bytes(_molecule_info)),
        # Read fine; QC then removes every cell (the command line runs the pipeline).
        Case("sc zip: all cells filtered by QC (--min-genes 1,000,000)", "counts",
             "cellbench.zip", _zip(cellbench), options=("--min-genes", "1000000")),
        Case("sc zip: all cells filtered by QC (--min-counts 1e9)", "counts",
             "cellbench.zip", _zip(cellbench), options=("--min-counts", "1000000000")),
    ]


def _sheet_cases() -> list[Case]:
    big = "x" * 131_073
    sheets = {
        "no matching samples": "sample,group\nX1,a\nX2,b\n",
        "duplicated samples": "sample,group\nA,a\nA,b\nB,b\n",
        "only a header": "sample,group\n",
        "empty": "",
        "binary": None,
        "cell over the csv field limit": f"sample,group\nA,{big}\nB,b\n",
        "131,072-char column name": f"sample,{big}\nA,a\nB,b\n",
        "formula values": "sample,group\nA,=cmd|' /C calc'!A0\nB,+1\nC,@x\n",
        "ragged": "sample,group,batch\nA,a\nB,b,1,2,3\n",
    }
    cases = []
    for name, text in sheets.items():
        content = (np.random.default_rng(5).bytes(3000) if text is None
                   else text.encode("utf-8"))
        cases.append(Case(f"sample sheet: {name}", "metadata", "samples.csv", content))
    lengths = {
        "text lengths": "gene,length\ng1,long\ng2,short\n",
        "negative lengths": "gene,length\ng1,-100\ng2,-5\n",
        "no matching genes": "gene,length\nzz1,100\nzz2,200\n",
        "empty": "",
        "Inf lengths": "gene,length\ng1,inf\ng2,nan\n",
    }
    cases += [Case(f"gene lengths: {name}", "lengths", "lengths.csv", text.encode())
              for name, text in lengths.items()]
    return cases


def _params_cases() -> list[Case]:
    documents = {
        "pseudocount Infinity": '{"pseudocount": Infinity}',
        "resolution NaN": '{"resolution": NaN}',
        "n_init 10**7": '{"n_init": 10000000}',
        "k 1e300": '{"k": 1e300}',
        "seed negative": '{"seed": -1}',
        "k as a list": '{"k": [2, 3]}',
        "k as an object": '{"k": {"a": 1}}',
        "unknown parameter": '{"kay": 3}',
        "131,072-char exclude": json.dumps({"exclude": "x" * 131_072}),
        "not JSON": '{"k": ',
        "a JSON list": "[1, 2, 3]",
        "deeply nested": "[" * 100_000 + "]" * 100_000,
        "method unknown": '{"method": "rm -rf"}',
        "top_genes 1e12": '{"top_genes": 1e12}',
        "empty file": "",
    }
    return [Case(f"params.json: {name}", "params", "params.json", text.encode())
            for name, text in documents.items()]


def _option_cases() -> list[Case]:
    options = {
        "--resamples 1e9 (stability)": ("stability", "--resamples", "1e9"),
        "--k-max 1e10 (choose-k)": ("choose-k", "--k-max", "1e10"),
        "--gap-refs 1e7 (choose-k)": ("choose-k", "--gap-refs", "1e7"),
        "--k-min nan (choose-k)": ("choose-k", "--k-min", "nan"),
        "--consensus-k-max 1e6": ("stability", "--resamples", "5", "--consensus",
                                  "--consensus-k-max", "1e6"),
        "--n-init 10**7": ("run", "--method", "kmeans", "--n-init", "10000000"),
        "--pseudocount inf": ("run", "--pseudocount", "inf"),
        "--pseudocount -1": ("run", "--pseudocount", "-1"),
        "--min-count nan": ("run", "--min-count", "nan"),
        "--k 2.5": ("run", "--k", "2.5"),
        "--k abc": ("run", "--k", "abc"),
        "--k 1e400": ("run", "--k", "1e400"),
        "--seed 2**64": ("run", "--seed", str(2**64)),
        "--top-genes -5": ("run", "--top-genes", "-5"),
        "--umap-min-dist 7": ("run", "--embedding", "umap", "--umap-min-dist", "7"),
        "--neighbors 1e9": ("run", "--method", "leiden", "--neighbors", "1e9"),
        "--resolution 0": ("run", "--method", "leiden", "--resolution", "0"),
        "--fuzzifier 1": ("run", "--method", "cmeans", "--fuzzifier", "1"),
        "--pcs 1e6": ("run", "--method", "gmm", "--pcs", "1e6"),
        # One argument of 131,072 bytes is over Linux's own limit (E2BIG): 100,001 here.
        "--exclude 100,001 chars": ("run", "--exclude", "x" * 100_001),
        "--exclude every sample": ("run", "--exclude", "A,B,C,D,E,F"),
        "--batch-method combat, no column": ("run", "--batch-method", "combat"),
        "--linkage ward with pearson": ("run", "--linkage", "ward", "--distance", "pearson"),
        "--k larger than the samples": ("run", "--k", "50"),
        "modules --power inf": ("modules", "--power", "inf"),
        "timecourse --fuzzifier 1e9": ("timecourse", "--time-column", "t", "--fuzzifier",
                                       "1e9"),
        "enrich --max-size 1e12": ("enrich", "--max-size", "1e12"),
    }
    return [Case(f"option: {name}", None, options=args) for name, args in options.items()]


def all_cases() -> list[Case]:
    """Every case of the catalogue (files, sheets, params.json, options)."""
    return _text_cases() + _compressed_cases() + _single_cell_cases() + _sheet_cases() + \
        _params_cases() + _option_cases()
