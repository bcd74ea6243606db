"""The data callback: bad uploads give a message and keep the dataset on screen; good
uploads replace the dataset, or annotate it and keep the user's choices.

Every bad upload starts from the loaded pasilla example and goes through the guarded
callback exactly as the browser would call it (trigger "upload-counts", the dataset-store
of the first call as state).
"""

from __future__ import annotations

import gzip
import re

import numpy as np
import pytest
from callback_helpers import (
    PASILLA_SAMPLES,
    analysis_controls,
    assert_accepted,
    assert_rejected,
    count_table,
    csv_bytes,
    data_url,
    guarded_analysis,
    guarded_data,
    out,
    text_of,
)
from dash import no_update

from callbacks import data
from views.clustering import analysis
from layouts import ids
from rnaclust_dash.params import AnalysisParams
from rnaclust_dash.pipeline import load_dataset, run_analysis


def upload_counts(store, current_store, content: bytes, name: str, mime: str = "text/csv"):
    """The data callback after a count table is dropped on the upload box."""
    return guarded_data(store, ids.UPLOAD_COUNTS, None, data_url(content, mime), name,
                        None, None, None, None, current_store)


def upload_metadata(store, current_store, content: bytes, name: str, example="pasilla"):
    return guarded_data(store, ids.UPLOAD_METADATA, example, None, None, data_url(content),
                        name, None, None, current_store)


def upload_lengths(store, current_store, content: bytes, name: str, example=None):
    return guarded_data(store, ids.UPLOAD_LENGTHS, example, None, None, None, None,
                        data_url(content), name, current_store)


def dataset_info(outputs) -> str:
    return text_of(out(outputs, data, ids.DATASET_INFO, "children"))


def options_by_value(outputs) -> dict:
    return {o["value"]: o for o in out(outputs, data, ids.NORMALIZATION, "options")}


def rejected_upload(store, example_store, content: bytes, name: str, **kwargs) -> str:
    """Upload a bad counts file on top of the example; check nothing but the alert changed
    and that the example is still what the store holds; return the message."""
    outputs = upload_counts(store, example_store, content, name, **kwargs)
    message = assert_rejected(outputs, data)
    assert out(outputs, data, ids.DATASET_STORE, "data") is no_update
    # The previous dataset is still there for the analysis to use.
    assert load_dataset(store, example_store["key"]).name == "pasilla"
    return message


# --------------------------------------------------------------------------- bad inputs

def test_empty_file_is_rejected(store, example_store):
    message = rejected_upload(store, example_store, b"", "empty.csv")
    assert '"empty.csv" is empty' in message


def test_empty_file_message_says_what_to_do(store, example_store):
    message = rejected_upload(store, example_store, b"\n \n", "empty.csv")
    assert re.search(r"upload|choose|select|check", message.split("is empty")[1], re.IGNORECASE)


def test_binary_garbage_is_rejected(store, example_store):
    garbage = b"\x89PNG\r\n\x1a\n" + bytes(np.random.default_rng(3).integers(
        0, 256, 4000, dtype=np.uint8))
    message = rejected_upload(store, example_store, garbage, "photo.csv")
    assert '"photo.csv" does not look like a table' in message
    assert "binary, not text" in message
    # What to do: the formats that are accepted.
    assert "Accepted formats: CSV, TSV or TXT" in message and ".xlsx" in message


