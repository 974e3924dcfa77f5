# Measures of Success: the English catalogue. Every word the dashboard, the
# packs and the workbooks say is a message here (Project Fluent syntax:
# https://projectfluent.org/fluent/guide/). The Welsh catalogue,
# locales/cy/mos.ftl, has the same messages.

## Months

month-long = { $month ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
    }
month-short = { $month ->
    [1] Jan
    [2] Feb
    [3] Mar
    [4] Apr
    [5] May
    [6] Jun
    [7] Jul
    [8] Aug
    [9] Sep
    [10] Oct
    [11] Nov
   *[12] Dec
    }

## Every page

product-name = Measures of Success
skip-to-content = Skip to content
signed-in-as = Signed in as { $name }
sign-out = Sign out
analyst-sign-in = Analyst sign-in
sign-in = Sign in
nav-label = Objectives
home = Home
objective-number = Objective { $number }
objective-titled = Objective { $number }: { $title }
peoples-priorities = People's Priorities
open-data = Open data
api = API
reevaluation-failed = Re-evaluation failed at { $at }; the figures shown are the last good results.
schedule-failed = The scheduled pack “{ $schedule }” failed at { $at }; earlier packs are untouched.
freshness = Data to { $data_to }, loaded { $loaded }{ $snapshot ->
    [none] {""}
   *[other] {" "}(snapshot { $snapshot })
    }
footer-aggregates = Figures are aggregates; small numbers are suppressed where a measure says so. Variation and assurance icons follow NHS England's Making Data Count.
accessibility-statement = Accessibility statement
not-found = Not found
page-not-found = Page not found
back-to-dashboard = Back to the dashboard

## The home page and objectives

home-lede = How the { $plan } is going: each measure read with statistics, so that only real changes are called changes.
measures-count = { $count ->
    [one] { $count } measure
   *[other] { $count } measures
    }
targets-tally = Targets: { $met } consistently met, { $missed } consistently missed, { $mixed } hit and miss.
no-measures-yet = No measures yet.
restricted-not-shown = { $count ->
    [one] { $count } restricted measure is not shown
   *[other] { $count } restricted measures are not shown
    }
sign-in-to-see-them = sign in to see them.
measures-without-figures = { $count ->
    [one] { $count } measure has no figures: its extract is not in the data folder.
   *[other] { $count } measures have no figures: their extracts are not in the data folder.
    }
summary = Summary
objective-no-measures = No measures are defined for this objective yet.
theme-measures = Measures
priorities-lede = Priorities people who live and work in { $area } set for policing their own neighbourhood, at public meetings, through the Commissioner's engagement outreach workers and online. Each is read against the months before it was raised: a change is called a change only when the SPC chart shows one.

## Grades, variation and assurance

grade-requires-scrutiny = Requires scrutiny
grade-improving = Improving
grade-content = Content
variation-improvement = Special cause variation: improvement
variation-concern = Special cause variation: concern
variation-neither = Special cause variation: neither better nor worse
variation-common = Common cause variation: no significant change
assurance-met = Target consistently met
assurance-missed = Target consistently missed
assurance-mixed = Target sometimes met, sometimes missed
signal = { $signal ->
    [improvement] Improvement
    [concern] Concern
   *[special_cause] Special cause
    }

## A measure's card and page

suppressed = Suppressed
suppressed-lower = suppressed
small-number-withheld = small number withheld
no-data = No data
interval-95 = 95% CI { $lower } to { $upper }
range = { $lower } to { $upper }
change-no-comparison = No comparison with a year earlier.
change-significant-rise = Up { $size } on a year earlier ({ $from }): a significant rise.
change-significant-fall = Down { $size } on a year earlier ({ $from }): a significant fall.
change-none = No significant change on a year earlier ({ $from }).
restricted = Restricted
sign-in-to-see-it = sign in to see this measure.
restricted-measure = Restricted measure
restricted-measure-is = “{ $title }” is restricted to signed-in analysts.
for-analysts = For signed-in analysts
commentary-by-analysts = Commentary is written by analysts, signed in in this browser:
write-commentary = Write commentary on the latest period
series = Series
series-all = All
by-breakdown = By { $breakdown }
every-figure-of = Every figure of { $title }
every-figure-of-chart = Every figure of this chart
priority-raised = A People's Priority for { $area }, raised on { $on }{ $closed ->
    [yes] {"; now closed"}
   *[no] {""}
    }.
