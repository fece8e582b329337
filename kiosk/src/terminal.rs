//! The kiosk in a terminal: the same content, live opening hours, procedures, news and FAQ, for
//! machines without a display (a technician over SSH, a demo, a test), with the same privacy rule as
//! the touchscreen: after the idle timeout the screen is cleared and the welcome screen returns.
//!
//! Input is read on its own thread and handed over a channel, so that the session can wait for a
//! line *or* the idle timeout. Card reads from the reader thread arrive on the same channel: the
//! session greets the card holder (masked number only). With a simulated reader, typing
//! `carte CODE` (or `card CODE`) at any prompt presents a card to it.
//!
//! A question the chatbot is unsure about lists its "Vouliez-vous dire :" choices, and a refusal
//! its closest questions, numbered: typing a number shows that entry's answer, in the session's
//! language around it (the answers themselves are the commune's, in French: a visitor reading
//! English is told so).
//!
//! With a printer attached ([`TerminalSession::with_printer`]), every chatbot answer and the last
//! procedure shown can be printed ("p"), and the session says where the receipt went (the
//! simulated printer's PNG and text).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use borne_hardware::reader::{ReaderEvent, ReaderKind};

use borne_chatbot::feedback::FeedbackLog;
use borne_chatbot::{Candidate, Chatbot, Language, Reply, ReplyKind};
use borne_content::hours_text::{date_words, describe_day, describe_state};
use borne_content::text::sort_key;
use borne_content::{Content, ContentStore, Lang, Service};
use borne_ui::strings::Text;
use chrono::{DateTime, Timelike};
use chrono_tz::Tz;

use crate::clock::Clock;
use crate::printing::{KioskPrinter, Printed, describe};
use crate::reading::{self, Tapper};
use crate::telemetry::UsageCounters;
use borne_telemetry::client::EventSink;
use borne_telemetry::messages::EventKind;

/// How long the session waits for a receipt before telling the visitor it is queued.
const PRINT_WAIT: Duration = Duration::from_secs(5);

/// ANSI: clear the screen and move the cursor home.
const CLEAR: &str = "\x1b[2J\x1b[H";

/// What the visitor did.
#[derive(Debug, PartialEq, Eq)]
enum Input {
    /// Typed a line.
    Line(String),
    /// Did nothing for the idle timeout.
    Idle,
    /// Input ended (Ctrl-D, closed pipe).
    End,
    /// A card was read (its masked number).
    Card(String),
    /// The reader read something that is not a valid card.
    NotACard,
}

/// The card reader as the session sees it.
pub struct CardFeed {
    /// Events from the reader thread.
    pub events: Receiver<ReaderEvent>,
    /// The kind of reader.
    pub kind: ReaderKind,
    /// Present when the reader is simulated: taps cards on it.
    pub tapper: Option<Tapper>,
}

/// How long a tap on the simulated reader may take to come back as a read (it comes back in
/// milliseconds; the margin is for a loaded machine, where the reader may still be opening).
const TAP_PATIENCE: Duration = Duration::from_secs(10);

/// Where the session goes after a screen.
enum Next {
    Stay,
    Restart,
    Quit,
}

/// A kiosk session on a terminal.
pub struct TerminalSession {
    store: Arc<ContentStore>,
    chatbot: Arc<Chatbot>,
    feedback: Arc<FeedbackLog>,
    clock: Clock,
    default_lang: Lang,
    idle: Duration,
    lang: Lang,
    clear_screen: bool,
    cards: Option<CardFeed>,
    tapper: Option<(ReaderKind, Tapper)>,
    /// Inputs that arrived while waiting for a tap's result, handled next.
    pending: RefCell<VecDeque<Input>>,
    printer: Option<Arc<KioskPrinter>>,
    content_dir: Option<PathBuf>,
    /// Where ended sessions are counted for telemetry.
    usage: Option<Arc<UsageCounters>>,
    /// Where votes are reported as telemetry events (the FAQ id only, never the question).
    events: Option<EventSink>,
}

