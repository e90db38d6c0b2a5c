//! Reading raw tables from CSV-like text files and Parquet into a polars `DataFrame`.
//!
//! Text files are read with every column as a string, so validation sees exactly what the
//! file holds and can quote it back in error messages and quarantine files.

use std::fs::File;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::Serialize;

use super::DataError;

/// The container format of an input or output file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// Delimited text (comma, tab, semicolon, pipe, or runs of whitespace).
    Csv,
    /// Apache Parquet.
    Parquet,
}

impl FileFormat {
    /// The format implied by a file name: `.parquet` / `.pq` is Parquet, anything else text.
    pub fn from_path(path: &Path) -> Self {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("parquet") | Some("pq") => Self::Parquet,
            _ => Self::Csv,
        }
    }
}

/// How fields are separated in a text file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Separator {
    /// Sniff from the first lines: comma, tab, semicolon or pipe if every line has one,
    /// otherwise runs of whitespace.
    Auto,
    /// One byte, such as `,` or `\t`.
    Byte(u8),
    /// Runs of spaces and tabs, leading and trailing whitespace ignored (`CDNOW_master.txt`).
    Whitespace,
}

impl Separator {
    /// Parses `--separator`: `auto`, `comma`, `tab`, `semicolon`, `pipe`, `whitespace`, or a
    /// single character.
    pub fn parse_flag(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Self::Auto),
            "comma" | "," => Ok(Self::Byte(b',')),
            "tab" | "\t" | "\\t" => Ok(Self::Byte(b'\t')),
            "semicolon" | ";" => Ok(Self::Byte(b';')),
            "pipe" | "|" => Ok(Self::Byte(b'|')),
            "whitespace" | "space" | " " => Ok(Self::Whitespace),
            _ if s.len() == 1 && s.is_ascii() => Ok(Self::Byte(s.as_bytes()[0])),
            _ => Err(format!(
                "unknown separator '{s}': use auto, comma, tab, semicolon, pipe, whitespace, \
                 or one ASCII character"
            )),
        }
    }

    /// A short human name, used in run reports.
    pub fn describe(&self) -> String {
        match self {
            Self::Auto => "auto".into(),
            Self::Byte(b',') => "comma".into(),
            Self::Byte(b'\t') => "tab".into(),
            Self::Byte(b';') => "semicolon".into(),
            Self::Byte(b'|') => "pipe".into(),
            Self::Byte(b) => format!("'{}'", char::from(*b)),
            Self::Whitespace => "whitespace".into(),
        }
    }
}

/// Options for reading one raw table.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// `None`: from the file extension.
    pub format: Option<FileFormat>,
    /// Field separator for text files.
    pub separator: Separator,
    /// Whether a text file's first line names the columns (default true).
    pub has_header: bool,
    /// Read only these columns (by name); `None`: all.
    pub columns: Option<Vec<String>>,
    /// Read at most this many rows; `Some(0)` reads only the column names.
    pub n_rows: Option<usize>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            format: None,
            separator: Separator::Auto,
            has_header: true,
            columns: None,
            n_rows: None,
        }
    }
}

/// A table as read from disk, before validation.
#[derive(Debug, Clone)]
pub struct RawTable {
    /// The file read.
    pub path: PathBuf,
    /// Its format.
    pub format: FileFormat,
    /// The separator used (text files only; `Auto` resolved).
    pub separator: Option<Separator>,
    /// Whether the first line was a header (always true for Parquet).
    pub has_header: bool,
    /// The columns; for text files every column is a string.
    pub df: DataFrame,
}

impl RawTable {
    /// The 1-based line in the file of 1-based data row `row` (text files; ignores quoted
    /// newlines), or `None` for Parquet.
    pub fn line_of_row(&self, row: usize) -> Option<usize> {
        match self.format {
            FileFormat::Csv => Some(row + usize::from(self.has_header)),
            FileFormat::Parquet => None,
        }
    }

    /// A human description of the source, e.g. `csv, whitespace-separated, no header`.
    pub fn describe(&self) -> String {
        match (self.format, self.separator) {
            (FileFormat::Parquet, _) => "parquet".into(),
            (FileFormat::Csv, sep) => format!(
                "csv, {}-separated, {}",
                sep.unwrap_or(Separator::Auto).describe(),
                if self.has_header {
                    "header"
                } else {
                    "no header"
                }
            ),
        }
    }
}

