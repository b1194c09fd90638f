//! Measures of a three-way labeller: the confusion matrix, accuracy and macro-F1.

use crate::Label;

/// The three labels in the order the matrix lists them.
pub const LABELS: [Label; 3] = [Label::Negative, Label::Neutral, Label::Positive];

/// Counts of (gold, predicted) label pairs: rows are gold, columns predicted, both in
/// the order of [`LABELS`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Confusion {
    pub counts: [[u32; 3]; 3],
}

fn index(label: Label) -> usize {
    match label {
        Label::Negative => 0,
        Label::Neutral => 1,
        Label::Positive => 2,
    }
}

impl Confusion {
    pub fn add(&mut self, gold: Label, predicted: Label) {
        self.counts[index(gold)][index(predicted)] += 1;
    }

    pub fn total(&self) -> u32 {
        self.counts.iter().flatten().sum()
    }

    /// How many texts of label `gold` were labelled `predicted`.
    pub fn count(&self, gold: Label, predicted: Label) -> u32 {
        self.counts[index(gold)][index(predicted)]
    }

    /// The share labelled right; 0 for no texts.
    pub fn accuracy(&self) -> f64 {
        let right: u32 = (0..3).map(|c| self.counts[c][c]).sum();
        ratio(right, self.total())
    }

    /// The mean over the three labels of the harmonic mean of precision and recall; a
    /// label that is neither gold nor predicted anywhere is left out of the mean.
    pub fn macro_f1(&self) -> f64 {
        let mut sum = 0.0;
        let mut labels = 0;
        for c in 0..3 {
            let predicted: u32 = (0..3).map(|g| self.counts[g][c]).sum();
            let gold: u32 = self.counts[c].iter().sum();
            if predicted + gold == 0 {
                continue;
            }
            labels += 1;
            sum += 2.0 * f64::from(self.counts[c][c]) / f64::from(predicted + gold);
        }
        if labels == 0 { 0.0 } else { sum / f64::from(labels) }
    }

    /// The matrix on one line: `neg[a b c] neu[d e f] pos[g h i]`, each row a gold label
    /// and its counts predicted negative, neutral and positive.
    pub fn render(&self) -> String {
        let row = |r: &[u32; 3]| format!("{:>3} {:>3} {:>3}", r[0], r[1], r[2]);
        format!("neg[{}] neu[{}] pos[{}]", row(&self.counts[0]), row(&self.counts[1]), row(&self.counts[2]))
    }
}

/// `part / whole`, 0 when `whole` is 0.
pub fn ratio(part: u32, whole: u32) -> f64 {
    if whole == 0 { 0.0 } else { f64::from(part) / f64::from(whole) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accuracy_and_macro_f1_of_a_known_matrix() {
        let mut c = Confusion::default();
        for _ in 0..8 {
            c.add(Label::Negative, Label::Negative);
        }
        c.add(Label::Negative, Label::Positive);
        c.add(Label::Positive, Label::Positive);
        assert_eq!(c.total(), 10);
        assert!((c.accuracy() - 0.9).abs() < 1e-12);
        // Negative: P 1, R 8/9 -> F1 16/17; positive: P 1/2, R 1 -> 2/3; neutral unused.
        let expected = (16.0 / 17.0 + 2.0 / 3.0) / 2.0;
        assert!((c.macro_f1() - expected).abs() < 1e-12);
        assert_eq!(c.count(Label::Negative, Label::Positive), 1);
        assert_eq!(c.render(), "neg[  8   0   1] neu[  0   0   0] pos[  0   0   1]");
    }

    #[test]
    fn empty_matrix_scores_zero() {
        let c = Confusion::default();
        assert_eq!((c.accuracy(), c.macro_f1(), c.total()), (0.0, 0.0, 0));
        assert_eq!(ratio(1, 0), 0.0);
    }
}
