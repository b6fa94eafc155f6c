//! `inlet files [--cap SIZE]`: what the file store holds — the providers' files (Airtable
//! attachments, Notion-hosted files) kept on this computer — how much space it takes, and its
//! size cap; `--cap` sets the cap. `--json` prints the same for scripts.

use inlet_core::{CoreError, Inlet};

use super::say;

pub async fn run(inlet: &Inlet, cap: Option<String>, json: bool) -> Result<(), CoreError> {
    if let Some(cap) = cap {
        let bytes = match cap.trim() {
            "default" => None,
            size => Some(parse_size(size)?),
        };
        inlet.library.set_file_cap(bytes).await?;
    }
    let usage = inlet.library.file_usage().await?;
    if json {
        let text = serde_json::to_string_pretty(&usage)
            .map_err(|e| CoreError::serialization("the file store's usage", e))?;
        say(text);
        return Ok(());
    }
    say(format!(
        "{} {} kept, {} of {} allowed, in {}",
        usage.count,
        if usage.count == 1 { "file" } else { "files" },
        inlet_core::services::human_bytes(usage.bytes),
        inlet_core::services::human_bytes(usage.cap),
        usage.dir
    ));
    Ok(())
}

/// A size as people write it: `500MB`, `20 GB`, `1.5GB`, `1000000` (bytes); decimal units.
fn parse_size(text: &str) -> Result<u64, CoreError> {
    let refused = || {
        CoreError::invalid_argument(format!(
            "“{}” is not a size. Write it as 500MB, 20GB or a number of bytes.",
            text.chars().take(32).collect::<String>()
        ))
    };
    let upper = text.to_ascii_uppercase().replace(' ', "");
    let split = upper
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(upper.len());
    let (number, unit) = upper.split_at(split);
    let number: f64 = number.parse().map_err(|_| refused())?;
    let scale = match unit {
        "" | "B" => 1.0,
        "KB" | "K" => 1e3,
        "MB" | "M" => 1e6,
        "GB" | "G" => 1e9,
        "TB" | "T" => 1e12,
        _ => return Err(refused()),
    };
    let bytes = number * scale;
    if !bytes.is_finite() || bytes < 0.0 || bytes > u64::MAX as f64 {
        return Err(refused());
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(parse_size("500MB").unwrap(), 500_000_000);
        assert_eq!(parse_size("1.5 gb").unwrap(), 1_500_000_000);
        assert_eq!(parse_size("1000").unwrap(), 1000);
        for bad in ["", "lots", "5XB", "-1GB", "1e999GB"] {
            assert_eq!(
                parse_size(bad).unwrap_err().code(),
                "invalid_argument",
                "{bad}"
            );
        }
    }
}
