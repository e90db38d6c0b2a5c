//! Random-forest churn classifier: an alternative to logistic regression for churn signals
//! that are not linear in the standardised features (interactions, thresholds).
//!
//! smartcore 0.7 grows the trees ([`RandomForestClassifier`]: stratified bootstrap per tree,
//! `m` random candidate features per split, CART splits on Gini or entropy). This module then
//! keeps its own compact copy of each tree and does the scoring itself, because smartcore's
//! forest gives no way to do what churn scoring needs:
//! - it has no `predict_proba` (only hard majority labels), and its trees are private fields
//!   with no accessor, so neither vote fractions nor leaf frequencies are reachable through
//!   its API;
//! - its own serde form is large: every node carries an impurity, a split score and a
//!   sample count, every tree its options (5.4 MB for 100 trees on 5k rows, against 0.6 MB
//!   here).
//!
//! The only public road to the trees is smartcore's serde output, so each tree is grown as a
//! one-tree smartcore forest, serialised, and read back into a compact `Tree`. Every leaf's class
//! counts are recovered exactly from the node's sample count and impurity (for two classes
//! impurity is a monotone function of the minority count), so P(churn) is the mean over the
//! trees of the churn fraction in the leaf a customer lands in, as in scikit-learn. The
//! conversion checks itself (impurities must match integer counts; leaves must partition
//! the bootstrap sample), so a change in smartcore's format fails loudly at fit time, never
//! silently at scoring.
//!
//! Trees are independent, so they are grown in parallel; tree `t` gets seed
//! `splitmix64(seed, t)`, making a fit a pure function of (data, options) whatever the
//! number of threads. Scoring walks 16 rows through a tree in lock step, branch-free, and
//! splits rows across threads; each row still sums its trees in order, so scores are
//! bit-identical whatever the threading.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use ndarray::{ArrayView2, AsArray, Ix2};
use serde::{Deserialize, Serialize};
use smartcore::ensemble::random_forest_classifier::{
    RandomForestClassifier, RandomForestClassifierParameters,
};
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::tree::decision_tree_classifier::SplitCriterion;

/// Why a forest cannot be fitted or applied.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ForestError {
    /// No rows or no columns.
    #[error(
        "empty design matrix ({rows} rows x {cols} columns): a churn forest needs at least one \
         customer and one feature"
    )]
    Empty {
        /// Rows given.
        rows: usize,
        /// Columns given.
        cols: usize,
    },
    /// Labels and rows disagree in number.
    #[error("{labels} churn labels for {rows} rows: give exactly one label per row")]
    LabelCount {
        /// Rows in the matrix.
        rows: usize,
        /// Labels given.
        labels: usize,
    },
    /// Everybody churned, or nobody did.
    #[error(
        "all {rows} customers are {}: a churn classifier needs both churners and non-churners\n  \
         fix: use a longer outcome window or a larger sample",
        if *churned { "churners" } else { "non-churners" }
    )]
    OneClass {
        /// Rows given.
        rows: usize,
        /// The one class present.
        churned: bool,
    },
    /// NaN or infinite feature value.
    #[error(
        "non-finite value {value} at row {row}, column {col}\n  fix: impute or drop missing \
         values before fitting or scoring"
    )]
    NotFinite {
        /// Row index (0-based).
        row: usize,
        /// Column index (0-based).
        col: usize,
        /// The value.
        value: f64,
    },
    /// An option out of range.
    #[error("invalid forest option {name}: {detail}")]
    InvalidOption {
        /// Option name as in the JSON/serde form.
        name: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// Scoring a matrix with a different number of columns than the model was fitted on.
    #[error("the forest was fitted on {expected} features but the matrix has {got} columns")]
    FeatureCount {
        /// Features at fit time.
        expected: usize,
        /// Columns given.
        got: usize,
    },
    /// smartcore refused to grow a tree.
    #[error("smartcore could not grow tree {tree}: {detail}")]
    Smartcore {
        /// Tree index.
        tree: usize,
        /// smartcore's message.
        detail: String,
    },
    /// smartcore's serialised tree could not be read (its format may have changed).
    #[error(
        "cannot read the tree smartcore grew (tree {tree}): {detail}; smartcore's serialised \
         format may have changed"
    )]
    Convert {
        /// Tree index.
        tree: usize,
        /// What did not match.
        detail: String,
    },
}

/// Split quality measure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    /// Gini impurity (default).
    #[default]
    Gini,
    /// Shannon entropy (information gain).
    Entropy,
}

impl Criterion {
    fn smartcore(self) -> SplitCriterion {
        match self {
            Criterion::Gini => SplitCriterion::Gini,
            Criterion::Entropy => SplitCriterion::Entropy,
        }
    }

    /// Impurity of a node with `k` samples of one class among `n`, computed exactly as
    /// smartcore 0.7 does (`tree::decision_tree_classifier::impurity`), so that the value
    /// it stored can be matched.
    fn impurity(self, k: usize, n: usize) -> f64 {
        let mut out = match self {
            Criterion::Gini => 1.0,
            Criterion::Entropy => 0.0,
        };
        for c in [k, n - k] {
            if c > 0 {
                let p = c as f64 / n as f64;
                match self {
                    Criterion::Gini => out -= p * p,
                    Criterion::Entropy => out -= p * p.log2(),
                }
            }
        }
        out
    }
}

/// Forest options (serde, every field optional in JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ForestOptions {
    /// Number of trees.
    pub n_trees: usize,
    /// Maximum number of splits on any root-to-leaf path (scikit-learn's convention: 1 is a
    /// stump; smartcore counts levels, so it is passed on plus one). `None`: unlimited, which
    /// on large data makes trees, model files and smartcore's working memory large.
    pub max_depth: Option<u16>,
    /// Minimum (bootstrap-weighted) customers in a leaf.
    pub min_samples_leaf: usize,
    /// Minimum (bootstrap-weighted) customers in a node for it to be split.
    pub min_samples_split: usize,
    /// Candidate features per split; `None`: floor(sqrt(features)), at least 1. A fitted
    /// model stores the value used.
    pub m: Option<usize>,
    /// Split quality measure.
    pub criterion: Criterion,
    /// Seed: the same data, options and seed give the same forest.
    pub seed: u64,
}

impl Default for ForestOptions {
    fn default() -> Self {
        ForestOptions {
            n_trees: 100,
            max_depth: Some(10),
            min_samples_leaf: 1,
            min_samples_split: 2,
            m: None,
            criterion: Criterion::Gini,
            seed: 0,
        }
    }
}

