//! Versioned model files: the contract between `train` and `predict`.
//!
//! A model file is plain JSON (serde): loading one never executes code. It carries what was
//! fitted (parameters, standard errors, covariance, fit statistics), how (time unit, merge
//! period, dates, column mapping), on what (a fingerprint of the training data — never the
//! data itself, so a file stays a few KB), and a sha256 checksum of its canonical content.
//! Every field is documented in `docs/model-format.md`.
//!
//! [`Registry`] keeps `models/<name>/v0001.json`, `v0002.json`, …; saving picks the next
//! version atomically (an exclusive hard link of a fully written temporary file), so two
//! concurrent trainings never share a number and a reader never sees a partial file.
//! [`load`] is the one function that reads model files.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::models::{FitResult, ModelKind};

/// The `format` every model file declares.
pub const FORMAT: &str = "clvr-model";
/// The newest format version this build writes and reads. Older versions keep loading.
pub const FORMAT_VERSION: u32 = 1;

/// Errors reading or writing model files. All but `Io` on write are the user's to fix.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// The file could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        action: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// Not JSON, not a model file, or fields missing.
    #[error("{}: not a valid clvr model file: {detail}\n  fix: pass a file written by `clvr train`", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The checksum does not match the content.
    #[error(
        "{}: modified or corrupt: its checksum does not match its content (stored {stored}, \
         computed {computed})\n  fix: retrain, or restore the file from where it was published",
        path.display()
    )]
    Checksum {
        /// The file.
        path: PathBuf,
        /// The checksum in the file.
        stored: String,
        /// The checksum of the content.
        computed: String,
    },
    /// Written by a newer clvr.
    #[error(
        "{}: format version {found} is newer than this clvr supports ({supported})\n  fix: \
         upgrade clvr",
        path.display()
    )]
    TooNew {
        /// The file.
        path: PathBuf,
        /// Its version.
        found: u64,
        /// Ours.
        supported: u32,
    },
    /// No such model in the registry.
    #[error("no model '{spec}' in {} ({available})\n  fix: `clvr models list` shows what there is; train one with `clvr train --name NAME`", registry.display())]
    NotFound {
        /// What was asked for.
        spec: String,
        /// The registry directory.
        registry: PathBuf,
        /// What exists, in words.
        available: String,
    },
    /// A name that cannot be a directory name.
    #[error(
        "invalid model name '{0}': use letters, digits, '-', '_' and '.' (not starting with '.')"
    )]
    BadName(String),
}

impl ArtifactError {
    /// Whether the user fixes this by changing input or flags (exit 2), not a runtime failure.
    pub fn is_input_error(&self) -> bool {
        !matches!(
            self,
            ArtifactError::Io {
                action: "write" | "rename" | "link",
                ..
            }
        )
    }
}

/// One input file's fingerprint.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FileFingerprint {
    /// The path as given on the command line.
    pub path: String,
    /// sha256 of its bytes, hex.
    pub sha256: String,
    /// Its size.
    pub bytes: u64,
}

/// What the model was trained on: fingerprints and counts, never the data.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrainingData {
    /// Every input file.
    pub files: Vec<FileFingerprint>,
    /// Data rows read.
    pub rows_read: usize,
    /// Rows accepted.
    pub rows_accepted: usize,
    /// Rows rejected (skip/quarantine).
    pub rows_rejected: usize,
    /// Customers in the modelling table.
    pub customers: usize,
    /// Customers with a repeat transaction.
    pub repeat_customers: usize,
    /// First transaction date used.
    pub first_date: Option<NaiveDate>,
    /// Last transaction date used.
    pub last_date: Option<NaiveDate>,
}

/// How the training data became a customer table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrainingSettings {
    /// `day`, `week` or `month`: the unit of every rate parameter.
    pub time_unit: String,
    /// Purchases in the same `day`/`week`/`month` are one transaction.
    pub merge_period: String,
    /// Calibration end, if the model was trained on a calibration period.
    pub calibration_end: Option<NaiveDate>,
    /// The observation end (the "as of" of training).
    pub observation_end: NaiveDate,
    /// Column mapping: role → column name.
    pub columns: BTreeMap<String, String>,
    /// Date format used (after detection).
    pub date_format: String,
    /// Negative-amount policy.
    pub negative_amounts: String,
}

/// A fitted model: its kind, named parameters, and the full fit result.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FittedModel {
    /// Model family.
    pub kind: String,
    /// Parameter name → estimate (same as `fit.estimates`, for readers of the JSON).
    pub params: BTreeMap<String, f64>,
    /// Estimates, standard errors, CIs, covariance, LL, AIC, BIC, convergence.
    pub fit: FitResult,
    /// Model-specific facts (e.g. the spend model's frequency–spend correlation).
    #[serde(default)]
    pub notes: BTreeMap<String, f64>,
}

