"""The country-year panel: data/panel/{panel.csv, columns.csv, countries.csv, leader_years.csv}.

Rows: every World Bank economy x 1960-2025, plus non-WDI units (TWN, DDR, CSK, RVN, YMD, ZZB) in
the years they appear in GSDB or Archigos. Columns are listed in COLUMNS with type, unit, source
key (see data/SOURCES.md) and the rule that produced them.
"""

import math
import os

from . import leaders, sanctions
from .common import fmt, fmt_int, fmt_sig, num, write_csv
from .crosswalk import EXTRA_UNITS, MM_CODE_OVERRIDES, Codes, vdem_iso3

FIRST_YEAR = 1960
LAST_YEAR = 2025

# (column, type, unit, source key, description / rule)
COLUMNS = [
    ("iso3", "text", "", "panel", "country code (ISO 3166-1 alpha-3 as used by the World Bank; see countries.csv)"),
    ("year", "int", "year", "panel", "calendar year"),
    # --- macro (World Bank WDI, Maddison) ---
    ("gdp_growth_pct", "float", "percent", "wdi:NY.GDP.MKTP.KD.ZG", "GDP growth, constant prices (annual %)"),
    ("gdppc_growth_pct", "float", "percent", "wdi:NY.GDP.PCAP.KD.ZG", "GDP per capita growth (annual %)"),
    ("gdppc_const2015usd", "float", "usd_2015", "wdi:derived", "GDP per capita, constant 2015 US$: NY.GDP.PCAP.CD in 2015 chained with NY.GDP.PCAP.KD.ZG backward and forward (rule P1)"),
    ("log_gdppc_const2015usd", "float", "log_usd_2015", "wdi:derived", "natural log of gdppc_const2015usd"),
    ("maddison_gdppc_2011ppp", "float", "intl_dollar_2011", "maddison2023", "Maddison Project 2023 GDP per capita, 2011 international $ (PPP)"),
    ("cpi_inflation_pct", "float", "percent", "wdi:FP.CPI.TOTL.ZG", "inflation, consumer prices (annual %)"),
    ("cpi_inflation_log", "float", "log_points", "wdi:derived", "100 * ln(1 + cpi_inflation_pct/100): tames hyperinflation outliers (rule P2)"),
    ("gdp_deflator_inflation_pct", "float", "percent", "wdi:NY.GDP.DEFL.KD.ZG", "inflation, GDP deflator (annual %)"),
    ("fx_official_lcu_per_usd", "float", "lcu_per_usd", "wdi:PA.NUS.FCRF", "official exchange rate, local currency units per US$, period average"),
    ("fx_official_change_pct", "float", "percent", "wdi:derived", "percent change of fx_official_lcu_per_usd on the previous year (positive = depreciation)"),
    ("reserves_usd", "float", "usd", "wdi:FI.RES.TOTL.CD", "total reserves including gold, current US$"),
    ("reserves_months_imports", "float", "months", "wdi:derived", "reserves_usd / (merchandise imports TM.VAL.MRCH.CD.WT / 12) (rule P3)"),
    ("govt_revenue_pct_gdp", "float", "percent_of_gdp", "wdi:GC.REV.XGRT.GD.ZS", "central government revenue excluding grants (% of GDP)"),
    ("govt_expense_pct_gdp", "float", "percent_of_gdp", "wdi:GC.XPN.TOTL.GD.ZS", "central government expense (% of GDP)"),
    ("govt_balance_pct_gdp", "float", "percent_of_gdp", "wdi:GC.NLD.TOTL.GD.ZS", "central government net lending (+) / net borrowing (-) (% of GDP): the fiscal balance"),
    ("govt_debt_pct_gdp", "float", "percent_of_gdp", "wdi:GC.DOD.TOTL.GD.ZS", "central government debt, total (% of GDP)"),
    ("trade_pct_gdp", "float", "percent_of_gdp", "wdi:derived", "exports + imports of goods and services (NE.EXP.GNFS.ZS + NE.IMP.GNFS.ZS)"),
    ("fuel_exports_pct_merch", "float", "percent", "wdi:TX.VAL.FUEL.ZS.UN", "fuel exports (% of merchandise exports)"),
    ("natres_rents_pct_gdp", "float", "percent_of_gdp", "wdi:NY.GDP.TOTL.RT.ZS", "total natural resources rents (% of GDP)"),
    ("population", "float", "persons", "wdi:SP.POP.TOTL", "population, total"),
    # --- sanctions (GSDB release 3, our coding) ---
    ("sanc_any", "int", "indicator", "gsdb3:derived", "1 if at least one GSDB case is in force against the unit in the year (rules S1-S5); empty after 2022"),
    ("sanc_cases", "int", "count", "gsdb3:derived", "number of GSDB cases in force"),
    ("sanc_new_cases", "int", "count", "gsdb3:derived", "number of GSDB cases beginning this year"),
    ("sanc_onset", "int", "indicator", "gsdb3:derived", "1 if sanc_any = 1 and sanc_any = 0 in the previous year (start of a sanction spell, rule S6)"),
    ("sanc_first_year", "int", "year", "gsdb3:derived", "first year with sanc_any = 1 (1949 or 1950 may mean earlier: GSDB starts in 1949); same on every row of the unit; empty if never sanctioned"),
]
for s, label in (("un", "the UN"), ("us", "the United States"), ("eu", "the EU or EEC"), ("other", "any other sender (a state or another organisation)")):
    COLUMNS += [
        (f"sanc_{s}", "int", "indicator", "gsdb3:derived", f"1 if a case with {label} among its senders is in force (rule S3)"),
        (f"sanc_cases_{s}", "int", "count", "gsdb3:derived", f"number of cases in force with {label} among the senders"),
        (f"sanc_onset_{s}", "int", "indicator", "gsdb3:derived", f"1 if sanc_{s} = 1 and it was 0 in the previous year"),
        (f"sanc_{s}_trade", "int", "indicator", "gsdb3:derived", f"1 if a trade case with {label} among its senders is in force"),
        (f"sanc_{s}_financial", "int", "indicator", "gsdb3:derived", f"1 if a financial case with {label} among its senders is in force"),
    ]