impl TerminalSession {
    /// A session over the content of `store` and its `chatbot`, recording votes and unanswered
    /// questions in `feedback`, starting in `lang`, reset after `idle_secs` idle.
    pub fn new(
        store: Arc<ContentStore>,
        chatbot: Arc<Chatbot>,
        feedback: Arc<FeedbackLog>,
        clock: Clock,
        lang: Lang,
        idle_secs: u64,
    ) -> Self {
        Self {
            store,
            chatbot,
            feedback,
            clock,
            default_lang: lang,
            idle: Duration::from_secs(idle_secs),
            lang,
            clear_screen: io::IsTerminal::is_terminal(&io::stdout()),
            cards: None,
            tapper: None,
            pending: RefCell::new(VecDeque::new()),
            printer: None,
            content_dir: None,
            usage: None,
            events: None,
        }
    }

    /// Counts each ended session (and its length) for telemetry, and reports votes as events.
    pub fn with_telemetry(mut self, usage: Arc<UsageCounters>, events: EventSink) -> Self {
        self.usage = Some(usage);
        self.events = Some(events);
        self
    }

    /// Reacts to the card reader's events (and taps its simulator, if it has one).
    pub fn with_cards(mut self, feed: CardFeed) -> Self {
        self.tapper = feed.tapper.clone().map(|t| (feed.kind, t));
        self.cards = Some(feed);
        self
    }

    /// Offers to print answers on `printer`; the commune's logo is read from `content_dir`.
    pub fn with_printer(mut self, printer: Arc<KioskPrinter>, content_dir: Option<PathBuf>) -> Self {
        self.printer = Some(printer);
        self.content_dir = content_dir;
        self
    }

