//! The on-disk spool: telemetry and events wait here until the broker has acknowledged them.
//!
//! Every message that must not be lost (telemetry, events, command replies) is appended to the
//! spool *before* it is published, and removed only when the broker has acknowledged it (QoS 1
//! PUBACK). So a network outage, a broker restart, a `kill -9` of the kiosk or a power cut loses
//! nothing that was spooled: on restart the spool is read back and replayed in order. Delivery is
//! *at least once*: a message acknowledged just before a crash may be sent again, and the
//! receiver de-duplicates by `seq`.
//!
//! # Layout
//!
//! The spool has two lanes, `telemetry/` and `event/` (events and command replies), so the drop
//! policy can sacrifice periodic telemetry before events. Each lane is a directory of append-only
//! segment files `{first_seq:020}.seg` holding framed records:
//!
//! ```text
//! u32 LE body length | u32 LE CRC-32 of the body | body = u64 LE seq | u16 LE topic length | topic | payload
//! ```
//!
//! and a `head` file (`u64 LE` first live seq + CRC-32, replaced atomically by rename) saying which
//! records are already delivered or dropped. Segments whose records are all behind the head are
//! deleted. Sequence numbers are shared by both lanes, so replay merges the lanes back into the
//! order the messages were produced in.
//!
//! # Crash safety and fsync policy
//!
//! - With [`SyncPolicy::EveryRecord`] (the kiosk's default) each append is written with one
//!   `write` and flushed with `fdatasync` before [`Spool::append`] returns; a new segment's
//!   directory entry is synced too. A power cut at any point loses no appended record.
//! - With [`SyncPolicy::Never`] the data sits in the page cache: it survives `kill -9` of the
//!   process (the kernel still writes it) but not a power cut. For simulators and benchmarks.
//! - A record torn by a crash mid-write fails its length or CRC check: recovery stops reading
//!   that segment there (nothing valid can follow a torn record, as appends only go to the newest
//!   segment and the newest segment is never reopened for writing: each run starts a fresh one).
//! - The head file is written to a temporary file, synced, then renamed over the old one, so it
//!   is either the old or the new value. It is updated by [`Spool::checkpoint`] (the client calls
//!   it about twice a second), so after a crash a few already-acknowledged messages may be
//!   replayed: that is the at-least-once duplicate the receiver drops by `seq`.
//!
//! # Bounds and drop policy
//!
//! The spool holds at most `max_records` records and `max_bytes` bytes of payload. When an append
//! would exceed either, the oldest telemetry record is dropped first; events are dropped only
//! when no telemetry is left. Drops are counted ([`Spool::take_dropped`]) and reported in the next
//! telemetry message.
//!
//! # Sequence numbers
//!
//! `seq` increases by one per appended message within a run. At start-up it continues after the
//! highest number ever spooled, and never below the current time in microseconds since 1970, so it
//! keeps increasing even if the spool directory is wiped (it stays below 2^53, safe for JSON
//! readers in JavaScript).

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Which lane a record goes to; it decides what is dropped first when the spool is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lane {
    /// Periodic telemetry: dropped first.
    Telemetry,
    /// Events and command replies: dropped last.
    Event,
}

impl Lane {
    const ALL: [Lane; 2] = [Lane::Telemetry, Lane::Event];

    fn dir_name(self) -> &'static str {
        match self {
            Lane::Telemetry => "telemetry",
            Lane::Event => "event",
        }
    }

    fn index(self) -> usize {
        match self {
            Lane::Telemetry => 0,
            Lane::Event => 1,
        }
    }
}

/// When appended records are forced to stable storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncPolicy {
    /// `fdatasync` after every append: survives power loss (the kiosk's default).
    EveryRecord,
    /// Never sync: survives a killed process, not a power cut (simulators, benchmarks).
    Never,
}

/// Limits of a spool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpoolLimits {
    /// Most records kept.
    pub max_records: usize,
    /// Most payload bytes kept (topics and framing not counted).
    pub max_bytes: usize,
}