COLUMNS += [
    ("sanc_us_unilateral", "int", "indicator", "gsdb3:derived", "1 if a case with the United States as the only sender is in force"),
    ("sanc_multilateral", "int", "indicator", "gsdb3:derived", "1 if a case coded multilateral by GSDB (sender_mult = 1) is in force"),
    ("sanc_trade", "int", "indicator", "gsdb3:derived", "1 if a case with GSDB type trade is in force"),
    ("sanc_trade_complete", "int", "indicator", "gsdb3:derived", "1 if a trade case with a complete export or import ban (descr_trade exp_compl / imp_compl) is in force"),
    ("sanc_financial", "int", "indicator", "gsdb3:derived", "1 if a case with GSDB type financial is in force"),
    ("sanc_arms", "int", "indicator", "gsdb3:derived", "1 if a case with GSDB type arms (arms embargo) is in force"),
    ("sanc_military", "int", "indicator", "gsdb3:derived", "1 if a case with GSDB type military (military assistance) is in force"),
    ("sanc_travel", "int", "indicator", "gsdb3:derived", "1 if a case with GSDB type travel is in force"),
    ("sanc_othertype", "int", "indicator", "gsdb3:derived", "1 if a case with GSDB type other is in force"),
    # --- leaders (Archigos 4.1) ---
    ("leader_exit", "int", "indicator", "archigos4.1:derived", "1 if a leader spell of the country ends in the year (any exit type; rule L2); defined for Archigos country-years 1960-2015"),
    ("leader_exit_regular", "int", "indicator", "archigos4.1:derived", "1 if a leader leaves office in a Regular manner this year"),
    ("leader_exit_irregular", "int", "indicator", "archigos4.1:derived", "1 if a leader leaves office in an Irregular manner (coup, revolt, assassination, ...) this year"),
    ("leader_exit_foreign", "int", "indicator", "archigos4.1:derived", "1 if a leader is removed by a foreign power this year"),
    ("leader_exits", "int", "count", "archigos4.1:derived", "number of leader spells ending in the year"),
    ("leader_tenure_jan1", "float", "years", "archigos4.1:derived", "years in office on 1 January of the leader then in office (rule L3)"),
    # --- coups (Powell & Thyne) ---
    ("coups_successful", "int", "count", "ptcoups:derived", "successful coups (Powell & Thyne coup = 2) in the year; 0-filled 1960-2022 for Archigos states (rule C1)"),
    ("coups_failed", "int", "count", "ptcoups:derived", "failed coup attempts (Powell & Thyne coup = 1) in the year"),
    # --- regime ---
    ("gwf_regime", "text", "category", "gwf2014:derived", "GWF regime type: party, personal, military, monarchy, oligarchy, indirect military, party-personal, military-personal, party-military, party-military-personal; or for non-autocracies democracy, foreign-occupied, provisional, warlord, warlord/foreign-occupied, not-independent (rule G1); 1960-2010"),
    ("gwf_autocracy", "int", "indicator", "gwf2014:derived", "1 if GWF codes an autocratic regime"),
    ("gwf_party", "int", "indicator", "gwf2014", "GWF dummy: dominant-party autocracy (incl. party hybrids)"),
    ("gwf_military", "int", "indicator", "gwf2014", "GWF dummy: military autocracy (incl. military-personal, indirect military)"),
    ("gwf_monarchy", "int", "indicator", "gwf2014", "GWF dummy: monarchy"),
    ("gwf_personal", "int", "indicator", "gwf2014", "GWF dummy: personalist autocracy"),
    ("gwf_fail", "int", "indicator", "gwf2014", "GWF: the regime of this country-year ended during the year"),
    ("polity_category", "text", "category", "polity5:derived", "democracy (polity2 >= 6), anocracy (-5..5), autocracy (<= -6), or interruption / interregnum / transition (polity -66 / -77 / -88); 1960-2018 (rule V1)"),
    ("vdem_polyarchy", "float", "index_0_1", "vdem14", "V-Dem electoral democracy index v2x_polyarchy"),
    ("vdem_libdem", "float", "index_0_1", "vdem14", "V-Dem liberal democracy index v2x_libdem"),
    # --- currency regime, protests ---
    ("dual_market_share", "float", "share", "irr2019:derived", "share of the year's months with a dual / multiple / parallel exchange rate (IRR unified-market dummy = 0); 1960-2020 (rule F1)"),
    ("protest_events", "int", "count", "mm5:derived", "anti-government protest events (>= 50 people) in the year, Mass Mobilization v5; 1990-2020"),
    ("protest_events_accommodated", "int", "count", "mm5:derived", "protest events to which the state responded with accommodation"),
]

