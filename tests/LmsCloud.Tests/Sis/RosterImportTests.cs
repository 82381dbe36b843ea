using LmsCloud.Sis;
using LmsCloud.Tests.Infrastructure;
using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using Xunit.Abstractions;

namespace LmsCloud.Tests.Sis;

/// <summary>The import engine against a real database: idempotence, deletions, deltas, thresholds, atomicity, errors.</summary>
public sealed class RosterImportTests(TestDatabase db, ITestOutputHelper output) : IClassFixture<TestDatabase>
{
    async Task<ImportOutcome> ImportAsync(Guid tenant, string folder, bool dryRun = false, RosterImporter? importer = null)
    {
        var request = new ImportRequest(tenant, folder, "test", ImportTrigger.Cli, TestDatabase.TestActor, dryRun, PackageSha256: "sha");
        if (importer == null) return (await db.Imports.ImportAsync(request)).Outcome;
        // A test's own engine (fault injection) runs the run itself.
        return await importer.RunAsync(tenant, await db.Imports.CreateAsync(request));
    }

    async Task SetSettingsAsync(Guid tenant, string sisJson)
    {
        await using var conn = await db.OpenAsTenantAsync(tenant);
        await using var cmd = new NpgsqlCommand("update district_profiles set settings = jsonb_set(settings, '{sis}', $1::jsonb)", conn);
        cmd.Parameters.AddWithValue(sisJson);
        await cmd.ExecuteNonQueryAsync();
    }

    Task<List<(string Severity, string File, int? Line, string? Column, string Code)>> ErrorsAsync(Guid tenant, Guid run) =>
        db.RowErrorsAsync(tenant, run);

    static void AssertApplied(ImportOutcome outcome) =>
        Assert.True(outcome.Status is RunStatus.Succeeded or RunStatus.SucceededWithWarnings,
            $"{outcome.Status}: {outcome.FailureReason} {string.Join("; ", outcome.Counts)}");

    async Task<long> CountAsync(Guid tenant, string sql)
    {
        await using var conn = await db.OpenAsTenantAsync(tenant);
        return await TestDatabase.ScalarAsync<long>(conn, sql);
    }

    [Fact]
    public async Task A_school_rejected_in_a_lenient_bulk_run_keeps_its_memberships_sign_in_roles_and_guardian_links()
    {
        var district = await db.CreateDistrictAsync();
        using var package = RosterPackageBuilder.Standard();
        AssertApplied(await ImportAsync(district.Id, package.Folder));
        const string schoolMembers = """
            select count(*) from user_orgs m join external_ids x on x.internal_id = m.org_id and x.entity_type = 'orgs' where x.external_id = 's2'
            """;
        var members = await CountAsync(district.Id, schoolMembers);
        var signInRoles = await CountAsync(district.Id, "select count(*) from user_roles where source = 'sis'");
        var links = await CountAsync(district.Id, "select count(*) from guardian_links");
        Assert.Equal((6L, 1L), (members, links)); // tch2 and the five even students; g1 → stu1

        // South High's row is now invalid (an unknown type): it is rejected, and whatever names it with it.
        package.With("orgs.csv", RosterPackageBuilder.Orgs.Replace("s2,,,South High,school,", "s2,,,South High,campus,"));
        var second = await ImportAsync(district.Id, package.Folder);

        Assert.Equal(RunStatus.SucceededWithWarnings, second.Status);
        Assert.Equal((members, signInRoles, links), (await CountAsync(district.Id, schoolMembers),
            await CountAsync(district.Id, "select count(*) from user_roles where source = 'sis'"),
            await CountAsync(district.Id, "select count(*) from guardian_links")));
        Assert.Equal(0, second.Counts["roles"].Deleted);
        Assert.Equal(1L, await CountAsync(district.Id, "select count(*) from orgs where status = 'active' and name = 'South High'"));
    }

