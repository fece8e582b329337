//! The appliance files of `deploy/` (issue 9) checked with the tools that will run them:
//!
//! - every `deploy/systemd/*.service` passes `systemd-analyze verify` (inside a temporary root
//!   holding the units and a stub for every program they run, so that a missing `cage` or `borne`
//!   on the test machine is not an error but a misspelled directive is), and scores under 4.0
//!   ("OK" or better) in `systemd-analyze security --offline=true`; the scores are printed and must
//!   be the ones recorded in `deploy/README.md`;
//! - `deploy/udev/60-borne.rules` uses only known keys and operators, names only
//!   `/dev/borne-printer` and `/dev/borne-reader`, and never gives one USB id both names (systemd
//!   252 has no `udevadm verify`, and `udevadm test` needs a real device and writes to /dev);
//! - the pieces the units refer to exist: PAM stack, `OnFailure=` units, out-of-order image.
//!
//! Each checker is also run on a broken input, to prove it fails.
//! `BORNE_SKIP_SYSTEMD_TESTS=1` skips the tests that need `systemd-analyze` (a machine without
//! systemd); otherwise a missing `systemd-analyze` is a failure.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Exposure levels at or above this fail (the target of issue 9: "OK" or better, under 4.0).
const MAX_EXPOSURE: f64 = 4.0;

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").join("deploy")
}

/// The unit files of deploy/systemd, sorted by name.
fn unit_files() -> Vec<PathBuf> {
    let dir = deploy_dir().join("systemd");
    let mut units: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("deploy/systemd")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "service"))
        .collect();
    units.sort();
    assert!(units.len() >= 4, "expected the fleet, kiosk, kiosk-kms and out-of-order units: {units:?}");
    units
}

fn file_name(path: &Path) -> String {
    path.file_name().expect("file name").to_string_lossy().into_owned()
}

/// True (with a note) when BORNE_SKIP_SYSTEMD_TESTS=1.
fn skip_systemd(test: &str) -> bool {
    let skip = std::env::var("BORNE_SKIP_SYSTEMD_TESTS").is_ok_and(|v| v == "1");
    if skip {
        eprintln!("{test}: skipped (BORNE_SKIP_SYSTEMD_TESTS=1)");
    }
    skip
}

fn systemd_analyze(args: &[&str]) -> Output {
    Command::new("systemd-analyze").args(args).output().unwrap_or_else(|e| {
        panic!(
            "cannot run systemd-analyze ({e}): install systemd (Debian: systemd) \
             or set BORNE_SKIP_SYSTEMD_TESTS=1"
        )
    })
}

/// `key=value` settings of a unit file, in order, with their section; comments and blank lines
/// skipped.
fn unit_settings(text: &str) -> Vec<(String, String, String)> {
    let mut section = String::new();
    let mut settings = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_string();
        } else if let Some((key, value)) = line.split_once('=') {
            settings.push((section.clone(), key.trim().to_string(), value.trim().to_string()));
        }
    }
    settings
}

fn setting_values(text: &str, key: &str) -> Vec<String> {
    unit_settings(text).into_iter().filter(|(_, k, _)| k == key).map(|(_, _, v)| v).collect()
}

/// The programs a unit runs: the first word of every Exec*= line, without the prefixes
/// `-@:+!|`.
fn executables(text: &str) -> Vec<String> {
    unit_settings(text)
        .into_iter()
        .filter(|(_, key, _)| key.starts_with("Exec"))
        .filter_map(|(_, _, value)| {
            let command = value.trim_start_matches(['-', '@', ':', '+', '!', '|']);
            command.split_whitespace().next().map(str::to_string)
        })
        .collect()
}

/// A temporary root for `systemd-analyze verify --root=`: the given units in /etc/systemd/system
/// and a stub shell script at the path of every program they run.
fn verify_root(units: &[(String, String)]) -> tempfile::TempDir {
    let root = tempfile::tempdir().expect("temporary directory");
    let unit_dir = root.path().join("etc/systemd/system");
    fs::create_dir_all(&unit_dir).expect("create etc/systemd/system");
    for (name, text) in units {
        fs::write(unit_dir.join(name), text).expect("write unit");
        for program in executables(text) {
            let relative = program.strip_prefix('/').unwrap_or_else(|| {
                panic!("{name}: {program} is not an absolute path (systemd requires one here)")
            });
            let stub = root.path().join(relative);
            fs::create_dir_all(stub.parent().expect("parent")).expect("create stub directory");
            fs::write(&stub, "#!/bin/sh\nexit 0\n").expect("write stub");
            fs::set_permissions(&stub, fs::Permissions::from_mode(0o755)).expect("chmod stub");
        }
    }
    root
}

