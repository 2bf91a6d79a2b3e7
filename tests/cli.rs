//! End-to-end tests of the `accord` binary on the HLCP fixture: a whole
//! negotiation of topic 4 from the command line, and wrong input that must
//! fail with a clear message and change nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// A fresh store directory for one test.
struct Store(PathBuf);

impl Store {
    fn new(name: &str) -> Store {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create test dir");
        Store(dir)
    }

    fn with_fixture(name: &str) -> Store {
        let store = Store::new(name);
        store.ok(&["init", "--fixture", "hlcp-cybersecurity"]);
        store
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_at("2026-11-08T10:00:00Z", args)
    }

    /// Runs a command with the clock at `now` (RFC 3339).
    fn run_at(&self, now: &str, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_accord"))
            .arg("--store")
            .arg(self.0.join("data"))
            .args(args)
            .env("ACCORD_NOW", now)
            .env_remove("ACCORD_STORE")
            .env_remove("ACCORD_NEGOTIATION")
            .output()
            .expect("run accord")
    }

    /// Runs a command that must succeed; returns its standard output.
    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "accord {args:?} failed: {stderr}");
        String::from_utf8(output.stdout).expect("utf-8 output")
    }

    /// Runs a command that must succeed with the clock at `now`; returns its standard output.
    fn ok_at(&self, now: &str, args: &[&str]) -> String {
        let output = self.run_at(now, args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "accord {args:?} at {now} failed: {stderr}");
        String::from_utf8(output.stdout).expect("utf-8 output")
    }

    /// The status as JSON with the clock at `now`.
    fn status_at(&self, now: &str) -> Value {
        serde_json::from_str(&self.ok_at(now, &["status", "--json"])).expect("status --json is JSON")
    }

    /// Runs a command that must fail; returns its error message.
    fn fails(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(!output.status.success(), "accord {args:?} should have failed");
        String::from_utf8(output.stderr).expect("utf-8 error")
    }

    fn status(&self) -> Value {
        serde_json::from_str(&self.ok(&["status", "--json"])).expect("status --json is JSON")
    }

    fn text_file(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("write text file");
        path.to_string_lossy().into_owned()
    }

    /// Every file of the store with its bytes, to prove nothing changed.
    fn snapshot(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files = Vec::new();
        let mut pending = vec![self.0.join("data")];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(dir).expect("read dir") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    pending.push(path);
                } else {
                    let bytes = std::fs::read(&path).expect("read file");
                    files.push((path, bytes));
                }
            }
        }
        files.sort();
        files
    }
}

fn section(status: &Value, number: u64) -> &Value {
    status["sections"].as_array().expect("sections").iter().find(|s| s["number"] == number).expect("section")
}

fn proposal_id(status: &Value, number: u64, label: &str) -> String {
    let proposals = section(status, number)["proposals"].as_array().expect("proposals");
    let proposal = proposals.iter().find(|p| p["label"] == label).expect("proposal with label");
    proposal["id"].as_str().expect("id").to_string()
}