    [Fact]
    public async Task Creating_a_run_again_with_its_id_makes_no_second_run_so_a_retried_create_is_harmless()
    {
        var district = await db.CreateDistrictAsync();
        var id = Guid.CreateVersion7();
        for (var attempt = 0; attempt < 2; attempt++)
            Assert.Equal(id, await RosterImporter.CreateRunAsync(db.App, district.Id, "/p.zip", "p.zip", "sha", ImportTrigger.Upload, false,
                "system:test", id: id));
        Assert.Equal(1L, await CountAsync(district.Id, $"select count(*) from import_runs where id = '{id}'"));
    }

    [Fact]
    public async Task An_unexpected_error_fails_the_run_with_a_plain_reason_not_its_message()
    {
        var district = await db.CreateDistrictAsync();
        using var package = RosterPackageBuilder.Standard(2);
        var importer = new RosterImporter(db.App)
        {
            AfterApplying = entity => entity == "users"
                ? throw new InvalidOperationException("A command is already in progress: select password_hash from users")
                : Task.CompletedTask,
        };

        var outcome = await ImportAsync(district.Id, package.Folder, importer: importer);

        Assert.Equal(RunStatus.Failed, outcome.Status);
        Assert.Equal($"The import failed on an internal error and nothing was applied; the details are in the server log (run {outcome.RunId}).",
            outcome.FailureReason);
    }

    [Fact]
    public async Task Importing_the_same_package_twice_changes_nothing_the_second_time()
    {
        var district = await db.CreateDistrictAsync();
        using var package = RosterPackageBuilder.Standard();

        var first = await ImportAsync(district.Id, package.Folder);
        Assert.True(first.Status == RunStatus.Succeeded, first.FailureReason ?? string.Join("; ", first.Counts));
        Assert.Equal(13, first.Counts["users"].Created);
        Assert.Equal(12, first.Counts["enrollments"].Created);
        Assert.Equal(3, first.Counts["orgs"].Created);
        Assert.Equal(13, await CountAsync(district.Id, "select count(*) from users where source = 'sis' and status = 'active'"));

        var second = await ImportAsync(district.Id, package.Folder);
        Assert.Equal(RunStatus.Succeeded, second.Status);
        foreach (var (entity, c) in second.Counts)
            Assert.True(c.Created + c.Updated + c.Deleted + c.Revived == 0, $"{entity}: {c}");
    }

    [Fact]
    public async Task A_bulk_file_deletes_what_is_missing_and_revives_what_comes_back()
    {
        var district = await db.CreateDistrictAsync();
        await SetSettingsAsync(district.Id, """{"deletionThreshold": 0.5}""");
        using var ten = RosterPackageBuilder.Standard(10);
        using var nine = RosterPackageBuilder.Standard(9);
        AssertApplied(await ImportAsync(district.Id, ten.Folder));

        var dropped = await ImportAsync(district.Id, nine.Folder);
        AssertApplied(dropped);
        Assert.Equal((1, 1), (dropped.Counts["users"].Deleted, dropped.Counts["enrollments"].Deleted));
        Assert.Equal("tobedeleted", await StatusOfAsync(district.Id, "stu10"));

        var back = await ImportAsync(district.Id, ten.Folder);
        Assert.Equal((1, 1), (back.Counts["users"].Revived, back.Counts["enrollments"].Revived));
        Assert.Equal("active", await StatusOfAsync(district.Id, "stu10"));
    }