priority-raised-by = A People's Priority for { $area }, raised by { $by } on { $on }{ $closed ->
    [yes] {"; now closed"}
   *[no] {""}
    }.
compared-with-peers = Compared with peers:
same-scale = Every chart below is drawn on the same scale, so the groups can be compared by eye.
no-such-series = There is no such series for this measure.
downloads = Downloads
download-csv = All figures (CSV)
download-csvw = What each column of the CSV holds (CSV on the Web metadata)
download-excel = All figures (Excel)
download-svg = This chart (SVG)
download-png = This chart (PNG)
download-json = All figures (JSON)
published-under = Published under the
ogl = Open Government Licence v3.0
commentary-on = Commentary on { $period }
events-on-chart = Events on the chart:
pack-on = { $pack } on { $on }
as-published = As published
as-published-same = These are the figures published in { $published }.
as-published-and-latest = As published and latest
as-published-unchanged = No figure has changed since those published in { $published }.
as-published-restated = { $count ->
    [one] { $count } figure
   *[other] { $count } figures
    } changed since those published in { $published } (data loaded { $loaded }), as records were updated or reclassified:
period = Period
latest = Latest
difference = Difference
figures = Figures
every-point = { $title } – every point
value = Value
ci-95 = 95% CI
spc-signal = SPC signal
heading-count = Count
heading-values = Values
heading-events = Events
heading-out-of = Out of
heading-population = Population
definition = Definition
as-written-in = As written in { $file }
compiles-to = What it compiles to (DataFusion SQL, by month and group)
provenance = Provenance
provenance-loaded = Loaded { $at } from definition
provenance-and-extracts = and these extracts:
source = Source
file = File
rows = Rows
rows-rejected = { $rejected } of { $all } rows of `{ $source }` were rejected and not counted

## Under a chart

caption-line = the line is the measure
caption-band = the shaded band its 95% confidence interval
caption-limits-xmr = the grey line is the mean and the dashed grey lines the process limits (XmR)
caption-limits-prime = the grey line is the mean and the dashed grey lines the process limits ({ $chart }, Laney's: they step with each period's size)
marks-said = special causes are marked in shape as well as colour: blue triangles improvement, orange squares concern, purple diamonds neither
caption-peer-line = the dashed purple line is the peer group's rate
caption-event-marks = a marked point is a period with a special cause on the chart of the gaps between events below (a blue triangle improvement, an orange square concern, a purple diamond neither)
caption-break = a vertical dotted line marks a break, where the process changed and the limits were computed afresh
caption-target = the { $style ->
    [0] red short-dashed
   *[1] dark long-dashed
    } line is the { $name }{ $stepping ->
    [yes] {", stepping where its value changes"}
   *[no] {""}
    }
caption-table = the table below gives every figure

## Open data

open-data-lede = Every published measure's figures, month by month and for each breakdown, as they are read on these pages. Published by { $publisher } under the
open-data-csvw = Each CSV has a CSV on the Web metadata file beside it, saying what each column holds and its type, as the UK government's guidance on publishing tabular data recommends. A suppressed figure (a small number withheld) is an empty cell, with suppressed true: it is never given as a number.
open-data-api = The same figures, with their readings, are in the
downloads-by-measure = Downloads, measure by measure
measure = Measure
covers = Covers
metadata = Metadata
metadata-of = Metadata of { $title }
workbook-of = Workbook of { $title }

## The readings in words

months-span = { $first } to { $last }
in-period = in { $period }
in-rolling = in the { $months } months to { $last }
in-year-to-date = in { $year } to date ({ $span })
in-quarter = in { $quarter } ({ $span })
financial-quarter-label = { $year } Q{ $quarter }
year-to-date-label = { $year } to { $to }
headline-no-figures = { $title }: no figures yet.
headline-withheld = { $title }: the figure { $when } is withheld because it rests on a small number.
headline-not-published = { $title }: no figures were published { $when }.
headline-nothing = { $title }: there was nothing to measure { $when }.
headline = { $title } { $kind ->
    [numbered] numbered
   *[was] was
    } { $value }{ $interval } { $when }.
