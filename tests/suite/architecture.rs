//! The layout's rules, checked on the source itself: no file of `src/` imports a file that
//! imports it back; the top-level folders stand in layers, each importing only the layers
//! below it, and no two of them import each other, even through a third; no function of
//! `src/` is longer than 120 lines.
//!
//! An import is a path the code writes: `use crate::…`, `use super::…`, a child module named
//! in its parent, a path through such a name, and in the binary (`main.rs` and its `cli`
//! modules) `icare_fix::…`, the library. A name that `lib.rs` re-exports at the root
//! (`crate::Rejected`, `icare_fix::Registry`) is an import of the module it comes from.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file of `src/`, by module path (`output::clean::plan`; `` for lib.rs, `main`
/// for main.rs: the binary's root, whose `cli` modules it names).
fn modules() -> BTreeMap<String, PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(&root) {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = path.strip_prefix(&root).unwrap().with_extension("");
        let mut parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if parts.last().is_some_and(|l| l == "mod") {
            parts.pop();
        }
        if parts == ["lib"] {
            parts.clear();
        }
        out.insert(parts.join("::"), path.to_path_buf());
    }
    out
}

/// The code of a file without its `#[cfg(test)] mod tests` and without comments.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => &text,
    };
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Expands a use tree (`a::{b, c::{d, self}}`) into paths.
fn expand(prefix: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head: Vec<String> = tree[..open]
            .split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let base: Vec<String> = prefix.iter().cloned().chain(head).collect();
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let mut depth = 0;
        let mut item = String::new();
        for ch in inner.chars().chain([',']) {
            match ch {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            if ch == ',' && depth == 0 {
                if !item.trim().is_empty() {
                    expand(&base, &item, out);
                }
                item.clear();
            } else {
                item.push(ch);
            }
        }
        return;
    }
    let name = tree.split(" as ").next().unwrap_or(tree).trim();
    let mut path = prefix.to_vec();
    path.extend(
        name.split("::")
            .filter(|s| !s.is_empty() && *s != "self")
            .map(str::to_string),
    );
    out.push(path);
}

/// True for the binary's own files: `main.rs` and the `cli` modules it declares. Their
/// `crate::` is the binary; the library is `icare_fix::`.
fn in_binary(module: &str) -> bool {
    module == "main" || folder(module) == "cli"
}

/// The names `lib.rs` re-exports at the crate's root, each with its whole path:
/// `Rejected` → `workbook::Rejected`.
fn root_exports(all: &BTreeMap<String, PathBuf>) -> BTreeMap<String, Vec<String>> {
    let code = code(&all[""]);
    let mut exports = BTreeMap::new();
    for line in code.lines() {
        let Some(tree) = line.trim().strip_prefix("pub use ") else {
            continue;
        };
        let mut paths = Vec::new();
        expand(&[], tree.trim_end_matches(';'), &mut paths);
        for path in paths {
            if let Some(name) = path.last() {
                exports.insert(name.clone(), path.clone());
            }
        }
    }
    exports
}

