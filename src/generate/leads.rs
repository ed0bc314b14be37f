//! A deterministic generator of messy, realistic lead files.
//!
//! [`write_leads`] writes leads in the columns of `rules/leads.csv`, with the
//! kind of mess real CRM exports have: countries spelled five ways, states as
//! names or codes, ZIP codes that lost their leading zero, head counts such as
//! `1,200`, `5K` or `50-200`, revenue with currency symbols, placeholders
//! (`N/A`, `-`, `unknown`), mixed-case emails, quoted fields with commas,
//! the occasional embedded newline and non-ASCII names.
//!
//! Domains come from the shipped example's data files
//! (`rules/data/federal_domains.txt`, `rules/data/accounts.csv`), so the rules
//! in `rules/acme.route` actually fire on the generated leads.
//!
//! The output is a pure function of `(rows, seed)`: a tiny inline PRNG
//! (splitmix64) drives every choice, nothing depends on time, hashing or
//! platform. It streams: memory use is constant whatever `rows` is.
//!
//! `rules/leads.csv` is `write_leads(_, 285, 2026)` followed by hand-written
//! edge cases (a repeated lead, every placeholder, padded cells, and so on).

use std::io::{self, BufWriter, Write};

/// The header of `rules/leads.csv`.
pub const HEADER: &str = "Lead ID,First Name,Last Name,Email,Company,Country,State,Postal Code,\
Employees,Annual Revenue,Industry,Phone";

const FEDERAL_DOMAINS: &str = include_str!("../../rules/data/federal_domains.txt");
const ACCOUNTS: &str = include_str!("../../rules/data/accounts.csv");

/// Writes `rows` leads (plus a header) in the columns of rules/leads.csv, deterministic by `seed`.
pub fn write_leads<W: Write>(out: W, rows: u64, seed: u64) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 16, out);
    out.write_all(HEADER.as_bytes())?;
    out.write_all(b"\n")?;
    let mut generator = Generator::new(seed);
    let mut line = Vec::with_capacity(512);
    for index in 0..rows {
        line.clear();
        generator.row(index, &mut line);
        out.write_all(&line)?;
    }
    out.flush()
}

// ---------------------------------------------------------------------------
// Randomness

/// splitmix64: tiny, fast, and good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..=hi`.
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `per_mille / 1000`.
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// The first item half of the time, else any item: the usual spelling wins.
    fn skewed<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        if self.chance(500) {
            &items[0]
        } else {
            self.pick(items)
        }
    }

    /// An item chosen by weight; `total` is the sum of the weights.
    fn weighted<'a, T>(&mut self, items: &'a [(T, u32)], total: u32) -> &'a T {
        let mut roll = self.below(u64::from(total)) as u32;
        for (item, weight) in items {
            if roll < *weight {
                return item;
            }
            roll -= weight;
        }
        &items[items.len() - 1].0
    }
}

fn total<T>(items: &[(T, u32)]) -> u32 {
    items.iter().map(|(_, w)| w).sum()
}

// ---------------------------------------------------------------------------
// Reference data

/// A US state: code, name, 3-digit ZIP prefixes (inclusive), area codes, weight.
struct UsState {
    code: &'static str,
    name: &'static str,
    zip: (u32, u32),
    area: &'static [u16],
    weight: u32,
}

const fn st(
    code: &'static str,
    name: &'static str,
    zip: (u32, u32),
    area: &'static [u16],
    weight: u32,
) -> UsState {
    UsState {
        code,
        name,
        zip,
        area,
        weight,
    }
}

#[rustfmt::skip]
const US_STATES: &[UsState] = &[
    st("AL", "Alabama", (350, 369), &[205, 251, 256, 334], 5),
    st("AK", "Alaska", (995, 999), &[907], 1),
    st("AZ", "Arizona", (850, 865), &[480, 602, 520, 623, 928], 7),
    st("AR", "Arkansas", (716, 729), &[501, 479, 870], 3),
    st("CA", "California", (900, 961), &[213, 310, 415, 408, 510, 619, 650, 714, 818, 916, 949, 858, 925, 707, 562, 626, 661, 760, 805, 831, 559, 909, 951], 39),
    st("CO", "Colorado", (800, 816), &[303, 720, 719, 970], 6),
    st("CT", "Connecticut", (60, 69), &[203, 860, 475], 4),
    st("DE", "Delaware", (197, 199), &[302], 1),
    st("DC", "District of Columbia", (200, 205), &[202], 1),
    st("FL", "Florida", (320, 349), &[305, 407, 813, 904, 954, 561, 727, 786, 850, 239, 321, 352], 22),
    st("GA", "Georgia", (300, 319), &[404, 470, 678, 770, 706, 912], 11),
    st("HI", "Hawaii", (967, 968), &[808], 1),
    st("ID", "Idaho", (832, 838), &[208], 2),
    st("IL", "Illinois", (600, 629), &[312, 773, 630, 847, 708, 815, 217, 309], 13),
    st("IN", "Indiana", (460, 479), &[317, 219, 260, 574, 765, 812], 7),
    st("IA", "Iowa", (500, 528), &[515, 319, 563, 641, 712], 3),
    st("KS", "Kansas", (660, 679), &[316, 785, 913, 620], 3),
    st("KY", "Kentucky", (400, 427), &[502, 859, 270, 606], 4),
    st("LA", "Louisiana", (700, 714), &[504, 225, 318, 337, 985], 5),
    st("ME", "Maine", (39, 49), &[207], 1),
    st("MD", "Maryland", (206, 219), &[301, 410, 443, 240], 6),
    st("MA", "Massachusetts", (10, 27), &[617, 508, 781, 978, 413, 857], 7),
    st("MI", "Michigan", (480, 499), &[313, 248, 734, 586, 616, 517, 810, 269], 10),
    st("MN", "Minnesota", (550, 567), &[612, 651, 763, 952, 218, 507], 6),
    st("MS", "Mississippi", (386, 397), &[601, 662, 228], 3),
    st("MO", "Missouri", (630, 658), &[314, 816, 417, 573, 636], 6),
    st("MT", "Montana", (590, 599), &[406], 1),
    st("NE", "Nebraska", (680, 693), &[402, 531, 308], 2),
    st("NV", "Nevada", (889, 898), &[702, 725, 775], 3),
    st("NH", "New Hampshire", (30, 38), &[603], 1),
    st("NJ", "New Jersey", (70, 89), &[201, 973, 908, 732, 609, 856], 9),
    st("NM", "New Mexico", (870, 884), &[505, 575], 2),
    st("NY", "New York", (100, 149), &[212, 718, 917, 646, 516, 631, 914, 585, 716, 315, 518], 20),
    st("NC", "North Carolina", (270, 289), &[704, 919, 336, 252, 828, 910], 10),
    st("ND", "North Dakota", (580, 588), &[701], 1),
    st("OH", "Ohio", (430, 459), &[216, 614, 513, 330, 419, 440, 937], 12),
    st("OK", "Oklahoma", (730, 749), &[405, 918, 580], 4),
    st("OR", "Oregon", (970, 979), &[503, 971, 541, 458], 4),
    st("PA", "Pennsylvania", (150, 196), &[215, 267, 412, 610, 484, 717, 724, 814], 13),
    st("RI", "Rhode Island", (28, 29), &[401], 1),
    st("SC", "South Carolina", (290, 299), &[803, 843, 864], 5),
    st("SD", "South Dakota", (570, 577), &[605], 1),
    st("TN", "Tennessee", (370, 385), &[615, 629, 901, 423, 865], 7),
    st("TX", "Texas", (750, 799), &[214, 469, 972, 713, 281, 832, 512, 737, 210, 817, 915, 806], 29),
    st("UT", "Utah", (840, 847), &[801, 385, 435], 3),
    st("VT", "Vermont", (50, 59), &[802], 1),
    st("VA", "Virginia", (220, 246), &[703, 571, 804, 757, 540, 434], 9),
    st("WA", "Washington", (980, 994), &[206, 253, 425, 360, 509], 8),
    st("WV", "West Virginia", (247, 268), &[304, 681], 2),
    st("WI", "Wisconsin", (530, 549), &[414, 262, 608, 920, 715], 6),
    st("WY", "Wyoming", (820, 831), &[307], 1),
];

/// Canadian provinces: code, names, postal code first letter, area codes.
#[rustfmt::skip]
const PROVINCES: &[(&str, &[&str], &str, &[u16])] = &[
    ("ON", &["Ontario", "ON", "Ont."], "KLMNP", &[416, 647, 905, 613, 519]),
    ("QC", &["Quebec", "QC", "Québec"], "GHJ", &[514, 438, 450, 418]),
    ("BC", &["British Columbia", "BC", "B.C."], "V", &[604, 778, 250]),
    ("AB", &["Alberta", "AB"], "T", &[403, 587, 780]),
    ("MB", &["Manitoba", "MB"], "R", &[204]),
    ("NS", &["Nova Scotia", "NS"], "B", &[902]),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Geo {
    Us,
    Canada,
    Other,
}

/// A country other than the US and Canada: spellings (the first is the usual
/// one), postal code and phone patterns (`#` a digit, `%` a letter),
/// web domain endings, currencies, legal suffixes and regions.
struct Country {
    code: &'static str,
    spellings: &'static [&'static str],
    postal: &'static [&'static str],
    phone: &'static [&'static str],
    tlds: &'static [&'static str],
    currency: &'static [&'static str],
    suffixes: &'static [&'static str],
    regions: &'static [&'static str],
}

