//! Decimal digits of an unsigned number without `core::fmt`, which costs a
//! few hundred instructions a number: for numbers written per lead.

/// `n` in decimal, written at the end of `buf`.
pub fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &str {
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&buf[start..]).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn edges() {
        let mut buf = [0; 20];
        for n in [0, 1, 9, 10, 99, 100, u64::MAX] {
            assert_eq!(decimal(n, &mut buf), n.to_string());
        }
    }

    proptest! {
        #[test]
        fn same_as_to_string(n: u64) {
            let mut buf = [0; 20];
            prop_assert_eq!(decimal(n, &mut buf), n.to_string());
        }
    }
}
