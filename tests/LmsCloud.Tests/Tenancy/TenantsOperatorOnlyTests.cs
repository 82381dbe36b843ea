using LmsCloud.Core.Districts;
using LmsCloud.Core.Tenancy;
using LmsCloud.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace LmsCloud.Tests.Tenancy;

/// <summary>
/// The global <c>tenants</c> table is the operators' (migration 0007): the application role reads it to resolve
/// districts, and only the owner creates, suspends, resumes or renames one.
/// </summary>
public sealed class TenantsOperatorOnlyTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task The_application_role_reads_tenants_but_cannot_insert_update_or_delete_them()
    {
        var district = await db.CreateDistrictAsync("Alder District");
        await using var conn = await db.OpenAsTenantAsync(district.Id); // even with its own district set

        Assert.Equal("Alder District", await TestDatabase.ScalarAsync<string>(conn, "select name from tenants where id = $1", district.Id));
        foreach (var sql in new[]
                 {
                     "update tenants set status = 'suspended' where id = $1",
                     "update tenants set name = 'Renamed' where id = $1",
                     "insert into tenants (id, slug, name) select gen_random_uuid(), 'intruder', 'Intruder' where $1::uuid is not null",
                     "delete from tenants where id = $1",
                 })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => TestDatabase.ScalarAsync<object>(conn, sql, district.Id));
            Assert.True(refused.SqlState == PostgresErrorCodes.InsufficientPrivilege, $"{sql}: {refused.SqlState} {refused.MessageText}");
        }

        var unchanged = (await DistrictProvisioning.ListAsync(db.App)).Single(d => d.Id == district.Id);
        Assert.Equal(("Alder District", DistrictStatus.Active), (unchanged.Name, unchanged.Status));
        Assert.DoesNotContain(await DistrictProvisioning.ListAsync(db.App), d => d.Slug == "intruder");
    }

    [Fact]
    public async Task Provisioning_as_the_owner_creates_suspends_and_resumes_and_the_profile_is_the_districts_own()
    {
        var slug = $"own{Guid.NewGuid():N}"[..12];

        var created = await DistrictProvisioning.CreateAsync(db.ConnectionStrings, slug, "Lakeside ISD", "America/Denver");

        await using (var conn = await db.OpenAsTenantAsync(created.Id))
            Assert.Equal("America/Denver", await TestDatabase.ScalarAsync<string>(conn, "select time_zone from district_profiles"));
        await DistrictProvisioning.SetStatusAsync(db.ConnectionStrings, slug, DistrictStatus.Suspended);
        Assert.Equal(DistrictStatus.Suspended, (await DistrictProvisioning.ListAsync(db.App)).Single(d => d.Slug == slug).Status);
        await DistrictProvisioning.SetStatusAsync(db.ConnectionStrings, slug, DistrictStatus.Active);
        Assert.Equal(DistrictStatus.Active, (await DistrictProvisioning.ListAsync(db.App)).Single(d => d.Slug == slug).Status);
    }

    [Fact]
    public async Task Without_the_owners_connection_string_provisioning_fails_with_one_line_and_listing_still_works()
    {
        var slug = $"app{Guid.NewGuid():N}"[..12];
        var appOnly = new Dictionary<string, string?> { ["ConnectionStrings:App"] = db.ConnectionStrings.App };

        foreach (var args in new[] { new[] { "tenants", "create", "--slug", slug, "--name", "Lakeside ISD" }, ["tenants", "suspend", "--slug", slug] })
        {
            var (code, _, error) = await RunCliAsync(appOnly, args);
            Assert.Equal(1, code);
            Assert.StartsWith("lms: ", error);
            Assert.Contains("ConnectionStrings__Owner", error);
            Assert.Single(error.TrimEnd().Split('\n'));
        }
        Assert.Equal(0, (await RunCliAsync(appOnly, "tenants", "list")).Code);
        Assert.DoesNotContain(await DistrictProvisioning.ListAsync(db.App), d => d.Slug == slug);
        await Assert.ThrowsAsync<DistrictProvisioningException>(() =>
            DistrictProvisioning.CreateAsync(db.ConnectionStrings with { Owner = null }, slug, "Lakeside ISD", null));
    }

    static async Task<(int Code, string Out, string Error)> RunCliAsync(Dictionary<string, string?> settings, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await LmsCloud.Cli.Cli.RunAsync(args, new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