    /// Runs sessions one after another until input ends or the visitor quits.
    pub fn run<R: Read + Send + 'static, W: Write>(mut self, input: R, out: &mut W) -> io::Result<()> {
        let (tx, lines) = mpsc::channel();
        if let Some(feed) = self.cards.take() {
            forward_cards(feed.events, tx.clone());
        }
        spawn_reader(input, tx);
        loop {
            self.lang = self.default_lang;
            let content = self.store.current();
            self.welcome(&content, out)?;
            // A line or a card starts a session.
            loop {
                match self.receive(&lines, out, None)? {
                    Input::Line(_) | Input::Card(_) => break,
                    Input::NotACard => {}
                    Input::Idle | Input::End => return Ok(()),
                }
            }
            let started = Instant::now();
            let next = self.menu(&lines, out)?;
            if let Some(usage) = &self.usage {
                usage.session_ended(started.elapsed());
            }
            match next {
                Next::Quit => {
                    writeln!(out, "{}", Text::Goodbye.get(self.lang))?;
                    return Ok(());
                }
                Next::Restart | Next::Stay => {}
            }
        }
    }

    /// The next line, idle timeout or end; card reads are greeted on the way.
    fn wait<W: Write>(&self, lines: &Receiver<Input>, out: &mut W) -> io::Result<Input> {
        loop {
            match self.receive(lines, out, Some(self.idle))? {
                Input::Card(_) | Input::NotACard => {
                    write!(out, "> ")?;
                    out.flush()?;
                }
                other => return Ok(other),
            }
        }
    }

    /// The next input, waiting at most `timeout` (forever if `None`). A card read is greeted
    /// and returned; a `carte CODE` line with a simulated reader taps the card and returns what
    /// the reader made of it.
    fn receive<W: Write>(
        &self,
        lines: &Receiver<Input>,
        out: &mut W,
        timeout: Option<Duration>,
    ) -> io::Result<Input> {
        let input = match self.pending.borrow_mut().pop_front() {
            Some(input) => input,
            None => match timeout {
                Some(timeout) => match lines.recv_timeout(timeout) {
                    Ok(input) => input,
                    Err(RecvTimeoutError::Timeout) => Input::Idle,
                    Err(RecvTimeoutError::Disconnected) => Input::End,
                },
                None => lines.recv().unwrap_or(Input::End),
            },
        };
        match input {
            Input::Line(line) => match (&self.tapper, reading::tap_command(&line)) {
                (Some((_, tapper)), Some(code)) => self.tap(tapper, code, lines, out),
                _ => Ok(Input::Line(line)),
            },
            card @ (Input::Card(_) | Input::NotACard) => {
                self.show_card(&card, out)?;
                Ok(card)
            }
            other => Ok(other),
        }
    }

    /// Taps `code` on the simulated reader and waits for the reader's verdict.
    fn tap<W: Write>(
        &self,
        tapper: &Tapper,
        code: &str,
        lines: &Receiver<Input>,
        out: &mut W,
    ) -> io::Result<Input> {
        if let Err(why) = tapper.tap(code) {
            writeln!(out, "{}", why.text(self.lang))?;
            return Ok(Input::NotACard);
        }
        let deadline = Instant::now() + TAP_PATIENCE;
        loop {
            match lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(card @ (Input::Card(_) | Input::NotACard)) => {
                    self.show_card(&card, out)?;
                    return Ok(card);
                }
                Ok(other) => self.pending.borrow_mut().push_back(other),
                Err(_) => {
                    writeln!(out, "{}", reading::no_answer(self.lang))?;
                    return Ok(Input::NotACard);
                }
            }
        }
    }

    fn show_card<W: Write>(&self, card: &Input, out: &mut W) -> io::Result<()> {
        writeln!(out)?;
        match card {
            Input::Card(masked) => writeln!(out, "{}", reading::greeting(masked, self.lang))?,
            _ => writeln!(out, "{}", reading::not_recognised(self.lang))?,
        }
        out.flush()
    }

    fn welcome<W: Write>(&self, content: &Content, out: &mut W) -> io::Result<()> {
        let lang = self.lang;
        let now = self.clock.now();
        writeln!(out)?;
        writeln!(out, "=== {} — {} ===", Text::Welcome.get(lang), content.commune.name)?;
        writeln!(
            out,
            "{} {}",
            capitalise(&date_words(now.date_naive(), lang)),
            borne_content::hours_text::clock(now.hour(), now.minute(), lang)
        )?;
        writeln!(out)?;
        for service in &content.services {
            writeln!(out, "  {}", service_status(service, now, lang))?;
        }
        writeln!(out)?;
        if let Some((kind, _)) = &self.tapper {
            writeln!(out, "{}", reading::simulator_help(*kind, lang))?;
        }
        writeln!(out, "> {}", Text::PressEnterToStart.get(lang))?;
        out.flush()
    }

    fn menu<W: Write>(&mut self, lines: &Receiver<Input>, out: &mut W) -> io::Result<Next> {
        loop {
            let lang = self.lang;
            let items = [
                Text::AskQuestion,
                Text::HoursAndServices,
                Text::Procedures,
                Text::NewsAndEvents,
                Text::FrequentQuestions,
                Text::SwitchLanguage,
            ];
            writeln!(out)?;
            writeln!(out, "{}", Text::MenuTitle.get(lang))?;
            for (i, item) in items.iter().enumerate() {
                writeln!(out, "  {}. {}", i + 1, item.get(lang))?;
            }
            writeln!(out, "  0. {}", Text::Quit.get(lang))?;
            let next = match self.choose(lines, out, items.len())? {
                Choice::Item(0) => self.ask(lines, out)?,
                Choice::Item(1) => self.hours(lines, out)?,
                Choice::Item(2) => self.procedures(lines, out)?,
                Choice::Item(3) => self.news(out)?,
                Choice::Item(4) => self.faq(lines, out)?,
                Choice::Item(_) => {
                    self.lang = self.lang.toggled();
                    Next::Stay
                }
                Choice::Back => return Ok(Next::Quit),
                Choice::Idle => return self.idle_reset(out),
                Choice::End => return Ok(Next::Quit),
            };
            match next {
                Next::Stay => {}
                other => return Ok(other),
            }
        }
    }

    /// Clears everything the visitor saw and goes back to the welcome screen.
    fn idle_reset<W: Write>(&self, out: &mut W) -> io::Result<Next> {
        if self.clear_screen {
            write!(out, "{CLEAR}")?;
        }
        writeln!(out, "{}", Text::SessionEnded.get(self.lang))?;
        Ok(Next::Restart)
    }

    /// Reads a number between 1 and `count` (or 0 for back), asking again on anything else.
    fn choose<W: Write>(&self, lines: &Receiver<Input>, out: &mut W, count: usize) -> io::Result<Choice> {
        loop {
            write!(out, "{} > ", Text::ChooseNumber.get(self.lang))?;
            out.flush()?;
            match self.wait(lines, out)? {
                Input::Idle => return Ok(Choice::Idle),
                Input::End => return Ok(Choice::End),
                Input::Card(_) | Input::NotACard => {}
                Input::Line(line) => match line.trim().parse::<usize>() {
                    Ok(0) => return Ok(Choice::Back),
                    Ok(n) if n <= count => return Ok(Choice::Item(n - 1)),
                    _ if line.trim().is_empty() => {}
                    _ => writeln!(out, "{}", Text::NotAChoice.get(self.lang))?,
                },
            }
        }
    }

    /// Questions to the chatbot, one after another. An answer is followed by "did it help?"; a
    /// "Vouliez-vous dire :" lists its choices and a refusal its closest questions, numbered:
    /// typing a number shows that entry's answer, anything else is the next question.
    fn ask<W: Write>(&self, lines: &Receiver<Input>, out: &mut W) -> io::Result<Next> {
        let lang = self.lang;
        let mut offer: Option<Offer> = None;
        loop {
            writeln!(out)?;
            if offer.is_some() {
                write!(out, "{} > ", Text::PickOrAsk.get(lang))?;
            } else {
                writeln!(out, "{}", Text::AskQuestion.get(lang))?;
                write!(out, "{} > ", Text::TypeQuestion.get(lang))?;
            }
            out.flush()?;
            let line = match self.wait(lines, out)? {
                Input::Line(line) if line.trim().is_empty() => return Ok(Next::Stay),
                Input::Line(line) => line,
                Input::Idle => return self.idle_reset(out),
                Input::End => return Ok(Next::Quit),
                Input::Card(_) | Input::NotACard => continue,
            };
            let (shown, reply) = match offer.as_ref().map(|o| o.pick(&line)) {
                Some(Pick::Entry(shown, entry)) => {
                    (shown, entry.with_answer(&self.chatbot, self.clock.now()))
                }
                Some(Pick::NotInList) => {
                    writeln!(out, "{}", Text::NotAChoice.get(lang))?;
                    continue;
                }
                Some(Pick::Question) | None => {
                    let reply = self.chatbot.ask(&line, self.clock.now());
                    self.feedback.record_reply(
                        &line,
                        &reply,
                        self.chatbot.answer_threshold(),
                        chrono::Utc::now(),
                    );
                    (Shown { question: line.clone(), asked: line, picked: false }, reply)
                }
            };
            self.show_reply(&shown, &reply, out)?;
            offer = Offer::of(&reply, &shown.asked);
            if !reply.is_answer() {
                continue;
            }
            writeln!(out)?;
            writeln!(out, "{}", Text::WasItHelpful.get(lang))?;
            writeln!(out, "  1. {}   2. {}", Text::Yes.get(lang), Text::No.get(lang))?;
            let choice = if self.printer.is_some() {
                writeln!(out, "  p. {}", print_label(lang))?;
                loop {
                    match self.choose_or_print(lines, out, 2)? {
                        Some(choice) => break choice,
                        None => self.print_answer(&shown.question, reply.id.as_deref(), out)?,
                    }
                }
            } else {
                self.choose(lines, out, 2)?
            };
            match choice {
                Choice::Item(choice) => {
                    // A "no" is logged with the visitor's own words, even for an entry they picked.
                    self.feedback.record_vote(
                        &shown.asked,
                        reply.id.as_deref(),
                        choice == 0,
                        chrono::Utc::now(),
                    );
                    if let Some(events) = &self.events {
                        events.event(EventKind::Vote { helpful: choice == 0, faq_id: reply.id.clone() });
                    }
                    writeln!(out, "{}", Text::ThanksForFeedback.get(lang))?;
                }
                Choice::Back => {}
                Choice::Idle => return self.idle_reset(out),
                Choice::End => return Ok(Next::Quit),
            }
        }
    }

    /// Shows a reply in the session's language: an answer (headed by the entry's question when
    /// the visitor picked it, with a line saying it is in French when the visitor reads English),
    /// "Vouliez-vous dire :" with its numbered choices, or the refusal with its numbered closest
    /// questions (each once: the sentence does not list them).
    fn show_reply<W: Write>(&self, shown: &Shown, reply: &Reply, out: &mut W) -> io::Result<()> {
        let lang = self.lang;
        writeln!(out)?;
        if shown.picked {
            writeln!(out, "  {}", shown.question)?;
        }
        match reply.kind {
            ReplyKind::Clarify => {
                writeln!(out, "  {}", Text::DidYouMean.get(lang))?;
                numbered(&reply.choices, out)?;
            }
            ReplyKind::DontKnow => {
                let help_desk = &self.store.current().commune.help_desk;
                writeln!(out, "  {}", borne_ui::strings::dont_know(help_desk, lang))?;
                if !reply.suggestions.is_empty() {
                    writeln!(out, "  {}", Text::RelatedQuestions.get(lang))?;
                    numbered(&reply.suggestions, out)?;
                }
            }
            _ => {
                if reply.is_answer() && (lang == Lang::En || reply.language == Language::English) {
                    writeln!(out, "  {}", Text::AnswerInFrench.get(lang))?;
                }
                writeln!(out, "  {}", reply.text.replace('\n', "\n  "))?;
            }
        }
        if let Some(link) = &reply.link {
            writeln!(out, "  {} : {link}", Text::Online.get(lang))?;
        }
        Ok(())
    }

    /// Like [`choose`](Self::choose), but "p" asks to print: then `None`.
    fn choose_or_print<W: Write>(
        &self,
        lines: &Receiver<Input>,
        out: &mut W,
        count: usize,
    ) -> io::Result<Option<Choice>> {
        loop {
            write!(out, "{} > ", Text::ChooseNumber.get(self.lang))?;
            out.flush()?;
            match self.wait(lines, out)? {
                Input::Idle => return Ok(Some(Choice::Idle)),
                Input::End => return Ok(Some(Choice::End)),
                Input::Card(_) | Input::NotACard => {}
                Input::Line(line) if line.trim().eq_ignore_ascii_case("p") => return Ok(None),
                Input::Line(line) => match line.trim().parse::<usize>() {
                    Ok(0) => return Ok(Some(Choice::Back)),
                    Ok(n) if n <= count => return Ok(Some(Choice::Item(n - 1))),
                    _ if line.trim().is_empty() => {}
                    _ => writeln!(out, "{}", Text::NotAChoice.get(self.lang))?,
                },
            }
        }
    }

    /// Prints the answer sheet of FAQ entry `id` for the visitor's `question` and says where it went.
    fn print_answer<W: Write>(&self, question: &str, id: Option<&str>, out: &mut W) -> io::Result<()> {
        let Some(printer) = &self.printer else { return Ok(()) };
        let content = self.store.current();
        let Some(entry) = id.and_then(|id| content.faq.iter().find(|e| e.id == id)) else {
            writeln!(out, "  {}", nothing_to_print(self.lang))?;
            return Ok(());
        };
        let head = printer.letterhead(&content, self.content_dir.as_deref(), self.clock.now());
        let result =
            borne_hardware::printer::receipt::answer_sheet(printer.profile(), &head, entry, Some(question))
                .map_err(anyhow::Error::from)
                .and_then(|receipt| printer.print(receipt, PRINT_WAIT));
        self.report_print(result, out)
    }

    /// Prints a procedure sheet and says where it went.
    fn print_procedure<W: Write>(&self, procedure: &borne_content::Procedure, out: &mut W) -> io::Result<()> {
        let Some(printer) = &self.printer else { return Ok(()) };
        let content = self.store.current();
        let head = printer.letterhead(&content, self.content_dir.as_deref(), self.clock.now());
        let result = borne_hardware::printer::receipt::procedure_sheet(printer.profile(), &head, procedure)
            .map_err(anyhow::Error::from)
            .and_then(|receipt| printer.print(receipt, PRINT_WAIT));
        self.report_print(result, out)
    }

    fn report_print<W: Write>(&self, result: anyhow::Result<Printed>, out: &mut W) -> io::Result<()> {
        match result {
            Ok(printed) => writeln!(out, "  {}", describe(&printed)),
            Err(err) => {
                tracing::warn!(error = %format!("{err:#}"), "receipt not printed");
                writeln!(out, "  Impression impossible : {err:#}")
            }
        }
    }

    fn hours<W: Write>(&self, lines: &Receiver<Input>, out: &mut W) -> io::Result<Next> {
        let content = self.store.current();
        let lang = self.lang;
        loop {
            let now = self.clock.now();
            writeln!(out)?;
            writeln!(out, "{}", Text::HoursAndServices.get(lang))?;
            for (i, service) in content.services.iter().enumerate() {
                writeln!(out, "  {}. {}", i + 1, service_status(service, now, lang))?;
            }
            writeln!(out, "  0. {}", Text::Back.get(lang))?;
            let index = match self.choose(lines, out, content.services.len())? {
                Choice::Item(i) => i,
                Choice::Back => return Ok(Next::Stay),
                Choice::Idle => return self.idle_reset(out),
                Choice::End => return Ok(Next::Quit),
            };
            let service = &content.services[index];
            writeln!(out)?;
            writeln!(out, "{}", service.name)?;
            writeln!(out, "  {}", describe_state(&service.hours.state_at(now), now, lang))?;
            if let Some(address) = &service.address {
                writeln!(out, "  {} : {address}", Text::Address.get(lang))?;
            }
            if let Some(phone) = &service.phone {
                writeln!(out, "  {} : {phone}", Text::Phone.get(lang))?;
            }
            writeln!(out, "  {} :", Text::ThisWeek.get(lang))?;
            for day in service.hours.week(now.date_naive()) {
                writeln!(out, "    {:<22} {}", date_words(day.date, lang), describe_day(&day, lang))?;
            }
            let upcoming: Vec<_> =
                service.hours.closures().iter().filter(|c| c.to >= now.date_naive()).collect();
            if !upcoming.is_empty() {
                writeln!(out, "  {} :", Text::ExceptionalClosures.get(lang))?;
                for c in upcoming {
                    let dates = if c.from == c.to {
                        date_words(c.from, lang)
                    } else {
                        format!("{} → {}", date_words(c.from, lang), date_words(c.to, lang))
                    };
                    let hours = c.hours.as_deref().map(|h| format!(" ({h})")).unwrap_or_default();
                    writeln!(out, "    {dates}{hours} : {}", c.reason)?;
                }
            }
        }
    }

    fn procedures<W: Write>(&self, lines: &Receiver<Input>, out: &mut W) -> io::Result<Next> {
        let content = self.store.current();
        let lang = self.lang;
        let mut ordered: Vec<_> = content.procedures.iter().collect();
        ordered.sort_by_cached_key(|p| (sort_key(&p.theme), sort_key(&p.title)));
        let mut shown: Option<&borne_content::Procedure> = None;
        loop {
            writeln!(out)?;
            writeln!(out, "{}", Text::Procedures.get(lang))?;
            let mut theme = "";
            for (i, p) in ordered.iter().enumerate() {
                if p.theme != theme {
                    theme = &p.theme;
                    writeln!(out, "  [{theme}]")?;
                }
                writeln!(out, "  {}. {}", i + 1, p.title)?;
            }
            writeln!(out, "  0. {}", Text::Back.get(lang))?;
            let printable = shown.filter(|_| self.printer.is_some());
            if let Some(p) = printable {
                writeln!(out, "  p. {} : {}", print_procedure_label(lang), p.title)?;
            }
            let choice = match printable {
                Some(p) => match self.choose_or_print(lines, out, ordered.len())? {
                    Some(choice) => choice,
                    None => {
                        self.print_procedure(p, out)?;
                        continue;
                    }
                },
                None => self.choose(lines, out, ordered.len())?,
            };
            let p = match choice {
                Choice::Item(i) => ordered[i],
                Choice::Back => return Ok(Next::Stay),
                Choice::Idle => return self.idle_reset(out),
                Choice::End => return Ok(Next::Quit),
            };
            shown = Some(p);
            writeln!(out)?;
            writeln!(out, "{}", p.title)?;
            writeln!(out, "  {}", p.summary)?;
            writeln!(out, "  {} :", Text::Steps.get(lang))?;
            for (i, step) in p.steps.iter().enumerate() {
                writeln!(out, "    {}. {step}", i + 1)?;
            }
            if !p.documents.is_empty() {
                writeln!(out, "  {} :", Text::DocumentsToBring.get(lang))?;
                for doc in &p.documents {
                    writeln!(out, "    - {doc}")?;
                }
            }
            if let Some(cost) = &p.cost {
                writeln!(out, "  {} : {cost}", Text::Cost.get(lang))?;
            }
            if let Some(service) = p.service.as_deref().and_then(|id| content.service(id)) {
                writeln!(out, "  {}", service_status(service, self.clock.now(), lang))?;
            }
            if let Some(link) = &p.link {
                writeln!(out, "  {} : {link}", Text::Online.get(lang))?;
            }
        }
    }

    fn news<W: Write>(&self, out: &mut W) -> io::Result<Next> {
        let content = self.store.current();
        let lang = self.lang;
        let today = self.clock.now().date_naive();
        writeln!(out)?;
        writeln!(out, "{}", Text::News.get(lang))?;
        if content.news.is_empty() {
            writeln!(out, "  {}", Text::Nothing.get(lang))?;
        }
        for item in content.news.iter().take(5) {
            writeln!(out, "  {} — {}", date_words(item.date, lang), item.title)?;
            writeln!(out, "    {}", item.body.replace('\n', "\n    "))?;
        }
        writeln!(out)?;
        writeln!(out, "{}", Text::Events.get(lang))?;
        let upcoming: Vec<_> =
            content.events.iter().filter(|e| e.ends.unwrap_or(e.starts).date() >= today).collect();
        if upcoming.is_empty() {
            writeln!(out, "  {}", Text::Nothing.get(lang))?;
        }
        for event in upcoming.iter().take(8) {
            let time = borne_content::hours_text::clock(event.starts.hour(), event.starts.minute(), lang);
            writeln!(out, "  {} {time} — {}", date_words(event.starts.date(), lang), event.title)?;
            if let Some(place) = &event.place {
                writeln!(out, "    {} : {place}", Text::Where.get(lang))?;
            }
        }
        Ok(Next::Stay)
    }

    fn faq<W: Write>(&self, lines: &Receiver<Input>, out: &mut W) -> io::Result<Next> {
        let content = self.store.current();
        let lang = self.lang;
        let mut categories: Vec<&str> = content.faq.iter().filter_map(|e| e.category.as_deref()).collect();
        categories.sort_by_cached_key(|c| sort_key(c));
        categories.dedup();
        loop {
            writeln!(out)?;
            writeln!(out, "{}", Text::FrequentQuestions.get(lang))?;
            for (i, c) in categories.iter().enumerate() {
                writeln!(out, "  {}. {}", i + 1, capitalise(&c.replace('-', " ")))?;
            }
            writeln!(out, "  0. {}", Text::Back.get(lang))?;
            let category = match self.choose(lines, out, categories.len())? {
                Choice::Item(i) => categories[i],
                Choice::Back => return Ok(Next::Stay),
                Choice::Idle => return self.idle_reset(out),
                Choice::End => return Ok(Next::Quit),
            };
            let entries: Vec<_> =
                content.faq.iter().filter(|e| e.category.as_deref() == Some(category)).collect();
            loop {
                writeln!(out)?;
                for (i, e) in entries.iter().enumerate() {
                    writeln!(out, "  {}. {}", i + 1, e.question)?;
                }
                writeln!(out, "  0. {}", Text::Back.get(lang))?;
                let entry = match self.choose(lines, out, entries.len())? {
                    Choice::Item(i) => entries[i],
                    Choice::Back => break,
                    Choice::Idle => return self.idle_reset(out),
                    Choice::End => return Ok(Next::Quit),
                };
                writeln!(out)?;
                writeln!(out, "{}", entry.question)?;
                writeln!(out, "  {}", entry.answer.replace('\n', "\n  "))?;
                if let Some(link) = &entry.link {
                    writeln!(out, "  {} : {link}", Text::Online.get(lang))?;
                }
                writeln!(out, "  {} {}", Text::HelpDesk.get(lang), content.commune.help_desk)?;
            }
        }
    }
}

