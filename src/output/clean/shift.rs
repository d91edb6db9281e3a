//! Moving the references of a package when the inserted notes column leaves the data sheet:
//! the worksheet's own ranges (dimension, views and panes, column widths, merges,
//! validations in both the standard and the Excel 2010 form, conditional formats,
//! hyperlinks, autofilter, breaks), formulas on any sheet that point at the data sheet,
//! defined names (print titles, print area), comment, drawing and table anchors, chart
//! series, pivot sources and the calculation chain.
//!
//! Each function edits a small element tree ([`Element`]); the cells themselves are moved
//! while streaming (see `sheet`).

use crate::package::address::{cell_name, parse_cell};
use crate::package::refs::{
    ColumnRemoval, Moved, move_area, move_formula, move_span_1based, move_sqref,
};
use crate::package::xml::{Element, XmlProblem, XmlResult};

/// The removal and the sheet it happens on.
#[derive(Debug, Clone, Copy)]
pub struct Shift<'a> {
    /// Name of the data sheet.
    pub sheet: &'a str,
    /// The column removed from it.
    pub removal: ColumnRemoval,
}

impl Shift<'_> {
    fn formula(&self, text: &str, on_sheet: bool) -> String {
        move_formula(text, self.sheet, on_sheet, self.removal)
    }

    fn area(&self, text: &str) -> XmlResult<Option<String>> {
        match move_area(text, self.removal) {
            Moved::To(moved) => Ok(Some(moved)),
            Moved::Gone => Ok(None),
            Moved::NotAReference => Err(bad_reference(text)),
        }
    }

    fn sqref(&self, text: &str) -> XmlResult<Option<String>> {
        move_sqref(text, self.removal).map_err(|part| bad_reference(&part))
    }

    /// A cell that must stay somewhere (a view's top-left cell, the active cell): a cell in
    /// the removed column lands on the column that takes its place.
    fn cell_clamped(&self, text: &str) -> XmlResult<String> {
        let (row, col) = parse_cell(text).ok_or_else(|| bad_reference(text))?;
        let col = self.removal.col(col).unwrap_or(self.removal.col);
        Ok(cell_name(row, col))
    }
}

fn bad_reference(text: &str) -> XmlProblem {
    if !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'$' | b':' | b' '))
    {
        XmlProblem::OutOfRange(text.to_string())
    } else {
        XmlProblem::Malformed(format!("reference '{text}'"))
    }
}

/// Element names whose text is a formula.
fn is_formula(local: &str) -> bool {
    matches!(local, "formula" | "formula1" | "formula2" | "f")
}

/// Edits a child of `<worksheet>` other than `<sheetData>`. `on_sheet` says whether this
/// worksheet is the data sheet (its own ranges move) or another sheet (only its references
/// to the data sheet move). Returns false when the element itself should go.
pub fn worksheet_child(el: &mut Element, shift: Shift, on_sheet: bool) -> XmlResult<bool> {
    walk(el, shift, on_sheet)?;
    Ok(!el.remove)
}