# --- columns of the panel replication (rules R7, D1-D3 in data/SOURCES.md) ---
for s, label in (("un", "the UN"), ("us", "the United States")):
    COLUMNS += [
        (f"sanc_{s}_economic", "int", "indicator", "gsdb3:derived", f"1 if a trade or financial case with {label} among its senders is in force (rule R7)"),
        (f"sanc_{s}_comprehensive", "int", "indicator", "gsdb3:derived", f"1 if a trade case with {label} among its senders bans both exports and imports completely (descr_trade exp_compl and imp_compl; rule R7)"),
        (f"sanc_{s}_war_objective", "int", "indicator", "gsdb3:derived", f"1 if a case with {label} among its senders and a war objective (GSDB objective end_war, prevent_war or territorial_conflict) is in force (rule R7)"),
    ]
COLUMNS += [
    ("sanc_unus_target_1976_2012", "int", "indicator", "gsdb3:derived", "1 on every row of a unit against which a UN or US economic (trade or financial) case was in force in at least one year 1976-2012 (rule D1: the sanctioned-country sample of a Neuenkirch & Neumeier 2015 replication)"),
    ("pop_growth_pct", "float", "percent", "wdi:derived", "population growth, 100 * ln(SP.POP.TOTL / SP.POP.TOTL of the previous year) (rule D2)"),
    ("sanc_onset_un_economic", "int", "indicator", "gsdb3:derived", "1 if sanc_un_economic = 1 and it was 0 in the previous year (rule D5)"),
    ("sanc_onset_us_economic", "int", "indicator", "gsdb3:derived", "1 if sanc_us_economic = 1 and it was 0 in the previous year (rule D5)"),
    ("sanc_unus_clear_window", "int", "indicator", "gsdb3:derived", "1 if no UN or US economic case is in force in any year t-3..t+2 (rule D6: untreated comparison years for the onset design)"),
    ("gdppc_growth_dd3", "float", "percentage_points", "wdi:derived", "mean per-capita GDP growth in t..t+2 minus the mean in t-3..t-1 (all six years needed; rule D4)"),
    ("state_disruption", "int", "indicator", "polity5+gwf2014+archigos4.1+ptcoups:derived", "conflict / state-failure proxy: 1 if Polity codes an interruption, interregnum or transition (-66/-77/-88), GWF a warlord, foreign-occupied or provisional government, Archigos a leader removed by a foreign power, or Powell & Thyne a successful coup; 0 otherwise where Polity or GWF code the country-year; 1960-2018 (rule D3)"),
]