/// Reads a raw table. Text files keep every column as a string.
pub fn read_table(path: &Path, opts: &ReadOptions) -> Result<RawTable, DataError> {
    let format = opts.format.unwrap_or_else(|| FileFormat::from_path(path));
    let polars_err = |source: PolarsError| DataError::Read {
        path: path.to_path_buf(),
        source,
    };
    if !path.exists() {
        return Err(DataError::Io {
            path: path.to_path_buf(),
            action: "open",
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        });
    }
    match format {
        FileFormat::Parquet => {
            let file = File::open(path).map_err(|source| DataError::Io {
                path: path.to_path_buf(),
                action: "open",
                source,
            })?;
            let mut reader = ParquetReader::new(file).with_columns(opts.columns.clone());
            if let Some(n) = opts.n_rows {
                reader = reader.with_slice(Some((0, n)));
            }
            let df = reader.finish().map_err(polars_err)?;
            Ok(RawTable {
                path: path.to_path_buf(),
                format,
                separator: None,
                has_header: true,
                df,
            })
        }
        FileFormat::Csv => {
            let bytes = std::fs::read(path).map_err(|source| DataError::Io {
                path: path.to_path_buf(),
                action: "read",
                source,
            })?;
            let (df, separator) = read_text(bytes, opts).map_err(polars_err)?;
            Ok(RawTable {
                path: path.to_path_buf(),
                format,
                separator: Some(separator),
                has_header: opts.has_header,
                df,
            })
        }
    }
}

/// The byte that stands for a run of whitespace after normalisation: ASCII unit separator,
/// which never occurs in real data, so no field can contain it.
const UNIT_SEPARATOR: u8 = 0x1f;

fn read_text(mut bytes: Vec<u8>, opts: &ReadOptions) -> PolarsResult<(DataFrame, Separator)> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    let separator = match opts.separator {
        Separator::Auto => sniff_separator(&bytes),
        s => s,
    };
    let (sep_byte, quote) = match separator {
        Separator::Byte(b) => (b, Some(b'"')),
        _ => {
            bytes = normalise_whitespace(&bytes);
            (UNIT_SEPARATOR, None)
        }
    };
    let df = CsvReadOptions::default()
        .with_has_header(opts.has_header)
        .with_columns(
            opts.columns
                .as_ref()
                .map(|c| c.iter().map(|s| s.as_str().into()).collect()),
        )
        .with_n_rows(opts.n_rows)
        .with_infer_schema_length(Some(0))
        .with_raise_if_empty(false)
        .map_parse_options(|p| {
            p.with_separator(sep_byte)
                .with_quote_char(quote)
                .with_truncate_ragged_lines(false)
        })
        .into_reader_with_file_handle(Cursor::new(bytes))
        .finish()?;
    Ok((df, separator))
}

/// Looks at up to 20 non-empty lines: a candidate separator that occurs on every one wins
/// (comma, tab, semicolon, pipe, in that order); otherwise whitespace.
fn sniff_separator(bytes: &[u8]) -> Separator {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let lines: Vec<&[u8]> = head
        .split(|&b| b == b'\n')
        .filter(|l| l.iter().any(|b| !b.is_ascii_whitespace()))
        .take(20)
        .collect();
    if lines.is_empty() {
        return Separator::Byte(b',');
    }
    for cand in [b',', b'\t', b';', b'|'] {
        if lines.iter().all(|l| l.contains(&cand)) {
            return Separator::Byte(cand);
        }
    }
    if lines.iter().all(|l| l.trim_ascii().contains(&b' ')) {
        Separator::Whitespace
    } else {
        // One column: any separator reads it.
        Separator::Byte(b',')
    }
}

/// Rewrites whitespace-separated text so each run of spaces/tabs between fields becomes one
/// [`UNIT_SEPARATOR`], dropping leading and trailing whitespace and `\r`. Blank lines stay
/// blank, so row and line numbers still match the original file.
fn normalise_whitespace(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    for line in body.split(|&b| b == b'\n') {
        let fields = line
            .split(|&b| b == b' ' || b == b'\t' || b == b'\r')
            .filter(|f| !f.is_empty());
        for (i, field) in fields.enumerate() {
            if i > 0 {
                out.push(UNIT_SEPARATOR);
            }
            out.extend_from_slice(field);
        }
        out.push(b'\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_common_separators() {
        assert_eq!(sniff_separator(b"a,b\n1,2\n"), Separator::Byte(b','));
        assert_eq!(sniff_separator(b"a\tb\n1\t2\n"), Separator::Byte(b'\t'));
        assert_eq!(
            sniff_separator(b" 00001 19970101  1   11.77\n 00002 19970112  1   12.00\n"),
            Separator::Whitespace
        );
        assert_eq!(sniff_separator(b"id\n1\n"), Separator::Byte(b','));
    }

    #[test]
    fn whitespace_runs_become_one_separator() {
        let out = normalise_whitespace(b"  a  b\t c \r\n\n1 2 3\n");
        assert_eq!(out, b"a\x1fb\x1fc\n\n1\x1f2\x1f3\n".to_vec());
    }

    #[test]
    fn text_columns_are_read_as_strings() {
        let (df, _) = read_text(
            b"id,date,amount\n007,19970101,1.5\n".to_vec(),
            &ReadOptions::default(),
        )
        .unwrap();
        assert_eq!(df.height(), 1);
        let id = df.column("id").unwrap().str().unwrap().get(0);
        assert_eq!(id, Some("007"));
        assert!(df.column("amount").unwrap().str().is_ok());
    }
}
