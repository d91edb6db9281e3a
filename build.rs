//! Gives `icare-fix.exe` its Windows version information (product name, version, description,
//! copyright) and its icon, so that Explorer, the taskbar and Windows' security prompts name
//! it properly. It acts only when the target is Windows; for any other target it returns at
//! once. The icon is drawn by `assets/windows/make_icon.py` (see its doc).
//!
//! The resource compiler is MinGW's `x86_64-w64-mingw32-windres` when cross-building from
//! Linux (Debian's `binutils-mingw-w64-x86-64`, installed with `gcc-mingw-w64-x86-64`) and
//! the Windows SDK's `rc.exe` on an msvc build.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=assets/windows/icare-fix.ico");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("windows") {
        return;
    }
    let mut res = winresource::WindowsResource::new();
    res.set_icon("assets/windows/icare-fix.ico")
        .set("ProductName", "icare-fix")
        // No apostrophe: winresource writes it into the .rc file with a backslash that
        // windres keeps.
        .set("FileDescription", "icare-fix: fixes rejected iCARE files")
        .set("CompanyName", "The icare-fix developers")
        .set(
            "LegalCopyright",
            "Copyright (c) the icare-fix developers. MIT or Apache-2.0.",
        )
        .set("OriginalFilename", "icare-fix.exe")
        .set("InternalName", "icare-fix");
    if let Err(e) = res.compile_for("icare-fix") {
        panic!(
            "could not compile the Windows resources (version information and icon): {e}. \
             Cross-building from Linux needs MinGW's windres (Debian: gcc-mingw-w64-x86-64)."
        );
    }
}
