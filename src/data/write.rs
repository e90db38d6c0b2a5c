//! Atomic output: write to a temporary file in the target's directory, flush it to disk,
//! then rename it over the target. A failed or killed run leaves either the previous file
//! or the complete new one, never a partial file.

use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use polars::prelude::*;

use super::DataError;
use super::source::FileFormat;

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Removes the temporary file unless the write was committed.
struct TempGuard {
    path: PathBuf,
    committed: bool,
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.path);
        }
    }
}

fn temp_path_for(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let unique = format!(
        ".{name}.clvr-tmp-{}-{}",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    target.with_file_name(unique)
}

/// Writes `path` atomically: `write` fills a temporary file next to it, which is synced and
/// renamed into place only if `write` succeeds. On any error the temporary file is removed
/// and `path` is untouched.
pub fn write_atomic<E>(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<(), E>,
) -> Result<(), DataError>
where
    E: Into<DataError>,
{
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(DataError::Io {
            path: path.to_path_buf(),
            action: "write",
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("directory {} does not exist", dir.display()),
            ),
        });
    }
    let io_err = |action: &'static str| {
        let path = path.to_path_buf();
        move |source| DataError::Io {
            path,
            action,
            source,
        }
    };
    let tmp = temp_path_for(path);
    let file = File::create(&tmp).map_err(io_err("write"))?;
    let mut guard = TempGuard {
        path: tmp.clone(),
        committed: false,
    };
    let mut out = BufWriter::new(file);
    write(&mut out).map_err(Into::into)?;
    let file = out
        .into_inner()
        .map_err(|e| io_err("write")(e.into_error()))?;
    file.sync_all().map_err(io_err("write"))?;
    drop(file);
    fs::rename(&tmp, path).map_err(io_err("rename"))?;
    guard.committed = true;
    // Make the rename itself durable; not all platforms allow opening a directory.
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Writes a table atomically as CSV or Parquet, chosen by the file extension
/// (`.parquet`/`.pq` is Parquet, anything else CSV with a header).
pub fn write_table(df: &mut DataFrame, path: &Path) -> Result<(), DataError> {
    let to_write_err = |source| DataError::Write {
        path: path.to_path_buf(),
        source,
    };
    write_atomic(path, |out| -> Result<(), DataError> {
        match FileFormat::from_path(path) {
            // Snappy (pyarrow's default): a fraction of zstd's compression time on score
            // tables, for somewhat larger files.
            FileFormat::Parquet => ParquetWriter::new(out)
                .with_compression(ParquetCompression::Snappy)
                .finish(df)
                .map(|_| ())
                .map_err(to_write_err),
            FileFormat::Csv => CsvWriter::new(out)
                .include_header(true)
                .finish(df)
                .map_err(to_write_err),
        }?;
        Ok(())
    })
}

/// One output column as plain values, so layers without polars can write tables.
#[derive(Debug, Clone)]
pub enum ColumnValues {
    /// Text.
    Str(Vec<String>),
    /// Floating point.
    F64(Vec<f64>),
    /// Integers.
    I64(Vec<i64>),
    /// Dates as days since 1970-01-01.
    Date(Vec<i32>),
    /// Floating point with missing values (written as empty cells / nulls).
    OptF64(Vec<Option<f64>>),
}

/// Writes named columns (all the same length) atomically as CSV or Parquet by extension.
/// Returns the number of rows.
pub fn write_columns(path: &Path, columns: Vec<(&str, ColumnValues)>) -> Result<usize, DataError> {
    let height = columns.first().map_or(0, |(_, c)| match c {
        ColumnValues::Str(v) => v.len(),
        ColumnValues::F64(v) => v.len(),
        ColumnValues::I64(v) => v.len(),
        ColumnValues::Date(v) => v.len(),
        ColumnValues::OptF64(v) => v.len(),
    });
    let cols: Vec<Column> = columns
        .into_iter()
        .map(|(name, values)| match values {
            ColumnValues::Str(v) => {
                StringChunked::from_iter_values(name.into(), v.iter().map(String::as_str))
                    .into_column()
            }
            ColumnValues::F64(v) => Float64Chunked::from_vec(name.into(), v).into_column(),
            ColumnValues::I64(v) => Int64Chunked::from_vec(name.into(), v).into_column(),
            ColumnValues::Date(v) => Int32Chunked::from_vec(name.into(), v)
                .into_date()
                .into_column(),
            ColumnValues::OptF64(v) => {
                Float64Chunked::from_iter_options(name.into(), v.into_iter()).into_column()
            }
        })
        .collect();
    let mut df = DataFrame::new(height, cols)?;
    write_table(&mut df, path)?;
    Ok(height)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("clvr-write-{}-{name}", std::process::id()));
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_failed_write_leaves_the_previous_file_and_no_temp() {
        let dir = scratch("fail");
        let target = dir.join("out.csv");
        fs::write(&target, "previous good output\n").unwrap();
        let res = write_atomic(&target, |out| {
            out.write_all(b"half of a new fi")
                .map_err(|source| DataError::Io {
                    path: PathBuf::new(),
                    action: "write",
                    source,
                })?;
            Err(DataError::Invalid("simulated crash mid-write".into()))
        });
        assert!(res.is_err());
        assert_eq!(
            fs::read_to_string(&target).unwrap(),
            "previous good output\n"
        );
        let leftovers: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "temp file left behind: {leftovers:?}");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_successful_write_replaces_the_file() {
        let dir = scratch("ok");
        let target = dir.join("out.csv");
        fs::write(&target, "old").unwrap();
        write_atomic(&target, |out| {
            out.write_all(b"new").map_err(|source| DataError::Io {
                path: PathBuf::new(),
                action: "write",
                source,
            })
        })
        .unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn tables_round_trip_through_csv_and_parquet() {
        let dir = scratch("tables");
        let mut df = DataFrame::new(
            2,
            vec![
                Column::new("a".into(), [1.5f64, 2.0]),
                Column::new("b".into(), ["x", "y"]),
            ],
        )
        .unwrap();
        for name in ["t.csv", "t.parquet"] {
            let p = dir.join(name);
            write_table(&mut df, &p).unwrap();
            let back = super::super::read_table(&p, &Default::default()).unwrap();
            assert_eq!(back.df.height(), 2, "{name}");
        }
        fs::remove_dir_all(dir).unwrap();
    }
}
