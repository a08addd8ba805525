//! `multipart/form-data` bodies (RFC 7578), parsed in memory: what `PUT /v1/quilts` takes.
//!
//! The publisher already holds a store's body in memory, bounded by its body limit, so a small
//! pure parser over the collected bytes serves as well as a streaming one and keeps the
//! dependency set as it is.

/// One part of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The `name` of its `Content-Disposition: form-data`.
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

/// Why a body is not a form.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MultipartError {
    #[error("Content-Type is not multipart/form-data with a boundary")]
    NotMultipart,
    #[error("the body is not valid multipart/form-data: {0}")]
    Malformed(String),
}

/// The boundary a `Content-Type: multipart/form-data; boundary=…` names.
pub fn boundary(content_type: &str) -> Result<String, MultipartError> {
    let mut params = content_type.split(';');
    let kind = params.next().unwrap_or_default().trim();
    if !kind.eq_ignore_ascii_case("multipart/form-data") {
        return Err(MultipartError::NotMultipart);
    }
    params
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim().trim_matches('"').to_owned())
        .filter(|b| !b.is_empty() && b.len() <= 70)
        .ok_or(MultipartError::NotMultipart)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let mut at = 0;
    while at + needle.len() <= haystack.len() {
        let k = haystack[at..=haystack.len() - needle.len()]
            .iter()
            .position(|&b| b == first)?;
        at += k;
        if &haystack[at..at + needle.len()] == needle {
            return Some(at);
        }
        at += 1;
    }
    None
}

fn malformed(why: &str) -> MultipartError {
    MultipartError::Malformed(why.to_owned())
}

/// A quoted or bare parameter value of a `Content-Disposition` header.
fn param(header: &str, name: &str) -> Option<String> {
    let mut rest = header;
    while let Some(at) = rest.find(';') {
        rest = rest[at + 1..].trim_start();
        let (key, value) = rest.split_once('=')?;
        let value = value.trim_start();
        let (parsed, tail) = if let Some(quoted) = value.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((k, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, escaped)) = chars.next() {
                            out.push(escaped);
                        }
                    }
                    '"' => {
                        end = k + 1;
                        break;
                    }
                    c => out.push(c),
                }
            }
            (out, &quoted[end..])
        } else {
            let end = value.find(';').unwrap_or(value.len());
            (value[..end].trim().to_owned(), &value[end..])
        };
        if key.trim().eq_ignore_ascii_case(name) {
            return Some(parsed);
        }
        rest = tail;
    }
    None
}

/// The parts of `body`, delimited by `boundary`.
pub fn parse(body: &[u8], boundary: &str) -> Result<Vec<Part>, MultipartError> {
    let delimiter = format!("--{boundary}");
    let start = find(body, delimiter.as_bytes()).ok_or_else(|| malformed("no boundary"))?;
    // Every delimiter after the first is preceded by CRLF.
    let next_delimiter = format!("\r\n--{boundary}");
    let mut rest = &body[start + delimiter.len()..];
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        // Transport padding (spaces, tabs) may follow a delimiter before its CRLF.
        let line_end = find(rest, b"\r\n").ok_or_else(|| malformed("a delimiter ends the body"))?;
        if rest[..line_end].iter().any(|b| !b" \t".contains(b)) {
            return Err(malformed("text after a boundary"));
        }
        rest = &rest[line_end + 2..];
        let headers_end =
            find(rest, b"\r\n\r\n").ok_or_else(|| malformed("a part's headers do not end"))?;
        let headers = std::str::from_utf8(&rest[..headers_end])
            .map_err(|_| malformed("a part's headers are not UTF-8"))?;
        rest = &rest[headers_end + 4..];
        let data_end = find(rest, next_delimiter.as_bytes())
            .ok_or_else(|| malformed("the closing boundary is missing"))?;
        let data = rest[..data_end].to_vec();
        rest = &rest[data_end + next_delimiter.len()..];
        let mut name = None;
        let mut filename = None;
        let mut content_type = None;
        for line in headers.split("\r\n") {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            if key.trim().eq_ignore_ascii_case("content-disposition") {
                name = param(value, "name");
                filename = param(value, "filename");
            } else if key.trim().eq_ignore_ascii_case("content-type") {
                content_type = Some(value.trim().to_owned());
            }
        }
        let name = name.ok_or_else(|| malformed("a part has no Content-Disposition name"))?;
        parts.push(Part {
            name,
            filename,
            content_type,
            data,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_as_curl_sends_it_parses() {
        let body = b"preamble\r\n--XyZ\r\n\
            Content-Disposition: form-data; name=\"a.txt\"; filename=\"a.txt\"\r\n\
            Content-Type: text/plain\r\n\r\n\
            hello\r\n--XyZ\r\nContent-Disposition: form-data; name=\"we\\\"ird; name\"\r\n\r\n\
            \r\n--X not the end\r\n--XyZ--\r\n";
        let b = boundary("multipart/form-data; boundary=XyZ").unwrap();
        let parts = parse(body, &b).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "a.txt");
        assert_eq!(parts[0].filename.as_deref(), Some("a.txt"));
        assert_eq!(parts[0].content_type.as_deref(), Some("text/plain"));
        assert_eq!(parts[0].data, b"hello");
        assert_eq!(parts[1].name, "we\"ird; name");
        assert_eq!(parts[1].data, b"\r\n--X not the end");
    }

    #[test]
    fn bad_forms_are_refused() {
        assert_eq!(
            boundary("application/octet-stream"),
            Err(MultipartError::NotMultipart)
        );
        assert_eq!(
            boundary("multipart/form-data"),
            Err(MultipartError::NotMultipart)
        );
        assert_eq!(
            boundary("Multipart/Form-Data; boundary=\"q\"").as_deref(),
            Ok("q")
        );
        // No closing delimiter, no name, no delimiter at all.
        assert!(
            parse(
                b"--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nabc",
                "b"
            )
            .is_err()
        );
        assert!(parse(b"--b\r\nContent-Type: text/plain\r\n\r\nabc\r\n--b--", "b").is_err());
        assert!(parse(b"nothing here", "b").is_err());
        // An empty form.
        assert_eq!(parse(b"--b--\r\n", "b"), Ok(vec![]));
    }
}
