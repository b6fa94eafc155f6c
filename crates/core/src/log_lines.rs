//! Log records as files, pipes and terminals receive them: one record, one line. Provider text
//! (an error description, a name) may hold a newline or an escape sequence; written as it is, it
//! would forge log lines or drive a terminal. [`OneLine`] writes every control character inside
//! a record escaped (`\n`, `\u{1b}`), keeping only the record's own line end — and, on a colour
//! terminal, colour codes (SGR sequences, which change only colours); every other escape
//! sequence is escaped, whoever wrote it.

use std::io::Write;

/// A writer of log records (the formatting layer writes a whole record per call) that escapes
/// the control characters inside each record.
pub struct OneLine<W> {
    out: W,
    keep_colour: bool,
}

impl<W: Write> OneLine<W> {
    /// For files and pipes: every control character inside a record is escaped.
    pub fn plain(out: W) -> Self {
        Self {
            out,
            keep_colour: false,
        }
    }

    /// For a colour terminal: colour codes stay, every other control character (a newline, a
    /// carriage return, an escape sequence that is not a colour) is escaped.
    pub fn coloured(out: W) -> Self {
        Self {
            out,
            keep_colour: true,
        }
    }

    /// The writer records go to.
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// `text` with every control character escaped (`\n`, `\u{1b}`), tabs too unless `keep_tabs`.
pub fn escape_controls(text: &str, keep_tabs: bool) -> std::borrow::Cow<'_, str> {
    escape(text, keep_tabs, false)
}

/// `text` with every control character escaped, but tabs when `keep_tabs` and colour codes when
/// `keep_colours` — SGR sequences, `ESC [` digits and `;` then `m`, which can change only
/// colours. Any other escape sequence (clear the screen, move the cursor, set the title) is
/// escaped, whoever wrote it: a field written with `%` reaches the writer as it is.
fn escape(text: &str, keep_tabs: bool, keep_colours: bool) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if keep_colours && c == '\u{1b}' {
            if let Some(length) = colour_code_length(rest) {
                out.push_str(&rest[..length]);
                rest = &rest[length..];
                continue;
            }
        }
        if c.is_control() && !(keep_tabs && c == '\t') {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    std::borrow::Cow::Owned(out)
}

/// The length in bytes of the SGR sequence `text` starts with, if it starts with one.
fn colour_code_length(text: &str) -> Option<usize> {
    let parameters = text.strip_prefix("\u{1b}[")?;
    let digits = parameters
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b';')
        .count();
    (parameters.as_bytes().get(digits) == Some(&b'm')).then_some(2 + digits + 1)
}

/// Whether standard error may carry colour: a terminal, and no `NO_COLOR` (no-color.org).
pub fn colour_on_stderr() -> bool {
    use std::io::IsTerminal;
    let no_color = matches!(std::env::var_os("NO_COLOR"), Some(v) if !v.is_empty());
    std::io::stderr().is_terminal() && !no_color
}

/// Standard error for log records, one record a line: with the formatter's colours on a colour
/// terminal, plain elsewhere.
pub fn stderr_records(colour: bool) -> OneLine<std::io::Stderr> {
    if colour {
        OneLine::coloured(std::io::stderr())
    } else {
        OneLine::plain(std::io::stderr())
    }
}

impl<W: Write> Write for OneLine<W> {
    fn write(&mut self, record: &[u8]) -> std::io::Result<usize> {
        let (body, end): (&[u8], &[u8]) = match record.last() {
            Some(b'\n') => (&record[..record.len() - 1], b"\n"),
            _ => (record, b""),
        };
        let text = String::from_utf8_lossy(body);
        let line = escape(&text, true, self.keep_colour);
        self.out.write_all(line.as_bytes())?;
        self.out.write_all(end)?;
        Ok(record.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_stays_one_line_whatever_its_text_holds() {
        let mut out = OneLine::plain(Vec::new());
        out.write_all(b"WARN sign-in failed: workspace Acme\n2026-12-05 ERROR forged\x1b[2J\n")
            .unwrap();
        out.write_all(b"INFO plain\ttabbed record\n").unwrap();
        let text = String::from_utf8(out.into_inner()).unwrap();
        assert_eq!(
            text,
            "WARN sign-in failed: workspace Acme\\n2026-12-05 ERROR forged\\u{1b}[2J\nINFO plain\ttabbed record\n"
        );
        assert_eq!(text.lines().count(), 2);
    }

    /// On a colour terminal the formatter's colours stay, while a workspace name with a newline,
    /// a carriage return or its own escape sequence still cannot start a line or drive the
    /// terminal (tracing-subscriber escapes ESC in field values; `OneLine` the rest).
    #[test]
    fn a_coloured_record_keeps_its_colours_and_stays_one_line() {
        use std::sync::{Arc, Mutex};
        use tracing_subscriber::layer::SubscriberExt;
        #[derive(Clone, Default)]
        struct Shared(Arc<Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let shared = Shared::default();
        let writer = shared.clone();
        let subscriber = tracing_subscriber::registry().with(
            tracing_subscriber::fmt::layer()
                .with_ansi(true)
                .with_writer(move || OneLine::coloured(writer.clone())),
        );
        tracing::subscriber::with_default(subscriber, || {
            let workspace = "Acme\n2026-12-05T00:00:00Z ERROR forged\r\x1b[2J";
            // `%` writes a field as it is, without tracing-subscriber's escaping.
            let raw = "\x1b]0;title\x07\x1b[1;1H";
            tracing::warn!(workspace, %raw, "sign-in failed for {workspace}");
        });
        let text = String::from_utf8(shared.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.contains("\\n2026-12-05"), "{text}");
        assert!(!text.contains('\r'), "{text}");
        assert!(
            !text.contains("\x1b[2J"),
            "the provider's escape is escaped: {text}"
        );
        assert!(
            !text.contains("\x1b]0;"),
            "a title sequence is escaped: {text}"
        );
        assert!(
            !text.contains("\x1b[1;1H"),
            "a cursor move is escaped: {text}"
        );
        assert!(!text.contains('\x07'), "{text}");
        assert!(
            text.contains("\x1b["),
            "the formatter's colours stay: {text}"
        );
    }
}