macro_rules! country {
    ($code:expr, $sp:expr, $po:expr, $ph:expr, $tl:expr, $cu:expr, $su:expr, $re:expr) => {
        Country {
            code: $code,
            spellings: $sp,
            postal: $po,
            phone: $ph,
            tlds: $tl,
            currency: $cu,
            suffixes: $su,
            regions: $re,
        }
    };
}

#[rustfmt::skip]
const US_SPELLINGS: &[&str] = &[
    "US", "USA", "United States", "U.S.", "us", "United States of America", "U.S.A.", "usa",
    "United States", "USA",
];
#[rustfmt::skip]
const CANADA_SPELLINGS: &[&str] = &["Canada", "CA", "CAN", "canada"];
#[rustfmt::skip]
const US_SUFFIXES: &[&str] = &[
    "", "", "", " Inc.", ", Inc.", " Inc", " Corp.", " Corporation", " LLC", ", LLC", " Co.",
    " Group", " Holdings",
];

#[rustfmt::skip]
const COUNTRIES: &[(Country, u32)] = &[
    (country!("GB", &["United Kingdom", "UK", "GB", "England", "Great Britain", "U.K."],
        &["%%# #%%", "%# #%%", "%%## #%%", "%## #%%", "SW1A 1AA", "EC1A 1BB"],
        &["+44 20 7946 0###", "+44 161 496 0###", "020 7946 0###", "+44 (0)113 496 0###"],
        &[".co.uk", ".com", ".uk"], &["£", "GBP"], &[" Ltd", " Limited", " plc", " LLP", ""],
        &["England", "Greater London", "Scotland"]), 70),
    (country!("DE", &["Germany", "DE", "Deutschland", "DEU", "germany"],
        &["#####", "#####", "D-#####"],
        &["+49 30 #######", "+49 (0)89 ########", "089 #######", "+49 40 ######"],
        &[".de", ".com"], &["€", "EUR"], &[" GmbH", " AG", " GmbH & Co. KG", " SE", ""],
        &["Bayern", "Berlin", "NRW", "Hessen"]), 55),
    (country!("FR", &["France", "FR", "FRA", "france"],
        &["750##", "#####", "690##"],
        &["+33 1 ## ## ## ##", "01 ## ## ## ##", "+33 (0)4 ## ## ## ##"],
        &[".fr", ".com"], &["€", "EUR"], &[" SA", " SAS", " S.A.", " SARL", ""],
        &["Île-de-France", "Rhône"]), 35),
    (country!("NL", &["Netherlands", "The Netherlands", "NL", "Holland", "Nederland"],
        &["#### %%", "####%%"],
        &["+31 20 ### ####", "020-#######", "+31 (0)10 ### ## ##"],
        &[".nl", ".com"], &["€", "EUR"], &[" B.V.", " BV", " N.V.", ""], &["Noord-Holland"]), 18),
    (country!("CH", &["Switzerland", "CH", "Schweiz", "Suisse", "Svizzera"],
        &["####"], &["+41 44 ### ## ##", "+41 22 ### ## ##", "044 ### ## ##", "+41 91 ### ## ##"],
        &[".ch", ".com"], &["CHF", "CHF "], &[" AG", " SA", " GmbH", " Sàrl", ""],
        &["ZH", "VD", "GE", "TI", "Zürich"]), 15),
    (country!("SE", &["Sweden", "SE", "Sverige"], &["### ##", "#####"],
        &["+46 8 ### ### ##", "08-### ### ##"], &[".se", ".com"], &["SEK", "kr"], &[" AB", ""], &[]), 10),
    (country!("NO", &["Norway", "NO", "Norge"], &["####"], &["+47 ## ## ## ##"],
        &[".no", ".com"], &["NOK"], &[" AS", " ASA", ""], &[]), 6),
    (country!("DK", &["Denmark", "DK", "Danmark"], &["####", "DK-####"], &["+45 ## ## ## ##"],
        &[".dk", ".com"], &["DKK", "kr."], &[" A/S", " ApS", ""], &[]), 6),
    (country!("FI", &["Finland", "FI", "Suomi"], &["#####"], &["+358 # ### ####"],
        &[".fi", ".com"], &["€", "EUR"], &[" Oy", " Oyj", ""], &[]), 5),
    (country!("IE", &["Ireland", "IE", "Éire", "Republic of Ireland"], &["D02 %###", "%## %#%#", ""],
        &["+353 1 ### ####", "01 ### ####"], &[".ie", ".com"], &["€", "EUR"],
        &[" Ltd", " Limited", " DAC", ""], &["Dublin", "Co. Cork"]), 10),
    (country!("BE", &["Belgium", "BE", "België", "Belgique"], &["####"],
        &["+32 2 ### ## ##"], &[".be", ".com"], &["€", "EUR"], &[" NV", " SA", " BV", ""], &[]), 8),
    (country!("AT", &["Austria", "AT", "Österreich"], &["####", "A-####"],
        &["+43 1 ### ## ##"], &[".at", ".com"], &["€", "EUR"], &[" GmbH", " AG", ""], &["Wien"]), 6),
    (country!("ES", &["Spain", "ES", "España", "Espana"], &["#####"],
        &["+34 91 ### ## ##", "+34 93 ### ####"], &[".es", ".com"], &["€", "EUR"],
        &[" S.A.", " S.L.", " SL", ""], &["Madrid", "Cataluña"]), 15),
    (country!("IT", &["Italy", "IT", "Italia"], &["#####"],
        &["+39 02 #### ####", "+39 06 ### ####"], &[".it", ".com"], &["€", "EUR"],
        &[" S.p.A.", " S.r.l.", " SRL", ""], &["Lombardia", "MI"]), 15),
    (country!("PT", &["Portugal", "PT"], &["####-###"], &["+351 21 ### ####"],
        &[".pt", ".com"], &["€", "EUR"], &[" S.A.", " Lda", ""], &[]), 4),
    (country!("AE", &["United Arab Emirates", "UAE", "AE", "U.A.E."], &["", "", "00000"],
        &["+971 4 ### ####", "+971 50 ### ####"], &[".ae", ".com"], &["AED", "USD "],
        &[" LLC", " FZE", " FZ-LLC", ""], &["Dubai", "Abu Dhabi"]), 8),
    (country!("SA", &["Saudi Arabia", "KSA", "SA"], &["#####", ""], &["+966 11 ### ####"],
        &[".sa", ".com"], &["SAR", "USD "], &[" Co.", ""], &["Riyadh"]), 4),
    (country!("IL", &["Israel", "IL"], &["#######"], &["+972 3 ### ####"],
        &[".co.il", ".com", ".io"], &["ILS", "$"], &[" Ltd", ""], &[]), 6),
    (country!("ZA", &["South Africa", "ZA", "RSA"], &["####"], &["+27 11 ### ####", "011 ### ####"],
        &[".co.za", ".com"], &["ZAR", "R"], &[" (Pty) Ltd", " Ltd", ""], &["Gauteng"]), 6),
    (country!("NG", &["Nigeria", "NG"], &["######", ""], &["+234 1 ### ####"],
        &[".com.ng", ".ng", ".com"], &["NGN", "$"], &[" Ltd", " Plc", ""], &["Lagos"]), 4),
    (country!("KE", &["Kenya", "KE"], &["#####"], &["+254 20 ### ####"],
        &[".co.ke", ".com"], &["KES", "$"], &[" Ltd", ""], &["Nairobi"]), 3),
    (country!("EG", &["Egypt", "EG"], &["#####"], &["+20 2 #### ####"],
        &[".com.eg", ".com"], &["EGP", "$"], &[" S.A.E.", ""], &["Cairo"]), 2),
    (country!("NA", &["Namibia", "NA"], &["#####", ""], &["+264 61 ### ###"],
        &[".com.na", ".com"], &["NAD", "$"], &[" (Pty) Ltd", ""], &[]), 1),
    (country!("IN", &["India", "IN", "IND"], &["######", "### ###"],
        &["+91 80 #### ####", "+91 ##### #####"], &[".in", ".co.in", ".com"], &["INR", "₹", "$"],
        &[" Pvt Ltd", " Private Limited", " Ltd", ""], &["Karnataka", "Maharashtra", "KA"]), 20),
    (country!("JP", &["Japan", "JP", "JPN"], &["###-####"], &["+81 3 #### ####"],
        &[".co.jp", ".jp", ".com"], &["¥", "JPY"], &[" K.K.", " Co., Ltd.", ""], &["Tokyo"]), 8),
    (country!("AU", &["Australia", "AU", "AUS"], &["####"], &["+61 2 #### ####", "(02) #### ####"],
        &[".com.au", ".com"], &["AUD", "A$"], &[" Pty Ltd", " Limited", ""], &["NSW", "VIC", "QLD"]), 15),
    (country!("SG", &["Singapore", "SG"], &["######"], &["+65 6### ####"],
        &[".sg", ".com.sg", ".com"], &["SGD", "S$"], &[" Pte. Ltd.", " Pte Ltd", ""], &[]), 6),
    (country!("BR", &["Brazil", "Brasil", "BR"], &["#####-###"], &["+55 11 ####-####"],
        &[".com.br", ".com"], &["R$", "BRL"], &[" Ltda.", " S.A.", ""], &["SP", "São Paulo"]), 8),
    (country!("MX", &["Mexico", "México", "MX"], &["#####"], &["+52 55 #### ####"],
        &[".com.mx", ".mx", ".com"], &["MXN", "$"], &[" S.A. de C.V.", ""], &["CDMX", "Jalisco"]), 8),
    (country!("PR", &["Puerto Rico", "PR"], &["009 ##", "006##"], &["(787) 555-01##", "+1 939 555 01##"],
        &[".com"], &["$"], &[" Inc.", " LLC", ""], &[]), 2),
];

