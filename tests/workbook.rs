//! Workbooks as data files: the shipped example, values Excel mangles, and
//! hostile files. Fixtures are built here with rust_xlsxwriter or the zip
//! crate; only the shipped example workbook is committed.
//!
//! Regenerate the shipped example after changing `emea_workbook`:
//! `ROUTE_WRITE_EXAMPLE_WORKBOOK=1 cargo test --test workbook shipped`.

use route::data::workbook::{read_sheet, WorkbookError};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook, Worksheet};
mod common;

use common::{route, s, temp, text, write};
use std::io::Write;
use std::path::{Path, PathBuf};

const EXAMPLE: &str = "rules/data/emea/emea.xlsx";

// ---------------------------------------------------------------------------
// The shipped example: rules/emea.route reads its accounts and reps from it.

const ACCOUNTS: &[(&str, &str, &str)] = &[
    ("Siemens AG", "katrin@acme.example", "Munich HQ"),
    ("Deutsche Telekom AG", "dach_sales", ""),
    ("SAP SE", "katrin@acme.example", "Walldorf"),
    ("Robert Bosch GmbH", "jonas@acme.example", ""),
    ("Allianz SE", "jonas@acme.example", ""),
    ("BASF SE", "dach_sales", ""),
    ("Roche Holding AG", "lukas@acme.example", "Basel"),
    ("UBS Group AG", "lukas@acme.example", "Zurich"),
    ("Nestlé S.A.", "romandie", "Vevey - French-speaking team"),
    ("Unilever PLC", "uki_enterprise", ""),
    ("HSBC Holdings plc", "harriet@acme.example", ""),
    ("Barclays PLC", "harriet@acme.example", ""),
    ("Vodafone Group Plc", "uki_enterprise", ""),
    ("AstraZeneca PLC", "james@acme.example", "Cambridge"),
    ("Tesco PLC", "uki_sales", ""),
    ("Diageo plc", "james@acme.example", ""),
    ("CRH plc", "siobhan@acme.example", "Dublin"),
    ("Société Générale S.A.", "france_sales", ""),
    ("BNP Paribas", "camille@acme.example", ""),
    ("TotalEnergies SE", "camille@acme.example", ""),
    ("L'Oréal, S.A.", "france_sales", "A comma in the name"),
    ("Airbus SE", "camille@acme.example", "Toulouse / Leiden"),
    ("Koninklijke Philips N.V.", "benelux_sales", ""),
    ("ING Groep N.V.", "sanne@acme.example", ""),
    ("Anheuser-Busch InBev", "sanne@acme.example", "Leuven"),
    ("Nokia Oyj", "nordics_sales", ""),
    ("Telefonaktiebolaget LM Ericsson", "erik@acme.example", ""),
    ("Equinor ASA", "erik@acme.example", ""),
    ("Novo Nordisk A/S", "nordics_sales", ""),
    ("Banco Santander, S.A.", "lucia@acme.example", ""),
    ("Telefónica, S.A.", "lucia@acme.example", ""),
    ("Enel S.p.A.", "southern_sales", ""),
    ("Eni S.p.A.", "marco@acme.example", ""),
    ("Emirates Group", "middle_east_sales", "Dubai"),
    ("Saudi Aramco", "omar.h@acme.example", ""),
    ("Qatar Airways", "middle_east_sales", ""),
    ("MTN Group Limited", "thabo@acme.example", "Johannesburg"),
    ("Safaricom PLC", "africa_partners", "Nairobi - partner led"),
    ("Naspers Limited", "thabo@acme.example", ""),
    (
        "Acme Rival Holdings Ltd",
        "",
        "Competitor - do not route as an account",
    ),
];

/// rep, team, weight, daily cap, away from, away to.
type RepRow = (
    &'static str,
    &'static str,
    f64,
    Option<f64>,
    Option<(u16, u8, u8)>,
    Option<(u16, u8, u8)>,
);