#[test]
fn a_whole_negotiation_of_topic_four_from_the_command_line() {
    let store = Store::with_fixture("whole");
    let status = store.status();
    assert_eq!(section(&status, 4)["status"], "blocked");
    assert!(section(&status, 4)["agreed_text"].is_null());

    let draft = store.text_file(
        "alt4.txt",
        "The organizations of the UN system will support discussions on cooperation in cybersecurity, \
         without prejudging the deliberations of Member States.",
    );
    let id = store.ok(&[
        "propose",
        "--section",
        "4",
        "--as",
        "ITU",
        "--label",
        "Alt 4",
        "--text-file",
        &draft,
        "--rationale",
        "bridges Alt 1 and Alt 2",
        "--cosponsor",
        "UNESCO",
    ]);
    let id = id.trim();
    assert_eq!(proposal_id(&store.status(), 4, "Alt 4"), id);

    let revised = store.text_file(
        "alt4b.txt",
        "The organizations of the UN system will support discussions on cooperation in cybersecurity, \
         involving all stakeholders and without prejudging the deliberations of Member States.",
    );
    store.ok(&["stance", "--proposal", id, "--as", "DESA", "support"]);
    store.ok(&["cosponsor", "--proposal", id, "--as", "UNESCO"]);
    store.ok(&["edit", "--proposal", id, "--as", "UNESCO", "--text-file", &revised]);
    let status = store.status();
    let alt4 = &section(&status, 4)["proposals"]
        .as_array()
        .expect("proposals")
        .iter()
        .find(|p| p["id"] == id)
        .expect("alt 4")
        .clone();
    assert_eq!(alt4["stances"]["DESA"]["stale"], true, "DESA's support predates UNESCO's edit");
    assert!(alt4["text"].as_str().expect("text").contains("involving all stakeholders"));

    for member in ["HLCP", "DESA", "WBG", "UNODC", "UNDP", "UNCTAD", "HLCM", "OHCHR"] {
        store.ok(&["stance", "--proposal", id, "--as", member, "support"]);
    }
    store.ok(&[
        "stance",
        "--proposal",
        id,
        "--as",
        "UNSEC",
        "object",
        "--reason",
        "the stakeholder clause goes too far",
    ]);
    let status = store.status();
    let outstanding = section(&status, 4)["outstanding"].as_array().expect("outstanding");
    assert!(outstanding.iter().any(|o| o["participant"] == "UNSEC"
        && o["proposal"] == id
        && o["reason"] == "the stakeholder clause goes too far"));

    let refused = store.fails(&["adopt", "--section", "4", "--proposal", id, "--as", "HLCP"]);
    assert!(refused.contains("UNSEC objects: the stakeholder clause goes too far"), "{refused}");

    store.ok(&["stance", "--proposal", id, "--as", "UNSEC", "can-live-with"]);
    store.ok(&["adopt", "--section", "4", "--proposal", id, "--as", "HLCP"]);
    let status = store.status();
    assert_eq!(section(&status, 4)["status"], "agreed");
    assert_eq!(section(&status, 4)["agreed_text"], alt4["text"]);

    let export_path = store.0.join("draft.md");
    store.ok(&["export", "--format", "md", "-o", export_path.to_str().expect("path")]);
    let markdown = std::fs::read_to_string(&export_path).expect("export written");
    let topic4 = markdown.split("## 4.").nth(1).expect("topic 4 in export").split("## 5.").next().expect("text");
    assert!(topic4.contains("involving all stakeholders"), "{topic4}");
    assert!(topic4.contains("Adopted by HLCP"), "{topic4}");
    assert!(!topic4.contains("[Alt"), "an agreed section has no brackets: {topic4}");
    assert!(markdown.contains("\\[**Alt 1 (HLCM):**"), "topic 5 stays unresolved, so its wording is bracketed");

    let history = store.ok(&["history", "--section", "4"]);
    assert!(history.contains("HLCP") && history.contains("adopted Alt 4"), "{history}");
}

#[test]
fn redline_marks_deletions_and_insertions_in_plain_text() {
    let store = Store::with_fixture("redline");
    let status = store.status();
    let alt1 = proposal_id(&status, 4, "Alt 1");
    let output = store.ok(&["redline", "--section", "4", "--to", &alt1]);
    assert!(output.contains("{+") && output.contains("+}"), "{output}");
    assert!(output.contains("[-") && output.contains("-]"), "{output}");
    assert!(!output.contains('\x1b'), "no colour codes when not on a terminal");
    let coloured = store.ok(&["redline", "--section", "4", "--to", &alt1, "--color", "always"]);
    assert!(coloured.contains('\x1b'));
}

#[test]
fn compromise_brackets_the_competing_topic_four_wordings() {
    let store = Store::with_fixture("compromise");
    let output = store.ok(&["compromise", "--section", "4"]);
    assert!(output.contains("[Alt 1 (UNSEC):"), "{output}");
    assert!(output.contains("Alt 2 (DESA, UNCTAD):"), "{output}");
}

