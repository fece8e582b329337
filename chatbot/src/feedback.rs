//! What visitors tell the kiosk about its answers, and what it could not answer.
//!
//! Staff need to know which FAQ entry to write next. Every refused or low-confidence question and
//! every "non, ça ne m'a pas aidé" vote is kept in a bounded local log (JSON lines, newest last),
//! with personal data masked before anything touches the disk: digits, e-mail addresses and the
//! words after "je m'appelle", "mon nom est"... Counters (questions, answered, refused, votes) are
//! kept for telemetry. [`FeedbackLog::gaps`] groups similar wordings so that "carte grise perdue" and
//! "j'ai perdu ma carte grise" count as one missing topic.
//!
//! The questions logged since the last telemetry report also wait in a short queue
//! ([`FeedbackLog::take_new_records`], at most [`PENDING_MAX_RECORDS`], each question masked and
//! cut to [`PENDING_QUESTION_MAX_CHARS`] characters) for the kiosk to report them to the fleet.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::analysis::Analyzer;
use crate::reply::{Reply, ReplyKind};

/// Answers below this confidence are logged as "low confidence" even though they were given.
pub const LOW_CONFIDENCE_MARGIN: f32 = 0.1;

/// Most records kept between two [`FeedbackLog::take_new_records`]; past that the oldest go.
pub const PENDING_MAX_RECORDS: usize = 50;

/// Longest question [`FeedbackLog::take_new_records`] returns, in characters (after masking).
pub const PENDING_QUESTION_MAX_CHARS: usize = 200;

/// Usage counters since the log was opened or last taken.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Questions asked (readable or not).
    pub questions: u64,
    /// Questions answered (FAQ or live hours).
    pub answered: u64,
    /// Questions refused ("je ne sais pas" or unreadable).
    pub refused: u64,
    /// Answers given with a confidence just above the threshold.
    pub low_confidence: u64,
    /// "Was this helpful?" answered yes.
    pub helpful_yes: u64,
    /// "Was this helpful?" answered no.
    pub helpful_no: u64,
}

/// Why a question is in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapReason {
    /// The chatbot said it did not know.
    Refused,
    /// The chatbot answered, with little confidence.
    LowConfidence,
    /// The visitor said the answer did not help.
    Unhelpful,
}

impl GapReason {
    /// Its name in the log and in telemetry: `refused`, `low_confidence` or `unhelpful`.
    pub fn code(self) -> &'static str {
        match self {
            GapReason::Refused => "refused",
            GapReason::LowConfidence => "low_confidence",
            GapReason::Unhelpful => "unhelpful",
        }
    }
}

/// One logged question, personal data masked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GapRecord {
    /// When it was asked.
    pub at: DateTime<Utc>,
    /// The question, masked.
    pub question: String,
    /// Why it is logged.
    pub reason: GapReason,
    /// The best FAQ entry found, if any.
    pub best_id: Option<String>,
    /// Its confidence.
    pub score: f32,
}

/// A group of similar unanswered questions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    /// How many times a question of the group was logged.
    pub count: usize,
    /// The most frequent wording.
    pub example: String,
    /// Other wordings (up to 5).
    pub variants: Vec<String>,
    /// The FAQ entry most often found for it, when any.
    pub nearest_id: Option<String>,
}

struct State {
    counters: Counters,
    records: VecDeque<GapRecord>,
    /// Logged since the last [`FeedbackLog::take_new_records`], at most [`PENDING_MAX_RECORDS`].
    pending: VecDeque<GapRecord>,
    lines_in_file: usize,
}

/// The feedback and gap log of one kiosk.
pub struct FeedbackLog {
    path: Option<PathBuf>,
    capacity: usize,
    state: Mutex<State>,
}

impl FeedbackLog {
    /// A log kept in memory only.
    pub fn in_memory(capacity: usize) -> Self {
        Self {
            path: None,
            capacity: capacity.max(1),
            state: Mutex::new(State {
                counters: Counters::default(),
                records: VecDeque::new(),
                pending: VecDeque::new(),
                lines_in_file: 0,
            }),
        }
    }

