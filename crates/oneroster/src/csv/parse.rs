//! A small RFC 4180 CSV parser: quoted fields, doubled quotes, CRLF or LF
//! line ends, a byte-order mark, and a last line without a line end.

/// One record and the line it starts on (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    /// The line the record starts on, counting from 1.
    pub(crate) line: usize,
    /// The fields, unquoted.
    pub(crate) fields: Vec<String>,
}

/// A syntax error: a quote left open, or text after a closing quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    /// The line the error is on.
    pub(crate) line: usize,
    /// What is wrong.
    pub(crate) message: &'static str,
}

/// Splits `text` into records. Blank lines are skipped. A record with a
/// syntax error is returned as an error in its place; reading goes on at the
/// next line.
pub(crate) fn parse(text: &str) -> Vec<Result<Record, SyntaxError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        let start = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut error = None;
        let mut at_field_start = true;
        loop {
            match chars.next() {
                None => {
                    fields.push(std::mem::take(&mut field));
                    break;
                }
                Some('\r') if chars.peek() == Some(&'\n') => {}
                Some('\n') => {
                    fields.push(std::mem::take(&mut field));
                    line += 1;
                    break;
                }
                Some(',') => {
                    fields.push(std::mem::take(&mut field));
                    at_field_start = true;
                    continue;
                }
                Some('"') if at_field_start => {
                    // A quoted field runs to the next lone quote.
                    let mut closed = false;
                    while let Some(c) = chars.next() {
                        match c {
                            '"' if chars.peek() == Some(&'"') => {
                                chars.next();
                                field.push('"');
                            }
                            '"' => {
                                closed = true;
                                break;
                            }
                            '\n' => {
                                line += 1;
                                field.push('\n');
                            }
                            '\r' if chars.peek() == Some(&'\n') => {}
                            c => field.push(c),
                        }
                    }
                    if !closed {
                        error.get_or_insert("a quoted field is never closed");
                    }
                    match chars.peek() {
                        None | Some(',' | '\r' | '\n') => {}
                        Some(_) => {
                            error.get_or_insert("text follows a closing quote");
                        }
                    }
                }
                Some(c) => field.push(c),
            }
            at_field_start = false;
        }
        if fields.len() == 1 && fields[0].is_empty() && error.is_none() {
            continue;
        }
        out.push(match error {
            Some(message) => Err(SyntaxError {
                line: start,
                message,
            }),
            None => Ok(Record {
                line: start,
                fields,
            }),
        });
    }
    out
}

/// Splits a list cell (`"09,10,11"` after unquoting) into trimmed, non-empty items.
pub(crate) fn list(cell: &str) -> Vec<String> {
    cell.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Vec<(usize, Vec<&str>)> {
        parse(text)
            .into_iter()
            .map(|r| r.unwrap())
            .map(|r| (r.line, r.fields.iter().map(|f| leak(f)).collect()))
            .collect()
    }

    fn leak(s: &str) -> &'static str {
        Box::leak(s.to_owned().into_boxed_str())
    }

    #[test]
    fn plain_quoted_and_crlf() {
        let rows =
            ok("\u{feff}a,b,c\r\n1,\"x,y\",\"say \"\"hi\"\"\"\r\n\r\n2,,\n3,\"multi\nline\",z");
        assert_eq!(
            rows,
            vec![
                (1, vec!["a", "b", "c"]),
                (2, vec!["1", "x,y", "say \"hi\""]),
                (4, vec!["2", "", ""]),
                (5, vec!["3", "multi\nline", "z"]),
            ]
        );
    }

    #[test]
    fn trailing_comma_gives_an_empty_last_field() {
        assert_eq!(ok("a,\n"), vec![(1, vec!["a", ""])]);
    }

    #[test]
    fn open_quote_and_stray_text_are_errors() {
        let rows = parse("a,\"b\"c\nok,1\n\"never");
        assert_eq!(rows[0].as_ref().unwrap_err().line, 1);
        assert_eq!(rows[1].as_ref().unwrap().fields, vec!["ok", "1"]);
        assert_eq!(
            rows[2].as_ref().unwrap_err().message,
            "a quoted field is never closed"
        );
    }

    fn encode(rows: &[Vec<String>]) -> String {
        rows.iter()
            .map(|row| {
                row.iter()
                    .map(|f| format!("\"{}\"", f.replace('"', "\"\"")))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect::<Vec<_>>()
            .join("\r\n")
    }

    proptest::proptest! {
        #[test]
        fn quoted_fields_round_trip(
            rows in proptest::collection::vec(
                proptest::collection::vec("[a-z ,\"\r\n{}:]{0,8}", 2..5),
                1..5,
            )
        ) {
            let parsed: Vec<Vec<String>> =
                parse(&encode(&rows)).into_iter().map(|r| r.unwrap().fields).collect();
            // CRLF inside a quoted field reads as LF, as every line end does.
            // (A row of one empty field is a blank line, hence two fields or more.)
            let want: Vec<Vec<String>> = rows
                .iter()
                .map(|row| row.iter().map(|f| f.replace("\r\n", "\n")).collect())
                .collect();
            proptest::prop_assert_eq!(parsed, want);
        }
    }

    #[test]
    fn lists_are_trimmed() {
        assert_eq!(list(" 09, 10,,11 "), vec!["09", "10", "11"]);
        assert!(list("").is_empty());
    }
}
