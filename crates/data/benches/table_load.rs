//! Loading a synthetic 1,000,000-row country-year panel (text key, integer year, eight numeric
//! columns with some missing values) from CSV bytes in memory, with declared types and a
//! (country, year) uniqueness check; plus grouping and filtering on the loaded table.

use criterion::{criterion_group, criterion_main, Criterion};
use pressure_data::table::{ColumnType, ReadOptions, Table};
use std::fmt::Write;
use std::hint::black_box;

const ROWS: usize = 1_000_000;

fn synthetic_panel() -> String {
    let mut s = String::from("country,year,g,infl,fx,res,fisc,debt,un,us\n");
    let years = 100;
    for i in 0..ROWS {
        let c = i / years;
        let y = 1900 + (i % years);
        let x = (i as f64 * 0.618_033_988_7).fract();
        if i % 17 == 0 {
            writeln!(s, "C{c:05},{y},,NA,{:.6},{:.3},,,0,1", x * 1e3, x * 1e9).unwrap();
        } else {
            writeln!(
                s,
                "C{c:05},{y},{:.4},{:.3},{:.6},{:.3},{:.4},{:.2},{},{}",
                x * 10.0 - 5.0,
                x * 40.0,
                x * 1e3,
                x * 1e9,
                x - 0.5,
                x * 100.0,
                i % 2,
                i % 3 == 0
            )
            .unwrap();
        }
    }
    s.replace("true", "1").replace("false", "0")
}

fn bench(c: &mut Criterion) {
    let csv = synthetic_panel();
    let opts = ReadOptions::new()
        .column_type("country", ColumnType::Text)
        .column_type("year", ColumnType::Int)
        .column_types(
            ["g", "infl", "fx", "res", "fisc", "debt"],
            ColumnType::Float,
        )
        .column_types(["un", "us"], ColumnType::Int)
        .unique_key(["country", "year"]);
    let mut g = c.benchmark_group("table");
    g.sample_size(10);
    g.bench_function("read_1m_rows_typed_unique_key", |b| {
        b.iter(|| Table::read_str(black_box(&csv), "bench.csv", &opts).unwrap())
    });
    g.bench_function("read_1m_rows_inferred", |b| {
        b.iter(|| Table::read_str(black_box(&csv), "bench.csv", &ReadOptions::new()).unwrap())
    });
    let t = Table::read_str(&csv, "bench.csv", &opts).unwrap();
    g.bench_function("group_by_country_year_1m", |b| {
        b.iter(|| t.group_by(black_box(&["country", "year"])).unwrap())
    });
    g.bench_function("filter_expr_1m", |b| {
        b.iter(|| {
            t.filter(black_box("year >= 1960 && !is_missing(g) && un == 1"))
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
