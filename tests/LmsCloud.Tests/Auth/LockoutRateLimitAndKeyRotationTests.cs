using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Api.Auth;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;

namespace LmsCloud.Tests.Auth;

/// <summary>An API with tight limits (3 failed passwords; 8 token requests a minute per address, 6 per user name or client id) and a retired second key.</summary>
public sealed class StrictApiFactory : ApiFactory
{
    public SigningKeyOptions RetiredKey { get; } = SigningKeys.Generate();

    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
    [
        new("Auth:MaxFailedAccessAttempts", "3"),
        new("Auth:TokenRequestLimit", "8"),
        new("Auth:TokenRequestLimitPerName", "6"),
        new("Auth:SigningKeys:1:KeyId", RetiredKey.KeyId),
        new("Auth:SigningKeys:1:Pem", RetiredKey.Pem),
    ];
}

public sealed class LockoutRateLimitAndKeyRotationTests(StrictApiFactory api) : IClassFixture<StrictApiFactory>
{
    [Fact]
    public async Task Repeated_wrong_passwords_lock_the_account_until_an_admin_unlocks_it()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        var user = await api.CreateUserAsync(district, Roles.Teacher);

        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.BadRequest, (await SignIn(user, "wrong password!")).StatusCode);
        var locked = await SignIn(user, ApiFactory.Password); // the right password no longer helps
        Assert.Equal(HttpStatusCode.BadRequest, locked.StatusCode);
        Assert.True((await admin.GetFromJsonAsync<JsonElement>($"/api/users/{user.Id}")).GetProperty("locked").GetBoolean());

        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/api/users/{user.Id}", new { locked = false })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SignIn(user, ApiFactory.Password)).StatusCode);
    }

    [Fact]
    public async Task The_token_endpoint_answers_429_with_retry_after_per_district_and_address()
    {
        var busy = await api.Database.CreateDistrictAsync();
        var quiet = await api.Database.CreateDistrictAsync();

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage last = null!;
        for (var i = 0; i < 9; i++)
        {
            // A new user name each time, so the per-address limit is the one that bites.
            last = await api.PostTokenAsync(busy.Slug, ("grant_type", "password"), ("username", $"x{i}@example.test"), ("password", "whatever-it-is"));
            statuses.Add(last.StatusCode);
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.BadRequest, 8), statuses.Take(8));
        Assert.Equal(HttpStatusCode.TooManyRequests, last.StatusCode);
        Assert.True(last.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After is missing");
        Assert.Equal("application/problem+json", last.Content.Headers.ContentType?.MediaType);
        var other = await api.PostTokenAsync(quiet.Slug, ("grant_type", "password"), ("username", "x@example.test"), ("password", "whatever-it-is"));
        Assert.Equal(HttpStatusCode.BadRequest, other.StatusCode); // another district has its own budget
    }

    [Fact]
    public async Task The_sign_in_form_shares_the_token_endpoints_lockout_and_both_rate_limits()
    {
        var district = await api.Database.CreateDistrictAsync();
        var user = await api.CreateUserAsync(district, Roles.Teacher);
        var browser = new TestBrowser(api, district.Slug);

        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.BadRequest, (await browser.SignInAsync(user.Email, "wrong password!")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SignIn(user, ApiFactory.Password)).StatusCode); // locked by the form's failures

        for (var i = 0; i < 2; i++) // 3 + 1 + 2: the user name's budget of 6 is spent across both endpoints
            Assert.Equal(HttpStatusCode.BadRequest, (await browser.SignInAsync(user.Email, "wrong password!")).StatusCode);
        var limited = await browser.SignInAsync(user.Email, ApiFactory.Password);
        await HttpAssert.ProblemAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After is missing");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignIn(user, ApiFactory.Password)).StatusCode);

        // The address's budget of 8 too: two more tries under other names from the same address, then 429.
        for (var i = 0; i < 2; i++)
            Assert.Equal(HttpStatusCode.BadRequest, (await browser.SignInAsync($"other-{i}@example.test", "wrong password!")).StatusCode);
        await HttpAssert.ProblemAsync(await browser.SignInAsync("other-x@example.test", "wrong password!"), HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task Tokens_signed_with_a_retired_key_still_validate_and_new_tokens_use_the_current_key()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.CreateUserAsync(district, Roles.DistrictAdmin);

        var oldToken = TestTokens.Sign(api.RetiredKey, district.Slug, district.Id, admin.Id, [Roles.DistrictAdmin]);
        Assert.Equal(HttpStatusCode.OK, (await api.ClientFor(district.Slug, oldToken).GetAsync("/api/users")).StatusCode);

        var fresh = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken((await api.SignInAsync(admin)).GetProperty("access_token").GetString());
        Assert.Equal(api.SigningKey.KeyId, fresh.Kid);
        var expired = TestTokens.Sign(api.SigningKey, district.Slug, district.Id, admin.Id, [Roles.DistrictAdmin], lifetime: TimeSpan.FromMinutes(-2));
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.ClientFor(district.Slug, expired).GetAsync("/api/users")).StatusCode);
    }

    [Fact]
    public async Task An_ipv6_client_counts_as_its_whole_64_and_one_user_name_is_limited_across_addresses()
    {
        var district = await api.Database.CreateDistrictAsync();

        // Eight addresses of one /64, eight user names: one budget of 8. Another /64 still has its own.
        var statuses = new List<HttpStatusCode>();
        for (var i = 1; i <= 9; i++)
            statuses.Add((await From($"2001:db8:1:2::{i:x}", district.Slug, ("grant_type", "password"), ("username", $"v6-{i}@example.test"), ("password", "whatever-it-is"))).StatusCode);
        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.BadRequest, 8), HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.BadRequest,
            (await From("2001:db8:1:3::1", district.Slug, ("grant_type", "password"), ("username", "v6-x@example.test"), ("password", "whatever-it-is"))).StatusCode);

        // One user name from six addresses: its own budget of 6, whatever the address.
        statuses.Clear();
        for (var i = 1; i <= 7; i++)
            statuses.Add((await From($"198.51.100.{i}", district.Slug, ("grant_type", "password"), ("username", "Target@Example.test"), ("password", "whatever-it-is"))).StatusCode);
        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.BadRequest, 6), HttpStatusCode.TooManyRequests], statuses);
        var otherCase = await From("198.51.100.99", district.Slug, ("grant_type", "password"), ("username", "target@example.TEST"), ("password", "whatever-it-is"));
        Assert.Equal(HttpStatusCode.TooManyRequests, otherCase.StatusCode); // user names are case-insensitive
    }

    [Fact]
    public async Task One_client_id_is_limited_across_addresses()
    {
        var district = await api.Database.CreateDistrictAsync();
        var statuses = new List<HttpStatusCode>();
        for (var i = 1; i <= 7; i++)
            statuses.Add((await From($"192.0.2.{i}", district.Slug, ("grant_type", "client_credentials"), ("client_id", "lms_guessing"), ("client_secret", "guess"))).StatusCode);
        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 6), HttpStatusCode.TooManyRequests], statuses);
    }

    Task<HttpResponseMessage> From(string address, string slug, params (string Key, string Value)[] form)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = new FormUrlEncodedContent(form.Select(f => KeyValuePair.Create(f.Key, f.Value))),
        };
        request.Headers.Add(ApiFactory.ClientAddressHeader, address);
        return api.ClientFor(slug).SendAsync(request);
    }

    Task<HttpResponseMessage> SignIn(TestUser user, string password) =>
        api.PostTokenAsync(user.Slug, ("grant_type", "password"), ("username", user.Email), ("password", password));
}