#[test]
fn wrong_input_fails_clearly_and_changes_nothing() {
    let store = Store::with_fixture("wrong");
    let status = store.status();
    let alt1 = proposal_id(&status, 4, "Alt 1");
    let text = store.text_file("t.txt", "Some wording.");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["stance", "--proposal", &alt1, "--as", "XYZ", "support"], "unknown participant XYZ"),
        (vec!["stance", "--proposal", &alt1, "--as", "itu", "support"], "invalid participant code"),
        (vec!["edit", "--proposal", &alt1, "--as", "DESA", "--text-file", &text], "DESA is not a sponsor of Alt 1"),
        (vec!["stance", "--proposal", &alt1, "--as", "UNU", "support"], "UNU is an observer"),
        (vec!["stance", "--proposal", &alt1, "--as", "DESA", "object"], "an objection needs a reason"),
        (vec!["propose", "--section", "9", "--as", "ITU", "--label", "X", "--text-file", &text], "unknown section 9"),
        (vec!["stance", "--proposal", "zzzzzz", "--as", "ITU", "support"], "unknown proposal"),
        (vec!["adopt", "--section", "4", "--proposal", &alt1, "--as", "DESA"], "only the chair or a convenor"),
        (
            vec!["propose", "--section", "4", "--as", "ITU", "--label", "Alt 1", "--text-file", &text],
            "already has a proposal labelled",
        ),
        (
            vec!["propose", "--section", "4", "--as", "ITU", "--label", "Alt 9", "--text-file", "/nonexistent"],
            "cannot read the text file",
        ),
        (vec!["export", "--format", "pdf"], "unknown export format"),
        (vec!["status", "--at", "yesterday"], "invalid time"),
        (vec!["deadline", "2026-12-12T17:00:00Z", "--as", "DESA"], "only the chair or a convenor"),
        (vec!["deadline", "next friday", "--as", "HLCP"], "invalid time"),
    ];
    let before = store.snapshot();
    for (args, expected) in cases {
        let message = store.fails(&args);
        assert!(message.contains(expected), "accord {args:?} said {message:?}, expected {expected:?}");
    }
    assert!(store.snapshot() == before, "a refused command changed the store");
}

#[test]
fn invalid_utf8_text_is_refused() {
    let store = Store::with_fixture("utf8");
    let path = store.0.join("bad.txt");
    std::fs::write(&path, [b'o', b'k', 0xff, 0xfe]).expect("write");
    let message = store.fails(&[
        "propose",
        "--section",
        "4",
        "--as",
        "ITU",
        "--label",
        "Alt 9",
        "--text-file",
        path.to_str().expect("path"),
    ]);
    assert!(message.contains("not valid UTF-8"), "{message}");
}

#[test]
fn convergence_shows_topic_four_over_time() {
    let store = Store::with_fixture("convergence");
    let points: Value = serde_json::from_str(&store.ok(&["convergence", "--section", "4", "--json"])).expect("json");
    let points = points.as_array().expect("points");
    assert!(points.len() > 5);
    assert_eq!(points.last().expect("a point")["status"], "blocked");
    assert!(points.iter().any(|p| p["text_gap"].is_number()));
    let table = store.ok(&["convergence", "--section", "4"]);
    assert!(table.contains("text gap") && table.contains("blocked"), "{table}");
}

#[test]
fn an_empty_store_says_how_to_start() {
    let store = Store::new("empty");
    let message = store.fails(&["status"]);
    assert!(message.contains("accord init --fixture hlcp-cybersecurity"), "{message}");
}

#[test]
fn status_at_an_earlier_time_shows_the_earlier_negotiation() {
    let store = Store::with_fixture("at");
    let early: Value =
        serde_json::from_str(&store.ok(&["status", "--json", "--at", "2026-11-02T09:30:00Z"])).expect("json");
    assert!(section(&early, 2)["agreed_text"].is_null(), "topic 2 was adopted on day 4");
    assert!(!section(&store.status(), 2)["agreed_text"].is_null());
}

#[test]
fn status_before_the_negotiation_opened_says_to_choose_a_later_time() {
    let store = Store::with_fixture("before");
    let message = store.fails(&["status", "--at", "2020-01-01T00:00:00Z"]);
    assert!(message.contains("not opened yet"), "{message}");
}

#[test]
fn export_for_approval_refuses_while_sections_are_unresolved() {
    let store = Store::with_fixture("approval");
    let message = store.fails(&["export", "--for-approval"]);
    assert!(message.contains("3 section(s) are not agreed"), "{message}");
    assert!(message.contains("§4") && message.contains("UNSEC objects"), "{message}");
    assert!(message.contains("§1") && message.contains("can be adopted now"), "{message}");
}

#[test]
fn verify_confirms_an_export_and_catches_a_tampered_copy() {
    let store = Store::with_fixture("verify");
    let path = store.0.join("draft.md");
    let path_text = path.to_str().expect("path").to_string();
    store.ok(&["export", "-o", &path_text]);
    let confirmed = store.ok(&["verify", &path_text]);
    assert!(confirmed.contains("matches") && confirmed.contains("sha256:"), "{confirmed}");

    // A later change to the negotiation does not affect the check of the earlier export.
    let alt3 = proposal_id(&store.status(), 4, "Alt 3");
    store.ok(&["stance", "--proposal", &alt3, "--as", "HLCP", "support"]);
    assert!(store.ok(&["verify", &path_text]).contains("matches"));

    let original = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, original.replacen("Topic 2", "Topic Two", 1)).expect("tamper");
    let refused = store.fails(&["verify", &path_text]);
    assert!(refused.contains("does NOT match"), "{refused}");

    std::fs::write(&path, "# Some other file\n").expect("write");
    assert!(store.fails(&["verify", &path_text]).contains("names no version"));

    let html = store.0.join("draft.html");
    let html_text = html.to_str().expect("path").to_string();
    store.ok(&["export", "--format", "html", "-o", &html_text]);
    assert!(std::fs::read_to_string(&html).expect("read").starts_with("<!doctype html"));
    assert!(store.ok(&["verify", &html_text]).contains("matches"));
}

