//! Excel workbooks of measures: a contents sheet, then one sheet per measure
//! with every series, its intervals and SPC signals. Built from the results
//! contract rows, so withheld figures are as absent here as everywhere else.

use crate::engine::MeasureResult;
use crate::presentation::reading::Variation;
use crate::t;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Url, Workbook, Worksheet, XlsxError};

/// The headings of a measure sheet's table, as the catalogue names them.
const COLUMNS: [&str; 14] = [
    "xlsx-series",
    "period",
    "xlsx-period-start",
    "xlsx-period-end",
    "heading-count",
    "xlsx-out-of",
    "value",
    "xlsx-ci-lower",
    "xlsx-ci-upper",
    "suppressed",
    "xlsx-spc-mean",
    "xlsx-spc-lower",
    "xlsx-spc-upper",
    "spc-signal",
];

/// Rows above each measure sheet's table: title, description, notes, blank.
const TABLE_ROW: u32 = 4;

/// A workbook of `results`, titled `title`; `note` (freshness, snapshot) goes
/// under the title on the contents sheet. `created` fixes the document date so
/// the same inputs give the same bytes.
pub fn workbook(
    results: &[MeasureResult],
    title: &str,
    note: &str,
    created: chrono::NaiveDate,
    marking: &str,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    build(results, title, note, created, marking)
}

fn build(
    results: &[MeasureResult],
    title: &str,
    note: &str,
    created: chrono::NaiveDate,
    marking: &str,
) -> Result<Vec<u8>, XlsxError> {
    use chrono::Datelike;
    let mut book = Workbook::new();
    let date = ExcelDateTime::from_ymd(
        created.year() as u16,
        created.month() as u8,
        created.day() as u8,
    )?;
    book.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_category(marking)
            .set_creation_datetime(&date),
    );
    let bold = Format::new().set_bold();
    let heading = Format::new().set_bold().set_font_size(14);
    let names = sheet_names(results);

    // The protective marking on every printed page, top and bottom, and in
    // the file's own properties.
    let marked = |sheet: &mut Worksheet| -> Result<(), XlsxError> {
        let marking = marking.replace('&', "&&");
        sheet.set_header(format!("&C{marking}"));
        sheet.set_footer(format!("&C{marking}&R{}", t!("xlsx-page")));
        Ok(())
    };
    let contents = book.add_worksheet();
    contents.set_name(t!("contents"))?;
    marked(contents)?;
    contents.write_string(0, 6, marking)?;
    contents.write_string_with_format(0, 0, title, &heading)?;
    contents.write_string(1, 0, note)?;
    for (col, name) in [
        "measure",
        "xlsx-latest-period",
        "xlsx-latest-value",
        "reading",
        "xlsx-sheet",
        "commentary",
    ]
    .into_iter()
    .enumerate()
    {
        contents.write_string_with_format(3, col as u16, t!(name), &bold)?;
    }
    for (i, result) in results.iter().enumerate() {
        let row = 4 + i as u32;
        let m = &result.measure;
        let reading = crate::presentation::reading::read(result);
        contents.write_string(row, 0, &m.title)?;
        if let Some(point) = &reading.latest {
            contents.write_string(row, 1, m.period_label(point.period))?;
            match point.value() {
                Some(v) => contents.write_number_with_format(row, 2, v, &value_format(m))?,
                None if point.suppressed => {
                    contents.write_string(row, 2, t!("suppressed-lower"))?
                }
                None => contents.write_string(row, 2, "–")?,
            };
        }
        contents.write_string(row, 3, reading_text(reading.variation))?;
        contents.write_url_with_text(
            row,
            4,
            Url::new(format!("internal:'{}'!A1", names[i])),
            &names[i],
        )?;
        if let Some(commentary) = reading
            .latest
            .as_ref()
            .and_then(|p| m.commentary_for(p.period.last))
        {
            let text = crate::presentation::markdown::to_text(&commentary.text);
            contents.write_string(row, 5, text)?;
        }
    }
    contents.set_column_width(0, 52)?;
    contents.set_column_width(1, 22)?;
    contents.set_column_width(2, 14)?;
    contents.set_column_width(3, 30)?;
    contents.set_column_width(4, 32)?;
    contents.set_column_width(5, 80)?;

    for (result, name) in results.iter().zip(&names) {
        let sheet = book.add_worksheet();
        sheet.set_name(name)?;
        marked(sheet)?;
        measure_sheet(sheet, result, &bold, &heading)?;
    }
    book.save_to_buffer()
}

