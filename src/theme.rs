//! Colour themes: TOML files with a palette of named colours and semantic
//! slots. The built-ins are embedded; a file of the same name in the user's
//! themes directory overrides one; slots a theme leaves out come from the
//! default theme.

use std::collections::BTreeMap;
use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

pub const DEFAULT_THEME: &str = "dark";

/// Built-in themes, embedded in the binary.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("dark", include_str!("../themes/dark.toml")),
    ("light", include_str!("../themes/light.toml")),
    ("terminal", include_str!("../themes/terminal.toml")),
];

/// The styles the console draws with; the default draws every slot plain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Theme {
    pub name: String,
    pub text: Style,
    pub muted: Style,
    pub border: Style,
    pub title: Style,
    pub header: Style,
    pub selection: Style,
    pub accent: Style,
    pub key: Style,
    pub breadcrumb: Style,
    pub bar: Style,
    pub overlay: Style,
    pub matched: Style,
    pub online: Style,
    pub connection_lost: Style,
    pub inactive: Style,
    pub warn: Style,
    pub error: Style,
    /// Colours by palette name, for the screenshot writer.
    pub palette: BTreeMap<String, Color>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[serde(default)]
    palette: BTreeMap<String, String>,
    #[serde(default)]
    slots: BTreeMap<String, SlotSpec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SlotSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    dim: bool,
    #[serde(default)]
    reversed: bool,
    #[serde(default)]
    underlined: bool,
}

const SLOTS: [&str; 17] = [
    "text",
    "muted",
    "border",
    "title",
    "header",
    "selection",
    "accent",
    "key",
    "breadcrumb",
    "bar",
    "overlay",
    "match",
    "status.online",
    "status.connection_lost",
    "status.inactive",
    "warn",
    "error",
];

impl Theme {
    /// The theme called `name`: the user's file in `user_dir` if there is
    /// one, else the built-in. `NO_COLOR` strips every colour.
    pub fn load(name: &str, user_dir: Option<&Path>, no_color: bool) -> Result<Theme, String> {
        let user_file = user_dir
            .map(|d| d.join(format!("{name}.toml")))
            .filter(|p| p.is_file());
        let (source, text) = match user_file {
            Some(path) => {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("cannot read theme {}: {e}", path.display()))?;
                (path.display().to_string(), text)
            }
            None => {
                let (_, text) = BUILT_IN.iter().find(|(n, _)| *n == name).ok_or_else(|| {
                    format!(
                        "there is no theme '{name}'; built in are {}{}",
                        BUILT_IN
                            .iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", "),
                        user_dir
                            .map(|d| format!(", or add {}/{name}.toml", d.display()))
                            .unwrap_or_default()
                    )
                })?;
                (format!("built-in theme {name}"), (*text).to_owned())
            }
        };
        let theme = Self::parse(name, &text).map_err(|e| format!("{source}: {e}"))?;
        Ok(if no_color {
            theme.without_colour()
        } else {
            theme
        })
    }

    /// Parses a theme file, taking missing slots from the default theme.
    pub fn parse(name: &str, text: &str) -> Result<Theme, String> {
        let file: ThemeFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let fallback: ThemeFile = if name == DEFAULT_THEME {
            ThemeFile {
                palette: BTreeMap::new(),
                slots: BTreeMap::new(),
            }
        } else {
            toml::from_str(BUILT_IN[0].1).map_err(|e| e.to_string())?
        };
        let mut palette = BTreeMap::new();
        for source in [&fallback.palette, &file.palette] {
            for (key, value) in source {
                let colour = parse_colour(value, &BTreeMap::new())
                    .map_err(|e| format!("palette.{key}: {e}"))?;
                palette.insert(key.clone(), colour);
            }
        }
        if let Some(unknown) = file.slots.keys().find(|k| !SLOTS.contains(&k.as_str())) {
            return Err(format!(
                "'{unknown}' is not a theme slot; use one of {}",
                SLOTS.join(", ")
            ));
        }
        let slot = |key: &str| -> Result<Style, String> {
            let spec = match file.slots.get(key).or_else(|| fallback.slots.get(key)) {
                Some(spec) => spec,
                None => return Ok(Style::default()),
            };
            to_style(spec, &palette).map_err(|e| format!("slots.\"{key}\": {e}"))
        };
        Ok(Theme {
            name: name.to_owned(),
            text: slot("text")?,
            muted: slot("muted")?,
            border: slot("border")?,
            title: slot("title")?,
            header: slot("header")?,
            selection: slot("selection")?,
            accent: slot("accent")?,
            key: slot("key")?,
            breadcrumb: slot("breadcrumb")?,
            bar: slot("bar")?,
            overlay: slot("overlay")?,
            matched: slot("match")?,
            online: slot("status.online")?,
            connection_lost: slot("status.connection_lost")?,
            inactive: slot("status.inactive")?,
            warn: slot("warn")?,
            error: slot("error")?,
            palette,
        })
    }

    /// The same theme with every colour removed, for `NO_COLOR`: emphasis
    /// survives as bold, and the selection as reversed video.
    pub fn without_colour(mut self) -> Theme {
        let strip = |s: Style| Style {
            fg: None,
            bg: None,
            underline_color: None,
            ..s
        };
        for style in [
            &mut self.text,
            &mut self.muted,
            &mut self.border,
            &mut self.title,
            &mut self.header,
            &mut self.accent,
            &mut self.key,
            &mut self.breadcrumb,
            &mut self.overlay,
            &mut self.matched,
            &mut self.online,
            &mut self.connection_lost,
            &mut self.inactive,
            &mut self.warn,
            &mut self.error,
        ] {
            *style = strip(*style);
        }
        self.selection = strip(self.selection).add_modifier(Modifier::REVERSED);
        self.bar = strip(self.bar).add_modifier(Modifier::REVERSED);
        self.name = format!("{} (no colour)", self.name);
        self
    }
}

