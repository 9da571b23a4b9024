"""Country codes: ISO3 (World Bank style) for names and Gleditsch-Ward / Correlates-of-War codes.

Continuator conventions (same as the shared folder): Soviet Union -> RUS; Yugoslavia / FR
Yugoslavia / Serbia and Montenegro -> SRB; West Germany -> DEU; North Yemen -> YEM; North Vietnam
-> VNM. Non-ISO units: DDR, CSK, YMD (South Yemen), RVN (Republic of Vietnam), ZZB (Zanzibar),
TBT (Tibet), XKX (Kosovo, World Bank code).
"""

# GSDB `sanctioned_state` names that are not WDI country names.
GSDB_NAME_ALIASES = {
    "Ceylon": "LKA",
    "Congo (Brazzaville)": "COG",
    "Congo, Democratic Republic of the": "COD",
    "Ethiopia (excludes Eritrea)": "ETH",
    "Hong Kong": "HKG",
    "Iran": "IRN",
    "Korea, North": "PRK",
    "Korea, South": "KOR",
    "Kyrgyzstan": "KGZ",
    "Laos": "LAO",
    "Macedonia": "MKD",
    "Malagasy Republic": "MDG",
    "Malaya": "MYS",
    "North Vietnam": "VNM",
    "Palestine": "PSE",
    "Rhodesia": "ZWE",
    "Russia": "RUS",
    "Somalia": "SOM",
    "Soviet Union": "RUS",
    "Syria": "SYR",
    "Transjordan": "JOR",
    "Turkey": "TUR",
    "Venezuela": "VEN",
    "Yemen, North": "YEM",
    "Yugoslavia": "SRB",
    "German Democratic Republic": "DDR",
    "Czechoslovakia": "CSK",
    "Taiwan": "TWN",
    # "South Vietnam" is year-dependent, see gsdb_target_iso3.
}

# GSDB targets that are not a single state: dropped, with the reason logged.
GSDB_DROPPED_TARGETS = {
    "Balkans",
    "Western Balkans",
    "Comecon",
    "Cyprus (Northern)",
    "ECOWAS",
    "EEC",
    "EEU",
    "EU",
    "ICC Rome Statute Signatories",
    "League of Arab States",
    "Western countries",
    "Terrorist Organizations (Al-Qaeda)",
    "Terrorist Organizations (ISIL and ANF)",
    "Terrorist Organizations (Taliban and Al-Qaeda)",
    "Terrorist Organizations (Taliban)",
}

# Units that are not World Bank economies but appear in the panel (name, for countries.csv).
EXTRA_UNITS = {
    "TWN": "Taiwan",
    "DDR": "German Democratic Republic",
    "CSK": "Czechoslovakia",
    "RVN": "Republic of Vietnam (South)",
    "YMD": "Yemen, People's Democratic Republic (South)",
    "ZZB": "Zanzibar",
    "TBT": "Tibet",
}

# Gleditsch-Ward / COW numeric codes whose ISO3 is not the code's usual country, or that the
# Archigos crosswalk does not list. COW 255 is Germany (used by COW for unified Germany), 260
# West Germany (GW), 364 USSR (Mass Mobilization), 342/347 Serbia / Serbia and Montenegro
# (Mass Mobilization), 347 Kosovo (COW/GW), 529 Ethiopia (Polity, from 1993), 679 Yemen (COW,
# unified), 815/817 Republic of Vietnam; 54 Dominica and 55 Grenada are in neither crosswalk.
CODE_OVERRIDES = {
    255: "DEU",
    260: "DEU",
    265: "DDR",
    315: "CSK",
    54: "DMA",
    55: "GRD",
    340: "SRB",
    341: "MNE",
    345: "SRB",
    347: "XKX",
    529: "ETH",
    364: "RUS",
    365: "RUS",
    678: "YEM",
    679: "YEM",
    680: "YMD",
    815: "RVN",
    816: "VNM",
    817: "RVN",
}

# Mass Mobilization uses its own codes for the successor states of Yugoslavia and a few others
# (read from its country names): 341 Kosovo, 342 Serbia, 345 Yugoslavia, 347 Serbia and
# Montenegro / Yugoslavia, 348 Montenegro, 364 USSR, 525 South Sudan, 529 Ethiopia.
MM_CODE_OVERRIDES = {341: "XKX", 342: "SRB", 345: "SRB", 347: "SRB", 348: "MNE", 364: "RUS", 525: "SSD", 529: "ETH"}

# V-Dem country_text_id values that differ from the panel's codes.
VDEM_ID_OVERRIDES = {"VDR": "RVN"}
VDEM_ID_DROP = {"PSG", "PSB", "SML"}  # Gaza, British Mandate Palestine, Somaliland


class Codes:
    """Numeric GW/COW code -> ISO3, built from the Archigos country-year crosswalk of the
    shared panel (gwcode -> iso3) and V-Dem's COW codes, with CODE_OVERRIDES on top."""

    def __init__(self, shared):
        self.map = {}
        for r in shared.rows("panel/leaders_country_year.csv"):
            self.map.setdefault(int(r["gwcode"]), r["iso3"])
        for r in shared.rows("vdem/vdem_high_level_indices_1900_plus.csv"):
            tid = r["country_text_id"]
            if tid in VDEM_ID_DROP:
                continue
            tid = VDEM_ID_OVERRIDES.get(tid, tid)
            for col in ("vdem_cowcode", "cown", "GWn"):
                if r[col]:
                    self.map.setdefault(int(float(r[col])), tid)
        self.map.update(CODE_OVERRIDES)

    def iso3(self, code):
        if code is None or code == "":
            return None
        return self.map.get(int(float(code)))


def vdem_iso3(text_id):
    if text_id in VDEM_ID_DROP:
        return None
    return VDEM_ID_OVERRIDES.get(text_id, text_id)