headline-rise = { $title } { $kind ->
    [numbered] numbered
   *[was] was
    } { $value }{ $interval } { $when }, up from { $earlier } a year earlier; the rise is statistically significant.
headline-fall = { $title } { $kind ->
    [numbered] numbered
   *[was] was
    } { $value }{ $interval } { $when }, down from { $earlier } a year earlier; the fall is statistically significant.
headline-no-change = { $title } { $kind ->
    [numbered] numbered
   *[was] was
    } { $value }{ $interval } { $when }, compared with { $earlier } a year earlier: no significant change.
break-from = from { $period } ({ $reason })
breaks = The process limits start afresh, and no signal crosses, where the process changed: { $breaks }.
peers-sentence = { $when }, the force's { $value } (95% CI { $lower } to { $upper }) was { $standing ->
    [above] significantly above
    [below] significantly below
   *[in-line] in line with
    } the { $group }'s { $group_value }.
judgement-spc = The latest { $noun ->
    [month] month
    [quarter] quarter
    [year] year
   *[point] point
    } is { $variation ->
    [improvement] a special cause of improvement on the SPC chart.
    [concern] a special cause of concern on the SPC chart.
    [neither] a special cause on the SPC chart, in a direction that is neither better nor worse.
   *[common] within the expected range of variation (common cause).
    }
trial-limits = The limits are trial limits: they rest on { $points ->
    [one] { $points } point
   *[other] { $points } points
    }, fewer than the { $firm } that firm limits need, so they will move as points come in.
target-default = Target
target-value-from = { $value } (from { $from })
target-single = The target of { $value } { $assurance ->
    [met] is being met consistently.
    [missed] is being missed consistently.
   *[mixed] is within the range of the figure's uncertainty: sometimes met, sometimes missed.
    }
target-phrase = { $assurance ->
    [met] consistently meets
    [missed] consistently misses
   *[mixed] sometimes meets and sometimes misses
    } the { $name } of { $value }
targets-several = It { $phrases }.
value-from = { $value } from { $from }
value-to = { $value } to { $to }
target-declared = Target: { $targets }.
targets-declared = Targets: { $targets }.
listed = { $first } and { $last }

## Board packs

