//! Just enough `multipart/form-data` for Wings' upload route: each part's field name, file
//! name and bytes.

pub struct Part {
    pub name: String,
    pub filename: String,
    pub data: Vec<u8>,
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// `name="..."` in a header line.
fn attribute(line: &str, key: &str) -> Option<String> {
    line.split(';').map(str::trim).find_map(|p| {
        let v = p.strip_prefix(key)?.strip_prefix('=')?;
        Some(v.trim_matches('"').to_string())
    })
}

/// The parts of a body (None: not multipart or no boundary).
pub fn parse(content_type: &str, body: &[u8]) -> Option<Vec<Part>> {
    if !content_type
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        return None;
    }
    let boundary = attribute(content_type, "boundary")?;
    let delim = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut at = find(body, delim.as_bytes(), 0)? + delim.len();
    loop {
        if body.get(at..at + 2) == Some(b"--") {
            break;
        }
        let head_end = find(body, b"\r\n\r\n", at)?;
        let head = String::from_utf8_lossy(&body[at..head_end]).into_owned();
        let start = head_end + 4;
        let end = find(body, format!("\r\n{delim}").as_bytes(), start)?;
        let disposition = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))
            .unwrap_or("");
        parts.push(Part {
            name: attribute(disposition, "name").unwrap_or_default(),
            filename: attribute(disposition, "filename").unwrap_or_default(),
            data: body[start..end].to_vec(),
        });
        at = end + 2 + delim.len();
    }
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_come_out_with_names_and_bytes() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XyZ\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--XyZ--\r\n";
        let parts = parse("multipart/form-data; boundary=XyZ", body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(
            (parts[0].name.as_str(), parts[0].filename.as_str()),
            ("files", "a.txt")
        );
        assert_eq!(parts[0].data, b"hello");
        assert_eq!(parts[1].name, "other");
        assert!(parse("application/json", body).is_none());
    }
}