#[test]
fn docx_and_akoma_ntoso_exports_verify_and_a_docx_against_an_earlier_export_tracks_what_changed() {
    let store = Store::with_fixture("verify-docx");
    let path = |name: &str| store.0.join(name).to_str().expect("path").to_string();
    let (circulated, draft, since, akn) =
        (path("circulated.md"), path("draft.docx"), path("since.docx"), path("d.xml"));
    store.ok(&["export", "-o", &circulated]);

    // After the circulated text, the chair adopts topic 1.
    let alt1 = proposal_id(&store.status(), 1, "Alt 1");
    store.ok(&["adopt", "--section", "1", "--proposal", &alt1, "--as", "HLCP"]);

    store.ok(&["export", "--format", "docx", "-o", &draft]);
    assert!(store.ok(&["verify", &draft]).contains("matches"));
    store.ok(&["export", "--format", "docx", "--against", &circulated, "-o", &since]);
    assert!(store.ok(&["verify", &since]).contains("matches"), "verify rebuilds against the same earlier version");
    store.ok(&["export", "--format", "akn", "-o", &akn]);
    assert!(store.ok(&["verify", &akn]).contains("matches"));

    let mut bytes = std::fs::read(&draft).expect("read");
    let at = bytes.windows(5).position(|w| w == b"Topic").expect("a title in the stored zip");
    bytes[at] = b't';
    std::fs::write(&draft, bytes).expect("tamper");
    assert!(store.fails(&["verify", &draft]).contains("does NOT match"));

    let refused = store.fails(&["export", "--format", "md", "--against", &circulated]);
    assert!(refused.contains("--format docx"), "{refused}");
    let refused = store.fails(&["export", "--format", "docx", "--against", "yesterday-ish", "-o", &since]);
    assert!(refused.contains("neither a file, nor a version, nor a time"), "{refused}");
}

/// A DOCX with `word/document.xml` rewritten by `change`, zipped again with `method`.
fn rezipped(docx: &[u8], method: zip::CompressionMethod, change: impl Fn(&str) -> String) -> Vec<u8> {
    use std::io::{Cursor, Read, Write};
    let mut archive = zip::ZipArchive::new(Cursor::new(docx)).expect("a zip");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).expect("entry");
        let name = entry.name().to_string();
        let mut contents = Vec::new();
        entry.read_to_end(&mut contents).expect("read");
        if name == "word/document.xml" {
            contents = change(&String::from_utf8(contents).expect("utf-8")).into_bytes();
        }
        out.start_file(name, options).expect("start");
        out.write_all(&contents).expect("write");
    }
    out.finish().expect("finish").into_inner()
}

impl Store {
    /// Runs `accord verify FILE`: its exit status, standard output and error.
    fn verify(&self, file: &Path) -> (Option<i32>, String, String) {
        let output = self.run(&["verify", file.to_str().expect("path")]);
        let text = |bytes: Vec<u8>| String::from_utf8(bytes).expect("utf-8");
        (output.status.code(), text(output.stdout), text(output.stderr))
    }
}