KEYS = ("iso3", "year")
# The panel is split by theme so that no file exceeds ~2 MB; every file has the same rows
# (iso3, year) in the same order, so joining them is a column concatenation.
FILES = ("macro.csv", "sanctions.csv", "politics.csv")


def file_of(column):
    if column.startswith("sanc_"):
        return "sanctions.csv"
    src = next(c[3] for c in COLUMNS if c[0] == column)
    if src.startswith(("wdi", "maddison", "irr")):
        return "macro.csv"
    return "politics.csv"


WDI_DIRECT = {
    "gdp_growth_pct": "gdp_growth_pct",
    "gdppc_growth_pct": "gdppc_growth_pct",
    "maddison_gdppc_2011ppp": "maddison_gdppc_2011ppp",
    "cpi_inflation_pct": "cpi_inflation_pct",
    "gdp_deflator_inflation_pct": "gdp_deflator_inflation_pct",
    "fx_official_lcu_per_usd": "fx_official_lcu_per_usd",
    "reserves_usd": "reserves_total_usd",
    "govt_revenue_pct_gdp": "govt_revenue_pct_gdp",
    "govt_expense_pct_gdp": "govt_expense_pct_gdp",
    "govt_balance_pct_gdp": "govt_net_lending_pct_gdp",
    "govt_debt_pct_gdp": "govt_debt_pct_gdp",
    "fuel_exports_pct_merch": "fuel_exports_pct_merch",
    "natres_rents_pct_gdp": "natres_rents_pct_gdp",
    "population": "population",
}


def gdppc_const2015(series):
    """Rule P1: {year: level} from {year: (current US$, growth %)}; the chain stops at the first
    missing growth value on either side of 2015; no level without a 2015 anchor."""
    anchor = series.get(2015, (None, None))[0]
    if anchor is None:
        return {}
    out = {2015: anchor}
    y, level = 2015, anchor
    while True:
        g = series.get(y + 1, (None, None))[1]
        if g is None:
            break
        level *= 1 + g / 100
        y += 1
        out[y] = level
    y, level = 2015, anchor
    while True:
        g = series.get(y, (None, None))[1]
        if g is None or y - 1 < FIRST_YEAR:
            break
        level /= 1 + g / 100
        y -= 1
        out[y] = level
    return out


