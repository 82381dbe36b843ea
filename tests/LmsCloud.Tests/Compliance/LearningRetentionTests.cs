using System.IO.Compression;
using System.Text.Json;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Compliance;
using LmsCloud.Core.Compliance.Erasure;
using LmsCloud.Core.Compliance.Export;
using LmsCloud.Core.Compliance.Holds;
using LmsCloud.Core.Compliance.Retention;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using LmsCloud.Tests.Learning;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LmsCloud.Tests.Compliance;

/// <summary>
/// Retention and erasure of the learning core's records (docs/compliance.md, "Learning records"): a month of raw
/// activity goes by dropping its partition once it is past the period, folded by the rollup and not held; a held
/// student's events stay (the month's other rows are deleted instead); a partition another district still uses is
/// only emptied of this district's rows; an erasure removes the student's progress, time and activity in every
/// partition, and the subject export has them. Each test uses months of its own, long past, so partitions are not shared
/// between tests (they are shared between districts, which is the point of one test).
/// </summary>
public sealed class LearningRetentionTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    static readonly AuditActor Operator = AuditActor.Operator("learning-retention-test");

    Task<T> InDistrictAsync<T>(DistrictSummary district, Func<IServiceProvider, Task<T>> work) =>
        DistrictScope.RunAsync(api.Services, new District(district.Id, district.Slug, district.Name, DistrictStatus.Active), work);

    async Task<int> ExecAsync(DistrictSummary district, string sql, params object[] parameters)
    {
        await using var conn = await api.Database.OpenAsTenantAsync(district.Id);
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var p in parameters) cmd.Parameters.AddWithValue(p);
        return await cmd.ExecuteNonQueryAsync();
    }

    async Task<long> CountAsync(DistrictSummary district, string sql, params object[] parameters)
    {
        await using var conn = await api.Database.OpenAsTenantAsync(district.Id);
        return await TestDatabase.ScalarAsync<long>(conn, sql, parameters);
    }

    /// <summary>Whether the month's partition exists (the catalog, which every role reads).</summary>
    async Task<bool> PartitionExistsAsync(DistrictSummary district, DateOnly month)
    {
        await using var conn = await api.Database.OpenAsTenantAsync(district.Id);
        return await TestDatabase.ScalarAsync<bool>(conn, "select to_regclass($1) is not null", $"public.activity_events_{month:yyyy_MM}");
    }

    /// <summary><paramref name="count"/> events of the student on the 10th of <paramref name="month"/> (its partition made first, as ingest does).</summary>
    async Task EventsAsync(DistrictSummary district, Guid student, DateOnly month, int count)
    {
        await ExecAsync(district, "select ensure_activity_partitions($1, 1)", month);
        await ExecAsync(district, """
            insert into activity_events (tenant_id, occurred_at, student_id, shell_id, module_item_id, kind)
            select $1, $3 + make_interval(mins => g), $2, gen_random_uuid(), gen_random_uuid(), 'heartbeat' from generate_series(1, $4) g
            """, district.Id, student, new DateTime(month.Year, month.Month, 10, 12, 0, 0, DateTimeKind.Utc), count);
    }

    /// <summary>The district's rollup has folded everything received before <paramref name="until"/>.</summary>
    Task<int> FoldedUntilAsync(DistrictSummary district, DateTimeOffset until) => ExecAsync(district, """
        insert into activity_rollup_state (tenant_id, folded_until, last_run_at) values ($1, $2, now())
        on conflict (tenant_id) do update set folded_until = excluded.folded_until
        """, district.Id, until.UtcDateTime);

    Task<Guid> HoldAsync(DistrictSummary district, string scope, Guid? id, string reason) =>
        InDistrictAsync(district, s => s.GetRequiredService<LegalHolds>().PlaceAsync(scope, id, reason, Operator));

    async Task<(IReadOnlyList<RetentionItemView> Reported, IReadOnlyList<RetentionItemView> Done)> ReportAndRunAsync(DistrictSummary district)
    {
        var report = await InDistrictAsync(district, s => s.GetRequiredService<RetentionRuns>().ReportAsync("cli", Operator));
        Assert.Null(report.Error);
        var id = report.Run!.Id;
        var reported = await ActivityItemsAsync(district, id);
        Assert.Null((await InDistrictAsync(district, s => s.GetRequiredService<RetentionRuns>().ApproveAsync(id, Operator, "checked"))).Error);
        var done = await InDistrictAsync(district, s => s.GetRequiredService<RetentionRuns>().ExecuteAsync(id, Operator));
        Assert.True(done.Error == null, done.Error?.Message);
        Assert.Equal(RetentionRunStates.Completed, done.Run!.State);
        return (reported, await ActivityItemsAsync(district, id));
    }

    async Task<IReadOnlyList<RetentionItemView>> ActivityItemsAsync(DistrictSummary district, Guid runId) =>
        (await InDistrictAsync(district, s => s.GetRequiredService<RetentionRuns>().ItemsAsync(runId)))
        .Where(i => i.Kind == RetentionItemKinds.ActivityMonth).ToList();

    [Fact]
    public async Task A_folded_month_past_the_period_is_reported_with_its_count_and_its_partition_dropped()
    {
        var district = await api.Database.CreateDistrictAsync();
        var a = (await api.CreateUserAsync(district, Roles.Student)).Id;
        var b = (await api.CreateUserAsync(district, Roles.Student)).Id;
        var old = new DateOnly(2023, 2, 1);
        var recent = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(-1));
        recent = new DateOnly(recent.Year, recent.Month, 1);
        await EventsAsync(district, a, old, 3);
        await EventsAsync(district, b, old, 2);
        await ExecAsync(district, """
            insert into activity_events (tenant_id, occurred_at, student_id, shell_id, module_item_id, kind)
            values ($1, now() - interval '1 hour', $2, gen_random_uuid(), gen_random_uuid(), 'view')
            """, district.Id, a);
        await FoldedUntilAsync(district, DateTimeOffset.UtcNow);

        var (reported, done) = await ReportAndRunAsync(district);

        var item = Assert.Single(reported); // this month's event is not due
        Assert.Equal(RetentionRuns.ActivityMonthId(old), item.TargetId);
        Assert.Equal(old, RetentionRuns.ActivityMonthOf(item.TargetId));
        Assert.Equal(5, item.Rows);
        Assert.Null(item.HoldId);
        Assert.Contains("2023-02 (2 students)", item.Why);
        var outcome = Assert.Single(done);
        Assert.Equal(RetentionOutcomes.Done, outcome.Outcome);
        Assert.Equal(5, outcome.OutcomeRows);
        Assert.Contains("dropped", outcome.OutcomeReason);
        Assert.False(await PartitionExistsAsync(district, old));
        Assert.Equal(1L, await CountAsync(district, "select count(*) from activity_events"));
        Assert.True(await PartitionExistsAsync(district, recent));
        Assert.Equal(1L, await CountAsync(district,
            "select count(*) from audit_events where action = 'retention.purged' and entity_type = 'activity_events' and entity_id = '2023-02'"));
    }

    [Fact]
    public async Task A_month_the_rollup_has_not_folded_is_not_due_and_the_database_refuses_to_drop_it()
    {
        var district = await api.Database.CreateDistrictAsync();
        var a = (await api.CreateUserAsync(district, Roles.Student)).Id;
        var month = new DateOnly(2023, 4, 1);
        await EventsAsync(district, a, month, 4);
        await FoldedUntilAsync(district, new DateTimeOffset(2023, 4, 20, 0, 0, 0, TimeSpan.Zero)); // mid-month

        var (reported, _) = await ReportAndRunAsync(district);

        Assert.Empty(reported);
        Assert.True(await PartitionExistsAsync(district, month));
        Assert.Equal(4L, await CountAsync(district, "select count(*) from activity_events where student_id = $1", a));
        // The function checks it too, whoever calls it.
        await using var conn = await api.Database.OpenAsTenantAsync(district.Id);
        Assert.Equal("not_folded", await TestDatabase.ScalarAsync<string>(conn, "select drop_activity_partition($1)", month));
        Assert.True(await PartitionExistsAsync(district, month));
    }

    [Fact]
    public async Task A_held_students_events_stay_and_the_months_other_rows_are_deleted_instead_of_dropping_the_partition()
    {
        var district = await api.Database.CreateDistrictAsync();
        var held = (await api.CreateUserAsync(district, Roles.Student)).Id;
        var other = (await api.CreateUserAsync(district, Roles.Student)).Id;
        var month = new DateOnly(2023, 6, 1);
        await EventsAsync(district, held, month, 2);
        await EventsAsync(district, other, month, 3);
        await FoldedUntilAsync(district, DateTimeOffset.UtcNow);
        await HoldAsync(district, "person", held, "Records request from counsel");

        var (reported, done) = await ReportAndRunAsync(district);

        var item = Assert.Single(reported);
        Assert.Equal(5, item.Rows);
        Assert.Contains("1 students are under a legal hold", item.Why);
        var outcome = Assert.Single(done);
        Assert.Equal(RetentionOutcomes.Done, outcome.Outcome);
        Assert.Equal(3, outcome.OutcomeRows);
        Assert.Contains("legal hold keep their 2 events", outcome.OutcomeReason);
        Assert.True(await PartitionExistsAsync(district, month));
        Assert.Equal(2L, await CountAsync(district, "select count(*) from activity_events where student_id = $1", held));
        Assert.Equal(0L, await CountAsync(district, "select count(*) from activity_events where student_id = $1", other));
    }

    [Fact]
    public async Task A_district_hold_keeps_the_whole_month()
    {
        var district = await api.Database.CreateDistrictAsync();
        var a = (await api.CreateUserAsync(district, Roles.Student)).Id;
        var month = new DateOnly(2023, 7, 1);
        await EventsAsync(district, a, month, 2);
        await FoldedUntilAsync(district, DateTimeOffset.UtcNow);
        var hold = await HoldAsync(district, "district", null, "State audit");

        var (reported, done) = await ReportAndRunAsync(district);

        Assert.Equal(hold, Assert.Single(reported).HoldId);
        Assert.Equal(RetentionOutcomes.Held, Assert.Single(done).Outcome);
        Assert.True(await PartitionExistsAsync(district, month));
        Assert.Equal(2L, await CountAsync(district, "select count(*) from activity_events"));
    }

    [Fact]
    public async Task A_month_shared_with_another_district_loses_only_this_districts_rows_and_the_last_district_drops_it()
    {
        var first = await api.Database.CreateDistrictAsync();
        var second = await api.Database.CreateDistrictAsync();
        var a = (await api.CreateUserAsync(first, Roles.Student)).Id;
        var b = (await api.CreateUserAsync(second, Roles.Student)).Id;
        var month = new DateOnly(2023, 8, 1);
        await EventsAsync(first, a, month, 3);
        await EventsAsync(second, b, month, 4);
        await FoldedUntilAsync(first, DateTimeOffset.UtcNow);
        await FoldedUntilAsync(second, DateTimeOffset.UtcNow);

        var (_, firstDone) = await ReportAndRunAsync(first);

        var outcome = Assert.Single(firstDone);
        Assert.Equal(RetentionOutcomes.Done, outcome.Outcome);
        Assert.Equal(3, outcome.OutcomeRows);
        Assert.Contains("other districts", outcome.OutcomeReason);
        Assert.Equal(0L, await CountAsync(first, "select count(*) from activity_events"));
        Assert.Equal(4L, await CountAsync(second, "select count(*) from activity_events")); // untouched
        Assert.True(await PartitionExistsAsync(second, month));

        var (secondReported, secondDone) = await ReportAndRunAsync(second);

        Assert.Equal(4, Assert.Single(secondReported).Rows);
        Assert.Equal(RetentionOutcomes.Done, Assert.Single(secondDone).Outcome);
        Assert.Contains("dropped", Assert.Single(secondDone).OutcomeReason);
        Assert.False(await PartitionExistsAsync(second, month));
    }

    [Fact]
    public async Task Erasing_a_student_removes_their_progress_time_and_activity_in_every_partition_and_their_export_has_them()
    {
        var shells = await ShellTestDistrict.CreateAsync(api);
        var district = shells.District;
        var teacher = await shells.AsAsync("nw-t-001", Roles.Teacher);
        var shell = await shells.ShellOfAsync("nw-cls-alg1-p1");
        var (_, item) = await ShellTestDistrict.PublishedLessonAsync(teacher, shell);
        var student = await shells.IdAsync("users", "nw-s-001");
        var peer = await shells.IdAsync("users", "nw-s-002");
        foreach (var person in new[] { student, peer })
        {
            await EventsAsync(district, person, new DateOnly(2023, 10, 1), 2);
            await EventsAsync(district, person, new DateOnly(2023, 11, 1), 3);
            await ExecAsync(district, """
                insert into item_progress (tenant_id, student_id, module_item_id, shell_id, first_viewed_at, last_viewed_at, completed_at, time_spent_s)
                values ($1, $2, $3, $4, now(), now(), now(), 120)
                """, district.Id, person, item, shell);
            await ExecAsync(district, "insert into shell_progress (tenant_id, shell_id, student_id, completed_required_count) values ($1, $3, $2, 1)",
                district.Id, person, shell);
            await ExecAsync(district, """
                insert into item_time_daily (tenant_id, day, student_id, module_item_id, shell_id, seconds, events)
                values ($1, current_date - 1, $2, $3, $4, 120, 5)
                """, district.Id, person, item, shell);
        }
        string[] learning = ["activity_events", "item_progress", "shell_progress", "item_time_daily"];

        // The subject export has each learning table's rows of the student, and none of the peer.
        await using (var conn = await api.Database.OpenAsTenantAsync(district.Id))
        {
            using var zipStream = new MemoryStream();
            await ExportWriter.WriteAsync(conn, new ExportScope(district.Id, district.Slug, district.Name, Guid.NewGuid(), student), zipStream,
                api.Services.GetRequiredService<PlatformKeys>(), DateTimeOffset.UtcNow,
                entries: DataMap.Entries.Where(e => learning.Contains(e.Table)).ToList());
            using var zip = new ZipArchive(new MemoryStream(zipStream.ToArray()), ZipArchiveMode.Read);
            foreach (var (table, rows) in new[] { ("activity_events", 5), ("item_progress", 1), ("shell_progress", 1), ("item_time_daily", 1) })
            {
                using var reader = new StreamReader(zip.GetEntry($"data/{table}.json")!.Open());
                var exported = JsonDocument.Parse(await reader.ReadToEndAsync()).RootElement.EnumerateArray().ToList();
                Assert.Equal(rows, exported.Count);
                Assert.All(exported, r => Assert.Equal(student, r.GetProperty("student_id").GetGuid()));
            }
        }

        var result = await InDistrictAsync(district, sp => sp.GetRequiredService<PersonErasure>()
            .EraseAsync(student, new ErasureContext(Operator, null, null, "learning erasure test")));

        Assert.True(result.Erased);
        foreach (var table in learning)
        {
            Assert.Equal(0L, await CountAsync(district, $"select count(*) from {table} where student_id = $1", student));
            Assert.True(await CountAsync(district, $"select count(*) from {table} where student_id = $1", peer) > 0, $"{table}: the peer's rows went too");
        }
        Assert.Equal(5, result.Counts.Where(c => c.Table == "activity_events").Sum(c => c.Rows));
    }
}