const US_WEIGHT: u32 = 560;
const CANADA_WEIGHT: u32 = 50;
const MISSING_COUNTRY_WEIGHT: u32 = 25;

#[rustfmt::skip]
const PLACEHOLDERS: &[&str] = &["N/A", "n/a", "-", "unknown", "Unknown", "NULL", "none", "?", "#N/A", "--"];

/// First names: (as written, as in an email address).
#[rustfmt::skip]
const FIRST: &[(&str, &str)] = &[
    ("James", "james"), ("Mary", "mary"), ("Robert", "robert"), ("Patricia", "patricia"),
    ("John", "john"), ("Jennifer", "jennifer"), ("Michael", "michael"), ("Linda", "linda"),
    ("David", "david"), ("Elizabeth", "elizabeth"), ("William", "william"), ("Barbara", "barbara"),
    ("Richard", "richard"), ("Susan", "susan"), ("Joseph", "joseph"), ("Jessica", "jessica"),
    ("Thomas", "thomas"), ("Sarah", "sarah"), ("Chris", "chris"), ("Karen", "karen"),
    ("Daniel", "daniel"), ("Lisa", "lisa"), ("Matthew", "matthew"), ("Nancy", "nancy"),
    ("Anthony", "anthony"), ("Emily", "emily"), ("Mark", "mark"), ("Ashley", "ashley"),
    ("Kevin", "kevin"), ("Michelle", "michelle"), ("Brian", "brian"), ("Amanda", "amanda"),
    ("Wei", "wei"), ("Priya", "priya"), ("Raj", "raj"), ("Mei", "mei"), ("Hiroshi", "hiroshi"),
    ("Fatima", "fatima"), ("Ahmed", "ahmed"), ("Olga", "olga"), ("Carlos", "carlos"),
    ("Ana", "ana"), ("Lars", "lars"), ("Ingrid", "ingrid"), ("Pieter", "pieter"),
    ("Sven", "sven"), ("Giulia", "giulia"), ("Marco", "marco"), ("Aoife", "aoife"),
    ("José", "jose"), ("Zoë", "zoe"), ("Björn", "bjorn"), ("Søren", "soren"),
    ("François", "francois"), ("Łukasz", "lukasz"), ("Renée", "renee"), ("Chloé", "chloe"),
    ("Jürgen", "juergen"), ("Ümit", "umit"), ("Siân", "sian"), ("Jean-Luc", "jean-luc"),
];

/// Last names: (as written, as in an email address).
#[rustfmt::skip]
const LAST: &[(&str, &str)] = &[
    ("Smith", "smith"), ("Johnson", "johnson"), ("Williams", "williams"), ("Brown", "brown"),
    ("Jones", "jones"), ("Garcia", "garcia"), ("Miller", "miller"), ("Davis", "davis"),
    ("Rodriguez", "rodriguez"), ("Martinez", "martinez"), ("Hernandez", "hernandez"),
    ("Lopez", "lopez"), ("Wilson", "wilson"), ("Anderson", "anderson"), ("Thomas", "thomas"),
    ("Taylor", "taylor"), ("Moore", "moore"), ("Jackson", "jackson"), ("Martin", "martin"),
    ("Lee", "lee"), ("Thompson", "thompson"), ("White", "white"), ("Harris", "harris"),
    ("Clark", "clark"), ("Lewis", "lewis"), ("Walker", "walker"), ("Young", "young"),
    ("Patel", "patel"), ("Chen", "chen"), ("Wang", "wang"), ("Kim", "kim"), ("Singh", "singh"),
    ("Nakamura", "nakamura"), ("Schmidt", "schmidt"), ("Rossi", "rossi"), ("Jansen", "jansen"),
    ("Larsen", "larsen"), ("Murphy", "murphy"), ("Kowalski", "kowalski"), ("Ivanova", "ivanova"),
    ("O'Brien", "obrien"), ("van der Berg", "vanderberg"), ("de la Cruz", "delacruz"),
    ("Müller", "mueller"), ("García", "garcia"), ("Dvořák", "dvorak"), ("Nguyễn", "nguyen"),
    ("Öztürk", "ozturk"), ("Ångström", "angstrom"), ("Lefèvre", "lefevre"), ("Núñez", "nunez"),
    ("Kjærgaard", "kjaergaard"), ("Wójcik", "wojcik"), ("Johnson-Smith", "johnson-smith"),
];

#[rustfmt::skip]
const NICKNAMES: &[&str] = &["Robert \"Bob\"", "William \"Bill\"", "Katherine \"Kate\"", "Richard \"Rick\""];

#[rustfmt::skip]
const COMPANY_HEAD: &[&str] = &[
    "Blue", "North", "Summit", "Apex", "Bright", "Cedar", "Iron", "Silver", "Pacific",
    "Atlantic", "Granite", "Maple", "Harbor", "Pioneer", "Vertex", "Nimbus", "Quantum",
    "Evergreen", "Red", "Golden", "Prairie", "Coastal", "Lumen", "Crescent", "Oak", "River",
];

#[rustfmt::skip]
const COMPANY_TAIL: &[&str] = &[
    "Peak", "Wind", "Logistics", "Systems", "Labs", "Analytics", "Health", "Foods",
    "Dynamics", "Networks", "Robotics", "Capital", "Energy", "Works", "Solutions", "Software",
    "Bio", "Partners", "Motors", "Retail", "Media", "Data", "Cloud", "Supply", "Freight",
];

#[rustfmt::skip]
const US_TLDS: &[&str] = &[".com", ".com", ".com", ".com", ".io", ".co", ".ai", ".net", ".us"];

#[rustfmt::skip]
const FREE_MAIL: &[&str] = &[
    "gmail.com", "gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "aol.com", "icloud.com",
    "GMAIL.COM", "gmx.de", "web.de", "orange.fr", "btinternet.com", "yahoo.co.uk",
];

#[rustfmt::skip]
const ACCOUNT_SUBDOMAINS: &[&str] = &["us.", "emea.", "research.", "corp.", "mail.", "na."];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sector {
    Gov,
    Mil,
    Edu,
    K12,
}

