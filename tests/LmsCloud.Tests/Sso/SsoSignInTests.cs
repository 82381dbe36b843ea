using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Api.Auth;
using LmsCloud.Api.Sso;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LmsCloud.Tests.Sso;

/// <summary>The API as SSO tests need it: its provider is on plain http at 127.0.0.1.</summary>
public sealed class SsoApiFactory : ApiFactory
{
    public const int RequestLimit = 20;

    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
        // A shared 2-core machine under load can take more than the default 10 s for the first, cold call to the provider.
        [new("Sso:RequireHttpsMetadata", "false"), new("Sso:ProviderTimeout", "00:01:00"), new("Auth:TokenRequestLimit", RequestLimit.ToString())];
}

/// <summary>
/// District SSO through the whole redirect flow, as a browser would go: our <c>/account/sso/{id}</c>, the provider's
/// authorization endpoint (a real OpenIddict server on another port), our callback, a session cookie.
/// </summary>
public sealed class SsoSignInTests(SsoApiFactory api, TestIdentityProvider idp) : IClassFixture<SsoApiFactory>, IClassFixture<TestIdentityProvider>
{
    const string Domain = "district.test";

    [Fact]
    public async Task A_first_sign_in_links_by_sis_id_and_ends_in_a_session_for_that_user()
    {
        var (district, admin, provider) = await DistrictWithProviderAsync(sisIdClaim: TestIdentityProvider.SisIdClaim, linkByEmail: false);
        var student = await SisUserAsync(district, "S-1001", $"ana@{Domain}");

        var done = await SignInAsync(district.Slug, provider, new TestPerson("google-ana", "ana.personal@gmail.test", false, "S-1001"));

        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.Equal("/", done.Headers.Location?.OriginalString);
        Assert.Equal(student.Id, await SessionUserAsync(done));
        var links = await admin.GetFromJsonAsync<JsonElement>($"/api/users/{student.Id}/sso-links");
        var link = Assert.Single(links.EnumerateArray());
        Assert.Equal("sis_id", link.GetProperty("linkedBy").GetString());
        Assert.Equal("google-ana", link.GetProperty("subject").GetString());
        Assert.Equal(idp.Issuer, link.GetProperty("issuer").GetString());

        var linked = Assert.Single(await AuditAsync(admin, "sso.linked"));
        Assert.Equal(student.Id.ToString(), linked.GetProperty("subjectUserId").GetString());
        Assert.Equal(provider.ToString(), linked.GetProperty("after").GetProperty("providerId").GetString());
        var succeeded = (await AuditAsync(admin, "sign_in.succeeded")).Single(e => e.GetProperty("subjectUserId").GetString() == student.Id.ToString());
        Assert.Equal("sso", succeeded.GetProperty("after").GetProperty("method").GetString());
        Assert.Equal(provider.ToString(), succeeded.GetProperty("after").GetProperty("providerId").GetString());
    }

    [Fact]
    public async Task A_verified_email_in_an_allowed_domain_links_and_the_next_sign_in_matches_on_subject_even_after_the_email_changed()
    {
        var (district, admin, provider) = await DistrictWithProviderAsync(sisIdClaim: null, linkByEmail: true);
        var teacher = await api.CreateUserAsync(district, Roles.Teacher, $"rivera@{Domain}");

        var first = await SignInAsync(district.Slug, provider, new TestPerson("google-rivera", $"Rivera@{Domain.ToUpperInvariant()}", true));
        Assert.Equal(teacher.Id, await SessionUserAsync(first));
        Assert.Equal("verified_email", Assert.Single(await AuditAsync(admin, "sso.linked")).GetProperty("after").GetProperty("linkedBy").GetString());

        // Renamed at the provider (and not even verified now): the link, not the email, decides.
        var second = await SignInAsync(district.Slug, provider, new TestPerson("google-rivera", "m.rivera@elsewhere.test", false));
        Assert.Equal(teacher.Id, await SessionUserAsync(second));
        Assert.Single(await AuditAsync(admin, "sso.linked"));
        Assert.Equal(2, (await AuditAsync(admin, "sign_in.succeeded")).Count(e => e.GetProperty("subjectUserId").GetString() == teacher.Id.ToString()));
    }

