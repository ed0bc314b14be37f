//! Random, valid rule files over the columns of `route generate`, for the
//! SQL differential test (`tests/warehouse_random.rs`).
//!
//! Literals, list items and table keys are cells of the lead file the
//! rules will route, read with the library's own normalizers: tests hit
//! some leads and miss others, and keys are unique as the checker reads
//! them. Every field type, test, list and table form, queue method and
//! queue option of the language turns up. A rule set is a pure function
//! of its seed and the lead file (proptest's ChaCha generator).

use proptest::prelude::RngExt;
use proptest::test_runner::{RngAlgorithm, TestRng};
use route::values::{company, country, email, number, phone, state, text, zip};
use std::collections::HashSet;

/// A rule file and the data files it names, which go beside it.
pub struct RuleSet {
    pub text: String,
    pub files: Vec<(String, String)>,
}

impl RuleSet {
    /// The rule file and its data files, to print when a check fails.
    pub fn show(&self) -> String {
        let mut out = self.text.clone();
        for (name, body) in &self.files {
            out.push_str(&format!("\n--- {name}\n{body}"));
        }
        out
    }
}

/// The distinct cells of each column of a lead file.
pub struct Vocabulary {
    columns: Vec<(String, Vec<String>)>,
}

impl Vocabulary {
    /// From the rows of a lead file, header first. Cells with control
    /// characters or `#` are left out: they cannot be written in a rule's
    /// string or a list file's line.
    pub fn new(rows: &[csv::StringRecord]) -> Vocabulary {
        let columns = rows[0]
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let mut seen = HashSet::new();
                let cells = rows[1..]
                    .iter()
                    .filter_map(|r| r.get(i))
                    .filter(|c| !c.contains(|ch: char| ch.is_control() || ch == '#'))
                    .filter(|c| seen.insert(c.to_string()))
                    .map(str::to_string)
                    .collect();
                (name.to_string(), cells)
            })
            .collect();
        Vocabulary { columns }
    }

    fn cells(&self, column: &str) -> &[String] {
        let (_, cells) = self
            .columns
            .iter()
            .find(|(c, _)| c == column)
            .unwrap_or_else(|| panic!("the leads have no column {column}"));
        cells
    }
}

/// What a value is, for the literals and tests it takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Country,
    State,
    Zip,
    Employees,
    Revenue,
    Area,
    Domain,
    /// A `text` field, by its column.
    Text(&'static str),
    Email,
    Phone,
    Company,
}

impl Kind {
    fn numeric(self) -> bool {
        matches!(
            self,
            Kind::Zip | Kind::Employees | Kind::Revenue | Kind::Area
        )
    }

    /// Whether text tests (`starts with` …) apply.
    fn textual(self) -> bool {
        matches!(
            self,
            Kind::Domain | Kind::Text(_) | Kind::Email | Kind::Phone | Kind::Company
        )
    }
}

const FIELDS: &str = r#"field first     text    "First Name"
field last      text    "Last Name"
field email     email   "Email"
field site      domain  "Email"
field company   company "Company"
field country   country "Country"
field state     state   "State"
field zip       zip     "Postal Code"
field employees number  "Employees"
field revenue   money   "Annual Revenue"
field industry  text    "Industry"
field phone     phone   "Phone"
"#;

/// Every value of the fields above, with its kind.
const VALUES: &[(&str, Kind)] = &[
    ("country", Kind::Country),
    ("phone.country", Kind::Country),
    ("state", Kind::State),
    ("phone.state", Kind::State),
    ("zip", Kind::Zip),
    ("employees", Kind::Employees),
    ("revenue", Kind::Revenue),
    ("phone.area", Kind::Area),
    ("email.domain", Kind::Domain),
    ("site", Kind::Domain),
    ("first", Kind::Text("First Name")),
    ("last", Kind::Text("Last Name")),
    ("industry", Kind::Text("Industry")),
    ("lead_id", Kind::Text("Lead ID")),
    ("email", Kind::Email),
    ("phone", Kind::Phone),
    ("company", Kind::Company),
];

