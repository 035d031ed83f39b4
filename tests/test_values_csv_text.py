"""The one CSV reader behind measurement files and AHP judgement tables: encoding and delimiter detection."""

from __future__ import annotations

import pytest

from slm_psr.excel.measurements import read_measurement_file
from slm_psr.pairwise_file import read_pairwise
from slm_psr.values.csv_text import NotText, read_csv_text, sniff_delimiter

TEXT = "Dienst;Störungsbeginn;Störungsende\nHO-01;09.03.2027 03:12;09.03.2027 03:22\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8"),
        (TEXT.encode("utf-16"), "utf-16-le"),  # Python writes the little-endian BOM first
        (b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf-16-be"),
        (TEXT.encode("cp1252"), "cp1252"),
    ],
)
def test_encodings_are_detected_and_the_text_survives(data, encoding):
    read = read_csv_text(data)
    assert read.encoding == encoding
    assert read.delimiter == ";"
    assert read.rows[0] == ["Dienst", "Störungsbeginn", "Störungsende"]
    assert ("Windows-1252" in " ".join(read.notes)) is (encoding == "cp1252")


def test_delimiters_and_quoted_cells():
    """A comma inside quotes does not split; a tab file is a tab file; the most regular split wins."""
    assert sniff_delimiter(['a,"b;c",d', "1,2,3"]) == ","
    assert read_csv_text(b"a\tb\tc\n1\t2\t3\n").rows == [["a", "b", "c"], ["1", "2", "3"]]
    assert read_csv_text(b"a|b\n1|2\n").delimiter == "|"
    # empty lines are kept, so a row number is the file's line number
    assert read_csv_text(b"a;b\n\n1;2\n").rows == [["a", "b"], [], ["1", "2"]]


def test_binary_bytes_are_not_text():
    with pytest.raises(NotText):
        read_csv_text(b"PK\x03\x04\x00\x00binary")


def test_both_readers_share_it():
    """A Windows-1252 file with tabs reads the same in the judgement table and the measurement import."""
    pairs = "Dienst\tGegen\tWert\nBetrieb\tBüro\t3\n".encode("cp1252")
    matrix, names = read_pairwise(pairs, "paare.csv")
    assert names == ["Betrieb", "Büro"] and matrix[0, 1] == 3
    outages = "Dienst\tStörungsbeginn\tStörungsende\nHO-01\t09.03.2027 03:12\t09.03.2027 03:22\n"
    result = read_measurement_file(outages.encode("cp1252"), "ausfälle.csv", "Europe/Berlin")
    assert result.accepted and len(result.records) == 1
    assert any("Windows-1252" in note for note in result.notes)
