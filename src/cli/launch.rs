//! How the program was started: typed in a terminal, or double-clicked (or started from a
//! shortcut). Started with no arguments by a double-click, it opens the page; typed with no
//! arguments in a terminal, it prints its help.
//!
//! On Windows the terminals cannot tell: a console program that Explorer starts gets a console
//! window of its own, so its standard input and output are terminals there too. What differs
//! is who else uses that console: typed in `cmd` or PowerShell, the shell shares it; started
//! by Explorer, the program is alone in it. Windows says so through `GetConsoleProcessList`,
//! the one call to the operating system this program makes itself (the only `unsafe` code of
//! the project; the library forbids it).

/// How the program was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Launch {
    /// Started with no arguments.
    bare: bool,
    /// What the operating system says about the console.
    console: Console,
    /// Standard input or output is a terminal.
    terminal: bool,
}

impl Launch {
    /// How this process was started.
    pub fn detect() -> Launch {
        Launch {
            bare: std::env::args_os().len() <= 1,
            console: console(),
            terminal: stdio_is_terminal(),
        }
    }

    /// Started with no arguments and no terminal around it (double-clicked, or from a
    /// shortcut): the page, in the browser, instead of the help.
    pub fn opens_page(self) -> bool {
        self.bare
            && match self.console {
                Console::OwnWindow => true,
                Console::Shared => false,
                Console::Unknown => !self.terminal,
            }
    }

    /// The program has a console window of its own, made for it by Windows (double-clicked,
    /// or workbooks dropped on it), which closes the moment the program ends.
    pub fn own_window(self) -> bool {
        self.console == Console::OwnWindow
    }

    /// In a window of its own, wait for Enter so that the last lines (an error, or what to do
    /// next) can be read before the window closes.
    pub fn wait_before_closing(self) {
        if self.own_window() {
            use std::io::{BufRead, Write};
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\nPress Enter to close this window.");
            let _ = err.flush();
            let _ = std::io::stdin().lock().read_line(&mut String::new());
        }
    }
}

/// What the operating system says about the console the program runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Console {
    /// Shared with the shell the command was typed in.
    Shared,
    /// Made for this program alone (double-clicked in Explorer).
    OwnWindow,
    /// No console, or a system that does not say: the standard streams decide.
    Unknown,
}

fn stdio_is_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal() || std::io::stdout().is_terminal()
}

#[cfg(windows)]
fn console() -> Console {
    use windows_sys::Win32::System::Console::GetConsoleProcessList;
    let mut processes = [0u32; 4];
    let capacity = processes.len() as u32;
    // SAFETY: `processes` is a live, writable buffer of `capacity` u32 values, which is the
    // length the call is given; it writes at most that many process numbers into it and
    // returns how many processes use the console (0 when the call fails or there is none).
    #[allow(unsafe_code)]
    let attached = unsafe { GetConsoleProcessList(processes.as_mut_ptr(), capacity) };
    classify(attached)
}

#[cfg(not(windows))]
fn console() -> Console {
    Console::Unknown
}

/// The number of processes using the console, as `GetConsoleProcessList` gives it.
#[cfg_attr(not(windows), allow(dead_code))]
fn classify(attached: u32) -> Console {
    match attached {
        0 => Console::Unknown,
        1 => Console::OwnWindow,
        _ => Console::Shared,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn launch(bare: bool, console: Console, terminal: bool) -> Launch {
        Launch {
            bare,
            console,
            terminal,
        }
    }

    #[test]
    fn the_page_opens_only_with_no_arguments_and_no_terminal_around() {
        // Windows: double-clicked (alone in its console) or typed in cmd (shared).
        assert!(launch(true, Console::OwnWindow, true).opens_page());
        assert!(!launch(true, Console::Shared, true).opens_page());
        // Elsewhere the standard streams decide.
        assert!(launch(true, Console::Unknown, false).opens_page());
        assert!(!launch(true, Console::Unknown, true).opens_page());
        // Workbooks dropped on the program: the one-step run, in its own window.
        assert!(!launch(false, Console::OwnWindow, true).opens_page());
        assert!(launch(false, Console::OwnWindow, true).own_window());
        assert!(!launch(true, Console::Shared, true).own_window());
    }

    #[test]
    fn a_console_of_its_own_means_a_double_click() {
        assert_eq!(classify(1), Console::OwnWindow);
        assert_eq!(classify(2), Console::Shared);
        assert_eq!(classify(5), Console::Shared);
        assert_eq!(classify(0), Console::Unknown);
    }
}
