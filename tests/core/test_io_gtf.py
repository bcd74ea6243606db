"""Tests of rnaclust_dash.io: gene lengths from GTF/GFF3 annotations."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from rnaclust_dash import io as rio
from rnaclust_dash.errors import DataError

from io_helpers import FIXTURES, table


def gtf(rows: list[tuple[object, ...]], comment: str = "#!genome-build test") -> bytes:
    """A GTF/GFF: a comment line, then one tab-separated line per tuple of 9 fields."""
    lines = [comment] + ["\t".join(str(field) for field in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def exon(gene_id: str, start: int, end: int, seqname: str = "1", **more: str) -> tuple:
    """A GTF exon line of ``gene_id``."""
    attributes = f'gene_id "{gene_id}";' + "".join(f' {k} "{v}";' for k, v in more.items())
    return (seqname, "test", "exon", start, end, ".", "+", ".", attributes)


# Worked out by hand from the exons of annotation_small.gtf (1-based, inclusive ends).
SMALL_GTF_LENGTHS = {
    # Exons 100-199, 300-399 (GA-1); 150-249, 250-259, 320-340 (GA-2); 400-420 (GA-3).
    # 150-249 overlaps 100-199 and 250-259 touches it: one run 100-259 = 160 bp. 320-340
    # lies inside 300-399 and 400-420 touches it: one run 300-420 = 121 bp.
    "GA": 160 + 121,
    # 1000-1099 on chr2L and 1050-1149 on chrX: two chromosomes, never merged (not 150).
    "GB": 100 + 100,
    # 5000-5099 twice, 4040-4099 and 4000-4049 out of order: 4000-4099 and 5000-5099.
    "GC": 100 + 100,
    # 7000-7000: one base.
    "GD": 1,
    # 8001-8050, its gene_id after a ref_gene_id "GA" that must not be taken for it.
    "GE": 50,
}


def test_gtf_lengths_are_the_union_of_exons_by_hand():
    lengths = rio.parse_gtf_lengths((FIXTURES / "annotation_small.gtf").read_bytes(), "a.gtf")
    assert lengths.to_dict() == SMALL_GTF_LENGTHS
    assert lengths.index.tolist() == ["GA", "GB", "GC", "GD", "GE"]  # order of the file
    assert lengths.index.name == "gene_id" and lengths.dtype == np.int64


def test_gtf_lengths_from_gzip_equal_plain():
    content = (FIXTURES / "annotation_small.gtf").read_bytes()
    plain = rio.parse_gtf_lengths(content, "a.gtf")
    packed = rio.parse_gtf_lengths(gzip.compress(content), "a.gtf.gz")
    pd.testing.assert_series_equal(packed, plain)


def test_parse_gene_lengths_recognises_a_gzip_gtf():
    content = gzip.compress((FIXTURES / "annotation_small.gtf").read_bytes())
    series, notices = rio.parse_gene_lengths(content, "genes.gtf.gz", ["GC", "GA", "GZ"])
    assert series.index.tolist() == ["GC", "GA", "GZ"]
    assert series.tolist()[:2] == [200.0, 281.0] and np.isnan(series.iloc[2])
    assert notices == (
        "genes.gtf.gz: lengths computed as the union of exons per gene from the GTF",
        "genes.gtf.gz: 1 of 3 genes has no length (NaN)",
    )


def test_build_dataset_with_a_gtf_replaces_featurecounts_lengths():
    content = gtf([exon("ENSG00000223972", 11869, 12227), exon("ENSG00000223972", 12010, 12057)])
    dataset = rio.build_dataset(
        (FIXTURES / "featurecounts_small.txt").read_bytes(),
        "fc.txt",
        lengths_content=content,
        lengths_filename="genes.gtf",
    )
    assert dataset.gene_lengths.loc["ENSG00000223972"] == 12227 - 11869 + 1
    assert dataset.gene_lengths.iloc[1:].isna().all()
    assert "genes.gtf: lengths computed as the union of exons per gene from the GTF" in (
        dataset.notices
    )


@pytest.mark.parametrize("source", ["table", "gtf"])
@pytest.mark.parametrize("versioned", ["counts", "lengths"])
def test_versioned_and_unversioned_ensembl_ids_match(source, versioned):
    bare = ["ENSG00000000003", "ENSG00000000005", "ENSG00000000419"]
    tagged = ["ENSG00000000003.14", "ENSG00000000005.6", "ENSG00000000419.12"]
    count_ids, length_ids = (tagged, bare) if versioned == "counts" else (bare, tagged)
    counts = table([["gene_id", "S1", "S2"]] + [[g, 5, 6] for g in count_ids])
    if source == "table":
        lengths = table(
            [["gene_id", "length"]] + [[g, 100 * (k + 1)] for k, g in enumerate(length_ids)]
        )
    else:
        lengths = gtf([exon(g, 1000, 1000 + 100 * (k + 1) - 1) for k, g in enumerate(length_ids)])
    dataset = rio.build_dataset(
        counts, "counts.csv", lengths_content=lengths, lengths_filename="len"
    )
    assert dataset.counts.index.tolist() == count_ids  # the counts' ids are kept
    assert dataset.gene_lengths.tolist() == [100.0, 200.0, 300.0]
    assert (
        f"len: matched 3 gene ids ignoring Ensembl version suffixes, e.g. {count_ids[0]} -> "
        "ENSG00000000003" in dataset.notices
    )


def test_gencode_par_y_ids_match_exactly_or_stay_unknown():
    genes = ["ENSG00000182378.14", "ENSG00000182378.14_PAR_Y"]
    gencode = gtf(
        [
            exon(genes[0], 100, 199, "chrX"),
            exon(genes[1], 100, 199, "chrY"),
            exon(genes[1], 300, 309, "chrY"),
        ]
    )
    series, notices = rio.parse_gene_lengths(gencode, "gencode.gtf", genes)
    assert series.tolist() == [100.0, 110.0]
    assert not any("version" in n for n in notices)
    ensembl = gtf([exon("ENSG00000182378", 100, 199, "X")])
    series, notices = rio.parse_gene_lengths(ensembl, "ensembl.gtf", genes)
    assert series.iloc[0] == 100.0 and np.isnan(series.iloc[1])


def test_gff3_gene_from_gene_id_or_through_the_transcript_parent():
    ensembl = gtf(
        [
            ("1", "ensembl", "gene", 100, 500, ".", "+", ".", "ID=gene:ENSG00000000001;Name=A"),
            (
                "1",
                "ensembl",
                "mRNA",
                100,
                500,
                ".",
                "+",
                ".",
                "ID=transcript:ENST01;Parent=gene:ENSG00000000001",
            ),
            (
                "1",
                "ensembl",
                "exon",
                100,
                199,
                ".",
                "+",
                ".",
                "Parent=transcript:ENST01;Name=ENSE1",
            ),
            (
                "1",
                "ensembl",
                "CDS",
                120,
                290,
                ".",
                "+",
                "0",
                "ID=CDS:ENSP01;Parent=transcript:ENST01",
            ),
            (
                "1",
                "ensembl",
                "exon",
                150,
                299,
                ".",
                "+",
                ".",
                "Parent=transcript:ENST01;Name=ENSE2",
            ),
        ],
        comment="##gff-version 3",
    )
    series, notices = rio.parse_gene_lengths(ensembl, "genes.gff3", ["ENSG00000000001"])
    assert series.tolist() == [200.0]  # 100-299
    assert notices == ("genes.gff3: lengths computed as the union of exons per gene from the GTF",)
    gencode = gtf(
        [
            (
                "chr1",
                "HAVANA",
                "exon",
                11,
                20,
                ".",
                "+",
                ".",
                "ID=exon:ENST02:1;Parent=ENST02;gene_id=ENSG02.3",
            )
        ],
        comment="##gff-version 3",
    )
    assert rio.parse_gtf_lengths(gencode, "g.gff3").to_dict() == {"ENSG02.3": 10}


def test_dexseq_flattened_gff_uses_exonic_parts():
    content = gtf(
        [
            ("2L", "dexseq", "aggregate_gene", 1, 900, ".", "+", ".", 'gene_id "FBgn0000003"'),
            (
                "2L",
                "dexseq",
                "exonic_part",
                1,
                299,
                ".",
                "+",
                ".",
                'transcripts "T1"; exonic_part_number "001"; gene_id "FBgn0000003"',
            ),
            (
                "2L",
                "dexseq",
                "exonic_part",
                300,
                400,
                ".",
                "+",
                ".",
                'transcripts "T1+T2"; exonic_part_number "002"; gene_id "FBgn0000003"',
            ),
        ]
    )
    series, notices = rio.parse_gene_lengths(content, "flat.gff", ["FBgn0000003"])
    assert series.tolist() == [400.0]
    assert notices == (
        "flat.gff: lengths computed as the union of exonic parts per gene from the GTF",
    )


def test_gtf_errors_name_the_line():
    no_exons = gtf([("1", "test", "gene", 1, 100, ".", "+", ".", 'gene_id "A";')])
    with pytest.raises(DataError, match=r'"x.gtf" looks like a GTF but has no exon lines'):
        rio.parse_gtf_lengths(no_exons, "x.gtf")
    no_gene = gtf(
        [exon("A", 1, 10), ("1", "test", "exon", 5, 20, ".", "+", ".", 'transcript_id "T";')]
    )
    with pytest.raises(DataError) as caught:
        rio.parse_gtf_lengths(no_gene, "x.gtf")
    assert str(caught.value).startswith('"x.gtf", line 3: 1 exon line without a gene id')
    reversed_exon = gtf([exon("A", 1, 10), exon("A", 50, 40), exon("B", "x", 9)])
    with pytest.raises(DataError) as caught:
        rio.parse_gtf_lengths(reversed_exon, "x.gtf")
    message = str(caught.value)
    assert message.startswith(
        '"x.gtf", line 3: the exon start and end (columns 4 and 5: "50", "40")'
    )
    assert "(2 exon lines like this)" in message


def test_gtf_with_300_000_exons():
    # 30,000 genes on 3 chromosomes, each with 5 runs of 2 exons overlapping by 150 bp:
    # every run covers 250 bp, so every gene 1,250 bp.
    n_genes, runs = 30_000, 5
    gene = np.repeat(np.arange(n_genes), 2 * runs)
    run = np.tile(np.repeat(np.arange(runs), 2), n_genes)
    second = np.tile([0, 50], n_genes * runs)
    start = 1 + (gene // 3) * 10_000 + run * 1_000 + second
    lines = [
        f'chr{g % 3 + 1}\ttest\texon\t{s}\t{s + 199}\t.\t+\t.\tgene_id "ENSG{g:011d}.1"; '
        f'transcript_id "ENST{g:011d}.{k % 2 + 1}"; gene_biotype "protein_coding";'
        for g, s, k in zip(gene.tolist(), start.tolist(), second.tolist(), strict=True)
    ]
    content = gzip.compress(("#!genome-build test\n" + "\n".join(lines) + "\n").encode())
    lengths = rio.parse_gtf_lengths(content, "big.gtf.gz")
    assert len(lengths) == n_genes
    assert (lengths == runs * 250).all()