const REPS: &[RepRow] = &[
    ("katrin@acme.example", "dach", 2.0, None, None, None),
    (
        "jonas@acme.example",
        "dach",
        1.0,
        None,
        Some((2026, 12, 23)),
        Some((2027, 1, 2)),
    ),
    ("lukas@acme.example", "dach", 1.0, Some(25.0), None, None),
    (
        "harriet@acme.example",
        "uki_enterprise",
        2.0,
        None,
        None,
        None,
    ),
    (
        "james@acme.example",
        "uki_enterprise",
        1.0,
        Some(10.0),
        None,
        None,
    ),
    ("siobhan@acme.example", "uki", 1.0, None, None, None),
    ("tom@acme.example", "uki", 1.0, None, None, None),
    ("priya@acme.example", "uki", 1.0, Some(30.0), None, None),
    ("erik@acme.example", "nordics", 1.0, None, None, None),
    ("ingrid@acme.example", "nordics", 1.0, None, None, None),
    ("sanne@acme.example", "benelux", 1.0, None, None, None),
    (
        "pieter@acme.example",
        "benelux",
        1.0,
        Some(20.0),
        None,
        None,
    ),
    ("camille@acme.example", "france", 2.0, None, None, None),
    ("hugo@acme.example", "france", 1.0, None, None, None),
    (
        "lucia@acme.example",
        "southern_europe",
        1.0,
        None,
        None,
        None,
    ),
    (
        "marco@acme.example",
        "southern_europe",
        2.0,
        None,
        None,
        None,
    ),
    (
        "sofia@acme.example",
        "southern_europe",
        1.0,
        Some(15.0),
        None,
        None,
    ),
    ("omar.h@acme.example", "middle_east", 1.0, None, None, None),
    (
        "layla@acme.example",
        "middle_east",
        1.0,
        None,
        Some((2026, 12, 1)),
        Some((2026, 12, 10)),
    ),
    ("thabo@acme.example", "middle_east", 1.0, None, None, None),
];

/// The example workbook as an ops team keeps it: a notes sheet first, then
/// the accounts, then the reps with numbers and dates as Excel stores them.
fn emea_workbook() -> Workbook {
    let mut book = Workbook::new();
    let notes = book.add_worksheet().set_name("Read me").unwrap();
    notes
        .write_string(
            0,
            0,
            "Accounts and reps for rules/emea.route; edit the other sheets.",
        )
        .unwrap();
    let accounts = book.add_worksheet().set_name("Strategic accounts").unwrap();
    write_row(accounts, 0, &["company", "owner", "note"]);
    for (i, (company, owner, note)) in ACCOUNTS.iter().enumerate() {
        write_row(accounts, i as u32 + 1, &[company, owner, note]);
    }
    let reps = book.add_worksheet().set_name("Reps").unwrap();
    write_reps(reps);
    book
}

fn write_row(sheet: &mut Worksheet, row: u32, cells: &[&str]) {
    for (c, value) in cells.iter().enumerate() {
        if !value.is_empty() {
            sheet.write_string(row, c as u16, *value).unwrap();
        }
    }
}

fn write_reps(sheet: &mut Worksheet) {
    let date = Format::new().set_num_format("yyyy-mm-dd");
    write_row(
        sheet,
        0,
        &["rep", "team", "weight", "daily_cap", "away_from", "away_to"],
    );
    for (i, (rep, team, weight, cap, from, to)) in REPS.iter().enumerate() {
        let row = i as u32 + 1;
        write_row(sheet, row, &[rep, team]);
        sheet.write_number(row, 2, *weight).unwrap();
        if let Some(cap) = cap {
            sheet.write_number(row, 3, *cap).unwrap();
        }
        for (col, day) in [(4, from), (5, to)] {
            if let Some((y, m, d)) = day {
                let day = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
                sheet
                    .write_datetime_with_format(row, col, &day, &date)
                    .unwrap();
            }
        }
    }
}

/// A committed workbook holds what its generator writes today; with
/// `ROUTE_WRITE_EXAMPLE_WORKBOOK` set, the generator rewrites it first.
fn assert_generated(committed: &str, mut book: Workbook, sheets: &[&str]) {
    let dir = temp();
    let fresh = dir.path().join("fresh.xlsx");
    book.save(&fresh).unwrap();
    if std::env::var_os("ROUTE_WRITE_EXAMPLE_WORKBOOK").is_some() {
        std::fs::copy(&fresh, committed).unwrap();
    }
    for sheet in sheets {
        let shipped = read_sheet(Path::new(committed), Some(sheet)).unwrap();
        let generated = read_sheet(&fresh, Some(sheet)).unwrap();
        assert_eq!(shipped.text, generated.text, "{committed}, sheet {sheet}");
    }
}

