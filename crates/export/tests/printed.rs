//! The Word draft as it prints: the DOCX export rendered to PDF by
//! LibreOffice and read back with poppler's `pdftotext` (`.ci/run` installs
//! both): a title block above the title, a page number at the foot of every
//! page, and the fingerprint set in fine print. Its first page is kept as a
//! picture beside the browser screenshots (target/browser-artifacts).

use std::path::{Path, PathBuf};
use std::process::Command;

use accord_core::fixture;
use accord_export::{Format, export};

fn run(program: &str, args: &[&str]) -> Vec<u8> {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} runs (.ci/run installs libreoffice-writer-nogui, poppler-utils): {e}"));
    assert!(output.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    output.stdout
}

/// Renders `docx` to PDF with LibreOffice in `dir`; the PDF's path.
fn printed(docx: &[u8], dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).expect("dir");
    let file = dir.join("draft.docx");
    std::fs::write(&file, docx).expect("write");
    let profile = format!("-env:UserInstallation=file://{}/profile", dir.display());
    let out = dir.to_str().expect("path");
    run("soffice", &[&profile, "--headless", "--convert-to", "pdf", "--outdir", out, file.to_str().expect("path")]);
    dir.join("draft.pdf")
}

/// The height of the first word exactly `word` on the PDF's pages, as pdftotext's boxes give it.
fn height_of(boxes: &str, word: &str) -> f64 {
    let line = boxes
        .lines()
        .find(|line| line.trim_end().ends_with(&format!(">{word}</word>")))
        .unwrap_or_else(|| panic!("no word {word:?} in the PDF"));
    let attribute = |name: &str| -> f64 {
        let start = line.find(&format!("{name}=\"")).expect("attribute") + name.len() + 2;
        line[start..].split('"').next().expect("value").parse().expect("a number")
    };
    attribute("yMax") - attribute("yMin")
}

#[test]
fn the_word_draft_prints_with_a_title_block_page_numbers_and_fine_print() {
    let negotiation = fixture::load("hlcp-cybersecurity").expect("fixture");
    let docx = export(&negotiation, Format::Docx, None).expect("export");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("printed-{}", std::process::id()));
    let pdf = printed(&docx, &dir);
    let pdf_path = pdf.to_str().expect("path");

    let text = String::from_utf8(run("pdftotext", &["-layout", pdf_path, "-"])).expect("utf-8");
    let pages: Vec<&str> = text.split('\u{c}').filter(|page| !page.trim().is_empty()).collect();
    assert!(pages.len() >= 3, "the fixture's draft runs over several pages: {}", pages.len());
    for (number, page) in pages.iter().enumerate() {
        let last = page.lines().map(str::trim).rfind(|line| !line.is_empty()).expect("a line");
        assert_eq!(last, format!("Page {}", number + 1), "the foot of page {}", number + 1);
    }
    let first: Vec<&str> = pages[0].lines().map(str::trim).filter(|l| !l.is_empty()).take(4).collect();
    assert_eq!(first[0], "Draft", "two of five sections are agreed: {first:?}");
    assert_eq!(
        first[2], "2026-11-05",
        "the day of the fixture's last wording or adoption: its adoption at minute 4,380, 5 Nov 10:00"
    );
    assert_eq!(first[1], format!("Ref.: {}", negotiation.id()), "{first:?}");
    assert!(first[3].starts_with("UN System Coordination Plan"), "the title follows the block: {first:?}");

    let boxes = String::from_utf8(run("pdftotext", &["-bbox", pdf_path, "-"])).expect("utf-8");
    let (fine, body) = (height_of(&boxes, "Fingerprint:"), height_of(&boxes, "Organizations"));
    assert!(fine < body * 0.8, "the fingerprint is fine print: {fine:.1} pt high against {body:.1} pt of body text");

    let artifacts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-artifacts");
    std::fs::create_dir_all(&artifacts).expect("artifacts");
    let picture = artifacts.join("docx-page-1");
    run(
        "pdftoppm",
        &["-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", pdf_path, picture.to_str().expect("path")],
    );
    assert!(std::fs::read(picture.with_extension("png")).expect("the page picture").starts_with(b"\x89PNG"));
    let _ = std::fs::remove_dir_all(dir);
}