/// Public sector organizations: domain, name, state.
#[rustfmt::skip]
const PUBLIC: &[(&str, &str, &str, Sector)] = &[
    ("nasa.gov", "NASA", "DC", Sector::Gov),
    ("jpl.nasa.gov", "NASA Jet Propulsion Laboratory", "CA", Sector::Gov),
    ("gsfc.nasa.gov", "NASA Goddard Space Flight Center", "MD", Sector::Gov),
    ("irs.gov", "Internal Revenue Service", "DC", Sector::Gov),
    ("va.gov", "U.S. Department of Veterans Affairs", "DC", Sector::Gov),
    ("nih.gov", "National Institutes of Health", "MD", Sector::Gov),
    ("cdc.gov", "Centers for Disease Control and Prevention", "GA", Sector::Gov),
    ("census.gov", "U.S. Census Bureau", "MD", Sector::Gov),
    ("noaa.gov", "NOAA", "MD", Sector::Gov),
    ("gsa.gov", "General Services Administration", "DC", Sector::Gov),
    ("state.gov", "U.S. Department of State", "DC", Sector::Gov),
    ("dhs.gov", "Department of Homeland Security", "DC", Sector::Gov),
    ("dmv.ca.gov", "California DMV", "CA", Sector::Gov),
    ("cdph.ca.gov", "California Department of Public Health", "CA", Sector::Gov),
    ("dot.ca.gov", "Caltrans", "CA", Sector::Gov),
    ("its.ny.gov", "New York State ITS", "NY", Sector::Gov),
    ("tdi.texas.gov", "Texas Department of Insurance", "TX", Sector::Gov),
    ("mass.gov", "Commonwealth of Massachusetts", "MA", Sector::Gov),
    ("wa.gov", "Washington State", "WA", Sector::Gov),
    ("oregon.gov", "State of Oregon", "OR", Sector::Gov),
    ("illinois.gov", "State of Illinois", "IL", Sector::Gov),
    ("michigan.gov", "State of Michigan", "MI", Sector::Gov),
    ("colorado.gov", "State of Colorado", "CO", Sector::Gov),
    ("austintexas.gov", "City of Austin", "TX", Sector::Gov),
    ("nyc.gov", "City of New York", "NY", Sector::Gov),
    ("lacounty.gov", "County of Los Angeles", "CA", Sector::Gov),
    ("seattle.gov", "City of Seattle", "WA", Sector::Gov),
    ("phoenix.gov", "City of Phoenix", "AZ", Sector::Gov),
    ("dot.state.tx.us", "Texas Department of Transportation", "TX", Sector::Gov),
    ("fs.fed.us", "USDA Forest Service", "DC", Sector::Gov),
    ("army.mil", "U.S. Army", "VA", Sector::Mil),
    ("navy.mil", "U.S. Navy", "VA", Sector::Mil),
    ("us.af.mil", "U.S. Air Force", "VA", Sector::Mil),
    ("usmc.mil", "U.S. Marine Corps", "VA", Sector::Mil),
    ("mail.mil", "Department of Defense", "VA", Sector::Mil),
    ("dla.mil", "Defense Logistics Agency", "VA", Sector::Mil),
    ("spaceforce.mil", "U.S. Space Force", "CO", Sector::Mil),
    ("stanford.edu", "Stanford University", "CA", Sector::Edu),
    ("berkeley.edu", "University of California, Berkeley", "CA", Sector::Edu),
    ("ucla.edu", "UCLA", "CA", Sector::Edu),
    ("ucsd.edu", "UC San Diego", "CA", Sector::Edu),
    ("mit.edu", "Massachusetts Institute of Technology", "MA", Sector::Edu),
    ("harvard.edu", "Harvard University", "MA", Sector::Edu),
    ("umich.edu", "University of Michigan", "MI", Sector::Edu),
    ("utexas.edu", "The University of Texas at Austin", "TX", Sector::Edu),
    ("cmu.edu", "Carnegie Mellon University", "PA", Sector::Edu),
    ("gatech.edu", "Georgia Institute of Technology", "GA", Sector::Edu),
    ("uw.edu", "University of Washington", "WA", Sector::Edu),
    ("asu.edu", "Arizona State University", "AZ", Sector::Edu),
    ("nyu.edu", "New York University", "NY", Sector::Edu),
    ("jhu.edu", "Johns Hopkins University", "MD", Sector::Edu),
    ("deanza.edu", "De Anza College", "CA", Sector::Edu),
    ("pcc.edu", "Portland Community College", "OR", Sector::Edu),
    ("williams.edu", "Williams College", "MA", Sector::Edu),
    ("lausd.net", "Los Angeles Unified School District", "CA", Sector::K12),
    ("sfusd.edu", "San Francisco Unified School District", "CA", Sector::K12),
    ("fcps.edu", "Fairfax County Public Schools", "VA", Sector::K12),
    ("cps.edu", "Chicago Public Schools", "IL", Sector::K12),
    ("schools.nyc.gov", "NYC Department of Education", "NY", Sector::K12),
    ("houstonisd.org", "Houston ISD", "TX", Sector::K12),
    ("dadeschools.net", "Miami-Dade County Public Schools", "FL", Sector::K12),
    ("springfield.k12.il.us", "Springfield Public Schools District 186", "IL", Sector::K12),
];

/// Display names for the domains of the data files; other domains get their
/// first label, capitalized.
#[rustfmt::skip]
const KNOWN_NAMES: &[(&str, &str)] = &[
    ("lockheedmartin.com", "Lockheed Martin"), ("lmco.com", "Lockheed Martin"),
    ("boeing.com", "The Boeing Company"), ("rtx.com", "RTX"), ("raytheon.com", "Raytheon"),
    ("northropgrumman.com", "Northrop Grumman"), ("ngc.com", "Northrop Grumman"),
    ("gd.com", "General Dynamics"), ("gdit.com", "General Dynamics Information Technology"),
    ("gdms.com", "General Dynamics Mission Systems"), ("baesystems.com", "BAE Systems"),
    ("l3harris.com", "L3Harris Technologies"), ("hii.com", "Huntington Ingalls Industries"),
    ("textron.com", "Textron"), ("leonardodrs.com", "Leonardo DRS"),
    ("curtisswright.com", "Curtiss-Wright"), ("oshkoshdefense.com", "Oshkosh Defense"),
    ("leidos.com", "Leidos"), ("saic.com", "SAIC"), ("boozallen.com", "Booz Allen Hamilton"),
    ("bah.com", "Booz Allen Hamilton"), ("caci.com", "CACI International"),
    ("mantech.com", "ManTech"), ("peraton.com", "Peraton"), ("parsons.com", "Parsons"),
    ("jacobs.com", "Jacobs"), ("kbr.com", "KBR"), ("amentum.com", "Amentum"), ("v2x.com", "V2X"),
    ("maximus.com", "Maximus"), ("icf.com", "ICF"), ("accenturefederal.com", "Accenture Federal Services"),
    ("sncorp.com", "Sierra Nevada Corporation"), ("spacex.com", "SpaceX"),
    ("blueorigin.com", "Blue Origin"), ("anduril.com", "Anduril Industries"),
    ("palantir.com", "Palantir Technologies"), ("dynetics.com", "Dynetics"),
    ("mitre.org", "The MITRE Corporation"), ("aerospace.org", "The Aerospace Corporation"),
    ("rand.org", "RAND Corporation"), ("battelle.org", "Battelle"),
    ("jhuapl.edu", "Johns Hopkins Applied Physics Laboratory"), ("ll.mit.edu", "MIT Lincoln Laboratory"),
    ("ibm.com", "IBM"), ("microsoft.com", "Microsoft"), ("oracle.com", "Oracle"),
    ("salesforce.com", "Salesforce"), ("adobe.com", "Adobe"), ("intel.com", "Intel"),
    ("cisco.com", "Cisco Systems"), ("hp.com", "HP"), ("dell.com", "Dell Technologies"),
    ("nvidia.com", "NVIDIA"), ("google.com", "Google"), ("amazon.com", "Amazon"),
    ("netflix.com", "Netflix"), ("uber.com", "Uber"), ("airbnb.com", "Airbnb"),
    ("stripe.com", "Stripe"), ("snowflake.com", "Snowflake"), ("databricks.com", "Databricks"),
    ("workday.com", "Workday"), ("servicenow.com", "ServiceNow"), ("intuit.com", "Intuit"),
    ("paypal.com", "PayPal"), ("visa.com", "Visa"), ("wellsfargo.com", "Wells Fargo"),
    ("chevron.com", "Chevron"), ("disney.com", "The Walt Disney Company"),
    ("kp.org", "Kaiser Permanente"), ("sutterhealth.org", "Sutter Health"),
    ("mattel.com", "Mattel"), ("snap.com", "Snap"), ("qualcomm.com", "Qualcomm"),
    ("illumina.com", "Illumina"), ("gilead.com", "Gilead Sciences"), ("gene.com", "Genentech"),
    ("tesla.com", "Tesla"), ("jpmchase.com", "JPMorgan Chase & Co."), ("pfizer.com", "Pfizer"),
    ("walmart.com", "Walmart"), ("target.com", "Target"), ("costco.com", "Costco Wholesale"),
    ("starbucks.com", "Starbucks"), ("nike.com", "Nike"), ("ge.com", "General Electric"),
    ("sap.com", "SAP SE"),
];

#[rustfmt::skip]
const INDUSTRIES: &[&str] = &[
    "Technology", "Computer Software", "Information Technology & Services", "Internet",
    "Financial Services", "Banking", "Insurance", "Healthcare", "Hospital & Health Care",
    "Manufacturing", "Retail", "Consumer Goods", "Telecommunications", "Media", "Energy",
    "Oil & Energy", "Real Estate", "Construction", "Logistics", "Transportation/Trucking/Railroad",
    "Pharmaceuticals", "Biotechnology", "Automotive", "Consulting", "Nonprofit",
    "Marketing and Advertising", "Software, SaaS", "Food & Beverages", "technology", "SOFTWARE",
];