#[test]
fn verify_tells_a_re_saved_file_from_a_changed_text() {
    let store = Store::with_fixture("resaved");
    let (md, docx) = (store.0.join("draft.md"), store.0.join("draft.docx"));
    store.ok(&["export", "-o", md.to_str().expect("path")]);
    store.ok(&["export", "--format", "docx", "-o", docx.to_str().expect("path")]);
    assert_eq!(store.verify(&md).0, Some(0));
    let exported_md = std::fs::read_to_string(&md).expect("read");
    let exported_docx = std::fs::read(&docx).expect("read");

    // Saved again: Windows line ends; the same parts zipped again with compression.
    std::fs::write(&md, exported_md.replace('\n', "\r\n")).expect("write");
    let (code, said, _) = store.verify(&md);
    assert_eq!(code, Some(3), "{said}");
    assert!(said.contains("the text is identical to the agreed version") && said.contains("re-saved"), "{said}");
    std::fs::write(&docx, rezipped(&exported_docx, zip::CompressionMethod::Deflated, str::to_string)).expect("write");
    let (code, said, _) = store.verify(&docx);
    assert_eq!(code, Some(3), "{said}");
    assert!(said.contains("re-saved"), "{said}");

    // One word changed in topic 4: named, with its redline.
    std::fs::write(&md, exported_md.replace("annually", "biennially")).expect("write");
    let (code, _, said) = store.verify(&md);
    assert_eq!(code, Some(4), "{said}");
    assert!(said.contains("does NOT match") && said.contains("section 4 (Topic 4"), "{said}");
    assert!(said.contains("[-annually-]{+biennially+}"), "{said}");
    assert!(!said.contains("section 2"), "only topic 4 says it: {said}");
    let changed =
        rezipped(&exported_docx, zip::CompressionMethod::Deflated, |xml| xml.replace("annually", "biennially"));
    std::fs::write(&docx, changed).expect("write");
    let (code, _, said) = store.verify(&docx);
    assert_eq!(code, Some(4), "{said}");
    assert!(said.contains("section 4 (Topic 4") && said.contains("biennially"), "{said}");
}

