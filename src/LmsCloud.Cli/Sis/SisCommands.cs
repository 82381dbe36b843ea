using System.Diagnostics;
using LmsCloud.Sis;
using LmsCloud.Sis.Generation;
using Microsoft.Extensions.DependencyInjection;

namespace LmsCloud.Cli;

/// <summary><c>lms sis ...</c>: import a OneRoster package from disk, or generate a large one.</summary>
public static class SisCommands
{
    public static async Task<int> ImportAsync(CliContext context, CommandLine command)
    {
        var slug = command.Required("tenant");
        var dryRun = command.Flag("dry-run");
        var path = Path.GetFullPath(command.RequiredWord(2, "the package path (a zip or a folder)"));
        command.NoMore(3);
        if (!File.Exists(path) && !Directory.Exists(path)) throw new UsageException($"no file or folder at {path}");

        var district = await context.DistrictAsync(slug);
        var runs = (await context.ServicesAsync()).GetRequiredService<ImportRuns>();
        var runId = await runs.CreateAsync(new ImportRequest(district.TenantId, path, Path.GetFileName(path), ImportTrigger.Cli, CliContext.Actor, dryRun));
        context.Out.WriteLine($"import run {runId} for {slug}{(dryRun ? " (dry run)" : "")}");

        var progress = TerminalProgress.For(context);
        var outcome = await runs.RunAsync(district.TenantId, runId, CliContext.Actor,
            progress: progress.Of<ImportProgress>(v => (v.Percent, "", v.Phase)));
        progress.Done();

        context.Out.WriteLine($"{"ENTITY",-14}{"CREATED",9}{"UPDATED",9}{"DELETED",9}{"REVIVED",9}{"UNCHANGED",11}{"INVALID",9}");
        foreach (var (entity, c) in outcome.Counts)
            context.Out.WriteLine($"{entity,-14}{c.Created,9}{c.Updated,9}{c.Deleted,9}{c.Revived,9}{c.Unchanged,11}{c.Invalid,9}");
        context.Out.WriteLine($"status: {outcome.Status}; {outcome.Errors} row errors, {outcome.Warnings} warnings (GET /api/sis/imports/{runId}/errors lists them all)");
        if (outcome.Status is RunStatus.Succeeded or RunStatus.SucceededWithWarnings or RunStatus.DryRun) return 0;
        context.Error.WriteLine($"lms: import {outcome.Status}: {outcome.FailureReason}");
        return 1;
    }

    public static int Generate(CliContext context, CommandLine command)
    {
        var options = new GeneratorOptions
        {
            Students = command.Optional("students", 50_000),
            Teachers = command.Optional("teachers", 4_000),
            Classes = command.Optional("classes", 20_000),
            Seed = command.Optional("seed", 1),
            Version = command.Optional("version") ?? "1.1",
            ChangedFraction = command.Optional("changed-fraction", 0.0),
        };
        var output = Path.GetFullPath(command.Required("out"));
        command.NoMore(2);
        if (options.Version is not ("1.1" or "1.2")) throw new UsageException("--version must be 1.1 or 1.2");
        var started = Stopwatch.GetTimestamp();
        var counts = RosterPackageGenerator.Generate(output, options);
        foreach (var (file, rows) in counts) context.Out.WriteLine($"{file,-22}{rows,10:N0} rows");
        context.Out.WriteLine($"wrote {output} in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
        return 0;
    }
}