def wdi_block(shared, log):
    rows = shared.rows("panel/wdi_all_countries.csv")
    names = {}
    by_key = {}
    for r in rows:
        names[r["iso3"]] = r["country"]
        by_key[(r["iso3"], int(r["year"]))] = r
    out = {}
    per_country = {}
    for (iso, y), r in by_key.items():
        per_country.setdefault(iso, {})[y] = (num(r["gdppc_current_usd"]), num(r["gdppc_growth_pct"]))
    levels = {iso: gdppc_const2015(s) for iso, s in per_country.items()}
    # Check rule P1 against the shared builder's column (same rule, rounded inputs there).
    worst = 0.0
    for (iso, y), r in by_key.items():
        mine, theirs = levels[iso].get(y), num(r["gdppc_const2015usd"])
        if (mine is None) != (theirs is None):
            raise AssertionError(f"gdppc_const2015usd coverage differs from the shared table at {iso} {y}")
        if mine is not None:
            worst = max(worst, abs(mine - theirs) / abs(theirs))
    log(f"check P1 gdppc_const2015usd vs shared panel: max relative difference {worst:.2e}")
    # The shared builder chained unrounded growth rates; ours are rounded to 4 decimals.
    if worst > 2e-5:
        raise AssertionError("rule P1 does not reproduce the shared derived column")
    for (iso, y), r in by_key.items():
        if y < FIRST_YEAR:
            continue
        d = {}
        for col, src in WDI_DIRECT.items():
            d[col] = r[src].strip()
        lvl = levels[iso].get(y)
        # Precision: enough for any estimate, small enough to keep the files lean.
        d["fx_official_lcu_per_usd"] = fmt_sig(num(r["fx_official_lcu_per_usd"]), 8)
        d["gdppc_const2015usd"] = fmt(lvl, 2)
        d["log_gdppc_const2015usd"] = fmt(math.log(lvl), 5) if lvl and lvl > 0 else ""
        pi = num(r["cpi_inflation_pct"])
        d["cpi_inflation_log"] = fmt(100 * math.log1p(pi / 100), 3) if pi is not None and pi > -100 else ""
        fx, fx_prev = num(r["fx_official_lcu_per_usd"]), num(by_key.get((iso, y - 1), {}).get("fx_official_lcu_per_usd"))
        d["fx_official_change_pct"] = fmt(100 * (fx / fx_prev - 1), 3) if fx and fx_prev else ""
        res, imp = num(r["reserves_total_usd"]), num(r["imports_merch_usd"])
        d["reserves_months_imports"] = fmt(res / (imp / 12), 3) if res is not None and imp else ""
        ex, im = num(r["exports_gs_pct_gdp"]), num(r["imports_gs_pct_gdp"])
        d["trade_pct_gdp"] = fmt(ex + im, 4) if ex is not None and im is not None else ""
        out[(iso, y)] = d
    log(f"WDI: {len(names)} economies x {FIRST_YEAR}-{LAST_YEAR}")
    return names, out, levels


def gwf_block(shared, codes, log):
    out = {}
    seen = {}
    for r in shared.rows("gwf/gwf_all_regimes_1946_2010.csv"):
        y = int(r["year"])
        iso = codes.iso3(r["GWn"] or r["cown"] or r["gwf_cowcode"])
        if iso is None or y < FIRST_YEAR:
            continue
        # Rule G1: autocracies carry gwf_regimetype; other years the non-autocracy label.
        rtype = r["gwf_regimetype"].strip() or r["gwf_nonautocracy"].strip()
        d = {
            "gwf_regime": rtype,
            "gwf_autocracy": "1" if r["gwf_regimetype"].strip() else "0",
            "gwf_party": r["gwf_party"],
            "gwf_military": r["gwf_military"],
            "gwf_monarchy": r["gwf_monarchy"],
            "gwf_personal": r["gwf_personal"],
            "gwf_fail": r["gwf_fail"],
        }
        if (iso, y) in out:
            # State succession (e.g. Yugoslavia 345 -> Serbia 340 in 2006): keep the later code.
            seen.setdefault("dups", []).append(f"{iso} {y}")
            if int(r["GWn"] or 0) < seen.get((iso, y), 0):
                continue
        seen[(iso, y)] = int(r["GWn"] or 0)
        out[(iso, y)] = d
    log(f"GWF: {len(out)} country-years >= {FIRST_YEAR}; duplicate iso3-years resolved: {seen.get('dups', 'none')}")
    return out


def polity_block(shared, codes, log):
    special = {-66: "interruption", -77: "interregnum", -88: "transition"}
    out = {}
    unmapped = set()
    dups = []
    for r in shared.rows("polity5/polity5_annual_1900_2018.csv"):
        y = int(r["year"])
        if y < FIRST_YEAR:
            continue
        iso = r["iso3_target"] or codes.iso3(r["GWn"] or r["cown"] or r["polity_annual_ccode"])
        if iso is None:
            unmapped.add(r["polity_annual_country"])
            continue
        p, p2 = num(r["polity"]), num(r["polity2"])
        if p is not None and int(p) in special:
            cat = special[int(p)]
        elif p2 is None:
            continue
        elif p2 >= 6:
            cat = "democracy"
        elif p2 <= -6:
            cat = "autocracy"
        else:
            cat = "anocracy"
        if (iso, y) in out:
            dups.append(f"{iso} {y}")
        out[(iso, y)] = cat
    log(f"Polity5: {len(out)} country-years; unmapped: {sorted(unmapped) or 'none'}; duplicates (last kept): {dups or 'none'}")
    return out