    [Fact]
    public async Task A_delta_deletes_only_what_it_marks_tobedeleted_and_absent_files_touch_nothing()
    {
        var district = await db.CreateDistrictAsync();
        AssertApplied(await ImportAsync(district.Id, Samples.Path("northwind-1.1-bulk")));
        var classesBefore = await CountAsync(district.Id, "select count(*) from classes where status = 'active'");

        var delta = await ImportAsync(district.Id, Samples.Path("northwind-1.1-delta"));

        AssertApplied(delta);
        Assert.Equal(new EntityCounts(1, 1, 1, 0, 0, 0), delta.Counts["users"]);
        Assert.Equal(new EntityCounts(2, 0, 1, 0, 0, 0), delta.Counts["enrollments"]);
        Assert.False(delta.Counts.ContainsKey("classes")); // absent: not even compared
        Assert.Equal(classesBefore, await CountAsync(district.Id, "select count(*) from classes where status = 'active'"));
        Assert.Equal(19, await CountAsync(district.Id, "select count(*) from users where source = 'sis' and status = 'active'"));
        Assert.Equal(36, await CountAsync(district.Id, "select count(*) from enrollments where status = 'active'"));
        Assert.Equal("tobedeleted", await StatusOfAsync(district.Id, "nw-s-007"));
        Assert.Equal("Martinez-Reyes", await ScalarAsync<string>(district.Id, "select family_name from users where user_name = 'sophia.martinez'"));

        var again = await ImportAsync(district.Id, Samples.Path("northwind-1.1-delta"));
        foreach (var (entity, c) in again.Counts) Assert.True(c.Created + c.Updated + c.Deleted + c.Revived == 0, $"{entity}: {c}");
    }

    [Fact]
    public async Task A_package_with_only_a_manifest_changes_nothing()
    {
        var district = await db.CreateDistrictAsync();
        AssertApplied(await ImportAsync(district.Id, Samples.Path("northwind-1.1-bulk")));
        using var empty = new RosterPackageBuilder().With("manifest.csv", """
            propertyName,value
            manifest.version,1.0
            oneroster.version,1.1
            file.users,absent
            """);

        var outcome = await ImportAsync(district.Id, empty.Folder);

        Assert.Equal(RunStatus.Succeeded, outcome.Status);
        Assert.Empty(outcome.Counts);
        Assert.Equal(19, await CountAsync(district.Id, "select count(*) from users where source = 'sis' and status = 'active'"));
    }

    [Fact]
    public async Task A_header_only_bulk_file_is_held_and_nothing_is_applied_until_an_admin_applies_it()
    {
        var district = await db.CreateDistrictAsync();
        using var package = RosterPackageBuilder.Standard(10);
        AssertApplied(await ImportAsync(district.Id, package.Folder));
        package.With("enrollments.csv", "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n");

        var run = await db.Imports.CreateAsync(new ImportRequest(district.Id, package.Folder, "test", ImportTrigger.Upload, TestDatabase.TestActor,
            PackageSha256: "sha"));
        var held = await db.Imports.RunAsync(district.Id, run, TestDatabase.TestActor);

        Assert.Equal(RunStatus.Held, held.Status);
        Assert.Contains("enrollments: 12 of 12 active", held.FailureReason);
        Assert.Equal(12, held.Counts["enrollments"].Deleted);
        Assert.Equal(12, await CountAsync(district.Id, "select count(*) from enrollments where status = 'active'"));
        Assert.Contains((RowError.Warning, "enrollments.csv", null, null, "W_EMPTY_BULK"),
            (await ErrorsAsync(district.Id, run)).Select(e => (e.Severity, e.File, e.Line, e.Column, e.Code)));
        Assert.Equal(12, await CountAsync(district.Id, $"select count(*) from import_changes where run_id = '{run}' and action = 'deleted'"));

        var applied = await db.Imports.RunAsync(district.Id, run, TestDatabase.TestActor, applyReviewed: true);
        AssertApplied(applied);
        Assert.Equal(0, await CountAsync(district.Id, "select count(*) from enrollments where status = 'active'"));
    }

    [Fact]
    public async Task A_dry_run_computes_and_stores_the_diff_without_applying_it()
    {
        var district = await db.CreateDistrictAsync();
        using var package = RosterPackageBuilder.Standard(4);

        var dry = await ImportAsync(district.Id, package.Folder, dryRun: true);

        Assert.Equal(RunStatus.DryRun, dry.Status);
        Assert.Equal(7, dry.Counts["users"].Created);
        Assert.Equal(0, await CountAsync(district.Id, "select count(*) from users where source = 'sis'"));
        Assert.Equal(0, await CountAsync(district.Id, "select count(*) from external_ids"));
        Assert.Equal(7, await CountAsync(district.Id, $"select count(*) from import_changes where run_id = '{dry.RunId}' and entity_type = 'users'"));
    }