#[rustfmt::skip]
const GOV_INDUSTRIES: &[&str] = &["Government Administration", "Government", "Public Sector", "Public Administration"];
#[rustfmt::skip]
const MIL_INDUSTRIES: &[&str] = &["Defense & Space", "Military", "Government"];
#[rustfmt::skip]
const EDU_INDUSTRIES: &[&str] = &["Higher Education", "Education", "Research"];
#[rustfmt::skip]
const K12_INDUSTRIES: &[&str] = &["Primary/Secondary Education", "K-12 Education", "Education Management"];
#[rustfmt::skip]
const FEDERAL_INDUSTRIES: &[&str] = &["Aerospace & Defense", "Defense & Space", "IT Services, Consulting", "Government Services"];

/// Addresses that pass for an email at a glance but are not one.
#[rustfmt::skip]
const BAD_EMAILS: &[&str] = &[
    "jane.doe.example.com", "info@@summitlabs.com", "sales@localhost", "@nowhere.com",
    "mark@", "see notes", "john at acme dot com",
];

// ---------------------------------------------------------------------------
// The generator

/// Where a lead's email domain comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Federal,
    Account,
    Public,
    FreeMail,
    Company,
}

struct Org {
    domain: &'static str,
    name: String,
}

struct Generator {
    rng: Rng,
    id_prefix: [u8; 4],
    federal: Vec<Org>,
    accounts: Vec<Org>,
    /// Scratch space for the field being written.
    f: Vec<u8>,
    countries_total: u32,
    us_state_weights: Vec<(usize, u32)>,
    us_states_total: u32,
}

fn org(domain: &'static str) -> Org {
    let name = match KNOWN_NAMES.iter().find(|(d, _)| *d == domain) {
        Some((_, n)) => (*n).to_string(),
        None => {
            let label = domain.split('.').next().unwrap_or(domain);
            let mut name = String::with_capacity(label.len());
            for (i, c) in label.chars().enumerate() {
                name.push(if i == 0 { c.to_ascii_uppercase() } else { c });
            }
            name
        }
    };
    Org { domain, name }
}

/// The domains of a list file: one per line, `#` comments, blank lines skipped.
fn list_lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
}

impl Generator {
    fn new(seed: u64) -> Generator {
        let federal: Vec<Org> = list_lines(FEDERAL_DOMAINS).map(org).collect();
        let accounts: Vec<Org> = ACCOUNTS
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').next())
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(org)
            .collect();
        let mut rng = Rng(seed);
        let mut id_prefix = [0u8; 4];
        const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        for b in &mut id_prefix {
            *b = *rng.pick(ALNUM);
        }
        let countries_total = total(COUNTRIES) + US_WEIGHT + CANADA_WEIGHT + MISSING_COUNTRY_WEIGHT;
        let us_state_weights: Vec<(usize, u32)> = US_STATES
            .iter()
            .enumerate()
            .map(|(i, s)| (i, s.weight))
            .collect();
        let us_states_total = total(&us_state_weights);
        Generator {
            rng,
            id_prefix,
            federal,
            accounts,
            f: Vec::with_capacity(256),
            countries_total,
            us_state_weights,
            us_states_total,
        }
    }

    /// Appends the scratch field to `line`, quoted when it must be (or, now and
    /// then, when it need not be, as some exports do), then `,` or a newline.
    fn emit(&mut self, line: &mut Vec<u8>, last: bool) {
        let needs = self
            .f
            .iter()
            .any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'));
        if needs || (!self.f.is_empty() && self.rng.chance(15)) {
            line.push(b'"');
            for &b in &self.f {
                if b == b'"' {
                    line.push(b'"');
                }
                line.push(b);
            }
            line.push(b'"');
        } else {
            line.extend_from_slice(&self.f);
        }
        line.push(if last { b'\n' } else { b',' });
        self.f.clear();
    }

    fn placeholder(&mut self) {
        let p = *self.rng.pick(PLACEHOLDERS);
        self.f.extend_from_slice(p.as_bytes());
    }

    fn row(&mut self, index: u64, line: &mut Vec<u8>) {
        // Country: which one, and whether the lead typed it.
        let roll = self.rng.below(u64::from(self.countries_total)) as u32;
        let (geo, country, country_missing) = if roll < US_WEIGHT {
            (Geo::Us, None, false)
        } else if roll < US_WEIGHT + CANADA_WEIGHT {
            (Geo::Canada, None, false)
        } else if roll < US_WEIGHT + CANADA_WEIGHT + MISSING_COUNTRY_WEIGHT {
            // No country given; most such leads are American anyway.
            (Geo::Us, None, true)
        } else {
            let mut r = roll - US_WEIGHT - CANADA_WEIGHT - MISSING_COUNTRY_WEIGHT;
            let mut found = &COUNTRIES[0].0;
            for (c, w) in COUNTRIES {
                if r < *w {
                    found = c;
                    break;
                }
                r -= w;
            }
            (Geo::Other, Some(found), false)
        };

        let kind = self.kind(geo);
        let public = if kind == Kind::Public {
            Some(*self.rng.pick(PUBLIC))
        } else {
            None
        };
        let us_state = match (geo, public) {
            (Geo::Us, Some((_, _, code, _))) => US_STATES.iter().position(|s| s.code == code),
            (Geo::Us, None) => Some(
                *self
                    .rng
                    .weighted(&self.us_state_weights, self.us_states_total),
            ),
            _ => None,
        };
        let province = if geo == Geo::Canada {
            Some(self.rng.below(PROVINCES.len() as u64) as usize)
        } else {
            None
        };
        let sparse = self.rng.chance(12); // a web form that only asked for the email

        // Lead ID
        self.f.extend_from_slice(b"00Q");
        self.f.extend_from_slice(&self.id_prefix);
        push_padded(&mut self.f, index + 1, 8);
        self.emit(line, false);

        // First and last name
        let first = *self.rng.pick(FIRST);
        let last = *self.rng.pick(LAST);
        if !sparse {
            self.name(first.0, true);
        }
        self.emit(line, false);
        if !sparse {
            if self.rng.chance(15) {
                let p = if self.rng.chance(500) {
                    "[not provided]"
                } else {
                    "-"
                };
                self.f.extend_from_slice(p.as_bytes());
            } else {
                self.name(last.0, false);
            }
        }
        self.emit(line, false);

        // Email, and the company behind it
        let (domain, company): (String, Option<String>) = self.domain(kind, geo, country, public);
        self.email(first.1, last.1, &domain);
        self.emit(line, false);

        if !sparse {
            self.company(company.as_deref(), kind, geo, country);
        }
        self.emit(line, false);

        // Country
        if !sparse {
            if country_missing {
                if self.rng.chance(500) {
                    self.placeholder();
                }
            } else {
                let spelling = match (geo, country) {
                    (Geo::Us, _) => *self.rng.skewed(US_SPELLINGS),
                    (Geo::Canada, _) => *self.rng.skewed(CANADA_SPELLINGS),
                    (_, Some(c)) => *self.rng.skewed(c.spellings),
                    _ => "",
                };
                self.f.extend_from_slice(spelling.as_bytes());
                if self.rng.chance(20) {
                    self.f.push(b' '); // trailing blank from a copy-paste
                }
            }
        }
        self.emit(line, false);

        // State
        if !sparse {
            self.state(geo, country, us_state, province);
        }
        self.emit(line, false);

        // Postal code
        if !sparse {
            self.postal(geo, country, us_state, province);
        }
        self.emit(line, false);

        // Employees and revenue
        let employees = self.headcount(kind, public);
        if !sparse {
            self.employees(employees);
        }
        self.emit(line, false);
        if !sparse {
            self.revenue(employees, geo, country);
        }
        self.emit(line, false);

        // Industry
        if !sparse {
            self.industry(kind, public);
        }
        self.emit(line, false);

        // Phone
        if !sparse {
            self.phone(geo, country, us_state, province);
        }
        self.emit(line, true);
    }

    fn kind(&mut self, geo: Geo) -> Kind {
        let r = self.rng.below(1000);
        match geo {
            Geo::Us => match r {
                0..=59 => Kind::Federal,
                60..=159 => Kind::Account,
                160..=259 => Kind::Public,
                260..=369 => Kind::FreeMail,
                _ => Kind::Company,
            },
            _ => match r {
                0..=4 => Kind::Federal,
                5..=59 => Kind::Account,
                60..=179 => Kind::FreeMail,
                _ => Kind::Company,
            },
        }
    }

    fn name(&mut self, name: &str, first: bool) {
        let r = self.rng.below(1000);
        if first && r < 6 {
            let n = *self.rng.pick(NICKNAMES);
            self.f.extend_from_slice(n.as_bytes());
            return;
        }
        let start = self.f.len();
        if r < 16 {
            self.f.push(b' ');
        }
        self.f.extend_from_slice(name.as_bytes());
        if name.is_ascii() {
            if (16..36).contains(&r) {
                self.f[start..].make_ascii_uppercase();
            } else if (36..56).contains(&r) {
                self.f[start..].make_ascii_lowercase();
            }
        }
        if (56..66).contains(&r) {
            self.f.extend_from_slice(b"  ");
        }
    }

