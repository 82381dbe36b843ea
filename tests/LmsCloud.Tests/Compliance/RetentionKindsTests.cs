using LmsCloud.Core.Audit;
using LmsCloud.Core.Compliance;
using LmsCloud.Core.Compliance.Holds;
using LmsCloud.Core.Compliance.Retention;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Tenancy;
using LmsCloud.Tests.Infrastructure;
using LmsCloud.Tests.Rostering;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LmsCloud.Tests.Compliance;

/// <summary>
/// The retention kinds for what used to be kept for ever: spent password reset tokens, revoked integration clients and
/// closed compliance requests (with their timeline and export rows). Each: a due item in the dry run, purged on
/// approval, a not-yet-due peer kept, a held one skipped. Also the coverage rule (every period is carried out by some
/// kind or the data map says why not) and the report's CSV.
/// </summary>
public sealed class RetentionKindsTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    static readonly AuditActor Operator = AuditActor.Operator("retention-kinds-test");

    async Task<(DistrictSummary District, Guid A, Guid B, Guid C)> DistrictWithPeopleAsync()
    {
        var district = await api.Database.CreateDistrictAsync();
        await RosterSamples.ImportDirectlyAsync(api.Database, district.Id, "northwind-1.1-bulk");
        var a = await RosterSamples.InternalIdAsync(api.Database, district.Id, "users", "nw-s-001");
        var b = await RosterSamples.InternalIdAsync(api.Database, district.Id, "users", "nw-s-002");
        var c = await RosterSamples.InternalIdAsync(api.Database, district.Id, "users", "nw-s-003");
        return (district, a, b, c);
    }

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
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var p in parameters) cmd.Parameters.AddWithValue(p);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }

    Task<T> InDistrictAsync<T>(DistrictSummary district, Func<IServiceProvider, Task<T>> work) =>
        DistrictScope.RunAsync(api.Services, new District(district.Id, district.Slug, district.Name, DistrictStatus.Active), work);

    Task<RetentionOutcome> RunsAsync(DistrictSummary district, Func<RetentionRuns, Task<RetentionOutcome>> work) =>
        InDistrictAsync(district, scope => work(scope.GetRequiredService<RetentionRuns>()));

    Task<Guid> HoldAsync(DistrictSummary district, string scope, Guid? id, string reason) =>
        InDistrictAsync(district, s => s.GetRequiredService<LegalHolds>().PlaceAsync(scope, id, reason, Operator));

    /// <summary>The dry run's items of <paramref name="kind"/>, then (after <paramref name="beforeRun"/>) the run's items.</summary>
    async Task<(IReadOnlyList<RetentionItemView> Reported, IReadOnlyList<RetentionItemView> Done)> ReportAndRunAsync(DistrictSummary district, string kind,
        Func<Task>? beforeRun = null)
    {
        var report = await RunsAsync(district, r => r.ReportAsync("cli", Operator));
        Assert.Null(report.Error);
        var id = report.Run!.Id;
        var reported = (await InDistrictAsync(district, s => s.GetRequiredService<RetentionRuns>().ItemsAsync(id))).Where(i => i.Kind == kind).ToList();
        if (beforeRun != null) await beforeRun();
        Assert.Null((await RunsAsync(district, r => r.ApproveAsync(id, Operator, "checked"))).Error);
        var done = await RunsAsync(district, r => r.ExecuteAsync(id, Operator));
        Assert.True(done.Error == null, done.Error?.Message);
        Assert.Equal(RetentionRunStates.Completed, done.Run!.State);
        var items = (await InDistrictAsync(district, s => s.GetRequiredService<RetentionRuns>().ItemsAsync(id))).Where(i => i.Kind == kind).ToList();
        return (reported, items);
    }

    [Fact]
    public async Task Spent_password_reset_tokens_are_purged_after_their_period_except_a_held_persons()
    {
        var (district, due, held, fresh) = await DistrictWithPeopleAsync();
        const string insert = """
            insert into password_reset_tokens (tenant_id, id, user_id, token_hash, created_at, expires_at, used_at)
            values ($1, gen_random_uuid(), $2, sha256(gen_random_uuid()::text::bytea), now() - $3, now() - $3 + interval '1 hour', $4)
            """;
        await ExecAsync(district, insert, district.Id, due, TimeSpan.FromDays(90), DBNull.Value);           // expired 90 days ago
        await ExecAsync(district, insert, district.Id, due, TimeSpan.FromDays(60), DateTime.UtcNow.AddDays(-60)); // used 60 days ago
        await ExecAsync(district, insert, district.Id, held, TimeSpan.FromDays(90), DBNull.Value);
        await ExecAsync(district, insert, district.Id, fresh, TimeSpan.FromDays(5), DBNull.Value);           // P30D not passed
        var hold = await HoldAsync(district, "person", held, "Custody dispute");

        var (reported, done) = await ReportAndRunAsync(district, RetentionItemKinds.ResetTokens);

        var dueItem = Assert.Single(reported, i => i.TargetId == due);
        Assert.Equal(2, dueItem.Rows);
        Assert.Equal(hold, Assert.Single(reported, i => i.TargetId == held).HoldId);
        Assert.DoesNotContain(reported, i => i.TargetId == fresh);
        Assert.Equal(RetentionOutcomes.Done, Assert.Single(done, i => i.TargetId == due).Outcome);
        Assert.Equal(RetentionOutcomes.Held, Assert.Single(done, i => i.TargetId == held).Outcome);
        Assert.Equal(0L, await CountAsync(district, "select count(*) from password_reset_tokens where user_id = $1", due));
        Assert.Equal(1L, await CountAsync(district, "select count(*) from password_reset_tokens where user_id = $1", held));
        Assert.Equal(1L, await CountAsync(district, "select count(*) from password_reset_tokens where user_id = $1", fresh));
    }

    [Fact]
    public async Task A_revoked_integration_client_goes_after_its_period_and_waits_while_the_district_is_held()
    {
        var (district, _, _, _) = await DistrictWithPeopleAsync();
        Guid old = Guid.NewGuid(), recent = Guid.NewGuid(), active = Guid.NewGuid();
        const string insert = """
            insert into integration_clients (tenant_id, id, client_id, name, secret_hash, scopes, revoked_at)
            values ($1, $2, $3, $3, sha256(gen_random_uuid()::text::bytea), '{roster}', $4)
            """;
        await ExecAsync(district, insert, district.Id, old, "sis-old", DateTime.UtcNow.AddYears(-2));
        await ExecAsync(district, insert, district.Id, recent, "sis-recent", DateTime.UtcNow.AddMonths(-1));
        await ExecAsync(district, insert, district.Id, active, "sis-active", DBNull.Value);

        // A district hold placed after the dry run: the re-check at run time holds the client back.
        Guid hold = default;
        var (reported, done) = await ReportAndRunAsync(district, RetentionItemKinds.RevokedClient,
            async () => hold = await HoldAsync(district, "district", null, "State audit of SIS access"));
        Assert.Equal(old, Assert.Single(reported).TargetId);
        Assert.Equal(RetentionOutcomes.Held, Assert.Single(done).Outcome);
        Assert.Equal(3L, await CountAsync(district, "select count(*) from integration_clients"));

        await InDistrictAsync(district, async s => { await s.GetRequiredService<LegalHolds>().ReleaseAsync(hold, "Audit closed", Operator); return 0; });
        (_, done) = await ReportAndRunAsync(district, RetentionItemKinds.RevokedClient);
        Assert.Equal(RetentionOutcomes.Done, Assert.Single(done).Outcome);
        Assert.Equal(0L, await CountAsync(district, "select count(*) from integration_clients where id = $1", old));
        Assert.Equal(2L, await CountAsync(district, "select count(*) from integration_clients where id in ($1, $2)", recent, active));
    }

    [Fact]
    public async Task Closed_requests_go_with_their_timeline_and_export_once_past_the_period_and_the_persons_record()
    {
        var (district, erased, heldErased, kept) = await DistrictWithPeopleAsync();
        // Two people whose records were erased (the floor: a request is part of the record), one whose record remains.
        await ExecAsync(district, "update users set user_name = 'erased-' || id::text where id = any ($1)", new[] { erased, heldErased });
        Guid old = Guid.NewGuid(), recent = Guid.NewGuid(), ofHeld = Guid.NewGuid(), ofKept = Guid.NewGuid();
        async Task RequestAsync(Guid id, Guid subject, int yearsAgo)
        {
            await ExecAsync(district, """
                insert into compliance_requests (tenant_id, id, type, state, subject_user_id, requester_actor_type, due_at, created_at, updated_at, closed_at)
                values ($1, $2, 'export', 'expired', $3, 'operator', now(), now() - $4, now() - $4, now() - $4)
                """, district.Id, id, subject, TimeSpan.FromDays(365.25 * yearsAgo));
            await ExecAsync(district, """
                insert into compliance_request_events (tenant_id, request_id, seq, occurred_at, actor_type, to_state)
                values ($1, $2, 1, now(), 'operator', 'received'), ($1, $2, 2, now(), 'operator', 'expired')
                """, district.Id, id);
            await ExecAsync(district, """
                insert into compliance_exports (tenant_id, request_id, started_at, finished_at, expires_at) values ($1, $2, now(), now(), now())
                """, district.Id, id);
        }
        await RequestAsync(old, erased, 8);
        await RequestAsync(recent, erased, 1);
        await RequestAsync(ofHeld, heldErased, 8);
        await RequestAsync(ofKept, kept, 8);
        var hold = await HoldAsync(district, "person", heldErased, "Subpoena");

        var (reported, done) = await ReportAndRunAsync(district, RetentionItemKinds.ClosedRequest);

        Assert.Equal(new[] { old, ofHeld }.Order(), reported.Select(i => i.TargetId).Order());
        Assert.Equal(4, Assert.Single(reported, i => i.TargetId == old).Rows); // the request, two events, one export row
        Assert.Equal(hold, Assert.Single(reported, i => i.TargetId == ofHeld).HoldId);
        Assert.Equal(RetentionOutcomes.Done, Assert.Single(done, i => i.TargetId == old).Outcome);
        Assert.Equal(RetentionOutcomes.Held, Assert.Single(done, i => i.TargetId == ofHeld).Outcome);
        Assert.Equal(0L, await CountAsync(district, "select count(*) from compliance_requests where id = $1", old));
        Assert.Equal(0L, await CountAsync(district, "select count(*) from compliance_request_events where request_id = $1", old));
        Assert.Equal(0L, await CountAsync(district, "select count(*) from compliance_exports where request_id = $1", old));
        Assert.Equal(3L, await CountAsync(district, "select count(*) from compliance_requests where id in ($1, $2, $3)", recent, ofHeld, ofKept));
        Assert.Equal(3L, await CountAsync(district, "select count(*) from compliance_exports where request_id in ($1, $2, $3)", recent, ofHeld, ofKept));
    }

    [Fact]
    public void Every_retention_period_is_carried_out_by_a_run_or_the_data_map_says_why_not()
    {
        var missing = DataMap.Entries
            .Where(e => !RetentionRuns.PurgedTables.Contains(e.Table) && string.IsNullOrWhiteSpace(e.Retention.NotPurgedByRuns))
            .Select(e => e.Table).ToList();
        Assert.True(missing.Count == 0, "No retention kind purges, and the data map gives no reason for: " + string.Join(", ", missing));
        var both = DataMap.Entries.Where(e => RetentionRuns.PurgedTables.Contains(e.Table) && e.Retention.NotPurgedByRuns != null).Select(e => e.Table);
        Assert.Empty(both);
    }

    [Fact]
    public void The_report_csv_neutralises_formulas_and_quotes_what_needs_it()
    {
        var item = new RetentionItemView(1, RetentionItemKinds.ImportChanges, "import_changes", Guid.NewGuid(), null, 3,
            new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), "=HYPERLINK(\"http://evil.example\",\"click\")", null,
            "@SUM(A1:A9)", "done", "-2+3, then \"more\"", 3, null);

        var csv = RetentionRuns.ToCsv([item]);
        var lines = csv.Split("\r\n");

        Assert.StartsWith("seq,kind,table,target_id,", lines[0]);
        Assert.Equal(3, lines.Length); // header, one item, and the line end after it
        Assert.Equal("", lines[2]);
        Assert.Contains(",2026-01-02T03:04:05Z,", lines[1]);
        // Each formula starts with an apostrophe inside its (quoted) field, so a spreadsheet shows it as text.
        Assert.Contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\"", lines[1]);
        Assert.Contains(",\"'@SUM(A1:A9)\",", lines[1]);
        Assert.Contains("\"'-2+3, then \"\"more\"\"\"", lines[1]);
        Assert.DoesNotContain(",=", lines[1]);
        Assert.DoesNotContain(",@", lines[1]);
    }
}