    /// A log kept in the JSON-lines file `path` (created when missing), holding at most `capacity`
    /// questions. Lines that cannot be read (a torn write at power loss) are skipped. The records
    /// read from the file are not new: [`take_new_records`](Self::take_new_records) returns only
    /// those logged from now on.
    pub fn open(path: &Path, capacity: usize) -> io::Result<Self> {
        let capacity = capacity.max(1);
        let mut records = VecDeque::new();
        let mut lines_in_file = 0;
        match File::open(path) {
            Ok(file) => {
                for line in BufReader::new(file).lines() {
                    lines_in_file += 1;
                    if let Ok(record) = serde_json::from_str::<GapRecord>(&line?) {
                        records.push_back(record);
                        if records.len() > capacity {
                            records.pop_front();
                        }
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        Ok(Self {
            path: Some(path.to_path_buf()),
            capacity,
            state: Mutex::new(State {
                counters: Counters::default(),
                records,
                pending: VecDeque::new(),
                lines_in_file,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts a reply to `question`, and logs the question if it was refused or barely answered.
    pub fn record_reply(&self, question: &str, reply: &Reply, threshold: f32, at: DateTime<Utc>) {
        let reason = {
            let mut state = self.lock();
            state.counters.questions += 1;
            match &reply.kind {
                ReplyKind::Answer { .. } if reply.score < threshold + LOW_CONFIDENCE_MARGIN => {
                    state.counters.answered += 1;
                    state.counters.low_confidence += 1;
                    Some(GapReason::LowConfidence)
                }
                ReplyKind::Answer { .. } | ReplyKind::LiveHours { .. } => {
                    state.counters.answered += 1;
                    None
                }
                // "Vouliez-vous dire ?": neither answered nor refused, a near miss staff should see.
                ReplyKind::Clarify => {
                    state.counters.low_confidence += 1;
                    Some(GapReason::LowConfidence)
                }
                ReplyKind::DontKnow => {
                    state.counters.refused += 1;
                    Some(GapReason::Refused)
                }
                ReplyKind::InvalidInput { .. } => {
                    state.counters.refused += 1;
                    None
                }
            }
        };
        if let Some(reason) = reason {
            let best_id = reply.topk.first().map(|c| c.id.clone());
            self.push(GapRecord {
                at,
                question: mask_personal_data(question),
                reason,
                best_id,
                score: reply.score,
            });
        }
    }

    /// Counts a "was this helpful?" vote on the answer `faq_id` to `question`; a "no" is logged.
    pub fn record_vote(&self, question: &str, faq_id: Option<&str>, helpful: bool, at: DateTime<Utc>) {
        {
            let mut state = self.lock();
            if helpful {
                state.counters.helpful_yes += 1;
            } else {
                state.counters.helpful_no += 1;
            }
        }
        if !helpful {
            self.push(GapRecord {
                at,
                question: mask_personal_data(question),
                reason: GapReason::Unhelpful,
                best_id: faq_id.map(str::to_string),
                score: 0.0,
            });
        }
    }

    fn push(&self, record: GapRecord) {
        let mut state = self.lock();
        state.records.push_back(record.clone());
        while state.records.len() > self.capacity {
            state.records.pop_front();
        }
        state.pending.push_back(GapRecord {
            question: record.question.chars().take(PENDING_QUESTION_MAX_CHARS).collect(),
            ..record.clone()
        });
        if state.pending.len() > PENDING_MAX_RECORDS {
            state.pending.pop_front();
            tracing::debug!("gap records not taken in time: the oldest is not reported");
        }
        if let Some(path) = &self.path
            && let Err(e) = self.append(path, &record, &mut state)
        {
            tracing::warn!(error = %e, path = %path.display(), "cannot write the feedback log");
        }
    }

    /// Appends one line; when the file has grown to twice the capacity, rewrites it with the
    /// records kept in memory (write to a temporary file, then rename).
    fn append(&self, path: &Path, record: &GapRecord, state: &mut State) -> io::Result<()> {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        let line = serde_json::to_string(record).map_err(io::Error::other)?;
        let mut file = OpenOptions::new().create(true).append(true).open(path)?;
        writeln!(file, "{line}")?;
        state.lines_in_file += 1;
        if state.lines_in_file >= 2 * self.capacity {
            let tmp = path.with_extension("jsonl.tmp");
            let mut out = File::create(&tmp)?;
            for r in &state.records {
                writeln!(out, "{}", serde_json::to_string(r).map_err(io::Error::other)?)?;
            }
            out.sync_all()?;
            fs::rename(&tmp, path)?;
            state.lines_in_file = state.records.len();
        }
        Ok(())
    }

    /// The counters since the log was opened (or last taken).
    pub fn counters(&self) -> Counters {
        self.lock().counters
    }

    /// The counters since the last call, reset to zero (for periodic telemetry reports).
    pub fn take_counters(&self) -> Counters {
        std::mem::take(&mut self.lock().counters)
    }

    /// The questions logged since the last call (or since the log was opened), oldest first, and
    /// forgets them: for periodic telemetry reports. At most [`PENDING_MAX_RECORDS`] are kept
    /// between two calls (the oldest go first); each question is masked, as in the log, and cut
    /// to [`PENDING_QUESTION_MAX_CHARS`] characters.
    pub fn take_new_records(&self) -> Vec<GapRecord> {
        std::mem::take(&mut self.lock().pending).into()
    }

    /// The logged questions, oldest first.
    pub fn records(&self) -> Vec<GapRecord> {
        self.lock().records.iter().cloned().collect()
    }

    /// The most frequent unanswered topics, most frequent first.
    pub fn gaps(&self, limit: usize) -> Vec<Gap> {
        group_gaps(&self.records(), limit)
    }
}

/// Groups similar questions: same set of French stems, or sets that share most of their stems.
pub fn group_gaps(records: &[GapRecord], limit: usize) -> Vec<Gap> {
    let mut analyzer = Analyzer::new();
    struct Group {
        stems: BTreeSet<String>,
        wordings: HashMap<String, usize>,
        nearest: HashMap<String, usize>,
        count: usize,
    }
    let mut groups: Vec<Group> = Vec::new();
    for record in records {
        let stems: BTreeSet<String> = analyzer.stems(&record.question).into_iter().collect();
        if stems.is_empty() {
            continue;
        }
        let wording = record.question.trim().to_lowercase();
        let found = groups.iter_mut().find(|g| jaccard(&g.stems, &stems) >= 0.5);
        let group = match found {
            Some(group) => group,
            None => {
                groups.push(Group {
                    stems: stems.clone(),
                    wordings: HashMap::new(),
                    nearest: HashMap::new(),
                    count: 0,
                });
                let last = groups.len() - 1;
                &mut groups[last]
            }
        };
        group.count += 1;
        *group.wordings.entry(wording).or_default() += 1;
        if let Some(id) = &record.best_id {
            *group.nearest.entry(id.clone()).or_default() += 1;
        }
    }
    let mut gaps: Vec<Gap> = groups
        .into_iter()
        .map(|g| {
            let mut wordings: Vec<(String, usize)> = g.wordings.into_iter().collect();
            wordings.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let nearest =
                g.nearest.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))).map(|(id, _)| id);
            let mut names = wordings.into_iter().map(|(w, _)| w);
            Gap {
                count: g.count,
                example: names.next().unwrap_or_default(),
                variants: names.take(5).collect(),
                nearest_id: nearest,
            }
        })
        .collect();
    gaps.sort_by(|a, b| b.count.cmp(&a.count).then(a.example.cmp(&b.example)));
    gaps.truncate(limit);
    gaps
}

fn jaccard(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f32 {
    let shared = a.intersection(b).count();
    let all = a.union(b).count();
    if all == 0 { 0.0 } else { shared as f32 / all as f32 }
}

static EMAIL: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"[\w.+-]+@[\w-]+(\.[\w-]+)+").ok());
static NAME_INTRO: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"\b((?i:je m['’ ]?appelle|j['’ ]?m['’ ]?appelle|mon nom (?:est|c['’ ]?est)|mon prénom (?:est|c['’ ]?est)|je suis (?:madame|monsieur|mme|mr|m\.)))\s+([\p{L}'’-]+)(\s+\p{Lu}[\p{L}'’-]*)?",
    )
    .ok()
});

/// Masks personal data in free text: e-mail addresses become `[email]`, names introduced by
/// "je m'appelle", "mon nom est", "je suis madame"... become `[nom]`, and every digit becomes `#`
/// (phone, card, social security and street numbers, dates of birth).
pub fn mask_personal_data(text: &str) -> String {
    let mut masked = text.to_string();
    if let Some(email) = EMAIL.as_ref() {
        masked = email.replace_all(&masked, "[email]").into_owned();
    }
    if let Some(intro) = NAME_INTRO.as_ref() {
        masked = intro.replace_all(&masked, "$1 [nom]").into_owned();
    }
    masked.chars().map(|c| if c.is_ascii_digit() { '#' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::Candidate;

    #[test]
    fn personal_data_is_masked() {
        assert_eq!(
            mask_personal_data("Je m'appelle Jean Dupont, tel 06 12 34 56 78, jean.dupont@mail.fr"),
            "Je m'appelle [nom], tel ## ## ## ## ##, [email]"
        );
        assert_eq!(
            mask_personal_data("mon nom est martin et ma carte 4970 1012"),
            "mon nom est [nom] et ma carte #### ####"
        );
        assert_eq!(mask_personal_data("je suis madame Leroy"), "je suis madame [nom]");
        assert_eq!(mask_personal_data("horaires piscine"), "horaires piscine");
    }

    fn reply(kind: ReplyKind, score: f32, best: Option<&str>) -> Reply {
        let topk: Vec<Candidate> =
            best.map(|id| Candidate { id: id.into(), question: "q".into(), score }).into_iter().collect();
        Reply {
            kind,
            id: None,
            text: String::new(),
            answer: None,
            score,
            topk,
            suggestions: Vec::new(),
            choices: Vec::new(),
            link: None,
            language: crate::Language::French,
        }
    }

    fn at() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).expect("time")
    }

    #[test]
    fn new_records_are_taken_once_masked_and_without_answered_questions() {
        let log = FeedbackLog::in_memory(100);
        let answer =
            |score| reply(ReplyKind::Answer { faq_id: "cni-perte".into() }, score, Some("cni-perte"));
        log.record_reply(
            "je m'appelle Dupont, tel 0612345678",
            &reply(ReplyKind::DontKnow, 0.1, None),
            0.4,
            at(),
        );
        log.record_reply("horaires piscine", &answer(0.9), 0.4, at());
        log.record_reply("carte identite perdue", &answer(0.45), 0.4, at());
        log.record_vote("passeport ecrit par jean@mail.fr", Some("passeport"), false, at());
        log.record_vote("horaires piscine", Some("piscine"), true, at());

        let taken = log.take_new_records();
        let seen: Vec<(&str, GapReason, Option<&str>)> =
            taken.iter().map(|r| (r.question.as_str(), r.reason, r.best_id.as_deref())).collect();
        assert_eq!(
            seen,
            [
                ("je m'appelle [nom], tel ##########", GapReason::Refused, None),
                ("carte identite perdue", GapReason::LowConfidence, Some("cni-perte")),
                ("passeport ecrit par [email]", GapReason::Unhelpful, Some("passeport")),
            ]
        );
        assert_eq!(
            taken.iter().map(|r| r.reason.code()).collect::<Vec<_>>(),
            ["refused", "low_confidence", "unhelpful"]
        );
        // Taken once; the log itself keeps them for `borne faq gaps`.
        assert!(log.take_new_records().is_empty());
        assert_eq!(log.records().len(), 3);
        log.record_reply(
            "ou faire immatriculer ma moto",
            &reply(ReplyKind::DontKnow, 0.2, Some("cg")),
            0.4,
            at(),
        );
        let taken = log.take_new_records();
        assert_eq!(taken.len(), 1);
        assert_eq!(taken[0].best_id.as_deref(), Some("cg"));
    }

    #[test]
    fn new_records_are_bounded_and_their_questions_cut() {
        let log = FeedbackLog::in_memory(1000);
        let refused = reply(ReplyKind::DontKnow, 0.0, None);
        for n in 0..PENDING_MAX_RECORDS + 7 {
            log.record_reply(&format!("question {n}"), &refused, 0.4, at());
        }
        let taken = log.take_new_records();
        assert_eq!(taken.len(), PENDING_MAX_RECORDS);
        // The oldest went (and the digits are masked like the rest).
        assert_eq!(taken[0].question, "question #");
        assert_eq!(log.records().len(), PENDING_MAX_RECORDS + 7);

        // A long question is cut, in characters (not bytes), after masking; the log keeps it whole.
        let long = format!("é{}06 12 34 56 78", "à".repeat(300));
        log.record_reply(&long, &refused, 0.4, at());
        let taken = log.take_new_records();
        assert_eq!(taken[0].question.chars().count(), PENDING_QUESTION_MAX_CHARS);
        assert!(taken[0].question.starts_with("éà"));
        let kept = log.records().pop().expect("logged");
        assert!(kept.question.ends_with("## ## ## ## ##"), "{}", kept.question);
    }

    #[test]
    fn records_read_back_from_the_file_are_not_new() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("gaps.jsonl");
        {
            let log = FeedbackLog::open(&path, 10).expect("open");
            log.record_reply("ou garer mon velo", &reply(ReplyKind::DontKnow, 0.0, None), 0.4, at());
            assert_eq!(log.take_new_records().len(), 1);
        }
        let log = FeedbackLog::open(&path, 10).expect("reopen");
        assert_eq!(log.records().len(), 1);
        assert!(log.take_new_records().is_empty());
    }
}
