using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;

namespace LmsCloud.Tests.Audit;

/// <summary>
/// The one audit filter (<see cref="AuditFilter"/>) the API and the audit page share: the entity filters and the date
/// range check over HTTP, a district's midnight as an instant, and the verification saying why a chain is broken.
/// </summary>
public sealed class AuditQueryTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task The_api_filters_by_entity_and_refuses_a_range_that_ends_before_it_starts()
    {
        var district = await api.Database.CreateDistrictAsync();
        var officer = await api.ClientAsAsync(district, Roles.ComplianceOfficer);
        var teacher = await api.CreateUserAsync(district, Roles.Teacher); // user.created, role.granted, password.set on "user" {id}

        var events = (await officer.GetFromJsonAsync<JsonElement>($"/api/audit/events?entity=user&entityId={teacher.Id}"))
            .GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["password.set", "role.granted", "user.created"], events.Select(e => e.GetProperty("action").GetString()));
        Assert.All(events, e => Assert.Equal(teacher.Id.ToString(), e.GetProperty("entityId").GetString()));
        Assert.Empty((await officer.GetFromJsonAsync<JsonElement>("/api/audit/events?entity=grade")).GetProperty("items").EnumerateArray());

        var backwards = await officer.GetAsync("/api/audit/events?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z");
        var problem = await HttpAssert.ProblemAsync(backwards, HttpStatusCode.BadRequest);
        Assert.Equal("The end of the date range comes before its start.", problem.GetProperty("errors").GetProperty("to")[0].GetString());
        var nul = await HttpAssert.ProblemAsync(await officer.GetAsync("/api/audit/events?entity=us%00er"), HttpStatusCode.BadRequest);
        Assert.True(nul.GetProperty("errors").TryGetProperty("entity", out _));
    }

    [Fact]
    public void A_day_starts_at_the_districts_midnight_or_its_first_minute_when_the_clock_skips_it()
    {
        var chicago = TimeZoneInfo.FindSystemTimeZoneById("America/Chicago");
        Assert.Equal(DateTimeOffset.Parse("2026-12-01T06:00:00Z"), AuditQuery.StartOfDay(new DateOnly(2026, 12, 1), chicago));
        Assert.Equal(DateTimeOffset.Parse("2026-07-01T05:00:00Z"), AuditQuery.StartOfDay(new DateOnly(2026, 7, 1), chicago));
        // Cuba moves its clocks from 00:00 to 01:00: 8 March 2026 starts at 01:00 CDT (UTC-04:00).
        var havana = TimeZoneInfo.FindSystemTimeZoneById("America/Havana");
        Assert.Equal(DateTimeOffset.Parse("2026-03-08T05:00:00Z"), AuditQuery.StartOfDay(new DateOnly(2026, 3, 8), havana));
    }
}
