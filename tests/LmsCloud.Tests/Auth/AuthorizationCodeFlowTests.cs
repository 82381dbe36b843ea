using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Api.Auth;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using static LmsCloud.Tests.Auth.CodeFlowClient;

namespace LmsCloud.Tests.Auth;

/// <summary>
/// OpenID Connect in the browser: /connect/authorize with code + PKCE, sign-in page, consent, id_token, userinfo,
/// endsession, and the user's list of consents. Redirects are followed by hand, as a browser would.
/// </summary>
public sealed class AuthorizationCodeFlowTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    async Task<(DistrictSummary District, TestUser User, TestBrowser Browser)> SignedInAsync(string role = Roles.Teacher)
    {
        var district = await api.Database.CreateDistrictAsync();
        var user = await api.CreateUserAsync(district, role);
        return (district, user, await new TestBrowser(api, district.Slug).SignedInAsync(user));
    }

    async Task<JsonElement> AuditAsync(DistrictSummary district, string action, Guid subject)
    {
        var officer = await api.ClientAsAsync(district, Roles.ComplianceOfficer);
        return (await officer.GetFromJsonAsync<JsonElement>($"/api/audit/events?action={action}&subject={subject}")).GetProperty("items");
    }

    [Fact]
    public async Task A_confidential_app_signs_a_user_in_through_the_sign_in_page_and_consent_and_gets_a_signed_id_token()
    {
        var district = await api.Database.CreateDistrictAsync();
        var user = await api.CreateUserAsync(district, Roles.Teacher);
        var app = await RegisterAsync(api, district);
        Assert.NotNull(app.Secret);
        var browser = new TestBrowser(api, district.Slug);
        var (verifier, challenge) = Pkce();

        // No session: to the sign-in page, which posts back to the authorization request.
        var authorize = await browser.GetAsync(AuthorizeUrl(app, challenge));
        Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
        var signInPage = authorize.Headers.Location!.OriginalString;
        Assert.StartsWith("/account/sign-in?returnUrl=", signInPage);
        var page = await browser.GetAsync(signInPage);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("""<form method="post" action="/account/sign-in">""", html);
        Assert.Contains("name=\"__RequestVerificationToken\"", html);
        var returnUrl = QueryHelpers.ParseQuery(new Uri(new Uri("http://x"), signInPage).Query)["returnUrl"].ToString();
        var signedIn = await browser.SignInAsync(user.Email, returnUrl: returnUrl);
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);

        // Back at the authorization request: the consent page, then the code.
        var redirect = await AuthorizeAsync(browser, signedIn.Headers.Location!.OriginalString);
        var query = QueryOf(redirect);
        Assert.Equal("af0ifjsldkj", query["state"]);
        Assert.Equal(ApiFactory.IssuerOf(district.Slug), query["iss"]);

        var tokens = await (await RedeemAsync(api, district.Slug, app, query["code"], verifier)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(tokens.TryGetProperty("access_token", out _), tokens.ToString());
        Assert.True(tokens.TryGetProperty("refresh_token", out _), "offline_access gives a refresh token");

        // The id_token: signed by a key of the district's JWKS, for this app, echoing the nonce.
        var jwks = new JsonWebKeySet(await api.ClientFor(district.Slug).GetStringAsync("/.well-known/jwks"));
        var validated = await new JsonWebTokenHandler().ValidateTokenAsync(tokens.GetProperty("id_token").GetString(), new TokenValidationParameters
        {
            ValidIssuer = ApiFactory.IssuerOf(district.Slug),
            ValidAudience = app.ClientId,
            IssuerSigningKeys = jwks.GetSigningKeys(),
        });
        Assert.True(validated.IsValid, validated.Exception?.Message);
        Assert.Equal("n-0S6_WzA2Mj", validated.Claims["nonce"]);
        Assert.Equal(user.Id.ToString(), validated.Claims["sub"]);
        Assert.Equal(district.Id.ToString(), validated.Claims["tid"]);
        Assert.False(validated.Claims.ContainsKey("lms_stamp"));
        Assert.False(validated.Claims.ContainsKey("email"), "no personal data in the id_token; userinfo gives it per scope");

        // The refresh token works, and the secret is required.
        var refreshed = await api.PostTokenAsync(district.Slug, ("grant_type", "refresh_token"), ("refresh_token", tokens.GetProperty("refresh_token").GetString()!),
            ("client_id", app.ClientId), ("client_secret", app.Secret!));
        Assert.True(refreshed.IsSuccessStatusCode, await refreshed.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_public_first_party_app_needs_no_secret_shows_no_consent_page_and_its_token_reaches_the_api()
    {
        var (district, user, browser) = await SignedInAsync();
        var app = await RegisterAsync(api, district, clientType: "public", consent: "implicit");
        Assert.Null(app.Secret);
        var (verifier, challenge) = Pkce();

        var response = await browser.GetAsync(AuthorizeUrl(app, challenge));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode); // straight back to the app: no page
        var code = QueryOf(response.Headers.Location!)["code"];
        var redeemed = await RedeemAsync(api, district.Slug, app, code, verifier);
        Assert.True(redeemed.IsSuccessStatusCode, await redeemed.Content.ReadAsStringAsync());
        var tokens = await redeemed.Content.ReadFromJsonAsync<JsonElement>();

        var me = await api.ClientFor(district.Slug, tokens.GetProperty("access_token").GetString()!).GetFromJsonAsync<JsonElement>("/api/me");
        Assert.Equal(user.Id.ToString(), me.GetProperty("subject").GetString());
        Assert.Equal(0, (await AuditAsync(district, "consent.granted", user.Id)).GetArrayLength());
    }

    [Fact]
    public async Task A_third_party_apps_access_token_is_good_for_userinfo_but_not_for_acting_as_the_user_on_the_api()
    {
        var (district, _, browser) = await SignedInAsync(Roles.DistrictAdmin);
        var app = await RegisterAsync(api, district);
        var tokens = await TokensAsync(api, browser, district.Slug, app);
        var client = api.ClientFor(district.Slug, tokens.GetProperty("access_token").GetString()!);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/connect/userinfo")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/users")).StatusCode);

        // Nor after a refresh: still no audience, no roles.
        var refreshed = await (await api.PostTokenAsync(district.Slug, ("grant_type", "refresh_token"),
            ("refresh_token", tokens.GetProperty("refresh_token").GetString()!), ("client_id", app.ClientId), ("client_secret", app.Secret!)))
            .Content.ReadFromJsonAsync<JsonElement>();
        var accessToken = refreshed.GetProperty("access_token").GetString()!;
        var claims = new JsonWebToken(accessToken);
        Assert.False(claims.TryGetClaim("role", out _));
        Assert.False(claims.TryGetClaim("aud", out _));
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.ClientFor(district.Slug, accessToken).GetAsync("/api/users")).StatusCode);
    }

    [Fact]
    public async Task A_wrong_code_verifier_is_refused_and_a_code_works_only_once()
    {
        var (district, _, browser) = await SignedInAsync();
        var app = await RegisterAsync(api, district, consent: "implicit");
        var (verifier, challenge) = Pkce();

        var code = QueryOf(await AuthorizeAsync(browser, AuthorizeUrl(app, challenge)))["code"];
        var wrong = await RedeemAsync(api, district.Slug, app, code, Pkce().Verifier);
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Equal("invalid_grant", (await wrong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());

        var code2 = QueryOf(await AuthorizeAsync(browser, AuthorizeUrl(app, challenge)))["code"];
        Assert.True((await RedeemAsync(api, district.Slug, app, code2, verifier)).IsSuccessStatusCode);
        var again = await RedeemAsync(api, district.Slug, app, code2, verifier);
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Equal("invalid_grant", (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_request_without_pkce_or_with_a_plain_challenge_is_refused_for_public_and_confidential_apps()
    {
        var (district, _, browser) = await SignedInAsync();
        foreach (var type in new[] { "public", "confidential" })
        {
            var app = await RegisterAsync(api, district, clientType: type, consent: "implicit");
            var url = QueryHelpers.AddQueryString("/connect/authorize", new Dictionary<string, string?>
            {
                ["response_type"] = "code", ["client_id"] = app.ClientId, ["redirect_uri"] = app.RedirectUri, ["scope"] = "openid", ["state"] = "s",
            });
            // OpenIddict shows the error rather than redirecting: no code reaches anyone.
            var refused = await browser.GetAsync(url);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Null(refused.Headers.Location);
            Assert.Contains("code_challenge", await refused.Content.ReadAsStringAsync());

            var plain = await browser.GetAsync(AuthorizeUrl(app, "plain-challenge-of-forty-three-characters-xx").Replace("code_challenge_method=S256", "code_challenge_method=plain"));
            Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
            Assert.Null(plain.Headers.Location);
            Assert.Contains("'code_challenge_method' is not supported", await plain.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task An_unregistered_redirect_uri_is_refused_without_redirecting_to_it()
    {
        var (district, _, browser) = await SignedInAsync();
        var app = await RegisterAsync(api, district, consent: "implicit");

        var response = await browser.GetAsync(AuthorizeUrl(app, Pkce().Challenge, redirectUri: "https://evil.example/callback"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.DoesNotContain("code=", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Consent_is_asked_once_recorded_and_audited_then_skipped_and_listed_for_the_user()
    {
        var (district, user, browser) = await SignedInAsync();
        var app = await RegisterAsync(api, district);

        var page = await browser.GetAsync(AuthorizeUrl(app, Pkce().Challenge, scope: "openid profile"));
        Assert.True(IsConsentPage(page));
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("See your name", html);
        Assert.DoesNotContain("See your email address", html);
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
        var allowed = await AnswerConsentAsync(browser, page, "allow");
        Assert.True(QueryOf(allowed.Headers.Location!).ContainsKey("code"));

        var next = await browser.GetAsync(AuthorizeUrl(app, Pkce().Challenge, scope: "openid profile"));
        Assert.Equal(HttpStatusCode.Redirect, next.StatusCode); // covered by the consent: no page
        Assert.True(QueryOf(next.Headers.Location!).ContainsKey("code"));
        Assert.True(IsConsentPage(await browser.GetAsync(AuthorizeUrl(app, Pkce().Challenge, scope: "openid email")))); // not covered

        var granted = Assert.Single((await AuditAsync(district, "consent.granted", user.Id)).EnumerateArray());
        Assert.Equal("user", granted.GetProperty("actorType").GetString());
        var consents = await (await browser.GetAsync("/api/me/consents")).Content.ReadFromJsonAsync<JsonElement>();
        var consent = Assert.Single(consents.EnumerateArray());
        Assert.Equal(app.ClientId, consent.GetProperty("clientId").GetString());
        Assert.Equal(["openid", "profile"], consent.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()).Order());
    }

    [Fact]
    public async Task Deny_sends_access_denied_to_the_app_and_is_audited()
    {
        var (district, user, browser) = await SignedInAsync();
        var app = await RegisterAsync(api, district);

        var page = await browser.GetAsync(AuthorizeUrl(app, Pkce().Challenge));
        var denied = await AnswerConsentAsync(browser, page, "deny");

        var query = QueryOf(denied.Headers.Location!);
        Assert.Equal("access_denied", query["error"]);
        Assert.Equal("af0ifjsldkj", query["state"]);
        Assert.False(query.ContainsKey("code"));
        Assert.Equal(1, (await AuditAsync(district, "consent.denied", user.Id)).GetArrayLength());
        Assert.Empty((await (await browser.GetAsync("/api/me/consents")).Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray());
    }

    [Fact]
    public async Task A_consent_answer_without_the_antiforgery_token_is_refused()
    {
        var (district, _, browser) = await SignedInAsync();
        var app = await RegisterAsync(api, district);
        var page = await browser.GetAsync(AuthorizeUrl(app, Pkce().Challenge));
        var html = await page.Content.ReadAsStringAsync();
        var forged = html.Replace("name=\"__RequestVerificationToken\"", "name=\"ignored\"");
        var response = await AnswerConsentAsync(browser, new HttpResponseMessage { Content = new StringContent(forged) }, "allow");

        await HttpAssert.ProblemAsync(response, HttpStatusCode.BadRequest, "Form refused");
    }

    [Theory]
    [InlineData("openid", false, false)]
    [InlineData("openid profile", true, false)]
    [InlineData("openid email", false, true)]
    public async Task Userinfo_gives_only_what_the_granted_scopes_allow(string scope, bool name, bool email)
    {
        var (district, user, browser) = await SignedInAsync();
        var app = await RegisterAsync(api, district, consent: "implicit");
        var tokens = await TokensAsync(api, browser, district.Slug, app, scope);

        var info = await api.ClientFor(district.Slug, tokens.GetProperty("access_token").GetString()!).GetFromJsonAsync<JsonElement>("/connect/userinfo");

        var expected = new List<string> { "sub" };
        if (name) expected.Add("name");
        if (email) expected.AddRange(["email", "email_verified"]);
        Assert.Equal(expected.Order(), info.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(user.Id.ToString(), info.GetProperty("sub").GetString());
        if (name) Assert.Equal($"Test {Roles.Teacher}", info.GetProperty("name").GetString());
        if (email) Assert.Equal(user.Email, info.GetProperty("email").GetString());
    }

    [Fact]
    public async Task Endsession_ends_the_session_and_redirects_only_to_a_registered_uri()
    {
        var (district, _, browser) = await SignedInAsync();
        var app = await RegisterAsync(api, district, consent: "implicit");

        var foreign = await browser.GetAsync($"/connect/endsession?client_id={app.ClientId}&post_logout_redirect_uri={Uri.EscapeDataString("https://evil.example/")}");
        Assert.Equal(HttpStatusCode.BadRequest, foreign.StatusCode);
        Assert.Null(foreign.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/me")).StatusCode); // still signed in

        var ended = await browser.GetAsync($"/connect/endsession?client_id={app.ClientId}&state=bye&post_logout_redirect_uri={Uri.EscapeDataString(app.PostLogoutRedirectUri)}");
        Assert.Equal(HttpStatusCode.Redirect, ended.StatusCode);
        Assert.Equal(app.PostLogoutRedirectUri, ended.Headers.Location!.GetLeftPart(UriPartial.Path));
        Assert.Equal("bye", QueryHelpers.ParseQuery(ended.Headers.Location.Query)["state"].ToString());
        Assert.DoesNotContain(BrowserSessions.CookieName, browser.Cookies.Keys);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/me")).StatusCode);

        var (_, _, other) = await SignedInAsync();
        var plain = await other.GetAsync("/connect/endsession");
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Contains("signed out", await plain.Content.ReadAsStringAsync());
        Assert.DoesNotContain(BrowserSessions.CookieName, other.Cookies.Keys);
    }

    [Fact]
    public async Task A_code_of_one_district_is_refused_at_anothers_token_endpoint_and_its_session_does_not_authorize_there()
    {
        var (a, _, browser) = await SignedInAsync();
        var b = await api.Database.CreateDistrictAsync();
        var appA = await RegisterAsync(api, a, consent: "implicit");
        var appB = await RegisterAsync(api, b, consent: "implicit");
        var (verifier, challenge) = Pkce();
        var code = QueryOf(await AuthorizeAsync(browser, AuthorizeUrl(appA, challenge)))["code"];

        var elsewhere = await RedeemAsync(api, b.Slug, appB with { ClientId = appA.ClientId, Secret = appA.Secret }, code, verifier);
        Assert.Contains(elsewhere.StatusCode, new[] { HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized });
        var withBsClient = await RedeemAsync(api, b.Slug, appB, code, verifier);
        Assert.Equal(HttpStatusCode.BadRequest, withBsClient.StatusCode);
        Assert.Equal("invalid_grant", (await withBsClient.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());

        // A's session cookie on B's host: not a user there, so the sign-in page (or login_required), never a code.
        var stolen = browser.CopyTo(api, b.Slug);
        var response = await stolen.GetAsync(AuthorizeUrl(appB, Pkce().Challenge));
        Assert.StartsWith("/account/sign-in", response.Headers.Location!.OriginalString);
        var silent = await stolen.GetAsync(AuthorizeUrl(appB, Pkce().Challenge, prompt: "none"));
        Assert.Equal("login_required", QueryOf(silent.Headers.Location!)["error"]);
    }

    [Fact]
    public async Task Prompt_none_answers_login_required_without_a_session_and_consent_required_before_consent()
    {
        var district = await api.Database.CreateDistrictAsync();
        var app = await RegisterAsync(api, district);

        var response = await new TestBrowser(api, district.Slug).GetAsync(AuthorizeUrl(app, Pkce().Challenge, prompt: "none"));

        var query = QueryOf(response.Headers.Location!);
        Assert.Equal("login_required", query["error"]);
        Assert.Equal("af0ifjsldkj", query["state"]);

        // Signed in but not yet agreed: consent_required, no page.
        var user = await api.CreateUserAsync(district, Roles.Teacher);
        var browser = await new TestBrowser(api, district.Slug).SignedInAsync(user);
        var silent = await browser.GetAsync(AuthorizeUrl(app, Pkce().Challenge, prompt: "none"));
        Assert.Equal("consent_required", QueryOf(silent.Headers.Location!)["error"]);
    }

    [Fact]
    public async Task Revoking_a_consent_stops_its_refresh_token_and_access_token_and_asks_again_next_time()
    {
        var (district, user, browser) = await SignedInAsync();
        var app = await RegisterAsync(api, district);
        var tokens = await TokensAsync(api, browser, district.Slug, app);
        var consent = Assert.Single((await (await browser.GetAsync("/api/me/consents")).Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray());

        // Another user cannot revoke it.
        var (_, _, stranger) = await SignedInAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/me/consents/{consent.GetProperty("id")}"))).StatusCode);

        var revoked = await browser.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/api/me/consents/{consent.GetProperty("id")}"));
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);

        var refresh = await api.PostTokenAsync(district.Slug, ("grant_type", "refresh_token"), ("refresh_token", tokens.GetProperty("refresh_token").GetString()!),
            ("client_id", app.ClientId), ("client_secret", app.Secret!));
        Assert.Equal(HttpStatusCode.BadRequest, refresh.StatusCode);
        Assert.Equal("invalid_grant", (await refresh.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        var userinfo = await api.ClientFor(district.Slug, tokens.GetProperty("access_token").GetString()!).GetAsync("/connect/userinfo");
        Assert.Equal(HttpStatusCode.Unauthorized, userinfo.StatusCode);
        Assert.Equal(1, (await AuditAsync(district, "consent.revoked", user.Id)).GetArrayLength());
        Assert.True(IsConsentPage(await browser.GetAsync(AuthorizeUrl(app, Pkce().Challenge))));
    }

    [Theory]
    [InlineData("redirectUris", "not a uri")]
    [InlineData("redirectUris", "/relative/callback")]
    [InlineData("redirectUris", "http://app.example/callback")]
    [InlineData("redirectUris", "https://app.example/callback#frag")]
    [InlineData("redirectUris", "javascript:alert(1)")]
    [InlineData("postLogoutRedirectUris", "http://app.example/bye")]
    public async Task Registration_refuses_redirect_uris_that_are_not_absolute_https_or_loopback_or_carry_a_fragment(string field, string uri)
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        var good = new[] { "https://app.example/callback" };
        var response = await admin.PostAsJsonAsync("/api/integrations/clients", new
        {
            name = "Gradebook",
            scopes = new[] { "openid" },
            redirectUris = field == "redirectUris" ? new[] { uri } : good,
            postLogoutRedirectUris = field == "postLogoutRedirectUris" ? new[] { uri } : good,
        });
        await HttpAssert.ValidationProblemAsync(response, field, uri);
    }

    [Fact]
    public async Task Registration_accepts_loopback_http_and_checks_client_type_consent_and_scopes()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        foreach (var uri in new[] { "http://localhost:7000/cb", "http://tool.localhost/cb", "http://127.0.0.1:53682/", "http://[::1]:8080/cb", "https://tool.example/cb" })
            Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/integrations/clients",
                new { name = "Native app", scopes = new[] { "openid" }, redirectUris = new[] { uri }, clientType = "public" })).StatusCode);

        await HttpAssert.ValidationProblemAsync(await admin.PostAsJsonAsync("/api/integrations/clients",
            new { name = "X", scopes = new[] { "openid" }, redirectUris = new[] { "https://a.example/cb" }, clientType = "hybrid" }), "clientType");
        await HttpAssert.ValidationProblemAsync(await admin.PostAsJsonAsync("/api/integrations/clients",
            new { name = "X", scopes = new[] { "openid" }, redirectUris = new[] { "https://a.example/cb" }, consent = "never" }), "consent");
        await HttpAssert.ValidationProblemAsync(await admin.PostAsJsonAsync("/api/integrations/clients",
            new { name = "X", scopes = new[] { "sis.import" }, redirectUris = new[] { "https://a.example/cb" } }), "scopes");
        await HttpAssert.ValidationProblemAsync(await admin.PostAsJsonAsync("/api/integrations/clients",
            new { name = "X", scopes = new[] { "openid" } }), "scopes"); // a machine client holds sis.import, not openid
        await HttpAssert.ValidationProblemAsync(await admin.PostAsJsonAsync("/api/integrations/clients",
            new { name = "X", scopes = new[] { "sis.import" }, clientType = "public" }), "redirectUris");
    }

    [Fact]
    public async Task Discovery_lists_the_browser_endpoints_and_only_s256()
    {
        var district = await api.Database.CreateDistrictAsync();
        var issuer = ApiFactory.IssuerOf(district.Slug);
        var discovery = await api.ClientFor(district.Slug).GetFromJsonAsync<JsonElement>("/.well-known/openid-configuration");

        Assert.Equal($"{issuer}connect/authorize", discovery.GetProperty("authorization_endpoint").GetString());
        Assert.Equal($"{issuer}connect/userinfo", discovery.GetProperty("userinfo_endpoint").GetString());
        Assert.Equal($"{issuer}connect/endsession", discovery.GetProperty("end_session_endpoint").GetString());
        Assert.Equal(["S256"], discovery.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(["code"], discovery.GetProperty("response_types_supported").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public async Task The_sign_in_page_encodes_what_it_echoes_and_keeps_return_urls_on_this_site()
    {
        var district = await api.Database.CreateDistrictAsync();
        var browser = new TestBrowser(api, district.Slug);

        var html = await (await browser.GetAsync("/account/sign-in?returnUrl=" + Uri.EscapeDataString("/x\"><script>alert(1)</script>"))).Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script>", html);
        Assert.Contains("&quot;&gt;&lt;script&gt;", html);

        var foreign = await (await browser.GetAsync("/account/sign-in?returnUrl=" + Uri.EscapeDataString("//evil.example/"))).Content.ReadAsStringAsync();
        Assert.Contains("""name="returnUrl" value="/">""", foreign);
    }
}
