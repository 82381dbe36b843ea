using System.Text.RegularExpressions;
using LmsCloud.Tests.Infrastructure;
using LmsCloud.Tests.Rostering;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace LmsCloud.Tests.Cli;

/// <summary><c>lms compliance holds ...</c> and <c>lms compliance retention ...</c>, in-process against this class's database.</summary>
public sealed class RetentionCliTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task An_operator_holds_a_student_reports_approves_and_runs_retention_and_the_held_student_stays()
    {
        var district = await db.CreateDistrictAsync();
        await RosterSamples.ImportDirectlyAsync(db, district.Id, "northwind-1.1-bulk");
        var held = await RosterSamples.InternalIdAsync(db, district.Id, "users", "nw-s-003");
        var peer = await RosterSamples.InternalIdAsync(db, district.Id, "users", "nw-s-004");
        await using (var conn = await db.OpenAsTenantAsync(district.Id))
        {
            foreach (var sql in new[]
                     {
                         "update users set status = 'tobedeleted' where id = any ($1)",
                         "update users set departed_at = now() - interval '3 years' where id = any ($1)",
                         "update import_runs set finished_at = now() - interval '2 years' where $1 is not null",
                     })
            {
                await using var cmd = new NpgsqlCommand(sql, conn);
                cmd.Parameters.AddWithValue(new[] { held, peer });
                await cmd.ExecuteNonQueryAsync();
            }
        }

        var placed = await RunAsync("compliance", "holds", "place", "--tenant", district.Slug, "--scope", "person", "--id", held.ToString(),
            "--reason", "Records request of counsel");
        Assert.True(placed.Code == 0, placed.Error);
        var holdId = Regex.Match(placed.Out, @"^hold (\S+) placed").Groups[1].Value;
        var listed = await RunAsync("compliance", "holds", "list", "--tenant", district.Slug);
        Assert.Matches($@"(?m)^{holdId}\s+person\s+{held}\s+yes\s+-\s+Records request of counsel$", listed.Out);
        var unknown = await RunAsync("compliance", "holds", "place", "--tenant", district.Slug, "--scope", "class", "--id", Guid.NewGuid().ToString(), "--reason", "x");
        Assert.Equal((1, "lms: hold not placed: No class with this id in the district."), (unknown.Code, unknown.Error.TrimEnd()));

        var csv = Path.Combine(Path.GetTempPath(), $"retention-{Guid.NewGuid():N}.csv");
        var report = await RunAsync("compliance", "retention", "report", "--tenant", district.Slug, "--csv", csv);
        Assert.True(report.Code == 0, report.Error);
        var runId = Regex.Match(report.Out, @"^retention run (\S+) reported").Groups[1].Value;
        Assert.Matches(@"(?m)^  departed_person\s+2 items\s+2 rows\s+1 held$", report.Out);
        Assert.Contains(held.ToString(), await File.ReadAllTextAsync(csv));
        File.Delete(csv);

        var early = await RunAsync("compliance", "retention", "run", "--tenant", district.Slug, runId);
        Assert.Equal(1, early.Code);
        Assert.StartsWith("lms: not run: This retention run is not approved yet", early.Error);
        Assert.Equal(0, (await RunAsync("compliance", "retention", "approve", "--tenant", district.Slug, runId, "--comment", "reviewed")).Code);
        var run = await RunAsync("compliance", "retention", "run", "--tenant", district.Slug, runId);
        Assert.True(run.Code == 0, run.Error);
        Assert.Contains("100% ", run.Out);
        Assert.Matches($@"(?m)^retention run {runId}: completed; \d+ done, 1 held, 0 skipped, 0 failed; certificate \S+$", run.Out);

        await using (var conn = await db.OpenAsTenantAsync(district.Id))
        {
            Assert.Equal("Noah", await TestDatabase.ScalarAsync<string>(conn, "select given_name from users where id = $1", held));
            Assert.Equal($"erased-{peer}", await TestDatabase.ScalarAsync<string>(conn, "select user_name from users where id = $1", peer));
        }
        Assert.Equal(0, (await RunAsync("compliance", "holds", "release", "--tenant", district.Slug, holdId, "--reason", "done")).Code);
        var again = await RunAsync("compliance", "holds", "release", "--tenant", district.Slug, holdId, "--reason", "done");
        Assert.Equal(1, again.Code);
        Assert.StartsWith("lms: hold not released: This hold was released already", again.Error);
        Assert.Equal(2, (await RunAsync("compliance", "retention", "run", "--tenant", district.Slug, "not-an-id")).Code);
        Assert.Equal(0, (await RunAsync("audit", "verify", "--tenant", district.Slug)).Code);
    }

    // The run ends with a signed deletion certificate: the CLI signs with the platform's key, as the API does.
    static readonly LmsCloud.Api.Auth.SigningKeyOptions SigningKey = LmsCloud.Api.Auth.SigningKeys.Generate();

    Task<(int Code, string Out, string Error)> RunAsync(params string[] args) => RunWithAsync(new Dictionary<string, string?>
    {
        ["ConnectionStrings:App"] = db.ConnectionStrings.App,
        ["ConnectionStrings:Owner"] = db.ConnectionStrings.Owner,
        ["Auth:SigningKeys:0:KeyId"] = SigningKey.KeyId,
        ["Auth:SigningKeys:0:Pem"] = SigningKey.Pem,
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
