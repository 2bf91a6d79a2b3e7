//! Standard output for commands. `accord history | head` closes the pipe
//! early: the command then stops quietly instead of failing on the write.

use std::io::{ErrorKind, Write};

/// Writes `text` to standard output; a closed pipe ends the command with
/// success (the reader has what it wanted), any other failure with an error.
pub fn write(text: &str) {
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        if error.kind() == ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to standard output: {error}");
        std::process::exit(1);
    }
}

/// `print!` that stops quietly on a closed pipe.
macro_rules! say {
    ($($arg:tt)*) => { $crate::output::write(&format!($($arg)*)) };
}

/// `println!` that stops quietly on a closed pipe.
macro_rules! sayln {
    ($($arg:tt)*) => { $crate::output::write(&format!("{}\n", format!($($arg)*))) };
}

pub(crate) use {say, sayln};