fn to_style(spec: &SlotSpec, palette: &BTreeMap<String, Color>) -> Result<Style, String> {
    let mut style = Style::default();
    if let Some(fg) = &spec.fg {
        style = style.fg(parse_colour(fg, palette)?);
    }
    if let Some(bg) = &spec.bg {
        style = style.bg(parse_colour(bg, palette)?);
    }
    for (on, modifier) in [
        (spec.bold, Modifier::BOLD),
        (spec.italic, Modifier::ITALIC),
        (spec.dim, Modifier::DIM),
        (spec.reversed, Modifier::REVERSED),
        (spec.underlined, Modifier::UNDERLINED),
    ] {
        if on {
            style = style.add_modifier(modifier);
        }
    }
    Ok(style)
}

/// `#rrggbb`, an ANSI name, an index 0–255, `reset`, or a palette name.
pub fn parse_colour(text: &str, palette: &BTreeMap<String, Color>) -> Result<Color, String> {
    if let Some(colour) = palette.get(text) {
        return Ok(*colour);
    }
    if let Some(hex) = text.strip_prefix('#') {
        let ok = hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit());
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0);
        return if ok {
            Ok(Color::Rgb(channel(0), channel(2), channel(4)))
        } else {
            Err(format!(
                "'{text}' is not a colour; write #rrggbb with six hex digits"
            ))
        };
    }
    if let Ok(index) = text.parse::<u8>() {
        return Ok(Color::Indexed(index));
    }
    let named = match text.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
        "reset" | "default" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "darkgray" | "darkgrey" => Color::DarkGray,
        "lightred" => Color::LightRed,
        "lightgreen" => Color::LightGreen,
        "lightyellow" => Color::LightYellow,
        "lightblue" => Color::LightBlue,
        "lightmagenta" => Color::LightMagenta,
        "lightcyan" => Color::LightCyan,
        "white" => Color::White,
        _ => {
            return Err(format!(
                "'{text}' is not a colour; write #rrggbb, a number 0-255, an ANSI name such as \
                 red or lightblue, reset, or a name from [palette]"
            ));
        }
    };
    Ok(named)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_theme_parses_and_every_file_in_themes_is_built_in() {
        for (name, text) in BUILT_IN {
            Theme::parse(name, text).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            assert!(
                BUILT_IN.iter().any(|(n, _)| *n == stem),
                "{} is not embedded",
                path.display()
            );
        }
    }

    #[test]
    fn colours_parse_in_every_form() {
        let palette = BTreeMap::from([("sea".to_owned(), Color::Rgb(0, 0, 200))]);
        assert_eq!(
            parse_colour("#ff8000", &palette),
            Ok(Color::Rgb(255, 128, 0))
        );
        assert_eq!(parse_colour("sea", &palette), Ok(Color::Rgb(0, 0, 200)));
        assert_eq!(parse_colour("light-red", &palette), Ok(Color::LightRed));
        assert_eq!(parse_colour("42", &palette), Ok(Color::Indexed(42)));
        assert_eq!(parse_colour("reset", &palette), Ok(Color::Reset));
        assert!(
            parse_colour("#ff80", &palette)
                .unwrap_err()
                .contains("six hex digits")
        );
        assert!(
            parse_colour("chartreuse", &palette)
                .unwrap_err()
                .contains("not a colour")
        );
    }

    #[test]
    fn a_user_theme_overrides_a_built_in_and_falls_back_for_missing_slots() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("light.toml"),
            "[slots]\nerror = { fg = \"#010203\" }\n",
        )
        .unwrap();
        let theme = Theme::load("light", Some(dir.path()), false).unwrap();
        assert_eq!(theme.error.fg, Some(Color::Rgb(1, 2, 3)));
        let dark = Theme::load("dark", None, false).unwrap();
        assert_eq!(
            theme.online, dark.online,
            "missing slots come from the default theme"
        );
    }

    #[test]
    fn bad_themes_are_errors_naming_the_file_and_slot() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("mine.toml"),
            "[slots]\nborderr = { fg = \"red\" }\n",
        )
        .unwrap();
        let err = Theme::load("mine", Some(dir.path()), false).unwrap_err();
        assert!(
            err.contains("mine.toml") && err.contains("'borderr'"),
            "{err}"
        );
        let err = Theme::load("nope", None, false).unwrap_err();
        assert!(err.contains("dark, light, terminal"), "{err}");
    }

    #[test]
    fn no_color_strips_every_colour() {
        let theme = Theme::load("dark", None, true).unwrap();
        assert_eq!(theme.online.fg, None);
        assert!(theme.selection.add_modifier.contains(Modifier::REVERSED));
    }
}
