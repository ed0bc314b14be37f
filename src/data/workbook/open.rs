//! Opening a workbook with calamine, after checks that keep a hostile file
//! (a zip bomb, millions of shared strings, an encrypted or truncated file)
//! from taking unbounded memory or aborting the process.

use super::{Grid, WorkbookError};
use calamine::{Data, Ods, Reader, Xls, XlsError, Xlsx};
use std::io::{Cursor, Read};
use std::path::Path;

/// Largest workbook file read.
const MAX_FILE_BYTES: u64 = 100 << 20;
/// Largest .xls read: calamine holds all its sheets' cells at once, a
/// record of a few bytes each, so the file's size bounds the memory.
const MAX_XLS_BYTES: u64 = 20 << 20;
/// Most bytes all the XML parts of an .xlsx or .ods may unpack to.
const MAX_UNPACKED_BYTES: u64 = 1 << 30;
/// Most distinct texts (shared strings) an .xlsx may hold. calamine reserves
/// room for the count the file declares, so a huge count would abort.
const MAX_SHARED_STRINGS: usize = 1_000_000;

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// The OLE container of .xls files, and of password-protected .xlsx files.
const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

const RESAVE: &str = "open the file in Excel or LibreOffice and save it again as a workbook";

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Format {
    Xlsx,
    Xls,
    Ods,
}

impl Format {
    pub fn of(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "xlsx" | "xlsm" => Some(Format::Xlsx),
            "xls" => Some(Format::Xls),
            "ods" => Some(Format::Ods),
            _ => None,
        }
    }
}

/// The chosen sheet's name and its cells.
pub(super) fn read_cells(
    path: &Path,
    sheet: Option<&str>,
) -> Result<(String, Grid), WorkbookError> {
    let format = Format::of(path).ok_or_else(|| {
        WorkbookError::unreadable(
            format!("{} is not a workbook", path.display()),
            "workbooks end in .xlsx, .xls or .ods",
        )
    })?;
    let limit = match format {
        Format::Xls => MAX_XLS_BYTES,
        Format::Xlsx | Format::Ods => MAX_FILE_BYTES,
    };
    let bytes = read_bytes(path, limit)?;
    check_container(&bytes, format)?;
    match format {
        Format::Xlsx => {
            check_zip_parts(&bytes)?;
            xlsx_cells(bytes, sheet)
        }
        Format::Ods => {
            check_zip_parts(&bytes)?;
            check_ods_extent(&bytes)?;
            let book = Ods::new(Cursor::new(bytes)).map_err(damaged)?;
            range_cells(book, sheet)
        }
        Format::Xls => {
            let book = Xls::new(Cursor::new(bytes)).map_err(xls_error)?;
            range_cells(book, sheet)
        }
    }
}

fn read_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, WorkbookError> {
    let cannot = |e: std::io::Error| {
        WorkbookError::unreadable(
            format!("cannot read {}: {e}", path.display()),
            "paths are relative to the rule file; check the name",
        )
    };
    let size = std::fs::metadata(path).map_err(cannot)?.len();
    if size > limit {
        return Err(WorkbookError::unreadable(
            format!(
                "{} is {} MB; route reads {} up to {} MB",
                path.display(),
                size >> 20,
                if limit == MAX_XLS_BYTES {
                    ".xls workbooks"
                } else {
                    "workbooks"
                },
                limit >> 20
            ),
            "keep only the sheet the rules read, save it as .xlsx (read cell by cell), or as CSV",
        ));
    }
    std::fs::read(path).map_err(cannot)
}

/// The first bytes say what the file really is, whatever its name.
fn check_container(bytes: &[u8], format: Format) -> Result<(), WorkbookError> {
    let (expected, kind) = match format {
        Format::Xls => (OLE_MAGIC, "an Excel 97-2003 workbook"),
        Format::Xlsx => (ZIP_MAGIC, "an Excel workbook (a zip archive)"),
        Format::Ods => (ZIP_MAGIC, "an OpenDocument spreadsheet (a zip archive)"),
    };
    if bytes.starts_with(expected) {
        return Ok(());
    }
    if bytes.starts_with(OLE_MAGIC) && holds_encrypted_package(bytes) {
        return Err(encrypted());
    }
    let found = if bytes.is_empty() {
        "the file is empty"
    } else if bytes.starts_with(ZIP_MAGIC) {
        "it is an .xlsx or .ods workbook"
    } else if bytes.starts_with(OLE_MAGIC) {
        "it is an Excel 97-2003 (.xls) workbook"
    } else {
        "it looks like text or another kind of file"
    };
    Err(WorkbookError::unreadable(
        format!("the file is not {kind}: {found}"),
        "give the file the extension of what it is (.csv, .txt, .xlsx, .xls or .ods), \
         or save it again from the spreadsheet",
    ))
}

/// A password-protected .xlsx is an OLE file with an `EncryptedPackage` stream.
fn holds_encrypted_package(bytes: &[u8]) -> bool {
    let name: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    memchr::memmem::find(bytes, &name).is_some()
}

