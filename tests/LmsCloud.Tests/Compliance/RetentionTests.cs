using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Compliance.Holds;
using LmsCloud.Core.Compliance.Retention;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Rostering;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using LmsCloud.Tests.Rostering;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LmsCloud.Tests.Compliance;

/// <summary>
/// Legal holds and retention runs over the real database as the application role: the report, approval, the re-check
/// at run time, holds, idempotent reruns, policies and their floors, and district isolation (docs/compliance.md).
/// </summary>
public sealed class RetentionTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    static readonly AuditActor Operator = AuditActor.Operator("retention-test");

    sealed record Roster(DistrictSummary District, Guid ImportRun, Guid Held, Guid Peer, Guid Teacher);

    /// <summary>A district with the northwind roster imported; its import run finished two years ago.</summary>
    async Task<Roster> RosterAsync()
    {
        var district = await api.Database.CreateDistrictAsync();
        var outcome = await RosterSamples.ImportDirectlyAsync(api.Database, district.Id, "northwind-1.1-bulk");
        var held = await RosterSamples.InternalIdAsync(api.Database, district.Id, "users", "nw-s-001");
        var peer = await RosterSamples.InternalIdAsync(api.Database, district.Id, "users", "nw-s-002");
        var teacher = await RosterSamples.InternalIdAsync(api.Database, district.Id, "users", "nw-t-001");
        await ExecAsync(district, "update import_runs set finished_at = now() - interval '2 years' where id = $1", outcome.RunId);
        return new Roster(district, outcome.RunId, held, peer, teacher);
    }

    /// <summary>Marks people as the SIS does when they leave, and dates their departure back.</summary>
    async Task DepartAsync(DistrictSummary district, TimeSpan ago, params Guid[] people)
    {
        foreach (var person in people)
        {
            await ExecAsync(district, "update users set status = 'tobedeleted' where id = $1", person);
            await ExecAsync(district, "update users set departed_at = now() - $2 where id = $1", person, ago);
        }
    }

    async Task<int> ExecAsync(DistrictSummary district, string sql, params object[] parameters)
    {
        await using var conn = await api.Database.OpenAsTenantAsync(district.Id);
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var p in parameters) cmd.Parameters.AddWithValue(p);
        return await cmd.ExecuteNonQueryAsync();
    }

    async Task<T> ScalarAsync<T>(DistrictSummary district, string sql, params object[] parameters)
    {
        await using var conn = await api.Database.OpenAsTenantAsync(district.Id);
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var p in parameters) cmd.Parameters.AddWithValue(p);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    Task<T> InDistrictAsync<T>(DistrictSummary district, Func<IServiceProvider, Task<T>> work) =>
        DistrictScope.RunAsync(api.Services, new District(district.Id, district.Slug, district.Name, DistrictStatus.Active), work);

    Task<RetentionOutcome> RunsAsync(DistrictSummary district, Func<RetentionRuns, Task<RetentionOutcome>> work) =>
        InDistrictAsync(district, scope => work(scope.GetRequiredService<RetentionRuns>()));

    Task<IReadOnlyList<RetentionItemView>> ItemsAsync(DistrictSummary district, Guid run) =>
        InDistrictAsync(district, scope => scope.GetRequiredService<RetentionRuns>().ItemsAsync(run));

    /// <summary>Reports, approves and runs; returns the run and its items.</summary>
    async Task<(RetentionRunView Run, IReadOnlyList<RetentionItemView> Items)> ReportApproveRunAsync(DistrictSummary district,
        Func<Guid, Task>? betweenReportAndRun = null)
    {
        var report = await RunsAsync(district, r => r.ReportAsync("cli", Operator));
        Assert.Null(report.Error);
        var id = report.Run!.Id;
        if (betweenReportAndRun != null) await betweenReportAndRun(id);
        Assert.Null((await RunsAsync(district, r => r.ApproveAsync(id, Operator, "checked"))).Error);
        var done = await RunsAsync(district, r => r.ExecuteAsync(id, Operator));
        Assert.True(done.Error == null, done.Error?.Message);
        return (done.Run!, await ItemsAsync(district, id));
    }

    static RetentionItemView Item(IReadOnlyList<RetentionItemView> items, string kind, Guid target) =>
        Assert.Single(items, i => i.Kind == kind && i.TargetId == target);

    [Fact]
    public async Task A_held_student_survives_a_retention_run_while_an_unheld_peer_is_erased()
    {
        var (district, _, held, peer, _) = await RosterAsync();
        await DepartAsync(district, TimeSpan.FromDays(800), held, peer);
        var hold = await InDistrictAsync(district, s => s.GetRequiredService<LegalHolds>()
            .PlaceAsync("person", held, "Litigation hold: Doe v. Northwind", Operator));

        var (run, items) = await ReportApproveRunAsync(district);

        Assert.Equal(RetentionRunStates.Completed, run.State);
        var heldItem = Item(items, RetentionItemKinds.DepartedPerson, held);
        Assert.Equal(hold, heldItem.HoldId); // reported as held already in the dry run
        Assert.Equal(RetentionOutcomes.Held, heldItem.Outcome);
        Assert.Contains("Litigation hold: Doe v. Northwind", heldItem.OutcomeReason);
        Assert.Equal(RetentionOutcomes.Done, Item(items, RetentionItemKinds.DepartedPerson, peer).Outcome);

        // The held student is as they were; the peer's account is anonymised and their roster rows are gone.
        Assert.Equal("Ethan", await ScalarAsync<string>(district, "select given_name from users where id = $1", held));
        Assert.True(await ScalarAsync<long>(district, "select count(*) from enrollments where user_id = $1", held) > 0);
        Assert.Equal($"erased-{peer}", await ScalarAsync<string>(district, "select user_name from users where id = $1", peer));
        Assert.Equal(0L, await ScalarAsync<long>(district, "select count(*) from enrollments where user_id = $1", peer));
        Assert.Equal(0L, await ScalarAsync<long>(district, "select count(*) from demographics where user_id = $1", peer));

        // A certificate is issued for the finished run, and the chain still verifies.
        Assert.NotNull(run.CertificateId);
        await using var db = api.Database.CreateContext(district.Id);
        Assert.True((await AuditLog.VerifyAsync(db)).Ok);
        Assert.Contains(db.AuditEvents, e => e.Action == "retention_run.completed" && e.EntityId == run.Id.ToString());
    }

    [Fact]
    public async Task A_class_whose_end_date_moved_after_the_dry_run_and_a_person_who_came_back_are_skipped()
    {
        var (district, _, held, peer, _) = await RosterAsync();
        await DepartAsync(district, TimeSpan.FromDays(800), peer);
        // The fall semester ended two years ago: its class (nw-cls-bio-p2, fall only) is due.
        await ExecAsync(district, """
            update academic_sessions set start_date = current_date - 900, end_date = current_date - 800
            where id = (select internal_id from external_ids where entity_type = 'academicSessions' and external_id = 'nw-2027-fall')
            """);
        var bio = await RosterSamples.InternalIdAsync(api.Database, district.Id, "classes", "nw-cls-bio-p2");

        var (run, items) = await ReportApproveRunAsync(district, async _ =>
        {
            // After the report: the term is extended to next year, and the departed person comes back.
            await ExecAsync(district, """
                update academic_sessions set end_date = current_date + 200
                where id = (select internal_id from external_ids where entity_type = 'academicSessions' and external_id = 'nw-2027-fall')
                """);
            await ExecAsync(district, "update users set status = 'active' where id = $1", peer);
        });

        Assert.Equal(RetentionRunStates.Completed, run.State);
        var classItem = Item(items, RetentionItemKinds.ClassEnrollments, bio);
        Assert.Equal(RetentionOutcomes.Skipped, classItem.Outcome);
        Assert.Contains("end date moved", classItem.OutcomeReason);
        var person = Item(items, RetentionItemKinds.DepartedPerson, peer);
        Assert.Equal(RetentionOutcomes.Skipped, person.Outcome);
        Assert.Contains("came back", person.OutcomeReason);
        Assert.True(await ScalarAsync<long>(district, "select count(*) from enrollments where class_id = $1", bio) > 0);
        Assert.NotEqual($"erased-{peer}", await ScalarAsync<string>(district, "select user_name from users where id = $1", peer));
        Assert.Null(await ScalarAsync<object>(district, "select departed_at from users where id = $1", peer) as DateTime?); // cleared on return
        _ = held;
    }

    [Fact]
    public async Task Old_import_runs_lose_their_row_errors_change_lists_and_package_after_the_period_and_recent_ones_keep_them()
    {
        var (district, oldRun, _, _, _) = await RosterAsync();
        // The old run's package as the platform stores uploads, and a row error.
        var key = $"{district.Id}/packages/{Guid.NewGuid():N}.zip";
        var storage = api.Services.GetRequiredService<IFileStorage>();
        await storage.SaveAsync(key, new MemoryStream([1, 2, 3]));
        await ExecAsync(district, "update import_runs set package_path = $2 where id = $1", oldRun, await storage.GetLocalPathAsync(key));
        await ExecAsync(district, """
            insert into import_row_errors (tenant_id, run_id, seq, severity, file, line, code, message)
            values (current_setting('app.tenant_id')::uuid, $1, 1, 'warning', 'users.csv', 3, 'x', 'Row quotes Emma Brown')
            """, oldRun);
        var recent = await RosterSamples.ImportDirectlyAsync(api.Database, district.Id, "northwind-1.1-delta");
        var recentChanges = await ScalarAsync<long>(district, "select count(*) from import_changes where run_id = $1", recent.RunId);
        Assert.True(await ScalarAsync<long>(district, "select count(*) from import_changes where run_id = $1", oldRun) > 0);

        var (run, items) = await ReportApproveRunAsync(district);

        Assert.Equal(RetentionRunStates.Completed, run.State);
        Assert.Equal(0L, await ScalarAsync<long>(district, "select count(*) from import_row_errors where run_id = $1", oldRun));
        Assert.Equal(0L, await ScalarAsync<long>(district, "select count(*) from import_changes where run_id = $1", oldRun));
        Assert.False(await storage.ExistsAsync(key));
        Assert.Equal(1L, await ScalarAsync<long>(district, "select count(*) from import_runs where id = $1", oldRun)); // the run itself stays
        Assert.Equal(recentChanges, await ScalarAsync<long>(district, "select count(*) from import_changes where run_id = $1", recent.RunId));
        Assert.DoesNotContain(items, i => i.TargetId == recent.RunId);
        Assert.All(items.Where(i => i.TargetId == oldRun), i => Assert.Equal(RetentionOutcomes.Done, i.Outcome));
    }

    [Fact]
    public async Task A_district_hold_blocks_every_purge_and_the_report_says_which_hold()
    {
        var (district, oldRun, _, peer, _) = await RosterAsync();
        await DepartAsync(district, TimeSpan.FromDays(800), peer);
        var hold = await InDistrictAsync(district, s => s.GetRequiredService<LegalHolds>().PlaceAsync("district", null, "State audit 2026", Operator));

        var (_, items) = await ReportApproveRunAsync(district);

        Assert.NotEmpty(items);
        Assert.All(items, i => Assert.Equal((RetentionOutcomes.Held, hold), (i.Outcome, i.HoldId)));
        Assert.True(await ScalarAsync<long>(district, "select count(*) from import_changes where run_id = $1", oldRun) > 0);
        Assert.NotEqual($"erased-{peer}", await ScalarAsync<string>(district, "select user_name from users where id = $1", peer));
    }

    [Fact]
    public async Task A_rerun_after_a_crash_finishes_the_job_without_doing_anything_twice()
    {
        var (district, _, held, peer, _) = await RosterAsync();
        await DepartAsync(district, TimeSpan.FromDays(800), held, peer);
        var report = await RunsAsync(district, r => r.ReportAsync("cli", Operator));
        var id = report.Run!.Id;
        await RunsAsync(district, r => r.ApproveAsync(id, Operator, null));

        // Capped: one item, then the "crash" (the process stops); the run stays running with the rest pending.
        var first = await RunsAsync(district, r => r.ExecuteAsync(id, Operator, maxItems: 1));
        Assert.Equal(RetentionRunStates.Running, first.Run!.State);
        Assert.Equal(1, (await ItemsAsync(district, id)).Count(i => i.Outcome != null));

        // A crash between erasing a person and recording it: the erasure happened, the item says nothing yet.
        var rerun = await RunsAsync(district, r => r.ExecuteAsync(id, Operator));
        Assert.Equal(RetentionRunStates.Completed, rerun.Run!.State);
        await ExecAsync(district, "update retention_run_items set outcome = null, outcome_reason = null, outcome_rows = null where run_id = $1 and kind = 'departed_person'", id);
        await ExecAsync(district, "update retention_runs set state = 'running' where id = $1", id);
        var again = await RunsAsync(district, r => r.ExecuteAsync(id, Operator));
        Assert.Equal(RetentionRunStates.Completed, again.Run!.State);

        var items = await ItemsAsync(district, id);
        Assert.All(items, i => Assert.Equal(RetentionOutcomes.Done, i.Outcome));
        Assert.All(items.Where(i => i.Kind == RetentionItemKinds.DepartedPerson), i => Assert.Equal("Already erased.", i.OutcomeReason));
        await using var db = api.Database.CreateContext(district.Id);
        Assert.Equal(2, db.AuditEvents.Count(e => e.Action == "person.erased")); // once per person, not per attempt
        Assert.Equal(items.Count(i => i.Kind != RetentionItemKinds.DepartedPerson),
            db.AuditEvents.Count(e => e.Action == "retention.purged")); // one per purge, none for the rerun
        Assert.True((await AuditLog.VerifyAsync(db)).Ok);

        // A finished run does not run again, and a new report finds nothing left of what it did.
        Assert.Equal(RetentionErrorKind.Conflict, (await RunsAsync(district, r => r.ExecuteAsync(id, Operator))).Error!.Kind);
        var next = await RunsAsync(district, r => r.ReportAsync("cli", Operator));
        Assert.Empty(await ItemsAsync(district, next.Run!.Id));
    }

    [Fact]
    public async Task A_run_needs_approval_and_one_unfinished_run_at_a_time()
    {
        var (district, _, _, _, _) = await RosterAsync();
        var report = await RunsAsync(district, r => r.ReportAsync("cli", Operator));
        var id = report.Run!.Id;
        Assert.Equal(RetentionErrorKind.Conflict, (await RunsAsync(district, r => r.ExecuteAsync(id, Operator))).Error!.Kind);
        var second = await RunsAsync(district, r => r.ReportAsync("cli", Operator));
        Assert.Equal((RetentionErrorKind.Conflict, id), (second.Error!.Kind, second.Error.RunId));
        Assert.Equal(RetentionErrorKind.Validation, (await RunsAsync(district, r => r.CancelAsync(id, Operator, " "))).Error!.Kind);
        Assert.Equal(RetentionRunStates.Cancelled, (await RunsAsync(district, r => r.CancelAsync(id, Operator, "not now"))).Run!.State);
        Assert.Equal(RetentionErrorKind.Conflict, (await RunsAsync(district, r => r.ApproveAsync(id, Operator, null))).Error!.Kind);
    }

    [Fact]
    public async Task The_nightly_pass_reports_replaces_an_unapproved_report_and_works_an_approved_run()
    {
        var (district, oldRun, _, _, _) = await RosterAsync();
        var nightly = api.Services.GetRequiredService<LmsCloud.Api.Compliance.NightlyRetention>();
        var asDistrict = new District(district.Id, district.Slug, district.Name, DistrictStatus.Active);

        var first = await nightly.RunForAsync(asDistrict, CancellationToken.None);
        Assert.Equal((RetentionRunStates.Reported, "schedule"), (first.Run!.State, first.Run.Trigger));
        var second = await nightly.RunForAsync(asDistrict, CancellationToken.None); // nobody approved: replaced
        Assert.NotEqual(first.Run.Id, second.Run!.Id);
        Assert.Equal(RetentionRunStates.Cancelled, (await RunsAsync(district, r => r.GetAsync(first.Run.Id).ContinueWith(t => new RetentionOutcome(t.Result, null)))).Run!.State);

        await RunsAsync(district, r => r.ApproveAsync(second.Run.Id, Operator, null));
        var worked = await nightly.RunForAsync(asDistrict, CancellationToken.None);
        Assert.Equal((second.Run.Id, RetentionRunStates.Completed), (worked.Run!.Id, worked.Run.State));
        Assert.Equal(0L, await ScalarAsync<long>(district, "select count(*) from import_changes where run_id = $1", oldRun));
    }

    // ---- over HTTP --------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Holds_over_http_are_placed_and_released_once_audited_and_checked()
    {
        var (district, _, held, _, _) = await RosterAsync();
        var officerUser = await api.CreateUserAsync(district, Roles.ComplianceOfficer);
        var officer = api.ClientFor(district.Slug, (await api.SignInAsync(officerUser)).GetProperty("access_token").GetString()!);
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);

        var placed = await officer.PostAsJsonAsync("/api/compliance/holds", new { scopeType = "person", scopeId = held, reason = "Subpoena 42" });
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        var hold = await placed.Content.ReadFromJsonAsync<JsonElement>();
        var id = hold.GetProperty("id").GetString();
        Assert.True(hold.GetProperty("active").GetBoolean());
        Assert.Equal(officerUser.Id.ToString(), hold.GetProperty("createdBy").GetString());

        // Admins read, do not place; bad input is a validation problem naming the field.
        var list = await (await admin.GetAsync("/api/compliance/holds?active=true")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(id, Assert.Single(list.EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.PostAsJsonAsync("/api/compliance/holds", new { scopeType = "district", reason = "x" })).StatusCode);
        await AssertValidationAsync(await officer.PostAsJsonAsync("/api/compliance/holds", new { scopeType = "class", scopeId = Guid.NewGuid(), reason = "x" }), "scopeId");
        await AssertValidationAsync(await officer.PostAsJsonAsync("/api/compliance/holds", new { scopeType = "district", reason = "" }), "reason");
        await AssertValidationAsync(await officer.PostAsJsonAsync("/api/compliance/holds", new { scopeType = "galaxy", reason = "x" }), "scopeType");
        await AssertValidationAsync(await officer.PostAsJsonAsync("/api/compliance/holds",
            new { scopeType = "district", reason = "x", until = DateTimeOffset.UtcNow.AddDays(-1) }), "until");

        var released = await officer.PostAsJsonAsync($"/api/compliance/holds/{id}/release", new { reason = "Case settled" });
        Assert.Equal(HttpStatusCode.OK, released.StatusCode);
        Assert.False((await released.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("active").GetBoolean());
        var twice = await officer.PostAsJsonAsync($"/api/compliance/holds/{id}/release", new { reason = "again" });
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        Assert.Equal("application/problem+json", twice.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await officer.PostAsJsonAsync($"/api/compliance/holds/{Guid.NewGuid()}/release", new { reason = "x" })).StatusCode);

        await using var db = api.Database.CreateContext(district.Id);
        var events = db.AuditEvents.Where(e => e.EntityType == "legal_hold").OrderBy(e => e.Seq).ToList();
        Assert.Equal(["legal_hold.placed", "legal_hold.released"], events.Select(e => e.Action));
        Assert.All(events, e => Assert.Equal((held, officerUser.Id.ToString()), (e.SubjectUserId!.Value, e.ActorId!)));
        Assert.Equal(["Subpoena 42", "Case settled"], events.Select(e => e.Reason));
        Assert.Empty(await InDistrictAsync(district, s => s.GetRequiredService<LegalHolds>().HoldsOnPersonAsync(held)));
    }

    [Fact]
    public async Task A_policy_below_its_floor_is_refused_naming_the_floor_and_a_policy_in_force_changes_what_is_due()
    {
        var (district, oldRun, _, _, _) = await RosterAsync();
        var officer = await api.ClientAsAsync(district, Roles.ComplianceOfficer);

        var below = await officer.PutAsJsonAsync("/api/compliance/retention/policies/Audit", new { period = "P6M" });
        var problem = await AssertValidationAsync(below, "period");
        Assert.Contains("below the floor of P1Y", problem);
        await AssertValidationAsync(await officer.PutAsJsonAsync("/api/compliance/retention/policies/Audit", new { period = "one year" }), "period");
        Assert.Equal(HttpStatusCode.NotFound, (await officer.PutAsJsonAsync("/api/compliance/retention/policies/Nothing", new { period = "P1Y" })).StatusCode);

        // Import artefacts kept five years: the two-year-old run is no longer due.
        var longer = await officer.PutAsJsonAsync("/api/compliance/retention/policies/importartefacts", new { period = "P5Y" });
        Assert.Equal(HttpStatusCode.OK, longer.StatusCode);
        var policies = await (await officer.GetAsync("/api/compliance/retention/policies")).Content.ReadFromJsonAsync<JsonElement>();
        var import = policies.EnumerateArray().Single(p => p.GetProperty("category").GetString() == "ImportArtefacts");
        Assert.Equal("P5Y", import.GetProperty("period").GetString());
        Assert.All(import.GetProperty("tables").EnumerateArray(), t => Assert.Equal("P5Y", t.GetProperty("period").GetString()));

        var created = await officer.PostAsync("/api/compliance/retention/runs", null);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var runId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var items = await (await officer.GetAsync($"/api/compliance/retention/runs/{runId}/items")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.DoesNotContain(items.EnumerateArray(), i => i.GetProperty("targetId").GetString() == oldRun.ToString());

        await using var db = api.Database.CreateContext(district.Id);
        Assert.Single(db.AuditEvents, e => e.Action == "retention_policy.updated");
    }

    [Fact]
    public async Task The_report_over_http_is_sortable_downloadable_as_csv_and_approved_by_an_officer_only()
    {
        var (district, _, held, peer, _) = await RosterAsync();
        await DepartAsync(district, TimeSpan.FromDays(800), held, peer);
        var officer = await api.ClientAsAsync(district, Roles.ComplianceOfficer);
        var admin = await api.ClientAsAsync(district, Roles.DistrictAdmin);
        await officer.PostAsJsonAsync("/api/compliance/holds", new { scopeType = "person", scopeId = held, reason = "Subpoena 7" });

        var created = await officer.PostAsync("/api/compliance/retention/runs", null);
        var runId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.Conflict, (await officer.PostAsync("/api/compliance/retention/runs", null)).StatusCode);

        var byHeld = await (await admin.GetAsync($"/api/compliance/retention/runs/{runId}/items?sort=held&desc=true")).Content.ReadFromJsonAsync<JsonElement>();
        var first = byHeld.EnumerateArray().First();
        Assert.Equal(held.ToString(), first.GetProperty("targetId").GetString());
        Assert.Equal("Subpoena 7", first.GetProperty("holdReason").GetString());
        await AssertValidationAsync(await admin.GetAsync($"/api/compliance/retention/runs/{runId}/items?sort=password"), "sort");

        var csv = await admin.GetAsync($"/api/compliance/retention/runs/{runId}/items?format=csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"retention-run-{runId}.csv", csv.Content.Headers.ContentDisposition?.FileNameStar ?? csv.Content.Headers.ContentDisposition?.FileName);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("seq,kind,table,target_id", lines[0]);
        Assert.Equal(byHeld.GetArrayLength() + 1, lines.Length);
        Assert.Contains(lines, l => l.Contains(held.ToString()) && l.Contains(",yes,") && l.Contains("Subpoena 7"));

        Assert.Equal(HttpStatusCode.Forbidden, (await admin.PostAsJsonAsync($"/api/compliance/retention/runs/{runId}/approve", new { })).StatusCode);
        var approved = await officer.PostAsJsonAsync($"/api/compliance/retention/runs/{runId}/approve", new { comment = "ok" });
        Assert.Equal("approved", (await approved.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await officer.PostAsJsonAsync($"/api/compliance/retention/runs/{runId}/approve", new { })).StatusCode);
    }

    [Fact]
    public async Task Holds_and_runs_of_one_district_are_invisible_to_and_do_not_protect_another()
    {
        var a = await RosterAsync();
        var b = await RosterAsync();
        var officerA = await api.ClientAsAsync(a.District, Roles.ComplianceOfficer);
        var officerB = await api.ClientAsAsync(b.District, Roles.ComplianceOfficer);
        var hold = await (await officerA.PostAsJsonAsync("/api/compliance/holds", new { scopeType = "district", reason = "A's audit" }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var holdId = hold.GetProperty("id").GetString();
        var run = await (await officerA.PostAsync("/api/compliance/retention/runs", null)).Content.ReadFromJsonAsync<JsonElement>();
        var runId = run.GetProperty("id").GetString();

        Assert.Empty((await (await officerB.GetAsync("/api/compliance/holds")).Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await officerB.GetAsync($"/api/compliance/holds/{holdId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await officerB.PostAsJsonAsync($"/api/compliance/holds/{holdId}/release", new { reason = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await officerB.GetAsync($"/api/compliance/retention/runs/{runId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await officerB.GetAsync($"/api/compliance/retention/runs/{runId}/items")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await officerB.PostAsJsonAsync($"/api/compliance/retention/runs/{runId}/approve", new { })).StatusCode);
        // B cannot hold A's student (not a person of B), and A's district hold does not cover B's people.
        await AssertValidationAsync(await officerB.PostAsJsonAsync("/api/compliance/holds", new { scopeType = "person", scopeId = a.Held, reason = "x" }), "scopeId");
        Assert.Empty(await InDistrictAsync(b.District, s => s.GetRequiredService<LegalHolds>().HoldsOnPersonAsync(b.Held)));
        Assert.Single(await InDistrictAsync(a.District, s => s.GetRequiredService<LegalHolds>().HoldsOnPersonAsync(a.Held)));
        // B's own run purges B's old import run although A is under a district hold.
        var (_, items) = await ReportApproveRunAsync(b.District);
        Assert.Contains(items, i => i.TargetId == b.ImportRun && i.Outcome == RetentionOutcomes.Done);
    }

    static async Task<string> AssertValidationAsync(HttpResponseMessage response, string field)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = JsonDocument.Parse(body).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), body);
        return messages[0].GetString()!;
    }
}
