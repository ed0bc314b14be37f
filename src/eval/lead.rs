//! A lead as the router sees it: each base value normalized once.

use crate::ir::{Accessor, FieldId, FieldType, Program, Scalar};
use crate::values::{self, is_placeholder};

/// The normalized values of one lead, indexed by `BaseId`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lead {
    pub values: Vec<Scalar>,
}

/// What reading one cell found, for the run summary's data-quality counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    Value,
    /// Empty or a placeholder such as `n/a`.
    Blank,
    /// Text that is not a value of the field's type.
    Unreadable,
}

/// Which bases each field feeds, so a field is parsed once per lead.
#[derive(Clone, Debug)]
pub struct Decoder {
    per_field: Vec<Vec<(Accessor, usize)>>,
    types: Vec<FieldType>,
    /// Bases over all fields.
    bases: usize,
}

impl Decoder {
    pub fn new(program: &Program) -> Self {
        let mut per_field = vec![Vec::new(); program.fields.len()];
        for (i, base) in program.bases.iter().enumerate() {
            per_field[base.field].push((base.accessor, i));
        }
        let types = program.fields.iter().map(|f| f.ty).collect();
        let bases = per_field.iter().map(Vec::len).sum();
        Decoder {
            per_field,
            types,
            bases,
        }
    }

    /// Fields whose cells the program reads.
    pub fn fields_read(&self) -> impl Iterator<Item = FieldId> + '_ {
        self.per_field
            .iter()
            .enumerate()
            .filter(|(_, b)| !b.is_empty())
            .map(|(f, _)| f)
    }

    /// The bases a field feeds.
    pub fn bases_of(&self, field: FieldId) -> impl Iterator<Item = usize> + '_ {
        self.per_field[field].iter().map(|(_, base)| *base)
    }

    /// Whether `route run` should remember a field's cells: its values are
    /// codes or numbers (a repeat copies them without allocating) and
    /// reading one costs more than a look-up in the memo. Country and state
    /// names, and a phone's parts, do. A number or a ZIP parses in fewer
    /// steps than a memo look-up that misses the cache, and most of their
    /// cells never repeat; measured, memoizing them made `route run`
    /// slower.
    pub fn worth_remembering(&self, field: FieldId) -> bool {
        let ty = self.types[field];
        self.per_field[field].iter().all(|(accessor, _)| match ty {
            FieldType::Country | FieldType::State => true,
            FieldType::Phone => *accessor != Accessor::Whole,
            _ => false,
        })
    }

    pub fn bases_len(&self) -> usize {
        self.bases
    }

    /// Normalizes one field's raw cell into the lead's base values.
    pub fn decode_field(&self, field: FieldId, raw: &str, lead: &mut Lead) -> Reading {
        let wanted = &self.per_field[field];
        if wanted.is_empty() {
            return Reading::Value;
        }
        if lead.values.len() < self.bases_len() {
            lead.values.resize(self.bases_len(), Scalar::Missing);
        }
        match (self.types[field], &wanted[..]) {
            (FieldType::Email, [(Accessor::Domain, base)]) => {
                return email_domain(raw, &mut lead.values[*base]);
            }
            // One whole value of a plain type: no `Decoded` to build.
            (FieldType::Email | FieldType::Phone, _) => {}
            (ty, [(Accessor::Whole, base)]) => {
                let value = normalize(ty, raw);
                let reading = match value {
                    Scalar::Missing if is_placeholder(raw) => Reading::Blank,
                    Scalar::Missing => Reading::Unreadable,
                    _ => Reading::Value,
                };
                lead.values[*base] = value;
                return reading;
            }
            _ => {}
        }
        let decoded = decode(self.types[field], raw);
        let reading = match &decoded {
            Decoded::Missing if is_placeholder(raw) => Reading::Blank,
            Decoded::Missing => Reading::Unreadable,
            _ => Reading::Value,
        };
        match wanted.as_slice() {
            // The common case: one value of the field is read; move it.
            [(accessor, base)] => lead.values[*base] = decoded.take(*accessor),
            _ => {
                for (accessor, base) in wanted {
                    lead.values[*base] = decoded.get(*accessor);
                }
            }
        }
        reading
    }
}