@pytest.mark.parametrize("content, name", [
    (bytes(range(256)) * 8, "bytes.bin"),
    (b"\x1f\x8b\x08\x00not really gzip", "broken.csv.gz"),
    (b"PK\x03\x04" + b"\x00" * 200, "archive.zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200, "old.xls"),
], ids=["all-bytes", "broken-gzip", "zip-not-xlsx", "xls"])
def test_other_binary_uploads_get_a_message_not_a_crash(store, example_store, content, name):
    message = rejected_upload(store, example_store, content, name)
    assert f'"{name}"' in message
    assert "Accepted formats" in message or ".xlsx" in message


def test_damaged_base64_upload_is_rejected(store, example_store):
    outputs = guarded_data(store, ids.UPLOAD_COUNTS, None, "data:text/csv;base64,@@@@",
                           "x.csv", None, None, None, None, example_store)
    message = assert_rejected(outputs, data)
    assert "base64 content is damaged" in message and "Try uploading the file again" in message


def test_wrong_delimiter_is_rejected(store, example_store):
    table = csv_bytes(["gene_id", "s1", "s2", "s3"],
                      [["g1", 1, 2, 3], ["g2", 4, 5, 6], ["g3", 7, 8, 9]], sep=":")
    message = rejected_upload(store, example_store, table, "colons.txt")
    assert '"colons.txt" does not look like a table' in message
    assert "found only one column" in message
    # What to do: use one of the delimiters that are understood.
    assert "tab, comma, semicolon, vertical bar or space" in message


def test_vertical_bar_delimited_table_is_read(store, example_store):
    table = csv_bytes(["gene_id", "s1", "s2", "s3"],
                      [["g1", 1, 2, 3], ["g2", 4, 5, 6], ["g3", 7, 8, 9]], sep="|")
    outputs = upload_counts(store, example_store, table, "bars.txt")
    assert_accepted(outputs, data)
    key = out(outputs, data, ids.DATASET_STORE, "data")["key"]
    assert list(load_dataset(store, key).counts.columns) == ["s1", "s2", "s3"]


def test_non_numeric_cell_is_rejected_with_row_column_and_gene(store, example_store):
    table = csv_bytes(["gene_id", "s1", "s2", "s3"],
                      [["g1", 1, 2, 3], ["g2", 4, "abc", 6], ["g3", 7, 8, 9]])
    message = rejected_upload(store, example_store, table, "counts.csv")
    assert '1 cell of "counts.csv" is not a number' in message
    assert 'row 3 (gene g2), column "s2": "abc"' in message
    assert "fix these cells or remove their rows" in message


def test_negative_count_is_rejected_with_its_place(store, example_store):
    table = csv_bytes(["gene_id", "s1", "s2", "s3"],
                      [["g1", 1, 2, 3], ["g2", 4, 5, 6], ["g3", 7, -8, 9]])
    message = rejected_upload(store, example_store, table, "counts.csv")
    assert '1 cell of "counts.csv" is negative' in message
    assert 'row 4 (gene g3), column "s2": -8' in message
    assert "read counts, which cannot be negative: fix these cells" in message


def test_blank_and_na_cells_are_rejected_with_their_places(store, example_store):
    table = b"gene_id,s1,s2,s3\ng1,1,2,3\ng2,4,,6\ng3,NA,8,9\n"
    message = rejected_upload(store, example_store, table, "holes.csv")
    assert '2 cells of "holes.csv" are empty (blank or NA)' in message
    assert 'row 3 (gene g2), column "s2"' in message
    assert 'row 4 (gene g3), column "s1"' in message
    assert "Fill them in (0 if the gene has no reads in that sample) or remove their rows" \
        in message


def test_duplicated_gene_ids_are_summed_with_a_notice(store, example_store):
    table = csv_bytes(["gene_id", "s1", "s2", "s3"],
                      [["g1", 1, 2, 3], ["g2", 4, 5, 6], ["g1", 7, 8, 9]])
    outputs = upload_counts(store, example_store, table, "dups.csv")
    assert_accepted(outputs, data)
    info = dataset_info(outputs)
    assert ('dups.csv: 1 gene id appears more than once ("g1" rows 2 and 4): its rows were '
            "summed") in info
    assert "2 genes x 3 samples" in info
    new_store = out(outputs, data, ids.DATASET_STORE, "data")
    assert load_dataset(store, new_store["key"]).counts.loc["g1"].tolist() == [8.0, 10.0, 12.0]

def test_duplicated_sample_ids_are_rejected_with_their_columns(store, example_store):
    table = csv_bytes(["gene_id", "s1", "s2", "s1"],
                      [["g1", 1, 2, 3], ["g2", 4, 5, 6], ["g3", 7, 8, 9]])
    message = rejected_upload(store, example_store, table, "dups.csv")
    assert '1 sample id appears more than once in "dups.csv": "s1" (columns 2, 4)' in message
    assert "rename or remove the duplicated samples" in message


def test_all_zero_sample_is_rejected_by_name(store, example_store):
    table = csv_bytes(["gene_id", "s1", "s2", "s3"],
                      [["g1", 1, 0, 3], ["g2", 4, 0, 6], ["g3", 7, 0, 9]])
    message = rejected_upload(store, example_store, table, "zero.csv")
    assert '1 sample of "zero.csv" is 0 in every gene: "s2"' in message
    assert "Remove" in message and "cannot be normalized or clustered" in message


def test_all_zero_table_is_rejected(store, example_store):
    table = csv_bytes(["gene_id", "s1", "s2", "s3"], [["g1", 0, 0, 0], ["g2", 0, 0, 0]])
    message = rejected_upload(store, example_store, table, "zeros.csv")
    assert 'Every value in "zeros.csv" is 0' in message


def test_ragged_row_is_rejected_with_its_line(store, example_store):
    table = b"gene_id,s1,s2,s3\ng1,1,2,3\ng2,4,5,6,7\ng3,1,1,1\n"
    message = rejected_upload(store, example_store, table, "ragged.csv")
    assert '"ragged.csv", line 3: 5 cells where the header row has 4' in message
    assert "look for a stray comma" in message


def test_all_zero_genes_are_removed_with_a_notice(store, example_store):
    rows = [["g1", 1, 2, 3], ["g2", 0, 0, 0], ["g3", 4, 5, 6], ["g4", 0, 0, 0],
            ["g5", 7, 8, 9]]
    outputs = upload_counts(store, example_store,
                            csv_bytes(["gene_id", "s1", "s2", "s3"], rows), "sparse.csv")
    assert_accepted(outputs, data)
    new_store = out(outputs, data, ids.DATASET_STORE, "data")
    assert new_store["key"] != example_store["key"]
    info = dataset_info(outputs)
    assert "sparse.csv: removed 2 genes that are 0 in every sample (3 genes left)" in info
    assert "3 genes x 3 samples" in info
    assert list(load_dataset(store, new_store["key"]).counts.index) == ["g1", "g3", "g5"]


def test_two_samples_load_but_the_analysis_says_too_few_items(store, example_store):
    """A 2-sample table is a valid table (its genes can be clustered), so the data
    callback accepts it; clustering its samples must then say why not, keep the figures,
    and clustering its genes must work."""
    table = count_table(n_genes=150, samples=("ctrl", "treated"), seed=4)
    loaded = upload_counts(store, example_store, table, "pair.csv")
    assert_accepted(loaded, data)
    pair_store = out(loaded, data, ids.DATASET_STORE, "data")
    assert pair_store["key"] != example_store["key"]
    assert "150 genes x 2 samples" in dataset_info(loaded)

    controls = analysis_controls(loaded)
    assert controls["cluster-target"] == "samples"
    outputs = guarded_analysis(store, pair_store, controls, [])
    message = assert_rejected(outputs, analysis)
    assert "Only 2 samples to cluster: clustering needs at least 3" in message
    assert "Upload a table with more samples" in message
    for figure_id in (ids.HEATMAP, ids.SILHOUETTE):
        assert out(outputs, analysis, figure_id, "figure") is no_update

    genes = guarded_analysis(store, pair_store, dict(controls, **{"cluster-target": "genes"}),
                             [])
    assert_accepted(genes, analysis)
    assert out(genes, analysis, ids.ANALYSIS_STORE, "data")["n_items"] > 3


def test_k_larger_than_the_items_names_k_and_the_range(store, example_store,
                                                      example_controls):
    controls = dict(example_controls, **{"n-clusters": 9})
    outputs = guarded_analysis(store, example_store, controls, [])
    message = assert_rejected(outputs, analysis)
    assert "k = 9 is too large for 7 samples: choose k between 2 and 6" in message


def test_k_equal_to_the_items_is_rejected_too(store, example_store, example_controls):
    outputs = guarded_analysis(store, example_store,
                               dict(example_controls, **{"n-clusters": 7}), [])
    assert "choose k between 2 and 6" in assert_rejected(outputs, analysis)


def test_k_below_two_is_rejected(store, example_store, example_controls):
    outputs = guarded_analysis(store, example_store,
                               dict(example_controls, **{"n-clusters": 1}), [])
    assert "k must be at least 2 (got 1)" in assert_rejected(outputs, analysis)


def test_file_over_the_size_limit_names_the_limit_and_the_cli(store, example_store,
                                                              monkeypatch):
    monkeypatch.setenv("RNACLUST_MAX_UPLOAD_MB", "0.5")
    table = count_table(n_genes=20000, seed=1)
    assert len(table) > 600_000
    message = rejected_upload(store, example_store, table, "big.csv")
    assert "the upload limit is 0.5 MB" in message
    size = float(re.search(r"The file is ([\d.]+) MB", message).group(1))
    assert size == pytest.approx(len(table) / 1e6, abs=0.06)
    assert "python -m rnaclust_dash run FILE --out DIR" in message


def test_file_under_the_size_limit_is_read(store, example_store, monkeypatch):
    monkeypatch.setenv("RNACLUST_MAX_UPLOAD_MB", "0.5")
    table = count_table(n_genes=300, seed=1)
    assert len(table) < 100_000
    assert_accepted(upload_counts(store, example_store, table, "small.csv"), data)


def test_file_just_under_the_size_limit_is_accepted(store, example_store, monkeypatch):
    monkeypatch.setenv("RNACLUST_MAX_UPLOAD_MB", "1")
    table = count_table(n_genes=40000, seed=2)
    table = table[:table.rfind(b"\n", 0, 990_000) + 1]  # whole rows
    table += b"#" * (999_990 - len(table) - 1) + b"\n"  # a comment line: 999,990 bytes
    assert len(table) == 999_990  # 10 bytes under the 1 MB (1,000,000 bytes) limit
    outputs = upload_counts(store, example_store, table, "just_under.csv")
    assert_accepted(outputs, data)


def test_size_message_shows_the_file_larger_than_the_limit(store, example_store,
                                                           monkeypatch):
    monkeypatch.setenv("RNACLUST_MAX_UPLOAD_MB", "1")
    table = count_table(n_genes=40000, seed=2)
    table = table[:table.rfind(b"\n", 0, 1_040_000) + 1]
    message = rejected_upload(store, example_store, table, "over.csv")
    found = re.search(r"The file is ([\d.]+) MB; the upload limit is ([\d.]+) MB", message)
    assert float(found.group(1)) > float(found.group(2)), message


def test_gzip_bomb_is_rejected_with_the_cli_hint(store, example_store, monkeypatch):
    monkeypatch.setenv("RNACLUST_MAX_UPLOAD_MB", "0.01")  # 10 kB, so 200 kB unpacked at most
    bomb = gzip.compress(b"gene_id,s1,s2\n" + b"g,1,2\n" * 100_000)
    assert len(bomb) < 10_000
    message = rejected_upload(store, example_store, bomb, "bomb.csv.gz")
    assert "expands to more than" in message and "python -m rnaclust_dash run" in message


# --------------------------------------------------------------------------- good uploads

def test_csv_upload_replaces_the_dataset_and_resets_the_controls(store, example,
                                                                 example_store):
    outputs = upload_counts(store, example_store, count_table(seed=5), "my_counts.csv")
    assert_accepted(outputs, data)
    new_store = out(outputs, data, ids.DATASET_STORE, "data")
    assert set(new_store) == {"key", "mode"} and new_store["key"] != example_store["key"]
    assert new_store["mode"] == "bulk"
    dataset = load_dataset(store, new_store["key"])
    assert dataset.name == "my_counts.csv"
    assert list(dataset.counts.columns) == ["a1", "a2", "a3", "b1", "b2", "b3"]
    # The example box empties, so choosing the example again reloads it.
    assert out(outputs, data, ids.EXAMPLE, "value") is None
    # Controls reset to the defaults for raw counts (given, not left as they were).
    assert out(outputs, data, ids.NORMALIZATION, "value") == "deseq2"
    assert out(outputs, data, ids.LOG_TRANSFORM, "value") == ["log"]
    assert out(outputs, data, ids.MIN_COUNT, "value") == 10
    assert out(outputs, data, ids.MIN_SAMPLES, "value") == 2
    assert out(outputs, data, ids.N_CLUSTERS, "value") == 2
    # The example's annotations are gone: colour by cluster only; selection cleared.
    assert out(outputs, data, ids.COLOR_BY, "options") == [{"label": "cluster",
                                                           "value": "cluster"}]
    assert out(outputs, data, ids.COLOR_BY, "value") == "cluster"
    assert out(outputs, data, ids.SELECTION_STORE, "data") == []
    info = dataset_info(outputs)
    assert "my_counts.csv" in info and "200 genes x 6 samples; raw counts" in info
    assert "gene lengths: no; sample sheet: none" in info
    # TPM/RPKM need lengths this upload does not have.
    options = options_by_value(outputs)
    assert options["tpm"]["disabled"] and options["rpkm"]["disabled"]
    assert "needs gene lengths" in options["tpm"]["title"]
    assert not options["deseq2"]["disabled"]
    assert "TPM, RPKM / FPKM (needs gene lengths" in out(outputs, data, ids.NORMALIZATION_HELP,
                                                        "children")


def test_cleared_example_box_after_an_upload_changes_nothing(store, example_store):
    outputs = guarded_data(store, ids.EXAMPLE, None, None, None, None, None, None, None,
                           example_store)
    assert all(value is no_update for value in outputs)


def test_choosing_the_example_again_reloads_it(store, example_store):
    uploaded = upload_counts(store, example_store, count_table(seed=5), "mine.csv")
    again = guarded_data(store, ids.EXAMPLE, "pasilla", None, None, None, None, None, None,
                         out(uploaded, data, ids.DATASET_STORE, "data"))
    assert_accepted(again, data)
    assert out(again, data, ids.DATASET_STORE, "data") == example_store
    assert out(again, data, ids.EXAMPLE, "value") == "pasilla"


def test_example_load_offers_its_annotations_and_all_normalizations(example):
    colors = [o["value"] for o in out(example, data, ids.COLOR_BY, "options")]
    assert colors == ["cluster", "condition", "type", "group", "batch"]
    assert not any(o["disabled"] for o in out(example, data, ids.NORMALIZATION, "options"))
    assert out(example, data, ids.NORMALIZATION_HELP, "children") == ""
    assert "12,359 genes x 7 samples; raw counts; gene lengths: yes" in dataset_info(example)


def test_sample_sheet_upload_annotates_and_keeps_the_user_controls(store, example_store):
    sheet = csv_bytes(["sample", "operator", "rin"],
                      [[s, "ann" if i % 2 else "bob", 7 + i / 10]
                       for i, s in enumerate(PASILLA_SAMPLES)])
    outputs = upload_metadata(store, example_store, sheet, "sheet.csv")
    assert_accepted(outputs, data)
    new_store = out(outputs, data, ids.DATASET_STORE, "data")
    before = load_dataset(store, example_store["key"])
    after = load_dataset(store, new_store["key"])
    # Same counts and lengths, new annotations.
    assert after.counts.equals(before.counts)
    assert after.gene_lengths.equals(before.gene_lengths)
    assert list(after.metadata.columns) == ["operator", "rin"]
    assert after.metadata.loc["treated2", "operator"] == "ann"
    colors = [o["value"] for o in out(outputs, data, ids.COLOR_BY, "options")]
    assert colors == ["cluster", "operator", "rin"]
    # The user's choices stay: controls, colour, selection and the example box.
    for component_id in (ids.EXAMPLE, ids.NORMALIZATION, ids.LOG_TRANSFORM, ids.MIN_COUNT,
                         ids.MIN_SAMPLES, ids.N_CLUSTERS, ids.COLOR_BY):
        assert out(outputs, data, component_id, "value") is no_update, component_id
    assert out(outputs, data, ids.SELECTION_STORE, "data") is no_update
    assert "sample sheet: operator, rin" in dataset_info(outputs)


def test_sample_sheet_that_matches_no_sample_is_rejected(store, example_store):
    sheet = csv_bytes(["sample", "group"], [["x1", "a"], ["x2", "b"]])
    outputs = upload_metadata(store, example_store, sheet, "other.csv")
    message = assert_rejected(outputs, data)
    assert 'None of the sample ids in the first column of "other.csv" match' in message
    assert '"x1"' in message and '"treated1"' in message


def test_gene_lengths_upload_enables_tpm_and_rpkm(store, example_store):
    counts = count_table(n_genes=120, seed=6)
    uploaded = upload_counts(store, example_store, counts, "counts.csv")
    upload_store = out(uploaded, data, ids.DATASET_STORE, "data")
    before = options_by_value(uploaded)
    assert before["tpm"]["disabled"] is True and before["rpkm"]["disabled"] is True

    lengths = csv_bytes(["gene_id", "length"],
                        [[f"gene{i:04d}", 500 + 10 * i] for i in range(120)])
    outputs = upload_lengths(store, upload_store, lengths, "lengths.csv")
    assert_accepted(outputs, data)
    options = options_by_value(outputs)
    assert not any(o["disabled"] for o in options.values())
    assert {"tpm", "rpkm"} <= set(options)
    assert options["tpm"]["label"] == "TPM" and options["tpm"]["title"] == ""
    assert out(outputs, data, ids.NORMALIZATION_HELP, "children") == ""
    assert "gene lengths: yes" in dataset_info(outputs)
    # Same table, so the user's controls stay.
    assert out(outputs, data, ids.NORMALIZATION, "value") is no_update
    assert out(outputs, data, ids.N_CLUSTERS, "value") is no_update
    new_key = out(outputs, data, ids.DATASET_STORE, "data")["key"]
    assert load_dataset(store, new_key).gene_lengths.loc["gene0003"] == 530
    # TPM now runs end to end.
    controls = analysis_controls(uploaded, normalization="tpm")
    tpm = guarded_analysis(store, {"key": new_key}, controls, [])
    assert_accepted(tpm, analysis)


def test_already_normalized_table_turns_count_methods_off(store, example_store):
    rng = np.random.default_rng(8)
    values = rng.gamma(2.0, 40.0, size=(80, 6)).round(3) + 0.5
    rows = [[f"g{i}", *values[i].tolist()] for i in range(80)]
    outputs = upload_counts(store, example_store,
                            csv_bytes(["gene", "a1", "a2", "a3", "b1", "b2", "b3"], rows),
                            "tpm_table.csv")
    assert_accepted(outputs, data)
    options = options_by_value(outputs)
    for method in ("cpm", "logcpm", "tpm", "rpkm", "deseq2"):
        assert options[method]["disabled"] is True, method
        assert options[method]["label"].endswith("(n/a)")
        assert "not integer counts" in options[method]["title"]
    assert options["none"]["disabled"] is False
    assert out(outputs, data, ids.NORMALIZATION, "value") == "none"
    assert out(outputs, data, ids.MIN_COUNT, "value") == 0
    help_text = out(outputs, data, ids.NORMALIZATION_HELP, "children")
    assert help_text.startswith("Not available: ") and "use 'none'" in help_text
    assert "already normalized values" in dataset_info(outputs)
    assert "treated as already normalized" in dataset_info(outputs)
    # The controls the callback chose give a working analysis.
    result = guarded_analysis(store, out(outputs, data, ids.DATASET_STORE, "data"),
                              analysis_controls(outputs), [])
    assert_accepted(result, analysis)


def test_count_method_on_a_normalized_table_is_refused_with_a_reason(store, example_store):
    rng = np.random.default_rng(9)
    values = rng.gamma(2.0, 40.0, size=(60, 6)).round(2) + 0.5
    rows = [[f"g{i}", *values[i].tolist()] for i in range(60)]
    loaded = upload_counts(store, example_store,
                           csv_bytes(["gene", "a1", "a2", "a3", "b1", "b2", "b3"], rows),
                           "norm.csv")
    controls = analysis_controls(loaded, normalization="deseq2")
    message = assert_rejected(guarded_analysis(store, out(loaded, data, ids.DATASET_STORE,
                                                          "data"), controls, []), analysis)
    assert "DESeq2 median-of-ratios normalization is not available" in message


def test_upload_runs_the_same_analysis_as_the_pipeline(store, example_store):
    """The dataset the callback stored is the one the pipeline reads."""
    loaded = upload_counts(store, example_store, count_table(seed=10), "c.csv")
    key = out(loaded, data, ids.DATASET_STORE, "data")["key"]
    result = guarded_analysis(store, {"key": key}, analysis_controls(loaded), [])
    params = AnalysisParams.from_dict(out(result, analysis, ids.ANALYSIS_STORE,
                                          "data")["params"])
    assert params == AnalysisParams(k=2)
    assert run_analysis(store, key, params).features.item_ids.tolist() == [
        "a1", "a2", "a3", "b1", "b2", "b3"]


def test_same_table_under_a_new_name_shows_the_new_name(store, example_store):
    table = count_table(seed=11)
    first = upload_counts(store, example_store, table, "run1.csv")
    second = upload_counts(store, out(first, data, ids.DATASET_STORE, "data"),
                           table.replace(b",", b"\t"), "run2.tsv")
    assert_accepted(second, data)
    assert "run2.tsv" in dataset_info(second)
