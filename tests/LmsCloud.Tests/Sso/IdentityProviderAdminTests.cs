using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using Npgsql;

namespace LmsCloud.Tests.Sso;

/// <summary><c>/api/sso/providers</c>: what a district admin configures, what is never shown back, what is stored.</summary>
public sealed class IdentityProviderAdminTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    static object Valid(string secret) => new
    {
        displayName = "Northwind Google",
        authority = "https://accounts.google.example",
        clientId = "1234.apps.example",
        clientSecret = secret,
        allowedEmailDomains = new[] { "Northwind.Example.org" },
        sisIdClaim = "employee_id",
        linkByVerifiedEmail = true,
    };

    [Fact]
    public async Task The_client_secret_is_never_returned_and_is_stored_only_as_ciphertext()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        var secret = $"GOCSPX-{Guid.NewGuid():N}";

        var created = await admin.PostAsJsonAsync("/api/sso/providers", Valid(secret));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadAsStringAsync();
        Assert.DoesNotContain(secret, body);
        var provider = JsonDocument.Parse(body).RootElement;
        Assert.False(provider.TryGetProperty("clientSecret", out _));
        Assert.Equal(["northwind.example.org"], provider.GetProperty("allowedEmailDomains").EnumerateArray().Select(d => d.GetString()));
        // The district's public URL from configuration (https by default), not the scheme this request came with.
        Assert.Equal($"https://{district.Slug}.localhost/account/sso/callback", provider.GetProperty("redirectUri").GetString());
        var id = provider.GetProperty("id").GetString();
        Assert.DoesNotContain(secret, await admin.GetStringAsync($"/api/sso/providers/{id}"));
        Assert.DoesNotContain(secret, await admin.GetStringAsync("/api/sso/providers"));
        Assert.DoesNotContain(secret, await admin.GetStringAsync("/api/audit/events?action=sso.provider_created"));
        Assert.DoesNotContain(api.Logs, l => l.Message.Contains(secret));

        // As the owner, bypassing nothing but the API: the whole row as text holds no trace of the secret.
        await using var conn = new NpgsqlConnection(api.Database.ConnectionStrings.Owner);
        await conn.OpenAsync();
        await using (var tx = await conn.BeginTransactionAsync())
        {
            await Core.Database.TenantSession.SetAsync(conn, district.Id, transactionLocal: true);
            var row = await TestDatabase.ScalarAsync<string>(conn, "select p::text from identity_providers p where id = $1::uuid", id!);
            Assert.Contains("1234.apps.example", row);
            Assert.DoesNotContain(secret, row);
            Assert.DoesNotContain(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(secret)), row);
        }

        // A new secret replaces the old one, still unreadable, and the change is audited without it.
        var rotated = await admin.PatchAsJsonAsync($"/api/sso/providers/{id}", new { clientSecret = "rotated-secret-value" });
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.DoesNotContain("rotated-secret-value", await rotated.Content.ReadAsStringAsync());
        var audit = await admin.GetFromJsonAsync<JsonElement>("/api/audit/events?action=sso.provider_updated");
        var updated = Assert.Single(audit.GetProperty("items").EnumerateArray());
        Assert.True(updated.GetProperty("after").GetProperty("clientSecretChanged").GetBoolean());
        Assert.DoesNotContain("rotated-secret-value", updated.ToString());
    }

    [Fact]
    public async Task Bad_providers_are_validation_problems_naming_each_field()
    {
        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);

        await HttpAssert.ValidationProblemAsync(await admin.PostAsJsonAsync("/api/sso/providers", new
        {
            displayName = "",
            authority = "http://idp.example/",
            clientId = "x",
            clientSecret = "s",
            sisIdClaim = "employee_id",
        }), "authority", "plain http authority");
        var many = await admin.PostAsJsonAsync("/api/sso/providers", new
        {
            displayName = "",
            authority = "not a url",
            clientId = "",
            allowedEmailDomains = new[] { "@district.example" },
            sisIdClaim = "bad claim!",
        });
        Assert.Equal(HttpStatusCode.BadRequest, many.StatusCode);
        var errors = (await many.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(["allowedEmailDomains", "authority", "clientId", "clientSecret", "displayName", "sisIdClaim"],
            errors.EnumerateObject().Select(e => e.Name).Order());
        await HttpAssert.ValidationProblemAsync(await admin.PostAsJsonAsync("/api/sso/providers", new
        {
            displayName = "No domains",
            authority = "https://idp.example",
            clientId = "x",
            clientSecret = "s",
            linkByVerifiedEmail = true,
        }), "allowedEmailDomains", "email linking without domains");
        await HttpAssert.ValidationProblemAsync(await admin.PostAsJsonAsync("/api/sso/providers", new
        {
            displayName = "Nothing to match on",
            authority = "https://idp.example",
            clientId = "x",
            clientSecret = "s",
        }), "sisIdClaim", "no way to link");
        await HttpAssert.ValidationProblemAsync(await admin.PostAsJsonAsync("/api/sso/providers", new
        {
            displayName = "NUL",
            authority = "https://idp.example",
            clientId = "x\0y",
            clientSecret = "s",
            sisIdClaim = "employee_id",
        }), "clientId", "NUL in client id");
        Assert.Empty((await admin.GetFromJsonAsync<JsonElement>("/api/sso/providers")).EnumerateArray());
        Assert.Empty(api.Errors);
    }

    [Fact]
    public async Task Only_district_admins_manage_providers_and_another_district_sees_none_of_them()
    {
        var district = await api.Database.CreateDistrictAsync();
        var other = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        var teacher = await api.ClientAsAsync(district, Roles.Teacher);
        var otherAdmin = await api.ClientAsAsync(other, Roles.DistrictAdmin);
        var id = (await (await admin.PostAsJsonAsync("/api/sso/providers", Valid("s3cret"))).Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("id").GetString();

        await HttpAssert.ProblemAsync(await teacher.GetAsync("/api/sso/providers"), HttpStatusCode.Forbidden);
        await HttpAssert.ProblemAsync(await teacher.PostAsJsonAsync("/api/sso/providers", Valid("x")), HttpStatusCode.Forbidden);
        Assert.Empty((await otherAdmin.GetFromJsonAsync<JsonElement>("/api/sso/providers")).EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await otherAdmin.GetAsync($"/api/sso/providers/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await otherAdmin.DeleteAsync($"/api/sso/providers/{id}")).StatusCode);
        // The other district's start URL for this provider does not exist either.
        Assert.Equal(HttpStatusCode.NotFound, (await api.ClientFor(other.Slug).GetAsync($"/account/sso/{id}")).StatusCode);

        var renamed = await admin.PatchAsJsonAsync($"/api/sso/providers/{id}", new { displayName = "Google", enabled = false });
        Assert.Equal("Google", (await renamed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("displayName").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await api.ClientFor(district.Slug).GetAsync($"/account/sso/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/sso/providers/{id}")).StatusCode);
        Assert.Empty((await admin.GetFromJsonAsync<JsonElement>("/api/sso/providers")).EnumerateArray());
        var deleted = await admin.GetFromJsonAsync<JsonElement>("/api/audit/events?action=sso.provider_deleted");
        Assert.Equal(id, Assert.Single(deleted.GetProperty("items").EnumerateArray()).GetProperty("entityId").GetString());
    }

    [Fact]
    public async Task The_new_tables_are_tenant_tables_that_show_nothing_without_a_district()
    {
        await using var owner = new NpgsqlConnection(api.Database.ConnectionStrings.Owner);
        await owner.OpenAsync();
        var tables = await RlsCatalog.TenantTablesAsync(owner);
        Assert.Contains("identity_providers", tables);
        Assert.Contains("sso_links", tables);
        Assert.Empty(await RlsCatalog.FindViolationsAsync(owner));

        var district = await api.Database.CreateDistrictAsync();
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/sso/providers", Valid("s3cret"))).StatusCode);
        await using var none = await api.Database.OpenAsTenantAsync(null);
        Assert.Equal(0L, await TestDatabase.ScalarAsync<long>(none, "select count(*) from identity_providers"));
        await using var own = await api.Database.OpenAsTenantAsync(district.Id);
        Assert.Equal(1L, await TestDatabase.ScalarAsync<long>(own, "select count(*) from identity_providers"));
        var other = await api.Database.CreateDistrictAsync();
        var refused = await Assert.ThrowsAsync<PostgresException>(() => TestDatabase.ScalarAsync<object>(own,
            "insert into identity_providers (tenant_id, id, display_name, authority, client_id, client_secret_protected) " +
            "values ($1, gen_random_uuid(), 'x', 'https://x', 'x', 'x') returning id", other.Id));
        Assert.Equal("42501", refused.SqlState);
    }
}
