using System.Net;
using System.Net.Http.Json;
using LmsCloud.Api.Districts;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;

namespace LmsCloud.Tests.Tenancy;

/// <summary>Tenant resolution through the host name, end to end over HTTP.</summary>
public sealed class TenancyHttpTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Each_district_answers_with_its_own_profile_on_its_subdomain()
    {
        var a = await api.Database.CreateDistrictAsync("Alder District");
        var b = await api.Database.CreateDistrictAsync("Birch District");

        var fromA = await api.ClientFor(a.Slug).GetFromJsonAsync<DistrictResponse>("/api/district");
        var fromB = await api.ClientFor(b.Slug).GetFromJsonAsync<DistrictResponse>("/api/district");

        Assert.Equal((a.Slug, "Alder District", "America/Chicago"), (fromA!.Slug, fromA.DisplayName, fromA.TimeZone));
        Assert.Equal((b.Slug, "Birch District"), (fromB!.Slug, fromB.DisplayName));
    }

    [Fact]
    public async Task A_change_made_through_one_district_is_never_visible_from_another()
    {
        var a = await api.Database.CreateDistrictAsync("Alder District");
        var b = await api.Database.CreateDistrictAsync("Birch District");

        var admin = await api.ClientAsAsync(a, Roles.DistrictAdmin);
        var put = await admin.PutAsJsonAsync("/api/district",
            new UpdateDistrictRequest("Alder Unified", "Europe/Berlin", "de-de"));
        put.EnsureSuccessStatusCode();
        var updated = await put.Content.ReadFromJsonAsync<DistrictResponse>();
        Assert.Equal(("Alder Unified", "Europe/Berlin", "de-DE"), (updated!.DisplayName, updated.TimeZone, updated.Locale));

        var fromB = await api.ClientFor(b.Slug).GetFromJsonAsync<DistrictResponse>("/api/district");
        Assert.Equal(("Birch District", "America/Chicago", "en-US"), (fromB!.DisplayName, fromB.TimeZone, fromB.Locale));
        var fromA = await api.ClientFor(a.Slug).GetFromJsonAsync<DistrictResponse>("/api/district");
        Assert.Equal("Alder Unified", fromA!.DisplayName);
    }

    [Fact]
    public async Task Headers_cannot_choose_the_district()
    {
        var a = await api.Database.CreateDistrictAsync("Alder District");
        var b = await api.Database.CreateDistrictAsync("Birch District");
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/district");
        request.Headers.Add("X-Tenant", b.Slug);
        request.Headers.Add("X-Tenant-Id", b.Id.ToString());
        request.Headers.Add("X-Forwarded-Host", $"{b.Slug}.localhost");

        var response = await api.ClientFor(a.Slug).SendAsync(request);

        Assert.Equal(a.Slug, (await response.Content.ReadFromJsonAsync<DistrictResponse>())!.Slug);
    }

    [Theory]
    [InlineData("nosuch")]
    [InlineData(null)]
    public async Task An_unknown_or_missing_district_is_a_404_problem(string? slug)
    {
        var client = slug == null ? api.CreateClient() : api.ClientFor(slug);

        var response = await client.GetAsync("/api/district");

        var problem = await HttpAssert.ProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal("Unknown district", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task A_suspended_district_is_refused_and_answers_again_when_resumed()
    {
        var a = await api.Database.CreateDistrictAsync();
        var client = api.ClientFor(a.Slug);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/district")).StatusCode); // now cached as active

        await DistrictProvisioning.SetStatusAsync(api.Database.ConnectionStrings, a.Slug, DistrictStatus.Suspended);
        var refused = await Eventually.MatchAsync(() => client.GetAsync("/api/district"), r => r.StatusCode == HttpStatusCode.Forbidden);
        var problem = await HttpAssert.ProblemAsync(refused, HttpStatusCode.Forbidden);
        Assert.Equal("District suspended", problem.GetProperty("title").GetString());

        await DistrictProvisioning.SetStatusAsync(api.Database.ConnectionStrings, a.Slug, DistrictStatus.Active);
        var resumed = await Eventually.MatchAsync(() => client.GetAsync("/api/district"), r => r.StatusCode == HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
    }

    [Fact]
    public async Task A_district_created_while_the_api_runs_answers_without_a_restart()
    {
        var slug = $"new{Guid.NewGuid():N}"[..12];
        var client = api.ClientFor(slug);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/district")).StatusCode); // cached as unknown

        await DistrictProvisioning.CreateAsync(api.Database.ConnectionStrings, slug, "Brand New District", null);

        var response = await Eventually.MatchAsync(() => client.GetAsync("/api/district"), r => r.StatusCode == HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Invalid_settings_are_a_validation_problem_naming_each_field_and_change_nothing()
    {
        var a = await api.Database.CreateDistrictAsync("Alder District");
        var client = await api.ClientAsAsync(a, Roles.DistrictAdmin);

        var response = await client.PutAsJsonAsync("/api/district", new UpdateDistrictRequest(" ", "Mars/Olympus", "xx-NOPE"));

        var problem = await HttpAssert.ProblemAsync(response, HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("displayName", out _));
        Assert.True(errors.TryGetProperty("timeZone", out _));
        Assert.True(errors.TryGetProperty("locale", out _));
        Assert.Equal("Alder District", (await client.GetFromJsonAsync<DistrictResponse>("/api/district"))!.DisplayName);
    }

    [Fact]
    public async Task Malformed_json_and_unknown_routes_are_problems_too()
    {
        var a = await api.Database.CreateDistrictAsync();
        var client = await api.ClientAsAsync(a, Roles.DistrictAdmin);

        var malformed = await client.PutAsync("/api/district", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        await HttpAssert.ProblemAsync(malformed, HttpStatusCode.BadRequest);
        await HttpAssert.ProblemAsync(await client.GetAsync("/api/nothing-here"), HttpStatusCode.NotFound);
    }
}