    /// The email domain (as typed) and, where known, the organization's name.
    fn domain(
        &mut self,
        kind: Kind,
        geo: Geo,
        country: Option<&Country>,
        public: Option<(&'static str, &'static str, &'static str, Sector)>,
    ) -> (String, Option<String>) {
        match kind {
            Kind::Federal => {
                let org = self.rng.pick(&self.federal);
                let (d, n) = (org.domain, org.name.clone());
                let mut domain = String::new();
                if self.rng.chance(100) {
                    let sub = *self.rng.pick(&["us.", "mail.", "corp."]);
                    domain.push_str(sub);
                }
                domain.push_str(d);
                (domain, Some(n))
            }
            Kind::Account => {
                let org = self.rng.pick(&self.accounts);
                let (d, n) = (org.domain, org.name.clone());
                let mut domain = String::new();
                if self.rng.chance(150) {
                    let sub = *self.rng.pick(ACCOUNT_SUBDOMAINS);
                    domain.push_str(sub);
                }
                domain.push_str(d);
                (domain, Some(n))
            }
            Kind::Public => {
                let (d, n, _, sector) = public.unwrap_or(PUBLIC[0]);
                let mut domain = String::new();
                if sector == Sector::Edu && self.rng.chance(150) {
                    let sub = *self.rng.pick(&["cs.", "med.", "eng.", "law."]);
                    domain.push_str(sub);
                }
                domain.push_str(d);
                (domain, Some(n.to_string()))
            }
            Kind::FreeMail => (self.rng.pick(FREE_MAIL).to_string(), None),
            Kind::Company => {
                let head = *self.rng.pick(COMPANY_HEAD);
                let tail = *self.rng.pick(COMPANY_TAIL);
                let tld = match (geo, country) {
                    (Geo::Other, Some(c)) => *self.rng.skewed(c.tlds),
                    (Geo::Canada, _) => *self.rng.pick(&[".ca", ".com"]),
                    _ => *self.rng.pick(US_TLDS),
                };
                let mut domain = String::with_capacity(head.len() + tail.len() + tld.len());
                domain.push_str(head);
                if self.rng.chance(150) {
                    domain.push('-');
                }
                domain.push_str(tail);
                domain.make_ascii_lowercase();
                domain.push_str(tld);
                let mut name = String::with_capacity(head.len() + tail.len() + 1);
                name.push_str(head);
                name.push(' ');
                name.push_str(tail);
                (domain, Some(name))
            }
        }
    }

    fn email(&mut self, first: &str, last: &str, domain: &str) {
        let r = self.rng.below(1000);
        if r < 30 {
            self.placeholder();
            return;
        }
        if r < 45 {
            return; // empty
        }
        if r < 60 {
            let bad = *self.rng.pick(BAD_EMAILS);
            self.f.extend_from_slice(bad.as_bytes());
            return;
        }
        if r < 70 {
            self.f.push(b' ');
        }
        let start = self.f.len();
        match self.rng.below(6) {
            0 | 1 => {
                self.f.extend_from_slice(first.as_bytes());
                self.f.push(b'.');
                self.f.extend_from_slice(last.as_bytes());
            }
            2 => {
                self.f.push(first.as_bytes()[0]);
                self.f.extend_from_slice(last.as_bytes());
            }
            3 => self.f.extend_from_slice(first.as_bytes()),
            4 => {
                self.f.extend_from_slice(first.as_bytes());
                self.f.push(b'_');
                self.f.extend_from_slice(last.as_bytes());
            }
            _ => {
                self.f.extend_from_slice(first.as_bytes());
                self.f.push(last.as_bytes()[0]);
                push_u64(&mut self.f, self.rng.between(1, 99));
            }
        }
        let local_end = self.f.len();
        self.f.push(b'@');
        if self.rng.chance(12) {
            self.f.extend_from_slice(b"www.");
        }
        self.f.extend_from_slice(domain.as_bytes());
        let c = self.rng.below(1000);
        if c < 120 {
            // Jane.Doe@Company.com
            capitalize_words(&mut self.f[start..local_end]);
            if let Some(b) = self.f.get_mut(local_end + 1) {
                b.make_ascii_uppercase();
            }
        } else if c < 140 {
            self.f[start..].make_ascii_uppercase();
        }
        if (60..70).contains(&r) {
            self.f.push(b' ');
        }
    }

    fn company(&mut self, known: Option<&str>, kind: Kind, geo: Geo, country: Option<&Country>) {
        let r = self.rng.below(1000);
        if r < 25 {
            self.placeholder();
            return;
        }
        if r < 45 {
            return;
        }
        let start = self.f.len();
        match (kind, known) {
            (Kind::FreeMail, _) | (_, None) => {
                // Someone with a personal address: a company name, their own, or nothing.
                if self.rng.chance(300) {
                    return;
                }
                if self.rng.chance(150) {
                    self.f.extend_from_slice(b"Self-employed");
                    return;
                }
                let head = *self.rng.pick(COMPANY_HEAD);
                let tail = *self.rng.pick(COMPANY_TAIL);
                self.f.extend_from_slice(head.as_bytes());
                self.f.push(b' ');
                self.f.extend_from_slice(tail.as_bytes());
            }
            (Kind::Company, Some(name)) => {
                if self.rng.chance(40) {
                    self.f.extend_from_slice(b"The ");
                }
                self.f.extend_from_slice(name.as_bytes());
                let suffix = match (geo, country) {
                    (Geo::Other, Some(c)) => *self.rng.skewed(c.suffixes),
                    _ => *self.rng.pick(US_SUFFIXES),
                };
                self.f.extend_from_slice(suffix.as_bytes());
            }
            (_, Some(name)) => {
                self.f.extend_from_slice(name.as_bytes());
                if kind == Kind::Account || kind == Kind::Federal {
                    let suffix =
                        *self
                            .rng
                            .pick(&["", "", "", " Inc.", ", Inc.", " Corporation", " Corp"]);
                    self.f.extend_from_slice(suffix.as_bytes());
                }
            }
        }
        let c = self.rng.below(1000);
        if c < 30 {
            self.f[start..].make_ascii_uppercase();
        } else if c < 36 {
            // A note pasted into the company box: a quoted newline.
            self.f.extend_from_slice(b"\nAttn: Accounts Payable");
        } else if c < 40 {
            self.f.extend_from_slice(b" (formerly \"");
            let head = *self.rng.pick(COMPANY_HEAD);
            self.f.extend_from_slice(head.as_bytes());
            self.f.extend_from_slice(b" Corp\")");
        }
    }

    fn state(
        &mut self,
        geo: Geo,
        country: Option<&Country>,
        us: Option<usize>,
        province: Option<usize>,
    ) {
        let r = self.rng.below(1000);
        match geo {
            Geo::Us => {
                if r < 60 {
                    return;
                }
                if r < 80 {
                    self.placeholder();
                    return;
                }
                let Some(s) = us.map(|i| &US_STATES[i]) else {
                    return;
                };
                let text = match r {
                    80..=579 => s.code,
                    580..=799 => s.name,
                    _ if s.code == "CA" && r < 860 => {
                        *self
                            .rng
                            .pick(&["Calif.", "california", "Cal.", "CALIFORNIA"])
                    }
                    800..=879 => {
                        let start = self.f.len();
                        self.f.extend_from_slice(s.name.as_bytes());
                        self.f[start..].make_ascii_lowercase();
                        return;
                    }
                    880..=919 => {
                        let start = self.f.len();
                        self.f.extend_from_slice(s.code.as_bytes());
                        self.f[start..].make_ascii_lowercase();
                        return;
                    }
                    920..=949 => {
                        let start = self.f.len();
                        self.f.extend_from_slice(s.name.as_bytes());
                        self.f[start..].make_ascii_uppercase();
                        return;
                    }
                    950..=979 => {
                        self.f.extend_from_slice(s.code.as_bytes());
                        self.f.push(b' ');
                        return;
                    }
                    _ => s.code,
                };
                self.f.extend_from_slice(text.as_bytes());
            }
            Geo::Canada => {
                if r < 100 {
                    return;
                }
                if let Some(p) = province {
                    let name = *self.rng.skewed(PROVINCES[p].1);
                    self.f.extend_from_slice(name.as_bytes());
                }
            }
            Geo::Other => {
                if let Some(c) = country {
                    if r < 150 && !c.regions.is_empty() {
                        let region = *self.rng.pick(c.regions);
                        self.f.extend_from_slice(region.as_bytes());
                    } else if r < 170 {
                        self.placeholder();
                    }
                }
            }
        }
    }

    fn postal(
        &mut self,
        geo: Geo,
        country: Option<&Country>,
        us: Option<usize>,
        province: Option<usize>,
    ) {
        let r = self.rng.below(1000);
        if r < 50 {
            return;
        }
        if r < 65 {
            self.placeholder();
            return;
        }
        match geo {
            Geo::Us => {
                let Some(s) = us.map(|i| &US_STATES[i]) else {
                    return;
                };
                let prefix = self.rng.between(u64::from(s.zip.0), u64::from(s.zip.1));
                // California's last ZIP is 96162.
                let top = if prefix == 961 { 62 } else { 99 };
                let zip = prefix * 100 + self.rng.between(1, top);
                let plus4 = self.rng.between(1, 9999);
                let v = self.rng.below(1000);
                let lost_zero = zip < 10_000 && self.rng.chance(400);
                let width = if lost_zero { 4 } else { 5 };
                if v < 40 {
                    // "CA 94105", copied from an address line: unreadable.
                    self.f.extend_from_slice(s.code.as_bytes());
                    self.f.push(b' ');
                    push_padded(&mut self.f, zip, 5);
                    return;
                }
                push_padded(&mut self.f, zip, width);
                if v < 180 {
                    self.f.push(b'-');
                    push_padded(&mut self.f, plus4, 4);
                } else if v < 210 && !lost_zero {
                    push_padded(&mut self.f, plus4, 4);
                }
            }
            Geo::Canada => {
                let p = &PROVINCES[province.unwrap_or(0)];
                let letters = p.2.as_bytes();
                self.f.push(*self.rng.pick(letters));
                self.pattern("#%");
                if self.rng.chance(800) {
                    self.f.push(b' ');
                }
                self.pattern("#%#");
            }
            Geo::Other => {
                let Some(c) = country else { return };
                if c.code == "CH" {
                    // Swiss postal codes by language region.
                    let code = match self.rng.below(10) {
                        0..=2 => self.rng.between(1000, 2999),
                        3 => self.rng.between(6500, 6999),
                        4..=5 => self.rng.between(3000, 6499),
                        _ => self.rng.between(7000, 9658),
                    };
                    if self.rng.chance(100) {
                        self.f.extend_from_slice(b"CH-");
                    }
                    push_u64(&mut self.f, code);
                    return;
                }
                let pattern = *self.rng.pick(c.postal);
                self.pattern(pattern);
            }
        }
    }

    /// Writes `pattern` with each `#` a random digit and each `%` a random capital letter.
    fn pattern(&mut self, pattern: &str) {
        for b in pattern.bytes() {
            let out = match b {
                b'#' => b'0' + self.rng.below(10) as u8,
                b'%' => b'A' + self.rng.below(26) as u8,
                other => other,
            };
            self.f.push(out);
        }
    }

    /// The company's head count, or `None` when the lead did not say.
    fn headcount(&mut self, kind: Kind, public: Option<(&str, &str, &str, Sector)>) -> Option<u64> {
        if self.rng.chance(120) {
            return None;
        }
        let band = match (kind, public) {
            (Kind::Account, _) | (Kind::Federal, _) => self.rng.between(3, 5),
            (Kind::Public, Some((_, _, _, Sector::Edu))) => self.rng.between(2, 4),
            (Kind::Public, _) => self.rng.between(2, 5),
            // Most companies are small.
            _ => match self.rng.below(100) {
                0..=29 => 0,
                30..=51 => 1,
                52..=71 => 2,
                72..=86 => 3,
                87..=95 => 4,
                _ => 5,
            },
        };
        Some(match band {
            0 => self.rng.between(1, 49),
            1 => self.rng.between(50, 199),
            2 => self.rng.between(200, 999),
            3 => self.rng.between(1_000, 9_999),
            4 => self.rng.between(10_000, 99_999),
            _ => self.rng.between(100_000, 400_000),
        })
    }

    fn employees(&mut self, count: Option<u64>) {
        let Some(n) = count else {
            if self.rng.chance(500) {
                self.placeholder();
            }
            return;
        };
        let r = self.rng.below(1000);
        match r {
            0..=499 => push_u64(&mut self.f, n),
            500..=649 if n >= 1000 => push_grouped(&mut self.f, n),
            650..=729 if n >= 1000 => {
                // 5K, 1.2k
                push_scaled(&mut self.f, n, 1000);
                let k = if self.rng.chance(500) { b'K' } else { b'k' };
                self.f.push(k);
            }
            730..=799 => {
                // A band from a web form's drop-down.
                let (lo, hi) = match n {
                    0..=49 => (1, 50),
                    50..=199 => (50, 200),
                    200..=999 => (201, 1000),
                    1000..=9999 => (1001, 10000),
                    _ => (10000, 0),
                };
                push_u64(&mut self.f, lo);
                if hi == 0 {
                    self.f.push(b'+');
                } else {
                    self.f.push(b'-');
                    push_u64(&mut self.f, hi);
                }
            }
            800..=809 => self.f.extend_from_slice(b"2.5M"), // a revenue figure in the wrong box
            810..=819 if n >= 1000 => {
                // European grouping: 1.200 (reads as 1)
                push_u64(&mut self.f, n / 1000);
                self.f.push(b'.');
                push_padded(&mut self.f, n % 1000, 3);
            }
            820..=829 => {
                self.f.extend_from_slice(b"approx. ");
                push_u64(&mut self.f, n);
            }
            _ => push_u64(&mut self.f, n),
        }
    }

    fn revenue(&mut self, employees: Option<u64>, geo: Geo, country: Option<&Country>) {
        let r = self.rng.below(1000);
        if r < 220 {
            return;
        }
        if r < 280 {
            self.placeholder();
            return;
        }
        // Revenue per head between $40k and $400k; a guess when head count is unknown.
        let heads = employees.unwrap_or_else(|| self.rng.between(5, 5000));
        let dollars = heads * self.rng.between(40, 400) * 1000;
        let currency = match (geo, country) {
            (Geo::Other, Some(c)) => *self.rng.skewed(c.currency),
            (Geo::Canada, _) => *self.rng.pick(&["CAD", "C$", "$"]),
            _ => "$",
        };
        let symbol = currency
            .chars()
            .next()
            .is_some_and(|c| !c.is_ascii_alphabetic());
        let style = self.rng.below(10);
        let before = symbol || style < 6;
        if before {
            self.f.extend_from_slice(currency.as_bytes());
            if !symbol && !currency.ends_with(' ') {
                self.f.push(b' ');
            }
        }
        match style {
            0..=3 => {
                // $2.5M, $1.2B, $750K
                if dollars >= 1_000_000_000 {
                    push_scaled(&mut self.f, dollars, 1_000_000_000);
                    self.f.push(b'B');
                } else if dollars >= 1_000_000 {
                    push_scaled(&mut self.f, dollars, 1_000_000);
                    self.f.push(if self.rng.chance(800) { b'M' } else { b'm' });
                } else {
                    push_scaled(&mut self.f, dollars, 1000);
                    self.f.push(b'K');
                }
            }
            4..=6 => push_grouped(&mut self.f, dollars),
            7 => {
                push_grouped(&mut self.f, dollars);
                self.f.extend_from_slice(b".00");
            }
            _ => push_u64(&mut self.f, dollars),
        }
        if !before {
            self.f.push(b' ');
            self.f.extend_from_slice(currency.trim().as_bytes());
        }
    }

    fn industry(&mut self, kind: Kind, public: Option<(&str, &str, &str, Sector)>) {
        if self.rng.chance(100) {
            return;
        }
        if self.rng.chance(40) {
            self.placeholder();
            return;
        }
        let list = match (kind, public) {
            (Kind::Public, Some((_, _, _, Sector::Gov))) => GOV_INDUSTRIES,
            (Kind::Public, Some((_, _, _, Sector::Mil))) => MIL_INDUSTRIES,
            (Kind::Public, Some((_, _, _, Sector::Edu))) => EDU_INDUSTRIES,
            (Kind::Public, _) => K12_INDUSTRIES,
            (Kind::Federal, _) => FEDERAL_INDUSTRIES,
            _ => INDUSTRIES,
        };
        let text = *self.rng.pick(list);
        self.f.extend_from_slice(text.as_bytes());
    }

    fn phone(
        &mut self,
        geo: Geo,
        country: Option<&Country>,
        us: Option<usize>,
        province: Option<usize>,
    ) {
        let r = self.rng.below(1000);
        if r < 150 {
            return;
        }
        if r < 175 {
            self.placeholder();
            return;
        }
        let area = match geo {
            Geo::Us => us.map(|i| u64::from(*self.rng.pick(US_STATES[i].area))),
            Geo::Canada => province.map(|p| u64::from(*self.rng.pick(PROVINCES[p].3))),
            Geo::Other => None,
        };
        match (area, country) {
            (Some(area), _) => {
                // Fictional numbers: 555-0100 to 555-0199.
                let line = self.rng.between(100, 199);
                let ext = self.rng.between(1, 999);
                match self.rng.below(8) {
                    0 | 1 => {
                        self.f.push(b'(');
                        push_u64(&mut self.f, area);
                        self.f.extend_from_slice(b") 555-");
                        push_padded(&mut self.f, line, 4);
                    }
                    2 => {
                        push_u64(&mut self.f, area);
                        self.f.extend_from_slice(b"-555-");
                        push_padded(&mut self.f, line, 4);
                    }
                    3 => {
                        push_u64(&mut self.f, area);
                        self.f.extend_from_slice(b".555.");
                        push_padded(&mut self.f, line, 4);
                    }
                    4 => {
                        self.f.extend_from_slice(b"+1 ");
                        push_u64(&mut self.f, area);
                        self.f.extend_from_slice(b" 555 ");
                        push_padded(&mut self.f, line, 4);
                    }
                    5 => {
                        self.f.extend_from_slice(b"+1-");
                        push_u64(&mut self.f, area);
                        self.f.extend_from_slice(b"-555-");
                        push_padded(&mut self.f, line, 4);
                        self.f.extend_from_slice(b" x");
                        push_u64(&mut self.f, ext);
                    }
                    6 => {
                        push_u64(&mut self.f, area);
                        self.f.extend_from_slice(b"555");
                        push_padded(&mut self.f, line, 4);
                    }
                    _ => {
                        self.f.extend_from_slice(b"1 (");
                        push_u64(&mut self.f, area);
                        self.f.extend_from_slice(b") 555-");
                        push_padded(&mut self.f, line, 4);
                    }
                }
            }
            (None, Some(c)) => {
                let pattern = *self.rng.pick(c.phone);
                self.pattern(pattern);
            }
            (None, None) => {}
        }
    }
}

// ---------------------------------------------------------------------------
// Number formatting without allocation

fn push_u64(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(crate::decimal::decimal(n, &mut [0; 20]).as_bytes());
}

/// `n` with at least `width` digits, zero-padded.
fn push_padded(out: &mut Vec<u8>, n: u64, width: usize) {
    let mut digits = 1;
    let mut m = n / 10;
    while m > 0 {
        digits += 1;
        m /= 10;
    }
    for _ in digits..width {
        out.push(b'0');
    }
    push_u64(out, n);
}

/// `n` with commas between groups of three digits: `1,200,000`.
fn push_grouped(out: &mut Vec<u8>, n: u64) {
    if n < 1000 {
        push_u64(out, n);
        return;
    }
    push_grouped(out, n / 1000);
    out.push(b',');
    push_padded(out, n % 1000, 3);
}

/// `n / unit` with one decimal, the decimal left out when it is zero: `2.5`, `5`.
fn push_scaled(out: &mut Vec<u8>, n: u64, unit: u64) {
    let tenths = n * 10 / unit;
    push_u64(out, tenths / 10);
    if !tenths.is_multiple_of(10) {
        out.push(b'.');
        out.push(b'0' + (tenths % 10) as u8);
    }
}

/// Capitalizes the first ASCII letter of each word (words split at `.`, `_`, `-`).
fn capitalize_words(bytes: &mut [u8]) {
    let mut start = true;
    for b in bytes {
        if start && b.is_ascii_lowercase() {
            b.make_ascii_uppercase();
        }
        start = matches!(*b, b'.' | b'_' | b'-');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generate(rows: u64, seed: u64) -> Vec<u8> {
        let mut out = Vec::new();
        write_leads(&mut out, rows, seed).unwrap();
        out
    }

    fn records(bytes: &[u8]) -> Vec<csv::StringRecord> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
        let header = reader.headers().unwrap().clone();
        assert_eq!(header.iter().collect::<Vec<_>>().join(","), HEADER);
        reader.records().map(|r| r.unwrap()).collect()
    }

    #[test]
    fn same_seed_same_bytes() {
        assert_eq!(generate(2_000, 7), generate(2_000, 7));
        assert_eq!(generate(0, 7), generate(0, 7));
    }

    #[test]
    fn different_seed_different_bytes() {
        assert_ne!(generate(200, 1), generate(200, 2));
        assert_ne!(generate(200, 0), generate(200, u64::MAX));
    }

    #[test]
    fn a_prefix_of_a_longer_run() {
        // Row n does not depend on how many rows follow it.
        let short = generate(300, 11);
        let long = generate(600, 11);
        assert!(long.starts_with(&short));
    }

    #[test]
    fn zero_rows_is_just_the_header() {
        assert_eq!(generate(0, 3), format!("{HEADER}\n").into_bytes());
    }

    #[test]
    fn every_row_parses_with_the_same_number_of_fields() {
        for seed in [0, 1, 42, u64::MAX] {
            let rows = records(&generate(5_000, seed));
            assert_eq!(rows.len(), 5_000);
            for (i, r) in rows.iter().enumerate() {
                assert_eq!(r.len(), 12, "row {i}: {r:?}");
            }
        }
    }

    #[test]
    fn lead_ids_are_unique() {
        let rows = records(&generate(20_000, 5));
        let mut ids: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 20_000);
    }

