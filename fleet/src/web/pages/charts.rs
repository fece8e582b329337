//! Usage charts drawn on the server as inline SVG (no JavaScript library, no CDN): telemetry
//! reports are summed into hourly buckets over 24 hours and daily buckets over 30 days, and
//! each metric (sessions, questions, answer rate, satisfaction, prints) becomes a bar chart. Each
//! bar carries its value (`data-value`, a `<title>` tooltip), and each chart is followed by the
//! same numbers in a table, for screen readers and for anyone who prefers figures.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use maud::{Markup, html};

use super::i18n::Lang;
use crate::model::UsagePoint;

/// How long one bucket lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    /// One hour.
    Hour,
    /// One calendar day in the server's time zone.
    Day,
}

/// The usage summed over one period.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    /// When the period starts, in the time zone the buckets were made in.
    pub start: NaiveDateTime,
    /// Its length.
    pub granularity: Granularity,
    /// The reports' counts added up.
    pub usage: UsagePoint,
}

impl Bucket {
    /// A short axis label (`14h`, `29/11` / `11-29`).
    pub fn label(&self, lang: Lang) -> String {
        match (self.granularity, lang) {
            (Granularity::Hour, _) => self.start.format("%Hh").to_string(),
            (Granularity::Day, Lang::Fr) => self.start.format("%d/%m").to_string(),
            (Granularity::Day, Lang::En) => self.start.format("%m-%d").to_string(),
        }
    }

    /// The full period (`2026-11-29 14:00`, `2026-11-29`).
    pub fn long_label(&self) -> String {
        match self.granularity {
            Granularity::Hour => self.start.format("%Y-%m-%d %H:00").to_string(),
            Granularity::Day => self.start.format("%Y-%m-%d").to_string(),
        }
    }
}

/// The 24 hours up to `now` (the current hour last), each with the reports made in it.
pub fn hourly<Tz: TimeZone>(points: &[UsagePoint], now: DateTime<Utc>, tz: &Tz) -> Vec<Bucket> {
    let hour_start = now.timestamp() - now.timestamp().rem_euclid(3600);
    let first = hour_start - 23 * 3600;
    let mut buckets: Vec<Bucket> = (0..24)
        .map(|i| {
            let start = Utc.timestamp_opt(first + i * 3600, 0).single().unwrap_or(now);
            Bucket {
                start: start.with_timezone(tz).naive_local(),
                granularity: Granularity::Hour,
                usage: UsagePoint { at: start, ..UsagePoint::default() },
            }
        })
        .collect();
    for point in points {
        let offset = point.at.timestamp() - first;
        if offset >= 0
            && let Some(bucket) = usize::try_from(offset / 3600).ok().and_then(|i| buckets.get_mut(i))
        {
            bucket.usage.add(point);
        }
    }
    buckets
}

/// The `days` calendar days up to today (in `tz`), each with the reports made in it.
pub fn daily<Tz: TimeZone>(points: &[UsagePoint], now: DateTime<Utc>, tz: &Tz, days: u32) -> Vec<Bucket> {
    let today = now.with_timezone(tz).date_naive();
    let first = today - Duration::days(i64::from(days.max(1)) - 1);
    let mut buckets: Vec<Bucket> = (0..days.max(1))
        .map(|i| {
            let day: NaiveDate = first + Duration::days(i64::from(i));
            Bucket {
                start: day.and_hms_opt(0, 0, 0).unwrap_or_default(),
                granularity: Granularity::Day,
                usage: UsagePoint { at: now, ..UsagePoint::default() },
            }
        })
        .collect();
    for point in points {
        let offset = (point.at.with_timezone(tz).date_naive() - first).num_days();
        if let Some(bucket) = usize::try_from(offset).ok().and_then(|i| buckets.get_mut(i)) {
            bucket.usage.add(point);
        }
    }
    buckets
}

/// What a chart shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Sessions ended.
    Sessions,
    /// Questions asked.
    Questions,
    /// Answered / asked.
    AnswerRate,
    /// Helpful / votes.
    Satisfaction,
    /// Receipts printed.
    Prints,
}

impl Metric {
    /// Every metric, in the order the kiosk page shows them.
    pub const ALL: [Metric; 5] =
        [Metric::Sessions, Metric::Questions, Metric::AnswerRate, Metric::Satisfaction, Metric::Prints];

