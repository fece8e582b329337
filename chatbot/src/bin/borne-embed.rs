//! `borne-embed`: the sentence-embedding sidecar of the Borne chatbot. It loads a
//! sentence-transformers model directory with rust-bert (libtorch) and answers the JSON-lines
//! protocol of `borne_chatbot::embed_protocol` on its standard input and output, so that a `borne`
//! built without libtorch gets meaning-level matching by running this program
//! (`borne_chatbot::process_embedder`). Installed as `/usr/lib/borne/borne-embed` by the
//! `borne-semantic-fr` package, with libtorch beside it.
//!
//! Usage: `borne-embed --model DIR [--threads N]`. It writes its ready line once the model is
//! loaded (or a `failed` line and exits 1), serves until its standard input closes, and exits 0.
//! Messages for people go to standard error.

use std::path::PathBuf;
use std::process::ExitCode;

use borne_chatbot::embed_protocol::{self, PROTOCOL, Ready, Startup};
use borne_chatbot::embedder::{Embedder, Role};
use borne_chatbot::semantic::SemanticModel;

const USAGE: &str = "usage: borne-embed --model DIR [--threads N]
Runs a sentence-embedding model for the Borne chatbot, speaking JSON lines on stdin/stdout
(see docs/chatbot.md).";

/// The command line.
struct Args {
    model: PathBuf,
    threads: usize,
}

fn parse() -> Result<Args, String> {
    let mut model = None;
    let mut threads = 1;
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--model") => model = Some(PathBuf::from(args.next().ok_or("--model needs a directory")?)),
            Some("--threads") => {
                threads = args
                    .next()
                    .and_then(|n| n.to_str().and_then(|n| n.parse().ok()))
                    .filter(|n| (1..=64).contains(n))
                    .ok_or("--threads needs a number from 1 to 64")?;
            }
            Some("--help" | "-h") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            Some("--version" | "-V") => {
                println!("borne-embed {} (protocol {PROTOCOL})", env!("CARGO_PKG_VERSION"));
                std::process::exit(0);
            }
            _ => return Err(format!("unknown argument {}", arg.to_string_lossy())),
        }
    }
    Ok(Args { model: model.ok_or("--model DIR is required")?, threads })
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("borne-embed: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    SemanticModel::set_threads(args.threads);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let started = std::time::Instant::now();
    // The first forward pass is slow: run it before saying ready, and learn the dimension.
    let loaded = SemanticModel::load(&args.model)
        .and_then(|model| model.embed(Role::Query, &["ok"]).map(|v| (v.first().map_or(0, Vec::len), model)));
    let (dim, model) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("borne-embed: {}: {e}", args.model.display());
            let _ = embed_protocol::write_line(&mut out, &Startup::Failed(e.to_string()));
            return ExitCode::from(1);
        }
    };
    let ready = Startup::Ready(Ready { protocol: PROTOCOL, key: model.key().to_string(), dim });
    if embed_protocol::write_line(&mut out, &ready).is_err() {
        return ExitCode::from(1);
    }
    eprintln!(
        "borne-embed: {} loaded in {} ms ({dim} dimensions, {} thread(s))",
        args.model.display(),
        started.elapsed().as_millis(),
        args.threads
    );
    match embed_protocol::serve(&model, std::io::stdin().lock(), out) {
        Ok(()) => ExitCode::SUCCESS,
        // The chatbot went away (broken pipe): nothing more to do.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("borne-embed: {e}");
            ExitCode::from(1)
        }
    }
}
