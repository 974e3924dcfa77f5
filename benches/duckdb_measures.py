"""The fourteen reference measures as an analyst would write them in DuckDB:
one SQL query per measure over the extract files (CSV or Parquet), counting by
month and group, then periods, intervals and SPC in plain Python.

    python3 benches/duckdb_measures.py DATA_DIR csv|parquet OUT.csv

Writes the results contract's columns (numbers as Python prints them), so the
benchmark can check that DuckDB and mos give the same figures.
"""

import csv
import math
import sys

import duckdb

DISTRICTS = ["cambridge", "east_cambridgeshire", "fenland", "huntingdonshire",
             "peterborough", "south_cambridgeshire"]
STRANDS = ["race", "religion", "sexual_orientation", "disability", "transgender"]
SURVEY_GROUPS = ["burglary", "vehicle_crime", "violent_crime", "hate_crime"]
VICTIM_BASED = ["violence_against_the_person", "sexual_offences", "robbery", "burglary",
                "vehicle_offences", "theft_from_person", "bicycle_theft", "shoplifting",
                "other_theft", "criminal_damage_arson"]
Z = 1.959963984540054


def month_index(value):
    return value.year * 12 + value.month - 1


def first_day(m):
    return f"{m // 12:04d}-{m % 12 + 1:02d}-01"


def last_day(m):
    import calendar
    y, mo = m // 12, m % 12 + 1
    return f"{y:04d}-{mo:02d}-{calendar.monthrange(y, mo)[1]:02d}"


# --- statistics, as PHEindicatormethods and NHSRplotthedots do them ---------

def wilson(num, den):
    if den == 0:
        return None
    p = num / den
    centre = p + Z * Z / (2 * den)
    spread = Z * math.sqrt(p * (1 - p) / den + Z * Z / (4 * den * den))
    scale = 1 + Z * Z / den
    return (centre - spread) / scale, (centre + spread) / scale


def poisson_cdf(k, mean):
    # P(X <= k) for X ~ Poisson(mean), by summing terms in log space.
    if mean == 0:
        return 1.0
    total, term = 0.0, math.exp(-mean)
    for i in range(k + 1):
        if i > 0:
            term *= mean / i
        total += term
    return total


def exact_poisson(count):
    def solve(f, lo, hi):
        for _ in range(200):
            mid = (lo + hi) / 2
            if f(mid):
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2
    alpha = 0.05
    lower = 0.0 if count == 0 else solve(lambda m: 1 - poisson_cdf(count - 1, m) < alpha / 2, 0, count + 50)
    upper = solve(lambda m: poisson_cdf(count, m) > alpha / 2, 0, count + 50)
    return lower, upper


def count_interval(count):
    if count < 10:
        return exact_poisson(count)
    lower = count * (1 - 1 / (9 * count) - Z / (3 * math.sqrt(count))) ** 3
    upper = (count + 1) * (1 - 1 / (9 * (count + 1)) + Z / (3 * math.sqrt(count + 1))) ** 3
    return lower, upper


def xmr(values):
    if len(values) < 2:
        return None
    mean = sum(values) / len(values)
    mr = sum(abs(b - a) for a, b in zip(values, values[1:])) / (len(values) - 1)
    upper, lower = mean + 2.66 * mr, mean - 2.66 * mr
    near_upper, near_lower = mean + 2 / 3 * 2.66 * mr, mean - 2 / 3 * 2.66 * mr
    n = len(values)
    special = [v > upper or v < lower for v in values]
    # Runs of 7 on one side of the mean.
    side = [1 if v > mean else -1 if v < mean else 0 for v in values]
    i = 0
    while i < n:
        j = i
        while j + 1 < n and side[j + 1] == side[i] and side[i] != 0:
            j += 1
        if side[i] != 0 and j - i + 1 >= 7:
            for k in range(i, j + 1):
                special[k] = True
        i = j + 1
    # Trends of 7 rising or falling.
    for direction in (1, -1):
        i = 0
        while i < n:
            j = i
            while j + 1 < n and (values[j + 1] - values[j]) * direction > 0:
                j += 1
            if j - i + 1 >= 7:
                for k in range(i, j + 1):
                    special[k] = True
            i = max(j, i + 1)
    # Two of three beyond the near-limit lines, on one side.
    for i in range(n - 2):
        window = values[i:i + 3]
        for hi in (True, False):
            same_side = all((v > mean) if hi else (v < mean) for v in window)
            # Between the near-limit line and the limit: a point beyond the limit is not "near".
            near = [(near_upper < v <= upper) if hi else (lower <= v < near_lower) for v in window]
            if same_side and sum(near) >= 2:
                for k in range(3):
                    if near[k]:
                        special[i + k] = True
    return mean, lower, upper, special


# --- the measures ----------------------------------------------------------

