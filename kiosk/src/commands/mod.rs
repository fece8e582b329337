//! One module per `borne` subcommand.

pub mod ask;
pub mod config_show;
pub mod content_check;
pub mod content_import;
pub mod devices;
pub mod faq_gaps;
pub mod print;
pub mod run;
pub mod screenshot;
pub mod sim;

/// Loads the configured content for a one-shot command, printing every problem (`file:line:
/// message`) when it is broken.
pub fn load_content(config: &crate::config::Config) -> anyhow::Result<borne_content::Content> {
    match borne_content::load(&config.content_source()) {
        Ok(loaded) => Ok(loaded.content),
        Err(err) => {
            for problem in &err.problems {
                eprintln!("{problem}");
            }
            anyhow::bail!("the content of {} has {} error(s)", err.origin, err.error_count());
        }
    }
}