const QUEUE_NAMES: &[&str] = &[
    "inbound",
    "emea",
    "apac",
    "smb_pool",
    "enterprise",
    "public",
    "na_desk",
    "spill",
];
const DESKS: &[&str] = &["emea", "apac", "na", "gov", "Health Care", "fin"];
const LABELS: &[&str] = &["tiny", "small", "mid", "large", "huge"];
/// Reps `r0@x.example` … are in the reps file (when there is one); the
/// outsiders are members the reps file does not know. Queue `q` mostly
/// takes its members from its own `REPS_PER_QUEUE` reps: see [`Gen::queue`].
const REPS: usize = 18;
const REPS_PER_QUEUE: usize = 3;
const OUTSIDERS: &[&str] = &["o1@y.example", "o2@y.example"];
const TEAMS: &[&str] = &["t0", "t1", "t2"];
const RULE_NAMES: &[&str] = &[
    "Rule {}",
    "Rule {}: O'Brien's",
    "Règle {} « é »",
    "Rule {} \"quoted\"",
    "Rule {}, with a comma",
];

struct Tier {
    name: String,
    labels: Vec<String>,
}

struct Table {
    name: String,
    /// The values it can be searched with.
    keys: Vec<String>,
    /// Columns holding queue names and owners.
    destinations: Vec<String>,
    /// Other text columns, and the values in them.
    texts: Vec<(String, Vec<String>)>,
    /// The kind of its keys, `None` for desk names (text).
    kind: Option<Kind>,
}

struct Gen<'v> {
    rng: TestRng,
    vocab: &'v Vocabulary,
    /// Data file names start with it, so that rule sets can share a folder.
    prefix: String,
    queues: Vec<String>,
    lists: Vec<(String, Kind)>,
    tables: Vec<Table>,
    tiers: Vec<(Tier, Kind)>,
    /// Teams with at least one rep in the reps file.
    teams: Vec<&'static str>,
    files: Vec<(String, String)>,
}

/// A random rule set; data files are named `{prefix}…`.
pub fn rule_set(seed: u64, vocab: &Vocabulary, prefix: &str) -> RuleSet {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut g = Gen {
        rng: TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
        vocab,
        prefix: prefix.to_string(),
        queues: Vec::new(),
        lists: Vec::new(),
        tables: Vec::new(),
        tiers: Vec::new(),
        teams: Vec::new(),
        files: Vec::new(),
    };
    let text = g.file();
    RuleSet {
        text,
        files: g.files,
    }
}

