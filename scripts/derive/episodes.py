"""Episode tables: data/episodes/<episode>.csv in tidy long form
(date, series, value, unit, frequency, source).

Rules (also in data/SOURCES.md):
  E1  Dates: annual `YYYY`, monthly `YYYY-MM`, event `YYYY-MM-DD`.
  E2  Each periodic series runs from its first to its last non-missing value inside the
      episode's data span; every period in between has a row, missing values are empty cells.
      A series with no value in the span is left out (and listed in build_log.txt).
  E3  Monthly averages of daily data: mean of the month's available daily observations; months
      with fewer than MIN_DAYS observations are missing.
  E4  Venezuela: every bolivar amount is in VEF (bolivar fuerte) units: VES (from 2018-08-20) is
      x 100,000 VEF and VED (from 2021-10-01) x 100,000,000,000 VEF (the FRED column
      lcu_per_usd_vef_units is already rescaled; DolarToday is quoted in VES throughout).
  E5  Parallel premium = 100 * (parallel / official - 1): monthly where both are monthly
      (Venezuela: DolarToday vs FRED H.10), annual where the official rate is annual only
      (Iran: the mean of the twelve monthly TGJU averages vs WDI PA.NUS.FCRF; a year needs all
      twelve months).
  E6  Events carry value 1 on the event date (unit count): leader exits by Archigos exit type,
      leader entries, Powell & Thyne coups (successful / failed), Cline Center coup events
      (realized / attempted / conspiracy).
  E7  World oil prices (EIA spot, USD per barrel, public domain), the same in every episode:
      `oil_price_brent` (Europe Brent FOB, RBRTE, from May 1987) and `oil_price_wti` (Cushing
      WTI FOB, RWTC, from January 1986), monthly averages as EIA publishes them (the source
      dates them the 15th; here `YYYY-MM`). `oil_price` is the driver the model uses: Brent,
      and WTI for the months before Brent starts (Jan 1986 - Apr 1987); before 1986 there is no
      EIA series and the episode's runs must state an assumption.
  E8  FR Yugoslavia: `gdppc_growth_maddison` = 100 * (y_t / y_{t-1} - 1) of the Maddison Project's
      GDP per capita for Serbia (2011 international $), only for the years before WDI's
      `gdp_growth` begins (1996): the 1992-1995 sanction and hyperinflation years, which WDI lacks.
"""

import datetime as dt
import os

from . import leaders
from .common import SourceError, fmt_sig, num, write_csv

MIN_DAYS = 5

EPISODES = {
    "iran_2011": {"iso3": "IRN", "gw": 630, "span": (2005, 2020), "currency": "IRR"},
    "russia_2014": {"iso3": "RUS", "gw": 365, "span": (2008, 2019), "currency": "RUB"},
    "fry_1992": {"iso3": "SRB", "gw": 345, "span": (1985, 2003), "currency": "RSD"},
    "venezuela_2017": {"iso3": "VEN", "gw": 101, "span": (2010, 2021), "currency": "VEF"},
    "south_africa_1985": {"iso3": "ZAF", "gw": 560, "span": (1980, 1996), "currency": "ZAR"},
}

# series -> (variable in wdi/wdi_selected_long.csv, unit, source key)
WDI_SERIES = {
    "cpi_inflation": ("cpi_inflation_pct", "percent", "wdi:FP.CPI.TOTL.ZG"),
    "gdp_deflator_inflation": ("gdp_deflator_inflation_pct", "percent", "wdi:NY.GDP.DEFL.KD.ZG"),
    "gdp_growth": ("gdp_growth_pct", "percent", "wdi:NY.GDP.MKTP.KD.ZG"),
    "gdppc_growth": ("gdp_pc_growth_pct", "percent", "wdi:NY.GDP.PCAP.KD.ZG"),
    "gdp_current_usd": ("gdp_current_usd", "usd", "wdi:NY.GDP.MKTP.CD"),
    "fx_official_wdi": ("fx_official_lcu_per_usd", None, "wdi:PA.NUS.FCRF"),
    "reserves": ("reserves_incl_gold_usd", "usd", "wdi:FI.RES.TOTL.CD"),
    "govt_balance": ("cg_net_lending_pct_gdp", "percent_of_gdp", "wdi:GC.NLD.TOTL.GD.ZS"),
    "govt_revenue": ("cg_revenue_ex_grants_pct_gdp", "percent_of_gdp", "wdi:GC.REV.XGRT.GD.ZS"),
    "govt_tax_revenue": ("cg_tax_revenue_pct_gdp", "percent_of_gdp", "wdi:GC.TAX.TOTL.GD.ZS"),
    "govt_expense": ("cg_expense_pct_gdp", "percent_of_gdp", "wdi:GC.XPN.TOTL.GD.ZS"),
    "govt_debt_cg": ("cg_debt_pct_gdp", "percent_of_gdp", "wdi:GC.DOD.TOTL.GD.ZS"),
    "broad_money_growth": ("broad_money_growth_pct", "percent", "wdi:FM.LBL.BMNY.ZG"),
    "current_account": ("current_account_usd", "usd", "wdi:BN.CAB.XOKA.CD"),
    "exports": ("exports_pct_gdp", "percent_of_gdp", "wdi:NE.EXP.GNFS.ZS"),
    "imports": ("imports_pct_gdp", "percent_of_gdp", "wdi:NE.IMP.GNFS.ZS"),
    "fuel_exports": ("fuel_exports_pct_merch", "percent", "wdi:TX.VAL.FUEL.ZS.UN"),
    "natural_resource_rents": ("natural_resource_rents_pct_gdp", "percent_of_gdp", "wdi:NY.GDP.TOTL.RT.ZS"),
    "military_expenditure": ("military_exp_pct_gdp", "percent_of_gdp", "wdi:MS.MIL.XPND.GD.ZS"),
    "external_debt": ("external_debt_stocks_usd", "usd", "wdi:DT.DOD.DECT.CD"),
    "unemployment": ("unemployment_pct", "percent", "wdi:SL.UEM.TOTL.ZS"),
}

