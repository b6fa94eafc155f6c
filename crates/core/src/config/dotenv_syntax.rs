//! The `.env` syntax Inlet reads: `KEY=value` lines, `#` comments, an optional `export `, and
//! values bare, in single quotes (literal) or in double quotes (`\"`, `\\`, `\n`, `\t`, `\$`),
//! one line each (a value spanning lines is refused: client ids and secrets have none).
//!
//! Written here rather than taken from `dotenvy` (which Inlet used before) for two reasons that
//! matter for a file that holds client secrets: `dotenvy` expands `$VAR` and `${VAR}` from the
//! process environment — a `.env` could copy any variable of the user's into a value Inlet then
//! prints as an override in force — and its parse errors quote the offending line, secret and
//! all. Here `$` is an ordinary character and an error names only the line's number.

/// The `KEY=value` pairs of `text`, in order, or the number (from 1) of the first line that is
/// not one.
pub fn parse(text: &str) -> Result<Vec<(String, String)>, usize> {
    let mut pairs = Vec::new();
    // Editors on Windows start a UTF-8 file with a byte-order mark.
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    for (index, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line).trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = match line.strip_prefix("export") {
            Some(rest) if rest.starts_with([' ', '\t']) => rest.trim_start(),
            _ => line,
        };
        let pair = line
            .split_once('=')
            .and_then(|(key, value)| Some((valid_key(key.trim())?, value_of(value.trim_start())?)));
        match pair {
            Some((key, value)) => pairs.push((key.to_owned(), value)),
            None => return Err(index + 1),
        }
    }
    Ok(pairs)
}

fn valid_key(key: &str) -> Option<&str> {
    let mut chars = key.chars();
    let first = chars.next()?;
    let starts_well = first.is_ascii_alphabetic() || first == '_';
    let rest_well = chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    (starts_well && rest_well).then_some(key)
}

/// The value written after `=`: quoted, or bare up to a ` #` comment.
fn value_of(written: &str) -> Option<String> {
    if let Some(rest) = written.strip_prefix('\'') {
        let (value, after) = rest.split_once('\'')?;
        return nothing_but_a_comment(after).then(|| value.to_owned());
    }
    if let Some(rest) = written.strip_prefix('"') {
        return double_quoted(rest);
    }
    // A comment starts at the first `#` after a space or tab.
    let comment = written
        .char_indices()
        .zip(written.chars().skip(1))
        .find(|((_, c), next)| (*c == ' ' || *c == '\t') && *next == '#')
        .map(|((at, _), _)| at);
    let value = comment.map_or(written, |at| &written[..at]);
    Some(value.trim_end().to_owned())
}

fn double_quoted(rest: &str) -> Option<String> {
    let mut value = String::new();
    let mut chars = rest.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return nothing_but_a_comment(&rest[at + 1..]).then_some(value),
            '\\' => match chars.next()?.1 {
                'n' => value.push('\n'),
                't' => value.push('\t'),
                other @ ('"' | '\\' | '$' | '\'') => value.push(other),
                other => {
                    value.push('\\');
                    value.push(other);
                }
            },
            other => value.push(other),
        }
    }
    None // no closing quote on the line
}

fn nothing_but_a_comment(after: &str) -> bool {
    let after = after.trim_start();
    after.is_empty() || after.starts_with('#')
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn pairs(text: &str) -> Vec<(String, String)> {
        parse(text).unwrap()
    }

    #[test]
    fn the_usual_forms_are_read() {
        let text = "\u{FEFF}# a comment\n\nA=plain\nexport\t B = spaced\t# note # more\nC='single $HOME #kept'\nD=\"double \\\"q\\\" \\$HOME\\n\"\r\nE=\nF.G=x=y\n";
        assert_eq!(
            pairs(text),
            [
                ("A", "plain"),
                ("B", "spaced"),
                ("C", "single $HOME #kept"),
                ("D", "double \"q\" $HOME\n"),
                ("E", ""),
                ("F.G", "x=y"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
    }

    #[test]
    fn variables_are_never_expanded() {
        std::env::var("HOME").expect("HOME is set in tests");
        assert_eq!(
            pairs("HUBSPOT_CLIENT_ID=${HOME}\nNOTION_CLIENT_ID=$HOME\n"),
            [
                ("HUBSPOT_CLIENT_ID", "${HOME}"),
                ("NOTION_CLIENT_ID", "$HOME")
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
    }

    #[test]
    fn a_bad_line_is_named_by_its_number_alone() {
        assert_eq!(parse("A=1\nsecret-without-equals\n"), Err(2));
        assert_eq!(parse("A=1\nB=2\nC=\"unterminated secret\n"), Err(3));
        assert_eq!(parse("1A=x\n"), Err(1));
        assert_eq!(parse("A='x' trailing\n"), Err(1));
    }
}