impl Gen<'_> {
    fn below(&mut self, n: usize) -> usize {
        self.rng.random_range(0..n)
    }

    fn chance(&mut self, percent: u32) -> bool {
        self.rng.random_ratio(percent, 100)
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }

    fn file(&mut self) -> String {
        let mut out = String::from("routing \"random\"\n\nfield lead_id   text    \"Lead ID\"");
        out.push_str(if self.chance(50) { " key\n" } else { "\n" });
        out.push_str(FIELDS);
        self.queues = QUEUE_NAMES[..3 + self.below(4)]
            .iter()
            .map(|q| q.to_string())
            .collect();
        let reps = self.chance(70).then(|| self.reps());
        for decl in [self.tiers(), self.lists(), self.tables()] {
            out.push('\n');
            out.push_str(&decl);
        }
        if let Some(reps) = reps {
            out.push_str(&reps);
        }
        out.push('\n');
        for q in 0..self.queues.len() {
            out.push_str(&self.queue(q));
        }
        out.push('\n');
        for i in 0..1 + self.below(7) {
            let name = self.pick(RULE_NAMES).replace("{}", &i.to_string());
            let cond = self.cond(2);
            let dest = self.destination();
            out.push_str(&format!(
                "rule {}\n  when {cond}\n  to {dest}\n",
                quote(&name)
            ));
        }
        // Without a default, or with a default lookup, the checker finds
        // leads that match no rule and rejects the file.
        let default = self.pick_queue();
        out.push_str(&format!("default to {default}\n"));
        out
    }

    fn pick_queue(&mut self) -> String {
        let i = self.below(self.queues.len());
        self.queues[i].clone()
    }

    // -----------------------------------------------------------------
    // Literals

    /// A cell of a lead column.
    fn cell(&mut self, column: &str) -> String {
        let vocab = self.vocab;
        let cells = vocab.cells(column);
        cells[self.below(cells.len())].trim().to_string()
    }

    /// A literal of a kind, as in a data file (see [`written`] for a
    /// rule), and its normalized key (for keeping list items and table keys
    /// distinct).
    fn literal(&mut self, kind: Kind) -> (String, String) {
        for _ in 0..100 {
            if let Some(found) = self.try_literal(kind) {
                return found;
            }
        }
        panic!("no {kind:?} value in the leads")
    }

    fn try_literal(&mut self, kind: Kind) -> Option<(String, String)> {
        let number = |n: i64, spelled: String| Some((spelled, n.to_string()));
        match kind {
            Kind::Country => {
                let raw = self.cell("Country");
                let code = country::parse_country(&raw)?.code().to_string();
                Some((raw, code))
            }
            Kind::State => {
                let raw = self.cell("State");
                let code = state::parse_state(&raw)?.code().to_string();
                Some((raw, code))
            }
            Kind::Zip => {
                let n = i64::from(zip::parse_zip(&self.cell("Postal Code"))?);
                number(n, format!("{n:05}"))
            }
            Kind::Employees => {
                let n = number::parse_number(&self.cell("Employees")).filter(|n| *n >= 0)?;
                let n = self.round(n);
                number(n, spell(n))
            }
            Kind::Revenue => {
                let cents =
                    number::parse_money(&self.cell("Annual Revenue")).filter(|c| *c >= 0)?;
                if self.chance(20) {
                    let s = format!("{}.{:02}", cents / 100, cents % 100);
                    return number(cents, s);
                }
                let n = self.round(cents / 100);
                number(n * 100, spell(n))
            }
            Kind::Area => {
                let n = i64::from(phone::parse_phone(&self.cell("Phone"))?.area?);
                number(n, n.to_string())
            }
            Kind::Domain => {
                let d = email::parse_email_domain(&self.cell("Email"))?;
                let parents: Vec<&str> = email::parent_domains(&d).collect();
                let d = parents[self.below(parents.len())].to_string();
                Some((d.clone(), d))
            }
            Kind::Text(column) => {
                let raw = self.cell(column);
                let key = text::normalize_text(&raw)?;
                Some((raw, key))
            }
            Kind::Email => {
                let raw = self.cell("Email");
                let key = email::parse_email(&raw)?.address;
                Some((raw, key))
            }
            Kind::Phone => {
                let raw = self.cell("Phone");
                let key = phone::parse_phone(&raw)?.digits;
                Some((raw, key))
            }
            Kind::Company => {
                let raw = self.cell("Company");
                let key = company::company_key(&raw)?;
                Some((raw, key))
            }
        }
    }

    /// `n` to one or two significant digits, usually: round thresholds.
    fn round(&mut self, n: i64) -> i64 {
        if self.chance(25) || n < 10 {
            return n;
        }
        let digits = if self.chance(50) { 1 } else { 2 };
        let unit = 10i64.pow((n.ilog10() + 1).saturating_sub(digits));
        n / unit * unit
    }

    /// Distinct literals of a kind (by normalized key).
    fn literals(&mut self, kind: Kind, n: usize) -> Vec<(String, String)> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for _ in 0..n * 4 {
            let (lit, key) = self.literal(kind);
            if out.len() < n && seen.insert(key.clone()) {
                out.push((lit, key));
            }
        }
        out
    }

    /// A pattern for `starts with`, `ends with` or `contains`: a piece of
    /// a value as the checker reads it, in some case.
    fn pattern(&mut self, kind: Kind, how: &str) -> String {
        let (_, key) = self.literal(kind);
        if kind == Kind::Domain && how == "ends with" && self.chance(50) {
            // A top-level or registry domain, the usual `ends with ".gov"`.
            let parent = email::parent_domains(&key).last().unwrap_or("com");
            return quote(&format!(".{parent}"));
        }
        let chars: Vec<char> = key.chars().collect();
        let len = (1 + self.below(5)).min(chars.len());
        let start = match how {
            "starts with" => 0,
            "ends with" => chars.len() - len,
            _ => self.below(chars.len() - len + 1),
        };
        let piece: String = chars[start..start + len].iter().collect();
        // A company pattern is read as a company name: a piece that is a
        // legal suffix alone would never match and is an error.
        let piece = match kind {
            Kind::Company if company::company_key(&piece).is_none() => key,
            _ => piece,
        };
        quote(&if self.chance(30) {
            piece.to_uppercase()
        } else {
            piece
        })
    }

    // -----------------------------------------------------------------
    // Declarations

    fn tiers(&mut self) -> String {
        let mut out = String::new();
        for (name, field, kind) in [
            ("size", "employees", Kind::Employees),
            ("spend", "revenue", Kind::Revenue),
            ("zone", "zip", Kind::Zip),
        ] {
            if !self.chance(50) {
                continue;
            }
            let mut bounds: Vec<(i64, String)> = (0..1 + self.below(3))
                .map(|_| {
                    let (lit, key) = self.literal(kind);
                    (number_key(&key), lit)
                })
                .collect();
            bounds.sort();
            bounds.dedup_by_key(|b| b.0);
            let mut bands = vec![format!("< {}", bounds[0].1)];
            for pair in bounds.windows(2) {
                bands.push(if self.chance(50) {
                    format!("{}..<{}", pair[0].1, pair[1].1)
                } else {
                    // `A..B` then `> B`-style gaps: tier-gap warnings only.
                    format!("{}..{}", pair[0].1, pair[0].1)
                });
            }
            bands.push(format!(">= {}", bounds[bounds.len() - 1].1));
            if bands.len() > 2 && self.chance(25) {
                bands.remove(0);
            }
            let labels: Vec<String> = LABELS[..bands.len()]
                .iter()
                .map(|l| l.to_string())
                .collect();
            out.push_str(&format!("tier {name} by {field} {{\n"));
            for (label, band) in labels.iter().zip(&bands) {
                out.push_str(&format!("  {label} {band}\n"));
            }
            out.push_str("}\n");
            let name = name.to_string();
            self.tiers.push((Tier { name, labels }, kind));
        }
        out
    }

    fn lists(&mut self) -> String {
        let mut out = String::new();
        for (name, kind) in [
            ("countries", Kind::Country),
            ("states", Kind::State),
            ("domains", Kind::Domain),
            ("industries", Kind::Text("Industry")),
            ("companies", Kind::Company),
        ] {
            if !self.chance(40) {
                continue;
            }
            let n = 1 + self.below(6);
            let items = self.literals(kind, n);
            if self.chance(50) {
                let items: Vec<String> = items.iter().map(|(l, _)| written(kind, l)).collect();
                out.push_str(&format!("list {name} [{}]\n", items.join(", ")));
            } else {
                let file = format!("{}{name}.txt", self.prefix);
                let mut body = String::from("# one per line\n\n");
                for (lit, _) in items {
                    body.push_str(&lit);
                    body.push('\n');
                }
                out.push_str(&format!("list {name} {}\n", quote(&file)));
                self.files.push((file, body));
            }
            self.lists.push((name.to_string(), kind));
        }
        out
    }

    /// A cell naming where a lead goes: a queue (any case, padded), an
    /// owner, or nothing (the rule then does not match).
    fn destination_cell(&mut self) -> String {
        match self.below(15) {
            0 => String::new(),
            1..=3 => {
                let rep = self.member();
                if self.chance(20) {
                    rep.to_uppercase()
                } else {
                    rep
                }
            }
            4 => format!(" {} ", self.pick_queue().to_uppercase()),
            _ => self.pick_queue(),
        }
    }

    fn member(&mut self) -> String {
        if self.chance(80) {
            format!("r{}@x.example", self.below(REPS))
        } else {
            self.pick(OUTSIDERS).to_string()
        }
    }

    fn tables(&mut self) -> String {
        let mut out = String::new();
        for (name, kind, key) in [
            ("accounts", Kind::Domain, "domain"),
            ("regions", Kind::Country, "country"),
            ("verticals", Kind::Text("Industry"), "industry"),
            ("by_state", Kind::State, "state"),
            ("by_company", Kind::Company, "company"),
        ] {
            if self.chance(45) {
                out.push_str(&self.keyed_table(name, kind, key));
            }
        }
        if self.chance(40) {
            out.push_str(&self.range_table("territories", Kind::Zip));
        }
        if self.chance(40) {
            let kind = self.pick(&[Kind::Employees, Kind::Revenue, Kind::Area]);
            out.push_str(&self.range_table("bands", kind));
        }
        let desk_keys: Vec<String> = self
            .tables
            .iter()
            .filter(|t| t.texts.iter().any(|(c, _)| c == "desk"))
            .flat_map(|t| t.keys.iter().map(move |k| format!("{}[{k}].desk", t.name)))
            .collect();
        if !desk_keys.is_empty() && self.chance(60) {
            let mut rows = vec![vec!["desk".to_string(), "queue".to_string()]];
            for desk in DESKS {
                if self.chance(70) {
                    rows.push(vec![desk.to_string(), self.destination_cell()]);
                }
            }
            out.push_str(&self.write_table("desks", "key desk", &rows));
            self.tables.push(Table {
                name: "desks".into(),
                keys: desk_keys,
                destinations: vec!["queue".into()],
                texts: Vec::new(),
                kind: None,
            });
        }
        out
    }

    fn keyed_table(&mut self, name: &str, kind: Kind, key: &str) -> String {
        let n = 2 + self.below(7);
        let mut rows = vec![vec![key.into(), "queue".into(), "desk".into()]];
        for (lit, _) in self.literals(kind, n) {
            let desk = if self.chance(15) {
                String::new()
            } else {
                self.pick(DESKS).to_string()
            };
            rows.push(vec![lit, self.destination_cell(), desk]);
        }
        self.finish_table(name, kind, &format!("key {key}"), rows)
    }

    /// Ranges that do not overlap, from sorted distinct bounds.
    fn range_table(&mut self, name: &str, kind: Kind) -> String {
        let mut bounds: Vec<i64> = (0..3 + self.below(9))
            .map(|_| number_key(&self.literal(kind).1))
            .collect();
        bounds.sort();
        bounds.dedup();
        let mut rows = vec![vec![
            "lo".into(),
            "hi".into(),
            "queue".into(),
            "desk".into(),
        ]];
        for pair in bounds.windows(2) {
            if self.chance(80) {
                let desk = self.pick(DESKS).to_string();
                let from = range_cell(kind, pair[0]);
                let to = range_cell(kind, (pair[1] - 1).max(pair[0]));
                rows.push(vec![from, to, self.destination_cell(), desk]);
            }
        }
        self.finish_table(name, kind, "range lo hi", rows)
    }

    fn finish_table(
        &mut self,
        name: &str,
        kind: Kind,
        how: &str,
        rows: Vec<Vec<String>>,
    ) -> String {
        let decl = self.write_table(name, how, &rows);
        let desks = rows[1..].iter().map(|r| r[r.len() - 1].clone()).collect();
        self.tables.push(Table {
            name: name.into(),
            keys: VALUES
                .iter()
                .filter(|(_, k)| *k == kind)
                .map(|(v, _)| v.to_string())
                .collect(),
            destinations: vec!["queue".into()],
            texts: vec![("desk".into(), desks)],
            kind: Some(kind),
        });
        decl
    }

    fn write_table(&mut self, name: &str, how: &str, rows: &[Vec<String>]) -> String {
        let file = format!("{}{name}.csv", self.prefix);
        let mut w = csv::Writer::from_writer(Vec::new());
        for row in rows {
            w.write_record(row).expect("a CSV row");
        }
        let body = String::from_utf8(w.into_inner().expect("CSV bytes")).expect("UTF-8");
        self.files.push((file.clone(), body));
        format!("table {name} {} {how}\n", quote(&file))
    }

    /// A reps file: teams, weights, caps, and away dates around the run
    /// date (2026-11-25).
    fn reps(&mut self) -> String {
        let file = format!("{}reps.csv", self.prefix);
        let mut body = String::from("rep,team,weight,daily_cap,away_from,away_to\n");
        for r in 0..REPS {
            let team = self.pick(TEAMS);
            if !self.teams.contains(&team) {
                self.teams.push(team);
            }
            let weight = match self.below(3) {
                0 => String::new(),
                _ => (1 + self.below(4)).to_string(),
            };
            let cap = match self.below(10) {
                0..=5 => String::new(),
                6 => "0".into(),
                _ => (1 + self.below(8)).to_string(),
            };
            let away = match self.below(10) {
                0 => "2026-11-20,2026-11-30",
                1 => "2026-11-25,2026-11-25",
                2 => "2026-11-01,2026-11-24",
                3 => "2026-11-26,2026-12-05",
                _ => ",",
            };
            body.push_str(&format!("r{r}@x.example,{team},{weight},{cap},{away}\n"));
        }
        self.files.push((file.clone(), body));
        format!("reps {}\n", quote(&file))
    }

    /// A queue of any method and options. Members mostly come from the
    /// queue's own reps and caps are small: the SQL simulates queues that
    /// share capped members lead by lead until every cap is reached (a
    /// DuckDB recursion step costs milliseconds), so members shared widely
    /// with large caps would make one rule set take minutes. Some members
    /// are still shared, and teams mix freely.
    fn queue(&mut self, q: usize) -> String {
        let name = self.queues[q].clone();
        let method = match self.below(20) {
            0..=3 => return format!("queue {name}\n"),
            4..=6 => return format!("queue {name} shark_tank\n"),
            7..=13 => "round_robin",
            _ => "load_balance",
        };
        let members = if !self.teams.is_empty() && self.chance(20) {
            format!("team {}", quote(self.pick(&self.teams.clone())))
        } else {
            let mut members: Vec<String> = Vec::new();
            for _ in 0..1 + self.below(4) {
                let m = if self.chance(15) {
                    self.member()
                } else {
                    format!(
                        "r{}@x.example",
                        q * REPS_PER_QUEUE + self.below(REPS_PER_QUEUE)
                    )
                };
                if !members.contains(&m) {
                    members.push(m);
                }
            }
            let quoted: Vec<String> = members.iter().map(|m| quote(m)).collect();
            format!("[{}]", quoted.join(", "))
        };
        let mut options = Vec::new();
        if self.chance(35) {
            let cap = match self.below(6) {
                0 => 0,
                _ => 1 + self.below(8),
            };
            options.push(format!("cap {cap} per day"));
        }
        if self.chance(30) {
            let sticky = self.sticky_value();
            options.push(format!("sticky by {sticky}"));
        }
        if self.chance(35) {
            let others: Vec<String> = self
                .queues
                .iter()
                .filter(|o| **o != name)
                .cloned()
                .collect();
            let to = others[self.below(others.len())].clone();
            options.push(format!("overflow to {to}"));
        }
        let options = if options.is_empty() {
            String::new()
        } else {
            format!(" {{\n  {}\n}}", options.join("\n  "))
        };
        format!("queue {name} {method} {members}{options}\n")
    }

    fn sticky_value(&mut self) -> String {
        match self.below(10) {
            0 if !self.tiers.is_empty() => {
                let t = self.below(self.tiers.len());
                self.tiers[t].0.name.clone()
            }
            1 if !self.tables.is_empty() => self.cell_value().0,
            _ => self.pick(VALUES).0.to_string(),
        }
    }

    // -----------------------------------------------------------------
    // Rules

    fn destination(&mut self) -> String {
        if self.chance(30) {
            self.lookup_destination()
        } else {
            self.pick_queue()
        }
    }

    /// `TABLE[VALUE].queue`, or a queue when there is no table.
    fn lookup_destination(&mut self) -> String {
        if self.tables.is_empty() {
            return self.pick_queue();
        }
        let t = self.below(self.tables.len());
        let key = self.pick(&self.tables[t].keys.clone());
        let column = self.tables[t].destinations[0].clone();
        format!("{}[{key}].{column}", self.tables[t].name)
    }

    fn cond(&mut self, depth: u32) -> String {
        if depth == 0 {
            return self.test();
        }
        match self.below(10) {
            0..=4 => self.test(),
            5..=6 => format!("({} and {})", self.cond(depth - 1), self.cond(depth - 1)),
            7..=8 => format!("({} or {})", self.cond(depth - 1), self.cond(depth - 1)),
            _ => format!("not {}", self.cond(depth - 1)),
        }
    }

    fn test(&mut self) -> String {
        if self.chance(8) {
            let (value, _) = self.pick(VALUES);
            let how = if self.chance(50) {
                "missing"
            } else {
                "present"
            };
            return format!("{value} is {how}");
        }
        match self.below(10) {
            0 if !self.tiers.is_empty() => self.tier_test(),
            1 if !self.tables.is_empty() => self.cell_test(),
            _ => {
                let (value, kind) = self.pick(VALUES);
                let test = self.scalar_test(kind);
                format!("{value} {test}")
            }
        }
    }

    fn tier_test(&mut self) -> String {
        let t = self.below(self.tiers.len());
        let labels = self.tiers[t].0.labels.clone();
        let name = self.tiers[t].0.name.clone();
        let one = self.pick(&labels);
        let two = self.pick(&labels);
        match self.below(5) {
            0 => format!("{name} is {one}"),
            1 => format!("{name} is not {one}"),
            2 => format!("{name} not in [{one}, {two}]"),
            3 => format!("{name} is missing"),
            _ => format!("{name} in [{one}, {two}]"),
        }
    }

    /// A table cell read by a lookup: `TABLE[VALUE].COLUMN` and the values
    /// that column holds.
    fn cell_value(&mut self) -> (String, Vec<String>) {
        let t = self.below(self.tables.len());
        let key = self.pick(&self.tables[t].keys.clone());
        let table = &self.tables[t];
        match table.texts.first() {
            Some((column, values)) => (format!("{}[{key}].{column}", table.name), values.clone()),
            None => (format!("{}[{key}].queue", table.name), self.queues.clone()),
        }
    }

    fn cell_test(&mut self) -> String {
        let (value, cells) = self.cell_value();
        let cells: Vec<String> = cells.into_iter().filter(|c| !c.trim().is_empty()).collect();
        if cells.is_empty() {
            return format!("{value} is missing");
        }
        let one = self.pick(&cells);
        let two = quote(&self.pick(&cells));
        let desks = self.tables.iter().any(|t| t.name == "desks");
        match self.below(6) {
            0 => format!("{value} is {}", quote(&one)),
            1 => format!("{value} in [{}, {two}]", quote(&one)),
            2 => format!("{value} is missing"),
            3 => {
                let chars: Vec<char> = one.trim().chars().collect();
                let at = self.below(chars.len());
                format!("{value} contains {}", quote(&chars[at].to_string()))
            }
            4 if desks => format!("{value} in desks"),
            _ => format!("{value} is not {}", quote(&one)),
        }
    }

    /// A test of a value of `kind`, after the value.
    fn scalar_test(&mut self, kind: Kind) -> String {
        let set_of = |g: &mut Self| {
            let items: Vec<String> = {
                let n = 1 + g.below(4);
                g.literals(kind, n)
                    .iter()
                    .map(|(l, _)| written(kind, l))
                    .collect()
            };
            format!("[{}]", items.join(", "))
        };
        let list: Vec<String> = self
            .lists
            .iter()
            .filter(|(_, k)| *k == kind)
            .map(|(n, _)| n.clone())
            .collect();
        let table: Vec<String> = self
            .tables
            .iter()
            .filter(|t| t.kind == Some(kind))
            .map(|t| t.name.clone())
            .collect();
        let roll = self.below(12);
        match roll {
            0 if !list.is_empty() => format!("in {}", self.pick(&list)),
            1 if !table.is_empty() => format!("in {}", self.pick(&table)),
            2 if !list.is_empty() || !table.is_empty() => {
                let both: Vec<String> = list.iter().chain(&table).cloned().collect();
                format!("not in {}", self.pick(&both))
            }
            _ if kind.numeric() => self.numeric_test(kind),
            3..=5 if kind.textual() => {
                let how = self.pick(&["starts with", "ends with", "contains"]);
                if self.chance(30) {
                    let a = self.pattern(kind, how);
                    let b = self.pattern(kind, how);
                    format!("{how} [{a}, {b}]")
                } else {
                    format!("{how} {}", self.pattern(kind, how))
                }
            }
            6 => format!("is not {}", written(kind, &self.literal(kind).0)),
            7 => format!("not in {}", set_of(self)),
            8 | 9 => format!("in {}", set_of(self)),
            _ => format!("is {}", written(kind, &self.literal(kind).0)),
        }
    }

    fn numeric_test(&mut self, kind: Kind) -> String {
        let (a, an) = self.literal(kind);
        let (b, bn) = self.literal(kind);
        let (an, bn) = (number_key(&an), number_key(&bn));
        let (lo, hi) = if an <= bn { (&a, &b) } else { (&b, &a) };
        match self.below(9) {
            0 => format!("< {a}"),
            1 => format!("<= {a}"),
            2 => format!("> {a}"),
            3 => format!(">= {a}"),
            4 => format!("in {lo}..{hi}"),
            5 if an != bn => format!("in {lo}..<{hi}"),
            6 => format!("not in {lo}..{hi}"),
            7 => format!("is {a}"),
            _ => format!("in [{a}, {b}]"),
        }
    }
}

/// A string literal of the language.
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A literal as written in a rule: numbers bare, the rest quoted.
fn written(kind: Kind, raw: &str) -> String {
    if kind.numeric() {
        raw.to_string()
    } else {
        quote(raw)
    }
}

/// A whole number as an operations person writes it: `5k`, `2.5M`, `1200`.
fn spell(n: i64) -> String {
    for (unit, suffix) in [(1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")] {
        if n >= unit && n % (unit / 10) == 0 {
            let tenths = n % unit / (unit / 10);
            return match tenths {
                0 => format!("{}{suffix}", n / unit),
                _ => format!("{}.{tenths}{suffix}", n / unit),
            };
        }
    }
    n.to_string()
}

/// The normalized key of a numeric literal (money in cents).
fn number_key(key: &str) -> i64 {
    key.parse().expect("a numeric key")
}

/// A range table cell: money keys are cents, the file holds amounts;
/// ZIPs have five digits.
fn range_cell(kind: Kind, n: i64) -> String {
    match kind {
        Kind::Revenue => format!("{}.{:02}", n / 100, n % 100),
        Kind::Zip => format!("{n:05}"),
        _ => n.to_string(),
    }
}
