using System.IO.Compression;
using LmsCloud.Sis;
using LmsCloud.Sis.Export;
using LmsCloud.Sis.Generation;
using LmsCloud.Tests.Infrastructure;
using Npgsql;

namespace LmsCloud.Tests.Sis;

/// <summary>
/// The district's OneRoster 1.2 export against a real database (app role, RLS on): our own importer re-imports it with
/// zero changes, into the same district and into a fresh one with the counts of the original import.
/// </summary>
public sealed class OneRosterExportTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    async Task<ImportOutcome> ImportAsync(Guid tenant, string package)
    {
        var outcome = (await db.Imports.ImportAsync(new ImportRequest(tenant, package, "test", ImportTrigger.Cli, TestDatabase.TestActor,
            PackageSha256: "sha"))).Outcome;
        Assert.True(outcome.Status is RunStatus.Succeeded or RunStatus.SucceededWithWarnings,
            $"{outcome.Status}: {outcome.FailureReason} {string.Join("; ", outcome.Counts)}");
        return outcome;
    }

    /// <summary>Exports the district into a new folder, one file per entry, as the importer reads a folder.</summary>
    async Task<(string Folder, IReadOnlyList<OneRosterFile> Files)> ExportAsync(Guid tenant)
    {
        var folder = Directory.CreateTempSubdirectory("oneroster-export-").FullName;
        await using var conn = await db.OpenAsTenantAsync(tenant);
        var files = await OneRosterExport.WriteAsync(conn, name => File.Create(Path.Combine(folder, name)), CancellationToken.None);
        return (folder, files);
    }

    static void AssertNoChanges(ImportOutcome outcome)
    {
        foreach (var (entity, c) in outcome.Counts)
            Assert.True(c.Created + c.Updated + c.Deleted + c.Revived == 0, $"{entity}: {c}");
    }

    /// <summary>What an import did per entity, without "unchanged" and "invalid" (a first import has nothing unchanged).</summary>
    static Dictionary<string, (int, int, int, int)> Changes(ImportOutcome outcome) =>
        outcome.Counts.ToDictionary(c => c.Key, c => (c.Value.Created, c.Value.Updated, c.Value.Deleted, c.Value.Revived));

    [Theory]
    [InlineData("riverside-1.2-bulk")]
    [InlineData("northwind-1.1-bulk")] // a 1.1 roster (role and orgs on users.csv) comes back as 1.2 roles.csv
    public async Task A_sample_district_exported_and_reimported_changes_nothing_and_a_fresh_district_gets_the_same_counts(string sample)
    {
        var district = await db.CreateDistrictAsync();
        var original = await ImportAsync(district.Id, Samples.Path(sample));

        var (folder, files) = await ExportAsync(district.Id);

        var again = await ImportAsync(district.Id, folder);
        Assert.Equal(RunStatus.Succeeded, again.Status); // no warning, no row error either
        AssertNoChanges(again);
        var fresh = await db.CreateDistrictAsync();
        var copy = await ImportAsync(fresh.Id, folder);
        Assert.Equal(Changes(original), Changes(copy));

        // The records the export counted are the file's rows, and what the re-import found unchanged.
        var records = files.ToDictionary(f => f.FileName, f => f.Records);
        Assert.Equal(["manifest.csv", "orgs.csv", "academicSessions.csv", "courses.csv", "classes.csv", "users.csv", "roles.csv", "enrollments.csv",
            "demographics.csv"], files.Select(f => f.FileName));
        Assert.Equal(again.Counts["users"].Unchanged, records["users.csv"]);
        Assert.Equal(again.Counts["enrollments"].Unchanged, records["enrollments.csv"]);
        Assert.Equal(again.Counts["roles"].Unchanged, records["roles.csv"]);
        Assert.Equal(File.ReadLines(Path.Combine(folder, "enrollments.csv")).Count() - 1, records["enrollments.csv"]);
        var manifest = File.ReadAllLines(Path.Combine(folder, "manifest.csv"));
        Assert.Contains("oneroster.version,1.2", manifest);
        Assert.Contains(sample.StartsWith("riverside") ? "source.systemCode,rs-sis" : "source.systemCode,nw-sis", manifest);
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task Departed_people_are_left_out_and_what_still_names_them_is_kept_as_it_is_on_reimport()
    {
        var district = await db.CreateDistrictAsync();
        await ImportAsync(district.Id, Samples.Path("northwind-1.1-bulk"));
        await ImportAsync(district.Id, Samples.Path("northwind-1.1-delta")); // nw-s-007 tobedeleted, their enrollments stay active

        var (folder, _) = await ExportAsync(district.Id);
        var users = File.ReadAllText(Path.Combine(folder, "users.csv"));
        Assert.DoesNotContain("nw-s-007", users);
        Assert.Contains("nw-s-013", users); // created by the delta
        Assert.Contains("Martinez-Reyes", users); // changed by the delta
        Assert.DoesNotContain("nw-e-020", File.ReadAllText(Path.Combine(folder, "enrollments.csv"))); // deleted by the delta

        var again = await ImportAsync(district.Id, folder);
        AssertNoChanges(again);
        // The departed student's three active enrollments and demographics row cannot name them: rejected, so kept.
        Assert.Equal((3, 1), (again.Counts["enrollments"].Invalid, again.Counts["demographics"].Invalid));
        var errors = await db.RowErrorsAsync(district.Id, again.RunId);
        Assert.All(errors, e => Assert.Equal("E_REFERENCE", e.Code));
        await using var conn = await db.OpenAsTenantAsync(district.Id);
        Assert.Equal(36L, await TestDatabase.ScalarAsync<long>(conn, "select count(*) from enrollments where status = 'active'"));
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task Display_names_guardians_on_either_side_shared_emails_and_empty_lists_survive_the_round_trip()
    {
        var district = await db.CreateDistrictAsync();
        await ImportAsync(district.Id, Samples.Path("riverside-1.2-bulk"));
        await using (var conn = await db.OpenAsTenantAsync(district.Id))
        {
            // Display names a local edit (or a SIS's preferred names) may leave: each must come back the same.
            await using var cmd = new NpgsqlCommand("""
                update users u set display_name = v.shown from (values
                  ('rs-t-001', 'Dr. Ana Morales'), ('rs-t-002', 'Kevin Park-Lee'), ('rs-t-003', 'Gee Tee Three'),
                  ('rs-s-004', '100% O''Neil_x')) v(sid, shown)
                join external_ids x on x.external_id = v.sid and x.entity_type = 'users'
                where u.id = x.internal_id;
                update courses set subjects = '{}' where course_code = 'MA-210';
                -- a student who is also a parent: the link to her guardian must be written on the guardian's row
                insert into user_orgs (tenant_id, user_id, org_id, role)
                select u.tenant_id, u.id, m.org_id, 'parent' from users u join external_ids x on x.internal_id = u.id and x.external_id = 'rs-s-005'
                join user_orgs m on m.user_id = u.id;
                -- a second holder of a sign-in email keeps it for display only (the importer's rule); its sourcedId sorts first
                update users set email = (select email from users where user_name = 'kevin.park'), normalized_email = null
                where user_name = 'ana.morales';
                """, conn);
            await cmd.ExecuteNonQueryAsync();
        }

        var (folder, _) = await ExportAsync(district.Id);
        var again = await ImportAsync(district.Id, folder);

        Assert.Equal(RunStatus.SucceededWithWarnings, again.Status); // W_EMAIL_SHARED for the second holder only
        AssertNoChanges(again);
        Assert.Equal([("warning", "users.csv", "email", "W_EMAIL_SHARED")],
            (await db.RowErrorsAsync(district.Id, again.RunId)).Select(e => (e.Severity, e.File, e.Column, e.Code)));
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task A_generated_district_written_into_a_zip_inside_the_callers_transaction_reimports_with_no_change()
    {
        var district = await db.CreateDistrictAsync();
        var generated = Directory.CreateTempSubdirectory("oneroster-gen-").FullName;
        RosterPackageGenerator.Generate(generated, new GeneratorOptions { Students = 300, Teachers = 20, Classes = 60, Version = "1.2" });
        var original = await ImportAsync(district.Id, generated);

        var zipPath = Path.Combine(generated, "export.zip");
        IReadOnlyList<OneRosterFile> files;
        await using (var conn = await db.OpenAsTenantAsync(district.Id))
        await using (var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead))
        {
            using (var zip = ZipFile.Open(zipPath, ZipArchiveMode.Create))
                files = await OneRosterExport.WriteAsync(conn, name => zip.CreateEntry("oneroster/" + name).Open(), CancellationToken.None);
            Assert.Equal("on", await TestDatabase.ScalarAsync<string>(conn, "show enable_nestloop")); // its plan setting did not outlive it
            await tx.CommitAsync();
        }
        Assert.Equal(original.Counts["users"].Created, files.Single(f => f.FileName == "users.csv").Records);

        var again = await ImportAsync(district.Id, zipPath); // one folder level down, as the district export's oneroster/
        Assert.Equal(RunStatus.Succeeded, again.Status);
        AssertNoChanges(again);
        Assert.True(again.Counts["guardians"].Unchanged > 0);
        Directory.Delete(generated, recursive: true);
    }

    [Fact]
    public async Task The_export_holds_only_its_own_district_and_a_connection_without_one_is_refused()
    {
        var riverside = await db.CreateDistrictAsync();
        var northwind = await db.CreateDistrictAsync();
        await ImportAsync(riverside.Id, Samples.Path("riverside-1.2-bulk"));
        await ImportAsync(northwind.Id, Samples.Path("northwind-1.1-bulk"));
        await ImportAsync(riverside.Id, Samples.Path("riverside-1.2-bulk")); // a second district with the same sourcedIds
        var twin = await db.CreateDistrictAsync();
        await ImportAsync(twin.Id, Samples.Path("riverside-1.2-bulk"));

        var (folder, files) = await ExportAsync(riverside.Id);
        foreach (var file in Directory.GetFiles(folder))
            Assert.DoesNotContain("nw-", File.ReadAllText(file));
        Assert.Equal(19, files.Single(f => f.FileName == "users.csv").Records);
        Assert.Equal(30, files.Single(f => f.FileName == "enrollments.csv").Records);

        await using var none = await db.OpenAsTenantAsync(null);
        await Assert.ThrowsAsync<InvalidOperationException>(() => OneRosterExport.WriteAsync(none, _ => Stream.Null, CancellationToken.None));
        Directory.Delete(folder, recursive: true);
    }
}
