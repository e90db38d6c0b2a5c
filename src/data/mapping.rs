//! Mapping the file's columns to the roles clvr needs (customer, date, amount).

use serde::Serialize;

use super::DataError;
use super::source::RawTable;

/// A role a column can play in a transaction log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The customer identifier.
    Customer,
    /// The transaction date.
    Date,
    /// The transaction value (for an events log: the event's optional value).
    Amount,
    /// The event type (events logs only).
    EventType,
}

impl Role {
    /// The command-line flag that sets this role's column.
    pub fn flag(self) -> &'static str {
        match self {
            Role::Customer => "--customer-col",
            Role::Date => "--date-col",
            Role::Amount => "--amount-col",
            Role::EventType => "--event-type-col",
        }
    }

    /// The lower-case role name.
    pub fn name(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Date => "date",
            Role::Amount => "amount",
            Role::EventType => "event type",
        }
    }

    /// Header names tried, in order, when the user does not name the column. Compared
    /// case-insensitively, ignoring `_`, `-` and spaces.
    pub fn default_names(self) -> &'static [&'static str] {
        match self {
            Role::Customer => &[
                "customer_id",
                "customer",
                "cust_id",
                "client_id",
                "user_id",
                "member_id",
                "id",
            ],
            Role::Date => &[
                "date",
                "order_date",
                "transaction_date",
                "purchase_date",
                "invoice_date",
                "timestamp",
                "datetime",
                "time",
            ],
            Role::Amount => &[
                "amount",
                "value",
                "revenue",
                "sales",
                "spend",
                "monetary_value",
                "dollar_value",
                "order_value",
                "total",
                "price",
            ],
            Role::EventType => &["event_type", "type", "event", "event_name", "action"],
        }
    }
}

/// The user's column choices: a header name, or a 1-based position (`"2"`), or `None` for
/// the defaults.
#[derive(Debug, Clone, Default)]
pub struct ColumnMapping {
    /// `--customer-col`.
    pub customer: Option<String>,
    /// `--date-col`.
    pub date: Option<String>,
    /// `--amount-col`; when `None` and no default name matches, only counts are modelled.
    pub amount: Option<String>,
}

/// The columns chosen in a table, by name.
#[derive(Debug, Clone, Serialize)]
pub struct ResolvedColumns {
    /// Customer id column.
    pub customer: String,
    /// Date column.
    pub date: String,
    /// Amount column, if any (for an events log: the optional value column).
    pub amount: Option<String>,
    /// Event type column (events logs only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
}

fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Resolves one role. `spec` names a column exactly, or is a 1-based position when it is all
/// digits and no column has that name.
pub(crate) fn resolve_one(
    table: &RawTable,
    role: Role,
    spec: Option<&str>,
    required: bool,
) -> Result<Option<String>, DataError> {
    let names: Vec<String> = table
        .df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    match spec {
        Some(spec) => {
            if names.iter().any(|n| n == spec) {
                return Ok(Some(spec.to_string()));
            }
            if let Ok(pos) = spec.parse::<usize>() {
                if pos >= 1 && pos <= names.len() {
                    return Ok(Some(names[pos - 1].clone()));
                }
                return Err(DataError::ColumnPosition {
                    path: table.path.clone(),
                    role: role.name(),
                    flag: role.flag(),
                    position: pos,
                    n_columns: names.len(),
                });
            }
            if let Some(n) = names.iter().find(|n| normalise(n) == normalise(spec)) {
                return Ok(Some(n.clone()));
            }
            Err(DataError::UnknownColumn {
                path: table.path.clone(),
                role: role.name(),
                flag: role.flag(),
                spec: spec.to_string(),
                available: names,
                has_header: table.has_header,
            })
        }
        None => {
            if table.has_header {
                for cand in role.default_names() {
                    if let Some(n) = names.iter().find(|n| normalise(n) == normalise(cand)) {
                        return Ok(Some(n.clone()));
                    }
                }
            }
            if required {
                Err(DataError::NoDefaultColumn {
                    path: table.path.clone(),
                    role: role.name(),
                    flag: role.flag(),
                    tried: role.default_names().join(", "),
                    available: names,
                    has_header: table.has_header,
                })
            } else {
                Ok(None)
            }
        }
    }
}

/// Chooses the customer, date and (optional) amount columns of `table`.
pub fn resolve_columns(
    table: &RawTable,
    mapping: &ColumnMapping,
) -> Result<ResolvedColumns, DataError> {
    let customer =
        resolve_one(table, Role::Customer, mapping.customer.as_deref(), true)?.unwrap_or_default();
    let date = resolve_one(table, Role::Date, mapping.date.as_deref(), true)?.unwrap_or_default();
    let amount = resolve_one(table, Role::Amount, mapping.amount.as_deref(), false)?;
    let clash = if date == customer {
        Some(&date)
    } else {
        amount.as_ref().filter(|a| **a == customer || **a == date)
    };
    if let Some(column) = clash {
        return Err(DataError::DuplicateColumn {
            path: table.path.clone(),
            column: column.clone(),
        });
    }
    Ok(ResolvedColumns {
        customer,
        date,
        amount,
        event_type: None,
    })
}
