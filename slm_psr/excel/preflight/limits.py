"""How much one supplier workbook may hold: the preflight's budgets and Excel's grid."""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024

# Excel's own grid; a reference beyond it is not a cell any reader should accept.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLS = 16_384


@dataclass(frozen=True)
class Limits:
    """How much one supplier workbook may hold.

    An answered questionnaire is about 50 KB with a few hundred rows; the defaults
    leave two orders of magnitude of headroom (pasted pictures, long free text,
    extra sheets a supplier adds) and still stop a hostile file in well under a
    second and a few hundred MB of memory.

    - ``max_file_bytes`` (20 MB): the upload itself; pictures pasted into the
      answers make a few MB at most.
    - ``max_uncompressed_total`` (200 MB) and ``max_member_uncompressed`` (100 MB):
      real unpacked sizes; 100 MB of sheet XML is about a million filled cells.
    - ``max_ratio`` (100): spreadsheet XML deflates 5-20:1 (a 100,000 x 10 sheet of
      identical numbers is 16:1); only runs of identical bytes approach deflate's
      ceiling of about 1,030:1, and that is what zip bombs are made of. Checked once
      a part has produced ``RATIO_FLOOR`` bytes, so tiny parts never trip it.
    - ``max_members`` (1000): a workbook with 50 sheets, drawings and comments has
      fewer than 300 parts.
    - ``max_rows`` (100,000) and ``max_cols`` (1,000): where real cells may sit; a
      questionnaire needs a few hundred rows and a dozen columns.
    - ``max_expanded_text`` (50 M characters): the text the cells become once read,
      a shared string counted once per cell that refers to it (see
      ``text_budget``); an answer with long comments holds well under 1 M.
      ``max_batch_expanded_text`` (200 M characters): the same over all files of
      one import, so that many files just under the limit cannot add up.
    """

    max_file_bytes: int = 20 * MB
    max_uncompressed_total: int = 200 * MB
    max_member_uncompressed: int = 100 * MB
    max_ratio: int = 100
    max_members: int = 1000
    max_rows: int = 100_000
    max_cols: int = 1_000
    max_expanded_text: int = 50 * MB
    max_batch_expanded_text: int = 200 * MB

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"Limits.{name} must be a positive whole number, not {value!r}")
        if self.max_rows > EXCEL_MAX_ROWS or self.max_cols > EXCEL_MAX_COLS:
            raise ValueError(
                f"Limits.max_rows/max_cols cannot exceed Excel's grid ({EXCEL_MAX_ROWS:,} x {EXCEL_MAX_COLS:,})"
            )


# Below this many unpacked bytes a part's compression ratio is not checked: a 40 KB
# part of repeated empty cells may deflate 200:1 and is harmless.
RATIO_FLOOR = 1 * MB
# Structural parts are read whole into memory for defusedxml; real ones are a few KB.
MAX_STRUCTURAL_PART = 4 * MB
# Worksheets up to this size are kept whole while they are checked (a questionnaire's
# are well under 1 MB): their cells are then measured in C, not one Python call per
# element, and the reader gets the XML without unzipping it again. Larger sheets, or
# sheets past the total, are measured while they stream.
MAX_KEPT_SHEET = 16 * MB
MAX_KEPT_TOTAL = 32 * MB
# Expat (2.5, without reparse deferral) re-scans an unfinished tag or comment from its
# start on every chunk fed, so one 100 MB tag costs minutes and its attributes become
# huge strings. No tag Excel writes comes near this; text between tags is not affected.
MAX_MARKUP = 1 * MB
# The zip central directory needs ~100 bytes per part; more than this per allowed
# part means absurd names or padding, and parsing it would already cost memory.
DIRECTORY_BYTES_PER_MEMBER = 1024

_IN_CHUNK = 64 * 1024
_OUT_CHUNK = 256 * 1024
