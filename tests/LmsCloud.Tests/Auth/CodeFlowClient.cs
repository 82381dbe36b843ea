using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LmsCloud.Core.Districts;
using LmsCloud.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;

namespace LmsCloud.Tests.Auth;

/// <summary>An app registered by a district admin for the code flow, as the creation response gives it.</summary>
public sealed record RegisteredApp(string ClientId, string? Secret, string RedirectUri, string PostLogoutRedirectUri);

/// <summary>
/// What an OIDC client app does, driven by hand through a <see cref="TestBrowser"/>: build the authorization request
/// with PKCE, follow the redirects (sign-in page, consent page) and read the code off the redirect to the app.
/// </summary>
public static partial class CodeFlowClient
{
    public const string RedirectUri = "http://app.localhost/callback";
    public const string PostLogoutRedirectUri = "http://app.localhost/signed-out";

    public static async Task<RegisteredApp> RegisterAsync(ApiFactory api, DistrictSummary district, string clientType = "confidential",
        string consent = "explicit", string[]? scopes = null)
    {
        var admin = await api.ClientAsAsync(district, LmsCloud.Core.Users.Roles.DistrictAdmin);
        var response = await admin.PostAsJsonAsync("/api/integrations/clients", new
        {
            name = $"App {Guid.NewGuid():N}"[..12],
            scopes = scopes ?? ["openid", "profile", "email", "offline_access"],
            redirectUris = new[] { RedirectUri },
            postLogoutRedirectUris = new[] { PostLogoutRedirectUri },
            clientType,
            consent,
        });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        var secret = created.GetProperty("clientSecret");
        return new(created.GetProperty("clientId").GetString()!, secret.ValueKind == JsonValueKind.Null ? null : secret.GetString(),
            RedirectUri, PostLogoutRedirectUri);
    }

    public static (string Verifier, string Challenge) Pkce()
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        return (verifier, Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    public static string AuthorizeUrl(RegisteredApp app, string challenge, string scope = "openid profile email offline_access",
        string? nonce = "n-0S6_WzA2Mj", string state = "af0ifjsldkj", string? redirectUri = null, string? prompt = null)
    {
        var query = new Dictionary<string, string?>
        {
            ["response_type"] = "code",
            ["client_id"] = app.ClientId,
            ["redirect_uri"] = redirectUri ?? app.RedirectUri,
            ["scope"] = scope,
            ["state"] = state,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
        };
        if (nonce != null) query["nonce"] = nonce;
        if (prompt != null) query["prompt"] = prompt;
        return QueryHelpers.AddQueryString("/connect/authorize", query);
    }

    /// <summary>Follows the flow from the authorization request to the redirect back to the app, allowing consent when asked.</summary>
    public static async Task<Uri> AuthorizeAsync(TestBrowser browser, string authorizeUrl, string consentAnswer = "allow")
    {
        var response = await browser.GetAsync(authorizeUrl);
        if (IsConsentPage(response)) response = await AnswerConsentAsync(browser, response, consentAnswer);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response.Headers.Location!;
    }

    public static bool IsConsentPage(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.OK && response.Content.Headers.ContentType?.MediaType == "text/html";

    /// <summary>Posts the consent page's form (its hidden fields, its antiforgery token) with the chosen button.</summary>
    public static async Task<HttpResponseMessage> AnswerConsentAsync(TestBrowser browser, HttpResponseMessage page, string answer)
    {
        var html = await page.Content.ReadAsStringAsync();
        var fields = HiddenField().Matches(html).Select(m => KeyValuePair.Create(WebUtility.HtmlDecode(m.Groups[1].Value), WebUtility.HtmlDecode(m.Groups[2].Value)))
            .Append(KeyValuePair.Create("consent", answer)).ToList();
        return await browser.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/connect/authorize") { Content = new FormUrlEncodedContent(fields) });
    }

    public static Dictionary<string, string> QueryOf(Uri redirect)
    {
        Assert.StartsWith(RedirectUri, redirect.GetLeftPart(UriPartial.Path));
        return QueryHelpers.ParseQuery(redirect.Query).ToDictionary(p => p.Key, p => p.Value.ToString());
    }

    public static Task<HttpResponseMessage> RedeemAsync(ApiFactory api, string slug, RegisteredApp app, string code, string verifier) =>
        api.PostTokenAsync(slug,
        [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", app.RedirectUri), ("code_verifier", verifier),
            ("client_id", app.ClientId), .. app.Secret == null ? [] : new[] { ("client_secret", app.Secret) },
        ]);

    /// <summary>The whole flow for a signed-in browser: authorize (consenting if asked), then redeem the code. Returns the token response.</summary>
    public static async Task<JsonElement> TokensAsync(ApiFactory api, TestBrowser browser, string slug, RegisteredApp app,
        string scope = "openid profile email offline_access")
    {
        var (verifier, challenge) = Pkce();
        var query = QueryOf(await AuthorizeAsync(browser, AuthorizeUrl(app, challenge, scope)));
        var response = await RedeemAsync(api, slug, app, query["code"], verifier);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex("""<input type="hidden" name="([^"]*)" value="([^"]*)">""")]
    private static partial Regex HiddenField();
}
