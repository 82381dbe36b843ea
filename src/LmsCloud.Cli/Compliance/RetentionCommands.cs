using System.Text.Json;
using LmsCloud.Core.Compliance.Retention;
using LmsCloud.Core.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace LmsCloud.Cli;

/// <summary>
/// <c>lms compliance retention report|approve|run --tenant SLUG ...</c>: a dry-run report of what the district's policy
/// says is due (optionally as CSV), its approval, and the run (with a progress bar). Exit 0 done, 1 refused or failed.
/// </summary>
public static class RetentionCommands
{
    public static async Task<int> RunAsync(CliContext context, CommandLine command) => command.Word(2) switch
    {
        "report" => await ReportAsync(context, command),
        "approve" => await ApproveAsync(context, command),
        "run" => await ExecuteAsync(context, command),
        _ => throw new UsageException("compliance retention needs report, approve or run"),
    };

    static async Task<int> ReportAsync(CliContext context, CommandLine command)
    {
        var slug = command.Required("tenant");
        var csv = command.Optional("csv") is { } path ? Path.GetFullPath(path) : null;
        command.NoMore(3);
        return await InDistrictAsync(context, slug, async runs =>
        {
            var outcome = await runs.ReportAsync("cli", CliContext.Actor);
            if (outcome.Error is { } error) return Fail(context, $"no report: {error.Message}{(error.RunId is { } open ? $" (run {open})" : "")}");
            var run = outcome.Run!;
            var items = await runs.ItemsAsync(run.Id);
            context.Out.WriteLine($"retention run {run.Id} reported for {slug}: {items.Count} items due, {items.Count(i => i.HoldId != null)} held");
            foreach (var group in items.GroupBy(i => i.Kind))
                context.Out.WriteLine($"  {group.Key,-20}{group.Count(),8} items{group.Sum(i => i.Rows),12} rows{group.Count(i => i.HoldId != null),8} held");
            if (csv != null)
            {
                await File.WriteAllTextAsync(csv, RetentionRuns.ToCsv(items));
                context.Out.WriteLine($"wrote {csv}");
            }
            context.Out.WriteLine($"approve with: lms compliance retention approve --tenant {slug} {run.Id}");
            return 0;
        });
    }

    static async Task<int> ApproveAsync(CliContext context, CommandLine command)
    {
        var slug = command.Required("tenant");
        var id = RunId(command);
        var comment = command.Optional("comment");
        command.NoMore(4);
        return await InDistrictAsync(context, slug, async runs =>
        {
            var outcome = await runs.ApproveAsync(id, CliContext.Actor, comment);
            if (outcome.Error is { } error) return Fail(context, $"not approved: {error.Message}");
            context.Out.WriteLine($"retention run {id} approved");
            return 0;
        });
    }

    static async Task<int> ExecuteAsync(CliContext context, CommandLine command)
    {
        var slug = command.Required("tenant");
        var id = RunId(command);
        var max = command.Optional("max-items") is { } text
            ? int.TryParse(text, out var n) && n > 0 ? n : throw new UsageException($"--max-items: '{text}' is not a positive number")
            : (int?)null;
        command.NoMore(4);
        return await InDistrictAsync(context, slug, async runs =>
        {
            var progress = TerminalProgress.For(context);
            var outcome = await runs.ExecuteAsync(id, CliContext.Actor,
                progress.Of<(int Done, int Total)>(v => (v.Total == 0 ? 100 : v.Done * 100 / v.Total, $"{v.Done}/{v.Total} items", null)), max);
            progress.Done();
            if (outcome.Error is { } error) return Fail(context, $"not run: {error.Message}");
            var run = outcome.Run!;
            using var counts = JsonDocument.Parse(run.Counts);
            int Count(string name) => counts.RootElement.TryGetProperty(name, out var v) ? v.GetInt32() : 0;
            context.Out.WriteLine($"retention run {id}: {run.State}; {Count("done")} done, {Count("held")} held, {Count("skipped")} skipped, " +
                                  $"{Count("failed")} failed{(run.CertificateId is { } c ? $"; certificate {c}" : "")}");
            if (run.State == RetentionRunStates.Running)
            {
                context.Out.WriteLine("more items pending: run it again to continue");
                return 0;
            }
            return run.State == RetentionRunStates.Completed ? 0 : Fail(context, $"retention run failed: {run.FailureReason}");
        });
    }

    static Guid RunId(CommandLine command)
    {
        var text = command.RequiredWord(3, "the retention run id");
        return Guid.TryParse(text, out var id) ? id : throw new UsageException($"'{text}' is not a retention run id (a uuid)");
    }

    static int Fail(CliContext context, string message)
    {
        context.Error.WriteLine($"lms: {message}");
        return 1;
    }

    static async Task<int> InDistrictAsync(CliContext context, string slug, Func<RetentionRuns, Task<int>> work)
    {
        var district = await context.DistrictAsync(slug);
        return await DistrictScope.RunAsync(await context.ServicesAsync(), district, scope => work(scope.GetRequiredService<RetentionRuns>()));
    }
}