impl Default for SpoolLimits {
    fn default() -> Self {
        // A week of telemetry every 60 s is 10,080 records of about 600 bytes.
        Self { max_records: 20_000, max_bytes: 16 * 1024 * 1024 }
    }
}

/// A spooled message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Its sequence number (unique, increasing in production order).
    pub seq: u64,
    /// Its lane.
    pub lane: Lane,
    /// The MQTT topic to publish it on.
    pub topic: String,
    /// The payload (JSON).
    pub payload: Vec<u8>,
}

/// What went wrong with the spool's files.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    /// A file or directory of the spool could not be read or written.
    #[error("spool {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The system error.
        source: io::Error,
    },
    /// A single record is larger than the spool may hold.
    #[error("a {size}-byte message does not fit in a spool of {max} bytes")]
    TooLarge {
        /// The payload size.
        size: usize,
        /// The spool's byte limit.
        max: usize,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> SpoolError + '_ {
    move |source| SpoolError::Io { path: path.to_path_buf(), source }
}

/// Largest body accepted when reading (anything bigger is corruption).
const MAX_BODY: usize = 16 * 1024 * 1024;
/// A segment is closed after this many records or bytes and a new one started.
const SEGMENT_RECORDS: usize = 4096;
const SEGMENT_BYTES: u64 = 4 * 1024 * 1024;

/// One lane on disk (when the spool has a directory).
#[derive(Debug)]
struct LaneFiles {
    dir: PathBuf,
    /// Segments in order: (first seq in it, last seq in it, path). The last one may be open.
    segments: VecDeque<(u64, u64, PathBuf)>,
    /// The segment being appended to, with its size and record count.
    writer: Option<(File, u64, usize)>,
    /// The head as last written to disk.
    saved_head: u64,
}

/// One lane: records in memory, and their files.
#[derive(Debug)]
struct LaneState {
    records: VecDeque<Record>,
    /// Records acknowledged while earlier ones are not yet (acks can come out of order).
    acked_ahead: std::collections::BTreeSet<u64>,
    /// Everything below this is delivered or dropped.
    head: u64,
    files: Option<LaneFiles>,
}

/// The spool. Not thread-safe by itself: one owner (the client task) appends, replays and acks.
#[derive(Debug)]
pub struct Spool {
    lanes: [LaneState; 2],
    limits: SpoolLimits,
    sync: SyncPolicy,
    next_seq: u64,
    bytes: usize,
    dropped: u64,
    dropped_total: u64,
    recovered: usize,
    skipped_torn: usize,
}

fn now_micros() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

impl Spool {
    /// A spool kept in memory only: it bridges network outages but not a restart.
    pub fn in_memory(limits: SpoolLimits) -> Self {
        let lane =
            || LaneState { records: VecDeque::new(), acked_ahead: Default::default(), head: 0, files: None };
        Self {
            lanes: [lane(), lane()],
            limits,
            sync: SyncPolicy::Never,
            next_seq: now_micros().max(1),
            bytes: 0,
            dropped: 0,
            dropped_total: 0,
            recovered: 0,
            skipped_torn: 0,
        }
    }