/// A reply being shown in the terminal session.
struct Shown {
    /// Its heading: the question typed, or the entry's question when the visitor picked it.
    question: String,
    /// What the visitor typed that led to it (logged with a "no" vote).
    asked: String,
    /// The visitor picked it by number from a list.
    picked: bool,
}

/// The entries a "Vouliez-vous dire :" or a refusal offered, numbered from 1.
struct Offer {
    entries: Vec<Candidate>,
    /// What the visitor typed.
    asked: String,
    /// The language it was asked in (the answer picked says when it is in French).
    language: Language,
}

/// What a line typed after an [`Offer`] means.
enum Pick {
    /// The number of an entry: show its answer.
    Entry(Shown, EntryPick),
    /// A number that is not in the list.
    NotInList,
    /// Anything else: a new question.
    Question,
}

/// An entry picked from an [`Offer`], before its answer is fetched.
struct EntryPick {
    id: String,
    question: String,
    language: Language,
}

impl Offer {
    /// What `reply` offers, if anything.
    fn of(reply: &Reply, asked: &str) -> Option<Offer> {
        let entries = match reply.kind {
            ReplyKind::Clarify => &reply.choices,
            ReplyKind::DontKnow => &reply.suggestions,
            _ => return None,
        };
        (!entries.is_empty()).then(|| Offer {
            entries: entries.clone(),
            asked: asked.to_string(),
            language: reply.language,
        })
    }