    /// Its name's key in the text table.
    pub fn key(self) -> &'static str {
        match self {
            Metric::Sessions => "chart.sessions",
            Metric::Questions => "chart.questions",
            Metric::AnswerRate => "chart.answer_rate",
            Metric::Satisfaction => "chart.satisfaction",
            Metric::Prints => "chart.prints",
        }
    }

    /// A stable id fragment (`sessions`, `answer-rate`…).
    pub fn slug(self) -> &'static str {
        match self {
            Metric::Sessions => "sessions",
            Metric::Questions => "questions",
            Metric::AnswerRate => "answer-rate",
            Metric::Satisfaction => "satisfaction",
            Metric::Prints => "prints",
        }
    }

    /// Whether it is a ratio (0 to 1, shown as a percentage).
    pub fn is_rate(self) -> bool {
        matches!(self, Metric::AnswerRate | Metric::Satisfaction)
    }

    /// Its value for some usage; `None` for a ratio without anything to divide.
    pub fn value(self, usage: &UsagePoint) -> Option<f64> {
        match self {
            Metric::Sessions => Some(usage.sessions as f64),
            Metric::Questions => Some(usage.questions as f64),
            Metric::AnswerRate => usage.answer_rate(),
            Metric::Satisfaction => usage.satisfaction(),
            Metric::Prints => Some(usage.prints as f64),
        }
    }

    /// A value in words (`12`, `75 %`).
    pub fn show(self, lang: Lang, value: Option<f64>) -> String {
        match value {
            None => lang.t("chart.no_data").to_string(),
            Some(v) if self.is_rate() => lang.percent(Some(v)),
            Some(v) => format!("{v:.0}"),
        }
    }

    /// The machine-readable value of a bar (`data-value`): counts as integers, ratios as whole
    /// percentages.
    pub fn data_value(self, value: f64) -> String {
        if self.is_rate() { format!("{:.0}", value * 100.0) } else { format!("{value:.0}") }
    }
}

/// The smallest of 1, 2, 5 × 10ⁿ at least `value` (at least 1): the top of a count axis.
pub fn nice_max(value: f64) -> f64 {
    if value.is_nan() || value <= 1.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * magnitude).find(|top| *top >= value).unwrap_or(value)
}

const WIDTH: f64 = 420.0;
const HEIGHT: f64 = 160.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 6.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 22.0;

fn axis_number(value: f64) -> String {
    if (value - value.round()).abs() < 1e-9 { format!("{value:.0}") } else { format!("{value:.1}") }
}

