//! The shipped country-year panel: it loads, has the expected shape, and spot values match the
//! shared sources (skipped with a message when the shared folder is absent). Plus the loader's
//! errors on small broken fixtures.

use pressure_data::panel::{load_leader_years, Panel};
use pressure_data::table::{ReadOptions, Table};
use pressure_data::DataError;

mod common;
use common::{data_dir, shared_dir};
use std::fs;

fn panel() -> Panel {
    Panel::load(data_dir().join("panel")).expect("shipped panel loads")
}

#[test]
fn shipped_panel_has_all_countries_and_years() {
    let p = panel();
    let t = p.table();
    assert!(t.n_rows() > 14_000, "{} rows", t.n_rows());
    let countries = p.countries();
    for iso in [
        "IRN", "RUS", "SRB", "VEN", "ZAF", "USA", "CHN", "ZWE", "PRK", "CUB",
    ] {
        assert!(countries.iter().any(|c| c == iso), "{iso} missing");
    }
    let years = t.ints("year").unwrap();
    assert_eq!(years.iter().flatten().min(), Some(&1960));
    assert_eq!(years.iter().flatten().max(), Some(&2025));
    // Every WDI economy has the full 1960-2025 grid.
    assert_eq!(t.filter("iso3 == 'IRN'").unwrap().n_rows(), 66);
    // The dictionary documents every column of the joined table.
    for name in t.column_names() {
        assert!(p.info(name).is_some(), "{name} undocumented");
    }
    assert_eq!(p.info("sanc_un").unwrap().unit, "indicator");
}

#[test]
fn shipped_panel_spot_values_from_public_record() {
    let p = panel();
    // UN sanctions on Iran in 2012 (UNSCR 1737 onwards), none on Russia in 2014; EU and US
    // sanctions on Russia begin in 2014 (GSDB).
    assert_eq!(p.value("IRN", 2012, "sanc_un").unwrap(), Some(1.0));
    assert_eq!(p.value("RUS", 2014, "sanc_un").unwrap(), Some(0.0));
    assert_eq!(p.value("RUS", 2014, "sanc_eu").unwrap(), Some(1.0));
    assert_eq!(p.value("RUS", 2014, "sanc_onset_eu").unwrap(), Some(1.0));
    assert_eq!(p.value("ZAF", 1986, "sanc_us").unwrap(), Some(1.0));
    // Sanction coding stops with GSDB release 3 in 2022: later years are missing, not 0.
    assert_eq!(p.value("IRN", 2024, "sanc_any").unwrap(), None);
    // Archigos: Milosevic leaves office in 2000; Mugabe has not left by 2015 (end of the copy).
    assert_eq!(p.value("SRB", 2000, "leader_exit").unwrap(), Some(1.0));
    assert_eq!(p.value("ZWE", 2015, "leader_exit").unwrap(), Some(0.0));
    assert_eq!(p.value("ZWE", 2016, "leader_exit").unwrap(), None);
    // Powell & Thyne: Turkey 12 September 1980.
    assert_eq!(p.value("TUR", 1980, "coups_successful").unwrap(), Some(1.0));
    assert!(p.value("XXX", 2000, "gdp_growth_pct").is_err());
    assert!(p.value("IRN", 2000, "no_such_column").is_err());
}

#[test]
fn shipped_panel_matches_shared_wdi_source() {
    let Some(shared) = shared_dir() else {
        println!(
            "SKIP: shared folder not found (set PRESSURE_SHARED); WDI spot values not checked"
        );
        return;
    };
    let src = Table::read_path(
        shared.join("data/panel/wdi_all_countries.csv"),
        &ReadOptions::new(),
    )
    .unwrap();
    let p = panel();
    let pairs = [
        ("gdp_growth_pct", "gdp_growth_pct"),
        ("cpi_inflation_pct", "cpi_inflation_pct"),
        ("govt_balance_pct_gdp", "govt_net_lending_pct_gdp"),
        ("reserves_usd", "reserves_total_usd"),
        ("fx_official_lcu_per_usd", "fx_official_lcu_per_usd"),
    ];
    for (iso, year) in [
        ("IRN", 2012),
        ("RUS", 2015),
        ("ZAF", 1985),
        ("VEN", 2016),
        ("USA", 1990),
    ] {
        let row = src
            .find_row(&["iso3", "year"], &[iso, &year.to_string()])
            .unwrap()
            .unwrap();
        for (ours, theirs) in pairs {
            let want = src.to_f64(theirs).unwrap()[row];
            let got = p.value(iso, year, ours).unwrap().unwrap_or(f64::NAN);
            if want.is_nan() {
                assert!(
                    got.is_nan(),
                    "{iso} {year} {ours}: {got} but source missing"
                );
            } else {
                // The exchange rate is rounded to 8 significant digits; the rest is copied.
                assert!(
                    (got - want).abs() <= 1e-7 * want.abs(),
                    "{iso} {year} {ours}: {got} vs {want}"
                );
            }
        }
    }
    // The documented anchor: Iran 2012 GDP growth -3.75 % in this WDI vintage.
    let g = p.value("IRN", 2012, "gdp_growth_pct").unwrap().unwrap();
    assert!((g + 3.7472).abs() < 1e-9);
}