/// `systemd-analyze verify` of one unit of the root: Err with the complaints. systemd only warns
/// about an unknown directive or a value it cannot parse (and exits 0 for some of them), so any
/// message about the unit is a failure, not just the exit status. Dependencies that the temporary
/// root lacks (sysinit.target, getty@tty1.service…) are not the unit's fault:
/// --recursive-errors=no. --man=no: the test machine need not have cage's manual.
fn verify(root: &Path, unit: &str) -> Result<(), String> {
    let root_arg = format!("--root={}", root.display());
    let output = systemd_analyze(&["verify", &root_arg, "--man=no", "--recursive-errors=no", unit]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stem = unit.trim_end_matches(".service");
    let complaints: Vec<&str> = stderr.lines().filter(|line| line.contains(stem)).collect();
    for line in stderr.lines().filter(|line| !line.contains(stem)) {
        eprintln!("{unit}: systemd-analyze verify (not about the unit): {line}");
    }
    if output.status.success() && complaints.is_empty() {
        Ok(())
    } else {
        Err(format!("{unit}: systemd-analyze verify: {}\n{}", output.status, complaints.join("\n")))
    }
}

#[test]
fn units_pass_systemd_analyze_verify() {
    if skip_systemd("units_pass_systemd_analyze_verify") {
        return;
    }
    let units: Vec<(String, String)> = unit_files()
        .iter()
        .map(|path| (file_name(path), fs::read_to_string(path).expect("read unit")))
        .collect();
    let root = verify_root(&units);
    for (name, _) in &units {
        verify(root.path(), name).unwrap_or_else(|e| panic!("{e}"));
        eprintln!("{name}: systemd-analyze verify OK");
    }

    // The checker fails on a misspelled directive, on a value systemd cannot parse and on a
    // program that is not there.
    let (_, kiosk) = units.iter().find(|(name, _)| name == "borne-kiosk.service").expect("kiosk unit");
    let broken = [
        ("borne-misspelled.service".to_string(), kiosk.replacen("RestartSec=", "RestartSecs=", 1)),
        ("borne-badvalue.service".to_string(), kiosk.replacen("Restart=always", "Restart=sometimes", 1)),
    ];
    let root = verify_root(&broken);
    for (name, _) in &broken {
        let error = verify(root.path(), name).expect_err("a broken unit must fail verify");
        eprintln!("negative case, failed as it should: {error}");
    }
    let missing = verify_root(&[]);
    let unit_dir = missing.path().join("etc/systemd/system");
    fs::write(unit_dir.join("borne-missing.service"), kiosk).expect("write unit");
    let error = verify(missing.path(), "borne-missing.service").expect_err("missing cage must fail");
    eprintln!("negative case, failed as it should: {error}");
}

/// `systemd-analyze security --offline=true` of a unit file: its exposure level, or Err when it
/// is 4.0 or more (--threshold takes the level times ten, and fails above it).
fn exposure(unit: &Path) -> Result<f64, String> {
    let threshold = format!("--threshold={}", (MAX_EXPOSURE * 10.0) as u32 - 1);
    let path = unit.to_str().expect("UTF-8 path");
    let output = systemd_analyze(&["security", "--offline=true", &threshold, "--no-pager", path]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let name = file_name(unit);
    let prefix = format!("Overall exposure level for {name}:");
    let line = stdout
        .lines()
        .find_map(|line| line.split_once(&prefix).map(|(_, rest)| rest.trim().to_string()))
        .ok_or_else(|| {
            format!("{name}: no exposure level in\n{stdout}{}", String::from_utf8_lossy(&output.stderr))
        })?;
    let level: f64 = line
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("{name}: cannot read the exposure level in {line:?}"))?;
    if !output.status.success() || level >= MAX_EXPOSURE {
        return Err(format!("{name}: exposure {line}, the limit is under {MAX_EXPOSURE:.1}"));
    }
    Ok(level)
}

#[test]
fn units_score_under_4_in_systemd_analyze_security() {
    if skip_systemd("units_score_under_4_in_systemd_analyze_security") {
        return;
    }
    let readme = fs::read_to_string(deploy_dir().join("README.md")).expect("deploy/README.md");
    let mut failures = Vec::new();
    for unit in unit_files() {
        let name = file_name(&unit);
        match exposure(&unit) {
            Ok(level) => {
                eprintln!("{name}: exposure {level:.1}");
                // deploy/README.md records the scores: a row `| `systemd/NAME` | LEVEL ...`.
                let row = format!("| `systemd/{name}` | {level:.1} ");
                if !readme.contains(&row) {
                    failures.push(format!("{name}: deploy/README.md has no score row {row:?}"));
                }
            }
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The checker fails on a unit without sandboxing.
    let dir = tempfile::tempdir().expect("temporary directory");
    let bare = dir.path().join("borne-bare.service");
    fs::write(&bare, "[Service]\nExecStart=/usr/bin/borne run\n").expect("write unit");
    let error = exposure(&bare).expect_err("an unsandboxed unit must fail");
    eprintln!("negative case, failed as it should: {error}");
}

#[test]
fn units_refer_to_files_that_exist() {
    let deploy = deploy_dir();
    let names: BTreeSet<String> = unit_files().iter().map(|p| file_name(p)).collect();
    for unit in unit_files() {
        let name = file_name(&unit);
        let text = fs::read_to_string(&unit).expect("read unit");
        assert!(text.starts_with("# "), "{name}: starts with a comment saying why it exists");
        for pam in setting_values(&text, "PAMName") {
            assert!(deploy.join("pam").join(&pam).is_file(), "{name}: PAMName={pam} but no deploy/pam/{pam}");
        }
        for on_failure in setting_values(&text, "OnFailure") {
            for target in on_failure.split_whitespace() {
                assert!(names.contains(target), "{name}: OnFailure={target} is not in deploy/systemd");
            }
        }
        // The kiosk units run `borne run` on the packaged configuration and tell systemd it runs.
        if name.starts_with("borne-kiosk") {
            assert!(text.contains("/usr/bin/borne run --config /etc/borne/borne.toml"), "{name}: ExecStart");
            assert_eq!(setting_values(&text, "Type"), ["notify"], "{name}: Type");
            assert_eq!(setting_values(&text, "WatchdogSec"), ["30"], "{name}: WatchdogSec");
            assert_eq!(setting_values(&text, "Restart"), ["always"], "{name}: Restart");
            assert_eq!(setting_values(&text, "OnFailure"), ["borne-out-of-order.service"], "{name}");
            assert_eq!(setting_values(&text, "StateDirectory"), ["borne"], "{name}: StateDirectory");
            assert!(setting_values(&text, "Conflicts").iter().any(|c| c.contains("getty@tty1.service")));
        }
    }

    // The out-of-order screen: the image fbi shows, from the SVG beside it, small enough to keep
    // in git.
    let ooo = fs::read_to_string(deploy.join("systemd/borne-out-of-order.service")).expect("read unit");
    assert!(ooo.contains("/usr/share/borne/out-of-order.png"), "out-of-order unit shows the packaged PNG");
    let png = fs::read(deploy.join("out-of-order/out-of-order.png")).expect("out-of-order.png");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "out-of-order.png is a PNG");
    assert!(png.len() < 50_000, "out-of-order.png is {} bytes, keep it under 50 KB", png.len());
    let svg = fs::read_to_string(deploy.join("out-of-order/out-of-order.svg")).expect("out-of-order.svg");
    for text in ["Borne hors service", "Out of order"] {
        assert!(svg.contains(text), "out-of-order.svg says {text:?}");
    }
}

/// One `KEY{attr}OP"value"` of a udev rule.
#[derive(Debug)]
struct Token {
    key: String,
    attr: Option<String>,
    op: String,
    value: String,
}

/// A rule line split into tokens, or Err on anything that is not `KEY[{attr}]OP"value"`
/// separated by commas.
fn tokenize(line: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut rest = line.trim();
    while !rest.is_empty() {
        let key_end = rest.find(|c: char| !(c.is_ascii_uppercase() || c == '_')).unwrap_or(rest.len());
        let key = &rest[..key_end];
        rest = &rest[key_end..];
        let mut attr = None;
        if let Some(after) = rest.strip_prefix('{') {
            let close = after.find('}').ok_or_else(|| format!("unclosed {{ after {key}"))?;
            attr = Some(after[..close].to_string());
            rest = &after[close + 1..];
        }
        let op = ["==", "!=", "+=", "-=", ":=", "="]
            .into_iter()
            .find(|op| rest.starts_with(op))
            .ok_or_else(|| format!("no operator after {key} in {line:?}"))?;
        rest = rest[op.len()..].strip_prefix('"').ok_or_else(|| format!("{key}: value not quoted"))?;
        let close = rest.find('"').ok_or_else(|| format!("{key}: unclosed quote"))?;
        let value = rest[..close].to_string();
        rest = rest[close + 1..].trim_start();
        if let Some(after) = rest.strip_prefix(',') {
            rest = after.trim_start();
        } else if !rest.is_empty() {
            return Err(format!("expected a comma before {rest:?}"));
        }
        if key.is_empty() {
            return Err(format!("empty key in {line:?}"));
        }
        tokens.push(Token { key: key.to_string(), attr, op: op.to_string(), value });
    }
    Ok(tokens)
}

/// Which name each USB id gets: (vendor, product or None for the whole vendor) → role.
type IdTable = BTreeMap<(String, Option<String>), BTreeSet<String>>;

/// Checks a rules file as udev 252 would parse it, restricted to the keys Borne's rules need:
/// Err with every problem found. Returns the id table.
fn check_rules(text: &str) -> Result<IdTable, String> {
    const MATCH: [&str; 2] = ["==", "!="];
    const ASSIGN: [&str; 3] = ["=", "+=", ":="];
    let mut problems = Vec::new();
    let mut table = IdTable::new();
    let mut gotos = BTreeSet::new();
    let mut labels = BTreeSet::new();
    for (number, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let tokens = match tokenize(line) {
            Ok(tokens) => tokens,
            Err(e) => {
                problems.push(format!("line {number}: {e}"));
                continue;
            }
        };
        let mut vendor = None;
        let mut product = None;
        let mut role = None;
        for Token { key, attr, op, value } in &tokens {
            let op = op.as_str();
            let ok = match (key.as_str(), attr.as_deref()) {
                ("ACTION" | "SUBSYSTEM" | "KERNEL", None) => MATCH.contains(&op),
                ("ATTRS", Some("idVendor" | "idProduct")) => {
                    let hex = value.len() == 4 && value.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'));
                    if !hex {
                        problems.push(format!("line {number}: {value:?} is not 4 lower-case hex digits"));
                    }
                    if attr.as_deref() == Some("idVendor") {
                        vendor = Some(value.clone());
                    } else {
                        product = Some(value.clone());
                    }
                    op == "=="
                }
                ("ENV", Some("BORNE_DEVICE")) if op == "=" => {
                    // "none": a port that gets no name (59-borne-local.rules).
                    if !["printer", "reader", "none"].contains(&value.as_str()) {
                        problems.push(format!("line {number}: BORNE_DEVICE={value:?}"));
                    }
                    role = Some(value.clone()).filter(|v| v != "none");
                    true
                }
                ("ENV", Some(_)) => MATCH.contains(&op) || op == "=",
                ("SYMLINK", None) => {
                    if !["borne-printer", "borne-reader"].contains(&value.as_str()) {
                        problems
                            .push(format!("line {number}: SYMLINK {value:?} is not borne-printer/-reader"));
                    }
                    op == "+="
                }
                ("GROUP" | "MODE", None) => ASSIGN.contains(&op),
                ("TAG", None) => op == "+=",
                ("IMPORT", Some("builtin")) => op == "=",
                ("GOTO", None) => {
                    gotos.insert(value.clone());
                    op == "="
                }
                ("LABEL", None) => {
                    labels.insert(value.clone());
                    op == "="
                }
                _ => {
                    problems.push(format!("line {number}: unknown key {key}{}", attr_text(attr)));
                    continue;
                }
            };
            if !ok {
                problems.push(format!("line {number}: operator {op} not valid for {key}{}", attr_text(attr)));
            }
        }
        match (vendor, product, role) {
            (Some(vendor), product, Some(role)) => {
                table.entry((vendor, product)).or_default().insert(role);
            }
            (None, Some(_), _) => problems.push(format!("line {number}: idProduct without idVendor")),
            _ => {}
        }
    }
    for goto in gotos.difference(&labels) {
        problems.push(format!("GOTO={goto:?} has no LABEL"));
    }
    // No id named twice: not a vendor:product with both roles, nor a product of a vendor that has
    // a rule for all its products with the other role.
    for ((vendor, product), roles) in &table {
        if roles.len() > 1 {
            problems.push(format!("{vendor}:{} is both {roles:?}", product.as_deref().unwrap_or("*")));
        }
        if product.is_some()
            && let Some(all) = table.get(&(vendor.clone(), None))
            && all != roles
        {
            problems.push(format!("{vendor}:{product:?} is {roles:?} but all of {vendor} are {all:?}"));
        }
    }
    if problems.is_empty() { Ok(table) } else { Err(problems.join("\n")) }
}

fn attr_text(attr: &Option<String>) -> String {
    attr.as_ref().map(|a| format!("{{{a}}}")).unwrap_or_default()
}

#[test]
fn udev_rules_name_each_device_once() {
    let rules = fs::read_to_string(deploy_dir().join("udev/60-borne.rules")).expect("60-borne.rules");
    assert!(rules.starts_with("# "), "60-borne.rules starts with a comment saying why it exists");
    let table = check_rules(&rules).unwrap_or_else(|e| panic!("deploy/udev/60-borne.rules:\n{e}"));
    for ((vendor, product), roles) in &table {
        eprintln!("{vendor}:{} → {roles:?}", product.as_deref().unwrap_or("*"));
    }
    let roles: BTreeSet<&String> = table.values().flatten().collect();
    assert_eq!(roles.len(), 2, "both a printer and a reader are recognised: {table:?}");

    // The documented local override (the `#   SUBSYSTEM…` example lines) is valid too.
    let example: String = rules
        .lines()
        .filter_map(|line| line.strip_prefix("#   SUBSYSTEM"))
        .map(|rest| format!("SUBSYSTEM{rest}\n"))
        .collect();
    assert!(example.lines().count() >= 3, "60-borne.rules documents 59-borne-local.rules");
    check_rules(&example).unwrap_or_else(|e| panic!("the 59-borne-local.rules example:\n{e}"));

    // Every id has a source: it is in the USB id database systemd ships, when the machine has it.
    let hwdb = Path::new("/usr/lib/udev/hwdb.d/20-usb-vendor-model.hwdb");
    match fs::read_to_string(hwdb) {
        Ok(db) => {
            for (vendor, product) in table.keys() {
                // The database writes usb:v04B8p0202* (upper-case hex), the rules 04b8 / 0202.
                let id = match product {
                    Some(product) => format!("usb:v{}p{}*", vendor.to_uppercase(), product.to_uppercase()),
                    None => format!("usb:v{}*", vendor.to_uppercase()),
                };
                assert!(db.contains(&id), "{id} is not in {}", hwdb.display());
            }
        }
        Err(e) => eprintln!("{}: {e}; ids not checked against it", hwdb.display()),
    }

    // The checker fails on an id named twice, an unknown key, an operator udev 252 refuses and a
    // name that is not Borne's.
    let conflicting = format!("{rules}\nATTRS{{idVendor}}==\"1a86\", ENV{{BORNE_DEVICE}}=\"reader\"\n");
    for broken in [
        conflicting.as_str(),
        "ATTRS{idVendor}==\"067b\", ATTRS{idProduct}==\"2303\", ENV{BORNE_DEVICE}=\"reader\"\n\
         ATTRS{idVendor}==\"067b\", ATTRS{idProduct}==\"2303\", ENV{BORNE_DEVICE}=\"printer\"\n",
        "SUBSYSTEM==\"tty\", FOOBAR=\"1\"\n",
        "SUBSYSTEM==\"tty\", SYMLINK-=\"borne-printer\"\n",
        "SUBSYSTEM==\"tty\", SYMLINK+=\"ttyPrinter\"\n",
        "SUBSYSTEM==\"tty\" SYMLINK+=\"borne-printer\"\n",
    ] {
        let error = check_rules(broken).expect_err("a broken rules file must fail");
        eprintln!("negative case, failed as it should: {}", error.replace('\n', "; "));
    }
}