    [Fact]
    public async Task A_fault_in_the_middle_of_apply_leaves_the_previous_roster_intact_and_the_run_failed()
    {
        var district = await db.CreateDistrictAsync();
        using var package = RosterPackageBuilder.Standard(6);
        AssertApplied(await ImportAsync(district.Id, package.Folder));
        using var changed = RosterPackageBuilder.Standard(6);
        changed.With("users.csv", RosterPackageBuilder.Users(6).Replace("Number3", "Renamed")).With("classes.csv",
            RosterPackageBuilder.Classes.Replace("Biology - P2", "Biology - Period 2"));
        var importer = new RosterImporter(db.App)
        {
            AfterApplying = entity => entity == "users" ? throw new IOException("disk on fire") : Task.CompletedTask,
        };

        var outcome = await ImportAsync(district.Id, changed.Folder, importer: importer);

        Assert.Equal(RunStatus.Failed, outcome.Status);
        Assert.Contains("disk on fire", outcome.FailureReason);
        Assert.Equal("Biology - P2", await ScalarAsync<string>(district.Id, "select title from classes where class_code = 'BIO-2'")); // applied before the fault, rolled back
        Assert.Equal(1L, await CountAsync(district.Id, "select count(*) from users where family_name = 'Number3'"));
        Assert.Equal("failed", await ScalarAsync<string>(district.Id, $"select status from import_runs where id = '{outcome.RunId}'"));
    }

    [Fact]
    public async Task Two_imports_of_one_district_run_one_after_the_other_and_two_districts_stay_apart()
    {
        var a = await db.CreateDistrictAsync();
        var b = await db.CreateDistrictAsync();
        using var package = RosterPackageBuilder.Standard(8);

        var outcomes = await Task.WhenAll(ImportAsync(a.Id, package.Folder), ImportAsync(a.Id, package.Folder),
            ImportAsync(b.Id, Samples.Path("northwind-1.1-bulk")));

        Assert.All(outcomes, AssertApplied);
        Assert.Equal(11, outcomes.Take(2).Sum(o => o.Counts["users"].Created)); // one created them, the other found them
        var history = await ScalarAsync<string>(a.Id, $"""
            select string_agg(status || '@' || to_char(coalesce(started_at, created_at), 'HH24MISSUS') || '-' || to_char(finished_at, 'HH24MISSUS'), ' ' order by started_at)
            from import_runs where id in ('{outcomes[0].RunId}', '{outcomes[1].RunId}')
            """);
        var (first, second) = await RunWindowsAsync(a.Id, outcomes[0].RunId, outcomes[1].RunId);
        Assert.True(first.Finished <= second.Started || second.Finished <= first.Started, history);
        Assert.Equal(11, await CountAsync(a.Id, "select count(*) from users where source = 'sis'"));
        Assert.Equal(19, await CountAsync(b.Id, "select count(*) from users where source = 'sis'"));
        Assert.Equal(0, await CountAsync(b.Id, "select count(*) from users where user_name like 'stu%'"));
    }

    [Fact]
    public async Task Row_errors_carry_file_line_and_column_and_odd_line_endings_and_case_are_read()
    {
        var district = await db.CreateDistrictAsync();

        var outcome = await ImportAsync(district.Id, Samples.Path("northwind-1.1-errors"));

        Assert.Equal(RunStatus.SucceededWithWarnings, outcome.Status);
        var errors = (await ErrorsAsync(district.Id, outcome.RunId)).Select(e => (e.Severity, e.File, e.Line, e.Column, e.Code)).ToList();
        Assert.Contains((RowError.Error, "users.csv", 17, "givenName", "E_REQUIRED"), errors);
        Assert.Contains((RowError.Error, "users.csv", 18, null, "E_FIELD_COUNT"), errors);
        Assert.Contains((RowError.Error, "enrollments.csv", 37, "role", "E_ENUM"), errors);
        Assert.Contains((RowError.Error, "classes.csv", 8, "courseSourcedId", "E_REFERENCE"), errors);
        Assert.Contains((RowError.Error, "academicSessions.csv", 5, "startDate", "E_DATE"), errors);
        Assert.Contains((RowError.Warning, "users.csv", 6, "role", "W_CASE"), errors);
        Assert.Contains((RowError.Warning, "users.csv", 7, "enabledUser", "W_CASE"), errors);
        Assert.Contains((RowError.Warning, "classes.csv", 7, "classType", "W_CASE"), errors);
        // Everything valid landed: the BOM + CRLF users file and the bare-CR enrollments file read like the clean package.
        Assert.Equal(19, await CountAsync(district.Id, "select count(*) from users where source = 'sis' and status = 'active'"));
        Assert.Equal(35, await CountAsync(district.Id, "select count(*) from enrollments where status = 'active'"));
        Assert.Equal(6, await CountAsync(district.Id, "select count(*) from classes"));
    }

