//! What the end-to-end tests share: a real `accord serve --demo` on
//! 127.0.0.1:0 over a fresh store, its tokens, and the `accord` command.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use reqwest::{Client, Method, StatusCode};
use serde_json::Value;

/// The key of the secretariat's token in [`Server::tokens`] (not a participant code).
pub const SECRETARIAT: &str = "secretariat";

/// A running `accord serve --demo` and the tokens it printed.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub tokens: HashMap<String, String>,
    pub store: PathBuf,
}

impl Server {
    /// Starts a server on a fresh store (or on `store` again).
    pub fn start(name: &str) -> Server {
        Server::start_on(fresh_store(name))
    }

    pub fn start_on(store: PathBuf) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_accord"))
            .args(["serve", "--addr", "127.0.0.1:0", "--demo", "--store"])
            .arg(&store)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start accord serve");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let first = lines.next().expect("a first line").expect("utf-8");
        let base = first.strip_prefix("listening on ").expect("listening on ADDR").to_string();
        let mut tokens = HashMap::new();
        for line in lines.by_ref().take(12) {
            let line = line.expect("utf-8");
            let code = line
                .trim()
                .strip_prefix("sign in as ")
                .expect("a sign-in line")
                .split_whitespace()
                .next()
                .expect("code");
            let token = line.rsplit("token ").next().expect("token");
            tokens.insert(code.to_string(), token.to_string());
        }
        let line = lines.next().expect("the secretariat's line").expect("utf-8");
        assert!(line.trim().starts_with("secretariat"), "{line}");
        tokens.insert(SECRETARIAT.to_string(), line.rsplit("token ").next().expect("token").to_string());
        Server { child, base, tokens, store }
    }

    pub fn token(&self, code: &str) -> &str {
        &self.tokens[code]
    }

    /// A request as `code` (None: without a token).
    pub async fn call(
        &self,
        code: Option<&str>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = Client::new().request(method, format!("{}{path}", self.base));
        if let Some(code) = code {
            request = request.bearer_auth(self.token(code));
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn view(&self) -> Value {
        let id = self.negotiation().await;
        let (status, view) = self.call(Some("HLCP"), Method::GET, &format!("/api/negotiations/{id}"), None).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        view
    }

    pub async fn negotiation(&self) -> String {
        let (_, me) = self.call(Some("HLCP"), Method::GET, "/api/me", None).await;
        me["negotiation"].as_str().expect("negotiation id").to_string()
    }

    pub fn kill_hard(&mut self) {
        self.child.kill().expect("kill -9");
        self.child.wait().expect("reaped");
    }
}

/// An empty store directory for one test.
pub fn fresh_store(name: &str) -> PathBuf {
    let store = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("server-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&store);
    store
}

/// Runs the `accord` command on a store; returns its standard output.
pub fn accord(store: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_accord")).arg("--store").arg(store).args(args).output().expect("run");
    assert!(output.status.success(), "accord {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("utf-8").trim().to_string()
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn proposal<'a>(view: &'a Value, section: u64, label: &str) -> &'a Value {
    let section =
        view["sections"].as_array().expect("sections").iter().find(|s| s["number"] == section).expect("section");
    section["proposals"].as_array().expect("proposals").iter().find(|p| p["label"] == label).expect("proposal")
}

pub fn id_of(view: &Value, section: u64, label: &str) -> String {
    proposal(view, section, label)["id"].as_str().expect("id").to_string()
}
