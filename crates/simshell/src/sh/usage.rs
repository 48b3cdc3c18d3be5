//! GNU's complaints about a command's arguments, shared by the external commands.

use crate::sh::exec::Out;

/// GNU's complaint about an unknown option; the status is `status`.
pub(crate) fn bad_option(o: &mut Out, cmd: &str, opt: &str, status: i32) -> i32 {
    match opt.strip_prefix("--") {
        Some(long) => o.err_line(&format!("{cmd}: unrecognized option '--{long}'")),
        None => {
            let c = opt.chars().nth(1).unwrap_or('-');
            o.err_line(&format!("{cmd}: invalid option -- '{c}'"));
        }
    }
    o.err_line(&format!("Try '{cmd} --help' for more information."));
    status
}

pub(crate) fn missing_operand(o: &mut Out, cmd: &str) -> i32 {
    o.err_line(&format!("{cmd}: missing operand"));
    o.err_line(&format!("Try '{cmd} --help' for more information."));
    1
}