    [Fact]
    public async Task Strict_mode_fails_the_run_on_any_row_error_and_applies_nothing()
    {
        var district = await db.CreateDistrictAsync();
        await SetSettingsAsync(district.Id, """{"mode": "strict"}""");

        var outcome = await ImportAsync(district.Id, Samples.Path("northwind-1.1-errors"));

        Assert.Equal(RunStatus.Failed, outcome.Status);
        Assert.Contains("Strict mode", outcome.FailureReason);
        Assert.Equal(0, await CountAsync(district.Id, "select count(*) from users where source = 'sis'"));
    }

    [Fact]
    public async Task A_1_2_package_imports_roles_and_guardians()
    {
        var district = await db.CreateDistrictAsync();

        var outcome = await ImportAsync(district.Id, Samples.Path("riverside-1.2-bulk"));

        AssertApplied(outcome);
        Assert.Equal(20, outcome.Counts["roles"].Created);
        // rs-s-001 is Alejandro Ruiz with preferredGivenName Alex: 1.2's preferred names make the display name.
        Assert.Equal("Alex Ruiz", await ScalarAsync<string>(district.Id,
            "select display_name from users u join external_ids x on x.internal_id = u.id where x.external_id = 'rs-s-001'"));
        Assert.Equal(2, await CountAsync(district.Id, """
            select count(*) from guardian_links l join external_ids x on x.internal_id = l.student_id where x.external_id = 'rs-s-005'
            """));
        Assert.Equal(3, await CountAsync(district.Id, "select count(*) from user_roles where role = 'Teacher' and source = 'sis'"));
    }

    [Fact]
    public async Task Locally_edited_names_follow_the_districts_policy_and_every_conflict_is_recorded()
    {
        var district = await db.CreateDistrictAsync();
        await SetSettingsAsync(district.Id, """{"localEdits": "LocalWins"}""");
        using var package = RosterPackageBuilder.Standard(2);
        AssertApplied(await ImportAsync(district.Id, package.Folder));
        await ExecAsync(district.Id, "update users set display_name = 'Stu One (edited)', locally_edited = '{display_name}' where user_name = 'stu1@test.example'");
        package.With("users.csv", RosterPackageBuilder.Users(2).Replace("Student,Number1", "Student,Renamed1"));

        var kept = await ImportAsync(district.Id, package.Folder);

        Assert.Equal("Stu One (edited)", await ScalarAsync<string>(district.Id, "select display_name from users where user_name = 'stu1@test.example'"));
        Assert.Equal("Renamed1", await ScalarAsync<string>(district.Id, "select family_name from users where user_name = 'stu1@test.example'"));
        Assert.Equal(1, await CountAsync(district.Id, $"select count(*) from import_changes where run_id = '{kept.RunId}' and action = 'conflict'"));

        await SetSettingsAsync(district.Id, """{"localEdits": "SisWins"}""");
        package.With("users.csv", RosterPackageBuilder.Users(2).Replace("Student,Number1", "Student,Again1"));
        var overwritten = await ImportAsync(district.Id, package.Folder);
        Assert.Equal("Student Again1", await ScalarAsync<string>(district.Id, "select display_name from users where user_name = 'stu1@test.example'"));
        Assert.Equal(1, await CountAsync(district.Id, $"select count(*) from import_changes where run_id = '{overwritten.RunId}' and action = 'conflict'"));
    }

