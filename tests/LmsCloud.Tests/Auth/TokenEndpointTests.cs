using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;

namespace LmsCloud.Tests.Auth;

/// <summary><c>POST /connect/token</c> and bearer validation, through HTTP on each district's host.</summary>
public sealed class TokenEndpointTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Password_sign_in_gives_a_short_lived_es256_token_with_sub_tid_and_roles_only()
    {
        var district = await api.Database.CreateDistrictAsync();
        var teacher = await api.CreateUserAsync(district, Roles.Teacher);

        var response = await api.SignInAsync(teacher);

        Assert.Equal("Bearer", response.GetProperty("token_type").GetString());
        Assert.InRange(response.GetProperty("expires_in").GetInt32(), 590, 600); // OpenIddict rounds down: 599 or 600
        Assert.False(string.IsNullOrEmpty(response.GetProperty("refresh_token").GetString()));
        var jwt = new JsonWebToken(response.GetProperty("access_token").GetString());
        Assert.Equal("ES256", jwt.Alg);
        Assert.Equal("at+jwt", jwt.Typ);
        Assert.Equal(ApiFactory.IssuerOf(district.Slug), jwt.Issuer); // the district's own URL, https though the request was http
        Assert.Equal(["lmscloud-api"], jwt.Audiences);
        Assert.Equal(api.SigningKey.KeyId, jwt.Kid);
        Assert.Equal(teacher.Id.ToString(), jwt.Subject);
        Assert.Equal(district.Id.ToString(), jwt.GetClaim("tid").Value);
        Assert.Equal([Roles.Teacher], jwt.Claims.Where(c => c.Type == "role").Select(c => c.Value));
        Assert.DoesNotContain(jwt.Claims, c => c.Value.Contains(teacher.Email) || c.Value.Contains("Test Teacher"));
        Assert.True(jwt.ValidTo - jwt.IssuedAt <= TimeSpan.FromMinutes(10));

        var me = await api.ClientFor(district.Slug, jwt.EncodedToken).GetFromJsonAsync<JsonElement>("/api/me");
        Assert.Equal(teacher.Email, me.GetProperty("email").GetString());
    }

    [Fact]
    public async Task Unknown_user_and_wrong_password_answer_identically()
    {
        var district = await api.Database.CreateDistrictAsync();
        var user = await api.CreateUserAsync(district, Roles.Student);

        var unknown = await api.PostTokenAsync(district.Slug, ("grant_type", "password"), ("username", "nobody@example.test"), ("password", "whatever-it-is"));
        var wrong = await api.PostTokenAsync(district.Slug, ("grant_type", "password"), ("username", user.Email), ("password", "whatever-it-is"));

        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal(unknown.StatusCode, wrong.StatusCode);
        Assert.Equal(await unknown.Content.ReadAsStringAsync(), await wrong.Content.ReadAsStringAsync());
        Assert.Equal("invalid_grant", (await wrong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal("no-store", wrong.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task A_user_of_one_district_cannot_sign_in_at_another()
    {
        var a = await api.Database.CreateDistrictAsync();
        var b = await api.Database.CreateDistrictAsync();
        var user = await api.CreateUserAsync(a, Roles.Teacher);

        var response = await api.PostTokenAsync(b.Slug, ("grant_type", "password"), ("username", user.Email), ("password", ApiFactory.Password));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task The_same_email_can_be_two_accounts_in_two_districts()
    {
        var a = await api.Database.CreateDistrictAsync();
        var b = await api.Database.CreateDistrictAsync();
        var inA = await api.CreateUserAsync(a, Roles.Teacher, "same.person@example.test");
        var inB = await api.CreateUserAsync(b, Roles.Guardian, "same.person@example.test");

        Assert.NotEqual(inA.Id, inB.Id);
        var tokenB = new JsonWebToken((await api.SignInAsync(inB)).GetProperty("access_token").GetString());
        Assert.Equal(inB.Id.ToString(), tokenB.Subject);
        Assert.Equal([Roles.Guardian], tokenB.Claims.Where(c => c.Type == "role").Select(c => c.Value));
    }

    [Fact]
    public async Task A_token_from_one_district_is_refused_on_another_districts_host()
    {
        var northwind = await api.Database.CreateDistrictAsync();
        var riverside = await api.Database.CreateDistrictAsync();
        var admin = await api.CreateUserAsync(northwind, Roles.DistrictAdmin);
        var token = (await api.SignInAsync(admin)).GetProperty("access_token").GetString()!;

        Assert.Equal(HttpStatusCode.OK, (await api.ClientFor(northwind.Slug, token).GetAsync("/api/users")).StatusCode);
        var response = await api.ClientFor(riverside.Slug, token).GetAsync("/api/users");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString()); // the issuer is northwind's

        // A token naming riverside's issuer but northwind's district (as a stolen signing key could make) fails the tid check.
        var forged = TestTokens.Sign(api.SigningKey, riverside.Slug, northwind.Id, admin.Id, [Roles.DistrictAdmin]);
        var refused = await api.ClientFor(riverside.Slug, forged).GetAsync("/api/users");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("another district", refused.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task No_token_a_tampered_token_or_a_foreign_key_is_401()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.CreateUserAsync(district, Roles.DistrictAdmin);
        var token = (await api.SignInAsync(admin)).GetProperty("access_token").GetString()!;
        var parts = token.Split('.');
        var payload = Encoding.UTF8.GetString(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(parts[1]))
            .Replace(Roles.DistrictAdmin, Roles.Student);
        var tampered = $"{parts[0]}.{Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(payload)}.{parts[2]}";
        var foreignKey = TestTokens.Sign(Api.Auth.SigningKeys.Generate(), district.Slug, district.Id, admin.Id, [Roles.DistrictAdmin]);

        var anonymous = await api.ClientFor(district.Slug).GetAsync("/api/users");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.ToString());
        foreach (var bad in new[] { tampered, foreignKey, "not-a-jwt" })
            Assert.Equal(HttpStatusCode.Unauthorized, (await api.ClientFor(district.Slug, bad).GetAsync("/api/users")).StatusCode);
    }

    [Fact]
    public async Task A_student_on_an_admin_endpoint_gets_403()
    {
        var district = await api.Database.CreateDistrictAsync();
        var student = await api.ClientAsAsync(district, Roles.Student);

        foreach (var response in new[]
                 {
                     await student.GetAsync("/api/users"),
                     await student.PostAsJsonAsync("/api/integrations/clients", new { name = "x", scopes = new[] { "sis.import" } }),
                     await student.GetAsync("/api/audit/events"),
                     await student.PutAsJsonAsync("/api/district", new { displayName = "x", timeZone = "UTC", locale = "en-US" }),
                 })
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(HttpStatusCode.OK, (await student.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Refresh_tokens_rotate_and_a_reused_one_revokes_the_whole_family()
    {
        var district = await api.Database.CreateDistrictAsync();
        var user = await api.CreateUserAsync(district, Roles.Teacher);
        var first = (await api.SignInAsync(user)).GetProperty("refresh_token").GetString()!;

        var rotated = await Refresh(district.Slug, first);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var second = (await rotated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("refresh_token").GetString()!;
        Assert.NotEqual(first, second);

        var reuse = await Refresh(district.Slug, first); // a stolen copy of the spent token
        Assert.Equal(HttpStatusCode.BadRequest, reuse.StatusCode);
        Assert.Equal("invalid_grant", (await reuse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await Refresh(district.Slug, second)).StatusCode); // the family is gone

        var fresh = (await api.SignInAsync(user)).GetProperty("refresh_token").GetString()!; // a new sign-in is unaffected
        Assert.Equal(HttpStatusCode.OK, (await Refresh(district.Slug, fresh)).StatusCode);
    }

    [Fact]
    public async Task Client_credentials_work_with_basic_or_form_and_stop_when_the_client_is_revoked()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        var created = await admin.PostAsJsonAsync("/api/integrations/clients", new { name = "PowerSchool sync", scopes = new[] { "sis.import" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var client = await created.Content.ReadFromJsonAsync<JsonElement>();
        var (id, clientId, secret) = (client.GetProperty("id").GetString(), client.GetProperty("clientId").GetString()!,
            client.GetProperty("clientSecret").GetString()!);

        var basic = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = new FormUrlEncodedContent([KeyValuePair.Create("grant_type", "client_credentials")]),
        };
        basic.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{clientId}:{secret}")));
        var viaBasic = await api.ClientFor(district.Slug).SendAsync(basic);
        Assert.Equal(HttpStatusCode.OK, viaBasic.StatusCode);
        var token = await viaBasic.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("sis.import", token.GetProperty("scope").GetString());
        Assert.False(token.TryGetProperty("refresh_token", out _));
        var jwt = new JsonWebToken(token.GetProperty("access_token").GetString());
        Assert.Equal((id, clientId, "sis.import"), (jwt.Subject, jwt.GetClaim("client_id").Value, jwt.GetClaim("scope").Value));
        Assert.DoesNotContain(jwt.Claims, c => c.Type == "role"); // clients hold scopes, never person roles

        var me = await api.ClientFor(district.Slug, jwt.EncodedToken).GetFromJsonAsync<JsonElement>("/api/me");
        Assert.Equal("client", me.GetProperty("kind").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await api.ClientFor(district.Slug, jwt.EncodedToken).GetAsync("/api/users")).StatusCode);

        var listed = await admin.GetStringAsync("/api/integrations/clients");
        Assert.Contains(clientId, listed);
        Assert.DoesNotContain(secret, listed); // shown once only
        // Stored as SHA-256 (a generated 256-bit secret needs no slow hash), never as itself.
        await using (var owner = new Npgsql.NpgsqlConnection(api.Database.ConnectionStrings.Owner))
        {
            await owner.OpenAsync();
            await LmsCloud.Core.Database.TenantSession.SetAsync(owner, district.Id);
            var stored = await TestDatabase.ScalarAsync<string>(owner, "select client_secret from openiddict_applications where client_id = $1", clientId);
            Assert.Equal("sha256:" + Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(secret))), stored);
        }

        Assert.Equal(HttpStatusCode.OK, (await ClientToken(district.Slug, clientId, secret)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await ClientToken(district.Slug, clientId, secret + "x")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ClientToken(district.Slug, clientId, secret, "gradebook.write")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/integrations/clients/{id}")).StatusCode);
        var revoked = await ClientToken(district.Slug, clientId, secret);
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);
        Assert.Equal("invalid_client", (await revoked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("grant_type=telepathy&code=x", "unsupported_grant_type")]
    [InlineData("grant_type=authorization_code&code=x", "invalid_request")] // supported now; without client_id, redirect_uri and verifier
    [InlineData("username=a&password=b", "invalid_request")]
    [InlineData("grant_type=password&username=a", "invalid_request")]
    [InlineData("grant_type=refresh_token", "invalid_request")]
    [InlineData("grant_type=client_credentials", "invalid_request")] // no client_id at all: a malformed request (RFC 6749 5.2)
    public async Task Malformed_token_requests_get_rfc6749_errors(string form, string error)
    {
        var district = await api.Database.CreateDistrictAsync();
        var response = await api.ClientFor(district.Slug).PostAsync("/connect/token",
            new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded"));

        Assert.Equal(error, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    Task<HttpResponseMessage> Refresh(string slug, string token) =>
        api.PostTokenAsync(slug, ("grant_type", "refresh_token"), ("refresh_token", token));

    Task<HttpResponseMessage> ClientToken(string slug, string id, string secret, string? scope = null) =>
        api.PostTokenAsync(slug, [("grant_type", "client_credentials"), ("client_id", id), ("client_secret", secret), .. scope == null ? [] : new[] { ("scope", scope) }]);
}