# Maddison entities per episode: series -> entity name in the shared extract.
MADDISON = {
    "SRB": {"gdppc_maddison_serbia": "Serbia", "gdppc_maddison_yugoslavia": "Yugoslavia"},
    "RUS": {"gdppc_maddison": "Russia"},
}


def per_unit(currency):
    return f"{currency}_per_USD"


class Series:
    """One series of an episode: name, unit, frequency, source and {period: formatted value}."""

    def __init__(self, name, unit, frequency, source):
        self.name, self.unit, self.frequency, self.source = name, unit, frequency, source
        self.values = {}


def year_periods(a, b):
    return [str(y) for y in range(a, b + 1)]


def month_periods(a, b):
    return [f"{y}-{m:02d}" for y in range(a, b + 1) for m in range(1, 13)]


def periodic_rows(s, span):
    """E2: rows from the first to the last non-missing period inside the span."""
    periods = year_periods(*span) if s.frequency == "annual" else month_periods(*span)
    present = [p for p in periods if s.values.get(p, "") != ""]
    if not present:
        return []
    lo, hi = periods.index(present[0]), periods.index(present[-1])
    return [[p, s.name, s.values.get(p, ""), s.unit, s.frequency, s.source] for p in periods[lo : hi + 1]]


def monthly_means(daily, scale=1.0):
    """E3: {YYYY-MM: mean} of {date: value} with at least MIN_DAYS observations."""
    buckets = {}
    for d, v in daily.items():
        buckets.setdefault(d[:7], []).append(v)
    return {m: scale * sum(v) / len(v) for m, v in buckets.items() if len(v) >= MIN_DAYS}


def daily_column(shared, rel, column):
    out = {}
    for r in shared.rows(rel):
        v = num(r[column])
        if v is not None:
            out[r["date"]] = v
    return out


