//! The languages `mos` writes in, and its string catalogue: every word a
//! page, pack or sentence says comes from `locales/<language>/mos.ftl`
//! (Project Fluent), so each language can order and inflect its own
//! sentences, and adding a language is adding a file.
//!
//! The language of a page or pack is ambient for its rendering, as a
//! request's locale is: set once where the request or the command comes in
//! (the `/cy` prefix, `mos report --language`), read by every sentence,
//! rather than threaded through every signature between.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::LazyLock;

/// A language the catalogue has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub enum Language {
    #[default]
    English,
    Welsh,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::English, Language::Welsh];

    /// The code a declaration, a flag or a path names it by: `en`, `cy`.
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Welsh => "cy",
        }
    }

    /// `lang` of a page: `en-GB`, `cy`.
    pub fn html_lang(self) -> &'static str {
        match self {
            Language::English => "en-GB",
            Language::Welsh => "cy",
        }
    }

    /// Its name in itself, as a link to it is written: "English", "Cymraeg".
    pub fn own_name(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::Welsh => "Cymraeg",
        }
    }

    /// Where its pages are: `/` for English, `/cy/` for Welsh.
    pub fn path_prefix(self) -> &'static str {
        match self {
            Language::English => "",
            Language::Welsh => "/cy",
        }
    }

    pub fn from_code(code: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The other of the two, for a page's link to its twin.
    pub fn other(self) -> Language {
        match self {
            Language::English => Language::Welsh,
            Language::Welsh => Language::English,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl std::str::FromStr for Language {
    type Err = String;
    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Language::from_code(code).ok_or_else(|| {
            format!(
                "no language \"{code}\": the catalogue has \"en\" (English) and \"cy\" (Cymraeg)"
            )
        })
    }
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// The catalogue's files, shipped inside the binary.
pub const CATALOGUE: [(Language, &str); 2] = [
    (Language::English, include_str!("../../locales/en/mos.ftl")),
    (Language::Welsh, include_str!("../../locales/cy/mos.ftl")),
];

type Bundle = FluentBundle<FluentResource>;

static BUNDLES: LazyLock<Vec<Bundle>> = LazyLock::new(|| {
    CATALOGUE
        .iter()
        .map(|(language, text)| {
            let resource = FluentResource::try_new(text.to_string())
                .unwrap_or_else(|(_, errors)| panic!("locales/{language}/mos.ftl: {errors:?}"));
            let id = language
                .code()
                .parse()
                .expect("a language code is a language identifier");
            let mut bundle = Bundle::new_concurrent(vec![id]);
            // Pages and cells carry the text as it is: no invisible
            // direction marks around each argument (both languages run left
            // to right).
            bundle.set_use_isolating(false);
            bundle
                .add_resource(resource)
                .unwrap_or_else(|errors| panic!("locales/{language}/mos.ftl: {errors:?}"));
            bundle
        })
        .collect()
});

tokio::task_local! {
    static LANGUAGE: Language;
}

/// The language being written in: English unless a caller set one.
pub fn current() -> Language {
    LANGUAGE.try_with(|l| *l).unwrap_or_default()
}

/// Runs `write` in `language`.
pub fn in_language<R>(language: Language, write: impl FnOnce() -> R) -> R {
    LANGUAGE.sync_scope(language, write)
}

/// Runs the future `write` (a request's handling) in `language`.
pub async fn in_language_async<F: std::future::Future>(language: Language, write: F) -> F::Output {
    LANGUAGE.scope(language, write).await
}

/// Puts a declaration's Welsh form (`title_cy`, …) in place of its English
/// text, where one is declared.
pub fn put_welsh(text: &mut String, welsh: &Option<String>) {
    if let Some(welsh) = welsh {
        text.clone_from(welsh);
    }
}

/// An argument of a message: text, or a number (which also picks a plural form).
pub type Arg<'a> = (&'a str, FluentValue<'a>);

/// The message `id` in the current language, with `args`. A message a
/// language lacks is said in English, so that a page is never left with a
/// hole (the catalogue's tests make sure Welsh lacks none).
pub fn message(id: &str, args: &[Arg<'_>]) -> String {
    message_in(current(), id, args)
}

pub fn message_in(language: Language, id: &str, args: &[Arg<'_>]) -> String {
    let format = |bundle: &Bundle| {
        let pattern = bundle.get_message(id)?.value()?;
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            fluent_args.set(*name, value.clone());
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
        debug_assert!(errors.is_empty(), "message {id}: {errors:?}");
        Some(text.into_owned())
    };
    format(&BUNDLES[language.index()])
        .or_else(|| format(&BUNDLES[Language::English.index()]))
        .unwrap_or_else(|| panic!("no message \"{id}\" in the catalogue"))
}

/// Whether the catalogue of `language` has the message `id`.
pub fn has_message(language: Language, id: &str) -> bool {
    BUNDLES[language.index()].has_message(id)
}

/// The ids of every message in `language`'s file, in file order.
pub fn message_ids(language: Language) -> Vec<String> {
    let (_, text) = CATALOGUE[language.index()];
    let resource = FluentResource::try_new(text.to_string()).expect("checked on loading");
    resource
        .entries()
        .filter_map(|entry| match entry {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
            _ => None,
        })
        .collect()
}

/// `t!("nav-home")`, `t!("measures-count", count = n)`: the message in the
/// current language. A number argument picks the plural form too.
#[macro_export]
macro_rules! t {
    ($id:expr) => {
        $crate::common::language::message($id, &[])
    };
    ($id:expr, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::common::language::message(
            $id,
            &[$((stringify!($name), ::fluent_bundle::FluentValue::from($value))),+],
        )
    };
}

static MONTHS: LazyLock<Vec<[Vec<String>; 2]>> = LazyLock::new(|| {
    Language::ALL
        .iter()
        .map(|&language| {
            let names = |form: &str| {
                (1..=12)
                    .map(|m| message_in(language, form, &[("month", FluentValue::from(m))]))
                    .collect()
            };
            [names("month-long"), names("month-short")]
        })
        .collect()
});

/// "March", "Mawrth": month `number` (1 to 12) in the current language.
pub fn month_name(number: u32) -> &'static str {
    &MONTHS[current().index()][0][number as usize - 1]
}

/// "Mar", "Maw".
pub fn month_abbreviation(number: u32) -> &'static str {
    &MONTHS[current().index()][1][number as usize - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_is_in_both_languages_and_formats_without_error() {
        let english = message_ids(Language::English);
        let welsh = message_ids(Language::Welsh);
        assert!(english.len() > 100, "{}", english.len());
        let missing: Vec<_> = english.iter().filter(|id| !welsh.contains(id)).collect();
        assert!(missing.is_empty(), "not in Welsh: {missing:?}");
        let extra: Vec<_> = welsh.iter().filter(|id| !english.contains(id)).collect();
        assert!(extra.is_empty(), "in Welsh only: {extra:?}");
    }

    #[test]
    fn welsh_plurals_and_months_follow_welsh_rules() {
        // Welsh has six plural forms: 1 is "one", 2 "two", 3 "few", 6 "many".
        let say = |n: i64| message_in(Language::Welsh, "measures-count", &[("count", n.into())]);
        assert_eq!(say(1), "1 mesur");
        assert_eq!(say(2), "2 fesur");
        assert_eq!(say(3), "3 mesur");
        assert_eq!(say(12), "12 mesur");
        let say = |n: i64| message_in(Language::English, "measures-count", &[("count", n.into())]);
        assert_eq!(say(1), "1 measure");
        assert_eq!(say(2), "2 measures");
        in_language(Language::Welsh, || {
            assert_eq!(month_name(3), "Mawrth");
            assert_eq!(month_abbreviation(1), "Ion");
        });
        assert_eq!(month_name(3), "March");
        assert_eq!(month_abbreviation(9), "Sep");
    }

    #[test]
    fn a_language_is_named_by_its_code() {
        assert_eq!("cy".parse::<Language>(), Ok(Language::Welsh));
        assert!("fr".parse::<Language>().unwrap_err().contains("\"cy\""));
    }
}
