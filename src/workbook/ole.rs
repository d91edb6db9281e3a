//! A check of OLE2 (compound file) containers before calamine reads them: password-protected
//! workbooks and old .xls files are OLE2 files, and calamine follows their sector chains
//! without noticing a loop. A chain that points back on itself made a 2 KB file ask for
//! gigabytes (found by the workbook_read fuzz target). Every chain calamine may follow is
//! walked here once: it must end, stay inside the file and never visit a sector twice.

/// Why an OLE2 container is damaged, in words for the user's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage(pub String);

impl From<&str> for Damage {
    fn from(reason: &str) -> Self {
        Damage(reason.to_string())
    }
}

impl From<String> for Damage {
    fn from(reason: String) -> Self {
        Damage(reason)
    }
}

/// Why the container is damaged, when it is.
pub fn check(bytes: &[u8]) -> Result<(), Damage> {
    const FREE_OR_SPECIAL: u32 = 0xFFFF_FFFA;
    const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
    let u16_at = |at: usize| -> Result<u16, Damage> {
        bytes
            .get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .ok_or_else(|| Damage::from("the container's header is cut short"))
    };
    let u32_at = |buf: &[u8], at: usize| -> Option<u32> {
        buf.get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let header_u32 = |at: usize| {
        u32_at(bytes, at).ok_or_else(|| Damage::from("the container's header is cut short"))
    };
    let size = match u16_at(0x1E)? {
        9 => 512usize,
        12 => 4096,
        other => {
            return Err(Damage(format!(
                "the container's sector size (2^{other}) is invalid"
            )));
        }
    };
    let sectors = (bytes.len() / size).saturating_sub(1);
    let sector = |id: u32| -> Result<&[u8], Damage> {
        let start = (id as usize + 1) * size;
        bytes
            .get(start..start + size)
            .ok_or_else(|| Damage(format!("sector {id} lies past the end of the file")))
    };

    // The FAT's own sectors: 109 in the header, then the DIFAT chain.
    let mut fat_sectors: Vec<u32> = (0..109)
        .filter_map(|i| u32_at(bytes, 0x4C + 4 * i))
        .filter(|&id| id < FREE_OR_SPECIAL)
        .collect();
    let mut difat = header_u32(0x44)?;
    let mut hops = 0usize;
    while difat < FREE_OR_SPECIAL {
        hops += 1;
        if hops > sectors {
            return Err("the container's sector table loops".into());
        }
        let s = sector(difat)?;
        let per = size / 4 - 1;
        fat_sectors.extend(
            (0..per)
                .filter_map(|i| u32_at(s, 4 * i))
                .filter(|&id| id < FREE_OR_SPECIAL),
        );
        difat = u32_at(s, 4 * per).unwrap_or(END_OF_CHAIN);
    }
    if fat_sectors.len() > sectors {
        return Err("the container's sector table is larger than the file".into());
    }
    let mut fat: Vec<u32> = Vec::with_capacity(fat_sectors.len() * size / 4);
    for id in fat_sectors {
        let s = sector(id)?;
        fat.extend((0..size / 4).filter_map(|i| u32_at(s, 4 * i)));
    }

    // Follows a chain of the FAT; returns its sectors.
    let chain = |start: u32, what: &str| -> Result<Vec<u32>, Damage> {
        let mut seen = vec![false; sectors.max(1)];
        let mut ids = Vec::new();
        let mut id = start;
        while id != END_OF_CHAIN {
            if id as usize >= sectors || id as usize >= fat.len() {
                return Err(Damage(format!(
                    "the chain of {what} points past the end of the file"
                )));
            }
            if std::mem::replace(&mut seen[id as usize], true) {
                return Err(Damage(format!("the chain of {what} loops")));
            }
            ids.push(id);
            id = fat[id as usize];
        }
        Ok(ids)
    };

    let dir = chain(header_u32(0x30)?, "the directory")?;
    let mini_fat_start = header_u32(0x3C)?;
    if mini_fat_start != END_OF_CHAIN {
        chain(mini_fat_start, "the small-stream table")?;
    }
    let cutoff = header_u32(0x38)? as u64;
    for id in dir {
        let s = sector(id)?;
        for entry in s.chunks_exact(128) {
            let kind = entry[66];
            let start = u32_at(entry, 116).unwrap_or(END_OF_CHAIN);
            let len = u32_at(entry, 120).unwrap_or(0) as u64;
            // Streams (2) at or past the cutoff, and the root (5) holding the small streams,
            // live in the FAT. Small streams are bounded by their size.
            let in_fat = kind == 5 || (kind == 2 && len >= cutoff);
            if in_fat && start < FREE_OR_SPECIAL {
                let ids = chain(start, "a stream")?;
                if len > (ids.len() * size) as u64 && kind == 2 {
                    return Err("a stream is longer than its sectors".into());
                }
            }
        }
    }
    Ok(())
}

/// True when an OLE2 container holds an Excel 5.0/95 workbook: its workbook stream is named
/// `Book` (Excel 97 and later name it `Workbook`).
pub fn is_excel95(bytes: &[u8]) -> bool {
    let utf16 = |name: &str| -> Vec<u8> {
        name.encode_utf16()
            .flat_map(u16::to_le_bytes)
            .chain([0, 0])
            .collect()
    };
    let has = |name: &[u8]| bytes.windows(name.len()).any(|w| w == name);
    // Directory entry names end with a UTF-16 NUL; "Book" must not be the end of "Workbook".
    let book = utf16("Book");
    let workbook = utf16("Workbook");
    has(&book) && !has(&workbook)
}

/// True when an OLE2 container holds a password-protected workbook: an encrypted Office
/// Open XML package (its `EncryptedPackage` stream, named in the directory in UTF-16), or a
/// BIFF8 workbook whose globals begin with a FILEPASS record (Excel's XOR obfuscation or RC4
/// encryption). Read from the raw bytes, so a damaged container still gets the password
/// message.
pub fn is_encrypted(bytes: &[u8]) -> bool {
    let utf16 =
        |name: &str| -> Vec<u8> { name.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let package = utf16("EncryptedPackage");
    if bytes
        .windows(package.len())
        .any(|w| w == package.as_slice())
    {
        return true;
    }
    // BOF of the workbook globals (type 0x0809, BIFF8 0x0600, globals 0x0005), then FILEPASS
    // (0x002F) as the next record.
    let mut at = 0;
    while let Some(pos) = memchr::memmem::find(&bytes[at..], &[0x09, 0x08]) {
        let start = at + pos;
        at = start + 1;
        let Some(head) = bytes.get(start..start + 8) else {
            break;
        };
        let len = u16::from_le_bytes([head[2], head[3]]) as usize;
        let globals = head[4..6] == [0x00, 0x06] && head[6..8] == [0x05, 0x00];
        if globals && bytes.get(start + 4 + len..start + 6 + len) == Some(&[0x2F, 0x00][..]) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A version 3 header whose FAT is sector 0 and directory sector 1, then those sectors.
    fn container(fat: &[u32], dir_entries: &[(u8, u32, u32)]) -> Vec<u8> {
        let mut b = vec![0u8; 512];
        b[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
        b[0x1A] = 0x3E;
        b[0x1C] = 0x03;
        b[0x1E] = 9;
        b[0x20] = 6;
        b[0x2C] = 1;
        b[0x30] = 1;
        b[0x38..0x3C].copy_from_slice(&4096u32.to_le_bytes());
        b[0x3C..0x40].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
        b[0x44..0x48].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
        for i in 0..109 {
            let v: u32 = if i == 0 { 0 } else { 0xFFFF_FFFF };
            b[0x4C + 4 * i..0x50 + 4 * i].copy_from_slice(&v.to_le_bytes());
        }
        let mut f = vec![0xFFu8; 512];
        for (i, v) in fat.iter().enumerate() {
            f[4 * i..4 * i + 4].copy_from_slice(&v.to_le_bytes());
        }
        b.extend(f);
        let mut d = vec![0u8; 512];
        for (i, (kind, start, len)) in dir_entries.iter().enumerate() {
            let e = &mut d[128 * i..128 * (i + 1)];
            e[66] = *kind;
            e[116..120].copy_from_slice(&start.to_le_bytes());
            e[120..124].copy_from_slice(&len.to_le_bytes());
        }
        b.extend(d);
        b.extend(vec![0u8; 512 * 8]);
        b
    }

    #[test]
    fn a_sound_container_passes() {
        let mut fat = vec![0xFFFF_FFFD, 0xFFFF_FFFE];
        fat.extend([3, 4, 5, 6, 7, 8, 9, 0xFFFF_FFFE]);
        let bytes = container(&fat, &[(5, 0xFFFF_FFFE, 0), (2, 2, 4096)]);
        assert_eq!(check(&bytes), Ok(()));
    }

    /// Regression (workbook_read fuzz target, oom-f94000ce): a directory chain pointing back
    /// at itself made calamine grow a buffer without end.
    #[test]
    fn a_looping_chain_is_damage() {
        let bytes = container(&[0xFFFF_FFFD, 1], &[(5, 0xFFFF_FFFE, 0)]);
        assert_eq!(
            check(&bytes),
            Err("the chain of the directory loops".into())
        );
        let mut fat = vec![0xFFFF_FFFD, 0xFFFF_FFFE];
        fat.extend([3, 2]);
        let bytes = container(&fat, &[(5, 0xFFFF_FFFE, 0), (2, 2, 1 << 30)]);
        assert_eq!(check(&bytes), Err("the chain of a stream loops".into()));
    }

    #[test]
    fn a_chain_out_of_the_file_is_damage() {
        let bytes = container(&[0xFFFF_FFFD, 500], &[]);
        assert!(
            check(&bytes)
                .unwrap_err()
                .0
                .contains("past the end of the file")
        );
    }
}
