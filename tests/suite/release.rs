//! The release (`.ci/release/build`): what it ships, checked two ways.
//!
//! Without building anything (so in CI too): the licence files match Cargo.toml's `license`,
//! the how-to page shipped beside the program is in English and French, says what a new user
//! needs and works offline, and the README documents the download and the release build.
//!
//! With the archives in `dist/` (written by `.ci/release/build`, which runs this module after
//! packaging with `ICARE_FIX_RELEASE_CHECK=1`): each archive holds exactly the program and the
//! texts, the `SHA256SUMS` match, `icare-fix.exe` carries its version information and icon
//! (read back from its PE resources with `pelite`), and the static Linux binary runs the
//! one-step command on a bundled sample. CI does not build releases: there, with no `dist/`,
//! that test says `SKIPPED:` and checks nothing.

use std::collections::BTreeSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::common::root;

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn read(rel: &str) -> String {
    fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn howto() -> String {
    read("assets/release/HOW-TO.html")
}

/// The text of one `<section lang="..">` of the how-to page.
fn section<'a>(page: &'a str, lang: &str) -> &'a str {
    let open = format!("<section id=\"{lang}\" lang=\"{lang}\">");
    let start = page
        .find(&open)
        .unwrap_or_else(|| panic!("HOW-TO.html has no {open}"));
    let end = page[start..].find("</section>").expect("section closed") + start;
    &page[start..end]
}

/// Every sample a release ships: the workbooks of `samples/`.
fn sample_names() -> BTreeSet<String> {
    fs::read_dir(root().join("samples"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".xlsx"))
        .collect()
}

#[test]
fn the_licence_files_are_the_ones_cargo_toml_names() {
    let manifest = read("Cargo.toml");
    assert!(manifest.contains("\nlicense = \"MIT OR Apache-2.0\"\n"));
    assert!(manifest.contains("\nauthors = [\"The icare-fix developers\"]\n"));
    assert!(manifest.contains("\nrepository = \"https://github.com/icare-fix/icare-fix\"\n"));
    let mit = read("LICENSE-MIT");
    assert!(mit.starts_with("MIT License\n\nCopyright (c) the icare-fix developers\n"));
    assert!(mit.contains("Permission is hereby granted, free of charge"));
    assert!(mit.contains("THE SOFTWARE IS PROVIDED \"AS IS\""));
    let apache = read("LICENSE-APACHE");
    assert!(
        apache.contains("Apache License\n                           Version 2.0, January 2004")
    );
    assert!(apache.contains("TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION"));
    assert!(apache.contains("END OF TERMS AND CONDITIONS"));
    // The release script ships both, and the how-to page names both.
    let script = read(".ci/release/build");
    assert!(script.contains("LICENSE-MIT LICENSE-APACHE"));
    for lang in ["en", "fr"] {
        let s = section(&howto(), lang).to_string();
        assert!(
            s.contains("LICENSE-MIT") && s.contains("LICENSE-APACHE"),
            "{lang}"
        );
        assert!(s.contains("MIT") && s.contains("Apache"), "{lang}");
    }
}

#[test]
fn the_how_to_page_tells_a_new_user_what_to_do_in_english_and_french() {
    let page = howto();
    let en = section(&page, "en");
    let fr = section(&page, "fr");
    // What each language must say, in its own words.
    let musts: [(&str, &[&str]); 2] = [
        (
            en,
            &[
                "Double-click <span class=\"file\">icare-fix.exe</span>",
                "drop rejected files on",
                "More info</b>",
                "Run anyway</b>",
                "NAME-fixed",
                "NAME.annotated.xlsx",
                "NAME.upload.xlsx",
                "NAME.checklist.html",
                "Nothing leaves your computer",
                "never uses the internet",
                "Give it back",
                "THIRD-PARTY-LICENSES.html",
            ],
        ),
        (
            fr,
            &[
                "Double-cliquez sur <span class=\"file\">icare-fix.exe</span>",
                "déposez les fichiers rejetés sur",
                "Informations complémentaires</b>",
                "Exécuter quand même</b>",
                "NOM-fixed",
                "NOM.annotated.xlsx",
                "NOM.upload.xlsx",
                "NOM.checklist.html",
                "Rien ne quitte votre ordinateur",
                "n'utilise jamais Internet",
                "Rendez-le",
                "THIRD-PARTY-LICENSES.html",
            ],
        ),
    ];
    for (text, phrases) in musts {
        for phrase in phrases {
            assert!(text.contains(phrase), "HOW-TO.html lacks {phrase:?}");
        }
        // The samples it names are the ones shipped.
        for name in ["client_profile.xlsx", "original_upload.xlsx"] {
            assert!(text.contains(name), "HOW-TO.html does not name {name}");
            assert!(sample_names().contains(name), "samples/{name} is gone");
        }
        assert!(text.contains("<span class=\"file\">samples</span>"));
    }
}