    /// What `line` picks.
    fn pick(&self, line: &str) -> Pick {
        let line = line.trim();
        if line.is_empty() || !line.chars().all(|c| c.is_ascii_digit()) {
            return Pick::Question;
        }
        match line.parse::<usize>().ok().and_then(|n| n.checked_sub(1)).and_then(|i| self.entries.get(i)) {
            Some(entry) => Pick::Entry(
                Shown { question: entry.question.clone(), asked: self.asked.clone(), picked: true },
                EntryPick { id: entry.id.clone(), question: entry.question.clone(), language: self.language },
            ),
            None => Pick::NotInList,
        }
    }
}

impl EntryPick {
    /// The entry's answer as it is (not its question asked again), in the language the visitor
    /// asked in; should a content reload have removed the entry, its question is asked instead.
    fn with_answer(self, chatbot: &Chatbot, now: DateTime<Tz>) -> Reply {
        let mut reply = chatbot.answer_entry(&self.id).unwrap_or_else(|| chatbot.ask(&self.question, now));
        reply.language = self.language;
        reply
    }
}

/// Writes `entries` as a numbered list, from 1.
fn numbered<W: Write>(entries: &[Candidate], out: &mut W) -> io::Result<()> {
    for (i, entry) in entries.iter().enumerate() {
        writeln!(out, "    {}. {}", i + 1, entry.question)?;
    }
    Ok(())
}

