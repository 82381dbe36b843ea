using System.Text.RegularExpressions;
using LmsCloud.Tests.Infrastructure;
using LmsCloud.Tests.Rostering;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace LmsCloud.Tests.Cli;

/// <summary><c>lms compliance requests ...</c>, in-process against this class's database, as operators' scripts use it.</summary>
public sealed class RequestCliTests(TestDatabase db) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task An_operator_creates_lists_approves_cancels_and_retries_requests_and_refused_moves_exit_1_naming_both_states()
    {
        var district = await db.CreateDistrictAsync();
        await RosterSamples.ImportDirectlyAsync(db, district.Id, "northwind-1.1-bulk");
        var student = await RosterSamples.InternalIdAsync(db, district.Id, "users", "nw-s-001");
        var peer = await RosterSamples.InternalIdAsync(db, district.Id, "users", "nw-s-002");

        // By SIS sourcedId, as compliance export takes it.
        var created = await RunAsync("compliance", "requests", "create", "--tenant", district.Slug, "--type", "export", "--person", "nw-s-001",
            "--comment", "Parent's written request of 1 Dec");
        Assert.True(created.Code == 0, created.Error);
        var id = Regex.Match(created.Out, @"^request (\S+) created: export of " + student + ", received, due ").Groups[1].Value;
        Assert.NotEmpty(id);
        var duplicate = await RunAsync("compliance", "requests", "create", "--tenant", district.Slug, "--type", "export", "--person", student.ToString());
        Assert.Equal(1, duplicate.Code);
        Assert.StartsWith($"lms: not created: An open export request for this person exists already ({id})", duplicate.Error);
        Assert.Equal(2, (await RunAsync("compliance", "requests", "create", "--tenant", district.Slug, "--type", "export", "--district")).Code);
        Assert.Equal(2, (await RunAsync("compliance", "requests", "create", "--tenant", district.Slug, "--type", "nonsense", "--person", "nw-s-001")).Code);
        var nobody = await RunAsync("compliance", "requests", "create", "--tenant", district.Slug, "--type", "erasure", "--person", "nobody");
        Assert.Equal((1, $"lms: No person in {district.Slug} has the id or SIS sourcedId 'nobody'."), (nobody.Code, nobody.Error.TrimEnd()));

        var listed = await RunAsync("compliance", "requests", "list", "--tenant", district.Slug);
        Assert.Matches($@"(?m)^{district.Slug}\s+{id}\s+export\s+{student}\s+received\s+\d{{4}}-\d\d-\d\d\s+no\s*$", listed.Out);
        Assert.Contains("1 requests", listed.Out);

        // Approve from received goes through awaiting_approval; the timeline shows every step and who took it.
        Assert.Equal((0, $"request {id} approved"), await CodeAndLineAsync("compliance", "requests", "approve", id, "--tenant", district.Slug));
        var shown = await RunAsync("compliance", "requests", "show", id, "--tenant", district.Slug);
        Assert.True(shown.Code == 0, shown.Error);
        Assert.Matches(@"(?m)^  state\s+approved$", shown.Out);
        Assert.Matches($@"(?m)^  \S+ \S+  operator:cli:{Regex.Escape(Environment.UserName)}\s+received\s+Parent's written request of 1 Dec$", shown.Out);
        Assert.Matches(@"(?m)received -> awaiting_approval", shown.Out);
        Assert.Matches(@"(?m)awaiting_approval -> approved\s+By the operator at the command line\.$", shown.Out);

        var again = await RunAsync("compliance", "requests", "approve", id, "--tenant", district.Slug);
        Assert.Equal((1, "lms: not approved: cannot move from approved to approved"), (again.Code, again.Error.TrimEnd()));
        Assert.Equal(2, (await RunAsync("compliance", "requests", "cancel", id, "--tenant", district.Slug)).Code); // no reason
        Assert.Equal((0, $"request {id} cancelled"),
            await CodeAndLineAsync("compliance", "requests", "cancel", id, "--tenant", district.Slug, "--reason", "Withdrawn by the parent"));
        var closed = await RunAsync("compliance", "requests", "approve", id, "--tenant", district.Slug);
        Assert.Equal((1, "lms: not approved: cannot move from cancelled to approved"), (closed.Code, closed.Error.TrimEnd()));

        // Reject needs a reason; a rejected request stays rejected.
        var log = Regex.Match((await RunAsync("compliance", "requests", "create", "--tenant", district.Slug, "--type", "disclosure_log", "--person",
            peer.ToString())).Out, @"^request (\S+) created").Groups[1].Value;
        Assert.Equal(2, (await RunAsync("compliance", "requests", "reject", log, "--tenant", district.Slug)).Code);
        Assert.Equal(0, (await RunAsync("compliance", "requests", "reject", log, "--tenant", district.Slug, "--reason", "Not the guardian")).Code);
        Assert.Matches(@"(?m)^  reason\s+Not the guardian$", (await RunAsync("compliance", "requests", "show", log, "--tenant", district.Slug)).Out);

        // A failed request (as the export job leaves one) is retried by id alone: approved again, for the job to take up.
        var failing = Regex.Match((await RunAsync("compliance", "requests", "create", "--tenant", district.Slug, "--type", "export", "--person",
            peer.ToString())).Out, @"^request (\S+) created").Groups[1].Value;
        var notFailed = await RunAsync("compliance", "requests", "retry", failing);
        Assert.Equal((1, "lms: not retried: only a failed request can be retried; this one is received"), (notFailed.Code, notFailed.Error.TrimEnd()));
        await OwnerAsync(district.Id, "update compliance_requests set state = 'failed', reason = 'table grades: 42501' where id = $1", Guid.Parse(failing));
        Assert.Equal((0, $"request {failing} ({district.Slug}) approved again: it is processed from the start"),
            await CodeAndLineAsync("compliance", "requests", "retry", failing));
        Assert.Matches(@"(?m)^  state\s+approved$", (await RunAsync("compliance", "requests", "show", failing, "--tenant", district.Slug)).Out);

        // Overdue: only the one past its due date, and only while it is open.
        await OwnerAsync(district.Id, "update compliance_requests set due_at = now() - interval '1 day' where id = $1", Guid.Parse(failing));
        await OwnerAsync(district.Id, "update compliance_requests set due_at = now() - interval '1 day' where id = $1", Guid.Parse(id));
        var overdue = await RunAsync("compliance", "requests", "list", "--tenant", district.Slug, "--overdue");
        Assert.Matches($@"(?m)^{district.Slug}\s+{failing}\s+export\s+{peer}\s+approved\s+\S+\s+yes\s*$", overdue.Out);
        Assert.DoesNotContain(id, overdue.Out); // cancelled: closed, so not overdue
        Assert.Contains("1 requests", overdue.Out);
        var byState = await RunAsync("compliance", "requests", "list", "--state", "rejected", "--type", "disclosure_log");
        Assert.Matches($@"(?m)^{district.Slug}\s+{log}\s+disclosure_log\s+{peer}\s+rejected\s", byState.Out);
        Assert.DoesNotContain(failing, byState.Out);

        Assert.Equal(2, (await RunAsync("compliance", "requests", "list", "--state", "done")).Code);
        Assert.Equal(2, (await RunAsync("compliance", "requests", "show", "not-an-id", "--tenant", district.Slug)).Code);
        Assert.Equal(2, (await RunAsync("compliance", "requests", "frobnicate")).Code);
        var missing = await RunAsync("compliance", "requests", "show", Guid.NewGuid().ToString(), "--tenant", district.Slug);
        Assert.Equal(1, missing.Code);
        Assert.Equal(0, (await RunAsync("audit", "verify", "--tenant", district.Slug)).Code);
    }

    async Task<(int, string)> CodeAndLineAsync(params string[] args)
    {
        var result = await RunAsync(args);
        return (result.Code, result.Code == 0 ? result.Out.TrimEnd() : result.Error.TrimEnd());
    }

    async Task OwnerAsync(Guid tenant, string sql, Guid id)
    {
        await using var conn = new NpgsqlConnection(db.ConnectionStrings.Owner);
        await conn.OpenAsync();
        await LmsCloud.Core.Database.TenantSession.SetAsync(conn, tenant); // RLS is forced, for the owner too
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue(id);
        await cmd.ExecuteNonQueryAsync();
    }

    async Task<(int Code, string Out, string Error)> RunAsync(params string[] args)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:App"] = db.ConnectionStrings.App,
            ["ConnectionStrings:Owner"] = db.ConnectionStrings.Owner,
        }).Build();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await LmsCloud.Cli.Cli.RunAsync(args, configuration, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
