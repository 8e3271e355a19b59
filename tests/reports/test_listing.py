"""Fixed-pitch listings: column widths, wrapping and alignment, against layouts worked out by hand."""

from __future__ import annotations

from service.reports.listing import Column, characters_per_line, column_widths, set_listing

COLUMNS = (Column("Id", wraps=False), Column("Term"), Column("Day", align="right", wraps=False))


def test_the_line_holds_as_many_characters_as_the_font_advance_allows() -> None:
    # 7 pt × 1233/2048 em = 4.2144 pt = 1.48673 mm a character; 265 mm / 1.48673 mm = 178.2.
    assert characters_per_line(265, 7) == 178
    # 10 pt: 2.12390 mm a character; 50 mm / 2.12390 mm = 23.5.
    assert characters_per_line(50, 10) == 23


def test_columns_keep_their_natural_width_when_the_line_has_room() -> None:
    values = [["P1", "Headache", "3"], ["P10", "Nausea", "12"]]
    # Id: max(2, 3) = 3; Term: max(4, 8) = 8; Day: max(3, 2) = 3.
    assert column_widths(COLUMNS, values, line_chars=40) == [3, 8, 3]


def test_the_widest_wrapping_columns_narrow_first_and_short_ones_stay_whole() -> None:
    columns = (Column("Id", wraps=False), Column("Arm"), Column("Long"), Column("Longer"))
    values = [["P1", "Arm B", "a" * 20, "b" * 30]]
    # Natural 2, 5, 20, 30 = 57; line 40 less 3 gaps of 2 = 34 for the columns; Id keeps 2, so 32 for the
    # wrapping ones. A common cap c with 5 + min(20, c) + min(30, c) <= 32 gives c = 13 (31), one character
    # spare, which goes to the first capped column.
    assert column_widths(columns, values, line_chars=40) == [2, 5, 14, 13]


def test_when_the_fixed_columns_leave_no_room_every_column_wraps() -> None:
    columns = (Column("Id", wraps=False), Column("Term"))
    values = [["X" * 30, "Headache"]]
    # Id alone (30) plus a gap leaves 20 - 2 - 30 < 1 for Term: both wrap at a common cap.
    # Room 18: c with min(30, c) + min(8, c) <= 18 gives c = 10 (10 + 8 = 18).
    assert column_widths(columns, values, line_chars=20) == [10, 8]


def test_records_wrap_within_their_columns_and_numbers_align_right() -> None:
    listing = set_listing(
        COLUMNS,
        [["P1", "Upper airway tract infection", 7], ["P22", "Rash", None]],
        line_mm=20 * 1.48673 + 0.01,  # 20 characters at 7 pt
        font_pt=7,
    )
    assert listing.line_chars == 20
    # Id 3, Day 3 and two gaps leave 10 for Term (natural 28).
    assert listing.header.split("\n") == ["Id   Term        Day"]
    assert listing.records[0].split("\n") == [
        "P1   Upper         7",
        "     airway",
        "     tract",
        "     infection",
    ]
    assert listing.records[1] == "P22  Rash"  # None prints as an empty field; trailing spaces are dropped
    assert all(len(line) <= 20 for record in listing.records for line in record.split("\n"))


def test_whitespace_inside_a_value_is_one_space_and_long_words_break() -> None:
    listing = set_listing((Column("Term"),), [["a\tb\n\nc"], ["x" * 12]], line_mm=10 * 1.48673 + 0.01, font_pt=7)
    assert listing.records[0] == "a b c"
    assert listing.records[1].split("\n") == ["x" * 10, "xx"]


def test_markup_is_kept_as_text_for_the_template_to_escape() -> None:
    listing = set_listing((Column("Term"),), [['<img src="file:///etc/passwd">']], line_mm=200, font_pt=7)
    assert listing.records == ('<img src="file:///etc/passwd">',)