fn walk(el: &mut Element, shift: Shift, on_sheet: bool) -> XmlResult<()> {
    let local = el.local().to_string();
    if on_sheet {
        own_ranges(el, &local, shift)?;
    } else if local == "dataRef"
        && el.get("sheet").as_deref() == Some(shift.sheet)
        && let Some(r) = el.get("ref")
    {
        match shift.area(&r)? {
            Some(moved) => el.set("ref", &moved),
            None => el.remove = true,
        }
    }
    if is_formula(&local) {
        let text = el.text();
        let moved = shift.formula(&text, on_sheet);
        if moved != text {
            el.set_text(&moved);
        }
    }
    if local == "hyperlink"
        && let Some(location) = el.get("location")
    {
        let moved = shift.formula(&location, on_sheet);
        if moved != location {
            el.set("location", &moved);
        }
    }
    if el.remove {
        return Ok(());
    }
    // The autofilter's column ids count from its first column, which may move.
    let filter_start = (on_sheet && local == "autoFilter")
        .then(|| el.get("ref"))
        .flatten()
        .and_then(|r| parse_cell(r.split(':').next().unwrap_or_default()).map(|(_, c)| c));
    let had_children = el.elements().count();
    for child in el.elements_mut() {
        if let (Some(start), "filterColumn") = (filter_start, child.local()) {
            move_filter_column(child, start, shift)?;
        }
        walk(child, shift, on_sheet)?;
    }
    // An Excel 2010 validation or format whose <xm:sqref> is gone goes with it.
    if el.elements().any(|c| c.local() == "sqref" && c.remove) {
        el.remove = true;
        return Ok(());
    }
    let gone = el.sweep();
    if gone > 0 {
        let left = el.elements().count();
        if el.get("count").is_some() {
            el.set("count", &left.to_string());
        }
        if local == "colBreaks" && el.get("manualBreakCount").is_some() {
            el.set("manualBreakCount", &left.to_string());
        }
        // A container left empty goes too (Excel rejects an empty <mergeCells>).
        if left == 0 && had_children > 0 {
            el.remove = true;
        }
    }
    Ok(())
}

