//! The resolved program: names bound, literals normalized, data files loaded.
//! Every later stage (compile, eval, run, lints) reads this, never the AST.

use crate::diagnostics::FileId;
use crate::syntax::ast::Span;
use rustc_hash::FxHashMap as HashMap;

pub type FieldId = usize;
pub type TierId = usize;
pub type TableId = usize;
pub type QueueId = usize;
/// Index into [`Program::bases`].
pub type BaseId = usize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldType {
    Text,
    Number,
    Money,
    Zip,
    Email,
    Domain,
    Country,
    State,
    Phone,
    Company,
}

impl FieldType {
    pub const ALL: [(&'static str, FieldType); 10] = [
        ("text", FieldType::Text),
        ("number", FieldType::Number),
        ("money", FieldType::Money),
        ("zip", FieldType::Zip),
        ("email", FieldType::Email),
        ("domain", FieldType::Domain),
        ("country", FieldType::Country),
        ("state", FieldType::State),
        ("phone", FieldType::Phone),
        ("company", FieldType::Company),
    ];

    pub fn from_name(name: &str) -> Option<FieldType> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, t)| *t == self)
            .map_or("?", |(n, _)| n)
    }
}

/// The part of a field a value reads: the field itself or `.domain` etc.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Accessor {
    Whole,
    Domain,
    Country,
    Area,
    State,
}

impl Accessor {
    pub fn suffix(self) -> &'static str {
        match self {
            Accessor::Whole => "",
            Accessor::Domain => ".domain",
            Accessor::Country => ".country",
            Accessor::Area => ".area",
            Accessor::State => ".state",
        }
    }
}

/// How a normalized value is compared; decides its atoms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Whole numbers, ZIPs, area codes, money in cents.
    Numeric,
    /// Exact keys: text, email, company, phone digits.
    Text,
    /// Domains: a set holds a domain when it holds it or a parent.
    Domain,
    /// Country or state codes.
    Code,
}

/// One value read from a lead: a field, or an accessor of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Base {
    pub field: FieldId,
    pub accessor: Accessor,
    /// The type this value has (`email.domain` is a `domain`).
    pub ty: FieldType,
}

impl Base {
    pub fn kind(&self) -> Kind {
        kind_of(self.ty)
    }
}

pub fn kind_of(ty: FieldType) -> Kind {
    match ty {
        FieldType::Number | FieldType::Money | FieldType::Zip => Kind::Numeric,
        FieldType::Domain => Kind::Domain,
        FieldType::Country | FieldType::State => Kind::Code,
        FieldType::Text | FieldType::Email | FieldType::Phone | FieldType::Company => Kind::Text,
    }
}

/// A normalized value. Raw strings never reach later stages.
#[derive(Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scalar {
    Missing,
    Num(i64),
    Text(String),
    Code([u8; 2]),
}

impl Clone for Scalar {
    fn clone(&self) -> Self {
        match self {
            Scalar::Missing => Scalar::Missing,
            Scalar::Num(n) => Scalar::Num(*n),
            Scalar::Text(t) => Scalar::Text(t.clone()),
            Scalar::Code(c) => Scalar::Code(*c),
        }
    }

    /// A text copied into the text it replaces keeps that allocation (the
    /// derived `clone_from` drops it and allocates anew), so `route run`
    /// can copy leads' values batch after batch without allocating.
    fn clone_from(&mut self, source: &Self) {
        match (self, source) {
            (Scalar::Text(mine), Scalar::Text(text)) => mine.clone_from(text),
            (mine, source) => *mine = source.clone(),
        }
    }
}

impl Scalar {
    pub fn is_missing(&self) -> bool {
        matches!(self, Scalar::Missing)
    }

    /// How a value of a type reads for a person: money with its cents,
    /// ZIPs with their five digits.
    pub fn display_as(&self, ty: FieldType) -> String {
        match (self, ty) {
            (Scalar::Num(cents), FieldType::Money) => {
                let sign = if *cents < 0 { "-" } else { "" };
                format!(
                    "{sign}{}.{:02}",
                    (cents / 100).unsigned_abs(),
                    (cents % 100).unsigned_abs()
                )
            }
            (Scalar::Num(zip), FieldType::Zip) => format!("{zip:05}"),
            _ => self.display(),
        }
    }

