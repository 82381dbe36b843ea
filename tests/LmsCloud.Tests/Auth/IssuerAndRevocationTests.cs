using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LmsCloud.Api.Auth;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Npgsql;

namespace LmsCloud.Tests.Auth;

/// <summary>The OpenIddict server per district: discovery and keys, refusal across districts, revocation, introspection.</summary>
public sealed class IssuerAndRevocationTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Each_district_publishes_its_own_issuer_endpoints_and_keys()
    {
        var northwind = await api.Database.CreateDistrictAsync();
        var riverside = await api.Database.CreateDistrictAsync();

        foreach (var district in new[] { northwind, riverside })
        {
            var client = api.ClientFor(district.Slug);
            var discovery = await client.GetFromJsonAsync<JsonElement>("/.well-known/openid-configuration");
            var issuer = ApiFactory.IssuerOf(district.Slug);
            Assert.Equal(issuer, discovery.GetProperty("issuer").GetString());
            Assert.Equal($"{issuer}connect/token", discovery.GetProperty("token_endpoint").GetString());
            Assert.Equal($"{issuer}connect/revoke", discovery.GetProperty("revocation_endpoint").GetString());
            Assert.Equal($"{issuer}connect/introspect", discovery.GetProperty("introspection_endpoint").GetString());
            Assert.Equal(["authorization_code", "client_credentials", "password", "refresh_token"],
                discovery.GetProperty("grant_types_supported").EnumerateArray().Select(g => g.GetString()).Order());

            var jwksUri = new Uri(discovery.GetProperty("jwks_uri").GetString()!);
            Assert.StartsWith(issuer, jwksUri.ToString());
            var jwks = await client.GetFromJsonAsync<JsonElement>(jwksUri.PathAndQuery);
            var key = Assert.Single(jwks.GetProperty("keys").EnumerateArray());
            Assert.Equal((api.SigningKey.KeyId, "EC", "P-256"),
                (key.GetProperty("kid").GetString(), key.GetProperty("kty").GetString(), key.GetProperty("crv").GetString()));
            Assert.False(key.TryGetProperty("d", out _), "the private part must never be published");
        }
        Assert.Equal(HttpStatusCode.NotFound, (await api.ClientFor("no-such-district").GetAsync("/.well-known/openid-configuration")).StatusCode);
    }

    [Fact]
    public async Task A_token_under_an_unknown_kid_is_refused_even_when_one_of_our_keys_signed_it()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.CreateUserAsync(district, Roles.DistrictAdmin);
        var ours = TestTokens.Sign(api.SigningKey, district.Slug, district.Id, admin.Id, [Roles.DistrictAdmin]);
        var renamed = TestTokens.Sign(new SigningKeyOptions { KeyId = "not-one-of-ours", Pem = api.SigningKey.Pem },
            district.Slug, district.Id, admin.Id, [Roles.DistrictAdmin]);

        Assert.Equal(HttpStatusCode.OK, (await api.ClientFor(district.Slug, ours).GetAsync("/api/users")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.ClientFor(district.Slug, renamed).GetAsync("/api/users")).StatusCode);
    }

    [Fact]
    public async Task A_refresh_token_of_one_district_is_refused_on_another_and_cannot_be_revoked_there()
    {
        var northwind = await api.Database.CreateDistrictAsync();
        var riverside = await api.Database.CreateDistrictAsync();
        var user = await api.CreateUserAsync(northwind, Roles.Teacher);
        var refresh = (await api.SignInAsync(user)).GetProperty("refresh_token").GetString()!;

        var elsewhere = await Refresh(riverside.Slug, refresh);
        Assert.Equal(HttpStatusCode.BadRequest, elsewhere.StatusCode);
        Assert.Equal("invalid_grant", (await elsewhere.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());

        await Revoke(riverside.Slug, refresh); // whatever riverside answers, northwind's sign-in must live on
        var home = await Refresh(northwind.Slug, refresh);
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
    }

    [Fact]
    public async Task Signing_out_by_revoking_the_refresh_token_ends_the_sign_in_and_its_access_token_at_once()
    {
        var district = await api.Database.CreateDistrictAsync();
        var user = await api.CreateUserAsync(district, Roles.Teacher);
        var signIn = await api.SignInAsync(user);
        var access = api.ClientFor(district.Slug, signIn.GetProperty("access_token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await access.GetAsync("/api/me")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await Revoke(district.Slug, signIn.GetProperty("refresh_token").GetString()!)).StatusCode);

        Assert.Equal(HttpStatusCode.BadRequest, (await Refresh(district.Slug, signIn.GetProperty("refresh_token").GetString()!)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await access.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task A_reused_refresh_token_revokes_the_sign_in_with_its_access_tokens_and_is_audited()
    {
        var district = await api.Database.CreateDistrictAsync();
        var auditor = await api.ClientAsAsync(district, Roles.ComplianceOfficer);
        var user = await api.CreateUserAsync(district, Roles.Teacher);
        var first = (await api.SignInAsync(user)).GetProperty("refresh_token").GetString()!;
        var rotated = await (await Refresh(district.Slug, first)).Content.ReadFromJsonAsync<JsonElement>();
        var access = api.ClientFor(district.Slug, rotated.GetProperty("access_token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await access.GetAsync("/api/me")).StatusCode);

        Assert.Equal(HttpStatusCode.BadRequest, (await Refresh(district.Slug, first)).StatusCode); // at once: no leeway

        Assert.Equal(HttpStatusCode.Unauthorized, (await access.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Refresh(district.Slug, rotated.GetProperty("refresh_token").GetString()!)).StatusCode);
        var events = await auditor.GetFromJsonAsync<JsonElement>($"/api/audit/events?action=refresh_token.reuse_detected&subject={user.Id}");
        Assert.Single(events.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Introspection_answers_an_authenticated_client_and_never_an_anonymous_caller()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        var client = await (await admin.PostAsJsonAsync("/api/integrations/clients", new { name = "Gateway", scopes = new[] { "sis.import" } }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var (clientId, secret) = (client.GetProperty("clientId").GetString()!, client.GetProperty("clientSecret").GetString()!);
        var token = (await (await api.PostTokenAsync(district.Slug, ("grant_type", "client_credentials"), ("client_id", clientId), ("client_secret", secret)))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;

        var anonymous = await Post(district.Slug, "/connect/introspect", ("token", token));
        Assert.Contains(anonymous.StatusCode, new[] { HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized });
        Assert.Equal("invalid_client", (await anonymous.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.DoesNotContain("active", await anonymous.Content.ReadAsStringAsync());

        var authenticated = await Post(district.Slug, "/connect/introspect", ("token", token), ("client_id", clientId), ("client_secret", secret));
        Assert.Equal(HttpStatusCode.OK, authenticated.StatusCode);
        var answer = await authenticated.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(answer.GetProperty("active").GetBoolean());
        Assert.Equal(ApiFactory.IssuerOf(district.Slug), answer.GetProperty("iss").GetString());
    }

    [Fact]
    public async Task A_role_change_ends_the_old_token_on_the_next_request()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        var officer = await api.CreateUserAsync(district, Roles.ComplianceOfficer);
        var token = api.ClientFor(district.Slug, (await api.SignInAsync(officer)).GetProperty("access_token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await token.GetAsync("/api/audit/events")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/api/users/{officer.Id}", new { roles = new[] { "Teacher" } })).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await token.GetAsync("/api/audit/events")).StatusCode);
        var fresh = api.ClientFor(district.Slug, (await api.SignInAsync(officer)).GetProperty("access_token").GetString()!);
        Assert.Equal(HttpStatusCode.Forbidden, (await fresh.GetAsync("/api/audit/events")).StatusCode); // the new roles
    }

    [Fact]
    public async Task Tokens_of_one_node_work_on_another_that_shares_the_keys()
    {
        var district = await api.Database.CreateDistrictAsync();
        var user = await api.CreateUserAsync(district, Roles.Teacher);
        var signIn = await api.SignInAsync(user);
        await using var other = api.AnotherNode();

        var me = await other.ClientFor(district.Slug, signIn.GetProperty("access_token").GetString()!).GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var refreshed = await other.PostTokenAsync(district.Slug, ("grant_type", "refresh_token"), ("refresh_token", signIn.GetProperty("refresh_token").GetString()!));
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode); // the refresh token is encrypted with the shared Auth:EncryptionKey
    }

    [Fact]
    public async Task A_json_body_on_the_token_endpoint_is_an_rfc6749_invalid_request()
    {
        var district = await api.Database.CreateDistrictAsync();
        var response = await api.ClientFor(district.Slug).PostAsync("/connect/token",
            new StringContent("""{"grant_type":"password","username":"a@example.test","password":"whatever-it-is"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(response.Headers.WwwAuthenticate);
        Assert.Equal("invalid_request", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Token_rows_are_invisible_without_a_district_and_pruning_runs_per_district()
    {
        var northwind = await api.Database.CreateDistrictAsync();
        var riverside = await api.Database.CreateDistrictAsync();
        var leaving = await api.CreateUserAsync(northwind, Roles.Teacher);
        var staying = await api.CreateUserAsync(riverside, Roles.Teacher);
        await api.SignInAsync(leaving);
        await api.SignInAsync(staying);
        var admin = await api.ClientAsAsync(northwind, Roles.DistrictAdmin);
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"/api/users/{leaving.Id}", new { locked = true })).StatusCode); // revokes

        Assert.Equal(0, await CountAsync(null, "openiddict_tokens"));
        Assert.Equal(0, await CountAsync(null, "openiddict_authorizations"));
        Assert.Equal(2, await CountAsync(northwind.Id, "openiddict_tokens", leaving.Id));
        Assert.Equal(2, await CountAsync(riverside.Id, "openiddict_tokens", staying.Id));

        // As if a day and a minute had passed: the revoked sign-in goes; of the valid one the expired access token goes,
        // the refresh token (14 days) stays.
        var pruning = api.Services.GetRequiredService<TokenPruning>();
        var pruned = await pruning.RunAsync(DateTime.UtcNow + TokenPruning.KeepRevoked + TimeSpan.FromMinutes(1));
        Assert.True(pruned.Tokens >= 2, $"pruned {pruned}");
        Assert.Equal(0, await CountAsync(northwind.Id, "openiddict_tokens", leaving.Id));
        Assert.Equal(0, await CountAsync(northwind.Id, "openiddict_authorizations", leaving.Id));
        Assert.Equal(1, await CountAsync(riverside.Id, "openiddict_tokens", staying.Id));
        Assert.Equal(1, await CountAsync(riverside.Id, "openiddict_authorizations", staying.Id));
    }

    async Task<long> CountAsync(Guid? tenantId, string table, Guid? subject = null)
    {
        await using var conn = tenantId is { } id ? await api.Database.OpenAsTenantAsync(id) : await api.Database.App.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand($"select count(*) from {table}" + (subject == null ? "" : " where subject = $1"), conn);
        if (subject != null) cmd.Parameters.AddWithValue(subject.Value.ToString());
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    Task<HttpResponseMessage> Refresh(string slug, string token) =>
        api.PostTokenAsync(slug, ("grant_type", "refresh_token"), ("refresh_token", token));

    Task<HttpResponseMessage> Revoke(string slug, string token) =>
        Post(slug, "/connect/revoke", ("token", token), ("token_type_hint", "refresh_token"));

    Task<HttpResponseMessage> Post(string slug, string path, params (string Key, string Value)[] form) =>
        api.ClientFor(slug).PostAsync(path, new FormUrlEncodedContent(form.Select(f => KeyValuePair.Create(f.Key, f.Value))));
}