def vdem_block(shared, log):
    out = {}
    for r in shared.rows("vdem/vdem_high_level_indices_1900_plus.csv"):
        y = int(r["year"])
        iso = vdem_iso3(r["country_text_id"])
        if iso is None or y < FIRST_YEAR:
            continue
        out[(iso, y)] = (r["v2x_polyarchy"].strip(), r["v2x_libdem"].strip())
    log(f"V-Dem: {len(out)} country-years >= {FIRST_YEAR}")
    return out


def irr_block(shared, log):
    months = {}
    for r in shared.rows("irr/irr_dual_market_monthly_all.csv"):
        y = int(r["month"][:4])
        v = num(r["dual_market"])
        if y < FIRST_YEAR or v is None:
            continue
        months.setdefault((r["iso3"], y), []).append(v)
    out = {k: sum(v) / len(v) for k, v in months.items()}
    log(f"IRR dual market: {len(out)} country-years with at least one coded month")
    return out


def coups_block(shared, codes, log):
    out = {}
    unmapped = set()
    for r in shared.rows("coups/powell_thyne_coup_events.csv"):
        iso = r["iso3_target"] or codes.iso3(r["ccode"])
        if iso is None:
            unmapped.add(r["country"])
            continue
        d = out.setdefault((iso, int(r["year"])), [0, 0])
        d[0 if r["coup"] == "2" else 1] += 1
    log(f"Powell & Thyne: {sum(sum(v) for v in out.values())} coup events; unmapped: {sorted(unmapped) or 'none'}")
    return out


def protests_block(shared, codes, log):
    out = {}
    unmapped = set()
    for r in shared.rows("protests/mm_protest_country_year_all.csv"):
        iso = r["iso3_target"] or MM_CODE_OVERRIDES.get(int(r["ccode"])) or codes.iso3(r["ccode"])
        if iso is None:
            unmapped.add(r["country"])
            continue
        key = (iso, int(r["year"]))
        prev = out.get(key, (0, 0))
        out[key] = (prev[0] + int(r["protest_events"]), prev[1] + int(r["events_with_state_accommodation"]))
    log(f"Mass Mobilization: {len(out)} country-years; unmapped: {sorted(unmapped) or 'none'}")
    return out