    /// How the value reads in output and explain text.
    pub fn display(&self) -> String {
        match self {
            Scalar::Missing => "(missing)".into(),
            Scalar::Num(n) => n.to_string(),
            Scalar::Text(t) => t.clone(),
            Scalar::Code(c) => String::from_utf8_lossy(c).into_owned(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Field {
    pub name: String,
    pub ty: FieldType,
    pub column: String,
    pub key: bool,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Tier {
    pub name: String,
    pub field: FieldId,
    /// Bands as inclusive intervals of the field's numeric value.
    pub bands: Vec<(String, Interval)>,
    pub span: Span,
}

impl Tier {
    pub fn label_of(&self, n: i64) -> Option<usize> {
        self.bands.iter().position(|(_, iv)| iv.contains(n))
    }
}

/// An inclusive interval of numbers; `lo > hi` is empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Interval {
    pub lo: i64,
    pub hi: i64,
}

impl Interval {
    pub const ALL: Interval = Interval {
        lo: i64::MIN,
        hi: i64::MAX,
    };

    pub fn contains(&self, n: i64) -> bool {
        self.lo <= n && n <= self.hi
    }

    pub fn is_empty(&self) -> bool {
        self.lo > self.hi
    }
}

/// A table loaded from its CSV file.
#[derive(Clone, Debug)]
pub struct Table {
    pub name: String,
    pub file: FileId,
    pub columns: Vec<String>,
    /// Cell text of each data row, with the row's line in the file.
    pub rows: Vec<TableRow>,
    pub kind: TableLayout,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct TableRow {
    pub line: usize,
    pub cells: Vec<String>,
}

#[derive(Clone, Debug)]
pub enum TableLayout {
    Keyed { column: usize },
    Ranged { from: usize, to: usize },
}

/// How a table is searched with a value of one type.
#[derive(Clone, Debug, Default)]
pub struct TableIndex {
    /// Normalized key → row index (keyed tables).
    pub keys: HashMap<Scalar, usize>,
    /// Sorted, non-overlapping ranges → row index (range tables).
    pub ranges: Vec<(Interval, usize)>,
}

impl TableIndex {
    /// The row a value finds: domains find their nearest parent's row.
    pub fn find(&self, value: &Scalar, kind: Kind) -> Option<usize> {
        match value {
            Scalar::Missing => None,
            Scalar::Num(n) if !self.ranges.is_empty() => {
                let i = self.ranges.partition_point(|(iv, _)| iv.hi < *n);
                self.ranges
                    .get(i)
                    .filter(|(iv, _)| iv.contains(*n))
                    .map(|(_, row)| *row)
            }
            Scalar::Text(t) if kind == Kind::Domain => crate::values::email::parent_domains(t)
                .find_map(|d| self.keys.get(&Scalar::Text(d.to_string())).copied()),
            other => self.keys.get(other).copied(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Rep {
    pub email: String,
    pub team: String,
    pub weight: u32,
    pub daily_cap: Option<u32>,
    pub away: Option<(String, String)>,
    /// The `hours` column: outside them the rep takes no lead.
    pub hours: Option<crate::data::hours::WorkingHours>,
    pub line: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Hold,
    SharkTank,
    RoundRobin,
    LoadBalance,
}

#[derive(Clone, Debug)]
pub struct Queue {
    pub name: String,
    pub method: Method,
    pub members: Vec<String>,
    pub cap: Option<u32>,
    pub sticky: Option<ValueExpr>,
    pub overflow: Option<QueueId>,
    /// `claim limit N`: open leads of this queue a rep may hold at once.
    pub claim_limit: Option<u32>,
    /// `release after N hours|days`, in seconds: an open lead held this
    /// long without an outcome goes back (to the pool, or the next member).
    pub release_after: Option<i64>,
    pub span: Span,
}

/// Something a test reads: a base value, a tier of it, or a table lookup.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueExpr {
    Base(BaseId),
    Tier(TierId, BaseId),
    Lookup(Box<Lookup>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Lookup {
    pub table: TableId,
    /// Index of the table searched with the key's type.
    pub index: usize,
    pub key: ValueExpr,
    pub key_kind: Kind,
    pub column: usize,
}

impl ValueExpr {
    /// The base value this expression is a function of.
    pub fn base(&self) -> BaseId {
        match self {
            ValueExpr::Base(b) | ValueExpr::Tier(_, b) => *b,
            ValueExpr::Lookup(l) => l.key.base(),
        }
    }
}

/// What a test asks of a present value.
#[derive(Clone, Debug, PartialEq)]
pub enum Matcher {
    /// Always true (`is present`).
    Any,
    /// Never true (`is missing` checks only the missing case).
    Nothing,
    /// One of these values; domains also match a parent.
    OneOf(Vec<Scalar>),
    /// A number in one of these intervals.
    Within(Vec<Interval>),
    /// A row of the table matches.
    InTable {
        table: TableId,
        index: usize,
    },
    /// A tier label, by index into the tier's bands.
    Label(Vec<usize>),
    StartsWith(Vec<String>),
    EndsWith(Vec<String>),
    Contains(Vec<String>),
}

impl Matcher {
    /// Text tests, which no atom partition decides.
    pub fn is_text_pattern(&self) -> bool {
        matches!(
            self,
            Matcher::StartsWith(_) | Matcher::EndsWith(_) | Matcher::Contains(_)
        )
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Test {
    pub value: ValueExpr,
    pub matcher: Matcher,
    /// `is not` / `not in`: true for a present value the matcher rejects.
    pub negated: bool,
    /// The result for a missing value.
    pub on_missing: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    Test(Box<Test>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Dest {
    Queue(QueueId),
    /// A table cell that names a queue, or an owner (contains `@`).
    Lookup(Box<Lookup>),
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub name: String,
    pub cond: Cond,
    pub dest: Dest,
    pub span: Span,
    pub name_span: Span,
}

/// Where a lead ends up before distribution.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    Queue(QueueId),
    /// An owner named in a table: queue = the table's name.
    Owner {
        table: TableId,
        owner: String,
    },
}

/// The decision for one lead: which rule (None = default) sent it where.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Decision {
    Routed { rule: Option<usize>, target: Target },
    Unmatched,
}

#[derive(Clone, Debug)]
pub struct Program {
    pub name: Option<String>,
    pub file: FileId,
    pub fields: Vec<Field>,
    pub bases: Vec<Base>,
    pub tiers: Vec<Tier>,
    pub tables: Vec<Table>,
    /// Per table, one index per key type it is searched with.
    pub indexes: Vec<Vec<(Kind, FieldType, TableIndex)>>,
    pub reps: Vec<Rep>,
    pub queues: Vec<Queue>,
    pub rules: Vec<Rule>,
    pub default: Option<Dest>,
    pub default_span: Option<Span>,
}

impl Program {
    pub fn index(&self, table: TableId, index: usize) -> &TableIndex {
        &self.indexes[table][index].2
    }

    pub fn base_name(&self, b: BaseId) -> String {
        let base = &self.bases[b];
        format!("{}{}", self.fields[base.field].name, base.accessor.suffix())
    }

    pub fn key_field(&self) -> Option<FieldId> {
        self.fields.iter().position(|f| f.key)
    }

    /// `route_queue` text of a target.
    pub fn queue_name(&self, target: &Target) -> &str {
        match target {
            Target::Queue(q) => &self.queues[*q].name,
            Target::Owner { table, .. } => &self.tables[*table].name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Scalar;

    #[test]
    fn a_text_cloned_into_a_text_keeps_its_memory() {
        let mut kept = Scalar::Text(String::with_capacity(32));
        let Scalar::Text(before) = &kept else {
            unreachable!()
        };
        let before = before.as_ptr();
        kept.clone_from(&Scalar::Text("ibm.com".into()));
        assert_eq!(kept, Scalar::Text("ibm.com".into()));
        let Scalar::Text(after) = &kept else {
            unreachable!()
        };
        assert_eq!(after.as_ptr(), before);
        kept.clone_from(&Scalar::Num(5));
        assert_eq!(kept, Scalar::Num(5));
        kept.clone_from(&Scalar::Text("gov".into()));
        assert_eq!(kept, Scalar::Text("gov".into()));
    }
}
