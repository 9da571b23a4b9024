"""Country-year sanction indicators from the Global Sanctions Data Base (release 3) case file.

Coding rules (also in data/SOURCES.md):
  R1  A case is in force in every calendar year from `begin` to `end` inclusive (GSDB gives years
      only; release 3 codes ongoing cases with end = 2022). Years before 1949 do not occur.
  R2  Targets: `sanctioned_state` is mapped to ISO3 (crosswalk.py); a list of countries counts
      the case once for each country; "South Vietnam" is RVN up to 1975 and VNM from 1976 (GSDB
      labels unified Vietnam that way); non-state targets (EU, ECOWAS, "Terrorist
      Organizations", ...) are dropped.
  R3  Senders: `sanctioning_state` is split on commas. UN = token "UN"; EU = "EU" or "EEC";
      US = "United States"; other = any other token (a state, or an organisation such as the
      African Union, ECOWAS, OAS, the Arab League, NATO, CoCom). A case can count for several
      sender categories (e.g. "United States, EEC" is US and EU).
  R4  Types: GSDB dummies trade, financial, arms (arms embargo), military (military assistance),
      travel, other. trade_complete = descr_trade contains exp_compl or imp_compl.
  R5  Country-year flags are 1 when at least one case with that property is in force; counts
      count cases. A sender x type flag needs one case with both properties.
  R7  Design indicators by sender (UN, US): economic = a trade or financial case; comprehensive
      = a trade case with both a complete export and a complete import ban (descr_trade has
      exp_compl and imp_compl); war objective = a case whose GSDB objective includes end_war,
      prevent_war or territorial_conflict (sanctions that respond to an armed conflict).
  R6  Onset flags: 1 in a year when the indicator is 1 and was 0 in the previous year (a new
      spell), for any sanction and per sender category. new_cases counts cases whose begin is
      this year (several cases often start together).
"""

from .crosswalk import GSDB_DROPPED_TARGETS, GSDB_NAME_ALIASES

FIRST_YEAR = 1949
LAST_YEAR = 2022

SENDERS = ("un", "us", "eu", "other")
TYPES = ("trade", "financial", "arms", "military", "travel", "othertype")
CROSS_TYPES = ("trade", "financial")


def sender_categories(sanctioning_state):
    cats = set()
    for tok in sanctioning_state.split(","):
        tok = tok.strip()
        if not tok:
            continue
        if tok == "UN":
            cats.add("un")
        elif tok in ("EU", "EEC"):
            cats.add("eu")
        elif tok == "United States":
            cats.add("us")
        else:
            cats.add("other")
    return cats


def target_iso3(name, year, wdi_names):
    """ISO3 of one listed target in a given year, or None when dropped."""
    name = name.strip()
    if name in GSDB_DROPPED_TARGETS:
        return None
    if name == "South Vietnam":
        return "RVN" if year <= 1975 else "VNM"
    if name in GSDB_NAME_ALIASES:
        return GSDB_NAME_ALIASES[name]
    if name in wdi_names:
        return wdi_names[name]
    raise ValueError(f"GSDB target `{name}` has no ISO3 mapping; add it to crosswalk.py")


def split_targets(s, wdi_names):
    # Lists are comma-separated; names containing commas ("Egypt, Arab Rep.") match whole first.
    if s in GSDB_NAME_ALIASES or s in GSDB_DROPPED_TARGETS or s in wdi_names:
        return [s]
    return [t.strip() for t in s.split(",") if t.strip()]


def case_years(shared, wdi_names, log):
    """Yields (iso3, year, case) for every case in force, after R1-R4."""
    cases = shared.rows("gsdb/gsdb_v3_cases.csv")
    dropped = set()
    out = []
    for c in cases:
        begin, end = int(c["begin"]), int(c["end"])
        senders = sender_categories(c["sanctioning_state"])
        desc = c["descr_trade"]
        case = {
            "id": c["case_id"],
            "begin": begin,
            "senders": senders,
            "us_only": [t.strip() for t in c["sanctioning_state"].split(",")] == ["United States"],
            "multilateral": c["sender_mult"] == "1",
            "types": {
                "trade": c["trade"] == "1",
                "financial": c["financial"] == "1",
                "arms": c["arms"] == "1",
                "military": c["military"] == "1",
                "travel": c["travel"] == "1",
                "othertype": c["other"] == "1",
            },
            "trade_complete": "exp_compl" in desc or "imp_compl" in desc,
            "comprehensive": c["trade"] == "1" and "exp_compl" in desc and "imp_compl" in desc,
            "war_objective": bool(WAR_OBJECTIVES & {o.strip() for o in c["objective"].split(",")}),
        }
        names = split_targets(c["sanctioned_state"], wdi_names)
        for y in range(max(begin, FIRST_YEAR), min(end, LAST_YEAR) + 1):
            for n in names:
                iso = target_iso3(n, y, wdi_names)
                if iso is None:
                    dropped.add(n)
                    continue
                out.append((iso, y, case))
    log(f"GSDB R3: {len(cases)} cases; non-state targets dropped: {', '.join(sorted(dropped))}")
    return out


def indicators(shared, wdi_names, log):
    """{(iso3, year): {column: int}} for units and years with at least one case in force,
    plus the set of units ever targeted and their first year."""
    acc = {}
    new_cases = {}
    for iso, y, case in case_years(shared, wdi_names, log):
        d = acc.setdefault((iso, y), {"cases": set()})
        d["cases"].add(case["id"])
        d.setdefault("list", []).append(case)
        if case["begin"] == y:
            new_cases.setdefault((iso, y), set()).add(case["id"])
    table = {}
    for key, d in acc.items():
        cs = d["list"]
        row = {
            "sanc_any": 1,
            "sanc_cases": len(d["cases"]),
            "sanc_new_cases": len(new_cases.get(key, ())),
            "sanc_us_unilateral": int(any(c["us_only"] for c in cs)),
            "sanc_multilateral": int(any(c["multilateral"] for c in cs)),
            "sanc_trade_complete": int(any(c["types"]["trade"] and c["trade_complete"] for c in cs)),
        }
        for s in SENDERS:
            row[f"sanc_{s}"] = int(any(s in c["senders"] for c in cs))
            row[f"sanc_cases_{s}"] = len({c["id"] for c in cs if s in c["senders"]})
            for t in CROSS_TYPES:
                row[f"sanc_{s}_{t}"] = int(any(s in c["senders"] and c["types"][t] for c in cs))
        for t in TYPES:
            row[f"sanc_{t}"] = int(any(c["types"][t] for c in cs))
        row.update(design_indicators(cs))
        table[key] = row
    return table


WAR_OBJECTIVES = {"end_war", "prevent_war", "territorial_conflict"}
DESIGN_SENDERS = ("un", "us")


def design_indicators(cases):
    """R7: the indicators of the panel replication (economic, comprehensive, war objective)
    for the UN and the US, from the cases in force in one country-year."""
    row = {}
    for s in DESIGN_SENDERS:
        mine = [c for c in cases if s in c["senders"]]
        row[f"sanc_{s}_economic"] = int(any(c["types"]["trade"] or c["types"]["financial"] for c in mine))
        row[f"sanc_{s}_comprehensive"] = int(any(c["comprehensive"] for c in mine))
        row[f"sanc_{s}_war_objective"] = int(any(c["war_objective"] for c in mine))
    return row


def onset(flags_by_year, year):
    """R6: 1 when the flag is on in `year` and off in `year - 1`."""
    return int(flags_by_year.get(year, 0) == 1 and flags_by_year.get(year - 1, 0) == 0)