    /// Opens (creating it if needed) the spool in `dir` and recovers every record not yet
    /// delivered. A torn or corrupt record ends the reading of its segment and is counted in
    /// [`Spool::skipped_torn`].
    pub fn open(dir: &Path, limits: SpoolLimits, sync: SyncPolicy) -> Result<Self, SpoolError> {
        let mut spool = Self::in_memory(limits);
        spool.sync = sync;
        let mut max_seen = 0u64;
        for lane in Lane::ALL {
            let lane_dir = dir.join(lane.dir_name());
            fs::create_dir_all(&lane_dir).map_err(io_err(&lane_dir))?;
            let head = read_head(&lane_dir.join("head"))?;
            max_seen = max_seen.max(head);
            let mut names: Vec<(u64, PathBuf)> = Vec::new();
            for entry in fs::read_dir(&lane_dir).map_err(io_err(&lane_dir))? {
                let entry = entry.map_err(io_err(&lane_dir))?;
                let name = entry.file_name();
                let Some(stem) = name.to_str().and_then(|n| n.strip_suffix(".seg")) else { continue };
                if let Ok(first) = stem.parse::<u64>() {
                    names.push((first, entry.path()));
                }
            }
            names.sort();
            let state = &mut spool.lanes[lane.index()];
            state.head = head;
            let mut segments = VecDeque::new();
            for (first, path) in names {
                let (records, torn) = read_segment(&path, lane)?;
                if torn {
                    tracing::warn!(path = %path.display(), "spool: torn or corrupt record skipped");
                    spool.skipped_torn += 1;
                }
                let last = records.last().map_or(first, |r| r.seq);
                max_seen = max_seen.max(last.saturating_add(1));
                let live: Vec<Record> = records.into_iter().filter(|r| r.seq >= head).collect();
                if live.is_empty() {
                    // Fully delivered (or empty): no longer needed.
                    let _ = fs::remove_file(&path);
                    continue;
                }
                for record in live {
                    spool.bytes += record.payload.len();
                    spool.recovered += 1;
                    state.records.push_back(record);
                }
                segments.push_back((first, last, path));
            }
            state.files = Some(LaneFiles { dir: lane_dir, segments, writer: None, saved_head: head });
        }
        spool.next_seq = spool.next_seq.max(max_seen);
        // Recovered data may exceed new, smaller limits.
        while spool.len() > limits.max_records || spool.bytes > limits.max_bytes {
            if !spool.drop_oldest() {
                break;
            }
        }
        Ok(spool)
    }

    /// Appends a message; `payload` receives the message's sequence number and returns its bytes
    /// (so the number can be written inside the JSON). Returns the sequence number. With a
    /// directory, the record is on disk (and synced, per the policy) when this returns.
    pub fn append(
        &mut self,
        lane: Lane,
        topic: &str,
        payload: impl FnOnce(u64) -> Vec<u8>,
    ) -> Result<u64, SpoolError> {
        let seq = self.next_seq;
        let payload = payload(seq);
        if payload.len() > self.limits.max_bytes {
            return Err(SpoolError::TooLarge { size: payload.len(), max: self.limits.max_bytes });
        }
        while self.len() + 1 > self.limits.max_records || self.bytes + payload.len() > self.limits.max_bytes {
            if !self.drop_oldest() {
                break;
            }
        }
        let record = Record { seq, lane, topic: topic.to_string(), payload };
        let sync = self.sync;
        let state = &mut self.lanes[lane.index()];
        if let Some(files) = state.files.as_mut() {
            files.write(&record, sync)?;
        }
        self.next_seq += 1;
        self.bytes += record.payload.len();
        state.records.push_back(record);
        Ok(seq)
    }

    /// Drops the oldest telemetry record, else the oldest event; false when empty.
    fn drop_oldest(&mut self) -> bool {
        for lane in Lane::ALL {
            let state = &mut self.lanes[lane.index()];
            if let Some(record) = state.records.pop_front() {
                state.acked_ahead.remove(&record.seq);
                state.head = state.head.max(record.seq + 1);
                self.bytes -= record.payload.len();
                self.dropped += 1;
                self.dropped_total += 1;
                return true;
            }
        }
        false
    }

    /// Marks the record `seq` as delivered. Unknown numbers (already dropped or acked) are ignored.
    pub fn ack(&mut self, seq: u64) {
        for state in &mut self.lanes {
            if state.records.front().is_some_and(|r| r.seq == seq) {
                if let Some(r) = state.records.pop_front() {
                    self.bytes -= r.payload.len();
                }
                // Records acknowledged earlier, out of order, may now follow.
                while let Some(front) = state.records.front() {
                    if !state.acked_ahead.remove(&front.seq) {
                        break;
                    }
                    if let Some(r) = state.records.pop_front() {
                        self.bytes -= r.payload.len();
                    }
                }
                state.head = state.records.front().map_or(self.next_seq, |r| r.seq);
                return;
            }
            if state.records.iter().any(|r| r.seq == seq) {
                state.acked_ahead.insert(seq);
                return;
            }
        }
    }

