"""Tests of rnaclust_dash.io: upload size limit and decoding the browser's upload."""

from __future__ import annotations

import base64

import pytest

from rnaclust_dash import io as rio
from rnaclust_dash.errors import DataError, ParameterError


def test_check_upload_size_message_names_size_limit_and_cli():
    with pytest.raises(DataError) as caught:
        rio.check_upload_size(143_200_000, limit=100_000_000)
    assert str(caught.value) == (
        "The file is 143.2 MB; the upload limit is 100 MB. For larger tables use the "
        "command line: python -m rnaclust_dash run FILE --out DIR, or ask whoever runs "
        "this server to raise the limit (the RNACLUST_MAX_UPLOAD_MB setting)."
    )


def test_check_upload_size_reads_environment_at_call_time(monkeypatch):
    monkeypatch.delenv("RNACLUST_MAX_UPLOAD_MB", raising=False)
    assert rio.max_upload_bytes() == rio.MAX_UPLOAD_BYTES == 100_000_000
    rio.check_upload_size(5_000_000)
    monkeypatch.setenv("RNACLUST_MAX_UPLOAD_MB", "2")
    assert rio.max_upload_bytes() == 2_000_000
    with pytest.raises(DataError, match="the upload limit is 2 MB"):
        rio.check_upload_size(5_000_000)
    monkeypatch.setenv("RNACLUST_MAX_UPLOAD_MB", "lots")
    with pytest.raises(ParameterError, match="RNACLUST_MAX_UPLOAD_MB"):
        rio.max_upload_bytes()


def test_decode_upload_round_trip():
    payload = b"gene_id,S1\nG1,3\n"
    contents = "data:text/csv;base64," + base64.b64encode(payload).decode()
    assert rio.decode_upload(contents) == payload


@pytest.mark.parametrize(
    "contents",
    ["gene_id,S1", "data:text/csv,plain", "data:text/csv;base64,@@not base64@@", None],
)
def test_decode_upload_rejects_malformed(contents):
    with pytest.raises(DataError, match="upload could not be read"):
        rio.decode_upload(contents)
