"""Gene cluster profiles and gene tables, checked by hand on tiny data; the profile
figure; CSV/XLSX export round trips with spreadsheet formulas neutralised."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from rnaclust_dash.errors import DataError, ParameterError
from rnaclust_dash.export.tables import neutralise_formulas, table_bytes
from rnaclust_dash.pl.profiles import profile_figure
from rnaclust_dash.tl.gene_clusters import (cluster_profiles, gene_cluster_table,
                                            gene_zscores, sample_order)


@pytest.fixture
def tiny():
    # 3 genes x 3 samples; g1 and g2 in cluster 1, g3 in cluster 2.
    values = pd.DataFrame([[1.0, 2.0, 3.0], [2.0, 2.0, 5.0], [4.0, 4.0, 4.0]],
                          index=["g1", "g2", "g3"], columns=["s1", "s2", "s3"])
    labels = pd.Series({"g3": 2, "g1": 1, "g2": 1})
    return values, labels


def test_profiles_by_hand(tiny):
    values, labels = tiny
    profiles = cluster_profiles(values, labels, samples=["s3", "s1", "s2"])
    # g1: mean 2, sd 1 -> z = (-1, 0, 1); g2: mean 3, sd sqrt(3) -> z = (-1, -1, 2)/sqrt(3)
    r3 = 1 / np.sqrt(3)
    z1 = {"s1": -1.0, "s2": 0.0, "s3": 1.0}
    z2 = {"s1": -r3, "s2": -r3, "s3": 2 * r3}
    one = profiles[profiles["cluster"] == 1].set_index("sample")
    assert one.index.tolist() == ["s3", "s1", "s2"]
    assert one["position"].tolist() == [0, 1, 2]
    assert (one["n_genes"] == 2).all()
    for sample in ("s1", "s2", "s3"):
        pair = np.array([z1[sample], z2[sample]])
        assert one.at[sample, "mean"] == pytest.approx(pair.mean(), abs=1e-12)
        assert one.at[sample, "sd"] == pytest.approx(abs(pair[0] - pair[1]) / np.sqrt(2),
                                                     abs=1e-12)
        assert one.at[sample, "q25"] == pytest.approx(pair.min() + 0.25 * np.ptp(pair))
    two = profiles[profiles["cluster"] == 2]
    # a constant gene: z-scores 0; one gene: sd 0
    assert np.allclose(two[["mean", "sd", "q25", "q75"]].to_numpy(), 0.0)


def test_profiles_refuse_genes_without_cluster(tiny):
    values, labels = tiny
    with pytest.raises(DataError, match="1 genes have no cluster"):
        cluster_profiles(values, labels.drop("g2"))


def test_gene_zscores_match_r_scale(tiny):
    values, _ = tiny
    z = gene_zscores(values, ["g2", "nope"], samples=["s3", "s1", "s2"])
    assert z.index.tolist() == ["g2"]
    assert z.loc["g2"].tolist() == pytest.approx([2 / np.sqrt(3), -1 / np.sqrt(3),
                                                  -1 / np.sqrt(3)])


def test_sample_order_by_column_stable_missing_last():
    sheet = pd.DataFrame({"time": [2, 1, np.nan, 1], "cond": list("bbaa")},
                         index=["a", "b", "c", "d"])
    assert sample_order(sheet, ["a", "b", "c", "d"], "time") == ["b", "d", "a", "c"]
    assert sample_order(sheet, ["a", "b", "c", "d"], "cond") == ["c", "d", "a", "b"]
    assert sample_order(sheet, ["d", "a"], None) == ["d", "a"]
    assert sample_order(None, ["d", "a"], "time") == ["d", "a"]


def test_gene_table_group_means_by_hand(tiny):
    values, labels = tiny
    groups = pd.Series({"s1": "ctrl", "s2": "ctrl", "s3": "treated"})
    table = gene_cluster_table(values, labels, symbols=["A", "B", "C"], groups=groups,
                               group_title="condition")
    assert table.columns.tolist() == ["symbol", "gene_id", "cluster", "mean",
                                      "mean condition=ctrl", "mean condition=treated"]
    # cluster 1 first, by decreasing mean: g2 (3.0) before g1 (2.0)
    assert table["gene_id"].tolist() == ["g2", "g1", "g3"]
    assert table["symbol"].tolist() == ["B", "A", "C"]
    assert table["mean condition=ctrl"].tolist() == [2.0, 1.5, 4.0]
    assert table["mean condition=treated"].tolist() == [5.0, 3.0, 4.0]
    assert table["mean"].tolist() == [3.0, 2.0, 4.0]


def test_gene_table_leaves_samples_without_group_out(tiny):
    values, labels = tiny
    groups = pd.Series({"s1": "x", "s3": "x"})  # s2 has no value
    table = gene_cluster_table(values, labels, groups=groups)
    assert table.set_index("gene_id").at["g1", "mean x"] == 2.0  # (1 + 3) / 2
    assert table["symbol"].tolist() == table["gene_id"].tolist()


def test_profile_figure_panels_and_highlight(tiny):
    values, labels = tiny
    profiles = cluster_profiles(values, labels, samples=["s1", "s2", "s3"])
    z = gene_zscores(values, ["g1"])
    figure = profile_figure(profiles, sample_labels=["one", "two", "three"],
                            sample_groups=["a", "a", "b"], group_title="cond",
                            highlighted=z.rename(index={"g1": "GENE1"}),
                            highlighted_clusters=[1])
    metas = [t["meta"] for t in figure["data"]]
    assert metas == ["band", "mean", "gene", "band", "mean"]
    mean1 = figure["data"][1]
    assert mean1["xaxis"] == "x" and figure["data"][4]["xaxis"] == "x2"
    assert np.allclose(mean1["y"], profiles[profiles["cluster"] == 1]["mean"])
    band = figure["data"][0]["y"]  # upper edge then lower edge reversed
    sd = profiles[profiles["cluster"] == 1]["sd"].to_numpy()
    assert np.allclose(band[:3], mean1["y"] + sd)
    assert figure["data"][2]["name"] == "GENE1"
    assert figure["data"][2]["text"] == ["<b>GENE1</b>", "", ""]  # named on the panel
    assert figure["layout"]["xaxis"]["ticktext"] == ["one", "two", "three"]
    texts = [a["text"] for a in figure["layout"]["annotations"]]
    assert "<b>cluster 1</b> (2 genes)" in texts and "<b>cluster 2</b> (1 genes)" in texts
    assert len(figure["layout"]["shapes"]) == 2  # the second run shaded in each panel


def test_neutralise_formulas_only_text_cells():
    frame = pd.DataFrame({"symbol": ["=HYPERLINK(1)", "+1", "-x", "@SUM", "\tA", "\rB",
                                     "TP53"],
                          "value": [-1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]})
    safe = neutralise_formulas(frame)
    assert safe["symbol"].tolist() == ["'=HYPERLINK(1)", "'+1", "'-x", "'@SUM", "'\tA",
                                       "'\rB", "TP53"]
    assert safe["value"].tolist() == frame["value"].tolist()  # numbers stay numbers
    assert frame["symbol"].iat[0] == "=HYPERLINK(1)"  # input unchanged


def test_csv_round_trip():
    frame = pd.DataFrame({"symbol": ["TP53", "=cmd", "MT-CO1"], "cluster": [1, 2, 2],
                          "mean": [1.25, -0.5, 3.0]})
    back = pd.read_csv(io.BytesIO(table_bytes(frame, "csv")))
    assert back["symbol"].tolist() == ["TP53", "'=cmd", "MT-CO1"]
    pd.testing.assert_frame_equal(back[["cluster", "mean"]], frame[["cluster", "mean"]])


def test_xlsx_round_trip_with_index():
    frame = pd.DataFrame({"s1": [1.5, 2.0], "s2": [-3.0, 0.25]},
                         index=pd.Index(["ENSG1", "-weird"], name="gene_id"))
    data = table_bytes(frame, "xlsx", index=True, sheet_name="normalized")
    back = pd.read_excel(io.BytesIO(data), sheet_name="normalized", index_col=0)
    assert back.index.tolist() == ["ENSG1", "'-weird"]
    np.testing.assert_array_equal(back.to_numpy(), frame.to_numpy())


def test_unknown_format():
    with pytest.raises(ParameterError, match="csv or xlsx"):
        table_bytes(pd.DataFrame({"a": [1]}), "ods")


def test_xlsx_missing_values_are_empty_cells():
    frame = pd.DataFrame({"symbol": ["A", None], "mean": [1.0, np.nan], "cluster": [1, 2]})
    back = pd.read_excel(io.BytesIO(table_bytes(frame, "xlsx")))
    assert back["symbol"].iloc[0] == "A" and pd.isna(back["symbol"].iloc[1])
    assert back["mean"].iloc[0] == 1.0 and pd.isna(back["mean"].iloc[1])
