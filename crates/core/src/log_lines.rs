//! Log records as the files and pipes receive them: one record, one line. Provider text (an
//! error description, a name) may hold a newline or an escape sequence; written as it is, it
//! would forge log lines or drive a terminal. [`OneLine`] writes every control character inside
//! a record escaped (`\n`, `\u{1b}`), keeping only the record's own line end.

use std::io::Write;

/// A writer of log records (the formatting layer writes a whole record per call) that escapes
/// the control characters inside each record.
pub struct OneLine<W>(pub W);

/// `text` with every control character escaped (`\n`, `\u{1b}`), tabs too unless `keep_tabs`.
pub fn escape_controls(text: &str, keep_tabs: bool) -> std::borrow::Cow<'_, str> {
    let escaped = |c: char| c.is_control() && !(keep_tabs && c == '\t');
    if !text.chars().any(escaped) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escaped(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Whether standard error may carry colour: a terminal, and no `NO_COLOR` (no-color.org).
pub fn colour_on_stderr() -> bool {
    use std::io::IsTerminal;
    let no_color = matches!(std::env::var_os("NO_COLOR"), Some(v) if !v.is_empty());
    std::io::stderr().is_terminal() && !no_color
}

/// Standard error for log records: as it is on a colour terminal, else through [`OneLine`].
pub fn stderr_records(colour: bool) -> Box<dyn Write> {
    if colour {
        Box::new(std::io::stderr())
    } else {
        Box::new(OneLine(std::io::stderr()))
    }
}

impl<W: Write> Write for OneLine<W> {
    fn write(&mut self, record: &[u8]) -> std::io::Result<usize> {
        let (body, end): (&[u8], &[u8]) = match record.last() {
            Some(b'\n') => (&record[..record.len() - 1], b"\n"),
            _ => (record, b""),
        };
        let text = String::from_utf8_lossy(body);
        self.0.write_all(escape_controls(&text, true).as_bytes())?;
        self.0.write_all(end)?;
        Ok(record.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_stays_one_line_whatever_its_text_holds() {
        let mut out = OneLine(Vec::new());
        out.write_all(b"WARN sign-in failed: workspace Acme\n2026-12-05 ERROR forged\x1b[2J\n")
            .unwrap();
        out.write_all(b"INFO plain\ttabbed record\n").unwrap();
        let text = String::from_utf8(out.0).unwrap();
        assert_eq!(
            text,
            "WARN sign-in failed: workspace Acme\\n2026-12-05 ERROR forged\\u{1b}[2J\nINFO plain\ttabbed record\n"
        );
        assert_eq!(text.lines().count(), 2);
    }
}