fn measure_sheet(
    sheet: &mut Worksheet,
    result: &MeasureResult,
    bold: &Format,
    heading: &Format,
) -> Result<(), XlsxError> {
    let m = &result.measure;
    sheet.write_string_with_format(0, 0, &m.title, heading)?;
    let description = crate::presentation::markdown::to_text(&m.description);
    sheet.write_string(1, 0, description.replace('\n', " "))?;
    let mut notes = Vec::new();
    if let Some(t) = m.suppress_below {
        notes.push(t!("xlsx-suppressed-below", threshold = t));
    }
    if let Some(r) = m.round_to {
        notes.push(t!("xlsx-rounded", to = r));
    }
    notes.extend(m.kind.values_note(m.unit.as_deref()));
    notes.extend(crate::presentation::words::targets_declared(m));
    let reading = crate::presentation::reading::read(result);
    let against = crate::presentation::words::targets_sentence(m, &reading.targets);
    if !against.is_empty() {
        notes.push(format!("{}{against}", t!("xlsx-at-latest")));
    }
    sheet.write_string(2, 0, notes.join(" "))?;
    for (col, name) in COLUMNS.into_iter().enumerate() {
        sheet.write_string_with_format(TABLE_ROW, col as u16, t!(name), bold)?;
    }
    let value = value_format(m);
    let whole = Format::new().set_num_format("#,##0");
    let mut row = TABLE_ROW;
    for series in &result.series {
        let label = match (&series.breakdown, &series.group) {
            (Some(b), Some(g)) => format!("{}: {}", b.replace('_', " "), m.group_name(g)),
            _ => t!("total"),
        };
        for (index, point) in series.points.iter().enumerate() {
            row += 1;
            let f = point.figures.as_ref();
            let limits = series.limits_at(index);
            sheet.write_string(row, 0, &label)?;
            sheet.write_string(row, 1, m.period_label(point.period))?;
            sheet.write_string(row, 2, point.period.start_date().to_string())?;
            sheet.write_string(row, 3, point.period.end_date().to_string())?;
            if let Some(f) = f {
                sheet.write_number_with_format(row, 4, f.numerator as f64, &whole)?;
                if let Some(d) = f.denominator {
                    sheet.write_number_with_format(row, 5, d as f64, &whole)?;
                }
                let numbers = [
                    (6, f.value),
                    (7, f.interval.map(|i| i.lower)),
                    (8, f.interval.map(|i| i.upper)),
                ];
                for (col, v) in numbers {
                    if let Some(v) = v {
                        sheet.write_number_with_format(row, col, v, &value)?;
                    }
                }
            }
            sheet.write_boolean(row, 9, point.suppressed)?;
            // SPC limits are of the published series; a suppressed point has no signal.
            if let Some(l) = limits {
                for (col, v) in [(10, l.mean), (11, l.lower), (12, l.upper)] {
                    sheet.write_number_with_format(row, col, v, &value)?;
                }
            }
            if let Some(s) = point.signal {
                sheet.write_string(row, 13, crate::presentation::humanise(s.as_str()))?;
            }
        }
    }
    let funnel = crate::presentation::funnel::funnel(result, None);
    if let Some(funnel) = &funnel {
        funnel_table(sheet, m, funnel, bold, &value)?;
    }
    if let Some(events) = &result.events {
        // Beside the funnel where there is one.
        let column = FUNNEL_COLUMN + if funnel.is_some() { 11 } else { 0 };
        events_table(sheet, events, column, bold)?;
    }
    sheet.set_freeze_panes(TABLE_ROW + 1, 0)?;
    sheet.autofilter(
        TABLE_ROW,
        0,
        row.max(TABLE_ROW + 1),
        COLUMNS.len() as u16 - 1,
    )?;
    sheet.set_column_width(0, 28)?;
    sheet.set_column_width(1, 22)?;
    for col in 2..COLUMNS.len() as u16 {
        sheet.set_column_width(col, 13)?;
    }
    Ok(())
}

/// The column the funnel's table starts in: to the right of the figures (and
/// a blank column), so the figures' table keeps every row below its heading.
const FUNNEL_COLUMN: u16 = COLUMNS.len() as u16 + 1;