def build(shared, out_dir, log):
    codes = Codes(shared)
    names, wdi, gdppc_levels = wdi_block(shared, log)
    wdi_names = {v: k for k, v in names.items()}
    sanc = sanctions.indicators(shared, wdi_names, log)
    spell_list = leaders.spells(shared, codes, log)
    lead = leaders.country_years(spell_list)
    gwf = gwf_block(shared, codes, log)
    pol = polity_block(shared, codes, log)
    vdem = vdem_block(shared, log)
    irr = irr_block(shared, log)
    coups = coups_block(shared, codes, log)
    prot = protests_block(shared, codes, log)

    # Rows: WDI economies x 1960-2025, plus other units in their GSDB / Archigos years.
    keys = {(iso, y) for iso in names for y in range(FIRST_YEAR, LAST_YEAR + 1)}
    extra = {k for k in list(sanc) + list(lead) if k[0] not in names and FIRST_YEAR <= k[1] <= LAST_YEAR}
    unknown = sorted({iso for iso, _ in extra if iso not in EXTRA_UNITS})
    if unknown:
        raise AssertionError(f"units outside WDI without a name in crosswalk.EXTRA_UNITS: {unknown}")
    keys |= extra
    keys = sorted(keys)
    log(f"panel rows: {len(keys)} ({len(names)} WDI economies; extra units: {sorted({k[0] for k in extra})})")

    # Sanction spells need the previous year's status, and first years per unit.
    first_year = {}
    for (iso, y) in sanc:
        first_year[iso] = min(first_year.get(iso, y), y)
    # Archigos state-years (for 0-filling coups 1960-2022): any leader spell in the year, and
    # states present in 2015 continue to 2022.
    in_2015 = {iso for (iso, y) in lead if y == 2015}
    gsdb_years = range(sanctions.FIRST_YEAR, sanctions.LAST_YEAR + 1)

    unus_targets = unus_economic_targets(sanc, log)
    header = [c[0] for c in COLUMNS]
    rows = []
    for iso, y in keys:
        d = {"iso3": iso, "year": str(y)}
        d.update(wdi.get((iso, y), {}))
        if y in gsdb_years:
            s = sanc.get((iso, y))
            prev = sanc.get((iso, y - 1), {})
            for col, typ, *_ in COLUMNS:
                if col.startswith("sanc_") and col != "sanc_first_year":
                    d[col] = str(s.get(col, 0)) if s else "0"
            d["sanc_onset"] = str(int(bool(s) and not prev))
            for snd in sanctions.SENDERS:
                col = f"sanc_{snd}"
                d[f"sanc_onset_{snd}"] = str(int((s or {}).get(col, 0) == 1 and prev.get(col, 0) == 0))
        d["sanc_first_year"] = fmt_int(first_year.get(iso))
        ld = lead.get((iso, y))
        if ld:
            for col in ("leader_exit", "leader_exit_regular", "leader_exit_irregular", "leader_exit_foreign", "leader_exits"):
                d[col] = str(ld[col])
            d["leader_tenure_jan1"] = fmt(ld["leader_tenure_jan1"], 4)
        state_year = (iso, y) in lead or (iso in in_2015 and 2015 < y <= 2022)
        if y <= 2022 and state_year:
            c = coups.get((iso, y), (0, 0))
            d["coups_successful"], d["coups_failed"] = str(c[0]), str(c[1])
        elif (iso, y) in coups:
            c = coups[(iso, y)]
            d["coups_successful"], d["coups_failed"] = str(c[0]), str(c[1])
        d.update(gwf.get((iso, y), {}))
        if (iso, y) in pol:
            d["polity_category"] = pol[(iso, y)]
        if (iso, y) in vdem:
            d["vdem_polyarchy"], d["vdem_libdem"] = vdem[(iso, y)]
        if (iso, y) in irr:
            d["dual_market_share"] = fmt(irr[(iso, y)], 4)
        if (iso, y) in prot:
            d["protest_events"], d["protest_events_accommodated"] = map(str, prot[(iso, y)])
        elif 1990 <= y <= 2020 and state_year:
            d["protest_events"], d["protest_events_accommodated"] = "0", "0"
        add_design_columns(d, iso, y, wdi, unus_targets, sanc)
        rows.append([d.get(c, "") for c in header])

    panel_dir = os.path.join(out_dir, "panel")
    for name in FILES:
        cols = [i for i, c in enumerate(header) if c in KEYS or file_of(c) == name]
        write_csv(os.path.join(panel_dir, name), [header[i] for i in cols], [[r[i] for i in cols] for r in rows])
    write_csv(
        os.path.join(panel_dir, "columns.csv"),
        ["column", "file", "type", "unit", "source", "description"],
        [[c[0], "all" if c[0] in KEYS else file_of(c[0])] + list(c[1:]) for c in COLUMNS],
    )
    units = sorted({k[0] for k in keys})
    country_rows = []
    for iso in units:
        ys = [y for (i, y) in keys if i == iso]
        country_rows.append([iso, names.get(iso) or EXTRA_UNITS[iso], str(int(iso in names)), str(min(ys)), str(max(ys))])
    write_csv(os.path.join(panel_dir, "countries.csv"), ["iso3", "name", "wdi_economy", "first_year", "last_year"], country_rows)
    ly = leaders.leader_year_rows(spell_list)
    write_csv(os.path.join(panel_dir, "leader_years.csv"), leaders.LEADER_YEAR_HEADER, ly)
    log(f"leader_years: {len(ly)} rows")
    check_against_shared(shared, rows, header, log)
    # What the episode tables reuse.
    return {
        "codes": codes,
        "gdppc_levels": gdppc_levels,
        "spells": spell_list,
        "panel_rows": {(r[0], int(r[1])): dict(zip(header, r)) for r in rows},
    }


def unus_economic_targets(sanc, log):
    """Rule D1: units with a UN or US economic case in force in some year 1976-2012."""
    units = {
        iso
        for (iso, y), row in sanc.items()
        if 1976 <= y <= 2012 and (row.get("sanc_un_economic") or row.get("sanc_us_economic"))
    }
    log(f"D1: {len(units)} units under UN or US economic sanctions in some year 1976-2012")
    return units


DISRUPTED_POLITY = ("interruption", "interregnum", "transition")
DISRUPTED_GWF = ("warlord", "foreign-occupied", "warlord/foreign-occupied", "provisional")