/// One metric over some buckets as an SVG bar chart with its data table. `id` must be unique
/// in the page; `label_every` says how many bars share one axis label.
pub fn bar_chart(lang: Lang, id: &str, metric: Metric, buckets: &[Bucket], label_every: usize) -> Markup {
    let values: Vec<Option<f64>> = buckets.iter().map(|b| metric.value(&b.usage)).collect();
    let top =
        if metric.is_rate() { 1.0 } else { nice_max(values.iter().flatten().copied().fold(0.0, f64::max)) };
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = plot_w / buckets.len().max(1) as f64;
    let bar_w = (slot * 0.78).max(1.0);
    let y_of = |v: f64| TOP + plot_h - (v / top).clamp(0.0, 1.0) * plot_h;
    let title = lang.t(metric.key());
    // The middle line only when it falls on a whole number (or for ratios: 50 %).
    let middle = top / 2.0;
    let ticks: Vec<f64> =
        if metric.is_rate() || middle.fract() == 0.0 { vec![0.0, middle, top] } else { vec![0.0, top] };
    let tick_label = |v: f64| if metric.is_rate() { lang.percent(Some(v)) } else { axis_number(v) };
    let every = label_every.max(1);
    html! {
        figure.chart id=(id) data-metric=(metric.slug()) {
            figcaption { (title) }
            svg.chart xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (WIDTH) " " (HEIGHT) }
                role="img" aria-labelledby={ (id) "-t " (id) "-d" } focusable="false" {
                title id={ (id) "-t" } { (title) }
                desc id={ (id) "-d" } { (lang.f("chart.desc", title)) }
                @for tick in ticks {
                    line.grid x1=(LEFT) x2=(WIDTH - RIGHT) y1=(y_of(tick)) y2=(y_of(tick)) {}
                    text.axis x=(LEFT - 5.0) y=(y_of(tick) + 4.0) text-anchor="end" { (tick_label(tick)) }
                }
                @for (i, (bucket, value)) in buckets.iter().zip(&values).enumerate() {
                    @let x = LEFT + i as f64 * slot + (slot - bar_w) / 2.0;
                    @if let Some(v) = value {
                        rect.bar x=(format!("{x:.1}")) y=(format!("{:.1}", y_of(*v))) width=(format!("{bar_w:.1}"))
                            height=(format!("{:.1}", TOP + plot_h - y_of(*v))) data-value=(metric.data_value(*v)) {
                            title { (bucket.long_label()) " : " (metric.show(lang, Some(*v))) }
                        }
                    } @else {
                        rect.bar.empty x=(format!("{x:.1}")) y=(format!("{:.1}", TOP + plot_h - 2.0))
                            width=(format!("{bar_w:.1}")) height="2" data-value="" {
                            title { (bucket.long_label()) " : " (lang.t("chart.no_data")) }
                        }
                    }
                    @if i % every == 0 {
                        text.axis x=(format!("{:.1}", x + bar_w / 2.0)) y=(HEIGHT - 6.0) text-anchor="middle" {
                            (bucket.label(lang))
                        }
                    }
                }
                line.base x1=(LEFT) x2=(WIDTH - RIGHT) y1=(TOP + plot_h) y2=(TOP + plot_h) {}
            }
            details {
                summary { (lang.t("common.data")) }
                table.data {
                    caption { (title) }
                    thead { tr { th scope="col" { (lang.t("common.period")) } th scope="col" { (lang.t("common.value")) } } }
                    tbody {
                        @for (bucket, value) in buckets.iter().zip(&values) {
                            tr { th scope="row" { (bucket.long_label()) } td { (metric.show(lang, *value)) } }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(at: &str, sessions: u64, questions: u64, answered: u64) -> UsagePoint {
        UsagePoint { at: at.parse().expect("time"), sessions, questions, answered, ..UsagePoint::default() }
    }

    #[test]
    fn reports_fall_in_their_hour_and_old_ones_are_left_out() {
        let now: DateTime<Utc> = "2026-11-29T14:20:00Z".parse().expect("now");
        let points = [
            point("2026-11-28T13:59:00Z", 100, 0, 0), // 24 h 21 min ago: outside
            point("2026-11-28T15:05:00Z", 1, 0, 0),   // first bucket
            point("2026-11-29T14:01:00Z", 2, 4, 3),   // current hour
            point("2026-11-29T14:10:00Z", 3, 4, 1),
        ];
        let buckets = hourly(&points, now, &Utc);
        assert_eq!(buckets.len(), 24);
        assert_eq!(buckets[0].long_label(), "2026-11-28 15:00");
        assert_eq!(buckets[0].usage.sessions, 1);
        assert_eq!(buckets[23].long_label(), "2026-11-29 14:00");
        assert_eq!((buckets[23].usage.sessions, buckets[23].usage.questions), (5, 8));
        assert_eq!(buckets.iter().map(|b| b.usage.sessions).sum::<u64>(), 6);
        assert_eq!(Metric::AnswerRate.value(&buckets[23].usage), Some(0.5));
        assert_eq!(Metric::AnswerRate.value(&buckets[5].usage), None);
    }

    #[test]
    fn reports_fall_in_their_day_in_the_given_zone() {
        let now: DateTime<Utc> = "2026-11-29T10:00:00Z".parse().expect("now");
        let paris = chrono::FixedOffset::east_opt(3600).expect("offset");
        let points = [
            point("2026-11-28T23:30:00Z", 7, 0, 0), // 00:30 on the 29th in Paris
            point("2026-11-28T22:30:00Z", 5, 0, 0), // 23:30 on the 28th in Paris
            point("2026-10-01T12:00:00Z", 9, 0, 0), // too old
        ];
        let buckets = daily(&points, now, &paris, 30);
        assert_eq!(buckets.len(), 30);
        assert_eq!(buckets[29].long_label(), "2026-11-29");
        assert_eq!(buckets[29].usage.sessions, 7);
        assert_eq!(buckets[28].usage.sessions, 5);
        assert_eq!(buckets[0].long_label(), "2026-10-31");
        assert_eq!(buckets.iter().map(|b| b.usage.sessions).sum::<u64>(), 12);
        assert_eq!(buckets[29].label(Lang::Fr), "29/11");
    }

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(3.0), 5.0);
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(12.0), 20.0);
        assert_eq!(nice_max(450.0), 500.0);
        assert_eq!(nice_max(f64::NAN), 1.0);
    }

    #[test]
    fn a_chart_has_one_bar_per_bucket_with_its_value_and_a_table() {
        let now: DateTime<Utc> = "2026-11-29T14:20:00Z".parse().expect("now");
        let buckets = hourly(&[point("2026-11-29T14:01:00Z", 3, 4, 3)], now, &Utc);
        let svg = bar_chart(Lang::En, "c1", Metric::Sessions, &buckets, 3).into_string();
        assert!(svg.contains("<svg"), "{svg}");
        assert_eq!(svg.matches("<rect").count(), 24);
        assert_eq!(svg.matches("data-value=\"3\"").count(), 1);
        assert_eq!(svg.matches("data-value=\"0\"").count(), 23);
        assert!(svg.contains("2026-11-29 14:00 : 3"));
        assert!(svg.contains("<table"));
        let rate = bar_chart(Lang::En, "c2", Metric::AnswerRate, &buckets, 3).into_string();
        assert!(rate.contains("data-value=\"75\""), "{rate}");
        assert_eq!(rate.matches("class=\"bar empty\"").count(), 23, "no questions, no rate");
    }
}
