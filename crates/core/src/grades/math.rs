//! The arithmetic both systems must agree on: rounding, letter scales and
//! averages (total points, or weighted categories with drop-lowest).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::grades::{Averaging, SisCategory};

/// How a percentage is rounded to a number of decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Rounding {
    /// Round half away from zero.
    HalfUp {
        /// Decimals kept.
        decimals: u32,
    },
    /// Cut off the extra decimals.
    Truncate {
        /// Decimals kept.
        decimals: u32,
    },
}

/// Rounds `value` as the settings say. A tiny epsilon absorbs binary
/// fractions (89.5 stored as 89.4999…), which the SIS, computing in
/// decimals, does not see.
pub fn round(value: f64, rounding: Rounding) -> f64 {
    let (decimals, half_up) = match rounding {
        Rounding::HalfUp { decimals } => (decimals, true),
        Rounding::Truncate { decimals } => (decimals, false),
    };
    let factor = 10f64.powi(decimals.min(9) as i32);
    let scaled = value * factor;
    let nudged = scaled + scaled.signum() * 1e-9;
    let rounded = if half_up {
        nudged.round()
    } else {
        nudged.trunc()
    };
    rounded / factor
}

/// The letter of a percentage on a scale of (lowest percent, mark), highest first.
pub fn letter(percent: f64, scale: &[(f64, String)]) -> Option<&str> {
    scale
        .iter()
        .find(|(cutoff, _)| percent >= *cutoff)
        .map(|(_, mark)| mark.as_str())
}

/// One counted score: points earned and points possible, in a category.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Counted {
    pub(crate) category: String,
    pub(crate) earned: f64,
    pub(crate) possible: f64,
}

/// The average, in percent, of counted scores, or `None` when nothing counts.
///
/// Weighted averaging drops each category's lowest scores (by percentage),
/// then weights each category's percentage, renormalising over the
/// categories that have scores. Total points drop nothing and weigh every
/// point alike. Items in a category the settings do not know count in
/// total-points averaging and are left out of weighted averaging.
pub fn average(
    scores: &[(String, f64, f64)],
    averaging: Averaging,
    categories: &[SisCategory],
) -> Option<f64> {
    let counted: Vec<Counted> = scores
        .iter()
        .filter(|(_, _, possible)| *possible > 0.0)
        .map(|(category, earned, possible)| Counted {
            category: category.clone(),
            earned: *earned,
            possible: *possible,
        })
        .collect();
    match averaging {
        Averaging::TotalPoints => {
            let possible: f64 = counted.iter().map(|c| c.possible).sum();
            (possible > 0.0)
                .then(|| counted.iter().map(|c| c.earned).sum::<f64>() * 100.0 / possible)
        }
        Averaging::WeightedCategories => {
            let mut by_category: BTreeMap<&str, Vec<&Counted>> = BTreeMap::new();
            for score in &counted {
                by_category
                    .entry(score.category.as_str())
                    .or_default()
                    .push(score);
            }
            let mut weighted = 0.0;
            let mut weights = 0.0;
            for category in categories {
                let Some(scores) = by_category.get(category.code.as_str()) else {
                    continue;
                };
                let mut scores: Vec<&Counted> = scores.clone();
                // Lowest percentage first; ties by points possible, then earned, so order never matters.
                scores.sort_by(|a, b| {
                    (a.earned / a.possible, a.possible, a.earned)
                        .partial_cmp(&(b.earned / b.possible, b.possible, b.earned))
                        .unwrap_or(std::cmp::Ordering::Equal)
                });
                let kept =
                    &scores[(category.drop_lowest as usize).min(scores.len().saturating_sub(1))..];
                let possible: f64 = kept.iter().map(|c| c.possible).sum();
                if possible > 0.0 && category.weight > 0.0 {
                    weighted +=
                        category.weight * kept.iter().map(|c| c.earned).sum::<f64>() / possible;
                    weights += category.weight;
                }
            }
            (weights > 0.0).then(|| weighted * 100.0 / weights)
        }
    }
}
