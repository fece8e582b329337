//! The line protocol between the chatbot and the `borne-embed` sidecar: one JSON object per line,
//! UTF-8, on the sidecar's standard input and output (its standard error is free text for the
//! journal).
//!
//! 1. Once the model is loaded, the sidecar writes one startup line:
//!    `{"ready":{"protocol":1,"key":"<model key>","dim":384}}`, or, when the model cannot be
//!    loaded, `{"failed":"<why>"}` and exits with status 1.
//! 2. The chatbot then sends requests, one at a time:
//!    `{"id":7,"role":"query","texts":["horaires de la piscine"]}` (`role`: `query` or
//!    `passage`; at most [`MAX_TEXTS`] texts of at most [`MAX_TEXT_BYTES`] bytes each, a line of at
//!    most [`MAX_REQUEST_BYTES`]).
//! 3. The sidecar answers each with `{"id":7,"vectors":[[0.01,...]]}` (one unit-length vector per
//!    text, in order) or `{"id":7,"error":"<why>"}`; a line it cannot read gets
//!    `{"id":null,"error":"<why>"}` and the sidecar carries on.
//! 4. End of its standard input: the sidecar exits with status 0.
//!
//! [`serve`] is the sidecar's side (used by `src/bin/borne-embed.rs`, and testable with any
//! [`Embedder`]); [`crate::process_embedder::ProcessEmbedder`] is the chatbot's.

use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};

use crate::embedder::{Embedder, Role};

/// The protocol version in the ready line; the chatbot refuses another.
pub const PROTOCOL: u32 = 1;

/// Longest request line the sidecar reads; a longer one is answered with an error.
pub const MAX_REQUEST_BYTES: usize = 1 << 20;

/// Longest reply line the chatbot reads; a longer one counts as garbage.
pub const MAX_REPLY_BYTES: usize = 16 << 20;

/// Most texts in one request.
pub const MAX_TEXTS: usize = 64;

/// Longest text in a request, in bytes (the chatbot cuts longer ones; models read 512 tokens).
pub const MAX_TEXT_BYTES: usize = 8 * 1024;

/// The sidecar's first line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum Startup {
    /// The model is loaded.
    Ready(Ready),
    /// The model could not be loaded (the sidecar then exits with status 1).
    Failed(String),
}

/// What the sidecar says once its model is loaded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ready {
    /// [`PROTOCOL`].
    pub protocol: u32,
    /// The model's key ([`Embedder::key`]): the embedding cache is keyed by it.
    pub key: String,
    /// The length of every vector.
    pub dim: usize,
}

/// A request from the chatbot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Echoed in the reply.
    pub id: u64,
    /// Questions or FAQ texts.
    pub role: Role,
    /// The texts to embed.
    pub texts: Vec<String>,
}

/// The sidecar's answer to one request line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    /// The request's id; `None` when the line could not be read as a request.
    pub id: Option<u64>,
    /// One vector per text, when it worked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vectors: Option<Vec<Vec<f32>>>,
    /// Why it did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Reply {
    fn error(id: Option<u64>, message: impl Into<String>) -> Self {
        Self { id, vectors: None, error: Some(message.into()) }
    }
}

/// Why a line could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// Longer than the limit (the rest of it was skipped).
    #[error("line longer than {0} bytes")]
    TooLong(usize),
    /// Not UTF-8.
    #[error("line is not UTF-8")]
    NotUtf8,
}

/// Reads one line of at most `max` bytes (without its `\n`, nor a `\r` before it). A longer line
/// is consumed to its end and reported as [`LineError::TooLong`], so the next read starts on the
/// next line. `Ok(None)` at end of input.
pub fn read_line(
    reader: &mut impl BufRead,
    max: usize,
) -> std::io::Result<Option<Result<String, LineError>>> {
    let mut line = Vec::new();
    let mut too_long = false;
    let mut seen = false;
    loop {
        let buf = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            if !seen {
                return Ok(None);
            }
            break;
        }
        seen = true;
        let (chunk, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        if !too_long {
            if line.len() + chunk.len() > max {
                too_long = true;
                line = Vec::new();
            } else {
                line.extend_from_slice(chunk);
            }
        }
        let used = done.unwrap_or(buf.len());
        reader.consume(used);
        if done.is_some() {
            break;
        }
    }
    if too_long {
        return Ok(Some(Err(LineError::TooLong(max))));
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(String::from_utf8(line).map_err(|_| LineError::NotUtf8)))
}

/// The answer to one request line.
pub fn answer(embedder: &dyn Embedder, line: &str) -> Reply {
    let request: Request = match serde_json::from_str(line) {
        Ok(r) => r,
        Err(e) => return Reply::error(None, format!("not a request: {e}")),
    };
    let id = Some(request.id);
    if request.texts.len() > MAX_TEXTS {
        return Reply::error(
            id,
            format!("{} texts: at most {MAX_TEXTS} in one request", request.texts.len()),
        );
    }
    if let Some(long) = request.texts.iter().find(|t| t.len() > MAX_TEXT_BYTES) {
        return Reply::error(id, format!("a text of {} bytes: at most {MAX_TEXT_BYTES}", long.len()));
    }
    if request.texts.is_empty() {
        return Reply { id, vectors: Some(Vec::new()), error: None };
    }
    let texts: Vec<&str> = request.texts.iter().map(String::as_str).collect();
    match embedder.embed(request.role, &texts) {
        Ok(vectors) if vectors.len() == texts.len() => Reply { id, vectors: Some(vectors), error: None },
        Ok(vectors) => Reply::error(id, format!("{} vectors for {} texts", vectors.len(), texts.len())),
        Err(e) => Reply::error(id, e.to_string()),
    }
}