impl ForestOptions {
    /// Checks the options against the number of features and returns `m` resolved.
    fn resolve_m(&self, n_features: usize) -> Result<usize, ForestError> {
        let bad = |name, detail: String| Err(ForestError::InvalidOption { name, detail });
        if self.n_trees == 0 {
            return bad("n_trees", "must be at least 1".into());
        }
        match self.max_depth {
            Some(d) if d == 0 || d == u16::MAX => {
                return bad(
                    "max_depth",
                    format!("{d}: must be between 1 and {}", u16::MAX - 1),
                );
            }
            _ => {}
        }
        if self.min_samples_leaf == 0 {
            return bad("min_samples_leaf", "must be at least 1".into());
        }
        if self.min_samples_split < 2 {
            return bad(
                "min_samples_split",
                format!("{}: must be at least 2", self.min_samples_split),
            );
        }
        let m = self
            .m
            .unwrap_or_else(|| ((n_features as f64).sqrt().floor() as usize).max(1));
        if m == 0 || m > n_features {
            return bad(
                "m",
                format!("{m}: must be between 1 and the number of features ({n_features})"),
            );
        }
        Ok(m)
    }
}

/// One split: rows with `x[feature] <= threshold` go `left`, the others `right`. A child
/// `c >= 0` is split `c`; `c < 0` is leaf `-1 - c`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Split {
    feature: u32,
    threshold: f64,
    left: i32,
    right: i32,
}

/// One tree. Splits are numbered so that every child split comes after its parent, and the
/// root is split 0 (or leaf 0 for a tree that never split).
#[derive(Debug, Clone, PartialEq)]
struct Tree {
    splits: Vec<Split>,
    /// Churners in each leaf, counted with bootstrap multiplicity.
    leaf_churned: Vec<u32>,
    /// Customers in each leaf, counted with bootstrap multiplicity.
    leaf_n: Vec<u32>,
    /// Derived: `leaf_churned / leaf_n`.
    leaf_p: Vec<f64>,
    /// Derived, for scoring: the splits, then one node per leaf that leads to itself.
    nodes: Vec<Node>,
    /// Derived: the most splits on a root-to-leaf path.
    depth: usize,
}

/// A scoring node: go to `next[0]` when `x[feature] <= threshold`, else to `next[1]`. Leaf
/// nodes have an infinite threshold and lead to themselves, so a walk can take exactly
/// `depth` steps with no test for having arrived, and several rows can walk in lock step.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Node {
    threshold: f64,
    feature: u32,
    next: [u32; 2],
}

impl Tree {
    /// Builds a tree from valid parts (see [`read_tree`] for what valid means).
    fn new(splits: Vec<Split>, leaf_churned: Vec<u32>, leaf_n: Vec<u32>) -> Tree {
        let first_leaf = splits.len() as u32;
        let index = |c: i32| {
            if c >= 0 {
                c as u32
            } else {
                first_leaf + (-1 - c) as u32
            }
        };
        let nodes = splits
            .iter()
            .map(|s| Node {
                threshold: s.threshold,
                feature: s.feature,
                next: [index(s.left), index(s.right)],
            })
            .chain((0..leaf_n.len() as u32).map(|l| Node {
                threshold: f64::INFINITY,
                feature: 0,
                next: [first_leaf + l; 2],
            }))
            .collect();
        let mut depths = vec![0usize; splits.len()];
        let mut depth = 0;
        for (i, s) in splits.iter().enumerate() {
            for c in [s.left, s.right] {
                if c >= 0 {
                    depths[c as usize] = depths[i] + 1;
                }
            }
            depth = depth.max(depths[i] + 1);
        }
        let leaf_p = leaf_churned
            .iter()
            .zip(&leaf_n)
            .map(|(&c, &n)| f64::from(c) / f64::from(n))
            .collect();
        Tree {
            splits,
            leaf_churned,
            leaf_n,
            leaf_p,
            nodes,
            depth,
        }
    }

    /// The leaf one row (a slice of all features) lands in.
    #[cfg(test)]
    fn leaf(&self, row: &[f64]) -> usize {
        let mut at = [0u32];
        self.walk(row, row.len(), &mut at);
        at[0] as usize - self.splits.len()
    }

    /// Walks rows `rows[k * cols..(k + 1) * cols]` for `k < at.len()` from the root to their leaves, leaving the leaf node indices in `at`. The rows step in
    /// lock step, so the walks' memory loads overlap, and the step is branch-free.
    #[inline]
    fn walk(&self, rows: &[f64], cols: usize, at: &mut [u32]) {
        at.fill(0);
        for _ in 0..self.depth {
            for (k, a) in at.iter_mut().enumerate() {
                let node = &self.nodes[*a as usize];
                let x = rows[k * cols + node.feature as usize];
                *a = node.next[usize::from(x > node.threshold)];
            }
        }
    }
}

/// Rows walked through a tree together when scoring.
const LANES: usize = 16;

/// A fitted random forest. Serialises to compact JSON (structure of arrays per tree) and
/// validates every index on load, so a damaged file is rejected, never scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ForestFile", into = "ForestFile")]
pub struct ForestModel {
    options: ForestOptions,
    n_features: usize,
    importance: Vec<f64>,
    trees: Vec<Tree>,
}