def add_design_columns(d, iso, y, wdi, unus_targets, sanc):
    """Rules D1-D6 on one country-year row `d` (already holding the WDI, Polity, GWF, Archigos
    and coup columns)."""
    d["sanc_unus_target_1976_2012"] = str(int(iso in unus_targets))
    if sanctions.FIRST_YEAR <= y <= sanctions.LAST_YEAR:
        cur, prev = sanc.get((iso, y), {}), sanc.get((iso, y - 1), {})
        for s in ("un", "us"):
            col = f"sanc_{s}_economic"
            d[f"sanc_onset_{s}_economic"] = str(int(cur.get(col, 0) == 1 and prev.get(col, 0) == 0))
        if y + 2 <= sanctions.LAST_YEAR:
            clear = not any(
                sanc.get((iso, k), {}).get("sanc_un_economic") or sanc.get((iso, k), {}).get("sanc_us_economic")
                for k in range(y - 3, y + 3)
            )
            d["sanc_unus_clear_window"] = str(int(clear))
    g = [num(wdi.get((iso, k), {}).get("gdppc_growth_pct")) for k in range(y - 3, y + 3)]
    if all(v is not None for v in g):
        d["gdppc_growth_dd3"] = fmt(sum(g[3:]) / 3 - sum(g[:3]) / 3, 4)
    pop, prev = num(d.get("population")), num(wdi.get((iso, y - 1), {}).get("population"))
    d["pop_growth_pct"] = fmt(100 * math.log(pop / prev), 4) if pop and prev else ""
    coded = "polity_category" in d or d.get("gwf_regime")
    if y <= 2018 and coded:
        disrupted = (
            d.get("polity_category") in DISRUPTED_POLITY
            or d.get("gwf_regime") in DISRUPTED_GWF
            or d.get("leader_exit_foreign") == "1"
            or (d.get("coups_successful") or "0") != "0"
        )
        d["state_disruption"] = str(int(disrupted))


def check_against_shared(shared, rows, header, log):
    """Our sanction and leader coding against the shared folder's own derived tables: the
    definitions that coincide must give identical values."""
    idx = {c: i for i, c in enumerate(header)}
    ours = {(r[0], int(r[1])): r for r in rows}
    pairs = [
        ("sanc_any", "any_sanction"),
        ("sanc_cases", "n_active_cases"),
        ("sanc_new_cases", "n_new_cases"),
        ("sanc_un", "un_sender"),
        ("sanc_eu", "eu_sender"),
        ("sanc_us", "us_sender"),
        ("sanc_us_unilateral", "us_sole_sender"),
        ("sanc_multilateral", "multilateral"),
        ("sanc_trade", "type_trade"),
        ("sanc_trade_complete", "trade_complete"),
        ("sanc_financial", "type_financial"),
        ("sanc_arms", "type_arms"),
        ("sanc_travel", "type_travel"),
    ]
    mismatches = 0
    n = 0
    for r in shared.rows("panel/sanctions_country_year.csv"):
        key = (r["iso3"], int(r["year"]))
        if key not in ours:
            continue
        n += 1
        for a, b in pairs:
            if ours[key][idx[a]] != r[b]:
                mismatches += 1
                if mismatches <= 5:
                    log(f"  sanction mismatch {key} {a}={ours[key][idx[a]]} shared {b}={r[b]}")
    log(f"check GSDB coding vs shared sanctions table: {n} country-years compared, {mismatches} mismatches")
    if mismatches:
        raise AssertionError("GSDB coding differs from the shared derived table")
    mism = 0
    m = 0
    for r in shared.rows("panel/leaders_country_year.csv"):
        key = (r["iso3"], int(r["year"]))
        if key not in ours:
            continue
        m += 1
        o = ours[key]
        if o[idx["leader_exits"]] != r["n_exits_this_year"] or o[idx["leader_exit_irregular"]] != str(int(int(r["n_irregular_exits_this_year"]) > 0)):
            mism += 1
            if mism <= 5:
                log(f"  leader mismatch {key}: ours exits={o[idx['leader_exits']]} shared={r['n_exits_this_year']}")
    log(f"check Archigos exits vs shared leaders table: {m} country-years compared, {mism} mismatches")
    if mism:
        raise AssertionError("Archigos exit counts differ from the shared derived table")
