//! Shared by the bench programs: timing statistics, the machine header, and
//! the editing traces of ../shared/data/editing-traces (CC BY 4.0).

#![allow(dead_code)]

use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

/// Order statistics of a set of timings.
pub struct Stats {
    pub median: Duration,
    pub min: Duration,
    pub max: Duration,
    pub p99: Duration,
}

impl Stats {
    pub fn of(samples: &[Duration]) -> Stats {
        let mut sorted = samples.to_vec();
        sorted.sort();
        let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
        Stats { median: at(0.5), min: sorted[0], max: sorted[sorted.len() - 1], p99: at(0.99) }
    }
}

pub fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

/// Prints the machine and versions, for BENCHMARKS.md.
pub fn print_machine() {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown cpu".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    println!("machine: {cpu}, {cores} cores; {rustc}; automerge 0.12.0, similar 3.2.1; profile bench (opt-level 3)");
}

/// One transaction of a sequential trace: splices (position, deleted, inserted).
pub struct Txn {
    pub patches: Vec<(usize, usize, String)>,
}

/// A sequential trace and the text it must end with.
pub struct Trace {
    pub txns: Vec<Txn>,
    pub end_content: String,
}

pub fn traces_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/editing-traces/sequential")
}

/// Loads `sequential/NAME.json.gz`.
pub fn load_trace(relative: &str) -> Trace {
    let path = traces_dir().join(relative);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    let mut json = String::new();
    flate2::read::GzDecoder::new(file).read_to_string(&mut json).expect("gzip JSON");
    let value: serde_json::Value = serde_json::from_str(&json).expect("trace JSON");
    let txns = value["txns"]
        .as_array()
        .expect("txns")
        .iter()
        .map(|txn| Txn {
            patches: txn["patches"]
                .as_array()
                .expect("patches")
                .iter()
                .map(|p| {
                    let pos = p[0].as_u64().expect("pos") as usize;
                    let del = p[1].as_u64().expect("del") as usize;
                    (pos, del, p[2].as_str().expect("insert").to_string())
                })
                .collect(),
        })
        .collect();
    Trace { txns, end_content: value["endContent"].as_str().expect("endContent").to_string() }
}