/// The funnel's groups and their limits, beside the measure's table: a
/// heading above it, one row per group from the table's first row. (The
/// figures have a row per group at least, so the funnel never runs longer.)
fn funnel_table(
    sheet: &mut Worksheet,
    m: &crate::definition::Measure,
    funnel: &crate::presentation::funnel::Funnel,
    bold: &Format,
    value: &Format,
) -> Result<(), XlsxError> {
    let first_row = TABLE_ROW - 1;
    let c = FUNNEL_COLUMN;
    let whole = Format::new().set_num_format("#,##0");
    sheet.write_string_with_format(
        first_row,
        c,
        t!(
            "xlsx-funnel",
            period = m.period_label(funnel.period),
            breakdown = funnel.breakdown.replace('_', " "),
            dispersion = match &funnel.overdispersion {
                Some(_) if funnel.adjusted() => "widened",
                Some(_) => "not-widened",
                None => "none",
            },
            phi = funnel
                .overdispersion
                .map_or(String::new(), |o| format!("{:.2}", o.phi)),
            tau2 = funnel
                .overdispersion
                .map_or(String::new(), |o| format!("{:.3e}", o.tau2))
        ),
        bold,
    )?;
    let size = m
        .kind
        .denominator_heading()
        .unwrap_or_else(|| t!("heading-out-of"));
    let headings = [
        t!("xlsx-group"),
        t!("heading-count"),
        size,
        t!("value"),
        t!("xlsx-overall"),
        t!("xlsx-95-lower"),
        t!("xlsx-95-upper"),
        t!("xlsx-998-lower"),
        t!("xlsx-998-upper"),
        t!("reading"),
    ];
    for (col, name) in headings.into_iter().enumerate() {
        sheet.write_string_with_format(first_row + 1, c + col as u16, name, bold)?;
        sheet.set_column_width(c + col as u16, 13)?;
    }
    sheet.set_column_width(c, 24)?;
    for (i, p) in funnel.points.iter().enumerate() {
        let row = first_row + 2 + i as u32;
        sheet.write_string(row, c, m.group_name(&p.group))?;
        sheet.write_number_with_format(row, c + 1, p.numerator as f64, &whole)?;
        sheet.write_number_with_format(row, c + 2, p.denominator as f64, &whole)?;
        let numbers = [
            p.value,
            funnel.centre,
            p.limits.inner.lower,
            p.limits.inner.upper,
            p.limits.outer.lower,
            p.limits.outer.upper,
        ];
        for (col, v) in numbers.into_iter().enumerate() {
            sheet.write_number_with_format(row, c + 3 + col as u16, v, value)?;
        }
        sheet.write_string(
            row,
            c + 9,
            crate::presentation::funnel::placement_label(p.placement),
        )?;
    }
    Ok(())
}

/// A t or g chart's events beside the measure's table: a heading with its
/// limits and reading, then each event after the first with its gap.
fn events_table(
    sheet: &mut Worksheet,
    events: &crate::engine::events::EventChart,
    c: u16,
    bold: &Format,
) -> Result<(), XlsxError> {
    let first_row = TABLE_ROW - 1;
    let date = Format::new().set_num_format("d mmm yyyy");
    let amount = Format::new().set_num_format("#,##0.0");
    sheet.write_string_with_format(
        first_row,
        c,
        format!(
            "{}: {}",
            crate::presentation::events::title(events),
            crate::presentation::events::sentence(events)
        ),
        bold,
    )?;
    let unit = crate::presentation::words::upper_first(&t!("event-unit", unit = events.unit()));
    let headings = [
        t!("xlsx-event-date"),
        t!("since-the-one-before", unit = unit),
        t!("xlsx-centre"),
        t!("xlsx-lower-limit"),
        t!("xlsx-upper-limit"),
        t!("signal-heading"),
    ];
    for (col, name) in headings.into_iter().enumerate() {
        sheet.write_string_with_format(first_row + 1, c + col as u16, name, bold)?;
        sheet.set_column_width(c + col as u16, 14)?;
    }
    for (i, p) in events.points.iter().enumerate() {
        let row = first_row + 2 + i as u32;
        let day = rust_xlsxwriter::ExcelDateTime::parse_from_str(&p.date.to_string())?;
        sheet.write_datetime_with_format(row, c, &day, &date)?;
        sheet.write_number_with_format(row, c + 1, p.value, &amount)?;
        if let Some(l) = events.limits {
            for (col, v) in [(2, l.mean), (3, l.lower), (4, l.upper)] {
                sheet.write_number_with_format(row, c + col, v, &amount)?;
            }
        }
        if let Some(s) = p.signal {
            sheet.write_string(row, c + 5, crate::presentation::words::signal_name(s))?;
        }
    }
    Ok(())
}

fn value_format(m: &crate::definition::Measure) -> Format {
    Format::new().set_num_format(m.kind.spreadsheet_format(m.unit.as_deref()))
}

fn reading_text(variation: Variation) -> String {
    t!(match variation {
        Variation::Improvement => "xlsx-reading-improvement",
        Variation::Concern => "xlsx-reading-concern",
        Variation::NeutralChange => "xlsx-reading-neither",
        Variation::CommonCause => "xlsx-reading-common",
    })
}

/// Sheet names: the measure id, cut to Excel's 31 characters and made unique.
fn sheet_names(results: &[MeasureResult]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for result in results {
        let base: String = result.measure.id.chars().take(31).collect();
        let mut name = base.clone();
        let mut n = 2;
        while names.contains(&name) {
            let suffix = format!("_{n}");
            name = format!("{}{suffix}", &base[..base.len().min(31 - suffix.len())]);
            n += 1;
        }
        names.push(name);
    }
    names
}