    const string UsersHeader =
        "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password";

    [Fact]
    public async Task Row_findings_past_ten_thousand_per_file_are_counted_not_stored_and_the_run_still_applies()
    {
        var district = await db.CreateDistrictAsync();
        using var package = RosterPackageBuilder.Standard(2);
        package.With("users.csv", RosterPackageBuilder.Users(2) + string.Concat(Enumerable.Range(0, 12_000).Select(i => $"bad{i}\n")));

        var outcome = await ImportAsync(district.Id, package.Folder);

        AssertApplied(outcome);
        Assert.Equal(12_000, outcome.Errors);
        Assert.Equal(5, outcome.Counts["users"].Created);
        var errors = await ErrorsAsync(district.Id, outcome.RunId);
        Assert.Equal(RowErrorLog.StoredPerFile, errors.Count(e => e.File == "users.csv" && e.Line != null));
        var summary = Assert.Single(errors, e => e.File == "users.csv" && e.Line == null);
        Assert.Equal((RowError.Error, "E_FIELD_COUNT"), (summary.Severity, summary.Code));
        Assert.Contains("2,000 more E_FIELD_COUNT", await ScalarAsync<string>(district.Id,
            $"select message from import_row_errors where run_id = '{outcome.RunId}' and line is null"));
        var findings = JsonDocument.Parse(await ScalarAsync<string>(district.Id, $"select findings::text from import_runs where id = '{outcome.RunId}'"))
            .RootElement.GetProperty("users.csv");
        Assert.Equal(12_000, findings.GetProperty("total").GetInt32());
        Assert.Equal(RowErrorLog.StoredPerFile, findings.GetProperty("stored").GetInt32());
        Assert.True(findings.GetProperty("truncated").GetBoolean());
        Assert.Equal(12_000, findings.GetProperty("codes").GetProperty("E_FIELD_COUNT").GetInt32());
    }

    [Fact]
    public async Task A_users_file_of_200k_garbage_lines_fails_fast_with_flat_memory_and_capped_stored_errors()
    {
        var district = await db.CreateDistrictAsync();
        using var good = RosterPackageBuilder.Standard(4);
        AssertApplied(await ImportAsync(district.Id, good.Folder));
        using var garbage = RosterPackageBuilder.Standard(4);
        garbage.With("users.csv", UsersHeader + "\n" + string.Concat(Enumerable.Repeat("x\n", 200_000)));

        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();
        long peak = 0;
        using var sampler = new Timer(_ => Interlocked.Exchange(ref peak, Math.Max(Interlocked.Read(ref peak), GC.GetTotalMemory(false))), null, 0, 20);
        var outcome = await ImportAsync(district.Id, garbage.Folder);
        clock.Stop();
        output.WriteLine($"200k bad lines: {clock.ElapsedMilliseconds} ms, managed heap before {heapBefore / 1_048_576} MB, peak {Interlocked.Read(ref peak) / 1_048_576} MB");

        Assert.Equal(RunStatus.Failed, outcome.Status);
        Assert.Contains($"Too many row errors: more than {RowErrorLog.MaxErrors:N0} (most in users.csv, mostly E_FIELD_COUNT)", outcome.FailureReason);
        Assert.Equal(RowErrorLog.MaxErrors + 1, outcome.Errors); // reading stopped at the limit
        var errors = await ErrorsAsync(district.Id, outcome.RunId);
        Assert.Equal(RowErrorLog.StoredPerFile + 1, errors.Count); // the first 10,000 and one summary row
        Assert.Equal(RowErrorLog.MaxErrors + 1, await ScalarAsync<int>(district.Id, $"select error_count from import_runs where id = '{outcome.RunId}'"));
        Assert.Equal(RowErrorLog.MaxErrors + 1, await ScalarAsync<int>(district.Id,
            $"select (findings -> 'users.csv' -> 'codes' ->> 'E_FIELD_COUNT')::int from import_runs where id = '{outcome.RunId}'"));
        Assert.Equal(7, await CountAsync(district.Id, "select count(*) from users where source = 'sis' and status = 'active'")); // untouched
        Assert.True(Interlocked.Read(ref peak) - heapBefore < 200 * 1_048_576, $"heap grew by {(Interlocked.Read(ref peak) - heapBefore) / 1_048_576} MB");
    }

