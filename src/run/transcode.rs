//! Reading windows-1252 (latin1) lead files as UTF-8.

use encoding_rs::{Decoder, WINDOWS_1252};
use std::borrow::Cow;
use std::io::{self, Read};

/// A reader that decodes windows-1252 bytes to UTF-8 as they stream through.
pub struct Windows1252<R> {
    inner: R,
    decoder: Decoder,
    raw: Vec<u8>,
    /// Decoded text not yet handed out, from `start`.
    decoded: Vec<u8>,
    start: usize,
    done: bool,
}

impl<R: Read> Windows1252<R> {
    pub fn new(inner: R) -> Self {
        Windows1252 {
            inner,
            decoder: WINDOWS_1252.new_decoder_without_bom_handling(),
            raw: vec![0; 1 << 16],
            decoded: Vec::new(),
            start: 0,
            done: false,
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        let n = self.inner.read(&mut self.raw)?;
        self.done = n == 0;
        // Each input byte becomes at most 3 UTF-8 bytes.
        self.decoded.resize(n * 3 + 16, 0);
        let (_, _, written, _) =
            self.decoder
                .decode_to_utf8(&self.raw[..n], &mut self.decoded, self.done);
        self.decoded.truncate(written);
        self.start = 0;
        Ok(())
    }
}

impl<R: Read> Read for Windows1252<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.start == self.decoded.len() {
            if self.done {
                return Ok(0);
            }
            self.refill()?;
        }
        let n = out.len().min(self.decoded.len() - self.start);
        out[..n].copy_from_slice(&self.decoded[self.start..self.start + n]);
        self.start += n;
        Ok(n)
    }
}

/// Text read from a windows-1252 file, back in its original bytes. Every
/// windows-1252 byte decodes to a character that encodes back to it.
pub fn to_windows_1252(utf8: &[u8]) -> Cow<'_, [u8]> {
    let text = String::from_utf8_lossy(utf8);
    match WINDOWS_1252.encode(&text).0 {
        Cow::Borrowed(_) => Cow::Borrowed(utf8),
        Cow::Owned(bytes) => Cow::Owned(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_round_trips() {
        let all: Vec<u8> = (0..=255).collect();
        let mut text = String::new();
        Windows1252::new(&all[..])
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(to_windows_1252(text.as_bytes()).as_ref(), &all[..]);
    }

    #[test]
    fn decodes_accents_and_the_euro_sign() {
        let mut s = String::new();
        Windows1252::new(&b"Jos\xE9,\x80100"[..])
            .read_to_string(&mut s)
            .unwrap();
        assert_eq!(s, "José,€100");
        let mut one = [0u8; 1];
        let mut r = Windows1252::new(&b"\xE9"[..]);
        let mut bytes = vec![];
        while r.read(&mut one).unwrap() == 1 {
            bytes.push(one[0]);
        }
        assert_eq!(bytes, "é".as_bytes());
    }
}