impl ForestModel {
    /// Fits a forest to a standardised design matrix (rows = customers) and churn labels,
    /// growing trees on all available cores.
    ///
    /// Errors: empty matrix, label count, one class only, non-finite values (first in
    /// row-major order), invalid options; smartcore failures.
    pub fn fit<'a>(
        x: impl AsArray<'a, f64, Ix2>,
        churned: &[bool],
        options: &ForestOptions,
    ) -> Result<ForestModel, ForestError> {
        Self::fit_threads(x.into(), churned, options, available_threads())
    }

    fn fit_threads(
        x: ArrayView2<'_, f64>,
        churned: &[bool],
        options: &ForestOptions,
        threads: usize,
    ) -> Result<ForestModel, ForestError> {
        let (rows, cols) = x.dim();
        if rows == 0 || cols == 0 {
            return Err(ForestError::Empty { rows, cols });
        }
        if churned.len() != rows {
            return Err(ForestError::LabelCount {
                rows,
                labels: churned.len(),
            });
        }
        check_finite(x)?;
        let churners = churned.iter().filter(|&&c| c).count();
        if churners == 0 || churners == rows {
            return Err(ForestError::OneClass {
                rows,
                churned: churners == rows,
            });
        }
        let m = options.resolve_m(cols)?;
        if u32::try_from(rows).is_err() || u32::try_from(cols).is_err() {
            return Err(ForestError::InvalidOption {
                name: "data",
                detail: format!("{rows} x {cols} is beyond 2^32 rows or columns"),
            });
        }

        let matrix = dense_matrix(x);
        let labels: Vec<u8> = churned.iter().map(|&c| u8::from(c)).collect();
        let mut params = RandomForestClassifierParameters::default()
            .with_criterion(options.criterion.smartcore())
            .with_min_samples_leaf(options.min_samples_leaf)
            .with_min_samples_split(options.min_samples_split)
            .with_n_trees(1)
            .with_m(m)
            .with_keep_samples(false);
        // smartcore's root is level 1 and a node at level `max_depth` is not split.
        params.max_depth = options.max_depth.map(|d| d + 1);
        let grower = Grower {
            x: &matrix,
            y: &labels,
            params,
            criterion: options.criterion,
            seed: options.seed,
            rows,
            cols,
        };

        let grown = run_parallel(options.n_trees, threads, |t| grower.grow(t))?;
        let mut trees = Vec::with_capacity(grown.len());
        let mut importance = vec![0.0; cols];
        let mut counted = 0usize;
        for (tree, imp) in grown {
            trees.push(tree);
            let total: f64 = imp.iter().sum();
            if total > 0.0 {
                counted += 1;
                for (a, v) in importance.iter_mut().zip(&imp) {
                    *a += v / total;
                }
            }
        }
        if counted > 0 {
            importance.iter_mut().for_each(|a| *a /= counted as f64);
        }
        let mut options = options.clone();
        options.m = Some(m);
        Ok(ForestModel {
            options,
            n_features: cols,
            importance,
            trees,
        })
    }

    /// P(churn) for each row: the mean over trees of the churn fraction in the leaf the row
    /// lands in (leaf fractions are bootstrap-weighted, as in scikit-learn's
    /// `predict_proba`).
    pub fn predict_proba<'a>(
        &self,
        x: impl AsArray<'a, f64, Ix2>,
    ) -> Result<Vec<f64>, ForestError> {
        self.score(x.into(), available_threads(), |tree, leaf| {
            tree.leaf_p[leaf]
        })
    }

    /// The fraction of trees voting churn (leaf majority, ties to no churn) for each row:
    /// what smartcore's own majority vote is based on. Coarser than [`Self::predict_proba`]
    /// (multiples of 1/n_trees, so more tied scores).
    pub fn vote_fraction<'a>(
        &self,
        x: impl AsArray<'a, f64, Ix2>,
    ) -> Result<Vec<f64>, ForestError> {
        self.score(x.into(), available_threads(), |tree, leaf| {
            f64::from(u8::from(
                2 * u64::from(tree.leaf_churned[leaf]) > u64::from(tree.leaf_n[leaf]),
            ))
        })
    }

    /// Mean decrease in impurity per feature (bootstrap-weighted, normalised per tree, then
    /// averaged; sums to 1 unless no tree ever split). smartcore offers this per decision tree
    /// but not for its classifier forest; the formula is the same as
    /// `DecisionTreeClassifier::compute_feature_importances(true)`.
    pub fn feature_importance(&self) -> &[f64] {
        &self.importance
    }

    /// The options the forest was fitted with (`m` resolved).
    pub fn options(&self) -> &ForestOptions {
        &self.options
    }

    /// Number of features (columns) the forest expects.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Number of trees.
    pub fn n_trees(&self) -> usize {
        self.trees.len()
    }

    /// Total leaves over all trees (model size is about proportional to it).
    pub fn n_leaves(&self) -> usize {
        self.trees.iter().map(|t| t.leaf_n.len()).sum()
    }

    /// Deepest tree, in splits from the root.
    pub fn max_tree_depth(&self) -> usize {
        self.trees.iter().map(|t| t.depth).max().unwrap_or(0)
    }

    fn score(
        &self,
        x: ArrayView2<'_, f64>,
        threads: usize,
        value: impl Fn(&Tree, usize) -> f64 + Sync,
    ) -> Result<Vec<f64>, ForestError> {
        let (rows, cols) = x.dim();
        if cols != self.n_features {
            return Err(ForestError::FeatureCount {
                expected: self.n_features,
                got: cols,
            });
        }
        check_finite(x)?;
        let mut out = vec![0.0; rows];
        if rows == 0 {
            return Ok(out);
        }
        // Rows are scored in blocks, tree by tree within a block, so one tree stays in cache
        // while it sees many rows. Each row's sum runs over the trees in order whatever the
        // blocking, so results do not depend on the number of threads.
        const BLOCK: usize = 256;
        let per_thread = rows.div_ceil(threads.max(1)).div_ceil(BLOCK) * BLOCK;
        let contiguous = x.as_slice();
        let n_trees = self.trees.len() as f64;
        std::thread::scope(|s| {
            for (part, chunk) in out.chunks_mut(per_thread).enumerate() {
                let value = &value;
                s.spawn(move || {
                    let mut buffer = Vec::new();
                    for (b, block) in chunk.chunks_mut(BLOCK).enumerate() {
                        let first = part * per_thread + b * BLOCK;
                        let data: &[f64] = match contiguous {
                            Some(all) => &all[first * cols..(first + block.len()) * cols],
                            None => {
                                buffer.clear();
                                for r in first..first + block.len() {
                                    buffer.extend(x.row(r).iter().copied());
                                }
                                &buffer
                            }
                        };
                        let mut at = [0u32; LANES];
                        for tree in &self.trees {
                            let first_leaf = tree.splits.len();
                            let groups = data.chunks(LANES * cols);
                            for (outs, rows) in block.chunks_mut(LANES).zip(groups) {
                                let at = &mut at[..outs.len()];
                                tree.walk(rows, cols, at);
                                for (o, &a) in outs.iter_mut().zip(at.iter()) {
                                    *o += value(tree, a as usize - first_leaf);
                                }
                            }
                        }
                        block.iter_mut().for_each(|o| *o /= n_trees);
                    }
                });
            }
        });
        Ok(out)
    }
}

fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// First non-finite value in row-major order.
fn check_finite(x: ArrayView2<'_, f64>) -> Result<(), ForestError> {
    for (row, r) in x.rows().into_iter().enumerate() {
        if let Some(col) = r.iter().position(|v| !v.is_finite()) {
            return Err(ForestError::NotFinite {
                row,
                col,
                value: r[col],
            });
        }
    }
    Ok(())
}