pack-title = Objective { $number }: { $title } – performance to { $period }
pack-produced = Performance to { $period }. Produced { $on } by Measures of Success { $version }.
pack-page-of = Page { $page } of { $pages }
contents = Contents
figures-by-period = Figures by period
pack-priorities-lede = What residents asked for, neighbourhood by neighbourhood, each read against the months before it was raised.
provenance-and-methods = Provenance and methods
pack-snapshot = These figures are those of snapshot { $snapshot }, loaded { $loaded }.
pack-manifest = The manifest beside this report lists every extract and definition they were computed from, with its SHA-256.
pack-methods = Figures are aggregates; small numbers are suppressed where a measure says so. Intervals are 95% (Wilson for proportions, exact Poisson below 10 and Byar from 10 for counts and rates, Student's t for means, and order statistics for medians and percentiles). A change is called significant when the 95% interval of the difference excludes no change. SPC follows NHS England's Making Data Count{ $run_length ->
        [0] {""}
       *[other] , except that the Plan reads a run or trend of { $run_length } points, not 7, as a signal
    }{ $prime ->
        [yes] ; proportions and rates with very large denominators that say so are read on Laney's p′ and u′ charts, whose limits allow for real variation between periods (as PowerBI-SPC draws them)
       *[no] {""}
    }{ $events ->
        [yes] ; rare events that say so are read between them, on a t chart of the days between (an individuals chart of the days to the power 1/3.6) or a g chart of the opportunities between (geometric limits), as PowerBI-SPC draws them
       *[no] {""}
    }. Funnel plots have 95% and 99.8% limits around the overall value, as Public Health England's PHEindicatormethods computes them, or, where a measure asks, limits widened for overdispersion (Spiegelhalter 2005). The manifest beside this report lists the extracts and definitions that produced it.

## Grades: why, in words for the board

grade = Grade
variation = Variation
assurance = Assurance
withheld = withheld
target-lower = target
why-year-change = a significant change{ $direction ->
        [worse] {" for the worse"}
        [better] {" for the better"}
       *[either] {""}
    } on a year earlier
why-since-raised = since it was raised in { $when }, the level has { $moved ->
        [risen] risen
       *[fallen] fallen
    } significantly
why-review-overdue = { $overdue }, and reviews are due at least every { $months } months
why-target-missed = the { $name } is being missed consistently
why-content = no special cause, no target missed
special-cause-kind = { $good ->
        [improvement] a special cause of improvement
        [concern] a special cause of concern
       *[either] a special cause
    }
why-points = { $points } { $count ->
        [one] was
       *[other] were
    } { $place ->
        [above] above the upper process limit
        [below] below the lower process limit
       *[run] part of a run or trend too long to be chance
    }
why-latest-points = the latest { $count } points hold { $kind }
why-back-within = { $period } is back within the expected range (common cause variation)
set-by-analyst = set by an analyst
set-by-analyst-because = set by an analyst: { $why }
set-by-analyst-over-rules = set by an analyst over the Plan's rules
grades-headline = Of { $count ->
        [one] { $count } measure
       *[other] { $count } measures
    }, { $scrutiny } { $scrutiny ->
        [one] requires
       *[other] require
    } scrutiny, { $improving } { $improving ->
        [one] is
       *[other] are
    } improving and { $content } { $content ->
        [one] is
       *[other] are
    } content.
exceptions = Exceptions
no-exceptions = No measure requires scrutiny.
exceptions-heading = Exceptions: what requires scrutiny

## People's Priorities

not-reviewed-since = not reviewed since { $day }
not-reviewed-since-raised = not reviewed since it was raised on { $day }
reviews-due = reviews are due at least every { $months } months.
raised-on = raised on { $on }
raised-by-on = raised by { $by } on { $on }
last-reviewed-on = last reviewed on { $on }
across-the-force = Across the force, or more than one district
no-open-priorities = No open priorities.
closed-priorities = Closed priorities
priority-no-spc = Raised in { $when }. The measure has no SPC chart, so there is no before and after to read; add `spc = true`.
priority-too-few-before = Raised in { $when }, with { $count } { $noun ->
        [period] { $count ->
            [one] period
           *[other] periods
        }
       *[month] { $count ->
            [one] month
           *[other] months
        }
    } of figures before it: there is no earlier level to compare the months since with.
priority-average = an average of { $after } a { $noun ->
        [period] period
       *[month] month
    }, against { $before } before
priority-too-few-after = Raised in { $when }: { $count } { $noun ->
        [period] { $count ->
            [one] period
           *[other] periods
        }
       *[month] { $count ->
            [one] month
           *[other] months
        }
    } since{ $since } { $count ->
        [one] is
       *[other] are
    } too few to tell whether the level has changed. It takes { $run } in a row on one side of the earlier average, or a level beyond the earlier limits.
priority-no-change = Since it was raised in { $when }, { $count } { $noun ->
        [period] periods
       *[month] months
    } on, the level has not changed significantly: { $average }; the difference is within the variation expected.
priority-changed = Since it was raised in { $when }, the level has { $moved ->
        [risen] risen
       *[fallen] fallen
    } significantly: an average of { $after } a { $noun ->
        [period] period
       *[month] month
    } over { $count } { $noun ->
        [period] periods
       *[month] months
    }, against { $before } before ({ $evidence ->
        [both] { $run } or more { $noun ->
            [period] periods
           *[month] months
        } in a row on one side of the earlier average, and the new level beyond the earlier limits
        [run] { $run } or more { $noun ->
            [period] periods
           *[month] months
        } in a row on one side of the earlier average
       *[beyond] the new level beyond the earlier limits
    }).{ $verdict ->
        [better] {" This is an improvement."}
        [worse] {" This is a deterioration."}
       *[neither] {""}
    }

## Funnel plots

funnel-population = a population of { $size }
funnel-of = { $numerator } of { $denominator }
funnel-sentence = { $group }: { $value } ({ $size }), { $placement ->
        [above-outer] above the 99.8% limit: very unlikely to be above the overall { $overall } { $adjusted ->
            [yes] by chance and the usual differences between groups
           *[no] by chance alone
        }
        [below-outer] below the 99.8% limit: very unlikely to be below the overall { $overall } { $adjusted ->
            [yes] by chance and the usual differences between groups
           *[no] by chance alone
        }
        [above-inner] above the 95% limit but within the 99.8%: possibly above the overall { $overall }, though { $adjusted ->
            [yes] chance and the usual differences
           *[no] chance
        } could explain it
        [below-inner] below the 95% limit but within the 99.8%: possibly below the overall { $overall }, though { $adjusted ->
            [yes] chance and the usual differences
           *[no] chance
        } could explain it
       *[within] within the limits: no evidence that it differs from the overall { $overall }
    }.
overdispersion-adjusted = The { $noun }s vary more than chance alone explains (dispersion ratio φ = { $phi } over { $units } { $noun }s), so the limits are widened by the variation between them (τ² = { $tau2 }, Spiegelhalter's additive adjustment on a winsorised estimate): a { $noun } outside them differs by more than { $noun }s usually do.
overdispersion-none = The { $noun }s vary no more than chance alone explains (dispersion ratio φ = { $phi } over { $units } { $noun }s, τ² = 0), so the limits are not widened.
placement = { $placement ->
        [above-outer] Above the 99.8% limit
        [above-inner] Above the 95% limit
        [below-inner] Below the 95% limit
        [below-outer] Below the 99.8% limit
       *[within] Within the limits
    }
funnel-title = How each { $breakdown } compares, { $when }
show = Show
funnel-caption = Each point is a { $breakdown }: its value against its size. The grey line is the overall { $overall }; inside the dashed lines (95%) and the solid lines (99.8%) a { $breakdown } differs from it by no more than chance alone would often make it. Smaller { $breakdown }s have wider limits. A point outside the solid lines is a diamond, one outside only the dashed lines a square.
marked-in-blue = marked in blue
funnel-within = { $within } of { $all } lie within the limits: no evidence that they differ from the overall { $overall } more than chance would make them.
funnel-left-off = { $count } left off: withheld for small numbers, or with nothing to measure.
funnel-table-caption = { $title } – every { $breakdown }
limits-95 = 95% limits
limits-998 = 99.8% limits
reading = Reading

## Charts of the gaps between rare events

event-unit = { $unit ->
        [days] days
       *[opportunities] opportunities
    }
events-title = { $unit ->
        [days] Days between events
       *[opportunities] Opportunities between events
    } ({ $chart } chart)
event-counted = { $amount } { $unit ->
        [days] { $count ->
            [one] day
           *[other] days
        }
       *[opportunities] { $count ->
            [one] opportunity
           *[other] opportunities
        }
    }
events-too-few = Too few events yet to read the gaps between them: the chart needs at least two.
events-span = { $count } events from { $first } to { $last }; the latest came { $gap } after the one before.
events-limits = Gaps from { $lower } to { $upper } are usual (the limits, from { $gaps } gaps), around a centre of { $centre }.
events-no-limits = Too few gaps yet to compute limits.
events-latest-cause = The latest special cause, at the event of { $when }, { $signal ->
        [improvement] is one of improvement: events had become rarer than before
        [concern] is one of concern: events had come closer together than before
       *[special_cause] says the gaps had changed by more than chance explains
    }.
events-no-cause = No special cause: the gaps vary no more than chance explains.
events-every-gap = Every gap is in the table below.
event-tooltip = { $date }: { $gap } since the event before{ $signal }
events-how-g = The limits are geometric, around the mean (PowerBI-SPC's g chart); a run is read about the median.
events-how-t = The days are read on an individuals chart of the days to the power 1/3.6, whose limits are turned back into days (PowerBI-SPC's t chart).
events-caption = Each point is an event after the first, at its date: the { $unit } since the one before. A long gap is fewer events; a short one, more. The grey line is the centre and the dashed grey lines the limits; { $marks }.
every-event = Every event
every-event-caption = { $heading } – every event after the first
date = Date
since-the-one-before = { $unit } since the one before
signal-heading = Signal

## A chart described in words (its SVG title and description)

describe-all-withheld = No figure to show: every one of the { $count } periods from { $first } to { $last } is withheld as a small number or has no data.
describe-no-periods = No figures to show yet: there are no periods with data.
describe-span = { $count } figures from { $first } to { $last }; the latest, { $last }, is { $value }.
describe-withheld = { $count } withheld as small numbers.
describe-cause = { $count } { $signal ->
        [improvement] improvement
        [concern] concern
       *[special_cause] neither improvement nor concern
    }
describe-no-cause = No point is a special cause.
describe-causes = Special causes: { $causes }.
describe-table = Every figure is in the table with the chart.

## On a chart

trial-limits-label = Trial limits ({ $points } points)
break-hover = Break from { $period }: { $reason }
comparison = comparison
no-data-lower = no data
special-cause-hover = special cause: { $signal ->
        [improvement] improvement
        [concern] concern
       *[special_cause] special cause
    }
log-scale = { $axis } (log scale)
funnel-description = Each { $breakdown } is a point: its value against its size, around the overall { $overall }. { $within } of { $all } lie within the limits. Every point is in the table below.

## The accessibility statement

a11y-default-organisation = The office that publishes { $area }'s performance figures
a11y-applies = This statement applies to the performance dashboard of the { $plan } for { $area }: its pages, charts and downloads. { $organisation } wants as many people as possible to be able to use it.
a11y-how-accessible = How accessible this website is
a11y-you-should = You should be able to:
a11y-read-charts = read every chart's reading in words, and its figures in a table beside it
a11y-download = download every measure's figures as CSV or a spreadsheet
a11y-some-parts = Some parts are not fully accessible: see
a11y-non-accessible = Non-accessible content
a11y-feedback = Feedback and contact information
a11y-contact = If you need information on this website in a different format, or find a problem not listed here, contact:
a11y-contact-fallback = the office that publishes this dashboard, through its main website
a11y-reply = We'll reply within { $days } working days
a11y-enforcement = Enforcement procedure
a11y-enforcement-text = The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018 (the 'accessibility regulations'). If you're not happy with how we respond to your complaint, contact the Equality Advisory and Support Service (EASS).
a11y-technical = Technical information about this website's accessibility
a11y-committed = { $organisation } is committed to making its website accessible, in accordance with the Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018.
a11y-compliance = Compliance status
a11y-partially = This website is partially compliant with the Web Content Accessibility Guidelines version 2.2 AA standard, due to the non-compliances listed below.
a11y-gap-hover = A chart shows each value when a pointer rests on it; by keyboard, the same values are read from the table of figures beneath the chart, not on the chart itself (WCAG 2.1.1).
a11y-gap-pdf = The PDF board packs are printed from the same pages as their HTML, but have not been tested with assistive technology; the HTML pack and the workbook hold the same figures.
a11y-gap-contrast = A chart's shaded confidence band and its grid are lighter than 3:1 against the white (WCAG 1.4.11): they are background, and every interval they show is in the table of figures.
a11y-gap-manual = Automated checks cannot judge everything WCAG asks; the pages have not yet been checked by a person using assistive technology.
a11y-gap-welsh = The Welsh pages' own text (the words of the dashboard) awaits review by a Welsh speaker.
a11y-how-tested = How we tested this website
a11y-tested = Every release of the software behind it (Measures of Success { $version }) is tested automatically before it is used: every page of the dashboard, as the public sees it and as a signed-in analyst sees it, is checked in a headless Chromium browser with axe-core's rules for
a11y-tested-levels = (WCAG 2.0, 2.1 and 2.2, levels A and AA), and so is every page of the static site published for the office's website; a release with any violation is not published.
a11y-charts-checked = axe-core cannot judge charts, so the tests check each of them too: it is an image with a title and a description of what it shows in words; each value shown on it is in the table of figures its caption links to; its lines and marks reach a contrast of 3:1 with the white; and a special cause is told by its shape as well as its colour.

## Analysts' pages

sign-in-needs-token = Restricted measures and analyst views need an access token.
access-token = Access token
token-not-recognised = That token is not recognised.
too-many-sign-ins = Too many failed sign-ins from here: try again in { $seconds } seconds.
commentary = Commentary
commentary-markdown = Markdown: paragraphs, *emphasis*, **bold**, lists and links. Saved as
commentary-version-kept = the version before is kept beside it.
save = Save
data-and-api = Data and API
api-lede = Every figure on the dashboard is available as CSV, SVG and JSON. Only aggregates are served: no extract row or identifier. Suppressed figures are withheld everywhere. Restricted measures need an access token, sent as
request = Request
returns = Returns
api-measures = Every measure you may see: id, title, objective, theme, kind, polarity, target, and its reading (latest point, change on a year earlier, variation, assurance).
api-measure = One measure with every series (the total and each group of each breakdown), each point with numerator, denominator, value, 95% interval, suppression and SPC signal, and the series' SPC mean and limits as segments (each with its dates and, after a break, the reason for it).
api-status = When the figures were evaluated, the extract files used (hashes, rows loaded and rejected) and, for analysts, the last failed re-evaluation.
api-reload = Analysts: re-evaluate now. The new results replace the old only if the evaluation succeeds.
api-data-csv = Every point of a measure in the results contract's columns.
api-figures-xlsx = The same as an Excel workbook: a contents sheet and the measure's sheet, with intervals and SPC signals.
api-chart = The trend chart of the total or of one group, as SVG; chart.png gives the same as PNG.
results-columns = Results columns
results-columns-units = Proportions are fractions from 0 to 1; rates are per 1,000 people.

## Workbooks

xlsx-series = Series
xlsx-period-start = Period start
xlsx-period-end = Period end
xlsx-out-of = Out of (or population)
xlsx-ci-lower = 95% CI lower
xlsx-ci-upper = 95% CI upper
xlsx-spc-mean = SPC mean
xlsx-spc-lower = SPC lower limit
xlsx-spc-upper = SPC upper limit
xlsx-page = Page &P of &N
xlsx-latest-period = Latest period
xlsx-latest-value = Latest value
xlsx-sheet = Sheet
xlsx-suppressed-below = Figures resting on counts below { $threshold } are suppressed.
xlsx-rounded = Counts are rounded to the nearest { $to }.
xlsx-at-latest = At the latest figures:
total = Total
xlsx-funnel = Funnel plot, { $period }: each { $breakdown } against the overall value, with 95% and 99.8% limits for its size{ $dispersion ->
        [widened] , widened for overdispersion (φ = { $phi }, τ² = { $tau2 })
        [not-widened] {" "}(φ = { $phi }: no overdispersion, limits not widened)
       *[none] {""}
    }
xlsx-group = Group
xlsx-overall = Overall
xlsx-95-lower = 95% lower
xlsx-95-upper = 95% upper
xlsx-998-lower = 99.8% lower
xlsx-998-upper = 99.8% upper
xlsx-event-date = Event date
xlsx-centre = Centre
xlsx-lower-limit = Lower limit
xlsx-upper-limit = Upper limit
xlsx-reading-improvement = Improvement
xlsx-reading-concern = Concern
xlsx-reading-neither = Change, neither better nor worse
xlsx-reading-common = No significant change
values-proportions = Values are proportions (formatted as percentages).
values-statistic = Values are the { $statistic } of each period's values{ $unit ->
        [none] {""}
       *[other] , in { $unit }
    }; Count is how many values there were.

## Alerts (to the analysts' channels)

alert-withheld = figure withheld
alert-special-cause = { $title }: { $signal ->
        [improvement] a special cause of improvement
        [concern] a special cause of concern
       *[special_cause] a special cause
    } in { $period } ({ $value }).
alert-grade-change = { $title }: now { $now } (was { $was }) in { $period }: { $why }.
alert-pack-failed = The scheduled pack `{ $schedule }` failed: { $error }. Earlier packs are untouched.