#[test]
fn the_how_to_page_works_offline() {
    let page = howto();
    let lower = page.to_lowercase();
    // No address at all: nothing to fetch, nothing to follow out of the page.
    for needle in [
        "http:", "https:", "//www.", "src=", "@import", "url(", "<link", "<script",
    ] {
        assert!(!lower.contains(needle), "HOW-TO.html holds {needle:?}");
    }
    // Every link goes to a place in the page itself.
    let ids: BTreeSet<&str> = page
        .split("id=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    let hrefs: Vec<&str> = page
        .split("href=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert!(!hrefs.is_empty());
    for href in hrefs {
        let target = href
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("HOW-TO.html links out: {href}"));
        assert!(
            ids.contains(target),
            "HOW-TO.html links to a missing #{target}"
        );
    }
}

#[test]
fn the_readme_starts_with_the_download_and_documents_the_release() {
    let readme = read("README.md");
    let at = |s: &str| {
        readme
            .find(s)
            .unwrap_or_else(|| panic!("README lacks {s:?}"))
    };
    // The download comes first (after the opening paragraph), building from source after it.
    assert!(at("## Download") < at("## From source"));
    assert!(at("## From source") < at("## Everyday use"));
    assert!(readme[..at("## Download")].matches("\n## ").count() == 0);
    for s in [
        "icare-fix-VERSION-windows-x86_64.zip",
        "icare-fix-VERSION-linux-x86_64.tar.gz",
        "SHA256SUMS",
        "cargo run --release -- samples/client_profile.xlsx",
        "cargo test ",
        "bash .ci/release/build",
        "dist plan",
    ] {
        at(s);
    }
    let development = &readme[at("## Development")..];
    for s in ["bash .ci/release/build", "dist plan", "Signing"] {
        assert!(development.contains(s), "README's Development lacks {s:?}");
    }
}

/// The hosted release (cargo-dist on GitHub's runners) ships the crates' licence texts as the
/// archives made here do: cargo-dist includes the file, and the step that writes it with
/// cargo-about runs in the generated workflow before the build (`dist generate` put it there
/// from `.github/build-setup.yml`).
#[test]
fn the_hosted_release_ships_the_licence_texts_of_the_crates() {
    let config = read("dist-workspace.toml");
    let output = "target/licenses/THIRD-PARTY-LICENSES.html";
    let include = config
        .lines()
        .find(|l| l.starts_with("include = "))
        .expect("dist-workspace.toml has an include list");
    assert!(include.contains(output), "{include}");
    assert!(config.contains("github-build-setup = \"../build-setup.yml\""));
    let setup = read(".github/build-setup.yml");
    let generate = setup
        .lines()
        .find(|l| l.contains("cargo about generate"))
        .expect("the set-up runs cargo about generate")
        .trim()
        .to_string();
    assert!(generate.contains(&format!("-o {output}")), "{generate}");
    assert!(generate.contains("assets/release/about.toml"));
    // The same command as .ci/release/build's, less --offline (the runners fetch the crates).
    let local = read(".ci/release/build");
    assert!(local.contains("-c assets/release/about.toml"));
    let workflow = read(".github/workflows/release.yml");
    let step = workflow
        .find(&generate)
        .expect("release.yml runs the set-up: run `dist generate`");
    let build = workflow.find("dist build").expect("release.yml builds");
    assert!(
        step < build,
        "the licence texts are written before the build"
    );
}

// ---- The archives, when `.ci/release/build` has written them ----------------------------

/// `dist/` with this version's archives, or `None` (and why) when they are not there.
fn dist() -> Option<PathBuf> {
    let dir = root().join("dist");
    let zip = dir.join(format!("icare-fix-{VERSION}-windows-x86_64.zip"));
    let tar = dir.join(format!("icare-fix-{VERSION}-linux-x86_64.tar.gz"));
    if zip.is_file() && tar.is_file() {
        return Some(dir);
    }
    let required = std::env::var("ICARE_FIX_RELEASE_CHECK").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "ICARE_FIX_RELEASE_CHECK=1 but dist/ lacks {} or {}",
        zip.display(),
        tar.display()
    );
    eprintln!(
        "SKIPPED: the release archives are not in dist/ (`bash .ci/release/build` writes them; \
         CI does not build releases)"
    );
    None
}