#[test]
fn the_shipped_example_workbook_matches_its_generator() {
    let sheets = ["Read me", "Strategic accounts", "Reps"];
    assert_generated(EXAMPLE, emea_workbook(), &sheets);
}

#[test]
fn the_example_reps_sheet_reads_as_the_csv_it_replaced() {
    let reps = read_sheet(Path::new(EXAMPLE), Some("Reps")).unwrap();
    let lines: Vec<&str> = reps.text.lines().collect();
    assert_eq!(lines[0], "rep,team,weight,daily_cap,away_from,away_to");
    assert_eq!(lines[2], "jonas@acme.example,dach,1,,2026-12-23,2027-01-02");
    assert_eq!(lines[3], "lukas@acme.example,dach,1,25,,");
}

#[test]
fn route_check_and_run_read_the_example_workbook() {
    let out = route(&["check", "rules/emea.route"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let dir = temp();
    let routed = dir.path().join("routed.csv");
    let out = route(&[
        "run",
        "rules/emea.route",
        "rules/emea_leads.csv",
        "--now",
        "2026-12-05",
        "-o",
        s(&routed),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let output = std::fs::read_to_string(&routed).unwrap();
    // Accounts come from the "Strategic accounts" sheet, owners from "Reps";
    // layla is away from 1 to 10 December (date cells in the sheet).
    assert!(
        output.contains(",strategic_accounts,katrin@acme.example,Strategic accounts"),
        "{output}"
    );
    assert!(
        !output.contains("layla@acme.example"),
        "layla is away on 2026-12-05"
    );
    assert!(
        text(&out.stderr).contains("Strategic accounts"),
        "{}",
        text(&out.stderr)
    );
}

// ---------------------------------------------------------------------------
// The UI fixture (tests/ui/workbook_cells.route): ZIPs stored as numbers, an
// overlap at row 4 and a queue name with a typo at C5.

const UI_FIXTURE: &str = "tests/ui/data/territories.xlsx";

fn territories_workbook() -> Workbook {
    let mut book = Workbook::new();
    book.add_worksheet().set_name("Notes").unwrap();
    let sheet = book.add_worksheet().set_name("California").unwrap();
    write_row(sheet, 0, &["zip_from", "zip_to", "queue"]);
    let rows = [
        (90001.0, 90999.0, "socal"),
        (91000.0, 93599.0, "socal"),
        (93500.0, 94999.0, "norcal"),
        (95000.0, 96199.0, "nocal"),
    ];
    for (i, (from, to, queue)) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_number(row, 0, *from).unwrap();
        sheet.write_number(row, 1, *to).unwrap();
        sheet.write_string(row, 2, *queue).unwrap();
    }
    book
}

#[test]
fn the_ui_fixture_workbook_matches_its_generator() {
    assert_generated(UI_FIXTURE, territories_workbook(), &["California"]);
}

// ---------------------------------------------------------------------------
// Values Excel mangles read as the CSV path would see them.

/// A workbook with one sheet, saved into `dir`.
fn save(dir: &Path, name: &str, fill: impl FnOnce(&mut Worksheet)) -> PathBuf {
    let mut book = Workbook::new();
    fill(book.add_worksheet());
    let path = dir.join(name);
    book.save(&path).unwrap();
    path
}

#[test]
fn mangled_cells_read_as_the_text_a_csv_export_would_hold() {
    let dir = temp();
    let path = save(dir.path(), "mangled.xlsx", |sheet| {
        write_row(
            sheet,
            0,
            &["zip", "employees", "day", "flag", "formula", "empty"],
        );
        sheet.write_number(1, 0, 2134.0).unwrap();
        sheet.write_number(1, 1, 1200.0).unwrap();
        let day = ExcelDateTime::from_ymd(2026, 12, 1).unwrap();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        sheet.write_datetime_with_format(1, 2, &day, &date).unwrap();
        sheet.write_boolean(1, 3, true).unwrap();
        sheet
            .write_formula(1, 4, Formula::new("=A2*2").set_result("4268"))
            .unwrap();
    });
    let sheet = read_sheet(&path, None).unwrap();
    assert_eq!(
        sheet.text,
        "zip,employees,day,flag,formula,empty\n2134,1200,2026-12-01,true,4268,\n"
    );
}

#[test]
fn a_zip_stored_as_a_number_is_found_in_a_range_table() {
    let dir = temp();
    save(dir.path(), "t.xlsx", |sheet| {
        write_row(sheet, 0, &["zip_from", "zip_to", "queue"]);
        sheet.write_number(1, 0, 2100.0).unwrap();
        sheet.write_number(1, 1, 2199.0).unwrap();
        sheet.write_string(1, 2, "boston").unwrap();
    });
    let rules = write(
        dir.path(),
        "r.route",
        b"field zip zip \"Zip\"\ntable t \"t.xlsx\" range zip_from zip_to\nqueue boston\nqueue rest\n\
          rule \"Boston\" when zip in t to t[zip].queue\ndefault to rest\n",
    );
    let leads = write(dir.path(), "leads.csv", b"Zip\n02134\n2150\n90210\n");
    let out = route(&["run", s(&rules), s(&leads)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "Zip,route_queue,route_owner,route_rule\n02134,boston,,Boston\n2150,boston,,Boston\n90210,rest,,default\n"
    );
}

#[test]
fn an_error_cell_is_reported_at_its_cell() {
    let dir = temp();
    save(dir.path(), "t.xlsx", |sheet| {
        write_row(sheet, 0, &["domain", "owner"]);
        write_row(sheet, 1, &["ibm.com", "a@x.com"]);
        sheet.write_string(2, 0, "sap.com").unwrap();
        sheet
            .write_formula(
                2,
                1,
                Formula::new("=VLOOKUP(A3,X:Y,2,0)").set_result("#N/A"),
            )
            .unwrap();
    });
    let rules = write(
        dir.path(),
        "r.route",
        b"field email email\ntable t \"t.xlsx\" key domain\nqueue rest\n\
          rule \"A\" when email.domain in t to t[email.domain].owner\ndefault to rest\n",
    );
    let out = route(&["check", s(&rules)]);
    let shown = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains("error[data-error]: this cell holds the spreadsheet error `#N/A`"),
        "{shown}"
    );
    assert!(shown.contains("t.xlsx!Sheet1:B3"), "{shown}");
}

#[test]
fn a_list_and_a_reps_file_can_be_sheets_too() {
    let dir = temp();
    let book = dir.path().join("data.ods.xlsx");
    let mut wb = Workbook::new();
    let list = wb.add_worksheet().set_name("Federal").unwrap();
    write_row(list, 0, &["domain"]);
    write_row(list, 1, &["lmco.com"]);
    write_row(list, 2, &["# retired"]);
    write_row(list, 3, &["boeing.com"]);
    let reps = wb.add_worksheet().set_name("Reps").unwrap();
    write_row(reps, 0, &["rep", "team", "weight"]);
    write_row(reps, 1, &["pat@acme.example", "gov"]);
    reps.write_number(1, 2, 2.0).unwrap();
    wb.save(&book).unwrap();
    let rules = write(
        dir.path(),
        "r.route",
        b"field email email\nlist fed \"data.ods.xlsx\" sheet \"Federal\"\n\
          reps \"data.ods.xlsx\" sheet \"Reps\"\nqueue gov round_robin team \"gov\"\nqueue rest\n\
          rule \"Fed\" when email.domain in fed to gov\ndefault to rest\n",
    );
    let leads = write(
        dir.path(),
        "leads.csv",
        b"email\na@us.boeing.com\nb@x.com\n",
    );
    let out = route(&["run", s(&rules), s(&leads)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(
        text(&out.stdout),
        "email,route_queue,route_owner,route_rule\na@us.boeing.com,gov,pat@acme.example,Fed\nb@x.com,rest,,default\n"
    );
}

// ---------------------------------------------------------------------------
// Hostile workbooks: a clear error, bounded memory, never an abort.

/// `route check` on a table read from `book`: the exit code and what it printed.
fn check_table(dir: &Path, book: &str) -> (Option<i32>, String) {
    let rules = format!(
        "field email email\ntable t \"{book}\" key domain\nqueue rest\n\
         rule \"A\" when email.domain in t to rest\ndefault to rest\n"
    );
    let rules = write(dir, "r.route", rules.as_bytes());
    let out = route(&["check", s(&rules)]);
    (out.status.code(), text(&out.stdout) + &text(&out.stderr))
}

#[test]
fn a_stray_cell_at_xfd1048576_is_refused_without_laying_out_the_range() {
    let dir = temp();
    save(dir.path(), "far.xlsx", |sheet| {
        write_row(sheet, 0, &["domain"]);
        write_row(sheet, 1, &["ibm.com"]);
        sheet.write_string(1_048_575, 16_383, "oops").unwrap();
    });
    let (code, shown) = check_table(dir.path(), "far.xlsx");
    assert_eq!(code, Some(1), "{shown}");
    assert!(
        shown.contains("used range A1:XFD1048576 is too large"),
        "{shown}"
    );
    assert!(shown.contains("Ctrl+End"), "{shown}");
}

/// A minimal .xlsx built part by part, so a test can make any part hostile.
fn raw_xlsx(shared_strings: &[u8]) -> Vec<u8> {
    let parts: [(&str, &[u8]); 6] = [
        ("[Content_Types].xml", br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#),
        ("_rels/.rels", br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
        ("xl/workbook.xml", br#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
        ("xl/_rels/workbook.xml.rels", br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#),
        ("xl/worksheets/sheet1.xml", br#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>"#),
        ("xl/sharedStrings.xml", shared_strings),
    ];
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in parts {
        zip.start_file(name, options).unwrap();
        zip.write_all(content).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

#[test]
fn the_raw_xlsx_helper_makes_a_readable_workbook() {
    let dir = temp();
    let sst = br#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>domain</t></si></sst>"#;
    let path = write(dir.path(), "ok.xlsx", &raw_xlsx(sst));
    assert_eq!(read_sheet(&path, None).unwrap().text, "domain\n");
}

#[test]
fn a_declared_count_of_billions_of_shared_strings_is_refused() {
    // calamine reserves room for the declared count: this would abort.
    let dir = temp();
    let sst = br#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="4000000000000"><si><t>domain</t></si></sst>"#;
    write(dir.path(), "many.xlsx", &raw_xlsx(sst));
    let (code, shown) = check_table(dir.path(), "many.xlsx");
    assert_eq!(code, Some(1), "{shown}");
    assert!(shown.contains("4000000000000 different texts"), "{shown}");
}

#[test]
fn millions_of_shared_strings_are_refused() {
    let dir = temp();
    let mut sst =
        br#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#.to_vec();
    for _ in 0..1_200_000 {
        sst.extend_from_slice(b"<si><t>x</t></si>");
    }
    sst.extend_from_slice(b"</sst>");
    write(dir.path(), "many.xlsx", &raw_xlsx(&sst));
    let (code, shown) = check_table(dir.path(), "many.xlsx");
    assert_eq!(code, Some(1), "{shown}");
    assert!(
        shown.contains("1200000 different texts; route reads at most 1000000"),
        "{shown}"
    );
}

#[test]
fn files_that_are_not_workbooks_say_what_they_are() {
    let dir = temp();
    write(dir.path(), "csv.xlsx", b"domain\nibm.com\n");
    let (code, shown) = check_table(dir.path(), "csv.xlsx");
    assert_eq!(code, Some(1), "{shown}");
    assert!(
        shown.contains("is not an Excel workbook (a zip archive): it looks like text"),
        "{shown}"
    );

    write(dir.path(), "empty.ods", b"");
    let (_, shown) = check_table(dir.path(), "empty.ods");
    assert!(shown.contains("the file is empty"), "{shown}");

    let sst = br#"<sst uniqueCount="1"><si><t>domain</t></si></sst>"#;
    write(dir.path(), "xlsx.xls", &raw_xlsx(sst));
    let (_, shown) = check_table(dir.path(), "xlsx.xls");
    assert!(shown.contains("it is an .xlsx or .ods workbook"), "{shown}");
}

#[test]
fn a_truncated_workbook_is_damaged_not_a_crash() {
    let dir = temp();
    let sst = br#"<sst uniqueCount="1"><si><t>domain</t></si></sst>"#;
    let whole = raw_xlsx(sst);
    for keep in [10, whole.len() / 2, whole.len() - 10] {
        write(dir.path(), "cut.xlsx", &whole[..keep]);
        let (code, shown) = check_table(dir.path(), "cut.xlsx");
        assert_eq!(code, Some(1), "{keep}: {shown}");
        assert!(shown.contains("damaged or truncated"), "{keep}: {shown}");
        assert!(shown.contains("error[data-error]"), "{shown}");
    }
}

#[test]
fn a_password_protected_workbook_asks_for_a_copy_without_the_password() {
    // What Excel writes: an OLE container holding an `EncryptedPackage` stream.
    let dir = temp();
    let mut bytes = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    bytes.resize(1024, 0);
    bytes.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
    bytes.resize(4096, 0);
    write(dir.path(), "secret.xlsx", &bytes);
    let (code, shown) = check_table(dir.path(), "secret.xlsx");
    assert_eq!(code, Some(1), "{shown}");
    assert!(shown.contains("protected by a password"), "{shown}");
}

#[test]
fn an_unknown_sheet_lists_the_sheets_there_are() {
    let e = read_sheet(Path::new(EXAMPLE), Some("reps")).unwrap_err();
    assert_eq!(
        e,
        WorkbookError::UnknownSheet(vec![
            "Read me".into(),
            "Strategic accounts".into(),
            "Reps".into()
        ])
    );
}

/// A minimal .ods whose only sheet is `rows` (the XML of its table rows).
fn raw_ods(rows: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Sheet1">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let parts: [(&str, &[u8]); 3] = [
        ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
        ("META-INF/manifest.xml", br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#),
        ("content.xml", content.as_bytes()),
    ];
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    for (name, data) in parts {
        let method = if name == "mimetype" {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        zip.start_file(name, options).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

fn ods_text_row(cells: &[&str]) -> String {
    let cells: String = cells
        .iter()
        .map(|c| format!(r#"<table:table-cell office:value-type="string"><text:p>{c}</text:p></table:table-cell>"#))
        .collect();
    format!("<table:table-row>{cells}</table:table-row>")
}

/// As LibreOffice saves a sheet: its values, then empty rows and columns
/// repeated to the sheet's end, which count for nothing.
#[test]
fn an_ods_sheet_with_the_empty_repeats_a_saved_sheet_ends_with_reads() {
    let dir = temp();
    let rows = ods_text_row(&["domain", "queue"])
        + &ods_text_row(&["ibm.com", "rest"])
        + r#"<table:table-row table:number-rows-repeated="1048574"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>"#;
    let path = write(dir.path(), "book.ods", &raw_ods(&rows));
    assert_eq!(
        read_sheet(&path, None).unwrap().text,
        "domain,queue\nibm.com,rest\n"
    );
}

/// One value repeated across 16,384 columns and down a million rows is a
/// few hundred bytes of XML and 16 billion cells once laid out: refused
/// from the tags, before calamine opens the file.
#[test]
fn an_ods_value_repeated_over_a_whole_sheet_is_refused_before_it_is_laid_out() {
    let dir = temp();
    let rows = ods_text_row(&["domain"])
        + r#"<table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="float" office:value="1" table:number-columns-repeated="16384"/></table:table-row>"#;
    write(dir.path(), "bomb.ods", &raw_ods(&rows));
    let (code, shown) = check_table(dir.path(), "bomb.ods");
    assert_eq!(code, Some(1), "{shown}");
    assert!(
        shown.contains("used ranges hold 16384016384 cells"),
        "{shown}"
    );
}

/// An .xls is laid out whole by calamine, so its size is capped lower.
#[test]
fn an_xls_over_twenty_megabytes_is_refused_before_it_is_read() {
    let dir = temp();
    let mut big = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    big.resize(21 << 20, 0);
    write(dir.path(), "big.xls", &big);
    let (code, shown) = check_table(dir.path(), "big.xls");
    assert_eq!(code, Some(1), "{shown}");
    assert!(
        shown.contains("is 21 MB; route reads .xls workbooks up to 20 MB"),
        "{shown}"
    );
}