    [Fact]
    public async Task Row_findings_are_stored_even_when_the_apply_fails_and_rolls_back()
    {
        var district = await db.CreateDistrictAsync();
        using var package = RosterPackageBuilder.Standard(3);
        package.With("users.csv", RosterPackageBuilder.Users(3).Replace("stu2,,,true", "stu2,,,maybe") + "ragged\n");
        var importer = new RosterImporter(db.App) { AfterApplying = entity => entity == "users" ? throw new IOException("disk on fire") : Task.CompletedTask };

        var outcome = await ImportAsync(district.Id, package.Folder, importer: importer);

        Assert.Equal(RunStatus.Failed, outcome.Status);
        var errors = await ErrorsAsync(district.Id, outcome.RunId);
        Assert.Contains((RowError.Error, "users.csv", 6, "enabledUser", "E_BOOL"), errors);
        Assert.Contains((RowError.Error, "users.csv", 8, null, "E_FIELD_COUNT"), errors);
        Assert.Contains(errors, e => e is { File: "enrollments.csv", Code: "E_REFERENCE" }); // found inside the rolled-back transaction
        Assert.Equal(outcome.Errors, await ScalarAsync<int>(district.Id, $"select error_count from import_runs where id = '{outcome.RunId}'"));
        Assert.Equal(0, await CountAsync(district.Id, "select count(*) from users where source = 'sis'"));
    }

    /// <summary>stu3's sourcedId, stu4's familyName and stu5's orgSourcedIds list each hold one NUL byte.</summary>
    static RosterPackageBuilder PackageWithNuls() => RosterPackageBuilder.Standard(6).With("users.csv", RosterPackageBuilder.Users(6)
        .Replace("stu3,,,true", "st\0u3,,,true").Replace("Number4,", "Num\0ber4,").Replace("stu5,,,true,s1,", "stu5,,,true,\"s1,d\01\","));

    [Fact]
    public async Task A_NUL_byte_in_a_field_rejects_its_row_with_E_NUL_and_a_lenient_run_applies_the_rest()
    {
        var district = await db.CreateDistrictAsync();
        using var clean = RosterPackageBuilder.Standard(6);
        AssertApplied(await ImportAsync(district.Id, clean.Folder));
        using var package = PackageWithNuls();

        var outcome = await ImportAsync(district.Id, package.Folder);

        Assert.Equal(RunStatus.SucceededWithWarnings, outcome.Status);
        var errors = await ErrorsAsync(district.Id, outcome.RunId);
        Assert.Contains((RowError.Error, "users.csv", 7, "sourcedId", "E_NUL"), errors);
        Assert.Contains((RowError.Error, "users.csv", 8, "familyName", "E_NUL"), errors);
        Assert.Contains((RowError.Error, "users.csv", 9, "orgSourcedIds", "E_NUL"), errors);
        Assert.Equal(3, outcome.Counts["users"].Invalid);
        Assert.Equal(0, outcome.Counts["users"].Deleted); // a rejected row never deletes its record
        foreach (var sid in new[] { "stu3", "stu4", "stu5" }) Assert.Equal("active", await StatusOfAsync(district.Id, sid));
        Assert.Equal("Number4", await ScalarAsync<string>(district.Id, "select family_name from users where user_name = 'stu4@test.example'"));

        var fresh = await db.CreateDistrictAsync();
        var first = await ImportAsync(fresh.Id, package.Folder);
        Assert.Equal(RunStatus.SucceededWithWarnings, first.Status);
        Assert.Equal(6, first.Counts["users"].Created); // 2 teachers, the guardian, stu1, stu2, stu6

        // The manifest is the package's own description: a NUL there fails the run with a clear reason, not PostgreSQL's.
        package.With("manifest.csv", RosterPackageBuilder.Manifest11Bulk.Replace("testsis", "test\0sis"));
        var broken = await ImportAsync(fresh.Id, package.Folder);
        Assert.Equal(RunStatus.Failed, broken.Status);
        Assert.Equal("manifest.csv: a field holds a NUL byte (0x00); the manifest cannot be trusted.", broken.FailureReason);
    }

