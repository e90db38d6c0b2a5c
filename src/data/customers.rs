//! A customers table: one row per customer with static columns (acquisition cost, signup
//! date, channel, plan, region, …), read from CSV or Parquet.
//!
//! Every column other than the id is typed once: numeric when the file stores it as numbers
//! or every non-blank cell parses as a finite number, text otherwise. Blank cells are
//! missing values (`None`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::DataError;
use super::source::{ReadOptions, read_table};

/// One static column.
#[derive(Debug, Clone, PartialEq)]
pub enum CustomerColumn {
    /// Numbers (`None`: blank).
    Numeric(Vec<Option<f64>>),
    /// Text (`None`: blank).
    Text(Vec<Option<String>>),
}

impl CustomerColumn {
    /// Number of cells.
    pub fn len(&self) -> usize {
        match self {
            CustomerColumn::Numeric(v) => v.len(),
            CustomerColumn::Text(v) => v.len(),
        }
    }

    /// Whether there are no cells.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A customers table, indexed by customer id.
#[derive(Debug, Clone)]
pub struct CustomerTable {
    /// The file read.
    pub path: PathBuf,
    /// The id column's header.
    pub id_column: String,
    /// Customer ids, in file order.
    pub ids: Vec<String>,
    /// The other columns, in file order.
    pub columns: Vec<(String, CustomerColumn)>,
    index: HashMap<String, usize>,
    /// 1-based line of data row `i` (text files), for messages.
    header_lines: usize,
}

/// Header names tried for the id column when none is given.
const ID_NAMES: &[&str] = &["customer_id", "customer", "cust_id", "customerid", "id"];

impl CustomerTable {
    /// The row of a customer.
    pub fn row_of(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// Where row `i` (0-based) is, for messages: `row 3 (line 4)`.
    fn locate(&self, i: usize) -> String {
        if self.header_lines > 0 {
            format!("row {} (line {})", i + 1, i + 1 + self.header_lines)
        } else {
            format!("row {}", i + 1)
        }
    }

    /// The values of a numeric column. A text column is an input error naming its first
    /// non-numeric cell.
    pub fn numeric(&self, name: &str) -> Result<&[Option<f64>], DataError> {
        let Some((_, col)) = self.columns.iter().find(|(n, _)| n == name) else {
            return Err(DataError::Invalid(format!(
                "{}: no column '{name}'; columns present: {}, {}\n  fix: name one of those",
                self.path.display(),
                self.id_column,
                self.columns
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        match col {
            CustomerColumn::Numeric(v) => Ok(v),
            CustomerColumn::Text(v) => {
                let (i, bad) = v
                    .iter()
                    .enumerate()
                    .find_map(|(i, s)| {
                        s.as_deref()
                            .filter(|s| !s.trim().parse::<f64>().is_ok_and(f64::is_finite))
                            .map(|s| (i, s))
                    })
                    .unwrap_or((0, "?"));
                Err(DataError::Invalid(format!(
                    "{}: {}, column '{name}': '{bad}' is not a number\n  fix: the column must \
                     hold numbers (blank for unknown)",
                    self.path.display(),
                    self.locate(i)
                )))
            }
        }
    }
}

/// Reads a customers table. `id_column`: the id column's header; `None` tries
/// `customer_id`, `customer`, `cust_id`, `customerid`, `id` (case-insensitive). Missing or
/// duplicate ids are input errors naming the row.
pub fn read_customer_table(
    path: &Path,
    id_column: Option<&str>,
) -> Result<CustomerTable, DataError> {
    read_table_with_ids(path, id_column, true)
}

/// Reads a customer-level table that may have no id column (a bring-your-own feature
/// table): without one, rows are identified by their 1-based row number.
pub fn read_feature_table(path: &Path) -> Result<CustomerTable, DataError> {
    read_table_with_ids(path, None, false)
}

fn read_table_with_ids(
    path: &Path,
    id_column: Option<&str>,
    require_id: bool,
) -> Result<CustomerTable, DataError> {
    let raw = read_table(path, &ReadOptions::default())?;
    let names: Vec<String> = raw
        .df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let found = match id_column {
        Some(c) => names.iter().find(|n| n.as_str() == c).cloned(),
        None => ID_NAMES
            .iter()
            .find_map(|c| names.iter().find(|n| n.eq_ignore_ascii_case(c)).cloned()),
    };
    let id_name = match found {
        Some(n) => Some(n),
        None if !require_id => None,
        None => {
            return Err(DataError::Invalid(format!(
                "{}: no customer id column{}; columns present: {}\n  fix: name it \
                 customer_id, or pass the id column's name",
                path.display(),
                id_column.map(|c| format!(" '{c}'")).unwrap_or_default(),
                names.join(", ")
            )));
        }
    };
    let n = raw.df.height();
    let mut table = CustomerTable {
        path: path.to_path_buf(),
        id_column: id_name.clone().unwrap_or_else(|| "(row)".into()),
        ids: Vec::with_capacity(n),
        columns: Vec::new(),
        index: HashMap::with_capacity(n),
        header_lines: usize::from(raw.line_of_row(1).is_some() && raw.has_header),
    };
    // Ids from the id column, or 1-based row numbers for a table without one.
    let ids: Vec<Option<String>> = match &id_name {
        Some(name) => text_cells(raw.df.column(name)?)?,
        None => (1..=n).map(|i| Some(i.to_string())).collect(),
    };
    let id_col = &table.id_column.clone();
    for (i, id) in ids.into_iter().enumerate() {
        let Some(id) = id else {
            return Err(DataError::Invalid(format!(
                "{}: {}, column '{id_col}': the customer id is empty\n  fix: give every row an id",
                path.display(),
                table.locate(i)
            )));
        };
        if let Some(first) = table.index.insert(id.clone(), i) {
            return Err(DataError::Invalid(format!(
                "{}: {}, column '{id_col}': customer '{id}' is listed twice (first at {})\n  \
                 fix: keep one row per customer",
                path.display(),
                table.locate(i),
                table.locate(first)
            )));
        }
        table.ids.push(id);
    }
    for name in names.iter().filter(|n| Some(*n) != id_name.as_ref()) {
        let typed = typed_column(&raw, name, &table)?;
        table.columns.push((name.clone(), typed));
    }
    Ok(table)
}

/// A column's cells as trimmed text, blank cells `None`.
fn text_cells(col: &Column) -> Result<Vec<Option<String>>, DataError> {
    let s = col.cast(&DataType::String)?;
    Ok(s.str()?
        .iter()
        .map(|v| v.map(str::trim).filter(|v| !v.is_empty()).map(String::from))
        .collect())
}

/// Types one column: numeric when stored as numbers or when every non-blank cell parses
/// as a finite number, text otherwise.
fn typed_column(
    raw: &super::source::RawTable,
    name: &str,
    table: &CustomerTable,
) -> Result<CustomerColumn, DataError> {
    let path = &table.path;
    let col = raw.df.column(name)?;
    if col.dtype().is_primitive_numeric() {
        let f = col.cast(&DataType::Float64)?;
        let v: Vec<Option<f64>> = f.f64()?.iter().collect();
        if let Some(i) = v.iter().position(|x| x.is_some_and(|x| !x.is_finite())) {
            return Err(DataError::Invalid(format!(
                "{}: {}, column '{name}': the value is not finite\n  fix: leave the cell \
                 blank for unknown",
                path.display(),
                table.locate(i)
            )));
        }
        return Ok(CustomerColumn::Numeric(v));
    }
    let text = text_cells(col)?;
    let parsed: Option<Vec<Option<f64>>> = text
        .iter()
        .map(|s| match s {
            None => Some(None),
            Some(s) => s.parse::<f64>().ok().filter(|x| x.is_finite()).map(Some),
        })
        .collect();
    Ok(match parsed {
        Some(v) if v.iter().any(Option::is_some) => CustomerColumn::Numeric(v),
        _ => CustomerColumn::Text(text),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("clvr-customers-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn columns_are_typed_and_blanks_are_missing() {
        let p = write(
            "a.csv",
            "channel,customer_id,cac,plan\nweb,c1,12.5,basic\n,c2,,pro\nshop,c3,7,\n",
        );
        let t = read_customer_table(&p, None).unwrap();
        assert_eq!(t.ids, ["c1", "c2", "c3"]);
        assert_eq!(t.row_of("c3"), Some(2));
        assert_eq!(t.numeric("cac").unwrap(), &[Some(12.5), None, Some(7.0)]);
        assert_eq!(
            t.columns[0].1,
            CustomerColumn::Text(vec![Some("web".into()), None, Some("shop".into())])
        );
        let e = t.numeric("plan").unwrap_err().to_string();
        assert!(e.contains("row 1 (line 2)") && e.contains("'basic'"), "{e}");
        let e = t.numeric("nope").unwrap_err().to_string();
        assert!(
            e.contains("columns present: customer_id, channel, cac, plan"),
            "{e}"
        );
    }

    #[test]
    fn duplicate_and_missing_ids_name_the_row() {
        let p = write("dup.csv", "customer_id,cac\na,1\nb,2\na,3\n");
        let e = read_customer_table(&p, None).unwrap_err().to_string();
        assert!(
            e.contains("row 3 (line 4)") && e.contains("first at row 1 (line 2)"),
            "{e}"
        );
        let p = write("empty.csv", "id,cac\na,1\n,2\n");
        let e = read_customer_table(&p, None).unwrap_err().to_string();
        assert!(e.contains("row 2 (line 3)") && e.contains("empty"), "{e}");
        let p = write("noid.csv", "who,cac\na,1\n");
        let e = read_customer_table(&p, None).unwrap_err().to_string();
        assert!(e.contains("no customer id column"), "{e}");
        assert!(read_customer_table(&p, Some("who")).is_ok());
    }
}
