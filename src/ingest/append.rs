//! Extracts that grow by appending: a CSV file's mark records where it ended
//! when read, in enough detail to tell later, without parsing it again, that
//! the file is that same content with rows added after it, and to carry its
//! SHA-256 on from there. Any change before the mark, however small, shows.

use sha2::digest::common::hazmat::SerializableState;
use std::io::{Read, Seek};
use std::path::PathBuf;

/// The stretch of a file each check hash covers: small enough that checking a
/// file is shared out evenly among the cores and that re-hashing the stretch a
/// mark ends inside costs little.
pub const CHUNK_BYTES: u64 = 1 << 20;

/// Where a CSV file ended when it was read.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FileMark {
    pub bytes: u64,
    /// XXH3 (64-bit) of each `CHUNK_BYTES` of the file, the last perhaps shorter.
    pub chunk_hashes: Vec<u64>,
    /// Newlines in the file: the next line is `newlines + 1`.
    pub newlines: u64,
    /// The SHA-256 state after the whole file, to hash what is appended from.
    pub sha256_state: Vec<u8>,
}

impl FileMark {
    /// The SHA-256 as it was after the marked bytes, to go on from.
    pub fn sha256(&self) -> Option<sha2::Sha256> {
        let state = self.sha256_state.as_slice().try_into().ok()?;
        sha2::Sha256::deserialize(state).ok()
    }
}

/// What reading the rows appended to an extract's file later needs from
/// reading the file now.
#[derive(Debug, Clone)]
pub struct Continuation {
    pub mark: FileMark,
    /// For each unique column, the hashes of its values, sorted.
    pub unique_hashes: Vec<Vec<u64>>,
}

/// Whether each file still begins with exactly the bytes of its mark: every
/// chunk of every file hashed again, shared out among the cores.
pub fn still_start(files: &[(PathBuf, FileMark)]) -> std::io::Result<Vec<bool>> {
    check_chunks(files, |mark| (0..mark.chunk_hashes.len()).collect())
}

/// Whether each file's first and last marked chunks are unchanged: a cheap
/// first look that catches a file replaced outright, before [`still_start`].
pub fn ends_still_match(files: &[(PathBuf, FileMark)]) -> std::io::Result<Vec<bool>> {
    check_chunks(files, |mark| {
        let mut chunks: Vec<usize> = [0, mark.chunk_hashes.len().saturating_sub(1)].into();
        chunks.dedup();
        chunks.retain(|&c| c < mark.chunk_hashes.len());
        chunks
    })
}

