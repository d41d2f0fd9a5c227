//! The HTML pages of the logon: the logon form with its anti-forgery token,
//! the environment choice and the home page.

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The logon form; `message` is shown above it (a refused logon).
pub(crate) fn logon(token: &str, version: &str, message: Option<&str>) -> String {
    let message = message
        .map(|m| {
            format!(
                "<div class=\"validation-summary-errors\">{}</div>",
                escape(m)
            )
        })
        .unwrap_or_default();
    format!(
        r#"<!DOCTYPE html><html><head><title>Login</title></head><body>
<form action="/eSchoolPLUS/Account/LogOn" method="post">{message}
<input name="__RequestVerificationToken" type="hidden" value="{token}" />
<input id="UserName" name="UserName" type="text" value="" />
<input id="Password" name="Password" type="password" />
<button type="submit">Log On</button>
</form><footer>eSchoolPLUS Version {version}</footer></body></html>"#,
        version = escape(version),
    )
}

/// The environment choice: one option per site code.
pub(crate) fn environment(
    server_name: &str,
    environments: &[(String, String)],
    school_year: i32,
    message: Option<&str>,
) -> String {
    let options: String = environments
        .iter()
        .map(|(code, label)| {
            format!(
                "<option value=\"{}\">{}</option>\n",
                escape(code),
                escape(label)
            )
        })
        .collect();
    let message = message
        .map(|m| {
            format!(
                "<div class=\"validation-summary-errors\">{}</div>",
                escape(m)
            )
        })
        .unwrap_or_default();
    format!(
        r#"<!DOCTYPE html><html><head><title>Environment</title></head><body>
<form action="/eSchoolPLUS/Account/SetEnvironment/SessionStart" method="post">{message}
<input id="ServerName" name="ServerName" type="hidden" value="{server}" />
<select id="EnvironmentConfiguration_Database" name="EnvironmentConfiguration.Database">
{options}</select>
<input id="EnvironmentConfiguration_SchoolYear" name="EnvironmentConfiguration.SchoolYear" value="{school_year}" />
<input id="EnvironmentConfiguration_SummerSchool" name="EnvironmentConfiguration.SummerSchool" type="checkbox" value="true" />
<button id="setEnvOkButton">OK</button></form></body></html>"#,
        server = escape(server_name),
    )
}

/// The home page after the environment is set.
pub(crate) fn home(label: &str, school_year: i32) -> String {
    format!(
        "<!DOCTYPE html><html><head><title>Home</title></head><body><h1>{}</h1><p>School year {}-{}</p></body></html>",
        escape(label),
        school_year - 1,
        school_year
    )
}
