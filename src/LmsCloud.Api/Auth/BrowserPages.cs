using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.Primitives;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LmsCloud.Api.Auth;

/// <summary>
/// The two bare server-rendered pages of the OAuth authorize flow: consent and signed out. The sign-in page is the web
/// app's (LmsCloud.Web, <c>/account/sign-in</c>). Every value is HTML-encoded; no page may be framed (clickjacking).
/// </summary>
public static class BrowserPages
{
    static readonly HtmlEncoder Html = HtmlEncoder.Default;

    /// <summary>What each scope lets an application do, in the words the consent page shows.</summary>
    static readonly Dictionary<string, string> ScopeWords = new()
    {
        [Scopes.OpenId] = "Know who you are when you sign in",
        [Scopes.Profile] = "See your name",
        [Scopes.Email] = "See your email address",
        [Scopes.OfflineAccess] = "Keep this access when you are not using it",
    };

    // No form-action in the policy: browsers apply it to the redirect after the post too, which goes to the client.
    /// <summary>The consent page: the request's parameters go back with the answer, to <c>POST /connect/authorize</c>.</summary>
    public static IResult Consent(HttpContext http, IAntiforgery antiforgery, string applicationName, IEnumerable<string> scopes,
        IEnumerable<KeyValuePair<string, StringValues>> parameters)
    {
        var hidden = new StringBuilder();
        foreach (var (key, values) in parameters)
            foreach (var value in values)
                hidden.Append($"""<input type="hidden" name="{Html.Encode(key)}" value="{Html.Encode(value ?? "")}">""").Append('\n');
        var items = string.Concat(scopes.Select(s => $"<li>{Html.Encode(ScopeWords.GetValueOrDefault(s, s))}</li>"));
        var body = $"""
            <h1>{Html.Encode(applicationName)} wants to</h1>
            <ul>{items}</ul>
            <form method="post" action="{AuthorizeEndpoints.AuthorizePath}">
            {AntiforgeryField(http, antiforgery)}
            {hidden}<p><button type="submit" name="consent" value="allow">Allow</button>
            <button type="submit" name="consent" value="deny">Deny</button></p>
            </form>
            """;
        return Page(http, "Allow access?", body);
    }

    public static IResult SignedOut(HttpContext http) => Page(http, "Signed out", "<h1>You are signed out</h1>");

    public static async Task<bool> AntiforgeryValidAsync(HttpContext http, IAntiforgery antiforgery)
    {
        try
        {
            await antiforgery.ValidateRequestAsync(http);
            return true;
        }
        catch (AntiforgeryValidationException)
        {
            return false;
        }
    }

    static string AntiforgeryField(HttpContext http, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        return $"""<input type="hidden" name="{Html.Encode(tokens.FormFieldName)}" value="{Html.Encode(tokens.RequestToken ?? "")}">""";
    }

    static IResult Page(HttpContext http, string title, string body)
    {
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";
        http.Response.Headers.XFrameOptions = "DENY";
        return Results.Content($"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>{Html.Encode(title)}</title></head>
            <body>
            {body}
            </body></html>
            """, "text/html; charset=utf-8");
    }
}
