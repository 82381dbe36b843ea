using LmsCloud.Core.Districts;
using LmsCloud.Core.Learning.Progress;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using Npgsql;

namespace LmsCloud.Tests.Learning;

/// <summary>Activity events (month partitions, idempotent batches) and the daily rollup of time on task (idle cutoff, re-runs, late events).</summary>
public sealed class ProgressActivityTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    const int Cutoff = 90;
    static readonly Guid Shell = Guid.NewGuid();

    async Task<(DistrictSummary District, Guid Student)> DistrictWithStudentAsync()
    {
        var district = await api.Database.CreateDistrictAsync(); // America/Chicago
        var student = await api.CreateUserAsync(district, Roles.Student);
        return (district, student.Id);
    }

    async Task<int> AppendAsync(Guid tenant, params ActivityEvent[] events)
    {
        await using var db = api.Database.CreateContext(tenant);
        return await new ActivityLog(db).AppendAsync(events, CancellationToken.None);
    }

    async Task<RollupResult> RollupAsync(Guid tenant)
    {
        await using var db = api.Database.CreateContext(tenant);
        return await new DailyRollup(db, TimeProvider.System).RunAsync(TimeSpan.Zero, Cutoff);
    }

    async Task<List<(DateOnly Day, Guid Item, int Seconds, int Events)>> DailyAsync(Guid tenant, Guid student)
    {
        await using var conn = await api.Database.OpenAsTenantAsync(tenant);
        await using var cmd = new NpgsqlCommand("select day, module_item_id, seconds, events from item_time_daily where student_id = $1 order by day, module_item_id", conn);
        cmd.Parameters.AddWithValue(student);
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<(DateOnly, Guid, int, int)>();
        while (await reader.ReadAsync()) rows.Add((DateOnly.FromDateTime(reader.GetDateTime(0)), reader.GetGuid(1), reader.GetInt32(2), reader.GetInt32(3)));
        return rows;
    }

    /// <summary>
    /// Noon in the district's time zone (America/Chicago) <paramref name="daysAgo"/> days back: a visit of a few minutes
    /// then stays inside one local day whenever the tests run (one at "now minus two hours" crossed local midnight).
    /// </summary>
    static DateTimeOffset LocalNoon(int daysAgo)
    {
        var chicago = TimeZoneInfo.FindSystemTimeZoneById("America/Chicago");
        var noon = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, chicago).Date.AddDays(-daysAgo).AddHours(12);
        return new DateTimeOffset(noon, chicago.GetUtcOffset(noon));
    }

    static ActivityEvent Beat(Guid student, Guid item, DateTimeOffset at, string kind = ActivityKinds.Heartbeat, Guid? id = null) =>
        new(student, Shell, item, kind, at, Id: id);

    [Fact]
    public async Task Heartbeats_count_the_time_between_them_and_a_long_gap_only_up_to_the_idle_cutoff()
    {
        var (district, student) = await DistrictWithStudentAsync();
        var item = Guid.NewGuid();
        var t = LocalNoon(daysAgo: 1);
        await AppendAsync(district.Id,
            Beat(student, item, t, ActivityKinds.View),      // starts the visit: nothing
            Beat(student, item, t.AddSeconds(30)),           // 30
            Beat(student, item, t.AddSeconds(60)),           // 30
            Beat(student, item, t.AddSeconds(660)),          // 10 minutes idle: the cutoff, 90
            Beat(student, item, t.AddSeconds(690)));         // 30

        await RollupAsync(district.Id);

        var day = Assert.Single(await DailyAsync(district.Id, student));
        Assert.Equal(180, day.Seconds);
        Assert.Equal(5, day.Events);
        Assert.Equal(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(t, TimeZoneInfo.FindSystemTimeZoneById("America/Chicago")).DateTime), day.Day);
    }

    [Fact]
    public async Task A_resent_batch_is_stored_once_and_rerunning_a_day_does_not_add_twice()
    {
        var (district, student) = await DistrictWithStudentAsync();
        var item = Guid.NewGuid();
        var t = LocalNoon(daysAgo: 1);
        var batch = Enumerable.Range(0, 10).Select(i => Beat(student, item, t.AddSeconds(20 * i), id: Guid.NewGuid())).ToArray();

        Assert.Equal(10, await AppendAsync(district.Id, batch));
        Assert.Equal(0, await AppendAsync(district.Id, batch)); // the client retried after a timeout

        await RollupAsync(district.Id);
        var first = Assert.Single(await DailyAsync(district.Id, student));
        Assert.Equal(Cutoff + 9 * 20, first.Seconds); // the first beat has no earlier one: the cutoff

        await using (var db = api.Database.CreateContext(district.Id))
        {
            var rollup = new DailyRollup(db, TimeProvider.System);
            await rollup.RecomputeDayAsync(first.Day, Cutoff);
            await rollup.RecomputeDayAsync(first.Day, Cutoff);
        }
        Assert.Equal(first, Assert.Single(await DailyAsync(district.Id, student)));

        var again = await RollupAsync(district.Id); // nothing new received
        Assert.Empty(again.Days);
        Assert.Equal(first, Assert.Single(await DailyAsync(district.Id, student)));
    }

    [Fact]
    public async Task A_late_event_for_a_day_already_rolled_up_is_folded_on_the_next_run()
    {
        var (district, student) = await DistrictWithStudentAsync();
        var item = Guid.NewGuid();
        var t = LocalNoon(daysAgo: 3);
        await AppendAsync(district.Id, Beat(student, item, t, ActivityKinds.View), Beat(student, item, t.AddSeconds(30)));
        var first = await RollupAsync(district.Id);
        Assert.Equal([DateOnly.FromDateTime(t.DateTime)], first.Days);
        Assert.Equal(30, Assert.Single(await DailyAsync(district.Id, student)).Seconds);

        // A tablet that was offline sends its buffered beats for that day two days later.
        await AppendAsync(district.Id, Beat(student, item, t.AddSeconds(60)), Beat(student, item, t.AddSeconds(90)));
        var second = await RollupAsync(district.Id);

        Assert.Equal([DateOnly.FromDateTime(t.DateTime)], second.Days);
        var day = Assert.Single(await DailyAsync(district.Id, student));
        Assert.Equal(90, day.Seconds);
        Assert.Equal(4, day.Events);
    }

    [Fact]
    public async Task Events_across_a_month_boundary_land_in_two_partitions_made_on_demand_and_still_add_up()
    {
        var (district, student) = await DistrictWithStudentAsync();
        var other = await api.Database.CreateDistrictAsync();
        var item = Guid.NewGuid();
        // Far enough ahead that no job has made these months yet: the insert makes them.
        var year = 2090 + Random.Shared.Next(0, 9);
        var boundary = new DateTimeOffset(year, 3, 1, 0, 0, 0, TimeSpan.Zero); // 18:00 the day before in Chicago: one local day
        var localDay = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(boundary, TimeZoneInfo.FindSystemTimeZoneById("America/Chicago")).DateTime);
        await AppendAsync(district.Id,
            Beat(student, item, boundary.AddSeconds(-45), ActivityKinds.View),
            Beat(student, item, boundary.AddSeconds(-15)),
            Beat(student, item, boundary.AddSeconds(15)),
            Beat(student, item, boundary.AddSeconds(45)));

        await using var conn = await api.Database.OpenAsTenantAsync(district.Id);
        var feb = $"activity_events_{year}_02";
        var mar = $"activity_events_{year}_03";
        Assert.Equal(2L, await TestDatabase.ScalarAsync<long>(conn, $"select count(*) from {feb}"));
        Assert.Equal(2L, await TestDatabase.ScalarAsync<long>(conn, $"select count(*) from {mar}"));
        Assert.True(await TestDatabase.ScalarAsync<bool>(conn,
            $"select bool_and(relrowsecurity and relforcerowsecurity) and count(*) = 2 from pg_class where relname in ('{feb}', '{mar}')"));
        await using (var stranger = await api.Database.OpenAsTenantAsync(other.Id))
            Assert.Equal(0L, await TestDatabase.ScalarAsync<long>(stranger, $"select count(*) from {mar}")); // a partition reached directly is still isolated

        await using (var db = api.Database.CreateContext(district.Id))
            await new DailyRollup(db, TimeProvider.System).RecomputeDayAsync(localDay, Cutoff);
        var day = Assert.Single(await DailyAsync(district.Id, student));
        Assert.Equal(localDay, day.Day);
        Assert.Equal(90, day.Seconds); // 30 + 30 (across the partitions) + 30
    }

    [Fact]
    public async Task The_rollup_of_one_district_never_sees_another_districts_events()
    {
        var (a, studentA) = await DistrictWithStudentAsync();
        var (b, studentB) = await DistrictWithStudentAsync();
        var item = Guid.NewGuid();
        var t = LocalNoon(daysAgo: 1);
        await AppendAsync(a.Id, Beat(studentA, item, t, ActivityKinds.View), Beat(studentA, item, t.AddSeconds(30)));
        await AppendAsync(b.Id, Beat(studentB, item, t, ActivityKinds.View), Beat(studentB, item, t.AddSeconds(50)));

        await RollupAsync(a.Id);

        Assert.Equal(30, Assert.Single(await DailyAsync(a.Id, studentA)).Seconds);
        Assert.Empty(await DailyAsync(b.Id, studentB));
    }
}