    #[test]
    fn the_mess_is_there() {
        let bytes = generate(20_000, 42);
        let rows = records(&bytes);
        let n = rows.len() as f64;
        let share = |f: &dyn Fn(&csv::StringRecord) -> bool| {
            rows.iter().filter(|r| f(r)).count() as f64 / n
        };
        let email = |r: &csv::StringRecord| r[3].trim().to_ascii_lowercase();

        let gov = share(&|r| email(r).ends_with(".gov"));
        assert!((0.005..0.1).contains(&gov), "{gov}");
        assert!(share(&|r| email(r).ends_with(".mil")) > 0.0);
        assert!(share(&|r| email(r).ends_with(".edu")) > 0.005);

        let us = share(&|r| {
            let c = r[5].trim().to_ascii_lowercase();
            matches!(
                c.as_str(),
                "us" | "usa" | "united states" | "u.s." | "united states of america" | "u.s.a."
            )
        });
        assert!((0.4..0.7).contains(&us), "US share {us}");
        for spelling in [
            "USA",
            "U.S.",
            "United States",
            "us",
            "Deutschland",
            "UK",
            "NA",
        ] {
            assert!(rows.iter().any(|r| r[5].trim() == spelling), "{spelling}");
        }

        // California ZIPs with a Californian state, in all its spellings.
        let california = share(&|r| {
            let zip: String = r[7].chars().take(5).collect();
            zip.parse::<u32>()
                .is_ok_and(|z| (90001..=96162).contains(&z))
                && matches!(
                    r[6].trim(),
                    "CA" | "California" | "Calif." | "california" | "ca"
                )
        });
        assert!(california > 0.02, "{california}");
        // Every US state shows up.
        for s in US_STATES {
            assert!(rows.iter().any(|r| r[6] == *s.code), "{}", s.code);
        }

        // Domains from the data files, so the shipped rules fire.
        let federal: Vec<&str> = list_lines(FEDERAL_DOMAINS).collect();
        assert!(share(&|r| federal.iter().any(|d| email(r).ends_with(&format!("@{d}")))) > 0.01);
        assert!(share(&|r| email(r).ends_with("@ibm.com") || email(r).ends_with(".ibm.com")) > 0.0);

        // ZIP mess, head-count mess, revenue mess.
        assert!(rows
            .iter()
            .any(|r| r[7].len() == 10 && r[7].as_bytes()[5] == b'-'));
        assert!(rows
            .iter()
            .any(|r| r[7].len() == 4 && r[7].bytes().all(|b| b.is_ascii_digit())));
        assert!(rows
            .iter()
            .any(|r| r[7].contains(' ') && r[7].bytes().any(|b| b.is_ascii_uppercase())));
        for needle in [",", "K", "-", "+"] {
            assert!(
                rows.iter().any(|r| r[8].contains(needle)),
                "employees with {needle}"
            );
        }
        for needle in ["$", "€", "EUR", "£", "M"] {
            assert!(
                rows.iter().any(|r| r[9].contains(needle)),
                "revenue with {needle}"
            );
        }

        // Placeholders, quoting, newlines, non-ASCII, mixed case.
        assert!(share(&|r| PLACEHOLDERS.contains(&r[3].trim())) > 0.01);
        assert!(rows.iter().any(|r| r[4].contains('\n')));
        assert!(rows.iter().any(|r| r[4].contains(',')));
        assert!(rows.iter().any(|r| r[1].contains('"')));
        assert!(share(&|r| !r[1].is_ascii() || !r[2].is_ascii()) > 0.05);
        assert!(rows
            .iter()
            .any(|r| r[3].bytes().any(|b| b.is_ascii_uppercase())));
        assert!(!bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
        assert!(std::str::from_utf8(&bytes).is_ok());
    }

    #[test]
    fn number_formatting() {
        let f = |g: fn(&mut Vec<u8>)| {
            let mut v = Vec::new();
            g(&mut v);
            String::from_utf8(v).unwrap()
        };
        assert_eq!(f(|v| push_u64(v, 0)), "0");
        assert_eq!(f(|v| push_padded(v, 2134, 5)), "02134");
        assert_eq!(f(|v| push_grouped(v, 1_200_005)), "1,200,005");
        assert_eq!(f(|v| push_scaled(v, 2_500_000, 1_000_000)), "2.5");
        assert_eq!(f(|v| push_scaled(v, 5_000, 1000)), "5");
    }
}