/// The data sheet's own ranges on one element.
fn own_ranges(el: &mut Element, local: &str, shift: Shift) -> XmlResult<()> {
    if let Some(sqref) = el.get("sqref") {
        match shift.sqref(&sqref)? {
            Some(moved) => el.set("sqref", &moved),
            None if local == "selection" => {
                let active = el.get("activeCell").unwrap_or_else(|| "A1".into());
                el.set("sqref", &shift.cell_clamped(&active)?);
            }
            None => el.remove = true,
        }
    }
    if local == "sqref" {
        match shift.sqref(&el.text())? {
            Some(moved) => el.set_text(&moved),
            None => el.remove = true,
        }
    }
    if let Some(r) = el.get("ref")
        && local != "f"
    {
        match shift.area(&r)? {
            Some(moved) => el.set("ref", &moved),
            None if local == "dimension" => el.set("ref", "A1"),
            None => el.remove = true,
        }
    }
    for key in ["topLeftCell", "activeCell"] {
        if let Some(cell) = el.get(key) {
            el.set(key, &shift.cell_clamped(&cell)?);
        }
    }
    match local {
        "col" => {
            let min = el.get("min").and_then(|v| v.parse().ok());
            let max = el.get("max").and_then(|v| v.parse().ok());
            if let (Some(min), Some(max)) = (min, max) {
                match move_span_1based(min, max, shift.removal) {
                    Some((a, b)) => {
                        el.set("min", &a.to_string());
                        el.set("max", &b.to_string());
                    }
                    None => el.remove = true,
                }
            }
        }
        "pane" => {
            if let Some(split) = el.get("xSplit").and_then(|v| v.parse::<f64>().ok())
                && split >= 1.0
                && f64::from(shift.removal.col) < split
                && el.get("state").is_some_and(|s| s.starts_with("frozen"))
            {
                let left = split - 1.0;
                if left >= 1.0 {
                    el.set("xSplit", &format!("{left}"));
                } else {
                    el.unset("xSplit");
                    if el.get("ySplit").is_none() {
                        el.remove = true;
                    }
                }
            }
        }
        "brk" => {
            if let Some(id) = el.get("id").and_then(|v| v.parse::<u32>().ok()) {
                match shift.removal.col(id) {
                    Some(moved) => el.set("id", &moved.to_string()),
                    None => el.remove = true,
                }
            }
        }
        "inputCells" | "cellWatch" => {
            if let Some(r) = el.get("r") {
                match shift.area(&r)? {
                    Some(moved) => el.set("r", &moved),
                    None => el.remove = true,
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn move_filter_column(el: &mut Element, start: u32, shift: Shift) -> XmlResult<()> {
    let Some(id) = el.get("colId").and_then(|v| v.parse::<u32>().ok()) else {
        return Ok(());
    };
    let new_start = shift.removal.col(start).unwrap_or(shift.removal.col);
    match shift.removal.col(start + id) {
        Some(col) => el.set("colId", &(col.saturating_sub(new_start)).to_string()),
        None => el.remove = true,
    }
    Ok(())
}

/// Edits `xl/workbook.xml`: defined names pointing at the data sheet. A print range that
/// loses a part keeps the others; a name left with nothing becomes `#REF!` (Excel's way),
/// except the built-in print names, which are dropped.
pub fn workbook(root: &mut Element, shift: Shift) -> XmlResult<bool> {
    let mut changed = false;
    for names in root.elements_mut().filter(|e| e.local() == "definedNames") {
        for name in names.elements_mut().filter(|e| e.local() == "definedName") {
            let text = name.text();
            let moved = shift.formula(&text, false);
            if moved == text {
                continue;
            }
            changed = true;
            let builtin = name.get("name").is_some_and(|n| n.starts_with("_xlnm."));
            if builtin {
                let parts: Vec<&str> = split_top_level(&moved)
                    .into_iter()
                    .filter(|p| !p.ends_with("#REF!"))
                    .collect();
                if parts.is_empty() {
                    name.remove = true;
                } else {
                    name.set_text(&parts.join(","));
                }
            } else {
                name.set_text(&moved);
            }
        }
        names.sweep();
    }
    Ok(changed)
}

/// Splits a formula at its top-level commas (outside quotes, brackets and parentheses).
fn split_top_level(formula: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0usize);
    for (i, c) in formula.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[') => depth += 1,
            (None, ')' | ']') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(&formula[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&formula[start..]);
    parts
}

/// Edits a legacy comments part of the data sheet: comments move with their cells; those
/// in the removed column go.
pub fn comments(root: &mut Element, shift: Shift) -> XmlResult<()> {
    for list in root.elements_mut().filter(|e| e.local() == "commentList") {
        for comment in list.elements_mut() {
            if let Some(r) = comment.get("ref") {
                match shift.area(&r)? {
                    Some(moved) => comment.set("ref", &moved),
                    None => comment.remove = true,
                }
            }
        }
        list.sweep();
    }
    Ok(())
}

/// Edits a threaded-comments part of the data sheet.
pub fn threaded_comments(root: &mut Element, shift: Shift) -> XmlResult<()> {
    for comment in root.elements_mut() {
        if let Some(r) = comment.get("ref") {
            match shift.area(&r)? {
                Some(moved) => comment.set("ref", &moved),
                None => comment.remove = true,
            }
        }
    }
    root.sweep();
    Ok(())
}

/// Edits the VML drawing that places the data sheet's legacy comments: each note shape's
/// column and anchor move; shapes of notes in the removed column go.
pub fn vml(root: &mut Element, shift: Shift) -> XmlResult<()> {
    for shape in root.elements_mut() {
        let Some(data) = shape.elements_mut().find(|e| e.local() == "ClientData") else {
            continue;
        };
        let mut gone = false;
        for field in data.elements_mut() {
            match field.local() {
                "Column" => {
                    if let Ok(col) = field.text().trim().parse::<u32>() {
                        match shift.removal.col(col) {
                            Some(moved) => field.set_text(&moved.to_string()),
                            None => gone = true,
                        }
                    }
                }
                "Anchor" => {
                    let mut numbers: Vec<String> = field
                        .text()
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .collect();
                    for i in [0usize, 4] {
                        if let Some(n) = numbers.get(i).and_then(|n| n.parse::<u32>().ok()) {
                            let moved = shift.removal.col(n).unwrap_or(shift.removal.col);
                            numbers[i] = moved.to_string();
                        }
                    }
                    field.set_text(&numbers.join(", "));
                }
                _ => {}
            }
        }
        if gone {
            shape.remove = true;
        }
    }
    root.sweep();
    Ok(())
}

/// Edits a DrawingML drawing of the data sheet: anchors (`xdr:from`, `xdr:to`) move left;
/// an anchor in the removed column stays where it is, on the column that takes its place.
pub fn drawing(root: &mut Element, shift: Shift) -> XmlResult<()> {
    fn visit(el: &mut Element, shift: Shift) {
        for child in el.elements_mut() {
            if matches!(child.local(), "from" | "to") {
                for part in child.elements_mut().filter(|e| e.local() == "col") {
                    if let Ok(col) = part.text().trim().parse::<u32>() {
                        let moved = shift.removal.col(col).unwrap_or(shift.removal.col);
                        part.set_text(&moved.to_string());
                    }
                }
            } else {
                visit(child, shift);
            }
        }
    }
    visit(root, shift);
    Ok(())
}

/// Edits a table of the data sheet: its range and autofilter move; a table that covered
/// the removed column loses that column.
pub fn table(root: &mut Element, shift: Shift) -> XmlResult<()> {
    let Some(r) = root.get("ref") else {
        return Ok(());
    };
    let start = parse_cell(r.split(':').next().unwrap_or_default())
        .map(|(_, c)| c)
        .ok_or_else(|| bad_reference(&r))?;
    match shift.area(&r)? {
        Some(moved) => root.set("ref", &moved),
        None => {
            return Err(XmlProblem::Unsupported(
                "a table lies wholly in the notes column; remove the table in Excel and try again"
                    .into(),
            ));
        }
    }
    for child in root.elements_mut() {
        match child.local() {
            "autoFilter" => {
                if let Some(r) = child.get("ref") {
                    match shift.area(&r)? {
                        Some(moved) => child.set("ref", &moved),
                        None => child.remove = true,
                    }
                }
                for column in child.elements_mut() {
                    move_filter_column(column, start, shift)?;
                }
                child.sweep();
            }
            "tableColumns" if shift.removal.col >= start => {
                let index = (shift.removal.col - start) as usize;
                if let Some(column) = child
                    .elements_mut()
                    .filter(|e| e.local() == "tableColumn")
                    .nth(index)
                {
                    column.remove = true;
                }
                child.sweep();
                let left = child.elements().count();
                child.set("count", &left.to_string());
            }
            _ => {}
        }
    }
    root.sweep();
    Ok(())
}

/// Edits a chart: series formulas (`c:f`) pointing at the data sheet move.
pub fn chart(root: &mut Element, shift: Shift) -> XmlResult<bool> {
    fn visit(el: &mut Element, shift: Shift, changed: &mut bool) {
        if el.local() == "f" {
            let text = el.text();
            let moved = shift.formula(&text, false);
            if moved != text {
                el.set_text(&moved);
                *changed = true;
            }
        }
        for child in el.elements_mut() {
            visit(child, shift, changed);
        }
    }
    let mut changed = false;
    visit(root, shift, &mut changed);
    Ok(changed)
}

/// Edits a pivot cache definition whose source is the data sheet.
pub fn pivot_cache(root: &mut Element, shift: Shift) -> XmlResult<bool> {
    let mut changed = false;
    for source in root.elements_mut().filter(|e| e.local() == "cacheSource") {
        for ws in source
            .elements_mut()
            .filter(|e| e.local() == "worksheetSource")
        {
            if ws.get("sheet").as_deref() != Some(shift.sheet) {
                continue;
            }
            if let Some(r) = ws.get("ref") {
                let moved = shift.area(&r)?.ok_or_else(|| {
                    XmlProblem::Unsupported(
                        "a pivot table reads only the notes column; remove it in Excel and try again"
                            .into(),
                    )
                })?;
                ws.set("ref", &moved);
                changed = true;
            }
        }
    }
    Ok(changed)
}

/// Edits the calculation chain: entries of the data sheet move with their cells (`map`
/// gives a cell's new place, `None` when it is gone).
pub fn calc_chain(
    root: &mut Element,
    sheet_id: u32,
    map: &dyn Fn(u32, u32) -> Option<(u32, u32)>,
) -> XmlResult<()> {
    let mut current: Option<u32> = None;
    for entry in root.elements_mut() {
        if let Some(i) = entry.get("i").and_then(|v| v.parse().ok()) {
            current = Some(i);
        }
        if current != Some(sheet_id) {
            continue;
        }
        let Some(r) = entry.get("r") else { continue };
        let (row, col) = parse_cell(&r).ok_or_else(|| bad_reference(&r))?;
        match map(row, col) {
            Some((row, col)) => entry.set("r", &cell_name(row, col)),
            None => {
                entry.remove = true;
            }
        }
    }
    // An entry that carried the sheet id for those after it must hand it on when it goes.
    let mut carry: Option<String> = None;
    for entry in root.elements_mut() {
        if entry.remove {
            if let Some(i) = entry.get("i") {
                carry = Some(i);
            }
        } else if let Some(i) = carry.take()
            && entry.get("i").is_none()
        {
            entry.set("i", &i);
        }
    }
    root.sweep();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::clean::xml::Document;

    const SHIFT: Shift = Shift {
        sheet: "Data",
        removal: ColumnRemoval { col: 0 },
    };

    fn edit(text: &str, f: impl Fn(&mut Element) -> XmlResult<bool>) -> Option<String> {
        let mut doc = Document::parse(text, 1 << 20).unwrap();
        let keep = f(&mut doc.root).unwrap();
        keep.then(|| doc.write())
    }

    #[test]
    fn worksheet_ranges_move_and_empty_containers_go() {
        let on = |text: &str| edit(text, |e| worksheet_child(e, SHIFT, true));
        assert_eq!(
            on("<mergeCells count=\"2\"><mergeCell ref=\"A1:CR1\"/><mergeCell ref=\"A5:A6\"/></mergeCells>").unwrap(),
            "<mergeCells count=\"1\"><mergeCell ref=\"A1:CQ1\"/></mergeCells>"
        );
        assert_eq!(
            on("<mergeCells count=\"1\"><mergeCell ref=\"A5:A6\"/></mergeCells>"),
            None
        );
        assert_eq!(
            on("<cols><col min=\"1\" max=\"1\" width=\"40\"/><col min=\"2\" max=\"3\" width=\"9\"/></cols>").unwrap(),
            "<cols><col min=\"1\" max=\"2\" width=\"9\"/></cols>"
        );
        assert_eq!(
            on("<sheetViews><sheetView><pane xSplit=\"2\" topLeftCell=\"C4\" state=\"frozen\"/><selection activeCell=\"A4\" sqref=\"A4\"/></sheetView></sheetViews>").unwrap(),
            "<sheetViews><sheetView><pane xSplit=\"1\" topLeftCell=\"B4\" state=\"frozen\"/><selection activeCell=\"A4\" sqref=\"A4\"/></sheetView></sheetViews>"
        );
        assert_eq!(
            on("<autoFilter ref=\"A3:E9\"><filterColumn colId=\"0\"/><filterColumn colId=\"2\"/></autoFilter>").unwrap(),
            "<autoFilter ref=\"A3:D9\"><filterColumn colId=\"1\"/></autoFilter>"
        );
        assert_eq!(
            on("<hyperlinks><hyperlink ref=\"C5\" location=\"'Data'!D9\"/><hyperlink ref=\"A5\" r:id=\"rId1\"/></hyperlinks>").unwrap(),
            "<hyperlinks><hyperlink ref=\"B5\" location=\"'Data'!C9\"/></hyperlinks>"
        );
    }

    #[test]
    fn excel_2010_validations_move_or_go_with_their_ranges() {
        let text = "<extLst><ext uri=\"{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}\"><x14:dataValidations count=\"2\"><x14:dataValidation type=\"list\"><x14:formula1><xm:f>LOV!$C$3:$C$5</xm:f></x14:formula1><xm:sqref>C4:C2503</xm:sqref></x14:dataValidation><x14:dataValidation type=\"list\"><x14:formula1><xm:f>LOV!$A$3:$A$5</xm:f></x14:formula1><xm:sqref>A4:A2503</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst>";
        let out = edit(text, |e| worksheet_child(e, SHIFT, true)).unwrap();
        assert_eq!(
            out,
            "<extLst><ext uri=\"{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}\"><x14:dataValidations count=\"1\"><x14:dataValidation type=\"list\"><x14:formula1><xm:f>LOV!$C$3:$C$5</xm:f></x14:formula1><xm:sqref>B4:B2503</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst>"
        );
    }

    #[test]
    fn other_sheets_move_only_references_to_the_data_sheet() {
        let text = "<dataValidations count=\"1\"><dataValidation sqref=\"A1:A9\"><formula1>Data!$C$4:$C$9</formula1></dataValidation></dataValidations>";
        assert_eq!(
            edit(text, |e| worksheet_child(e, SHIFT, false)).unwrap(),
            "<dataValidations count=\"1\"><dataValidation sqref=\"A1:A9\"><formula1>Data!$B$4:$B$9</formula1></dataValidation></dataValidations>"
        );
    }

    #[test]
    fn print_names_drop_parts_that_are_gone() {
        let text = "<workbook><definedNames><definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">Data!$A:$A,Data!$1:$3</definedName><definedName name=\"_xlnm.Print_Area\" localSheetId=\"0\">Data!$A$1:$CR$9</definedName><definedName name=\"Notes\">Data!$A$4:$A$9</definedName></definedNames></workbook>";
        let out = edit(text, |e| workbook(e, SHIFT)).unwrap();
        assert_eq!(
            out,
            "<workbook><definedNames><definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">Data!$1:$3</definedName><definedName name=\"_xlnm.Print_Area\" localSheetId=\"0\">Data!$A$1:$CQ$9</definedName><definedName name=\"Notes\">Data!#REF!</definedName></definedNames></workbook>"
        );
    }

    #[test]
    fn comments_vml_and_calc_chain_follow_their_cells() {
        let text = "<comments><authors/><commentList><comment ref=\"A4\"/><comment ref=\"C4\"/></commentList></comments>";
        let out = edit(text, |e| comments(e, SHIFT).map(|_| true)).unwrap();
        assert_eq!(
            out,
            "<comments><authors/><commentList><comment ref=\"B4\"/></commentList></comments>"
        );
        let vml_text = "<xml><v:shape><x:ClientData ObjectType=\"Note\"><x:Anchor>3, 15, 3, 10, 5, 15, 7, 4</x:Anchor><x:Row>3</x:Row><x:Column>2</x:Column></x:ClientData></v:shape><v:shape><x:ClientData ObjectType=\"Note\"><x:Column>0</x:Column></x:ClientData></v:shape></xml>";
        let out = edit(vml_text, |e| vml(e, SHIFT).map(|_| true)).unwrap();
        assert_eq!(
            out,
            "<xml><v:shape><x:ClientData ObjectType=\"Note\"><x:Anchor>2, 15, 3, 10, 4, 15, 7, 4</x:Anchor><x:Row>3</x:Row><x:Column>1</x:Column></x:ClientData></v:shape></xml>"
        );
        let chain =
            "<calcChain><c r=\"A5\" i=\"2\"/><c r=\"C5\"/><c r=\"C5\" i=\"3\"/></calcChain>";
        let map = |r: u32, c: u32| SHIFT.removal.col(c).map(|c| (r, c));
        let out = edit(chain, |e| calc_chain(e, 2, &map).map(|_| true)).unwrap();
        assert_eq!(
            out,
            "<calcChain><c r=\"B5\" i=\"2\"/><c r=\"C5\" i=\"3\"/></calcChain>"
        );
    }
}
