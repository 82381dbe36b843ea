using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Api.Auth;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Database.Local;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Sis;
using LmsCloud.Sis.Generation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace LmsCloud.Benchmarks;

/// <summary>
/// <c>--pages</c>: the issue's "first page render under 100 ms server time for lists of 1,000 rows (paged)". Seeds one
/// district with 1,000+ rows in every listed table (users, audit events, import runs, one run's row errors and changes,
/// classes), signs in over HTTP with the form as a district admin (the session cookie), then requests each list page's
/// first page, warm-up first, and reports median and p95 of its <c>Server-Timing: app;dur=</c> against baselines
/// measured in the same run. The API runs in memory over a local PostgreSQL, one request in flight.
/// </summary>
public static class PagesBenchmark
{
    /// <summary>The pages measured: add a row for a new list page. <c>{run}</c> is the seeded import run; a 404 prints "not built".</summary>
    static readonly (string Name, string Path)[] Pages =
    [
        ("baseline: /health (no district, one select 1)", "/health"),
        ("baseline: home page (layout, session check)", "/"),
        ("audit trail", "/audit"),
        ("audit trail, filtered by action", "/audit?action=bench.event"),
        ("users", "/admin/users"),
        ("import runs", "/imports"),
        ("import run's row errors", "/imports/{run}/errors"),
        ("import run's changes", "/imports/{run}/changes"),
    ];

    const int Rows = 1_200, WarmUp = 20;
    const string Password = "correct horse battery staple";

