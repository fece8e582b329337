//! Where content files come from: a directory on disk or the demo content compiled into the binary.
//!
//! Both sources hand the loader the same thing, the bytes of a named file, so the demo content
//! goes through exactly the same parsing and validation as a commune's own directory.

use std::io;
use std::path::{Path, PathBuf};

/// The files the loader knows, in the order they are read.
pub const KNOWN_FILES: &[&str] =
    &["commune.toml", "faq.toml", "services.toml", "procedures.toml", "news.toml", "synonyms.toml"];

/// The demo content of the fictional commune of Vernay-sur-Loire, embedded at build time.
const DEMO_FILES: &[(&str, &[u8])] = &[
    ("commune.toml", include_bytes!("../demo/commune.toml")),
    ("faq.toml", include_bytes!("../demo/faq.toml")),
    ("services.toml", include_bytes!("../demo/services.toml")),
    ("procedures.toml", include_bytes!("../demo/procedures.toml")),
    ("news.toml", include_bytes!("../demo/news.toml")),
    ("synonyms.toml", include_bytes!("../demo/synonyms.toml")),
    ("logo.svg", include_bytes!("../demo/logo.svg")),
];

/// A place content files are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContentSource {
    /// A directory written by the commune's staff.
    Directory(PathBuf),
    /// The demo content built into the binary.
    Embedded,
}

impl ContentSource {
    /// The demo content directory of this source tree, for tools and tests that want real files.
    pub fn demo_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("demo")
    }

    /// Reads a file by name; `Ok(None)` when the source has no such file.
    pub fn read(&self, name: &str) -> io::Result<Option<Vec<u8>>> {
        match self {
            Self::Embedded => {
                Ok(DEMO_FILES.iter().find(|(n, _)| *n == name).map(|(_, bytes)| bytes.to_vec()))
            }
            Self::Directory(dir) => match std::fs::read(dir.join(name)) {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            },
        }
    }

    /// Names of the `.toml` files present in the source, to warn about misspelt file names.
    pub fn toml_files(&self) -> io::Result<Vec<String>> {
        match self {
            Self::Embedded => Ok(DEMO_FILES
                .iter()
                .map(|(n, _)| (*n).to_string())
                .filter(|n| n.ends_with(".toml"))
                .collect()),
            Self::Directory(dir) => {
                let mut names = Vec::new();
                for entry in std::fs::read_dir(dir)? {
                    let name = entry?.file_name().to_string_lossy().into_owned();
                    if name.ends_with(".toml") {
                        names.push(name);
                    }
                }
                names.sort();
                Ok(names)
            }
        }
    }

    /// Where the content comes from, for messages.
    pub fn describe(&self) -> String {
        match self {
            Self::Embedded => "embedded demo content".to_string(),
            Self::Directory(dir) => dir.display().to_string(),
        }
    }
}