/// What both archives hold beside the program, under their one top folder.
fn texts() -> BTreeSet<String> {
    let mut names: BTreeSet<String> = [
        "HOW-TO.html",
        "LICENSE-MIT",
        "LICENSE-APACHE",
        "THIRD-PARTY-LICENSES.html",
    ]
    .map(String::from)
    .into();
    names.extend(sample_names().into_iter().map(|n| format!("samples/{n}")));
    names
}

fn sha256(path: &Path) -> String {
    let bytes = fs::read(path).unwrap();
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The zip's files (name → bytes), without its top folder.
fn zip_files(path: &Path, top: &str) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(fs::File::open(path).unwrap()).unwrap();
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let rel = name
            .strip_prefix(&format!("{top}/"))
            .unwrap_or_else(|| panic!("{name} is not under {top}/"))
            .to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        out.push((rel, bytes));
    }
    out
}

/// Product name, versions and description from the PE's version resource, and whether it
/// has an icon group.
fn exe_resources(bytes: &[u8]) -> (Vec<(String, String)>, [u16; 4], bool) {
    use pelite::pe64::{Pe, PeFile};
    let pe = PeFile::from_bytes(bytes).expect("icare-fix.exe is a 64-bit PE file");
    let resources = pe.resources().expect("icare-fix.exe has resources");
    let info = resources
        .version_info()
        .expect("icare-fix.exe has version information");
    let fixed = info
        .fixed()
        .expect("the version information has its fixed part");
    let v = &fixed.dwProductVersion;
    let lang = *info.translation().first().expect("a language");
    let mut strings = Vec::new();
    info.strings(lang, |k, v| strings.push((k.to_string(), v.to_string())));
    let icon = resources.icons().filter_map(Result::ok).count() > 0;
    (strings, [v.Major, v.Minor, v.Patch, v.Build], icon)
}

