//! US states, DC, territories and Canadian provinces → 2-letter code.
//!
//! Matching works like countries (see [`super::country::fold_key`]): case,
//! accents, dots, hyphens and extra whitespace are ignored, so `Calif.`,
//! `N.Y.`, `Québec` and `Terre-Neuve-et-Labrador` all read. Old codes still
//! seen in data read as today's: `NF` → `NL`, `PQ` → `QC`, `YK` → `YT`.
//! Military "states" (`AA`, `AE`, `AP`) are not places and are not read.

use rustc_hash::FxHashMap as HashMap;
use std::sync::OnceLock;

use super::country::{build_index, code2, lookup};
use super::Country;

/// A 2-letter US state / territory or Canadian province code, upper case.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct State(pub [u8; 2]);

impl State {
    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// The English name (`"California"`, `"Quebec"`); empty for an unknown code.
    pub fn name(&self) -> &'static str {
        entry(self.0).map_or("", |e| e.1)
    }

    /// `US` for the states and DC, `CA` for the provinces and territories of
    /// Canada, and the territory's own ISO code for PR, GU, VI, AS, MP and UM.
    /// An unknown code (not from `parse_state`) is taken as US.
    pub fn country(&self) -> Country {
        Country(entry(self.0).map_or(*b"US", |e| code2(e.2)))
    }

    /// True when the code is in the table (every value `parse_state` returns).
    pub fn is_known(&self) -> bool {
        entry(self.0).is_some()
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// Reads a state cell; `None` when missing or not a known state or province.
pub fn parse_state(raw: &str) -> Option<State> {
    if super::is_placeholder(raw) {
        return None;
    }
    lookup(state_index(), raw).map(State)
}

/// Every state, DC, territory and province in the table, in code order.
pub fn all_states() -> impl Iterator<Item = State> {
    STATES.iter().map(|e| State(code2(e.0)))
}

fn entry(code: [u8; 2]) -> Option<&'static (&'static str, &'static str, &'static str)> {
    STATES
        .binary_search_by(|e| e.0.as_bytes().cmp(&code[..]))
        .ok()
        .map(|i| &STATES[i])
}

fn state_index() -> &'static HashMap<Box<str>, [u8; 2]> {
    static INDEX: OnceLock<HashMap<Box<str>, [u8; 2]>> = OnceLock::new();
    INDEX.get_or_init(|| build_index(state_keys()).0)
}

fn state_keys() -> impl Iterator<Item = (&'static str, [u8; 2])> {
    let codes = STATES
        .iter()
        .flat_map(|&(code, name, _)| [(code, code2(code)), (name, code2(code))]);
    codes.chain(
        STATE_ALIASES
            .iter()
            .map(|&(alias, code)| (alias, code2(code))),
    )
}

// ---- Tables ----

