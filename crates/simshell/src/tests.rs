//! Tests of both shells, run against simulated nodes.

use super::*;
use super::{host::mix, ps::exec::CMDLET_US};

fn machine(platform: SimPlatform, index: usize) -> Machine<'static> {
    Machine {
        hostname: "web-prod-001",
        ip_address: "10.10.0.4",
        platform,
        index,
        seed: 42,
        now_ms: 1_795_466_101_000,
    }
}

fn sh(script: &str) -> Outcome {
    run_shell(&machine(SimPlatform::AmazonLinux2023, 0), script)
}

fn on(platform: SimPlatform, script: &str) -> Outcome {
    run_shell(&machine(platform, 0), script)
}

fn win(platform: SimPlatform, script: &str) -> Outcome {
    let m = Machine {
        hostname: "WIN-WEBP-001",
        ..machine(platform, 0)
    };
    run_powershell(&m, script)
}

fn ps(script: &str) -> Outcome {
    win(SimPlatform::WindowsServer2022, script)
}

const LINUX: [SimPlatform; 5] = [
    SimPlatform::AmazonLinux2023,
    SimPlatform::Ubuntu2204,
    SimPlatform::Ubuntu2404,
    SimPlatform::Rhel9,
    SimPlatform::Debian12,
];

// --- simple commands, exact output ---