/// smartcore wants an owned buffer, so one copy is made whatever the input. It is made
/// column-major because smartcore's tree growing walks columns (a sort per feature per tree,
/// then a pass over a column per candidate split): measured 15-20% faster than row-major at
/// 100k rows, no different at 5k. A column-major (Fortran-order) input is copied with one
/// `memcpy`; any other layout is gathered column by column.
fn dense_matrix(x: ArrayView2<'_, f64>) -> DenseMatrix<f64> {
    let (rows, cols) = x.dim();
    let values: Vec<f64> = match x.t().as_slice() {
        Some(column_major) => column_major.to_vec(),
        None => x.t().iter().copied().collect(),
    };
    DenseMatrix::new(rows, cols, values, true).expect("shape matches the buffer")
}

/// What growing one tree needs; shared by the worker threads.
struct Grower<'a> {
    x: &'a DenseMatrix<f64>,
    y: &'a Vec<u8>,
    params: RandomForestClassifierParameters,
    criterion: Criterion,
    seed: u64,
    rows: usize,
    cols: usize,
}

impl Grower<'_> {
    /// Grows tree `t` and returns it with its (unnormalised) impurity decrease per feature.
    fn grow(&self, t: usize) -> Result<(Tree, Vec<f64>), ForestError> {
        let params = self.params.clone().with_seed(tree_seed(self.seed, t));
        let forest: RandomForestClassifier<f64, u8, DenseMatrix<f64>, Vec<u8>> =
            RandomForestClassifier::fit(self.x, self.y, params).map_err(|e| {
                ForestError::Smartcore {
                    tree: t,
                    detail: e.to_string(),
                }
            })?;
        let convert = |detail: String| ForestError::Convert { tree: t, detail };
        let json = serde_json::to_vec(&forest).map_err(|e| convert(e.to_string()))?;
        drop(forest);
        let read: SmartForest =
            serde_json::from_slice(&json).map_err(|e| convert(e.to_string()))?;
        match read.trees.as_deref() {
            Some([tree]) => {
                convert_tree(&tree.nodes, self.criterion, self.rows, self.cols).map_err(convert)
            }
            _ => Err(convert("expected exactly one tree".into())),
        }
    }
}