/// Defaults `predict` uses unless told otherwise.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ScoringDefaults {
    /// CLV horizon, e.g. `12months`, `52weeks`, or a number of model time units.
    pub horizon: String,
    /// CLV step, `month`, `week`, `day`, or a number of model time units.
    pub step: String,
    /// Discount rate per step.
    pub discount_rate: f64,
    /// Profit margin applied to revenue (1 = revenue CLV).
    pub margin: f64,
    /// Lifecycle-stage thresholds for `predict` (absent in files written before they
    /// existed: the defaults).
    #[serde(default)]
    pub lifecycle: crate::score::segments::LifecycleThresholds,
}

impl ScoringDefaults {
    /// The CLV settings these defaults give in the model's time unit (horizon and step
    /// parsed as `predict --horizon/--step` are).
    pub fn clv_settings(
        &self,
        unit: crate::features::TimeUnit,
    ) -> Result<crate::score::ClvSettings, String> {
        Ok(crate::score::ClvSettings {
            horizon: crate::score::parse_duration(&self.horizon, unit)?,
            step: crate::score::parse_duration(&self.step, unit)?,
            discount_rate: self.discount_rate,
            margin: self.margin,
        })
    }
}

/// A model file (format version 1).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ModelFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// The format version it was written in.
    pub format_version: u32,
    /// Model name (the registry directory).
    pub name: String,
    /// Version within the name: 1, 2, 3, …
    pub version: u32,
    /// When it was written (UTC, RFC 3339). Not covered by the checksum, so retraining on
    /// the same data gives a file that differs only here.
    pub created_at: String,
    /// The clvr that wrote it.
    pub clvr_version: String,
    /// What it was trained on.
    pub training_data: TrainingData,
    /// How the data became a customer table.
    pub settings: TrainingSettings,
    /// The purchase model.
    pub purchase_model: FittedModel,
    /// The spend model, when the data had amounts.
    pub spend_model: Option<FittedModel>,
    /// The churn classifier (filled by the churn issue's `train`).
    pub churn_model: Option<serde_json::Value>,
    /// Scoring defaults.
    pub scoring: ScoringDefaults,
    /// `sha256:` + hex of the canonical JSON of every other field except `created_at`.
    pub checksum: String,
}

impl ModelFile {
    /// The purchase model's kind.
    pub fn purchase_kind(&self) -> Result<ModelKind, String> {
        ModelKind::parse(&self.purchase_model.kind)
    }

    /// `name@version`.
    pub fn id(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }

    /// The checksum of the content (see [`content_checksum`]).
    pub fn compute_checksum(&self) -> String {
        content_checksum(&serde_json::to_value(self).unwrap_or_default())
    }

    /// Fills in the checksum.
    pub fn seal(&mut self) {
        self.checksum = self.compute_checksum();
    }

    /// Pretty JSON, as written to disk.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }
}

/// `sha256:` + hex of the canonical JSON of a model file's content: every field except
/// `checksum` and `created_at`, objects with their keys sorted, arrays in order, no
/// whitespace, numbers in their shortest round-trip form. Computed on the JSON as written,
/// not on this build's struct, so a file keeps verifying when later versions add fields.
pub fn content_checksum(value: &serde_json::Value) -> String {
    let mut v = value.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("checksum");
        o.remove("created_at");
    }
    let mut out = String::new();
    canonical(&v, &mut out);
    format!("sha256:{}", hex(&Sha256::digest(out.as_bytes())))
}

fn canonical(v: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push(':');
                canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&serde_json::to_string(other).unwrap_or_default()),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// sha256 (hex) and size of a file, streamed.
pub fn fingerprint(path: &Path) -> Result<FileFingerprint, ArtifactError> {
    let io = |source| ArtifactError::Io {
        path: path.to_path_buf(),
        action: "read",
        source,
    };
    let mut f = fs::File::open(path).map_err(io)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = f.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok(FileFingerprint {
        path: path.display().to_string(),
        sha256: hex(&h.finalize()),
        bytes,
    })
}

