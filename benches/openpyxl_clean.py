"""The openpyxl way of doing what `icare-fix clean` does, for the benchmark.

Usage: python3 benches/openpyxl_clean.py IN.xlsx OUT.xlsx

Loads the workbook, empties the notes (column A of the data rows, from row 4), saves.
openpyxl drops the Excel 2010 drop-down lists on load and rewrites every part, so its
output is not what iCARE sent; this is only the speed and memory yardstick.
"""

import sys

import openpyxl


def main() -> None:
    source, target = sys.argv[1], sys.argv[2]
    book = openpyxl.load_workbook(source)
    sheet = book["iCARE Template"] if "iCARE Template" in book.sheetnames else book.active
    for row in range(4, sheet.max_row + 1):
        sheet.cell(row=row, column=1).value = None
    book.save(target)


if __name__ == "__main__":
    main()