/// Seed of tree `t`: splitmix64 of the `t+1`-th step of a Weyl sequence from `seed`.
fn tree_seed(seed: u64, t: usize) -> u64 {
    let mut z = seed.wrapping_add((t as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Runs `job(0..n)` on up to `threads` threads; results in index order. Stops handing out
/// work after the first error.
fn run_parallel<T: Send>(
    n: usize,
    threads: usize,
    job: impl Fn(usize) -> Result<T, ForestError> + Sync,
) -> Result<Vec<T>, ForestError> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let mut done: Vec<(usize, Result<T, ForestError>)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads.clamp(1, n.max(1)))
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    while !failed.load(Ordering::Relaxed) {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n {
                            break;
                        }
                        let r = job(i);
                        if r.is_err() {
                            failed.store(true, Ordering::Relaxed);
                        }
                        mine.push((i, r));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// The part of smartcore 0.7's serialised `RandomForestClassifier` that is read (serde
/// ignores the other fields).
#[derive(Deserialize)]
struct SmartForest {
    trees: Option<Vec<SmartTree>>,
}

#[derive(Deserialize)]
struct SmartTree {
    nodes: Vec<SmartNode>,
}

/// A node of smartcore 0.7's `DecisionTreeClassifier`: a leaf when `true_child` is `None`;
/// `output` is its majority class index (0 = no churn, 1 = churn); `n_node_samples` and
/// `impurity` count bootstrap multiplicity.
#[derive(Deserialize)]
struct SmartNode {
    output: usize,
    n_node_samples: usize,
    split_feature: usize,
    split_value: Option<f64>,
    true_child: Option<usize>,
    false_child: Option<usize>,
    impurity: Option<f64>,
}

/// Converts smartcore's node list (root first) into a [`Tree`], recovering leaf counts from
/// impurities, and computes the tree's impurity decrease per feature. Checks that leaves
/// partition the `rows` bootstrap draws.
fn convert_tree(
    nodes: &[SmartNode],
    criterion: Criterion,
    rows: usize,
    cols: usize,
) -> Result<(Tree, Vec<f64>), String> {
    let node = |id: usize| nodes.get(id).ok_or(format!("node {id} of {}", nodes.len()));
    let impurity = |n: &SmartNode| n.impurity.ok_or("node without impurity".to_string());
    // Filled in place, then rebuilt with its derived fields.
    let mut tree = Tree::new(Vec::new(), Vec::new(), Vec::new());
    let mut decrease = vec![0.0; cols];
    let mut seen = vec![false; nodes.len()];
    // Breadth first: a split's number is taken when it is queued, after its parent's.
    let mut queue = VecDeque::new();
    let mut place = |id: usize, tree: &mut Tree, queue: &mut VecDeque<usize>| {
        let n = node(id)?;
        if std::mem::replace(&mut seen[id], true) {
            return Err(format!("node {id} reached twice"));
        }
        if n.true_child.is_some() {
            tree.splits.push(Split {
                feature: 0,
                threshold: f64::NAN,
                left: 0,
                right: 0,
            });
            queue.push_back(id);
            i32::try_from(tree.splits.len() - 1).map_err(|e| e.to_string())
        } else {
            let churned = leaf_churners(n, criterion)?;
            let leaf = i32::try_from(tree.leaf_n.len()).map_err(|e| e.to_string())?;
            tree.leaf_churned.push(churned);
            tree.leaf_n
                .push(u32::try_from(n.n_node_samples).map_err(|e| e.to_string())?);
            Ok(-1 - leaf)
        }
    };
    place(0, &mut tree, &mut queue)?;
    let mut index = 0;
    while let Some(id) = queue.pop_front() {
        let n = node(id)?;
        let (Some(l), Some(r), Some(threshold)) = (n.true_child, n.false_child, n.split_value)
        else {
            return Err(format!("split node {id} lacks a child or a threshold"));
        };
        if n.split_feature >= cols || !threshold.is_finite() {
            return Err(format!(
                "split node {id}: feature {}, threshold {threshold}",
                n.split_feature
            ));
        }
        let left = place(l, &mut tree, &mut queue)?;
        let right = place(r, &mut tree, &mut queue)?;
        tree.splits[index] = Split {
            feature: n.split_feature as u32,
            threshold,
            left,
            right,
        };
        index += 1;
        let (nl, nr) = (node(l)?, node(r)?);
        decrease[n.split_feature] += n.n_node_samples as f64 * impurity(n)?
            - nl.n_node_samples as f64 * impurity(nl)?
            - nr.n_node_samples as f64 * impurity(nr)?;
    }
    let total: u64 = tree.leaf_n.iter().map(|&n| u64::from(n)).sum();
    if total != rows as u64 {
        return Err(format!("leaves hold {total} bootstrap draws, not {rows}"));
    }
    let root_n = node(0)?.n_node_samples as f64;
    decrease.iter_mut().for_each(|d| *d /= root_n);
    Ok((
        Tree::new(tree.splits, tree.leaf_churned, tree.leaf_n),
        decrease,
    ))
}

/// Churners in a smartcore leaf. For two classes the impurity is increasing in the minority
/// count k on 0..=n/2, so k is found by bisection and must reproduce the stored impurity.
fn leaf_churners(n: &SmartNode, criterion: Criterion) -> Result<u32, String> {
    let total = n.n_node_samples;
    let target = n.impurity.ok_or("leaf without impurity")?;
    if total == 0 || n.output > 1 {
        return Err(format!("leaf with {total} samples and class {}", n.output));
    }
    let (mut lo, mut hi) = (0, total / 2);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if criterion.impurity(mid, total) < target {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    // lo is the first k with impurity >= target; the match may be k - 1 by rounding.
    let k = [lo.saturating_sub(1), lo]
        .into_iter()
        .min_by(|&a, &b| {
            let da = (criterion.impurity(a, total) - target).abs();
            let db = (criterion.impurity(b, total) - target).abs();
            da.total_cmp(&db)
        })
        .unwrap_or(lo);
    let err = (criterion.impurity(k, total) - target).abs();
    if err > 1e-9 {
        return Err(format!(
            "leaf impurity {target} matches no class count of {total} (closest {k}, off by {err:e})"
        ));
    }
    let churned = if n.output == 1 { total - k } else { k };
    u32::try_from(churned).map_err(|e| e.to_string())
}

/// The serialised form: per tree, one array per field.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ForestFile {
    options: ForestOptions,
    n_features: usize,
    importance: Vec<f64>,
    trees: Vec<TreeFile>,
}

/// One tree as arrays: split `i` is (`feature[i]`, `threshold[i]`, `left[i]`, `right[i]`);
/// a child `c < 0` is leaf `-1 - c`, with `leaf_churned` of `leaf_n` bootstrap draws
/// churned.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TreeFile {
    feature: Vec<u32>,
    threshold: Vec<f64>,
    left: Vec<i32>,
    right: Vec<i32>,
    leaf_churned: Vec<u32>,
    leaf_n: Vec<u32>,
}

impl From<ForestModel> for ForestFile {
    fn from(m: ForestModel) -> Self {
        ForestFile {
            options: m.options,
            n_features: m.n_features,
            importance: m.importance,
            trees: m
                .trees
                .into_iter()
                .map(|t| TreeFile {
                    feature: t.splits.iter().map(|s| s.feature).collect(),
                    threshold: t.splits.iter().map(|s| s.threshold).collect(),
                    left: t.splits.iter().map(|s| s.left).collect(),
                    right: t.splits.iter().map(|s| s.right).collect(),
                    leaf_churned: t.leaf_churned,
                    leaf_n: t.leaf_n,
                })
                .collect(),
        }
    }
}

impl TryFrom<ForestFile> for ForestModel {
    type Error = String;

    fn try_from(f: ForestFile) -> Result<Self, String> {
        if f.n_features == 0 || f.importance.len() != f.n_features || f.trees.is_empty() {
            return Err(format!(
                "forest with {} features, {} importances and {} trees",
                f.n_features,
                f.importance.len(),
                f.trees.len()
            ));
        }
        let trees = f
            .trees
            .into_iter()
            .enumerate()
            .map(|(i, t)| read_tree(t, f.n_features).map_err(|e| format!("tree {i}: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ForestModel {
            options: f.options,
            n_features: f.n_features,
            importance: f.importance,
            trees,
        })
    }
}

/// Validates a tree read from a file: consistent lengths, features in range, finite
/// thresholds, every node but the root referenced exactly once and split children numbered
/// after their parents (so scoring always reaches a leaf), sane leaf counts.
fn read_tree(t: TreeFile, n_features: usize) -> Result<Tree, String> {
    let splits = t.feature.len();
    if [t.threshold.len(), t.left.len(), t.right.len()] != [splits; 3]
        || t.leaf_n.len() != t.leaf_churned.len()
        || t.leaf_n.len() != splits + 1
    {
        return Err("array lengths disagree".into());
    }
    let mut used_split = vec![false; splits];
    let mut used_leaf = vec![false; t.leaf_n.len()];
    for i in 0..splits {
        if t.feature[i] as usize >= n_features || !t.threshold[i].is_finite() {
            return Err(format!(
                "split {i}: feature {} threshold {}",
                t.feature[i], t.threshold[i]
            ));
        }
        for c in [t.left[i], t.right[i]] {
            let slot = if c >= 0 {
                let c = c as usize;
                (c > i && c < splits).then(|| &mut used_split[c])
            } else {
                used_leaf.get_mut((-1 - i64::from(c)) as usize)
            };
            match slot {
                Some(u) if !*u => *u = true,
                _ => return Err(format!("split {i}: bad or repeated child {c}")),
            }
        }
    }
    if t.leaf_n
        .iter()
        .zip(&t.leaf_churned)
        .any(|(&n, &c)| n == 0 || c > n)
    {
        return Err("leaf counts out of range".into());
    }
    let splits = (0..splits)
        .map(|i| Split {
            feature: t.feature[i],
            threshold: t.threshold[i],
            left: t.left[i],
            right: t.right[i],
        })
        .collect();
    Ok(Tree::new(splits, t.leaf_churned, t.leaf_n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;
    use smartcore::tree::decision_tree_classifier::{
        DecisionTreeClassifier, DecisionTreeClassifierParameters,
    };

    /// Small deterministic generator (splitmix64 + Box-Muller) so tests need no rand.
    struct Gen(u64);
    impl Gen {
        fn uniform(&mut self) -> f64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        }
        fn normal(&mut self) -> f64 {
            let u = 1.0 - self.uniform();
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
        }
    }

    /// Churn when x0*x1 + 0.3*x2 + noise > 0: an interaction no linear score can see, plus a
    /// weak linear term so the linear baseline is not trivially 0.5. Other columns are noise.
    fn simulate(rows: usize, cols: usize, seed: u64) -> (Array2<f64>, Vec<bool>) {
        let mut g = Gen(seed);
        let x = Array2::from_shape_simple_fn((rows, cols), || g.normal());
        let y = x
            .rows()
            .into_iter()
            .map(|r| r[0] * r[1] + 0.3 * r[2] + 0.5 * g.normal() > 0.0)
            .collect();
        (x, y)
    }

    /// ROC AUC by the rank-sum (Mann-Whitney) formula, ties given average ranks.
    fn auc(score: &[f64], churned: &[bool]) -> f64 {
        let mut idx: Vec<usize> = (0..score.len()).collect();
        idx.sort_by(|&a, &b| score[a].total_cmp(&score[b]));
        let (mut rank_sum, mut i) = (0.0, 0);
        while i < idx.len() {
            let mut j = i;
            while j + 1 < idx.len() && score[idx[j + 1]] == score[idx[i]] {
                j += 1;
            }
            let avg_rank = (i + j) as f64 / 2.0 + 1.0;
            rank_sum += avg_rank * idx[i..=j].iter().filter(|&&k| churned[k]).count() as f64;
            i = j + 1;
        }
        let pos = churned.iter().filter(|&&c| c).count() as f64;
        let neg = churned.len() as f64 - pos;
        (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg)
    }

    /// Least-squares linear score (linear probability model) fitted on the training rows: the
    /// best a linear churn score can do here, up to link function.
    fn linear_score(x: &Array2<f64>, y: &[bool], x_test: &Array2<f64>) -> Vec<f64> {
        let p = x.ncols() + 1;
        let mut a = vec![vec![0.0; p + 1]; p];
        for (r, &c) in x.rows().into_iter().zip(y) {
            let z: Vec<f64> = std::iter::once(1.0).chain(r.iter().copied()).collect();
            for i in 0..p {
                for j in 0..p {
                    a[i][j] += z[i] * z[j];
                }
                a[i][p] += z[i] * f64::from(u8::from(c));
            }
        }
        for k in 0..p {
            let piv = (k..p)
                .max_by(|&i, &j| a[i][k].abs().total_cmp(&a[j][k].abs()))
                .unwrap();
            a.swap(k, piv);
            let pivot = a[k].clone();
            for (i, row) in a.iter_mut().enumerate() {
                if i != k {
                    let f = row[k] / pivot[k];
                    for (v, pv) in row[k..].iter_mut().zip(&pivot[k..]) {
                        *v -= f * pv;
                    }
                }
            }
        }
        let beta: Vec<f64> = (0..p).map(|i| a[i][p] / a[i][i]).collect();
        x_test
            .rows()
            .into_iter()
            .map(|r| beta[0] + r.iter().zip(&beta[1..]).map(|(v, b)| v * b).sum::<f64>())
            .collect()
    }

    #[test]
    fn auc_helper_on_known_cases() {
        assert_eq!(auc(&[0.1, 0.2, 0.3, 0.4], &[false, false, true, true]), 1.0);
        assert_eq!(auc(&[0.4, 0.3, 0.2, 0.1], &[false, false, true, true]), 0.0);
        assert_eq!(auc(&[0.5; 4], &[false, true, false, true]), 0.5);
        // 3 of 4 (churner, non-churner) pairs ordered right.
        assert_eq!(
            auc(&[0.1, 0.3, 0.2, 0.4], &[false, false, true, true]),
            0.75
        );
    }

    #[test]
    fn forest_beats_linear_score_on_interaction() {
        let (x, y) = simulate(4000, 8, 1);
        let (x_test, y_test) = simulate(4000, 8, 2);
        let opts = ForestOptions {
            n_trees: 100,
            seed: 3,
            ..Default::default()
        };
        let model = ForestModel::fit(&x, &y, &opts).unwrap();
        let forest_auc = auc(&model.predict_proba(&x_test).unwrap(), &y_test);
        let vote_auc = auc(&model.vote_fraction(&x_test).unwrap(), &y_test);
        let linear_auc = auc(&linear_score(&x, &y, &x_test), &y_test);
        eprintln!("AUC forest {forest_auc:.4} votes {vote_auc:.4} linear {linear_auc:.4}");
        assert!(forest_auc > 0.80, "forest AUC {forest_auc}");
        assert!(linear_auc < 0.70, "linear AUC {linear_auc}");
        assert!(
            forest_auc > linear_auc + 0.15,
            "{forest_auc} vs {linear_auc}"
        );
        // Leaf fractions rank at least as well as hard votes.
        assert!(
            forest_auc >= vote_auc - 0.005,
            "{forest_auc} vs votes {vote_auc}"
        );

        // Importance: the interaction pair and the linear term lead, noise trails.
        let imp = model.feature_importance();
        assert!((imp.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        let noise_max = imp[3..].iter().copied().fold(0.0, f64::max);
        for j in 0..3 {
            assert!(imp[j] > noise_max, "importance {imp:?}");
        }
    }

    #[test]
    fn same_seed_same_forest_any_thread_count() {
        let (x, y) = simulate(1500, 6, 4);
        let opts = ForestOptions {
            n_trees: 30,
            seed: 11,
            ..Default::default()
        };
        let a = ForestModel::fit_threads(x.view(), &y, &opts, 1).unwrap();
        let b = ForestModel::fit_threads(x.view(), &y, &opts, 3).unwrap();
        let c = ForestModel::fit(&x, &y, &opts).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        let pa = a.score(x.view(), 1, |t, l| t.leaf_p[l]).unwrap();
        let pc = c.score(x.view(), 4, |t, l| t.leaf_p[l]).unwrap();
        assert_eq!(pa, pc); // bitwise: every row sums its trees in the same order
        let other = ForestModel::fit(&x, &y, &ForestOptions { seed: 12, ..opts }).unwrap();
        assert_ne!(other.predict_proba(&x).unwrap(), pa);
    }

    #[test]
    fn json_round_trip_predicts_identically() {
        let (x, y) = simulate(2000, 5, 5);
        let model = ForestModel::fit(
            &x,
            &y,
            &ForestOptions {
                n_trees: 20,
                criterion: Criterion::Entropy,
                min_samples_leaf: 3,
                ..Default::default()
            },
        )
        .unwrap();
        let json = serde_json::to_string(&model).unwrap();
        let back: ForestModel = serde_json::from_str(&json).unwrap();
        assert_eq!(back, model);
        let (x_new, _) = simulate(3000, 5, 6);
        let p = model.predict_proba(&x_new).unwrap();
        let q = back.predict_proba(&x_new).unwrap();
        assert!(p.iter().zip(&q).all(|(a, b)| a.to_bits() == b.to_bits()));
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
        assert_eq!(back.options().m, Some(2));
    }

    #[test]
    fn damaged_files_are_rejected() {
        let (x, y) = simulate(300, 3, 7);
        let model = ForestModel::fit(
            &x,
            &y,
            &ForestOptions {
                n_trees: 2,
                ..Default::default()
            },
        )
        .unwrap();
        let good: serde_json::Value = serde_json::to_value(&model).unwrap();
        let damage = |path: &[&str], idx: usize, v: serde_json::Value| {
            let mut j = good.clone();
            let mut t = &mut j["trees"][0];
            for p in path {
                t = &mut t[*p];
            }
            t[idx] = v;
            serde_json::from_value::<ForestModel>(j)
        };
        assert!(damage(&["left"], 0, 0.into()).is_err()); // cycle to the root
        assert!(damage(&["right"], 0, (-1000).into()).is_err()); // no such leaf
        assert!(damage(&["feature"], 0, 3.into()).is_err()); // no such feature
        assert!(damage(&["leaf_n"], 0, 0.into()).is_err());
        let mut extra = good.clone();
        extra["trees"][0]["surprise"] = 1.into();
        assert!(serde_json::from_value::<ForestModel>(extra).is_err());
        assert!(serde_json::from_value::<ForestModel>(good).is_ok());
    }

    /// Each converted tree must score exactly like the smartcore tree it came from.
    #[test]
    fn conversion_matches_smartcore() {
        let (x, y) = simulate(1500, 6, 8);
        let (x_new, _) = simulate(1500, 6, 9);
        let labels: Vec<u8> = y.iter().map(|&c| u8::from(c)).collect();
        let matrix = dense_matrix(x.view());
        let new_matrix = dense_matrix(x_new.view());
        let churners = y.iter().filter(|&&c| c).count() as u64;
        for (criterion, depth, leaf) in [
            (Criterion::Gini, Some(10), 1),
            (Criterion::Entropy, Some(4), 5),
            (Criterion::Gini, None, 1),
        ] {
            // A one-tree smartcore forest, as fit grows them.
            let mut params = RandomForestClassifierParameters::default()
                .with_n_trees(1)
                .with_criterion(criterion.smartcore())
                .with_min_samples_leaf(leaf)
                .with_seed(21);
            params.max_depth = depth;
            let forest: RandomForestClassifier<f64, u8, DenseMatrix<f64>, Vec<u8>> =
                RandomForestClassifier::fit(&matrix, &labels, params).unwrap();
            let read: SmartForest =
                serde_json::from_slice(&serde_json::to_vec(&forest).unwrap()).unwrap();
            let (tree, _) =
                convert_tree(&read.trees.unwrap()[0].nodes, criterion, 1500, 6).unwrap();
            // The stratified bootstrap draws exactly as many churners as there are.
            let drawn: u64 = tree.leaf_churned.iter().map(|&c| u64::from(c)).sum();
            assert_eq!(drawn, churners);
            // Rows sitting exactly on a threshold: row i gets split i's threshold in split
            // i's feature, which must send it left (x <= threshold) as in smartcore.
            let mut on_edge = x.clone();
            for (i, split) in tree.splits.iter().enumerate() {
                on_edge[[i % 1500, split.feature as usize]] = split.threshold;
            }
            let edge_matrix = dense_matrix(on_edge.view());
            for (xs, m) in [
                (&x, &matrix),
                (&x_new, &new_matrix),
                (&on_edge, &edge_matrix),
            ] {
                let theirs = forest.predict(m).unwrap();
                for (r, row) in xs.rows().into_iter().enumerate() {
                    let leaf = tree.leaf(row.as_slice().unwrap());
                    let vote = 2 * tree.leaf_churned[leaf] > tree.leaf_n[leaf];
                    assert_eq!(u8::from(vote), theirs[r], "row {r}");
                }
            }
        }

        // A plain decision tree (all features, no bootstrap) has the same node format: its
        // importance must equal smartcore's, and its leaf fractions must be the training
        // churn rate per leaf.
        let params = DecisionTreeClassifierParameters::default().with_max_depth(6);
        let dt: DecisionTreeClassifier<f64, u8, DenseMatrix<f64>, Vec<u8>> =
            DecisionTreeClassifier::fit(&matrix, &labels, params).unwrap();
        let read: SmartTree = serde_json::from_slice(&serde_json::to_vec(&dt).unwrap()).unwrap();
        let (tree, decrease) = convert_tree(&read.nodes, Criterion::Gini, 1500, 6).unwrap();
        let total: f64 = decrease.iter().sum();
        let theirs = dt.compute_feature_importances(true);
        for (a, b) in decrease.iter().zip(&theirs) {
            assert!((a / total - b).abs() < 1e-12, "{decrease:?} vs {theirs:?}");
        }
        let mut churned = vec![0u32; tree.leaf_n.len()];
        let mut n = vec![0u32; tree.leaf_n.len()];
        for (row, &c) in x.rows().into_iter().zip(&y) {
            let leaf = tree.leaf(row.as_slice().unwrap());
            churned[leaf] += u32::from(c);
            n[leaf] += 1;
        }
        assert_eq!(churned, tree.leaf_churned);
        assert_eq!(n, tree.leaf_n);
    }

    #[test]
    fn max_depth_counts_splits() {
        let (x, y) = simulate(2000, 4, 10);
        for d in [1u16, 3] {
            let opts = ForestOptions {
                n_trees: 5,
                max_depth: Some(d),
                ..Default::default()
            };
            let model = ForestModel::fit(&x, &y, &opts).unwrap();
            assert_eq!(model.max_tree_depth(), usize::from(d));
            assert!(model.trees.iter().all(|t| t.leaf_n.len() <= 1 << d));
        }
    }

    #[test]
    fn layouts_give_the_same_forest() {
        let (x, y) = simulate(800, 4, 12);
        let opts = ForestOptions {
            n_trees: 10,
            ..Default::default()
        };
        let fortran = x.t().as_standard_layout().into_owned().reversed_axes();
        assert!(fortran.t().is_standard_layout());
        // Every other column of a wider array: a non-contiguous view with the same values.
        let wide =
            Array2::from_shape_fn(
                (800, 8),
                |(i, j)| {
                    if j % 2 == 0 { x[[i, j / 2]] } else { f64::NAN }
                },
            );
        let strided = wide.slice(ndarray::s![.., ..;2]);
        assert!(strided.as_slice().is_none() && strided.t().as_slice().is_none());
        let a = ForestModel::fit(&x, &y, &opts).unwrap();
        let b = ForestModel::fit(&fortran, &y, &opts).unwrap();
        let c = ForestModel::fit(strided, &y, &opts).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        let p = a.predict_proba(&x).unwrap();
        assert_eq!(p, a.predict_proba(&fortran).unwrap());
        // A non-contiguous view (every other row) is scored through the copy path.
        let every_other = x.slice(ndarray::s![..;2, ..]);
        let q = a.predict_proba(every_other).unwrap();
        assert!(q.iter().zip(p.iter().step_by(2)).all(|(a, b)| a == b));
    }

    #[test]
    fn input_errors() {
        let opts = ForestOptions::default();
        let x = Array2::<f64>::zeros((0, 3));
        assert_eq!(
            ForestModel::fit(&x, &[], &opts),
            Err(ForestError::Empty { rows: 0, cols: 3 })
        );
        let x = Array2::<f64>::zeros((4, 0));
        assert!(matches!(
            ForestModel::fit(&x, &[true, false, true, false], &opts),
            Err(ForestError::Empty { rows: 4, cols: 0 })
        ));
        let (mut x, y) = simulate(50, 3, 13);
        assert!(matches!(
            ForestModel::fit(&x, &y[..49], &opts),
            Err(ForestError::LabelCount {
                rows: 50,
                labels: 49
            })
        ));
        let err = ForestModel::fit(&x, &[true; 50], &opts).unwrap_err();
        assert_eq!(
            err,
            ForestError::OneClass {
                rows: 50,
                churned: true
            }
        );
        assert!(err.to_string().contains("all 50 customers are churners"));
        assert!(matches!(
            ForestModel::fit(&x, &[false; 50], &opts),
            Err(ForestError::OneClass { churned: false, .. })
        ));
        for (name, o) in [
            (
                "n_trees",
                ForestOptions {
                    n_trees: 0,
                    ..opts.clone()
                },
            ),
            (
                "m",
                ForestOptions {
                    m: Some(4),
                    ..opts.clone()
                },
            ),
            (
                "m",
                ForestOptions {
                    m: Some(0),
                    ..opts.clone()
                },
            ),
            (
                "max_depth",
                ForestOptions {
                    max_depth: Some(0),
                    ..opts.clone()
                },
            ),
            (
                "min_samples_leaf",
                ForestOptions {
                    min_samples_leaf: 0,
                    ..opts.clone()
                },
            ),
            (
                "min_samples_split",
                ForestOptions {
                    min_samples_split: 1,
                    ..opts.clone()
                },
            ),
        ] {
            match ForestModel::fit(&x, &y, &o) {
                Err(ForestError::InvalidOption { name: n, .. }) => assert_eq!(n, name),
                other => panic!("{name}: {other:?}"),
            }
        }

        let model = ForestModel::fit(&x, &y, &ForestOptions { n_trees: 3, ..opts }).unwrap();
        x[[7, 2]] = f64::NAN;
        x[[9, 0]] = f64::INFINITY;
        let err = ForestModel::fit(&x, &y, &ForestOptions::default()).unwrap_err();
        assert!(matches!(err, ForestError::NotFinite { row: 7, col: 2, .. }));
        assert!(err.to_string().contains("row 7, column 2"), "{err}");
        assert!(matches!(
            model.predict_proba(&x),
            Err(ForestError::NotFinite { row: 7, col: 2, .. })
        ));
        assert!(matches!(
            model.predict_proba(&Array2::<f64>::zeros((2, 4))),
            Err(ForestError::FeatureCount {
                expected: 3,
                got: 4
            })
        ));
        assert_eq!(
            model.predict_proba(&Array2::<f64>::zeros((0, 3))),
            Ok(vec![])
        );
    }

    #[test]
    fn options_serde_defaults_and_typos() {
        let o: ForestOptions =
            serde_json::from_str(r#"{"n_trees": 7, "criterion": "entropy"}"#).unwrap();
        assert_eq!(o.n_trees, 7);
        assert_eq!(o.criterion, Criterion::Entropy);
        assert_eq!(o.max_depth, Some(10));
        assert!(serde_json::from_str::<ForestOptions>(r#"{"ntrees": 7}"#).is_err());
    }

    /// AUC and model size against depth, for NOTES.md:
    /// `cargo test --release -- --ignored --nocapture tradeoff`
    #[test]
    #[ignore]
    fn tradeoff_report() {
        let (x, y) = simulate(20_000, 30, 15);
        let (x_test, y_test) = simulate(20_000, 30, 16);
        let linear = auc(&linear_score(&x, &y, &x_test), &y_test);
        eprintln!("linear AUC {linear:.4}");
        for (depth, leaf) in [
            (Some(6), 1),
            (Some(8), 1),
            (Some(10), 1),
            (Some(12), 1),
            (None, 1),
            (None, 20),
            (Some(10), 20),
        ] {
            let opts = ForestOptions {
                max_depth: depth,
                min_samples_leaf: leaf,
                ..Default::default()
            };
            let model = ForestModel::fit(&x, &y, &opts).unwrap();
            let p = model.predict_proba(&x_test).unwrap();
            let v = model.vote_fraction(&x_test).unwrap();
            let json = serde_json::to_string(&model).unwrap();
            eprintln!(
                "max_depth {depth:?} min_samples_leaf {leaf}: AUC {:.4} (votes {:.4}), {} leaves, \
                 depth {}, JSON {:.2} MB",
                auc(&p, &y_test),
                auc(&v, &y_test),
                model.n_leaves(),
                model.max_tree_depth(),
                json.len() as f64 / 1e6
            );
        }
    }

    /// Sizes and timings for NOTES.md: `cargo test --release -- --ignored --nocapture size`
    #[test]
    #[ignore]
    fn size_report() {
        for (rows, depth, leaf) in [
            (5_000, Some(10), 1),
            (100_000, Some(10), 1),
            (5_000, Some(8), 1),
            (100_000, Some(8), 1),
            (100_000, Some(10), 50),
            (100_000, Some(12), 1),
        ] {
            let (x, y) = simulate(rows, 30, 14);
            let t = std::time::Instant::now();
            let model = ForestModel::fit(
                &x,
                &y,
                &ForestOptions {
                    max_depth: depth,
                    min_samples_leaf: leaf,
                    ..Default::default()
                },
            )
            .unwrap();
            let fit = t.elapsed();
            let json = serde_json::to_string(&model).unwrap();
            eprintln!(
                "rows {rows} max_depth {depth:?} min_samples_leaf {leaf}: fit {fit:.2?}, {} leaves, \
                 JSON {:.2} MB",
                model.n_leaves(),
                json.len() as f64 / 1e6
            );
        }
    }
}
