//! `--config FILE`: every flag of a command, settable from a TOML file.
//!
//! The file's keys are the command's long flag names (`discount-rate` or `discount_rate`);
//! its values become flags placed before the ones typed on the command line, and a flag
//! given both ways takes the command line's value. So the file can hold nothing the flags
//! cannot, and `--help` documents both. Top-level keys apply to the command being run; a
//! table named after a command (`[train]`, `[predict]`) applies to that command only, so
//! one file can configure a whole pipeline.
//!
//! Values: strings, numbers and dates as written; `true` sets a switch (`false` leaves it
//! off); an array repeats the flag. Paths are relative to the current directory, as on the
//! command line. Unknown keys and values of the wrong shape are errors naming the file, the
//! line and the key.

use std::ffi::OsString;
use std::path::Path;

use clap::{ArgAction, Command};

/// The commands whose flags a config file may set.
pub const CONFIGURABLE: &[&str] = &["train", "predict"];

/// A config file that cannot be used: the message names the file, line and key.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// If `argv` runs a configurable command with `--config FILE`, returns the argument list
/// with the file's settings inserted as flags right after the command name, and the flags
/// that came from the file (for messages). Otherwise returns `argv` unchanged.
pub fn expand(
    root: &Command,
    argv: Vec<OsString>,
) -> Result<(Vec<OsString>, Vec<String>), ConfigError> {
    let Some(pos) = argv
        .iter()
        .position(|a| a.to_str().is_some_and(|s| CONFIGURABLE.contains(&s)))
    else {
        return Ok((argv, Vec::new()));
    };
    // Only the first word after the program name can be the command.
    if pos != 1 {
        return Ok((argv, Vec::new()));
    }
    let command_name = argv[pos].to_string_lossy().into_owned();
    let mut path = None;
    let mut i = pos + 1;
    while i < argv.len() {
        let a = argv[i].to_string_lossy();
        if a == "--" {
            break;
        }
        if a == "--config" {
            path = argv.get(i + 1).map(|p| p.to_string_lossy().into_owned());
            if path.is_none() {
                // Let clap report the missing value.
                return Ok((argv, Vec::new()));
            }
        } else if let Some(p) = a.strip_prefix("--config=") {
            path = Some(p.to_string());
        }
        i += 1;
    }
    let Some(path) = path else {
        return Ok((argv, Vec::new()));
    };
    let sub = root
        .find_subcommand(&command_name)
        .expect("configurable commands exist");
    let from_file = flags_from_file(Path::new(&path), sub)?;
    let mut out: Vec<OsString> = argv[..=pos].to_vec();
    out.extend(from_file.iter().map(OsString::from));
    out.extend(argv[pos + 1..].iter().cloned());
    Ok((out, from_file))
}

