//! Issue 12: disinflation follows a premium collapse.
//!
//! Iran 2013-15: after the interim nuclear deal (November 2013, in force January 2014) the
//! free-market premium collapsed and CPI inflation fell from 34.7% (2013) to 15.6% (2014) and
//! 11.9% (2015) (WDI FP.CPI.TOTL.ZG; literature.md 2.4: 15.6% by early 2015). In the model the
//! premium moves expected inflation (`money.premium_signal`, Laudati & Pesaran 2023) and the
//! import-price level (pass-through of the effective exchange rate), and the money rule cuts
//! discretionary money growth while expected inflation stays above its target.
//!
//! Asserted, for every preset, with an energy embargo lifted a year after onset (a stand-in
//! for the relief): the premium falls by more than half within six months of the lifting, and
//! mean inflation over the year after the lifting is below that of the half year before it and
//! below the same window of the run in which the embargo stays.

mod behaviour_support;
use behaviour_support::*;

#[test]
fn disinflation_follows_a_premium_collapse() {
    let lift = ONSET + 1.0;
    for preset in PRESETS {
        let kept = scenario_run(preset, "energy_embargo", &[]);
        let lifted = scenario_run(preset, "energy_embargo", &[("lift_time", lift)]);
        let p_before = mean_between(&lifted, "currency.premium", lift - 0.5, lift);
        let p_after = at(&lifted, "currency.premium", lift + 0.5);
        let i_before = mean_between(&lifted, "money.inflation", lift - 0.5, lift);
        let i_after = mean_between(&lifted, "money.inflation", lift + 0.25, lift + 1.25);
        let i_kept = mean_between(&kept, "money.inflation", lift + 0.25, lift + 1.25);
        println!(
            "{}: premium {p_before:.2} -> {p_after:.2}; inflation {i_before:.3} -> {i_after:.3} (kept: {i_kept:.3})",
            label(preset)
        );
        assert!(
            p_after < 0.5 * p_before,
            "{}: premium {p_before:.2} -> {p_after:.2} does not collapse",
            label(preset)
        );
        assert!(
            i_after < i_before && i_after < i_kept,
            "{}: inflation {i_before:.3} -> {i_after:.3} (kept {i_kept:.3})",
            label(preset)
        );
    }
}