fn encrypted() -> WorkbookError {
    WorkbookError::unreadable(
        "the workbook is protected by a password",
        "save a copy without the password (File > Info > Protect Workbook in Excel), or save it as CSV",
    )
}

/// Unpacks every XML part once, counting bytes without keeping them, and
/// counts the shared strings, before calamine reads anything.
fn check_zip_parts(bytes: &[u8]) -> Result<(), WorkbookError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(damaged)?;
    let mut budget = MAX_UNPACKED_BYTES;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(damaged)?;
        let name = part.name().map_err(damaged)?.to_string();
        if !name.ends_with(".xml") {
            continue;
        }
        let unpacked = if name.ends_with("sharedStrings.xml") {
            shared_strings_size(&mut part, budget)?
        } else {
            std::io::copy(&mut (&mut part).take(budget + 1), &mut std::io::sink())
                .map_err(damaged)?
        };
        if unpacked > budget {
            return Err(WorkbookError::unreadable(
                format!(
                    "the workbook unpacks to more than {} MB of data",
                    MAX_UNPACKED_BYTES >> 20
                ),
                "keep only the sheet the rules read, or save it as CSV",
            ));
        }
        budget -= unpacked;
    }
    Ok(())
}

/// Reads the shared strings part (within the budget) and refuses too many strings.
fn shared_strings_size(part: &mut impl Read, budget: u64) -> Result<u64, WorkbookError> {
    let mut xml = Vec::new();
    part.take(budget + 1)
        .read_to_end(&mut xml)
        .map_err(damaged)?;
    let counted = memchr::memmem::find_iter(&xml, b"<si").count();
    let declared = declared_unique_count(&xml).unwrap_or(0);
    if counted.max(declared) > MAX_SHARED_STRINGS {
        return Err(WorkbookError::unreadable(
            format!(
                "the workbook holds {} different texts; route reads at most {MAX_SHARED_STRINGS}",
                counted.max(declared)
            ),
            "copy the table the rules read to a new workbook, or save it as CSV",
        ));
    }
    Ok(xml.len() as u64)
}

/// The `uniqueCount` the `<sst>` element declares.
fn declared_unique_count(xml: &[u8]) -> Option<usize> {
    let head = &xml[..xml.len().min(4096)];
    let at = memchr::memmem::find(head, b"uniqueCount=\"")? + "uniqueCount=\"".len();
    let digits: Vec<u8> = head[at..]
        .iter()
        .copied()
        .take_while(u8::is_ascii_digit)
        .collect();
    // A count too long for usize is certainly too many.
    Some(
        std::str::from_utf8(&digits)
            .ok()?
            .parse()
            .unwrap_or(usize::MAX),
    )
}

/// calamine lays out every sheet of an .ods whole when it opens it, and a
/// cell repeated by `number-columns-repeated` and `number-rows-repeated`
/// takes a few bytes of XML for millions of cells. So the used ranges are
/// measured first, from the tags alone, and refused past the limit.
fn check_ods_extent(bytes: &[u8]) -> Result<(), WorkbookError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(damaged)?;
    let content = zip.by_name("content.xml").map_err(damaged)?;
    let cells = ods_used_cells(std::io::BufReader::new(content)).map_err(damaged)?;
    if cells > super::MAX_RANGE_CELLS {
        return Err(WorkbookError::unreadable(
            format!(
                "the spreadsheet's used ranges hold {cells} cells; route reads at most {} \
                 (a cell repeated down or across a whole sheet counts for every place it fills)",
                super::MAX_RANGE_CELLS
            ),
            "delete the far-away or repeated cells (Ctrl+End shows where a sheet ends), \
             or save the sheet as CSV",
        ));
    }
    Ok(())
}

/// The used range of every table of an .ods `content.xml`, in cells: from
/// the first to the last row holding a value, times the columns up to the
/// last value. Empty repeated cells and rows (every saved sheet ends with
/// some) count only inside that box.
fn ods_used_cells(mut xml: impl std::io::BufRead) -> std::io::Result<u64> {
    let (mut total, mut table) = (0u64, OdsExtent::default());
    let mut tag = Vec::new();
    while next_tag(&mut xml, &mut tag)? {
        let repeated = |name: &[u8]| attribute_number(&tag, name).unwrap_or(1);
        if tag.starts_with(b"table:table ") || tag == b"table:table" {
            table = OdsExtent::default();
        } else if tag == b"/table:table" {
            total = total.saturating_add(table.cells());
        } else if tag.starts_with(b"table:table-row") {
            table.start_row(repeated(b"table:number-rows-repeated"));
            if tag.ends_with(b"/") {
                table.end_row();
            }
        } else if tag.starts_with(b"/table:table-row") {
            table.end_row();
        } else if tag.starts_with(b"table:table-cell")
            || tag.starts_with(b"table:covered-table-cell")
        {
            let valued = memchr::memmem::find(&tag, b"office:value-type=").is_some()
                || memchr::memmem::find(&tag, b"table:formula=").is_some();
            table.cell(repeated(b"table:number-columns-repeated"), valued);
        }
    }
    Ok(total)
}

