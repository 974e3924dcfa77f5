"""Checks that two results files (mos's and the DuckDB script's) give the same
figures for the fourteen reference measures.

    python3 benches/compare_results.py MOS.csv DUCKDB.csv

Counts and suppression must be equal; values, intervals and SPC limits equal
to 1e-9 (relative); a special cause must be flagged in both. Exits 1 on any
difference, printing the first few.
"""

import csv
import sys

REFERENCE = {
    "victim_satisfaction_whole_experience", "victim_satisfaction_kept_informed",
    "domestic_abuse_crimes", "domestic_abuse_repeat_referrals", "domestic_abuse_charge_rate",
    "cse_crimes", "hate_incidents", "hate_crime_positive_outcomes", "s136_detentions",
    "s136_custody_detentions", "street_triage_contacts", "victim_based_crime_rate",
    "repeat_victims_all_crime", "young_victims",
}


def load(path):
    with open(path) as f:
        return {
            (r["measure_id"], r["breakdown"], r["group"], r["period_start"], r["period_end"]): r
            for r in csv.DictReader(f)
            if r["measure_id"] in REFERENCE
        }


def close(a, b):
    if a == "" or b == "":
        return a == b
    x, y = float(a), float(b)
    return abs(x - y) <= 1e-9 * max(1.0, abs(x), abs(y))


def main():
    mos, duck = load(sys.argv[1]), load(sys.argv[2])
    problems = []
    if mos.keys() != duck.keys():
        problems.append(f"points differ: {len(mos.keys() - duck.keys())} only in mos, "
                        f"{len(duck.keys() - mos.keys())} only in DuckDB, e.g. "
                        f"{sorted(mos.keys() ^ duck.keys())[:3]}")
    for key in sorted(mos.keys() & duck.keys()):
        a, b = mos[key], duck[key]
        for column in ("numerator", "denominator", "suppressed"):
            if a[column] != b[column]:
                problems.append(f"{key} {column}: mos {a[column]}, DuckDB {b[column]}")
        for column in ("value", "ci_lower", "ci_upper", "spc_mean", "spc_lower", "spc_upper"):
            if not close(a[column], b[column]):
                problems.append(f"{key} {column}: mos {a[column]}, DuckDB {b[column]}")
        if bool(a["spc_signal"]) != bool(b["spc_signal"]):
            problems.append(f"{key} special cause: mos {a['spc_signal']!r}, DuckDB {b['spc_signal']!r}")
    if problems:
        print(f"{len(problems)} differences:")
        for p in problems[:10]:
            print("  " + p)
        sys.exit(1)
    print(f"same figures: {len(mos)} points of {len({k[0] for k in mos})} measures")


main()