/// The modules of `src/` that module `name` (file `path`) imports.
fn imports(name: &str, path: &Path, all: &BTreeMap<String, PathBuf>) -> BTreeSet<String> {
    let code = code(path);
    let is_dir = ["mod.rs", "lib.rs", "main.rs"]
        .iter()
        .any(|f| path.ends_with(f));
    let binary = in_binary(name);
    // The binary's root is `main.rs`, whose children (`cli`) stand at the top of the tree.
    let base: Vec<String> = name
        .split("::")
        .filter(|s| !s.is_empty() && *s != "main")
        .map(str::to_string)
        .collect();
    let exports = root_exports(all);
    let resolve = |segs: &[String]| -> Option<String> {
        (1..=segs.len())
            .rev()
            .map(|i| segs[..i].join("::"))
            .find(|m| all.contains_key(m))
    };
    // A path from the library's root: a name re-exported there stands for its own module.
    let from_library_root = |segs: &[String]| -> Vec<String> {
        match segs.first().and_then(|first| exports.get(first)) {
            Some(whole) => whole.iter().chain(&segs[1..]).cloned().collect(),
            None => segs.to_vec(),
        }
    };
    // `crate::x`, `icare_fix::x` and `super::x` to absolute segments.
    let absolute = |segs: &[String]| -> Option<Vec<String>> {
        match segs.first()?.as_str() {
            "crate" if binary => Some(segs[1..].to_vec()),
            "crate" => Some(from_library_root(&segs[1..])),
            "icare_fix" if binary => Some(from_library_root(&segs[1..])),
            "super" => {
                let ups = segs.iter().take_while(|s| *s == "super").count();
                // `super` of `a/b.rs` (module a::b) and of `a/b/mod.rs` (also a::b) is `a`.
                let keep = base.len().checked_sub(ups)?;
                let mut abs = base[..keep].to_vec();
                abs.extend_from_slice(&segs[ups..]);
                Some(abs)
            }
            _ => None,
        }
    };
    let mut deps = BTreeSet::new();
    let mut aliases: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // The child modules a root or `mod.rs` declares: `use child::x` and `child::x` name them.
    if is_dir {
        for line in code.lines() {
            let line = line.trim();
            let decl = line
                .strip_prefix("pub(crate) mod ")
                .or_else(|| line.strip_prefix("pub mod "))
                .or_else(|| line.strip_prefix("mod "));
            if let Some(child) = decl.and_then(|d| d.strip_suffix(';')) {
                let mut path = base.clone();
                path.push(child.to_string());
                aliases.insert(child.to_string(), path);
            }
        }
    }
    let children = aliases.clone();
    let is_ident = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let mut rest = code.as_str();
    while let Some(i) = rest.find("use ") {
        let before_ok = i == 0 || !rest.as_bytes()[i - 1].is_ascii_alphanumeric();
        let after = &rest[i + 4..];
        let end = after.find(';').unwrap_or(after.len());
        // A use tree, not the word in a string: names, `::`, braces, commas, `*`, spaces.
        let tree_like = after[..end]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_:{},* \n\t".contains(c));
        if before_ok && tree_like {
            let mut paths = Vec::new();
            expand(&[], &after[..end], &mut paths);
            for segs in paths {
                let abs = absolute(&segs).or_else(|| {
                    let first = segs.first().filter(|f| is_ident(f))?;
                    let child = children.get(first)?;
                    Some(child.iter().chain(&segs[1..]).cloned().collect())
                });
                if let Some(abs) = abs {
                    if let Some(m) = resolve(&abs).filter(|m| m != name) {
                        deps.insert(m);
                    }
                    if all.contains_key(&abs.join("::")) {
                        aliases.insert(abs.last().cloned().unwrap_or_default(), abs);
                    }
                }
            }
        }
        rest = &after[end.min(after.len())..];
    }
    // Paths written out in the code: `crate::a::b`, `super::x`, `alias::y`.
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let starts_word = i == 0
            || !(bytes[i - 1].is_ascii_alphanumeric()
                || bytes[i - 1] == b'_'
                || bytes[i - 1] == b':');
        if starts_word && (bytes[i].is_ascii_alphabetic() || bytes[i] == b'_') {
            let mut j = i;
            while j < bytes.len()
                && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_' || bytes[j] == b':')
            {
                j += 1;
            }
            let segs: Vec<String> = code[i..j]
                .split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            if segs.len() > 1 {
                let abs = absolute(&segs).or_else(|| {
                    aliases.get(&segs[0]).map(|a| {
                        let mut p = a.clone();
                        p.extend_from_slice(&segs[1..]);
                        p
                    })
                });
                if let Some(m) = abs.and_then(|a| resolve(&a)).filter(|m| m != name) {
                    deps.insert(m);
                }
            }
            i = j;
        } else {
            i += 1;
        }
    }
    deps
}