/// Whether each file's `chunks` still hash as marked, and the file is still as
/// long as its mark.
fn check_chunks(
    files: &[(PathBuf, FileMark)],
    chunks: impl Fn(&FileMark) -> Vec<usize>,
) -> std::io::Result<Vec<bool>> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let mut unchanged = Vec::with_capacity(files.len());
    let mut work = Vec::new();
    for (f, (path, mark)) in files.iter().enumerate() {
        let long_enough = std::fs::metadata(path)?.len() >= mark.bytes;
        if long_enough {
            work.extend(chunks(mark).into_iter().map(|chunk| (f, chunk)));
        }
        unchanged.push(AtomicBool::new(long_enough));
    }
    let next = AtomicUsize::new(0);
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..cores.min(work.len()))
            .map(|_| {
                scope.spawn(|| -> std::io::Result<()> {
                    // Read in pieces that stay in cache: the kernel's copy into a
                    // buffer larger than the cache costs more than the hashing.
                    let mut buffer = vec![0u8; 256 << 10];
                    let mut open: Option<(usize, std::fs::File)> = None;
                    while let Some(&(f, chunk)) = work.get(next.fetch_add(1, Ordering::Relaxed)) {
                        if !unchanged[f].load(Ordering::Relaxed) {
                            continue;
                        }
                        let (path, mark) = &files[f];
                        let start = chunk as u64 * CHUNK_BYTES;
                        let mut left = (mark.bytes - start).min(CHUNK_BYTES) as usize;
                        let file = match &mut open {
                            Some((g, file)) if *g == f => file,
                            _ => &mut open.insert((f, std::fs::File::open(path)?)).1,
                        };
                        file.seek(std::io::SeekFrom::Start(start))?;
                        let mut hasher = twox_hash::XxHash3_64::with_seed(0);
                        while left > 0 {
                            let piece = &mut buffer[..left.min(256 << 10)];
                            file.read_exact(piece)?;
                            std::hash::Hasher::write(&mut hasher, piece);
                            left -= piece.len();
                        }
                        if std::hash::Hasher::finish(&hasher) != mark.chunk_hashes[chunk] {
                            unchanged[f].store(false, Ordering::Relaxed);
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        workers
            .into_iter()
            .try_for_each(|w| w.join().expect("checking a chunk does not panic"))
    })?;
    Ok(unchanged.into_iter().map(AtomicBool::into_inner).collect())
}

/// Builds a file's mark from its bytes, read in order in pieces of any size.
pub struct Marker {
    bytes: u64,
    chunk_hashes: Vec<u64>,
    chunk: twox_hash::XxHash3_64,
    newlines: u64,
    /// Newlines before here are counted already.
    count_from: u64,
    last_byte: Option<u8>,
}

impl Marker {
    pub fn new() -> Self {
        Marker::from(0, Vec::new(), 0, 0)
    }

    /// Goes on from a mark: its chunks, less the last if shorter than a chunk
    /// (which the caller reads again from its start, at `resume_at()`).
    pub fn resume(mark: &FileMark) -> Self {
        let whole = (mark.bytes / CHUNK_BYTES) as usize;
        Marker::from(
            whole as u64 * CHUNK_BYTES,
            mark.chunk_hashes[..whole].to_vec(),
            mark.newlines,
            mark.bytes,
        )
    }

    fn from(bytes: u64, chunk_hashes: Vec<u64>, newlines: u64, count_from: u64) -> Self {
        Marker {
            bytes,
            chunk_hashes,
            chunk: twox_hash::XxHash3_64::with_seed(0),
            newlines,
            count_from,
            last_byte: None,
        }
    }

    /// The number of the file's last line when it has no newline (the file
    /// may have been cut in it); `None` when it ends with one, or is empty.
    pub fn unterminated_line(&self) -> Option<u64> {
        self.last_byte
            .filter(|&b| b != b'\n')
            .map(|_| self.newlines + 1)
    }

    /// Where the bytes to give `update` start.
    pub fn resume_at(&self) -> u64 {
        self.bytes
    }

    pub fn update(&mut self, mut data: &[u8]) {
        use std::hash::Hasher;
        self.last_byte = data.last().copied().or(self.last_byte);
        let counted = self
            .count_from
            .saturating_sub(self.bytes)
            .min(data.len() as u64);
        self.newlines += memchr::memchr_iter(b'\n', &data[counted as usize..]).count() as u64;
        while !data.is_empty() {
            let room = (CHUNK_BYTES - self.bytes % CHUNK_BYTES) as usize;
            let (now, later) = data.split_at(room.min(data.len()));
            self.chunk.write(now);
            self.bytes += now.len() as u64;
            if self.bytes.is_multiple_of(CHUNK_BYTES) {
                self.chunk_hashes.push(self.chunk.finish());
                self.chunk = twox_hash::XxHash3_64::with_seed(0);
            }
            data = later;
        }
    }

    /// The mark, given the file's SHA-256 so far; `None` unless the file ends
    /// with a newline, as a file rows are appended to does (else the next row
    /// would extend the last).
    pub fn finish(mut self, sha256: &sha2::Sha256) -> Option<FileMark> {
        use std::hash::Hasher;
        if self.last_byte != Some(b'\n') {
            return None;
        }
        if !self.bytes.is_multiple_of(CHUNK_BYTES) {
            self.chunk_hashes.push(self.chunk.finish());
        }
        Some(FileMark {
            bytes: self.bytes,
            chunk_hashes: self.chunk_hashes,
            newlines: self.newlines,
            sha256_state: sha256.serialize().to_vec(),
        })
    }
}

impl Default for Marker {
    fn default() -> Self {
        Marker::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;

    fn mark_of(bytes: &[u8], piece: usize) -> Option<FileMark> {
        let mut marker = Marker::new();
        let mut sha = sha2::Sha256::new();
        for p in bytes.chunks(piece) {
            marker.update(p);
            sha.update(p);
        }
        marker.finish(&sha)
    }

    #[test]
    fn a_mark_tells_an_appended_file_from_a_changed_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("crimes.csv");
        // Longer than two chunks, so the check is shared out and ends inside a chunk.
        let line = b"CR00000001,2024-01-31,burglary,southby\n";
        let old: Vec<u8> = line.repeat((2 * CHUNK_BYTES as usize) / line.len() + 1000);
        std::fs::write(&path, &old).unwrap();
        let mark = mark_of(&old, 1 << 20).expect("ends with a newline");
        assert_eq!(mark.bytes, old.len() as u64);
        assert_eq!(mark.chunk_hashes.len(), 3);
        assert_eq!(
            mark.newlines,
            old.iter().filter(|&&b| b == b'\n').count() as u64
        );
        // Pieces of another size give the same mark.
        assert_eq!(mark_of(&old, 4093), Some(mark.clone()));
        let files = [(path.clone(), mark.clone())];
        assert_eq!(still_start(&files).unwrap(), [true]);

        let mut appended = old.clone();
        appended.extend_from_slice(b"CR00000002,2024-02-01,robbery,westby\n");
        std::fs::write(&path, &appended).unwrap();
        assert_eq!(still_start(&files).unwrap(), [true]);
        assert_eq!(ends_still_match(&files).unwrap(), [true]);

        // One byte changed in any chunk, or the file cut short: not the same
        // start. The first look sees only a change in the first or last chunk.
        for (at, in_an_end) in [
            (5, true),
            (CHUNK_BYTES as usize + 7, false),
            (old.len() - 2, true),
        ] {
            let mut changed = appended.clone();
            changed[at] ^= 1;
            std::fs::write(&path, &changed).unwrap();
            assert_eq!(still_start(&files).unwrap(), [false], "byte {at}");
            assert_eq!(ends_still_match(&files).unwrap(), [!in_an_end], "byte {at}");
        }
        std::fs::write(&path, &old[..old.len() - 1]).unwrap();
        assert_eq!(still_start(&files).unwrap(), [false]);
        assert_eq!(ends_still_match(&files).unwrap(), [false]);
        // A file that does not end with a newline cannot be appended to.
        assert_eq!(mark_of(&old[..old.len() - 1], 1 << 20), None);
    }

    #[test]
    fn going_on_from_a_mark_gives_the_mark_and_hash_of_the_whole_file() {
        let line = b"R1,CR1,2024-01-11,violent_crime,southby,5,3,3,3,1,white\n";
        let old: Vec<u8> = line.repeat(CHUNK_BYTES as usize / line.len() + 10);
        let added = line.repeat(100);
        let whole = [old.clone(), added.clone()].concat();
        let mark = mark_of(&old, 1 << 16).unwrap();

        let mut marker = Marker::resume(&mark);
        let mut sha = mark.sha256().expect("the state reads back");
        // The marker re-reads the chunk the mark ended inside; the hash goes on from the mark.
        marker.update(&old[marker.resume_at() as usize..]);
        marker.update(&added);
        sha.update(&added);
        let resumed = marker.finish(&sha).unwrap();
        assert_eq!(Some(resumed), mark_of(&whole, 1 << 16));
        assert_eq!(
            crate::common::hex(&sha.finalize()),
            crate::common::sha256_hex(&whole)
        );
    }
}