    /// Records not yet delivered, oldest first across both lanes, skipping those already
    /// acknowledged out of order; at most `limit`, starting after sequence number `after`.
    pub fn pending_after(&self, after: Option<u64>, limit: usize) -> Vec<&Record> {
        let mut out = Vec::with_capacity(limit.min(self.len()));
        let (t, e) = (live(&self.lanes[0], after, limit), live(&self.lanes[1], after, limit));
        let (mut i, mut j) = (0, 0);
        while out.len() < limit && (i < t.len() || j < e.len()) {
            if j >= e.len() || (i < t.len() && t[i].seq < e[j].seq) {
                out.push(t[i]);
                i += 1;
            } else {
                out.push(e[j]);
                j += 1;
            }
        }
        out
    }

    /// Writes the heads that moved and deletes segments whose records are all delivered.
    /// Cheap when nothing changed.
    pub fn checkpoint(&mut self) -> Result<(), SpoolError> {
        let next_seq = self.next_seq;
        for state in &mut self.lanes {
            let head = state.records.front().map_or(next_seq, |r| r.seq).max(state.head);
            state.head = head;
            let Some(files) = state.files.as_mut() else { continue };
            if files.saved_head == head {
                continue;
            }
            write_head(&files.dir, head)?;
            files.saved_head = head;
            while let Some((_, last, path)) = files.segments.front() {
                let is_open = files.segments.len() == 1 && files.writer.is_some();
                if *last >= head || is_open {
                    break;
                }
                fs::remove_file(path).map_err(io_err(path))?;
                files.segments.pop_front();
            }
        }
        Ok(())
    }

