using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Api.Districts;
using LmsCloud.Core.Districts;
using LmsCloud.Tests.Infrastructure;

namespace LmsCloud.Tests.Districts;

public sealed class DevelopmentApiFactory : ApiFactory
{
    protected override string EnvironmentName => "Development";
}

public sealed class DevelopmentSeedTests(DevelopmentApiFactory api) : IClassFixture<DevelopmentApiFactory>
{
    [Fact]
    public async Task An_empty_development_database_gets_northwind_and_riverside()
    {
        var northwind = await api.ClientFor("northwind").GetFromJsonAsync<DistrictResponse>("/api/district");
        var riverside = await api.ClientFor("riverside").GetFromJsonAsync<DistrictResponse>("/api/district");

        Assert.Equal(("northwind", "America/Chicago"), (northwind!.Slug, northwind.TimeZone));
        Assert.Equal("riverside", riverside!.Slug);
        Assert.Equal(["northwind", "riverside"], (await DistrictProvisioning.ListAsync(api.Database.App)).Select(d => d.Slug));
    }

    [Fact]
    public async Task The_demo_users_sign_in_and_see_the_imported_sample_roster()
    {
        foreach (var (slug, classes) in new[] { ("northwind", 6), ("riverside", 6) })
        {
            var admin = new TestUser(Guid.Empty, $"admin@{slug}.test", slug);
            var token = (await api.SignInAsync(admin, LmsCloud.Api.Development.DevelopmentSeed.Password)).GetProperty("access_token").GetString()!;
            // /api/classes is a page (PagedList): { items, page, pageSize, total }.
            var listed = await api.ClientFor(slug, token).GetFromJsonAsync<JsonElement>("/api/classes");
            Assert.Equal(classes, listed.GetProperty("items").GetArrayLength());
            Assert.Equal((1, classes), (listed.GetProperty("page").GetInt32(), listed.GetProperty("total").GetInt32()));
        }
    }
}