#[test]
fn no_file_of_src_imports_one_that_imports_it_back() {
    let all = modules();
    let graph: BTreeMap<String, BTreeSet<String>> = all
        .iter()
        .map(|(name, path)| (name.clone(), imports(name, path, &all)))
        .collect();
    // A file reaches itself through its imports: that is a cycle.
    let mut cycles = Vec::new();
    for start in graph.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<(String, Vec<String>)> = vec![(start.clone(), vec![start.clone()])];
        while let Some((at, trail)) = stack.pop() {
            for next in &graph[&at] {
                if next == start {
                    cycles.push(trail.join(" → ") + " → " + start);
                } else if seen.insert(next.clone()) {
                    let mut t = trail.clone();
                    t.push(next.clone());
                    stack.push((next.clone(), t));
                }
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
    // The check sees imports: the package layer is imported by clean, and imports nothing
    // from the outputs.
    assert!(graph["output::clean"].contains("package::parts"));
    assert!(
        graph
            .iter()
            .filter(|(m, _)| m.starts_with("package"))
            .all(|(_, deps)| deps
                .iter()
                .all(|d| !d.starts_with("output") && !d.starts_with("cli")))
    );
}

#[test]
fn no_function_of_src_is_longer_than_120_lines() {
    let mut long = Vec::new();
    for path in modules().values() {
        let text = std::fs::read_to_string(path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            let indent = &line[..line.len() - trimmed.len()];
            let signature = [
                "fn ",
                "pub fn ",
                "pub(crate) fn ",
                "pub(super) fn ",
                "const fn ",
                "async fn ",
            ]
            .iter()
            .any(|p| trimmed.starts_with(p));
            if !signature || trimmed.ends_with(';') {
                continue;
            }
            let close = format!("{indent}}}");
            if let Some(end) = lines[i..].iter().position(|l| *l == close)
                && end + 1 > 120
            {
                long.push(format!("{}:{} ({} lines)", path.display(), i + 1, end + 1));
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions over 120 lines:\n{}",
        long.join("\n")
    );
}

/// `unsafe` is denied by the package's lints and forbidden in the library; the one place
/// allowed to use it is the binary's single Windows call that tells a double-click from a
/// command typed in a terminal.
#[test]
fn unsafe_code_is_only_the_windows_double_click_call() {
    let allowed = Path::new("cli").join("launch.rs");
    // An unsafe block, function, impl, trait or extern block (not the word in a string).
    let unsafe_item = regex::Regex::new(r"\bunsafe\s*(\{|fn\b|impl\b|trait\b|extern\b)").unwrap();
    let mut found = Vec::new();
    for path in modules().values() {
        let count = unsafe_item.find_iter(&code(path)).count();
        if count > 0 {
            found.push((path.clone(), count));
        }
    }
    assert_eq!(found.len(), 1, "unsafe outside its one place: {found:?}");
    assert!(found[0].0.ends_with(&allowed), "{found:?}");
    assert_eq!(found[0].1, 1, "one `unsafe` block: {found:?}");
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    assert!(lib.contains("#![forbid(unsafe_code)]"));
}

/// The modules of `src/` and what each imports.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let all = modules();
    all.iter()
        .map(|(name, path)| (name.clone(), imports(name, path, &all)))
        .collect()
}

/// The top-level folder (or file) of a module: `output::clean::plan` → `output`; `lib` for
/// `lib.rs`, `main` for `main.rs`.
fn folder(module: &str) -> &str {
    match module.split("::").next().unwrap_or(module) {
        "" => "lib",
        top => top,
    }
}

/// What each top-level folder imports from the others.
fn folders(graph: &BTreeMap<String, BTreeSet<String>>) -> BTreeMap<&str, BTreeSet<&str>> {
    let mut folders: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (module, deps) in graph {
        let from = folder(module);
        let entry = folders.entry(from).or_default();
        entry.extend(deps.iter().map(|d| folder(d)).filter(|to| *to != from));
    }
    folders
}

/// The layers from the bottom, each a list of top-level folders of `src/` (a file stands for
/// itself): `error`, `lang` and `text` import nothing of icare-fix; `package` knows zip parts and
/// XML, below any iCARE meaning; `workbook` reads a workbook by its content; `repair` is the
/// damage Excel does and its repairs, which both `check` and the outputs use; `lib.rs` only
/// names and re-exports the library; the binary (`cli`, `main.rs`) stands on top.
const LAYERS: &[&[&str]] = &[
    &["error", "lang", "text"],
    &["note", "package"],
    &["template"],
    &["workbook"],
    &["repair"],
    &["check"],
    &["output"],
    &["batch"],
    &["serve"],
    &["lib"],
    &["cli"],
    &["main"],
];

/// Each folder imports only those of its own layer and of the layers below it, so the
/// dependencies run one way: down.
#[test]
fn the_lower_layers_import_only_what_is_below_them() {
    let graph = graph();
    let layer = |folder: &str| LAYERS.iter().position(|l| l.contains(&folder));
    let mut wrong = Vec::new();
    for (module, deps) in &graph {
        let Some(from) = layer(folder(module)) else {
            wrong.push(format!("{module} is in no layer: add its folder to LAYERS"));
            continue;
        };
        for dep in deps {
            if layer(folder(dep)).is_none_or(|to| to > from) {
                wrong.push(format!("{module} imports {dep}, which is above it"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n{}",
        wrong.join("\n")
    );
    // Every layer named is a folder of `src/`.
    let folders = folders(&graph);
    for name in LAYERS.iter().flat_map(|l| l.iter()) {
        assert!(folders.contains_key(name), "no folder {name} in src/");
    }
    // The rule sees what it checks: the workbook layer imports the package layer; the check
    // and the outputs share the repairs; the binary imports the library through its name.
    assert!(graph["workbook::peek"].contains("package::parts"));
    assert!(graph["check::rules"].contains("repair"));
    assert!(graph["output::clean"].contains("repair"));
    assert!(graph["main"].contains("cli"));
    assert!(graph["cli::check"].contains("check"));
    assert!(graph[""].contains("workbook"));
}

/// No two top-level folders import each other, even through a third, nor a file of the
/// library its root or the binary: `lib.rs` and `main.rs` are imported by no one.
#[test]
fn no_two_folders_import_each_other() {
    let graph = graph();
    let folders = folders(&graph);
    let reaches = |from: &str, to: &str| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from];
        while let Some(at) = stack.pop() {
            for &next in folders.get(at).into_iter().flatten() {
                if next == to {
                    return true;
                }
                if seen.insert(next) {
                    stack.push(next);
                }
            }
        }
        false
    };
    let mut knots = Vec::new();
    let names: Vec<&str> = folders.keys().copied().collect();
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            if reaches(a, b) && reaches(b, a) {
                knots.push(format!("{a} and {b}"));
            }
        }
    }
    assert!(
        knots.is_empty(),
        "folders that import each other:\n{}",
        knots.join("\n")
    );
    for name in &names {
        assert!(!reaches(name, "lib") && !reaches(name, "main"), "{name}");
        if !["cli", "main"].contains(name) {
            assert!(
                !reaches(name, "cli"),
                "the library reaches the binary: {name}"
            );
        }
    }
    // The rule sees through a third folder: `main.rs` imports no file of the package layer,
    // yet reaches it through `cli` and what that imports.
    assert!(!folders["main"].contains("package") && reaches("main", "package"));
    // The summary belongs to batch: output never reaches batch; and check never reaches the
    // outputs, which use it.
    assert!(!reaches("output", "batch") && reaches("batch", "output"));
    assert!(!reaches("check", "output") && reaches("output", "check"));
}