    /// Records waiting (both lanes).
    pub fn len(&self) -> usize {
        self.lanes.iter().map(|l| l.records.len()).sum()
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Records waiting in one lane.
    pub fn lane_len(&self, lane: Lane) -> usize {
        self.lanes[lane.index()].records.len()
    }

    /// Payload bytes waiting.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The sequence number the next append will get.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Records dropped because the spool was full since the last call (and resets the count).
    pub fn take_dropped(&mut self) -> u64 {
        std::mem::take(&mut self.dropped)
    }

    /// Records dropped since the spool was opened.
    pub fn dropped_total(&self) -> u64 {
        self.dropped_total
    }

    /// Records recovered from disk when the spool was opened.
    pub fn recovered(&self) -> usize {
        self.recovered
    }

    /// Segments in which recovery met a torn or corrupt record.
    pub fn skipped_torn(&self) -> usize {
        self.skipped_torn
    }
}

/// A lane's live records after `after`, at most `limit`.
fn live(state: &LaneState, after: Option<u64>, limit: usize) -> Vec<&Record> {
    state
        .records
        .iter()
        .filter(|r| after.is_none_or(|a| r.seq > a) && !state.acked_ahead.contains(&r.seq))
        .take(limit)
        .collect()
}

impl LaneFiles {
    fn write(&mut self, record: &Record, sync: SyncPolicy) -> Result<(), SpoolError> {
        let full =
            self.writer.as_ref().is_some_and(|(_, size, n)| *size >= SEGMENT_BYTES || *n >= SEGMENT_RECORDS);
        if self.writer.is_none() || full {
            let path = self.dir.join(format!("{:020}.seg", record.seq));
            let file = OpenOptions::new().create(true).append(true).open(&path).map_err(io_err(&path))?;
            if sync == SyncPolicy::EveryRecord {
                sync_dir(&self.dir)?;
            }
            self.segments.push_back((record.seq, record.seq, path));
            self.writer = Some((file, 0, 0));
        }
        let frame = encode(record);
        let Some((file, size, count)) = self.writer.as_mut() else { return Ok(()) };
        let path = self.segments.back().map(|s| s.2.clone()).unwrap_or_default();
        file.write_all(&frame).map_err(io_err(&path))?;
        if sync == SyncPolicy::EveryRecord {
            file.sync_data().map_err(io_err(&path))?;
        }
        *size += frame.len() as u64;
        *count += 1;
        if let Some(last) = self.segments.back_mut() {
            last.1 = record.seq;
        }
        Ok(())
    }
}

fn encode(record: &Record) -> Vec<u8> {
    let topic = record.topic.as_bytes();
    let topic_len = topic.len().min(u16::MAX as usize);
    let mut body = Vec::with_capacity(10 + topic_len + record.payload.len());
    body.extend_from_slice(&record.seq.to_le_bytes());
    body.extend_from_slice(&(topic_len as u16).to_le_bytes());
    body.extend_from_slice(&topic[..topic_len]);
    body.extend_from_slice(&record.payload);
    let mut frame = Vec::with_capacity(8 + body.len());
    frame.extend_from_slice(&(body.len() as u32).to_le_bytes());
    frame.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    frame.extend_from_slice(&body);
    frame
}

/// Reads a segment's valid records; `true` when it ended on a torn or corrupt record.
fn read_segment(path: &Path, lane: Lane) -> Result<(Vec<Record>, bool), SpoolError> {
    let mut data = Vec::new();
    File::open(path).and_then(|mut f| f.read_to_end(&mut data)).map_err(io_err(path))?;
    let mut records = Vec::new();
    let mut at = 0usize;
    while at < data.len() {
        let Some(header) = data.get(at..at + 8) else { return Ok((records, true)) };
        let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let crc = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        if !(10..=MAX_BODY).contains(&len) {
            return Ok((records, true));
        }
        let Some(body) = data.get(at + 8..at + 8 + len) else { return Ok((records, true)) };
        if crc32fast::hash(body) != crc {
            return Ok((records, true));
        }
        let seq = u64::from_le_bytes(body[0..8].try_into().unwrap_or([0; 8]));
        let topic_len = u16::from_le_bytes([body[8], body[9]]) as usize;
        let Some(topic) = body.get(10..10 + topic_len) else { return Ok((records, true)) };
        let topic = String::from_utf8_lossy(topic).into_owned();
        records.push(Record { seq, lane, topic, payload: body[10 + topic_len..].to_vec() });
        at += 8 + len;
    }
    Ok((records, false))
}

fn read_head(path: &Path) -> Result<u64, SpoolError> {
    match fs::read(path) {
        Ok(bytes) if bytes.len() == 12 => {
            let value: [u8; 8] = bytes[0..8].try_into().unwrap_or([0; 8]);
            let crc = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
            if crc32fast::hash(&value) == crc {
                Ok(u64::from_le_bytes(value))
            } else {
                tracing::warn!(path = %path.display(), "spool: corrupt head file, replaying everything");
                Ok(0)
            }
        }
        Ok(_) => {
            tracing::warn!(path = %path.display(), "spool: head file of the wrong size, replaying everything");
            Ok(0)
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(SpoolError::Io { path: path.to_path_buf(), source: e }),
    }
}

fn write_head(dir: &Path, head: u64) -> Result<(), SpoolError> {
    let tmp = dir.join("head.tmp");
    let path = dir.join("head");
    let value = head.to_le_bytes();
    let mut bytes = value.to_vec();
    bytes.extend_from_slice(&crc32fast::hash(&value).to_le_bytes());
    let mut file = File::create(&tmp).map_err(io_err(&tmp))?;
    file.write_all(&bytes).and_then(|()| file.sync_data()).map_err(io_err(&tmp))?;
    fs::rename(&tmp, &path).map_err(io_err(&path))?;
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> Result<(), SpoolError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io_err(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_records: usize) -> SpoolLimits {
        SpoolLimits { max_records, max_bytes: 1 << 20 }
    }

    fn push(spool: &mut Spool, lane: Lane, text: &str) -> u64 {
        spool.append(lane, "t", |seq| format!("{seq}:{text}").into_bytes()).expect("append")
    }

    fn pending_texts(spool: &Spool) -> Vec<String> {
        spool
            .pending_after(None, usize::MAX)
            .iter()
            .map(|r| {
                String::from_utf8_lossy(&r.payload)
                    .split_once(':')
                    .map(|(_, t)| t.to_string())
                    .unwrap_or_default()
            })
            .collect()
    }

    #[test]
    fn replays_both_lanes_in_production_order_after_reopening() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first;
        {
            let mut spool = Spool::open(dir.path(), limits(100), SyncPolicy::EveryRecord).expect("open");
            first = push(&mut spool, Lane::Telemetry, "t1");
            push(&mut spool, Lane::Event, "e1");
            push(&mut spool, Lane::Telemetry, "t2");
            push(&mut spool, Lane::Event, "e2");
            // Dropped without checkpoint or close, as by kill -9.
        }
        let mut spool = Spool::open(dir.path(), limits(100), SyncPolicy::EveryRecord).expect("reopen");
        assert_eq!(spool.recovered(), 4);
        assert_eq!(pending_texts(&spool), ["t1", "e1", "t2", "e2"]);
        let seqs: Vec<u64> = spool.pending_after(None, 10).iter().map(|r| r.seq).collect();
        assert_eq!(seqs, [first, first + 1, first + 2, first + 3]);
        let next = push(&mut spool, Lane::Event, "e3");
        assert!(next > first + 3, "seq must keep increasing across restarts: {next}");
    }

    #[test]
    fn acknowledged_records_are_not_replayed_after_checkpoint() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut spool = Spool::open(dir.path(), limits(100), SyncPolicy::EveryRecord).expect("open");
        let a = push(&mut spool, Lane::Telemetry, "a");
        let b = push(&mut spool, Lane::Event, "b");
        let c = push(&mut spool, Lane::Telemetry, "c");
        let d = push(&mut spool, Lane::Telemetry, "d");
        spool.ack(a);
        spool.ack(d); // out of order: d waits behind c
        spool.ack(b);
        assert_eq!(pending_texts(&spool), ["c"]);
        spool.checkpoint().expect("checkpoint");
        drop(spool);
        let mut spool = Spool::open(dir.path(), limits(100), SyncPolicy::EveryRecord).expect("reopen");
        // d was acknowledged but sits behind c, so it is replayed too (a duplicate the receiver drops).
        assert_eq!(pending_texts(&spool), ["c", "d"]);
        spool.ack(c);
        spool.ack(d);
        spool.checkpoint().expect("checkpoint");
        assert!(spool.is_empty());
        drop(spool);
        let spool = Spool::open(dir.path(), limits(100), SyncPolicy::EveryRecord).expect("reopen");
        assert!(spool.is_empty(), "{:?}", pending_texts(&spool));
    }

