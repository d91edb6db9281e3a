//! How much memory an old Excel 97-2003 workbook (.xls) would take to read, found before
//! calamine reads it. calamine reads every sheet of an .xls whole, as a dense grid from the
//! first to the last cell, and reserves room for the cells its `DIMENSIONS` record declares:
//! a 41 KB file with text in the four corners of a sheet asked for more than a gigabyte.
//! Here the workbook stream is walked record by record (nothing is allocated from what the
//! records say) and each sheet's declared and real extent is measured.

use std::io::Read;

/// Largest dense grid (rows × columns) of one sheet read from an .xls: 2,000,000 cells, about
/// 150 MB while calamine builds it, well above a 2,500-row rejected file of 95 columns.
pub const MAX_XLS_CELLS: u64 = 2_000_000;

/// A sheet of an .xls too large to read whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Oversized {
    /// 1-based position of the sheet in the workbook.
    pub sheet: usize,
    /// Rows × columns of the grid it would need.
    pub cells: u64,
}

/// The first sheet of the .xls in `bytes` (an OLE2 container) whose grid would exceed
/// [`MAX_XLS_CELLS`], if any. A container without a readable workbook stream gives `None`:
/// calamine's own error then says what is wrong.
pub fn oversized_sheet(bytes: &[u8]) -> Option<Oversized> {
    let mut container = cfb::CompoundFile::open(std::io::Cursor::new(bytes)).ok()?;
    let mut stream = container.open_stream("/Workbook").ok()?;
    let mut data = Vec::new();
    stream.read_to_end(&mut data).ok()?;
    sheet_extents(&data)
        .into_iter()
        .enumerate()
        .find(|(_, cells)| *cells > MAX_XLS_CELLS)
        .map(|(i, cells)| Oversized {
            sheet: i + 1,
            cells,
        })
}

/// The grid size (rows × columns) calamine would need for each sheet substream of a BIFF8
/// workbook stream: the larger of what `DIMENSIONS` declares and what the cells span.
fn sheet_extents(data: &[u8]) -> Vec<u64> {
    const BOF: u16 = 0x0809;
    const EOF: u16 = 0x000A;
    const DIMENSIONS: u16 = 0x0200;
    const MULRK: u16 = 0x00BD;
    const MULBLANK: u16 = 0x00BE;
    // Cell records whose data starts with the row and column (u16 each).
    const CELLS: [u16; 8] = [
        0x0006, 0x00FD, 0x0203, 0x027E, 0x0205, 0x0204, 0x0201, 0x00D6,
    ];

    let mut extents = Vec::new();
    let mut sheet: Option<Extent> = None;
    let mut pos = 0usize;
    while let Some(head) = data.get(pos..pos + 4) {
        let typ = u16::from_le_bytes([head[0], head[1]]);
        let len = u16::from_le_bytes([head[2], head[3]]) as usize;
        let Some(rec) = data.get(pos + 4..pos + 4 + len) else {
            break;
        };
        pos += 4 + len;
        let u16_at = |at: usize| {
            rec.get(at..at + 2)
                .map(|b| u16::from_le_bytes([b[0], b[1]]))
        };
        let u32_at = |at: usize| {
            rec.get(at..at + 4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        };
        match typ {
            BOF => {
                // The globals substream (type 5) holds no cells; every other substream is a
                // sheet of some kind, read by calamine when it is a worksheet.
                if let Some(done) = sheet.take() {
                    extents.push(done.cells());
                }
                if u16_at(2) != Some(0x0005) {
                    sheet = Some(Extent::default());
                }
            }
            EOF => {
                if let Some(done) = sheet.take() {
                    extents.push(done.cells());
                }
            }
            DIMENSIONS => {
                if let (Some(s), Some(first_row), Some(last_row), Some(first_col), Some(last_col)) =
                    (sheet.as_mut(), u32_at(0), u32_at(4), u16_at(8), u16_at(10))
                {
                    let rows = u64::from(last_row.saturating_sub(first_row));
                    let cols = u64::from(last_col.saturating_sub(first_col));
                    s.declared = s.declared.max(rows * cols);
                }
            }
            MULRK | MULBLANK => {
                if let (Some(s), Some(row), Some(first), Some(last)) = (
                    sheet.as_mut(),
                    u16_at(0),
                    u16_at(2),
                    u16_at(len.saturating_sub(2)),
                ) {
                    s.add(row, first);
                    s.add(row, last);
                }
            }
            t if CELLS.contains(&t) => {
                if let (Some(s), Some(row), Some(col)) = (sheet.as_mut(), u16_at(0), u16_at(2)) {
                    s.add(row, col);
                }
            }
            _ => {}
        }
    }
    if let Some(done) = sheet {
        extents.push(done.cells());
    }
    extents
}

/// What one sheet substream declares and holds.
#[derive(Default)]
struct Extent {
    declared: u64,
    span: Option<(u16, u16, u16, u16)>,
}

impl Extent {
    fn add(&mut self, row: u16, col: u16) {
        self.span = Some(match self.span {
            None => (row, row, col, col),
            Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(col), c1.max(col)),
        });
    }

    fn cells(&self) -> u64 {
        let span = self.span.map_or(0, |(r0, r1, c0, c1)| {
            (u64::from(r1 - r0) + 1) * (u64::from(c1 - c0) + 1)
        });
        span.max(self.declared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut r = typ.to_le_bytes().to_vec();
        r.extend((data.len() as u16).to_le_bytes());
        r.extend(data);
        r
    }

    fn cell(row: u16, col: u16) -> Vec<u8> {
        let mut d = row.to_le_bytes().to_vec();
        d.extend(col.to_le_bytes());
        d.extend([0u8; 6]);
        record(0x00FD, &d)
    }

    fn bof(kind: u16) -> Vec<u8> {
        let mut d = 0x0600u16.to_le_bytes().to_vec();
        d.extend(kind.to_le_bytes());
        d.extend([0u8; 12]);
        record(0x0809, &d)
    }

    #[test]
    fn corner_cells_and_declared_dimensions_are_both_measured() {
        let mut stream = bof(0x0005);
        stream.extend(record(0x000A, &[]));
        // Sheet 1: a 2 × 3 block.
        stream.extend(bof(0x0010));
        stream.extend(cell(0, 0));
        stream.extend(cell(1, 2));
        stream.extend(record(0x000A, &[]));
        // Sheet 2: text in two far corners.
        stream.extend(bof(0x0010));
        stream.extend(cell(0, 0));
        stream.extend(cell(65_535, 255));
        stream.extend(record(0x000A, &[]));
        // Sheet 3: one cell, but DIMENSIONS declares 1,000 × 10,000.
        stream.extend(bof(0x0010));
        let mut dims = 0u32.to_le_bytes().to_vec();
        dims.extend(1_000u32.to_le_bytes());
        dims.extend(0u16.to_le_bytes());
        dims.extend(10_000u16.to_le_bytes());
        dims.extend([0u8; 2]);
        stream.extend(record(0x0200, &dims));
        stream.extend(cell(0, 0));
        stream.extend(record(0x000A, &[]));
        assert_eq!(sheet_extents(&stream), vec![6, 65_536 * 256, 10_000_000]);
    }

    #[test]
    fn a_stream_cut_inside_a_record_is_measured_up_to_the_cut() {
        let mut stream = bof(0x0010);
        stream.extend(cell(9, 9));
        let whole = stream.len();
        stream.extend(cell(100, 100));
        stream.truncate(whole + 5);
        assert_eq!(sheet_extents(&stream), vec![1]);
    }
}
