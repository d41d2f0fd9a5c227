//! Just enough HTML reading for the logon and environment pages: hidden
//! inputs, the options of a `<select>` and a version string.

/// The `value` of the `<input>` whose `name` (or `id`) is `name`.
pub(crate) fn input_value(html: &str, name: &str) -> Option<String> {
    tags(html, "input").find_map(|tag| {
        let named = attr(tag, "name").or_else(|| attr(tag, "id"));
        (named.as_deref() == Some(name)).then(|| attr(tag, "value").unwrap_or_default())
    })
}

/// Whether the page has an element (`input` or `select`) named `name`.
pub(crate) fn has_field(html: &str, name: &str) -> bool {
    ["input", "select"].iter().any(|kind| {
        tags(html, kind).any(|tag| {
            attr(tag, "name").as_deref() == Some(name) || attr(tag, "id").as_deref() == Some(name)
        })
    })
}

/// The `(value, label)` pairs of the `<select>` named `name`.
pub(crate) fn select_options(html: &str, name: &str) -> Vec<(String, String)> {
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find("<select") {
        let start = from + found;
        let Some(tag_end) = html[start..].find('>').map(|end| start + end) else {
            break;
        };
        let tag = &html[start..=tag_end];
        let end = lower[tag_end..]
            .find("</select")
            .map_or(html.len(), |end| tag_end + end);
        let named = attr(tag, "name").or_else(|| attr(tag, "id"));
        if named.as_deref() == Some(name) {
            return options(&html[tag_end + 1..end]);
        }
        from = end;
    }
    Vec::new()
}

fn options(body: &str) -> Vec<(String, String)> {
    let lower = body.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = lower[from..].find("<option") {
        let start = from + found;
        let Some(tag_end) = body[start..].find('>').map(|end| start + end) else {
            break;
        };
        let tag = &body[start..=tag_end];
        let label_end = lower[tag_end..]
            .find('<')
            .map_or(body.len(), |end| tag_end + end);
        let label = decode_entities(body[tag_end + 1..label_end].trim());
        let value = attr(tag, "value").unwrap_or_else(|| label.clone());
        out.push((value.trim().to_owned(), label));
        from = label_end;
    }
    out
}

/// The text of the page's ASP.NET validation summary (the element of class
/// `validation-summary-errors`), tags dropped and blanks collapsed; `None`
/// when the page has none or it is empty.
pub(crate) fn validation_message(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let class = lower.find("validation-summary-errors")?;
    let open_end = class + html[class..].find('>')?;
    // The summary ends with the first `</div>` after it; inner lists are kept as text.
    let close = lower[open_end..]
        .find("</div")
        .map_or(html.len(), |end| open_end + end);
    let mut text = String::new();
    let mut in_tag = false;
    for c in html[open_end + 1..close].chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    (!words.is_empty()).then(|| decode_entities(&words.join(" ")))
}

/// The first `Version X.Y...` on the page, as text.
pub(crate) fn version(html: &str, marker: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find(marker) {
        let after = from + found + marker.len();
        let rest = html[after..].trim_start_matches([' ', ':', '\t']);
        let digits: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        if digits.starts_with(|c: char| c.is_ascii_digit()) {
            return Some(digits.trim_end_matches('.').to_owned());
        }
        from = after;
    }
    None
}

/// Iterates the opening tags `<kind ...>` of the page.
fn tags<'a>(html: &'a str, kind: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    let lower = html.to_ascii_lowercase();
    let needle = format!("<{kind}");
    let mut starts = Vec::new();
    let mut from = 0;
    while let Some(found) = lower[from..].find(&needle) {
        let start = from + found;
        let after = start + needle.len();
        let boundary = lower[after..]
            .chars()
            .next()
            .is_some_and(|c| c.is_whitespace() || c == '>' || c == '/');
        if boundary {
            if let Some(end) = html[start..].find('>') {
                starts.push((start, start + end + 1));
            }
        }
        from = after;
    }
    starts
        .into_iter()
        .map(move |(start, end)| &html[start..end])
}

/// The value of attribute `name` in one tag, entities decoded.
fn attr(tag: &str, name: &str) -> Option<String> {
    let bytes = tag.as_bytes();
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find(name) {
        let start = from + found;
        from = start + name.len();
        let before_ok = start > 0 && bytes[start - 1].is_ascii_whitespace();
        let rest = tag[from..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let value = rest[1..].trim_start();
        let raw = match value.chars().next() {
            Some(quote @ ('"' | '\'')) => value[1..].split(quote).next().unwrap_or_default(),
            _ => value
                .split(|c: char| c.is_whitespace() || c == '>')
                .next()
                .unwrap_or_default(),
        };
        return Some(decode_entities(raw));
    }
    None
}

/// Decodes the few entities an ASP.NET page uses.
pub(crate) fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').filter(|end| *end <= 10).and_then(|end| {
            let entity = &rest[1..end];
            let ch = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => entity.strip_prefix('#').and_then(|num| {
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => num.parse().ok(),
                    };
                    code.and_then(char::from_u32)
                }),
            };
            ch.map(|ch| (ch, end))
        });
        match decoded {
            Some((ch, end)) => {
                out.push(ch);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<html><head><title> Login </title></head><body>
        <form><input type="hidden" name="__RequestVerificationToken" value="abc&amp;123" />
        <INPUT id="ServerName" name='ServerName' type=hidden value=SRV1>
        <select id="EnvironmentConfiguration_Database" name="EnvironmentConfiguration.Database">
          <option value="0850">Wayland &amp; Co</option><option value="0900" selected>Other</option>
        </select><span>Version 21.4.18</span></form></body></html>"#;

    #[test]
    fn reads_inputs_selects_title_and_version() {
        assert_eq!(
            input_value(PAGE, "__RequestVerificationToken").as_deref(),
            Some("abc&123")
        );
        assert_eq!(input_value(PAGE, "ServerName").as_deref(), Some("SRV1"));
        assert_eq!(input_value(PAGE, "Missing"), None);
        assert_eq!(
            select_options(PAGE, "EnvironmentConfiguration.Database"),
            vec![
                ("0850".to_owned(), "Wayland & Co".to_owned()),
                ("0900".to_owned(), "Other".to_owned())
            ]
        );
        assert!(has_field(PAGE, "EnvironmentConfiguration.Database"));
        assert_eq!(version(PAGE, "version").as_deref(), Some("21.4.18"));
    }

    #[test]
    fn reads_the_validation_summary_when_there_is_one() {
        let page = r#"<form><div class="validation-summary-errors" data-valmsg-summary="true">
            <ul><li>The school year is not valid &amp; was refused.</li></ul></div>
            <input name="x" /></form>"#;
        assert_eq!(
            validation_message(page).as_deref(),
            Some("The school year is not valid & was refused.")
        );
        assert_eq!(validation_message(PAGE), None);
        assert_eq!(
            validation_message(r#"<div class="validation-summary-errors"> </div>"#),
            None
        );
    }

    #[test]
    fn decodes_numeric_entities_and_leaves_stray_ampersands() {
        assert_eq!(decode_entities("Jos&#233; &#xE9; a & b"), "José é a & b");
    }
}
