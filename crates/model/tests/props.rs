//! Property tests of the equation language: the parser round-trips its own printed output and
//! never panics on arbitrary text.

use pressure_model::eqn::{parse, print, Ast, AstKind, BinaryOp, SubAst, UnaryOp};
use proptest::prelude::*;

fn sub() -> impl Strategy<Value = SubAst> {
    ("[a-z][a-z0-9_]{0,4}", any::<bool>()).prop_map(|(name, bang)| SubAst {
        name,
        bang,
        start: 0,
        end: 0,
    })
}

fn name() -> impl Strategy<Value = String> {
    "[a-z_][a-z0-9_]{0,6}(\\.[a-z][a-z0-9]{0,3})?".prop_filter("keywords are not names", |s| {
        !["if", "then", "else", "and", "or", "not"].contains(&s.as_str())
    })
}

fn leaf() -> impl Strategy<Value = Ast> {
    prop_oneof![
        (0.0f64..1e6).prop_map(AstKind::Num),
        (0u32..1000).prop_map(|v| AstKind::Num(v as f64)),
        (name(), proptest::collection::vec(sub(), 0..3))
            .prop_map(|(name, subs)| AstKind::Ref { name, subs }),
        Just(AstKind::Ref {
            name: "TIME STEP".into(),
            subs: vec![]
        }),
    ]
    .prop_map(|kind| Ast {
        kind,
        start: 0,
        end: 0,
    })
}

fn binop() -> impl Strategy<Value = BinaryOp> {
    prop_oneof![
        Just(BinaryOp::Add),
        Just(BinaryOp::Sub),
        Just(BinaryOp::Mul),
        Just(BinaryOp::Div),
        Just(BinaryOp::Pow),
        Just(BinaryOp::Eq),
        Just(BinaryOp::Ne),
        Just(BinaryOp::Lt),
        Just(BinaryOp::Le),
        Just(BinaryOp::Gt),
        Just(BinaryOp::Ge),
        Just(BinaryOp::And),
        Just(BinaryOp::Or),
    ]
}

fn expr() -> impl Strategy<Value = Ast> {
    leaf().prop_recursive(5, 48, 4, |inner| {
        let b = |kind| Ast {
            kind,
            start: 0,
            end: 0,
        };
        prop_oneof![
            (binop(), inner.clone(), inner.clone()).prop_map(move |(op, l, r)| b(AstKind::Binary(
                op,
                Box::new(l),
                Box::new(r)
            ))),
            inner
                .clone()
                .prop_map(move |e| b(AstKind::Unary(UnaryOp::Neg, Box::new(e)))),
            inner
                .clone()
                .prop_map(move |e| b(AstKind::Unary(UnaryOp::Not, Box::new(e)))),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(move |(c, x, y)| b(AstKind::If(Box::new(c), Box::new(x), Box::new(y)))),
            (
                prop_oneof![
                    Just("SMOOTH".to_string()),
                    Just("PULSE TRAIN".to_string()),
                    name()
                ],
                proptest::collection::vec(inner.clone(), 0..4)
            )
                .prop_map(move |(name, args)| b(AstKind::Call {
                    name,
                    subs: vec![],
                    args
                })),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn printed_equations_parse_back_to_the_same_tree(a in expr()) {
        let text = print(&a);
        let back = parse(&text).map_err(|e| TestCaseError::fail(format!("{text:?}: {e:?}")))?;
        prop_assert!(back.same_as(&a), "{text:?} parsed as {:?}", print(&back));
        // Printing is a fixed point.
        prop_assert_eq!(print(&back), text);
    }

    #[test]
    fn the_parser_never_panics(text in "[ -~]{0,40}") {
        let _ = parse(&text);
    }

    #[test]
    fn spans_lie_inside_the_text(a in expr()) {
        let text = print(&a);
        let back = parse(&text).unwrap();
        fn check(e: &Ast, n: u32) -> bool {
            let inside = e.start <= e.end && e.end <= n;
            inside && match &e.kind {
                AstKind::Binary(_, l, r) => check(l, n) && check(r, n),
                AstKind::Unary(_, x) => check(x, n),
                AstKind::If(c, x, y) => check(c, n) && check(x, n) && check(y, n),
                AstKind::Call { args, .. } => args.iter().all(|x| check(x, n)),
                _ => true,
            }
        }
        prop_assert!(check(&back, text.len() as u32));
    }
}