def build_series(shared, ep_id, ep, ctx, log):
    iso, cur = ep["iso3"], ep["currency"]
    series = []

    # World Bank WDI (annual).
    wdi = {}
    for r in ctx["wdi_long"]:
        if r["iso3"] == iso and r["value"].strip() != "":
            wdi.setdefault(r["variable"], {})[r["year"]] = r["value"].strip()
    for name, (var, unit, src) in WDI_SERIES.items():
        s = Series(name, unit or per_unit(cur if iso != "SRB" else "RSD"), "annual", src)
        s.values = dict(wdi.get(var, {}))
        series.append(s)

    # GDP per capita, constant 2015 US$ (rule P1 of the panel) and Maddison.
    s = Series("gdppc_const2015usd", "usd_2015", "annual", "wdi:derived")
    s.values = {str(y): fmt_sig(v, 8) for y, v in ctx["gdppc_levels"].get(iso, {}).items()}
    series.append(s)
    for name, entity in MADDISON.get(iso, {"gdppc_maddison": None}).items():
        s = Series(name, "intl_dollar_2011", "annual", "maddison2023")
        for r in ctx["maddison"]:
            if r["iso3"] == iso and (entity is None or r["maddison_entity"] == entity):
                s.values[r["year"]] = r["gdp_per_capita"].strip()
        series.append(s)

    # E8 FR Yugoslavia: GDP per capita growth from Maddison (entity Serbia) for the years before
    # WDI's GDP growth begins (1996), so that a fit can use both without counting a year twice.
    if iso == "SRB":
        mad = {int(r["year"]): num(r["gdp_per_capita"]) for r in ctx["maddison"]
               if r["iso3"] == iso and r["maddison_entity"] == "Serbia"}
        first_wdi = min(int(y) for y in wdi.get("gdp_growth_pct", {}))
        s = Series("gdppc_growth_maddison", "percent", "annual", "maddison2023:derived")
        for y in sorted(mad):
            if y < first_wdi and mad.get(y - 1) and mad[y] is not None:
                s.values[str(y)] = fmt_sig(100 * (mad[y] / mad[y - 1] - 1), 6)
        series.append(s)

    # IMF Historical Public Debt Database (general government).
    s = Series("govt_debt_gg", "percent_of_gdp", "annual", "imf_hpdd")
    s.values = {r["year"]: r["gg_debt_pct_gdp"].strip() for r in ctx["hpdd"] if r["iso3"] == iso}
    series.append(s)

    # Parallel and official exchange rates (monthly from daily), premium.
    parallel = official_m = None
    if iso == "IRN":
        parallel = monthly_means(daily_column(shared, "parallel_fx/iran_usd_free_market_tgju_daily.csv", "close_irr_per_usd"))
        src_par = "tgju"
    if iso == "VEN":
        parallel = monthly_means(daily_column(shared, "parallel_fx/venezuela_dolartoday_daily_ves.csv", "dolartoday_ves_per_usd"), 1e5)
        src_par = "dolartoday"
        official_m = monthly_means(daily_column(shared, "official_fx/ven_official_fred_daily.csv", "lcu_per_usd_vef_units"))
        src_off = "fred:DEXVZUS"
    if iso == "ZAF":
        official_m = monthly_means(daily_column(shared, "official_fx/zaf_official_fred_daily.csv", "lcu_per_usd"))
        src_off = "fred:DEXSFUS"
    if parallel is not None:
        s = Series("fx_parallel", per_unit(cur), "monthly", src_par)
        s.values = {m: fmt_sig(v, 8) for m, v in parallel.items()}
        series.append(s)
    if official_m is not None:
        s = Series("fx_official_fred", per_unit(cur), "monthly", src_off)
        s.values = {m: fmt_sig(v, 8) for m, v in official_m.items()}
        series.append(s)
    if parallel is not None and official_m is not None:
        s = Series("parallel_premium", "percent", "monthly", f"{src_par}+{src_off}:derived")
        s.values = {m: fmt_sig(100 * (parallel[m] / official_m[m] - 1), 8) for m in parallel if m in official_m}
        series.append(s)
    elif parallel is not None:
        s = Series("parallel_premium", "percent", "annual", f"{src_par}+wdi:PA.NUS.FCRF:derived")
        for y in range(ep["span"][0], ep["span"][1] + 1):
            months = [parallel.get(f"{y}-{m:02d}") for m in range(1, 13)]
            off = num(wdi.get("fx_official_lcu_per_usd", {}).get(str(y)))
            if None not in months and off:
                s.values[str(y)] = fmt_sig(100 * (sum(months) / 12 / off - 1), 8)
        series.append(s)

    series += oil_series(ctx)

    # Ilzetzki-Reinhart-Rogoff monthly regime codes.
    s = Series("dual_market", "indicator", "monthly", "irr2019")
    s.values = {r["month"]: r["dual_market"].strip() for r in ctx["irr_dual"] if r["iso3"] == iso}
    series.append(s)
    if iso != "SRB":  # the IRR fine code for Serbia/FRY is implausible (code 1 in 1988-96)
        s = Series("irr_fine_regime", "code", "monthly", "irr2019")
        s.values = {r["month"]: r["irr_fine"].strip() for r in ctx["irr_fine"] if r["iso3"] == iso}
        series.append(s)

    # Sanction breadth, regime and protest (annual), from the panel's coding.
    for name, col, unit, src in (
        ("sanction_cases", "sanc_cases", "count", "gsdb3:derived"),
        ("sanction_cases_un", "sanc_cases_un", "count", "gsdb3:derived"),
        ("sanction_cases_us", "sanc_cases_us", "count", "gsdb3:derived"),
        ("sanction_cases_eu", "sanc_cases_eu", "count", "gsdb3:derived"),
        ("sanction_cases_other", "sanc_cases_other", "count", "gsdb3:derived"),
        ("gwf_autocracy", "gwf_autocracy", "indicator", "gwf2014"),
        ("gwf_regime_failure", "gwf_fail", "indicator", "gwf2014"),
        ("vdem_polyarchy", "vdem_polyarchy", "index_0_1", "vdem14"),
        ("vdem_libdem", "vdem_libdem", "index_0_1", "vdem14"),
        ("protest_events", "protest_events", "count", "mm5:derived"),
        ("protest_events_accommodated", "protest_events_accommodated", "count", "mm5:derived"),
        ("leader_tenure_jan1", "leader_tenure_jan1", "years", "archigos4.1:derived"),
    ):
        s = Series(name, unit, "annual", src)
        s.values = {str(y): v for (i, y), row in ctx["panel_rows"].items() if i == iso for v in [row.get(col, "")]}
        series.append(s)

    rows = []
    missing = []
    for s in series:
        r = periodic_rows(s, ep["span"])
        if r:
            rows += r
        else:
            missing.append(s.name)
    rows += event_rows(ep, ctx)
    log(f"{ep_id}: {len(series) - len(missing)} periodic series; none in {ep['span'][0]}-{ep['span'][1]}: {', '.join(missing) or '-'}")
    return rows


