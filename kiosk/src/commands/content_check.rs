//! `borne content check DIR`: validates a content directory the way the kiosk loads it.

use std::path::Path;
use std::process::ExitCode;

use borne_content::{ContentSource, load};

/// Prints every problem of `dir` (stderr) and a summary (stdout); non-zero exit on any error.
pub fn run(dir: &Path) -> ExitCode {
    if !dir.is_dir() {
        eprintln!("{}: not a directory", dir.display());
        return ExitCode::from(2);
    }
    match load(&ContentSource::Directory(dir.to_path_buf())) {
        Ok(loaded) => {
            for warning in &loaded.warnings {
                eprintln!("{warning}");
            }
            let c = &loaded.content;
            println!(
                "{}: OK, content version {} ({}): {} FAQ entries, {} services, {} procedures, {} news, {} events, {} synonym groups",
                dir.display(),
                c.version,
                c.commune.name,
                c.faq.len(),
                c.services.len(),
                c.procedures.len(),
                c.news.len(),
                c.events.len(),
                c.synonyms.len()
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            for problem in &err.problems {
                eprintln!("{problem}");
            }
            let n = err.error_count();
            eprintln!("{}: {n} error{}, content refused", dir.display(), if n == 1 { "" } else { "s" });
            ExitCode::FAILURE
        }
    }
}