/// Where the values of one table lie, as its rows go by.
#[derive(Default)]
struct OdsExtent {
    row: u64,
    row_repeats: u64,
    column: u64,
    row_last_value: Option<u64>,
    first_row: Option<u64>,
    last_row: u64,
    last_column: u64,
}

impl OdsExtent {
    fn start_row(&mut self, repeats: u64) {
        self.row_repeats = repeats.max(1);
        self.column = 0;
        self.row_last_value = None;
    }

    fn cell(&mut self, repeats: u64, valued: bool) {
        let end = self.column.saturating_add(repeats.max(1));
        if valued {
            self.row_last_value = Some(end - 1);
        }
        self.column = end;
    }

    fn end_row(&mut self) {
        let last = self.row.saturating_add(self.row_repeats - 1);
        if let Some(column) = self.row_last_value.take() {
            self.first_row.get_or_insert(self.row);
            self.last_row = last;
            self.last_column = self.last_column.max(column);
        }
        self.row = last.saturating_add(1);
        self.row_repeats = 1;
    }

    fn cells(&self) -> u64 {
        self.first_row.map_or(0, |first| {
            (self.last_row - first + 1).saturating_mul(self.last_column + 1)
        })
    }
}

/// The next tag's text between `<` and `>` (at most 64 KiB of it), text
/// between tags skipped without being kept. False at the end.
fn next_tag(xml: &mut impl std::io::BufRead, tag: &mut Vec<u8>) -> std::io::Result<bool> {
    const MAX_TAG: usize = 64 << 10;
    loop {
        let buf = xml.fill_buf()?;
        if buf.is_empty() {
            return Ok(false);
        }
        match memchr::memchr(b'<', buf) {
            Some(at) => {
                xml.consume(at + 1);
                break;
            }
            None => {
                let n = buf.len();
                xml.consume(n);
            }
        }
    }
    tag.clear();
    loop {
        let buf = xml.fill_buf()?;
        if buf.is_empty() {
            return Ok(true);
        }
        let (end, found) = memchr::memchr(b'>', buf).map_or((buf.len(), false), |at| (at, true));
        let room = MAX_TAG.saturating_sub(tag.len());
        tag.extend_from_slice(&buf[..end.min(room)]);
        xml.consume(if found { end + 1 } else { end });
        if found {
            return Ok(true);
        }
    }
}

/// The number in `name="123"` within a tag.
fn attribute_number(tag: &[u8], name: &[u8]) -> Option<u64> {
    let at = memchr::memmem::find(tag, name)? + name.len();
    let rest = tag.get(at..)?.strip_prefix(b"=\"")?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()
}

/// An .xlsx sheet is streamed cell by cell, so a stray far-away cell is
/// refused before any range is laid out.
fn xlsx_cells(bytes: Vec<u8>, sheet: Option<&str>) -> Result<(String, Grid), WorkbookError> {
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(damaged)?;
    let name = pick_sheet(book.sheet_names(), sheet)?;
    let mut cells = book.worksheet_cells_reader(&name).map_err(damaged)?;
    let mut grid = Grid::default();
    while let Some(cell) = cells.next_cell().map_err(damaged)? {
        grid.push(cell.get_position(), Data::from(cell.get_value().clone()))?;
    }
    Ok((name, grid))
}

/// .xls and .ods sheets come from calamine as whole ranges.
fn range_cells<R: Reader<Cursor<Vec<u8>>>>(
    mut book: R,
    sheet: Option<&str>,
) -> Result<(String, Grid), WorkbookError>
where
    R::Error: std::fmt::Display,
{
    let name = pick_sheet(book.sheet_names(), sheet)?;
    let range = book.worksheet_range(&name).map_err(damaged)?;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let mut grid = Grid::default();
    for (r, c, value) in range.used_cells() {
        grid.push((row0 + r as u32, col0 + c as u32), value.clone())?;
    }
    Ok((name, grid))
}

/// The named sheet, or the first one.
fn pick_sheet(sheets: Vec<String>, wanted: Option<&str>) -> Result<String, WorkbookError> {
    match wanted {
        None => sheets
            .into_iter()
            .next()
            .ok_or_else(|| WorkbookError::unreadable("the workbook has no sheets", RESAVE)),
        Some(w) => match sheets.iter().find(|s| s.as_str() == w) {
            Some(s) => Ok(s.clone()),
            None => Err(WorkbookError::UnknownSheet(sheets)),
        },
    }
}

fn xls_error(e: XlsError) -> WorkbookError {
    match e {
        XlsError::Password => encrypted(),
        other => damaged(other),
    }
}

fn damaged(e: impl std::fmt::Display) -> WorkbookError {
    WorkbookError::unreadable(
        format!("the workbook is damaged or truncated ({e})"),
        RESAVE,
    )
}
