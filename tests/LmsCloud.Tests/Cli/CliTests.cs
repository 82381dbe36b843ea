using LmsCloud.Core.Database;
using LmsCloud.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace LmsCloud.Tests.Cli;

/// <summary>The operators' CLI, run in-process against this class's database.</summary>
public sealed class CliTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task Create_then_list_shows_the_district_and_suspend_resume_change_its_status()
    {
        var slug = $"cli{Guid.NewGuid():N}"[..12];

        var created = await RunAsync("tenants", "create", "--slug", slug, "--name", "Lakeside ISD", "--time-zone", "America/Denver");
        Assert.Equal(0, created.Code);
        Assert.StartsWith($"created district {slug} (", created.Out);

        Assert.Equal(0, (await RunAsync("tenants", "suspend", "--slug", slug)).Code);
        var listed = await RunAsync("tenants", "list");
        Assert.Equal(0, listed.Code);
        Assert.Matches($@"(?m)^{slug}\s+suspended\s+.*Lakeside ISD$", listed.Out);

        Assert.Equal(0, (await RunAsync("tenants", "resume", "--slug", slug)).Code);
        Assert.Matches($@"(?m)^{slug}\s+active\s+", (await RunAsync("tenants", "list")).Out);
    }

    [Theory]
    [InlineData("Bad_Slug", "Invalid slug 'Bad_Slug'")]
    [InlineData("www", "The slug 'www' is reserved.")]
    public async Task A_bad_slug_fails_with_one_line(string slug, string reason)
    {
        var result = await RunAsync("tenants", "create", "--slug", slug, "--name", "X");

        Assert.Equal(1, result.Code);
        Assert.StartsWith($"lms: {reason}", result.Error);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task A_duplicate_slug_fails_with_one_line_and_keeps_the_first_district()
    {
        var slug = $"dup{Guid.NewGuid():N}"[..12];
        Assert.Equal(0, (await RunAsync("tenants", "create", "--slug", slug, "--name", "First")).Code);

        var again = await RunAsync("tenants", "create", "--slug", slug, "--name", "Second");

        Assert.Equal(1, again.Code);
        Assert.Equal($"lms: A district with slug '{slug}' already exists.", again.Error.TrimEnd());
        Assert.Matches($@"(?m)^{slug}\s+active\s+.*First$", (await RunAsync("tenants", "list")).Out);
    }

    [Fact]
    public async Task Suspending_an_unknown_district_fails()
    {
        var result = await RunAsync("tenants", "suspend", "--slug", "nosuchdistrict");
        Assert.Equal((1, "lms: No district has the slug 'nosuchdistrict'."), (result.Code, result.Error.TrimEnd()));
    }

    [Theory]
    [InlineData("tenants", "frob")]
    [InlineData("tenants", "create", "--name", "No Slug")]
    [InlineData("tenants", "list", "--colour", "red")]
    [InlineData("tenants", "create", "--slug")]
    public async Task Usage_errors_exit_2_and_show_the_usage(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.Equal(2, result.Code);
        Assert.Contains("usage: lms", result.Error);
    }

    [Fact]
    public async Task No_database_fails_with_one_line()
    {
        var unreachable = new Dictionary<string, string?>
        {
            ["ConnectionStrings:App"] = $"Host=127.0.0.1;Port={TestCluster.FreePort()};Username=x;Password=y;Timeout=3",
        };
        var result = await RunWithAsync(unreachable, "tenants", "list");

        Assert.Equal(1, result.Code);
        Assert.StartsWith("lms: cannot reach the database:", result.Error);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task Db_info_shows_both_roles_and_db_migrate_finds_nothing_to_do()
    {
        var info = await RunAsync("db", "info");
        Assert.Equal(0, info.Code);
        Assert.Contains("Username=lms_app", info.Out);
        Assert.Contains("Username=lms_owner", info.Out);
        Assert.Contains("0 pending", info.Out);

        var migrate = await RunAsync("db", "migrate");
        Assert.Equal(0, migrate.Code);
        Assert.Contains("0 applied now", migrate.Out);
    }

    [Fact]
    public async Task Users_create_and_list_and_audit_verify_work_per_district_and_catch_a_tampered_chain()
    {
        var district = await db.CreateDistrictAsync();

        var created = await RunAsync("users", "create", "--tenant", district.Slug, "--email", "ops.admin@example.test", "--role", "districtadmin",
            "--name", "Ops Admin", "--password", "a long enough password");
        Assert.Equal(0, created.Code);
        Assert.Contains("as DistrictAdmin", created.Out);
        Assert.Equal(1, (await RunAsync("users", "create", "--tenant", district.Slug, "--email", "ops.admin@example.test", "--role", "Teacher")).Code);
        var badRole = await RunAsync("users", "create", "--tenant", district.Slug, "--email", "x@example.test", "--role", "Janitor");
        Assert.Equal(1, badRole.Code);
        Assert.Contains("Unknown role(s): Janitor", badRole.Error);
        Assert.Equal(1, (await RunAsync("users", "list", "--tenant", "nosuchdistrict")).Code);

        var listed = await RunAsync("users", "list", "--tenant", district.Slug);
        Assert.Matches(@"(?m)^ops\.admin@example\.test\s+DistrictAdmin\s+active\s+Ops Admin$", listed.Out);

        var verified = await RunAsync("audit", "verify", "--tenant", district.Slug);
        Assert.Equal((0, $"audit chain of {district.Slug} intact: 3 events checked"), (verified.Code, verified.Out.TrimEnd()));

        await using (var owner = new Npgsql.NpgsqlConnection(db.ConnectionStrings.Owner))
        {
            await owner.OpenAsync();
            await TenantSession.SetAsync(owner, district.Id);
            await using var cmd = new Npgsql.NpgsqlCommand($"""
                alter table audit_events disable trigger audit_events_append_only;
                update audit_events set actor_id = 'someone else' where seq = 2;
                alter table audit_events enable trigger audit_events_append_only;
                """, owner);
            await cmd.ExecuteNonQueryAsync();
        }
        var broken = await RunAsync("audit", "verify", "--tenant", district.Slug);
        Assert.Equal(1, broken.Code);
        Assert.Contains("broken at seq 2", broken.Error);
    }

    [Fact]
    public async Task Sis_import_shows_progress_and_counts_exits_1_when_held_and_records_access_changes_in_the_audit_chain()
    {
        var district = await db.CreateDistrictAsync();

        var imported = await RunAsync("sis", "import", "--tenant", district.Slug, Samples.Path("northwind-1.1-bulk"));
        Assert.Equal(0, imported.Code);
        Assert.Contains("100% done", imported.Out);
        Assert.Matches(@"(?m)^enrollments\s+35\s+0\s+0\s+0\s+0\s+0$", imported.Out);
        Assert.Contains("status: succeeded;", imported.Out);

        using var emptied = new Sis.RosterPackageBuilder()
            .With("manifest.csv", "propertyName,value\noneroster.version,1.1\nfile.enrollments,bulk\nsource.systemCode,nw-sis\n")
            .With("enrollments.csv", "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n");
        var held = await RunAsync("sis", "import", "--tenant", district.Slug, emptied.Folder);
        Assert.Equal(1, held.Code);
        Assert.StartsWith("lms: import held: Held: deletions over the threshold (enrollments: 35 of 35 active", held.Error);

        Assert.Equal(2, (await RunAsync("sis", "import", "--tenant", district.Slug)).Code);
        var verified = await RunAsync("audit", "verify", "--tenant", district.Slug);
        Assert.Equal(0, verified.Code);
        await using var conn = await db.OpenAsTenantAsync(district.Id);
        Assert.Equal(1L, await TestDatabase.ScalarAsync<long>(conn, "select count(*) from audit_events where action = 'roster.access_changed' and actor_type = 'import'"));
        // Recorded like every other starter's run: the trigger, and the requester as type:id of its audit actor.
        Assert.Equal(2L, await TestDatabase.ScalarAsync<long>(conn,
            $"select count(*) from import_runs where trigger = 'cli' and requested_by = 'operator:cli:{Environment.UserName}'"));
    }

    [Fact]
    public async Task Sis_generate_writes_a_package_the_importer_reads()
    {
        var district = await db.CreateDistrictAsync();
        var folder = Path.Combine(Path.GetTempPath(), $"gen-{Guid.NewGuid():N}");
        try
        {
            var generated = await RunAsync("sis", "generate", "--out", folder, "--students", "300", "--teachers", "20", "--classes", "60");
            Assert.Equal(0, generated.Code);
            var imported = await RunAsync("sis", "import", "--tenant", district.Slug, folder);
            Assert.Equal(0, imported.Code);
            Assert.Matches(@"(?m)^classes\s+60\s", imported.Out);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    Task<(int Code, string Out, string Error)> RunAsync(params string[] args) => RunWithAsync(new Dictionary<string, string?>
    {
        ["ConnectionStrings:App"] = db.ConnectionStrings.App,
        ["ConnectionStrings:Owner"] = db.ConnectionStrings.Owner,
    }, args);

    static async Task<(int Code, string Out, string Error)> RunWithAsync(Dictionary<string, string?> settings, params string[] args)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await LmsCloud.Cli.Cli.RunAsync(args, configuration, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