/// Reads a TOML file and turns the settings for `command` into flags.
pub fn flags_from_file(path: &Path, command: &Command) -> Result<Vec<String>, ConfigError> {
    let file = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError(format!(
            "cannot read config file {file}: {e}\n  fix: check the --config path"
        ))
    })?;
    let doc = toml_edit::Document::parse(text.as_str()).map_err(|e| {
        ConfigError(format!(
            "config file {file} is not valid TOML: {}",
            e.to_string().trim_end()
        ))
    })?;
    let line_of = |span: Option<std::ops::Range<usize>>| -> String {
        span.map(|r| {
            let line = text[..r.start.min(text.len())].matches('\n').count() + 1;
            format!(", line {line}")
        })
        .unwrap_or_default()
    };
    let name = command.get_name();
    let mut flags = Vec::new();
    let mut add_table = |table: &toml_edit::Table, section: &str| -> Result<(), ConfigError> {
        for (key, item) in table.iter() {
            let span = table.key(key).and_then(|k| k.span());
            let where_ = format!("{file}{}: {section}{key}", line_of(span));
            if let toml_edit::Item::Table(_) = item {
                continue; // sections are handled by the caller
            }
            let flag = key.replace('_', "-");
            let arg = command
                .get_arguments()
                .find(|a| a.get_long() == Some(flag.as_str()))
                .filter(|_| !["config", "help", "version"].contains(&flag.as_str()));
            let Some(arg) = arg else {
                let mut known: Vec<&str> = command
                    .get_arguments()
                    .filter_map(|a| a.get_long())
                    .filter(|l| !["config", "help", "version"].contains(l))
                    .collect();
                known.sort_unstable();
                return Err(ConfigError(format!(
                    "{where_}: `clvr {name}` has no flag --{flag}\n  fix: use one of: {}",
                    known.join(", ")
                )));
            };
            let is_switch = matches!(arg.get_action(), ArgAction::SetTrue | ArgAction::SetFalse);
            let Some(value) = item.as_value() else {
                return Err(ConfigError(format!(
                    "{where_}: expected a value (string, number, boolean or array)"
                )));
            };
            let scalars: Vec<&toml_edit::Value> = match value {
                toml_edit::Value::Array(a) => a.iter().collect(),
                v => vec![v],
            };
            for v in scalars {
                match v {
                    toml_edit::Value::Boolean(b) if is_switch => {
                        if *b.value() {
                            flags.push(format!("--{flag}"));
                        }
                    }
                    _ if is_switch => {
                        return Err(ConfigError(format!(
                            "{where_}: --{flag} is a switch: write `{key} = true` or `false`"
                        )));
                    }
                    toml_edit::Value::String(s) => {
                        flags.push(format!("--{flag}={}", s.value()));
                    }
                    toml_edit::Value::Integer(n) => flags.push(format!("--{flag}={}", n.value())),
                    toml_edit::Value::Float(x) => flags.push(format!("--{flag}={}", x.value())),
                    toml_edit::Value::Boolean(b) => flags.push(format!("--{flag}={}", b.value())),
                    toml_edit::Value::Datetime(d) => flags.push(format!("--{flag}={}", d.value())),
                    _ => {
                        return Err(ConfigError(format!(
                            "{where_}: expected a string, number, boolean or date (or an \
                             array of them)"
                        )));
                    }
                }
            }
        }
        Ok(())
    };
    add_table(doc.as_table(), "")?;
    for (key, item) in doc.as_table().iter() {
        if let toml_edit::Item::Table(t) = item {
            if key == name {
                add_table(t, &format!("[{key}] "))?;
            } else if !CONFIGURABLE.contains(&key) {
                let span = doc.as_table().key(key).and_then(|k| k.span());
                return Err(ConfigError(format!(
                    "{file}{}: unknown section [{key}]\n  fix: sections are named after \
                     commands: {}",
                    line_of(span),
                    CONFIGURABLE
                        .iter()
                        .map(|c| format!("[{c}]"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
    }
    Ok(flags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn write(text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("clvr-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(format!("{}.toml", text.len()));
        std::fs::write(&p, text).unwrap();
        p
    }

    fn flags(text: &str, command: &str) -> Result<Vec<String>, ConfigError> {
        let root = super::super::Cli::command();
        flags_from_file(&write(text), root.find_subcommand(command).unwrap())
    }

    #[test]
    fn keys_become_flags_and_sections_select_the_command() {
        let f = flags(
            "name = \"shop\"\ndiscount_rate = 0.02\nquiet = true\njson = false\n\
             [train]\npurchase-model = \"paretonbd\"\nas-of = 1997-09-30\n\
             [predict]\ntop = 5\n",
            "train",
        )
        .unwrap();
        assert_eq!(
            f,
            [
                "--name=shop",
                "--discount-rate=0.02",
                "--quiet",
                "--purchase-model=paretonbd",
                "--as-of=1997-09-30"
            ]
        );
    }

    #[test]
    fn unknown_keys_and_wrong_shapes_name_the_line() {
        let e = flags("name = \"a\"\n\nhorizn = \"6months\"\n", "train").unwrap_err();
        assert!(e.0.contains("line 3"), "{e}");
        assert!(e.0.contains("--horizn") && e.0.contains("horizon"), "{e}");
        let e = flags("quiet = \"yes\"\n", "train").unwrap_err();
        assert!(e.0.contains("switch"), "{e}");
        let e = flags("[trian]\nname = \"a\"\n", "train").unwrap_err();
        assert!(e.0.contains("unknown section [trian]"), "{e}");
        let e = flags("name = \n", "train").unwrap_err();
        assert!(e.0.contains("not valid TOML"), "{e}");
    }

    #[test]
    fn command_line_flags_come_after_the_file() {
        let p = write("discount-rate = 0.05\nname = \"fromfile\"\n");
        let root = super::super::Cli::command();
        let argv: Vec<OsString> = ["clvr", "train", "--config", p.to_str().unwrap()]
            .into_iter()
            .chain(["--name", "cli"])
            .map(OsString::from)
            .collect();
        let (out, from_file) = expand(&root, argv).unwrap();
        let out: Vec<String> = out.into_iter().map(|s| s.into_string().unwrap()).collect();
        assert_eq!(from_file, ["--discount-rate=0.05", "--name=fromfile"]);
        assert_eq!(
            &out[..4],
            ["clvr", "train", "--discount-rate=0.05", "--name=fromfile"]
        );
        assert_eq!(out.last().unwrap(), "cli");
    }
}