    [Fact]
    public async Task An_unverified_email_is_refused_and_links_nothing()
    {
        var (district, admin, provider) = await DistrictWithProviderAsync(sisIdClaim: null, linkByEmail: true);
        var teacher = await api.CreateUserAsync(district, Roles.Teacher, $"chen@{Domain}");

        var refused = await SignInAsync(district.Slug, provider, new TestPerson("google-chen", $"chen@{Domain}", EmailVerified: false));

        var problem = await HttpAssert.ProblemAsync(refused, HttpStatusCode.Forbidden, "Sign-in refused", withDetail: true);
        Assert.Contains("not verified", problem.GetProperty("detail").GetString());
        Assert.Null(SessionCookie(refused));
        Assert.Empty((await admin.GetFromJsonAsync<JsonElement>($"/api/users/{teacher.Id}/sso-links")).EnumerateArray());
        var failed = Assert.Single(await AuditAsync(admin, "sign_in.failed"));
        Assert.Equal(provider.ToString(), failed.GetProperty("after").GetProperty("providerId").GetString());
        Assert.Contains("not verified", failed.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_verified_email_of_another_domain_is_refused()
    {
        var (district, admin, provider) = await DistrictWithProviderAsync(sisIdClaim: null, linkByEmail: true);
        var outsider = await api.CreateUserAsync(district, Roles.Guardian, "parent@gmail.test");

        var refused = await SignInAsync(district.Slug, provider, new TestPerson("google-parent", "parent@gmail.test", EmailVerified: true));

        var problem = await HttpAssert.ProblemAsync(refused, HttpStatusCode.Forbidden, "Sign-in refused");
        Assert.Contains("domain", problem.GetProperty("detail").GetString());
        Assert.Null(SessionCookie(refused));
        Assert.Empty((await admin.GetFromJsonAsync<JsonElement>($"/api/users/{outsider.Id}/sso-links")).EnumerateArray());
    }

    [Fact]
    public async Task A_user_the_sis_dropped_cannot_sign_in_neither_the_first_time_nor_through_an_existing_link()
    {
        var (district, admin, provider) = await DistrictWithProviderAsync(sisIdClaim: TestIdentityProvider.SisIdClaim, linkByEmail: false);
        var dropped = await SisUserAsync(district, "S-2001", null, status: "tobedeleted");
        var refused = await SignInAsync(district.Slug, provider, new TestPerson("google-dropped", EmployeeId: "S-2001"));
        Assert.Contains("disabled or removed", (await HttpAssert.ProblemAsync(refused, HttpStatusCode.Forbidden)).GetProperty("detail").GetString());
        Assert.Empty((await admin.GetFromJsonAsync<JsonElement>($"/api/users/{dropped.Id}/sso-links")).EnumerateArray());

        var active = await SisUserAsync(district, "S-2002", null);
        Assert.Equal(active.Id, await SessionUserAsync(await SignInAsync(district.Slug, provider, new TestPerson("google-active", EmployeeId: "S-2002"))));
        await SetStatusAsync(district, active.Id, "tobedeleted"); // the next import dropped them
        var afterDrop = await SignInAsync(district.Slug, provider, new TestPerson("google-active", EmployeeId: "S-2002"));
        await HttpAssert.ProblemAsync(afterDrop, HttpStatusCode.Forbidden, "Sign-in refused");
        Assert.Null(SessionCookie(afterDrop));
    }

    [Fact]
    public async Task A_link_in_one_district_is_never_used_in_another_configured_with_the_same_provider()
    {
        var (a, adminA, providerA) = await DistrictWithProviderAsync(sisIdClaim: TestIdentityProvider.SisIdClaim, linkByEmail: true);
        var (b, adminB, providerB) = await DistrictWithProviderAsync(sisIdClaim: TestIdentityProvider.SisIdClaim, linkByEmail: true);
        var inA = await SisUserAsync(a, "S-3001", $"kim@{Domain}");
        var inB = await api.CreateUserAsync(b, Roles.Teacher, $"kim@{Domain}"); // same person's email, another district's account
        var person = new TestPerson("google-kim", $"kim@{Domain}", EmailVerified: false, EmployeeId: "S-3001");

        var signedInAtA = await SignInAsync(a.Slug, providerA, person);
        Assert.Equal(inA.Id, await SessionUserAsync(signedInAtA));

        // A's session is A's: its cookie on B's host signs nobody in.
        var meOnB = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        meOnB.Headers.Add("Cookie", $"{BrowserSessions.CookieName}={SessionCookie(signedInAtA)}");
        await HttpAssert.ProblemAsync(await Browser(b.Slug).SendAsync(meOnB), HttpStatusCode.Unauthorized);

        // In B the same issuer and subject are unknown: A's link is not there (RLS), and nothing else matches.
        var refused = await SignInAsync(b.Slug, providerB, person);
        await HttpAssert.ProblemAsync(refused, HttpStatusCode.Forbidden, "Sign-in refused");
        Assert.Empty((await adminB.GetFromJsonAsync<JsonElement>($"/api/users/{inB.Id}/sso-links")).EnumerateArray());
        Assert.Empty(await AuditAsync(adminB, "sso.linked"));

        // A sign-in started on A's host cannot be finished on B's: the flow cookie is A's.
        idp.Person = person;
        var browser = Browser(a.Slug);
        var start = await browser.GetAsync($"/account/sso/{providerA}");
        var callback = await AtProviderAsync(start);
        var onB = new HttpRequestMessage(HttpMethod.Get, callback.PathAndQuery);
        onB.Headers.Add("Cookie", $"{SsoFlow.CookieName}={FlowCookie(start)}");
        var crossed = await Browser(b.Slug).SendAsync(onB);
        await HttpAssert.ProblemAsync(crossed, HttpStatusCode.BadRequest, "Sign-in expired");
        Assert.Null(SessionCookie(crossed));
    }

    [Fact]
    public async Task Unlinking_is_audited_and_the_next_sign_in_must_be_matched_again()
    {
        var (district, admin, provider) = await DistrictWithProviderAsync(sisIdClaim: TestIdentityProvider.SisIdClaim, linkByEmail: false);
        var student = await SisUserAsync(district, "S-4001", null);
        Assert.Equal(student.Id, await SessionUserAsync(await SignInAsync(district.Slug, provider, new TestPerson("google-lee", EmployeeId: "S-4001"))));
        var link = Assert.Single((await admin.GetFromJsonAsync<JsonElement>($"/api/users/{student.Id}/sso-links")).EnumerateArray());
        var linkId = link.GetProperty("id").GetString();

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/users/{student.Id}/sso-links/{linkId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/api/users/{student.Id}/sso-links/{linkId}")).StatusCode);
        var unlinked = Assert.Single(await AuditAsync(admin, "sso.unlinked"));
        Assert.Equal(student.Id.ToString(), unlinked.GetProperty("subjectUserId").GetString());
        Assert.Equal("google-lee", unlinked.GetProperty("before").GetProperty("subject").GetString());

        // Without the SIS claim there is nothing left to match the subject on.
        await HttpAssert.ProblemAsync(await SignInAsync(district.Slug, provider, new TestPerson("google-lee")), HttpStatusCode.Forbidden);
        Assert.Equal(student.Id, await SessionUserAsync(await SignInAsync(district.Slug, provider, new TestPerson("google-lee", EmployeeId: "S-4001"))));
        Assert.Equal(2, (await AuditAsync(admin, "sso.linked")).Count);

        // Deleting the provider deletes its links, and says how many.
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/sso/providers/{provider}")).StatusCode);
        Assert.Empty((await admin.GetFromJsonAsync<JsonElement>($"/api/users/{student.Id}/sso-links")).EnumerateArray());
        var deleted = Assert.Single(await AuditAsync(admin, "sso.provider_deleted"));
        Assert.Equal(1, deleted.GetProperty("after").GetProperty("linksRemoved").GetInt32());
    }

    [Fact]
    public async Task A_callback_without_its_flow_cookie_or_with_another_state_is_refused_and_return_urls_stay_on_the_site()
    {
        var (district, _, provider) = await DistrictWithProviderAsync(sisIdClaim: TestIdentityProvider.SisIdClaim, linkByEmail: false);
        await SisUserAsync(district, "S-5001", null);
        idp.Person = new TestPerson("google-pat", EmployeeId: "S-5001");
        var browser = Browser(district.Slug);

        var start = await browser.GetAsync($"/account/sso/{provider}");
        var callback = await AtProviderAsync(start);
        await HttpAssert.ProblemAsync(await browser.GetAsync(callback.PathAndQuery), HttpStatusCode.BadRequest, "Sign-in expired");
        var forged = new HttpRequestMessage(HttpMethod.Get, $"{SsoSignInEndpoints.CallbackPath}?code=x&state=guessed");
        forged.Headers.Add("Cookie", $"{SsoFlow.CookieName}={FlowCookie(start)}");
        await HttpAssert.ProblemAsync(await browser.SendAsync(forged), HttpStatusCode.BadRequest, "Sign-in expired");
        // The provider names itself in the response (RFC 9207); a response claiming another issuer is a mix-up.
        Assert.Contains("iss=", callback.Query);
        var mixedUp = new HttpRequestMessage(HttpMethod.Get, callback.PathAndQuery.Replace("iss=", "iss=https%3A%2F%2Fevil.example%2F&was="));
        mixedUp.Headers.Add("Cookie", $"{SsoFlow.CookieName}={FlowCookie(start)}");
        await HttpAssert.ProblemAsync(await browser.SendAsync(mixedUp), HttpStatusCode.BadGateway, "Identity provider failed");

        await HttpAssert.ProblemAsync(await browser.GetAsync($"/account/sso/{provider}?returnUrl=//evil.example/"), HttpStatusCode.BadRequest);
        await HttpAssert.ProblemAsync(await browser.GetAsync($"/account/sso/{Guid.NewGuid()}"), HttpStatusCode.NotFound);
        var withReturn = await SignInAsync(district.Slug, provider, idp.Person, "/courses/42");
        Assert.Equal("/courses/42", withReturn.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task A_wrong_client_secret_is_a_provider_failure_not_a_sign_in()
    {
        var (district, admin, provider) = await DistrictWithProviderAsync(sisIdClaim: TestIdentityProvider.SisIdClaim, linkByEmail: false);
        await SisUserAsync(district, "S-6001", null);
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/api/sso/providers/{provider}", new { clientSecret = "not the secret" })).StatusCode);

        var failed = await SignInAsync(district.Slug, provider, new TestPerson("google-sam", EmployeeId: "S-6001"));

        await HttpAssert.ProblemAsync(failed, HttpStatusCode.BadGateway, "Identity provider failed", withDetail: true);
        Assert.Null(SessionCookie(failed));
        Assert.Single(await AuditAsync(admin, "sign_in.failed"));
        Assert.Contains(api.Logs, l => l.Message.Contains($"provider {provider} failed") && l.Message.Contains("invalid_client"));
        Assert.DoesNotContain(api.Logs, l => l.Message.Contains("not the secret"));
        Assert.Empty(api.Errors);
    }

    [Theory]
    [InlineData("nonce", "nonce")]                   // an id_token minted for another sign-in
    [InlineData("code_challenge", "invalid_grant")]  // PKCE: our verifier does not fit the challenge the provider saw
    public async Task An_authorization_request_altered_on_its_way_to_the_provider_signs_nobody_in(string parameter, string reason)
    {
        var (district, admin, provider) = await DistrictWithProviderAsync(sisIdClaim: TestIdentityProvider.SisIdClaim, linkByEmail: false);
        await SisUserAsync(district, "S-7001", null);
        idp.Person = new TestPerson("google-alex", EmployeeId: "S-7001");
        var browser = Browser(district.Slug);
        var start = await browser.GetAsync($"/account/sso/{provider}");
        var original = start.Headers.Location!.OriginalString;
        var value = System.Text.RegularExpressions.Regex.Match(original, $"[?&]{parameter}=([^&]+)").Groups[1].Value;
        Assert.NotEmpty(value);
        start.Headers.Location = new Uri(original.Replace($"{parameter}={value}",
            $"{parameter}={Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))}"));

        var callback = await AtProviderAsync(start);
        var back = new HttpRequestMessage(HttpMethod.Get, callback.PathAndQuery);
        back.Headers.Add("Cookie", $"{SsoFlow.CookieName}={FlowCookie(start)}");
        var refused = await browser.SendAsync(back);

        var problem = await HttpAssert.ProblemAsync(refused, HttpStatusCode.BadGateway, "Identity provider failed");
        Assert.Contains(reason, problem.GetProperty("detail").GetString());
        Assert.Null(SessionCookie(refused));
        Assert.Empty(await AuditAsync(admin, "sso.linked"));
    }

    [Fact]
    public async Task Starting_sign_ins_shares_the_sign_in_rate_limit_of_the_district_and_address()
    {
        var (district, _, provider) = await DistrictWithProviderAsync(sisIdClaim: TestIdentityProvider.SisIdClaim, linkByEmail: false);
        var browser = Browser(district.Slug);
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < SsoApiFactory.RequestLimit; i++) answers.Add((await browser.GetAsync($"/account/sso/{provider}")).StatusCode);

        var limited = await browser.GetAsync($"/account/sso/{provider}");

        Assert.Contains(HttpStatusCode.Redirect, answers);
        await HttpAssert.ProblemAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.True(limited.Headers.Contains("Retry-After"));
    }

    // --- the flow, as a browser goes through it ---

    /// <summary>Start at our host, follow the provider's redirect back to our callback; the callback's response.</summary>
    async Task<HttpResponseMessage> SignInAsync(string slug, Guid provider, TestPerson person, string? returnUrl = null)
    {
        idp.Person = person;
        var browser = Browser(slug);
        var start = await browser.GetAsync($"/account/sso/{provider}" + (returnUrl == null ? "" : $"?returnUrl={Uri.EscapeDataString(returnUrl)}"));
        var callback = await AtProviderAsync(start);
        Assert.Equal($"{slug}.localhost", callback.Host);
        var back = new HttpRequestMessage(HttpMethod.Get, callback.PathAndQuery);
        back.Headers.Add("Cookie", $"{SsoFlow.CookieName}={FlowCookie(start)}");
        return await browser.SendAsync(back);
    }

    /// <summary>Follows our redirect to the provider, which signs the person in and redirects back: where to.</summary>
    static async Task<Uri> AtProviderAsync(HttpResponseMessage start)
    {
        Assert.True(start.StatusCode == HttpStatusCode.Redirect, await start.Content.ReadAsStringAsync());
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });
        var atProvider = await browser.GetAsync(start.Headers.Location);
        Assert.True(atProvider.StatusCode == HttpStatusCode.Redirect, await atProvider.Content.ReadAsStringAsync());
        var back = atProvider.Headers.Location!;
        Assert.Equal(SsoSignInEndpoints.CallbackPath, back.AbsolutePath);
        return back;
    }

    HttpClient Browser(string slug) => api.CreateClient(new WebApplicationFactoryClientOptions
    {
        BaseAddress = new Uri($"http://{slug}.localhost/"),
        AllowAutoRedirect = false,
        HandleCookies = false,
    });

    static string? Cookie(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies)
            ? cookies.Select(c => c.Split(';')[0]).Where(c => c.StartsWith(name + "=")).Select(c => c[(name.Length + 1)..]).FirstOrDefault(v => v.Length > 0)
            : null;

    static string FlowCookie(HttpResponseMessage start) => Cookie(start, SsoFlow.CookieName) ?? throw new Xunit.Sdk.XunitException("no flow cookie");

    static string? SessionCookie(HttpResponseMessage response) => Cookie(response, BrowserSessions.CookieName);

    /// <summary>Who the browser session the response started is: <c>/api/me</c> with its cookie, on the same district's host.</summary>
    async Task<Guid> SessionUserAsync(HttpResponseMessage done)
    {
        Assert.True(done.StatusCode == HttpStatusCode.Redirect, await done.Content.ReadAsStringAsync());
        var cookie = SessionCookie(done) ?? throw new Xunit.Sdk.XunitException("no session cookie");
        var me = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        me.Headers.Add("Cookie", $"{BrowserSessions.CookieName}={cookie}");
        var response = await Browser(done.RequestMessage!.RequestUri!.Host.Split('.')[0]).SendAsync(me);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("user", body.GetProperty("kind").GetString());
        return Guid.Parse(body.GetProperty("subject").GetString()!);
    }

    // --- districts, providers and people ---

    async Task<(DistrictSummary District, HttpClient Admin, Guid Provider)> DistrictWithProviderAsync(string? sisIdClaim, bool linkByEmail)
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        var clientId = $"lms-{district.Slug}";
        var secret = $"secret-{Guid.NewGuid():N}";
        var created = await admin.PostAsJsonAsync("/api/sso/providers", new
        {
            displayName = "District Google",
            authority = idp.Issuer,
            clientId,
            clientSecret = secret,
            allowedEmailDomains = new[] { Domain },
            sisIdClaim,
            linkByVerifiedEmail = linkByEmail,
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var provider = await created.Content.ReadFromJsonAsync<JsonElement>();
        var redirectUri = provider.GetProperty("redirectUri").GetString()!;
        Assert.Equal($"https://{district.Slug}.localhost/account/sso/callback", redirectUri); // the public URL, not the request's http
        idp.AddClient(clientId, secret, redirectUri);
        return (district, admin, provider.GetProperty("id").GetGuid());
    }

    /// <summary>A person as the SIS import leaves them: source sis, the SIS identifier, no password.</summary>
    async Task<TestUser> SisUserAsync(DistrictSummary district, string identifier, string? email, string status = "active")
    {
        await using var db = api.Database.CreateContext(district.Id);
        var user = new User
        {
            TenantId = district.Id,
            UserName = $"sis-{identifier}",
            NormalizedUserName = $"SIS-{identifier}",
            Email = email,
            NormalizedEmail = email?.ToUpperInvariant(),
            DisplayName = $"Person {identifier}",
            SecurityStamp = Guid.NewGuid().ToString(),
            Source = "sis",
            Identifier = identifier,
            Status = status,
            CreatedAt = DateTimeOffset.UtcNow,
            Roles = [new UserRole { TenantId = district.Id, Role = Roles.Student, GrantedAt = DateTimeOffset.UtcNow, Source = "sis" }],
        };
        db.Users.Add(user);
        await db.SaveChangesAsync();
        return new TestUser(user.Id, email ?? "", district.Slug);
    }

    async Task SetStatusAsync(DistrictSummary district, Guid userId, string status)
    {
        await using var db = api.Database.CreateContext(district.Id);
        await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(u => u.SetProperty(x => x.Status, status));
    }

    static async Task<List<JsonElement>> AuditAsync(HttpClient admin, string action) =>
        (await admin.GetFromJsonAsync<JsonElement>($"/api/audit/events?action={action}&pageSize=100")).GetProperty("items").EnumerateArray().ToList();
}
