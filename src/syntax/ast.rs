//! The typed syntax tree. Every node that a diagnostic can point at carries
//! the byte span of its source text.

use std::ops::Range;

pub type Span = Range<usize>;

/// A name or string as written, with where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Spanned<T> {
    pub node: T,
    pub span: Span,
}

pub type Ident = Spanned<String>;

#[derive(Clone, Debug, Default)]
pub struct File {
    pub header: Option<Spanned<String>>,
    pub fields: Vec<FieldDecl>,
    pub tiers: Vec<TierDecl>,
    pub lists: Vec<ListDecl>,
    pub tables: Vec<TableDecl>,
    pub reps: Vec<DataFile>,
    pub queues: Vec<QueueDecl>,
    pub rules: Vec<RuleDecl>,
    pub defaults: Vec<DefaultDecl>,
}

#[derive(Clone, Debug)]
pub struct FieldDecl {
    pub name: Ident,
    pub ty: Ident,
    pub column: Option<Spanned<String>>,
    pub key: bool,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct TierDecl {
    pub name: Ident,
    pub field: Ident,
    pub bands: Vec<Band>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Band {
    pub label: Ident,
    pub bound: Bound,
    pub span: Span,
}

/// A numeric comparison or range, as in tier bands and `VALUE < N` tests.
#[derive(Clone, Debug, PartialEq)]
pub enum Bound {
    Less(NumberLit),
    LessEq(NumberLit),
    Greater(NumberLit),
    GreaterEq(NumberLit),
    Range(RangeLit),
}

/// A number literal: its exact value in millionths, as written.
#[derive(Clone, Debug, PartialEq)]
pub struct NumberLit {
    pub micros: i128,
    /// False when digits below a millionth were dropped: never whole.
    pub exact: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RangeLit {
    pub from: NumberLit,
    pub to: NumberLit,
    /// `A..<B` leaves B out.
    pub exclusive: bool,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct ListDecl {
    pub name: Ident,
    pub source: ListSource,
    pub span: Span,
}

/// A data file named in the rules, with the sheet to read if it is a workbook.
#[derive(Clone, Debug)]
pub struct DataFile {
    pub path: Spanned<String>,
    pub sheet: Option<Spanned<String>>,
}

impl DataFile {
    /// From the file name to the end of `sheet "NAME"`, if any.
    pub fn span(&self) -> Span {
        let end = self
            .sheet
            .as_ref()
            .map_or(self.path.span.end, |s| s.span.end);
        self.path.span.start..end
    }
}

#[derive(Clone, Debug)]
pub enum ListSource {
    File(DataFile),
    Inline(Vec<Literal>),
}

#[derive(Clone, Debug)]
pub struct TableDecl {
    pub name: Ident,
    pub file: DataFile,
    pub kind: TableKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum TableKind {
    Key(Spanned<String>),
    Range(Spanned<String>, Spanned<String>),
}

#[derive(Clone, Debug, PartialEq, Eq, Copy)]
pub enum Method {
    RoundRobin,
    LoadBalance,
    SharkTank,
}

#[derive(Clone, Debug)]
pub enum Members {
    Emails(Vec<Spanned<String>>),
    Team(Spanned<String>),
}

#[derive(Clone, Debug)]
pub struct QueueDecl {
    pub name: Ident,
    pub method: Option<Spanned<Method>>,
    pub members: Option<Members>,
    pub cap: Option<NumberLit>,
    pub sticky: Option<Value>,
    pub overflow: Option<Ident>,
    /// `claim limit N`.
    pub claim_limit: Option<NumberLit>,
    /// `release after N hours|days`.
    pub release_after: Option<ReleaseAfter>,
    pub span: Span,
}

/// `release after N hours|days`, as written.
#[derive(Clone, Debug)]
pub struct ReleaseAfter {
    pub amount: NumberLit,
    pub unit: Spanned<TimeUnit>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeUnit {
    Hours,
    Days,
}

#[derive(Clone, Debug)]
pub struct RuleDecl {
    pub name: Spanned<String>,
    pub condition: Condition,
    pub destination: Destination,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct DefaultDecl {
    pub destination: Destination,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum Destination {
    Queue(Ident),
    Lookup(Lookup),
}

impl Destination {
    pub fn span(&self) -> Span {
        match self {
            Destination::Queue(q) => q.span.clone(),
            Destination::Lookup(l) => l.span.clone(),
        }
    }
}

#[derive(Clone, Debug)]
pub enum Condition {
    Or(Vec<Condition>),
    And(Vec<Condition>),
    Not(Box<Condition>, Span),
    Test(Box<Test>),
}

#[derive(Clone, Debug)]
pub struct Test {
    pub value: Value,
    pub op: TestOp,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum TestOp {
    IsMissing,
    IsPresent,
    Is(Literal),
    IsNot(Literal),
    In(Set),
    NotIn(Set),
    Compare(Bound),
    StartsWith(Vec<Spanned<String>>),
    EndsWith(Vec<Spanned<String>>),
    Contains(Vec<Spanned<String>>),
}

/// Something a test reads from the lead.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A field or a tier.
    Name(Ident),
    /// `FIELD.domain`, `FIELD.country`, `FIELD.area`, `FIELD.state`.
    Accessor(Ident, Ident),
    Lookup(Lookup),
}

impl Value {
    pub fn span(&self) -> Span {
        match self {
            Value::Name(n) => n.span.clone(),
            Value::Accessor(a, b) => a.span.start..b.span.end,
            Value::Lookup(l) => l.span.clone(),
        }
    }
}

/// `TABLE[VALUE].COLUMN`
#[derive(Clone, Debug, PartialEq)]
pub struct Lookup {
    pub table: Ident,
    pub key: Box<Value>,
    pub column: Ident,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    String(Spanned<String>),
    Number(NumberLit),
    Range(RangeLit),
    /// A bare word: a tier label.
    Word(Ident),
}

impl Literal {
    pub fn span(&self) -> Span {
        match self {
            Literal::String(s) => s.span.clone(),
            Literal::Number(n) => n.span.clone(),
            Literal::Range(r) => r.span.clone(),
            Literal::Word(w) => w.span.clone(),
        }
    }
}

#[derive(Clone, Debug)]
pub enum Set {
    Items(Vec<Literal>, Span),
    Range(RangeLit),
    /// A list or table name.
    Named(Ident),
}