thread_local! {
    /// The text of an email domain that went missing, for the next one.
    static SPARE_DOMAIN: std::cell::Cell<String> = const { std::cell::Cell::new(String::new()) };
}

/// An email cell of which only the domain is read, into the value it
/// replaces, reusing that value's text allocation. When the domain is
/// missing, the allocation waits for the next domain: leads with and
/// without an email in turn would allocate and free it again and again.
fn email_domain(raw: &str, value: &mut Scalar) -> Reading {
    let mut text = match std::mem::replace(value, Scalar::Missing) {
        Scalar::Text(text) => text,
        _ => SPARE_DOMAIN.take(),
    };
    if values::email::email_domain_into(raw, &mut text) {
        *value = Scalar::Text(text);
        return Reading::Value;
    }
    SPARE_DOMAIN.set(text);
    if is_placeholder(raw) {
        Reading::Blank
    } else {
        Reading::Unreadable
    }
}

/// A field's value with everything its accessors need.
enum Decoded {
    Missing,
    Plain(Scalar),
    Email(values::email::Email),
    Phone(values::Phone),
}

impl Decoded {
    /// Like `get`, without copying text.
    fn take(self, accessor: Accessor) -> Scalar {
        match (self, accessor) {
            (Decoded::Plain(s), Accessor::Whole) => s,
            (Decoded::Email(e), Accessor::Whole) => Scalar::Text(e.address),
            (Decoded::Email(e), Accessor::Domain) => Scalar::Text(e.domain),
            (Decoded::Phone(p), Accessor::Whole) => Scalar::Text(p.digits),
            (other, accessor) => other.get(accessor),
        }
    }

    fn get(&self, accessor: Accessor) -> Scalar {
        match (self, accessor) {
            (Decoded::Plain(s), Accessor::Whole) => s.clone(),
            (Decoded::Email(e), Accessor::Whole) => Scalar::Text(e.address.clone()),
            (Decoded::Email(e), Accessor::Domain) => Scalar::Text(e.domain.clone()),
            (Decoded::Phone(p), Accessor::Whole) => Scalar::Text(p.digits.clone()),
            (Decoded::Phone(p), Accessor::Country) => {
                p.country.map_or(Scalar::Missing, |c| Scalar::Code(c.0))
            }
            (Decoded::Phone(p), Accessor::Area) => p
                .area
                .map_or(Scalar::Missing, |a| Scalar::Num(i64::from(a))),
            (Decoded::Phone(p), Accessor::State) => {
                p.state.map_or(Scalar::Missing, |s| Scalar::Code(s.0))
            }
            _ => Scalar::Missing,
        }
    }
}

fn decode(ty: FieldType, raw: &str) -> Decoded {
    match ty {
        FieldType::Email => {
            values::email::parse_email(raw).map_or(Decoded::Missing, Decoded::Email)
        }
        FieldType::Phone => {
            values::phone::parse_phone(raw).map_or(Decoded::Missing, Decoded::Phone)
        }
        _ => match normalize(ty, raw) {
            Scalar::Missing => Decoded::Missing,
            s => Decoded::Plain(s),
        },
    }
}

/// The normalized value of a raw cell of a type (email and phone: their
/// whole value). Rule literals and data files are read with this too, so a
/// literal and a lead value compare alike.
pub fn normalize(ty: FieldType, raw: &str) -> Scalar {
    let value = match ty {
        FieldType::Text => values::text::normalize_text(raw).map(Scalar::Text),
        FieldType::Number => values::number::parse_number(raw).map(Scalar::Num),
        FieldType::Money => values::number::parse_money(raw).map(Scalar::Num),
        FieldType::Zip => values::zip::parse_zip(raw).map(|z| Scalar::Num(i64::from(z))),
        FieldType::Email => values::email::parse_email(raw).map(|e| Scalar::Text(e.address)),
        FieldType::Domain => values::email::parse_domain(raw).map(Scalar::Text),
        FieldType::Country => values::country::parse_country(raw).map(|c| Scalar::Code(c.0)),
        FieldType::State => values::state::parse_state(raw).map(|s| Scalar::Code(s.0)),
        FieldType::Phone => values::phone::parse_phone(raw).map(|p| Scalar::Text(p.digits)),
        FieldType::Company => values::company::company_key(raw).map(Scalar::Text),
    };
    value.unwrap_or(Scalar::Missing)
}