/// The sidecar's loop, after its startup line: answers every request line of `input` on
/// `output`, flushed, until the end of `input`.
pub fn serve(
    embedder: &dyn Embedder,
    mut input: impl BufRead,
    mut output: impl Write,
) -> std::io::Result<()> {
    while let Some(line) = read_line(&mut input, MAX_REQUEST_BYTES)? {
        let reply = match line {
            Ok(text) if text.trim().is_empty() => continue,
            Ok(text) => answer(embedder, &text),
            Err(e) => Reply::error(None, e.to_string()),
        };
        write_line(&mut output, &reply)?;
    }
    Ok(())
}

/// Writes `message` as one JSON line and flushes.
pub fn write_line(output: &mut impl Write, message: &impl Serialize) -> std::io::Result<()> {
    serde_json::to_writer(&mut *output, message)?;
    output.write_all(b"\n")?;
    output.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantic::SemanticError;

    /// Two-dimensional vectors: (text length, 1), or an error for the text "fail".
    #[derive(Debug)]
    struct Lengths;

    impl Embedder for Lengths {
        fn key(&self) -> &str {
            "lengths"
        }
        fn embed(&self, role: Role, texts: &[&str]) -> Result<Vec<Vec<f32>>, SemanticError> {
            if texts.contains(&"fail") {
                return Err(SemanticError::Model("asked to fail".into()));
            }
            let extra = if role == Role::Query { 1.0 } else { 2.0 };
            Ok(texts.iter().map(|t| vec![t.len() as f32, extra]).collect())
        }
    }

    fn replies(input: &str) -> Vec<Reply> {
        let mut out = Vec::new();
        serve(&Lengths, input.as_bytes(), &mut out).expect("serve");
        String::from_utf8(out)
            .expect("utf-8")
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
            .collect()
    }

    #[test]
    fn requests_are_answered_in_order_and_bad_lines_get_an_error_without_stopping() {
        let too_long =
            format!("{{\"id\":9,\"role\":\"query\",\"texts\":[\"{}\"]}}", "a".repeat(MAX_REQUEST_BYTES));
        let too_many = serde_json::to_string(&Request {
            id: 4,
            role: Role::Passage,
            texts: vec!["x".into(); MAX_TEXTS + 1],
        })
        .expect("json");
        let input = [
            r#"{"id":1,"role":"query","texts":["abc"]}"#,
            "",
            "not json",
            r#"{"id":2,"role":"passage","texts":["ab","c"]}"#,
            r#"{"id":3,"role":"query","texts":["fail"]}"#,
            &too_many,
            &too_long,
            r#"{"id":5,"role":"nonsense","texts":[]}"#,
            r#"{"id":6,"role":"query","texts":[]}"#,
        ]
        .join("\n");
        let r = replies(&input);
        assert_eq!(r.len(), 8, "{r:?}");
        assert_eq!((r[0].id, r[0].vectors.clone()), (Some(1), Some(vec![vec![3.0, 1.0]])));
        assert_eq!(
            (r[1].id, r[1].error.as_deref().map(|e| e.starts_with("not a request"))),
            (None, Some(true))
        );
        assert_eq!(r[2].vectors, Some(vec![vec![2.0, 2.0], vec![1.0, 2.0]]));
        assert_eq!((r[3].id, r[3].error.as_deref()), (Some(3), Some("model error: asked to fail")));
        assert!(r[4].error.as_deref().is_some_and(|e| e.contains("at most 64")), "{:?}", r[4]);
        assert_eq!(r[5].error.as_deref(), Some("line longer than 1048576 bytes"));
        assert!(r[6].id.is_none() && r[6].error.is_some(), "unknown role: {:?}", r[6]);
        assert_eq!((r[7].id, r[7].vectors.clone()), (Some(6), Some(vec![])));
    }

    #[test]
    fn lines_are_bounded_and_a_long_one_is_skipped_to_its_end() {
        let mut input = "short\r\nwaytoolongline\nnext\n\u{e9}\nlast".as_bytes();
        let read = |input: &mut &[u8]| read_line(input, 8).expect("read");
        assert_eq!(read(&mut input), Some(Ok("short".to_string())));
        assert_eq!(read(&mut input), Some(Err(LineError::TooLong(8))));
        assert_eq!(read(&mut input), Some(Ok("next".to_string())));
        assert_eq!(read(&mut input), Some(Ok("\u{e9}".to_string())));
        assert_eq!(read(&mut input), Some(Ok("last".to_string())));
        assert_eq!(read(&mut input), None);
        let mut bad = &b"\xff\xfe\n"[..];
        assert_eq!(read_line(&mut bad, 8).expect("read"), Some(Err(LineError::NotUtf8)));
    }

    #[test]
    fn the_startup_lines_have_a_fixed_shape() {
        let ready = Startup::Ready(Ready { protocol: PROTOCOL, key: "k".into(), dim: 384 });
        assert_eq!(
            serde_json::to_string(&ready).expect("json"),
            r#"{"ready":{"protocol":1,"key":"k","dim":384}}"#
        );
        assert_eq!(serde_json::to_string(&Startup::Failed("no".into())).expect("json"), r#"{"failed":"no"}"#);
    }
}