    [Fact]
    public async Task A_ragged_row_with_a_NUL_in_its_sourcedId_deletes_nothing_and_a_NUL_in_a_demographics_header_fails_nothing()
    {
        var district = await db.CreateDistrictAsync();
        using var package = RosterPackageBuilder.Standard(4);
        AssertApplied(await ImportAsync(district.Id, package.Folder));

        package.With("manifest.csv", RosterPackageBuilder.Manifest11Bulk.Replace("file.demographics,absent", "file.demographics,bulk"))
            .With("users.csv", RosterPackageBuilder.Users(4).Replace("stu3,,,true,s1,student,", "stu3\0,,,true,s1,student,extra,"))
            .With("demographics.csv", "sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,local\0flag\n" +
                                      "stu1,,,2011-04-02,female,false,x\n");
        var outcome = await ImportAsync(district.Id, package.Folder);

        Assert.Equal(RunStatus.SucceededWithWarnings, outcome.Status);
        Assert.Contains((RowError.Error, "users.csv", 7, null, "E_FIELD_COUNT"), await ErrorsAsync(district.Id, outcome.RunId));
        Assert.Equal(0, outcome.Counts["users"].Deleted); // the rejected row's record stays
        Assert.Equal("active", await StatusOfAsync(district.Id, "stu3"));
        Assert.Equal(1, outcome.Counts["demographics"].Created);
    }

    [Fact]
    public async Task A_NUL_byte_fails_a_strict_run_like_any_row_error()
    {
        var district = await db.CreateDistrictAsync();
        await SetSettingsAsync(district.Id, """{"mode": "strict"}""");
        using var package = PackageWithNuls();

        var outcome = await ImportAsync(district.Id, package.Folder);

        Assert.Equal(RunStatus.Failed, outcome.Status);
        Assert.Equal("Strict mode: 3 row errors; nothing was applied.", outcome.FailureReason);
        Assert.Equal(3, (await ErrorsAsync(district.Id, outcome.RunId)).Count(e => e.Code == "E_NUL"));
        Assert.Equal(0, await CountAsync(district.Id, "select count(*) from users where source = 'sis'"));
    }

    async Task<string> StatusOfAsync(Guid tenant, string sid) =>
        await ScalarAsync<string>(tenant, $"select u.status from users u join external_ids x on x.internal_id = u.id and x.entity_type = 'users' where x.external_id = '{sid}'");

    async Task<T> ScalarAsync<T>(Guid tenant, string sql)
    {
        await using var conn = await db.OpenAsTenantAsync(tenant);
        return await TestDatabase.ScalarAsync<T>(conn, sql);
    }

    async Task ExecAsync(Guid tenant, string sql)
    {
        await using var conn = await db.OpenAsTenantAsync(tenant);
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    async Task<((DateTime Started, DateTime Finished) First, (DateTime Started, DateTime Finished) Second)> RunWindowsAsync(Guid tenant, Guid a, Guid b)
    {
        // "validating" is entered only once the district's import lock is held.
        async Task<(DateTime, DateTime)> Window(Guid run) => (
            await ScalarAsync<DateTime>(tenant, $"select (h->>'at')::timestamptz from import_runs, jsonb_array_elements(history) h where id = '{run}' and h->>'status' = 'validating' limit 1"),
            await ScalarAsync<DateTime>(tenant, $"select finished_at from import_runs where id = '{run}'"));
        return (await Window(a), await Window(b));
    }
}