/// Reads and verifies a model file: the one way model files enter clvr. Refuses files that
/// are not JSON model files, miss fields, were written by a newer format version, or whose
/// checksum does not match.
pub fn load(path: &Path) -> Result<ModelFile, ArtifactError> {
    let text = fs::read_to_string(path).map_err(|source| ArtifactError::Io {
        path: path.to_path_buf(),
        action: "read",
        source,
    })?;
    let malformed = |detail: String| ArtifactError::Malformed {
        path: path.to_path_buf(),
        detail,
    };
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| malformed(format!("not JSON ({e})")))?;
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(malformed(format!("\"format\" is not \"{FORMAT}\"")));
    }
    let version = value
        .get("format_version")
        .and_then(|v| v.as_u64())
        .ok_or_else(|| malformed("no \"format_version\"".into()))?;
    if version > u64::from(FORMAT_VERSION) {
        return Err(ArtifactError::TooNew {
            path: path.to_path_buf(),
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    // The checksum covers the JSON as written, before any conversion.
    let stored = value
        .get("checksum")
        .and_then(|c| c.as_str())
        .unwrap_or_default()
        .to_string();
    let computed = content_checksum(&value);
    if computed != stored {
        return Err(ArtifactError::Checksum {
            path: path.to_path_buf(),
            stored,
            computed,
        });
    }
    // Version 1 is the current layout; later versions add a conversion step here.
    let file: ModelFile = serde_json::from_value(value).map_err(|e| malformed(e.to_string()))?;
    Ok(file)
}

/// The model registry: `<root>/<name>/vNNNN.json`.
#[derive(Debug, Clone)]
pub struct Registry {
    /// The root directory (`models/` by default).
    pub root: PathBuf,
}

/// One entry of a registry listing.
#[derive(Debug, Clone, Serialize)]
pub struct Listing {
    /// Model name.
    pub name: String,
    /// Versions present, ascending.
    pub versions: Vec<u32>,
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

impl Registry {
    /// A registry rooted at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Registry { root: root.into() }
    }

    fn versions(&self, name: &str) -> Vec<u32> {
        let mut v: Vec<u32> = fs::read_dir(self.root.join(name))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let f = e.file_name().to_string_lossy().into_owned();
                f.strip_prefix('v')?.strip_suffix(".json")?.parse().ok()
            })
            .collect();
        v.sort_unstable();
        v
    }

    /// Every model name and its versions.
    pub fn list(&self) -> Vec<Listing> {
        let mut out: Vec<Listing> = fs::read_dir(&self.root)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| valid_name(n))
            .map(|name| Listing {
                versions: self.versions(&name),
                name,
            })
            .filter(|l| !l.versions.is_empty())
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// The path of a model spec: `NAME` (latest version), `NAME@3`, or a path to a file.
    pub fn resolve(&self, spec: &str) -> Result<PathBuf, ArtifactError> {
        let as_path = Path::new(spec);
        if spec.ends_with(".json") || spec.contains('/') || spec.contains('\\') {
            return Ok(as_path.to_path_buf());
        }
        let (name, version) = match spec.split_once('@') {
            Some((n, v)) => (
                n,
                Some(
                    v.trim_start_matches('v')
                        .parse::<u32>()
                        .map_err(|_| ArtifactError::BadName(spec.to_string()))?,
                ),
            ),
            None => (spec, None),
        };
        if !valid_name(name) {
            return Err(ArtifactError::BadName(name.to_string()));
        }
        let versions = self.versions(name);
        let chosen = match version {
            Some(v) if versions.contains(&v) => Some(v),
            Some(_) => None,
            None => versions.last().copied(),
        };
        chosen
            .map(|v| self.root.join(name).join(format!("v{v:04}.json")))
            .ok_or_else(|| ArtifactError::NotFound {
                spec: spec.to_string(),
                registry: self.root.clone(),
                available: if versions.is_empty() {
                    let names: Vec<String> = self.list().into_iter().map(|l| l.name).collect();
                    if names.is_empty() {
                        "the registry is empty".into()
                    } else {
                        format!("models: {}", names.join(", "))
                    }
                } else {
                    format!(
                        "versions of {name}: {}",
                        versions
                            .iter()
                            .map(u32::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                },
            })
    }

    /// Loads and verifies a model by spec.
    pub fn load(&self, spec: &str) -> Result<ModelFile, ArtifactError> {
        load(&self.resolve(spec)?)
    }

    /// Saves `file` as the next version of its name: sets `version`, seals the checksum,
    /// writes a temporary file, and publishes it with an exclusive hard link to
    /// `vNNNN.json`; if another process took that number first, tries the next. Returns the
    /// path written.
    pub fn save(&self, file: &mut ModelFile) -> Result<PathBuf, ArtifactError> {
        if !valid_name(&file.name) {
            return Err(ArtifactError::BadName(file.name.clone()));
        }
        let dir = self.root.join(&file.name);
        let io = |path: &Path, action: &'static str| {
            let path = path.to_path_buf();
            move |source| ArtifactError::Io {
                path,
                action,
                source,
            }
        };
        fs::create_dir_all(&dir).map_err(io(&dir, "write"))?;
        let mut version = self.versions(&file.name).last().copied().unwrap_or(0) + 1;
        loop {
            file.version = version;
            file.seal();
            let target = dir.join(format!("v{version:04}.json"));
            let tmp = dir.join(format!(
                ".v{version:04}.json.clvr-tmp-{}-{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(0)
            ));
            {
                let mut f = fs::File::create(&tmp).map_err(io(&tmp, "write"))?;
                f.write_all(file.to_json().as_bytes())
                    .and_then(|_| f.sync_all())
                    .map_err(io(&tmp, "write"))?;
            }
            let linked = fs::hard_link(&tmp, &target);
            let _ = fs::remove_file(&tmp);
            match linked {
                Ok(()) => return Ok(target),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => version += 1,
                Err(e) => return Err(io(&target, "link")(e)),
            }
        }
    }
}

/// The current time as RFC 3339 UTC, without the `clock` feature of chrono.
pub fn now_rfc3339() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    chrono::DateTime::from_timestamp(d.as_secs() as i64, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}