    public static async Task<int> RunAsync(string work, int port, int requests)
    {
        var strings = EmbeddedPostgres.EnsureRunning(new EmbeddedPostgresOptions { DataDirectory = Path.Combine(work, "db"), Port = port });
        await MigrationRunner.ApplyAsync(strings.Owner!);
        var summary = await DistrictProvisioning.CreateAsync(strings, "bench", "Benchmark District", "America/Chicago");
        var district = new District(summary.Id, summary.Slug, summary.Name, DistrictStatus.Active);
        var key = SigningKeys.Generate();
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:App"] = strings.App, ["ConnectionStrings:Owner"] = strings.Owner!,
            ["Auth:SigningKeys:0:KeyId"] = key.KeyId, ["Auth:SigningKeys:0:Pem"] = key.Pem, ["Auth:EncryptionKey"] = SigningKeys.NewEncryptionKey(),
            ["Storage:Root"] = Path.Combine(work, "storage"), ["Logging:LogLevel:Default"] = "Warning",
        };
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "LmsCloud.sln"))) root = root.Parent!;
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_LMSCLOUD_API", Path.Combine(root.FullName, "src", "LmsCloud.Api"));

        await using var api = new AuthBenchmark.Api(settings, entryValidation: true);
        var seeding = Stopwatch.GetTimestamp();
        var runId = await SeedAsync(strings, district, Path.Combine(work, "package"));
        await DistrictScope.RunAsync(api.Services, district, scope => scope.GetRequiredService<UserAdministration>()
            .CreateAsync(new NewUser("admin@bench.test", "Bench Admin", [Roles.DistrictAdmin], Password)));
        await using (var conn = new NpgsqlConnection(strings.App))
        {
            await conn.OpenAsync();
            await TenantSession.SetAsync(conn, district.TenantId);
            var counts = new List<string>();
            foreach (var table in new[] { "users", "audit_events", "import_runs", "import_row_errors", "import_changes", "classes" })
            {
                await using var count = new NpgsqlCommand($"select count(*) from {table}", conn);
                counts.Add($"{table} {(long)(await count.ExecuteScalarAsync())!:N0}");
            }
            Console.WriteLine($"Seeded in {Stopwatch.GetElapsedTime(seeding).TotalSeconds:0.0} s: {string.Join(", ", counts)}");
        }

        var browser = api.Client(https: true); // keeps cookies, like a browser
        await SignInAsync(browser);
        Console.WriteLine($"{Environment.ProcessorCount} cores; {WarmUp} warm-up then {requests} requests per page, one in flight; Server-Timing app;dur in ms");
        Console.WriteLine();
        Console.WriteLine("| page | path | median ms | p95 ms | client median ms | first request ms (cold page) |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        foreach (var (name, template) in Pages)
        {
            var path = template.Replace("{run}", runId.ToString());
            var first = await browser.GetAsync(path);
            if (first.StatusCode == HttpStatusCode.NotFound)
            {
                Console.WriteLine($"| {name} | `{template}` | not built | | | |");
                continue;
            }
            if (first.StatusCode != HttpStatusCode.OK)
            {
                Console.WriteLine($"| {name} | `{template}` | answers {(int)first.StatusCode} | | | |");
                continue;
            }
            var (server, client) = await MeasureAsync(browser, path, requests);
            Console.WriteLine($"| {name} | `{template}` | {Percentile(server, 0.5):0.0} | {Percentile(server, 0.95):0.0} | {Percentile(client, 0.5):0.0} | {Duration(first):0.0} |");
        }
        return 0;
    }

    /// <summary>The district's rows: a roster import (users, classes, changes), then row errors, runs and audit events in bulk.</summary>
    static async Task<Guid> SeedAsync(DatabaseConnectionStrings strings, District district, string package)
    {
        RosterPackageGenerator.Generate(package, new GeneratorOptions { Students = Rows, Teachers = 100, Classes = Rows, DistrictName = district.DisplayName });
        await using var data = NpgsqlDataSource.Create(strings.App);
        var (runId, _) = await new ImportRuns(data, TimeProvider.System, NullLogger<ImportRuns>.Instance)
            .ImportAsync(new ImportRequest(district.TenantId, package, "bench.zip", "cli", AuditActor.Operator("bench")));

        await using var conn = await TenantSession.OpenAsync(data, district.TenantId);
        await using var tx = await conn.BeginTransactionAsync();
        await using (var bulk = new NpgsqlCommand("""
            insert into import_row_errors (tenant_id, run_id, seq, severity, file, line, column_name, code, message)
            select @tenant, @run, coalesce((select max(seq) from import_row_errors where run_id = @run), 0) + g, 'warning', 'users.csv', g + 1,
                   'email', 'bench.warning', 'Benchmark finding ' || g
            from generate_series(1, @rows) g;
            insert into import_changes (tenant_id, run_id, seq, entity_type, external_id, action, new_values)
            select @tenant, @run, coalesce((select max(seq) from import_changes where run_id = @run), 0) + g, 'user', 'bench-' || g, 'updated',
                   jsonb_build_object('givenName', 'Name ' || g)
            from generate_series(1, @rows) g;
            insert into import_runs (tenant_id, id, trigger, status, package_path, package_name, package_sha256, requested_by, created_at, finished_at)
            select @tenant, gen_random_uuid(), 'cli', 'succeeded', 'bench/' || g, 'bench-' || g || '.zip', md5(g::text), 'operator:bench',
                   now() - g * interval '1 day', now() - g * interval '1 day'
            from generate_series(1, @rows) g;
            """, conn, tx))
        {
            bulk.Parameters.AddWithValue("tenant", district.TenantId);
            bulk.Parameters.AddWithValue("run", runId);
            bulk.Parameters.AddWithValue("rows", Rows);
            await bulk.ExecuteNonQueryAsync();
        }
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < Rows; i++)
            await AuditLog.AppendAsync(conn, tx, district.TenantId, new AuditEntry("bench.event", "user", $"bench-{i}", Reason: $"benchmark {i}",
                After: new { i }), AuditActor.Operator("bench"), null, null, now.AddSeconds(i - Rows), default);
        await tx.CommitAsync();
        return runId;
    }

    /// <summary>The sign-in form as a browser posts it: the antiforgery token, then user name and password; the session cookie comes back.</summary>
    static async Task SignInAsync(HttpClient browser)
    {
        var antiforgery = await browser.GetFromJsonAsync<JsonElement>("/account/antiforgery");
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = "admin@bench.test", ["password"] = Password,
            [antiforgery.GetProperty("formFieldName").GetString()!] = antiforgery.GetProperty("token").GetString()!,
        });
        var signedIn = await browser.PostAsync("/account/sign-in", form);
        var home = await browser.GetStringAsync("/");
        if (!home.Contains("Bench Admin")) throw new InvalidOperationException($"sign-in failed ({(int)signedIn.StatusCode})");
    }

    static async Task<(List<double> Server, List<double> Client)> MeasureAsync(HttpClient browser, string path, int requests)
    {
        List<double> server = [], client = [];
        for (var i = 0; i < WarmUp + requests; i++)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await browser.GetAsync(path);
            await response.Content.ReadAsByteArrayAsync();
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            response.EnsureSuccessStatusCode();
            if (i < WarmUp) continue;
            server.Add(Duration(response));
            client.Add(elapsed);
        }
        return (server, client);
    }

    /// <summary>The response's <c>Server-Timing: app;dur=</c> in milliseconds.</summary>
    static double Duration(HttpResponseMessage response) =>
        double.Parse(response.Headers.GetValues(LmsCloud.Web.ServerTiming.HeaderName).Single()["app;dur=".Length..], CultureInfo.InvariantCulture);

    static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
    }
}