/// (code, English name, ISO country), sorted by code: 50 states, DC, 6
/// territories, 13 Canadian provinces and territories.
const STATES: &[(&str, &str, &str)] = &[
    ("AB", "Alberta", "CA"),
    ("AK", "Alaska", "US"),
    ("AL", "Alabama", "US"),
    ("AR", "Arkansas", "US"),
    ("AS", "American Samoa", "AS"),
    ("AZ", "Arizona", "US"),
    ("BC", "British Columbia", "CA"),
    ("CA", "California", "US"),
    ("CO", "Colorado", "US"),
    ("CT", "Connecticut", "US"),
    ("DC", "District of Columbia", "US"),
    ("DE", "Delaware", "US"),
    ("FL", "Florida", "US"),
    ("GA", "Georgia", "US"),
    ("GU", "Guam", "GU"),
    ("HI", "Hawaii", "US"),
    ("IA", "Iowa", "US"),
    ("ID", "Idaho", "US"),
    ("IL", "Illinois", "US"),
    ("IN", "Indiana", "US"),
    ("KS", "Kansas", "US"),
    ("KY", "Kentucky", "US"),
    ("LA", "Louisiana", "US"),
    ("MA", "Massachusetts", "US"),
    ("MB", "Manitoba", "CA"),
    ("MD", "Maryland", "US"),
    ("ME", "Maine", "US"),
    ("MI", "Michigan", "US"),
    ("MN", "Minnesota", "US"),
    ("MO", "Missouri", "US"),
    ("MP", "Northern Mariana Islands", "MP"),
    ("MS", "Mississippi", "US"),
    ("MT", "Montana", "US"),
    ("NB", "New Brunswick", "CA"),
    ("NC", "North Carolina", "US"),
    ("ND", "North Dakota", "US"),
    ("NE", "Nebraska", "US"),
    ("NH", "New Hampshire", "US"),
    ("NJ", "New Jersey", "US"),
    ("NL", "Newfoundland and Labrador", "CA"),
    ("NM", "New Mexico", "US"),
    ("NS", "Nova Scotia", "CA"),
    ("NT", "Northwest Territories", "CA"),
    ("NU", "Nunavut", "CA"),
    ("NV", "Nevada", "US"),
    ("NY", "New York", "US"),
    ("OH", "Ohio", "US"),
    ("OK", "Oklahoma", "US"),
    ("ON", "Ontario", "CA"),
    ("OR", "Oregon", "US"),
    ("PA", "Pennsylvania", "US"),
    ("PE", "Prince Edward Island", "CA"),
    ("PR", "Puerto Rico", "PR"),
    ("QC", "Quebec", "CA"),
    ("RI", "Rhode Island", "US"),
    ("SC", "South Carolina", "US"),
    ("SD", "South Dakota", "US"),
    ("SK", "Saskatchewan", "CA"),
    ("TN", "Tennessee", "US"),
    ("TX", "Texas", "US"),
    ("UM", "U.S. Minor Outlying Islands", "UM"),
    ("UT", "Utah", "US"),
    ("VA", "Virginia", "US"),
    ("VI", "U.S. Virgin Islands", "VI"),
    ("VT", "Vermont", "US"),
    ("WA", "Washington", "US"),
    ("WI", "Wisconsin", "US"),
    ("WV", "West Virginia", "US"),
    ("WY", "Wyoming", "US"),
    ("YT", "Yukon", "CA"),
];

