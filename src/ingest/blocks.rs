//! A CSV stream cut into blocks of whole records, so that the blocks can be
//! parsed on several threads at once. A newline ends a record only outside
//! quotes; with RFC 4180's doubled quotes, that is where an even number of
//! quotes has been seen since the start of the file.

use std::io::Read;

/// How much of a file one block holds, about: large enough that a thread's
/// start-up is nothing beside its parsing, small enough to keep both cores busy.
pub const BLOCK_BYTES: usize = 4 << 20;

/// Reads whole records from `input`, a block at a time.
pub struct RecordBlocks<R> {
    input: R,
    block_bytes: usize,
    /// Bytes after the last whole record of the block before; they start a record.
    carry: Vec<u8>,
    /// The line the next block starts on (the first line is 1).
    line: u64,
    done: bool,
}

/// A block of whole records and the line it starts on.
pub struct Block {
    pub bytes: Vec<u8>,
    pub first_line: u64,
    /// Newlines in the block: at least as many as its records but the last.
    pub newlines: u64,
}

impl<R: Read> RecordBlocks<R> {
    pub fn new(input: R, block_bytes: usize) -> Self {
        RecordBlocks {
            input,
            block_bytes,
            carry: Vec::new(),
            line: 1,
            done: false,
        }
    }

    /// The next block: whole records, of which only the file's last may lack its
    /// newline; `None` at the end of the input.
    pub fn next_block(&mut self) -> std::io::Result<Option<Block>> {
        self.next_block_in(Vec::new())
    }

    /// [`Self::next_block`], read into `buffer` (whatever it holds is dropped):
    /// the buffer of a block already parsed. A fresh one for every block would
    /// be fresh pages for the kernel to clear, a block's worth each time.
    pub fn next_block_in(&mut self, mut bytes: Vec<u8>) -> std::io::Result<Option<Block>> {
        bytes.clear();
        bytes.append(&mut self.carry);
        loop {
            let want = bytes.len().max(self.block_bytes);
            if !self.done {
                self.fill(&mut bytes, want)?;
            }
            if self.done {
                if bytes.is_empty() {
                    return Ok(None);
                }
                return Ok(Some(self.emit(bytes)));
            }
            if let Some(end) = last_record_end(&bytes) {
                self.carry.extend_from_slice(&bytes[end..]);
                bytes.truncate(end);
                return Ok(Some(self.emit(bytes)));
            }
            // One record longer than a block: read on until it ends.
            self.block_bytes *= 2;
        }
    }

    /// Reads until `bytes` holds `want` bytes or the input ends, into spare
    /// capacity: zeroing a block before reading into it costs as much again.
    fn fill(&mut self, bytes: &mut Vec<u8>, want: usize) -> std::io::Result<()> {
        let missing = want.saturating_sub(bytes.len());
        bytes.reserve_exact(missing);
        let read = (&mut self.input).take(missing as u64).read_to_end(bytes)?;
        if read < missing {
            self.done = true;
        }
        Ok(())
    }

    fn emit(&mut self, bytes: Vec<u8>) -> Block {
        let first_line = self.line;
        let newlines = memchr::memchr_iter(b'\n', &bytes).count() as u64;
        self.line += newlines;
        Block {
            bytes,
            first_line,
            newlines,
        }
    }
}

/// Just past the last newline outside quotes in `bytes`, which start outside
/// quotes; `None` when there is none.
fn last_record_end(bytes: &[u8]) -> Option<usize> {
    let mut quoted = memchr::memchr_iter(b'"', bytes).count() % 2 == 1;
    // Walking back from the end, `quoted` is the state just after byte i.
    for i in (0..bytes.len()).rev() {
        match bytes[i] {
            b'\n' if !quoted => return Some(i + 1),
            b'"' => quoted = !quoted,
            _ => {}
        }
    }
    None
}

/// Just past the first newline outside quotes: where the header record ends.
pub fn first_record_end(bytes: &[u8]) -> Option<usize> {
    let mut quoted = false;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\n' if !quoted => return Some(i + 1),
            b'"' => quoted = !quoted,
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(text: &str, size: usize) -> Vec<(String, u64)> {
        let mut reader = RecordBlocks::new(text.as_bytes(), size);
        let mut out = Vec::new();
        // Each block read into the buffer of the one before, as parsers hand them back.
        let mut spare = b"parsed already\n".to_vec();
        while let Some(block) = reader.next_block_in(spare).unwrap() {
            let newlines = block.bytes.iter().filter(|&&b| b == b'\n').count();
            assert_eq!(block.newlines, newlines as u64);
            out.push((
                String::from_utf8(block.bytes.clone()).unwrap(),
                block.first_line,
            ));
            spare = block.bytes;
        }
        out
    }

    #[test]
    fn blocks_end_at_newlines_outside_quotes_and_know_their_lines() {
        let text = "a,b\n1,\"x\ny\"\n2,\"say \"\"hi\"\"\"\n3,z";
        for size in 1..text.len() + 2 {
            let got = blocks(text, size);
            let joined: String = got.iter().map(|(b, _)| b.as_str()).collect();
            assert_eq!(joined, text, "block size {size}");
            let mut at = 0;
            for (block, line) in &got {
                // A block starts a record: its line is one past the newlines before it.
                assert_eq!(*line, 1 + text[..at].matches('\n').count() as u64);
                at += block.len();
                // It never ends inside quotes, unless it is the file's last.
                assert_eq!(block.matches('"').count() % 2, 0, "{block:?}");
            }
        }
        assert_eq!(
            blocks(text, 5)[1],
            ("1,\"x\ny\"\n".to_string(), 2),
            "the quoted newline stays inside its record"
        );
    }

    #[test]
    fn the_header_ends_at_its_first_newline_outside_quotes() {
        assert_eq!(first_record_end(b"\"a\nb\",c\n1,2\n"), Some(8));
        assert_eq!(first_record_end(b"a,b"), None);
    }
}