/// A visitor's choice in a numbered list.
enum Choice {
    Item(usize),
    Back,
    Idle,
    End,
}

/// Hands the reader's card reads to the session, on a thread, until the reader stops.
fn forward_cards(events: Receiver<ReaderEvent>, tx: Sender<Input>) {
    std::thread::spawn(move || {
        for event in events {
            let input = match event {
                ReaderEvent::Card(read) => Input::Card(read.code.masked()),
                ReaderEvent::Rejected { .. } => Input::NotACard,
                // Connection changes are logged by the reader thread.
                ReaderEvent::Connected { .. } | ReaderEvent::Disconnected { .. } => continue,
            };
            if tx.send(input).is_err() {
                return;
            }
        }
    });
}

/// Reads lines on a thread; sends `End` when input ends.
fn spawn_reader<R: Read + Send + 'static>(input: R, tx: Sender<Input>) {
    std::thread::spawn(move || {
        for line in BufReader::new(input).lines() {
            match line {
                Ok(line) => {
                    if tx.send(Input::Line(line)).is_err() {
                        return;
                    }
                }
                Err(_) => break,
            }
        }
        let _ = tx.send(Input::End);
    });
}

/// "Médiathèque : Ouvert maintenant, jusqu'à 18h00".
fn service_status(service: &Service, now: DateTime<Tz>, lang: Lang) -> String {
    format!("{} : {}", service.name, describe_state(&service.hours.state_at(now), now, lang))
}

fn print_label(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "Imprimer cette réponse",
        Lang::En => "Print this answer",
    }
}

fn print_procedure_label(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "Imprimer la démarche",
        Lang::En => "Print the procedure",
    }
}

fn nothing_to_print(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "Cette réponse ne peut pas être imprimée.",
        Lang::En => "This answer cannot be printed.",
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
