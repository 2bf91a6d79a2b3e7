//! What the server's bench programs that run a server process share: the
//! server child itself, reading its CPU time and memory from `/proc`, and
//! the statistics they print.

#![allow(dead_code)] // Each bench uses a part.

pub mod repo_peer;
pub mod yjs_peer;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use accord_store::Store;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A bench client's WebSocket.
pub type ClientSocket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Connects a bench client (the same for every server a bench compares), reading at most
/// `read_chunk` bytes at a time if given. tungstenite zeroes that much of its buffer before
/// every read (128 KiB by default): at 30,000 messages a second (the fan-out bench) that took a
/// quarter of the machine from the servers measured (perf, 2026-12-03), so that bench reads in
/// 8 KiB; the meeting bench keeps the default, with which its large negotiation measured
/// faster (edit p99 35 ms against 175 ms in 8 KiB reads, same hour).
pub async fn connect_client<R: IntoClientRequest + Unpin>(request: R, read_chunk: Option<usize>) -> ClientSocket {
    let config = read_chunk.map(|chunk| WebSocketConfig::default().read_buffer_size(chunk));
    tokio_tungstenite::connect_async_with_config(request, config, false).await.expect("connect").0
}

/// A server child process, killed when the run ends or the bench panics.
pub struct ServerProcess(pub Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts this bench binary as Accord's server on the store in `dir`
/// (`--serve-accord DIR`, see [`serve_accord`]); returns it and its address.
pub fn spawn_accord(dir: &Path) -> (ServerProcess, String) {
    let mut child = Command::new(std::env::current_exe().expect("this bench"))
        .args(["--serve-accord", dir.to_str().expect("utf-8 path")])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the server");
    let addr = listening_on(&mut child);
    (ServerProcess(child), addr)
}

/// If this process was started as a server child, serves until killed and returns true.
pub fn serve_if_asked() -> bool {
    let args: Vec<String> = std::env::args().collect();
    let Some(at) = args.iter().position(|a| a == "--serve-accord") else { return false };
    serve_accord(Path::new(&args[at + 1]));
    true
}

/// The child mode: Accord's server on a store, until killed.
fn serve_accord(dir: &Path) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let store = Store::open(dir).expect("store");
        let state = accord_server::AppState::new(store, "bench-server".into());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        println!("listening on {}", listener.local_addr().expect("addr"));
        accord_server::run(listener, state, std::future::pending()).await.expect("serve");
    });
}

/// The address a child server prints (`listening on ADDR`).
pub fn listening_on(child: &mut Child) -> String {
    use std::io::BufRead;
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    std::io::BufReader::new(stdout).read_line(&mut line).expect("the server says where it listens");
    line.trim().trim_start_matches("listening on ").trim_start_matches("http://").to_string()
}

/// CPU seconds (user + system) process `pid` has used so far.
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or_default().split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // After the command name: state is field 0, utime 11, stime 12 (clock ticks of 1/100 s).
    (ticks(11) + ticks(12)) / 100.0
}

/// The most memory process `pid` has held (VmHWM), in MiB.
pub fn peak_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb =
        status.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok());
    kb.unwrap_or(0.0) / 1024.0
}

pub fn quantile(samples: &[Duration], q: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The median of some runs' figures, and their min and max.
pub fn median_min_max(values: &[f64]) -> (f64, f64, f64) {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    (sorted[sorted.len() / 2], sorted[0], sorted[sorted.len() - 1])
}

/// The version of Node.js the field's servers run on (`node --version`).
pub fn node_version() -> String {
    let output = Command::new("node").arg("--version").output().ok();
    output.map_or_else(|| "unknown".into(), |o| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|i| {
            i.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown cpu".into());
    format!("{cpu}, {} cores", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0))
}