class Measures:
    def __init__(self, data, fmt):
        self.con = duckdb.connect()
        self.data, self.fmt = data, fmt
        self.rows = []
        population = self.con.execute(f"SELECT district, year, population FROM {self.src('population')}").fetchall()
        self.population = {(d, y): p for d, y, p in population}

    def src(self, name):
        if self.fmt == "csv":
            return f"read_csv('{self.data}/{name}.csv', header = true)"
        return f"read_parquet('{self.data}/{name}.parquet')"

    def span(self, source, column):
        lo, hi = self.con.execute(f"SELECT min({column}), max({column}) FROM {self.src(source)}").fetchone()
        return month_index(lo), month_index(hi)

    def monthly(self, sql):
        """month (date), group, numerator, denominator → {(group): {month_index: (num, den)}}"""
        out = {}
        for m, g, num, den in self.con.execute(sql).fetchall():
            out.setdefault(g or "", {})[month_index(m)] = (num, den)
        return out

    def emit(self, measure_id, kind, periods, by_group, groups, spc=False, suppress=None, rate_pop=None):
        series = [("", "")] + [(b, g) for b, gs in groups for g in gs]
        points = {}
        for breakdown, group in series:
            months = by_group.get((breakdown, group), {})
            out = []
            for first, last in periods:
                num = sum(months.get(m, (0, 0))[0] for m in range(first, last + 1))
                den = sum(months.get(m, (0, 0))[1] for m in range(first, last + 1))
                if kind == "count":
                    den_out, value, ci = None, float(num), count_interval(num)
                elif kind == "proportion":
                    den_out = den
                    value = num / den if den else None
                    ci = wilson(num, den)
                else:
                    year = last // 12
                    people = rate_pop(group, year)
                    den_out, value = people, 1000 * num / people
                    lo, hi = count_interval(num)
                    ci = (lo * 1000 / people, hi * 1000 / people)
                hidden = suppress is not None and (num < suppress or (kind == "proportion" and den < suppress))
                out.append([first, last, num, den_out, value, ci, hidden])
            points[(breakdown, group)] = out
        if suppress is not None:
            for breakdown, gs in groups:
                for k in range(len(periods)):
                    cells = [points[(breakdown, g)][k] for g in gs]
                    # Until two or more are hidden and their counts reach the threshold.
                    counts = [2, 3] if kind == "proportion" else [2]
                    while True:
                        hidden = [c for c in cells if c[6]]
                        if not hidden or (len(hidden) >= 2 and all(
                                sum(c[d] for c in hidden) >= suppress for d in counts)):
                            break
                        size = [(c[3] if kind == "proportion" else c[2], i) for i, c in enumerate(cells) if not c[6]]
                        if not size:
                            break
                        cells[min(size)[1]][6] = True
        for (breakdown, group), out in points.items():
            chart = xmr([p[4] for p in out]) if spc else None
            for i, (first, last, num, den, value, ci, hidden) in enumerate(out):
                signal = ""
                if chart and chart[3][i] and not hidden:
                    signal = "special_cause"
                self.rows.append([measure_id, first_day(first), last_day(last), breakdown, group,
                                  "" if hidden else num, "" if hidden or den is None else den,
                                  "" if hidden or value is None else value,
                                  "" if hidden or ci is None else ci[0], "" if hidden or ci is None else ci[1],
                                  "true" if hidden else "false",
                                  chart[0] if chart else "", chart[1] if chart else "", chart[2] if chart else "",
                                  signal])

    @staticmethod
    def months(first, last):
        return [(m, m) for m in range(first, last + 1)]

    @staticmethod
    def rolling(first, last):
        return [(m - 11, m) for m in range(first + 11, last + 1)]

    @staticmethod
    def quarters(first, last):
        return [(m, m + 2) for m in range(first, last + 1) if m % 3 == 0 and m + 2 <= last]

    def by(self, source, date, where, breakdowns, num="count(*)", den="count(*)", extra=""):
        """One query per measure: counts by month for the total and each breakdown."""
        parts = [f"SELECT date_trunc('month', {date}) AS m, '' AS g, {num} AS num, {den} AS den "
                 f"FROM t GROUP BY ALL"]
        for b in breakdowns:
            rows = "(SELECT *, unnest(string_split(strands, ';')) AS strand FROM t)" if b == "strand" else "t"
            parts.append(f"SELECT date_trunc('month', {date}) AS m, '{b}=' || {b} AS g, {num}, {den} "
                         f"FROM {rows} GROUP BY ALL")
        sql = f"WITH t AS (SELECT * FROM {self.src(source)} {extra} WHERE {where}) " + " UNION ALL ".join(parts)
        result = {}
        for m, g, n, d in self.con.execute(sql).fetchall():
            key = ("", "") if g == "" else tuple(g.split("=", 1))
            cell = result.setdefault(key, {})
            old = cell.get(month_index(m), (0, 0))
            cell[month_index(m)] = (old[0] + n, old[1] + d)
        return result

    def run(self):
        for measure_id, question, breakdowns in [
            ("victim_satisfaction_whole_experience", "whole_experience", ["district", "survey_group"]),
            ("victim_satisfaction_kept_informed", "kept_informed", ["district"]),
        ]:
            first, last = self.span("victim_satisfaction", "interview_date")
            counts = self.by("victim_satisfaction", "interview_date", f"{question} IS NOT NULL", breakdowns,
                             num=f"count(*) FILTER (WHERE {question} <= 3)")
            groups = [(b, DISTRICTS if b == "district" else SURVEY_GROUPS) for b in breakdowns]
            self.emit(measure_id, "proportion", self.rolling(first, last), counts, groups)

        first, last = self.span("crimes", "recorded_date")
        counts = self.by("crimes", "recorded_date", "domestic_abuse", ["district"])
        self.emit("domestic_abuse_crimes", "count", self.months(first, last), counts, [("district", DISTRICTS)], spc=True)
        counts = self.by("crimes", "recorded_date", "domestic_abuse", [], num="count(*) FILTER (WHERE outcome_type = 1)")
        self.emit("domestic_abuse_charge_rate", "proportion", self.rolling(first, last), counts, [])
        counts = self.by("crimes", "recorded_date", "cse", ["district"])
        self.emit("cse_crimes", "count", self.quarters(first, last), counts, [("district", DISTRICTS)], suppress=5)
        counts = self.by("crimes", "recorded_date", "victim_age < 18", [])
        self.emit("young_victims", "count", self.months(first, last), counts, [], spc=True)
        victim_based = ", ".join(f"'{g}'" for g in VICTIM_BASED)
        counts = self.by("crimes", "recorded_date", f"offence_group IN ({victim_based})", ["district"])

        def population(group, year):
            names = DISTRICTS if group == "" else [group]
            total = 0
            for d in names:
                y = year
                while (d, y) not in self.population:
                    y -= 1
                total += self.population[(d, y)]
            return total
        self.emit("victim_based_crime_rate", "rate", self.rolling(first, last), counts,
                  [("district", DISTRICTS)], rate_pop=population)

        # Repeats: an earlier row of the same person within 365 days (same day excluded).
        repeat = """, (SELECT {person} AS p, {date}::DATE AS d,
                 lag({date}::DATE) OVER (PARTITION BY {person} ORDER BY {date}::DATE) AS prev
                 FROM (SELECT DISTINCT {person}, {date}::DATE AS {date} FROM {src} WHERE {filter})) r"""
        extra = repeat.format(person="victim_id", date="recorded_date", src=self.src("crimes"),
                              filter="victim_id IS NOT NULL")
        counts = self.by("crimes", "recorded_date",
                         "victim_id IS NOT NULL AND r.p = victim_id AND r.d = recorded_date::DATE", ["district"],
                         num="count(*) FILTER (WHERE prev >= d - 365)", extra=extra)
        self.emit("repeat_victims_all_crime", "proportion", self.rolling(first, last), counts, [("district", DISTRICTS)])

        first, last = self.span("victim_contacts", "referral_date")
        extra = repeat.format(person="victim_id", date="referral_date", src=self.src("victim_contacts"),
                              filter="category = 'domestic_abuse'")
        counts = self.by("victim_contacts", "referral_date",
                         "category = 'domestic_abuse' AND r.p = victim_id AND r.d = referral_date::DATE",
                         ["district"], num="count(*) FILTER (WHERE prev >= d - 365)", extra=extra)
        self.emit("domestic_abuse_repeat_referrals", "proportion", self.rolling(first, last), counts,
                  [("district", DISTRICTS)])

        first, last = self.span("hate_incidents", "reported_date")
        counts = self.by("hate_incidents", "reported_date", "true", ["strand", "district"])
        self.emit("hate_incidents", "count", self.months(first, last), counts,
                  [("district", DISTRICTS), ("strand", STRANDS)], spc=True)
        counts = self.by("hate_incidents", "reported_date", "is_crime", [],
                         num="count(*) FILTER (WHERE outcome_type BETWEEN 1 AND 8)")
        self.emit("hate_crime_positive_outcomes", "proportion", self.rolling(first, last), counts, [])

        first, last = self.span("mental_health_contacts", "contact_time")
        for measure_id, where, breakdowns in [
            ("s136_detentions", "contact_type = 's136_detention'", ["district"]),
            ("s136_custody_detentions", "contact_type = 's136_detention' AND place_of_safety = 'custody'", []),
            ("street_triage_contacts", "contact_type = 'street_triage'", []),
        ]:
            counts = self.by("mental_health_contacts", "contact_time", where, breakdowns)
            self.emit(measure_id, "count", self.months(first, last), counts,
                      [("district", DISTRICTS)] if breakdowns else [], spc=True)
        self.rows.sort(key=lambda r: (r[0], r[3], r[4], r[1]))
        return self.rows


if __name__ == "__main__":
    data, fmt, out = sys.argv[1:4]
    rows = Measures(data, fmt).run()
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["measure_id", "period_start", "period_end", "breakdown", "group", "numerator",
                    "denominator", "value", "ci_lower", "ci_upper", "suppressed", "spc_mean",
                    "spc_lower", "spc_upper", "spc_signal"])
        w.writerows(rows)
