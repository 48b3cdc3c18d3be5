//! The real binary in a real terminal (tmux), read as a person would.
//!
//! Needs tmux. Without it the test says so and passes, except under CI,
//! where `.ci/run` installs tmux and its absence is a failure.

use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "smoke"])
    }

    fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.run(&["send-keys", "-t", "smoke", key]);
        }
    }

    /// Waits until the screen shows `text`, or fails showing what it shows.
    fn wait_for(&self, text: &str) -> String {
        self.wait_until(text, |screen| screen.contains(text))
    }

    /// Waits until the whole screen is as `ok` wants it. A capture can
    /// catch a frame half drawn on a busy machine, so every check of a
    /// screen is waited for, never asserted on one capture.
    fn wait_until(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "never saw {what}; the screen shows:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}

#[test]
fn a_new_user_browses_the_fleet_in_a_real_terminal() {
    if Command::new("tmux").arg("-V").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have tmux for the smoke test"
        );
        eprintln!("tmux is not installed: skipping the smoke test of the real binary");
        return;
    }
    let tmux = Tmux {
        socket: format!("sysman-smoke-{}", std::process::id()),
    };
    let command = format!(
        "{} --ephemeral --fleet 60 --seed 3; echo SYSMAN-EXIT=$?; sleep 30",
        env!("CARGO_BIN_EXE_sysman")
    );
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "smoke",
        "-x",
        "120",
        "-y",
        "40",
        &command,
    ]);

    tmux.wait_until(
        "the fleet, sorted by id, with the keys in the footer",
        |screen| {
            screen.contains("Nodes [60]")
                && screen.contains("online")
                && screen.contains("ID▲")
                && screen.contains("? help")
        },
    );

    tmux.keys(&["/", "Environment=prod", "Enter"]);
    tmux.wait_until("only prod nodes, filtered by Environment=prod", |screen| {
        screen.contains(" of 60]")
            && screen.contains("/ Environment=prod")
            && !screen.contains("staging")
    });

    // An escape followed at once by a key reads as Alt+key, as in any
    // terminal: wait for the screen to answer before the next key.
    tmux.keys(&["Escape"]);
    tmux.wait_for("Nodes [60]");
    tmux.keys(&["j", "Enter"]);
    tmux.wait_until("the node's details with its three tags", |screen| {
        screen.contains("Instance ID") && screen.contains("Tags (3)") && screen.contains("Fleet ›")
    });

    tmux.keys(&["Escape"]);
    tmux.wait_for("Nodes [60]");
    tmux.keys(&[":", "act", "Enter"]);
    tmux.wait_for("Activations [");

    // Run Command: the history, and the send form's document picker.
    tmux.keys(&[":", "run", "Enter"]);
    tmux.wait_for("No commands yet");
    tmux.keys(&["n"]);
    tmux.wait_until(
        "the document picker with both built-in documents",
        |screen| {
            screen.contains("choose a document")
                && screen.contains("AWS-RunShellScript")
                && screen.contains("AWS-RunPowerShellScript")
        },
    );
    tmux.keys(&["Escape"]);
    tmux.wait_for("nothing sent");

    // Patch Manager: AWS's baselines and the fleet's patch groups, none
    // scanned yet; Compliance says how to get some.
    tmux.keys(&[":", "patch", "Enter"]);
    tmux.wait_until("the baselines and the patch groups", |screen| {
        screen.contains("Patch baselines [15]")
            && screen.contains("AWS-AmazonLinux2023DefaultPatchBaseline")
            && screen.contains("Patch groups [")
            && screen.contains("s scan")
    });
    tmux.keys(&[":", "compliance", "Enter"]);
    tmux.wait_for("No node has reported compliance yet");

    tmux.keys(&["q"]);
    let screen = tmux.wait_for("SYSMAN-EXIT=");
    assert!(screen.contains("SYSMAN-EXIT=0"), "{screen}");
}