#[test]
fn a_docx_saved_again_by_libreoffice_says_the_same() {
    let store = Store::with_fixture("lo-resave");
    let (docx, resaved) = (store.0.join("draft.docx"), store.0.join("resaved.docx"));
    store.ok(&["export", "--format", "docx", "-o", docx.to_str().expect("path")]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/lo/docx_review.py");
    let output = Command::new("/usr/bin/python3")
        .arg(script)
        .args(["resave", docx.to_str().expect("path"), resaved.to_str().expect("path")])
        .output()
        .expect("python3 runs (.ci/run installs libreoffice-writer-nogui python3-uno)");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_ne!(
        std::fs::read(&resaved).expect("read"),
        std::fs::read(&docx).expect("read"),
        "LibreOffice wrote its own file"
    );
    let (code, said, error) = store.verify(&resaved);
    assert_eq!(code, Some(3), "{said}{error}");
}

#[test]
fn control_characters_are_refused_and_never_reach_the_terminal() {
    let store = Store::with_fixture("control");
    let alt1 = proposal_id(&store.status(), 4, "Alt 1");
    let before = store.snapshot();
    let refused = store.fails(&["stance", "--proposal", &alt1, "--as", "DESA", "object", "--reason", "no\u{1b}[2J"]);
    assert!(refused.contains("U+001B at character 3"), "{refused}");
    let text = store.text_file("bell.txt", "A text with a bell \u{7} inside.");
    let refused = store.fails(&["edit", "--proposal", &alt1, "--as", "UNSEC", "--text-file", &text]);
    assert!(refused.contains("U+0007 at character 20"), "{refused}");
    assert!(store.snapshot() == before, "a refused command changed the store");
    // A C1 control (XML allows it, terminals may act on it) is shown escaped.
    store.ok(&["stance", "--proposal", &alt1, "--as", "DESA", "object", "--reason", "csi \u{9b}2J here"]);
    let status = store.ok(&["status"]);
    assert!(status.contains("csi \\u{9b}2J here"), "{status}");
    assert!(!status.contains('\u{9b}'));
}

#[test]
fn a_redline_since_a_version_names_who_made_each_change() {
    let store = Store::with_fixture("since");
    let alt3 = proposal_id(&store.status(), 4, "Alt 3");
    let text = section(&store.status(), 4)["proposals"]
        .as_array()
        .expect("proposals")
        .iter()
        .find(|p| p["id"] == alt3.as_str())
        .expect("alt 3")["text"]
        .as_str()
        .expect("text")
        .to_string();
    let edited =
        store.text_file("alt3.txt", &text.replace("fundamental freedoms", "human rights and fundamental freedoms"));
    let output = Command::new(env!("CARGO_BIN_EXE_accord"))
        .arg("--store")
        .arg(store.0.join("data"))
        .args(["edit", "--proposal", &alt3, "--as", "OHCHR", "--text-file", &edited])
        .env("ACCORD_NOW", "2026-11-09T15:30:00Z")
        .output()
        .expect("run");
    assert!(output.status.success());
    let shown = store.ok(&["redline", "--section", "4", "--to", &alt3, "--since", "2026-11-09T00:00:00Z"]);
    assert!(shown.contains("{+human rights and +}(OHCHR 2026-11-09 15:30 UTC)"), "{shown}");
    let json: Value = serde_json::from_str(&store.ok(&[
        "redline",
        "--section",
        "4",
        "--to",
        &alt3,
        "--since",
        "2026-11-09T00:00:00Z",
        "--json",
    ]))
    .expect("json");
    let changed: Vec<&Value> = json.as_array().expect("runs").iter().filter(|s| s["kind"] != "equal").collect();
    assert_eq!(changed.len(), 1, "{json}");
    assert_eq!(changed[0]["text"], "human rights and ");
    assert_eq!(changed[0]["by"], "OHCHR");
}

#[test]
fn every_live_proposal_is_rebuilt_from_the_compromise_of_topic_four() {
    let store = Store::with_fixture("faithful");
    let draft: Value = serde_json::from_str(&store.ok(&["compromise", "--section", "4", "--json"])).expect("json");
    let status = store.status();
    let proposals = section(&status, 4)["proposals"].as_array().expect("proposals").clone();
    for proposal in proposals.iter().filter(|p| p["withdrawn"] == false) {
        let label = proposal["label"].as_str().expect("label");
        let mut rebuilt = String::new();
        for part in draft["parts"].as_array().expect("parts") {
            match part["kind"].as_str() {
                Some("text") => rebuilt.push_str(part["text"].as_str().expect("text")),
                _ => {
                    let options = part["alternatives"].as_array().expect("options");
                    let mine: Vec<&Value> = options
                        .iter()
                        .filter(|o| o["labels"].as_array().expect("labels").iter().any(|l| l == label))
                        .collect();
                    assert_eq!(mine.len(), 1, "{label} is offered exactly once in every bracket");
                    rebuilt.push_str(mine[0]["text"].as_str().expect("text"));
                }
            }
        }
        assert_eq!(rebuilt, proposal["text"].as_str().expect("text"), "{label} rebuilt from the draft");
    }
    // Words only Alt 1 has are never outside a bracket.
    let outside: String = draft["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .filter(|p| p["kind"] == "text")
        .map(|p| p["text"].as_str().expect("text"))
        .collect();
    assert!(!outside.contains("continue to") && !outside.contains("shared calendar"), "{outside}");
}

#[test]
fn a_missing_store_is_named_not_created() {
    let store = Store::new("missing");
    let missing = store.0.join("no-such-store");
    let output =
        Command::new(env!("CARGO_BIN_EXE_accord")).arg("--store").arg(&missing).arg("status").output().expect("run");
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("there is no store at") && said.contains("accord init"), "{said}");
    assert!(!missing.exists(), "reading commands create nothing");
}

#[test]
fn history_into_a_closed_pipe_ends_quietly() {
    let store = Store::with_fixture("pipe");
    let mut child = Command::new(env!("CARGO_BIN_EXE_accord"))
        .arg("--store")
        .arg(store.0.join("data"))
        .args(["history", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run");
    // The reader goes away before reading anything, as `head` does once it has its lines.
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("wait");
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{said}");
    assert!(!said.contains("panicked") && !said.contains("Broken pipe"), "{said}");
}

#[test]
fn a_text_file_over_the_limit_is_refused_before_it_is_read() {
    let store = Store::with_fixture("huge");
    let alt1 = proposal_id(&store.status(), 4, "Alt 1");
    let huge = store.0.join("huge.txt");
    // Ten gigabytes on paper (a sparse file): reading it whole would take minutes and memory.
    std::fs::File::create(&huge).expect("create").set_len(10 * 1024 * 1024 * 1024).expect("sparse");
    let refused =
        store.fails(&["edit", "--proposal", &alt1, "--as", "UNSEC", "--text-file", huge.to_str().expect("path")]);
    assert!(refused.contains("10737418240 bytes") && refused.contains("at most 262144 bytes"), "{refused}");
}

#[test]
fn the_chair_sets_the_consultation_deadline() {
    let store = Store::with_fixture("deadline");
    let said = store.ok(&["deadline", "2026-12-12T17:00:00Z", "--as", "ITU"]);
    assert!(said.contains("2026-12-12T17:00:00Z"), "{said}");
    // 2026-12-12T17:00:00Z is 1,797,094,800 s after 1970 (`date -u -d ... +%s`).
    assert_eq!(store.status()["deadline"], 1_797_094_800_000_i64);
}

#[test]
fn the_chair_reopens_an_agreed_section_from_the_command_line() {
    let store = Store::with_fixture("reopen");
    assert!(store.status()["sections"][1]["adoption"].is_object(), "section 2 of the fixture is agreed");
    let refused = store.fails(&["reopen", "--section", "2", "--reason", "budget", "--as", "DESA"]);
    assert!(refused.contains("only the chair or a convenor"), "{refused}");
    let said = store.ok(&["reopen", "--section", "2", "--reason", "The budget line is missing.", "--as", "HLCP"]);
    assert!(said.contains("section 2 is open again"), "{said}");
    let section = &store.status()["sections"][1];
    assert!(section["adoption"].is_null(), "{section}");
    assert_eq!(section["reopenings"][0]["reason"], "The budget line is missing.");
    let history = store.ok(&["history", "--section", "2"]);
    assert!(history.contains("reopened section 2"), "{history}");
}

#[test]
fn a_negotiation_starts_from_the_secretariats_word_draft() {
    let store = Store::new("init-draft");
    let draft = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/drafts/hlcp-draft.docx");
    let draft = draft.to_str().expect("path");
    let output = store.run(&["init", "--draft", draft, "--title", "Coordination plan", "--chair", "HLCP"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("imported 3 sections") && said.contains("left out 2 paragraph(s)"), "{said}");
    let status = store.status();
    assert_eq!(status["title"], "Coordination plan");
    let titles: Vec<&str> =
        status["sections"].as_array().expect("sections").iter().map(|s| s["title"].as_str().expect("title")).collect();
    assert_eq!(
        titles,
        [
            "Topic 1 – Security of UN system ICT operations",
            "Topic 2 – Mainstreaming cybersecurity into programme planning",
            "Topic 3 – Support to Member States, upon request"
        ]
    );
    assert!(section(&status, 2)["base_text"].as_str().expect("text").contains("\n2. assess their cybersecurity"));
}

#[test]
fn a_file_that_is_not_a_draft_is_refused_and_nothing_is_created() {
    let store = Store::new("init-not-draft");
    let pdf = store.text_file("plan.pdf", "%PDF-1.7 not a draft");
    let said = store.fails(&["init", "--draft", &pdf, "--title", "Plan", "--chair", "HLCP"]);
    assert!(said.contains("give a Word document (.docx) or Markdown (.md)"), "{said}");
    let headless = store.text_file("plan.md", "Only a paragraph, no heading.\n");
    let said = store.fails(&["init", "--draft", &headless, "--title", "Plan", "--chair", "HLCP"]);
    assert!(said.contains("no top-level heading"), "{said}");
    assert!(store.fails(&["status"]).contains("accord init"), "no negotiation was created");
}

#[test]
fn a_redline_in_json_says_which_hunks_are_substantive_and_which_editorial() {
    let store = Store::with_fixture("substance");
    let base = section(&store.status(), 1)["base_text"].as_str().expect("base").to_string();
    assert!(base.contains("system will strengthen") && base.contains("Each organization"), "the fixture's topic 1");
    let text = base.replacen("system will strengthen", "system shall strengthen", 1).replacen(
        "Each organization",
        "Each organisation",
        1,
    );
    let file = store.text_file("alt.txt", &text);
    let id = store
        .ok(&["propose", "--section", "1", "--as", "ITU", "--label", "Alt 9", "--text-file", &file])
        .trim()
        .to_string();
    let shown: Value =
        serde_json::from_str(&store.ok(&["redline", "--section", "1", "--to", &id, "--json"])).expect("JSON");
    let hunks: Vec<(String, String, String, String)> = shown["hunks"]
        .as_array()
        .expect("hunks")
        .iter()
        .map(|h| {
            let field = |name: &str| h[name].as_str().expect("text").to_string();
            (field("deleted"), field("inserted"), field("kind"), field("why"))
        })
        .collect();
    assert_eq!(
        hunks,
        [
            ("will".into(), "shall".into(), "substantive".into(), "changes a modal verb".into()),
            (
                "organization".into(),
                "organisation".into(),
                "editorial".into(),
                "editorial: a spelling variant only".into()
            ),
        ]
    );
}

#[test]
fn a_package_keeps_its_adopted_sections_provisional_in_status_and_exports() {
    let store = Store::with_fixture("package");
    let said = store.ok(&["package", "--sections", "1,2", "--as", "HLCP"]);
    assert!(said.contains("§1, §2 form one package"), "{said}");
    let status = store.status();
    assert_eq!(section(&status, 2)["provisional"], true, "§2 is adopted, §1 not yet");
    assert_eq!(section(&status, 2)["package"], serde_json::json!([1, 2]));
    let markdown = store.ok(&["export", "--format", "md"]);
    assert!(
        markdown.contains("Agreed provisionally, as part of a package with §1: nothing is agreed until everything is"),
        "the export says so"
    );
    let refused = store.fails(&["package", "--sections", "2,4", "--as", "HLCP"]);
    assert!(refused.contains("section 2 is already in a package with §1, 2"), "{refused}");
    assert!(store.fails(&["package", "--sections", "3,4", "--as", "DESA"]).contains("DESA"), "a member may not");
}

#[test]
fn a_proposal_under_silence_is_agreed_when_silence_ends_and_exports_say_how() {
    let store = Store::with_fixture("silence");
    let alt1 = proposal_id(&store.status(), 1, "Alt 1");
    let said = store.ok(&[
        "silence",
        "--section",
        "1",
        "--proposal",
        &alt1,
        "--until",
        "2026-11-08T12:00:00Z",
        "--as",
        "HLCP",
    ]);
    assert!(said.contains("Alt 1 is under silence until 2026-11-08T12:00:00Z"), "{said}");
    let before = store.status_at("2026-11-08T11:59:59Z");
    assert_eq!(section(&before, 1)["status"], "ready", "not agreed a second before the end");
    assert_eq!(section(&before, 1)["silence"]["until"], 1_794_139_200_000u64, "2026-11-08T12:00:00Z");
    let shown = store.ok_at("2026-11-08T11:59:59Z", &["status"]);
    assert!(shown.contains("silence: Alt 1 until 2026-11-08 12:00 UTC, running"), "{shown}");
    let after = store.status_at("2026-11-08T12:00:00Z");
    assert_eq!(section(&after, 1)["status"], "agreed");
    assert_eq!(section(&after, 1)["adoption"]["by_silence"], true);
    let markdown = store.ok_at("2026-11-08T12:01:00Z", &["export", "--format", "md"]);
    assert!(
        markdown.contains("Adopted by silence procedure on 2026-11-08 12:00 UTC (Alt 1): put under silence by HLCP on 2026-11-08 10:00 UTC"),
        "{markdown}"
    );
    let history = store.ok_at("2026-11-08T12:01:00Z", &["history", "--section", "1"]);
    assert!(history.contains("by silence procedure"), "the export recorded the adoption: {history}");
    let refused = store.fails(&[
        "silence",
        "--section",
        "4",
        "--proposal",
        &proposal_id(&before, 4, "Alt 1"),
        "--until",
        "2026-11-09T00:00:00Z",
        "--as",
        "HLCP",
    ]);
    assert!(refused.contains("DESA objects"), "{refused}");
}

#[test]
fn an_acceptance_ad_referendum_lets_the_chair_adopt_and_blocks_approval_until_confirmed() {
    let store = Store::with_fixture("ad-ref");
    let alt1 = proposal_id(&store.status(), 5, "Alt 1");
    let wrong = store.fails(&[
        "stance",
        "--proposal",
        &alt1,
        "--as",
        "UNSEC",
        "support",
        "--ad-ref-until",
        "2026-11-09T10:00:00Z",
    ]);
    assert!(wrong.contains("only a reservation can be ad referendum"), "{wrong}");
    store.ok(&[
        "stance",
        "--proposal",
        &alt1,
        "--as",
        "UNSEC",
        "reserve",
        "--ad-ref-until",
        "2026-11-09T10:00:00Z",
        "--reason",
        "Pending HLCM endorsement.",
    ]);
    store.ok(&["stance", "--proposal", &alt1, "--as", "HLCP", "support"]);
    store.ok(&["adopt", "--section", "5", "--proposal", &alt1, "--as", "HLCP"]);
    let status = store.status();
    assert_eq!(section(&status, 5)["status"], "agreed-ad-ref");
    assert_eq!(section(&status, 5)["confirmations"][0]["participant"], "UNSEC");
    let refused = store.fails(&["export", "--format", "md", "--for-approval"]);
    assert!(refused.contains("UNSEC must confirm by 2026-11-09 10:00 UTC"), "{refused}");
    let markdown = store.ok(&["export", "--format", "md"]);
    assert!(markdown.contains("Agreed ad referendum: UNSEC must confirm by 2026-11-09 10:00 UTC"), "{markdown}");
    assert_eq!(section(&store.status_at("2026-11-09T09:59:59Z"), 5)["status"], "agreed-ad-ref");
    assert_eq!(section(&store.status_at("2026-11-09T10:00:00Z"), 5)["status"], "agreed", "the date passed unopposed");
    let later = store.ok_at("2026-11-09T10:00:01Z", &["export", "--format", "md"]);
    assert!(later.contains("UNSEC's acceptance ad referendum taken as confirmed on 2026-11-09 10:00 UTC"), "{later}");
}
