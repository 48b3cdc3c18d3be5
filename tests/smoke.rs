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
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "never saw {text:?}; the screen shows:\n{screen}"
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

    let screen = tmux.wait_for("Nodes [60]");
    assert!(
        screen.contains("online") && screen.contains("ID▲"),
        "{screen}"
    );
    assert!(
        screen.contains("? help"),
        "the footer names the keys:\n{screen}"
    );

    tmux.keys(&["/", "Environment=prod", "Enter"]);
    let screen = tmux.wait_for(" of 60]");
    assert!(screen.contains("/ Environment=prod"), "{screen}");
    assert!(
        !screen.contains("staging"),
        "only prod nodes are left:\n{screen}"
    );

    // An escape followed at once by a key reads as Alt+key, as in any
    // terminal: wait for the screen to answer before the next key.
    tmux.keys(&["Escape"]);
    tmux.wait_for("Nodes [60]");
    tmux.keys(&["j", "Enter"]);
    let screen = tmux.wait_for("Instance ID");
    assert!(
        screen.contains("Tags (3)") && screen.contains("Fleet ›"),
        "{screen}"
    );

    tmux.keys(&["Escape"]);
    tmux.wait_for("Nodes [60]");
    tmux.keys(&[":", "act", "Enter"]);
    tmux.wait_for("Activations [");

    // Run Command: the history, and the send form's document picker.
    tmux.keys(&[":", "run", "Enter"]);
    tmux.wait_for("No commands yet");
    tmux.keys(&["n"]);
    let screen = tmux.wait_for("choose a document");
    assert!(
        screen.contains("AWS-RunShellScript") && screen.contains("AWS-RunPowerShellScript"),
        "{screen}"
    );
    tmux.keys(&["Escape"]);
    tmux.wait_for("nothing sent");

    tmux.keys(&["q"]);
    let screen = tmux.wait_for("SYSMAN-EXIT=");
    assert!(screen.contains("SYSMAN-EXIT=0"), "{screen}");
}