/// Traditional and AP abbreviations (read with or without dots), other
/// English forms, French names for Canada, and retired codes.
const STATE_ALIASES: &[(&str, &str)] = &[
    ("Alta.", "AB"),
    ("Alas.", "AK"),
    ("Ala.", "AL"),
    ("Ark.", "AR"),
    ("Am. Samoa", "AS"),
    ("Amer. Samoa", "AS"),
    ("A.S.", "AS"),
    ("Ariz.", "AZ"),
    ("B.C.", "BC"),
    ("Colombie-Britannique", "BC"),
    ("C.-B.", "BC"),
    ("Calif.", "CA"),
    ("Cal.", "CA"),
    ("Cali", "CA"),
    ("Colo.", "CO"),
    ("Col.", "CO"),
    ("Conn.", "CT"),
    ("D.C.", "DC"),
    ("Washington D.C.", "DC"),
    ("Washington, D.C.", "DC"),
    ("Wash. D.C.", "DC"),
    ("District of Columbia (D.C.)", "DC"),
    ("Dist. of Col.", "DC"),
    ("Dist. of Columbia", "DC"),
    ("Del.", "DE"),
    ("Fla.", "FL"),
    ("Flor.", "FL"),
    ("Ga.", "GA"),
    ("Guåhån", "GU"),
    ("Hawaiʻi", "HI"),
    ("Ia.", "IA"),
    ("Ida.", "ID"),
    ("Ill.", "IL"),
    ("Ills.", "IL"),
    ("Ind.", "IN"),
    ("Kan.", "KS"),
    ("Kans.", "KS"),
    ("Kas.", "KS"),
    ("Ky.", "KY"),
    ("Ken.", "KY"),
    ("Kent.", "KY"),
    ("La.", "LA"),
    ("Mass.", "MA"),
    ("Man.", "MB"),
    ("Md.", "MD"),
    ("Me.", "ME"),
    ("Mich.", "MI"),
    ("Minn.", "MN"),
    ("Mo.", "MO"),
    ("Northern Marianas", "MP"),
    ("Commonwealth of the Northern Mariana Islands", "MP"),
    ("CNMI", "MP"),
    ("N.M.I.", "MP"),
    ("Miss.", "MS"),
    ("Mont.", "MT"),
    ("N.B.", "NB"),
    ("Nouveau-Brunswick", "NB"),
    ("N.C.", "NC"),
    ("N. Car.", "NC"),
    ("N. Carolina", "NC"),
    ("N.D.", "ND"),
    ("N. Dak.", "ND"),
    ("N. Dakota", "ND"),
    ("Neb.", "NE"),
    ("Nebr.", "NE"),
    ("N.H.", "NH"),
    ("N.J.", "NJ"),
    ("Newfoundland", "NL"),
    ("Newfoundland & Labrador", "NL"),
    ("Labrador", "NL"),
    ("Nfld.", "NL"),
    ("Nfld. and Lab.", "NL"),
    ("Nfld. & Lab.", "NL"),
    ("N.L.", "NL"),
    ("NF", "NL"),
    ("Terre-Neuve-et-Labrador", "NL"),
    ("Terre-Neuve", "NL"),
    ("T.-N.-L.", "NL"),
    ("N.M.", "NM"),
    ("N. Mex.", "NM"),
    ("New Mex.", "NM"),
    ("N.S.", "NS"),
    ("Nouvelle-Écosse", "NS"),
    ("N.W.T.", "NT"),
    ("North West Territories", "NT"),
    ("Territoires du Nord-Ouest", "NT"),
    ("T.N.-O.", "NT"),
    ("Nvt.", "NU"),
    ("Nev.", "NV"),
    ("N.Y.", "NY"),
    ("New York State", "NY"),
    ("N.Y.S.", "NY"),
    ("Okla.", "OK"),
    ("Ont.", "ON"),
    ("Ore.", "OR"),
    ("Oreg.", "OR"),
    ("Pa.", "PA"),
    ("Penn.", "PA"),
    ("Penna.", "PA"),
    ("P.E.I.", "PE"),
    ("Île-du-Prince-Édouard", "PE"),
    ("Î.-P.-É.", "PE"),
    ("P.R.", "PR"),
    ("Porto Rico", "PR"),
    ("Québec", "QC"),
    ("Que.", "QC"),
    ("Qué.", "QC"),
    ("P.Q.", "QC"),
    ("Province of Quebec", "QC"),
    ("Province de Québec", "QC"),
    ("R.I.", "RI"),
    ("S.C.", "SC"),
    ("S. Car.", "SC"),
    ("S. Carolina", "SC"),
    ("S.D.", "SD"),
    ("S. Dak.", "SD"),
    ("S. Dakota", "SD"),
    ("Sask.", "SK"),
    ("Tenn.", "TN"),
    ("Tex.", "TX"),
    ("US Minor Outlying Islands", "UM"),
    ("United States Minor Outlying Islands", "UM"),
    ("Minor Outlying Islands", "UM"),
    ("Va.", "VA"),
    ("Virg.", "VA"),
    ("Virgin Islands", "VI"),
    ("US Virgin Islands", "VI"),
    ("United States Virgin Islands", "VI"),
    ("Virgin Islands of the United States", "VI"),
    ("Virgin Islands, U.S.", "VI"),
    ("V.I.", "VI"),
    ("U.S.V.I.", "VI"),
    ("Vt.", "VT"),
    ("Wash.", "WA"),
    ("Washington State", "WA"),
    ("Wash. State", "WA"),
    ("Wis.", "WI"),
    ("Wisc.", "WI"),
    ("W. Va.", "WV"),
    ("WVa", "WV"),
    ("W. Virginia", "WV"),
    ("Wyo.", "WY"),
    ("Yukon Territory", "YT"),
    ("Y.T.", "YT"),
    ("Yuk.", "YT"),
    ("YK", "YT"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn code(raw: &str) -> Option<String> {
        parse_state(raw).map(|s| s.code().to_string())
    }

    #[test]
    fn table_is_sorted_and_complete() {
        assert!(
            STATES.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted, no duplicates"
        );
        assert_eq!(all_states().count(), 70);
        let us: Vec<State> = all_states()
            .filter(|s| s.country() == Country(*b"US"))
            .collect();
        assert_eq!(us.len(), 51, "50 states + DC");
        assert!(us.contains(&State(*b"DC")));
        assert_eq!(
            all_states()
                .filter(|s| s.country() == Country(*b"CA"))
                .count(),
            13
        );
        for t in ["PR", "GU", "VI", "AS", "MP", "UM"] {
            assert_eq!(State(code2(t)).country(), Country(code2(t)), "{t}");
            assert!(Country(code2(t)).is_known(), "{t} is an ISO country");
        }
        for (alias, c) in STATE_ALIASES {
            assert!(
                entry(code2(c)).is_some(),
                "alias {alias:?} names unknown code {c}"
            );
        }
    }

    #[test]
    fn no_key_names_two_states() {
        let (_, clashes) = build_index(state_keys());
        assert!(clashes.is_empty(), "{clashes:#?}");
    }

    #[test]
    fn every_code_and_name_round_trips() {
        for s in all_states() {
            assert!(s.is_known());
            let lower = s.code().to_ascii_lowercase();
            let upper_name = s.name().to_uppercase();
            for raw in [s.code(), lower.as_str(), s.name(), upper_name.as_str()] {
                assert_eq!(parse_state(raw), Some(s), "{raw:?}");
            }
        }
    }

    #[test]
    fn abbreviations_with_or_without_dots() {
        for (raw, want) in [
            ("Calif.", "CA"),
            ("Calif", "CA"),
            ("Cal.", "CA"),
            ("CALIF", "CA"),
            ("Mass.", "MA"),
            ("Penn.", "PA"),
            ("Penna.", "PA"),
            ("Penna", "PA"),
            ("Fla.", "FL"),
            ("Wash.", "WA"),
            ("Tex.", "TX"),
            ("N.Y.", "NY"),
            ("N. Y.", "NY"),
            ("D.C.", "DC"),
            ("Washington, D.C.", "DC"),
            ("Washington DC", "DC"),
            ("Washington", "WA"),
            ("W.Va.", "WV"),
            ("W. Va.", "WV"),
            ("N.Dak.", "ND"),
            ("Ont.", "ON"),
            ("Que.", "QC"),
            ("B.C.", "BC"),
            ("P.E.I.", "PE"),
            ("N.W.T.", "NT"),
            ("Nfld.", "NL"),
            ("Sask.", "SK"),
            ("Alta.", "AB"),
        ] {
            assert_eq!(code(raw).as_deref(), Some(want), "{raw:?}");
        }
    }

    #[test]
    fn names_any_case_accents_and_french() {
        for (raw, want) in [
            ("california", "CA"),
            ("  New   York ", "NY"),
            ("NEW HAMPSHIRE", "NH"),
            ("District of Columbia", "DC"),
            ("Puerto Rico", "PR"),
            ("Guam", "GU"),
            ("US Virgin Islands", "VI"),
            ("American Samoa", "AS"),
            ("Northern Mariana Islands", "MP"),
            ("Québec", "QC"),
            ("Quebec", "QC"),
            ("QUÉBEC", "QC"),
            ("Colombie-Britannique", "BC"),
            ("Terre-Neuve-et-Labrador", "NL"),
            ("Nouvelle-Écosse", "NS"),
            ("Nouvelle Ecosse", "NS"),
            ("Île-du-Prince-Édouard", "PE"),
            ("Ile du Prince Edouard", "PE"),
            ("Nouveau-Brunswick", "NB"),
            ("Territoires du Nord-Ouest", "NT"),
            ("Hawaiʻi", "HI"),
            ("PQ", "QC"),
            ("NF", "NL"),
        ] {
            assert_eq!(code(raw).as_deref(), Some(want), "{raw:?}");
        }
    }

    #[test]
    fn placeholders_and_unknown_text() {
        for raw in [
            "",
            "N/A",
            "none",
            "-",
            "?",
            "XX",
            "ZZ",
            "AA",
            "AE",
            "Bavaria",
            "Ontario Street",
            "CAL IF",
        ] {
            assert_eq!(parse_state(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn countries() {
        assert_eq!(parse_state("TX").unwrap().country(), Country(*b"US"));
        assert_eq!(parse_state("DC").unwrap().country(), Country(*b"US"));
        assert_eq!(parse_state("ON").unwrap().country(), Country(*b"CA"));
        assert_eq!(parse_state("PR").unwrap().country(), Country(*b"PR"));
        assert_eq!(parse_state("Quebec").unwrap().name(), "Quebec");
    }
}