    #[test]
    fn a_torn_tail_is_skipped_and_earlier_records_survive() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let mut spool = Spool::open(dir.path(), limits(100), SyncPolicy::EveryRecord).expect("open");
            push(&mut spool, Lane::Telemetry, "one");
            push(&mut spool, Lane::Telemetry, "two");
        }
        let lane_dir = dir.path().join("telemetry");
        let segment = fs::read_dir(&lane_dir)
            .expect("dir")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "seg"))
            .expect("a segment");
        // A power cut in the middle of a third record: header and half a body.
        let mut bytes = fs::read(&segment).expect("read");
        let whole = bytes.len();
        let third = encode(&Record {
            seq: 999,
            lane: Lane::Telemetry,
            topic: "t".into(),
            payload: b"three".to_vec(),
        });
        bytes.extend_from_slice(&third[..third.len() / 2]);
        fs::write(&segment, &bytes).expect("write");
        let spool = Spool::open(dir.path(), limits(100), SyncPolicy::EveryRecord).expect("reopen");
        assert_eq!(pending_texts(&spool), ["one", "two"]);
        assert_eq!(spool.skipped_torn(), 1);
        // A flipped bit in the second record's payload fails its CRC: only the first survives.
        let mut bytes = fs::read(&segment).expect("read");
        bytes[whole - 1] ^= 0x01;
        fs::write(&segment, &bytes).expect("write");
        let spool = Spool::open(dir.path(), limits(100), SyncPolicy::EveryRecord).expect("reopen");
        assert_eq!(pending_texts(&spool), ["one"]);
    }

    #[test]
    fn when_full_the_oldest_telemetry_goes_first_and_events_last() {
        let mut spool = Spool::in_memory(limits(4));
        push(&mut spool, Lane::Event, "e1");
        push(&mut spool, Lane::Telemetry, "t1");
        push(&mut spool, Lane::Telemetry, "t2");
        push(&mut spool, Lane::Event, "e2");
        push(&mut spool, Lane::Telemetry, "t3"); // drops t1
        push(&mut spool, Lane::Event, "e3"); // drops t2
        assert_eq!(pending_texts(&spool), ["e1", "e2", "t3", "e3"]);
        push(&mut spool, Lane::Event, "e4"); // drops t3
        push(&mut spool, Lane::Event, "e5"); // no telemetry left: drops e1
        assert_eq!(pending_texts(&spool), ["e2", "e3", "e4", "e5"]);
        assert_eq!(spool.take_dropped(), 4);
        assert_eq!(spool.take_dropped(), 0);
        assert_eq!(spool.dropped_total(), 4);
    }

    #[test]
    fn the_byte_limit_is_enforced_and_oversized_messages_refused() {
        let mut spool = Spool::in_memory(SpoolLimits { max_records: 100, max_bytes: 30 });
        for i in 0..10 {
            spool.append(Lane::Telemetry, "t", |_| vec![b'x'; 10]).expect("append");
            assert!(spool.bytes() <= 30, "after {i}: {}", spool.bytes());
        }
        assert_eq!(spool.len(), 3);
        assert!(matches!(
            spool.append(Lane::Event, "t", |_| vec![0; 31]),
            Err(SpoolError::TooLarge { size: 31, max: 30 })
        ));
    }

    #[test]
    fn drops_survive_a_restart_and_delivered_segments_are_deleted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut spool = Spool::open(dir.path(), limits(3), SyncPolicy::Never).expect("open");
        for i in 0..5 {
            push(&mut spool, Lane::Telemetry, &format!("t{i}"));
        }
        spool.checkpoint().expect("checkpoint");
        drop(spool);
        let mut spool = Spool::open(dir.path(), limits(3), SyncPolicy::Never).expect("reopen");
        assert_eq!(pending_texts(&spool), ["t2", "t3", "t4"]);
        let seqs: Vec<u64> = spool.pending_after(None, 10).iter().map(|r| r.seq).collect();
        for seq in seqs {
            spool.ack(seq);
        }
        push(&mut spool, Lane::Telemetry, "new");
        let new_seq = spool.pending_after(None, 1)[0].seq;
        spool.ack(new_seq);
        spool.checkpoint().expect("checkpoint");
        let segments = fs::read_dir(dir.path().join("telemetry"))
            .expect("dir")
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "seg"))
            .count();
        // Only the segment still open for writing remains.
        assert_eq!(segments, 1);
    }

    #[test]
    fn pending_after_continues_from_a_cursor() {
        let mut spool = Spool::in_memory(limits(100));
        let a = push(&mut spool, Lane::Telemetry, "a");
        push(&mut spool, Lane::Event, "b");
        push(&mut spool, Lane::Telemetry, "c");
        let next: Vec<&str> = spool
            .pending_after(Some(a), 1)
            .iter()
            .map(|r| std::str::from_utf8(&r.payload).expect("utf8"))
            .collect();
        assert_eq!(next.len(), 1);
        assert!(next[0].ends_with(":b"));
    }
}
