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
}

impl Decoder {
    pub fn new(program: &Program) -> Self {
        let mut per_field = vec![Vec::new(); program.fields.len()];
        for (i, base) in program.bases.iter().enumerate() {
            per_field[base.field].push((base.accessor, i));
        }
        let types = program.fields.iter().map(|f| f.ty).collect();
        Decoder { per_field, types }
    }

    /// Fields whose cells the program reads.
    pub fn fields_read(&self) -> impl Iterator<Item = FieldId> + '_ {
        self.per_field
            .iter()
            .enumerate()
            .filter(|(_, b)| !b.is_empty())
            .map(|(f, _)| f)
    }

    pub fn bases_len(&self) -> usize {
        self.per_field.iter().map(Vec::len).sum()
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
        let decoded = decode(self.types[field], raw, wanted);
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

/// Decoded cells of the fields whose values repeat from lead to lead
/// (countries, states, ZIPs, numbers): a lead file holds a few thousand
/// distinct spellings, so each is normalized once. Only fields whose read
/// values hold no text are kept, so a hit copies without allocating.
#[derive(Default)]
pub struct Memo {
    per_field: Vec<Option<rustc_hash::FxHashMap<Box<str>, Memoized>>>,
}

#[derive(Clone)]
struct Memoized {
    reading: Reading,
    values: Vec<Scalar>,
}

/// Distinct cells kept per field; past it, further cells are decoded each time.
const MEMO_CELLS: usize = 4096;

impl Memo {
    pub fn new(decoder: &Decoder) -> Self {
        let per_field = decoder
            .per_field
            .iter()
            .zip(&decoder.types)
            .map(|(wanted, ty)| {
                let worth = !wanted.is_empty()
                    && wanted
                        .iter()
                        .all(|(accessor, _)| yields_no_text(*ty, *accessor));
                worth.then(Default::default)
            })
            .collect();
        Memo { per_field }
    }
}

/// Whether a field's value through an accessor is a number or a code.
fn yields_no_text(ty: FieldType, accessor: Accessor) -> bool {
    match ty {
        FieldType::Number | FieldType::Money | FieldType::Zip => true,
        FieldType::Country | FieldType::State => true,
        FieldType::Phone => accessor != Accessor::Whole,
        _ => false,
    }
}

impl Decoder {
    /// `decode_field`, remembering what each distinct cell of a repeating
    /// field decodes to.
    pub fn decode_field_memo(
        &self,
        field: FieldId,
        raw: &str,
        lead: &mut Lead,
        memo: &mut Memo,
    ) -> Reading {
        let Some(Some(cells)) = memo.per_field.get_mut(field) else {
            return self.decode_field(field, raw, lead);
        };
        let wanted = &self.per_field[field];
        if let Some(hit) = cells.get(raw) {
            if lead.values.len() < self.bases_len() {
                lead.values.resize(self.bases_len(), Scalar::Missing);
            }
            for ((_, base), value) in wanted.iter().zip(&hit.values) {
                lead.values[*base] = value.clone();
            }
            return hit.reading;
        }
        let reading = self.decode_field(field, raw, lead);
        if cells.len() < MEMO_CELLS {
            let values = wanted
                .iter()
                .map(|(_, base)| lead.values[*base].clone())
                .collect();
            cells.insert(raw.into(), Memoized { reading, values });
        }
        reading
    }
}

/// A field's value with everything its accessors need.
enum Decoded {
    Missing,
    Plain(Scalar),
    Email(values::email::Email),
    /// An email of which only the domain is read.
    EmailDomain(String),
    Phone(values::Phone),
}

impl Decoded {
    /// Like `get`, without copying text.
    fn take(self, accessor: Accessor) -> Scalar {
        match (self, accessor) {
            (Decoded::Plain(s), Accessor::Whole) => s,
            (Decoded::Email(e), Accessor::Whole) => Scalar::Text(e.address),
            (Decoded::Email(e), Accessor::Domain) => Scalar::Text(e.domain),
            (Decoded::EmailDomain(d), Accessor::Domain) => Scalar::Text(d),
            (Decoded::Phone(p), Accessor::Whole) => Scalar::Text(p.digits),
            (other, accessor) => other.get(accessor),
        }
    }

    fn get(&self, accessor: Accessor) -> Scalar {
        match (self, accessor) {
            (Decoded::Plain(s), Accessor::Whole) => s.clone(),
            (Decoded::Email(e), Accessor::Whole) => Scalar::Text(e.address.clone()),
            (Decoded::Email(e), Accessor::Domain) => Scalar::Text(e.domain.clone()),
            (Decoded::EmailDomain(d), Accessor::Domain) => Scalar::Text(d.clone()),
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

fn decode(ty: FieldType, raw: &str, wanted: &[(Accessor, usize)]) -> Decoded {
    match ty {
        FieldType::Email if matches!(wanted, [(Accessor::Domain, _)]) => {
            values::email::parse_email_domain(raw).map_or(Decoded::Missing, Decoded::EmailDomain)
        }
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