def monthly_prices(rows, rel):
    """E7: {YYYY-MM: price} from an EIA monthly file (dated YYYY-MM-15)."""
    out = {}
    for r in rows:
        v = num(r["Price"])
        if v is None or len(r["Date"]) != 10 or r["Date"][8:] != "15":
            raise SourceError(f"{rel}: unexpected row {r} (want Date YYYY-MM-15 and a number)")
        out[r["Date"][:7]] = v
    return out


def oil_series(ctx):
    """E7: Brent, WTI and the spliced driver `oil_price`, monthly, USD per barrel."""
    brent, wti = ctx["brent_monthly"], ctx["wti_monthly"]
    out = []
    for name, values, src in (
        ("oil_price_brent", brent, "eia:RBRTE"),
        ("oil_price_wti", wti, "eia:RWTC"),
    ):
        s = Series(name, "usd_per_barrel", "monthly", src)
        s.values = {m: fmt_sig(v, 6) for m, v in values.items()}
        out.append(s)
    first_brent = min(brent)
    s = Series("oil_price", "usd_per_barrel", "monthly", "eia:RBRTE+eia:RWTC:derived")
    s.values = {m: fmt_sig(v, 6) for m, v in wti.items() if m < first_brent}
    s.values.update({m: fmt_sig(v, 6) for m, v in brent.items()})
    out.append(s)
    return out


def event_rows(ep, ctx):
    """E6: leader exits/entries (Archigos), coups (Powell & Thyne, Cline Center)."""
    iso, (a, b) = ep["iso3"], ep["span"]
    out = []

    def add(date, series, source):
        if a <= int(date[:4]) <= b:
            out.append([date, series, "1", "count", "event", source])

    for s in ctx["spells"]:
        if s["iso3"] != iso:
            continue
        add(s["start"].isoformat(), "leader_entry", "archigos4.1")
        if s["exit"] != leaders.CENSORED:
            add(s["end"].isoformat(), f"leader_exit_{leaders.EXIT_SLUGS[s['exit']]}", "archigos4.1")
    for r in ctx["pt_coups"]:
        if (r["iso3_target"] or ctx["codes"].iso3(r["ccode"])) == iso and r["day"]:
            d = dt.date(int(r["year"]), int(r["month"]), int(r["day"])).isoformat()
            add(d, "coup_successful" if r["coup"] == "2" else "coup_failed", "ptcoups")
    for r in ctx["cline"]:
        if (r["iso3_target"] or ctx["codes"].iso3(r["cowcode"])) == iso and r["day"] not in ("", "-99"):
            d = dt.date(int(r["year"]), int(r["month"]), int(r["day"])).isoformat()
            kind = "realized" if r["realized"] == "1" else "attempted" if r["attempt"] == "1" else "conspiracy"
            add(d, f"coup_cline_{kind}", "cline2.1.2")
    return out


def build(shared, out_dir, log, ctx):
    ctx = dict(ctx)
    ctx["wdi_long"] = shared.rows("wdi/wdi_selected_long.csv")
    ctx["maddison"] = shared.rows("maddison/maddison_gdppc_2011usd_targets.csv")
    ctx["hpdd"] = shared.rows("imf_hpdd/hpdd_gg_debt_pct_gdp_targets.csv")
    ctx["irr_dual"] = shared.rows("irr/irr_dual_market_monthly_all.csv")
    ctx["irr_fine"] = shared.rows("irr/irr_fine_regime_monthly_targets.csv")
    ctx["pt_coups"] = shared.rows("coups/powell_thyne_coup_events.csv")
    ctx["cline"] = shared.rows("coups/cline_coup_events_v2_1_2.csv")
    for key, rel in (("brent_monthly", "oil_prices/eia_brent-monthly.csv"), ("wti_monthly", "oil_prices/eia_wti-monthly.csv")):
        ctx[key] = monthly_prices(shared.rows(rel), rel)
    header = ["date", "series", "value", "unit", "frequency", "source"]
    for ep_id, ep in EPISODES.items():
        rows = build_series(shared, ep_id, ep, ctx, log)
        rows.sort(key=lambda r: (r[1], r[0]))
        write_csv(os.path.join(out_dir, "episodes", f"{ep_id}.csv"), header, rows)
        log(f"  {ep_id}.csv: {len(rows)} rows")
