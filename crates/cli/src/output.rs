//! `--json` prints exactly one JSON document on stdout; otherwise a human-readable text.

use std::io::Write;

use serde::Serialize;

pub struct Output {
    json: bool,
}

impl Output {
    pub fn new(json: bool) -> Self {
        Self { json }
    }

    pub fn is_json(&self) -> bool {
        self.json
    }

    pub fn print<T: Serialize>(
        &self,
        value: &T,
        text: impl FnOnce(&T) -> String,
    ) -> Result<(), Box<dyn std::error::Error>> {
        let rendered = if self.json {
            serde_json::to_string_pretty(value)?
        } else {
            text(value)
        };
        // Written, not `println!`ed: a reader that closes the pipe early (`sift articles |
        // head`) is an error to return (main ends quietly on it), not a panic.
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{rendered}")?;
        stdout.flush()?;
        Ok(())
    }
}

/// Whether `error` is stdout's reader having gone away: the output is no longer wanted,
/// which is not a failure of the command.
pub fn is_broken_pipe(error: &(dyn std::error::Error + 'static)) -> bool {
    error
        .downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}