/// Ignored by a plain `cargo test` (and so listed as ignored in CI, which builds no release):
/// `bash .ci/release/build` runs it on the archives it just wrote, where a missing archive
/// fails it.
#[test]
#[ignore = "reads the archives in dist/: run by bash .ci/release/build"]
fn the_release_archives_hold_the_program_and_the_texts() {
    let Some(dir) = dist() else { return };
    let win = format!("icare-fix-{VERSION}-windows-x86_64");
    let linux = format!("icare-fix-{VERSION}-linux-x86_64");

    // SHA256SUMS: both archives, matching.
    let sums = fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    let expected = format!(
        "{}  {win}.zip\n{}  {linux}.tar.gz\n",
        sha256(&dir.join(format!("{win}.zip"))),
        sha256(&dir.join(format!("{linux}.tar.gz")))
    );
    assert_eq!(sums, expected, "SHA256SUMS");

    // The zip: the .exe and the texts, each text as in the repository.
    let files = zip_files(&dir.join(format!("{win}.zip")), &win);
    let names: BTreeSet<String> = files.iter().map(|(n, _)| n.clone()).collect();
    let mut want = texts();
    want.insert("icare-fix.exe".into());
    assert_eq!(names, want, "the zip's files");
    for (name, bytes) in &files {
        if name == "icare-fix.exe" || name == "THIRD-PARTY-LICENSES.html" {
            continue;
        }
        let source = match name.as_str() {
            "HOW-TO.html" => root().join("assets/release/HOW-TO.html"),
            other => root().join(other),
        };
        assert!(
            *bytes == fs::read(&source).unwrap(),
            "{name} differs from {}",
            source.display()
        );
    }
    let third = String::from_utf8(
        files
            .iter()
            .find(|(n, _)| n == "THIRD-PARTY-LICENSES.html")
            .unwrap()
            .1
            .clone(),
    )
    .unwrap();
    for shipped in [
        "calamine",
        "rust_xlsxwriter",
        "axum",
        "tokio",
        "Apache License",
    ] {
        assert!(
            third.contains(shipped),
            "THIRD-PARTY-LICENSES.html lacks {shipped}"
        );
    }
    for dev_only in ["proptest", "fantoccini", "icare-synth", "winresource"] {
        assert!(
            !third.contains(&format!("<li>{dev_only} ")),
            "ships {dev_only}'s licence"
        );
    }

    // The .exe: its version information and icon, as Explorer shows them.
    let exe = &files.iter().find(|(n, _)| n == "icare-fix.exe").unwrap().1;
    let (strings, version, icon) = exe_resources(exe);
    let get = |k: &str| {
        strings
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {k} in {strings:?}"))
    };
    assert_eq!(get("ProductName"), "icare-fix");
    assert_eq!(get("ProductVersion"), VERSION);
    assert_eq!(get("FileVersion"), VERSION);
    assert_eq!(get("OriginalFilename"), "icare-fix.exe");
    assert!(get("FileDescription").contains("iCARE"));
    assert!(get("LegalCopyright").contains("icare-fix developers"));
    let numbers: Vec<u16> = VERSION.split('.').map(|p| p.parse().unwrap()).collect();
    assert_eq!(version[..3], numbers[..], "the fixed product version");
    assert!(icon, "icare-fix.exe has no icon");

    // The tar.gz: the static binary and the same texts; the binary runs the one-step command.
    let out = tempfile::tempdir().unwrap();
    let status = Command::new("tar")
        .arg("-xzf")
        .arg(dir.join(format!("{linux}.tar.gz")))
        .arg("-C")
        .arg(out.path())
        .status()
        .unwrap();
    assert!(status.success());
    let top = out.path().join(&linux);
    let mut listed = BTreeSet::new();
    for entry in walkdir::WalkDir::new(&top) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(&top).unwrap();
            listed.insert(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    let mut want = texts();
    want.insert("icare-fix".into());
    assert_eq!(listed, want, "the tar.gz's files");
    let binary = top.join("icare-fix");
    let elf = fs::read(&binary).unwrap();
    assert!(!has_interpreter(&elf), "the Linux binary is not static");
    let run = Command::new(&binary)
        .arg(top.join("samples/client_profile.xlsx"))
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let fixed = top.join("samples/client_profile-fixed");
    for suffix in ["upload.xlsx", "annotated.xlsx", "checklist.html"] {
        assert!(
            fixed.join(format!("client_profile.{suffix}")).is_file(),
            "{suffix}"
        );
    }
}

/// True when a 64-bit little-endian ELF file asks for a dynamic loader (a `PT_INTERP`
/// program header): a static binary has none.
fn has_interpreter(elf: &[u8]) -> bool {
    assert_eq!(&elf[..4], b"\x7fELF");
    assert_eq!(elf[4], 2, "64-bit");
    let u16_at = |o: usize| u16::from_le_bytes([elf[o], elf[o + 1]]) as usize;
    let phoff = u64::from_le_bytes(elf[32..40].try_into().unwrap()) as usize;
    let (size, count) = (u16_at(54), u16_at(56));
    (0..count).any(|i| {
        let at = phoff + i * size;
        u32::from_le_bytes(elf[at..at + 4].try_into().unwrap()) == 3
    })
}