#[test]
fn echo_hello() {
    let o = sh("echo hello");
    assert_eq!(o.stdout, "hello\n");
    assert_eq!(o.stderr, "");
    assert_eq!(o.exit_code, 0);
    assert_eq!(sh("echo -n a; echo b c").stdout, "ab c\n");
    assert_eq!(
        sh(r#"echo "a\tb""#).stdout,
        "a\tb\n",
        "dash's echo expands escapes"
    );
}

#[test]
fn printf_formats_and_reuses_its_format() {
    assert_eq!(sh(r#"printf "%s-%s\n" a b c"#).stdout, "a-b\nc-\n");
    assert_eq!(
        sh(r#"printf "%d|%5s|%-3s|%%|%x\t.\n" 42 ab c 255"#).stdout,
        "42|   ab|c  |%|ff\t.\n"
    );
    let o = sh(r#"printf "%d\n" abc"#);
    assert_eq!(o.stdout, "0\n");
    assert_eq!(o.stderr, "sh: 1: printf: abc: expected numeric value\n");
    assert_eq!(o.exit_code, 1);
}

#[test]
fn uname_per_platform() {
    assert_eq!(
        on(SimPlatform::AmazonLinux2023, "uname -s").stdout,
        "Linux\n"
    );
    assert_eq!(on(SimPlatform::MacOs14, "uname -s").stdout, "Darwin\n");
    let releases = [
        (
            SimPlatform::AmazonLinux2023,
            "6.1.112-122.189.amzn2023.x86_64",
        ),
        (SimPlatform::Ubuntu2204, "5.15.0-1071-aws"),
        (SimPlatform::Ubuntu2404, "6.8.0-1016-aws"),
        (SimPlatform::Rhel9, "5.14.0-427.37.1.el9_4.x86_64"),
        (SimPlatform::Debian12, "6.1.0-26-cloud-amd64"),
        (SimPlatform::MacOs14, "23.6.0"),
    ];
    for (p, r) in releases {
        assert_eq!(on(p, "uname -r").stdout, format!("{r}\n"), "{p:?}");
    }
    assert_eq!(
        on(SimPlatform::Ubuntu2404, "uname -sr").stdout,
        "Linux 6.8.0-1016-aws\n"
    );
    assert_eq!(
        on(SimPlatform::Ubuntu2404, "uname -m -o").stdout,
        "x86_64 GNU/Linux\n"
    );
    assert_eq!(
        sh("uname -a").stdout,
        "Linux web-prod-001 6.1.112-122.189.amzn2023.x86_64 #1 SMP PREEMPT_DYNAMIC Tue Oct  8 17:04:00 UTC \
         2024 x86_64 x86_64 x86_64 GNU/Linux\n"
    );
    let mac = on(SimPlatform::MacOs14, "uname -a").stdout;
    assert!(
        mac.starts_with("Darwin web-prod-001 23.6.0 Darwin Kernel Version 23.6.0"),
        "{mac}"
    );
    assert!(mac.ends_with(" arm64\n"), "{mac}");
    let bad = on(SimPlatform::Debian12, "uname -z");
    assert_eq!(bad.exit_code, 1);
    assert_eq!(
        bad.stderr,
        "uname: invalid option -- 'z'\nTry 'uname --help' for more information.\n"
    );
}

#[test]
fn hostname_whoami_id() {
    let o = sh("hostname; whoami; hostname -I; id -u; id -un");
    assert_eq!(o.stdout, "web-prod-001\nroot\n10.10.0.4 \n0\nroot\n");
    assert_eq!(
        on(SimPlatform::Debian12, "id").stdout,
        "uid=0(root) gid=0(root) groups=0(root)\n"
    );
    assert!(
        on(SimPlatform::MacOs14, "id")
            .stdout
            .starts_with("uid=0(root) gid=0(wheel) groups=0(wheel),1(daemon)")
    );
}

#[test]
fn exit_stops_with_its_status() {
    let o = sh("echo a; exit 3; echo b");
    assert_eq!((o.stdout.as_str(), o.exit_code), ("a\n", 3));
    assert_eq!(sh("exit 300").exit_code, 44);
    assert_eq!(sh("false; exit").exit_code, 1);
    let o = sh("exit abc");
    assert_eq!(
        (o.stderr.as_str(), o.exit_code),
        ("sh: 1: exit: Illegal number: abc\n", 2)
    );
    assert_eq!(sh("true").exit_code, 0);
    assert_eq!(sh("false").exit_code, 1);
    assert_eq!(
        sh("echo x; false").exit_code,
        1,
        "the last command's status"
    );
}

#[test]
fn date_follows_the_clock() {
    assert_eq!(sh("date").stdout, "Mon Nov 23 20:35:01 UTC 2026\n");
    assert_eq!(sh("date -u").stdout, "Mon Nov 23 20:35:01 UTC 2026\n");
    assert_eq!(sh("date +%s").stdout, "1795466101\n");
    assert_eq!(
        sh("date '+%Y-%m-%d %H:%M:%S %j %A'").stdout,
        "2026-11-23 20:35:01 327 Monday\n"
    );
    let m = Machine {
        now_ms: 1_775_000_000_000,
        ..machine(SimPlatform::AmazonLinux2023, 0)
    };
    assert_eq!(
        run_shell(&m, "date").stdout,
        "Tue Mar 31 23:33:20 UTC 2026\n"
    );
    let m = Machine {
        now_ms: 1_772_600_000_000,
        ..machine(SimPlatform::AmazonLinux2023, 0)
    };
    assert_eq!(
        run_shell(&m, "date").stdout,
        "Wed Mar  4 04:53:20 UTC 2026\n",
        "%e pads with a space"
    );
}

#[test]
fn os_release_per_platform() {
    let al = sh("cat /etc/os-release");
    assert!(
        al.stdout
            .contains("PRETTY_NAME=\"Amazon Linux 2023.6.20241010\"\n"),
        "{}",
        al.stdout
    );
    let u = on(SimPlatform::Ubuntu2204, "grep VERSION_ID /etc/os-release");
    assert_eq!(u.stdout, "VERSION_ID=\"22.04\"\n");
    let r = on(
        SimPlatform::Rhel9,
        ". /etc/os-release; echo $ID $VERSION_ID",
    );
    assert_eq!(r.stdout, "rhel 9.4\n");
    let mac = on(SimPlatform::MacOs14, "cat /etc/os-release");
    assert_eq!(
        mac.stderr,
        "cat: /etc/os-release: No such file or directory\n"
    );
    assert_eq!(mac.exit_code, 1);
    let missing = sh("cat /x; echo $?");
    assert_eq!(missing.stderr, "cat: /x: No such file or directory\n");
    assert_eq!(missing.stdout, "1\n");
}

#[test]
fn df_shows_the_root_volume() {
    for p in LINUX {
        let o = on(p, "df -h");
        let lines: Vec<&str> = o.stdout.lines().collect();
        assert!(
            lines[0].starts_with("Filesystem")
                && lines[0].ends_with("Size  Used Avail Use% Mounted on"),
            "{p:?}: {}",
            lines[0]
        );
        let root = lines
            .iter()
            .find(|l| l.ends_with(" /"))
            .expect("a root row");
        let cols: Vec<&str> = root.split_whitespace().collect();
        assert_eq!(cols.len(), 6, "{root}");
        assert!(
            cols[4].ends_with('%') && cols[4].trim_end_matches('%').parse::<u32>().is_ok(),
            "{root}"
        );
        assert!(cols[1].ends_with('G'), "{root}");
    }
    let k = sh("df /");
    assert!(
        k.stdout.starts_with("Filesystem     1K-blocks"),
        "{}",
        k.stdout
    );
    assert_eq!(k.stdout.lines().count(), 2);
    assert!(
        on(SimPlatform::MacOs14, "df -h")
            .stdout
            .contains("/System/Volumes/Data")
    );
}

#[test]
fn free_adds_up() {
    let o = sh("free -m");
    let lines: Vec<&str> = o.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "               total        used        free      shared  buff/cache   available"
    );
    let n: Vec<u64> = lines[1]
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(lines[1].split_whitespace().next(), Some("Mem:"));
    assert!(n[0].abs_diff(n[1] + n[2] + n[4]) <= 2, "{n:?}");
    assert!(n[5] <= n[0]);
    assert_eq!(
        lines[2].split_whitespace().collect::<Vec<_>>(),
        ["Swap:", "0", "0", "0"]
    );
    assert!(sh("free -h").stdout.contains("Gi"));
    assert_eq!(
        on(SimPlatform::MacOs14, "free").stderr,
        "sh: 1: free: not found\n"
    );
}

#[test]
fn ps_lists_the_agent() {
    for p in LINUX.into_iter().chain([SimPlatform::MacOs14]) {
        let o = on(p, "ps aux");
        let lines: Vec<&str> = o.stdout.lines().collect();
        assert!(
            lines[0].starts_with("USER ") && lines[0].ends_with("COMMAND"),
            "{p:?}"
        );
        assert!(lines.len() > 8, "{p:?}");
        assert!(o.stdout.contains("amazon-ssm-agent"), "{p:?}");
        assert!(lines.last().unwrap().ends_with(" ps aux"), "ps sees itself");
        for l in &lines[1..] {
            assert!(
                l.split_whitespace().nth(1).unwrap().parse::<u32>().is_ok(),
                "{l}"
            );
        }
    }
    assert!(
        sh("ps")
            .stdout
            .starts_with("    PID TTY          TIME CMD\n")
    );
    assert!(
        sh("ps -ef")
            .stdout
            .starts_with("UID          PID    PPID  C STIME TTY          TIME CMD\n")
    );
}

#[test]
fn pipes_filter_and_count() {
    let o = sh("ps aux | grep ssm | wc -l");
    assert_eq!(
        o.stdout, "4\n",
        "agent, worker, document worker and the grep itself"
    );
    assert_eq!(sh("ps aux | grep [s]sm-agent | wc -l").stdout, "2\n");
    assert_eq!(
        sh("printf 'b\\na\\nc\\na\\n' | sort | uniq -c | head -n 1").stdout,
        "      2 a\n"
    );
    assert_eq!(sh("seq 10 | tail -n 3 | tr '\\n' ' '").stdout, "8 9 10 ");
    assert_eq!(sh("echo hello | tr a-z A-Z").stdout, "HELLO\n");
    assert_eq!(sh("printf 'One\\ntwo\\n' | grep -i one").stdout, "One\n");
    assert_eq!(sh("printf 'a\\nb\\na\\n' | grep -c a").stdout, "2\n");
    assert_eq!(sh("printf 'a\\nb\\n' | grep -v a").stdout, "b\n");
    assert_eq!(sh("seq 20 | head -5 | wc -l").stdout, "5\n");
    assert_eq!(sh("seq 20 | head -n 2").stdout, "1\n2\n");
    let o = sh("echo a | grep b | cat; echo $?");
    assert_eq!(o.stdout, "0\n", "a pipeline's status is its last command's");
    assert_eq!(sh("echo a | grep b; echo $?").stdout, "1\n");
    assert_eq!(sh("cut -d: -f1 /etc/passwd | head -1").stdout, "root\n");
}

// --- the shell language ---

#[test]
fn variables_expand() {
    assert_eq!(sh("X=1; echo $X ${X}").stdout, "1 1\n");
    assert_eq!(sh("X=1\necho \"$X\" '$X'").stdout, "1 $X\n");
    assert_eq!(sh("Y='a   b'; echo $Y; echo \"$Y\"").stdout, "a b\na   b\n");
    assert_eq!(sh("export X=1; echo $X; env | grep ^X=").stdout, "1\nX=1\n");
    assert_eq!(
        sh("echo $HOME $USER $HOSTNAME $PWD").stdout,
        "/root root web-prod-001 /var/lib/sysman/run\n"
    );
    assert_eq!(on(SimPlatform::MacOs14, "echo $HOME").stdout, "/var/root\n");
    assert_eq!(sh("false; echo $?; echo $?").stdout, "1\n0\n");
    assert!(sh("echo $PATH").stdout.contains("/usr/bin"));
    assert_eq!(sh("echo \"[$UNSET]\"").stdout, "[]\n");
    assert_eq!(
        sh("X=hello.tar.gz; echo ${X%%.*} ${X#*.} ${#X} ${N:-def}").stdout,
        "hello tar.gz 12 def\n"
    );
    assert_eq!(
        sh("echo $((1 + 2 * 3)) $(echo sub) `echo bq`").stdout,
        "7 sub bq\n"
    );
}

#[test]
fn and_or_lists() {
    assert_eq!(sh("false && echo no || echo yes").stdout, "yes\n");
    assert_eq!(
        sh("true && echo a; false || echo b; true || echo c").stdout,
        "a\nb\n"
    );
    assert_eq!(sh("! true; echo $?").stdout, "1\n");
    assert_eq!(sh("echo a ; echo b\necho c").stdout, "a\nb\nc\n");
    assert_eq!(sh("echo a # a comment\n# a line\necho b").stdout, "a\nb\n");
}

#[test]
fn compound_commands() {
    assert_eq!(sh("for i in 1 2 3; do echo $i; done").stdout, "1\n2\n3\n");
    assert_eq!(
        sh("i=0; while [ $i -lt 3 ]; do i=$((i+1)); done; echo $i").stdout,
        "3\n"
    );
    assert_eq!(
        sh("if [ -f /etc/os-release ]; then echo yes; else echo no; fi").stdout,
        "yes\n"
    );
    assert_eq!(
        sh("case web-1 in db*) echo db;; web*) echo web;; esac").stdout,
        "web\n"
    );
    assert_eq!(
        sh("f() { echo \"$1-$#\"; return 3; }; f a b; echo $?").stdout,
        "a-2\n3\n"
    );
    assert_eq!(
        sh("cat <<EOF\nhost $(hostname)\nEOF").stdout,
        "host web-prod-001\n"
    );
    assert_eq!(
        sh("(cd /tmp; pwd); pwd").stdout,
        "/tmp\n/var/lib/sysman/run\n"
    );
    assert_eq!(
        sh("echo a | while read x; do echo got $x; done").stdout,
        "got a\n"
    );
}

#[test]
fn cd_and_pwd() {
    assert_eq!(
        sh("pwd; cd /tmp; pwd; cd; pwd; cd ..; echo $PWD").stdout,
        "/var/lib/sysman/run\n/tmp\n/root\n/\n"
    );
    let o = sh("cd /nope; echo $?");
    assert_eq!(o.stderr, "sh: 1: cd: can't cd to /nope\n");
    assert_eq!(o.stdout, "2\n");
}

#[test]
fn redirections() {
    let o = sh(
        "echo a > /dev/null; echo b 2>&1; nope 2>/dev/null; echo $?; nope 2>&1 | wc -l; echo err >&2",
    );
    assert_eq!(o.stdout, "b\n127\n1\n");
    assert_eq!(o.stderr, "err\n");
    let f = sh("echo hi > /tmp/f; echo there >> /tmp/f; cat /tmp/f; wc -l < /tmp/f");
    assert_eq!(f.stdout, "hi\nthere\n2\n");
    let bad = sh("echo x > /nope/f; echo $?");
    assert_eq!(
        bad.stderr,
        "sh: 1: cannot create /nope/f: Directory nonexistent\n"
    );
    assert_eq!(bad.stdout, "2\n");
}

#[test]
fn not_found_is_127_and_the_script_goes_on() {
    let o = sh("foo; echo next");
    assert_eq!(o.stdout, "next\n");
    assert_eq!(o.stderr, "sh: 1: foo: not found\n");
    assert_eq!(o.exit_code, 0);
    let o = sh("echo a\n\nfoo --bar");
    assert_eq!(o.stderr, "sh: 3: foo: not found\n", "the script line");
    assert_eq!(o.exit_code, 127);
    assert_eq!(sh("foo; echo $?").stdout, "127\n");
    assert_eq!(
        sh("/usr/bin/nope").stderr,
        "sh: 1: /usr/bin/nope: not found\n"
    );
    assert_eq!(sh("/usr/bin/hostname").stdout, "web-prod-001\n");
}

#[test]
fn syntax_errors_stop_with_2() {
    let o = sh("echo \"abc");
    assert_eq!(
        o.stderr,
        "sh: 1: Syntax error: Unterminated quoted string\n"
    );
    assert_eq!((o.stdout.as_str(), o.exit_code), ("", 2));
    let o = sh("echo a\necho 'b\nc");
    assert_eq!(o.stdout, "a\n", "earlier lines ran");
    assert_eq!(
        o.stderr,
        "sh: 3: Syntax error: Unterminated quoted string\n"
    );
    assert_eq!(o.exit_code, 2);
    assert_eq!(
        sh("if true; then echo x").stderr,
        "sh: 1: Syntax error: end of file unexpected (expecting \"fi\")\n"
    );
    assert_eq!(
        sh("echo a;;").stderr,
        "sh: 1: Syntax error: \";;\" unexpected\n"
    );
    assert_eq!(
        sh("done").stderr,
        "sh: 1: Syntax error: \"done\" unexpected\n"
    );
    assert_eq!(sh("echo ${x/a/b}").stderr, "sh: 1: Bad substitution\n");
}

#[test]
fn set_e_stops_on_failure() {
    let o = sh("set -e; false || true; echo ok; false; echo no");
    assert_eq!((o.stdout.as_str(), o.exit_code), ("ok\n", 1));
    let o = sh("set -e\nif false; then :; fi\necho still");
    assert_eq!(o.stdout, "still\n");
}

#[test]
fn pipefail_only_where_sh_is_bash() {
    assert_eq!(
        on(
            SimPlatform::AmazonLinux2023,
            "set -o pipefail; false | true; echo $?"
        )
        .stdout,
        "1\n"
    );
    let o = on(SimPlatform::Ubuntu2204, "set -o pipefail; echo after");
    assert_eq!(o.stderr, "sh: 1: set: Illegal option -o pipefail\n");
    assert_eq!((o.stdout.as_str(), o.exit_code), ("", 2));
}

#[test]
fn sleep_adds_to_the_duration() {
    let base = sh("true").duration_ms;
    let o = sh("sleep 2.5");
    assert_eq!(o.exit_code, 0);
    assert!(
        o.duration_ms >= base + 2500 && o.duration_ms < base + 2600,
        "{} vs {base}",
        o.duration_ms
    );
    assert!(sh("sleep 1m").duration_ms >= 60_000);
    let o = sh("sleep abc");
    assert_eq!(
        o.stderr,
        "sleep: invalid time interval 'abc'\nTry 'sleep --help' for more information.\n"
    );
    assert_eq!(o.exit_code, 1);
    assert!(o.duration_ms < 100);
    let capped = sh("sleep 999999999").duration_ms;
    assert!(
        (30 * 86_400_000..30 * 86_400_000 + 100).contains(&capped),
        "{capped}"
    );
    assert!(sh("sleep 5 & echo started; wait").duration_ms >= 5000);
    assert!(sh("true").duration_ms > 0);
}

#[test]
fn seq_counts() {
    assert_eq!(sh("seq 3").stdout, "1\n2\n3\n");
    assert_eq!(sh("seq 2 4").stdout, "2\n3\n4\n");
    assert_eq!(sh("seq 5 -2 1").stdout, "5\n3\n1\n");
    assert_eq!(sh("seq -s, 3").stdout, "1,2,3\n");
    assert_eq!(sh("seq 0").stdout, "");
    assert_eq!(
        sh("seq x").stderr,
        "seq: invalid floating point argument: 'x'\nTry 'seq --help' for more information.\n"
    );
}

// --- determinism and per-node variation ---

#[test]
fn same_machine_same_output() {
    let script = "uptime; free -m; df -h; ps aux; date; echo $$; cat /proc/loadavg; ls /etc";
    for p in LINUX.into_iter().chain([SimPlatform::MacOs14]) {
        let m = machine(p, 7);
        assert_eq!(run_shell(&m, script), run_shell(&m, script), "{p:?}");
    }
    let m = Machine {
        hostname: "WIN-A",
        ..machine(SimPlatform::WindowsServer2019, 7)
    };
    let script = "Get-Process; Get-Service; Get-Date; Get-ComputerInfo";
    assert_eq!(run_powershell(&m, script), run_powershell(&m, script));
}

#[test]
fn nodes_differ() {
    let a = run_shell(&machine(SimPlatform::AmazonLinux2023, 0), "uptime; free");
    let b = run_shell(&machine(SimPlatform::AmazonLinux2023, 1), "uptime; free");
    assert_ne!(a.stdout, b.stdout);
    let ups: std::collections::BTreeSet<String> = (0..20)
        .map(|i| run_shell(&machine(SimPlatform::Debian12, i), "uptime -p").stdout)
        .collect();
    assert!(ups.len() > 15, "{ups:?}");
    let other_seed = Machine {
        seed: 43,
        ..machine(SimPlatform::AmazonLinux2023, 0)
    };
    assert_ne!(
        run_shell(&other_seed, "free").stdout,
        a.stdout.split_once('\n').unwrap().1
    );
}

#[test]
fn uptime_grows_with_the_clock() {
    let m = machine(SimPlatform::Ubuntu2404, 2);
    let boot = run_shell(&m, "uptime -s").stdout;
    let later = Machine {
        now_ms: m.now_ms + 3_600_000,
        ..m.clone()
    };
    assert_eq!(
        run_shell(&later, "uptime -s").stdout,
        boot,
        "same boot an hour later"
    );
    let line = run_shell(&m, "uptime").stdout;
    assert!(line.starts_with(" 20:35:01 up "), "{line}");
    assert!(line.contains(" 0 user,  load average: "), "{line}");
    assert!(
        run_shell(&machine(SimPlatform::Rhel9, 2), "uptime")
            .stdout
            .contains(" 0 users,  load average: ")
    );
}

// --- bounds ---

#[test]
fn a_megabyte_script_runs() {
    let script = "echo x; true\n".repeat(80_000);
    assert!(script.len() > 1_000_000);
    let t = std::time::Instant::now();
    let o = sh(&script);
    assert_eq!(o.exit_code, 0);
    assert_eq!(o.stdout.len(), 160_000);
    assert!(
        t.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        t.elapsed()
    );
    let one_line = format!("echo {}", "y".repeat(1_000_000));
    assert_eq!(sh(&one_line).stdout.len(), 1_000_001);
}

#[test]
fn output_is_capped() {
    let o = sh("seq 1 100000000; echo done >&2; exit 7");
    assert_eq!(o.stdout.len() + o.stderr.len(), OUTPUT_CAP);
    assert!(o.stdout.starts_with("1\n2\n3\n"));
    assert_eq!(o.exit_code, 7, "the script ran to its end");
    let o = sh("seq 1 100000000 | wc -l");
    assert!(o.stdout.trim().parse::<u64>().unwrap() > 500_000);
    assert_eq!(sh("yes | head -n 3").stdout, "y\ny\ny\n");
    let o = sh("yes > /dev/null; x=a; for i in $(seq 23); do x=$x$x; done; echo ${#x}");
    assert_eq!(o.stdout, "4194304\n", "expansions are capped too");
}

#[test]
fn runaway_scripts_stop() {
    let o = sh("while true; do :; done; echo never");
    assert_eq!(o.exit_code, ABORT_STATUS);
    assert_eq!(o.stdout, "");
    assert!(o.stderr.contains("work limit"));
    let o = sh("x=aaaaaaaa; while true; do x=$x$x; done");
    assert_eq!(o.exit_code, ABORT_STATUS);
    let o = sh("f() { f; }; f; echo $?");
    assert!(o.stderr.contains("nesting too deep"), "{}", o.stderr);
    let o = sh("f() { echo $(f); }; f");
    assert!(o.stderr.contains("nesting too deep"), "{}", o.stderr);
    let o = sh(&format!("echo {}1{}", "$(".repeat(200), ")".repeat(200)));
    assert_eq!(o.exit_code, 2);
    let o = sh(&format!(
        "echo $(({}1{}))",
        "(".repeat(5000),
        ")".repeat(5000)
    ));
    assert_eq!(o.exit_code, 2);
    let o = sh(&format!(
        "{}echo a{}",
        "if true; then ".repeat(100),
        "; fi".repeat(100)
    ));
    assert_eq!(o.exit_code, 2);
    let o = sh(&"{ ".repeat(10_000));
    assert_eq!(o.exit_code, 2);
}

#[test]
fn garbage_never_panics() {
    const ALPHABET: &[&str] = &[
        "echo", " ", "\n", ";", "&", "|", "&&", "||", "(", ")", "{", "}", "$", "${", "$(", "$((",
        "`", "'", "\"", "\\", "<", ">", ">>", "2>&1", "<<", "EOF", "if", "then", "fi", "for", "in",
        "do", "done", "case", "esac", ";;", "x", "=", "#", "*", "?", "[", "]", "%", ":-", "-", "1",
        "0", "ls", "cat", "seq", "grep", "while", "true", "f()", "!", "é", "\t", "read", "set -e",
        "exit", "~", "eval", "sh -c",
    ];
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..3000 {
        let mut script = String::new();
        for _ in 0..(mix(state) % 40) {
            state = mix(state);
            script.push_str(ALPHABET[(state % ALPHABET.len() as u64) as usize]);
        }
        state = mix(state);
        let _ = sh(&script);
        let _ = ps(&script);
    }
}

// --- PowerShell ---

#[test]
fn powershell_basics() {
    let o = ps("Write-Output hello; echo 'a b'\nWrite-Host \"Host: $env:COMPUTERNAME\"");
    assert_eq!(o.stdout, "hello\na b\nHost: WIN-WEBP-001\n");
    assert_eq!(o.exit_code, 0);
    assert_eq!(ps("hostname").stdout, "WIN-WEBP-001\n");
    assert_eq!(ps("$env:COMPUTERNAME").stdout, "WIN-WEBP-001\n");
    assert_eq!(ps("whoami").stdout, "nt authority\\system\n");
    assert_eq!(
        ps("$x = 5; $x * 2; \"v=$x\"; 'lit $x'").stdout,
        "10\nv=5\nlit $x\n"
    );
    assert_eq!(ps("exit 3").exit_code, 3);
    assert_eq!(ps("Write-Output a; exit 2; Write-Output b").stdout, "a\n");
    assert_eq!(ps("if (1 -gt 2) { 'no' } else { 'yes' }").stdout, "yes\n");
    assert_eq!(ps("foreach ($i in 1,2) { \"n$i\" }").stdout, "n1\nn2\n");
}

#[test]
fn powershell_get_date() {
    assert_eq!(
        ps("Get-Date").stdout,
        "\nMonday, November 23, 2026 8:35:01 PM\n\n\n"
    );
    assert_eq!(
        ps("Get-Date -Format 'yyyy-MM-dd HH:mm:ss'").stdout,
        "2026-11-23 20:35:01\n"
    );
    assert_eq!(
        ps("Get-Date -Format o").stdout,
        "2026-11-23T20:35:01.0000000+00:00\n"
    );
    assert_eq!(
        ps("(Get-Date).Year; (Get-Date).DayOfWeek").stdout,
        "2026\nMonday\n"
    );
}

#[test]
fn powershell_services_and_processes() {
    let o = win(SimPlatform::WindowsServer2019, "Get-Service");
    let lines: Vec<&str> = o.stdout.lines().collect();
    assert_eq!(lines[0], "");
    assert_eq!(lines[1], "Status   Name               DisplayName");
    assert_eq!(lines[2], "------   ----               -----------");
    assert!(
        o.stdout
            .contains("\nRunning  AmazonSSMAgent     Amazon SSM Agent\n")
    );
    assert!(o.stdout.ends_with("\n\n\n"));
    let one = ps("Get-Service AmazonSSMAgent | Select-Object -ExpandProperty Status");
    assert_eq!(one.stdout, "Running\n");
    let n = ps("(Get-Service | Where-Object { $_.Status -eq 'Running' }).Count").stdout;
    assert!(n.trim().parse::<u32>().unwrap() > 10);
    let missing = ps("Get-Service nope; 'after'");
    assert!(
        missing
            .stderr
            .starts_with("Get-Service : Cannot find any service with service name 'nope'.")
    );
    assert_eq!(
        missing.stdout, "after\n",
        "a cmdlet error does not stop the script"
    );
    assert_eq!(missing.exit_code, 0);
    let p = ps("Get-Process");
    assert!(
        p.stdout.starts_with(
            "\nHandles  NPM(K)    PM(K)      WS(K)     CPU(s)     Id  SI ProcessName\n"
        )
    );
    assert!(p.stdout.contains(" amazon-ssm-agent\n"));
    assert!(p.stdout.contains(" powershell\n"));
    let top = ps(
        "Get-Process | Sort-Object CPU -Descending | Select-Object -First 1 -ExpandProperty Name",
    );
    assert_eq!(top.stdout, "Idle\n");
}

#[test]
fn powershell_hotfixes_and_versions() {
    let o = win(SimPlatform::WindowsServer2019, "Get-HotFix");
    assert!(o.stdout.contains("KB5044277"));
    assert!(
        o.stdout.contains(
            "Source        Description      HotFixID      InstalledBy          InstalledOn"
        )
    );
    let v = win(
        SimPlatform::WindowsServer2019,
        "[System.Environment]::OSVersion.Version.Build",
    );
    assert_eq!(v.stdout, "17763\n");
    assert_eq!(ps("$PSVersionTable.PSVersion.Major").stdout, "5\n");
    assert!(ps("Get-ComputerInfo").stdout.contains("WindowsProductName"));
}

#[test]
fn powershell_sleep() {
    let base = ps("'x'").duration_ms;
    assert_eq!(
        ps("Start-Sleep -Seconds 3").duration_ms,
        base + 3000 + CMDLET_US / 1000
    );
    assert_eq!(
        ps("Start-Sleep -Milliseconds 250").duration_ms,
        base + 250 + CMDLET_US / 1000
    );
    assert_eq!(
        ps("Start-Sleep 2.5").duration_ms,
        base + 2000 + CMDLET_US / 1000,
        "an Int32, rounded to even"
    );
    let bad = ps("Start-Sleep -Seconds abc");
    assert!(
        bad.stderr
            .starts_with("Start-Sleep : Cannot bind parameter 'Seconds'."),
        "{}",
        bad.stderr
    );
}

#[test]
fn powershell_unknown_command_ends_the_script() {
    let o = ps("Write-Output before\nfoo\nWrite-Output after");
    assert_eq!(o.stdout, "before\n");
    assert!(o.stderr.starts_with(
        "foo : The term 'foo' is not recognized as the name of a cmdlet, function, script file, or operable \
         program. Check the spelling of the name, or if a path was included, verify that the path is correct \
         and try again.\nAt line:2 char:1\n+ foo\n+ ~~~\n"
    ), "{}", o.stderr);
    assert!(o.stderr.contains("CommandNotFoundException"));
    assert_eq!(o.exit_code, 1);
}

#[test]
fn powershell_parse_errors_run_nothing() {
    let o = ps("Write-Output a\nWrite-Output \"b");
    assert_eq!(o.stdout, "");
    assert!(
        o.stderr
            .contains("The string is missing the terminator: \"."),
        "{}",
        o.stderr
    );
    assert_eq!(o.exit_code, 1);
    assert!(
        ps("if ($true) { 'x'")
            .stderr
            .contains("Missing closing '}'")
    );
}

#[test]
fn platforms_without_the_plugin() {
    let o = run_shell(&machine(SimPlatform::WindowsServer2022, 0), "echo hi");
    assert_eq!(o.exit_code, 1);
    assert!(o.stdout.is_empty());
    let o = run_powershell(&machine(SimPlatform::Ubuntu2204, 0), "Write-Output hi");
    assert_eq!(o.exit_code, 1);
    assert!(o.stderr.contains("pwsh"));
}
