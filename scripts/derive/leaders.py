"""Leader exits and tenure from Archigos 4.1 leader spells.

Rules (also in data/SOURCES.md):
  L1  A spell's exit happens in the calendar year of its end date, unless its exit is
      "Still in Office" (censored at 2015-12-31, the end of this Archigos copy).
  L2  Country-year flags: leader_exit = 1 if at least one spell of the country ends in the year
      (any exit type); leader_exit_regular / _irregular / _foreign = 1 if at least one of those
      exits is Regular / Irregular / Foreign (Archigos `exit`); leader_exits counts them all.
      Defined (0/1) for the years in which the country has a leader spell in Archigos; empty
      for other units and years after 2015.
  L3  leader_tenure_jan1 = years in office on 1 January of the leader in office that day (the
      earliest-starting if two spells cover it), (1 Jan - start date) / 365.25; empty when no
      spell covers 1 January.
  L4  Leader-years (counting-process form for survival models): one row per spell and calendar
      year from 1960 to 2015; the row covers [max(start, 1 Jan), min(end, 1 Jan next year)] on
      the tenure clock t = (date - start date) / 365.25 years. The last row of a spell carries
      its exit. A spell ending on 1 January ends in the previous year's row. A spell of zero
      length (start = end) gets t_stop = 1/365.25 (one day) so that t_stop > t_start.
"""

import datetime as dt

from .common import fmt

FIRST_YEAR = 1960
LAST_YEAR = 2015
CENSORED = "Still in Office"
EXIT_SLUGS = {
    "Regular": "regular",
    "Irregular": "irregular",
    "Natural Death": "natural_death",
    "Retired Due to Ill Health": "ill_health",
    "Foreign": "foreign",
    "Suicide": "suicide",
    "Unknown": "unknown",
}


def date(s):
    return dt.date.fromisoformat(s)


def spells(shared, codes, log):
    out = []
    unmapped = set()
    for r in shared.rows("archigos/archigos_4_1_leader_spells.csv"):
        iso = codes.iso3(r["gwcode"])
        if iso is None:
            unmapped.add(r["gwcode"])
            continue
        out.append(
            {
                "id": r["obsid"],
                "iso3": iso,
                "start": date(r["startdate"]),
                "end": date(r["enddate"]),
                "exit": r["exit"],
            }
        )
    log(f"Archigos 4.1: {len(out)} spells mapped; GW codes without ISO3: {sorted(unmapped) or 'none'}")
    return out


def country_years(spell_list):
    """{(iso3, year): {...}} for every year a country has a spell (L1-L3)."""
    table = {}
    for s in spell_list:
        for y in range(s["start"].year, s["end"].year + 1):
            d = table.setdefault(
                (s["iso3"], y),
                {"leader_exits": 0, "regular": 0, "irregular": 0, "foreign": 0, "jan1": None},
            )
            jan1 = dt.date(y, 1, 1)
            if s["start"] <= jan1 <= s["end"]:
                if d["jan1"] is None or s["start"] < d["jan1"]:
                    d["jan1"] = s["start"]
                    d["tenure"] = (jan1 - s["start"]).days / 365.25
            if y == s["end"].year and s["exit"] != CENSORED:
                d["leader_exits"] += 1
                d["regular"] += s["exit"] == "Regular"
                d["irregular"] += s["exit"] == "Irregular"
                d["foreign"] += s["exit"] == "Foreign"
    out = {}
    for key, d in table.items():
        out[key] = {
            "leader_exit": int(d["leader_exits"] > 0),
            "leader_exit_regular": int(d["regular"] > 0),
            "leader_exit_irregular": int(d["irregular"] > 0),
            "leader_exit_foreign": int(d["foreign"] > 0),
            "leader_exits": d["leader_exits"],
            "leader_tenure_jan1": d.get("tenure") if d["jan1"] is not None else None,
        }
    return out


def leader_year_rows(spell_list):
    """L4: rows [iso3, year, spell_id, t_start, t_stop, exit, exit_regular, exit_irregular,
    exit_type], sorted by iso3, spell start, year."""
    rows = []
    day = 1 / 365.25
    for s in sorted(spell_list, key=lambda s: (s["iso3"], s["start"], s["id"])):
        if s["end"].year < FIRST_YEAR or s["start"].year > LAST_YEAR:
            continue
        pieces = []
        for y in range(max(s["start"].year, FIRST_YEAR), min(s["end"].year, LAST_YEAR) + 1):
            lo = max(s["start"], dt.date(y, 1, 1))
            hi = min(s["end"], dt.date(y + 1, 1, 1))
            if hi > lo:
                pieces.append((y, lo, hi))
        if not pieces:
            y = max(s["start"].year, FIRST_YEAR)
            lo = max(s["start"], dt.date(y, 1, 1))
            pieces.append((y, lo, None))
        for i, (y, lo, hi) in enumerate(pieces):
            t0 = (lo - s["start"]).days / 365.25
            t1 = t0 + day if hi is None else (hi - s["start"]).days / 365.25
            last = i == len(pieces) - 1
            ended = last and s["exit"] != CENSORED
            slug = EXIT_SLUGS[s["exit"]] if ended else ""
            rows.append(
                [
                    s["iso3"],
                    str(y),
                    s["id"],
                    fmt(t0, 4),
                    fmt(t1, 4),
                    str(int(ended)),
                    str(int(slug == "regular")),
                    str(int(slug == "irregular")),
                    slug,
                ]
            )
    return rows


LEADER_YEAR_HEADER = [
    "iso3",
    "year",
    "spell_id",
    "t_start",
    "t_stop",
    "exit",
    "exit_regular",
    "exit_irregular",
    "exit_type",
]
