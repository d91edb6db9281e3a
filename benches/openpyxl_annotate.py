"""The openpyxl way of doing what `icare-fix annotate` does, for the benchmark.

Usage: python3 benches/openpyxl_annotate.py IN.xlsx OUT.xlsx

Loads the workbook, reads the field codes of the hidden codes row (row 2 of the template:
title row, codes row, labels row, then data from row 4), and for every note in column A
takes the codes of its `[XML:field_a, field_b]` parts, fills each named cell of that row and
attaches the note's message to it as an Excel comment; then saves to a new file.

It does less than `icare-fix annotate`: no Errors or Summary sheet, no print set-up, nothing
for the notes that name no field (`[XML:]`, `[1]`: "Unable to validate against database"),
which icare-fix turns into highlighted identity cells. openpyxl also drops the Excel 2010
drop-down lists on load. This is only the speed and memory yardstick.
"""

import re
import sys

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

CODES_ROW = 2
FIRST_DATA_ROW = 4
FIELDS = re.compile(r"\[XML:([^\]]*)\]")
PREFIX = re.compile(r"^(?:\[[^\]]*\])+\s*")
FILL = PatternFill(fill_type="solid", start_color="FFFFC7CE", end_color="FFFFC7CE")


def main() -> None:
    source, target = sys.argv[1], sys.argv[2]
    book = openpyxl.load_workbook(source)
    sheet = book["iCARE Template"] if "iCARE Template" in book.sheetnames else book.active
    columns = {cell.value: cell.column for cell in sheet[CODES_ROW] if cell.value}

    # (row, column) -> the messages naming that cell; a cell may be named by several notes.
    messages: dict[tuple[int, int], list[str]] = {}
    for (note_cell,) in sheet.iter_rows(min_row=FIRST_DATA_ROW, max_col=1):
        if not note_cell.value:
            continue
        for line in str(note_cell.value).splitlines():
            message = PREFIX.sub("", line)
            for match in FIELDS.finditer(line):
                for code in match.group(1).split(","):
                    column = columns.get(code.strip())
                    if column:
                        messages.setdefault((note_cell.row, column), []).append(message)

    for (row, column), texts in messages.items():
        cell = sheet.cell(row=row, column=column)
        cell.fill = FILL
        cell.comment = Comment("\n".join(texts), "icare-fix benchmark")
    book.save(target)
    print(f"{len(messages)} cells highlighted", file=sys.stderr)


if __name__ == "__main__":
    main()