#[test]
fn shipped_leader_years_load_and_chain() {
    let t = load_leader_years(data_dir().join("panel/leader_years.csv")).unwrap();
    assert!(t.n_rows() > 9_000);
    // Consecutive rows of a spell abut: t_start of one year is t_stop of the previous.
    let ids = t.text("spell_id").unwrap();
    let (t0, t1) = (t.floats("t_start").unwrap(), t.floats("t_stop").unwrap());
    let mut chained = 0;
    for i in 1..t.n_rows() {
        if ids.get(i) == ids.get(i - 1) {
            assert_eq!(t0[i], t1[i - 1], "row {}", t.source_row(i));
            chained += 1;
        }
    }
    assert!(chained > 5_000);
    // Milosevic's spell ends in 2000 with a regular exit (as Archigos codes it).
    let r = t
        .find_row(&["iso3", "year", "exit"], &["SRB", "2000", "1"])
        .unwrap()
        .expect("SRB 2000 exit row");
    assert_eq!(t.text("exit_type").unwrap().get(r), Some("regular"));
}

/// Writes a minimal panel (dictionary + two files) into a temp dir, with `edit` applied.
fn fixture(macro_csv: &str, politics_csv: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    fs::write(
        d.path().join("columns.csv"),
        "column,file,type,unit,source,description\n\
         iso3,all,text,,panel,code\nyear,all,int,year,panel,year\n\
         gdp,macro.csv,float,percent,wdi,growth\nexit,politics.csv,int,indicator,archigos,exit\n",
    )
    .unwrap();
    fs::write(d.path().join("macro.csv"), macro_csv).unwrap();
    fs::write(d.path().join("politics.csv"), politics_csv).unwrap();
    d
}

#[test]
fn fixture_panel_joins_files() {
    let d = fixture(
        "iso3,year,gdp\nAAA,2000,1.5\nAAA,2001,\n",
        "iso3,year,exit\nAAA,2000,0\nAAA,2001,1\n",
    );
    let p = Panel::load(d.path()).unwrap();
    assert_eq!(p.table().column_names(), &["iso3", "year", "gdp", "exit"]);
    assert_eq!(p.value("AAA", 2001, "exit").unwrap(), Some(1.0));
    assert_eq!(p.value("AAA", 2001, "gdp").unwrap(), None);
}

#[test]
fn fixture_panel_errors_name_file_row_column() {
    let good_pol = "iso3,year,exit\nAAA,2000,0\nAAA,2001,1\n";
    // Non-numeric cell.
    let d = fixture("iso3,year,gdp\nAAA,2000,1.5\nAAA,2001,n/a\n", good_pol);
    let e = Panel::load(d.path()).unwrap_err().to_string();
    assert!(
        e.contains("macro.csv, row 3 (header is row 1), column 3 `gdp`: `n/a` is not a number"),
        "{e}"
    );
    // Duplicate key.
    let d = fixture("iso3,year,gdp\nAAA,2000,1.5\nAAA,2000,2\n", good_pol);
    let e = Panel::load(d.path()).unwrap_err();
    assert!(matches!(e, DataError::DuplicateKey { .. }), "{e}");
    assert!(e.to_string().contains("row 3") && e.to_string().contains("first seen in row 2"));
    // Missing column.
    let d = fixture("iso3,year\nAAA,2000\nAAA,2001\n", good_pol);
    let e = Panel::load(d.path()).unwrap_err().to_string();
    assert!(e.contains("macro.csv: no column `gdp`"), "{e}");
    // Undocumented column.
    let d = fixture(
        "iso3,year,gdp,zzz\nAAA,2000,1.5,1\nAAA,2001,2,1\n",
        good_pol,
    );
    let e = Panel::load(d.path()).unwrap_err().to_string();
    assert!(
        e.contains("column `zzz` is not in the data dictionary"),
        "{e}"
    );
    // Files with different keys.
    let d = fixture(
        "iso3,year,gdp\nAAA,2000,1.5\nAAA,2001,2\n",
        "iso3,year,exit\nAAA,2000,0\nAAA,2002,1\n",
    );
    let e = Panel::load(d.path()).unwrap_err().to_string();
    assert!(
        e.contains(
            "politics.csv, row 3 (header is row 1), column 1 `iso3`: key (AAA, 2002) differs"
        ),
        "{e}"
    );
}

#[test]
fn fixture_leader_years_errors() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("ly.csv");
    let head = "iso3,year,spell_id,t_start,t_stop,exit,exit_regular,exit_irregular,exit_type\n";
    fs::write(
        &p,
        format!("{head}AAA,2000,A-1,0,1,0,0,0,\nAAA,2001,A-1,1,0.5,1,1,0,regular\n"),
    )
    .unwrap();
    let e = load_leader_years(&p).unwrap_err().to_string();
    assert!(
        e.contains("ly.csv, row 3 (header is row 1), column 5 `t_stop`"),
        "{e}"
    );
    fs::write(&p, format!("{head}AAA,2000,A-1,0,1,0,0,1,\n")).unwrap();
    let e = load_leader_years(&p).unwrap_err().to_string();
    assert!(e.contains("row 2") && e.contains("`exit_irregular`"), "{e}");
}

#[test]
fn leader_years_join_panel_covariates() {
    // The survival-model use: leader-year intervals with sanction and regime covariates.
    let ly = load_leader_years(data_dir().join("panel/leader_years.csv")).unwrap();
    let p = panel();
    let joined = ly
        .left_join(p.table(), &["iso3", "year"], &["sanc_un", "gwf_personal"])
        .unwrap();
    assert_eq!(joined.n_rows(), ly.n_rows());
    let r = joined
        .find_row(&["spell_id", "year"], &["IRN-2005", "2012"])
        .unwrap()
        .unwrap();
    assert_eq!(joined.ints("sanc_un").unwrap()[r], Some(1));
    // Joining a column the table already has is refused (`year` is in both).
    let e = ly
        .left_join(p.table(), &["iso3", "year"], &["year"])
        .unwrap_err();
    assert!(
        matches!(e, pressure_data::DataError::DuplicateColumn { .. }),
        "{e}"
    );
    assert!(ly
        .left_join(p.table(), &["iso3", "year"], &["no_such"])
        .is_err());
}
